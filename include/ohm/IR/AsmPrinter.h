//===- AsmPrinter.h - Printing IR as text -----------------------*- C++ -*-===//
//
// The printer writes the generic syntax of docs/IR.md. Its output parses
// back to the same IR, and printing that again gives the same text.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_ASMPRINTER_H
#define OHM_IR_ASMPRINTER_H

#include <cstdint>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ohm {

class Attribute;
class Module;
class Operation;

struct PrintOptions {
  /// Dense attributes with more elements than this print as
  /// `dense<__elided__>`, which does not parse back. Negative: never elide.
  int64_t elideElementsLargerThan = -1;
  /// Dense attributes with at most this many elements print as a nested
  /// list; larger ones as a hex payload.
  int64_t maxListElements = 16;
  /// Print source positions (`"file":line:col`) inside locations.
  bool printDebugInfo = false;
};

/// Prints one attribute with the given options.
void printAttribute(Attribute attr, llvm::raw_ostream &os,
                    const PrintOptions &options);

} // namespace ohm

#endif // OHM_IR_ASMPRINTER_H
