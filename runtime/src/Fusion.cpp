//===- Fusion.cpp - Planning work the executor does in one step -----------===//
//
// The program describes a machine instruction by instruction; the
// simulator may compute several instructions in one step when nothing
// another instruction sees changes:
//
//   - fused reads: the exact crossbar reads of one layer that read the
//     same rows and whose results are only summed (accumulate) or placed
//     side by side (concat_cols) become one product into the buffer those
//     instructions would have produced;
//   - convolutions: when such a read's rows come from an im2col that
//     nothing else reads (one group, byte codes read as they are), the
//     read is one convolution of the im2col's source, and the im2col
//     matrix is never built;
//   - epilogues: bias -> unrows (to NCHW) -> requantize, whose
//     intermediate results nothing else reads, become one pass.
//
// Each is checked against the memory the skipped instructions' neighbours
// touch: a fused step runs where its last input is ready and writes only
// where, and when, nothing else looks.
//
//===----------------------------------------------------------------------===//

#include "Machine.h"

#include <algorithm>
#include <set>

using namespace ohmrt;
using namespace ohmrt::detail;

namespace {
using I = program::Instruction;

class FusionPlanner {
public:
  explicit FusionPlanner(Plan &m) : m(m) {
    int count = m.p.instructions_size();
    std::vector<uint32_t> reads, writes;
    for (int i = 0; i < count; ++i) {
      getOperands(m.p.instructions(i), reads, writes);
      for (uint32_t id : reads)
        readers[id].push_back(i);
      for (uint32_t id : writes)
        writers[id].push_back(i);
    }
  }

  void run() {
    m.skipped.assign(size_t(m.p.instructions_size()), false);
    std::set<int> absorbed; // accumulates taken into a concat_cols
    for (int i = 0; i < m.p.instructions_size(); ++i) {
      const I &inst = m.p.instructions(i);
      if (inst.op_case() != I::kConcatCols)
        continue;
      Unit unit;
      if (columnsOf(inst.concat_cols(), i, unit) && commit(unit, i))
        for (int a : unit.consumers)
          absorbed.insert(a);
    }
    for (int i = 0; i < m.p.instructions_size(); ++i) {
      const I &inst = m.p.instructions(i);
      if (inst.op_case() != I::kAccumulate || absorbed.count(i))
        continue;
      Unit unit;
      if (rowsOf(inst.accumulate(), i, unit))
        commit(unit, i);
    }
    // Exact reads of a whole rows buffer on their own.
    for (const auto &[index, plan] : m.plans) {
      if (m.skipped[size_t(index)] || !plan->isExact())
        continue;
      Unit unit = Unit::of(plan->getOp(), index);
      if (unit.rowOffset == 0 && unit.k == rowWidth(unit.rows) &&
          im2colOf(unit.rows) >= 0)
        commit(unit, index);
    }
    for (auto &[at, read] : m.fused)
      planConvolution(read);
    for (int i = 0; i < m.p.instructions_size(); ++i)
      if (m.p.instructions(i).op_case() == I::kBias)
        planEpilogue(i);
  }

private:
  /// Reads fused into one product: member mvms by their row and column
  /// position, and the instructions whose work the product does.
  struct Unit {
    struct Part {
      int mvm;
      int64_t row, col; // position in the fused weights
    };
    std::vector<Part> parts;
    std::vector<int> consumers; // accumulates and concat_cols replaced
    uint32_t rows = 0, dst = 0;
    int64_t rowOffset = 0, k = 0, n = 0, inputBits = 0;

    /// The unit of one read, instruction `index`, alone.
    static Unit of(const program::Mvm &op, int index) {
      Unit unit;
      unit.rows = op.rows();
      unit.dst = op.dst();
      unit.rowOffset = op.row_offset();
      unit.k = op.tile_rows();
      unit.n = op.tile_cols();
      unit.inputBits = op.input_bits();
      unit.parts.push_back({index, 0, 0});
      return unit;
    }
  };

