#!/usr/bin/env bash
# Installs every Debian 12 (bookworm) package ohm needs to build, test and
# run. Idempotent: packages already present are left alone, and apt is not
# touched at all when nothing is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  # Toolchain.
  build-essential cmake ninja-build ccache git
  # clang-14 and its sanitizer/libFuzzer runtime, for the fuzz targets.
  clang-14 libclang-rt-14-dev
  # LLVM 14 Support (YAML I/O, JSON, CommandLine, SourceMgr, ...) and the
  # test tools: lit, FileCheck, not, count, split-file.
  llvm-14-dev llvm-14-tools
  # ONNX 1.12 C++ (messages, checker, shape inference, text parser), its
  # protobuf, and ONNX's own node conformance data.
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  # Dense linear algebra for the simulator.
  libeigen3-dev
  # Unit tests and benchmarks.
  libgtest-dev libgmock-dev libbenchmark-dev
  # Scripts that build and check models use Debian's python (not pyenv's).
  python3 python3-numpy python3-onnx
  # Fashion-MNIST (IDX files) for model tests and dataset evaluation.
  dataset-fashion-mnist
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
