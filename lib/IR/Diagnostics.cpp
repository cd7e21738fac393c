//===- Diagnostics.cpp - Errors, warnings and notes at locations ----------===//

#include "ohm/IR/Diagnostics.h"
#include "ohm/IR/Attributes.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Types.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdio>
#include <cstdlib>

using namespace ohm;

llvm::StringRef ohm::getSeverityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Error:
    return "error";
  }
  llvm_unreachable("unknown severity");
}

//===----------------------------------------------------------------------===//
// Diagnostic
//===----------------------------------------------------------------------===//

Diagnostic &Diagnostic::operator<<(const llvm::Twine &text) {
  message += text.str();
  return *this;
}
Diagnostic &Diagnostic::operator<<(llvm::StringRef text) {
  message.append(text.begin(), text.end());
  return *this;
}
Diagnostic &Diagnostic::operator<<(const char *text) {
  message += text;
  return *this;
}
Diagnostic &Diagnostic::operator<<(const std::string &text) {
  message += text;
  return *this;
}
Diagnostic &Diagnostic::operator<<(int64_t value) {
  message += std::to_string(value);
  return *this;
}
Diagnostic &Diagnostic::operator<<(uint64_t value) {
  message += std::to_string(value);
  return *this;
}
Diagnostic &Diagnostic::operator<<(int value) {
  message += std::to_string(value);
  return *this;
}
Diagnostic &Diagnostic::operator<<(unsigned value) {
  message += std::to_string(value);
  return *this;
}
Diagnostic &Diagnostic::operator<<(double value) {
  // The shortest text that reads back as the same double (not %e).
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  message += buffer;
  return *this;
}
Diagnostic &Diagnostic::operator<<(Type type) {
  llvm::raw_string_ostream os(message);
  os << type;
  return *this;
}
Diagnostic &Diagnostic::operator<<(Attribute attr) {
  llvm::raw_string_ostream os(message);
  os << attr;
  return *this;
}

Diagnostic &Diagnostic::attachNote(Location noteLoc) {
  notes.emplace_back(noteLoc, DiagnosticSeverity::Note);
  return notes.back();
}

//===----------------------------------------------------------------------===//
// InFlightDiagnostic and DiagnosticEngine
//===----------------------------------------------------------------------===//

InFlightDiagnostic::InFlightDiagnostic(InFlightDiagnostic &&other)
    : engine(other.engine), diag(std::move(other.diag)) {
  other.engine = nullptr;
}

InFlightDiagnostic::~InFlightDiagnostic() { report(); }

Diagnostic &InFlightDiagnostic::attachNote(Location loc) {
  assert(isActive() && "attaching a note to a reported diagnostic");
  return diag->attachNote(loc);
}

void InFlightDiagnostic::report() {
  if (!isActive())
    return;
  engine->emit(*diag);
  engine = nullptr;
}

DiagnosticEngine::HandlerID DiagnosticEngine::registerHandler(Handler handler) {
  handlers.emplace_back(nextID, std::move(handler));
  return nextID++;
}

void DiagnosticEngine::eraseHandler(HandlerID id) {
  llvm::erase_if(handlers,
                 [&](const auto &entry) { return entry.first == id; });
}

void DiagnosticEngine::emit(const Diagnostic &diag) {
  if (diag.getSeverity() == DiagnosticSeverity::Error)
    ++numErrors;
  if (!handlers.empty()) {
    handlers.back().second(diag);
    return;
  }
  printDiagnostic(diag, llvm::errs());
}

static InFlightDiagnostic emitAt(Location loc, DiagnosticSeverity severity) {
  return InFlightDiagnostic(&loc.getContext().getDiagEngine(),
                            Diagnostic(loc, severity));
}

