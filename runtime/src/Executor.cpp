//===- Executor.cpp - Running programs ------------------------------------===//
//
// Executes a validated program for a batch of N inferences, in chunks of
// at most C inferences sized to a memory budget, so memory does not grow
// with the batch. For a chunk of n inferences, the global buffer and the
// scratchpads are two arenas of n times their per-inference high-water
// marks; buffer b lives at offset(b) * n. Arenas are allocated once, never
// zero-filled (the validator proves every buffer is written before it is
// read), and reused by every chunk.
//
// Threads: when the batch is large enough, each thread is a lane that runs
// whole chunks on its own arenas -- no synchronization inside a chunk.
// Otherwise one lane runs each instruction on all threads. Every inference
// is computed by the same arithmetic either way, so results do not depend
// on the thread count or the chunking.
//
// Planning happens once, in the constructor: crossbar read plans (Mvm.cpp)
// and fused work (Fusion.cpp).
//
//===----------------------------------------------------------------------===//

#include "Machine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace ohmrt;
using namespace ohmrt::detail;

namespace {
using I = program::Instruction;

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string dimsText(const std::vector<int64_t> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

/// Memory for a chunk's buffers: not zero-filled (every buffer is written
/// before it is read), in 2 MiB transparent huge pages where the kernel
/// offers them, so first touches fault 512 times less often.
struct Arena {
  char *data = nullptr;
  size_t bytes = 0;
  Arena() = default;
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;
  Arena(Arena &&other) noexcept
      : data(other.data), bytes(other.bytes), mapped(other.mapped) {
    other.data = nullptr;
    other.mapped = false;
  }
  Arena &operator=(Arena &&other) = delete;
  ~Arena() { release(); }
  bool allocate(uint64_t size) {
    bytes = size_t(std::max<uint64_t>(size, 64));
    const size_t huge = size_t(2) << 20;
    if (bytes >= huge) {
      bytes = (bytes + huge - 1) / huge * huge;
      void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED)
        return false;
      madvise(p, bytes, MADV_HUGEPAGE);
      data = static_cast<char *>(p);
      mapped = true;
      return true;
    }
    data = static_cast<char *>(std::malloc(bytes));
    return data != nullptr;
  }
  void release() {
    if (mapped)
      munmap(data, bytes);
    else
      std::free(data);
    data = nullptr;
    mapped = false;
  }

private:
  bool mapped = false;
};

/// The arena bytes a lane's chunk aims at when the budget allows more.
constexpr uint64_t kLaneArenaBytes = uint64_t(32) << 20;

/// Scratch bytes per worker for one block of a crossbar read.
constexpr int64_t kBlockBytes = 2 << 20;

} // namespace

Plan::Plan(const program::Program &p, bool countActivity,
           const DeviceRun *device)
    : p(p), countActivity(countActivity) {
  for (const auto &b : p.buffers()) {
    buffers[b.id()] = &b;
    if (b.space() == program::GLOBAL)
      globalBytes = std::max<uint64_t>(globalBytes, b.offset() + b.size());
  }
  for (const auto &a : p.arrays())
    arrays[a.id()] = &a;
  for (const auto &c : p.constants())
    constants[c.id()] = &c;
  for (int i = 0; i < p.instructions_size(); ++i)
    if (p.instructions(i).op_case() == I::kMvm)
      plans.emplace(i,
                    std::make_unique<MvmPlan>(p.instructions(i).mvm(), arrays));
  if (device)
    for (const auto &[index, plan] : plans)
      devicePlans.emplace(index, std::make_unique<DeviceMvmPlan>(
                                     plan->getOp(), index, *device, arrays));
  // Every read on its own, where its rows are: to count its activity, or
  // to run it on the device.
  if (countActivity || device)
    skipped.assign(size_t(p.instructions_size()), false);
  else
    planFusion();
  layOutScratchpads();
  for (auto &[index, plan] : plans) {
    plan->dropEffectiveWeights();
    planBytes += plan->getBytes();
  }
  for (auto &[index, plan] : devicePlans)
    planBytes += plan->getBytes();
  for (auto &[index, read] : fused) {
    std::vector<int64_t>().swap(read.weights);
    planBytes +=
        read.product->getBytes() + (read.conv ? read.conv->getBytes() : 0);
  }
}

