//===- XbarOps.h - The xb dialect -------------------------------*- C++ -*-===//
//
// The crossbar level. A quantized accumulate (nn.qconv, nn.qmatmul) becomes
// input rows of unsigned codes (xb.im2col / xb.rows), one xb.mvm per weight
// tile, digital accumulation of row tiles and joining of column blocks,
// a per-column correction (xb.bias) and the way back to the layer's layout
// (xb.unrows). The xb.mvm's weight operand starts as an !xb.tile of signed
// weights and, after encoding, is one or two !xb.cells of programmed
// levels; its attributes say how the read is performed (encoding, input
// bit-cycles, slices, word-line groups, ADC, placement). Attributes not yet
// set by a pass mean "ideal": the read is then exact. docs/Passes.md gives
// the full semantics.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_XBAR_XBAROPS_H
#define OHM_XBAR_XBAROPS_H

#include "ohm/IR/Builder.h"
#include "ohm/IR/OpAttributes.h"
#include "ohm/IR/OpDefinition.h"
#include "ohm/IR/Operation.h"
#include "ohm/Target/Vocabulary.h"

#include "llvm/ADT/Optional.h"

#include <string>

namespace ohm {
namespace xb {

/// Registers every xb op and type with `ctx`.
void registerXbarDialect(Context &ctx);

/// `!xb.tile<R, C, iN>`: R x C signed weights of type iN.
struct TileType {
  int64_t rows, cols;
  IntegerType element;
  static Type get(Context &ctx, int64_t rows, int64_t cols,
                  IntegerType element);
  static llvm::Optional<TileType> read(Type type);
};

/// `!xb.cells<S, R, C, B>`: S slices of R x C cells of B-bit levels.
struct CellsType {
  int64_t slices, rows, cols, bits;
  static Type get(Context &ctx, int64_t slices, int64_t rows, int64_t cols,
                  int64_t bits);
  static llvm::Optional<CellsType> read(Type type);
};

/// How an xb.mvm converts partial sums: b bits, step 2^stepLog2, offset lo.
struct AdcConfig {
  int64_t bits = 0; // 0: ideal (no conversion loss)
  int64_t step = 1;
  int64_t offset = 0;
  bool isIdeal() const { return bits == 0; }
  /// The converted partial sum (DESIGN.md section 5):
  /// lo + step * clamp(floor((p - lo) / step + 1/2), 0, 2^bits - 1).
  int64_t convert(int64_t p) const;
};

#define OHM_XB_OP_COMMON(CLASS)                                                \
  using OpView::OpView;                                                        \
  static const OpInfo Info;                                                    \
  static bool classof(const Operation *op) { return &op->getInfo() == &Info; }

/// `%t = xb.weights() {value = dense<...> : tensor<RxCxiN>} : () -> !xb.tile<R,
/// C, iN>`
class WeightsOp : public OpView {
public:
  OHM_XB_OP_COMMON(WeightsOp)
  static Type inferType(Operation *op, ErrorStream &err);
  static WeightsOp build(OpBuilder &builder, Location loc,
                         DenseElementsAttr value);
  DenseElementsAttr getValue() const {
    return op->getAttrOfType<DenseElementsAttr>("value");
  }
};

/// `%c = xb.cells() {levels = dense<...> : tensor<SxRxCxuB>} : () ->
/// !xb.cells<S, R, C, B>`
class CellsOp : public OpView {
public:
  OHM_XB_OP_COMMON(CellsOp)
  static Type inferType(Operation *op, ErrorStream &err);
  static CellsOp build(OpBuilder &builder, Location loc,
                       DenseElementsAttr levels);
  DenseElementsAttr getLevels() const {
    return op->getAttrOfType<DenseElementsAttr>("levels");
  }
};

/// `%r = xb.im2col(%x) {kernel_shape, strides, pads, dilations, group = 1,
///   group_index = 0, pad_value = x_zp, offset = 0} : (tensor<NxCxHxWxu8>) ->
///   tensor<?xKxu8>`
///
/// Row p = (n, oh, ow) holds, for k = (c, ky, kx) over the group's input
/// channels, x[n, c, ...] + offset, or pad_value + offset outside the image.
class Im2ColOp : public OpView {
public:
  OHM_XB_OP_COMMON(Im2ColOp)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%r = xb.rows(%a) {offset = 128} : (tensor<..xMxKxi8>) -> tensor<?xKxu8>`
class RowsOp : public OpView {
public:
  OHM_XB_OP_COMMON(RowsOp)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%p = xb.mvm(%rows, %weights...) {row_offset = 0, ...} : (tensor<PxKxuB>,
/// ...) -> tensor<PxCxi32>`
///
/// For every input row p and tile column n, the tile's contribution
///   sum_{k < R} rows[p, row_offset + k] * w[k, n]
/// computed as the crossbar does (docs/Passes.md, "xb.mvm semantics").
class MvmOp : public OpView {
public:
  OHM_XB_OP_COMMON(MvmOp)
  static Type inferType(Operation *op, ErrorStream &err);
  Value *getRows() const { return op->getOperand(0); }
  int64_t getRowOffset() const;
  /// The weights' encoding, or None for an unencoded read (an !xb.tile
  /// operand, before xb-encode).
  llvm::Optional<target::Encoding> getEncoding() const;
  bool isEncoded() const { return getEncoding().hasValue(); }
  /// Where differential pairs subtract (digital unless `sensing` says).
  target::Sensing getSensing() const;
  bool isAnalogSensing() const {
    return getSensing() == target::Sensing::Analog;
  }
  /// Tile geometry from the weight operand(s).
  int64_t getTileRows() const;
  int64_t getTileCols() const;
  int64_t getInputBits() const;
  int64_t getDacBits() const;
  int64_t getCycles() const; // ceil(input bits / DAC bits)
  int64_t getSlices() const;
  int64_t getCellBits() const;
  int64_t getActiveRows() const;
  int64_t getGroups() const; // ceil(tile rows / active rows)
  AdcConfig getAdc() const;
  /// The layer name (the op's location name) for reports and tables.
  std::string getLayerName() const;
};

/// `%s = xb.accumulate(%a, %b, ...)`: elementwise i32 sum.
class AccumulateOp : public OpView {
public:
  OHM_XB_OP_COMMON(AccumulateOp)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%s = xb.concat_cols(%a, %b, ...)`: [P, C1] ++ [P, C2] -> [P, C1 + C2].
class ConcatColsOp : public OpView {
public:
  OHM_XB_OP_COMMON(ConcatColsOp)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%s = xb.bias(%acc) {bias = dense<...> : tensor<Nxi32>}`: acc[p, n] +
/// bias[n].
class BiasOp : public OpView {
public:
  OHM_XB_OP_COMMON(BiasOp)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%y = xb.unrows(%acc) {layout = "nchw", shape = [-1, M, OH, OW]}`
/// (rows p = (n, oh, ow) to [N, M, OH, OW]) or `layout = "matrix"`
/// (a reshape [P, N] -> shape).
class UnrowsOp : public OpView {
public:
  OHM_XB_OP_COMMON(UnrowsOp)
  static Type inferType(Operation *op, ErrorStream &err);
};

#undef OHM_XB_OP_COMMON

/// The layer an op belongs to: the name in its location (an ONNX node
/// name), else file:line, else "<unnamed>".
std::string getLayerName(Location loc);

/// Unsigned bits needed for values 0..maxValue (at least 1).
int64_t bitsFor(uint64_t maxValue);

} // namespace xb
} // namespace ohm

#endif // OHM_XBAR_XBAROPS_H
