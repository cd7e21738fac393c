//===- VectorUnit.cpp - Data movement and the vector unit -----------------===//
//
// Every instruction that is not a crossbar read. Each kernel mirrors the
// reference interpreter's arithmetic operation for operation (f32 rounding
// points, round half to even, clamping order, NaN handling) -- that is
// what keeps the simulator bit-exact against it -- but runs as typed loops
// over contiguous memory, dispatching on the element type once per
// instruction, split over the threads where the work is large.
//
//===----------------------------------------------------------------------===//

#include "Machine.h"

#include <limits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <mutex>

using namespace ohmrt;
using namespace ohmrt::detail;

namespace {
using I = program::Instruction;

/// Elements per thread below which splitting does not pay.
constexpr int64_t kGrain = 1 << 15;

/// Splits a flat index space [0, count) as [outer, channels, inner] along
/// `axis` of `dims` (one channel when not per channel).
struct ChannelLayout {
  int64_t channels = 1, inner = 1;
  ChannelLayout(const std::vector<int64_t> &dims, int64_t axis, bool perChannel,
                int64_t count) {
    if (!perChannel) {
      inner = std::max<int64_t>(count, 1);
      return;
    }
    channels = dims[size_t(axis)];
    for (size_t d = size_t(axis) + 1; d < dims.size(); ++d)
      inner *= dims[d];
  }
  int64_t channelOf(int64_t i) const { return (i / inner) % channels; }
};

/// Calls fn(lhsIndex, rhsIndex, outIndex) over the numpy broadcast of two
/// shapes (the output's shape is `out`).
template <typename Fn>
void forEachBroadcast(const std::vector<int64_t> &lhs,
                      const std::vector<int64_t> &rhs,
                      const std::vector<int64_t> &out, Fn fn) {
  size_t rank = out.size();
  auto stridesFor = [&](const std::vector<int64_t> &shape) {
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      size_t dim = shape.size() - 1 - i;
      strides[rank - 1 - i] = shape[dim] == 1 ? 0 : stride;
      stride *= shape[dim];
    }
    return strides;
  };
  if (lhs == out && rhs == out) {
    int64_t total = numElements(out);
    for (int64_t n = 0; n < total; ++n)
      fn(n, n, n);
    return;
  }
  std::vector<int64_t> ls = stridesFor(lhs), rs = stridesFor(rhs);
  std::vector<int64_t> index(rank, 0);
  int64_t total = numElements(out), li = 0, ri = 0;
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

/// The first (lowest-index) bad value found by any thread, so the error a
/// run reports does not depend on the thread count.
class FirstBad {
public:
  void report(int64_t index, int64_t value) {
    std::lock_guard<std::mutex> lock(mutex);
    if (index < first) {
      first = index;
      firstValue = value;
    }
  }
  bool any() const { return first != INT64_MAX; }
  int64_t value() const { return firstValue; }

private:
  std::mutex mutex;
  int64_t first = INT64_MAX, firstValue = 0;
};

/// Calls fn(T *) with a float buffer's data.
template <typename Fn> void withFloats(const Mem &m, Fn &&fn) {
  if (m.dtype == program::F64)
    fn(m.as<double>());
  else
    fn(m.as<float>());
}

/// Calls fn(T *) with any buffer's data in its storage type.
template <typename Fn> void withAnyType(const Mem &m, Fn &&fn) {
  if (m.isFloat())
    withFloats(m, fn);
  else
    m.withInts(fn);
}

} // namespace

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

