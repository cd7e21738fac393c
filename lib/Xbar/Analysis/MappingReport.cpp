//===- MappingReport.cpp - What a mapped module uses, per layer -----------===//

#include "ohm/Xbar/MappingReport.h"
#include "ohm/IR/Module.h"
#include "ohm/Target/Target.h"
#include "ohm/Xbar/XbarOps.h"
#include "ohmrt/Counts.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace ohm;
using namespace ohm::target;

namespace {
struct TileAdc {
  int64_t bits, step, offset;
  bool operator<(const TileAdc &o) const {
    return std::tie(bits, step, offset) < std::tie(o.bits, o.step, o.offset);
  }
};

struct LayerStats {
  std::string name;
  std::string encoding;
  int64_t reads = 0, arrays = 0, usedCells = 0;
  int64_t rowTiles = 0, slices = 0, cycles = 0, groups = 0;
  int64_t conversions = 0;
  std::map<TileAdc, int64_t> adcs; // configuration -> number of tiles
  std::set<int64_t> rowOffsets;
};

/// The shape of a read, for the formula the simulator shares.
ohmrt::ReadShape readShapeOf(xb::MvmOp mvm) {
  Operation *op = mvm;
  ohmrt::ReadShape shape;
  shape.tileRows = mvm.getTileRows();
  shape.tileCols = mvm.getTileCols();
  shape.inputBits = mvm.getInputBits();
  shape.dacBits = mvm.getDacBits();
  shape.slices = mvm.getSlices();
  shape.activeRows = mvm.getActiveRows();
  shape.sets = op->getNumOperands() - 1;
  shape.analogSensing = mvm.isAnalogSensing();
  shape.senseAmp = mvm.isEncoded() && target::isSensed(*mvm.getEncoding());
  return shape;
}

/// Input rows one inference (one batch item) feeds to a read.
int64_t rowsPerSample(xb::MvmOp mvm) {
  Operation *def = mvm.getRows()->getDefiningOp();
  if (!def)
    return 1;
  auto input = def->getOperand(0)->getType().cast<TensorType>();
  if (def->isa<xb::Im2ColOp>()) {
    auto kernel = def->getAttrOfType<ArrayAttr>("kernel_shape");
    std::vector<int64_t> k, s = {1, 1}, p = {0, 0, 0, 0}, d = {1, 1};
    kernel.getAsInts(k);
    if (auto a = def->getAttrOfType<ArrayAttr>("strides"))
      a.getAsInts(s);
    if (auto a = def->getAttrOfType<ArrayAttr>("pads"))
      a.getAsInts(p);
    if (auto a = def->getAttrOfType<ArrayAttr>("dilations"))
      a.getAsInts(d);
    int64_t count = 1;
    for (unsigned i = 0; i < 2; ++i) {
      int64_t in = input.getDimSize(2 + i);
      if (in < 0)
        return -1;
      count *= (in + p[i] + p[i + 2] - d[i] * (k[i] - 1) - 1) / s[i] + 1;
    }
    return count;
  }
  int64_t count = 1;
  for (unsigned i = 1; i + 1 < input.getRank(); ++i)
    count = input.getDimSize(i) < 0 ? -1 : count * input.getDimSize(i);
  return count;
}

std::vector<LayerStats> collectStats(Module &module, const Target &target) {
  std::vector<LayerStats> layers;
  std::map<std::string, size_t> index;
  for (Function &fn : module)
    for (Operation &op : fn.getBody()) {
      if (!op.isa<xb::MvmOp>())
        continue;
      xb::MvmOp mvm(&op);
      std::string name = mvm.getLayerName();
      if (!index.count(name)) {
        index[name] = layers.size();
        layers.push_back({});
        layers.back().name = name;
      }
      LayerStats &stats = layers[index[name]];
      int64_t sets = op.getNumOperands() - 1;
      int64_t slices = mvm.getSlices();
      stats.encoding = mvm.isEncoded()
                           ? target::getEncodingName(*mvm.getEncoding()).str()
                           : "none";
      ++stats.reads;
      stats.rowOffsets.insert(mvm.getRowOffset());
      if (auto arrays = op.getAttrOfType<ArrayAttr>("arrays"))
        stats.arrays += arrays.size();
      stats.usedCells += mvm.getTileRows() * mvm.getTileCols() * sets * slices;
      stats.slices = std::max(stats.slices, slices);
      stats.cycles = std::max(stats.cycles, mvm.getCycles());
      stats.groups = std::max(stats.groups, mvm.getGroups());
      int64_t rows = rowsPerSample(mvm);
      if (rows >= 0)
        stats.conversions +=
            rows * ohmrt::countRead(readShapeOf(mvm)).conversions;
      xb::AdcConfig adc = mvm.getAdc();
      ++stats.adcs[{adc.bits, adc.step, adc.offset}];
    }
  for (LayerStats &stats : layers)
    stats.rowTiles = int64_t(stats.rowOffsets.size());
  (void)target;
  return layers;
}

double utilization(const LayerStats &stats, const Target &target) {
  int64_t cells = stats.arrays * target.crossbar.rows * target.crossbar.cols;
  return cells ? double(stats.usedCells) / double(cells) : 0.0;
}
} // namespace

