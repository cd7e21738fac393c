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
  QuantParams xq, wq, yq;
  if (!x || !w || !quantParams(1, "x", x.getElementType(), true, xq) ||
      !quantParams(4, "w", w.getElementType(), false, wq) ||
      !quantParams(6, "y", x.getElementType(), true, yq))
    return failure();
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
       named("w_zp", zpAttr(wq.zp, w.getElementType())),
       named("x_zp", IntegerAttr::get(ctx, xq.zp[0]))},
      Type(), /*outputIndex=*/-1);
  if (!acc)
    return failure();
  // M = x_scale * w_scale[m] / y_scale in f32, in ONNX Runtime's order.
  std::vector<float> multipliers;
  for (float ws : wq.scale)
    multipliers.push_back(xq.scale[0] * ws / yq.scale[0]);
  auto resultType =
      acc->getResult(0)->getType().cast<TensorType>().clone(yq.zpType);
  Operation *op = create(RequantizeOp::Info, {acc->getResult(0)},
                         {named("axis", IntegerAttr::get(ctx, 1)),
                          named("scale", scaleAttr(multipliers)),
                          named("zp", IntegerAttr::get(ctx, yq.zp[0]))},
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
  QuantParams aq, bq, yq;
  if (!a || !b || !quantParams(1, "a", a.getElementType(), true, aq) ||
      !quantParams(4, "b", b.getElementType(), false, bq) ||
      !quantParams(6, "y", a.getElementType(), true, yq))
    return failure();
  Operation *acc = create(QMatMulOp::Info, {input(0), input(3)},
                          {named("a_zp", IntegerAttr::get(ctx, aq.zp[0])),
                           named("b_zp", zpAttr(bq.zp, b.getElementType()))},
                          Type(), /*outputIndex=*/-1);
  if (!acc)
    return failure();
  std::vector<float> multipliers;
  for (float bs : bq.scale)
    multipliers.push_back(aq.scale[0] * bs / yq.scale[0]);
  auto accType = acc->getResult(0)->getType().cast<TensorType>();
  Operation *op = create(
      RequantizeOp::Info, {acc->getResult(0)},
      {named("axis", IntegerAttr::get(ctx, int64_t(accType.getRank()) - 1)),
       named("scale", scaleAttr(multipliers)),
       named("zp", IntegerAttr::get(ctx, yq.zp[0]))},
      accType.clone(yq.zpType));
  return bind(0, op ? op->getResult(0) : nullptr);
}
