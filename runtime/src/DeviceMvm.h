//===- DeviceMvm.h - Crossbar reads in device mode --------------*- C++ -*-===//
//
// A crossbar read on a device instance (docs/Device.md). Per read of a
// word-line group the ADC sees the real-valued partial sum
//   P^ = sum_k x_k (G+_k - G-_k) / dG    (G-_k = g_min for a single cell)
// plus, with read noise, one Gaussian of variance
//   read_noise_sigma^2 sum_k x_k^2 (G+_k^2 + G-_k^2) / dG^2
// (only G+_k^2 for a single cell: the g_min reference is noiseless),
// and converts it with the program's ADC transfer function; digitally
// sensed differential pairs convert each cell set on its own. 2T2R reads
// (binary and ternary encodings) sense each pair with a precharge sense
// amplifier instead: one exact integer product with the sensed weights,
// plus the sense errors, drawn per sensing.
//
// Planning turns the instance's conductances (read at the run's time) into
// per-group weights x read x column matrices; running accumulates, per
// (row, input cycle, group), the rows of the weights whose digits are not
// zero, in a fixed order: results do not depend on blocking or threads.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_DEVICEMVM_H
#define OHMRT_DEVICEMVM_H

#include "Buffers.h"
#include "Gemm.h"
#include "ohmrt/Device.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ohmrt {
namespace detail {

/// Per-thread scratch memory of device reads.
struct DeviceWorkspace {
  GemmWorkspace gemm;
  std::vector<float> sums, vars;
  std::vector<double> sumsWide, varsWide;
  std::vector<int32_t> nonZero; // rows of the group with non-zero digits
  std::vector<float> digits;
  std::vector<double> digitsWide;
  std::vector<uint32_t> acc;
  // The conversions of one row: per (input cycle, group) with a non-zero
  // digit (`blocks`), the partial sums (noise added) and their variances,
  // then their codes; the read noise's draws.
  std::vector<int32_t> blocks;
  std::vector<double> values, variances, sd;
  std::vector<int32_t> codes;
  std::vector<uint8_t> needed;
  std::vector<uint32_t> first, pairs, pairBlocks, w0, w1;
  std::vector<float> radius, angle, cosine, sine;
};

class DeviceMvmPlan : private ReadParams {
public:
  /// `index` is the instruction's index (it keys the read's random
  /// numbers).
  DeviceMvmPlan(const program::Mvm &op, int index, const DeviceRun &run,
                const std::map<uint32_t, const program::Array *> &arrays);
  ~DeviceMvmPlan();

  /// Rows [first, first + count) of the chunk into out; `globalRow` is the
  /// batch-wide index of row `first` (it keys the random numbers).
  bool run(const Mem &src, int64_t first, int64_t count, int64_t globalRow,
           int32_t *out, int64_t ldo, DeviceWorkspace &ws,
           std::string &error) const;
  size_t getBytes() const;

private:
  using Read = ReadTerm;
  template <typename S>
  void runAnalog(const S *x, int64_t width, int64_t count, int64_t globalRow,
                 int32_t *out, int64_t ldo, DeviceWorkspace &ws) const;
  /// Appends the partial sums (and variances) of (input cycle t, group g)
  /// of one row to ws.values (ws.variances); false if the group's digits
  /// are all zero (nothing appended).
  template <typename T, typename S>
  bool sumBlock(const S *codes, int64_t t, int64_t g, DeviceWorkspace &ws,
                std::vector<T> &sums, std::vector<T> &vars,
                std::vector<T> &digits) const;
  /// Adds read noise to ws.values, the partial sums of batch row `row`
  /// (`span` per block of ws.blocks).
  void addReadNoise(int64_t row, int64_t span, DeviceWorkspace &ws) const;
  template <typename S>
  void addSenseErrors(const S *x, int64_t width, int64_t count,
                      int64_t globalRow, int32_t *out, int64_t ldo) const;
  /// The ADC's output for a real-valued partial sum (in units of one
  /// level step): an ideal ADC rounds to the nearest integer.
  int64_t convert(double p) const;
  /// conductance and levels per (cell set, slice): rows x cols.
  void planAnalog(const std::vector<std::vector<float>> &conductance,
                  const std::vector<std::vector<uint8_t>> &levels, double gMin,
                  double dG);
  void planSensed(const std::vector<std::vector<float>> &conductance,
                  double margin);

  const program::Mvm *op;
  int index = 0;
  uint64_t noiseKey = 0, senseKey = 0;
  std::vector<Read> reads;
  bool senseAmp = false, ternary = false, wide = false;
  double readSigma = 0, senseErrorRate = 0;
  // Analog reads: per group, kn x (reads x cols) weights and, with read
  // noise, variances (float when every partial sum is exact in float).
  std::vector<std::vector<float>> weights, variances;
  std::vector<std::vector<double>> weightsWide, variancesWide;
  uint64_t zeroConstant = 0; // what an all-zero (t, group) adds per column
  // 2T2R reads: the sensed weights per slice (rows x cols of -1, 0, +1)
  // and their product.
  std::vector<std::vector<int8_t>> sensed;
  std::unique_ptr<ExactProduct> product;
};

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_DEVICEMVM_H
