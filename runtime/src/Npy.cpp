//===- Npy.cpp - NumPy .npy files, without dependencies -------------------===//

#include "ohmrt/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ohmrt;

namespace {
struct DTypeInfo {
  NpyDType dtype;
  const char *descr;
  unsigned size;
  const char *name;
};
const DTypeInfo kDTypes[] = {
    {NpyDType::Bool, "|b1", 1, "bool"}, {NpyDType::I8, "|i1", 1, "i8"},
    {NpyDType::U8, "|u1", 1, "u8"},     {NpyDType::I16, "<i2", 2, "i16"},
    {NpyDType::U16, "<u2", 2, "u16"},   {NpyDType::I32, "<i4", 4, "i32"},
    {NpyDType::U32, "<u4", 4, "u32"},   {NpyDType::I64, "<i8", 8, "i64"},
    {NpyDType::U64, "<u8", 8, "u64"},   {NpyDType::F16, "<f2", 2, "f16"},
    {NpyDType::F32, "<f4", 4, "f32"},   {NpyDType::F64, "<f8", 8, "f64"},
};

bool fail(std::string &error, const std::string &name,
          const std::string &message) {
  error = name + ": " + message;
  return false;
}

uint32_t readLE(const char *p, unsigned bytes) {
  uint32_t value = 0;
  for (unsigned i = 0; i < bytes; ++i)
    value |= uint32_t(uint8_t(p[i])) << (8 * i);
  return value;
}

/// Finds `'key':` in the header dict; `rest` is what follows the colon.
bool findKey(const std::string &header, const std::string &key,
             std::string &rest) {
  for (const char *quote : {"'", "\""}) {
    std::string pattern = std::string(quote) + key + quote;
    size_t pos = header.find(pattern);
    if (pos == std::string::npos)
      continue;
    size_t i = pos + pattern.size();
    while (i < header.size() && header[i] == ' ')
      ++i;
    if (i >= header.size() || header[i] != ':')
      return false;
    ++i;
    while (i < header.size() && header[i] == ' ')
      ++i;
    rest = header.substr(i);
    return true;
  }
  return false;
}
} // namespace

const char *ohmrt::getNpyDescr(NpyDType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.descr;
  return "?";
}

unsigned ohmrt::getNpyElementSize(NpyDType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.size;
  return 0;
}

const char *ohmrt::getNpyDTypeName(NpyDType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.name;
  return "?";
}

int64_t NpyArray::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