void Plan::layOutScratchpads() {
  // Each used core: its high-water mark and live range.
  struct Core {
    uint64_t bytes = 0;
    int first = INT32_MAX, last = -1;
  };
  std::map<uint32_t, Core> cores;
  for (const auto &b : p.buffers())
    if (b.space() == program::SCRATCHPAD) {
      Core &core = cores[b.core()];
      core.bytes = std::max<uint64_t>(core.bytes, b.offset() + b.size());
    }
  auto touch = [&](uint32_t id, int index) {
    const program::Buffer *b = buffers.at(id);
    if (b->space() != program::SCRATCHPAD)
      return;
    Core &core = cores[b->core()];
    core.first = std::min(core.first, index);
    core.last = std::max(core.last, index);
  };
  std::vector<uint32_t> reads, writes;
  for (int i = 0; i < p.instructions_size(); ++i) {
    getOperands(p.instructions(i), reads, writes);
    for (uint32_t id : reads)
      touch(id, i);
    for (uint32_t id : writes)
      touch(id, i);
  }
  // A fused read touches its rows and final buffer where it runs.
  for (const auto &[at, read] : fused) {
    touch(read.conv ? read.convSrc : read.rows, at);
    touch(read.dst, at);
  }
  // An epilogue reads the bias's source where the requantize runs.
  for (const auto &[at, epilogue] : epilogues)
    touch(p.instructions(epilogue.bias).bias().src(), at);
  // Ports live for the whole run.
  for (const auto &ports : {p.inputs(), p.outputs()})
    for (const program::Port &port : ports) {
      touch(port.buffer(), -1);
      touch(port.buffer(), p.instructions_size());
    }

  // First fit, in order of first use: a core takes the lowest offset that
  // overlaps no core still live when it starts.
  std::vector<std::pair<int, uint32_t>> order;
  for (const auto &[id, core] : cores)
    order.emplace_back(core.first, id);
  std::sort(order.begin(), order.end());
  struct Placed {
    int last;
    uint64_t begin, end;
  };
  std::vector<Placed> placed;
  for (const auto &[first, id] : order) {
    const Core &core = cores[id];
    uint64_t bytes = (core.bytes + 63) / 64 * 64;
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (const Placed &other : placed)
      if (other.last >= first)
        busy.emplace_back(other.begin, other.end);
    std::sort(busy.begin(), busy.end());
    uint64_t offset = 0;
    for (const auto &[begin, end] : busy) {
      if (offset + bytes <= begin)
        break;
      offset = std::max(offset, end);
    }
    coreOffset[id] = offset;
    placed.push_back({core.last, offset, offset + bytes});
    scratchBytes = std::max(scratchBytes, offset + bytes);
  }
}

Mem Machine::mem(uint32_t id) const {
  const program::Buffer *b = buffers.at(id);
  Mem m;
  uint64_t n = uint64_t(batch);
  m.data = b->space() == program::GLOBAL
               ? global + b->offset() * n
               : scratch + (plan.coreOffset.at(b->core()) + b->offset()) * n;
  m.dtype = b->type().dtype();
  m.bytes = getStorageBytes(m.dtype);
  m.bits = b->type().bits() ? b->type().bits() : m.bytes * 8;
  if (m.dtype == program::BOOL)
    m.bits = 1;
  m.dims.assign(b->dims().begin(), b->dims().end());
  if (b->batched())
    m.dims[0] *= batch;
  m.count = numElements(m.dims);
  return m;
}

bool Machine::execute(int index) {
  const program::Instruction &inst = p.instructions(index);
  auto fused = plan.fused.find(index);
  auto epilogue = plan.epilogues.find(index);
  bool isFused = fused != plan.fused.end();
  bool isEpilogue = epilogue != plan.epilogues.end();
  if (!isFused && !isEpilogue && plan.skipped[size_t(index)])
    return true;
  auto began = std::chrono::steady_clock::now();
  bool ok = true;
  if (isFused)
    ok = runFused(fused->second);
  else if (isEpilogue)
    runEpilogue(epilogue->second);
  else if (inst.op_case() == I::kMvm)
    ok = runMvm(index);
  else
    ok = executeVector(inst);
  if (profiling) {
    std::string kind =
        isFused ? (fused->second.conv ? "mvm (convolution)" : "mvm (fused)")
        : isEpilogue                      ? "bias+unrows+requantize"
        : inst.op_case() != I::kMvm       ? getOpcodeName(inst)
        : plan.devicePlans.count(index)   ? std::string("mvm (device)")
        : plan.plans.at(index)->isExact() ? "mvm (exact)"
                                          : "mvm (sliced)";
    auto &entry = profile[kind];
    entry.first += secondsSince(began);
    entry.second += 1;
  }
  return ok;
}

