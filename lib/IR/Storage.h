//===- Storage.h - Uniqued storage of types, attributes, locs ---*- C++ -*-===//
//
// Private to lib/IR. Every uniqued object is allocated in the Context's bump
// allocator and found again through a FoldingSet keyed by its contents;
// arrays and strings they refer to live in the same allocator.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_IR_STORAGE_H
#define OHM_LIB_IR_STORAGE_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Location.h"
#include "ohm/IR/OpDefinition.h"
#include "ohm/IR/Types.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/FoldingSet.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Allocator.h"

#include <cstring>
#include <unordered_map>

namespace ohm {
namespace detail {

struct IntegerTypeStorage : TypeStorage, llvm::FoldingSetNode {
  IntegerTypeStorage(Context *ctx, unsigned width, bool isSigned)
      : TypeStorage(Kind::Integer, ctx), width(width), isSigned(isSigned) {}
  static void profile(llvm::FoldingSetNodeID &id, unsigned width,
                      bool isSigned) {
    id.AddInteger(width);
    id.AddBoolean(isSigned);
  }
  void Profile(llvm::FoldingSetNodeID &id) const {
    profile(id, width, isSigned);
  }
  unsigned width;
  bool isSigned;
};

struct FloatTypeStorage : TypeStorage {
  FloatTypeStorage(Context *ctx, unsigned width)
      : TypeStorage(Kind::Float, ctx), width(width) {}
  unsigned width;
};

struct TensorTypeStorage : TypeStorage, llvm::FoldingSetNode {
  TensorTypeStorage(Context *ctx, llvm::ArrayRef<int64_t> shape, Type element)
      : TypeStorage(Kind::Tensor, ctx), shape(shape), element(element) {}
  static void profile(llvm::FoldingSetNodeID &id, llvm::ArrayRef<int64_t> shape,
                      Type element) {
    id.AddInteger(shape.size());
    for (int64_t dim : shape)
      id.AddInteger(dim);
    id.AddPointer(element.getImpl());
  }
  void Profile(llvm::FoldingSetNodeID &id) const {
    profile(id, shape, element);
  }
  llvm::ArrayRef<int64_t> shape;
  Type element;
};

struct FunctionTypeStorage : TypeStorage, llvm::FoldingSetNode {
  FunctionTypeStorage(Context *ctx, llvm::ArrayRef<Type> inputs,
                      llvm::ArrayRef<Type> results)
      : TypeStorage(Kind::Function, ctx), inputs(inputs), results(results) {}
  static void profile(llvm::FoldingSetNodeID &id, llvm::ArrayRef<Type> inputs,
                      llvm::ArrayRef<Type> results) {
    id.AddInteger(inputs.size());
    for (Type type : inputs)
      id.AddPointer(type.getImpl());
    id.AddInteger(results.size());
    for (Type type : results)
      id.AddPointer(type.getImpl());
  }
  void Profile(llvm::FoldingSetNodeID &id) const {
    profile(id, inputs, results);
  }
  llvm::ArrayRef<Type> inputs;
  llvm::ArrayRef<Type> results;
};

struct DialectTypeStorage : TypeStorage, llvm::FoldingSetNode {
  DialectTypeStorage(Context *ctx, llvm::StringRef name,
                     llvm::ArrayRef<Attribute> params)
      : TypeStorage(Kind::Dialect, ctx), name(name), params(params) {}
  static void profile(llvm::FoldingSetNodeID &id, llvm::StringRef name,
                      llvm::ArrayRef<Attribute> params) {
    id.AddString(name);
    id.AddInteger(params.size());
    for (Attribute param : params)
      id.AddPointer(param.getImpl());
  }
  void Profile(llvm::FoldingSetNodeID &id) const { profile(id, name, params); }
  llvm::StringRef name;
  llvm::ArrayRef<Attribute> params;
};

struct IntegerAttrStorage : AttributeStorage, llvm::FoldingSetNode {
  IntegerAttrStorage(Context *ctx, Type type, int64_t value)
      : AttributeStorage(Kind::Integer, type, ctx), value(value) {}
  static void profile(llvm::FoldingSetNodeID &id, Type type, int64_t value) {
    id.AddPointer(type.getImpl());
    id.AddInteger(value);
  }
  void Profile(llvm::FoldingSetNodeID &id) const { profile(id, type, value); }
  int64_t value;
};

struct FloatAttrStorage : AttributeStorage, llvm::FoldingSetNode {
  FloatAttrStorage(Context *ctx, Type type, double value)
      : AttributeStorage(Kind::Float, type, ctx), value(value) {}
  static void profile(llvm::FoldingSetNodeID &id, Type type, double value) {
    id.AddPointer(type.getImpl());
    uint64_t bits;
    static_assert(sizeof(bits) == sizeof(value), "");
    std::memcpy(&bits, &value, sizeof(bits));
    id.AddInteger(bits);
  }
  void Profile(llvm::FoldingSetNodeID &id) const { profile(id, type, value); }
  double value;
};

struct BoolAttrStorage : AttributeStorage {
  BoolAttrStorage(Context *ctx, bool value)
      : AttributeStorage(Kind::Bool, Type(), ctx), value(value) {}
  bool value;
};

struct StringAttrStorage : AttributeStorage {
  StringAttrStorage(Context *ctx, llvm::StringRef value)
      : AttributeStorage(Kind::String, Type(), ctx), value(value) {}
  llvm::StringRef value;
};

struct ArrayAttrStorage : AttributeStorage, llvm::FoldingSetNode {
  ArrayAttrStorage(Context *ctx, llvm::ArrayRef<Attribute> elements)
      : AttributeStorage(Kind::Array, Type(), ctx), elements(elements) {}
  static void profile(llvm::FoldingSetNodeID &id,
                      llvm::ArrayRef<Attribute> elements) {
    id.AddInteger(elements.size());
    for (Attribute element : elements)
      id.AddPointer(element.getImpl());
  }
  void Profile(llvm::FoldingSetNodeID &id) const { profile(id, elements); }
  llvm::ArrayRef<Attribute> elements;
};

struct TypeAttrStorage : AttributeStorage {
  TypeAttrStorage(Context *ctx, Type type)
      : AttributeStorage(Kind::Type, type, ctx) {}
};

/// Dense payloads are uniqued by a hash of their bytes and compared in
/// full (a FoldingSet profile would copy every byte of a weight tensor on
/// each lookup). The payload is 8-byte aligned, so typed views of it are
/// aligned too.
struct DenseAttrStorage : AttributeStorage {
  DenseAttrStorage(Context *ctx, Type type, bool splat,
                   llvm::ArrayRef<char> data)
      : AttributeStorage(Kind::DenseElements, type, ctx), splat(splat),
        data(data) {}
  /// Payloads up to 64 KiB are hashed whole; larger ones by 64 samples of
  /// 1 KiB spread over them (equal hashes are compared in full, so this
  /// only trades lookups of near-identical weight tensors for speed).
  static size_t hash(Type type, bool splat, llvm::ArrayRef<char> data) {
    constexpr size_t kWhole = 64 << 10, kSamples = 64, kSample = 1 << 10;
    if (data.size() <= kWhole)
      return llvm::hash_combine(
          type.getImpl(), splat,
          llvm::hash_combine_range(data.begin(), data.end()));
    size_t hash = llvm::hash_combine(type.getImpl(), splat, data.size());
    size_t stride = (data.size() - kSample) / (kSamples - 1);
    for (size_t i = 0; i < kSamples; ++i) {
      const char *sample = data.data() + i * stride;
      hash = llvm::hash_combine(
          hash, llvm::hash_combine_range(sample, sample + kSample));
    }
    return hash;
  }
  bool equals(Type other, bool otherSplat, llvm::ArrayRef<char> bytes) const {
    return type == other && splat == otherSplat &&
           data.size() == bytes.size() &&
           (bytes.empty() ||
            std::memcmp(data.data(), bytes.data(), bytes.size()) == 0);
  }
  bool splat;
  llvm::ArrayRef<char> data;
};

struct FileLineColLocStorage : LocationStorage, llvm::FoldingSetNode {
  FileLineColLocStorage(Context *ctx, llvm::StringRef file, unsigned line,
                        unsigned column)
      : LocationStorage(Kind::FileLineCol, ctx), file(file), line(line),
        column(column) {}
  static void profile(llvm::FoldingSetNodeID &id, llvm::StringRef file,
                      unsigned line, unsigned column) {
    id.AddPointer(file.data()); // Interned.
    id.AddInteger(line);
    id.AddInteger(column);
  }
  void Profile(llvm::FoldingSetNodeID &id) const {
    profile(id, file, line, column);
  }
  llvm::StringRef file;
  unsigned line, column;
};

struct NameLocStorage : LocationStorage, llvm::FoldingSetNode {
  NameLocStorage(Context *ctx, llvm::StringRef name, Location child)
      : LocationStorage(Kind::Name, ctx), name(name), child(child) {}
  static void profile(llvm::FoldingSetNodeID &id, llvm::StringRef name,
                      Location child) {
    id.AddPointer(name.data()); // Interned.
    id.AddPointer(child.getImpl());
  }
  void Profile(llvm::FoldingSetNodeID &id) const { profile(id, name, child); }
  llvm::StringRef name;
  Location child;
};

struct FusedLocStorage : LocationStorage, llvm::FoldingSetNode {
  FusedLocStorage(Context *ctx, llvm::ArrayRef<Location> locs)
      : LocationStorage(Kind::Fused, ctx), locs(locs) {}
  static void profile(llvm::FoldingSetNodeID &id,
                      llvm::ArrayRef<Location> locs) {
    id.AddInteger(locs.size());
    for (Location loc : locs)
      id.AddPointer(loc.getImpl());
  }
  void Profile(llvm::FoldingSetNodeID &id) const { profile(id, locs); }
  llvm::ArrayRef<Location> locs;
};

struct ContextImpl {
  explicit ContextImpl(Context *ctx);

