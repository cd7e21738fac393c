//===- OpDefinition.h - What the IR knows about an op kind ------*- C++ -*-===//
//
// Each op kind is described once by an OpInfo (name, operand and result
// counts, traits, type rule and verify hook), generated from a dialect's
// `.def` table, and viewed through a thin typed class deriving from OpView
// that adds named accessors and holds the op's type rule. See docs/IR.md,
// "Adding an op".
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_OPDEFINITION_H
#define OHM_IR_OPDEFINITION_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Diagnostics.h"
#include "ohm/IR/Location.h"
#include "ohm/Support/LogicalResult.h"

#include "llvm/ADT/None.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

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

/// Collects why a type rule rejects an op, into a string the caller reports
/// where it knows best: as an op error in the verifier, at the ONNX node in
/// the importer. `return err << "..."` converts to the failure value of the
/// function's result (a null Type, failure(), None), so a rule and its
/// helpers stop at the first problem:
///
///   if (!x.getElementType().isFloat())
///     return err << "input must be float, got " << Type(x);
class ErrorStream {
public:
  explicit ErrorStream(std::string &message) : os(message) {}
  ErrorStream(const ErrorStream &) = delete;
  ErrorStream &operator=(const ErrorStream &) = delete;

  template <typename T> ErrorStream &operator<<(const T &value) {
    os << value;
    return *this;
  }

  operator Type() const { return Type(); }
  operator LogicalResult() const { return failure(); }
  template <typename T> operator llvm::Optional<T>() const {
    return llvm::None;
  }

private:
  llvm::raw_string_ostream os;
};

/// The static description of an op kind.
struct OpInfo {
  /// The type rule: the type the op's single result must have for its
  /// operands and attributes (and, for ops whose result element type is
  /// free, such as nn.cast, the declared result type), or null with the
  /// reason in `err` if the operands or attributes are invalid. The verifier
  /// compares it with the declared type; the importer and the backend type
  /// the ops they create or re-shape with it.
  using InferTypeFn = Type (*)(Operation *op, ErrorStream &err);
  /// Checks what the type rule does not; emits diagnostics on failure.
  using VerifyFn = LogicalResult (*)(Operation *op);

  llvm::StringRef name;
  int numOperands; // kVariadic if any count is allowed.
  int numResults;  // kVariadic if any count is allowed.
  unsigned traits;
  InferTypeFn inferType; // Null for ops without a type rule (`return`).
  VerifyFn verify;
  llvm::StringRef summary;

  bool hasTrait(unsigned trait) const { return (traits & trait) == trait; }
  llvm::StringRef getDialect() const { return name.split('.').first; }
};

/// Runs `op`'s type rule: returns the type its result must have, or null
/// with the reason in `error` (left empty if the op kind has no rule).
Type inferResultType(Operation *op, std::string &error);

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

  /// Default hook: nothing to check beyond the type rule.
  static LogicalResult verify(Operation *) { return success(); }

protected:
  Operation *op;
};

} // namespace ohm

#endif // OHM_IR_OPDEFINITION_H
