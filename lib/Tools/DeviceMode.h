//===- DeviceMode.h - ohm-sim's device mode and trials ----------*- C++ -*-===//
//
// What `ohm-sim --mode=device` adds to a run (docs/Device.md): the device
// parameters (the program's target, overridden by --device-param), the
// device instance of each trial (drawn from --seed, or --load-device), the
// statistics across --trials, and a progress bar for long runs.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_TOOLS_DEVICEMODE_H
#define OHM_LIB_TOOLS_DEVICEMODE_H

#include "Accuracy.h"
#include "ohmrt/Device.h"

#include "llvm/ADT/Optional.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <string>
#include <vector>

namespace ohm {

/// The device-mode options of ohm-sim.
struct DeviceOptions {
  bool enabled = false;                // --mode=device
  uint64_t seed = 0;                   // --seed
  double timeS = 0;                    // --time
  std::vector<std::string> paramSpecs; // --device-param KEY=VALUE
  unsigned trials = 1;                 // --trials
  std::string savePath, loadPath;      // --save-device, --load-device
};

/// The program's device parameters with the --device-param overrides,
/// checked. Errors name the option and the key.
llvm::Expected<ohmrt::DeviceParams>
resolveDeviceParams(const ohmrt::program::Program &program,
                    const std::vector<std::string> &specs);

/// "g_min_us=1 g_max_us=100 programming_sigma=0.05 ...": every key.
std::string describeDeviceParams(const ohmrt::DeviceParams &params);

/// Per-output statistics across trials: every element's mean and standard
/// deviation over the trials, summarized per output.
class TrialStatistics {
public:
  void add(const std::vector<ohmrt::HostTensor> &outputs);
  void addAccuracy(const Accuracy &accuracy) {
    accuracies.push_back(accuracy.getFraction());
  }
  /// Prints, per output, the mean value and the mean (over elements) of
  /// the standard deviation across trials; and the accuracy per trial
  /// with its mean and standard deviation.
  void print(const ohmrt::program::Program &program,
             llvm::raw_ostream &os) const;
  bool hasAccuracy() const { return !accuracies.empty(); }
  double getMeanAccuracy() const;
  double getAccuracyStdDev() const;
  const std::vector<double> &getAccuracies() const { return accuracies; }

private:
  int64_t trials = 0;
  std::vector<std::vector<double>> sum, sumSquares; // per output, element
  std::vector<double> accuracies;
};

/// A progress bar on stderr: drawn only when stderr is a terminal, once a
/// run has taken a second, and erased when done.
class ProgressBar {
public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();
  /// `done` of `total` units finished.
  void update(int64_t done, int64_t total);
  void finish();

private:
  bool enabled, drawn = false;
  std::chrono::steady_clock::time_point start;
};

} // namespace ohm

#endif // OHM_LIB_TOOLS_DEVICEMODE_H
