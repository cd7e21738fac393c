//===- Kernels.h - The reference interpreter's kernels ----------*- C++ -*-===//
//
// Private to lib/Interp: the kernels interp::evaluate dispatches to, one
// per op kind, by family (Elementwise.cpp: elementwise and quantization
// arithmetic; LinearAlgebra.cpp: convolutions and matrix products;
// Pooling.cpp: pooling and normalization; DataMovement.cpp: reshape,
// transpose, concat, pad) and the helpers they share. Like the rest of the
// interpreter they are written for clarity and share no code with the simulator
// runtime.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_INTERP_KERNELS_H
#define OHM_LIB_INTERP_KERNELS_H

#include "ohm/IR/OpAttributes.h"
#include "ohm/IR/Operation.h"
#include "ohm/Interp/Interpreter.h"

#include "llvm/ADT/Twine.h"

namespace ohm {
namespace interp {

//===----------------------------------------------------------------------===//
// Shared helpers (Interpreter.cpp)
//===----------------------------------------------------------------------===//

/// The element type of the op's result.
Type resultElementType(Operation *op);

/// Index of the channel an element belongs to, for per-axis parameters.
int64_t channelOf(int64_t flatIndex, llvm::ArrayRef<int64_t> shape,
                  int64_t axis);

/// The flat index into `shape` of the element that output multi-index
/// `index` reads under numpy broadcasting: `shape` aligns with the last
/// dimensions of `index`, and its size-1 dimensions always read index 0.
inline int64_t broadcastSourceIndex(llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<int64_t> index) {
  size_t offset = index.size() - shape.size();
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[offset + d]);
  return flat;
}

/// Applies `fn(lhsIndex, rhsIndex, outIndex)` over the broadcast of two
/// shapes. The golden model's way, kept independent of the executor's
/// (which steps strides incrementally): each output element's multi-index
/// is recovered from its flat index, and each operand's index is computed
/// from it afresh.
template <typename Fn>
inline void forEachBroadcast(llvm::ArrayRef<int64_t> lhs,
                             llvm::ArrayRef<int64_t> rhs,
                             llvm::ArrayRef<int64_t> out, Fn fn) {
  Shape index(out.size(), 0);
  int64_t total = getNumElements(out);
  for (int64_t n = 0; n < total; ++n) {
    int64_t rest = n;
    for (size_t d = out.size(); d-- > 0;) {
      index[d] = rest % out[d];
      rest /= out[d];
    }
    fn(broadcastSourceIndex(lhs, index), broadcastSourceIndex(rhs, index), n);
  }
}

//===----------------------------------------------------------------------===//
// Elementwise and quantization (Elementwise.cpp)
//===----------------------------------------------------------------------===//

/// nn.add (`isAdd`) or nn.mul: integers wrap.
llvm::Expected<Tensor> evalBinary(Operation *op, const Tensor &a,
                                  const Tensor &b, bool isAdd);
/// nn.relu and nn.clip: clamps to [lo, hi]; NaN stays NaN.
Tensor evalClip(Operation *op, const Tensor &x, double lo, double hi);
/// nn.activation: each element in double, rounded to the element type.
Tensor evalActivation(Operation *op, const Tensor &x);
/// nn.cast to element type `to`.
Tensor evalCast(const Tensor &x, Type to);
Tensor evalQuantize(Operation *op, const Tensor &x);
Tensor evalDequantize(Operation *op, const Tensor &x);
Tensor evalRequantize(Operation *op, const Tensor &x);
Tensor evalQAdd(Operation *op, const Tensor &a, const Tensor &b);

//===----------------------------------------------------------------------===//
// Convolutions and matrix products (LinearAlgebra.cpp)
//===----------------------------------------------------------------------===//

/// nn.qconv (`quantized`) or nn.conv; `bias` may be null.
llvm::Expected<Tensor> evalConv(Operation *op, const Tensor &x, const Tensor &w,
                                const Tensor *bias, bool quantized);
/// nn.qmatmul (`quantized`) or nn.matmul; `bias` may be null.
llvm::Expected<Tensor> evalMatMul(Operation *op, const Tensor &a,
                                  const Tensor &b, const Tensor *bias,
                                  bool quantized);
/// nn.gemm; `c` may be null.
llvm::Expected<Tensor> evalGemm(Operation *op, const Tensor &a, const Tensor &b,
                                const Tensor *c);

//===----------------------------------------------------------------------===//
// Pooling and normalization (Pooling.cpp)
//===----------------------------------------------------------------------===//

enum class PoolKind { Max, Avg, QSum };

/// nn.maxpool (Max), nn.avgpool (Avg) or nn.qavgpool (QSum: window sums of
/// x - x_zp).
llvm::Expected<Tensor> evalPool(Operation *op, const Tensor &x, PoolKind kind,
                                const Window &window);
Tensor evalGlobalAvgPool(Operation *op, const Tensor &x);
Tensor evalBatchNorm(Operation *op, const Tensor &x, const Tensor &scale,
                     const Tensor &bias, const Tensor &mean, const Tensor &var);
Tensor evalSoftmax(Operation *op, const Tensor &x);

//===----------------------------------------------------------------------===//
// Data movement (DataMovement.cpp)
//===----------------------------------------------------------------------===//

llvm::Expected<Tensor> evalReshape(Operation *op, const Tensor &x);
Tensor evalTranspose(Operation *op, const Tensor &x);
Tensor evalConcat(Operation *op, llvm::ArrayRef<const Tensor *> inputs);
Tensor evalPad(Operation *op, const Tensor &x);

} // namespace interp
} // namespace ohm

#endif // OHM_LIB_INTERP_KERNELS_H
