//===- NNOpsQuantized.cpp - nn quantization ops ---------------------------===//
//
// Type rules, builders and accessors of nn.quantize, nn.dequantize,
// nn.requantize and nn.qadd: the ops that move between integer codes and
// real values. Their scales and zero points are per tensor or per channel
// (QuantParams).
//
//===----------------------------------------------------------------------===//

#include "TypeRuleSupport.h"

#include <cmath>

using namespace ohm;
using namespace ohm::nn;

QuantParams QuantParams::get(Operation *op) {
  QuantParams params;
  params.scales = getFloatOrDenseValues(op->getAttr("scale"));
  params.zeroPoints = getIntOrDenseValues(op->getAttr("zp"));
  params.axis = getIntAttr(op, "axis", 1);
  if (params.axis < 0 && op->getNumOperands())
    if (auto type = op->getOperand(0)->getType().dyn_cast<TensorType>())
      params.axis += type.getRank();
  return params;
}

/// Checks `scale`, `zp` and `axis` of a quantize, dequantize or requantize
/// whose integer side is `intType` and whose channels lie along `axis` of
/// `shaped`.
static LogicalResult checkQuantParams(Operation *op, TensorType shaped,
                                      IntegerType intType, ErrorStream &err) {
  Attribute scaleAttr = op->getAttr("scale");
  std::vector<float> scales = getFloatOrDenseValues(scaleAttr);
  if (!scaleAttr)
    return err << "needs a 'scale' attribute";
  if (scales.empty())
    return err << "'scale' must be an f32 or a 1-D dense f32, got "
               << scaleAttr;
  Attribute zpAttr = op->getAttr("zp");
  std::vector<int64_t> zps = getIntOrDenseValues(zpAttr);
  if (zpAttr && zps.empty())
    return err << "'zp' must be an integer or a 1-D dense integer, got "
               << zpAttr;
  for (int64_t zp : zps)
    if (!fitsType(intType, zp))
      return err << "zero point " << zp << " does not fit " << Type(intType);
  for (float scale : scales)
    if (!(scale > 0) || !std::isfinite(scale))
      return err << "scales must be positive and finite, got " << scale;
  size_t channels = std::max(scales.size(), zps.size());
  bool perChannel = scaleAttr.isa<DenseElementsAttr>() ||
                    (zpAttr && zpAttr.isa<DenseElementsAttr>());
  if (perChannel) {
    int64_t axis = getIntAttr(op, "axis", 1);
    if (!normalizeAxis(axis, shaped.getRank()))
      return err << "'axis' " << getIntAttr(op, "axis", 1)
                 << " is out of range for " << Type(shaped);
    int64_t dim = shaped.getDimSize(axis);
    if ((scales.size() > 1 && zps.size() > 1 && scales.size() != zps.size()) ||
        (dim != TensorType::kDynamic && int64_t(channels) != dim &&
         channels != 1))
      return err << "has " << unsigned(channels)
                 << " per-channel parameters but axis " << axis << " of "
                 << Type(shaped) << " has size " << dim;
  }
  return success();
}

/// The attributes of a quantize, dequantize or requantize.
static llvm::SmallVector<NamedAttribute, 4>
quantAttrs(OpBuilder &builder, Attribute scale, Attribute zp, int64_t axis) {
  llvm::SmallVector<NamedAttribute, 4> attrs;
  attrs.push_back(builder.getNamedAttr("scale", scale));
  if (zp)
    attrs.push_back(builder.getNamedAttr("zp", zp));
  if (scale.isa<DenseElementsAttr>() || (zp && zp.isa<DenseElementsAttr>()))
    attrs.push_back(builder.getNamedAttr("axis", builder.getI64Attr(axis)));
  return attrs;
}

/// The declared result's element type if it is an integer type, else null.
static IntegerType getDeclaredIntType(Operation *op) {
  TensorType declared = getDeclaredTensor(op);
  return declared ? declared.getElementType().dyn_cast<IntegerType>()
                  : IntegerType();
}

//===----------------------------------------------------------------------===//
// nn.quantize
//===----------------------------------------------------------------------===//

Type QuantizeOp::inferType(Operation *op, ErrorStream &err) {
  TensorType input = getOperandTensor(op, 0);
  if (!input.getElementType().isFloat())
    return err << "input must be float, got " << Type(input);
  IntegerType intType = getDeclaredIntType(op);
  if (!intType)
    return err << "result must be a tensor of integers";
  if (failed(checkQuantParams(op, input, intType, err)))
    return Type();
  return input.clone(intType);
}

QuantizeOp QuantizeOp::build(OpBuilder &builder, Location loc, Value *input,
                             TensorType resultType, Attribute scale,
                             Attribute zp, int64_t axis) {
  return QuantizeOp(createTyped(builder, loc, Info, {input},
                                quantAttrs(builder, scale, zp, axis),
                                resultType));
}

//===----------------------------------------------------------------------===//
// nn.dequantize
//===----------------------------------------------------------------------===//

Type DequantizeOp::inferType(Operation *op, ErrorStream &err) {
  TensorType input = getOperandTensor(op, 0);
  auto intType = input.getElementType().dyn_cast<IntegerType>();
  if (!intType)
    return err << "input must be integer, got " << Type(input);
  if (failed(checkQuantParams(op, input, intType, err)))
    return Type();
  return input.clone(FloatType::getF32(op->getContext()));
}

