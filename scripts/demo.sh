#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install, build, compile the
# bundled quantized Fashion-MNIST CNN (a PyTorch QDQ export) for a crossbar
# target, run the program on the first 1000 test images with the simulator,
# and print the mapping, the outputs of the first images, the run summary
# (arrays, ADC bits, conversions), the cost (energy per inference by layer
# and component with the ADC's share, latency, throughput, area; the
# compiler's static estimate and the simulator's count) and the accuracy -- with the target's
# lossless ADCs (bit-exact against the reference interpreter), with 4-bit
# ADCs whose step and offset come from the reachable range (fixed), and
# with 4-bit ADCs calibrated on 100 training images.
#
# usage: scripts/demo.sh [target]   (default: isaac; see docs/Targets.md)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${1:-isaac}"
scripts/install-deps.sh
scripts/build.sh
BIN="${OHM_BUILD_DIR:-build}/bin"
MODEL=test/models/fmnist_cnn_qdq.onnx
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

/usr/bin/python3 test/models/fmnist_to_npy.py 1000 "$WORK/images.npy" >/dev/null

echo "== ohmc $MODEL --target=$TARGET --adc=lossless -v -o fmnist.ohmx"
"$BIN/ohmc" "$MODEL" --target="$TARGET" --adc=lossless -v -o "$WORK/fmnist.ohmx"
echo "program: $(stat -c %s "$WORK/fmnist.ohmx") bytes; its first instructions:"
"$BIN/ohm-sim" --disasm "$WORK/fmnist.ohmx" | sed -n '/^code:/,$p' | sed -n 2,6p

echo
echo "== ohm-sim fmnist.ohmx on Fashion-MNIST test images 0-999 (-j2), counting its cost"
"$BIN/ohm-sim" "$WORK/fmnist.ohmx" --input "input=$WORK/images.npy" \
  --output-dir "$WORK/sim" -j2 --report "$WORK/cost.json"
/usr/bin/python3 - "$WORK/sim/logits.npy" "$WORK/images.labels.npy" <<'EOF'
import sys
import numpy as np
logits, labels = np.load(sys.argv[1]), np.load(sys.argv[2])
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
         "Shirt", "Sneaker", "Bag", "Ankle boot"]
np.set_printoptions(precision=2, suppress=True, linewidth=120)
for i in range(3):
    print(f"image {i}: logits {logits[i]} -> {names[logits[i].argmax()]} "
          f"(label: {names[labels[i]]})")
EOF

echo
echo "== the same images on the reference interpreter (the golden model)"
"$BIN/ohm-sim" --reference "$MODEL" --input "input=$WORK/images.npy" \
  --output-dir "$WORK/ref" >/dev/null
if cmp -s "$WORK/sim/logits.npy" "$WORK/ref/logits.npy"; then
  echo "simulator outputs are bit-identical to the reference interpreter's"
else
  echo "simulator outputs DIFFER from the reference interpreter's"
  exit 1
fi

echo
echo "== the same model with 4-bit ADCs (--adc=4)"
"$BIN/ohmc" "$MODEL" --target="$TARGET" --adc=4 -o "$WORK/fmnist4.ohmx"
"$BIN/ohm-sim" "$WORK/fmnist4.ohmx" --input "input=$WORK/images.npy" \
  --output-dir "$WORK/sim4" -j2 | sed -n '/^layer/,$p'

echo
echo "== 4-bit ADCs calibrated on 100 training images (--adc=calibrated:4)"
mkdir -p "$WORK/calib"
/usr/bin/python3 test/models/fmnist_to_npy.py 100 "$WORK/calib/train.npy" --train
rm "$WORK/calib/train.labels.npy"
"$BIN/ohmc" "$MODEL" --target="$TARGET" --adc=calibrated:4 --calib="$WORK/calib" \
  -o "$WORK/fmnist4c.ohmx"
"$BIN/ohm-sim" "$WORK/fmnist4c.ohmx" --input "input=$WORK/images.npy" \
  --output-dir "$WORK/sim4c" -j2 -q >/dev/null

echo
echo "== device mode: 5 device instances (5% programming variation, 2% read noise,"
echo "   0.1% of cells stuck at HRS and 0.1% at LRS; docs/Device.md), lossless ADCs"
"$BIN/ohm-sim" "$WORK/fmnist.ohmx" --input "input=$WORK/images.npy" \
  --output-dir "$WORK/device" -j2 --mode=device --trials=5 --seed=1 \
  --device-param programming_sigma=0.05 --device-param read_noise_sigma=0.02 \
  --device-param stuck_at_hrs=0.001 --device-param stuck_at_lrs=0.001 \
  --labels "$WORK/images.labels.npy" | sed -n '/^trials:/,/^accuracy: mean/p'

echo
/usr/bin/python3 - "$WORK/images.labels.npy" "$WORK/sim/logits.npy" \
  "$WORK/sim4/logits.npy" "$WORK/sim4c/logits.npy" "$WORK/device" <<'EOF'
import sys
import numpy as np
labels = np.load(sys.argv[1])
for name, path in zip(["lossless ADCs", "4-bit ADCs, fixed", "4-bit ADCs, calibrated"],
                      sys.argv[2:5]):
    logits = np.load(path)
    print(f"accuracy on 1000 test images, {name}: "
          f"{(logits.argmax(axis=1) == labels).mean() * 100:.2f}%")
    if name == "lossless ADCs":
        trials = [(np.load(f"{sys.argv[5]}/logits.trial{i}.npy").argmax(axis=1)
                   == labels).mean() * 100 for i in range(5)]
        print(f"accuracy on 1000 test images, lossless ADCs, device mode "
              f"(5 instances): mean {np.mean(trials):.2f}%, "
              f"std. dev. {np.std(trials, ddof=1):.2f}% "
              f"(min {min(trials):.2f}%, max {max(trials):.2f}%)")
EOF
