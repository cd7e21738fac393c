//===- Interpreter.cpp - The nn-level reference interpreter ---------------===//
//
// One kernel per nn op, written for clarity. Where DESIGN.md section 5 says
// "as ONNX Runtime computes it", the kernel follows ONNX Runtime's
// reference (MLAS) arithmetic step by step: which values are f32, where
// rounding happens (half to even), and in which order clamping and the zero
// point are applied. Integer accumulations are exact (modulo 2^64) and
// wrapped to the result type.
//
//===----------------------------------------------------------------------===//

#include "ohm/Interp/Interpreter.h"
#include "ohm/Interp/Gemm.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Function.h"
#include "ohm/NN/NNOps.h"

#include "XbarEval.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace ohm;
using namespace ohm::interp;
using namespace ohm::nn;

namespace {

/// An error naming the op's location and kind.
llvm::Error opError(Operation *op, const llvm::Twine &message) {
  std::string where;
  llvm::raw_string_ostream os(where);
  op->getLoc().print(os, /*printPositions=*/true);
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "%s (%s): %s", os.str().c_str(),
                                 op->getName().str().c_str(),
                                 message.str().c_str());
}

/// The element type of the op's result.
Type resultElementType(Operation *op) {
  return op->getResult(0)->getType().cast<TensorType>().getElementType();
}

/// Index of the channel an element belongs to, for per-axis parameters.
int64_t channelOf(int64_t flatIndex, llvm::ArrayRef<int64_t> shape,
                  int64_t axis) {
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  return (flatIndex / inner) % shape[axis];
}

/// f32 round half to even, as std::nearbyintf in the default rounding mode.
float roundHalfEven(float value) { return std::nearbyintf(value); }

/// Clamps to [lo, hi] (NaN goes to `nanValue`).
int64_t clampToRange(double value, int64_t lo, int64_t hi, int64_t nanValue) {
  if (std::isnan(value))
    return nanValue;
  if (value < double(lo))
    return lo;
  // double(INT64_MAX) is 2^63, which int64_t cannot hold: >= saturates it.
  if (value >= double(hi))
    return hi;
  return int64_t(value);
}

void typeRange(Type type, int64_t &lo, int64_t &hi) {
  auto intType = type.cast<IntegerType>();
  lo = intType.getMinValue();
  hi = intType.getMaxValue() > uint64_t(INT64_MAX) ? INT64_MAX
                                                   : int64_t(intType.getMaxValue());
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Applies `fn(lhsIndex, rhsIndex, outIndex)` over the broadcast of two
/// shapes.
template <typename Fn>
void forEachBroadcast(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs,
                      llvm::ArrayRef<int64_t> out, Fn fn) {
  size_t rank = out.size();
  auto stridesFor = [&](llvm::ArrayRef<int64_t> shape) {
    Shape strides(rank, 0);
    int64_t stride = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      size_t dim = shape.size() - 1 - i;
      strides[rank - 1 - i] = shape[dim] == 1 ? 0 : stride;
      stride *= shape[dim];
    }
    return strides;
  };
  Shape ls = stridesFor(lhs), rs = stridesFor(rhs);
  Shape index(rank, 0);
  int64_t total = getNumElements(out), li = 0, ri = 0;
  for (int64_t n = 0; n < total; ++n) {
    fn(li, ri, n);
    for (size_t d = rank; d-- > 0;) {
      li += ls[d];
      ri += rs[d];
      if (++index[d] < out[d])
        break;
      li -= ls[d] * out[d];
      ri -= rs[d] * out[d];
      index[d] = 0;
    }
  }
}

llvm::Expected<Tensor> evalBinary(Operation *op, const Tensor &a,
                                  const Tensor &b, bool isAdd) {
  auto shape = getBroadcastShape(a.getShape(), b.getShape());
  if (!shape)
    return opError(op, "shapes " + formatShape(a.getShape()) + " and " +
                           formatShape(b.getShape()) + " do not broadcast");
  Tensor out(a.getElementType(), *shape);
  if (a.isFloat()) {
    forEachBroadcast(a.getShape(), b.getShape(), *shape,
                     [&](int64_t i, int64_t j, int64_t n) {
                       double x = a.floats()[i], y = b.floats()[j];
                       out.setFloat(n, isAdd ? x + y : x * y);
                     });
  } else {
    forEachBroadcast(a.getShape(), b.getShape(), *shape,
                     [&](int64_t i, int64_t j, int64_t n) {
                       uint64_t x = a.ints()[i], y = b.ints()[j];
                       out.setInt(n, int64_t(isAdd ? x + y : x * y));
                     });
  }
  return out;
}

Tensor evalClip(Operation *op, const Tensor &x, double lo, double hi) {
  Tensor out(x.getElementType(), x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    if (x.isFloat()) {
      double value = x.floats()[i];
      if (!std::isnan(value))
        value = std::min(std::max(value, lo), hi);
      out.floats()[i] = value;
    } else {
      int64_t value = x.ints()[i];
      if (double(value) < lo)
        value = int64_t(lo);
      if (double(value) > hi)
        value = int64_t(hi);
      out.ints()[i] = value;
    }
  }
  return out;
}

