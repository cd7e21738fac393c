//===- MvmCases.h - Crossbar read cases for runtime tests -------*- C++ -*-===//
//
// One-mvm programs over every encoding, sensing, ADC width, step and
// offset, word-line grouping, DAC width and number format the executor
// distinguishes, with the read formula of docs/ISA.md written out element
// by element: shared by the executor's tests (ideal mode) and the device
// mode's (whose noiseless limit must give the same bits).
//
//===----------------------------------------------------------------------===//

#ifndef OHM_TEST_UNIT_RUNTIME_MVMCASES_H
#define OHM_TEST_UNIT_RUNTIME_MVMCASES_H

#include "ProgramBuilder.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace ohmrt_test {

inline std::vector<int64_t> randomInts(std::mt19937 &rng, int64_t count,
                                       int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<int64_t> values(static_cast<size_t>(count));
  for (int64_t &v : values)
    v = dist(rng);
  return values;
}

struct MvmConfig {
  const char *name;
  program::Encoding encoding = program::DIFFERENTIAL;
  bool analog = false;
  int64_t weightOffset = 0;
  int64_t inputBits = 8, dacBits = 1, cellBits = 2, slices = 4;
  int64_t activeRows = 0; // 0: every row at once
  int64_t adcBits = 0, adcStep = 1, adcOffset = 0;
  int64_t tileRows = 16, tileCols = 8, rowOffset = 0, extraCols = 0;
  int64_t repeat = 5;
  int64_t arrayPad = 0; // physical columns beyond the tile
};

inline int64_t setsOf(const MvmConfig &c) {
  return c.encoding == program::OFFSET ? 1 : 2;
}

/// The read of docs/ISA.md, element by element: for every row p and column
/// n, acc = sum_t 2^(d t) sum_s 2^(c s) sum_groups convert(P) with P the
/// dot product of the t-th input digit with slice s (per cell set), the
/// sets subtracted before (analog) or after (digital) conversion; offset
/// encoding subtracts weight_offset * sum_k x[k]; sense amplifiers are
/// exact. The destination is i32, so the sum wraps.
inline std::vector<int64_t>
referenceMvm(const MvmConfig &c, const std::vector<int64_t> &rows,
             int64_t count, const std::vector<std::vector<uint8_t>> &levels) {
  int64_t width = c.rowOffset + c.tileRows + c.extraCols;
  int64_t cycles = (c.inputBits + c.dacBits - 1) / c.dacBits;
  int64_t active = c.activeRows ? c.activeRows : c.tileRows;
  int64_t arrayCols = c.tileCols + c.arrayPad;
  bool senseAmp =
      c.encoding == program::BINARY || c.encoding == program::TERNARY;
  auto convert = [&](int64_t v) -> int64_t {
    if (c.adcBits == 0)
      return v;
    double q = std::floor(double(v - c.adcOffset) / double(c.adcStep) + 0.5);
    q = std::min(std::max(q, 0.0), std::ldexp(1.0, int(c.adcBits)) - 1);
    return c.adcOffset + int64_t(q) * c.adcStep;
  };
  std::vector<int64_t> out;
  for (int64_t p = 0; p < count; ++p) {
    const int64_t *x = &rows[p * width + c.rowOffset];
    for (int64_t n = 0; n < c.tileCols; ++n) {
      int64_t acc = 0;
      for (int64_t t = 0; t < cycles; ++t)
        for (int64_t s = 0; s < c.slices; ++s)
          for (int64_t k0 = 0; k0 < c.tileRows; k0 += active) {
            int64_t sums[2] = {0, 0};
            for (int64_t set = 0; set < setsOf(c); ++set)
              for (int64_t k = k0; k < std::min(k0 + active, c.tileRows); ++k) {
                int64_t digit =
                    (x[k] >> (c.dacBits * t)) & ((int64_t(1) << c.dacBits) - 1);
                sums[set] +=
                    digit * levels[set * c.slices + s][k * arrayCols + n];
              }
            int64_t scale = int64_t(1) << (c.dacBits * t + c.cellBits * s);
            if (senseAmp)
              acc += scale * (sums[0] - sums[1]);
            else if (setsOf(c) == 1)
              acc += scale * convert(sums[0]);
            else if (c.analog)
              acc += scale * convert(sums[0] - sums[1]);
            else
              acc += scale * (convert(sums[0]) - convert(sums[1]));
          }
      if (c.encoding == program::OFFSET)
        for (int64_t k = 0; k < c.tileRows; ++k)
          acc -= c.weightOffset * x[k];
      out.push_back(int64_t(int32_t(uint32_t(uint64_t(acc)))));
    }
  }
  return out;
}

inline program::DType rowTypeFor(int64_t inputBits) {
  return inputBits <= 8    ? program::U8
         : inputBits <= 16 ? program::U16
                           : program::U32;
}

