//===- NNToXbar.cpp - Lowering integer accumulates to crossbars -----------===//
//
// A crossbar computes sum_k u[k] * w[k, n] for unsigned input codes u and
// programmed weights w. The accumulate of DESIGN.md section 5,
//   acc[n] = sum_k (x[k] - x_zp) (w[k, n] - w_zp[n]) + bias[n],
// is rewritten with u = x + offset (offset = -lowest input code, so codes
// start at 0; 128 for int8 activations) and W'[k, n] = w[k, n] - w_zp[n]:
//   acc[n] = sum_k u[k] W'[k, n] - (x_zp + offset) sum_k W'[k, n] + bias[n],
// where the last two terms are a compile-time constant per column, folded
// into one xb.bias. Convolution padding feeds the code of x_zp, so padded
// positions contribute exactly what the correction removes.
//
// A convolution becomes patches (xb.im2col, K = C/group * kh * kw rows per
// patch, k = (c, ky, kx)), one xb.mvm per group over that group's [K, M/g]
// matrix, xb.concat_cols of the groups, xb.bias and xb.unrows back to NCHW.
// A matrix product with a constant 2-D right operand becomes xb.rows,
// xb.mvm, xb.bias and xb.unrows. Weights that are not constants cannot be
// programmed and are an error at the op. Tiling, encoding and the rest are
// later passes; the xb.mvm created here is an ideal (exact) read.
//
//===----------------------------------------------------------------------===//

#include "ohm/Conversion/NNToXbar/NNToXbar.h"
#include "ohm/IR/Module.h"
#include "ohm/NN/NNOps.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/Statistic.h"

#define DEBUG_TYPE "nn-to-xb"

STATISTIC(NumConvs, "Convolutions lowered to crossbar reads");
STATISTIC(NumMatMuls, "Matrix products lowered to crossbar reads");

using namespace ohm;
using namespace ohm::xb;

/// How a user turns a weight input into a constant.
static const char *const kFreezeHint =
    " (a graph input can be frozen into a constant: ohmc --freeze NAME=FILE)";

namespace {

/// Smallest signed width holding [lo, hi], at least 2 (i1 is boolean).
int64_t signedBits(int64_t lo, int64_t hi) {
  int64_t bits = 2;
  while (bits < 64 && (lo < -(int64_t(1) << (bits - 1)) ||
                       hi > (int64_t(1) << (bits - 1)) - 1))
    ++bits;
  return bits;
}

/// The range of input codes: infer-bitwidth's x_range, else the type's.
void getInputRange(Operation *op, Value *x, int64_t &lo, int64_t &hi) {
  auto type =
      x->getType().cast<TensorType>().getElementType().cast<IntegerType>();
  lo = type.getMinValue();
  hi = type.getMaxInt64();
  std::vector<int64_t> range = getIntArrayAttr(op, "x_range");
  if (range.size() == 2 && range[0] >= lo && range[1] <= hi &&
      range[0] <= range[1]) {
    lo = range[0];
    hi = range[1];
  }
}

class NNToXbarPass : public FunctionPass {
public:
  NNToXbarPass()
      : FunctionPass("nn-to-xb",
                     "Lower nn.qconv and nn.qmatmul with constant weights to "
                     "crossbar reads") {}

  LogicalResult runOnFunction(Function &fn) override {
    bool ok = true;
    for (Operation &op : fn.getBody().getOpsEarlyInc()) {
      if (op.isa<nn::QConvOp>())
        ok &= succeeded(lowerConv(nn::QConvOp(&op)));
      else if (op.isa<nn::QMatMulOp>())
        ok &= succeeded(lowerMatMul(nn::QMatMulOp(&op)));
    }
    return success(ok);
  }

private:
  /// Input codes u = x + offset and their element type.
  struct InputCodes {
    int64_t offset;
    IntegerType type;
  };
  InputCodes getInputCodes(Operation *op, Value *x) {
    int64_t lo, hi;
    getInputRange(op, x, lo, hi);
    int64_t offset = lo < 0 ? -lo : 0;
    return {offset,
            IntegerType::get(op->getContext(), bitsFor(uint64_t(hi + offset)),
                             /*isSigned=*/false)};
  }