Tensor evalCast(const Tensor &x, Type to) {
  Tensor out(to, x.getShape());
  auto intTo = to.dyn_cast<IntegerType>();
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    if (!intTo) {
      out.setFloat(i, x.getAsDouble(i));
    } else if (intTo.getWidth() == 1) {
      out.ints()[i] = x.getAsDouble(i) != 0;
    } else if (x.isFloat()) {
      // Truncation toward zero; out-of-range values wrap like a C cast
      // through int64 (ONNX leaves them undefined).
      double value = std::trunc(x.floats()[i]);
      if (std::isnan(value))
        value = 0;
      value = std::min(std::max(value, -9.2e18), 9.2e18);
      out.setInt(i, int64_t(value));
    } else {
      out.setInt(i, x.ints()[i]);
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// ONNX Runtime's QuantizeLinear: nearbyintf(x / scale) + zp, clamped.
Tensor evalQuantize(Operation *op, const Tensor &x) {
  QuantParams params = QuantParams::get(op);
  Type to = resultElementType(op);
  int64_t lo, hi;
  typeRange(to, lo, hi);
  Tensor out(to, x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    int64_t channel = params.isPerTensor()
                          ? 0
                          : channelOf(i, x.getShape(), params.axis);
    float scale = params.getScale(channel);
    int64_t zp = params.getZeroPoint(channel);
    float value = roundHalfEven(float(x.floats()[i]) / scale) + float(zp);
    out.ints()[i] = clampToRange(value, lo, hi, zp);
  }
  return out;
}

/// ONNX Runtime's DequantizeLinear: float(x - zp) * scale in f32.
Tensor evalDequantize(Operation *op, const Tensor &x) {
  QuantParams params = QuantParams::get(op);
  Tensor out(resultElementType(op), x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    int64_t channel = params.isPerTensor()
                          ? 0
                          : channelOf(i, x.getShape(), params.axis);
    float value = float(x.ints()[i] - params.getZeroPoint(channel)) *
                  params.getScale(channel);
    out.setFloat(i, value);
  }
  return out;
}

/// DESIGN.md section 5 requantize, float mode as MlasRequantizeOutput:
/// f32(acc) * M in f32, clamped, rounded half to even, plus zp.
Tensor evalRequantize(Operation *op, const Tensor &x) {
  QuantParams params = QuantParams::get(op);
  RequantizeOp requant(op);
  Type to = resultElementType(op);
  int64_t lo, hi;
  typeRange(to, lo, hi);
  lo = getI64(op, "min", lo);
  hi = getI64(op, "max", hi);
  int64_t inputZp = getI64(op, "input_zp", 0);
  int64_t zp = params.getZeroPoint(0);
  std::vector<int64_t> multipliers = getIntOrDenseValues(op->getAttr("multiplier"));
  std::vector<int64_t> shifts = getIntOrDenseValues(op->getAttr("shift"));
  bool fixed = requant.isFixedPoint();
  bool perChannel = params.scales.size() > 1;
  Tensor out(to, x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    int64_t channel = perChannel ? channelOf(i, x.getShape(), params.axis) : 0;
    int64_t centered = x.ints()[i] - inputZp;
    int64_t value;
    if (fixed) {
      // Round half up: add half of the divisor, shift arithmetically.
      __int128 product = __int128(centered) * multipliers[channel];
      int64_t totalShift = 31 + shifts[channel];
      if (totalShift > 0)
        product = (product + (__int128(1) << (totalShift - 1))) >> totalShift;
      else
        product <<= -totalShift;
      __int128 shifted = product + zp;
      value = shifted < lo ? lo : shifted > hi ? hi : int64_t(shifted);
    } else {
      float scaled = float(centered) * params.getScale(channel);
      value = clampToRange(double(roundHalfEven(scaled)) + double(zp), lo, hi,
                           zp);
    }
    out.ints()[i] = value;
  }
  return out;
}

/// ONNX Runtime's QLinearAdd: the f32 sum of both rescaled inputs, rounded
/// half to even, plus zp, clamped.
Tensor evalQAdd(Operation *op, const Tensor &a, const Tensor &b) {
  float lhsScale = float(op->getAttrOfType<FloatAttr>("lhs_scale").getValue());
  float rhsScale = float(op->getAttrOfType<FloatAttr>("rhs_scale").getValue());
  int64_t lhsZp = getI64(op, "lhs_zp", 0), rhsZp = getI64(op, "rhs_zp", 0);
  int64_t zp = getI64(op, "zp", 0);
  Type to = resultElementType(op);
  int64_t lo, hi;
  typeRange(to, lo, hi);
  auto shape = getBroadcastShape(a.getShape(), b.getShape());
  Tensor out(to, *shape);
  forEachBroadcast(a.getShape(), b.getShape(), *shape,
                   [&](int64_t i, int64_t j, int64_t n) {
                     float value = lhsScale * float(a.ints()[i] - lhsZp) +
                                   rhsScale * float(b.ints()[j] - rhsZp);
                     out.ints()[n] = clampToRange(
                         double(roundHalfEven(value)) + double(zp), lo, hi, zp);
                   });
  return out;
}

//===----------------------------------------------------------------------===//
// Convolution and matrix products
//===----------------------------------------------------------------------===//
//
// Float convolutions and products keep their plain loops: the order of a
// float sum is part of its result. The integer ones (nn.qconv, nn.qmatmul)
// are im2col and an exact GEMM (Gemm.h), whose result does not depend on
// the order; each number format instantiates the kernels below once.

using u128 = unsigned __int128;

/// The zero points in attribute `name`: one, or one per output channel.
std::vector<int64_t> getZeroPoints(Operation *op, const char *name) {
  std::vector<int64_t> zps = getIntOrDenseValues(op->getAttr(name));
  if (zps.empty())
    zps = {0};
  return zps;
}

/// The largest |value - zp| over `values`.
uint64_t getMaxAbsCentered(llvm::ArrayRef<int64_t> values, int64_t zp) {
  uint64_t maxAbs = 0;
  for (int64_t value : values)
    maxAbs = std::max(maxAbs, magnitude(centered(value, zp)));
  return maxAbs;
}

/// 2-D float convolution, accumulating in double in (ic, ky, kx) order.
template <typename XAt, typename WAt, typename Store>
void conv2d(llvm::ArrayRef<int64_t> xs, llvm::ArrayRef<int64_t> ws,
            llvm::ArrayRef<int64_t> ys, const Window &window, int64_t group,
            XAt xAt, WAt wAt, Store store) {
  int64_t n = xs[0], c = xs[1], h = xs[2], w = xs[3];
  int64_t m = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
  int64_t oh = ys[2], ow = ys[3];
  int64_t mg = m / group;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < m; ++oc) {
      int64_t g = oc / mg;
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          double acc = 0;
          for (int64_t ic = 0; ic < cg; ++ic) {
            int64_t channel = g * cg + ic;
            for (int64_t ky = 0; ky < kh; ++ky) {
              int64_t iy = y * window.strides[0] - window.pads[0] +
                           ky * window.dilations[0];
              if (iy < 0 || iy >= h)
                continue;
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t ix = x * window.strides[1] - window.pads[1] +
                             kx * window.dilations[1];
                if (ix < 0 || ix >= w)
                  continue;
                acc += xAt(((b * c + channel) * h + iy) * w + ix) *
                       wAt(((oc * cg + ic) * kh + ky) * kw + kx);
              }
            }
          }
          store(((b * m + oc) * oh + y) * ow + x, oc, acc);
        }
    }
}

