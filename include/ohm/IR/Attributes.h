//===- Attributes.h - Compile-time constant data on ops ---------*- C++ -*-===//
//
// Attributes are immutable, uniqued in the Context and passed by value as
// thin handles. The kinds are integer, float, bool, string, array, type,
// unit and dense elements. Dense elements hold a tensor's data packed little
// endian at the element type's storage width (sub-byte integers such as i4
// take one byte each); a tensor whose elements are all equal is stored, and
// printed, as a splat.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_ATTRIBUTES_H
#define OHM_IR_ATTRIBUTES_H

#include "ohm/IR/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

namespace ohm {

namespace detail {
struct AttributeStorage {
  enum class Kind : uint8_t {
    Integer,
    Float,
    Bool,
    String,
    Array,
    Type,
    Unit,
    DenseElements
  };
  AttributeStorage(Kind kind, Type type, Context *ctx)
      : kind(kind), type(type), ctx(ctx) {}
  Kind kind;
  Type type;
  Context *ctx;
};
} // namespace detail

/// A handle to a uniqued attribute. A default-constructed Attribute is null.
class Attribute {
public:
  using Kind = detail::AttributeStorage::Kind;

  Attribute() = default;
  explicit Attribute(const detail::AttributeStorage *impl) : impl(impl) {}

  explicit operator bool() const { return impl != nullptr; }
  bool operator==(Attribute other) const { return impl == other.impl; }
  bool operator!=(Attribute other) const { return impl != other.impl; }

  Kind getKind() const { return impl->kind; }
  /// The type of the attribute's value; null for kinds without one.
  Type getType() const { return impl->type; }
  Context &getContext() const { return *impl->ctx; }

  template <typename U> bool isa() const {
    assert(impl && "isa<> on a null attribute");
    return U::classof(*this);
  }
  template <typename U> U dyn_cast() const { return isa<U>() ? U(impl) : U(); }
  template <typename U> U dyn_cast_or_null() const {
    return (impl && isa<U>()) ? U(impl) : U();
  }
  template <typename U> U cast() const {
    assert(isa<U>() && "cast<> to an incompatible attribute");
    return U(impl);
  }

  void print(llvm::raw_ostream &os) const;
  void dump() const;

  const detail::AttributeStorage *getImpl() const { return impl; }

protected:
  const detail::AttributeStorage *impl = nullptr;
};

inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, Attribute attr) {
  attr.print(os);
  return os;
}

/// An integer of an integer or index type: `42`, `-3 : i8`, `7 : u4`.
/// Without a type suffix the type is i64.
class IntegerAttr : public Attribute {
public:
  using Attribute::Attribute;
  /// `value` must be representable in `type` (see IntegerType::fitsSigned);
  /// for unsigned 64-bit values pass the bit pattern.
  static IntegerAttr get(Type type, int64_t value);
  static IntegerAttr get(Context &ctx, int64_t value); // i64
  static bool classof(Attribute attr) {
    return attr.getKind() == Kind::Integer;
  }
  int64_t getInt() const;
  uint64_t getUInt() const { return static_cast<uint64_t>(getInt()); }
};

/// A float of a float type: `0.5`, `1.0e-3 : f32`. Without a suffix, f64.
class FloatAttr : public Attribute {
public:
  using Attribute::Attribute;
  /// `value` is rounded to `type`.
  static FloatAttr get(Type type, double value);
  static bool classof(Attribute attr) { return attr.getKind() == Kind::Float; }
  double getValue() const;
};

/// `true` or `false`.
class BoolAttr : public Attribute {
public:
  using Attribute::Attribute;
  static BoolAttr get(Context &ctx, bool value);
  static bool classof(Attribute attr) { return attr.getKind() == Kind::Bool; }
  bool getValue() const;
};

/// A string: `"text"`.
class StringAttr : public Attribute {
public:
  using Attribute::Attribute;
  static StringAttr get(Context &ctx, llvm::StringRef value);
  static bool classof(Attribute attr) { return attr.getKind() == Kind::String; }
  llvm::StringRef getValue() const;
};

/// A list of attributes: `[1, "a", [true]]`.
class ArrayAttr : public Attribute {
public:
  using Attribute::Attribute;
  static ArrayAttr get(Context &ctx, llvm::ArrayRef<Attribute> elements);
  /// An array of i64 integer attributes.
  static ArrayAttr getI64(Context &ctx, llvm::ArrayRef<int64_t> values);
  static bool classof(Attribute attr) { return attr.getKind() == Kind::Array; }
  llvm::ArrayRef<Attribute> getValue() const;
  size_t size() const { return getValue().size(); }
  Attribute operator[](size_t i) const { return getValue()[i]; }
  /// The elements as integers if they all are IntegerAttrs.
  bool getAsInts(std::vector<int64_t> &out) const;
};

