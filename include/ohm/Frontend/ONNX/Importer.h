//===- Importer.h - ONNX models to nn IR ------------------------*- C++ -*-===//
//
// Reads an ONNX model (binary `.onnx`, or ONNX's text format `.onnxtxt`
// through ONNX's own parser), runs the ONNX checker and shape inference,
// and imports every node through a handler table keyed by (domain, op type,
// opset). The importer only imports: QDQ folding, batch-norm folding and
// the like are passes (docs/Frontend.md). Initializers and Constant nodes
// become nn.const; every op's location is its node's name.
//
// Problems are reported through the Context's diagnostic engine as
//   MODEL: node 'NAME' (OpType, opset N): error: ...
// and make the import return null. This header exposes no ONNX types:
// only lib/Frontend/ONNX sees protobuf and ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_FRONTEND_ONNX_IMPORTER_H
#define OHM_FRONTEND_ONNX_IMPORTER_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Module.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace ohm {
namespace onnx_frontend {

/// The newest opsets the importer knows (ONNX 1.12).
constexpr int64_t kMaxDefaultOpset = 17;
/// Opsets 18 to kMaxReadableOpset of the default domain are read as opset
/// 17 (docs/Frontend.md): ONNX 1.12's checker knows 17, and what changed
/// since either gives the operators of a quantized model the same meaning
/// or changes their schema, which the checker then rejects at 17.
constexpr int64_t kMaxReadableOpset = 21;
constexpr int64_t kMaxMicrosoftOpset = 1;

struct ImportOptions {
  /// Values for graph inputs that a node needs as constants (weights,
  /// scales, zero points). ONNX's node tests pass these as inputs; with a
  /// value here the input is frozen into an nn.const where a constant is
  /// required (and stays a function argument otherwise).
  llvm::StringMap<DenseElementsAttr> frozenInputs;
  /// Freeze every input in `frozenInputs` completely: it becomes an
  /// nn.const for all its uses, not a function argument (ohmc --freeze).
  bool freezeCompletely = false;
  /// Run onnx::checker first (on by default).
  bool runChecker = true;
  /// Shapes for graph inputs (ohmc --input-shape), replacing symbolic
  /// dimensions: a static dimension the model declares must agree.
  llvm::StringMap<std::vector<int64_t>> inputShapes;
  /// The most bytes the model's constants may take in memory, each and
  /// together (initializers, Constant and ConstantOfShape results, frozen
  /// inputs; at the element type's size): 150 bytes of ConstantOfShape can
  /// declare a terabyte. `--max-constant-bytes` of ohmc and ohm-sim.
  static constexpr uint64_t kDefaultMaxConstantBytes = uint64_t(1) << 30;
  uint64_t maxConstantBytes = kDefaultMaxConstantBytes;
};

/// Imports the model at `path` (`.onnxtxt`/`.txt` files are read as ONNX
/// text format, everything else as a binary ModelProto). The module has one
/// function, `@main`, whose arguments are the graph inputs that are not
/// initializers and whose results are the graph outputs, in order; its
/// `input_names` and `output_names` attributes hold the ONNX names, and
/// `frozen_inputs` the graph inputs whose frozen value was used.
std::unique_ptr<Module> importModelFile(llvm::StringRef path, Context &ctx,
                                        const ImportOptions &options = {});

/// Imports a model from memory; `name` is used in diagnostics and decides
/// the format like a path does.
std::unique_ptr<Module> importModelBuffer(llvm::StringRef data,
                                          llvm::StringRef name, Context &ctx,
                                          const ImportOptions &options = {});

/// Reads a serialized onnx::TensorProto (the `.pb` files of ONNX test data);
/// its name (empty if none) goes to `name` if given.
llvm::Expected<DenseElementsAttr>
readTensorProtoFile(llvm::StringRef path, Context &ctx,
                    std::string *name = nullptr);

/// Reads a serialized onnx::TensorProto held in memory (what
/// readTensorProtoFile does after reading the file); `bufferName` names it
/// in errors.
llvm::Expected<DenseElementsAttr> readTensorProto(llvm::StringRef data,
                                                  llvm::StringRef bufferName,
                                                  Context &ctx,
                                                  std::string *name = nullptr);

} // namespace onnx_frontend
} // namespace ohm

#endif // OHM_FRONTEND_ONNX_IMPORTER_H
