//===- NNPipeline.cpp - From imported ONNX to normalized nn IR ------------===//
//
// The order matters:
//
// 1. constant-fold first: exporters compute quantization parameters and
//    weights with small constant subgraphs (PyTorch writes bias zero points
//    as Cast(ConstantOfShape(...))); folding them makes every Q/DQ
//    parameter and weight a plain nn.const for the passes below.
// 2. dce removes what folding left unused.
//
//===----------------------------------------------------------------------===//

#include "ohm/Pipelines/NNPipeline.h"
#include "ohm/NN/Transforms/Passes.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pass/PassRegistry.h"
#include "ohm/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

using namespace ohm;

void ohm::buildNNPipeline(PassManager &pm, const NNPipelineOptions &options) {
  std::string pipeline = "constant-fold{max-elements=" +
                         std::to_string(options.foldMaxElements) + "},dce";
  // The pipeline text is the single source of truth, so that
  // `ohmc --dump-pipeline` shows exactly what runs.
  LogicalResult parsed = parsePassPipeline(pipeline, pm, llvm::errs());
  assert(succeeded(parsed) && "the built-in pipeline does not parse");
  (void)parsed;
}
