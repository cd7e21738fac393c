#!/usr/bin/env bash
# Builds a seed corpus for ohm-parser-fuzzer from the lit tests: one file
# per `// -----` chunk of every .ohm test.
# usage: test/fuzz/make-corpus.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: make-corpus.sh OUT_DIR}"
mkdir -p "$out"
n=0
for f in $(find test docs -name '*.ohm' | sort); do
  awk -v prefix="$out/$(echo "$f" | tr / _)" '
    /^\/\/ -----/ { idx++; next }
    { print > (prefix "." idx+0) }' "$f"
done
echo "corpus: $(ls "$out" | wc -l) seeds in $out"
