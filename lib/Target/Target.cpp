//===- Target.cpp - Description of a crossbar accelerator -----------------===//
//
// YAML I/O mappings for targets. Values with bounds are mapped through small
// wrapper types whose ScalarTraits check the range, so that YAML I/O reports
// an impossible value at its own line and column; constraints between keys
// are checked in MappingTraits<Target>::validate.
//
//===----------------------------------------------------------------------===//

#include "ohm/Target/Target.h"
#include "ohm/Support/FileUtilities.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace ohm;
using namespace ohm::target;

namespace {

/// An integer field with inclusive bounds.
struct BoundedInt {
  int64_t *value;
  int64_t min, max;
};

/// A real field with bounds; `min` may be exclusive.
struct BoundedReal {
  double *value;
  double min, max;
  bool minExclusive;
};

/// A real-valued key of a section: its name, the field it sets and its
/// bounds. mapReals maps a table of them in order (the order printTarget
/// writes).
template <typename Config> struct RealKey {
  const char *name;
  double Config::*field;
  double min, max;
  bool minExclusive;
};

template <typename Config, size_t N>
void mapReals(llvm::yaml::IO &io, Config &c, const RealKey<Config> (&keys)[N]) {
  for (const RealKey<Config> &key : keys) {
    BoundedReal value{&(c.*key.field), key.min, key.max, key.minExclusive};
    io.mapOptional(key.name, value);
  }
}

/// The longest key printTarget writes; LLVM's YAML scanner gives up on a
/// key after 1024 columns.
constexpr size_t kMaxKeyLength = 1000;

/// A layer name as a key of a per-layer map. YAML I/O's Output writes keys
/// verbatim, so a name like `a: b`, `#1` or `''` must be quoted here to
/// read back as itself.
std::string quoteKey(llvm::StringRef key) {
  using llvm::yaml::QuotingType;
  switch (llvm::yaml::needsQuotes(key)) {
  case QuotingType::None:
    return key.str();
  case QuotingType::Single: {
    std::string quoted = "'";
    for (char c : key)
      quoted += c == '\'' ? std::string("''") : std::string(1, c);
    return quoted + "'";
  }
  case QuotingType::Double:
    return "\"" + llvm::yaml::escape(key, /*EscapePrintable=*/false) + "\"";
  }
  return key.str();
}

/// A layer name must come back from printTarget: YAML I/O looks keys up as
/// C strings, so a NUL would cut it short, and a key (as printed: quoted
/// and escaped) may span at most 1024 characters in YAML.
bool isValidLayerKey(llvm::yaml::IO &io, llvm::StringRef key) {
  if (key.contains('\0')) {
    io.setError("a layer name contains a NUL character");
    return false;
  }
  if (quoteKey(key).size() > kMaxKeyLength) {
    io.setError("a layer name is longer than " + llvm::Twine(kMaxKeyLength) +
                " characters (quoted)");
    return false;
  }
  return true;
}

const struct {
  const char *name;
  const char *yaml;
} kPresets[] = {
#include "Presets.inc"
};

} // namespace

