//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//

#include "ohm/Support/Npy.h"

using namespace ohm;

static llvm::Error toError(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<NpyArray> ohm::parseNpy(llvm::StringRef bytes,
                                       llvm::StringRef name) {
  NpyArray array;
  std::string error;
  if (!ohmrt::parseNpy(bytes.str(), name.str(), array, error))
    return toError(error);
  return array;
}

llvm::Expected<NpyArray> ohm::readNpyFile(llvm::StringRef path) {
  NpyArray array;
  std::string error;
  if (!ohmrt::readNpyFile(path.str(), array, error))
    return toError(error);
  return array;
}

llvm::Error ohm::writeNpyFile(llvm::StringRef path, const NpyArray &array) {
  std::string error;
  if (!ohmrt::writeNpyFile(path.str(), array, error))
    return toError(error);
  return llvm::Error::success();
}
