//===- conformance.cpp - ONNX's node tests through import + interpreter ---===//
//
// Runs ONNX's own node conformance tests (Debian's libonnx-testdata) for the
// ops ohm supports: each test's model is imported (inputs that must be
// constants -- weights, scales, zero points -- are frozen from the test
// data), normalized like `ohm-sim --reference` does, and interpreted; every
// output is compared with the expected one: integers exactly, floats to
// 1e-5 relative (with an absolute floor of 1e-6 for values near zero).
//
// Prints one line per test (PASS, FAIL with the first mismatch, SKIP with
// the reason) and a summary; exits non-zero on any failure or if fewer than
// --min-pass tests pass.
//
//===----------------------------------------------------------------------===//

#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Context.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Pipelines/NNPipeline.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace ohm;
namespace cl = llvm::cl;

static cl::opt<std::string>
    dataDir("data", cl::desc("Directory of ONNX node tests"),
            cl::init("/usr/share/libonnx-testdata/data/node"));
static cl::opt<unsigned> minPass("min-pass",
                                 cl::desc("Fail unless this many tests pass"),
                                 cl::init(0));
static cl::opt<std::string>
    only("only", cl::desc("Run tests whose name contains this"), cl::init(""));

/// Test-name prefixes (after "test_") of the ops ohm supports.
static const char *kPrefixes[] = {
    "qlinearconv",
    "qlinearmatmul",
    "convinteger",
    "basic_convinteger",
    "matmulinteger",
    "quantizelinear",
    "dequantizelinear",
    "conv_",
    "basic_conv_",
    "gemm_",
    "matmul_",
    "relu",
    "maxpool_2d",
    "averagepool_2d",
    "globalaveragepool",
    "add",
    "mul",
    "reshape_",
    "flatten_",
    "concat_",
    "transpose_",
    "softmax_",
    "batchnorm_example",
    "batchnorm_epsilon",
    "clip",
    "constant_pad",
    "edge_pad",
    "reflect_pad",
    "squeeze",
    "unsqueeze",
    "cast_",
    "identity",
    "constant",
    "constantofshape",
};

namespace {
enum class Outcome { Pass, Fail, Skip };

struct Result {
  Outcome outcome;
  std::string message;
};

/// Reads input_N.pb / output_N.pb in order.
bool readTensors(llvm::StringRef dir, llvm::StringRef prefix, Context &ctx,
                 std::vector<std::pair<std::string, DenseElementsAttr>> &out,
                 std::string &error) {
  for (unsigned i = 0;; ++i) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, prefix + std::to_string(i) + ".pb");
    if (!llvm::sys::fs::exists(path))
      return true;
    std::string name;
    auto attr = onnx_frontend::readTensorProtoFile(path, ctx, &name);
    if (!attr) {
      error = toString(attr.takeError());
      return false;
    }
    out.emplace_back(name, *attr);
  }
}

std::string describeElement(const interp::Tensor &t, int64_t i) {
  return t.isFloat() ? std::to_string(t.floats()[i])
                     : std::to_string(t.ints()[i]);
}