  /// Creates the xb.weights for W' (values in row-major [K, N] order).
  template <typename W>
  Value *createWeights(OpBuilder &builder, Location loc, int64_t k, int64_t n,
                       const std::vector<W> &values) {
    int64_t lo = 0, hi = 0;
    for (W v : values) {
      lo = std::min<int64_t>(lo, v);
      hi = std::max<int64_t>(hi, v);
    }
    auto type =
        TensorType::get({k, n}, IntegerType::get(builder.getContext(),
                                                 signedBits(lo, hi), true));
    DenseElementsAttr attr =
        DenseElementsAttr::withIntStorage(type.getElementType(), [&](auto tag) {
          using T = decltype(tag);
          std::vector<T> stored(values.begin(), values.end());
          return DenseElementsAttr::getFromValues<T>(type, stored);
        });
    return WeightsOp::build(builder, loc, attr)->getResult(0);
  }

  /// The weights as W: int32 when the element type is narrow enough that
  /// subtracting a zero point cannot overflow, else int64.
  static bool fitsInt32(DenseElementsAttr w) {
    auto type = w.getElementType().dyn_cast<IntegerType>();
    return type && type.getWidth() <= 24;
  }

  Value *createMvm(OpBuilder &builder, Location loc, Value *rows,
                   Value *weights, int64_t n) {
    auto rowsType = rows->getType().cast<TensorType>();
    auto type =
        TensorType::get({rowsType.getDimSize(0), n},
                        IntegerType::get(builder.getContext(), 32, true));
    return builder
        .create(loc, MvmOp::Info, {type}, {rows, weights},
                {builder.getNamedAttr("row_offset", builder.getI64Attr(0))})
        ->getResult(0);
  }

  /// xb.bias with bias[n] - (x_zp + offset) * colsum[n], then xb.unrows.
  Value *finish(OpBuilder &builder, Location loc, Value *acc,
                const std::vector<int64_t> &bias,
                const std::vector<int64_t> &colSums, int64_t inputShift,
                llvm::StringRef layout, llvm::ArrayRef<int64_t> shape,
                Operation *op, bool &ok) {
    Context &ctx = builder.getContext();
    int64_t n = int64_t(colSums.size());
    std::vector<int64_t> correction(n);
    for (int64_t i = 0; i < n; ++i) {
      __int128 value = __int128(bias.empty() ? 0 : bias[i]) -
                       __int128(inputShift) * colSums[i];
      if (value < INT32_MIN || value > INT32_MAX) {
        op->emitError() << "the zero-point correction of column " << i
                        << " does not fit in 32 bits";
        ok = false;
        return nullptr;
      }
      correction[i] = int64_t(value);
    }
    auto i32 = IntegerType::get(ctx, 32, true);
    auto accType = acc->getType().cast<TensorType>();
    Value *biased =
        builder
            .create(loc, BiasOp::Info, {accType}, {acc},
                    {builder.getNamedAttr(
                        "bias", DenseElementsAttr::getFromInts(
                                    TensorType::get({n}, i32), correction))})
            ->getResult(0);
    std::vector<int64_t> resultShape;
    for (int64_t dim : shape)
      resultShape.push_back(dim < 0 ? TensorType::kDynamic : dim);
    return builder
        .create(loc, UnrowsOp::Info, {TensorType::get(resultShape, i32)},
                {biased},
                {builder.getNamedAttr("layout", builder.getStringAttr(layout)),
                 builder.getNamedAttr("shape", ArrayAttr::getI64(ctx, shape))})
        ->getResult(0);
  }

