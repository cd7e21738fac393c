//===- Attributes.cpp - Compile-time constant data on ops -----------------===//
//
// Construction and accessors of the built-in attributes, including the
// packing rules of dense elements (docs/IR.md, "Dense elements").
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Context.h"

#include "Storage.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;
using namespace ohm::detail;
namespace endian = llvm::support::endian;
using llvm::support::little;

void Attribute::dump() const {
  print(llvm::errs());
  llvm::errs() << "\n";
}

//===----------------------------------------------------------------------===//
// Scalar attributes
//===----------------------------------------------------------------------===//

IntegerAttr IntegerAttr::get(Type type, int64_t value) {
  assert((type.isa<IntegerType>() || type.isa<IndexType>()) &&
         "integer attributes have integer or index type");
  Context &ctx = type.getContext();
  ContextImpl &impl = ctx.getImpl();
  return IntegerAttr(impl.getOrCreate(
      impl.integerAttrs,
      [&] {
        return new (impl.allocator.Allocate<IntegerAttrStorage>())
            IntegerAttrStorage(&ctx, type, value);
      },
      type, value));
}

IntegerAttr IntegerAttr::get(Context &ctx, int64_t value) {
  return get(IntegerType::get(ctx, 64, /*isSigned=*/true), value);
}

int64_t IntegerAttr::getInt() const {
  return static_cast<const IntegerAttrStorage *>(impl)->value;
}

FloatAttr FloatAttr::get(Type type, double value) {
  auto floatType = type.cast<FloatType>();
  value = floatType.round(value);
  Context &ctx = type.getContext();
  ContextImpl &impl = ctx.getImpl();
  return FloatAttr(impl.getOrCreate(
      impl.floatAttrs,
      [&] {
        return new (impl.allocator.Allocate<FloatAttrStorage>())
            FloatAttrStorage(&ctx, type, value);
      },
      type, value));
}

double FloatAttr::getValue() const {
  return static_cast<const FloatAttrStorage *>(impl)->value;
}

BoolAttr BoolAttr::get(Context &ctx, bool value) {
  ContextImpl &impl = ctx.getImpl();
  return BoolAttr(value ? &impl.trueAttr : &impl.falseAttr);
}

bool BoolAttr::getValue() const {
  return static_cast<const BoolAttrStorage *>(impl)->value;
}

StringAttr StringAttr::get(Context &ctx, llvm::StringRef value) {
  ContextImpl &impl = ctx.getImpl();
  auto &slot = impl.stringAttrs[value];
  if (!slot)
    slot = new (impl.allocator.Allocate<StringAttrStorage>())
        StringAttrStorage(&ctx, ctx.intern(value));
  return StringAttr(slot);
}

llvm::StringRef StringAttr::getValue() const {
  return static_cast<const StringAttrStorage *>(impl)->value;
}

ArrayAttr ArrayAttr::get(Context &ctx, llvm::ArrayRef<Attribute> elements) {
  ContextImpl &impl = ctx.getImpl();
  return ArrayAttr(impl.getOrCreate(
      impl.arrayAttrs,
      [&] {
        return new (impl.allocator.Allocate<ArrayAttrStorage>())
            ArrayAttrStorage(&ctx, impl.copy(elements));
      },
      elements));
}

ArrayAttr ArrayAttr::getI64(Context &ctx, llvm::ArrayRef<int64_t> values) {
  llvm::SmallVector<Attribute, 8> elements;
  for (int64_t value : values)
    elements.push_back(IntegerAttr::get(ctx, value));
  return get(ctx, elements);
}

llvm::ArrayRef<Attribute> ArrayAttr::getValue() const {
  return static_cast<const ArrayAttrStorage *>(impl)->elements;
}

bool ArrayAttr::getAsInts(std::vector<int64_t> &out) const {
  out.clear();
  for (Attribute element : getValue()) {
    auto intAttr = element.dyn_cast<IntegerAttr>();
    if (!intAttr)
      return false;
    out.push_back(intAttr.getInt());
  }
  return true;
}

TypeAttr TypeAttr::get(Type type) {
  Context &ctx = type.getContext();
  ContextImpl &impl = ctx.getImpl();
  auto &slot = impl.typeAttrs[type];
  if (!slot)
    slot = new (impl.allocator.Allocate<TypeAttrStorage>())
        TypeAttrStorage(&ctx, type);
  return TypeAttr(slot);
}

UnitAttr UnitAttr::get(Context &ctx) {
  return UnitAttr(&ctx.getImpl().unitAttr);
}

//===----------------------------------------------------------------------===//
// DenseElementsAttr
//===----------------------------------------------------------------------===//

// Payloads are little endian; typed views of them (getRawValues) read
// them in place.
static_assert(llvm::sys::IsLittleEndianHost,
              "dense payloads are read in place as little-endian values");

