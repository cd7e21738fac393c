//===- Timing.h - Named timers reported once --------------------*- C++ -*-===//
//
// A thin owner of an llvm::TimerGroup whose timers live until the report is
// printed (LLVM prints a group as soon as its last timer dies, which would
// split the report). Timers with the same name accumulate.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_SUPPORT_TIMING_H
#define OHM_SUPPORT_TIMING_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Timer.h"

#include <memory>
#include <vector>

namespace ohm {

class Timing {
public:
  Timing(llvm::StringRef name, llvm::StringRef description)
      : group(name, description) {}

  /// The timer called `name`, created on first use. Report order follows
  /// LLVM's (by time spent).
  llvm::Timer &get(llvm::StringRef name) {
    auto &slot = timers[name];
    if (!slot)
      slot = std::make_unique<llvm::Timer>(name, name, group);
    return *slot;
  }

  /// Prints the report and resets the timers (so nothing prints twice).
  void print(llvm::raw_ostream &os) {
    group.print(os, /*ResetAfterPrint=*/true);
  }

private:
  llvm::TimerGroup group;
  llvm::StringMap<std::unique_ptr<llvm::Timer>> timers;
};

} // namespace ohm

#endif // OHM_SUPPORT_TIMING_H
