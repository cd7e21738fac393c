//===- Interpreter.h - The nn-level reference interpreter -------*- C++ -*-===//
//
// Executes a function of nn ops on concrete tensors, bit-exact to the
// numerics contract of DESIGN.md section 5 (and to ONNX Runtime where the
// contract says "as ONNX Runtime computes it"). It is the golden model that
// the compiled program and the simulator are checked against, and the
// evaluator behind constant folding. Other dialects plug in an evaluator
// for their ops (registerDialectEvaluator): the xb dialect's, with the
// crossbar's arithmetic, lives with that dialect (lib/Xbar/Interp), so this
// library knows only nn. Speed is secondary to clarity.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_INTERP_INTERPRETER_H
#define OHM_INTERP_INTERPRETER_H

#include "ohm/Interp/Tensor.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace ohm {

class Function;
class Operation;

namespace interp {

/// Receives the analog partial sums of crossbar reads before conversion,
/// for ADC calibration (xb-adc-assign's calibrated policy).
class PartialSumObserver {
public:
  virtual ~PartialSumObserver() = default;
  /// One conversion's partial sum of `mvm` (an xb.mvm op).
  virtual void observe(Operation *mvm, int64_t partialSum) = 0;
};

/// Executes one op of a dialect other than nn (see registerDialectEvaluator).
using DialectEvaluator = llvm::Expected<Tensor> (*)(
    Operation *op, llvm::ArrayRef<const Tensor *> operands,
    PartialSumObserver *observer);

/// Makes the interpreter execute the ops of `dialect` with `evaluator`.
/// Registering the same pair again does nothing; registration is
/// process-wide and thread-safe.
void registerDialectEvaluator(llvm::StringRef dialect,
                              DialectEvaluator evaluator);

/// Whether the interpreter knows how to execute ops of this kind (the nn
/// dialect and the registered ones).
bool canEvaluate(const Operation *op);

/// An error naming the op's location and kind, for evaluators.
llvm::Error opError(Operation *op, const llvm::Twine &message);

/// Computes the result of one op from its operand values. Errors name the
/// op's location.
llvm::Expected<Tensor> evaluate(Operation *op,
                                llvm::ArrayRef<const Tensor *> operands,
                                PartialSumObserver *observer = nullptr);

/// Runs `fn` on `inputs` (one per argument, in order) and returns its
/// results. Inputs must have the argument's element type and match its
/// static dimensions. The tensors alive at once (8 bytes per element) may
/// take at most `maxBytes`: an op whose result would pass the limit is an
/// error at that op, checked before the result is allocated when its type
/// is static; the message ends with `limitHint`, which says where the limit
/// comes from and how to raise it.
llvm::Expected<std::vector<Tensor>>
run(Function &fn, std::vector<Tensor> inputs,
    PartialSumObserver *observer = nullptr,
    uint64_t maxBytes = std::numeric_limits<uint64_t>::max(),
    llvm::StringRef limitHint = "raise it with --max-memory");

} // namespace interp
} // namespace ohm

#endif // OHM_INTERP_INTERPRETER_H
