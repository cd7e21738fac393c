//===- ProgramBuilder.h - Hand-built programs for runtime tests -*- C++ -*-===//
//
// A small builder for .ohmx programs (buffers laid out one after the other,
// arrays, constants, ports) and helpers that pack and unpack host tensors,
// shared by the executor and validator unit tests.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_TEST_UNIT_RUNTIME_PROGRAMBUILDER_H
#define OHM_TEST_UNIT_RUNTIME_PROGRAMBUILDER_H

#include "ohmrt/Runtime.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ohmrt_test {

namespace program = ohm::program;
using ohmrt::HostTensor;

inline int64_t countOf(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

/// Packs integers into a tensor of an integer dtype (little endian,
/// truncated to the storage width).
inline HostTensor ints(program::DType dtype, std::vector<int64_t> shape,
                       const std::vector<int64_t> &values) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  unsigned bytes = ohmrt::getStorageBytes(dtype);
  t.data.resize(values.size() * bytes);
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(t.data.data() + i * bytes, &values[i], bytes); // little endian
  return t;
}

/// Packs reals into an f32 or f64 tensor.
inline HostTensor reals(program::DType dtype, std::vector<int64_t> shape,
                        const std::vector<double> &values) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  for (double v : values) {
    char bytes[8];
    if (dtype == program::F32) {
      float f = float(v);
      std::memcpy(bytes, &f, 4);
      t.data.insert(t.data.end(), bytes, bytes + 4);
    } else {
      std::memcpy(bytes, &v, 8);
      t.data.insert(t.data.end(), bytes, bytes + 8);
    }
  }
  return t;
}

/// The elements of an integer tensor, sign-extended by its dtype.
inline std::vector<int64_t> toInts(const HostTensor &t) {
  unsigned bytes = ohmrt::getStorageBytes(t.dtype);
  bool isSigned = t.dtype == program::I8 || t.dtype == program::I16 ||
                  t.dtype == program::I32 || t.dtype == program::I64;
  std::vector<int64_t> out;
  for (size_t i = 0; i + bytes <= t.data.size(); i += bytes) {
    uint64_t raw = 0;
    std::memcpy(&raw, t.data.data() + i, bytes);
    if (isSigned && bytes < 8 && (raw >> (bytes * 8 - 1)) & 1)
      raw |= ~uint64_t(0) << (bytes * 8);
    out.push_back(int64_t(raw));
  }
  return out;
}

/// The elements of an f32 or f64 tensor.
inline std::vector<double> toReals(const HostTensor &t) {
  std::vector<double> out;
  if (t.dtype == program::F32) {
    for (size_t i = 0; i + 4 <= t.data.size(); i += 4) {
      float f;
      std::memcpy(&f, t.data.data() + i, 4);
      out.push_back(f);
    }
  } else {
    for (size_t i = 0; i + 8 <= t.data.size(); i += 8) {
      double d;
      std::memcpy(&d, t.data.data() + i, 8);
      out.push_back(d);
    }
  }
  return out;
}

/// Builds a program: every buffer gets the next 8-byte aligned offset of
/// its memory, and the memory sizes grow to fit.
class ProgramBuilder {
public:
  ProgramBuilder() {
    p.set_version(ohmrt::kProgramVersion);
    p.set_model("test");
    program::TargetInfo &t = *p.mutable_target();
    t.set_name("test");
    t.set_rows(256);
    t.set_cols(256);
    t.set_cell_bits(8);
    t.set_max_active_rows(256);
    t.set_dac_bits(1);
    t.set_adc_bits(8);
    t.set_cols_per_adc(8);
    t.set_arrays_per_core(1024);
    t.set_cores(4);
  }

  /// A buffer of `dims` (per inference if batched); returns its id.
  uint32_t buffer(program::DType dtype, std::vector<int64_t> dims,
                  bool batched = true, unsigned bits = 0,
                  program::Space space = program::GLOBAL, uint32_t core = 0) {
    program::Buffer &b = *p.add_buffers();
    b.set_id(nextBuffer++);
    b.mutable_type()->set_dtype(dtype);
    b.mutable_type()->set_bits(bits);
    for (int64_t dim : dims)
      b.add_dims(dim);
    b.set_batched(batched);
    b.set_space(space);
    b.set_core(core);
    uint64_t size = uint64_t(countOf(dims)) * ohmrt::getStorageBytes(dtype);
    uint64_t &end = space == program::GLOBAL ? globalEnd : scratchpadEnd;
    b.set_offset(end);
    b.set_size(size);
    end = (end + size + 7) / 8 * 8;
    p.set_global_bytes(globalEnd);
    p.set_scratchpad_bytes(scratchpadEnd);
    return b.id();
  }
  uint32_t scratchpad(program::DType dtype, std::vector<int64_t> dims,
                      uint32_t core = 0) {
    return buffer(dtype, std::move(dims), /*batched=*/true, /*bits=*/0,
                  program::SCRATCHPAD, core);
  }

  void input(const std::string &name, uint32_t id) {
    program::Port &port = *p.add_inputs();
    port.set_name(name);
    port.set_buffer(id);
  }
  void output(const std::string &name, uint32_t id) {
    program::Port &port = *p.add_outputs();
    port.set_name(name);
    port.set_buffer(id);
  }

  /// A constant of integers packed at the storage width of `dtype`.
  uint32_t constant(program::DType dtype, std::vector<int64_t> dims,
                    const std::vector<int64_t> &values) {
    program::Constant &c = *p.add_constants();
    c.set_id(nextConstant++);
    c.mutable_type()->set_dtype(dtype);
    for (int64_t dim : dims)
      c.add_dims(dim);
    HostTensor packed = ints(dtype, dims, values);
    c.set_data(std::string(packed.data.begin(), packed.data.end()));
    return c.id();
  }

  /// A programmed array of rows x cols levels (row-major).
  uint32_t array(int64_t rows, int64_t cols, int64_t cellBits,
                 const std::vector<uint8_t> &levels, uint32_t core = 0) {
    program::Array &a = *p.add_arrays();
    a.set_id(nextArray++);
    a.set_core(core);
    a.set_rows(rows);
    a.set_cols(cols);
    a.set_cell_bits(cellBits);
    a.set_levels(std::string(levels.begin(), levels.end()));
    return a.id();
  }

  program::Instruction &add() { return *p.add_instructions(); }

  program::Program p;

private:
  uint32_t nextBuffer = 0, nextConstant = 0, nextArray = 0;
  uint64_t globalEnd = 0, scratchpadEnd = 0;
};

/// Fills the window fields of an im2col or pool instruction.
template <typename Op>
void setWindow(Op &op, std::vector<int64_t> kernel,
               std::vector<int64_t> strides, std::vector<int64_t> pads,
               std::vector<int64_t> dilations) {
  for (int64_t v : kernel)
    op.add_kernel(v);
  for (int64_t v : strides)
    op.add_strides(v);
  for (int64_t v : pads)
    op.add_pads(v);
  for (int64_t v : dilations)
    op.add_dilations(v);
}

} // namespace ohmrt_test

#endif // OHM_TEST_UNIT_RUNTIME_PROGRAMBUILDER_H
