//===- DeviceTest.cpp - Device mode: noiseless limit and statistics -------===//
//
// Device mode (docs/Device.md) against what it promises:
//   - Philox4x32-10 gives Random123's known answers;
//   - with every device parameter at 0, every crossbar read case of the
//     executor's tests gives the read formula's bits (the noiseless limit
//     is ideal mode);
//   - the statistics of faults, read noise, drift and sense errors match
//     the model's formulas, with tolerances derived from the sample size
//     (each test says how);
//   - results do not depend on threads or chunking, and a saved instance
//     gives the same results when loaded.
//
//===----------------------------------------------------------------------===//

#include "ohmrt/Device.h"
#include "MvmCases.h"
#include "ohmrt/Random.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <unistd.h>

using namespace ohmrt_test;

namespace {

struct DeviceSetup {
  ohmrt::DeviceParams params;
  uint64_t seed = 0;
  double timeS = 0;
  unsigned threads = 1;
  int64_t chunk = 0;
};

/// Draws an instance of `p` and runs it; fails the test on an error.
std::vector<HostTensor>
runDevice(const program::Program &p, const std::vector<HostTensor> &inputs,
          const DeviceSetup &setup,
          const ohmrt::DeviceInstance *loaded = nullptr) {
  std::string error;
  if (!ohmrt::validateProgram(p, error)) {
    ADD_FAILURE() << "invalid program: " << error;
    return {};
  }
  ohmrt::DeviceInstance drawn;
  if (!loaded)
    drawn =
        ohmrt::DeviceInstance::draw(p, setup.params, setup.seed, setup.threads);
  ohmrt::DeviceRun run;
  run.params = setup.params;
  run.instance = loaded ? loaded : &drawn;
  run.seed = setup.seed;
  run.timeS = setup.timeS;
  ohmrt::Executor executor(p, /*countActivity=*/false, &run);
  std::vector<HostTensor> outputs;
  ohmrt::RunOptions options;
  options.threads = setup.threads;
  options.chunk = setup.chunk;
  if (!executor.run(inputs, outputs, error, options))
    ADD_FAILURE() << error;
  return outputs;
}

/// A one-mvm program of `rows` x `cols` 1-bit cells read by 1-bit inputs
/// (one input cycle, one slice), every cell of set s at level levels[s].
program::Program buildUniformRead(program::Encoding encoding, int64_t rows,
                                  int64_t cols, int64_t repeat,
                                  std::vector<uint8_t> levels) {
  ProgramBuilder b;
  uint32_t x = b.buffer(program::U8, {repeat, rows});
  uint32_t y = b.buffer(program::I32, {repeat, cols});
  program::Mvm &op = *b.add().mutable_mvm();
  for (uint8_t level : levels)
    op.add_arrays(b.array(rows, cols, 1,
                          std::vector<uint8_t>(size_t(rows * cols), level)));
  op.set_rows(x);
  op.set_dst(y);
  op.set_tile_rows(rows);
  op.set_tile_cols(cols);
  op.set_encoding(encoding);
  op.set_analog_sensing(encoding == program::BINARY ||
                        encoding == program::TERNARY);
  op.set_input_bits(1);
  op.set_dac_bits(1);
  op.set_cell_bits(1);
  op.set_slices(1);
  op.set_active_rows(rows);
  op.set_adc_bits(0);
  op.set_adc_step(1);
  op.set_sets(int64_t(levels.size()));
  op.set_repeat(repeat);
  op.set_layer("uniform");
  b.input("x", x);
  b.output("y", y);
  return b.p;
}

/// |observed - expected| within `sigmas` standard deviations of a
/// binomial count of n trials with probability p.
void expectBinomial(int64_t observed, int64_t n, double p, double sigmas,
                    const char *what) {
  double mean = double(n) * p, sd = std::sqrt(double(n) * p * (1 - p));
  EXPECT_LE(std::abs(double(observed) - mean), sigmas * sd)
      << what << ": " << observed << " of " << n << ", expected " << mean
      << " +- " << sigmas << " x " << sd;
}

} // namespace

