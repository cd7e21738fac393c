//===- Validator.cpp - Checking programs before they run ------------------===//
//
// The loader trusts nothing: every id, size, shape and field an instruction
// uses is checked here, once, so that the executor can index memory
// without further checks. Shapes are checked for one inference; batched
// buffers scale their first dimension uniformly, which keeps every
// relation checked here true for any batch. One function per instruction
// kind.
//
//===----------------------------------------------------------------------===//

#include "Operands.h"
#include "ohmrt/CheckedMath.h"
#include "ohmrt/Runtime.h"

#include <cmath>
#include <map>
#include <set>

using namespace ohmrt;

namespace {

bool isFloat(program::DType dtype) {
  return dtype == program::F16 || dtype == program::F32 ||
         dtype == program::F64;
}
bool isInt(program::DType dtype) {
  return getStorageBytes(dtype) && !isFloat(dtype);
}
/// Integers of at most 32 bits: sources of the instructions that subtract
/// zero points or add offsets, which the executor does in int64.
bool isNarrowInt(program::DType dtype) {
  return isInt(dtype) && getStorageBytes(dtype) <= 4;
}
bool isUnsigned(program::DType dtype) {
  return dtype == program::U8 || dtype == program::U16 ||
         dtype == program::U32 || dtype == program::U64 ||
         dtype == program::BOOL;
}

std::string dimsString(const std::vector<int64_t> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

constexpr int64_t kMaxElements = int64_t(1) << 36;
/// The largest magnitude of a zero point, offset or ADC parameter: keeps
/// every sum the executor forms with one far from int64 overflow.
constexpr int64_t kMaxOffset = int64_t(1) << 40;

/// |value| <= kMaxOffset (without std::abs, which overflows on INT64_MIN).
bool isSmallOffset(int64_t value) {
  return value >= -kMaxOffset && value <= kMaxOffset;
}

class Validator {
public:
  explicit Validator(const program::Program &p) : p(p) {}

  bool run(std::string &error) {
    if (!checkHeader() || !checkArrays() || !checkConstants() ||
        !checkBuffers() || !checkPorts())
      return fail(error);
    for (int i = 0; i < p.instructions_size(); ++i) {
      index = i;
      if (!checkInstruction(p.instructions(i))) {
        message = "instruction " + std::to_string(i) + " (" + opName +
                  "): " + message;
        return fail(error);
      }
    }
    if (!checkDataflow() || !checkOutputNames())
      return fail(error);
    return true;
  }

private:
  bool fail(std::string &error) {
    error = message;
    return false;
  }
  bool bad(const std::string &text) {
    message = text;
    return false;
  }

  bool checkHeader() {
    if (p.version() == 0)
      return bad("the program has no format version (the file is empty or "
                 "not an ohm program)");
    if (p.version() != kProgramVersion)
      return bad("program format version " + std::to_string(p.version()) +
                 " is not supported (this simulator reads version " +
                 std::to_string(kProgramVersion) + ")");
    const auto &t = p.target();
    if (t.rows() < 1 || t.cols() < 1 || t.rows() > (1 << 16) ||
        t.cols() > (1 << 16) || t.cell_bits() < 1 || t.cell_bits() > 8 ||
        t.max_active_rows() < 1 || t.dac_bits() < 1 || t.dac_bits() > 16 ||
        t.arrays_per_core() < 1 || t.cores() < 1 ||
        t.arrays_per_core() > (1 << 20) || t.cores() > (1 << 20))
      return bad("the target description is invalid");
    if (p.global_bytes() > (uint64_t(1) << 40) ||
        p.scratchpad_bytes() > (uint64_t(1) << 40))
      return bad("memory sizes are implausibly large");
    return true;
  }

  bool checkArrays() {
    for (const auto &a : p.arrays()) {
      if (!arrays.emplace(a.id(), &a).second)
        return bad("array id " + std::to_string(a.id()) + " is repeated");
      if (a.rows() < 1 || a.cols() < 1 || a.rows() > p.target().rows() ||
          a.cols() > p.target().cols())
        return bad("array " + std::to_string(a.id()) +
                   " is larger than the target's arrays");
      if (a.cell_bits() < 1 || a.cell_bits() > 8)
        return bad("array " + std::to_string(a.id()) +
                   " has invalid cell bits");
      unsigned bits = a.level_bits() == 0 ? 8 : a.level_bits();
      if (bits > 8 || int64_t(bits) < a.cell_bits())
        return bad("array " + std::to_string(a.id()) + " packs levels at " +
                   std::to_string(bits) + " bits for " +
                   std::to_string(a.cell_bits()) + "-bit cells");
      uint64_t cells = uint64_t(a.rows()) * uint64_t(a.cols());
      if (a.levels().size() != (cells * bits + 7) / 8)
        return bad("array " + std::to_string(a.id()) + " holds " +
                   std::to_string(a.levels().size()) +
                   (bits == 8
                        ? " levels for " + std::to_string(cells) + " cells"
                        : " bytes of levels for " + std::to_string(cells) +
                              " cells of " + std::to_string(bits) + " bits"));
      if (bits > uint64_t(a.cell_bits()))
        for (uint8_t level : getArrayLevels(a))
          if (level >> a.cell_bits())
            return bad("array " + std::to_string(a.id()) +
                       " has a level that does not fit its cells");
      if (a.core() >= p.target().cores())
        return bad("array " + std::to_string(a.id()) + " is on core " +
                   std::to_string(a.core()) + " of " +
                   std::to_string(p.target().cores()));
    }
    return true;
  }

  bool checkConstants() {
    for (const auto &c : p.constants()) {
      if (!constants.emplace(c.id(), &c).second)
        return bad("constant id " + std::to_string(c.id()) + " is repeated");
      unsigned bytes = getStorageBytes(c.type().dtype());
      std::optional<int64_t> count =
          checked::elementCount(c.dims(), kMaxElements);
      if (!count)
        return bad("constant " + std::to_string(c.id()) + " has bad dims");
      if (!bytes || int64_t(c.data().size()) != *count * int64_t(bytes))
        return bad("constant " + std::to_string(c.id()) +
                   " has a bad type or data size");
    }
    return true;
  }

  bool checkBuffers() {
    for (const auto &b : p.buffers()) {
      if (!buffers.emplace(b.id(), &b).second)
        return bad("buffer id " + std::to_string(b.id()) + " is repeated");
      std::string what = "buffer " + std::to_string(b.id());
      unsigned bytes = getStorageBytes(b.type().dtype());
      if (!bytes || b.type().bits() > bytes * 8)
        return bad(what + " has an invalid element type");
      if (b.type().dtype() == program::F16)
        return bad(what + " is f16, which this simulator does not support");
      if (b.offset() % 8)
        return bad(what + " is not aligned to 8 bytes");
      std::optional<int64_t> count =
          checked::elementCount(b.dims(), kMaxElements);
      if (!count || *count == 0)
        return bad(what + " has invalid dims " +
                   dimsString({b.dims().begin(), b.dims().end()}));
      if (b.batched() && b.dims_size() == 0)
        return bad(what + " is batched but has no dimensions");
      if (b.size() != uint64_t(*count) * bytes)
        return bad(what + " has size " + std::to_string(b.size()) + " for " +
                   std::to_string(*count) + " elements");
      uint64_t limit = b.space() == program::GLOBAL ? p.global_bytes()
                                                    : p.scratchpad_bytes();
      if (b.space() != program::GLOBAL && b.space() != program::SCRATCHPAD)
        return bad(what + " is in an unknown memory space");
      // Unbatched buffers also start at offset * N in a batch of N (and
      // take size bytes of the size * N reserved), so one check serves both.
      if (b.offset() > limit || b.size() > limit - b.offset())
        return bad(what + " lies outside its memory (offset " +
                   std::to_string(b.offset()) + ", size " +
                   std::to_string(b.size()) + ", memory " +
                   std::to_string(limit) + " bytes)");
      if (b.space() == program::SCRATCHPAD && b.core() >= p.target().cores())
        return bad(what +
                   " is in the scratchpad of a core that does not exist");
    }
    return true;
  }

  /// Outputs become files DIR/<stem>.npy: every name needs a file of its
  /// own. (Checked last: other problems of a hostile file come first.)
  bool checkOutputNames() {
    std::map<std::string, std::string> files;
    for (const auto &port : p.outputs()) {
      if (port.name().empty())
        return bad("an output has an empty name");
      if (port.name().find('\0') != std::string::npos)
        return bad("output name '" + port.name() + "' contains a NUL byte");
      std::string stem = getOutputFileStem(port.name());
      auto [it, added] = files.emplace(stem, port.name());
      if (!added)
        return bad("outputs '" + it->second + "' and '" + port.name() +
                   "' would both be written to " + stem + ".npy");
    }
    return true;
  }

  bool checkPorts() {
    std::set<std::string> names;
    for (const auto *ports : {&p.inputs(), &p.outputs()})
      for (const auto &port : *ports) {
        if (!buffers.count(port.buffer()))
          return bad("port '" + port.name() + "' uses buffer " +
                     std::to_string(port.buffer()) + ", which does not exist");
        if (!buffers.at(port.buffer())->batched())
          return bad("port '" + port.name() + "' must be a batched buffer");
      }
    for (const auto &port : p.inputs())
      if (!names.insert(port.name()).second)
        return bad("input name '" + port.name() + "' is repeated");
    if (p.inputs_size() == 0 || p.outputs_size() == 0)
      return bad("the program has no inputs or no outputs");
    return true;
  }

  // Instruction checks -----------------------------------------------------

  const program::Buffer *buffer(uint32_t id) {
    auto it = buffers.find(id);
    if (it == buffers.end()) {
      message = "uses buffer " + std::to_string(id) + ", which does not exist";
      return nullptr;
    }
    return it->second;
  }
  static std::vector<int64_t> dims(const program::Buffer *b) {
    return {b->dims().begin(), b->dims().end()};
  }
  static program::DType dtype(const program::Buffer *b) {
    return b->type().dtype();
  }
  bool expectDims(const program::Buffer *b, const std::vector<int64_t> &want) {
    if (dims(b) == want)
      return true;
    return bad("buffer " + std::to_string(b->id()) + " has dims " +
               dimsString(dims(b)) + " but " + dimsString(want) + " is needed");
  }
  bool expectBatchedLike(const program::Buffer *dst,
                         std::initializer_list<const program::Buffer *> srcs) {
    bool any = false;
    for (const auto *src : srcs)
      any |= src->batched();
    if (dst->batched() != any)
      return bad(
          "buffer " + std::to_string(dst->id()) +
          (any ? " must be batched like its sources" : " must not be batched"));
    return true;
  }
  bool checkWindow(const google::protobuf::RepeatedField<int64_t> &kernel,
                   const google::protobuf::RepeatedField<int64_t> &strides,
                   const google::protobuf::RepeatedField<int64_t> &pads,
                   const google::protobuf::RepeatedField<int64_t> &dilations,
                   int64_t h, int64_t w, int64_t &oh, int64_t &ow,
                   bool ceil = false) {
    if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 ||
        dilations.size() != 2)
      return bad("window fields must be 2-D");
    for (int i = 0; i < 2; ++i)
      if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 ||
          kernel[i] > 4096 || dilations[i] > 4096)
        return bad("kernel, strides and dilations must be positive");
    for (int i = 0; i < 4; ++i)
      if (pads[i] < 0 || pads[i] > 4096)
        return bad("pads must be non-negative");
    int64_t out[2];
    int64_t in[2] = {h, w};
    for (int i = 0; i < 2; ++i) {
      checked::WindowAxis axis{in[i],   kernel[i],   strides[i], dilations[i],
                               pads[i], pads[i + 2], ceil};
      std::optional<int64_t> size =
          checked::windowOutputSize(axis, kMaxElements);
      if (!size)
        return bad("the window does not fit the input");
      out[i] = *size;
    }
    oh = out[0];
    ow = out[1];
    return true;
  }
  bool checkScales(const google::protobuf::RepeatedField<float> &scales,
                   int64_t channels) {
    if (scales.empty() || (scales.size() != 1 && scales.size() != channels))
      return bad("expects 1 or " + std::to_string(channels) + " scales");
    for (float s : scales)
      if (!(s > 0) || !std::isfinite(s))
        return bad("scales must be positive and finite");
    return true;
  }
  bool checkZeroPoint(int64_t zeroPoint) {
    if (!isSmallOffset(zeroPoint))
      return bad("zero point " + std::to_string(zeroPoint) +
                 " is out of range");
    return true;
  }
  /// An integer value a double field gives (int64_t(value) is defined).
  static bool fitsInt64(double value) {
    return std::abs(value) < 9223372036854775808.0; // false for NaN
  }
  bool checkAxis(int64_t axis, size_t rank) {
    if (axis < 0 || axis >= int64_t(rank))
      return bad("axis " + std::to_string(axis) + " is out of range");
    return true;
  }
  static std::vector<int64_t> broadcast(std::vector<int64_t> a,
                                        std::vector<int64_t> b, bool &ok) {
    size_t rank = std::max(a.size(), b.size());
    std::vector<int64_t> out(rank);
    ok = true;
    for (size_t i = 0; i < rank; ++i) {
      int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
      int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
      if (x != y && x != 1 && y != 1)
        ok = false;
      out[i] = x == 1 ? y : x;
    }
    return out;
  }

