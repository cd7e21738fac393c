//===- InferBitwidth.cpp - Effective bit widths of accumulate operands ----===//
//
// Crossbar mapping needs to know how many bits inputs and weights really
// use, which the storage type (almost always 8 bits) does not say:
//
// * Weights (constants): the range of w - w_zp over the tensor. Values in
//   {-1, 1} are "binary", in {-1, 0, 1} "ternary", otherwise "integer" with
//   the smallest two's complement width holding the range (int8 storage
//   with values in [-8, 7] is 4-bit).
// * Inputs: the range of codes the producer can emit: a requantize's clamp
//   range, a clip's bounds, propagated through data movement; otherwise the
//   element type's range. The width is that of (hi - lo), because the
//   crossbar feeds codes offset to start at 0.
//
// Results are attributes on nn.qconv / nn.qmatmul:
//   x_range = [lo, hi], x_bits, w_range = [lo, hi], w_bits, w_kind.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/NN/NNOps.h"
#include "ohm/NN/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Statistic.h"

#include <algorithm>
#include <limits>

#define DEBUG_TYPE "infer-bitwidth"

STATISTIC(NumAnnotated, "Accumulates annotated with bit widths");

using namespace ohm;
using namespace ohm::nn;

namespace {

struct Range {
  int64_t lo, hi;
};

/// Bits of an unsigned quantity holding 0 .. span.
int64_t unsignedBits(int64_t span) {
  int64_t bits = 1;
  while (bits < 63 && (int64_t(1) << bits) <= span)
    ++bits;
  return bits;
}

/// Bits of a two's complement value holding lo .. hi.
int64_t signedBits(int64_t lo, int64_t hi) {
  int64_t bits = 1;
  while (bits < 64 && (lo < -(int64_t(1) << (bits - 1)) ||
                       hi > (int64_t(1) << (bits - 1)) - 1))
    ++bits;
  return bits;
}

class InferBitwidthPass : public FunctionPass {
public:
  InferBitwidthPass()
      : FunctionPass("infer-bitwidth",
                     "Annotate nn.qconv and nn.qmatmul with the effective bit "
                     "widths of their inputs and weights") {}

  LogicalResult runOnFunction(Function &fn) override {
    ranges.clear();
    for (Operation &op : fn.getBody()) {
      if (op.getNumResults() == 1)
        propagate(op);
      if (op.isa<QConvOp>() || op.isa<QMatMulOp>())
        annotate(op);
    }
    return success();
  }

private:
  /// The code range of an integer value.
  Range getRange(Value *value) {
    auto it = ranges.find(value);
    if (it != ranges.end())
      return it->second;
    auto type = value->getType()
                    .cast<TensorType>()
                    .getElementType()
                    .dyn_cast<IntegerType>();
    if (!type)
      return {0, 0};
    return {type.getMinValue(), type.getMaxInt64()};
  }

  void propagate(Operation &op) {
    Value *result = op.getResult(0);
    auto type = result->getType().dyn_cast<TensorType>();
    if (!type || !type.getElementType().isInteger())
      return;
    Range full = getRange(result);
    if (op.isa<RequantizeOp>()) {
      ranges[result] = {getIntAttr(&op, "min", full.lo),
                        getIntAttr(&op, "max", full.hi)};
    } else if (op.isa<ClipOp>()) {
      Range in = getRange(op.getOperand(0));
      auto min = op.getAttrOfType<IntegerAttr>("min");
      auto max = op.getAttrOfType<IntegerAttr>("max");
      ranges[result] = {std::max(in.lo, min ? min.getInt() : in.lo),
                        std::min(in.hi, max ? max.getInt() : in.hi)};
    } else if (op.isa<MaxPoolOp>() || op.isa<ReshapeOp>() ||
               op.isa<TransposeOp>()) {
      ranges[result] = getRange(op.getOperand(0));
    } else if (op.isa<ConcatOp>()) {
      Range r = getRange(op.getOperand(0));
      for (Value *operand : op.getOperands()) {
        Range next = getRange(operand);
        r = {std::min(r.lo, next.lo), std::max(r.hi, next.hi)};
      }
      ranges[result] = r;
    } else if (op.isa<PadOp>()) {
      // Constant padding adds its value (0 when absent); reflect and edge
      // padding repeat existing values.
      Range r = getRange(op.getOperand(0));
      auto mode = op.getAttrOfType<StringAttr>("mode");
      if (!mode || mode.getValue() == "constant") {
        auto value = op.getAttrOfType<IntegerAttr>("value");
        int64_t fill = value ? value.getInt() : 0;
        r = {std::min(r.lo, fill), std::max(r.hi, fill)};
      }
      ranges[result] = r;
    } else if (auto constant = op.dyn_cast<ConstOp>()) {
      DenseElementsAttr value = constant.getValue();
      if (value.getElementType().isInteger() && value.getNumElements() > 0)
        DenseElementsAttr::withIntStorage(
            value.getElementType(), [&](auto tag) {
              // The range of the stored values (a splat stores one).
              using T = decltype(tag);
              T lo = std::numeric_limits<T>::max(),
                hi = std::numeric_limits<T>::min();
              for (T v : value.getRawValues<T>()) { // (vectorizes)
                lo = std::min(lo, v);
                hi = std::max(hi, v);
              }
              ranges[result] = {int64_t(lo), int64_t(hi)};
            });
      else if (value.getNumElements() > 0) {
        std::vector<int64_t> values = value.getInts();
        ranges[result] = {*std::min_element(values.begin(), values.end()),
                          *std::max_element(values.begin(), values.end())};
      }
    }
  }

