//===- Gemm.h - Exact integer matrix products -------------------*- C++ -*-===//
//
// The matrix product the reference interpreter evaluates nn.qconv (after
// im2col) and nn.qmatmul with; public so that unit tests can check the
// choice of number format. Integer operands are multiplied in the
// narrowest format in which the product is exact: f32 or f64 when a bound
// on every partial sum says that no sum can round, otherwise 64-bit
// unsigned integers, exact modulo 2^64 (all that a result of at most 64
// bits keeps). The product itself is Eigen's, written independently of the
// simulator runtime's kernels: the golden model shares no ohm code with
// what it checks.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_INTERP_GEMM_H
#define OHM_INTERP_GEMM_H

#include <cstdint>

namespace ohm {
namespace interp {

/// The number format of an exact integer product.
enum class ExactFormat { F32, F64, U64 };

/// The narrowest exact format for a product in which no factor on one side
/// exceeds `maxAbs` in magnitude and no output's other factors sum to more
/// than `maxAbsSum` in magnitude. Their product bounds every partial sum in
/// any summation order, and integers below 2^24 (2^53) are exact in f32
/// (f64), so every addition is.
ExactFormat getExactFormat(uint64_t maxAbs, unsigned __int128 maxAbsSum);

/// |value| (2^63 for INT64_MIN).
inline uint64_t magnitude(int64_t value) {
  return value < 0 ? 0 - uint64_t(value) : uint64_t(value);
}

/// `value - zp` wrapped to 64 bits: the same bits as the int64 difference
/// where it does not overflow, and defined where it does.
inline int64_t centered(int64_t value, int64_t zp) {
  return int64_t(uint64_t(value) - uint64_t(zp));
}

/// `value` in the format's scalar (uint64_t: modulo 2^64).
template <typename T> T toExact(int64_t value) { return T(value); }

/// An exact accumulator back as int64 (uint64_t: modulo 2^64).
template <typename T> int64_t fromExact(T value) { return int64_t(value); }

/// c = a * b for row-major a [m x k], b [k x n] and c [m x n]. T is float,
/// double or uint64_t (instantiated in Gemm.cpp).
template <typename T>
void gemm(int64_t m, int64_t k, int64_t n, const T *a, const T *b, T *c);

} // namespace interp
} // namespace ohm

#endif // OHM_INTERP_GEMM_H
