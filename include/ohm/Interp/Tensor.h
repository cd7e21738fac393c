//===- Tensor.h - Tensors of the reference interpreter ----------*- C++ -*-===//
//
// A Tensor is a shape, an element type and the elements. Integers (and
// index) are held as int64_t, floats as double holding a value exactly
// representable in the element type (f16/f32 values are rounded on every
// store), so arithmetic can be done in double where that gives the
// correctly rounded f32 result, and in f32 where ONNX Runtime rounds
// intermediate steps.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_INTERP_TENSOR_H
#define OHM_INTERP_TENSOR_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace ohm {
namespace interp {

using Shape = llvm::SmallVector<int64_t, 4>;

/// Number of elements of a static shape.
int64_t getNumElements(llvm::ArrayRef<int64_t> shape);
/// Row-major strides of a shape.
Shape getStrides(llvm::ArrayRef<int64_t> shape);
/// "2x3x4" for messages.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

class Tensor {
public:
  Tensor() = default;
  /// A zero-filled tensor.
  Tensor(Type elementType, llvm::ArrayRef<int64_t> shape);

  Type getElementType() const { return elementType; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  unsigned getRank() const { return shape.size(); }
  int64_t getDim(unsigned i) const { return shape[i]; }
  int64_t getNumElements() const { return numElements; }
  bool isFloat() const { return elementType.isFloat(); }
  bool isInteger() const { return !isFloat(); }

  /// Element storage; only the one matching the element type is used.
  std::vector<int64_t> &ints() { return intData; }
  const std::vector<int64_t> &ints() const { return intData; }
  std::vector<double> &floats() { return floatData; }
  const std::vector<double> &floats() const { return floatData; }

  /// Element `i` converted to double / int64 whatever the storage.
  double getAsDouble(int64_t i) const {
    return isFloat() ? floatData[i] : double(intData[i]);
  }

  /// Stores `value` wrapped (integers) or rounded (floats) to the type.
  void setInt(int64_t i, int64_t value);
  void setFloat(int64_t i, double value);

  /// Same elements, another shape (the element count must agree).
  Tensor reshaped(llvm::ArrayRef<int64_t> newShape) const;

  /// The type of this tensor in `elementType`'s context.
  TensorType getType() const;

  static Tensor fromAttr(DenseElementsAttr attr);
  DenseElementsAttr toAttr() const;

  /// Whether two tensors have the same type, shape and elements.
  bool operator==(const Tensor &other) const;

private:
  Type elementType;
  Shape shape;
  int64_t numElements = 0;
  std::vector<int64_t> intData;
  std::vector<double> floatData;
};

} // namespace interp
} // namespace ohm

#endif // OHM_INTERP_TENSOR_H
