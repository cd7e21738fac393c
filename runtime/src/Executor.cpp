//===- Executor.cpp - Running programs ------------------------------------===//
//
// Executes a validated program for a batch of N inferences. Memory is one
// byte arena per space (the global buffer, each core's scratchpad) of N
// times the per-inference size; buffer b lives at offset(b) * N.
//
// Crossbar reads (mvm) are the hot loop. Each one is planned once, from the
// programmed levels: if no conversion can lose information (no ADC, sense
// amplifiers, or every partial sum provably inside the ADC's exact range),
// the read equals one integer product with the effective weights
//   W[k, n] = sum_s 2^(c s) (m+_s[k, n] - m-_s[k, n])   (- weight_offset),
// computed as a single GEMM. Otherwise the input codes are split into their
// d-bit digits, stacked, and multiplied with every (slice, cell set) of a
// word-line group at once; each partial sum is then converted and
// shift-added exactly as the xb evaluator does. The products are float32
// GEMMs (Eigen, SIMD) when every partial sum stays below 2^24 -- integers
// are then exact in any summation order -- double below 2^53, and int64
// beyond. Rows are processed in blocks, spread over the threads.
//
// The vector unit's instructions mirror the reference interpreter's kernels
// operation for operation (f32 rounding, round half to even, clamping
// order), so the simulator is bit-exact against it.
//
//===----------------------------------------------------------------------===//

#include "ohmrt/Runtime.h"

#include <Eigen/Core>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>

#include <unistd.h>

using namespace ohmrt;

namespace {

using I = program::Instruction;

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

//===----------------------------------------------------------------------===//
// Typed access to buffer memory
//===----------------------------------------------------------------------===//

bool isFloatType(program::DType dtype) {
  return dtype == program::F32 || dtype == program::F64;
}

bool isSignedType(program::DType dtype) {
  return dtype == program::I8 || dtype == program::I16 ||
         dtype == program::I32 || dtype == program::I64;
}

/// Calls fn(T()) with T the storage type of an integer dtype.
template <typename Fn> void withIntType(program::DType dtype, Fn &&fn) {
  switch (dtype) {
  case program::I8:
    return fn(int8_t());
  case program::U16:
    return fn(uint16_t());
  case program::I16:
    return fn(int16_t());
  case program::U32:
    return fn(uint32_t());
  case program::I32:
    return fn(int32_t());
  case program::U64:
  case program::I64:
    return fn(int64_t());
  default:
    return fn(uint8_t());
  }
}

/// A buffer for one run: its bytes and its dimensions for the batch.
struct Mem {
  char *data = nullptr;
  program::DType dtype = program::U8;
  unsigned bits = 8; // logical width
  unsigned bytes = 1;
  std::vector<int64_t> dims;
  int64_t count = 0;

  bool isFloat() const { return isFloatType(dtype); }

  int64_t loadInt(int64_t i) const {
    const char *p = data + i * bytes;
    switch (dtype) {
    case program::U8:
    case program::BOOL:
      return *reinterpret_cast<const uint8_t *>(p);
    case program::I8:
      return *reinterpret_cast<const int8_t *>(p);
    case program::U16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case program::I16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case program::U32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case program::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case program::U64:
    case program::I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    default:
      return int64_t(loadFloat(i));
    }
  }

  double loadFloat(int64_t i) const {
    const char *p = data + i * bytes;
    if (dtype == program::F32) {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
    if (dtype == program::F64) {
      double v;
      std::memcpy(&v, p, 8);
      return v;
    }
    if (dtype == program::U64) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return double(v);
    }
    return double(loadInt(i));
  }

  /// Wraps to the logical width and signedness, as IntegerType::wrap.
  int64_t wrap(int64_t value) const {
    if (bits >= 64)
      return value;
    uint64_t mask = (uint64_t(1) << bits) - 1;
    uint64_t low = uint64_t(value) & mask;
    if (isSignedType(dtype) && bits > 1 && (low >> (bits - 1)) & 1)
      low |= ~mask;
    return int64_t(low);
  }

  void storeInt(int64_t i, int64_t value) const {
    if (isFloat())
      return storeFloat(i, double(value));
    value = wrap(value);
    char *p = data + i * bytes;
    switch (bytes) {
    case 1: {
      uint8_t v = uint8_t(value);
      *reinterpret_cast<uint8_t *>(p) = v;
      return;
    }
    case 2: {
      uint16_t v = uint16_t(value);
      std::memcpy(p, &v, 2);
      return;
    }
    case 4: {
      uint32_t v = uint32_t(value);
      std::memcpy(p, &v, 4);
      return;
    }
    default:
      std::memcpy(p, &value, 8);
    }
  }

  /// Calls fn(T *) with the data as the integer storage type.
  template <typename Fn> void withInts(Fn &&fn) const {
    withIntType(dtype, [&](auto tag) {
      fn(reinterpret_cast<decltype(tag) *>(data));
    });
  }
  /// True if storing v needs no wrapping (logical width == storage width).
  bool isFullWidth() const { return bits == bytes * 8; }

  /// Rounds to the element type (f32 or f64).
  void storeFloat(int64_t i, double value) const {
    char *p = data + i * bytes;
    if (dtype == program::F32) {
      float v = float(value);
      std::memcpy(p, &v, 4);
    } else {
      std::memcpy(p, &value, 8);
    }
  }

  /// The representable range of the logical integer type.
  void range(int64_t &lo, int64_t &hi) const {
    if (dtype == program::U64 && bits >= 64) {
      lo = 0;
      hi = INT64_MAX;
    } else if (isSignedType(dtype)) {
      lo = bits >= 64 ? INT64_MIN : -(int64_t(1) << (bits - 1));
      hi = bits >= 64 ? INT64_MAX : (int64_t(1) << (bits - 1)) - 1;
    } else {
      lo = 0;
      hi = bits >= 63 ? INT64_MAX : (int64_t(1) << bits) - 1;
    }
  }
};

int64_t numElements(const std::vector<int64_t> &dims) {
  int64_t count = 1;
  for (int64_t dim : dims)
    count *= dim;
  return count;
}

/// Index of the channel (along `axis`) of a flat index.
int64_t channelOf(int64_t flat, const std::vector<int64_t> &dims, int64_t axis) {
  int64_t inner = 1;
  for (size_t d = axis + 1; d < dims.size(); ++d)
    inner *= dims[d];
  return (flat / inner) % dims[axis];
}

/// Row-major strides of `dims`, in elements.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;)
    strides[d - 1] = strides[d] * dims[d];
  return strides;
}

