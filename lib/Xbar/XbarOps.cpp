//===- XbarOps.cpp - The xb dialect ---------------------------------------===//
//
// Op infos from XbarOps.def, the two dialect types, and per op its type
// rule (`inferType`, which the verifier runs), builders and the accessors
// passes and the evaluator use. Attribute defaults (when a pass has not set
// them yet) describe an ideal read: one input cycle, one slice, all rows at
// once, no ADC loss.
//
//===----------------------------------------------------------------------===//

#include "ohm/Xbar/XbarOps.h"
#include "ohm/IR/Context.h"

using namespace ohm;
using namespace ohm::xb;

#define OHM_OP(CLASS, NAME, NUM_OPERANDS, NUM_RESULTS, TRAITS, SUMMARY)        \
  const OpInfo CLASS::Info = {NAME,   NUM_OPERANDS,      NUM_RESULTS,          \
                              TRAITS, &CLASS::inferType, &CLASS::verify,       \
                              SUMMARY};
#include "ohm/Xbar/XbarOps.def"

int64_t xb::bitsFor(uint64_t maxValue) {
  int64_t bits = 1;
  while (bits < 64 && (uint64_t(1) << bits) <= maxValue)
    ++bits;
  return bits;
}

int64_t AdcConfig::convert(int64_t p) const {
  if (isIdeal())
    return p;
  // floor((p - lo) / step + 1/2) = floor((2 (p - lo) + step) / (2 step)).
  __int128 numerator = 2 * (__int128(p) - offset) + step;
  __int128 denominator = 2 * __int128(step);
  __int128 q = numerator >= 0 ? numerator / denominator
                              : -((-numerator + denominator - 1) / denominator);
  __int128 maxCode = (__int128(1) << bits) - 1;
  if (q < 0)
    q = 0;
  if (q > maxCode)
    q = maxCode;
  return int64_t(offset + q * step);
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

Type TileType::get(Context &ctx, int64_t rows, int64_t cols,
                   IntegerType element) {
  return DialectType::get(ctx, "xb.tile",
                          {IntegerAttr::get(ctx, rows),
                           IntegerAttr::get(ctx, cols),
                           TypeAttr::get(element)});
}

llvm::Optional<TileType> TileType::read(Type type) {
  auto dialect = type.dyn_cast_or_null<DialectType>();
  if (!dialect || dialect.getName() != "xb.tile" ||
      dialect.getParams().size() != 3)
    return llvm::None;
  auto params = dialect.getParams();
  auto rows = params[0].dyn_cast<IntegerAttr>();
  auto cols = params[1].dyn_cast<IntegerAttr>();
  auto element = params[2].dyn_cast<TypeAttr>();
  if (!rows || !cols || !element || !element.getValue().isa<IntegerType>())
    return llvm::None;
  return TileType{rows.getInt(), cols.getInt(),
                  element.getValue().cast<IntegerType>()};
}

Type CellsType::get(Context &ctx, int64_t slices, int64_t rows, int64_t cols,
                    int64_t bits) {
  return DialectType::get(
      ctx, "xb.cells",
      {IntegerAttr::get(ctx, slices), IntegerAttr::get(ctx, rows),
       IntegerAttr::get(ctx, cols), IntegerAttr::get(ctx, bits)});
}

llvm::Optional<CellsType> CellsType::read(Type type) {
  auto dialect = type.dyn_cast_or_null<DialectType>();
  if (!dialect || dialect.getName() != "xb.cells" ||
      dialect.getParams().size() != 4)
    return llvm::None;
  int64_t values[4];
  for (unsigned i = 0; i < 4; ++i) {
    auto attr = dialect.getParams()[i].dyn_cast<IntegerAttr>();
    if (!attr)
      return llvm::None;
    values[i] = attr.getInt();
  }
  return CellsType{values[0], values[1], values[2], values[3]};
}

void xb::registerXbarDialect(Context &ctx) {
#define OHM_OP(CLASS, ...) ctx.registerOp(CLASS::Info);
#include "ohm/Xbar/XbarOps.def"
  ctx.registerDialectType(
      "xb.tile",
      [](llvm::ArrayRef<Attribute> params,
         const std::function<InFlightDiagnostic()> &emitError)
          -> LogicalResult {
        auto rows = params.size() == 3 ? params[0].dyn_cast<IntegerAttr>()
                                       : IntegerAttr();
        auto cols = params.size() == 3 ? params[1].dyn_cast<IntegerAttr>()
                                       : IntegerAttr();
        auto element =
            params.size() == 3 ? params[2].dyn_cast<TypeAttr>() : TypeAttr();
        if (!rows || !cols || !element || rows.getInt() < 1 ||
            cols.getInt() < 1 || !element.getValue().isa<IntegerType>() ||
            !element.getValue().cast<IntegerType>().isSigned())
          return emitError() << "!xb.tile takes <rows, cols, signed integer "
                                "type> with positive sizes";
        return success();
      });
  ctx.registerDialectType(
      "xb.cells",
      [](llvm::ArrayRef<Attribute> params,
         const std::function<InFlightDiagnostic()> &emitError)
          -> LogicalResult {
        bool ok = params.size() == 4;
        for (unsigned i = 0; ok && i < 4; ++i) {
          auto attr = params[i].dyn_cast<IntegerAttr>();
          ok = attr && attr.getInt() >= 1 && (i != 3 || attr.getInt() <= 16);
        }
        if (!ok)
          return emitError() << "!xb.cells takes <slices, rows, cols, bits> "
                                "with positive sizes and 1 to 16 bits";
        return success();
      });
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static TensorType tensorOf(Value *value) {
  return value->getType().dyn_cast<TensorType>();
}

/// `[2, ?, 3]`, for messages (a negative size prints as `?`).
static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") +
            (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return text + "]";
}

static IntegerType getI32(Operation *op) {
  return IntegerType::get(op->getContext(), 32, true);
}

//===----------------------------------------------------------------------===//
// xb.weights, xb.cells
//===----------------------------------------------------------------------===//

Type WeightsOp::inferType(Operation *op, ErrorStream &err) {
  auto value = op->getAttrOfType<DenseElementsAttr>("value");
  if (!value || value.getType().getRank() != 2 ||
      !value.getElementType().isa<IntegerType>() ||
      !value.getElementType().cast<IntegerType>().isSigned())
    return err << "needs a 'value' of signed integers of rank 2";
  auto shape = value.getType().getShape();
  return TileType::get(op->getContext(), shape[0], shape[1],
                       value.getElementType().cast<IntegerType>());
}

WeightsOp WeightsOp::build(OpBuilder &builder, Location loc,
                           DenseElementsAttr value) {
  auto shape = value.getType().getShape();
  Type type = TileType::get(builder.getContext(), shape[0], shape[1],
                            value.getElementType().cast<IntegerType>());
  return WeightsOp(builder.create(loc, Info, {type}, {},
                                  {builder.getNamedAttr("value", value)}));
}

Type CellsOp::inferType(Operation *op, ErrorStream &err) {
  auto levels = op->getAttrOfType<DenseElementsAttr>("levels");
  auto element =
      levels ? levels.getElementType().dyn_cast<IntegerType>() : IntegerType();
  if (!levels || levels.getType().getRank() != 3 || !element ||
      element.isSigned() || element.getWidth() > 16)
    return err << "needs 'levels' of unsigned integers (at most 16 bits) "
                  "of rank 3 (slices, rows, cols)";
  auto shape = levels.getType().getShape();
  return CellsType::get(op->getContext(), shape[0], shape[1], shape[2],
                        element.getWidth());
}

CellsOp CellsOp::build(OpBuilder &builder, Location loc,
                       DenseElementsAttr levels) {
  auto shape = levels.getType().getShape();
  Type type =
      CellsType::get(builder.getContext(), shape[0], shape[1], shape[2],
                     levels.getElementType().cast<IntegerType>().getWidth());
  return CellsOp(builder.create(loc, Info, {type}, {},
                                {builder.getNamedAttr("levels", levels)}));
}

//===----------------------------------------------------------------------===//
// xb.im2col, xb.rows
//===----------------------------------------------------------------------===//

/// What xb.im2col and xb.rows share: an integer input, rows of unsigned
/// codes (the declared element type) and a non-negative `offset`. Returns
/// the code type, or null.
static Type inferCodeType(Operation *op, ErrorStream &err) {
  TensorType x = tensorOf(op->getOperand(0));
  if (!x || !x.getElementType().isInteger())
    return err << "input must be an integer tensor";
  TensorType declared =
      op->getNumResults() ? tensorOf(op->getResult(0)) : TensorType();
  auto out = declared ? declared.getElementType().dyn_cast<IntegerType>()
                      : IntegerType();
  if (!out || out.isSigned())
    return err << "result must be a tensor of unsigned integers (codes)";
  if (getIntAttr(op, "offset", 0) < 0)
    return err << "'offset' must not be negative";
  return out;
}

Type Im2ColOp::inferType(Operation *op, ErrorStream &err) {
  Type out = inferCodeType(op, err);
  if (!out)
    return Type();
  TensorType x = tensorOf(op->getOperand(0));
  if (x.getRank() != 4)
    return err << "input must be 4-D (N, C, H, W)";
  std::vector<int64_t> kernel = getIntArrayAttr(op, "kernel_shape", {});
  std::vector<int64_t> strides = getIntArrayAttr(op, "strides", {1, 1});
  std::vector<int64_t> pads = getIntArrayAttr(op, "pads", {0, 0, 0, 0});
  std::vector<int64_t> dilations = getIntArrayAttr(op, "dilations", {1, 1});
  if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 ||
      dilations.size() != 2)
    return err << "needs 2-D 'kernel_shape', 'strides', 'dilations' and 4 "
                  "'pads'";
  int64_t group = getIntAttr(op, "group", 1);
  int64_t index = getIntAttr(op, "group_index", 0);
  int64_t c = x.getDimSize(1);
  if (group < 1 || index < 0 || index >= group || (c >= 0 && c % group != 0))
    return err << "'group_index' " << index << " / 'group' " << group
               << " do not divide " << c << " channels";
  if (c < 0)
    return err << "the channel count must be static";
  int64_t p = x.getDimSize(0);
  for (unsigned i = 0; i < 2; ++i) {
    int64_t in = x.getDimSize(2 + i);
    if (in < 0 || p < 0) {
      p = -1;
      continue;
    }
    int64_t span =
        in + pads[i] + pads[i + 2] - dilations[i] * (kernel[i] - 1) - 1;
    if (span < 0)
      return err << "the kernel does not fit the input";
    p *= span / strides[i] + 1;
  }
  return TensorType::get({p, (c / group) * kernel[0] * kernel[1]}, out);
}

Type RowsOp::inferType(Operation *op, ErrorStream &err) {
  Type out = inferCodeType(op, err);
  if (!out)
    return Type();
  TensorType x = tensorOf(op->getOperand(0));
  if (x.getRank() < 2)
    return err << "input must have rank 2 or more";
  int64_t p = 1;
  for (unsigned d = 0; d + 1 < x.getRank(); ++d)
    p = (p < 0 || x.isDynamicDim(d)) ? -1 : p * x.getDimSize(d);
  return TensorType::get({p, x.getShape().back()}, out);
}

//===----------------------------------------------------------------------===//
// xb.mvm
//===----------------------------------------------------------------------===//

int64_t MvmOp::getRowOffset() const { return getIntAttr(op, "row_offset", 0); }

llvm::Optional<target::Encoding> MvmOp::getEncoding() const {
  auto attr = op->getAttrOfType<StringAttr>("encoding");
  return attr ? target::parseEncoding(attr.getValue()) : llvm::None;
}

target::Sensing MvmOp::getSensing() const {
  auto attr = op->getAttrOfType<StringAttr>("sensing");
  llvm::Optional<target::Sensing> sensing =
      attr ? target::parseSensing(attr.getValue()) : llvm::None;
  return sensing.getValueOr(target::Sensing::Digital);
}

int64_t MvmOp::getTileRows() const {
  Type type = op->getOperand(1)->getType();
  if (auto tile = TileType::read(type))
    return tile->rows;
  return CellsType::read(type)->rows;
}

int64_t MvmOp::getTileCols() const {
  Type type = op->getOperand(1)->getType();
  if (auto tile = TileType::read(type))
    return tile->cols;
  return CellsType::read(type)->cols;
}

int64_t MvmOp::getInputBits() const {
  auto rows = op->getOperand(0)->getType().cast<TensorType>();
  int64_t width = rows.getElementType().cast<IntegerType>().getWidth();
  return getIntAttr(op, "input_bits", width);
}

int64_t MvmOp::getDacBits() const {
  return getIntAttr(op, "dac_bits", getInputBits());
}

int64_t MvmOp::getCycles() const {
  int64_t d = getDacBits();
  return (getInputBits() + d - 1) / d;
}

int64_t MvmOp::getSlices() const {
  auto cells = CellsType::read(op->getOperand(1)->getType());
  return cells ? cells->slices : 1;
}

int64_t MvmOp::getCellBits() const {
  auto cells = CellsType::read(op->getOperand(1)->getType());
  return cells ? cells->bits : 0;
}

int64_t MvmOp::getActiveRows() const {
  return getIntAttr(op, "active_rows", getTileRows());
}

int64_t MvmOp::getGroups() const {
  int64_t a = getActiveRows();
  return (getTileRows() + a - 1) / a;
}

AdcConfig MvmOp::getAdc() const {
  AdcConfig adc;
  adc.bits = getIntAttr(op, "adc_bits", 0);
  adc.step = getIntAttr(op, "adc_step", 1);
  adc.offset = getIntAttr(op, "adc_offset", 0);
  return adc;
}

std::string MvmOp::getLayerName() const {
  return xb::getLayerName(op->getLoc());
}

Type MvmOp::inferType(Operation *op, ErrorStream &err) {
  if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
    return err << "takes input rows and one or two weight operands";
  TensorType rows = tensorOf(op->getOperand(0));
  if (!rows || rows.getRank() != 2 || !rows.getElementType().isInteger() ||
      rows.getElementType().cast<IntegerType>().isSigned())
    return err << "input rows must be a 2-D tensor of unsigned codes";
  MvmOp mvm(op);
  auto encodingAttr = op->getAttrOfType<StringAttr>("encoding");
  if (encodingAttr && !mvm.getEncoding())
    return err << "unknown 'encoding' \"" << encodingAttr.getValue() << "\"";
  auto tile = TileType::read(op->getOperand(1)->getType());
  auto cells = CellsType::read(op->getOperand(1)->getType());
  int64_t r, c;
  if (!encodingAttr) {
    if (!tile || op->getNumOperands() != 2)
      return err << "an unencoded read takes one !xb.tile";
    r = tile->rows;
    c = tile->cols;
  } else {
    target::Encoding encoding = *mvm.getEncoding();
    bool pair = target::isPaired(encoding);
    if (!cells || op->getNumOperands() != (pair ? 3u : 2u))
      return err << "a " << target::getEncodingName(encoding) << " read takes "
                 << (pair ? "two" : "one") << " !xb.cells";
    if (pair && op->getOperand(2)->getType() != op->getOperand(1)->getType())
      return err << "both cell sets must have the same type";
    if (encoding == target::Encoding::Offset &&
        !op->getAttrOfType<IntegerAttr>("weight_offset"))
      return err << "an offset read needs 'weight_offset'";
    if (target::isSensed(encoding) && (cells->bits != 1 || cells->slices != 1))
      return err << "binary and ternary reads use 1-bit, single-slice cells";
    r = cells->rows;
    c = cells->cols;
  }
  int64_t offset = mvm.getRowOffset();
  if (offset < 0 ||
      (rows.getDimSize(1) >= 0 && offset + r > rows.getDimSize(1)))
    return err << "rows [" << offset << ", " << offset + r
               << ") are outside the " << rows.getDimSize(1)
               << " input columns";
  for (const char *name : {"input_bits", "dac_bits", "active_rows"})
    if (op->getAttr(name) && getIntAttr(op, name, 0) < 1)
      return err << "'" << name << "' must be positive";
  if (Attribute sensing = op->getAttr("sensing")) {
    auto name = sensing.dyn_cast<StringAttr>();
    if (!name || !target::parseSensing(name.getValue()))
      return err << "'sensing' must be \"digital\" or \"analog\"";
  }
  if (op->getAttr("adc_bits")) {
    AdcConfig adc = mvm.getAdc();
    if (adc.bits < 1 || adc.bits > 32 || adc.step < 1 ||
        (adc.step & (adc.step - 1)) != 0)
      return err << "ADC needs 1 to 32 bits and a power-of-two step";
  }
  return TensorType::get({rows.getDimSize(0), c}, getI32(op));
}

//===----------------------------------------------------------------------===//
// xb.accumulate, xb.concat_cols
//===----------------------------------------------------------------------===//

/// What xb.accumulate and xb.concat_cols share: at least one operand, all
/// i32 [P, C] tensors with the same P (and, with `sameType`, the same C).
static LogicalResult checkPartialSums(Operation *op, bool sameType,
                                      ErrorStream &err) {
  if (op->getNumOperands() == 0)
    return err << "needs at least one operand";
  Type i32 = getI32(op);
  TensorType first = tensorOf(op->getOperand(0));
  if (!first || first.getRank() != 2 || first.getElementType() != i32)
    return err << "operands must be 2-D i32 tensors";
  for (Value *operand : op->getOperands()) {
    TensorType t = tensorOf(operand);
    if (!t || t.getRank() != 2 || t.getElementType() != i32 ||
        t.getDimSize(0) != first.getDimSize(0))
      return err << "operands must be i32 [P, C] tensors with the same P";
    if (sameType && t != first)
      return err << "accumulated operands must have the same type";
  }
  return success();
}

Type AccumulateOp::inferType(Operation *op, ErrorStream &err) {
  if (failed(checkPartialSums(op, /*sameType=*/true, err)))
    return Type();
  return tensorOf(op->getOperand(0));
}

Type ConcatColsOp::inferType(Operation *op, ErrorStream &err) {
  if (failed(checkPartialSums(op, /*sameType=*/false, err)))
    return Type();
  int64_t cols = 0;
  for (Value *operand : op->getOperands())
    cols += tensorOf(operand).getDimSize(1);
  return TensorType::get({tensorOf(op->getOperand(0)).getDimSize(0), cols},
                         getI32(op));
}

//===----------------------------------------------------------------------===//
// xb.bias, xb.unrows
//===----------------------------------------------------------------------===//

Type BiasOp::inferType(Operation *op, ErrorStream &err) {
  TensorType acc = tensorOf(op->getOperand(0));
  auto bias = op->getAttrOfType<DenseElementsAttr>("bias");
  Type i32 = getI32(op);
  if (!acc || acc.getRank() != 2 || acc.getElementType() != i32)
    return err << "input must be a 2-D i32 tensor";
  if (!bias || bias.getType().getRank() != 1 || bias.getElementType() != i32 ||
      bias.getNumElements() != acc.getDimSize(1))
    return err << "'bias' must be " << acc.getDimSize(1)
               << " i32 values, one per column";
  return acc;
}

Type UnrowsOp::inferType(Operation *op, ErrorStream &err) {
  TensorType acc = tensorOf(op->getOperand(0));
  if (!acc || acc.getRank() != 2 || !acc.getElementType().isInteger())
    return err << "input must be a 2-D integer tensor";
  auto layout = op->getAttrOfType<StringAttr>("layout");
  std::vector<int64_t> shape = getIntArrayAttr(op, "shape", {});
  if (!layout || (layout.getValue() != "nchw" && layout.getValue() != "matrix"))
    return err << "'layout' must be \"nchw\" or \"matrix\"";
  if (shape.empty() || llvm::count(shape, -1) > 1)
    return err << "'shape' must be given, with at most one -1";
  int64_t known = 1;
  for (int64_t dim : shape)
    if (dim != -1)
      known *= dim;
  int64_t n = acc.getDimSize(1);
  if (layout.getValue() == "nchw") {
    if (shape.size() != 4 || shape[1] != n)
      return err << "nchw output " << shapeString(shape) << " must have " << n
                 << " channels";
  } else if (shape.back() != n) {
    return err << "matrix output " << shapeString(shape) << " must end in " << n
               << " columns";
  }
  // The -1 is inferred when the number of rows is known.
  int64_t p = acc.getDimSize(0);
  std::vector<int64_t> result;
  for (int64_t dim : shape)
    result.push_back(dim != -1 ? dim
                     : p >= 0 && known > 0 && (p * n) % known == 0
                         ? p * n / known
                         : TensorType::kDynamic);
  if (p >= 0 &&
      ((!llvm::is_contained(shape, -1) && p * n != known) ||
       (llvm::is_contained(shape, -1) && (known == 0 || (p * n) % known != 0))))
    return err << "cannot arrange " << p << " rows of " << n << " columns as "
               << shapeString(shape);
  return TensorType::get(result, acc.getElementType());
}

//===----------------------------------------------------------------------===//
// Layer names
//===----------------------------------------------------------------------===//

std::string xb::getLayerName(Location loc) {
  if (auto fused = loc.dyn_cast<FusedLoc>())
    for (Location inner : fused.getLocations())
      if (auto name = inner.dyn_cast<NameLoc>())
        return name.getName().str();
  if (auto name = loc.dyn_cast<NameLoc>())
    return name.getName().str();
  if (auto file = loc.findFileLineCol())
    return (file->getFile() + ":" + llvm::Twine(file->getLine())).str();
  return "<unnamed>";
}
