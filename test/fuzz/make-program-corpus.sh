#!/usr/bin/env bash
# Seed corpus for ohm-fuzz-program: the bundled models compiled with narrow
# ADCs, every sensing mode and encoding they allow and two targets, plus
# two hand-written programs (a ternary crossbar read and vector
# instructions) that the models do not produce. The committed corpus in
# test/fuzz/corpus-program was made by this script; run it again when the
# program format changes.
# usage: test/fuzz/make-program-corpus.sh [OUT_DIR] (default: test/fuzz/corpus-program)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-test/fuzz/corpus-program}"
ohmc="${OHMC:-build/bin/ohmc}"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The Fashion-MNIST CNN with 8-bit cells and 4-bit DACs keeps it small
# (one slice per weight: 43 KB instead of 160 KB with 2-bit cells).
sed -e 's/^name: default/name: cells8/' -e 's/cell_bits: 2/cell_bits: 8/' \
    -e '/^dac:/,/^adc:/s/bits: 1/bits: 4/' lib/Target/presets/default.yaml > "$tmp/cells8.yaml"
"$ohmc" test/models/fmnist_cnn_qdq.onnx --target="$tmp/cells8.yaml" --adc=4 -o "$out/fmnist-cells8-adc4.ohmx"
"$ohmc" test/models/tiny_resnet_qdq.onnx -o "$out/tiny-resnet.ohmx"
"$ohmc" test/models/tiny_resnet_qdq.onnx --adc=4 --sensing=analog -o "$out/tiny-resnet-adc4-analog.ohmx"
"$ohmc" test/models/tiny_resnet_qdq.onnx --adc=3 --encoding=offset -o "$out/tiny-resnet-adc3-offset.ohmx"
"$ohmc" test/models/tiny_resnet_qdq.onnx --target=puma --adc=5 -o "$out/tiny-resnet-puma-adc5.ohmx"

encode() {
  /usr/bin/python3 test/Runtime/encode-program.py runtime/proto > "$out/$1"
}
encode ternary-read.ohmx <<'EOF'
version: 2
model: "ternary"
target { name: "t" rows: 16 cols: 16 cell_bits: 1 max_active_rows: 16 dac_bits: 2 adc_bits: 4 cols_per_adc: 4 arrays_per_core: 2 cores: 1 }
arrays { id: 0 rows: 4 cols: 3 cell_bits: 1 levels: "\001\000\001\000\001\000\001\001\000\000\000\001" }
arrays { id: 1 rows: 4 cols: 3 cell_bits: 1 levels: "\000\001\000\000\000\001\000\000\001\001\000\000" }
buffers { id: 0 type { dtype: U8 } dims: 2 dims: 4 batched: true offset: 0 size: 8 name: "x" }
buffers { id: 1 type { dtype: I32 } dims: 2 dims: 3 batched: true offset: 8 size: 24 name: "y" }
inputs { name: "x" buffer: 0 }
outputs { name: "y" buffer: 1 }
instructions { mvm { rows: 0 dst: 1 tile_rows: 4 tile_cols: 3 encoding: TERNARY input_bits: 4 dac_bits: 2 cell_bits: 1 slices: 1 active_rows: 2 adc_step: 1 arrays: 0 arrays: 1 sets: 2 repeat: 2 layer: "t" } }
global_bytes: 32
EOF
encode vector-ops.ohmx <<'EOF'
version: 2
model: "vector"
target { name: "t" rows: 16 cols: 16 cell_bits: 2 max_active_rows: 16 dac_bits: 1 adc_bits: 8 cols_per_adc: 8 arrays_per_core: 1 cores: 1 }
constants { id: 0 type { dtype: I16 } dims: 1 dims: 2 dims: 1 data: "\002\000\375\377" }
buffers { id: 0 type { dtype: I16 } dims: 1 dims: 2 dims: 3 batched: true offset: 0 size: 12 name: "x" }
buffers { id: 1 type { dtype: I16 } dims: 1 dims: 2 dims: 1 offset: 16 size: 4 name: "c" }
buffers { id: 2 type { dtype: I16 } dims: 1 dims: 2 dims: 3 batched: true offset: 24 size: 12 name: "sum" }
buffers { id: 3 type { dtype: I16 } dims: 1 dims: 4 dims: 5 batched: true offset: 40 size: 40 name: "padded" }
buffers { id: 4 type { dtype: I16 } dims: 1 dims: 5 dims: 4 batched: true offset: 80 size: 40 name: "moved" }
buffers { id: 5 type { dtype: F32 } dims: 1 dims: 5 dims: 4 batched: true offset: 120 size: 80 name: "real" }
buffers { id: 6 type { dtype: F32 } dims: 1 dims: 5 dims: 4 batched: true offset: 200 size: 80 name: "soft" }
inputs { name: "x" buffer: 0 }
outputs { name: "soft" buffer: 6 }
instructions { load_const { constant: 0 dst: 1 } }
instructions { binary { lhs: 0 rhs: 1 dst: 2 kind: MUL } }
instructions { pad { src: 2 dst: 3 pads: 0 pads: 1 pads: 1 pads: 0 pads: 1 pads: 1 mode: REFLECT } }
instructions { transpose { src: 3 dst: 4 perm: 0 perm: 2 perm: 1 } }
instructions { dequantize { src: 4 dst: 5 scales: 0.25 zero_points: 1 } }
instructions { softmax { src: 5 dst: 6 axis: 2 } }
global_bytes: 280
EOF
echo "corpus: $(ls "$out" | wc -l) seeds, $(du -sk "$out" | cut -f1) KB in $out"
