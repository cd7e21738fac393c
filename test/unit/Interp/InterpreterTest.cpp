//===- InterpreterTest.cpp - Numerics of the nn reference interpreter -----===//
//
// The interpreter is the golden model every later level is checked against,
// so its arithmetic is tested here against expectations computed a second,
// independent way: by hand for the rounding rules (half to even, the f32
// products ONNX Runtime computes, saturation), and by naive loops written in
// this file for the accumulates and data movement. Each test parses a small
// function from IR text and runs it with interp::run.
//
//===----------------------------------------------------------------------===//

#include "ohm/Interp/Interpreter.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Function.h"
#include "ohm/IR/Module.h"
#include "ohm/Interp/Gemm.h"
#include "ohm/NN/NNOps.h"
#include "ohm/Parser/Parser.h"
#include "ohm/Pipelines/InitAll.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace ohm;
using interp::Tensor;

namespace {

/// Parses one function and runs it.
class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() { registerAllDialects(ctx); }

  /// Parses `text` (one function) and keeps the module.
  void parse(llvm::StringRef text) {
    module = parseSourceString(text, ctx, "test.ohm");
    ASSERT_TRUE(module) << text.str();
    ASSERT_TRUE(succeeded(module->verify()));
    ASSERT_EQ(module->size(), 1u);
  }

  /// Runs the parsed function; fails the test on an error.
  std::vector<Tensor> run(std::vector<Tensor> inputs) {
    if (!module) {
      ADD_FAILURE() << "nothing parsed";
      return {};
    }
    auto results = interp::run(*module->begin(), std::move(inputs));
    if (!results) {
      ADD_FAILURE() << llvm::toString(results.takeError());
      return {};
    }
    return std::move(*results);
  }

  /// Runs the parsed function and returns the error message it must give.
  std::string runError(std::vector<Tensor> inputs) {
    if (!module) {
      ADD_FAILURE() << "nothing parsed";
      return "";
    }
    auto results = interp::run(*module->begin(), std::move(inputs));
    if (results) {
      ADD_FAILURE() << "expected an error";
      return "";
    }
    return llvm::toString(results.takeError());
  }

  /// Parses, runs with one input and returns the only result.
  Tensor runOne(llvm::StringRef text, Tensor input) {
    parse(text);
    std::vector<Tensor> inputs;
    inputs.push_back(std::move(input));
    std::vector<Tensor> results = run(std::move(inputs));
    if (results.size() != 1) {
      ADD_FAILURE() << "expected one result";
      return Tensor();
    }
    return results[0];
  }

  Type type(llvm::StringRef text) { return parseType(text, ctx); }

  /// An integer tensor of element type `elementType` ("u8", "i32", ...).
  Tensor ints(llvm::StringRef elementType, llvm::ArrayRef<int64_t> shape,
              std::vector<int64_t> values) {
    Tensor tensor(type(elementType), shape);
    EXPECT_EQ(int64_t(values.size()), tensor.getNumElements());
    tensor.ints() = std::move(values);
    return tensor;
  }

  /// A float tensor; values are stored as given (they must be exact in the
  /// element type).
  Tensor floats(llvm::StringRef elementType, llvm::ArrayRef<int64_t> shape,
                std::vector<double> values) {
    Tensor tensor(type(elementType), shape);
    EXPECT_EQ(int64_t(values.size()), tensor.getNumElements());
    tensor.floats() = std::move(values);
    return tensor;
  }

  Context ctx;
  std::unique_ptr<Module> module;
};

/// A deterministic sequence of integers in [lo, hi] (a linear congruential
/// generator, so the test data never changes).
std::vector<int64_t> pseudoRandom(size_t count, int64_t lo, int64_t hi,
                                  uint32_t seed) {
  std::vector<int64_t> values(count);
  uint32_t state = seed;
  for (int64_t &value : values) {
    state = state * 1664525u + 1013904223u;
    value = lo + int64_t((state >> 8) % uint32_t(hi - lo + 1));
  }
  return values;
}

std::string join(const std::vector<int64_t> &values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : "") + std::to_string(values[i]);
  return text;
}

//===----------------------------------------------------------------------===//
// Requantize
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, RequantizeFloatRoundsHalfToEvenAndSaturates) {
  // x * 0.5: ties go to the even neighbour (-2.5 -> -2, -1.5 -> -2, -0.5 ->
  // 0, 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4); the rest saturates to i8.
  Tensor y = runOne(R"(
    func @main(%x: tensor<9xi32>) -> tensor<9xi8> {
      %y = nn.requantize(%x) {scale = 0.5 : f32, zp = 0} : (tensor<9xi32>) -> tensor<9xi8>
      return %y : tensor<9xi8>
    })",
                    ints("i32", {9}, {-5, -3, -1, 1, 3, 5, 7, 1000, -1000}));
  EXPECT_EQ(y.ints(), (std::vector<int64_t>{-2, -2, 0, 0, 2, 2, 4, 127, -128}));
}

TEST_F(InterpreterTest, RequantizeAddsZeroPointAfterRoundingThenClamps) {
  // (x - input_zp) * 0.25, rounded, + zp 100, clamped to [min, max] =
  // [90, 120]: x = 12 -> (10 * 0.25 = 2.5 -> 2) + 100 = 102;
  // x = 16 -> 3.5 -> 4 -> 104; x = -200 -> -50.5 -> -50 -> 50 -> 90;
  // x = 200 -> 49.5 -> 50 -> 150 -> 120; x = 2 -> 0 -> 100.
  Tensor y = runOne(R"(
    func @main(%x: tensor<5xi32>) -> tensor<5xu8> {
      %y = nn.requantize(%x) {input_zp = 2, max = 120, min = 90, scale = 0.25 : f32, zp = 100} : (tensor<5xi32>) -> tensor<5xu8>
      return %y : tensor<5xu8>
    })",
                    ints("i32", {5}, {12, 16, -200, 200, 2}));
  EXPECT_EQ(y.ints(), (std::vector<int64_t>{102, 104, 90, 120, 100}));
}

TEST_F(InterpreterTest, RequantizeMultipliesInF32) {
  // scale 0.1 is 0.100000001490116... in f32. The f32 product of 5 and it
  // rounds to exactly 0.5 (-> 0), while the double product 0.50000000745
  // would round to 1; likewise 25 -> 2.5 -> 2 and 45 -> 4.5 -> 4.
  Tensor y = runOne(R"(
    func @main(%x: tensor<3xi32>) -> tensor<3xi8> {
      %y = nn.requantize(%x) {scale = 0.1 : f32, zp = 0} : (tensor<3xi32>) -> tensor<3xi8>
      return %y : tensor<3xi8>
    })",
                    ints("i32", {3}, {5, 25, 45}));
  EXPECT_EQ(y.ints(), (std::vector<int64_t>{0, 2, 4}));
  // Cross-check the premise with the same arithmetic done here.
  EXPECT_EQ(5.0f * 0.1f, 0.5f);
  EXPECT_NE(5.0 * double(0.1f), 0.5);
}

