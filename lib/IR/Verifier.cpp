//===- Verifier.cpp - Structural and op-specific IR checks ----------------===//
//
// The verifier checks what every pass may assume: operand and result counts
// match the op kind, each operand is defined above its use in the same
// function, the body ends with `return`, every op's type rule accepts it and
// agrees with its declared result type, and every op's own verify() hook
// holds. It reports the first problem in each function.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

using namespace ohm;

static const char *plural(int64_t count, const char *word,
                          std::string &storage) {
  storage = std::to_string(count) + " " + word + (count == 1 ? "" : "s");
  return storage.c_str();
}

/// Declared and inferred types agree when they are equal, or are tensors
/// whose element types and ranks match and whose dimensions match wherever
/// both are static.
static bool isCompatible(Type declared, Type inferred) {
  if (declared == inferred)
    return true;
  auto a = declared.dyn_cast<TensorType>();
  auto b = inferred.dyn_cast<TensorType>();
  if (!a || !b || a.getElementType() != b.getElementType() ||
      a.getRank() != b.getRank())
    return false;
  for (unsigned i = 0; i < a.getRank(); ++i)
    if (a.getDimSize(i) != b.getDimSize(i) &&
        a.getDimSize(i) != TensorType::kDynamic &&
        b.getDimSize(i) != TensorType::kDynamic)
      return false;
  return true;
}

Type ohm::inferResultType(Operation *op, std::string &error) {
  if (!op->getInfo().inferType)
    return Type();
  ErrorStream err(error);
  return op->getInfo().inferType(op, err);
}

/// The type rule must accept the op and agree with its declared result type.
static LogicalResult verifyByTypeRule(Operation *op) {
  std::string error;
  Type expected = inferResultType(op, error);
  if (!expected)
    return op->emitOpError() << error;
  Type declared = op->getResult(0)->getType();
  if (!isCompatible(declared, expected))
    return op->emitOpError()
           << "result type " << declared << " should be " << expected;
  return success();
}

LogicalResult Operation::verify() {
  std::string buffer;
  if (info->numOperands != kVariadic &&
      unsigned(info->numOperands) != numOperands)
    return emitOpError() << "expects "
                         << plural(info->numOperands, "operand", buffer)
                         << ", got " << numOperands;
  if (info->numResults != kVariadic && unsigned(info->numResults) != numResults)
    return emitOpError() << "expects "
                         << plural(info->numResults, "result", buffer)
                         << ", got " << numResults;
  for (unsigned i = 0; i < numOperands; ++i)
    if (!operands[i].get())
      return emitOpError() << "operand #" << i << " is null";
  if (info->inferType && failed(verifyByTypeRule(this)))
    return failure();
  return info->verify(this);
}

LogicalResult Function::verify() {
  FunctionType fnType = getType();
  if (body.getNumArguments() != fnType.getInputs().size())
    return emitError(loc) << "function '@" << name << "' has "
                          << body.getNumArguments()
                          << " arguments but its type has "
                          << unsigned(fnType.getInputs().size()) << " inputs";
  llvm::DenseSet<const Value *> defined;
  for (unsigned i = 0, e = body.getNumArguments(); i < e; ++i) {
    if (body.getArgument(i)->getType() != fnType.getInputs()[i])
      return emitError(body.getArgument(i)->getLoc())
             << "argument #" << i << " has type "
             << body.getArgument(i)->getType() << " but the function type says "
             << fnType.getInputs()[i];
    defined.insert(body.getArgument(i));
  }

  for (Operation &op : body) {
    for (unsigned i = 0, e = op.getNumOperands(); i < e; ++i) {
      Value *operand = op.getOperand(i);
      if (!operand || defined.count(operand))
        continue;
      InFlightDiagnostic diag = op.emitOpError();
      if (operand->getParentBlock() == &body) {
        diag << "operand #" << i << " is used before its definition";
        diag.attachNote(operand->getLoc()) << "defined here";
      } else {
        diag << "operand #" << i << " is defined outside function '@" << name
             << "'";
      }
      return failure();
    }
    if (failed(op.verify()))
      return failure();
    if (op.hasTrait(OpTrait::Terminator) && &op != &body.back())
      return op.emitOpError() << "must be the last op of the function";
    for (Value *result : op.getResults())
      defined.insert(result);
  }

  Operation *terminator = body.getTerminator();
  if (!terminator || !terminator->isa<ReturnOp>())
    return emitError(body.empty() ? loc : body.back().getLoc())
           << "function '@" << name << "' must end with 'return'";
  return success();
}

LogicalResult Module::verify() {
  bool ok = true;
  llvm::StringMap<Function *> seen;
  for (Function &fn : *this) {
    auto inserted = seen.try_emplace(fn.getName(), &fn);
    if (!inserted.second) {
      InFlightDiagnostic diag = emitError(fn.getLoc());
      diag << "redefinition of function '@" << fn.getName() << "'";
      diag.attachNote(inserted.first->second->getLoc())
          << "previous definition";
      ok = false;
      continue;
    }
    if (failed(fn.verify()))
      ok = false;
  }
  return success(ok);
}
