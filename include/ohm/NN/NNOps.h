//===- NNOps.h - The nn dialect ---------------------------------*- C++ -*-===//
//
// The `nn` dialect is the quantized tensor graph: close to ONNX, but
// normalized (docs/IR.md, DESIGN.md section 2). Ops are declared in
// NNOps.def; this header gives each a typed view.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_NN_NNOPS_H
#define OHM_NN_NNOPS_H

#include "ohm/IR/Builder.h"
#include "ohm/IR/OpDefinition.h"
#include "ohm/IR/Operation.h"

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/SmallVector.h"

namespace ohm {
namespace nn {

/// Registers every nn op with `ctx`.
void registerNNDialect(Context &ctx);

/// The numpy broadcast of two shapes, or None if they are incompatible.
/// A dynamic dimension broadcast with 1 stays dynamic; with n it becomes n.
llvm::Optional<llvm::SmallVector<int64_t, 4>>
getBroadcastShape(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

#define OHM_NN_OP_COMMON(CLASS, BASE)                                          \
  using BASE::BASE;                                                            \
  static const OpInfo Info;                                                    \
  static bool classof(const Operation *op) { return &op->getInfo() == &Info; }

/// `%c = nn.const() {value = dense<...> : T} : () -> T`
class ConstOp : public OpView {
public:
  OHM_NN_OP_COMMON(ConstOp, OpView)
  static ConstOp build(OpBuilder &builder, Location loc,
                       DenseElementsAttr value);
  DenseElementsAttr getValue() const {
    return op->getAttrOfType<DenseElementsAttr>("value");
  }
  Value *getResult() const { return op->getResult(0); }
  static LogicalResult verify(Operation *op);
};

/// Shared by the binary elementwise ops: same element type, broadcast shape.
class ElementwiseBinaryOp : public OpView {
public:
  using OpView::OpView;
  Value *getLhs() const { return op->getOperand(0); }
  Value *getRhs() const { return op->getOperand(1); }
  Value *getResult() const { return op->getResult(0); }
  static LogicalResult verify(Operation *op);
  /// Infers the result type of `lhs op rhs`, or null if invalid.
  static Type inferResultType(Type lhs, Type rhs);
};

/// `%z = nn.add(%x, %y) : (T1, T2) -> T3`
class AddOp : public ElementwiseBinaryOp {
public:
  OHM_NN_OP_COMMON(AddOp, ElementwiseBinaryOp)
  static AddOp build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs);
  static Attribute fold(Operation *op, llvm::ArrayRef<Attribute> operands);
};

/// `%z = nn.mul(%x, %y) : (T1, T2) -> T3`
class MulOp : public ElementwiseBinaryOp {
public:
  OHM_NN_OP_COMMON(MulOp, ElementwiseBinaryOp)
  static MulOp build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs);
  static Attribute fold(Operation *op, llvm::ArrayRef<Attribute> operands);
};

/// `%y = nn.relu(%x) : (T) -> T`
class ReluOp : public OpView {
public:
  OHM_NN_OP_COMMON(ReluOp, OpView)
  static ReluOp build(OpBuilder &builder, Location loc, Value *input);
  Value *getInput() const { return op->getOperand(0); }
  Value *getResult() const { return op->getResult(0); }
  static LogicalResult verify(Operation *op);
  static Attribute fold(Operation *op, llvm::ArrayRef<Attribute> operands);
};

#undef OHM_NN_OP_COMMON

} // namespace nn
} // namespace ohm

#endif // OHM_NN_NNOPS_H
