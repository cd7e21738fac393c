//===- TensorOps.cpp - Tensor op handlers ---------------------------------===//
//
// Handlers of constants, casts, shape and data-movement ops. Flatten,
// Squeeze, Unsqueeze and Identity have no nn ops of their own: they become
// nn.reshape or the value itself (docs/Frontend.md).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace ohm;
using namespace ohm::nn;
using namespace ohm::onnx_frontend;

LogicalResult Importer::importConstantV1() {
  DenseElementsAttr value;
  std::string error;
  if (const onnx::AttributeProto *a = attr("value")) {
    value = tensorToAttr(ctx, a->t(), error);
  } else if (const onnx::AttributeProto *a = attr("value_float")) {
    value = DenseElementsAttr::getFromDoubles(
        TensorType::get({}, FloatType::getF32(ctx)), {a->f()});
  } else if (const onnx::AttributeProto *a = attr("value_floats")) {
    std::vector<double> v(a->floats().begin(), a->floats().end());
    value = DenseElementsAttr::getFromDoubles(
        TensorType::get({int64_t(v.size())}, FloatType::getF32(ctx)), v);
  } else if (const onnx::AttributeProto *a = attr("value_int")) {
    value = DenseElementsAttr::getFromInts(
        TensorType::get({}, IntegerType::get(ctx, 64, true)), {a->i()});
  } else if (const onnx::AttributeProto *a = attr("value_ints")) {
    std::vector<int64_t> v(a->ints().begin(), a->ints().end());
    value = DenseElementsAttr::getFromInts(
        TensorType::get({int64_t(v.size())}, IntegerType::get(ctx, 64, true)),
        v);
  } else {
    return emitNodeError() << "Constant needs a 'value', 'value_float(s)' or "
                              "'value_int(s)' attribute (others are not "
                              "supported)";
  }
  if (!value)
    return emitNodeError() << error;
  return bind(0, constant(value, node->output(0)));
}

LogicalResult Importer::importConstantOfShapeV9() {
  std::vector<int64_t> shape;
  if (!constantInts(0, "shape", shape))
    return failure();
  for (int64_t dim : shape)
    if (dim < 0)
      return emitNodeError() << "shape has a negative dimension";
  if (!TensorType::getCheckedElementCount(shape))
    return emitNodeError() << "the shape has more than 2^40 elements";
  DenseElementsAttr fill;
  std::string error;
  if (const onnx::AttributeProto *a = attr("value")) {
    fill = tensorToAttr(ctx, a->t(), error);
    if (!fill)
      return emitNodeError() << error;
    if (fill.getNumElements() != 1)
      return emitNodeError() << "'value' must hold one element";
  } else {
    fill = DenseElementsAttr::getFromDoubles(
        TensorType::get({1}, FloatType::getF32(ctx)), {0.0});
  }
  auto type = TensorType::get(shape, fill.getElementType());
  DenseElementsAttr value =
      fill.getElementType().isFloat()
          ? DenseElementsAttr::getFromDoubles(type, {fill.getDouble(0)})
          : DenseElementsAttr::getFromInts(type, {fill.getInt(0)});
  return bind(0, constant(value, node->output(0)));
}

LogicalResult Importer::importIdentityV1() {
  // Identity is the value itself: nothing to compute.
  return bind(0, input(0));
}

