//===- XbarEval.cpp - The reference interpreter for the xb dialect -------===//
//
// The crossbar's arithmetic, as DESIGN.md section 5 states it. An xb.mvm
// feeds each input code bit-serially (d bits per cycle), reads every weight
// slice (c-bit cells) in word-line groups of at most A rows, converts each
// analog partial sum with the ADC (b bits, step, offset), and shift-adds:
//
//   acc = sum_t 2^(d t) sum_s 2^(c s) sum_groups convert(P)
//
// with P = sum_{k in group} x_t[k] m_s[k, n] for one cell set, and the
// differential pairs subtracted before conversion (analog sensing) or after
// two conversions (digital sensing). Binary and ternary pairs are read by
// sense amplifiers, whose outputs are summed exactly. The offset encoding
// subtracts weight_offset * sum_k x[k] digitally. Without ADC attributes a
// conversion is exact, so an unconverted read equals the integer product.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Function.h"
#include "ohm/Interp/Interpreter.h"
#include "ohm/Xbar/XbarInterp.h"
#include "ohm/Xbar/XbarOps.h"

#include "llvm/Support/raw_ostream.h"

using namespace ohm;
using namespace ohm::interp;
using namespace ohm::xb;

/// Stores an input code, checking it fits the unsigned code type.
static bool storeCode(Tensor &out, int64_t index, int64_t code) {
  auto type = out.getElementType().cast<IntegerType>();
  if (code < 0 || uint64_t(code) > type.getMaxValue())
    return false;
  out.ints()[index] = code;
  return true;
}

static llvm::Expected<Tensor> evalIm2Col(Operation *op, const Tensor &x) {
  std::vector<int64_t> kernel = getIntArrayAttr(op, "kernel_shape", {});
  std::vector<int64_t> strides = getIntArrayAttr(op, "strides", {1, 1});
  std::vector<int64_t> pads = getIntArrayAttr(op, "pads", {0, 0, 0, 0});
  std::vector<int64_t> dilations = getIntArrayAttr(op, "dilations", {1, 1});
  int64_t group = getIntAttr(op, "group", 1),
          index = getIntAttr(op, "group_index", 0);
  int64_t offset = getIntAttr(op, "offset", 0),
          padValue = getIntAttr(op, "pad_value", 0);
  int64_t n = x.getDim(0), c = x.getDim(1), h = x.getDim(2), w = x.getDim(3);
  int64_t cg = c / group, kh = kernel[0], kw = kernel[1];
  int64_t oh =
      (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
  int64_t ow =
      (w + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
  int64_t k = cg * kh * kw;
  Type element =
      op->getResult(0)->getType().cast<TensorType>().getElementType();
  Tensor out(element, {n * oh * ow, k});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        int64_t row = (b * oh + y) * ow + xo;
        for (int64_t ic = 0; ic < cg; ++ic)
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              int64_t iy = y * strides[0] - pads[0] + ky * dilations[0];
              int64_t ix = xo * strides[1] - pads[1] + kx * dilations[1];
              int64_t value = padValue;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                value = x.ints()[((b * c + index * cg + ic) * h + iy) * w + ix];
              int64_t col = (ic * kh + ky) * kw + kx;
              if (!storeCode(out, row * k + col, value + offset))
                return opError(op, "input code " + llvm::Twine(value + offset) +
                                       " does not fit the row type (the "
                                       "activation range is wider than "
                                       "x_range promised)");
            }
      }
  return out;
}

static llvm::Expected<Tensor> evalRows(Operation *op, const Tensor &a) {
  int64_t k = a.getShape().back();
  int64_t p = a.getNumElements() / std::max<int64_t>(k, 1);
  int64_t offset = getIntAttr(op, "offset", 0);
  Type element =
      op->getResult(0)->getType().cast<TensorType>().getElementType();
  Tensor out(element, {p, k});
  for (int64_t i = 0; i < a.getNumElements(); ++i)
    if (!storeCode(out, i, a.ints()[i] + offset))
      return opError(op, "input code " + llvm::Twine(a.ints()[i] + offset) +
                             " does not fit the row type");
  return out;
}

