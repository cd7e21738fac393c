//===- FileUtilities.h - Reading inputs, writing outputs --------*- C++ -*-===//
//
// Small wrappers over LLVM's MemoryBuffer and raw_fd_ostream that turn I/O
// problems into llvm::Error with the file name in the message. Outputs are
// written to a temporary file beside the destination and renamed over it
// when complete, so a failed write never leaves a truncated file or
// destroys the previous one.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_SUPPORT_FILEUTILITIES_H
#define OHM_SUPPORT_FILEUTILITIES_H

#include "ohm/Support/LogicalResult.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>

namespace ohm {

/// Opens `path` ("-" is stdin) for reading.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
openInputFile(llvm::StringRef path);

/// An output being written: a temporary file in the destination's folder
/// (or stdout for "-"). commit() flushes, syncs and closes it and renames
/// it over the destination; without a successful commit the temporary is
/// removed and the destination is untouched.
class OutputFile {
public:
  ~OutputFile();
  llvm::raw_ostream &os() { return *stream; }
  /// Completes the write; the error names the file and the reason
  /// ("cannot write 'x.ohmx': No space left on device").
  llvm::Error commit();

private:
  friend llvm::Expected<std::unique_ptr<OutputFile>>
  openOutputFile(llvm::StringRef path);
  OutputFile() = default;

  std::string path, tempPath; // tempPath empty for stdout
  int fd = -1;
  std::unique_ptr<llvm::raw_fd_ostream> stream;
  bool committed = false;
};

/// Opens `path` ("-" is stdout) for writing (see OutputFile).
llvm::Expected<std::unique_ptr<OutputFile>>
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
