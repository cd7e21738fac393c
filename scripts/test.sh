#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test (lit and
# GoogleTest, through ctest). Every ohm-opt invocation in lit also checks
# the print/parse/print round trip (OHM_TEST_ROUNDTRIP=1).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
export OHM_TEST_ROUNDTRIP=1
ctest --test-dir "${OHM_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