namespace llvm {
namespace yaml {

template <> struct ScalarTraits<BoundedInt> {
  static void output(const BoundedInt &field, void *, raw_ostream &os) {
    os << *field.value;
  }
  static StringRef input(StringRef text, void *, BoundedInt &field) {
    static std::string error;
    int64_t parsed;
    if (text.trim().getAsInteger(10, parsed))
      return "expected an integer";
    if (parsed < field.min || parsed > field.max) {
      error = "value " + std::to_string(parsed) + " is out of range [" +
              std::to_string(field.min) + ", " + std::to_string(field.max) +
              "]";
      return error;
    }
    *field.value = parsed;
    return StringRef();
  }
  static QuotingType mustQuote(StringRef) { return QuotingType::None; }
};

template <> struct ScalarTraits<BoundedReal> {
  static void output(const BoundedReal &field, void *, raw_ostream &os) {
    // The shortest decimal that reads back as the same double (raw_ostream's
    // operator<< keeps 6 significant digits, which changed e.g. isaac's
    // cell_read_energy_pj when printed and loaded again).
    double value = *field.value;
    char text[32];
    int digits = 1;
    for (; digits < 17; ++digits) {
      std::snprintf(text, sizeof(text), "%.*g", digits, value);
      if (std::strtod(text, nullptr) == value)
        break;
    }
    // %g writes 100 as 1e+02 at one digit; keep plain notation up to 10^16.
    int exponent =
        value == 0 ? 0 : int(std::floor(std::log10(std::fabs(value))));
    if (exponent >= digits && exponent < 16)
      digits = exponent + 1;
    std::snprintf(text, sizeof(text), "%.*g", digits, value);
    os << text;
  }
  static StringRef input(StringRef text, void *, BoundedReal &field) {
    static std::string error;
    double parsed;
    if (text.trim().getAsDouble(parsed) || !std::isfinite(parsed))
      return "expected a finite number";
    bool low = field.minExclusive ? parsed <= field.min : parsed < field.min;
    if (low || parsed > field.max) {
      error = "value " + text.trim().str() + " is out of range " +
              (field.minExclusive ? "(" : "[") + std::to_string(field.min) +
              ", " + std::to_string(field.max) + "]";
      return error;
    }
    *field.value = parsed;
    return StringRef();
  }
  static QuotingType mustQuote(StringRef) { return QuotingType::None; }
};

template <> struct ScalarEnumerationTraits<Encoding> {
  static void enumeration(IO &io, Encoding &value) {
#define OHM_ENCODING(ENUMERATOR, NAME)                                         \
  io.enumCase(value, NAME, Encoding::ENUMERATOR);
#include "ohm/Target/Vocabulary.def"
  }
};

template <> struct ScalarEnumerationTraits<Sensing> {
  static void enumeration(IO &io, Sensing &value) {
#define OHM_SENSING(ENUMERATOR, NAME)                                          \
  io.enumCase(value, NAME, Sensing::ENUMERATOR);
#include "ohm/Target/Vocabulary.def"
  }
};

template <> struct ScalarEnumerationTraits<AdcPolicy> {
  static void enumeration(IO &io, AdcPolicy &value) {
#define OHM_ADC_POLICY(ENUMERATOR, NAME)                                       \
  io.enumCase(value, NAME, AdcPolicy::ENUMERATOR);
#include "ohm/Target/Vocabulary.def"
  }
};

/// Per-layer ADC widths: `conv1: 6`.
template <> struct CustomMappingTraits<std::map<std::string, int64_t>> {
  static void inputOne(IO &io, StringRef key,
                       std::map<std::string, int64_t> &map) {
    if (!isValidLayerKey(io, key))
      return;
    BoundedInt bits{&map[key.str()], 1, 16};
    io.mapRequired(key.str().c_str(), bits);
  }
  static void output(IO &io, std::map<std::string, int64_t> &map) {
    for (auto &entry : map) {
      BoundedInt bits{&entry.second, 1, 16};
      io.mapRequired(quoteKey(entry.first).c_str(), bits);
    }
  }
};

/// Per-layer encodings: `fc1: ternary`.
template <> struct CustomMappingTraits<std::map<std::string, Encoding>> {
  static void inputOne(IO &io, StringRef key,
                       std::map<std::string, Encoding> &map) {
    if (!isValidLayerKey(io, key))
      return;
    io.mapRequired(key.str().c_str(), map[key.str()]);
  }
  static void output(IO &io, std::map<std::string, Encoding> &map) {
    for (auto &entry : map)
      io.mapRequired(quoteKey(entry.first).c_str(), entry.second);
  }
};

template <> struct MappingTraits<CrossbarConfig> {
  static void mapping(IO &io, CrossbarConfig &c) {
    BoundedInt rows{&c.rows, 1, 1 << 16}, cols{&c.cols, 1, 1 << 16};
    BoundedInt cellBits{&c.cellBits, 1, 8};
    BoundedInt active{&c.maxActiveRows, 1, 1 << 16};
    io.mapOptional("rows", rows);
    io.mapOptional("cols", cols);
    io.mapOptional("cell_bits", cellBits);
    io.mapOptional("max_active_rows", active);
  }
};

template <> struct MappingTraits<DacConfig> {
  static void mapping(IO &io, DacConfig &c) {
    BoundedInt bits{&c.bits, 1, 16};
    io.mapOptional("bits", bits);
  }
};

template <> struct MappingTraits<AdcConfig> {
  static void mapping(IO &io, AdcConfig &c) {
    BoundedInt bits{&c.bits, 1, 16}, colsPerAdc{&c.colsPerAdc, 1, 1 << 16};
    io.mapOptional("policy", c.policy);
    io.mapOptional("bits", bits);
    io.mapOptional("cols_per_adc", colsPerAdc);
    io.mapOptional("per_layer", c.perLayer);
  }
};

template <> struct MappingTraits<WeightConfig> {
  static void mapping(IO &io, WeightConfig &c) {
    io.mapOptional("encoding", c.encoding);
    io.mapOptional("sensing", c.sensing);
    io.mapOptional("per_layer", c.perLayer);
  }
};

template <> struct MappingTraits<HierarchyConfig> {
  static void mapping(IO &io, HierarchyConfig &c) {
    BoundedInt arrays{&c.arraysPerCore, 1, 1 << 20},
        cores{&c.cores, 1, 1 << 20}, perTile{&c.coresPerTile, 1, 1 << 20};
    io.mapOptional("arrays_per_core", arrays);
    io.mapOptional("cores", cores);
    io.mapOptional("cores_per_tile", perTile);
  }
};

template <> struct MappingTraits<DeviceConfig> {
  static void mapping(IO &io, DeviceConfig &c) {
    using D = DeviceConfig;
    static const RealKey<D> keys[] = {
        {"g_min_us", &D::gMinUs, 0, 1e6, false},
        {"g_max_us", &D::gMaxUs, 0, 1e6, true},
        {"programming_sigma", &D::programmingSigma, 0, 10, false},
        {"read_noise_sigma", &D::readNoiseSigma, 0, 10, false},
        {"stuck_at_hrs", &D::stuckAtHrs, 0, 1, false},
        {"stuck_at_lrs", &D::stuckAtLrs, 0, 1, false},
        {"sense_error_rate", &D::senseErrorRate, 0, 1, false},
        {"programming_sigma_us", &D::programmingSigmaUs, 0, 1e6, false},
        {"drift_nu", &D::driftNu, 0, 1, false},
        {"drift_nu_sigma", &D::driftNuSigma, 0, 1, false},
        {"drift_t0_s", &D::driftT0S, 0, 1e12, true},
        {"sense_margin_us", &D::senseMarginUs, 0, 1e6, false},
        {"read_voltage_v", &D::readVoltageV, 0, 100, true},
        {"wire_resistance_ohm", &D::wireResistanceOhm, 0, 1e9, false},
        {"wire_capacitance_ff", &D::wireCapacitanceFf, 0, 1e9, false},
    };
    mapReals(io, c, keys);
  }
};

template <> struct MappingTraits<CostConfig> {
  static void mapping(IO &io, CostConfig &c) {
    using C = CostConfig;
    static const RealKey<C> adcKeys[] = {
        {"read_latency_ns", &C::readLatencyNs, 0, 1e12, false},
        {"adc_latency_ns", &C::adcLatencyNs, 0, 1e12, false},
        {"adc_energy_pj", &C::adcEnergyPj, 0, 1e12, false},
    };
    static const RealKey<C> keys[] = {
        {"adc_energy_per_bit_scale", &C::adcEnergyPerBitScale, 1, 16, false},
        {"dac_energy_pj", &C::dacEnergyPj, 0, 1e12, false},
        {"cell_read_energy_pj", &C::cellReadEnergyPj, 0, 1e12, false},
        {"digital_op_energy_pj", &C::digitalOpEnergyPj, 0, 1e12, false},
        {"digital_op_latency_ns", &C::digitalOpLatencyNs, 0, 1e12, false},
        {"buffer_energy_pj_per_byte", &C::bufferEnergyPjPerByte, 0, 1e12,
         false},
        {"array_area_um2", &C::arrayAreaUm2, 0, 1e12, false},
        {"adc_area_um2", &C::adcAreaUm2, 0, 1e12, false},
        {"dac_area_um2", &C::dacAreaUm2, 0, 1e12, false},
        {"core_digital_area_um2", &C::coreDigitalAreaUm2, 0, 1e12, false},
        {"adc_area_per_bit_scale", &C::adcAreaPerBitScale, 1, 16, false},
        {"write_energy_pj", &C::writeEnergyPj, 0, 1e12, false},
        {"write_latency_ns", &C::writeLatencyNs, 0, 1e12, false},
        {"core_static_power_mw", &C::coreStaticPowerMw, 0, 1e12, false},
        {"tile_area_um2", &C::tileAreaUm2, 0, 1e12, false},
        {"tile_static_power_mw", &C::tileStaticPowerMw, 0, 1e12, false},
        {"chip_area_um2", &C::chipAreaUm2, 0, 1e12, false},
        {"chip_static_power_mw", &C::chipStaticPowerMw, 0, 1e12, false},
    };
    mapReals(io, c, adcKeys);
    BoundedInt refBits{&c.adcReferenceBits, 1, 16};
    io.mapOptional("adc_reference_bits", refBits);
    mapReals(io, c, keys);
  }
};

template <> struct MappingTraits<Target> {
  static void mapping(IO &io, Target &t) {
    io.mapRequired("name", t.name);
    io.mapOptional("description", t.description);
    io.mapOptional("source", t.source);
    io.mapOptional("crossbar", t.crossbar);
    io.mapOptional("dac", t.dac);
    io.mapOptional("adc", t.adc);
    io.mapOptional("weights", t.weights);
    io.mapOptional("hierarchy", t.hierarchy);
    io.mapOptional("device", t.device);
    io.mapOptional("cost", t.cost);
  }
  static std::string validate(IO &, Target &t) {
    if (t.crossbar.maxActiveRows > t.crossbar.rows)
      return "crossbar.max_active_rows (" +
             std::to_string(t.crossbar.maxActiveRows) +
             ") is larger than crossbar.rows (" +
             std::to_string(t.crossbar.rows) + ")";
    if (t.adc.colsPerAdc > t.crossbar.cols)
      return "adc.cols_per_adc (" + std::to_string(t.adc.colsPerAdc) +
             ") is larger than crossbar.cols (" +
             std::to_string(t.crossbar.cols) + ")";
    if (t.device.gMinUs >= t.device.gMaxUs)
      return "device.g_min_us must be smaller than device.g_max_us";
    if (t.device.stuckAtHrs + t.device.stuckAtLrs > 1)
      return "device.stuck_at_hrs + device.stuck_at_lrs exceeds 1";
    return "";
  }
};

} // namespace yaml
} // namespace llvm