TEST_F(InterpreterTest, RequantizeRoundsLargeAccumulatorsToF32First) {
  // float(acc) is the f32 nearest acc: above 2^24 = 16777216 the f32 spacing
  // is 2, above 2^25 it is 4 (ties to even). With scale 1 the result shows
  // the rounded accumulator: 2^24 + 1 -> 2^24 (tie, even), 2^24 + 3 ->
  // 2^24 + 4 (tie, even), 2^25 + 3 -> 2^25 + 4, 2^25 + 1 -> 2^25,
  // -(2^24 + 1) -> -2^24, and 2^24 - 1 is exact. input_zp is subtracted
  // exactly, in integers, before the conversion: (2^24 + 101) - 100 = 2^24 + 1
  // -> 2^24.
  Tensor y = runOne(
      R"(
    func @main(%x: tensor<6xi32>) -> tensor<6xi32> {
      %c = nn.requantize(%x) {input_zp = 0, scale = 1.0 : f32, zp = 0} : (tensor<6xi32>) -> tensor<6xi32>
      return %c : tensor<6xi32>
    })",
      ints("i32", {6},
           {16777217, 16777219, 33554435, 33554433, -16777217, 16777215}));
  EXPECT_EQ(y.ints(), (std::vector<int64_t>{16777216, 16777220, 33554436,
                                            33554432, -16777216, 16777215}));

  Tensor z = runOne(R"(
    func @main(%x: tensor<1xi32>) -> tensor<1xi32> {
      %c = nn.requantize(%x) {input_zp = 100, scale = 1.0 : f32, zp = 0} : (tensor<1xi32>) -> tensor<1xi32>
      return %c : tensor<1xi32>
    })",
                    ints("i32", {1}, {16777216 + 101}));
  EXPECT_EQ(z.ints(), (std::vector<int64_t>{16777216}));
}

/// round(x * multiplier / 2^(31 + shift)) with ties rounded up, computed as
/// floor((2 * x * multiplier + 2^(31 + shift)) / 2^(32 + shift)) with an
/// explicit floor division: a different route from the interpreter's shift.
int64_t fixedPointReference(int64_t x, int64_t multiplier, int64_t shift) {
  __int128 numerator =
      2 * __int128(x) * multiplier + (__int128(1) << (31 + shift));
  __int128 denominator = __int128(1) << (32 + shift);
  __int128 quotient = numerator / denominator;
  if (numerator % denominator != 0 && numerator < 0)
    --quotient; // C++ division truncates toward zero; we want floor.
  return int64_t(quotient);
}

TEST_F(InterpreterTest, RequantizeFixedPointMatchesReference) {
  const double scales[] = {0.0123, 0.5, 0.75, 1.0, 3.0, 1.0e-5, 0.046875};
  std::vector<int64_t> xs = pseudoRandom(200, -5000000, 5000000, 7);
  for (int64_t x : std::initializer_list<int64_t>{
           0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, 65535, -65536})
    xs.push_back(x);
  int64_t n = int64_t(xs.size());
  for (double scale : scales) {
    int64_t multiplier, shift;
    nn::RequantizeOp::getFixedPointMultiplier(scale, multiplier, shift);
    // The multiplier is a Q31 mantissa in [2^30, 2^31): scale is
    // multiplier * 2^-(31 + shift) to within half a unit of the mantissa.
    EXPECT_GE(multiplier, int64_t(1) << 30) << scale;
    EXPECT_LT(multiplier, int64_t(1) << 31) << scale;
    EXPECT_NEAR(double(multiplier) * std::ldexp(1.0, -int(31 + shift)), scale,
                std::ldexp(scale, -30))
        << scale;

    std::string text;
    llvm::raw_string_ostream os(text);
    os << "func @main(%x: tensor<" << n << "xi32>) -> tensor<" << n
       << "xi32> {\n  %y = nn.requantize(%x) {mode = \"fixed\", multiplier = "
       << multiplier << ", scale = " << scale << " : f32, shift = " << shift
       << ", zp = 3} : (tensor<" << n << "xi32>) -> tensor<" << n
       << "xi32>\n  return %y : tensor<" << n << "xi32>\n}\n";
    Tensor y = runOne(os.str(), ints("i32", {n}, xs));
    ASSERT_EQ(y.getNumElements(), n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t expected = fixedPointReference(xs[i], multiplier, shift) + 3;
      expected =
          std::min<int64_t>(std::max<int64_t>(expected, INT32_MIN), INT32_MAX);
      EXPECT_EQ(y.ints()[i], expected)
          << "x = " << xs[i] << ", scale = " << scale;
    }
  }
}

TEST_F(InterpreterTest, RequantizeFixedPointPerChannelAndClamp) {
  // Channel 0: multiplier 2^30, shift 1 is 0.25; channel 1: shift -1 is 1.0.
  // Ties round up in fixed mode: 10 * 0.25 = 2.5 -> 3, -10 * 0.25 = -2.5 ->
  // -2. Then + zp 1 and clamp to [-3, 50]: -7 * 1.0 + 1 = -6 -> -3,
  // -100 * 0.25 + 1 = -24 -> -3, 100 * 1.0 + 1 = 101 -> 50.
  Tensor y = runOne(R"(
    func @main(%x: tensor<3x2xi32>) -> tensor<3x2xi8> {
      %y = nn.requantize(%x) {axis = 1, max = 50, min = -3, mode = "fixed", multiplier = dense<1073741824> : tensor<2xi32>, scale = dense<[0.25, 1.0]> : tensor<2xf32>, shift = dense<[1, -1]> : tensor<2xi32>, zp = 1} : (tensor<3x2xi32>) -> tensor<3x2xi8>
      return %y : tensor<3x2xi8>
    })",
                    ints("i32", {3, 2}, {10, 7, -10, -7, -100, 100}));
  EXPECT_EQ(y.ints(), (std::vector<int64_t>{4, 8, -1, -3, -3, 50}));
}

//===----------------------------------------------------------------------===//
// Quantize and dequantize
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, QuantizePerAxis) {
  // Column c has scale [0.5, 0.25, 2.0][c] and zero point [0, 10, -3][c]:
  // row 0: 1.25 / 0.5 = 2.5 -> 2; 1.0 / 0.25 = 4 -> 14; -5 / 2 = -2.5 -> -2
  //        -> -5;
  // row 1: 100 / 0.5 = 200 -> 127; -40 / 0.25 = -160 -> -150 -> -128;
  //        300 / 2 = 150 -> 147 -> 127.
  Tensor q =
      runOne(R"(
    func @main(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
      %q = nn.quantize(%x) {axis = 1, scale = dense<[0.5, 0.25, 2.0]> : tensor<3xf32>, zp = dense<[0, 10, -3]> : tensor<3xi8>} : (tensor<2x3xf32>) -> tensor<2x3xi8>
      return %q : tensor<2x3xi8>
    })",
             floats("f32", {2, 3}, {1.25, 1.0, -5.0, 100.0, -40.0, 300.0}));
  EXPECT_EQ(q.ints(), (std::vector<int64_t>{2, 14, -5, 127, -128, 127}));
}

