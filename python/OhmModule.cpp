//===- OhmModule.cpp - The ohm Python module's native part ----------------===//
//
// `ohm._ohm`, wrapped by python/ohm/__init__.py: the compiler (import, the
// nn and crossbar pipelines, the backend), programs, targets, the
// simulator (ideal and device mode) and the reference interpreter, with
// NumPy arrays in and out. Errors raise ohm.Error with the message the
// tools print (a diagnostic's location, the ONNX node, file:line:col).
// Long runs release the GIL.
//
//===----------------------------------------------------------------------===//

#include "ohm/Backend/Backend.h"
#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Diagnostics.h"
#include "ohm/IR/Module.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Interp/TensorIO.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Pipelines/NNPipeline.h"
#include "ohm/Pipelines/XbarPipeline.h"
#include "ohm/Target/Target.h"
#include "ohm/Tools/CostReport.h"
#include "ohm/Xbar/MappingReport.h"
#include "ohmrt/Cost.h"
#include "ohmrt/Device.h"
#include "ohmrt/Npy.h"
#include "ohmrt/Runtime.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <optional>

namespace py = pybind11;
using namespace ohm;
namespace program = ohm::program;

namespace {

/// ohm.Error: every failure, with the message the tools would print.
struct OhmError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string &message) {
  throw OhmError(llvm::StringRef(message).rtrim().str());
}

/// Collects what a context's diagnostics say, as the tools print them.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(Context &ctx) : ctx(ctx) {
    id = ctx.getDiagEngine().registerHandler([this](const Diagnostic &diag) {
      llvm::raw_string_ostream os(text);
      printDiagnostic(diag, os);
    });
  }
  ~DiagnosticCollector() { ctx.getDiagEngine().eraseHandler(id); }
  /// Raises ohm.Error with the diagnostics (or `fallback` if none).
  [[noreturn]] void raise(const std::string &fallback) {
    fail(text.empty() ? fallback : text);
  }

private:
  Context &ctx;
  DiagnosticEngine::HandlerID id;
  std::string text;
};

//===----------------------------------------------------------------------===//
// NumPy arrays
//===----------------------------------------------------------------------===//

/// A NumPy array as .npy data (its dtype must be one .npy files hold).
ohmrt::NpyArray toNpy(py::handle object, const std::string &what) {
  py::module_ np = py::module_::import("numpy");
  py::array array = np.attr("ascontiguousarray")(object);
  std::string descr = py::str(array.dtype().attr("str"));
  ohmrt::NpyArray npy;
  bool known = false;
  for (int kind = int(ohmrt::NpyDType::Bool); kind <= int(ohmrt::NpyDType::F64);
       ++kind)
    if (descr == ohmrt::getNpyDescr(ohmrt::NpyDType(kind))) {
      npy.dtype = ohmrt::NpyDType(kind);
      known = true;
    }
  if (!known)
    fail(what + ": NumPy dtype " + descr + " is not supported");
  for (int i = 0; i < array.ndim(); ++i)
    npy.shape.push_back(array.shape(i));
  const char *data = static_cast<const char *>(array.data());
  npy.data.assign(data, data + array.nbytes());
  return npy;
}

py::array fromNpy(const ohmrt::NpyArray &npy) {
  std::vector<py::ssize_t> shape(npy.shape.begin(), npy.shape.end());
  py::array array(py::dtype(ohmrt::getNpyDescr(npy.dtype)), shape);
  std::memcpy(array.mutable_data(), npy.data.data(), npy.data.size());
  return array;
}

llvm::Optional<program::DType> programTypeOf(ohmrt::NpyDType dtype) {
  switch (dtype) {
  case ohmrt::NpyDType::Bool:
    return program::BOOL;
  case ohmrt::NpyDType::I8:
    return program::I8;
  case ohmrt::NpyDType::U8:
    return program::U8;
  case ohmrt::NpyDType::I16:
    return program::I16;
  case ohmrt::NpyDType::U16:
    return program::U16;
  case ohmrt::NpyDType::I32:
    return program::I32;
  case ohmrt::NpyDType::U32:
    return program::U32;
  case ohmrt::NpyDType::I64:
    return program::I64;
  case ohmrt::NpyDType::U64:
    return program::U64;
  case ohmrt::NpyDType::F32:
    return program::F32;
  case ohmrt::NpyDType::F64:
    return program::F64;
  case ohmrt::NpyDType::F16:
    return llvm::None;
  }
  return llvm::None;
}

