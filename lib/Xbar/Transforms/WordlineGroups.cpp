//===- WordlineGroups.cpp - Rows read at once -----------------------------===//
//
// A macro can drive at most A word lines at once, so a tile of R rows is
// read in ceil(R / A) groups, each converted separately (DESIGN.md
// section 5: P sums over one group). Fewer active rows mean smaller partial
// sums, hence narrower lossless ADCs, at the price of more reads.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Xbar/Transforms/Passes.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/Statistic.h"

#define DEBUG_TYPE "xb-wordline-groups"

STATISTIC(NumGrouped, "Reads split into word-line groups");

using namespace ohm;
using namespace ohm::xb;

namespace {
class WordlineGroupsPass : public FunctionPass {
public:
  WordlineGroupsPass()
      : FunctionPass("xb-wordline-groups",
                     "Read tiles in groups of at most max-active-rows rows") {}

  PassOption<int64_t> maxActiveRows{
      *this, "max-active-rows", "Word lines driven at once", 128, {1, 1 << 16}};

  LogicalResult runOnFunction(Function &fn) override {
    for (Operation &op : fn.getBody()) {
      if (!op.isa<MvmOp>() || !MvmOp(&op).isEncoded())
        continue;
      MvmOp mvm(&op);
      int64_t active = std::min<int64_t>(maxActiveRows, mvm.getTileRows());
      op.setAttr("active_rows", IntegerAttr::get(op.getContext(), active));
      if (mvm.getGroups() > 1)
        ++NumGrouped;
    }
    return success();
  }
};
} // namespace

std::unique_ptr<Pass> xb::createWordlineGroupsPass() {
  return std::make_unique<WordlineGroupsPass>();
}
