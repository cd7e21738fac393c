//===- NNOps.cpp - The nn dialect -----------------------------------------===//
//
// Op infos generated from NNOps.def, builders, and one shape/type function
// per op (inferResultType) that also checks operands and attributes. The
// verifiers run it and compare with the declared result type, so the rules
// live in one place; the importer uses it to type the ops it creates.
//
//===----------------------------------------------------------------------===//

#include "ohm/NN/NNOps.h"
#include "ohm/IR/Context.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace ohm;
using namespace ohm::nn;

#define OHM_OP(CLASS, NAME, NUM_OPERANDS, NUM_RESULTS, TRAITS, SUMMARY)       \
  const OpInfo CLASS::Info = {NAME,           NUM_OPERANDS,  NUM_RESULTS,     \
                              TRAITS,         &CLASS::verify, &CLASS::fold,   \
                              SUMMARY};
#include "ohm/NN/NNOps.def"

void nn::registerNNDialect(Context &ctx) {
#define OHM_OP(CLASS, ...) ctx.registerOp(CLASS::Info);
#include "ohm/NN/NNOps.def"
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

llvm::Optional<Shape> nn::getBroadcastShape(llvm::ArrayRef<int64_t> lhs,
                                            llvm::ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the right; missing leading dimensions act as 1.
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    const int64_t dyn = TensorType::kDynamic;
    if (a == 1)
      result[i] = b;
    else if (b == 1)
      result[i] = a;
    else if (a == dyn)
      result[i] = b;
    else if (b == dyn || a == b)
      result[i] = a;
    else
      return llvm::None;
  }
  return result;
}

std::vector<int64_t> nn::getIntOrDenseValues(Attribute attr) {
  if (!attr)
    return {};
  if (auto intAttr = attr.dyn_cast<IntegerAttr>())
    return {intAttr.getInt()};
  // Per-channel parameters are small; a huge tensor here is malformed, and
  // materializing it would only waste memory.
  if (auto dense = attr.dyn_cast<DenseElementsAttr>())
    if (dense.getType().getRank() <= 1 && dense.getElementType().isInteger() &&
        dense.getNumElements() <= kMaxChannelParams)
      return dense.getInts();
  return {};
}

std::vector<float> nn::getFloatOrDenseValues(Attribute attr) {
  if (!attr)
    return {};
  if (auto floatAttr = attr.dyn_cast<FloatAttr>())
    return {float(floatAttr.getValue())};
  std::vector<float> values;
  if (auto dense = attr.dyn_cast<DenseElementsAttr>())
    if (dense.getType().getRank() <= 1 && dense.getElementType().isFloat() &&
        dense.getNumElements() <= kMaxChannelParams)
      for (double value : dense.getDoubles())
        values.push_back(float(value));
  return values;
}

std::vector<int64_t> nn::getI64Array(Operation *op, llvm::StringRef name,
                                     std::vector<int64_t> defaultValue) {
  auto array = op->getAttrOfType<ArrayAttr>(name);
  std::vector<int64_t> values;
  if (!array || !array.getAsInts(values))
    return defaultValue;
  return values;
}

int64_t nn::getI64(Operation *op, llvm::StringRef name, int64_t defaultValue) {
  auto attr = op->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : defaultValue;
}

int64_t Window::getOutputSize(unsigned i, int64_t in) const {
  if (in == TensorType::kDynamic)
    return TensorType::kDynamic;
  int64_t extent = dilations[i] * (kernel[i] - 1) + 1;
  int64_t span = in + pads[i] + pads[i + 2] - extent;
  if (span < 0)
    return -2;
  int64_t out = span / strides[i] + 1;
  if (ceilMode && span % strides[i] != 0)
    ++out;
  return out;
}

static Window readWindow(Operation *op, std::vector<int64_t> kernel) {
  Window window;
  window.kernel = std::move(kernel);
  window.strides = getI64Array(op, "strides", {1, 1});
  window.pads = getI64Array(op, "pads", {0, 0, 0, 0});
  window.dilations = getI64Array(op, "dilations", {1, 1});
  window.ceilMode = getI64(op, "ceil_mode", 0) != 0;
  return window;
}

LogicalResult nn::verifyIntArray(Operation *op, llvm::StringRef name,
                                 size_t size, bool positive) {
  Attribute attr = op->getAttr(name);
  if (!attr)
    return success();
  auto array = attr.dyn_cast<ArrayAttr>();
  std::vector<int64_t> values;
  if (!array || !array.getAsInts(values) || values.size() != size)
    return op->emitOpError() << "'" << name << "' must be an array of "
                             << unsigned(size) << " integers";
  for (int64_t value : values)
    if (value < (positive ? 1 : 0))
      return op->emitOpError()
             << "'" << name << "' values must be "
             << (positive ? "positive" : "non-negative") << ", got " << value;
  return success();
}

namespace {
/// Accumulates an error message.
class ErrorStream {
public:
  explicit ErrorStream(std::string &error) : os(error) {}
  template <typename T> ErrorStream &operator<<(const T &value) {
    os << value;
    return *this;
  }
  /// For `return err << "..."` in functions returning types or shapes.
  operator Type() { return Type(); }
  operator llvm::Optional<Shape>() { return llvm::None; }
  operator bool() { return false; }

private:
  llvm::raw_string_ostream os;
};

TensorType getTensor(Value *value) {
  return value ? value->getType().dyn_cast<TensorType>() : TensorType();
}

std::string shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += shape[i] == TensorType::kDynamic ? "?" : std::to_string(shape[i]);
  }
  return text + "]";
}

