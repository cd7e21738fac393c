//===- TestDialect.cpp - Ops and types that exist only for tests ----------===//
//
// `test.op` accepts any operands, results and attributes and verifies
// nothing, so parser and printer tests can use shapes of ops no real
// dialect has (several results, no results, function-typed values).
// `!test.pair<a, b>` is a dialect type with two parameters; its verifier
// wants exactly two, the first an integer, to exercise the extension point.
// `test.pure` is like test.op but side-effect free, for dce tests.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Context.h"
#include "ohm/IR/OpDefinition.h"

using namespace ohm;

namespace {
const OpInfo testOpInfo = {"test.op",
                           kVariadic,
                           kVariadic,
                           OpTrait::None,
                           /*inferType=*/nullptr,
                           &OpView::verify,
                           "Anything goes"};
const OpInfo testPureInfo = {"test.pure",
                             kVariadic,
                             kVariadic,
                             OpTrait::Pure,
                             /*inferType=*/nullptr,
                             &OpView::verify,
                             "Anything goes, without side effects"};
} // namespace

namespace ohm {
namespace test {
void registerTestDialect(Context &ctx) {
  ctx.registerOp(testOpInfo);
  ctx.registerOp(testPureInfo);
  ctx.registerDialectType(
      "test.pair",
      [](llvm::ArrayRef<Attribute> params,
         const std::function<InFlightDiagnostic()> &emitError)
          -> LogicalResult {
        if (params.size() != 2)
          return emitError() << "!test.pair takes 2 parameters, got "
                             << unsigned(params.size());
        if (!params[0].isa<IntegerAttr>())
          return emitError() << "!test.pair's first parameter must be an "
                                "integer, got "
                             << params[0];
        return success();
      });
}
} // namespace test
} // namespace ohm
