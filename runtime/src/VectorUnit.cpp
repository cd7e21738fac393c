//===- VectorUnit.cpp - The vector unit -----------------------------------===//
//
// Every instruction that is not a crossbar read (data movement is in
// DataMovement.cpp, the fused epilogue in Epilogue.cpp). Each kernel mirrors
// the reference interpreter's arithmetic operation for operation (f32 rounding
// points, round half to even, clamping order, NaN handling) -- that is
// what keeps the simulator bit-exact against it -- but runs as typed loops
// over contiguous memory, dispatching on the element type once per
// instruction, split over the threads where the work is large.
//
//===----------------------------------------------------------------------===//

#include "VectorKernels.h"

#include <limits>

using namespace ohmrt;
using namespace ohmrt::detail;

namespace {
using I = program::Instruction;
} // namespace

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

void Machine::requantize(const program::Requantize &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  bool perChannel = op.scales_size() > 1;
  ChannelLayout layout(src.dims, op.axis(), perChannel, src.count);
  int64_t inputZp = op.input_zero_point(), zp = op.zero_point();
  int64_t lo = op.min(), hi = op.max();
  int64_t tlo, thi;
  dst.range(tlo, thi);
  // Clamped values fit the destination unless min/max exceed its type;
  // then they wrap, through an int64 staging line.
  bool direct = dst.isFullWidth() && !dst.isFloat() && lo >= tlo && hi <= thi;
  src.withInts([&](auto *x) {
    auto lines = [&](auto *out, int64_t begin, int64_t end) {
      using D = std::remove_pointer_t<decltype(out)>;
      std::vector<int64_t> staging;
      for (int64_t i = begin; i < end;) {
        int64_t ch = layout.channelOf(i);
        int64_t count =
            std::min(end, (i / layout.inner + 1) * layout.inner) - i;
        int64_t *wide = nullptr;
        if (!direct) {
          staging.resize(size_t(count));
          wide = staging.data();
        }
        auto run = [&](auto *to) {
          if (op.fixed_point())
            requantizeFixed(x + i, to, count, op.multipliers(int(ch)),
                            31 + op.shifts(int(ch)), inputZp, zp, lo, hi);
          else
            requantizeFloat(x + i, to, count, op.scales(int(ch)), inputZp, zp,
                            lo, hi);
        };
        if (direct) {
          run(out + i);
        } else {
          run(wide);
          for (int64_t j = 0; j < count; ++j)
            dst.storeInt(i + j, wide[j]);
        }
        i += count;
      }
      (void)sizeof(D);
    };
    pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
      dst.withInts([&](auto *out) { lines(out, begin, end); });
    });
  });
}

namespace {
/// QuantizeLinear per tensor into bytes, vectorizable: round(x / scale)
/// clamped to [lo - zp, hi - zp], plus zp -- equal to adding zp in float
/// and clamping to [lo, hi] (every bound and zp below 2^24), and NaN
/// becomes zp, as clampToRange does.
template <typename D>
OHMRT_VECTOR_CLONES void quantizeFast(const float *x, D *out, int64_t count,
                                      float scale, int32_t zp, float lo,
                                      float hi) {
  for (int64_t i = 0; i < count; ++i)
    out[i] = D(roundClamp(x[i] / scale, lo, hi) + zp);
}

/// The zero point of `channel` of a quantize or dequantize: none (0), one
/// for the tensor, or one per channel.
template <typename Op> int64_t channelZeroPoint(const Op &op, int64_t channel) {
  if (op.zero_points_size() == 0)
    return 0;
  return op.zero_points(op.zero_points_size() == 1 ? 0 : int(channel));
}
} // namespace

void Machine::quantize(const program::Quantize &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t lo, hi;
  dst.range(lo, hi);
  bool perChannel = op.scales_size() > 1;
  ChannelLayout layout(src.dims, op.axis(), perChannel, src.count);
  const int64_t limit = int64_t(1) << 24;
  if (!perChannel && src.dtype == program::F32 && dst.bytes == 1 &&
      std::abs(lo) < limit && std::abs(hi) < limit) {
    int64_t zp = op.zero_points_size() ? op.zero_points(0) : 0;
    if (std::abs(zp) < limit && std::abs(lo - zp) < limit &&
        std::abs(hi - zp) < limit) {
      dst.withInts([&](auto *out) {
        pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
          quantizeFast(src.as<float>() + begin, out + begin, end - begin,
                       op.scales(0), int32_t(zp), float(lo - zp),
                       float(hi - zp));
        });
      });
      return;
    }
  }
  withFloats(src, [&](auto *x) {
    pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t channel = layout.channelOf(i);
        int64_t zp = channelZeroPoint(op, channel);
        float value =
            roundHalfEven(float(x[i]) / op.scales(int(channel))) + float(zp);
        dst.storeInt(i, clampToRange(value, lo, hi, zp));
      }
    });
  });
}

