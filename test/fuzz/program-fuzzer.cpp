//===- program-fuzzer.cpp - libFuzzer target for the program loader -------===//
//
// Feeds arbitrary bytes to the simulator's program loader (ohmrt::
// parseProgram: protobuf parsing, then full validation). A program that
// validates is disassembled and summarized, and, if it is small enough to
// run quickly, executed on zero-filled inputs, once for a batch of 1 on one
// thread and once for a batch of 2 on two threads (batched buffers scale
// with the batch, which is where bounds are easiest to get wrong). The
// validator promises that the executor can index memory without further
// checks, so any crash, sanitizer report, hang or memory blow-up is a bug:
// a hostile program must be rejected with a message or run.
//
// Byte-level mutations of a program almost always break the protobuf or
// its first validation check, so half of the mutations are structural
// (LLVMFuzzerCustomMutator below): parse, change one field somewhere in the
// message tree -- numbers to boundary values or neighbours, enums to any
// value including unknown ones, an instruction to another opcode, repeated
// fields grown, shrunk, reordered or duplicated -- and serialize again.
//
// Build and run: see docs/Testing.md ("Fuzzing").
//
//===----------------------------------------------------------------------===//

#include "ohmrt/Runtime.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>

namespace program = ohm::program;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

// Limits on what is executed (per inference). Larger programs are only
// parsed, validated and disassembled.
constexpr uint64_t kMaxMemoryBytes = uint64_t(1) << 20;
constexpr int kMaxInstructions = 256;
constexpr double kMaxWork = double(1 << 24); // elementary operations

/// An estimate of the elementary operations one inference executes.
double
estimateWork(const program::Program &p,
             const std::map<uint32_t, const program::Buffer *> &buffers) {
  auto elements = [&](uint32_t id) {
    double count = 1;
    for (int64_t dim : buffers.at(id)->dims())
      count *= double(dim);
    return count;
  };
  double work = 0;
  for (const program::Instruction &inst : p.instructions()) {
    if (inst.has_mvm()) {
      const program::Mvm &op = inst.mvm();
      double cycles =
          double((op.input_bits() + op.dac_bits() - 1) / op.dac_bits());
      // Planning reads every cell; a read multiplies every row by the tile.
      work += double(op.sets()) * double(op.slices()) * double(op.tile_rows()) *
              double(op.tile_cols()) * (1 + double(op.repeat()) * cycles);
    } else if (inst.has_pool()) {
      const program::Pool &op = inst.pool();
      work += elements(op.dst()) * double(op.kernel(0)) * double(op.kernel(1));
    } else if (const auto *field =
                   inst.GetReflection()->GetOneofFieldDescriptor(
                       inst, inst.GetDescriptor()->FindOneofByName("op"))) {
      // Everything else is linear in its destination (times its sources,
      // for the kinds that take a list).
      const auto &m = inst.GetReflection()->GetMessage(inst, field);
      const auto *dst = m.GetDescriptor()->FindFieldByName("dst");
      const auto *srcs = m.GetDescriptor()->FindFieldByName("srcs");
      if (dst)
        work += elements(m.GetReflection()->GetUInt32(m, dst)) *
                (1 + (srcs ? m.GetReflection()->FieldSize(m, srcs) : 0));
    }
  }
  return work;
}

bool isSmall(const program::Program &p) {
  if (p.instructions_size() > kMaxInstructions)
    return false;
  std::map<uint32_t, const program::Buffer *> buffers;
  std::set<uint32_t> cores;
  for (const program::Buffer &b : p.buffers()) {
    buffers[b.id()] = &b;
    if (b.space() == program::SCRATCHPAD)
      cores.insert(b.core());
  }
  // The executor allocates the global buffer and one scratchpad per core
  // that a buffer uses.
  double memory = double(p.global_bytes()) +
                  double(p.scratchpad_bytes()) * double(cores.size());
  return memory <= double(kMaxMemoryBytes) &&
         estimateWork(p, buffers) <= kMaxWork;
}

/// Zero-filled inputs for a batch of `batch`.
std::vector<ohmrt::HostTensor> zeroInputs(const program::Program &p,
                                          int64_t batch) {
  std::vector<ohmrt::HostTensor> inputs;
  for (const program::Port &port : p.inputs()) {
    for (const program::Buffer &b : p.buffers()) {
      if (b.id() != port.buffer())
        continue;
      ohmrt::HostTensor tensor;
      tensor.dtype = b.type().dtype();
      tensor.shape.assign(b.dims().begin(), b.dims().end());
      tensor.shape[0] *= batch;
      tensor.data.assign(size_t(tensor.getNumElements()) *
                             ohmrt::getStorageBytes(tensor.dtype),
                         0);
      inputs.push_back(std::move(tensor));
      break;
    }
  }
  return inputs;
}