/// Normalizes a possibly negative axis for `rank`; false if out of range.
bool normalizeAxis(int64_t &axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return false;
  if (axis < 0)
    axis += rank;
  return true;
}

/// Whether `value` fits the integer type (as a signed value).
bool fitsType(IntegerType type, int64_t value) {
  return type.isSigned() ? type.fitsSigned(value)
                         : value >= 0 && type.fitsUnsigned(uint64_t(value));
}

/// Checks the window attributes of a 2-D conv or pool.
bool checkWindowAttrs(Operation *op, bool needKernel, std::string &error) {
  ErrorStream err(error);
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
    std::vector<int64_t> kernel = getI64Array(op, "kernel_shape");
    std::vector<int64_t> pads = getI64Array(op, "pads", {0, 0, 0, 0});
    std::vector<int64_t> dilations = getI64Array(op, "dilations", {1, 1});
    for (unsigned i = 0; i < 4; ++i) {
      int64_t extent = dilations[i % 2] * (kernel[i % 2] - 1) + 1;
      if (pads[i] >= extent)
        return err << "padding " << pads[i] << " must be smaller than the "
                   << "kernel extent " << extent;
    }
  }
  return true;
}
} // namespace

llvm::Optional<Shape> nn::inferConvShape(llvm::ArrayRef<int64_t> x,
                                         llvm::ArrayRef<int64_t> w,
                                         const Window &window, int64_t group,
                                         std::string &error) {
  ErrorStream err(error);
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
    if (out == -2)
      return err << "the window does not fit the input: size " << x[2 + i]
                 << " with padding " << window.pads[i] << "+"
                 << window.pads[i + 2] << " is smaller than kernel extent "
                 << window.dilations[i] * (window.kernel[i] - 1) + 1;
    result[2 + i] = out;
  }
  return result;
}

