//===- Passes.h - Dialect-independent passes --------------------*- C++ -*-===//
//
// Passes that only rely on op traits, so they work on every dialect.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_TRANSFORMS_PASSES_H
#define OHM_TRANSFORMS_PASSES_H

#include "ohm/Pass/Pass.h"

#include <memory>

namespace ohm {

/// `dce`: erases Pure ops whose results are all unused.
std::unique_ptr<Pass> createDCEPass();

} // namespace ohm

#endif // OHM_TRANSFORMS_PASSES_H
