//===- Gemm.cpp - Exact integer products for crossbar reads ---------------===//
//
// See Gemm.h. oneDNN primitives are created lazily for each row count the
// executor uses (it splits reads into blocks of a fixed size, so there are
// few), with the weights reordered once into the layout the first
// primitive prefers; oneDNN's scratchpad is the caller's per-thread
// workspace, so one primitive runs on several threads at once.
//
//===----------------------------------------------------------------------===//

#include "Gemm.h"

#include <Eigen/Core>
#include <dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <type_traits>

using namespace ohmrt::detail;

extern "C" void omp_set_num_threads(int);

void ohmrt::detail::useOneDnnThreadLocally() {
  // Once per thread: the OpenMP thread count is a per-thread setting.
  thread_local bool done = false;
  if (!done) {
    omp_set_num_threads(1);
    done = true;
  }
}

namespace {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/// One stream per thread: oneDNN streams are not thread-safe.
dnnl::stream &threadStream() {
  thread_local dnnl::stream stream(cpuEngine());
  return stream;
}

/// The largest input code oneDNN's u8 x s8 kernels multiply exactly. With
/// VNNI (vpdpbusd) products are summed in 32 bits; without it, the
/// kernels add pairs of products in 16 bits with saturation (vpmaddubsw),
/// which 255 x 127 x 2 overflows and 127 x 128 x 2 does not.
int64_t maxByteInput() {
  static const int64_t value = [] {
    unsigned isa = unsigned(dnnl::get_effective_cpu_isa());
    bool vnni =
        (isa & dnnl_cpu_isa_avx512_core_vnni & ~dnnl_cpu_isa_avx512_core) ||
        (isa & dnnl_cpu_isa_avx2_vnni & ~dnnl_cpu_isa_avx2);
    return vnni ? 255 : 127;
  }();
  return value;
}

template <typename T>
using RowMatrix =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

} // namespace

struct ExactProduct::Dnnl {
  dnnl::memory::data_type type; // of the weights (inputs: u8 or f32)
  std::vector<int8_t> plainS8;
  std::vector<float> plainF32;
  // Set by the first primitive: the weights in its preferred layout.
  dnnl::memory::desc weightsDesc;
  dnnl::memory weights;
  bool reordered = false;

  struct Primitive {
    dnnl::matmul::primitive_desc pd;
    dnnl::matmul matmul;
    dnnl::memory::desc src, dst;
    bool plainWeights = false;
  };
  std::mutex mutex;
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::shared_ptr<Primitive>>
      primitives;

  void *plainData() {
    return type == dnnl::memory::data_type::s8 ? (void *)plainS8.data()
                                               : (void *)plainF32.data();
  }

  std::shared_ptr<Primitive> get(int64_t m, int64_t ldx, int64_t ldo, int64_t k,
                                 int64_t n) {
    std::lock_guard<std::mutex> lock(mutex);
    auto key = std::make_tuple(m, ldx, ldo);
    auto it = primitives.find(key);
    if (it != primitives.end())
      return it->second;
    using dt = dnnl::memory::data_type;
    auto prim = std::make_shared<Primitive>();
    bool ints = type == dt::s8;
    prim->src = dnnl::memory::desc({m, k}, ints ? dt::u8 : dt::f32, {ldx, 1});
    dt dstType = ints ? dt::s32 : dt::f32;
    prim->dst = dnnl::memory::desc({m, n}, dstType, {ldo, 1});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    auto create = [&](const dnnl::memory::desc &w) {
      prim->pd = dnnl::matmul::primitive_desc(
          dnnl::matmul::desc(prim->src, w, prim->dst), attr, cpuEngine());
    };
    if (!reordered) {
      create(dnnl::memory::desc({k, n}, type, dnnl::memory::format_tag::any));
      weightsDesc = prim->pd.weights_desc();
      weights = dnnl::memory(weightsDesc, cpuEngine());
      dnnl::memory plain({{k, n}, type, dnnl::memory::format_tag::ab},
                         cpuEngine(), plainData());
      dnnl::reorder(plain, weights).execute(threadStream(), plain, weights);
      threadStream().wait();
      reordered = true;
    } else {
      try {
        create(weightsDesc);
      } catch (const dnnl::error &) {
        // This row count prefers another layout: use the plain weights.
        create(dnnl::memory::desc({k, n}, type, dnnl::memory::format_tag::ab));
        prim->plainWeights = true;
      }
    }
    prim->matmul = dnnl::matmul(prim->pd);
    primitives.emplace(key, prim);
    return prim;
  }
};

