//===- AttributeParser.cpp - Attributes of the IR text --------------------===//
//
// Parses attributes: numbers (typed by a `: type` suffix, or i64 / f64 /
// bool by default), strings, arrays, `unit`, types, and dense elements in
// their three forms (a nested list, a splat, a hex payload). Number literals
// are read as written and converted once their type is known, so range
// errors point at the literal.
//
//===----------------------------------------------------------------------===//

#include "ParserImpl.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstring>

using namespace ohm;
using namespace ohm::detail;

LogicalResult Parser::parseLiteral(Literal &literal) {
  literal.negative = consumeIf(Token::minus);
  if (tok.is(Token::integer) || tok.is(Token::floatliteral) ||
      (!literal.negative &&
       (tok.isKeyword("true") || tok.isKeyword("false")))) {
    literal.token = tok;
    consume();
    return success();
  }
  return emitError() << "expected a number";
}

/// Reads an unsigned magnitude from a decimal or hex integer token.
static bool getMagnitude(llvm::StringRef spelling, uint64_t &value) {
  if (spelling.startswith("0x"))
    return !spelling.drop_front(2).getAsInteger(16, value);
  return !spelling.getAsInteger(10, value);
}

LogicalResult Parser::literalToInt(const Literal &literal, Type type,
                                   int64_t &out) {
  llvm::SMLoc loc = literal.token.getLoc();
  const Token &t = literal.token;
  if (t.isKeyword("true") || t.isKeyword("false")) {
    auto intType = type.dyn_cast<IntegerType>();
    if (!intType || intType.getWidth() != 1)
      return emitError(loc)
             << "'" << t.spelling << "' needs a 1-bit type, not " << type;
    out = t.isKeyword("true");
    return success();
  }
  if (!t.is(Token::integer))
    return emitError(loc) << "expected an integer for " << type;
  uint64_t magnitude;
  if (!getMagnitude(t.spelling, magnitude))
    return emitError(loc) << "integer '" << t.spelling
                          << "' does not fit in 64 bits";
  if (type.isa<IndexType>()) {
    if (literal.negative ? magnitude > (uint64_t(1) << 63)
                         : magnitude > uint64_t(INT64_MAX))
      return emitError(loc) << "integer does not fit in index";
    out = literal.negative ? int64_t(0 - magnitude) : int64_t(magnitude);
    return success();
  }
  auto intType = type.cast<IntegerType>();
  bool fits;
  if (literal.negative) {
    fits = intType.isSigned() && magnitude <= (uint64_t(1) << 63) &&
           intType.fitsSigned(int64_t(0 - magnitude));
    out = int64_t(0 - magnitude);
  } else {
    fits = intType.fitsUnsigned(magnitude);
    out = int64_t(magnitude);
  }
  if (!fits)
    return emitError(loc) << "integer " << (literal.negative ? "-" : "")
                          << t.spelling << " does not fit in " << type;
  return success();
}

LogicalResult Parser::literalToDouble(const Literal &literal, FloatType type,
                                      double &out) {
  llvm::SMLoc loc = literal.token.getLoc();
  const Token &t = literal.token;
  if (t.is(Token::integer) && t.spelling.startswith("0x")) {
    // A hex literal in float context is the IEEE bit pattern.
    uint64_t bits;
    unsigned width = type.getWidth();
    if (literal.negative || !getMagnitude(t.spelling, bits) ||
        (width < 64 && bits >> width))
      return emitError(loc) << "hex float '" << t.spelling << "' is not a "
                            << width << "-bit pattern";
    if (width == 64) {
      std::memcpy(&out, &bits, sizeof(out));
    } else if (width == 32) {
      uint32_t narrow = uint32_t(bits);
      float value;
      std::memcpy(&value, &narrow, sizeof(value));
      out = value;
    } else {
      llvm::APFloat half(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits));
      bool losesInfo;
      half.convert(llvm::APFloat::IEEEdouble(),
                   llvm::APFloat::rmNearestTiesToEven, &losesInfo);
      out = half.convertToDouble();
    }
    return success();
  }
  if (!t.is(Token::integer) && !t.is(Token::floatliteral))
    return emitError(loc) << "expected a number for " << Type(type);
  std::string text = (literal.negative ? "-" : "") + t.spelling.str();
  out = std::strtod(text.c_str(), nullptr);
  out = type.round(out);
  return success();
}

