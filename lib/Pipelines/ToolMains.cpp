//===- ToolMains.cpp - The drivers behind ohmc and ohm-sim ----------------===//
//
// ohmc imports an ONNX model and emits the IR after the chosen stage.
// ohm-sim --reference imports a model, normalizes it like ohmc --emit=nn and
// runs the reference interpreter on .npy / .pb inputs, writing one .npy per
// graph output with the dtype and shape the graph declares.
//
//===----------------------------------------------------------------------===//

#include "ohm/Pipelines/ToolMains.h"
#include "ToolSupport.h"
#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/AsmPrinter.h"
#include "ohm/IR/Context.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Interp/TensorIO.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Pipelines/NNPipeline.h"
#include "ohm/Pipelines/XbarPipeline.h"
#include "ohm/Parser/Parser.h"
#include "ohm/Target/Target.h"
#include "ohm/Support/FileUtilities.h"
#include "ohm/Support/Timing.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Pass.h" // llvm::TimePassesIsEnabled (--time-passes)
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace ohm;
namespace cl = llvm::cl;

/// Shows LLVM's --time-passes with our options and hides the rest of
/// libLLVM's.
static void hideUnrelatedOptions(cl::OptionCategory &category) {
  auto &registered = cl::getRegisteredOptions();
  auto it = registered.find("time-passes");
  if (it != registered.end())
    it->second->addCategory(category);
  cl::HideUnrelatedOptions({&category});
}

/// Imports `path`, freezing the given inputs where constants are needed.
static std::unique_ptr<Module>
importWithInputs(llvm::StringRef path, Context &ctx,
                 const std::vector<NamedTensor> &inputs) {
  onnx_frontend::ImportOptions options;
  for (const NamedTensor &input : inputs)
    if (!input.name.empty() && input.tensor.getNumElements() >= 0)
      options.frozenInputs[input.name] = input.tensor.toAttr();
  return onnx_frontend::importModelFile(path, ctx, options);
}

//===----------------------------------------------------------------------===//
// ohmc
//===----------------------------------------------------------------------===//

