//===- Cost.cpp - Cycles, energy and area of a program --------------------===//
//
// docs/Cost.md is this file in prose; keep them together.
//
//===----------------------------------------------------------------------===//

#include "ohmrt/Cost.h"
#include "Operands.h"
#include "ohmrt/Runtime.h"

#include "program.pb.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace ohmrt;
namespace pb = ohm::program;

Energy &Energy::operator+=(const Energy &other) {
  adc += other.adc;
  dac += other.dac;
  cells += other.cells;
  digital += other.digital;
  buffer += other.buffer;
  statics += other.statics;
  return *this;
}

double ohmrt::getAdcEnergyPj(const pb::TargetInfo &t, int64_t bits) {
  return t.adc_energy_pj() * std::pow(t.adc_energy_per_bit_scale(),
                                      double(bits - t.adc_reference_bits()));
}

/// Bits that hold 0..max.
static int64_t bitsFor(int64_t max) {
  int64_t bits = 1;
  while (bits < 62 && (int64_t(1) << bits) <= max)
    ++bits;
  return bits;
}

int64_t ohmrt::getPricedAdcBits(const pb::Mvm &op) {
  ReadShape shape = getReadShape(op);
  if (shape.senseAmp)
    return 1;
  if (op.adc_bits() > 0)
    return op.adc_bits();
  // Lossless: the largest partial sum of one cell set's group, and its
  // sign when pairs subtract before conversion.
  int64_t rows = std::min(shape.activeRows, shape.tileRows);
  int64_t max = rows * ((int64_t(1) << op.dac_bits()) - 1) *
                ((int64_t(1) << op.cell_bits()) - 1);
  return bitsFor(max) + (shape.analogSensing ? 1 : 0);
}

/// Arrays one read drives at once: its cell sets' slices.
static int64_t getArraysPerRead(const pb::Mvm &op) {
  return std::max<int64_t>(1, op.sets()) * std::max<int64_t>(1, op.slices());
}

double ohmrt::getConversionTimeNs(const pb::Mvm &op, const pb::TargetInfo &t) {
  MvmCounts counts = countMvm(op);
  int64_t arrays = getArraysPerRead(op);
  // Conversions per array per read step (input cycle x group).
  double perArray =
      double(counts.conversions) /
      double(std::max<int64_t>(1, counts.cycles * counts.groups * arrays));
  int64_t cols = std::max<int64_t>(1, t.cols());
  int64_t colsPerAdc = std::max<int64_t>(1, t.cols_per_adc());
  double adcs = double((cols + colsPerAdc - 1) / colsPerAdc);
  return std::ceil(perArray / adcs) * t.adc_latency_ns();
}

InstructionCost ohmrt::costMvm(const pb::Mvm &op, const pb::TargetInfo &t,
                               double drivenDigits) {
  InstructionCost cost;
  MvmCounts counts = countMvm(op);
  int64_t rows = op.repeat();
  int64_t arrays = getArraysPerRead(op);
  if (drivenDigits < 0)
    drivenDigits = double(rows * counts.cycles * op.tile_rows());
  cost.conversions = rows * counts.conversions;
  cost.ops = 2 * rows * op.tile_rows() * op.tile_cols();
  cost.energy.adc =
      double(cost.conversions) * getAdcEnergyPj(t, getPricedAdcBits(op));
  cost.energy.dac = drivenDigits * double(arrays) * t.dac_energy_pj();
  cost.energy.cells = drivenDigits * double(arrays) * double(op.tile_cols()) *
                      t.cell_read_energy_pj();
  // One shift-add per conversion.
  cost.energy.digital = double(cost.conversions) * t.digital_op_energy_pj();
  // Input codes read (one byte each at most 8 bits), 32-bit sums written.
  int64_t inBytes = op.input_bits() <= 8 ? 1 : op.input_bits() <= 16 ? 2 : 4;
  cost.energy.buffer =
      double(rows * (op.tile_rows() * inBytes + op.tile_cols() * 4)) *
      t.buffer_energy_pj_per_byte();
  cost.latencyNs = double(rows * counts.cycles * counts.groups) *
                   (t.read_latency_ns() + getConversionTimeNs(op, t));
  return cost;
}

/// Bytes of a buffer per inference.
static const pb::Buffer *findBuffer(const pb::Program &p, uint32_t id) {
  for (const pb::Buffer &b : p.buffers())
    if (b.id() == id)
      return &b;
  return nullptr;
}

