//===- NNOpsCompute.cpp - nn convolutions, products, pooling --------------===//
//
// Type rules, builders and accessors of the ops that compute over windows
// or reduce: the integer accumulates nn.qconv and nn.qmatmul and their
// float counterparts nn.conv and nn.matmul, nn.gemm, the pools (nn.qavgpool,
// nn.maxpool, nn.avgpool, nn.globalavgpool), nn.batchnorm and nn.softmax;
// and the shape functions the interpreter shares with them.
//
//===----------------------------------------------------------------------===//

#include "TypeRuleSupport.h"

#include <cmath>

using namespace ohm;
using namespace ohm::nn;

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

llvm::Optional<Shape> nn::inferConvShape(llvm::ArrayRef<int64_t> x,
                                         llvm::ArrayRef<int64_t> w,
                                         const Window &window, int64_t group,
                                         ErrorStream &err) {
  if (x.size() != 4)
    return err << "input must be 4-D (N, C, H, W), got " << shapeStr(x);
  if (w.size() != 4)
    return err << "weight must be 4-D (M, C/group, kh, kw), got "
               << shapeStr(w);
  if (group < 1)
    return err << "'group' must be positive, got " << group;
  int64_t c = x[1], m = w[0];
  if (c != TensorType::kDynamic && c % group != 0)
    return err << "input channels " << c << " are not divisible by group "
               << group;
  if (m != TensorType::kDynamic && m % group != 0)
    return err << "output channels " << m << " are not divisible by group "
               << group;
  if (c != TensorType::kDynamic && w[1] != TensorType::kDynamic &&
      w[1] * group != c)
    return err << "weight has " << w[1] << " input channels per group but "
               << "the input has " << c << " channels in " << group
               << " groups";
  Shape result = {x[0], m, 0, 0};
  for (unsigned i = 0; i < 2; ++i) {
    int64_t out = window.getOutputSize(i, x[2 + i]);
    if (out == -2) {
      checked::WindowAxis axis = window.getAxis(i, x[2 + i]);
      std::optional<int64_t> extent =
          checked::mul(axis.dilation, axis.kernel - 1);
      std::optional<int64_t> padded = checked::add(axis.padBegin, axis.padEnd);
      if (!extent || !padded || *extent > TensorType::kMaxElements ||
          *padded > TensorType::kMaxElements)
        return err << "the window does not fit the input: padding "
                   << window.pads[i] << "+" << window.pads[i + 2] << ", kernel "
                   << window.kernel[i] << " and dilation "
                   << window.dilations[i] << " exceed 2^40";
      return err << "the window does not fit the input: size " << x[2 + i]
                 << " with padding " << window.pads[i] << "+"
                 << window.pads[i + 2] << " is smaller than kernel extent "
                 << *extent + 1;
    }
    result[2 + i] = out;
  }
  return result;
}

llvm::Optional<Shape> nn::inferMatMulShape(llvm::ArrayRef<int64_t> a,
                                           llvm::ArrayRef<int64_t> b,
                                           ErrorStream &err) {
  if (a.size() < 2 || b.size() < 2)
    return err << "operands must have rank 2 or more, got " << shapeStr(a)
               << " and " << shapeStr(b);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (k1 != TensorType::kDynamic && k2 != TensorType::kDynamic && k1 != k2)
    return err << "inner dimensions differ: " << shapeStr(a) << " x "
               << shapeStr(b);
  auto batch = getBroadcastShape(a.drop_back(2), b.drop_back(2));
  if (!batch)
    return err << "batch dimensions of " << shapeStr(a) << " and "
               << shapeStr(b) << " do not broadcast";
  Shape result = *batch;
  result.push_back(a[a.size() - 2]);
  result.push_back(b.back());
  return result;
}

llvm::Optional<Shape> nn::inferPoolShape(llvm::ArrayRef<int64_t> x,
                                         const Window &window,
                                         ErrorStream &err) {
  if (x.size() != 4)
    return err << "input must be 4-D (N, C, H, W), got " << shapeStr(x);
  Shape result = {x[0], x[1], 0, 0};
  for (unsigned i = 0; i < 2; ++i) {
    int64_t out = window.getOutputSize(i, x[2 + i]);
    if (out == -2)
      return err << "the window does not fit the input";
    result[2 + i] = out;
  }
  return result;
}

