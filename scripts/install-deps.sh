#!/usr/bin/env bash
# Installs every Debian 12 (bookworm) package ohm needs to build, test and
# run, then ONNX Runtime for the benchmarks (npm, into bench/ort/node_modules).
# Idempotent: packages already present (or provided by an installed package,
# e.g. npm by NodeSource's nodejs) are left alone, and apt and npm are not
# touched at all when nothing is missing. Needs root (or sudo) for apt.
set -euo pipefail

packages=(
  # Toolchain.
  build-essential cmake ninja-build ccache git
  # clang-14 and its sanitizer/libFuzzer runtime, for the fuzz targets.
  clang-14 libclang-rt-14-dev
  # The tree's formatting (.clang-format; ctest 'format').
  clang-format-14
  # LLVM 14 Support (YAML I/O, JSON, CommandLine, SourceMgr, ...) and the
  # test tools: lit, FileCheck, not, count, split-file.
  llvm-14-dev llvm-14-tools
  # ONNX 1.12 C++ (messages, checker, shape inference, text parser), its
  # protobuf, and ONNX's own node conformance data; zlib for the program
  # checksum's CRC-32.
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata zlib1g-dev
  # Dense linear algebra for the simulator.
  libeigen3-dev
  # Unit tests and benchmarks.
  libgtest-dev libgmock-dev libbenchmark-dev
  # Scripts that build and check models use Debian's python (not pyenv's).
  python3 python3-numpy python3-onnx
  # Fashion-MNIST (IDX files) for model tests and dataset evaluation.
  dataset-fashion-mnist
  # oneDNN: integer GEMMs in the simulator.
  libdnnl-dev
  # torch/torchvision: the test models and the benchmark models (bench/make-models.py).
  python3-torchvision
  # Python bindings.
  pybind11-dev python3-dev
  # Tests of the Python bindings.
  python3-pytest
  # Circuit calibration (SPICE; scripts/spice-calibrate.py, which reads
  # target files with PyYAML).
  ngspice python3-yaml
  # Parameter sweeps.
  python3-distributed
  # Progress bars.
  python3-tqdm
  # Plots.
  python3-matplotlib
  # Node.js and npm: ONNX Runtime (onnxruntime-node) as the benchmarks' baseline.
  nodejs npm
  # GNU time: the benchmarks' peak memory (/usr/bin/time -v).
  time
)

# Virtual packages that installed packages provide (NodeSource's nodejs
# provides and conflicts with npm, which must then not be asked for).
provided=" $(dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null |
  sed -n 's/^ii *|//p' | tr ',' '\n' | sed 's/(.*)//; s/^ *//; s/ *$//' | tr '\n' ' ') "

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" &&
     [[ "$provided" != *" $pkg "* ]]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
  fi
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# onnxruntime-node, pinned by bench/ort/package-lock.json (CPU binaries come
# with the package; the CUDA download is skipped).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -d "$ROOT/bench/ort/node_modules/onnxruntime-node" ]; then
  echo "install-deps: installing onnxruntime-node into bench/ort/node_modules"
  ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip \
    npm ci --prefix "$ROOT/bench/ort" --no-audit --no-fund --loglevel=error
fi
