//===- Instructions.cpp - One instruction per op --------------------------===//
//
// The backend's fourth step (Backend.h): every op of the scheduled function
// becomes its instruction -- crossbar reads (mvm with its tile, slices,
// word-line groups and ADC), the vector unit's elementwise, quantization,
// pooling and softmax instructions, and data movement -- with the buffers
// Backend.cpp assigned.
//
//===----------------------------------------------------------------------===//

#include "Emitter.h"
#include "ohm/Backend/Backend.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/NN/NNOps.h"
#include "ohm/Support/ByteSize.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>
#include <limits>

using namespace ohm;
using namespace ohm::backend;
using namespace ohm::backend::emitter;

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
    auto intType =
        resultType.cast<TensorType>().getElementType().cast<IntegerType>();
    m->set_min(getIntAttr(&op, "min", intType.getMinValue()));
    m->set_max(getIntAttr(&op, "max", intType.getMaxInt64()));
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
  if (auto activation = op.dyn_cast<nn::ActivationOp>()) {
    pb::Activation *m = add()->mutable_activation();
    m->set_src(in(0));
    m->set_dst(out());
    llvm::StringRef kind = activation.getKind();
    m->set_kind(kind == "sigmoid" ? pb::SIGMOID
                : kind == "tanh"  ? pb::TANH
                                  : pb::LEAKY_RELU);
    m->set_alpha(kind == "leaky_relu" ? activation.getAlpha() : 0.0f);
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
    constexpr int64_t kMaxConstantBytes = int64_t(1) << 30;
    pb::ElementType type;
    getElementType(constOp.getValue().getElementType(), type);
    std::optional<int64_t> bytes = checked::byteSize(
        constOp.getValue().getNumElements(),
        std::max(ohmrt::getStorageBytes(type.dtype()), 1u), kMaxConstantBytes);
    std::optional<int64_t> total =
        bytes ? checked::add(constantBytes, *bytes) : std::nullopt;
    if (!total || *total > kMaxConstantBytes)
      return op.emitError()
             << "the program's constants would take "
             << (bytes ? formatByteSize(uint64_t(*total))
                       : std::string("more than ") +
                             formatByteSize(uint64_t(kMaxConstantBytes)))
             << " with this one; a program holds at most "
             << formatByteSize(uint64_t(kMaxConstantBytes)) << " of constants";
    constantBytes = *total;
    pb::LoadConst *m = add()->mutable_load_const();
    m->set_constant(addConstant(constOp.getValue()));
    m->set_dst(buf(op.getResult(0)));
    return success();
  }
  for (auto emit : {&Emitter::emitCrossbarOp, &Emitter::emitVectorOp,
                    &Emitter::emitDataMovementOp})
    if (llvm::Optional<LogicalResult> result = (this->*emit)(op))
      return *result;
  if (failed(verifyProductMapped(op)))
    return failure();
  return op.emitError() << "the backend cannot emit " << op.getName();
}

LogicalResult backend::verifyProductMapped(Operation &op) {
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
  return success();
}

LogicalResult backend::verifyProductsMapped(Function &fn) {
  bool ok = true;
  for (Operation &op : fn.getBody())
    ok &= succeeded(verifyProductMapped(op));
  return success(ok);
}
