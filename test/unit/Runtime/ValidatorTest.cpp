//===- ValidatorTest.cpp - Every check of the program loader
//---------------===//
//
// The loader validates everything the executor relies on (runtime/src/
// Program.cpp). A valid program that holds every instruction kind is built
// once; each case changes one thing and expects the validator's message.
// The cases follow the validator's order: header, arrays, constants,
// buffers, ports, then each instruction kind.
//
//===----------------------------------------------------------------------===//

#include "ProgramBuilder.h"

#include "gtest/gtest.h"

#include <cmath>
#include <functional>
#include <limits>
#include <random>

using namespace ohmrt_test;
using program::Program;

namespace {

/// A valid program with every instruction kind. Buffer ids are their
/// indices; the instruction indices are the constants below.
enum : int {
  kIm2Col,
  kMvm,
  kMvm2,
  kAccumulate,
  kConcatCols,
  kBias,
  kUnrows,
  kRequantize,
  kDequantize,
  kQuantize,
  kClip,
  kCast,
  kPool,
  kGlobalAvgPool,
  kLoadConst,
  kBinary,
  kQAdd,
  kConcat,
  kPad,
  kTranspose,
  kCopy,
  kRows,
  kSoftmax,
  kSync
};

Program everyKind() {
  ProgramBuilder b;
  using program::F32, program::I32, program::U8;
  uint32_t x = b.buffer(U8, {1, 2, 4, 4});            // 0
  uint32_t rows = b.scratchpad(U8, {16, 18});         // 1
  uint32_t partial = b.scratchpad(I32, {16, 2});      // 2
  uint32_t partial2 = b.scratchpad(I32, {16, 2});     // 3
  uint32_t sum = b.buffer(I32, {16, 2});              // 4
  uint32_t cols = b.buffer(I32, {16, 4});             // 5
  uint32_t biased = b.buffer(I32, {16, 4});           // 6
  uint32_t image = b.buffer(I32, {1, 4, 4, 4});       // 7
  uint32_t act = b.buffer(U8, {1, 4, 4, 4});          // 8
  uint32_t real = b.buffer(F32, {1, 4, 4, 4});        // 9
  uint32_t requant = b.buffer(U8, {1, 4, 4, 4});      // 10
  uint32_t clipped = b.buffer(U8, {1, 4, 4, 4});      // 11
  uint32_t wide = b.buffer(I32, {1, 4, 4, 4});        // 12
  uint32_t pooled = b.buffer(U8, {1, 4, 2, 2});       // 13
  uint32_t gap = b.buffer(F32, {1, 4, 1, 1});         // 14
  uint32_t shift = b.buffer(U8, {1, 4, 1, 1}, false); // 15
  uint32_t summed = b.buffer(U8, {1, 4, 2, 2});       // 16
  uint32_t qsum = b.buffer(U8, {1, 4, 2, 2});         // 17
  uint32_t cat = b.buffer(U8, {1, 8, 2, 2});          // 18
  uint32_t padded = b.buffer(U8, {1, 8, 4, 4});       // 19
  uint32_t moved = b.buffer(U8, {1, 4, 4, 8});        // 20
  uint32_t flat = b.buffer(U8, {1, 128});             // 21
  uint32_t fcRows = b.scratchpad(U8, {1, 128}, 1);    // 22
  uint32_t soft = b.buffer(F32, {1, 4, 1, 1});        // 23

  program::Im2Col &i2c = *b.add().mutable_im2col();
  i2c.set_src(x);
  i2c.set_dst(rows);
  setWindow(i2c, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1});
  i2c.set_group(1);
  for (int tile = 0; tile < 2; ++tile) {
    program::Mvm &m = *b.add().mutable_mvm();
    for (int q = 0; q < 2; ++q)
      m.add_arrays(
          b.array(9, 2, 2, std::vector<uint8_t>(18, uint8_t(q + tile))));
    m.set_rows(rows);
    m.set_dst(tile ? partial2 : partial);
    m.set_row_offset(9 * tile);
    m.set_tile_rows(9);
    m.set_tile_cols(2);
    m.set_encoding(program::DIFFERENTIAL);
    m.set_input_bits(8);
    m.set_dac_bits(1);
    m.set_cell_bits(2);
    m.set_slices(1);
    m.set_active_rows(9);
    m.set_adc_bits(4);
    m.set_adc_step(2);
    m.set_sets(2);
    m.set_repeat(16);
    m.set_layer("conv");
  }
  program::Accumulate &acc = *b.add().mutable_accumulate();
  acc.add_srcs(partial);
  acc.add_srcs(partial2);
  acc.set_dst(sum);
  program::ConcatCols &cc = *b.add().mutable_concat_cols();
  cc.add_srcs(sum);
  cc.add_srcs(sum);
  cc.set_dst(cols);
  program::Bias &bias = *b.add().mutable_bias();
  bias.set_src(cols);
  bias.set_dst(biased);
  bias.set_constant(b.constant(program::I32, {4}, {1, 2, 3, 4})); // c0
  program::Unrows &un = *b.add().mutable_unrows();
  un.set_src(biased);
  un.set_dst(image);
  un.set_nchw(true);
  program::Requantize &rq = *b.add().mutable_requantize();
  rq.set_src(image);
  rq.set_dst(act);
  for (int i = 0; i < 4; ++i)
    rq.add_scales(0.01f);
  rq.set_axis(1);
  rq.set_min(0);
  rq.set_max(255);
  program::Dequantize &dq = *b.add().mutable_dequantize();
  dq.set_src(act);
  dq.set_dst(real);
  dq.add_scales(0.1f);
  dq.add_zero_points(3);
  program::Quantize &q = *b.add().mutable_quantize();
  q.set_src(real);
  q.set_dst(requant);
  q.add_scales(0.2f);
  q.add_zero_points(1);
  program::Clip &clip = *b.add().mutable_clip();
  clip.set_src(requant);
  clip.set_dst(clipped);
  clip.set_has_min(true);
  clip.set_min(10);
  program::Cast &cast = *b.add().mutable_cast();
  cast.set_src(clipped);
  cast.set_dst(wide);
  program::Pool &pool = *b.add().mutable_pool();
  pool.set_src(act);
  pool.set_dst(pooled);
  pool.set_kind(program::MAX);
  setWindow(pool, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1});
  b.add().mutable_global_avg_pool()->set_src(real);
  b.p.mutable_instructions(kGlobalAvgPool)
      ->mutable_global_avg_pool()
      ->set_dst(gap);
  program::LoadConst &lc = *b.add().mutable_load_const();
  lc.set_constant(b.constant(U8, {1, 4, 1, 1}, {1, 2, 3, 4})); // c1
  lc.set_dst(shift);
  program::Binary &add = *b.add().mutable_binary();
  add.set_lhs(pooled);
  add.set_rhs(shift);
  add.set_dst(summed);
  add.set_kind(program::ADD);
  program::QAdd &qadd = *b.add().mutable_qadd();
  qadd.set_lhs(pooled);
  qadd.set_rhs(summed);
  qadd.set_dst(qsum);
  qadd.set_lhs_scale(0.5f);
  qadd.set_rhs_scale(0.25f);
  program::Concat &concat = *b.add().mutable_concat();
  concat.add_srcs(pooled);
  concat.add_srcs(summed);
  concat.set_dst(cat);
  concat.set_axis(1);
  program::Pad &pad = *b.add().mutable_pad();
  pad.set_src(cat);
  pad.set_dst(padded);
  for (int64_t v : {0, 0, 1, 1, 0, 0, 1, 1})
    pad.add_pads(v);
  program::Transpose &tr = *b.add().mutable_transpose();
  tr.set_src(padded);
  tr.set_dst(moved);
  for (int64_t v : {0, 2, 3, 1})
    tr.add_perm(v);
  program::Copy &copy = *b.add().mutable_copy();
  copy.set_src(moved);
  copy.set_dst(flat);
  program::Rows &r = *b.add().mutable_rows();
  r.set_src(flat);
  r.set_dst(fcRows);
  program::Softmax &sm = *b.add().mutable_softmax();
  sm.set_src(gap);
  sm.set_dst(soft);
  sm.set_axis(1);
  b.add().mutable_sync()->set_layer("end");
  b.input("x", x);
  b.output("soft", soft);
  b.output("rows", fcRows);
  b.output("qsum", qsum);
  b.output("wide", wide);
  return b.p;
}