/// Steps a row-major multi-index through `dims`.
void advance(std::vector<int64_t> &index, const std::vector<int64_t> &dims) {
  for (size_t d = index.size(); d-- > 0;) {
    if (++index[d] < dims[d])
      return;
    index[d] = 0;
  }
}

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

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/// The ADC of DESIGN.md section 5: lo + step * clamp(floor((p - lo) / step
/// + 1/2), 0, 2^bits - 1).
struct Adc {
  int64_t bits = 0, step = 1, offset = 0, maxCode = 0;
  int64_t convert(int64_t p) const {
    if (bits == 0)
      return p;
    int64_t q = floorDiv(2 * (p - offset) + step, 2 * step);
    q = q < 0 ? 0 : q > maxCode ? maxCode : q;
    return offset + q * step;
  }
  /// True if every value in [lo, hi] converts to itself.
  bool isExactOn(int64_t lo, int64_t hi) const {
    return bits == 0 ||
           (step == 1 && lo >= offset && hi <= offset + maxCode);
  }
};

//===----------------------------------------------------------------------===//
// Crossbar read plans
//===----------------------------------------------------------------------===//

enum class Numeric { F32, F64, I64 };

Numeric numericFor(double bound) {
  if (bound < double(1 << 24))
    return Numeric::F32;
  if (bound < 9007199254740992.0)
    return Numeric::F64;
  return Numeric::I64;
}

/// A weight matrix in the number format its products need.
struct Weights {
  Numeric numeric = Numeric::F32;
  Matrix<float> f;
  Matrix<double> d;
  Matrix<int64_t> i;

  void set(const Matrix<int64_t> &w, Numeric n) {
    numeric = n;
    if (n == Numeric::F32)
      f = w.cast<float>();
    else if (n == Numeric::F64)
      d = w.cast<double>();
    else
      i = w;
  }
  int64_t cols() const {
    return numeric == Numeric::F32 ? f.cols()
           : numeric == Numeric::F64 ? d.cols()
                                     : i.cols();
  }
};

/// Computes x * w in the format of `w`, returning int64 results.
/// `x` holds small non-negative integers.
void multiply(const Matrix<int64_t> &x, const Weights &w, Matrix<int64_t> &out) {
  switch (w.numeric) {
  case Numeric::F32: {
    Matrix<float> y = x.cast<float>() * w.f;
    out = y.cast<int64_t>();
    return;
  }
  case Numeric::F64: {
    Matrix<double> y = x.cast<double>() * w.d;
    out = y.cast<int64_t>();
    return;
  }
  case Numeric::I64:
    out = x * w.i;
    return;
  }
}

struct MvmPlan {
  const program::Mvm *op = nullptr;
  int64_t rows = 0, cols = 0, cycles = 1, groups = 1;
  bool exact = false;
  // Exact plan: one product with the effective weights.
  Weights effective;
  // Sliced plan: per word-line group, the (slice, set) matrices side by
  // side; read q contributes sign[q] * convert(P) << shift[q].
  std::vector<Weights> groupWeights;
  std::vector<int64_t> readShift, readSign;
  Adc adc;
  // Sliced reads convert and accumulate in double when every value stays
  // an exact integer there (below 2^53); otherwise in int64.
  bool doubleAccumulate = false;
};

