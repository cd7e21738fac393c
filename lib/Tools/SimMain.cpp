//===- SimMain.cpp - The driver behind ohm-sim ----------------------------===//
//
// ohm-sim runs a compiled program (.ohmx) on .npy / .pb inputs and writes
// one .npy per output with a summary; with --reference it imports a model
// (or reads IR text), normalizes it like ohmc --emit=nn and runs the
// reference interpreter -- the golden model.
//
//===----------------------------------------------------------------------===//

#include "Accuracy.h"
#include "DeviceMode.h"
#include "ToolSupport.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Interp/TensorIO.h"
#include "ohm/Parser/Parser.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Pipelines/NNPipeline.h"
#include "ohm/Support/ByteSize.h"
#include "ohm/Support/FileUtilities.h"
#include "ohm/Tools/CostReport.h"
#include "ohm/Tools/ToolMains.h"
#include "ohmrt/Cost.h"
#include "ohmrt/Npy.h"
#include "ohmrt/Runtime.h"

#include <google/protobuf/stubs/logging.h>

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <chrono>
#include <cmath>
#include <map>
#include <memory>

using namespace ohm;
namespace cl = llvm::cl;

/// A file name for an output: its ONNX name with path separators replaced
/// (ohmrt::getOutputFileStem). `suffix` goes before ".npy" (".trial3" for
/// the trials of device mode).
static std::string outputFileName(llvm::StringRef name,
                                  llvm::StringRef suffix = "") {
  return ohmrt::getOutputFileStem(name.str()) + suffix.str() + ".npy";
}

/// Removes the files a run of `program` will write to `dir` (with the
/// suffixes given), so that a run that fails leaves no earlier results that
/// look like its own. Reports errors.
static bool removeStaleOutputs(const program::Program &program,
                               const std::string &dir,
                               const std::vector<std::string> &suffixes) {
  for (const program::Port &port : program.outputs())
    for (const std::string &suffix : suffixes) {
      llvm::SmallString<256> file(dir);
      llvm::sys::path::append(file, outputFileName(port.name(), suffix));
      std::error_code ec = llvm::sys::fs::remove(file);
      if (ec) {
        reportError("ohm-sim", "cannot remove the earlier output '" +
                                   file.str().str() + "': " + ec.message());
        return false;
      }
    }
  return true;
}

/// The .npy element type of a program dtype.
static ohmrt::NpyDType npyTypeOf(program::DType dtype) {
  switch (dtype) {
  case program::BOOL:
    return ohmrt::NpyDType::Bool;
  case program::I8:
    return ohmrt::NpyDType::I8;
  case program::U8:
    return ohmrt::NpyDType::U8;
  case program::I16:
    return ohmrt::NpyDType::I16;
  case program::U16:
    return ohmrt::NpyDType::U16;
  case program::I32:
    return ohmrt::NpyDType::I32;
  case program::U32:
    return ohmrt::NpyDType::U32;
  case program::I64:
    return ohmrt::NpyDType::I64;
  case program::U64:
    return ohmrt::NpyDType::U64;
  case program::F64:
    return ohmrt::NpyDType::F64;
  default:
    return ohmrt::NpyDType::F32;
  }
}

static llvm::Optional<program::DType> programTypeOf(ohmrt::NpyDType dtype) {
  for (program::DType t :
       {program::BOOL, program::I8, program::U8, program::I16, program::U16,
        program::I32, program::U32, program::I64, program::U64, program::F32,
        program::F64})
    if (npyTypeOf(t) == dtype)
      return t;
  return llvm::None;
}

/// What ohm-sim was asked to do with a program.
struct SimOptions {
  bool disasm = false;
  std::vector<std::string> inputSpecs;
  std::string outputDir;
  unsigned threads = 1;
  bool quiet = false;
  bool profile = false;
  unsigned repeat = 1;
  int64_t chunk = 0;
  uint64_t maxMemory = uint64_t(2) << 30;
  /// --report: the counted cost as JSON; --cost: the table only.
  std::string reportPath;
  bool cost = false;
  /// --labels: integer labels for the first output's top-1 accuracy.
  std::string labelsPath;
  /// --mode=device and its options.
  DeviceOptions device;
};

