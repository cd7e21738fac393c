//===- ExecutorTest.cpp - The simulator's instructions against references
//--===//
//
// Every instruction kind of docs/ISA.md runs in a small hand-built program
// and is compared with an expectation computed independently here: naive
// loops for the data movement (im2col with padding, strides, dilations and
// groups; pads; transposes; pools), a per-element implementation of the
// crossbar read formula of docs/ISA.md for mvm (every encoding, analog and
// digital differential sensing, narrow ADCs with several widths, steps and
// offsets, word-line groups, slices, input cycles and the executor's
// number formats), and hand-written rounding (half to even) for the
// requantizations. Then the properties the executor promises: a batch of N
// is the concatenation of N single runs, and the thread count does not
// change a single bit.
//
//===----------------------------------------------------------------------===//

#include "MvmCases.h"
#include "ProgramBuilder.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace ohmrt_test;

namespace {

/// Validates and runs `p`; fails the test on an error.
std::vector<HostTensor> run(const program::Program &p,
                            const std::vector<HostTensor> &inputs,
                            unsigned threads = 1,
                            ohmrt::RunStats *stats = nullptr) {
  std::string error;
  if (!ohmrt::validateProgram(p, error)) {
    ADD_FAILURE() << "invalid program: " << error;
    return {};
  }
  ohmrt::Executor executor(p);
  std::vector<HostTensor> outputs;
  ohmrt::RunOptions options;
  options.threads = threads;
  if (!executor.run(inputs, outputs, error, options, stats))
    ADD_FAILURE() << error;
  return outputs;
}

/// Validates and runs `p`, which must fail; returns the message.
std::string runError(const program::Program &p,
                     const std::vector<HostTensor> &inputs) {
  std::string error;
  if (!ohmrt::validateProgram(p, error)) {
    ADD_FAILURE() << "invalid program: " << error;
    return error;
  }
  ohmrt::Executor executor(p);
  std::vector<HostTensor> outputs;
  if (executor.run(inputs, outputs, error))
    ADD_FAILURE() << "the run succeeded";
  return error;
}

/// Round half to even, written out (not with the current rounding mode).
double roundHalfEven(double v) {
  double down = std::floor(v), fraction = v - down;
  if (fraction > 0.5)
    return down + 1;
  if (fraction < 0.5)
    return down;
  return std::fmod(down, 2.0) == 0 ? down : down + 1;
}

int64_t clampInt(int64_t v, int64_t lo, int64_t hi) {
  return std::min(std::max(v, lo), hi);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

struct Im2ColCase {
  int64_t c, h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, group, groupIndex,
      padValue, offset;
  bool signedSource;
};

TEST(ExecutorTest, Im2ColMatchesNaiveLoop) {
  const Im2ColCase cases[] = {
      {3, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, false},
      {4, 7, 6, 3, 2, 2, 1, 1, 0, 2, 1, 1, 2, 2, 1, 3, 5, false},
      {6, 9, 8, 2, 3, 3, 2, 0, 2, 1, 0, 2, 1, 3, 2, 7, 128, true},
      {2, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, false},
      // A dilated window as tall as the padded image: a single output
      // row, mostly padding.
      {1, 3, 10, 3, 3, 1, 4, 2, 2, 2, 2, 3, 1, 1, 0, 1, 1, false},
      // Depthwise: one channel per group.
      {5, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 4, 9, 0, false},
  };
  std::mt19937 rng(1);
  for (const Im2ColCase &k : cases) {
    SCOPED_TRACE(testing::Message()
                 << "c=" << k.c << " h=" << k.h << " kernel " << k.kh << "x"
                 << k.kw << " group " << k.group);
    int64_t oh = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
    int64_t ow = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
    int64_t cg = k.c / k.group, cols = cg * k.kh * k.kw;
    ProgramBuilder b;
    program::DType srcType = k.signedSource ? program::I8 : program::U8;
    uint32_t x = b.buffer(srcType, {1, k.c, k.h, k.w});
    uint32_t y = b.buffer(program::U16, {oh * ow, cols});
    program::Im2Col &op = *b.add().mutable_im2col();
    op.set_src(x);
    op.set_dst(y);
    setWindow(op, {k.kh, k.kw}, {k.sh, k.sw}, {k.pt, k.pl, k.pb, k.pr},
              {k.dh, k.dw});
    op.set_group(k.group);
    op.set_group_index(k.groupIndex);
    op.set_pad_value(k.padValue);
    op.set_offset(k.offset);
    b.input("x", x);
    b.output("y", y);

    const int64_t n = 2;
    std::vector<int64_t> in =
        k.signedSource ? randomInts(rng, n * k.c * k.h * k.w, -128, 127)
                       : randomInts(rng, n * k.c * k.h * k.w, 0, 255);
    std::vector<int64_t> want;
    for (int64_t img = 0; img < n; ++img)
      for (int64_t y0 = 0; y0 < oh; ++y0)
        for (int64_t x0 = 0; x0 < ow; ++x0)
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t ky = 0; ky < k.kh; ++ky)
              for (int64_t kx = 0; kx < k.kw; ++kx) {
                int64_t iy = y0 * k.sh - k.pt + ky * k.dh;
                int64_t ix = x0 * k.sw - k.pl + kx * k.dw;
                int64_t channel = k.groupIndex * cg + ic;
                bool inside = iy >= 0 && iy < k.h && ix >= 0 && ix < k.w;
                want.push_back(
                    (inside ? in[((img * k.c + channel) * k.h + iy) * k.w + ix]
                            : k.padValue) +
                    k.offset);
              }
    auto out = run(b.p, {ints(srcType, {n, k.c, k.h, k.w}, in)});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].shape, (std::vector<int64_t>{n * oh * ow, cols}));
    EXPECT_EQ(toInts(out[0]), want);
  }
}

TEST(ExecutorTest, Im2ColRejectsCodesThatDoNotFitTheRows) {
  ProgramBuilder b;
  uint32_t x = b.buffer(program::U8, {1, 1, 2, 2});
  uint32_t y = b.buffer(program::U8, {4, 1});
  program::Im2Col &op = *b.add().mutable_im2col();
  op.set_src(x);
  op.set_dst(y);
  setWindow(op, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1});
  op.set_group(1);
  op.set_offset(250);
  b.input("x", x);
  b.output("y", y);
  EXPECT_EQ(
      toInts(run(b.p, {ints(program::U8, {1, 1, 2, 2}, {0, 1, 5, 2})})[0]),
      (std::vector<int64_t>{250, 251, 255, 252}));
  EXPECT_EQ(runError(b.p, {ints(program::U8, {1, 1, 2, 2}, {0, 1, 6, 2})}),
            "instruction 0: input code 256 does not fit the row type (the "
            "activation range is wider than the compiler assumed)");
}

TEST(ExecutorTest, RowsShiftSignedCodes) {
  ProgramBuilder b;
  uint32_t x = b.buffer(program::I8, {1, 3, 4});
  uint32_t y = b.buffer(program::U8, {3, 4});
  program::Rows &op = *b.add().mutable_rows();
  op.set_src(x);
  op.set_dst(y);
  op.set_offset(128);
  b.input("x", x);
  b.output("y", y);
  std::mt19937 rng(2);
  std::vector<int64_t> in = randomInts(rng, 2 * 12, -128, 127), want;
  for (int64_t v : in)
    want.push_back(v + 128);
  auto out = run(b.p, {ints(program::I8, {2, 3, 4}, in)});
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(toInts(out[0]), want);

  b.p.mutable_instructions(0)->mutable_rows()->set_offset(200);
  EXPECT_EQ(runError(b.p, {ints(program::I8, {1, 3, 4},
                                std::vector<int64_t>(12, 100))}),
            "instruction 0: input code 300 does not fit the row type");
}