/// Checks the window attributes of a 2-D conv or pool.
static LogicalResult checkWindowAttrs(Operation *op, bool needKernel,
                                      ErrorStream &err) {
  struct Spec {
    const char *name;
    size_t size;
    bool positive;
  } specs[] = {{"kernel_shape", 2, true},
               {"strides", 2, true},
               {"pads", 4, false},
               {"dilations", 2, true}};
  for (const Spec &spec : specs) {
    Attribute attr = op->getAttr(spec.name);
    if (!attr) {
      if (needKernel && llvm::StringRef(spec.name) == "kernel_shape")
        return err << "needs 'kernel_shape'";
      continue;
    }
    std::vector<int64_t> values;
    auto array = attr.dyn_cast<ArrayAttr>();
    if (!array || !array.getAsInts(values) || values.size() != spec.size)
      return err << "'" << spec.name << "' must be an array of " << spec.size
                 << " integers";
    for (int64_t value : values)
      if (value < (spec.positive ? 1 : 0))
        return err << "'" << spec.name << "' values must be "
                   << (spec.positive ? "positive" : "non-negative") << ", got "
                   << value;
  }
  // A window must overlap the input: padding smaller than the kernel
  // extent (as ONNX requires for pooling).
  if (needKernel) {
    std::vector<int64_t> kernel = getIntArrayAttr(op, "kernel_shape");
    std::vector<int64_t> pads = getIntArrayAttr(op, "pads", {0, 0, 0, 0});
    std::vector<int64_t> dilations = getIntArrayAttr(op, "dilations", {1, 1});
    for (unsigned i = 0; i < 4; ++i) {
      // An extent past int64_t is larger than any padding.
      std::optional<int64_t> extent =
          checked::mul(dilations[i % 2], kernel[i % 2] - 1);
      if (extent && pads[i] > *extent)
        return err << "padding " << pads[i] << " must be smaller than the "
                   << "kernel extent " << *extent + 1;
    }
  }
  return success();
}

/// Checks an optional bias (operand #2): `element` values, one per output
/// channel or column (`count`, possibly dynamic).
static LogicalResult checkBias(Operation *op, int64_t count, Type element,
                               ErrorStream &err) {
  if (op->getNumOperands() != 3)
    return success();
  TensorType bias = getOperandTensor(op, 2);
  if (bias.getElementType() != element || bias.getRank() != 1 ||
      (bias.getDimSize(0) != count && count != TensorType::kDynamic))
    return err << "bias must be " << Type(TensorType::get({count}, element))
               << ", got " << Type(bias);
  return success();
}

//===----------------------------------------------------------------------===//
// nn.qconv, nn.conv
//===----------------------------------------------------------------------===//

/// The output shape of a convolution: window attributes, group and the
/// kernel from the weight (a 'kernel_shape' attribute is an error).
static llvm::Optional<Shape> inferConvOutputShape(Operation *op, TensorType x,
                                                  TensorType w,
                                                  ErrorStream &err) {
  if (failed(checkWindowAttrs(op, /*needKernel=*/false, err)))
    return llvm::None;
  if (op->getAttr("kernel_shape"))
    return err << "takes the kernel shape from the weight, not from "
                  "'kernel_shape'";
  int64_t group = getIntAttr(op, "group", 1);
  Window window = Window::read(op, {w.getRank() == 4 ? w.getDimSize(2) : 1,
                                    w.getRank() == 4 ? w.getDimSize(3) : 1});
  return inferConvShape(x.getShape(), w.getShape(), window, group, err);
}

Type QConvOp::inferType(Operation *op, ErrorStream &err) {
  if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
    return err << "takes an input, a weight and an optional bias, got "
               << op->getNumOperands() << " operands";
  TensorType x = getOperandTensor(op, 0), w = getOperandTensor(op, 1);
  if (!x.getElementType().isInteger() || !w.getElementType().isInteger())
    return err << "input and weight must be integer tensors, got " << Type(x)
               << " and " << Type(w);
  auto shape = inferConvOutputShape(op, x, w, err);
  if (!shape)
    return Type();
  auto i32 = IntegerType::get(op->getContext(), 32, /*isSigned=*/true);
  int64_t m = w.getDimSize(0);
  if (failed(checkBias(op, m, i32, err)) ||
      failed(checkZeroPoint(op, "x_zp", x.getElementType(), err)) ||
      failed(checkZeroPoint(op, "w_zp", w.getElementType(), err,
                            /*allowPerChannel=*/true, m)))
    return Type();
  return TensorType::get(*shape, i32);
}

