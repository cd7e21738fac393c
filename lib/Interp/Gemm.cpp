//===- Gemm.cpp - Exact integer matrix products ---------------------------===//
//
// See Gemm.h. The products are Eigen's (single-threaded, blocked and
// vectorized for f32 and f64); Eigen is confined to this file.
//
//===----------------------------------------------------------------------===//

#include "ohm/Interp/Gemm.h"

#include <Eigen/Core>

using namespace ohm;
using namespace ohm::interp;

ExactFormat interp::getExactFormat(uint64_t maxAbs,
                                   unsigned __int128 maxAbsSum) {
  using u128 = unsigned __int128;
  const u128 f32Limit = u128(1) << 24, f64Limit = u128(1) << 53;
  // A zero factor on either side makes every product 0, whatever the
  // other side rounds to (no int64 rounds to an infinity in f32).
  if (maxAbs == 0 || maxAbsSum == 0)
    return ExactFormat::F32;
  // Either factor at 2^53 or more already fails the f64 bound; testing it
  // first keeps the product below 2^106, within 128 bits.
  if (maxAbs >= f64Limit || maxAbsSum >= f64Limit)
    return ExactFormat::U64;
  u128 bound = u128(maxAbs) * maxAbsSum;
  if (bound < f32Limit)
    return ExactFormat::F32;
  if (bound < f64Limit)
    return ExactFormat::F64;
  return ExactFormat::U64;
}

template <typename T>
void interp::gemm(int64_t m, int64_t k, int64_t n, const T *a, const T *b,
                  T *c) {
  using Matrix =
      Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<Matrix> cMap(c, m, n);
  if (k == 0) {
    cMap.setZero();
    return;
  }
  Eigen::Map<const Matrix> aMap(a, m, k), bMap(b, k, n);
  cMap.noalias() = aMap * bMap;
}

template void interp::gemm<float>(int64_t, int64_t, int64_t, const float *,
                                  const float *, float *);
template void interp::gemm<double>(int64_t, int64_t, int64_t, const double *,
                                   const double *, double *);
template void interp::gemm<uint64_t>(int64_t, int64_t, int64_t,
                                     const uint64_t *, const uint64_t *,
                                     uint64_t *);
