#!/usr/bin/env bash
# Seed corpus for ohm-npy-fuzzer: arrays written by NumPy itself (every
# dtype the reader supports, shapes from 0-d to 4-d with empty ones, format
# versions 1.0, 2.0 and 3.0, Fortran order, big-endian and native byte
# order, and a few dtypes it rejects), plus the .npy inputs of the tests.
# Needs Debian's python3 with python3-numpy.
# usage: test/fuzz/make-npy-corpus.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: make-npy-corpus.sh OUT_DIR}"
mkdir -p "$out"
for f in $(find test -name '*.npy' | sort); do
  cp "$f" "$out/$(echo "$f" | tr / _)"
done
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
from numpy.lib import format as npf

out = sys.argv[1]
rng = np.random.default_rng(0)

def write(name, array, version=None, fortran=False):
    if fortran:
        array = np.asfortranarray(array)
    with open(f"{out}/{name}.npy", "wb") as f:
        npf.write_array(f, array, version=version, allow_pickle=False)

dtypes = ["?", "i1", "u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8",
          "<f2", "<f4", "<f8"]
shapes = [(), (0,), (3,), (2, 3), (1, 2, 3, 2), (2, 0, 3)]
for dt in dtypes:
    for shape in shapes:
        dtype = np.dtype(dt)
        if dtype.kind == "f":
            a = rng.standard_normal(shape).astype(dtype)
            if a.size >= 3:
                a.flat[0], a.flat[1], a.flat[2] = np.nan, np.inf, -0.0
        elif dtype.kind == "b":
            a = rng.integers(0, 2, shape).astype(dtype)
        else:
            info = np.iinfo(dtype)
            a = rng.integers(info.min, info.max, shape, dtype=dtype,
                             endpoint=True)
        tag = "x".join(map(str, shape)) or "scalar"
        write(f"{dtype.str[1:]}-{tag}", a)
    write(f"{np.dtype(dt).str[1:]}-v2", np.arange(6).astype(dt).reshape(2, 3),
          version=(2, 0))
    write(f"{np.dtype(dt).str[1:]}-v3", np.arange(6).astype(dt).reshape(2, 3),
          version=(3, 0))
# Orders and byte orders the reader rejects or normalizes.
write("f4-fortran", np.arange(6, dtype="<f4").reshape(2, 3), fortran=True)
write("f4-big-endian", np.arange(6, dtype=">f4").reshape(2, 3))
write("i2-big-endian", np.arange(6, dtype=">i2"))
with open(f"{out}/f4-native.npy", "wb") as f:  # '=' instead of '<'
    data = np.arange(4, dtype="<f4")
    header = "{'descr': '=f4', 'fortran_order': False, 'shape': (4,), }"
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") +
            header.encode() + data.tobytes())
# Dtypes it does not support.
write("c8", np.arange(3, dtype="<c8"))
write("unicode", np.array(["ab", "c"]))
write("bytes", np.array([b"ab", b"c"]))
write("structured", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]))
write("datetime", np.array(["2020-01-01"], dtype="datetime64[D]"))
write("f4-big", np.zeros((300, 4), dtype="<f4"))
write("i4-rank8", np.zeros((1, 2, 1, 2, 1, 2, 1, 2), dtype="<i4"))
PY
echo "corpus: $(ls "$out" | wc -l) seeds, $(du -sk "$out" | cut -f1) KB in $out"