Attribute Parser::parseNumberAttribute() {
  Literal literal;
  if (failed(parseLiteral(literal)))
    return Attribute();
  Type type;
  llvm::SMLoc typeLoc = tok.getLoc();
  if (consumeIf(Token::colon)) {
    typeLoc = tok.getLoc();
    type = parseType();
    if (!type)
      return Attribute();
  } else if (literal.token.is(Token::floatliteral)) {
    type = FloatType::getF64(ctx);
  } else if (literal.token.is(Token::integer)) {
    type = IntegerType::get(ctx, 64, /*isSigned=*/true);
  } else {
    return BoolAttr::get(ctx, literal.token.isKeyword("true"));
  }
  if (auto floatType = type.dyn_cast<FloatType>()) {
    double value;
    if (failed(literalToDouble(literal, floatType, value)))
      return Attribute();
    return FloatAttr::get(floatType, value);
  }
  if (type.isa<IntegerType>() || type.isa<IndexType>()) {
    if (literal.token.is(Token::floatliteral)) {
      emitError(literal.token.getLoc())
          << "float literal cannot have integer type " << type;
      return Attribute();
    }
    int64_t value;
    if (failed(literalToInt(literal, type, value)))
      return Attribute();
    return IntegerAttr::get(type, value);
  }
  emitError(typeLoc) << "a number cannot have type " << type;
  return Attribute();
}

LogicalResult Parser::parseDenseList(std::vector<Literal> &elements,
                                     std::vector<int64_t> &shape) {
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return failure();
  llvm::SMLoc start = tok.getLoc();
  if (failed(expect(Token::l_square, "to start a dense list")))
    return failure();
  shape.assign(1, 0);
  if (consumeIf(Token::r_square))
    return success();
  bool nested = tok.is(Token::l_square);
  std::vector<int64_t> innerShape;
  do {
    if (nested) {
      std::vector<int64_t> childShape;
      if (!tok.is(Token::l_square))
        return emitError() << "expected '[': dense lists must be rectangular";
      if (failed(parseDenseList(elements, childShape)))
        return failure();
      if (shape[0] == 0)
        innerShape = childShape;
      else if (childShape != innerShape)
        return emitError(start) << "dense list is not rectangular";
    } else {
      Literal literal;
      if (failed(parseLiteral(literal)))
        return failure();
      elements.push_back(literal);
    }
    ++shape[0];
  } while (consumeIf(Token::comma));
  if (failed(expect(Token::r_square, "to close a dense list")))
    return failure();
  shape.insert(shape.end(), innerShape.begin(), innerShape.end());
  return success();
}