TEST(ExecutorTest, CopyConcatTransposeAndLoadConst) {
  ProgramBuilder b;
  uint32_t a = b.buffer(program::I16, {1, 2, 3});
  uint32_t c = b.buffer(program::I16, {1, 1, 3});
  uint32_t flat = b.buffer(program::I16, {1, 6});
  uint32_t joined = b.buffer(program::I16, {1, 3, 3});
  uint32_t t = b.buffer(program::I16, {1, 3, 3});
  uint32_t k = b.buffer(program::I16, {2, 2}, /*batched=*/false);
  uint32_t kc = b.constant(program::I16, {2, 2}, {-1, 2, -3, 4});
  b.add().mutable_copy()->set_src(a);
  b.p.mutable_instructions(0)->mutable_copy()->set_dst(flat);
  program::Concat &cat = *b.add().mutable_concat();
  cat.add_srcs(a);
  cat.add_srcs(c);
  cat.set_dst(joined);
  cat.set_axis(1);
  program::Transpose &tr = *b.add().mutable_transpose();
  tr.set_src(joined);
  tr.set_dst(t);
  tr.add_perm(0);
  tr.add_perm(2);
  tr.add_perm(1);
  b.add().mutable_sync()->set_layer("nothing");
  program::LoadConst &lc = *b.add().mutable_load_const();
  lc.set_constant(kc);
  lc.set_dst(k);
  b.input("a", a);
  b.input("c", c);
  b.output("flat", flat);
  b.output("joined", joined);
  b.output("t", t);

  // A batch of 2: a[n] = [[1, 2, 3], [4, 5, 6]] + 10 n, c[n] = [7, 8, 9] + 10
  // n.
  auto out = run(b.p, {ints(program::I16, {2, 2, 3},
                            {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16}),
                       ints(program::I16, {2, 1, 3}, {7, 8, 9, 17, 18, 19})});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{2, 6}));
  EXPECT_EQ(toInts(out[0]),
            (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16}));
  EXPECT_EQ(toInts(out[1]),
            (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15,
                                  16, 17, 18, 19}));
  EXPECT_EQ(toInts(out[2]),
            (std::vector<int64_t>{1, 4, 7, 2, 5, 8, 3, 6, 9, 11, 14, 17, 12, 15,
                                  18, 13, 16, 19}));
}

TEST(ExecutorTest, TransposeMatchesNaiveLoop) {
  // [1, 2, 3, 4] batched, perm [0, 3, 1, 2]; a batch of 2.
  ProgramBuilder b;
  uint32_t x = b.buffer(program::F32, {1, 2, 3, 4});
  uint32_t y = b.buffer(program::F32, {1, 4, 2, 3});
  program::Transpose &op = *b.add().mutable_transpose();
  op.set_src(x);
  op.set_dst(y);
  for (int64_t d : {0, 3, 1, 2})
    op.add_perm(d);
  b.input("x", x);
  b.output("y", y);
  std::vector<double> in, want;
  for (int i = 0; i < 48; ++i)
    in.push_back(i * 0.5);
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 4; ++w)
      for (int c = 0; c < 2; ++c)
        for (int h = 0; h < 3; ++h)
          want.push_back(in[((n * 2 + c) * 3 + h) * 4 + w]);
  auto out = run(b.p, {reals(program::F32, {2, 2, 3, 4}, in)});
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{2, 4, 2, 3}));
  EXPECT_EQ(toReals(out[0]), want);
}

TEST(ExecutorTest, PadModesMatchNaiveLoop) {
  // [1, 3, 4] i16 batched: pads (0, 1, 2) before and (0, 2, 1) after.
  const int64_t c = 3, w = 4, before[] = {0, 1, 2}, after[] = {0, 2, 1};
  const int64_t oc = c + 3, ow = w + 3;
  std::vector<int64_t> in;
  for (int64_t i = 0; i < 2 * c * w; ++i)
    in.push_back(i * 3 - 7);
  for (program::PadMode mode :
       {program::CONSTANT, program::REFLECT, program::EDGE}) {
    SCOPED_TRACE(program::PadMode_Name(mode));
    ProgramBuilder b;
    uint32_t x = b.buffer(program::I16, {1, c, w});
    uint32_t y = b.buffer(program::I16, {1, oc, ow});
    program::Pad &op = *b.add().mutable_pad();
    op.set_src(x);
    op.set_dst(y);
    for (int64_t v : before)
      op.add_pads(v);
    for (int64_t v : after)
      op.add_pads(v);
    op.set_mode(mode);
    op.set_value(-5);
    b.input("x", x);
    b.output("y", y);
    auto source = [&](int64_t i, int64_t size) {
      if (mode == program::EDGE)
        return clampInt(i, 0, size - 1);
      return i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i; // numpy reflect
    };
    std::vector<int64_t> want;
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t i = 0; i < oc; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          int64_t si = i - before[1], sj = j - before[2];
          bool inside = si >= 0 && si < c && sj >= 0 && sj < w;
          if (mode == program::CONSTANT && !inside)
            want.push_back(-5);
          else
            want.push_back(in[(n * c + source(si, c)) * w + source(sj, w)]);
        }
    auto out = run(b.p, {ints(program::I16, {2, c, w}, in)});
    EXPECT_EQ(out[0].shape, (std::vector<int64_t>{2, oc, ow}));
    EXPECT_EQ(toInts(out[0]), want);
  }
}

TEST(ExecutorTest, PadFloatValue) {
  ProgramBuilder b;
  uint32_t x = b.buffer(program::F32, {1, 2});
  uint32_t y = b.buffer(program::F32, {1, 4});
  program::Pad &op = *b.add().mutable_pad();
  op.set_src(x);
  op.set_dst(y);
  for (int64_t v : {0, 1, 0, 1})
    op.add_pads(v);
  op.set_value(1.5);
  b.input("x", x);
  b.output("y", y);
  EXPECT_EQ(toReals(run(b.p, {reals(program::F32, {1, 2}, {-2, 3})})[0]),
            (std::vector<double>{1.5, -2, 3, 1.5}));
}

