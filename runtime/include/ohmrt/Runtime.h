//===- Runtime.h - Loading and running ohm programs -------------*- C++ -*-===//
//
// The simulator runtime: loads a program (.ohmx), validates it completely,
// and executes it for a batch of inputs, in memory-bounded chunks. A
// crossbar read whose ADCs cannot lose information is one exact integer
// product (oneDNN); a read with narrow ADCs is computed conversion by
// conversion, skipping what the input alone decides (docs/Simulator.md).
// docs/ISA.md describes the machine.
//
// This library depends on the program format, oneDNN, Eigen and the
// standard library only: never on the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_RUNTIME_H
#define OHMRT_RUNTIME_H

#include "ohmrt/Counts.h"
#include "program.pb.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ohmrt {

namespace program = ohm::program;

/// The program format version this runtime reads and the compiler writes.
/// Version 2 added the checksum.
constexpr uint32_t kProgramVersion = 2;

/// Bytes per element of a dtype's storage (0 if invalid).
unsigned getStorageBytes(program::DType dtype);
/// "u8", "f32", ... for messages.
const char *getDTypeName(program::DType dtype);

/// A dense tensor in host memory, little endian, in the storage of `dtype`.
struct HostTensor {
  program::DType dtype = program::F32;
  std::vector<int64_t> shape;
  std::vector<char> data;
  int64_t getNumElements() const;
};

/// Appends the checksum field to a serialized program: field `checksum`
/// (fixed32, the file's last 5 bytes) holding zlib's CRC-32 of `bytes`.
void appendChecksum(std::string &bytes);

/// Serializes `program` and appends its checksum: the bytes of a .ohmx
/// file. False if the program is over protobuf's 2 GiB.
bool serializeProgram(const program::Program &program, std::string &bytes);

/// Checks the checksum, then parses and validates a program. On failure
/// returns false and sets `error` (prefixed with `name`).
bool parseProgram(const std::string &bytes, const std::string &name,
                  program::Program &program, std::string &error);
bool loadProgram(const std::string &path, program::Program &program,
                 std::string &error);
/// Checks everything an executor relies on: versions, ids, bounds, shapes.
bool validateProgram(const program::Program &program, std::string &error);

/// The levels of an array, one byte per cell, row-major (unpacked when
/// the program packs them, Array.level_bits). The array must be valid.
std::vector<uint8_t> getArrayLevels(const program::Array &array);
/// Packs one byte per cell at `bits` bits per cell (1 to 8), least
/// significant bits first, as Array.levels with level_bits = bits.
std::string packArrayLevels(const std::vector<uint8_t> &levels, unsigned bits);

/// The file name (without ".npy") an output is written to: its name with
/// '/', '\\', ':' and control characters replaced by '_' ("." and ".."
/// become "_." and "_..").
std::string getOutputFileStem(const std::string &name);

/// An instruction's opcode as the text format spells it ("mvm", "im2col").
const std::string &getOpcodeName(const program::Instruction &inst);

/// The program as text (the same text `ohmc --emit=asm` prints).
std::string disassemble(const program::Program &program);

/// What a program's crossbar layers do per inference (from the program
/// alone): arrays, reads, ADC widths, conversions and read cycles.
struct LayerSummary {
  std::string layer;
  int64_t arrays = 0;
  int64_t reads = 0;                      // mvm instructions
  int64_t minAdcBits = 0, maxAdcBits = 0; // 0: ideal conversions
  int64_t conversions = 0; // ADC conversions (sense operations for 2T2R)
  int64_t readCycles = 0;  // array reads (row x input cycle x slice x group)
};
std::vector<LayerSummary> summarizeLayers(const program::Program &program);

/// The shape of a program's read, and what one of its rows costs
/// (ohmrt/Counts.h: the formula the mapping report shares).
ReadShape getReadShape(const program::Mvm &op);
MvmCounts countMvm(const program::Mvm &op);

/// The memory this process may use: physical memory, lowered by
/// RLIMIT_AS / RLIMIT_DATA and a cgroup v2 limit when they are set.
uint64_t getMemoryLimit();

struct RunOptions {
  unsigned threads = 1;
  /// Bytes the executor may use for its arenas, plans and scratch; the
  /// batch runs in chunks that fit (never more than getMemoryLimit()).
  uint64_t maxMemory = uint64_t(2) << 30;
  /// Inferences per chunk (0: as many as fill about 32 MiB of arenas per
  /// thread, within the budget).
  int64_t chunk = 0;
  /// Called after each chunk with (inferences done, batch).
  std::function<void(int64_t, int64_t)> progress;
  /// Time every instruction (RunStats::profile).
  bool profile = false;
};

/// What one run did, for the summary and the cost model.
struct RunStats {
  int64_t batch = 0;
  int64_t chunk = 0; // inferences per chunk
  int64_t lanes = 0; // chunks run at the same time
  int64_t mvmInstructions = 0;
  int64_t conversions = 0; // ADC conversions (or sense operations)
  int64_t readCycles = 0; // crossbar read cycles (per row, cycle, slice, group)
  int64_t exactProducts = 0;  // reads computed as one exact product
  int64_t slicedProducts = 0; // reads computed conversion by conversion
  int64_t fusedProducts = 0;  // exact reads computed within a fused product
  int64_t exactRows = 0;      // rows of unfused exact reads
  // Sliced reads, per (row, input cycle, word-line group): every code
  // known from the digit sum, summed in an exact product, or converted.
  int64_t knownEntries = 0, exactEntries = 0, slowEntries = 0;
  double runSeconds = 0;
  /// Per instruction (mvm only, else 0), over the batch: the (input row,
  /// input cycle, tile row) whose digit is non-zero, when the executor
  /// counts activity; empty otherwise.
  std::vector<int64_t> drivenDigits;
  /// Seconds and executions per instruction kind ("mvm", "im2col", ...),
  /// when RunOptions::profile is set.
  std::map<std::string, std::pair<double, int64_t>> profile;
};

struct DeviceRun; // ohmrt/Device.h

class Executor {
public:
  /// `program` must have been validated and must outlive the executor.
  /// With `countActivity`, every crossbar read runs on its own (no fused
  /// products) and counts the non-zero input digits it drives
  /// (RunStats::drivenDigits) for the cost model; the outputs are the same.
  /// With `device`, crossbar reads run on a device instance
  /// (docs/Device.md); it is used while constructing only.
  explicit Executor(const program::Program &program, bool countActivity = false,
                    const DeviceRun *device = nullptr);
  ~Executor();

  /// Runs one batch: inputs in the order of the program's input ports,
  /// each with the port's dtype and shape (the first dimension may be a
  /// multiple N of the compiled one: the batch). Outputs come back in port
  /// order. On failure returns false and sets `error`.
  bool run(const std::vector<HostTensor> &inputs,
           std::vector<HostTensor> &outputs, std::string &error,
           const RunOptions &options = {}, RunStats *stats = nullptr);

  /// Seconds the constructor spent planning crossbar reads.
  double getPlanSeconds() const;
  /// Bytes held by the plans.
  size_t getPlanBytes() const;
  /// Arena bytes one inference of a chunk needs.
  uint64_t getBytesPerInference() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace ohmrt

#endif // OHMRT_RUNTIME_H
