#!/usr/bin/env bash
# Configures (once) and builds ohm in build/ with Ninja. Extra arguments are
# passed to CMake at configure time, e.g. -DOHM_USE_SANITIZERS=ON.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${OHM_BUILD_DIR:-build}"
JOBS="${OHM_JOBS:-$(nproc)}"

if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DPython3_EXECUTABLE=/usr/bin/python3 "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
