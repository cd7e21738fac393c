//===- ohm-opt.cpp - IR text in, passes, IR text out ----------------------===//
//
// Registers every pass (and the test-only passes of test/lib) and hands over
// to the library driver.
//
//===----------------------------------------------------------------------===//

#include "ohm/Pipelines/InitAll.h"
#include "ohm/Tools/OptMain.h"

#include "llvm/Support/InitLLVM.h"

namespace ohm {
class Context;
namespace test {
void registerTestPasses();
void registerTestDialect(Context &ctx);
} // namespace test
} // namespace ohm

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  ohm::registerAllPasses();
  ohm::test::registerTestPasses();
  return ohm::ohmOptMain(argc, argv, ohm::test::registerTestDialect);
}
