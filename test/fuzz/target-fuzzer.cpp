//===- target-fuzzer.cpp - libFuzzer target for target YAML files ---------===//
//
// Feeds arbitrary bytes to the target loader (ohm::target::parseTarget, what
// `--target=file.yaml` and the presets go through). Besides "no crash, no
// hang, no sanitizer report", it checks the print round trip on every input
// that loads: printTarget's YAML must load again, to the same values (every
// field, doubles compared exactly, per-layer maps entry by entry), and print
// the same text. A violation aborts, so libFuzzer keeps the input.
//
// Build and run: see docs/Testing.md ("Fuzzing").
//
//===----------------------------------------------------------------------===//

#include "ohm/Target/Target.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace ohm::target;

namespace {

std::string print(const Target &target) {
  std::string text;
  llvm::raw_string_ostream os(text);
  printTarget(target, os);
  return os.str();
}

/// Describes the first field in which `a` and `b` differ, or returns "".
/// Keep in step with Target.h: a field missing here is not checked.
std::string diff(const Target &a, const Target &b) {
#define SAME(FIELD)                                                            \
  if (!(a.FIELD == b.FIELD))                                                   \
    return #FIELD;
  SAME(name)
  SAME(description)
  SAME(source)
  SAME(crossbar.rows)
  SAME(crossbar.cols)
  SAME(crossbar.cellBits)
  SAME(crossbar.maxActiveRows)
  SAME(dac.bits)
  SAME(adc.policy)
  SAME(adc.bits)
  SAME(adc.colsPerAdc)
  SAME(adc.perLayer)
  SAME(weights.encoding)
  SAME(weights.sensing)
  SAME(weights.perLayer)
  SAME(hierarchy.arraysPerCore)
  SAME(hierarchy.cores)
  SAME(hierarchy.coresPerTile)
  SAME(device.gMinUs)
  SAME(device.gMaxUs)
  SAME(device.programmingSigma)
  SAME(device.readNoiseSigma)
  SAME(device.stuckAtHrs)
  SAME(device.stuckAtLrs)
  SAME(device.senseErrorRate)
  SAME(device.programmingSigmaUs)
  SAME(device.driftNu)
  SAME(device.driftNuSigma)
  SAME(device.driftT0S)
  SAME(device.senseMarginUs)
  SAME(device.readVoltageV)
  SAME(device.wireResistanceOhm)
  SAME(device.wireCapacitanceFf)
  SAME(cost.readLatencyNs)
  SAME(cost.adcLatencyNs)
  SAME(cost.adcEnergyPj)
  SAME(cost.adcReferenceBits)
  SAME(cost.adcEnergyPerBitScale)
  SAME(cost.dacEnergyPj)
  SAME(cost.cellReadEnergyPj)
  SAME(cost.digitalOpEnergyPj)
  SAME(cost.digitalOpLatencyNs)
  SAME(cost.bufferEnergyPjPerByte)
  SAME(cost.arrayAreaUm2)
  SAME(cost.adcAreaUm2)
  SAME(cost.dacAreaUm2)
  SAME(cost.coreDigitalAreaUm2)
  SAME(cost.adcAreaPerBitScale)
  SAME(cost.writeEnergyPj)
  SAME(cost.writeLatencyNs)
  SAME(cost.coreStaticPowerMw)
  SAME(cost.tileAreaUm2)
  SAME(cost.tileStaticPowerMw)
  SAME(cost.chipAreaUm2)
  SAME(cost.chipStaticPowerMw)
#undef SAME
  return "";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Target> target = parseTarget(text, "fuzz.yaml");
  if (!target) {
    llvm::consumeError(target.takeError());
    return 0;
  }

  std::string first = print(*target);
  llvm::Expected<Target> again = parseTarget(first, "printed.yaml");
  if (!again) {
    std::fprintf(stderr, "printed target does not load back: %s\n%s\n",
                 llvm::toString(again.takeError()).c_str(), first.c_str());
    std::abort();
  }
  std::string field = diff(*target, *again);
  if (!field.empty()) {
    std::fprintf(stderr, "round trip changed %s:\n%s\n", field.c_str(),
                 first.c_str());
    std::abort();
  }
  std::string second = print(*again);
  if (first != second) {
    std::fprintf(stderr,
                 "round trip changed the printed target:\n%s\n---\n%s\n",
                 first.c_str(), second.c_str());
    std::abort();
  }
  return 0;
}