using Mutation = std::function<void(Program &)>;

struct Case {
  const char *message; // expected in the validator's message
  Mutation mutate;
};

program::Instruction &inst(Program &p, int index) {
  return *p.mutable_instructions(index);
}
program::Buffer &buf(Program &p, int id) { return *p.mutable_buffers(id); }
program::Mvm &mvm(Program &p) { return *inst(p, kMvm).mutable_mvm(); }

constexpr int64_t kBig = int64_t(1) << 41;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

void expectInvalid(const Program &p, const std::string &message) {
  std::string error;
  bool valid = ohmrt::validateProgram(p, error);
  EXPECT_FALSE(valid) << "expected: " << message;
  if (!valid) {
    EXPECT_NE(error.find(message), std::string::npos)
        << "expected: " << message << "\n     got: " << error;
  }
}

TEST(ValidatorTest, TheBaseProgramIsValidAndRuns) {
  Program p = everyKind();
  std::string error;
  ASSERT_TRUE(ohmrt::validateProgram(p, error)) << error;
  ohmrt::Executor executor(p);
  std::vector<HostTensor> outputs;
  ASSERT_TRUE(executor.run(
      {ints(program::U8, {2, 2, 4, 4}, std::vector<int64_t>(64, 7))}, outputs,
      error))
      << error;
  EXPECT_EQ(outputs.size(), 4u);
}

// The file's checksum (docs/ISA.md): what serializeProgram writes parses
// back to the same program; every single-bit flip and every truncation is
// refused before the protobuf is parsed.
TEST(ValidatorTest, TheChecksumCatchesEveryFlippedBitAndCut) {
  Program p = everyKind();
  std::string bytes, error;
  ASSERT_TRUE(ohmrt::serializeProgram(p, bytes));
  Program back;
  ASSERT_TRUE(ohmrt::parseProgram(bytes, "p.ohmx", back, error)) << error;
  back.clear_checksum();
  EXPECT_EQ(back.SerializeAsString(), p.SerializeAsString());
  // Serializing a program read from a file replaces its checksum.
  back = Program();
  ASSERT_TRUE(ohmrt::parseProgram(bytes, "p.ohmx", back, error));
  std::string again;
  ASSERT_TRUE(ohmrt::serializeProgram(back, again));
  EXPECT_EQ(again, bytes);

  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] = char(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(ohmrt::parseProgram(flipped, "p.ohmx", back, error))
        << "bit " << bit;
    EXPECT_NE(error.find("checksum"), std::string::npos) << error;
  }
  for (size_t size = 0; size < bytes.size(); ++size)
    EXPECT_FALSE(
        ohmrt::parseProgram(bytes.substr(0, size), "p.ohmx", back, error))
        << "cut to " << size << " bytes";
}

