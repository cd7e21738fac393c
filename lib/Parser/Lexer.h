//===- Lexer.h - Tokens of the IR text --------------------------*- C++ -*-===//
//
// Private to lib/Parser. Splits a buffer into tokens. Tensor shapes
// (`1x784xu8`) are not tokens of their own: the parser asks the lexer to
// restart after an `x` (resetPointer) while it reads dimensions.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_PARSER_LEXER_H
#define OHM_LIB_PARSER_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <string>

namespace ohm {

struct Token {
  enum Kind {
    eof,
    error,
    bare_identifier,        // nn.add, i32, tensor, func
    percent_identifier,     // %x
    at_identifier,          // @main or @"quoted"
    exclamation_identifier, // !xb.tile
    integer,                // 42, 0x2A
    floatliteral,           // 1.5, 2e-3
    string,                 // "text"
    l_paren,
    r_paren,
    l_brace,
    r_brace,
    l_square,
    r_square,
    less,
    greater,
    comma,
    colon,
    equal,
    arrow,
    minus,
    question,
  };

  Kind kind = eof;
  llvm::StringRef spelling;
  /// For `error` tokens: what went wrong.
  std::string message;

  bool is(Kind k) const { return kind == k; }
  bool isKeyword(llvm::StringRef word) const {
    return kind == bare_identifier && spelling == word;
  }
  llvm::SMLoc getLoc() const {
    return llvm::SMLoc::getFromPointer(spelling.data());
  }
  /// The contents of a string token (or quoted @name) with escapes decoded.
  std::string getStringValue() const;
  static llvm::StringRef describe(Kind kind);
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef buffer)
      : buffer(buffer), cur(buffer.begin()) {}
  Token lex();
  void resetPointer(const char *ptr) { cur = ptr; }
  const char *getPointer() const { return cur; }
  llvm::StringRef getBuffer() const { return buffer; }

private:
  Token make(Token::Kind kind, const char *start) {
    Token token;
    token.kind = kind;
    token.spelling = llvm::StringRef(start, cur - start);
    return token;
  }
  Token makeError(const char *start, llvm::StringRef message);
  Token lexNumber(const char *start);
  Token lexString(const char *start);
  Token lexIdentifierAfterSigil(const char *start, Token::Kind kind,
                                bool allowDigitsFirst);

  llvm::StringRef buffer;
  const char *cur;
};

} // namespace ohm

#endif // OHM_LIB_PARSER_LEXER_H