void Machine::dequantize(const program::Dequantize &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  bool perChannel = op.scales_size() > 1;
  ChannelLayout layout(src.dims, op.axis(), perChannel, src.count);
  src.withInts([&](auto *x) {
    pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t channel = layout.channelOf(i);
        int64_t zp = channelZeroPoint(op, channel);
        float value = float(int64_t(x[i]) - zp) * op.scales(int(channel));
        dst.storeFloat(i, value);
      }
    });
  });
}

namespace {
/// QLinearAdd of same-shape operands of at most 16 bits with zero points
/// and clamp bounds within 2^24, vectorizable (see requantizeFloatFast;
/// the project builds with -ffp-contract=off, so the two products are
/// rounded before they are added, as in the reference interpreter).
template <typename L, typename R, typename D>
OHMRT_VECTOR_CLONES void qaddFast(const L *l, const R *r, D *out, int64_t count,
                                  float lhsScale, float rhsScale, int32_t lhsZp,
                                  int32_t rhsZp, int32_t zp, float lo,
                                  float hi) {
  for (int64_t i = 0; i < count; ++i) {
    float value = lhsScale * float(int32_t(l[i]) - lhsZp) +
                  rhsScale * float(int32_t(r[i]) - rhsZp);
    out[i] = D(roundClamp(value, lo, hi) + zp);
  }
}
} // namespace

void Machine::qadd(const program::QAdd &op) {
  Mem lhs = mem(op.lhs()), rhs = mem(op.rhs()), dst = mem(op.dst());
  int64_t lo, hi;
  dst.range(lo, hi);
  lhs.withInts([&](auto *l) {
    rhs.withInts([&](auto *r) {
      dst.withInts([&](auto *out) {
        using D = std::remove_pointer_t<decltype(out)>;
        // Values are clamped to the destination's logical range, which its
        // storage holds.
        auto element = [&](int64_t i, int64_t j, int64_t n) {
          float value =
              op.lhs_scale() * float(int64_t(l[i]) - op.lhs_zero_point()) +
              op.rhs_scale() * float(int64_t(r[j]) - op.rhs_zero_point());
          out[n] = D(clampToRange(double(roundHalfEven(value)) +
                                      double(op.zero_point()),
                                  lo, hi, op.zero_point()));
        };
        if (lhs.dims == dst.dims && rhs.dims == dst.dims) {
          const int64_t limit = int64_t(1) << 24;
          int64_t zp = op.zero_point();
          bool fast = sizeof(*l) <= 2 && sizeof(*r) <= 2 &&
                      std::abs(op.lhs_zero_point()) < limit &&
                      std::abs(op.rhs_zero_point()) < limit &&
                      std::abs(zp) < limit && std::abs(lo - zp) < limit &&
                      std::abs(hi - zp) < limit;
          pool->parallelFor(dst.count, kGrain, [&](int64_t begin, int64_t end) {
            if (fast)
              return qaddFast(l + begin, r + begin, out + begin, end - begin,
                              op.lhs_scale(), op.rhs_scale(),
                              int32_t(op.lhs_zero_point()),
                              int32_t(op.rhs_zero_point()), int32_t(zp),
                              float(lo - zp), float(hi - zp));
            for (int64_t i = begin; i < end; ++i)
              element(i, i, i);
          });
          return;
        }
        forEachBroadcast(lhs.dims, rhs.dims, dst.dims, element);
      });
    });
  });
}

//===----------------------------------------------------------------------===//
// Element-wise and reductions
//===----------------------------------------------------------------------===//

void Machine::clip(const program::Clip &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  double lo =
      op.has_min() ? op.min() : -std::numeric_limits<double>::infinity();
  double hi = op.has_max() ? op.max() : std::numeric_limits<double>::infinity();
  if (src.isFloat()) {
    withFloats(src, [&](auto *x) {
      for (int64_t i = 0; i < src.count; ++i) {
        double value = double(x[i]);
        if (!std::isnan(value))
          value = std::min(std::max(value, lo), hi);
        dst.storeFloat(i, value);
      }
    });
    return;
  }
  src.withInts([&](auto *x) {
    pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t value = int64_t(x[i]);
        if (double(value) < lo)
          value = int64_t(lo);
        if (double(value) > hi)
          value = int64_t(hi);
        dst.storeInt(i, value);
      }
    });
  });
}

