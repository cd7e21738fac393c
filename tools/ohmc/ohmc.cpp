//===- ohmc.cpp - The ohm compiler driver ---------------------------------===//

#include "ohm/Pipelines/InitAll.h"
#include "ohm/Tools/ToolMains.h"

#include "llvm/Support/InitLLVM.h"

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  ohm::registerAllPasses();
  return ohm::ohmcMain(argc, argv);
}
