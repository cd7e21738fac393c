//===- Value.h - SSA values and their uses ----------------------*- C++ -*-===//
//
// A Value is either a block argument (a function parameter) or an op result.
// Each value keeps an intrusive list of its uses (OpOperands), so replacing
// all uses and asking whether a value is dead are cheap. Values may carry a
// name hint, which the printer uses (made unique) instead of a number.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_VALUE_H
#define OHM_IR_VALUE_H

#include "ohm/IR/Location.h"
#include "ohm/IR/Types.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"

#include <iterator>

namespace ohm {

class Block;
class OpOperand;
class Operation;

class Value {
public:
  enum class Kind : uint8_t { BlockArgument, OpResult };

  Value(const Value &) = delete;
  Value &operator=(const Value &) = delete;

  Kind getKind() const { return kind; }
  Type getType() const { return type; }
  void setType(Type newType) { type = newType; }
  Context &getContext() const { return type.getContext(); }

  /// The op that produces this value, or null for a block argument.
  Operation *getDefiningOp() const;
  /// The block the value is defined in.
  Block *getParentBlock() const;
  /// The defining op's location, or the block argument's.
  Location getLoc() const;

  llvm::StringRef getNameHint() const { return nameHint; }
  /// Sets the printer's name hint (interned in the Context).
  void setNameHint(llvm::StringRef name);

  /// Iterates over the OpOperands that use this value.
  class use_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = OpOperand;
    using difference_type = std::ptrdiff_t;
    using pointer = OpOperand *;
    using reference = OpOperand &;
    explicit use_iterator(OpOperand *use = nullptr) : use(use) {}
    OpOperand &operator*() const { return *use; }
    OpOperand *operator->() const { return use; }
    use_iterator &operator++();
    use_iterator operator++(int) {
      use_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const use_iterator &other) const {
      return use == other.use;
    }
    bool operator!=(const use_iterator &other) const {
      return use != other.use;
    }

  private:
    OpOperand *use;
  };
  use_iterator use_begin() const { return use_iterator(firstUse); }
  use_iterator use_end() const { return use_iterator(); }
  llvm::iterator_range<use_iterator> getUses() const {
    return {use_begin(), use_end()};
  }
  bool use_empty() const { return firstUse == nullptr; }
  bool hasOneUse() const;
  unsigned getNumUses() const;
  /// The distinct-or-not ops using this value, in use-list order.
  std::vector<Operation *> getUsers() const;

  /// Makes every use of this value use `newValue` instead.
  void replaceAllUsesWith(Value *newValue);
  /// Same, for the uses `shouldReplace` accepts.
  void replaceUsesWithIf(Value *newValue,
                         llvm::function_ref<bool(OpOperand &)> shouldReplace);

protected:
  Value(Kind kind, Type type) : type(type), kind(kind) {}
  ~Value() = default;

private:
  friend class OpOperand;
  Type type;
  OpOperand *firstUse = nullptr;
  llvm::StringRef nameHint;
  Kind kind;
};

/// One operand slot of an op: the value used and the links of its use list.
class OpOperand {
public:
  OpOperand() = default;
  OpOperand(const OpOperand &) = delete;
  OpOperand &operator=(const OpOperand &) = delete;
  ~OpOperand() { removeFromUseList(); }

  Value *get() const { return value; }
  /// Points this operand at another value (or null), updating use lists.
  void set(Value *newValue);
  Operation *getOwner() const { return owner; }
  unsigned getOperandNumber() const;
  OpOperand *getNextUse() const { return nextUse; }

private:
  friend class Operation;
  void removeFromUseList();
  void insertIntoUseList();

  Value *value = nullptr;
  OpOperand *nextUse = nullptr;
  OpOperand **prevUse = nullptr; // The pointer that points at this operand.
  Operation *owner = nullptr;
};

inline Value::use_iterator &Value::use_iterator::operator++() {
  use = use->getNextUse();
  return *this;
}

/// A parameter of a function (an argument of its body block).
class BlockArgument : public Value {
public:
  BlockArgument(Type type, Block *owner, unsigned index, Location loc)
      : Value(Kind::BlockArgument, type), owner(owner), index(index), loc(loc) {
  }
  static bool classof(const Value *value) {
    return value->getKind() == Kind::BlockArgument;
  }
  Block *getOwner() const { return owner; }
  unsigned getArgNumber() const { return index; }
  Location getLoc() const { return loc; }
  void setLoc(Location newLoc) { loc = newLoc; }

private:
  Block *owner;
  unsigned index;
  Location loc;
};

/// A result of an operation.
class OpResult : public Value {
public:
  OpResult(Type type, Operation *owner, unsigned index)
      : Value(Kind::OpResult, type), owner(owner), index(index) {}
  static bool classof(const Value *value) {
    return value->getKind() == Kind::OpResult;
  }
  Operation *getOwner() const { return owner; }
  unsigned getResultNumber() const { return index; }

private:
  Operation *owner;
  unsigned index;
};

} // namespace ohm

#endif // OHM_IR_VALUE_H
