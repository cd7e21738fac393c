//===- PropertyTest.cpp - Crossbar numerics against DESIGN.md section 5 ---===//
//
// Seeded property tests of the crossbar level over thousands of random
// small layers, one nn.qmatmul each (unsigned input codes of 1 to 8 bits,
// constant signed weights, zero points 0), for every weight encoding:
// differential with digital and with analog sensing, offset, binary and
// ternary. Each layer is lowered with
//
//   nn-to-xb,xb-tile{rows cols},xb-encode{encoding sensing},
//   xb-bitslice{cell-bits dac-bits},xb-wordline-groups{max-active-rows},
//   xb-adc-assign{...}
//
// and executed with interp::run.
//
// 1. Lossless ADCs: the xb result equals the nn interpreter's exact integer
//    accumulate on the unlowered IR, element for element (the main
//    correctness invariant of DESIGN.md section 5), with ADC ranges from
//    the configuration (checked to be step 1, lo = Pmin and
//    ceil(log2(Pmax - Pmin + 1)) bits) and from the programmed weights
//    (range=data).
// 2. A fixed narrow ADC (1 to 4 bits, so the read is lossy): the xb result
//    equals an independent implementation, written here from the design
//    text and not calling ohm, of
//      acc = sum_t 2^(d t) sum_s 2^(c s) sum_groups (P^+ - P^-)
//    with d-bit input digits, encoding sets, c-bit weight slices,
//    word-line groups of at most A rows, the ADC rule
//      q = clamp(floor((P - lo) / step + 1/2), 0, 2^b - 1), P^ = lo + q step
//    and the encoding's corrections, tile by tile (row tiles accumulate,
//    column tiles concatenate). Only the ADC's bits, step and offset are
//    read from the IR (the mvm attributes the pass chose); the tiling is
//    recomputed here and checked against the IR's structure.
//
// Plus boundary cases of AdcConfig::convert (ties, clamping at both ends,
// negative offsets) and a brute-force nearest-level check of it.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Diagnostics.h"
#include "ohm/IR/Function.h"
#include "ohm/IR/Module.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Parser/Parser.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pass/PassRegistry.h"
#include "ohm/Pipelines/InitAll.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace ohm;
using interp::Tensor;

namespace {

//===----------------------------------------------------------------------===//
// AdcConfig::convert
//===----------------------------------------------------------------------===//

xb::AdcConfig adc(int64_t bits, int64_t step, int64_t offset) {
  xb::AdcConfig config;
  config.bits = bits;
  config.step = step;
  config.offset = offset;
  return config;
}

TEST(AdcConvertTest, IdealIsIdentity) {
  xb::AdcConfig ideal;
  EXPECT_TRUE(ideal.isIdeal());
  for (int64_t p : {int64_t(0), int64_t(-1), int64_t(12345),
                    std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()})
    EXPECT_EQ(ideal.convert(p), p);
}

TEST(AdcConvertTest, StepOneIsExactInsideTheRange) {
  // 3 bits from lo = -3: levels -3 .. 4.
  xb::AdcConfig a = adc(3, 1, -3);
  for (int64_t p = -3; p <= 4; ++p)
    EXPECT_EQ(a.convert(p), p);
  EXPECT_EQ(a.convert(-4), -3); // clamped low
  EXPECT_EQ(a.convert(5), 4);   // clamped high
}

TEST(AdcConvertTest, TiesRoundUp) {
  // floor(x + 1/2): a partial sum exactly between two levels takes the
  // upper one. Step 2 from 0: levels 0, 2, 4, ..., 30.
  xb::AdcConfig a = adc(4, 2, 0);
  EXPECT_EQ(a.convert(1), 2);
  EXPECT_EQ(a.convert(3), 4);
  EXPECT_EQ(a.convert(29), 30);
  // Step 4 from -10 (2 bits): levels -10, -6, -2, 2. 0 is between -2 and
  // 2, -8 between -10 and -6, -4 between -6 and -2.
  xb::AdcConfig b = adc(2, 4, -10);
  EXPECT_EQ(b.convert(0), 2);
  EXPECT_EQ(b.convert(-8), -6);
  EXPECT_EQ(b.convert(-4), -2);
  // Just below a tie goes down, just above goes up.
  EXPECT_EQ(b.convert(-1), -2);
  EXPECT_EQ(b.convert(-5), -6);
  EXPECT_EQ(b.convert(-3), -2);
}

TEST(AdcConvertTest, ClampsLowAndHigh) {
  // Step 4 from -10, 2 bits: P^ in {-10, -6, -2, 2}.
  xb::AdcConfig a = adc(2, 4, -10);
  EXPECT_EQ(a.convert(-12), -10); // floor(-2/4 + 1/2) = 0
  EXPECT_EQ(a.convert(-13), -10); // q = -1, clamped to 0
  EXPECT_EQ(a.convert(-1000), -10);
  EXPECT_EQ(a.convert(2), 2);
  EXPECT_EQ(a.convert(3), 2);
  EXPECT_EQ(a.convert(4), 2); // q = 4 (a tie above the top level), clamped to 3
  EXPECT_EQ(a.convert(1000), 2);
  // 1 bit: only lo and lo + step.
  xb::AdcConfig one = adc(1, 8, 5);
  EXPECT_EQ(one.convert(-100), 5);
  EXPECT_EQ(one.convert(8), 5);  // (8 - 5) / 8 + 1/2 = 0.875
  EXPECT_EQ(one.convert(9), 13); // tie
  EXPECT_EQ(one.convert(100), 13);
}

TEST(AdcConvertTest, NegativeOffsets) {
  // A symmetric range for analog differential sensing: lo = -7, step 1,
  // 4 bits: -7 .. 8.
  xb::AdcConfig a = adc(4, 1, -7);
  EXPECT_EQ(a.convert(-7), -7);
  EXPECT_EQ(a.convert(-8), -7);
  EXPECT_EQ(a.convert(0), 0);
  EXPECT_EQ(a.convert(8), 8);
  EXPECT_EQ(a.convert(9), 8);
  // Step 2 from -7: levels -7, -5, ..., 23; -6 is a tie (-> -5), 0 a tie
  // (-> 1), -8 is half a step below lo (q = 0).
  xb::AdcConfig b = adc(4, 2, -7);
  EXPECT_EQ(b.convert(-6), -5);
  EXPECT_EQ(b.convert(0), 1);
  EXPECT_EQ(b.convert(-8), -7);
  EXPECT_EQ(b.convert(-9), -7);
  EXPECT_EQ(b.convert(23), 23);
  EXPECT_EQ(b.convert(24), 25 - 2); // q = 16 clamped to 15
}

TEST(AdcConvertTest, ExtremeValuesDoNotOverflow) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  xb::AdcConfig wide = adc(32, 1, 0);
  EXPECT_EQ(wide.convert(max), (int64_t(1) << 32) - 1);
  EXPECT_EQ(wide.convert(min), 0);
  EXPECT_EQ(wide.convert((int64_t(1) << 32) - 1), (int64_t(1) << 32) - 1);
  xb::AdcConfig shifted = adc(8, int64_t(1) << 20, -(int64_t(1) << 40));
  EXPECT_EQ(shifted.convert(min), -(int64_t(1) << 40));
  EXPECT_EQ(shifted.convert(max),
            -(int64_t(1) << 40) + 255 * (int64_t(1) << 20));
}

