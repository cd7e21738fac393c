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
  int64_t axis;
  if (!axisAttr("axis", 1, x->getType().cast<TensorType>().getRank(),
                /*inclusive=*/true, axis))
    return failure();
  Operation *op = createFlatten(x, axis, /*outputIndex=*/0);
  return bind(0, op ? op->getResult(0) : nullptr);
}

Operation *Importer::createFlatten(Value *x, int64_t axis, int outputIndex) {
  auto type = x->getType().cast<TensorType>();
  int64_t rank = type.getRank();
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
  if (outerDynamic && innerDynamic) {
    emitNodeError() << "cannot flatten " << Type(type)
                    << ": both sides of the axis have dynamic dimensions";
    return nullptr;
  }
  std::vector<int64_t> shape = {outerDynamic ? -1 : outer,
                                innerDynamic ? -1 : inner};
  return create(ReshapeOp::Info, {x}, {named("shape", i64s(shape))}, Type(),
                outputIndex);
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

//===----------------------------------------------------------------------===//
// Shape arithmetic on static shapes, folded here
//===----------------------------------------------------------------------===//

/// Shape-1 and -15 (start, end): the dimensions of a static tensor, as a
/// constant. Exporters compute Reshape targets this way (Shape -> Gather ->
/// Unsqueeze -> Concat); a dynamic dimension has no value to fold.
LogicalResult Importer::importShapeV1() {
  TensorType type = inputType(0);
  if (!type)
    return failure();
  int64_t rank = type.getRank();
  auto clampAxis = [&](int64_t axis) {
    if (axis < 0)
      axis += rank;
    return std::min(std::max<int64_t>(axis, 0), rank);
  };
  int64_t start = clampAxis(intAttr("start", 0));
  int64_t end = clampAxis(intAttr("end", rank));
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) {
    if (type.isDynamicDim(d))
      return emitNodeError()
             << "the shape of " << Type(type) << " has a dynamic dimension "
             << d
             << ", which ohm cannot fold to a constant (give the input's "
                "size with ohmc --input-shape)";
    dims.push_back(type.getDimSize(d));
  }
  auto resultType =
      TensorType::get({int64_t(dims.size())}, IntegerType::get(ctx, 64, true));
  return bind(0, constant(DenseElementsAttr::getFromInts(resultType, dims),
                          node->output(0)));
}

/// Gather-1, -11 and -13 on constants (a Shape's dimensions, a constant
/// table): folded to a constant. Gathering from a tensor computed at run
/// time is not supported.
LogicalResult Importer::importGatherV1() {
  Value *data = input(0), *indices = input(1);
  if (!data || !indices)
    return failure();
  DenseElementsAttr dataAttr = evaluateConstant(data);
  DenseElementsAttr indexAttr = evaluateConstant(indices);
  if (!dataAttr || !indexAttr)
    return emitNodeError() << "Gather is supported on constants only (such "
                              "as a Shape's dimensions); its "
                           << (dataAttr ? "indices are" : "data is")
                           << " computed at run time";
  if (!indexAttr.getElementType().isInteger())
    return emitNodeError() << "indices must be integers";
  TensorType dataType = dataAttr.getType();
  int64_t rank = dataType.getRank();
  int64_t axis = intAttr("axis", 0);
  if (axis < -rank || axis >= rank)
    return emitNodeError() << "axis " << axis << " is out of range for "
                           << Type(dataType);
  if (axis < 0)
    axis += rank;
  llvm::ArrayRef<int64_t> shape = dataType.getShape();
  int64_t extent = shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  std::vector<int64_t> resultShape(shape.begin(), shape.begin() + axis);
  for (int64_t dim : indexAttr.getType().getShape())
    resultShape.push_back(dim);
  resultShape.insert(resultShape.end(), shape.begin() + axis + 1, shape.end());
  auto resultType = TensorType::get(resultShape, dataType.getElementType());
  if (resultType.getNumElements() > kMaxChannelParams)
    return emitNodeError() << "the result has " << resultType.getNumElements()
                           << " elements; at most " << kMaxChannelParams
                           << " are folded";
  std::vector<int64_t> index = indexAttr.getInts();
  for (int64_t &i : index) {
    if (i < -extent || i >= extent)
      return emitNodeError() << "index " << i << " is out of range for axis "
                             << axis << " of " << Type(dataType);
    if (i < 0)
      i += extent;
  }
  // One list of positions into the data, used for integers and floats.
  std::vector<int64_t> from;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : index)
      for (int64_t k = 0; k < inner; ++k)
        from.push_back((o * extent + i) * inner + k);
  DenseElementsAttr result;
  if (dataType.getElementType().isFloat()) {
    std::vector<double> values = dataAttr.getDoubles(), picked;
    for (int64_t f : from)
      picked.push_back(values[size_t(f)]);
    result = DenseElementsAttr::getFromDoubles(resultType, picked);
  } else {
    std::vector<int64_t> values = dataAttr.getInts(), picked;
    for (int64_t f : from)
      picked.push_back(values[size_t(f)]);
    result = DenseElementsAttr::getFromInts(resultType, picked);
  }
  return bind(0, constant(result, node->output(0)));
}

