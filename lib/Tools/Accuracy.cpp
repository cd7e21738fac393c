//===- Accuracy.cpp - Top-1 accuracy of a run against labels --------------===//

#include "Accuracy.h"
#include "ohmrt/Npy.h"

#include <cstring>

using namespace ohm;
namespace pb = ohm::program;

/// Element `i` of little-endian `T`s.
template <typename T>
static double load(const std::vector<char> &data, int64_t i) {
  T value;
  std::memcpy(&value, data.data() + size_t(i) * sizeof(T), sizeof(T));
  return double(value);
}

/// Element `i` of an output tensor as a double; false for float16.
static bool loadOutput(const ohmrt::HostTensor &t, int64_t i, double &value) {
  switch (t.dtype) {
  case pb::U8:
    value = load<uint8_t>(t.data, i);
    return true;
  case pb::I8:
    value = load<int8_t>(t.data, i);
    return true;
  case pb::U16:
    value = load<uint16_t>(t.data, i);
    return true;
  case pb::I16:
    value = load<int16_t>(t.data, i);
    return true;
  case pb::U32:
    value = load<uint32_t>(t.data, i);
    return true;
  case pb::I32:
    value = load<int32_t>(t.data, i);
    return true;
  case pb::U64:
    value = load<uint64_t>(t.data, i);
    return true;
  case pb::I64:
    value = load<int64_t>(t.data, i);
    return true;
  case pb::F32:
    value = load<float>(t.data, i);
    return true;
  case pb::F64:
    value = load<double>(t.data, i);
    return true;
  case pb::BOOL:
    value = load<uint8_t>(t.data, i);
    return true;
  default:
    return false;
  }
}

/// Label `i` as an integer; false if the labels are not integers.
static bool loadLabel(const ohmrt::NpyArray &a, int64_t i, int64_t &label) {
  using D = ohmrt::NpyDType;
  switch (a.dtype) {
  case D::I8:
    label = int64_t(load<int8_t>(a.data, i));
    return true;
  case D::U8:
    label = int64_t(load<uint8_t>(a.data, i));
    return true;
  case D::I16:
    label = int64_t(load<int16_t>(a.data, i));
    return true;
  case D::U16:
    label = int64_t(load<uint16_t>(a.data, i));
    return true;
  case D::I32:
    label = int64_t(load<int32_t>(a.data, i));
    return true;
  case D::U32:
    label = int64_t(load<uint32_t>(a.data, i));
    return true;
  case D::I64:
    label = int64_t(load<int64_t>(a.data, i));
    return true;
  default:
    return false;
  }
}

llvm::Expected<Accuracy> ohm::computeAccuracy(const ohmrt::HostTensor &output,
                                              const std::string &labelsPath) {
  auto fail = [&](const std::string &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s",
                                   labelsPath.c_str(), message.c_str());
  };
  ohmrt::NpyArray labels;
  std::string error;
  if (!ohmrt::readNpyFile(labelsPath, labels, error))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s",
                                   error.c_str());
  int64_t rows = output.shape.empty() ? 1 : output.shape[0];
  if (labels.getNumElements() != rows)
    return fail("has " + std::to_string(labels.getNumElements()) +
                " labels, but the output has " + std::to_string(rows) +
                " rows (one label per row)");
  int64_t classes = rows > 0 ? output.getNumElements() / rows : 0;
  if (output.data.size() <
      size_t(output.getNumElements()) * ohmrt::getStorageBytes(output.dtype))
    return fail("the output holds fewer bytes than its shape says");
  Accuracy accuracy;
  accuracy.total = rows;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t label;
    if (!loadLabel(labels, r, label))
      return fail("labels must be integers");
    int64_t best = 0;
    double bestScore = 0;
    for (int64_t c = 0; c < classes; ++c) {
      double score;
      if (!loadOutput(output, r * classes + c, score))
        return fail("cannot score a float16 output");
      if (c == 0 || score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    accuracy.correct += best == label;
  }
  return accuracy;
}
