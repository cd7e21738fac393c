//===- TensorIO.h - Tensors to and from .npy arrays -------------*- C++ -*-===//

#ifndef OHM_INTERP_TENSORIO_H
#define OHM_INTERP_TENSORIO_H

#include "ohm/Interp/Tensor.h"
#include "ohm/Support/Npy.h"

namespace ohm {
class Context;
namespace interp {

/// The tensor an .npy array holds (bool becomes i1, <f4 f32, |u1 u8, ...).
Tensor tensorFromNpy(Context &ctx, const NpyArray &array);

/// The .npy array for a tensor. Integer types without a NumPy equivalent
/// (i4, u2, ...) are written in the next wider one (i8, u8, ...).
NpyArray tensorToNpy(const Tensor &tensor);

} // namespace interp
} // namespace ohm

#endif // OHM_INTERP_TENSORIO_H
