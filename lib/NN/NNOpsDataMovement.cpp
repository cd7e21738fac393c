//===- NNOpsDataMovement.cpp - nn reshape, transpose, concat, pad ---------===//
//
// Type rules and builders of the ops that move elements without computing
// on them: nn.reshape (with ONNX's reshape target, shared with the
// interpreter), nn.transpose, nn.concat and nn.pad.
//
//===----------------------------------------------------------------------===//

#include "TypeRuleSupport.h"

using namespace ohm;
using namespace ohm::nn;

//===----------------------------------------------------------------------===//
// nn.reshape
//===----------------------------------------------------------------------===//

/// ONNX reshape targets print as written (-1 is "infer", not dynamic).
static std::string targetStr(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

llvm::Optional<Shape> nn::inferReshapeShape(llvm::ArrayRef<int64_t> input,
                                            llvm::ArrayRef<int64_t> target,
                                            ErrorStream &err) {
  Shape result;
  int inferred = -1;
  int64_t known = 1;
  bool inputStatic = true;
  int64_t total = 1;
  for (int64_t dim : input) {
    if (dim == TensorType::kDynamic)
      inputStatic = false;
    else
      total *= dim;
  }
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t dim = target[i];
    if (dim == 0) {
      if (i >= input.size())
        return err << "shape " << targetStr(target) << " copies dimension " << i
                   << " that the input " << shapeStr(input) << " does not have";
      dim = input[i];
    } else if (dim == -1) {
      if (inferred >= 0)
        return err << "shape " << targetStr(target) << " has more than one -1";
      inferred = int(i);
      result.push_back(-1);
      continue;
    } else if (dim < -1) {
      return err << "invalid dimension " << dim << " in shape "
                 << targetStr(target);
    }
    result.push_back(dim);
    if (dim == TensorType::kDynamic) {
      known = -1;
    } else if (known >= 0) {
      std::optional<int64_t> count = checked::elementCount(
          std::initializer_list<int64_t>{known, dim}, TensorType::kMaxElements);
      if (!count)
        return err << "shape " << targetStr(target)
                   << " has more than 2^40 elements";
      known = *count;
    }
  }
  if (inferred >= 0) {
    if (!inputStatic || known < 0) {
      result[inferred] = TensorType::kDynamic;
    } else {
      if (known == 0 || total % known != 0)
        return err << "cannot reshape " << shapeStr(input) << " to "
                   << targetStr(target);
      result[inferred] = total / known;
    }
  } else if (inputStatic && known >= 0 && known != total) {
    return err << "cannot reshape " << shapeStr(input) << " (" << total
               << " elements) to " << targetStr(target) << " (" << known
               << " elements)";
  }
  return result;
}

Type ReshapeOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  auto target = op->getAttrOfType<ArrayAttr>("shape");
  std::vector<int64_t> dims;
  if (!target || !target.getAsInts(dims))
    return err << "needs a 'shape' array of integers";
  auto shape = inferReshapeShape(x.getShape(), dims, err);
  if (!shape)
    return Type();
  // Dimensions the input leaves dynamic may be known from the declared
  // type (the importer gets them from ONNX shape inference).
  TensorType declared = getDeclaredTensor(op);
  if (declared && declared.getRank() == shape->size())
    for (size_t i = 0; i < shape->size(); ++i)
      if ((*shape)[i] == TensorType::kDynamic)
        (*shape)[i] = declared.getDimSize(i);
  return TensorType::get(*shape, x.getElementType());
}

ReshapeOp ReshapeOp::build(OpBuilder &builder, Location loc, Value *input,
                           llvm::ArrayRef<int64_t> shape) {
  return ReshapeOp(
      createTyped(builder, loc, Info, {input},
                  {builder.getNamedAttr(
                      "shape", ArrayAttr::getI64(builder.getContext(), shape))},
                  input->getType()));
}

//===----------------------------------------------------------------------===//
// nn.transpose
//===----------------------------------------------------------------------===//

Type TransposeOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  int64_t rank = x.getRank();
  std::vector<int64_t> defaultPerm;
  for (int64_t i = rank - 1; i >= 0; --i)
    defaultPerm.push_back(i);
  std::vector<int64_t> perm = getIntArrayAttr(op, "perm", defaultPerm);
  std::vector<bool> seen(rank, false);
  if (int64_t(perm.size()) != rank)
    return err << "'perm' must have " << rank << " entries";
  Shape shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return err << "'perm' must be a permutation of 0.." << rank - 1;
    seen[p] = true;
    shape.push_back(x.getDimSize(p));
  }
  return TensorType::get(shape, x.getElementType());
}

