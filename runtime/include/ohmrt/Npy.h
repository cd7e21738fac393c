//===- Npy.h - NumPy .npy files, without dependencies -----------*- C++ -*-===//
//
// The .npy format (versions 1, 2 and 3): a magic string, a header that is a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape':
// (2, 3), }, then the elements in C order. Only little-endian (or
// single-byte) numeric and bool dtypes are supported. This code has no
// dependencies so that both the runtime and the compiler's tools use it.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_NPY_H
#define OHMRT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace ohmrt {

/// Element kinds .npy files may hold.
enum class NpyDType {
  Bool,
  I8,
  U8,
  I16,
  U16,
  I32,
  U32,
  I64,
  U64,
  F16,
  F32,
  F64
};

/// The NumPy descr of a dtype ('<f4', '|u1', ...).
const char *getNpyDescr(NpyDType dtype);
/// Bytes per element.
unsigned getNpyElementSize(NpyDType dtype);
/// "f32", "u8", "bool", ...
const char *getNpyDTypeName(NpyDType dtype);

struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  std::vector<int64_t> shape;
  /// Elements in C order, little endian.
  std::vector<char> data;

  int64_t getNumElements() const;
};

/// Parses a .npy file held in memory. On failure returns false and sets
/// `error` to "NAME: problem".
bool parseNpy(const std::string &bytes, const std::string &name,
              NpyArray &array, std::string &error);
bool readNpyFile(const std::string &path, NpyArray &array, std::string &error);
/// Serializes as version 1.0 (2.0 if the header needs it).
std::string serializeNpy(const NpyArray &array);
bool writeNpyFile(const std::string &path, const NpyArray &array,
                  std::string &error);
/// Reads a whole file into `bytes`; on failure sets `error` ("cannot open
/// 'PATH': reason").
bool readWholeFile(const std::string &path, std::string &bytes,
                   std::string &error);
/// Writes `bytes` to a temporary file beside `path`, syncs it and renames
/// it over `path`: a failed write leaves the previous file, never a
/// truncated one. On failure sets `error` naming the path and the cause.
bool writeFileAtomically(const std::string &path, const std::string &bytes,
                         std::string &error);

} // namespace ohmrt

#endif // OHMRT_NPY_H
