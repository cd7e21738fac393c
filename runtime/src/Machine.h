//===- Machine.h - The executor's state -------------------------*- C++ -*-===//
//
// What the executor knows about a program once it is planned (buffers by
// id, crossbar read plans, fused reads) and the memory of the chunk of the
// batch being run. Executor.cpp drives it; VectorUnit.cpp implements the
// vector unit's instructions on it.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_MACHINE_H
#define OHMRT_MACHINE_H

#include "Buffers.h"
#include "DeviceMvm.h"
#include "Gemm.h"
#include "Mvm.h"
#include "Operands.h"
#include "ThreadPool.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ohmrt {
namespace detail {

/// Several exact reads of one layer that read the same rows, computed as
/// one product into the buffer their accumulate / concat_cols would have
/// produced (docs/Simulator.md, "Fused reads").
struct FusedRead {
  int at = 0;    // the instruction that runs it (the last member mvm)
  int first = 0; // the first member mvm
  uint32_t rows = 0, dst = 0;
  int64_t rowOffset = 0, k = 0, n = 0, inputBits = 8;
  std::unique_ptr<ExactProduct> product;
  std::vector<int64_t> weights; // k x n, while planning
  std::vector<int> members;     // the mvm instructions it replaces
  // A convolution of an im2col's source, when the rows come from an
  // im2col nothing else reads (which is then skipped).
  std::unique_ptr<ExactConv> conv;
  uint32_t convSrc = 0;
  int im2col = -1;
};

/// bias -> unrows -> requantize in one pass (docs/Simulator.md), run at
/// the requantize; the bias and unrows are skipped.
struct Epilogue {
  int bias = 0, unrows = 0, requantize = 0;
};

/// Where a buffer lives: (space, core) and its bytes for one inference.
struct Region {
  int space = 0;
  uint32_t core = 0;
  uint64_t begin = 0, end = 0;
  bool overlaps(const Region &other) const {
    return space == other.space && core == other.core && begin < other.end &&
           other.begin < end;
  }
};

/// Everything planned once per program; read-only while running, shared
/// by every lane.
struct Plan {
  Plan(const program::Program &p, bool countActivity,
       const DeviceRun *device = nullptr);

  const program::Program &p;
  std::map<uint32_t, const program::Buffer *> buffers;
  std::map<uint32_t, const program::Array *> arrays;
  std::map<uint32_t, const program::Constant *> constants;
  std::map<int, std::unique_ptr<MvmPlan>> plans; // by instruction index
  std::map<int, FusedRead> fused;                // by the index that runs it
  // Device mode: the reads on the device instance (by instruction index).
  std::map<int, std::unique_ptr<DeviceMvmPlan>> devicePlans;
  std::map<int, Epilogue> epilogues; // by its requantize
  std::vector<bool> skipped;         // instructions fused work replaces
  bool countActivity = false;        // reads count their non-zero digits
  // Memory per inference. The global buffer is its buffers' high-water
  // mark. Cores' scratchpads share one arena: a core's scratchpad is live
  // from the first to the last instruction that touches it, and cores
  // whose live ranges do not overlap get the same bytes.
  uint64_t globalBytes = 0;
  uint64_t scratchBytes = 0;
  std::map<uint32_t, uint64_t> coreOffset; // in the scratch arena
  size_t planBytes = 0;

  /// Finds fused reads, convolutions and epilogues (Fusion.cpp).
  void planFusion();
  /// Lays the used cores' scratchpads out in the shared arena.
  void layOutScratchpads();
};

/// One lane of execution: runs chunks of the batch on its own memory,
/// with its own threads (one per lane when lanes split the batch).
struct Machine {
  explicit Machine(const Plan &plan)
      : plan(plan), p(plan.p), buffers(plan.buffers),
        constants(plan.constants) {}

  const Plan &plan;
  const program::Program &p;
  const std::map<uint32_t, const program::Buffer *> &buffers;
  const std::map<uint32_t, const program::Constant *> &constants;

  // The chunk being run.
  int64_t batch = 1;
  int64_t firstInference = 0; // the chunk's first inference in the batch
  char *global = nullptr;
  char *scratch = nullptr;
  ThreadPool *pool = nullptr;
  std::vector<MvmWorkspace> *workspaces = nullptr;
  std::vector<DeviceWorkspace> *deviceWorkspaces = nullptr;
  std::string error;
  // What the lane did, over its chunks.
  MvmCounters counters;
  /// Per instruction, when the plan counts activity: non-zero input digits
  /// the lane's reads drove.
  std::vector<int64_t> drivenDigits;
  bool profiling = false;
  std::map<std::string, std::pair<double, int64_t>> profile;

  Mem mem(uint32_t id) const;
  bool fail(const std::string &message) {
    error = message;
    return false;
  }

  /// Runs instruction `index` (or the fused work that replaces it); false
  /// with `error` set on a runtime error.
  bool execute(int index);

  /// The vector unit and data movement (VectorUnit.cpp).
  bool executeVector(const program::Instruction &inst);
  void runEpilogue(const Epilogue &epilogue);

private:
  bool runMvm(int index);
  bool runDeviceMvm(const DeviceMvmPlan &read, int index);
  bool runFused(const FusedRead &read);
  bool runConv(const FusedRead &read);

  bool im2col(const program::Im2Col &op);
  bool rows(const program::Rows &op);
  void accumulate(const program::Accumulate &op);
  void concatCols(const program::ConcatCols &op);
  void bias(const program::Bias &op);
  void unrows(const program::Unrows &op);
  void requantize(const program::Requantize &op);
  void quantize(const program::Quantize &op);
  void dequantize(const program::Dequantize &op);
  void pool2d(const program::Pool &op);
  void globalAvgPool(const program::GlobalAvgPool &op);
  void binary(const program::Binary &op);
  void qadd(const program::QAdd &op);
  void concat(const program::Concat &op);
  void pad(const program::Pad &op);
  void transpose(const program::Transpose &op);
  void softmax(const program::Softmax &op);
  void activation(const program::Activation &op);
  void cast(const program::Cast &op);
  void clip(const program::Clip &op);
};

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_MACHINE_H
