//===- Gemm.h - Exact integer products for crossbar reads -------*- C++ -*-===//
//
// A crossbar read that cannot lose information is one integer matrix
// product of the input codes with the read's effective weights. This is
// that product, exact and fast:
//
//   - oneDNN's u8 x s8 -> s32 matmul when codes fit a byte, weights fit
//     int8 and every sum fits int32 (oneDNN dispatches at run time to the
//     host's AVX2 / AVX-512 / VNNI kernels);
//   - oneDNN's f32 matmul when every partial sum stays below 2^24, where
//     float adds integers exactly in any order;
//   - Eigen in double below 2^53, and in int64 beyond.
//
// Results are reduced modulo 2^32 into int32, as every accumulator of the
// machine wraps (docs/Simulator.md).
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_GEMM_H
#define OHMRT_GEMM_H

#include <cstdint>
#include <memory>
#include <vector>

namespace ohmrt {
namespace detail {

/// Per-thread scratch memory for products (oneDNN's scratchpad, converted
/// inputs), reused from call to call.
struct GemmWorkspace {
  std::vector<char> scratchpad;
  std::vector<char> converted;
  std::vector<char> result;
  std::vector<char> padded; // explicitly padded images
};

class ExactProduct {
public:
  enum class Kind { DnnlS8, DnnlF32, EigenF64, EigenI64 };

  /// `weights` is K x N, row-major; every input code is in [0, maxInput].
  ExactProduct(const std::vector<int64_t> &weights, int64_t k, int64_t n,
               int64_t maxInput);
  ~ExactProduct();
  ExactProduct(const ExactProduct &) = delete;
  ExactProduct &operator=(const ExactProduct &) = delete;

  Kind getKind() const { return kind; }
  const char *getKindName() const;
  int64_t getRows() const { return k; }
  int64_t getCols() const { return n; }
  /// Bytes held for the weights.
  size_t getBytes() const;

  /// out[i, :] = x[i, :] . W for m rows; x rows at stride ldx elements,
  /// out rows at stride ldo. S is uint8_t, uint16_t or uint32_t.
  template <typename S>
  void multiply(const S *x, int64_t ldx, int64_t m, int32_t *out, int64_t ldo,
                GemmWorkspace &ws) const;

private:
  struct Dnnl;
  void multiplyDnnl(const void *x, int64_t ldx, int64_t m, int32_t *out,
                    int64_t ldo, GemmWorkspace &ws) const;

  Kind kind = Kind::EigenI64;
  int64_t k = 0, n = 0;
  std::unique_ptr<Dnnl> dnnl;
  std::vector<double> weightsF64;
  std::vector<int64_t> weightsI64;
};

extern template void ExactProduct::multiply<uint8_t>(const uint8_t *, int64_t,
                                                     int64_t, int32_t *,
                                                     int64_t,
                                                     GemmWorkspace &) const;
extern template void ExactProduct::multiply<uint16_t>(const uint16_t *, int64_t,
                                                      int64_t, int32_t *,
                                                      int64_t,
                                                      GemmWorkspace &) const;
extern template void ExactProduct::multiply<uint32_t>(const uint32_t *, int64_t,
                                                      int64_t, int32_t *,
                                                      int64_t,
                                                      GemmWorkspace &) const;

/// The geometry of a convolution over NCHW images.
struct ConvShape {
  int64_t channels = 0, height = 0, width = 0, outChannels = 0;
  int64_t kernel[2] = {1, 1}, strides[2] = {1, 1}, dilations[2] = {1, 1};
  int64_t pads[4] = {0, 0, 0, 0}; // top, left, bottom, right
  int64_t padCode = 0;            // the code of padded pixels
  int64_t outHeight() const {
    return (height + pads[0] + pads[2] - dilations[0] * (kernel[0] - 1) - 1) /
               strides[0] +
           1;
  }
  int64_t outWidth() const {
    return (width + pads[1] + pads[3] - dilations[1] * (kernel[1] - 1) - 1) /
               strides[1] +
           1;
  }
};

/// An exact integer convolution of u8 NCHW images and fixed int8 weights,
/// into int32 NHWC results (the row layout of an im2col + product):
/// oneDNN's u8 x s8 -> s32 convolution, under the same exactness
/// conditions as ExactProduct's DnnlS8 kind. oneDNN pads with zeros; a
/// nonzero pad code (an input zero point) is padded explicitly into a copy
/// of the images first.
class ExactConv {
public:
  /// Returns null when the weights or inputs do not allow an exact int8
  /// convolution. `weights` is K x O row-major with K ordered (channel,
  /// ky, kx), as im2col lays rows out.
  static std::unique_ptr<ExactConv> create(const std::vector<int64_t> &weights,
                                           const ConvShape &shape,
                                           int64_t maxInput);
  ~ExactConv();

  /// Convolves `images` NCHW images at `x` into `out` (images x OH x OW
  /// rows of outChannels int32).
  void run(const uint8_t *x, int64_t images, int32_t *out,
           GemmWorkspace &ws) const;
  size_t getBytes() const;

private:
  ExactConv() = default;
  struct Dnnl;
  std::unique_ptr<Dnnl> dnnl;
};

/// Makes oneDNN run single-threaded on the calling thread (the executor's
/// own workers split the work); every oneDNN call here makes it first.
void useOneDnnThreadLocally();

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_GEMM_H
