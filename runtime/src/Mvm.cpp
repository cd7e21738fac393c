//===- Mvm.cpp - Crossbar read plans and kernels --------------------------===//
//
// See Mvm.h for the method. The bit-serial kernel keeps, per word-line
// group, every cell bit of every (slice, cell set) as 64-row bit columns;
// a partial sum is then
//   P = sum_j sum_b 2^(j + b) sum_w popcount(x_j[w] & m_b[w, n])
// over the digit's bits j, the cell's bits b and the group's 64-row words
// w, computed for 8 columns at once (AVX-512 VPOPCNTQ where the CPU has
// it, a portable loop otherwise), converted by the ADC and shift-added
// into 32-bit accumulators without leaving registers.
//
// Every accumulator wraps modulo 2^32 (the xb evaluator's int32 results
// are the exact sums modulo 2^32, and sums, shifts and products are ring
// operations), so partial results may be added in any order in uint32 or
// uint64 arithmetic and still give the same bits.
//
//===----------------------------------------------------------------------===//

#include "Mvm.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define OHMRT_X86 1
// GCC 12's _mm512_setzero_si512 and friends trip -Wmaybe-uninitialized
// inside its own headers (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

using namespace ohmrt;
using namespace ohmrt::detail;

namespace {

/// True when the AVX-512 kernels may run: the CPU has them and
/// OHM_SIM_GENERIC_KERNELS is unset (tests set it to check the portable
/// kernels against the fast ones on one machine).
bool useAvx512() {
  static const bool value = [] {
    if (const char *env = std::getenv("OHM_SIM_GENERIC_KERNELS"))
      if (*env && *env != '0')
        return false;
#if OHMRT_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vpopcntdq");
#else
    return false;
#endif
  }();
  return value;
}

inline int popcount64(uint64_t v) { return __builtin_popcountll(v); }

/// A slow (row, input cycle) entry is (row << kCycleBits) | cycle: input
/// bits are at most 32 (the validator), so there are at most 32 cycles.
constexpr int kCycleBits = 6;
constexpr int32_t kCycleMask = (1 << kCycleBits) - 1;

} // namespace

struct MvmPlan::Group {
  int64_t k0 = 0, kn = 0;
  // Per digit sum b of the group's active rows: 0 slow, 1 known, 2 exact,
  // and for known sums the contribution sum_q sign_q 2^shift_q code_q.
  std::vector<uint8_t> status;
  std::vector<uint64_t> known;
  // Bit-serial weights: [read][term][cell bit][word][padded column].
  std::vector<uint64_t> bits;
  // The GEMM fallback's weights: kn x (reads x slow columns).
  std::vector<double> gemmWeights;
};

MvmPlan::~MvmPlan() = default;

int64_t MvmPlan::sliceOf(const Read &read) const {
  return read.shift / cellBits;
}

/// The programmed levels of a read, and what each read's cell pair
/// contributes before conversion -- what planning works from.
struct MvmPlan::Cells {
  int64_t slices = 1, cols = 0;
  // levels[set * slices + slice]: tile_rows x tile_cols levels.
  std::vector<std::vector<uint8_t>> levels;
  // values[q][k * cols + n]: m+ - m- (or m) of read q.
  std::vector<std::vector<int16_t>> values;
  const uint8_t *levelsOf(int64_t set, int64_t slice) const {
    return levels[size_t(set * slices + slice)].data();
  }
  int64_t value(int64_t q, int64_t k, int64_t n) const {
    return int64_t(values[size_t(q)][size_t(k * cols + n)]);
  }
};

