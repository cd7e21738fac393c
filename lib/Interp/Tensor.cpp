//===- Tensor.cpp - Concrete tensors for the reference interpreter --------===//

#include "ohm/Interp/Tensor.h"

#include <cassert>
#include <cstring>

using namespace ohm;
using namespace ohm::interp;

int64_t interp::getNumElements(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

Shape interp::getStrides(llvm::ArrayRef<int64_t> shape) {
  Shape strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

std::string interp::formatShape(llvm::ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += "x";
    text += std::to_string(shape[i]);
  }
  return text;
}

Tensor::Tensor(Type elementType, llvm::ArrayRef<int64_t> shape)
    : elementType(elementType), shape(shape.begin(), shape.end()),
      numElements(interp::getNumElements(shape)) {
  if (elementType.isFloat())
    floatData.assign(numElements, 0.0);
  else
    intData.assign(numElements, 0);
}

void Tensor::setInt(int64_t i, int64_t value) {
  if (isFloat()) {
    setFloat(i, double(value));
    return;
  }
  if (auto intType = elementType.dyn_cast<IntegerType>())
    value = intType.wrap(value);
  intData[i] = value;
}

void Tensor::setFloat(int64_t i, double value) {
  assert(isFloat() && "setFloat on an integer tensor");
  floatData[i] = elementType.cast<FloatType>().round(value);
}

Tensor Tensor::reshaped(llvm::ArrayRef<int64_t> newShape) const {
  assert(interp::getNumElements(newShape) == numElements && "bad reshape");
  Tensor result = *this;
  result.shape.assign(newShape.begin(), newShape.end());
  return result;
}

TensorType Tensor::getType() const {
  return TensorType::get(shape, elementType);
}

Tensor Tensor::fromAttr(DenseElementsAttr attr) {
  Tensor tensor(attr.getElementType(), attr.getType().getShape());
  if (tensor.isFloat())
    for (int64_t i = 0; i < tensor.numElements; ++i)
      tensor.floatData[i] = attr.getDouble(i);
  else
    for (int64_t i = 0; i < tensor.numElements; ++i)
      tensor.intData[i] = attr.getInt(i);
  return tensor;
}

DenseElementsAttr Tensor::toAttr() const {
  if (isFloat())
    return DenseElementsAttr::getFromDoubles(getType(), floatData);
  return DenseElementsAttr::getFromInts(getType(), intData);
}

bool Tensor::operator==(const Tensor &other) const {
  if (elementType != other.elementType || shape != other.shape)
    return false;
  if (isFloat()) {
    // Bitwise equality of the values (so NaN == NaN, -0 != +0).
    for (int64_t i = 0; i < numElements; ++i)
      if (std::memcmp(&floatData[i], &other.floatData[i], sizeof(double)))
        return false;
    return true;
  }
  return intData == other.intData;
}