/// The (row, input cycle, tile row) of a read whose input digit is
/// non-zero: what drives a DAC and the cells on its row (docs/Cost.md).
static int64_t countDrivenDigits(const program::Mvm &op, const Mem &src) {
  int64_t rows = src.dims[0], width = src.dims[1];
  int64_t dac = std::max<int64_t>(1, op.dac_bits());
  int64_t cycles = (op.input_bits() + dac - 1) / dac;
  uint64_t mask = (uint64_t(1) << dac) - 1;
  int64_t driven = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = op.row_offset(); k < op.row_offset() + op.tile_rows();
         ++k) {
      uint64_t code = uint64_t(src.loadInt(r * width + k));
      if (dac == 1) {
        driven += __builtin_popcountll(code);
        continue;
      }
      for (int64_t t = 0; t < cycles; ++t)
        driven += ((code >> (dac * t)) & mask) != 0;
    }
  return driven;
}

bool Machine::runDeviceMvm(const DeviceMvmPlan &read, int index) {
  const program::Mvm &op = plan.p.instructions(index).mvm();
  Mem src = mem(op.rows()), dst = mem(op.dst());
  int64_t total = src.dims[0], cols = op.tile_cols();
  // The batch-wide index of the chunk's first row keys the read's random
  // numbers: the same row draws the same numbers in any chunk or block.
  // (Rows that do not scale with the batch are the same in every chunk.)
  int64_t perInference =
      plan.buffers.at(op.rows())->batched() && batch > 0 ? total / batch : 0;
  int64_t firstRow = firstInference * perInference;
  unsigned threads = pool->size();
  int64_t block = std::max<int64_t>(
      1, std::min<int64_t>(64, (total + 4 * threads - 1) / (4 * threads)));
  int64_t blocks = (total + block - 1) / block;
  std::vector<std::string> errors(static_cast<size_t>(blocks));
  pool->run(blocks, [&](int64_t b, unsigned worker) {
    int64_t first = b * block, count = std::min(block, total - first);
    read.run(src, first, count, firstRow + first,
             dst.as<int32_t>() + first * cols, cols,
             (*deviceWorkspaces)[worker], errors[size_t(b)]);
  });
  for (const std::string &e : errors)
    if (!e.empty())
      return fail(e);
  if (plan.countActivity)
    drivenDigits[size_t(index)] += countDrivenDigits(op, src);
  return true;
}

bool Machine::runMvm(int index) {
  auto device = plan.devicePlans.find(index);
  if (device != plan.devicePlans.end())
    return runDeviceMvm(*device->second, index);
  const MvmPlan &read = *plan.plans.at(index);
  const program::Mvm &op = read.getOp();
  Mem src = mem(op.rows()), dst = mem(op.dst());
  int64_t total = src.dims[0], cols = op.tile_cols();
  int64_t block = read.getBlockRows(kBlockBytes);
  unsigned threads = pool->size();
  if (threads > 1) // enough blocks to keep every thread busy to the end
    block = std::max<int64_t>(
        16,
        std::min<int64_t>(block, (total + 4 * threads - 1) / (4 * threads)));
  int64_t blocks = (total + block - 1) / block;
  std::vector<MvmCounters> blockCounters(threads);
  std::vector<std::string> errors(static_cast<size_t>(blocks));
  pool->run(blocks, [&](int64_t b, unsigned worker) {
    int64_t first = b * block, count = std::min(block, total - first);
    if (!read.run(src, first, count, dst.as<int32_t>() + first * cols, cols,
                  (*workspaces)[worker], blockCounters[worker],
                  errors[size_t(b)]))
      return;
  });
  for (const std::string &e : errors)
    if (!e.empty())
      return fail(e);
  for (const MvmCounters &c : blockCounters)
    counters.add(c);
  if (plan.countActivity)
    drivenDigits[size_t(index)] += countDrivenDigits(op, src);
  return true;
}