MvmPlan::MvmPlan(const program::Mvm &op,
                 const std::map<uint32_t, const program::Array *> &arrays)
    : ReadParams(op), op(&op) {
  Cells cells = loadCells(arrays);
  int64_t numReads = int64_t(reads.size());
  // W_sl = sum_q sign_q 2^shift_q v_q (before the weight offset).
  std::vector<int64_t> sliced(size_t(rows * cols), 0);
  for (int64_t q = 0; q < numReads; ++q) {
    const Read &read = reads[size_t(q)];
    const int16_t *v = cells.values[size_t(q)].data();
    for (int64_t i = 0; i < rows * cols; ++i)
      sliced[size_t(i)] +=
          read.sign * int64_t(v[i]) * (int64_t(1) << read.shift);
  }
  std::vector<bool> columnExact = findExactColumns(cells);
  for (int64_t n = 0; n < cols; ++n)
    if (!columnExact[size_t(n)])
      slowCols.push_back(n);

  std::vector<int64_t> full = sliced;
  for (int64_t &w : full)
    w -= weightOffset;
  if (slowCols.empty()) {
    exact = true;
    product = std::make_unique<ExactProduct>(full, rows, cols, maxInput);
    effective = std::move(full);
    return;
  }

  // A sliced read: the exact columns' product, then per group the
  // classification table and the kernel's weights.
  int64_t numSlow = int64_t(slowCols.size());
  paddedCols = (numSlow + 7) / 8 * 8;
  if (numSlow < cols) {
    for (int64_t n : slowCols)
      for (int64_t k = 0; k < rows; ++k)
        full[size_t(k * cols + n)] = 0;
    exactColumns = std::make_unique<ExactProduct>(full, rows, cols, maxInput);
  }
  bitSerial = digitBits * cellBits <= 8 && inputBits <= 32;
  words = (std::min(activeRows, rows) + 63) / 64;
  bool anyExact = false;
  for (int64_t g = 0; g < groups; ++g) {
    Group group;
    group.k0 = g * activeRows;
    group.kn = std::min(rows, group.k0 + activeRows) - group.k0;
    anyExact |= planTable(group, cells);
    if (bitSerial)
      packBits(group, cells);
    else
      planGemm(group, cells);
    groupPlans.push_back(std::move(group));
  }
  if (anyExact) {
    std::vector<int64_t> compact(size_t(rows * numSlow));
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t c = 0; c < numSlow; ++c)
        compact[size_t(k * numSlow + c)] =
            sliced[size_t(k * cols + slowCols[size_t(c)])];
    masked = std::make_unique<ExactProduct>(compact, rows, numSlow, maxInput);
  }
}

MvmPlan::Cells
MvmPlan::loadCells(const std::map<uint32_t, const program::Array *> &arrays) {
  Cells cells;
  int64_t sets = op->sets();
  cells.slices = op->slices();
  cells.cols = cols;
  for (int64_t i = 0; i < sets * cells.slices; ++i) {
    const program::Array *a = arrays.at(op->arrays(int(i)));
    std::vector<uint8_t> all = getArrayLevels(*a);
    std::vector<uint8_t> m(size_t(rows * cols));
    for (int64_t k = 0; k < rows; ++k)
      std::memcpy(m.data() + k * cols, all.data() + k * a->cols(),
                  size_t(cols));
    cells.levels.push_back(std::move(m));
  }
  reads = getReadTerms(*op);
  for (const Read &read : reads) {
    const uint8_t *plus = cells.levelsOf(read.plus, sliceOf(read));
    const uint8_t *minus =
        read.minus >= 0 ? cells.levelsOf(read.minus, sliceOf(read)) : nullptr;
    std::vector<int16_t> v(size_t(rows * cols));
    for (int64_t i = 0; i < rows * cols; ++i)
      v[size_t(i)] = int16_t(int(plus[i]) - (minus ? int(minus[i]) : 0));
    cells.values.push_back(std::move(v));
  }
  return cells;
}

std::vector<bool> MvmPlan::findExactColumns(const Cells &cells) const {
  // Every partial sum of a group lies in [digitMax * sum(min(v, 0)),
  // digitMax * sum(max(v, 0))], per read, group and column.
  std::vector<bool> columnExact(size_t(cols), true);
  bool senseAmp =
      op->encoding() == program::BINARY || op->encoding() == program::TERNARY;
  if (senseAmp || adc.bits == 0)
    return columnExact;
  std::vector<int64_t> lo(static_cast<size_t>(cols)), hi(lo);
  for (size_t q = 0; q < reads.size(); ++q)
    for (int64_t g = 0; g < groups; ++g) {
      int64_t k0 = g * activeRows, k1 = std::min(rows, k0 + activeRows);
      std::fill(lo.begin(), lo.end(), 0);
      std::fill(hi.begin(), hi.end(), 0);
      for (int64_t k = k0; k < k1; ++k) {
        const int16_t *v = cells.values[q].data() + k * cols;
        for (int64_t n = 0; n < cols; ++n) {
          lo[size_t(n)] += std::min<int64_t>(v[n], 0);
          hi[size_t(n)] += std::max<int64_t>(v[n], 0);
        }
      }
      for (int64_t t = 0; t < cycles; ++t) {
        int64_t digitMax = std::min<int64_t>((int64_t(1) << digitBits) - 1,
                                             maxInput >> (digitBits * t));
        for (int64_t n = 0; n < cols; ++n)
          if (!adc.isExactOn(lo[size_t(n)] * digitMax,
                             hi[size_t(n)] * digitMax))
            columnExact[size_t(n)] = false;
      }
    }
  return columnExact;
}