TEST(AdcConvertTest, IsTheNearestLevelWithTiesUp) {
  // Independent definition: the level lo + q step (0 <= q < 2^b) nearest
  // to p, the upper one on a tie. Exhaustive over small configurations.
  int64_t checked = 0;
  for (int64_t bits = 1; bits <= 4; ++bits)
    for (int64_t step = 1; step <= 8; step *= 2)
      for (int64_t lo = -20; lo <= 5; lo += 5)
        for (int64_t p = lo - 3 * step - 2; p <= lo + (step << bits) + 3; ++p) {
          int64_t best = lo;
          for (int64_t q = 0; q < (int64_t(1) << bits); ++q) {
            int64_t level = lo + q * step;
            if (std::llabs(p - level) <= std::llabs(p - best))
              best = level;
          }
          EXPECT_EQ(adc(bits, step, lo).convert(p), best)
              << "bits " << bits << " step " << step << " lo " << lo << " p "
              << p;
          ++checked;
        }
  EXPECT_GT(checked, 1000);
}

//===----------------------------------------------------------------------===//
// Random layers
//===----------------------------------------------------------------------===//

struct EncodingCase {
  const char *label;
  const char *encoding;
  const char *sensing;
};

const EncodingCase kEncodings[] = {
    {"differential/digital", "differential", "digital"},
    {"differential/analog", "differential", "analog"},
    {"offset", "offset", "digital"},
    {"binary", "binary", "digital"},
    {"ternary", "ternary", "digital"},
};

/// One random layer: y[P, N] = x[P, K] * w[K, N] and how to map it.
struct Layer {
  int64_t k, n, p;
  int64_t inputBits;
  bool inputAsRange; // u8 argument with x_range instead of a uBx argument
  int64_t weightTypeBits;
  std::vector<int64_t> w; // [K, N]
  std::vector<int64_t> x; // [P, K]
  int64_t rows, cols;     // tile size
  int64_t cellBits, dacBits, maxActive;
};