  /// The one instruction that writes `id`, or -1.
  int soleWriter(uint32_t id) {
    auto w = writers.find(id);
    return w != writers.end() && w->second.size() == 1 ? w->second[0] : -1;
  }
  /// True if `reader` is the only instruction that reads `id`.
  bool onlyReader(uint32_t id, int reader) {
    auto r = readers.find(id);
    return r != readers.end() && r->second.size() == 1 &&
           r->second[0] == reader;
  }
  int64_t rowWidth(uint32_t id) { return m.buffers.at(id)->dims(1); }

  /// The im2col that alone writes `rows`, or -1.
  int im2colOf(uint32_t rows) {
    int writer = soleWriter(rows);
    return writer >= 0 && m.p.instructions(writer).op_case() == I::kIm2Col
               ? writer
               : -1;
  }

  /// The exact mvm that alone writes `id`, which only `consumer` reads.
  const MvmPlan *soleExactWriter(uint32_t id, int consumer, int &index) {
    int writer = soleWriter(id);
    if (writer < 0 || !onlyReader(id, consumer))
      return nullptr;
    auto plan = m.plans.find(writer);
    if (plan == m.plans.end() || !plan->second->isExact())
      return nullptr;
    index = writer;
    return plan->second.get();
  }

  /// Row tiles of one column block: accumulate(mvm, mvm, ...).
  bool rowsOf(const program::Accumulate &acc, int consumer, Unit &unit) {
    std::vector<std::pair<int64_t, int>> tiles; // row offset, mvm
    for (uint32_t id : acc.srcs()) {
      int index;
      const MvmPlan *plan = soleExactWriter(id, consumer, index);
      if (!plan)
        return false;
      const program::Mvm &op = plan->getOp();
      if (tiles.empty()) {
        unit.rows = op.rows();
        unit.n = op.tile_cols();
        unit.inputBits = op.input_bits();
      } else if (op.rows() != unit.rows || op.tile_cols() != unit.n ||
                 op.input_bits() != unit.inputBits) {
        return false;
      }
      tiles.emplace_back(op.row_offset(), index);
    }
    std::sort(tiles.begin(), tiles.end());
    unit.rowOffset = tiles.front().first;
    int64_t next = unit.rowOffset;
    for (auto &[offset, index] : tiles) {
      if (offset != next)
        return false; // gaps or overlaps
      unit.parts.push_back({index, offset - unit.rowOffset, 0});
      next += m.plans.at(index)->getOp().tile_rows();
    }
    unit.k = next - unit.rowOffset;
    unit.dst = acc.dst();
    unit.consumers.push_back(consumer);
    return true;
  }

  /// Column blocks: concat_cols(mvm or accumulate(...), ...).
  bool columnsOf(const program::ConcatCols &cc, int consumer, Unit &unit) {
    int64_t col = 0;
    bool first = true;
    for (uint32_t id : cc.srcs()) {
      Unit block;
      int index;
      if (const MvmPlan *plan = soleExactWriter(id, consumer, index)) {
        block = Unit::of(plan->getOp(), index);
      } else {
        int producer = soleWriter(id);
        if (producer < 0 || !onlyReader(id, consumer) ||
            m.p.instructions(producer).op_case() != I::kAccumulate ||
            !rowsOf(m.p.instructions(producer).accumulate(), producer, block))
          return false;
      }
      if (first) {
        unit.rows = block.rows;
        unit.rowOffset = block.rowOffset;
        unit.k = block.k;
        unit.inputBits = block.inputBits;
        first = false;
      } else if (block.rows != unit.rows || block.rowOffset != unit.rowOffset ||
                 block.k != unit.k || block.inputBits != unit.inputBits) {
        return false;
      }
      for (Unit::Part part : block.parts) {
        part.col = col;
        unit.parts.push_back(part);
      }
      unit.consumers.insert(unit.consumers.end(), block.consumers.begin(),
                            block.consumers.end());
      col += block.n;
    }
    unit.n = col;
    unit.dst = cc.dst();
    unit.consumers.push_back(consumer);
    return !first;
  }

  Region regionOf(uint32_t id) {
    const program::Buffer *b = m.buffers.at(id);
    Region region;
    region.space = b->space();
    region.core = b->space() == program::GLOBAL ? 0 : b->core();
    region.begin = b->offset();
    region.end = b->offset() + b->size();
    return region;
  }