TransposeOp TransposeOp::build(OpBuilder &builder, Location loc, Value *input,
                               llvm::ArrayRef<int64_t> perm) {
  return TransposeOp(
      createTyped(builder, loc, Info, {input},
                  {builder.getNamedAttr(
                      "perm", ArrayAttr::getI64(builder.getContext(), perm))},
                  input->getType()));
}

//===----------------------------------------------------------------------===//
// nn.concat
//===----------------------------------------------------------------------===//

Type ConcatOp::inferType(Operation *op, ErrorStream &err) {
  if (op->getNumOperands() == 0)
    return err << "needs at least one operand";
  TensorType first = getOperandTensor(op, 0);
  int64_t axis = getIntAttr(op, "axis", 0);
  if (!normalizeAxis(axis, first.getRank()))
    return err << "'axis' " << getIntAttr(op, "axis", 0)
               << " is out of range for " << Type(first);
  Shape shape(first.getShape().begin(), first.getShape().end());
  for (unsigned i = 1, e = op->getNumOperands(); i < e; ++i) {
    TensorType next = getOperandTensor(op, i);
    if (next.getElementType() != first.getElementType() ||
        next.getRank() != first.getRank())
      return err << "operand #" << i << " " << Type(next)
                 << " differs in element type or rank from " << Type(first);
    for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
      int64_t dim = next.getDimSize(d);
      if (d == axis) {
        shape[d] =
            (shape[d] == TensorType::kDynamic || dim == TensorType::kDynamic)
                ? TensorType::kDynamic
                : shape[d] + dim;
      } else if (shape[d] != dim && shape[d] != TensorType::kDynamic &&
                 dim != TensorType::kDynamic) {
        return err << "operand #" << i << " " << Type(next) << " differs from "
                   << Type(first) << " outside the concatenation axis";
      }
    }
  }
  return TensorType::get(shape, first.getElementType());
}

ConcatOp ConcatOp::build(OpBuilder &builder, Location loc,
                         llvm::ArrayRef<Value *> inputs, int64_t axis) {
  return ConcatOp(
      createTyped(builder, loc, Info, inputs,
                  {builder.getNamedAttr("axis", builder.getI64Attr(axis))},
                  inputs[0]->getType()));
}

//===----------------------------------------------------------------------===//
// nn.pad
//===----------------------------------------------------------------------===//

Type PadOp::inferType(Operation *op, ErrorStream &err) {
  TensorType x = getOperandTensor(op, 0);
  std::vector<int64_t> pads = getIntArrayAttr(op, "pads");
  int64_t rank = x.getRank();
  if (int64_t(pads.size()) != 2 * rank)
    return err << "'pads' must have " << 2 * rank << " entries";
  for (int64_t pad : pads)
    if (pad < 0)
      return err << "negative pads (cropping) are not supported";
  auto mode = op->getAttrOfType<StringAttr>("mode");
  if (op->getAttr("mode") &&
      (!mode || (mode.getValue() != "constant" &&
                 mode.getValue() != "reflect" && mode.getValue() != "edge")))
    return err << "'mode' must be \"constant\", \"reflect\" or \"edge\"";
  if (Attribute value = op->getAttr("value")) {
    bool ok = x.getElementType().isFloat() ? value.isa<FloatAttr>()
                                           : value.isa<IntegerAttr>();
    if (!ok)
      return err << "'value' must have the element type's kind, got " << value;
    auto intType = x.getElementType().dyn_cast<IntegerType>();
    if (intType && !fitsType(intType, value.cast<IntegerAttr>().getInt()))
      return err << "'value' " << value.cast<IntegerAttr>().getInt()
                 << " does not fit " << Type(intType);
  }
  Shape shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = x.getDimSize(d);
    shape.push_back(
        dim == TensorType::kDynamic ? dim : dim + pads[d] + pads[d + rank]);
    if (mode && mode.getValue() == "reflect" && dim != TensorType::kDynamic &&
        (pads[d] >= dim || pads[d + rank] >= dim) &&
        (pads[d] || pads[d + rank]))
      return err << "reflect padding must be smaller than the dimension";
  }
  return TensorType::get(shape, x.getElementType());
}