int64_t uniform(std::mt19937 &rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}
bool chance(std::mt19937 &rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

Layer randomLayer(std::mt19937 &rng, llvm::StringRef encoding) {
  Layer l;
  l.k = uniform(rng, 1, 40);
  l.n = uniform(rng, 1, 12);
  l.p = uniform(rng, 1, 6);
  l.inputBits = uniform(rng, 1, 8);
  l.inputAsRange = chance(rng, 0.3);

  // Weights.
  bool sense = encoding == "binary" || encoding == "ternary";
  l.weightTypeBits = sense ? (chance(rng, 0.5) ? 2 : 8) : uniform(rng, 2, 8);
  int64_t width = sense ? 2 : uniform(rng, 1, l.weightTypeBits);
  int64_t wlo = -(int64_t(1) << (width - 1)),
          whi = (int64_t(1) << (width - 1)) - 1;
  if (encoding == "binary" || encoding == "ternary") {
    wlo = -1;
    whi = 1;
  }
  bool nonNegative = !sense && chance(rng, 0.1);
  auto draw = [&]() -> int64_t {
    if (encoding == "binary")
      return chance(rng, 0.5) ? 1 : -1;
    return uniform(rng, nonNegative ? 0 : wlo, whi);
  };
  l.w.resize(l.k * l.n);
  for (int64_t &v : l.w)
    v = draw();
  int64_t wholeMatrix = uniform(rng, 0, 99);
  for (int64_t j = 0; j < l.n; ++j) {
    // Some all-zero, all-negative and all-extreme columns (and matrices).
    int64_t kind = wholeMatrix < 3   ? 0
                   : wholeMatrix < 6 ? 1
                                     : uniform(rng, 0, 19);
    for (int64_t i = 0; i < l.k; ++i) {
      int64_t &v = l.w[i * l.n + j];
      if (kind == 0 && encoding != "binary")
        v = 0;
      else if (kind == 1)
        v = encoding == "binary" ? -1 : uniform(rng, wlo, -1);
      else if (kind == 2)
        v = wlo;
    }
  }

  // Input codes: random, sometimes all at the maximum or all zero.
  int64_t xmax = (int64_t(1) << l.inputBits) - 1;
  int64_t xkind = uniform(rng, 0, 19);
  l.x.resize(l.p * l.k);
  for (int64_t &v : l.x)
    v = xkind == 0 ? xmax : xkind == 1 ? 0 : uniform(rng, 0, xmax);

  // Tiles: K = R, K = R + 1, K < R, many row tiles; N <= cols and N > cols.
  switch (uniform(rng, 0, 3)) {
  case 0:
    l.rows = l.k;
    break;
  case 1:
    l.rows = std::max<int64_t>(1, l.k - 1);
    break;
  case 2:
    l.rows = uniform(rng, 1, l.k);
    break;
  default:
    l.rows = uniform(rng, l.k, 48);
    break;
  }
  switch (uniform(rng, 0, 3)) {
  case 0:
    l.cols = l.n;
    break;
  case 1:
    l.cols = std::max<int64_t>(1, l.n - 1);
    break;
  case 2:
    l.cols = uniform(rng, 1, l.n);
    break;
  default:
    l.cols = uniform(rng, l.n, 16);
    break;
  }
  l.cellBits = uniform(rng, 1, 8);
  const int64_t commonDacs[] = {1, 2, 4};
  l.dacBits = chance(rng, 0.6) ? commonDacs[uniform(rng, 0, 2)]
                               : uniform(rng, 1, chance(rng, 0.8) ? 8 : 16);
  l.maxActive = uniform(rng, 1, l.rows);
  return l;
}

std::string join(const std::vector<int64_t> &values, int64_t rowLength) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i % rowLength == 0)
      text += i ? "], [" : "[";
    else
      text += ", ";
    text += std::to_string(values[i]);
  }
  return text + "]]";
}

std::string inputType(const Layer &l) {
  return "tensor<" + std::to_string(l.p) + "x" + std::to_string(l.k) + "xu" +
         std::to_string(l.inputAsRange ? 8 : l.inputBits) + ">";
}

/// The nn-level IR of the layer.
std::string layerText(const Layer &l) {
  std::string a = inputType(l);
  std::string b = "tensor<" + std::to_string(l.k) + "x" + std::to_string(l.n) +
                  "xi" + std::to_string(l.weightTypeBits) + ">";
  std::string y =
      "tensor<" + std::to_string(l.p) + "x" + std::to_string(l.n) + "xi32>";
  std::string range;
  if (l.inputAsRange)
    range = ", x_range = [0, " +
            std::to_string((int64_t(1) << l.inputBits) - 1) + "]";
  return "func @main(%a: " + a + ") -> " + y + " {\n" +
         "  %b = nn.const() {value = dense<" + join(l.w, l.n) + "> : " + b +
         "} : () -> " + b + "\n" +
         "  %y = nn.qmatmul(%a, %b) {a_zp = 0, b_zp = 0" + range + "} : (" + a +
         ", " + b + ") -> " + y + "\n" + "  return %y : " + y + "\n}\n";
}

