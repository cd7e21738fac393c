//===- Device.cpp - RRAM device parameters and instances ------------------===//
//
// Device parameters (from the program's target, overridden by name), the
// drawing of a device instance, and its file format (device.proto).
// docs/Device.md gives the model.
//
//===----------------------------------------------------------------------===//

#include "ohmrt/Device.h"
#include "ohmrt/Npy.h"
#include "ohmrt/Random.h"

#include "device.pb.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

using namespace ohmrt;

namespace {

/// The version of the device file format this runtime writes and reads.
constexpr uint32_t kDeviceVersion = 1;

/// Counter purposes of an instance's random numbers.
enum : uint32_t { kStuckAndVariation = 1, kAbsoluteAndDrift = 2 };

struct ParamField {
  const char *name;
  double DeviceParams::*field;
};

const ParamField kFields[] = {
    {"g_min_us", &DeviceParams::gMinUs},
    {"g_max_us", &DeviceParams::gMaxUs},
    {"programming_sigma", &DeviceParams::programmingSigma},
    {"programming_sigma_us", &DeviceParams::programmingSigmaUs},
    {"read_noise_sigma", &DeviceParams::readNoiseSigma},
    {"stuck_at_hrs", &DeviceParams::stuckAtHrs},
    {"stuck_at_lrs", &DeviceParams::stuckAtLrs},
    {"sense_error_rate", &DeviceParams::senseErrorRate},
    {"sense_margin_us", &DeviceParams::senseMarginUs},
    {"drift_nu", &DeviceParams::driftNu},
    {"drift_nu_sigma", &DeviceParams::driftNuSigma},
    {"drift_t0_s", &DeviceParams::driftT0S},
};

std::string formatValue(double value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

uint64_t fnv1a(uint64_t hash, const void *data, size_t size) {
  const unsigned char *bytes = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001B3ull;
  }
  return hash;
}

void drawArray(const program::Array &array, const DeviceParams &params,
               uint64_t seed, ArrayDevice &out) {
  out.id = array.id();
  out.rows = array.rows();
  out.cols = array.cols();
  out.cellBits = array.cell_bits();
  std::vector<uint8_t> levels = getArrayLevels(array);
  int64_t cells = out.rows * out.cols;
  out.conductance.resize(size_t(cells));
  out.faults.assign(size_t(cells), Fault::None);
  if (params.hasDrift())
    out.driftNu.resize(size_t(cells));
  double dG = (params.gMaxUs - params.gMinUs) /
              double((int64_t(1) << out.cellBits) - 1);
  double ceiling = params.gMaxUs * (1 + 3 * params.programmingSigma) +
                   3 * params.programmingSigmaUs;
  for (int64_t i = 0; i < cells; ++i) {
    double target = params.gMinUs + double(levels[size_t(i)]) * dG;
    PhiloxCounter a = philox4x32({uint32_t(i), uint32_t(uint64_t(i) >> 32),
                                  array.id(), kStuckAndVariation},
                                 seed);
    PhiloxCounter b =
        params.programmingSigmaUs > 0 || params.hasDrift()
            ? philox4x32({uint32_t(i), uint32_t(uint64_t(i) >> 32), array.id(),
                          kAbsoluteAndDrift},
                         seed)
            : PhiloxCounter{};
    double u = uniformOpen0(a[0]);
    double g = target;
    if (u <= params.stuckAtHrs) {
      out.faults[size_t(i)] = Fault::StuckHrs;
      g = params.gMinUs;
    } else if (u <= params.stuckAtHrs + params.stuckAtLrs) {
      out.faults[size_t(i)] = Fault::StuckLrs;
      g = params.gMaxUs;
    } else {
      if (params.programmingSigma > 0)
        g = target * (1 + params.programmingSigma * gaussianFrom(a[1], a[2]));
      if (params.programmingSigmaUs > 0)
        g += params.programmingSigmaUs * gaussianFrom(b[0], b[1]);
      g = std::min(std::max(g, 0.0), ceiling);
    }
    out.conductance[size_t(i)] = float(g);
    if (!out.driftNu.empty()) {
      double nu = params.driftNu;
      if (params.driftNuSigma > 0)
        nu += params.driftNuSigma * gaussianFrom(b[2], b[3]);
      // Stuck cells do not drift.
      out.driftNu[size_t(i)] =
          out.faults[size_t(i)] == Fault::None ? float(std::max(nu, 0.0)) : 0;
    }
  }
}

} // namespace