/// Binds NAME=FILE and positional inputs to the program's input ports.
/// Reports errors and returns false.
static bool bindProgramInputs(const program::Program &program,
                              const std::vector<std::string> &inputSpecs,
                              std::vector<ohmrt::HostTensor> &inputs) {
  std::string error;
  std::vector<std::string> names;
  for (const auto &port : program.inputs())
    names.push_back(port.name());
  std::vector<llvm::Optional<ohmrt::HostTensor>> bound(names.size());
  size_t nextPositional = 0;
  Context ctx;
  registerAllDialects(ctx);
  for (const std::string &spec : inputSpecs) {
    llvm::StringRef text(spec);
    std::string name, file = spec;
    // NAME=FILE: names may contain '/' (TF-converted models have
    // "serving_default/x:0"): a prefix naming an input of the program is
    // a name; otherwise a prefix with '/' is part of a path.
    size_t eq = text.find('=');
    if (eq != llvm::StringRef::npos) {
      llvm::StringRef prefix = text.substr(0, eq);
      if (!prefix.contains('/') || llvm::is_contained(names, prefix) ||
          llvm::is_contained(program.frozen_inputs(), prefix)) {
        name = prefix.str();
        file = text.substr(eq + 1).str();
      }
    }
    ohmrt::NpyArray array;
    if (llvm::StringRef(file).endswith(".pb")) {
      auto tensor = loadTensorFile(file, ctx);
      if (!tensor) {
        reportError("ohm-sim", toString(tensor.takeError()));
        return false;
      }
      array = interp::tensorToNpy(*tensor);
    } else if (!ohmrt::readNpyFile(file, array, error)) {
      reportError("ohm-sim", error);
      return false;
    }
    size_t index;
    if (name.empty()) {
      while (nextPositional < bound.size() && bound[nextPositional])
        ++nextPositional;
      if (nextPositional == bound.size()) {
        reportError("ohm-sim", "too many inputs: the program takes " +
                                   std::to_string(names.size()) + " (" +
                                   llvm::join(names, ", ") + ")");
        return false;
      }
      index = nextPositional;
    } else {
      auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end()) {
        if (llvm::is_contained(program.frozen_inputs(), name))
          continue; // frozen into the program at compile time
        reportError("ohm-sim",
                    "the program has no input '" + name +
                        "' (its inputs are: " + llvm::join(names, ", ") + ")");
        return false;
      }
      index = it - names.begin();
      if (bound[index]) {
        reportError("ohm-sim", "input '" + name + "' is given twice");
        return false;
      }
    }
    auto dtype = programTypeOf(array.dtype);
    if (!dtype) {
      reportError("ohm-sim", file + ": element type " +
                                 ohmrt::getNpyDTypeName(array.dtype) +
                                 " is not supported");
      return false;
    }
    ohmrt::HostTensor tensor;
    tensor.dtype = *dtype;
    tensor.shape = array.shape;
    tensor.data = std::move(array.data);
    bound[index] = std::move(tensor);
  }
  inputs.clear();
  for (size_t i = 0; i < bound.size(); ++i) {
    if (!bound[i]) {
      reportError("ohm-sim", "missing input '" + names[i] + "' (pass --input " +
                                 names[i] + "=FILE.npy)");
      return false;
    }
    inputs.push_back(std::move(*bound[i]));
  }

  return true;
}

/// --report: the cost the run counted (its inputs' digits), per inference.
static bool reportCost(const program::Program &program,
                       const ohmrt::RunStats &stats, const SimOptions &sim,
                       llvm::Optional<double> accuracy) {
  if (sim.reportPath.empty())
    return true;
  ohmrt::CostReport cost =
      ohmrt::estimateCost(program, stats.drivenDigits, stats.batch);
  auto output = openOutputFile(sim.reportPath);
  if (!output) {
    reportError("ohm-sim", toString(output.takeError()));
    return false;
  }
  writeCostJson(cost, program.target(), "counted", stats.batch, (*output)->os(),
                accuracy);
  if (llvm::Error error = (*output)->commit()) {
    reportError("ohm-sim", toString(std::move(error)));
    return false;
  }
  return true;
}