InstructionCost ohmrt::costVectorInstruction(const pb::Instruction &inst,
                                             const pb::Program &p) {
  InstructionCost cost;
  std::vector<uint32_t> reads, writes;
  detail::getOperands(inst, reads, writes);
  int64_t readBytes = 0, writeBytes = 0, elements = 0;
  for (uint32_t id : reads)
    if (const pb::Buffer *b = findBuffer(p, id))
      readBytes += int64_t(b->size());
  for (uint32_t id : writes)
    if (const pb::Buffer *b = findBuffer(p, id)) {
      int64_t n = 1;
      for (int64_t d : b->dims())
        n *= d;
      elements += n;
      writeBytes += int64_t(b->size());
    }
  if (inst.op_case() == pb::Instruction::kSync)
    return cost;
  cost.energy.digital = double(elements) * p.target().digital_op_energy_pj();
  cost.energy.buffer =
      double(readBytes + writeBytes) * p.target().buffer_energy_pj_per_byte();
  cost.latencyNs = double(elements) * p.target().digital_op_latency_ns();
  return cost;
}

int64_t ohmrt::getTileCount(const pb::TargetInfo &t) {
  int64_t perTile = std::max<int64_t>(1, t.cores_per_tile());
  return (t.cores() + perTile - 1) / perTile;
}

/// ADCs per array.
static int64_t getAdcsPerArray(const pb::TargetInfo &t) {
  int64_t colsPerAdc = std::max<int64_t>(1, t.cols_per_adc());
  return (t.cols() + colsPerAdc - 1) / colsPerAdc;
}

double ohmrt::getCoreAreaUm2(const pb::TargetInfo &t) {
  double arrays = double(t.arrays_per_core());
  double adcArea = t.adc_area_um2() *
                   std::pow(t.adc_area_per_bit_scale(),
                            double(t.adc_bits() - t.adc_reference_bits()));
  return arrays * (t.array_area_um2() + double(getAdcsPerArray(t)) * adcArea +
                   double(t.rows()) * t.dac_area_um2()) +
         t.core_digital_area_um2();
}

double ohmrt::getTileAreaUm2(const pb::TargetInfo &t) {
  return double(std::max<int64_t>(1, t.cores_per_tile())) * getCoreAreaUm2(t) +
         t.tile_area_um2();
}

Area ohmrt::getChipArea(const pb::TargetInfo &t) {
  Area area;
  double arrays = double(t.cores() * t.arrays_per_core());
  area.arrays = arrays * t.array_area_um2();
  area.adcs = arrays * double(getAdcsPerArray(t)) * t.adc_area_um2() *
              std::pow(t.adc_area_per_bit_scale(),
                       double(t.adc_bits() - t.adc_reference_bits()));
  area.dacs = arrays * double(t.rows()) * t.dac_area_um2();
  area.coreDigital = double(t.cores()) * t.core_digital_area_um2();
  area.tiles = double(getTileCount(t)) * t.tile_area_um2();
  area.chip = t.chip_area_um2();
  return area;
}

Power ohmrt::getCorePeakPower(const pb::TargetInfo &t) {
  // pJ per ns is mW.
  Power power;
  double arrays = double(t.arrays_per_core());
  if (t.adc_latency_ns() > 0)
    power.adc = arrays * double(getAdcsPerArray(t)) *
                getAdcEnergyPj(t, t.adc_bits()) / t.adc_latency_ns();
  if (t.read_latency_ns() > 0) {
    power.dac =
        arrays * double(t.rows()) * t.dac_energy_pj() / t.read_latency_ns();
    power.cells = arrays * double(t.rows() * t.cols()) *
                  t.cell_read_energy_pj() / t.read_latency_ns();
  }
  power.statics = t.core_static_power_mw();
  return power;
}

static Power scale(Power power, double factor) {
  power.adc *= factor;
  power.dac *= factor;
  power.cells *= factor;
  power.statics *= factor;
  return power;
}

Power ohmrt::getTilePeakPower(const pb::TargetInfo &t) {
  Power power = scale(getCorePeakPower(t),
                      double(std::max<int64_t>(1, t.cores_per_tile())));
  power.statics += t.tile_static_power_mw();
  return power;
}

