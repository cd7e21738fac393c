//===- BuiltinOps.h - Ops every dialect shares ------------------*- C++ -*-===//
//
// `return` ends every function body. It is always registered.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_BUILTINOPS_H
#define OHM_IR_BUILTINOPS_H

#include "ohm/IR/Builder.h"
#include "ohm/IR/OpDefinition.h"
#include "ohm/IR/Operation.h"

namespace ohm {

/// `return %a, %b : type, type` — the function's results.
class ReturnOp : public OpView {
public:
  using OpView::OpView;
  static const OpInfo Info;
  static bool classof(const Operation *op) { return &op->getInfo() == &Info; }
  static ReturnOp build(OpBuilder &builder, Location loc,
                        llvm::ArrayRef<Value *> values);
  static LogicalResult verify(Operation *op);
};

void registerBuiltinOps(Context &ctx);

} // namespace ohm

#endif // OHM_IR_BUILTINOPS_H
