// Compiles an ONNX model for the isaac preset with the installed compiler
// (ohm::compiler), writes the program, and runs it with the runtime.
#include "Run.h"

#include "ohm/Backend/Backend.h"
#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Pipelines/NNPipeline.h"
#include "ohm/Pipelines/XbarPipeline.h"
#include "ohm/Target/Target.h"
#include "ohmrt/Npy.h"

#include "llvm/Support/Error.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: compile-and-run MODEL.onnx OUT.ohmx\n");
    return 2;
  }
  ohm::registerAllPasses();
  ohm::Context ctx;
  ohm::registerAllDialects(ctx);
  auto target = ohm::target::loadTarget("isaac");
  if (!target) {
    std::fprintf(stderr, "%s\n", llvm::toString(target.takeError()).c_str());
    return 1;
  }
  std::unique_ptr<ohm::Module> module =
      ohm::onnx_frontend::importModelFile(argv[1], ctx);
  if (!module)
    return 1;
  ohm::PassManager pm(ctx);
  ohm::buildNNPipeline(pm);
  if (llvm::Error error = ohm::buildXbarPipeline(pm, *target)) {
    std::fprintf(stderr, "%s\n", llvm::toString(std::move(error)).c_str());
    return 1;
  }
  ohm::program::Program program;
  if (ohm::failed(pm.run(*module)) ||
      ohm::failed(ohm::backend::emitProgram(*module->begin(), *target, "model",
                                            program)))
    return 1;
  std::string bytes, error;
  if (!ohmrt::serializeProgram(program, bytes) ||
      !ohmrt::writeFileAtomically(argv[2], bytes, error)) {
    std::fprintf(stderr, "cannot write %s: %s\n", argv[2], error.c_str());
    return 1;
  }
  return runOnes(program);
}
