//===- CheckedMath.h - Overflow-checked shape and size arithmetic -*- C++
//-*-===//
//
// One layer of checked arithmetic for what files declare: element counts,
// byte sizes and window (conv/pool) output sizes. The IR's types and type
// rules, the importer (through the IR), the passes, the backend and the
// runtime's validator all compute these here, so a dimension near 2^63 is
// an error everywhere and undefined behaviour nowhere. Header-only and
// dependent on nothing but the standard library, like Counts.h, so the
// compiler and the simulator share it without linking each other.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_CHECKEDMATH_H
#define OHMRT_CHECKEDMATH_H

#include <cstdint>
#include <optional>

namespace ohmrt::checked {

/// a + b, or nullopt if it overflows int64_t.
inline std::optional<int64_t> add(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum))
    return std::nullopt;
  return sum;
}

/// a - b, or nullopt if it overflows int64_t.
inline std::optional<int64_t> sub(int64_t a, int64_t b) {
  int64_t difference;
  if (__builtin_sub_overflow(a, b, &difference))
    return std::nullopt;
  return difference;
}

/// a * b, or nullopt if it overflows int64_t.
inline std::optional<int64_t> mul(int64_t a, int64_t b) {
  int64_t product;
  if (__builtin_mul_overflow(a, b, &product))
    return std::nullopt;
  return product;
}

/// The product of `dims` when every dimension is in [0, limit] and the
/// product is at most `limit` (limit >= 0), else nullopt. A zero dimension
/// makes the count 0 whatever the others are (if they are in range).
/// Dimensions equal to `skip` (a dynamic marker), if given, count as 1.
template <typename Range>
std::optional<int64_t> elementCount(const Range &dims, int64_t limit,
                                    std::optional<int64_t> skip = {}) {
  int64_t count = 1;
  bool zero = false;
  for (int64_t dim : dims) {
    if (dim == skip)
      continue;
    if (dim < 0 || dim > limit)
      return std::nullopt;
    if (dim == 0) {
      zero = true;
      continue;
    }
    // count <= limit and 0 < dim <= limit: limit / dim is exact to test.
    if (count > limit / dim)
      return std::nullopt;
    count *= dim;
  }
  return zero ? 0 : count;
}

/// count * elementBytes when it is at most `limit` bytes, else nullopt
/// (count and elementBytes non-negative).
inline std::optional<int64_t> byteSize(int64_t count, int64_t elementBytes,
                                       int64_t limit) {
  std::optional<int64_t> bytes = mul(count, elementBytes);
  if (count < 0 || elementBytes < 0 || !bytes || *bytes > limit)
    return std::nullopt;
  return bytes;
}

/// One spatial axis of a sliding window (ONNX Conv/MaxPool/AveragePool),
/// in the order of its fields.
struct WindowAxis {
  int64_t input = 0; // the input's size on this axis
  int64_t kernel = 1, stride = 1, dilation = 1;
  int64_t padBegin = 0, padEnd = 0;
  bool ceilMode = false;
};

/// The checked span of a window axis: input + pads - dilation*(kernel-1) - 1,
/// the room the window has to slide (negative: it does not fit), or nullopt
/// if a term overflows int64_t or kernel, stride or dilation is below 1.
inline std::optional<int64_t> windowSpan(const WindowAxis &axis) {
  if (axis.kernel < 1 || axis.stride < 1 || axis.dilation < 1)
    return std::nullopt;
  std::optional<int64_t> extent = mul(axis.dilation, axis.kernel - 1);
  std::optional<int64_t> padded = add(axis.input, axis.padBegin);
  if (!extent || !padded || !(extent = add(*extent, 1)) ||
      !(padded = add(*padded, axis.padEnd)))
    return std::nullopt;
  return sub(*padded, *extent);
}

/// The output size of a window axis: floor (or ceil with ceilMode) of
/// span / stride, plus 1; nullopt if the span overflows, is negative (the
/// window does not fit) or exceeds `limit`.
inline std::optional<int64_t> windowOutputSize(const WindowAxis &axis,
                                               int64_t limit) {
  std::optional<int64_t> span = windowSpan(axis);
  if (!span || *span < 0 || *span > limit)
    return std::nullopt;
  int64_t out = *span / axis.stride + 1;
  if (axis.ceilMode && *span % axis.stride != 0)
    ++out;
  return out;
}

} // namespace ohmrt::checked

#endif // OHMRT_CHECKEDMATH_H
