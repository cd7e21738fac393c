"""Inputs and a checker for npy-formats.onnxtxt (every supported dtype).

    npy-dtypes.py save DIR [--version 1|2|3]
        writes DIR/<name>.npy for each dtype, holding its extreme values,
        with the given .npy format version
    npy-dtypes.py inputs DIR
        prints the ohm-sim options that pass them: --input NAME=DIR/NAME.npy
    npy-dtypes.py compare DIR OUT
        prints, per name, whether OUT/o_<name>.npy has the dtype, shape and
        bytes of DIR/<name>.npy
"""
import argparse
import os

import numpy as np
from numpy.lib import format as npy_format

ARRAYS = {
    "b": np.array([True, False, True]),
    "i1": np.array([-128, 0, 127], np.int8),
    "u1": np.array([0, 128, 255], np.uint8),
    "i2": np.array([-32768, 1, 32767], np.int16),
    "u2": np.array([0, 1, 65535], np.uint16),
    "i4": np.array([-2**31, 1, 2**31 - 1], np.int32),
    "u4": np.array([0, 1, 2**32 - 1], np.uint32),
    "i8": np.array([-2**63, 1, 2**63 - 1], np.int64),
    "u8": np.array([0, 1, 2**64 - 1], np.uint64),
    "f2": np.array([-0.0, 1.5, 65504], np.float16),
    "f4": np.array([np.inf, -1e-45, 3.4e38], np.float32),
    "f8": np.array([np.nan, -1e-300, 1e300], np.float64),
    "scalar": np.array(-2.5, np.float32),
    "empty": np.zeros((0, 2), np.float32),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    save = sub.add_parser("save")
    save.add_argument("dir")
    save.add_argument("--version", type=int, default=1)
    inputs = sub.add_parser("inputs")
    inputs.add_argument("dir")
    compare = sub.add_parser("compare")
    compare.add_argument("dir")
    compare.add_argument("out")
    args = parser.parse_args()
    if args.command == "save":
        os.makedirs(args.dir, exist_ok=True)
        for name, array in ARRAYS.items():
            with open(os.path.join(args.dir, name + ".npy"), "wb") as f:
                npy_format.write_array(f, array, version=(args.version, 0))
        return
    if args.command == "inputs":
        print(" ".join("--input %s=%s" % (name, os.path.join(args.dir, name + ".npy"))
                       for name in ARRAYS))
        return
    for name in ARRAYS:
        given = np.load(os.path.join(args.dir, name + ".npy"))
        got = np.load(os.path.join(args.out, "o_" + name + ".npy"))
        same = (given.dtype == got.dtype and given.shape == got.shape
                and given.tobytes() == got.tobytes())
        print("%s: %s %s %s" % (name, got.dtype, got.shape,
                                "identical" if same else "DIFFERENT"))


if __name__ == "__main__":
    main()