bool MvmPlan::planTable(Group &group, const Cells &cells) const {
  // Per digit sum b of the group's active rows, over the converted
  // columns: every partial sum of read q lies in [b min v_q, b max v_q].
  int64_t numReads = int64_t(reads.size());
  int64_t maxSum = group.kn * ((int64_t(1) << digitBits) - 1);
  if (maxSum > 65536)
    return false; // no table: every entry is converted
  std::vector<int64_t> minV(size_t(numReads), INT64_MAX),
      maxV(size_t(numReads), INT64_MIN);
  for (int64_t q = 0; q < numReads; ++q)
    for (int64_t k = group.k0; k < group.k0 + group.kn; ++k)
      for (int64_t n : slowCols) {
        int64_t v = cells.value(q, k, n);
        minV[size_t(q)] = std::min(minV[size_t(q)], v);
        maxV[size_t(q)] = std::max(maxV[size_t(q)], v);
      }
  group.status.assign(size_t(maxSum + 1), 0);
  group.known.assign(size_t(maxSum + 1), 0);
  bool anyExact = false;
  for (int64_t b = 0; b <= maxSum; ++b) {
    bool allKnown = true, allExact = true;
    uint64_t known = 0;
    for (int64_t q = 0; q < numReads; ++q) {
      int64_t lo = b * minV[size_t(q)], hi = b * maxV[size_t(q)];
      int64_t code = adc.convert(lo);
      allKnown &= code == adc.convert(hi);
      allExact &= adc.isExactOn(lo, hi);
      known += uint64_t(reads[size_t(q)].sign) *
               (uint64_t(code) << reads[size_t(q)].shift);
    }
    group.status[size_t(b)] = allKnown ? 1 : allExact ? 2 : 0;
    group.known[size_t(b)] = known;
    anyExact |= !allKnown && allExact;
  }
  return anyExact;
}

void MvmPlan::packBits(Group &group, const Cells &cells) const {
  int64_t numReads = int64_t(reads.size()), numSlow = int64_t(slowCols.size());
  group.bits.assign(size_t(numReads * 2 * cellBits * words * paddedCols), 0);
  for (int64_t q = 0; q < numReads; ++q) {
    const Read &read = reads[size_t(q)];
    for (int64_t term = 0; term < 2; ++term) {
      int64_t set = term == 0 ? read.plus : read.minus;
      if (set < 0)
        continue;
      const uint8_t *levels = cells.levelsOf(set, sliceOf(read));
      for (int64_t k = 0; k < group.kn; ++k) {
        const uint8_t *row = levels + (group.k0 + k) * cols;
        uint64_t bit = uint64_t(1) << (k % 64);
        for (int64_t b = 0; b < cellBits; ++b) {
          uint64_t *out =
              group.bits.data() +
              (((q * 2 + term) * cellBits + b) * words + k / 64) * paddedCols;
          for (int64_t c = 0; c < numSlow; ++c)
            if ((row[slowCols[size_t(c)]] >> b) & 1)
              out[c] |= bit;
        }
      }
    }
  }
}

void MvmPlan::planGemm(Group &group, const Cells &cells) {
  int64_t numReads = int64_t(reads.size()), numSlow = int64_t(slowCols.size());
  int64_t digitMax = (int64_t(1) << digitBits) - 1;
  double bound = 0;
  for (int64_t c = 0; c < numSlow; ++c)
    for (int64_t q = 0; q < numReads; ++q) {
      double sum = 0;
      for (int64_t k = group.k0; k < group.k0 + group.kn; ++k)
        sum += std::abs(double(cells.value(q, k, slowCols[size_t(c)])));
      bound = std::max(bound, sum * double(digitMax));
    }
  gemmInt64 |= bound >= 9007199254740992.0;
  group.gemmWeights.assign(size_t(group.kn * numReads * numSlow), 0);
  for (int64_t k = 0; k < group.kn; ++k)
    for (int64_t q = 0; q < numReads; ++q)
      for (int64_t c = 0; c < numSlow; ++c)
        group.gemmWeights[size_t((k * numReads + q) * numSlow + c)] =
            double(cells.value(q, group.k0 + k, slowCols[size_t(c)]));
}

size_t MvmPlan::getBytes() const {
  size_t bytes = effective.size() * 8;
  for (const ExactProduct *p :
       {product.get(), exactColumns.get(), masked.get()})
    if (p)
      bytes += p->getBytes();
  for (const Group &g : groupPlans)
    bytes += g.status.size() + g.known.size() * 8 + g.bits.size() * 8 +
             g.gemmWeights.size() * 8;
  return bytes;
}

int64_t MvmPlan::getBlockRows(int64_t bytes) const {
  int64_t perRow =
      exact ? rows + 4 * cols
            : groups * inputBits * words * 8 + 4 * paddedCols + 8 * rows + 32;
  return std::max<int64_t>(16, bytes / std::max<int64_t>(perRow, 1));
}

