//===- Operands.h - What each instruction reads and writes ------*- C++ -*-===//

#ifndef OHMRT_OPERANDS_H
#define OHMRT_OPERANDS_H

#include "ohmrt/Runtime.h"

#include <cstdint>
#include <vector>

namespace ohmrt {
namespace detail {

/// The buffers an instruction reads and writes (constants and arrays are
/// not buffers).
void getOperands(const program::Instruction &inst, std::vector<uint32_t> &reads,
                 std::vector<uint32_t> &writes);

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_OPERANDS_H