/// The im2col matrix of `cg` channels of one image (`image` points at the
/// first, already centered by x_zp): row (ic, ky, kx), column (y, x) holds
/// the input under that kernel tap at that output pixel, or 0 in the
/// padding (x_zp - x_zp).
template <typename T>
void im2col(const T *image, int64_t h, int64_t w, int64_t cg, int64_t kh,
            int64_t kw, int64_t oh, int64_t ow, const Window &window,
            T *columns) {
  for (int64_t ic = 0; ic < cg; ++ic)
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t kx = 0; kx < kw; ++kx)
        for (int64_t y = 0; y < oh; ++y, columns += ow) {
          int64_t iy =
              y * window.strides[0] - window.pads[0] + ky * window.dilations[0];
          if (iy < 0 || iy >= h) {
            std::fill(columns, columns + ow, T(0));
            continue;
          }
          const T *row = image + (ic * h + iy) * w;
          for (int64_t x = 0; x < ow; ++x) {
            int64_t ix = x * window.strides[1] - window.pads[1] +
                         kx * window.dilations[1];
            columns[x] = ix < 0 || ix >= w ? T(0) : row[ix];
          }
        }
}

/// nn.qconv in number format T: per image and group, the group's weights
/// minus w_zp (a [mg, cg*kh*kw] matrix in the weight tensor's own layout)
/// times the im2col matrix of the input minus x_zp ([cg*kh*kw, oh*ow]),
/// plus the bias, wrapped to the result type.
template <typename T>
void qconv2d(const Tensor &x, int64_t xZp, const Tensor &w,
             llvm::ArrayRef<int64_t> wZp, const Tensor *bias,
             const Window &window, int64_t group, Tensor &out) {
  int64_t n = x.getDim(0), c = x.getDim(1), h = x.getDim(2), wd = x.getDim(3);
  int64_t m = w.getDim(0), cg = w.getDim(1);
  int64_t kh = w.getDim(2), kw = w.getDim(3);
  int64_t oh = out.getDim(2), ow = out.getDim(3);
  int64_t mg = m / group, k = cg * kh * kw, pixels = oh * ow;
  std::vector<T> input(x.getNumElements()), weights(w.getNumElements());
  for (int64_t i = 0; i < x.getNumElements(); ++i)
    input[i] = toExact<T>(centered(x.ints()[i], xZp));
  for (int64_t oc = 0; oc < m; ++oc)
    for (int64_t l = 0; l < k; ++l)
      weights[oc * k + l] = toExact<T>(
          centered(w.ints()[oc * k + l], wZp[wZp.size() == 1 ? 0 : oc]));
  std::vector<T> columns(k * pixels), product(mg * pixels);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < group; ++g) {
      im2col(input.data() + (b * c + g * cg) * h * wd, h, wd, cg, kh, kw, oh,
             ow, window, columns.data());
      gemm(mg, k, pixels, weights.data() + g * mg * k, columns.data(),
           product.data());
      for (int64_t i = 0; i < mg; ++i) {
        int64_t oc = g * mg + i;
        // The bias is added modulo 2^64 too; setInt keeps the low bits.
        uint64_t offset = bias ? uint64_t(bias->ints()[oc]) : 0;
        for (int64_t p = 0; p < pixels; ++p)
          out.setInt(
              (b * m + oc) * pixels + p,
              int64_t(uint64_t(fromExact(product[i * pixels + p])) + offset));
      }
    }
}

