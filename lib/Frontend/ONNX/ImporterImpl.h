//===- ImporterImpl.h - The ONNX importer's shared state --------*- C++ -*-===//
//
// Private to lib/Frontend/ONNX. Declares what the importer's files share:
// the conversions of ONNX types and TensorProtos (Tensors.cpp), and the
// Importer, whose graph-level driver lives in Importer.cpp, whose helpers
// for reading a node and building nn ops live in HandlerSupport.cpp, and
// whose handlers, one per entry of Handlers.def, live in one file per op
// family (QuantizedOps.cpp, NeuralOps.cpp, TensorOps.cpp, MicrosoftOps.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_FRONTEND_ONNX_IMPORTERIMPL_H
#define OHM_LIB_FRONTEND_ONNX_IMPORTERIMPL_H

#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Builder.h"
#include "ohm/IR/Context.h"
#include "ohm/NN/NNOps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ohm {
namespace onnx_frontend {

//===----------------------------------------------------------------------===//
// Types and tensors (Tensors.cpp)
//===----------------------------------------------------------------------===//

/// Shapes in messages: [1, ?, 3].
std::string shapeToString(llvm::ArrayRef<int64_t> shape);

/// The ohm element type of an ONNX TensorProto data type, or null.
Type getElementType(Context &ctx, int dataType);

/// The name of an ONNX data type ("FLOAT"), for messages.
std::string dataTypeName(int dataType);

/// Converts a TensorProto to dense elements, or describes the problem in
/// `error` and returns null.
DenseElementsAttr tensorToAttr(Context &ctx, const onnx::TensorProto &tensor,
                               std::string &error);

/// Converts an ONNX value type (a tensor of known element type) to ours, or
/// describes the problem in `error` and returns null.
TensorType convertType(Context &ctx, const onnx::TypeProto &type,
                       std::string &error);

/// "ai.onnx" is another name of the default domain, "".
std::string normalizeDomain(const std::string &domain);

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

/// Imports one graph into a module with one function, @main. run() walks
/// the nodes in order and calls, for each, the handler of Handlers.def
/// chosen by (domain, op type, since-version). While a handler runs, `node`
/// is its node and `nodeOpset` the model's opset of the node's domain.
class Importer {
public:
  Importer(Context &ctx, const onnx::ModelProto &model, llvm::StringRef name,
           const ImportOptions &options)
      : ctx(ctx), model(model), graph(model.graph()), name(name.str()),
        options(options), builder(ctx) {}

  std::unique_ptr<Module> run();

  // The handlers: one per (domain, op type, since-version) entry of
  // Handlers.def, defined in the file of their op family. Each translates
  // the current node into nn ops and binds its outputs.
#define OHM_ONNX_OP(DOMAIN, OP_TYPE, SINCE, HANDLER) LogicalResult HANDLER();
#include "Handlers.def"

private:
  //===--------------------------------------------------------------------===//
  // Graph setup (Importer.cpp)
  //===--------------------------------------------------------------------===//

  Location modelLoc() { return FileLineColLoc::get(ctx, name, 0, 0); }
  InFlightDiagnostic emitModelError() { return emitError(modelLoc()); }
  LogicalResult checkOpsets();
  LogicalResult importInputs();
  LogicalResult importOutputs();

  //===--------------------------------------------------------------------===//
  // Reading the current node (HandlerSupport.cpp)
  //===--------------------------------------------------------------------===//