MvmPlan planMvm(const program::Mvm &op,
                const std::map<uint32_t, const program::Array *> &arrays) {
  MvmPlan plan;
  plan.op = &op;
  int64_t r = op.tile_rows(), c = op.tile_cols();
  plan.rows = r;
  plan.cols = c;
  plan.cycles = (op.input_bits() + op.dac_bits() - 1) / op.dac_bits();
  plan.groups = (r + op.active_rows() - 1) / op.active_rows();
  plan.adc.bits = op.adc_bits();
  plan.adc.step = op.adc_step();
  plan.adc.offset = op.adc_offset();
  plan.adc.maxCode = op.adc_bits() ? (int64_t(1) << op.adc_bits()) - 1 : 0;

  // levels[set][slice] as R x C integers.
  int64_t sets = op.sets(), slices = op.slices();
  std::vector<std::vector<Matrix<int64_t>>> levels(sets);
  for (int64_t set = 0; set < sets; ++set)
    for (int64_t s = 0; s < slices; ++s) {
      const program::Array *a = arrays.at(op.arrays(set * slices + s));
      Matrix<int64_t> m(r, c);
      for (int64_t k = 0; k < r; ++k)
        for (int64_t n = 0; n < c; ++n)
          m(k, n) = uint8_t(a->levels()[k * a->cols() + n]);
      levels[set].push_back(std::move(m));
    }

  bool pair = sets == 2;
  bool senseAmp = op.encoding() == program::BINARY ||
                  op.encoding() == program::TERNARY;
  bool analog = pair && op.analog_sensing();
  int64_t cb = op.cell_bits(), d = op.dac_bits();
  int64_t maxInput = (int64_t(1) << op.input_bits()) - 1;

  // The reads the ADCs convert, per slice: one matrix (offset encoding,
  // analog differences) or two (digital sensing of a pair).
  std::vector<Matrix<int64_t>> reads;
  for (int64_t s = 0; s < slices; ++s) {
    if (!pair) {
      reads.push_back(levels[0][s]);
      plan.readShift.push_back(cb * s);
      plan.readSign.push_back(1);
    } else if (analog || senseAmp) {
      reads.push_back(levels[0][s] - levels[1][s]);
      plan.readShift.push_back(cb * s);
      plan.readSign.push_back(1);
    } else {
      for (int64_t set = 0; set < 2; ++set) {
        reads.push_back(levels[set][s]);
        plan.readShift.push_back(cb * s);
        plan.readSign.push_back(set ? -1 : 1);
      }
    }
  }

  // Can a conversion lose information? Every partial sum of a group lies
  // in [digitMax * sum(min(m, 0)), digitMax * sum(max(m, 0))].
  bool exact = senseAmp || plan.adc.bits == 0;
  if (!exact) {
    exact = true;
    for (int64_t t = 0; t < plan.cycles && exact; ++t) {
      int64_t digitMax = std::min<int64_t>((int64_t(1) << d) - 1,
                                           maxInput >> (d * t));
      for (const Matrix<int64_t> &m : reads)
        for (int64_t g = 0; g < plan.groups && exact; ++g) {
          int64_t k0 = g * op.active_rows();
          int64_t kn = std::min(r, k0 + op.active_rows()) - k0;
          for (int64_t n = 0; n < c && exact; ++n) {
            int64_t lo = 0, hi = 0;
            for (int64_t k = k0; k < k0 + kn; ++k) {
              lo += std::min<int64_t>(m(k, n), 0);
              hi += std::max<int64_t>(m(k, n), 0);
            }
            exact = plan.adc.isExactOn(lo * digitMax, hi * digitMax);
          }
        }
    }
  }
  plan.exact = exact;

  if (exact) {
    Matrix<int64_t> w = Matrix<int64_t>::Zero(r, c);
    for (size_t q = 0; q < reads.size(); ++q)
      w += plan.readSign[q] * (reads[q] * (int64_t(1) << plan.readShift[q]));
    if (op.encoding() == program::OFFSET)
      w.array() -= op.weight_offset();
    double bound = 0;
    for (int64_t n = 0; n < c; ++n)
      bound = std::max(bound, double(maxInput) *
                                  double(w.col(n).cwiseAbs().sum()));
    plan.effective.set(w, numericFor(bound));
    return plan;
  }

  int64_t digitMax = (int64_t(1) << d) - 1;
  for (int64_t g = 0; g < plan.groups; ++g) {
    int64_t k0 = g * op.active_rows();
    int64_t kn = std::min(r, k0 + op.active_rows()) - k0;
    Matrix<int64_t> w(kn, c * int64_t(reads.size()));
    double bound = 0;
    for (size_t q = 0; q < reads.size(); ++q) {
      w.middleCols(q * c, c) = reads[q].middleRows(k0, kn);
      for (int64_t n = 0; n < c; ++n)
        bound = std::max(bound, double(digitMax) * double(reads[q]
                                                              .middleRows(k0, kn)
                                                              .col(n)
                                                              .cwiseAbs()
                                                              .sum()));
    }
    Weights weights;
    weights.set(w, numericFor(bound));
    plan.groupWeights.push_back(std::move(weights));
  }

  // The largest converted value, times every shift, over every group.
  double maxConverted = std::max(
      std::abs(double(plan.adc.offset)),
      std::abs(double(plan.adc.offset) +
               double(plan.adc.maxCode) * double(plan.adc.step)));
  double accBound = 0;
  for (int64_t t = 0; t < plan.cycles; ++t)
    for (int64_t shift : plan.readShift)
      accBound += std::ldexp(maxConverted, int(d * t + shift));
  accBound *= double(plan.groups);
  plan.doubleAccumulate = accBound < 4503599627370496.0; // 2^52
  for (const Weights &weights : plan.groupWeights)
    plan.doubleAccumulate &= weights.numeric != Numeric::I64;
  return plan;
}

/// The partial sums of one word-line group as doubles.
template <typename T>
void groupProduct(const Matrix<T> &digits, int64_t k0, int64_t kn,
                  const Weights &w, Matrix<double> &out) {
  if constexpr (std::is_same<T, float>::value)
    out = (digits.middleCols(k0, kn) * w.f).template cast<double>();
  else
    out = digits.middleCols(k0, kn) * w.d;
}

} // namespace

//===----------------------------------------------------------------------===//
// The executor
//===----------------------------------------------------------------------===//

struct Executor::Impl {
  const program::Program &p;
  std::map<uint32_t, const program::Buffer *> buffers;
  std::map<uint32_t, const program::Array *> arrays;
  std::map<uint32_t, const program::Constant *> constants;
  std::map<int, MvmPlan> plans; // by instruction index

  // Per run.
  int64_t batch = 1;
  std::vector<char> global;
  std::map<uint32_t, std::vector<char>> scratchpads;
  unsigned threads = 1;
  RunStats *stats = nullptr;
  std::string error;

  explicit Impl(const program::Program &p) : p(p) {
    for (const auto &b : p.buffers())
      buffers[b.id()] = &b;
    for (const auto &a : p.arrays())
      arrays[a.id()] = &a;
    for (const auto &c : p.constants())
      constants[c.id()] = &c;
    for (int i = 0; i < p.instructions_size(); ++i)
      if (p.instructions(i).op_case() == I::kMvm)
        plans.emplace(i, planMvm(p.instructions(i).mvm(), arrays));
  }

  Mem mem(uint32_t id) {
    const program::Buffer *b = buffers.at(id);
    Mem m;
    bool isGlobal = b->space() == program::GLOBAL;
    std::vector<char> &arena = isGlobal ? global : scratchpads[b->core()];
    if (!isGlobal && arena.size() != size_t(p.scratchpad_bytes() * batch))
      arena.assign(size_t(p.scratchpad_bytes() * batch), 0);
    m.data = arena.data() + b->offset() * batch;
    m.dtype = b->type().dtype();
    m.bytes = getStorageBytes(m.dtype);
    m.bits = b->type().bits() ? b->type().bits() : m.bytes * 8;
    if (m.dtype == program::BOOL)
      m.bits = 1;
    m.dims.assign(b->dims().begin(), b->dims().end());
    if (b->batched())
      m.dims[0] *= batch;
    m.count = numElements(m.dims);
    return m;
  }

  bool fail(const std::string &message) {
    error = message;
    return false;
  }

  /// Calls fn(begin, end) on contiguous parts of [0, count), one per
  /// thread, when each part has at least `grain` iterations.
  template <typename Fn> void parallelFor(int64_t count, int64_t grain, Fn fn) {
    int64_t parts = std::min<int64_t>(threads, count / std::max<int64_t>(grain, 1));
    if (parts <= 1) {
      fn(int64_t(0), count);
      return;
    }
    std::vector<std::thread> pool;
    for (int64_t i = 1; i < parts; ++i)
      pool.emplace_back(fn, count * i / parts, count * (i + 1) / parts);
    fn(int64_t(0), count / parts);
    for (std::thread &thread : pool)
      thread.join();
  }

