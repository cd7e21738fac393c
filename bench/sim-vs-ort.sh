#!/usr/bin/env bash
# Benchmark: ohm-sim against ONNX Runtime int8 (onnxruntime-node, CPU, via
# bench/ort/ort-bench.mjs), side by side in one run, on
#
#   fmnist         the bundled Fashion-MNIST CNN (test/models/fmnist_cnn_qdq.onnx),
#                  the first 1000 test images
#   resnet18_32    ResNet-18 on 3x32x32, batch 64     (bench/make-models.py)
#   resnet50_224   ResNet-50 on 3x224x224, batch 4    (bench/make-models.py)
#
# in three modes: the program compiled for isaac with lossless ADCs
# (lossless), with 4-bit ADCs (adc4), and the reference interpreter
# (ohm-sim --reference, the golden model; single-threaded), with 1 and 2
# threads. For every (model, mode, threads) ORT and ohm-sim run back to back
# (ORT first) on the same input, so that noise on the machine hits both alike.
#
# Per row: ohm-sim run-only inferences/s (batch / median run time of --repeat
# runs, as ohm-sim times its executor), ohm-sim end-to-end inferences/s
# (batch / (load + plan + median run)), ORT inferences/s (batch / median
# session.run time, after one warm-up run) and ORT end-to-end (batch /
# (session creation + median run)), the ratios ohm / ORT, and the peak RSS
# of each process (/usr/bin/time -v; node's own footprint is part of ORT's).
# The reference interpreter has no --repeat: its row is batch / wall time of
# the whole process (import, normalization, interpretation, file I/O), in the
# end-to-end column only, against ORT with 1 thread; ResNet-50's reference
# row runs the first image only (batch 1, ORT too). The lossless outputs are
# compared byte for byte with the reference interpreter's (bit-exact or
# DIFFERS); 4-bit ADCs are lossy, so there is nothing to compare.
#
# usage: bench/sim-vs-ort.sh [--build-dir DIR] [--models fmnist,resnet18_32,resnet50_224]
#          [--modes lossless,adc4,reference] [--threads 1,2] [--work DIR] [--repeat N]
#
# Relative --build-dir and --work are taken from the current directory.
# --work DIR keeps the generated models, inputs, programs and outputs in DIR
# and reuses the models and inputs on the next run (only missing ones are
# generated); without it a temporary directory is used and removed at exit.
# The table goes to stdout (rows as they complete), progress to stderr.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"

ALL_MODELS=fmnist,resnet18_32,resnet50_224
ALL_MODES=lossless,adc4,reference
BUILD_DIR="$ROOT/build"
MODELS=$ALL_MODELS
MODES=$ALL_MODES
THREADS=1,2
WORK=""
REPEAT=5

USAGE="usage: bench/sim-vs-ort.sh [--build-dir DIR] [--models $ALL_MODELS] [--modes $ALL_MODES] [--threads 1,2] [--work DIR] [--repeat N]"

die() {
  echo "sim-vs-ort: error: $*" >&2
  exit 1
}
note() {
  echo "sim-vs-ort: $*" >&2
}

