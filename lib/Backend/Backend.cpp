//===- Backend.cpp - Scheduling xb IR onto the machine --------------------===//
//
// See Backend.h for the steps. The schedule is the function's op order:
// one instruction per op, so instruction i is op i (plus load_const for
// constants and a sync after each crossbar layer). Lifetimes are measured
// in that order.
//
//===----------------------------------------------------------------------===//

#include "ohm/Backend/Backend.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Function.h"
#include "ohm/NN/NNOps.h"
#include "ohm/Support/ByteSize.h"
#include "ohm/Xbar/XbarOps.h"
#include "ohmrt/Runtime.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

using namespace ohm;
using namespace ohm::backend;
namespace pb = ohm::program;

namespace {

/// Bytes a buffer's offset is aligned to (scaled by N it stays aligned).
constexpr uint64_t kAlignment = 8;

std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return os.str();
}

/// The program element type of an IR element type, or false.
bool getElementType(Type type, pb::ElementType &out) {
  if (auto intType = type.dyn_cast<IntegerType>()) {
    unsigned width = intType.getWidth();
    bool isSigned = intType.isSigned();
    if (width == 1) {
      out.set_dtype(pb::BOOL);
      out.set_bits(1);
      return true;
    }
    pb::DType dtype = width <= 8    ? (isSigned ? pb::I8 : pb::U8)
                      : width <= 16 ? (isSigned ? pb::I16 : pb::U16)
                      : width <= 32 ? (isSigned ? pb::I32 : pb::U32)
                                    : (isSigned ? pb::I64 : pb::U64);
    out.set_dtype(dtype);
    unsigned storage = ohmrt::getStorageBytes(dtype) * 8;
    out.set_bits(width == storage ? 0 : width);
    return true;
  }
  if (auto floatType = type.dyn_cast<FloatType>()) {
    if (floatType.getWidth() == 32)
      out.set_dtype(pb::F32);
    else if (floatType.getWidth() == 64)
      out.set_dtype(pb::F64);
    else
      return false;
    out.set_bits(0);
    return true;
  }
  return false;
}

/// Packs dense elements at the storage width of `type`, little endian.
std::string packElements(DenseElementsAttr attr, const pb::ElementType &type) {
  unsigned bytes = ohmrt::getStorageBytes(type.dtype());
  int64_t count = attr.getNumElements();
  std::string data(size_t(count) * bytes, '\0');
  bool isFloat = type.dtype() == pb::F32 || type.dtype() == pb::F64;
  for (int64_t i = 0; i < count; ++i) {
    char *p = &data[size_t(i) * bytes];
    if (type.dtype() == pb::F32) {
      float v = float(attr.getDouble(i));
      std::memcpy(p, &v, 4);
    } else if (type.dtype() == pb::F64) {
      double v = attr.getDouble(i);
      std::memcpy(p, &v, 8);
    } else if (!isFloat) {
      int64_t v = attr.getInt(i);
      std::memcpy(p, &v, bytes); // little endian: the low bytes
    }
  }
  return data;
}

struct BufferInfo {
  uint32_t id = 0;
  Value *value = nullptr;
  pb::Buffer *buffer = nullptr;
  int64_t start = 0, end = 0; // instruction-order lifetime, inclusive
};

class Emitter {
public:
  Emitter(Function &fn, const target::Target &target, pb::Program &program)
      : fn(fn), target(target), p(program) {}

  LogicalResult run(const std::string &modelName);

private:
  LogicalResult specializeShapes();
  LogicalResult assignBuffers();
  void allocateMemory();
  LogicalResult emitOp(Operation &op);
  llvm::Optional<LogicalResult> emitCrossbarOp(Operation &op);
  llvm::Optional<LogicalResult> emitVectorOp(Operation &op);
  LogicalResult checkBinaryOperands(Operation &op, int64_t rank);
  llvm::Optional<LogicalResult> emitDataMovementOp(Operation &op);
  LogicalResult emitMvm(Operation &op);
  void fillTarget();

  uint32_t buf(Value *value) { return buffers.at(value).id; }
  const std::vector<int64_t> &dimsOf(Value *value) {
    return shapes.find(value)->second;
  }
  uint32_t addConstant(DenseElementsAttr attr) {
    pb::Constant *c = p.add_constants();
    c->set_id(uint32_t(p.constants_size() - 1));
    getElementType(attr.getElementType(), *c->mutable_type());
    for (int64_t dim : attr.getType().getShape())
      c->add_dims(dim);
    c->set_data(packElements(attr, c->type()));
    return c->id();
  }
  pb::Instruction *add() { return p.add_instructions(); }

  Function &fn;
  const target::Target &target;
  pb::Program &p;

  llvm::DenseMap<Value *, std::vector<int64_t>> shapes;
  llvm::DenseSet<Value *> batched;
  std::map<Value *, BufferInfo> buffers;
  std::vector<Value *> bufferOrder;
  llvm::DenseMap<Operation *, int64_t> position;
  /// Bytes of the nn.const values emitted so far.
  uint64_t constantBytes = 0;
};

//===----------------------------------------------------------------------===//
// 1. One-inference shapes
//===----------------------------------------------------------------------===//

