//===- LinearAlgebra.cpp - Convolution and matrix product kernels ---------===//
//
// The interpreter's kernels for nn.conv, nn.qconv, nn.matmul, nn.qmatmul
// and nn.gemm. Float convolutions and products keep their plain loops: the
// order of a float sum is part of its result. The integer ones (nn.qconv,
// nn.qmatmul) are im2col and an exact GEMM (Gemm.h), whose result does not
// depend on the order; each number format instantiates the kernels below
// once. Integer accumulations are exact (modulo 2^64) and wrapped to the
// result type.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "ohm/Interp/Gemm.h"
#include "ohm/NN/NNOps.h"

#include <algorithm>

using namespace ohm;
using namespace ohm::interp;
using namespace ohm::nn;

using u128 = unsigned __int128;

/// The zero points in attribute `name`: one, or one per output channel.
static std::vector<int64_t> getZeroPoints(Operation *op, const char *name) {
  std::vector<int64_t> zps = getIntOrDenseValues(op->getAttr(name));
  if (zps.empty())
    zps = {0};
  return zps;
}

/// The largest |value - zp| over `values`.
static uint64_t getMaxAbsCentered(llvm::ArrayRef<int64_t> values, int64_t zp) {
  uint64_t maxAbs = 0;
  for (int64_t value : values)
    maxAbs = std::max(maxAbs, magnitude(centered(value, zp)));
  return maxAbs;
}

/// 2-D float convolution, accumulating in double in (ic, ky, kx) order.
template <typename XAt, typename WAt, typename Store>
static void conv2d(llvm::ArrayRef<int64_t> xs, llvm::ArrayRef<int64_t> ws,
                   llvm::ArrayRef<int64_t> ys, const Window &window,
                   int64_t group, XAt xAt, WAt wAt, Store store) {
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
static void im2col(const T *image, int64_t h, int64_t w, int64_t cg, int64_t kh,
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
static void qconv2d(const Tensor &x, int64_t xZp, const Tensor &w,
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
static void evalQConv(Operation *op, const Tensor &x, const Tensor &w,
                      const Tensor *bias, const Window &window, int64_t group,
                      Tensor &out) {
  int64_t xZp = getIntAttr(op, "x_zp", 0);
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

llvm::Expected<Tensor> interp::evalConv(Operation *op, const Tensor &x,
                                        const Tensor &w, const Tensor *bias,
                                        bool quantized) {
  Window window = quantized ? QConvOp(op).getWindow() : ConvOp(op).getWindow();
  window.kernel = {w.getDim(2), w.getDim(3)};
  int64_t group = getIntAttr(op, "group", 1);
  std::string error;
  ErrorStream err(error);
  auto shape = inferConvShape(x.getShape(), w.getShape(), window, group, err);
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
static void getBatchIndices(llvm::ArrayRef<int64_t> as,
                            llvm::ArrayRef<int64_t> bs,
                            llvm::ArrayRef<int64_t> ys,
                            std::vector<int64_t> &aIndex,
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
static void matmul(const Tensor &a, const Tensor &b, Tensor &out) {
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
static void qmatmul(const Tensor &a, int64_t aZp, const Tensor &b,
                    llvm::ArrayRef<int64_t> bZp, const Tensor *bias,
                    Tensor &out) {
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
static void evalQMatMul(Operation *op, const Tensor &a, const Tensor &b,
                        const Tensor *bias, Tensor &out) {
  int64_t aZp = getIntAttr(op, "a_zp", 0);
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

llvm::Expected<Tensor> interp::evalMatMul(Operation *op, const Tensor &a,
                                          const Tensor &b, const Tensor *bias,
                                          bool quantized) {
  std::string error;
  ErrorStream err(error);
  auto shape = inferMatMulShape(a.getShape(), b.getShape(), err);
  if (!shape)
    return opError(op, error);
  Tensor out(resultElementType(op), *shape);
  if (quantized)
    evalQMatMul(op, a, b, bias, out);
  else
    matmul(a, b, out);
  return out;
}

static Tensor transpose2d(const Tensor &x) {
  Tensor out(x.getElementType(), {x.getDim(1), x.getDim(0)});
  for (int64_t i = 0; i < x.getDim(0); ++i)
    for (int64_t j = 0; j < x.getDim(1); ++j)
      out.floats()[j * x.getDim(0) + i] = x.floats()[i * x.getDim(1) + j];
  return out;
}

llvm::Expected<Tensor> interp::evalGemm(Operation *op, const Tensor &a,
                                        const Tensor &b, const Tensor *c) {
  GemmOp gemm(op);
  Tensor at = gemm.getTransA() ? transpose2d(a) : a;
  Tensor bt = gemm.getTransB() ? transpose2d(b) : b;
  if (at.getDim(1) != bt.getDim(0))
    return opError(op, "inner dimensions differ");
  int64_t m = at.getDim(0), k = at.getDim(1), n = bt.getDim(1);
  Tensor out(resultElementType(op), {m, n});
  float alpha = gemm.getAlpha(), beta = gemm.getBeta();
  Shape cShape =
      c ? Shape(c->getShape().begin(), c->getShape().end()) : Shape();
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
      out.setFloat(i * n + j,
                   double(alpha) * acc + double(beta) * cValues[i * n + j]);
    }
  return out;
}
