//===- CheckedMathTest.cpp - Overflow-checked shape arithmetic ------------===//
//
// ohmrt/CheckedMath.h, the one checked layer the IR, the backend and the
// program validator compute element counts, byte sizes and window output
// sizes with: exact where the result fits, nullopt (never wraparound or
// undefined behaviour) at and past the edges of int64_t and of a limit.
//
//===----------------------------------------------------------------------===//

#include "ohmrt/CheckedMath.h"

#include "gtest/gtest.h"

#include <limits>
#include <vector>

using namespace ohmrt;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(CheckedMath, AddSubMulDetectOverflow) {
  EXPECT_EQ(checked::add(kMax - 1, 1), kMax);
  EXPECT_FALSE(checked::add(kMax, 1));
  EXPECT_FALSE(checked::add(kMin, -1));
  EXPECT_EQ(checked::sub(kMin + 1, 1), kMin);
  EXPECT_FALSE(checked::sub(kMin, 1));
  EXPECT_FALSE(checked::sub(0, kMin));
  EXPECT_EQ(checked::mul(int64_t(1) << 31, int64_t(1) << 31), int64_t(1) << 62);
  EXPECT_FALSE(checked::mul(int64_t(1) << 32, int64_t(1) << 31));
  EXPECT_FALSE(checked::mul(kMin, -1));
  EXPECT_EQ(checked::mul(-3, 7), -21);
}

TEST(CheckedMath, ElementCountHonoursTheLimit) {
  const int64_t limit = int64_t(1) << 40;
  EXPECT_EQ(checked::elementCount(std::vector<int64_t>{}, limit), 1);
  EXPECT_EQ(checked::elementCount(std::vector<int64_t>{2, 3, 4}, limit), 24);
  EXPECT_EQ(
      checked::elementCount(std::vector<int64_t>{1 << 20, 1 << 20}, limit),
      limit);
  EXPECT_FALSE(
      checked::elementCount(std::vector<int64_t>{1 << 20, 1 << 20, 2}, limit));
  // The reproducer: 4 x 242243305 x 19037413721 wraps 2^64.
  EXPECT_FALSE(checked::elementCount(
      std::vector<int64_t>{4, 242243305, 19037413721}, limit));
  // A zero dimension makes the count 0, but only if the others are valid.
  EXPECT_EQ(checked::elementCount(std::vector<int64_t>{0, limit}, limit), 0);
  EXPECT_FALSE(checked::elementCount(std::vector<int64_t>{0, kMax}, limit));
  EXPECT_FALSE(checked::elementCount(std::vector<int64_t>{3, -2}, limit));
  // A skipped (dynamic) marker counts as 1.
  EXPECT_EQ(checked::elementCount(std::vector<int64_t>{-1, 5}, limit, -1), 5);
  EXPECT_FALSE(checked::elementCount(std::vector<int64_t>{-1, 5}, limit));
}

TEST(CheckedMath, ByteSize) {
  EXPECT_EQ(checked::byteSize(1 << 20, 4, int64_t(1) << 30), 4 << 20);
  EXPECT_FALSE(checked::byteSize(int64_t(1) << 28, 8, int64_t(1) << 30));
  EXPECT_FALSE(checked::byteSize(kMax / 2, 4, kMax));
  EXPECT_FALSE(checked::byteSize(-1, 4, kMax));
}

checked::WindowAxis axis(int64_t input, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBegin, int64_t padEnd,
                         bool ceilMode = false) {
  return {input, kernel, stride, dilation, padBegin, padEnd, ceilMode};
}

TEST(CheckedMath, WindowOutputSizeFollowsOnnx) {
  const int64_t limit = int64_t(1) << 40;
  // ResNet's stem: 224, kernel 7, stride 2, pads 3 -> 112.
  EXPECT_EQ(checked::windowOutputSize(axis(224, 7, 2, 1, 3, 3), limit), 112);
  // A 3x3 max pool, stride 2, over 112 with pads 1: 56.
  EXPECT_EQ(checked::windowOutputSize(axis(112, 3, 2, 1, 1, 1), limit), 56);
  // Dilation 2 makes a 3-tap kernel span 5.
  EXPECT_EQ(checked::windowOutputSize(axis(10, 3, 1, 2, 0, 0), limit), 6);
  // ceil_mode rounds a partial last window up: (7 - 2) / 2 + 1 = 3, ceil 4.
  EXPECT_EQ(checked::windowOutputSize(axis(7, 2, 2, 1, 0, 0), limit), 3);
  EXPECT_EQ(checked::windowOutputSize(axis(7, 2, 2, 1, 0, 0, true), limit), 4);
  // The window does not fit.
  EXPECT_FALSE(checked::windowOutputSize(axis(2, 3, 1, 1, 0, 0), limit));
  // Non-positive kernel, stride or dilation.
  EXPECT_FALSE(checked::windowOutputSize(axis(8, 0, 1, 1, 0, 0), limit));
  EXPECT_FALSE(checked::windowOutputSize(axis(8, 3, 0, 1, 0, 0), limit));
  EXPECT_FALSE(checked::windowOutputSize(axis(8, 3, 1, 0, 0, 0), limit));
}

TEST(CheckedMath, WindowOutputSizeNeverOverflows) {
  const int64_t limit = int64_t(1) << 40;
  // The reproducers: pads and dilations near 2^62 and INT64_MAX.
  EXPECT_FALSE(checked::windowOutputSize(axis(8, 3, 1, 1, kMax, 0), limit));
  EXPECT_FALSE(checked::windowOutputSize(axis(8, 3, 1, 1, kMax, kMax), limit));
  EXPECT_FALSE(
      checked::windowOutputSize(axis(8, 3, 1, int64_t(1) << 62, 0, 0), limit));
  EXPECT_FALSE(checked::windowOutputSize(axis(8, kMax, 1, 2, 0, 0), limit));
  // Fits int64_t but not the limit.
  EXPECT_FALSE(
      checked::windowOutputSize(axis(8, 1, 1, 1, int64_t(1) << 41, 0), limit));
  EXPECT_EQ(checked::windowSpan(axis(8, 1, 1, 1, int64_t(1) << 41, 0)),
            (int64_t(1) << 41) + 7);
}

} // namespace