TEST(ValidatorTest, HeaderArraysConstantsBuffersPorts) {
  const Case cases[] = {
      // Header.
      {"the program has no format version (the file is empty or not an ohm "
       "program)",
       [](Program &p) { p.set_version(0); }},
      {"program format version 7 is not supported (this simulator reads "
       "version 2)",
       [](Program &p) { p.set_version(7); }},
      {"the target description is invalid",
       [](Program &p) { p.mutable_target()->set_rows(0); }},
      {"the target description is invalid",
       [](Program &p) { p.mutable_target()->set_cols(1 << 17); }},
      {"the target description is invalid",
       [](Program &p) { p.mutable_target()->set_cell_bits(9); }},
      {"the target description is invalid",
       [](Program &p) { p.mutable_target()->set_max_active_rows(0); }},
      {"the target description is invalid",
       [](Program &p) { p.mutable_target()->set_dac_bits(17); }},
      {"the target description is invalid",
       [](Program &p) { p.mutable_target()->set_arrays_per_core(0); }},
      {"the target description is invalid",
       [](Program &p) { p.mutable_target()->set_cores(0); }},
      {"memory sizes are implausibly large",
       [](Program &p) { p.set_global_bytes(uint64_t(kBig)); }},
      {"memory sizes are implausibly large",
       [](Program &p) { p.set_scratchpad_bytes(uint64_t(kBig)); }},
      // Arrays.
      {"array id 0 is repeated",
       [](Program &p) { *p.add_arrays() = p.arrays(0); }},
      {"array 0 is larger than the target's arrays",
       [](Program &p) { p.mutable_arrays(0)->set_rows(257); }},
      {"array 0 has invalid cell bits",
       [](Program &p) { p.mutable_arrays(0)->set_cell_bits(0); }},
      {"array 0 holds 3 levels for 18 cells",
       [](Program &p) { p.mutable_arrays(0)->set_levels("abc"); }},
      {"array 0 has a level that does not fit its cells",
       [](Program &p) { (*p.mutable_arrays(0)->mutable_levels())[5] = 4; }},
      {"array 0 is on core 4 of 4",
       [](Program &p) { p.mutable_arrays(0)->set_core(4); }},
      // Constants.
      {"constant id 0 is repeated",
       [](Program &p) { *p.add_constants() = p.constants(0); }},
      {"constant 0 has bad dims",
       [](Program &p) { p.mutable_constants(0)->set_dims(0, -1); }},
      {"constant 0 has bad dims",
       [](Program &p) {
         p.mutable_constants(0)->set_dims(0, int64_t(1) << 30);
         p.mutable_constants(0)->add_dims(int64_t(1) << 30);
       }},
      {"constant 0 has a bad type or data size",
       [](Program &p) { p.mutable_constants(0)->set_data("12345678"); }},
      {"constant 0 has a bad type or data size",
       [](Program &p) {
         p.mutable_constants(0)->mutable_type()->set_dtype(
             program::DTYPE_UNSPECIFIED);
       }},
      // Buffers.
      {"buffer id 0 is repeated",
       [](Program &p) { *p.add_buffers() = p.buffers(0); }},
      {"buffer 0 has an invalid element type",
       [](Program &p) {
         buf(p, 0).mutable_type()->set_dtype(program::DType(42));
       }},
      {"buffer 0 has an invalid element type",
       [](Program &p) { buf(p, 0).mutable_type()->set_bits(9); }},
      {"buffer 0 is f16, which this simulator does not support",
       [](Program &p) { buf(p, 0).mutable_type()->set_dtype(program::F16); }},
      {"buffer 1 is not aligned to 8 bytes",
       [](Program &p) { buf(p, 1).set_offset(4); }},
      {"buffer 0 has invalid dims [1, 2, 0, 4]",
       [](Program &p) { buf(p, 0).set_dims(2, 0); }},
      {"buffer 0 has invalid dims [1, 2, 4194304, 4194304]",
       [](Program &p) {
         buf(p, 0).set_dims(2, 1 << 22);
         buf(p, 0).set_dims(3, 1 << 22);
       }},
      {"buffer 0 is batched but has no dimensions",
       [](Program &p) {
         buf(p, 0).clear_dims();
         buf(p, 0).set_size(1);
       }},
      {"buffer 0 has size 33 for 32 elements",
       [](Program &p) { buf(p, 0).set_size(33); }},
      {"buffer 0 is in an unknown memory space",
       [](Program &p) { buf(p, 0).set_space(program::Space(2)); }},
      {"buffer 23 lies outside its memory (offset 2128, size 16, memory 2136 "
       "bytes)",
       [](Program &p) { buf(p, 23).set_offset(p.global_bytes() - 8); }},
      {"buffer 23 lies outside its memory (offset 18446744073709551608, size "
       "16",
       [](Program &p) { buf(p, 23).set_offset(18446744073709551608ull); }},
      {"buffer 1 lies outside its memory",
       [](Program &p) { p.set_scratchpad_bytes(100); }},
      {"buffer 1 is in the scratchpad of a core that does not exist",
       [](Program &p) { buf(p, 1).set_core(4); }},
      // Ports.
      {"port 'x' uses buffer 99, which does not exist",
       [](Program &p) { p.mutable_inputs(0)->set_buffer(99); }},
      {"port 'soft' must be a batched buffer",
       [](Program &p) { p.mutable_outputs(0)->set_buffer(15); }},
      {"input name 'x' is repeated",
       [](Program &p) { *p.add_inputs() = p.inputs(0); }},
      {"the program has no inputs or no outputs",
       [](Program &p) { p.clear_outputs(); }},
      {"the program has no inputs or no outputs",
       [](Program &p) { p.clear_inputs(); }},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.message);
    Program p = everyKind();
    c.mutate(p);
    expectInvalid(p, c.message);
  }
}