TEST_F(InterpreterTest, QuantizeNaNGivesZeroPoint) {
  Tensor q = runOne(R"(
    func @main(%x: tensor<3xf32>) -> tensor<3xu8> {
      %q = nn.quantize(%x) {scale = 0.5 : f32, zp = 7} : (tensor<3xf32>) -> tensor<3xu8>
      return %q : tensor<3xu8>
    })",
                    floats("f32", {3}, {NAN, INFINITY, -INFINITY}));
  EXPECT_EQ(q.ints(), (std::vector<int64_t>{7, 255, 0}));
}

TEST_F(InterpreterTest, DequantizePerAxis) {
  // Row r has scale [0.5, 0.25][r] and zero point [1, -1][r]; a negative
  // axis counts from the end (-2 is axis 0 here).
  const char *text = R"(
    func @main(%q: tensor<2x3xi8>) -> tensor<2x3xf32> {
      %x = nn.dequantize(%q) {axis = AXIS, scale = dense<[0.5, 0.25]> : tensor<2xf32>, zp = dense<[1, -1]> : tensor<2xi8>} : (tensor<2x3xi8>) -> tensor<2x3xf32>
      return %x : tensor<2x3xf32>
    })";
  for (const char *axis : {"0", "-2"}) {
    std::string source = text;
    source.replace(source.find("AXIS"), 4, axis);
    Tensor x = runOne(source, ints("i8", {2, 3}, {1, 3, -1, -1, 3, 7}));
    EXPECT_EQ(x.floats(), (std::vector<double>{0.0, 1.0, -1.0, 0.0, 1.0, 2.0}))
        << "axis " << axis;
  }
}

//===----------------------------------------------------------------------===//
// Integer accumulates
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, QConvMatchesNaiveLoop) {
  // Grouped convolution with everything that changes indexing: two groups,
  // strides, asymmetric padding, dilation, per-channel weight zero points,
  // a bias and a dynamic batch (run with N = 2).
  const int64_t N = 2, C = 4, H = 5, W = 6, M = 6, G = 2, KH = 3, KW = 3;
  const int64_t SH = 2, SW = 1, DH = 1, DW = 2;
  const int64_t PT = 1, PL = 0, PB = 2, PR = 1;
  const int64_t CG = C / G, MG = M / G;
  const int64_t OH = (H + PT + PB - (DH * (KH - 1) + 1)) / SH + 1;
  const int64_t OW = (W + PL + PR - (DW * (KW - 1) + 1)) / SW + 1;
  ASSERT_EQ(OH, 3);
  ASSERT_EQ(OW, 3);
  const int64_t xZp = 128;
  std::vector<int64_t> wZp = {0, 1, -1, 5, -128, 127};

  std::vector<int64_t> x = pseudoRandom(N * C * H * W, 0, 255, 1);
  std::vector<int64_t> w = pseudoRandom(M * CG * KH * KW, -128, 127, 2);
  std::vector<int64_t> bias = pseudoRandom(M, -100000, 100000, 3);

  std::string text = R"(
    func @main(%x: tensor<?x4x5x6xu8>, %w: tensor<6x2x3x3xi8>, %b: tensor<6xi32>) -> tensor<?x6x3x3xi32> {
      %y = nn.qconv(%x, %w, %b) {dilations = [1, 2], group = 2, pads = [1, 0, 2, 1], strides = [2, 1], w_zp = dense<[WZP]> : tensor<6xi8>, x_zp = 128} : (tensor<?x4x5x6xu8>, tensor<6x2x3x3xi8>, tensor<6xi32>) -> tensor<?x6x3x3xi32>
      return %y : tensor<?x6x3x3xi32>
    })";
  text.replace(text.find("WZP"), 3, join(wZp));
  parse(text);
  std::vector<Tensor> inputs;
  inputs.push_back(ints("u8", {N, C, H, W}, x));
  inputs.push_back(ints("i8", {M, CG, KH, KW}, w));
  inputs.push_back(ints("i32", {M}, bias));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 1u);
  const Tensor &y = results[0];
  ASSERT_EQ(y.getShape(), (llvm::ArrayRef<int64_t>{N, M, OH, OW}));

  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t g = m / MG;
          int64_t acc = bias[m];
          for (int64_t c = 0; c < CG; ++c)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                int64_t ih = oh * SH - PT + kh * DH;
                int64_t iw = ow * SW - PL + kw * DW;
                // Padding is x_zp, which contributes x_zp - x_zp = 0.
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                int64_t xv = x[((n * C + g * CG + c) * H + ih) * W + iw];
                int64_t wv = w[((m * CG + c) * KH + kh) * KW + kw];
                acc += (xv - xZp) * (wv - wZp[m]);
              }
          EXPECT_EQ(y.ints()[((n * M + m) * OH + oh) * OW + ow], acc)
              << "at n=" << n << " m=" << m << " oh=" << oh << " ow=" << ow;
        }
}

TEST_F(InterpreterTest, QMatMulPerColumnZeroPointMatchesNaiveLoop) {
  // A batched left operand against one matrix: every batch uses the same
  // [K, N] weight, whose column n has zero point bZp[n].
  const int64_t B = 2, M = 3, K = 4, N = 5;
  const int64_t aZp = 3;
  std::vector<int64_t> bZp = {0, 1, -1, 100, -128};
  std::vector<int64_t> a = pseudoRandom(B * M * K, 0, 255, 11);
  std::vector<int64_t> b = pseudoRandom(K * N, -128, 127, 12);
  std::vector<int64_t> bias = pseudoRandom(N, -1000, 1000, 13);

  std::string text = R"(
    func @main(%a: tensor<2x3x4xu8>, %b: tensor<4x5xi8>, %c: tensor<5xi32>) -> tensor<2x3x5xi32> {
      %y = nn.qmatmul(%a, %b, %c) {a_zp = 3, b_zp = dense<[BZP]> : tensor<5xi8>} : (tensor<2x3x4xu8>, tensor<4x5xi8>, tensor<5xi32>) -> tensor<2x3x5xi32>
      return %y : tensor<2x3x5xi32>
    })";
  text.replace(text.find("BZP"), 3, join(bZp));
  parse(text);
  std::vector<Tensor> inputs;
  inputs.push_back(ints("u8", {B, M, K}, a));
  inputs.push_back(ints("i8", {K, N}, b));
  inputs.push_back(ints("i32", {N}, bias));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 1u);
  for (int64_t p = 0; p < B; ++p)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        int64_t acc = bias[j];
        for (int64_t k = 0; k < K; ++k)
          acc += (a[(p * M + i) * K + k] - aZp) * (b[k * N + j] - bZp[j]);
        EXPECT_EQ(results[0].ints()[(p * M + i) * N + j], acc)
            << "at " << p << ", " << i << ", " << j;
      }
}

