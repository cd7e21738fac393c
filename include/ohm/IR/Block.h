//===- Block.h - A list of ops with arguments -------------------*- C++ -*-===//
//
// A Block owns an ordered list of operations and its arguments. In ohm each
// function body is one block (no control flow at the graph level), so the
// order of ops is the order of definition: a value must be defined above
// its uses.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_BLOCK_H
#define OHM_IR_BLOCK_H

#include "ohm/IR/Operation.h"
#include "ohm/IR/Value.h"

#include "llvm/ADT/simple_ilist.h"

#include <memory>
#include <vector>

namespace ohm {

class Function;

class Block {
public:
  using OpList = llvm::simple_ilist<Operation>;
  using iterator = OpList::iterator;
  using reverse_iterator = OpList::reverse_iterator;

  explicit Block(Function *parent = nullptr) : parent(parent) {}
  Block(const Block &) = delete;
  Block &operator=(const Block &) = delete;
  ~Block();

  Function *getParent() const { return parent; }

  // Arguments.
  BlockArgument *addArgument(Type type, Location loc);
  unsigned getNumArguments() const { return arguments.size(); }
  BlockArgument *getArgument(unsigned i) const { return arguments[i].get(); }
  std::vector<BlockArgument *> getArguments() const;

  // Ops.
  iterator begin() { return ops.begin(); }
  iterator end() { return ops.end(); }
  reverse_iterator rbegin() { return ops.rbegin(); }
  reverse_iterator rend() { return ops.rend(); }
  bool empty() const { return ops.empty(); }
  size_t size() const { return ops.size(); }
  Operation &front() { return ops.front(); }
  Operation &back() { return ops.back(); }
  OpList &getOperations() { return ops; }

  void push_back(Operation *op);
  /// Inserts `op` before `pos` (end() appends).
  void insert(iterator pos, Operation *op);
  /// The last op if it is a terminator, else null.
  Operation *getTerminator();

  /// Iterates over `Operation &` while allowing the current op to be erased.
  auto getOpsEarlyInc() { return llvm::make_early_inc_range(ops); }
  auto getOpsReverseEarlyInc() {
    return llvm::make_early_inc_range(llvm::reverse(ops));
  }

private:
  friend class Operation;
  OpList ops;
  std::vector<std::unique_ptr<BlockArgument>> arguments;
  Function *parent;
};

} // namespace ohm

#endif // OHM_IR_BLOCK_H
