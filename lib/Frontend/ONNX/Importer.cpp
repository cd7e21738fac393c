//===- Importer.cpp - ONNX models to nn IR --------------------------------===//
//
// The importer walks the graph in order and calls one handler per node,
// chosen from a table keyed by (domain, op type, since-version), as
// onnx-mlir does. Handlers translate; they do not optimize. A handler reads
// its node through small helpers (inputs, constant inputs, attributes) that
// produce precise errors, creates nn ops typed by nn::inferResultType, and
// binds the node's outputs. Types from ONNX shape inference refine dynamic
// dimensions and are checked against ours.
//
// ONNX and protobuf are confined to this library (DESIGN.md section 3).
//
//===----------------------------------------------------------------------===//

#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Context.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/NN/NNOps.h"
#include "ohm/Support/FileUtilities.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/checker.h>
#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <map>
#include <set>

using namespace ohm;
using namespace ohm::nn;
using namespace ohm::onnx_frontend;

/// Shapes in messages: [1, ?, 3].
static std::string interpShape(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") +
            (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return text + "]";
}

namespace {

//===----------------------------------------------------------------------===//
// Types and tensors
//===----------------------------------------------------------------------===//

/// The ohm element type of an ONNX TensorProto data type, or null.
Type getElementType(Context &ctx, int dataType) {
  using TP = onnx::TensorProto;
  switch (dataType) {
  case TP::FLOAT:
    return FloatType::getF32(ctx);
  case TP::DOUBLE:
    return FloatType::getF64(ctx);
  case TP::FLOAT16:
    return FloatType::getF16(ctx);
  case TP::INT8:
    return IntegerType::get(ctx, 8, true);
  case TP::UINT8:
    return IntegerType::get(ctx, 8, false);
  case TP::INT16:
    return IntegerType::get(ctx, 16, true);
  case TP::UINT16:
    return IntegerType::get(ctx, 16, false);
  case TP::INT32:
    return IntegerType::get(ctx, 32, true);
  case TP::UINT32:
    return IntegerType::get(ctx, 32, false);
  case TP::INT64:
    return IntegerType::get(ctx, 64, true);
  case TP::UINT64:
    return IntegerType::get(ctx, 64, false);
  case TP::BOOL:
    return IntegerType::get(ctx, 1, true);
  default:
    return Type();
  }
}

std::string dataTypeName(int dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

/// Converts a TensorProto to dense elements, or describes the problem.
DenseElementsAttr tensorToAttr(Context &ctx, const onnx::TensorProto &tensor,
                               std::string &error) {
  llvm::raw_string_ostream err(error);
  Type elementType = getElementType(ctx, tensor.data_type());
  if (!elementType) {
    err << "tensor '" << tensor.name() << "' has unsupported element type "
        << dataTypeName(tensor.data_type());
    return DenseElementsAttr();
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    err << "tensor '" << tensor.name()
        << "' keeps its data in an external file, which is not supported";
    return DenseElementsAttr();
  }
  std::vector<int64_t> shape;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0 || (dim > 0 && count > (int64_t(1) << 40) / dim)) {
      err << "tensor '" << tensor.name() << "' has an invalid shape";
      return DenseElementsAttr();
    }
    shape.push_back(dim);
    count *= dim;
  }
  auto type = TensorType::get(shape, elementType);
  unsigned bytes = DenseElementsAttr::getStorageBytes(elementType);

  auto mismatch = [&](int64_t have) {
    err << "tensor '" << tensor.name() << "' holds " << have
        << " values but its shape " << interpShape(shape) << " needs "
        << count;
    return DenseElementsAttr();
  };

  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    // ONNX stores BOOL as one byte; every other type at its natural width,
    // which is our packing as well.
    unsigned onnxBytes = tensor.data_type() == onnx::TensorProto::BOOL ? 1 : bytes;
    if (int64_t(raw.size()) != count * onnxBytes)
      return mismatch(int64_t(raw.size() / std::max(onnxBytes, 1u)));
    std::vector<char> data(raw.begin(), raw.end());
    if (tensor.data_type() == onnx::TensorProto::BOOL)
      for (char &c : data)
        c = c != 0;
    std::string problem = DenseElementsAttr::verifyRawData(type, data);
    if (!problem.empty()) {
      err << "tensor '" << tensor.name() << "': " << problem;
      return DenseElementsAttr();
    }
    if (count == 0)
      return DenseElementsAttr::getFromRawData(type, {});
    return DenseElementsAttr::getFromRawData(type, data);
  }

  using TP = onnx::TensorProto;
  switch (tensor.data_type()) {
  case TP::FLOAT: {
    if (tensor.float_data_size() != count)
      return mismatch(tensor.float_data_size());
    std::vector<double> values(tensor.float_data().begin(),
                               tensor.float_data().end());
    return DenseElementsAttr::getFromDoubles(type, values);
  }
  case TP::DOUBLE: {
    if (tensor.double_data_size() != count)
      return mismatch(tensor.double_data_size());
    std::vector<double> values(tensor.double_data().begin(),
                               tensor.double_data().end());
    return DenseElementsAttr::getFromDoubles(type, values);
  }
  case TP::FLOAT16: {
    if (tensor.int32_data_size() != count)
      return mismatch(tensor.int32_data_size());
    std::vector<char> data(count * 2);
    for (int64_t i = 0; i < count; ++i)
      llvm::support::endian::write16le(&data[i * 2],
                                        uint16_t(tensor.int32_data(i)));
    return DenseElementsAttr::getFromRawData(type, data);
  }
  case TP::INT8:
  case TP::UINT8:
  case TP::INT16:
  case TP::UINT16:
  case TP::INT32:
  case TP::BOOL: {
    if (tensor.int32_data_size() != count)
      return mismatch(tensor.int32_data_size());
    std::vector<int64_t> values(tensor.int32_data().begin(),
                                tensor.int32_data().end());
    auto intType = elementType.cast<IntegerType>();
    for (int64_t &value : values) {
      if (tensor.data_type() == TP::BOOL)
        value = value != 0;
      if (!(intType.isSigned() ? intType.fitsSigned(value)
                               : value >= 0 && intType.fitsUnsigned(value))) {
        err << "tensor '" << tensor.name() << "' holds " << value
            << ", which does not fit " << elementType;
        return DenseElementsAttr();
      }
    }
    return DenseElementsAttr::getFromInts(type, values);
  }
  case TP::INT64: {
    if (tensor.int64_data_size() != count)
      return mismatch(tensor.int64_data_size());
    std::vector<int64_t> values(tensor.int64_data().begin(),
                                tensor.int64_data().end());
    return DenseElementsAttr::getFromInts(type, values);
  }
  case TP::UINT32:
  case TP::UINT64: {
    if (tensor.uint64_data_size() != count)
      return mismatch(tensor.uint64_data_size());
    std::vector<int64_t> values;
    for (uint64_t value : tensor.uint64_data()) {
      if (tensor.data_type() == TP::UINT32 && value > UINT32_MAX) {
        err << "tensor '" << tensor.name() << "' holds " << value
            << ", which does not fit u32";
        return DenseElementsAttr();
      }
      values.push_back(int64_t(value));
    }
    return DenseElementsAttr::getFromInts(type, values);
  }
  default:
    err << "tensor '" << tensor.name() << "' has unsupported element type "
        << dataTypeName(tensor.data_type());
    return DenseElementsAttr();
  }
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

bool isTextFormat(llvm::StringRef name) {
  return name.endswith(".onnxtxt") || name.endswith(".txt");
}

/// Parses `data` into `model`; on failure sets `error`.
bool loadModel(llvm::StringRef data, llvm::StringRef name,
               onnx::ModelProto &model, std::string &error) {
  if (isTextFormat(name)) {
    std::string text = data.str();
    onnx::Status status = onnx::OnnxParser::Parse(model, text.c_str());
    if (!status.IsOK()) {
      error = "cannot parse ONNX text format: " + status.ErrorMessage();
      return false;
    }
    return true;
  }
  if (data.size() > size_t(INT32_MAX)) {
    error = "model is larger than 2 GB";
    return false;
  }
  if (!model.ParseFromArray(data.data(), int(data.size()))) {
    error = "not a valid ONNX model (the protobuf does not parse; the file "
            "may be truncated or not an ONNX model)";
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

class Importer;
using Handler = LogicalResult (Importer::*)();

struct HandlerEntry {
  const char *domain;
  const char *opType;
  int64_t sinceVersion;
  Handler handler;
};

class Importer {
public:
  Importer(Context &ctx, const onnx::ModelProto &model, llvm::StringRef name,
           const ImportOptions &options)
      : ctx(ctx), model(model), graph(model.graph()), name(name.str()),
        options(options), builder(ctx) {}

  std::unique_ptr<Module> run();

  // Handlers (one per ONNX op family).
  LogicalResult importConstant();
  LogicalResult importConstantOfShape();
  LogicalResult importIdentity();
  LogicalResult importElementwise();
  LogicalResult importRelu();
  LogicalResult importClip();
  LogicalResult importCast();
  LogicalResult importQuantizeLinear();
  LogicalResult importDequantizeLinear();
  LogicalResult importConv();
  LogicalResult importConvInteger();
  LogicalResult importQLinearConv();
  LogicalResult importMatMul();
  LogicalResult importMatMulInteger();
  LogicalResult importQLinearMatMul();
  LogicalResult importGemm();
  LogicalResult importQGemm();
  LogicalResult importQLinearAdd();
  LogicalResult importQLinearGlobalAveragePool();
  LogicalResult importQLinearConcat();
  LogicalResult importBatchNormalization();
  LogicalResult importSoftmax();
  LogicalResult importMaxPool();
  LogicalResult importAveragePool();
  LogicalResult importGlobalAveragePool();
  LogicalResult importReshape();
  LogicalResult importFlatten();
  LogicalResult importSqueeze();
  LogicalResult importUnsqueeze();
  LogicalResult importTranspose();
  LogicalResult importConcat();
  LogicalResult importPad();

private:
  // Errors.
  Location modelLoc() { return FileLineColLoc::get(ctx, name, 0, 0); }
  InFlightDiagnostic emitModelError() { return emitError(modelLoc()); }
  InFlightDiagnostic emitNodeError();
  Location nodeLoc();

  // Graph setup.
  LogicalResult checkOpsets();
  LogicalResult importInputs();
  LogicalResult importOutputs();
  const HandlerEntry *findHandler(const onnx::NodeProto &node,
                                  int64_t &opset, bool &tooOld);

  // Reading the current node.
  size_t numInputs() const;
  bool hasInput(size_t i) const;
  /// The value of input `i` (error if missing).
  Value *input(size_t i);
  TensorType inputType(size_t i);
  /// Input `i` as a constant (initializer, Constant node or frozen input).
  DenseElementsAttr constantInput(size_t i, llvm::StringRef what);
  DenseElementsAttr constantInputImpl(size_t i, llvm::StringRef what);
  /// Input `i` as a scalar or 1-D constant of integers / floats.
  bool constantInts(size_t i, llvm::StringRef what, std::vector<int64_t> &out);
  bool constantFloats(size_t i, llvm::StringRef what, std::vector<float> &out);
  const onnx::AttributeProto *attr(llvm::StringRef attrName);
  int64_t intAttr(llvm::StringRef attrName, int64_t dflt);
  float floatAttr(llvm::StringRef attrName, float dflt);
  std::string stringAttr(llvm::StringRef attrName, llvm::StringRef dflt);
  std::vector<int64_t> intsAttr(llvm::StringRef attrName,
                                std::vector<int64_t> dflt);
  LogicalResult expectOutputs(size_t count);

  // Building.
  /// Creates an nn op typed by its type rule (refined by ONNX shape
  /// inference for output `outputIndex`); reports the rule's error.
  Operation *create(const OpInfo &info, llvm::ArrayRef<Value *> operands,
                    llvm::ArrayRef<NamedAttribute> attrs,
                    Type declared = Type(), int outputIndex = 0);
  Value *constant(DenseElementsAttr value, llvm::StringRef hint = "");
  LogicalResult bind(size_t outputIndex, Value *value);
  NamedAttribute named(llvm::StringRef attrName, Attribute value) {
    return {ctx.intern(attrName), value};
  }
  Attribute i64s(llvm::ArrayRef<int64_t> values) {
    return ArrayAttr::getI64(ctx, values);
  }
  /// scale attribute: one f32, or a dense 1-D f32 for several.
  Attribute scaleAttr(llvm::ArrayRef<float> scales);
  /// zero point attribute: an integer, or a dense 1-D of `type` for several.
  Attribute zpAttr(llvm::ArrayRef<int64_t> zps, Type type);
  LogicalResult readWindow(TensorType x, llvm::ArrayRef<int64_t> kernel,
                           Window &window, bool pool);
  /// The zero point input `i` (or 0 and the default type if absent).
  bool zeroPointInput(size_t i, llvm::StringRef what,
                      std::vector<int64_t> &values, Type &type);
  Type inferredType(const std::string &tensorName);
  /// The value of `value` if it is computed from constants only (exporters
  /// write zero points as Cast(ConstantOfShape(...)), for instance). The IR
  /// is not changed; folding it is constant-fold's job.
  DenseElementsAttr evaluateConstant(Value *value);
  llvm::DenseMap<Value *, DenseElementsAttr> constantCache;

  Context &ctx;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  std::string name;
  const ImportOptions &options;
  OpBuilder builder;
  std::unique_ptr<Module> module;
  Function *fn = nullptr;

  std::map<std::string, int64_t> opsets;
  llvm::StringMap<Value *> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringMap<const onnx::TypeProto *> inferredTypes;
  llvm::StringMap<BlockArgument *> graphInputs;
  std::set<std::string> frozenNames;
  /// Graph inputs replaced by constants (ImportOptions::freezeCompletely).
  std::vector<const onnx::ValueInfoProto *> completelyFrozen;

  const onnx::NodeProto *node = nullptr;
  int64_t nodeOpset = 0;
};

const HandlerEntry kHandlers[] = {
    {"", "Constant", 1, &Importer::importConstant},
    {"", "ConstantOfShape", 9, &Importer::importConstantOfShape},
    {"", "Identity", 1, &Importer::importIdentity},
    {"", "Add", 7, &Importer::importElementwise},
    {"", "Mul", 7, &Importer::importElementwise},
    {"", "Relu", 6, &Importer::importRelu},
    {"", "Clip", 6, &Importer::importClip},
    {"", "Cast", 6, &Importer::importCast},
    {"", "QuantizeLinear", 10, &Importer::importQuantizeLinear},
    {"", "DequantizeLinear", 10, &Importer::importDequantizeLinear},
    {"", "Conv", 1, &Importer::importConv},
    {"", "ConvInteger", 10, &Importer::importConvInteger},
    {"", "QLinearConv", 10, &Importer::importQLinearConv},
    {"", "MatMul", 1, &Importer::importMatMul},
    {"", "MatMulInteger", 10, &Importer::importMatMulInteger},
    {"", "QLinearMatMul", 10, &Importer::importQLinearMatMul},
    {"", "Gemm", 7, &Importer::importGemm},
    {"", "BatchNormalization", 7, &Importer::importBatchNormalization},
    {"", "Softmax", 1, &Importer::importSoftmax},
    {"", "MaxPool", 1, &Importer::importMaxPool},
    {"", "AveragePool", 7, &Importer::importAveragePool},
    {"", "GlobalAveragePool", 1, &Importer::importGlobalAveragePool},
    {"", "Reshape", 5, &Importer::importReshape},
    {"", "Flatten", 1, &Importer::importFlatten},
    {"", "Squeeze", 1, &Importer::importSqueeze},
    {"", "Unsqueeze", 1, &Importer::importUnsqueeze},
    {"", "Transpose", 1, &Importer::importTranspose},
    {"", "Concat", 4, &Importer::importConcat},
    {"", "Pad", 2, &Importer::importPad},
    {"com.microsoft", "QGemm", 1, &Importer::importQGemm},
    {"com.microsoft", "QLinearAdd", 1, &Importer::importQLinearAdd},
    {"com.microsoft", "QLinearGlobalAveragePool", 1,
     &Importer::importQLinearGlobalAveragePool},
    {"com.microsoft", "QLinearConcat", 1, &Importer::importQLinearConcat},
};

std::string normalizeDomain(const std::string &domain) {
  return domain == "ai.onnx" ? "" : domain;
}

} // namespace

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
  std::string where = "node '" + nodeName + "' (" + node->op_type() +
                      ", opset " + std::to_string(nodeOpset) + ")";
  return emitError(NameLoc::get(where, modelLoc()));
}

//===----------------------------------------------------------------------===//
// Graph setup
//===----------------------------------------------------------------------===//

LogicalResult Importer::checkOpsets() {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import())
    opsets[normalizeDomain(opset.domain())] = opset.version();
  auto it = opsets.find("");
  if (it == opsets.end())
    return emitModelError() << "the model imports no opset of the default "
                               "ONNX domain";
  if (it->second > kMaxDefaultOpset)
    return emitModelError() << "the model uses opset " << it->second
                            << " of the default ONNX domain; ohm supports up "
                               "to opset "
                            << kMaxDefaultOpset << " (ONNX 1.12)";
  auto ms = opsets.find("com.microsoft");
  if (ms != opsets.end() && ms->second > kMaxMicrosoftOpset)
    return emitModelError() << "the model uses opset " << ms->second
                            << " of domain 'com.microsoft'; ohm supports up "
                               "to opset "
                            << kMaxMicrosoftOpset;
  return success();
}

