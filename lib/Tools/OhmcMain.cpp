//===- OhmcMain.cpp - The driver behind ohmc ------------------------------===//
//
// ohmc imports an ONNX model, runs the nn pipeline and (for xb, asm and
// bin) the crossbar pipeline of the chosen target, and writes the IR, the
// program as text, or the program. The steps are separate functions; the
// options are one struct.
//
//===----------------------------------------------------------------------===//

#include "ToolSupport.h"
#include "ohm/Backend/Backend.h"
#include "ohm/IR/AsmPrinter.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Pipelines/NNPipeline.h"
#include "ohm/Pipelines/XbarPipeline.h"
#include "ohm/Support/FileUtilities.h"
#include "ohm/Support/Timing.h"
#include "ohm/Target/Target.h"
#include "ohm/Tools/CostReport.h"
#include "ohm/Tools/ToolMains.h"
#include "ohm/Xbar/MappingReport.h"
#include "ohmrt/Cost.h"
#include "ohmrt/Runtime.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Pass.h" // llvm::TimePassesIsEnabled (--time-passes)
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

#include <set>

namespace llvm {
namespace cl {
/// `--adc`, parsed with the command line (a bad value is a usage error
/// naming the option).
template <>
class parser<ohm::target::AdcChoice>
    : public basic_parser<ohm::target::AdcChoice> {
public:
  using basic_parser::basic_parser;
  bool parse(Option &option, StringRef, StringRef arg,
             ohm::target::AdcChoice &value) {
    std::string error;
    llvm::Optional<ohm::target::AdcChoice> choice =
        ohm::target::parseAdcChoice(arg, error);
    if (!choice)
      return option.error(error);
    value = *choice;
    return false;
  }
  StringRef getValueName() const override { return "policy"; }
  void printOptionDiff(const Option &, const ohm::target::AdcChoice &,
                       const OptionValue<ohm::target::AdcChoice> &,
                       size_t) const {}
};

/// --encoding and --sensing: the vocabulary's spellings (Vocabulary.def),
/// with its error messages.
template <typename T> class VocabularyParser : public basic_parser<T> {
public:
  using basic_parser<T>::basic_parser;
  bool parse(Option &option, StringRef, StringRef arg, T &value) {
    std::string error;
    if (failed(ohm::target::parseOptionValue(arg, value, error)))
      return option.error(error);
    return false;
  }
  StringRef getValueName() const override {
    return ohm::target::getOptionTypeName(static_cast<T *>(nullptr));
  }
  void printOptionDiff(const Option &, const T &, const OptionValue<T> &,
                       size_t) const {}
};
template <>
class parser<ohm::target::Encoding>
    : public VocabularyParser<ohm::target::Encoding> {
  using VocabularyParser::VocabularyParser;
};
template <>
class parser<ohm::target::Sensing>
    : public VocabularyParser<ohm::target::Sensing> {
  using VocabularyParser::VocabularyParser;
};
} // namespace cl
} // namespace llvm

using namespace ohm;
namespace cl = llvm::cl;

