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
  /// `--adc`: empty (the target's policy), "lossless", a width "N",
  /// "calibrated" or "calibrated:N".
  std::string adc;
  /// `--calib`: directory of .npy batches for the calibrated policy.
  std::string calibDir;
  /// Copies of every tile (`xb-place{duplicate}`).
  int64_t duplicate = 1;
};

/// Adds nn-to-xb and the crossbar mapping passes with options taken from
/// `target` (see the .cpp for the order and why). Fails on a malformed
/// `--adc` value.
llvm::Error buildXbarPipeline(PassManager &pm, const target::Target &target,
                              const XbarPipelineOptions &options = {});

} // namespace ohm

#endif // OHM_PIPELINES_XBARPIPELINE_H
