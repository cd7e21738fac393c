//===- Types.h - The types of IR values -------------------------*- C++ -*-===//
//
// Types are immutable, uniqued in the Context and passed by value as thin
// handles (a pointer to their storage), so equality is pointer equality.
// The built-in types are integers of any width 1-64 with explicit
// signedness (i8, u4, ...), floats (f16, f32, f64), index, ranked tensors
// with static or dynamic dimensions, and function types. Dialects add their
// own types through DialectType: `!dialect.mnemonic<param, ...>` whose
// parameters are attributes and whose validity a registered hook checks.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_TYPES_H
#define OHM_IR_TYPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMapInfo.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"

#include <cassert>
#include <cstdint>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ohm {

class Attribute;
class Context;

namespace detail {
/// The part of every type's storage that the handle inspects inline.
struct TypeStorage {
  enum class Kind : uint8_t {
    Integer,
    Float,
    Index,
    Tensor,
    Function,
    Dialect
  };
  TypeStorage(Kind kind, Context *ctx) : kind(kind), ctx(ctx) {}
  Kind kind;
  Context *ctx;
};
} // namespace detail

/// A handle to a uniqued type. A default-constructed Type is null.
class Type {
public:
  using Kind = detail::TypeStorage::Kind;

  Type() = default;
  explicit Type(const detail::TypeStorage *impl) : impl(impl) {}

  explicit operator bool() const { return impl != nullptr; }
  bool operator==(Type other) const { return impl == other.impl; }
  bool operator!=(Type other) const { return impl != other.impl; }

  Kind getKind() const { return impl->kind; }
  Context &getContext() const { return *impl->ctx; }

  template <typename U> bool isa() const {
    assert(impl && "isa<> on a null type");
    return U::classof(*this);
  }
  template <typename U> U dyn_cast() const { return isa<U>() ? U(impl) : U(); }
  template <typename U> U dyn_cast_or_null() const {
    return (impl && isa<U>()) ? U(impl) : U();
  }
  template <typename U> U cast() const {
    assert(isa<U>() && "cast<> to an incompatible type");
    return U(impl);
  }

  /// Convenience predicates.
  bool isInteger() const;
  bool isInteger(unsigned width) const;
  bool isSignedInteger(unsigned width) const;
  bool isUnsignedInteger(unsigned width) const;
  bool isFloat() const;
  bool isF32() const;
  bool isIndex() const;
  /// Integer, float or index: what a tensor may hold besides dialect types.
  bool isScalar() const;

  void print(llvm::raw_ostream &os) const;
  void dump() const;

  const detail::TypeStorage *getImpl() const { return impl; }

protected:
  const detail::TypeStorage *impl = nullptr;
};

inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, Type type) {
  type.print(os);
  return os;
}

inline llvm::hash_code hash_value(Type type) {
  return llvm::hash_value(type.getImpl());
}

/// Integers of 1 to 64 bits, signed (`iN`) or unsigned (`uN`). Width 1 is
/// the boolean type: its values are 0 and 1 whatever the signedness.
class IntegerType : public Type {
public:
  using Type::Type;
  static constexpr unsigned kMaxWidth = 64;

  static IntegerType get(Context &ctx, unsigned width, bool isSigned);
  static bool classof(Type type) { return type.getKind() == Kind::Integer; }

  unsigned getWidth() const;
  bool isSigned() const;
  bool isUnsigned() const { return !isSigned(); }
  /// The smallest and largest values of this type.
  int64_t getMinValue() const;
  uint64_t getMaxValue() const;
  /// getMaxValue() as int64_t, saturated at INT64_MAX (u64's top): with
  /// getMinValue(), the type's range in int64_t arithmetic.
  int64_t getMaxInt64() const {
    uint64_t max = getMaxValue();
    return max > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(max);
  }
  /// Whether `value` (read as signed for signed types and as unsigned for
  /// unsigned types) is representable.
  bool fitsSigned(int64_t value) const;
  bool fitsUnsigned(uint64_t value) const;
  /// Bytes per element when packed in a dense attribute: 1, 2, 4 or 8.
  unsigned getStorageBytes() const;
  /// Wraps `value` to this type's width and sign (two's complement).
  int64_t wrap(int64_t value) const;
};

