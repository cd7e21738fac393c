//===- Elementwise.cpp - Elementwise and quantization kernels -------------===//
//
// The interpreter's kernels for nn.add, nn.mul, nn.relu, nn.clip, nn.cast
// and the quantization ops (nn.quantize, nn.dequantize, nn.requantize,
// nn.qadd). Where DESIGN.md section 5 says "as ONNX Runtime computes it",
// the kernel follows ONNX Runtime's reference (MLAS) arithmetic step by
// step: which values are f32, where rounding happens (half to even), and in
// which order clamping and the zero point are applied. Integers wrap to the
// result type.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "ohm/NN/NNOps.h"

#include <algorithm>
#include <cmath>

using namespace ohm;
using namespace ohm::interp;
using namespace ohm::nn;

/// f32 round half to even, as std::nearbyintf in the default rounding mode.
static float roundHalfEven(float value) { return std::nearbyintf(value); }

/// Clamps to [lo, hi] (NaN goes to `nanValue`).
static int64_t clampToRange(double value, int64_t lo, int64_t hi,
                            int64_t nanValue) {
  if (std::isnan(value))
    return nanValue;
  // Raise to lo first (double(lo) is exact for every integer type's
  // minimum); anything from 2^63 up cannot convert and saturates to hi.
  double raised = std::max(value, double(lo));
  if (raised >= 0x1p63)
    return hi;
  return std::min(int64_t(raised), hi);
}

/// The range of an integer type, as int64 (u64's top saturates).
static void typeRange(Type type, int64_t &lo, int64_t &hi) {
  auto intType = type.cast<IntegerType>();
  lo = intType.getMinValue();
  hi = intType.getMaxInt64();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

llvm::Expected<Tensor> interp::evalBinary(Operation *op, const Tensor &a,
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

Tensor interp::evalClip(Operation *op, const Tensor &x, double lo, double hi) {
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

Tensor interp::evalActivation(Operation *op, const Tensor &x) {
  nn::ActivationOp activation(op);
  llvm::StringRef kind = activation.getKind();
  double alpha = activation.getAlpha();
  Tensor out(x.getElementType(), x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    double value = x.floats()[i];
    if (kind == "sigmoid")
      value = 1.0 / (1.0 + std::exp(-value));
    else if (kind == "tanh")
      value = std::tanh(value);
    else if (value < 0)
      value = alpha * value;
    out.setFloat(i, value);
  }
  return out;
}

Tensor interp::evalCast(const Tensor &x, Type to) {
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
Tensor interp::evalQuantize(Operation *op, const Tensor &x) {
  QuantParams params = QuantParams::get(op);
  Type to = resultElementType(op);
  int64_t lo, hi;
  typeRange(to, lo, hi);
  Tensor out(to, x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    int64_t channel =
        params.isPerTensor() ? 0 : channelOf(i, x.getShape(), params.axis);
    float scale = params.getScale(channel);
    int64_t zp = params.getZeroPoint(channel);
    float value = roundHalfEven(float(x.floats()[i]) / scale) + float(zp);
    out.ints()[i] = clampToRange(value, lo, hi, zp);
  }
  return out;
}

/// ONNX Runtime's DequantizeLinear: float(x - zp) * scale in f32.
Tensor interp::evalDequantize(Operation *op, const Tensor &x) {
  QuantParams params = QuantParams::get(op);
  Tensor out(resultElementType(op), x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    int64_t channel =
        params.isPerTensor() ? 0 : channelOf(i, x.getShape(), params.axis);
    float value = float(x.ints()[i] - params.getZeroPoint(channel)) *
                  params.getScale(channel);
    out.setFloat(i, value);
  }
  return out;
}

/// DESIGN.md section 5 requantize, float mode as MlasRequantizeOutput:
/// f32(acc) * M in f32, clamped, rounded half to even, plus zp.
Tensor interp::evalRequantize(Operation *op, const Tensor &x) {
  QuantParams params = QuantParams::get(op);
  RequantizeOp requant(op);
  Type to = resultElementType(op);
  int64_t lo, hi;
  typeRange(to, lo, hi);
  lo = getIntAttr(op, "min", lo);
  hi = getIntAttr(op, "max", hi);
  int64_t inputZp = getIntAttr(op, "input_zp", 0);
  int64_t zp = params.getZeroPoint(0);
  std::vector<int64_t> multipliers =
      getIntOrDenseValues(op->getAttr("multiplier"));
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
      value =
          clampToRange(double(roundHalfEven(scaled)) + double(zp), lo, hi, zp);
    }
    out.ints()[i] = value;
  }
  return out;
}

/// ONNX Runtime's QLinearAdd: the f32 sum of both rescaled inputs, rounded
/// half to even, plus zp, clamped.
Tensor interp::evalQAdd(Operation *op, const Tensor &a, const Tensor &b) {
  float lhsScale = float(op->getAttrOfType<FloatAttr>("lhs_scale").getValue());
  float rhsScale = float(op->getAttrOfType<FloatAttr>("rhs_scale").getValue());
  int64_t lhsZp = getIntAttr(op, "lhs_zp", 0),
          rhsZp = getIntAttr(op, "rhs_zp", 0);
  int64_t zp = getIntAttr(op, "zp", 0);
  Type to = resultElementType(op);
  int64_t lo, hi;
  typeRange(to, lo, hi);
  auto shape = getBroadcastShape(a.getShape(), b.getShape());
  Tensor out(to, *shape);
  forEachBroadcast(
      a.getShape(), b.getShape(), *shape, [&](int64_t i, int64_t j, int64_t n) {
        float value = lhsScale * float(a.ints()[i] - lhsZp) +
                      rhsScale * float(b.ints()[j] - rhsZp);
        out.ints()[n] =
            clampToRange(double(roundHalfEven(value)) + double(zp), lo, hi, zp);
      });
  return out;
}