TEST_F(InterpreterTest, QMatMulBroadcastsBatchDimensions) {
  // a [2, 1, 1, 2] x b [3, 2, 1]: batch [2, 1] with [3] gives [2, 3]; output
  // [p, q] is a[p] times b[q].
  parse(R"(
    func @main(%a: tensor<2x1x1x2xi8>, %b: tensor<3x2x1xi8>) -> tensor<2x3x1x1xi32> {
      %y = nn.qmatmul(%a, %b) : (tensor<2x1x1x2xi8>, tensor<3x2x1xi8>) -> tensor<2x3x1x1xi32>
      return %y : tensor<2x3x1x1xi32>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("i8", {2, 1, 1, 2}, {1, 2, 3, 4}));
  inputs.push_back(ints("i8", {3, 2, 1}, {1, 0, 0, 1, 1, 1}));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 1u);
  // a[0] = [1, 2], a[1] = [3, 4]; b[q] = [1, 0], [0, 1], [1, 1] (columns).
  EXPECT_EQ(results[0].ints(), (std::vector<int64_t>{1, 2, 3, 3, 4, 7}));
}

//===----------------------------------------------------------------------===//
// Integer accumulates: randomized, in every number format
//===----------------------------------------------------------------------===//
//
// nn.qconv and nn.qmatmul multiply in f32, f64 or modulo 2^64 (Gemm.h),
// whichever the operands' bound allows. Each case below asserts which
// format its data selects and compares every output with a naive loop
// that accumulates modulo 2^64 and wraps to the i32 result.

using interp::ExactFormat;

/// 64-bit pseudo-random integers in [lo, hi] (splitmix64); lo = INT64_MIN
/// and hi = INT64_MAX give the full range.
std::vector<int64_t> pseudoRandom64(size_t count, int64_t lo, int64_t hi,
                                    uint64_t seed) {
  std::vector<int64_t> values(count);
  uint64_t state = seed, span = uint64_t(hi) - uint64_t(lo) + 1;
  for (int64_t &value : values) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    value = int64_t(uint64_t(lo) + (span == 0 ? z : z % span));
  }
  return values;
}

/// (x - x_zp) * (w - w_zp) modulo 2^64.
uint64_t wrappedProduct(int64_t x, int64_t xZp, int64_t w, int64_t wZp) {
  return (uint64_t(x) - uint64_t(xZp)) * (uint64_t(w) - uint64_t(wZp));
}

/// An accumulator wrapped to the i32 result type.
int64_t wrapToI32(uint64_t acc) { return int32_t(uint32_t(acc)); }

/// A shape as the prefix of a tensor type ("2x3x").
std::string dims(llvm::ArrayRef<int64_t> shape) {
  std::string text;
  for (int64_t dim : shape)
    text += std::to_string(dim) + "x";
  return text;
}

/// One zero point as an attribute value: an integer, or dense per channel.
std::string zpAttr(const std::vector<int64_t> &zps, const std::string &type) {
  if (zps.size() == 1)
    return std::to_string(zps[0]);
  return "dense<[" + join(zps) + "]> : tensor<" + std::to_string(zps.size()) +
         "x" + type + ">";
}

/// A quantized convolution with its data.
struct QConvCase {
  std::string xType, wType;
  int64_t n, c, h, w, m, kh, kw, group;
  int64_t strides[2], pads[4], dilations[2];
  int64_t xZp;
  std::vector<int64_t> wZp;              // one, or one per output channel
  std::vector<int64_t> x, weights, bias; // no bias operand if empty
};

/// A quantized matrix product with its data.
struct QMatMulCase {
  std::string aType, bType;
  std::vector<int64_t> aShape, bShape, yShape;
  int64_t aZp;
  std::vector<int64_t> bZp; // one, or one per column
  std::vector<int64_t> a, b, bias;
};

class InterpreterGemmTest : public InterpreterTest {
protected:
  /// The number format the interpreter's bound picks for `q`.
  static ExactFormat formatFor(const QConvCase &q) {
    uint64_t maxAbs = 0;
    for (int64_t v : q.x)
      maxAbs = std::max(maxAbs, interp::magnitude(interp::centered(v, q.xZp)));
    int64_t k = q.c / q.group * q.kh * q.kw;
    unsigned __int128 maxAbsSum = 0;
    for (int64_t oc = 0; oc < q.m; ++oc) {
      unsigned __int128 sum = 0;
      for (int64_t l = 0; l < k; ++l)
        sum += interp::magnitude(interp::centered(
            q.weights[oc * k + l], q.wZp[q.wZp.size() == 1 ? 0 : oc]));
      maxAbsSum = std::max(maxAbsSum, sum);
    }
    return interp::getExactFormat(maxAbs, maxAbsSum);
  }

  /// Runs `q` and compares it with naive loops.
  void checkQConv(const QConvCase &q) {
    const int64_t cg = q.c / q.group, mg = q.m / q.group;
    const int64_t oh =
        (q.h + q.pads[0] + q.pads[2] - (q.dilations[0] * (q.kh - 1) + 1)) /
            q.strides[0] +
        1;
    const int64_t ow =
        (q.w + q.pads[1] + q.pads[3] - (q.dilations[1] * (q.kw - 1) + 1)) /
            q.strides[1] +
        1;
    std::string xT = "tensor<" + dims({q.n, q.c, q.h, q.w}) + q.xType + ">";
    std::string wT = "tensor<" + dims({q.m, cg, q.kh, q.kw}) + q.wType + ">";
    std::string bT = "tensor<" + dims({q.m}) + "i32>";
    std::string yT = "tensor<" + dims({q.n, q.m, oh, ow}) + "i32>";
    bool hasBias = !q.bias.empty();
    std::string text = "func @main(%x: " + xT + ", %w: " + wT +
                       (hasBias ? ", %b: " + bT : "") + ") -> " + yT +
                       " {\n  %y = nn.qconv(%x, %w" + (hasBias ? ", %b" : "") +
                       ") {dilations = [" +
                       join({q.dilations[0], q.dilations[1]}) +
                       "], group = " + std::to_string(q.group) + ", pads = [" +
                       join({q.pads[0], q.pads[1], q.pads[2], q.pads[3]}) +
                       "], strides = [" + join({q.strides[0], q.strides[1]}) +
                       "], w_zp = " + zpAttr(q.wZp, q.wType) +
                       ", x_zp = " + std::to_string(q.xZp) + "} : (" + xT +
                       ", " + wT + (hasBias ? ", " + bT : "") + ") -> " + yT +
                       "\n  return %y : " + yT + "\n}";
    parse(text);
    std::vector<Tensor> inputs;
    inputs.push_back(ints(q.xType, {q.n, q.c, q.h, q.w}, q.x));
    inputs.push_back(ints(q.wType, {q.m, cg, q.kh, q.kw}, q.weights));
    if (hasBias)
      inputs.push_back(ints("i32", {q.m}, q.bias));
    std::vector<Tensor> results = run(std::move(inputs));
    ASSERT_EQ(results.size(), 1u);
    const Tensor &y = results[0];
    ASSERT_EQ(y.getShape(), (llvm::ArrayRef<int64_t>{q.n, q.m, oh, ow}));

    int64_t mismatches = 0;
    for (int64_t n = 0; n < q.n; ++n)
      for (int64_t m = 0; m < q.m; ++m)
        for (int64_t yy = 0; yy < oh; ++yy)
          for (int64_t xx = 0; xx < ow; ++xx) {
            int64_t g = m / mg, wZp = q.wZp[q.wZp.size() == 1 ? 0 : m];
            uint64_t acc = hasBias ? uint64_t(q.bias[m]) : 0;
            for (int64_t c = 0; c < cg; ++c)
              for (int64_t ky = 0; ky < q.kh; ++ky)
                for (int64_t kx = 0; kx < q.kw; ++kx) {
                  int64_t iy =
                      yy * q.strides[0] - q.pads[0] + ky * q.dilations[0];
                  int64_t ix =
                      xx * q.strides[1] - q.pads[1] + kx * q.dilations[1];
                  if (iy < 0 || iy >= q.h || ix < 0 || ix >= q.w)
                    continue;
                  acc += wrappedProduct(
                      q.x[((n * q.c + g * cg + c) * q.h + iy) * q.w + ix],
                      q.xZp, q.weights[((m * cg + c) * q.kh + ky) * q.kw + kx],
                      wZp);
                }
            int64_t got = y.ints()[((n * q.m + m) * oh + yy) * ow + xx];
            if (got != wrapToI32(acc) && mismatches++ < 5)
              ADD_FAILURE()
                  << "at n=" << n << " m=" << m << " y=" << yy << " x=" << xx
                  << ": got " << got << ", expected " << wrapToI32(acc);
          }
    EXPECT_EQ(mismatches, 0);
  }

