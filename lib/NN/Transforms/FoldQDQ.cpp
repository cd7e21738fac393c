//===- FoldQDQ.cpp - Dequantize -> float op -> Quantize to integer ops
//-----===//
//
// QDQ models (PyTorch's export, the ONNX Runtime quantizer) spell every
// quantized op as float arithmetic between DequantizeLinear and
// QuantizeLinear. This pass finds, for each nn.quantize, the float op that
// feeds it (through an optional Relu/Clip) and the nn.dequantize ops that
// feed that op, and rewrites the group into integer ops on the codes:
//
//   conv / gemm / matmul (+bias)  ->  nn.qconv / nn.qmatmul + nn.requantize
//   the same without a quantize   ->  nn.qconv / nn.qmatmul + nn.dequantize
//   after it (a float result)         of the accumulator
//   add                           ->  nn.qadd
//   avgpool, globalavgpool        ->  nn.qavgpool + nn.requantize
//   maxpool, reshape, transpose,
//   pad, concat, relu, clip       ->  the same op on integers (+ requantize
//                                     when input and output scales differ)
//
// Relu and Clip before the quantize become the clamp range of the
// requantize: quantization is monotone, so quantize(relu(x)) =
// max(quantize(x), quantize(0)) exactly. Weights must be constants;
// anything that does not match is left alone (and stays float). The
// dequantize ops are left for dce, since other ops may still use them.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/NN/NNOps.h"
#include "ohm/NN/Transforms/Passes.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Support/Debug.h"

#include <cmath>

#define DEBUG_TYPE "fold-qdq"

STATISTIC(NumLinear, "Convolutions and matrix products made integer");
STATISTIC(NumFloatResults,
          "Convolutions and matrix products made integer, float results");
STATISTIC(NumAdds, "Additions made integer");
STATISTIC(NumPools, "Average pools made integer");
STATISTIC(NumMoves, "Data movement and activations made integer");

using namespace ohm;
using namespace ohm::nn;

namespace {

DequantizeOp getDequantize(Value *value) {
  Operation *def = value ? value->getDefiningOp() : nullptr;
  return def ? def->dyn_cast<DequantizeOp>() : DequantizeOp();
}

/// The quantization of a per-tensor dequantize/quantize.
struct Quant {
  float scale = 1;
  int64_t zp = 0;
  IntegerType type;
  bool operator==(const Quant &other) const {
    return scale == other.scale && zp == other.zp && type == other.type;
  }
};

bool getPerTensor(Operation *op, IntegerType type, Quant &quant) {
  QuantParams params = QuantParams::get(op);
  if (!params.isPerTensor())
    return false;
  quant.scale = params.getScale(0);
  quant.zp = params.getZeroPoint(0);
  quant.type = type;
  return true;
}

IntegerType intElementType(Value *value) {
  return value->getType()
      .cast<TensorType>()
      .getElementType()
      .dyn_cast<IntegerType>();
}

/// The per-tensor dequantize that defines `value`, its quantization in
/// `quant`; null if `value` is not one's result.
DequantizeOp getPerTensorDequantize(Value *value, Quant &quant) {
  DequantizeOp dq = getDequantize(value);
  if (!dq || !getPerTensor(dq, intElementType(dq.getInput()), quant))
    return DequantizeOp();
  return dq;
}

/// ONNX Runtime's QuantizeLinear of one float.
int64_t quantizeScalar(double value, const Quant &quant) {
  float q = std::nearbyintf(float(value) / quant.scale) + float(quant.zp);
  double lo = double(quant.type.getMinValue());
  double hi = double(quant.type.getMaxValue());
  return int64_t(std::min(std::max(double(q), lo), hi));
}

/// The clamp range (in `out`'s codes) an optional Relu/Clip imposes.
void getActivationRange(Operation *act, const Quant &out, int64_t &lo,
                        int64_t &hi) {
  lo = out.type.getMinValue();
  hi = int64_t(out.type.getMaxValue());
  if (!act)
    return;
  if (act->isa<ReluOp>()) {
    lo = std::max(lo, quantizeScalar(0.0, out));
    return;
  }
  if (auto min = act->getAttrOfType<FloatAttr>("min"))
    lo = std::max(lo, quantizeScalar(min.getValue(), out));
  if (auto max = act->getAttrOfType<FloatAttr>("max"))
    hi = std::min(hi, quantizeScalar(max.getValue(), out));
}

class FoldQDQPass : public FunctionPass {
public:
  FoldQDQPass()
      : FunctionPass("fold-qdq", "Rewrite dequantize -> float op -> quantize "
                                 "groups as integer ops") {}

