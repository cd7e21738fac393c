#!/usr/bin/env bash
# Checks that every C++ file git tracks is formatted as .clang-format says
# (LLVM style), with Debian's clang-format-14. Prints the files that are not
# and exits 1; `scripts/check-format.sh --fix` reformats them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
FORMAT="${CLANG_FORMAT:-clang-format-14}"
command -v "$FORMAT" >/dev/null || {
  echo "check-format: $FORMAT not found (scripts/install-deps.sh installs it)" >&2
  exit 1
}
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = "--fix" ]; then
  "$FORMAT" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done
if [ "${#bad[@]}" -gt 0 ]; then
  printf 'check-format: not formatted (run scripts/check-format.sh --fix):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted as .clang-format says"
