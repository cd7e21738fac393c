//===- Device.h - RRAM device model: parameters and instances ---*- C++ -*-===//
//
// Device mode (docs/Device.md): a program's arrays programmed into RRAM
// cells with programming variation, stuck-at faults and conductance
// drift, read with read noise and converted by the program's ADCs, or
// sensed by 2T2R sense amplifiers with sense errors. A *device instance*
// is one drawing of every cell's programmed conductance, fault and drift
// exponent; it is seeded, and can be saved and loaded (.ohmdev, the
// protobuf message ohm.device.DeviceInstance in runtime/proto/device.proto).
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_DEVICE_H
#define OHMRT_DEVICE_H

#include "ohmrt/Runtime.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace ohmrt {

/// The device parameters (target YAML `device:` keys, docs/Targets.md).
struct DeviceParams {
  double gMinUs = 1.0, gMaxUs = 100.0;
  double programmingSigma = 0.0, programmingSigmaUs = 0.0;
  double readNoiseSigma = 0.0;
  double stuckAtHrs = 0.0, stuckAtLrs = 0.0;
  double senseErrorRate = 0.0, senseMarginUs = 0.0;
  double driftNu = 0.0, driftNuSigma = 0.0, driftT0S = 1.0;

  /// True if programming or faults make cells differ from their targets.
  bool hasProgrammingEffects() const {
    return programmingSigma > 0 || programmingSigmaUs > 0 || stuckAtHrs > 0 ||
           stuckAtLrs > 0;
  }
  bool hasDrift() const { return driftNu > 0 || driftNuSigma > 0; }
};

/// The device keys of the program's target.
DeviceParams getDeviceParams(const program::TargetInfo &target);
/// The keys `setDeviceParam` accepts, as the target YAML spells them.
const std::vector<std::string> &getDeviceParamNames();
/// Sets one key from text ("programming_sigma", "0.05"). Unknown keys and
/// values that are not finite numbers are errors naming them.
bool setDeviceParam(DeviceParams &params, const std::string &key,
                    const std::string &value, std::string &error);
/// The value of a key (getDeviceParamNames); 0 for an unknown key.
double getDeviceParam(const DeviceParams &params, const std::string &key);
/// Checks bounds: sigmas >= 0, rates in [0, 1] (stuck-at rates summing to
/// at most 1), 0 <= g_min < g_max, drift_t0_s > 0. Errors name the key.
bool checkDeviceParams(const DeviceParams &params, std::string &error);

/// A cell's fault.
enum class Fault : uint8_t { None = 0, StuckHrs = 1, StuckLrs = 2 };

/// One array of a device instance: per cell (row-major, rows x cols), the
/// programmed conductance in microsiemens (after variation, or the stuck
/// value), the fault, and the drift exponent (empty without drift).
struct ArrayDevice {
  uint32_t id = 0;
  int64_t rows = 0, cols = 0, cellBits = 1;
  std::vector<float> conductance;
  std::vector<Fault> faults;
  std::vector<float> driftNu;

  /// The conductance of cell i read `timeS` seconds after programming.
  float conductanceAt(int64_t i, double timeS, double t0S) const {
    float g = conductance[size_t(i)];
    if (driftNu.empty() || timeS <= t0S)
      return g;
    return float(double(g) *
                 std::pow(timeS / t0S, -double(driftNu[size_t(i)])));
  }
};

/// A fingerprint of a program's arrays (FNV-1a over ids, shapes and
/// levels): a device file is valid for programs with the same programmed
/// arrays (the same model compiled with other ADC settings, say).
uint64_t getProgramFingerprint(const program::Program &program);

/// One drawing of a program's device.
struct DeviceInstance {
  uint64_t seed = 0;
  uint64_t fingerprint = 0;
  DeviceParams params;             // what it was drawn with
  std::vector<ArrayDevice> arrays; // in the program's array order

  /// Draws every array's cells: target G_l = g_min + l (g_max - g_min) /
  /// (2^b - 1); stuck at g_min / g_max with the stuck-at rates; otherwise
  /// G = G_l (1 + programming_sigma z1) + programming_sigma_us z2, clipped
  /// to [0, g_max (1 + 3 programming_sigma) + 3 programming_sigma_us];
  /// nu ~ N(drift_nu, drift_nu_sigma) clipped at 0. Random numbers are
  /// keyed by (seed, array id, cell), so `threads` does not matter.
  static DeviceInstance draw(const program::Program &program,
                             const DeviceParams &params, uint64_t seed,
                             unsigned threads = 1);
  const ArrayDevice *find(uint32_t id) const;
  uint64_t getBytes() const;
};

/// Writes an instance (atomically) / reads one and checks it matches
/// `program` (fingerprint, array ids and shapes). Errors name the file.
bool saveDevice(const DeviceInstance &instance, const std::string &path,
                std::string &error);
bool loadDevice(const std::string &path, const program::Program &program,
                DeviceInstance &instance, std::string &error);

/// How an executor runs in device mode.
struct DeviceRun {
  DeviceParams params;                      // read-time parameters
  const DeviceInstance *instance = nullptr; // the programmed cells
  uint64_t seed = 0;                        // keys read noise and sense errors
  double timeS = 0;                         // read time after programming
};

} // namespace ohmrt

#endif // OHMRT_DEVICE_H
