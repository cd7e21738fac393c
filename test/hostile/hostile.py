#!/usr/bin/env python3
"""Held-out hostile inputs for ohm's tools (docs/Testing.md, "Hostile
inputs").

Generates, from a seed, several hundred inputs of the kinds an attacker or
a broken disk produces, none of them used while fixing the findings they
stand for, and runs each through the tool that reads it:

  program-flip    bits flipped in compiled programs            ohm-sim
  program-field   a field of a program set to a boundary value ohm-sim
                  (re-encoded with a valid checksum)
  onnx-flip       bits flipped in the bundled ONNX models      ohmc, ohm-sim,
                                                               ohm-sim --reference
  onnx-hostile    small ONNX text models with huge shapes,     ohmc, ohm-sim,
                  pads, kernels, scales, zero points, literals ohm-sim --reference
  npy             corrupt or hostile .npy inputs               ohm-sim (program
                                                               and --reference)
  target          target YAML files with a value replaced, a   ohmc --target
                  line dropped or repeated, deep nesting, a
                  flipped byte
  ir              IR text with a token replaced                ohm-opt

Every run must end with exit code 0 or 1 (an error is exit 1 with a
message; a signal, an abort or any other code fails), within --timeout
seconds, with a peak RSS of at most --max-rss-mb (the issue's 1 GiB; 0
turns the check off, as the sanitizer build's shadow memory needs). A run
that succeeds must not give a wrong answer: a program whose bits were
flipped must be refused (the checksum), and whenever a mutated model or
input compiles and runs, its outputs must equal the reference
interpreter's on the same files, bit for bit (lossless ADCs). Failing
cases are kept in --work-dir with the command that failed.

usage: hostile.py --bin-dir DIR [--work-dir DIR] [--seed N] [--scale X]
                  [--timeout S] [--max-rss-mb MB] [-j N]
"""
import argparse
import concurrent.futures
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "test", "models")
PROTO_DIR = os.path.join(ROOT, "runtime", "proto")
BOUNDARY_INTS = [0, 1, -1, 2, 255, 256, 65535, 2**31 - 1, 2**31, 2**32 - 1,
                 2**32, 2**40, 2**40 + 1, 2**53, 2**62, 2**63 - 1, -2**31,
                 -2**40, -2**63]
BOUNDARY_FLOATS = ["0", "-0", "1e-45", "-1", "6.2e37", "3.4e38", "1e308",
                   "inf", "-inf", "nan", "1e-300"]


class Case:
    """One hostile input and the commands that read it."""

    def __init__(self, kind, name, steps):
        self.kind, self.name, self.steps = kind, name, steps


class Run:
    """A finished command: exit code (negative for a signal), seconds,
    peak RSS in MiB, stderr."""

    def __init__(self, code, seconds, rss_mb, stderr):
        self.code, self.seconds, self.rss_mb, self.stderr = (
            code, seconds, rss_mb, stderr)