//===----------------------------------------------------------------------===//
// Running a read
//===----------------------------------------------------------------------===//

namespace {

/// Packs the bit planes of one group of one row: out[p * words + w] holds
/// bit p of codes [64 w, 64 w + 64) of `x` (kn codes).
template <typename S>
void packGeneric(const S *x, int64_t kn, int64_t planes, int64_t words,
                 uint64_t *out) {
  std::fill(out, out + planes * words, 0);
  for (int64_t k = 0; k < kn; ++k) {
    uint64_t code = x[k];
    uint64_t bit = uint64_t(1) << (k % 64);
    for (int64_t p = 0; p < planes && code; ++p, code >>= 1)
      if (code & 1)
        out[p * words + k / 64] |= bit;
  }
}

#if OHMRT_X86
__attribute__((target("avx512f,avx512bw"))) void
packBytesAvx512(const uint8_t *x, int64_t kn, int64_t planes, int64_t words,
                uint64_t *out) {
  for (int64_t w = 0; w < words; ++w) {
    int64_t n = std::min<int64_t>(64, kn - 64 * w);
    __mmask64 tail = n >= 64 ? ~__mmask64(0) : (__mmask64(1) << n) - 1;
    __m512i v = _mm512_maskz_loadu_epi8(tail, x + 64 * w);
    for (int64_t p = 0; p < planes; ++p)
      out[p * words + w] =
          _mm512_test_epi8_mask(v, _mm512_set1_epi8(char(1 << p)));
  }
}
#endif

} // namespace

bool MvmPlan::run(const Mem &src, int64_t first, int64_t count, int32_t *out,
                  int64_t ldo, MvmWorkspace &ws, MvmCounters &counters,
                  std::string &error) const {
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
    if (exact) {
      product->multiply(x, width, count, out, ldo, ws.gemm);
      counters.exactRows += count;
      return;
    }
    ok = runSliced(x, width, count, out, ldo, ws, counters, error);
  });
  return ok;
}

