//===- HandlerSupport.cpp - Reading nodes, building ops -------------------===//
//
// What handlers call: reading the current node (inputs, constant inputs,
// attributes) with precise errors at the node, and building nn ops typed by
// their type rules, refined by ONNX shape inference.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Support/ByteSize.h"

#include <cmath>

using namespace ohm;
using namespace ohm::nn;
using namespace ohm::onnx_frontend;

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

Location Importer::nodeLoc() {
  std::string nodeName = node->name();
  if (nodeName.empty() && node->output_size())
    nodeName = node->output(0);
  return NameLoc::get(ctx, nodeName);
}

InFlightDiagnostic Importer::emitNodeError() {
  std::string nodeName = node->name();
  if (nodeName.empty() && node->output_size())
    nodeName = node->output(0);
  // Ops of other domains say which: (com.microsoft.QGemm, opset 1).
  std::string domain = normalizeDomain(node->domain());
  std::string opName =
      domain.empty() ? node->op_type() : domain + "." + node->op_type();
  std::string where = "node '" + nodeName + "' (" + opName + ", opset " +
                      std::to_string(nodeOpset) + ")";
  return emitError(NameLoc::get(where, modelLoc()));
}

//===----------------------------------------------------------------------===//
// Reading nodes
//===----------------------------------------------------------------------===//

size_t Importer::numInputs() const { return node->input_size(); }

bool Importer::hasInput(size_t i) const {
  return i < size_t(node->input_size()) && !node->input(i).empty();
}

Value *Importer::input(size_t i) {
  if (!hasInput(i)) {
    emitNodeError() << "missing input #" << unsigned(i);
    return nullptr;
  }
  const std::string &tensorName = node->input(i);
  auto it = values.find(tensorName);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(tensorName);
  if (init != initializers.end()) {
    std::string error;
    DenseElementsAttr attr = tensorToAttr(ctx, *init->second, error);
    if (!attr) {
      emitNodeError() << error;
      return nullptr;
    }
    // Initializers become constants at their first use.
    Value *value = constant(attr, tensorName);
    if (value)
      values[tensorName] = value;
    return value;
  }
  emitNodeError() << "input '" << tensorName
                  << "' is not a graph input, an initializer or the output "
                     "of an earlier node";
  return nullptr;
}

TensorType Importer::inputType(size_t i) {
  Value *value = input(i);
  return value ? value->getType().cast<TensorType>() : TensorType();
}

DenseElementsAttr Importer::constantInput(size_t i, llvm::StringRef what) {
  DenseElementsAttr attr = constantInputImpl(i, what);
  // Parameters (scales, zero points, shapes, bounds) are small vectors.
  if (attr && attr.getNumElements() > kMaxChannelParams) {
    emitNodeError() << what << " has " << attr.getNumElements()
                    << " elements; at most " << kMaxChannelParams
                    << " are supported";
    return DenseElementsAttr();
  }
  return attr;
}

DenseElementsAttr Importer::constantInputImpl(size_t i, llvm::StringRef what) {
  if (!hasInput(i)) {
    emitNodeError() << "missing " << what << " (input #" << unsigned(i) << ")";
    return DenseElementsAttr();
  }
  const std::string &tensorName = node->input(i);
  auto frozen = options.frozenInputs.find(tensorName);
  if (graphInputs.count(tensorName) && frozen != options.frozenInputs.end()) {
    frozenNames.insert(tensorName);
    return frozen->second;
  }
  Value *value = input(i);
  if (!value)
    return DenseElementsAttr();
  if (DenseElementsAttr folded = evaluateConstant(value))
    return folded;
  emitNodeError() << what << " '" << tensorName
                  << "' must be a constant (an initializer or a Constant "
                     "node)";
  return DenseElementsAttr();
}

bool Importer::constantInts(size_t i, llvm::StringRef what,
                            std::vector<int64_t> &out) {
  DenseElementsAttr attr = constantInput(i, what);
  if (!attr)
    return false;
  if (!attr.getElementType().isInteger() || attr.getType().getRank() > 1) {
    emitNodeError() << what << " must be a scalar or 1-D integer tensor, got "
                    << Type(attr.getType());
    return false;
  }
  out = attr.getInts();
  return true;
}

