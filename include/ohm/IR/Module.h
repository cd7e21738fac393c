//===- Module.h - The unit of compilation -----------------------*- C++ -*-===//
//
// A Module is an ordered list of uniquely named functions.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_MODULE_H
#define OHM_IR_MODULE_H

#include "ohm/IR/Function.h"

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <vector>

namespace ohm {

struct PrintOptions;

class Module {
public:
  explicit Module(Context &ctx) : ctx(&ctx) {}
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  Context &getContext() const { return *ctx; }

  /// Appends `fn`; the caller ensures its name is unique (verify() checks).
  Function *push_back(std::unique_ptr<Function> fn);
  Function *lookup(llvm::StringRef name) const;
  void erase(Function *fn);

  auto begin() const {
    return llvm::pointee_iterator<decltype(functions)::const_iterator>(
        functions.begin());
  }
  auto end() const {
    return llvm::pointee_iterator<decltype(functions)::const_iterator>(
        functions.end());
  }
  size_t size() const { return functions.size(); }
  bool empty() const { return functions.empty(); }

  /// Checks the whole module; emits diagnostics and returns failure on the
  /// first problem in each function.
  LogicalResult verify();
  void print(llvm::raw_ostream &os);
  void print(llvm::raw_ostream &os, const PrintOptions &options);
  void dump();

private:
  Context *ctx;
  std::vector<std::unique_ptr<Function>> functions;
};

} // namespace ohm

#endif // OHM_IR_MODULE_H
