//===- Counts.h - The events of a crossbar read -----------------*- C++ -*-===//
//
// One formula for what a crossbar read does per row of input: array read
// cycles and ADC conversions. The compiler's mapping report (from xb IR),
// the simulator's summary and counts (from programs) and the cost model
// all call countRead, so the tools agree by construction. This library
// depends on nothing but the standard library, so the compiler may link it.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_COUNTS_H
#define OHMRT_COUNTS_H

#include <cstdint>

namespace ohmrt {

/// The shape of one crossbar read (one tile), as the xb IR and the program
/// both describe it.
struct ReadShape {
  int64_t tileRows = 1, tileCols = 1;
  int64_t inputBits = 8, dacBits = 1;
  int64_t slices = 1;         // weight slices (cell bits each)
  int64_t activeRows = 1;     // rows of a word-line group
  int64_t sets = 1;           // cell sets: 2 for differential and 2T2R pairs
  bool analogSensing = false; // pairs subtracted before the ADC
  bool senseAmp = false;      // 2T2R binary/ternary: sense amplifiers
};

/// What one row of a read costs (one of its `repeat` x N rows).
struct MvmCounts {
  /// Input cycles ceil(input_bits / dac_bits).
  int64_t cycles = 0;
  /// Word-line groups ceil(tile_rows / active_rows).
  int64_t groups = 0;
  /// Array read cycles: input cycle x slice x word-line group (a slice's
  /// cell sets are separate arrays read in parallel).
  int64_t readCycles = 0;
  /// ADC conversions: per read cycle, one per column, two per column for
  /// a digitally sensed differential pair; for 2T2R reads, one sense
  /// operation per cell of the tile and input cycle and slice.
  int64_t conversions = 0;
};

MvmCounts countRead(const ReadShape &shape);

} // namespace ohmrt

#endif // OHMRT_COUNTS_H