/// nn.qconv: the input's largest |x - x_zp| times the largest sum of
/// |w - w_zp| over one output channel's weights bounds every partial sum,
/// which picks the number format.
void evalQConv(Operation *op, const Tensor &x, const Tensor &w,
               const Tensor *bias, const Window &window, int64_t group,
               Tensor &out) {
  int64_t xZp = getI64(op, "x_zp", 0);
  std::vector<int64_t> wZp = getZeroPoints(op, "w_zp");
  int64_t m = w.getDim(0), k = w.getDim(1) * w.getDim(2) * w.getDim(3);
  u128 maxAbsSum = 0;
  for (int64_t oc = 0; oc < m; ++oc) {
    u128 sum = 0;
    for (int64_t l = 0; l < k; ++l)
      sum += magnitude(
          centered(w.ints()[oc * k + l], wZp[wZp.size() == 1 ? 0 : oc]));
    maxAbsSum = std::max(maxAbsSum, sum);
  }
  switch (getExactFormat(getMaxAbsCentered(x.ints(), xZp), maxAbsSum)) {
  case ExactFormat::F32:
    return qconv2d<float>(x, xZp, w, wZp, bias, window, group, out);
  case ExactFormat::F64:
    return qconv2d<double>(x, xZp, w, wZp, bias, window, group, out);
  case ExactFormat::U64:
    return qconv2d<uint64_t>(x, xZp, w, wZp, bias, window, group, out);
  }
}

llvm::Expected<Tensor> evalConv(Operation *op, const Tensor &x, const Tensor &w,
                                const Tensor *bias, bool quantized) {
  Window window = quantized ? QConvOp(op).getWindow() : ConvOp(op).getWindow();
  window.kernel = {w.getDim(2), w.getDim(3)};
  int64_t group = getI64(op, "group", 1);
  std::string error;
  auto shape = inferConvShape(x.getShape(), w.getShape(), window, group, error);
  if (!shape)
    return opError(op, error);
  Tensor out(resultElementType(op), *shape);
  if (quantized) {
    evalQConv(op, x, w, bias, window, group, out);
    return out;
  }
  conv2d(
      x.getShape(), w.getShape(), *shape, window, group,
      [&](int64_t i) { return x.floats()[i]; },
      [&](int64_t i) { return w.floats()[i]; },
      [&](int64_t i, int64_t oc, double acc) {
        out.setFloat(i, acc + (bias ? bias->floats()[oc] : 0.0));
      });
  return out;
}

/// For each batch index of a matrix product's result, the batch indices of
/// its operands (broadcast).
void getBatchIndices(llvm::ArrayRef<int64_t> as, llvm::ArrayRef<int64_t> bs,
                     llvm::ArrayRef<int64_t> ys, std::vector<int64_t> &aIndex,
                     std::vector<int64_t> &bIndex) {
  llvm::ArrayRef<int64_t> batch = ys.drop_back(2);
  int64_t batches = getNumElements(batch);
  aIndex.assign(batches, 0);
  bIndex.assign(batches, 0);
  forEachBroadcast(as.drop_back(2), bs.drop_back(2), batch,
                   [&](int64_t i, int64_t j, int64_t o) {
                     aIndex[o] = i;
                     bIndex[o] = j;
                   });
}

/// Batched float matrix product with broadcast batch dimensions,
/// accumulating in double in order.
void matmul(const Tensor &a, const Tensor &b, Tensor &out) {
  llvm::ArrayRef<int64_t> as = a.getShape(), bs = b.getShape();
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  std::vector<int64_t> aIndex, bIndex;
  getBatchIndices(as, bs, out.getShape(), aIndex, bIndex);
  for (size_t p = 0; p < aIndex.size(); ++p)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < k; ++l)
          acc += a.floats()[(aIndex[p] * m + i) * k + l] *
                 b.floats()[(bIndex[p] * k + l) * n + j];
        out.setFloat((p * m + i) * n + j, acc);
      }
}