  bool touches(int index, const Region &region, bool writesOnly) {
    std::vector<uint32_t> reads, writes;
    getOperands(m.p.instructions(index), reads, writes);
    for (uint32_t id : writes)
      if (regionOf(id).overlaps(region))
        return true;
    if (!writesOnly)
      for (uint32_t id : reads)
        if (regionOf(id).overlaps(region))
          return true;
    return false;
  }

  /// True if no instruction in (from, to), other than those in `ignore`
  /// and those already skipped, touches `region` (writes only, or reads
  /// and writes).
  bool untouched(int from, int to, const Region &region, bool writesOnly,
                 const std::set<int> &ignore) {
    for (int i = from + 1; i < to; ++i)
      if (!ignore.count(i) && !m.skipped[size_t(i)] &&
          touches(i, region, writesOnly))
        return false;
    return true;
  }

  /// Checks that running the unit at its last mvm, writing its final
  /// buffer there, changes nothing any other instruction sees; then
  /// records it.
  bool commit(Unit &unit, int last) {
    std::set<int> members;
    for (const Unit::Part &part : unit.parts)
      members.insert(part.mvm);
    members.insert(unit.consumers.begin(), unit.consumers.end());
    int first = unit.parts.front().mvm, at = first;
    for (const Unit::Part &part : unit.parts) {
      first = std::min(first, part.mvm);
      at = std::max(at, part.mvm);
    }
    Region rows = regionOf(unit.rows), dst = regionOf(unit.dst);
    // The rows stay as the first member read them until `at`; the final
    // buffer, written at `at`, is not touched by anything else until the
    // last consumer would have written it.
    if (rows.overlaps(dst) ||
        !untouched(first, at, rows, /*writesOnly=*/true, members) ||
        !untouched(at, last + 1, dst, /*writesOnly=*/false, members))
      return false;

    std::vector<int64_t> weights(size_t(unit.k * unit.n), 0);
    for (const Unit::Part &part : unit.parts) {
      const MvmPlan &plan = *m.plans.at(part.mvm);
      const program::Mvm &op = plan.getOp();
      const std::vector<int64_t> &w = plan.getEffectiveWeights();
      for (int64_t r = 0; r < op.tile_rows(); ++r)
        for (int64_t c = 0; c < op.tile_cols(); ++c)
          weights[size_t((part.row + r) * unit.n + part.col + c)] =
              w[size_t(r * op.tile_cols() + c)];
    }
    FusedRead fused;
    fused.at = at;
    fused.rows = unit.rows;
    fused.dst = unit.dst;
    fused.rowOffset = unit.rowOffset;
    fused.k = unit.k;
    fused.n = unit.n;
    fused.inputBits = unit.inputBits;
    fused.first = first;
    int64_t maxInput =
        unit.inputBits >= 63 ? INT64_MAX : (int64_t(1) << unit.inputBits) - 1;
    fused.product =
        std::make_unique<ExactProduct>(weights, unit.k, unit.n, maxInput);
    fused.weights = std::move(weights);
    for (int i : members)
      m.skipped[size_t(i)] = true;
    for (const Unit::Part &part : unit.parts)
      fused.members.push_back(part.mvm);
    m.fused.emplace(at, std::move(fused));
    return true;
  }

