//===- Importer.cpp - ONNX models to nn IR --------------------------------===//
//
// The importer walks the graph in order and calls one handler per node,
// chosen from the table of Handlers.def keyed by (domain, op type,
// since-version), as onnx-mlir does. Handlers translate; they do not
// optimize. This file holds the graph-level core: loading the model, the
// opset checks, graph inputs and outputs, the handler lookup, the driver and
// the entry points. Types from ONNX shape inference refine dynamic
// dimensions and are checked against ours.
//
// ONNX and protobuf are confined to this library (DESIGN.md section 3).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/Support/FileUtilities.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/checker.h>
#include <onnx/defs/parser.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <map>
#include <utility>

using namespace ohm;
using namespace ohm::onnx_frontend;

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

static bool isTextFormat(llvm::StringRef name) {
  return name.endswith(".onnxtxt") || name.endswith(".txt");
}

/// Parses `data` into `model`; on failure sets `error`.
static bool loadModel(llvm::StringRef data, llvm::StringRef name,
                      onnx::ModelProto &model, std::string &error) {
  if (isTextFormat(name)) {
    std::string text = data.str();
    onnx::Status status;
    try {
      status = onnx::OnnxParser::Parse(model, text.c_str());
    } catch (const std::exception &e) {
      // libonnx's parser converts literals with std::stoll/std::stof,
      // which throw on malformed or out-of-range numbers.
      error = std::string("cannot parse ONNX text format: malformed or "
                          "out-of-range number (") +
              e.what() + ")";
      return false;
    }
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
// Models as exported in the wild
//===----------------------------------------------------------------------===//

namespace {

/// What normalizeModel changed, for messages.
struct ModelFixes {
  int64_t readOpset = 0; // the default opset the file declares, if lowered
};

/// Orders `graph`'s nodes so that every node comes after the nodes whose
/// outputs it reads (ONNX requires it; some exporters do not), keeping the
/// file's order where it already holds. Inputs nothing in the graph
/// produces (graph inputs, initializers, outer scopes) count as ready.
void sortNodes(onnx::GraphProto &graph) {
  int n = graph.node_size();
  std::map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const std::string &out : graph.node(i).output())
      if (!out.empty())
        producer.emplace(out, i);
  std::vector<int> pending(static_cast<size_t>(n), 0);
  std::vector<std::vector<int>> users(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    for (const std::string &in : graph.node(i).input()) {
      auto it = producer.find(in);
      if (it != producer.end() && it->second != i) {
        ++pending[size_t(i)];
        users[size_t(it->second)].push_back(i);
      }
    }
  // Ready nodes in file order (a min-heap on the index).
  std::vector<int> ready, order;
  for (int i = 0; i < n; ++i)
    if (pending[size_t(i)] == 0)
      ready.push_back(i);
  std::make_heap(ready.begin(), ready.end(), std::greater<int>());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<int>());
    int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (int user : users[size_t(i)])
      if (--pending[size_t(user)] == 0) {
        ready.push_back(user);
        std::push_heap(ready.begin(), ready.end(), std::greater<int>());
      }
  }
  bool sorted = int(order.size()) == n;
  for (int i = 0; sorted && i < n; ++i)
    sorted = order[size_t(i)] == i;
  if (sorted || int(order.size()) != n)
    return; // already in order, or a cycle: the checker reports it
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i : order)
    *nodes.Add() = graph.node(i);
  graph.mutable_node()->Swap(&nodes);
}

/// Brings a model as exporters write it to what ONNX 1.12 checks: the
/// default domain spelled "ai.onnx" becomes "", IR versions above 8 (ONNX
/// 1.13+; what they add are new element types, which the checker still
/// rejects) are read as 8, opsets 18 to 21 as 17, and nodes are sorted.
void normalizeModel(onnx::ModelProto &model, ModelFixes &fixes) {
  for (onnx::OperatorSetIdProto &opset : *model.mutable_opset_import())
    if (opset.domain() == "ai.onnx")
      opset.set_domain("");
  for (onnx::NodeProto &node : *model.mutable_graph()->mutable_node())
    if (node.domain() == "ai.onnx")
      node.set_domain("");
  if (model.ir_version() > onnx::IR_VERSION)
    model.set_ir_version(onnx::IR_VERSION);
  for (onnx::OperatorSetIdProto &opset : *model.mutable_opset_import())
    if (opset.domain().empty() && opset.version() > kMaxDefaultOpset &&
        opset.version() <= kMaxReadableOpset) {
      fixes.readOpset = opset.version();
      opset.set_version(kMaxDefaultOpset);
    }
  sortNodes(*model.mutable_graph());
}

