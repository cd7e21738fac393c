//===- OpDefinition.h - What the IR knows about an op kind ------*- C++ -*-===//
//
// Each op kind is described once by an OpInfo (name, operand and result
// counts, traits, verify and fold hooks), generated from a dialect's `.def`
// table, and viewed through a thin typed class deriving from OpView that adds
// named accessors. See docs/IR.md, "Adding an op".
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_OPDEFINITION_H
#define OHM_IR_OPDEFINITION_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Diagnostics.h"
#include "ohm/IR/Location.h"
#include "ohm/Support/LogicalResult.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace ohm {

class Operation;
class Value;

/// Properties passes may rely on.
namespace OpTrait {
enum : unsigned {
  None = 0,
  /// No side effects: dead if its results are unused.
  Pure = 1u << 0,
  /// Ends a block; must be its last op.
  Terminator = 1u << 1,
  /// Produces a compile-time constant from its `value` attribute.
  ConstantLike = 1u << 2,
  /// Operands may be swapped.
  Commutative = 1u << 3,
  /// Computes each output element from the corresponding (broadcast) input
  /// elements.
  Elementwise = 1u << 4,
};
} // namespace OpTrait

/// Marks an operand or result count as variable.
constexpr int kVariadic = -1;

/// The static description of an op kind.
struct OpInfo {
  using VerifyFn = LogicalResult (*)(Operation *op);
  /// Computes the op's single result from constant operands, or returns a
  /// null attribute if it cannot.
  using FoldFn = Attribute (*)(Operation *op,
                               llvm::ArrayRef<Attribute> operands);

  llvm::StringRef name;
  int numOperands; // kVariadic if any count is allowed.
  int numResults;  // kVariadic if any count is allowed.
  unsigned traits;
  VerifyFn verify;
  FoldFn fold;
  llvm::StringRef summary;

  bool hasTrait(unsigned trait) const { return (traits & trait) == trait; }
  llvm::StringRef getDialect() const { return name.split('.').first; }
};

/// Base of the typed views. A view is a pointer to an Operation with named
/// accessors; a null view is falsy. Views are cheap to copy.
class OpView {
public:
  OpView(Operation *op = nullptr) : op(op) {}
  explicit operator bool() const { return op != nullptr; }
  Operation *getOperation() const { return op; }
  operator Operation *() const { return op; }
  Operation *operator->() const { return op; }
  Location getLoc() const;

  /// Default hooks: nothing extra to verify, nothing to fold.
  static LogicalResult verify(Operation *) { return success(); }
  static Attribute fold(Operation *, llvm::ArrayRef<Attribute>) {
    return Attribute();
  }

protected:
  Operation *op;
};

} // namespace ohm

#endif // OHM_IR_OPDEFINITION_H
