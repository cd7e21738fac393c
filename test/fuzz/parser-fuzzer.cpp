//===- parser-fuzzer.cpp - libFuzzer target for the IR parser -------------===//
//
// Feeds arbitrary bytes to the parser. Besides "no crash, no sanitizer
// report", it checks the round-trip property on every input that parses and
// verifies: the printed text must parse and verify again and print the same.
// A violation aborts, so libFuzzer keeps the input.
//
// Build and run: see docs/Testing.md ("Fuzzing").
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Context.h"
#include "ohm/Parser/Parser.h"
#include "ohm/Pipelines/InitAll.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>

namespace ohm {
namespace test {
void registerTestDialect(Context &ctx);
} // namespace test
} // namespace ohm

using namespace ohm;

static std::string print(Module &module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return os.str();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Context ctx;
  registerAllDialects(ctx);
  test::registerTestDialect(ctx);
  // Diagnostics are expected; keep them off the terminal.
  ctx.getDiagEngine().registerHandler([](const Diagnostic &) {});

  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  std::unique_ptr<Module> module = parseSourceString(text, ctx, "fuzz.ohm");
  if (!module || failed(module->verify()))
    return 0;

  std::string first = print(*module);
  std::unique_ptr<Module> again = parseSourceString(first, ctx, "printed.ohm");
  if (!again || failed(again->verify())) {
    std::fprintf(stderr, "printed IR does not parse back:\n%s\n",
                 first.c_str());
    std::abort();
  }
  std::string second = print(*again);
  if (first != second) {
    std::fprintf(stderr, "round trip changed the IR:\n%s\n---\n%s\n",
                 first.c_str(), second.c_str());
    std::abort();
  }
  return 0;
}
