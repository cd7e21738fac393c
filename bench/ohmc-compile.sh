#!/usr/bin/env bash
# Benchmark: ohmc's compile time and memory on ResNet-50 224x224 (per-channel
# int8 QDQ, made by bench/make-models.py; not committed) for a target:
# best and median wall time of N runs, peak RSS (/usr/bin/time -v), the
# .ohmx size, and the time per pass of the last run (--time-passes).
#
# usage: bench/ohmc-compile.sh [--build-dir DIR] [--target NAME] [--runs N]
#                              [--work DIR] [--model resnet50_224|resnet18_32|...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=build TARGET=isaac RUNS=5 WORK="" MODEL=resnet50_224
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --target) TARGET="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    *) echo "ohmc-compile: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$BUILD_DIR/bin/ohmc" ] || { echo "ohmc-compile: no $BUILD_DIR/bin/ohmc (run scripts/build.sh)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "ohmc-compile: needs GNU time (scripts/install-deps.sh)" >&2; exit 1; }
if [ -z "$WORK" ]; then
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
if [ ! -f "$WORK/$MODEL.onnx" ]; then
  echo "ohmc-compile: making $MODEL (bench/make-models.py)" >&2
  /usr/bin/python3 bench/make-models.py "$WORK" --models "$MODEL" >&2
fi

times=()
rss=0
for i in $(seq "$RUNS"); do
  /usr/bin/time -v -o "$WORK/time.txt" "$BUILD_DIR/bin/ohmc" "$WORK/$MODEL.onnx" \
    --target="$TARGET" -o "$WORK/$MODEL.ohmx"
  t=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt" |
      awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
  m=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
  times+=("$t")
  [ "$m" -gt "$rss" ] && rss=$m
done
sorted=$(printf '%s\n' "${times[@]}" | sort -g)
best=$(echo "$sorted" | head -1)
median=$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
size=$(stat -c %s "$WORK/$MODEL.ohmx")
echo "ohmc $MODEL --target=$TARGET: $RUNS runs, best ${best} s, median ${median} s," \
     "peak RSS $((rss / 1024)) MiB, program $((size / 1024 / 1024)) MiB ($size bytes)"
echo "passes of one more run (--time-passes):"
"$BUILD_DIR/bin/ohmc" "$WORK/$MODEL.onnx" --target="$TARGET" -o "$WORK/$MODEL.ohmx" \
  --time-passes 2>&1 | sed -n '/---Wall Time---/,/Total/p'