/// IEEE floats: f16, f32 and f64.
class FloatType : public Type {
public:
  using Type::Type;
  static FloatType get(Context &ctx, unsigned width);
  static FloatType getF16(Context &ctx) { return get(ctx, 16); }
  static FloatType getF32(Context &ctx) { return get(ctx, 32); }
  static FloatType getF64(Context &ctx) { return get(ctx, 64); }
  static bool classof(Type type) { return type.getKind() == Kind::Float; }
  unsigned getWidth() const;
  unsigned getStorageBytes() const { return getWidth() / 8; }
  /// Rounds `value` to the nearest value of this type.
  double round(double value) const;
};

/// The type of sizes and indices; 64-bit signed.
class IndexType : public Type {
public:
  using Type::Type;
  static IndexType get(Context &ctx);
  static bool classof(Type type) { return type.getKind() == Kind::Index; }
};

/// A ranked tensor `tensor<d0xd1x...xelem>`; dynamic dimensions are `?`.
class TensorType : public Type {
public:
  using Type::Type;
  static constexpr int64_t kDynamic = -1;
  /// The most elements a tensor may have (2^40): element counts and byte
  /// sizes of every valid tensor fit in int64_t without overflow.
  static constexpr int64_t kMaxElements = int64_t(1) << 40;

  static TensorType get(llvm::ArrayRef<int64_t> shape, Type elementType);
  /// The element count of the static dimensions of `shape` (dynamic ones
  /// count as 1), or None if a dimension is negative (other than kDynamic)
  /// or the count exceeds kMaxElements. Computed without overflow; the
  /// parser and the importer check every shape they read with it.
  static llvm::Optional<int64_t>
  getCheckedElementCount(llvm::ArrayRef<int64_t> shape);
  static bool classof(Type type) { return type.getKind() == Kind::Tensor; }
  /// Whether `type` can be the element type of a tensor.
  static bool isValidElementType(Type type);

  llvm::ArrayRef<int64_t> getShape() const;
  Type getElementType() const;
  unsigned getRank() const { return getShape().size(); }
  int64_t getDimSize(unsigned i) const { return getShape()[i]; }
  bool isDynamicDim(unsigned i) const { return getShape()[i] == kDynamic; }
  bool hasStaticShape() const;
  /// The number of elements; only valid for static shapes.
  int64_t getNumElements() const;
  /// The same shape with another element type.
  TensorType clone(Type elementType) const;
  TensorType clone(llvm::ArrayRef<int64_t> shape) const;
};

/// `(inputs) -> results`, the signature of functions and ops.
class FunctionType : public Type {
public:
  using Type::Type;
  static FunctionType get(Context &ctx, llvm::ArrayRef<Type> inputs,
                          llvm::ArrayRef<Type> results);
  static bool classof(Type type) { return type.getKind() == Kind::Function; }
  llvm::ArrayRef<Type> getInputs() const;
  llvm::ArrayRef<Type> getResults() const;
};

/// A type defined by a dialect: `!dialect.mnemonic` or
/// `!dialect.mnemonic<p0, p1, ...>` where each parameter is an attribute
/// (an integer, a type, a string, ...). The dialect registers the name and a
/// verifier for the parameters with Context::registerDialectType.
class DialectType : public Type {
public:
  using Type::Type;
  /// Returns null after emitting nothing if the parameters are invalid;
  /// use Context::verifyDialectType first for a diagnostic.
  static DialectType get(Context &ctx, llvm::StringRef name,
                         llvm::ArrayRef<Attribute> params);
  static bool classof(Type type) { return type.getKind() == Kind::Dialect; }
  /// The full name, e.g. `xb.tile`.
  llvm::StringRef getName() const;
  llvm::StringRef getDialect() const { return getName().split('.').first; }
  llvm::StringRef getMnemonic() const { return getName().split('.').second; }
  llvm::ArrayRef<Attribute> getParams() const;
};

} // namespace ohm

namespace llvm {
template <> struct DenseMapInfo<ohm::Type> {
  static ohm::Type getEmptyKey() {
    return ohm::Type(static_cast<const ohm::detail::TypeStorage *>(
        DenseMapInfo<const void *>::getEmptyKey()));
  }
  static ohm::Type getTombstoneKey() {
    return ohm::Type(static_cast<const ohm::detail::TypeStorage *>(
        DenseMapInfo<const void *>::getTombstoneKey()));
  }
  static unsigned getHashValue(ohm::Type type) {
    return DenseMapInfo<const void *>::getHashValue(type.getImpl());
  }
  static bool isEqual(ohm::Type lhs, ohm::Type rhs) { return lhs == rhs; }
};
} // namespace llvm

#endif // OHM_IR_TYPES_H
