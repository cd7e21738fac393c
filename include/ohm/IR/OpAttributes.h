//===- OpAttributes.h - Reading op attributes with defaults -----*- C++ -*-===//
//
// Helpers every dialect, pass and the backend use to read an op's
// attributes: an integer or integer array with a default when absent, a
// per-tensor or per-channel parameter (a scalar or a 1-D dense tensor), and
// the geometry of a 2-D sliding window (kernel_shape, strides, pads,
// dilations, ceil_mode), which nn convolutions and pools and xb.im2col
// share. They read; checking the attributes is the ops' type rules' job.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_OPATTRIBUTES_H
#define OHM_IR_OPATTRIBUTES_H

#include "ohm/IR/Attributes.h"

#include "ohmrt/CheckedMath.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <vector>

namespace ohm {

namespace checked = ohmrt::checked;

class Operation;

/// An integer attribute's value, or `defaultValue` if absent.
int64_t getIntAttr(const Operation *op, llvm::StringRef name,
                   int64_t defaultValue);
/// The integers of an array attribute, or `defaultValue` if absent or not
/// all integers.
std::vector<int64_t> getIntArrayAttr(const Operation *op, llvm::StringRef name,
                                     std::vector<int64_t> defaultValue = {});

/// The most per-channel parameters (scales, zero points) an op may have.
constexpr int64_t kMaxChannelParams = int64_t(1) << 20;

/// Reads a per-tensor or per-channel integer attribute: an IntegerAttr (one
/// value) or rank-1 DenseElementsAttr. Returns an empty vector if absent or
/// malformed (including more than kMaxChannelParams values).
std::vector<int64_t> getIntOrDenseValues(Attribute attr);
/// Same for floats: FloatAttr or rank-1 dense f32.
std::vector<float> getFloatOrDenseValues(Attribute attr);

/// Geometry of a 2-D sliding window (convolution, pooling, im2col).
struct Window {
  std::vector<int64_t> kernel;    // [kh, kw]
  std::vector<int64_t> strides;   // [sh, sw]
  std::vector<int64_t> pads;      // [top, left, bottom, right] (ONNX order)
  std::vector<int64_t> dilations; // [dh, dw]
  bool ceilMode = false;

  /// Reads `strides`, `pads`, `dilations` and `ceil_mode` from `op`, with
  /// ONNX's defaults (1, 0, 1, false); the kernel comes from the caller
  /// (the weight's shape for convolutions, `kernel_shape` for pools).
  static Window read(const Operation *op, std::vector<int64_t> kernel);

  /// Spatial dim `i` (0 = height) of the window over an input of size
  /// `in`, for the checked arithmetic of ohmrt/CheckedMath.h.
  checked::WindowAxis getAxis(unsigned i, int64_t in) const;
  /// Output size along spatial dim `i` for input size `in`; dynamic stays
  /// dynamic. Returns -2 if the window does not fit (or a term overflows).
  int64_t getOutputSize(unsigned i, int64_t in) const;
};

} // namespace ohm

#endif // OHM_IR_OPATTRIBUTES_H
