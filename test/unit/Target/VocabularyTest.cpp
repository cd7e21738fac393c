//===- VocabularyTest.cpp - The crossbar vocabulary's spellings -----------===//

#include "ohm/Target/Vocabulary.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace ohm;
using namespace ohm::target;

namespace {

template <typename T> std::string printed(const T &value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  printOptionValue(os, value);
  return os.str();
}

TEST(VocabularyTest, EverySpellingRoundTrips) {
  int encodings = 0, sensings = 0, policies = 0;
#define OHM_ENCODING(ENUMERATOR, NAME)                                         \
  EXPECT_EQ(getEncodingName(Encoding::ENUMERATOR), NAME);                      \
  EXPECT_EQ(parseEncoding(NAME), Encoding::ENUMERATOR);                        \
  ++encodings;
#define OHM_SENSING(ENUMERATOR, NAME)                                          \
  EXPECT_EQ(getSensingName(Sensing::ENUMERATOR), NAME);                        \
  EXPECT_EQ(parseSensing(NAME), Sensing::ENUMERATOR);                          \
  ++sensings;
#define OHM_ADC_POLICY(ENUMERATOR, NAME)                                       \
  EXPECT_EQ(getAdcPolicyName(AdcPolicy::ENUMERATOR), NAME);                    \
  EXPECT_EQ(parseAdcPolicy(NAME), AdcPolicy::ENUMERATOR);                      \
  ++policies;
#include "ohm/Target/Vocabulary.def"
  EXPECT_EQ(encodings, 4);
  EXPECT_EQ(sensings, 2);
  EXPECT_EQ(policies, 3);
  EXPECT_EQ(getEncodingChoices(), "differential, offset, binary or ternary");
  EXPECT_EQ(getSensingChoices(), "digital or analog");
}

TEST(VocabularyTest, UnknownSpellingsAreRejected) {
  EXPECT_FALSE(parseEncoding("Differential"));
  EXPECT_FALSE(parseEncoding(""));
  EXPECT_FALSE(parseSensing("both"));
  EXPECT_FALSE(parseAdcPolicy("adaptive"));
  Encoding encoding = Encoding::Offset;
  std::string error;
  EXPECT_TRUE(failed(parseOptionValue("quaternary", encoding, error)));
  EXPECT_EQ(error,
            "'quaternary' is not one of differential|offset|binary|ternary");
  EXPECT_EQ(encoding, Encoding::Offset); // Unchanged on failure.
}

TEST(VocabularyTest, AdcChoices) {
  std::string error;
  auto lossless = parseAdcChoice("lossless", error);
  ASSERT_TRUE(lossless);
  EXPECT_EQ(lossless->policy, AdcPolicy::Lossless);
  auto fixed = parseAdcChoice("6", error);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->policy, AdcPolicy::Fixed);
  EXPECT_EQ(fixed->bits, 6);
  auto calibrated = parseAdcChoice("calibrated", error);
  ASSERT_TRUE(calibrated);
  EXPECT_EQ(calibrated->policy, AdcPolicy::Calibrated);
  EXPECT_EQ(calibrated->bits, 0); // The target's width.
  auto calibrated4 = parseAdcChoice("calibrated:4", error);
  ASSERT_TRUE(calibrated4);
  EXPECT_EQ(calibrated4->bits, 4);
  for (const char *bad : {"0", "33", "-4", "8bits", "lossy", "calibratedfoo",
                          "calibrated:", "calibrated:0", "calibrated:4x"}) {
    error.clear();
    EXPECT_FALSE(parseAdcChoice(bad, error)) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
}

TEST(VocabularyTest, LayerSettingsSplitAtTheLastColon) {
  std::string error;
  LayerSetting<Encoding> encoding;
  ASSERT_TRUE(succeeded(parseOptionValue("a:b/c:ternary", encoding, error)));
  EXPECT_EQ(encoding.layer, "a:b/c");
  EXPECT_EQ(encoding.value, Encoding::Ternary);
  EXPECT_EQ(printed(encoding), "a:b/c:ternary");
  LayerSetting<int64_t> width;
  ASSERT_TRUE(succeeded(parseOptionValue("fc:6", width, error)));
  EXPECT_EQ(width.layer, "fc");
  EXPECT_EQ(width.value, 6);
  EXPECT_EQ(printed(width), "fc:6");
  for (const char *bad : {"fc", ":6", "fc:", "fc:0", "fc:33", "fc:six"})
    EXPECT_TRUE(failed(parseOptionValue(bad, width, error))) << bad;
  EXPECT_TRUE(failed(parseOptionValue("fc:bogus", encoding, error)));
  EXPECT_EQ(error, "in 'fc:bogus': 'bogus' is not one of "
                   "differential|offset|binary|ternary");
}

} // namespace