std::string pipelineText(const Layer &l, const EncodingCase &e,
                         const std::string &adc) {
  return "nn-to-xb,xb-tile{rows=" + std::to_string(l.rows) +
         " cols=" + std::to_string(l.cols) +
         "},xb-encode{encoding=" + e.encoding + " sensing=" + e.sensing +
         "},xb-bitslice{cell-bits=" + std::to_string(l.cellBits) +
         " dac-bits=" + std::to_string(l.dacBits) +
         "},xb-wordline-groups{max-active-rows=" + std::to_string(l.maxActive) +
         "},xb-adc-assign{" + adc + "}";
}

//===----------------------------------------------------------------------===//
// The independent reference (DESIGN.md section 5)
//===----------------------------------------------------------------------===//

struct Adc {
  int64_t bits = 0, step = 1, lo = 0; // bits 0: no ADC attributes
};

/// q = clamp(floor((P - lo) / step + 1/2), 0, 2^b - 1), P^ = lo + q step.
/// Doubles are exact here: |P| < 2^40 and step is a power of two.
int64_t quantize(int64_t p, const Adc &adc) {
  if (adc.bits == 0)
    return p;
  double q = std::floor(double(p - adc.lo) / double(adc.step) + 0.5);
  q = std::min(std::max(q, 0.0), double((int64_t(1) << adc.bits) - 1));
  return adc.lo + int64_t(q) * adc.step;
}

/// Bits of the largest magnitude (at least 1).
int64_t magnitudeBits(int64_t m) {
  int64_t bits = 1;
  while ((int64_t(1) << bits) <= m)
    ++bits;
  return bits;
}

/// How one tile is stored, per DESIGN.md section 5.
struct TileEncoding {
  std::vector<int64_t> pos, neg; // levels of the two sets (neg empty: one set)
  int64_t bits = 1;              // level width before slicing
  int64_t shift = 0;             // offset encoding's 2^(Bw-1)
};

TileEncoding encodeTile(const std::vector<int64_t> &w,
                        llvm::StringRef encoding) {
  TileEncoding t;
  int64_t lo = 0, hi = 0;
  for (int64_t v : w) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (encoding == "offset") {
    // w' + 2^(Bw-1) >= 0 with Bw the two's complement width of the tile.
    int64_t bw = 1;
    while (lo < -(int64_t(1) << (bw - 1)) || hi > (int64_t(1) << (bw - 1)) - 1)
      ++bw;
    t.bits = bw;
    t.shift = int64_t(1) << (bw - 1);
    for (int64_t v : w)
      t.pos.push_back(v + t.shift);
    return t;
  }
  // w' = w+ - w-: two sets of magnitudes.
  for (int64_t v : w) {
    t.pos.push_back(std::max<int64_t>(v, 0));
    t.neg.push_back(std::max<int64_t>(-v, 0));
  }
  t.bits = magnitudeBits(std::max(hi, -lo));
  return t;
}

/// What the reference expects of one tile's read (checked against the IR).
struct TileShape {
  int64_t rowOffset, rows, cols, slices, active, dacBits, shift;
};

/// acc[p, n] of one tile (rows [r0, r0 + rh), columns [c0, c0 + cw)).
void referenceTile(const Layer &l, const EncodingCase &e, int64_t r0,
                   int64_t rh, int64_t c0, int64_t cw, const Adc &adc,
                   std::vector<int64_t> &out, TileShape &shape) {
  llvm::StringRef encoding = e.encoding;
  bool senseAmp = encoding == "binary" || encoding == "ternary";
  bool analog =
      encoding == "differential" && llvm::StringRef(e.sensing) == "analog";
  std::vector<int64_t> w(rh * cw);
  for (int64_t i = 0; i < rh; ++i)
    for (int64_t j = 0; j < cw; ++j)
      w[i * cw + j] = l.w[(r0 + i) * l.n + c0 + j];
  TileEncoding t = encodeTile(w, encoding);
  // Binary and ternary pairs are single 1-bit cells read by sense amplifiers.
  int64_t c = senseAmp ? 1 : l.cellBits;
  int64_t slices = senseAmp ? 1 : (t.bits + c - 1) / c;
  int64_t d = l.dacBits;
  int64_t cycles = (l.inputBits + d - 1) / d;
  int64_t a = std::min(l.maxActive, rh);
  shape = {r0, rh, cw, slices, a, std::min(d, l.inputBits), t.shift};

  for (int64_t p = 0; p < l.p; ++p)
    for (int64_t n = 0; n < cw; ++n) {
      int64_t acc = 0;
      for (int64_t tc = 0; tc < cycles; ++tc)
        for (int64_t s = 0; s < slices; ++s) {
          int64_t sum = 0; // sum over groups of (P^+ - P^-)
          for (int64_t g0 = 0; g0 < rh; g0 += a) {
            int64_t pPos = 0, pNeg = 0;
            for (int64_t k = g0; k < std::min(rh, g0 + a); ++k) {
              int64_t digit =
                  (l.x[p * l.k + r0 + k] >> (d * tc)) & ((int64_t(1) << d) - 1);
              auto slice = [&](const std::vector<int64_t> &levels) {
                return (levels[k * cw + n] >> (c * s)) &
                       ((int64_t(1) << c) - 1);
              };
              pPos += digit * slice(t.pos);
              if (!t.neg.empty())
                pNeg += digit * slice(t.neg);
            }
            if (senseAmp)
              sum += pPos - pNeg; // sense amplifier outputs, summed exactly
            else if (t.neg.empty())
              sum += quantize(pPos, adc);
            else if (analog)
              sum += quantize(pPos - pNeg, adc);
            else
              sum += quantize(pPos, adc) - quantize(pNeg, adc);
          }
          acc += sum * (int64_t(1) << (d * tc)) * (int64_t(1) << (c * s));
        }
      if (t.shift) {
        // Offset encoding: - 2^(Bw-1) * sum_k x[k], done digitally.
        int64_t inputSum = 0;
        for (int64_t k = 0; k < rh; ++k)
          inputSum += l.x[p * l.k + r0 + k];
        acc -= t.shift * inputSum;
      }
      out[p * l.n + c0 + n] += acc;
    }
}