int ohm::ohmcMain(int argc, char **argv) {
  cl::OptionCategory category("ohmc options");
  cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                                 cl::Required, cl::cat(category));
  cl::opt<std::string> outputPath("o", cl::desc("Output file (default stdout)"),
                                  cl::value_desc("file"), cl::init("-"),
                                  cl::cat(category));
  enum class Emit { Import, NN, Xbar };
  cl::opt<Emit> emit(
      "emit", cl::desc("What to produce"), cl::init(Emit::NN),
      cl::values(clEnumValN(Emit::Import, "import",
                            "nn IR as imported, before any pass"),
                 clEnumValN(Emit::NN, "nn",
                            "normalized nn IR (integer accumulates + "
                            "requantize)"),
                 clEnumValN(Emit::Xbar, "xb",
                            "crossbar IR mapped onto the target")),
      cl::cat(category));
  cl::opt<std::string> targetName(
      "target", cl::desc("Target preset name or .yaml file"),
      cl::value_desc("NAME|FILE.yaml"), cl::init("default"), cl::cat(category));
  cl::opt<std::string> adc(
      "adc",
      cl::desc("ADC policy: lossless, a width N (fixed), calibrated or "
               "calibrated:N (default: the target's)"),
      cl::value_desc("policy"), cl::cat(category));
  cl::opt<std::string> calibDir(
      "calib", cl::desc("Directory of .npy input batches for --adc=calibrated"),
      cl::value_desc("dir"), cl::cat(category));
  cl::opt<int64_t> duplicate("duplicate",
                             cl::desc("Copies of every weight tile"),
                             cl::init(1), cl::cat(category));
  cl::opt<std::string> mappingReport(
      "mapping-report",
      cl::desc("Write the per-layer mapping report as JSON (needs --emit=xb)"),
      cl::value_desc("file.json"), cl::cat(category));
  cl::opt<bool> verbose("v", cl::desc("Print the mapping table to stderr"),
                        cl::cat(category));
  cl::list<std::string> freeze(
      "freeze",
      cl::desc("NAME=FILE: a graph input's value, used where the model needs "
               "a constant (.npy or ONNX .pb)"),
      cl::value_desc("NAME=FILE"), cl::cat(category));
  cl::opt<bool> dumpPipeline(
      "dump-pipeline",
      cl::desc("Print the pass pipeline (accepted by ohm-opt --pass-pipeline) "
               "to stderr"),
      cl::cat(category));
  cl::opt<bool> printDebugInfo("print-debuginfo",
                               cl::desc("Print source positions in locations"),
                               cl::cat(category));
  cl::opt<int64_t> elide(
      "elide-elements-larger-than",
      cl::desc("Print dense attributes with more elements as __elided__"),
      cl::init(-1), cl::cat(category));
  cl::opt<bool> passStatistics("pass-statistics",
                               cl::desc("Print what each pass changed"),
                               cl::cat(category));
  hideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "ohmc: compiles quantized ONNX models for RRAM "
                              "crossbar accelerators\n");
  if (passStatistics)
    llvm::EnableStatistics(/*DoPrintOnExit=*/false);

  Context ctx;
  registerAllDialects(ctx);
  auto inputs = loadInputs(std::vector<std::string>(freeze.begin(), freeze.end()),
                           ctx);
  if (!inputs) {
    reportError("ohmc", toString(inputs.takeError()));
    return 1;
  }
  for (const NamedTensor &input : *inputs)
    if (input.name.empty()) {
      reportError("ohmc", "--freeze needs NAME=FILE, got '" + input.path + "'");
      return 1;
    }
  std::unique_ptr<Timing> timing;
  if (llvm::TimePassesIsEnabled)
    timing = std::make_unique<Timing>("ohmc", "ohmc execution time");
  std::unique_ptr<Module> module;
  {
    llvm::Optional<llvm::TimeRegion> region;
    if (timing)
      region.emplace(timing->get("import"));
    module = importWithInputs(modelPath, ctx, *inputs);
  }
  if (!module)
    return 1;
  // Every frozen name must be a graph input.
  if (auto names = module->begin()->getAttr("input_names")
                       .dyn_cast_or_null<ArrayAttr>())
    for (const NamedTensor &input : *inputs)
      if (llvm::none_of(names.getValue(), [&](Attribute name) {
            return name.cast<StringAttr>().getValue() == input.name;
          })) {
        reportError("ohmc", modelPath + ": the model has no input '" +
                                input.name + "' to freeze");
        return 1;
      }

  auto target = target::loadTarget(targetName);
  if (!target) {
    reportError("ohmc", toString(target.takeError()));
    return 1;
  }
  if (emit != Emit::Xbar && (!mappingReport.empty() || verbose)) {
    reportError("ohmc", "--mapping-report and -v need --emit=xb");
    return 1;
  }
  PassManager pm(ctx);
  if (emit != Emit::Import)
    buildNNPipeline(pm);
  if (emit == Emit::Xbar) {
    XbarPipelineOptions xbOptions;
    xbOptions.adc = adc;
    xbOptions.calibDir = calibDir;
    xbOptions.duplicate = duplicate;
    if (llvm::Error error = buildXbarPipeline(pm, *target, xbOptions)) {
      reportError("ohmc", toString(std::move(error)));
      return 1;
    }
  }
  if (timing)
    pm.enableTiming(*timing);
  if (dumpPipeline) {
    pm.printAsTextualPipeline(llvm::errs());
    llvm::errs() << "\n";
  }
  if (failed(pm.run(*module)))
    return 1;

  auto output = openOutputFile(outputPath);
  if (!output) {
    reportError("ohmc", toString(output.takeError()));
    return 1;
  }
  PrintOptions options;
  options.printDebugInfo = printDebugInfo;
  options.elideElementsLargerThan = elide;
  module->print((*output)->os(), options);
  (*output)->keep();
  if (!mappingReport.empty()) {
    auto report = openOutputFile(mappingReport);
    if (!report) {
      reportError("ohmc", toString(report.takeError()));
      return 1;
    }
    writeMappingReport(*module, *target, (*report)->os());
    (*report)->keep();
  }
  if (verbose)
    printMappingTable(*module, *target, llvm::errs());
  if (timing)
    timing->print(llvm::errs());
  if (passStatistics)
    for (const auto &stat : llvm::GetStatistics())
      llvm::errs() << llvm::format("%10llu", (unsigned long long)stat.second)
                   << "  " << stat.first << "\n";
  return 0;
}

