//===- NNOps.cpp - The nn dialect -----------------------------------------===//
//
// Op infos generated from NNOps.def, the helpers the type rules share, and
// the constants and elementwise ops (type rules and builders). Each op's
// type rule is its view's `inferType`: it checks operands and attributes
// and computes the result type; the verifier compares it with the declared
// type and the importer types the ops it creates with it, so the rules live
// in one place. The other families are in NNOpsQuantized.cpp,
// NNOpsCompute.cpp and NNOpsDataMovement.cpp.
//
//===----------------------------------------------------------------------===//

#include "TypeRuleSupport.h"

#include "ohm/IR/Context.h"

#include <cmath>

using namespace ohm;
using namespace ohm::nn;

/// Every nn op computes on tensors. Checked here, once, before the op's own
/// rule, which may then take its operands' TensorTypes for granted.
template <OpInfo::InferTypeFn Rule>
static Type inferWithTensorOperands(Operation *op, ErrorStream &err) {
  for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i)
    if (!op->getOperand(i)->getType().isa<TensorType>())
      return err << "operand #" << i << " must be a tensor, got "
                 << op->getOperand(i)->getType();
  return Rule(op, err);
}

#define OHM_OP(CLASS, NAME, NUM_OPERANDS, NUM_RESULTS, TRAITS, SUMMARY)        \
  const OpInfo CLASS::Info = {NAME,                                            \
                              NUM_OPERANDS,                                    \
                              NUM_RESULTS,                                     \
                              TRAITS,                                          \
                              &inferWithTensorOperands<&CLASS::inferType>,     \
                              &CLASS::verify,                                  \
                              SUMMARY};
#include "ohm/NN/NNOps.def"

void nn::registerNNDialect(Context &ctx) {
#define OHM_OP(CLASS, ...) ctx.registerOp(CLASS::Info);
#include "ohm/NN/NNOps.def"
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

llvm::Optional<Shape> nn::getBroadcastShape(llvm::ArrayRef<int64_t> lhs,
                                            llvm::ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape result(rank);
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

std::string nn::shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += shape[i] == TensorType::kDynamic ? "?" : std::to_string(shape[i]);
  }
  return text + "]";
}

bool nn::normalizeAxis(int64_t &axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return false;
  if (axis < 0)
    axis += rank;
  return true;
}

bool nn::fitsType(IntegerType type, int64_t value) {
  return type.isSigned() ? type.fitsSigned(value)
                         : value >= 0 && type.fitsUnsigned(uint64_t(value));
}

LogicalResult nn::checkZeroPoint(Operation *op, llvm::StringRef name, Type type,
                                 ErrorStream &err, bool allowPerChannel,
                                 int64_t channels) {
  Attribute attr = op->getAttr(name);
  if (!attr)
    return success();
  auto intType = type.dyn_cast<IntegerType>();
  std::vector<int64_t> values = getIntOrDenseValues(attr);
  if (values.empty() || (!allowPerChannel && !attr.isa<IntegerAttr>()))
    return err << "'" << name << "' must be "
               << (allowPerChannel ? "an integer or a 1-D dense integer"
                                   : "an integer")
               << ", got " << attr;
  if (attr.isa<DenseElementsAttr>() && channels >= 0 &&
      int64_t(values.size()) != channels)
    return err << "'" << name << "' has " << unsigned(values.size())
               << " values for " << channels << " channels";
  for (int64_t value : values)
    if (intType && !fitsType(intType, value))
      return err << "'" << name << "' " << value << " does not fit "
                 << Type(intType);
  return success();
}

Operation *nn::createTyped(OpBuilder &builder, Location loc, const OpInfo &info,
                           llvm::ArrayRef<Value *> operands,
                           llvm::ArrayRef<NamedAttribute> attrs,
                           Type declared) {
  Operation *op = builder.create(loc, info, {declared}, operands, attrs);
  std::string error;
  Type type = inferResultType(op, error);
  assert(type && "builder arguments violate the op's type rule");
  op->getResult(0)->setType(type);
  return op;
}

//===----------------------------------------------------------------------===//
// nn.const
//===----------------------------------------------------------------------===//

Type ConstOp::inferType(Operation *op, ErrorStream &err) {
  Attribute value = op->getAttr("value");
  if (!value)
    return err << "needs a 'value' attribute";
  auto dense = value.dyn_cast<DenseElementsAttr>();
  if (!dense)
    return err << "'value' must be dense elements, got " << value;
  if (op->getAttrs().size() != 1)
    return err << "takes only the 'value' attribute";
  return dense.getType();
}