/// Converts an ONNX value type (tensor of known element type) to ours.
static TensorType convertType(Context &ctx, const onnx::TypeProto &type,
                              std::string &error) {
  if (!type.has_tensor_type()) {
    error = "only tensors are supported (not sequences, maps or optionals)";
    return TensorType();
  }
  const auto &tensor = type.tensor_type();
  Type element = getElementType(ctx, tensor.elem_type());
  if (!element) {
    error = "unsupported element type " + dataTypeName(tensor.elem_type());
    return TensorType();
  }
  if (!tensor.has_shape()) {
    error = "the tensor has no rank";
    return TensorType();
  }
  std::vector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : TensorType::kDynamic);
  return TensorType::get(shape, element);
}

Type Importer::inferredType(const std::string &tensorName) {
  auto it = inferredTypes.find(tensorName);
  if (it == inferredTypes.end())
    return Type();
  std::string ignored;
  return convertType(ctx, *it->second, ignored);
}

LogicalResult Importer::importInputs() {
  std::vector<Type> argTypes;
  std::vector<const onnx::ValueInfoProto *> args;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    // Older models list initializers among the inputs: they are constants.
    if (initializers.count(input.name()))
      continue;
    std::string error;
    TensorType type = convertType(ctx, input.type(), error);
    if (!type)
      return emitModelError() << "graph input '" << input.name()
                              << "': " << error;
    auto frozen = options.frozenInputs.find(input.name());
    if (options.freezeCompletely && frozen != options.frozenInputs.end()) {
      // The value must be one the input could hold.
      TensorType valueType = frozen->second.getType();
      bool fits = valueType.getElementType() == type.getElementType() &&
                  valueType.getRank() == type.getRank();
      for (unsigned d = 0; fits && d < type.getRank(); ++d)
        fits = type.isDynamicDim(d) ||
               type.getDimSize(d) == valueType.getDimSize(d);
      if (!fits)
        return emitModelError()
               << "the value frozen for graph input '" << input.name()
               << "' is " << Type(valueType) << " but the input is declared "
               << Type(type);
      completelyFrozen.push_back(&input);
      continue;
    }
    argTypes.push_back(type);
    args.push_back(&input);
  }
  std::vector<Type> resultTypes; // Filled in by importOutputs.
  auto function = std::make_unique<Function>(
      "main", FunctionType::get(ctx, argTypes, {}), modelLoc());
  fn = module->push_back(std::move(function));
  std::vector<Attribute> inputNames;
  for (size_t i = 0; i < args.size(); ++i) {
    BlockArgument *arg = fn->getArgument(i);
    arg->setLoc(NameLoc::get(ctx, args[i]->name()));
    arg->setNameHint(args[i]->name());
    values[args[i]->name()] = arg;
    graphInputs[args[i]->name()] = arg;
    inputNames.push_back(StringAttr::get(ctx, args[i]->name()));
  }
  fn->setAttr("input_names", ArrayAttr::get(ctx, inputNames));
  builder.setInsertionPointToEnd(&fn->getBody());
  for (const onnx::ValueInfoProto *input : completelyFrozen) {
    values[input->name()] =
        constant(options.frozenInputs.lookup(input->name()), input->name());
    frozenNames.insert(input->name());
  }
  return success();
}

