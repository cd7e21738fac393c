//===- MappingReport.h - What a mapped module uses, per layer ---*- C++ -*-===//
//
// An analysis of mapped xb IR: per layer the arrays, utilization, slices,
// input cycles, word-line groups, ADC configurations and conversions per
// inference, and totals -- as JSON (`ohmc --mapping-report`) or a table
// (`ohmc -v`). Conversions come from ohmrt::countRead, the formula the
// simulator's summary uses too.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_XBAR_MAPPINGREPORT_H
#define OHM_XBAR_MAPPINGREPORT_H

namespace llvm {
class raw_ostream;
}

namespace ohm {

class Module;
namespace target {
struct Target;
}

/// Writes the mapping report of a mapped module as JSON: per layer arrays,
/// utilization, weight slices, input cycles, row groups, ADC configuration
/// and conversions per inference; totals.
void writeMappingReport(Module &module, const target::Target &target,
                        llvm::raw_ostream &os);

/// The same as a table, for `ohmc -v`.
void printMappingTable(Module &module, const target::Target &target,
                       llvm::raw_ostream &os);

} // namespace ohm

#endif // OHM_XBAR_MAPPINGREPORT_H