  /// The executor forms every sum of a read in int64 (or exactly in
  /// double): the products of input codes and weights, the ADC's
  /// conversions, their shifted sums over input cycles, slices, cell sets
  /// and word-line groups, and the offset encoding's correction. Their
  /// worst cases, from the fields alone, must stay below 2^62; that also
  /// keeps every shift below 62 bits.
  bool checkReadMagnitude(const program::Mvm &op) {
    double maxInput = std::ldexp(1.0, int(op.input_bits())) - 1;
    double cellMax = std::ldexp(1.0, int(op.cell_bits())) - 1;
    double digitMax = std::ldexp(1.0, int(op.dac_bits())) - 1;
    double rows = double(op.tile_rows());
    double groupRows = double(std::min(op.active_rows(), op.tile_rows()));
    double groups = std::ceil(rows / double(op.active_rows()));
    int64_t cycles = (op.input_bits() + op.dac_bits() - 1) / op.dac_bits();
    double shifts = 0; // sum over cycles t and slices s of 2^(d t + c s)
    for (int64_t t = 0; t < cycles; ++t)
      for (int64_t s = 0; s < op.slices(); ++s)
        shifts += std::ldexp(1.0, int(op.dac_bits() * t + op.cell_bits() * s));
    double partial = digitMax * cellMax * groupRows;
    double converted = op.adc_bits() == 0
                           ? partial
                           : std::abs(double(op.adc_offset())) +
                                 (std::ldexp(1.0, int(op.adc_bits())) - 1) *
                                     double(op.adc_step());
    double reads = op.sets() == 2 && !op.analog_sensing() ? 2 : 1;
    double correction = double(op.weight_offset()) * maxInput * rows;
    double weight = 2 * std::ldexp(1.0, int(op.cell_bits() * op.slices()));
    const double limit = std::ldexp(1.0, 62);
    if (converted * shifts * reads * groups + correction >= limit ||
        maxInput * rows * (weight + double(op.weight_offset())) >= limit)
      return bad("the read's sums could exceed 62 bits (input bits, cell "
                 "bits x slices, tile rows, ADC range or weight offset are "
                 "too large)");
    return true;
  }

