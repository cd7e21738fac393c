//===- XbarInterp.h - Interpreting the xb dialect ---------------*- C++ -*-===//
//
// The reference interpreter (ohm/Interp) knows only the nn dialect; this
// plugs in the xb dialect's evaluator, which executes crossbar ops with the
// crossbar's arithmetic (bit-serial inputs, bit slices, word-line groups,
// ADC) so every crossbar pass can be checked numerically.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_XBAR_XBARINTERP_H
#define OHM_XBAR_XBARINTERP_H

namespace ohm {
namespace xb {

/// Registers the xb evaluator with the interpreter (idempotent).
/// registerAllDialects calls it.
void registerXbarEvaluator();

} // namespace xb
} // namespace ohm

#endif // OHM_XBAR_XBARINTERP_H