bool Machine::runConv(const FusedRead &read) {
  Mem src = mem(read.convSrc), dst = mem(read.dst);
  int64_t images = src.dims[0];
  // The codes must fit the read's input bits, as im2col + mvm check them.
  if (read.inputBits < 8) {
    const uint8_t *x = src.as<uint8_t>();
    for (int64_t i = 0; i < src.count; ++i)
      if (x[i] >> read.inputBits)
        return fail(
            "input code " + std::to_string(x[i]) +
            " needs more than input_bits = " + std::to_string(read.inputBits));
  }
  unsigned threads = pool->size();
  int64_t parts = std::min<int64_t>(threads, images);
  int64_t perImage = src.count / std::max<int64_t>(images, 1);
  int64_t rowsPerImage = dst.dims[0] / std::max<int64_t>(images, 1);
  pool->run(parts, [&](int64_t part, unsigned worker) {
    int64_t first = images * part / parts, last = images * (part + 1) / parts;
    read.conv->run(src.as<uint8_t>() + first * perImage, last - first,
                   dst.as<int32_t>() + first * rowsPerImage * read.n,
                   (*workspaces)[worker].gemm);
  });
  return true;
}

bool Machine::runFused(const FusedRead &read) {
  if (read.conv)
    return runConv(read);
  Mem src = mem(read.rows), dst = mem(read.dst);
  int64_t total = src.dims[0], width = src.dims[1];
  unsigned threads = pool->size();
  // Large blocks suit oneDNN; a fixed size keeps its primitives few.
  int64_t block = std::max<int64_t>(
      64,
      std::min<int64_t>(kBlockBytes / std::max<int64_t>(read.k + 4 * read.n, 1),
                        (total + threads - 1) / threads));
  int64_t blocks = (total + block - 1) / block;
  std::vector<int64_t> wide(size_t(blocks), -1);
  pool->run(blocks, [&](int64_t b, unsigned worker) {
    int64_t first = b * block, count = std::min(block, total - first);
    int32_t *out = dst.as<int32_t>() + first * read.n;
    src.withInts([&](auto *rows) {
      using S = std::remove_pointer_t<decltype(rows)>;
      if constexpr (std::is_unsigned<S>::value && sizeof(S) <= 4) {
        const S *x = rows + first * width + read.rowOffset;
        if (read.inputBits < int64_t(8 * sizeof(S)))
          for (int64_t i = 0; i < count && wide[size_t(b)] < 0; ++i)
            for (int64_t k = 0; k < read.k; ++k)
              if (x[i * width + k] >> read.inputBits) {
                wide[size_t(b)] = int64_t(x[i * width + k]);
                break;
              }
        if (wide[size_t(b)] < 0)
          read.product->multiply(x, width, count, out, read.n,
                                 (*workspaces)[worker].gemm);
      }
    });
  });
  for (int64_t code : wide)
    if (code >= 0)
      return fail(
          "input code " + std::to_string(code) +
          " needs more than input_bits = " + std::to_string(read.inputBits));
  return true;
}

//===----------------------------------------------------------------------===//
// The executor
//===----------------------------------------------------------------------===//

namespace {
/// A lane's memory and threads, kept between runs.
struct Lane {
  Arena global, scratch;
  int64_t arenaBatch = 0;
  std::unique_ptr<ThreadPool> pool;
  std::vector<MvmWorkspace> workspaces;
  std::vector<DeviceWorkspace> deviceWorkspaces;

  bool prepare(const Plan &plan, int64_t chunk, unsigned threads) {
    if (!pool || pool->size() != threads) {
      pool = std::make_unique<ThreadPool>(threads);
      workspaces = std::vector<MvmWorkspace>(threads);
      deviceWorkspaces = std::vector<DeviceWorkspace>(threads);
    }
    if (chunk == arenaBatch)
      return true;
    global.release();
    scratch.release();
    arenaBatch = 0;
    if (!global.allocate(plan.globalBytes * uint64_t(chunk)) ||
        !scratch.allocate(plan.scratchBytes * uint64_t(chunk)))
      return false;
    arenaBatch = chunk;
    return true;
  }
};
} // namespace

struct Executor::Impl {
  Plan plan;
  double planSeconds = 0;
  std::vector<Lane> lanes;

  Impl(const program::Program &p, bool countActivity, const DeviceRun *device)
      : plan(p, countActivity, device) {}
};