  /// The number format the interpreter's bound picks for `q`.
  static ExactFormat formatFor(const QMatMulCase &q) {
    uint64_t maxAbs = 0;
    for (int64_t v : q.a)
      maxAbs = std::max(maxAbs, interp::magnitude(interp::centered(v, q.aZp)));
    int64_t k = q.bShape[q.bShape.size() - 2], n = q.bShape.back();
    unsigned __int128 maxAbsSum = 0;
    for (size_t p = 0; p < q.b.size() / (k * n); ++p)
      for (int64_t j = 0; j < n; ++j) {
        unsigned __int128 sum = 0;
        for (int64_t l = 0; l < k; ++l)
          sum += interp::magnitude(interp::centered(
              q.b[(p * k + l) * n + j], q.bZp[q.bZp.size() == 1 ? 0 : j]));
        maxAbsSum = std::max(maxAbsSum, sum);
      }
    return interp::getExactFormat(maxAbs, maxAbsSum);
  }

  /// Runs `q` and compares it with naive loops. The batch dimensions
  /// broadcast as numpy's: a [.., m, k] and b [.., k, n], with the result's
  /// batch shape given in `yShape`.
  void checkQMatMul(const QMatMulCase &q) {
    std::string aT = "tensor<" + dims(q.aShape) + q.aType + ">";
    std::string bT = "tensor<" + dims(q.bShape) + q.bType + ">";
    std::string cT = "tensor<" + dims({q.bShape.back()}) + "i32>";
    std::string yT = "tensor<" + dims(q.yShape) + "i32>";
    bool hasBias = !q.bias.empty();
    std::string text = "func @main(%a: " + aT + ", %b: " + bT +
                       (hasBias ? ", %c: " + cT : "") + ") -> " + yT +
                       " {\n  %y = nn.qmatmul(%a, %b" +
                       (hasBias ? ", %c" : "") +
                       ") {a_zp = " + std::to_string(q.aZp) +
                       ", b_zp = " + zpAttr(q.bZp, q.bType) + "} : (" + aT +
                       ", " + bT + (hasBias ? ", " + cT : "") + ") -> " + yT +
                       "\n  return %y : " + yT + "\n}";
    parse(text);
    std::vector<Tensor> inputs;
    inputs.push_back(ints(q.aType, q.aShape, q.a));
    inputs.push_back(ints(q.bType, q.bShape, q.b));
    if (hasBias)
      inputs.push_back(ints("i32", {q.bShape.back()}, q.bias));
    std::vector<Tensor> results = run(std::move(inputs));
    ASSERT_EQ(results.size(), 1u);
    const Tensor &y = results[0];
    ASSERT_EQ(y.getShape(), llvm::ArrayRef<int64_t>(q.yShape));

    // Row-major batch index of the result, and the operands' indices under
    // broadcasting (operands right-aligned against the result's batch).
    size_t rank = q.yShape.size();
    int64_t m = q.yShape[rank - 2], n = q.yShape[rank - 1];
    int64_t k = q.aShape.back();
    auto batchIndex = [&](const std::vector<int64_t> &shape,
                          const std::vector<int64_t> &yIndex) {
      int64_t index = 0;
      size_t offset = rank - shape.size();
      for (size_t d = 0; d + 2 < shape.size(); ++d)
        index = index * shape[d] + (shape[d] == 1 ? 0 : yIndex[d + offset]);
      return index;
    };
    int64_t batches =
        interp::getNumElements(llvm::ArrayRef<int64_t>(q.yShape).drop_back(2));
    int64_t mismatches = 0;
    std::vector<int64_t> yIndex(rank - 2, 0);
    for (int64_t p = 0; p < batches; ++p) {
      int64_t pa = batchIndex(q.aShape, yIndex),
              pb = batchIndex(q.bShape, yIndex);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          uint64_t acc = hasBias ? uint64_t(q.bias[j]) : 0;
          for (int64_t l = 0; l < k; ++l)
            acc += wrappedProduct(q.a[(pa * m + i) * k + l], q.aZp,
                                  q.b[(pb * k + l) * n + j],
                                  q.bZp[q.bZp.size() == 1 ? 0 : j]);
          int64_t got = y.ints()[(p * m + i) * n + j];
          if (got != wrapToI32(acc) && mismatches++ < 5)
            ADD_FAILURE() << "at batch " << p << ", " << i << ", " << j
                          << ": got " << got << ", expected " << wrapToI32(acc);
        }
      for (size_t d = rank - 2; d-- > 0;) {
        if (++yIndex[d] < q.yShape[d])
          break;
        yIndex[d] = 0;
      }
    }
    EXPECT_EQ(mismatches, 0);
  }
};

