//===- Passes.h - Passes over the xb dialect --------------------*- C++ -*-===//
//
// The crossbar mapping passes, in pipeline order (lib/Pipelines explains
// the order): xb-tile, xb-encode, xb-bitslice, xb-wordline-groups,
// xb-adc-assign, xb-place. docs/Passes.md describes each with a worked
// example.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_XBAR_TRANSFORMS_PASSES_H
#define OHM_XBAR_TRANSFORMS_PASSES_H

#include "ohm/Pass/Pass.h"

#include <memory>

namespace ohm {
namespace xb {

/// `xb-tile{rows cols}`: splits weight matrices into array-sized tiles.
std::unique_ptr<Pass> createTilePass();
/// `xb-encode{encoding sensing layers}`: signed weights to cell sets.
std::unique_ptr<Pass> createEncodePass();
/// `xb-bitslice{cell-bits dac-bits}`: weight slices and input bit-cycles.
std::unique_ptr<Pass> createBitslicePass();
/// `xb-wordline-groups{max-active-rows}`: rows read at once.
std::unique_ptr<Pass> createWordlineGroupsPass();
/// `xb-adc-assign{policy bits layers range calib}`: ADC width, step, offset.
std::unique_ptr<Pass> createAdcAssignPass();
/// `xb-place{arrays-per-core cores duplicate}`: tiles to arrays and cores.
std::unique_ptr<Pass> createPlacePass();

} // namespace xb
} // namespace ohm

#endif // OHM_XBAR_TRANSFORMS_PASSES_H