TEST(ValidatorTest, Instructions) {
  const Case cases[] = {
      // Any instruction.
      {"instruction 1 (mvm): uses buffer 99, which does not exist",
       [](Program &p) { mvm(p).set_dst(99); }},
      {"instruction 23 (?): unknown or missing opcode", [](Program &p) { inst(p, kSync).Clear(); }},
      // im2col.
      {"instruction 0 (im2col): needs a 4-D integer source and a 2-D unsigned destination",
       [](Program &p) { buf(p, 1).mutable_type()->set_dtype(program::I8); }},
      {"instruction 0 (im2col): invalid group, group_index, offset or pad value",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_group(3); }},
      {"instruction 0 (im2col): invalid group, group_index, offset or pad value",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_group_index(1); }},
      {"instruction 0 (im2col): invalid group, group_index, offset or pad value",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_offset(-1); }},
      {"instruction 0 (im2col): invalid group, group_index, offset or pad value",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_offset(kBig); }},
      {"instruction 0 (im2col): invalid group, group_index, offset or pad value",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_pad_value(kMin); }},
      {"instruction 0 (im2col): window fields must be 2-D",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->add_kernel(3); }},
      {"instruction 0 (im2col): kernel, strides and dilations must be positive",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_strides(0, 0); }},
      {"instruction 0 (im2col): kernel, strides and dilations must be positive",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_dilations(1, 5000); }},
      {"instruction 0 (im2col): pads must be non-negative",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_pads(2, -1); }},
      {"instruction 0 (im2col): the window does not fit the input",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_kernel(0, 7); }},
      {"instruction 0 (im2col): buffer 1 has dims [16, 18] but [8, 18] is needed",
       [](Program &p) { inst(p, kIm2Col).mutable_im2col()->set_strides(0, 2); }},
      {"instruction 0 (im2col): buffer 1 must be batched like its sources",
       [](Program &p) { buf(p, 1).set_batched(false); }},
      // mvm.
      {"instruction 1 (mvm): needs 2-D unsigned rows of at most 32 bits and an i32 destination",
       [](Program &p) { mvm(p).set_dst(1); }},
      {"instruction 1 (mvm): the tile does not fit the target's arrays",
       [](Program &p) { mvm(p).set_tile_rows(0); }},
      {"instruction 1 (mvm): the tile does not fit the target's arrays",
       [](Program &p) { mvm(p).set_tile_cols(257); }},
      {"instruction 1 (mvm): rows [10, 19) are outside the 18 input columns",
       [](Program &p) { mvm(p).set_row_offset(10); }},
      {"instruction 1 (mvm): rows [9223372036854775807, 9223372036854775816) are outside "
       "the 18 input columns",
       [](Program &p) { mvm(p).set_row_offset(kMax); }},
      {"instruction 1 (mvm): unknown encoding 9",
       [](Program &p) { mvm(p).set_encoding(program::Encoding(9)); }},
      {"instruction 1 (mvm): the encoding needs 1 cell sets",
       [](Program &p) { mvm(p).set_encoding(program::OFFSET); }},
      {"instruction 1 (mvm): invalid slices, cell bits, input or DAC bits, active rows or "
       "weight offset",
       [](Program &p) { mvm(p).set_slices(0); }},
      {"instruction 1 (mvm): invalid slices", [](Program &p) { mvm(p).set_slices(65); }},
      {"instruction 1 (mvm): invalid slices", [](Program &p) { mvm(p).set_cell_bits(9); }},
      {"instruction 1 (mvm): invalid slices", [](Program &p) { mvm(p).set_input_bits(33); }},
      {"instruction 1 (mvm): invalid slices", [](Program &p) { mvm(p).set_dac_bits(9); }},
      {"instruction 1 (mvm): invalid slices", [](Program &p) { mvm(p).set_active_rows(0); }},
      {"instruction 1 (mvm): invalid slices",
       [](Program &p) { mvm(p).set_active_rows((1 << 16) + 1); }},
      {"instruction 1 (mvm): invalid slices", [](Program &p) { mvm(p).set_weight_offset(-1); }},
      {"instruction 1 (mvm): invalid slices", [](Program &p) { mvm(p).set_weight_offset(kBig); }},
      {"instruction 1 (mvm): binary and ternary reads use 1-bit single-slice cells",
       [](Program &p) { mvm(p).set_encoding(program::TERNARY); }},
      {"instruction 1 (mvm): invalid ADC configuration", [](Program &p) { mvm(p).set_adc_bits(33); }},
      {"instruction 1 (mvm): invalid ADC configuration", [](Program &p) { mvm(p).set_adc_step(3); }},
      {"instruction 1 (mvm): invalid ADC configuration", [](Program &p) { mvm(p).set_adc_step(0); }},
      {"instruction 1 (mvm): invalid ADC configuration",
       [](Program &p) { mvm(p).set_adc_offset(kMin); }},
      // Worst-case sums beyond 62 bits: wide slices, wide ADC ranges, a
      // large offset-encoding correction.
      {"instruction 1 (mvm): the read's sums could exceed 62 bits",
       [](Program &p) {
         mvm(p).set_cell_bits(8);
         mvm(p).set_slices(8);
       }},
      {"instruction 1 (mvm): the read's sums could exceed 62 bits",
       [](Program &p) {
         mvm(p).set_adc_bits(32);
         mvm(p).set_adc_step(int64_t(1) << 40);
       }},
      {"instruction 1 (mvm): the read's sums could exceed 62 bits",
       [](Program &p) {
         mvm(p).set_encoding(program::OFFSET);
         mvm(p).set_sets(1);
         mvm(p).set_input_bits(32);
         mvm(p).set_weight_offset(int64_t(1) << 40);
       }},
      {"instruction 1 (mvm): lists 3 arrays for 2 sets of 1 slices",
       [](Program &p) { mvm(p).add_arrays(0); }},
      {"instruction 1 (mvm): uses array 99, which does not exist",
       [](Program &p) { mvm(p).set_arrays(1, 99); }},
      {"instruction 1 (mvm): array 0 does not match the tile or the cell width",
       [](Program &p) { mvm(p).set_cell_bits(3); }},
      {"instruction 1 (mvm): array 0 does not match the tile or the cell width",
       [](Program &p) { mvm(p).set_tile_cols(3); }},
      {"instruction 1 (mvm): repeat 5 differs from the rows per inference 16",
       [](Program &p) { mvm(p).set_repeat(5); }},
      {"instruction 1 (mvm): buffer 5 has dims [16, 4] but [16, 2] is needed",
       [](Program &p) { mvm(p).set_dst(5); }},
      // accumulate, concat_cols, bias, unrows.
      {"instruction 3 (accumulate): needs sources and an i32 destination",
       [](Program &p) { inst(p, kAccumulate).mutable_accumulate()->set_dst(1); }},
      {"instruction 3 (accumulate): needs sources and an i32 destination",
       [](Program &p) { inst(p, kAccumulate).mutable_accumulate()->clear_srcs(); }},
      {"instruction 3 (accumulate): sources must match the destination",
       [](Program &p) { inst(p, kAccumulate).mutable_accumulate()->add_srcs(5); }},
      {"instruction 4 (concat_cols): needs sources",
       [](Program &p) { inst(p, kConcatCols).mutable_concat_cols()->clear_srcs(); }},
      {"instruction 4 (concat_cols): the destination must be 2-D",
       [](Program &p) { inst(p, kConcatCols).mutable_concat_cols()->set_dst(7); }},
      {"instruction 4 (concat_cols): sources must be i32 [P, C] with the destination's P",
       [](Program &p) { inst(p, kConcatCols).mutable_concat_cols()->add_srcs(0); }},
      {"instruction 4 (concat_cols): buffer 5 has dims [16, 4] but [16, 6] is needed",
       [](Program &p) { inst(p, kConcatCols).mutable_concat_cols()->add_srcs(4); }},
      {"instruction 4 (concat_cols): the destination must be i32",
       [](Program &p) { buf(p, 5).mutable_type()->set_dtype(program::U32); }},
      {"instruction 5 (bias): uses a constant that does not exist",
       [](Program &p) { inst(p, kBias).mutable_bias()->set_constant(99); }},
      {"instruction 5 (bias): needs an i32 [P, N] source and an i32 constant of N values",
       [](Program &p) {
         p.mutable_constants(0)->set_dims(0, 3);
         p.mutable_constants(0)->mutable_data()->resize(12);
       }},
      {"instruction 6 (unrows): needs a 2-D source and a destination of as many elements",
       [](Program &p) { inst(p, kUnrows).mutable_unrows()->set_dst(8); }},
      {"instruction 6 (unrows): an nchw destination must be [N, M, OH, OW] with M columns",
       [](Program &p) {
         buf(p, 7).set_dims(1, 2);
         buf(p, 7).set_dims(2, 8);
       }},
      // requantize, dequantize, quantize.
      {"instruction 7 (requantize): needs integer source (at most 32 bits) and destination of the same dims",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->set_dst(9); }},
      {"instruction 7 (requantize): axis 4 is out of range",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->set_axis(4); }},
      {"instruction 7 (requantize): expects 1 or 4 scales",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->mutable_scales()->RemoveLast(); }},
      {"instruction 7 (requantize): scales must be positive and finite",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->set_scales(2, 0); }},
      {"instruction 7 (requantize): scales must be positive and finite",
       [](Program &p) {
         inst(p, kRequantize).mutable_requantize()->set_scales(
             1, std::numeric_limits<float>::infinity());
       }},
      {"instruction 7 (requantize): fixed point needs a multiplier and shift per scale",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->set_fixed_point(true); }},
      {"instruction 7 (requantize): fixed-point multiplier or shift out of range",
       [](Program &p) {
         auto &op = *inst(p, kRequantize).mutable_requantize();
         op.set_fixed_point(true);
         for (int i = 0; i < 4; ++i) {
           op.add_multipliers(1 << 30);
           op.add_shifts(i == 2 ? 32 : 0);
         }
       }},
      {"instruction 7 (requantize): invalid clamp range or zero points",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->set_min(256); }},
      {"instruction 7 (requantize): invalid clamp range or zero points",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->set_zero_point(kBig); }},
      {"instruction 7 (requantize): invalid clamp range or zero points",
       [](Program &p) { inst(p, kRequantize).mutable_requantize()->set_input_zero_point(kMin); }},
      {"instruction 8 (dequantize): invalid element types or dims",
       [](Program &p) { inst(p, kDequantize).mutable_dequantize()->set_dst(10); }},
      {"instruction 8 (dequantize): zero points do not match the scales",
       [](Program &p) {
         auto &op = *inst(p, kDequantize).mutable_dequantize();
         op.add_zero_points(0);
         op.add_zero_points(0);
       }},
      {"instruction 8 (dequantize): zero point -9223372036854775808 is out of range",
       [](Program &p) { inst(p, kDequantize).mutable_dequantize()->set_zero_points(0, kMin); }},
      {"instruction 9 (quantize): invalid element types or dims",
       [](Program &p) { inst(p, kQuantize).mutable_quantize()->set_src(8); }},
      {"instruction 9 (quantize): axis -1 is out of range",
       [](Program &p) { inst(p, kQuantize).mutable_quantize()->set_axis(-1); }},
      {"instruction 9 (quantize): zero point 2199023255552 is out of range",
       [](Program &p) { inst(p, kQuantize).mutable_quantize()->set_zero_points(0, kBig); }},
      // clip, cast, copy, softmax.
      {"instruction 10 (clip): source and destination element types differ",
       [](Program &p) { inst(p, kClip).mutable_clip()->set_dst(12); }},
      {"instruction 10 (clip): source and destination dims differ",
       [](Program &p) { inst(p, kClip).mutable_clip()->set_dst(13); }},
      {"instruction 10 (clip): integer bounds must be finite and within 64 bits",
       [](Program &p) { inst(p, kClip).mutable_clip()->set_min(1e300); }},
      {"instruction 10 (clip): integer bounds must be finite and within 64 bits",
       [](Program &p) {
         inst(p, kClip).mutable_clip()->set_has_max(true);
         inst(p, kClip).mutable_clip()->set_max(std::nan(""));
       }},
      {"instruction 11 (cast): source and destination dims differ",
       [](Program &p) { inst(p, kCast).mutable_cast()->set_dst(16); }},
      {"instruction 11 (cast): buffer 14 must not be batched",
       [](Program &p) {
         inst(p, kCast).mutable_cast()->set_src(15);
         inst(p, kCast).mutable_cast()->set_dst(14);
       }},
      {"instruction 20 (copy): copy needs the same element type and count",
       [](Program &p) { inst(p, kCopy).mutable_copy()->set_dst(12); }},
      {"instruction 22 (softmax): softmax needs floats and a non-batch axis",
       [](Program &p) { inst(p, kSoftmax).mutable_softmax()->set_axis(0); }},
      {"instruction 22 (softmax): axis 9 is out of range",
       [](Program &p) { inst(p, kSoftmax).mutable_softmax()->set_axis(9); }},
      // pool, global_avg_pool, load_const.
      {"instruction 12 (pool): needs a 4-D source",
       [](Program &p) { inst(p, kPool).mutable_pool()->set_src(2); }},
      {"instruction 12 (pool): unknown pool kind 7",
       [](Program &p) { inst(p, kPool).mutable_pool()->set_kind(program::PoolKind(7)); }},
      {"instruction 12 (pool): invalid element types for this pool",
       [](Program &p) { inst(p, kPool).mutable_pool()->set_kind(program::AVERAGE); }},
      {"instruction 12 (pool): invalid element types for this pool",
       [](Program &p) { inst(p, kPool).mutable_pool()->set_kind(program::SUM); }},
      {"instruction 12 (pool): zero point 2199023255552 is out of range",
       [](Program &p) { inst(p, kPool).mutable_pool()->set_zero_point(kBig); }},
      {"instruction 12 (pool): buffer 13 has dims [1, 4, 2, 2] but [1, 4, 3, 3] is needed",
       [](Program &p) {
         inst(p, kPool).mutable_pool()->set_strides(0, 1);
         inst(p, kPool).mutable_pool()->set_strides(1, 1);
       }},
      {"instruction 12 (pool): buffer 13 has dims [1, 4, 2, 2] but [1, 4, 3, 3] is needed",
       [](Program &p) {
         inst(p, kPool).mutable_pool()->set_kernel(0, 3);
         inst(p, kPool).mutable_pool()->set_kernel(1, 3);
         inst(p, kPool).mutable_pool()->set_strides(0, 1);
         inst(p, kPool).mutable_pool()->set_strides(1, 1);
         for (int i = 0; i < 4; ++i) // 1 before, 2 after
           inst(p, kPool).mutable_pool()->set_pads(i, i < 2 ? 1 : 2);
         inst(p, kPool).mutable_pool()->set_dilations(0, 2);
         inst(p, kPool).mutable_pool()->set_dilations(1, 2);
       }},
      {"instruction 13 (global_avg_pool): needs a float source of rank 3 or more",
       [](Program &p) { inst(p, kGlobalAvgPool).mutable_global_avg_pool()->set_src(8); }},
      {"instruction 14 (load_const): uses a constant that does not exist",
       [](Program &p) { inst(p, kLoadConst).mutable_load_const()->set_constant(7); }},
      {"instruction 14 (load_const): the constant must match its destination (per inference when batched)",
       [](Program &p) { inst(p, kLoadConst).mutable_load_const()->set_constant(0); }},
      // binary, qadd.
      {"instruction 15 (binary): invalid element types",
       [](Program &p) { inst(p, kBinary).mutable_binary()->set_dst(12); }},
      {"instruction 15 (binary): unknown binary kind 5",
       [](Program &p) { inst(p, kBinary).mutable_binary()->set_kind(program::BinaryKind(5)); }},
      {"instruction 15 (binary): operands do not broadcast",
       [](Program &p) { inst(p, kBinary).mutable_binary()->set_rhs(8); }},
      {"instruction 15 (binary): an unbatched operand spans the batch dimension",
       [](Program &p) {
         buf(p, 15).set_dims(0, 2);
         buf(p, 15).set_size(8);
         p.mutable_constants(1)->set_dims(0, 2);
         p.mutable_constants(1)->mutable_data()->resize(8);
       }},
      {"instruction 15 (binary): buffer 16 has dims [1, 4, 2, 2] but [1, 4, 4, 4] is needed",
       [](Program &p) { inst(p, kBinary).mutable_binary()->set_lhs(8); }},
      {"instruction 16 (qadd): invalid element types",
       [](Program &p) { inst(p, kQAdd).mutable_qadd()->set_dst(9); }},
      {"instruction 16 (qadd): scales must be positive and finite",
       [](Program &p) { inst(p, kQAdd).mutable_qadd()->set_lhs_scale(0); }},
      {"instruction 16 (qadd): scales must be positive and finite",
       [](Program &p) { inst(p, kQAdd).mutable_qadd()->set_rhs_scale(std::nanf("")); }},
      {"instruction 16 (qadd): zero point 2199023255552 is out of range",
       [](Program &p) { inst(p, kQAdd).mutable_qadd()->set_zero_point(kBig); }},
      {"instruction 16 (qadd): zero point -9223372036854775808 is out of range",
       [](Program &p) { inst(p, kQAdd).mutable_qadd()->set_lhs_zero_point(kMin); }},
      // concat, pad, transpose.
      {"instruction 17 (concat): needs sources",
       [](Program &p) { inst(p, kConcat).mutable_concat()->clear_srcs(); }},
      {"instruction 17 (concat): cannot concatenate along the batch",
       [](Program &p) { inst(p, kConcat).mutable_concat()->set_axis(0); }},
      {"instruction 17 (concat): axis 4 is out of range",
       [](Program &p) { inst(p, kConcat).mutable_concat()->set_axis(4); }},
      {"instruction 17 (concat): sources must match the destination's rank and type",
       [](Program &p) { inst(p, kConcat).mutable_concat()->set_srcs(1, 15); }},
      {"instruction 17 (concat): sources differ outside the axis",
       [](Program &p) { inst(p, kConcat).mutable_concat()->set_srcs(1, 8); }},
      {"instruction 17 (concat): the destination's axis does not add up",
       [](Program &p) { inst(p, kConcat).mutable_concat()->add_srcs(13); }},
      {"instruction 18 (pad): needs the same element types and 2 pads per dimension",
       [](Program &p) { inst(p, kPad).mutable_pad()->mutable_pads()->RemoveLast(); }},
      {"instruction 18 (pad): unknown pad mode 3",
       [](Program &p) { inst(p, kPad).mutable_pad()->set_mode(program::PadMode(3)); }},
      {"instruction 18 (pad): an integer pad value must be finite and within 64 bits",
       [](Program &p) { inst(p, kPad).mutable_pad()->set_value(1e300); }},
      {"instruction 18 (pad): invalid pads",
       [](Program &p) { inst(p, kPad).mutable_pad()->set_pads(0, 1); }},
      {"instruction 18 (pad): invalid pads",
       [](Program &p) { inst(p, kPad).mutable_pad()->set_pads(3, -1); }},
      {"instruction 18 (pad): invalid pads",
       [](Program &p) { inst(p, kPad).mutable_pad()->set_pads(3, 5000); }},
      {"instruction 18 (pad): invalid pads",
       [](Program &p) {
         inst(p, kPad).mutable_pad()->set_mode(program::REFLECT);
         inst(p, kPad).mutable_pad()->set_pads(2, 2);
         inst(p, kPad).mutable_pad()->set_pads(6, 0);
       }},
      {"instruction 18 (pad): buffer 19 has dims [1, 8, 4, 4] but [1, 8, 4, 3] is needed",
       [](Program &p) { inst(p, kPad).mutable_pad()->set_pads(7, 0); }},
      {"instruction 19 (transpose): perm must cover every dimension",
       [](Program &p) { inst(p, kTranspose).mutable_transpose()->mutable_perm()->RemoveLast(); }},
      {"instruction 19 (transpose): perm is not a permutation",
       [](Program &p) { inst(p, kTranspose).mutable_transpose()->set_perm(3, 2); }},
      {"instruction 19 (transpose): perm is not a permutation",
       [](Program &p) { inst(p, kTranspose).mutable_transpose()->set_perm(3, 4); }},
      {"instruction 19 (transpose): cannot move the batch dimension",
       [](Program &p) {
         inst(p, kTranspose).mutable_transpose()->set_perm(0, 1);
         inst(p, kTranspose).mutable_transpose()->set_perm(3, 0);
       }},
      // rows.
      {"instruction 21 (rows): needs an integer source of rank 2 or more and an unsigned "
       "destination",
       [](Program &p) { inst(p, kRows).mutable_rows()->set_dst(12); }},
      {"instruction 21 (rows): needs an integer source",
       [](Program &p) { inst(p, kRows).mutable_rows()->set_offset(-1); }},
      {"instruction 21 (rows): offset 2199023255552 is out of range",
       [](Program &p) { inst(p, kRows).mutable_rows()->set_offset(kBig); }},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.message);
    Program p = everyKind();
    c.mutate(p);
    expectInvalid(p, c.message);
  }
}