//===----------------------------------------------------------------------===//
// ohm-sim
//===----------------------------------------------------------------------===//

/// A file name for an output: its ONNX name with path separators replaced.
static std::string outputFileName(llvm::StringRef name) {
  std::string file = name.str();
  for (char &c : file)
    if (c == '/' || c == '\\' || c == ':')
      c = '_';
  return file + ".npy";
}

int ohm::ohmSimMain(int argc, char **argv) {
  cl::OptionCategory category("ohm-sim options");
  cl::opt<std::string> modelPath(cl::Positional,
                                 cl::desc("<model.onnx or program>"),
                                 cl::Required, cl::cat(category));
  cl::opt<bool> reference(
      "reference",
      cl::desc("Run the nn-level reference interpreter on an ONNX model (the "
               "golden model)"),
      cl::cat(category));
  cl::list<std::string> inputSpecs(
      "input",
      cl::desc("NAME=FILE or FILE (.npy, or ONNX TensorProto .pb); positional "
               "ones fill the inputs in order"),
      cl::value_desc("NAME=FILE"), cl::cat(category));
  cl::opt<std::string> outputDir(
      "output-dir", cl::desc("Directory for <output name>.npy files"),
      cl::value_desc("dir"), cl::cat(category));
  cl::opt<bool> noFold(
      "no-fold",
      cl::desc("Interpret the model as imported (float Q/DQ execution), "
               "without normalizing it"),
      cl::cat(category));
  hideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "ohm-sim: runs models and compiled programs\n");

  if (!reference) {
    reportError("ohm-sim",
                "only --reference (the nn-level interpreter on an ONNX model) "
                "is available; running compiled programs arrives with "
                "milestone M4");
    return 1;
  }
  if (outputDir.empty()) {
    reportError("ohm-sim", "--output-dir is required");
    return 1;
  }

  Context ctx;
  registerAllDialects(ctx);
  auto inputs = loadInputs(
      std::vector<std::string>(inputSpecs.begin(), inputSpecs.end()), ctx);
  if (!inputs) {
    reportError("ohm-sim", toString(inputs.takeError()));
    return 1;
  }
  // IR text (.ohm) runs as it is, at whatever level it is (nn or xb);
  // ONNX models are imported and normalized first.
  bool isIR = llvm::StringRef(modelPath).endswith(".ohm");
  std::unique_ptr<Module> module;
  if (isIR) {
    llvm::SourceMgr mgr;
    auto buffer = openInputFile(modelPath);
    if (!buffer) {
      reportError("ohm-sim", toString(buffer.takeError()));
      return 1;
    }
    mgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    SourceMgrDiagnosticHandler handler(mgr, ctx);
    module = parseSourceFile(mgr, ctx);
    if (!module || failed(module->verify()))
      return 1;
  } else {
    module = importWithInputs(modelPath, ctx, *inputs);
  }
  if (!module)
    return 1;
  if (!noFold && !isIR) {
    PassManager pm(ctx);
    buildNNPipeline(pm);
    if (failed(pm.run(*module)))
      return 1;
  }
  Function &fn = *module->begin();
  auto args = bindInputs(fn, std::move(*inputs));
  if (!args) {
    reportError("ohm-sim", modelPath + ": " + toString(args.takeError()));
    return 1;
  }
  auto results = interp::run(fn, std::move(*args));
  if (!results) {
    reportError("ohm-sim", modelPath + ": " + toString(results.takeError()));
    return 1;
  }

  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
    reportError("ohm-sim", "cannot create '" + outputDir + "': " + ec.message());
    return 1;
  }
  auto names = fn.getAttr("output_names").dyn_cast_or_null<ArrayAttr>();
  for (size_t i = 0; i < results->size(); ++i) {
    std::string name = names && i < names.size()
                           ? names[i].cast<StringAttr>().getValue().str()
                           : "output" + std::to_string(i);
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, outputFileName(name));
    NpyArray array = interp::tensorToNpy((*results)[i]);
    if (llvm::Error error = writeNpyFile(path, array)) {
      reportError("ohm-sim", toString(std::move(error)));
      return 1;
    }
    llvm::outs() << "wrote " << path << " ("
                 << ohmrt::getNpyDTypeName(array.dtype) << ", "
                 << interp::formatShape((*results)[i].getShape()) << ")\n";
  }
  return 0;
}
