#!/usr/bin/env bash
# Benchmark: device mode (docs/Device.md) against the noiseless run of the
# same program, same threads (issue M6's figure). ResNet-18 32x32 (made by
# bench/make-models.py, batch 64) compiled for isaac with --adc=4, run
#   ideal:  ohm-sim PROG (the bit-serial kernel; every conversion simulated)
#   device: ohm-sim PROG --mode=device, 5% programming variation and 2% read
#           noise (and, separately, every device parameter at 0);
# and the bundled Fashion-MNIST CNN (1000 images, lossless ADCs) the same
# way. Prints the median run time of --repeat=3 (ohm-sim's own timing of
# the executor; the instance's drawing and planning are reported apart),
# the ratio, and each process's peak RSS (/usr/bin/time -v).
#
# usage: bench/device-vs-ideal.sh [build-dir] [threads] [models-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-build}"
THREADS="${2:-1}"
BIN="$BUILD_DIR/bin"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MODELS="${3:-$WORK/models}"
if [ ! -f "$MODELS/resnet18_32.onnx" ]; then
  /usr/bin/python3 bench/make-models.py "$MODELS" --models resnet18_32 >/dev/null
fi
/usr/bin/python3 test/models/fmnist_to_npy.py 1000 "$WORK/images.npy" >/dev/null
"$BIN/ohmc" "$MODELS/resnet18_32.onnx" --target=isaac --adc=4 -o "$WORK/r18.ohmx"
"$BIN/ohmc" test/models/fmnist_cnn_qdq.onnx --target=isaac -o "$WORK/fm.ohmx"

NOISE=(--device-param programming_sigma=0.05 --device-param read_noise_sigma=0.02)
ZERO=(--device-param programming_sigma=0 --device-param read_noise_sigma=0
      --device-param stuck_at_hrs=0 --device-param stuck_at_lrs=0)

run() { # label program input mode-args...
  local label=$1 prog=$2 input=$3
  shift 3
  /usr/bin/time -v "$BIN/ohm-sim" "$WORK/$prog.ohmx" --input "$input" \
    --output-dir "$WORK/out" -j"$THREADS" --repeat=3 "$@" \
    >"$WORK/log" 2>"$WORK/time"
  local run plan rss
  run=$(sed -n 's/.*median \([0-9.]*\) s.*/\1/p' "$WORK/log" | tail -1)
  [ -n "$run" ] || run=$(sed -n 's/.*run \([0-9.]*\) s.*/\1/p' "$WORK/log")
  plan=$(sed -n 's/.*plan \([0-9.]*\) s.*/\1/p' "$WORK/log")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p' "$WORK/time")
  printf '%-34s %10s %10s %10s\n' "$label" "$run" "$plan" "$((rss / 1024))"
  echo "$run" >"$WORK/$label.run"
}

echo "$(nproc) CPUs, $THREADS thread(s); seconds (median of 3 runs) and MiB"
printf '%-34s %10s %10s %10s\n' run "run s" "plan s" "peak MiB"
run r18-ideal r18 "$MODELS/resnet18_32.input.npy"
run r18-device-noiseless r18 "$MODELS/resnet18_32.input.npy" --mode=device "${ZERO[@]}"
run r18-device-noisy r18 "$MODELS/resnet18_32.input.npy" --mode=device "${NOISE[@]}"
run fmnist-ideal fm "input=$WORK/images.npy"
run fmnist-device-noiseless fm "input=$WORK/images.npy" --mode=device "${ZERO[@]}"
run fmnist-device-noisy fm "input=$WORK/images.npy" --mode=device "${NOISE[@]}"
ratio() { /usr/bin/python3 -c "print(f'{float(open(\"$WORK/$2.run\").read()) / float(open(\"$WORK/$1.run\").read()):.1f}')"; }
echo "ResNet-18 --adc=4: device (noisy) / ideal = $(ratio r18-ideal r18-device-noisy)x," \
  "device (noiseless) / ideal = $(ratio r18-ideal r18-device-noiseless)x"
echo "fmnist lossless: device (noisy) / ideal = $(ratio fmnist-ideal fmnist-device-noisy)x," \
  "device (noiseless) / ideal = $(ratio fmnist-ideal fmnist-device-noiseless)x"
