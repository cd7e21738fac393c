//===- Tensors.cpp - ONNX tensors and types -------------------------------===//
//
// ONNX types and TensorProtos to ohm types and dense attributes, and the
// TensorProto file reader of ohm-sim --reference.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"
#include "ohm/Support/FileUtilities.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;
using namespace ohm::onnx_frontend;

std::string onnx_frontend::shapeToString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") +
            (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return text + "]";
}

Type onnx_frontend::getElementType(Context &ctx, int dataType) {
  using TP = onnx::TensorProto;
  switch (dataType) {
  case TP::FLOAT:
    return FloatType::getF32(ctx);
  case TP::DOUBLE:
    return FloatType::getF64(ctx);
  case TP::FLOAT16:
    return FloatType::getF16(ctx);
  case TP::INT8:
    return IntegerType::get(ctx, 8, true);
  case TP::UINT8:
    return IntegerType::get(ctx, 8, false);
  case TP::INT16:
    return IntegerType::get(ctx, 16, true);
  case TP::UINT16:
    return IntegerType::get(ctx, 16, false);
  case TP::INT32:
    return IntegerType::get(ctx, 32, true);
  case TP::UINT32:
    return IntegerType::get(ctx, 32, false);
  case TP::INT64:
    return IntegerType::get(ctx, 64, true);
  case TP::UINT64:
    return IntegerType::get(ctx, 64, false);
  case TP::BOOL:
    return IntegerType::get(ctx, 1, true);
  default:
    return Type();
  }
}

std::string onnx_frontend::dataTypeName(int dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

DenseElementsAttr onnx_frontend::tensorToAttr(Context &ctx,
                                              const onnx::TensorProto &tensor,
                                              std::string &error) {
  llvm::raw_string_ostream err(error);
  Type elementType = getElementType(ctx, tensor.data_type());
  if (!elementType) {
    err << "tensor '" << tensor.name() << "' has unsupported element type "
        << dataTypeName(tensor.data_type());
    return DenseElementsAttr();
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    err << "tensor '" << tensor.name()
        << "' keeps its data in an external file, which is not supported";
    return DenseElementsAttr();
  }
  // TensorType's bound (TensorType::getCheckedElementCount): the nonzero
  // dimensions too, so that [0, 2^62, 2^62] is not taken for an empty
  // tensor whose type cannot exist.
  std::vector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  llvm::Optional<int64_t> checked = TensorType::getCheckedElementCount(shape);
  if (!checked || llvm::any_of(shape, [](int64_t dim) { return dim < 0; })) {
    err << "tensor '" << tensor.name() << "' has an invalid shape";
    return DenseElementsAttr();
  }
  int64_t count = *checked;
  auto type = TensorType::get(shape, elementType);
  unsigned bytes = DenseElementsAttr::getStorageBytes(elementType);

  auto mismatch = [&](int64_t have) {
    err << "tensor '" << tensor.name() << "' holds " << have
        << " values but its shape " << shapeToString(shape) << " needs "
        << count;
    return DenseElementsAttr();
  };

  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    // ONNX stores BOOL as one byte; every other type at its natural width,
    // which is our packing as well.
    unsigned onnxBytes =
        tensor.data_type() == onnx::TensorProto::BOOL ? 1 : bytes;
    if (int64_t(raw.size()) != count * onnxBytes)
      return mismatch(int64_t(raw.size() / std::max(onnxBytes, 1u)));
    std::vector<char> data(raw.begin(), raw.end());
    if (tensor.data_type() == onnx::TensorProto::BOOL)
      for (char &c : data)
        c = c != 0;
    std::string problem = DenseElementsAttr::verifyRawData(type, data);
    if (!problem.empty()) {
      err << "tensor '" << tensor.name() << "': " << problem;
      return DenseElementsAttr();
    }
    if (count == 0)
      return DenseElementsAttr::getFromRawData(type, {});
    return DenseElementsAttr::getFromRawData(type, data);
  }

  using TP = onnx::TensorProto;
  switch (tensor.data_type()) {
  case TP::FLOAT: {
    if (tensor.float_data_size() != count)
      return mismatch(tensor.float_data_size());
    std::vector<double> values(tensor.float_data().begin(),
                               tensor.float_data().end());
    return DenseElementsAttr::getFromDoubles(type, values);
  }
  case TP::DOUBLE: {
    if (tensor.double_data_size() != count)
      return mismatch(tensor.double_data_size());
    std::vector<double> values(tensor.double_data().begin(),
                               tensor.double_data().end());
    return DenseElementsAttr::getFromDoubles(type, values);
  }
  case TP::FLOAT16: {
    if (tensor.int32_data_size() != count)
      return mismatch(tensor.int32_data_size());
    std::vector<char> data(count * 2);
    for (int64_t i = 0; i < count; ++i)
      llvm::support::endian::write16le(&data[i * 2],
                                       uint16_t(tensor.int32_data(i)));
    return DenseElementsAttr::getFromRawData(type, data);
  }
  case TP::INT8:
  case TP::UINT8:
  case TP::INT16:
  case TP::UINT16:
  case TP::INT32:
  case TP::BOOL: {
    if (tensor.int32_data_size() != count)
      return mismatch(tensor.int32_data_size());
    std::vector<int64_t> values(tensor.int32_data().begin(),
                                tensor.int32_data().end());
    auto intType = elementType.cast<IntegerType>();
    for (int64_t &value : values) {
      if (tensor.data_type() == TP::BOOL)
        value = value != 0;
      if (!(intType.isSigned() ? intType.fitsSigned(value)
                               : value >= 0 && intType.fitsUnsigned(value))) {
        err << "tensor '" << tensor.name() << "' holds " << value
            << ", which does not fit " << elementType;
        return DenseElementsAttr();
      }
    }
    return DenseElementsAttr::getFromInts(type, values);
  }
  case TP::INT64: {
    if (tensor.int64_data_size() != count)
      return mismatch(tensor.int64_data_size());
    std::vector<int64_t> values(tensor.int64_data().begin(),
                                tensor.int64_data().end());
    return DenseElementsAttr::getFromInts(type, values);
  }
  case TP::UINT32:
  case TP::UINT64: {
    if (tensor.uint64_data_size() != count)
      return mismatch(tensor.uint64_data_size());
    std::vector<int64_t> values;
    for (uint64_t value : tensor.uint64_data()) {
      if (tensor.data_type() == TP::UINT32 && value > UINT32_MAX) {
        err << "tensor '" << tensor.name() << "' holds " << value
            << ", which does not fit u32";
        return DenseElementsAttr();
      }
      values.push_back(int64_t(value));
    }
    return DenseElementsAttr::getFromInts(type, values);
  }
  default:
    err << "tensor '" << tensor.name() << "' has unsupported element type "
        << dataTypeName(tensor.data_type());
    return DenseElementsAttr();
  }
}

