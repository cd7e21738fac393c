//===- Random.h - Counter-based random numbers ------------------*- C++ -*-===//
//
// Device mode draws every random number from a counter-based generator:
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011), keyed by the seed and indexed by what the number is for
// (an array and a cell, or an instruction, a batch row and a conversion).
// A number therefore does not depend on thread count, batch chunking or
// the order in which anything runs (docs/Device.md, "Randomness").
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_RANDOM_H
#define OHMRT_RANDOM_H

#include <array>
#include <cmath>
#include <cstdint>

namespace ohmrt {

using PhiloxCounter = std::array<uint32_t, 4>;

/// Philox4x32 with 10 rounds: four 32-bit words from a 128-bit counter and
/// a 64-bit key. Matches the Random123 reference (its known-answer test is
/// in unittests/Runtime/RandomTest.cpp).
inline PhiloxCounter philox4x32(PhiloxCounter c, uint64_t key) {
  uint32_t k0 = uint32_t(key), k1 = uint32_t(key >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(0xD2511F53u) * c[0];
    uint64_t p1 = uint64_t(0xCD9E8D57u) * c[2];
    c = {uint32_t(p1 >> 32) ^ c[1] ^ k0, uint32_t(p1),
         uint32_t(p0 >> 32) ^ c[3] ^ k1, uint32_t(p0)};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

/// A uniform number in (0, 1] from 32 random bits.
inline double uniformOpen0(uint32_t bits) {
  return (double(bits) + 1.0) * (1.0 / 4294967296.0);
}

/// A standard normal number from two words by the Box-Muller transform.
/// |result| <= kMaxGaussian for every input (the smallest uniform is
/// 2^-32), which lets callers skip a draw that cannot change a result.
inline double gaussianFrom(uint32_t a, uint32_t b) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  double radius = std::sqrt(-2.0 * std::log(uniformOpen0(a)));
  return radius * std::cos(kTwoPi * (double(b) * (1.0 / 4294967296.0)));
}

/// sqrt(-2 ln 2^-32) = 6.6604..., rounded up.
constexpr double kMaxGaussian = 6.6605;

} // namespace ohmrt

#endif // OHMRT_RANDOM_H
