#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install, build, and run the
# compiler on a bundled sample. Until the ONNX frontend and the simulator
# land (milestones M2-M4), the job is ohm-opt running a pass pipeline over
# docs/examples/tiny-mlp.ohm, printing the optimized IR and pass timings.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
BUILD_DIR="${OHM_BUILD_DIR:-build}"

echo "== ohm-opt --pass-pipeline='constant-fold,dce' docs/examples/tiny-mlp.ohm"
"$BUILD_DIR/bin/ohm-opt" docs/examples/tiny-mlp.ohm \
  --pass-pipeline='constant-fold,dce' --time-passes --pass-statistics
