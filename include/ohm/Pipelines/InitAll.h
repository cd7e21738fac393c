//===- InitAll.h - Registering every dialect and pass -----------*- C++ -*-===//

#ifndef OHM_PIPELINES_INITALL_H
#define OHM_PIPELINES_INITALL_H

namespace ohm {

class Context;

/// Registers the ops and types of every dialect with `ctx`.
void registerAllDialects(Context &ctx);

/// Registers every pass of Passes.def (idempotent).
void registerAllPasses();

} // namespace ohm

#endif // OHM_PIPELINES_INITALL_H
