//===- AdcAssign.cpp - ADC width, step and offset of every read -----------===//
//
// Each conversion of an xb.mvm digitizes one partial sum
//   P = sum_{k in group} x_t[k] m_s[k, n]   (or P+ - P- with analog sensing)
// with q = clamp(floor((P - lo) / step + 1/2), 0, 2^bits - 1) and
// P^ = lo + q step (DESIGN.md section 5). This pass chooses bits, step and
// lo for every read:
//
//   lossless    the smallest width covering the reachable range with step
//               1: ceil(log2(Pmax - Pmin + 1)) bits, lo = Pmin.
//   fixed       `bits` (or the layer's entry in `layers`): step 1 if that
//               covers the range, else the smallest power-of-two step that
//               does; lo = Pmin.
//   calibrated  partial sums observed on calibration inputs (`calib`, a
//               directory of .npy batches) choose the power-of-two step and
//               the offset with the least squared conversion error at the
//               given width: rare large sums are clipped for a finer step.
//
// The reachable range is that of the configuration (`range=config`:
// A x (2^d - 1) x (2^c - 1) for A active rows, d-bit DACs and c-bit cells;
// symmetric for analog differential sensing) or of the programmed weights
// (`range=data`: the largest group sum of any column). Binary and ternary
// reads use sense amplifiers and have no ADC.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Interp/TensorIO.h"
#include "ohm/Support/Npy.h"
#include "ohm/Xbar/Transforms/Passes.h"
#include "ohm/Xbar/XbarInterp.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <map>

#define DEBUG_TYPE "xb-adc-assign"

STATISTIC(NumAssigned, "Reads given an ADC configuration");
STATISTIC(NumLossy, "Reads whose ADC loses information");

using namespace ohm;
using namespace ohm::xb;
using namespace ohm::target;

namespace {

/// Histograms of observed partial sums per read.
class Histograms : public interp::PartialSumObserver {
public:
  void observe(Operation *mvm, int64_t partialSum) override {
    ++counts[mvm][partialSum];
  }
  llvm::DenseMap<Operation *, std::map<int64_t, uint64_t>> counts;
};

struct Range {
  int64_t lo, hi;
};

class AdcAssignPass : public FunctionPass {
public:
  AdcAssignPass()
      : FunctionPass("xb-adc-assign", "Choose the ADC width, step and offset "
                                      "of every crossbar read") {}

  PassOption<AdcPolicy> policy{*this, "policy",
                               "How to choose: lossless, fixed or calibrated",
                               AdcPolicy::Lossless};
  PassOption<int64_t> bits{*this,
                           "bits",
                           "ADC width for the fixed and calibrated policies",
                           8,
                           {1, 32}};
  ListOption<LayerSetting<int64_t>> layers{*this, "layers",
                                           "Per-layer widths, as layer:bits"};
  PassOption<std::string> range{
      *this,
      "range",
      "Reachable partial sums: from the configuration "
      "or from the programmed weights",
      "config",
      {"config", "data"}};
  PassOption<std::string> calib{
      *this, "calib",
      "Directory of .npy input batches for the calibrated policy", ""};