bool Importer::constantFloats(size_t i, llvm::StringRef what,
                              std::vector<float> &out) {
  DenseElementsAttr attr = constantInput(i, what);
  if (!attr)
    return false;
  if (!attr.getElementType().isF32() || attr.getType().getRank() > 1) {
    emitNodeError() << what << " must be a scalar or 1-D f32 tensor, got "
                    << Type(attr.getType());
    return false;
  }
  out.clear();
  for (double value : attr.getDoubles())
    out.push_back(float(value));
  for (float value : out)
    if (!(value > 0) || !std::isfinite(value)) {
      emitNodeError() << what << " must be positive and finite, got "
                      << double(value);
      return false;
    }
  return true;
}

bool Importer::zeroPointInput(size_t i, llvm::StringRef what,
                              std::vector<int64_t> &values, Type &type) {
  if (!hasInput(i)) {
    values = {0};
    return true;
  }
  DenseElementsAttr attr = constantInput(i, what);
  if (!attr)
    return false;
  if (!attr.getElementType().isInteger() || attr.getType().getRank() > 1) {
    emitNodeError() << what << " must be a scalar or 1-D integer tensor";
    return false;
  }
  values = attr.getInts();
  type = attr.getElementType();
  return true;
}

bool Importer::quantParams(size_t i, llvm::StringRef name, Type elementType,
                           bool scalar, QuantParams &out) {
  std::string scaleName = (name + "_scale").str();
  std::string zpName = (name + "_zero_point").str();
  out.zpType = elementType;
  if (!constantFloats(i, scaleName, out.scale) ||
      !zeroPointInput(i + 1, zpName, out.zp, out.zpType))
    return false;
  if (out.scale.empty() || out.zp.empty() ||
      (scalar && (out.scale.size() != 1 || out.zp.size() != 1))) {
    emitNodeError() << scaleName << " and " << zpName
                    << " must be scalars (per-tensor)";
    return false;
  }
  return true;
}

const onnx::AttributeProto *Importer::attr(llvm::StringRef attrName) {
  for (const onnx::AttributeProto &a : node->attribute())
    if (a.name() == attrName)
      return &a;
  return nullptr;
}

bool Importer::axisAttr(llvm::StringRef attrName, int64_t dflt, int64_t rank,
                        bool inclusive, int64_t &axis) {
  int64_t value = intAttr(attrName, dflt);
  int64_t last = inclusive ? rank : rank - 1;
  if (value < -rank || value > last) {
    emitNodeError() << attrName << " " << value << " is out of range for rank "
                    << rank;
    return false;
  }
  axis = value < 0 ? value + rank : value;
  return true;
}

int64_t Importer::intAttr(llvm::StringRef attrName, int64_t dflt) {
  const onnx::AttributeProto *a = attr(attrName);
  return a ? a->i() : dflt;
}

float Importer::floatAttr(llvm::StringRef attrName, float dflt) {
  const onnx::AttributeProto *a = attr(attrName);
  return a ? a->f() : dflt;
}

std::string Importer::stringAttr(llvm::StringRef attrName,
                                 llvm::StringRef dflt) {
  const onnx::AttributeProto *a = attr(attrName);
  return a ? a->s() : dflt.str();
}

