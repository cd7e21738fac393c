//===- onnx-loader-fuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// Feeds arbitrary bytes to the ONNX importer as a binary model (or, when the
// first byte is 't', the rest as ONNX text format), then verifies the
// module and runs the nn normalization pipeline on it (which evaluates
// constants with the reference interpreter). Any crash, hang or sanitizer
// report is a bug: malformed models must only produce diagnostics.
//
// Build and run: see docs/Testing.md ("Fuzzing").
//
//===----------------------------------------------------------------------===//

#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Context.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Pipelines/NNPipeline.h"

using namespace ohm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool registered = (registerAllPasses(), true);
  (void)registered;
  Context ctx;
  registerAllDialects(ctx);
  ctx.getDiagEngine().registerHandler([](const Diagnostic &) {});

  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::StringRef name = "fuzz.onnx";
  if (bytes.consume_front("t"))
    name = "fuzz.onnxtxt";
  std::unique_ptr<Module> module =
      onnx_frontend::importModelBuffer(bytes, name, ctx);
  if (!module)
    return 0;
  PassManager pm(ctx);
  NNPipelineOptions options;
  options.foldMaxElements = 1 << 16; // Keep each input fast.
  buildNNPipeline(pm, options);
  (void)pm.run(*module);
  return 0;
}
