//===- Backend.h - From mapped xb IR to a program ---------------*- C++ -*-===//
//
// The backend schedules a mapped function (the output of the xb pipeline)
// onto the machine of docs/ISA.md and emits the program (.ohmx):
//
//   1. specializes the function to one inference (a dynamic batch
//      dimension becomes 1; every other dimension must be static),
//   2. gives every tensor a buffer: rows and partial sums in the
//      scratchpad of the core that reads them, the rest in the global
//      buffer; tensors that depend on an input are batched,
//   3. allocates memory with lifetime reuse (first fit over the program
//      order, separately for the global buffer and each scratchpad),
//   4. emits one instruction per op (an xb.mvm reads its tile for all
//      output pixels at once) and the programmed levels of every array,
//   5. checks the result with the runtime's own validator.
//
// docs/Backend.md describes the schedule and the memory layout.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_BACKEND_BACKEND_H
#define OHM_BACKEND_BACKEND_H

#include "ohm/Support/LogicalResult.h"
#include "ohm/Target/Target.h"

#include <string>

namespace ohm {
namespace program {
class Program;
} // namespace program

class Function;
class Operation;

namespace backend {

/// Emits `fn` (mapped xb IR) as a program for `target`. Rewrites the
/// function's types to their one-inference shapes. Errors are reported on
/// the ops they concern through the context's diagnostics.
/// Whether every product of `fn` was mapped to crossbar reads: a float
/// product (nn.conv, nn.matmul, nn.gemm, nn.batchnorm: the model is not
/// quantized there) or a quantized one left unmapped (weights that are not
/// constant) is an error at the op. ohmc checks it before writing xb IR or
/// a program.
LogicalResult verifyProductsMapped(Function &fn);

/// The check of verifyProductsMapped for one op.
LogicalResult verifyProductMapped(Operation &op);

LogicalResult emitProgram(Function &fn, const target::Target &target,
                          const std::string &modelName,
                          program::Program &program);

} // namespace backend
} // namespace ohm

#endif // OHM_BACKEND_BACKEND_H