template <typename S>
bool MvmPlan::runSliced(const S *x, int64_t width, int64_t count, int32_t *out,
                        int64_t ldo, MvmWorkspace &ws, MvmCounters &counters,
                        std::string &error) const {
  int64_t numSlow = int64_t(slowCols.size());
  int64_t planes = inputBits;
  int64_t planeStride = planes * words; // per (row, group)
  int64_t digitMask = (int64_t(1) << digitBits) - 1;

  // 1. Bit planes (bit-serial kernel) and code sums.
  ws.rowSums.assign(size_t(count), 0);
  if (bitSerial) {
    ws.packed.resize(size_t(count * groups * planeStride));
    for (int64_t i = 0; i < count; ++i)
      for (int64_t g = 0; g < groups; ++g) {
        const Group &group = groupPlans[size_t(g)];
        uint64_t *dst = ws.packed.data() + (i * groups + g) * planeStride;
        const S *codes = x + i * width + group.k0;
#if OHMRT_X86
        if (sizeof(S) == 1 && useAvx512()) {
          packBytesAvx512(reinterpret_cast<const uint8_t *>(codes), group.kn,
                          planes, words, dst);
          continue;
        }
#endif
        packGeneric(codes, group.kn, planes, words, dst);
      }
  }
  if (weightOffset != 0)
    for (int64_t i = 0; i < count; ++i) {
      int64_t sum = 0;
      for (int64_t k = 0; k < rows; ++k)
        sum += int64_t(x[i * width + k]);
      ws.rowSums[size_t(i)] = sum;
    }

  // 2. Classify every (row, cycle, group) by its digit sum.
  uint64_t slowConstant = bitSerial ? entryConstant() : 0;
  ws.rowConst.assign(size_t(count), 0);
  ws.masks.assign(size_t(count * groups), 0);
  std::vector<std::vector<int32_t>> &slow = ws.entries;
  slow.resize(size_t(groups));
  for (std::vector<int32_t> &list : slow)
    list.clear();
  bool anyExact = false;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t g = 0; g < groups; ++g) {
      const Group &group = groupPlans[size_t(g)];
      const uint64_t *planesOf =
          bitSerial ? ws.packed.data() + (i * groups + g) * planeStride
                    : nullptr;
      for (int64_t t = 0; t < cycles; ++t) {
        int64_t sum = 0;
        if (bitSerial) {
          for (int64_t j = 0; j < digitBits && digitBits * t + j < planes; ++j)
            for (int64_t w = 0; w < words; ++w)
              sum +=
                  int64_t(popcount64(planesOf[(digitBits * t + j) * words + w]))
                  << j;
        } else {
          const S *codes = x + i * width + group.k0;
          for (int64_t k = 0; k < group.kn; ++k)
            sum += (int64_t(codes[k]) >> (digitBits * t)) & digitMask;
        }
        int status = group.status.empty() ? 0 : group.status[size_t(sum)];
        if (status == 1) {
          ws.rowConst[size_t(i)] += group.known[size_t(sum)] << (digitBits * t);
          ++counters.knownEntries;
        } else if (status == 2) {
          ws.masks[size_t(i * groups + g)] |= uint64_t(digitMask)
                                              << (digitBits * t);
          anyExact = true;
          ++counters.exactEntries;
        } else {
          slow[size_t(g)].push_back(int32_t(i << kCycleBits | t));
          if (bitSerial)
            ws.rowConst[size_t(i)] += slowConstant << (digitBits * t);
          ++counters.slowEntries;
        }
      }
    }

  // 3. The accumulators start as the masked input's exact product.
  ws.acc.resize(size_t(count * paddedCols));
  uint32_t *acc = ws.acc.data();
  if (anyExact) {
    withCodeType(maxInput <= 255     ? 1
                 : maxInput <= 65535 ? 2
                                     : 4,
                 [&](auto tag) {
                   using C = decltype(tag);
                   ws.codes.resize(size_t(count * rows) * sizeof(C));
                   C *maskedCodes = reinterpret_cast<C *>(ws.codes.data());
                   for (int64_t i = 0; i < count; ++i)
                     for (int64_t g = 0; g < groups; ++g) {
                       const Group &group = groupPlans[size_t(g)];
                       uint64_t mask = ws.masks[size_t(i * groups + g)];
                       for (int64_t k = group.k0; k < group.k0 + group.kn; ++k)
                         maskedCodes[i * rows + k] =
                             C(uint64_t(x[i * width + k]) & mask);
                     }
                   masked->multiply(maskedCodes, rows, count,
                                    reinterpret_cast<int32_t *>(acc),
                                    paddedCols, ws.gemm);
                 });
    for (int64_t i = 0; i < count; ++i)
      std::fill(acc + i * paddedCols + numSlow, acc + (i + 1) * paddedCols, 0);
  } else {
    std::fill(acc, acc + count * paddedCols, 0);
  }

  // 4. Convert and shift-add what is left.
  for (int64_t g = 0; g < groups; ++g) {
    const std::vector<int32_t> &entries = slow[size_t(g)];
    if (entries.empty())
      continue;
    const Group &group = groupPlans[size_t(g)];
    if (bitSerial) {
      slowPopcount(group, entries.data(), int64_t(entries.size()),
                   groups * planeStride, ws.packed.data() + g * planeStride,
                   acc);
    } else {
      // Digits of the slow entries, one row each.
      ws.digits.assign(size_t(int64_t(entries.size()) * group.kn), 0);
      for (size_t e = 0; e < entries.size(); ++e) {
        int64_t i = entries[e] >> kCycleBits, t = entries[e] & kCycleMask;
        const S *codes = x + i * width + group.k0;
        for (int64_t k = 0; k < group.kn; ++k)
          ws.digits[e * size_t(group.kn) + size_t(k)] =
              double((int64_t(codes[k]) >> (digitBits * t)) & digitMask);
      }
      slowGemm(group, entries.data(), int64_t(entries.size()), nullptr, 0, acc,
               ws);
    }
  }

  // 5. Columns: the exact columns' product, plus the converted ones.
  if (exactColumns)
    exactColumns->multiply(x, width, count, out, ldo, ws.gemm);
  addConverted(ws, acc, count, out, ldo, exactColumns != nullptr);
  (void)error;
  return true;
}

void MvmPlan::addConverted(const MvmWorkspace &ws, const uint32_t *acc,
                           int64_t count, int32_t *out, int64_t ldo,
                           bool scatter) const {
  int64_t numSlow = int64_t(slowCols.size());
  for (int64_t i = 0; i < count; ++i) {
    uint32_t base =
        uint32_t(ws.rowConst[size_t(i)] -
                 uint64_t(weightOffset) * uint64_t(ws.rowSums[size_t(i)]));
    int32_t *o = out + i * ldo;
    const uint32_t *a = acc + i * paddedCols;
    if (scatter) {
      for (int64_t c = 0; c < numSlow; ++c) {
        int64_t n = slowCols[size_t(c)];
        o[n] = int32_t(uint32_t(o[n]) + a[c] + base);
      }
    } else {
      for (int64_t c = 0; c < numSlow; ++c)
        o[c] = int32_t(a[c] + base);
    }
  }
}

//===----------------------------------------------------------------------===//
// The slow path: convert and shift-add
//===----------------------------------------------------------------------===//

