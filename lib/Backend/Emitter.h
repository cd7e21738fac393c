//===- Emitter.h - The backend's emitter, shared by its files ---*- C++ -*-===//
//
// Private to lib/Backend: the Emitter that turns one xb function into a
// program, step by step (Backend.cpp: shapes, buffers, memory, ports and
// the target; Instructions.cpp: one instruction per op), and the helpers
// both files use.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_LIB_BACKEND_EMITTER_H
#define OHM_LIB_BACKEND_EMITTER_H

#include "ohm/IR/Attributes.h"
#include "ohm/IR/Function.h"
#include "ohm/Support/LogicalResult.h"
#include "ohm/Target/Target.h"
#include "ohmrt/Runtime.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/Optional.h"

#include <map>
#include <string>
#include <vector>

namespace ohm {
namespace backend {
namespace emitter {

namespace pb = ohm::program;

/// A type as the IR prints it, for messages.
std::string typeText(Type type);
/// The program element type of an IR element type, or false.
bool getElementType(Type type, pb::ElementType &out);
/// Packs dense elements at the storage width of `type`, little endian.
std::string packElements(DenseElementsAttr attr, const pb::ElementType &type);

struct BufferInfo {
  uint32_t id = 0;
  Value *value = nullptr;
  pb::Buffer *buffer = nullptr;
  int64_t start = 0, end = 0; // instruction-order lifetime, inclusive
};

class Emitter {
public:
  Emitter(Function &fn, const target::Target &target, pb::Program &program)
      : fn(fn), target(target), p(program) {}

  LogicalResult run(const std::string &modelName);

private:
  LogicalResult specializeShapes();
  LogicalResult batchConstantOutputs();
  LogicalResult assignBuffers();
  void allocateMemory();
  LogicalResult emitOp(Operation &op);
  llvm::Optional<LogicalResult> emitCrossbarOp(Operation &op);
  llvm::Optional<LogicalResult> emitVectorOp(Operation &op);
  LogicalResult checkBinaryOperands(Operation &op, int64_t rank);
  llvm::Optional<LogicalResult> emitDataMovementOp(Operation &op);
  LogicalResult emitMvm(Operation &op);
  void fillTarget();

  uint32_t buf(Value *value) { return buffers.at(value).id; }
  const std::vector<int64_t> &dimsOf(Value *value) {
    return shapes.find(value)->second;
  }
  uint32_t addConstant(DenseElementsAttr attr) {
    pb::Constant *c = p.add_constants();
    c->set_id(uint32_t(p.constants_size() - 1));
    getElementType(attr.getElementType(), *c->mutable_type());
    for (int64_t dim : attr.getType().getShape())
      c->add_dims(dim);
    c->set_data(packElements(attr, c->type()));
    return c->id();
  }
  pb::Instruction *add() { return p.add_instructions(); }

  Function &fn;
  const target::Target &target;
  pb::Program &p;

  llvm::DenseMap<Value *, std::vector<int64_t>> shapes;
  llvm::DenseSet<Value *> batched;
  std::map<Value *, BufferInfo> buffers;
  std::vector<Value *> bufferOrder;
  llvm::DenseMap<Operation *, int64_t> position;
  /// Bytes of the nn.const values emitted so far.
  int64_t constantBytes = 0;
};

} // namespace emitter
} // namespace backend
} // namespace ohm

#endif // OHM_LIB_BACKEND_EMITTER_H