while [ $# -gt 0 ]; do
  opt="$1"
  value=""
  has_inline=0
  case "$opt" in
    --*=*) value="${opt#*=}"; opt="${opt%%=*}"; has_inline=1 ;;
  esac
  case "$opt" in
    -h|--help) echo "$USAGE"; exit 0 ;;
    --build-dir|--models|--modes|--threads|--work|--repeat)
      if [ $has_inline -eq 0 ]; then
        [ $# -ge 2 ] || die "$opt needs a value
$USAGE"
        value="$2"
        shift
      fi
      # Directories given relative to where the script was started.
      case "$opt" in --build-dir|--work) [[ "$value" == /* ]] || value="$CALLER_DIR/$value" ;; esac
      case "$opt" in
        --build-dir) BUILD_DIR="$value" ;;
        --models) MODELS="$value" ;;
        --modes) MODES="$value" ;;
        --threads) THREADS="$value" ;;
        --work) WORK="$value" ;;
        --repeat) REPEAT="$value" ;;
      esac
      ;;
    *) die "unknown argument '$1'
$USAGE" ;;
  esac
  shift
done

# Splits a comma-separated list into the named array, checking every item
# against a pattern (an extended regex) and dropping duplicates.
split_list() { # array-name what list regex choices
  local -n out="$1"
  local item
  out=()
  IFS=',' read -r -a items <<<"$3"
  for item in "${items[@]}"; do
    [ -n "$item" ] || continue
    [[ "$item" =~ ^($4)$ ]] || die "$2: unknown '$item' ($5)"
    [[ " ${out[*]} " == *" $item "* ]] || out+=("$item")
  done
  [ ${#out[@]} -gt 0 ] || die "$2: empty list"
}
split_list MODEL_LIST --models "$MODELS" "${ALL_MODELS//,/|}" "choose from $ALL_MODELS"
split_list MODE_LIST --modes "$MODES" "${ALL_MODES//,/|}" "choose from $ALL_MODES"
split_list THREAD_LIST --threads "$THREADS" "[1-9][0-9]*" "thread counts are positive integers"
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "--repeat needs a positive integer, got '$REPEAT'"
has_mode() { [[ " ${MODE_LIST[*]} " == *" $1 "* ]]; }

# Tools.
BIN="$BUILD_DIR/bin"
if [ ! -x "$BIN/ohmc" ] || [ ! -x "$BIN/ohm-sim" ]; then
  die "$BIN/ohmc or $BIN/ohm-sim not found: build first (scripts/build.sh) or pass --build-dir"
fi
BIN="$(cd "$BIN" && pwd)"
ORT_DIR="$ROOT/bench/ort"
[ -d "$ORT_DIR/node_modules/onnxruntime-node" ] ||
  die "onnxruntime-node is missing ($ORT_DIR/node_modules/onnxruntime-node): run scripts/install-deps.sh"
command -v node >/dev/null || die "node not found: run scripts/install-deps.sh"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (GNU time, for peak memory): apt-get install time"
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 not found: run scripts/install-deps.sh"
ORT_VERSION="$(node -p "require('$ORT_DIR/node_modules/onnxruntime-node/package.json').version")"

# Work directory.
KEEP_WORK=0
if [ -n "$WORK" ]; then
  mkdir -p "$WORK"
  WORK="$(cd "$WORK" && pwd)"
  KEEP_WORK=1
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi

# ---------------------------------------------------------------------------
# Helpers.

# Runs a command under /usr/bin/time -v, stdout and stderr to LOG, the
# resource report to LOG.time; dies with the end of the log if it fails.
timed() { # log command...
  local log="$1"
  shift
  if ! /usr/bin/time -v -o "$log.time" "$@" >"$log" 2>&1; then
    echo "sim-vs-ort: error: failed: $*" >&2
    echo "--- last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}
rss_mib() { # log -> peak RSS in MiB
  awk -F': *' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1.time"
}
now() { echo "$EPOCHREALTIME"; }
calc() { awk "BEGIN { printf \"%s\", $* }"; }
# A rate or ratio with three significant digits (no exponent for large ones).
fmt() {
  awk -v x="$1" 'BEGIN {
    if (x == "-" || x == "") { printf "-"; exit }
    if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x;
    else if (x >= 1) printf "%.2f", x; else printf "%.3g", x }'
}
npy_batch() { /usr/bin/python3 -c "import numpy as np, sys; print(np.load(sys.argv[1], mmap_mode='r').shape[0])" "$1"; }

model_onnx() {
  if [ "$1" = fmnist ]; then echo "$ROOT/test/models/fmnist_cnn_qdq.onnx"; else echo "$WORK/$1.onnx"; fi
}
model_input() { echo "$WORK/$1.input.npy"; }
# The reference interpreter's input: ResNet-50's first image only.
ref_input() {
  if [ "$1" = resnet50_224 ]; then echo "$WORK/$1.input1.npy"; else model_input "$1"; fi
}

# ---------------------------------------------------------------------------
# Models and inputs (only what is missing).

missing=()
for m in "${MODEL_LIST[@]}"; do
  if [ "$m" = fmnist ]; then
    if [ ! -f "$(model_input fmnist)" ]; then
      note "writing $(model_input fmnist) (1000 Fashion-MNIST test images)"
      /usr/bin/python3 test/models/fmnist_to_npy.py 1000 "$(model_input fmnist)" >/dev/null
    fi
  elif [ ! -f "$(model_onnx "$m")" ] || [ ! -f "$(model_input "$m")" ]; then
    missing+=("$m")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  list="$(IFS=,; echo "${missing[*]}")"
  note "generating $list with bench/make-models.py into $WORK (log: $WORK/make-models.log)"
  /usr/bin/python3 bench/make-models.py "$WORK" --models "$list" >"$WORK/make-models.log" 2>&1 ||
    { tail -n 20 "$WORK/make-models.log" >&2; die "bench/make-models.py failed"; }
fi
if [[ " ${MODEL_LIST[*]} " == *" resnet50_224 "* ]]; then
  /usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[:1])" \
    "$(model_input resnet50_224)" "$(ref_input resnet50_224)"
fi

mkdir -p "$WORK/logs" "$WORK/out"
LOGS="$WORK/logs"

# ---------------------------------------------------------------------------
# Header.

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit+modified"; fi
echo "sim-vs-ort: $(date '+%Y-%m-%d %H:%M %Z'); CPU: ${cpu:-unknown}; nproc $(nproc);" \
     "onnxruntime-node $ORT_VERSION (node $(node --version)); ohm $commit," \
     "ohm-sim built $(date -r "$BIN/ohm-sim" '+%Y-%m-%d %H:%M') ($BIN); repeat $REPEAT"

# ---------------------------------------------------------------------------
# Compile (target isaac): wall time and peak RSS of ohmc.

declare -A BATCH
adc_flag() { if [ "$1" = lossless ]; then echo lossless; else echo 4; fi; }
compile_rows=()
for m in "${MODEL_LIST[@]}"; do
  BATCH[$m]="$(npy_batch "$(model_input "$m")")"
  for mode in lossless adc4; do
    has_mode "$mode" || continue
    note "$m: ohmc --target=isaac --adc=$(adc_flag $mode)"
    t0="$(now)"
    timed "$LOGS/$m-$mode.ohmc" "$BIN/ohmc" "$(model_onnx "$m")" --target=isaac \
      --adc="$(adc_flag $mode)" -o "$WORK/$m-$mode.ohmx"
    t1="$(now)"
    compile_rows+=("$(printf '%-13s  %-14s  %8.2f  %8s  %9s' "$m" "--adc=$(adc_flag $mode)" \
      "$(calc "$t1 - $t0")" "$(rss_mib "$LOGS/$m-$mode.ohmc")" \
      "$(( $(stat -c %s "$WORK/$m-$mode.ohmx") / 1024 ))")")
  done
done
if [ ${#compile_rows[@]} -gt 0 ]; then
  echo
  echo "ohmc --target=isaac"
  printf '%-13s  %-14s  %8s  %8s  %9s\n' model adc "wall s" "RSS MiB" "ohmx KiB"
  printf '%s\n' "${compile_rows[@]}"
fi

# ---------------------------------------------------------------------------
# Runs.

# ORT on one input with T threads; sets ORT_RUN, ORT_E2E (inferences/s),
# ORT_RSS (MiB), ORT_MODE.
run_ort() { # model input threads tag
  local log="$LOGS/$4.ort" line create median batch
  timed "$log" node "$ORT_DIR/ort-bench.mjs" "$(model_onnx "$1")" "$2" \
    --threads "$3" --repeat "$REPEAT" --warmup 1
  line="$(grep '^ort: ' "$log" | tail -n 1)"
  [ -n "$line" ] || die "no 'ort:' line in $log"
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  batch="$(field batch)"
  median="$(field median_s)"
  create="$(field create_s)"
  ORT_MODE="$(field mode)"
  if [ -z "$median" ] || [ -z "$create" ]; then
    die "cannot parse '$line' (is bench/ort/ort-bench.mjs current?)"
  fi
  ORT_RUN="$(calc "$batch / $median")"
  ORT_E2E="$(calc "$batch / ($create + $median)")"
  ORT_RSS="$(rss_mib "$log")"
}

# Compares the .npy outputs of a run with the reference interpreter's:
# byte for byte (cmp) when the batches match, else the reference's rows
# against the first rows of the run (ResNet-50: the first image).
compare() { # out-dir ref-dir
  local f name result=bit-exact
  for f in "$2"/*.npy; do
    name="$(basename "$f")"
    [ -f "$1/$name" ] || { echo "DIFFERS(no $name)"; return; }
    if ! cmp -s "$f" "$1/$name" &&
       ! /usr/bin/python3 - "$f" "$1/$name" <<'EOF'
import sys
import numpy as np
ref, out = np.load(sys.argv[1]), np.load(sys.argv[2])
n = ref.shape[0] if ref.ndim else 0
same = (ref.dtype == out.dtype and ref.ndim == out.ndim and 0 < n < out.shape[0]
        and ref.shape[1:] == out.shape[1:] and ref.tobytes() == out[:n].tobytes())
sys.exit(0 if same else 1)
EOF
    then
      result=DIFFERS
    fi
  done
  echo "$result"
}

# The reference interpreter, once per model (for its row and for the
# lossless check); sets REF_E2E, REF_RSS, REF_BATCH.
run_reference() { # model
  local m="$1" input out t0 t1
  input="$(ref_input "$m")"
  out="$WORK/out/$m-reference"
  rm -rf "$out"
  REF_BATCH="$(npy_batch "$input")"
  t0="$(now)"
  timed "$LOGS/$m-reference.sim" "$BIN/ohm-sim" --reference "$(model_onnx "$m")" \
    --input "input=$input" --output-dir "$out"
  t1="$(now)"
  REF_E2E="$(calc "$REF_BATCH / ($t1 - $t0)")"
  REF_RSS="$(rss_mib "$LOGS/$m-reference.sim")"
}

ROW_FMT='%-13s  %5s  %-10s  %3s  %13s  %13s  %9s  %9s  %10s  %10s  %11s  %11s  %s\n'
row() { # model batch mode thr ohm-run ohm-e2e ort-run ort-e2e ohm-rss ort-rss exact
  local r_run=- r_e2e=-
  [ "$5" = - ] || r_run="$(calc "$5 / $7")"
  r_e2e="$(calc "$6 / $8")"
  # shellcheck disable=SC2059
  printf "$ROW_FMT" "$1" "$2" "$3" "$4" "$(fmt "$5")" "$(fmt "$6")" "$(fmt "$7")" "$(fmt "$8")" \
    "$(fmt "$r_run")" "$(fmt "$r_e2e")" "$9" "${10}" "${11}"
}

echo
echo "inferences/s (run: median of $REPEAT runs; e2e: ohm load + plan + run, ORT session creation + run); ratio = ohm / ORT"
# shellcheck disable=SC2059
printf "$ROW_FMT" model batch mode thr "ohm run inf/s" "ohm e2e inf/s" "ORT inf/s" "ORT e2e" \
  "ratio(run)" "ratio(e2e)" "ohm RSS MiB" "ORT RSS MiB" exact
footnotes=()
for m in "${MODEL_LIST[@]}"; do
  batch="${BATCH[$m]}"
  ref_row=""
  if has_mode reference || has_mode lossless; then
    if has_mode reference; then
      note "$m: ORT -j1 on $(basename "$(ref_input "$m")"), then ohm-sim --reference"
      run_ort "$m" "$(ref_input "$m")" 1 "$m-reference"
    else
      note "$m: ohm-sim --reference (for the lossless check)"
    fi
    run_reference "$m"
    if has_mode reference; then
      label=reference
      if [ "$m" = resnet50_224 ]; then
        label="reference*"
        footnotes+=("* $m reference: the first image of the batch only (batch 1), ORT on the same image")
      fi
      ref_row="$(row "$m" "$REF_BATCH" "$label" 1 - "$REF_E2E" "$ORT_RUN" "$ORT_E2E" \
        "$REF_RSS" "$ORT_RSS" golden)"
    fi
  fi
  for mode in "${MODE_LIST[@]}"; do
    if [ "$mode" = reference ]; then
      echo "$ref_row"
      continue
    fi
    for t in "${THREAD_LIST[@]}"; do
      tag="$m-$mode-t$t"
      note "$m $mode -j$t: ORT, then ohm-sim --repeat=$REPEAT"
      run_ort "$m" "$(model_input "$m")" "$t" "$tag"
      if [ "$ORT_MODE" = per-image ]; then
        footnotes+=("ORT ran $m image by image (the model's batch dimension is fixed to 1)")
      fi
      out="$WORK/out/$tag"
      rm -rf "$out"
      log="$LOGS/$tag.sim"
      timed "$log" "$BIN/ohm-sim" "$WORK/$m-$mode.ohmx" --input "input=$(model_input "$m")" \
        --output-dir "$out" -j"$t" --repeat="$REPEAT"
      time_line="$(grep '^time: load ' "$log" | tail -n 1)"
      [ -n "$time_line" ] || die "no 'time: load' line in $log"
      load="$(sed -n 's/^time: load \([0-9.]*\) s.*/\1/p' <<<"$time_line")"
      plan="$(sed -n 's/.* plan \([0-9.]*\) s.*/\1/p' <<<"$time_line")"
      run="$(sed -n 's/.* run \([0-9.]*\) s.*/\1/p' <<<"$time_line")"
      # The runs: line has the median with one more digit (printed for --repeat > 1).
      median="$(sed -n 's/^runs: .* median \([0-9.]*\) s.*/\1/p' "$log" | tail -n 1)"
      [ -n "$median" ] || median="$run"
      if [ -z "$load" ] || [ -z "$plan" ] || [ -z "$median" ]; then
        die "cannot parse '$time_line' in $log"
      fi
      if [ "$mode" = lossless ]; then
        exact="$(compare "$out" "$WORK/out/$m-reference")"
        if [ "$m" = resnet50_224 ]; then
          exact="$exact*"
          footnotes+=("* $m lossless: compared on the first image (the reference ran that one only)")
        fi
      else
        exact="- (lossy)"
      fi
      row "$m" "$batch" "$mode" "$t" "$(calc "$batch / $median")" \
        "$(calc "$batch / ($load + $plan + $median)")" "$ORT_RUN" "$ORT_E2E" \
        "$(rss_mib "$log")" "$ORT_RSS" "$exact"
    done
  done
done
if has_mode reference; then
  footnotes+=("reference: ohm-sim --reference is single-threaded and has no --repeat: batch / wall time of the whole process, against ORT with 1 thread")
fi
if [ ${#footnotes[@]} -gt 0 ]; then
  echo
  printf '%s\n' "${footnotes[@]}" | awk '!seen[$0]++'
fi
if [ $KEEP_WORK -eq 1 ]; then note "done; logs in $LOGS"; else note "done"; fi