Result runTest(llvm::StringRef testDir) {
  Context ctx;
  registerAllDialects(ctx);
  std::string diagnostics;
  ctx.getDiagEngine().registerHandler([&](const Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    printDiagnostic(diag, os);
  });

  llvm::SmallString<256> dataSet(testDir);
  llvm::sys::path::append(dataSet, "test_data_set_0");
  std::vector<std::pair<std::string, DenseElementsAttr>> inputs, expected;
  std::string error;
  if (!readTensors(dataSet, "input_", ctx, inputs, error) ||
      !readTensors(dataSet, "output_", ctx, expected, error))
    return {Outcome::Skip, "test data: " + error};

  onnx_frontend::ImportOptions options;
  for (auto &input : inputs)
    options.frozenInputs[input.first] = input.second;
  llvm::SmallString<256> modelPath(testDir);
  llvm::sys::path::append(modelPath, "model.onnx");
  std::unique_ptr<Module> module =
      onnx_frontend::importModelFile(modelPath, ctx, options);
  if (!module) {
    llvm::StringRef message = llvm::StringRef(diagnostics).trim();
    // What ohm does not support is a skip; anything else is a failure.
    bool unsupported = message.contains("unsupported") ||
                       message.contains("not supported") ||
                       message.contains("does not support");
    return {unsupported ? Outcome::Skip : Outcome::Fail, message.str()};
  }
  PassManager pm(ctx);
  buildNNPipeline(pm);
  if (failed(pm.run(*module)))
    return {Outcome::Fail,
            "pipeline: " + llvm::StringRef(diagnostics).trim().str()};

  Function &fn = *module->begin();
  std::vector<interp::Tensor> args;
  auto names = fn.getAttr("input_names").cast<ArrayAttr>();
  for (Attribute nameAttr : names.getValue()) {
    llvm::StringRef name = nameAttr.cast<StringAttr>().getValue();
    auto it = llvm::find_if(inputs, [&](auto &in) { return in.first == name; });
    if (it == inputs.end())
      return {Outcome::Fail, "no test data for input '" + name.str() + "'"};
    args.push_back(interp::Tensor::fromAttr(it->second));
  }
  auto results = interp::run(fn, std::move(args));
  if (!results)
    return {Outcome::Fail, toString(results.takeError())};
  if (results->size() != expected.size())
    return {Outcome::Fail, "got " + std::to_string(results->size()) +
                               " outputs, expected " +
                               std::to_string(expected.size())};
  for (size_t o = 0; o < expected.size(); ++o) {
    interp::Tensor want = interp::Tensor::fromAttr(expected[o].second);
    const interp::Tensor &got = (*results)[o];
    if (Type(got.getElementType()) != Type(want.getElementType()) ||
        got.getShape() != want.getShape()) {
      std::string gotType, wantType;
      llvm::raw_string_ostream(gotType) << Type(got.getType());
      llvm::raw_string_ostream(wantType) << Type(want.getType());
      return {Outcome::Fail, "output #" + std::to_string(o) + " is " + gotType +
                                 ", expected " + wantType};
    }
    for (int64_t i = 0; i < want.getNumElements(); ++i) {
      bool ok;
      if (want.isFloat()) {
        double a = got.floats()[i], b = want.floats()[i];
        ok = (std::isnan(a) && std::isnan(b)) || a == b ||
             std::fabs(a - b) <= 1e-5 * std::max(std::fabs(b), 0.1);
      } else {
        ok = got.ints()[i] == want.ints()[i];
      }
      if (!ok)
        return {Outcome::Fail, "output #" + std::to_string(o) + " element " +
                                   std::to_string(i) + ": got " +
                                   describeElement(got, i) + ", expected " +
                                   describeElement(want, i)};
    }
  }
  return {Outcome::Pass, ""};
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAllPasses();
  cl::ParseCommandLineOptions(argc, argv,
                              "Runs ONNX node conformance tests through ohm\n");
  std::error_code ec;
  std::vector<std::string> tests;
  for (llvm::sys::fs::directory_iterator it(dataDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (!name.consume_front("test_"))
      continue;
    if (!only.empty() && !name.contains(only))
      continue;
    for (const char *prefix : kPrefixes)
      if (name.startswith(prefix)) {
        tests.push_back(it->path());
        break;
      }
  }
  if (ec || tests.empty()) {
    llvm::errs() << "ohm-conformance: no tests found in '" << dataDir
                 << "' (install Debian's libonnx-testdata)\n";
    return 1;
  }
  std::sort(tests.begin(), tests.end());
  unsigned passed = 0, failed = 0, skipped = 0;
  for (const std::string &test : tests) {
    Result result = runTest(test);
    llvm::StringRef name = llvm::sys::path::filename(test);
    std::string message = result.message;
    std::replace(message.begin(), message.end(), '\n', ' ');
    switch (result.outcome) {
    case Outcome::Pass:
      ++passed;
      llvm::outs() << "PASS " << name << "\n";
      break;
    case Outcome::Fail:
      ++failed;
      llvm::outs() << "FAIL " << name << ": " << message << "\n";
      break;
    case Outcome::Skip:
      ++skipped;
      llvm::outs() << "SKIP " << name << ": " << message << "\n";
      break;
    }
  }
  llvm::outs() << "\n"
               << passed << " passed, " << failed << " failed, " << skipped
               << " skipped (of " << tests.size() << ")\n";
  if (failed)
    return 1;
  if (passed < minPass) {
    llvm::outs() << "fewer than the required " << minPass << " passed\n";
    return 1;
  }
  return 0;
}
