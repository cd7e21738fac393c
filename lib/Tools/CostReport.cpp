//===- CostReport.cpp - Printing the cost model's figures -----------------===//

#include "ohm/Tools/CostReport.h"
#include "ohmrt/Cost.h"

#include "program.pb.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace ohm;

static llvm::json::Object energyToJson(const ohmrt::Energy &e) {
  return llvm::json::Object{{"adc", e.adc},       {"dac", e.dac},
                            {"cells", e.cells},   {"digital", e.digital},
                            {"buffer", e.buffer}, {"static", e.statics},
                            {"total", e.total()}};
}

void ohm::writeCostJson(const ohmrt::CostReport &report,
                        const program::TargetInfo &target,
                        llvm::StringRef activity, int64_t inferences,
                        llvm::raw_ostream &os,
                        llvm::Optional<double> accuracy) {
  llvm::json::Array layers;
  for (const ohmrt::LayerCost &layer : report.layers) {
    double dynamic = layer.energy.total() - layer.energy.statics;
    layers.push_back(
        llvm::json::Object{{"layer", layer.layer},
                           {"energy_pj", energyToJson(layer.energy)},
                           {"adc_share_of_dynamic",
                            dynamic > 0 ? layer.energy.adc / dynamic : 0.0},
                           {"latency_ns", layer.latencyNs},
                           {"ops", layer.ops},
                           {"conversions", layer.conversions},
                           {"arrays", layer.arrays}});
  }
  const ohmrt::Area &a = report.area;
  const ohmrt::Power &p = report.peakPower;
  llvm::json::Object root{
      {"target", target.name()},
      {"activity", activity},
      {"inferences", inferences},
      {"per_inference",
       llvm::json::Object{{"energy_pj", energyToJson(report.energy)},
                          {"latency_ns", report.latencyNs},
                          {"ops", report.ops},
                          {"conversions", report.conversions}}},
      {"throughput_per_s", report.getThroughput()},
      {"pipeline_period_ns", report.pipelinedPeriodNs},
      {"tops_per_w", report.getTopsPerWatt()},
      {"tops_per_mm2", report.getTopsPerMm2()},
      {"area_um2", llvm::json::Object{{"arrays", a.arrays},
                                      {"adcs", a.adcs},
                                      {"dacs", a.dacs},
                                      {"core_digital", a.coreDigital},
                                      {"tiles", a.tiles},
                                      {"chip", a.chip},
                                      {"total", a.total()}}},
      {"peak_power_mw", llvm::json::Object{{"adc", p.adc},
                                           {"dac", p.dac},
                                           {"cells", p.cells},
                                           {"static", p.statics},
                                           {"total", p.total()}}},
      {"hierarchy",
       llvm::json::Object{
           {"core",
            llvm::json::Object{
                {"area_um2", ohmrt::getCoreAreaUm2(target)},
                {"peak_power_mw", ohmrt::getCorePeakPower(target).total()}}},
           {"tile",
            llvm::json::Object{
                {"cores", target.cores_per_tile()},
                {"area_um2", ohmrt::getTileAreaUm2(target)},
                {"peak_power_mw", ohmrt::getTilePeakPower(target).total()}}},
           {"chip", llvm::json::Object{{"tiles", ohmrt::getTileCount(target)},
                                       {"area_um2", report.area.total()},
                                       {"peak_power_mw", p.total()}}}}},
      {"layers", llvm::json::Value(std::move(layers))}};
  if (accuracy)
    root["accuracy"] = *accuracy;
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}

void ohm::printCostTable(const ohmrt::CostReport &report,
                         llvm::StringRef activity, llvm::raw_ostream &os) {
  os << "cost per inference (" << activity << " activity; docs/Cost.md):\n";
  const char *header[] = {"layer",  "energy nJ", "adc",
                          "dac",    "cells",     "digital",
                          "buffer", "adc%dyn",   "latency us"};
  os << llvm::format("  %-28s %12s %10s %10s %10s %10s %10s %7s %12s\n",
                     header[0], header[1], header[2], header[3], header[4],
                     header[5], header[6], header[7], header[8]);
  auto row = [&](llvm::StringRef name, const ohmrt::Energy &e, double ns) {
    double total = e.total(), dynamic = total - e.statics;
    std::string label = name.str();
    if (label.size() > 28)
      label = "..." + label.substr(label.size() - 25);
    os << llvm::format(
        "  %-28s %12.3f %10.3f %10.3f %10.3f %10.3f %10.3f %6.1f%% %12.3f\n",
        label.c_str(), total * 1e-3, e.adc * 1e-3, e.dac * 1e-3, e.cells * 1e-3,
        e.digital * 1e-3, e.buffer * 1e-3,
        dynamic > 0 ? 100 * e.adc / dynamic : 0.0, ns * 1e-3);
  };
  for (const ohmrt::LayerCost &layer : report.layers)
    row(layer.layer, layer.energy, layer.latencyNs);
  row("total", report.energy, report.latencyNs);
  os << llvm::format("  energy %.3f uJ/inference (static %.3f uJ), latency "
                     "%.3f us, throughput %.1f inferences/s (pipelined)\n",
                     report.energy.total() * 1e-6, report.energy.statics * 1e-6,
                     report.latencyNs * 1e-3, report.getThroughput());
  os << llvm::format("  chip area %.3f mm^2, peak power %.3f W, %.4g TOPS/W, "
                     "%.4g TOPS/mm^2\n",
                     report.area.total() * 1e-6,
                     report.peakPower.total() * 1e-3, report.getTopsPerWatt(),
                     report.getTopsPerMm2());
}
