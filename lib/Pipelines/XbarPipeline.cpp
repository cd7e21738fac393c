//===- XbarPipeline.cpp - From normalized nn IR to mapped xb IR -----------===//
//
// The crossbar pipeline, in this order:
//
// 1. nn-to-xb lowers every integer accumulate with constant weights to one
//    ideal xb.mvm per group over the whole weight matrix.
// 2. xb-tile splits matrices into array-sized tiles, so that everything
//    after works per tile.
// 3. xb-encode maps signed weights to non-negative cell levels. It comes
//    before slicing: cells hold non-negative conductances, so only
//    magnitudes can be sliced.
// 4. xb-bitslice slices magnitudes into the target's cells and inputs into
//    DAC cycles; the partial-sum range depends on both.
// 5. xb-wordline-groups sets how many rows are read at once, the last
//    factor of the partial-sum range.
// 6. xb-adc-assign can now compute every read's reachable range (and, for
//    the calibrated policy, observe real partial sums) and choose the ADC.
// 7. xb-place counts arrays per tile, which needs the final cell sets and
//    slices, and assigns them to cores.
// 8. dce removes the weight tiles and cell sets replaced on the way.
//
// Every option comes from the target (or the command line), and the
// pipeline is built as text, so `ohmc --dump-pipeline` prints exactly what
// runs and ohm-opt accepts it verbatim.
//
//===----------------------------------------------------------------------===//

#include "ohm/Pipelines/XbarPipeline.h"
#include "ohm/IR/Module.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pass/PassRegistry.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace ohm;
using namespace ohm::target;

/// Quotes a pass option value for the textual pipeline if needed.
static std::string quoteOption(llvm::StringRef value) {
  if (!value.empty() &&
      value.find_first_of(" \t{}\",=") == llvm::StringRef::npos)
    return value.str();
  return "\"" + value.str() + "\"";
}

llvm::Error ohm::buildXbarPipeline(PassManager &pm, const Target &target,
                                   const XbarPipelineOptions &options) {
  AdcPolicy policy = target.adc.policy;
  int64_t bits = target.adc.bits;
  if (options.adc) {
    policy = options.adc->policy;
    if (options.adc->bits)
      bits = options.adc->bits;
  }
  if (policy != AdcPolicy::Calibrated && !options.calibDir.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--calib is used only by the calibrated ADC policy (--adc=calibrated "
        "or calibrated:N, or a target whose adc.policy is calibrated)");
  if (policy == AdcPolicy::Calibrated && options.calibDir.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the calibrated ADC policy needs --calib=DIR "
        "(a directory of .npy input batches)");

  std::vector<std::string> encodings, widths;
  for (const auto &[layer, encoding] : target.weights.perLayer)
    encodings.push_back(layer + ":" + getEncodingName(encoding).str());
  for (const auto &[layer, width] : target.adc.perLayer)
    widths.push_back(layer + ":" + std::to_string(width));

  const auto &xbar = target.crossbar;
  std::string pipeline =
      "nn-to-xb,xb-tile{rows=" + std::to_string(xbar.rows) +
      " cols=" + std::to_string(xbar.cols) +
      "},xb-encode{encoding=" + getEncodingName(target.weights.encoding).str() +
      " sensing=" + getSensingName(target.weights.sensing).str() +
      " layers=" + quoteOption(llvm::join(encodings, ",")) +
      "},xb-bitslice{cell-bits=" + std::to_string(xbar.cellBits) +
      " dac-bits=" + std::to_string(target.dac.bits) +
      "},xb-wordline-groups{max-active-rows=" +
      std::to_string(xbar.maxActiveRows) +
      "},xb-adc-assign{policy=" + getAdcPolicyName(policy).str() +
      " bits=" + std::to_string(bits) +
      " layers=" + quoteOption(llvm::join(widths, ",")) + " range=config" +
      " calib=" + quoteOption(options.calibDir) +
      "},xb-place{rows=" + std::to_string(xbar.rows) +
      " cols=" + std::to_string(xbar.cols) +
      " arrays-per-core=" + std::to_string(target.hierarchy.arraysPerCore) +
      " cores=" + std::to_string(target.hierarchy.cores) +
      " duplicate=" + std::to_string(options.duplicate) + "},dce";
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(pipeline, pm, os)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal pipeline error: %s",
                                   os.str().c_str());
  return llvm::Error::success();
}