TEST_F(InterpreterGemmTest, ExactFormatBounds) {
  const uint64_t f32Limit = uint64_t(1) << 24, f64Limit = uint64_t(1) << 53;
  EXPECT_EQ(interp::getExactFormat(0, 0), ExactFormat::F32);
  // A zero side makes every product 0, however large the other side.
  EXPECT_EQ(interp::getExactFormat(0, ~(unsigned __int128)0), ExactFormat::F32);
  EXPECT_EQ(interp::getExactFormat(UINT64_MAX, 0), ExactFormat::F32);
  EXPECT_EQ(interp::getExactFormat(1, f32Limit - 1), ExactFormat::F32);
  EXPECT_EQ(interp::getExactFormat(1, f32Limit), ExactFormat::F64);
  EXPECT_EQ(interp::getExactFormat(255, 65793), ExactFormat::F32); // 2^24 - 1
  EXPECT_EQ(interp::getExactFormat(256, 65536), ExactFormat::F64); // 2^24
  EXPECT_EQ(interp::getExactFormat(f64Limit - 1, 1), ExactFormat::F64);
  EXPECT_EQ(interp::getExactFormat(f64Limit, 1), ExactFormat::U64);
  EXPECT_EQ(interp::getExactFormat(1, f64Limit), ExactFormat::U64);
  EXPECT_EQ(interp::getExactFormat(uint64_t(1) << 26, (uint64_t(1) << 27) - 1),
            ExactFormat::F64);
  EXPECT_EQ(interp::getExactFormat(uint64_t(1) << 26, uint64_t(1) << 27),
            ExactFormat::U64);
  // No overflow in the bound itself.
  EXPECT_EQ(interp::getExactFormat(UINT64_MAX, ~(unsigned __int128)0),
            ExactFormat::U64);
  EXPECT_EQ(
      interp::getExactFormat((uint64_t(1) << 52) + 1, (uint64_t(1) << 52) + 1),
      ExactFormat::U64);
}

TEST_F(InterpreterGemmTest, GemmMatchesNaiveLoopInEveryFormat) {
  // Sizes past Eigen's small-product threshold, so its blocked kernels run.
  const int64_t M = 13, K = 70, N = 37;
  auto check = [&](auto zero, int64_t lo, int64_t hi) {
    using T = decltype(zero);
    std::vector<int64_t> a = pseudoRandom64(M * K, lo, hi, 1);
    std::vector<int64_t> b = pseudoRandom64(K * N, lo, hi, 2);
    std::vector<T> aT(a.size()), bT(b.size()), c(M * N);
    for (size_t i = 0; i < a.size(); ++i)
      aT[i] = interp::toExact<T>(a[i]);
    for (size_t i = 0; i < b.size(); ++i)
      bT[i] = interp::toExact<T>(b[i]);
    interp::gemm(M, K, N, aT.data(), bT.data(), c.data());
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        uint64_t acc = 0;
        for (int64_t l = 0; l < K; ++l)
          acc += uint64_t(a[i * K + l]) * uint64_t(b[l * N + j]);
        EXPECT_EQ(interp::fromExact(c[i * N + j]), int64_t(acc))
            << "at " << i << ", " << j;
      }
  };
  check(float(0), -480, 480);               // 70 * 480^2 < 2^24
  check(double(0), -(1 << 22), 1 << 22);    // 70 * 2^44 < 2^53
  check(uint64_t(0), INT64_MIN, INT64_MAX); // wraps
}

TEST_F(InterpreterGemmTest, QConvF32GroupedDilatedAsymmetric) {
  // Two groups, strides, dilations and asymmetric pads, per-channel weight
  // zero points including the extremes, a bias and a batch of 2; large
  // enough for Eigen's blocked product.
  QConvCase q{"u8",   "i8",         2,      16,  9,  11, 12, 3, 3, 2,
              {1, 2}, {2, 0, 1, 3}, {2, 1}, 128, {}, {}, {}, {}};
  q.wZp = {0, 1, -1, 5, -128, 127, 3, -7, 64, -64, 100, -100};
  q.x = pseudoRandom(q.n * q.c * q.h * q.w, 0, 255, 21);
  q.weights = pseudoRandom(q.m * (q.c / q.group) * q.kh * q.kw, -128, 127, 22);
  q.bias = pseudoRandom(q.m, -100000, 100000, 23);
  ASSERT_EQ(formatFor(q), ExactFormat::F32);
  checkQConv(q);
}

TEST_F(InterpreterGemmTest, QConvF32DepthwiseStridedNoBias) {
  QConvCase q{"i8",   "i8",         1,      8,  10,  7,  8,  3, 3, 8,
              {2, 2}, {1, 1, 0, 2}, {2, 1}, -3, {5}, {}, {}, {}};
  q.x = pseudoRandom(q.n * q.c * q.h * q.w, -128, 127, 31);
  q.weights = pseudoRandom(q.m * q.kh * q.kw, -128, 127, 32);
  ASSERT_EQ(formatFor(q), ExactFormat::F32);
  checkQConv(q);
}

TEST_F(InterpreterGemmTest, QConvF64WideInputs) {
  // i32 inputs up to 2^20 against i8 weights: the bound passes 2^24 but
  // not 2^53, and the sums pass 2^31, so the i32 result wraps.
  QConvCase q{"i32",  "i8",         2,      6,     7,  8,  4,  3, 3, 1,
              {1, 1}, {1, 2, 0, 1}, {1, 2}, 12345, {}, {}, {}, {}};
  q.wZp = {-128, 0, 7, 127};
  q.x = pseudoRandom64(q.n * q.c * q.h * q.w, -(1 << 20), 1 << 20, 41);
  q.weights = pseudoRandom(q.m * q.c * q.kh * q.kw, -128, 127, 42);
  q.bias = pseudoRandom64(q.m, INT32_MIN, INT32_MAX, 43);
  ASSERT_EQ(formatFor(q), ExactFormat::F64);
  checkQConv(q);
}

TEST_F(InterpreterGemmTest, QConvU64WrapsModulo2To64) {
  // Full-range i64 inputs, weights and zero points: every difference,
  // product and sum overflows, and only the low 32 bits survive.
  QConvCase q{"i64",  "i64",        1,      4, 6,  5,  6,  2, 3, 2,
              {2, 1}, {0, 1, 1, 0}, {1, 1}, 0, {}, {}, {}, {}};
  q.xZp = 4611686018427387904; // 2^62
  q.wZp = pseudoRandom64(q.m, INT64_MIN + 1, INT64_MAX, 51);
  q.x = pseudoRandom64(q.n * q.c * q.h * q.w, INT64_MIN, INT64_MAX, 52);
  q.weights = pseudoRandom64(q.m * (q.c / q.group) * q.kh * q.kw, INT64_MIN,
                             INT64_MAX, 53);
  q.bias = pseudoRandom64(q.m, INT32_MIN, INT32_MAX, 54);
  ASSERT_EQ(formatFor(q), ExactFormat::U64);
  checkQConv(q);
}

