//===- QuantizedOps.cpp - Quantized op handlers ---------------------------===//
//
// Handlers of QuantizeLinear, DequantizeLinear and the QOperator ops of the
// default domain (QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace ohm;
using namespace ohm::nn;
using namespace ohm::onnx_frontend;

/// QuantizeLinear-10 has one scale and zero point; from opset 13 on they
/// may be 1-D, along `axis`.
LogicalResult Importer::importQuantizeLinear(bool perAxis) {
  Value *x = input(0);
  std::vector<float> scales;
  std::vector<int64_t> zps;
  Type zpType = IntegerType::get(ctx, 8, /*isSigned=*/false);
  if (!x || !constantFloats(1, "y_scale", scales) ||
      !zeroPointInput(2, "y_zero_point", zps, zpType))
    return failure();
  if (zpType.cast<IntegerType>().getWidth() != 8)
    return emitNodeError() << "only 8-bit outputs are supported";
  if (!perAxis && (scales.size() > 1 || zps.size() > 1))
    return emitNodeError() << "per-axis quantization needs opset 13";
  int64_t axis = intAttr("axis", 1);
  auto type = x->getType().cast<TensorType>().clone(zpType);
  llvm::SmallVector<NamedAttribute, 3> attrs = {
      named("scale", scaleAttr(scales)), named("zp", zpAttr(zps, zpType))};
  if (scales.size() > 1 || zps.size() > 1)
    attrs.push_back(named("axis", IntegerAttr::get(ctx, axis)));
  Operation *op = create(QuantizeOp::Info, {x}, attrs, type);
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQuantizeLinearV10() {
  return importQuantizeLinear(/*perAxis=*/false);
}

LogicalResult Importer::importQuantizeLinearV13() {
  return importQuantizeLinear(/*perAxis=*/true);
}

/// As QuantizeLinear: per-axis from opset 13 on.
LogicalResult Importer::importDequantizeLinear(bool perAxis) {
  Value *x = input(0);
  std::vector<float> scales;
  std::vector<int64_t> zps;
  Type zpType = x ? x->getType().cast<TensorType>().getElementType() : Type();
  if (!x || !constantFloats(1, "x_scale", scales) ||
      !zeroPointInput(2, "x_zero_point", zps, zpType))
    return failure();
  if (hasInput(2) && zpType != x->getType().cast<TensorType>().getElementType())
    return emitNodeError() << "x_zero_point's type " << zpType
                           << " differs from x's";
  if (!perAxis && (scales.size() > 1 || zps.size() > 1))
    return emitNodeError() << "per-axis dequantization needs opset 13";
  int64_t axis = intAttr("axis", 1);
  llvm::SmallVector<NamedAttribute, 3> attrs = {
      named("scale", scaleAttr(scales)), named("zp", zpAttr(zps, zpType))};
  if (scales.size() > 1 || zps.size() > 1)
    attrs.push_back(named("axis", IntegerAttr::get(ctx, axis)));
  Operation *op = create(DequantizeOp::Info, {x}, attrs);
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importDequantizeLinearV10() {
  return importDequantizeLinear(/*perAxis=*/false);
}

LogicalResult Importer::importDequantizeLinearV13() {
  return importDequantizeLinear(/*perAxis=*/true);
}

LogicalResult Importer::importConvIntegerV10() {
  TensorType x = inputType(0), w = inputType(1);
  std::vector<int64_t> xZp, wZp;
  Type xZpType = x ? x.getElementType() : Type();
  Type wZpType = w ? w.getElementType() : Type();
  if (!x || !w || !zeroPointInput(2, "x_zero_point", xZp, xZpType) ||
      !zeroPointInput(3, "w_zero_point", wZp, wZpType))
    return failure();
  if (xZp.size() != 1)
    return emitNodeError() << "x_zero_point must be a scalar";
  if (w.getRank() != 4)
    return emitNodeError() << "only 2-D convolution is supported";
  Window window;
  if (failed(readWindow(x, {w.getDimSize(2), w.getDimSize(3)}, window,
                        /*pool=*/false)))
    return failure();
  Operation *op = create(
      QConvOp::Info, {input(0), input(1)},
      {named("dilations", i64s(window.dilations)),
       named("group", IntegerAttr::get(ctx, intAttr("group", 1))),
       named("pads", i64s(window.pads)), named("strides", i64s(window.strides)),
       named("w_zp", zpAttr(wZp, w.getElementType())),
       named("x_zp", IntegerAttr::get(ctx, xZp[0]))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearConvV10() {
  TensorType x = inputType(0), w = inputType(3);
  std::vector<float> xScale, wScale, yScale;
  std::vector<int64_t> xZp, wZp, yZp;
  Type xZpType = x ? x.getElementType() : Type();
  Type wZpType = w ? w.getElementType() : Type();
  Type yZpType = xZpType;
  if (!x || !w || !constantFloats(1, "x_scale", xScale) ||
      !zeroPointInput(2, "x_zero_point", xZp, xZpType) ||
      !constantFloats(4, "w_scale", wScale) ||
      !zeroPointInput(5, "w_zero_point", wZp, wZpType) ||
      !constantFloats(6, "y_scale", yScale) ||
      !zeroPointInput(7, "y_zero_point", yZp, yZpType))
    return failure();
  if (xScale.size() != 1 || xZp.size() != 1 || yScale.size() != 1 ||
      yZp.size() != 1)
    return emitNodeError() << "x and y scales and zero points must be scalars";
  if (w.getRank() != 4)
    return emitNodeError() << "only 2-D convolution is supported";
  Window window;
  if (failed(readWindow(x, {w.getDimSize(2), w.getDimSize(3)}, window,
                        /*pool=*/false)))
    return failure();
  llvm::SmallVector<Value *, 3> operands = {input(0), input(3)};
  if (hasInput(8))
    operands.push_back(input(8));
  Operation *acc = create(
      QConvOp::Info, operands,
      {named("dilations", i64s(window.dilations)),
       named("group", IntegerAttr::get(ctx, intAttr("group", 1))),
       named("pads", i64s(window.pads)), named("strides", i64s(window.strides)),
       named("w_zp", zpAttr(wZp, w.getElementType())),
       named("x_zp", IntegerAttr::get(ctx, xZp[0]))},
      Type(), /*outputIndex=*/-1);
  if (!acc)
    return failure();
  // M = x_scale * w_scale[m] / y_scale in f32, in ONNX Runtime's order.
  std::vector<float> multipliers;
  for (float ws : wScale)
    multipliers.push_back(xScale[0] * ws / yScale[0]);
  auto resultType =
      acc->getResult(0)->getType().cast<TensorType>().clone(yZpType);
  Operation *op = create(RequantizeOp::Info, {acc->getResult(0)},
                         {named("axis", IntegerAttr::get(ctx, 1)),
                          named("scale", scaleAttr(multipliers)),
                          named("zp", IntegerAttr::get(ctx, yZp[0]))},
                         resultType);
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importMatMulIntegerV10() {
  TensorType a = inputType(0), b = inputType(1);
  std::vector<int64_t> aZp, bZp;
  Type aZpType = a ? a.getElementType() : Type();
  Type bZpType = b ? b.getElementType() : Type();
  if (!a || !b || !zeroPointInput(2, "a_zero_point", aZp, aZpType) ||
      !zeroPointInput(3, "b_zero_point", bZp, bZpType))
    return failure();
  if (aZp.size() != 1)
    return emitNodeError() << "per-row a_zero_point is not supported";
  Operation *op = create(QMatMulOp::Info, {input(0), input(1)},
                         {named("a_zp", IntegerAttr::get(ctx, aZp[0])),
                          named("b_zp", zpAttr(bZp, b.getElementType()))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearMatMulV10() {
  TensorType a = inputType(0), b = inputType(3);
  std::vector<float> aScale, bScale, yScale;
  std::vector<int64_t> aZp, bZp, yZp;
  Type aZpType = a ? a.getElementType() : Type();
  Type bZpType = b ? b.getElementType() : Type();
  Type yZpType = aZpType;
  if (!a || !b || !constantFloats(1, "a_scale", aScale) ||
      !zeroPointInput(2, "a_zero_point", aZp, aZpType) ||
      !constantFloats(4, "b_scale", bScale) ||
      !zeroPointInput(5, "b_zero_point", bZp, bZpType) ||
      !constantFloats(6, "y_scale", yScale) ||
      !zeroPointInput(7, "y_zero_point", yZp, yZpType))
    return failure();
  if (aScale.size() != 1 || aZp.size() != 1 || yScale.size() != 1 ||
      yZp.size() != 1)
    return emitNodeError() << "a and y scales and zero points must be scalars";
  Operation *acc = create(QMatMulOp::Info, {input(0), input(3)},
                          {named("a_zp", IntegerAttr::get(ctx, aZp[0])),
                           named("b_zp", zpAttr(bZp, b.getElementType()))},
                          Type(), /*outputIndex=*/-1);
  if (!acc)
    return failure();
  std::vector<float> multipliers;
  for (float bs : bScale)
    multipliers.push_back(aScale[0] * bs / yScale[0]);
  auto accType = acc->getResult(0)->getType().cast<TensorType>();
  Operation *op = create(
      RequantizeOp::Info, {acc->getResult(0)},
      {named("axis", IntegerAttr::get(ctx, int64_t(accType.getRank()) - 1)),
       named("scale", scaleAttr(multipliers)),
       named("zp", IntegerAttr::get(ctx, yZp[0]))},
      accType.clone(yZpType));
  return bind(0, op ? op->getResult(0) : nullptr);
}