void Machine::cast(const program::Cast &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  for (int64_t i = 0; i < src.count; ++i) {
    if (dst.isFloat()) {
      dst.storeFloat(i, src.loadFloat(i));
    } else if (dst.bits == 1) {
      dst.storeInt(i, src.loadFloat(i) != 0);
    } else if (src.isFloat()) {
      double value = std::trunc(src.loadFloat(i));
      if (std::isnan(value))
        value = 0;
      value = std::min(std::max(value, -9.2e18), 9.2e18);
      dst.storeInt(i, int64_t(value));
    } else {
      dst.storeInt(i, src.loadInt(i));
    }
  }
}

void Machine::binary(const program::Binary &op) {
  Mem lhs = mem(op.lhs()), rhs = mem(op.rhs()), dst = mem(op.dst());
  bool add = op.kind() == program::ADD;
  if (lhs.dtype == program::U64 || rhs.dtype == program::U64) {
    // u64 values convert to double from their unsigned bits.
    forEachBroadcast(lhs.dims, rhs.dims, dst.dims,
                     [&](int64_t i, int64_t j, int64_t n) {
                       if (dst.isFloat()) {
                         double x = lhs.loadFloat(i), y = rhs.loadFloat(j);
                         dst.storeFloat(n, add ? x + y : x * y);
                       } else {
                         uint64_t x = lhs.loadInt(i), y = rhs.loadInt(j);
                         dst.storeInt(n, int64_t(add ? x + y : x * y));
                       }
                     });
    return;
  }
  withAnyType(lhs, [&](auto *l) {
    withAnyType(rhs, [&](auto *r) {
      if (dst.isFloat())
        forEachBroadcast(lhs.dims, rhs.dims, dst.dims,
                         [&](int64_t i, int64_t j, int64_t n) {
                           double x = double(l[i]), y = double(r[j]);
                           dst.storeFloat(n, add ? x + y : x * y);
                         });
      else
        forEachBroadcast(lhs.dims, rhs.dims, dst.dims,
                         [&](int64_t i, int64_t j, int64_t n) {
                           uint64_t x = uint64_t(int64_t(l[i]));
                           uint64_t y = uint64_t(int64_t(r[j]));
                           dst.storeInt(n, int64_t(add ? x + y : x * y));
                         });
    });
  });
}

/// 2x2 windows with stride 2 and no padding: every window is whole, and
/// the loop vectorizes.
template <typename T>
static void maxPool2x2(const T *x, T *y, int64_t planes, int64_t h, int64_t w,
                       int64_t oh, int64_t ow) {
  for (int64_t plane = 0; plane < planes; ++plane, x += h * w)
    for (int64_t oy = 0; oy < oh; ++oy, y += ow) {
      const T *r0 = x + 2 * oy * w, *r1 = r0 + w;
      for (int64_t ox = 0; ox < ow; ++ox)
        y[ox] = std::max(std::max(r0[2 * ox], r0[2 * ox + 1]),
                         std::max(r1[2 * ox], r1[2 * ox + 1]));
    }
}

/// Integer max pooling (any padding; dilation 1, no ceil mode), in two
/// passes per output row: the maximum over the window's rows for every
/// column (a contiguous loop that vectorizes), then over the window's
/// columns. Every window holds at least one pixel (checked by the caller).
template <typename T>
static void maxPoolInts(const T *x, T *y, int64_t planes, int64_t h, int64_t w,
                        int64_t oh, int64_t ow, const program::Pool &op) {
  int64_t kh = op.kernel(0), kw = op.kernel(1);
  int64_t sh = op.strides(0), sw = op.strides(1);
  int64_t pt = op.pads(0), pl = op.pads(1);
  std::vector<T> columns(static_cast<size_t>(w));
  for (int64_t plane = 0; plane < planes; ++plane, x += h * w)
    for (int64_t oy = 0; oy < oh; ++oy) {
      int64_t y0 = std::max<int64_t>(oy * sh - pt, 0);
      int64_t y1 = std::min<int64_t>(oy * sh - pt + kh, h);
      T *column = columns.data();
      std::copy(x + y0 * w, x + (y0 + 1) * w, column);
      for (int64_t iy = y0 + 1; iy < y1; ++iy) {
        const T *row = x + iy * w;
        for (int64_t ix = 0; ix < w; ++ix)
          column[ix] = std::max(column[ix], row[ix]);
      }
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t x0 = std::max<int64_t>(ox * sw - pl, 0);
        int64_t x1 = std::min<int64_t>(ox * sw - pl + kw, w);
        T best = column[x0];
        for (int64_t ix = x0 + 1; ix < x1; ++ix)
          best = std::max(best, column[ix]);
        *y++ = best;
      }
    }
}

