//===- Diagnostics.h - Errors, warnings and notes at locations --*- C++ -*-===//
//
// All user-facing problems found in IR go through one DiagnosticEngine owned
// by the Context. A diagnostic is built with `emitError(loc) << ...` and
// reported when the InFlightDiagnostic goes out of scope. Handlers decide
// what reporting means: print with a source excerpt (SourceMgrDiagnostic-
// Handler), or check against `expected-error` annotations in the input
// (SourceMgrDiagnosticVerifierHandler, for --verify-diagnostics).
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_DIAGNOSTICS_H
#define OHM_IR_DIAGNOSTICS_H

#include "ohm/IR/Location.h"
#include "ohm/Support/LogicalResult.h"

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace ohm {

class Attribute;
class Type;

enum class DiagnosticSeverity { Note, Remark, Warning, Error };

llvm::StringRef getSeverityName(DiagnosticSeverity severity);

/// A message at a location, with attached notes.
class Diagnostic {
public:
  Diagnostic(Location loc, DiagnosticSeverity severity)
      : loc(loc), severity(severity) {}

  Location getLocation() const { return loc; }
  DiagnosticSeverity getSeverity() const { return severity; }
  const std::string &getMessage() const { return message; }
  llvm::ArrayRef<Diagnostic> getNotes() const { return notes; }

  Diagnostic &operator<<(const llvm::Twine &text);
  Diagnostic &operator<<(llvm::StringRef text);
  Diagnostic &operator<<(const char *text);
  Diagnostic &operator<<(const std::string &text);
  Diagnostic &operator<<(int64_t value);
  Diagnostic &operator<<(uint64_t value);
  Diagnostic &operator<<(int value);
  Diagnostic &operator<<(unsigned value);
  Diagnostic &operator<<(double value);
  Diagnostic &operator<<(Type type);
  Diagnostic &operator<<(Attribute attr);

  Diagnostic &attachNote(Location noteLoc);

private:
  Location loc;
  DiagnosticSeverity severity;
  std::string message;
  std::vector<Diagnostic> notes;
};

class DiagnosticEngine;

/// A diagnostic being built; reported on destruction unless abandoned.
/// Converts to failure() so `return op->emitError() << "...";` works.
class [[nodiscard]] InFlightDiagnostic {
public:
  InFlightDiagnostic(DiagnosticEngine *engine, Diagnostic diag)
      : engine(engine), diag(std::move(diag)) {}
  InFlightDiagnostic(InFlightDiagnostic &&other);
  InFlightDiagnostic(const InFlightDiagnostic &) = delete;
  ~InFlightDiagnostic();

  template <typename T> InFlightDiagnostic &operator<<(T &&value) & {
    if (isActive())
      *diag << std::forward<T>(value);
    return *this;
  }
  template <typename T> InFlightDiagnostic &&operator<<(T &&value) && {
    if (isActive())
      *diag << std::forward<T>(value);
    return std::move(*this);
  }

  /// Adds a note; the returned reference stays valid until report().
  Diagnostic &attachNote(Location loc);
  void report();
  void abandon() { engine = nullptr; }
  bool isActive() const { return engine != nullptr; }

  operator LogicalResult() const { return failure(); }
  /// For functions that return None when they do not apply and a result
  /// when they do (the backend's per-family emitters).
  operator llvm::Optional<LogicalResult>() const {
    return LogicalResult(failure());
  }

private:
  DiagnosticEngine *engine;
  llvm::Optional<Diagnostic> diag;
};

/// Dispatches diagnostics to the most recently registered handler. With no
/// handler, diagnostics print to stderr.
class DiagnosticEngine {
public:
  using Handler = std::function<void(const Diagnostic &)>;
  using HandlerID = uint64_t;

  HandlerID registerHandler(Handler handler);
  void eraseHandler(HandlerID id);
  void emit(const Diagnostic &diag);

  /// The number of errors reported so far (useful to tools).
  unsigned getNumErrors() const { return numErrors; }

private:
  std::vector<std::pair<HandlerID, Handler>> handlers;
  HandlerID nextID = 1;
  unsigned numErrors = 0;
};

InFlightDiagnostic emitError(Location loc);
InFlightDiagnostic emitError(Location loc, const llvm::Twine &message);
InFlightDiagnostic emitWarning(Location loc);
InFlightDiagnostic emitRemark(Location loc);

/// Prints a diagnostic without source excerpts: `where: error: message`.
void printDiagnostic(const Diagnostic &diag, llvm::raw_ostream &os);

/// While alive, prints diagnostics with the source line and a caret when
/// their location points into a buffer of `mgr`.
class SourceMgrDiagnosticHandler {
public:
  SourceMgrDiagnosticHandler(llvm::SourceMgr &mgr, Context &ctx,
                             llvm::raw_ostream &os = llvm::errs());
  virtual ~SourceMgrDiagnosticHandler();

protected:
  void emitDiagnostic(const Diagnostic &diag);
  llvm::SourceMgr &mgr;
  Context &ctx;
  llvm::raw_ostream &os;
  DiagnosticEngine::HandlerID id;
};

/// While alive, checks every diagnostic against the `expected-error`,
/// `expected-warning`, `expected-note` and `expected-remark` annotations of
/// the buffers in `mgr`:
///
///   // expected-error @+1 {{substring of the message}}
///   // expected-error {{...}}          (same line)
///   // expected-error @-2 {{...}}      (two lines above)
///   // expected-error @below {{...}}   (next line that is not an annotation)
///   // expected-error @above {{...}}   (previous such line)
///
/// verify() reports unmatched expectations and unexpected diagnostics.
class SourceMgrDiagnosticVerifierHandler : public SourceMgrDiagnosticHandler {
public:
  SourceMgrDiagnosticVerifierHandler(llvm::SourceMgr &mgr, Context &ctx,
                                     llvm::raw_ostream &os = llvm::errs());
  ~SourceMgrDiagnosticVerifierHandler() override;

  /// Returns failure if any expectation was not met or any diagnostic was
  /// unexpected; the reasons are printed.
  LogicalResult verify();

private:
  struct Expected;
  void process(const Diagnostic &diag);
  void parseExpectations(unsigned bufferId);
  std::vector<Expected> expectations;
  bool sawUnexpected = false;
};

} // namespace ohm

#endif // OHM_IR_DIAGNOSTICS_H