/// The summary: per crossbar layer, then totals for the run.
static void printSummary(const program::Program &program,
                         const ohmrt::RunStats &stats, bool device = false) {
  auto layers = ohmrt::summarizeLayers(program);
  size_t width = 5;
  for (const auto &l : layers)
    width = std::max(width, l.layer.size());
  llvm::outs() << "\n"
               << program.model() << " on " << program.target().name() << ": "
               << program.arrays_size() << " arrays, "
               << program.instructions_size() << " instructions; batch "
               << stats.batch << "\n";
  llvm::outs() << llvm::left_justify("layer", width)
               << "  arrays  ADC bits  conversions/inference\n";
  int64_t arrays = 0, conversions = 0;
  for (const auto &l : layers) {
    std::string bits =
        l.maxAdcBits == 0 ? "ideal"
        : l.minAdcBits == l.maxAdcBits
            ? std::to_string(l.maxAdcBits)
            : std::to_string(l.minAdcBits) + "-" + std::to_string(l.maxAdcBits);
    llvm::outs() << llvm::left_justify(l.layer, width)
                 << llvm::format("  %6lld  %8s  %21lld\n", (long long)l.arrays,
                                 bits.c_str(), (long long)l.conversions);
    arrays += l.arrays;
    conversions += l.conversions;
  }
  llvm::outs() << llvm::left_justify("total", width)
               << llvm::format("  %6lld  %8s  %21lld\n", (long long)arrays,
                               (const char *)"", (long long)conversions);
  if (device) {
    llvm::outs() << "crossbar reads: " << stats.mvmInstructions
                 << ", every conversion computed on the device instance, "
                 << stats.conversions << " conversions for the batch\n";
    return;
  }
  llvm::outs() << "crossbar reads: " << stats.mvmInstructions << " ("
               << stats.exactProducts
               << " with lossless ADCs, computed as exact products), "
               << stats.conversions << " conversions for the batch\n";
  if (stats.slicedProducts) {
    int64_t entries =
        stats.knownEntries + stats.exactEntries + stats.slowEntries;
    llvm::outs() << llvm::format(
        "sliced reads: %lld (row, input cycle, word-line group) reads: %.1f%% "
        "known from the input alone, %.1f%% exact, %.1f%% converted\n",
        (long long)entries,
        100.0 * double(stats.knownEntries) / double(entries),
        100.0 * double(stats.exactEntries) / double(entries),
        100.0 * double(stats.slowEntries) / double(entries));
  }
}

/// Times of the run, and with --profile the time per instruction kind.
struct RunTimes {
  double load = 0, plan = 0;
  std::vector<double> runs; // sorted
  std::map<std::string, std::pair<double, int64_t>> profile;
  double median() const { return runs[runs.size() / 2]; }
};

static void printTimes(const RunTimes &times, const ohmrt::RunStats &stats,
                       unsigned threads, bool profile,
                       const char *runs = "runs") {
  double seconds = times.median();
  double total = times.load + times.plan + seconds;
  if (times.runs.size() > 1)
    llvm::outs() << llvm::format("%s: %zu, best %.4f s, median %.4f s, "
                                 "worst %.4f s\n",
                                 runs, times.runs.size(), times.runs.front(),
                                 seconds, times.runs.back());
  llvm::outs() << llvm::format(
      "time: load %.3f s, plan %.3f s, run %.3f s (%lld chunk%s of %lld); "
      "%.1f inferences/s overall, %.1f running (%u thread%s)\n",
      times.load, times.plan, seconds,
      (long long)((stats.batch + stats.chunk - 1) / stats.chunk),
      stats.batch > stats.chunk ? "s" : "", (long long)stats.chunk,
      double(stats.batch) / total, double(stats.batch) / seconds, threads,
      threads == 1 ? "" : "s");
  if (!profile)
    return;
  llvm::outs() << "\ninstruction kind          per run   seconds  share\n";
  llvm::outs() << "(seconds per run, averaged over " << times.runs.size()
               << " run" << (times.runs.size() == 1 ? "" : "s") << ")\n";
  std::vector<std::pair<std::string, std::pair<double, int64_t>>> rows(
      times.profile.begin(), times.profile.end());
  llvm::sort(rows, [](const auto &a, const auto &b) {
    return a.second.first > b.second.first;
  });
  for (const auto &[kind, entry] : rows)
    llvm::outs() << llvm::format(
        "%-24s %9lld  %8.4f  %4.1f%%\n", kind.c_str(),
        (long long)(entry.second / int64_t(times.runs.size())), entry.first,
        100.0 * entry.first / seconds);
}