  bool checkInstruction(const program::Instruction &inst);
  // One check per instruction kind (kinds alike share one).
  bool checkIm2Col(const program::Instruction &inst);
  bool checkRows(const program::Instruction &inst);
  bool checkMvm(const program::Instruction &inst);
  bool checkAccumulate(const program::Instruction &inst);
  bool checkConcatCols(const program::Instruction &inst);
  bool checkBias(const program::Instruction &inst);
  bool checkUnrows(const program::Instruction &inst);
  bool checkLoadConst(const program::Instruction &inst);
  bool checkRequantize(const program::Instruction &inst);
  bool checkQuantization(const program::Instruction &inst);
  bool checkElementwise(const program::Instruction &inst);
  bool checkPool(const program::Instruction &inst);
  bool checkGlobalAvgPool(const program::Instruction &inst);
  bool checkBinary(const program::Instruction &inst);
  bool checkConcat(const program::Instruction &inst);
  bool checkPad(const program::Instruction &inst);
  bool checkTranspose(const program::Instruction &inst);
  bool checkSync(const program::Instruction &inst);
  bool checkMissing(const program::Instruction &inst);

  /// Every buffer an instruction reads was written before (by an earlier
  /// instruction, or as an input): the executor's memory is not
  /// initialized, and a program must not depend on what happens to be
  /// there.
  bool checkDataflow() {
    std::set<uint32_t> written;
    for (const program::Port &port : p.inputs())
      written.insert(port.buffer());
    std::vector<uint32_t> reads, writes;
    for (int i = 0; i < p.instructions_size(); ++i) {
      detail::getOperands(p.instructions(i), reads, writes);
      for (uint32_t id : reads)
        if (!written.count(id))
          return bad("instruction " + std::to_string(i) + " reads buffer %" +
                     std::to_string(id) + " before anything writes it");
      written.insert(writes.begin(), writes.end());
    }
    for (const program::Port &port : p.outputs())
      if (!written.count(port.buffer()))
        return bad("output '" + port.name() + "' (buffer %" +
                   std::to_string(port.buffer()) + ") is never written");
    return true;
  }