TEST(ExecutorTest, UnrowsBiasAccumulateConcatCols) {
  // Two partial results [P = 4 pixels, 2 cols] of one row tile each, then
  // a second column block; P = 2 x 2 pixels of one image.
  ProgramBuilder b;
  uint32_t p0 = b.buffer(program::I32, {4, 2});
  uint32_t p1 = b.buffer(program::I32, {4, 2});
  uint32_t q = b.buffer(program::I32, {4, 1});
  uint32_t sum = b.buffer(program::I32, {4, 2});
  uint32_t all = b.buffer(program::I32, {4, 3});
  uint32_t biased = b.buffer(program::I32, {4, 3});
  uint32_t image = b.buffer(program::I32, {1, 3, 2, 2});
  uint32_t flat = b.buffer(program::I32, {1, 12});
  uint32_t bias = b.constant(program::I32, {3}, {100, -200, 300});
  program::Accumulate &acc = *b.add().mutable_accumulate();
  acc.add_srcs(p0);
  acc.add_srcs(p1);
  acc.add_srcs(p1);
  acc.set_dst(sum);
  program::ConcatCols &cc = *b.add().mutable_concat_cols();
  cc.add_srcs(sum);
  cc.add_srcs(q);
  cc.set_dst(all);
  program::Bias &bi = *b.add().mutable_bias();
  bi.set_src(all);
  bi.set_dst(biased);
  bi.set_constant(bias);
  program::Unrows &un = *b.add().mutable_unrows();
  un.set_src(biased);
  un.set_dst(image);
  un.set_nchw(true);
  program::Unrows &plain = *b.add().mutable_unrows();
  plain.set_src(biased);
  plain.set_dst(flat);
  b.input("p0", p0);
  b.input("p1", p1);
  b.input("q", q);
  b.output("image", image);
  b.output("flat", flat);

  std::mt19937 rng(3);
  const int64_t n = 3; // images in the batch
  auto v0 = randomInts(rng, n * 8, -1000, 1000),
       v1 = randomInts(rng, n * 8, -1000, 1000);
  auto vq = randomInts(rng, n * 4, -1000, 1000);
  std::vector<int64_t> rows; // [n * 4, 3]
  for (int64_t p = 0; p < n * 4; ++p) {
    rows.push_back(v0[p * 2] + 2 * v1[p * 2] + 100);
    rows.push_back(v0[p * 2 + 1] + 2 * v1[p * 2 + 1] - 200);
    rows.push_back(vq[p] + 300);
  }
  std::vector<int64_t> nchw;
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ch = 0; ch < 3; ++ch)
      for (int64_t pixel = 0; pixel < 4; ++pixel)
        nchw.push_back(rows[(img * 4 + pixel) * 3 + ch]);
  auto out = run(b.p, {ints(program::I32, {n * 4, 2}, v0),
                       ints(program::I32, {n * 4, 2}, v1),
                       ints(program::I32, {n * 4, 1}, vq)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{n, 3, 2, 2}));
  EXPECT_EQ(toInts(out[0]), nchw);
  EXPECT_EQ(out[1].shape, (std::vector<int64_t>{n, 12}));
  EXPECT_EQ(toInts(out[1]), rows);
}

//===----------------------------------------------------------------------===//
// Crossbar reads
//===----------------------------------------------------------------------===//

TEST(ExecutorTest, MvmMatchesTheReadFormula) {
  std::mt19937 rng(4);
  int64_t exact = 0, sliced = 0;
  for (const MvmConfig &c : mvmConfigs()) {
    SCOPED_TRACE(c.name);
    std::vector<std::vector<uint8_t>> levels;
    program::Program p = buildMvm(c, rng, levels);
    int64_t width = c.rowOffset + c.tileRows + c.extraCols;
    for (int64_t batch : {1, 3}) {
      std::vector<int64_t> rows = randomInts(rng, batch * c.repeat * width, 0,
                                             (int64_t(1) << c.inputBits) - 1);
      std::vector<int64_t> want =
          referenceMvm(c, rows, batch * c.repeat, levels);
      for (unsigned threads : {1u, 2u}) {
        ohmrt::RunStats stats;
        auto out = run(
            p, {ints(rowTypeFor(c.inputBits), {batch * c.repeat, width}, rows)},
            threads, &stats);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].shape,
                  (std::vector<int64_t>{batch * c.repeat, c.tileCols}));
        EXPECT_EQ(toInts(out[0]), want)
            << "batch " << batch << ", " << threads << " threads";
        exact += stats.exactProducts;
        sliced += stats.slicedProducts;
      }
    }
  }
  // Both ways of computing a read were exercised.
  EXPECT_GT(exact, 0);
  EXPECT_GT(sliced, 0);
}

TEST(ExecutorTest, MvmCountsConversionsAndReads) {
  MvmConfig c;
  c.name = "stats";
  c.adcBits = 4;
  c.adcStep = 2;    // conversions that round: a sliced read
  c.activeRows = 6; // 16 rows: 3 groups
  std::mt19937 rng(5);
  std::vector<std::vector<uint8_t>> levels;
  program::Program p = buildMvm(c, rng, levels);
  ohmrt::RunStats stats;
  run(p,
      {ints(program::U8, {2 * c.repeat, 16},
            std::vector<int64_t>(2 * c.repeat * 16, 1))},
      1, &stats);
  // R = 10 rows, T = 8 cycles, S = 4 slices, G = 3 groups; 8 columns, two
  // conversions each (digital differential sensing).
  EXPECT_EQ(stats.batch, 2);
  EXPECT_EQ(stats.mvmInstructions, 1);
  EXPECT_EQ(stats.readCycles, 10 * 8 * 4 * 3);
  EXPECT_EQ(stats.conversions, 10 * 8 * 4 * 3 * 8 * 2);
  EXPECT_EQ(stats.slicedProducts, 1);
}

TEST(ExecutorTest, MvmRejectsCodesWiderThanInputBits) {
  MvmConfig c;
  c.name = "wide";
  c.inputBits = 4;
  std::mt19937 rng(6);
  std::vector<std::vector<uint8_t>> levels;
  program::Program p = buildMvm(c, rng, levels);
  std::vector<int64_t> rows(c.repeat * 16, 3);
  rows[17] = 16;
  EXPECT_EQ(runError(p, {ints(program::U8, {c.repeat, 16}, rows)}),
            "instruction 0 in layer 'wide': input code 16 needs more than "
            "input_bits = 4");
}

//===----------------------------------------------------------------------===//
// Vector unit
//===----------------------------------------------------------------------===//

/// One unary instruction from a [1, ...] batched source to a destination of
/// the same shape; `fill` sets its fields.
template <typename Fill>
program::Program unary(program::DType from, program::DType to,
                       std::vector<int64_t> dims, Fill fill,
                       unsigned toBits = 0) {
  ProgramBuilder b;
  uint32_t x = b.buffer(from, dims);
  uint32_t y = b.buffer(to, dims, /*batched=*/true, toBits);
  fill(b.add(), x, y);
  b.input("x", x);
  b.output("y", y);
  return b.p;
}

TEST(ExecutorTest, RequantizeFloatRoundsHalfToEvenAndClamps) {
  auto p = unary(program::I32, program::I8, {1, 8},
                 [](program::Instruction &inst, uint32_t x, uint32_t y) {
                   program::Requantize &op = *inst.mutable_requantize();
                   op.set_src(x);
                   op.set_dst(y);
                   op.add_scales(0.5f);
                   op.set_min(-128);
                   op.set_max(127);
                 });
  auto out =
      run(p, {ints(program::I32, {1, 8}, {-5, -3, -1, 1, 3, 5, 1000, -1000})});
  EXPECT_EQ(toInts(out[0]),
            (std::vector<int64_t>{-2, -2, 0, 0, 2, 2, 127, -128}));
}