  /// A fused read of a whole im2col matrix that nothing else reads becomes
  /// a convolution of the im2col's source.
  void planConvolution(FusedRead &read) {
    int index = im2colOf(read.rows);
    if (index < 0 || read.rowOffset != 0 || read.k != rowWidth(read.rows))
      return;
    for (int reader : readers[read.rows])
      if (std::find(read.members.begin(), read.members.end(), reader) ==
          read.members.end())
        return;
    const program::Im2Col &op = m.p.instructions(index).im2col();
    const program::Buffer *src = m.buffers.at(op.src());
    // Byte codes, read as they are, and the whole batch's images.
    if (op.group() != 1 || op.offset() != 0 ||
        src->type().dtype() != program::U8 || !src->batched() ||
        src->dims_size() != 4 || src->dims(0) != 1 ||
        m.buffers.at(read.dst)->type().dtype() != program::I32)
      return;
    // The source stays as the im2col read it until the read runs.
    if (!untouched(index, read.at, regionOf(op.src()), /*writesOnly=*/true, {}))
      return;
    ConvShape shape;
    shape.channels = src->dims(1);
    shape.height = src->dims(2);
    shape.width = src->dims(3);
    shape.outChannels = read.n;
    for (int d = 0; d < 2; ++d) {
      shape.kernel[d] = op.kernel(d);
      shape.strides[d] = op.strides(d);
      shape.dilations[d] = op.dilations(d);
    }
    for (int d = 0; d < 4; ++d)
      shape.pads[d] = op.pads(d);
    shape.padCode = op.pad_value();
    int64_t maxInput =
        read.inputBits >= 8 ? 255 : (int64_t(1) << read.inputBits) - 1;
    read.conv = ExactConv::create(read.weights, shape, maxInput);
    if (!read.conv)
      return;
    read.convSrc = op.src();
    read.im2col = index;
    m.skipped[size_t(index)] = true;
  }

  /// bias -> unrows (NCHW) -> requantize, with single-use intermediates.
  void planEpilogue(int biasIndex) {
    const program::Bias &bias = m.p.instructions(biasIndex).bias();
    int unrowsIndex = readers[bias.dst()].empty() ? -1 : readers[bias.dst()][0];
    if (unrowsIndex < 0 || !onlyReader(bias.dst(), unrowsIndex) ||
        soleWriter(bias.dst()) != biasIndex ||
        m.p.instructions(unrowsIndex).op_case() != I::kUnrows)
      return;
    const program::Unrows &unrows = m.p.instructions(unrowsIndex).unrows();
    auto next = readers.find(unrows.dst());
    if (!unrows.nchw() || next == readers.end() || next->second.size() != 1 ||
        soleWriter(unrows.dst()) != unrowsIndex)
      return;
    int requantizeIndex = next->second[0];
    if (m.p.instructions(requantizeIndex).op_case() != I::kRequantize)
      return;
    const program::Requantize &rq =
        m.p.instructions(requantizeIndex).requantize();
    const program::Buffer *out = m.buffers.at(rq.dst());
    const program::Buffer *in = m.buffers.at(bias.src());
    if ((rq.scales_size() > 1 || rq.multipliers_size() > 1) && rq.axis() != 1)
      return;
    if (in->type().dtype() != program::I32 ||
        m.buffers.at(unrows.dst())->type().dtype() != program::I32 ||
        out->type().bits() != 0 || out->type().dtype() == program::F32 ||
        out->type().dtype() == program::F64 ||
        out->type().dtype() == program::BOOL)
      return;
    // Results the destination holds without wrapping.
    int64_t bits = int64_t(getStorageBytes(out->type().dtype())) * 8;
    bool isSigned = out->type().dtype() == program::I8 ||
                    out->type().dtype() == program::I16 ||
                    out->type().dtype() == program::I32 ||
                    out->type().dtype() == program::I64;
    int64_t lo =
        isSigned ? -(int64_t(1) << std::min<int64_t>(bits - 1, 62)) : 0;
    int64_t hi = isSigned ? (int64_t(1) << std::min<int64_t>(bits - 1, 62)) - 1
                          : (int64_t(1) << std::min<int64_t>(bits, 62)) - 1;
    if (rq.min() < lo || rq.max() > hi)
      return;
    // The bias's source stays as it was until the requantize runs.
    if (!untouched(biasIndex, requantizeIndex, regionOf(bias.src()),
                   /*writesOnly=*/true, {unrowsIndex}))
      return;
    Epilogue epilogue;
    epilogue.bias = biasIndex;
    epilogue.unrows = unrowsIndex;
    epilogue.requantize = requantizeIndex;
    m.skipped[size_t(biasIndex)] = true;
    m.skipped[size_t(unrowsIndex)] = true;
    m.epilogues.emplace(requantizeIndex, epilogue);
  }

  Plan &m;
  std::map<uint32_t, std::vector<int>> readers, writers;
};

} // namespace

void Plan::planFusion() { FusionPlanner(*this).run(); }