namespace {

/// What the bit-serial kernels need of a plan, flattened. Each kernel adds
/// sum_q sign_q 2^(d t + shift_q + e) code_q to the accumulators, with
/// code_q = clamp((P_q - lo + step/2) >> e, 0, maxCode) and step = 2^e;
/// the rest of each conversion, lo + code * step, contributes
/// sum_q sign_q 2^shift_q lo per (row, cycle), which the caller adds
/// (MvmPlan::entryConstant).
struct SerialArgs {
  const uint64_t *bits;
  int64_t numReads, cellBits, digitBits, planes, words, paddedCols, cycles;
  const int *hasMinus;  // per read
  const int64_t *signs; // per read
  const int *shifts;    // per read: shift_q + e
  int64_t bias;         // step/2 - lo
  int64_t stepLog2, maxCode;
};

/// The portable kernel: one column at a time (with the POPCNT instruction
/// where the CPU has it; x86-64's baseline lacks it).
OHMRT_POPCNT_CLONES
void serialGeneric(const SerialArgs &a, const int32_t *entries,
                   int64_t numEntries, int64_t rowStride,
                   const uint64_t *packed, uint32_t *acc) {
  for (int64_t e = 0; e < numEntries; ++e) {
    int64_t i = entries[e] >> kCycleBits, t = entries[e] & kCycleMask;
    const uint64_t *xw = packed + i * rowStride + a.digitBits * t * a.words;
    int64_t digitPlanes = std::min(a.digitBits, a.planes - a.digitBits * t);
    uint32_t *row = acc + i * a.paddedCols;
    for (int64_t c = 0; c < a.paddedCols; ++c) {
      uint64_t total = 0;
      for (int64_t q = 0; q < a.numReads; ++q) {
        int64_t p = 0;
        for (int64_t term = 0; term < 1 + a.hasMinus[q]; ++term)
          for (int64_t b = 0; b < a.cellBits; ++b) {
            const uint64_t *m =
                a.bits +
                (((q * 2 + term) * a.cellBits + b) * a.words) * a.paddedCols +
                c;
            for (int64_t j = 0; j < digitPlanes; ++j) {
              int64_t count = 0;
              for (int64_t w = 0; w < a.words; ++w)
                count += popcount64(xw[j * a.words + w] & m[w * a.paddedCols]);
              p += (term ? -count : count) * (int64_t(1) << (b + j));
            }
          }
        int64_t code = (p + a.bias) >> a.stepLog2;
        code = code < 0 ? 0 : code > a.maxCode ? a.maxCode : code;
        total += uint64_t(a.signs[q]) * (uint64_t(code) << a.shifts[q]);
      }
      row[c] += uint32_t(total << (a.digitBits * t));
    }
  }
}

/// The portable kernel unrolled for 1-bit digits, C-bit cells and W words
/// per group (scalar POPCNT; 4 columns at a time share the input words).
template <int C, int W>
OHMRT_POPCNT_CLONES void
serialUnrolled(const SerialArgs &a, const int32_t *entries, int64_t numEntries,
               int64_t rowStride, const uint64_t *packed, uint32_t *acc) {
  int64_t stride = a.paddedCols, readStride = 2 * C * W * stride;
  for (int64_t e = 0; e < numEntries; ++e) {
    int64_t i = entries[e] >> kCycleBits, t = entries[e] & kCycleMask;
    const uint64_t *xw = packed + i * rowStride + t * W;
    uint64_t x[W];
    for (int w = 0; w < W; ++w)
      x[w] = xw[w];
    uint32_t *row = acc + i * a.paddedCols;
    for (int64_t c = 0; c < a.paddedCols; c += 4) {
      uint64_t total[4] = {0, 0, 0, 0};
      const uint64_t *m = a.bits + c;
      for (int64_t q = 0; q < a.numReads; ++q, m += readStride) {
        for (int lane = 0; lane < 4; ++lane) {
          int64_t p = 0;
          for (int64_t term = 0; term < 1 + a.hasMinus[q]; ++term) {
            const uint64_t *mt = m + term * C * W * stride + lane;
            int64_t sum = 0;
            for (int b = 0; b < C; ++b)
              for (int w = 0; w < W; ++w)
                sum += int64_t(popcount64(x[w] & mt[(b * W + w) * stride]))
                       << b;
            p += term ? -sum : sum;
          }
          int64_t code = (p + a.bias) >> a.stepLog2;
          code = code < 0 ? 0 : code > a.maxCode ? a.maxCode : code;
          total[lane] += uint64_t(a.signs[q]) * (uint64_t(code) << a.shifts[q]);
        }
      }
      for (int lane = 0; lane < 4; ++lane)
        row[c + lane] += uint32_t(total[lane] << t);
    }
  }
}

using SerialKernel = void (*)(const SerialArgs &, const int32_t *, int64_t,
                              int64_t, const uint64_t *, uint32_t *);

/// The unrolled portable kernel for (cell bits, words), if there is one.
SerialKernel findPortableKernel(int64_t cellBits, int64_t words) {
#define OHMRT_KERNEL(C, W)                                                     \
  if (cellBits == C && words == W)                                             \
  return serialUnrolled<C, W>
  OHMRT_KERNEL(1, 1);
  OHMRT_KERNEL(1, 2);
  OHMRT_KERNEL(1, 4);
  OHMRT_KERNEL(2, 1);
  OHMRT_KERNEL(2, 2);
  OHMRT_KERNEL(2, 4);
#undef OHMRT_KERNEL
  return nullptr;
}

#if OHMRT_X86
#define OHMRT_AVX512                                                           \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,"                  \
                        "avx512vpopcntdq")))