llvm::Optional<Shape> nn::inferMatMulShape(llvm::ArrayRef<int64_t> a,
                                           llvm::ArrayRef<int64_t> b,
                                           std::string &error) {
  ErrorStream err(error);
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
                                         std::string &error) {
  ErrorStream err(error);
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

/// ONNX reshape targets print as written (-1 is "infer", not dynamic).
static std::string targetStr(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

llvm::Optional<Shape> nn::inferReshapeShape(llvm::ArrayRef<int64_t> input,
                                            llvm::ArrayRef<int64_t> target,
                                            std::string &error) {
  ErrorStream err(error);
  Shape result;
  int inferred = -1;
  int64_t known = 1;
  bool inputStatic = true;
  int64_t total = 1;
  for (int64_t dim : input) {
    if (dim == TensorType::kDynamic)
      inputStatic = false;
    else
      total *= dim;
  }
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t dim = target[i];
    if (dim == 0) {
      if (i >= input.size())
        return err << "shape " << targetStr(target) << " copies dimension "
                   << i << " that the input " << shapeStr(input)
                   << " does not have";
      dim = input[i];
    } else if (dim == -1) {
      if (inferred >= 0)
        return err << "shape " << targetStr(target) << " has more than one -1";
      inferred = int(i);
      result.push_back(-1);
      continue;
    } else if (dim < -1) {
      return err << "invalid dimension " << dim << " in shape "
                 << targetStr(target);
    }
    result.push_back(dim);
    if (dim == TensorType::kDynamic)
      known = -1;
    else if (known >= 0)
      known *= dim;
  }
  if (inferred >= 0) {
    if (!inputStatic || known < 0) {
      result[inferred] = TensorType::kDynamic;
    } else {
      if (known == 0 || total % known != 0)
        return err << "cannot reshape " << shapeStr(input) << " to "
                   << targetStr(target);
      result[inferred] = total / known;
    }
  } else if (inputStatic && known >= 0 && known != total) {
    return err << "cannot reshape " << shapeStr(input) << " ("
               << total << " elements) to " << targetStr(target) << " ("
               << known << " elements)";
  }
  return result;
}

//===----------------------------------------------------------------------===//
// inferResultType: the type rules of every op
//===----------------------------------------------------------------------===//

static Type inferQuantParams(Operation *op, TensorType shaped,
                             IntegerType intType, bool requireScale,
                             std::string &error) {
  ErrorStream err(error);
  Attribute scaleAttr = op->getAttr("scale");
  std::vector<float> scales = getFloatOrDenseValues(scaleAttr);
  if (!scaleAttr) {
    if (requireScale)
      return err << "needs a 'scale' attribute";
  } else if (scales.empty()) {
    return err << "'scale' must be an f32 or a 1-D dense f32, got "
               << scaleAttr;
  }
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
  bool perChannel = (scaleAttr && scaleAttr.isa<DenseElementsAttr>()) ||
                    (zpAttr && zpAttr.isa<DenseElementsAttr>());
  if (perChannel) {
    int64_t axis = getI64(op, "axis", 1);
    if (!normalizeAxis(axis, shaped.getRank()))
      return err << "'axis' " << getI64(op, "axis", 1) << " is out of range for "
                 << Type(shaped);
    int64_t dim = shaped.getDimSize(axis);
    if ((scales.size() > 1 && zps.size() > 1 && scales.size() != zps.size()) ||
        (dim != TensorType::kDynamic && int64_t(channels) != dim &&
         channels != 1))
      return err << "has " << unsigned(channels)
                 << " per-channel parameters but axis " << axis << " of "
                 << Type(shaped) << " has size " << dim;
  }
  return shaped;
}

/// Checks that `attr` is an integer in the type's range, if present.
static bool checkZeroPoint(Operation *op, llvm::StringRef name, Type type,
                           std::string &error, bool allowPerChannel = false,
                           int64_t channels = -1) {
  ErrorStream err(error);
  Attribute attr = op->getAttr(name);
  if (!attr)
    return true;
  auto intType = type.dyn_cast<IntegerType>();
  std::vector<int64_t> values = getIntOrDenseValues(attr);
  if (values.empty() || (!allowPerChannel && !attr.isa<IntegerAttr>()))
    return err << "'" << name << "' must be "
               << (allowPerChannel ? "an integer or a 1-D dense integer"
                                   : "an integer")
               << ", got " << attr;
  if (attr.isa<DenseElementsAttr>() && channels >= 0 &&
      int64_t(values.size()) != channels)
    return err << "'" << name << "' has " << unsigned(values.size())
               << " values for " << channels << " channels";
  for (int64_t value : values)
    if (intType && !fitsType(intType, value))
      return err << "'" << name << "' " << value << " does not fit "
                 << Type(intType);
  return true;
}

Type nn::inferResultType(Operation *op, std::string &error) {
  ErrorStream err(error);
  Context &ctx = op->getContext();
  auto operandTensor = [&](unsigned i) { return getTensor(op->getOperand(i)); };
  for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i)
    if (!operandTensor(i))
      return err << "operand #" << i << " must be a tensor, got "
                 << op->getOperand(i)->getType();
  TensorType declared =
      op->getNumResults() ? getTensor(op->getResult(0)) : TensorType();
  auto i32 = IntegerType::get(ctx, 32, /*isSigned=*/true);
  auto f32 = FloatType::getF32(ctx);

  if (op->isa<ConstOp>()) {
    Attribute value = op->getAttr("value");
    if (!value)
      return err << "needs a 'value' attribute";
    auto dense = value.dyn_cast<DenseElementsAttr>();
    if (!dense)
      return err << "'value' must be dense elements, got " << value;
    if (op->getAttrs().size() != 1)
      return err << "takes only the 'value' attribute";
    return dense.getType();
  }

  if (op->isa<AddOp>() || op->isa<MulOp>()) {
    TensorType lhs = operandTensor(0), rhs = operandTensor(1);
    if (!lhs.getElementType().isScalar())
      return err << "needs integer or float elements, got "
                 << lhs.getElementType();
    if (lhs.getElementType() != rhs.getElementType())
      return err << "operands must have the same element type, got "
                 << lhs.getElementType() << " and " << rhs.getElementType();
    auto shape = getBroadcastShape(lhs.getShape(), rhs.getShape());
    if (!shape)
      return err << "operand shapes " << Type(lhs) << " and " << Type(rhs)
                 << " do not broadcast";
    return TensorType::get(*shape, lhs.getElementType());
  }

  if (op->isa<ReluOp>() || op->isa<ClipOp>()) {
    TensorType input = operandTensor(0);
    Type element = input.getElementType();
    if (!element.isInteger() && !element.isFloat())
      return err << "needs integer or float elements, got " << element;
    if (op->isa<ClipOp>()) {
      double bounds[2] = {-INFINITY, INFINITY};
      const char *names[2] = {"min", "max"};
      for (int i = 0; i < 2; ++i) {
        Attribute bound = op->getAttr(names[i]);
        if (!bound)
          continue;
        if (auto intType = element.dyn_cast<IntegerType>()) {
          auto intBound = bound.dyn_cast<IntegerAttr>();
          if (!intBound || !fitsType(intType, intBound.getInt()))
            return err << "'" << names[i] << "' must be an integer in the "
                       << "range of " << element << ", got " << bound;
          bounds[i] = double(intBound.getInt());
        } else {
          auto floatBound = bound.dyn_cast<FloatAttr>();
          if (!floatBound)
            return err << "'" << names[i] << "' must be a float, got "
                       << bound;
          bounds[i] = floatBound.getValue();
        }
      }
      if (bounds[0] > bounds[1])
        return err << "'min' is greater than 'max'";
    }
    return input;
  }

  if (op->isa<CastOp>()) {
    if (!declared || !declared.getElementType().isScalar())
      return err << "result must be a tensor of integers or floats";
    TensorType input = operandTensor(0);
    if (!input.getElementType().isScalar())
      return err << "input must hold integers or floats";
    return input.clone(declared.getElementType());
  }

  if (op->isa<QuantizeOp>()) {
    TensorType input = operandTensor(0);
    if (!input.getElementType().isFloat())
      return err << "input must be float, got " << Type(input);
    auto intType = declared ? declared.getElementType().dyn_cast<IntegerType>()
                            : IntegerType();
    if (!intType)
      return err << "result must be a tensor of integers";
    if (!inferQuantParams(op, input, intType, /*requireScale=*/true, error))
      return Type();
    return input.clone(intType);
  }

  if (op->isa<DequantizeOp>()) {
    TensorType input = operandTensor(0);
    auto intType = input.getElementType().dyn_cast<IntegerType>();
    if (!intType)
      return err << "input must be integer, got " << Type(input);
    if (!inferQuantParams(op, input, intType, /*requireScale=*/true, error))
      return Type();
    return input.clone(f32);
  }

  if (op->isa<RequantizeOp>()) {
    TensorType input = operandTensor(0);
    if (!input.getElementType().isInteger())
      return err << "input must be integer, got " << Type(input);
    auto intType = declared ? declared.getElementType().dyn_cast<IntegerType>()
                            : IntegerType();
    if (!intType)
      return err << "result must be a tensor of integers";
    if (!inferQuantParams(op, input, intType, /*requireScale=*/true, error))
      return Type();
    if (op->getAttr("zp") && !op->getAttr("zp").isa<IntegerAttr>())
      return err << "'zp' must be a single integer";
    if (!checkZeroPoint(op, "input_zp", input.getElementType(), error))
      return Type();
    int64_t lo = intType.getMinValue(), hi = int64_t(intType.getMaxValue());
    int64_t min = getI64(op, "min", lo), max = getI64(op, "max", hi);
    for (const char *name : {"min", "max"})
      if (op->getAttr(name) && !op->getAttr(name).isa<IntegerAttr>())
        return err << "'" << name << "' must be an integer";
    if (min < lo || max > hi || min > max)
      return err << "clamp range [" << min << ", " << max
                 << "] must lie within [" << lo << ", " << hi << "] of "
                 << Type(intType) << " and be ordered";
    Attribute mode = op->getAttr("mode");
    if (mode) {
      auto modeStr = mode.dyn_cast<StringAttr>();
      if (!modeStr ||
          (modeStr.getValue() != "float" && modeStr.getValue() != "fixed"))
        return err << "'mode' must be \"float\" or \"fixed\", got " << mode;
      if (modeStr.getValue() == "fixed") {
        size_t channels = getFloatOrDenseValues(op->getAttr("scale")).size();
        std::vector<int64_t> multipliers =
            getIntOrDenseValues(op->getAttr("multiplier"));
        std::vector<int64_t> shifts = getIntOrDenseValues(op->getAttr("shift"));
        if (multipliers.size() != channels || shifts.size() != channels)
          return err << "fixed mode needs 'multiplier' and 'shift' with one "
                        "value per scale";
        for (size_t i = 0; i < channels; ++i)
          if (multipliers[i] < 0 || multipliers[i] > INT32_MAX ||
              shifts[i] < -31 || shifts[i] > 31)
            return err << "fixed-point multiplier " << multipliers[i]
                       << " or shift " << shifts[i] << " out of range";
      }
    }
    return input.clone(intType);
  }

  if (op->isa<QConvOp>() || op->isa<ConvOp>()) {
    bool quantized = op->isa<QConvOp>();
    if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
      return err << "takes an input, a weight and an optional bias, got "
                 << op->getNumOperands() << " operands";
    TensorType x = operandTensor(0), w = operandTensor(1);
    if (quantized) {
      if (!x.getElementType().isInteger() || !w.getElementType().isInteger())
        return err << "input and weight must be integer tensors, got "
                   << Type(x) << " and " << Type(w);
    } else if (!x.getElementType().isF32() || !w.getElementType().isF32()) {
      return err << "input and weight must be f32 tensors, got " << Type(x)
                 << " and " << Type(w);
    }
    if (!checkWindowAttrs(op, /*needKernel=*/false, error))
      return Type();
    if (auto kernel = op->getAttr("kernel_shape"))
      return err << "takes the kernel shape from the weight, not from "
                    "'kernel_shape'";
    int64_t group = getI64(op, "group", 1);
    Window window = readWindow(op, {w.getRank() == 4 ? w.getDimSize(2) : 1,
                                    w.getRank() == 4 ? w.getDimSize(3) : 1});
    auto shape = inferConvShape(x.getShape(), w.getShape(), window, group, error);
    if (!shape)
      return Type();
    int64_t m = w.getDimSize(0);
    if (op->getNumOperands() == 3) {
      TensorType bias = operandTensor(2);
      Type biasElement = quantized ? Type(i32) : Type(f32);
      if (bias.getElementType() != biasElement || bias.getRank() != 1 ||
          (bias.getDimSize(0) != m && m != TensorType::kDynamic))
        return err << "bias must be " << Type(TensorType::get({m}, biasElement))
                   << ", got " << Type(bias);
    }
    if (quantized) {
      if (!checkZeroPoint(op, "x_zp", x.getElementType(), error) ||
          !checkZeroPoint(op, "w_zp", w.getElementType(), error,
                          /*allowPerChannel=*/true, m))
        return Type();
      return TensorType::get(*shape, i32);
    }
    return TensorType::get(*shape, f32);
  }

  if (op->isa<QMatMulOp>() || op->isa<MatMulOp>()) {
    bool quantized = op->isa<QMatMulOp>();
    if (quantized && (op->getNumOperands() < 2 || op->getNumOperands() > 3))
      return err << "takes two operands and an optional bias, got "
                 << op->getNumOperands();
    TensorType a = operandTensor(0), b = operandTensor(1);
    if (quantized ? (!a.getElementType().isInteger() ||
                     !b.getElementType().isInteger())
                  : (!a.getElementType().isF32() || !b.getElementType().isF32()))
      return err << "operands must be " << (quantized ? "integer" : "f32")
                 << " tensors, got " << Type(a) << " and " << Type(b);
    auto shape = inferMatMulShape(a.getShape(), b.getShape(), error);
    if (!shape)
      return Type();
    if (!quantized)
      return TensorType::get(*shape, f32);
    int64_t n = b.getShape().back();
    if (op->getNumOperands() == 3) {
      TensorType bias = operandTensor(2);
      if (bias.getElementType() != Type(i32) || bias.getRank() != 1 ||
          (bias.getDimSize(0) != n && n != TensorType::kDynamic))
        return err << "bias must be " << Type(TensorType::get({n}, i32))
                   << ", got " << Type(bias);
    }
    if (!checkZeroPoint(op, "a_zp", a.getElementType(), error) ||
        !checkZeroPoint(op, "b_zp", b.getElementType(), error,
                        /*allowPerChannel=*/true, n))
      return Type();
    return TensorType::get(*shape, i32);
  }

  if (op->isa<QAddOp>()) {
    TensorType a = operandTensor(0), b = operandTensor(1);
    if (!a.getElementType().isInteger() || !b.getElementType().isInteger())
      return err << "operands must be integer tensors";
    auto intType = declared ? declared.getElementType().dyn_cast<IntegerType>()
                            : IntegerType();
    if (!intType)
      return err << "result must be a tensor of integers";
    for (const char *name : {"lhs_scale", "rhs_scale"}) {
      auto scale = op->getAttrOfType<FloatAttr>(name);
      if (!scale || !(scale.getValue() > 0))
        return err << "needs a positive f32 '" << name << "'";
    }
    if (!checkZeroPoint(op, "lhs_zp", a.getElementType(), error) ||
        !checkZeroPoint(op, "rhs_zp", b.getElementType(), error) ||
        !checkZeroPoint(op, "zp", intType, error))
      return Type();
    auto shape = getBroadcastShape(a.getShape(), b.getShape());
    if (!shape)
      return err << "operand shapes " << Type(a) << " and " << Type(b)
                 << " do not broadcast";
    return TensorType::get(*shape, intType);
  }

  if (op->isa<QAvgPoolOp>() || op->isa<MaxPoolOp>() || op->isa<AvgPoolOp>()) {
    TensorType x = operandTensor(0);
    Type element = x.getElementType();
    if (op->isa<QAvgPoolOp>() && !element.isInteger())
      return err << "input must be an integer tensor, got " << Type(x);
    if (op->isa<AvgPoolOp>() && !element.isFloat())
      return err << "input must be a float tensor, got " << Type(x);
    if (op->isa<MaxPoolOp>() && !element.isInteger() && !element.isFloat())
      return err << "input must hold integers or floats, got " << Type(x);
    if (!checkWindowAttrs(op, /*needKernel=*/true, error))
      return Type();
    Window window = readWindow(op, getI64Array(op, "kernel_shape"));
    auto shape = inferPoolShape(x.getShape(), window, error);
    if (!shape)
      return Type();
    if (op->isa<QAvgPoolOp>()) {
      if (!checkZeroPoint(op, "x_zp", element, error))
        return Type();
      return TensorType::get(*shape, i32);
    }
    return TensorType::get(*shape, element);
  }

  if (op->isa<GlobalAvgPoolOp>()) {
    TensorType x = operandTensor(0);
    if (!x.getElementType().isFloat() || x.getRank() < 3)
      return err << "input must be a float tensor of rank 3 or more, got "
                 << Type(x);
    Shape shape(x.getShape().begin(), x.getShape().end());
    for (size_t i = 2; i < shape.size(); ++i)
      shape[i] = 1;
    return TensorType::get(shape, x.getElementType());
  }

  if (op->isa<GemmOp>()) {
    if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
      return err << "takes A, B and an optional C";
    TensorType a = operandTensor(0), b = operandTensor(1);
    if (a.getRank() != 2 || b.getRank() != 2 || !a.getElementType().isF32() ||
        !b.getElementType().isF32())
      return err << "A and B must be 2-D f32 tensors, got " << Type(a)
                 << " and " << Type(b);
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
      TensorType c = operandTensor(2);
      auto shape = getBroadcastShape({m, n}, c.getShape());
      if (!c.getElementType().isF32() || c.getRank() > 2 || !shape ||
          llvm::ArrayRef<int64_t>(*shape) != llvm::ArrayRef<int64_t>({m, n}))
        return err << "C " << Type(c) << " does not broadcast to [" << m
                   << ", " << n << "]";
    }
    return TensorType::get({m, n}, f32);
  }

  if (op->isa<BatchNormOp>()) {
    TensorType x = operandTensor(0);
    if (!x.getElementType().isFloat() || x.getRank() < 2)
      return err << "input must be a float tensor of rank 2 or more";
    int64_t c = x.getDimSize(1);
    for (unsigned i = 1; i < 5; ++i) {
      TensorType param = operandTensor(i);
      if (param.getRank() != 1 || param.getElementType() != x.getElementType() ||
          (param.getDimSize(0) != c && c != TensorType::kDynamic))
        return err << "operand #" << i << " must be "
                   << Type(TensorType::get({c}, x.getElementType()))
                   << ", got " << Type(param);
    }
    return x;
  }

  if (op->isa<SoftmaxOp>()) {
    TensorType x = operandTensor(0);
    if (!x.getElementType().isFloat())
      return err << "input must be a float tensor";
    int64_t axis = getI64(op, "axis", -1);
    if (!normalizeAxis(axis, x.getRank()))
      return err << "'axis' " << getI64(op, "axis", -1)
                 << " is out of range for " << Type(x);
    return x;
  }

  if (op->isa<ReshapeOp>()) {
    TensorType x = operandTensor(0);
    auto target = op->getAttrOfType<ArrayAttr>("shape");
    std::vector<int64_t> dims;
    if (!target || !target.getAsInts(dims))
      return err << "needs a 'shape' array of integers";
    auto shape = inferReshapeShape(x.getShape(), dims, error);
    if (!shape)
      return Type();
    // Dimensions the input leaves dynamic may be known from the declared
    // type (the importer gets them from ONNX shape inference).
    if (declared && declared.getRank() == shape->size())
      for (size_t i = 0; i < shape->size(); ++i)
        if ((*shape)[i] == TensorType::kDynamic)
          (*shape)[i] = declared.getDimSize(i);
    return TensorType::get(*shape, x.getElementType());
  }

  if (op->isa<TransposeOp>()) {
    TensorType x = operandTensor(0);
    int64_t rank = x.getRank();
    std::vector<int64_t> defaultPerm;
    for (int64_t i = rank - 1; i >= 0; --i)
      defaultPerm.push_back(i);
    std::vector<int64_t> perm = getI64Array(op, "perm", defaultPerm);
    std::vector<bool> seen(rank, false);
    if (int64_t(perm.size()) != rank)
      return err << "'perm' must have " << rank << " entries";
    Shape shape;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank || seen[p])
        return err << "'perm' must be a permutation of 0.." << rank - 1;
      seen[p] = true;
      shape.push_back(x.getDimSize(p));
    }
    return TensorType::get(shape, x.getElementType());
  }

  if (op->isa<ConcatOp>()) {
    if (op->getNumOperands() == 0)
      return err << "needs at least one operand";
    TensorType first = operandTensor(0);
    int64_t axis = getI64(op, "axis", 0);
    if (!normalizeAxis(axis, first.getRank()))
      return err << "'axis' " << getI64(op, "axis", 0)
                 << " is out of range for " << Type(first);
    Shape shape(first.getShape().begin(), first.getShape().end());
    for (unsigned i = 1, e = op->getNumOperands(); i < e; ++i) {
      TensorType next = operandTensor(i);
      if (next.getElementType() != first.getElementType() ||
          next.getRank() != first.getRank())
        return err << "operand #" << i << " " << Type(next)
                   << " differs in element type or rank from " << Type(first);
      for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
        int64_t dim = next.getDimSize(d);
        if (d == axis) {
          shape[d] = (shape[d] == TensorType::kDynamic ||
                      dim == TensorType::kDynamic)
                         ? TensorType::kDynamic
                         : shape[d] + dim;
        } else if (shape[d] != dim && shape[d] != TensorType::kDynamic &&
                   dim != TensorType::kDynamic) {
          return err << "operand #" << i << " " << Type(next)
                     << " differs from " << Type(first)
                     << " outside the concatenation axis";
        }
      }
    }
    return TensorType::get(shape, first.getElementType());
  }

  if (op->isa<PadOp>()) {
    TensorType x = operandTensor(0);
    std::vector<int64_t> pads = getI64Array(op, "pads");
    int64_t rank = x.getRank();
    if (int64_t(pads.size()) != 2 * rank)
      return err << "'pads' must have " << 2 * rank << " entries";
    for (int64_t pad : pads)
      if (pad < 0)
        return err << "negative pads (cropping) are not supported";
    auto mode = op->getAttrOfType<StringAttr>("mode");
    if (op->getAttr("mode") &&
        (!mode || (mode.getValue() != "constant" &&
                   mode.getValue() != "reflect" && mode.getValue() != "edge")))
      return err << "'mode' must be \"constant\", \"reflect\" or \"edge\"";
    if (Attribute value = op->getAttr("value")) {
      bool ok = x.getElementType().isFloat() ? value.isa<FloatAttr>()
                                             : value.isa<IntegerAttr>();
      if (!ok)
        return err << "'value' must have the element type's kind, got "
                   << value;
      auto intType = x.getElementType().dyn_cast<IntegerType>();
      if (intType && !fitsType(intType, value.cast<IntegerAttr>().getInt()))
        return err << "'value' " << value.cast<IntegerAttr>().getInt()
                   << " does not fit " << Type(intType);
    }
    Shape shape;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t dim = x.getDimSize(d);
      shape.push_back(dim == TensorType::kDynamic
                          ? dim
                          : dim + pads[d] + pads[d + rank]);
      if (mode && mode.getValue() == "reflect" && dim != TensorType::kDynamic &&
          (pads[d] >= dim || pads[d + rank] >= dim) &&
          (pads[d] || pads[d + rank]))
        return err << "reflect padding must be smaller than the dimension";
    }
    return TensorType::get(shape, x.getElementType());
  }

  return err << "has no type rule";
}

