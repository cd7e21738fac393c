//===- Counts.cpp - The events of a crossbar read -------------------------===//

#include "ohmrt/Counts.h"

using namespace ohmrt;

MvmCounts ohmrt::countRead(const ReadShape &shape) {
  MvmCounts counts;
  counts.cycles = (shape.inputBits + shape.dacBits - 1) / shape.dacBits;
  counts.groups = (shape.tileRows + shape.activeRows - 1) / shape.activeRows;
  counts.readCycles = counts.cycles * shape.slices * counts.groups;
  if (shape.senseAmp) {
    counts.conversions =
        counts.cycles * shape.slices * shape.tileRows * shape.tileCols;
  } else {
    int64_t perColumn = shape.sets == 2 && !shape.analogSensing ? 2 : 1;
    counts.conversions = counts.readCycles * shape.tileCols * perColumn;
  }
  return counts;
}
