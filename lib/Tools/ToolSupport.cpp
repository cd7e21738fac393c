//===- ToolSupport.cpp - Pieces shared by the tool drivers ----------------===//

#include "ToolSupport.h"
#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Function.h"
#include "ohm/Interp/TensorIO.h"
#include "ohm/Support/ByteSize.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;

llvm::Expected<interp::Tensor> ohm::loadTensorFile(llvm::StringRef path,
                                                   Context &ctx) {
  if (path.endswith(".pb")) {
    auto attr = onnx_frontend::readTensorProtoFile(path, ctx);
    if (!attr)
      return attr.takeError();
    return interp::Tensor::fromAttr(*attr);
  }
  auto array = readNpyFile(path);
  if (!array)
    return array.takeError();
  return interp::tensorFromNpy(ctx, *array);
}

llvm::Expected<std::vector<NamedTensor>>
ohm::loadInputs(const std::vector<std::string> &specs, Context &ctx) {
  std::vector<NamedTensor> inputs;
  for (const std::string &spec : specs) {
    NamedTensor input;
    llvm::StringRef text(spec);
    size_t eq = text.find('=');
    // NAME=FILE, unless the part before '=' looks like a path.
    if (eq != llvm::StringRef::npos && !text.substr(0, eq).contains('/')) {
      input.name = text.substr(0, eq).str();
      input.path = text.substr(eq + 1).str();
    } else {
      input.path = spec;
    }
    auto tensor = loadTensorFile(input.path, ctx);
    if (!tensor)
      return tensor.takeError();
    input.tensor = std::move(*tensor);
    inputs.push_back(std::move(input));
  }
  return inputs;
}

llvm::Expected<std::vector<interp::Tensor>>
ohm::bindInputs(Function &fn, std::vector<NamedTensor> given) {
  std::vector<std::string> names;
  if (auto attr = fn.getAttr("input_names").dyn_cast_or_null<ArrayAttr>())
    for (Attribute name : attr.getValue())
      names.push_back(name.cast<StringAttr>().getValue().str());
  while (names.size() < fn.getNumArguments())
    names.push_back(fn.getArgument(names.size())->getNameHint().str());

  std::vector<llvm::Optional<interp::Tensor>> bound(names.size());
  std::vector<std::string> paths(names.size());
  std::vector<NamedTensor *> positional;
  for (NamedTensor &input : given) {
    if (input.name.empty()) {
      positional.push_back(&input);
      continue;
    }
    auto it = std::find(names.begin(), names.end(), input.name);
    if (it == names.end()) {
      // Inputs frozen into constants at import need no argument.
      auto frozen = fn.getAttr("frozen_inputs").dyn_cast_or_null<ArrayAttr>();
      bool wasFrozen =
          frozen && llvm::any_of(frozen.getValue(), [&](Attribute name) {
            return name.cast<StringAttr>().getValue() == input.name;
          });
      if (wasFrozen)
        continue;
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "the model has no input '%s' (its inputs are: %s)",
          input.name.c_str(), llvm::join(names, ", ").c_str());
    }
    size_t index = it - names.begin();
    if (bound[index])
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "input '%s' is given twice",
                                     input.name.c_str());
    bound[index] = std::move(input.tensor);
    paths[index] = input.path;
  }
  size_t next = 0;
  for (NamedTensor *input : positional) {
    while (next < bound.size() && bound[next])
      ++next;
    if (next == bound.size())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "too many inputs: the model takes %zu (%s)", names.size(),
          llvm::join(names, ", ").c_str());
    bound[next] = std::move(input->tensor);
    paths[next] = input->path;
  }
  std::vector<interp::Tensor> result;
  for (size_t i = 0; i < bound.size(); ++i) {
    if (!bound[i])
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "missing input '%s' (pass --input %s=FILE.npy)", names[i].c_str(),
          names[i].c_str());
    // Check element type and static dimensions here, naming the input and
    // the file, rather than deep in the interpreter.
    auto expected = fn.getArgument(i)->getType().cast<TensorType>();
    const interp::Tensor &tensor = *bound[i];
    bool ok = tensor.getElementType() == expected.getElementType() &&
              tensor.getRank() == expected.getRank();
    for (unsigned d = 0; ok && d < expected.getRank(); ++d)
      ok = expected.isDynamicDim(d) ||
           expected.getDimSize(d) == tensor.getDim(d);
    if (!ok) {
      std::string want, got;
      llvm::raw_string_ostream(want) << Type(expected);
      llvm::raw_string_ostream(got) << Type(tensor.getType());
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "input '%s' must be %s, but '%s' holds %s",
                                     names[i].c_str(), want.c_str(),
                                     paths[i].c_str(), got.c_str());
    }
    result.push_back(std::move(*bound[i]));
  }
  return result;
}

void ohm::reportError(llvm::StringRef tool, const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), tool) << message << "\n";
}

/// Shows LLVM's --time-passes with our options and hides the rest of
/// libLLVM's.
void ohm::hideUnrelatedOptions(llvm::cl::OptionCategory &category) {
  auto &registered = llvm::cl::getRegisteredOptions();
  auto it = registered.find("time-passes");
  if (it != registered.end())
    it->second->addCategory(category);
  llvm::cl::HideUnrelatedOptions({&category});
}

std::unique_ptr<Module>
ohm::importWithInputs(llvm::StringRef path, Context &ctx,
                      const std::vector<NamedTensor> &inputs,
                      onnx_frontend::ImportOptions options) {
  for (const NamedTensor &input : inputs)
    if (!input.name.empty() && input.tensor.getNumElements() >= 0)
      options.frozenInputs[input.name] = input.tensor.toAttr();
  return onnx_frontend::importModelFile(path, ctx, options);
}

llvm::Optional<uint64_t> ohm::parseMaxConstantBytes(llvm::StringRef tool,
                                                    llvm::StringRef text) {
  llvm::Optional<uint64_t> bytes = parseByteSize(text);
  if (!bytes)
    reportError(tool, "--max-constant-bytes=" + text +
                          ": expected a size such as 512M or 2G");
  return bytes;
}