Executor::Executor(const program::Program &program, bool countActivity,
                   const DeviceRun *device) {
  auto start = std::chrono::steady_clock::now();
  impl = std::make_unique<Impl>(program, countActivity, device);
  impl->planSeconds = secondsSince(start);
}
Executor::~Executor() = default;

double Executor::getPlanSeconds() const { return impl->planSeconds; }
size_t Executor::getPlanBytes() const { return impl->plan.planBytes; }

uint64_t Executor::getBytesPerInference() const {
  return impl->plan.globalBytes + impl->plan.scratchBytes;
}

uint64_t ohmrt::getMemoryLimit() {
  uint64_t limit = UINT64_MAX;
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && pageSize > 0)
    limit = uint64_t(pages) * uint64_t(pageSize);
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    limit = std::min<uint64_t>(limit, rl.rlim_cur);
  if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    limit = std::min<uint64_t>(limit, rl.rlim_cur);
  // A cgroup v2 memory limit (containers).
  if (FILE *f = std::fopen("/sys/fs/cgroup/memory.max", "r")) {
    unsigned long long value;
    if (std::fscanf(f, "%llu", &value) == 1)
      limit = std::min<uint64_t>(limit, value);
    std::fclose(f);
  }
  return limit;
}

/// The batch N of a run's inputs (every input's first dimension is N
/// times the compiled one), or -1 with `error` set.
static int64_t checkInputs(const Plan &plan,
                           const std::vector<HostTensor> &inputs,
                           std::string &error) {
  const program::Program &p = plan.p;
  if (int(inputs.size()) != p.inputs_size()) {
    error = "the program takes " + std::to_string(p.inputs_size()) +
            " input(s), got " + std::to_string(inputs.size());
    return -1;
  }
  int64_t batch = -1;
  for (int i = 0; i < p.inputs_size(); ++i) {
    const program::Port &port = p.inputs(i);
    const program::Buffer &b = *plan.buffers.at(port.buffer());
    const HostTensor &in = inputs[size_t(i)];
    std::vector<int64_t> want(b.dims().begin(), b.dims().end());
    std::string expected = std::string(getDTypeName(b.type().dtype())) + " " +
                           dimsText(want) +
                           (want[0] == 1 ? " (or [N, ...] for a batch of N)"
                                         : " (or N times its first dimension)");
    bool shapeOk = in.shape.size() == want.size() && in.shape[0] > 0 &&
                   in.shape[0] % want[0] == 0;
    for (size_t d = 1; shapeOk && d < want.size(); ++d)
      shapeOk = in.shape[d] == want[d];
    if (in.dtype != b.type().dtype() || !shapeOk) {
      error = "input '" + port.name() + "' must be " + expected + ", got " +
              getDTypeName(in.dtype) + " " + dimsText(in.shape);
      return -1;
    }
    int64_t n = in.shape[0] / want[0];
    if (batch != -1 && n != batch) {
      error = "input '" + port.name() + "' holds a batch of " +
              std::to_string(n) + " but an earlier input holds " +
              std::to_string(batch);
      return -1;
    }
    batch = n;
    if (int64_t(in.data.size()) !=
        in.getNumElements() * int64_t(getStorageBytes(in.dtype))) {
      error = "input '" + port.name() + "' has the wrong number of bytes";
      return -1;
    }
    // Integer inputs narrower than their storage (u4 in a byte) must fit.
    Mem view;
    view.data = const_cast<char *>(in.data.data());
    view.dtype = b.type().dtype();
    view.bytes = getStorageBytes(view.dtype);
    view.bits = b.type().bits() ? b.type().bits() : view.bytes * 8;
    if (view.dtype == program::BOOL)
      view.bits = 1;
    if (!view.isFloat() && view.bits < view.bytes * 8)
      for (int64_t j = 0; j < in.getNumElements(); ++j)
        if (view.wrap(view.loadInt(j)) != view.loadInt(j)) {
          error = "input '" + port.name() + "' holds " +
                  std::to_string(view.loadInt(j)) +
                  ", which does not fit its " + std::to_string(view.bits) +
                  "-bit element type";
          return -1;
        }
  }

  return batch;
}

