//===- Interpreter.cpp - The nn-level reference interpreter ---------------===//
//
// Runs a function op by op, keeping each value until its last use, and
// dispatches each op to its kernel (Kernels.h): one per nn op, written for
// clarity, in Elementwise.cpp, LinearAlgebra.cpp, Pooling.cpp and
// DataMovement.cpp. Ops of other dialects go to their registered
// evaluator (the xb dialect's is lib/Xbar/Interp/XbarEval.cpp).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Function.h"
#include "ohm/NN/NNOps.h"
#include "ohm/Support/ByteSize.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <mutex>

using namespace ohm;
using namespace ohm::interp;
using namespace ohm::nn;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

llvm::Error interp::opError(Operation *op, const llvm::Twine &message) {
  std::string where;
  llvm::raw_string_ostream os(where);
  op->getLoc().print(os, /*printPositions=*/true);
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s (%s): %s",
                                 os.str().c_str(), op->getName().str().c_str(),
                                 message.str().c_str());
}

Type interp::resultElementType(Operation *op) {
  return op->getResult(0)->getType().cast<TensorType>().getElementType();
}

int64_t interp::channelOf(int64_t flatIndex, llvm::ArrayRef<int64_t> shape,
                          int64_t axis) {
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  return (flatIndex / inner) % shape[axis];
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

namespace {
/// The evaluators of dialects other than nn, by dialect name.
struct EvaluatorRegistry {
  std::mutex mutex;
  llvm::StringMap<DialectEvaluator> evaluators;

  static EvaluatorRegistry &get() {
    static EvaluatorRegistry registry;
    return registry;
  }
  DialectEvaluator lookup(llvm::StringRef dialect) {
    std::lock_guard<std::mutex> lock(mutex);
    return evaluators.lookup(dialect);
  }
};
} // namespace

void interp::registerDialectEvaluator(llvm::StringRef dialect,
                                      DialectEvaluator evaluator) {
  EvaluatorRegistry &registry = EvaluatorRegistry::get();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.evaluators[dialect] = evaluator;
}

bool interp::canEvaluate(const Operation *op) {
  llvm::StringRef dialect = op->getInfo().getDialect();
  return dialect == "nn" || EvaluatorRegistry::get().lookup(dialect);
}

llvm::Expected<Tensor> interp::evaluate(Operation *op,
                                        llvm::ArrayRef<const Tensor *> args,
                                        PartialSumObserver *observer) {
  llvm::StringRef dialect = op->getInfo().getDialect();
  if (dialect != "nn") {
    if (DialectEvaluator evaluator = EvaluatorRegistry::get().lookup(dialect))
      return evaluator(op, args, observer);
    return opError(op, "the interpreter has no evaluator for the '" + dialect +
                           "' dialect");
  }
  if (auto constOp = op->dyn_cast<ConstOp>())
    return Tensor::fromAttr(constOp.getValue());
  if (op->isa<AddOp>() || op->isa<MulOp>())
    return evalBinary(op, *args[0], *args[1], op->isa<AddOp>());
  if (op->isa<ReluOp>())
    return evalClip(op, *args[0], 0.0, std::numeric_limits<double>::infinity());
  if (op->isa<ClipOp>()) {
    auto bound = [&](const char *name, double dflt) {
      Attribute attr = op->getAttr(name);
      if (auto f = attr.dyn_cast_or_null<FloatAttr>())
        return f.getValue();
      if (auto i = attr.dyn_cast_or_null<IntegerAttr>())
        return double(i.getInt());
      return dflt;
    };
    return evalClip(op, *args[0],
                    bound("min", -std::numeric_limits<double>::infinity()),
                    bound("max", std::numeric_limits<double>::infinity()));
  }
  if (op->isa<CastOp>())
    return evalCast(*args[0], resultElementType(op));
  if (op->isa<QuantizeOp>())
    return evalQuantize(op, *args[0]);
  if (op->isa<DequantizeOp>())
    return evalDequantize(op, *args[0]);
  if (op->isa<RequantizeOp>())
    return evalRequantize(op, *args[0]);
  if (op->isa<QAddOp>())
    return evalQAdd(op, *args[0], *args[1]);
  if (op->isa<QConvOp>() || op->isa<ConvOp>())
    return evalConv(op, *args[0], *args[1], args.size() > 2 ? args[2] : nullptr,
                    op->isa<QConvOp>());
  if (op->isa<QMatMulOp>() || op->isa<MatMulOp>())
    return evalMatMul(op, *args[0], *args[1],
                      args.size() > 2 ? args[2] : nullptr,
                      op->isa<QMatMulOp>());
  if (op->isa<GemmOp>())
    return evalGemm(op, *args[0], *args[1],
                    args.size() > 2 ? args[2] : nullptr);
  if (op->isa<MaxPoolOp>())
    return evalPool(op, *args[0], PoolKind::Max, MaxPoolOp(op).getWindow());
  if (op->isa<AvgPoolOp>())
    return evalPool(op, *args[0], PoolKind::Avg, AvgPoolOp(op).getWindow());
  if (op->isa<QAvgPoolOp>())
    return evalPool(op, *args[0], PoolKind::QSum, QAvgPoolOp(op).getWindow());
  if (op->isa<GlobalAvgPoolOp>())
    return evalGlobalAvgPool(op, *args[0]);
  if (op->isa<BatchNormOp>())
    return evalBatchNorm(op, *args[0], *args[1], *args[2], *args[3], *args[4]);
  if (op->isa<SoftmaxOp>())
    return evalSoftmax(op, *args[0]);
  if (op->isa<ActivationOp>())
    return evalActivation(op, *args[0]);
  if (op->isa<ReshapeOp>())
    return evalReshape(op, *args[0]);
  if (op->isa<TransposeOp>())
    return evalTranspose(op, *args[0]);
  if (op->isa<ConcatOp>())
    return evalConcat(op, args);
  if (op->isa<PadOp>())
    return evalPad(op, *args[0]);
  return opError(op, "the reference interpreter cannot execute this op");
}

/// The memory a tensor's elements take in the interpreter.
static uint64_t getTensorBytes(const Tensor &tensor) {
  return uint64_t(tensor.getNumElements()) * 8;
}

/// The error of an op whose result would pass the interpreter's limit.
static llvm::Error memoryError(Operation *op, uint64_t resultBytes,
                               uint64_t liveBytes, uint64_t maxBytes,
                               llvm::StringRef limitHint) {
  std::string type;
  llvm::raw_string_ostream(type) << op->getResult(0)->getType();
  return opError(
      op, "the result (" + type + ") takes " + formatByteSize(resultBytes) +
              " in the reference interpreter, with " +
              formatByteSize(liveBytes) +
              " of live tensors: over the memory limit of " +
              formatByteSize(maxBytes) + " (" + limitHint.str() + ")");
}

llvm::Expected<std::vector<Tensor>> interp::run(Function &fn,
                                                std::vector<Tensor> inputs,
                                                PartialSumObserver *observer,
                                                uint64_t maxBytes,
                                                llvm::StringRef limitHint) {
  Block &body = fn.getBody();
  if (inputs.size() != body.getNumArguments())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "function '@%s' takes %u inputs, got %zu",
                                   fn.getName().str().c_str(),
                                   body.getNumArguments(), inputs.size());

  llvm::DenseMap<Value *, Tensor> values;
  for (unsigned i = 0; i < body.getNumArguments(); ++i) {
    BlockArgument *arg = body.getArgument(i);
    auto type = arg->getType().cast<TensorType>();
    Tensor &input = inputs[i];
    bool shapeOk = input.getRank() == type.getRank();
    for (unsigned d = 0; shapeOk && d < type.getRank(); ++d)
      shapeOk = type.isDynamicDim(d) || type.getDimSize(d) == input.getDim(d);
    if (input.getElementType() == type.getElementType() && shapeOk &&
        input.isInteger())
      if (auto intType = type.getElementType().dyn_cast<IntegerType>())
        for (int64_t v : input.ints())
          if (intType.wrap(v) != v)
            return llvm::createStringError(
                llvm::inconvertibleErrorCode(),
                "input #%u holds %lld, which does not fit its element type", i,
                (long long)v);
    if (input.getElementType() != type.getElementType() || !shapeOk) {
      std::string expected, got;
      llvm::raw_string_ostream(expected) << Type(type);
      llvm::raw_string_ostream(got) << Type(input.getType());
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "input #%u must be %s, got %s", i,
                                     expected.c_str(), got.c_str());
    }
    values[arg] = std::move(input);
  }
  uint64_t liveBytes = 0;
  for (auto &entry : values)
    liveBytes += getTensorBytes(entry.second);

  // Free each value after its last use, so large batches fit in memory.
  llvm::DenseMap<Value *, Operation *> lastUse;
  for (Operation &op : body)
    for (Value *operand : op.getOperands())
      lastUse[operand] = &op;

  for (Operation &op : body) {
    if (op.isa<ReturnOp>()) {
      // A value returned once moves out; one returned twice is copied.
      std::vector<Tensor> results;
      llvm::SmallVector<Value *, 4> returned = op.getOperands();
      for (size_t i = 0; i < returned.size(); ++i) {
        bool again = llvm::is_contained(
            llvm::makeArrayRef(returned).drop_front(i + 1), returned[i]);
        results.push_back(again ? values[returned[i]]
                                : std::move(values[returned[i]]));
      }
      return results;
    }
    auto resultType = op.getResult(0)->getType().dyn_cast<TensorType>();
    if (resultType && resultType.hasStaticShape()) {
      uint64_t resultBytes = uint64_t(resultType.getNumElements()) * 8;
      if (resultBytes > maxBytes || liveBytes > maxBytes - resultBytes)
        return memoryError(&op, resultBytes, liveBytes, maxBytes, limitHint);
    }
    llvm::SmallVector<const Tensor *, 4> operands;
    for (Value *operand : op.getOperands())
      operands.push_back(&values[operand]);
    auto result = evaluate(&op, operands, observer);
    if (!result)
      return result.takeError();
    // Dynamic shapes are known only now.
    uint64_t resultBytes = getTensorBytes(*result);
    if (resultBytes > maxBytes || liveBytes > maxBytes - resultBytes)
      return memoryError(&op, resultBytes, liveBytes, maxBytes, limitHint);
    for (Value *operand : op.getOperands())
      if (lastUse[operand] == &op) {
        auto it = values.find(operand);
        if (it != values.end()) {
          liveBytes -= getTensorBytes(it->second);
          values.erase(it);
        }
      }
    liveBytes += resultBytes;
    values[op.getResult(0)] = std::move(*result);
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "function '@%s' has no return",
                                 fn.getName().str().c_str());
}
