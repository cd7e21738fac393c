//===- Types.cpp - The types of IR values ---------------------------------===//
//
// Construction, accessors and printing of the built-in types.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Types.h"
#include "ohm/IR/Attributes.h"
#include "ohm/IR/Context.h"

#include "Storage.h"

#include "ohmrt/CheckedMath.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;
using namespace ohm::detail;

//===----------------------------------------------------------------------===//
// Type
//===----------------------------------------------------------------------===//

bool Type::isInteger() const { return isa<IntegerType>(); }
bool Type::isInteger(unsigned width) const {
  auto intType = dyn_cast<IntegerType>();
  return intType && intType.getWidth() == width;
}
bool Type::isSignedInteger(unsigned width) const {
  auto intType = dyn_cast<IntegerType>();
  return intType && intType.getWidth() == width && intType.isSigned();
}
bool Type::isUnsignedInteger(unsigned width) const {
  auto intType = dyn_cast<IntegerType>();
  return intType && intType.getWidth() == width && intType.isUnsigned();
}
bool Type::isFloat() const { return isa<FloatType>(); }
bool Type::isF32() const {
  auto floatType = dyn_cast<FloatType>();
  return floatType && floatType.getWidth() == 32;
}
bool Type::isIndex() const { return isa<IndexType>(); }
bool Type::isScalar() const { return isInteger() || isFloat() || isIndex(); }

void Type::dump() const {
  print(llvm::errs());
  llvm::errs() << "\n";
}

//===----------------------------------------------------------------------===//
// IntegerType
//===----------------------------------------------------------------------===//

IntegerType IntegerType::get(Context &ctx, unsigned width, bool isSigned) {
  assert(width >= 1 && width <= kMaxWidth && "invalid integer width");
  ContextImpl &impl = ctx.getImpl();
  return IntegerType(impl.getOrCreate(
      impl.integerTypes,
      [&] {
        return new (impl.allocator.Allocate<IntegerTypeStorage>())
            IntegerTypeStorage(&ctx, width, isSigned);
      },
      width, isSigned));
}

unsigned IntegerType::getWidth() const {
  return static_cast<const IntegerTypeStorage *>(impl)->width;
}
bool IntegerType::isSigned() const {
  return static_cast<const IntegerTypeStorage *>(impl)->isSigned;
}

int64_t IntegerType::getMinValue() const {
  unsigned width = getWidth();
  if (!isSigned() || width == 1)
    return 0;
  return width == 64 ? INT64_MIN : -(int64_t(1) << (width - 1));
}

uint64_t IntegerType::getMaxValue() const {
  unsigned width = getWidth();
  if (width == 1)
    return 1;
  if (isSigned())
    return (uint64_t(1) << (width - 1)) - 1;
  return width == 64 ? UINT64_MAX : (uint64_t(1) << width) - 1;
}

bool IntegerType::fitsSigned(int64_t value) const {
  if (value < 0)
    return value >= getMinValue();
  return static_cast<uint64_t>(value) <= getMaxValue();
}

bool IntegerType::fitsUnsigned(uint64_t value) const {
  return value <= getMaxValue();
}

unsigned IntegerType::getStorageBytes() const {
  unsigned width = getWidth();
  if (width <= 8)
    return 1;
  if (width <= 16)
    return 2;
  if (width <= 32)
    return 4;
  return 8;
}

int64_t IntegerType::wrap(int64_t value) const {
  unsigned width = getWidth();
  if (width == 64)
    return value;
  uint64_t mask = (uint64_t(1) << width) - 1;
  uint64_t bits = static_cast<uint64_t>(value) & mask;
  if (isSigned() && width > 1 && (bits >> (width - 1)) & 1)
    bits |= ~mask;
  return static_cast<int64_t>(bits);
}

//===----------------------------------------------------------------------===//
// FloatType, IndexType
//===----------------------------------------------------------------------===//

FloatType FloatType::get(Context &ctx, unsigned width) {
  ContextImpl &impl = ctx.getImpl();
  switch (width) {
  case 16:
    return FloatType(&impl.f16);
  case 32:
    return FloatType(&impl.f32);
  case 64:
    return FloatType(&impl.f64);
  }
  llvm_unreachable("float widths are 16, 32 and 64");
}

