#!/usr/bin/env bash
# Seed corpus for ohm-onnx-loader-fuzzer: the bundled models and the ONNX
# node test models of the supported ops (binary), plus the .onnxtxt lit
# inputs (prefixed with 't', which selects the text format).
# usage: test/fuzz/make-onnx-corpus.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: make-onnx-corpus.sh OUT_DIR}"
mkdir -p "$out"
for f in test/models/*.onnx; do cp "$f" "$out/$(basename "$f")"; done
for d in /usr/share/libonnx-testdata/data/node/test_{qlinear,convinteger,matmulinteger,quantizelinear,dequantizelinear,conv_,gemm,maxpool_2d,averagepool_2d,reshape,flatten,concat,pad,clip,softmax,transpose}*; do
  [ -f "$d/model.onnx" ] && cp "$d/model.onnx" "$out/$(basename "$d").onnx"
done
for f in $(find test -name '*.onnxtxt' 2>/dev/null); do
  { printf 't'; cat "$f"; } > "$out/$(echo "$f" | tr / _)"
done
echo "corpus: $(ls "$out" | wc -l) seeds in $out"
