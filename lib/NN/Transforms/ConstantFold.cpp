//===- ConstantFold.cpp - Evaluate ops on constants at compile time -------===//
//
// Replaces every op whose operands all come from constant-like ops by an
// nn.const of its result. nn.dequantize is never folded: a dequantized
// constant is how QDQ models spell a quantized weight, and folding it to
// floats would lose the integer weights fold-qdq needs. nn.quantize of a
// constant is folded: PyTorch's QAT export keeps float weights and
// quantizes them in the graph (float W -> QuantizeLinear ->
// DequantizeLinear -> Conv), and the folded integer weights make that the
// usual dequantized constant. The
// result is computed by the reference interpreter, so folding can never
// disagree with execution. Folding runs top-down, so chains collapse in one
// sweep. Constants that lose their last use this way are erased too; other dead
// code is left to `dce`. The `max-elements` option keeps huge tensors from
// being materialized.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Interp/Interpreter.h"
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
      *this, "max-elements", "Do not fold results with more elements than this",
      1 << 20};

  LogicalResult runOnFunction(Function &fn) override {
    bool ok = true;
    for (Operation &op : fn.getBody().getOpsEarlyInc())
      if (failed(foldOp(op)))
        ok = false;
    return success(ok);
  }

private:
  LogicalResult foldOp(Operation &op) {
    if (op.hasTrait(OpTrait::ConstantLike) || op.getNumResults() != 1 ||
        !op.hasTrait(OpTrait::Pure) || !interp::canEvaluate(&op) ||
        op.isa<DequantizeOp>())
      return success();
    auto resultType = op.getResult(0)->getType().dyn_cast<TensorType>();
    if (!resultType || !resultType.hasStaticShape() ||
        resultType.getNumElements() > maxElements)
      return success();
    std::vector<interp::Tensor> operands;
    for (Value *operand : op.getOperands()) {
      auto constant = operand->getDefiningOp()
                          ? operand->getDefiningOp()->dyn_cast<ConstOp>()
                          : ConstOp();
      if (!constant)
        return success();
      operands.push_back(interp::Tensor::fromAttr(constant.getValue()));
    }
    llvm::SmallVector<const interp::Tensor *, 4> operandPtrs;
    for (const interp::Tensor &operand : operands)
      operandPtrs.push_back(&operand);
    auto result = interp::evaluate(&op, operandPtrs);
    if (!result)
      return op.emitError() << "cannot fold: " << toString(result.takeError());
    if (Type(result->getType()) != Type(resultType))
      return success();

    LLVM_DEBUG(llvm::dbgs()
               << "constant-fold: folding " << op.getName() << "\n");
    OpBuilder builder(&op);
    ConstOp constant = builder.create<ConstOp>(op.getLoc(), result->toAttr());
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
    return success();
  }
};
} // namespace

std::unique_ptr<Pass> nn::createConstantFoldPass() {
  return std::make_unique<ConstantFoldPass>();
}