namespace {
/// An im2col's geometry, passed by value so that its fields live in
/// registers: stores through byte pointers may alias anything, and would
/// otherwise force the compiler to reload every captured variable.
struct Im2ColShape {
  int64_t c, h, w, cg, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, k, group0;
  int64_t offset, padCode;
};

/// Lines [begin, end) of (batch, output row); no checks needed. KW is the
/// kernel width when known at compile time (0: g.kw), so the common 1, 3,
/// 5 and 7 wide kernels copy their rows unrolled.
template <int KW, typename S, typename D>
void im2colLines(const S *x, D *out, Im2ColShape g, int64_t begin, int64_t end) {
  if (KW)
    g.kw = KW;
  for (int64_t line = begin; line < end; ++line) {
    int64_t b = line / g.oh, y = line % g.oh;
    D *row = out + line * g.ow * g.k;
    for (int64_t xo = 0; xo < g.ow; ++xo) {
      int64_t x0 = xo * g.sw - g.pl;
      bool xInside = x0 >= 0 && x0 + (g.kw - 1) * g.dw < g.w;
      for (int64_t ic = 0; ic < g.cg; ++ic) {
        const S *plane = x + (b * g.c + g.group0 + ic) * g.h * g.w;
        for (int64_t ky = 0; ky < g.kh; ++ky, row += g.kw) {
          int64_t iy = y * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) {
            for (int64_t kx = 0; kx < g.kw; ++kx)
              row[kx] = D(g.padCode);
            continue;
          }
          const S *in = plane + iy * g.w + x0;
          if (xInside) {
            for (int64_t kx = 0; kx < g.kw; ++kx)
              row[kx] = D(int64_t(in[kx * g.dw]) + g.offset);
            continue;
          }
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            int64_t ix = x0 + kx * g.dw;
            row[kx] = ix < 0 || ix >= g.w ? D(g.padCode)
                                          : D(int64_t(in[kx * g.dw]) + g.offset);
          }
        }
      }
    }
  }
}
} // namespace

bool Machine::im2col(const program::Im2Col &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  Im2ColShape g;
  int64_t n = src.dims[0];
  g.c = src.dims[1];
  g.h = src.dims[2];
  g.w = src.dims[3];
  g.cg = g.c / op.group();
  g.kh = op.kernel(0);
  g.kw = op.kernel(1);
  g.sh = op.strides(0);
  g.sw = op.strides(1);
  g.dh = op.dilations(0);
  g.dw = op.dilations(1);
  g.pt = op.pads(0);
  g.pl = op.pads(1);
  g.oh = (g.h + g.pt + op.pads(2) - g.dh * (g.kh - 1) - 1) / g.sh + 1;
  g.ow = (g.w + g.pl + op.pads(3) - g.dw * (g.kw - 1) - 1) / g.sw + 1;
  g.k = g.cg * g.kh * g.kw;
  g.group0 = op.group_index() * g.cg;
  g.offset = op.offset();
  g.padCode = op.pad_value() + g.offset;
  int64_t lo, hi;
  dst.range(lo, hi);
  bool padFits = g.padCode >= lo && g.padCode <= hi;
  FirstBad bad;
  src.withInts([&](auto *x) {
    using S = std::remove_pointer_t<decltype(x)>;
    dst.withInts([&](auto *out) {
      using D = std::remove_pointer_t<decltype(out)>;
      // Codes need no check when the source's range shifted by `offset`
      // fits the destination and so does the pad code.
      int64_t slo, shi;
      src.range(slo, shi);
      if (padFits && slo + g.offset >= lo && shi + g.offset <= hi) {
        pool->parallelFor(n * g.oh, 16, [&](int64_t begin, int64_t end) {
          switch (g.kw) {
          case 1:
            return im2colLines<1>(x, out, g, begin, end);
          case 3:
            return im2colLines<3>(x, out, g, begin, end);
          case 5:
            return im2colLines<5>(x, out, g, begin, end);
          case 7:
            return im2colLines<7>(x, out, g, begin, end);
          default:
            return im2colLines<0>(x, out, g, begin, end);
          }
        });
        return;
      }
      // Checked, element by element (the compiler's range assumption may
      // not hold; the first code that does not fit is reported).
      for (int64_t line = 0; line < n * g.oh; ++line) {
        int64_t b = line / g.oh, y = line % g.oh;
        for (int64_t xo = 0; xo < g.ow; ++xo) {
          D *row = out + (line * g.ow + xo) * g.k;
          for (int64_t ic = 0; ic < g.cg; ++ic) {
            const S *plane = x + (b * g.c + g.group0 + ic) * g.h * g.w;
            for (int64_t ky = 0; ky < g.kh; ++ky)
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                int64_t iy = y * g.sh - g.pt + ky * g.dh;
                int64_t ix = xo * g.sw - g.pl + kx * g.dw;
                int64_t value = g.padCode;
                if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w)
                  value = int64_t(plane[iy * g.w + ix]) + g.offset;
                if (value < lo || value > hi)
                  bad.report(row - out, value);
                *row++ = D(value);
              }
          }
        }
      }
    });
  });
  if (bad.any())
    return fail("input code " + std::to_string(bad.value()) +
                " does not fit the row type (the activation range is wider "
                "than the compiler assumed)");
  return true;
}