static llvm::Expected<Tensor> evalMvm(Operation *op,
                                      llvm::ArrayRef<const Tensor *> args,
                                      PartialSumObserver *observer) {
  MvmOp mvm(op);
  const Tensor &rows = *args[0];
  int64_t p = rows.getDim(0), ktot = rows.getDim(1);
  int64_t r0 = mvm.getRowOffset();
  int64_t r = mvm.getTileRows(), c = mvm.getTileCols();
  auto i32 = op->getResult(0)->getType().cast<TensorType>().getElementType();
  Tensor out(i32, {p, c});
  llvm::Optional<target::Encoding> encoding = mvm.getEncoding();

  if (!encoding) {
    // An ideal read: the exact integer product.
    const Tensor &w = *args[1];
    for (int64_t i = 0; i < p; ++i)
      for (int64_t n = 0; n < c; ++n) {
        int64_t acc = 0;
        for (int64_t k = 0; k < r; ++k)
          acc += rows.ints()[i * ktot + r0 + k] * w.ints()[k * c + n];
        out.setInt(i * c + n, acc);
      }
    return out;
  }

  bool pair = args.size() == 3;
  bool senseAmp = target::isSensed(*encoding);
  bool analog = mvm.isAnalogSensing();
  const Tensor &pos = *args[1];
  const Tensor *neg = pair ? args[2] : nullptr;
  int64_t slices = mvm.getSlices(), cellBits = mvm.getCellBits();
  int64_t inputBits = mvm.getInputBits(), dac = mvm.getDacBits();
  int64_t cycles = mvm.getCycles(), active = mvm.getActiveRows();
  int64_t groups = mvm.getGroups();
  int64_t dacMask = (int64_t(1) << dac) - 1;
  int64_t weightOffset = getIntAttr(op, "weight_offset", 0);
  AdcConfig adc = mvm.getAdc();
  auto convert = [&](int64_t sum) {
    if (observer)
      observer->observe(op, sum);
    return adc.convert(sum);
  };

  std::vector<int64_t> bits(r);
  for (int64_t i = 0; i < p; ++i) {
    const int64_t *x = &rows.ints()[i * ktot + r0];
    int64_t inputSum = 0;
    for (int64_t k = 0; k < r; ++k) {
      if (x[k] < 0 || (inputBits < 63 && x[k] >> inputBits))
        return opError(op, "input code " + llvm::Twine(x[k]) +
                               " needs more "
                               "than input_bits = " +
                               llvm::Twine(inputBits));
      inputSum += x[k];
    }
    for (int64_t n = 0; n < c; ++n) {
      int64_t acc = 0;
      for (int64_t t = 0; t < cycles; ++t) {
        for (int64_t k = 0; k < r; ++k)
          bits[k] = (x[k] >> (dac * t)) & dacMask;
        for (int64_t s = 0; s < slices; ++s) {
          const int64_t *mp = &pos.ints()[s * r * c];
          const int64_t *mn = neg ? &neg->ints()[s * r * c] : nullptr;
          int64_t sliceSum = 0;
          for (int64_t g = 0; g < groups; ++g) {
            int64_t sumPos = 0, sumNeg = 0;
            for (int64_t k = g * active, e = std::min(r, k + active); k < e;
                 ++k) {
              sumPos += bits[k] * mp[k * c + n];
              if (mn)
                sumNeg += bits[k] * mn[k * c + n];
            }
            if (senseAmp)
              sliceSum += sumPos - sumNeg;
            else if (!pair)
              sliceSum += convert(sumPos);
            else if (analog)
              sliceSum += convert(sumPos - sumNeg);
            else
              sliceSum += convert(sumPos) - convert(sumNeg);
          }
          acc += sliceSum * (int64_t(1) << (dac * t + cellBits * s));
        }
      }
      if (encoding == target::Encoding::Offset)
        acc -= weightOffset * inputSum;
      out.setInt(i * c + n, acc);
    }
  }
  return out;
}

static llvm::Expected<Tensor> evaluateXbar(Operation *op,
                                           llvm::ArrayRef<const Tensor *> args,
                                           PartialSumObserver *observer) {
  if (auto weights = op->dyn_cast<WeightsOp>())
    return Tensor::fromAttr(weights.getValue());
  if (auto cells = op->dyn_cast<CellsOp>())
    return Tensor::fromAttr(cells.getLevels());
  if (op->isa<Im2ColOp>())
    return evalIm2Col(op, *args[0]);
  if (op->isa<RowsOp>())
    return evalRows(op, *args[0]);
  if (op->isa<MvmOp>())
    return evalMvm(op, args, observer);
  Type i32 = op->getResult(0)->getType().cast<TensorType>().getElementType();
  if (op->isa<AccumulateOp>()) {
    Tensor out(i32, args[0]->getShape());
    for (const Tensor *arg : args)
      for (int64_t i = 0; i < out.getNumElements(); ++i)
        out.setInt(i, out.ints()[i] + arg->ints()[i]);
    return out;
  }
  if (op->isa<ConcatColsOp>()) {
    int64_t p = args[0]->getDim(0), total = 0;
    for (const Tensor *arg : args)
      total += arg->getDim(1);
    Tensor out(i32, {p, total});
    int64_t base = 0;
    for (const Tensor *arg : args) {
      int64_t cols = arg->getDim(1);
      for (int64_t i = 0; i < p; ++i)
        for (int64_t j = 0; j < cols; ++j)
          out.ints()[i * total + base + j] = arg->ints()[i * cols + j];
      base += cols;
    }
    return out;
  }
  if (op->isa<BiasOp>()) {
    auto bias = op->getAttrOfType<DenseElementsAttr>("bias");
    std::vector<int64_t> values = bias.getInts();
    const Tensor &acc = *args[0];
    Tensor out(i32, acc.getShape());
    int64_t cols = acc.getDim(1);
    for (int64_t i = 0; i < acc.getNumElements(); ++i)
      out.setInt(i, acc.ints()[i] + values[i % cols]);
    return out;
  }
  if (op->isa<UnrowsOp>()) {
    const Tensor &acc = *args[0];
    std::vector<int64_t> shape = getIntArrayAttr(op, "shape", {});
    int64_t known = 1;
    for (int64_t dim : shape)
      if (dim != -1)
        known *= dim;
    for (int64_t &dim : shape)
      if (dim == -1)
        dim = acc.getNumElements() / std::max<int64_t>(known, 1);
    if (getNumElements(shape) != acc.getNumElements())
      return opError(op, "cannot arrange " + formatShape(acc.getShape()) +
                             " as " + formatShape(shape));
    if (op->getAttrOfType<StringAttr>("layout").getValue() == "matrix")
      return acc.reshaped(shape);
    int64_t n = shape[0], m = shape[1], oh = shape[2], ow = shape[3];
    Tensor out(i32, shape);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < m; ++ch)
        for (int64_t y = 0; y < oh; ++y)
          for (int64_t x = 0; x < ow; ++x)
            out.ints()[((b * m + ch) * oh + y) * ow + x] =
                acc.ints()[((b * oh + y) * ow + x) * m + ch];
    return out;
  }
  return opError(op, "the evaluator cannot execute this op");
}

void xb::registerXbarEvaluator() {
  interp::registerDialectEvaluator("xb", evaluateXbar);
}
