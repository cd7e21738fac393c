#!/usr/bin/env python3
"""Writes the first N Fashion-MNIST test images (training images with
--train) as a float32 [N,1,28,28] .npy in [0, 1] (x / 255, as the model
was trained), and their labels as an int64 [N] .npy next to it
(<out>.labels.npy).

Reads Debian's dataset-fashion-mnist IDX files. Needs only numpy.

usage: fmnist_to_npy.py N OUT.npy [--train] [--dir /usr/share/datasets/fashion-mnist]
"""
import argparse
import gzip
import os

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(count, train=False,
                       folder="/usr/share/datasets/fashion-mnist"):
    """The first `count` images as float32 [count, 1, 28, 28] in [0, 1]
    (x / 255, as the model was trained) and their int64 labels."""
    prefix = "train" if train else "t10k"
    images = read_idx(os.path.join(folder, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, prefix + "-labels-idx1-ubyte.gz"))
    x = images[:count].astype(np.float32) / np.float32(255.0)
    return x.reshape(-1, 1, 28, 28), labels[:count].astype(np.int64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--train", action="store_true",
                        help="read the training set (e.g. for calibration)")
    args = parser.parse_args()
    x, labels = load_fashion_mnist(args.count, args.train, args.dir)
    np.save(args.out, x)
    np.save(args.out[:-4] + ".labels.npy", labels)


if __name__ == "__main__":
    main()
