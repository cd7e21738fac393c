//===- NpyTest.cpp - .npy parsing and writing -----------------------------===//

#include "ohm/Support/Npy.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace ohm;

namespace {

/// A .npy file with the given version and header text, padded as NumPy
/// pads it, followed by `data`.
std::string makeNpy(int major, std::string header, const std::string &data) {
  size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += char(0);
  uint32_t len = uint32_t(header.size());
  out += char(len & 0xFF);
  out += char((len >> 8) & 0xFF);
  if (major != 1) {
    out += char((len >> 16) & 0xFF);
    out += char((len >> 24) & 0xFF);
  }
  return out + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string data;
  for (float value : values)
    data.append(reinterpret_cast<const char *>(&value), 4);
  return data;
}

TEST(NpyTest, ParsesVersion1And2) {
  for (int major : {1, 2, 3}) {
    std::string file = makeNpy(
        major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        floats({1, 2, 3, 4, 5, 6}));
    auto array = parseNpy(file, "a.npy");
    ASSERT_TRUE(bool(array)) << toString(array.takeError());
    EXPECT_EQ(array->dtype, NpyDType::F32);
    EXPECT_EQ(array->shape, (std::vector<int64_t>{2, 3}));
    float sixth;
    std::memcpy(&sixth, array->data.data() + 20, 4);
    EXPECT_EQ(sixth, 6.0f);
  }
}

TEST(NpyTest, ScalarAndOneDimensionalShapes) {
  auto scalar = parseNpy(
      makeNpy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }",
              std::string(1, char(7))),
      "s.npy");
  ASSERT_TRUE(bool(scalar));
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->getNumElements(), 1);
  auto vector = parseNpy(
      makeNpy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
              std::string("\x01\x00\x01", 3)),
      "v.npy");
  ASSERT_TRUE(bool(vector));
  EXPECT_EQ(vector->dtype, NpyDType::Bool);
  EXPECT_EQ(vector->shape, (std::vector<int64_t>{3}));
}

TEST(NpyTest, WriteThenReadIsIdentity) {
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{}, {5}, {2, 3}, {1, 1, 28, 28}}) {
    NpyArray array;
    array.dtype = NpyDType::I16;
    array.shape = shape;
    array.data.resize(array.getNumElements() * 2);
    for (size_t i = 0; i < array.data.size(); ++i)
      array.data[i] = char(i * 7);
    std::string bytes = serializeNpy(array);
    EXPECT_EQ((bytes.size() - array.data.size()) % 64, 0u)
        << "the header is padded to 64 bytes";
    auto back = parseNpy(bytes, "x.npy");
    ASSERT_TRUE(bool(back)) << toString(back.takeError());
    EXPECT_EQ(back->dtype, array.dtype);
    EXPECT_EQ(back->shape, array.shape);
    EXPECT_EQ(back->data, array.data);
  }
}

TEST(NpyTest, RejectsWhatItCannotRead) {
  struct Case {
    std::string bytes;
    const char *message;
  } cases[] = {
      {"not numpy at all", "bad magic"},
      {makeNpy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
               floats({1})),
       "big-endian"},
      {makeNpy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
               std::string(8, '\0')),
       "unsupported dtype '<c8'"},
      {makeNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
               floats({1})),
       "Fortran-order"},
      {makeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
               floats({1, 2})),
       "holds 8 bytes of data but shape needs 16"},
      {makeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
               floats({1, 2})),
       "trailing bytes after the data (4)"},
      {makeNpy(1, "{'fortran_order': False, 'shape': (1,), }", floats({1})),
       "no 'descr'"},
      {makeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
               ""),
       "bad dimension"},
      {std::string("\x93NUMPY\x01\x00\xFF\x00", 10), "truncated"},
      {std::string("\x93NUMPY\x07\x00\x10\x00", 10),
       "unsupported .npy version 7"},
  };
  for (const Case &c : cases) {
    auto array = parseNpy(c.bytes, "bad.npy");
    ASSERT_FALSE(bool(array)) << c.message;
    std::string message = toString(array.takeError());
    EXPECT_NE(message.find("bad.npy: "), std::string::npos) << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
  }
}

} // namespace
