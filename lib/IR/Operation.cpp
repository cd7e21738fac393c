//===- Operation.cpp - Values, uses, ops, blocks --------------------------===//
//
// The mutable part of the IR: use lists, op creation and destruction,
// attribute updates and placement in blocks.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Operation.h"
#include "ohm/IR/Block.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Function.h"

#include <algorithm>
#include <new>

using namespace ohm;

//===----------------------------------------------------------------------===//
// Value and OpOperand
//===----------------------------------------------------------------------===//

Operation *Value::getDefiningOp() const {
  if (auto *result = llvm::dyn_cast<OpResult>(this))
    return result->getOwner();
  return nullptr;
}

Block *Value::getParentBlock() const {
  if (auto *result = llvm::dyn_cast<OpResult>(this))
    return result->getOwner()->getBlock();
  return llvm::cast<BlockArgument>(this)->getOwner();
}

Location Value::getLoc() const {
  if (auto *result = llvm::dyn_cast<OpResult>(this))
    return result->getOwner()->getLoc();
  return llvm::cast<BlockArgument>(this)->getLoc();
}

void Value::setNameHint(llvm::StringRef name) {
  nameHint = name.empty() ? llvm::StringRef() : getContext().intern(name);
}

bool Value::hasOneUse() const { return firstUse && !firstUse->getNextUse(); }

unsigned Value::getNumUses() const {
  unsigned count = 0;
  for (OpOperand *use = firstUse; use; use = use->getNextUse())
    ++count;
  return count;
}

std::vector<Operation *> Value::getUsers() const {
  std::vector<Operation *> users;
  for (OpOperand *use = firstUse; use; use = use->getNextUse())
    users.push_back(use->getOwner());
  return users;
}

void Value::replaceAllUsesWith(Value *newValue) {
  assert(newValue != this && "replacing a value with itself");
  while (firstUse)
    firstUse->set(newValue);
}

void Value::replaceUsesWithIf(
    Value *newValue, llvm::function_ref<bool(OpOperand &)> shouldReplace) {
  for (OpOperand *use = firstUse; use;) {
    OpOperand *next = use->getNextUse();
    if (shouldReplace(*use))
      use->set(newValue);
    use = next;
  }
}

void OpOperand::set(Value *newValue) {
  removeFromUseList();
  value = newValue;
  insertIntoUseList();
}

unsigned OpOperand::getOperandNumber() const {
  return unsigned(this - owner->getOpOperands().data());
}

void OpOperand::removeFromUseList() {
  if (!value)
    return;
  *prevUse = nextUse;
  if (nextUse)
    nextUse->prevUse = prevUse;
  nextUse = nullptr;
  prevUse = nullptr;
}

void OpOperand::insertIntoUseList() {
  if (!value)
    return;
  nextUse = value->firstUse;
  if (nextUse)
    nextUse->prevUse = &nextUse;
  prevUse = &value->firstUse;
  value->firstUse = this;
}

//===----------------------------------------------------------------------===//
// Operation
//===----------------------------------------------------------------------===//

Operation::Operation(Location loc, const OpInfo &info, unsigned numResults)
    : info(&info), loc(loc), numResults(numResults) {}

Operation::~Operation() {
  for (unsigned i = 0; i < numResults; ++i) {
    assert(results[i].use_empty() && "deleting an op whose results are used");
    results[i].~OpResult();
  }
  ::operator delete(results);
}

Operation *Operation::create(Location loc, const OpInfo &info,
                             llvm::ArrayRef<Type> resultTypes,
                             llvm::ArrayRef<Value *> operands,
                             llvm::ArrayRef<NamedAttribute> attributes) {
  auto *op = new Operation(loc, info, resultTypes.size());
  op->results = static_cast<OpResult *>(::operator new(
      sizeof(OpResult) * std::max<size_t>(resultTypes.size(), 1)));
  for (unsigned i = 0, e = resultTypes.size(); i < e; ++i)
    new (&op->results[i]) OpResult(resultTypes[i], op, i);
  op->setOperands(operands);
  op->setAttrs(attributes);
  return op;
}

Function *Operation::getParentFunction() const {
  return block ? block->getParent() : nullptr;
}

llvm::SmallVector<Value *, 4> Operation::getOperands() const {
  llvm::SmallVector<Value *, 4> values;
  for (const OpOperand &operand : getOpOperands())
    values.push_back(operand.get());
  return values;
}

void Operation::setOperands(llvm::ArrayRef<Value *> values) {
  // The new values may include current operands; read them before freeing.
  llvm::SmallVector<Value *, 4> copy(values.begin(), values.end());
  dropAllReferences();
  operands.reset(copy.empty() ? nullptr : new OpOperand[copy.size()]);
  numOperands = copy.size();
  for (unsigned i = 0; i < numOperands; ++i) {
    operands[i].owner = this;
    operands[i].set(copy[i]);
  }
}

llvm::SmallVector<Value *, 2> Operation::getResults() const {
  llvm::SmallVector<Value *, 2> values;
  for (unsigned i = 0; i < numResults; ++i)
    values.push_back(&results[i]);
  return values;
}

bool Operation::use_empty() const {
  for (unsigned i = 0; i < numResults; ++i)
    if (!results[i].use_empty())
      return false;
  return true;
}