  LogicalResult runOnFunction(Function &fn) override {
    llvm::StringMap<int64_t> perLayer;
    for (const LayerSetting<int64_t> &entry : layers.getValue())
      perLayer[entry.layer] = entry.value;
    Histograms histograms;
    if (policy.getValue() == AdcPolicy::Calibrated &&
        failed(calibrate(fn, histograms)))
      return failure();

    for (Operation &op : fn.getBody()) {
      if (!op.isa<MvmOp>())
        continue;
      MvmOp mvm(&op);
      llvm::Optional<target::Encoding> encoding = mvm.getEncoding();
      if (!encoding || target::isSensed(*encoding))
        continue;
      Range r = reachable(mvm);
      auto layer = perLayer.find(mvm.getLayerName());
      // A per-layer width turns lossless into fixed for that layer.
      bool hasLayerWidth = layer != perLayer.end();
      int64_t width = hasLayerWidth ? layer->second : int64_t(bits);
      AdcConfig adc;
      int64_t losslessBits = bitsFor(uint64_t(r.hi - r.lo));
      if (policy.getValue() == AdcPolicy::Lossless && !hasLayerWidth) {
        adc = {losslessBits, 1, r.lo};
      } else if (policy.getValue() == AdcPolicy::Calibrated) {
        adc = calibrated(histograms.counts[&op], r, width);
      } else {
        adc = fixed(r, width);
      }
      Context &ctx = op.getContext();
      op.setAttr("adc_bits", IntegerAttr::get(ctx, adc.bits));
      op.setAttr("adc_step", IntegerAttr::get(ctx, adc.step));
      op.setAttr("adc_offset", IntegerAttr::get(ctx, adc.offset));
      ++NumAssigned;
      if (adc.step > 1 || adc.bits < losslessBits)
        ++NumLossy;
    }
    return success();
  }

private:
  /// The range of one conversion's partial sum.
  Range reachable(MvmOp mvm) {
    Operation *op = mvm;
    int64_t d = mvm.getDacBits(), c = mvm.getCellBits();
    int64_t xMax = (int64_t(1) << d) - 1;
    bool analogPair = op->getNumOperands() == 3 && mvm.isAnalogSensing();
    if (range.getValue() == "config") {
      int64_t a = std::min(mvm.getActiveRows(), mvm.getTileRows());
      int64_t pmax = a * xMax * ((int64_t(1) << c) - 1);
      return {analogPair ? -pmax : 0, pmax};
    }
    // From the data: the largest sum of a column's levels over one group.
    auto groupMax = [&](Value *cells) {
      auto levels = CellsOp(cells->getDefiningOp()).getLevels();
      auto type = *CellsType::read(cells->getType());
      std::vector<int64_t> values = levels.getInts();
      int64_t a = mvm.getActiveRows(), best = 0;
      for (int64_t s = 0; s < type.slices; ++s)
        for (int64_t n = 0; n < type.cols; ++n)
          for (int64_t g0 = 0; g0 < type.rows; g0 += a) {
            int64_t sum = 0;
            for (int64_t k = g0; k < std::min(type.rows, g0 + a); ++k)
              sum += values[(s * type.rows + k) * type.cols + n];
            best = std::max(best, sum);
          }
      return best * xMax;
    };
    int64_t posMax = groupMax(op->getOperand(1));
    if (op->getNumOperands() == 2)
      return {0, posMax};
    int64_t negMax = groupMax(op->getOperand(2));
    if (analogPair)
      return {-negMax, posMax};
    return {0, std::max(posMax, negMax)};
  }

  static AdcConfig fixed(Range r, int64_t width) {
    uint64_t span = uint64_t(r.hi - r.lo) + 1;
    int64_t step = 1;
    while ((span + step - 1) / uint64_t(step) > (uint64_t(1) << width))
      step *= 2;
    return {width, step, r.lo};
  }

  /// The step and offset with the least squared error on the observed sums.
  static AdcConfig calibrated(const std::map<int64_t, uint64_t> &counts,
                              Range r, int64_t width) {
    AdcConfig full = fixed(r, width);
    if (counts.empty())
      return full;
    int64_t observedMin = counts.begin()->first;
    AdcConfig best = full;
    long double bestError = -1;
    for (int64_t step = 1; step <= full.step; step *= 2)
      for (int64_t offset : {r.lo, observedMin}) {
        AdcConfig candidate{width, step, offset};
        long double error = 0;
        for (const auto &[sum, count] : counts) {
          long double diff = (long double)(candidate.convert(sum) - sum);
          error += diff * diff * (long double)count;
        }
        if (bestError < 0 || error < bestError) {
          bestError = error;
          best = candidate;
        }
      }
    return best;
  }

  /// Runs the function on every .npy batch in `calib` and records the
  /// partial sums of every read.
  LogicalResult calibrate(Function &fn, Histograms &histograms) {
    if (calib.getValue().empty())
      return emitError(fn.getLoc())
             << "xb-adc-assign: the calibrated policy needs calib=DIR (a "
                "directory of .npy input batches)";
    if (fn.getNumArguments() != 1)
      return emitError(fn.getLoc())
             << "xb-adc-assign: calibration supports single-input models";
    std::vector<std::string> files;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(calib.getValue(), ec), end;
         it != end && !ec; it.increment(ec))
      if (llvm::StringRef(it->path()).endswith(".npy"))
        files.push_back(it->path());
    if (ec)
      return emitError(fn.getLoc())
             << "xb-adc-assign: cannot read the calibration directory '"
             << calib.getValue() << "': " << ec.message();
    if (files.empty())
      return emitError(fn.getLoc())
             << "xb-adc-assign: no .npy files in '" << calib.getValue() << "'";
    std::sort(files.begin(), files.end());
    registerXbarEvaluator();
    for (const std::string &file : files) {
      auto array = readNpyFile(file);
      if (!array)
        return emitError(fn.getLoc())
               << "xb-adc-assign: " << toString(array.takeError());
      std::vector<interp::Tensor> inputs;
      inputs.push_back(interp::tensorFromNpy(fn.getContext(), *array));
      auto results = interp::run(fn, std::move(inputs), &histograms);
      if (!results)
        return emitError(fn.getLoc())
               << "xb-adc-assign: calibration run on '" << file
               << "' failed: " << toString(results.takeError());
    }
    return success();
  }
};
} // namespace

std::unique_ptr<Pass> xb::createAdcAssignPass() {
  return std::make_unique<AdcAssignPass>();
}
