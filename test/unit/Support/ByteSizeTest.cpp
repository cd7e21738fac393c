//===- ByteSizeTest.cpp - Byte counts on the command line and in messages -===//

#include "ohm/Support/ByteSize.h"

#include "gtest/gtest.h"

using namespace ohm;

TEST(ByteSizeTest, ParsesSuffixesInPowersOf1024) {
  EXPECT_EQ(parseByteSize("4096"), uint64_t(4096));
  EXPECT_EQ(parseByteSize("512K"), uint64_t(512) << 10);
  EXPECT_EQ(parseByteSize("512m"), uint64_t(512) << 20);
  EXPECT_EQ(parseByteSize("2G"), uint64_t(2) << 30);
  EXPECT_EQ(parseByteSize("2GB"), uint64_t(2) << 30);
  EXPECT_EQ(parseByteSize("1.5G"), uint64_t(3) << 29);
  EXPECT_EQ(parseByteSize(" 1T "), uint64_t(1) << 40);
}

TEST(ByteSizeTest, RejectsMalformedZeroAndHugeSizes) {
  for (const char *text : {"", "G", "lots", "0", "-1G", "1X", "2^30", "nan",
                           "inf", "16E", "1e9", "+1G", "1..5G", "20000000T"})
    EXPECT_FALSE(parseByteSize(text)) << text;
}

TEST(ByteSizeTest, FormatsInTheLargestUnitWithAtMostOneDecimal) {
  EXPECT_EQ(formatByteSize(0), "0 bytes");
  EXPECT_EQ(formatByteSize(1), "1 byte");
  EXPECT_EQ(formatByteSize(1023), "1023 bytes");
  EXPECT_EQ(formatByteSize(1024), "1 KiB");
  EXPECT_EQ(formatByteSize(uint64_t(3) << 19), "1.5 MiB");
  EXPECT_EQ(formatByteSize(uint64_t(2) << 30), "2 GiB");
  EXPECT_EQ(formatByteSize((uint64_t(2) << 30) + 8), "2.0 GiB");
  EXPECT_EQ(formatByteSize(uint64_t(4) << 40), "4 TiB");
  EXPECT_EQ(formatByteSize(uint64_t(1) << 62), "4 EiB");
}