TEST(ExecutorTest, RequantizeFloatPerChannelMatchesF32Reference) {
  const std::vector<float> scales = {0.0123f, 0.5f, 0.00731f};
  auto p = unary(program::I32, program::U8, {1, 3, 2, 2},
                 [&](program::Instruction &inst, uint32_t x, uint32_t y) {
                   program::Requantize &op = *inst.mutable_requantize();
                   op.set_src(x);
                   op.set_dst(y);
                   for (float s : scales)
                     op.add_scales(s);
                   op.set_axis(1);
                   op.set_input_zero_point(7);
                   op.set_zero_point(100);
                   op.set_min(0);
                   op.set_max(255);
                 });
  std::mt19937 rng(7);
  auto in = randomInts(rng, 2 * 12, -20000, 20000);
  in[0] = 7 + 5; // 2.5 in channel 1 (scale 0.5): a tie
  in[4] = 7 + 5;
  std::vector<int64_t> want;
  for (size_t i = 0; i < in.size(); ++i) {
    float scaled =
        float(in[i] - 7) * scales[(i / 4) % 3]; // f32, as ONNX Runtime
    want.push_back(clampInt(int64_t(roundHalfEven(scaled)) + 100, 0, 255));
  }
  EXPECT_EQ(toInts(run(p, {ints(program::I32, {2, 3, 2, 2}, in)})[0]), want);
}

TEST(ExecutorTest, RequantizeFixedPointMatchesReference) {
  const std::vector<int64_t> multipliers = {1518500250, 1073741824, 2147483000};
  const std::vector<int64_t> shifts = {-3, 0, 12};
  auto p = unary(program::I32, program::I16, {1, 4, 3},
                 [&](program::Instruction &inst, uint32_t x, uint32_t y) {
                   program::Requantize &op = *inst.mutable_requantize();
                   op.set_src(x);
                   op.set_dst(y);
                   op.set_fixed_point(true);
                   for (int i = 0; i < 3; ++i) {
                     op.add_scales(1.0f); // informative only in fixed mode
                     op.add_multipliers(multipliers[size_t(i)]);
                     op.add_shifts(shifts[size_t(i)]);
                   }
                   op.set_axis(2);
                   op.set_input_zero_point(-3);
                   op.set_zero_point(-10);
                   op.set_min(-30000);
                   op.set_max(30000);
                 });
  std::mt19937 rng(8);
  auto in = randomInts(rng, 12, -2000000, 2000000);
  std::vector<int64_t> want;
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t m = multipliers[i % 3], shift = shifts[i % 3];
    __int128 product = __int128(in[i] + 3) * m;
    // ((x - izp) * m + 2^(30 + shift)) >> (31 + shift), flooring.
    __int128 rounded = product + (__int128(1) << (30 + shift));
    __int128 shifted = rounded >> (31 + shift);
    want.push_back(clampInt(int64_t(shifted) - 10, -30000, 30000));
  }
  EXPECT_EQ(toInts(run(p, {ints(program::I32, {1, 4, 3}, in)})[0]), want);
}

TEST(ExecutorTest, RequantizeToNarrowIntegers) {
  // A u4 destination (u8 storage, 4 logical bits) clamped to [0, 15].
  auto p = unary(
      program::I32, program::U8, {1, 4},
      [](program::Instruction &inst, uint32_t x, uint32_t y) {
        program::Requantize &op = *inst.mutable_requantize();
        op.set_src(x);
        op.set_dst(y);
        op.add_scales(0.25f);
        op.set_zero_point(8);
        op.set_min(0);
        op.set_max(15);
      },
      /*toBits=*/4);
  EXPECT_EQ(
      toInts(run(p, {ints(program::I32, {1, 4}, {-100, -6, 10, 100})})[0]),
      (std::vector<int64_t>{0, 6, 10, 15}));
}

TEST(ExecutorTest, QuantizeAndDequantizePerAxis) {
  const std::vector<float> scales = {0.5f, 0.1f};
  const std::vector<int64_t> zps = {3, -4};
  auto q = unary(program::F32, program::I8, {1, 2, 3},
                 [&](program::Instruction &inst, uint32_t x, uint32_t y) {
                   program::Quantize &op = *inst.mutable_quantize();
                   op.set_src(x);
                   op.set_dst(y);
                   for (int i = 0; i < 2; ++i) {
                     op.add_scales(scales[size_t(i)]);
                     op.add_zero_points(zps[size_t(i)]);
                   }
                   op.set_axis(1);
                 });
  std::vector<double> in = {0.25, 0.75, -100, 0.05, 0.15, 1000};
  std::vector<int64_t> want;
  for (size_t i = 0; i < in.size(); ++i) {
    float v = float(in[i]) / scales[i / 3];
    want.push_back(clampInt(int64_t(roundHalfEven(v)) + zps[i / 3], -128, 127));
  }
  EXPECT_EQ(toInts(run(q, {reals(program::F32, {1, 2, 3}, in)})[0]), want);

  auto dq = unary(program::I8, program::F32, {1, 2, 3},
                  [&](program::Instruction &inst, uint32_t x, uint32_t y) {
                    program::Dequantize &op = *inst.mutable_dequantize();
                    op.set_src(x);
                    op.set_dst(y);
                    for (int i = 0; i < 2; ++i) {
                      op.add_scales(scales[size_t(i)]);
                      op.add_zero_points(zps[size_t(i)]);
                    }
                    op.set_axis(1);
                  });
  std::vector<int64_t> codes = {-128, 3, 127, -4, 0, 100};
  std::vector<double> real;
  for (size_t i = 0; i < codes.size(); ++i)
    real.push_back(float(codes[i] - zps[i / 3]) * scales[i / 3]);
  EXPECT_EQ(toReals(run(dq, {ints(program::I8, {1, 2, 3}, codes)})[0]), real);
}

TEST(ExecutorTest, ClipIntegersAndFloats) {
  auto relu = unary(program::I8, program::I8, {1, 5},
                    [](program::Instruction &inst, uint32_t x, uint32_t y) {
                      program::Clip &op = *inst.mutable_clip();
                      op.set_src(x);
                      op.set_dst(y);
                      op.set_has_min(true);
                      op.set_min(0);
                      op.set_has_max(true);
                      op.set_max(100);
                    });
  EXPECT_EQ(
      toInts(run(relu, {ints(program::I8, {1, 5}, {-128, -1, 0, 99, 127})})[0]),
      (std::vector<int64_t>{0, 0, 0, 99, 100}));
  auto floats = unary(program::F32, program::F32, {1, 4},
                      [](program::Instruction &inst, uint32_t x, uint32_t y) {
                        program::Clip &op = *inst.mutable_clip();
                        op.set_src(x);
                        op.set_dst(y);
                        op.set_has_max(true);
                        op.set_max(6);
                      });
  auto out = toReals(run(
      floats, {reals(program::F32, {1, 4}, {-1e30, 5.5, 7, std::nan("")})})[0]);
  EXPECT_EQ(out[0], -1e30f);
  EXPECT_EQ(out[1], 5.5);
  EXPECT_EQ(out[2], 6);
  EXPECT_TRUE(std::isnan(out[3]));
}

