//===- InitAll.cpp - Registering every dialect and pass -------------------===//

#include "ohm/Pipelines/InitAll.h"
#include "ohm/Conversion/NNToXbar/NNToXbar.h"
#include "ohm/IR/Context.h"
#include "ohm/NN/NNOps.h"
#include "ohm/NN/Transforms/Passes.h"
#include "ohm/Pass/PassRegistry.h"
#include "ohm/Transforms/Passes.h"
#include "ohm/Xbar/Transforms/Passes.h"
#include "ohm/Xbar/XbarInterp.h"
#include "ohm/Xbar/XbarOps.h"

using namespace ohm;

void ohm::registerAllDialects(Context &ctx) {
  nn::registerNNDialect(ctx);
  xb::registerXbarDialect(ctx);
  xb::registerXbarEvaluator();
}

void ohm::registerAllPasses() {
  static bool registered = [] {
#define OHM_PASS(NAME, FACTORY)                                                \
  {                                                                            \
    std::unique_ptr<Pass> prototype = FACTORY();                               \
    assert(prototype->getArgument() == NAME && "Passes.def name mismatch");    \
    registerPass(NAME, prototype->getDescription(), FACTORY);                  \
  }
#include "ohm/Pipelines/Passes.def"
    return true;
  }();
  (void)registered;
}