/// Writes DIR/<output>.npy for every output; reports errors.
static bool writeOutputs(const program::Program &program,
                         std::vector<ohmrt::HostTensor> &outputs,
                         const std::string &outputDir,
                         llvm::StringRef suffix = "") {
  std::string error;
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
    reportError("ohm-sim",
                "cannot create '" + outputDir + "': " + ec.message());
    return false;
  }
  for (int i = 0; i < program.outputs_size(); ++i) {
    llvm::SmallString<256> file(outputDir);
    llvm::sys::path::append(file,
                            outputFileName(program.outputs(i).name(), suffix));
    ohmrt::NpyArray array;
    array.dtype = npyTypeOf(outputs[i].dtype);
    array.shape = outputs[i].shape;
    array.data = std::move(outputs[i].data);
    if (!ohmrt::writeNpyFile(file.str().str(), array, error)) {
      reportError("ohm-sim", error);
      return false;
    }
    std::string shape;
    for (size_t d = 0; d < array.shape.size(); ++d)
      shape += (d ? "x" : "") + std::to_string(array.shape[d]);
    llvm::outs() << "wrote " << file << " ("
                 << ohmrt::getNpyDTypeName(array.dtype) << ", " << shape
                 << ")\n";
  }
  return true;
}

/// Runs the batch --repeat times (memory warm after the first), adding
/// the run times and profile to `times`. `part` is (index, count) of this
/// batch among the runs the progress bar covers. Reports errors.
static bool runBatch(const std::string &path, ohmrt::Executor &executor,
                     const std::vector<ohmrt::HostTensor> &inputs,
                     const SimOptions &sim, ProgressBar &progress,
                     std::pair<int64_t, int64_t> part, RunTimes &times,
                     ohmrt::RunStats &stats,
                     std::vector<ohmrt::HostTensor> &outputs) {
  ohmrt::RunOptions options;
  options.threads = sim.threads;
  options.maxMemory = sim.maxMemory;
  options.chunk = sim.chunk;
  options.profile = sim.profile;
  unsigned repeat = std::max(sim.repeat, 1u);
  std::string error;
  for (unsigned r = 0; r < repeat; ++r) {
    int64_t runs = part.second * int64_t(repeat);
    int64_t before = part.first * int64_t(repeat) + int64_t(r);
    options.progress = [&](int64_t done, int64_t batch) {
      progress.update(before * batch + done, runs * batch);
    };
    if (!executor.run(inputs, outputs, error, options, &stats)) {
      progress.finish();
      reportError("ohm-sim", path + ": " + error);
      return false;
    }
    times.runs.push_back(stats.runSeconds);
    for (const auto &[kind, entry] : stats.profile) {
      times.profile[kind].first += entry.first / double(repeat);
      times.profile[kind].second += entry.second;
    }
  }
  std::sort(times.runs.begin(), times.runs.end());
  return true;
}

/// The accuracy against --labels (printed), then the outputs written as
/// DIR/<output><suffix>.npy. Reports errors.
static bool finishRun(const program::Program &program, const SimOptions &sim,
                      std::vector<ohmrt::HostTensor> &outputs,
                      llvm::StringRef suffix, const ohmrt::RunStats &stats,
                      llvm::Optional<Accuracy> &accuracy) {
  (void)stats;
  // (Before writing: the writer takes the outputs' bytes.)
  if (!sim.labelsPath.empty()) {
    auto computed = computeAccuracy(outputs.front(), sim.labelsPath);
    if (!computed) {
      reportError("ohm-sim", toString(computed.takeError()));
      return false;
    }
    accuracy = *computed;
  }
  if (!writeOutputs(program, outputs, sim.outputDir, suffix))
    return false;
  if (accuracy)
    llvm::outs() << llvm::format(
        "accuracy: %.2f%% (%lld of %lld rows of '%s' match the labels)\n",
        100 * accuracy->getFraction(), (long long)accuracy->correct,
        (long long)accuracy->total, program.outputs(0).name().c_str());
  return true;
}