  /// Errors at the node: MODEL: node 'NAME' (OpType, opset N): error: ...
  InFlightDiagnostic emitNodeError();
  /// The location of the ops the node becomes: its name (or, for an unnamed
  /// node, its first output's name).
  Location nodeLoc();

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
  /// The zero point input `i` (or 0 and the default type if absent).
  bool zeroPointInput(size_t i, llvm::StringRef what,
                      std::vector<int64_t> &values, Type &type);
  /// The scale and zero point of one operand (or the output) of a QLinear
  /// op: constant inputs `i` (`<name>_scale`) and `i + 1`
  /// (`<name>_zero_point`; 0 of `elementType` if absent). With `scalar`,
  /// each must hold one value (a located error otherwise).
  struct QuantParams {
    std::vector<float> scale;
    std::vector<int64_t> zp;
    Type zpType;
  };
  bool quantParams(size_t i, llvm::StringRef name, Type elementType,
                   bool scalar, QuantParams &out);
  const onnx::AttributeProto *attr(llvm::StringRef attrName);
  /// Attribute `attrName` (default `dflt`) as an axis of a rank-`rank`
  /// tensor, negative values counting from the end; with `inclusive`,
  /// `rank` itself is an axis too (where Flatten and Softmax-1 split). A
  /// located error if out of range.
  bool axisAttr(llvm::StringRef attrName, int64_t dflt, int64_t rank,
                bool inclusive, int64_t &axis);
  int64_t intAttr(llvm::StringRef attrName, int64_t dflt);
  float floatAttr(llvm::StringRef attrName, float dflt);
  std::string stringAttr(llvm::StringRef attrName, llvm::StringRef dflt);
  std::vector<int64_t> intsAttr(llvm::StringRef attrName,
                                std::vector<int64_t> dflt);
  LogicalResult expectOutputs(size_t count);
  /// Reads the 2-D window attributes of a convolution or pooling (strides,
  /// dilations, pads, ceil_mode, auto_pad resolved to explicit pads).
  LogicalResult readWindow(TensorType x, llvm::ArrayRef<int64_t> kernel,
                           nn::Window &window, bool pool);

  //===--------------------------------------------------------------------===//
  // Building (HandlerSupport.cpp)
  //===--------------------------------------------------------------------===//

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
  /// The type ONNX shape inference (or the model) gives a tensor, or null.
  Type inferredType(const std::string &tensorName);
  /// The value of `value` if it is computed from constants only (exporters
  /// write zero points as Cast(ConstantOfShape(...)), for instance). The IR
  /// is not changed; folding it is constant-fold's job.
  DenseElementsAttr evaluateConstant(Value *value);

  //===--------------------------------------------------------------------===//
  // Code shared by the since-versions of one op (in the op's family file)
  //===--------------------------------------------------------------------===//

  LogicalResult importQuantizeLinear(bool perAxis);
  LogicalResult importDequantizeLinear(bool perAxis);
  LogicalResult importBinary(const OpInfo &info);
  /// nn.activation's attributes for `kind` (LeakyRelu's alpha from the node).
  llvm::SmallVector<NamedAttribute, 2> activationAttrs(llvm::StringRef kind);
  LogicalResult importActivation(llvm::StringRef kind);
  /// nn.avgpool of `x` with `window` and the node's count_include_pad.
  Operation *createAvgPool(Value *x, const nn::Window &window, int outputIndex);
  /// Flatten's reshape of `x` to 2-D at `axis`: [prod(dims[:axis]),
  /// prod(dims[axis:])], a dynamic side -1 (an error if both are dynamic).
  Operation *createFlatten(Value *x, int64_t axis, int outputIndex);
  LogicalResult importResize(size_t scalesIndex, size_t sizesIndex,
                             llvm::StringRef coordinates,
                             llvm::StringRef rounding);
  LogicalResult importQLinearActivation(llvm::StringRef kind);
  /// com.microsoft QLinear ops computed through float as ONNX Runtime does:
  /// nn.dequantize of input `i` with the (scale, zero point) inputs that
  /// follow it, or null after an error.
  Value *dequantizeInput(size_t i, size_t scaleIndex, size_t zpIndex);
  /// nn.quantize of `value` with the (scale, zero point) inputs at these
  /// indices into `zpType`, bound to output 0.
  LogicalResult quantizeOutput(Value *value, size_t scaleIndex, size_t zpIndex,
                               Type zpType);
  LogicalResult importReshape(bool allowZero);
  LogicalResult importSqueeze(Value *x, llvm::ArrayRef<int64_t> axes);
  LogicalResult importUnsqueeze(Value *x, llvm::ArrayRef<int64_t> axes);
  LogicalResult importPad(Value *x, llvm::ArrayRef<int64_t> pads, double fill);

  //===--------------------------------------------------------------------===//
  // State
  //===--------------------------------------------------------------------===//

  Context &ctx;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  std::string name;
  const ImportOptions &options;
  /// Bytes of the constants created so far (ImportOptions::maxConstantBytes).
  uint64_t constantBytes = 0;
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
  llvm::DenseMap<Value *, DenseElementsAttr> constantCache;

  const onnx::NodeProto *node = nullptr;
  int64_t nodeOpset = 0;
};

} // namespace onnx_frontend
} // namespace ohm

#endif // OHM_LIB_FRONTEND_ONNX_IMPORTERIMPL_H
