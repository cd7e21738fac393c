//===- VectorKernels.h - Helpers shared by the vector unit ------*- C++ -*-===//
//
// What VectorUnit.cpp, DataMovement.cpp and Epilogue.cpp share: the
// parallel grain, channel layouts, broadcast stepping, the first bad value
// of a run, typed dispatch on float buffers, and the requantize kernels.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_VECTORKERNELS_H
#define OHMRT_VECTORKERNELS_H

#include "Machine.h"

#include <limits>
#include <mutex>

namespace ohmrt {
namespace detail {

/// Elements per thread below which splitting does not pay.
constexpr int64_t kGrain = 1 << 15;

/// Splits a flat index space [0, count) as [outer, channels, inner] along
/// `axis` of `dims` (one channel when not per channel).
struct ChannelLayout {
  int64_t channels = 1, inner = 1;
  ChannelLayout(const std::vector<int64_t> &dims, int64_t axis, bool perChannel,
                int64_t count) {
    if (!perChannel) {
      inner = std::max<int64_t>(count, 1);
      return;
    }
    channels = dims[size_t(axis)];
    for (size_t d = size_t(axis) + 1; d < dims.size(); ++d)
      inner *= dims[d];
  }
  int64_t channelOf(int64_t i) const { return (i / inner) % channels; }
};

/// Calls fn(lhsIndex, rhsIndex, outIndex) over the numpy broadcast of two
/// shapes (the output's shape is `out`).
template <typename Fn>
void forEachBroadcast(const std::vector<int64_t> &lhs,
                      const std::vector<int64_t> &rhs,
                      const std::vector<int64_t> &out, Fn fn) {
  size_t rank = out.size();
  auto stridesFor = [&](const std::vector<int64_t> &shape) {
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      size_t dim = shape.size() - 1 - i;
      strides[rank - 1 - i] = shape[dim] == 1 ? 0 : stride;
      stride *= shape[dim];
    }
    return strides;
  };
  if (lhs == out && rhs == out) {
    int64_t total = numElements(out);
    for (int64_t n = 0; n < total; ++n)
      fn(n, n, n);
    return;
  }
  std::vector<int64_t> ls = stridesFor(lhs), rs = stridesFor(rhs);
  std::vector<int64_t> index(rank, 0);
  int64_t total = numElements(out), li = 0, ri = 0;
  for (int64_t n = 0; n < total; ++n) {
    fn(li, ri, n);
    for (size_t d = rank; d-- > 0;) {
      li += ls[d];
      ri += rs[d];
      if (++index[d] < out[d])
        break;
      li -= ls[d] * out[d];
      ri -= rs[d] * out[d];
      index[d] = 0;
    }
  }
}

/// The first (lowest-index) bad value found by any thread, so the error a
/// run reports does not depend on the thread count.
class FirstBad {
public:
  void report(int64_t index, int64_t value) {
    std::lock_guard<std::mutex> lock(mutex);
    if (index < first) {
      first = index;
      firstValue = value;
    }
  }
  bool any() const { return first != INT64_MAX; }
  int64_t value() const { return firstValue; }

private:
  std::mutex mutex;
  int64_t first = INT64_MAX, firstValue = 0;
};

/// Calls fn(T *) with a float buffer's data.
template <typename Fn> void withFloats(const Mem &m, Fn &&fn) {
  if (m.dtype == program::F64)
    fn(m.as<double>());
  else
    fn(m.as<float>());
}

/// Calls fn(T *) with any buffer's data in its storage type.
template <typename Fn> void withAnyType(const Mem &m, Fn &&fn) {
  if (m.isFloat())
    withFloats(m, fn);
  else
    m.withInts(fn);
}

/// The float requantize of 32-bit (or narrower) inputs with no input zero
/// point and a clamp range within 2^24 of the zero point -- the common
/// case -- in a form compilers vectorize: clamping the rounded value to
/// [lo - zp, hi - zp] in float and adding zp after is exact (both bounds
/// are floats exactly), and equal to rounding, adding zp and clamping in
/// double; NaN still becomes zp.
template <typename S, typename D>
OHMRT_VECTOR_CLONES void requantizeFloatFast(const S *x, D *out, int64_t count,
                                             float scale, int32_t zp, float lo,
                                             float hi) {
  for (int64_t i = 0; i < count; ++i)
    out[i] = D(roundClamp(float(x[i]) * scale, lo, hi) + zp);
}

/// One requantize line: `count` elements of one channel, float mode.
/// Parameters by value (see Im2ColShape).
template <typename S, typename D>
void requantizeFloat(const S *x, D *out, int64_t count, float scale,
                     int64_t inputZp, int64_t zp, int64_t lo, int64_t hi) {
  const int64_t limit = int64_t(1) << 24;
  if (sizeof(S) <= 4 && !std::is_same<S, uint32_t>::value && inputZp == 0 &&
      std::abs(zp) < limit && std::abs(lo - zp) < limit &&
      std::abs(hi - zp) < limit)
    return requantizeFloatFast(x, out, count, scale, int32_t(zp),
                               float(lo - zp), float(hi - zp));
  for (int64_t i = 0; i < count; ++i) {
    float scaled = float(int64_t(x[i]) - inputZp) * scale;
    out[i] =
        D(clampToRange(double(roundHalfEven(scaled)) + double(zp), lo, hi, zp));
  }
}

/// Fixed point mode: ((x - input_zp) * multiplier + 2^(shift - 1)) >> shift.
template <typename S, typename D>
void requantizeFixed(const S *x, D *out, int64_t count, int64_t multiplier,
                     int64_t shift, int64_t inputZp, int64_t zp, int64_t lo,
                     int64_t hi) {
  for (int64_t i = 0; i < count; ++i) {
    __int128 product = __int128(int64_t(x[i]) - inputZp) * multiplier;
    if (shift > 0)
      product = (product + (__int128(1) << (shift - 1))) >> shift;
    else
      product <<= -shift;
    __int128 shifted = product + zp;
    out[i] = D(shifted < lo ? lo : shifted > hi ? hi : int64_t(shifted));
  }
}

/// Transposes a rows x cols byte matrix into `to` (DataMovement.cpp).
void transposeBytes(const uint8_t *from, int64_t fromStride, uint8_t *to,
                    int64_t toStride, int64_t rows, int64_t cols);

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_VECTORKERNELS_H