/// Reads the external data of `tensor` (ONNX's external data: `location`
/// relative to the model's folder, optional `offset` and `length`) into
/// its raw_data; "" or a message naming the tensor and the file.
std::string inlineExternalData(onnx::TensorProto &tensor,
                               llvm::StringRef modelDir) {
  std::string location, where = "tensor '" + tensor.name() + "'";
  uint64_t offset = 0, length = 0;
  bool hasLength = false;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    llvm::StringRef value(entry.value());
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" && value.getAsInteger(10, offset))
      return where + ": external data offset '" + entry.value() +
             "' is not a number";
    else if (entry.key() == "length") {
      if (value.getAsInteger(10, length))
        return where + ": external data length '" + entry.value() +
               "' is not a number";
      hasLength = true;
    }
  }
  if (location.empty())
    return where + " keeps its data in an external file but names none";
  // The file must lie in the model's folder (ONNX: a relative path, never
  // outside the model's directory).
  llvm::SmallVector<llvm::StringRef, 8> parts;
  llvm::StringRef(location).split(parts, '/');
  if (llvm::sys::path::is_absolute(location) || llvm::is_contained(parts, ".."))
    return where + ": external data location '" + location +
           "' must be a path inside the model's folder";
  llvm::SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  uint64_t size = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(path, size))
    return where + ": cannot read external data '" + path.str().str() +
           "': " + ec.message();
  if (offset > size || (hasLength && length > size - offset))
    return where + ": external data [" + std::to_string(offset) + ", " +
           std::to_string(offset + length) + ") lies outside '" +
           path.str().str() + "' (" + std::to_string(size) + " bytes)";
  if (!hasLength)
    length = size - offset;
  if (length > uint64_t(INT32_MAX))
    return where + ": external data of " + std::to_string(length) +
           " bytes is larger than 2 GB";
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, length, offset);
  if (!buffer)
    return where + ": cannot read external data '" + path.str().str() +
           "': " + buffer.getError().message();
  tensor.set_raw_data((*buffer)->getBufferStart(), (*buffer)->getBufferSize());
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
  return "";
}

/// Inlines the external data of every initializer and Constant node.
std::string inlineExternalData(onnx::ModelProto &model,
                               llvm::StringRef modelDir) {
  onnx::GraphProto &graph = *model.mutable_graph();
  for (onnx::TensorProto &tensor : *graph.mutable_initializer())
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      std::string problem = inlineExternalData(tensor, modelDir);
      if (!problem.empty())
        return problem;
    }
  for (onnx::NodeProto &node : *graph.mutable_node())
    for (onnx::AttributeProto &attr : *node.mutable_attribute())
      if (attr.has_t() &&
          attr.t().data_location() == onnx::TensorProto::EXTERNAL) {
        std::string problem = inlineExternalData(*attr.mutable_t(), modelDir);
        if (!problem.empty())
          return problem;
      }
  return "";
}