QConvOp QConvOp::build(OpBuilder &builder, Location loc, Value *x, Value *w,
                       Value *bias, const Window &window, int64_t group,
                       int64_t xZp, Attribute wZp) {
  Context &ctx = builder.getContext();
  llvm::SmallVector<Value *, 3> operands = {x, w};
  if (bias)
    operands.push_back(bias);
  llvm::SmallVector<NamedAttribute, 8> attrs = {
      builder.getNamedAttr("dilations",
                           ArrayAttr::getI64(ctx, window.dilations)),
      builder.getNamedAttr("group", builder.getI64Attr(group)),
      builder.getNamedAttr("pads", ArrayAttr::getI64(ctx, window.pads)),
      builder.getNamedAttr("strides", ArrayAttr::getI64(ctx, window.strides)),
      builder.getNamedAttr("w_zp", wZp ? wZp : builder.getI64Attr(0)),
      builder.getNamedAttr("x_zp", builder.getI64Attr(xZp))};
  return QConvOp(
      createTyped(builder, loc, Info, operands, attrs, x->getType()));
}

Window QConvOp::getWindow() const {
  auto w = op->getOperand(1)->getType().cast<TensorType>();
  return Window::read(op, {w.getDimSize(2), w.getDimSize(3)});
}

Type ConvOp::inferType(Operation *op, ErrorStream &err) {
  if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
    return err << "takes an input, a weight and an optional bias, got "
               << op->getNumOperands() << " operands";
  TensorType x = getOperandTensor(op, 0), w = getOperandTensor(op, 1);
  if (!x.getElementType().isF32() || !w.getElementType().isF32())
    return err << "input and weight must be f32 tensors, got " << Type(x)
               << " and " << Type(w);
  auto shape = inferConvOutputShape(op, x, w, err);
  if (!shape)
    return Type();
  auto f32 = FloatType::getF32(op->getContext());
  if (failed(checkBias(op, w.getDimSize(0), f32, err)))
    return Type();
  return TensorType::get(*shape, f32);
}

Window ConvOp::getWindow() const {
  auto w = op->getOperand(1)->getType().cast<TensorType>();
  return Window::read(op, {w.getDimSize(2), w.getDimSize(3)});
}

//===----------------------------------------------------------------------===//
// nn.qmatmul, nn.matmul, nn.gemm
//===----------------------------------------------------------------------===//

Type QMatMulOp::inferType(Operation *op, ErrorStream &err) {
  if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
    return err << "takes two operands and an optional bias, got "
               << op->getNumOperands();
  TensorType a = getOperandTensor(op, 0), b = getOperandTensor(op, 1);
  if (!a.getElementType().isInteger() || !b.getElementType().isInteger())
    return err << "operands must be integer tensors, got " << Type(a) << " and "
               << Type(b);
  auto shape = inferMatMulShape(a.getShape(), b.getShape(), err);
  if (!shape)
    return Type();
  auto i32 = IntegerType::get(op->getContext(), 32, /*isSigned=*/true);
  int64_t n = b.getShape().back();
  if (failed(checkBias(op, n, i32, err)) ||
      failed(checkZeroPoint(op, "a_zp", a.getElementType(), err)) ||
      failed(checkZeroPoint(op, "b_zp", b.getElementType(), err,
                            /*allowPerChannel=*/true, n)))
    return Type();
  return TensorType::get(*shape, i32);
}

