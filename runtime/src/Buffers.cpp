//===- Buffers.cpp - Typed views of the executor's memory -----------------===//

#include "Buffers.h"

using namespace ohmrt;
using namespace ohmrt::detail;

int64_t Mem::loadInt(int64_t i) const {
  const char *p = data + i * bytes;
  switch (dtype) {
  case program::U8:
  case program::BOOL:
    return *reinterpret_cast<const uint8_t *>(p);
  case program::I8:
    return *reinterpret_cast<const int8_t *>(p);
  case program::U16: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  case program::I16: {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  case program::U32: {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case program::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case program::U64:
  case program::I64: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  default:
    return int64_t(loadFloat(i));
  }
}

double Mem::loadFloat(int64_t i) const {
  const char *p = data + i * bytes;
  if (dtype == program::F32) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  if (dtype == program::F64) {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  if (dtype == program::U64) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return double(v);
  }
  return double(loadInt(i));
}

int64_t Mem::wrap(int64_t value) const {
  if (bits >= 64)
    return value;
  uint64_t mask = (uint64_t(1) << bits) - 1;
  uint64_t low = uint64_t(value) & mask;
  if (isSignedType(dtype) && bits > 1 && (low >> (bits - 1)) & 1)
    low |= ~mask;
  return int64_t(low);
}

void Mem::storeInt(int64_t i, int64_t value) const {
  if (isFloat())
    return storeFloat(i, double(value));
  value = wrap(value);
  char *p = data + i * bytes;
  switch (bytes) {
  case 1:
    *reinterpret_cast<uint8_t *>(p) = uint8_t(value);
    return;
  case 2: {
    uint16_t v = uint16_t(value);
    std::memcpy(p, &v, 2);
    return;
  }
  case 4: {
    uint32_t v = uint32_t(value);
    std::memcpy(p, &v, 4);
    return;
  }
  default:
    std::memcpy(p, &value, 8);
  }
}

void Mem::storeFloat(int64_t i, double value) const {
  char *p = data + i * bytes;
  if (dtype == program::F32) {
    float v = float(value);
    std::memcpy(p, &v, 4);
  } else {
    std::memcpy(p, &value, 8);
  }
}

void Mem::range(int64_t &lo, int64_t &hi) const {
  if (dtype == program::U64 && bits >= 64) {
    lo = 0;
    hi = INT64_MAX;
  } else if (isSignedType(dtype)) {
    lo = bits >= 64 ? INT64_MIN : -(int64_t(1) << (bits - 1));
    hi = bits >= 64 ? INT64_MAX : (int64_t(1) << (bits - 1)) - 1;
  } else {
    lo = 0;
    hi = bits >= 63 ? INT64_MAX : (int64_t(1) << bits) - 1;
  }
}

int64_t ohmrt::detail::numElements(const std::vector<int64_t> &dims) {
  int64_t count = 1;
  for (int64_t dim : dims)
    count *= dim;
  return count;
}

std::vector<int64_t>
ohmrt::detail::stridesOf(const std::vector<int64_t> &dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;)
    strides[d - 1] = strides[d] * dims[d];
  return strides;
}

void ohmrt::detail::advance(std::vector<int64_t> &index,
                            const std::vector<int64_t> &dims) {
  for (size_t d = index.size(); d-- > 0;) {
    if (++index[d] < dims[d])
      return;
    index[d] = 0;
  }
}

int64_t ohmrt::detail::channelOf(int64_t flat, const std::vector<int64_t> &dims,
                                 int64_t axis) {
  int64_t inner = 1;
  for (size_t d = size_t(axis) + 1; d < dims.size(); ++d)
    inner *= dims[d];
  return (flat / inner) % dims[size_t(axis)];
}