/// Declared and inferred types agree when element types match and every
/// dimension matches or one of them is dynamic.
static bool isCompatible(Type declared, Type inferred) {
  auto a = declared.dyn_cast<TensorType>();
  auto b = inferred.dyn_cast<TensorType>();
  if (!a || !b)
    return declared == inferred;
  if (a.getElementType() != b.getElementType() || a.getRank() != b.getRank())
    return false;
  for (unsigned i = 0; i < a.getRank(); ++i)
    if (a.getDimSize(i) != b.getDimSize(i) &&
        a.getDimSize(i) != TensorType::kDynamic &&
        b.getDimSize(i) != TensorType::kDynamic)
      return false;
  return true;
}

/// The verifier of every nn op: the type rule must accept the op and agree
/// with the declared result type.
static LogicalResult verifyByTypeRule(Operation *op) {
  std::string error;
  Type expected = inferResultType(op, error);
  if (!expected)
    return op->emitOpError() << error;
  Type declared = op->getResult(0)->getType();
  if (!isCompatible(declared, expected))
    return op->emitOpError() << "result type " << declared << " should be "
                             << expected;
  return success();
}

//===----------------------------------------------------------------------===//
// Per-op hooks and builders
//===----------------------------------------------------------------------===//

LogicalResult ConstOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult ElementwiseBinaryOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult ReluOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult ClipOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult CastOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult QuantizeOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult DequantizeOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult RequantizeOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult QConvOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult QMatMulOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult QAddOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult QAvgPoolOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult ConvOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult MatMulOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult GemmOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult BatchNormOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult SoftmaxOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult MaxPoolOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult AvgPoolOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult GlobalAvgPoolOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult ReshapeOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult TransposeOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult ConcatOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult PadOp::verify(Operation *op) { return verifyByTypeRule(op); }

