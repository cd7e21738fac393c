//===- CostReport.h - Printing the cost model's figures ---------*- C++ -*-===//
//
// The cost report as JSON (ohmc --cost-report, ohm-sim --report) and as a
// table (ohmc -v, ohm-sim's summary). The figures come from ohmrt/Cost.h.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_TOOLS_COSTREPORT_H
#define OHM_TOOLS_COSTREPORT_H

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ohm {
namespace program {
class TargetInfo;
} // namespace program
} // namespace ohm

namespace ohmrt {
struct CostReport;
} // namespace ohmrt

namespace ohm {

/// Writes the report as JSON. `activity` says what the DAC and cell energy
/// count: "static" (every digit non-zero, an upper bound) or "counted".
/// `inferences` is how many inferences the run did (1 for an estimate);
/// `accuracy`, the run's top-1 accuracy against --labels, if given.
void writeCostJson(const ohmrt::CostReport &report,
                   const program::TargetInfo &target, llvm::StringRef activity,
                   int64_t inferences, llvm::raw_ostream &os,
                   llvm::Optional<double> accuracy = llvm::None);

/// Prints the per-layer table (energy by component, the ADC's share,
/// latency) and the totals (energy per inference, latency, throughput,
/// area, peak power, TOPS/W, TOPS/mm^2).
void printCostTable(const ohmrt::CostReport &report, llvm::StringRef activity,
                    llvm::raw_ostream &os);

} // namespace ohm

#endif // OHM_TOOLS_COSTREPORT_H