DequantizeOp DequantizeOp::build(OpBuilder &builder, Location loc, Value *input,
                                 Attribute scale, Attribute zp, int64_t axis) {
  return DequantizeOp(createTyped(builder, loc, Info, {input},
                                  quantAttrs(builder, scale, zp, axis),
                                  input->getType()));
}

//===----------------------------------------------------------------------===//
// nn.requantize
//===----------------------------------------------------------------------===//

/// Checks `mode` and, in fixed mode, one `multiplier` and `shift` per scale.
static LogicalResult checkRequantizeMode(Operation *op, ErrorStream &err) {
  Attribute mode = op->getAttr("mode");
  if (!mode)
    return success();
  auto modeStr = mode.dyn_cast<StringAttr>();
  if (!modeStr ||
      (modeStr.getValue() != "float" && modeStr.getValue() != "fixed"))
    return err << "'mode' must be \"float\" or \"fixed\", got " << mode;
  if (modeStr.getValue() != "fixed")
    return success();
  size_t channels = getFloatOrDenseValues(op->getAttr("scale")).size();
  std::vector<int64_t> multipliers =
      getIntOrDenseValues(op->getAttr("multiplier"));
  std::vector<int64_t> shifts = getIntOrDenseValues(op->getAttr("shift"));
  if (multipliers.size() != channels || shifts.size() != channels)
    return err << "fixed mode needs 'multiplier' and 'shift' with one "
                  "value per scale";
  for (size_t i = 0; i < channels; ++i)
    if (multipliers[i] < 0 || multipliers[i] > INT32_MAX || shifts[i] < -31 ||
        shifts[i] > 31)
      return err << "fixed-point multiplier " << multipliers[i] << " or shift "
                 << shifts[i] << " out of range";
  return success();
}

Type RequantizeOp::inferType(Operation *op, ErrorStream &err) {
  TensorType input = getOperandTensor(op, 0);
  if (!input.getElementType().isInteger())
    return err << "input must be integer, got " << Type(input);
  IntegerType intType = getDeclaredIntType(op);
  if (!intType)
    return err << "result must be a tensor of integers";
  if (failed(checkQuantParams(op, input, intType, err)))
    return Type();
  if (op->getAttr("zp") && !op->getAttr("zp").isa<IntegerAttr>())
    return err << "'zp' must be a single integer";
  if (failed(checkZeroPoint(op, "input_zp", input.getElementType(), err)))
    return Type();
  int64_t lo = intType.getMinValue(), hi = int64_t(intType.getMaxValue());
  int64_t min = getIntAttr(op, "min", lo), max = getIntAttr(op, "max", hi);
  for (const char *name : {"min", "max"})
    if (op->getAttr(name) && !op->getAttr(name).isa<IntegerAttr>())
      return err << "'" << name << "' must be an integer";
  if (min < lo || max > hi || min > max)
    return err << "clamp range [" << min << ", " << max << "] must lie within ["
               << lo << ", " << hi << "] of " << Type(intType)
               << " and be ordered";
  if (failed(checkRequantizeMode(op, err)))
    return Type();
  return input.clone(intType);
}

RequantizeOp RequantizeOp::build(OpBuilder &builder, Location loc, Value *input,
                                 TensorType resultType, Attribute scale,
                                 int64_t zp, int64_t axis) {
  return RequantizeOp(createTyped(
      builder, loc, Info, {input},
      quantAttrs(builder, scale, builder.getI64Attr(zp), axis), resultType));
}

bool RequantizeOp::isFixedPoint() const {
  auto mode = op->getAttrOfType<StringAttr>("mode");
  return mode && mode.getValue() == "fixed";
}

void RequantizeOp::getFixedPointMultiplier(double scale, int64_t &multiplier,
                                           int64_t &shift) {
  // scale = m * 2^e with m in [0.5, 1): multiplier = round(m * 2^31),
  // applied as (x * multiplier) >> (31 - e).
  int exponent = 0;
  double mantissa = std::frexp(scale, &exponent);
  int64_t q = int64_t(std::llround(mantissa * double(int64_t(1) << 31)));
  if (q == (int64_t(1) << 31)) {
    q /= 2;
    ++exponent;
  }
  multiplier = q;
  shift = -exponent;
}

//===----------------------------------------------------------------------===//
// nn.qadd
//===----------------------------------------------------------------------===//

Type QAddOp::inferType(Operation *op, ErrorStream &err) {
  TensorType a = getOperandTensor(op, 0), b = getOperandTensor(op, 1);
  if (!a.getElementType().isInteger() || !b.getElementType().isInteger())
    return err << "operands must be integer tensors";
  IntegerType intType = getDeclaredIntType(op);
  if (!intType)
    return err << "result must be a tensor of integers";
  for (const char *name : {"lhs_scale", "rhs_scale"}) {
    auto scale = op->getAttrOfType<FloatAttr>(name);
    if (!scale || !(scale.getValue() > 0))
      return err << "needs a positive f32 '" << name << "'";
  }
  if (failed(checkZeroPoint(op, "lhs_zp", a.getElementType(), err)) ||
      failed(checkZeroPoint(op, "rhs_zp", b.getElementType(), err)) ||
      failed(checkZeroPoint(op, "zp", intType, err)))
    return Type();
  auto shape = getBroadcastShape(a.getShape(), b.getShape());
  if (!shape)
    return err << "operand shapes " << Type(a) << " and " << Type(b)
               << " do not broadcast";
  return TensorType::get(*shape, intType);
}