static bool compareByName(const NamedAttribute &attr, llvm::StringRef name) {
  return attr.name < name;
}

Attribute Operation::getAttr(llvm::StringRef name) const {
  auto it = std::lower_bound(attrs.begin(), attrs.end(), name, compareByName);
  if (it != attrs.end() && it->name == name)
    return it->value;
  return Attribute();
}

void Operation::setAttr(llvm::StringRef name, Attribute value) {
  assert(value && "setting a null attribute");
  auto it = std::lower_bound(attrs.begin(), attrs.end(), name, compareByName);
  if (it != attrs.end() && it->name == name) {
    it->value = value;
    return;
  }
  attrs.insert(it, NamedAttribute{getContext().intern(name), value});
}

bool Operation::removeAttr(llvm::StringRef name) {
  auto it = std::lower_bound(attrs.begin(), attrs.end(), name, compareByName);
  if (it == attrs.end() || it->name != name)
    return false;
  attrs.erase(it);
  return true;
}

void Operation::setAttrs(llvm::ArrayRef<NamedAttribute> newAttrs) {
  attrs.clear();
  for (const NamedAttribute &attr : newAttrs)
    setAttr(attr.name, attr.value);
}

void Operation::remove() {
  if (!block)
    return;
  block->ops.remove(*this);
  block = nullptr;
}

void Operation::erase() {
  remove();
  dropAllReferences();
  delete this;
}

void Operation::moveBefore(Operation *other) {
  remove();
  other->getBlock()->insert(Block::iterator(*other), this);
}

bool Operation::isBeforeInBlock(const Operation *other) const {
  assert(block && block == other->block && "ops are in different blocks");
  const Block::OpList &ops = block->ops;
  for (auto it = Block::OpList::const_iterator(*this), e = ops.end(); it != e;
       ++it)
    if (&*it == other)
      return true;
  return false;
}

void Operation::dropAllReferences() {
  for (unsigned i = 0; i < numOperands; ++i)
    operands[i].set(nullptr);
}

InFlightDiagnostic Operation::emitError() { return ohm::emitError(loc); }

InFlightDiagnostic Operation::emitOpError() {
  InFlightDiagnostic diag = ohm::emitError(loc);
  diag << "'" << getName() << "' op ";
  return diag;
}

InFlightDiagnostic Operation::emitWarning() { return ohm::emitWarning(loc); }
InFlightDiagnostic Operation::emitRemark() { return ohm::emitRemark(loc); }

Location OpView::getLoc() const { return op->getLoc(); }

//===----------------------------------------------------------------------===//
// Block
//===----------------------------------------------------------------------===//

Block::~Block() {
  // Drop every use first so ops can be deleted in any order.
  for (Operation &op : ops)
    op.dropAllReferences();
  while (!ops.empty()) {
    Operation &op = ops.back();
    ops.pop_back();
    op.block = nullptr;
    for (unsigned i = 0, e = op.getNumResults(); i < e; ++i)
      while (!op.getResult(i)->use_empty())
        op.getResult(i)->getUses().begin()->set(nullptr);
    delete &op;
  }
}

BlockArgument *Block::addArgument(Type type, Location loc) {
  arguments.push_back(
      std::make_unique<BlockArgument>(type, this, arguments.size(), loc));
  return arguments.back().get();
}

std::vector<BlockArgument *> Block::getArguments() const {
  std::vector<BlockArgument *> result;
  for (const auto &argument : arguments)
    result.push_back(argument.get());
  return result;
}

void Block::push_back(Operation *op) { insert(end(), op); }

void Block::insert(iterator pos, Operation *op) {
  assert(!op->block && "op is already in a block");
  ops.insert(pos, *op);
  op->block = this;
}

Operation *Block::getTerminator() {
  if (ops.empty() || !ops.back().hasTrait(OpTrait::Terminator))
    return nullptr;
  return &ops.back();
}

//===----------------------------------------------------------------------===//
// Function and Module
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"

Function::Function(llvm::StringRef name, FunctionType type, Location loc)
    : name(type.getContext().intern(name)), type(type), loc(loc), body(this) {
  for (Type input : type.getInputs())
    body.addArgument(input, loc);
}

Attribute Function::getAttr(llvm::StringRef name) const {
  for (const NamedAttribute &attr : attrs)
    if (attr.name == name)
      return attr.value;
  return Attribute();
}

void Function::setAttr(llvm::StringRef name, Attribute value) {
  auto it = std::lower_bound(attrs.begin(), attrs.end(), name, compareByName);
  if (it != attrs.end() && it->name == name) {
    it->value = value;
    return;
  }
  attrs.insert(it, NamedAttribute{getContext().intern(name), value});
}

void Function::setName(llvm::StringRef newName) {
  name = getContext().intern(newName);
}

Function *Module::push_back(std::unique_ptr<Function> fn) {
  fn->parent = this;
  functions.push_back(std::move(fn));
  return functions.back().get();
}

Function *Module::lookup(llvm::StringRef name) const {
  for (const auto &fn : functions)
    if (fn->getName() == name)
      return fn.get();
  return nullptr;
}

void Module::erase(Function *fn) {
  llvm::erase_if(functions,
                 [&](const auto &owned) { return owned.get() == fn; });
}