  void annotate(Operation &op) {
    Context &ctx = op.getContext();
    Value *x = op.getOperand(0), *w = op.getOperand(1);
    bool isConv = op.isa<QConvOp>();
    Range xr = getRange(x);
    op.setAttr("x_range", ArrayAttr::getI64(ctx, {xr.lo, xr.hi}));
    op.setAttr("x_bits", IntegerAttr::get(ctx, unsignedBits(xr.hi - xr.lo)));

    Operation *def = w->getDefiningOp();
    auto constant = def ? def->dyn_cast<ConstOp>() : ConstOp();
    if (!constant)
      return;
    DenseElementsAttr weights = constant.getValue();
    std::vector<int64_t> zps =
        getIntOrDenseValues(op.getAttr(isConv ? "w_zp" : "b_zp"));
    auto wType = w->getType().cast<TensorType>();
    int64_t channels = isConv ? wType.getDimSize(0) : wType.getShape().back();
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    bool binary = true, ternary = true;
    auto zpOf = [&](int64_t channel) {
      return zps.empty() ? 0 : zps[zps.size() == 1 ? 0 : channel];
    };
    auto add = [&](int64_t v) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      binary &= v == -1 || v == 1;
      ternary &= v >= -1 && v <= 1;
    };
    // The output channel is the leading dimension of a conv weight, the
    // last of a [.., K, N] matrix.
    auto scan = [&](const auto &values) {
      int64_t size = int64_t(values.size());
      if (size == 0 || channels <= 0)
        return;
      if (isConv) {
        int64_t block = size / channels;
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t i = c * block; i < (c + 1) * block; ++i)
            add(int64_t(values[i]) - zpOf(c));
      } else {
        for (int64_t i = 0; i < size; i += channels)
          for (int64_t c = 0; c < channels; ++c)
            add(int64_t(values[i + c]) - zpOf(c));
      }
    };
    // Without zero points the channel does not matter: scan the stored
    // values once (a splat stores one).
    auto type = weights.getElementType().dyn_cast<IntegerType>();
    if (type && llvm::all_of(zps, [](int64_t zp) { return zp == 0; }))
      DenseElementsAttr::withIntStorage(type, [&](auto tag) {
        auto raw = weights.getRawValues<decltype(tag)>();
        channels = 1;
        isConv = true;
        scan(raw);
      });
    else if (type && type.getWidth() <= 32)
      scan(weights.getIntsAs<int32_t>());
    else
      scan(weights.getInts());
    if (weights.getNumElements() == 0)
      lo = hi = 0;
    op.setAttr("w_range", ArrayAttr::getI64(ctx, {lo, hi}));
    op.setAttr("w_bits",
               IntegerAttr::get(ctx, binary ? 1 : signedBits(lo, hi)));
    op.setAttr("w_kind", StringAttr::get(ctx, binary    ? "binary"
                                              : ternary ? "ternary"
                                                        : "integer"));
    ++NumAnnotated;
  }

  llvm::DenseMap<Value *, Range> ranges;
};
} // namespace

std::unique_ptr<Pass> nn::createInferBitwidthPass() {
  return std::make_unique<InferBitwidthPass>();
}