TEST(DeviceTest, PhiloxGivesRandom123KnownAnswers) {
  // Random123's kat_vectors, "philox4x32 10": counter, key, result.
  struct Case {
    ohmrt::PhiloxCounter counter;
    uint32_t k0, k1;
    ohmrt::PhiloxCounter want;
  } cases[] = {
      {{0, 0, 0, 0}, 0, 0, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       0xffffffff,
       0xffffffff,
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       0xa4093822,
       0x299f31d0,
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}};
  for (const Case &c : cases)
    EXPECT_EQ(ohmrt::philox4x32(c.counter, uint64_t(c.k1) << 32 | c.k0),
              c.want);
}

TEST(DeviceTest, GaussianIsBoundedAndStandard) {
  // The bound that lets reads skip draws, at the extreme inputs.
  EXPECT_LE(std::abs(ohmrt::gaussianFrom(0, 0)), ohmrt::kMaxGaussian);
  EXPECT_LE(std::abs(ohmrt::gaussianFrom(0, 0x80000000u)), ohmrt::kMaxGaussian);
  // Mean 0 and variance 1 over n = 10^6 draws: the mean's standard error
  // is 1/sqrt(n) = 0.001 and the variance's sqrt(2/n) = 0.0014; 5 of each.
  double sum = 0, squares = 0;
  const int n = 1000000;
  for (int i = 0; i < n; ++i) {
    ohmrt::PhiloxCounter r = ohmrt::philox4x32({uint32_t(i), 0, 0, 0}, 99);
    double z = ohmrt::gaussianFrom(r[0], r[1]);
    sum += z;
    squares += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.005);
  EXPECT_NEAR(squares / n, 1.0, 0.007);
}

TEST(DeviceTest, NoiselessDeviceMatchesTheReadFormula) {
  // Every read case of the executor's tests (every encoding, ADC, grouping,
  // number format), with all device parameters at 0: the same bits.
  std::mt19937 rng(4);
  for (const MvmConfig &c : mvmConfigs()) {
    SCOPED_TRACE(c.name);
    std::vector<std::vector<uint8_t>> levels;
    program::Program p = buildMvm(c, rng, levels);
    int64_t width = c.rowOffset + c.tileRows + c.extraCols;
    for (int64_t batch : {1, 3}) {
      std::vector<int64_t> rows = randomInts(rng, batch * c.repeat * width, 0,
                                             (int64_t(1) << c.inputBits) - 1);
      std::vector<int64_t> want =
          referenceMvm(c, rows, batch * c.repeat, levels);
      for (unsigned threads : {1u, 2u}) {
        DeviceSetup setup;
        setup.threads = threads;
        setup.seed = 11;
        auto out = runDevice(
            p, {ints(rowTypeFor(c.inputBits), {batch * c.repeat, width}, rows)},
            setup);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(toInts(out[0]), want)
            << "batch " << batch << ", " << threads << " threads";
      }
    }
  }
}

TEST(DeviceTest, StuckAtRatesMatchOverManyCells) {
  // 4 arrays of 256 x 256 = 262,144 cells; each is stuck at HRS with
  // p = 0.01 and at LRS with p = 0.02, independently: binomial counts,
  // within 4 standard deviations.
  program::Program p =
      buildUniformRead(program::DIFFERENTIAL, 256, 256, 1, {1, 0});
  for (int i = 0; i < 2; ++i) {
    program::Array &a = *p.add_arrays();
    a = p.arrays(0);
    a.set_id(uint32_t(2 + i));
  }
  ohmrt::DeviceParams params;
  params.stuckAtHrs = 0.01;
  params.stuckAtLrs = 0.02;
  params.programmingSigma = 0.1;
  ohmrt::DeviceInstance instance = ohmrt::DeviceInstance::draw(p, params, 3);
  int64_t cells = 0, hrs = 0, lrs = 0;
  for (const ohmrt::ArrayDevice &a : instance.arrays)
    for (size_t i = 0; i < a.faults.size(); ++i) {
      ++cells;
      if (a.faults[i] == ohmrt::Fault::StuckHrs) {
        ++hrs;
        EXPECT_EQ(a.conductance[i], float(params.gMinUs));
      } else if (a.faults[i] == ohmrt::Fault::StuckLrs) {
        ++lrs;
        EXPECT_EQ(a.conductance[i], float(params.gMaxUs));
      }
    }
  EXPECT_EQ(cells, 4 * 256 * 256);
  expectBinomial(hrs, cells, 0.01, 4, "stuck at HRS");
  expectBinomial(lrs, cells, 0.02, 4, "stuck at LRS");
}