ExactProduct::ExactProduct(const std::vector<int64_t> &w, int64_t k, int64_t n,
                           int64_t maxInput)
    : k(k), n(n) {
  // The largest |partial sum| any input can produce, per column.
  std::vector<double> sums(size_t(n), 0);
  bool fitsS8 = true;
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < n; ++col) {
      int64_t v = w[size_t(row * n + col)];
      sums[size_t(col)] += std::abs(double(v));
      fitsS8 &= v >= -128 && v <= 127;
    }
  double bound = 0;
  for (double sum : sums)
    bound = std::max(bound, sum * double(maxInput));
  if (fitsS8 && maxInput <= maxByteInput() && bound < 2147483648.0)
    kind = Kind::DnnlS8;
  else if (bound < 16777216.0)
    kind = Kind::DnnlF32;
  else if (bound < 9007199254740992.0)
    kind = Kind::EigenF64;
  else
    kind = Kind::EigenI64;

  if (kind == Kind::DnnlS8 || kind == Kind::DnnlF32) {
    dnnl = std::make_unique<Dnnl>();
    if (kind == Kind::DnnlS8) {
      dnnl->type = dnnl::memory::data_type::s8;
      dnnl->plainS8.assign(w.begin(), w.end());
    } else {
      dnnl->type = dnnl::memory::data_type::f32;
      dnnl->plainF32.assign(w.begin(), w.end());
    }
  } else if (kind == Kind::EigenF64) {
    weightsF64.assign(w.begin(), w.end());
  } else {
    weightsI64 = w;
  }
}

ExactProduct::~ExactProduct() = default;

const char *ExactProduct::getKindName() const {
  switch (kind) {
  case Kind::DnnlS8:
    return "oneDNN u8 x s8";
  case Kind::DnnlF32:
    return "oneDNN f32";
  case Kind::EigenF64:
    return "Eigen f64";
  case Kind::EigenI64:
    return "Eigen i64";
  }
  return "?";
}

size_t ExactProduct::getBytes() const {
  size_t bytes = weightsF64.size() * 8 + weightsI64.size() * 8;
  if (dnnl)
    bytes += (dnnl->plainS8.size() + dnnl->plainF32.size() * 4) * 2;
  return bytes;
}

void ExactProduct::multiplyDnnl(const void *x, int64_t ldx, int64_t m,
                                int32_t *out, int64_t ldo,
                                GemmWorkspace &ws) const {
  useOneDnnThreadLocally();
  bool f32 = kind == Kind::DnnlF32;
  // f32 results go to a contiguous buffer first and become int32 after.
  int64_t dstLd = f32 ? n : ldo;
  auto prim = dnnl->get(m, ldx, dstLd, k, n);
  dnnl::engine &engine = cpuEngine();
  size_t scratchBytes = prim->pd.scratchpad_desc().get_size();
  if (ws.scratchpad.size() < scratchBytes)
    ws.scratchpad.resize(scratchBytes);
  void *dst = out;
  if (f32) {
    ws.result.resize(size_t(m * n) * sizeof(float));
    dst = ws.result.data();
  }
  dnnl::memory src(prim->src, engine, const_cast<void *>(x));
  dnnl::memory dstMem(prim->dst, engine, dst);
  dnnl::memory scratch(prim->pd.scratchpad_desc(), engine,
                       ws.scratchpad.data());
  dnnl::memory weights =
      prim->plainWeights
          ? dnnl::memory({{k, n}, dnnl->type, dnnl::memory::format_tag::ab},
                         engine, dnnl->plainData())
          : dnnl->weights;
  prim->matmul.execute(threadStream(), {{DNNL_ARG_SRC, src},
                                        {DNNL_ARG_WEIGHTS, weights},
                                        {DNNL_ARG_DST, dstMem},
                                        {DNNL_ARG_SCRATCHPAD, scratch}});
  threadStream().wait();
  if (f32) {
    const float *y = reinterpret_cast<const float *>(ws.result.data());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        out[i * ldo + j] = int32_t(y[i * n + j]);
  }
}