void Machine::pool2d(const program::Pool &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t planes = src.dims[0] * src.dims[1], h = src.dims[2], w = src.dims[3];
  int64_t oh = dst.dims[2], ow = dst.dims[3];
  // Windows that always hold a pixel (so the maximum is one of them).
  bool simpleWindow = op.dilations(0) == 1 && op.dilations(1) == 1 &&
                      !op.ceil_mode() && op.pads(0) < op.kernel(0) &&
                      op.pads(1) < op.kernel(1) && op.pads(2) < op.kernel(0) &&
                      op.pads(3) < op.kernel(1);
  if (op.kind() == program::MAX && !src.isFloat() && simpleWindow) {
    src.withInts([&](auto *in) {
      auto *out = reinterpret_cast<decltype(in)>(dst.data);
      bool is2x2 = op.kernel(0) == 2 && op.kernel(1) == 2 &&
                   op.strides(0) == 2 && op.strides(1) == 2 &&
                   op.pads(0) == 0 && op.pads(1) == 0 && op.pads(2) == 0 &&
                   op.pads(3) == 0;
      pool->parallelFor(planes, 16, [&](int64_t begin, int64_t end) {
        auto *from = in + begin * h * w;
        auto *to = out + begin * oh * ow;
        if (is2x2)
          maxPool2x2(from, to, end - begin, h, w, oh, ow);
        else
          maxPoolInts(from, to, end - begin, h, w, oh, ow, op);
      });
    });
    return;
  }
  for (int64_t plane = 0; plane < planes; ++plane)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        int64_t hStart = y * op.strides(0) - op.pads(0);
        int64_t wStart = xo * op.strides(1) - op.pads(1);
        int64_t hEnd = std::min(
            hStart + (op.kernel(0) - 1) * op.dilations(0) + 1, h + op.pads(2));
        int64_t wEnd = std::min(
            wStart + (op.kernel(1) - 1) * op.dilations(1) + 1, w + op.pads(3));
        int64_t paddedCount =
            ((hEnd - hStart + op.dilations(0) - 1) / op.dilations(0)) *
            ((wEnd - wStart + op.dilations(1) - 1) / op.dilations(1));
        double maxValue = -std::numeric_limits<double>::infinity();
        int64_t maxInt = std::numeric_limits<int64_t>::min();
        double sum = 0;
        int64_t intSum = 0, count = 0;
        for (int64_t ky = 0; ky < op.kernel(0); ++ky) {
          int64_t iy = hStart + ky * op.dilations(0);
          if (iy < 0 || iy >= h)
            continue;
          for (int64_t kx = 0; kx < op.kernel(1); ++kx) {
            int64_t ix = wStart + kx * op.dilations(1);
            if (ix < 0 || ix >= w)
              continue;
            int64_t i = (plane * h + iy) * w + ix;
            ++count;
            if (src.isFloat()) {
              double value = src.loadFloat(i);
              if (value > maxValue)
                maxValue = value;
              sum += value;
            } else {
              int64_t value = src.loadInt(i);
              maxInt = std::max(maxInt, value);
              intSum += value - op.zero_point();
            }
          }
        }
        int64_t o = (plane * oh + y) * ow + xo;
        switch (op.kind()) {
        case program::MAX:
          if (src.isFloat())
            dst.storeFloat(o, maxValue);
          else
            dst.storeInt(o, maxInt);
          break;
        case program::AVERAGE:
          dst.storeFloat(o, count == 0 ? 0.0
                                       : sum / double(op.count_include_pad()
                                                          ? paddedCount
                                                          : count));
          break;
        default:
          dst.storeInt(o, intSum);
          break;
        }
      }
}