QMatMulOp QMatMulOp::build(OpBuilder &builder, Location loc, Value *a, Value *b,
                           Value *bias, int64_t aZp, Attribute bZp) {
  llvm::SmallVector<Value *, 3> operands = {a, b};
  if (bias)
    operands.push_back(bias);
  llvm::SmallVector<NamedAttribute, 2> attrs = {
      builder.getNamedAttr("a_zp", builder.getI64Attr(aZp)),
      builder.getNamedAttr("b_zp", bZp ? bZp : builder.getI64Attr(0))};
  return QMatMulOp(
      createTyped(builder, loc, Info, operands, attrs, a->getType()));
}

Type MatMulOp::inferType(Operation *op, ErrorStream &err) {
  TensorType a = getOperandTensor(op, 0), b = getOperandTensor(op, 1);
  if (!a.getElementType().isF32() || !b.getElementType().isF32())
    return err << "operands must be f32 tensors, got " << Type(a) << " and "
               << Type(b);
  auto shape = inferMatMulShape(a.getShape(), b.getShape(), err);
  if (!shape)
    return Type();
  return TensorType::get(*shape, FloatType::getF32(op->getContext()));
}

Type GemmOp::inferType(Operation *op, ErrorStream &err) {
  if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
    return err << "takes A, B and an optional C";
  TensorType a = getOperandTensor(op, 0), b = getOperandTensor(op, 1);
  if (a.getRank() != 2 || b.getRank() != 2 || !a.getElementType().isF32() ||
      !b.getElementType().isF32())
    return err << "A and B must be 2-D f32 tensors, got " << Type(a) << " and "
               << Type(b);
  GemmOp gemm(op);
  int64_t m = gemm.getTransA() ? a.getDimSize(1) : a.getDimSize(0);
  int64_t k1 = gemm.getTransA() ? a.getDimSize(0) : a.getDimSize(1);
  int64_t k2 = gemm.getTransB() ? b.getDimSize(1) : b.getDimSize(0);
  int64_t n = gemm.getTransB() ? b.getDimSize(0) : b.getDimSize(1);
  if (k1 != k2 && k1 != TensorType::kDynamic && k2 != TensorType::kDynamic)
    return err << "inner dimensions differ: " << k1 << " vs " << k2;
  for (const char *name : {"alpha", "beta"})
    if (op->getAttr(name) && !op->getAttr(name).isa<FloatAttr>())
      return err << "'" << name << "' must be a float";
  if (op->getNumOperands() == 3) {
    TensorType c = getOperandTensor(op, 2);
    auto shape = getBroadcastShape({m, n}, c.getShape());
    if (!c.getElementType().isF32() || c.getRank() > 2 || !shape ||
        llvm::ArrayRef<int64_t>(*shape) != llvm::ArrayRef<int64_t>({m, n}))
      return err << "C " << Type(c) << " does not broadcast to [" << m << ", "
                 << n << "]";
  }
  return TensorType::get({m, n}, FloatType::getF32(op->getContext()));
}

float GemmOp::getAlpha() const {
  auto attr = op->getAttrOfType<FloatAttr>("alpha");
  return attr ? float(attr.getValue()) : 1.0f;
}

float GemmOp::getBeta() const {
  auto attr = op->getAttrOfType<FloatAttr>("beta");
  return attr ? float(attr.getValue()) : 1.0f;
}

//===----------------------------------------------------------------------===//
// nn.batchnorm, nn.softmax
//===----------------------------------------------------------------------===//

Type BatchNormOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  if (!x.getElementType().isFloat() || x.getRank() < 2)
    return err << "input must be a float tensor of rank 2 or more";
  int64_t c = x.getDimSize(1);
  for (unsigned i = 1; i < 5; ++i) {
    TensorType param = getOperandTensor(op, i);
    if (param.getRank() != 1 || param.getElementType() != x.getElementType() ||
        (param.getDimSize(0) != c && c != TensorType::kDynamic))
      return err << "operand #" << i << " must be "
                 << Type(TensorType::get({c}, x.getElementType())) << ", got "
                 << Type(param);
  }
  return x;
}

float BatchNormOp::getEpsilon() const {
  auto attr = op->getAttrOfType<FloatAttr>("epsilon");
  return attr ? float(attr.getValue()) : 1e-5f;
}