  LogicalResult lowerConv(nn::QConvOp conv) {
    Operation *op = conv;
    DenseElementsAttr w = nn::ConstOp::getValueOf(conv.getWeight());
    if (!w)
      return op->emitError() << "weights must be constant to be programmed "
                                "into crossbars"
                             << kFreezeHint;
    DenseElementsAttr biasAttr;
    if (conv.getBias() && !(biasAttr = nn::ConstOp::getValueOf(conv.getBias())))
      return op->emitError() << "the bias must be a constant" << kFreezeHint;
    std::vector<int64_t> wZp = getIntOrDenseValues(op->getAttr("w_zp"));
    if (wZp.empty())
      wZp = {0};
    InputCodes codes = getInputCodes(op, conv.getInput());
    if (fitsInt32(w))
      return lowerConvWith(conv, w.getIntsAs<int32_t>(), biasAttr, codes, wZp);
    return lowerConvWith(conv, w.getInts(), biasAttr, codes, wZp);
  }

  template <typename W>
  LogicalResult lowerConvWith(nn::QConvOp conv, const std::vector<W> &weights,
                              DenseElementsAttr biasAttr, InputCodes codes,
                              const std::vector<int64_t> &wZp) {
    Operation *op = conv;
    auto wType = conv.getWeight()->getType().cast<TensorType>();
    auto resultType = op->getResult(0)->getType().cast<TensorType>();
    int64_t m = wType.getDimSize(0), cg = wType.getDimSize(1),
            kh = wType.getDimSize(2), kw = wType.getDimSize(3);
    int64_t group = conv.getGroup(), mg = m / group, k = cg * kh * kw;
    Window window = conv.getWindow();
    int64_t xZp = getIntAttr(op, "x_zp", 0);

    OpBuilder builder(op);
    Context &ctx = builder.getContext();
    Location loc = op->getLoc();
    std::vector<int64_t> colSums(m, 0);
    llvm::SmallVector<Value *, 4> groupResults;
    for (int64_t g = 0; g < group; ++g) {
      // W'[k, j] = w[g*mg + j, c, ky, kx] - w_zp[g*mg + j], k = (c, ky, kx).
      // (Transposed in 64 x 64 blocks that stay in cache.)
      std::vector<W> matrix(k * mg);
      for (int64_t j0 = 0; j0 < mg; j0 += 64)
        for (int64_t i0 = 0; i0 < k; i0 += 64)
          for (int64_t j = j0; j < std::min(mg, j0 + 64); ++j) {
            int64_t oc = g * mg + j;
            int64_t zp = wZp[wZp.size() == 1 ? 0 : oc];
            for (int64_t i = i0; i < std::min(k, i0 + 64); ++i) {
              int64_t value = int64_t(weights[oc * k + i]) - zp;
              matrix[i * mg + j] = W(value);
              colSums[oc] += value;
            }
          }
      auto rowsType = TensorType::get(
          {resultType.isDynamicDim(0)
               ? TensorType::kDynamic
               : resultType.getDimSize(0) * resultType.getDimSize(2) *
                     resultType.getDimSize(3),
           k},
          codes.type);
      Value *rows =
          builder
              .create(
                  loc, Im2ColOp::Info, {rowsType}, {conv.getInput()},
                  {builder.getNamedAttr(
                       "dilations", ArrayAttr::getI64(ctx, window.dilations)),
                   builder.getNamedAttr("group", builder.getI64Attr(group)),
                   builder.getNamedAttr("group_index", builder.getI64Attr(g)),
                   builder.getNamedAttr("kernel_shape",
                                        ArrayAttr::getI64(ctx, {kh, kw})),
                   builder.getNamedAttr("offset",
                                        builder.getI64Attr(codes.offset)),
                   builder.getNamedAttr("pad_value", builder.getI64Attr(xZp)),
                   builder.getNamedAttr("pads",
                                        ArrayAttr::getI64(ctx, window.pads)),
                   builder.getNamedAttr(
                       "strides", ArrayAttr::getI64(ctx, window.strides))})
              ->getResult(0);
      Value *tile = createWeights(builder, loc, k, mg, matrix);
      groupResults.push_back(createMvm(builder, loc, rows, tile, mg));
    }
    Value *acc = groupResults.front();
    if (group > 1) {
      auto rowsDim = acc->getType().cast<TensorType>().getDimSize(0);
      acc = builder
                .create(loc, ConcatColsOp::Info,
                        {TensorType::get({rowsDim, m},
                                         IntegerType::get(ctx, 32, true))},
                        groupResults)
                ->getResult(0);
    }
    std::vector<int64_t> shape = {
        resultType.isDynamicDim(0) ? -1 : resultType.getDimSize(0), m,
        resultType.getDimSize(2), resultType.getDimSize(3)};
    bool ok = true;
    Value *result =
        finish(builder, loc, acc,
               biasAttr ? biasAttr.getInts() : std::vector<int64_t>(), colSums,
               xZp + codes.offset, "nchw", shape, op, ok);
    if (!ok)
      return failure();
    result->setNameHint(op->getResult(0)->getNameHint());
    op->getResult(0)->replaceAllUsesWith(result);
    op->erase();
    ++NumConvs;
    return success();
  }

