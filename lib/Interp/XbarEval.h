//===- XbarEval.h - Executing the xb dialect --------------------*- C++ -*-===//
//
// Private to lib/Interp: the xb half of interp::evaluate.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_INTERP_XBAREVAL_H
#define OHM_LIB_INTERP_XBAREVAL_H

#include "ohm/Interp/Interpreter.h"

namespace ohm {
namespace interp {

llvm::Expected<Tensor> evaluateXbar(Operation *op,
                                    llvm::ArrayRef<const Tensor *> args,
                                    PartialSumObserver *observer);

} // namespace interp
} // namespace ohm

#endif // OHM_LIB_INTERP_XBAREVAL_H