DeviceParams ohmrt::getDeviceParams(const program::TargetInfo &t) {
  DeviceParams p;
  p.gMinUs = t.g_min_us();
  p.gMaxUs = t.g_max_us();
  p.programmingSigma = t.programming_sigma();
  p.programmingSigmaUs = t.programming_sigma_us();
  p.readNoiseSigma = t.read_noise_sigma();
  p.stuckAtHrs = t.stuck_at_hrs();
  p.stuckAtLrs = t.stuck_at_lrs();
  p.senseErrorRate = t.sense_error_rate();
  p.senseMarginUs = t.sense_margin_us();
  p.driftNu = t.drift_nu();
  p.driftNuSigma = t.drift_nu_sigma();
  // Programs written before drift existed carry 0: t0 defaults to 1 s.
  p.driftT0S = t.drift_t0_s() > 0 ? t.drift_t0_s() : 1.0;
  return p;
}

const std::vector<std::string> &ohmrt::getDeviceParamNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const ParamField &f : kFields)
      result.push_back(f.name);
    return result;
  }();
  return names;
}

bool ohmrt::setDeviceParam(DeviceParams &params, const std::string &key,
                           const std::string &value, std::string &error) {
  for (const ParamField &f : kFields) {
    if (key != f.name)
      continue;
    char *end = nullptr;
    errno = 0;
    double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
      error = "device parameter '" + key + "': '" + value +
              "' is not a finite number";
      return false;
    }
    params.*(f.field) = v;
    return true;
  }
  std::string known;
  for (const ParamField &f : kFields)
    known += std::string(known.empty() ? "" : ", ") + f.name;
  error = "unknown device parameter '" + key + "' (known: " + known + ")";
  return false;
}

double ohmrt::getDeviceParam(const DeviceParams &params,
                             const std::string &key) {
  for (const ParamField &f : kFields)
    if (key == f.name)
      return params.*(f.field);
  return 0;
}

bool ohmrt::checkDeviceParams(const DeviceParams &p, std::string &error) {
  auto bad = [&](const char *key, double value, const char *rule) {
    error = std::string("device parameter '") + key +
            "' = " + formatValue(value) + " " + rule;
    return false;
  };
  for (const ParamField &f : kFields)
    if (!std::isfinite(p.*(f.field)))
      return bad(f.name, p.*(f.field), "is not finite");
  if (p.gMinUs < 0)
    return bad("g_min_us", p.gMinUs, "is negative");
  if (p.gMaxUs <= p.gMinUs)
    return bad("g_max_us", p.gMaxUs, "must be larger than g_min_us");
  const std::pair<const char *, double> sigmas[] = {
      {"programming_sigma", p.programmingSigma},
      {"programming_sigma_us", p.programmingSigmaUs},
      {"read_noise_sigma", p.readNoiseSigma},
      {"sense_margin_us", p.senseMarginUs},
      {"drift_nu", p.driftNu},
      {"drift_nu_sigma", p.driftNuSigma}};
  for (const auto &[key, value] : sigmas)
    if (value < 0)
      return bad(key, value, "is negative");
  const std::pair<const char *, double> rates[] = {
      {"stuck_at_hrs", p.stuckAtHrs},
      {"stuck_at_lrs", p.stuckAtLrs},
      {"sense_error_rate", p.senseErrorRate}};
  for (const auto &[key, value] : rates)
    if (value < 0 || value > 1)
      return bad(key, value, "is not a rate in [0, 1]");
  if (p.stuckAtHrs + p.stuckAtLrs > 1)
    return bad("stuck_at_lrs", p.stuckAtLrs,
               "plus stuck_at_hrs exceeds 1 (a cell has one state)");
  if (p.driftT0S <= 0)
    return bad("drift_t0_s", p.driftT0S, "must be positive");
  // The target file's upper bounds (docs/Targets.md).
  const std::tuple<const char *, double, double> upper[] = {
      {"g_max_us", p.gMaxUs, 1e6},
      {"programming_sigma", p.programmingSigma, 10},
      {"programming_sigma_us", p.programmingSigmaUs, 1e6},
      {"read_noise_sigma", p.readNoiseSigma, 10},
      {"sense_margin_us", p.senseMarginUs, 1e6},
      {"drift_nu", p.driftNu, 1},
      {"drift_nu_sigma", p.driftNuSigma, 1},
      {"drift_t0_s", p.driftT0S, 1e12}};
  for (const auto &[key, value, bound] : upper)
    if (value > bound)
      return bad(key, value,
                 ("is above its bound " + formatValue(bound)).c_str());
  return true;
}