  bool execute(int index, const program::Instruction &inst);
  bool runMvm(int index, const program::Mvm &op);
  bool im2col(const program::Im2Col &op);
  bool rows(const program::Rows &op);
  void requantize(const program::Requantize &op);
  void pool(const program::Pool &op);
  void binary(const program::Binary &op);
  void qadd(const program::QAdd &op);
  void concat(const program::Concat &op);
  void pad(const program::Pad &op);
  void transpose(const program::Transpose &op);
  void softmax(const program::Softmax &op);
  void cast(const program::Cast &op);
  void clip(const program::Clip &op);
};

Executor::Executor(const program::Program &program)
    : impl(std::make_unique<Impl>(program)) {}
Executor::~Executor() = default;

//===----------------------------------------------------------------------===//
// Crossbar instructions
//===----------------------------------------------------------------------===//

bool Executor::Impl::im2col(const program::Im2Col &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t n = src.dims[0], c = src.dims[1], h = src.dims[2], w = src.dims[3];
  int64_t cg = c / op.group(), kh = op.kernel(0), kw = op.kernel(1);
  int64_t sh = op.strides(0), sw = op.strides(1);
  int64_t dh = op.dilations(0), dw = op.dilations(1);
  int64_t pt = op.pads(0), pl = op.pads(1);
  int64_t oh = (h + pt + op.pads(2) - dh * (kh - 1) - 1) / sh + 1;
  int64_t ow = (w + pl + op.pads(3) - dw * (kw - 1) - 1) / sw + 1;
  int64_t k = cg * kh * kw, lo, hi;
  dst.range(lo, hi);
  int64_t offset = op.offset(), padCode = op.pad_value() + offset;
  bool padFits = padCode >= lo && padCode <= hi;
  std::atomic<bool> ok{true};
  std::atomic<int64_t> bad{0};
  withIntType(src.dtype, [&](auto srcTag) {
    using S = decltype(srcTag);
    withIntType(dst.dtype, [&](auto dstTag) {
      using D = decltype(dstTag);
      const S *x = reinterpret_cast<const S *>(src.data);
      D *out = reinterpret_cast<D *>(dst.data);
      parallelFor(n * oh, 64, [&](int64_t begin, int64_t end) {
        for (int64_t line = begin; line < end; ++line) {
          int64_t b = line / oh, y = line % oh;
          for (int64_t xo = 0; xo < ow; ++xo) {
            D *row = out + ((b * oh + y) * ow + xo) * k;
            for (int64_t ic = 0; ic < cg; ++ic) {
              const S *plane = x + (b * c + op.group_index() * cg + ic) * h * w;
              for (int64_t ky = 0; ky < kh; ++ky) {
                int64_t iy = y * sh - pt + ky * dh;
                for (int64_t kx = 0; kx < kw; ++kx) {
                  int64_t ix = xo * sw - pl + kx * dw;
                  int64_t value = padCode;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                    if (!padFits) {
                      ok = false;
                      bad = value;
                    }
                  } else {
                    value = int64_t(plane[iy * w + ix]) + offset;
                    if (value < lo || value > hi) {
                      ok = false;
                      bad = value;
                    }
                  }
                  *row++ = D(value);
                }
              }
            }
          }
        }
      });
    });
  });
  if (!ok)
    return fail("input code " + std::to_string(bad) +
                " does not fit the row type (the activation range is wider "
                "than the compiler assumed)");
  return true;
}

bool Executor::Impl::rows(const program::Rows &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t lo, hi, offset = op.offset();
  dst.range(lo, hi);
  int64_t bad = 0;
  bool ok = true;
  src.withInts([&](auto *in) {
    dst.withInts([&](auto *out) {
      using D = std::remove_pointer_t<decltype(out)>;
      for (int64_t i = 0; i < src.count; ++i) {
        int64_t value = int64_t(in[i]) + offset;
        if (value < lo || value > hi) {
          ok = false;
          bad = value;
        }
        out[i] = D(value);
      }
    });
  });
  if (!ok)
    return fail("input code " + std::to_string(bad) +
                " does not fit the row type");
  return true;
}

