//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//

#include "ohm/Support/Npy.h"
#include "ohm/Support/FileUtilities.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"

using namespace ohm;

namespace {
struct DTypeInfo {
  NpyDType dtype;
  const char *descr;
  unsigned size;
};
const DTypeInfo kDTypes[] = {
    {NpyDType::Bool, "|b1", 1}, {NpyDType::I8, "|i1", 1},
    {NpyDType::U8, "|u1", 1},   {NpyDType::I16, "<i2", 2},
    {NpyDType::U16, "<u2", 2},  {NpyDType::I32, "<i4", 4},
    {NpyDType::U32, "<u4", 4},  {NpyDType::I64, "<i8", 8},
    {NpyDType::U64, "<u8", 8},  {NpyDType::F16, "<f2", 2},
    {NpyDType::F32, "<f4", 4},  {NpyDType::F64, "<f8", 8},
};

llvm::Error npyError(llvm::StringRef name, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "%s: %s", name.str().c_str(),
                                 message.str().c_str());
}

/// Finds `'key':` in the header dict and returns the text after it.
bool findKey(llvm::StringRef header, llvm::StringRef key,
             llvm::StringRef &rest) {
  for (const char *quote : {"'", "\""}) {
    std::string pattern = std::string(quote) + key.str() + quote;
    size_t pos = header.find(pattern);
    if (pos == llvm::StringRef::npos)
      continue;
    rest = header.drop_front(pos + pattern.size()).ltrim();
    if (!rest.consume_front(":"))
      return false;
    rest = rest.ltrim();
    return true;
  }
  return false;
}
} // namespace

llvm::StringRef ohm::getNpyDescr(NpyDType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.descr;
  return "?";
}

unsigned ohm::getNpyElementSize(NpyDType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.size;
  return 0;
}

int64_t NpyArray::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

llvm::Expected<NpyArray> ohm::parseNpy(llvm::StringRef bytes,
                                       llvm::StringRef name) {
  if (!bytes.startswith("\x93NUMPY"))
    return npyError(name, "not a .npy file (bad magic)");
  if (bytes.size() < 10)
    return npyError(name, "truncated .npy header");
  uint8_t major = uint8_t(bytes[6]);
  size_t headerLength, offset;
  if (major == 1) {
    headerLength = llvm::support::endian::read16le(bytes.data() + 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(name, "truncated .npy header");
    headerLength = llvm::support::endian::read32le(bytes.data() + 8);
    offset = 12;
  } else {
    return npyError(name, "unsupported .npy version " + llvm::Twine(int(major)));
  }
  if (bytes.size() < offset + headerLength)
    return npyError(name, "truncated .npy header");
  llvm::StringRef header = bytes.substr(offset, headerLength);

  NpyArray array;
  llvm::StringRef rest;
  // descr
  if (!findKey(header, "descr", rest) || rest.empty() ||
      (rest.front() != '\'' && rest.front() != '"'))
    return npyError(name, "header has no 'descr'");
  char quote = rest.front();
  size_t close = rest.find(quote, 1);
  if (close == llvm::StringRef::npos)
    return npyError(name, "malformed 'descr'");
  std::string descr = rest.slice(1, close).str();
  // Byte order: irrelevant for one-byte types ('|'); '<' or native '='
  // (this is a little-endian program) otherwise.
  if (descr.size() == 3) {
    if (descr[2] == '1')
      descr[0] = '|';
    else if (descr[0] == '=')
      descr[0] = '<';
    else if (descr[0] == '>')
      return npyError(name, "big-endian data ('" + descr +
                                "') is not supported");
  }
  bool found = false;
  for (const DTypeInfo &info : kDTypes)
    if (descr == info.descr) {
      array.dtype = info.dtype;
      found = true;
    }
  if (!found)
    return npyError(name, "unsupported dtype '" + descr +
                              "' (bool and 8- to 64-bit integers and floats "
                              "are supported)");
  // fortran_order
  if (!findKey(header, "fortran_order", rest))
    return npyError(name, "header has no 'fortran_order'");
  if (rest.startswith("True"))
    return npyError(name, "Fortran-order arrays are not supported");
  if (!rest.startswith("False"))
    return npyError(name, "malformed 'fortran_order'");
  // shape
  if (!findKey(header, "shape", rest) || !rest.consume_front("("))
    return npyError(name, "header has no 'shape' tuple");
  size_t end = rest.find(')');
  if (end == llvm::StringRef::npos)
    return npyError(name, "malformed 'shape'");
  llvm::SmallVector<llvm::StringRef, 8> dims;
  rest.substr(0, end).split(dims, ',', -1, /*KeepEmpty=*/false);
  int64_t count = 1;
  for (llvm::StringRef dim : dims) {
    dim = dim.trim();
    if (dim.empty())
      continue;
    int64_t value;
    if (dim.getAsInteger(10, value) || value < 0)
      return npyError(name, "bad dimension '" + dim + "' in 'shape'");
    if (value > 0 && count > (int64_t(1) << 40) / value)
      return npyError(name, "array is too large");
    count *= value;
    array.shape.push_back(value);
  }
  size_t dataBytes = size_t(count) * getNpyElementSize(array.dtype);
  size_t dataOffset = offset + headerLength;
  if (bytes.size() - dataOffset < dataBytes)
    return npyError(name, "file holds " +
                              llvm::Twine(bytes.size() - dataOffset) +
                              " bytes of data but shape needs " +
                              llvm::Twine(dataBytes));
  if (bytes.size() - dataOffset > dataBytes)
    return npyError(name, "file has trailing bytes after the data (" +
                              llvm::Twine(bytes.size() - dataOffset - dataBytes) +
                              ")");
  array.data.assign(bytes.begin() + dataOffset, bytes.end());
  return array;
}

llvm::Expected<NpyArray> ohm::readNpyFile(llvm::StringRef path) {
  auto buffer = openInputFile(path);
  if (!buffer)
    return buffer.takeError();
  return parseNpy((*buffer)->getBuffer(), path);
}

std::string ohm::serializeNpy(const NpyArray &array) {
  std::string header = "{'descr': '" + getNpyDescr(array.dtype).str() +
                       "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i)
    header += std::to_string(array.shape[i]) + ", ";
  if (array.shape.size() > 1)
    header.resize(header.size() - 2);
  else if (array.shape.size() == 1)
    header.resize(header.size() - 1); // keep "(n,)"
  header += "), }";
  // Pad with spaces so the data starts on a 64-byte boundary; end in '\n'.
  bool v2 = header.size() + 11 > 65535;
  size_t prefix = v2 ? 12 : 10;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(v2 ? 2 : 1);
  out += char(0);
  if (v2) {
    char len[4];
    llvm::support::endian::write32le(len, uint32_t(header.size()));
    out.append(len, 4);
  } else {
    char len[2];
    llvm::support::endian::write16le(len, uint16_t(header.size()));
    out.append(len, 2);
  }
  out += header;
  out.append(array.data.begin(), array.data.end());
  return out;
}

llvm::Error ohm::writeNpyFile(llvm::StringRef path, const NpyArray &array) {
  auto file = openOutputFile(path);
  if (!file)
    return file.takeError();
  (*file)->os() << serializeNpy(array);
  (*file)->keep();
  return llvm::Error::success();
}
