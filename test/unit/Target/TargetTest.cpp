//===- TargetTest.cpp - Target YAML: device keys, printing, presets -------===//
//
// The device keys parse into DeviceConfig, printTarget writes them back so
// that parsing its output gives the same values (for every preset too, and
// for layer names that need quotes), and every preset loads (the rram-hfo2
// preset with the device values its file cites).
//
//===----------------------------------------------------------------------===//

#include "ohm/Target/Target.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>

using namespace ohm;
using namespace ohm::target;

namespace {

Target parse(llvm::StringRef yaml) {
  auto target = parseTarget(yaml, "test.yaml");
  if (!target) {
    ADD_FAILURE() << llvm::toString(target.takeError());
    return Target();
  }
  return *target;
}

void expectSameDevice(const DeviceConfig &a, const DeviceConfig &b) {
  EXPECT_EQ(a.gMinUs, b.gMinUs);
  EXPECT_EQ(a.gMaxUs, b.gMaxUs);
  EXPECT_EQ(a.programmingSigma, b.programmingSigma);
  EXPECT_EQ(a.programmingSigmaUs, b.programmingSigmaUs);
  EXPECT_EQ(a.readNoiseSigma, b.readNoiseSigma);
  EXPECT_EQ(a.stuckAtHrs, b.stuckAtHrs);
  EXPECT_EQ(a.stuckAtLrs, b.stuckAtLrs);
  EXPECT_EQ(a.senseErrorRate, b.senseErrorRate);
  EXPECT_EQ(a.driftNu, b.driftNu);
  EXPECT_EQ(a.driftNuSigma, b.driftNuSigma);
  EXPECT_EQ(a.driftT0S, b.driftT0S);
  EXPECT_EQ(a.senseMarginUs, b.senseMarginUs);
}

TEST(TargetTest, DeviceKeysParse) {
  Target t = parse("name: t\n"
                   "device:\n"
                   "  programming_sigma_us: 0.75\n"
                   "  drift_nu: 0.06\n"
                   "  drift_nu_sigma: 0.02\n"
                   "  drift_t0_s: 20\n"
                   "  sense_margin_us: 4.5\n");
  EXPECT_EQ(t.device.programmingSigmaUs, 0.75);
  EXPECT_EQ(t.device.driftNu, 0.06);
  EXPECT_EQ(t.device.driftNuSigma, 0.02);
  EXPECT_EQ(t.device.driftT0S, 20.0);
  EXPECT_EQ(t.device.senseMarginUs, 4.5);
}

TEST(TargetTest, DeviceDefaultsAreAnIdealDevice) {
  Target t = parse("name: t\n");
  EXPECT_EQ(t.device.programmingSigmaUs, 0.0);
  EXPECT_EQ(t.device.driftNu, 0.0);
  EXPECT_EQ(t.device.driftNuSigma, 0.0);
  EXPECT_EQ(t.device.driftT0S, 1.0);
  EXPECT_EQ(t.device.senseMarginUs, 0.0);
}

TEST(TargetTest, OutOfRangeDeviceKeysAreErrors) {
  for (const char *entry :
       {"drift_t0_s: 0", "drift_t0_s: -1", "drift_t0_s: 2e12", "drift_nu: 2",
        "drift_nu: -0.1", "drift_nu_sigma: 1.5", "programming_sigma_us: 2e6",
        "programming_sigma_us: -1", "sense_margin_us: -1",
        "sense_margin_us: 1e7"}) {
    std::string yaml = std::string("name: t\ndevice:\n  ") + entry + "\n";
    auto target = parseTarget(yaml, "bad.yaml");
    EXPECT_FALSE(bool(target)) << entry;
    if (!target) {
      EXPECT_NE(llvm::toString(target.takeError()).find("out of range"),
                std::string::npos)
          << entry;
    }
  }
}

TEST(TargetTest, PrintedTargetParsesToTheSameDevice) {
  Target t = parse("name: t\n"
                   "device:\n"
                   "  g_min_us: 2\n"
                   "  g_max_us: 50\n"
                   "  programming_sigma: 0.05\n"
                   "  programming_sigma_us: 0.75\n"
                   "  read_noise_sigma: 0.02\n"
                   "  stuck_at_hrs: 0.001\n"
                   "  stuck_at_lrs: 0.002\n"
                   "  sense_error_rate: 0.003\n"
                   "  drift_nu: 0.06\n"
                   "  drift_nu_sigma: 0.02\n"
                   "  drift_t0_s: 20\n"
                   "  sense_margin_us: 4.5\n");
  std::string printed;
  llvm::raw_string_ostream os(printed);
  printTarget(t, os);
  os.flush();
  for (const char *key : {"programming_sigma_us:", "drift_nu:",
                          "drift_nu_sigma:", "drift_t0_s:", "sense_margin_us:"})
    EXPECT_NE(printed.find(key), std::string::npos) << key << "\n" << printed;
  expectSameDevice(parse(printed).device, t.device);
}

TEST(TargetTest, EveryPresetLoads) {
  std::vector<std::string> names = getPresetNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "rram-hfo2"), names.end());
  for (const std::string &name : names) {
    auto target = loadTarget(name);
    ASSERT_TRUE(bool(target))
        << name << ": " << llvm::toString(target.takeError());
    EXPECT_EQ(target->name, name);
  }
}

