//===- Builder.h - Creating ops at an insertion point -----------*- C++ -*-===//
//
// OpBuilder creates ops and inserts them at its insertion point. Typed views
// provide `static OpT build(OpBuilder &, Location, ...)` so that
// `builder.create<nn::AddOp>(loc, lhs, rhs)` reads like the IR.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_BUILDER_H
#define OHM_IR_BUILDER_H

#include "ohm/IR/Block.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Operation.h"

namespace ohm {

class OpBuilder {
public:
  explicit OpBuilder(Context &ctx) : ctx(&ctx) {}
  /// Inserts before `op`.
  explicit OpBuilder(Operation *op) : ctx(&op->getContext()) {
    setInsertionPoint(op);
  }

  Context &getContext() const { return *ctx; }

  void setInsertionPoint(Operation *op) {
    block = op->getBlock();
    insertPt = Block::iterator(*op);
  }
  void setInsertionPointAfter(Operation *op) {
    block = op->getBlock();
    insertPt = std::next(Block::iterator(*op));
  }
  void setInsertionPointToEnd(Block *newBlock) {
    block = newBlock;
    insertPt = newBlock->end();
  }
  void setInsertionPointToStart(Block *newBlock) {
    block = newBlock;
    insertPt = newBlock->begin();
  }
  Block *getBlock() const { return block; }

  /// Creates a generic op and inserts it (if there is an insertion block).
  Operation *create(Location loc, const OpInfo &info,
                    llvm::ArrayRef<Type> resultTypes,
                    llvm::ArrayRef<Value *> operands,
                    llvm::ArrayRef<NamedAttribute> attributes = {}) {
    Operation *op =
        Operation::create(loc, info, resultTypes, operands, attributes);
    if (block)
      block->insert(insertPt, op);
    return op;
  }

  template <typename OpT, typename... Args>
  OpT create(Location loc, Args &&...args) {
    return OpT::build(*this, loc, std::forward<Args>(args)...);
  }

  /// Shorthands for common types and attributes.
  IntegerType getIntegerType(unsigned width, bool isSigned = true) {
    return IntegerType::get(*ctx, width, isSigned);
  }
  FloatType getF32Type() { return FloatType::getF32(*ctx); }
  IntegerAttr getI64Attr(int64_t value) {
    return IntegerAttr::get(*ctx, value);
  }
  FloatAttr getF32Attr(double value) {
    return FloatAttr::get(getF32Type(), value);
  }
  StringAttr getStringAttr(llvm::StringRef value) {
    return StringAttr::get(*ctx, value);
  }
  NamedAttribute getNamedAttr(llvm::StringRef name, Attribute value) {
    return {ctx->intern(name), value};
  }

private:
  Context *ctx;
  Block *block = nullptr;
  Block::iterator insertPt;
};

} // namespace ohm

#endif // OHM_IR_BUILDER_H