//===----------------------------------------------------------------------===//
// Structural mutations
//===----------------------------------------------------------------------===//

using Random = std::minstd_rand;

int64_t pick(Random &rng, int64_t n) { return int64_t(rng() % uint64_t(n)); }

/// A new value for an integer field: a boundary, a neighbour, a power of
/// two or a small number (wrapping, as the field's type will).
int64_t mutateInt(Random &rng, int64_t value) {
  switch (pick(rng, 8)) {
  case 0:
    return int64_t(uint64_t(value) + 1);
  case 1:
    return int64_t(uint64_t(value) - 1);
  case 2:
    return pick(rng, 17);
  case 3:
    return -pick(rng, 3);
  case 4:
    return int64_t((uint64_t(1) << pick(rng, 64)) - uint64_t(pick(rng, 2)));
  case 5:
    return int64_t(uint64_t(value) * 2);
  case 6:
    return pick(rng, 2) ? std::numeric_limits<int64_t>::max()
                        : std::numeric_limits<int64_t>::min();
  default:
    return value / 2;
  }
}

double mutateReal(Random &rng, double value) {
  const double inf = std::numeric_limits<double>::infinity();
  const double choices[] = {0.0, 1.0, -1.0, 0.5, 1e-30, 1e30, 3e38, inf, NAN};
  return pick(rng, 3) ? choices[pick(rng, 9)] : value * 2;
}

/// Sets a scalar field (element `index` if repeated) to a mutated value.
void mutateScalar(Message &m, const FieldDescriptor *f, int index,
                  Random &rng) {
  const Reflection &r = *m.GetReflection();
  bool rep = f->is_repeated();
  switch (f->cpp_type()) {
  case FieldDescriptor::CPPTYPE_INT32:
  case FieldDescriptor::CPPTYPE_UINT32:
  case FieldDescriptor::CPPTYPE_INT64:
  case FieldDescriptor::CPPTYPE_UINT64: {
    int64_t old = 0;
    switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      old = rep ? r.GetRepeatedInt32(m, f, index) : r.GetInt32(m, f);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      old = rep ? r.GetRepeatedUInt32(m, f, index) : r.GetUInt32(m, f);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      old = rep ? r.GetRepeatedInt64(m, f, index) : r.GetInt64(m, f);
      break;
    default:
      old = int64_t(rep ? r.GetRepeatedUInt64(m, f, index) : r.GetUInt64(m, f));
    }
    int64_t v = mutateInt(rng, old);
    switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      rep ? r.SetRepeatedInt32(&m, f, index, int32_t(v))
          : r.SetInt32(&m, f, int32_t(v));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      rep ? r.SetRepeatedUInt32(&m, f, index, uint32_t(v))
          : r.SetUInt32(&m, f, uint32_t(v));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      rep ? r.SetRepeatedInt64(&m, f, index, v) : r.SetInt64(&m, f, v);
      break;
    default:
      rep ? r.SetRepeatedUInt64(&m, f, index, uint64_t(v))
          : r.SetUInt64(&m, f, uint64_t(v));
    }
    return;
  }
  case FieldDescriptor::CPPTYPE_FLOAT: {
    double v = mutateReal(rng, rep ? r.GetRepeatedFloat(m, f, index)
                                   : r.GetFloat(m, f));
    rep ? r.SetRepeatedFloat(&m, f, index, float(v))
        : r.SetFloat(&m, f, float(v));
    return;
  }
  case FieldDescriptor::CPPTYPE_DOUBLE: {
    double v = mutateReal(rng, rep ? r.GetRepeatedDouble(m, f, index)
                                   : r.GetDouble(m, f));
    rep ? r.SetRepeatedDouble(&m, f, index, v) : r.SetDouble(&m, f, v);
    return;
  }
  case FieldDescriptor::CPPTYPE_BOOL:
    rep ? r.SetRepeatedBool(&m, f, index, !r.GetRepeatedBool(m, f, index))
        : r.SetBool(&m, f, !r.GetBool(m, f));
    return;
  case FieldDescriptor::CPPTYPE_ENUM: {
    // Known values and a few unknown ones (proto3 keeps them).
    int v = int(pick(rng, f->enum_type()->value_count() + 2)) - 1;
    rep ? r.SetRepeatedEnumValue(&m, f, index, v) : r.SetEnumValue(&m, f, v);
    return;
  }
  case FieldDescriptor::CPPTYPE_STRING: {
    std::string v = rep ? r.GetRepeatedString(m, f, index) : r.GetString(m, f);
    if (v.empty() || pick(rng, 2))
      v.push_back(char(pick(rng, 256)));
    else if (pick(rng, 2))
      v.pop_back();
    else
      v[size_t(pick(rng, int64_t(v.size())))] = char(pick(rng, 256));
    if (f->type() == FieldDescriptor::TYPE_STRING && pick(rng, 2))
      v = pick(rng, 2) ? "x" : ""; // valid UTF-8, so the program still parses
    rep ? r.SetRepeatedString(&m, f, index, v) : r.SetString(&m, f, v);
    return;
  }
  case FieldDescriptor::CPPTYPE_MESSAGE:
    return;
  }
}

