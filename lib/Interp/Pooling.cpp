//===- Pooling.cpp - Pooling and normalization kernels --------------------===//
//
// The interpreter's kernels for the pools (nn.maxpool, nn.avgpool,
// nn.qavgpool, nn.globalavgpool), nn.batchnorm and nn.softmax. Float
// reductions accumulate in double, in order; pooling windows follow ONNX
// Runtime (the divisor of a padded average, NaN never the maximum).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "ohm/NN/NNOps.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace ohm;
using namespace ohm::interp;
using namespace ohm::nn;

llvm::Expected<Tensor> interp::evalPool(Operation *op, const Tensor &x,
                                        PoolKind kind, const Window &window) {
  std::string error;
  ErrorStream err(error);
  auto shape = inferPoolShape(x.getShape(), window, err);
  if (!shape)
    return opError(op, error);
  Tensor out(resultElementType(op), *shape);
  int64_t n = x.getDim(0), c = x.getDim(1), h = x.getDim(2), w = x.getDim(3);
  int64_t oh = (*shape)[2], ow = (*shape)[3];
  bool countPad = getIntAttr(op, "count_include_pad", 0) != 0;
  int64_t xZp = getIntAttr(op, "x_zp", 0);
  for (int64_t plane = 0; plane < n * c; ++plane)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        int64_t hStart = y * window.strides[0] - window.pads[0];
        int64_t wStart = xo * window.strides[1] - window.pads[1];
        // As ONNX Runtime: the padded window, clipped to the padded input,
        // is the divisor when padding counts.
        int64_t hEnd =
            std::min(hStart + (window.kernel[0] - 1) * window.dilations[0] + 1,
                     h + window.pads[2]);
        int64_t wEnd =
            std::min(wStart + (window.kernel[1] - 1) * window.dilations[1] + 1,
                     w + window.pads[3]);
        int64_t paddedCount =
            ((hEnd - hStart + window.dilations[0] - 1) / window.dilations[0]) *
            ((wEnd - wStart + window.dilations[1] - 1) / window.dilations[1]);
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
          out.setFloat(o, count == 0
                              ? 0.0
                              : sum / double(countPad ? paddedCount : count));
          break;
        case PoolKind::QSum:
          out.setInt(o, intSum);
          break;
        }
      }
  return out;
}

Tensor interp::evalGlobalAvgPool(Operation *op, const Tensor &x) {
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

Tensor interp::evalBatchNorm(Operation *op, const Tensor &x,
                             const Tensor &scale, const Tensor &bias,
                             const Tensor &mean, const Tensor &var) {
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

Tensor interp::evalSoftmax(Operation *op, const Tensor &x) {
  int64_t axis = getIntAttr(op, "axis", -1);
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