int64_t getIntAttr(Operation *op, llvm::StringRef name, int64_t dflt) {
  auto attr = op->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : dflt;
}

/// The operands' defining ops of `op` if it is an `OpT`, else `op` itself.
template <typename OpT> std::vector<Operation *> flatten(Operation *op) {
  if (!op || !op->isa<OpT>())
    return {op};
  std::vector<Operation *> parts;
  for (Value *operand : op->getOperands())
    parts.push_back(operand->getDefiningOp());
  return parts;
}

/// Computes the reference of a lowered layer: walks return <- xb.unrows <-
/// xb.bias <- [xb.concat_cols] <- [xb.accumulate] <- xb.mvm, checks that
/// the column blocks and row tiles are the ones expected of the tiling,
/// reads each read's ADC attributes and evaluates the tile. Returns false
/// (with `why`) if the IR does not have the expected structure.
bool reference(Function &fn, const Layer &l, const EncodingCase &e,
               std::vector<int64_t> &out, std::string &why,
               std::vector<Adc> *adcs = nullptr) {
  auto bad = [&](const std::string &message) {
    why = message;
    return false;
  };
  out.assign(l.p * l.n, 0);
  Operation *ret = fn.getBody().getTerminator();
  Operation *unrows = ret ? ret->getOperand(0)->getDefiningOp() : nullptr;
  if (!unrows || !unrows->isa<xb::UnrowsOp>())
    return bad("the result is not an xb.unrows");
  Operation *bias = unrows->getOperand(0)->getDefiningOp();
  if (!bias || !bias->isa<xb::BiasOp>())
    return bad("xb.unrows does not take an xb.bias");
  for (int64_t v : bias->getAttrOfType<DenseElementsAttr>("bias").getInts())
    if (v != 0)
      return bad("a nonzero xb.bias correction with zero points 0");
  std::vector<Operation *> blocks =
      flatten<xb::ConcatColsOp>(bias->getOperand(0)->getDefiningOp());
  int64_t colBlocks = (l.n + l.cols - 1) / l.cols;
  int64_t rowTiles = (l.k + l.rows - 1) / l.rows;
  if (int64_t(blocks.size()) != colBlocks)
    return bad(std::to_string(blocks.size()) + " column blocks, expected " +
               std::to_string(colBlocks));
  for (int64_t j = 0; j < colBlocks; ++j) {
    std::vector<Operation *> tiles = flatten<xb::AccumulateOp>(blocks[j]);
    if (int64_t(tiles.size()) != rowTiles)
      return bad(std::to_string(tiles.size()) + " row tiles, expected " +
                 std::to_string(rowTiles));
    int64_t c0 = j * l.cols, cw = std::min(l.cols, l.n - c0);
    for (int64_t i = 0; i < rowTiles; ++i) {
      Operation *mvm = tiles[i];
      if (!mvm || !mvm->isa<xb::MvmOp>())
        return bad("a tile is not an xb.mvm");
      int64_t r0 = i * l.rows, rh = std::min(l.rows, l.k - r0);
      Adc adc;
      adc.bits = getIntAttr(mvm, "adc_bits", 0);
      adc.step = getIntAttr(mvm, "adc_step", 1);
      adc.lo = getIntAttr(mvm, "adc_offset", 0);
      if (adcs)
        adcs->push_back(adc);
      TileShape shape;
      referenceTile(l, e, r0, rh, c0, cw, adc, out, shape);
      // The IR must describe the same read.
      auto cells = xb::CellsType::read(mvm->getOperand(1)->getType());
      std::string got =
          "row_offset " + std::to_string(getIntAttr(mvm, "row_offset", -1)) +
          " rows " + std::to_string(cells ? cells->rows : -1) + " cols " +
          std::to_string(cells ? cells->cols : -1) + " slices " +
          std::to_string(cells ? cells->slices : -1) + " active_rows " +
          std::to_string(getIntAttr(mvm, "active_rows", -1)) + " dac_bits " +
          std::to_string(getIntAttr(mvm, "dac_bits", -1)) + " weight_offset " +
          std::to_string(getIntAttr(mvm, "weight_offset", 0));
      std::string expected = "row_offset " + std::to_string(shape.rowOffset) +
                             " rows " + std::to_string(shape.rows) + " cols " +
                             std::to_string(shape.cols) + " slices " +
                             std::to_string(shape.slices) + " active_rows " +
                             std::to_string(shape.active) + " dac_bits " +
                             std::to_string(shape.dacBits) + " weight_offset " +
                             std::to_string(shape.shift);
      if (got != expected)
        return bad("tile (" + std::to_string(i) + ", " + std::to_string(j) +
                   "): IR has " + got + ", the design gives " + expected);
    }
  }
  return true;
}