uint64_t ohmrt::getProgramFingerprint(const program::Program &program) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (const program::Array &a : program.arrays()) {
    int64_t header[5] = {int64_t(a.id()), a.rows(), a.cols(), a.cell_bits(),
                         int64_t(a.level_bits())};
    hash = fnv1a(hash, header, sizeof(header));
    hash = fnv1a(hash, a.levels().data(), a.levels().size());
  }
  return hash;
}

DeviceInstance DeviceInstance::draw(const program::Program &program,
                                    const DeviceParams &params, uint64_t seed,
                                    unsigned threads) {
  DeviceInstance instance;
  instance.seed = seed;
  instance.fingerprint = getProgramFingerprint(program);
  instance.params = params;
  int64_t count = program.arrays_size();
  instance.arrays.resize(size_t(count));
  // Arrays are independent (keyed by id): any split gives the same cells.
  unsigned workers =
      unsigned(std::max<int64_t>(1, std::min<int64_t>(threads, count)));
  auto work = [&](unsigned w) {
    for (int64_t i = w; i < count; i += workers)
      drawArray(program.arrays(int(i)), params, seed,
                instance.arrays[size_t(i)]);
  };
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < workers; ++w)
    pool.emplace_back(work, w);
  work(0);
  for (std::thread &t : pool)
    t.join();
  return instance;
}

const ArrayDevice *DeviceInstance::find(uint32_t id) const {
  for (const ArrayDevice &a : arrays)
    if (a.id == id)
      return &a;
  return nullptr;
}

uint64_t DeviceInstance::getBytes() const {
  uint64_t bytes = 0;
  for (const ArrayDevice &a : arrays)
    bytes += a.conductance.size() * 4 + a.faults.size() + a.driftNu.size() * 4;
  return bytes;
}

//===----------------------------------------------------------------------===//
// The device file
//===----------------------------------------------------------------------===//

static void toMessage(const DeviceParams &p, ohm::device::DeviceParams &m) {
  m.set_g_min_us(p.gMinUs);
  m.set_g_max_us(p.gMaxUs);
  m.set_programming_sigma(p.programmingSigma);
  m.set_programming_sigma_us(p.programmingSigmaUs);
  m.set_read_noise_sigma(p.readNoiseSigma);
  m.set_stuck_at_hrs(p.stuckAtHrs);
  m.set_stuck_at_lrs(p.stuckAtLrs);
  m.set_sense_error_rate(p.senseErrorRate);
  m.set_sense_margin_us(p.senseMarginUs);
  m.set_drift_nu(p.driftNu);
  m.set_drift_nu_sigma(p.driftNuSigma);
  m.set_drift_t0_s(p.driftT0S);
}

static DeviceParams fromMessage(const ohm::device::DeviceParams &m) {
  DeviceParams p;
  p.gMinUs = m.g_min_us();
  p.gMaxUs = m.g_max_us();
  p.programmingSigma = m.programming_sigma();
  p.programmingSigmaUs = m.programming_sigma_us();
  p.readNoiseSigma = m.read_noise_sigma();
  p.stuckAtHrs = m.stuck_at_hrs();
  p.stuckAtLrs = m.stuck_at_lrs();
  p.senseErrorRate = m.sense_error_rate();
  p.senseMarginUs = m.sense_margin_us();
  p.driftNu = m.drift_nu();
  p.driftNuSigma = m.drift_nu_sigma();
  p.driftT0S = m.drift_t0_s();
  return p;
}

bool ohmrt::saveDevice(const DeviceInstance &instance, const std::string &path,
                       std::string &error) {
  ohm::device::DeviceInstance m;
  m.set_version(kDeviceVersion);
  m.set_seed(instance.seed);
  m.set_program_fingerprint(instance.fingerprint);
  toMessage(instance.params, *m.mutable_params());
  for (const ArrayDevice &a : instance.arrays) {
    ohm::device::ArrayState *s = m.add_arrays();
    s->set_id(a.id);
    s->set_rows(a.rows);
    s->set_cols(a.cols);
    s->set_cell_bits(a.cellBits);
    s->mutable_conductance_us()->Add(a.conductance.begin(),
                                     a.conductance.end());
    s->set_faults(std::string(reinterpret_cast<const char *>(a.faults.data()),
                              a.faults.size()));
    s->mutable_drift_nu()->Add(a.driftNu.begin(), a.driftNu.end());
  }
  std::string bytes;
  if (m.ByteSizeLong() > size_t(INT32_MAX) || !m.SerializeToString(&bytes)) {
    error = "cannot write '" + path +
            "': the device instance is larger than the format's 2 GiB";
    return false;
  }
  return writeFileAtomically(path, bytes, error);
}

