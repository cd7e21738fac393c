"""Prints a .npy file for FileCheck: its header, then its values.

    format 1.0, descr '<i4', fortran_order False, shape (2, 2)
    dtype int32, shape (2, 2)
    values 7 8 31 12

The first line is read from the file's own header (so it checks what the
writer put there); the others come from numpy.load. Values are printed
flat in C order, floats with repr() so that every bit shows.
"""
import sys

import numpy as np
from numpy.lib import format as npy_format


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        version = npy_format.read_magic(f)
        if version == (1, 0):
            header = npy_format.read_array_header_1_0(f)
        else:
            header = npy_format.read_array_header_2_0(f)
    shape, fortran_order, dtype = header
    print("format %d.%d, descr %r, fortran_order %s, shape %s"
          % (version[0], version[1], dtype.str, fortran_order, shape))
    array = np.load(path)
    print("dtype %s, shape %s" % (array.dtype, array.shape))
    print("values " + " ".join(repr(v) for v in array.ravel().tolist()))


if __name__ == "__main__":
    main()