InFlightDiagnostic ohm::emitError(Location loc) {
  return emitAt(loc, DiagnosticSeverity::Error);
}
InFlightDiagnostic ohm::emitError(Location loc, const llvm::Twine &message) {
  InFlightDiagnostic diag = emitAt(loc, DiagnosticSeverity::Error);
  diag << message;
  return diag;
}
InFlightDiagnostic ohm::emitWarning(Location loc) {
  return emitAt(loc, DiagnosticSeverity::Warning);
}
InFlightDiagnostic ohm::emitRemark(Location loc) {
  return emitAt(loc, DiagnosticSeverity::Remark);
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

/// The `where` of `where: error: message` for a location without a buffer.
static void printLocationPrefix(Location loc, llvm::raw_ostream &os) {
  switch (loc.getKind()) {
  case Location::Kind::Unknown:
    os << "<unknown location>";
    return;
  case Location::Kind::FileLineCol: {
    // Line 0 means the file as a whole (e.g. a binary model).
    auto fileLoc = loc.cast<FileLineColLoc>();
    os << fileLoc.getFile();
    if (fileLoc.getLine() != 0)
      os << ':' << fileLoc.getLine() << ':' << fileLoc.getColumn();
    return;
  }
  case Location::Kind::Name: {
    auto nameLoc = loc.cast<NameLoc>();
    if (auto fileLoc = nameLoc.getChild().findFileLineCol()) {
      printLocationPrefix(*fileLoc, os);
      os << ": " << nameLoc.getName();
      return;
    }
    os << nameLoc.getName();
    return;
  }
  case Location::Kind::Fused:
    printLocationPrefix(loc.cast<FusedLoc>().getLocations().front(), os);
    return;
  }
}

void ohm::printDiagnostic(const Diagnostic &diag, llvm::raw_ostream &os) {
  printLocationPrefix(diag.getLocation(), os);
  os << ": " << getSeverityName(diag.getSeverity()) << ": " << diag.getMessage()
     << "\n";
  for (const Diagnostic &note : diag.getNotes())
    printDiagnostic(note, os);
  os.flush();
}

/// The buffer of `mgr` whose identifier is `file`, or 0.
static unsigned findBuffer(llvm::SourceMgr &mgr, llvm::StringRef file) {
  for (unsigned id = 1, e = mgr.getNumBuffers(); id <= e; ++id)
    if (mgr.getMemoryBuffer(id)->getBufferIdentifier() == file)
      return id;
  return 0;
}

static llvm::SourceMgr::DiagKind getDiagKind(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Note:
    return llvm::SourceMgr::DK_Note;
  case DiagnosticSeverity::Remark:
    return llvm::SourceMgr::DK_Remark;
  case DiagnosticSeverity::Warning:
    return llvm::SourceMgr::DK_Warning;
  case DiagnosticSeverity::Error:
    return llvm::SourceMgr::DK_Error;
  }
  llvm_unreachable("unknown severity");
}

SourceMgrDiagnosticHandler::SourceMgrDiagnosticHandler(llvm::SourceMgr &mgr,
                                                       Context &ctx,
                                                       llvm::raw_ostream &os)
    : mgr(mgr), ctx(ctx), os(os) {
  id = ctx.getDiagEngine().registerHandler(
      [this](const Diagnostic &diag) { emitDiagnostic(diag); });
}

SourceMgrDiagnosticHandler::~SourceMgrDiagnosticHandler() {
  ctx.getDiagEngine().eraseHandler(id);
}

void SourceMgrDiagnosticHandler::emitDiagnostic(const Diagnostic &diag) {
  auto fileLoc = diag.getLocation().findFileLineCol();
  unsigned bufferId = fileLoc ? findBuffer(mgr, fileLoc->getFile()) : 0;
  if (!bufferId) {
    // Notes are printed by the recursion below.
    Diagnostic withoutNotes(diag.getLocation(), diag.getSeverity());
    withoutNotes << diag.getMessage();
    printDiagnostic(withoutNotes, os);
  } else {
    llvm::SMLoc smLoc = mgr.FindLocForLineAndColumn(
        bufferId, fileLoc->getLine(), fileLoc->getColumn());
    std::string message = diag.getMessage();
    // Say which named entity the position belongs to, if any.
    if (auto nameLoc = diag.getLocation().dyn_cast<NameLoc>())
      message = "'" + nameLoc.getName().str() + "': " + message;
    mgr.PrintMessage(os, smLoc, getDiagKind(diag.getSeverity()), message);
  }
  for (const Diagnostic &note : diag.getNotes())
    emitDiagnostic(note);
  os.flush();
}

//===----------------------------------------------------------------------===//
// SourceMgrDiagnosticVerifierHandler
//===----------------------------------------------------------------------===//

struct SourceMgrDiagnosticVerifierHandler::Expected {
  DiagnosticSeverity severity;
  unsigned bufferId;
  unsigned line;     // The line the diagnostic is expected on.
  llvm::SMLoc where; // The annotation itself, to report it unmatched.
  std::string substring;
  bool matched = false;
};

