//===- Backend.cpp - Scheduling xb IR onto the machine --------------------===//
//
// See Backend.h for the steps. The schedule is the function's op order:
// one instruction per op, so instruction i is op i (plus load_const for
// constants and a sync after each crossbar layer). Lifetimes are measured
// in that order. This file has the steps around the instructions (shapes,
// buffers, memory, ports, the target); Instructions.cpp emits them.
//
//===----------------------------------------------------------------------===//

#include "ohm/Backend/Backend.h"
#include "Emitter.h"
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
using namespace ohm::backend::emitter;
namespace {
/// Bytes a buffer's offset is aligned to (scaled by N it stays aligned).
constexpr uint64_t kAlignment = 8;
} // namespace

std::string emitter::typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return os.str();
}

bool emitter::getElementType(Type type, pb::ElementType &out) {
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

std::string emitter::packElements(DenseElementsAttr attr,
                                  const pb::ElementType &type) {
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

  if (failed(batchConstantOutputs()))
    return failure();
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

/// The ONNX name of input or output `i` (`prefix` and `i` without one).
static std::string nameAt(ArrayAttr names, unsigned i, const char *prefix) {
  return names && i < names.size()
             ? names[i].cast<StringAttr>().getValue().str()
             : prefix + std::to_string(i);
}

/// A graph output that is a constant is written once per inference, like
/// every output: it gets an nn.const of its own, batched (its load_const
/// repeats it for each inference of a chunk).
LogicalResult Emitter::batchConstantOutputs() {
  Block &body = fn.getBody();
  auto names = fn.getAttr("output_names").dyn_cast_or_null<ArrayAttr>();
  for (Operation &op : body) {
    if (!op.isa<ReturnOp>())
      continue;
    for (unsigned i = 0; i < op.getNumOperands(); ++i) {
      auto constOp =
          op.getOperand(i)->getDefiningOp()
              ? op.getOperand(i)->getDefiningOp()->dyn_cast<nn::ConstOp>()
              : nn::ConstOp();
      if (!constOp)
        continue;
      if (constOp.getValue().getType().getRank() == 0)
        return emitError(constOp.getLoc())
               << "output '" << nameAt(names, i, "output")
               << "' is a constant scalar; programs write every output "
                  "with a leading (batch) dimension";
      OpBuilder builder(&op);
      nn::ConstOp copy =
          nn::ConstOp::build(builder, constOp.getLoc(), constOp.getValue());
      op.setOperand(i, copy.getResult());
      batched.insert(copy.getResult());
      if (constOp.getResult()->use_empty())
        constOp.getOperation()->erase();
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

LogicalResult backend::emitProgram(Function &fn, const target::Target &target,
                                   const std::string &modelName,
                                   pb::Program &program) {
  Emitter emitter(fn, target, program);
  return emitter.run(modelName);
}
