//===- Vocabulary.cpp - Spelling the crossbar vocabulary ------------------===//

#include "ohm/Target/Vocabulary.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;
using namespace ohm::target;

/// "a, b or c" from the spellings.
static std::string joinChoices(std::initializer_list<llvm::StringRef> names) {
  std::string text;
  size_t i = 0;
  for (llvm::StringRef name : names) {
    if (i)
      text += i + 1 == names.size() ? " or " : ", ";
    text += name.str();
    ++i;
  }
  return text;
}

llvm::StringRef target::getEncodingName(Encoding encoding) {
  switch (encoding) {
#define OHM_ENCODING(ENUMERATOR, NAME)                                         \
  case Encoding::ENUMERATOR:                                                   \
    return NAME;
#include "ohm/Target/Vocabulary.def"
  }
  llvm_unreachable("unknown encoding");
}

llvm::StringRef target::getSensingName(Sensing sensing) {
  switch (sensing) {
#define OHM_SENSING(ENUMERATOR, NAME)                                          \
  case Sensing::ENUMERATOR:                                                    \
    return NAME;
#include "ohm/Target/Vocabulary.def"
  }
  llvm_unreachable("unknown sensing");
}

llvm::StringRef target::getAdcPolicyName(AdcPolicy policy) {
  switch (policy) {
#define OHM_ADC_POLICY(ENUMERATOR, NAME)                                       \
  case AdcPolicy::ENUMERATOR:                                                  \
    return NAME;
#include "ohm/Target/Vocabulary.def"
  }
  llvm_unreachable("unknown ADC policy");
}

llvm::Optional<Encoding> target::parseEncoding(llvm::StringRef name) {
  return llvm::StringSwitch<llvm::Optional<Encoding>>(name)
#define OHM_ENCODING(ENUMERATOR, NAME) .Case(NAME, Encoding::ENUMERATOR)
#include "ohm/Target/Vocabulary.def"
      .Default(llvm::None);
}

llvm::Optional<Sensing> target::parseSensing(llvm::StringRef name) {
  return llvm::StringSwitch<llvm::Optional<Sensing>>(name)
#define OHM_SENSING(ENUMERATOR, NAME) .Case(NAME, Sensing::ENUMERATOR)
#include "ohm/Target/Vocabulary.def"
      .Default(llvm::None);
}

llvm::Optional<AdcPolicy> target::parseAdcPolicy(llvm::StringRef name) {
  return llvm::StringSwitch<llvm::Optional<AdcPolicy>>(name)
#define OHM_ADC_POLICY(ENUMERATOR, NAME) .Case(NAME, AdcPolicy::ENUMERATOR)
#include "ohm/Target/Vocabulary.def"
      .Default(llvm::None);
}

std::string target::getEncodingChoices() {
  return joinChoices({
#define OHM_ENCODING(ENUMERATOR, NAME) NAME,
#include "ohm/Target/Vocabulary.def"
  });
}

std::string target::getSensingChoices() {
  return joinChoices({
#define OHM_SENSING(ENUMERATOR, NAME) NAME,
#include "ohm/Target/Vocabulary.def"
  });
}

std::string target::getAdcPolicyChoices() {
  return joinChoices({
#define OHM_ADC_POLICY(ENUMERATOR, NAME) NAME,
#include "ohm/Target/Vocabulary.def"
  });
}

llvm::Optional<AdcChoice> target::parseAdcChoice(llvm::StringRef text,
                                                 std::string &error) {
  AdcChoice choice;
  llvm::StringRef rest = text;
  if (rest == "lossless")
    return choice;
  if (rest.consume_front("calibrated") &&
      (rest.empty() || rest.startswith(":"))) {
    choice.policy = AdcPolicy::Calibrated;
    if (rest.empty())
      return choice;
    if (!rest.consume_front(":") || rest.getAsInteger(10, choice.bits) ||
        choice.bits < 1 || choice.bits > 32) {
      error = "calibrated:N needs N in [1, 32], got '" + text.str() + "'";
      return llvm::None;
    }
    return choice;
  }
  if (!rest.getAsInteger(10, choice.bits) && choice.bits >= 1 &&
      choice.bits <= 32) {
    choice.policy = AdcPolicy::Fixed;
    return choice;
  }
  error = "must be lossless, a width in [1, 32], calibrated or calibrated:N; "
          "got '" +
          text.str() + "'";
  return llvm::None;
}

