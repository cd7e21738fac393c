#!/usr/bin/env bash
# Benchmark: ohm-sim's throughput on the bundled Fashion-MNIST CNN
# (test/models/fmnist_cnn_qdq.onnx), compiled for a target with lossless
# ADCs (the figure asked for by issue 5), on a batch of 100 test images
# with 1 and 2 threads; and, for comparison, a batch of 1000 and 4-bit ADCs
# (every partial sum converted, 881,280 conversions per image).
# Prints the best and median inferences/s of 5 runs of each (ohm-sim's own
# timing of the executor; loading and writing files are excluded).
#
# usage: bench/ohm-sim-throughput.sh [build-dir] [target]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-build}"
TARGET="${2:-default}"
BIN="$BUILD_DIR/bin"
MODEL=test/models/fmnist_cnn_qdq.onnx
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

/usr/bin/python3 test/models/fmnist_to_npy.py 1000 "$WORK/images1000.npy" >/dev/null
/usr/bin/python3 -c "import numpy as np; np.save('$WORK/images100.npy', np.load('$WORK/images1000.npy')[:100])"
"$BIN/ohmc" "$MODEL" --target="$TARGET" --adc=lossless -o "$WORK/lossless.ohmx"
"$BIN/ohmc" "$MODEL" --target="$TARGET" --adc=4 -o "$WORK/narrow.ohmx"

run() { # program batch threads
  local rates=()
  for i in 1 2 3 4 5; do
    rates+=("$("$BIN/ohm-sim" "$WORK/$1.ohmx" --input "input=$WORK/images$2.npy" \
      --output-dir "$WORK/out" -j"$3" | sed -n 's/.*s, \([0-9.]*\) inferences\/s.*/\1/p')")
  done
  local sorted
  sorted=$(printf '%s\n' "${rates[@]}" | sort -g)
  printf '%-8s  %-5s  %7s  %12s  %12s\n' "$1" "$2" "$3" \
    "$(echo "$sorted" | tail -1)" "$(echo "$sorted" | sed -n 3p)"
}

echo "model: $MODEL, target: $TARGET, $(nproc) CPUs"
printf '%-8s  %-5s  %7s  %12s  %12s\n' ADCs batch threads "best inf/s" "median inf/s"
for threads in 1 2; do run lossless 100 "$threads"; done
for threads in 1 2; do run lossless 1000 "$threads"; done
for threads in 1 2; do run narrow 100 "$threads"; done