template <typename S>
void ExactProduct::multiply(const S *x, int64_t ldx, int64_t m, int32_t *out,
                            int64_t ldo, GemmWorkspace &ws) const {
  if (m <= 0)
    return;
  if (kind == Kind::DnnlS8) {
    if (std::is_same<S, uint8_t>::value)
      return multiplyDnnl(x, ldx, m, out, ldo, ws);
    // Wider storage holding byte codes: narrow them first.
    ws.converted.resize(size_t(m * k));
    uint8_t *codes = reinterpret_cast<uint8_t *>(ws.converted.data());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < k; ++j)
        codes[i * k + j] = uint8_t(x[i * ldx + j]);
    return multiplyDnnl(codes, k, m, out, ldo, ws);
  }
  if (kind == Kind::DnnlF32) {
    ws.converted.resize(size_t(m * k) * sizeof(float));
    float *codes = reinterpret_cast<float *>(ws.converted.data());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < k; ++j)
        codes[i * k + j] = float(x[i * ldx + j]);
    return multiplyDnnl(codes, k, m, out, ldo, ws);
  }
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<const RowMatrix<S>, 0, Stride> xs(x, m, k, Stride(ldx));
  if (kind == Kind::EigenF64) {
    Eigen::Map<const RowMatrix<double>> w(weightsF64.data(), k, n);
    RowMatrix<double> y = xs.template cast<double>() * w;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        out[i * ldo + j] = int32_t(uint32_t(int64_t(y(i, j))));
    return;
  }
  Eigen::Map<const RowMatrix<int64_t>> w(weightsI64.data(), k, n);
  RowMatrix<int64_t> y = xs.template cast<int64_t>() * w;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      out[i * ldo + j] = int32_t(uint32_t(y(i, j)));
}

template void ExactProduct::multiply<uint8_t>(const uint8_t *, int64_t, int64_t,
                                              int32_t *, int64_t,
                                              GemmWorkspace &) const;
template void ExactProduct::multiply<uint16_t>(const uint16_t *, int64_t,
                                               int64_t, int32_t *, int64_t,
                                               GemmWorkspace &) const;
template void ExactProduct::multiply<uint32_t>(const uint32_t *, int64_t,
                                               int64_t, int32_t *, int64_t,
                                               GemmWorkspace &) const;

//===----------------------------------------------------------------------===//
// Convolutions
//===----------------------------------------------------------------------===//

struct ExactConv::Dnnl {
  ConvShape shape;
  std::vector<int8_t> oihw;
  dnnl::memory::desc weightsDesc;
  dnnl::memory weights;
  bool reordered = false;

  struct Primitive {
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward conv;
    dnnl::reorder toSrc; // NCHW to the layout the convolution prefers
    bool plainWeights = false;
  };
  std::mutex mutex;
  std::map<int64_t, std::shared_ptr<Primitive>> primitives; // by image count

  /// The convolution oneDNN runs: with explicit padding, the padded
  /// images and no padding.
  ConvShape padded() const {
    ConvShape s = shape;
    if (s.padCode != 0) {
      s.height += s.pads[0] + s.pads[2];
      s.width += s.pads[1] + s.pads[3];
      for (int64_t &pad : s.pads)
        pad = 0;
    }
    return s;
  }

  std::shared_ptr<Primitive> get(int64_t images) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = primitives.find(images);
    if (it != primitives.end())
      return it->second;
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const ConvShape s = padded();
    auto prim = std::make_shared<Primitive>();
    dnnl::memory::desc src({images, s.channels, s.height, s.width}, dt::u8,
                           tag::any);
    dnnl::memory::desc dst({images, s.outChannels, s.outHeight(), s.outWidth()},
                           dt::s32, tag::nhwc);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    auto create = [&](const dnnl::memory::desc &w) {
      dnnl::convolution_forward::desc desc(
          dnnl::prop_kind::forward_inference,
          dnnl::algorithm::convolution_direct, src, w, dst,
          {s.strides[0], s.strides[1]},
          {s.dilations[0] - 1, s.dilations[1] - 1}, {s.pads[0], s.pads[1]},
          {s.pads[2], s.pads[3]});
      prim->pd =
          dnnl::convolution_forward::primitive_desc(desc, attr, cpuEngine());
    };
    dnnl::memory::dims wdims = {s.outChannels, s.channels, s.kernel[0],
                                s.kernel[1]};
    if (!reordered) {
      create(dnnl::memory::desc(wdims, dt::s8, tag::any));
      weightsDesc = prim->pd.weights_desc();
      weights = dnnl::memory(weightsDesc, cpuEngine());
      dnnl::memory plain({wdims, dt::s8, tag::oihw}, cpuEngine(), oihw.data());
      dnnl::reorder(plain, weights).execute(threadStream(), plain, weights);
      threadStream().wait();
      reordered = true;
    } else {
      try {
        create(weightsDesc);
      } catch (const dnnl::error &) {
        create(dnnl::memory::desc(wdims, dt::s8, tag::oihw));
        prim->plainWeights = true;
      }
    }
    prim->conv = dnnl::convolution_forward(prim->pd);
    dnnl::memory::desc nchw({images, s.channels, s.height, s.width}, dt::u8,
                            tag::nchw);
    if (prim->pd.src_desc() != nchw)
      prim->toSrc = dnnl::reorder(dnnl::reorder::primitive_desc(
          cpuEngine(), nchw, cpuEngine(), prim->pd.src_desc()));
    primitives.emplace(images, prim);
    return prim;
  }
};

