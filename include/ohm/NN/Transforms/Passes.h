//===- Passes.h - Passes over the nn dialect --------------------*- C++ -*-===//

#ifndef OHM_NN_TRANSFORMS_PASSES_H
#define OHM_NN_TRANSFORMS_PASSES_H

#include "ohm/Pass/Pass.h"

#include <memory>

namespace ohm {
namespace nn {

/// `constant-fold`: replaces ops whose operands are all constants by an
/// nn.const holding their result.
std::unique_ptr<Pass> createConstantFoldPass();

} // namespace nn
} // namespace ohm

#endif // OHM_NN_TRANSFORMS_PASSES_H