  const program::Program &p;
  std::map<uint32_t, const program::Array *> arrays;
  std::map<uint32_t, const program::Constant *> constants;
  std::map<uint32_t, const program::Buffer *> buffers;
  std::string message;
  std::string opName;
  int index = 0;
};

using I = program::Instruction;

bool Validator::checkIm2Col(const program::Instruction &inst) {
  opName = "im2col";
  const auto &op = inst.im2col();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto sd = dims(src);
  if (sd.size() != 4 || !isNarrowInt(dtype(src)) || !isUnsigned(dtype(dst)) ||
      !isNarrowInt(dtype(dst)) || dims(dst).size() != 2)
    return bad("needs a 4-D integer source and a 2-D unsigned destination "
               "(integers of at most 32 bits)");
  if (op.group() < 1 || sd[1] % op.group() || op.group_index() < 0 ||
      op.group_index() >= op.group() || op.offset() < 0 ||
      op.offset() > kMaxOffset || !isSmallOffset(op.pad_value()))
    return bad("invalid group, group_index, offset or pad value");
  int64_t oh, ow;
  if (!checkWindow(op.kernel(), op.strides(), op.pads(), op.dilations(), sd[2],
                   sd[3], oh, ow))
    return false;
  return expectDims(dst, {sd[0] * oh * ow,
                          sd[1] / op.group() * op.kernel(0) * op.kernel(1)}) &&
         expectBatchedLike(dst, {src});
}

bool Validator::checkRows(const program::Instruction &inst) {
  opName = "rows";
  const auto &op = inst.rows();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto sd = dims(src);
  if (sd.size() < 2 || !isNarrowInt(dtype(src)) || !isUnsigned(dtype(dst)) ||
      !isNarrowInt(dtype(dst)) || op.offset() < 0)
    return bad("needs an integer source of rank 2 or more and an unsigned "
               "destination (integers of at most 32 bits)");
  if (op.offset() > kMaxOffset)
    return bad("offset " + std::to_string(op.offset()) + " is out of range");
  int64_t p = 1;
  for (size_t i = 0; i + 1 < sd.size(); ++i)
    p *= sd[i];
  return expectDims(dst, {p, sd.back()}) && expectBatchedLike(dst, {src});
}

