//===- OperationTest.cpp - Use lists, mutation and the verifier -----------===//

#include "ohm/IR/Builder.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"
#include "ohm/NN/NNOps.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace ohm;

namespace {

class OperationTest : public ::testing::Test {
protected:
  OperationTest() : module(ctx) {
    nn::registerNNDialect(ctx);
    type = TensorType::get({4}, IntegerType::get(ctx, 8, true));
    fn = module.push_back(std::make_unique<Function>(
        "main", FunctionType::get(ctx, {type, type}, {type}),
        UnknownLoc::get(ctx)));
    builder.setInsertionPointToEnd(&fn->getBody());
  }

  Context ctx;
  Module module;
  TensorType type;
  Function *fn;
  OpBuilder builder{ctx};
  Location loc() { return NameLoc::get(ctx, "n"); }
};

TEST_F(OperationTest, UseListsTrackOperands) {
  Value *x = fn->getArgument(0), *y = fn->getArgument(1);
  auto add = builder.create<nn::AddOp>(loc(), x, y);
  auto mul = builder.create<nn::MulOp>(loc(), add.getResult(), x);
  EXPECT_EQ(x->getNumUses(), 2u);
  EXPECT_TRUE(add.getResult()->hasOneUse());
  EXPECT_EQ(mul->getOperand(0), add.getResult());

  add.getResult()->replaceAllUsesWith(y);
  EXPECT_TRUE(add.getResult()->use_empty());
  EXPECT_EQ(mul->getOperand(0), y);
  EXPECT_EQ(y->getNumUses(), 2u);
  add->erase();
  EXPECT_EQ(x->getNumUses(), 1u);
  EXPECT_EQ(fn->getBody().size(), 1u);
}

TEST_F(OperationTest, SetOperandsWithFewerValues) {
  Value *x = fn->getArgument(0), *y = fn->getArgument(1);
  auto add = builder.create<nn::AddOp>(loc(), x, y);
  add->setOperands({x});
  EXPECT_EQ(add->getNumOperands(), 1u);
  EXPECT_TRUE(y->use_empty());
  EXPECT_EQ(x->getNumUses(), 1u);
  ReturnOp::build(builder, loc(), {add.getResult()});
  // The verifier catches the wrong operand count.
  std::string errors;
  auto id = ctx.getDiagEngine().registerHandler(
      [&](const Diagnostic &diag) { errors += diag.getMessage(); });
  EXPECT_TRUE(failed(module.verify()));
  ctx.getDiagEngine().eraseHandler(id);
  EXPECT_NE(errors.find("expects 2 operands, got 1"), std::string::npos)
      << errors;
}

TEST_F(OperationTest, AttributesStaySorted) {
  auto add =
      builder.create<nn::AddOp>(loc(), fn->getArgument(0), fn->getArgument(1));
  add->setAttr("zeta", UnitAttr::get(ctx));
  add->setAttr("alpha", IntegerAttr::get(ctx, 1));
  add->setAttr("mid", IntegerAttr::get(ctx, 2));
  ASSERT_EQ(add->getAttrs().size(), 3u);
  EXPECT_EQ(add->getAttrs()[0].name, "alpha");
  EXPECT_EQ(add->getAttrs()[2].name, "zeta");
  add->setAttr("mid", IntegerAttr::get(ctx, 3));
  EXPECT_EQ(add->getAttrOfType<IntegerAttr>("mid").getInt(), 3);
  EXPECT_TRUE(add->removeAttr("mid"));
  EXPECT_FALSE(add->hasAttr("mid"));
}

TEST_F(OperationTest, VerifierFindsUseBeforeDefinition) {
  Value *x = fn->getArgument(0);
  auto first = builder.create<nn::ReluOp>(loc(), x);
  auto second = builder.create<nn::ReluOp>(loc(), first.getResult());
  ReturnOp::build(builder, loc(), {second.getResult()});
  EXPECT_TRUE(succeeded(module.verify()));
  // Move the user above its operand's definition.
  second->moveBefore(first);
  std::string errors;
  auto id = ctx.getDiagEngine().registerHandler(
      [&](const Diagnostic &diag) { errors += diag.getMessage(); });
  EXPECT_TRUE(failed(module.verify()));
  ctx.getDiagEngine().eraseHandler(id);
  EXPECT_NE(errors.find("used before its definition"), std::string::npos);
  EXPECT_TRUE(second->isBeforeInBlock(first));
}

TEST_F(OperationTest, TypedViews) {
  auto relu = builder.create<nn::ReluOp>(loc(), fn->getArgument(0));
  Operation *op = relu;
  EXPECT_TRUE(op->isa<nn::ReluOp>());
  EXPECT_FALSE(op->isa<nn::AddOp>());
  EXPECT_FALSE(bool(op->dyn_cast<nn::AddOp>()));
  EXPECT_EQ(op->cast<nn::ReluOp>().getInput(), fn->getArgument(0));
}

// Each op's type rule is reached through its OpInfo: the verifier, the
// importer and the backend call the same rule, by the op's kind.
TEST_F(OperationTest, TypeRulesComeFromTheOpTable) {
  for (const OpInfo *info : ctx.getRegisteredOps())
    EXPECT_EQ(info->inferType != nullptr, info->getDialect() == "nn")
        << info->name.str();

  // The rule computes the type; the verifier reports a declared type that
  // disagrees with it.
  Value *x = fn->getArgument(0);
  Type f32s = TensorType::get({4}, FloatType::getF32(ctx));
  Operation *add = builder.create(loc(), nn::AddOp::Info, {f32s}, {x, x});
  std::string error;
  EXPECT_EQ(inferResultType(add, error), Type(type));
  EXPECT_TRUE(error.empty());
  std::string errors;
  auto id = ctx.getDiagEngine().registerHandler(
      [&](const Diagnostic &diag) { errors += diag.getMessage(); });
  EXPECT_TRUE(failed(add->verify()));
  EXPECT_EQ(errors, "'nn.add' op result type tensor<4xf32> should be "
                    "tensor<4xi8>");

  // A rejected op: null, with the reason.
  Operation *mixed =
      builder.create(loc(), nn::AddOp::Info, {type}, {x, add->getResult(0)});
  EXPECT_FALSE(inferResultType(mixed, error));
  EXPECT_EQ(error, "operands must have the same element type, got i8 and f32");
  ctx.getDiagEngine().eraseHandler(id);

  // An op kind without a rule: null, and no reason.
  error.clear();
  Operation *ret = ReturnOp::build(builder, loc(), {x});
  EXPECT_FALSE(inferResultType(ret, error));
  EXPECT_TRUE(error.empty());
}

} // namespace