//===----------------------------------------------------------------------===//
// Resize (nearest, integer upscaling)
//===----------------------------------------------------------------------===//

/// The input index ONNX Resize reads for output index `i` of an axis
/// resized from `in` to `out` elements (nearest mode), or -1 for a mode
/// ohm does not know.
static int64_t nearestSource(int64_t i, int64_t in, int64_t out,
                             llvm::StringRef coordinates,
                             llvm::StringRef rounding) {
  double scale = double(out) / double(in), x;
  if (coordinates == "half_pixel" ||
      (coordinates == "pytorch_half_pixel" && out > 1))
    x = (double(i) + 0.5) / scale - 0.5;
  else if (coordinates == "pytorch_half_pixel")
    x = 0;
  else if (coordinates == "asymmetric")
    x = double(i) / scale;
  else if (coordinates == "tf_half_pixel_for_nn")
    x = (double(i) + 0.5) / scale;
  else if (coordinates == "align_corners")
    x = out > 1 ? double(i) * double(in - 1) / double(out - 1) : 0;
  else
    return -1;
  double source;
  if (rounding == "round_prefer_floor")
    source = x - std::floor(x) == 0.5 ? std::floor(x) : std::round(x);
  else if (rounding == "round_prefer_ceil")
    source = x - std::floor(x) == 0.5 ? std::ceil(x) : std::round(x);
  else if (rounding == "floor")
    source = std::floor(x);
  else if (rounding == "ceil")
    source = std::ceil(x);
  else
    return -1;
  return std::min(std::max<int64_t>(int64_t(source), 0), in - 1);
}

