//===- DeviceMvm.cpp - Crossbar reads in device mode ----------------------===//
//
// See DeviceMvm.h and docs/Device.md. Every accumulator wraps modulo 2^32
// as in ideal mode; with every device parameter at 0 the weights are the
// programmed levels exactly, the partial sums are exact integers, and the
// results equal ideal mode's bit for bit.
//
//===----------------------------------------------------------------------===//

#include "DeviceMvm.h"
#include "Mvm.h"
#include "ohmrt/Random.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace ohmrt;
using namespace ohmrt::detail;

namespace {

/// Keys of a read's random numbers: one stream per (seed, instruction,
/// purpose), disjoint from the instance's (keyed by the seed alone).
uint64_t mixKey(uint64_t seed, uint64_t index, uint64_t purpose) {
  uint64_t z = seed ^ ((index + 1) * 0x9E3779B97F4A7C15ull) ^
               (purpose * 0xD6E8FEB86659FD93ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// 16 floats; GCC lowers operations on it to the clone's vector ISA.
typedef float Float16 __attribute__((vector_size(64)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi" // load16 is always inlined
#endif

__attribute__((always_inline)) inline Float16 load16(const float *p) {
  Float16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

/// out[c] = sum_j d[j] w[nz[j] * ld + c] for c < n (d = 1 when null),
/// summed in the order of j for every column: blocks of 64 and 16
/// columns in registers, then single columns.
OHMRT_VECTOR_CLONES
void scaleAddRows(const float *w, int64_t ld, const int32_t *nz, const float *d,
                  int64_t count, int64_t n, float *out) {
  int64_t c0 = 0;
  for (; c0 + 64 <= n; c0 += 64) {
    Float16 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (int64_t j = 0; j < count; ++j) {
      const float *row = w + nz[j] * ld + c0;
      if (d) {
        float scale = d[j];
        a0 += scale * load16(row);
        a1 += scale * load16(row + 16);
        a2 += scale * load16(row + 32);
        a3 += scale * load16(row + 48);
      } else {
        a0 += load16(row);
        a1 += load16(row + 16);
        a2 += load16(row + 32);
        a3 += load16(row + 48);
      }
    }
    std::memcpy(out + c0, &a0, sizeof(a0));
    std::memcpy(out + c0 + 16, &a1, sizeof(a1));
    std::memcpy(out + c0 + 32, &a2, sizeof(a2));
    std::memcpy(out + c0 + 48, &a3, sizeof(a3));
  }
  for (; c0 + 16 <= n; c0 += 16) {
    Float16 a = {};
    for (int64_t j = 0; j < count; ++j)
      a += (d ? d[j] : 1.0f) * load16(w + nz[j] * ld + c0);
    std::memcpy(out + c0, &a, sizeof(a));
  }
  for (int64_t c = c0; c < n; ++c) {
    float a = 0;
    for (int64_t j = 0; j < count; ++j)
      a += (d ? d[j] : 1.0f) * w[nz[j] * ld + c];
    out[c] = a;
  }
}

void addRows(const float *w, int64_t ld, const int32_t *nz, int64_t count,
             int64_t n, float *out) {
  scaleAddRows(w, ld, nz, nullptr, count, n, out);
}

/// The double-precision forms, for reads whose sums may pass 2^24.
void addRows(const double *w, int64_t ld, const int32_t *nz, int64_t count,
             int64_t n, double *out) {
  std::fill(out, out + n, 0.0);
  for (int64_t j = 0; j < count; ++j)
    for (int64_t c = 0; c < n; ++c)
      out[c] += w[nz[j] * ld + c];
}

void scaleAddRows(const double *w, int64_t ld, const int32_t *nz,
                  const double *d, int64_t count, int64_t n, double *out) {
  std::fill(out, out + n, 0.0);
  for (int64_t j = 0; j < count; ++j)
    for (int64_t c = 0; c < n; ++c)
      out[c] += d[j] * w[nz[j] * ld + c];
}

/// values[j] = the ADC's output for p[j] (docs/Device.md): an ideal
/// conversion (step 0) rounds half up; otherwise
/// offset + step clamp(floor((p - offset) / step + 1/2), 0, maxCode).
/// Division, not a reciprocal: noiseless sums are integers, and the
/// quotient must round exactly as ideal mode's integer arithmetic.
OHMRT_VECTOR_CLONES
void convertSums(const double *p, int64_t n, double offset, double step,
                 double maxCode, int32_t *values) {
  if (step == 0) {
    for (int64_t j = 0; j < n; ++j)
      values[j] = int32_t(std::floor(p[j] + 0.5));
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    double q = std::floor((p[j] - offset) / step + 0.5);
    q = q < 0 ? 0 : q > maxCode ? maxCode : q;
    values[j] = int32_t(offset + q * step);
  }
}

/// convertSums for sums that may pass 2^31: the outputs modulo 2^32 (all
/// the accumulators keep).
void convertWideSums(const double *p, int64_t n, double offset, double step,
                     double maxCode, int32_t *values) {
  for (int64_t j = 0; j < n; ++j) {
    double v = std::floor(p[j] + 0.5);
    if (step != 0) {
      double q = std::floor((p[j] - offset) / step + 0.5);
      v = offset + (q < 0 ? 0 : q > maxCode ? maxCode : q) * step;
    }
    values[j] = int32_t(uint32_t(uint64_t(int64_t(v))));
  }
}

/// acc[n] += values[n] * multiplier (mod 2^32) for n < count.
OHMRT_VECTOR_CLONES
void accumulateCodes(const int32_t *values, int64_t count, uint32_t multiplier,
                     uint32_t *acc) {
  for (int64_t n = 0; n < count; ++n)
    acc[n] += uint32_t(values[n]) * multiplier;
}

/// Philox4x32-10 for counters {c0[m], c1[m], c2, c3}: the first two output
/// words of each in w0[m], w1[m]. The
/// same arithmetic as philox4x32 (ohmrt/Random.h), in loops a compiler
/// vectorizes.
OHMRT_VECTOR_CLONES
void philoxBatch(const uint32_t *c0, const uint32_t *c1, int64_t count,
                 uint32_t c2, uint32_t c3, uint64_t key, uint32_t *w0,
                 uint32_t *w1) {
  for (int64_t m = 0; m < count; ++m) {
    uint32_t x0 = c0[m], x1 = c1[m], x2 = c2, x3 = c3;
    uint32_t k0 = uint32_t(key), k1 = uint32_t(key >> 32);
    for (int round = 0; round < 10; ++round) {
      uint64_t p0 = uint64_t(0xD2511F53u) * x0;
      uint64_t p1 = uint64_t(0xCD9E8D57u) * x2;
      uint32_t y0 = uint32_t(p1 >> 32) ^ x1 ^ k0, y1 = uint32_t(p1);
      uint32_t y2 = uint32_t(p0 >> 32) ^ x3 ^ k1, y3 = uint32_t(p0);
      x0 = y0;
      x1 = y1;
      x2 = y2;
      x3 = y3;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    w0[m] = x0;
    w1[m] = x1;
  }
}

/// sd = sigma sqrt(variance) per sum, and whether noise of at most
/// bound sd could move it to another code: if its distance to the nearest
/// rounding boundary (in units of the step; step 0 is an ideal ADC, unit
/// steps) is larger, no draw can change its code. Conservative near the
/// clamped ends, where boundaries count that do not change the code.
OHMRT_VECTOR_CLONES
void findNoisySums(const double *p, const double *variance, int64_t n,
                   double sigma, double bound, double offset, double step,
                   double *sd, uint8_t *needed) {
  double unit = step == 0 ? 1.0 : step;
  for (int64_t j = 0; j < n; ++j) {
    sd[j] = sigma * std::sqrt(variance[j]);
    double f = (p[j] - offset) / unit + 0.5;
    double frac = f - std::floor(f);
    double distance = std::min(frac, 1.0 - frac) * unit;
    needed[j] = bound * sd[j] >= distance;
  }
}

/// The Box-Muller transform's inputs from two Philox words: a uniform in
/// (0, 1] and an angle in [0, 2 pi).
OHMRT_VECTOR_CLONES
void boxMullerInputs(const uint32_t *w0, const uint32_t *w1, int64_t n,
                     float *uniform, float *angle) {
  for (int64_t m = 0; m < n; ++m) {
    uniform[m] = (float(w0[m]) + 1.0f) * 0x1p-32f;
    angle[m] = float(w1[m]) * 0x1p-32f * 6.2831853f;
  }
}

} // namespace

DeviceMvmPlan::~DeviceMvmPlan() = default;

DeviceMvmPlan::DeviceMvmPlan(
    const program::Mvm &op, int index, const DeviceRun &run,
    const std::map<uint32_t, const program::Array *> &arrays)
    : ReadParams(op), op(&op), index(index) {
  senseAmp =
      op.encoding() == program::BINARY || op.encoding() == program::TERNARY;
  ternary = op.encoding() == program::TERNARY;
  readSigma = run.params.readNoiseSigma;
  senseErrorRate = run.params.senseErrorRate;
  noiseKey = mixKey(run.seed, uint64_t(index), 1);
  senseKey = mixKey(run.seed, uint64_t(index), 2);

  // The tiles' conductances, read at the run's time.
  const DeviceInstance &instance = *run.instance;
  const DeviceParams &drawn = instance.params;
  std::vector<std::vector<float>> conductance;
  std::vector<std::vector<uint8_t>> levels;
  for (int64_t i = 0; i < op.sets() * slices; ++i) {
    uint32_t id = op.arrays(int(i));
    const program::Array &array = *arrays.at(id);
    const ArrayDevice &cells = *instance.find(id);
    std::vector<uint8_t> all = getArrayLevels(array);
    std::vector<float> g(size_t(rows * cols));
    std::vector<uint8_t> l(size_t(rows * cols));
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t n = 0; n < cols; ++n) {
        int64_t cell = k * array.cols() + n;
        g[size_t(k * cols + n)] =
            cells.conductanceAt(cell, run.timeS, drawn.driftT0S);
        l[size_t(k * cols + n)] = all[size_t(cell)];
      }
    conductance.push_back(std::move(g));
    levels.push_back(std::move(l));
  }

  reads = getReadTerms(op);
  if (senseAmp) {
    planSensed(conductance, run.params.senseMarginUs);
    return;
  }
  double dG =
      (drawn.gMaxUs - drawn.gMinUs) / double((int64_t(1) << cellBits) - 1);
  planAnalog(conductance, levels, drawn.gMinUs, dG);
}

void DeviceMvmPlan::planAnalog(
    const std::vector<std::vector<float>> &conductance,
    const std::vector<std::vector<uint8_t>> &levels, double gMin, double dG) {
  // A cell on its target reads as its level exactly; any other as
  // (G - g_min) / dG. The variance term is (G / dG)^2.
  auto weightOf = [&](int64_t set, int64_t slice, int64_t cell) {
    size_t i = size_t(set * slices + slice);
    uint8_t l = levels[i][size_t(cell)];
    float g = conductance[i][size_t(cell)];
    if (g == float(gMin + double(l) * dG))
      return double(l);
    return (double(g) - gMin) / dG;
  };
  auto varianceOf = [&](int64_t set, int64_t slice, int64_t cell) {
    double r =
        double(conductance[size_t(set * slices + slice)][size_t(cell)]) / dG;
    return r * r;
  };
  int64_t numReads = int64_t(reads.size()), width = numReads * cols;
  int64_t digitMax = (int64_t(1) << digitBits) - 1;
  std::vector<std::vector<double>> w(static_cast<size_t>(groups)),
      v(static_cast<size_t>(groups));
  double bound = 0;
  for (int64_t g = 0; g < groups; ++g) {
    int64_t k0 = g * activeRows, kn = std::min(rows, k0 + activeRows) - k0;
    w[size_t(g)].assign(size_t(kn * width), 0);
    if (readSigma > 0)
      v[size_t(g)].assign(size_t(kn * width), 0);
    std::vector<double> column(size_t(width), 0);
    for (int64_t k = 0; k < kn; ++k)
      for (int64_t q = 0; q < numReads; ++q) {
        const Read &read = reads[size_t(q)];
        int64_t slice = read.shift / cellBits;
        for (int64_t n = 0; n < cols; ++n) {
          int64_t cell = (k0 + k) * cols + n;
          double weight = weightOf(read.plus, slice, cell);
          double variance = varianceOf(read.plus, slice, cell);
          if (read.minus >= 0) {
            weight -= weightOf(read.minus, slice, cell);
            variance += varianceOf(read.minus, slice, cell);
          }
          size_t at = size_t(k * width + q * cols + n);
          w[size_t(g)][at] = weight;
          if (readSigma > 0)
            v[size_t(g)][at] = variance;
          column[size_t(q * cols + n)] +=
              std::abs(weight) * double(digitMax) +
              (readSigma > 0 ? variance * double(digitMax) * double(digitMax)
                             : 0.0);
        }
      }
    for (double sum : column)
      bound = std::max(bound, sum);
  }
  // Float sums are exact integers below 2^24 (the noiseless limit must
  // equal ideal mode); beyond, double.
  wide = bound >= 16777216.0;
  for (int64_t g = 0; g < groups; ++g) {
    if (wide) {
      weightsWide.push_back(std::move(w[size_t(g)]));
      variancesWide.push_back(std::move(v[size_t(g)]));
    } else {
      weights.emplace_back(w[size_t(g)].begin(), w[size_t(g)].end());
      variances.emplace_back(v[size_t(g)].begin(), v[size_t(g)].end());
    }
  }
  for (const Read &read : reads)
    zeroConstant +=
        uint64_t(read.sign) * (uint64_t(convert(0.0)) << read.shift);
}

void DeviceMvmPlan::planSensed(
    const std::vector<std::vector<float>> &conductance, double margin) {
  // A precharge sense amplifier compares the pair: binary senses the sign
  // of G+ - G- (the compiler never writes equal binary pairs; a pair made
  // equal by faults reads 0); ternary senses 0 within the margin.
  std::vector<int64_t> effective(size_t(rows * cols), 0);
  for (int64_t s = 0; s < slices; ++s) {
    const std::vector<float> &plus = conductance[size_t(s)];
    const std::vector<float> &minus = conductance[size_t(slices + s)];
    std::vector<int8_t> value(size_t(rows * cols));
    for (size_t c = 0; c < value.size(); ++c) {
      double diff = double(plus[c]) - double(minus[c]);
      if (ternary)
        value[c] = int8_t(diff > margin ? 1 : diff < -margin ? -1 : 0);
      else // a pair of equal cells reads 0, as ideal mode reads equal levels
        value[c] = int8_t(diff > 0 ? 1 : diff < 0 ? -1 : 0);
      effective[c] += int64_t(value[c]) * (int64_t(1) << (cellBits * s));
    }
    sensed.push_back(std::move(value));
  }
  product = std::make_unique<ExactProduct>(effective, rows, cols, maxInput);
}

int64_t DeviceMvmPlan::convert(double p) const {
  if (adc.bits == 0)
    return int64_t(std::floor(p + 0.5));
  double q = std::floor((p - double(adc.offset)) / double(adc.step) + 0.5);
  q = q < 0 ? 0 : q > double(adc.maxCode) ? double(adc.maxCode) : q;
  return adc.offset + int64_t(q) * adc.step;
}

size_t DeviceMvmPlan::getBytes() const {
  size_t bytes = 0;
  for (const auto &m : weights)
    bytes += m.size() * 4;
  for (const auto &m : variances)
    bytes += m.size() * 4;
  for (const auto &m : weightsWide)
    bytes += m.size() * 8;
  for (const auto &m : variancesWide)
    bytes += m.size() * 8;
  for (const auto &m : sensed)
    bytes += m.size();
  return bytes + (product ? product->getBytes() : 0);
}

//===----------------------------------------------------------------------===//
// Running a read
//===----------------------------------------------------------------------===//

bool DeviceMvmPlan::run(const Mem &src, int64_t first, int64_t count,
                        int64_t globalRow, int32_t *out, int64_t ldo,
                        DeviceWorkspace &ws, std::string &error) const {
  int64_t width = src.dims[1];
  bool ok = true;
  withCodeType(src.bytes, [&](auto tag) {
    using S = decltype(tag);
    const S *x = reinterpret_cast<const S *>(src.data) + first * width +
                 op->row_offset();
    int64_t wide = findWideCode(x, width, count, rows, inputBits);
    if (wide >= 0) {
      error = wideCodeError(wide, inputBits);
      ok = false;
      return;
    }
    if (senseAmp) {
      product->multiply(x, width, count, out, ldo, ws.gemm);
      addSenseErrors(x, width, count, globalRow, out, ldo);
      return;
    }
    runAnalog(x, width, count, globalRow, out, ldo, ws);
  });
  return ok;
}

template <typename S>
void DeviceMvmPlan::runAnalog(const S *x, int64_t width, int64_t count,
                              int64_t globalRow, int32_t *out, int64_t ldo,
                              DeviceWorkspace &ws) const {
  int64_t numReads = int64_t(reads.size()), span = numReads * cols;
  double step = adc.bits ? double(adc.step) : 0.0;
  ws.acc.resize(size_t(cols));
  for (int64_t i = 0; i < count; ++i) {
    const S *codes = x + i * width;
    // 1. The partial sums (and their variances) of every (input cycle,
    // group) whose digits are not all zero; an all-zero one draws no
    // current and no noise: its conversions are those of 0.
    ws.blocks.clear();
    ws.values.clear();
    ws.variances.clear();
    uint64_t constant = 0;
    for (int64_t t = 0; t < cycles; ++t)
      for (int64_t g = 0; g < groups; ++g) {
        bool any = wide
                       ? sumBlock(codes, t, g, ws, ws.sumsWide, ws.varsWide,
                                  ws.digitsWide)
                       : sumBlock(codes, t, g, ws, ws.sums, ws.vars, ws.digits);
        if (any)
          ws.blocks.push_back(int32_t(t * groups + g));
        else
          constant += zeroConstant << (digitBits * t);
      }
    // 2. Read noise, conversion and shift-add, for all of them at once.
    int64_t total = int64_t(ws.values.size());
    if (readSigma > 0)
      addReadNoise(globalRow + i, span, ws);
    ws.codes.resize(size_t(total));
    (wide ? convertWideSums
          : convertSums)(ws.values.data(), total, double(adc.offset), step,
                         double(adc.maxCode), ws.codes.data());
    uint32_t *acc = ws.acc.data();
    std::fill(acc, acc + cols, 0);
    for (size_t b = 0; b < ws.blocks.size(); ++b) {
      int64_t shiftT = digitBits * (ws.blocks[b] / groups);
      for (int64_t q = 0; q < numReads; ++q) {
        const Read &read = reads[size_t(q)];
        // Shifts of 32 or more leave nothing modulo 2^32.
        int64_t shift = read.shift + shiftT;
        uint32_t multiplier =
            shift >= 32 ? 0 : uint32_t(uint64_t(read.sign) << shift);
        accumulateCodes(ws.codes.data() + int64_t(b) * span + q * cols, cols,
                        multiplier, acc);
      }
    }
    int64_t sum = 0;
    if (weightOffset != 0)
      for (int64_t k = 0; k < rows; ++k)
        sum += int64_t(codes[k]);
    uint32_t base = uint32_t(constant - uint64_t(weightOffset) * uint64_t(sum));
    int32_t *o = out + i * ldo;
    for (int64_t n = 0; n < cols; ++n)
      o[n] = int32_t(acc[n] + base);
  }
}

template <typename T, typename S>
bool DeviceMvmPlan::sumBlock(const S *codes, int64_t t, int64_t g,
                             DeviceWorkspace &ws, std::vector<T> &sums,
                             std::vector<T> &vars,
                             std::vector<T> &digits) const {
  int64_t k0 = g * activeRows, kn = std::min(rows, k0 + activeRows) - k0;
  int64_t mask = (int64_t(1) << digitBits) - 1;
  ws.nonZero.clear();
  digits.clear();
  for (int64_t k = 0; k < kn; ++k)
    if (int64_t d = (int64_t(codes[k0 + k]) >> (digitBits * t)) & mask) {
      ws.nonZero.push_back(int32_t(k));
      digits.push_back(T(d));
    }
  if (ws.nonZero.empty())
    return false;
  int64_t span = int64_t(reads.size()) * cols;
  int64_t count = int64_t(ws.nonZero.size());
  const T *w = wide ? reinterpret_cast<const T *>(weightsWide[size_t(g)].data())
                    : reinterpret_cast<const T *>(weights[size_t(g)].data());
  sums.resize(size_t(span));
  if (digitBits == 1)
    addRows(w, span, ws.nonZero.data(), count, span, sums.data());
  else
    scaleAddRows(w, span, ws.nonZero.data(), digits.data(), count, span,
                 sums.data());
  ws.values.insert(ws.values.end(), sums.begin(), sums.end());
  if (readSigma <= 0)
    return true;
  const T *v =
      wide ? reinterpret_cast<const T *>(variancesWide[size_t(g)].data())
           : reinterpret_cast<const T *>(variances[size_t(g)].data());
  vars.resize(size_t(span));
  if (digitBits == 1) {
    addRows(v, span, ws.nonZero.data(), count, span, vars.data());
  } else {
    for (T &d : digits)
      d = d * d;
    scaleAddRows(v, span, ws.nonZero.data(), digits.data(), count, span,
                 vars.data());
  }
  ws.variances.insert(ws.variances.end(), vars.begin(), vars.end());
  return true;
}

void DeviceMvmPlan::addReadNoise(int64_t row, int64_t span,
                                 DeviceWorkspace &ws) const {
  int64_t total = int64_t(ws.values.size());
  // Which partial sums a draw could move to another code. A draw is
  // bounded by kMaxGaussian (< 6.67): skipping the others gives the same
  // result as drawing for them.
  double step = adc.bits ? double(adc.step) : 0.0, bound = 6.67;
  static_assert(kMaxGaussian < 6.67, "the skip bound must cover every draw");
  ws.sd.resize(size_t(total));
  ws.needed.resize(size_t(total));
  findNoisySums(ws.values.data(), ws.variances.data(), total, readSigma, bound,
                double(adc.offset), step, ws.sd.data(), ws.needed.data());
  // One Philox call per pair of conversions (2p, 2p + 1) of a block, keyed
  // by (p, block, row): the Box-Muller transform of its first two words
  // gives the pair's Gaussians (cosine: even, sine: odd). Adding noise to
  // a pair's member that needs none cannot change its code.
  ws.first.clear();
  ws.pairs.clear();
  ws.pairBlocks.clear();
  for (size_t b = 0; b < ws.blocks.size(); ++b)
    for (int64_t local = 0; local < span; local += 2) {
      size_t j = b * size_t(span) + size_t(local);
      bool odd = local + 1 < span;
      if (!ws.needed[j] && !(odd && ws.needed[j + 1]))
        continue;
      ws.first.push_back(uint32_t(j));
      ws.pairs.push_back(uint32_t(local >> 1));
      ws.pairBlocks.push_back(uint32_t(ws.blocks[b]));
    }
  int64_t count = int64_t(ws.first.size());
  if (count == 0)
    return;
  for (auto *w : {&ws.w0, &ws.w1})
    w->resize(size_t(count));
  philoxBatch(ws.pairs.data(), ws.pairBlocks.data(), count, uint32_t(row),
              uint32_t(uint64_t(row) >> 32), noiseKey, ws.w0.data(),
              ws.w1.data());
  ws.radius.resize(size_t(count));
  ws.angle.resize(size_t(count));
  boxMullerInputs(ws.w0.data(), ws.w1.data(), count, ws.radius.data(),
                  ws.angle.data());
  using Array = Eigen::Map<Eigen::ArrayXf>;
  Array radius(ws.radius.data(), count), angle(ws.angle.data(), count);
  // The float transform's radius can pass the double one's bound only by
  // rounding: clamped there, every draw stays within the skip bound.
  radius = (radius.log() * -2.0f).sqrt().min(float(kMaxGaussian));
  ws.cosine.resize(size_t(count));
  ws.sine.resize(size_t(count));
  Array(ws.cosine.data(), count) = angle.cos();
  Array(ws.sine.data(), count) = angle.sin();
  for (int64_t m = 0; m < count; ++m) {
    size_t j = ws.first[size_t(m)];
    float r = ws.radius[size_t(m)];
    ws.values[j] += ws.sd[j] * double(r * ws.cosine[size_t(m)]);
    if (int64_t(j % size_t(span)) + 1 < span)
      ws.values[j + 1] += ws.sd[j + 1] * double(r * ws.sine[size_t(m)]);
  }
}

template <typename S>
void DeviceMvmPlan::addSenseErrors(const S *x, int64_t width, int64_t count,
                                   int64_t globalRow, int32_t *out,
                                   int64_t ldo) const {
  if (senseErrorRate <= 0)
    return;
  // Sensings per row: (input cycle, slice, cell row, column). The gaps
  // between errors are geometric: one draw per error, not per sensing.
  int64_t perCycle = slices * rows * cols;
  int64_t total = cycles * perCycle;
  double logKeep = std::log1p(-senseErrorRate);
  int64_t mask = (int64_t(1) << digitBits) - 1;
  for (int64_t i = 0; i < count; ++i) {
    int64_t row = globalRow + i;
    int64_t at = -1;
    for (uint32_t e = 0;; ++e) {
      PhiloxCounter r = philox4x32(
          {e, uint32_t(row), uint32_t(uint64_t(row) >> 32), 0}, senseKey);
      double gap = senseErrorRate >= 1
                       ? 0
                       : std::floor(std::log(uniformOpen0(r[0])) / logKeep);
      if (gap >= double(total - at))
        break;
      at += int64_t(gap) + 1;
      if (at >= total)
        break;
      int64_t t = at / perCycle, rest = at % perCycle;
      int64_t s = rest / (rows * cols), cell = rest % (rows * cols);
      int64_t k = cell / cols, n = cell % cols;
      int64_t d = (int64_t(x[i * width + k]) >> (digitBits * t)) & mask;
      if (d == 0)
        continue;
      int64_t before = sensed[size_t(s)][size_t(cell)];
      // Binary flips; ternary moves 0 to +-1 and +-1 to 0, never +1 to -1.
      int64_t after = !ternary      ? -before
                      : before != 0 ? 0
                      : (r[1] & 1)  ? 1
                                    : -1;
      uint64_t delta = uint64_t(after - before) *
                       (uint64_t(d) << (digitBits * t + cellBits * s));
      int32_t &o = out[i * ldo + n];
      o = int32_t(uint32_t(o) + uint32_t(delta));
    }
  }
}