LogicalResult Importer::importOutputs() {
  std::vector<Value *> results;
  std::vector<Type> resultTypes;
  std::vector<Attribute> outputNames;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    Value *value = it == values.end() ? nullptr : it->second;
    if (!value) {
      // An initializer may be an output as it is.
      auto init = initializers.find(output.name());
      if (init == initializers.end())
        return emitModelError() << "graph output '" << output.name()
                                << "' is not produced by any node";
      std::string error;
      DenseElementsAttr attr = tensorToAttr(ctx, *init->second, error);
      if (!attr)
        return emitModelError() << error;
      value = constant(attr, output.name());
    }
    std::string error;
    TensorType declared = convertType(ctx, output.type(), error);
    auto actual = value->getType().cast<TensorType>();
    if (declared && declared.getElementType() != actual.getElementType())
      return emitModelError() << "graph output '" << output.name()
                              << "' is declared " << Type(declared)
                              << " but computes " << Type(actual);
    results.push_back(value);
    resultTypes.push_back(actual);
    outputNames.push_back(StringAttr::get(ctx, output.name()));
  }
  ReturnOp::build(builder, modelLoc(), results);
  fn->setType(FunctionType::get(ctx, fn->getType().getInputs(), resultTypes));
  fn->setAttr("output_names", ArrayAttr::get(ctx, outputNames));
  if (!frozenNames.empty()) {
    std::vector<Attribute> frozen;
    for (const std::string &frozenName : frozenNames)
      frozen.push_back(StringAttr::get(ctx, frozenName));
    fn->setAttr("frozen_inputs", ArrayAttr::get(ctx, frozen));
  }
  return success();
}

