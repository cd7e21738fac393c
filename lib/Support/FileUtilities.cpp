//===- FileUtilities.cpp - Reading inputs, writing outputs ----------------===//

#include "ohm/Support/FileUtilities.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"

#include <cerrno>
#include <unistd.h>

using namespace ohm;

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
ohm::openInputFile(llvm::StringRef path) {
  auto buffer =
      llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/true);
  if (std::error_code ec = buffer.getError())
    return llvm::createStringError(ec, "cannot open '%s': %s",
                                   path.str().c_str(), ec.message().c_str());
  return std::move(*buffer);
}

llvm::Expected<std::unique_ptr<OutputFile>>
ohm::openOutputFile(llvm::StringRef path) {
  std::unique_ptr<OutputFile> file(new OutputFile());
  file->path = path.str();
  if (path == "-") {
    std::error_code ec;
    file->stream = std::make_unique<llvm::raw_fd_ostream>("-", ec);
    if (ec)
      return llvm::createStringError(ec, "cannot write to stdout: %s",
                                     ec.message().c_str());
    return file;
  }
  llvm::SmallString<256> temp;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          path + ".tmp-%%%%%%%%", file->fd, temp))
    return llvm::createStringError(ec, "cannot write '%s': %s",
                                   path.str().c_str(), ec.message().c_str());
  file->tempPath = temp.str().str();
  file->stream = std::make_unique<llvm::raw_fd_ostream>(
      file->fd, /*shouldClose=*/false, /*unbuffered=*/false);
  return file;
}

OutputFile::~OutputFile() {
  if (stream)
    stream->clear_error(); // reported by commit(), or nobody asked
  if (committed || tempPath.empty())
    return;
  stream.reset();
  if (fd >= 0)
    ::close(fd);
  llvm::sys::fs::remove(tempPath);
}

llvm::Error OutputFile::commit() {
  auto failed = [&](std::error_code ec) {
    return llvm::createStringError(ec, "cannot write '%s': %s", path.c_str(),
                                   ec.message().c_str());
  };
  stream->flush();
  if (std::error_code ec = stream->error()) {
    stream->clear_error();
    return failed(ec);
  }
  if (tempPath.empty()) { // stdout
    committed = true;
    return llvm::Error::success();
  }
  stream.reset();
  if (::fsync(fd) != 0)
    return failed(std::error_code(errno, std::generic_category()));
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0)
    return failed(std::error_code(errno, std::generic_category()));
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path))
    return failed(ec);
  committed = true;
  return llvm::Error::success();
}

LogicalResult ohm::splitAndProcessBuffer(
    std::unique_ptr<llvm::MemoryBuffer> buffer,
    const std::function<LogicalResult(std::unique_ptr<llvm::MemoryBuffer>,
                                      llvm::raw_ostream &)> &process,
    llvm::raw_ostream &os, llvm::StringRef separator) {
  llvm::StringRef text = buffer->getBuffer();
  llvm::StringRef name = buffer->getBufferIdentifier();

  // Find separator lines: the separator alone on its line (up to spaces).
  std::vector<llvm::StringRef> chunks;
  std::vector<unsigned> firstLines;
  size_t chunkStart = 0;
  unsigned line = 1, chunkLine = 1;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == llvm::StringRef::npos)
      end = text.size();
    llvm::StringRef lineText = text.slice(pos, end);
    if (lineText.trim() == separator) {
      chunks.push_back(text.slice(chunkStart, pos));
      firstLines.push_back(chunkLine);
      chunkStart = std::min(end + 1, text.size());
      chunkLine = line + 1;
    }
    ++line;
    pos = end + 1;
  }
  chunks.push_back(text.substr(chunkStart));
  firstLines.push_back(chunkLine);

  bool ok = true;
  for (size_t i = 0; i < chunks.size(); ++i) {
    // Padding keeps diagnostics at the line numbers of the whole file.
    std::string padded(firstLines[i] - 1, '\n');
    padded += chunks[i].str();
    auto chunk = llvm::MemoryBuffer::getMemBufferCopy(padded, name);
    if (i)
      os << separator << "\n";
    if (failed(process(std::move(chunk), os)))
      ok = false;
  }
  return success(ok);
}
