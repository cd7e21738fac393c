//===- FoldBatchNorm.cpp - Merge inference batch norm ---------------------===//
//
// Inference batch normalization is a per-channel affine map,
//   y = (x - mean) * scale / sqrt(var + eps) + bias = x * a + c.
// After a float convolution with constant weights it merges into them:
//   W'[m] = W[m] * a[m],  B'[m] = (B[m] - mean[m]) * a[m] + bias[m].
// Elsewhere it becomes nn.mul and nn.add by constants shaped to broadcast
// over channel axis 1, so that no batch norm reaches later stages. The new
// constants are computed in double and rounded to the element type.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/NN/NNOps.h"
#include "ohm/NN/Transforms/Passes.h"

#include "llvm/ADT/Statistic.h"

#include <cmath>

#define DEBUG_TYPE "fold-batchnorm"

STATISTIC(NumMerged, "Batch norms merged into convolutions");
STATISTIC(NumAffine, "Batch norms turned into multiply-add");

using namespace ohm;
using namespace ohm::nn;

namespace {

class FoldBatchNormPass : public FunctionPass {
public:
  FoldBatchNormPass()
      : FunctionPass("fold-batchnorm",
                     "Merge inference batch normalization into the preceding "
                     "convolution, or rewrite it as multiply-add") {}

  LogicalResult runOnFunction(Function &fn) override {
    for (Operation &op : fn.getBody().getOpsEarlyInc())
      if (op.isa<BatchNormOp>())
        fold(BatchNormOp(&op));
    return success();
  }

private:
  void fold(BatchNormOp bn) {
    DenseElementsAttr params[4];
    for (unsigned i = 0; i < 4; ++i)
      if (!(params[i] = ConstOp::getValueOf(bn->getOperand(i + 1))))
        return; // Statistics that are not constant stay as they are.
    std::vector<double> scale = params[0].getDoubles(),
                        bias = params[1].getDoubles(),
                        mean = params[2].getDoubles(),
                        var = params[3].getDoubles();
    int64_t channels = int64_t(scale.size());
    double eps = bn.getEpsilon();
    std::vector<double> a(channels), c(channels);
    for (int64_t m = 0; m < channels; ++m) {
      a[m] = scale[m] / std::sqrt(var[m] + eps);
      c[m] = bias[m] - mean[m] * a[m];
    }

    Value *x = bn->getOperand(0);
    Operation *def = x->getDefiningOp();
    OpBuilder builder(bn);
    bool mergeable =
        def && def->isa<ConvOp>() && x->hasOneUse() &&
        ConstOp::getValueOf(def->getOperand(1)) &&
        (!ConvOp(def).getBias() || ConstOp::getValueOf(ConvOp(def).getBias()));
    if (mergeable) {
      ConvOp conv(def);
      DenseElementsAttr w = ConstOp::getValueOf(def->getOperand(1));
      DenseElementsAttr b = conv.getBias() ? ConstOp::getValueOf(conv.getBias())
                                           : DenseElementsAttr();
      std::vector<double> weights = w.getDoubles();
      int64_t perChannel = int64_t(weights.size()) / channels;
      for (int64_t i = 0; i < int64_t(weights.size()); ++i)
        weights[i] *= a[i / perChannel];
      std::vector<double> newBias(channels);
      for (int64_t m = 0; m < channels; ++m)
        newBias[m] = ((b ? b.getDouble(m) : 0.0) - mean[m]) * a[m] + bias[m];
      OpBuilder convBuilder(def);
      Value *newW = convBuilder
                        .create<ConstOp>(def->getOperand(1)->getLoc(),
                                         DenseElementsAttr::getFromDoubles(
                                             w.getType(), weights))
                        .getResult();
      auto biasType = TensorType::get({channels}, w.getElementType());
      Value *newB =
          convBuilder
              .create<ConstOp>(bn->getLoc(), DenseElementsAttr::getFromDoubles(
                                                 biasType, newBias))
              .getResult();
      def->setOperands({def->getOperand(0), newW, newB});
      def->setLoc(
          FusedLoc::get(def->getContext(), {def->getLoc(), bn->getLoc()}));
      bn->getResult(0)->replaceAllUsesWith(x);
      bn->erase();
      ++NumMerged;
      return;
    }

    // x * a + c with a and c shaped [C, 1, ...] to broadcast over axis 1.
    auto xType = x->getType().cast<TensorType>();
    std::vector<int64_t> shape(xType.getRank() - 1, 1);
    shape[0] = channels;
    auto type = TensorType::get(shape, xType.getElementType());
    Value *aConst =
        builder
            .create<ConstOp>(bn->getLoc(),
                             DenseElementsAttr::getFromDoubles(type, a))
            .getResult();
    Value *cConst =
        builder
            .create<ConstOp>(bn->getLoc(),
                             DenseElementsAttr::getFromDoubles(type, c))
            .getResult();
    Value *scaled = builder.create<MulOp>(bn->getLoc(), x, aConst).getResult();
    Value *shifted =
        builder.create<AddOp>(bn->getLoc(), scaled, cConst).getResult();
    shifted->setNameHint(bn->getResult(0)->getNameHint());
    bn->getResult(0)->replaceAllUsesWith(shifted);
    bn->erase();
    ++NumAffine;
  }
};
} // namespace

std::unique_ptr<Pass> nn::createFoldBatchNormPass() {
  return std::make_unique<FoldBatchNormPass>();
}
