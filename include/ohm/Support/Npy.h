//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// llvm::Error-returning wrappers over the runtime's dependency-free .npy
// code (runtime/include/ohmrt/Npy.h), which the compiler's tools share.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_SUPPORT_NPY_H
#define OHM_SUPPORT_NPY_H

#include "ohmrt/Npy.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace ohm {

using ohmrt::getNpyDescr;
using ohmrt::getNpyElementSize;
using ohmrt::NpyArray;
using ohmrt::NpyDType;
using ohmrt::serializeNpy;

/// Parses a .npy file held in memory; `name` is used in error messages.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes, llvm::StringRef name);
llvm::Expected<NpyArray> readNpyFile(llvm::StringRef path);
llvm::Error writeNpyFile(llvm::StringRef path, const NpyArray &array);

} // namespace ohm

#endif // OHM_SUPPORT_NPY_H
