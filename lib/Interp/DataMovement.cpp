//===- DataMovement.cpp - Reshape, transpose, concat and pad kernels ------===//
//
// The interpreter's kernels for the ops that move elements without
// computing on them: nn.reshape, nn.transpose, nn.concat and nn.pad. Each
// walks the result in row-major order and reads the input element it comes
// from.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "ohm/NN/NNOps.h"

using namespace ohm;
using namespace ohm::interp;
using namespace ohm::nn;

llvm::Expected<Tensor> interp::evalReshape(Operation *op, const Tensor &x) {
  std::string error;
  ErrorStream err(error);
  auto shape =
      inferReshapeShape(x.getShape(), getIntArrayAttr(op, "shape"), err);
  if (!shape)
    return opError(op, error);
  if (getNumElements(*shape) != x.getNumElements())
    return opError(op, "cannot reshape " + formatShape(x.getShape()) + " to " +
                           formatShape(*shape));
  return x.reshaped(*shape);
}

Tensor interp::evalTranspose(Operation *op, const Tensor &x) {
  int64_t rank = x.getRank();
  std::vector<int64_t> defaultPerm;
  for (int64_t i = rank - 1; i >= 0; --i)
    defaultPerm.push_back(i);
  std::vector<int64_t> perm = getIntArrayAttr(op, "perm", defaultPerm);
  Shape shape;
  for (int64_t p : perm)
    shape.push_back(x.getDim(p));
  Tensor out(x.getElementType(), shape);
  Shape inStrides = getStrides(x.getShape());
  Shape index(rank, 0);
  for (int64_t o = 0; o < out.getNumElements(); ++o) {
    int64_t in = 0;
    for (int64_t d = 0; d < rank; ++d)
      in += index[d] * inStrides[perm[d]];
    if (x.isFloat())
      out.floats()[o] = x.floats()[in];
    else
      out.ints()[o] = x.ints()[in];
    for (int64_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

Tensor interp::evalConcat(Operation *op,
                          llvm::ArrayRef<const Tensor *> inputs) {
  int64_t rank = inputs[0]->getRank();
  int64_t axis = getIntAttr(op, "axis", 0);
  if (axis < 0)
    axis += rank;
  Shape shape(inputs[0]->getShape().begin(), inputs[0]->getShape().end());
  shape[axis] = 0;
  for (const Tensor *input : inputs)
    shape[axis] += input->getDim(axis);
  Tensor out(inputs[0]->getElementType(), shape);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  int64_t offset = 0;
  for (const Tensor *input : inputs) {
    int64_t chunk = input->getDim(axis) * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < chunk; ++i) {
        int64_t dst = o * shape[axis] * inner + offset + i;
        int64_t src = o * chunk + i;
        if (out.isFloat())
          out.floats()[dst] = input->floats()[src];
        else
          out.ints()[dst] = input->ints()[src];
      }
    offset += chunk;
  }
  return out;
}

Tensor interp::evalPad(Operation *op, const Tensor &x) {
  std::vector<int64_t> pads = getIntArrayAttr(op, "pads");
  auto modeAttr = op->getAttrOfType<StringAttr>("mode");
  llvm::StringRef mode = modeAttr ? modeAttr.getValue() : "constant";
  int64_t rank = x.getRank();
  Shape shape;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(x.getDim(d) + pads[d] + pads[d + rank]);
  Tensor out(x.getElementType(), shape);
  double fill = 0;
  if (Attribute value = op->getAttr("value")) {
    if (auto f = value.dyn_cast<FloatAttr>())
      fill = f.getValue();
    else if (auto i = value.dyn_cast<IntegerAttr>())
      fill = double(i.getInt());
  }
  Shape inStrides = getStrides(x.getShape());
  Shape index(rank, 0);
  for (int64_t o = 0; o < out.getNumElements(); ++o) {
    int64_t in = 0;
    bool inside = true;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t i = index[d] - pads[d];
      int64_t size = x.getDim(d);
      if (i < 0 || i >= size) {
        if (mode == "constant") {
          inside = false;
          break;
        }
        if (mode == "edge")
          i = i < 0 ? 0 : size - 1;
        else // reflect
          i = i < 0 ? -i : 2 * (size - 1) - i;
      }
      in += i * inStrides[d];
    }
    if (x.isFloat())
      out.floats()[o] =
          inside ? x.floats()[in]
                 : out.getElementType().cast<FloatType>().round(fill);
    else
      out.ints()[o] = inside ? x.ints()[in] : int64_t(fill);
    for (int64_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}
