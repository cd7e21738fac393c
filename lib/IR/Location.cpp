//===- Location.cpp - Where an op came from -------------------------------===//

#include "ohm/IR/Location.h"
#include "ohm/IR/Context.h"

#include "Storage.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;
using namespace ohm::detail;

llvm::Optional<FileLineColLoc> Location::findFileLineCol() const {
  switch (getKind()) {
  case Kind::Unknown:
    return llvm::None;
  case Kind::FileLineCol:
    return cast<FileLineColLoc>();
  case Kind::Name:
    return cast<NameLoc>().getChild().findFileLineCol();
  case Kind::Fused:
    for (Location loc : cast<FusedLoc>().getLocations())
      if (auto found = loc.findFileLineCol())
        return found;
    return llvm::None;
  }
  llvm_unreachable("unknown location kind");
}

static void printEscapedString(llvm::raw_ostream &os, llvm::StringRef str) {
  os << '"';
  os.write_escaped(str, /*UseHexEscapes=*/true);
  os << '"';
}

void Location::print(llvm::raw_ostream &os, bool printPositions) const {
  switch (getKind()) {
  case Kind::Unknown:
    os << "unknown";
    return;
  case Kind::FileLineCol: {
    auto fileLoc = cast<FileLineColLoc>();
    printEscapedString(os, fileLoc.getFile());
    os << ':' << fileLoc.getLine() << ':' << fileLoc.getColumn();
    return;
  }
  case Kind::Name: {
    auto nameLoc = cast<NameLoc>();
    printEscapedString(os, nameLoc.getName());
    Location child = nameLoc.getChild();
    if (child.isa<UnknownLoc>() ||
        (!printPositions && child.isa<FileLineColLoc>()))
      return;
    os << '(';
    child.print(os, printPositions);
    os << ')';
    return;
  }
  case Kind::Fused: {
    os << "fused[";
    bool first = true;
    for (Location loc : cast<FusedLoc>().getLocations()) {
      if (!printPositions && loc.isa<FileLineColLoc>())
        continue;
      if (!first)
        os << ", ";
      first = false;
      loc.print(os, printPositions);
    }
    os << ']';
    return;
  }
  }
}

UnknownLoc UnknownLoc::get(Context &ctx) {
  return UnknownLoc(&ctx.getImpl().unknownLoc);
}

FileLineColLoc FileLineColLoc::get(Context &ctx, llvm::StringRef file,
                                   unsigned line, unsigned column) {
  ContextImpl &impl = ctx.getImpl();
  file = ctx.intern(file);
  return FileLineColLoc(impl.getOrCreate(
      impl.fileLocs,
      [&] {
        return new (impl.allocator.Allocate<FileLineColLocStorage>())
            FileLineColLocStorage(&ctx, file, line, column);
      },
      file, line, column));
}

llvm::StringRef FileLineColLoc::getFile() const {
  return static_cast<const FileLineColLocStorage *>(impl)->file;
}
unsigned FileLineColLoc::getLine() const {
  return static_cast<const FileLineColLocStorage *>(impl)->line;
}
unsigned FileLineColLoc::getColumn() const {
  return static_cast<const FileLineColLocStorage *>(impl)->column;
}

NameLoc NameLoc::get(Context &ctx, llvm::StringRef name) {
  return get(name, UnknownLoc::get(ctx));
}

NameLoc NameLoc::get(llvm::StringRef name, Location child) {
  Context &ctx = child.getContext();
  ContextImpl &impl = ctx.getImpl();
  name = ctx.intern(name);
  return NameLoc(impl.getOrCreate(
      impl.nameLocs,
      [&] {
        return new (impl.allocator.Allocate<NameLocStorage>())
            NameLocStorage(&ctx, name, child);
      },
      name, child));
}

llvm::StringRef NameLoc::getName() const {
  return static_cast<const NameLocStorage *>(impl)->name;
}
Location NameLoc::getChild() const {
  return static_cast<const NameLocStorage *>(impl)->child;
}

Location FusedLoc::get(Context &ctx, llvm::ArrayRef<Location> locs) {
  llvm::SmallSetVector<const LocationStorage *, 4> unique;
  for (Location loc : locs) {
    if (auto fused = loc.dyn_cast<FusedLoc>()) {
      for (Location inner : fused.getLocations())
        unique.insert(inner.getImpl());
    } else if (!loc.isa<UnknownLoc>()) {
      unique.insert(loc.getImpl());
    }
  }
  if (unique.empty())
    return UnknownLoc::get(ctx);
  if (unique.size() == 1)
    return Location(unique.front());
  llvm::SmallVector<Location, 4> flat;
  for (const LocationStorage *storage : unique)
    flat.push_back(Location(storage));
  ContextImpl &impl = ctx.getImpl();
  llvm::ArrayRef<Location> flatRef = flat;
  return FusedLoc(impl.getOrCreate(
      impl.fusedLocs,
      [&] {
        return new (impl.allocator.Allocate<FusedLocStorage>())
            FusedLocStorage(&ctx, impl.copy(flatRef));
      },
      flatRef));
}

llvm::ArrayRef<Location> FusedLoc::getLocations() const {
  return static_cast<const FusedLocStorage *>(impl)->locs;
}
