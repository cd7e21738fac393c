//===- NNOps.cpp - The nn dialect -----------------------------------------===//
//
// Op infos generated from NNOps.def, and each op's verify() and fold().
// Folding follows the op semantics of docs/IR.md exactly: integer results
// wrap to the result type's width, float results round to its precision.
//
//===----------------------------------------------------------------------===//

#include "ohm/NN/NNOps.h"
#include "ohm/IR/Context.h"

#include <functional>

using namespace ohm;
using namespace ohm::nn;

#define OHM_OP(CLASS, NAME, NUM_OPERANDS, NUM_RESULTS, TRAITS, SUMMARY)       \
  const OpInfo CLASS::Info = {NAME,           NUM_OPERANDS,  NUM_RESULTS,     \
                              TRAITS,         &CLASS::verify, &CLASS::fold,   \
                              SUMMARY};
#include "ohm/NN/NNOps.def"

void nn::registerNNDialect(Context &ctx) {
#define OHM_OP(CLASS, ...) ctx.registerOp(CLASS::Info);
#include "ohm/NN/NNOps.def"
}

llvm::Optional<llvm::SmallVector<int64_t, 4>>
nn::getBroadcastShape(llvm::ArrayRef<int64_t> lhs,
                      llvm::ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  llvm::SmallVector<int64_t, 4> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the right; missing leading dimensions act as 1.
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    const int64_t dyn = TensorType::kDynamic;
    if (a == 1)
      result[i] = b;
    else if (b == 1)
      result[i] = a;
    else if (a == dyn)
      result[i] = b;
    else if (b == dyn || a == b)
      result[i] = a;
    else
      return llvm::None;
  }
  return result;
}

/// Checks that `value` is a tensor; names it `what` in the error.
static LogicalResult verifyTensor(Operation *op, Value *value,
                                  llvm::StringRef what) {
  if (value->getType().isa<TensorType>())
    return success();
  return op->emitOpError() << what << " must be a tensor, got "
                           << value->getType();
}

//===----------------------------------------------------------------------===//
// ConstOp
//===----------------------------------------------------------------------===//

ConstOp ConstOp::build(OpBuilder &builder, Location loc,
                       DenseElementsAttr value) {
  return ConstOp(builder.create(loc, Info, {value.getType()}, {},
                                {builder.getNamedAttr("value", value)}));
}

LogicalResult ConstOp::verify(Operation *op) {
  Attribute value = op->getAttr("value");
  if (!value)
    return op->emitOpError() << "needs a 'value' attribute";
  auto dense = value.dyn_cast<DenseElementsAttr>();
  if (!dense)
    return op->emitOpError() << "'value' must be dense elements, got " << value;
  if (op->getAttrs().size() != 1)
    return op->emitOpError() << "takes only the 'value' attribute";
  if (op->getResult(0)->getType() != dense.getType())
    return op->emitOpError() << "result type " << op->getResult(0)->getType()
                             << " differs from the value's type "
                             << Type(dense.getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

Type ElementwiseBinaryOp::inferResultType(Type lhs, Type rhs) {
  auto lhsTensor = lhs.dyn_cast<TensorType>();
  auto rhsTensor = rhs.dyn_cast<TensorType>();
  if (!lhsTensor || !rhsTensor ||
      lhsTensor.getElementType() != rhsTensor.getElementType())
    return Type();
  auto shape = getBroadcastShape(lhsTensor.getShape(), rhsTensor.getShape());
  if (!shape)
    return Type();
  return TensorType::get(*shape, lhsTensor.getElementType());
}

LogicalResult ElementwiseBinaryOp::verify(Operation *op) {
  if (failed(verifyTensor(op, op->getOperand(0), "lhs")) ||
      failed(verifyTensor(op, op->getOperand(1), "rhs")) ||
      failed(verifyTensor(op, op->getResult(0), "result")))
    return failure();
  auto lhs = op->getOperand(0)->getType().cast<TensorType>();
  auto rhs = op->getOperand(1)->getType().cast<TensorType>();
  auto result = op->getResult(0)->getType().cast<TensorType>();
  if (!lhs.getElementType().isScalar())
    return op->emitOpError() << "needs integer or float elements, got "
                             << lhs.getElementType();
  if (lhs.getElementType() != rhs.getElementType() ||
      lhs.getElementType() != result.getElementType())
    return op->emitOpError()
           << "operands and result must have the same element type, got "
           << lhs.getElementType() << ", " << rhs.getElementType() << " -> "
           << result.getElementType();
  auto shape = getBroadcastShape(lhs.getShape(), rhs.getShape());
  if (!shape)
    return op->emitOpError() << "operand shapes " << Type(lhs) << " and "
                             << Type(rhs) << " do not broadcast";
  if (llvm::ArrayRef<int64_t>(*shape) != result.getShape())
    return op->emitOpError()
           << "result type " << Type(result) << " should be "
           << Type(TensorType::get(*shape, result.getElementType()))
           << " (the broadcast of the operand shapes)";
  return success();
}

/// Folds `lhs op rhs` over constant tensors with broadcasting. `intOp` works
/// on int64 values (the result is wrapped to the element type), `floatOp` on
/// doubles (rounded to the element type).
static Attribute foldBinary(Operation *op, llvm::ArrayRef<Attribute> operands,
                            const std::function<int64_t(int64_t, int64_t)> &intOp,
                            const std::function<double(double, double)> &floatOp) {
  auto lhs = operands[0].dyn_cast_or_null<DenseElementsAttr>();
  auto rhs = operands[1].dyn_cast_or_null<DenseElementsAttr>();
  auto resultType = op->getResult(0)->getType().dyn_cast<TensorType>();
  if (!lhs || !rhs || !resultType || !resultType.hasStaticShape())
    return Attribute();

  llvm::ArrayRef<int64_t> shape = resultType.getShape();
  size_t rank = shape.size();
  // Strides of each operand over the result's index space; broadcast
  // dimensions get stride 0.
  auto getStrides = [&](TensorType type) {
    llvm::SmallVector<int64_t, 4> strides(rank, 0);
    llvm::ArrayRef<int64_t> opShape = type.getShape();
    int64_t stride = 1;
    for (size_t i = 0; i < opShape.size(); ++i) {
      size_t dim = opShape.size() - 1 - i;
      size_t resultDim = rank - 1 - i;
      strides[resultDim] = opShape[dim] == 1 ? 0 : stride;
      stride *= opShape[dim];
    }
    return strides;
  };
  auto lhsStrides = getStrides(lhs.getType());
  auto rhsStrides = getStrides(rhs.getType());

  int64_t numElements = resultType.getNumElements();
  llvm::SmallVector<int64_t, 4> index(rank, 0);
  int64_t lhsOffset = 0, rhsOffset = 0;
  Type elementType = resultType.getElementType();
  auto intType = elementType.dyn_cast<IntegerType>();
  bool isFloat = elementType.isa<FloatType>();
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  (isFloat ? doubles.reserve(numElements) : ints.reserve(numElements));
  for (int64_t n = 0; n < numElements; ++n) {
    if (isFloat) {
      doubles.push_back(floatOp(lhs.getDouble(lhsOffset), rhs.getDouble(rhsOffset)));
    } else {
      int64_t value = intOp(lhs.getInt(lhsOffset), rhs.getInt(rhsOffset));
      ints.push_back(intType ? intType.wrap(value) : value);
    }
    // Advance the multi-index like an odometer.
    for (size_t d = rank; d-- > 0;) {
      lhsOffset += lhsStrides[d];
      rhsOffset += rhsStrides[d];
      if (++index[d] < shape[d])
        break;
      lhsOffset -= lhsStrides[d] * shape[d];
      rhsOffset -= rhsStrides[d] * shape[d];
      index[d] = 0;
    }
  }
  if (isFloat)
    return DenseElementsAttr::getFromDoubles(resultType, doubles);
  return DenseElementsAttr::getFromInts(resultType, ints);
}

/// Two's complement arithmetic without signed-overflow UB.
static int64_t wrappingAdd(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) + uint64_t(b));
}
static int64_t wrappingMul(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) * uint64_t(b));
}

