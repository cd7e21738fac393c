#!/usr/bin/env python3
"""Helpers for the differential numerics checks of the crossbar lit tests.

  xbcheck.py prepare FILE NAME DIR [--seed S] [--range LO,HI]
      Writes the `// -----` chunk of FILE that defines `func @NAME` to
      DIR/case.ohm (ohm-sim --reference runs the first function of a file,
      so each case to execute is extracted on its own) and one seeded random
      .npy per argument of that function to DIR/in0.npy, DIR/in1.npy, ...
      The values cover the whole range of the argument's element type, or
      [LO, HI] if given; dynamic dimensions become 2.
  xbcheck.py compare DIR1 DIR2 [--expect-different]
      Checks that both directories hold the same .npy files with identical
      dtype, shape and values (or, with --expect-different, that some value
      differs), and prints a one-line summary.
  xbcheck.py check FILE NAME DIR [--seed S] [--range LO,HI] [--tag T]
                   [--expect-different] -- OHM-OPT-ARGS...
      The whole differential check of a pass, in one RUN line (the lit
      substitution %xbcheck): prepare DIR from FILE's @NAME (once; later
      checks of the same DIR reuse it), run `ohm-opt DIR/case.ohm
      OHM-OPT-ARGS -o DIR/T.ohm`, run the reference interpreter on the case
      (once) and on the result, and compare them (identical, or with
      --expect-different, different). T defaults to "after".
"""
import argparse
import os
import re
import sys

import numpy as np

DTYPES = {
    ("i", 8): np.int8, ("i", 16): np.int16, ("i", 32): np.int32, ("i", 64): np.int64,
    ("u", 8): np.uint8, ("u", 16): np.uint16, ("u", 32): np.uint32, ("u", 64): np.uint64,
}


def prepare(args):
    with open(args.file) as f:
        chunks = re.split(r"^// -----\s*$", f.read(), flags=re.M)
    pattern = re.compile(r"^func @" + re.escape(args.name) + r"\((.*?)\)\s*(->|\{)", re.M)
    found = [(c, m) for c in chunks for m in [pattern.search(c)] if m]
    if len(found) != 1:
        sys.exit("xbcheck: %d chunks define @%s" % (len(found), args.name))
    text, signature = found[0]
    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "case.ohm"), "w") as f:
        f.write(text)
    types = re.findall(r"tensor<([^>]*)>", signature.group(1))
    rng = np.random.default_rng(args.seed)
    for index, spec in enumerate(types):
        *dims, element = spec.split("x")
        kind, width = element[0], int(element[1:])
        storage = 8
        while storage < width:
            storage *= 2
        dtype = DTYPES[(kind, storage)]
        if args.range:
            lo, hi = (int(v) for v in args.range.split(","))
        elif kind == "i":
            lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
        else:
            lo, hi = 0, (1 << width) - 1
        shape = [2 if d == "?" else int(d) for d in dims]
        values = rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64)
        np.save(os.path.join(args.dir, "in%d.npy" % index), values.astype(dtype))


def compare(args):
    names = sorted(n for n in os.listdir(args.dir1) if n.endswith(".npy"))
    other = sorted(n for n in os.listdir(args.dir2) if n.endswith(".npy"))
    if not names or names != other:
        sys.exit("xbcheck: outputs differ: %s vs %s" % (names, other))
    differing = []
    count = 0
    for name in names:
        a = np.load(os.path.join(args.dir1, name))
        b = np.load(os.path.join(args.dir2, name))
        if a.dtype != b.dtype or a.shape != b.shape:
            sys.exit("xbcheck: %s: %s%s vs %s%s" % (name, a.dtype, a.shape, b.dtype, b.shape))
        count += a.size
        if not np.array_equal(a, b):
            differing.append("%s (%d of %d values, max |diff| %d)" % (
                name, int((a != b).sum()), a.size,
                int(np.abs(a.astype(np.int64) - b.astype(np.int64)).max())))
    if args.expect_different:
        if not differing:
            sys.exit("xbcheck: expected a difference, all %d values are identical" % count)
        print("different: " + ", ".join(differing))
    else:
        if differing:
            sys.exit("xbcheck: not identical: " + ", ".join(differing))
        print("identical: %d outputs, %d values" % (len(names), count))


def check(args):
    """prepare + ohm-opt + two reference runs + compare."""
    import subprocess
    case = os.path.join(args.dir, "case.ohm")
    if not os.path.exists(case):
        prepare(args)
    inputs = sorted(n for n in os.listdir(args.dir) if re.fullmatch(r"in\d+\.npy", n))
    input_args = [a for n in inputs for a in ("--input", os.path.join(args.dir, n))]

    def run(command):
        result = subprocess.run(command, stdout=subprocess.DEVNULL)
        if result.returncode != 0:
            sys.exit("xbcheck: failed (exit %d): %s" % (result.returncode, " ".join(command)))

    before = os.path.join(args.dir, "before")
    if not os.path.isdir(before):
        run(["ohm-sim", "--reference", case] + input_args + ["--output-dir", before])
    result = os.path.join(args.dir, args.tag + ".ohm")
    run(["ohm-opt", case] + args.passes + ["-o", result])
    after = os.path.join(args.dir, args.tag)
    run(["ohm-sim", "--reference", result] + input_args + ["--output-dir", after])
    args.dir1, args.dir2 = before, after
    compare(args)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("file")
    p.add_argument("name")
    p.add_argument("dir")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--range")
    p.set_defaults(run=prepare)
    p = sub.add_parser("compare")
    p.add_argument("dir1")
    p.add_argument("dir2")
    p.add_argument("--expect-different", action="store_true")
    p.set_defaults(run=compare)
    p = sub.add_parser("check")
    p.add_argument("file")
    p.add_argument("name")
    p.add_argument("dir")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--range")
    p.add_argument("--tag", default="after")
    p.add_argument("--expect-different", action="store_true")
    p.set_defaults(run=check)
    # Everything after "--" goes to ohm-opt.
    argv = sys.argv[1:]
    passes = []
    if "--" in argv:
        passes = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    args = parser.parse_args(argv)
    args.passes = passes
    args.run(args)


if __name__ == "__main__":
    main()
