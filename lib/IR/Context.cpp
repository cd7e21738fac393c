//===- Context.cpp - Owner of everything uniqued --------------------------===//
//
// Construction of the uniquing tables, the op registry and the registry of
// dialect types.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Context.h"
#include "ohm/IR/BuiltinOps.h"

#include "Storage.h"

#include <algorithm>

using namespace ohm;
using namespace ohm::detail;

ContextImpl::ContextImpl(Context *ctx)
    : ctx(ctx), f16(ctx, 16), f32(ctx, 32), f64(ctx, 64),
      index(TypeStorage::Kind::Index, ctx), trueAttr(ctx, true),
      falseAttr(ctx, false),
      unitAttr(AttributeStorage::Kind::Unit, Type(), ctx),
      unknownLoc(LocationStorage::Kind::Unknown, ctx) {}

Context::Context() : impl(std::make_unique<ContextImpl>(this)) {
  registerBuiltinOps(*this);
}

Context::~Context() = default;

DiagnosticEngine &Context::getDiagEngine() { return impl->diagEngine; }

llvm::StringRef Context::intern(llvm::StringRef str) {
  return impl->strings.insert(str).first->getKey();
}

void Context::registerOp(const OpInfo &info) {
  assert((!info.inferType || info.numResults == 1) &&
         "type rules are for ops with one result");
  auto inserted = impl->ops.try_emplace(info.name, &info);
  assert((inserted.second || inserted.first->second == &info) &&
         "two different ops registered under one name");
  (void)inserted;
}

const OpInfo *Context::lookupOp(llvm::StringRef name) const {
  auto it = impl->ops.find(name);
  return it == impl->ops.end() ? nullptr : it->second;
}

std::vector<const OpInfo *> Context::getRegisteredOps() const {
  std::vector<const OpInfo *> result;
  for (const auto &entry : impl->ops)
    result.push_back(entry.second);
  std::sort(result.begin(), result.end(),
            [](const OpInfo *a, const OpInfo *b) { return a->name < b->name; });
  return result;
}

void Context::registerDialectType(llvm::StringRef name,
                                  DialectTypeVerifier verifier) {
  assert(name.contains('.') && "dialect type names are dialect.mnemonic");
  impl->dialectTypeVerifiers[name] = std::move(verifier);
}

bool Context::isRegisteredDialectType(llvm::StringRef name) const {
  return impl->dialectTypeVerifiers.count(name) != 0;
}

LogicalResult Context::verifyDialectType(
    llvm::StringRef name, llvm::ArrayRef<Attribute> params,
    const std::function<InFlightDiagnostic()> &emitError) const {
  auto it = impl->dialectTypeVerifiers.find(name);
  if (it == impl->dialectTypeVerifiers.end())
    return emitError() << "unknown type '!" << name << "'";
  if (!it->second)
    return success();
  return it->second(params, emitError);
}
