//===- Parser.h - Reading IR text -------------------------------*- C++ -*-===//
//
// Parses the generic syntax of docs/IR.md into a Module. The parser needs no
// per-op code: ops are looked up in the Context's registry and checked only
// for a well-formed signature; op-specific rules are the verifier's job.
// Errors are reported through the Context's diagnostic engine at the
// file:line:col of the offending token; parsing stops at the first error.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_PARSER_PARSER_H
#define OHM_PARSER_PARSER_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Module.h"
#include "ohm/IR/Types.h"

#include "llvm/ADT/StringRef.h"

#include <memory>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace ohm {

/// Parses the main buffer of `mgr`. Returns null after reporting an error.
std::unique_ptr<Module> parseSourceFile(llvm::SourceMgr &mgr, Context &ctx);

/// Parses `text`; diagnostics name the buffer `bufferName`.
std::unique_ptr<Module>
parseSourceString(llvm::StringRef text, Context &ctx,
                  llvm::StringRef bufferName = "<string>");

/// Parses a single type or attribute (the whole string must be consumed).
/// Returns null after reporting an error.
Type parseType(llvm::StringRef text, Context &ctx);
Attribute parseAttribute(llvm::StringRef text, Context &ctx);

} // namespace ohm

#endif // OHM_PARSER_PARSER_H
