//===- Tile.cpp - Split weight matrices into array-sized tiles ------------===//
//
// An xb.mvm over a K x N weight matrix becomes ceil(K/rows) x ceil(N/cols)
// reads of tiles that fit one array. Row tiles of a column block read
// consecutive slices of the input rows (row_offset) and their partial
// results are summed digitally (xb.accumulate); column blocks are joined
// (xb.concat_cols). Only unencoded reads (an !xb.tile operand) are tiled:
// encoding and slicing work per tile.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Xbar/Transforms/Passes.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/Statistic.h"

#define DEBUG_TYPE "xb-tile"

STATISTIC(NumSplit, "Reads split into tiles");
STATISTIC(NumTiles, "Tiles created");

using namespace ohm;
using namespace ohm::xb;

namespace {
class TilePass : public FunctionPass {
public:
  TilePass()
      : FunctionPass("xb-tile", "Split weight matrices into tiles of at most "
                                "rows x cols") {}

  // The target's bounds for crossbar.rows and crossbar.cols.
  PassOption<int64_t> rows{
      *this, "rows", "Rows (word lines) per array", 128, {1, 1 << 16}};
  PassOption<int64_t> cols{
      *this, "cols", "Columns (bit lines) per array", 128, {1, 1 << 16}};

  LogicalResult runOnFunction(Function &fn) override {
    for (Operation &op : fn.getBody().getOpsEarlyInc())
      if (op.isa<MvmOp>())
        tile(MvmOp(&op));
    return success();
  }

private:
  void tile(MvmOp mvm) {
    Operation *op = mvm;
    Operation *def = op->getOperand(1)->getDefiningOp();
    auto weights = def ? def->dyn_cast<WeightsOp>() : WeightsOp();
    if (mvm.isEncoded() || !weights)
      return;
    DenseElementsAttr value = weights.getValue();
    int64_t k = value.getType().getDimSize(0),
            n = value.getType().getDimSize(1);
    if (k <= rows && n <= cols)
      return;
    std::vector<int64_t> w = value.getInts();
    auto elementType = value.getElementType();
    OpBuilder builder(op);
    Context &ctx = builder.getContext();
    Location loc = op->getLoc();
    Value *input = mvm.getRows();
    int64_t p = input->getType().cast<TensorType>().getDimSize(0);
    auto i32 = IntegerType::get(ctx, 32, true);
    int64_t base = mvm.getRowOffset();

    llvm::SmallVector<Value *, 4> blocks;
    for (int64_t c0 = 0; c0 < n; c0 += cols) {
      int64_t cw = std::min<int64_t>(cols, n - c0);
      llvm::SmallVector<Value *, 8> partials;
      for (int64_t r0 = 0; r0 < k; r0 += rows) {
        int64_t rh = std::min<int64_t>(rows, k - r0);
        std::vector<int64_t> sub(rh * cw);
        for (int64_t i = 0; i < rh; ++i)
          for (int64_t j = 0; j < cw; ++j)
            sub[i * cw + j] = w[(r0 + i) * n + c0 + j];
        auto type = TensorType::get({rh, cw}, elementType);
        Value *tile =
            WeightsOp::build(builder, loc,
                             DenseElementsAttr::getFromInts(type, sub))
                ->getResult(0);
        llvm::SmallVector<NamedAttribute, 4> attrs(op->getAttrs().begin(),
                                                   op->getAttrs().end());
        for (NamedAttribute &attr : attrs)
          if (attr.name == "row_offset")
            attr.value = builder.getI64Attr(base + r0);
        partials.push_back(builder
                               .create(loc, MvmOp::Info,
                                       {TensorType::get({p, cw}, i32)},
                                       {input, tile}, attrs)
                               ->getResult(0));
        ++NumTiles;
      }
      Value *block = partials.front();
      if (partials.size() > 1)
        block = builder
                    .create(loc, AccumulateOp::Info,
                            {partials.front()->getType()}, partials)
                    ->getResult(0);
      blocks.push_back(block);
    }
    Value *result = blocks.front();
    if (blocks.size() > 1)
      result = builder
                   .create(loc, ConcatColsOp::Info,
                           {op->getResult(0)->getType()}, blocks)
                   ->getResult(0);
    op->getResult(0)->replaceAllUsesWith(result);
    op->erase();
    if (def->use_empty())
      def->erase();
    ++NumSplit;
  }
};
} // namespace

std::unique_ptr<Pass> xb::createTilePass() {
  return std::make_unique<TilePass>();
}