bool Executor::Impl::runMvm(int index, const program::Mvm &op) {
  const MvmPlan &plan = plans.at(index);
  Mem src = mem(op.rows()), dst = mem(op.dst());
  int64_t total = src.dims[0], width = src.dims[1];
  int64_t r = plan.rows, c = plan.cols;
  int64_t inputBits = op.input_bits(), d = op.dac_bits();
  int64_t dacMask = (int64_t(1) << d) - 1;
  int64_t reads = int64_t(plan.readShift.size());

  // Rows per block: bounded so the stacked digits and partial sums of a
  // block stay a few MB.
  int64_t perRow = plan.exact ? r + c : plan.cycles * (r + reads * c);
  int64_t block = std::max<int64_t>(16, (int64_t(1) << 20) / std::max<int64_t>(perRow, 1));
  // Enough blocks to keep every thread busy to the end.
  if (threads > 1)
    block = std::max<int64_t>(
        16, std::min<int64_t>(block, (total + 4 * threads - 1) / (4 * threads)));
  int64_t blocks = (total + block - 1) / block;

  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failureMutex;

  auto work = [&]() {
    Matrix<int64_t> x, digits, result;
    while (!failed) {
      int64_t b = next++;
      if (b >= blocks)
        return;
      int64_t first = b * block, count = std::min(block, total - first);
      x.resize(count, r);
      int64_t tooWide = -1;
      withIntType(src.dtype, [&](auto tag) {
        using S = decltype(tag);
        const S *rowsData = reinterpret_cast<const S *>(src.data);
        for (int64_t i = 0; i < count; ++i) {
          const S *in = rowsData + (first + i) * width + op.row_offset();
          for (int64_t k = 0; k < r; ++k) {
            int64_t code = int64_t(in[k]);
            if (inputBits < 63 && (code >> inputBits))
              tooWide = code;
            x(i, k) = code;
          }
        }
      });
      if (tooWide >= 0) {
        std::lock_guard<std::mutex> lock(failureMutex);
        failure = "input code " + std::to_string(tooWide) +
                  " needs more than input_bits = " + std::to_string(inputBits);
        failed = true;
        return;
      }

      Matrix<int64_t> acc;
      if (plan.exact) {
        multiply(x, plan.effective, acc);
      } else if (plan.doubleAccumulate) {
        bool allFloat = true;
        for (const Weights &w : plan.groupWeights)
          allFloat &= w.numeric == Numeric::F32;
        Matrix<double> accD = Matrix<double>::Zero(count, c), sums;
        auto slicedReads = [&](auto &digitMatrix) {
          using T = typename std::decay_t<decltype(digitMatrix)>::Scalar;
          digitMatrix.resize(plan.cycles * count, r);
          for (int64_t t = 0; t < plan.cycles; ++t)
            digitMatrix.middleRows(t * count, count) =
                x.unaryExpr([&](int64_t v) { return T((v >> (d * t)) & dacMask); });
          std::vector<double> scales;
          for (int64_t t = 0; t < plan.cycles; ++t)
            for (int64_t q = 0; q < reads; ++q)
              scales.push_back(plan.readSign[q] *
                               std::ldexp(1.0, int(d * t + plan.readShift[q])));
          double lo = double(plan.adc.offset);
          double step = double(plan.adc.step);
          double maxCode = double(plan.adc.maxCode);
          for (int64_t g = 0; g < plan.groups; ++g) {
            int64_t k0 = g * op.active_rows();
            int64_t kn = std::min(r, k0 + op.active_rows()) - k0;
            groupProduct(digitMatrix, k0, kn, plan.groupWeights[g], sums);
            // The ADC, elementwise (exact: every value is an integer < 2^53).
            if (plan.adc.bits != 0) {
              if (plan.adc.step == 1)
                sums = sums.cwiseMax(lo).cwiseMin(lo + maxCode);
              else
                sums = (((sums.array() - lo) / step + 0.5).floor()
                            .cwiseMax(0.0)
                            .cwiseMin(maxCode) *
                            step +
                        lo)
                           .matrix();
            }
            // Shift-add, row by row so the accumulators stay in cache.
            for (int64_t i = 0; i < count; ++i) {
              double *out = &accD(i, 0);
              for (int64_t t = 0; t < plan.cycles; ++t) {
                const double *row = &sums(t * count + i, 0);
                for (int64_t q = 0; q < reads; ++q) {
                  double scale = scales[t * reads + q];
                  const double *part = row + q * c;
                  for (int64_t n = 0; n < c; ++n)
                    out[n] += scale * part[n];
                }
              }
            }
          }
        };
        if (allFloat) {
          Matrix<float> digitsF;
          slicedReads(digitsF);
        } else {
          Matrix<double> digitsD;
          slicedReads(digitsD);
        }
        acc = accD.cast<int64_t>();
        if (op.encoding() == program::OFFSET)
          for (int64_t i = 0; i < count; ++i)
            acc.row(i).array() -= op.weight_offset() * x.row(i).sum();
      } else {
        acc = Matrix<int64_t>::Zero(count, c);
        digits.resize(plan.cycles * count, r);
        for (int64_t t = 0; t < plan.cycles; ++t)
          digits.middleRows(t * count, count) =
              x.unaryExpr([&](int64_t v) { return (v >> (d * t)) & dacMask; });
        for (int64_t g = 0; g < plan.groups; ++g) {
          int64_t k0 = g * op.active_rows();
          int64_t kn = std::min(r, k0 + op.active_rows()) - k0;
          multiply(digits.middleCols(k0, kn), plan.groupWeights[g], result);
          for (int64_t t = 0; t < plan.cycles; ++t)
            for (int64_t i = 0; i < count; ++i) {
              const int64_t *row = &result(t * count + i, 0);
              int64_t *out = &acc(i, 0);
              for (int64_t q = 0; q < reads; ++q) {
                int64_t scale = plan.readSign[q] *
                                (int64_t(1) << (d * t + plan.readShift[q]));
                const int64_t *sums = row + q * c;
                if (plan.adc.step == 1) {
                  // Unit steps: the conversion is a clamp (vectorizes).
                  int64_t lo = plan.adc.offset, hi = lo + plan.adc.maxCode;
                  for (int64_t n = 0; n < c; ++n)
                    out[n] += scale * std::min(std::max(sums[n], lo), hi);
                } else {
                  for (int64_t n = 0; n < c; ++n)
                    out[n] += scale * plan.adc.convert(sums[n]);
                }
              }
            }
        }
        if (op.encoding() == program::OFFSET)
          for (int64_t i = 0; i < count; ++i)
            acc.row(i).array() -= op.weight_offset() * x.row(i).sum();
      }
      int32_t *out = reinterpret_cast<int32_t *>(dst.data) + first * c;
      for (int64_t i = 0; i < count; ++i)
        for (int64_t n = 0; n < c; ++n)
          out[i * c + n] = int32_t(uint32_t(acc(i, n)));
    }
  };

  unsigned workers = unsigned(std::min<int64_t>(threads, blocks));
  if (workers <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < workers; ++i)
      pool.emplace_back(work);
    for (std::thread &thread : pool)
      thread.join();
  }
  if (failed)
    return fail(failure);

  if (stats) {
    ++stats->mvmInstructions;
    int64_t perCycle = total * plan.cycles * op.slices() * plan.groups;
    stats->readCycles += perCycle;
    bool senseAmp = op.encoding() == program::BINARY ||
                    op.encoding() == program::TERNARY;
    int64_t conversionsPerRead =
        senseAmp ? r : (op.sets() == 2 && !op.analog_sensing()) ? 2 : 1;
    stats->conversions += perCycle * c * conversionsPerRead;
    (plan.exact ? stats->exactProducts : stats->slicedProducts) += 1;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Vector unit
//===----------------------------------------------------------------------===//

void Executor::Impl::requantize(const program::Requantize &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  // Elements as [outer, channels, inner] along the axis.
  bool perChannel = op.scales_size() > 1;
  int64_t channels = perChannel ? src.dims[op.axis()] : 1;
  int64_t inner = 1;
  if (perChannel)
    for (size_t d = op.axis() + 1; d < src.dims.size(); ++d)
      inner *= src.dims[d];
  else
    inner = src.count;
  int64_t outer = src.count / std::max<int64_t>(channels * inner, 1);
  int64_t inputZp = op.input_zero_point(), zp = op.zero_point();
  int64_t lo = op.min(), hi = op.max();
  withIntType(src.dtype, [&](auto srcTag) {
    using S = decltype(srcTag);
    const S *x = reinterpret_cast<const S *>(src.data);
    // Clamped values fit the destination unless min/max exceed its type.
    int64_t tlo, thi;
    dst.range(tlo, thi);
    bool direct = dst.isFullWidth() && !dst.isFloat() && lo >= tlo && hi <= thi;
    auto store = [&](int64_t i, int64_t value) {
      if (direct && dst.bytes == 1)
        reinterpret_cast<uint8_t *>(dst.data)[i] = uint8_t(value);
      else
        dst.storeInt(i, value);
    };
    // Lines of `inner` elements share a channel; a per-tensor requantize
    // is one line, split into parts of its own.
    int64_t lines = outer * channels;
    int64_t split = lines == 1 ? std::max<int64_t>(inner, 1) : 1;
    parallelFor(lines * split, lines == 1 ? 65536 : 64,
                [&](int64_t begin, int64_t end) {
      for (int64_t part = begin; part < end; ++part) {
        int64_t line = part / split, ch = line % channels;
        int64_t i = line * inner, lineEnd = i + inner;
        if (split > 1) {
          // One part: a range of elements of the single line.
          i = begin;
          lineEnd = end;
          part = end;
        }
        if (op.fixed_point()) {
          int64_t multiplier = op.multipliers(ch);
          int64_t shift = 31 + op.shifts(ch);
          for (; i < lineEnd; ++i) {
            __int128 product = __int128(int64_t(x[i]) - inputZp) * multiplier;
            if (shift > 0)
              product = (product + (__int128(1) << (shift - 1))) >> shift;
            else
              product <<= -shift;
            __int128 shifted = product + zp;
            store(i, shifted < lo   ? lo
                     : shifted > hi ? hi
                                    : int64_t(shifted));
          }
        } else {
          float scale = op.scales(ch);
          for (; i < lineEnd; ++i) {
            float scaled = float(int64_t(x[i]) - inputZp) * scale;
            store(i, clampToRange(double(std::nearbyintf(scaled)) +
                                      double(zp),
                                  lo, hi, zp));
          }
        }
      }
    });
  });
}

void Executor::Impl::clip(const program::Clip &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  double lo = op.has_min() ? op.min() : -std::numeric_limits<double>::infinity();
  double hi = op.has_max() ? op.max() : std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < src.count; ++i) {
    if (src.isFloat()) {
      double value = src.loadFloat(i);
      if (!std::isnan(value))
        value = std::min(std::max(value, lo), hi);
      dst.storeFloat(i, value);
    } else {
      int64_t value = src.loadInt(i);
      if (double(value) < lo)
        value = int64_t(lo);
      if (double(value) > hi)
        value = int64_t(hi);
      dst.storeInt(i, value);
    }
  }
}