std::vector<int64_t> Importer::intsAttr(llvm::StringRef attrName,
                                        std::vector<int64_t> dflt) {
  const onnx::AttributeProto *a = attr(attrName);
  if (!a)
    return dflt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

LogicalResult Importer::expectOutputs(size_t count) {
  for (size_t i = count; i < size_t(node->output_size()); ++i)
    if (!node->output(i).empty())
      return emitNodeError() << "output #" << unsigned(i) << " ('"
                             << node->output(i) << "') is not supported";
  return success();
}

LogicalResult Importer::readWindow(TensorType x, llvm::ArrayRef<int64_t> kernel,
                                   Window &window, bool pool) {
  if (x.getRank() != 4)
    return emitNodeError() << "only 2-D " << (pool ? "pooling" : "convolution")
                           << " (4-D input N, C, H, W) is supported, got "
                           << Type(x);
  window.kernel.assign(kernel.begin(), kernel.end());
  if (window.kernel.size() != 2)
    return emitNodeError() << "'kernel_shape' must have 2 values for a 2-D "
                           << (pool ? "pooling" : "convolution") << ", got "
                           << unsigned(window.kernel.size());
  if (!pool) {
    // ONNX allows kernel_shape on convolutions; it must match the weight.
    std::vector<int64_t> declared = intsAttr("kernel_shape", window.kernel);
    if (declared != window.kernel)
      return emitNodeError() << "'kernel_shape' disagrees with the weight's "
                                "spatial dimensions";
  }
  window.strides = intsAttr("strides", {1, 1});
  window.dilations = intsAttr("dilations", {1, 1});
  window.pads = intsAttr("pads", {0, 0, 0, 0});
  window.ceilMode = intAttr("ceil_mode", 0) != 0;
  if (window.strides.size() != 2 || window.dilations.size() != 2 ||
      window.pads.size() != 4)
    return emitNodeError() << "'strides' and 'dilations' need 2 values and "
                              "'pads' 4 for a 2-D window";
  std::string autoPad = stringAttr("auto_pad", "NOTSET");
  if (autoPad == "NOTSET")
    return success();
  if (autoPad == "VALID") {
    window.pads = {0, 0, 0, 0};
    return success();
  }
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return emitNodeError() << "unknown auto_pad '" << autoPad << "'";
  for (unsigned i = 0; i < 2; ++i) {
    int64_t in = x.getDimSize(2 + i);
    if (in == TensorType::kDynamic)
      return emitNodeError()
             << "auto_pad " << autoPad << " needs static spatial dimensions";
    int64_t stride = window.strides[i];
    if (stride < 1 || window.dilations[i] < 1 || window.kernel[i] < 1)
      return emitNodeError() << "auto_pad " << autoPad
                             << " needs positive strides, dilations and "
                                "kernel sizes";
    // out = ceil(in / stride); (out - 1) * stride <= in - 1 cannot
    // overflow, the kernel's extent can (the file chooses it).
    int64_t out = in == 0 ? 0 : (in - 1) / stride + 1;
    std::optional<int64_t> extent =
        checked::mul(window.kernel[i] - 1, window.dilations[i]);
    std::optional<int64_t> reach =
        extent
            ? checked::add(std::max<int64_t>(out - 1, 0) * stride, *extent + 1)
            : std::nullopt;
    if (!reach || *reach > TensorType::kMaxElements)
      return emitNodeError()
             << "the window's extent (kernel " << window.kernel[i]
             << ", dilation " << window.dilations[i] << ") exceeds 2^40";
    int64_t total = std::max<int64_t>(0, *reach - in);
    int64_t small = total / 2, large = total - small;
    window.pads[i] = autoPad == "SAME_UPPER" ? small : large;
    window.pads[i + 2] = autoPad == "SAME_UPPER" ? large : small;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

Type Importer::inferredType(const std::string &tensorName) {
  auto it = inferredTypes.find(tensorName);
  if (it == inferredTypes.end())
    return Type();
  std::string ignored;
  return convertType(ctx, *it->second, ignored);
}

Operation *Importer::create(const OpInfo &info,
                            llvm::ArrayRef<Value *> operands,
                            llvm::ArrayRef<NamedAttribute> attrs, Type declared,
                            int outputIndex) {
  for (Value *operand : operands)
    if (!operand)
      return nullptr;
  // The type rule may read the declared result type (element type of
  // quantize, requantize, cast): start from it, else from operand 0.
  Type start = declared           ? declared
               : operands.empty() ? Type(FloatType::getF32(ctx))
                                  : operands[0]->getType();
  Operation *op = builder.create(nodeLoc(), info, {start}, operands, attrs);
  std::string error;
  Type type = inferResultType(op, error);
  if (!type) {
    op->erase();
    emitNodeError() << error;
    return nullptr;
  }
  // Refine dynamic dimensions from ONNX shape inference, and check it agrees.
  if (outputIndex >= 0 && outputIndex < node->output_size()) {
    auto ours = type.cast<TensorType>();
    auto theirs =
        inferredType(node->output(outputIndex)).dyn_cast_or_null<TensorType>();
    if (theirs && theirs.getRank() == ours.getRank() &&
        theirs.getElementType() == ours.getElementType()) {
      std::vector<int64_t> shape(ours.getShape().begin(),
                                 ours.getShape().end());
      for (size_t d = 0; d < shape.size(); ++d) {
        int64_t them = theirs.getDimSize(d);
        if (shape[d] == TensorType::kDynamic)
          shape[d] = them;
        else if (them != TensorType::kDynamic && them != shape[d]) {
          op->erase();
          emitNodeError() << "the model gives output '"
                          << node->output(outputIndex) << "' the shape "
                          << shapeToString(theirs.getShape())
                          << " (declared, or inferred by ONNX) but ohm "
                             "computes "
                          << shapeToString(ours.getShape());
          return nullptr;
        }
      }
      type = TensorType::get(shape, ours.getElementType());
    }
  }
  op->getResult(0)->setType(type);
  return op;
}

/// The bytes one element of `type` takes in memory.
static uint64_t getElementBytes(Type type) {
  if (auto integer = type.dyn_cast<IntegerType>())
    return (integer.getWidth() + 7) / 8;
  if (auto real = type.dyn_cast<FloatType>())
    return real.getStorageBytes();
  return 8;
}

Value *Importer::constant(DenseElementsAttr value, llvm::StringRef hint) {
  // Splats (ConstantOfShape) are small until something materializes them:
  // the limit counts what every constant would take.
  TensorType type = value.getType();
  uint64_t bytes =
      uint64_t(type.getNumElements()) * getElementBytes(type.getElementType());
  if (bytes > options.maxConstantBytes ||
      constantBytes > options.maxConstantBytes - bytes) {
    InFlightDiagnostic diag = node ? emitNodeError() : emitModelError();
    diag << "constant ";
    if (!hint.empty())
      diag << "'" << hint << "' ";
    diag << "(" << Type(type) << ") takes " << formatByteSize(bytes);
    if (bytes <= options.maxConstantBytes)
      diag << ", and with it the model's constants take "
           << formatByteSize(constantBytes + bytes);
    diag << ": over the limit of " << formatByteSize(options.maxConstantBytes)
         << " (raise it with --max-constant-bytes)";
    return nullptr;
  }
  constantBytes += bytes;
  Location loc = hint.empty() ? (node ? nodeLoc() : modelLoc())
                              : Location(NameLoc::get(ctx, hint));
  ConstOp op = ConstOp::build(builder, loc, value);
  if (!hint.empty())
    op.getResult()->setNameHint(hint);
  return op.getResult();
}

LogicalResult Importer::bind(size_t outputIndex, Value *value) {
  if (!value)
    return failure();
  if (outputIndex >= size_t(node->output_size()) ||
      node->output(outputIndex).empty())
    return success();
  const std::string &tensorName = node->output(outputIndex);
  // Values forwarded as they are (Identity, a Cast to the same type) keep
  // the name they already have; the ONNX name becomes an alias.
  if (value->getNameHint().empty())
    value->setNameHint(tensorName);
  values[tensorName] = value;
  return success();
}

Attribute Importer::scaleAttr(llvm::ArrayRef<float> scales) {
  auto f32 = FloatType::getF32(ctx);
  if (scales.size() == 1)
    return FloatAttr::get(f32, scales[0]);
  std::vector<double> values(scales.begin(), scales.end());
  return DenseElementsAttr::getFromDoubles(
      TensorType::get({int64_t(scales.size())}, f32), values);
}

Attribute Importer::zpAttr(llvm::ArrayRef<int64_t> zps, Type type) {
  if (zps.size() <= 1)
    return IntegerAttr::get(ctx, zps.empty() ? 0 : zps[0]);
  return DenseElementsAttr::getFromInts(
      TensorType::get({int64_t(zps.size())}, type), zps);
}

DenseElementsAttr Importer::evaluateConstant(Value *value) {
  auto cached = constantCache.find(value);
  if (cached != constantCache.end())
    return cached->second;
  DenseElementsAttr result;
  Operation *def = value->getDefiningOp();
  if (def && def->isa<ConstOp>()) {
    result = ConstOp(def).getValue();
  } else if (def && interp::canEvaluate(def) && def->hasTrait(OpTrait::Pure)) {
    // Only small parameter tensors (scales, zero points, shapes) are
    // evaluated here; anything large is left to constant folding.
    constexpr int64_t kMaxElements = int64_t(1) << 20;
    std::vector<interp::Tensor> operands;
    auto resultType = value->getType().cast<TensorType>();
    bool allConstant = resultType.hasStaticShape() &&
                       resultType.getNumElements() <= kMaxElements;
    for (Value *operand : def->getOperands()) {
      if (!allConstant)
        break;
      DenseElementsAttr attr = evaluateConstant(operand);
      if (!attr || attr.getNumElements() > kMaxElements) {
        allConstant = false;
        break;
      }
      operands.push_back(interp::Tensor::fromAttr(attr));
    }
    auto type = value->getType().cast<TensorType>();
    if (allConstant && type.hasStaticShape()) {
      llvm::SmallVector<const interp::Tensor *, 4> ptrs;
      for (const interp::Tensor &t : operands)
        ptrs.push_back(&t);
      auto tensor = interp::evaluate(def, ptrs);
      if (tensor)
        result = tensor->toAttr();
      else
        llvm::consumeError(tensor.takeError());
    }
  }
  constantCache[value] = result;
  return result;
}