TEST(DeviceTest, ProgrammingVariationHasTheRelativeSpread) {
  // G = G_target (1 + sigma z) for LRS cells: mean g_max, standard
  // deviation sigma g_max, over 65,536 cells (standard errors 0.4% of
  // sigma g_max for the mean, 0.3% for the deviation; 5% allowed).
  program::Program p = buildUniformRead(program::OFFSET, 256, 256, 1, {1});
  ohmrt::DeviceParams params;
  params.programmingSigma = 0.05;
  ohmrt::DeviceInstance instance = ohmrt::DeviceInstance::draw(p, params, 5);
  double sum = 0, squares = 0;
  const std::vector<float> &g = instance.arrays[0].conductance;
  for (float v : g) {
    sum += v;
    squares += double(v) * v;
  }
  double n = double(g.size()), mean = sum / n;
  double sd = std::sqrt(squares / n - mean * mean);
  double want = params.programmingSigma * params.gMaxUs;
  EXPECT_NEAR(mean, params.gMaxUs, 0.05 * want);
  EXPECT_NEAR(sd, want, 0.05 * want);
}

TEST(DeviceTest, ReadNoiseHasTheFormulasDeviation) {
  // 128 rows of LRS cells, every input 1: P = 128, and the ADC (ideal,
  // unit steps) sees P + N(0, s^2) with s^2 = sigma^2 sum_k (G_k / dG)^2 =
  // sigma^2 128 (g_max / dG)^2. The output rounds: its deviation from P
  // has variance s^2 + 1/12. Over n = 100,000 rows the estimate of the
  // deviation has relative standard error 1/sqrt(2n) = 0.22%: 3% is 13 of
  // them.
  const int64_t rows = 128, repeat = 1000, batch = 100;
  program::Program p = buildUniformRead(program::OFFSET, rows, 1, repeat, {1});
  DeviceSetup setup;
  setup.params.readNoiseSigma = 0.5;
  setup.seed = 21;
  auto out =
      runDevice(p,
                {ints(program::U8, {batch * repeat, rows},
                      std::vector<int64_t>(size_t(batch * repeat * rows), 1))},
                setup);
  ASSERT_EQ(out.size(), 1u);
  std::vector<int64_t> y = toInts(out[0]);
  double sum = 0, squares = 0;
  for (int64_t v : y) {
    sum += double(v - rows);
    squares += double(v - rows) * double(v - rows);
  }
  double n = double(y.size()), mean = sum / n;
  double measured = std::sqrt(squares / n - mean * mean);
  double dG = setup.params.gMaxUs - setup.params.gMinUs;
  double s = 0.5 * std::sqrt(double(rows)) * setup.params.gMaxUs / dG;
  double want = std::sqrt(s * s + 1.0 / 12);
  EXPECT_NEAR(measured, want, 0.03 * want);
  EXPECT_NEAR(mean, 0.0, 5 * want / std::sqrt(n));
}

