//===- TypeParser.cpp - Types of the IR text ------------------------------===//
//
// Parses builtin types (integers, floats, index, tensors, functions) and
// dialect types (`!xb.tile<...>`), whose parameters are attributes.
//
//===----------------------------------------------------------------------===//

#include "ParserImpl.h"

#include "llvm/ADT/StringExtras.h"

using namespace ohm;
using namespace ohm::detail;

Type Parser::parseType() {
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return Type();
  switch (tok.kind) {
  case Token::l_paren:
    return parseFunctionType();
  case Token::exclamation_identifier:
    return parseDialectType();
  case Token::bare_identifier:
    break;
  default:
    emitError() << "expected a type";
    return Type();
  }

  llvm::StringRef spelling = tok.spelling;
  llvm::SMLoc loc = tok.getLoc();
  if (spelling == "tensor") {
    consume();
    return parseTensorType();
  }
  if (spelling == "index") {
    consume();
    return IndexType::get(ctx);
  }
  char first = spelling.front();
  llvm::StringRef digits = spelling.drop_front();
  if ((first == 'i' || first == 'u' || first == 'f') && !digits.empty() &&
      llvm::all_of(digits, llvm::isDigit)) {
    unsigned width = 0;
    if (digits.size() > 3 || digits.getAsInteger(10, width))
      width = 0;
    consume();
    if (first == 'f') {
      if (width != 16 && width != 32 && width != 64) {
        emitError(loc) << "unsupported float type '" << spelling
                       << "' (f16, f32 and f64 exist)";
        return Type();
      }
      return FloatType::get(ctx, width);
    }
    if (width < 1 || width > IntegerType::kMaxWidth) {
      emitError(loc) << "integer width must be 1 to 64, got '" << spelling
                     << "'";
      return Type();
    }
    return IntegerType::get(ctx, width, /*isSigned=*/first == 'i');
  }
  emitError() << "unknown type '" << spelling << "'";
  return Type();
}

Type Parser::parseTensorType() {
  llvm::SMLoc typeLoc = tok.getLoc();
  if (failed(expect(Token::less, "after 'tensor'")))
    return Type();
  // Dimensions: (integer | '?') followed by a token starting with 'x'.
  llvm::SmallVector<int64_t, 4> shape;
  while (true) {
    int64_t dim;
    llvm::SMLoc dimLoc = tok.getLoc();
    if (tok.is(Token::question)) {
      dim = TensorType::kDynamic;
      consume();
    } else if (tok.is(Token::integer)) {
      if (tok.spelling.startswith("0x")) {
        // `0x4xi8`: a zero dimension followed by more shape.
        dim = 0;
        lexer.resetPointer(tok.spelling.data() + 1);
        consume();
      } else {
        uint64_t value;
        if (tok.spelling.getAsInteger(10, value) ||
            value > (uint64_t(1) << 48)) {
          emitError() << "tensor dimension '" << tok.spelling
                      << "' is too large";
          return Type();
        }
        dim = int64_t(value);
        consume();
      }
    } else {
      break;
    }
    shape.push_back(dim);
    if (!tok.is(Token::bare_identifier) || !tok.spelling.startswith("x")) {
      emitError(dimLoc) << "expected 'x' after a tensor dimension";
      return Type();
    }
    lexer.resetPointer(tok.spelling.data() + 1);
    consume();
  }
  if (tok.isKeyword("tensor")) {
    emitError() << "tensors of tensors are not supported";
    return Type();
  }
  llvm::SMLoc elementLoc = tok.getLoc();
  Type element = parseType();
  if (!element)
    return Type();
  if (!TensorType::isValidElementType(element)) {
    emitError(elementLoc) << "invalid tensor element type " << element;
    return Type();
  }
  if (failed(expect(Token::greater, "to close the tensor type")))
    return Type();
  if (!TensorType::getCheckedElementCount(shape)) {
    emitError(typeLoc) << "the tensor has more than 2^40 elements";
    return Type();
  }
  return TensorType::get(shape, element);
}

LogicalResult Parser::parseTypeList(llvm::SmallVectorImpl<Type> &types) {
  if (tok.is(Token::r_paren))
    return success();
  do {
    Type type = parseType();
    if (!type)
      return failure();
    types.push_back(type);
  } while (consumeIf(Token::comma));
  return success();
}

LogicalResult Parser::parseResultTypes(llvm::SmallVectorImpl<Type> &types) {
  if (consumeIf(Token::l_paren)) {
    if (failed(parseTypeList(types)) ||
        failed(expect(Token::r_paren, "to close the result types")))
      return failure();
    return success();
  }
  Type type = parseType();
  if (!type)
    return failure();
  types.push_back(type);
  return success();
}

LogicalResult Parser::parseSignature(llvm::SmallVectorImpl<Type> &inputs,
                                     llvm::SmallVectorImpl<Type> &results,
                                     llvm::StringRef what) {
  if (failed(expect(Token::l_paren, "to start " + what.str())) ||
      failed(parseTypeList(inputs)) ||
      failed(expect(Token::r_paren,
                    "to close the input types of " + what.str())) ||
      failed(expect(Token::arrow, "in " + what.str())) ||
      failed(parseResultTypes(results)))
    return failure();
  return success();
}

Type Parser::parseFunctionType() {
  llvm::SmallVector<Type, 4> inputs, results;
  if (failed(parseSignature(inputs, results, "a function type")))
    return Type();
  return FunctionType::get(ctx, inputs, results);
}

Type Parser::parseDialectType() {
  llvm::SMLoc loc = tok.getLoc();
  llvm::StringRef name = tok.spelling.drop_front();
  consume();
  if (!name.contains('.')) {
    emitError(loc) << "dialect type '!" << name
                   << "' must be named '!dialect.mnemonic'";
    return Type();
  }
  llvm::SmallVector<Attribute, 4> params;
  if (consumeIf(Token::less)) {
    do {
      Attribute param = parseAttribute();
      if (!param)
        return Type();
      params.push_back(param);
    } while (consumeIf(Token::comma));
    if (failed(expect(Token::greater, "to close the type parameters")))
      return Type();
  }
  if (failed(
          ctx.verifyDialectType(name, params, [&] { return emitError(loc); })))
    return Type();
  return DialectType::get(ctx, name, params);
}
