//===- Epilogue.cpp - bias, unrows and requantize in one pass -------------===//
//
// The fused epilogue of a crossbar layer (Fusion.cpp finds them): the
// partial sums plus the bias, requantized per channel and laid out as
// NCHW, in one pass over the int32 results.
//
//===----------------------------------------------------------------------===//

#include "VectorKernels.h"

using namespace ohmrt;
using namespace ohmrt::detail;

namespace {
/// One pixel's channels of an epilogue in float mode with no input zero
/// point: bias, scale per channel, round, clamp -- the same arithmetic as
/// requantizeFloatFast, vectorized across channels.
template <typename D>
OHMRT_VECTOR_CLONES void
epilogueRow(const int32_t *in, const uint32_t *bias, const float *scales,
            D *out, int64_t channels, int32_t zp, float lo, float hi) {
  for (int64_t c = 0; c < channels; ++c) {
    int32_t sum = int32_t(uint32_t(in[c]) + bias[c]);
    out[c] = D(roundClamp(float(sum) * scales[c], lo, hi) + zp);
  }
}

} // namespace

void Machine::runEpilogue(const Epilogue &epilogue) {
  const program::Bias &biasOp = p.instructions(epilogue.bias).bias();
  const program::Requantize &op =
      p.instructions(epilogue.requantize).requantize();
  Mem src = mem(biasOp.src()), dst = mem(op.dst());
  const std::string &data = constants.at(biasOp.constant())->data();
  int64_t channels = dst.dims[1], pixels = dst.dims[2] * dst.dims[3];
  int64_t images = dst.dims[0];
  std::vector<uint32_t> bias(size_t(channels), 0);
  std::memcpy(bias.data(), data.data(), size_t(channels) * 4);
  bool perChannel = op.scales_size() > 1 || op.multipliers_size() > 1;
  int64_t inputZp = op.input_zero_point(), zp = op.zero_point();
  int64_t lo = op.min(), hi = op.max();
  const int32_t *in = src.as<int32_t>();
  const int64_t limit = int64_t(1) << 24;
  if (!op.fixed_point() && inputZp == 0 && dst.bytes == 1 &&
      std::abs(zp) < limit && std::abs(lo - zp) < limit &&
      std::abs(hi - zp) < limit) {
    // Requantize a tile of pixels x channels as one flat vectorized loop
    // (per-element bias and scale from a tile-sized copy of the channel
    // vectors), then transpose its bytes into NCHW.
    int64_t tilePixels = std::max<int64_t>(16, 4096 / channels);
    int64_t tileSize = tilePixels * channels;
    std::vector<float> scales(static_cast<size_t>(tileSize));
    std::vector<uint32_t> biases(static_cast<size_t>(tileSize));
    for (int64_t i = 0; i < tileSize; ++i) {
      int64_t c = i % channels;
      scales[size_t(i)] = op.scales(perChannel ? int(c) : 0);
      biases[size_t(i)] = bias[size_t(c)];
    }
    int64_t pixelTiles = (pixels + tilePixels - 1) / tilePixels;
    dst.withInts([&](auto *out) {
      using D = std::remove_pointer_t<decltype(out)>;
      pool->parallelFor(
          images * pixelTiles, 4, [&](int64_t begin, int64_t end) {
            std::vector<D> tile(static_cast<size_t>(tileSize));
            for (int64_t job = begin; job < end; ++job) {
              int64_t b = job / pixelTiles,
                      p0 = (job % pixelTiles) * tilePixels;
              int64_t pn = std::min(tilePixels, pixels - p0);
              epilogueRow(in + (b * pixels + p0) * channels, biases.data(),
                          scales.data(), tile.data(), pn * channels,
                          int32_t(zp), float(lo - zp), float(hi - zp));
              transposeBytes(
                  reinterpret_cast<const uint8_t *>(tile.data()), channels,
                  reinterpret_cast<uint8_t *>(out + b * channels * pixels + p0),
                  pixels, pn, channels);
            }
          });
    });
    return;
  }
  // Tiles of 64 pixels x 64 channels: add the bias while transposing into
  // a cache-resident tile, then requantize each channel's line of pixels.
  constexpr int64_t kTile = 64;
  int64_t pixelTiles = (pixels + kTile - 1) / kTile;
  dst.withInts([&](auto *out) {
    pool->parallelFor(images * pixelTiles, 4, [&](int64_t begin, int64_t end) {
      int32_t tile[kTile * kTile];
      for (int64_t job = begin; job < end; ++job) {
        int64_t b = job / pixelTiles, p0 = (job % pixelTiles) * kTile;
        int64_t pn = std::min(kTile, pixels - p0);
        for (int64_t c0 = 0; c0 < channels; c0 += kTile) {
          int64_t cn = std::min(kTile, channels - c0);
          for (int64_t p = 0; p < pn; ++p) {
            const int32_t *row = in + (b * pixels + p0 + p) * channels + c0;
            for (int64_t c = 0; c < cn; ++c)
              tile[c * kTile + p] =
                  int32_t(uint32_t(row[c]) + bias[size_t(c0 + c)]);
          }
          for (int64_t c = 0; c < cn; ++c) {
            int64_t ch = perChannel ? c0 + c : 0;
            auto *to = out + (b * channels + c0 + c) * pixels + p0;
            if (op.fixed_point())
              requantizeFixed(tile + c * kTile, to, pn, op.multipliers(int(ch)),
                              31 + op.shifts(int(ch)), inputZp, zp, lo, hi);
            else
              requantizeFloat(tile + c * kTile, to, pn, op.scales(int(ch)),
                              inputZp, zp, lo, hi);
          }
        }
      }
    });
  });
}
