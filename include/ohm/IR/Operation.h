//===- Operation.h - The generic op -----------------------------*- C++ -*-===//
//
// An Operation has a kind (OpInfo), operands, results, attributes sorted by
// name, and a location. It lives in a Block's op list. Typed views
// (OpView subclasses) give kind-specific accessors over the same object:
//
//   if (auto add = op->dyn_cast<nn::AddOp>())
//     use(add.getLhs());
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_OPERATION_H
#define OHM_IR_OPERATION_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Diagnostics.h"
#include "ohm/IR/Location.h"
#include "ohm/IR/OpDefinition.h"
#include "ohm/IR/Value.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/ilist_node.h"
#include "llvm/ADT/iterator_range.h"

#include <memory>

namespace ohm {

class Block;
class Function;

class Operation : public llvm::ilist_node<Operation> {
public:
  /// Creates a detached op; insert it with Block::push_back / insertBefore
  /// or an OpBuilder.
  static Operation *create(Location loc, const OpInfo &info,
                           llvm::ArrayRef<Type> resultTypes,
                           llvm::ArrayRef<Value *> operands,
                           llvm::ArrayRef<NamedAttribute> attributes = {});

  Operation(const Operation &) = delete;
  Operation &operator=(const Operation &) = delete;

  const OpInfo &getInfo() const { return *info; }
  llvm::StringRef getName() const { return info->name; }
  bool hasTrait(unsigned trait) const { return info->hasTrait(trait); }
  Context &getContext() const { return loc.getContext(); }

  Location getLoc() const { return loc; }
  void setLoc(Location newLoc) { loc = newLoc; }

  /// The block holding this op, or null when detached.
  Block *getBlock() const { return block; }
  Function *getParentFunction() const;

  // Operands.
  unsigned getNumOperands() const { return numOperands; }
  Value *getOperand(unsigned i) const { return operands[i].get(); }
  void setOperand(unsigned i, Value *value) { operands[i].set(value); }
  llvm::MutableArrayRef<OpOperand> getOpOperands() {
    return {operands.get(), numOperands};
  }
  llvm::ArrayRef<OpOperand> getOpOperands() const {
    return {operands.get(), numOperands};
  }
  /// The operand values, in order.
  llvm::SmallVector<Value *, 4> getOperands() const;
  /// Replaces all operands (the count may change).
  void setOperands(llvm::ArrayRef<Value *> values);

  // Results.
  unsigned getNumResults() const { return numResults; }
  OpResult *getResult(unsigned i) const { return &results[i]; }
  llvm::SmallVector<Value *, 2> getResults() const;
  bool use_empty() const;

  // Attributes, kept sorted by name.
  llvm::ArrayRef<NamedAttribute> getAttrs() const { return attrs; }
  Attribute getAttr(llvm::StringRef name) const;
  template <typename AttrT> AttrT getAttrOfType(llvm::StringRef name) const {
    return getAttr(name).dyn_cast_or_null<AttrT>();
  }
  bool hasAttr(llvm::StringRef name) const { return bool(getAttr(name)); }
  void setAttr(llvm::StringRef name, Attribute value);
  /// Returns whether an attribute was removed.
  bool removeAttr(llvm::StringRef name);
  void setAttrs(llvm::ArrayRef<NamedAttribute> newAttrs);

  // Typed views.
  template <typename OpT> bool isa() const { return OpT::classof(this); }
  template <typename OpT> OpT dyn_cast() {
    return OpT::classof(this) ? OpT(this) : OpT();
  }
  template <typename OpT> OpT cast() {
    assert(OpT::classof(this) && "cast<> to an incompatible op");
    return OpT(this);
  }

  // Placement.
  /// Unlinks from the block without deleting.
  void remove();
  /// Unlinks and deletes; no result may still have uses.
  void erase();
  void moveBefore(Operation *other);
  /// Whether this op comes before `other` in the same block (O(n)).
  bool isBeforeInBlock(const Operation *other) const;
  /// Sets every operand to null, removing this op from use lists.
  void dropAllReferences();

  // Diagnostics at this op's location.
  InFlightDiagnostic emitError();
  /// An error prefixed with `'op.name' op `.
  InFlightDiagnostic emitOpError();
  InFlightDiagnostic emitWarning();
  InFlightDiagnostic emitRemark();

  /// Runs the op-kind verifier after the generic checks (operand and result
  /// counts); emits diagnostics on failure.
  LogicalResult verify();

  void print(llvm::raw_ostream &os);
  void dump();

private:
  friend class Block;
  Operation(Location loc, const OpInfo &info, unsigned numResults);
  ~Operation();

  const OpInfo *info;
  Location loc;
  Block *block = nullptr;
  std::unique_ptr<OpOperand[]> operands;
  unsigned numOperands = 0;
  unsigned numResults;
  OpResult *results; // Allocated with the op's results' storage.
  llvm::SmallVector<NamedAttribute, 2> attrs;
};

} // namespace ohm

#endif // OHM_IR_OPERATION_H