/// A type used as a value: `tensor<4xi8>`, `u4`.
class TypeAttr : public Attribute {
public:
  using Attribute::Attribute;
  static TypeAttr get(Type type);
  static bool classof(Attribute attr) { return attr.getKind() == Kind::Type; }
  Type getValue() const { return getType(); }
};

/// A flag whose presence is the information: `unit`.
class UnitAttr : public Attribute {
public:
  using Attribute::Attribute;
  static UnitAttr get(Context &ctx);
  static bool classof(Attribute attr) { return attr.getKind() == Kind::Unit; }
};

/// The elements of a statically shaped tensor of integers, floats or index.
class DenseElementsAttr : public Attribute {
public:
  using Attribute::Attribute;
  static bool classof(Attribute attr) {
    return attr.getKind() == Kind::DenseElements;
  }

  /// Whether a dense attribute of `type` can exist: static shape and an
  /// integer, float or index element type.
  static bool isValidType(Type type);
  /// Bytes per element of `elementType` in the packed payload.
  static unsigned getStorageBytes(Type elementType);

  /// From a packed payload of either one element (a splat) or all of them.
  /// Integer elements must be in range for the element type; check with
  /// verifyRawData first when the data comes from outside.
  static DenseElementsAttr getFromRawData(TensorType type,
                                          llvm::ArrayRef<char> data);
  /// Returns an error message if `data` is not a valid payload for `type`,
  /// or an empty string.
  static std::string verifyRawData(TensorType type, llvm::ArrayRef<char> data);
  /// From integer values (one for a splat); each must fit the element type.
  static DenseElementsAttr getFromInts(TensorType type,
                                       llvm::ArrayRef<int64_t> values);
  /// From float values (one for a splat), rounded to the element type.
  static DenseElementsAttr getFromDoubles(TensorType type,
                                          llvm::ArrayRef<double> values);

  TensorType getType() const { return Attribute::getType().cast<TensorType>(); }
  Type getElementType() const { return getType().getElementType(); }
  int64_t getNumElements() const { return getType().getNumElements(); }
  bool isSplat() const;
  /// The packed payload: one element if splat, else all of them.
  llvm::ArrayRef<char> getRawData() const;

  /// The payload as values of its C++ storage type T (int8_t for si8,
  /// uint8_t for ui8 and ui4, int64_t for index, float for f32, ...; see
  /// withStorageType): one value for a splat, else all of them. For bulk
  /// work; T must be the storage type.
  template <typename T> llvm::ArrayRef<T> getRawValues() const {
    llvm::ArrayRef<char> raw = getRawData();
    return {reinterpret_cast<const T *>(raw.data()), raw.size() / sizeof(T)};
  }
  /// From values of the element type's storage type T (one for a splat);
  /// each must fit the element type.
  template <typename T>
  static DenseElementsAttr getFromValues(TensorType type,
                                         llvm::ArrayRef<T> values) {
    return getFromRawData(type, {reinterpret_cast<const char *>(values.data()),
                                 values.size() * sizeof(T)});
  }
  /// Calls fn(T()) with T the C++ storage type of an integer or index
  /// element type: int8_t/uint8_t ... int64_t/uint64_t by the storage width
  /// and signedness, int64_t for index.
  template <typename Fn>
  static decltype(auto) withIntStorage(Type elementType, Fn &&fn) {
    bool isSigned = !elementType.isa<IntegerType>() ||
                    elementType.cast<IntegerType>().isSigned();
    switch (getStorageBytes(elementType)) {
    case 1:
      return isSigned ? fn(int8_t()) : fn(uint8_t());
    case 2:
      return isSigned ? fn(int16_t()) : fn(uint16_t());
    case 4:
      return isSigned ? fn(int32_t()) : fn(uint32_t());
    default:
      return isSigned ? fn(int64_t()) : fn(uint64_t());
    }
  }

  /// The integer elements converted to T, one per element (a splat's value
  /// repeated): getInts without the int64 intermediate, for bulk work on
  /// narrow integers. T must hold every value of the element type.
  template <typename T> std::vector<T> getIntsAs() const {
    std::vector<T> values(static_cast<size_t>(getNumElements()));
    withIntStorage(getElementType(), [&](auto tag) {
      using S = decltype(tag);
      llvm::ArrayRef<S> raw = getRawValues<S>();
      if (isSplat())
        std::fill(values.begin(), values.end(), raw.empty() ? T(0) : T(raw[0]));
      else
        std::transform(raw.begin(), raw.end(), values.begin(),
                       [](S v) { return T(v); });
    });
    return values;
  }

  /// Element `i` as an integer (sign- or zero-extended per the type).
  int64_t getInt(int64_t i) const;
  /// Element `i` as a double (integers are converted).
  double getDouble(int64_t i) const;
  std::vector<int64_t> getInts() const;
  std::vector<double> getDoubles() const;
};

/// A name and an attribute, as attached to operations.
struct NamedAttribute {
  llvm::StringRef name; // Interned in the Context.
  Attribute value;
};

} // namespace ohm

#endif // OHM_IR_ATTRIBUTES_H
