//===- ByteSize.h - Reading and printing byte counts ------------*- C++ -*-===//
//
// The sizes of the command line's memory limits (`--max-memory=2G`,
// `--max-constant-bytes=512M`) and of the messages that name them.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_SUPPORT_BYTESIZE_H
#define OHM_SUPPORT_BYTESIZE_H

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace ohm {

/// Parses a byte count: a positive integer or decimal number with an
/// optional K, M, G or T suffix (powers of 1024) and an optional trailing
/// "B" ("512M", "1.5G", "4096"). None if malformed, not positive or over
/// 2^64.
llvm::Optional<uint64_t> parseByteSize(llvm::StringRef text);

/// A byte count for people: "4096 bytes", "1.5 MiB", "2 GiB", "4 TiB".
std::string formatByteSize(uint64_t bytes);

} // namespace ohm

#endif // OHM_SUPPORT_BYTESIZE_H