bool Validator::checkMvm(const program::Instruction &inst) {
  opName = "mvm";
  const auto &op = inst.mvm();
  const auto *rows = buffer(op.rows()), *dst = buffer(op.dst());
  if (!rows || !dst)
    return false;
  auto rd = dims(rows);
  if (rd.size() != 2 || !isUnsigned(dtype(rows)) || !isNarrowInt(dtype(rows)) ||
      dtype(dst) != program::I32)
    return bad("needs 2-D unsigned rows of at most 32 bits and an i32 "
               "destination");
  const auto &t = p.target();
  if (op.tile_rows() < 1 || op.tile_cols() < 1 || op.tile_rows() > t.rows() ||
      op.tile_cols() > t.cols())
    return bad("the tile does not fit the target's arrays");
  if (op.row_offset() < 0 || op.row_offset() > rd[1] - op.tile_rows())
    return bad(
        "rows [" + std::to_string(op.row_offset()) + ", " +
        std::to_string(uint64_t(op.row_offset()) + uint64_t(op.tile_rows())) +
        ") are outside the " + std::to_string(rd[1]) + " input columns");
  if (!program::Encoding_IsValid(op.encoding()))
    return bad("unknown encoding " + std::to_string(op.encoding()));
  bool pair = op.encoding() != program::OFFSET;
  if (op.sets() != (pair ? 2 : 1))
    return bad("the encoding needs " + std::string(pair ? "2" : "1") +
               " cell sets");
  if (op.slices() < 1 || op.slices() > 64 || op.cell_bits() < 1 ||
      op.cell_bits() > 8 || op.input_bits() < 1 || op.input_bits() > 32 ||
      op.dac_bits() < 1 || op.dac_bits() > op.input_bits() ||
      op.active_rows() < 1 || op.active_rows() > (1 << 16) ||
      op.weight_offset() < 0 || op.weight_offset() > (int64_t(1) << 40))
    return bad("invalid slices, cell bits, input or DAC bits, active rows "
               "or weight offset");
  if ((op.encoding() == program::BINARY || op.encoding() == program::TERNARY) &&
      (op.cell_bits() != 1 || op.slices() != 1))
    return bad("binary and ternary reads use 1-bit single-slice cells");
  if (op.adc_bits() < 0 || op.adc_bits() > 32 || op.adc_step() < 1 ||
      (op.adc_step() & (op.adc_step() - 1)) ||
      op.adc_step() > (int64_t(1) << 40) || !isSmallOffset(op.adc_offset()))
    return bad("invalid ADC configuration");
  if (!checkReadMagnitude(op))
    return false;
  if (op.arrays_size() != op.sets() * op.slices())
    return bad("lists " + std::to_string(op.arrays_size()) + " arrays for " +
               std::to_string(op.sets()) + " sets of " +
               std::to_string(op.slices()) + " slices");
  for (uint32_t id : op.arrays()) {
    auto it = arrays.find(id);
    if (it == arrays.end())
      return bad("uses array " + std::to_string(id) + ", which does not exist");
    const auto *a = it->second;
    if (a->rows() < op.tile_rows() || a->cols() < op.tile_cols() ||
        a->cell_bits() != op.cell_bits())
      return bad("array " + std::to_string(id) +
                 " does not match the tile or the cell width");
  }
  if (op.repeat() != rd[0])
    return bad("repeat " + std::to_string(op.repeat()) +
               " differs from the rows per inference " + std::to_string(rd[0]));
  return expectDims(dst, {rd[0], op.tile_cols()}) &&
         expectBatchedLike(dst, {rows});
}

bool Validator::checkAccumulate(const program::Instruction &inst) {
  opName = "accumulate";
  const auto &op = inst.accumulate();
  const auto *dst = buffer(op.dst());
  if (!dst || op.srcs_size() < 1 || dtype(dst) != program::I32)
    return dst ? bad("needs sources and an i32 destination") : false;
  for (uint32_t id : op.srcs()) {
    const auto *src = buffer(id);
    if (!src)
      return false;
    if (dims(src) != dims(dst) || dtype(src) != program::I32 ||
        src->batched() != dst->batched())
      return bad("sources must match the destination");
  }
  return true;
}

bool Validator::checkConcatCols(const program::Instruction &inst) {
  opName = "concat_cols";
  const auto &op = inst.concat_cols();
  const auto *dst = buffer(op.dst());
  if (!dst || op.srcs_size() < 1)
    return dst ? bad("needs sources") : false;
  if (dims(dst).size() != 2)
    return bad("the destination must be 2-D");
  int64_t cols = 0;
  for (uint32_t id : op.srcs()) {
    const auto *src = buffer(id);
    if (!src)
      return false;
    auto sd = dims(src);
    if (sd.size() != 2 || dtype(src) != program::I32 || sd[0] != dims(dst)[0] ||
        src->batched() != dst->batched())
      return bad("sources must be i32 [P, C] with the destination's P");
    cols += sd[1];
  }
  return expectDims(dst, {dims(dst)[0], cols}) &&
         (dtype(dst) == program::I32 || bad("the destination must be i32"));
}

bool Validator::checkBias(const program::Instruction &inst) {
  opName = "bias";
  const auto &op = inst.bias();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto it = constants.find(op.constant());
  if (it == constants.end())
    return bad("uses a constant that does not exist");
  const auto *c = it->second;
  if (dims(src).size() != 2 || dtype(src) != program::I32 ||
      dtype(dst) != program::I32 || c->type().dtype() != program::I32 ||
      c->dims_size() != 1 || c->dims(0) != dims(src)[1])
    return bad("needs an i32 [P, N] source and an i32 constant of N values");
  return expectDims(dst, dims(src)) && expectBatchedLike(dst, {src});
}