/// Programs the fuzzer or a review found that once crashed the validator
/// or the executor (test/fuzz/regressions has the fuzzer's inputs).
TEST(ValidatorTest, RejectsWhatOnceCrashed) {
  // A 0-d destination: the validator read dims[0] of an empty shape.
  for (bool cols : {true, false}) {
    ProgramBuilder b;
    uint32_t x = b.buffer(cols ? program::I32 : program::U8, {1, 1});
    uint32_t scalar =
        b.buffer(cols ? program::I32 : program::U8, {}, /*batched=*/false);
    if (cols) {
      b.add().mutable_concat_cols()->add_srcs(x);
      b.p.mutable_instructions(0)->mutable_concat_cols()->set_dst(scalar);
    } else {
      b.add().mutable_copy()->set_src(x);
      b.p.mutable_instructions(0)->mutable_copy()->set_dst(scalar);
    }
    b.input("x", x);
    b.output("x", x);
    expectInvalid(
        b.p, cols ? "instruction 0 (concat_cols): the destination must be 2-D"
                  : "instruction 0 (copy): buffer 1 must be batched like its "
                    "sources");
  }
  // A batched operand broadcast along the batch: [2, 4] + [1, 4] per
  // inference reads past the second operand in a batch of 2.
  {
    ProgramBuilder b;
    uint32_t lhs = b.buffer(program::U8, {2, 4});
    uint32_t rhs = b.buffer(program::U8, {1, 4});
    uint32_t y = b.buffer(program::U8, {2, 4});
    program::Binary &op = *b.add().mutable_binary();
    op.set_lhs(lhs);
    op.set_rhs(rhs);
    op.set_dst(y);
    b.input("lhs", lhs);
    b.input("rhs", rhs);
    b.output("y", y);
    expectInvalid(b.p, "instruction 0 (binary): a batched operand must span "
                       "the batch dimension");
  }
  // An unknown pad mode was treated as reflect without reflect's bounds.
  {
    ProgramBuilder b;
    uint32_t x = b.buffer(program::U8, {1, 4});
    uint32_t y = b.buffer(program::U8, {1, 4000});
    program::Pad &op = *b.add().mutable_pad();
    op.set_src(x);
    op.set_dst(y);
    for (int64_t v : {0, 2000, 0, 1996})
      op.add_pads(v);
    op.set_mode(program::PadMode(7));
    b.input("x", x);
    b.output("y", y);
    expectInvalid(b.p, "instruction 0 (pad): unknown pad mode 7");
  }
}

} // namespace

