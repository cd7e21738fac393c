//===- Bitslice.cpp - Weight slices and input bit-cycles ------------------===//
//
// A B-bit magnitude m is stored as S = ceil(B / c) slices of c-bit cells,
// m = sum_s m_s 2^(c s); each slice is its own set of cells (its own
// array). An input code of Bx bits is applied d bits per cycle by a d-bit
// DAC over T = ceil(Bx / d) cycles, x = sum_t x_t 2^(d t). After this pass
// every cell set has c-bit cells (the physical width) and every read
// records input_bits and dac_bits. Binary and ternary pairs stay 1-bit.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Xbar/Transforms/Passes.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Statistic.h"

#define DEBUG_TYPE "xb-bitslice"

STATISTIC(NumSliced, "Cell sets sliced");

using namespace ohm;
using namespace ohm::xb;

namespace {
class BitslicePass : public FunctionPass {
public:
  BitslicePass()
      : FunctionPass("xb-bitslice", "Slice weight magnitudes into c-bit cells "
                                    "and inputs into d-bit cycles") {}

  // The target's bounds for crossbar.cell_bits and dac.bits.
  PassOption<int64_t> cellBits{*this, "cell-bits", "Bits per cell", 2, {1, 8}};
  PassOption<int64_t> dacBits{
      *this, "dac-bits", "Input bits per DAC cycle", 1, {1, 16}};

  LogicalResult runOnFunction(Function &fn) override {
    llvm::DenseMap<Value *, Value *> sliced;
    for (Operation &op : fn.getBody().getOpsEarlyInc()) {
      if (!op.isa<MvmOp>())
        continue;
      MvmOp mvm(&op);
      llvm::Optional<target::Encoding> encoding = mvm.getEncoding();
      if (!encoding)
        continue;
      OpBuilder builder(&op);
      int64_t inputBits = mvm.getInputBits();
      op.setAttr("input_bits", builder.getI64Attr(inputBits));
      op.setAttr("dac_bits",
                 builder.getI64Attr(std::min<int64_t>(dacBits, inputBits)));
      if (target::isSensed(*encoding))
        continue;
      for (unsigned i = 1; i < op.getNumOperands(); ++i)
        if (Value *replacement = slice(builder, op.getOperand(i)))
          op.setOperand(i, replacement);
    }
    // Drop the unsliced cell sets.
    for (Operation &op : fn.getBody().getOpsReverseEarlyInc())
      if (op.isa<CellsOp>() && op.use_empty())
        op.erase();
    return success();
  }

private:
  /// The sliced version of an unsliced cell set, or null if nothing to do.
  Value *slice(OpBuilder &builder, Value *cells) {
    auto type = CellsType::read(cells->getType());
    Operation *def = cells->getDefiningOp();
    if (!type || !def || !def->isa<CellsOp>() || type->slices != 1 ||
        type->bits == cellBits)
      return nullptr;
    int64_t c = cellBits;
    int64_t slices = std::max<int64_t>(1, (type->bits + c - 1) / c);
    DenseElementsAttr levelsAttr = CellsOp(def).getLevels();
    int64_t cellsPerSlice = type->rows * type->cols;
    // Slices of at most 8 bits: one byte per cell.
    std::vector<uint8_t> out(size_t(slices * cellsPerSlice));
    auto sliceLevels = [&](const auto &levels) {
      uint64_t mask = (uint64_t(1) << c) - 1;
      for (int64_t s = 0; s < slices; ++s)
        for (int64_t i = 0; i < cellsPerSlice; ++i)
          out[size_t(s * cellsPerSlice + i)] =
              uint8_t((uint64_t(levels[size_t(i)]) >> (c * s)) & mask);
    };
    if (type->bits <= 16)
      sliceLevels(levelsAttr.getIntsAs<uint16_t>());
    else
      sliceLevels(levelsAttr.getInts());
    auto tensorType = TensorType::get(
        {slices, type->rows, type->cols},
        IntegerType::get(builder.getContext(), c, /*isSigned=*/false));
    builder.setInsertionPoint(def);
    ++NumSliced;
    return CellsOp::build(
               builder, def->getLoc(),
               DenseElementsAttr::getFromValues<uint8_t>(tensorType, out))
        ->getResult(0);
  }
};
} // namespace

std::unique_ptr<Pass> xb::createBitslicePass() {
  return std::make_unique<BitslicePass>();
}
