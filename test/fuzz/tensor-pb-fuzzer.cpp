//===- tensor-pb-fuzzer.cpp - libFuzzer target for TensorProto inputs -----===//
//
// Feeds arbitrary bytes to the reader of ONNX TensorProto input files
// (onnx_frontend::readTensorProto, which readTensorProtoFile -- the `.pb`
// branch of loadTensorFile, behind `ohm-sim --input x.pb` and `ohmc
// --input` -- calls on the file's contents), then does what ohm-sim does
// with a tensor that loads: makes it an interpreter tensor, and for a
// program input a .npy array (interp::tensorToNpy). Besides "no crash, no
// sanitizer report", it checks on every input that loads:
//   - the tensor has as many elements as its shape says;
//   - the tensor made a dense attribute again holds the same elements;
//   - written as .npy (serializeNpy) and read back (parseNpy,
//     tensorFromNpy), as ohm-sim passes it to a program or writes an
//     output, it is the same tensor: element type, shape and bits.
// A violation aborts, so libFuzzer keeps the input.
//
// Build and run: see docs/Testing.md ("Fuzzing").
//
//===----------------------------------------------------------------------===//

#include "ohm/Frontend/ONNX/Importer.h"
#include "ohm/IR/Context.h"
#include "ohm/Interp/Tensor.h"
#include "ohm/Interp/TensorIO.h"
#include "ohm/Pipelines/InitAll.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>

using namespace ohm;

static void fail(const char *what, const std::string &detail) {
  std::fprintf(stderr, "%s%s\n", what, detail.c_str());
  std::abort();
}

static std::string describe(const interp::Tensor &tensor) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << tensor.getType();
  return os.str();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Context ctx;
  registerAllDialects(ctx);
  ctx.getDiagEngine().registerHandler([](const Diagnostic &) {});

  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  auto attr = onnx_frontend::readTensorProto(bytes, "fuzz.pb", ctx);
  if (!attr) {
    llvm::consumeError(attr.takeError());
    return 0;
  }

  interp::Tensor tensor = interp::Tensor::fromAttr(*attr);
  int64_t stored = tensor.isFloat() ? int64_t(tensor.floats().size())
                                    : int64_t(tensor.ints().size());
  if (stored != interp::getNumElements(tensor.getShape()) ||
      stored != attr->getNumElements())
    fail("element count does not match the shape: ", describe(tensor));

  if (!(interp::Tensor::fromAttr(tensor.toAttr()) == tensor))
    fail("tensor -> attribute -> tensor changed the elements: ",
         describe(tensor));

  NpyArray array = interp::tensorToNpy(tensor);
  std::string written = serializeNpy(array);
  auto parsed = parseNpy(written, "written.npy");
  if (!parsed)
    fail("the tensor written as .npy does not parse back: ",
         llvm::toString(parsed.takeError()));
  interp::Tensor again = interp::tensorFromNpy(ctx, *parsed);
  if (!(again == tensor))
    fail("the .npy round trip changed the tensor: ",
         describe(tensor) + " -> " + describe(again));
  return 0;
}
