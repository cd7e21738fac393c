//===- npy-fuzzer.cpp - libFuzzer target for the .npy reader --------------===//
//
// Feeds arbitrary bytes to the runtime's .npy reader (ohmrt::parseNpy: the
// inputs of ohm-sim, ohmc --freeze and --calib, labels), then does what the
// compiler's tools do with an array that parses: makes it an interpreter
// tensor (interp::tensorFromNpy, as ohm-sim --reference and ohmc --freeze
// do) and a dense attribute of its tensor type. Besides "no crash, no
// sanitizer report, no assertion", it checks on every input that parses:
//   - the array's data holds exactly its shape's elements;
//   - serializeNpy writes a header that puts the data on a 64-byte boundary
//     (as NumPy does), and the file parses back to the same dtype, shape
//     and bytes and serializes to the same file;
//   - the tensor made an attribute and back is the same tensor (type,
//     shape and bits).
// A violation aborts, so libFuzzer keeps the input.
//
// Build and run: see docs/Testing.md ("Fuzzing").
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/Context.h"
#include "ohm/Interp/Tensor.h"
#include "ohm/Interp/TensorIO.h"
#include "ohmrt/Npy.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace ohmrt;

static void fail(const char *what, const std::string &detail) {
  std::fprintf(stderr, "%s%s\n", what, detail.c_str());
  std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  NpyArray array;
  std::string error;
  if (!parseNpy(bytes, "fuzz.npy", array, error))
    return 0;

  if (array.getNumElements() * int64_t(getNpyElementSize(array.dtype)) !=
      int64_t(array.data.size()))
    fail("data size does not match the shape: ",
         std::to_string(array.data.size()) + " bytes");

  std::string written = serializeNpy(array);
  // Magic, version, header length (2 bytes in version 1, 4 in 2), header.
  if (written.size() < 10 || (written[6] != 1 && written[6] != 2))
    fail("serializeNpy wrote no valid preamble", "");
  size_t prefix = written[6] == 1 ? 10 : 12;
  size_t headerLength = 0;
  for (size_t i = 8; i < prefix; ++i)
    headerLength |= size_t(uint8_t(written[i])) << (8 * (i - 8));
  size_t dataOffset = prefix + headerLength;
  if (dataOffset % 64 != 0 || written[dataOffset - 1] != '\n')
    fail("data is not 64-byte aligned after a '\\n'-terminated header: ",
         written.substr(0, dataOffset));

  NpyArray again;
  if (!parseNpy(written, "written.npy", again, error))
    fail("serialized array does not parse back: ",
         error + "\n" + written.substr(0, dataOffset));
  if (again.dtype != array.dtype)
    fail("round trip changed the dtype: ",
         std::string(getNpyDTypeName(array.dtype)) + " -> " +
             getNpyDTypeName(again.dtype));
  if (again.shape != array.shape)
    fail("round trip changed the shape: ", written.substr(0, dataOffset));
  if (again.data != array.data)
    fail("round trip changed the data", "");
  if (serializeNpy(again) != written)
    fail("round trip changed the serialized file", "");

  ohm::Context ctx;
  ohm::interp::Tensor tensor = ohm::interp::tensorFromNpy(ctx, array);
  if (tensor.getNumElements() != array.getNumElements())
    fail("the tensor's element count differs from the array's", "");
  ohm::interp::Tensor back = ohm::interp::Tensor::fromAttr(tensor.toAttr());
  if (!(back == tensor))
    fail("tensor -> attribute -> tensor changed the elements", "");
  return 0;
}
