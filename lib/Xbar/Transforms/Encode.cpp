//===- Encode.cpp - Signed weights to non-negative cell levels ------------===//
//
// Cells hold conductances, which are non-negative, so a tile of signed
// weights W' becomes one or two sets of cell levels (DESIGN.md section 5):
//
//   differential  W' = W+ - W-, both magnitudes, max |W'| needs B bits;
//                 two !xb.cells of B-bit levels, subtracted in analog
//                 (sensing = analog) or after two conversions (digital)
//   offset        W' + 2^(Bw-1) >= 0 in one set of Bw-bit levels; the read
//                 subtracts 2^(Bw-1) * sum_k x[k] digitally (weight_offset)
//   binary        W' in {-1, 1} as 2T2R pairs: +1 = (LRS, HRS),
//                 -1 = (HRS, LRS), read by sense amplifiers
//   ternary       W' in {-1, 0, 1}; 0 = (HRS, HRS)
//
// The encoding can be chosen per layer (`layers=conv1:ternary,fc2:offset`,
// by the op's location name); a binary or ternary encoding of weights that
// are not binary or ternary is an error naming the layer. Encoding comes
// before slicing: only magnitudes can be sliced.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Module.h"
#include "ohm/Xbar/Transforms/Passes.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/ADT/StringMap.h"

#define DEBUG_TYPE "xb-encode"

STATISTIC(NumEncoded, "Tiles encoded");

using namespace ohm;
using namespace ohm::xb;
using namespace ohm::target;

namespace {
class EncodePass : public FunctionPass {
public:
  EncodePass()
      : FunctionPass("xb-encode", "Encode signed weight tiles as non-negative "
                                  "cell levels") {}

  PassOption<Encoding> encoding{*this, "encoding", "Weight encoding",
                                Encoding::Differential};
  PassOption<Sensing> sensing{
      *this, "sensing",
      "Where differential pairs subtract: before the ADC (analog) or after "
      "two conversions (digital)",
      Sensing::Digital};
  ListOption<LayerSetting<Encoding>> layers{
      *this, "layers", "Per-layer encodings, as layer:encoding"};

  LogicalResult runOnFunction(Function &fn) override {
    llvm::StringMap<Encoding> perLayer;
    for (const LayerSetting<Encoding> &entry : layers.getValue())
      perLayer[entry.layer] = entry.value;
    bool ok = true;
    for (Operation &op : fn.getBody().getOpsEarlyInc()) {
      if (!op.isa<MvmOp>())
        continue;
      MvmOp mvm(&op);
      auto it = perLayer.find(mvm.getLayerName());
      Encoding chosen = it == perLayer.end() ? encoding.getValue() : it->second;
      ok &= succeeded(encode(mvm, chosen));
    }
    return success(ok);
  }

private:
  LogicalResult encode(MvmOp mvm, Encoding scheme) {
    Operation *op = mvm;
    Operation *def = op->getOperand(1)->getDefiningOp();
    auto weights = def ? def->dyn_cast<WeightsOp>() : WeightsOp();
    if (mvm.isEncoded() || !weights)
      return success();
    DenseElementsAttr value = weights.getValue();
    // The weights in the narrowest vector that holds them (int32 for the
    // frontend's products of 8-bit operands; int64 otherwise).
    auto type = value.getElementType().dyn_cast<IntegerType>();
    if (type && type.getWidth() <= 32)
      return encodeWeights(mvm, scheme, def, value, value.getIntsAs<int32_t>());
    return encodeWeights(mvm, scheme, def, value, value.getInts());
  }

  template <typename W>
  LogicalResult encodeWeights(MvmOp mvm, Encoding scheme, Operation *def,
                              DenseElementsAttr value,
                              const std::vector<W> &w) {
    Operation *op = mvm;
    int64_t r = value.getType().getDimSize(0),
            c = value.getType().getDimSize(1);
    int64_t lo = w.empty() ? 0 : w[0], hi = lo;
    for (int64_t v : w) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    OpBuilder builder(op);
    Context &ctx = builder.getContext();
    Location loc = def->getLoc();
    // Cells of `bits`-bit levels level(i), written in their storage type.
    auto makeCells = [&](int64_t bits, auto level) {
      auto type = TensorType::get(
          {1, r, c}, IntegerType::get(ctx, bits, /*isSigned=*/false));
      DenseElementsAttr attr = DenseElementsAttr::withIntStorage(
          type.getElementType(), [&](auto tag) {
            using T = decltype(tag);
            std::vector<T> levels(w.size());
            for (size_t i = 0; i < w.size(); ++i)
              levels[i] = T(level(w[i]));
            return DenseElementsAttr::getFromValues<T>(type, levels);
          });
      return CellsOp::build(builder, loc, attr)->getResult(0);
    };

    llvm::SmallVector<Value *, 3> operands = {mvm.getRows()};
    if (scheme == Encoding::Offset) {
      // Two's complement width of the tile's range.
      int64_t bw = 1;
      while (lo < -(int64_t(1) << (bw - 1)) ||
             hi > (int64_t(1) << (bw - 1)) - 1)
        ++bw;
      int64_t shift = int64_t(1) << (bw - 1);
      operands.push_back(makeCells(bw, [&](int64_t v) { return v + shift; }));
      op->setAttr("weight_offset", builder.getI64Attr(shift));
    } else {
      if ((scheme == Encoding::Binary &&
           llvm::any_of(w, [](int64_t v) { return v != -1 && v != 1; })) ||
          (scheme == Encoding::Ternary && (lo < -1 || hi > 1)))
        return op->emitError()
               << "weights are not " << getEncodingName(scheme)
               << " (values in [" << lo << ", " << hi << "]); "
               << getEncodingName(scheme) << " encoding needs "
               << (scheme == Encoding::Binary ? "{-1, 1}" : "{-1, 0, 1}");
      int64_t bits = bitsFor(uint64_t(std::max(hi, -lo)));
      operands.push_back(
          makeCells(bits, [](int64_t v) { return std::max<int64_t>(v, 0); }));
      operands.push_back(
          makeCells(bits, [](int64_t v) { return std::max<int64_t>(-v, 0); }));
      if (scheme == Encoding::Differential)
        op->setAttr("sensing",
                    builder.getStringAttr(getSensingName(sensing.getValue())));
    }
    op->setAttr("encoding", builder.getStringAttr(getEncodingName(scheme)));
    op->setOperands(operands);
    if (def->use_empty())
      def->erase();
    ++NumEncoded;
    return success();
  }
};
} // namespace

std::unique_ptr<Pass> xb::createEncodePass() {
  return std::make_unique<EncodePass>();
}