/// Sets the dimensions of the graph inputs named in `shapes` (ohmc
/// --input-shape); "" or a message naming the input.
std::string
applyInputShapes(onnx::ModelProto &model,
                 const llvm::StringMap<std::vector<int64_t>> &shapes) {
  for (const auto &entry : shapes) {
    llvm::StringRef name = entry.getKey();
    const std::vector<int64_t> &dims = entry.getValue();
    onnx::ValueInfoProto *input = nullptr;
    for (onnx::ValueInfoProto &info : *model.mutable_graph()->mutable_input())
      if (info.name() == name)
        input = &info;
    if (!input) {
      std::string names;
      for (const onnx::ValueInfoProto &info : model.graph().input())
        names += (names.empty() ? "" : ", ") + info.name();
      return "--input-shape names '" + name.str() +
             "', which is not a graph input (the inputs are: " + names + ")";
    }
    if (!input->type().has_tensor_type())
      return "--input-shape: graph input '" + name.str() + "' is not a tensor";
    onnx::TensorShapeProto *shape =
        input->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != 0 && shape->dim_size() != int(dims.size()))
      return "--input-shape gives graph input '" + name.str() + "' " +
             std::to_string(dims.size()) + " dimensions; the model declares " +
             std::to_string(shape->dim_size());
    for (int d = 0; d < shape->dim_size(); ++d)
      if (shape->dim(d).has_dim_value() &&
          shape->dim(d).dim_value() != dims[size_t(d)])
        return "--input-shape gives graph input '" + name.str() +
               "' dimension " + std::to_string(d) + " = " +
               std::to_string(dims[size_t(d)]) + "; the model declares " +
               std::to_string(shape->dim(d).dim_value());
    shape->clear_dim();
    for (int64_t dim : dims)
      shape->add_dim()->set_dim_value(dim);
  }
  return "";
}

} // namespace

//===----------------------------------------------------------------------===//
// The handler table
//===----------------------------------------------------------------------===//

namespace {

/// One entry of Handlers.def.
struct HandlerEntry {
  const char *domain;
  const char *opType;
  int64_t sinceVersion;
  LogicalResult (Importer::*handler)();
};

} // namespace

static const HandlerEntry kHandlers[] = {
#define OHM_ONNX_OP(DOMAIN, OP_TYPE, SINCE, HANDLER)                           \
  {DOMAIN, OP_TYPE, SINCE, &Importer::HANDLER},
#include "Handlers.def"
};

/// The entries of each (domain, op type), in increasing since-version.
using HandlerMap = std::map<std::pair<llvm::StringRef, llvm::StringRef>,
                            llvm::SmallVector<const HandlerEntry *, 2>>;

static const HandlerMap &getHandlerMap() {
  static const HandlerMap map = [] {
    HandlerMap byOp;
    for (const HandlerEntry &entry : kHandlers)
      byOp[{entry.domain, entry.opType}].push_back(&entry);
    for (auto &op : byOp) {
      llvm::sort(op.second, [](const HandlerEntry *a, const HandlerEntry *b) {
        return a->sinceVersion < b->sinceVersion;
      });
      for (size_t i = 1; i < op.second.size(); ++i)
        assert(op.second[i - 1]->sinceVersion < op.second[i]->sinceVersion &&
               "Handlers.def lists an (op, since-version) twice");
    }
    return byOp;
  }();
  return map;
}

