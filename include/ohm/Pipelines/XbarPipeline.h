//===- XbarPipeline.h - From normalized nn IR to mapped xb IR ---*- C++ -*-===//

#ifndef OHM_PIPELINES_XBARPIPELINE_H
#define OHM_PIPELINES_XBARPIPELINE_H

#include "ohm/Target/Target.h"

#include "llvm/Support/Error.h"

#include <string>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ohm {

class Module;
class PassManager;

struct XbarPipelineOptions {
  /// `--adc`: None keeps the target's policy; a width of 0 keeps the
  /// target's width.
  llvm::Optional<target::AdcChoice> adc;
  /// `--calib`: directory of .npy batches for the calibrated policy.
  std::string calibDir;
  /// Copies of every tile (`xb-place{duplicate}`).
  int64_t duplicate = 1;
};

/// Adds nn-to-xb and the crossbar mapping passes with options taken from
/// `target` (see the .cpp for the order and why). Fails if --calib and the
/// ADC policy disagree.
llvm::Error buildXbarPipeline(PassManager &pm, const target::Target &target,
                              const XbarPipelineOptions &options = {});

} // namespace ohm

#endif // OHM_PIPELINES_XBARPIPELINE_H