/// sum_w popcount(x[w] & m[w]) for 8 columns.
template <int W>
OHMRT_AVX512 inline __m512i popcountWords(const __m512i *x, const uint64_t *m,
                                          int64_t stride) {
  __m512i count =
      _mm512_popcnt_epi64(_mm512_and_si512(x[0], _mm512_loadu_si512(m)));
  for (int w = 1; w < W; ++w)
    count =
        _mm512_add_epi64(count, _mm512_popcnt_epi64(_mm512_and_si512(
                                    x[w], _mm512_loadu_si512(m + w * stride))));
  return count;
}

/// The partial sums of one cell set for 8 columns: sum_b 2^b popcounts.
template <int C, int W>
OHMRT_AVX512 inline __m512i partialSums(const __m512i *x, const uint64_t *m,
                                        int64_t stride) {
  __m512i p = popcountWords<W>(x, m, stride);
  for (int b = 1; b < C; ++b)
    p = _mm512_add_epi64(
        p,
        _mm512_slli_epi64(popcountWords<W>(x, m + b * W * stride, stride), b));
  return p;
}

/// 1-bit digits, C-bit cells, W words per group: everything unrolled, the
/// input's words broadcast once per (row, cycle), and per read a shift and
/// a conditional negation (xor, subtract) instead of branches. Minus: every
/// read subtracts a second cell set before its conversion (analog
/// sensing, 2T2R); otherwise none does.
template <int C, int W, bool Minus>
OHMRT_AVX512 void serialAvx512(const SerialArgs &a, const int32_t *entries,
                               int64_t numEntries, int64_t rowStride,
                               const uint64_t *packed, uint32_t *acc) {
  const __m512i bias = _mm512_set1_epi64(a.bias);
  const __m512i maxCode = _mm512_set1_epi64(a.maxCode);
  const __m512i zero = _mm512_setzero_si512();
  const __m128i stepShift = _mm_cvtsi64_si128(a.stepLog2);
  int64_t stride = a.paddedCols;
  int64_t readStride = 2 * C * W * stride; // per read
  __m512i shifts[64], negate[64];
  for (int64_t q = 0; q < a.numReads; ++q) {
    shifts[q] = _mm512_set1_epi64(a.shifts[q]);
    negate[q] = _mm512_set1_epi64(a.signs[q] > 0 ? 0 : -1);
  }
  for (int64_t cb = 0; cb < a.paddedCols; cb += 8) {
    for (int64_t e = 0; e < numEntries; ++e) {
      int64_t i = entries[e] >> kCycleBits, t = entries[e] & kCycleMask;
      const uint64_t *xw = packed + i * rowStride + t * W;
      __m512i x[W];
      for (int w = 0; w < W; ++w)
        x[w] = _mm512_set1_epi64(int64_t(xw[w]));
      __m512i total = zero;
      const uint64_t *m = a.bits + cb;
      for (int64_t q = 0; q < a.numReads; ++q, m += readStride) {
        __m512i p = partialSums<C, W>(x, m, stride);
        if (Minus)
          p = _mm512_sub_epi64(
              p, partialSums<C, W>(x, m + C * W * stride, stride));
        __m512i code = _mm512_sra_epi64(_mm512_add_epi64(p, bias), stepShift);
        code = _mm512_min_epi64(_mm512_max_epi64(code, zero), maxCode);
        code = _mm512_xor_si512(_mm512_sllv_epi64(code, shifts[q]), negate[q]);
        total = _mm512_add_epi64(total, _mm512_sub_epi64(code, negate[q]));
      }
      total = _mm512_sll_epi64(total, _mm_cvtsi64_si128(t));
      uint32_t *row = acc + i * a.paddedCols + cb;
      __m256i sum = _mm256_add_epi32(
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(row)),
          _mm512_cvtepi64_epi32(total));
      _mm256_storeu_si256(reinterpret_cast<__m256i *>(row), sum);
    }
  }
}

