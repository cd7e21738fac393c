//===- Lexer.cpp - Tokens of the IR text ----------------------------------===//

#include "Lexer.h"

#include "llvm/ADT/StringExtras.h"

using namespace ohm;

static bool isIdentifierChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$';
}

std::string Token::getStringValue() const {
  llvm::StringRef body = spelling;
  if (kind == at_identifier)
    body = body.drop_front();
  if (!body.startswith("\""))
    return body.str();
  body = body.drop_front().drop_back();
  std::string value;
  value.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 == body.size()) {
      value += c;
      continue;
    }
    char next = body[++i];
    switch (next) {
    case 'n':
      value += '\n';
      break;
    case 't':
      value += '\t';
      break;
    case '\\':
    case '"':
      value += next;
      break;
    case 'x':
      // `\xHH`; the lexer checked the two hex digits.
      value += char(llvm::hexFromNibbles(body[i + 1], body[i + 2]));
      i += 2;
      break;
    default:
      // `\HH`; the lexer checked the second hex digit.
      value += char(llvm::hexFromNibbles(next, body[i + 1]));
      ++i;
      break;
    }
  }
  return value;
}

llvm::StringRef Token::describe(Kind kind) {
  switch (kind) {
  case eof:
    return "end of file";
  case error:
    return "invalid token";
  case bare_identifier:
    return "identifier";
  case percent_identifier:
    return "value name";
  case at_identifier:
    return "function name";
  case exclamation_identifier:
    return "dialect type";
  case integer:
    return "integer";
  case floatliteral:
    return "float";
  case string:
    return "string";
  case l_paren:
    return "'('";
  case r_paren:
    return "')'";
  case l_brace:
    return "'{'";
  case r_brace:
    return "'}'";
  case l_square:
    return "'['";
  case r_square:
    return "']'";
  case less:
    return "'<'";
  case greater:
    return "'>'";
  case comma:
    return "','";
  case colon:
    return "':'";
  case equal:
    return "'='";
  case arrow:
    return "'->'";
  case minus:
    return "'-'";
  case question:
    return "'?'";
  }
  return "token";
}

Token Lexer::makeError(const char *start, llvm::StringRef message) {
  Token token = make(Token::error, start);
  if (token.spelling.empty())
    token.spelling = llvm::StringRef(start, start < buffer.end() ? 1 : 0);
  token.message = message.str();
  return token;
}

Token Lexer::lex() {
  while (true) {
    const char *start = cur;
    if (cur == buffer.end())
      return make(Token::eof, start);
    char c = *cur++;
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
      continue;
    case '/':
      if (cur != buffer.end() && *cur == '/') {
        while (cur != buffer.end() && *cur != '\n')
          ++cur;
        continue;
      }
      return makeError(start, "unexpected character '/'");
    case '(':
      return make(Token::l_paren, start);
    case ')':
      return make(Token::r_paren, start);
    case '{':
      return make(Token::l_brace, start);
    case '}':
      return make(Token::r_brace, start);
    case '[':
      return make(Token::l_square, start);
    case ']':
      return make(Token::r_square, start);
    case '<':
      return make(Token::less, start);
    case '>':
      return make(Token::greater, start);
    case ',':
      return make(Token::comma, start);
    case ':':
      return make(Token::colon, start);
    case '=':
      return make(Token::equal, start);
    case '?':
      return make(Token::question, start);
    case '-':
      if (cur != buffer.end() && *cur == '>') {
        ++cur;
        return make(Token::arrow, start);
      }
      return make(Token::minus, start);
    case '"':
      return lexString(start);
    case '%':
      return lexIdentifierAfterSigil(start, Token::percent_identifier,
                                     /*allowDigitsFirst=*/true);
    case '@':
      if (cur != buffer.end() && *cur == '"') {
        ++cur;
        Token str = lexString(start);
        if (str.is(Token::error))
          return str;
        str.kind = Token::at_identifier;
        return str;
      }
      return lexIdentifierAfterSigil(start, Token::at_identifier,
                                     /*allowDigitsFirst=*/true);
    case '!':
      return lexIdentifierAfterSigil(start, Token::exclamation_identifier,
                                     /*allowDigitsFirst=*/false);
    default:
      if (llvm::isDigit(c))
        return lexNumber(start);
      if (llvm::isAlpha(c) || c == '_') {
        while (cur != buffer.end() && isIdentifierChar(*cur))
          ++cur;
        return make(Token::bare_identifier, start);
      }
      if (llvm::isPrint(c))
        return makeError(start,
                         std::string("unexpected character '") + c + "'");
      return makeError(start, "unexpected byte 0x" +
                                  llvm::utohexstr(uint8_t(c), false, 2) +
                                  " in input");
    }
  }
}

Token Lexer::lexIdentifierAfterSigil(const char *start, Token::Kind kind,
                                     bool allowDigitsFirst) {
  auto isNameChar = [&](char c) {
    return isIdentifierChar(c) ||
           (kind != Token::exclamation_identifier && c == '-');
  };
  if (cur == buffer.end() || !isNameChar(*cur) ||
      (!allowDigitsFirst && !(llvm::isAlpha(*cur) || *cur == '_')))
    return makeError(start,
                     std::string("expected a name after '") + *start + "'");
  while (cur != buffer.end() && isNameChar(*cur))
    ++cur;
  return make(kind, start);
}

Token Lexer::lexNumber(const char *start) {
  if (*start == '0' && cur != buffer.end() && *cur == 'x' &&
      cur + 1 != buffer.end() && llvm::isHexDigit(cur[1])) {
    ++cur;
    while (cur != buffer.end() && llvm::isHexDigit(*cur))
      ++cur;
    return make(Token::integer, start);
  }
  while (cur != buffer.end() && llvm::isDigit(*cur))
    ++cur;
  bool isFloat = false;
  if (cur != buffer.end() && *cur == '.') {
    isFloat = true;
    ++cur;
    while (cur != buffer.end() && llvm::isDigit(*cur))
      ++cur;
  }
  // An exponent needs digits after the optional sign.
  if (cur != buffer.end() && (*cur == 'e' || *cur == 'E')) {
    const char *exp = cur + 1;
    if (exp != buffer.end() && (*exp == '+' || *exp == '-'))
      ++exp;
    if (exp != buffer.end() && llvm::isDigit(*exp)) {
      isFloat = true;
      cur = exp;
      while (cur != buffer.end() && llvm::isDigit(*cur))
        ++cur;
    }
  }
  return make(isFloat ? Token::floatliteral : Token::integer, start);
}

Token Lexer::lexString(const char *start) {
  while (true) {
    if (cur == buffer.end() || *cur == '\n' || *cur == '\r')
      return makeError(start, "unterminated string");
    char c = *cur++;
    if (c == '"')
      return make(Token::string, start);
    if (c != '\\')
      continue;
    if (cur == buffer.end())
      return makeError(start, "unterminated string");
    char next = *cur;
    if (next == 'n' || next == 't' || next == '\\' || next == '"') {
      ++cur;
      continue;
    }
    if (next == 'x' && cur + 2 < buffer.end() && llvm::isHexDigit(cur[1]) &&
        llvm::isHexDigit(cur[2])) {
      cur += 3;
      continue;
    }
    if (cur + 1 < buffer.end() && llvm::isHexDigit(cur[0]) &&
        llvm::isHexDigit(cur[1])) {
      cur += 2;
      continue;
    }
    return makeError(cur - 1, "invalid escape in string (use \\n, \\t, "
                              "\\\\, \\\" or \\xHH)");
  }
}