bool Machine::rows(const program::Rows &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t lo, hi, offset = op.offset();
  dst.range(lo, hi);
  FirstBad bad;
  src.withInts([&](auto *in) {
    dst.withInts([&](auto *out) {
      using D = std::remove_pointer_t<decltype(out)>;
      pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          int64_t value = int64_t(in[i]) + offset;
          if (value < lo || value > hi)
            bad.report(i, value);
          out[i] = D(value);
        }
      });
    });
  });
  if (bad.any())
    return fail("input code " + std::to_string(bad.value()) +
                " does not fit the row type");
  return true;
}

void Machine::unrows(const program::Unrows &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  if (!op.nchw()) {
    std::memmove(dst.data, src.data, size_t(src.count * src.bytes));
    return;
  }
  int64_t n = dst.dims[0], m = dst.dims[1], hw = dst.dims[2] * dst.dims[3];
  src.withInts([&](auto *in) {
    auto *out = reinterpret_cast<decltype(in)>(dst.data);
    pool->parallelFor(n * m, 64, [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        int64_t b = plane / m, ch = plane % m;
        const auto *from = in + b * hw * m + ch;
        auto *to = out + plane * hw;
        for (int64_t pixel = 0; pixel < hw; ++pixel)
          to[pixel] = from[pixel * m];
      }
    });
  });
}

void Machine::concatCols(const program::ConcatCols &op) {
  Mem dst = mem(op.dst());
  int64_t total = dst.dims[1], base = 0;
  for (uint32_t id : op.srcs()) {
    Mem src = mem(id);
    int64_t cols = src.dims[1];
    for (int64_t i = 0; i < dst.dims[0]; ++i)
      std::memmove(dst.data + (i * total + base) * 4, src.data + i * cols * 4,
                   size_t(cols * 4));
    base += cols;
  }
}

void Machine::concat(const program::Concat &op) {
  Mem dst = mem(op.dst());
  int64_t axis = op.axis(), outer = 1, inner = dst.bytes;
  for (int64_t d = 0; d < axis; ++d)
    outer *= dst.dims[size_t(d)];
  for (size_t d = size_t(axis) + 1; d < dst.dims.size(); ++d)
    inner *= dst.dims[d];
  int64_t offset = 0, row = dst.dims[size_t(axis)] * inner;
  for (uint32_t id : op.srcs()) {
    Mem src = mem(id);
    int64_t chunk = src.dims[size_t(axis)] * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memmove(dst.data + o * row + offset, src.data + o * chunk,
                   size_t(chunk));
    offset += chunk;
  }
}

void Machine::pad(const program::Pad &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  size_t rank = src.dims.size();
  std::vector<int64_t> strides = stridesOf(src.dims), index(rank, 0);
  for (int64_t o = 0; o < dst.count; ++o, advance(index, dst.dims)) {
    int64_t in = 0;
    bool inside = true;
    for (size_t d = 0; d < rank; ++d) {
      int64_t i = index[d] - op.pads(int(d)), size = src.dims[d];
      if (i < 0 || i >= size) {
        if (op.mode() == program::CONSTANT) {
          inside = false;
          break;
        }
        if (op.mode() == program::EDGE)
          i = i < 0 ? 0 : size - 1;
        else
          i = i < 0 ? -i : 2 * (size - 1) - i;
      }
      in += i * strides[d];
    }
    if (inside)
      std::memcpy(dst.data + o * dst.bytes, src.data + in * src.bytes,
                  dst.bytes);
    else if (dst.isFloat())
      dst.storeFloat(o, op.value());
    else
      dst.storeInt(o, int64_t(op.value()));
  }
}

void Machine::transpose(const program::Transpose &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  size_t rank = src.dims.size();
  std::vector<int64_t> strides = stridesOf(src.dims), index(rank, 0);
  for (int64_t o = 0; o < dst.count; ++o, advance(index, dst.dims)) {
    int64_t in = 0;
    for (size_t d = 0; d < rank; ++d)
      in += index[d] * strides[size_t(op.perm(int(d)))];
    std::memcpy(dst.data + o * dst.bytes, src.data + in * src.bytes, dst.bytes);
  }
}

