//===- PassRegistry.h - Passes by flag name ---------------------*- C++ -*-===//
//
// The registry maps a pass's flag name to its description and factory; the
// textual pipeline parser and ohm-opt's per-pass flags read it. Passes are
// registered in one place: include/ohm/Pipelines/Passes.def.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_PASS_PASSREGISTRY_H
#define OHM_PASS_PASSREGISTRY_H

#include "ohm/Pass/Pass.h"

#include "llvm/ADT/StringRef.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ohm {

class PassManager;

struct PassInfo {
  std::string argument;
  std::string description;
  std::function<std::unique_ptr<Pass>()> factory;
};

/// Registers a pass; registering the same name twice is a programming error.
void registerPass(llvm::StringRef argument, llvm::StringRef description,
                  std::function<std::unique_ptr<Pass>()> factory);
const PassInfo *lookupPass(llvm::StringRef argument);
/// All registered passes sorted by name.
std::vector<const PassInfo *> getRegisteredPasses();

/// Parses `name,name{key=value ...},...` and adds the passes to `pm`.
/// Whitespace around names is ignored. On failure, writes the reason to
/// `errorStream`.
LogicalResult parsePassPipeline(llvm::StringRef pipeline, PassManager &pm,
                                llvm::raw_ostream &errorStream);

/// Creates one pass from its name and option text (without braces).
std::unique_ptr<Pass> createPassFromText(llvm::StringRef argument,
                                         llvm::StringRef options,
                                         llvm::raw_ostream &errorStream);

} // namespace ohm

#endif // OHM_PASS_PASSREGISTRY_H
