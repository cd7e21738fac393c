//===- OptMain.cpp - The driver behind ohm-opt ----------------------------===//
//
// Reads IR text (optionally split into independent chunks at `// -----`),
// verifies it, runs the requested passes and prints the result. With
// --verify-diagnostics the expected-* annotations in the input decide
// success; with --verify-roundtrip the output must print, parse and print
// to the same text.
//
//===----------------------------------------------------------------------===//

#include "ohm/Tools/OptMain.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"
#include "ohm/Parser/Parser.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pass/PassRegistry.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Support/FileUtilities.h"
#include "ohm/Support/Timing.h"

#include "llvm/ADT/Statistic.h"

#include "llvm/Pass.h" // llvm::TimePassesIsEnabled (--time-passes)
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace ohm;
namespace cl = llvm::cl;

namespace {

struct OptOptions {
  cl::OptionCategory category{"ohm-opt options"};
  cl::OptionCategory passCategory{"Passes (in command-line order)"};

  cl::opt<std::string> inputFilename{cl::Positional, cl::desc("<input file>"),
                                     cl::init("-"), cl::cat(category)};
  cl::opt<std::string> outputFilename{"o", cl::desc("Output file"),
                                      cl::value_desc("filename"), cl::init("-"),
                                      cl::cat(category)};
  cl::opt<std::string> passPipeline{
      "pass-pipeline",
      cl::desc(
          "Textual pass pipeline, e.g. 'dce,constant-fold{max-elements=64}'"),
      cl::cat(category)};
  cl::opt<bool> splitInputFile{
      "split-input-file",
      cl::desc("Process chunks separated by '// -----' independently"),
      cl::ZeroOrMore, cl::cat(category)};
  cl::opt<bool> verifyDiagnostics{
      "verify-diagnostics",
      cl::desc("Check diagnostics against expected-* annotations in the input"),
      cl::ZeroOrMore, cl::cat(category)};
  cl::opt<bool> verifyRoundtrip{
      "verify-roundtrip",
      cl::desc("Check that the output prints, parses and prints identically"),
      cl::ZeroOrMore, cl::cat(category)};
  cl::opt<bool> verifyEach{"verify-each",
                           cl::desc("Verify the IR after each pass"),
                           cl::init(true), cl::ZeroOrMore, cl::cat(category)};
  cl::list<std::string> printIRAfter{
      "print-ir-after", cl::desc("Print the IR after the named passes"),
      cl::CommaSeparated, cl::value_desc("pass"), cl::cat(category)};
  cl::opt<bool> printIRAfterAll{"print-ir-after-all",
                                cl::desc("Print the IR after every pass"),
                                cl::ZeroOrMore, cl::cat(category)};
  cl::opt<bool> dumpPassPipeline{
      "dump-pass-pipeline",
      cl::desc("Print the pipeline with all options to stderr"), cl::ZeroOrMore,
      cl::cat(category)};
  cl::opt<int64_t> elideElementsLargerThan{
      "elide-elements-larger-than",
      cl::desc("Print dense attributes with more elements as __elided__"),
      cl::init(-1), cl::cat(category)};
  cl::opt<bool> printDebugInfo{"print-debuginfo",
                               cl::desc("Print source positions in locations"),
                               cl::ZeroOrMore, cl::cat(category)};
  cl::opt<bool> passStatistics{
      "pass-statistics",
      cl::desc("Print the passes' counters (what each changed) to stderr"),
      cl::ZeroOrMore, cl::cat(category)};
  cl::opt<bool> listPasses{"list-passes",
                           cl::desc("List the registered passes and exit"),
                           cl::ZeroOrMore, cl::cat(category)};

  /// One `--<pass>[=options]` flag per registered pass.
  std::vector<std::unique_ptr<cl::list<std::string>>> passFlags;
  std::vector<const PassInfo *> passInfos;
};

} // namespace

