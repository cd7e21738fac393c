//===- Location.h - Where an op came from -----------------------*- C++ -*-===//
//
// Every op and block argument carries a location, uniqued in the Context:
// unknown, a source position (`"file.ohm":3:7`), a name (an ONNX node name,
// optionally wrapping the position it was parsed at), or a fusion of several
// (when a lowering merges ops). Diagnostics are reported at locations.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_IR_LOCATION_H
#define OHM_IR_LOCATION_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ohm {

class Context;
class FileLineColLoc;

namespace detail {
struct LocationStorage {
  enum class Kind : uint8_t { Unknown, FileLineCol, Name, Fused };
  LocationStorage(Kind kind, Context *ctx) : kind(kind), ctx(ctx) {}
  Kind kind;
  Context *ctx;
};
} // namespace detail

/// A handle to a uniqued location. Never null once constructed by get().
class Location {
public:
  using Kind = detail::LocationStorage::Kind;

  Location() = default;
  explicit Location(const detail::LocationStorage *impl) : impl(impl) {}

  explicit operator bool() const { return impl != nullptr; }
  bool operator==(Location other) const { return impl == other.impl; }
  bool operator!=(Location other) const { return impl != other.impl; }
  Kind getKind() const { return impl->kind; }
  Context &getContext() const { return *impl->ctx; }

  template <typename U> bool isa() const { return U::classof(*this); }
  template <typename U> U dyn_cast() const { return isa<U>() ? U(impl) : U(); }
  template <typename U> U cast() const {
    assert(isa<U>() && "cast<> to an incompatible location");
    return U(impl);
  }

  /// The first source position inside this location, if any.
  llvm::Optional<FileLineColLoc> findFileLineCol() const;

  /// Prints the inner syntax (without the `loc(...)` wrapper). File
  /// positions nested inside names and fusions print only if
  /// `printPositions`.
  void print(llvm::raw_ostream &os, bool printPositions = true) const;

  const detail::LocationStorage *getImpl() const { return impl; }

protected:
  const detail::LocationStorage *impl = nullptr;
};

inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, Location loc) {
  loc.print(os);
  return os;
}

class UnknownLoc : public Location {
public:
  using Location::Location;
  static UnknownLoc get(Context &ctx);
  static bool classof(Location loc) { return loc.getKind() == Kind::Unknown; }
};

class FileLineColLoc : public Location {
public:
  using Location::Location;
  static FileLineColLoc get(Context &ctx, llvm::StringRef file, unsigned line,
                            unsigned column);
  static bool classof(Location loc) {
    return loc.getKind() == Kind::FileLineCol;
  }
  llvm::StringRef getFile() const;
  unsigned getLine() const;
  unsigned getColumn() const;
};

/// A name, e.g. the ONNX node an op was imported from; `child` is where the
/// name itself came from (unknown if not known).
class NameLoc : public Location {
public:
  using Location::Location;
  static NameLoc get(Context &ctx, llvm::StringRef name);
  static NameLoc get(llvm::StringRef name, Location child);
  static bool classof(Location loc) { return loc.getKind() == Kind::Name; }
  llvm::StringRef getName() const;
  Location getChild() const;
};

/// Several locations at once, e.g. an op made by fusing two others.
class FusedLoc : public Location {
public:
  using Location::Location;
  /// Flattens nested fusions, drops unknowns and duplicates; returns the
  /// single remaining location when only one is left.
  static Location get(Context &ctx, llvm::ArrayRef<Location> locs);
  static bool classof(Location loc) { return loc.getKind() == Kind::Fused; }
  llvm::ArrayRef<Location> getLocations() const;
};

} // namespace ohm

#endif // OHM_IR_LOCATION_H