SourceMgrDiagnosticVerifierHandler::SourceMgrDiagnosticVerifierHandler(
    llvm::SourceMgr &mgr, Context &ctx, llvm::raw_ostream &os)
    : SourceMgrDiagnosticHandler(mgr, ctx, os) {
  for (unsigned id = 1, e = mgr.getNumBuffers(); id <= e; ++id)
    parseExpectations(id);
  // Replace the printing handler registered by the base class.
  ctx.getDiagEngine().eraseHandler(this->id);
  this->id = ctx.getDiagEngine().registerHandler(
      [this](const Diagnostic &diag) { process(diag); });
}

SourceMgrDiagnosticVerifierHandler::~SourceMgrDiagnosticVerifierHandler() =
    default;

void SourceMgrDiagnosticVerifierHandler::parseExpectations(unsigned bufferId) {
  static const llvm::Regex annotation(
      "expected-(error|note|remark|warning) *(@([+-][0-9]+|above|below))? *"
      "\\{\\{(.*)\\}\\}");
  llvm::StringRef buffer = mgr.getMemoryBuffer(bufferId)->getBuffer();
  llvm::SmallVector<llvm::StringRef, 0> lines;
  buffer.split(lines, '\n');
  auto isAnnotationLine = [&](size_t index) {
    return lines[index].contains("expected-");
  };
  for (size_t index = 0; index < lines.size(); ++index) {
    llvm::SmallVector<llvm::StringRef, 5> groups;
    if (!annotation.match(lines[index], &groups))
      continue;
    Expected expected;
    expected.severity = llvm::StringSwitch<DiagnosticSeverity>(groups[1])
                            .Case("error", DiagnosticSeverity::Error)
                            .Case("note", DiagnosticSeverity::Note)
                            .Case("remark", DiagnosticSeverity::Remark)
                            .Default(DiagnosticSeverity::Warning);
    expected.bufferId = bufferId;
    expected.where = llvm::SMLoc::getFromPointer(groups[0].data());
    expected.substring = groups[4].str();
    long line = long(index) + 1;
    llvm::StringRef offset = groups[3];
    if (offset == "below") {
      size_t next = index + 1;
      while (next < lines.size() && isAnnotationLine(next))
        ++next;
      line = long(next) + 1;
    } else if (offset == "above") {
      long prev = long(index) - 1;
      while (prev >= 0 && isAnnotationLine(size_t(prev)))
        --prev;
      line = prev + 1;
    } else if (!offset.empty()) {
      long delta = 0;
      offset.drop_front(offset.front() == '+').getAsInteger(10, delta);
      line += delta;
    }
    if (line < 1) {
      mgr.PrintMessage(os, expected.where, llvm::SourceMgr::DK_Error,
                       "expected diagnostic refers to a line before the file");
      sawUnexpected = true;
      continue;
    }
    expected.line = unsigned(line);
    expectations.push_back(std::move(expected));
  }
}

void SourceMgrDiagnosticVerifierHandler::process(const Diagnostic &diag) {
  auto fileLoc = diag.getLocation().findFileLineCol();
  unsigned bufferId = fileLoc ? findBuffer(mgr, fileLoc->getFile()) : 0;
  bool found = false;
  if (bufferId) {
    for (Expected &expected : expectations) {
      if (expected.matched || expected.bufferId != bufferId ||
          expected.line != fileLoc->getLine() ||
          expected.severity != diag.getSeverity() ||
          !llvm::StringRef(diag.getMessage()).contains(expected.substring))
        continue;
      expected.matched = true;
      found = true;
      break;
    }
  }
  if (!found) {
    sawUnexpected = true;
    Diagnostic unexpected(diag.getLocation(), DiagnosticSeverity::Error);
    unexpected << "unexpected " << getSeverityName(diag.getSeverity()) << ": "
               << diag.getMessage();
    emitDiagnostic(unexpected);
  }
  for (const Diagnostic &note : diag.getNotes())
    process(note);
}

LogicalResult SourceMgrDiagnosticVerifierHandler::verify() {
  bool ok = !sawUnexpected;
  for (const Expected &expected : expectations) {
    if (expected.matched)
      continue;
    ok = false;
    mgr.PrintMessage(os, expected.where, llvm::SourceMgr::DK_Error,
                     "expected " + getSeverityName(expected.severity).str() +
                         " \"" + expected.substring + "\" was not produced");
  }
  os.flush();
  return success(ok);
}
