//===- Accuracy.h - Top-1 accuracy of a run against labels -----*- C++ -*-===//

#ifndef OHM_LIB_TOOLS_ACCURACY_H
#define OHM_LIB_TOOLS_ACCURACY_H

#include "ohmrt/Runtime.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace ohm {

/// Top-1 agreement of an output with labels.
struct Accuracy {
  int64_t correct = 0, total = 0;
  double getFraction() const {
    return total > 0 ? double(correct) / double(total) : 0;
  }
};

/// The top-1 accuracy of `output` (N rows of class scores: shape [N, C, ...]
/// with the scores of a row contiguous; the first maximum wins) against
/// the integer labels in the .npy file `labelsPath` (N of them). Errors
/// name the file: not integers, or not one label per row.
llvm::Expected<Accuracy> computeAccuracy(const ohmrt::HostTensor &output,
                                         const std::string &labelsPath);

} // namespace ohm

#endif // OHM_LIB_TOOLS_ACCURACY_H
