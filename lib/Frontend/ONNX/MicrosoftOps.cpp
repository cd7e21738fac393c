//===- MicrosoftOps.cpp - com.microsoft handlers --------------------------===//
//
// Handlers of ONNX Runtime's quantized contrib ops (domain com.microsoft),
// which the ONNX checker does not know and shape inference does not type:
// the importer types them itself.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace ohm;
using namespace ohm::nn;
using namespace ohm::onnx_frontend;

LogicalResult Importer::importQGemmV1() {
  // com.microsoft QGemm: A, a_scale, a_zp, B, b_scale, b_zp, C (i32 bias),
  // y_scale, y_zp; without y_scale the output is float.
  TensorType a = inputType(0), b = inputType(3);
  QuantParams aq, bq, yq;
  if (!a || !b || !quantParams(1, "a", a.getElementType(), true, aq) ||
      !quantParams(4, "b", b.getElementType(), false, bq))
    return failure();
  bool quantizedOutput = hasInput(7);
  if (quantizedOutput && !quantParams(7, "y", a.getElementType(), true, yq))
    return failure();
  Value *lhs = input(0), *rhs = input(3);
  if (intAttr("transA", 0)) {
    Operation *t = create(TransposeOp::Info, {lhs},
                          {named("perm", i64s({1, 0}))}, Type(), -1);
    if (!t)
      return failure();
    lhs = t->getResult(0);
  }
  if (intAttr("transB", 0)) {
    Operation *t = create(TransposeOp::Info, {rhs},
                          {named("perm", i64s({1, 0}))}, Type(), -1);
    if (!t)
      return failure();
    rhs = t->getResult(0);
  }
  llvm::SmallVector<Value *, 3> operands = {lhs, rhs};
  if (hasInput(6))
    operands.push_back(input(6));
  Operation *acc = create(QMatMulOp::Info, operands,
                          {named("a_zp", IntegerAttr::get(ctx, aq.zp[0])),
                           named("b_zp", zpAttr(bq.zp, b.getElementType()))},
                          Type(), -1);
  if (!acc)
    return failure();
  float alpha = floatAttr("alpha", 1.0f);
  std::vector<float> multipliers;
  for (float bs : bq.scale)
    multipliers.push_back(quantizedOutput
                              ? alpha * aq.scale[0] * bs / yq.scale[0]
                              : alpha * aq.scale[0] * bs);
  auto accType = acc->getResult(0)->getType().cast<TensorType>();
  Operation *op;
  if (quantizedOutput)
    op = create(RequantizeOp::Info, {acc->getResult(0)},
                {named("axis", IntegerAttr::get(ctx, 1)),
                 named("scale", scaleAttr(multipliers)),
                 named("zp", IntegerAttr::get(ctx, yq.zp[0]))},
                accType.clone(yq.zpType));
  else
    op = create(DequantizeOp::Info, {acc->getResult(0)},
                {named("axis", IntegerAttr::get(ctx, 1)),
                 named("scale", scaleAttr(multipliers))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearAddV1() {
  TensorType a = inputType(0), b = inputType(3);
  QuantParams aq, bq, cq;
  if (!a || !b || !quantParams(1, "A", a.getElementType(), true, aq) ||
      !quantParams(4, "B", b.getElementType(), true, bq) ||
      !quantParams(6, "C", a.getElementType(), true, cq))
    return failure();
  auto f32 = FloatType::getF32(ctx);
  Operation *op = create(
      QAddOp::Info, {input(0), input(3)},
      {named("lhs_scale", FloatAttr::get(f32, aq.scale[0] / cq.scale[0])),
       named("lhs_zp", IntegerAttr::get(ctx, aq.zp[0])),
       named("rhs_scale", FloatAttr::get(f32, bq.scale[0] / cq.scale[0])),
       named("rhs_zp", IntegerAttr::get(ctx, bq.zp[0])),
       named("zp", IntegerAttr::get(ctx, cq.zp[0]))},
      a.clone(cq.zpType));
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearGlobalAveragePoolV1() {
  TensorType x = inputType(0);
  QuantParams xq, yq;
  if (!x || !quantParams(1, "x", x.getElementType(), true, xq) ||
      !quantParams(3, "y", x.getElementType(), true, yq))
    return failure();
  if (intAttr("channels_last", 0))
    return emitNodeError() << "channels_last layout is not supported";
  if (x.getRank() != 4 || x.isDynamicDim(2) || x.isDynamicDim(3))
    return emitNodeError() << "needs a 4-D input with static spatial size";
  int64_t h = x.getDimSize(2), w = x.getDimSize(3);
  Operation *sum = create(QAvgPoolOp::Info, {input(0)},
                          {named("kernel_shape", i64s({h, w})),
                           named("x_zp", IntegerAttr::get(ctx, xq.zp[0]))},
                          Type(), -1);
  if (!sum)
    return failure();
  // As ONNX Runtime: x_scale / (y_scale * pixels) in f32.
  float scale = xq.scale[0] / (yq.scale[0] * float(h * w));
  Operation *op =
      create(RequantizeOp::Info, {sum->getResult(0)},
             {named("scale", scaleAttr({scale})),
              named("zp", IntegerAttr::get(ctx, yq.zp[0]))},
             sum->getResult(0)->getType().cast<TensorType>().clone(yq.zpType));
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearConcatV1() {
  // Y_scale, Y_zero_point, then (tensor, scale, zero point) per input.
  std::vector<float> yScale;
  std::vector<int64_t> yZp;
  Type yZpType = IntegerType::get(ctx, 8, false);
  if (!constantFloats(0, "Y_scale", yScale) ||
      !zeroPointInput(1, "Y_zero_point", yZp, yZpType))
    return failure();
  if ((numInputs() - 2) % 3 != 0 || numInputs() < 5)
    return emitNodeError() << "expects Y_scale, Y_zero_point and triples of "
                              "(tensor, scale, zero point)";
  llvm::SmallVector<Value *, 4> parts;
  for (size_t i = 2; i < numInputs(); i += 3) {
    Value *x = input(i);
    std::vector<float> scale;
    std::vector<int64_t> zp;
    Type zpType = x ? x->getType().cast<TensorType>().getElementType() : Type();
    if (!x || !constantFloats(i + 1, "scale", scale) ||
        !zeroPointInput(i + 2, "zero point", zp, zpType))
      return failure();
    if (scale[0] == yScale[0] && zp[0] == yZp[0] && zpType == yZpType) {
      parts.push_back(x);
      continue;
    }
    // ONNX Runtime requantizes through float: quantize(dequantize(x)).
    Operation *deq = create(DequantizeOp::Info, {x},
                            {named("scale", scaleAttr(scale)),
                             named("zp", IntegerAttr::get(ctx, zp[0]))},
                            Type(), -1);
    if (!deq)
      return failure();
    Operation *q = create(
        QuantizeOp::Info, {deq->getResult(0)},
        {named("scale", scaleAttr(yScale)),
         named("zp", IntegerAttr::get(ctx, yZp[0]))},
        deq->getResult(0)->getType().cast<TensorType>().clone(yZpType), -1);
    if (!q)
      return failure();
    parts.push_back(q->getResult(0));
  }
  Operation *op =
      create(ConcatOp::Info, parts,
             {named("axis", IntegerAttr::get(ctx, intAttr("axis", 0)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

//===----------------------------------------------------------------------===//
// QLinear ops computed through float
//===----------------------------------------------------------------------===//
//
// ONNX Runtime computes these on dequantized values and quantizes the
// result; the importer spells them so (dequantize -> float op -> quantize),
// and fold-qdq turns what has an integer form (average pooling) into it.

Value *Importer::dequantizeInput(size_t i, size_t scaleIndex, size_t zpIndex) {
  Value *x = input(i);
  std::vector<float> scale;
  std::vector<int64_t> zp;
  Type zpType = x ? x->getType().cast<TensorType>().getElementType() : Type();
  if (!x || !constantFloats(scaleIndex, "scale", scale) ||
      !zeroPointInput(zpIndex, "zero point", zp, zpType))
    return nullptr;
  if (scale.size() != 1 || zp.size() != 1) {
    emitNodeError() << "only per-tensor scales and zero points are supported";
    return nullptr;
  }
  Operation *deq = create(DequantizeOp::Info, {x},
                          {named("scale", scaleAttr(scale)),
                           named("zp", IntegerAttr::get(ctx, zp[0]))},
                          Type(), -1);
  return deq ? deq->getResult(0) : nullptr;
}

LogicalResult Importer::quantizeOutput(Value *value, size_t scaleIndex,
                                       size_t zpIndex, Type zpType) {
  std::vector<float> scale;
  std::vector<int64_t> zp;
  if (!constantFloats(scaleIndex, "y_scale", scale) ||
      !zeroPointInput(zpIndex, "y_zero_point", zp, zpType))
    return failure();
  if (scale.size() != 1 || zp.size() != 1)
    return emitNodeError()
           << "only per-tensor scales and zero points are supported";
  Operation *q = create(QuantizeOp::Info, {value},
                        {named("scale", scaleAttr(scale)),
                         named("zp", IntegerAttr::get(ctx, zp[0]))},
                        value->getType().cast<TensorType>().clone(zpType));
  return bind(0, q ? q->getResult(0) : nullptr);
}

/// QLinearAveragePool: X, x_scale, x_zp, y_scale, y_zp with AveragePool's
/// attributes.
LogicalResult Importer::importQLinearAveragePoolV1() {
  TensorType x = inputType(0);
  if (!x)
    return failure();
  if (intAttr("channels_last", 0))
    return emitNodeError() << "channels_last layout is not supported";
  Window window;
  if (failed(readWindow(x, intsAttr("kernel_shape", {}), window, true)))
    return failure();
  if (window.kernel.size() != 2)
    return emitNodeError() << "'kernel_shape' must have 2 values";
  Value *xf = dequantizeInput(0, 1, 2);
  if (!xf)
    return failure();
  Operation *pool = createAvgPool(xf, window, -1);
  if (!pool)
    return failure();
  return quantizeOutput(pool->getResult(0), 3, 4, x.getElementType());
}

/// QLinearMul: A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp.
LogicalResult Importer::importQLinearMulV1() {
  TensorType a = inputType(0);
  Value *af = dequantizeInput(0, 1, 2);
  Value *bf = af ? dequantizeInput(3, 4, 5) : nullptr;
  if (!a || !af || !bf)
    return failure();
  Operation *mul = create(MulOp::Info, {af, bf}, {}, Type(), -1);
  if (!mul)
    return failure();
  return quantizeOutput(mul->getResult(0), 6, 7, a.getElementType());
}

/// QLinearSoftmax: X, x_scale, x_zp, y_scale, y_zp; axis (-1), opset (the
/// Softmax semantics: before 13, softmax of the input coerced to 2-D).
LogicalResult Importer::importQLinearSoftmaxV1() {
  TensorType x = inputType(0);
  if (!x)
    return failure();
  int64_t rank = x.getRank(), axis;
  if (!axisAttr("axis", -1, rank, /*inclusive=*/false, axis))
    return failure();
  if (intAttr("opset", 13) < 13 && axis != rank - 1)
    return emitNodeError() << "softmax of the input coerced to 2-D (opset "
                              "before 13) is supported on the last axis only";
  Value *xf = dequantizeInput(0, 1, 2);
  if (!xf)
    return failure();
  Operation *softmax =
      create(SoftmaxOp::Info, {xf},
             {named("axis", IntegerAttr::get(ctx, axis))}, Type(), -1);
  if (!softmax)
    return failure();
  return quantizeOutput(softmax->getResult(0), 3, 4, x.getElementType());
}

/// QLinearSigmoid and QLinearLeakyRelu (alpha): X, X_scale, X_zp, Y_scale,
/// Y_zp; the activation on dequantized values.
LogicalResult Importer::importQLinearActivation(llvm::StringRef kind) {
  TensorType x = inputType(0);
  Value *xf = x ? dequantizeInput(0, 1, 2) : nullptr;
  if (!xf)
    return failure();
  Operation *op =
      create(ActivationOp::Info, {xf}, activationAttrs(kind), Type(), -1);
  if (!op)
    return failure();
  return quantizeOutput(op->getResult(0), 3, 4, x.getElementType());
}

LogicalResult Importer::importQLinearSigmoidV1() {
  return importQLinearActivation("sigmoid");
}
LogicalResult Importer::importQLinearLeakyReluV1() {
  return importQLinearActivation("leaky_relu");
}