Attribute Parser::parseDenseAttribute() {
  llvm::SMLoc start = tok.getLoc();
  consume(); // 'dense'
  if (failed(expect(Token::less, "after 'dense'")))
    return Attribute();

  enum { Hex, List, Splat } form;
  std::string hex;
  std::vector<Literal> elements;
  std::vector<int64_t> listShape;
  llvm::SMLoc bodyLoc = tok.getLoc();
  if (tok.is(Token::string)) {
    form = Hex;
    hex = tok.getStringValue();
    consume();
  } else if (tok.is(Token::l_square)) {
    form = List;
    if (failed(parseDenseList(elements, listShape)))
      return Attribute();
  } else if (tok.isKeyword("__elided__")) {
    emitError() << "cannot parse an elided dense attribute (it was printed "
                   "with --elide-elements-larger-than)";
    return Attribute();
  } else {
    form = Splat;
    elements.emplace_back();
    if (failed(parseLiteral(elements.back())))
      return Attribute();
  }
  if (failed(expect(Token::greater, "to close 'dense<'")) ||
      failed(expect(Token::colon, "and a tensor type after 'dense<...>'")))
    return Attribute();
  llvm::SMLoc typeLoc = tok.getLoc();
  Type parsedType = parseType();
  if (!parsedType)
    return Attribute();
  auto type = parsedType.dyn_cast<TensorType>();
  if (!type || !DenseElementsAttr::isValidType(type)) {
    emitError(typeLoc) << "dense elements need a statically shaped tensor of "
                          "integers, floats or index, not "
                       << parsedType;
    return Attribute();
  }

  if (form == Hex) {
    llvm::StringRef text(hex);
    std::string bytes;
    if (!text.consume_front("0x") || text.size() % 2 != 0 ||
        !llvm::all_of(text, llvm::isHexDigit)) {
      emitError(bodyLoc) << "dense payload must be \"0x\" followed by an even "
                            "number of hex digits";
      return Attribute();
    }
    bytes = llvm::fromHex(text);
    llvm::ArrayRef<char> data(bytes.data(), bytes.size());
    std::string problem = DenseElementsAttr::verifyRawData(type, data);
    if (!problem.empty()) {
      emitError(bodyLoc) << "bad dense payload: " << problem;
      return Attribute();
    }
    return DenseElementsAttr::getFromRawData(type, data);
  }

  if (form == List && (type.getRank() == 0 ||
                       llvm::ArrayRef<int64_t>(listShape) != type.getShape())) {
    InFlightDiagnostic diag = emitError(start);
    diag << "dense list has shape [";
    for (size_t i = 0; i < listShape.size(); ++i)
      diag << (i ? "x" : "") << listShape[i];
    diag << "] but the type is " << Type(type);
    return Attribute();
  }
  if (form == Splat && type.getNumElements() == 0) {
    emitError(start) << "a splat needs at least one element; " << Type(type)
                     << " has none";
    return Attribute();
  }
  Type elementType = type.getElementType();
  if (auto floatType = elementType.dyn_cast<FloatType>()) {
    std::vector<double> values(elements.size());
    for (size_t i = 0; i < elements.size(); ++i)
      if (failed(literalToDouble(elements[i], floatType, values[i])))
        return Attribute();
    return DenseElementsAttr::getFromDoubles(type, values);
  }
  std::vector<int64_t> values(elements.size());
  for (size_t i = 0; i < elements.size(); ++i)
    if (failed(literalToInt(elements[i], elementType, values[i])))
      return Attribute();
  return DenseElementsAttr::getFromInts(type, values);
}

Attribute Parser::parseAttribute() {
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return Attribute();
  switch (tok.kind) {
  case Token::integer:
  case Token::floatliteral:
  case Token::minus:
    return parseNumberAttribute();
  case Token::string: {
    std::string value = tok.getStringValue();
    consume();
    return StringAttr::get(ctx, value);
  }
  case Token::l_square: {
    consume();
    llvm::SmallVector<Attribute, 8> elements;
    if (!tok.is(Token::r_square)) {
      do {
        Attribute element = parseAttribute();
        if (!element)
          return Attribute();
        elements.push_back(element);
      } while (consumeIf(Token::comma));
    }
    if (failed(expect(Token::r_square, "to close an array")))
      return Attribute();
    return ArrayAttr::get(ctx, elements);
  }
  case Token::bare_identifier:
    if (tok.isKeyword("true") || tok.isKeyword("false"))
      return parseNumberAttribute();
    if (tok.isKeyword("unit")) {
      consume();
      return UnitAttr::get(ctx);
    }
    if (tok.isKeyword("dense"))
      return parseDenseAttribute();
    LLVM_FALLTHROUGH;
  case Token::l_paren:
  case Token::exclamation_identifier: {
    Type type = parseType();
    return type ? TypeAttr::get(type) : Attribute();
  }
  default:
    emitError() << "expected an attribute";
    return Attribute();
  }
}

LogicalResult
Parser::parseAttributeDict(llvm::SmallVectorImpl<NamedAttribute> &attrs) {
  if (failed(expect(Token::l_brace, "to start attributes")))
    return failure();
  if (consumeIf(Token::r_brace))
    return success();
  llvm::StringMap<llvm::SMLoc> seen;
  do {
    llvm::SMLoc nameLoc = tok.getLoc();
    std::string name;
    if (tok.is(Token::bare_identifier))
      name = tok.spelling.str();
    else if (tok.is(Token::string))
      name = tok.getStringValue();
    else
      return emitError() << "expected an attribute name";
    consume();
    if (name.empty())
      return emitError(nameLoc) << "attribute names cannot be empty";
    if (!seen.try_emplace(name, nameLoc).second)
      return emitError(nameLoc) << "duplicate attribute '" << name << "'";
    if (failed(expect(Token::equal, "after the attribute name")))
      return failure();
    Attribute value = parseAttribute();
    if (!value)
      return failure();
    attrs.push_back({ctx.intern(name), value});
  } while (consumeIf(Token::comma));
  return expect(Token::r_brace, "to close attributes");
}