/// The device instance of trial `trial`: the loaded one, or one drawn from
/// seed + trial (and saved with --save-device). Reports errors.
static bool prepareInstance(const program::Program &program,
                            const SimOptions &sim,
                            const ohmrt::DeviceParams &params, unsigned trial,
                            ohmrt::DeviceInstance &instance) {
  const DeviceOptions &device = sim.device;
  std::string error;
  if (!device.loadPath.empty()) {
    if (trial == 0 &&
        !ohmrt::loadDevice(device.loadPath, program, instance, error)) {
      reportError("ohm-sim", error);
      return false;
    }
    return true;
  }
  instance = ohmrt::DeviceInstance::draw(program, params, device.seed + trial,
                                         sim.threads);
  if (!device.savePath.empty() &&
      !ohmrt::saveDevice(instance, device.savePath, error)) {
    reportError("ohm-sim", error);
    return false;
  }
  return true;
}

/// ohm-sim --mode=device: --trials device instances (seeds seed ..
/// seed + N - 1, or the loaded instance with those read seeds), each run
/// on the batch; outputs per trial and the statistics across trials.
static int runDeviceTrials(const std::string &path,
                           const program::Program &program,
                           const std::vector<ohmrt::HostTensor> &inputs,
                           const SimOptions &sim, RunTimes &times) {
  const DeviceOptions &device = sim.device;
  auto params = resolveDeviceParams(program, device.paramSpecs);
  if (!params) {
    reportError("ohm-sim", toString(params.takeError()));
    return 1;
  }
  bool counting = sim.cost || !sim.reportPath.empty();
  TrialStatistics across;
  ohmrt::RunStats stats;
  ohmrt::DeviceInstance instance;
  ProgressBar progress(!sim.quiet);
  for (unsigned trial = 0; trial < device.trials; ++trial) {
    if (!prepareInstance(program, sim, *params, trial, instance))
      return 1;
    ohmrt::DeviceRun run;
    run.params = *params;
    run.instance = &instance;
    run.seed = device.seed + trial;
    run.timeS = device.timeS;
    ohmrt::Executor executor(program, /*countActivity=*/counting, &run);
    times.plan += executor.getPlanSeconds();
    std::vector<ohmrt::HostTensor> outputs;
    if (!runBatch(path, executor, inputs, sim, progress,
                  {int64_t(trial), int64_t(device.trials)}, times, stats,
                  outputs))
      return 1;
    progress.finish();
    across.add(outputs);
    std::string suffix =
        device.trials > 1 ? ".trial" + std::to_string(trial) : "";
    llvm::Optional<Accuracy> accuracy;
    if (!finishRun(program, sim, outputs, suffix, stats, accuracy))
      return 1;
    if (accuracy)
      across.addAccuracy(*accuracy);
  }
  llvm::Optional<double> mean;
  if (across.hasAccuracy())
    mean = across.getMeanAccuracy();
  if (counting && !reportCost(program, stats, sim, mean))
    return 1;
  if (sim.quiet)
    return 0;
  printSummary(program, stats, /*device=*/true);
  llvm::outs() << "device: " << describeDeviceParams(*params) << "\n"
               << llvm::format(
                      "device instances: seeds %llu to %llu, read "
                      "at %g s, ",
                      (unsigned long long)device.seed,
                      (unsigned long long)(device.seed + device.trials - 1),
                      device.timeS)
               << (device.loadPath.empty() ? "drawn"
                                           : "loaded from " + device.loadPath)
               << "\n";
  if (!device.loadPath.empty())
    llvm::outs() << "loaded instance drawn with: "
                 << describeDeviceParams(instance.params) << "\n";
  across.print(program, llvm::outs());
  if (counting)
    printCostTable(
        ohmrt::estimateCost(program, stats.drivenDigits, stats.batch),
        "counted", llvm::outs());
  printTimes(times, stats, sim.threads, sim.profile,
             "runs (trials x --repeat)");
  return 0;
}

