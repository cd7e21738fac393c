//===- PassTest.cpp - Pipelines parse and print back ----------------------===//

#include "ohm/IR/Context.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pass/PassRegistry.h"
#include "ohm/Pipelines/InitAll.h"

#include "gtest/gtest.h"

using namespace ohm;

namespace {

std::string printPipeline(const PassManager &pm) {
  std::string text;
  llvm::raw_string_ostream os(text);
  pm.printAsTextualPipeline(os);
  return os.str();
}

TEST(PassTest, PipelinePrintsBackVerbatim) {
  registerAllPasses();
  Context ctx;
  PassManager pm(ctx);
  std::string errors;
  llvm::raw_string_ostream errs(errors);
  ASSERT_TRUE(succeeded(
      parsePassPipeline(" dce , constant-fold{max-elements=64},dce", pm, errs)))
      << errs.str();
  std::string printed = printPipeline(pm);
  EXPECT_EQ(printed, "dce,constant-fold{max-elements=64},dce");
  PassManager again(ctx);
  ASSERT_TRUE(succeeded(parsePassPipeline(printed, again, errs)));
  EXPECT_EQ(printPipeline(again), printed);
}

TEST(PassTest, BadPipelinesAreRejectedWithAReason) {
  registerAllPasses();
  Context ctx;
  struct Case {
    const char *pipeline;
    const char *message;
  } cases[] = {
      {"no-such-pass", "unknown pass 'no-such-pass'"},
      {"dce{x=1}", "has no option 'x' (it takes none)"},
      {"constant-fold{max-elements=abc}", "is not an integer"},
      {"constant-fold{max-elements=1", "unbalanced '{'"},
      {"dce,", "pipeline ends with ','"},
      {"dce,,dce", "expected a pass name"},
      {"dce dce", "unknown pass 'dce dce'"},
  };
  for (const Case &c : cases) {
    PassManager pm(ctx);
    std::string errors;
    llvm::raw_string_ostream errs(errors);
    EXPECT_TRUE(failed(parsePassPipeline(c.pipeline, pm, errs))) << c.pipeline;
    EXPECT_NE(errs.str().find(c.message), std::string::npos)
        << c.pipeline << " -> " << errs.str();
  }
}

} // namespace