/// The reachable partial-sum range of a read per DESIGN.md section 5:
/// [0, A (2^d - 1) (2^c - 1)], symmetric for analog differential sensing.
void configRange(const Layer &l, const EncodingCase &e, int64_t rh, int64_t &lo,
                 int64_t &hi) {
  int64_t a = std::min(l.maxActive, rh);
  int64_t d = std::min(l.dacBits, l.inputBits);
  hi = a * ((int64_t(1) << d) - 1) * ((int64_t(1) << l.cellBits) - 1);
  lo = llvm::StringRef(e.sensing) == "analog" &&
               llvm::StringRef(e.encoding) == "differential"
           ? -hi
           : 0;
}

//===----------------------------------------------------------------------===//
// The property test
//===----------------------------------------------------------------------===//

class XbarPropertyTest : public ::testing::Test {
protected:
  XbarPropertyTest() {
    registerAllDialects(ctx);
    registerAllPasses();
    handler =
        ctx.getDiagEngine().registerHandler([this](const Diagnostic &diag) {
          diagnostics += diag.getMessage() + "\n";
        });
  }
  ~XbarPropertyTest() override { ctx.getDiagEngine().eraseHandler(handler); }

  std::unique_ptr<Module> parse(const std::string &text) {
    auto module = parseSourceString(text, ctx, "layer.ohm");
    if (!module || failed(module->verify()))
      return nullptr;
    return module;
  }

  /// Runs `fn` on the layer's input codes.
  llvm::Expected<std::vector<Tensor>> run(Function &fn, const Layer &l) {
    Tensor input(IntegerType::get(ctx, l.inputAsRange ? 8 : l.inputBits,
                                  /*isSigned=*/false),
                 {l.p, l.k});
    input.ints() = l.x;
    std::vector<Tensor> inputs;
    inputs.push_back(std::move(input));
    return interp::run(fn, std::move(inputs));
  }

  /// Lowers a fresh copy of the layer with `pipeline`; null on failure.
  std::unique_ptr<Module> lower(const std::string &text,
                                const std::string &pipeline) {
    std::unique_ptr<Module> module = parse(text);
    if (!module)
      return nullptr;
    PassManager pm(ctx);
    std::string errors;
    llvm::raw_string_ostream os(errors);
    if (failed(parsePassPipeline(pipeline, pm, os))) {
      diagnostics += os.str();
      return nullptr;
    }
    if (failed(pm.run(*module)))
      return nullptr;
    return module;
  }

  Context ctx;
  DiagnosticEngine::HandlerID handler;
  std::string diagnostics;
};

std::string describe(const Layer &l, const std::string &text,
                     const std::string &pipeline) {
  std::string s = "K=" + std::to_string(l.k) + " N=" + std::to_string(l.n) +
                  " P=" + std::to_string(l.p) + " input bits " +
                  std::to_string(l.inputBits) + "\npipeline: " + pipeline +
                  "\ninput codes: " + join(l.x, l.k) + "\n" + text;
  return s;
}

/// Counts of what the random layers covered, per encoding.
struct Coverage {
  int64_t layers = 0, lossless = 0, lossy = 0;
  int64_t kEqualsR = 0, kIsRPlus1 = 0, rowTiled = 0, colTiled = 0,
          multiGroup = 0, multiSlice = 0, multiCycle = 0, zeroColumn = 0,
          negativeColumn = 0, lossyReads = 0;
};