ohmrt::NpyDType npyTypeOf(program::DType dtype) {
  for (int kind = int(ohmrt::NpyDType::Bool); kind <= int(ohmrt::NpyDType::F64);
       ++kind)
    if (programTypeOf(ohmrt::NpyDType(kind)) == dtype)
      return ohmrt::NpyDType(kind);
  return ohmrt::NpyDType::F32;
}

/// A `{name: array}` dict as (name, npy) pairs, in the dict's order.
std::vector<std::pair<std::string, ohmrt::NpyArray>>
toNamedNpy(const py::dict &arrays, const std::string &what) {
  std::vector<std::pair<std::string, ohmrt::NpyArray>> result;
  for (auto item : arrays) {
    std::string name = py::str(item.first);
    result.emplace_back(name, toNpy(item.second, what + " '" + name + "'"));
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Targets
//===----------------------------------------------------------------------===//

/// A YAML node as Python values: mappings are dicts, sequences lists and
/// scalars ints, floats, bools or strings (as YAML's core schema reads
/// them).
py::object yamlToPython(llvm::yaml::Node *node) {
  if (auto *map = llvm::dyn_cast_or_null<llvm::yaml::MappingNode>(node)) {
    py::dict dict;
    for (llvm::yaml::KeyValueNode &entry : *map) {
      llvm::SmallString<32> storage;
      auto *key = llvm::cast<llvm::yaml::ScalarNode>(entry.getKey());
      dict[py::str(key->getValue(storage).str())] =
          yamlToPython(entry.getValue());
    }
    return std::move(dict);
  }
  if (auto *seq = llvm::dyn_cast_or_null<llvm::yaml::SequenceNode>(node)) {
    py::list list;
    for (llvm::yaml::Node &element : *seq)
      list.append(yamlToPython(&element));
    return std::move(list);
  }
  auto *scalar = llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(node);
  if (!scalar)
    return py::none();
  llvm::SmallString<32> storage;
  llvm::StringRef text = scalar->getValue(storage);
  bool quoted = scalar->getRawValue().startswith("'") ||
                scalar->getRawValue().startswith("\"");
  int64_t integer;
  double real;
  if (!quoted && !text.getAsInteger(10, integer))
    return py::int_(integer);
  if (!quoted && !text.getAsDouble(real))
    return py::float_(real);
  if (!quoted && (text == "true" || text == "false"))
    return py::bool_(text == "true");
  return py::str(text.str());
}

struct PyTarget {
  target::Target target;

  std::string getYaml() const {
    std::string text;
    llvm::raw_string_ostream os(text);
    target::printTarget(target, os);
    return os.str();
  }
  py::dict toDict() const {
    std::string text = getYaml();
    llvm::SourceMgr sm;
    llvm::yaml::Stream stream(text, sm);
    for (llvm::yaml::Document &document : stream)
      return yamlToPython(document.getRoot());
    return py::dict();
  }
};

PyTarget loadTarget(const std::string &nameOrPath) {
  auto target = target::loadTarget(nameOrPath);
  if (!target)
    fail(llvm::toString(target.takeError()));
  return PyTarget{std::move(*target)};
}

PyTarget parseTarget(const std::string &yaml, const std::string &bufferName,
                     const PyTarget *base) {
  auto target = base ? target::parseTarget(yaml, bufferName, base->target)
                     : target::parseTarget(yaml, bufferName);
  if (!target)
    fail(llvm::toString(target.takeError()));
  return PyTarget{std::move(*target)};
}

//===----------------------------------------------------------------------===//
// Programs
//===----------------------------------------------------------------------===//

struct PyProgram {
  std::shared_ptr<program::Program> program;
  std::string mappingJson; // from compile; empty for a loaded program

  py::list getPorts(bool inputs) const {
    py::list ports;
    const auto &list = inputs ? program->inputs() : program->outputs();
    for (const program::Port &port : list) {
      const program::Buffer *buffer = nullptr;
      for (const program::Buffer &b : program->buffers())
        if (b.id() == port.buffer())
          buffer = &b;
      py::dict entry;
      entry["name"] = port.name();
      if (buffer) {
        entry["shape"] = py::tuple(py::cast(std::vector<int64_t>(
            buffer->dims().begin(), buffer->dims().end())));
        entry["dtype"] =
            py::dtype(ohmrt::getNpyDescr(npyTypeOf(buffer->type().dtype())));
      }
      entry["scale"] = port.scale();
      entry["zero_point"] = port.zero_point();
      ports.append(entry);
    }
    return ports;
  }
  py::bytes toBytes() const {
    std::string bytes;
    if (!ohmrt::serializeProgram(*program, bytes))
      fail("the program is too large to serialize (over 2 GiB)");
    return py::bytes(bytes);
  }
  void save(const std::string &path) const {
    std::string bytes, error;
    if (!ohmrt::serializeProgram(*program, bytes))
      fail("the program is too large to serialize (over 2 GiB)");
    if (!ohmrt::writeFileAtomically(path, bytes, error))
      fail(error);
  }
};

PyProgram parseProgram(const std::string &bytes, const std::string &name) {
  auto program = std::make_shared<program::Program>();
  std::string error;
  if (!ohmrt::parseProgram(bytes, name, *program, error))
    fail(error);
  return PyProgram{std::move(program), ""};
}

PyProgram loadProgram(const std::string &path) {
  std::string bytes, error;
  if (!ohmrt::readWholeFile(path, bytes, error))
    fail(error);
  return parseProgram(bytes, path);
}

//===----------------------------------------------------------------------===//
// Compiling and the reference interpreter
//===----------------------------------------------------------------------===//

/// Imports a model from a path (str) or its bytes, with frozen inputs and
/// input shapes.
std::unique_ptr<Module> importModel(Context &ctx,
                                    DiagnosticCollector &diagnostics,
                                    const py::object &model,
                                    onnx_frontend::ImportOptions options) {
  std::unique_ptr<Module> module;
  if (py::isinstance<py::bytes>(model)) {
    std::string data = model.cast<std::string>();
    py::gil_scoped_release release;
    module = onnx_frontend::importModelBuffer(data, "<bytes>", ctx, options);
  } else {
    std::string path = py::str(model);
    py::gil_scoped_release release;
    module = onnx_frontend::importModelFile(path, ctx, options);
  }
  if (!module)
    diagnostics.raise("the model could not be imported");
  return module;
}

struct CompileOptions {
  py::object model;
  PyTarget target;
  std::optional<std::string> adc, encoding, sensing;
  std::string calibDir;
  py::dict freeze;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  int64_t duplicate = 1;
  uint64_t maxConstantBytes =
      onnx_frontend::ImportOptions::kDefaultMaxConstantBytes;
  std::string name;
};

/// The target with the compile call's encoding and sensing applied.
target::Target resolveTarget(const CompileOptions &options) {
  target::Target target = options.target.target;
  if (options.encoding) {
    auto encoding = target::parseEncoding(*options.encoding);
    if (!encoding)
      fail("encoding='" + *options.encoding + "' is not an encoding");
    target.weights.encoding = *encoding;
    target.weights.perLayer.clear();
  }
  if (options.sensing) {
    auto sensing = target::parseSensing(*options.sensing);
    if (!sensing)
      fail("sensing='" + *options.sensing + "' is not a sensing mode");
    target.weights.sensing = *sensing;
  }
  return target;
}

PyProgram compileModel(const CompileOptions &options) {
  Context ctx;
  registerAllDialects(ctx);
  DiagnosticCollector diagnostics(ctx);
  target::Target target = resolveTarget(options);
  onnx_frontend::ImportOptions importOptions;
  importOptions.freezeCompletely = true;
  importOptions.maxConstantBytes = options.maxConstantBytes;
  for (const auto &[name, dims] : options.inputShapes)
    importOptions.inputShapes[name] = dims;
  std::vector<std::string> frozen;
  for (auto &[name, npy] : toNamedNpy(options.freeze, "freeze")) {
    importOptions.frozenInputs[name] = interp::tensorFromNpy(ctx, npy).toAttr();
    frozen.push_back(name);
  }
  std::unique_ptr<Module> module =
      importModel(ctx, diagnostics, options.model, importOptions);
  auto frozenAttr =
      module->begin()->getAttr("frozen_inputs").dyn_cast_or_null<ArrayAttr>();
  for (const std::string &name : frozen)
    if (!frozenAttr ||
        llvm::none_of(frozenAttr.getValue(), [&](Attribute attr) {
          return attr.cast<StringAttr>().getValue() == name;
        }))
      fail("the model has no input '" + name + "' to freeze");

  XbarPipelineOptions xbOptions;
  if (options.adc) {
    std::string error;
    auto adc = target::parseAdcChoice(*options.adc, error);
    if (!adc)
      fail("adc='" + *options.adc + "': " + error);
    xbOptions.adc = *adc;
  }
  xbOptions.calibDir = options.calibDir;
  xbOptions.duplicate = options.duplicate;
  PyProgram result{std::make_shared<program::Program>(), ""};
  {
    py::gil_scoped_release release;
    PassManager pm(ctx);
    buildNNPipeline(pm);
    if (llvm::Error error = buildXbarPipeline(pm, target, xbOptions)) {
      py::gil_scoped_acquire acquire;
      fail(llvm::toString(std::move(error)));
    }
    if (failed(pm.run(*module)) ||
        failed(backend::emitProgram(*module->begin(), target, options.name,
                                    *result.program))) {
      py::gil_scoped_acquire acquire;
      diagnostics.raise("the model could not be compiled");
    }
    llvm::raw_string_ostream os(result.mappingJson);
    writeMappingReport(*module, target, os);
  }
  for (const std::string &name : frozen)
    result.program->add_frozen_inputs(name);
  return result;
}

py::dict runReference(const py::object &model, const py::dict &inputs,
                      uint64_t maxMemory) {
  Context ctx;
  registerAllDialects(ctx);
  DiagnosticCollector diagnostics(ctx);
  std::vector<std::pair<std::string, ohmrt::NpyArray>> given =
      toNamedNpy(inputs, "input");
  onnx_frontend::ImportOptions options;
  for (auto &[name, npy] : given)
    options.frozenInputs[name] = interp::tensorFromNpy(ctx, npy).toAttr();
  std::unique_ptr<Module> module =
      importModel(ctx, diagnostics, model, options);
  PassManager pm(ctx);
  buildNNPipeline(pm);
  if (failed(pm.run(*module)))
    diagnostics.raise("the model could not be normalized");
  Function &fn = *module->begin();
  auto names = fn.getAttr("input_names").dyn_cast_or_null<ArrayAttr>();
  std::vector<interp::Tensor> args;
  std::vector<std::string> missing;
  for (size_t i = 0; names && i < names.size(); ++i) {
    std::string name = names[i].cast<StringAttr>().getValue().str();
    auto it =
        llvm::find_if(given, [&](const auto &g) { return g.first == name; });
    if (it == given.end())
      missing.push_back(name);
    else
      args.push_back(interp::tensorFromNpy(ctx, it->second));
  }
  if (!missing.empty())
    fail("missing input '" + missing.front() + "'");
  llvm::Expected<std::vector<interp::Tensor>> results =
      std::vector<interp::Tensor>();
  {
    py::gil_scoped_release release;
    results = interp::run(fn, std::move(args), nullptr,
                          std::min(maxMemory, ohmrt::getMemoryLimit()));
  }
  if (!results)
    fail(llvm::toString(results.takeError()));
  auto outNames = fn.getAttr("output_names").dyn_cast_or_null<ArrayAttr>();
  py::dict outputs;
  for (size_t i = 0; i < results->size(); ++i) {
    std::string name = outNames && i < outNames.size()
                           ? outNames[i].cast<StringAttr>().getValue().str()
                           : "output" + std::to_string(i);
    outputs[py::str(name)] = fromNpy(interp::tensorToNpy((*results)[i]));
  }
  return outputs;
}

//===----------------------------------------------------------------------===//
// The simulator
//===----------------------------------------------------------------------===//

class PySimulator {
public:
  PySimulator(PyProgram program, unsigned threads, const std::string &mode,
              uint64_t seed, const py::dict &device, double timeS,
              bool countActivity, uint64_t maxMemory)
      : program(std::move(program)), countActivity(countActivity) {
    options.threads = std::max(1u, threads);
    options.maxMemory = maxMemory;
    if (mode != "ideal" && mode != "device")
      fail("mode='" + mode + "': expected 'ideal' or 'device'");
    if (mode == "ideal") {
      if (device.size() || timeS != 0 || seed != 0)
        fail("seed, device and time need mode='device'");
      return;
    }
    const program::Program &p = *this->program.program;
    params = ohmrt::getDeviceParams(p.target());
    for (auto item : device) {
      std::string key = py::str(item.first), value = py::str(item.second);
      std::string error;
      if (!ohmrt::setDeviceParam(*params, key, value, error))
        fail(error);
    }
    std::string error;
    if (!ohmrt::checkDeviceParams(*params, error))
      fail(error);
    if (!(timeS >= 0))
      fail("time must be a non-negative number of seconds");
    run.params = *params;
    run.seed = seed;
    run.timeS = timeS;
    {
      py::gil_scoped_release release;
      instance = ohmrt::DeviceInstance::draw(p, *params, seed, options.threads);
    }
  }

  py::dict operator()(const py::dict &inputs) {
    const program::Program &p = *program.program;
    std::vector<std::pair<std::string, ohmrt::NpyArray>> given =
        toNamedNpy(inputs, "input");
    std::vector<ohmrt::HostTensor> tensors;
    for (const program::Port &port : p.inputs()) {
      auto it = llvm::find_if(
          given, [&](const auto &g) { return g.first == port.name(); });
      if (it == given.end())
        fail("missing input '" + port.name() + "'");
      auto dtype = programTypeOf(it->second.dtype);
      if (!dtype)
        fail("input '" + port.name() + "': dtype " +
             ohmrt::getNpyDTypeName(it->second.dtype) + " is not supported");
      ohmrt::HostTensor tensor;
      tensor.dtype = *dtype;
      tensor.shape = it->second.shape;
      tensor.data = std::move(it->second.data);
      tensors.push_back(std::move(tensor));
    }
    for (const auto &g : given)
      if (llvm::none_of(p.inputs(),
                        [&](const program::Port &port) {
                          return port.name() == g.first;
                        }) &&
          !llvm::is_contained(p.frozen_inputs(), g.first))
        fail("the program has no input '" + g.first + "'");
    std::vector<ohmrt::HostTensor> outputs;
    std::string error;
    bool ok;
    {
      py::gil_scoped_release release;
      if (!executor) {
        run.instance = params ? &instance : nullptr;
        executor = std::make_unique<ohmrt::Executor>(p, countActivity,
                                                     params ? &run : nullptr);
      }
      stats = ohmrt::RunStats();
      ok = executor->run(tensors, outputs, error, options, &stats);
    }
    if (!ok)
      fail(error);
    py::dict result;
    for (int i = 0; i < p.outputs_size(); ++i) {
      ohmrt::NpyArray npy;
      npy.dtype = npyTypeOf(outputs[size_t(i)].dtype);
      npy.shape = outputs[size_t(i)].shape;
      npy.data = std::move(outputs[size_t(i)].data);
      result[py::str(p.outputs(i).name())] = fromNpy(npy);
    }
    return result;
  }

  /// The last run's counts and its cost as ohm-sim --report writes it.
  py::dict report() const {
    py::dict counts;
    counts["batch"] = stats.batch;
    counts["mvm_instructions"] = stats.mvmInstructions;
    counts["conversions"] = stats.conversions;
    counts["read_cycles"] = stats.readCycles;
    counts["exact_products"] = stats.exactProducts;
    counts["sliced_products"] = stats.slicedProducts;
    counts["run_seconds"] = stats.runSeconds;
    ohmrt::CostReport cost =
        ohmrt::estimateCost(*program.program, stats.drivenDigits,
                            std::max<int64_t>(stats.batch, 1));
    std::string json;
    llvm::raw_string_ostream os(json);
    writeCostJson(cost, program.program->target(),
                  stats.drivenDigits.empty() ? "static" : "counted",
                  std::max<int64_t>(stats.batch, 1), os);
    py::dict result;
    result["counts"] = counts;
    result["cost"] = py::module_::import("json").attr("loads")(os.str());
    return result;
  }

  void saveDevice(const std::string &path) const {
    if (!params)
      fail("save_device needs mode='device'");
    std::string error;
    if (!ohmrt::saveDevice(instance, path, error))
      fail(error);
  }
  void loadDevice(const std::string &path) {
    if (!params)
      fail("load_device needs mode='device'");
    std::string error;
    ohmrt::DeviceInstance loaded;
    if (!ohmrt::loadDevice(path, *program.program, loaded, error))
      fail(error);
    instance = std::move(loaded);
    executor.reset(); // the next run plans on the loaded cells
  }

private:
  PyProgram program;
  bool countActivity;
  ohmrt::RunOptions options;
  llvm::Optional<ohmrt::DeviceParams> params;
  ohmrt::DeviceInstance instance;
  ohmrt::DeviceRun run;
  std::unique_ptr<ohmrt::Executor> executor;
  ohmrt::RunStats stats;
};

} // namespace

PYBIND11_MODULE(_ohm, m) {
  m.doc() = "The native part of ohm (use the ohm package).";
  // The pipelines are built from their textual form: register the passes.
  registerAllPasses();
  py::register_exception<OhmError>(m, "Error");

  py::class_<PyTarget>(m, "Target")
      .def_static("load", &loadTarget, py::arg("name_or_path"))
      .def_static("parse", &parseTarget, py::arg("yaml"), py::arg("name"),
                  py::arg("base") = nullptr)
      .def_static("presets", &target::getPresetNames)
      .def_property_readonly("name",
                             [](const PyTarget &t) { return t.target.name; })
      .def_property_readonly("yaml", &PyTarget::getYaml)
      .def("to_dict", &PyTarget::toDict);

  py::class_<PyProgram>(m, "Program")
      .def_static("load", &loadProgram, py::arg("path"))
      .def_static("from_bytes",
                  [](const py::bytes &data) {
                    return parseProgram(data.cast<std::string>(), "<bytes>");
                  })
      .def("save", &PyProgram::save, py::arg("path"))
      .def("to_bytes", &PyProgram::toBytes)
      .def_property_readonly(
          "inputs", [](const PyProgram &p) { return p.getPorts(true); })
      .def_property_readonly(
          "outputs", [](const PyProgram &p) { return p.getPorts(false); })
      .def_property_readonly("mapping_json",
                             [](const PyProgram &p) { return p.mappingJson; })
      .def_property_readonly("frozen_inputs",
                             [](const PyProgram &p) {
                               return std::vector<std::string>(
                                   p.program->frozen_inputs().begin(),
                                   p.program->frozen_inputs().end());
                             })
      .def("asm",
           [](const PyProgram &p) { return ohmrt::disassemble(*p.program); });

  m.def(
      "compile",
      [](py::object model, const PyTarget &target,
         std::optional<std::string> adc, std::optional<std::string> encoding,
         std::optional<std::string> sensing, const std::string &calibDir,
         py::dict freeze,
         std::map<std::string, std::vector<int64_t>> inputShapes,
         int64_t duplicate, uint64_t maxConstantBytes,
         const std::string &name) {
        CompileOptions options{model,     target,           adc,    encoding,
                               sensing,   calibDir,         freeze, inputShapes,
                               duplicate, maxConstantBytes, name};
        return compileModel(options);
      },
      py::arg("model"), py::arg("target"), py::arg("adc"), py::arg("encoding"),
      py::arg("sensing"), py::arg("calib_dir"), py::arg("freeze"),
      py::arg("input_shapes"), py::arg("duplicate"),
      py::arg("max_constant_bytes"), py::arg("name"));

  m.def("reference", &runReference, py::arg("model"), py::arg("inputs"),
        py::arg("max_memory"));

  py::class_<PySimulator>(m, "Simulator")
      .def(py::init<PyProgram, unsigned, const std::string &, uint64_t,
                    const py::dict &, double, bool, uint64_t>(),
           py::arg("program"), py::arg("threads"), py::arg("mode"),
           py::arg("seed"), py::arg("device"), py::arg("time"),
           py::arg("count_activity"), py::arg("max_memory"))
      .def("run", &PySimulator::operator(), py::arg("inputs"))
      .def("report", &PySimulator::report)
      .def("save_device", &PySimulator::saveDevice, py::arg("path"))
      .def("load_device", &PySimulator::loadDevice, py::arg("path"));
}