  PassOption<std::string> requantMode{
      *this,
      "requant-mode",
      "Arithmetic of the requantize ops created: float (as ONNX Runtime) or "
      "fixed (int32 multiplier and shift)",
      "float",
      {"float", "fixed"}};

  LogicalResult runOnFunction(Function &fn) override {
    std::vector<Operation *> quantizes;
    for (Operation &op : fn.getBody())
      if (op.isa<QuantizeOp>())
        quantizes.push_back(&op);
    for (Operation *q : quantizes)
      tryFold(QuantizeOp(q));
    // What is left of dequantized products has a float result.
    std::vector<Operation *> products;
    for (Operation &op : fn.getBody())
      if (op.isa<ConvOp>() || op.isa<GemmOp>() || op.isa<MatMulOp>())
        products.push_back(&op);
    for (Operation *op : products) {
      // A MatMul whose only user adds a bias folds with the add.
      Operation *core = op;
      if (op->isa<MatMulOp>() && op->getResult(0)->hasOneUse())
        if (Operation *user = op->getResult(0)->getUses().begin()->getOwner())
          if (user->isa<AddOp>())
            core = user;
      if (!foldFloatProduct(core) && core != op)
        foldFloatProduct(op);
    }
    return success();
  }

private:
  void tryFold(QuantizeOp q);
  /// The integer product (nn.qconv / nn.qmatmul, with its bias) a
  /// dequantized conv, gemm or matmul (+ bias add) computes.
  struct Product {
    Value *acc = nullptr;      // the i32 accumulator
    int64_t axis = 0;          // its channel axis
    std::vector<float> scales; // the accumulator's unit per channel
    Operation *matmul = nullptr;
  };
  bool buildProduct(OpBuilder &builder, Operation *core, Product &product);
  bool foldLinear(QuantizeOp q, Operation *act, Operation *core,
                  const Quant &out);
  /// A dequantized product with a float result (no quantize after it):
  /// the integer product, then nn.dequantize of its accumulator.
  bool foldFloatProduct(Operation *core);
  bool foldAdd(QuantizeOp q, Operation *act, Operation *add, const Quant &out);
  bool foldAvgPool(QuantizeOp q, Operation *act, Operation *pool,
                   const Quant &out);
  bool foldConcat(QuantizeOp q, Operation *concat, const Quant &out);
  bool foldUnary(QuantizeOp q, Operation *act, Operation *core,
                 const Quant &out);

