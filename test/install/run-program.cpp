// Loads a .ohmx with the installed runtime (ohm::runtime) and runs it.
#include "Run.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: run-program PROG.ohmx\n");
    return 2;
  }
  ohm::program::Program program;
  std::string error;
  if (!ohmrt::loadProgram(argv[1], program, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  return runOnes(program);
}