Type SoftmaxOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  if (!x.getElementType().isFloat())
    return err << "input must be a float tensor";
  int64_t axis = getIntAttr(op, "axis", -1);
  if (!normalizeAxis(axis, x.getRank()))
    return err << "'axis' " << getIntAttr(op, "axis", -1)
               << " is out of range for " << Type(x);
  return x;
}

bool ActivationOp::isKind(llvm::StringRef kind) {
  return kind == "sigmoid" || kind == "tanh" || kind == "leaky_relu";
}

Type ActivationOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  if (!x.getElementType().isFloat())
    return err << "input must be a float tensor";
  auto kind = op->getAttrOfType<StringAttr>("kind");
  if (!kind || !isKind(kind.getValue()))
    return err << "needs a 'kind': \"sigmoid\", \"tanh\" or \"leaky_relu\"";
  if (Attribute alpha = op->getAttr("alpha")) {
    auto value = alpha.dyn_cast<FloatAttr>();
    if (!value || !std::isfinite(value.getValue()))
      return err << "'alpha' must be a finite float";
  }
  return x;
}

ActivationOp ActivationOp::build(OpBuilder &builder, Location loc, Value *input,
                                 llvm::StringRef kind, float alpha) {
  Context &ctx = builder.getContext();
  llvm::SmallVector<NamedAttribute, 2> attrs;
  if (kind == "leaky_relu")
    attrs.push_back(builder.getNamedAttr(
        "alpha", FloatAttr::get(FloatType::getF32(ctx), alpha)));
  attrs.push_back(builder.getNamedAttr("kind", StringAttr::get(ctx, kind)));
  return ActivationOp(
      builder.create(loc, Info, {input->getType()}, {input}, attrs));
}

llvm::StringRef ActivationOp::getKind() const {
  auto kind = op->getAttrOfType<StringAttr>("kind");
  return kind ? kind.getValue() : llvm::StringRef();
}

float ActivationOp::getAlpha() const {
  auto alpha = op->getAttrOfType<FloatAttr>("alpha");
  return alpha ? float(alpha.getValue()) : 0.01f;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// The output shape of a 2-D pool over `x`, from its window attributes.
static llvm::Optional<Shape> inferPoolOutputShape(Operation *op, TensorType x,
                                                  ErrorStream &err) {
  if (failed(checkWindowAttrs(op, /*needKernel=*/true, err)))
    return llvm::None;
  Window window = Window::read(op, getIntArrayAttr(op, "kernel_shape"));
  return inferPoolShape(x.getShape(), window, err);
}

Type QAvgPoolOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  if (!x.getElementType().isInteger())
    return err << "input must be an integer tensor, got " << Type(x);
  auto shape = inferPoolOutputShape(op, x, err);
  if (!shape || failed(checkZeroPoint(op, "x_zp", x.getElementType(), err)))
    return Type();
  return TensorType::get(
      *shape, IntegerType::get(op->getContext(), 32, /*isSigned=*/true));
}

Window QAvgPoolOp::getWindow() const {
  return Window::read(op, getIntArrayAttr(op, "kernel_shape"));
}

Type MaxPoolOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  if (!x.getElementType().isInteger() && !x.getElementType().isFloat())
    return err << "input must hold integers or floats, got " << Type(x);
  auto shape = inferPoolOutputShape(op, x, err);
  if (!shape)
    return Type();
  return TensorType::get(*shape, x.getElementType());
}

Window MaxPoolOp::getWindow() const {
  return Window::read(op, getIntArrayAttr(op, "kernel_shape"));
}

Type AvgPoolOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  if (!x.getElementType().isFloat())
    return err << "input must be a float tensor, got " << Type(x);
  auto shape = inferPoolOutputShape(op, x, err);
  if (!shape)
    return Type();
  return TensorType::get(*shape, x.getElementType());
}

Window AvgPoolOp::getWindow() const {
  return Window::read(op, getIntArrayAttr(op, "kernel_shape"));
}

Type GlobalAvgPoolOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  if (!x.getElementType().isFloat() || x.getRank() < 3)
    return err << "input must be a float tensor of rank 3 or more, got "
               << Type(x);
  Shape shape(x.getShape().begin(), x.getShape().end());
  for (size_t i = 2; i < shape.size(); ++i)
    shape[i] = 1;
  return TensorType::get(shape, x.getElementType());
}
