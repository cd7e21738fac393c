//===- Buffers.h - Typed views of the executor's memory ---------*- C++ -*-===//
//
// The executor sees a buffer as bytes at an address plus a dtype, a logical
// integer width and dimensions for the batch being run (`Mem`). The vector
// unit's kernels dispatch once per instruction on the storage type
// (`withIntType`) and then run typed loops; the per-element `loadInt` /
// `storeInt` accessors are for the rare, slow instructions only.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_BUFFERS_H
#define OHMRT_BUFFERS_H

#include "ohmrt/Runtime.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

/// Compiles a function for AVX-512, AVX2 and the baseline, chosen when the
/// program starts (GCC's target_clones). Clang 14 does not clone function
/// templates; its builds (the fuzz and sanitizer builds) use the baseline.
#if defined(__x86_64__) && !defined(__clang__)
#define OHMRT_VECTOR_CLONES                                                    \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#define OHMRT_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define OHMRT_VECTOR_CLONES
#define OHMRT_POPCNT_CLONES
#endif

namespace ohmrt {
namespace detail {

inline bool isFloatType(program::DType dtype) {
  return dtype == program::F32 || dtype == program::F64;
}

inline bool isSignedType(program::DType dtype) {
  return dtype == program::I8 || dtype == program::I16 ||
         dtype == program::I32 || dtype == program::I64;
}

/// Calls fn(T()) with T the storage type of an integer dtype (bool and u8
/// are bytes; u64 is read as int64, which the validator's bounds allow).
template <typename Fn>
decltype(auto) withIntType(program::DType dtype, Fn &&fn) {
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
  /// True if storing a value needs no wrapping (logical == storage width).
  bool isFullWidth() const { return bits == bytes * 8; }

  template <typename T> T *as() const { return reinterpret_cast<T *>(data); }

  int64_t loadInt(int64_t i) const;
  double loadFloat(int64_t i) const;
  /// Wraps to the logical width and signedness, as IntegerType::wrap.
  int64_t wrap(int64_t value) const;
  void storeInt(int64_t i, int64_t value) const;
  /// Rounds to the element type (f32 or f64).
  void storeFloat(int64_t i, double value) const;
  /// The representable range of the logical integer type.
  void range(int64_t &lo, int64_t &hi) const;

  /// Calls fn(T *) with the data as the integer storage type.
  template <typename Fn> void withInts(Fn &&fn) const {
    withIntType(dtype, [&](auto tag) { fn(as<decltype(tag)>()); });
  }
};

int64_t numElements(const std::vector<int64_t> &dims);
/// Row-major strides of `dims`, in elements.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &dims);
/// Steps a row-major multi-index through `dims`.
void advance(std::vector<int64_t> &index, const std::vector<int64_t> &dims);
/// Index of the channel (along `axis`) of a flat index.
int64_t channelOf(int64_t flat, const std::vector<int64_t> &dims, int64_t axis);
/// Saturates a double into [lo, hi]; NaN becomes `nanValue`.
inline int64_t clampToRange(double value, int64_t lo, int64_t hi,
                            int64_t nanValue) {
  if (std::isnan(value))
    return nanValue;
  if (value < double(lo))
    return lo;
  // double(INT64_MAX) is 2^63, which int64_t cannot hold: >= saturates it.
  if (value >= double(hi))
    return hi;
  return int64_t(value);
}

/// std::nearbyintf in the default rounding mode (to nearest, ties to
/// even), inline: adding 2^23 to |x| < 2^23 leaves no fraction bits, so
/// the float addition itself rounds half to even. Larger values, infinities
/// and NaN are returned as they are, as nearbyintf does.
inline float roundHalfEven(float x) {
  float magnitude = std::fabs(x);
  return magnitude < 8388608.0f
             ? std::copysign((magnitude + 8388608.0f) - 8388608.0f, x)
             : x;
}

/// round_half_even(value) clamped to [lo, hi] as an int32, NaN to 0: the
/// last steps of requantize, quantize and qadd in the vectorized kernels.
/// lo and hi are integers that floats hold exactly (|.| < 2^24); clamping
/// before adding a zero point is then exact (docs/Simulator.md). Branch-
/// free (NaN fails both comparisons and becomes lo first), so loops of it
/// vectorize.
inline int32_t roundClamp(float value, float lo, float hi) {
  float rounded = roundHalfEven(value);
  float clamped = lo < rounded ? rounded : lo;
  clamped = clamped < hi ? clamped : hi;
  int32_t result = int32_t(clamped);
  return rounded == rounded ? result : 0;
}

inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/// The ADC of DESIGN.md section 5: lo + step * clamp(floor((p - lo) / step
/// + 1/2), 0, 2^bits - 1); bits == 0 is an ideal conversion.
/// Calls fn(T()) with the smallest unsigned type of `bytes` bytes that
/// holds a read's codes (1, 2, else 4).
template <typename Fn> void withCodeType(unsigned bytes, Fn &&fn) {
  if (bytes == 1)
    fn(uint8_t());
  else if (bytes == 2)
    fn(uint16_t());
  else
    fn(uint32_t());
}

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
    return bits == 0 || (step == 1 && lo >= offset && hi <= offset + maxCode);
  }
};

/// What a crossbar read's plans (ideal, Mvm.cpp, and device, DeviceMvm.cpp)
/// take from its instruction: the tile, the input's digits, the word-line
/// groups and the ADC.
struct ReadParams {
  explicit ReadParams(const program::Mvm &op)
      : rows(op.tile_rows()), cols(op.tile_cols()), digitBits(op.dac_bits()),
        cellBits(op.cell_bits()), inputBits(op.input_bits()),
        activeRows(op.active_rows()), slices(op.slices()) {
    cycles = (inputBits + digitBits - 1) / digitBits;
    groups = (rows + activeRows - 1) / activeRows;
    maxInput = inputBits >= 63 ? INT64_MAX : (int64_t(1) << inputBits) - 1;
    adc.bits = op.adc_bits();
    adc.step = op.adc_step();
    adc.offset = op.adc_offset();
    adc.maxCode = adc.bits ? (int64_t(1) << adc.bits) - 1 : 0;
    if (op.encoding() == program::OFFSET)
      weightOffset = op.weight_offset();
  }
  int64_t rows, cols, digitBits, cellBits, inputBits, activeRows, slices;
  int64_t cycles, groups, maxInput, weightOffset = 0;
  Adc adc;
};

/// One conversion of a slice: the cell sets subtracted before it (minus
/// -1: none) and its sign and shift after it.
struct ReadTerm {
  int plus = 0, minus = -1;
  int64_t sign = 1;
  int shift = 0; // cell bits x slice
};

/// The conversions of a read, per slice: one (offset encoding, analog
/// differences, 2T2R sense amplifiers) or two (digitally sensed
/// differential pairs: the positive set, then the negative one).
inline std::vector<ReadTerm> getReadTerms(const program::Mvm &op) {
  bool pair = op.sets() == 2;
  bool senseAmp =
      op.encoding() == program::BINARY || op.encoding() == program::TERNARY;
  std::vector<ReadTerm> terms;
  for (int64_t s = 0; s < op.slices(); ++s) {
    ReadTerm term;
    term.shift = int(op.cell_bits() * s);
    if (!pair) {
      terms.push_back(term);
    } else if (op.analog_sensing() || senseAmp) {
      term.minus = 1;
      terms.push_back(term);
    } else {
      terms.push_back(term);
      term.plus = 1;
      term.sign = -1;
      terms.push_back(term);
    }
  }
  return terms;
}

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_BUFFERS_H
