//===- Passes.h - Passes over the nn dialect --------------------*- C++ -*-===//

#ifndef OHM_NN_TRANSFORMS_PASSES_H
#define OHM_NN_TRANSFORMS_PASSES_H

#include "ohm/Pass/Pass.h"

#include <memory>

namespace ohm {
namespace nn {

/// `constant-fold`: replaces ops whose operands are all constants by an
/// nn.const holding their result (computed by the reference interpreter).
std::unique_ptr<Pass> createConstantFoldPass();

/// `fold-qdq`: DequantizeLinear -> float op -> QuantizeLinear patterns
/// become integer ops: nn.qconv / nn.qmatmul + nn.requantize, nn.qadd,
/// nn.qavgpool + nn.requantize, and integer data movement.
std::unique_ptr<Pass> createFoldQDQPass();

/// `fold-batchnorm`: merges inference batch normalization into the float
/// convolution before it, or turns it into a per-channel multiply-add.
std::unique_ptr<Pass> createFoldBatchNormPass();

/// `infer-bitwidth`: annotates integer accumulates with the effective bit
/// widths of their inputs and weights.
std::unique_ptr<Pass> createInferBitwidthPass();

} // namespace nn
} // namespace ohm

#endif // OHM_NN_TRANSFORMS_PASSES_H
