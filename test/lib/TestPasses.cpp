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
  PassOption<std::string> mode{
      *this, "mode", "A choice", "fast", {"fast", "exact"}};
  ListOption<int64_t> sizes{*this, "sizes", "A list of integers", {1, 2}};
  ListOption<std::string> names{*this, "names", "A list of strings", {}};

  LogicalResult runOnFunction(Function &fn) override {
    std::string text;
    llvm::raw_string_ostream os(text);
    printAsTextualPipeline(os);
    emitRemark(fn.getLoc()) << os.str();
    return success();
  }
};
/// Emits, for every op carrying `test.diag = "error"|"warning"|"remark"`,
/// a diagnostic of that severity with the text of `test.message` and, if
/// `test.note` is present, a note with its text. Fails if any error was
/// emitted.
class TestEmitDiagnosticsPass : public FunctionPass {
public:
  TestEmitDiagnosticsPass()
      : FunctionPass("test-emit-diagnostics",
                     "Emit the diagnostics that ops ask for in attributes") {}

  LogicalResult runOnFunction(Function &fn) override {
    bool ok = true;
    for (Operation &op : fn.getBody()) {
      auto severity = op.getAttrOfType<StringAttr>("test.diag");
      if (!severity)
        continue;
      auto message = op.getAttrOfType<StringAttr>("test.message");
      llvm::StringRef text = message ? message.getValue() : "";
      InFlightDiagnostic diag = severity.getValue() == "error" ? op.emitError()
                                : severity.getValue() == "warning"
                                    ? op.emitWarning()
                                    : op.emitRemark();
      diag << text;
      if (auto note = op.getAttrOfType<StringAttr>("test.note"))
        diag.attachNote(op.getLoc()) << note.getValue();
      ok &= severity.getValue() != "error";
    }
    return success(ok);
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
    registerPass("test-emit-diagnostics",
                 "Emit the diagnostics that ops ask for in attributes",
                 [] { return std::make_unique<TestEmitDiagnosticsPass>(); });
    return true;
  }();
  (void)registered;
}
} // namespace test
} // namespace ohm
