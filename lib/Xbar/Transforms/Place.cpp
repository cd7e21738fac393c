//===- Place.cpp - Tiles to arrays and cores ------------------------------===//
//
// Every cell set of every tile (one per sign for differential, binary and
// ternary encodings; one for offset) and every slice occupies its own
// array, so a read needs sets x slices arrays (times `duplicate` copies,
// which a later schedule can use to process several inputs at once).
// Arrays are numbered consecutively, layer by layer, and core c holds
// arrays [c * arrays-per-core, (c + 1) * arrays-per-core); a read whose
// arrays fit in one core never straddles two (it starts on the next core,
// leaving the rest of the current one empty). A tile larger
// than an array, or a model that needs more arrays than the target has,
// is an error naming the layer and the counts.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Xbar/Transforms/Passes.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/ADT/StringMap.h"

#define DEBUG_TYPE "xb-place"

STATISTIC(NumArrays, "Arrays used");

using namespace ohm;
using namespace ohm::xb;

namespace {
class PlacePass : public FunctionPass {
public:
  PlacePass()
      : FunctionPass("xb-place", "Assign every tile's cell sets and slices to "
                                 "arrays and cores") {}

  // Bounded as target files bound them, so the products below fit.
  PassOption<int64_t> rows{*this, "rows", "Rows per array", 128, {1, 1 << 16}};
  PassOption<int64_t> cols{
      *this, "cols", "Columns per array", 128, {1, 1 << 16}};
  PassOption<int64_t> arraysPerCore{
      *this, "arrays-per-core", "Arrays per core", 8, {1, 1 << 20}};
  PassOption<int64_t> cores{*this, "cores", "Cores", 16, {1, 1 << 20}};
  PassOption<int64_t> duplicate{*this,
                                "duplicate",
                                "Copies of every tile (for throughput)",
                                1,
                                {1, int64_t(1) << 40}};

  LogicalResult runOnFunction(Function &fn) override {
    int64_t capacity = arraysPerCore * cores;
    if (duplicate > capacity)
      return emitError(fn.getLoc())
             << "xb-place: " << int64_t(duplicate)
             << " copies of every tile cannot fit the target's " << capacity
             << " arrays";

    // Reads grouped by layer, in program order.
    llvm::SmallVector<std::string, 8> order;
    llvm::StringMap<llvm::SmallVector<Operation *, 8>> byLayer;
    for (Operation &op : fn.getBody()) {
      if (!op.isa<MvmOp>())
        continue;
      std::string layer = MvmOp(&op).getLayerName();
      if (!byLayer.count(layer))
        order.push_back(layer);
      byLayer[layer].push_back(&op);
    }

    int64_t next = 0;
    for (const std::string &layer : order) {
      auto &reads = byLayer[layer];
      int64_t need = 0, sets = 1, slices = 1, minSlices = INT64_MAX;
      llvm::SmallSetVector<int64_t, 8> rowOffsets;
      for (Operation *op : reads) {
        MvmOp mvm(op);
        if (!mvm.isEncoded())
          return op->emitError() << "weights are not encoded yet (run "
                                    "xb-encode before xb-place)";
        if (mvm.getTileRows() > rows || mvm.getTileCols() > cols)
          return op->emitError()
                 << "a " << mvm.getTileRows() << "x" << mvm.getTileCols()
                 << " tile does not fit " << int64_t(rows) << "x"
                 << int64_t(cols) << " arrays (run xb-tile first)";
        sets = std::max<int64_t>(sets, op->getNumOperands() - 1);
        slices = std::max(slices, mvm.getSlices());
        minSlices = std::min(minSlices, mvm.getSlices());
        rowOffsets.insert(mvm.getRowOffset());
        need += (op->getNumOperands() - 1) * mvm.getSlices() * duplicate;
      }
      // A read's arrays stay on one core when they fit in one: a read
      // that would straddle a core boundary starts on the next core.
      auto startOf = [&](int64_t at, int64_t count) {
        if (count <= arraysPerCore &&
            at % arraysPerCore + count > arraysPerCore)
          return (at / arraysPerCore + 1) * arraysPerCore;
        return at;
      };
      int64_t end = next;
      for (Operation *op : reads) {
        int64_t count =
            (op->getNumOperands() - 1) * MvmOp(op).getSlices() * duplicate;
        end = startOf(end, count) + count;
      }
      if (end > capacity) {
        int64_t rowTiles = int64_t(rowOffsets.size());
        int64_t colTiles =
            int64_t(reads.size()) / std::max<int64_t>(rowTiles, 1);
        InFlightDiagnostic diag = reads.front()->emitError();
        auto count = [&](int64_t n, const char *what) {
          diag << n << " " << what << (n == 1 ? "" : "s");
        };
        diag << "needs " << need << " arrays for ";
        count(int64_t(reads.size()), "tile");
        diag << " (";
        count(rowTiles, "row tile");
        diag << " x ";
        count(colTiles, "column block");
        diag << "), each ";
        count(sets, "cell set");
        diag << " x ";
        if (minSlices != slices)
          diag << minSlices << " to " << slices << " slices";
        else
          count(slices, "slice");
        if (duplicate > 1)
          diag << " x " << int64_t(duplicate) << " copies";
        diag << ", but only " << capacity - next << " of the target's "
             << capacity << " arrays are left (" << int64_t(arraysPerCore)
             << " per core x " << int64_t(cores) << " cores)";
        if (end - next > need)
          diag << "; keeping each read on one core leaves " << end - next - need
               << " of them empty";
        return failure();
      }
      for (Operation *op : reads) {
        int64_t count =
            (op->getNumOperands() - 1) * MvmOp(op).getSlices() * duplicate;
        std::vector<int64_t> ids;
        next = startOf(next, count);
        for (int64_t i = 0; i < count; ++i)
          ids.push_back(next++);
        Context &ctx = op->getContext();
        op->setAttr("arrays", ArrayAttr::getI64(ctx, ids));
        op->setAttr("core", IntegerAttr::get(ctx, ids.front() / arraysPerCore));
        NumArrays += count;
      }
    }
    return success();
  }
};
} // namespace

std::unique_ptr<Pass> xb::createPlacePass() {
  return std::make_unique<PlacePass>();
}