const HandlerEntry *Importer::findHandler(const onnx::NodeProto &node,
                                          int64_t &opset, bool &tooOld) {
  std::string domain = normalizeDomain(node.domain());
  auto it = opsets.find(domain);
  opset = it == opsets.end() ? 0 : it->second;
  const HandlerEntry *best = nullptr;
  tooOld = false;
  for (const HandlerEntry &entry : kHandlers) {
    if (domain != entry.domain || node.op_type() != entry.opType)
      continue;
    if (entry.sinceVersion > opset) {
      tooOld = true;
      continue;
    }
    if (!best || entry.sinceVersion > best->sinceVersion)
      best = &entry;
  }
  return best;
}

std::unique_ptr<Module> Importer::run() {
  module = std::make_unique<Module>(ctx);
  if (failed(checkOpsets()))
    return nullptr;
  for (const onnx::TensorProto &init : graph.initializer())
    initializers[init.name()] = &init;
  for (const onnx::ValueInfoProto &info : graph.value_info())
    inferredTypes[info.name()] = &info.type();
  for (const onnx::ValueInfoProto &info : graph.output())
    inferredTypes[info.name()] = &info.type();
  if (failed(importInputs()))
    return nullptr;

  for (const onnx::NodeProto &current : graph.node()) {
    node = &current;
    bool tooOld = false;
    const HandlerEntry *entry = findHandler(current, nodeOpset, tooOld);
    if (!entry) {
      std::string domain = normalizeDomain(current.domain());
      if (tooOld)
        emitNodeError() << "ohm does not support this op at opset "
                        << nodeOpset;
      else if (!domain.empty() && domain != "com.microsoft")
        emitNodeError() << "unsupported op domain '" << current.domain()
                        << "'";
      else
        emitNodeError() << "unsupported op '" << current.op_type() << "'";
      return nullptr;
    }
    if (failed((this->*entry->handler)()))
      return nullptr;
  }
  node = nullptr;
  if (failed(importOutputs()))
    return nullptr;
  if (failed(module->verify()))
    return nullptr;
  return std::move(module);
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

const onnx::AttributeProto *Importer::attr(llvm::StringRef attrName) {
  for (const onnx::AttributeProto &a : node->attribute())
    if (a.name() == attrName)
      return &a;
  return nullptr;
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

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

Operation *Importer::create(const OpInfo &info, llvm::ArrayRef<Value *> operands,
                            llvm::ArrayRef<NamedAttribute> attrs,
                            Type declared, int outputIndex) {
  for (Value *operand : operands)
    if (!operand)
      return nullptr;
  // The type rule may read the declared result type (element type of
  // quantize, requantize, cast): start from it, else from operand 0.
  Type start = declared ? declared : operands.empty()
                                         ? Type(FloatType::getF32(ctx))
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
      std::vector<int64_t> shape(ours.getShape().begin(), ours.getShape().end());
      for (size_t d = 0; d < shape.size(); ++d) {
        int64_t them = theirs.getDimSize(d);
        if (shape[d] == TensorType::kDynamic)
          shape[d] = them;
        else if (them != TensorType::kDynamic && them != shape[d]) {
          op->erase();
          emitNodeError() << "the model gives output '"
                          << node->output(outputIndex) << "' the shape "
                          << interpShape(theirs.getShape())
                          << " (declared, or inferred by ONNX) but ohm "
                             "computes "
                          << interpShape(ours.getShape());
          return nullptr;
        }
      }
      type = TensorType::get(shape, ours.getElementType());
    }
  }
  op->getResult(0)->setType(type);
  return op;
}