std::unique_ptr<ExactConv> ExactConv::create(const std::vector<int64_t> &w,
                                             const ConvShape &shape,
                                             int64_t maxInput) {
  int64_t k = shape.channels * shape.kernel[0] * shape.kernel[1];
  int64_t o = shape.outChannels;
  std::vector<double> sums(size_t(o), 0);
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < o; ++col) {
      int64_t v = w[size_t(row * o + col)];
      if (v < -128 || v > 127)
        return nullptr;
      sums[size_t(col)] += std::abs(double(v));
    }
  for (double sum : sums)
    if (sum * double(maxInput) >= 2147483648.0)
      return nullptr;
  if (maxInput > maxByteInput())
    return nullptr;
  if (shape.padCode < 0 || shape.padCode > maxInput)
    return nullptr;
  std::unique_ptr<ExactConv> conv(new ExactConv());
  conv->dnnl = std::make_unique<Dnnl>();
  conv->dnnl->shape = shape;
  conv->dnnl->oihw.resize(size_t(k * o));
  // Rows of the im2col matrix are (channel, ky, kx): OIHW is its transpose.
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < o; ++col)
      conv->dnnl->oihw[size_t(col * k + row)] =
          int8_t(w[size_t(row * o + col)]);
  return conv;
}

ExactConv::~ExactConv() = default;

size_t ExactConv::getBytes() const { return dnnl->oihw.size() * 2; }

void ExactConv::run(const uint8_t *x, int64_t images, int32_t *out,
                    GemmWorkspace &ws) const {
  if (images <= 0)
    return;
  useOneDnnThreadLocally();
  auto prim = dnnl->get(images);
  dnnl::engine &engine = cpuEngine();
  const ConvShape s = dnnl->padded();
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  if (dnnl->shape.padCode != 0) {
    // Pad explicitly: every image into a frame of the pad code.
    const ConvShape &in = dnnl->shape;
    size_t bytes = size_t(images * s.channels * s.height * s.width);
    if (ws.padded.size() < bytes)
      ws.padded.resize(bytes);
    uint8_t *frame = reinterpret_cast<uint8_t *>(ws.padded.data());
    std::fill(frame, frame + bytes, uint8_t(in.padCode));
    for (int64_t plane = 0; plane < images * in.channels; ++plane)
      for (int64_t y = 0; y < in.height; ++y)
        std::memcpy(frame + (plane * s.height + y + in.pads[0]) * s.width +
                        in.pads[1],
                    x + (plane * in.height + y) * in.width, size_t(in.width));
    x = frame;
  }
  dnnl::memory nchw(
      {{images, s.channels, s.height, s.width}, dt::u8, tag::nchw}, engine,
      const_cast<uint8_t *>(x));
  dnnl::memory src = nchw;
  if (prim->toSrc) {
    size_t bytes = prim->pd.src_desc().get_size();
    if (ws.converted.size() < bytes)
      ws.converted.resize(bytes);
    src = dnnl::memory(prim->pd.src_desc(), engine, ws.converted.data());
    prim->toSrc.execute(threadStream(), nchw, src);
  }
  size_t scratchBytes = prim->pd.scratchpad_desc().get_size();
  if (ws.scratchpad.size() < scratchBytes)
    ws.scratchpad.resize(scratchBytes);
  dnnl::memory dst(prim->pd.dst_desc(), engine, out);
  dnnl::memory scratch(prim->pd.scratchpad_desc(), engine,
                       ws.scratchpad.data());
  dnnl::memory weights =
      prim->plainWeights
          ? dnnl::memory({{s.outChannels, s.channels, s.kernel[0], s.kernel[1]},
                          dt::s8,
                          tag::oihw},
                         engine, dnnl->oihw.data())
          : dnnl->weights;
  prim->conv.execute(threadStream(), {{DNNL_ARG_SRC, src},
                                      {DNNL_ARG_WEIGHTS, weights},
                                      {DNNL_ARG_DST, dst},
                                      {DNNL_ARG_SCRATCHPAD, scratch}});
  threadStream().wait();
}
