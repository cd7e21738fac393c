//===- AttributesTest.cpp - Attributes, dense payloads and splats ---------===//

#include "ohm/IR/Context.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace ohm;

namespace {

std::string str(Attribute attr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << attr;
  return os.str();
}

TEST(AttributesTest, ScalarsAreUniqued) {
  Context ctx;
  EXPECT_EQ(IntegerAttr::get(ctx, 5), IntegerAttr::get(ctx, 5));
  EXPECT_NE(IntegerAttr::get(ctx, 5),
            IntegerAttr::get(IntegerType::get(ctx, 8, true), 5));
  EXPECT_EQ(StringAttr::get(ctx, "a"), StringAttr::get(ctx, "a"));
  EXPECT_EQ(BoolAttr::get(ctx, true).getValue(), true);
  EXPECT_EQ(str(IntegerAttr::get(IntegerType::get(ctx, 8, true), -3)),
            "-3 : i8");
  EXPECT_EQ(str(IntegerAttr::get(ctx, 42)), "42");
  EXPECT_EQ(str(FloatAttr::get(FloatType::getF32(ctx), 0.5)), "0.5 : f32");
  EXPECT_EQ(str(FloatAttr::get(FloatType::getF64(ctx), 2.0)), "2.0");
  EXPECT_EQ(str(StringAttr::get(ctx, "a\"b\n")), "\"a\\\"b\\n\"");
}

TEST(AttributesTest, ArrayOfInts) {
  Context ctx;
  ArrayAttr array = ArrayAttr::getI64(ctx, {1, -2, 3});
  std::vector<int64_t> values;
  ASSERT_TRUE(array.getAsInts(values));
  EXPECT_EQ(values, (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(str(array), "[1, -2, 3]");
  ArrayAttr mixed =
      ArrayAttr::get(ctx, {IntegerAttr::get(ctx, 1), UnitAttr::get(ctx)});
  EXPECT_FALSE(mixed.getAsInts(values));
}

TEST(AttributesTest, DenseFromIntsRoundTripsThroughRawData) {
  Context ctx;
  auto type = TensorType::get({2, 3}, IntegerType::get(ctx, 8, true));
  auto dense = DenseElementsAttr::getFromInts(type, {1, -2, 3, -4, 5, -128});
  EXPECT_FALSE(dense.isSplat());
  EXPECT_EQ(dense.getInts(), (std::vector<int64_t>{1, -2, 3, -4, 5, -128}));
  EXPECT_EQ(dense.getRawData().size(), 6u);
  auto again = DenseElementsAttr::getFromRawData(type, dense.getRawData());
  EXPECT_EQ(dense, again);
}

TEST(AttributesTest, EqualElementsBecomeASplat) {
  Context ctx;
  auto type = TensorType::get({4}, IntegerType::get(ctx, 16, false));
  auto dense = DenseElementsAttr::getFromInts(type, {7, 7, 7, 7});
  EXPECT_TRUE(dense.isSplat());
  EXPECT_EQ(dense, DenseElementsAttr::getFromInts(type, {7}));
  EXPECT_EQ(dense.getInt(3), 7);
  EXPECT_EQ(str(dense), "dense<7> : tensor<4xu16>");
}

TEST(AttributesTest, SubByteElementsAreRangeChecked) {
  Context ctx;
  auto type = TensorType::get({2}, IntegerType::get(ctx, 4, true));
  char good[] = {7, -8};
  EXPECT_TRUE(DenseElementsAttr::verifyRawData(type, good).empty());
  char bad[] = {8, 0};
  std::string problem = DenseElementsAttr::verifyRawData(type, bad);
  EXPECT_NE(problem.find("element 0"), std::string::npos) << problem;
  char tooShort[] = {1, 2, 3};
  EXPECT_NE(DenseElementsAttr::verifyRawData(type, tooShort).find("3 bytes"),
            std::string::npos);
}

TEST(AttributesTest, DenseFloats) {
  Context ctx;
  auto type = TensorType::get({3}, FloatType::getF32(ctx));
  auto dense = DenseElementsAttr::getFromDoubles(type, {0.1, -2.5, 1e30});
  EXPECT_EQ(dense.getDouble(0), double(0.1f));
  EXPECT_EQ(dense.getDouble(1), -2.5);
  EXPECT_EQ(str(dense), "dense<[0.1, -2.5, 1e+30]> : tensor<3xf32>");
  auto half = TensorType::get({2}, FloatType::getF16(ctx));
  auto halves = DenseElementsAttr::getFromDoubles(half, {1.5, -0.25});
  EXPECT_EQ(halves.getDoubles(), (std::vector<double>{1.5, -0.25}));
}

TEST(AttributesTest, UnsignedSixtyFourBit) {
  Context ctx;
  auto type = TensorType::get({2}, IntegerType::get(ctx, 64, false));
  auto dense = DenseElementsAttr::getFromInts(type, {-1, 0});
  EXPECT_EQ(uint64_t(dense.getInt(0)), UINT64_MAX);
  EXPECT_EQ(str(dense), "dense<[18446744073709551615, 0]> : tensor<2xu64>");
}

} // namespace