LogicalResult Emitter::specializeShapes() {
  Block &body = fn.getBody();
  auto names = fn.getAttr("input_names").dyn_cast_or_null<ArrayAttr>();
  for (unsigned i = 0; i < body.getNumArguments(); ++i) {
    BlockArgument *arg = body.getArgument(i);
    auto type = arg->getType().dyn_cast<TensorType>();
    std::string name = names && i < names.size()
                           ? names[i].cast<StringAttr>().getValue().str()
                           : "#" + std::to_string(i);
    if (!type || type.getRank() == 0) {
      emitError(arg->getLoc())
          << "input '" << name << "' is " << typeText(arg->getType())
          << "; programs take tensors with a leading "
             "(batch) dimension";
      return failure();
    }
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] != TensorType::kDynamic)
        continue;
      if (d != 0) {
        emitError(arg->getLoc())
            << "input '" << name << "' has a dynamic dimension " << d << " ("
            << typeText(type)
            << "); the backend needs static shapes except for the leading "
               "batch dimension (give them with --input-shape "
            << name << "=DIMS)";
        return failure();
      }
      shape[d] = 1;
    }
    arg->setType(TensorType::get(shape, type.getElementType()));
    batched.insert(arg);
  }

  for (Operation &op : body) {
    if (op.isa<ReturnOp>())
      continue;
    for (Value *operand : op.getOperands())
      if (batched.count(operand))
        batched.insert(op.getResult(0));
    std::string error;
    Type type = inferResultType(&op, error);
    if (!type) {
      if (error.empty())
        error = "the backend does not know this op";
      op.emitError() << "cannot compute the shape for one inference: " << error;
      return failure();
    }
    op.getResult(0)->setType(type);
    if (auto tensor = type.dyn_cast<TensorType>()) {
      if (!tensor.hasStaticShape()) {
        op.emitError() << "the result type " << typeText(type)
                       << " is not static for one inference";
        return failure();
      }
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// 2. Buffers
//===----------------------------------------------------------------------===//

/// The core whose arrays read `value` (the first xb.mvm user), if any.
static llvm::Optional<int64_t> readingCore(Value *value) {
  for (OpOperand &use : value->getUses())
    if (use.getOwner()->isa<xb::MvmOp>())
      if (auto core = use.getOwner()->getAttrOfType<IntegerAttr>("core"))
        return core.getInt();
  return llvm::None;
}

LogicalResult Emitter::assignBuffers() {
  Block &body = fn.getBody();
  std::vector<Value *> values;
  for (unsigned i = 0; i < body.getNumArguments(); ++i)
    values.push_back(body.getArgument(i));
  int64_t index = 0;
  for (Operation &op : body) {
    position[&op] = index++;
    if (!op.isa<ReturnOp>())
      values.push_back(op.getResult(0));
  }

  for (Value *value : values) {
    auto type = value->getType().dyn_cast<TensorType>();
    if (!type)
      continue; // cells and tiles live in arrays
    pb::ElementType elementType;
    if (!getElementType(type.getElementType(), elementType)) {
      emitError(value->getLoc())
          << "the machine has no " << typeText(type.getElementType())
          << " tensors (it supports integers of 1 to 64 bits, f32 and f64)";
      return failure();
    }
    std::vector<int64_t> dims(type.getShape().begin(), type.getShape().end());
    bool isBatched = batched.count(value);
    if (isBatched && dims.empty()) {
      emitError(value->getLoc())
          << "a scalar computed from the inputs cannot be batched";
      return failure();
    }
    pb::Buffer *b = p.add_buffers();
    b->set_id(uint32_t(p.buffers_size() - 1));
    *b->mutable_type() = elementType;
    uint64_t count = 1;
    for (int64_t dim : dims) {
      b->add_dims(dim);
      count *= uint64_t(dim);
    }
    if (count == 0) {
      emitError(value->getLoc())
          << "the tensor " << typeText(type) << " has no elements";
      return failure();
    }
    b->set_batched(isBatched);
    b->set_size(count * ohmrt::getStorageBytes(elementType.dtype()));
    b->set_name(value->getNameHint().str());
    b->set_space(pb::GLOBAL);
    if (Operation *def = value->getDefiningOp()) {
      if (b->name().empty())
        if (auto name = def->getLoc().dyn_cast<NameLoc>())
          b->set_name(name.getName().str());
      // Rows live where they are read, partial sums where they are made.
      llvm::Optional<int64_t> core;
      if (def->isa<xb::Im2ColOp>() || def->isa<xb::RowsOp>())
        core = readingCore(value);
      else if (def->isa<xb::MvmOp>())
        if (auto attr = def->getAttrOfType<IntegerAttr>("core"))
          core = attr.getInt();
      if (core) {
        b->set_space(pb::SCRATCHPAD);
        b->set_core(uint32_t(*core));
      }
    }
    BufferInfo info;
    info.id = b->id();
    info.value = value;
    info.buffer = b;
    Operation *def = value->getDefiningOp();
    info.start = def ? position[def] : -1;
    info.end = info.start;
    for (OpOperand &use : value->getUses())
      info.end = use.getOwner()->isa<ReturnOp>()
                     ? std::numeric_limits<int64_t>::max()
                     : std::max(info.end, position[use.getOwner()]);
    if (!def) // inputs are written before the program starts
      info.end = std::max<int64_t>(info.end, 0);
    shapes[value] = dims;
    buffers[value] = info;
    bufferOrder.push_back(value);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// 3. Memory: first fit with lifetime reuse
//===----------------------------------------------------------------------===//

void Emitter::allocateMemory() {
  // One allocator per memory: the global buffer, and each core's scratchpad
  // (all scratchpads get the size of the largest).
  std::map<std::pair<int, uint32_t>, std::vector<BufferInfo *>> memories;
  for (Value *value : bufferOrder) {
    BufferInfo &info = buffers[value];
    auto key = std::make_pair(
        int(info.buffer->space()),
        info.buffer->space() == pb::GLOBAL ? 0u : info.buffer->core());
    memories[key].push_back(&info);
  }
  uint64_t globalBytes = 0, scratchpadBytes = 0;
  for (auto &entry : memories) {
    std::vector<BufferInfo *> &list = entry.second;
    std::stable_sort(
        list.begin(), list.end(),
        [](BufferInfo *a, BufferInfo *b) { return a->start < b->start; });
    std::vector<BufferInfo *> live;
    uint64_t peak = 0;
    for (BufferInfo *info : list) {
      // Buffers whose last use is before this one's definition are free.
      live.erase(std::remove_if(live.begin(), live.end(),
                                [&](BufferInfo *other) {
                                  return other->end < info->start;
                                }),
                 live.end());
      std::sort(live.begin(), live.end(), [](BufferInfo *a, BufferInfo *b) {
        return a->buffer->offset() < b->buffer->offset();
      });
      uint64_t size =
          (info->buffer->size() + kAlignment - 1) / kAlignment * kAlignment;
      uint64_t offset = 0;
      for (BufferInfo *other : live) {
        if (offset + size <= other->buffer->offset())
          break;
        uint64_t otherEnd = other->buffer->offset() + other->buffer->size();
        offset = std::max(offset, (otherEnd + kAlignment - 1) / kAlignment *
                                      kAlignment);
      }
      info->buffer->set_offset(offset);
      peak = std::max(peak, offset + size);
      live.push_back(info);
    }
    if (entry.first.first == int(pb::GLOBAL))
      globalBytes = peak;
    else
      scratchpadBytes = std::max(scratchpadBytes, peak);
  }
  p.set_global_bytes(globalBytes);
  p.set_scratchpad_bytes(scratchpadBytes);
}

//===----------------------------------------------------------------------===//
// 4. Instructions
//===----------------------------------------------------------------------===//

template <typename Message> void setWindow(Message *m, const Window &window) {
  for (int64_t v : window.kernel)
    m->add_kernel(v);
  for (int64_t v : window.strides)
    m->add_strides(v);
  for (int64_t v : window.pads)
    m->add_pads(v);
  for (int64_t v : window.dilations)
    m->add_dilations(v);
}

static double getNumber(Attribute attr, double dflt) {
  if (auto f = attr.dyn_cast_or_null<FloatAttr>())
    return f.getValue();
  if (auto i = attr.dyn_cast_or_null<IntegerAttr>())
    return double(i.getInt());
  return dflt;
}

static void integerRange(Type type, int64_t &lo, int64_t &hi) {
  auto intType = type.cast<IntegerType>();
  lo = intType.getMinValue();
  hi = intType.getMaxValue() > uint64_t(INT64_MAX)
           ? INT64_MAX
           : int64_t(intType.getMaxValue());
}

/// The program format's name for an encoding.
static pb::Encoding getProgramEncoding(target::Encoding encoding) {
  switch (encoding) {
  case target::Encoding::Differential:
    return pb::DIFFERENTIAL;
  case target::Encoding::Offset:
    return pb::OFFSET;
  case target::Encoding::Binary:
    return pb::BINARY;
  case target::Encoding::Ternary:
    return pb::TERNARY;
  }
  llvm_unreachable("unknown encoding");
}

LogicalResult Emitter::emitMvm(Operation &op) {
  xb::MvmOp mvm(&op);
  llvm::Optional<target::Encoding> encoding = mvm.getEncoding();
  if (!encoding)
    return op.emitError() << "the weights are not encoded as cells (run "
                             "xb-encode before the backend)";
  auto arraysAttr = op.getAttrOfType<ArrayAttr>("arrays");
  std::vector<int64_t> ids;
  if (!arraysAttr || !arraysAttr.getAsInts(ids))
    return op.emitError() << "the read is not placed on arrays (run xb-place "
                             "before the backend)";
  int64_t sets = op.getNumOperands() - 1, slices = mvm.getSlices();
  if (ids.empty() || int64_t(ids.size()) % (sets * slices))
    return op.emitError() << "'arrays' lists " << int64_t(ids.size())
                          << " arrays for " << sets << " cell sets of "
                          << slices << " slices";

  // The programmed levels of every array (duplicates hold the same levels).
  std::vector<DenseElementsAttr> levels;
  for (int64_t set = 0; set < sets; ++set) {
    auto cells = op.getOperand(1 + set)->getDefiningOp();
    if (!cells || !cells->isa<xb::CellsOp>())
      return op.emitError()
             << "cell operand " << set << " is not an xb.cells constant";
    levels.push_back(xb::CellsOp(cells).getLevels());
  }
  int64_t r = mvm.getTileRows(), c = mvm.getTileCols();
  for (size_t j = 0; j < ids.size(); ++j) {
    int64_t which = int64_t(j) % (sets * slices);
    int64_t set = which / slices, slice = which % slices;
    pb::Array *array = p.add_arrays();
    array->set_id(uint32_t(ids[j]));
    array->set_core(uint32_t(ids[j] / target.hierarchy.arraysPerCore));
    array->set_rows(r);
    array->set_cols(c);
    array->set_cell_bits(mvm.getCellBits());
    // The slice's levels (a splat holds one value for all of them).
    std::vector<uint8_t> cellLevels(size_t(r * c));
    DenseElementsAttr::withIntStorage(
        levels[set].getElementType(), [&](auto tag) {
          using T = decltype(tag);
          llvm::ArrayRef<T> raw = levels[set].getRawValues<T>();
          if (levels[set].isSplat())
            std::fill(cellLevels.begin(), cellLevels.end(), uint8_t(raw[0]));
          else
            std::transform(
                raw.begin() + slice * r * c, raw.begin() + (slice + 1) * r * c,
                cellLevels.begin(), [](T level) { return uint8_t(level); });
        });
    unsigned bits = unsigned(mvm.getCellBits());
    array->set_levels(ohmrt::packArrayLevels(cellLevels, bits));
    if (bits < 8)
      array->set_level_bits(bits);
  }

  pb::Mvm *m = add()->mutable_mvm();
  m->set_rows(buf(mvm.getRows()));
  m->set_dst(buf(op.getResult(0)));
  m->set_row_offset(mvm.getRowOffset());
  m->set_tile_rows(r);
  m->set_tile_cols(c);
  m->set_encoding(getProgramEncoding(*encoding));
  m->set_analog_sensing(mvm.isAnalogSensing());
  if (auto offset = op.getAttrOfType<IntegerAttr>("weight_offset"))
    m->set_weight_offset(offset.getInt());
  m->set_input_bits(mvm.getInputBits());
  m->set_dac_bits(mvm.getDacBits());
  m->set_cell_bits(mvm.getCellBits());
  m->set_slices(slices);
  m->set_active_rows(mvm.getActiveRows());
  xb::AdcConfig adc = mvm.getAdc();
  m->set_adc_bits(adc.bits);
  m->set_adc_step(adc.step);
  m->set_adc_offset(adc.offset);
  for (int64_t i = 0; i < sets * slices; ++i)
    m->add_arrays(uint32_t(ids[i]));
  m->set_sets(sets);
  m->set_repeat(dimsOf(mvm.getRows())[0]);
  if (auto core = op.getAttrOfType<IntegerAttr>("core"))
    m->set_core(uint32_t(core.getInt()));
  m->set_layer(mvm.getLayerName());
  return success();
}

/// Crossbar ops: reads and the data movement around them. None if `op` is
/// not one.
llvm::Optional<LogicalResult> Emitter::emitCrossbarOp(Operation &op) {
  auto in = [&](unsigned i) { return buf(op.getOperand(i)); };
  auto out = [&]() { return buf(op.getResult(0)); };
  if (op.isa<xb::CellsOp>())
    return success(); // programmed into arrays by the reads that use them
  if (op.isa<xb::WeightsOp>())
    return op.emitError() << "the weights are not encoded as cells (run "
                             "xb-encode before the backend)";
  if (op.isa<xb::MvmOp>())
    return emitMvm(op);
  if (op.isa<xb::Im2ColOp>()) {
    pb::Im2Col *m = add()->mutable_im2col();
    m->set_src(in(0));
    m->set_dst(out());
    setWindow(m, Window::read(&op, getIntArrayAttr(&op, "kernel_shape")));
    m->set_group(getIntAttr(&op, "group", 1));
    m->set_group_index(getIntAttr(&op, "group_index", 0));
    m->set_pad_value(getIntAttr(&op, "pad_value", 0));
    m->set_offset(getIntAttr(&op, "offset", 0));
    return success();
  }
  if (op.isa<xb::RowsOp>()) {
    pb::Rows *m = add()->mutable_rows();
    m->set_src(in(0));
    m->set_dst(out());
    m->set_offset(getIntAttr(&op, "offset", 0));
    return success();
  }
  if (op.isa<xb::AccumulateOp>() || op.isa<xb::ConcatColsOp>()) {
    bool isAccumulate = op.isa<xb::AccumulateOp>();
    pb::Instruction *inst = add();
    for (unsigned i = 0; i < op.getNumOperands(); ++i) {
      if (isAccumulate)
        inst->mutable_accumulate()->add_srcs(in(i));
      else
        inst->mutable_concat_cols()->add_srcs(in(i));
    }
    if (isAccumulate)
      inst->mutable_accumulate()->set_dst(out());
    else
      inst->mutable_concat_cols()->set_dst(out());
    return success();
  }
  if (op.isa<xb::BiasOp>()) {
    pb::Bias *m = add()->mutable_bias();
    m->set_src(in(0));
    m->set_dst(out());
    m->set_constant(addConstant(op.getAttrOfType<DenseElementsAttr>("bias")));
    return success();
  }
  if (op.isa<xb::UnrowsOp>()) {
    pb::Unrows *m = add()->mutable_unrows();
    m->set_src(in(0));
    m->set_dst(out());
    auto layout = op.getAttrOfType<StringAttr>("layout");
    m->set_nchw(layout && layout.getValue() == "nchw");
    add()->mutable_sync()->set_layer(xb::getLayerName(op.getLoc()));
    return success();
  }

  return llvm::None;
}

/// The vector unit: elementwise arithmetic, (re)quantization, pooling.
/// None if `op` is not one of its ops.
llvm::Optional<LogicalResult> Emitter::emitVectorOp(Operation &op) {
  auto in = [&](unsigned i) { return buf(op.getOperand(i)); };
  auto out = [&]() { return buf(op.getResult(0)); };
  Type resultType = op.getResult(0)->getType();
  int64_t rank = 0;
  if (auto tensor = resultType.dyn_cast<TensorType>())
    rank = tensor.getRank();
  if (op.isa<nn::QuantizeOp>() || op.isa<nn::DequantizeOp>()) {
    nn::QuantParams params = nn::QuantParams::get(&op);
    bool quantize = op.isa<nn::QuantizeOp>();
    pb::Instruction *inst = add();
    auto fill = [&](auto *m) {
      m->set_src(in(0));
      m->set_dst(out());
      for (float scale : params.scales)
        m->add_scales(scale);
      for (int64_t zp : params.zeroPoints)
        m->add_zero_points(zp);
      m->set_axis(params.scales.size() > 1 || params.zeroPoints.size() > 1
                      ? params.axis
                      : 0);
    };
    if (quantize)
      fill(inst->mutable_quantize());
    else
      fill(inst->mutable_dequantize());
    return success();
  }
  if (op.isa<nn::RequantizeOp>()) {
    nn::QuantParams params = nn::QuantParams::get(&op);
    pb::Requantize *m = add()->mutable_requantize();
    m->set_src(in(0));
    m->set_dst(out());
    for (float scale : params.scales)
      m->add_scales(scale);
    m->set_zero_point(params.getZeroPoint(0));
    m->set_input_zero_point(getIntAttr(&op, "input_zp", 0));
    int64_t lo, hi;
    integerRange(resultType.cast<TensorType>().getElementType(), lo, hi);
    m->set_min(getIntAttr(&op, "min", lo));
    m->set_max(getIntAttr(&op, "max", hi));
    m->set_axis(params.scales.size() > 1 ? params.axis : 0);
    if (nn::RequantizeOp(&op).isFixedPoint()) {
      m->set_fixed_point(true);
      for (int64_t v : getIntOrDenseValues(op.getAttr("multiplier")))
        m->add_multipliers(v);
      for (int64_t v : getIntOrDenseValues(op.getAttr("shift")))
        m->add_shifts(v);
    }
    return success();
  }
  if (op.isa<nn::ReluOp>() || op.isa<nn::ClipOp>()) {
    pb::Clip *m = add()->mutable_clip();
    m->set_src(in(0));
    m->set_dst(out());
    if (op.isa<nn::ReluOp>()) {
      m->set_has_min(true);
      m->set_min(0);
    } else {
      if (Attribute min = op.getAttr("min")) {
        m->set_has_min(true);
        m->set_min(getNumber(min, 0));
      }
      if (Attribute max = op.getAttr("max")) {
        m->set_has_max(true);
        m->set_max(getNumber(max, 0));
      }
    }
    return success();
  }
  if (op.isa<nn::CastOp>()) {
    pb::Cast *m = add()->mutable_cast();
    m->set_src(in(0));
    m->set_dst(out());
    return success();
  }
  if (op.isa<nn::MaxPoolOp>() || op.isa<nn::AvgPoolOp>() ||
      op.isa<nn::QAvgPoolOp>()) {
    pb::Pool *m = add()->mutable_pool();
    m->set_src(in(0));
    m->set_dst(out());
    Window window;
    if (op.isa<nn::MaxPoolOp>()) {
      m->set_kind(pb::MAX);
      window = nn::MaxPoolOp(&op).getWindow();
    } else if (op.isa<nn::AvgPoolOp>()) {
      m->set_kind(pb::AVERAGE);
      window = nn::AvgPoolOp(&op).getWindow();
    } else {
      m->set_kind(pb::SUM);
      window = nn::QAvgPoolOp(&op).getWindow();
      m->set_zero_point(getIntAttr(&op, "x_zp", 0));
    }
    setWindow(m, window);
    m->set_ceil_mode(window.ceilMode);
    m->set_count_include_pad(getIntAttr(&op, "count_include_pad", 0) != 0);
    return success();
  }
  if (op.isa<nn::GlobalAvgPoolOp>()) {
    pb::GlobalAvgPool *m = add()->mutable_global_avg_pool();
    m->set_src(in(0));
    m->set_dst(out());
    return success();
  }
  if (op.isa<nn::AddOp>() || op.isa<nn::MulOp>()) {
    if (failed(checkBinaryOperands(op, rank)))
      return failure();
    pb::Binary *m = add()->mutable_binary();
    m->set_lhs(in(0));
    m->set_rhs(in(1));
    m->set_dst(out());
    m->set_kind(op.isa<nn::AddOp>() ? pb::ADD : pb::MUL);
    return success();
  }
  if (op.isa<nn::QAddOp>()) {
    pb::QAdd *m = add()->mutable_qadd();
    m->set_lhs(in(0));
    m->set_rhs(in(1));
    m->set_dst(out());
    m->set_lhs_scale(float(getNumber(op.getAttr("lhs_scale"), 1)));
    m->set_rhs_scale(float(getNumber(op.getAttr("rhs_scale"), 1)));
    m->set_lhs_zero_point(getIntAttr(&op, "lhs_zp", 0));
    m->set_rhs_zero_point(getIntAttr(&op, "rhs_zp", 0));
    m->set_zero_point(getIntAttr(&op, "zp", 0));
    return success();
  }
  return llvm::None;
}

/// The operands of an element-wise Add/Mul against the batch: neither a
/// constant that spans the batch dimension nor a graph input broadcast
/// into it.
LogicalResult Emitter::checkBinaryOperands(Operation &op, int64_t rank) {
  // A constant broadcast along the batch dimension cannot be scaled.
  for (unsigned i = 0; i < 2; ++i) {
    Value *operand = op.getOperand(i);
    const std::vector<int64_t> &dims = dimsOf(operand);
    if (!batched.count(operand) && batched.count(op.getResult(0)) &&
        dims.size() == size_t(rank) && rank > 0 && dims[0] != 1)
      return op.emitError()
             << "operand " << i
             << " is a constant that spans the leading "
                "dimension, which a batch repeats; the machine cannot "
                "broadcast it";
  }
  // A batched operand scales its leading dimension with the batch: it
  // must be the result's leading dimension, not broadcast into it (an
  // input without a batch dimension, say a per-channel scale given as a
  // graph input).
  for (unsigned i = 0; i < 2; ++i) {
    Value *operand = op.getOperand(i);
    const std::vector<int64_t> &dims = dimsOf(operand);
    const std::vector<int64_t> &result = dimsOf(op.getResult(0));
    if (batched.count(operand) &&
        (dims.size() != result.size() || dims.empty() || dims[0] != result[0]))
      return op.emitError()
             << "operand " << i << " (" << typeText(operand->getType())
             << ") comes from a graph input and is broadcast into the "
                "result's leading (batch) dimension ("
             << typeText(op.getResult(0)->getType())
             << "); programs take every input with the batch as its "
                "leading dimension: if it is a constant, freeze it "
                "(ohmc --freeze NAME=FILE)";
  }
  return success();
}

/// Concatenation, padding, reshapes, transposes and softmax, which the
/// machine runs on whole tensors. None if `op` is not one of them.
llvm::Optional<LogicalResult> Emitter::emitDataMovementOp(Operation &op) {
  auto in = [&](unsigned i) { return buf(op.getOperand(i)); };
  auto out = [&]() { return buf(op.getResult(0)); };
  int64_t rank = 0;
  if (auto tensor = op.getResult(0)->getType().dyn_cast<TensorType>())
    rank = tensor.getRank();
  auto normalize = [&](int64_t axis) { return axis < 0 ? axis + rank : axis; };
  if (op.isa<nn::ConcatOp>()) {
    int64_t axis = normalize(getIntAttr(&op, "axis", 0));
    if (axis == 0 && batched.count(op.getResult(0)))
      return op.emitError() << "concatenation along the leading (batch) "
                               "dimension is not supported by the machine";
    pb::Concat *m = add()->mutable_concat();
    for (unsigned i = 0; i < op.getNumOperands(); ++i) {
      if (batched.count(op.getResult(0)) && !batched.count(op.getOperand(i)))
        return op.emitError() << "concatenates a constant with computed "
                                 "tensors, which the machine does not support";
      m->add_srcs(in(i));
    }
    m->set_dst(out());
    m->set_axis(axis);
    return success();
  }
  if (op.isa<nn::PadOp>()) {
    std::vector<int64_t> pads = getIntArrayAttr(&op, "pads");
    if (batched.count(op.getResult(0)) && !pads.empty() &&
        (pads[0] != 0 || pads[rank] != 0))
      return op.emitError() << "padding the leading (batch) dimension is not "
                               "supported by the machine";
    pb::Pad *m = add()->mutable_pad();
    m->set_src(in(0));
    m->set_dst(out());
    for (int64_t v : pads)
      m->add_pads(v);
    auto mode = op.getAttrOfType<StringAttr>("mode");
    llvm::StringRef modeName = mode ? mode.getValue() : "constant";
    m->set_mode(modeName == "reflect" ? pb::REFLECT
                : modeName == "edge"  ? pb::EDGE
                                      : pb::CONSTANT);
    m->set_value(getNumber(op.getAttr("value"), 0));
    return success();
  }
  if (op.isa<nn::ReshapeOp>()) {
    const std::vector<int64_t> &from = dimsOf(op.getOperand(0));
    const std::vector<int64_t> &to = dimsOf(op.getResult(0));
    // A copy is the same bytes for every inference, so any reshape of a
    // batched tensor keeps the batch as repeated leading blocks; the
    // instructions after it are checked for ops that would mix them.
    (void)from;
    if (batched.count(op.getResult(0)) && to.empty())
      return op.emitError() << "a reshape of computed values to a scalar "
                               "cannot be batched";
    pb::Copy *m = add()->mutable_copy();
    m->set_src(in(0));
    m->set_dst(out());
    return success();
  }
  if (op.isa<nn::TransposeOp>()) {
    std::vector<int64_t> perm;
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
    perm = getIntArrayAttr(&op, "perm", perm);
    if (batched.count(op.getResult(0)) && !perm.empty() && perm[0] != 0)
      return op.emitError() << "the transpose moves the leading (batch) "
                               "dimension, which the machine keeps in place";
    pb::Transpose *m = add()->mutable_transpose();
    m->set_src(in(0));
    m->set_dst(out());
    for (int64_t v : perm)
      m->add_perm(v);
    return success();
  }
  if (op.isa<nn::SoftmaxOp>()) {
    int64_t axis = normalize(getIntAttr(&op, "axis", -1));
    if (axis == 0 && batched.count(op.getResult(0)))
      return op.emitError() << "softmax along the leading (batch) dimension "
                               "is not supported by the machine";
    pb::Softmax *m = add()->mutable_softmax();
    m->set_src(in(0));
    m->set_dst(out());
    m->set_axis(axis);
    return success();
  }
  return llvm::None;
}

LogicalResult Emitter::emitOp(Operation &op) {
  if (auto constOp = op.dyn_cast<nn::ConstOp>()) {
    if (op.getResult(0)->use_empty())
      return success();
    // A program holds 2 GiB (protobuf): constants get half, checked first.
    constexpr uint64_t kMaxConstantBytes = uint64_t(1) << 30;
    pb::ElementType type;
    getElementType(constOp.getValue().getElementType(), type);
    uint64_t bytes = uint64_t(constOp.getValue().getNumElements()) *
                     std::max(ohmrt::getStorageBytes(type.dtype()), 1u);
    if (bytes > kMaxConstantBytes || constantBytes > kMaxConstantBytes - bytes)
      return op.emitError()
             << "the program's constants would take "
             << formatByteSize(constantBytes + bytes)
             << " with this one; a program holds at most "
             << formatByteSize(kMaxConstantBytes) << " of constants";
    constantBytes += bytes;
    pb::LoadConst *m = add()->mutable_load_const();
    m->set_constant(addConstant(constOp.getValue()));
    m->set_dst(buf(op.getResult(0)));
    return success();
  }
  for (auto emit : {&Emitter::emitCrossbarOp, &Emitter::emitVectorOp,
                    &Emitter::emitDataMovementOp})
    if (llvm::Optional<LogicalResult> result = (this->*emit)(op))
      return *result;
  if (op.isa<nn::QConvOp>() || op.isa<nn::QMatMulOp>())
    return op.emitError()
           << "this quantized product was not mapped to crossbars (its "
              "weights are not constant: freeze them with ohmc --freeze)";
  if (op.isa<nn::ConvOp>() || op.isa<nn::MatMulOp>() || op.isa<nn::GemmOp>() ||
      op.isa<nn::BatchNormOp>())
    return op.emitError() << "float " << op.getName()
                          << " cannot run on the machine: only quantized "
                             "convolutions and matrix products map to "
                             "crossbars (quantize the model)";
  return op.emitError() << "the backend cannot emit " << op.getName();
}

void Emitter::fillTarget() {
  pb::TargetInfo *t = p.mutable_target();
  t->set_name(target.name);
  t->set_rows(target.crossbar.rows);
  t->set_cols(target.crossbar.cols);
  t->set_cell_bits(target.crossbar.cellBits);
  t->set_max_active_rows(target.crossbar.maxActiveRows);
  t->set_dac_bits(target.dac.bits);
  t->set_adc_bits(target.adc.bits);
  t->set_cols_per_adc(target.adc.colsPerAdc);
  t->set_arrays_per_core(target.hierarchy.arraysPerCore);
  t->set_cores(target.hierarchy.cores);
  t->set_g_min_us(target.device.gMinUs);
  t->set_g_max_us(target.device.gMaxUs);
  t->set_programming_sigma(target.device.programmingSigma);
  t->set_read_noise_sigma(target.device.readNoiseSigma);
  t->set_stuck_at_hrs(target.device.stuckAtHrs);
  t->set_stuck_at_lrs(target.device.stuckAtLrs);
  t->set_sense_error_rate(target.device.senseErrorRate);
  t->set_programming_sigma_us(target.device.programmingSigmaUs);
  t->set_drift_nu(target.device.driftNu);
  t->set_drift_nu_sigma(target.device.driftNuSigma);
  t->set_drift_t0_s(target.device.driftT0S);
  t->set_sense_margin_us(target.device.senseMarginUs);
  t->set_read_latency_ns(target.cost.readLatencyNs);
  t->set_adc_latency_ns(target.cost.adcLatencyNs);
  t->set_adc_energy_pj(target.cost.adcEnergyPj);
  t->set_adc_reference_bits(target.cost.adcReferenceBits);
  t->set_adc_energy_per_bit_scale(target.cost.adcEnergyPerBitScale);
  t->set_dac_energy_pj(target.cost.dacEnergyPj);
  t->set_cell_read_energy_pj(target.cost.cellReadEnergyPj);
  t->set_digital_op_energy_pj(target.cost.digitalOpEnergyPj);
  t->set_digital_op_latency_ns(target.cost.digitalOpLatencyNs);
  t->set_buffer_energy_pj_per_byte(target.cost.bufferEnergyPjPerByte);
  t->set_array_area_um2(target.cost.arrayAreaUm2);
  t->set_adc_area_um2(target.cost.adcAreaUm2);
  t->set_dac_area_um2(target.cost.dacAreaUm2);
  t->set_core_digital_area_um2(target.cost.coreDigitalAreaUm2);
  t->set_cores_per_tile(target.hierarchy.coresPerTile);
  t->set_adc_area_per_bit_scale(target.cost.adcAreaPerBitScale);
  t->set_write_energy_pj(target.cost.writeEnergyPj);
  t->set_write_latency_ns(target.cost.writeLatencyNs);
  t->set_core_static_power_mw(target.cost.coreStaticPowerMw);
  t->set_tile_area_um2(target.cost.tileAreaUm2);
  t->set_tile_static_power_mw(target.cost.tileStaticPowerMw);
  t->set_chip_area_um2(target.cost.chipAreaUm2);
  t->set_chip_static_power_mw(target.cost.chipStaticPowerMw);
}

LogicalResult Emitter::run(const std::string &modelName) {
  p.Clear();
  p.set_version(ohmrt::kProgramVersion);
  p.set_model(modelName);
  fillTarget();
  if (failed(specializeShapes()) || failed(assignBuffers()))
    return failure();
  allocateMemory();

  Block &body = fn.getBody();
  auto inputNames = fn.getAttr("input_names").dyn_cast_or_null<ArrayAttr>();
  auto outputNames = fn.getAttr("output_names").dyn_cast_or_null<ArrayAttr>();
  auto nameAt = [](ArrayAttr names, unsigned i, const char *prefix) {
    return names && i < names.size()
               ? names[i].cast<StringAttr>().getValue().str()
               : prefix + std::to_string(i);
  };
  for (unsigned i = 0; i < body.getNumArguments(); ++i) {
    Value *arg = body.getArgument(i);
    pb::Port *port = p.add_inputs();
    port->set_name(nameAt(inputNames, i, "input"));
    port->set_buffer(buf(arg));
    // The quantization of a float input, when one quantize reads it.
    if (arg->hasOneUse())
      if (auto q =
              arg->getUses().begin()->getOwner()->dyn_cast<nn::QuantizeOp>()) {
        nn::QuantParams params = nn::QuantParams::get(q.getOperation());
        if (params.isPerTensor()) {
          port->set_scale(params.getScale(0));
          port->set_zero_point(params.getZeroPoint(0));
        }
      }
  }

  for (Operation &op : body) {
    if (auto ret = op.dyn_cast<ReturnOp>()) {
      for (unsigned i = 0; i < op.getNumOperands(); ++i) {
        Value *value = op.getOperand(i);
        std::string name = nameAt(outputNames, i, "output");
        if (!buffers.count(value) || !batched.count(value)) {
          emitError(value->getLoc())
              << "output '" << name
              << "' does not depend on any input; "
                 "programs compute their outputs from their inputs";
          return failure();
        }
        // ohm-sim writes every output to a file of its own.
        std::string stem = ohmrt::getOutputFileStem(name);
        for (const pb::Port &other : p.outputs())
          if (ohmrt::getOutputFileStem(other.name()) == stem) {
            emitError(value->getLoc())
                << "outputs '" << other.name() << "' and '" << name
                << "' would both be written to " << stem
                << ".npy by ohm-sim (names differ only in '/', '\\', ':' "
                   "or control characters): rename one";
            return failure();
          }
        pb::Port *port = p.add_outputs();
        port->set_name(name);
        port->set_buffer(buf(value));
        if (Operation *def = value->getDefiningOp())
          if (def->isa<nn::DequantizeOp>() || def->isa<nn::QuantizeOp>()) {
            nn::QuantParams params = nn::QuantParams::get(def);
            if (params.isPerTensor()) {
              port->set_scale(params.getScale(0));
              port->set_zero_point(params.getZeroPoint(0));
            }
          }
      }
      continue;
    }
    if (failed(emitOp(op)))
      return failure();
  }

  std::string problem;
  if (!ohmrt::validateProgram(p, problem)) {
    emitError(fn.getLoc()) << "internal error: the backend produced a program "
                              "the runtime rejects: "
                           << problem;
    return failure();
  }
  return success();
}

} // namespace

LogicalResult backend::emitProgram(Function &fn, const target::Target &target,
                                   const std::string &modelName,
                                   pb::Program &program) {
  Emitter emitter(fn, target, program);
  return emitter.run(modelName);
}