def run(cmd, timeout):
    """Runs `cmd`, measuring its own peak RSS (wait4), killing it after
    `timeout` seconds (code "timeout")."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = "timeout"
                break
            time.sleep(0.005)
        code = proc.returncode if proc.returncode == "timeout" else (
            os.waitstatus_to_exitcode(status))
        proc.returncode = code  # wait4 reaped it; keep Popen from waiting
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return Run(code, time.monotonic() - start, usage.ru_maxrss / 1024, stderr)


def seal(data):
    """Appends the program checksum (docs/ISA.md, "Program file")."""
    return data + b"\x7d" + struct.pack("<I", zlib.crc32(data))


def flip_bits(data, rng, count):
    data = bytearray(data)
    for _ in range(count):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return bytes(data)


# --- Generators -------------------------------------------------------------
# Each returns Cases; a step is (command, expectation) with expectation
# "error" (must exit 1), "any" (0 or 1) or ("compare", program_out_dir,
# reference_out_dir) on a final step that compares two runs' outputs.


class Generator:
    def __init__(self, args, rng, work, base):
        self.args, self.rng, self.work, self.base = args, rng, work, base
        self.bin = lambda tool: os.path.join(args.bin_dir, tool)

    def path(self, kind, index, suffix):
        folder = os.path.join(self.work, kind)
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, "%04d%s" % (index, suffix))

    def compile_and_compare(self, model, inputs, stem, compile_args=()):
        """Steps: compile `model`; run the program and the reference on
        `inputs` (NAME=FILE specs); compare their outputs."""
        prog = stem + ".ohmx"
        out, ref = stem + ".out", stem + ".ref"
        ins = [a for spec in inputs for a in ("--input", spec)]
        return [
            ([self.bin("ohmc"), model, "--adc=lossless", "-o", prog]
             + list(compile_args), "any"),
            ([self.bin("ohm-sim"), prog, "--output-dir", out, "-q"] + ins,
             "any-if-compiled"),
            ([self.bin("ohm-sim"), "--reference", model, "--output-dir", ref]
             + ins, ("compare", out, ref)),
        ]

    def program_flip(self, count):
        cases = []
        for i in range(count):
            name, prog, inputs = self.rng.choice(self.base["programs"])
            data = open(prog, "rb").read()
            bad = flip_bits(data, self.rng, self.rng.randint(1, 8))
            if bad == data:
                bad = flip_bits(data, self.rng, 1)
            path = self.path("program-flip", i, "-" + name + ".ohmx")
            open(path, "wb").write(bad)
            ins = [a for spec in inputs for a in ("--input", spec)]
            cases.append(Case("program-flip", path, [
                ([self.bin("ohm-sim"), path, "--output-dir", path + ".out",
                  "-q"] + ins, "error")]))
        return cases

    def program_field(self, count):
        cases = []
        texts = self.base["program_texts"]
        i = 0
        while len(cases) < count:
            name, text, inputs = self.rng.choice(texts)
            lines = text.split("\n")
            numeric = [k for k, line in enumerate(lines)
                       if re.match(r"^\s*\w+: -?\d+$", line)]
            for _ in range(self.rng.randint(1, 3)):
                k = self.rng.choice(numeric)
                key = lines[k].split(":")[0]
                lines[k] = "%s: %d" % (key, self.rng.choice(BOUNDARY_INTS))
            encoded = subprocess.run(
                ["protoc", "--encode=ohm.program.Program", "-I", PROTO_DIR,
                 "program.proto"], input="\n".join(lines).encode(),
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            if encoded.returncode != 0:
                continue  # a value the field's type cannot hold
            path = self.path("program-field", i, "-" + name + ".ohmx")
            i += 1
            open(path, "wb").write(seal(encoded.stdout))
            ins = [a for spec in inputs for a in ("--input", spec)]
            cases.append(Case("program-field", path, [
                ([self.bin("ohm-sim"), path, "--output-dir", path + ".out",
                  "-q", "-j2"] + ins, "any")]))
        return cases

    def onnx_flip(self, count):
        cases = []
        for i in range(count):
            name, model, inputs = self.rng.choice(self.base["models"])
            data = open(model, "rb").read()
            path = self.path("onnx-flip", i, "-" + name + ".onnx")
            open(path, "wb").write(
                flip_bits(data, self.rng, self.rng.randint(1, 4)))
            cases.append(Case("onnx-flip", path, self.compile_and_compare(
                path, inputs, path)))
        return cases

    def onnx_hostile(self, count):
        cases = []
        makers = [self.constant_of_shape, self.conv, self.reshape,
                  self.quantize, self.pad, self.pool, self.literal]
        for i in range(count):
            text, input_shape = self.rng.choice(makers)()
            path = self.path("onnx-hostile", i, ".onnxtxt")
            open(path, "w").write(text)
            x = path + ".x.npy"
            np.save(x, np.ones(input_shape, np.float32))
            cases.append(Case("onnx-hostile", path, self.compile_and_compare(
                path, ["x=" + x], path)))
        return cases

    def npy(self, count):
        cases = []
        good = np.load(self.base["fmnist_input"])
        for i in range(count):
            path = self.path("npy", i, ".npy")
            open(path, "wb").write(self.hostile_npy(good))
            model = self.base["fmnist_model"]
            prog, out, ref = path + ".ohmx", path + ".out", path + ".ref"
            shutil.copy(self.base["fmnist_program"], prog)
            cases.append(Case("npy", path, [
                ([self.bin("ohm-sim"), prog, "--input", path, "--output-dir",
                  out, "-q"], "any"),
                ([self.bin("ohm-sim"), "--reference", model, "--input", path,
                  "--output-dir", ref], ("compare", out, ref))]))
        return cases

    def target(self, count):
        cases = []
        text = open(os.path.join(ROOT, "lib", "Target", "presets",
                                 "isaac.yaml")).read()
        for i in range(count):
            path = self.path("target", i, ".yaml")
            open(path, "w").write(self.hostile_yaml(text))
            prog = path + ".ohmx"
            cases.append(Case("target", path, [
                ([self.bin("ohmc"), self.base["fmnist_model"],
                  "--target=" + path, "-o", prog], "any"),
                ([self.bin("ohm-sim"), prog, "--input",
                  self.base["fmnist_input"], "--output-dir", path + ".out",
                  "-q"], "any-if-compiled")]))
        return cases

    def ir(self, count):
        cases = []
        chunks = self.base["ir_chunks"]
        for i in range(count):
            chunk = self.rng.choice(chunks)
            tokens = re.split(r"(\d+)", chunk)
            numbers = [k for k in range(1, len(tokens), 2)]
            for _ in range(self.rng.randint(1, 3)):
                if numbers:
                    k = self.rng.choice(numbers)
                    tokens[k] = str(abs(self.rng.choice(BOUNDARY_INTS)))
            path = self.path("ir", i, ".ohm")
            open(path, "w").write("".join(tokens))
            cases.append(Case("ir", path, [
                ([self.bin("ohm-opt"), path,
                  "--pass-pipeline=constant-fold,fold-qdq,dce"], "any")]))
        return cases

    # --- Hostile pieces -----------------------------------------------------

    def dim(self):
        return self.rng.choice([0, 1, 3, 2**20, 2**31, 2**40, 2**62,
                                2**63 - 1, -1, -2**63])

    def model(self, body, out_type, opset=13, extra_inputs=""):
        return ("<\n  ir_version: 8,\n  opset_import: [\"\" : %d]\n>\n"
                "agraph (float[1,1,8,8] x%s) => (%s)\n{\n%s\n}\n" % (
                    opset, extra_inputs, out_type, body))

    def constant_of_shape(self):
        dims = [self.dim() for _ in range(self.rng.randint(1, 3))]
        body = ("  s = Constant <value = int64[%d] {%s}> ()\n"
                "  c = ConstantOfShape <value = float[1] {1}> (s)\n"
                "  y = Add (x, c)" % (len(dims), ", ".join(map(str, dims))))
        return self.model(body, "float y"), (1, 1, 8, 8)

    def qdq_conv(self, conv_attrs, kernel):
        k = ", ".join(["1"] * (kernel * kernel))
        body = (
            "  xq = QuantizeLinear (x, xs, xz)\n"
            "  xd = DequantizeLinear (xq, xs, xz)\n"
            "  wd = DequantizeLinear (w, ws, wz)\n"
            "  c = Conv <%s> (xd, wd)\n"
            "  yq = QuantizeLinear (c, ys, yz)\n"
            "  y = DequantizeLinear (yq, ys, yz)" % conv_attrs)
        inits = (
            "  xs = Constant <value = float {0.05}> ()\n"
            "  xz = Constant <value = uint8 {128}> ()\n"
            "  w = Constant <value = int8[1,1,%d,%d] {%s}> ()\n"
            "  ws = Constant <value = float {0.01}> ()\n"
            "  wz = Constant <value = int8 {0}> ()\n"
            "  ys = Constant <value = float {0.1}> ()\n"
            "  yz = Constant <value = uint8 {128}> ()\n" % (kernel, kernel, k))
        return self.model(inits + body, "float y")

    def conv(self):
        pads = [self.rng.choice([0, 1, 2**31, 2**62, 2**63 - 1, -1, -2**63])
                for _ in range(4)]
        strides = [self.rng.choice([1, 2, 0, -1, 2**62]) for _ in range(2)]
        dil = [self.rng.choice([1, 2, 0, 2**40, 2**62]) for _ in range(2)]
        attrs = "pads = [%s], strides = [%s], dilations = [%s]" % (
            ", ".join(map(str, pads)), ", ".join(map(str, strides)),
            ", ".join(map(str, dil)))
        return self.qdq_conv(attrs, self.rng.choice([1, 3])), (1, 1, 8, 8)

    def reshape(self):
        dims = [self.rng.choice([0, -1, 2, 8, 16, 2**32, 2**40, 2**62, -2])
                for _ in range(self.rng.randint(1, 4))]
        body = ("  s = Constant <value = int64[%d] {%s}> ()\n"
                "  y = Reshape (x, s)" % (len(dims), ", ".join(map(str, dims))))
        return self.model(body, "float y"), (1, 1, 8, 8)

    def quantize(self):
        scale = self.rng.choice(BOUNDARY_FLOATS + ["0.05"])
        zp = self.rng.choice([0, 128, 255, 256, -1, 2**31])
        body = ("  s = Constant <value = float {%s}> ()\n"
                "  z = Constant <value = uint8 {%d}> ()\n"
                "  q = QuantizeLinear (x, s, z)\n"
                "  y = DequantizeLinear (q, s, z)" % (scale, zp))
        return self.model(body, "float y"), (1, 1, 8, 8)

    def pad(self):
        pads = [self.rng.choice([0, 1, 2**20, 2**40, 2**62, -1, -9])
                for _ in range(8)]
        body = ("  p = Constant <value = int64[8] {%s}> ()\n"
                "  y = Pad (x, p)" % ", ".join(map(str, pads)))
        return self.model(body, "float y"), (1, 1, 8, 8)

    def pool(self):
        kernel = [self.rng.choice([1, 2, 9, 2**31, 2**62]) for _ in range(2)]
        strides = [self.rng.choice([1, 2, 2**40]) for _ in range(2)]
        op = self.rng.choice(["MaxPool", "AveragePool"])
        body = "  y = %s <kernel_shape = [%s], strides = [%s]> (x)" % (
            op, ", ".join(map(str, kernel)), ", ".join(map(str, strides)))
        return self.model(body, "float y"), (1, 1, 8, 8)

    def literal(self):
        value = self.rng.choice(["99999999999999999999", "-99999999999999999999",
                                 "1e99999", "0x10", "1.2.3", "--1", "1e",
                                 "340282366920938463463374607431768211456"])
        body = ("  s = Constant <value = int64[1] {%s}> ()\n"
                "  y = Reshape (x, s)" % value)
        return self.model(body, "float y"), (1, 1, 8, 8)

    def hostile_npy(self, good):
        choice = self.rng.randrange(6)
        header = {"descr": "<f4", "fortran_order": False,
                  "shape": tuple(good.shape)}
        payload = good.astype("<f4").tobytes()
        if choice == 0:
            header["shape"] = tuple(self.dim() if self.rng.random() < 0.5
                                    else d for d in good.shape)
        elif choice == 1:
            header["descr"] = self.rng.choice(["<f8", "<i8", "|u1", "<c8",
                                               "|O", "<U3", ">f4", "<f2"])
        elif choice == 2:
            header["fortran_order"] = True
        elif choice == 3:
            payload = payload[:self.rng.randrange(len(payload))]
        text = "{'descr': %r, 'fortran_order': %r, 'shape': %r, }" % (
            header["descr"], header["fortran_order"], header["shape"])
        text += " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
        data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + \
            text.encode("latin1") + payload
        if choice == 4:
            data = flip_bits(data, self.rng, self.rng.randint(1, 6))
        elif choice == 5:
            cut = self.rng.randrange(8, 10 + len(text))
            data = data[:cut]
        return data

    def hostile_yaml(self, text):
        lines = text.split("\n")
        choice = self.rng.randrange(5)
        numeric = [k for k, line in enumerate(lines)
                   if re.search(r":\s*-?[\d.]+(e-?\d+)?\s*(#.*)?$", line)]
        if choice == 0 and numeric:
            k = self.rng.choice(numeric)
            key = lines[k].split(":")[0]
            value = self.rng.choice([str(v) for v in BOUNDARY_INTS]
                                    + BOUNDARY_FLOATS + ["x", "[]", "{}"])
            lines[k] = "%s: %s" % (key, value)
        elif choice == 1:
            del lines[self.rng.randrange(len(lines))]
        elif choice == 2:
            k = self.rng.randrange(len(lines))
            lines.insert(k, lines[k])
        elif choice == 3:
            depth = self.rng.choice([50, 500, 5000, 50000])
            lines.append("extra: " + "[" * depth + "]" * depth)
        else:
            return flip_bits(text.encode(), self.rng,
                             self.rng.randint(1, 4)).decode("latin1")
        return "\n".join(lines)


# --- Base files -------------------------------------------------------------

def prepare_base(args, work):
    """Compiles the bundled models and decodes their programs once."""
    base_dir = os.path.join(work, "base")
    os.makedirs(base_dir, exist_ok=True)
    ohmc = os.path.join(args.bin_dir, "ohmc")
    fmnist = os.path.join(MODELS, "fmnist_cnn_qdq.onnx")
    resnet = os.path.join(MODELS, "tiny_resnet_qdq.onnx")
    fmnist_in = os.path.join(MODELS, "fmnist_cnn_input_0.npy")
    resnet_in = os.path.join(MODELS, "tiny_resnet_input_0.npy")
    programs = []
    for name, model, extra, inputs in [
            ("fmnist", fmnist, ["--adc=lossless"], [fmnist_in]),
            ("fmnist-adc4", fmnist, ["--adc=4"], [fmnist_in]),
            ("resnet", resnet, ["--adc=lossless"], [resnet_in]),
            ("resnet-puma", resnet, ["--target=puma", "--adc=5"],
             [resnet_in])]:
        prog = os.path.join(base_dir, name + ".ohmx")
        subprocess.run([ohmc, model, "-o", prog] + extra, check=True)
        programs.append((name, prog, inputs))
    texts = []
    for name, prog, inputs in programs:
        data = open(prog, "rb").read()[:-5]  # without the checksum
        text = subprocess.run(
            ["protoc", "--decode=ohm.program.Program", "-I", PROTO_DIR,
             "program.proto"], input=data, stdout=subprocess.PIPE,
            check=True).stdout.decode()
        texts.append((name, text, inputs))
    ir_chunks = []
    for name in ("ops.ohm", "constant-fold.ohm", "fold-qdq.ohm"):
        text = open(os.path.join(ROOT, "test", "NN", name)).read()
        ir_chunks += [c for c in text.split("// -----") if "func" in c]
    return {
        "programs": programs, "program_texts": texts,
        "models": [("fmnist", fmnist, ["input=" + fmnist_in]),
                   ("resnet", resnet, [resnet_in])],
        "fmnist_model": fmnist, "fmnist_input": fmnist_in,
        "fmnist_program": programs[0][1], "ir_chunks": ir_chunks,
    }


# --- Checking ---------------------------------------------------------------

def outputs_equal(out, ref):
    """Whether two output folders hold the same .npy files, bit for bit.
    Returns an explanation when they differ."""
    names = sorted(f for f in os.listdir(ref) if f.endswith(".npy"))
    if names != sorted(f for f in os.listdir(out) if f.endswith(".npy")):
        return "the program wrote %s, the reference %s" % (
            sorted(os.listdir(out)), names)
    for name in names:
        a, b = np.load(os.path.join(out, name)), np.load(os.path.join(ref, name))
        if a.dtype != b.dtype or a.shape != b.shape or \
                a.tobytes() != b.tobytes():
            return "%s differs from the reference interpreter's" % name
    return None


def output_dir(cmd):
    return cmd[cmd.index("--output-dir") + 1] if "--output-dir" in cmd else None


def check_case(case, args):
    """Runs a case's steps; returns (runs, problem or None). A program step
    ("any-if-compiled") runs only if the compile step succeeded; a compare
    step compares when both it and the run that wrote the other folder
    succeeded."""
    runs = []
    compiled = True
    succeeded = set()
    for cmd, expect in case.steps:
        if expect == "any-if-compiled" and not compiled:
            continue
        r = run(cmd, args.timeout)
        runs.append(r)
        where = "%s: %s" % (case.name, " ".join(cmd))
        if r.code == "timeout":
            return runs, "%s: no answer within %g s" % (where, args.timeout)
        if r.code not in (0, 1):
            return runs, "%s: exit code %s\n%s" % (where, r.code,
                                                   r.stderr[-2000:])
        if r.code == 1 and not r.stderr.strip():
            return runs, "%s: exit 1 without a message" % where
        if args.max_rss_mb and r.rss_mb > args.max_rss_mb:
            return runs, "%s: peak RSS %.0f MiB" % (where, r.rss_mb)
        if expect == "error" and r.code != 1:
            return runs, "%s: accepted (exit 0); it must be refused" % where
        if r.code == 0 and output_dir(cmd):
            succeeded.add(output_dir(cmd))
        if os.path.basename(cmd[0]) == "ohmc" and r.code != 0:
            compiled = False
        if isinstance(expect, tuple) and expect[1] in succeeded and \
                expect[2] in succeeded:
            problem = outputs_equal(expect[1], expect[2])
            if problem:
                return runs, "%s: %s" % (where, problem)
    return runs, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--work-dir")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies every kind's count (1: 460 cases)")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--max-rss-mb", type=float, default=1024)
    parser.add_argument("-j", type=int, default=2)
    args = parser.parse_args()
    work = args.work_dir or tempfile.mkdtemp(prefix="ohm-hostile-")
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    rng = random.Random(args.seed)
    gen = Generator(args, rng, work, prepare_base(args, work))
    counts = [("program-flip", gen.program_flip, 100),
              ("program-field", gen.program_field, 60),
              ("onnx-flip", gen.onnx_flip, 80),
              ("onnx-hostile", gen.onnx_hostile, 80),
              ("npy", gen.npy, 50),
              ("target", gen.target, 50),
              ("ir", gen.ir, 40)]
    cases = []
    for kind, make, count in counts:
        cases += make(max(1, int(count * args.scale)))

    stats = {kind: {"cases": 0, "runs": 0, "exit0": 0, "exit1": 0,
                    "rss": 0.0, "seconds": 0.0} for kind, _, _ in counts}
    problems = []
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        for case, (runs, problem) in zip(
                cases, pool.map(lambda c: check_case(c, args), cases)):
            s = stats[case.kind]
            s["cases"] += 1
            for r in runs:
                s["runs"] += 1
                s["exit0" if r.code == 0 else "exit1"] += 1
                s["rss"] = max(s["rss"], r.rss_mb)
                s["seconds"] = max(s["seconds"], r.seconds)
            if problem:
                problems.append(problem)

    print("%-14s %6s %6s %7s %7s %13s %12s" % (
        "kind", "cases", "runs", "exit 0", "exit 1", "peak RSS MiB",
        "slowest s"))
    for kind, _, _ in counts:
        s = stats[kind]
        print("%-14s %6d %6d %7d %7d %13.0f %12.2f" % (
            kind, s["cases"], s["runs"], s["exit0"], s["exit1"], s["rss"],
            s["seconds"]))
    print("%d cases, %d runs (seed %d); cases in %s" % (
        len(cases), sum(s["runs"] for s in stats.values()), args.seed, work))
    for problem in problems:
        print("FAIL " + problem)
    if problems:
        print("%d of %d cases failed" % (len(problems), len(cases)))
        return 1
    if not args.work_dir:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
