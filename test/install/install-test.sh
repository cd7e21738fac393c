#!/usr/bin/env bash
# The installed package works out of tree (issue M9): installs BUILD into a
# temporary prefix, builds test/install against it with find_package(ohm),
# compiles the bundled CNN with the installed compiler, runs the program
# with the installed runtime alone, and checks that both runs agree and
# that the program is the one ohmc writes; imports the installed Python
# package (when the build has it).
#
# usage: test/install/install-test.sh BUILD-DIR
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$(cd "$1" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cmake --install "$BUILD" --prefix "$WORK/prefix" >/dev/null
test -f "$WORK/prefix/lib/cmake/ohm/ohmConfig.cmake"
test -f "$WORK/prefix/include/ohm/IR/Context.h"
test -f "$WORK/prefix/include/ohmrt/Runtime.h"
test -f "$WORK/prefix/include/program.pb.h"
# The Python package, from the installed site directory alone.
if [ -f "$BUILD/python/ohm/__init__.py" ]; then
  SITE="$(find "$WORK/prefix" -path '*/dist-packages/ohm/__init__.py' | head -n 1)"
  test -n "$SITE"
  (cd "$WORK" && PYTHONPATH="$(dirname "$(dirname "$SITE")")" /usr/bin/python3 -c \
    "import ohm, os; assert ohm.__file__.startswith(os.environ['PYTHONPATH']); print('installed python package:', ohm.Target.presets())")
fi
cmake -S "$SRC/test/install" -B "$WORK/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/build" >/dev/null
MODEL="$SRC/test/models/fmnist_cnn_qdq.onnx"
"$WORK/build/compile-and-run" "$MODEL" "$WORK/consumer.ohmx" >"$WORK/compiled.txt"
"$WORK/build/run-program" "$WORK/consumer.ohmx" >"$WORK/loaded.txt"
cat "$WORK/compiled.txt"
cmp "$WORK/compiled.txt" "$WORK/loaded.txt"
# The same program as the tool writes (the model name is the only input
# that differs: the consumer calls it "model").
cp "$MODEL" "$WORK/model.onnx"
"$BUILD/bin/ohmc" "$WORK/model.onnx" --target=isaac -o "$WORK/ohmc.ohmx"
cmp "$WORK/consumer.ohmx" "$WORK/ohmc.ohmx"
echo "install-test: the installed compiler and runtime work out of tree"