TEST(ExecutorTest, CastTruncatesAndConverts) {
  auto toInt = unary(program::F32, program::I32, {1, 5},
                     [](program::Instruction &inst, uint32_t x, uint32_t y) {
                       inst.mutable_cast()->set_src(x);
                       inst.mutable_cast()->set_dst(y);
                     });
  EXPECT_EQ(
      toInts(run(toInt, {reals(program::F32, {1, 5},
                               {2.9, -2.9, 0.5, -0.0, std::nan("")})})[0]),
      (std::vector<int64_t>{2, -2, 0, 0, 0}));
  auto toFloat = unary(program::I32, program::F64, {1, 3},
                       [](program::Instruction &inst, uint32_t x, uint32_t y) {
                         inst.mutable_cast()->set_src(x);
                         inst.mutable_cast()->set_dst(y);
                       });
  EXPECT_EQ(toReals(run(toFloat,
                        {ints(program::I32, {1, 3}, {-7, 0, 2147483647})})[0]),
            (std::vector<double>{-7, 0, 2147483647}));
  auto toBool = unary(program::I32, program::BOOL, {1, 3},
                      [](program::Instruction &inst, uint32_t x, uint32_t y) {
                        inst.mutable_cast()->set_src(x);
                        inst.mutable_cast()->set_dst(y);
                      });
  EXPECT_EQ(toInts(run(toBool, {ints(program::I32, {1, 3}, {-7, 0, 256})})[0]),
            (std::vector<int64_t>{1, 0, 1}));
}

struct PoolCase {
  program::PoolKind kind;
  program::DType src, dst;
  int64_t kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
  bool ceil, includePad;
  int64_t zeroPoint;
};

TEST(ExecutorTest, PoolsMatchNaiveLoop) {
  const PoolCase cases[] = {
      // Integer max pooling without padding: the executor's fast path.
      {program::MAX, program::U8, program::U8, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1,
       false, false, 0},
      {program::MAX, program::I8, program::I8, 3, 2, 1, 2, 0, 0, 0, 0, 1, 1,
       false, false, 0},
      // Padding, dilation and ceil mode.
      {program::MAX, program::I8, program::I8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1,
       true, false, 0},
      {program::MAX, program::U8, program::U8, 2, 3, 1, 2, 0, 1, 1, 0, 2, 1,
       false, false, 0},
      {program::MAX, program::F32, program::F32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1,
       true, false, 0},
      {program::AVERAGE, program::F32, program::F32, 3, 3, 2, 2, 1, 1, 1, 1, 1,
       1, false, false, 0},
      {program::AVERAGE, program::F32, program::F32, 3, 3, 2, 2, 1, 1, 1, 1, 1,
       1, false, true, 0},
      {program::AVERAGE, program::F32, program::F32, 2, 2, 2, 2, 0, 0, 1, 1, 1,
       1, true, true, 0},
      {program::SUM, program::U8, program::I32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1,
       false, false, 128},
      {program::SUM, program::I8, program::I32, 2, 2, 2, 2, 0, 0, 0, 0, 1, 2,
       false, false, -3},
  };
  const int64_t n = 2, c = 3, h = 7, w = 8;
  std::mt19937 rng(9);
  for (const PoolCase &k : cases) {
    SCOPED_TRACE(testing::Message() << program::PoolKind_Name(k.kind) << " "
                                    << ohmrt::getDTypeName(k.src) << " kernel "
                                    << k.kh << "x" << k.kw);
    auto outSize = [&](int64_t in, int64_t kernel, int64_t stride,
                       int64_t before, int64_t after, int64_t dilation) {
      int64_t span = in + before + after - dilation * (kernel - 1) - 1;
      return span / stride + 1 + (k.ceil && span % stride ? 1 : 0);
    };
    int64_t oh = outSize(h, k.kh, k.sh, k.pt, k.pb, k.dh);
    int64_t ow = outSize(w, k.kw, k.sw, k.pl, k.pr, k.dw);
    ProgramBuilder b;
    uint32_t x = b.buffer(k.src, {1, c, h, w});
    uint32_t y = b.buffer(k.dst, {1, c, oh, ow});
    program::Pool &op = *b.add().mutable_pool();
    op.set_src(x);
    op.set_dst(y);
    op.set_kind(k.kind);
    setWindow(op, {k.kh, k.kw}, {k.sh, k.sw}, {k.pt, k.pl, k.pb, k.pr},
              {k.dh, k.dw});
    op.set_ceil_mode(k.ceil);
    op.set_count_include_pad(k.includePad);
    op.set_zero_point(k.zeroPoint);
    b.input("x", x);
    b.output("y", y);

    bool isFloat = k.src == program::F32;
    int64_t lo = k.src == program::I8 ? -128 : 0,
            hi = k.src == program::I8 ? 127 : 255;
    std::vector<int64_t> in = randomInts(rng, n * c * h * w, lo, hi);
    std::vector<double> inReal;
    for (int64_t v : in)
      inReal.push_back(double(v) / 8);
    std::vector<double> want;
    for (int64_t plane = 0; plane < n * c; ++plane)
      for (int64_t y0 = 0; y0 < oh; ++y0)
        for (int64_t x0 = 0; x0 < ow; ++x0) {
          double best = -INFINITY, sum = 0;
          int64_t count = 0, padded = 0;
          for (int64_t ky = 0; ky < k.kh; ++ky)
            for (int64_t kx = 0; kx < k.kw; ++kx) {
              int64_t iy = y0 * k.sh - k.pt + ky * k.dh;
              int64_t ix = x0 * k.sw - k.pl + kx * k.dw;
              // Positions of the padded image count with count_include_pad;
              // the ceil mode's overhang beyond it never does.
              if (iy < h + k.pb && ix < w + k.pr)
                ++padded;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                continue;
              double v = isFloat ? inReal[(plane * h + iy) * w + ix]
                                 : double(in[(plane * h + iy) * w + ix]);
              best = std::max(best, v);
              sum += k.kind == program::SUM ? v - double(k.zeroPoint) : v;
              ++count;
            }
          if (k.kind == program::MAX)
            want.push_back(best);
          else if (k.kind == program::SUM)
            want.push_back(sum);
          else
            want.push_back(
                double(float(sum / double(k.includePad ? padded : count))));
        }
    HostTensor input = isFloat ? reals(program::F32, {n, c, h, w}, inReal)
                               : ints(k.src, {n, c, h, w}, in);
    auto out = run(b.p, {input});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].shape, (std::vector<int64_t>{n, c, oh, ow}));
    std::vector<double> got;
    if (isFloat)
      got = toReals(out[0]);
    else
      for (int64_t v : toInts(out[0]))
        got.push_back(double(v));
    EXPECT_EQ(got, want);
  }
}