unsigned FloatType::getWidth() const {
  return static_cast<const FloatTypeStorage *>(impl)->width;
}

double FloatType::round(double value) const {
  switch (getWidth()) {
  case 16: {
    llvm::APFloat half(value);
    bool losesInfo;
    half.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
                 &losesInfo);
    half.convert(llvm::APFloat::IEEEdouble(),
                 llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    return half.convertToDouble();
  }
  case 32:
    return static_cast<double>(static_cast<float>(value));
  default:
    return value;
  }
}

IndexType IndexType::get(Context &ctx) {
  return IndexType(&ctx.getImpl().index);
}

//===----------------------------------------------------------------------===//
// TensorType
//===----------------------------------------------------------------------===//

bool TensorType::isValidElementType(Type type) {
  return type && (type.isScalar() || type.isa<DialectType>());
}

TensorType TensorType::get(llvm::ArrayRef<int64_t> shape, Type elementType) {
  assert(isValidElementType(elementType) && "invalid tensor element type");
  Context &ctx = elementType.getContext();
  ContextImpl &impl = ctx.getImpl();
  return TensorType(impl.getOrCreate(
      impl.tensorTypes,
      [&] {
        return new (impl.allocator.Allocate<TensorTypeStorage>())
            TensorTypeStorage(&ctx, impl.copy(shape), elementType);
      },
      shape, elementType));
}

llvm::ArrayRef<int64_t> TensorType::getShape() const {
  return static_cast<const TensorTypeStorage *>(impl)->shape;
}
Type TensorType::getElementType() const {
  return static_cast<const TensorTypeStorage *>(impl)->element;
}
bool TensorType::hasStaticShape() const {
  return llvm::none_of(getShape(), [](int64_t dim) { return dim == kDynamic; });
}
llvm::Optional<int64_t>
TensorType::getCheckedElementCount(llvm::ArrayRef<int64_t> shape) {
  if (std::optional<int64_t> count =
          ohmrt::checked::elementCount(shape, kMaxElements, kDynamic))
    return *count;
  return llvm::None;
}

int64_t TensorType::getNumElements() const {
  assert(hasStaticShape() && "element count of a dynamic shape");
  llvm::Optional<int64_t> count = getCheckedElementCount(getShape());
  assert(count && "a tensor type with more than kMaxElements elements");
  return count.getValueOr(0);
}
TensorType TensorType::clone(Type elementType) const {
  return get(getShape(), elementType);
}
TensorType TensorType::clone(llvm::ArrayRef<int64_t> shape) const {
  return get(shape, getElementType());
}

//===----------------------------------------------------------------------===//
// FunctionType, DialectType
//===----------------------------------------------------------------------===//

FunctionType FunctionType::get(Context &ctx, llvm::ArrayRef<Type> inputs,
                               llvm::ArrayRef<Type> results) {
  ContextImpl &impl = ctx.getImpl();
  return FunctionType(impl.getOrCreate(
      impl.functionTypes,
      [&] {
        return new (impl.allocator.Allocate<FunctionTypeStorage>())
            FunctionTypeStorage(&ctx, impl.copy(inputs), impl.copy(results));
      },
      inputs, results));
}

llvm::ArrayRef<Type> FunctionType::getInputs() const {
  return static_cast<const FunctionTypeStorage *>(impl)->inputs;
}
llvm::ArrayRef<Type> FunctionType::getResults() const {
  return static_cast<const FunctionTypeStorage *>(impl)->results;
}

DialectType DialectType::get(Context &ctx, llvm::StringRef name,
                             llvm::ArrayRef<Attribute> params) {
  ContextImpl &impl = ctx.getImpl();
  name = ctx.intern(name);
  return DialectType(impl.getOrCreate(
      impl.dialectTypes,
      [&] {
        return new (impl.allocator.Allocate<DialectTypeStorage>())
            DialectTypeStorage(&ctx, name, impl.copy(params));
      },
      name, params));
}

llvm::StringRef DialectType::getName() const {
  return static_cast<const DialectTypeStorage *>(impl)->name;
}
llvm::ArrayRef<Attribute> DialectType::getParams() const {
  return static_cast<const DialectTypeStorage *>(impl)->params;
}
