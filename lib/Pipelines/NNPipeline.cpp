//===- NNPipeline.cpp - From imported ONNX to normalized nn IR ------------===//
//
// The order matters:
//
// 1. constant-fold first: exporters compute quantization parameters and
//    weights with small constant subgraphs (PyTorch writes bias zero points
//    as Cast(ConstantOfShape(...))); folding them makes every Q/DQ
//    parameter and weight a plain nn.const for the passes below.
// 2. fold-batchnorm merges batch norms into float convolutions while their
//    weights are still float constants (float models, or BN placed before
//    quantization).
// 3. fold-qdq turns dequantize -> float op -> quantize groups into integer
//    accumulates + requantize, which is what the crossbar computes. It
//    needs constant weights (step 1).
// 4. constant-fold again: fold-qdq transposes Gemm weights with nn.transpose
//    on constants.
// 5. infer-bitwidth annotates the accumulates once the graph is final.
// 6. dce removes the dequantize ops and constants nothing uses any more.
//
//===----------------------------------------------------------------------===//

#include "ohm/Pipelines/NNPipeline.h"
#include "ohm/NN/Transforms/Passes.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pass/PassRegistry.h"
#include "ohm/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

using namespace ohm;

void ohm::buildNNPipeline(PassManager &pm, const NNPipelineOptions &options) {
  std::string fold =
      "constant-fold{max-elements=" + std::to_string(options.foldMaxElements) +
      "}";
  std::string pipeline =
      fold + ",fold-batchnorm,fold-qdq," + fold + ",infer-bitwidth,dce";
  // The pipeline text is the single source of truth, so that
  // `ohmc --dump-pipeline` shows exactly what runs.
  LogicalResult parsed = parsePassPipeline(pipeline, pm, llvm::errs());
  assert(succeeded(parsed) && "the built-in pipeline does not parse");
  (void)parsed;
}
