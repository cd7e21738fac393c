//===- OpAttributes.cpp - Reading op attributes with defaults -------------===//
//
// The attribute readers of OpAttributes.h. They never fail: an absent or
// malformed attribute reads as the default (or as no values), and the
// op's type rule is what rejects malformed attributes.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/OpAttributes.h"
#include "ohm/IR/Operation.h"

using namespace ohm;

int64_t ohm::getIntAttr(const Operation *op, llvm::StringRef name,
                        int64_t defaultValue) {
  auto attr = op->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : defaultValue;
}

std::vector<int64_t> ohm::getIntArrayAttr(const Operation *op,
                                          llvm::StringRef name,
                                          std::vector<int64_t> defaultValue) {
  auto array = op->getAttrOfType<ArrayAttr>(name);
  std::vector<int64_t> values;
  if (!array || !array.getAsInts(values))
    return defaultValue;
  return values;
}

std::vector<int64_t> ohm::getIntOrDenseValues(Attribute attr) {
  if (!attr)
    return {};
  if (auto intAttr = attr.dyn_cast<IntegerAttr>())
    return {intAttr.getInt()};
  // Per-channel parameters are small; a huge tensor here is malformed, and
  // materializing it would only waste memory.
  if (auto dense = attr.dyn_cast<DenseElementsAttr>())
    if (dense.getType().getRank() <= 1 && dense.getElementType().isInteger() &&
        dense.getNumElements() <= kMaxChannelParams)
      return dense.getInts();
  return {};
}

std::vector<float> ohm::getFloatOrDenseValues(Attribute attr) {
  if (!attr)
    return {};
  if (auto floatAttr = attr.dyn_cast<FloatAttr>())
    return {float(floatAttr.getValue())};
  std::vector<float> values;
  if (auto dense = attr.dyn_cast<DenseElementsAttr>())
    if (dense.getType().getRank() <= 1 && dense.getElementType().isFloat() &&
        dense.getNumElements() <= kMaxChannelParams)
      for (double value : dense.getDoubles())
        values.push_back(float(value));
  return values;
}

Window Window::read(const Operation *op, std::vector<int64_t> kernel) {
  Window window;
  window.kernel = std::move(kernel);
  window.strides = getIntArrayAttr(op, "strides", {1, 1});
  window.pads = getIntArrayAttr(op, "pads", {0, 0, 0, 0});
  window.dilations = getIntArrayAttr(op, "dilations", {1, 1});
  window.ceilMode = getIntAttr(op, "ceil_mode", 0) != 0;
  return window;
}

checked::WindowAxis Window::getAxis(unsigned i, int64_t in) const {
  return {in,      kernel[i],   strides[i], dilations[i],
          pads[i], pads[i + 2], ceilMode};
}

int64_t Window::getOutputSize(unsigned i, int64_t in) const {
  if (in == TensorType::kDynamic)
    return TensorType::kDynamic;
  // Checked: attributes come from files, and a pad or dilation near 2^62
  // must not overflow (the window then does not fit).
  return checked::windowOutputSize(getAxis(i, in), TensorType::kMaxElements)
      .value_or(-2);
}
