//===- OptMain.h - The driver behind ohm-opt --------------------*- C++ -*-===//
//
// ohm-opt reads IR text, runs a pass pipeline and prints the result. The
// driver lives in a library so tools stay thin and tests can link extra
// (test-only) passes before calling it.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_TOOLS_OPTMAIN_H
#define OHM_TOOLS_OPTMAIN_H

#include <functional>

namespace ohm {

class Context;

/// Parses the command line and runs ohm-opt; returns the process exit code
/// (0 on success, 1 on any error). Dialects and passes must be registered
/// beforehand (registerAllPasses() and any test passes).
/// `registerExtraDialects` is called on every Context after the built-in
/// dialects (ohm-opt uses it for the test dialect of test/lib).
int ohmOptMain(
    int argc, char **argv,
    const std::function<void(Context &)> &registerExtraDialects = {});

} // namespace ohm

#endif // OHM_TOOLS_OPTMAIN_H
