//===- NNToXbar.h - Lowering integer accumulates to crossbars ---*- C++ -*-===//

#ifndef OHM_CONVERSION_NNTOXBAR_NNTOXBAR_H
#define OHM_CONVERSION_NNTOXBAR_NNTOXBAR_H

#include "ohm/Pass/Pass.h"

#include <memory>

namespace ohm {

/// `nn-to-xb`: nn.qconv / nn.qmatmul with constant weights become input
/// rows (xb.im2col / xb.rows), one xb.mvm over the whole weight matrix per
/// group, xb.bias (bias and zero-point corrections) and xb.unrows.
std::unique_ptr<Pass> createNNToXbarPass();

} // namespace ohm

#endif // OHM_CONVERSION_NNTOXBAR_NNTOXBAR_H