  /// Copies bytes into the allocator, 8-byte aligned.
  llvm::ArrayRef<char> copyAligned(llvm::ArrayRef<char> bytes) {
    if (bytes.empty())
      return {};
    char *data =
        static_cast<char *>(allocator.Allocate(bytes.size(), llvm::Align(8)));
    std::memcpy(data, bytes.data(), bytes.size());
    return {data, bytes.size()};
  }

  /// Copies `values` into the allocator.
  template <typename T> llvm::ArrayRef<T> copy(llvm::ArrayRef<T> values) {
    if (values.empty())
      return {};
    T *data = allocator.Allocate<T>(values.size());
    std::uninitialized_copy(values.begin(), values.end(), data);
    return {data, values.size()};
  }

  /// Finds or creates a node of `set` profiled by `profileArgs`; `create`
  /// allocates a new one.
  template <typename StorageT, typename CreateFn, typename... ProfileArgs>
  StorageT *getOrCreate(llvm::FoldingSet<StorageT> &set, CreateFn create,
                        const ProfileArgs &...profileArgs) {
    llvm::FoldingSetNodeID id;
    StorageT::profile(id, profileArgs...);
    void *insertPos = nullptr;
    if (StorageT *existing = set.FindNodeOrInsertPos(id, insertPos))
      return existing;
    StorageT *storage = create();
    set.InsertNode(storage, insertPos);
    return storage;
  }

