//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// The .npy format (versions 1, 2 and 3): a magic string, a header that is a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape':
// (2, 3), }, then the elements in C order. Only little-endian (or
// single-byte) numeric and bool dtypes are supported; anything else is an
// error that names the file and the problem.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_SUPPORT_NPY_H
#define OHM_SUPPORT_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ohm {

/// Element kinds the files may hold.
enum class NpyDType { Bool, I8, U8, I16, U16, I32, U32, I64, U64, F16, F32, F64 };

/// The NumPy descr of a dtype ('<f4', '|u1', ...).
llvm::StringRef getNpyDescr(NpyDType dtype);
/// Bytes per element.
unsigned getNpyElementSize(NpyDType dtype);

struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  std::vector<int64_t> shape;
  /// Elements in C order, little endian.
  std::vector<char> data;

  int64_t getNumElements() const;
};

/// Parses a .npy file held in memory; `name` is used in error messages.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes, llvm::StringRef name);
llvm::Expected<NpyArray> readNpyFile(llvm::StringRef path);
/// Serializes as version 1.0 (2.0 if the header needs it).
std::string serializeNpy(const NpyArray &array);
llvm::Error writeNpyFile(llvm::StringRef path, const NpyArray &array);

} // namespace ohm

#endif // OHM_SUPPORT_NPY_H
