//===- TypesTest.cpp - Types are uniqued and report their properties ------===//

#include "ohm/IR/Types.h"
#include "ohm/IR/Context.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace ohm;

namespace {

std::string str(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return os.str();
}

TEST(TypesTest, IntegersAreUniquedBySignAndWidth) {
  Context ctx;
  EXPECT_EQ(IntegerType::get(ctx, 8, true), IntegerType::get(ctx, 8, true));
  EXPECT_NE(IntegerType::get(ctx, 8, true), IntegerType::get(ctx, 8, false));
  EXPECT_NE(IntegerType::get(ctx, 4, true), IntegerType::get(ctx, 8, true));
  EXPECT_EQ(str(IntegerType::get(ctx, 4, true)), "i4");
  EXPECT_EQ(str(IntegerType::get(ctx, 2, false)), "u2");
}

TEST(TypesTest, IntegerRanges) {
  Context ctx;
  auto i4 = IntegerType::get(ctx, 4, true);
  EXPECT_EQ(i4.getMinValue(), -8);
  EXPECT_EQ(i4.getMaxValue(), 7u);
  EXPECT_TRUE(i4.fitsSigned(-8));
  EXPECT_FALSE(i4.fitsSigned(8));
  auto u2 = IntegerType::get(ctx, 2, false);
  EXPECT_EQ(u2.getMaxValue(), 3u);
  EXPECT_FALSE(u2.fitsSigned(-1));
  auto i64 = IntegerType::get(ctx, 64, true);
  EXPECT_EQ(i64.getMinValue(), INT64_MIN);
  auto u64 = IntegerType::get(ctx, 64, false);
  EXPECT_EQ(u64.getMaxValue(), UINT64_MAX);
  // i1 is the boolean type.
  auto i1 = IntegerType::get(ctx, 1, true);
  EXPECT_EQ(i1.getMinValue(), 0);
  EXPECT_EQ(i1.getMaxValue(), 1u);
}

TEST(TypesTest, IntegerWrap) {
  Context ctx;
  EXPECT_EQ(IntegerType::get(ctx, 8, true).wrap(128), -128);
  EXPECT_EQ(IntegerType::get(ctx, 8, true).wrap(-129), 127);
  EXPECT_EQ(IntegerType::get(ctx, 8, false).wrap(256 + 5), 5);
  EXPECT_EQ(IntegerType::get(ctx, 4, true).wrap(9), -7);
  EXPECT_EQ(IntegerType::get(ctx, 64, true).wrap(INT64_MIN), INT64_MIN);
}

TEST(TypesTest, StorageBytes) {
  Context ctx;
  EXPECT_EQ(IntegerType::get(ctx, 1, true).getStorageBytes(), 1u);
  EXPECT_EQ(IntegerType::get(ctx, 4, true).getStorageBytes(), 1u);
  EXPECT_EQ(IntegerType::get(ctx, 9, true).getStorageBytes(), 2u);
  EXPECT_EQ(IntegerType::get(ctx, 17, false).getStorageBytes(), 4u);
  EXPECT_EQ(IntegerType::get(ctx, 33, false).getStorageBytes(), 8u);
}

TEST(TypesTest, Tensors) {
  Context ctx;
  Type u8 = IntegerType::get(ctx, 8, false);
  auto t = TensorType::get({1, 784}, u8);
  EXPECT_EQ(t, TensorType::get({1, 784}, u8));
  EXPECT_EQ(t.getNumElements(), 784);
  EXPECT_TRUE(t.hasStaticShape());
  EXPECT_EQ(str(t), "tensor<1x784xu8>");
  auto dyn =
      TensorType::get({TensorType::kDynamic, 10}, FloatType::getF32(ctx));
  EXPECT_FALSE(dyn.hasStaticShape());
  EXPECT_EQ(str(dyn), "tensor<?x10xf32>");
  EXPECT_EQ(str(TensorType::get({}, u8)), "tensor<u8>");
  EXPECT_EQ(str(TensorType::get({0, 4}, u8)), "tensor<0x4xu8>");
}

TEST(TypesTest, FunctionTypes) {
  Context ctx;
  Type i8 = IntegerType::get(ctx, 8, true);
  Type f32 = FloatType::getF32(ctx);
  EXPECT_EQ(str(FunctionType::get(ctx, {i8, f32}, {f32})), "(i8, f32) -> f32");
  EXPECT_EQ(str(FunctionType::get(ctx, {}, {})), "() -> ()");
  EXPECT_EQ(str(FunctionType::get(ctx, {i8}, {i8, f32})), "(i8) -> (i8, f32)");
  EXPECT_EQ(FunctionType::get(ctx, {i8}, {f32}),
            FunctionType::get(ctx, {i8}, {f32}));
}

TEST(TypesTest, FloatRounding) {
  Context ctx;
  EXPECT_EQ(FloatType::getF32(ctx).round(0.1), double(0.1f));
  EXPECT_EQ(FloatType::getF64(ctx).round(0.1), 0.1);
  EXPECT_EQ(FloatType::getF16(ctx).round(1.0 / 3.0), 0.333251953125);
}

} // namespace