Value *Importer::constant(DenseElementsAttr value, llvm::StringRef hint) {
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
      return emitNodeError() << "auto_pad " << autoPad
                             << " needs static spatial dimensions";
    int64_t out = (in + window.strides[i] - 1) / window.strides[i];
    int64_t extent = (window.kernel[i] - 1) * window.dilations[i] + 1;
    int64_t total =
        std::max<int64_t>(0, (out - 1) * window.strides[i] + extent - in);
    int64_t small = total / 2, large = total - small;
    window.pads[i] = autoPad == "SAME_UPPER" ? small : large;
    window.pads[i + 2] = autoPad == "SAME_UPPER" ? large : small;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Handlers
//===----------------------------------------------------------------------===//

LogicalResult Importer::importConstant() {
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

LogicalResult Importer::importConstantOfShape() {
  std::vector<int64_t> shape;
  if (!constantInts(0, "shape", shape))
    return failure();
  for (int64_t dim : shape)
    if (dim < 0)
      return emitNodeError() << "shape has a negative dimension";
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

LogicalResult Importer::importIdentity() {
  // Identity is the value itself: nothing to compute.
  return bind(0, input(0));
}

LogicalResult Importer::importElementwise() {
  Value *a = input(0), *b = input(1);
  if (!a || !b)
    return failure();
  const OpInfo &info = node->op_type() == "Add" ? AddOp::Info : MulOp::Info;
  Operation *op = create(info, {a, b}, {});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importRelu() {
  Operation *op = create(ReluOp::Info, {input(0)}, {});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importClip() {
  Value *x = input(0);
  if (!x)
    return failure();
  Type element = x->getType().cast<TensorType>().getElementType();
  llvm::SmallVector<NamedAttribute, 2> attrs;
  auto boundAttr = [&](double value) -> Attribute {
    if (element.isFloat())
      return FloatAttr::get(element, value);
    return IntegerAttr::get(element, int64_t(value));
  };
  if (nodeOpset < 11) {
    if (const onnx::AttributeProto *a = attr("min"))
      attrs.push_back(named("min", boundAttr(a->f())));
    if (const onnx::AttributeProto *a = attr("max"))
      attrs.push_back(named("max", boundAttr(a->f())));
  } else {
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
      attrs.push_back(named(names[i - 1], element.isFloat()
                                              ? boundAttr(bound.getDouble(0))
                                              : Attribute(IntegerAttr::get(
                                                    element, bound.getInt(0)))));
    }
  }
  Operation *op = create(ClipOp::Info, {x}, attrs);
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importCast() {
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
  Operation *op = create(CastOp::Info, {x}, {},
                         x->getType().cast<TensorType>().clone(to));
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQuantizeLinear() {
  Value *x = input(0);
  std::vector<float> scales;
  std::vector<int64_t> zps;
  Type zpType = IntegerType::get(ctx, 8, /*isSigned=*/false);
  if (!x || !constantFloats(1, "y_scale", scales) ||
      !zeroPointInput(2, "y_zero_point", zps, zpType))
    return failure();
  if (zpType.cast<IntegerType>().getWidth() != 8)
    return emitNodeError() << "only 8-bit outputs are supported";
  if (nodeOpset < 13 && (scales.size() > 1 || zps.size() > 1))
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

LogicalResult Importer::importDequantizeLinear() {
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
  if (nodeOpset < 13 && (scales.size() > 1 || zps.size() > 1))
    return emitNodeError() << "per-axis dequantization needs opset 13";
  int64_t axis = intAttr("axis", 1);
  llvm::SmallVector<NamedAttribute, 3> attrs = {
      named("scale", scaleAttr(scales)), named("zp", zpAttr(zps, zpType))};
  if (scales.size() > 1 || zps.size() > 1)
    attrs.push_back(named("axis", IntegerAttr::get(ctx, axis)));
  Operation *op = create(DequantizeOp::Info, {x}, attrs);
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importConv() {
  TensorType x = inputType(0), w = inputType(1);
  if (!x || !w)
    return failure();
  if (!x.getElementType().isF32() || !w.getElementType().isF32())
    return emitNodeError() << "Conv needs f32 input and weight, got "
                           << Type(x) << " and " << Type(w)
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
  Operation *op = create(ConvOp::Info, operands,
                         {named("dilations", i64s(window.dilations)),
                          named("group", IntegerAttr::get(ctx, intAttr("group", 1))),
                          named("pads", i64s(window.pads)),
                          named("strides", i64s(window.strides))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importConvInteger() {
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

LogicalResult Importer::importQLinearConv() {
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

LogicalResult Importer::importMatMul() {
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

LogicalResult Importer::importMatMulInteger() {
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

LogicalResult Importer::importQLinearMatMul() {
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

LogicalResult Importer::importGemm() {
  llvm::SmallVector<Value *, 3> operands = {input(0), input(1)};
  if (hasInput(2))
    operands.push_back(input(2));
  Operation *op =
      create(GemmOp::Info, operands,
             {named("alpha", FloatAttr::get(FloatType::getF32(ctx),
                                            floatAttr("alpha", 1.0f))),
              named("beta", FloatAttr::get(FloatType::getF32(ctx),
                                           floatAttr("beta", 1.0f))),
              named("trans_a", IntegerAttr::get(ctx, intAttr("transA", 0))),
              named("trans_b", IntegerAttr::get(ctx, intAttr("transB", 0)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQGemm() {
  // com.microsoft QGemm: A, a_scale, a_zp, B, b_scale, b_zp, C (i32 bias),
  // y_scale, y_zp; without y_scale the output is float.
  TensorType a = inputType(0), b = inputType(3);
  std::vector<float> aScale, bScale, yScale;
  std::vector<int64_t> aZp, bZp, yZp;
  Type aZpType = a ? a.getElementType() : Type();
  Type bZpType = b ? b.getElementType() : Type();
  Type yZpType = aZpType;
  if (!a || !b || !constantFloats(1, "a_scale", aScale) ||
      !zeroPointInput(2, "a_zero_point", aZp, aZpType) ||
      !constantFloats(4, "b_scale", bScale) ||
      !zeroPointInput(5, "b_zero_point", bZp, bZpType))
    return failure();
  bool quantizedOutput = hasInput(7);
  if (quantizedOutput && (!constantFloats(7, "y_scale", yScale) ||
                          !zeroPointInput(8, "y_zero_point", yZp, yZpType)))
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
                          {named("a_zp", IntegerAttr::get(ctx, aZp[0])),
                           named("b_zp", zpAttr(bZp, b.getElementType()))},
                          Type(), -1);
  if (!acc)
    return failure();
  float alpha = floatAttr("alpha", 1.0f);
  std::vector<float> multipliers;
  for (float bs : bScale)
    multipliers.push_back(quantizedOutput ? alpha * aScale[0] * bs / yScale[0]
                                          : alpha * aScale[0] * bs);
  auto accType = acc->getResult(0)->getType().cast<TensorType>();
  Operation *op;
  if (quantizedOutput)
    op = create(RequantizeOp::Info, {acc->getResult(0)},
                {named("axis", IntegerAttr::get(ctx, 1)),
                 named("scale", scaleAttr(multipliers)),
                 named("zp", IntegerAttr::get(ctx, yZp[0]))},
                accType.clone(yZpType));
  else
    op = create(DequantizeOp::Info, {acc->getResult(0)},
                {named("axis", IntegerAttr::get(ctx, 1)),
                 named("scale", scaleAttr(multipliers))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearAdd() {
  TensorType a = inputType(0), b = inputType(3);
  std::vector<float> aScale, bScale, cScale;
  std::vector<int64_t> aZp, bZp, cZp;
  Type aZpType = a ? a.getElementType() : Type();
  Type bZpType = b ? b.getElementType() : Type();
  Type cZpType = aZpType;
  if (!a || !b || !constantFloats(1, "A_scale", aScale) ||
      !zeroPointInput(2, "A_zero_point", aZp, aZpType) ||
      !constantFloats(4, "B_scale", bScale) ||
      !zeroPointInput(5, "B_zero_point", bZp, bZpType) ||
      !constantFloats(6, "C_scale", cScale) ||
      !zeroPointInput(7, "C_zero_point", cZp, cZpType))
    return failure();
  if (aScale.size() != 1 || bScale.size() != 1 || cScale.size() != 1 ||
      aZp.size() != 1 || bZp.size() != 1 || cZp.size() != 1)
    return emitNodeError() << "QLinearAdd needs per-tensor parameters";
  auto f32 = FloatType::getF32(ctx);
  Operation *op =
      create(QAddOp::Info, {input(0), input(3)},
             {named("lhs_scale", FloatAttr::get(f32, aScale[0] / cScale[0])),
              named("lhs_zp", IntegerAttr::get(ctx, aZp[0])),
              named("rhs_scale", FloatAttr::get(f32, bScale[0] / cScale[0])),
              named("rhs_zp", IntegerAttr::get(ctx, bZp[0])),
              named("zp", IntegerAttr::get(ctx, cZp[0]))},
             a.clone(cZpType));
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearGlobalAveragePool() {
  TensorType x = inputType(0);
  std::vector<float> xScale, yScale;
  std::vector<int64_t> xZp, yZp;
  Type xZpType = x ? x.getElementType() : Type();
  Type yZpType = xZpType;
  if (!x || !constantFloats(1, "x_scale", xScale) ||
      !zeroPointInput(2, "x_zero_point", xZp, xZpType) ||
      !constantFloats(3, "y_scale", yScale) ||
      !zeroPointInput(4, "y_zero_point", yZp, yZpType))
    return failure();
  if (intAttr("channels_last", 0))
    return emitNodeError() << "channels_last layout is not supported";
  if (x.getRank() != 4 || x.isDynamicDim(2) || x.isDynamicDim(3))
    return emitNodeError() << "needs a 4-D input with static spatial size";
  int64_t h = x.getDimSize(2), w = x.getDimSize(3);
  Operation *sum = create(QAvgPoolOp::Info, {input(0)},
                          {named("kernel_shape", i64s({h, w})),
                           named("x_zp", IntegerAttr::get(ctx, xZp[0]))},
                          Type(), -1);
  if (!sum)
    return failure();
  // As ONNX Runtime: x_scale / (y_scale * pixels) in f32.
  float scale = xScale[0] / (yScale[0] * float(h * w));
  Operation *op = create(
      RequantizeOp::Info, {sum->getResult(0)},
      {named("scale", scaleAttr({scale})),
       named("zp", IntegerAttr::get(ctx, yZp[0]))},
      sum->getResult(0)->getType().cast<TensorType>().clone(yZpType));
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importQLinearConcat() {
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
    if (scale[0] == yScale[0] && zp[0] == yZp[0] &&
        zpType == yZpType) {
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
  Operation *op = create(ConcatOp::Info, parts,
                         {named("axis", IntegerAttr::get(ctx, intAttr("axis", 0)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importBatchNormalization() {
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

LogicalResult Importer::importSoftmax() {
  Value *x = input(0);
  if (!x)
    return failure();
  auto type = x->getType().cast<TensorType>();
  int64_t rank = type.getRank();
  if (nodeOpset >= 13) {
    Operation *op = create(SoftmaxOp::Info, {x},
                           {named("axis", IntegerAttr::get(ctx, intAttr("axis", -1)))});
    return bind(0, op ? op->getResult(0) : nullptr);
  }
  // Before opset 13, softmax flattens to 2-D at `axis` (default 1).
  int64_t axis = intAttr("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return emitNodeError() << "axis out of range";
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = type.getDimSize(d);
    if (dim == TensorType::kDynamic)
      return emitNodeError() << "softmax before opset 13 needs a static shape";
    (d < axis ? outer : inner) *= dim;
  }
  Operation *flat = create(ReshapeOp::Info, {x},
                           {named("shape", i64s({outer, inner}))}, Type(), -1);
  if (!flat)
    return failure();
  Operation *soft = create(SoftmaxOp::Info, {flat->getResult(0)},
                           {named("axis", IntegerAttr::get(ctx, 1))}, Type(), -1);
  if (!soft)
    return failure();
  Operation *op = create(ReshapeOp::Info, {soft->getResult(0)},
                         {named("shape", i64s(type.getShape()))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importMaxPool() {
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
  Operation *op = create(MaxPoolOp::Info, {input(0)},
                         {named("ceil_mode", IntegerAttr::get(ctx, window.ceilMode)),
                          named("dilations", i64s(window.dilations)),
                          named("kernel_shape", i64s(window.kernel)),
                          named("pads", i64s(window.pads)),
                          named("strides", i64s(window.strides))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importAveragePool() {
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
  Operation *op = create(
      AvgPoolOp::Info, {input(0)},
      {named("ceil_mode", IntegerAttr::get(ctx, window.ceilMode)),
       named("count_include_pad",
             IntegerAttr::get(ctx, intAttr("count_include_pad", 0))),
       named("kernel_shape", i64s(window.kernel)),
       named("pads", i64s(window.pads)), named("strides", i64s(window.strides))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importGlobalAveragePool() {
  Operation *op = create(GlobalAvgPoolOp::Info, {input(0)}, {});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importReshape() {
  Value *x = input(0);
  std::vector<int64_t> shape;
  if (!x || !constantInts(1, "shape", shape))
    return failure();
  if (intAttr("allowzero", 0) && llvm::is_contained(shape, 0))
    return emitNodeError() << "allowzero=1 with zero dimensions is not "
                              "supported";
  Operation *op = create(ReshapeOp::Info, {x}, {named("shape", i64s(shape))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importFlatten() {
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

/// Reshape target for squeeze/unsqueeze: 0 copies a dimension (so dynamic
/// dimensions survive), 1 is an inserted dimension.
LogicalResult Importer::importSqueeze() {
  Value *x = input(0);
  if (!x)
    return failure();
  auto type = x->getType().cast<TensorType>();
  int64_t rank = type.getRank();
  std::vector<int64_t> axes;
  if (nodeOpset >= 13) {
    if (hasInput(1) && !constantInts(1, "axes", axes))
      return failure();
  } else {
    axes = intsAttr("axes", {});
  }
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
  bool hasDynamic = false;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d]) {
      shape.push_back(type.isDynamicDim(d) ? -1 : type.getDimSize(d));
      hasDynamic |= type.isDynamicDim(d);
    }
  if (llvm::count(shape, -1) > 1)
    return emitNodeError() << "more than one dynamic dimension";
  (void)hasDynamic;
  Operation *op = create(ReshapeOp::Info, {x}, {named("shape", i64s(shape))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importUnsqueeze() {
  Value *x = input(0);
  if (!x)
    return failure();
  auto type = x->getType().cast<TensorType>();
  std::vector<int64_t> axes;
  if (nodeOpset >= 13) {
    if (!constantInts(1, "axes", axes))
      return failure();
  } else {
    axes = intsAttr("axes", {});
  }
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

LogicalResult Importer::importTranspose() {
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

LogicalResult Importer::importConcat() {
  llvm::SmallVector<Value *, 4> inputs;
  for (size_t i = 0; i < numInputs(); ++i)
    inputs.push_back(input(i));
  if (!attr("axis"))
    return emitNodeError() << "missing 'axis'";
  Operation *op = create(ConcatOp::Info, inputs,
                         {named("axis", IntegerAttr::get(ctx, intAttr("axis", 0)))});
  return bind(0, op ? op->getResult(0) : nullptr);
}

LogicalResult Importer::importPad() {
  Value *x = input(0);
  if (!x)
    return failure();
  auto type = x->getType().cast<TensorType>();
  std::vector<int64_t> pads;
  double fill = 0;
  if (nodeOpset < 11) {
    pads = intsAttr("pads", {});
    fill = floatAttr("value", 0.0f);
  } else {
    if (!constantInts(1, "pads", pads))
      return failure();
    if (hasInput(2)) {
      DenseElementsAttr value = constantInput(2, "constant_value");
      if (!value)
        return failure();
      if (value.getNumElements() != 1)
        return emitNodeError() << "constant_value must be a scalar";
      fill = value.getDouble(0);
    }
  }
  std::string mode = stringAttr("mode", "constant");
  Attribute value = type.getElementType().isFloat()
                        ? Attribute(FloatAttr::get(type.getElementType(), fill))
                        : Attribute(IntegerAttr::get(ctx, int64_t(fill)));
  Operation *op = create(PadOp::Info, {x},
                         {named("mode", StringAttr::get(ctx, mode)),
                          named("pads", i64s(pads)), named("value", value)});
  return bind(0, op ? op->getResult(0) : nullptr);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

std::unique_ptr<Module>
onnx_frontend::importModelBuffer(llvm::StringRef data, llvm::StringRef name,
                                 Context &ctx, const ImportOptions &options) {
  Location fileLoc = FileLineColLoc::get(ctx, name, 0, 0);
  onnx::ModelProto model;
  std::string error;
  if (!loadModel(data, name, model, error)) {
    emitError(fileLoc) << error;
    return nullptr;
  }
  if (!model.has_graph()) {
    emitError(fileLoc) << "the model has no graph";
    return nullptr;
  }
  // Check the opsets before ONNX's checker, for a clearer message.
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    std::string domain = normalizeDomain(opset.domain());
    if ((domain.empty() && opset.version() > kMaxDefaultOpset) ||
        (domain == "com.microsoft" && opset.version() > kMaxMicrosoftOpset)) {
      emitError(fileLoc) << "the model uses opset " << opset.version()
                         << " of "
                         << (domain.empty() ? std::string("the default ONNX domain")
                                            : "domain '" + domain + "'")
                         << "; ohm supports up to opset "
                         << (domain.empty() ? kMaxDefaultOpset
                                            : kMaxMicrosoftOpset)
                         << (domain.empty() ? " (ONNX 1.12)" : "");
      return nullptr;
    }
  }
  // ONNX's checker and shape inference throw on bad models; catch here,
  // at the library boundary.
  try {
    if (options.runChecker)
      onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    emitError(fileLoc) << "the ONNX checker rejects the model: " << e.what();
    return nullptr;
  }
  // ONNX 1.12's shape inference crashes on some malformed nodes (e.g. a
  // convolution whose input and weight ranks differ; found by fuzzing), so
  // it only runs on models our own importer has accepted: import once
  // without it (every handler checks ranks and attributes), then infer
  // shapes and import again with the inferred types to refine dynamic
  // dimensions.
  {
    Importer validator(ctx, model, name, options);
    if (!validator.run())
      return nullptr;
  }
  try {
    onnx::shape_inference::InferShapes(model);
  } catch (const std::exception &e) {
    emitError(fileLoc) << "ONNX shape inference rejects the model: "
                       << e.what();
    return nullptr;
  }
  Importer importer(ctx, model, name, options);
  return importer.run();
}

std::unique_ptr<Module>
onnx_frontend::importModelFile(llvm::StringRef path, Context &ctx,
                               const ImportOptions &options) {
  auto buffer = openInputFile(path);
  if (!buffer) {
    emitError(FileLineColLoc::get(ctx, path, 0, 0))
        << toString(buffer.takeError());
    return nullptr;
  }
  return importModelBuffer((*buffer)->getBuffer(), path, ctx, options);
}

llvm::Expected<DenseElementsAttr>
onnx_frontend::readTensorProtoFile(llvm::StringRef path, Context &ctx,
                                   std::string *name) {
  auto buffer = openInputFile(path);
  if (!buffer)
    return buffer.takeError();
  onnx::TensorProto tensor;
  llvm::StringRef data = (*buffer)->getBuffer();
  if (data.size() > size_t(INT32_MAX) ||
      !tensor.ParseFromArray(data.data(), int(data.size())))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s: not a valid ONNX TensorProto",
                                   path.str().c_str());
  std::string error;
  DenseElementsAttr attr = tensorToAttr(ctx, tensor, error);
  if (!attr)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s",
                                   path.str().c_str(), error.c_str());
  if (name)
    *name = tensor.name();
  return attr;
}