  LogicalResult lowerMatMul(nn::QMatMulOp matmul) {
    Operation *op = matmul;
    DenseElementsAttr b = nn::ConstOp::getValueOf(matmul.getRhs());
    if (b && b.getType().getRank() != 2)
      return op->emitError()
             << "a " << b.getType().getRank()
             << "-D weight tensor cannot be programmed into crossbars (they "
                "hold 2-D weight matrices; batched weights are not supported)";
    if (!b)
      return op->emitError() << "the right operand must be a constant 2-D "
                                "weight matrix to be programmed into crossbars"
                             << kFreezeHint;
    DenseElementsAttr biasAttr;
    if (matmul.getBias() &&
        !(biasAttr = nn::ConstOp::getValueOf(matmul.getBias())))
      return op->emitError() << "the bias must be a constant" << kFreezeHint;
    auto aType = matmul.getLhs()->getType().cast<TensorType>();
    int64_t k = b.getType().getDimSize(0), n = b.getType().getDimSize(1);
    std::vector<int64_t> bZp = getIntOrDenseValues(op->getAttr("b_zp"));
    if (bZp.empty())
      bZp = {0};
    int64_t aZp = getIntAttr(op, "a_zp", 0);
    InputCodes codes = getInputCodes(op, matmul.getLhs());

    std::vector<int64_t> colSums(n, 0);
    auto subtractZeroPoints = [&](auto values) {
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < n; ++j) {
          values[i * n + j] -= bZp[bZp.size() == 1 ? 0 : j];
          colSums[j] += values[i * n + j];
        }
      return values;
    };

    // Output shape [..., M, N]; at most one dynamic dimension.
    std::vector<int64_t> shape;
    int64_t rowCount = 1;
    for (unsigned d = 0; d + 1 < aType.getRank(); ++d) {
      int64_t dim = aType.getDimSize(d);
      shape.push_back(dim < 0 ? -1 : dim);
      rowCount = (rowCount < 0 || dim < 0) ? -1 : rowCount * dim;
    }
    shape.push_back(n);
    if (llvm::count(shape, -1) > 1)
      return op->emitError() << "at most one dynamic dimension is supported";

    OpBuilder builder(op);
    Location loc = op->getLoc();
    Value *rows = builder
                      .create(loc, RowsOp::Info,
                              {TensorType::get({rowCount, k}, codes.type)},
                              {matmul.getLhs()},
                              {builder.getNamedAttr(
                                  "offset", builder.getI64Attr(codes.offset))})
                      ->getResult(0);
    Value *tile =
        fitsInt32(b) ? createWeights(builder, loc, k, n,
                                     subtractZeroPoints(b.getIntsAs<int32_t>()))
                     : createWeights(builder, loc, k, n,
                                     subtractZeroPoints(b.getInts()));
    Value *acc = createMvm(builder, loc, rows, tile, n);
    bool ok = true;
    Value *result =
        finish(builder, loc, acc,
               biasAttr ? biasAttr.getInts() : std::vector<int64_t>(), colSums,
               aZp + codes.offset, "matrix", shape, op, ok);
    if (!ok)
      return failure();
    result->setNameHint(op->getResult(0)->getNameHint());
    op->getResult(0)->replaceAllUsesWith(result);
    op->erase();
    ++NumMatMuls;
    return success();
  }
};
} // namespace

std::unique_ptr<Pass> ohm::createNNToXbarPass() {
  return std::make_unique<NNToXbarPass>();
}