//===----------------------------------------------------------------------===//
// Pass options
//===----------------------------------------------------------------------===//

/// Parses a value with `parse`, or says which spellings there are.
template <typename T, typename ParseFn>
static LogicalResult parseChoice(llvm::StringRef text, T &value,
                                 std::string &error, ParseFn parse) {
  if (llvm::Optional<T> parsed = parse(text)) {
    value = *parsed;
    return success();
  }
  error = "'" + text.str() + "' is not one of " +
          getOptionTypeName(static_cast<T *>(nullptr));
  return failure();
}

LogicalResult target::parseOptionValue(llvm::StringRef text, Encoding &value,
                                       std::string &error) {
  return parseChoice(text, value, error, parseEncoding);
}
LogicalResult target::parseOptionValue(llvm::StringRef text, Sensing &value,
                                       std::string &error) {
  return parseChoice(text, value, error, parseSensing);
}
LogicalResult target::parseOptionValue(llvm::StringRef text, AdcPolicy &value,
                                       std::string &error) {
  return parseChoice(text, value, error, parseAdcPolicy);
}

/// Splits `layer:value` at the last colon.
static bool splitLayerSetting(llvm::StringRef text, std::string &layer,
                              llvm::StringRef &value, std::string &error,
                              const char *what) {
  auto [name, rest] = text.rsplit(':');
  if (name.empty() || rest.empty() || name.size() == text.size()) {
    error = "'" + text.str() + "' is not layer:" + what;
    return false;
  }
  layer = name.str();
  value = rest;
  return true;
}

LogicalResult target::parseOptionValue(llvm::StringRef text,
                                       LayerSetting<Encoding> &value,
                                       std::string &error) {
  llvm::StringRef encoding;
  if (!splitLayerSetting(text, value.layer, encoding, error, "encoding"))
    return failure();
  if (failed(parseOptionValue(encoding, value.value, error))) {
    error = "in '" + text.str() + "': " + error;
    return failure();
  }
  return success();
}

LogicalResult target::parseOptionValue(llvm::StringRef text,
                                       LayerSetting<int64_t> &value,
                                       std::string &error) {
  llvm::StringRef bits;
  if (!splitLayerSetting(text, value.layer, bits, error, "bits"))
    return failure();
  if (bits.getAsInteger(10, value.value) || value.value < 1 ||
      value.value > 32) {
    error = "in '" + text.str() + "': the width must be an integer in [1, 32]";
    return failure();
  }
  return success();
}

void target::printOptionValue(llvm::raw_ostream &os, Encoding value) {
  os << getEncodingName(value);
}
void target::printOptionValue(llvm::raw_ostream &os, Sensing value) {
  os << getSensingName(value);
}
void target::printOptionValue(llvm::raw_ostream &os, AdcPolicy value) {
  os << getAdcPolicyName(value);
}
void target::printOptionValue(llvm::raw_ostream &os,
                              const LayerSetting<Encoding> &value) {
  os << value.layer << ':' << getEncodingName(value.value);
}
void target::printOptionValue(llvm::raw_ostream &os,
                              const LayerSetting<int64_t> &value) {
  os << value.layer << ':' << value.value;
}

/// "a|b|c", for the pass option help.
static std::string joinSpellings(std::initializer_list<llvm::StringRef> names) {
  std::string text;
  for (llvm::StringRef name : names)
    text += (text.empty() ? "" : "|") + name.str();
  return text;
}

const char *target::getOptionTypeName(Encoding *) {
  static const std::string names = joinSpellings({
#define OHM_ENCODING(ENUMERATOR, NAME) NAME,
#include "ohm/Target/Vocabulary.def"
  });
  return names.c_str();
}
const char *target::getOptionTypeName(Sensing *) {
  static const std::string names = joinSpellings({
#define OHM_SENSING(ENUMERATOR, NAME) NAME,
#include "ohm/Target/Vocabulary.def"
  });
  return names.c_str();
}
const char *target::getOptionTypeName(AdcPolicy *) {
  static const std::string names = joinSpellings({
#define OHM_ADC_POLICY(ENUMERATOR, NAME) NAME,
#include "ohm/Target/Vocabulary.def"
  });
  return names.c_str();
}
const char *target::getOptionTypeName(LayerSetting<Encoding> *) {
  return "layer:encoding";
}
const char *target::getOptionTypeName(LayerSetting<int64_t> *) {
  return "layer:bits";
}
