//===- Cost.h - Cycles, energy and area of a program ------------*- C++ -*-===//
//
// The cost model (docs/Cost.md states every formula): what a program's
// instructions cost on the target its TargetInfo describes -- latency,
// energy by component (ADC, DAC, cells, digital, buffers, static) and the
// chip's area and peak power. One function per formula; the compiler
// (ohmc --cost-report, -v) and the simulator (ohm-sim) both call them on
// the program, so the two agree by construction.
//
// The estimate takes every input digit as non-zero (activity 1): an upper
// bound on the data-dependent DAC and cell energy.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_COST_H
#define OHMRT_COST_H

#include "ohmrt/Counts.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ohm {
namespace program {
class Instruction;
class Mvm;
class Program;
class TargetInfo;
} // namespace program
} // namespace ohm

namespace ohmrt {
namespace program = ohm::program;

/// Energy by component, picojoules.
struct Energy {
  double adc = 0;     // conversions (sense operations for 2T2R)
  double dac = 0;     // word lines driven, per array and input cycle
  double cells = 0;   // cells read on driven rows
  double digital = 0; // shift-adds and vector-unit element operations
  double buffer = 0;  // bytes read and written in buffers
  double statics = 0; // static power of cores, tiles and chip over the run

  double total() const {
    return adc + dac + cells + digital + buffer + statics;
  }
  Energy &operator+=(const Energy &other);
};

/// What one instruction costs per inference.
struct InstructionCost {
  Energy energy; // without static energy (that is per layer)
  double latencyNs = 0;
  int64_t ops = 0;         // arithmetic operations (2 per multiply-add)
  int64_t conversions = 0; // ADC conversions (sense operations)
};

/// The energy of one conversion at `bits` bits:
/// adc_energy_pj x adc_energy_per_bit_scale^(bits - adc_reference_bits).
double getAdcEnergyPj(const program::TargetInfo &target, int64_t bits);
/// The width an mvm's conversions are priced at: its ADC width, or for an
/// ideal (lossless) conversion the width that holds every partial sum; 1
/// for sense amplifiers.
int64_t getPricedAdcBits(const program::Mvm &op);
/// Time for one array's conversions of one read step:
/// ceil(conversions per array / ADCs per array) x adc_latency_ns, with
/// cols / cols_per_adc ADCs per array.
double getConversionTimeNs(const program::Mvm &op,
                           const program::TargetInfo &target);

/// An mvm: `drivenDigits` is the number of (input row, input cycle, tile
/// row) whose digit is non-zero, per inference (an average over a batch);
/// negative means all of them (activity 1).
InstructionCost costMvm(const program::Mvm &op,
                        const program::TargetInfo &target,
                        double drivenDigits = -1);
/// Any other instruction: one vector-unit operation per element written,
/// and the bytes read and written.
InstructionCost costVectorInstruction(const program::Instruction &inst,
                                      const program::Program &program);

/// One layer: the instructions up to and including its `sync`.
struct LayerCost {
  std::string layer;
  Energy energy;
  double latencyNs = 0; // slowest core's reads, then its vector work
  int64_t ops = 0;
  int64_t conversions = 0;
  int64_t arrays = 0;
};

/// Chip area by component, square micrometres.
struct Area {
  double arrays = 0, adcs = 0, dacs = 0, coreDigital = 0, tiles = 0, chip = 0;
  double total() const {
    return arrays + adcs + dacs + coreDigital + tiles + chip;
  }
};
Area getChipArea(const program::TargetInfo &target);

/// Power with every array reading and every ADC converting continuously,
/// plus static power, milliwatts.
struct Power {
  double adc = 0, dac = 0, cells = 0, statics = 0;
  double total() const { return adc + dac + cells + statics; }
};
/// For one core, one tile (cores_per_tile cores and the tile's own parts)
/// and the chip (all tiles and the chip's own parts).
Power getCorePeakPower(const program::TargetInfo &target);
Power getTilePeakPower(const program::TargetInfo &target);
Power getChipPeakPower(const program::TargetInfo &target);
/// Area of one core (its arrays, ADCs, DACs and digital parts) and of one
/// tile (cores_per_tile cores and the tile's own parts).
double getCoreAreaUm2(const program::TargetInfo &target);
double getTileAreaUm2(const program::TargetInfo &target);
/// Tiles on the chip: ceil(cores / cores_per_tile).
int64_t getTileCount(const program::TargetInfo &target);

/// The whole program, per inference.
struct CostReport {
  std::vector<LayerCost> layers;
  Energy energy;
  double latencyNs = 0;         // layers in sequence
  double pipelinedPeriodNs = 0; // the slowest layer (ISAAC-style pipeline)
  int64_t ops = 0;
  int64_t conversions = 0;
  Area area;
  Power peakPower;
  double getThroughput() const; // inferences per second, pipelined
  double getTopsPerWatt() const;
  double getTopsPerMm2() const; // at the pipelined throughput
};

/// The estimate from the program alone (activity 1). With `drivenDigits`
/// (RunStats::drivenDigits of a run of `inferences`), the mvms' DAC and
/// cell energy use the counted digits per inference instead.
CostReport estimateCost(const program::Program &program,
                        const std::vector<int64_t> &drivenDigits = {},
                        int64_t inferences = 1);

} // namespace ohmrt

#endif // OHMRT_COST_H