AddOp AddOp::build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs) {
  Type resultType = inferResultType(lhs->getType(), rhs->getType());
  assert(resultType && "invalid operands for nn.add");
  return AddOp(builder.create(loc, Info, {resultType}, {lhs, rhs}));
}

Attribute AddOp::fold(Operation *op, llvm::ArrayRef<Attribute> operands) {
  return foldBinary(op, operands, wrappingAdd,
                    [](double a, double b) { return a + b; });
}

MulOp MulOp::build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs) {
  Type resultType = inferResultType(lhs->getType(), rhs->getType());
  assert(resultType && "invalid operands for nn.mul");
  return MulOp(builder.create(loc, Info, {resultType}, {lhs, rhs}));
}

Attribute MulOp::fold(Operation *op, llvm::ArrayRef<Attribute> operands) {
  return foldBinary(op, operands, wrappingMul,
                    [](double a, double b) { return a * b; });
}

ReluOp ReluOp::build(OpBuilder &builder, Location loc, Value *input) {
  return ReluOp(builder.create(loc, Info, {input->getType()}, {input}));
}

LogicalResult ReluOp::verify(Operation *op) {
  if (failed(verifyTensor(op, op->getOperand(0), "input")))
    return failure();
  Type type = op->getOperand(0)->getType();
  if (!type.cast<TensorType>().getElementType().isScalar())
    return op->emitOpError() << "needs integer or float elements, got " << type;
  if (op->getResult(0)->getType() != type)
    return op->emitOpError() << "result type " << op->getResult(0)->getType()
                             << " must equal the input type " << type;
  return success();
}

Attribute ReluOp::fold(Operation *op, llvm::ArrayRef<Attribute> operands) {
  auto input = operands[0].dyn_cast_or_null<DenseElementsAttr>();
  if (!input)
    return Attribute();
  TensorType type = input.getType();
  if (type.getElementType().isa<FloatType>()) {
    std::vector<double> values = input.getDoubles();
    for (double &value : values)
      value = value > 0 ? value : (value < 0 ? 0.0 : value); // keeps NaN
    return DenseElementsAttr::getFromDoubles(type, values);
  }
  std::vector<int64_t> values = input.getInts();
  auto intType = type.getElementType().dyn_cast<IntegerType>();
  if (!intType || intType.isSigned())
    for (int64_t &value : values)
      value = std::max<int64_t>(value, 0);
  return DenseElementsAttr::getFromInts(type, values);
}
