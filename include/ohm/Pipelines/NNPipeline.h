//===- NNPipeline.h - From imported ONNX to normalized nn IR ----*- C++ -*-===//

#ifndef OHM_PIPELINES_NNPIPELINE_H
#define OHM_PIPELINES_NNPIPELINE_H

#include <cstdint>

namespace ohm {

class PassManager;

struct NNPipelineOptions {
  /// Constants larger than this are not materialized by constant folding.
  int64_t foldMaxElements = 1 << 22;
};

/// Adds the passes that turn an imported model into normalized nn IR:
/// integer accumulates followed by requantize (see the .cpp for the order
/// and why).
void buildNNPipeline(PassManager &pm, const NNPipelineOptions &options = {});

} // namespace ohm

#endif // OHM_PIPELINES_NNPIPELINE_H
