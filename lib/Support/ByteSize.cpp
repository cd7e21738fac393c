//===- ByteSize.cpp - Reading and printing byte counts --------------------===//

#include "ohm/Support/ByteSize.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;

llvm::Optional<uint64_t> ohm::parseByteSize(llvm::StringRef text) {
  text = text.trim();
  if (text.endswith_insensitive("b"))
    text = text.drop_back();
  double scale = 1;
  if (!text.empty()) {
    switch (llvm::toLower(text.back())) {
    case 'k':
      scale = 1024.0;
      break;
    case 'm':
      scale = 1024.0 * 1024;
      break;
    case 'g':
      scale = 1024.0 * 1024 * 1024;
      break;
    case 't':
      scale = 1024.0 * 1024 * 1024 * 1024;
      break;
    }
    if (scale != 1)
      text = text.drop_back();
  }
  // Digits and a point only: no exponents, signs, "inf" or "nan".
  double value;
  if (text.empty() ||
      text.find_first_not_of("0123456789.") != llvm::StringRef::npos ||
      text.getAsDouble(value) || !(value > 0) || value * scale >= 1.8e19)
    return llvm::None;
  return uint64_t(value * scale);
}

std::string ohm::formatByteSize(uint64_t bytes) {
  static const char *const kUnits[] = {"KiB", "MiB", "GiB",
                                       "TiB", "PiB", "EiB"};
  if (bytes < 1024)
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  double value = double(bytes) / 1024;
  unsigned unit = 0;
  while (value >= 1024 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    value /= 1024;
    ++unit;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  // Whole numbers print without a fraction ("2 GiB"), others with one
  // digit ("1.5 MiB").
  if (value == double(uint64_t(value)))
    os << uint64_t(value);
  else
    os << llvm::format("%.1f", value);
  os << ' ' << kUnits[unit];
  return os.str();
}