/// nn.qmatmul in number format T: per batch, (a - a_zp) times (b - b_zp[j])
/// plus bias[j], wrapped to the result type.
template <typename T>
void qmatmul(const Tensor &a, int64_t aZp, const Tensor &b,
             llvm::ArrayRef<int64_t> bZp, const Tensor *bias, Tensor &out) {
  llvm::ArrayRef<int64_t> as = a.getShape(), bs = b.getShape();
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  std::vector<T> lhs(a.getNumElements()), rhs(b.getNumElements());
  for (int64_t i = 0; i < a.getNumElements(); ++i)
    lhs[i] = toExact<T>(centered(a.ints()[i], aZp));
  for (int64_t i = 0; i < b.getNumElements(); ++i)
    rhs[i] =
        toExact<T>(centered(b.ints()[i], bZp[bZp.size() == 1 ? 0 : i % n]));
  std::vector<int64_t> aIndex, bIndex;
  getBatchIndices(as, bs, out.getShape(), aIndex, bIndex);
  std::vector<T> product(m * n);
  for (size_t p = 0; p < aIndex.size(); ++p) {
    gemm(m, k, n, lhs.data() + aIndex[p] * m * k,
         rhs.data() + bIndex[p] * k * n, product.data());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        // The bias is added modulo 2^64 too; setInt keeps the low bits.
        uint64_t offset = bias ? uint64_t(bias->ints()[j]) : 0;
        out.setInt((p * m + i) * n + j,
                   int64_t(uint64_t(fromExact(product[i * n + j])) + offset));
      }
  }
}

/// nn.qmatmul: the largest |a - a_zp| times the largest sum of |b - b_zp|
/// over a column of b bounds every partial sum, which picks the number
/// format.
void evalQMatMul(Operation *op, const Tensor &a, const Tensor &b,
                 const Tensor *bias, Tensor &out) {
  int64_t aZp = getI64(op, "a_zp", 0);
  std::vector<int64_t> bZp = getZeroPoints(op, "b_zp");
  int64_t k = b.getDim(b.getRank() - 2), n = b.getShape().back();
  int64_t matrices = k * n == 0 ? 0 : b.getNumElements() / (k * n);
  u128 maxAbsSum = 0;
  for (int64_t p = 0; p < matrices; ++p)
    for (int64_t j = 0; j < n; ++j) {
      u128 sum = 0;
      for (int64_t l = 0; l < k; ++l)
        sum += magnitude(centered(b.ints()[(p * k + l) * n + j],
                                  bZp[bZp.size() == 1 ? 0 : j]));
      maxAbsSum = std::max(maxAbsSum, sum);
    }
  switch (getExactFormat(getMaxAbsCentered(a.ints(), aZp), maxAbsSum)) {
  case ExactFormat::F32:
    return qmatmul<float>(a, aZp, b, bZp, bias, out);
  case ExactFormat::F64:
    return qmatmul<double>(a, aZp, b, bZp, bias, out);
  case ExactFormat::U64:
    return qmatmul<uint64_t>(a, aZp, b, bZp, bias, out);
  }
}

llvm::Expected<Tensor> evalMatMul(Operation *op, const Tensor &a,
                                  const Tensor &b, const Tensor *bias,
                                  bool quantized) {
  std::string error;
  auto shape = inferMatMulShape(a.getShape(), b.getShape(), error);
  if (!shape)
    return opError(op, error);
  Tensor out(resultElementType(op), *shape);
  if (quantized)
    evalQMatMul(op, a, b, bias, out);
  else
    matmul(a, b, out);
  return out;
}

Tensor transpose2d(const Tensor &x) {
  Tensor out(x.getElementType(), {x.getDim(1), x.getDim(0)});
  for (int64_t i = 0; i < x.getDim(0); ++i)
    for (int64_t j = 0; j < x.getDim(1); ++j)
      out.floats()[j * x.getDim(0) + i] = x.floats()[i * x.getDim(1) + j];
  return out;
}

llvm::Expected<Tensor> evalGemm(Operation *op, const Tensor &a,
                                const Tensor &b, const Tensor *c) {
  GemmOp gemm(op);
  Tensor at = gemm.getTransA() ? transpose2d(a) : a;
  Tensor bt = gemm.getTransB() ? transpose2d(b) : b;
  if (at.getDim(1) != bt.getDim(0))
    return opError(op, "inner dimensions differ");
  int64_t m = at.getDim(0), k = at.getDim(1), n = bt.getDim(1);
  Tensor out(resultElementType(op), {m, n});
  float alpha = gemm.getAlpha(), beta = gemm.getBeta();
  Shape cShape = c ? Shape(c->getShape().begin(), c->getShape().end()) : Shape();
  Shape mn = {m, n};
  std::vector<double> cValues(m * n, 0.0);
  if (c) {
    if (!getBroadcastShape(cShape, mn))
      return opError(op, "C does not broadcast to the result");
    forEachBroadcast(cShape, mn, mn, [&](int64_t i, int64_t, int64_t o) {
      cValues[o] = c->floats()[i];
    });
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t l = 0; l < k; ++l)
        acc += at.floats()[i * k + l] * bt.floats()[l * n + j];
      out.setFloat(i * n + j, double(alpha) * acc + double(beta) * cValues[i * n + j]);
    }
  return out;
}

//===----------------------------------------------------------------------===//
// Pooling and normalization
//===----------------------------------------------------------------------===//

enum class PoolKind { Max, Avg, QSum };

