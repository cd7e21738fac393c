//===- ConstantFold.cpp - Evaluate ops on constants at compile time -------===//
//
// Replaces every op whose operands all come from constant-like ops, and whose
// kind knows how to fold (OpInfo::fold), by an nn.const of the result.
// Folding runs top-down, so chains of foldable ops collapse in one sweep.
// Constants that lose their last use this way are erased too; other dead
// code is left to `dce`. The `max-elements` option keeps huge tensors from
// being materialized.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/NN/NNOps.h"
#include "ohm/NN/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "constant-fold"

STATISTIC(NumFolded, "Number of ops folded to constants");

using namespace ohm;
using namespace ohm::nn;

namespace {
class ConstantFoldPass : public FunctionPass {
public:
  ConstantFoldPass()
      : FunctionPass("constant-fold",
                     "Evaluate ops whose operands are all constants") {}

  PassOption<int64_t> maxElements{
      *this, "max-elements",
      "Do not fold results with more elements than this", 1 << 20};

  LogicalResult runOnFunction(Function &fn) override {
    for (Operation &op : fn.getBody().getOpsEarlyInc())
      foldOp(op);
    return success();
  }

private:
  void foldOp(Operation &op) {
    if (op.hasTrait(OpTrait::ConstantLike) || op.getNumResults() != 1 ||
        !op.getInfo().fold)
      return;
    auto resultType = op.getResult(0)->getType().dyn_cast<TensorType>();
    if (!resultType || !resultType.hasStaticShape() ||
        resultType.getNumElements() > maxElements)
      return;
    llvm::SmallVector<Attribute, 4> operands;
    for (Value *operand : op.getOperands()) {
      Operation *def = operand->getDefiningOp();
      if (!def || !def->hasTrait(OpTrait::ConstantLike))
        return;
      operands.push_back(def->getAttr("value"));
    }
    Attribute folded = op.getInfo().fold(&op, operands);
    auto dense = folded.dyn_cast_or_null<DenseElementsAttr>();
    if (!dense || Type(dense.getType()) != Type(resultType))
      return;

    LLVM_DEBUG(llvm::dbgs() << "constant-fold: folding " << op.getName()
                            << "\n");
    OpBuilder builder(&op);
    ConstOp constant = builder.create<ConstOp>(op.getLoc(), dense);
    constant.getResult()->setNameHint(op.getResult(0)->getNameHint());
    op.getResult(0)->replaceAllUsesWith(constant.getResult());
    // An op may use one constant twice; collect each definition once.
    llvm::SmallSetVector<Operation *, 4> inputDefs;
    for (Value *input : op.getOperands())
      inputDefs.insert(input->getDefiningOp());
    op.erase();
    ++NumFolded;
    for (Operation *def : inputDefs)
      if (def->use_empty() && def->hasTrait(OpTrait::Pure))
        def->erase();
  }
};
} // namespace

std::unique_ptr<Pass> nn::createConstantFoldPass() {
  return std::make_unique<ConstantFoldPass>();
}