bool ohmrt::parseNpy(const std::string &bytes, const std::string &name,
                     NpyArray &array, std::string &error) {
  if (bytes.compare(0, 6, "\x93NUMPY") != 0)
    return fail(error, name, "not a .npy file (bad magic)");
  if (bytes.size() < 10)
    return fail(error, name, "truncated .npy header");
  unsigned major = uint8_t(bytes[6]);
  size_t headerLength, offset;
  if (major == 1) {
    headerLength = readLE(bytes.data() + 8, 2);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail(error, name, "truncated .npy header");
    headerLength = readLE(bytes.data() + 8, 4);
    offset = 12;
  } else {
    return fail(error, name,
                "unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() - offset < headerLength)
    return fail(error, name, "truncated .npy header");
  std::string header = bytes.substr(offset, headerLength);

  array = NpyArray();
  std::string rest;
  if (!findKey(header, "descr", rest) || rest.empty() ||
      (rest[0] != '\'' && rest[0] != '"'))
    return fail(error, name, "header has no 'descr'");
  size_t close = rest.find(rest[0], 1);
  if (close == std::string::npos)
    return fail(error, name, "malformed 'descr'");
  std::string descr = rest.substr(1, close - 1);
  // Byte order: irrelevant for one-byte types ('|'); '<' or native '='
  // (this program assumes little endian) otherwise.
  if (descr.size() == 3) {
    if (descr[2] == '1')
      descr[0] = '|';
    else if (descr[0] == '=')
      descr[0] = '<';
    else if (descr[0] == '>')
      return fail(error, name,
                  "big-endian data ('" + descr + "') is not supported");
  }
  bool found = false;
  for (const DTypeInfo &info : kDTypes)
    if (descr == info.descr) {
      array.dtype = info.dtype;
      found = true;
    }
  if (!found)
    return fail(error, name,
                "unsupported dtype '" + descr +
                    "' (bool and 8- to 64-bit integers and floats are "
                    "supported)");
  if (!findKey(header, "fortran_order", rest))
    return fail(error, name, "header has no 'fortran_order'");
  if (rest.compare(0, 4, "True") == 0)
    return fail(error, name, "Fortran-order arrays are not supported");
  if (rest.compare(0, 5, "False") != 0)
    return fail(error, name, "malformed 'fortran_order'");
  if (!findKey(header, "shape", rest) || rest.empty() || rest[0] != '(')
    return fail(error, name, "header has no 'shape' tuple");
  size_t end = rest.find(')');
  if (end == std::string::npos)
    return fail(error, name, "malformed 'shape'");
  std::stringstream dims(rest.substr(1, end - 1));
  std::string dim;
  // The product of the nonzero dimensions is bounded too (ohm's tensor
  // types allow at most 2^40 elements, and [0, 2^62, 2^62] is not one).
  int64_t count = 1, nonzero = 1;
  while (std::getline(dims, dim, ',')) {
    size_t first = dim.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    dim = dim.substr(first, dim.find_last_not_of(' ') - first + 1);
    char *endPtr = nullptr;
    errno = 0;
    long long value = std::strtoll(dim.c_str(), &endPtr, 10);
    if (dim.empty() || *endPtr != '\0' || errno || value < 0)
      return fail(error, name, "bad dimension '" + dim + "' in 'shape'");
    if (value > 0 && nonzero > (int64_t(1) << 40) / value)
      return fail(error, name, "array is too large");
    if (value > 0)
      nonzero *= value;
    count *= value;
    array.shape.push_back(value);
  }
  size_t dataBytes = size_t(count) * getNpyElementSize(array.dtype);
  size_t dataOffset = offset + headerLength;
  size_t available = bytes.size() - dataOffset;
  if (available < dataBytes)
    return fail(error, name,
                "file holds " + std::to_string(available) +
                    " bytes of data but shape needs " +
                    std::to_string(dataBytes));
  if (available > dataBytes)
    return fail(error, name,
                "file has trailing bytes after the data (" +
                    std::to_string(available - dataBytes) + ")");
  array.data.assign(bytes.begin() + dataOffset, bytes.end());
  return true;
}

bool ohmrt::readWholeFile(const std::string &path, std::string &bytes,
                          std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::stringstream contents;
  contents << in.rdbuf();
  bytes = contents.str();
  return true;
}

bool ohmrt::readNpyFile(const std::string &path, NpyArray &array,
                        std::string &error) {
  std::string bytes;
  return readWholeFile(path, bytes, error) &&
         parseNpy(bytes, path, array, error);
}

std::string ohmrt::serializeNpy(const NpyArray &array) {
  std::string header = std::string("{'descr': '") + getNpyDescr(array.dtype) +
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
  uint32_t length = uint32_t(header.size());
  for (unsigned i = 0; i < (v2 ? 4u : 2u); ++i)
    out += char((length >> (8 * i)) & 0xFF);
  out += header;
  out.append(array.data.begin(), array.data.end());
  return out;
}

/// The process's file-creation mask (umask can only be read by setting it).
static mode_t currentUmask() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

bool ohmrt::writeFileAtomically(const std::string &path,
                                const std::string &bytes, std::string &error) {
  // A temporary beside the destination, renamed over it when complete: a
  // failed write leaves no truncated file and keeps the previous one.
  auto fail = [&](const std::string &temp) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    if (!temp.empty())
      std::remove(temp.c_str());
    return false;
  };
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(&temp[0]);
  if (fd < 0)
    return fail("");
  ::fchmod(fd, 0666 & ~currentUmask());
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = errno ? errno : EIO;
      ::close(fd);
      errno = saved;
      return fail(temp);
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return fail(temp);
  }
  if (::close(fd) != 0 || std::rename(temp.c_str(), path.c_str()) != 0)
    return fail(temp);
  return true;
}

bool ohmrt::writeNpyFile(const std::string &path, const NpyArray &array,
                         std::string &error) {
  return writeFileAtomically(path, serializeNpy(array), error);
}