//===----------------------------------------------------------------------===//
// Partial results
//===----------------------------------------------------------------------===//

void Machine::accumulate(const program::Accumulate &op) {
  Mem dst = mem(op.dst());
  std::vector<Mem> srcs;
  bool allI32 = dst.dtype == program::I32 && dst.isFullWidth();
  for (uint32_t id : op.srcs()) {
    srcs.push_back(mem(id));
    allI32 &= srcs.back().dtype == program::I32;
  }
  if (allI32) {
    // Sums modulo 2^32, which is what wrapping the int64 sum gives.
    pool->parallelFor(dst.count, kGrain, [&](int64_t begin, int64_t end) {
      uint32_t *out = dst.as<uint32_t>();
      std::copy(srcs[0].as<uint32_t>() + begin, srcs[0].as<uint32_t>() + end,
                out + begin);
      for (size_t s = 1; s < srcs.size(); ++s) {
        const uint32_t *in = srcs[s].as<uint32_t>();
        for (int64_t i = begin; i < end; ++i)
          out[i] += in[i];
      }
    });
    return;
  }
  for (int64_t i = 0; i < dst.count; ++i) {
    int64_t sum = 0;
    for (const Mem &src : srcs)
      sum += src.loadInt(i);
    dst.storeInt(i, sum);
  }
}

void Machine::bias(const program::Bias &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  const std::string &data = constants.at(op.constant())->data();
  int64_t cols = src.dims[1], rowCount = src.dims[0];
  std::vector<uint32_t> bias(size_t(cols), 0);
  std::memcpy(bias.data(), data.data(), size_t(cols) * 4);
  const uint32_t *in = src.as<uint32_t>();
  uint32_t *out = dst.as<uint32_t>();
  pool->parallelFor(rowCount, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      for (int64_t n = 0; n < cols; ++n)
        out[r * cols + n] = in[r * cols + n] + bias[size_t(n)];
  });
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