namespace {

enum class Emit { Import, NN, Xbar, Asm, Bin };

/// ohmc's command line.
struct OhmcOptions {
  cl::OptionCategory category{"ohmc options"};
  cl::opt<std::string> modelPath{cl::Positional, cl::desc("<model.onnx>"),
                                 cl::Required, cl::cat(category)};
  cl::opt<std::string> outputPath{
      "o",
      cl::desc("Output file (default: MODEL.ohmx for --emit=bin, else stdout; "
               "- is stdout)"),
      cl::value_desc("file"), cl::cat(category)};
  cl::opt<Emit> emit{
      "emit", cl::desc("What to produce"), cl::init(Emit::Bin),
      cl::values(
          clEnumValN(Emit::Import, "import",
                     "nn IR as imported, before any pass"),
          clEnumValN(Emit::NN, "nn",
                     "normalized nn IR (integer accumulates + "
                     "requantize)"),
          clEnumValN(Emit::Xbar, "xb", "crossbar IR mapped onto the target"),
          clEnumValN(Emit::Asm, "asm",
                     "the program as text (as ohm-sim --disasm prints "
                     "it)"),
          clEnumValN(Emit::Bin, "bin",
                     "the program (.ohmx) for ohm-sim (the default)")),
      cl::cat(category)};
  cl::opt<target::Encoding> encoding{
      "encoding",
      cl::desc("Weight encoding for every layer, overriding the target's"),
      cl::cat(category)};
  cl::opt<target::Sensing> sensing{
      "sensing",
      cl::desc("Where differential pairs subtract, overriding the target's"),
      cl::cat(category)};
  cl::opt<std::string> targetName{
      "target", cl::desc("Target preset name or .yaml file"),
      cl::value_desc("NAME|FILE.yaml"), cl::init("default"), cl::cat(category)};
  cl::opt<target::AdcChoice> adc{
      "adc",
      cl::desc("ADC policy: lossless, a width N (fixed), calibrated or "
               "calibrated:N (default: the target's)"),
      cl::cat(category)};
  cl::opt<std::string> calibDir{
      "calib", cl::desc("Directory of .npy input batches for --adc=calibrated"),
      cl::value_desc("dir"), cl::cat(category)};
  cl::opt<int64_t> duplicate{"duplicate",
                             cl::desc("Copies of every weight tile"),
                             cl::init(1), cl::cat(category)};
  cl::opt<std::string> mappingReport{
      "mapping-report",
      cl::desc("Write the per-layer mapping report as JSON (needs --emit=xb)"),
      cl::value_desc("file.json"), cl::cat(category)};
  cl::opt<std::string> costReport{
      "cost-report",
      cl::desc("Write the static cost estimate (energy by component, "
               "latency, throughput, area; docs/Cost.md) as JSON (needs "
               "--emit=asm or bin)"),
      cl::value_desc("file.json"), cl::cat(category)};
  cl::opt<bool> verbose{"v",
                        cl::desc("Print the mapping table (and, for "
                                 "programs, the cost table) to stderr"),
                        cl::cat(category)};
  cl::list<std::string> freeze{
      "freeze",
      cl::desc("NAME=FILE: a graph input's value, used where the model needs "
               "a constant (.npy or ONNX .pb)"),
      cl::value_desc("NAME=FILE"), cl::cat(category)};
  cl::list<std::string> inputShapes{
      "input-shape",
      cl::desc("NAME=DIMS (e.g. input=1x3x224x224): the shape of a graph "
               "input whose dimensions the model leaves symbolic"),
      cl::value_desc("NAME=DIMS"), cl::cat(category)};
  cl::opt<std::string> maxConstantBytes{
      "max-constant-bytes",
      cl::desc("The most memory the model's constants may take, each and "
               "together (default 1G)"),
      cl::init("1G"), cl::value_desc("SIZE"), cl::cat(category)};
  cl::opt<bool> dumpPipeline{
      "dump-pipeline",
      cl::desc("Print the pass pipeline (accepted by ohm-opt --pass-pipeline) "
               "to stderr"),
      cl::cat(category)};
  cl::opt<bool> printDebugInfo{"print-debuginfo",
                               cl::desc("Print source positions in locations"),
                               cl::cat(category)};
  cl::opt<int64_t> elide{
      "elide-elements-larger-than",
      cl::desc("Print dense attributes with more elements as __elided__"),
      cl::init(-1), cl::cat(category)};
  cl::opt<bool> passStatistics{"pass-statistics",
                               cl::desc("Print what each pass changed"),
                               cl::cat(category)};