/// The handler of op `opType` of (normalized) `domain` at `opset`: the entry
/// with the largest since-version not above `opset`. Null if there is none;
/// `tooOld` then tells whether the op has entries, all newer than `opset`.
static const HandlerEntry *lookupHandler(llvm::StringRef domain,
                                         llvm::StringRef opType, int64_t opset,
                                         bool &tooOld) {
  const HandlerMap &map = getHandlerMap();
  auto it = map.find({domain, opType});
  const HandlerEntry *best = nullptr;
  if (it != map.end())
    for (const HandlerEntry *entry : it->second)
      if (entry->sinceVersion <= opset)
        best = entry;
  tooOld = !best && it != map.end();
  return best;
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
  // (normalizeModel has read opsets 18 to 21 as 17.)
  if (it->second > kMaxDefaultOpset)
    return emitModelError()
           << "the model uses opset " << it->second
           << " of the default ONNX domain; ohm supports up "
              "to opset "
           << kMaxReadableOpset << " (18 to 21 read as 17, ONNX 1.12)";
  auto ms = opsets.find("com.microsoft");
  if (ms != opsets.end() && ms->second > kMaxMicrosoftOpset)
    return emitModelError() << "the model uses opset " << ms->second
                            << " of domain 'com.microsoft'; ohm supports up "
                               "to opset "
                            << kMaxMicrosoftOpset;
  return success();
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
      return emitModelError()
             << "graph input '" << input.name() << "': " << error;
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
        return emitModelError() << "the value frozen for graph input '"
                                << input.name() << "' is " << Type(valueType)
                                << " but the input is declared " << Type(type);
      completelyFrozen.push_back(&input);
      continue;
    }
    argTypes.push_back(type);
    args.push_back(&input);
  }
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
    Value *value =
        constant(options.frozenInputs.lookup(input->name()), input->name());
    if (!value)
      return failure();
    values[input->name()] = value;
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
      if (!value)
        return failure();
    }
    std::string error;
    TensorType declared = convertType(ctx, output.type(), error);
    auto actual = value->getType().cast<TensorType>();
    if (declared && declared.getElementType() != actual.getElementType())
      return emitModelError()
             << "graph output '" << output.name() << "' is declared "
             << Type(declared) << " but computes " << Type(actual);
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
    std::string domain = normalizeDomain(current.domain());
    auto opset = opsets.find(domain);
    nodeOpset = opset == opsets.end() ? 0 : opset->second;
    bool tooOld = false;
    const HandlerEntry *entry =
        lookupHandler(domain, current.op_type(), nodeOpset, tooOld);
    if (!entry) {
      if (tooOld)
        emitNodeError() << "ohm does not support this op at opset "
                        << nodeOpset;
      else if (!domain.empty() && domain != "com.microsoft")
        emitNodeError() << "unsupported op domain '" << current.domain() << "'";
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
// Entry points
//===----------------------------------------------------------------------===//

/// Runs ONNX's checker. Graph outputs without a type (ONNX Runtime
/// accepts them; the importer takes their type from the value) are left
/// out of the checked copy: the checker requires a type on every one.
static void checkModel(const onnx::ModelProto &model) {
  auto untyped = [](const onnx::ValueInfoProto &output) {
    return output.type().value_case() == onnx::TypeProto::VALUE_NOT_SET;
  };
  if (llvm::none_of(model.graph().output(), untyped)) {
    onnx::checker::check_model(model);
    return;
  }
  onnx::ModelProto copy = model;
  auto *outputs = copy.mutable_graph()->mutable_output();
  outputs->erase(std::remove_if(outputs->begin(), outputs->end(), untyped),
                 outputs->end());
  onnx::checker::check_model(copy);
}

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
  ModelFixes fixes;
  normalizeModel(model, fixes);
  std::string problem = applyInputShapes(model, options.inputShapes);
  if (problem.empty())
    problem = inlineExternalData(model, llvm::sys::path::parent_path(name));
  if (!problem.empty()) {
    emitError(fileLoc) << problem;
    return nullptr;
  }
  // Check the opsets before ONNX's checker, for a clearer message.
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    std::string domain = normalizeDomain(opset.domain());
    if ((domain.empty() && opset.version() > kMaxDefaultOpset) ||
        (domain == "com.microsoft" && opset.version() > kMaxMicrosoftOpset)) {
      emitError(fileLoc)
          << "the model uses opset " << opset.version() << " of "
          << (domain.empty() ? std::string("the default ONNX domain")
                             : "domain '" + domain + "'")
          << "; ohm supports up to opset "
          << (domain.empty() ? kMaxReadableOpset : kMaxMicrosoftOpset)
          << (domain.empty() ? " (18 to 21 read as 17, ONNX 1.12)" : "");
      return nullptr;
    }
  }
  // ONNX's checker and shape inference throw on bad models; catch here,
  // at the library boundary.
  try {
    if (options.runChecker)
      checkModel(model);
  } catch (const std::exception &e) {
    InFlightDiagnostic diag = emitError(fileLoc);
    diag << "the ONNX checker rejects the model: " << e.what();
    if (fixes.readOpset)
      diag << " (the model declares opset " << fixes.readOpset << ", read as "
           << kMaxDefaultOpset
           << ": an operator whose schema changed since is not supported)";
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