ConstOp ConstOp::build(OpBuilder &builder, Location loc,
                       DenseElementsAttr value) {
  return ConstOp(builder.create(loc, Info, {value.getType()}, {},
                                {builder.getNamedAttr("value", value)}));
}

//===----------------------------------------------------------------------===//
// nn.add, nn.mul
//===----------------------------------------------------------------------===//

Type ElementwiseBinaryOp::inferType(Operation *op, ErrorStream &err) {
  TensorType lhs = getOperandTensor(op, 0), rhs = getOperandTensor(op, 1);
  if (!lhs.getElementType().isScalar())
    return err << "needs integer or float elements, got "
               << lhs.getElementType();
  if (lhs.getElementType() != rhs.getElementType())
    return err << "operands must have the same element type, got "
               << lhs.getElementType() << " and " << rhs.getElementType();
  auto shape = getBroadcastShape(lhs.getShape(), rhs.getShape());
  if (!shape)
    return err << "operand shapes " << Type(lhs) << " and " << Type(rhs)
               << " do not broadcast";
  return TensorType::get(*shape, lhs.getElementType());
}

AddOp AddOp::build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs) {
  return AddOp(createTyped(builder, loc, Info, {lhs, rhs}, {}, lhs->getType()));
}

MulOp MulOp::build(OpBuilder &builder, Location loc, Value *lhs, Value *rhs) {
  return MulOp(createTyped(builder, loc, Info, {lhs, rhs}, {}, lhs->getType()));
}

//===----------------------------------------------------------------------===//
// nn.relu, nn.clip
//===----------------------------------------------------------------------===//

/// The input type, if it holds integers or floats.
static Type inferIntOrFloatIdentity(Operation *op, ErrorStream &err) {
  TensorType input = getOperandTensor(op, 0);
  Type element = input.getElementType();
  if (!element.isInteger() && !element.isFloat())
    return err << "needs integer or float elements, got " << element;
  return input;
}

Type ReluOp::inferType(Operation *op, ErrorStream &err) {
  return inferIntOrFloatIdentity(op, err);
}

ReluOp ReluOp::build(OpBuilder &builder, Location loc, Value *input) {
  return ReluOp(builder.create(loc, Info, {input->getType()}, {input}));
}

Type ClipOp::inferType(Operation *op, ErrorStream &err) {
  Type type = inferIntOrFloatIdentity(op, err);
  if (!type)
    return Type();
  Type element = type.cast<TensorType>().getElementType();
  double bounds[2] = {-INFINITY, INFINITY};
  const char *names[2] = {"min", "max"};
  for (int i = 0; i < 2; ++i) {
    Attribute bound = op->getAttr(names[i]);
    if (!bound)
      continue;
    if (auto intType = element.dyn_cast<IntegerType>()) {
      auto intBound = bound.dyn_cast<IntegerAttr>();
      if (!intBound || !fitsType(intType, intBound.getInt()))
        return err << "'" << names[i] << "' must be an integer in the "
                   << "range of " << element << ", got " << bound;
      bounds[i] = double(intBound.getInt());
    } else {
      auto floatBound = bound.dyn_cast<FloatAttr>();
      if (!floatBound)
        return err << "'" << names[i] << "' must be a float, got " << bound;
      bounds[i] = floatBound.getValue();
    }
  }
  if (bounds[0] > bounds[1])
    return err << "'min' is greater than 'max'";
  return type;
}

ClipOp ClipOp::build(OpBuilder &builder, Location loc, Value *input,
                     Attribute min, Attribute max) {
  llvm::SmallVector<NamedAttribute, 2> attrs;
  if (min)
    attrs.push_back(builder.getNamedAttr("min", min));
  if (max)
    attrs.push_back(builder.getNamedAttr("max", max));
  return ClipOp(builder.create(loc, Info, {input->getType()}, {input}, attrs));
}

//===----------------------------------------------------------------------===//
// nn.cast
//===----------------------------------------------------------------------===//

Type CastOp::inferType(Operation *op, ErrorStream &err) {
  TensorType declared = getDeclaredTensor(op);
  if (!declared || !declared.getElementType().isScalar())
    return err << "result must be a tensor of integers or floats";
  TensorType input = getOperandTensor(op, 0);
  if (!input.getElementType().isScalar())
    return err << "input must hold integers or floats";
  return input.clone(declared.getElementType());
}

CastOp CastOp::build(OpBuilder &builder, Location loc, Value *input,
                     Type elementType) {
  Type type = input->getType().cast<TensorType>().clone(elementType);
  return CastOp(builder.create(loc, Info, {type}, {input}));
}