// Packed levels (Array.level_bits): packing and unpacking agree for every
// width, a packed program runs exactly like its unpacked twin, and packed
// arrays of the wrong size or width are invalid.
TEST(ValidatorTest, PackedLevels) {
  std::mt19937 rng(3);
  for (unsigned bits = 1; bits <= 8; ++bits)
    for (size_t cells : {1u, 7u, 8u, 9u, 100u}) {
      std::vector<uint8_t> levels(cells);
      for (uint8_t &level : levels)
        level = uint8_t(rng() & ((1u << bits) - 1));
      program::Array array;
      array.set_rows(int64_t(cells));
      array.set_cols(1);
      array.set_cell_bits(bits);
      array.set_levels(ohmrt::packArrayLevels(levels, bits));
      if (bits < 8)
        array.set_level_bits(bits);
      EXPECT_EQ(array.levels().size(), (cells * bits + 7) / 8);
      EXPECT_EQ(ohmrt::getArrayLevels(array), levels)
          << bits << " bits, " << cells << " cells";
    }

  Program p = everyKind();
  Program packed = p;
  for (program::Array &a : *packed.mutable_arrays()) {
    std::vector<uint8_t> levels = ohmrt::getArrayLevels(a);
    a.set_levels(ohmrt::packArrayLevels(levels, unsigned(a.cell_bits())));
    a.set_level_bits(uint32_t(a.cell_bits()));
  }
  HostTensor input =
      ints(program::U8, {2, 2, 4, 4}, std::vector<int64_t>(64, 9));
  std::vector<HostTensor> a, b;
  std::string error;
  ASSERT_TRUE(ohmrt::validateProgram(packed, error)) << error;
  ASSERT_TRUE(ohmrt::Executor(p).run({input}, a, error)) << error;
  ASSERT_TRUE(ohmrt::Executor(packed).run({input}, b, error)) << error;
  for (size_t o = 0; o < a.size(); ++o)
    EXPECT_EQ(a[o].data, b[o].data) << "output " << o;

  Program wrongSize = packed;
  wrongSize.mutable_arrays(0)->mutable_levels()->push_back('\0');
  expectInvalid(wrongSize, "bytes of levels for");
  Program narrow = packed;
  narrow.mutable_arrays(0)->set_level_bits(1);
  narrow.mutable_arrays(0)->set_cell_bits(2);
  expectInvalid(narrow, "packs levels at 1 bits for 2-bit cells");
  Program wide = packed;
  wide.mutable_arrays(0)->set_level_bits(9);
  expectInvalid(wide, "packs levels at 9 bits");
}