  bool isMapped() const {
    return emit == Emit::Xbar || emit == Emit::Asm || emit == Emit::Bin;
  }
};

/// --input-shape NAME=DxDxD...; reports errors.
llvm::Optional<llvm::StringMap<std::vector<int64_t>>>
parseInputShapes(const std::vector<std::string> &specs) {
  llvm::StringMap<std::vector<int64_t>> shapes;
  for (const std::string &spec : specs) {
    llvm::StringRef text(spec);
    size_t eq = text.rfind('=');
    llvm::SmallVector<llvm::StringRef, 8> parts;
    if (eq != llvm::StringRef::npos && eq > 0)
      text.substr(eq + 1).split(parts, 'x');
    std::vector<int64_t> dims;
    for (llvm::StringRef part : parts) {
      uint64_t dim;
      if (part.getAsInteger(10, dim) || dim < 1 || dim > (uint64_t(1) << 32))
        break;
      dims.push_back(int64_t(dim));
    }
    if (dims.empty() || dims.size() != parts.size()) {
      reportError("ohmc", "--input-shape " + spec +
                              ": expected NAME=DIMS with dimensions from 1 "
                              "to 2^32 separated by 'x' (input=1x3x224x224)");
      return llvm::None;
    }
    if (!shapes.try_emplace(text.substr(0, eq), dims).second) {
      reportError("ohmc", "--input-shape gives '" + text.substr(0, eq).str() +
                              "' twice");
      return llvm::None;
    }
  }
  return shapes;
}

/// Imports the model with its --freeze inputs; every frozen name must be a
/// graph input. Null after reporting an error.
std::unique_ptr<Module> importModel(const OhmcOptions &opts, Context &ctx,
                                    std::vector<NamedTensor> &frozen,
                                    Timing *timing) {
  auto inputs = loadInputs(
      std::vector<std::string>(opts.freeze.begin(), opts.freeze.end()), ctx);
  if (!inputs) {
    reportError("ohmc", toString(inputs.takeError()));
    return nullptr;
  }
  std::set<std::string> names;
  for (const NamedTensor &input : *inputs) {
    if (input.name.empty()) {
      reportError("ohmc", "--freeze needs NAME=FILE, got '" + input.path + "'");
      return nullptr;
    }
    if (!names.insert(input.name).second) {
      reportError("ohmc", "--freeze gives input '" + input.name + "' twice");
      return nullptr;
    }
  }
  auto shapes = parseInputShapes(std::vector<std::string>(
      opts.inputShapes.begin(), opts.inputShapes.end()));
  if (!shapes)
    return nullptr;
  onnx_frontend::ImportOptions options;
  options.freezeCompletely = true;
  options.inputShapes = std::move(*shapes);
  llvm::Optional<uint64_t> maxConstantBytes =
      parseMaxConstantBytes("ohmc", opts.maxConstantBytes);
  if (!maxConstantBytes)
    return nullptr;
  options.maxConstantBytes = *maxConstantBytes;
  std::unique_ptr<Module> module;
  {
    llvm::Optional<llvm::TimeRegion> region;
    if (timing)
      region.emplace(timing->get("import"));
    module = importWithInputs(opts.modelPath, ctx, *inputs, options);
  }
  if (!module)
    return nullptr;
  auto frozenAttr =
      module->begin()->getAttr("frozen_inputs").dyn_cast_or_null<ArrayAttr>();
  for (const NamedTensor &input : *inputs)
    if (!frozenAttr ||
        llvm::none_of(frozenAttr.getValue(), [&](Attribute name) {
          return name.cast<StringAttr>().getValue() == input.name;
        })) {
      reportError("ohmc", opts.modelPath + ": the model has no input '" +
                              input.name + "' to freeze");
      return nullptr;
    }
  frozen = std::move(*inputs);
  return module;
}

/// The target with --encoding and --sensing applied; reports errors.
llvm::Optional<target::Target> loadTarget(const OhmcOptions &opts) {
  auto target = target::loadTarget(opts.targetName);
  if (!target) {
    reportError("ohmc", toString(target.takeError()));
    return llvm::None;
  }
  if (opts.encoding.getNumOccurrences()) {
    target->weights.encoding = opts.encoding;
    target->weights.perLayer.clear();
  }
  if (opts.sensing.getNumOccurrences())
    target->weights.sensing = opts.sensing;
  return std::move(*target);
}

/// Runs the nn pipeline and, for mapped outputs, the crossbar pipeline.
bool runPipelines(const OhmcOptions &opts, const target::Target &target,
                  Context &ctx, Module &module, Timing *timing) {
  PassManager pm(ctx);
  if (opts.emit != Emit::Import)
    buildNNPipeline(pm);
  if (opts.isMapped()) {
    XbarPipelineOptions xbOptions;
    if (opts.adc.getNumOccurrences())
      xbOptions.adc = static_cast<const target::AdcChoice &>(opts.adc);
    xbOptions.calibDir = opts.calibDir;
    xbOptions.duplicate = opts.duplicate;
    if (llvm::Error error = buildXbarPipeline(pm, target, xbOptions)) {
      reportError("ohmc", toString(std::move(error)));
      return false;
    }
  }
  if (timing)
    pm.enableTiming(*timing);
  if (opts.dumpPipeline) {
    pm.printAsTextualPipeline(llvm::errs());
    llvm::errs() << "\n";
  }
  return succeeded(pm.run(module));
}

/// The static cost estimate: -v prints it, --cost-report writes it.
bool reportCost(const OhmcOptions &opts, const program::Program &program) {
  if (!opts.verbose && opts.costReport.empty())
    return true;
  ohmrt::CostReport cost = ohmrt::estimateCost(program);
  if (opts.verbose)
    printCostTable(cost, "static", llvm::errs());
  if (opts.costReport.empty())
    return true;
  auto output = openOutputFile(opts.costReport);
  if (!output) {
    reportError("ohmc", toString(output.takeError()));
    return false;
  }
  writeCostJson(cost, program.target(), "static", 1, (*output)->os());
  if (llvm::Error error = (*output)->commit()) {
    reportError("ohmc", toString(std::move(error)));
    return false;
  }
  return true;
}

/// Writes the program (binary or text) or the IR to the output.
bool writeOutput(const OhmcOptions &opts, const target::Target &target,
                 Module &module, const std::vector<NamedTensor> &frozen,
                 Timing *timing) {
  std::string path = opts.outputPath;
  if (path.empty())
    path = opts.emit == Emit::Bin
               ? llvm::sys::path::stem(opts.modelPath).str() + ".ohmx"
               : std::string("-");
  std::string text;
  if (opts.emit == Emit::Asm || opts.emit == Emit::Bin) {
    program::Program program;
    {
      llvm::Optional<llvm::TimeRegion> region;
      if (timing)
        region.emplace(timing->get("backend"));
      if (failed(backend::emitProgram(
              *module.begin(), target,
              llvm::sys::path::stem(opts.modelPath).str(), program)))
        return false;
    }
    for (const NamedTensor &input : frozen)
      program.add_frozen_inputs(input.name);
    if (!reportCost(opts, program))
      return false;
    if (opts.emit == Emit::Asm) {
      text = ohmrt::disassemble(program);
    } else if (!ohmrt::serializeProgram(program, text)) {
      reportError("ohmc", "cannot serialize the program");
      return false;
    }
  } else {
    llvm::raw_string_ostream os(text);
    PrintOptions options;
    options.printDebugInfo = opts.printDebugInfo;
    options.elideElementsLargerThan = opts.elide;
    module.print(os, options);
  }
  auto output = openOutputFile(path);
  if (!output) {
    reportError("ohmc", toString(output.takeError()));
    return false;
  }
  (*output)->os() << text;
  if (llvm::Error error = (*output)->commit()) {
    reportError("ohmc", toString(std::move(error)));
    return false;
  }
  return true;
}

} // namespace