llvm::Expected<Tensor> evalPool(Operation *op, const Tensor &x, PoolKind kind,
                                const Window &window) {
  std::string error;
  auto shape = inferPoolShape(x.getShape(), window, error);
  if (!shape)
    return opError(op, error);
  Tensor out(resultElementType(op), *shape);
  int64_t n = x.getDim(0), c = x.getDim(1), h = x.getDim(2), w = x.getDim(3);
  int64_t oh = (*shape)[2], ow = (*shape)[3];
  bool countPad = getI64(op, "count_include_pad", 0) != 0;
  int64_t xZp = getI64(op, "x_zp", 0);
  for (int64_t plane = 0; plane < n * c; ++plane)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        int64_t hStart = y * window.strides[0] - window.pads[0];
        int64_t wStart = xo * window.strides[1] - window.pads[1];
        // As ONNX Runtime: the padded window, clipped to the padded input,
        // is the divisor when padding counts.
        int64_t hEnd = std::min(hStart + (window.kernel[0] - 1) * window.dilations[0] + 1,
                                h + window.pads[2]);
        int64_t wEnd = std::min(wStart + (window.kernel[1] - 1) * window.dilations[1] + 1,
                                w + window.pads[3]);
        int64_t paddedCount = ((hEnd - hStart + window.dilations[0] - 1) /
                               window.dilations[0]) *
                              ((wEnd - wStart + window.dilations[1] - 1) /
                               window.dilations[1]);
        double maxValue = -std::numeric_limits<double>::infinity();
        int64_t maxInt = std::numeric_limits<int64_t>::min();
        double sum = 0;
        int64_t intSum = 0, count = 0;
        for (int64_t ky = 0; ky < window.kernel[0]; ++ky) {
          int64_t iy = hStart + ky * window.dilations[0];
          if (iy < 0 || iy >= h)
            continue;
          for (int64_t kx = 0; kx < window.kernel[1]; ++kx) {
            int64_t ix = wStart + kx * window.dilations[1];
            if (ix < 0 || ix >= w)
              continue;
            int64_t i = (plane * h + iy) * w + ix;
            ++count;
            if (x.isFloat()) {
              double value = x.floats()[i];
              if (value > maxValue) // NaN never wins, as in ONNX Runtime.
                maxValue = value;
              sum += value;
            } else {
              maxInt = std::max(maxInt, x.ints()[i]);
              intSum += x.ints()[i] - xZp;
            }
          }
        }
        int64_t o = (plane * oh + y) * ow + xo;
        switch (kind) {
        case PoolKind::Max:
          if (x.isFloat())
            out.setFloat(o, maxValue);
          else
            out.setInt(o, maxInt);
          break;
        case PoolKind::Avg:
          out.setFloat(o, count == 0 ? 0.0
                                     : sum / double(countPad ? paddedCount
                                                             : count));
          break;
        case PoolKind::QSum:
          out.setInt(o, intSum);
          break;
        }
      }
  return out;
}

Tensor evalGlobalAvgPool(Operation *op, const Tensor &x) {
  Shape shape(x.getShape().begin(), x.getShape().end());
  int64_t spatial = 1;
  for (size_t i = 2; i < shape.size(); ++i) {
    spatial *= shape[i];
    shape[i] = 1;
  }
  Tensor out(x.getElementType(), shape);
  for (int64_t plane = 0; plane < out.getNumElements(); ++plane) {
    double sum = 0;
    for (int64_t i = 0; i < spatial; ++i)
      sum += x.floats()[plane * spatial + i];
    out.setFloat(plane, sum / double(spatial));
  }
  return out;
}

Tensor evalBatchNorm(Operation *op, const Tensor &x, const Tensor &scale,
                     const Tensor &bias, const Tensor &mean,
                     const Tensor &var) {
  float epsilon = BatchNormOp(op).getEpsilon();
  Tensor out(x.getElementType(), x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    int64_t ch = channelOf(i, x.getShape(), 1);
    double value = (x.floats()[i] - mean.floats()[ch]) /
                       std::sqrt(var.floats()[ch] + double(epsilon)) *
                       scale.floats()[ch] +
                   bias.floats()[ch];
    out.setFloat(i, value);
  }
  return out;
}

Tensor evalSoftmax(Operation *op, const Tensor &x) {
  int64_t axis = getI64(op, "axis", -1);
  if (axis < 0)
    axis += x.getRank();
  int64_t dim = x.getDim(axis);
  int64_t inner = 1;
  for (size_t d = axis + 1; d < x.getRank(); ++d)
    inner *= x.getDim(d);
  int64_t outer = x.getNumElements() / std::max<int64_t>(dim * inner, 1);
  Tensor out(x.getElementType(), x.getShape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t k) { return (o * dim + k) * inner + in; };
      double maxValue = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < dim; ++k)
        maxValue = std::max(maxValue, x.floats()[at(k)]);
      double sum = 0;
      for (int64_t k = 0; k < dim; ++k)
        sum += std::exp(x.floats()[at(k)] - maxValue);
      for (int64_t k = 0; k < dim; ++k)
        out.setFloat(at(k), std::exp(x.floats()[at(k)] - maxValue) / sum);
    }
  return out;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