bool Validator::checkUnrows(const program::Instruction &inst) {
  opName = "unrows";
  const auto &op = inst.unrows();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto sd = dims(src), dd = dims(dst);
  int64_t count = 1;
  for (int64_t d : dd)
    count *= d;
  if (sd.size() != 2 || dtype(src) != dtype(dst) || count != sd[0] * sd[1])
    return bad("needs a 2-D source and a destination of as many elements");
  if (op.nchw() && (dd.size() != 4 || dd[1] != sd[1]))
    return bad("an nchw destination must be [N, M, OH, OW] with M columns");
  return expectBatchedLike(dst, {src});
}

bool Validator::checkLoadConst(const program::Instruction &inst) {
  opName = "load_const";
  const auto &op = inst.load_const();
  const auto *dst = buffer(op.dst());
  auto it = constants.find(op.constant());
  if (!dst)
    return false;
  if (it == constants.end())
    return bad("uses a constant that does not exist");
  // A batched destination gets the constant once per inference (a
  // constant graph output).
  if (it->second->type().dtype() != dtype(dst) ||
      std::vector<int64_t>(it->second->dims().begin(),
                           it->second->dims().end()) != dims(dst) ||
      (dst->batched() && dims(dst).empty()))
    return bad("the constant must match its destination (per inference when "
               "batched)");
  return true;
}

bool Validator::checkRequantize(const program::Instruction &inst) {
  opName = "requantize";
  const auto &op = inst.requantize();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  if (!isNarrowInt(dtype(src)) || !isInt(dtype(dst)) || dims(src) != dims(dst))
    return bad("needs integer source (at most 32 bits) and destination of "
               "the same dims");
  if (!checkAxis(op.axis(), dims(src).size()) ||
      !checkScales(op.scales(), dims(src)[op.axis()]))
    return false;
  if (op.fixed_point()) {
    if (op.multipliers_size() != op.scales_size() ||
        op.shifts_size() != op.scales_size())
      return bad("fixed point needs a multiplier and shift per scale");
    for (int i = 0; i < op.shifts_size(); ++i)
      if (op.shifts(i) < -31 || op.shifts(i) > 31 || op.multipliers(i) < 0 ||
          op.multipliers(i) > INT32_MAX)
        return bad("fixed-point multiplier or shift out of range");
  }
  if (op.min() > op.max() || !isSmallOffset(op.zero_point()) ||
      !isSmallOffset(op.input_zero_point()))
    return bad("invalid clamp range or zero points");
  return expectBatchedLike(dst, {src});
}

bool Validator::checkQuantization(const program::Instruction &inst) {
  bool q = inst.op_case() == I::kQuantize;
  opName = q ? "quantize" : "dequantize";
  uint32_t s = q ? inst.quantize().src() : inst.dequantize().src();
  uint32_t d = q ? inst.quantize().dst() : inst.dequantize().dst();
  const auto &scales =
      q ? inst.quantize().scales() : inst.dequantize().scales();
  const auto &zps =
      q ? inst.quantize().zero_points() : inst.dequantize().zero_points();
  int64_t axis = q ? inst.quantize().axis() : inst.dequantize().axis();
  const auto *src = buffer(s), *dst = buffer(d);
  if (!src || !dst)
    return false;
  if (dims(src) != dims(dst) ||
      (q ? !isFloat(dtype(src)) || !isInt(dtype(dst))
         : !isNarrowInt(dtype(src)) || !isFloat(dtype(dst))))
    return bad("invalid element types or dims");
  if (!checkAxis(axis, dims(src).size()) ||
      !checkScales(scales, dims(src)[axis]))
    return false;
  if (zps.size() > 1 && zps.size() != scales.size() &&
      zps.size() != dims(src)[axis])
    return bad("zero points do not match the scales");
  for (int64_t zp : zps)
    if (!checkZeroPoint(zp))
      return false;
  return expectBatchedLike(dst, {src});
}