Type ElementwiseBinaryOp::inferResultType(Type lhs, Type rhs) {
  auto lhsTensor = lhs.dyn_cast<TensorType>();
  auto rhsTensor = rhs.dyn_cast<TensorType>();
  if (!lhsTensor || !rhsTensor ||
      lhsTensor.getElementType() != rhsTensor.getElementType())
    return Type();
  auto shape = getBroadcastShape(lhsTensor.getShape(), rhsTensor.getShape());
  if (!shape)
    return Type();
  return TensorType::get(*shape, lhsTensor.getElementType());
}

/// Creates an op whose result type comes from its type rule; asserts the
/// rule accepts it (builders are for callers that already checked).
static Operation *createTyped(OpBuilder &builder, Location loc,
                              const OpInfo &info,
                              llvm::ArrayRef<Value *> operands,
                              llvm::ArrayRef<NamedAttribute> attrs,
                              Type declared) {
  Operation *op = builder.create(loc, info, {declared}, operands, attrs);
  std::string error;
  Type type = inferResultType(op, error);
  assert(type && "builder arguments violate the op's type rule");
  op->getResult(0)->setType(type);
  return op;
}

ConstOp ConstOp::build(OpBuilder &builder, Location loc,
                       DenseElementsAttr value) {
  return ConstOp(builder.create(loc, Info, {value.getType()}, {},
                                {builder.getNamedAttr("value", value)}));
}