llvm::Expected<Tensor> evalReshape(Operation *op, const Tensor &x) {
  std::string error;
  auto shape = inferReshapeShape(x.getShape(), getI64Array(op, "shape"), error);
  if (!shape)
    return opError(op, error);
  if (getNumElements(*shape) != x.getNumElements())
    return opError(op, "cannot reshape " + formatShape(x.getShape()) + " to " +
                           formatShape(*shape));
  return x.reshaped(*shape);
}

Tensor evalTranspose(Operation *op, const Tensor &x) {
  int64_t rank = x.getRank();
  std::vector<int64_t> defaultPerm;
  for (int64_t i = rank - 1; i >= 0; --i)
    defaultPerm.push_back(i);
  std::vector<int64_t> perm = getI64Array(op, "perm", defaultPerm);
  Shape shape;
  for (int64_t p : perm)
    shape.push_back(x.getDim(p));
  Tensor out(x.getElementType(), shape);
  Shape inStrides = getStrides(x.getShape());
  Shape index(rank, 0);
  for (int64_t o = 0; o < out.getNumElements(); ++o) {
    int64_t in = 0;
    for (int64_t d = 0; d < rank; ++d)
      in += index[d] * inStrides[perm[d]];
    if (x.isFloat())
      out.floats()[o] = x.floats()[in];
    else
      out.ints()[o] = x.ints()[in];
    for (int64_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

Tensor evalConcat(Operation *op, llvm::ArrayRef<const Tensor *> inputs) {
  int64_t rank = inputs[0]->getRank();
  int64_t axis = getI64(op, "axis", 0);
  if (axis < 0)
    axis += rank;
  Shape shape(inputs[0]->getShape().begin(), inputs[0]->getShape().end());
  shape[axis] = 0;
  for (const Tensor *input : inputs)
    shape[axis] += input->getDim(axis);
  Tensor out(inputs[0]->getElementType(), shape);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  int64_t offset = 0;
  for (const Tensor *input : inputs) {
    int64_t chunk = input->getDim(axis) * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < chunk; ++i) {
        int64_t dst = o * shape[axis] * inner + offset + i;
        int64_t src = o * chunk + i;
        if (out.isFloat())
          out.floats()[dst] = input->floats()[src];
        else
          out.ints()[dst] = input->ints()[src];
      }
    offset += chunk;
  }
  return out;
}

Tensor evalPad(Operation *op, const Tensor &x) {
  std::vector<int64_t> pads = getI64Array(op, "pads");
  auto modeAttr = op->getAttrOfType<StringAttr>("mode");
  llvm::StringRef mode = modeAttr ? modeAttr.getValue() : "constant";
  int64_t rank = x.getRank();
  Shape shape;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(x.getDim(d) + pads[d] + pads[d + rank]);
  Tensor out(x.getElementType(), shape);
  double fill = 0;
  if (Attribute value = op->getAttr("value")) {
    if (auto f = value.dyn_cast<FloatAttr>())
      fill = f.getValue();
    else if (auto i = value.dyn_cast<IntegerAttr>())
      fill = double(i.getInt());
  }
  Shape inStrides = getStrides(x.getShape());
  Shape index(rank, 0);
  for (int64_t o = 0; o < out.getNumElements(); ++o) {
    int64_t in = 0;
    bool inside = true;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t i = index[d] - pads[d];
      int64_t size = x.getDim(d);
      if (i < 0 || i >= size) {
        if (mode == "constant") {
          inside = false;
          break;
        }
        if (mode == "edge")
          i = i < 0 ? 0 : size - 1;
        else // reflect
          i = i < 0 ? -i : 2 * (size - 1) - i;
      }
      in += i * inStrides[d];
    }
    if (x.isFloat())
      out.floats()[o] = inside ? x.floats()[in] : out.getElementType().cast<FloatType>().round(fill);
    else
      out.ints()[o] = inside ? x.ints()[in] : int64_t(fill);
    for (int64_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

} // namespace

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

bool interp::canEvaluate(const Operation *op) {
  llvm::StringRef dialect = op->getInfo().getDialect();
  return dialect == "nn" || dialect == "xb";
}

llvm::Expected<Tensor> interp::evaluate(Operation *op,
                                        llvm::ArrayRef<const Tensor *> args,
                                        PartialSumObserver *observer) {
  if (op->getInfo().getDialect() == "xb")
    return evaluateXbar(op, args, observer);
  if (auto constOp = op->dyn_cast<ConstOp>())
    return Tensor::fromAttr(constOp.getValue());
  if (op->isa<AddOp>() || op->isa<MulOp>())
    return evalBinary(op, *args[0], *args[1], op->isa<AddOp>());
  if (op->isa<ReluOp>())
    return evalClip(op, *args[0], 0.0, std::numeric_limits<double>::infinity());
  if (op->isa<ClipOp>()) {
    auto bound = [&](const char *name, double dflt) {
      Attribute attr = op->getAttr(name);
      if (auto f = attr.dyn_cast_or_null<FloatAttr>())
        return f.getValue();
      if (auto i = attr.dyn_cast_or_null<IntegerAttr>())
        return double(i.getInt());
      return dflt;
    };
    return evalClip(op, *args[0],
                    bound("min", -std::numeric_limits<double>::infinity()),
                    bound("max", std::numeric_limits<double>::infinity()));
  }
  if (op->isa<CastOp>())
    return evalCast(*args[0], resultElementType(op));
  if (op->isa<QuantizeOp>())
    return evalQuantize(op, *args[0]);
  if (op->isa<DequantizeOp>())
    return evalDequantize(op, *args[0]);
  if (op->isa<RequantizeOp>())
    return evalRequantize(op, *args[0]);
  if (op->isa<QAddOp>())
    return evalQAdd(op, *args[0], *args[1]);
  if (op->isa<QConvOp>() || op->isa<ConvOp>())
    return evalConv(op, *args[0], *args[1], args.size() > 2 ? args[2] : nullptr,
                    op->isa<QConvOp>());
  if (op->isa<QMatMulOp>() || op->isa<MatMulOp>())
    return evalMatMul(op, *args[0], *args[1],
                      args.size() > 2 ? args[2] : nullptr, op->isa<QMatMulOp>());
  if (op->isa<GemmOp>())
    return evalGemm(op, *args[0], *args[1], args.size() > 2 ? args[2] : nullptr);
  if (op->isa<MaxPoolOp>())
    return evalPool(op, *args[0], PoolKind::Max, MaxPoolOp(op).getWindow());
  if (op->isa<AvgPoolOp>())
    return evalPool(op, *args[0], PoolKind::Avg, AvgPoolOp(op).getWindow());
  if (op->isa<QAvgPoolOp>())
    return evalPool(op, *args[0], PoolKind::QSum, QAvgPoolOp(op).getWindow());
  if (op->isa<GlobalAvgPoolOp>())
    return evalGlobalAvgPool(op, *args[0]);
  if (op->isa<BatchNormOp>())
    return evalBatchNorm(op, *args[0], *args[1], *args[2], *args[3], *args[4]);
  if (op->isa<SoftmaxOp>())
    return evalSoftmax(op, *args[0]);
  if (op->isa<ReshapeOp>())
    return evalReshape(op, *args[0]);
  if (op->isa<TransposeOp>())
    return evalTranspose(op, *args[0]);
  if (op->isa<ConcatOp>())
    return evalConcat(op, args);
  if (op->isa<PadOp>())
    return evalPad(op, *args[0]);
  return opError(op, "the reference interpreter cannot execute this op");
}

llvm::Expected<std::vector<Tensor>> interp::run(Function &fn,
                                                std::vector<Tensor> inputs,
                                                PartialSumObserver *observer) {
  Block &body = fn.getBody();
  if (inputs.size() != body.getNumArguments())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(), "function '@%s' takes %u inputs, got %zu",
        fn.getName().str().c_str(), body.getNumArguments(), inputs.size());

  llvm::DenseMap<Value *, Tensor> values;
  for (unsigned i = 0; i < body.getNumArguments(); ++i) {
    BlockArgument *arg = body.getArgument(i);
    auto type = arg->getType().cast<TensorType>();
    Tensor &input = inputs[i];
    bool shapeOk = input.getRank() == type.getRank();
    for (unsigned d = 0; shapeOk && d < type.getRank(); ++d)
      shapeOk = type.isDynamicDim(d) || type.getDimSize(d) == input.getDim(d);
    if (input.getElementType() == type.getElementType() && shapeOk &&
        input.isInteger())
      if (auto intType = type.getElementType().dyn_cast<IntegerType>())
        for (int64_t v : input.ints())
          if (intType.wrap(v) != v)
            return llvm::createStringError(
                llvm::inconvertibleErrorCode(),
                "input #%u holds %lld, which does not fit its element type", i,
                (long long)v);
    if (input.getElementType() != type.getElementType() || !shapeOk) {
      std::string expected, got;
      llvm::raw_string_ostream(expected) << Type(type);
      llvm::raw_string_ostream(got) << Type(input.getType());
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "input #%u must be %s, got %s", i,
                                     expected.c_str(), got.c_str());
    }
    values[arg] = std::move(input);
  }

  // Free each value after its last use, so large batches fit in memory.
  llvm::DenseMap<Value *, Operation *> lastUse;
  for (Operation &op : body)
    for (Value *operand : op.getOperands())
      lastUse[operand] = &op;

  for (Operation &op : body) {
    if (op.isa<ReturnOp>()) {
      std::vector<Tensor> results;
      for (Value *operand : op.getOperands())
        results.push_back(values[operand]);
      return results;
    }
    llvm::SmallVector<const Tensor *, 4> operands;
    for (Value *operand : op.getOperands())
      operands.push_back(&values[operand]);
    auto result = evaluate(&op, operands, observer);
    if (!result)
      return result.takeError();
    for (Value *operand : op.getOperands())
      if (lastUse[operand] == &op)
        values.erase(operand);
    values[op.getResult(0)] = std::move(*result);
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "function '@%s' has no return",
                                 fn.getName().str().c_str());
}
