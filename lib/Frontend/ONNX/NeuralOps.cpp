//===- NeuralOps.cpp - Float op handlers ----------------------------------===//
//
// Handlers of the float neural-network ops: convolution, products, pooling,
// batch normalization, activations and element-wise arithmetic.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace ohm;
using namespace ohm::nn;
using namespace ohm::onnx_frontend;

LogicalResult Importer::importConvV1() {
  TensorType x = inputType(0), w = inputType(1);
  if (!x || !w)
    return failure();
  if (!x.getElementType().isF32() || !w.getElementType().isF32())
    return emitNodeError() << "Conv needs f32 input and weight, got " << Type(x)
                           << " and " << Type(w)
                           << " (quantized models use QLinearConv, "
                              "ConvInteger or DequantizeLinear)";
  if (w.getRank() != 4)
    return emitNodeError() << "only 2-D convolution is supported, weight is "
                           << Type(w);
  std::vector<int64_t> kernel =
      intsAttr("kernel_shape", {w.getDimSize(2), w.getDimSize(3)});
  if (kernel != std::vector<int64_t>{w.getDimSize(2), w.getDimSize(3)})
    return emitNodeError() << "'kernel_shape' disagrees with the weight";
  Window window;
  if (failed(readWindow(x, kernel, window, /*pool=*/false)))
    return failure();
  llvm::SmallVector<Value *, 3> operands = {input(0), input(1)};
  if (hasInput(2))
    operands.push_back(input(2));
  Operation *op =
      create(ConvOp::Info, operands,
             {named("dilations", i64s(window.dilations)),
              named("group", IntegerAttr::get(ctx, intAttr("group", 1))),
              named("pads", i64s(window.pads)),
              named("strides", i64s(window.strides))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importGemmV7() {
  llvm::SmallVector<Value *, 3> operands = {input(0), input(1)};
  if (hasInput(2))
    operands.push_back(input(2));
  Operation *op = create(
      GemmOp::Info, operands,
      {named("alpha",
             FloatAttr::get(FloatType::getF32(ctx), floatAttr("alpha", 1.0f))),
       named("beta",
             FloatAttr::get(FloatType::getF32(ctx), floatAttr("beta", 1.0f))),
       named("trans_a", IntegerAttr::get(ctx, intAttr("transA", 0))),
       named("trans_b", IntegerAttr::get(ctx, intAttr("transB", 0)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importMatMulV1() {
  TensorType a = inputType(0), b = inputType(1);
  if (!a || !b)
    return failure();
  if (!a.getElementType().isF32() || !b.getElementType().isF32())
    return emitNodeError() << "MatMul needs f32 operands, got " << Type(a)
                           << " and " << Type(b)
                           << " (quantized models use QLinearMatMul, "
                              "MatMulInteger or DequantizeLinear)";
  Operation *op = create(MatMulOp::Info, {input(0), input(1)}, {});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importMaxPoolV1() {
  TensorType x = inputType(0);
  if (!x || failed(expectOutputs(1)))
    return failure();
  if (intAttr("storage_order", 0))
    return emitNodeError() << "storage_order=1 is not supported";
  Window window;
  if (failed(readWindow(x, intsAttr("kernel_shape", {}), window, true)))
    return failure();
  if (window.kernel.size() != 2)
    return emitNodeError() << "'kernel_shape' must have 2 values";
  Operation *op =
      create(MaxPoolOp::Info, {input(0)},
             {named("ceil_mode", IntegerAttr::get(ctx, window.ceilMode)),
              named("dilations", i64s(window.dilations)),
              named("kernel_shape", i64s(window.kernel)),
              named("pads", i64s(window.pads)),
              named("strides", i64s(window.strides))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importAveragePoolV7() {
  TensorType x = inputType(0);
  if (!x)
    return failure();
  Window window;
  if (failed(readWindow(x, intsAttr("kernel_shape", {}), window, true)))
    return failure();
  if (window.kernel.size() != 2)
    return emitNodeError() << "'kernel_shape' must have 2 values";
  if (window.dilations != std::vector<int64_t>{1, 1})
    return emitNodeError() << "dilated average pooling is not supported";
  Operation *op = createAvgPool(input(0), window, 0);
  return bind(0, op ? op->getResult(0) : nullptr);
}

Operation *Importer::createAvgPool(Value *x, const Window &window,
                                   int outputIndex) {
  return create(AvgPoolOp::Info, {x},
                {named("ceil_mode", IntegerAttr::get(ctx, window.ceilMode)),
                 named("count_include_pad",
                       IntegerAttr::get(ctx, intAttr("count_include_pad", 0))),
                 named("kernel_shape", i64s(window.kernel)),
                 named("pads", i64s(window.pads)),
                 named("strides", i64s(window.strides))},
                Type(), outputIndex);
}

LogicalResult Importer::importGlobalAveragePoolV1() {
  Operation *op = create(GlobalAvgPoolOp::Info, {input(0)}, {});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// ReduceMean-1..13 (axes attribute) over the spatial axes of a 4-D tensor
/// is a global average pool (exporters write it for one); keepdims = 0
/// drops the two unit dimensions.
LogicalResult Importer::importReduceMeanV1() {
  TensorType x = inputType(0);
  if (!x)
    return failure();
  std::vector<int64_t> axes = intsAttr("axes", {});
  for (int64_t &axis : axes)
    if (axis < 0)
      axis += x.getRank();
  llvm::sort(axes);
  if (x.getRank() != 4 || axes != std::vector<int64_t>{2, 3})
    return emitNodeError() << "ReduceMean is supported over the spatial axes "
                              "[2, 3] of a 4-D tensor (a global average "
                              "pool), got axes "
                           << i64s(axes) << " of " << Type(x);
  bool keepDims = intAttr("keepdims", 1) != 0;
  Operation *pool =
      create(GlobalAvgPoolOp::Info, {input(0)}, {}, Type(), keepDims ? 0 : -1);
  if (!pool || keepDims)
    return bind(0, pool ? pool->getResult(0) : nullptr);
  std::vector<int64_t> shape = {x.isDynamicDim(0) ? -1 : x.getDimSize(0),
                                x.isDynamicDim(1) ? -1 : x.getDimSize(1)};
  if (llvm::count(shape, -1) > 1)
    return emitNodeError() << "more than one dynamic dimension";
  Operation *op = create(ReshapeOp::Info, {pool->getResult(0)},
                         {named("shape", i64s(shape))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importBatchNormalizationV7() {
  if (intAttr("training_mode", 0))
    return emitNodeError() << "training mode is not supported";
  if (failed(expectOutputs(1)))
    return failure();
  llvm::SmallVector<Value *, 5> operands;
  for (size_t i = 0; i < 5; ++i)
    operands.push_back(input(i));
  Operation *op =
      create(BatchNormOp::Info, operands,
             {named("epsilon", FloatAttr::get(FloatType::getF32(ctx),
                                              floatAttr("epsilon", 1e-5f)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

llvm::SmallVector<NamedAttribute, 2>
Importer::activationAttrs(llvm::StringRef kind) {
  llvm::SmallVector<NamedAttribute, 2> attrs = {
      named("kind", StringAttr::get(ctx, kind))};
  if (kind == "leaky_relu")
    attrs.push_back(named("alpha", FloatAttr::get(FloatType::getF32(ctx),
                                                  floatAttr("alpha", 0.01f))));
  return attrs;
}

/// Sigmoid, Tanh and LeakyRelu (alpha, 0.01): nn.activation on floats.
LogicalResult Importer::importActivation(llvm::StringRef kind) {
  Value *x = input(0);
  if (!x)
    return failure();
  Operation *op = create(ActivationOp::Info, {x}, activationAttrs(kind));
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importSigmoidV6() {
  return importActivation("sigmoid");
}
LogicalResult Importer::importTanhV6() { return importActivation("tanh"); }
LogicalResult Importer::importLeakyReluV6() {
  return importActivation("leaky_relu");
}

LogicalResult Importer::importReluV6() {
  Operation *op = create(ReluOp::Info, {input(0)}, {});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// A Clip bound as an attribute of the input's element type.
static Attribute clipBound(Type element, double value) {
  if (element.isFloat())
    return FloatAttr::get(element, value);
  return IntegerAttr::get(element, int64_t(value));
}

/// Clip-6: the bounds are optional float attributes.
LogicalResult Importer::importClipV6() {
  Value *x = input(0);
  if (!x)
    return failure();
  Type element = x->getType().cast<TensorType>().getElementType();
  llvm::SmallVector<NamedAttribute, 2> attrs;
  if (const onnx::AttributeProto *a = attr("min"))
    attrs.push_back(named("min", clipBound(element, a->f())));
  if (const onnx::AttributeProto *a = attr("max"))
    attrs.push_back(named("max", clipBound(element, a->f())));
  Operation *op = create(ClipOp::Info, {x}, attrs);
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Clip-11: the bounds are optional constant inputs, scalars of the input's
/// element type.
LogicalResult Importer::importClipV11() {
  Value *x = input(0);
  if (!x)
    return failure();
  Type element = x->getType().cast<TensorType>().getElementType();
  llvm::SmallVector<NamedAttribute, 2> attrs;
  const char *names[2] = {"min", "max"};
  for (size_t i = 1; i <= 2; ++i) {
    if (!hasInput(i))
      continue;
    DenseElementsAttr bound = constantInput(i, names[i - 1]);
    if (!bound)
      return failure();
    if (bound.getNumElements() != 1 || bound.getElementType() != element)
      return emitNodeError() << names[i - 1] << " must be a scalar of the "
                             << "input's element type";
    attrs.push_back(
        named(names[i - 1],
              element.isFloat()
                  ? clipBound(element, bound.getDouble(0))
                  : Attribute(IntegerAttr::get(element, bound.getInt(0)))));
  }
  Operation *op = create(ClipOp::Info, {x}, attrs);
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Softmax-1 (and -11) coerces its input to 2-D at `axis` (default 1):
/// reshape to [outer, inner], softmax along 1, reshape back.
LogicalResult Importer::importSoftmaxV1() {
  Value *x = input(0);
  if (!x)
    return failure();
  auto type = x->getType().cast<TensorType>();
  int64_t rank = type.getRank(), axis;
  if (!axisAttr("axis", 1, rank, /*inclusive=*/true, axis))
    return failure();
  if (!type.hasStaticShape())
    return emitNodeError() << "softmax before opset 13 needs a static shape";
  Operation *flat = createFlatten(x, axis, /*outputIndex=*/-1);
  if (!flat)
    return failure();
  Operation *soft =
      create(SoftmaxOp::Info, {flat->getResult(0)},
             {named("axis", IntegerAttr::get(ctx, 1))}, Type(), -1);
  if (!soft)
    return failure();
  Operation *op = create(ReshapeOp::Info, {soft->getResult(0)},
                         {named("shape", i64s(type.getShape()))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Softmax-13 is along one axis (default -1), as nn.softmax.
LogicalResult Importer::importSoftmaxV13() {
  Value *x = input(0);
  if (!x)
    return failure();
  Operation *op =
      create(SoftmaxOp::Info, {x},
             {named("axis", IntegerAttr::get(ctx, intAttr("axis", -1)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Element-wise binary ops with numpy broadcasting.
LogicalResult Importer::importBinary(const OpInfo &info) {
  Value *a = input(0), *b = input(1);
  if (!a || !b)
    return failure();
  Operation *op = create(info, {a, b}, {});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importAddV7() { return importBinary(AddOp::Info); }

LogicalResult Importer::importMulV7() { return importBinary(MulOp::Info); }