/// Builds the pipeline from --pass-pipeline or the per-pass flags.
static LogicalResult buildPipeline(OptOptions &options, PassManager &pm,
                                   llvm::raw_ostream &errs) {
  struct Entry {
    unsigned position;
    const PassInfo *info;
    std::string text;
  };
  std::vector<Entry> entries;
  for (size_t i = 0; i < options.passFlags.size(); ++i) {
    const cl::list<std::string> &flag = *options.passFlags[i];
    for (size_t j = 0; j < flag.size(); ++j)
      entries.push_back({flag.getPosition(j), options.passInfos[i], flag[j]});
  }
  if (!entries.empty() && options.passPipeline.getNumOccurrences()) {
    errs << "error: use either --pass-pipeline or per-pass flags, not both\n";
    return failure();
  }
  if (options.passPipeline.getNumOccurrences())
    return parsePassPipeline(options.passPipeline, pm, errs);
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return a.position < b.position;
  });
  for (const Entry &entry : entries) {
    std::unique_ptr<Pass> pass =
        createPassFromText(entry.info->argument, entry.text, errs);
    if (!pass)
      return failure();
    pm.addPass(std::move(pass));
  }
  return success();
}

/// Prints `module`, parses the text and prints again; the two texts must be
/// identical.
static LogicalResult checkRoundtrip(Module &module, Context &ctx,
                                    const PrintOptions &printOptions) {
  PrintOptions options = printOptions;
  options.elideElementsLargerThan = -1; // Elided text does not parse.
  std::string first;
  {
    llvm::raw_string_ostream os(first);
    module.print(os, options);
  }
  llvm::SourceMgr mgr;
  mgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(first, "<roundtrip>"),
      llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(mgr, ctx);
  std::unique_ptr<Module> reparsed = parseSourceFile(mgr, ctx);
  if (!reparsed || failed(reparsed->verify())) {
    llvm::errs() << "error: round trip failed: the printed IR does not parse "
                    "and verify\n";
    return failure();
  }
  std::string second;
  {
    llvm::raw_string_ostream os(second);
    reparsed->print(os, options);
  }
  if (first == second)
    return success();
  // Point at the first line that differs.
  llvm::SmallVector<llvm::StringRef, 0> a, b;
  llvm::StringRef(first).split(a, '\n');
  llvm::StringRef(second).split(b, '\n');
  size_t line = 0;
  while (line < a.size() && line < b.size() && a[line] == b[line])
    ++line;
  llvm::errs() << "error: round trip changed the IR at printed line "
               << line + 1
               << ":\n  first:  " << (line < a.size() ? a[line] : "<end>")
               << "\n  second: " << (line < b.size() ? b[line] : "<end>")
               << "\n";
  return failure();
}

static LogicalResult
processBuffer(OptOptions &options,
              const std::function<void(Context &)> &registerExtraDialects,
              std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::raw_ostream &os,
              Timing *timers) {
  Context ctx;
  registerAllDialects(ctx);
  if (registerExtraDialects)
    registerExtraDialects(ctx);
  llvm::SourceMgr mgr;
  mgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());

  PrintOptions printOptions;
  printOptions.elideElementsLargerThan = options.elideElementsLargerThan;
  printOptions.printDebugInfo = options.printDebugInfo;

  auto run = [&]() -> LogicalResult {
    auto time = [&](llvm::StringRef name, auto &&fn) {
      if (!timers)
        return fn();
      llvm::TimeRegion region(timers->get(name));
      return fn();
    };
    std::unique_ptr<Module> module =
        time("parse", [&] { return parseSourceFile(mgr, ctx); });
    if (!module)
      return failure();
    if (failed(time("verify", [&] { return module->verify(); })))
      return failure();

    PassManager pm(ctx);
    if (failed(buildPipeline(options, pm, llvm::errs())))
      return failure();
    pm.enableVerifier(options.verifyEach);
    if (options.printIRAfterAll || !options.printIRAfter.empty())
      pm.enableIRPrinting(options.printIRAfterAll,
                          std::vector<std::string>(options.printIRAfter.begin(),
                                                   options.printIRAfter.end()),
                          llvm::errs(), printOptions);
    if (timers)
      pm.enableTiming(*timers);
    if (options.dumpPassPipeline) {
      pm.printAsTextualPipeline(llvm::errs());
      llvm::errs() << "\n";
    }
    if (failed(pm.run(*module)))
      return failure();

    (void)time("print", [&] {
      module->print(os, printOptions);
      return success();
    });
    if (options.verifyRoundtrip && failed(time("roundtrip", [&] {
          return checkRoundtrip(*module, ctx, printOptions);
        })))
      return failure();
    return success();
  };

  if (!options.verifyDiagnostics) {
    SourceMgrDiagnosticHandler handler(mgr, ctx);
    return run();
  }
  SourceMgrDiagnosticVerifierHandler handler(mgr, ctx);
  (void)run();
  return handler.verify();
}