bool Validator::checkElementwise(const program::Instruction &inst) {
  uint32_t s, d;
  if (inst.op_case() == I::kClip) {
    opName = "clip";
    s = inst.clip().src();
    d = inst.clip().dst();
  } else if (inst.op_case() == I::kCast) {
    opName = "cast";
    s = inst.cast().src();
    d = inst.cast().dst();
  } else if (inst.op_case() == I::kCopy) {
    opName = "copy";
    s = inst.copy().src();
    d = inst.copy().dst();
  } else if (inst.op_case() == I::kActivation) {
    opName = "activation";
    s = inst.activation().src();
    d = inst.activation().dst();
  } else {
    opName = "softmax";
    s = inst.softmax().src();
    d = inst.softmax().dst();
  }
  const auto *src = buffer(s), *dst = buffer(d);
  if (!src || !dst)
    return false;
  if (inst.op_case() == I::kCopy) {
    if (src->size() != dst->size() || dtype(src) != dtype(dst) ||
        (src->batched() && dst->dims_size() > 0 &&
         dims(src)[0] != dims(dst)[0] && dims(dst)[0] != 1 &&
         dims(src)[0] != 1))
      return bad("copy needs the same element type and count");
    return expectBatchedLike(dst, {src});
  }
  if (dims(src) != dims(dst))
    return bad("source and destination dims differ");
  if (inst.op_case() != I::kCast && dtype(src) != dtype(dst))
    return bad("source and destination element types differ");
  if (inst.op_case() == I::kClip && !isFloat(dtype(src)) &&
      ((inst.clip().has_min() && !fitsInt64(inst.clip().min())) ||
       (inst.clip().has_max() && !fitsInt64(inst.clip().max()))))
    return bad("integer bounds must be finite and within 64 bits");
  if (inst.op_case() == I::kActivation &&
      (!isFloat(dtype(src)) ||
       !program::ActivationKind_IsValid(inst.activation().kind()) ||
       !std::isfinite(inst.activation().alpha())))
    return bad("activation needs floats, a known kind and a finite alpha");
  if (inst.op_case() == I::kSoftmax &&
      (!isFloat(dtype(src)) ||
       !checkAxis(inst.softmax().axis(), dims(src).size()) ||
       (src->batched() && inst.softmax().axis() == 0)))
    return message.empty() ? bad("softmax needs floats and a non-batch axis")
                           : false;
  return expectBatchedLike(dst, {src});
}

bool Validator::checkPool(const program::Instruction &inst) {
  opName = "pool";
  const auto &op = inst.pool();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto sd = dims(src);
  if (sd.size() != 4)
    return bad("needs a 4-D source");
  if (!program::PoolKind_IsValid(op.kind()))
    return bad("unknown pool kind " + std::to_string(op.kind()));
  if (!checkZeroPoint(op.zero_point()))
    return false;
  if ((op.kind() == program::SUM &&
       (!isNarrowInt(dtype(src)) || dtype(dst) != program::I32)) ||
      (op.kind() == program::AVERAGE &&
       (!isFloat(dtype(src)) || dtype(dst) != dtype(src))) ||
      (op.kind() == program::MAX && dtype(dst) != dtype(src)))
    return bad("invalid element types for this pool");
  int64_t oh, ow;
  if (!checkWindow(op.kernel(), op.strides(), op.pads(), op.dilations(), sd[2],
                   sd[3], oh, ow, op.ceil_mode()))
    return false;
  return expectDims(dst, {sd[0], sd[1], oh, ow}) &&
         expectBatchedLike(dst, {src});
}

bool Validator::checkGlobalAvgPool(const program::Instruction &inst) {
  opName = "global_avg_pool";
  const auto &op = inst.global_avg_pool();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto sd = dims(src);
  if (sd.size() < 3 || !isFloat(dtype(src)) || dtype(dst) != dtype(src))
    return bad("needs a float source of rank 3 or more");
  for (size_t i = 2; i < sd.size(); ++i)
    sd[i] = 1;
  return expectDims(dst, sd) && expectBatchedLike(dst, {src});
}

bool Validator::checkBinary(const program::Instruction &inst) {
  bool q = inst.op_case() == I::kQadd;
  opName = q ? "qadd" : "binary";
  uint32_t l = q ? inst.qadd().lhs() : inst.binary().lhs();
  uint32_t r = q ? inst.qadd().rhs() : inst.binary().rhs();
  uint32_t d = q ? inst.qadd().dst() : inst.binary().dst();
  const auto *lhs = buffer(l), *rhs = buffer(r), *dst = buffer(d);
  if (!lhs || !rhs || !dst)
    return false;
  if (q ? !isNarrowInt(dtype(lhs)) || !isNarrowInt(dtype(rhs)) ||
              !isInt(dtype(dst))
        : dtype(lhs) != dtype(rhs) || dtype(lhs) != dtype(dst))
    return bad("invalid element types");
  if (q && (!(inst.qadd().lhs_scale() > 0) || !(inst.qadd().rhs_scale() > 0) ||
            !std::isfinite(inst.qadd().lhs_scale()) ||
            !std::isfinite(inst.qadd().rhs_scale())))
    return bad("scales must be positive and finite");
  if (q && (!checkZeroPoint(inst.qadd().lhs_zero_point()) ||
            !checkZeroPoint(inst.qadd().rhs_zero_point()) ||
            !checkZeroPoint(inst.qadd().zero_point())))
    return false;
  if (!q && !program::BinaryKind_IsValid(inst.binary().kind()))
    return bad("unknown binary kind " + std::to_string(inst.binary().kind()));
  bool ok;
  auto shape = broadcast(dims(lhs), dims(rhs), ok);
  if (!ok)
    return bad("operands do not broadcast");
  // With a batch, a batched operand's first dimension must not be
  // broadcast against a larger one.
  if ((lhs->batched() || rhs->batched()) && !shape.empty())
    for (const auto *b : {lhs, rhs})
      if (!b->batched() && dims(b).size() == shape.size() && dims(b)[0] != 1)
        return bad("an unbatched operand spans the batch dimension");
  // A batched operand scales its first dimension with the batch, so it
  // must be the result's first dimension, not broadcast into it.
  for (const auto *b : {lhs, rhs})
    if (b->batched() &&
        (dims(b).size() != shape.size() || dims(b)[0] != shape[0]))
      return bad("a batched operand must span the batch dimension");
  return expectDims(dst, shape) && expectBatchedLike(dst, {lhs, rhs});
}

