//===- Parser.cpp - Reading IR text ---------------------------------------===//
//
// A recursive-descent parser for the generic syntax (docs/IR.md). It is
// deliberately ignorant of individual ops: an op is a name looked up in the
// registry, operands, attributes and a signature. Forward references are
// only tracked to give a precise "used before its definition" message,
// because a function body is a single block in definition order.
//
//===----------------------------------------------------------------------===//

#include "ohm/Parser/Parser.h"
#include "ohm/IR/Builder.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Context.h"

#include "Lexer.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <cstring>

using namespace ohm;

namespace {

/// A number or boolean as written, before its type is known (dense
/// elements are parsed before the `: type` that follows them).
struct Literal {
  Token token;
  bool negative = false;
};

class Parser {
public:
  Parser(llvm::SourceMgr &mgr, unsigned bufferId, Context &ctx)
      : mgr(mgr), bufferId(bufferId), ctx(ctx),
        lexer(mgr.getMemoryBuffer(bufferId)->getBuffer()),
        bufferName(ctx.intern(
            mgr.getMemoryBuffer(bufferId)->getBufferIdentifier())) {
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
  LogicalResult parseAttributeDict(llvm::SmallVectorImpl<NamedAttribute> &attrs);

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

} // namespace

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

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
        if (tok.spelling.getAsInteger(10, value) || value > (uint64_t(1) << 48)) {
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

Type Parser::parseFunctionType() {
  llvm::SmallVector<Type, 4> inputs, results;
  if (failed(expect(Token::l_paren, "to start a function type")) ||
      failed(parseTypeList(inputs)) ||
      failed(expect(Token::r_paren, "to close the input types")) ||
      failed(expect(Token::arrow, "in a function type")) ||
      failed(parseResultTypes(results)))
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
  if (failed(ctx.verifyDialectType(name, params,
                                   [&] { return emitError(loc); })))
    return Type();
  return DialectType::get(ctx, name, params);
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

LogicalResult Parser::parseLiteral(Literal &literal) {
  literal.negative = consumeIf(Token::minus);
  if (tok.is(Token::integer) || tok.is(Token::floatliteral) ||
      (!literal.negative && (tok.isKeyword("true") || tok.isKeyword("false")))) {
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
      return emitError(loc) << "'" << t.spelling << "' needs a 1-bit type, not "
                            << type;
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
      return emitError(loc) << "hex float '" << t.spelling
                            << "' is not a " << width << "-bit pattern";
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

//===----------------------------------------------------------------------===//
// Locations
//===----------------------------------------------------------------------===//

LogicalResult Parser::parseOptionalLocation(Location &loc, Location position) {
  if (!tok.isKeyword("loc"))
    return success();
  consume();
  if (failed(expect(Token::l_paren, "after 'loc'")) ||
      failed(parseLocationInner(loc, position)) ||
      failed(expect(Token::r_paren, "to close 'loc('")))
    return failure();
  return success();
}

LogicalResult Parser::parseLocationInner(Location &loc, Location position) {
  DepthGuard guard(*this);
  if (failed(checkDepth()))
    return failure();
  if (tok.isKeyword("unknown")) {
    consume();
    loc = UnknownLoc::get(ctx);
    return success();
  }
  if (tok.isKeyword("fused")) {
    consume();
    if (failed(expect(Token::l_square, "after 'fused'")))
      return failure();
    llvm::SmallVector<Location, 4> locs;
    do {
      Location inner;
      if (failed(parseLocationInner(inner, position)))
        return failure();
      locs.push_back(inner);
    } while (consumeIf(Token::comma));
    if (failed(expect(Token::r_square, "to close 'fused['")))
      return failure();
    loc = FusedLoc::get(ctx, locs);
    return success();
  }
  if (!tok.is(Token::string))
    return emitError() << "expected a location: unknown, \"file\":line:col, "
                          "\"name\" or fused[...]";
  std::string text = tok.getStringValue();
  consume();
  if (consumeIf(Token::colon)) {
    unsigned line = 0, column = 0;
    if (!tok.is(Token::integer) || tok.spelling.getAsInteger(10, line))
      return emitError() << "expected a line number in a file location";
    consume();
    if (failed(expect(Token::colon, "between line and column")))
      return failure();
    if (!tok.is(Token::integer) || tok.spelling.getAsInteger(10, column))
      return emitError() << "expected a column number in a file location";
    consume();
    loc = FileLineColLoc::get(ctx, text, line, column);
    return success();
  }
  Location child = position;
  if (consumeIf(Token::l_paren)) {
    if (failed(parseLocationInner(child, position)) ||
        failed(expect(Token::r_paren, "to close the name's location")))
      return failure();
  }
  loc = NameLoc::get(text, child);
  return success();
}

//===----------------------------------------------------------------------===//
// Values, ops and functions
//===----------------------------------------------------------------------===//

Value *Parser::resolveValue(const Token &nameTok, Type type) {
  llvm::StringRef name = nameTok.spelling.drop_front();
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  // Not defined (yet): remember the first use for the error message.
  ForwardRef &ref = forwardRefs[name];
  if (!ref.placeholder) {
    ref.placeholder = std::make_unique<BlockArgument>(
        type, /*owner=*/nullptr, /*index=*/0, UnknownLoc::get(ctx));
    ref.useLoc = nameTok.getLoc();
  }
  return ref.placeholder.get();
}

LogicalResult Parser::defineValue(const Token &nameTok, Value *value) {
  llvm::StringRef name = nameTok.spelling.drop_front();
  auto inserted = values.try_emplace(name, value);
  if (!inserted.second) {
    InFlightDiagnostic diag = emitError(nameTok.getLoc());
    diag << "redefinition of value '%" << name << "'";
    diag.attachNote(getLoc(definitionLocs[name])) << "previously defined here";
    return failure();
  }
  definitionLocs[name] = nameTok.getLoc();
  auto ref = forwardRefs.find(name);
  if (ref != forwardRefs.end()) {
    InFlightDiagnostic diag = emitError(ref->second.useLoc);
    diag << "value '%" << name << "' is used before its definition";
    diag.attachNote(getLoc(nameTok.getLoc())) << "defined here";
    return failure();
  }
  // Numeric names are the printer's numbering; only real names are kept.
  if (!llvm::all_of(name, llvm::isDigit))
    value->setNameHint(name);
  return success();
}

LogicalResult Parser::finishFunction() {
  if (!forwardRefs.empty()) {
    // Report the earliest use, so the error is deterministic.
    const ForwardRef *first = nullptr;
    llvm::StringRef firstName;
    for (auto &entry : forwardRefs)
      if (!first || entry.second.useLoc.getPointer() <
                        first->useLoc.getPointer()) {
        first = &entry.second;
        firstName = entry.first();
      }
    return emitError(first->useLoc)
           << "use of undefined value '%" << firstName << "'";
  }
  values.clear();
  definitionLocs.clear();
  return success();
}

LogicalResult Parser::parseReturn(OpBuilder &builder, Location opLoc) {
  llvm::SmallVector<Token, 4> names;
  if (tok.is(Token::percent_identifier)) {
    do {
      if (!tok.is(Token::percent_identifier))
        return emitError() << "expected a value name";
      names.push_back(tok);
      consume();
    } while (consumeIf(Token::comma));
  }
  llvm::SmallVector<Value *, 4> operands;
  if (!names.empty()) {
    if (failed(expect(Token::colon, "before the returned types")))
      return failure();
    llvm::SmallVector<Type, 4> types;
    llvm::SMLoc typesLoc = tok.getLoc();
    do {
      Type type = parseType();
      if (!type)
        return failure();
      types.push_back(type);
    } while (consumeIf(Token::comma));
    if (types.size() != names.size())
      return emitError(typesLoc) << "'return' has " << unsigned(names.size())
                                 << " values but " << unsigned(types.size())
                                 << " types";
    for (size_t i = 0; i < names.size(); ++i) {
      Value *value = resolveValue(names[i], types[i]);
      if (value->getType() != types[i])
        return emitError(names[i].getLoc())
               << "'" << names[i].spelling << "' has type "
               << value->getType() << ", not " << types[i];
      operands.push_back(value);
    }
  }
  Location loc = opLoc;
  if (failed(parseOptionalLocation(loc, opLoc)))
    return failure();
  ReturnOp::build(builder, loc, operands);
  return success();
}

LogicalResult Parser::parseOperation(OpBuilder &builder) {
  // Result names.
  llvm::SmallVector<Token, 2> resultNames;
  if (tok.is(Token::percent_identifier)) {
    do {
      if (!tok.is(Token::percent_identifier))
        return emitError() << "expected a result name";
      resultNames.push_back(tok);
      consume();
    } while (consumeIf(Token::comma));
    if (failed(expect(Token::equal, "after the result names")))
      return failure();
  }

  if (!tok.is(Token::bare_identifier))
    return emitError() << "expected an operation name";
  llvm::SMLoc nameLoc = tok.getLoc();
  Location opLoc = getLoc(nameLoc);
  llvm::StringRef opName = tok.spelling;
  consume();
  if (opName == "return") {
    if (!resultNames.empty())
      return emitError(nameLoc) << "'return' has no results";
    return parseReturn(builder, opLoc);
  }
  const OpInfo *info = ctx.lookupOp(opName);
  if (!info) {
    if (!opName.contains('.'))
      return emitError(nameLoc) << "expected an operation name like "
                                   "'dialect.op', got '"
                                << opName << "'";
    return emitError(nameLoc) << "unknown operation '" << opName << "'";
  }

  // Operands.
  if (failed(expect(Token::l_paren, "before the operands")))
    return failure();
  llvm::SmallVector<Token, 4> operandNames;
  if (!tok.is(Token::r_paren)) {
    do {
      if (!tok.is(Token::percent_identifier))
        return emitError() << "expected an operand name";
      operandNames.push_back(tok);
      consume();
    } while (consumeIf(Token::comma));
  }
  if (failed(expect(Token::r_paren, "after the operands")))
    return failure();

  llvm::SmallVector<NamedAttribute, 4> attrs;
  if (tok.is(Token::l_brace) && failed(parseAttributeDict(attrs)))
    return failure();

  // Signature.
  if (failed(expect(Token::colon, "before the op's type")))
    return failure();
  llvm::SMLoc typeLoc = tok.getLoc();
  llvm::SmallVector<Type, 4> operandTypes, resultTypes;
  if (failed(expect(Token::l_paren, "to start the op's type")) ||
      failed(parseTypeList(operandTypes)) ||
      failed(expect(Token::r_paren, "after the operand types")) ||
      failed(expect(Token::arrow, "in the op's type")) ||
      failed(parseResultTypes(resultTypes)))
    return failure();
  if (operandTypes.size() != operandNames.size())
    return emitError(typeLoc) << "'" << opName << "' has "
                              << unsigned(operandNames.size())
                              << " operands but its type lists "
                              << unsigned(operandTypes.size());
  if (resultTypes.size() != resultNames.size())
    return emitError(typeLoc) << "'" << opName << "' has "
                              << unsigned(resultNames.size())
                              << " result names but its type lists "
                              << unsigned(resultTypes.size()) << " results";

  Location loc = opLoc;
  if (failed(parseOptionalLocation(loc, opLoc)))
    return failure();

  llvm::SmallVector<Value *, 4> operands;
  for (size_t i = 0; i < operandNames.size(); ++i) {
    Value *value = resolveValue(operandNames[i], operandTypes[i]);
    if (value->getType() != operandTypes[i])
      return emitError(operandNames[i].getLoc())
             << "type mismatch for operand #" << unsigned(i) << " '"
             << operandNames[i].spelling << "': the op's type says "
             << operandTypes[i] << " but it is defined as "
             << value->getType();
    operands.push_back(value);
  }

  Operation *op = builder.create(loc, *info, resultTypes, operands, attrs);
  for (size_t i = 0; i < resultNames.size(); ++i)
    if (failed(defineValue(resultNames[i], op->getResult(i))))
      return failure();
  return success();
}

LogicalResult Parser::parseFunction(Module &module) {
  llvm::SMLoc funcLoc = tok.getLoc();
  if (failed(expectKeyword("func", "to start a function")))
    return failure();
  if (!tok.is(Token::at_identifier))
    return emitError() << "expected a function name like '@main'";
  std::string name = tok.getStringValue();
  llvm::SMLoc nameLoc = tok.getLoc();
  consume();
  if (name.empty())
    return emitError(nameLoc) << "function names cannot be empty";
  if (Function *existing = module.lookup(name)) {
    InFlightDiagnostic diag = emitError(nameLoc);
    diag << "redefinition of function '@" << name << "'";
    diag.attachNote(existing->getLoc()) << "previous definition";
    return failure();
  }

  // Arguments.
  struct Arg {
    Token name;
    Type type;
    Location loc;
  };
  llvm::SmallVector<Arg, 4> args;
  if (failed(expect(Token::l_paren, "before the function's arguments")))
    return failure();
  if (!tok.is(Token::r_paren)) {
    do {
      if (!tok.is(Token::percent_identifier))
        return emitError() << "expected an argument name";
      Arg arg{tok, Type(), getLoc()};
      consume();
      if (failed(expect(Token::colon, "after the argument name")))
        return failure();
      arg.type = parseType();
      if (!arg.type || failed(parseOptionalLocation(arg.loc, arg.loc)))
        return failure();
      args.push_back(arg);
    } while (consumeIf(Token::comma));
  }
  if (failed(expect(Token::r_paren, "after the function's arguments")))
    return failure();
  llvm::SmallVector<Type, 4> resultTypes;
  if (consumeIf(Token::arrow) && failed(parseResultTypes(resultTypes)))
    return failure();
  llvm::SmallVector<NamedAttribute, 4> fnAttrs;
  if (tok.isKeyword("attributes")) {
    consume();
    if (failed(parseAttributeDict(fnAttrs)))
      return failure();
  }

  llvm::SmallVector<Type, 4> argTypes;
  for (const Arg &arg : args)
    argTypes.push_back(arg.type);
  auto fn = std::make_unique<Function>(
      name, FunctionType::get(ctx, argTypes, resultTypes), getLoc(funcLoc));
  Function *fnPtr = module.push_back(std::move(fn));
  for (const NamedAttribute &attr : fnAttrs)
    fnPtr->setAttr(attr.name, attr.value);
  for (size_t i = 0; i < args.size(); ++i) {
    BlockArgument *arg = fnPtr->getArgument(i);
    arg->setLoc(args[i].loc);
    if (failed(defineValue(args[i].name, arg)))
      return failure();
  }

  // Body.
  if (failed(expect(Token::l_brace, "to start the function body")))
    return failure();
  OpBuilder builder(ctx);
  builder.setInsertionPointToEnd(&fnPtr->getBody());
  while (!tok.is(Token::r_brace)) {
    if (tok.is(Token::eof))
      return emitError() << "expected '}' to close function '@" << name << "'";
    if (failed(parseOperation(builder)))
      return failure();
  }
  consume();
  return finishFunction();
}

std::unique_ptr<Module> Parser::parseModule() {
  module = std::make_unique<Module>(ctx);
  while (!tok.is(Token::eof)) {
    if (failed(parseFunction(*module)))
      return nullptr;
  }
  return std::move(module);
}

Type Parser::parseStandaloneType() {
  Type type = parseType();
  if (type && !tok.is(Token::eof)) {
    emitError() << "unexpected text after the type";
    return Type();
  }
  return type;
}

Attribute Parser::parseStandaloneAttribute() {
  Attribute attr = parseAttribute();
  if (attr && !tok.is(Token::eof)) {
    emitError() << "unexpected text after the attribute";
    return Attribute();
  }
  return attr;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

std::unique_ptr<Module> ohm::parseSourceFile(llvm::SourceMgr &mgr,
                                             Context &ctx) {
  Parser parser(mgr, mgr.getMainFileID(), ctx);
  return parser.parseModule();
}

std::unique_ptr<Module> ohm::parseSourceString(llvm::StringRef text,
                                               Context &ctx,
                                               llvm::StringRef bufferName) {
  llvm::SourceMgr mgr;
  mgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, bufferName),
                         llvm::SMLoc());
  return parseSourceFile(mgr, ctx);
}

Type ohm::parseType(llvm::StringRef text, Context &ctx) {
  llvm::SourceMgr mgr;
  mgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "<type>"),
                         llvm::SMLoc());
  Parser parser(mgr, mgr.getMainFileID(), ctx);
  return parser.parseStandaloneType();
}

Attribute ohm::parseAttribute(llvm::StringRef text, Context &ctx) {
  llvm::SourceMgr mgr;
  mgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "<attribute>"), llvm::SMLoc());
  Parser parser(mgr, mgr.getMainFileID(), ctx);
  return parser.parseStandaloneAttribute();
}
