#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install, build, compile the
# bundled quantized Fashion-MNIST CNN (a PyTorch QDQ export) to normalized
# nn IR, and run it on the first 1000 test images with the reference
# interpreter, printing the compiled ops and the accuracy.
#
# Until the crossbar lowering (M3) and the simulator (M4) land, the run is
# the nn-level reference interpreter (`ohm-sim --reference`), the golden
# model the simulator will be checked against; cost figures come with M4.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
BIN="${OHM_BUILD_DIR:-build}/bin"
MODEL=test/models/fmnist_cnn_qdq.onnx
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== ohmc $MODEL --emit=nn"
"$BIN/ohmc" "$MODEL" --emit=nn -o "$WORK/model.ohm" --time-passes 2>"$WORK/time.txt"
echo "normalized IR: $(grep -c ' = nn\.' "$WORK/model.ohm") ops:"
grep -o ' nn\.[a-z_]*(' "$WORK/model.ohm" | sort | uniq -c | sed 's/($//'
echo "float conv/gemm/matmul left: $(grep -cE 'nn\.(conv|gemm|matmul)\(' "$WORK/model.ohm" || true)"
sed -n '/Name/,/Total/p' "$WORK/time.txt"

echo
echo "== ohm-sim --reference on Fashion-MNIST test images 0-999"
/usr/bin/python3 test/models/fmnist_to_npy.py 1000 "$WORK/images.npy"
"$BIN/ohm-sim" --reference "$MODEL" --input "input=$WORK/images.npy" \
  --output-dir "$WORK/int"
"$BIN/ohm-sim" --reference --no-fold "$MODEL" --input "input=$WORK/images.npy" \
  --output-dir "$WORK/float" >/dev/null
/usr/bin/python3 test/models/compare_quantized.py "$MODEL" \
  "$WORK/int/logits.npy" "$WORK/float/logits.npy" \
  --labels "$WORK/images.labels.npy" |
  sed -e 's/^accuracy (first)/accuracy, integer (compiled) graph/' \
      -e 's/^accuracy (second)/accuracy, float Q\/DQ graph/' \
      -e 's/^max difference/integer vs float Q\/DQ: max difference/' \
      -e 's/^exact/integer vs float Q\/DQ: identical/'