Power ohmrt::getChipPeakPower(const pb::TargetInfo &t) {
  // Every core, grouped in tiles (the last tile may be partial).
  Power power = scale(getCorePeakPower(t), double(t.cores()));
  power.statics += double(getTileCount(t)) * t.tile_static_power_mw() +
                   t.chip_static_power_mw();
  return power;
}

double CostReport::getThroughput() const {
  return pipelinedPeriodNs > 0 ? 1e9 / pipelinedPeriodNs : 0;
}

double CostReport::getTopsPerWatt() const {
  // ops / pJ = Tops / J... 1 op per pJ is 1 TOPS/W.
  double pj = energy.total();
  return pj > 0 ? double(ops) / pj : 0;
}

double CostReport::getTopsPerMm2() const {
  double mm2 = area.total() * 1e-6;
  return mm2 > 0 ? double(ops) * getThroughput() * 1e-12 / mm2 : 0;
}

/// Adds one layer's instructions [begin, end) to the report.
static void addLayer(const pb::Program &p, int begin, int end,
                     const std::vector<int64_t> &drivenDigits,
                     int64_t inferences, double staticMw, CostReport &report) {
  const pb::TargetInfo &t = p.target();
  LayerCost layer;
  std::map<uint32_t, double> coreNs; // mvm latency per core
  double vectorNs = 0;
  for (int i = begin; i < end; ++i) {
    const pb::Instruction &inst = p.instructions(i);
    InstructionCost cost;
    if (inst.op_case() == pb::Instruction::kMvm) {
      double driven = size_t(i) < drivenDigits.size()
                          ? double(drivenDigits[size_t(i)]) /
                                double(std::max<int64_t>(1, inferences))
                          : -1.0;
      cost = costMvm(inst.mvm(), t, driven);
      coreNs[inst.mvm().core()] += cost.latencyNs;
      layer.arrays += inst.mvm().arrays_size();
      if (layer.layer.empty())
        layer.layer = inst.mvm().layer();
    } else {
      cost = costVectorInstruction(inst, p);
      vectorNs += cost.latencyNs;
      if (inst.op_case() == pb::Instruction::kSync)
        layer.layer = inst.sync().layer();
    }
    layer.energy += cost.energy;
    layer.ops += cost.ops;
    layer.conversions += cost.conversions;
  }
  double slowest = 0;
  for (const auto &entry : coreNs)
    slowest = std::max(slowest, entry.second);
  layer.latencyNs = slowest + vectorNs;
  layer.energy.statics = staticMw * layer.latencyNs; // mW x ns = pJ
  if (layer.layer.empty())
    layer.layer = "(output)";
  report.energy += layer.energy;
  report.latencyNs += layer.latencyNs;
  report.pipelinedPeriodNs =
      std::max(report.pipelinedPeriodNs, layer.latencyNs);
  report.ops += layer.ops;
  report.conversions += layer.conversions;
  report.layers.push_back(std::move(layer));
}

/// Static power while the program runs: the cores it reads arrays of,
/// their tiles (the others are power-gated), and the chip's own parts.
static double getStaticPowerMw(const pb::Program &p) {
  const pb::TargetInfo &t = p.target();
  std::set<uint32_t> cores, tiles;
  for (const pb::Instruction &inst : p.instructions())
    if (inst.op_case() == pb::Instruction::kMvm) {
      cores.insert(inst.mvm().core());
      tiles.insert(inst.mvm().core() /
                   uint32_t(std::max<int64_t>(1, t.cores_per_tile())));
    }
  return double(cores.size()) * t.core_static_power_mw() +
         double(tiles.size()) * t.tile_static_power_mw() +
         t.chip_static_power_mw();
}

CostReport ohmrt::estimateCost(const pb::Program &p,
                               const std::vector<int64_t> &drivenDigits,
                               int64_t inferences) {
  CostReport report;
  double staticMw = getStaticPowerMw(p);
  int begin = 0;
  for (int i = 0; i < p.instructions_size(); ++i)
    if (p.instructions(i).op_case() == pb::Instruction::kSync) {
      addLayer(p, begin, i + 1, drivenDigits, inferences, staticMw, report);
      begin = i + 1;
    }
  if (begin < p.instructions_size())
    addLayer(p, begin, p.instructions_size(), drivenDigits, inferences,
             staticMw, report);
  report.area = getChipArea(p.target());
  report.peakPower = getChipPeakPower(p.target());
  return report;
}