namespace {
/// Reads one packed element as an integer.
int64_t readInt(Type elementType, const char *ptr) {
  if (elementType.isa<IndexType>())
    return endian::read<int64_t, little, 1>(ptr);
  auto intType = elementType.cast<IntegerType>();
  bool isSigned = intType.isSigned();
  switch (intType.getStorageBytes()) {
  case 1:
    return isSigned ? int64_t(endian::read<int8_t, little, 1>(ptr))
                    : int64_t(endian::read<uint8_t, little, 1>(ptr));
  case 2:
    return isSigned ? int64_t(endian::read<int16_t, little, 1>(ptr))
                    : int64_t(endian::read<uint16_t, little, 1>(ptr));
  case 4:
    return isSigned ? int64_t(endian::read<int32_t, little, 1>(ptr))
                    : int64_t(endian::read<uint32_t, little, 1>(ptr));
  default:
    return endian::read<int64_t, little, 1>(ptr);
  }
}

void writeInt(Type elementType, char *ptr, int64_t value) {
  switch (DenseElementsAttr::getStorageBytes(elementType)) {
  case 1:
    endian::write<uint8_t, little, 1>(ptr, uint8_t(value));
    return;
  case 2:
    endian::write<uint16_t, little, 1>(ptr, uint16_t(value));
    return;
  case 4:
    endian::write<uint32_t, little, 1>(ptr, uint32_t(value));
    return;
  default:
    endian::write<uint64_t, little, 1>(ptr, uint64_t(value));
    return;
  }
}

double readDouble(FloatType type, const char *ptr) {
  switch (type.getWidth()) {
  case 16: {
    llvm::APFloat half(llvm::APFloat::IEEEhalf(),
                       llvm::APInt(16, endian::read<uint16_t, little, 1>(ptr)));
    bool losesInfo;
    half.convert(llvm::APFloat::IEEEdouble(),
                 llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    return half.convertToDouble();
  }
  case 32: {
    uint32_t bits = endian::read<uint32_t, little, 1>(ptr);
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
  default: {
    uint64_t bits = endian::read<uint64_t, little, 1>(ptr);
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
  }
}

void writeDouble(FloatType type, char *ptr, double value) {
  switch (type.getWidth()) {
  case 16: {
    llvm::APFloat half(value);
    bool losesInfo;
    half.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
                 &losesInfo);
    endian::write<uint16_t, little, 1>(
        ptr, uint16_t(half.bitcastToAPInt().getZExtValue()));
    return;
  }
  case 32: {
    float narrow = static_cast<float>(value);
    uint32_t bits;
    std::memcpy(&bits, &narrow, sizeof(bits));
    endian::write<uint32_t, little, 1>(ptr, bits);
    return;
  }
  default: {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    endian::write<uint64_t, little, 1>(ptr, bits);
    return;
  }
  }
}

} // namespace

bool DenseElementsAttr::isValidType(Type type) {
  auto tensorType = type.dyn_cast_or_null<TensorType>();
  return tensorType && tensorType.hasStaticShape() &&
         tensorType.getElementType().isScalar();
}

unsigned DenseElementsAttr::getStorageBytes(Type elementType) {
  if (auto intType = elementType.dyn_cast<IntegerType>())
    return intType.getStorageBytes();
  if (auto floatType = elementType.dyn_cast<FloatType>())
    return floatType.getStorageBytes();
  assert(elementType.isa<IndexType>() && "not a dense element type");
  return 8;
}

std::string DenseElementsAttr::verifyRawData(TensorType type,
                                             llvm::ArrayRef<char> data) {
  std::string message;
  llvm::raw_string_ostream os(message);
  if (!isValidType(type)) {
    os << "dense elements need a statically shaped tensor of integers, "
          "floats or index, not "
       << type;
    return os.str();
  }
  Type elementType = type.getElementType();
  unsigned bytes = getStorageBytes(elementType);
  int64_t numElements = type.getNumElements();
  size_t expected = size_t(numElements) * bytes;
  if (data.size() != expected && !(data.size() == bytes && numElements > 0)) {
    os << "payload has " << data.size() << " bytes but " << type << " needs "
       << expected << " (" << numElements << " elements of " << bytes
       << " bytes)";
    return os.str();
  }
  // Integers narrower than their storage must fit their width: one typed
  // pass for the first that does not.
  auto intType = elementType.dyn_cast<IntegerType>();
  if (!intType || intType.getWidth() == bytes * 8)
    return {};
  // (The type's own range: i1 is {0, 1}.)
  int64_t lo = intType.getMinValue(), hi = int64_t(intType.getMaxValue());
  size_t count = data.size() / bytes;
  size_t bad = withIntStorage(elementType, [&](auto tag) {
    using T = decltype(tag);
    // The range first (a reduction that vectorizes), the culprit after.
    auto at = [&](size_t i) {
      T value;
      std::memcpy(&value, data.data() + i * sizeof(T), sizeof(T));
      return value;
    };
    T least = count ? at(0) : T(0), most = least;
    for (size_t i = 0; i < count; ++i) {
      least = std::min(least, at(i));
      most = std::max(most, at(i));
    }
    if (int64_t(least) >= lo && int64_t(most) <= hi)
      return count;
    for (size_t i = 0; i < count; ++i)
      if (int64_t(at(i)) < lo || int64_t(at(i)) > hi)
        return i;
    return count;
  });
  if (bad != count)
    os << "element " << bad << " (value "
       << readInt(elementType, data.data() + bad * bytes)
       << ") does not fit in " << elementType;
  return os.str();
}

DenseElementsAttr DenseElementsAttr::getFromRawData(TensorType type,
                                                    llvm::ArrayRef<char> data) {
  assert(verifyRawData(type, data).empty() && "invalid dense payload");
  unsigned bytes = getStorageBytes(type.getElementType());
  // Canonical form: a payload whose elements are all equal is a splat.
  bool splat = data.size() == bytes;
  if (!splat && !data.empty()) {
    // All elements equal: each equals the one before it, bytes apart.
    splat =
        std::memcmp(data.data(), data.data() + bytes, data.size() - bytes) == 0;
    if (splat)
      data = data.take_front(bytes);
  }
  Context &ctx = type.getContext();
  ContextImpl &impl = ctx.getImpl();
  size_t hash = DenseAttrStorage::hash(type, splat, data);
  auto [first, last] = impl.denseAttrs.equal_range(hash);
  for (auto it = first; it != last; ++it)
    if (it->second->equals(type, splat, data))
      return DenseElementsAttr(it->second);
  auto *storage = new (impl.allocator.Allocate<DenseAttrStorage>())
      DenseAttrStorage(&ctx, type, splat, impl.copyAligned(data));
  impl.denseAttrs.emplace(hash, storage);
  return DenseElementsAttr(storage);
}

DenseElementsAttr
DenseElementsAttr::getFromInts(TensorType type,
                               llvm::ArrayRef<int64_t> values) {
  Type elementType = type.getElementType();
  unsigned bytes = getStorageBytes(elementType);
  // An empty tensor has no elements, whatever splat value it is given.
  if (type.getNumElements() == 0)
    values = {};
  std::vector<char> data(values.size() * bytes);
  if (auto floatType = elementType.dyn_cast<FloatType>()) {
    for (size_t i = 0; i < values.size(); ++i)
      writeDouble(floatType, data.data() + i * bytes, double(values[i]));
  } else {
    withIntStorage(elementType, [&](auto tag) {
      using T = decltype(tag);
      T *out = reinterpret_cast<T *>(data.data());
      for (size_t i = 0; i < values.size(); ++i)
        out[i] = T(values[i]);
    });
  }
  return getFromRawData(type, data);
}

DenseElementsAttr
DenseElementsAttr::getFromDoubles(TensorType type,
                                  llvm::ArrayRef<double> values) {
  Type elementType = type.getElementType();
  unsigned bytes = getStorageBytes(elementType);
  if (type.getNumElements() == 0)
    values = {};
  std::vector<char> data(values.size() * bytes);
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto floatType = elementType.dyn_cast<FloatType>())
      writeDouble(floatType, data.data() + i * bytes, values[i]);
    else
      writeInt(elementType, data.data() + i * bytes, int64_t(values[i]));
  }
  return getFromRawData(type, data);
}

