#!/usr/bin/env bash
# Seed corpus for ohm-tensor-pb-fuzzer: TensorProtos made with
# onnx.numpy_helper and by hand (every element type the reader supports,
# in raw_data and in the typed fields -- float_data, double_data,
# int32_data for the narrow integers, FLOAT16 and BOOL, int64_data,
# uint64_data --, 0-d and empty shapes, and the cases it rejects: counts
# that disagree with the shape, values that do not fit, external data,
# strings, unknown types), plus the test_data_set_0 inputs and outputs
# (up to 16 KB) of the ONNX node tests of the supported ops
# (libonnx-testdata). Needs Debian's python3 with python3-onnx.
# usage: test/fuzz/make-tensor-pb-corpus.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: make-tensor-pb-corpus.sh OUT_DIR}"
mkdir -p "$out"
for d in /usr/share/libonnx-testdata/data/node/test_{qlinear,convinteger,matmulinteger,quantizelinear,dequantizelinear,conv_,gemm,maxpool_2d,averagepool_2d,reshape,flatten,concat,pad,clip,softmax,transpose,cast_}*; do
  for f in "$d"/test_data_set_0/*.pb; do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 16384 ] &&
      cp "$f" "$out/$(basename "$d")-$(basename "$f")"
  done
done
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(0)

def write(name, tensor):
    with open(f"{out}/gen-{name}.pb", "wb") as f:
        f.write(tensor.SerializeToString())

# raw_data, as numpy_helper writes it.
for dt in ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32",
           "int64", "uint64", "float16", "float32", "float64"]:
    for shape in [(), (0,), (5,), (2, 3), (1, 2, 2, 3)]:
        dtype = np.dtype(dt)
        if dtype.kind == "f":
            a = rng.standard_normal(shape).astype(dtype)
            if a.size >= 3:
                a.flat[0], a.flat[1], a.flat[2] = np.nan, -np.inf, -0.0
        elif dtype.kind == "b":
            a = rng.integers(0, 2, shape).astype(dtype)
        else:
            info = np.iinfo(dtype)
            a = rng.integers(info.min, info.max, shape, dtype=dtype,
                             endpoint=True)
        tag = "x".join(map(str, shape)) or "scalar"
        write(f"raw-{dt}-{tag}", numpy_helper.from_array(a, name=f"x_{dt}"))

# The typed fields (helper.make_tensor without raw=True).
typed = {
    TensorProto.FLOAT: [1.5, -0.0, float("nan"), 3e38, 1e-45, -2.0],
    TensorProto.DOUBLE: [1.5, -0.0, float("inf"), 1e308, 5e-324, -2.0],
    TensorProto.INT8: [-128, 127, 0, 1, -1, 5],
    TensorProto.UINT8: [0, 255, 1, 2, 3, 4],
    TensorProto.INT16: [-32768, 32767, 0, 1, -1, 5],
    TensorProto.UINT16: [0, 65535, 1, 2, 3, 4],
    TensorProto.INT32: [-2**31, 2**31 - 1, 0, 1, -1, 5],
    TensorProto.UINT32: [0, 2**32 - 1, 1, 2, 3, 4],
    TensorProto.INT64: [-2**63, 2**63 - 1, 0, 1, -1, 5],
    TensorProto.UINT64: [0, 2**64 - 1, 2**63, 2, 3, 4],
    TensorProto.BOOL: [True, False, True, True, False, False],
    TensorProto.FLOAT16: np.array([1.5, -0.0, np.nan, 65504, 6e-8, -2.0],
                                  dtype=np.float16),
}
for dtype, values in typed.items():
    tname = TensorProto.DataType.Name(dtype).lower()
    write(f"typed-{tname}-2x3", helper.make_tensor("t", dtype, [2, 3], values))
    write(f"typed-{tname}-scalar", helper.make_tensor("t", dtype, [], values[:1]))
# BOOL stored as int32 values other than 0 and 1.
t = TensorProto(name="b", data_type=TensorProto.BOOL, dims=[3])
t.int32_data.extend([0, 2, -7])
write("typed-bool-nonzero", t)
# Rejected: counts that disagree with the shape, values out of range,
# negative dimensions, external data, strings, unsupported types.
t = TensorProto(name="short", data_type=TensorProto.FLOAT, dims=[2, 3])
t.float_data.extend([1, 2, 3])
write("bad-float-count", t)
t = TensorProto(name="short", data_type=TensorProto.INT32, dims=[4],
                raw_data=b"\x01\x00\x00\x00" * 3)
write("bad-raw-count", t)
t = TensorProto(name="wide", data_type=TensorProto.INT8, dims=[2])
t.int32_data.extend([1, 300])
write("bad-int8-range", t)
t = TensorProto(name="wide", data_type=TensorProto.UINT32, dims=[1])
t.uint64_data.extend([2**40])
write("bad-uint32-range", t)
t = TensorProto(name="neg", data_type=TensorProto.FLOAT, dims=[-1, 2])
write("bad-negative-dim", t)
t = TensorProto(name="huge", data_type=TensorProto.UINT8, dims=[2**31, 2**31])
write("bad-huge-shape", t)
t = TensorProto(name="ext", data_type=TensorProto.FLOAT, dims=[2],
                data_location=TensorProto.EXTERNAL)
t.external_data.add(key="location", value="weights.bin")
write("bad-external", t)
write("bad-string", helper.make_tensor("s", TensorProto.STRING, [2],
                                       [b"ab", b"c"]))
t = TensorProto(name="bf16", data_type=TensorProto.BFLOAT16, dims=[2])
t.int32_data.extend([0x3F80, 0x4000])
write("bad-bfloat16", t)
t = TensorProto(name="cplx", data_type=TensorProto.COMPLEX64, dims=[1])
t.float_data.extend([1.0, 2.0])
write("bad-complex64", t)
write("empty", TensorProto())
PY
echo "corpus: $(ls "$out" | wc -l) seeds, $(du -sk "$out" | cut -f1) KB in $out"
