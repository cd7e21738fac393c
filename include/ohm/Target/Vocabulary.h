//===- Vocabulary.h - Weight encodings, sensing, ADC policies ---*- C++ -*-===//
//
// The crossbar vocabulary as enums generated from Vocabulary.def, with one
// spelling each for target files, xb op attributes (`encoding = "offset"`),
// pass options (`xb-encode{encoding=offset layers=fc:binary}`) and the
// command line (`ohmc --encoding=offset --adc=calibrated:4`). Parsing a
// spelling is the only way to get a value from text, so a misspelling is
// an error where it is written, naming the choices.
//
// The parseOptionValue / printOptionValue / getOptionTypeName overloads
// make these types usable as PassOption and ListOption values (the pass
// options find them by argument-dependent lookup).
//
//===----------------------------------------------------------------------===//

#ifndef OHM_TARGET_VOCABULARY_H
#define OHM_TARGET_VOCABULARY_H

#include "ohm/Support/LogicalResult.h"

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ohm {
namespace target {

enum class Encoding {
#define OHM_ENCODING(ENUMERATOR, NAME) ENUMERATOR,
#include "ohm/Target/Vocabulary.def"
};

enum class Sensing {
#define OHM_SENSING(ENUMERATOR, NAME) ENUMERATOR,
#include "ohm/Target/Vocabulary.def"
};

enum class AdcPolicy {
#define OHM_ADC_POLICY(ENUMERATOR, NAME) ENUMERATOR,
#include "ohm/Target/Vocabulary.def"
};

/// The spelling of a value.
llvm::StringRef getEncodingName(Encoding encoding);
llvm::StringRef getSensingName(Sensing sensing);
llvm::StringRef getAdcPolicyName(AdcPolicy policy);

/// The value a spelling names, or None.
llvm::Optional<Encoding> parseEncoding(llvm::StringRef name);
llvm::Optional<Sensing> parseSensing(llvm::StringRef name);
llvm::Optional<AdcPolicy> parseAdcPolicy(llvm::StringRef name);

/// The spellings for messages: "differential, offset, binary or ternary".
std::string getEncodingChoices();
std::string getSensingChoices();
std::string getAdcPolicyChoices();

/// Whether cells of this encoding are read in pairs by sense amplifiers
/// (one sensed bit per cell pair) rather than converted by ADCs.
inline bool isSensed(Encoding encoding) {
  return encoding == Encoding::Binary || encoding == Encoding::Ternary;
}
/// Whether the encoding stores each weight as a pair of cell sets (positive
/// and negative parts), as opposed to one set with an offset.
inline bool isPaired(Encoding encoding) { return encoding != Encoding::Offset; }

/// The command line's ADC choice (`--adc`): a policy and, for `fixed` and
/// `calibrated`, a width (0 keeps the target's). Spelled "lossless", a
/// width "N" (fixed), "calibrated" or "calibrated:N".
struct AdcChoice {
  AdcPolicy policy = AdcPolicy::Lossless;
  int64_t bits = 0;
};
/// Parses an AdcChoice; on failure returns None and says why in `error`.
llvm::Optional<AdcChoice> parseAdcChoice(llvm::StringRef text,
                                         std::string &error);

/// One per-layer setting of a pass option: `layer:value`. The layer name is
/// everything before the last colon.
template <typename T> struct LayerSetting {
  std::string layer;
  T value;
};

// Pass option support (see ohm/Pass/Pass.h).
LogicalResult parseOptionValue(llvm::StringRef text, Encoding &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text, Sensing &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text, AdcPolicy &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text,
                               LayerSetting<Encoding> &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text,
                               LayerSetting<int64_t> &value,
                               std::string &error);
void printOptionValue(llvm::raw_ostream &os, Encoding value);
void printOptionValue(llvm::raw_ostream &os, Sensing value);
void printOptionValue(llvm::raw_ostream &os, AdcPolicy value);
void printOptionValue(llvm::raw_ostream &os,
                      const LayerSetting<Encoding> &value);
void printOptionValue(llvm::raw_ostream &os,
                      const LayerSetting<int64_t> &value);
const char *getOptionTypeName(Encoding *);
const char *getOptionTypeName(Sensing *);
const char *getOptionTypeName(AdcPolicy *);
const char *getOptionTypeName(LayerSetting<Encoding> *);
const char *getOptionTypeName(LayerSetting<int64_t> *);

} // namespace target
} // namespace ohm

#endif // OHM_TARGET_VOCABULARY_H