Encoding Target::getEncoding(llvm::StringRef layer) const {
  auto it = weights.perLayer.find(layer.str());
  return it == weights.perLayer.end() ? weights.encoding : it->second;
}

int64_t Target::getAdcBits(llvm::StringRef layer) const {
  auto it = adc.perLayer.find(layer.str());
  return it == adc.perLayer.end() ? adc.bits : it->second;
}

std::vector<std::string> target::getPresetNames() {
  std::vector<std::string> names;
  for (const auto &preset : kPresets)
    names.push_back(preset.name);
  return names;
}

/// The deepest flow nesting ('[' and '{') a target file may use; LLVM's
/// YAML parser recurses once per level, so deeper input would exhaust the
/// stack. Returns the offset of the bracket that goes deeper, or npos.
static size_t findTooDeepNesting(llvm::StringRef yaml, unsigned limit) {
  unsigned depth = 0;
  char quote = 0;
  for (size_t i = 0; i < yaml.size(); ++i) {
    char c = yaml[i];
    if (quote) {
      if (quote == '"' && c == '\\')
        ++i; // an escaped character
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || yaml[i - 1] == ' ' ||
                            yaml[i - 1] == '\t' || yaml[i - 1] == '\n')) {
      size_t end = yaml.find('\n', i);
      i = end == llvm::StringRef::npos ? yaml.size() : end;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return llvm::StringRef::npos;
}

/// Reports the first key that appears twice in one mapping (LLVM's YAML
/// I/O keeps the last silently) as "file:line:col: error: ...".
static bool findDuplicateKey(llvm::yaml::Node *node, llvm::SourceMgr &sm,
                             llvm::raw_ostream &os) {
  if (auto *map = llvm::dyn_cast_or_null<llvm::yaml::MappingNode>(node)) {
    llvm::StringSet<> seen;
    for (llvm::yaml::KeyValueNode &entry : *map) {
      auto *key =
          llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(entry.getKey());
      if (key) {
        llvm::SmallString<32> storage;
        llvm::StringRef name = key->getValue(storage);
        if (!seen.insert(name).second) {
          sm.GetMessage(key->getSourceRange().Start, llvm::SourceMgr::DK_Error,
                        "duplicate key '" + name + "'")
              .print(/*ProgName=*/nullptr, os, /*ShowColors=*/false);
          return true;
        }
      }
      if (findDuplicateKey(entry.getValue(), sm, os))
        return true;
    }
  } else if (auto *seq =
                 llvm::dyn_cast_or_null<llvm::yaml::SequenceNode>(node)) {
    for (llvm::yaml::Node &item : *seq)
      if (findDuplicateKey(&item, sm, os))
        return true;
  }
  return false;
}

llvm::Expected<Target> target::parseTarget(llvm::StringRef yaml,
                                           llvm::StringRef bufferName) {
  return parseTarget(yaml, bufferName, Target());
}

llvm::Expected<Target> target::parseTarget(llvm::StringRef yaml,
                                           llvm::StringRef bufferName,
                                           const Target &base) {
  // "file:line:col: error: message" for the byte at `offset`.
  auto errorAt = [&](size_t offset, const llvm::Twine &message) {
    llvm::StringRef before = yaml.take_front(offset);
    size_t line = before.count('\n') + 1;
    size_t lineStart = before.rfind('\n');
    size_t col =
        offset - (lineStart == llvm::StringRef::npos ? 0 : lineStart + 1) + 1;
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(), "%s:%zu:%zu: error: %s",
        bufferName.str().c_str(), line, col, message.str().c_str());
  };
  constexpr unsigned kMaxNesting = 64;
  size_t tooDeep = findTooDeepNesting(yaml, kMaxNesting);
  if (tooDeep != llvm::StringRef::npos)
    return errorAt(tooDeep, "nesting deeper than " + llvm::Twine(kMaxNesting) +
                                " levels");
  // YAML is Unicode text. LLVM's scanner lets other bytes through in quoted
  // scalars, where printTarget would then write U+FFFD instead.
  const auto *begin = reinterpret_cast<const llvm::UTF8 *>(yaml.data());
  const llvm::UTF8 *bad = begin;
  if (!llvm::isLegalUTF8String(&bad, begin + yaml.size()))
    return errorAt(size_t(bad - begin), "not valid UTF-8");
  {
    // Duplicate keys first (the document parses; LLVM's I/O would keep the
    // last value). Parse errors are left to the YAML I/O below.
    llvm::SourceMgr sm;
    sm.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
    llvm::yaml::Stream stream(llvm::MemoryBufferRef(yaml, bufferName), sm);
    std::string message;
    llvm::raw_string_ostream os(message);
    for (llvm::yaml::Document &document : stream) {
      if (findDuplicateKey(document.getRoot(), sm, os))
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       llvm::StringRef(os.str()).rtrim());
    }
  }
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  auto handler = [](const llvm::SMDiagnostic &diag, void *context) {
    auto &os = *static_cast<llvm::raw_string_ostream *>(context);
    diag.print(/*ProgName=*/nullptr, os, /*ShowColors=*/false);
  };
  Target target = base;
  llvm::yaml::Input input(llvm::MemoryBufferRef(yaml, bufferName), nullptr,
                          handler, &errorStream);
  input >> target;
  if (input.error() || !errorStream.str().empty()) {
    std::string message = errorStream.str();
    if (message.empty())
      message = bufferName.str() + ": error: not a valid target description";
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   llvm::StringRef(message).rtrim());
  }
  return target;
}

llvm::Expected<Target> target::loadTarget(llvm::StringRef nameOrPath) {
  bool isPath = nameOrPath.contains('/') || nameOrPath.endswith(".yaml") ||
                nameOrPath.endswith(".yml");
  if (!isPath) {
    for (const auto &preset : kPresets)
      if (nameOrPath == preset.name)
        return parseTarget(preset.yaml, ("<preset " + nameOrPath + ">").str());
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unknown target '%s' (presets: %s; or give a .yaml file)",
        nameOrPath.str().c_str(), llvm::join(getPresetNames(), ", ").c_str());
  }
  auto buffer = openInputFile(nameOrPath);
  if (!buffer)
    return buffer.takeError();
  return parseTarget((*buffer)->getBuffer(), nameOrPath);
}

void target::printTarget(const Target &target, llvm::raw_ostream &os) {
  llvm::yaml::Output output(os);
  Target copy = target;
  output << copy;
}