/// Outputs for the whole batch, in the ports' order, to be filled chunk by
/// chunk.
static std::vector<HostTensor> allocateOutputs(const Plan &plan,
                                               int64_t batch) {
  const program::Program &p = plan.p;
  std::vector<HostTensor> outputs(size_t(p.outputs_size()));
  for (int o = 0; o < p.outputs_size(); ++o) {
    const program::Buffer &b = *plan.buffers.at(p.outputs(o).buffer());
    HostTensor &out = outputs[size_t(o)];
    out.dtype = b.type().dtype();
    out.shape.assign(b.dims().begin(), b.dims().end());
    if (b.batched())
      out.shape[0] *= batch;
    out.data.resize(size_t(out.getNumElements() * getStorageBytes(out.dtype)));
  }
  return outputs;
}

/// Runs chunk `c` (inferences [c * chunk, ...)) on a lane's machine.
static bool runChunk(Machine &m, int64_t c, int64_t chunk, int64_t batch,
                     const std::vector<HostTensor> &inputs,
                     std::vector<HostTensor> &outputs, std::string &error) {
  const program::Program &p = m.p;
  int64_t first = c * chunk, n = std::min(chunk, batch - first);
  m.batch = n;
  m.firstInference = first;
  for (int i = 0; i < p.inputs_size(); ++i) {
    Mem in = m.mem(p.inputs(i).buffer());
    size_t bytes = size_t(in.count) * in.bytes;
    std::memcpy(in.data,
                inputs[size_t(i)].data.data() +
                    size_t(first) * (bytes / size_t(n)),
                bytes);
  }
  for (int i = 0; i < p.instructions_size(); ++i)
    if (!m.execute(i)) {
      const program::Instruction &inst = p.instructions(i);
      std::string layer;
      if (inst.op_case() == I::kMvm)
        layer = " in layer '" + inst.mvm().layer() + "'";
      error = "instruction " + std::to_string(i) + layer + ": " + m.error;
      return false;
    }
  for (int o = 0; o < p.outputs_size(); ++o) {
    const program::Buffer &b = *m.buffers.at(p.outputs(o).buffer());
    Mem out = m.mem(p.outputs(o).buffer());
    size_t bytes = size_t(out.count) * out.bytes;
    if (b.batched())
      std::memcpy(outputs[size_t(o)].data.data() +
                      size_t(first) * (bytes / size_t(n)),
                  out.data, bytes);
    else if (first == 0)
      std::memcpy(outputs[size_t(o)].data.data(), out.data, bytes);
  }
  return true;
}

/// What the lanes did and the program's per-read counts, for the batch.
static void collectStats(const Plan &plan, const std::vector<Machine> &machines,
                         int64_t batch, int64_t chunk, RunStats &stats) {
  const program::Program &p = plan.p;
  stats = RunStats();
  stats.batch = batch;
  stats.chunk = chunk;
  int64_t lanes = int64_t(machines.size());
  stats.lanes = lanes;
  for (const Machine &m : machines) {
    stats.exactRows += m.counters.exactRows;
    stats.knownEntries += m.counters.knownEntries;
    stats.exactEntries += m.counters.exactEntries;
    stats.slowEntries += m.counters.slowEntries;
    // Seconds per lane, averaged: the lanes ran at the same time.
    for (const auto &[kind, entry] : m.profile) {
      stats.profile[kind].first += entry.first / double(lanes);
      stats.profile[kind].second += entry.second;
    }
  }
  if (plan.countActivity) {
    stats.drivenDigits.assign(size_t(p.instructions_size()), 0);
    for (const Machine &m : machines)
      for (size_t i = 0; i < m.drivenDigits.size(); ++i)
        stats.drivenDigits[i] += m.drivenDigits[i];
  }
  for (int i = 0; i < p.instructions_size(); ++i) {
    const program::Instruction &inst = p.instructions(i);
    if (inst.op_case() != I::kMvm)
      continue;
    const program::Mvm &op = inst.mvm();
    MvmCounts counts = countMvm(op);
    int64_t rowsRun = op.repeat() * batch;
    ++stats.mvmInstructions;
    stats.readCycles += counts.readCycles * rowsRun;
    stats.conversions += counts.conversions * rowsRun;
    bool exact = plan.plans.at(i)->isExact();
    (exact ? stats.exactProducts : stats.slicedProducts) += 1;
    if (plan.skipped[size_t(i)] || plan.fused.count(i))
      ++stats.fusedProducts;
  }
}

