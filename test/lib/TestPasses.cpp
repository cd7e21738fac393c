//===- TestPasses.cpp - Passes that exist only for tests ------------------===//
//
// `test-pass-options` declares one option of every kind and reports its
// parsed values as a remark on each function, so lit tests can check option
// parsing and printing without a real pass's side effects.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Pass/PassRegistry.h"

using namespace ohm;

namespace {
class TestPassOptionsPass : public FunctionPass {
public:
  TestPassOptionsPass()
      : FunctionPass("test-pass-options",
                     "Report this pass's parsed options as a remark") {}

  PassOption<int64_t> count{*this, "count", "An integer", 3};
  PassOption<unsigned> bits{*this, "bits", "An unsigned integer", 8};
  PassOption<bool> flag{*this, "flag", "A boolean", false};
  PassOption<double> ratio{*this, "ratio", "A number", 0.5};
  PassOption<std::string> label{*this, "label", "A string", "none"};
  PassOption<std::string> mode{*this,
                               "mode",
                               "A choice",
                               "fast",
                               {"fast", "exact"}};
  ListOption<int64_t> sizes{*this, "sizes", "A list of integers", {1, 2}};

  LogicalResult runOnFunction(Function &fn) override {
    std::string text;
    llvm::raw_string_ostream os(text);
    printAsTextualPipeline(os);
    emitRemark(fn.getLoc()) << os.str();
    return success();
  }
};
} // namespace

namespace ohm {
namespace test {
void registerTestPasses() {
  static bool registered = [] {
    registerPass("test-pass-options",
                 "Report this pass's parsed options as a remark",
                 [] { return std::make_unique<TestPassOptionsPass>(); });
    return true;
  }();
  (void)registered;
}
} // namespace test
} // namespace ohm
