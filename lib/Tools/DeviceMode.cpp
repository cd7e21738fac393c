//===- DeviceMode.cpp - ohm-sim's device mode and trials ------------------===//

#include "DeviceMode.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Process.h"

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace ohm;
namespace program = ohmrt::program;

llvm::Expected<ohmrt::DeviceParams>
ohm::resolveDeviceParams(const program::Program &program,
                         const std::vector<std::string> &specs) {
  ohmrt::DeviceParams params = ohmrt::getDeviceParams(program.target());
  std::string error;
  for (const std::string &spec : specs) {
    llvm::StringRef text(spec);
    size_t eq = text.find('=');
    if (eq == llvm::StringRef::npos)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "--device-param " + spec +
                                         ": expected KEY=VALUE");
    if (!ohmrt::setDeviceParam(params, text.substr(0, eq).trim().str(),
                               text.substr(eq + 1).trim().str(), error))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "--device-param " + spec + ": " + error);
  }
  if (!ohmrt::checkDeviceParams(params, error))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  return params;
}

std::string ohm::describeDeviceParams(const ohmrt::DeviceParams &params) {
  std::string text;
  for (const std::string &key : ohmrt::getDeviceParamNames()) {
    double v = ohmrt::getDeviceParam(params, key);
    char value[32];
    std::snprintf(value, sizeof(value), "%g", v);
    text += (text.empty() ? "" : " ") + key + "=" + value;
  }
  return text;
}

//===----------------------------------------------------------------------===//
// Statistics across trials
//===----------------------------------------------------------------------===//

/// Element i of a tensor as a double.
static double elementAt(const ohmrt::HostTensor &t, int64_t i) {
  const char *p = t.data.data();
  auto load = [&](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, p + size_t(i) * sizeof(v), sizeof(v));
    return double(v);
  };
  switch (t.dtype) {
  case program::U8:
  case program::BOOL:
    return load(uint8_t());
  case program::I8:
    return load(int8_t());
  case program::U16:
    return load(uint16_t());
  case program::I16:
    return load(int16_t());
  case program::U32:
    return load(uint32_t());
  case program::I32:
    return load(int32_t());
  case program::U64:
    return load(uint64_t());
  case program::I64:
    return load(int64_t());
  case program::F32:
    return load(float());
  case program::F64:
    return load(double());
  default:
    return 0; // f16 outputs are not produced by the backend
  }
}

void TrialStatistics::add(const std::vector<ohmrt::HostTensor> &outputs) {
  if (sum.empty()) {
    for (const ohmrt::HostTensor &t : outputs) {
      sum.emplace_back(size_t(t.getNumElements()), 0.0);
      sumSquares.emplace_back(size_t(t.getNumElements()), 0.0);
    }
  }
  for (size_t o = 0; o < outputs.size(); ++o)
    for (int64_t i = 0; i < outputs[o].getNumElements(); ++i) {
      double v = elementAt(outputs[o], i);
      sum[o][size_t(i)] += v;
      sumSquares[o][size_t(i)] += v * v;
    }
  ++trials;
}

static double meanOf(const std::vector<double> &values) {
  double total = 0;
  for (double v : values)
    total += v;
  return values.empty() ? 0 : total / double(values.size());
}

static double stdDevOf(const std::vector<double> &values) {
  if (values.size() < 2)
    return 0;
  double mean = meanOf(values), total = 0;
  for (double v : values)
    total += (v - mean) * (v - mean);
  return std::sqrt(total / double(values.size() - 1));
}

double TrialStatistics::getMeanAccuracy() const { return meanOf(accuracies); }
double TrialStatistics::getAccuracyStdDev() const {
  return stdDevOf(accuracies);
}

void TrialStatistics::print(const program::Program &program,
                            llvm::raw_ostream &os) const {
  double n = double(trials);
  os << "trials: " << trials << "\n";
  os << "output                        mean value   std. dev. across trials "
        "(mean over elements)\n";
  for (size_t o = 0; o < sum.size(); ++o) {
    double total = 0, spread = 0;
    for (size_t i = 0; i < sum[o].size(); ++i) {
      double mean = sum[o][i] / n;
      total += mean;
      // The sample variance over trials, from the sums.
      double variance =
          trials > 1
              ? std::max(0.0, (sumSquares[o][i] - n * mean * mean) / (n - 1))
              : 0;
      spread += std::sqrt(variance);
    }
    double count = double(std::max<size_t>(sum[o].size(), 1));
    os << llvm::format("%-28s %11.6g   %11.6g\n",
                       program.outputs(int(o)).name().c_str(), total / count,
                       spread / count);
  }
  if (accuracies.empty())
    return;
  os << "accuracy per trial:";
  for (double a : accuracies)
    os << llvm::format(" %.2f%%", 100 * a);
  os << llvm::format("\naccuracy: mean %.2f%%, std. dev. %.2f%% over %zu "
                     "trials\n",
                     100 * getMeanAccuracy(), 100 * getAccuracyStdDev(),
                     accuracies.size());
}

//===----------------------------------------------------------------------===//
// Progress bar
//===----------------------------------------------------------------------===//

ProgressBar::ProgressBar(bool enabled)
    : enabled(enabled && llvm::sys::Process::StandardErrIsDisplayed()),
      start(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int64_t done, int64_t total) {
  if (!enabled || total <= 0)
    return;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (seconds < 1.0)
    return;
  constexpr int kWidth = 40;
  double fraction = double(done) / double(total);
  int filled = int(fraction * kWidth);
  double eta = done > 0 ? seconds * (1 - fraction) / fraction : 0;
  llvm::errs() << "\r[" << std::string(size_t(filled), '#')
               << std::string(size_t(kWidth - filled), ' ') << "] "
               << llvm::format("%3.0f%% %lld/%lld, %.0f s left ",
                               100 * fraction, (long long)done,
                               (long long)total, eta);
  drawn = true;
}

void ProgressBar::finish() {
  if (!drawn)
    return;
  llvm::errs() << "\r" << std::string(80, ' ') << "\r";
  drawn = false;
}