AddOp AddOp::build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs) {
  return AddOp(createTyped(builder, loc, Info, {lhs, rhs}, {}, lhs->getType()));
}

MulOp MulOp::build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs) {
  return MulOp(createTyped(builder, loc, Info, {lhs, rhs}, {}, lhs->getType()));
}

ReluOp ReluOp::build(OpBuilder &builder, Location loc, Value *input) {
  return ReluOp(builder.create(loc, Info, {input->getType()}, {input}));
}

ClipOp ClipOp::build(OpBuilder &builder, Location loc, Value *input,
                     Attribute min, Attribute max) {
  llvm::SmallVector<NamedAttribute, 2> attrs;
  if (min)
    attrs.push_back(builder.getNamedAttr("min", min));
  if (max)
    attrs.push_back(builder.getNamedAttr("max", max));
  return ClipOp(builder.create(loc, Info, {input->getType()}, {input}, attrs));
}

CastOp CastOp::build(OpBuilder &builder, Location loc, Value *input,
                     Type elementType) {
  Type type = input->getType().cast<TensorType>().clone(elementType);
  return CastOp(builder.create(loc, Info, {type}, {input}));
}

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

QuantizeOp QuantizeOp::build(OpBuilder &builder, Location loc, Value *input,
                             TensorType resultType, Attribute scale,
                             Attribute zp, int64_t axis) {
  return QuantizeOp(createTyped(builder, loc, Info, {input},
                                quantAttrs(builder, scale, zp, axis),
                                resultType));
}

