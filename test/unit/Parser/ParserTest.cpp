//===- ParserTest.cpp - Parsing and the print/parse/print identity --------===//

#include "ohm/Parser/Parser.h"
#include "ohm/IR/Context.h"
#include "ohm/Pipelines/InitAll.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace ohm;

namespace {

/// Collects diagnostics instead of printing them.
struct Diagnostics {
  explicit Diagnostics(Context &ctx) : ctx(ctx) {
    id = ctx.getDiagEngine().registerHandler([this](const Diagnostic &diag) {
      messages.push_back(diag.getMessage());
    });
  }
  ~Diagnostics() { ctx.getDiagEngine().eraseHandler(id); }
  Context &ctx;
  DiagnosticEngine::HandlerID id;
  std::vector<std::string> messages;
};

std::string print(Module &module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return os.str();
}

TEST(ParserTest, TypesAndAttributesParseStandalone) {
  Context ctx;
  EXPECT_EQ(parseType("tensor<?x3xu4>", ctx),
            TensorType::get({TensorType::kDynamic, 3},
                            IntegerType::get(ctx, 4, false)));
  EXPECT_EQ(parseType("tensor<0x4xi8>", ctx),
            TensorType::get({0, 4}, IntegerType::get(ctx, 8, true)));
  EXPECT_EQ(parseAttribute("-128 : i8", ctx),
            IntegerAttr::get(IntegerType::get(ctx, 8, true), -128));
  EXPECT_EQ(parseAttribute("0x7FC00000 : f32", ctx).cast<FloatAttr>().getType(),
            FloatType::getF32(ctx));
  Attribute dense =
      parseAttribute("dense<[[1, 2], [3, 4]]> : tensor<2x2xu8>", ctx);
  ASSERT_TRUE(bool(dense));
  EXPECT_EQ(dense.cast<DenseElementsAttr>().getInts(),
            (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(parseAttribute("dense<\"0x0102\"> : tensor<2xi8>", ctx),
            DenseElementsAttr::getFromInts(
                TensorType::get({2}, IntegerType::get(ctx, 8, true)), {1, 2}));
}

TEST(ParserTest, ErrorsCarryLineAndColumn) {
  Context ctx;
  registerAllDialects(ctx);
  std::vector<Location> locs;
  auto id = ctx.getDiagEngine().registerHandler(
      [&](const Diagnostic &diag) { locs.push_back(diag.getLocation()); });
  auto module = parseSourceString(
      "func @f() {\n  %0 = nn.bogus() : () -> i8\n}\n", ctx, "in.ohm");
  ctx.getDiagEngine().eraseHandler(id);
  EXPECT_EQ(module, nullptr);
  ASSERT_EQ(locs.size(), 1u);
  auto fileLoc = locs[0].findFileLineCol();
  ASSERT_TRUE(fileLoc.hasValue());
  EXPECT_EQ(fileLoc->getFile(), "in.ohm");
  EXPECT_EQ(fileLoc->getLine(), 2u);
  EXPECT_EQ(fileLoc->getColumn(), 8u);
}

TEST(ParserTest, PrintParsePrintIsIdentity) {
  Context ctx;
  registerAllDialects(ctx);
  const char *text = R"(
func @main(%x: tensor<2xi8>, %y: tensor<2xi8> loc("y")) -> tensor<2xi8> {
  %c = nn.const() {value = dense<[1, -1]> : tensor<2xi8>} : () -> tensor<2xi8>
  %0 = nn.add(%x, %c) : (tensor<2xi8>, tensor<2xi8>) -> tensor<2xi8> loc("add"("f":1:2))
  %s = nn.mul(%0, %y) : (tensor<2xi8>, tensor<2xi8>) -> tensor<2xi8> loc(fused["a", "b"])
  return %s : tensor<2xi8>
})";
  auto module = parseSourceString(text, ctx);
  ASSERT_NE(module, nullptr);
  ASSERT_TRUE(succeeded(module->verify()));
  std::string first = print(*module);
  auto again = parseSourceString(first, ctx);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(first, print(*again));
  // Numeric names are renumbered; real names are kept.
  EXPECT_NE(first.find("%0 = nn.add"), std::string::npos) << first;
  EXPECT_NE(first.find("%s = nn.mul"), std::string::npos) << first;
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  Context ctx;
  Diagnostics diags(ctx);
  std::string text(100000, '[');
  EXPECT_FALSE(bool(parseAttribute(text, ctx)));
  ASSERT_FALSE(diags.messages.empty());
  EXPECT_NE(diags.messages[0].find("nesting"), std::string::npos);
}

} // namespace
