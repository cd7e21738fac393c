// Shared by the two consumer programs: runs a program on one input of
// ones and prints each output's name, shape and sum.
#include "ohmrt/Runtime.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

inline int runOnes(const ohm::program::Program &program) {
  std::vector<ohmrt::HostTensor> inputs;
  for (const auto &port : program.inputs()) {
    for (const auto &buffer : program.buffers()) {
      if (buffer.id() != port.buffer())
        continue;
      ohmrt::HostTensor tensor;
      tensor.dtype = buffer.type().dtype();
      tensor.shape.assign(buffer.dims().begin(), buffer.dims().end());
      tensor.data.resize(size_t(tensor.getNumElements()) *
                         ohmrt::getStorageBytes(tensor.dtype));
      if (tensor.dtype == ohm::program::F32) {
        float one = 1.0f;
        for (size_t i = 0; i < tensor.data.size(); i += 4)
          std::memcpy(&tensor.data[i], &one, 4);
      }
      inputs.push_back(std::move(tensor));
    }
  }
  ohmrt::Executor executor(program);
  std::vector<ohmrt::HostTensor> outputs;
  std::string error;
  if (!executor.run(inputs, outputs, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    double sum = 0;
    if (outputs[i].dtype == ohm::program::F32)
      for (size_t j = 0; j < outputs[i].data.size(); j += 4) {
        float v;
        std::memcpy(&v, &outputs[i].data[j], 4);
        sum += v;
      }
    std::printf("%s: %lld elements, sum %.6g\n",
                program.outputs(int(i)).name().c_str(),
                (long long)outputs[i].getNumElements(), sum);
  }
  return 0;
}
