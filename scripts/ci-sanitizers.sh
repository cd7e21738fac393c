#!/usr/bin/env bash
# The sanitizer job (docs/Testing.md, "Sanitizers and fuzzers"): on a fresh
# Debian 12 machine, installs what ohm needs (clang-14 and its sanitizer and
# libFuzzer runtime among it), configures build-fuzz with clang-14,
# AddressSanitizer + UndefinedBehaviorSanitizer and the libFuzzer targets
# (OHM_ENABLE_FUZZERS=ON), builds it, runs the whole ctest suite there, then
# runs every fuzzer for a minute from its seed corpus. A test failure, a
# sanitizer report or a fuzzer crash (the crashing input is left in
# $OHM_FUZZ_ARTIFACTS) fails the job, after the remaining steps have run, so
# one run shows every problem; the time of each step is printed at the end.
#
# Environment: OHM_FUZZ_BUILD_DIR (build-fuzz), OHM_JOBS (nproc),
# OHM_FUZZ_SECONDS (60, per fuzzer), OHM_FUZZ_ARTIFACTS
# ($OHM_FUZZ_BUILD_DIR/fuzz-artifacts), OHM_SKIP_DEPS=1 (skip the apt step).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${OHM_FUZZ_BUILD_DIR:-build-fuzz}"
JOBS="${OHM_JOBS:-$(nproc)}"
FUZZ_SECONDS="${OHM_FUZZ_SECONDS:-60}"
ARTIFACTS="${OHM_FUZZ_ARTIFACTS:-$BUILD_DIR/fuzz-artifacts}"

timings=()
failures=()
step_start=0
begin() {
  echo "=== ci-sanitizers: $1"
  step_name="$1"
  step_start=$(date +%s)
}
end() {
  timings+=("$(printf '%-36s %5d s' "$step_name" $(($(date +%s) - step_start)))")
}
report() {
  echo "=== ci-sanitizers: timings"
  for t in "${timings[@]}"; do echo "  $t"; done
  if [ ${#failures[@]} -gt 0 ]; then
    echo "=== ci-sanitizers: FAILED: ${failures[*]}"
  fi
}
trap report EXIT

# --- Packages ---------------------------------------------------------------
# install-deps.sh lists clang-14 and libclang-rt-14-dev (ASan, UBSan and
# libFuzzer's runtime) beside everything the tests need.
begin "dependencies"
if [ "${OHM_SKIP_DEPS:-0}" = 0 ]; then
  scripts/install-deps.sh
fi
for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null || { echo "ci-sanitizers: $tool not found" >&2; exit 1; }
done
if [ ! -f "$(clang++-14 -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
  echo "ci-sanitizers: libFuzzer's runtime is missing (libclang-rt-14-dev)" >&2
  exit 1
fi
end

# --- Build ------------------------------------------------------------------
# The fuzzing configuration of docs/Testing.md, with the tests built (ctest
# runs them) and optimized code (-O2 -g: ASan at -O0 is several times
# slower). OHM_ENABLE_FUZZERS implies OHM_USE_SANITIZERS.
begin "configure"
cmake -G Ninja -S . -B "$BUILD_DIR" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DOHM_ENABLE_FUZZERS=ON -DOHM_BUILD_TESTS=ON -DOHM_BUILD_BENCHMARKS=OFF \
  -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
end

begin "build"
ninja -C "$BUILD_DIR" -j "$JOBS"
end

# --- Tests ------------------------------------------------------------------
# A sanitizer report ends the process with SIGABRT rather than exit code 1:
# tests that expect a tool to fail (`not ohm-opt ...`, the fuzz-regressions
# tests, which accept exit code 1) would otherwise take a report for an
# ordinary error. lit passes these variables through to the RUN lines.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-abort_on_error=1:print_stacktrace=1}"
begin "ctest"
export OHM_TEST_ROUNDTRIP=1
if ! ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"; then
  failures+=("ctest")
fi
end

# --- Fuzzers ----------------------------------------------------------------
# Each runs for $FUZZ_SECONDS from a fresh copy of its seed corpus (new units
# go to a scratch directory, not to the tree). libFuzzer exits non-zero on a
# crash, sanitizer report, timeout, leak or memory blow-up, after writing the
# input to $ARTIFACTS.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"; report' EXIT
mkdir -p "$ARTIFACTS"
test/fuzz/make-corpus.sh "$scratch/parser" >/dev/null
test/fuzz/make-onnx-corpus.sh "$scratch/onnx-loader" >/dev/null
cp -r test/fuzz/corpus-program "$scratch/program"
test/fuzz/make-target-corpus.sh "$scratch/target" >/dev/null
test/fuzz/make-npy-corpus.sh "$scratch/npy" >/dev/null
test/fuzz/make-tensor-pb-corpus.sh "$scratch/tensor-pb" >/dev/null

fuzz() {
  local name="$1" corpus="$2"
  shift 2
  begin "fuzz $name"
  local log="$ARTIFACTS/$name.log"
  local status=0
  "$BUILD_DIR/bin/$name" "$scratch/$corpus" \
    -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/$name-" "$@" >"$log" 2>&1 || status=$?
  end
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  timings[-1]+="  (${runs:-?} executions)"
  if [ "$status" -ne 0 ]; then
    grep -v '^ *#[0-9]' "$log" | tail -n 40 || true
    echo "ci-sanitizers: $name failed (exit $status); the input is in $ARTIFACTS, the log in $log" >&2
    failures+=("$name")
  fi
}
fuzz ohm-parser-fuzzer parser -dict=test/fuzz/ohm.dict -max_len=4096
fuzz ohm-onnx-loader-fuzzer onnx-loader -max_len=65536 -rss_limit_mb=4096 -timeout=10
fuzz ohm-fuzz-program program -rss_limit_mb=2048 -timeout=10
fuzz ohm-target-fuzzer target -dict=test/fuzz/target.dict -max_len=4096 -timeout=10
fuzz ohm-npy-fuzzer npy -max_len=4096 -timeout=10
fuzz ohm-tensor-pb-fuzzer tensor-pb -max_len=16384 -rss_limit_mb=4096 -timeout=10
if [ ${#failures[@]} -gt 0 ]; then
  exit 1
fi
echo "=== ci-sanitizers: all tests passed, no fuzzer found anything"