  /// Integer bias in units of sx * sw[m], or null if `bias` is not a
  /// constant (possibly dequantized) vector of `channels` values.
  Value *quantizeBias(OpBuilder &builder, Location loc, Value *bias, float sx,
                      const std::vector<float> &sw, int64_t channels,
                      float alpha, float beta, bool &ok);
  /// nn.requantize of `input` into `out` with per-channel `scales`.
  Value *requantize(OpBuilder &builder, Location loc, Value *input,
                    const std::vector<float> &scales, int64_t axis,
                    int64_t inputZp, const Quant &out, int64_t lo, int64_t hi);
  /// Replaces q's result with `value` and erases what became dead.
  void replace(QuantizeOp q, Value *value, llvm::ArrayRef<Operation *> chain);
};

void FoldQDQPass::tryFold(QuantizeOp q) {
  auto outType = intElementType(q->getResult(0));
  Quant out;
  if (!outType || !getPerTensor(q, outType, out))
    return;
  Operation *core = q.getInput()->getDefiningOp();
  if (!core || !q.getInput()->hasOneUse())
    return;
  Operation *act = nullptr;
  // A Relu/Clip over a foldable op is its activation; over a dequantize it
  // is the op itself.
  if ((core->isa<ReluOp>() || core->isa<ClipOp>()) &&
      !getDequantize(core->getOperand(0))) {
    Operation *inner = core->getOperand(0)->getDefiningOp();
    if (!inner || !core->getOperand(0)->hasOneUse())
      return;
    act = core;
    core = inner;
  }
  bool folded = false;
  if (core->isa<ConvOp>() || core->isa<GemmOp>() || core->isa<MatMulOp>())
    folded = foldLinear(q, act, core, out);
  else if (core->isa<AddOp>())
    folded = foldAdd(q, act, core, out) || foldLinear(q, act, core, out);
  else if (core->isa<AvgPoolOp>() || core->isa<GlobalAvgPoolOp>())
    folded = foldAvgPool(q, act, core, out);
  else if (core->isa<ConcatOp>() && !act)
    folded = foldConcat(q, core, out);
  else if (core->isa<MaxPoolOp>() || core->isa<ReshapeOp>() ||
           core->isa<TransposeOp>() || core->isa<PadOp>() ||
           core->isa<ReluOp>() || core->isa<ClipOp>())
    folded = foldUnary(q, act, core, out);
  LLVM_DEBUG(if (!folded) llvm::dbgs()
             << "fold-qdq: no pattern for " << core->getName() << "\n");
  (void)folded;
}

Value *FoldQDQPass::quantizeBias(OpBuilder &builder, Location loc, Value *bias,
                                 float sx, const std::vector<float> &sw,
                                 int64_t channels, float alpha, float beta,
                                 bool &ok) {
  ok = true;
  if (!bias)
    return nullptr;
  std::vector<double> real; // The bias in float, per channel.
  std::vector<int64_t> codes;
  std::vector<float> codeScales;
  if (DequantizeOp dq = getDequantize(bias)) {
    DenseElementsAttr values = ConstOp::getValueOf(dq.getInput());
    QuantParams params = QuantParams::get(dq);
    if (!values || !values.getElementType().isInteger())
      return ok = false, nullptr;
    codes = values.getInts();
    for (size_t i = 0; i < codes.size(); ++i) {
      int64_t channel = params.scales.size() == 1 ? 0 : int64_t(i);
      if (params.getZeroPoint(channel) != 0)
        return ok = false, nullptr;
      codeScales.push_back(params.getScale(channel));
    }
  } else if (DenseElementsAttr values = ConstOp::getValueOf(bias)) {
    if (!values.getElementType().isFloat())
      return ok = false, nullptr;
    real = values.getDoubles();
  } else {
    return ok = false, nullptr;
  }
  // Only a per-column vector ([N], [1, N]) or a scalar is a bias; other
  // shapes broadcast along rows and are left to the float path.
  auto biasType = (codes.empty() ? bias : getDequantize(bias).getInput())
                      ->getType()
                      .cast<TensorType>();
  for (unsigned d = 0; d + 1 < biasType.getRank(); ++d)
    if (biasType.getDimSize(d) != 1)
      return ok = false, nullptr;
  size_t count = codes.empty() ? real.size() : codes.size();
  if (count != 1 && int64_t(count) != channels)
    return ok = false, nullptr;
  std::vector<int64_t> result(channels);
  for (int64_t m = 0; m < channels; ++m) {
    size_t i = count == 1 ? 0 : size_t(m);
    // The accumulator's unit: the requantize multiplies it by alpha too.
    double target =
        double(alpha) * double(sx) * double(sw[sw.size() == 1 ? 0 : m]);
    double value;
    if (!codes.empty() && alpha == 1.0f && beta == 1.0f &&
        codeScales[i] == sx * sw[sw.size() == 1 ? 0 : m])
      value = double(codes[i]); // Already in the accumulator's units.
    else if (!codes.empty())
      value = std::nearbyint(double(beta) * double(codeScales[i]) *
                             double(codes[i]) / double(target));
    else
      value = std::nearbyint(double(beta) * real[i] / double(target));
    if (value < double(INT32_MIN) || value > double(INT32_MAX))
      return ok = false, nullptr;
    result[m] = int64_t(value);
  }
  auto type = TensorType::get({channels},
                              IntegerType::get(builder.getContext(), 32, true));
  return builder
      .create<ConstOp>(loc, DenseElementsAttr::getFromInts(type, result))
      .getResult();
}

Value *FoldQDQPass::requantize(OpBuilder &builder, Location loc, Value *input,
                               const std::vector<float> &scales, int64_t axis,
                               int64_t inputZp, const Quant &out, int64_t lo,
                               int64_t hi) {
  Context &ctx = builder.getContext();
  auto f32 = FloatType::getF32(ctx);
  Attribute scale;
  if (scales.size() == 1)
    scale = FloatAttr::get(f32, scales[0]);
  else
    scale = DenseElementsAttr::getFromDoubles(
        TensorType::get({int64_t(scales.size())}, f32),
        std::vector<double>(scales.begin(), scales.end()));
  auto resultType = input->getType().cast<TensorType>().clone(out.type);
  RequantizeOp op =
      RequantizeOp::build(builder, loc, input, resultType, scale, out.zp, axis);
  if (inputZp != 0)
    op->setAttr("input_zp", IntegerAttr::get(ctx, inputZp));
  if (lo != out.type.getMinValue())
    op->setAttr("min", IntegerAttr::get(ctx, lo));
  if (hi != int64_t(out.type.getMaxValue()))
    op->setAttr("max", IntegerAttr::get(ctx, hi));
  if (requantMode.getValue() == "fixed") {
    std::vector<int64_t> multipliers, shifts;
    bool representable = true;
    for (float s : scales) {
      int64_t multiplier, shift;
      RequantizeOp::getFixedPointMultiplier(s, multiplier, shift);
      representable &= shift >= -31 && shift <= 31;
      multipliers.push_back(multiplier);
      shifts.push_back(shift);
    }
    if (!representable) {
      op->emitWarning() << "a scale is outside the fixed-point range "
                           "[2^-62, 2^31); this requantize stays in float mode";
      return op->getResult(0);
    }
    auto i32 = IntegerType::get(ctx, 32, true);
    auto pack = [&](const std::vector<int64_t> &values) -> Attribute {
      if (values.size() == 1)
        return IntegerAttr::get(ctx, values[0]);
      return DenseElementsAttr::getFromInts(
          TensorType::get({int64_t(values.size())}, i32), values);
    };
    op->setAttr("mode", StringAttr::get(ctx, "fixed"));
    op->setAttr("multiplier", pack(multipliers));
    op->setAttr("shift", pack(shifts));
  }
  return op->getResult(0);
}

void FoldQDQPass::replace(QuantizeOp q, Value *value,
                          llvm::ArrayRef<Operation *> chain) {
  value->setNameHint(q->getResult(0)->getNameHint());
  q->getResult(0)->replaceAllUsesWith(value);
  q->erase();
  for (Operation *op : chain)
    if (op && op->use_empty())
      op->erase();
}

bool FoldQDQPass::buildProduct(OpBuilder &builder, Operation *core,
                               Product &product) {
  // MatMul followed by a bias Add is a linear op with a bias.
  Operation *matmul = core;
  Value *bias = nullptr;
  if (core->isa<AddOp>()) {
    for (unsigned i = 0; i < 2 && matmul == core; ++i) {
      Operation *def = core->getOperand(i)->getDefiningOp();
      if (def && def->isa<MatMulOp>() && core->getOperand(i)->hasOneUse() &&
          def->getResult(0)->getType() == core->getResult(0)->getType()) {
        matmul = def;
        bias = core->getOperand(1 - i);
      }
    }
    if (matmul == core)
      return false;
  }
  bool isConv = matmul->isa<ConvOp>();
  bool isGemm = matmul->isa<GemmOp>();
  Value *x = matmul->getOperand(0), *w = matmul->getOperand(1);
  if (!bias && matmul->getNumOperands() > 2)
    bias = matmul->getOperand(2);

  DequantizeOp dqx = getDequantize(x), dqw = getDequantize(w);
  if (!dqx || !dqw)
    return false;
  Value *xq = dqx.getInput(), *wq = dqw.getInput();
  Quant in;
  if (!getPerTensor(dqx, intElementType(xq), in) || !ConstOp::getValueOf(wq))
    return false;
  auto wType = wq->getType().cast<TensorType>();
  bool transB = isGemm && GemmOp(matmul).getTransB();
  if (isGemm && (GemmOp(matmul).getTransA() || wType.getRank() != 2))
    return false;
  if (!isConv && !isGemm && wType.getRank() != 2)
    return false;
  // Output channels: conv weight dim 0; [K, N] matrices dim 1; Gemm with
  // transB stores [N, K].
  int64_t channelAxis = (isConv || transB) ? 0 : 1;
  int64_t channels = wType.getDimSize(channelAxis);
  QuantParams wParams = QuantParams::get(dqw);
  if (!wParams.isPerTensor() && wParams.axis != channelAxis)
    return false;

  float alpha = isGemm ? GemmOp(matmul).getAlpha() : 1.0f;
  float beta = isGemm ? GemmOp(matmul).getBeta() : 1.0f;
  Location loc = matmul->getLoc();
  bool ok;
  std::vector<float> sw = wParams.scales;
  Value *bq =
      quantizeBias(builder, loc, bias, in.scale, sw, channels, alpha, beta, ok);
  if (!ok)
    return false;

  Context &ctx = builder.getContext();
  Attribute wZp;
  bool uniformZp = llvm::is_splat(wParams.zeroPoints);
  if (wParams.zeroPoints.size() > 1 && !uniformZp)
    wZp = DenseElementsAttr::getFromInts(
        TensorType::get({channels}, wType.getElementType()),
        wParams.zeroPoints);
  else
    wZp = IntegerAttr::get(ctx, wParams.getZeroPoint(0));

  if (isConv) {
    ConvOp conv(matmul);
    product.acc = QConvOp::build(builder, loc, xq, wq, bq, conv.getWindow(),
                                 conv.getGroup(), in.zp, wZp)
                      ->getResult(0);
    product.axis = 1;
  } else {
    Value *rhs = wq;
    if (transB)
      rhs = TransposeOp::build(builder, loc, wq, {1, 0})->getResult(0);
    product.acc =
        QMatMulOp::build(builder, loc, xq, rhs, bq, in.zp, wZp)->getResult(0);
    product.axis =
        int64_t(product.acc->getType().cast<TensorType>().getRank()) - 1;
  }
  // The accumulator's unit per channel: sx * sw[m] (times Gemm's alpha),
  // in f32 as ONNX Runtime computes it.
  product.scales.clear();
  for (float s : sw)
    product.scales.push_back(alpha * in.scale * s);
  product.matmul = matmul;
  return true;
}

bool FoldQDQPass::foldLinear(QuantizeOp q, Operation *act, Operation *core,
                             const Quant &out) {
  OpBuilder builder(q);
  Product product;
  if (!buildProduct(builder, core, product))
    return false;
  // M = sx * sw[m] / sy.
  std::vector<float> scales;
  for (float s : product.scales)
    scales.push_back(s / out.scale);
  int64_t lo, hi;
  getActivationRange(act, out, lo, hi);
  Value *result = requantize(builder, q->getLoc(), product.acc, scales,
                             product.axis, 0, out, lo, hi);
  replace(q, result,
          {act, core, product.matmul == core ? nullptr : product.matmul});
  ++NumLinear;
  return true;
}

bool FoldQDQPass::foldFloatProduct(Operation *core) {
  OpBuilder builder(core);
  Product product;
  if (!buildProduct(builder, core, product))
    return false;
  Context &ctx = builder.getContext();
  auto f32 = FloatType::getF32(ctx);
  Attribute scale =
      product.scales.size() == 1
          ? Attribute(FloatAttr::get(f32, product.scales[0]))
          : Attribute(DenseElementsAttr::getFromDoubles(
                TensorType::get({int64_t(product.scales.size())}, f32),
                std::vector<double>(product.scales.begin(),
                                    product.scales.end())));
  DequantizeOp dq = DequantizeOp::build(builder, core->getLoc(), product.acc,
                                        scale, Attribute(), product.axis);
  Value *result = dq->getResult(0);
  if (result->getType() != core->getResult(0)->getType()) {
    // A product whose float result type is not f32 stays float.
    dq->erase();
    return false;
  }
  result->setNameHint(core->getResult(0)->getNameHint());
  core->getResult(0)->replaceAllUsesWith(result);
  core->erase();
  if (product.matmul != core && product.matmul->use_empty())
    product.matmul->erase();
  ++NumFloatResults;
  return true;
}

bool FoldQDQPass::foldAdd(QuantizeOp q, Operation *act, Operation *add,
                          const Quant &out) {
  Quant a, b;
  DequantizeOp dqa = getPerTensorDequantize(add->getOperand(0), a);
  DequantizeOp dqb = getPerTensorDequantize(add->getOperand(1), b);
  if (!dqa || !dqb)
    return false;
  OpBuilder builder(q);
  Context &ctx = builder.getContext();
  auto f32 = FloatType::getF32(ctx);
  auto resultType =
      add->getResult(0)->getType().cast<TensorType>().clone(out.type);
  Operation *sum = builder.create(
      add->getLoc(), QAddOp::Info, {resultType},
      {dqa.getInput(), dqb.getInput()},
      {builder.getNamedAttr("lhs_scale",
                            FloatAttr::get(f32, a.scale / out.scale)),
       builder.getNamedAttr("lhs_zp", IntegerAttr::get(ctx, a.zp)),
       builder.getNamedAttr("rhs_scale",
                            FloatAttr::get(f32, b.scale / out.scale)),
       builder.getNamedAttr("rhs_zp", IntegerAttr::get(ctx, b.zp)),
       builder.getNamedAttr("zp", IntegerAttr::get(ctx, out.zp))});
  Value *result = sum->getResult(0);
  int64_t lo, hi;
  getActivationRange(act, out, lo, hi);
  // A clamp to the whole range (e.g. relu with zero point 0) is a no-op.
  if (act &&
      (lo != out.type.getMinValue() || hi != int64_t(out.type.getMaxValue())))
    result = ClipOp::build(builder, act->getLoc(), result,
                           IntegerAttr::get(out.type, lo),
                           IntegerAttr::get(out.type, hi))
                 ->getResult(0);
  replace(q, result, {act, add});
  ++NumAdds;
  return true;
}

bool FoldQDQPass::foldAvgPool(QuantizeOp q, Operation *act, Operation *pool,
                              const Quant &out) {
  Quant in;
  DequantizeOp dqx = getPerTensorDequantize(pool->getOperand(0), in);
  if (!dqx)
    return false;
  Value *xq = dqx.getInput();
  auto xType = xq->getType().cast<TensorType>();
  Window window;
  if (pool->isa<GlobalAvgPoolOp>()) {
    if (xType.getRank() != 4 || xType.isDynamicDim(2) || xType.isDynamicDim(3))
      return false;
    window.kernel = {xType.getDimSize(2), xType.getDimSize(3)};
    window.strides = {1, 1};
    window.pads = {0, 0, 0, 0};
    window.dilations = {1, 1};
  } else {
    AvgPoolOp avg(pool);
    window = avg.getWindow();
    // The divisor must be the same for every window: padding counted, or
    // no padding, and no partial windows from ceil_mode.
    bool padded = llvm::any_of(window.pads, [](int64_t p) { return p != 0; });
    if ((padded && !avg.getCountIncludePad()) || window.ceilMode)
      return false;
  }
  OpBuilder builder(q);
  Context &ctx = builder.getContext();
  auto i32 = IntegerType::get(ctx, 32, true);
  auto sumType = pool->getResult(0)->getType().cast<TensorType>().clone(i32);
  Operation *sum = builder.create(
      pool->getLoc(), QAvgPoolOp::Info, {sumType}, {xq},
      {builder.getNamedAttr("kernel_shape",
                            ArrayAttr::getI64(ctx, window.kernel)),
       builder.getNamedAttr("pads", ArrayAttr::getI64(ctx, window.pads)),
       builder.getNamedAttr("strides", ArrayAttr::getI64(ctx, window.strides)),
       builder.getNamedAttr("x_zp", IntegerAttr::get(ctx, in.zp))});
  float count = float(window.kernel[0] * window.kernel[1]);
  int64_t lo, hi;
  getActivationRange(act, out, lo, hi);
  Value *result =
      requantize(builder, q->getLoc(), sum->getResult(0),
                 {in.scale / (out.scale * count)}, 1, 0, out, lo, hi);
  replace(q, result, {act, pool});
  ++NumPools;
  return true;
}

bool FoldQDQPass::foldConcat(QuantizeOp q, Operation *concat,
                             const Quant &out) {
  llvm::SmallVector<std::pair<DequantizeOp, Quant>, 4> inputs;
  for (Value *operand : concat->getOperands()) {
    Quant in;
    DequantizeOp dq = getPerTensorDequantize(operand, in);
    if (!dq)
      return false;
    inputs.push_back({dq, in});
  }
  OpBuilder builder(q);
  llvm::SmallVector<Value *, 4> parts;
  for (auto &[dq, in] : inputs) {
    if (in == out) {
      parts.push_back(dq.getInput());
      continue;
    }
    parts.push_back(requantize(
        builder, dq->getLoc(), dq.getInput(), {in.scale / out.scale}, 1, in.zp,
        out, out.type.getMinValue(), int64_t(out.type.getMaxValue())));
  }
  Value *result = ConcatOp::build(builder, concat->getLoc(), parts,
                                  getIntAttr(concat, "axis", 0))
                      ->getResult(0);
  replace(q, result, {concat});
  ++NumMoves;
  return true;
}

bool FoldQDQPass::foldUnary(QuantizeOp q, Operation *act, Operation *core,
                            const Quant &out) {
  Quant in;
  DequantizeOp dqx = getPerTensorDequantize(core->getOperand(0), in);
  if (!dqx)
    return false;
  Value *xq = dqx.getInput();
  OpBuilder builder(q);
  Context &ctx = builder.getContext();
  auto resultType =
      core->getResult(0)->getType().cast<TensorType>().clone(in.type);
  Value *result;
  if (core->isa<ReluOp>() || core->isa<ClipOp>()) {
    // The activation is a clamp of the input codes.
    int64_t lo, hi;
    getActivationRange(core, in, lo, hi);
    result = ClipOp::build(builder, core->getLoc(), xq,
                           IntegerAttr::get(in.type, lo),
                           IntegerAttr::get(in.type, hi))
                 ->getResult(0);
  } else {
    llvm::SmallVector<NamedAttribute, 4> attrs(core->getAttrs().begin(),
                                               core->getAttrs().end());
    auto padMode = core->getAttrOfType<StringAttr>("mode");
    if (core->isa<PadOp>() && (!padMode || padMode.getValue() == "constant")) {
      // The padding value in codes must be exact and in range.
      auto value = core->getAttrOfType<FloatAttr>("value");
      double v = value ? value.getValue() : 0.0;
      double code = double(v) / double(in.scale);
      double rounded = std::nearbyint(code) + double(in.zp);
      if (std::fabs(code - std::nearbyint(code)) > 1e-6 ||
          rounded < double(in.type.getMinValue()) ||
          rounded > double(in.type.getMaxValue()))
        return false;
      llvm::erase_if(attrs, [](const NamedAttribute &attr) {
        return attr.name == "value";
      });
      attrs.push_back(
          {ctx.intern("value"), IntegerAttr::get(ctx, int64_t(rounded))});
    }
    result =
        builder
            .create(core->getLoc(), core->getInfo(), {resultType}, {xq}, attrs)
            ->getResult(0);
  }
  // An activation after the op clamps in the input's codes.
  if (act) {
    int64_t lo, hi;
    getActivationRange(act, in, lo, hi);
    result = ClipOp::build(builder, act->getLoc(), result,
                           IntegerAttr::get(in.type, lo),
                           IntegerAttr::get(in.type, hi))
                 ->getResult(0);
  }
  if (!(in == out))
    result = requantize(builder, q->getLoc(), result, {in.scale / out.scale}, 1,
                        in.zp, out, out.type.getMinValue(),
                        int64_t(out.type.getMaxValue()));
  replace(q, result, {act, core});
  ++NumMoves;
  return true;
}

} // namespace

std::unique_ptr<Pass> nn::createFoldQDQPass() {
  return std::make_unique<FoldQDQPass>();
}