/// ohm-sim PROG.ohmx: loads, validates and runs a compiled program.
static int runProgram(const std::string &path, const SimOptions &sim) {
  llvm::StringRef extension = llvm::sys::path::extension(path);
  if (extension == ".onnx" || extension == ".onnxtxt" || extension == ".ohm") {
    reportError("ohm-sim",
                path + ": this is " +
                    (extension == ".ohm" ? "IR text" : "an ONNX model") +
                    ", not a compiled program: run it with "
                    "--reference, or compile it with ohmc first");
    return 1;
  }
  // The loader reports problems itself; protobuf's own log lines (e.g.
  // about invalid UTF-8 in a corrupt file) would only add noise.
  google::protobuf::SetLogHandler(nullptr);
  program::Program program;
  std::string error;
  RunTimes times;
  auto loadStart = std::chrono::steady_clock::now();
  if (!ohmrt::loadProgram(path, program, error)) {
    reportError("ohm-sim", error);
    return 1;
  }
  times.load = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             loadStart)
                   .count();
  if (sim.disasm) {
    llvm::outs() << ohmrt::disassemble(program);
    return 0;
  }
  if (sim.outputDir.empty()) {
    reportError("ohm-sim", "--output-dir is required");
    return 1;
  }
  if (sim.threads < 1 || sim.threads > 256) {
    reportError("ohm-sim", "-j needs 1 to 256 threads");
    return 1;
  }
  // Whatever fails from here on, no earlier results stay behind looking
  // like this run's.
  std::vector<std::string> suffixes = {""};
  for (unsigned trial = 0; sim.device.trials > 1 && trial < sim.device.trials;
       ++trial)
    suffixes.push_back(".trial" + std::to_string(trial));
  if (!removeStaleOutputs(program, sim.outputDir, suffixes))
    return 1;
  std::vector<ohmrt::HostTensor> inputs;
  if (!bindProgramInputs(program, sim.inputSpecs, inputs))
    return 1;

  if (sim.device.enabled)
    return runDeviceTrials(path, program, inputs, sim, times);
  bool counting = sim.cost || !sim.reportPath.empty();
  ohmrt::Executor executor(program, /*countActivity=*/counting);
  ohmrt::RunStats stats;
  std::vector<ohmrt::HostTensor> outputs;
  ProgressBar progress(!sim.quiet);
  if (!runBatch(path, executor, inputs, sim, progress, {0, 1}, times, stats,
                outputs))
    return 1;
  times.plan = executor.getPlanSeconds();
  progress.finish();
  llvm::Optional<Accuracy> accuracy;
  if (!finishRun(program, sim, outputs, "", stats, accuracy))
    return 1;
  if (counting &&
      !reportCost(program, stats, sim,
                  accuracy ? llvm::Optional<double>(accuracy->getFraction())
                           : llvm::None))
    return 1;
  if (sim.quiet)
    return 0;
  printSummary(program, stats);
  if (counting)
    printCostTable(
        ohmrt::estimateCost(program, stats.drivenDigits, stats.batch),
        "counted", llvm::outs());
  printTimes(times, stats, sim.threads, sim.profile);
  return 0;
}