/// Nearest-neighbour Resize that repeats every pixel k times along H and W
/// (integer upscaling, as YOLO-style and segmentation models use it) is
/// data movement: each axis becomes reshape -> concat of k copies ->
/// reshape. Other modes and factors are errors.
LogicalResult Importer::importResize(size_t scalesIndex, size_t sizesIndex,
                                     llvm::StringRef coordinates,
                                     llvm::StringRef rounding) {
  TensorType type = inputType(0);
  if (!type)
    return failure();
  std::string mode = stringAttr("mode", "nearest");
  if (mode != "nearest")
    return emitNodeError() << "Resize mode '" << mode
                           << "' is not supported (nearest only)";
  if (type.getRank() != 4 || type.isDynamicDim(1) || type.isDynamicDim(2) ||
      type.isDynamicDim(3))
    return emitNodeError() << "Resize needs a 4-D input with static C, H and "
                              "W, got "
                           << Type(type);
  llvm::ArrayRef<int64_t> in = type.getShape();
  std::vector<int64_t> out(in.begin(), in.end());
  DenseElementsAttr sizes;
  if (sizesIndex < numInputs() && hasInput(sizesIndex))
    if (!(sizes = constantInput(sizesIndex, "sizes")))
      return failure();
  bool batchKept;
  if (sizes && sizes.getNumElements() == 4) {
    std::vector<int64_t> values = sizes.getInts();
    for (int d = 1; d < 4; ++d)
      out[d] = values[d];
    batchKept = type.isDynamicDim(0) || values[0] == in[0];
  } else {
    std::vector<float> scales;
    if (!constantFloats(scalesIndex, "scales", scales))
      return failure();
    if (scales.size() != 4)
      return emitNodeError() << "'scales' must have 4 values";
    for (int d = 1; d < 4; ++d)
      out[d] = int64_t(std::floor(double(in[d]) * double(scales[d])));
    batchKept = scales[0] == 1.0f;
  }
  if (!batchKept)
    return emitNodeError() << "Resize must keep the batch dimension";
  int64_t factors[4] = {1, 1, 1, 1};
  for (int d = 1; d < 4; ++d) {
    bool whole = out[d] >= in[d] && out[d] % in[d] == 0;
    factors[d] = whole ? out[d] / in[d] : 0;
    for (int64_t i = 0; whole && i < out[d]; ++i)
      whole = nearestSource(i, in[d], out[d], coordinates, rounding) ==
              i / factors[d];
    if (!whole || (d == 1 && factors[d] != 1))
      return emitNodeError()
             << "Resize from " << Type(type) << " to dimension " << d
             << " of size " << out[d] << " (coordinate mode '" << coordinates
             << "', nearest mode '" << rounding
             << "') does not repeat each pixel a whole number of times along "
                "H and W, the only Resize ohm maps";
  }
  Value *value = input(0);
  int64_t n = type.isDynamicDim(0) ? -1 : in[0];
  // W first, then H: [n, c, h, w] -> [n, c, h, w, 1] -> k copies on axis 4
  // -> [n, c, h, w k]; [n, c, h, 1, W] -> k copies on axis 3 -> [n, c, h k, W].
  int64_t w = in[3];
  for (int axis : {3, 2}) {
    int64_t k = factors[axis];
    if (k == 1)
      continue;
    std::vector<int64_t> split = {n, in[1], in[2], w};
    split.insert(split.begin() + axis + 1, 1);
    Operation *expanded = create(ReshapeOp::Info, {value},
                                 {named("shape", i64s(split))}, Type(), -1);
    if (!expanded)
      return failure();
    llvm::SmallVector<Value *, 8> copies(size_t(k), expanded->getResult(0));
    Operation *repeated =
        create(ConcatOp::Info, copies,
               {named("axis", IntegerAttr::get(ctx, axis + 1))}, Type(), -1);
    if (!repeated)
      return failure();
    std::vector<int64_t> merged = {n, in[1], in[2], w};
    merged[size_t(axis)] *= k;
    Operation *reshaped = create(ReshapeOp::Info, {repeated->getResult(0)},
                                 {named("shape", i64s(merged))}, Type(), -1);
    if (!reshaped)
      return failure();
    value = reshaped->getResult(0);
    if (axis == 3)
      w *= k;
  }
  // With every factor 1 the value is the input itself.
  return bind(0, value);
}

LogicalResult Importer::importResizeV10() {
  // Resize-10 (X, scales): the nearest pixel as Upsample, floor(i / s).
  return importResize(1, size_t(-1), "asymmetric", "floor");
}

LogicalResult Importer::importResizeV11() {
  // Resize-11 and -13 (X, roi, scales, sizes).
  return importResize(
      2, 3, stringAttr("coordinate_transformation_mode", "half_pixel"),
      stringAttr("nearest_mode", "round_prefer_floor"));
}
