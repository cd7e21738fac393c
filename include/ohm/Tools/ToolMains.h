//===- ToolMains.h - The drivers behind ohmc and ohm-sim --------*- C++ -*-===//

#ifndef OHM_TOOLS_TOOLMAINS_H
#define OHM_TOOLS_TOOLMAINS_H

namespace ohm {

/// ohmc: ONNX model in, normalized IR (or later a program) out.
int ohmcMain(int argc, char **argv);

/// ohm-sim: runs a model; today the nn-level reference interpreter
/// (--reference).
int ohmSimMain(int argc, char **argv);

} // namespace ohm

#endif // OHM_TOOLS_TOOLMAINS_H
