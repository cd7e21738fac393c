//===- ToolSupport.cpp - Pieces shared by the tool drivers ----------------===//

#include "ToolSupport.h"
#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Function.h"
#include "ohm/Interp/TensorIO.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/WithColor.h"

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
  std::vector<NamedTensor *> positional;
  for (NamedTensor &input : given) {
    if (input.name.empty()) {
      positional.push_back(&input);
      continue;
    }
    auto it = std::find(names.begin(), names.end(), input.name);
    if (it == names.end()) {
      // Inputs frozen into constants at import are no longer arguments.
      continue;
    }
    size_t index = it - names.begin();
    if (bound[index])
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "input '%s' is given twice",
                                     input.name.c_str());
    bound[index] = std::move(input.tensor);
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
  }
  std::vector<interp::Tensor> result;
  for (size_t i = 0; i < bound.size(); ++i) {
    if (!bound[i])
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "missing input '%s' (pass --input %s=FILE.npy)", names[i].c_str(),
          names[i].c_str());
    result.push_back(std::move(*bound[i]));
  }
  return result;
}

void ohm::reportError(llvm::StringRef tool, const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), tool) << message << "\n";
}