namespace {
/// The float requantize of 32-bit (or narrower) inputs with no input zero
/// point and a clamp range within 2^24 of the zero point -- the common
/// case -- in a form compilers vectorize: clamping the rounded value to
/// [lo - zp, hi - zp] in float and adding zp after is exact (both bounds
/// are floats exactly), and equal to rounding, adding zp and clamping in
/// double; NaN still becomes zp.
template <typename S, typename D>
OHMRT_VECTOR_CLONES void
requantizeFloatFast(const S *x, D *out, int64_t count, float scale, int32_t zp,
                    float lo, float hi) {
  for (int64_t i = 0; i < count; ++i) {
    float scaled = float(x[i]) * scale;
    float magnitude = std::fabs(scaled);
    float rounded = magnitude < 8388608.0f
                        ? std::copysign((magnitude + 8388608.0f) - 8388608.0f,
                                        scaled)
                        : scaled;
    // NaN fails both comparisons and becomes lo, then 0 below; the
    // branch-free form vectorizes.
    float clamped = lo < rounded ? rounded : lo;
    clamped = clamped < hi ? clamped : hi;
    int32_t value = int32_t(clamped);
    value = rounded == rounded ? value : 0;
    out[i] = D(value + zp);
  }
}

/// One requantize line: `count` elements of one channel, float mode.
/// Parameters by value (see Im2ColShape).
template <typename S, typename D>
void requantizeFloat(const S *x, D *out, int64_t count, float scale,
                     int64_t inputZp, int64_t zp, int64_t lo, int64_t hi) {
  const int64_t limit = int64_t(1) << 24;
  if (sizeof(S) <= 4 && !std::is_same<S, uint32_t>::value && inputZp == 0 &&
      std::abs(zp) < limit && std::abs(lo - zp) < limit &&
      std::abs(hi - zp) < limit)
    return requantizeFloatFast(x, out, count, scale, int32_t(zp),
                               float(lo - zp), float(hi - zp));
  for (int64_t i = 0; i < count; ++i) {
    float scaled = float(int64_t(x[i]) - inputZp) * scale;
    out[i] = D(clampToRange(double(roundHalfEven(scaled)) + double(zp), lo, hi,
                            zp));
  }
}

/// Fixed point mode: ((x - input_zp) * multiplier + 2^(shift - 1)) >> shift.
template <typename S, typename D>
void requantizeFixed(const S *x, D *out, int64_t count, int64_t multiplier,
                     int64_t shift, int64_t inputZp, int64_t zp, int64_t lo,
                     int64_t hi) {
  for (int64_t i = 0; i < count; ++i) {
    __int128 product = __int128(int64_t(x[i]) - inputZp) * multiplier;
    if (shift > 0)
      product = (product + (__int128(1) << (shift - 1))) >> shift;
    else
      product <<= -shift;
    __int128 shifted = product + zp;
    out[i] = D(shifted < lo ? lo : shifted > hi ? hi : int64_t(shifted));
  }
}
} // namespace

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
        int64_t count = std::min(end, (i / layout.inner + 1) * layout.inner) - i;
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
/// QuantizeLinear per tensor into bytes, vectorizable: the float sum
/// round(x / scale) + zp is clamped in float (lo and hi are exact floats)
/// and NaN becomes zp, as clampToRange does.
template <typename D>
OHMRT_VECTOR_CLONES void
quantizeFast(const float *x, D *out, int64_t count, float scale, float zp,
             float lo, float hi, int32_t nanValue) {
  for (int64_t i = 0; i < count; ++i) {
    float q = x[i] / scale;
    float magnitude = std::fabs(q);
    float rounded =
        magnitude < 8388608.0f
            ? std::copysign((magnitude + 8388608.0f) - 8388608.0f, q)
            : q;
    float value = rounded + zp;
    float clamped = lo < value ? value : lo;
    clamped = clamped < hi ? clamped : hi;
    int32_t result = int32_t(clamped);
    out[i] = D(value == value ? result : nanValue);
  }
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
    if (std::abs(zp) < limit) {
      dst.withInts([&](auto *out) {
        pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
          quantizeFast(src.as<float>() + begin, out + begin, end - begin,
                       op.scales(0), float(zp), float(lo), float(hi),
                       int32_t(zp));
        });
      });
      return;
    }
  }
  withFloats(src, [&](auto *x) {
    pool->parallelFor(src.count, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t channel = layout.channelOf(i);
        int64_t zp = op.zero_points_size() == 0   ? 0
                     : op.zero_points_size() == 1 ? op.zero_points(0)
                                                  : op.zero_points(int(channel));
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
        int64_t zp = op.zero_points_size() == 0   ? 0
                     : op.zero_points_size() == 1 ? op.zero_points(0)
                                                  : op.zero_points(int(channel));
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
OHMRT_VECTOR_CLONES void
qaddFast(const L *l, const R *r, D *out, int64_t count, float lhsScale,
         float rhsScale, int32_t lhsZp, int32_t rhsZp, int32_t zp, float lo,
         float hi) {
  for (int64_t i = 0; i < count; ++i) {
    float value = lhsScale * float(int32_t(l[i]) - lhsZp) +
                  rhsScale * float(int32_t(r[i]) - rhsZp);
    float magnitude = std::fabs(value);
    float rounded = magnitude < 8388608.0f
                        ? std::copysign((magnitude + 8388608.0f) - 8388608.0f,
                                        value)
                        : value;
    float clamped = lo < rounded ? rounded : lo;
    clamped = clamped < hi ? clamped : hi;
    int32_t result = int32_t(clamped);
    result = rounded == rounded ? result : 0;
    out[i] = D(result + zp);
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
  double lo = op.has_min() ? op.min() : -std::numeric_limits<double>::infinity();
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
                   op.strides(0) == 2 && op.strides(1) == 2 && op.pads(0) == 0 &&
                   op.pads(1) == 0 && op.pads(2) == 0 && op.pads(3) == 0;
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
        int64_t hEnd = std::min(hStart + (op.kernel(0) - 1) * op.dilations(0) + 1,
                                h + op.pads(2));
        int64_t wEnd = std::min(wStart + (op.kernel(1) - 1) * op.dilations(1) + 1,
                                w + op.pads(3));
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
    const std::string &data = constants.at(inst.load_const().constant())->data();
    std::memcpy(dst.data, data.data(), data.size());
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
  case I::kSync:
    return true;
  case I::kMvm:
  case I::OP_NOT_SET:
    break;
  }
  return fail("unknown opcode");
}

//===----------------------------------------------------------------------===//
// Fused epilogues
//===----------------------------------------------------------------------===//

namespace {
/// One pixel's channels of an epilogue in float mode with no input zero
/// point: bias, scale per channel, round, clamp -- the same arithmetic as
/// requantizeFloatFast, vectorized across channels.
template <typename D>
OHMRT_VECTOR_CLONES void
epilogueRow(const int32_t *in, const uint32_t *bias, const float *scales,
            D *out, int64_t channels, int32_t zp, float lo, float hi) {
  for (int64_t c = 0; c < channels; ++c) {
    int32_t sum = int32_t(uint32_t(in[c]) + bias[c]);
    float scaled = float(sum) * scales[c];
    float magnitude = std::fabs(scaled);
    float rounded = magnitude < 8388608.0f
                        ? std::copysign((magnitude + 8388608.0f) - 8388608.0f,
                                        scaled)
                        : scaled;
    float clamped = lo < rounded ? rounded : lo;
    clamped = clamped < hi ? clamped : hi;
    int32_t value = int32_t(clamped);
    value = rounded == rounded ? value : 0;
    out[c] = D(value + zp);
  }
}

/// Transposes a rows x cols byte matrix (`from`, row stride `fromStride`)
/// into `to` (row stride `toStride`): 16 x 16 blocks with SSE2 unpacks
/// (the x86-64 baseline), the edges byte by byte.
void transposeBytes(const uint8_t *from, int64_t fromStride, uint8_t *to,
                    int64_t toStride, int64_t rows, int64_t cols) {
  int64_t r0 = 0;
#if defined(__SSE2__)
  for (; r0 + 16 <= rows; r0 += 16) {
    int64_t c0 = 0;
    for (; c0 + 16 <= cols; c0 += 16) {
      __m128i v[16], w[16];
      for (int i = 0; i < 16; ++i)
        v[i] = _mm_loadu_si128(
            reinterpret_cast<const __m128i *>(from + (r0 + i) * fromStride + c0));
      // Four rounds of interleaving: bytes, words, dwords, qwords.
      for (int i = 0; i < 8; ++i) {
        w[i] = _mm_unpacklo_epi8(v[2 * i], v[2 * i + 1]);
        w[i + 8] = _mm_unpackhi_epi8(v[2 * i], v[2 * i + 1]);
      }
      for (int i = 0; i < 8; ++i) {
        v[i] = _mm_unpacklo_epi16(w[2 * i], w[2 * i + 1]);
        v[i + 8] = _mm_unpackhi_epi16(w[2 * i], w[2 * i + 1]);
      }
      for (int i = 0; i < 8; ++i) {
        w[i] = _mm_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
        w[i + 8] = _mm_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
      }
      for (int i = 0; i < 8; ++i) {
        v[i] = _mm_unpacklo_epi64(w[2 * i], w[2 * i + 1]);
        v[i + 8] = _mm_unpackhi_epi64(w[2 * i], w[2 * i + 1]);
      }
      // After the rounds, register j holds column kOrder[j] of the block.
      static const int kOrder[16] = {0, 8, 4, 12, 2, 10, 6, 14,
                                     1, 9, 5, 13, 3, 11, 7, 15};
      for (int j = 0; j < 16; ++j)
        _mm_storeu_si128(
            reinterpret_cast<__m128i *>(to + (c0 + kOrder[j]) * toStride + r0),
            v[j]);
    }
    for (; c0 < cols; ++c0)
      for (int64_t r = r0; r < r0 + 16; ++r)
        to[c0 * toStride + r] = from[r * fromStride + c0];
  }
#endif
  for (int64_t r = r0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      to[c * toStride + r] = from[r * fromStride + c];
}
} // namespace

void Machine::runEpilogue(const Epilogue &epilogue) {
  const program::Bias &biasOp = p.instructions(epilogue.bias).bias();
  const program::Requantize &op = p.instructions(epilogue.requantize).requantize();
  Mem src = mem(biasOp.src()), dst = mem(op.dst());
  const std::string &data = constants.at(biasOp.constant())->data();
  int64_t channels = dst.dims[1], pixels = dst.dims[2] * dst.dims[3];
  int64_t images = dst.dims[0];
  std::vector<uint32_t> bias(size_t(channels), 0);
  std::memcpy(bias.data(), data.data(), size_t(channels) * 4);
  bool perChannel = op.scales_size() > 1 || op.multipliers_size() > 1;
  int64_t inputZp = op.input_zero_point(), zp = op.zero_point();
  int64_t lo = op.min(), hi = op.max();
  const int32_t *in = src.as<int32_t>();
  const int64_t limit = int64_t(1) << 24;
  if (!op.fixed_point() && inputZp == 0 && dst.bytes == 1 &&
      std::abs(zp) < limit && std::abs(lo - zp) < limit &&
      std::abs(hi - zp) < limit) {
    // Requantize a tile of pixels x channels as one flat vectorized loop
    // (per-element bias and scale from a tile-sized copy of the channel
    // vectors), then transpose its bytes into NCHW.
    int64_t tilePixels = std::max<int64_t>(16, 4096 / channels);
    int64_t tileSize = tilePixels * channels;
    std::vector<float> scales(static_cast<size_t>(tileSize));
    std::vector<uint32_t> biases(static_cast<size_t>(tileSize));
    for (int64_t i = 0; i < tileSize; ++i) {
      int64_t c = i % channels;
      scales[size_t(i)] = op.scales(perChannel ? int(c) : 0);
      biases[size_t(i)] = bias[size_t(c)];
    }
    int64_t pixelTiles = (pixels + tilePixels - 1) / tilePixels;
    dst.withInts([&](auto *out) {
      using D = std::remove_pointer_t<decltype(out)>;
      pool->parallelFor(images * pixelTiles, 4, [&](int64_t begin, int64_t end) {
        std::vector<D> tile(static_cast<size_t>(tileSize));
        for (int64_t job = begin; job < end; ++job) {
          int64_t b = job / pixelTiles, p0 = (job % pixelTiles) * tilePixels;
          int64_t pn = std::min(tilePixels, pixels - p0);
          epilogueRow(in + (b * pixels + p0) * channels, biases.data(),
                      scales.data(), tile.data(), pn * channels, int32_t(zp),
                      float(lo - zp), float(hi - zp));
          transposeBytes(reinterpret_cast<const uint8_t *>(tile.data()),
                         channels,
                         reinterpret_cast<uint8_t *>(out + b * channels * pixels + p0),
                         pixels, pn, channels);
        }
      });
    });
    return;
  }
  // Tiles of 64 pixels x 64 channels: add the bias while transposing into
  // a cache-resident tile, then requantize each channel's line of pixels.
  constexpr int64_t kTile = 64;
  int64_t pixelTiles = (pixels + kTile - 1) / kTile;
  dst.withInts([&](auto *out) {
    pool->parallelFor(images * pixelTiles, 4, [&](int64_t begin, int64_t end) {
      int32_t tile[kTile * kTile];
      for (int64_t job = begin; job < end; ++job) {
        int64_t b = job / pixelTiles, p0 = (job % pixelTiles) * kTile;
        int64_t pn = std::min(kTile, pixels - p0);
        for (int64_t c0 = 0; c0 < channels; c0 += kTile) {
          int64_t cn = std::min(kTile, channels - c0);
          for (int64_t p = 0; p < pn; ++p) {
            const int32_t *row = in + (b * pixels + p0 + p) * channels + c0;
            for (int64_t c = 0; c < cn; ++c)
              tile[c * kTile + p] =
                  int32_t(uint32_t(row[c]) + bias[size_t(c0 + c)]);
          }
          for (int64_t c = 0; c < cn; ++c) {
            int64_t ch = perChannel ? c0 + c : 0;
            auto *to = out + (b * channels + c0 + c) * pixels + p0;
            if (op.fixed_point())
              requantizeFixed(tile + c * kTile, to, pn, op.multipliers(int(ch)),
                              31 + op.shifts(int(ch)), inputZp, zp, lo, hi);
            else
              requantizeFloat(tile + c * kTile, to, pn, op.scales(int(ch)),
                              inputZp, zp, lo, hi);
          }
        }
      }
    });
  });
}