TEST(TargetTest, RramHfo2PresetHasItsCitedDeviceValues) {
  auto target = loadTarget("rram-hfo2");
  ASSERT_TRUE(bool(target)) << llvm::toString(target.takeError());
  const DeviceConfig &d = target->device;
  EXPECT_EQ(d.gMinUs, 1.0);
  EXPECT_EQ(d.gMaxUs, 40.0);
  EXPECT_EQ(d.programmingSigma, 0.0);
  EXPECT_EQ(d.programmingSigmaUs, 1.73);
  EXPECT_EQ(d.readNoiseSigma, 0.01);
  EXPECT_EQ(d.stuckAtHrs, 0.0);
  EXPECT_EQ(d.stuckAtLrs, 0.0);
  EXPECT_EQ(d.driftNu, 0.0);
  EXPECT_EQ(d.driftNuSigma, 0.019);
  EXPECT_EQ(d.driftT0S, 1.0);
  // Its arrays are isaac's.
  auto isaac = loadTarget("isaac");
  ASSERT_TRUE(bool(isaac)) << llvm::toString(isaac.takeError());
  EXPECT_EQ(target->crossbar.rows, isaac->crossbar.rows);
  EXPECT_EQ(target->crossbar.cols, isaac->crossbar.cols);
  EXPECT_EQ(target->crossbar.cellBits, isaac->crossbar.cellBits);
  EXPECT_EQ(target->hierarchy.cores, isaac->hierarchy.cores);
}

std::string print(const Target &target) {
  std::string printed;
  llvm::raw_string_ostream os(printed);
  printTarget(target, os);
  return os.str();
}