DequantizeOp DequantizeOp::build(OpBuilder &builder, Location loc, Value *input,
                                 Attribute scale, Attribute zp, int64_t axis) {
  return DequantizeOp(createTyped(builder, loc, Info, {input},
                                  quantAttrs(builder, scale, zp, axis),
                                  input->getType()));
}

RequantizeOp RequantizeOp::build(OpBuilder &builder, Location loc,
                                 Value *input, TensorType resultType,
                                 Attribute scale, int64_t zp, int64_t axis) {
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

QConvOp QConvOp::build(OpBuilder &builder, Location loc, Value *x, Value *w,
                       Value *bias, const Window &window, int64_t group,
                       int64_t xZp, Attribute wZp) {
  Context &ctx = builder.getContext();
  llvm::SmallVector<Value *, 3> operands = {x, w};
  if (bias)
    operands.push_back(bias);
  llvm::SmallVector<NamedAttribute, 8> attrs = {
      builder.getNamedAttr("dilations", ArrayAttr::getI64(ctx, window.dilations)),
      builder.getNamedAttr("group", builder.getI64Attr(group)),
      builder.getNamedAttr("pads", ArrayAttr::getI64(ctx, window.pads)),
      builder.getNamedAttr("strides", ArrayAttr::getI64(ctx, window.strides)),
      builder.getNamedAttr("w_zp", wZp ? wZp : builder.getI64Attr(0)),
      builder.getNamedAttr("x_zp", builder.getI64Attr(xZp))};
  return QConvOp(createTyped(builder, loc, Info, operands, attrs, x->getType()));
}

QMatMulOp QMatMulOp::build(OpBuilder &builder, Location loc, Value *a,
                           Value *b, Value *bias, int64_t aZp, Attribute bZp) {
  llvm::SmallVector<Value *, 3> operands = {a, b};
  if (bias)
    operands.push_back(bias);
  llvm::SmallVector<NamedAttribute, 2> attrs = {
      builder.getNamedAttr("a_zp", builder.getI64Attr(aZp)),
      builder.getNamedAttr("b_zp", bZp ? bZp : builder.getI64Attr(0))};
  return QMatMulOp(
      createTyped(builder, loc, Info, operands, attrs, a->getType()));
}

ReshapeOp ReshapeOp::build(OpBuilder &builder, Location loc, Value *input,
                           llvm::ArrayRef<int64_t> shape) {
  return ReshapeOp(createTyped(
      builder, loc, Info, {input},
      {builder.getNamedAttr("shape",
                            ArrayAttr::getI64(builder.getContext(), shape))},
      input->getType()));
}

TransposeOp TransposeOp::build(OpBuilder &builder, Location loc, Value *input,
                               llvm::ArrayRef<int64_t> perm) {
  return TransposeOp(createTyped(
      builder, loc, Info, {input},
      {builder.getNamedAttr("perm",
                            ArrayAttr::getI64(builder.getContext(), perm))},
      input->getType()));
}

ConcatOp ConcatOp::build(OpBuilder &builder, Location loc,
                         llvm::ArrayRef<Value *> inputs, int64_t axis) {
  return ConcatOp(createTyped(builder, loc, Info, inputs,
                              {builder.getNamedAttr("axis",
                                                    builder.getI64Attr(axis))},
                              inputs[0]->getType()));
}

QuantParams QuantParams::get(Operation *op) {
  QuantParams params;
  params.scales = getFloatOrDenseValues(op->getAttr("scale"));
  params.zeroPoints = getIntOrDenseValues(op->getAttr("zp"));
  params.axis = getI64(op, "axis", 1);
  if (params.axis < 0 && op->getNumOperands())
    if (auto type = op->getOperand(0)->getType().dyn_cast<TensorType>())
      params.axis += type.getRank();
  return params;
}

Window QConvOp::getWindow() const {
  auto w = op->getOperand(1)->getType().cast<TensorType>();
  return readWindow(op, {w.getDimSize(2), w.getDimSize(3)});
}
Window ConvOp::getWindow() const {
  auto w = op->getOperand(1)->getType().cast<TensorType>();
  return readWindow(op, {w.getDimSize(2), w.getDimSize(3)});
}
Window QAvgPoolOp::getWindow() const {
  return readWindow(op, getI64Array(op, "kernel_shape"));
}
Window MaxPoolOp::getWindow() const {
  return readWindow(op, getI64Array(op, "kernel_shape"));
}
Window AvgPoolOp::getWindow() const {
  return readWindow(op, getI64Array(op, "kernel_shape"));
}

float GemmOp::getAlpha() const {
  auto attr = op->getAttrOfType<FloatAttr>("alpha");
  return attr ? float(attr.getValue()) : 1.0f;
}
float GemmOp::getBeta() const {
  auto attr = op->getAttrOfType<FloatAttr>("beta");
  return attr ? float(attr.getValue()) : 1.0f;
}
float BatchNormOp::getEpsilon() const {
  auto attr = op->getAttrOfType<FloatAttr>("epsilon");
  return attr ? float(attr.getValue()) : 1e-5f;
}
