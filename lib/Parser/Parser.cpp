//===- Parser.cpp - Reading IR text ---------------------------------------===//
//
// A recursive-descent parser for the generic syntax (docs/IR.md): locations,
// values, ops, functions and modules, and the entry points. Types and
// attributes are parsed in TypeParser.cpp and AttributeParser.cpp; the
// parser's state is declared in ParserImpl.h. Forward references are only
// tracked to give a precise "used before its definition" message, because a
// function body is a single block in definition order.
//
//===----------------------------------------------------------------------===//

#include "ohm/Parser/Parser.h"
#include "ohm/IR/BuiltinOps.h"

#include "ParserImpl.h"

#include "llvm/ADT/StringExtras.h"

using namespace ohm;
using namespace ohm::detail;

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
      if (!first ||
          entry.second.useLoc.getPointer() < first->useLoc.getPointer()) {
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
      return emitError(typesLoc)
             << "'return' has " << unsigned(names.size()) << " values but "
             << unsigned(types.size()) << " types";
    for (size_t i = 0; i < names.size(); ++i) {
      Value *value = resolveValue(names[i], types[i]);
      if (value->getType() != types[i])
        return emitError(names[i].getLoc())
               << "'" << names[i].spelling << "' has type " << value->getType()
               << ", not " << types[i];
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
  if (failed(parseSignature(operandTypes, resultTypes, "the op's type")))
    return failure();
  if (operandTypes.size() != operandNames.size())
    return emitError(typeLoc)
           << "'" << opName << "' has " << unsigned(operandNames.size())
           << " operands but its type lists " << unsigned(operandTypes.size());
  if (resultTypes.size() != resultNames.size())
    return emitError(typeLoc)
           << "'" << opName << "' has " << unsigned(resultNames.size())
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
             << operandTypes[i] << " but it is defined as " << value->getType();
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