/// Cores holding at least one array a read uses.
static int64_t countCoresUsed(Module &module, const Target &target) {
  std::set<int64_t> cores;
  for (Function &fn : module)
    for (Operation &op : fn.getBody())
      if (auto arrays = op.getAttrOfType<ArrayAttr>("arrays")) {
        std::vector<int64_t> ids;
        if (op.isa<xb::MvmOp>() && arrays.getAsInts(ids))
          for (int64_t id : ids)
            cores.insert(id / target.hierarchy.arraysPerCore);
      }
  return int64_t(cores.size());
}

void ohm::writeMappingReport(Module &module, const Target &target,
                             llvm::raw_ostream &os) {
  std::vector<LayerStats> layers = collectStats(module, target);
  llvm::json::OStream json(os, 2);
  int64_t totalArrays = 0, totalConversions = 0;
  json.object([&] {
    json.attribute("target", target.name);
    json.attributeArray("layers", [&] {
      for (const LayerStats &stats : layers) {
        totalArrays += stats.arrays;
        totalConversions += stats.conversions;
        json.object([&] {
          json.attribute("name", stats.name);
          json.attribute("encoding", stats.encoding);
          json.attribute("reads", stats.reads);
          json.attribute("row_tiles", stats.rowTiles);
          json.attribute("col_tiles",
                         stats.reads / std::max<int64_t>(stats.rowTiles, 1));
          json.attribute("arrays", stats.arrays);
          json.attribute("utilization", utilization(stats, target));
          json.attribute("weight_slices", stats.slices);
          json.attribute("input_cycles", stats.cycles);
          json.attribute("row_groups", stats.groups);
          json.attributeArray("adc", [&] {
            // (No structured bindings: C++17 lambdas cannot capture them.)
            for (const auto &entry : stats.adcs)
              json.object([&] {
                json.attribute("bits", entry.first.bits);
                json.attribute("step", entry.first.step);
                json.attribute("offset", entry.first.offset);
                json.attribute("tiles", entry.second);
              });
          });
          json.attribute("conversions_per_inference", stats.conversions);
        });
      }
    });
    json.attributeObject("totals", [&] {
      json.attribute("layers", int64_t(layers.size()));
      json.attribute("arrays", totalArrays);
      json.attribute("arrays_available", target.getTotalArrays());
      json.attribute("cores_used", countCoresUsed(module, target));
      json.attribute("conversions_per_inference", totalConversions);
    });
  });
  os << "\n";
}

void ohm::printMappingTable(Module &module, const Target &target,
                            llvm::raw_ostream &os) {
  std::vector<LayerStats> layers = collectStats(module, target);
  const char *header[] = {"layer",  "encoding",      "arrays",
                          "util%",  "slices",        "cycles",
                          "groups", "adc bits/step", "conversions"};
  os << llvm::format("%-24s %-12s %6s %6s %6s %6s %6s %-16s %14s\n", header[0],
                     header[1], header[2], header[3], header[4], header[5],
                     header[6], header[7], header[8]);
  int64_t totalArrays = 0, totalConversions = 0;
  for (const LayerStats &stats : layers) {
    std::string adc;
    for (const auto &[config, tiles] : stats.adcs) {
      if (!adc.empty())
        adc += ",";
      adc += config.bits ? std::to_string(config.bits) + "/" +
                               std::to_string(config.step)
                         : "ideal";
    }
    os << llvm::format(
        "%-24s %-12s %6lld %6.1f %6lld %6lld %6lld %-16s %14lld\n",
        stats.name.c_str(), stats.encoding.c_str(), (long long)stats.arrays,
        100.0 * utilization(stats, target), (long long)stats.slices,
        (long long)stats.cycles, (long long)stats.groups, adc.c_str(),
        (long long)stats.conversions);
    totalArrays += stats.arrays;
    totalConversions += stats.conversions;
  }
  const char *total = "total", *empty = "";
  os << llvm::format("%-24s %-12s %6lld %6s %6s %6s %6s %-16s %14lld\n", total,
                     empty, (long long)totalArrays, empty, empty, empty, empty,
                     empty, (long long)totalConversions);
  os << "arrays used: " << totalArrays << " of " << target.getTotalArrays()
     << " (" << target.hierarchy.arraysPerCore << " per core x "
     << target.hierarchy.cores << " cores)\n";
}