/// Checks a parsed instance against the program; "" if it matches.
static std::string checkInstance(const ohm::device::DeviceInstance &m,
                                 const program::Program &program) {
  if (m.version() != kDeviceVersion)
    return "device file version " + std::to_string(m.version()) +
           " is not supported (this simulator reads version " +
           std::to_string(kDeviceVersion) + ")";
  if (m.arrays_size() != program.arrays_size())
    return "the file has " + std::to_string(m.arrays_size()) +
           " arrays; the program has " + std::to_string(program.arrays_size());
  for (int i = 0; i < m.arrays_size(); ++i) {
    const ohm::device::ArrayState &s = m.arrays(i);
    const program::Array &a = program.arrays(i);
    int64_t cells = a.rows() * a.cols();
    std::string where =
        "array " + std::to_string(i) + " (id " + std::to_string(s.id()) + ")";
    if (s.id() != a.id() || s.rows() != a.rows() || s.cols() != a.cols() ||
        s.cell_bits() != a.cell_bits())
      return where + " is " + std::to_string(s.rows()) + "x" +
             std::to_string(s.cols()) + " with " +
             std::to_string(s.cell_bits()) + "-bit cells; the program's is " +
             std::to_string(a.rows()) + "x" + std::to_string(a.cols()) +
             " (id " + std::to_string(a.id()) + ") with " +
             std::to_string(a.cell_bits()) + "-bit cells";
    if (s.conductance_us_size() != cells ||
        int64_t(s.faults().size()) != cells ||
        (s.drift_nu_size() != 0 && s.drift_nu_size() != cells))
      return where + " does not hold one conductance, fault and drift "
                     "exponent per cell";
    for (float g : s.conductance_us())
      if (!std::isfinite(g) || g < 0)
        return where + " has a conductance that is negative or not finite";
    for (char f : s.faults())
      if (uint8_t(f) > 2)
        return where + " has an unknown fault code " +
               std::to_string(int(uint8_t(f)));
    for (float nu : s.drift_nu())
      if (!std::isfinite(nu) || nu < 0)
        return where + " has a drift exponent that is negative or not finite";
  }
  std::string problem;
  if (!checkDeviceParams(fromMessage(m.params()), problem))
    return problem;
  if (m.program_fingerprint() != getProgramFingerprint(program))
    return "it was drawn for another program (the programmed levels "
           "differ)";
  return "";
}

bool ohmrt::loadDevice(const std::string &path, const program::Program &program,
                       DeviceInstance &instance, std::string &error) {
  std::string bytes;
  if (!readWholeFile(path, bytes, error))
    return false;
  ohm::device::DeviceInstance m;
  if (bytes.size() > size_t(INT32_MAX) ||
      !m.ParseFromArray(bytes.data(), int(bytes.size()))) {
    error = path + ": not a valid ohm device file (the protobuf does not "
                   "parse; the file may be truncated or corrupt)";
    return false;
  }
  std::string problem = checkInstance(m, program);
  if (!problem.empty()) {
    error = path + ": " + problem;
    return false;
  }
  instance = DeviceInstance();
  instance.seed = m.seed();
  instance.fingerprint = m.program_fingerprint();
  instance.params = fromMessage(m.params());
  for (const ohm::device::ArrayState &s : m.arrays()) {
    ArrayDevice a;
    a.id = s.id();
    a.rows = s.rows();
    a.cols = s.cols();
    a.cellBits = s.cell_bits();
    a.conductance.assign(s.conductance_us().begin(), s.conductance_us().end());
    a.faults.resize(s.faults().size());
    std::memcpy(a.faults.data(), s.faults().data(), s.faults().size());
    a.driftNu.assign(s.drift_nu().begin(), s.drift_nu().end());
    instance.arrays.push_back(std::move(a));
  }
  return true;
}
