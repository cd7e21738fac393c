//===- NNOps.h - The nn dialect ---------------------------------*- C++ -*-===//
//
// The `nn` dialect is the quantized tensor graph: close to ONNX, but
// normalized (docs/IR.md, DESIGN.md section 2). Every quantized linear op is
// an integer accumulate (nn.qconv, nn.qmatmul: exact i32) followed by
// nn.requantize. Ops are declared in NNOps.def; this header gives each a
// typed view with accessors, builders and its type rule (`inferType`, see
// OpInfo), which checks the operands and attributes and computes the result
// type for the verifier, the importer and the backend. The rules live in
// lib/NN by family: NNOps.cpp (constants and elementwise),
// NNOpsQuantized.cpp, NNOpsCompute.cpp (convolutions, products, pooling,
// normalization) and NNOpsDataMovement.cpp. Every operand of an nn op must
// be a tensor; that is checked once, before the rule runs.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_NN_NNOPS_H
#define OHM_NN_NNOPS_H

#include "ohm/IR/Builder.h"
#include "ohm/IR/OpAttributes.h"
#include "ohm/IR/OpDefinition.h"
#include "ohm/IR/Operation.h"

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace ohm {
namespace nn {

/// Registers every nn op with `ctx`.
void registerNNDialect(Context &ctx);

using Shape = llvm::SmallVector<int64_t, 4>;

using ohm::Window; // TEMPORARY-ALIAS

/// The numpy broadcast of two shapes, or None if they are incompatible.
/// A dynamic dimension broadcast with 1 stays dynamic; with n it becomes n.
llvm::Optional<Shape> getBroadcastShape(llvm::ArrayRef<int64_t> lhs,
                                        llvm::ArrayRef<int64_t> rhs);

#define OHM_NN_OP_COMMON(CLASS, BASE)                                          \
  using BASE::BASE;                                                            \
  static const OpInfo Info;                                                    \
  static bool classof(const Operation *op) { return &op->getInfo() == &Info; }

//===----------------------------------------------------------------------===//
// Constants and elementwise ops
//===----------------------------------------------------------------------===//

/// `%c = nn.const() {value = dense<...> : T} : () -> T`
class ConstOp : public OpView {
public:
  OHM_NN_OP_COMMON(ConstOp, OpView)
  static ConstOp build(OpBuilder &builder, Location loc,
                       DenseElementsAttr value);
  DenseElementsAttr getValue() const {
    return op->getAttrOfType<DenseElementsAttr>("value");
  }
  Value *getResult() const { return op->getResult(0); }
  static Type inferType(Operation *op, ErrorStream &err);
  /// The value of the nn.const that defines `value`, or null if `value` is
  /// null or not an nn.const's result.
  static DenseElementsAttr getValueOf(Value *value) {
    Operation *def = value ? value->getDefiningOp() : nullptr;
    auto constant = def ? def->dyn_cast<ConstOp>() : ConstOp();
    return constant ? constant.getValue() : DenseElementsAttr();
  }
};

/// Shared by the binary elementwise ops: same element type, broadcast shape.
class ElementwiseBinaryOp : public OpView {
public:
  using OpView::OpView;
  Value *getLhs() const { return op->getOperand(0); }
  Value *getRhs() const { return op->getOperand(1); }
  Value *getResult() const { return op->getResult(0); }
  /// Same element type; the shapes broadcast.
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%z = nn.add(%x, %y) : (T1, T2) -> T3`
class AddOp : public ElementwiseBinaryOp {
public:
  OHM_NN_OP_COMMON(AddOp, ElementwiseBinaryOp)
  static AddOp build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs);
};

/// `%z = nn.mul(%x, %y) : (T1, T2) -> T3`
class MulOp : public ElementwiseBinaryOp {
public:
  OHM_NN_OP_COMMON(MulOp, ElementwiseBinaryOp)
  static MulOp build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs);
};

/// `%y = nn.relu(%x) : (T) -> T`
class ReluOp : public OpView {
public:
  OHM_NN_OP_COMMON(ReluOp, OpView)
  static ReluOp build(OpBuilder &builder, Location loc, Value *input);
  Value *getInput() const { return op->getOperand(0); }
  Value *getResult() const { return op->getResult(0); }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%y = nn.clip(%x) {min = 0, max = 6} : (T) -> T`. The bounds have the
/// element type (IntegerAttr for integers, FloatAttr for floats); either may
/// be absent.
class ClipOp : public OpView {
public:
  OHM_NN_OP_COMMON(ClipOp, OpView)
  static ClipOp build(OpBuilder &builder, Location loc, Value *input,
                      Attribute min, Attribute max);
  Value *getInput() const { return op->getOperand(0); }
  Attribute getMin() const { return op->getAttr("min"); }
  Attribute getMax() const { return op->getAttr("max"); }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%y = nn.cast(%x) : (tensor<4xf32>) -> tensor<4xi8>`: ONNX Cast
/// (float to integer truncates toward zero, integers wrap, to i1 is x != 0).
class CastOp : public OpView {
public:
  OHM_NN_OP_COMMON(CastOp, OpView)
  static CastOp build(OpBuilder &builder, Location loc, Value *input,
                      Type elementType);
  Value *getInput() const { return op->getOperand(0); }
  static Type inferType(Operation *op, ErrorStream &err);
};

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// Scale and zero point of a quantize/dequantize: per tensor (one value
/// each) or per channel along `axis`.
struct QuantParams {
  std::vector<float> scales;
  std::vector<int64_t> zeroPoints;
  int64_t axis = 1;
  bool isPerTensor() const {
    return scales.size() == 1 && zeroPoints.size() <= 1;
  }
  float getScale(int64_t channel) const {
    return scales.size() == 1 ? scales[0] : scales[channel];
  }
  int64_t getZeroPoint(int64_t channel) const {
    if (zeroPoints.empty())
      return 0;
    return zeroPoints.size() == 1 ? zeroPoints[0] : zeroPoints[channel];
  }
  /// Reads `scale`, `zp` and `axis` from an op.
  static QuantParams get(Operation *op);
};

/// `%q = nn.quantize(%x) {scale = 0.1 : f32, zp = 3} : (tensor<..xf32>) ->
/// tensor<..xu8>` Per-channel: `scale = dense<[...]> : tensor<Cxf32>`, `zp` the
/// same way, `axis` (default 1).
class QuantizeOp : public OpView {
public:
  OHM_NN_OP_COMMON(QuantizeOp, OpView)
  static QuantizeOp build(OpBuilder &builder, Location loc, Value *input,
                          TensorType resultType, Attribute scale, Attribute zp,
                          int64_t axis);
  Value *getInput() const { return op->getOperand(0); }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%x = nn.dequantize(%q) {scale = 0.1 : f32, zp = 3} : (tensor<..xu8>) ->
/// tensor<..xf32>`
class DequantizeOp : public OpView {
public:
  OHM_NN_OP_COMMON(DequantizeOp, OpView)
  static DequantizeOp build(OpBuilder &builder, Location loc, Value *input,
                            Attribute scale, Attribute zp, int64_t axis);
  Value *getInput() const { return op->getOperand(0); }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%y = nn.requantize(%acc) {scale = 0.01 : f32, zp = 3, min = 0, max = 255}`
///
///   float mode (default), as ONNX Runtime's MlasRequantizeOutput:
///     y = clamp(round_half_even(f32(x - input_zp) * f32(scale)) + zp, min,
///     max)
///   fixed mode (`mode = "fixed"`, `multiplier`, `shift`):
///     y = clamp(((x - input_zp) * multiplier + 2^(30+shift)) >> (31+shift) +
///     zp, min, max)
///
/// `scale`, `multiplier` and `shift` are per tensor or per channel along
/// `axis`; `min`/`max` default to the result type's range.
class RequantizeOp : public OpView {
public:
  OHM_NN_OP_COMMON(RequantizeOp, OpView)
  static RequantizeOp build(OpBuilder &builder, Location loc, Value *input,
                            TensorType resultType, Attribute scale, int64_t zp,
                            int64_t axis);
  Value *getInput() const { return op->getOperand(0); }
  bool isFixedPoint() const;
  static Type inferType(Operation *op, ErrorStream &err);
  /// The int32 multiplier in [2^30, 2^31) and right shift (may be negative
  /// for scales >= 1) that best represent `scale` in fixed mode.
  static void getFixedPointMultiplier(double scale, int64_t &multiplier,
                                      int64_t &shift);
};

//===----------------------------------------------------------------------===//
// Integer accumulates
//===----------------------------------------------------------------------===//

/// `%acc = nn.qconv(%x, %w, %bias) {x_zp = 128, w_zp = 0, strides = [1, 1],
///   pads = [1, 1, 1, 1], dilations = [1, 1], group = 1}
///   : (tensor<NxCxHxWxu8>, tensor<MxC/gxKhxKwxi8>, tensor<Mxi32>) ->
///   tensor<NxMxOHxOWxi32>`
///
/// acc[n,m,oh,ow] = bias[m] + sum_{c,kh,kw} (x[..] - x_zp) * (w[m,c,kh,kw] -
/// w_zp[m]); padding contributes (x_zp - x_zp) = 0. `w_zp` is per tensor or per
/// output channel; `bias` is optional.
class QConvOp : public OpView {
public:
  OHM_NN_OP_COMMON(QConvOp, OpView)
  static QConvOp build(OpBuilder &builder, Location loc, Value *x, Value *w,
                       Value *bias, const Window &window, int64_t group,
                       int64_t xZp, Attribute wZp);
  Value *getInput() const { return op->getOperand(0); }
  Value *getWeight() const { return op->getOperand(1); }
  Value *getBias() const {
    return op->getNumOperands() > 2 ? op->getOperand(2) : nullptr;
  }
  Window getWindow() const;
  int64_t getGroup() const { return getIntAttr(op, "group", 1); }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// Shape of a 2-D convolution's result (N, M, OH, OW), shared by nn.conv and
/// nn.qconv (and the interpreter); None with the reason in `err` if invalid.
llvm::Optional<Shape> inferConvShape(llvm::ArrayRef<int64_t> x,
                                     llvm::ArrayRef<int64_t> w,
                                     const Window &window, int64_t group,
                                     ErrorStream &err);

/// `%acc = nn.qmatmul(%a, %b, %bias) {a_zp = 0, b_zp = 0} : (tensor<..xMxKxu8>,
/// tensor<..xKxNxi8>) -> tensor<..xMxNxi32>`
///
/// acc[..,m,n] = bias[n] + sum_k (a[..,m,k] - a_zp) * (b[..,k,n] - b_zp[n]);
/// batch dimensions broadcast; `b_zp` per tensor or per column.
class QMatMulOp : public OpView {
public:
  OHM_NN_OP_COMMON(QMatMulOp, OpView)
  static QMatMulOp build(OpBuilder &builder, Location loc, Value *a, Value *b,
                         Value *bias, int64_t aZp, Attribute bZp);
  Value *getLhs() const { return op->getOperand(0); }
  Value *getRhs() const { return op->getOperand(1); }
  Value *getBias() const {
    return op->getNumOperands() > 2 ? op->getOperand(2) : nullptr;
  }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// Shape of a batched matrix product [..., M, K] x [..., K, N].
llvm::Optional<Shape> inferMatMulShape(llvm::ArrayRef<int64_t> a,
                                       llvm::ArrayRef<int64_t> b,
                                       ErrorStream &err);

/// `%y = nn.qadd(%a, %b) {lhs_scale = 0.5 : f32, rhs_scale = 0.7 : f32,
///   lhs_zp = 0, rhs_zp = 0, zp = 0}`: the scales are the input scales
/// divided by the output scale.
class QAddOp : public OpView {
public:
  OHM_NN_OP_COMMON(QAddOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `%s = nn.qavgpool(%x) {kernel_shape = [2, 2], strides = [2, 2], pads =
/// [0, 0, 0, 0], x_zp = 0} : (tensor<..xu8>) -> tensor<..xi32>`
class QAvgPoolOp : public OpView {
public:
  OHM_NN_OP_COMMON(QAvgPoolOp, OpView)
  Window getWindow() const;
  static Type inferType(Operation *op, ErrorStream &err);
};

//===----------------------------------------------------------------------===//
// Float compute
//===----------------------------------------------------------------------===//

/// `nn.conv(%x, %w[, %b]) {strides, pads, dilations, group}` on f32.
class ConvOp : public OpView {
public:
  OHM_NN_OP_COMMON(ConvOp, OpView)
  Window getWindow() const;
  int64_t getGroup() const { return getIntAttr(op, "group", 1); }
  Value *getBias() const {
    return op->getNumOperands() > 2 ? op->getOperand(2) : nullptr;
  }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `nn.matmul(%a, %b)` on f32, batched.
class MatMulOp : public OpView {
public:
  OHM_NN_OP_COMMON(MatMulOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `nn.gemm(%a, %b[, %c]) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0,
/// trans_b = 0}`
class GemmOp : public OpView {
public:
  OHM_NN_OP_COMMON(GemmOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
  float getAlpha() const;
  float getBeta() const;
  bool getTransA() const { return getIntAttr(op, "trans_a", 0) != 0; }
  bool getTransB() const { return getIntAttr(op, "trans_b", 0) != 0; }
};

/// `nn.batchnorm(%x, %scale, %bias, %mean, %var) {epsilon = 1e-5 : f32}`
class BatchNormOp : public OpView {
public:
  OHM_NN_OP_COMMON(BatchNormOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
  float getEpsilon() const;
};

/// `nn.softmax(%x) {axis = -1}` on floats.
class SoftmaxOp : public OpView {
public:
  OHM_NN_OP_COMMON(SoftmaxOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `nn.activation(%x) {kind = "sigmoid"}` on floats; kinds: "sigmoid",
/// "tanh", "leaky_relu" (with `alpha`, default 0.01). Each element is
/// computed in double from the f32 input and rounded to f32 once.
class ActivationOp : public OpView {
public:
  OHM_NN_OP_COMMON(ActivationOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
  static ActivationOp build(OpBuilder &builder, Location loc, Value *input,
                            llvm::StringRef kind, float alpha = 0.01f);
  llvm::StringRef getKind() const;
  float getAlpha() const;
  /// Whether `kind` names an activation.
  static bool isKind(llvm::StringRef kind);
};

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// `nn.maxpool(%x) {kernel_shape, strides, pads, dilations, ceil_mode}`
class MaxPoolOp : public OpView {
public:
  OHM_NN_OP_COMMON(MaxPoolOp, OpView)
  Window getWindow() const;
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `nn.avgpool(%x) {kernel_shape, strides, pads, ceil_mode, count_include_pad}`
class AvgPoolOp : public OpView {
public:
  OHM_NN_OP_COMMON(AvgPoolOp, OpView)
  Window getWindow() const;
  bool getCountIncludePad() const {
    return getIntAttr(op, "count_include_pad", 0) != 0;
  }
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `nn.globalavgpool(%x) : (tensor<NxCxHxWxf32>) -> tensor<NxCx1x1xf32>`
class GlobalAvgPoolOp : public OpView {
public:
  OHM_NN_OP_COMMON(GlobalAvgPoolOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
};

/// Shape of a 2-D pooling result.
llvm::Optional<Shape> inferPoolShape(llvm::ArrayRef<int64_t> x,
                                     const Window &window, ErrorStream &err);

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

/// `nn.reshape(%x) {shape = [0, -1]}`: the target shape in ONNX's spelling
/// (0 copies the input's dimension, -1 is inferred, at most once); the
/// result type gives it statically where known.
class ReshapeOp : public OpView {
public:
  OHM_NN_OP_COMMON(ReshapeOp, OpView)
  static ReshapeOp build(OpBuilder &builder, Location loc, Value *input,
                         llvm::ArrayRef<int64_t> shape);
  static Type inferType(Operation *op, ErrorStream &err);
};

/// Resolves an ONNX reshape target against an input shape (dynamic input
/// dimensions make the result dynamic where they matter).
llvm::Optional<Shape> inferReshapeShape(llvm::ArrayRef<int64_t> input,
                                        llvm::ArrayRef<int64_t> target,
                                        ErrorStream &err);

/// `nn.transpose(%x) {perm = [0, 2, 3, 1]}`
class TransposeOp : public OpView {
public:
  OHM_NN_OP_COMMON(TransposeOp, OpView)
  static TransposeOp build(OpBuilder &builder, Location loc, Value *input,
                           llvm::ArrayRef<int64_t> perm);
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `nn.concat(%a, %b, ...) {axis = 1}`
class ConcatOp : public OpView {
public:
  OHM_NN_OP_COMMON(ConcatOp, OpView)
  static ConcatOp build(OpBuilder &builder, Location loc,
                        llvm::ArrayRef<Value *> inputs, int64_t axis);
  static Type inferType(Operation *op, ErrorStream &err);
};

/// `nn.pad(%x) {pads = [b0, b1, ..., e0, e1, ...], mode = "constant", value =
/// 0}`
class PadOp : public OpView {
public:
  OHM_NN_OP_COMMON(PadOp, OpView)
  static Type inferType(Operation *op, ErrorStream &err);
};

#undef OHM_NN_OP_COMMON

} // namespace nn
} // namespace ohm

#endif // OHM_NN_NNOPS_H
