//===- TensorIO.cpp - Tensors to and from .npy arrays ---------------------===//

#include "ohm/Interp/TensorIO.h"
#include "ohm/IR/Context.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/Endian.h"

#include <cstring>

using namespace ohm;
using namespace ohm::interp;
namespace endian = llvm::support::endian;

Tensor interp::tensorFromNpy(Context &ctx, const NpyArray &array) {
  Type element;
  switch (array.dtype) {
  case NpyDType::Bool:
    element = IntegerType::get(ctx, 1, true);
    break;
  case NpyDType::I8:
    element = IntegerType::get(ctx, 8, true);
    break;
  case NpyDType::U8:
    element = IntegerType::get(ctx, 8, false);
    break;
  case NpyDType::I16:
    element = IntegerType::get(ctx, 16, true);
    break;
  case NpyDType::U16:
    element = IntegerType::get(ctx, 16, false);
    break;
  case NpyDType::I32:
    element = IntegerType::get(ctx, 32, true);
    break;
  case NpyDType::U32:
    element = IntegerType::get(ctx, 32, false);
    break;
  case NpyDType::I64:
    element = IntegerType::get(ctx, 64, true);
    break;
  case NpyDType::U64:
    element = IntegerType::get(ctx, 64, false);
    break;
  case NpyDType::F16:
    element = FloatType::getF16(ctx);
    break;
  case NpyDType::F32:
    element = FloatType::getF32(ctx);
    break;
  case NpyDType::F64:
    element = FloatType::getF64(ctx);
    break;
  }
  Tensor tensor(element, array.shape);
  const char *p = array.data.data();
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    switch (array.dtype) {
    case NpyDType::Bool:
      tensor.ints()[i] = p[i] != 0;
      break;
    case NpyDType::I8:
      tensor.ints()[i] = int8_t(p[i]);
      break;
    case NpyDType::U8:
      tensor.ints()[i] = uint8_t(p[i]);
      break;
    case NpyDType::I16:
      tensor.ints()[i] = int16_t(endian::read16le(p + 2 * i));
      break;
    case NpyDType::U16:
      tensor.ints()[i] = endian::read16le(p + 2 * i);
      break;
    case NpyDType::I32:
      tensor.ints()[i] = int32_t(endian::read32le(p + 4 * i));
      break;
    case NpyDType::U32:
      tensor.ints()[i] = endian::read32le(p + 4 * i);
      break;
    case NpyDType::I64:
    case NpyDType::U64:
      tensor.ints()[i] = int64_t(endian::read64le(p + 8 * i));
      break;
    case NpyDType::F16: {
      llvm::APFloat half(llvm::APFloat::IEEEhalf(),
                         llvm::APInt(16, endian::read16le(p + 2 * i)));
      bool losesInfo;
      half.convert(llvm::APFloat::IEEEdouble(),
                   llvm::APFloat::rmNearestTiesToEven, &losesInfo);
      tensor.floats()[i] = half.convertToDouble();
      break;
    }
    case NpyDType::F32: {
      uint32_t bits = endian::read32le(p + 4 * i);
      float value;
      std::memcpy(&value, &bits, 4);
      tensor.floats()[i] = value;
      break;
    }
    case NpyDType::F64: {
      uint64_t bits = endian::read64le(p + 8 * i);
      double value;
      std::memcpy(&value, &bits, 8);
      tensor.floats()[i] = value;
      break;
    }
    }
  }
  return tensor;
}

NpyArray interp::tensorToNpy(const Tensor &tensor) {
  NpyArray array;
  array.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  Type element = tensor.getElementType();
  if (auto floatType = element.dyn_cast<FloatType>()) {
    array.dtype = floatType.getWidth() == 16   ? NpyDType::F16
                  : floatType.getWidth() == 32 ? NpyDType::F32
                                               : NpyDType::F64;
  } else if (auto intType = element.dyn_cast<IntegerType>()) {
    unsigned width = intType.getWidth();
    bool s = intType.isSigned();
    if (width == 1)
      array.dtype = NpyDType::Bool;
    else if (width <= 8)
      array.dtype = s ? NpyDType::I8 : NpyDType::U8;
    else if (width <= 16)
      array.dtype = s ? NpyDType::I16 : NpyDType::U16;
    else if (width <= 32)
      array.dtype = s ? NpyDType::I32 : NpyDType::U32;
    else
      array.dtype = s ? NpyDType::I64 : NpyDType::U64;
  } else {
    array.dtype = NpyDType::I64; // index
  }
  unsigned size = getNpyElementSize(array.dtype);
  array.data.resize(size_t(tensor.getNumElements()) * size);
  char *p = array.data.data();
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    switch (array.dtype) {
    case NpyDType::F16: {
      llvm::APFloat half(tensor.floats()[i]);
      bool losesInfo;
      half.convert(llvm::APFloat::IEEEhalf(),
                   llvm::APFloat::rmNearestTiesToEven, &losesInfo);
      endian::write16le(p + 2 * i,
                        uint16_t(half.bitcastToAPInt().getZExtValue()));
      break;
    }
    case NpyDType::F32: {
      float value = float(tensor.floats()[i]);
      uint32_t bits;
      std::memcpy(&bits, &value, 4);
      endian::write32le(p + 4 * i, bits);
      break;
    }
    case NpyDType::F64: {
      uint64_t bits;
      std::memcpy(&bits, &tensor.floats()[i], 8);
      endian::write64le(p + 8 * i, bits);
      break;
    }
    default: {
      uint64_t value = uint64_t(tensor.ints()[i]);
      for (unsigned b = 0; b < size; ++b)
        p[i * size + b] = char((value >> (8 * b)) & 0xFF);
      break;
    }
    }
  }
  return array;
}