int ohm::ohmOptMain(
    int argc, char **argv,
    const std::function<void(Context &)> &registerExtraDialects) {
  OptOptions options;
  for (const PassInfo *info : getRegisteredPasses()) {
    options.passInfos.push_back(info);
    options.passFlags.push_back(std::make_unique<cl::list<std::string>>(
        llvm::StringRef(info->argument), cl::desc(info->description),
        cl::ValueOptional, cl::value_desc("options"),
        cl::cat(options.passCategory)));
  }
  // libLLVM already defines --time-passes; we reuse it rather than register
  // a clashing flag, and list it with ours.
  for (const char *llvmFlag : {"time-passes"}) {
    auto &registered = cl::getRegisteredOptions();
    auto it = registered.find(llvmFlag);
    if (it != registered.end())
      it->second->addCategory(options.category);
  }
  cl::HideUnrelatedOptions({&options.category, &options.passCategory});
  cl::ParseCommandLineOptions(argc, argv,
                              "ohm IR optimizer: parses IR text, runs passes "
                              "and prints the result\n");

  if (options.listPasses) {
    for (const PassInfo *info : getRegisteredPasses()) {
      llvm::outs() << info->argument << "  " << info->description << "\n";
      std::unique_ptr<Pass> pass = info->factory();
      for (PassOptionBase *option : pass->getOptions())
        llvm::outs() << "    " << option->getName() << "=<"
                     << option->getValueDescription() << ">  "
                     << option->getDescription() << "\n";
    }
    return 0;
  }

  if (options.passStatistics)
    llvm::EnableStatistics(/*DoPrintOnExit=*/false);

  // Check the pipeline once up front, so that a bad pass name or option is
  // reported before (and regardless of) the input.
  {
    Context ctx;
    PassManager pm(ctx);
    if (failed(buildPipeline(options, pm, llvm::errs())))
      return 1;
  }

  auto input = openInputFile(options.inputFilename);
  if (!input) {
    llvm::WithColor::error(llvm::errs(), "ohm-opt")
        << toString(input.takeError()) << "\n";
    return 1;
  }
  auto output = openOutputFile(options.outputFilename);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "ohm-opt")
        << toString(output.takeError()) << "\n";
    return 1;
  }

  std::unique_ptr<Timing> timers;
  if (llvm::TimePassesIsEnabled)
    timers = std::make_unique<Timing>("ohm-opt", "ohm-opt execution time");

  auto process = [&](std::unique_ptr<llvm::MemoryBuffer> buffer,
                     llvm::raw_ostream &os) {
    return processBuffer(options, registerExtraDialects, std::move(buffer), os,
                         timers.get());
  };
  LogicalResult result =
      options.splitInputFile
          ? splitAndProcessBuffer(std::move(*input), process, (*output)->os())
          : process(std::move(*input), (*output)->os());
  if (timers)
    timers->print(llvm::errs());
  if (options.passStatistics) {
    llvm::errs() << "=== ohm-opt pass statistics ===\n";
    for (const auto &stat : llvm::GetStatistics())
      llvm::errs() << llvm::format("%10llu", (unsigned long long)stat.second)
                   << "  " << stat.first << "\n";
  }
  if (failed(result))
    return 1;
  if (llvm::Error error = (*output)->commit()) {
    llvm::WithColor::error(llvm::errs(), "ohm-opt")
        << toString(std::move(error)) << "\n";
    return 1;
  }
  return 0;
}
