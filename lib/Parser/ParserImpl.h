//===- ParserImpl.h - The IR text parser's state ----------------*- C++ -*-===//
//
// Private to lib/Parser. Declares the recursive-descent parser shared by
// TypeParser.cpp (types), AttributeParser.cpp (attributes and number
// literals) and Parser.cpp (locations, values, ops, functions and the entry
// points of ohm/Parser/Parser.h). It is deliberately ignorant of individual
// ops: an op is a name looked up in the registry, operands, attributes and a
// signature.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_PARSER_PARSERIMPL_H
#define OHM_LIB_PARSER_PARSERIMPL_H

#include "Lexer.h"

#include "ohm/IR/Builder.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <vector>

namespace ohm {
namespace detail {

/// A number or boolean as written, before its type is known (dense
/// elements are parsed before the `: type` that follows them).
struct Literal {
  Token token;
  bool negative = false;
};

/// Parses one buffer of a SourceMgr; stops at the first error, which it
/// reports through the Context's diagnostic engine at the offending token.
class Parser {
public:
  Parser(llvm::SourceMgr &mgr, unsigned bufferId, Context &ctx)
      : mgr(mgr), bufferId(bufferId), ctx(ctx),
        lexer(mgr.getMemoryBuffer(bufferId)->getBuffer()),
        bufferName(
            ctx.intern(mgr.getMemoryBuffer(bufferId)->getBufferIdentifier())) {
    consume();
  }

  std::unique_ptr<Module> parseModule();
  Type parseStandaloneType();
  Attribute parseStandaloneAttribute();

private:
  //===--------------------------------------------------------------------===//
  // Tokens and errors
  //===--------------------------------------------------------------------===//

  void consume() { tok = lexer.lex(); }
  bool consumeIf(Token::Kind kind) {
    if (!tok.is(kind))
      return false;
    consume();
    return true;
  }
  Location getLoc(llvm::SMLoc loc) {
    auto lineCol = mgr.getLineAndColumn(loc, bufferId);
    return FileLineColLoc::get(ctx, bufferName, lineCol.first, lineCol.second);
  }
  Location getLoc() { return getLoc(tok.getLoc()); }
  InFlightDiagnostic emitError(llvm::SMLoc loc) {
    return ohm::emitError(getLoc(loc));
  }
  /// Reports an error at the current token; a lexer error takes precedence
  /// since it explains the token itself.
  InFlightDiagnostic emitError() {
    if (tok.is(Token::error))
      return ohm::emitError(getLoc()) << tok.message << "; ";
    return ohm::emitError(getLoc());
  }
  LogicalResult expect(Token::Kind kind, llvm::StringRef context) {
    if (consumeIf(kind))
      return success();
    return emitError() << "expected " << Token::describe(kind) << " "
                       << context;
  }
  LogicalResult expectKeyword(llvm::StringRef word, llvm::StringRef context) {
    if (tok.isKeyword(word)) {
      consume();
      return success();
    }
    return emitError() << "expected '" << word << "' " << context;
  }

  /// Guards against inputs nested deeply enough to overflow the stack.
  struct DepthGuard {
    DepthGuard(Parser &parser) : parser(parser) { ++parser.depth; }
    ~DepthGuard() { --parser.depth; }
    Parser &parser;
  };
  LogicalResult checkDepth() {
    if (depth <= kMaxDepth)
      return success();
    return emitError() << "nesting is deeper than " << kMaxDepth << " levels";
  }
  static constexpr unsigned kMaxDepth = 128;

  //===--------------------------------------------------------------------===//
  // Types
  //===--------------------------------------------------------------------===//

  Type parseType();
  Type parseTensorType();
  Type parseFunctionType();
  Type parseDialectType();
  LogicalResult parseTypeList(llvm::SmallVectorImpl<Type> &types);
  /// `type` or `(type, ...)`.
  LogicalResult parseResultTypes(llvm::SmallVectorImpl<Type> &types);
  /// `(type, ...) -> results`, the signature of `what` (for messages:
  /// "a function type", "the op's type").
  LogicalResult parseSignature(llvm::SmallVectorImpl<Type> &inputs,
                               llvm::SmallVectorImpl<Type> &results,
                               llvm::StringRef what);

  //===--------------------------------------------------------------------===//
  // Attributes
  //===--------------------------------------------------------------------===//

  Attribute parseAttribute();
  Attribute parseNumberAttribute();
  Attribute parseDenseAttribute();
  LogicalResult parseLiteral(Literal &literal);
  LogicalResult parseDenseList(std::vector<Literal> &elements,
                               std::vector<int64_t> &shape);
  LogicalResult literalToInt(const Literal &literal, Type type, int64_t &out);
  LogicalResult literalToDouble(const Literal &literal, FloatType type,
                                double &out);
  LogicalResult
  parseAttributeDict(llvm::SmallVectorImpl<NamedAttribute> &attrs);

  //===--------------------------------------------------------------------===//
  // Locations, ops, functions
  //===--------------------------------------------------------------------===//

  /// Parses `loc(...)` if present; otherwise leaves `loc` alone.
  LogicalResult parseOptionalLocation(Location &loc, Location position);
  LogicalResult parseLocationInner(Location &loc, Location position);
  LogicalResult parseFunction(Module &module);
  LogicalResult parseOperation(OpBuilder &builder);
  LogicalResult parseReturn(OpBuilder &builder, Location opLoc);
  Value *resolveValue(const Token &nameTok, Type type);
  LogicalResult defineValue(const Token &nameTok, Value *value);
  LogicalResult finishFunction();

  llvm::SourceMgr &mgr;
  unsigned bufferId;
  Context &ctx;
  Lexer lexer;
  llvm::StringRef bufferName;
  Token tok;
  unsigned depth = 0;

  // Per function: defined names, and names used before being defined.
  struct ForwardRef {
    std::unique_ptr<BlockArgument> placeholder;
    llvm::SMLoc useLoc;
  };
  llvm::StringMap<Value *> values;
  llvm::StringMap<llvm::SMLoc> definitionLocs;
  llvm::StringMap<ForwardRef> forwardRefs;
  // Declared last so it is destroyed first: its ops may still point at
  // placeholders.
  std::unique_ptr<Module> module;
};

} // namespace detail
} // namespace ohm

#endif // OHM_LIB_PARSER_PARSERIMPL_H
