//===- Context.h - Owner of everything uniqued ------------------*- C++ -*-===//
//
// The Context owns the uniqued types, attributes, locations and interned
// strings, the registry of known operations and dialect types, and the
// diagnostic engine. Modules refer to one Context and must not outlive it.
// A Context is not thread-safe; use one per thread.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_CONTEXT_H
#define OHM_IR_CONTEXT_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Diagnostics.h"
#include "ohm/IR/Types.h"

#include "llvm/ADT/StringRef.h"

#include <functional>
#include <memory>
#include <vector>

namespace ohm {

struct OpInfo;

namespace detail {
struct ContextImpl;
} // namespace detail

/// Checks the parameters of a dialect type; emits through `emitError` and
/// returns failure if they are invalid.
using DialectTypeVerifier = std::function<LogicalResult(
    llvm::ArrayRef<Attribute> params,
    const std::function<InFlightDiagnostic()> &emitError)>;

class Context {
public:
  Context();
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  DiagnosticEngine &getDiagEngine();

  /// Returns a copy of `str` owned by the Context; equal strings share
  /// storage.
  llvm::StringRef intern(llvm::StringRef str);

  /// Makes an operation known to the parser and the verifier.
  void registerOp(const OpInfo &info);
  /// Looks an operation up by its full name, e.g. `nn.add`.
  const OpInfo *lookupOp(llvm::StringRef name) const;
  /// All registered ops, sorted by name.
  std::vector<const OpInfo *> getRegisteredOps() const;

  /// Makes `!name<...>` a known type (name is `dialect.mnemonic`).
  void registerDialectType(llvm::StringRef name, DialectTypeVerifier verifier);
  bool isRegisteredDialectType(llvm::StringRef name) const;
  /// Checks `params` for the dialect type `name` (registered or not).
  LogicalResult
  verifyDialectType(llvm::StringRef name, llvm::ArrayRef<Attribute> params,
                    const std::function<InFlightDiagnostic()> &emitError) const;

  detail::ContextImpl &getImpl() { return *impl; }

private:
  std::unique_ptr<detail::ContextImpl> impl;
};

} // namespace ohm

#endif // OHM_IR_CONTEXT_H
