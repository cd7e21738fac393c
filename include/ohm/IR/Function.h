//===- Function.h - A named graph with a signature --------------*- C++ -*-===//
//
// `func @name(%arg: type, ...) -> (types) { ops...; return %v : type }`.
// A function's body is a single block whose arguments are the parameters and
// whose last op is `return`.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_FUNCTION_H
#define OHM_IR_FUNCTION_H

#include "ohm/IR/Block.h"
#include "ohm/IR/Types.h"

#include "llvm/ADT/StringRef.h"

namespace ohm {

class Module;

class Function {
public:
  /// Creates a function whose body has one argument per input of `type`.
  Function(llvm::StringRef name, FunctionType type, Location loc);
  Function(const Function &) = delete;
  Function &operator=(const Function &) = delete;

  llvm::StringRef getName() const { return name; }
  void setName(llvm::StringRef newName);
  FunctionType getType() const { return type; }
  /// Changes the signature; the body's arguments must be updated to match.
  void setType(FunctionType newType) { type = newType; }
  Location getLoc() const { return loc; }
  Context &getContext() const { return type.getContext(); }

  /// Function attributes, sorted by name (`attributes {...}` in the text).
  llvm::ArrayRef<NamedAttribute> getAttrs() const { return attrs; }
  Attribute getAttr(llvm::StringRef name) const;
  void setAttr(llvm::StringRef name, Attribute value);

  Block &getBody() { return body; }
  unsigned getNumArguments() const { return body.getNumArguments(); }
  BlockArgument *getArgument(unsigned i) const { return body.getArgument(i); }

  Module *getParent() const { return parent; }

  LogicalResult verify();
  void print(llvm::raw_ostream &os);

private:
  friend class Module;
  llvm::StringRef name; // Interned.
  FunctionType type;
  Location loc;
  Block body;
  llvm::SmallVector<NamedAttribute, 2> attrs;
  Module *parent = nullptr;
};

} // namespace ohm

#endif // OHM_IR_FUNCTION_H