TEST(ExecutorTest, GlobalAvgPoolAndSoftmax) {
  ProgramBuilder b;
  uint32_t x = b.buffer(program::F32, {1, 3, 2, 2});
  uint32_t g = b.buffer(program::F32, {1, 3, 1, 1});
  uint32_t s = b.buffer(program::F32, {1, 3, 2, 2});
  b.add().mutable_global_avg_pool()->set_src(x);
  b.p.mutable_instructions(0)->mutable_global_avg_pool()->set_dst(g);
  program::Softmax &sm = *b.add().mutable_softmax();
  sm.set_src(x);
  sm.set_dst(s);
  sm.set_axis(1);
  b.input("x", x);
  b.output("g", g);
  b.output("s", s);
  std::vector<double> in;
  for (int i = 0; i < 24; ++i)
    in.push_back(std::sin(i) * 4);
  std::vector<double> mean, soft(24);
  for (int plane = 0; plane < 6; ++plane) {
    double sum = 0;
    for (int i = 0; i < 4; ++i)
      sum += double(float(in[plane * 4 + i]));
    mean.push_back(double(float(sum / 4)));
  }
  for (int n = 0; n < 2; ++n)
    for (int pixel = 0; pixel < 4; ++pixel) {
      double top = -INFINITY, total = 0;
      for (int ch = 0; ch < 3; ++ch)
        top = std::max(top, double(float(in[(n * 3 + ch) * 4 + pixel])));
      for (int ch = 0; ch < 3; ++ch)
        total += std::exp(double(float(in[(n * 3 + ch) * 4 + pixel])) - top);
      for (int ch = 0; ch < 3; ++ch)
        soft[(n * 3 + ch) * 4 + pixel] = double(
            float(std::exp(double(float(in[(n * 3 + ch) * 4 + pixel])) - top) /
                  total));
    }
  auto out = run(b.p, {reals(program::F32, {2, 3, 2, 2}, in)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(toReals(out[0]), mean);
  EXPECT_EQ(toReals(out[1]), soft);
}

TEST(ExecutorTest, BinaryBroadcastsAndWraps) {
  // u8 [1, 3, 4] + unbatched u8 [4] (wrapping), then * unbatched [1, 3, 1]
  // into a 4-bit result (wrapping to 4 bits).
  ProgramBuilder b;
  uint32_t x = b.buffer(program::U8, {1, 3, 4});
  uint32_t row = b.buffer(program::U8, {4}, /*batched=*/false);
  uint32_t col = b.buffer(program::U8, {1, 3, 1}, /*batched=*/false);
  uint32_t sum = b.buffer(program::U8, {1, 3, 4});
  uint32_t product =
      b.buffer(program::U8, {1, 3, 4}, /*batched=*/true, /*bits=*/4);
  uint32_t rowConst = b.constant(program::U8, {4}, {0, 100, 200, 255});
  uint32_t colConst = b.constant(program::U8, {1, 3, 1}, {1, 2, 3});
  program::LoadConst &l0 = *b.add().mutable_load_const();
  l0.set_constant(rowConst);
  l0.set_dst(row);
  program::LoadConst &l1 = *b.add().mutable_load_const();
  l1.set_constant(colConst);
  l1.set_dst(col);
  program::Binary &add = *b.add().mutable_binary();
  add.set_lhs(x);
  add.set_rhs(row);
  add.set_dst(sum);
  add.set_kind(program::ADD);
  program::Binary &mul = *b.add().mutable_binary();
  mul.set_lhs(col);
  mul.set_rhs(sum);
  mul.set_dst(product);
  mul.set_kind(program::MUL);
  b.input("x", x);
  b.output("sum", sum);
  b.output("product", product);
  std::mt19937 rng(10);
  auto in = randomInts(rng, 3 * 12, 0, 255); // a batch of 3
  const int64_t rowValues[] = {0, 100, 200, 255};
  std::vector<int64_t> wantSum, wantProduct;
  for (int64_t i = 0; i < 36; ++i) {
    int64_t s = (in[size_t(i)] + rowValues[i % 4]) % 256;
    wantSum.push_back(s);
    wantProduct.push_back((s * ((i / 4) % 3 + 1)) % 16);
  }
  auto out = run(b.p, {ints(program::U8, {3, 3, 4}, in)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(toInts(out[0]), wantSum);
  EXPECT_EQ(toInts(out[1]), wantProduct);
}

TEST(ExecutorTest, QAddRoundsHalfToEvenAndSaturates) {
  ProgramBuilder b;
  uint32_t lhs = b.buffer(program::U8, {1, 6});
  uint32_t rhs = b.buffer(program::U8, {1, 6});
  uint32_t y = b.buffer(program::U8, {1, 6});
  program::QAdd &op = *b.add().mutable_qadd();
  op.set_lhs(lhs);
  op.set_rhs(rhs);
  op.set_dst(y);
  op.set_lhs_scale(0.5f);
  op.set_rhs_scale(0.25f);
  op.set_lhs_zero_point(10);
  op.set_rhs_zero_point(4);
  op.set_zero_point(3);
  b.input("lhs", lhs);
  b.input("rhs", rhs);
  b.output("y", y);
  std::vector<int64_t> l = {13, 15, 10, 0, 255, 11}, r = {4, 4, 6, 4, 255, 5},
                       want;
  for (size_t i = 0; i < l.size(); ++i)
    want.push_back(clampInt(int64_t(roundHalfEven(0.5 * double(l[i] - 10) +
                                                  0.25 * double(r[i] - 4))) +
                                3,
                            0, 255));
  // Ties: 1.5 -> 2, 2.5 -> 2, 0.5 -> 0; -5 + 3 saturates at 0.
  EXPECT_EQ(want, (std::vector<int64_t>{5, 5, 3, 0, 188, 4}));
  EXPECT_EQ(toInts(run(b.p, {ints(program::U8, {1, 6}, l),
                             ints(program::U8, {1, 6}, r)})[0]),
            want);
}

//===----------------------------------------------------------------------===//
// Batches and threads
//===----------------------------------------------------------------------===//

/// A small quantized CNN: im2col, a lossy differential mvm, bias, unrows,
/// per-channel requantize, max pool, an unbatched constant added, a
/// reshape, a lossy offset-encoded fully connected read, dequantize and
/// softmax. Scratchpads of two cores and the global buffer.
program::Program miniCnn() {
  std::mt19937 rng(11);
  ProgramBuilder b;
  uint32_t x = b.buffer(program::U8, {1, 2, 6, 6});
  uint32_t rows = b.scratchpad(program::U8, {36, 18}, 0);
  uint32_t partial = b.scratchpad(program::I32, {36, 4}, 0);
  uint32_t biased = b.buffer(program::I32, {36, 4});
  uint32_t conv = b.buffer(program::I32, {1, 4, 6, 6});
  uint32_t act = b.buffer(program::U8, {1, 4, 6, 6});
  uint32_t pooled = b.buffer(program::U8, {1, 4, 3, 3});
  uint32_t shift = b.buffer(program::U8, {1, 4, 1, 1}, /*batched=*/false);
  uint32_t shifted = b.buffer(program::U8, {1, 4, 3, 3});
  uint32_t flat = b.buffer(program::U8, {1, 36});
  uint32_t fcRows = b.scratchpad(program::U8, {1, 36}, 1);
  uint32_t logits = b.scratchpad(program::I32, {1, 5}, 1);
  uint32_t real = b.buffer(program::F32, {1, 5});
  uint32_t probs = b.buffer(program::F32, {1, 5});

  program::Im2Col &i2c = *b.add().mutable_im2col();
  i2c.set_src(x);
  i2c.set_dst(rows);
  setWindow(i2c, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1});
  i2c.set_group(1);

  auto levels = [&](int64_t r, int64_t c, int64_t bits) {
    std::vector<uint8_t> cells;
    for (int64_t v : randomInts(rng, r * c, 0, (int64_t(1) << bits) - 1))
      cells.push_back(uint8_t(v));
    return cells;
  };
  program::Mvm &m0 = *b.add().mutable_mvm();
  for (int q = 0; q < 8; ++q)
    m0.add_arrays(b.array(18, 4, 2, levels(18, 4, 2), 0));
  m0.set_rows(rows);
  m0.set_dst(partial);
  m0.set_tile_rows(18);
  m0.set_tile_cols(4);
  m0.set_encoding(program::DIFFERENTIAL);
  m0.set_input_bits(8);
  m0.set_dac_bits(1);
  m0.set_cell_bits(2);
  m0.set_slices(4);
  m0.set_active_rows(8);
  m0.set_adc_bits(4);
  m0.set_adc_step(4);
  m0.set_sets(2);
  m0.set_repeat(36);
  m0.set_layer("conv");

  program::Bias &bias = *b.add().mutable_bias();
  bias.set_src(partial);
  bias.set_dst(biased);
  bias.set_constant(b.constant(program::I32, {4}, {500, -300, 0, 1000}));
  program::Unrows &un = *b.add().mutable_unrows();
  un.set_src(biased);
  un.set_dst(conv);
  un.set_nchw(true);
  b.add().mutable_sync()->set_layer("conv");
  program::Requantize &rq = *b.add().mutable_requantize();
  rq.set_src(conv);
  rq.set_dst(act);
  for (float s : {0.02f, 0.011f, 0.03f, 0.017f})
    rq.add_scales(s);
  rq.set_axis(1);
  rq.set_zero_point(40);
  rq.set_min(0);
  rq.set_max(255);
  program::Pool &pool = *b.add().mutable_pool();
  pool.set_src(act);
  pool.set_dst(pooled);
  pool.set_kind(program::MAX);
  setWindow(pool, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1});
  program::LoadConst &lc = *b.add().mutable_load_const();
  lc.set_constant(b.constant(program::U8, {1, 4, 1, 1}, {1, 2, 3, 4}));
  lc.set_dst(shift);
  program::Binary &add = *b.add().mutable_binary();
  add.set_lhs(pooled);
  add.set_rhs(shift);
  add.set_dst(shifted);
  add.set_kind(program::ADD);
  program::Copy &copy = *b.add().mutable_copy();
  copy.set_src(shifted);
  copy.set_dst(flat);
  program::Rows &r = *b.add().mutable_rows();
  r.set_src(flat);
  r.set_dst(fcRows);

  program::Mvm &m1 = *b.add().mutable_mvm();
  m1.add_arrays(b.array(36, 5, 4, levels(36, 5, 4), 1));
  m1.add_arrays(b.array(36, 5, 4, levels(36, 5, 4), 1));
  m1.set_rows(fcRows);
  m1.set_dst(logits);
  m1.set_tile_rows(36);
  m1.set_tile_cols(5);
  m1.set_encoding(program::OFFSET);
  m1.set_weight_offset(128);
  m1.set_input_bits(8);
  m1.set_dac_bits(2);
  m1.set_cell_bits(4);
  m1.set_slices(2);
  m1.set_active_rows(16);
  m1.set_adc_bits(5);
  m1.set_adc_step(8);
  m1.set_adc_offset(16);
  m1.set_sets(1);
  m1.set_repeat(1);
  m1.set_core(1);
  m1.set_layer("fc");
  program::Dequantize &dq = *b.add().mutable_dequantize();
  dq.set_src(logits);
  dq.set_dst(real);
  dq.add_scales(1e-4f);
  program::Softmax &sm = *b.add().mutable_softmax();
  sm.set_src(real);
  sm.set_dst(probs);
  sm.set_axis(1);
  b.input("x", x);
  b.output("logits", logits);
  b.output("probs", probs);
  return b.p;
}

TEST(ExecutorTest, BatchIsTheConcatenationOfSingleRuns) {
  program::Program p = miniCnn();
  std::mt19937 rng(12);
  const int64_t n = 4, size = 2 * 6 * 6;
  std::vector<int64_t> all = randomInts(rng, n * size, 0, 255);
  std::vector<std::vector<char>> single(2);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> one(all.begin() + i * size,
                             all.begin() + (i + 1) * size);
    auto out = run(p, {ints(program::U8, {1, 2, 6, 6}, one)});
    ASSERT_EQ(out.size(), 2u);
    for (int o = 0; o < 2; ++o)
      single[o].insert(single[o].end(), out[o].data.begin(), out[o].data.end());
  }
  for (unsigned threads : {1u, 2u}) {
    auto batch = run(p, {ints(program::U8, {n, 2, 6, 6}, all)}, threads);
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0].shape, (std::vector<int64_t>{n, 5}));
    EXPECT_EQ(batch[1].shape, (std::vector<int64_t>{n, 5}));
    EXPECT_EQ(batch[0].data, single[0]) << threads << " threads";
    EXPECT_EQ(batch[1].data, single[1]) << threads << " threads";
  }
  // The logits are not all equal (the program computes something).
  auto logits = toInts(run(p, {ints(program::U8, {n, 2, 6, 6}, all)})[0]);
  EXPECT_NE(*std::min_element(logits.begin(), logits.end()),
            *std::max_element(logits.begin(), logits.end()));
}