bool Executor::run(const std::vector<HostTensor> &inputs,
                   std::vector<HostTensor> &outputs, std::string &error,
                   const RunOptions &options, RunStats *stats) {
  auto start = std::chrono::steady_clock::now();
  Impl &s = *impl;
  const Plan &plan = s.plan;
  int64_t batch = checkInputs(plan, inputs, error);
  if (batch < 0)
    return false;

  // Lanes and chunks. A lane per thread when every lane gets at least
  // two inferences; chunks as large as the memory budget holds (all lanes'
  // arenas together), at most an even share of the batch per lane.
  unsigned threads = std::max(1u, options.threads);
  unsigned lanes = batch >= 2 * int64_t(threads) ? threads : 1;
  unsigned laneThreads = lanes == 1 ? threads : 1;
  uint64_t perInference = getBytesPerInference();
  uint64_t fixed = plan.planBytes + uint64_t(threads) * 2 * kBlockBytes;
  uint64_t budget = std::min(options.maxMemory, getMemoryLimit());
  int64_t chunk = (batch + lanes - 1) / lanes;
  // Beyond a few tens of MiB per lane, larger chunks only cost cache misses
  // and first-touch page faults (measured in docs/Simulator.md).
  if (perInference > 0 && options.chunk == 0)
    chunk = std::min<int64_t>(
        chunk, std::max<int64_t>(1, int64_t(kLaneArenaBytes / perInference)));
  if (perInference > 0) {
    uint64_t room = budget > fixed ? budget - fixed : 0;
    chunk = int64_t(
        std::min<uint64_t>(uint64_t(chunk), room / perInference / lanes));
  }
  if (options.chunk > 0)
    chunk = std::min<int64_t>(chunk, options.chunk);
  if (chunk < 1) {
    error = "the memory budget of " + std::to_string(budget) +
            " bytes cannot hold one inference: it needs " +
            std::to_string(perInference) + " bytes per inference plus " +
            std::to_string(fixed) +
            " bytes for the crossbar plans and scratch (raise --max-memory)";
    return false;
  }
  if (s.lanes.size() < lanes)
    s.lanes.resize(lanes);
  for (unsigned l = 0; l < lanes; ++l)
    if (!s.lanes[l].prepare(plan, chunk, laneThreads)) {
      error = "cannot allocate the memory for " + std::to_string(lanes) +
              " chunk(s) of " + std::to_string(chunk) + " inferences";
      return false;
    }

  outputs = allocateOutputs(plan, batch);

  // Chunks are handed out in order; a failure stops new chunks, and the
  // error reported is the one of the earliest failing chunk.
  int64_t chunks = (batch + chunk - 1) / chunk;
  std::atomic<int64_t> nextChunk{0}, done{0};
  std::mutex mutex;
  int64_t failedChunk = INT64_MAX;
  std::string failure;
  std::vector<Machine> machines;
  for (unsigned l = 0; l < lanes; ++l) {
    machines.emplace_back(plan);
    Machine &m = machines.back();
    m.pool = s.lanes[l].pool.get();
    m.workspaces = &s.lanes[l].workspaces;
    m.deviceWorkspaces = &s.lanes[l].deviceWorkspaces;
    m.global = s.lanes[l].global.data;
    m.scratch = s.lanes[l].scratch.data;
    m.profiling = options.profile && stats;
    if (plan.countActivity)
      m.drivenDigits.assign(size_t(plan.p.instructions_size()), 0);
  }
  auto runLane = [&](unsigned l) {
    for (int64_t c = nextChunk++; c < chunks; c = nextChunk++) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (c > failedChunk)
          return;
      }
      std::string message;
      if (!runChunk(machines[l], c, chunk, batch, inputs, outputs, message)) {
        std::lock_guard<std::mutex> lock(mutex);
        if (c < failedChunk) {
          failedChunk = c;
          failure = message;
        }
        return;
      }
      int64_t finished = done += std::min(chunk, batch - c * chunk);
      if (options.progress) {
        std::lock_guard<std::mutex> lock(mutex);
        options.progress(finished, batch);
      }
    }
  };
  std::vector<std::thread> workers;
  for (unsigned l = 1; l < lanes; ++l)
    workers.emplace_back(runLane, l);
  runLane(0);
  for (std::thread &worker : workers)
    worker.join();
  if (failedChunk != INT64_MAX) {
    error = failure;
    return false;
  }
  if (stats) {
    collectStats(plan, machines, batch, chunk, *stats);
    stats->runSeconds = secondsSince(start);
  }
  return true;
}
