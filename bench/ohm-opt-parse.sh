#!/usr/bin/env bash
# Benchmark: ohm-opt parses, verifies and prints a generated 200,000-op
# module (the figure asked for by issue 2; target under 2 s on 2 cores).
# Prints the best and median wall time of 5 runs, plus ohm-opt's own
# breakdown (--time-passes) of the last run.
#
# usage: bench/ohm-opt-parse.sh [build-dir] [op-count]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-build}"
COUNT="${2:-200000}"
OHM_OPT="$BUILD_DIR/bin/ohm-opt"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 bench/gen-large-ir.py "$COUNT" > "$WORK/large.ohm"
echo "input: $COUNT ops, $(du -h "$WORK/large.ohm" | cut -f1) of text"

times=()
for run in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$OHM_OPT" "$WORK/large.ohm" -o "$WORK/out.ohm"
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "parse+verify+print wall time over 5 runs (s): $(echo $sorted)"
echo "best: $(echo "$sorted" | head -1) s   median: $(echo "$sorted" | sed -n 3p) s"
cmp -s <("$OHM_OPT" "$WORK/out.ohm") "$WORK/out.ohm" && echo "output re-parses and prints identically"
"$OHM_OPT" "$WORK/large.ohm" -o /dev/null --time-passes 2>&1 | sed -n '/Name/,/Total/p'