/// The unrolled kernel for (cell bits, words, minus terms) with 1-bit
/// digits, if any.
SerialKernel findAvx512Kernel(int64_t cellBits, int64_t words, bool minus) {
#define OHMRT_KERNEL(C, W)                                                     \
  if (cellBits == C && words == W)                                             \
  return minus ? serialAvx512<C, W, true> : serialAvx512<C, W, false>
  OHMRT_KERNEL(1, 1);
  OHMRT_KERNEL(1, 2);
  OHMRT_KERNEL(1, 4);
  OHMRT_KERNEL(2, 1);
  OHMRT_KERNEL(2, 2);
  OHMRT_KERNEL(2, 4);
  OHMRT_KERNEL(3, 1);
  OHMRT_KERNEL(3, 2);
  OHMRT_KERNEL(3, 4);
  OHMRT_KERNEL(4, 1);
  OHMRT_KERNEL(4, 2);
  OHMRT_KERNEL(4, 4);
#undef OHMRT_KERNEL
  return nullptr;
}
#endif

} // namespace

void MvmPlan::slowPopcount(const Group &group, const int32_t *entries,
                           int64_t numEntries, int64_t rowStride,
                           const uint64_t *packed, uint32_t *acc) const {
  int64_t stepLog2 = 0;
  while ((int64_t(1) << stepLog2) < adc.step)
    ++stepLog2;
  std::vector<int> hasMinus, shifts;
  std::vector<int64_t> signs;
  for (const Read &read : reads) {
    hasMinus.push_back(read.minus >= 0);
    shifts.push_back(read.shift + int(stepLog2));
    signs.push_back(read.sign);
  }
  SerialArgs args{group.bits.data(), int64_t(reads.size()),
                  cellBits,          digitBits,
                  inputBits,         words,
                  paddedCols,        cycles,
                  hasMinus.data(),   signs.data(),
                  shifts.data(),     adc.step / 2 - adc.offset,
                  stepLog2,          adc.maxCode};
#if OHMRT_X86
  // The unrolled kernels need every read alike: all with a second cell
  // set subtracted before conversion, or none.
  bool allMinus = true, noMinus = true;
  for (int minus : hasMinus) {
    allMinus &= minus != 0;
    noMinus &= minus == 0;
  }
  if (useAvx512() && digitBits == 1 && reads.size() <= 64 &&
      (allMinus || noMinus))
    if (SerialKernel kernel = findAvx512Kernel(cellBits, words, allMinus))
      return kernel(args, entries, numEntries, rowStride, packed, acc);
#endif
  if (digitBits == 1)
    if (SerialKernel kernel = findPortableKernel(cellBits, words))
      return kernel(args, entries, numEntries, rowStride, packed, acc);
  serialGeneric(args, entries, numEntries, rowStride, packed, acc);
}

uint64_t MvmPlan::entryConstant() const {
  uint64_t constant = 0;
  for (const Read &read : reads)
    constant += uint64_t(read.sign) * (uint64_t(adc.offset) << read.shift);
  return constant;
}

void MvmPlan::slowGemm(const Group &group, const int32_t *entries,
                       int64_t numEntries, const uint64_t *, int64_t,
                       uint32_t *acc, MvmWorkspace &ws) const {
  using RowMatrix =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  int64_t numSlow = int64_t(slowCols.size());
  int64_t numReads = int64_t(reads.size());
  Eigen::Map<const RowMatrix> digits(ws.digits.data(), numEntries, group.kn);
  Eigen::Map<const RowMatrix> weights(group.gemmWeights.data(), group.kn,
                                      numReads * numSlow);
  // Sums of integers in double are exact below 2^53 (the common case);
  // the validator keeps them below 2^62, where int64 is exact.
  RowMatrix sums;
  if (!gemmInt64)
    sums = digits * weights;
  auto partial = [&](int64_t e, int64_t j) {
    if (!gemmInt64)
      return int64_t(sums(e, j));
    int64_t p = 0;
    for (int64_t k = 0; k < group.kn; ++k)
      p += int64_t(digits(e, k)) * int64_t(weights(k, j));
    return p;
  };
  for (int64_t e = 0; e < numEntries; ++e) {
    int64_t i = entries[e] >> kCycleBits, t = entries[e] & kCycleMask;
    uint32_t *row = acc + i * paddedCols;
    for (int64_t q = 0; q < numReads; ++q) {
      const Read &read = reads[size_t(q)];
      int64_t shift = digitBits * t + read.shift;
      for (int64_t c = 0; c < numSlow; ++c)
        row[c] += uint32_t(
            uint64_t(read.sign) *
            (uint64_t(adc.convert(partial(e, q * numSlow + c))) << shift));
    }
  }
}
