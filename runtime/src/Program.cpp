//===- Program.cpp - Loading programs and summarizing them ----------------===//
//
// Reading a program file (validated by Validator.cpp before anything uses
// it), the storage of dtypes and packed array levels, and the per-read
// counts the summary, the executor and the cost model share.
//
//===----------------------------------------------------------------------===//

#include "Operands.h"
#include "ohmrt/Npy.h"
#include "ohmrt/Runtime.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <zlib.h>

using namespace ohmrt;

unsigned ohmrt::getStorageBytes(program::DType dtype) {
  switch (dtype) {
  case program::U8:
  case program::I8:
  case program::BOOL:
    return 1;
  case program::U16:
  case program::I16:
  case program::F16:
    return 2;
  case program::U32:
  case program::I32:
  case program::F32:
    return 4;
  case program::U64:
  case program::I64:
  case program::F64:
    return 8;
  default:
    return 0;
  }
}

const char *ohmrt::getDTypeName(program::DType dtype) {
  switch (dtype) {
  case program::U8:
    return "u8";
  case program::I8:
    return "i8";
  case program::U16:
    return "u16";
  case program::I16:
    return "i16";
  case program::U32:
    return "u32";
  case program::I32:
    return "i32";
  case program::U64:
    return "u64";
  case program::I64:
    return "i64";
  case program::F16:
    return "f16";
  case program::F32:
    return "f32";
  case program::F64:
    return "f64";
  case program::BOOL:
    return "bool";
  default:
    return "?";
  }
}

int64_t HostTensor::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

/// The checksum field's tag: field 15, wire type 5 (fixed32).
constexpr unsigned char kChecksumTag = (15 << 3) | 5;
constexpr size_t kChecksumFieldBytes = 5;

