//===- TypeRuleSupport.h - What the nn type rules share ---------*- C++ -*-===//
//
// Private to lib/NN: the checks and builders the per-family NNOps*.cpp
// files share. Each op's own rule is its view's `inferType`.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_NN_TYPERULESUPPORT_H
#define OHM_LIB_NN_TYPERULESUPPORT_H

#include "ohm/NN/NNOps.h"

#include <string>

namespace ohm {
namespace nn {

/// Operand `i` as a tensor (every nn rule runs after a check that all
/// operands are tensors).
inline TensorType getOperandTensor(Operation *op, unsigned i) {
  return op->getOperand(i)->getType().cast<TensorType>();
}

/// The declared result type if it is a tensor, else null. Rules read it
/// where the result element type is the op's choice (cast, quantize,
/// requantize, qadd, the reshape's dynamic dimensions).
inline TensorType getDeclaredTensor(Operation *op) {
  return op->getNumResults()
             ? op->getResult(0)->getType().dyn_cast<TensorType>()
             : TensorType();
}

/// `[2, ?, 3]`, for messages.
std::string shapeStr(llvm::ArrayRef<int64_t> shape);

/// Normalizes a possibly negative axis for `rank`; false if out of range.
bool normalizeAxis(int64_t &axis, int64_t rank);

/// Whether `value` fits the integer type (as a signed value).
bool fitsType(IntegerType type, int64_t value);

/// Checks that attribute `name`, if present, is an integer in the range of
/// `type` (or, with `allowPerChannel`, a 1-D dense tensor of them with
/// `channels` values when `channels` is known).
LogicalResult checkZeroPoint(Operation *op, llvm::StringRef name, Type type,
                             ErrorStream &err, bool allowPerChannel = false,
                             int64_t channels = -1);

/// Creates an op whose result type comes from its type rule; asserts the
/// rule accepts it (builders are for callers that already checked).
Operation *createTyped(OpBuilder &builder, Location loc, const OpInfo &info,
                       llvm::ArrayRef<Value *> operands,
                       llvm::ArrayRef<NamedAttribute> attrs, Type declared);

} // namespace nn
} // namespace ohm

#endif // OHM_LIB_NN_TYPERULESUPPORT_H