TEST_F(InterpreterGemmTest, QMatMulAtTheF32Limit) {
  // Every term is 255 * -255 = -65025: with K = 258 the sum -16776450 is
  // just within 2^24 and exact in f32; with K = 259 it is odd and past
  // 2^24, where f32 would round, so f64 must be chosen.
  for (int64_t k : {258, 259}) {
    QMatMulCase q{"u8", "i8", {2, k}, {k, 3}, {2, 3}, 0, {127}, {}, {}, {}};
    q.a.assign(2 * k, 255);
    q.b.assign(k * 3, -128);
    q.bias = {1, -1, 0};
    ASSERT_EQ(formatFor(q), k == 258 ? ExactFormat::F32 : ExactFormat::F64);
    checkQMatMul(q);
  }
}

TEST_F(InterpreterGemmTest, QMatMulPastTheF64Limit) {
  // (2^31 - 1) * (2^22 + 1) is odd and past 2^53: f64 would round it.
  QMatMulCase q{"i32", "i32", {1, 1}, {1, 1}, {1, 1}, 0, {0}, {}, {}, {}};
  q.a = {INT32_MAX};
  q.b = {(1 << 22) + 1};
  ASSERT_EQ(formatFor(q), ExactFormat::U64);
  checkQMatMul(q);
}

TEST_F(InterpreterGemmTest, QMatMulRandomizedInEveryFormat) {
  // Broadcast batches ([2, 1] with [3]) and per-column zero points.
  struct Range {
    const char *aType, *bType;
    int64_t aLo, aHi, bLo, bHi, aZp, bZpLo, bZpHi;
    ExactFormat format;
  };
  const Range ranges[] = {
      {"u8", "i8", 0, 255, -128, 127, 3, -128, 127, ExactFormat::F32},
      {"i16", "i16", -32768, 32767, -32768, 32767, -5, -9, 9, ExactFormat::F64},
      {"i64", "i32", INT64_MIN, INT64_MAX, INT32_MIN, INT32_MAX,
       -4611686018427387904, INT32_MIN, INT32_MAX, ExactFormat::U64}};
  uint64_t seed = 60;
  for (const Range &r : ranges) {
    const int64_t M = 5, K = 23, N = 7;
    QMatMulCase q{r.aType, r.bType, {2, 1, M, K}, {3, K, N}, {2, 3, M, N},
                  r.aZp,   {},      {},           {},        {}};
    q.bZp = pseudoRandom64(N, r.bZpLo, r.bZpHi, ++seed);
    q.a = pseudoRandom64(2 * M * K, r.aLo, r.aHi, ++seed);
    q.b = pseudoRandom64(3 * K * N, r.bLo, r.bHi, ++seed);
    q.bias = pseudoRandom64(N, INT32_MIN, INT32_MAX, ++seed);
    SCOPED_TRACE(r.aType);
    ASSERT_EQ(formatFor(q), r.format);
    checkQMatMul(q);
  }
}

TEST_F(InterpreterTest, QAddRoundsInF32AndSaturates) {
  // 0.5 * (a - 10) + 0.25 * b, rounded half to even, + zp 5, into u8:
  //   a = 10, b = 2:   0.5        -> 0   -> 5
  //   a = 11, b = 2:   1.0        -> 1   -> 6
  //   a = 13, b = 0:   1.5        -> 2   -> 7
  //   a = 200, b = 127: 95 + 31.75 -> 127 -> 132
  //   a = 0, b = -128: -5 - 32    -> -37 -> -32 -> 0
  //   a = 255, b = 127: 122.5 + 31.75 = 154.25 -> 154 -> 159
  parse(R"(
    func @main(%a: tensor<6xu8>, %b: tensor<6xi8>) -> tensor<6xu8> {
      %y = nn.qadd(%a, %b) {lhs_scale = 0.5 : f32, lhs_zp = 10, rhs_scale = 0.25 : f32, rhs_zp = 0, zp = 5} : (tensor<6xu8>, tensor<6xi8>) -> tensor<6xu8>
      return %y : tensor<6xu8>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("u8", {6}, {10, 11, 13, 200, 0, 255}));
  inputs.push_back(ints("i8", {6}, {2, 2, 0, 127, -128, 127}));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].ints(), (std::vector<int64_t>{5, 6, 7, 132, 0, 159}));
}

TEST_F(InterpreterTest, QAddBroadcastsAndClampsHigh) {
  // b [1] broadcasts over a [3]: 2 * a + 4 * (b - 1) + 200 with b = 11:
  // a = [0, 10, 20] -> [240, 260 -> 255, 280 -> 255].
  parse(R"(
    func @main(%a: tensor<3xu8>, %b: tensor<1xu8>) -> tensor<3xu8> {
      %y = nn.qadd(%a, %b) {lhs_scale = 2.0 : f32, rhs_scale = 4.0 : f32, rhs_zp = 1, zp = 200} : (tensor<3xu8>, tensor<1xu8>) -> tensor<3xu8>
      return %y : tensor<3xu8>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("u8", {3}, {0, 10, 20}));
  inputs.push_back(ints("u8", {1}, {11}));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].ints(), (std::vector<int64_t>{240, 255, 255}));
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, ReshapeCopiesAndInfersDimensions) {
  // [0, -1] on a dynamic [?, 3, 4] input run with [2, 3, 4]: 0 copies the
  // batch (2), -1 takes the rest (12). Elements keep their order.
  std::vector<int64_t> values = pseudoRandom(24, -128, 127, 5);
  Tensor y = runOne(R"(
    func @main(%x: tensor<?x3x4xi8>) -> tensor<?x12xi8> {
      %y = nn.reshape(%x) {shape = [0, -1]} : (tensor<?x3x4xi8>) -> tensor<?x12xi8>
      return %y : tensor<?x12xi8>
    })",
                    ints("i8", {2, 3, 4}, values));
  EXPECT_EQ(y.getShape(), (llvm::ArrayRef<int64_t>{2, 12}));
  EXPECT_EQ(y.ints(), values);

  Tensor z = runOne(R"(
    func @main(%x: tensor<2x3x4xi8>) -> tensor<4x1x6xi8> {
      %y = nn.reshape(%x) {shape = [4, 1, -1]} : (tensor<2x3x4xi8>) -> tensor<4x1x6xi8>
      return %y : tensor<4x1x6xi8>
    })",
                    ints("i8", {2, 3, 4}, values));
  EXPECT_EQ(z.getShape(), (llvm::ArrayRef<int64_t>{4, 1, 6}));
  EXPECT_EQ(z.ints(), values);
}

TEST_F(InterpreterTest, ConcatAlongInnerAndNegativeAxes) {
  // [[1], [2]] ++ [[3, 4], [5, 6]] along axis 1 (spelled -1).
  parse(R"(
    func @main(%a: tensor<2x1xi8>, %b: tensor<2x2xi8>) -> (tensor<2x3xi8>, tensor<4x1xi8>) {
      %y = nn.concat(%a, %b) {axis = -1} : (tensor<2x1xi8>, tensor<2x2xi8>) -> tensor<2x3xi8>
      %z = nn.concat(%a, %a) {axis = 0} : (tensor<2x1xi8>, tensor<2x1xi8>) -> tensor<4x1xi8>
      return %y, %z : tensor<2x3xi8>, tensor<4x1xi8>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("i8", {2, 1}, {1, 2}));
  inputs.push_back(ints("i8", {2, 2}, {3, 4, 5, 6}));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].ints(), (std::vector<int64_t>{1, 3, 4, 2, 5, 6}));
  EXPECT_EQ(results[1].ints(), (std::vector<int64_t>{1, 2, 1, 2}));
}

