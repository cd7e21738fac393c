//===- DataMovement.cpp - Moving data between buffers ---------------------===//
//
// im2col, rows, unrows, concatenation, padding and transposition, and the
// sums and biases of partial results: typed loops over contiguous memory
// (docs/Simulator.md, "The vector unit").
//
//===----------------------------------------------------------------------===//

#include "VectorKernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

using namespace ohmrt;
using namespace ohmrt::detail;

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
void im2colLines(const S *x, D *out, Im2ColShape g, int64_t begin,
                 int64_t end) {
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
            row[kx] = ix < 0 || ix >= g.w
                          ? D(g.padCode)
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

/// Transposes a rows x cols byte matrix (`from`, row stride `fromStride`)
/// into `to` (row stride `toStride`): 16 x 16 blocks with SSE2 unpacks
/// (the x86-64 baseline), the edges byte by byte.
void ohmrt::detail::transposeBytes(const uint8_t *from, int64_t fromStride,
                                   uint8_t *to, int64_t toStride, int64_t rows,
                                   int64_t cols) {
  int64_t r0 = 0;
#if defined(__SSE2__)
  for (; r0 + 16 <= rows; r0 += 16) {
    int64_t c0 = 0;
    for (; c0 + 16 <= cols; c0 += 16) {
      __m128i v[16], w[16];
      for (int i = 0; i < 16; ++i)
        v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i *>(
            from + (r0 + i) * fromStride + c0));
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