bool DenseElementsAttr::isSplat() const {
  return static_cast<const DenseAttrStorage *>(impl)->splat;
}

llvm::ArrayRef<char> DenseElementsAttr::getRawData() const {
  return static_cast<const DenseAttrStorage *>(impl)->data;
}

int64_t DenseElementsAttr::getInt(int64_t i) const {
  Type elementType = getElementType();
  if (auto floatType = elementType.dyn_cast<FloatType>())
    return int64_t(getDouble(i));
  unsigned bytes = getStorageBytes(elementType);
  size_t offset = isSplat() ? 0 : size_t(i) * bytes;
  return readInt(elementType, getRawData().data() + offset);
}

double DenseElementsAttr::getDouble(int64_t i) const {
  Type elementType = getElementType();
  unsigned bytes = getStorageBytes(elementType);
  size_t offset = isSplat() ? 0 : size_t(i) * bytes;
  if (auto floatType = elementType.dyn_cast<FloatType>())
    return readDouble(floatType, getRawData().data() + offset);
  auto intType = elementType.dyn_cast<IntegerType>();
  int64_t value = readInt(elementType, getRawData().data() + offset);
  if (intType && intType.isUnsigned())
    return double(static_cast<uint64_t>(value));
  return double(value);
}

std::vector<int64_t> DenseElementsAttr::getInts() const {
  std::vector<int64_t> values(getNumElements());
  Type elementType = getElementType();
  if (elementType.isa<FloatType>()) {
    for (int64_t i = 0, e = values.size(); i < e; ++i)
      values[i] = getInt(i);
    return values;
  }
  withIntStorage(elementType, [&](auto tag) {
    using T = decltype(tag);
    llvm::ArrayRef<T> raw = getRawValues<T>();
    if (isSplat())
      std::fill(values.begin(), values.end(),
                raw.empty() ? 0 : int64_t(raw[0]));
    else
      std::copy(raw.begin(), raw.end(), values.begin());
  });
  return values;
}

std::vector<double> DenseElementsAttr::getDoubles() const {
  std::vector<double> values(getNumElements());
  for (int64_t i = 0, e = values.size(); i < e; ++i)
    values[i] = getDouble(i);
  return values;
}