TEST_F(XbarPropertyTest, RandomLayersAllEncodings) {
  const int64_t kLayersPerEncoding = 2000;
  const int kMaxReported = 3;
  auto start = std::chrono::steady_clock::now();
  std::mt19937 rng(20261123);
  int64_t failures = 0;

  for (const EncodingCase &e : kEncodings) {
    Coverage cov;
    int reported = 0;
    auto fail = [&](const std::string &what) {
      ++failures;
      if (reported++ < kMaxReported)
        ADD_FAILURE() << e.label << ": " << what;
    };
    for (int64_t layer = 0; layer < kLayersPerEncoding; ++layer) {
      Layer l = randomLayer(rng, e.encoding);
      std::string text = layerText(l);
      diagnostics.clear();

      // The exact accumulate from the nn interpreter (checked against a
      // naive loop too).
      std::unique_ptr<Module> nn = parse(text);
      if (!nn) {
        fail("the nn IR does not parse: " + diagnostics + "\n" + text);
        continue;
      }
      auto exact = run(*nn->begin(), l);
      if (!exact) {
        fail("nn interpreter: " + llvm::toString(exact.takeError()) + "\n" +
             text);
        continue;
      }
      const std::vector<int64_t> &want = (*exact)[0].ints();
      bool naiveOk = true;
      for (int64_t p = 0; p < l.p && naiveOk; ++p)
        for (int64_t n = 0; n < l.n && naiveOk; ++n) {
          int64_t acc = 0;
          for (int64_t k = 0; k < l.k; ++k)
            acc += l.x[p * l.k + k] * l.w[k * l.n + n];
          naiveOk = acc == want[p * l.n + n];
        }
      if (!naiveOk) {
        fail("the nn interpreter differs from a naive loop\n" + text);
        continue;
      }

      // Property 1: lossless ADCs are bit-exact.
      std::string pipeline = pipelineText(l, e, "policy=lossless");
      std::unique_ptr<Module> xbIR = lower(text, pipeline);
      if (!xbIR) {
        fail("lowering failed: " + diagnostics + describe(l, text, pipeline));
        continue;
      }
      auto got = run(*xbIR->begin(), l);
      if (!got) {
        fail("xb evaluator: " + llvm::toString(got.takeError()) + "\n" +
             describe(l, text, pipeline));
        continue;
      }
      if ((*got)[0].ints() != want) {
        std::string ir;
        llvm::raw_string_ostream os(ir);
        xbIR->print(os);
        fail("lossless xb result " + join((*got)[0].ints(), l.n) +
             " != exact " + join(want, l.n) + "\n" +
             describe(l, text, pipeline) + "lowered:\n" + os.str());
        continue;
      }
      // The reference agrees on the lossless mapping too, and every ADC is
      // the lossless one: step 1, lo = Pmin, ceil(log2(Pmax - Pmin + 1)) bits.
      std::vector<int64_t> ref;
      std::vector<Adc> adcs;
      std::string why;
      if (!reference(*xbIR->begin(), l, e, ref, why, &adcs)) {
        fail("unexpected lossless IR: " + why + "\n" +
             describe(l, text, pipeline));
        continue;
      }
      if (ref != want) {
        fail("the reference itself is not exact with lossless ADCs\n" +
             describe(l, text, pipeline));
        continue;
      }
      bool sense = llvm::StringRef(e.encoding) == "binary" ||
                   llvm::StringRef(e.encoding) == "ternary";
      int64_t rowTiles = (l.k + l.rows - 1) / l.rows;
      bool adcOk = true;
      for (size_t t = 0; t < adcs.size() && adcOk; ++t) {
        int64_t r0 = int64_t(t % rowTiles) * l.rows;
        int64_t lo, hi;
        configRange(l, e, std::min(l.rows, l.k - r0), lo, hi);
        int64_t bits = 1;
        while ((int64_t(1) << bits) < hi - lo + 1)
          ++bits;
        adcOk = sense ? adcs[t].bits == 0
                      : adcs[t].bits == bits && adcs[t].step == 1 &&
                            adcs[t].lo == lo;
        if (!adcOk)
          fail("lossless ADC of tile " + std::to_string(t) + " is " +
               std::to_string(adcs[t].bits) + " bits, step " +
               std::to_string(adcs[t].step) + ", lo " +
               std::to_string(adcs[t].lo) + "; the range [" +
               std::to_string(lo) + ", " + std::to_string(hi) + "] needs " +
               std::to_string(bits) + " bits\n" + describe(l, text, pipeline));
      }
      if (!adcOk)
        continue;
      // Lossless ADCs sized from the programmed weights (range=data) are
      // exact too.
      pipeline = pipelineText(l, e, "policy=lossless range=data");
      xbIR = lower(text, pipeline);
      if (!xbIR) {
        fail("lowering failed: " + diagnostics + describe(l, text, pipeline));
        continue;
      }
      got = run(*xbIR->begin(), l);
      if (!got || (*got)[0].ints() != want) {
        fail("lossless (range=data) xb result " +
             (got ? join((*got)[0].ints(), l.n)
                  : llvm::toString(got.takeError())) +
             " != exact " + join(want, l.n) + "\n" +
             describe(l, text, pipeline));
        continue;
      }
      ++cov.lossless;

      // Property 2: a fixed narrow ADC, against the reference.
      int64_t b = uniform(rng, 1, 4);
      pipeline = pipelineText(l, e, "policy=fixed bits=" + std::to_string(b));
      xbIR = lower(text, pipeline);
      if (!xbIR) {
        fail("lowering failed: " + diagnostics + describe(l, text, pipeline));
        continue;
      }
      got = run(*xbIR->begin(), l);
      if (!got) {
        fail("xb evaluator: " + llvm::toString(got.takeError()) + "\n" +
             describe(l, text, pipeline));
        continue;
      }
      adcs.clear();
      if (!reference(*xbIR->begin(), l, e, ref, why, &adcs)) {
        fail("unexpected fixed-ADC IR: " + why + "\n" +
             describe(l, text, pipeline));
        continue;
      }
      if ((*got)[0].ints() != ref) {
        fail("fixed " + std::to_string(b) + "-bit xb result " +
             join((*got)[0].ints(), l.n) + " != reference " + join(ref, l.n) +
             "\n" + describe(l, text, pipeline));
        continue;
      }
      // The fixed policy's documented choice: `bits` wide, lo = Pmin, the
      // smallest power-of-two step with ceil(span / step) <= 2^bits.
      for (size_t t = 0; t < adcs.size() && adcOk; ++t) {
        int64_t r0 = int64_t(t % rowTiles) * l.rows;
        int64_t lo, hi;
        configRange(l, e, std::min(l.rows, l.k - r0), lo, hi);
        int64_t step = 1;
        while ((hi - lo + 1 + step - 1) / step > (int64_t(1) << b))
          step *= 2;
        adcOk = sense ? adcs[t].bits == 0
                      : adcs[t].bits == b && adcs[t].step == step &&
                            adcs[t].lo == lo;
        if (!adcOk)
          fail("fixed ADC of tile " + std::to_string(t) + " is " +
               std::to_string(adcs[t].bits) + " bits, step " +
               std::to_string(adcs[t].step) + ", lo " +
               std::to_string(adcs[t].lo) + "; expected " + std::to_string(b) +
               " bits, step " + std::to_string(step) + ", lo " +
               std::to_string(lo) + "\n" + describe(l, text, pipeline));
        if (!sense && (adcs[t].step > 1 || (int64_t(1) << b) < hi - lo + 1))
          ++cov.lossyReads;
      }
      if (!adcOk)
        continue;
      ++cov.lossy;

      // Coverage.
      ++cov.layers;
      cov.kEqualsR += l.k == l.rows;
      cov.kIsRPlus1 += l.k == l.rows + 1;
      cov.rowTiled += l.k > l.rows;
      cov.colTiled += l.n > l.cols;
      cov.multiGroup += std::min(l.k, l.rows) > l.maxActive;
      cov.multiCycle += l.inputBits > l.dacBits;
      int64_t maxMag = 0;
      for (int64_t v : l.w)
        maxMag = std::max<int64_t>(maxMag, std::llabs(v));
      cov.multiSlice += !sense && magnitudeBits(maxMag) > l.cellBits;
      for (int64_t j = 0; j < l.n; ++j) {
        bool zero = true, negative = true;
        for (int64_t i = 0; i < l.k; ++i) {
          zero &= l.w[i * l.n + j] == 0;
          negative &= l.w[i * l.n + j] < 0;
        }
        cov.zeroColumn += zero;
        cov.negativeColumn += negative;
      }
    }
    std::printf(
        "[ property ] %-21s %lld layers checked (%lld lossless, %lld "
        "with policy=fixed bits=1..4; %lld lossy reads); K=R %lld, K=R+1 %lld, "
        "row-tiled %lld, N>cols %lld, >1 word-line group %lld, >1 "
        "input cycle %lld, >1 slice %lld, all-zero columns %lld, "
        "all-negative columns %lld\n",
        e.label, (long long)cov.layers, (long long)cov.lossless,
        (long long)cov.lossy, (long long)cov.lossyReads,
        (long long)cov.kEqualsR, (long long)cov.kIsRPlus1,
        (long long)cov.rowTiled, (long long)cov.colTiled,
        (long long)cov.multiGroup, (long long)cov.multiCycle,
        (long long)cov.multiSlice, (long long)cov.zeroColumn,
        (long long)cov.negativeColumn);
    EXPECT_EQ(cov.layers, kLayersPerEncoding) << e.label;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("[ property ] %.1f s, %lld failures\n", seconds,
              (long long)failures);
  std::fflush(stdout);
}

} // namespace