TEST_F(InterpreterTest, TransposeMatchesNaiveLoop) {
  // perm [2, 0, 1]: out[k, i, j] = in[i, j, k]; no perm reverses the
  // dimensions: out[k, j, i] = in[i, j, k].
  const int64_t I = 2, J = 3, K = 4;
  std::vector<int64_t> values = pseudoRandom(I * J * K, -1000, 1000, 9);
  parse(R"(
    func @main(%x: tensor<2x3x4xi16>) -> (tensor<4x2x3xi16>, tensor<4x3x2xi16>) {
      %y = nn.transpose(%x) {perm = [2, 0, 1]} : (tensor<2x3x4xi16>) -> tensor<4x2x3xi16>
      %z = nn.transpose(%x) : (tensor<2x3x4xi16>) -> tensor<4x3x2xi16>
      return %y, %z : tensor<4x2x3xi16>, tensor<4x3x2xi16>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("i16", {I, J, K}, values));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 2u);
  for (int64_t i = 0; i < I; ++i)
    for (int64_t j = 0; j < J; ++j)
      for (int64_t k = 0; k < K; ++k) {
        int64_t in = values[(i * J + j) * K + k];
        EXPECT_EQ(results[0].ints()[(k * I + i) * J + j], in);
        EXPECT_EQ(results[1].ints()[(k * J + j) * I + i], in);
      }
}

TEST_F(InterpreterTest, PadModes) {
  // [[1, 2, 3], [4, 5, 6]] padded by 1 before and 2 after along columns.
  parse(R"(
    func @main(%x: tensor<2x3xi8>) -> (tensor<2x6xi8>, tensor<2x6xi8>, tensor<2x6xi8>, tensor<2x6xi8>, tensor<4x3xi8>) {
      %c = nn.pad(%x) {pads = [0, 1, 0, 2], value = -9} : (tensor<2x3xi8>) -> tensor<2x6xi8>
      %d = nn.pad(%x) {pads = [0, 1, 0, 2]} : (tensor<2x3xi8>) -> tensor<2x6xi8>
      %r = nn.pad(%x) {mode = "reflect", pads = [0, 1, 0, 2]} : (tensor<2x3xi8>) -> tensor<2x6xi8>
      %e = nn.pad(%x) {mode = "edge", pads = [0, 1, 0, 2]} : (tensor<2x3xi8>) -> tensor<2x6xi8>
      %rows = nn.pad(%x) {mode = "reflect", pads = [1, 0, 1, 0]} : (tensor<2x3xi8>) -> tensor<4x3xi8>
      return %c, %d, %r, %e, %rows : tensor<2x6xi8>, tensor<2x6xi8>, tensor<2x6xi8>, tensor<2x6xi8>, tensor<4x3xi8>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("i8", {2, 3}, {1, 2, 3, 4, 5, 6}));
  std::vector<Tensor> results = run(std::move(inputs));
  ASSERT_EQ(results.size(), 5u);
  // constant with a value, and with the default value 0
  EXPECT_EQ(results[0].ints(),
            (std::vector<int64_t>{-9, 1, 2, 3, -9, -9, -9, 4, 5, 6, -9, -9}));
  EXPECT_EQ(results[1].ints(),
            (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0}));
  // reflect mirrors without repeating the edge: index -1 -> 1, 3 -> 1, 4 -> 0
  EXPECT_EQ(results[2].ints(),
            (std::vector<int64_t>{2, 1, 2, 3, 2, 1, 5, 4, 5, 6, 5, 4}));
  // edge repeats the border element
  EXPECT_EQ(results[3].ints(),
            (std::vector<int64_t>{1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6}));
  EXPECT_EQ(results[4].ints(),
            (std::vector<int64_t>{4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3}));
}

TEST_F(InterpreterTest, PadFloatValue) {
  Tensor y = runOne(R"(
    func @main(%x: tensor<2xf32>) -> tensor<4xf32> {
      %y = nn.pad(%x) {pads = [1, 1], value = -1.5 : f32} : (tensor<2xf32>) -> tensor<4xf32>
      return %y : tensor<4xf32>
    })",
                    floats("f32", {2}, {0.25, 8.0}));
  EXPECT_EQ(y.floats(), (std::vector<double>{-1.5, 0.25, 8.0, -1.5}));
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, InputOfWrongShapeIsAnError) {
  parse(R"(
    func @main(%x: tensor<2x3xi8>) -> tensor<2x3xi8> {
      return %x : tensor<2x3xi8>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("i8", {3, 2}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(runError(std::move(inputs)),
            "input #0 must be tensor<2x3xi8>, got tensor<3x2xi8>");

  std::vector<Tensor> wrongRank;
  wrongRank.push_back(ints("i8", {6}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(runError(std::move(wrongRank)),
            "input #0 must be tensor<2x3xi8>, got tensor<6xi8>");
}

TEST_F(InterpreterTest, InputOfWrongElementTypeIsAnError) {
  parse(R"(
    func @main(%a: tensor<?x3xi8>, %b: tensor<2xf32>) -> tensor<?x3xi8> {
      return %a : tensor<?x3xi8>
    })");
  // The dynamic dimension accepts any size, but not another element type.
  std::vector<Tensor> inputs;
  inputs.push_back(ints("i8", {4, 3}, std::vector<int64_t>(12, 0)));
  inputs.push_back(floats("f64", {2}, {1.0, 2.0}));
  EXPECT_EQ(runError(std::move(inputs)),
            "input #1 must be tensor<2xf32>, got tensor<2xf64>");

  std::vector<Tensor> unsignedInput;
  unsignedInput.push_back(ints("u8", {4, 3}, std::vector<int64_t>(12, 0)));
  unsignedInput.push_back(floats("f32", {2}, {1.0, 2.0}));
  EXPECT_EQ(runError(std::move(unsignedInput)),
            "input #0 must be tensor<?x3xi8>, got tensor<4x3xu8>");
}

TEST_F(InterpreterTest, WrongNumberOfInputsIsAnError) {
  parse(R"(
    func @main(%x: tensor<2xi8>) -> tensor<2xi8> {
      return %x : tensor<2xi8>
    })");
  std::vector<Tensor> inputs;
  inputs.push_back(ints("i8", {2}, {1, 2}));
  inputs.push_back(ints("i8", {2}, {1, 2}));
  EXPECT_EQ(runError(std::move(inputs)),
            "function '@main' takes 1 inputs, got 2");
}

} // namespace