int ohm::ohmcMain(int argc, char **argv) {
  OhmcOptions opts;
  hideUnrelatedOptions(opts.category);
  cl::ParseCommandLineOptions(argc, argv,
                              "ohmc: compiles quantized ONNX models for RRAM "
                              "crossbar accelerators\n");
  if (opts.passStatistics)
    llvm::EnableStatistics(/*DoPrintOnExit=*/false);

  Context ctx;
  registerAllDialects(ctx);
  std::unique_ptr<Timing> timing;
  if (llvm::TimePassesIsEnabled)
    timing = std::make_unique<Timing>("ohmc", "ohmc execution time");
  std::vector<NamedTensor> frozen;
  std::unique_ptr<Module> module = importModel(opts, ctx, frozen, timing.get());
  if (!module)
    return 1;
  llvm::Optional<target::Target> target = loadTarget(opts);
  if (!target)
    return 1;
  if (!opts.costReport.empty() && opts.emit != Emit::Asm &&
      opts.emit != Emit::Bin) {
    reportError("ohmc", "--cost-report needs --emit=asm or bin (the cost is "
                        "the program's)");
    return 1;
  }
  if (!opts.isMapped() &&
      (!opts.mappingReport.empty() || opts.verbose ||
       opts.adc.getNumOccurrences() || !opts.calibDir.empty() ||
       opts.duplicate != 1 || opts.encoding.getNumOccurrences() ||
       opts.sensing.getNumOccurrences())) {
    reportError("ohmc", "--mapping-report, -v, --adc, --calib, --duplicate, "
                        "--encoding and --sensing need --emit=xb, asm or bin");
    return 1;
  }
  if (!runPipelines(opts, *target, ctx, *module, timing.get()))
    return 1;
  // Mapped IR and programs have no float or unmapped products left.
  if (opts.isMapped() &&
      failed(backend::verifyProductsMapped(*module->begin())))
    return 1;

  // Reports describe the mapping before the backend specializes shapes.
  if (opts.verbose)
    printMappingTable(*module, *target, llvm::errs());
  if (!opts.mappingReport.empty()) {
    auto report = openOutputFile(opts.mappingReport);
    if (!report) {
      reportError("ohmc", toString(report.takeError()));
      return 1;
    }
    writeMappingReport(*module, *target, (*report)->os());
    if (llvm::Error error = (*report)->commit()) {
      reportError("ohmc", toString(std::move(error)));
      return 1;
    }
  }
  if (!writeOutput(opts, *target, *module, frozen, timing.get()))
    return 1;
  if (timing)
    timing->print(llvm::errs());
  if (opts.passStatistics)
    for (const auto &stat : llvm::GetStatistics())
      llvm::errs() << llvm::format("%10llu", (unsigned long long)stat.second)
                   << "  " << stat.first << "\n";
  return 0;
}