  Context *ctx;
  llvm::BumpPtrAllocator allocator;
  /// Interned strings. Not a UniqueStringSaver over `allocator`: that code
  /// lives in libLLVM, which is not built with ASan, and sharing a bump
  /// allocator between instrumented and uninstrumented code confuses ASan's
  /// poisoning of unused slab space.
  llvm::StringSet<> strings;
  DiagnosticEngine diagEngine;

  llvm::FoldingSet<IntegerTypeStorage> integerTypes;
  FloatTypeStorage f16, f32, f64;
  TypeStorage index;
  llvm::FoldingSet<TensorTypeStorage> tensorTypes;
  llvm::FoldingSet<FunctionTypeStorage> functionTypes;
  llvm::FoldingSet<DialectTypeStorage> dialectTypes;

  llvm::FoldingSet<IntegerAttrStorage> integerAttrs;
  llvm::FoldingSet<FloatAttrStorage> floatAttrs;
  BoolAttrStorage trueAttr, falseAttr;
  AttributeStorage unitAttr;
  llvm::StringMap<StringAttrStorage *> stringAttrs;
  llvm::FoldingSet<ArrayAttrStorage> arrayAttrs;
  llvm::DenseMap<Type, TypeAttrStorage *> typeAttrs;
  std::unordered_multimap<size_t, DenseAttrStorage *> denseAttrs;

  LocationStorage unknownLoc;
  llvm::FoldingSet<FileLineColLocStorage> fileLocs;
  llvm::FoldingSet<NameLocStorage> nameLocs;
  llvm::FoldingSet<FusedLocStorage> fusedLocs;

  llvm::StringMap<const OpInfo *> ops;
  llvm::StringMap<DialectTypeVerifier> dialectTypeVerifiers;
};

} // namespace detail
} // namespace ohm

#endif // OHM_LIB_IR_STORAGE_H