TEST(DeviceTest, DriftFactorHasTheLognormalMean) {
  // G(T) / G = (T / t0)^-nu with nu ~ N(mu, s): mean exp(-mu L + s^2 L^2 /
  // 2) for L = ln(T / t0) (nu's clipping at 0 is 8 s away). 65,536 cells:
  // 4 standard errors of the mean allowed.
  program::Program p = buildUniformRead(program::OFFSET, 256, 256, 1, {1});
  ohmrt::DeviceParams params;
  params.driftNu = 0.08;
  params.driftNuSigma = 0.01;
  params.driftT0S = 2;
  ohmrt::DeviceInstance instance = ohmrt::DeviceInstance::draw(p, params, 8);
  const ohmrt::ArrayDevice &a = instance.arrays[0];
  double timeS = 2e4, sum = 0, squares = 0;
  for (int64_t i = 0; i < int64_t(a.conductance.size()); ++i) {
    double f =
        a.conductanceAt(i, timeS, params.driftT0S) / a.conductance[size_t(i)];
    sum += f;
    squares += f * f;
  }
  double n = double(a.conductance.size()), mean = sum / n;
  double se = std::sqrt((squares / n - mean * mean) / n);
  double l = std::log(timeS / params.driftT0S);
  double want = std::exp(-params.driftNu * l + 0.5 * params.driftNuSigma *
                                                   params.driftNuSigma * l * l);
  EXPECT_NEAR(mean, want, 4 * se + 1e-6);
  // No drift at or before t0.
  EXPECT_EQ(a.conductanceAt(0, 1.5, params.driftT0S), a.conductance[0]);
}

namespace {

/// Runs one 2T2R synapse (1 x 1 tile, input 1) on `rowsRun` rows with
/// sense errors at `rate`; returns the sensed value of every row.
std::vector<int64_t> senseOneSynapse(program::Encoding encoding,
                                     std::vector<uint8_t> pair, double rate,
                                     int64_t repeat, int64_t batch) {
  program::Program p = buildUniformRead(encoding, 1, 1, repeat, pair);
  DeviceSetup setup;
  setup.params.senseErrorRate = rate;
  setup.seed = 17;
  auto out = runDevice(p,
                       {ints(program::U8, {batch * repeat, 1},
                             std::vector<int64_t>(size_t(batch * repeat), 1))},
                       setup);
  return out.empty() ? std::vector<int64_t>() : toInts(out[0]);
}

} // namespace

TEST(DeviceTest, TernarySenseErrorsNeverFlipTheSign) {
  // 10^6 sensings of +1, -1 and 0 with a sense error rate of 0.3: +-1
  // only ever becomes 0 (never the opposite sign), 0 becomes +-1, each at
  // the rate (binomial, 4 standard deviations), and 0 moves up and down
  // alike.
  const int64_t repeat = 1000, batch = 1000, n = repeat * batch;
  const double rate = 0.3;
  for (auto [pair, value] :
       {std::pair<std::vector<uint8_t>, int64_t>{{1, 0}, 1},
        {{0, 1}, -1},
        {{0, 0}, 0}}) {
    SCOPED_TRACE(value);
    std::vector<int64_t> y =
        senseOneSynapse(program::TERNARY, pair, rate, repeat, batch);
    ASSERT_EQ(int64_t(y.size()), n);
    int64_t changed = 0, up = 0;
    for (int64_t v : y) {
      ASSERT_TRUE(v >= -1 && v <= 1);
      if (value != 0) {
        ASSERT_NE(v, -value)
            << "a sense error turned " << value << " into " << -value;
      }
      changed += v != value;
      up += v > value;
    }
    expectBinomial(changed, n, rate, 4, "sense errors");
    if (value == 0)
      expectBinomial(up, changed, 0.5, 4, "0 sensed as +1");
  }
}

TEST(DeviceTest, BinarySenseErrorsFlipAtTheRate) {
  const int64_t repeat = 1000, batch = 1000, n = repeat * batch;
  for (double rate : {0.001, 0.05}) {
    std::vector<int64_t> y =
        senseOneSynapse(program::BINARY, {0, 1}, rate, repeat, batch);
    ASSERT_EQ(int64_t(y.size()), n);
    int64_t flipped = 0;
    for (int64_t v : y) {
      ASSERT_TRUE(v == 1 || v == -1);
      flipped += v == 1;
    }
    expectBinomial(flipped, n, rate, 4, "binary flips");
  }
}

