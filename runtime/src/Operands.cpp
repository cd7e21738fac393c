//===- Operands.cpp - The buffers each instruction reads and writes -------===//
//
// One place that knows every instruction's operands, for the validator's
// dataflow checks and the executor's fusion planning.
//
//===----------------------------------------------------------------------===//

#include "Operands.h"

using namespace ohmrt;
using I = program::Instruction;

void ohmrt::detail::getOperands(const program::Instruction &inst,
                                std::vector<uint32_t> &reads,
                                std::vector<uint32_t> &writes) {
  reads.clear();
  writes.clear();
  auto unary = [&](uint32_t src, uint32_t dst) {
    reads.push_back(src);
    writes.push_back(dst);
  };
  switch (inst.op_case()) {
  case I::kIm2Col:
    return unary(inst.im2col().src(), inst.im2col().dst());
  case I::kRows:
    return unary(inst.rows().src(), inst.rows().dst());
  case I::kMvm:
    return unary(inst.mvm().rows(), inst.mvm().dst());
  case I::kAccumulate:
    reads.assign(inst.accumulate().srcs().begin(),
                 inst.accumulate().srcs().end());
    writes.push_back(inst.accumulate().dst());
    return;
  case I::kConcatCols:
    reads.assign(inst.concat_cols().srcs().begin(),
                 inst.concat_cols().srcs().end());
    writes.push_back(inst.concat_cols().dst());
    return;
  case I::kBias:
    return unary(inst.bias().src(), inst.bias().dst());
  case I::kUnrows:
    return unary(inst.unrows().src(), inst.unrows().dst());
  case I::kLoadConst:
    writes.push_back(inst.load_const().dst());
    return;
  case I::kRequantize:
    return unary(inst.requantize().src(), inst.requantize().dst());
  case I::kQuantize:
    return unary(inst.quantize().src(), inst.quantize().dst());
  case I::kDequantize:
    return unary(inst.dequantize().src(), inst.dequantize().dst());
  case I::kClip:
    return unary(inst.clip().src(), inst.clip().dst());
  case I::kCast:
    return unary(inst.cast().src(), inst.cast().dst());
  case I::kPool:
    return unary(inst.pool().src(), inst.pool().dst());
  case I::kGlobalAvgPool:
    return unary(inst.global_avg_pool().src(), inst.global_avg_pool().dst());
  case I::kBinary:
    reads = {inst.binary().lhs(), inst.binary().rhs()};
    writes.push_back(inst.binary().dst());
    return;
  case I::kQadd:
    reads = {inst.qadd().lhs(), inst.qadd().rhs()};
    writes.push_back(inst.qadd().dst());
    return;
  case I::kConcat:
    reads.assign(inst.concat().srcs().begin(), inst.concat().srcs().end());
    writes.push_back(inst.concat().dst());
    return;
  case I::kPad:
    return unary(inst.pad().src(), inst.pad().dst());
  case I::kCopy:
    return unary(inst.copy().src(), inst.copy().dst());
  case I::kTranspose:
    return unary(inst.transpose().src(), inst.transpose().dst());
  case I::kSoftmax:
    return unary(inst.softmax().src(), inst.softmax().dst());
  case I::kActivation:
    return unary(inst.activation().src(), inst.activation().dst());
  case I::kSync:
  case I::OP_NOT_SET:
    return;
  }
}
