//===- DCE.cpp - Dead code elimination ------------------------------------===//
//
// Erases ops without side effects (OpTrait::Pure) whose results have no
// uses. Walking each body bottom-up means a whole dead chain goes in one
// sweep: by the time an op is visited, all of its users below are gone.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Transforms/Passes.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "dce"

STATISTIC(NumErased, "Number of dead ops erased");

using namespace ohm;

namespace {
class DCEPass : public FunctionPass {
public:
  DCEPass()
      : FunctionPass("dce", "Erase side-effect-free ops whose results "
                            "are unused") {}

  LogicalResult runOnFunction(Function &fn) override {
    for (Operation &op : fn.getBody().getOpsReverseEarlyInc()) {
      if (!op.hasTrait(OpTrait::Pure) || !op.use_empty())
        continue;
      LLVM_DEBUG(llvm::dbgs() << "dce: erasing " << op.getName() << "\n");
      op.erase();
      ++NumErased;
    }
    return success();
  }
};
} // namespace

std::unique_ptr<Pass> ohm::createDCEPass() {
  return std::make_unique<DCEPass>();
}
