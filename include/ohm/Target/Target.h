//===- Target.h - Description of a crossbar accelerator ---------*- C++ -*-===//
//
// A target describes the machine ohm compiles for (DESIGN.md section 6):
// crossbar geometry and cells, DACs and ADCs, weight encoding and
// differential sensing, the hierarchy of arrays and cores, the device's
// non-idealities and the cost model. Targets are YAML files read with LLVM
// YAML I/O; presets ship inside the binary (`--target=isaac`), and a path
// selects a file (`--target=my-macro.yaml`). Unknown keys and impossible
// values are errors with the file, line and column. docs/Targets.md
// documents every key with its unit and each preset's sources.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_TARGET_TARGET_H
#define OHM_TARGET_TARGET_H

#include "ohm/Target/Vocabulary.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ohm {
namespace target {

struct CrossbarConfig {
  int64_t rows = 128;          // word lines per array
  int64_t cols = 128;          // bit lines per array
  int64_t cellBits = 2;        // bits per cell (levels = 2^cellBits)
  int64_t maxActiveRows = 128; // word lines driven at once
};

struct DacConfig {
  int64_t bits = 1; // input bits applied per cycle
};

struct AdcConfig {
  AdcPolicy policy = AdcPolicy::Lossless;
  int64_t bits = 8;       // width for `fixed` and `calibrated`
  int64_t colsPerAdc = 1; // column multiplexing
  /// Per-layer widths (layer name -> bits), overriding `bits`.
  std::map<std::string, int64_t> perLayer;
};

struct WeightConfig {
  Encoding encoding = Encoding::Differential;
  Sensing sensing = Sensing::Digital; // where differential pairs subtract
  /// Per-layer encodings (layer name -> encoding), overriding `encoding`.
  std::map<std::string, Encoding> perLayer;
};

struct HierarchyConfig {
  int64_t arraysPerCore = 8;
  int64_t cores = 16;
  int64_t coresPerTile = 1; // cores sharing a tile's buffer and network
};

struct DeviceConfig {
  double gMinUs = 1.0;             // HRS conductance, microsiemens
  double gMaxUs = 100.0;           // LRS conductance, microsiemens
  double programmingSigma = 0.0;   // relative std. dev. of programmed G
  double readNoiseSigma = 0.0;     // relative std. dev. per read
  double stuckAtHrs = 0.0;         // fraction of cells stuck at HRS
  double stuckAtLrs = 0.0;         // fraction of cells stuck at LRS
  double senseErrorRate = 0.0;     // 2T2R sense-amplifier bit error rate
  double programmingSigmaUs = 0.0; // absolute std. dev. of programmed G, uS
  double driftNu = 0.0;            // mean drift exponent: G (T / t0)^-nu
  double driftNuSigma = 0.0;       // per-cell std. dev. of the exponent
  double driftT0S = 1.0;           // time at which programmed G holds, s
  double senseMarginUs = 0.0;      // 2T2R ternary sense margin, uS
  double readVoltageV = 0.2;       // word-line read pulse (SPICE calibration)
  double wireResistanceOhm = 1.0;  // bit-line wire per cell segment
  double wireCapacitanceFf = 0.1;  // bit-line capacitance per cell
};

struct CostConfig {
  double readLatencyNs = 100.0; // one crossbar read (all groups' rows)
  double adcLatencyNs = 1.0;    // one conversion
  double adcEnergyPj = 2.0;     // one conversion at adcReferenceBits
  int64_t adcReferenceBits = 8;
  double adcEnergyPerBitScale = 2.0;   // energy factor per extra ADC bit
  double dacEnergyPj = 0.004;          // one row driven for one cycle
  double cellReadEnergyPj = 0.001;     // one cell read (per active cell)
  double digitalOpEnergyPj = 0.05;     // one shift-add / vector element op
  double digitalOpLatencyNs = 1.0;     // one vector op (per element lane)
  double bufferEnergyPjPerByte = 0.1;  // scratchpad / buffer access
  double arrayAreaUm2 = 25.0;          // one crossbar array
  double adcAreaUm2 = 1200.0;          // one ADC at adcReferenceBits
  double dacAreaUm2 = 0.17;            // one DAC (per row)
  double coreDigitalAreaUm2 = 10000.0; // shift-add, vector unit, scratchpad
  double adcAreaPerBitScale = 2.0;     // ADC area factor per extra bit
  double writeEnergyPj = 0.0;          // programming one cell
  double writeLatencyNs = 0.0;         // programming one row of an array
  double coreStaticPowerMw = 0.0;      // per core: registers, S+H, control
  double tileAreaUm2 = 0.0;            // per tile: buffer, bus, router share
  double tileStaticPowerMw = 0.0;      // per tile
  double chipAreaUm2 = 0.0;            // per chip: off-chip links
  double chipStaticPowerMw = 0.0;      // per chip
};

struct Target {
  std::string name;
  std::string description;
  std::string source; // Where the numbers come from.
  CrossbarConfig crossbar;
  DacConfig dac;
  AdcConfig adc;
  WeightConfig weights;
  HierarchyConfig hierarchy;
  DeviceConfig device;
  CostConfig cost;

  int64_t getTotalArrays() const {
    return hierarchy.arraysPerCore * hierarchy.cores;
  }
  Encoding getEncoding(llvm::StringRef layer) const;
  /// The ADC width for `layer`: its per-layer entry, else `adc.bits`.
  int64_t getAdcBits(llvm::StringRef layer) const;
};

/// The names of the built-in presets.
std::vector<std::string> getPresetNames();

/// Loads a preset by name, or a YAML file by path (anything containing '/'
/// or ending in .yaml/.yml). Errors carry `file:line:col`.
llvm::Expected<Target> loadTarget(llvm::StringRef nameOrPath);

/// Parses YAML text; `bufferName` names it in errors.
llvm::Expected<Target> parseTarget(llvm::StringRef yaml,
                                   llvm::StringRef bufferName);
/// Parses YAML text over `base`: the keys it gives replace base's values,
/// the rest keep them (overrides, as the Python API's
/// Target.with_overrides writes them). Checked as parseTarget checks.
llvm::Expected<Target> parseTarget(llvm::StringRef yaml,
                                   llvm::StringRef bufferName,
                                   const Target &base);

/// Writes the target back as YAML (every key, including defaults).
void printTarget(const Target &target, llvm::raw_ostream &os);

} // namespace target
} // namespace ohm

#endif // OHM_TARGET_TARGET_H
