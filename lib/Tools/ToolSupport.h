//===- ToolSupport.h - Pieces shared by the tool drivers --------*- C++ -*-===//

#ifndef OHM_LIB_TOOLS_TOOLSUPPORT_H
#define OHM_LIB_TOOLS_TOOLSUPPORT_H

#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/Interp/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace ohm {

class Context;
class Function;
class Module;

/// A `--input NAME=FILE` (or `--input FILE`) argument, loaded.
struct NamedTensor {
  std::string name; // Empty if given positionally.
  std::string path;
  interp::Tensor tensor;
};

/// Loads a .npy file or an ONNX TensorProto (.pb).
llvm::Expected<interp::Tensor> loadTensorFile(llvm::StringRef path,
                                              Context &ctx);

/// Parses and loads `--input` arguments.
llvm::Expected<std::vector<NamedTensor>>
loadInputs(const std::vector<std::string> &specs, Context &ctx);

/// Orders `given` by the function's `input_names` (positional ones fill the
/// remaining inputs in order); errors name what is missing or unknown.
llvm::Expected<std::vector<interp::Tensor>>
bindInputs(Function &fn, std::vector<NamedTensor> given);

/// Shows LLVM's --time-passes with the tool's options and hides the rest
/// of libLLVM's.
void hideUnrelatedOptions(llvm::cl::OptionCategory &category);

/// Imports `path` with `options`, freezing the given named inputs where
/// constants are needed (their values join options.frozenInputs).
std::unique_ptr<Module>
importWithInputs(llvm::StringRef path, Context &ctx,
                 const std::vector<NamedTensor> &inputs,
                 onnx_frontend::ImportOptions options = {});

/// Reads a --max-constant-bytes value; reports a malformed one (for `tool`)
/// and returns None.
llvm::Optional<uint64_t> parseMaxConstantBytes(llvm::StringRef tool,
                                               llvm::StringRef text);

/// Prints an error the way every tool does: `tool: error: message`.
void reportError(llvm::StringRef tool, const llvm::Twine &message);

} // namespace ohm

#endif // OHM_LIB_TOOLS_TOOLSUPPORT_H