TensorType onnx_frontend::convertType(Context &ctx, const onnx::TypeProto &type,
                                      std::string &error) {
  if (!type.has_tensor_type()) {
    error = "only tensors are supported (not sequences, maps or optionals)";
    return TensorType();
  }
  const auto &tensor = type.tensor_type();
  Type element = getElementType(ctx, tensor.elem_type());
  if (!element) {
    error = "unsupported element type " + dataTypeName(tensor.elem_type());
    return TensorType();
  }
  if (!tensor.has_shape()) {
    error = "the tensor has no rank";
    return TensorType();
  }
  std::vector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : TensorType::kDynamic);
  if (!TensorType::getCheckedElementCount(shape)) {
    error = "the tensor has more than 2^40 elements";
    return TensorType();
  }
  return TensorType::get(shape, element);
}

std::string onnx_frontend::normalizeDomain(const std::string &domain) {
  return domain == "ai.onnx" ? "" : domain;
}

llvm::Expected<DenseElementsAttr>
onnx_frontend::readTensorProto(llvm::StringRef data, llvm::StringRef bufferName,
                               Context &ctx, std::string *name) {
  onnx::TensorProto tensor;
  if (data.size() > size_t(INT32_MAX) ||
      !tensor.ParseFromArray(data.data(), int(data.size())))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s: not a valid ONNX TensorProto",
                                   bufferName.str().c_str());
  std::string error;
  DenseElementsAttr attr = tensorToAttr(ctx, tensor, error);
  if (!attr)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s",
                                   bufferName.str().c_str(), error.c_str());
  if (name)
    *name = tensor.name();
  return attr;
}

llvm::Expected<DenseElementsAttr>
onnx_frontend::readTensorProtoFile(llvm::StringRef path, Context &ctx,
                                   std::string *name) {
  auto buffer = openInputFile(path);
  if (!buffer)
    return buffer.takeError();
  return readTensorProto((*buffer)->getBuffer(), path, ctx, name);
}