TEST(DeviceTest, ResultsDoNotDependOnThreadsChunksOrSaving) {
  // A noisy read (variation, faults, read noise, drift) over a batch of 7:
  // one thread, two threads, chunks of 1, 2 and 3, and the instance saved
  // and loaded all give the same bits; another seed does not.
  MvmConfig c;
  c.name = "noisy";
  c.adcBits = 4;
  c.adcStep = 2;
  c.activeRows = 8;
  c.tileRows = 24;
  std::mt19937 rng(9);
  std::vector<std::vector<uint8_t>> levels;
  program::Program p = buildMvm(c, rng, levels);
  int64_t batch = 7;
  std::vector<HostTensor> inputs = {
      ints(program::U8, {batch * c.repeat, c.tileRows},
           randomInts(rng, batch * c.repeat * c.tileRows, 0, 255))};
  DeviceSetup setup;
  setup.params.programmingSigma = 0.05;
  setup.params.readNoiseSigma = 0.05;
  setup.params.stuckAtHrs = 0.01;
  setup.params.driftNu = 0.05;
  setup.params.driftNuSigma = 0.01;
  setup.timeS = 100;
  setup.seed = 123;
  std::vector<int64_t> want = toInts(runDevice(p, inputs, setup)[0]);
  std::vector<int64_t> ideal =
      referenceMvm(c, toInts(inputs[0]), batch * c.repeat, levels);
  EXPECT_NE(want, ideal) << "the noise changed nothing";
  for (unsigned threads : {1u, 2u})
    for (int64_t chunk : {0, 1, 2, 3}) {
      DeviceSetup other = setup;
      other.threads = threads;
      other.chunk = chunk;
      EXPECT_EQ(toInts(runDevice(p, inputs, other)[0]), want)
          << threads << " threads, chunks of " << chunk;
    }
  // Saved and loaded.
  ohmrt::DeviceInstance drawn =
      ohmrt::DeviceInstance::draw(p, setup.params, setup.seed);
  char path[] = "/tmp/ohm-device-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string error;
  ASSERT_TRUE(ohmrt::saveDevice(drawn, path, error)) << error;
  ohmrt::DeviceInstance loaded;
  ASSERT_TRUE(ohmrt::loadDevice(path, p, loaded, error)) << error;
  std::remove(path);
  EXPECT_EQ(toInts(runDevice(p, inputs, setup, &loaded)[0]), want);
  DeviceSetup reseeded = setup;
  reseeded.seed = 124;
  EXPECT_NE(toInts(runDevice(p, inputs, reseeded)[0]), want);
}

TEST(DeviceTest, ParametersAreChecked) {
  ohmrt::DeviceParams params;
  std::string error;
  EXPECT_TRUE(ohmrt::checkDeviceParams(params, error)) << error;
  EXPECT_FALSE(ohmrt::setDeviceParam(params, "bogus", "1", error));
  EXPECT_NE(error.find("unknown device parameter 'bogus'"), std::string::npos);
  EXPECT_FALSE(ohmrt::setDeviceParam(params, "read_noise_sigma", "x", error));
  EXPECT_FALSE(ohmrt::setDeviceParam(params, "read_noise_sigma", "inf", error));
  ASSERT_TRUE(ohmrt::setDeviceParam(params, "stuck_at_hrs", "1.5", error));
  EXPECT_FALSE(ohmrt::checkDeviceParams(params, error));
  EXPECT_EQ(error, "device parameter 'stuck_at_hrs' = 1.5 is not a rate in "
                   "[0, 1]");
  params = ohmrt::DeviceParams();
  params.gMinUs = 100;
  EXPECT_FALSE(ohmrt::checkDeviceParams(params, error));
  EXPECT_EQ(error, "device parameter 'g_max_us' = 100 must be larger than "
                   "g_min_us");
}