LogicalResult Importer::importCastV6() {
  Value *x = input(0);
  if (!x)
    return failure();
  Type to = getElementType(ctx, int(intAttr("to", 0)));
  if (!to)
    return emitNodeError() << "cast to unsupported type "
                           << dataTypeName(int(intAttr("to", 0)));
  // A cast to the type the value already has is the value itself
  // (PyTorch's QDQ export puts one after every QuantizeLinear).
  if (to == x->getType().cast<TensorType>().getElementType())
    return bind(0, x);
  Operation *op =
      create(CastOp::Info, {x}, {}, x->getType().cast<TensorType>().clone(to));
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Reshape to a constant shape, kept as written: 0 copies the input's
/// dimension and -1 is inferred. From opset 14 on, allowzero=1 makes a 0 a
/// zero-sized dimension instead, which nn.reshape does not express.
LogicalResult Importer::importReshape(bool allowZero) {
  Value *x = input(0);
  std::vector<int64_t> shape;
  if (!x || !constantInts(1, "shape", shape))
    return failure();
  if (allowZero && intAttr("allowzero", 0) && llvm::is_contained(shape, 0))
    return emitNodeError() << "allowzero=1 with zero dimensions is not "
                              "supported";
  Operation *op = create(ReshapeOp::Info, {x}, {named("shape", i64s(shape))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importReshapeV5() {
  return importReshape(/*allowZero=*/false);
}

LogicalResult Importer::importReshapeV14() {
  return importReshape(/*allowZero=*/true);
}

LogicalResult Importer::importFlattenV1() {
  Value *x = input(0);
  if (!x)
    return failure();
  auto type = x->getType().cast<TensorType>();
  int64_t rank = type.getRank();
  int64_t axis = intAttr("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return emitNodeError() << "axis " << intAttr("axis", 1)
                           << " is out of range for rank " << rank;
  // [prod(dims[:axis]), prod(dims[axis:])]; a dynamic side becomes -1.
  int64_t outer = 1, inner = 1;
  bool outerDynamic = false, innerDynamic = false;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = type.getDimSize(d);
    bool isOuter = d < axis;
    if (dim == TensorType::kDynamic)
      (isOuter ? outerDynamic : innerDynamic) = true;
    else
      (isOuter ? outer : inner) *= dim;
  }
  if (outerDynamic && innerDynamic)
    return emitNodeError() << "cannot flatten " << Type(type)
                           << ": both sides of the axis have dynamic "
                              "dimensions";
  std::vector<int64_t> shape = {outerDynamic ? -1 : outer,
                                innerDynamic ? -1 : inner};
  Operation *op = create(ReshapeOp::Info, {x}, {named("shape", i64s(shape))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Squeeze and Unsqueeze become nn.reshape to the result shape, with -1 for
/// its (at most one) dynamic dimension. No axes squeezes every unit
/// dimension, which needs a static shape.
LogicalResult Importer::importSqueeze(Value *x, llvm::ArrayRef<int64_t> axes) {
  auto type = x->getType().cast<TensorType>();
  int64_t rank = type.getRank();
  std::vector<bool> drop(rank, false);
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) {
      if (type.isDynamicDim(d))
        return emitNodeError() << "squeezing all unit dimensions of "
                               << Type(type) << " needs a static shape";
      drop[d] = type.getDimSize(d) == 1;
    }
  }
  for (int64_t axis : axes) {
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      return emitNodeError() << "axis out of range";
    if (type.getDimSize(axis) != 1 && !type.isDynamicDim(axis))
      return emitNodeError() << "cannot squeeze dimension " << axis
                             << " of size " << type.getDimSize(axis);
    drop[axis] = true;
  }
  std::vector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d])
      shape.push_back(type.isDynamicDim(d) ? -1 : type.getDimSize(d));
  if (llvm::count(shape, -1) > 1)
    return emitNodeError() << "more than one dynamic dimension";
  Operation *op = create(ReshapeOp::Info, {x}, {named("shape", i64s(shape))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Squeeze-1 (and -11): the axes are an optional attribute.
LogicalResult Importer::importSqueezeV1() {
  Value *x = input(0);
  if (!x)
    return failure();
  return importSqueeze(x, intsAttr("axes", {}));
}

/// Squeeze-13: the axes are an optional constant input.
LogicalResult Importer::importSqueezeV13() {
  Value *x = input(0);
  if (!x)
    return failure();
  std::vector<int64_t> axes;
  if (hasInput(1) && !constantInts(1, "axes", axes))
    return failure();
  return importSqueeze(x, axes);
}

/// `axes` index the result: each is a new unit dimension.
LogicalResult Importer::importUnsqueeze(Value *x,
                                        llvm::ArrayRef<int64_t> axes) {
  auto type = x->getType().cast<TensorType>();
  int64_t outRank = type.getRank() + int64_t(axes.size());
  std::vector<bool> inserted(outRank, false);
  for (int64_t axis : axes) {
    if (axis < 0)
      axis += outRank;
    if (axis < 0 || axis >= outRank || inserted[axis])
      return emitNodeError() << "invalid or repeated axis";
    inserted[axis] = true;
  }
  std::vector<int64_t> shape;
  int64_t next = 0;
  for (int64_t d = 0; d < outRank; ++d) {
    if (inserted[d]) {
      shape.push_back(1);
      continue;
    }
    shape.push_back(type.isDynamicDim(next) ? -1 : type.getDimSize(next));
    ++next;
  }
  if (llvm::count(shape, -1) > 1)
    return emitNodeError() << "more than one dynamic dimension";
  Operation *op = create(ReshapeOp::Info, {x}, {named("shape", i64s(shape))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Unsqueeze-1 (and -11): the axes are an attribute.
LogicalResult Importer::importUnsqueezeV1() {
  Value *x = input(0);
  if (!x)
    return failure();
  return importUnsqueeze(x, intsAttr("axes", {}));
}

/// Unsqueeze-13: the axes are a required constant input.
LogicalResult Importer::importUnsqueezeV13() {
  Value *x = input(0);
  if (!x)
    return failure();
  std::vector<int64_t> axes;
  if (!constantInts(1, "axes", axes))
    return failure();
  return importUnsqueeze(x, axes);
}

LogicalResult Importer::importTransposeV1() {
  Value *x = input(0);
  if (!x)
    return failure();
  llvm::SmallVector<NamedAttribute, 1> attrs;
  if (attr("perm"))
    attrs.push_back(named("perm", i64s(intsAttr("perm", {}))));
  else {
    std::vector<int64_t> perm;
    for (int64_t d = x->getType().cast<TensorType>().getRank() - 1; d >= 0; --d)
      perm.push_back(d);
    attrs.push_back(named("perm", i64s(perm)));
  }
  Operation *op = create(TransposeOp::Info, {x}, attrs);
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importConcatV4() {
  llvm::SmallVector<Value *, 4> inputs;
  for (size_t i = 0; i < numInputs(); ++i)
    inputs.push_back(input(i));
  if (!attr("axis"))
    return emitNodeError() << "missing 'axis'";
  Operation *op =
      create(ConcatOp::Info, inputs,
             {named("axis", IntegerAttr::get(ctx, intAttr("axis", 0)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// nn.pad with pads [begin..., end...] as written, the mode, and the fill
/// value in the input's element type.
LogicalResult Importer::importPad(Value *x, llvm::ArrayRef<int64_t> pads,
                                  double fill) {
  auto type = x->getType().cast<TensorType>();
  std::string mode = stringAttr("mode", "constant");
  Attribute value = type.getElementType().isFloat()
                        ? Attribute(FloatAttr::get(type.getElementType(), fill))
                        : Attribute(IntegerAttr::get(ctx, int64_t(fill)));
  Operation *op = create(PadOp::Info, {x},
                         {named("mode", StringAttr::get(ctx, mode)),
                          named("pads", i64s(pads)), named("value", value)});
  return bind(0, op ? op->getResult(0) : nullptr);
}

/// Pad-2: pads and the fill value are attributes.
LogicalResult Importer::importPadV2() {
  Value *x = input(0);
  if (!x)
    return failure();
  return importPad(x, intsAttr("pads", {}), floatAttr("value", 0.0f));
}

/// Pad-11: pads and the optional constant_value are constant inputs.
LogicalResult Importer::importPadV11() {
  Value *x = input(0);
  if (!x)
    return failure();
  std::vector<int64_t> pads;
  if (!constantInts(1, "pads", pads))
    return failure();
  double fill = 0;
  if (hasInput(2)) {
    DenseElementsAttr value = constantInput(2, "constant_value");
    if (!value)
      return failure();
    if (value.getNumElements() != 1)
      return emitNodeError() << "constant_value must be a scalar";
    fill = value.getDouble(0);
  }
  return importPad(x, pads, fill);
}