TEST(ExecutorTest, ThreadsAndRepeatedRunsGiveIdenticalBits) {
  program::Program p = miniCnn();
  std::mt19937 rng(13);
  const int64_t n = 64;
  HostTensor input =
      ints(program::U8, {n, 2, 6, 6}, randomInts(rng, n * 72, 0, 255));
  ohmrt::Executor executor(p);
  std::vector<std::vector<HostTensor>> results;
  for (unsigned threads : {1u, 2u, 3u, 1u}) { // the last one reuses the arenas
    std::vector<HostTensor> out;
    std::string error;
    ohmrt::RunOptions options;
    options.threads = threads;
    ASSERT_TRUE(executor.run({input}, out, error, options)) << error;
    results.push_back(std::move(out));
  }
  for (size_t i = 1; i < results.size(); ++i)
    for (size_t o = 0; o < 2; ++o)
      EXPECT_EQ(results[i][o].data, results[0][o].data)
          << "run " << i << ", output " << o;
}

// The memory budget decides the chunk size: plans and scratch plus k
// inferences' arenas run the batch in chunks of k, and the outputs equal
// those of one chunk, for any budget and thread count.
TEST(ExecutorTest, BudgetSetsTheChunkSize) {
  program::Program p = miniCnn();
  std::mt19937 rng(17);
  const int64_t n = 23;
  HostTensor input =
      ints(program::U8, {n, 2, 6, 6}, randomInts(rng, n * 72, 0, 255));
  ohmrt::Executor executor(p);
  std::vector<HostTensor> whole;
  std::string error;
  ASSERT_TRUE(executor.run({input}, whole, error)) << error;
  for (unsigned threads : {1u, 2u})
    for (int64_t k : {1, 3, 5}) {
      ohmrt::RunOptions options;
      options.threads = threads;
      // The fixed part is the plans and 4 MiB of scratch per thread.
      options.maxMemory =
          executor.getPlanBytes() + threads * (uint64_t(4) << 20) +
          uint64_t(k) * threads * executor.getBytesPerInference();
      ohmrt::RunStats stats;
      std::vector<HostTensor> out;
      ASSERT_TRUE(executor.run({input}, out, error, options, &stats)) << error;
      EXPECT_EQ(stats.chunk, k) << "threads " << threads;
      for (size_t o = 0; o < out.size(); ++o)
        EXPECT_EQ(out[o].data, whole[o].data) << "k " << k << ", output " << o;
    }
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

TEST(ExecutorTest, RunChecksItsInputs) {
  // x: f32 [1, 3], a: u4 (in u8) [2, 2] per inference.
  ProgramBuilder b;
  uint32_t x = b.buffer(program::F32, {1, 3});
  uint32_t a = b.buffer(program::U8, {2, 2}, /*batched=*/true, /*bits=*/4);
  uint32_t y = b.buffer(program::F32, {1, 3});
  b.add().mutable_copy()->set_src(x);
  b.p.mutable_instructions(0)->mutable_copy()->set_dst(y);
  b.input("x", x);
  b.input("a", a);
  b.output("y", y);
  std::string error;
  ASSERT_TRUE(ohmrt::validateProgram(b.p, error)) << error;
  ohmrt::Executor executor(b.p);
  auto fails = [&](const std::vector<HostTensor> &inputs) {
    std::vector<HostTensor> outputs;
    std::string message;
    EXPECT_FALSE(executor.run(inputs, outputs, message));
    return message;
  };
  HostTensor good = reals(program::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor goodA = ints(program::U8, {4, 2}, {0, 1, 2, 3, 4, 5, 6, 15});
  EXPECT_EQ(fails({good}), "the program takes 2 input(s), got 1");
  EXPECT_EQ(fails({reals(program::F64, {2, 3}, {1, 2, 3, 4, 5, 6}), goodA}),
            "input 'x' must be f32 [1, 3] (or [N, ...] for a batch of N), got "
            "f64 [2, 3]");
  EXPECT_EQ(fails({reals(program::F32, {2, 2}, {1, 2, 3, 4}), goodA}),
            "input 'x' must be f32 [1, 3] (or [N, ...] for a batch of N), got "
            "f32 [2, 2]");
  EXPECT_EQ(fails({reals(program::F32, {3}, {1, 2, 3}), goodA}),
            "input 'x' must be f32 [1, 3] (or [N, ...] for a batch of N), got "
            "f32 [3]");
  EXPECT_EQ(fails({reals(program::F32, {0, 3}, {}), goodA}),
            "input 'x' must be f32 [1, 3] (or [N, ...] for a batch of N), got "
            "f32 [0, 3]");
  EXPECT_EQ(fails({good, ints(program::U8, {3, 2}, {0, 1, 2, 3, 4, 5})}),
            "input 'a' must be u8 [2, 2] (or N times its first dimension), got "
            "u8 [3, 2]");
  EXPECT_EQ(
      fails({good, ints(program::U8, {6, 2}, std::vector<int64_t>(12, 0))}),
      "input 'a' holds a batch of 3 but an earlier input holds 2");
  HostTensor shortData = good;
  shortData.data.pop_back();
  EXPECT_EQ(fails({shortData, goodA}),
            "input 'x' has the wrong number of bytes");
  EXPECT_EQ(fails({good, ints(program::U8, {4, 2}, {0, 1, 2, 3, 4, 5, 6, 16})}),
            "input 'a' holds 16, which does not fit its 4-bit element type");
  std::vector<HostTensor> outputs;
  ASSERT_TRUE(executor.run({good, goodA}, outputs, error)) << error;
  EXPECT_EQ(toReals(outputs[0]), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

//===----------------------------------------------------------------------===//
// Extremes (found by review of the executor; fixed)
//===----------------------------------------------------------------------===//

// double(INT64_MAX) is 2^63, which int64_t cannot hold: requantize
// saturates there instead of converting it.
TEST(ExecutorTest, RequantizeSaturatesAtTheTopOfInt64) {
  auto p = unary(program::I32, program::I64, {1, 2},
                 [](program::Instruction &inst, uint32_t x, uint32_t y) {
                   program::Requantize &op = *inst.mutable_requantize();
                   op.set_src(x);
                   op.set_dst(y);
                   op.add_scales(4611686018427387904.0f); // 2^62
                   op.set_min(std::numeric_limits<int64_t>::min());
                   op.set_max(std::numeric_limits<int64_t>::max());
                 });
  EXPECT_EQ(toInts(run(p, {ints(program::I32, {1, 2}, {2, 3})})[0]),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                  std::numeric_limits<int64_t>::max()}));
}

// A program whose memory for the batch exceeds the machine's is refused
// before anything is allocated (zero-filling an overcommitted arena would
// not fail cleanly).
TEST(ExecutorTest, MemoryBeyondTheMachineIsAnError) {
  auto p = unary(program::U8, program::U8, {1, 1},
                 [](program::Instruction &inst, uint32_t x, uint32_t y) {
                   inst.mutable_copy()->set_src(x);
                   inst.mutable_copy()->set_dst(y);
                 });
  // Memory is what the buffers use (their high-water mark), not what the
  // program declares: a large declaration alone costs nothing.
  p.set_global_bytes(uint64_t(1) << 40);
  std::vector<ohmrt::HostTensor> outputs;
  std::string error;
  ohmrt::Executor small(p);
  EXPECT_TRUE(small.run({ints(program::U8, {1, 1}, {7})}, outputs, error))
      << error;
  // A buffer at the end of a 2^40-byte global buffer needs all of it.
  p.mutable_buffers(1)->set_offset((uint64_t(1) << 40) - 8);
  error = runError(p, {ints(program::U8, {1, 1}, {7})});
  EXPECT_EQ(error.find("the memory budget of "), 0u) << error;
  EXPECT_NE(error.find("cannot hold one inference: it needs 1099511627769 "
                       "bytes per inference"),
            std::string::npos)
      << error;
}

// Sources of the instructions that subtract zero points or add offsets
// (done in int64) are at most 32 bits wide: a u64 row code of 2^63 or an
// i64 code of -2^63 cannot reach them.
TEST(ExecutorTest, WideCodesAreRejectedByTheValidator) {
  ProgramBuilder b;
  uint32_t x = b.buffer(program::U64, {1, 2});
  uint32_t y = b.buffer(program::I32, {1, 1});
  program::Mvm &op = *b.add().mutable_mvm();
  op.add_arrays(b.array(2, 1, 2, {1, 1}));
  op.set_rows(x);
  op.set_dst(y);
  op.set_tile_rows(2);
  op.set_tile_cols(1);
  op.set_encoding(program::OFFSET);
  op.set_input_bits(8);
  op.set_dac_bits(8);
  op.set_cell_bits(2);
  op.set_slices(1);
  op.set_active_rows(2);
  op.set_adc_step(1);
  op.set_sets(1);
  op.set_repeat(1);
  op.set_layer("l");
  b.input("x", x);
  b.output("y", y);
  std::string error;
  EXPECT_FALSE(ohmrt::validateProgram(b.p, error));
  EXPECT_EQ(error, "instruction 0 (mvm): needs 2-D unsigned rows of at most "
                   "32 bits and an i32 destination");

  auto p = unary(program::I64, program::F32, {1, 1},
                 [](program::Instruction &inst, uint32_t x, uint32_t y) {
                   program::Dequantize &op = *inst.mutable_dequantize();
                   op.set_src(x);
                   op.set_dst(y);
                   op.add_scales(1.0f);
                   op.add_zero_points(1);
                 });
  EXPECT_FALSE(ohmrt::validateProgram(p, error));
  EXPECT_EQ(error, "instruction 0 (dequantize): invalid element types or dims");
}

} // namespace
