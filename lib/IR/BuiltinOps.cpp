//===- BuiltinOps.cpp - Ops every dialect shares --------------------------===//

#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Function.h"

using namespace ohm;

const OpInfo ReturnOp::Info = {"return",
                               kVariadic,
                               0,
                               OpTrait::Terminator,
                               /*inferType=*/nullptr,
                               &ReturnOp::verify,
                               "Returns the function's results"};

ReturnOp ReturnOp::build(OpBuilder &builder, Location loc,
                         llvm::ArrayRef<Value *> values) {
  return ReturnOp(builder.create(loc, Info, {}, values));
}

LogicalResult ReturnOp::verify(Operation *op) {
  Function *fn = op->getParentFunction();
  if (!fn)
    return success();
  llvm::ArrayRef<Type> results = fn->getType().getResults();
  if (op->getNumOperands() != results.size())
    return op->emitOpError()
           << "returns " << op->getNumOperands() << " values but function '@"
           << fn->getName() << "' has " << unsigned(results.size())
           << " results";
  for (unsigned i = 0, e = results.size(); i < e; ++i)
    if (op->getOperand(i)->getType() != results[i])
      return op->emitOpError()
             << "value #" << i << " has type " << op->getOperand(i)->getType()
             << " but function '@" << fn->getName() << "' returns "
             << results[i];
  return success();
}

void ohm::registerBuiltinOps(Context &ctx) { ctx.registerOp(ReturnOp::Info); }