/// Every (message, field) of the tree under `m`.
void collectFields(
    Message &m,
    std::vector<std::pair<Message *, const FieldDescriptor *>> &out) {
  const Reflection &r = *m.GetReflection();
  const auto *d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor *f = d->field(i);
    out.emplace_back(&m, f);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)
      continue;
    if (f->is_repeated()) {
      for (int j = 0, e = r.FieldSize(m, f); j < e; ++j)
        collectFields(*r.MutableRepeatedMessage(&m, f, j), out);
    } else if (r.HasField(m, f)) {
      collectFields(*r.MutableMessage(&m, f), out);
    }
  }
}

/// Changes one field somewhere in `program`.
void mutateProgram(program::Program &program, Random &rng) {
  std::vector<std::pair<Message *, const FieldDescriptor *>> fields;
  collectFields(program, fields);
  auto [m, f] = fields[size_t(pick(rng, int64_t(fields.size())))];
  const Reflection &r = *m->GetReflection();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!f->is_repeated()) {
      // Setting an unset instruction kind switches the opcode.
      if (r.HasField(*m, f))
        r.ClearField(m, f);
      else
        r.MutableMessage(m, f);
      return;
    }
    int size = r.FieldSize(*m, f);
    int64_t action = size ? pick(rng, 4) : 0;
    if (action == 0) { // append a copy of an element, or an empty one
      Message *added = r.AddMessage(m, f);
      if (size)
        added->CopyFrom(r.GetRepeatedMessage(*m, f, int(pick(rng, size))));
    } else if (action == 1) {
      r.SwapElements(m, f, int(pick(rng, size)), size - 1);
      r.RemoveLast(m, f);
    } else {
      r.SwapElements(m, f, int(pick(rng, size)), int(pick(rng, size)));
    }
    return;
  }
  if (!f->is_repeated())
    return mutateScalar(*m, f, 0, rng);
  int size = r.FieldSize(*m, f);
  int64_t action = size ? pick(rng, 4) : 0;
  if (action == 0) { // append, then give the new element a value
    switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      r.AddInt32(m, f, 1);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      r.AddUInt32(m, f, 1);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      r.AddInt64(m, f, 1);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      r.AddUInt64(m, f, 1);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      r.AddFloat(m, f, 1);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      r.AddDouble(m, f, 1);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      r.AddBool(m, f, true);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      r.AddEnumValue(m, f, 0);
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      r.AddString(m, f, "x");
      break;
    default:
      return;
    }
    mutateScalar(*m, f, size, rng);
  } else if (action == 1) {
    r.RemoveLast(m, f);
  } else {
    mutateScalar(*m, f, int(pick(rng, size)), rng);
  }
}

} // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  Random rng(seed);
  program::Program p;
  if (pick(rng, 2) || !p.ParseFromArray(data, int(size)))
    return LLVMFuzzerMutate(data, size, maxSize);
  for (int64_t i = 0, n = 1 + pick(rng, 3); i < n; ++i)
    mutateProgram(p, rng);
  std::string bytes = p.SerializeAsString();
  if (bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Invalid UTF-8 in a string field makes protobuf log an error: expected.
  static auto *previous = google::protobuf::SetLogHandler(nullptr);
  (void)previous;
  program::Program p;
  std::string error;
  // Inputs are programs without their checksum (the seeds keep theirs:
  // a second one at the end changes nothing): sealing them lets every
  // mutation reach the parser and the validator.
  std::string bytes(reinterpret_cast<const char *>(data), size);
  ohmrt::appendChecksum(bytes);
  if (!ohmrt::parseProgram(bytes, "fuzz.ohmx", p, error))
    return 0;
  (void)ohmrt::disassemble(p);
  (void)ohmrt::summarizeLayers(p);
  if (!isSmall(p))
    return 0;

  ohmrt::Executor executor(p);
  for (int64_t batch : {1, 2}) {
    std::vector<ohmrt::HostTensor> outputs;
    ohmrt::RunOptions options;
    options.threads = unsigned(batch);
    ohmrt::RunStats stats;
    // A run may fail with a message (an input code the program did not
    // expect); it must not crash.
    (void)executor.run(zeroInputs(p, batch), outputs, error, options, &stats);
  }
  return 0;
}