/// ohm-sim --reference: imports a model (or reads IR text), normalizes it
/// unless --no-fold, and runs the reference interpreter.
static int runReference(const std::string &modelPath,
                        const std::vector<std::string> &inputSpecs,
                        const std::string &outputDir, bool noFold,
                        uint64_t maxMemory, uint64_t maxConstantBytes) {
  if (outputDir.empty()) {
    reportError("ohm-sim", "--output-dir is required");
    return 1;
  }

  Context ctx;
  registerAllDialects(ctx);
  auto inputs = loadInputs(inputSpecs, ctx);
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
    onnx_frontend::ImportOptions options;
    options.maxConstantBytes = maxConstantBytes;
    module = importWithInputs(modelPath, ctx, *inputs, options);
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
  // The live tensors stay within --max-memory and the memory this process
  // may really use, whichever is lower: an error, never an abort.
  uint64_t processLimit = ohmrt::getMemoryLimit();
  auto results =
      processLimit < maxMemory
          ? interp::run(fn, std::move(*args), nullptr, processLimit,
                        "the memory this process may use: physical memory, "
                        "RLIMIT_AS/RLIMIT_DATA or the cgroup's memory.max")
          : interp::run(fn, std::move(*args), nullptr, maxMemory);
  if (!results) {
    reportError("ohm-sim", modelPath + ": " + toString(results.takeError()));
    return 1;
  }

  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
    reportError("ohm-sim",
                "cannot create '" + outputDir + "': " + ec.message());
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

/// The device-mode options of ohm-sim (docs/Device.md).
struct DeviceCommandLine {
  explicit DeviceCommandLine(cl::OptionCategory &category)
      : mode("mode",
             cl::desc("ideal (the default: exact cells) or device "
                      "(programming variation, faults, drift, read noise and "
                      "sense errors; docs/Device.md)"),
             cl::init("ideal"), cl::value_desc("ideal|device"),
             cl::cat(category)),
        seed("seed",
             cl::desc("Device mode: the seed of the device instance and of "
                      "the read noise (trial i uses seed + i)"),
             cl::init(0), cl::value_desc("N"), cl::cat(category)),
        time("time",
             cl::desc("Device mode: seconds since programming at which the "
                      "cells are read (drift; default 0)"),
             cl::init(0), cl::value_desc("SECONDS"), cl::cat(category)),
        params("device-param",
               cl::desc("Device mode: override a device key of the program's "
                        "target (repeatable)"),
               cl::value_desc("KEY=VALUE"), cl::cat(category)),
        trials("trials",
               cl::desc("Device mode: run N device instances; outputs are "
                        "written as DIR/<output>.trial<i>.npy"),
               cl::init(1), cl::value_desc("N"), cl::cat(category)),
        save("save-device",
             cl::desc("Device mode: write the drawn device instance to a file"),
             cl::value_desc("file.ohmdev"), cl::cat(category)),
        load("load-device",
             cl::desc("Device mode: run on the device instance in a file"),
             cl::value_desc("file.ohmdev"), cl::cat(category)) {}

  /// The options, checked; `reference` is --reference.
  llvm::Expected<DeviceOptions> getOptions(bool reference) const {
    auto fail = [](const std::string &message) {
      return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
    };
    if (mode != "ideal" && mode != "device")
      return fail("--mode=" + mode + ": expected ideal or device");
    DeviceOptions device;
    device.enabled = mode == "device";
    const cl::Option *deviceOnly[] = {&seed,   &time, std::addressof(params),
                                      &trials, &save, &load};
    for (const cl::Option *option : deviceOnly)
      if (option->getNumOccurrences() && !device.enabled)
        return fail("--" + option->ArgStr.str() + " needs --mode=device");
    if (device.enabled && reference)
      return fail("--mode=device runs compiled programs; the reference "
                  "interpreter has no device");
    if (!(time >= 0) || !std::isfinite(time))
      return fail("--time needs a finite number of seconds >= 0");
    if (trials < 1 || trials > 100000)
      return fail("--trials needs 1 to 100000 trials");
    if (trials > 1 && !save.empty())
      return fail("--save-device saves one instance: use it with --trials=1 "
                  "(trial i is seed + i)");
    if (!save.empty() && !load.empty())
      return fail("--save-device and --load-device exclude each other");
    device.seed = seed;
    device.timeS = time;
    device.paramSpecs.assign(params.begin(), params.end());
    device.trials = trials;
    device.savePath = save;
    device.loadPath = load;
    return device;
  }

  cl::opt<std::string> mode;
  cl::opt<uint64_t> seed;
  cl::opt<double> time;
  cl::list<std::string> params;
  cl::opt<unsigned> trials;
  cl::opt<std::string> save, load;
};

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
  cl::opt<bool> disasm("disasm",
                       cl::desc("Print the program as text (as ohmc "
                                "--emit=asm does) and exit"),
                       cl::cat(category));
  cl::opt<unsigned> threads("j", cl::desc("Threads for crossbar reads"),
                            cl::Prefix, cl::init(1), cl::value_desc("N"),
                            cl::cat(category));
  cl::opt<bool> quiet("q", cl::desc("Do not print the run summary"),
                      cl::cat(category));
  cl::opt<std::string> maxMemory(
      "max-memory",
      cl::desc("Memory the simulator may use for a batch (e.g. 512M, 2G; "
               "default 2G): larger batches run in chunks that fit; the "
               "reference interpreter's tensors must fit"),
      cl::value_desc("SIZE"), cl::init("2G"), cl::cat(category));
  cl::opt<std::string> maxConstantBytes(
      "max-constant-bytes",
      cl::desc("--reference: the most memory the model's constants may "
               "take, each and together (default 1G)"),
      cl::value_desc("SIZE"), cl::init("1G"), cl::cat(category));
  cl::opt<int64_t> chunk(
      "chunk",
      cl::desc("Run the batch in chunks of at most N inferences (default: as "
               "many as --max-memory holds)"),
      cl::init(0), cl::value_desc("N"), cl::cat(category));
  cl::opt<unsigned> repeat(
      "repeat",
      cl::desc("Run the batch N times (memory warm after the first) and "
               "report the median run time"),
      cl::init(1), cl::value_desc("N"), cl::cat(category));
  cl::opt<bool> profile("profile",
                        cl::desc("Time every instruction and print the time "
                                 "per instruction kind"),
                        cl::cat(category));
  cl::opt<std::string> report(
      "report",
      cl::desc("Write the cost the run counted (energy by component and "
               "layer with the inputs' real digits, latency, throughput, "
               "area; docs/Cost.md) as JSON, and print the cost table"),
      cl::value_desc("file.json"), cl::cat(category));
  cl::opt<std::string> labels(
      "labels",
      cl::desc("Integer labels (.npy, one per batch row): print the top-1 "
               "accuracy of the first output (and put it in --report)"),
      cl::value_desc("file.npy"), cl::cat(category));
  cl::opt<bool> cost("cost",
                     cl::desc("Count the run's cost and print the cost table "
                              "(as --report, without the file)"),
                     cl::cat(category));
  DeviceCommandLine deviceFlags(category);
  hideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "ohm-sim: runs models and compiled programs\n");

  auto device = deviceFlags.getOptions(reference);
  if (!device) {
    reportError("ohm-sim", toString(device.takeError()));
    return 1;
  }
  auto bytes = parseByteSize(maxMemory);
  if (!bytes) {
    reportError("ohm-sim", "--max-memory=" + maxMemory +
                               ": expected a size such as 512M or 2G");
    return 1;
  }
  if (!reference) {
    SimOptions sim;
    sim.device = *device;
    sim.disasm = disasm;
    sim.inputSpecs.assign(inputSpecs.begin(), inputSpecs.end());
    sim.outputDir = outputDir;
    sim.threads = threads;
    sim.quiet = quiet;
    sim.profile = profile;
    sim.repeat = repeat;
    sim.reportPath = report;
    sim.cost = cost;
    sim.labelsPath = labels;
    if (chunk < 0) {
      reportError("ohm-sim", "--chunk needs a positive number of inferences");
      return 1;
    }
    sim.chunk = chunk;
    if (repeat < 1 || repeat > 100000) {
      reportError("ohm-sim", "--repeat needs 1 to 100000 runs");
      return 1;
    }
    sim.maxMemory = *bytes;
    return runProgram(modelPath, sim);
  }
  llvm::Optional<uint64_t> constantBytes =
      parseMaxConstantBytes("ohm-sim", maxConstantBytes);
  if (!constantBytes)
    return 1;
  return runReference(
      modelPath, std::vector<std::string>(inputSpecs.begin(), inputSpecs.end()),
      outputDir, noFold, *bytes, *constantBytes);
}