bool Validator::checkConcat(const program::Instruction &inst) {
  opName = "concat";
  const auto &op = inst.concat();
  const auto *dst = buffer(op.dst());
  if (!dst || op.srcs_size() < 1)
    return dst ? bad("needs sources") : false;
  auto dd = dims(dst);
  if (!checkAxis(op.axis(), dd.size()) || (dst->batched() && op.axis() == 0))
    return message.empty() ? bad("cannot concatenate along the batch") : false;
  int64_t total = 0;
  for (uint32_t id : op.srcs()) {
    const auto *src = buffer(id);
    if (!src)
      return false;
    auto sd = dims(src);
    if (sd.size() != dd.size() || dtype(src) != dtype(dst) ||
        src->batched() != dst->batched())
      return bad("sources must match the destination's rank and type");
    for (size_t i = 0; i < sd.size(); ++i)
      if (int64_t(i) != op.axis() && sd[i] != dd[i])
        return bad("sources differ outside the axis");
    total += sd[op.axis()];
  }
  if (total != dd[op.axis()])
    return bad("the destination's axis does not add up");
  return true;
}

bool Validator::checkPad(const program::Instruction &inst) {
  opName = "pad";
  const auto &op = inst.pad();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto sd = dims(src);
  if (dtype(src) != dtype(dst) || op.pads_size() != int(2 * sd.size()))
    return bad("needs the same element types and 2 pads per dimension");
  if (!program::PadMode_IsValid(op.mode()))
    return bad("unknown pad mode " + std::to_string(op.mode()));
  if (!isFloat(dtype(dst)) && !fitsInt64(op.value()))
    return bad("an integer pad value must be finite and within 64 bits");
  std::vector<int64_t> want = sd;
  for (size_t i = 0; i < sd.size(); ++i) {
    int64_t b = op.pads(i), e = op.pads(i + sd.size());
    if (b < 0 || e < 0 || b > 4096 || e > 4096 ||
        (op.mode() == program::REFLECT && (b >= sd[i] || e >= sd[i])) ||
        (i == 0 && src->batched() && (b || e)))
      return bad("invalid pads");
    want[i] += b + e;
  }
  return expectDims(dst, want) && expectBatchedLike(dst, {src});
}

bool Validator::checkTranspose(const program::Instruction &inst) {
  opName = "transpose";
  const auto &op = inst.transpose();
  const auto *src = buffer(op.src()), *dst = buffer(op.dst());
  if (!src || !dst)
    return false;
  auto sd = dims(src);
  if (op.perm_size() != int(sd.size()) || dtype(src) != dtype(dst))
    return bad("perm must cover every dimension");
  std::vector<bool> seen(sd.size(), false);
  std::vector<int64_t> want;
  for (int64_t p : op.perm()) {
    if (p < 0 || p >= int64_t(sd.size()) || seen[p])
      return bad("perm is not a permutation");
    seen[p] = true;
    want.push_back(sd[p]);
  }
  if (src->batched() && op.perm(0) != 0)
    return bad("cannot move the batch dimension");
  return expectDims(dst, want) && expectBatchedLike(dst, {src});
}

bool Validator::checkSync(const program::Instruction &inst) {
  opName = "sync";
  return true;
}

bool Validator::checkMissing(const program::Instruction &inst) {
  opName = "?";
  return bad("unknown or missing opcode");
}

bool Validator::checkInstruction(const program::Instruction &inst) {
  switch (inst.op_case()) {
  case I::kIm2Col:
    return checkIm2Col(inst);
  case I::kRows:
    return checkRows(inst);
  case I::kMvm:
    return checkMvm(inst);
  case I::kAccumulate:
    return checkAccumulate(inst);
  case I::kConcatCols:
    return checkConcatCols(inst);
  case I::kBias:
    return checkBias(inst);
  case I::kUnrows:
    return checkUnrows(inst);
  case I::kLoadConst:
    return checkLoadConst(inst);
  case I::kRequantize:
    return checkRequantize(inst);
  case I::kQuantize:
  case I::kDequantize:
    return checkQuantization(inst);
  case I::kClip:
  case I::kCast:
  case I::kCopy:
  case I::kSoftmax:
  case I::kActivation:
    return checkElementwise(inst);
  case I::kPool:
    return checkPool(inst);
  case I::kGlobalAvgPool:
    return checkGlobalAvgPool(inst);
  case I::kBinary:
  case I::kQadd:
    return checkBinary(inst);
  case I::kConcat:
    return checkConcat(inst);
  case I::kPad:
    return checkPad(inst);
  case I::kTranspose:
    return checkTranspose(inst);
  case I::kSync:
    return checkSync(inst);
  case I::OP_NOT_SET:
    return checkMissing(inst);
  }
  opName = "?";
  return bad("unknown opcode");
}
} // namespace

bool ohmrt::validateProgram(const program::Program &program,
                            std::string &error) {
  Validator validator(program);
  return validator.run(error);
}
