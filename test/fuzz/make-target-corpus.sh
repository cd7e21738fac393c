#!/usr/bin/env bash
# Seed corpus for ohm-target-fuzzer: every preset (lib/Target/presets) and
# every target file of the lit tests (test/Target/Inputs), the invalid ones
# included (each reaches a different error path).
# usage: test/fuzz/make-target-corpus.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: make-target-corpus.sh OUT_DIR}"
mkdir -p "$out"
for f in lib/Target/presets/*.yaml test/Target/Inputs/*.yaml test/Target/Inputs/*.yml; do
  [ -f "$f" ] && cp "$f" "$out/$(echo "$f" | tr / _)"
done
echo "corpus: $(ls "$out" | wc -l) seeds in $out"
