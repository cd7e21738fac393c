"""Writes the malformed and unsupported .npy files of npy-invalid.onnxtxt
into DIR, each a variant of a valid 2x2 float32 array:

    text.npy            a text file, not .npy at all
    short-data.npy      the data is one byte shorter than the shape needs
    trailing-data.npy   one byte more than the shape needs
    short-header.npy    cut off inside the header
    version-4.npy       format version 4.0, which does not exist
    fortran.npy         fortran_order True (a column-major 2x2 array)
    big-endian.npy      dtype '>f4'
    complex.npy         dtype '<c8'
    unicode.npy         dtype '<U3' (strings)

    make-bad-npy.py DIR
"""
import io
import os
import sys

import numpy as np


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    good = npy_bytes(np.array([[1, 2], [3, 4]], np.float32))
    files = {
        "text.npy": b"not a numpy file\n",
        "short-data.npy": good[:-1],
        "trailing-data.npy": good + b"\0",
        "short-header.npy": good[:20],
        "version-4.npy": good[:6] + b"\x04" + good[7:],
        "fortran.npy": npy_bytes(np.asfortranarray(np.array([[1, 2], [3, 4]], np.float32))),
        "big-endian.npy": npy_bytes(np.array([[1, 2], [3, 4]], ">f4")),
        "complex.npy": npy_bytes(np.array([[1, 2], [3, 4]], "<c8")),
        "unicode.npy": npy_bytes(np.array([["a", "b"], ["c", "d"]], "<U3")),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
