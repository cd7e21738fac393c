//===- XbarOps.cpp - The xb dialect ---------------------------------------===//
//
// Op infos from XbarOps.def, the two dialect types, one type rule per op
// (checked by the verifiers) and the accessors passes and the evaluator
// use. Attribute defaults (when a pass has not set them yet) describe an
// ideal read: one input cycle, one slice, all rows at once, no ADC loss.
//
//===----------------------------------------------------------------------===//

#include "ohm/Xbar/XbarOps.h"
#include "ohm/IR/Context.h"

#include "llvm/Support/raw_ostream.h"

using namespace ohm;
using namespace ohm::xb;

#define OHM_OP(CLASS, NAME, NUM_OPERANDS, NUM_RESULTS, TRAITS, SUMMARY)       \
  const OpInfo CLASS::Info = {NAME,           NUM_OPERANDS,  NUM_RESULTS,     \
                              TRAITS,         &CLASS::verify, &OpView::fold,  \
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
                           IntegerAttr::get(ctx, cols), TypeAttr::get(element)});
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
  return DialectType::get(ctx, "xb.cells",
                          {IntegerAttr::get(ctx, slices),
                           IntegerAttr::get(ctx, rows),
                           IntegerAttr::get(ctx, cols),
                           IntegerAttr::get(ctx, bits)});
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
         const std::function<InFlightDiagnostic()> &emitError) -> LogicalResult {
        auto rows = params.size() == 3 ? params[0].dyn_cast<IntegerAttr>()
                                       : IntegerAttr();
        auto cols = params.size() == 3 ? params[1].dyn_cast<IntegerAttr>()
                                       : IntegerAttr();
        auto element = params.size() == 3 ? params[2].dyn_cast<TypeAttr>()
                                          : TypeAttr();
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
         const std::function<InFlightDiagnostic()> &emitError) -> LogicalResult {
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
// Attribute helpers
//===----------------------------------------------------------------------===//

static int64_t getInt(const Operation *op, llvm::StringRef name,
                      int64_t defaultValue) {
  auto attr = op->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : defaultValue;
}

static std::vector<int64_t> getInts(const Operation *op, llvm::StringRef name,
                                    std::vector<int64_t> defaultValue) {
  auto attr = op->getAttrOfType<ArrayAttr>(name);
  std::vector<int64_t> values;
  if (!attr || !attr.getAsInts(values))
    return defaultValue;
  return values;
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + (shape[i] < 0 ? std::string("?")
                                            : std::to_string(shape[i]));
  return text + "]";
}

//===----------------------------------------------------------------------===//
// MvmOp accessors
//===----------------------------------------------------------------------===//

int64_t MvmOp::getRowOffset() const { return getInt(op, "row_offset", 0); }

std::string MvmOp::getEncoding() const {
  auto attr = op->getAttrOfType<StringAttr>("encoding");
  return attr ? attr.getValue().str() : "none";
}

bool MvmOp::isAnalogSensing() const {
  auto attr = op->getAttrOfType<StringAttr>("sensing");
  return attr && attr.getValue() == "analog";
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
  return getInt(op, "input_bits", width);
}

int64_t MvmOp::getDacBits() const {
  return getInt(op, "dac_bits", getInputBits());
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
  return getInt(op, "active_rows", getTileRows());
}

int64_t MvmOp::getGroups() const {
  int64_t a = getActiveRows();
  return (getTileRows() + a - 1) / a;
}

AdcConfig MvmOp::getAdc() const {
  AdcConfig adc;
  adc.bits = getInt(op, "adc_bits", 0);
  adc.step = getInt(op, "adc_step", 1);
  adc.offset = getInt(op, "adc_offset", 0);
  return adc;
}

std::string MvmOp::getLayerName() const {
  return xb::getLayerName(op->getLoc());
}

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

//===----------------------------------------------------------------------===//
// Type rules
//===----------------------------------------------------------------------===//

namespace {
class ErrorStream {
public:
  explicit ErrorStream(std::string &error) : os(error) {}
  template <typename T> ErrorStream &operator<<(const T &value) {
    os << value;
    return *this;
  }
  operator Type() { return Type(); }

private:
  llvm::raw_string_ostream os;
};

TensorType tensorOf(Value *value) {
  return value->getType().dyn_cast<TensorType>();
}
} // namespace

Type xb::inferResultType(Operation *op, std::string &error) {
  ErrorStream err(error);
  Context &ctx = op->getContext();
  auto i32 = IntegerType::get(ctx, 32, true);
  TensorType declared = op->getNumResults()
                            ? op->getResult(0)->getType().dyn_cast<TensorType>()
                            : TensorType();

  if (op->isa<WeightsOp>()) {
    auto value = op->getAttrOfType<DenseElementsAttr>("value");
    if (!value || value.getType().getRank() != 2 ||
        !value.getElementType().isa<IntegerType>() ||
        !value.getElementType().cast<IntegerType>().isSigned())
      return err << "needs a 'value' of signed integers of rank 2";
    auto shape = value.getType().getShape();
    return TileType::get(ctx, shape[0], shape[1],
                         value.getElementType().cast<IntegerType>());
  }

  if (op->isa<CellsOp>()) {
    auto levels = op->getAttrOfType<DenseElementsAttr>("levels");
    auto element = levels ? levels.getElementType().dyn_cast<IntegerType>()
                          : IntegerType();
    if (!levels || levels.getType().getRank() != 3 || !element ||
        element.isSigned() || element.getWidth() > 16)
      return err << "needs 'levels' of unsigned integers (at most 16 bits) "
                    "of rank 3 (slices, rows, cols)";
    auto shape = levels.getType().getShape();
    return CellsType::get(ctx, shape[0], shape[1], shape[2],
                          element.getWidth());
  }

  if (op->isa<Im2ColOp>() || op->isa<RowsOp>()) {
    TensorType x = tensorOf(op->getOperand(0));
    if (!x || !x.getElementType().isInteger())
      return err << "input must be an integer tensor";
    auto out = declared ? declared.getElementType().dyn_cast<IntegerType>()
                        : IntegerType();
    if (!out || out.isSigned())
      return err << "result must be a tensor of unsigned integers (codes)";
    if (getInt(op, "offset", 0) < 0)
      return err << "'offset' must not be negative";
    if (op->isa<RowsOp>()) {
      if (x.getRank() < 2)
        return err << "input must have rank 2 or more";
      int64_t p = 1;
      for (unsigned d = 0; d + 1 < x.getRank(); ++d)
        p = (p < 0 || x.isDynamicDim(d)) ? -1 : p * x.getDimSize(d);
      return TensorType::get({p, x.getShape().back()}, out);
    }
    if (x.getRank() != 4)
      return err << "input must be 4-D (N, C, H, W)";
    std::vector<int64_t> kernel = getInts(op, "kernel_shape", {});
    std::vector<int64_t> strides = getInts(op, "strides", {1, 1});
    std::vector<int64_t> pads = getInts(op, "pads", {0, 0, 0, 0});
    std::vector<int64_t> dilations = getInts(op, "dilations", {1, 1});
    if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 ||
        dilations.size() != 2)
      return err << "needs 2-D 'kernel_shape', 'strides', 'dilations' and 4 "
                    "'pads'";
    int64_t group = getInt(op, "group", 1), index = getInt(op, "group_index", 0);
    int64_t c = x.getDimSize(1);
    if (group < 1 || index < 0 || index >= group ||
        (c >= 0 && c % group != 0))
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
      int64_t span = in + pads[i] + pads[i + 2] - dilations[i] * (kernel[i] - 1) - 1;
      if (span < 0)
        return err << "the kernel does not fit the input";
      p *= span / strides[i] + 1;
    }
    return TensorType::get({p, (c / group) * kernel[0] * kernel[1]}, out);
  }

  if (op->isa<MvmOp>()) {
    if (op->getNumOperands() < 2 || op->getNumOperands() > 3)
      return err << "takes input rows and one or two weight operands";
    TensorType rows = tensorOf(op->getOperand(0));
    if (!rows || rows.getRank() != 2 || !rows.getElementType().isInteger() ||
        rows.getElementType().cast<IntegerType>().isSigned())
      return err << "input rows must be a 2-D tensor of unsigned codes";
    MvmOp mvm(op);
    std::string encoding = mvm.getEncoding();
    auto tile = TileType::read(op->getOperand(1)->getType());
    auto cells = CellsType::read(op->getOperand(1)->getType());
    int64_t r, c;
    if (encoding == "none") {
      if (!tile || op->getNumOperands() != 2)
        return err << "an unencoded read takes one !xb.tile";
      r = tile->rows;
      c = tile->cols;
    } else {
      bool pair = encoding == "differential" || encoding == "binary" ||
                  encoding == "ternary";
      if (!pair && encoding != "offset")
        return err << "unknown 'encoding' \"" << encoding << "\"";
      if (!cells || op->getNumOperands() != (pair ? 3u : 2u))
        return err << "a " << encoding << " read takes "
                   << (pair ? "two" : "one") << " !xb.cells";
      if (pair && op->getOperand(2)->getType() != op->getOperand(1)->getType())
        return err << "both cell sets must have the same type";
      if (encoding == "offset" && !op->getAttrOfType<IntegerAttr>("weight_offset"))
        return err << "an offset read needs 'weight_offset'";
      if ((encoding == "binary" || encoding == "ternary") &&
          (cells->bits != 1 || cells->slices != 1))
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
      if (op->getAttr(name) && getInt(op, name, 0) < 1)
        return err << "'" << name << "' must be positive";
    if (auto sensing = op->getAttrOfType<StringAttr>("sensing"))
      if (sensing.getValue() != "digital" && sensing.getValue() != "analog")
        return err << "'sensing' must be \"digital\" or \"analog\"";
    if (op->getAttr("adc_bits")) {
      AdcConfig adc = mvm.getAdc();
      if (adc.bits < 1 || adc.bits > 32 || adc.step < 1 ||
          (adc.step & (adc.step - 1)) != 0)
        return err << "ADC needs 1 to 32 bits and a power-of-two step";
    }
    return TensorType::get({rows.getDimSize(0), c}, i32);
  }

  if (op->isa<AccumulateOp>() || op->isa<ConcatColsOp>()) {
    if (op->getNumOperands() == 0)
      return err << "needs at least one operand";
    TensorType first = tensorOf(op->getOperand(0));
    if (!first || first.getRank() != 2 || first.getElementType() != Type(i32))
      return err << "operands must be 2-D i32 tensors";
    int64_t cols = 0;
    for (Value *operand : op->getOperands()) {
      TensorType t = tensorOf(operand);
      if (!t || t.getRank() != 2 || t.getElementType() != Type(i32) ||
          t.getDimSize(0) != first.getDimSize(0))
        return err << "operands must be i32 [P, C] tensors with the same P";
      if (op->isa<AccumulateOp>() && t != first)
        return err << "accumulated operands must have the same type";
      cols += t.getDimSize(1);
    }
    if (op->isa<AccumulateOp>())
      return first;
    return TensorType::get({first.getDimSize(0), cols}, i32);
  }

  if (op->isa<BiasOp>()) {
    TensorType acc = tensorOf(op->getOperand(0));
    auto bias = op->getAttrOfType<DenseElementsAttr>("bias");
    if (!acc || acc.getRank() != 2 || acc.getElementType() != Type(i32))
      return err << "input must be a 2-D i32 tensor";
    if (!bias || bias.getType().getRank() != 1 ||
        bias.getElementType() != Type(i32) ||
        bias.getNumElements() != acc.getDimSize(1))
      return err << "'bias' must be " << acc.getDimSize(1)
                 << " i32 values, one per column";
    return acc;
  }

  if (op->isa<UnrowsOp>()) {
    TensorType acc = tensorOf(op->getOperand(0));
    if (!acc || acc.getRank() != 2 || !acc.getElementType().isInteger())
      return err << "input must be a 2-D integer tensor";
    auto layout = op->getAttrOfType<StringAttr>("layout");
    std::vector<int64_t> shape = getInts(op, "shape", {});
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
        return err << "nchw output " << shapeString(shape) << " must have "
                   << n << " channels";
    } else if (shape.back() != n) {
      return err << "matrix output " << shapeString(shape) << " must end in "
                 << n << " columns";
    }
    // The -1 is inferred when the number of rows is known.
    int64_t p = acc.getDimSize(0);
    std::vector<int64_t> result;
    for (int64_t dim : shape)
      result.push_back(dim != -1 ? dim
                       : p >= 0 && known > 0 && (p * n) % known == 0
                           ? p * n / known
                           : TensorType::kDynamic);
    if (p >= 0 && ((!llvm::is_contained(shape, -1) && p * n != known) ||
                   (llvm::is_contained(shape, -1) &&
                    (known == 0 || (p * n) % known != 0))))
      return err << "cannot arrange " << p << " rows of " << n
                 << " columns as " << shapeString(shape);
    return TensorType::get(result, acc.getElementType());
  }

  return err << "has no type rule";
}