void Machine::globalAvgPool(const program::GlobalAvgPool &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t spatial = src.count / std::max<int64_t>(dst.count, 1);
  if (src.dtype == program::U64) {
    for (int64_t plane = 0; plane < dst.count; ++plane) {
      double sum = 0;
      for (int64_t i = 0; i < spatial; ++i)
        sum += src.loadFloat(plane * spatial + i);
      dst.storeFloat(plane, sum / double(spatial));
    }
    return;
  }
  withAnyType(src, [&](auto *x) {
    pool->parallelFor(dst.count, 64, [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        double sum = 0;
        for (int64_t i = 0; i < spatial; ++i)
          sum += double(x[plane * spatial + i]);
        dst.storeFloat(plane, sum / double(spatial));
      }
    });
  });
}

void Machine::activation(const program::Activation &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  double alpha = op.alpha();
  // The reference interpreter's formulas (lib/Interp/Elementwise.cpp).
  switch (op.kind()) {
  case program::SIGMOID:
    for (int64_t i = 0; i < src.count; ++i)
      dst.storeFloat(i, 1.0 / (1.0 + std::exp(-src.loadFloat(i))));
    return;
  case program::TANH:
    for (int64_t i = 0; i < src.count; ++i)
      dst.storeFloat(i, std::tanh(src.loadFloat(i)));
    return;
  default:
    for (int64_t i = 0; i < src.count; ++i) {
      double x = src.loadFloat(i);
      dst.storeFloat(i, x < 0 ? alpha * x : x);
    }
    return;
  }
}

void Machine::softmax(const program::Softmax &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t axis = op.axis(), dim = src.dims[size_t(axis)], inner = 1;
  for (size_t d = size_t(axis) + 1; d < src.dims.size(); ++d)
    inner *= src.dims[d];
  int64_t outer = src.count / std::max<int64_t>(dim * inner, 1);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t k) { return (o * dim + k) * inner + in; };
      double maxValue = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < dim; ++k)
        maxValue = std::max(maxValue, src.loadFloat(at(k)));
      double sum = 0;
      for (int64_t k = 0; k < dim; ++k)
        sum += std::exp(src.loadFloat(at(k)) - maxValue);
      for (int64_t k = 0; k < dim; ++k)
        dst.storeFloat(at(k), std::exp(src.loadFloat(at(k)) - maxValue) / sum);
    }
}

bool Machine::executeVector(const program::Instruction &inst) {
  switch (inst.op_case()) {
  case I::kIm2Col:
    return im2col(inst.im2col());
  case I::kRows:
    return rows(inst.rows());
  case I::kAccumulate:
    accumulate(inst.accumulate());
    return true;
  case I::kConcatCols:
    concatCols(inst.concat_cols());
    return true;
  case I::kBias:
    bias(inst.bias());
    return true;
  case I::kUnrows:
    unrows(inst.unrows());
    return true;
  case I::kLoadConst: {
    Mem dst = mem(inst.load_const().dst());
    const std::string &data =
        constants.at(inst.load_const().constant())->data();
    // Batched: once per inference of the chunk.
    size_t copies =
        size_t(dst.count * dst.bytes) / std::max<size_t>(data.size(), 1);
    for (size_t i = 0; i < copies; ++i)
      std::memcpy(dst.data + i * data.size(), data.data(), data.size());
    return true;
  }
  case I::kRequantize:
    requantize(inst.requantize());
    return true;
  case I::kQuantize:
    quantize(inst.quantize());
    return true;
  case I::kDequantize:
    dequantize(inst.dequantize());
    return true;
  case I::kClip:
    clip(inst.clip());
    return true;
  case I::kCast:
    cast(inst.cast());
    return true;
  case I::kPool:
    pool2d(inst.pool());
    return true;
  case I::kGlobalAvgPool:
    globalAvgPool(inst.global_avg_pool());
    return true;
  case I::kBinary:
    binary(inst.binary());
    return true;
  case I::kQadd:
    qadd(inst.qadd());
    return true;
  case I::kConcat:
    concat(inst.concat());
    return true;
  case I::kPad:
    pad(inst.pad());
    return true;
  case I::kCopy: {
    Mem src = mem(inst.copy().src()), dst = mem(inst.copy().dst());
    std::memmove(dst.data, src.data, size_t(src.count * src.bytes));
    return true;
  }
  case I::kTranspose:
    transpose(inst.transpose());
    return true;
  case I::kSoftmax:
    softmax(inst.softmax());
    return true;
  case I::kActivation:
    activation(inst.activation());
    return true;
  case I::kSync:
    return true;
  case I::kMvm:
  case I::OP_NOT_SET:
    break;
  }
  return fail("unknown opcode");
}