/// Builds the one-mvm program of `c` with random levels; returns them.
inline program::Program buildMvm(const MvmConfig &c, std::mt19937 &rng,
                                 std::vector<std::vector<uint8_t>> &levels) {
  ProgramBuilder b;
  int64_t width = c.rowOffset + c.tileRows + c.extraCols;
  uint32_t x = b.buffer(rowTypeFor(c.inputBits), {c.repeat, width});
  uint32_t y = b.buffer(program::I32, {c.repeat, c.tileCols});
  program::Mvm &op = *b.add().mutable_mvm();
  int64_t arrayCols = c.tileCols + c.arrayPad;
  int64_t maxLevel = (int64_t(1) << c.cellBits) - 1;
  levels.clear();
  for (int64_t q = 0; q < setsOf(c) * c.slices; ++q) {
    std::vector<uint8_t> cells;
    for (int64_t v : randomInts(rng, c.tileRows * arrayCols, 0, maxLevel))
      cells.push_back(uint8_t(v));
    levels.push_back(cells);
    op.add_arrays(b.array(c.tileRows, arrayCols, c.cellBits, cells));
  }
  op.set_rows(x);
  op.set_dst(y);
  op.set_row_offset(c.rowOffset);
  op.set_tile_rows(c.tileRows);
  op.set_tile_cols(c.tileCols);
  op.set_encoding(c.encoding);
  op.set_analog_sensing(c.analog);
  op.set_weight_offset(c.weightOffset);
  op.set_input_bits(c.inputBits);
  op.set_dac_bits(c.dacBits);
  op.set_cell_bits(c.cellBits);
  op.set_slices(c.slices);
  op.set_active_rows(c.activeRows ? c.activeRows : c.tileRows);
  op.set_adc_bits(c.adcBits);
  op.set_adc_step(c.adcStep);
  op.set_adc_offset(c.adcOffset);
  op.set_sets(setsOf(c));
  op.set_repeat(c.repeat);
  op.set_layer(c.name);
  b.input("x", x);
  b.output("y", y);
  return b.p;
}

inline std::vector<MvmConfig> mvmConfigs() {
  std::vector<MvmConfig> configs;
  auto add = [&](const char *name, auto &&edit) {
    MvmConfig c;
    c.name = name;
    edit(c);
    configs.push_back(c);
  };
  // Lossless conversions (one exact product), every encoding.
  add("differential", [](MvmConfig &) {});
  add("differential analog", [](MvmConfig &c) { c.analog = true; });
  add("offset", [](MvmConfig &c) {
    c.encoding = program::OFFSET;
    c.weightOffset = 128;
  });
  add("binary", [](MvmConfig &c) {
    c.encoding = program::BINARY;
    c.cellBits = 1;
    c.slices = 1;
  });
  add("ternary", [](MvmConfig &c) {
    c.encoding = program::TERNARY;
    c.cellBits = 1;
    c.slices = 1;
    c.dacBits = 2;
  });
  // An 8-bit ADC with unit steps that provably cannot clip (16 rows of
  // 1-bit digits times 2-bit cells: at most 48): still one exact product.
  add("adc wide enough", [](MvmConfig &c) { c.adcBits = 8; });
  // Narrow ADCs: clipping and rounding, several widths, steps and offsets.
  add("adc 4 bits step 2, 4 groups", [](MvmConfig &c) {
    c.adcBits = 4;
    c.adcStep = 2;
    c.activeRows = 5;
  });
  add("adc 3 bits step 4, 2-bit DAC", [](MvmConfig &c) {
    c.adcBits = 3;
    c.adcStep = 4;
    c.dacBits = 2;
  });
  add("adc 6 bits unit step clips", [](MvmConfig &c) {
    c.adcBits = 6;
    c.tileRows = 32;
  });
  add("analog adc 5 bits step 2 offset -32", [](MvmConfig &c) {
    c.analog = true;
    c.adcBits = 5;
    c.adcStep = 2;
    c.adcOffset = -32;
  });
  add("analog adc 2 bits step 8 offset -16, 3-bit DAC", [](MvmConfig &c) {
    c.analog = true;
    c.adcBits = 2;
    c.adcStep = 8;
    c.adcOffset = -16;
    c.dacBits = 3; // 8-bit inputs: digits of 3, 3 and 2 bits
  });
  add("offset adc 4 bits unit step", [](MvmConfig &c) {
    c.encoding = program::OFFSET;
    c.weightOffset = 8;
    c.slices = 2;
    c.adcBits = 4;
  });
  add("offset adc 6 bits step 4 offset 8, groups of 7", [](MvmConfig &c) {
    c.encoding = program::OFFSET;
    c.weightOffset = 100;
    c.adcBits = 6;
    c.adcStep = 4;
    c.adcOffset = 8;
    c.activeRows = 7;
  });
  add("row offset, wider arrays, 8 one-bit slices, 4-bit DAC",
      [](MvmConfig &c) {
        c.tileRows = 20;
        c.activeRows = 6;
        c.rowOffset = 3;
        c.extraCols = 7;
        c.arrayPad = 3;
        c.cellBits = 1;
        c.slices = 8;
        c.dacBits = 4;
        c.adcBits = 3;
        c.adcStep = 2;
      });
  // The executor's number formats: exact products in f64 and int64,
  // sliced products with f64 digits, and int64 accumulation.
  add("exact f64", [](MvmConfig &c) {
    c.inputBits = c.dacBits = 16;
    c.cellBits = 8;
    c.slices = 1;
  });
  add("exact int64", [](MvmConfig &c) {
    c.inputBits = c.dacBits = 32;
    c.cellBits = 8;
    c.slices = 3;
  });
  add("sliced f64 digits", [](MvmConfig &c) {
    c.inputBits = c.dacBits = 16;
    c.cellBits = 8;
    c.slices = 1;
    c.adcBits = 12;
    c.adcStep = 1 << 8;
  });
  add("sliced int64 accumulation", [](MvmConfig &c) {
    c.inputBits = 16;
    c.cellBits = 4;
    c.adcBits = 30;
    c.adcStep = 2;
    c.adcOffset = -(int64_t(1) << 29);
  });
  // Many rows: several blocks, spread over threads.
  add("many rows", [](MvmConfig &c) {
    c.tileRows = 128;
    c.tileCols = 16;
    c.activeRows = 32;
    c.adcBits = 4;
    c.adcStep = 8;
    c.repeat = 300; // blocks of 512 rows: a batch of 3 takes two
  });
  return configs;
}

} // namespace ohmrt_test

#endif // OHM_TEST_UNIT_RUNTIME_MVMCASES_H