/// Declared and inferred types agree if equal, or for tensors if element
/// types and ranks match and dimensions match where both are static.
static bool isCompatible(Type declared, Type inferred) {
  if (declared == inferred)
    return true;
  auto a = declared.dyn_cast<TensorType>(), b = inferred.dyn_cast<TensorType>();
  if (!a || !b || a.getElementType() != b.getElementType() ||
      a.getRank() != b.getRank())
    return false;
  for (unsigned i = 0; i < a.getRank(); ++i)
    if (a.getDimSize(i) >= 0 && b.getDimSize(i) >= 0 &&
        a.getDimSize(i) != b.getDimSize(i))
      return false;
  return true;
}

static LogicalResult verifyByTypeRule(Operation *op) {
  std::string error;
  Type expected = inferResultType(op, error);
  if (!expected)
    return op->emitOpError() << error;
  if (!isCompatible(op->getResult(0)->getType(), expected))
    return op->emitOpError() << "result type " << op->getResult(0)->getType()
                             << " should be " << expected;
  return success();
}

LogicalResult WeightsOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult CellsOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult Im2ColOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult RowsOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult MvmOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult AccumulateOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult ConcatColsOp::verify(Operation *op) {
  return verifyByTypeRule(op);
}
LogicalResult BiasOp::verify(Operation *op) { return verifyByTypeRule(op); }
LogicalResult UnrowsOp::verify(Operation *op) { return verifyByTypeRule(op); }

WeightsOp WeightsOp::build(OpBuilder &builder, Location loc,
                           DenseElementsAttr value) {
  auto shape = value.getType().getShape();
  Type type = TileType::get(builder.getContext(), shape[0], shape[1],
                            value.getElementType().cast<IntegerType>());
  return WeightsOp(builder.create(loc, Info, {type}, {},
                                  {builder.getNamedAttr("value", value)}));
}

CellsOp CellsOp::build(OpBuilder &builder, Location loc,
                       DenseElementsAttr levels) {
  auto shape = levels.getType().getShape();
  Type type = CellsType::get(
      builder.getContext(), shape[0], shape[1], shape[2],
      levels.getElementType().cast<IntegerType>().getWidth());
  return CellsOp(builder.create(loc, Info, {type}, {},
                                {builder.getNamedAttr("levels", levels)}));
}