void Executor::Impl::cast(const program::Cast &op) {
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

/// Integer max pooling without padding or dilation (the common case).
template <typename T>
static void maxPoolInts(const T *x, T *y, int64_t planes, int64_t h, int64_t w,
                        int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                        int64_t sh, int64_t sw) {
  for (int64_t plane = 0; plane < planes; ++plane, x += h * w)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        T best = x[oy * sh * w + ox * sw];
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx)
            best = std::max(best, x[(oy * sh + ky) * w + ox * sw + kx]);
        *y++ = best;
      }
}

void Executor::Impl::pool(const program::Pool &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t planes = src.dims[0] * src.dims[1], h = src.dims[2], w = src.dims[3];
  int64_t oh = dst.dims[2], ow = dst.dims[3];
  bool simpleWindow = op.pads(0) == 0 && op.pads(1) == 0 && op.pads(2) == 0 &&
                      op.pads(3) == 0 && op.dilations(0) == 1 &&
                      op.dilations(1) == 1 && !op.ceil_mode();
  if (op.kind() == program::MAX && !src.isFloat() && simpleWindow) {
    src.withInts([&](auto *in) {
      auto *out = reinterpret_cast<decltype(in)>(dst.data);
      parallelFor(planes, 16, [&](int64_t begin, int64_t end) {
        maxPoolInts(in + begin * h * w, out + begin * oh * ow, end - begin, h,
                    w, oh, ow, op.kernel(0), op.kernel(1), op.strides(0),
                    op.strides(1));
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

/// Calls fn(lhsIndex, rhsIndex, outIndex) over the numpy broadcast of two
/// shapes (the output's shape is `out`).
template <typename Fn>
static void forEachBroadcast(const std::vector<int64_t> &lhs,
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

void Executor::Impl::binary(const program::Binary &op) {
  Mem lhs = mem(op.lhs()), rhs = mem(op.rhs()), dst = mem(op.dst());
  bool add = op.kind() == program::ADD;
  if (dst.isFloat())
    forEachBroadcast(lhs.dims, rhs.dims, dst.dims,
                     [&](int64_t i, int64_t j, int64_t n) {
                       double x = lhs.loadFloat(i), y = rhs.loadFloat(j);
                       dst.storeFloat(n, add ? x + y : x * y);
                     });
  else
    forEachBroadcast(lhs.dims, rhs.dims, dst.dims,
                     [&](int64_t i, int64_t j, int64_t n) {
                       uint64_t x = lhs.loadInt(i), y = rhs.loadInt(j);
                       dst.storeInt(n, int64_t(add ? x + y : x * y));
                     });
}

void Executor::Impl::qadd(const program::QAdd &op) {
  Mem lhs = mem(op.lhs()), rhs = mem(op.rhs()), dst = mem(op.dst());
  int64_t lo, hi;
  dst.range(lo, hi);
  forEachBroadcast(lhs.dims, rhs.dims, dst.dims,
                   [&](int64_t i, int64_t j, int64_t n) {
                     float value =
                         op.lhs_scale() * float(lhs.loadInt(i) - op.lhs_zero_point()) +
                         op.rhs_scale() * float(rhs.loadInt(j) - op.rhs_zero_point());
                     dst.storeInt(n, clampToRange(double(std::nearbyintf(value)) +
                                                      double(op.zero_point()),
                                                  lo, hi, op.zero_point()));
                   });
}

void Executor::Impl::concat(const program::Concat &op) {
  Mem dst = mem(op.dst());
  int64_t axis = op.axis(), outer = 1, inner = dst.bytes;
  for (int64_t d = 0; d < axis; ++d)
    outer *= dst.dims[d];
  for (size_t d = axis + 1; d < dst.dims.size(); ++d)
    inner *= dst.dims[d];
  int64_t offset = 0, row = dst.dims[axis] * inner;
  for (uint32_t id : op.srcs()) {
    Mem src = mem(id);
    int64_t chunk = src.dims[axis] * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memmove(dst.data + o * row + offset, src.data + o * chunk, chunk);
    offset += chunk;
  }
}

void Executor::Impl::pad(const program::Pad &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  size_t rank = src.dims.size();
  std::vector<int64_t> strides = stridesOf(src.dims), index(rank, 0);
  for (int64_t o = 0; o < dst.count; ++o, advance(index, dst.dims)) {
    int64_t in = 0;
    bool inside = true;
    for (size_t d = 0; d < rank; ++d) {
      int64_t i = index[d] - op.pads(d), size = src.dims[d];
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
      std::memcpy(dst.data + o * dst.bytes, src.data + in * src.bytes, dst.bytes);
    else if (dst.isFloat())
      dst.storeFloat(o, op.value());
    else
      dst.storeInt(o, int64_t(op.value()));
  }
}

void Executor::Impl::transpose(const program::Transpose &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  size_t rank = src.dims.size();
  std::vector<int64_t> strides = stridesOf(src.dims), index(rank, 0);
  for (int64_t o = 0; o < dst.count; ++o, advance(index, dst.dims)) {
    int64_t in = 0;
    for (size_t d = 0; d < rank; ++d)
      in += index[d] * strides[op.perm(d)];
    std::memcpy(dst.data + o * dst.bytes, src.data + in * src.bytes, dst.bytes);
  }
}

void Executor::Impl::softmax(const program::Softmax &op) {
  Mem src = mem(op.src()), dst = mem(op.dst());
  int64_t axis = op.axis(), dim = src.dims[axis], inner = 1;
  for (size_t d = axis + 1; d < src.dims.size(); ++d)
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
      // Read all inputs before writing: src and dst may not alias, but
      // keep the interpreter's order of operations.
      for (int64_t k = 0; k < dim; ++k)
        dst.storeFloat(at(k), std::exp(src.loadFloat(at(k)) - maxValue) / sum);
    }
}

bool Executor::Impl::execute(int index, const program::Instruction &inst) {
  switch (inst.op_case()) {
  case I::kIm2Col:
    return im2col(inst.im2col());
  case I::kRows:
    return rows(inst.rows());
  case I::kMvm:
    return runMvm(index, inst.mvm());
  case I::kAccumulate: {
    Mem dst = mem(inst.accumulate().dst());
    std::vector<Mem> srcs;
    for (uint32_t id : inst.accumulate().srcs())
      srcs.push_back(mem(id));
    for (int64_t i = 0; i < dst.count; ++i) {
      int64_t sum = 0;
      for (const Mem &src : srcs)
        sum += src.loadInt(i);
      dst.storeInt(i, sum);
    }
    return true;
  }
  case I::kConcatCols: {
    Mem dst = mem(inst.concat_cols().dst());
    int64_t total = dst.dims[1], base = 0;
    for (uint32_t id : inst.concat_cols().srcs()) {
      Mem src = mem(id);
      int64_t cols = src.dims[1];
      for (int64_t i = 0; i < dst.dims[0]; ++i)
        std::memmove(dst.data + (i * total + base) * 4, src.data + i * cols * 4,
                     cols * 4);
      base += cols;
    }
    return true;
  }
  case I::kBias: {
    Mem src = mem(inst.bias().src()), dst = mem(inst.bias().dst());
    const std::string &data = constants.at(inst.bias().constant())->data();
    int64_t cols = src.dims[1], rowCount = src.dims[0];
    std::vector<int32_t> bias(size_t(cols), 0);
    std::memcpy(bias.data(), data.data(), size_t(cols) * 4);
    const int32_t *in = reinterpret_cast<const int32_t *>(src.data);
    int32_t *out = reinterpret_cast<int32_t *>(dst.data);
    parallelFor(rowCount, 1024, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        for (int64_t n = 0; n < cols; ++n)
          out[r * cols + n] = int32_t(uint32_t(in[r * cols + n]) +
                                      uint32_t(bias[size_t(n)]));
    });
    return true;
  }
  case I::kUnrows: {
    Mem src = mem(inst.unrows().src()), dst = mem(inst.unrows().dst());
    if (!inst.unrows().nchw()) {
      std::memmove(dst.data, src.data, src.count * src.bytes);
      return true;
    }
    int64_t n = dst.dims[0], m = dst.dims[1], hw = dst.dims[2] * dst.dims[3];
    src.withInts([&](auto *in) {
      auto *out = reinterpret_cast<decltype(in)>(dst.data);
      parallelFor(n, 4, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b)
          for (int64_t pixel = 0; pixel < hw; ++pixel)
            for (int64_t ch = 0; ch < m; ++ch)
              out[(b * m + ch) * hw + pixel] = in[(b * hw + pixel) * m + ch];
      });
    });
    return true;
  }
  case I::kLoadConst: {
    Mem dst = mem(inst.load_const().dst());
    const std::string &data = constants.at(inst.load_const().constant())->data();
    std::memcpy(dst.data, data.data(), data.size());
    return true;
  }
  case I::kRequantize:
    requantize(inst.requantize());
    return true;
  case I::kQuantize: {
    const auto &op = inst.quantize();
    Mem src = mem(op.src()), dst = mem(op.dst());
    int64_t lo, hi;
    dst.range(lo, hi);
    bool perChannel = op.scales_size() > 1;
    for (int64_t i = 0; i < src.count; ++i) {
      int64_t channel = perChannel ? channelOf(i, src.dims, op.axis()) : 0;
      int64_t zp = op.zero_points_size() == 0 ? 0
                   : op.zero_points_size() == 1 ? op.zero_points(0)
                                                : op.zero_points(channel);
      float value = std::nearbyintf(float(src.loadFloat(i)) / op.scales(channel)) +
                    float(zp);
      dst.storeInt(i, clampToRange(value, lo, hi, zp));
    }
    return true;
  }
  case I::kDequantize: {
    const auto &op = inst.dequantize();
    Mem src = mem(op.src()), dst = mem(op.dst());
    bool perChannel = op.scales_size() > 1;
    for (int64_t i = 0; i < src.count; ++i) {
      int64_t channel = perChannel ? channelOf(i, src.dims, op.axis()) : 0;
      int64_t zp = op.zero_points_size() == 0 ? 0
                   : op.zero_points_size() == 1 ? op.zero_points(0)
                                                : op.zero_points(channel);
      float value = float(src.loadInt(i) - zp) * op.scales(channel);
      dst.storeFloat(i, value);
    }
    return true;
  }
  case I::kClip:
    clip(inst.clip());
    return true;
  case I::kCast:
    cast(inst.cast());
    return true;
  case I::kPool:
    pool(inst.pool());
    return true;
  case I::kGlobalAvgPool: {
    Mem src = mem(inst.global_avg_pool().src());
    Mem dst = mem(inst.global_avg_pool().dst());
    int64_t spatial = src.count / std::max<int64_t>(dst.count, 1);
    for (int64_t plane = 0; plane < dst.count; ++plane) {
      double sum = 0;
      for (int64_t i = 0; i < spatial; ++i)
        sum += src.loadFloat(plane * spatial + i);
      dst.storeFloat(plane, sum / double(spatial));
    }
    return true;
  }
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
    std::memmove(dst.data, src.data, src.count * src.bytes);
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
  case I::OP_NOT_SET:
    break;
  }
  return fail("unknown opcode");
}

//===----------------------------------------------------------------------===//
// Running a batch
//===----------------------------------------------------------------------===//

static std::string dimsText(const std::vector<int64_t> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

bool Executor::run(const std::vector<HostTensor> &inputs,
                   std::vector<HostTensor> &outputs, std::string &error,
                   const RunOptions &options, RunStats *stats) {
  Impl &s = *impl;
  const program::Program &p = s.p;
  if (int(inputs.size()) != p.inputs_size()) {
    error = "the program takes " + std::to_string(p.inputs_size()) +
            " input(s), got " + std::to_string(inputs.size());
    return false;
  }

  // The batch: every input's first dimension is N times the compiled one.
  int64_t batch = -1;
  for (int i = 0; i < p.inputs_size(); ++i) {
    const program::Port &port = p.inputs(i);
    const program::Buffer &b = *s.buffers.at(port.buffer());
    const HostTensor &in = inputs[i];
    std::vector<int64_t> want(b.dims().begin(), b.dims().end());
    std::string expected = std::string(getDTypeName(b.type().dtype())) + " " +
                           dimsText(want) +
                           (want[0] == 1 ? " (or [N, ...] for a batch of N)"
                                         : " (or N times its first dimension)");
    bool shapeOk = in.shape.size() == want.size() && in.shape[0] > 0 &&
                   in.shape[0] % want[0] == 0;
    for (size_t d = 1; shapeOk && d < want.size(); ++d)
      shapeOk = in.shape[d] == want[d];
    if (in.dtype != b.type().dtype() || !shapeOk) {
      error = "input '" + port.name() + "' must be " + expected + ", got " +
              getDTypeName(in.dtype) + " " + dimsText(in.shape);
      return false;
    }
    int64_t n = in.shape[0] / want[0];
    if (batch != -1 && n != batch) {
      error = "input '" + port.name() + "' holds a batch of " +
              std::to_string(n) + " but an earlier input holds " +
              std::to_string(batch);
      return false;
    }
    batch = n;
    if (int64_t(in.data.size()) !=
        in.getNumElements() * int64_t(getStorageBytes(in.dtype))) {
      error = "input '" + port.name() + "' has the wrong number of bytes";
      return false;
    }
  }

  // Memory for the batch: it must be addressable and fit this machine (the
  // arenas are zero-filled, so an overcommitted allocation would not fail
  // cleanly later).
  uint64_t perInference = p.global_bytes();
  std::set<uint32_t> cores;
  for (const auto &b : p.buffers())
    if (b.space() == program::SCRATCHPAD)
      cores.insert(b.core());
  perInference += p.scratchpad_bytes() * cores.size();
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  uint64_t physical = pages > 0 && pageSize > 0
                          ? uint64_t(pages) * uint64_t(pageSize)
                          : UINT64_MAX;
  if (perInference > 0 &&
      (uint64_t(batch) > physical / perInference ||
       uint64_t(batch) * perInference > physical)) {
    error = "a batch of " + std::to_string(batch) + " needs " +
            std::to_string(perInference) + " bytes of memory per inference, "
            "more than this machine's " + std::to_string(physical) + " bytes";
    return false;
  }

  s.batch = batch;
  s.threads = std::max(1u, options.threads);
  s.stats = stats;
  // Arenas are kept between runs of the same size (every buffer is
  // written before it is read, so stale bytes are never observed).
  if (s.global.size() != size_t(p.global_bytes() * batch))
    s.global.assign(size_t(p.global_bytes() * batch), 0);
  if (stats) {
    *stats = RunStats();
    stats->batch = batch;
  }

  for (int i = 0; i < p.inputs_size(); ++i) {
    Mem m = s.mem(p.inputs(i).buffer());
    // Integer inputs narrower than their storage (u4 in a byte) must fit.
    if (!m.isFloat() && m.bits < m.bytes * 8) {
      Mem view = m;
      view.data = const_cast<char *>(inputs[i].data.data());
      for (int64_t j = 0; j < view.count; ++j)
        if (view.wrap(view.loadInt(j)) != view.loadInt(j)) {
          error = "input '" + p.inputs(i).name() + "' holds " +
                  std::to_string(view.loadInt(j)) +
                  ", which does not fit its " + std::to_string(m.bits) +
                  "-bit element type";
          return false;
        }
    }
    std::memcpy(m.data, inputs[i].data.data(), inputs[i].data.size());
  }

  for (int i = 0; i < p.instructions_size(); ++i) {
    if (!s.execute(i, p.instructions(i))) {
      std::string layer;
      if (p.instructions(i).op_case() == I::kMvm)
        layer = " in layer '" + p.instructions(i).mvm().layer() + "'";
      error = "instruction " + std::to_string(i) + layer + ": " + s.error;
      return false;
    }
  }

  outputs.clear();
  for (const program::Port &port : p.outputs()) {
    Mem m = s.mem(port.buffer());
    HostTensor out;
    out.dtype = m.dtype;
    out.shape = m.dims;
    out.data.assign(m.data, m.data + m.count * m.bytes);
    outputs.push_back(std::move(out));
  }
  return true;
}
