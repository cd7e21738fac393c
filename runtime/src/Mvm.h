//===- Mvm.h - Crossbar read plans and kernels ------------------*- C++ -*-===//
//
// A crossbar read (mvm) is planned once per program from the programmed
// levels, and then run on blocks of rows. docs/Simulator.md, "Crossbar
// reads", describes the method and its cost; in short:
//
//   - A read whose conversions can never lose information (no ADC, sense
//     amplifiers, or every partial sum provably inside the ADC's exact
//     range) is one exact product with the effective weights
//       W[k, n] = sum_s 2^(c s) (m+_s[k, n] - m-_s[k, n])  (- weight_offset).
//   - Otherwise (narrow ADCs) the input codes are split into bit planes,
//     and every (row, input cycle, word-line group) is classified from the
//     digit sum b of its active rows, which bounds every partial sum of
//     the group to [b min(level), b max(level)]:
//       known: every partial sum converts to the same code, whatever the
//              weights (an all-zero plane, or sums below half a step): its
//              contribution is a per-row constant;
//       exact: every partial sum is inside the ADC's exact range: its
//              digits are kept in a masked copy of the input, and all such
//              conversions are summed in one exact product with W;
//       slow:  the partial sums are computed (AND + popcount on bit
//              planes, or a small GEMM), converted and shift-added in one
//              fused pass.
//     Columns whose conversions are exact for every input take the exact
//     product with the full input.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_MVM_H
#define OHMRT_MVM_H

#include "Buffers.h"
#include "Gemm.h"

#include <map>
#include <memory>
#include <string>

namespace ohmrt {
namespace detail {

/// Per-thread scratch memory of crossbar reads.
struct MvmWorkspace {
  GemmWorkspace gemm;
  std::vector<uint64_t> packed;   // input bit planes of a block
  std::vector<uint32_t> acc;      // accumulators of the converted columns
  std::vector<uint64_t> rowConst; // per-row constants (known conversions)
  std::vector<int64_t> rowSums;   // per-row sums of the codes
  std::vector<uint64_t> masks;    // per (row, group): bits kept for exact
  std::vector<char> codes;        // gathered or masked input codes
  std::vector<std::vector<int32_t>> entries; // slow (row, cycle), by group
  std::vector<double> digits, sums;          // the GEMM fallback's operands
};

/// What the reads of a run did, by technique (docs/Simulator.md).
struct MvmCounters {
  int64_t exactRows = 0;    // rows computed by one exact product
  int64_t knownEntries = 0; // (row, cycle, group): every code known
  int64_t exactEntries = 0; // (row, cycle, group): summed in the product
  int64_t slowEntries = 0;  // (row, cycle, group): converted one by one
  void add(const MvmCounters &other) {
    exactRows += other.exactRows;
    knownEntries += other.knownEntries;
    exactEntries += other.exactEntries;
    slowEntries += other.slowEntries;
  }
};

class MvmPlan : private ReadParams {
public:
  MvmPlan(const program::Mvm &op,
          const std::map<uint32_t, const program::Array *> &arrays);
  ~MvmPlan();

  const program::Mvm &getOp() const { return *op; }
  bool isExact() const { return exact; }
  /// The effective weights (tile_rows x tile_cols, row-major) of an exact
  /// read, weight offset included; empty for a sliced read.
  const std::vector<int64_t> &getEffectiveWeights() const { return effective; }
  int64_t getMaxInput() const { return maxInput; }
  /// Bytes held by the plan.
  size_t getBytes() const;

  /// Computes rows [first, first + count) of the read into out (rows of
  /// tile_cols int32 at stride ldo). `src` is the rows buffer. Returns
  /// false with `error` set if an input code needs more than input_bits.
  bool run(const Mem &src, int64_t first, int64_t count, int32_t *out,
           int64_t ldo, MvmWorkspace &ws, MvmCounters &counters,
           std::string &error) const;

  /// Rows per block that keep a block's scratch near `bytes`.
  int64_t getBlockRows(int64_t bytes) const;

  /// Releases the effective weights once the executor has taken them
  /// (fused reads keep their own copy).
  void dropEffectiveWeights() { std::vector<int64_t>().swap(effective); }

private:
  using Read = ReadTerm;
  struct Group;
  struct Cells;
  Cells loadCells(const std::map<uint32_t, const program::Array *> &arrays);
  std::vector<bool> findExactColumns(const Cells &cells) const;
  /// Fills the group's classification table; true if some digit sum makes
  /// every conversion exact.
  bool planTable(Group &group, const Cells &cells) const;
  void packBits(Group &group, const Cells &cells) const;
  void planGemm(Group &group, const Cells &cells);
  int64_t sliceOf(const Read &read) const;
  template <typename S>
  bool runSliced(const S *rows, int64_t width, int64_t count, int32_t *out,
                 int64_t ldo, MvmWorkspace &ws, MvmCounters &counters,
                 std::string &error) const;
  /// Adds the converted columns' sums (and each row's constant) to `out`,
  /// scattered to their columns if `scatter`, else in order.
  void addConverted(const MvmWorkspace &ws, const uint32_t *acc, int64_t count,
                    int32_t *out, int64_t ldo, bool scatter) const;
  void slowPopcount(const Group &group, const int32_t *entries,
                    int64_t numEntries, int64_t planeStride,
                    const uint64_t *packed, uint32_t *acc) const;
  /// sum_q sign_q 2^shift_q lo: what the ADCs' offset adds to every
  /// converted (row, cycle) of the bit-serial kernels.
  uint64_t entryConstant() const;
  void slowGemm(const Group &group, const int32_t *entries, int64_t numEntries,
                const uint64_t *packed, int64_t planeStride, uint32_t *acc,
                MvmWorkspace &ws) const;

  const program::Mvm *op;
  int64_t words = 1; // 64-bit words per group plane
  bool exact = false;
  std::vector<int64_t> effective;
  std::unique_ptr<ExactProduct> product; // exact reads

  // Sliced reads.
  std::vector<Read> reads;
  std::vector<int64_t> slowCols;              // converted columns
  int64_t paddedCols = 0;                     // slowCols rounded up to 8
  std::unique_ptr<ExactProduct> exactColumns; // full input, other columns 0
  std::unique_ptr<ExactProduct> masked;       // masked input, slow columns
  std::vector<Group> groupPlans;
  bool bitSerial = false;
  bool gemmInt64 = false; // the GEMM fallback's sums may pass 2^53
};

/// The first code of `count` rows (k codes each, `width` apart) that needs
/// more than `bits` bits, or -1: a read's input codes must fit its
/// input_bits (ideal and device mode check the same way).
template <typename S>
int64_t findWideCode(const S *rows, int64_t width, int64_t count, int64_t k,
                     int64_t bits) {
  if (bits >= int64_t(8 * sizeof(S)))
    return -1;
  for (int64_t i = 0; i < count; ++i) {
    const S *x = rows + i * width;
    S any = 0;
    for (int64_t j = 0; j < k; ++j)
      any |= x[j];
    if (any >> bits)
      for (int64_t j = 0; j < k; ++j)
        if (x[j] >> bits)
          return int64_t(x[j]);
  }
  return -1;
}

inline std::string wideCodeError(int64_t code, int64_t bits) {
  return "input code " + std::to_string(code) +
         " needs more than input_bits = " + std::to_string(bits);
}

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_MVM_H
