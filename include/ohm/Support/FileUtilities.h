//===- FileUtilities.h - Reading inputs, writing outputs --------*- C++ -*-===//
//
// Small wrappers over LLVM's MemoryBuffer and ToolOutputFile that turn I/O
// problems into llvm::Error with the file name in the message.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_SUPPORT_FILEUTILITIES_H
#define OHM_SUPPORT_FILEUTILITIES_H

#include "ohm/Support/LogicalResult.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

#include <functional>
#include <memory>

namespace ohm {

/// Opens `path` ("-" is stdin) for reading.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
openInputFile(llvm::StringRef path);

/// Opens `path` ("-" is stdout) for writing; the file is deleted unless
/// keep() is called on the result.
llvm::Expected<std::unique_ptr<llvm::ToolOutputFile>>
openOutputFile(llvm::StringRef path);

/// Splits `buffer` at lines consisting of `// -----` and calls `process` on
/// each chunk. Each chunk keeps the buffer's identifier and is padded with
/// newlines so that line numbers match the original file. Results are
/// combined: failure if any chunk fails; all chunks are processed.
LogicalResult splitAndProcessBuffer(
    std::unique_ptr<llvm::MemoryBuffer> buffer,
    const std::function<LogicalResult(std::unique_ptr<llvm::MemoryBuffer>,
                                      llvm::raw_ostream &)> &process,
    llvm::raw_ostream &os, llvm::StringRef separator = "// -----");

} // namespace ohm

#endif // OHM_SUPPORT_FILEUTILITIES_H
