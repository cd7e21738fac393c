//===- PassManager.h - Running a pipeline of passes -------------*- C++ -*-===//
//
// The PassManager runs passes in order, verifies the IR after each one (on
// by default), and can print the IR after chosen passes and time each pass.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_PASS_PASSMANAGER_H
#define OHM_PASS_PASSMANAGER_H

#include "ohm/IR/AsmPrinter.h"
#include "ohm/Pass/Pass.h"

#include "llvm/ADT/StringSet.h"

#include <memory>
#include <vector>

namespace ohm {

class Context;
class Timing;

class PassManager {
public:
  explicit PassManager(Context &ctx) : ctx(ctx) {}

  void addPass(std::unique_ptr<Pass> pass) {
    passes.push_back(std::move(pass));
  }
  size_t size() const { return passes.size(); }
  bool empty() const { return passes.empty(); }
  llvm::ArrayRef<std::unique_ptr<Pass>> getPasses() const { return passes; }

  /// Runs every pass; stops at the first failure (of a pass or of the
  /// verifier after it).
  LogicalResult run(Module &module);

  void enableVerifier(bool enabled) { verifyEach = enabled; }
  /// Prints the IR to `os` after every pass, or after the passes named in
  /// `afterPasses`.
  void enableIRPrinting(bool afterAll, std::vector<std::string> afterPasses,
                        llvm::raw_ostream &os, PrintOptions options = {});
  /// Times each pass into `timing`, under the pass's flag name (with `#N`
  /// for the N-th repetition of a pass in the pipeline).
  void enableTiming(Timing &newTiming) { timing = &newTiming; }

  /// `pass1,pass2{opt=value}` — accepted by parsePassPipeline.
  void printAsTextualPipeline(llvm::raw_ostream &os) const;

private:
  Context &ctx;
  std::vector<std::unique_ptr<Pass>> passes;
  bool verifyEach = true;
  bool printAfterAll = false;
  llvm::StringSet<> printAfter;
  llvm::raw_ostream *printStream = nullptr;
  PrintOptions printOptions;
  Timing *timing = nullptr;
};

} // namespace ohm

#endif // OHM_PASS_PASSMANAGER_H