// Found by ohm-target-fuzzer: printTarget wrote reals with 6 significant
// digits, so isaac's cell_read_energy_pj (0.0018310546875) loaded back as
// 0.001831055. Every preset must print and load back to the same values.
TEST(TargetTest, EveryPresetPrintsAndLoadsBackExactly) {
  for (const std::string &name : getPresetNames()) {
    auto target = loadTarget(name);
    ASSERT_TRUE(bool(target)) << llvm::toString(target.takeError());
    std::string printed = print(*target);
    Target again = parse(printed);
    expectSameDevice(again.device, target->device);
    const CostConfig &a = again.cost, &b = target->cost;
    for (auto field : {&CostConfig::readLatencyNs,
                       &CostConfig::adcLatencyNs,
                       &CostConfig::adcEnergyPj,
                       &CostConfig::adcEnergyPerBitScale,
                       &CostConfig::dacEnergyPj,
                       &CostConfig::cellReadEnergyPj,
                       &CostConfig::digitalOpEnergyPj,
                       &CostConfig::digitalOpLatencyNs,
                       &CostConfig::bufferEnergyPjPerByte,
                       &CostConfig::arrayAreaUm2,
                       &CostConfig::adcAreaUm2,
                       &CostConfig::dacAreaUm2,
                       &CostConfig::coreDigitalAreaUm2,
                       &CostConfig::adcAreaPerBitScale,
                       &CostConfig::writeEnergyPj,
                       &CostConfig::writeLatencyNs,
                       &CostConfig::coreStaticPowerMw,
                       &CostConfig::tileAreaUm2,
                       &CostConfig::tileStaticPowerMw,
                       &CostConfig::chipAreaUm2,
                       &CostConfig::chipStaticPowerMw})
      EXPECT_EQ(a.*field, b.*field) << name << "\n" << printed;
    EXPECT_EQ(print(again), printed) << name;
  }
  // Plain notation where it is short, and the shortest exact digits.
  Target t = parse("name: t\ncost:\n  read_latency_ns: 100\n"
                   "  cell_read_energy_pj: 0.0018310546875\n");
  std::string printed = print(t);
  EXPECT_NE(printed.find("read_latency_ns: 100\n"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("cell_read_energy_pj: 0.0018310546875\n"),
            std::string::npos)
      << printed;
}

// Found by ohm-target-fuzzer: per-layer keys were printed unquoted, so a
// layer name like `fc:0 1x` did not load back.
TEST(TargetTest, PerLayerNamesThatNeedQuotesPrintBack) {
  Target t = parse("name: t\n"
                   "adc:\n"
                   "  per_layer:\n"
                   "    'fc:0 1x': 6\n"
                   "    '#conv': 5\n"
                   "    \"tab\\there\": 4\n"
                   "    'it''s': 3\n"
                   "    'true': 2\n"
                   "    \"caf\u00e9\": 7\n"
                   "    plain/name.1: 8\n"
                   "weights:\n"
                   "  per_layer:\n"
                   "    '- x': ternary\n"
                   "    \"line\\nbreak\": binary\n");
  ASSERT_EQ(t.adc.perLayer.size(), 7u);
  EXPECT_EQ(t.adc.perLayer["fc:0 1x"], 6);
  EXPECT_EQ(t.adc.perLayer["tab\there"], 4);
  EXPECT_EQ(t.adc.perLayer["it's"], 3);
  EXPECT_EQ(t.adc.perLayer["caf\xc3\xa9"], 7);
  std::string printed = print(t);
  Target again = parse(printed);
  EXPECT_EQ(again.adc.perLayer, t.adc.perLayer) << printed;
  EXPECT_EQ(again.weights.perLayer, t.weights.perLayer) << printed;
  EXPECT_EQ(print(again), printed);
}

// Found by ohm-target-fuzzer: a quoted scalar let a byte that is not UTF-8
// through (name: "\n\n-\xd2"), and printTarget wrote U+FFFD for it.
TEST(TargetTest, TextThatIsNotUtf8IsAnError) {
  auto target = parseTarget("name: \"\n\n-\xd2\"\n", "bytes.yaml");
  ASSERT_FALSE(bool(target));
  EXPECT_EQ(llvm::toString(target.takeError()),
            "bytes.yaml:3:2: error: not valid UTF-8");
  // UTF-8 is fine, and prints back.
  Target t = parse("name: \"caf\xc3\xa9 \xe2\x9c\x93\"\n");
  EXPECT_EQ(t.name, "caf\xc3\xa9 \xe2\x9c\x93");
  EXPECT_EQ(parse(print(t)).name, t.name);
}

TEST(TargetTest, LayerNamesWithNulAreErrors) {
  auto target = parseTarget("name: t\nadc:\n  per_layer:\n    \"a\\0b\": 6\n",
                            "nul.yaml");
  ASSERT_FALSE(bool(target));
  EXPECT_NE(llvm::toString(target.takeError()).find("NUL"), std::string::npos);
}

// Found by ohm-target-fuzzer: a layer name over 1024 characters loaded, but
// printed as a key it did not (YAML keys end within 1024 columns).
TEST(TargetTest, OverlongLayerNamesAreErrors) {
  std::string name(1000, 'x'), quoted = "a:" + std::string(996, 'x');
  Target t = parse("name: t\nadc:\n  per_layer:\n    " + name + ": 6\n    '" +
                   quoted + "': 5\n");
  EXPECT_EQ(parse(print(t)).adc.perLayer, t.adc.perLayer);
  // One more character each, and they would not print back.
  for (const std::string &key : {"'" + name + "x'", "'" + quoted + "x'"}) {
    auto target =
        parseTarget("name: t\nadc:\n  per_layer:\n    ? " + key + "\n    : 6\n",
                    "long.yaml");
    ASSERT_FALSE(bool(target)) << key;
    EXPECT_NE(llvm::toString(target.takeError()).find("longer than 1000"),
              std::string::npos);
  }
}

} // namespace