static uint32_t getCrc32(const char *data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB per call (uInt).
  while (size > 0) {
    uInt chunk = uInt(std::min<size_t>(size, size_t(1) << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef *>(data), chunk);
    data += chunk;
    size -= chunk;
  }
  return uint32_t(crc);
}

void ohmrt::appendChecksum(std::string &bytes) {
  uint32_t crc = getCrc32(bytes.data(), bytes.size());
  bytes.push_back(char(kChecksumTag));
  for (unsigned i = 0; i < 4; ++i)
    bytes.push_back(char((crc >> (8 * i)) & 0xff));
}

bool ohmrt::serializeProgram(const program::Program &program,
                             std::string &bytes) {
  program::Program copy;
  const program::Program *message = &program;
  if (program.checksum() != 0) { // proto3: 0 is not serialized
    copy = program;
    copy.clear_checksum();
    message = &copy;
  }
  if (message->ByteSizeLong() > size_t(INT32_MAX) - kChecksumFieldBytes ||
      !message->SerializeToString(&bytes))
    return false;
  appendChecksum(bytes);
  return true;
}

/// Whether `bytes` end in the checksum of what precedes them; sets `error`.
static bool checkChecksum(const std::string &bytes, const std::string &name,
                          std::string &error) {
  size_t n = bytes.size();
  if (n < kChecksumFieldBytes ||
      (unsigned char)bytes[n - kChecksumFieldBytes] != kChecksumTag) {
    error = name + ": not a valid ohm program: it does not end in a checksum "
                   "(the file is empty, truncated or not an ohm program, or "
                   "was written by an older ohmc: compile the model again)";
    return false;
  }
  uint32_t stored = 0;
  for (unsigned i = 0; i < 4; ++i)
    stored |= uint32_t((unsigned char)bytes[n - 4 + i]) << (8 * i);
  if (stored != getCrc32(bytes.data(), n - kChecksumFieldBytes)) {
    error = name + ": the program is corrupt: its checksum does not match "
                   "its contents (the file changed after ohmc wrote it)";
    return false;
  }
  return true;
}

bool ohmrt::parseProgram(const std::string &bytes, const std::string &name,
                         program::Program &program, std::string &error) {
  if (!checkChecksum(bytes, name, error))
    return false;
  if (bytes.size() > size_t(INT32_MAX) ||
      !program.ParseFromArray(bytes.data(), int(bytes.size()))) {
    error = name + ": not a valid ohm program (the protobuf does not parse; "
                   "the file may be truncated or corrupt)";
    return false;
  }
  std::string problem;
  if (!validateProgram(program, problem)) {
    error = name + ": " + problem;
    return false;
  }
  return true;
}

std::string ohmrt::getOutputFileStem(const std::string &name) {
  std::string stem = name;
  for (char &c : stem)
    if (c == '/' || c == '\\' || c == ':' || (unsigned char)c < 0x20)
      c = '_';
  if (stem == "." || stem == "..")
    stem = "_" + stem;
  return stem;
}

bool ohmrt::loadProgram(const std::string &path, program::Program &program,
                        std::string &error) {
  std::string bytes;
  return readWholeFile(path, bytes, error) &&
         parseProgram(bytes, path, program, error);
}

//===----------------------------------------------------------------------===//
// Summary
//===----------------------------------------------------------------------===//

std::vector<uint8_t> ohmrt::getArrayLevels(const program::Array &array) {
  size_t cells = size_t(array.rows() * array.cols());
  const std::string &bytes = array.levels();
  unsigned bits = array.level_bits() == 0 ? 8 : array.level_bits();
  if (bits == 8)
    return std::vector<uint8_t>(bytes.begin(), bytes.begin() + cells);
  std::vector<uint8_t> levels(cells);
  unsigned mask = (1u << bits) - 1;
  for (size_t i = 0; i < cells; ++i) {
    size_t bit = i * bits;
    // A level spans at most two bytes.
    unsigned word = uint8_t(bytes[bit / 8]);
    if (bit / 8 + 1 < bytes.size())
      word |= unsigned(uint8_t(bytes[bit / 8 + 1])) << 8;
    levels[i] = uint8_t((word >> (bit % 8)) & mask);
  }
  return levels;
}

std::string ohmrt::packArrayLevels(const std::vector<uint8_t> &levels,
                                   unsigned bits) {
  if (bits >= 8)
    return std::string(levels.begin(), levels.end());
  std::string bytes((levels.size() * bits + 7) / 8, '\0');
  // Whole levels per byte (8, 4 or 2 of them), unrolled.
  auto whole = [&](auto bitsTag) {
    constexpr unsigned kBits = decltype(bitsTag)::value;
    constexpr unsigned kPerByte = 8 / kBits, kMask = (1u << kBits) - 1;
    size_t full = levels.size() / kPerByte;
    for (size_t b = 0; b < full; ++b) {
      unsigned byte = 0;
      for (unsigned j = 0; j < kPerByte; ++j)
        byte |= (levels[b * kPerByte + j] & kMask) << (j * kBits);
      bytes[b] = char(byte);
    }
    unsigned byte = 0;
    for (size_t i = full * kPerByte; i < levels.size(); ++i)
      byte |= (levels[i] & kMask) << ((i - full * kPerByte) * kBits);
    if (full < bytes.size())
      bytes[full] = char(byte);
  };
  if (bits == 1 || bits == 2 || bits == 4) {
    if (bits == 1)
      whole(std::integral_constant<unsigned, 1>());
    else if (bits == 2)
      whole(std::integral_constant<unsigned, 2>());
    else
      whole(std::integral_constant<unsigned, 4>());
    return bytes;
  }
  for (size_t i = 0; i < levels.size(); ++i) {
    size_t bit = i * bits;
    unsigned word = unsigned(levels[i] & ((1u << bits) - 1)) << (bit % 8);
    bytes[bit / 8] = char(uint8_t(bytes[bit / 8]) | uint8_t(word));
    if (word >> 8)
      bytes[bit / 8 + 1] =
          char(uint8_t(bytes[bit / 8 + 1]) | uint8_t(word >> 8));
  }
  return bytes;
}

ReadShape ohmrt::getReadShape(const program::Mvm &op) {
  ReadShape shape;
  shape.tileRows = op.tile_rows();
  shape.tileCols = op.tile_cols();
  shape.inputBits = op.input_bits();
  shape.dacBits = op.dac_bits();
  shape.slices = op.slices();
  shape.activeRows = op.active_rows();
  shape.sets = op.sets();
  shape.analogSensing = op.analog_sensing();
  shape.senseAmp =
      op.encoding() == program::BINARY || op.encoding() == program::TERNARY;
  return shape;
}

MvmCounts ohmrt::countMvm(const program::Mvm &op) {
  return countRead(getReadShape(op));
}

std::vector<LayerSummary>
ohmrt::summarizeLayers(const program::Program &program) {
  std::vector<LayerSummary> layers;
  std::map<std::string, size_t> index;
  for (const auto &inst : program.instructions()) {
    if (inst.op_case() != program::Instruction::kMvm)
      continue;
    const program::Mvm &op = inst.mvm();
    auto it = index.find(op.layer());
    if (it == index.end()) {
      it = index.emplace(op.layer(), layers.size()).first;
      layers.emplace_back();
      layers.back().layer = op.layer();
      layers.back().minAdcBits = op.adc_bits();
      layers.back().maxAdcBits = op.adc_bits();
    }
    LayerSummary &l = layers[it->second];
    MvmCounts counts = countMvm(op);
    l.arrays += op.arrays_size();
    l.reads += 1;
    l.minAdcBits = std::min(l.minAdcBits, op.adc_bits());
    l.maxAdcBits = std::max(l.maxAdcBits, op.adc_bits());
    l.readCycles += counts.readCycles * op.repeat();
    l.conversions += counts.conversions * op.repeat();
  }
  return layers;
}
