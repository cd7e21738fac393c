#!/usr/bin/env python3
"""Differential test: compiled programs on the simulator against the golden
model, bit for bit.

For every model and every (target, encoding[, sensing]) combination:

    ohmc MODEL --adc=lossless --target=T --encoding=E [--sensing=S] [--freeze ...] -o PROG.ohmx
    ohm-sim PROG.ohmx --input ... --output-dir SIM
    ohm-sim --reference MODEL --input ... --output-dir REF      (once per model and input set)

and every SIM/<output>.npy must be byte-identical to REF/<output>.npy (both
come from the same .npy writer, so `cmp` is the right comparison; when they
differ the report gives the max abs difference and the first differing
element). With lossless ADCs and an ideal device the crossbar result is the
exact integer accumulate (DESIGN.md section 5), so any difference is a bug.

Models come from three places (any mix):

  MODEL.onnx[,SET...]   a model and its input sets; a SET is FILE.npy (the
                        model's only input, positional) or
                        NAME=FILE[+NAME=FILE...]. Without sets, inputs are
                        the STEM.NAME.npy files beside the model, or else
                        seeded random values of the declared input types.
  --models-dir DIR      every DIR/*.onnx (inputs as above); the random
                        models of gen_random_models.py.
  --node-tests DIR      ONNX node conformance tests (Debian's
                        libonnx-testdata) whose model has a quantized conv or
                        matmul (--node-ops). Every graph input but the first
                        is frozen from test_data_set_0/input_K.pb; see
                        docs/Testing.md, "Differential tests". Each test runs
                        in two forms: `freeze` (ohmc --freeze NAME=input_K.pb)
                        and `baked` (the frozen inputs written into a copy of
                        the model as initializers). Both are compared with
                        `ohm-sim --reference` given every input, and with the
                        test's expected outputs (integers exactly). A test
                        that does not compile is SKIPped with ohmc's message.

With --adc=N --golden=xb the program runs with fixed N-bit ADCs and is
compared with the xb-level evaluator (`ohmc --emit=xb` with the same
options, then `ohm-sim --reference F.ohm`), which models the ADC exactly.

--rotate K gives each model K combinations instead of all of them, rotating
through the list so that every combination gets used.

--sim-args ARGS adds ARGS (split as a shell would) to every ohm-sim run of
a compiled program, not to the golden model's runs. Device mode with every
device parameter at 0 must stay bit-exact, for example:

    --sim-args="--mode=device --device-param read_noise_sigma=0 ..."

(write it with `=`: a separate value that starts with `--` would be taken
for an option).

--expected FILE lists known outcomes, one per line (`#` comments); the
first entry whose glob matches a case id applies:

    XFAIL <case-glob> <reason>   the case is known to fail or not to compile
                                 (a bug); if it passes, that is an error (XPASS)
    SKIP  <case-glob> <reason>   the case is known not to compile (an
                                 unsupported pattern); a pass is an XPASS

Case ids are KIND/MODEL/TARGET/ENCODING[+analog] (KIND: model,
node-freeze, node-baked, generated). With --strict-skips a SKIP that is not
listed is an error.

Prints a line for every case that does not simply pass (FAIL with every
mismatch and the case's commands.sh, XFAIL, XPASS, SKIP with the reason;
-v adds PASS lines), a REFERENCE-REJECTED line for every model the
reference cannot run, and a summary line (models, cases run, passed,
failed, ...); exits 1 on any FAIL, XPASS or (with --strict-skips) unlisted
SKIP. Scratch files go to --work-dir; a passing case's files are removed
unless --keep.
"""
import argparse
import concurrent.futures
import fnmatch
import os
import shlex
import shutil
import subprocess
import sys
import time
import zlib

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin"))
DEFAULT_NODE_OPS = "QLinearConv,QLinearMatMul,ConvInteger,MatMulInteger,QGemm"


def sanitize(name):
    """Output file name as ohm-sim writes it."""
    for ch in "/:\\":
        name = name.replace(ch, "_")
    return name


def graph_inputs(model):
    """Graph inputs that are not initializers, in order."""
    inits = {init.name for init in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in inits]


def read_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return tensor


def load_any(path):
    if path.endswith(".pb"):
        return numpy_helper.to_array(read_pb(path))
    return np.load(path)


def run(cmd, timeout):
    """Runs a command; returns (ok, message)."""
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout} s: {' '.join(cmd)}"
    except OSError as e:
        return False, f"cannot run {cmd[0]}: {e}"
    out = proc.stdout.decode("utf-8", "replace").strip()
    if proc.returncode == 0:
        return True, out
    if proc.returncode < 0:
        return False, f"CRASH (signal {-proc.returncode}): {' '.join(cmd)}\n{out}"
    return False, f"exit {proc.returncode}: {' '.join(cmd)}\n{out}"


def describe_difference(a_path, b_path):
    """Why two .npy files differ: dtype/shape or max abs difference."""
    try:
        a, b = np.load(a_path), np.load(b_path)
    except Exception as e:  # noqa: BLE001 - report anything
        return f"cannot load: {e}"
    if a.dtype != b.dtype or a.shape != b.shape:
        return f"{a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}"
    return describe_values(a, b)


def describe_values(got, want):
    da, db = got.astype(np.float64), want.astype(np.float64)
    bad = ~((da == db) | (np.isnan(da) & np.isnan(db)))
    if not bad.any():
        return "same values, different bytes"
    diff = np.abs(da - db)
    diff[~bad] = 0
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"max abs difference {np.nanmax(diff):g}, {int(bad.sum())} of {got.size} "
            f"elements differ; first at {list(first)}: got {got[first]}, expected {want[first]}")


def compare_expected(got_path, want):
    """Simulator output against a conformance test's expected tensor."""
    got = np.load(got_path)
    if got.dtype != want.dtype or got.shape != want.shape:
        return f"{got.dtype}{list(got.shape)}, expected {want.dtype}{list(want.shape)}"
    if np.issubdtype(want.dtype, np.floating):
        a, b = got.astype(np.float64), want.astype(np.float64)
        ok = (a == b) | (np.isnan(a) & np.isnan(b)) | \
             (np.abs(a - b) <= 1e-5 * np.maximum(np.abs(b), 0.1))
        return None if ok.all() else describe_values(got, want)
    return None if np.array_equal(got, want) else describe_values(got, want)


class Expected:
    """Known outcomes: the first entry whose glob matches a case applies."""

    def __init__(self, path):
        self.entries = []  # [kind, glob, reason, used]
        if not path:
            return
        with open(path) as f:
            for lineno, line in enumerate(f, 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                parts = line.split(None, 2)
                if len(parts) < 3 or parts[0] not in ("XFAIL", "SKIP"):
                    sys.exit(f"{path}:{lineno}: expected 'XFAIL|SKIP <case-glob> <reason>'")
                self.entries.append([parts[0], parts[1], parts[2], False])

    def find(self, case_id):
        for entry in self.entries:
            if fnmatch.fnmatchcase(case_id, entry[1]):
                entry[3] = True
                return entry[0], entry[2]
        return None, None


class Model:
    """A model, how to feed it, and what to freeze."""

    def __init__(self, kind, key, path, input_sets, freeze=(), expected=None,
                 reference_path=None, reference_extra=None):
        self.kind = kind
        self.key = key
        self.path = path                 # what ohmc compiles
        self.reference_path = reference_path or path  # what the reference runs
        self.input_sets = input_sets     # [[(name or None, file)]] for the program
        self.freeze = list(freeze)       # [(name, file)] for ohmc --freeze
        # More inputs for the reference (what the program has frozen).
        self.reference_extra = list(freeze if reference_extra is None else reference_extra)
        self.expected = expected         # [(output name, array)] or None
        self.reference_sets = None       # set index -> (ok, dir or message)
        self.reference_cmds = []         # set index -> command line


def parse_model_spec(spec):
    parts = spec.split(",")
    sets = []
    for part in parts[1:]:
        inputs = []
        for item in part.split("+"):
            if "=" in item:
                name, file = item.split("=", 1)
                inputs.append((name, os.path.abspath(file)))
            else:
                inputs.append((None, os.path.abspath(item)))
        sets.append(inputs)
    return os.path.abspath(parts[0]), sets


def random_inputs(model_path, out_dir):
    """Seeded random values for every declared input (dynamic dims: 1)."""
    model = onnx.load(model_path)
    rng = np.random.default_rng(zlib.crc32(os.path.basename(model_path).encode()))
    os.makedirs(out_dir, exist_ok=True)
    inputs = []
    for vi in graph_inputs(model):
        ttype = vi.type.tensor_type
        dtype = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[ttype.elem_type]
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in ttype.shape.dim]
        if np.issubdtype(dtype, np.floating):
            value = rng.standard_normal(shape).astype(dtype)
        else:
            info = np.iinfo(dtype)
            value = rng.integers(max(info.min, -128), min(info.max, 255), size=shape,
                                 endpoint=True).astype(dtype)
        file = os.path.join(out_dir, sanitize(vi.name) + ".npy")
        np.save(file, value)
        inputs.append((vi.name, file))
    return [inputs]


def inputs_beside(model_path):
    """STEM.NAME.npy files next to STEM.onnx, for the model's inputs."""
    stem = os.path.splitext(model_path)[0]
    model = onnx.load(model_path)
    inputs = []
    for vi in graph_inputs(model):
        file = f"{stem}.{sanitize(vi.name)}.npy"
        if not os.path.exists(file):
            return None
        inputs.append((vi.name, file))
    return [inputs] if inputs else None


def node_test_models(node_dir, ops, work, log):
    """ONNX node tests whose model has one of `ops`, in freeze and baked form."""
    models = []
    for test in sorted(os.listdir(node_dir)):
        model_path = os.path.join(node_dir, test, "model.onnx")
        data = os.path.join(node_dir, test, "test_data_set_0")
        if not os.path.isfile(model_path):
            continue
        try:
            model = onnx.load(model_path)
        except Exception:  # noqa: BLE001 - not a model we can read: not ours
            continue
        if not any(node.op_type in ops for node in model.graph.node):
            continue
        names = [vi.name for vi in graph_inputs(model)]
        files = [os.path.join(data, f"input_{k}.pb") for k in range(len(names))]
        missing = [f for f in files if not os.path.exists(f)]
        if missing:
            log(f"SKIP node/{test}: test data missing: {missing}")
            continue
        expected = []
        for k, out in enumerate(model.graph.output):
            expected.append((out.name, numpy_helper.to_array(
                read_pb(os.path.join(data, f"output_{k}.pb")))))
        freeze = list(zip(names[1:], files[1:]))
        first = [(names[0], files[0])]
        models.append(Model("node-freeze", test, model_path, [first], freeze=freeze,
                            expected=expected))
        # The same freezing, done in the model: the frozen inputs become
        # initializers (named as the graph inputs they replace).
        baked = onnx.load(model_path)
        for name, file in freeze:
            tensor = read_pb(file)
            tensor.name = name
            baked.graph.initializer.append(tensor)
        keep = [vi for vi in baked.graph.input if vi.name == names[0]]
        del baked.graph.input[:]
        baked.graph.input.extend(keep)
        baked_path = os.path.join(work, "baked", test + ".onnx")
        os.makedirs(os.path.dirname(baked_path), exist_ok=True)
        onnx.save(baked, baked_path)
        models.append(Model("node-baked", test, baked_path, [first], expected=expected,
                            reference_path=model_path, reference_extra=freeze))
    return models


def reference_inputs(model, inputs):
    """The reference gets the program's inputs and the frozen ones."""
    return list(inputs) + list(model.reference_extra)


def input_args(inputs):
    args = []
    for name, file in inputs:
        args += ["--input", f"{name}={file}" if name else file]
    return args


def run_reference(model, index, args):
    out = os.path.join(args.work_dir, "ref", model.kind, model.key, str(index))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cmd = [os.path.join(args.bin_dir, "ohm-sim"), "--reference", model.reference_path,
           "--output-dir", out] + input_args(reference_inputs(model, model.input_sets[index]))
    ok, message = run(cmd, args.timeout)
    return ok, out if ok else message, cmd


def combo_name(combo):
    target, encoding, sensing = combo
    return f"{target}/{encoding}" + (f"+{sensing}" if sensing else "")


def run_case(model, combo, args):
    """Returns (outcome PASS|FAIL|SKIP, message, runs)."""
    target, encoding, sensing = combo
    case_dir = os.path.join(args.work_dir, "cases", model.kind, model.key,
                            combo_name(combo).replace("/", "-"))
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(case_dir)
    commands = []
    prog = os.path.join(case_dir, "prog.ohmx")
    compile_cmd = [os.path.join(args.bin_dir, "ohmc"), model.path, f"--adc={args.adc}",
                   f"--target={target}", f"--encoding={encoding}"]
    if sensing:
        compile_cmd.append(f"--sensing={sensing}")
    for name, file in model.freeze:
        compile_cmd += ["--freeze", f"{name}={file}"]
    commands.append(compile_cmd + ["-o", prog])
    ok, message = run(commands[-1], args.timeout)
    if ok and args.golden == "xb":
        xb = os.path.join(case_dir, "prog.ohm")
        commands.append(compile_cmd + ["--emit=xb", "-o", xb])
        ok, message = run(commands[-1], args.timeout)
    if not ok:
        write_commands(case_dir, commands)
        crashed = "CRASH" in message or "timed out" in message
        if model.expected is not None and not crashed:
            return "SKIP", "does not compile: " + strip_command(message), 0
        return "FAIL", "compile: " + message, 0
    problems = []
    runs = 0
    for index, inputs in enumerate(model.input_sets):
        tag = f"input set {index}"
        if args.golden == "xb":
            # The xb-level evaluator on the same crossbar IR: models the ADC
            # exactly, so it is the golden model for narrow ADCs.
            ref = os.path.join(case_dir, f"xb{index}")
            os.makedirs(ref)
            commands.append([os.path.join(args.bin_dir, "ohm-sim"), "--reference", xb,
                             "--output-dir", ref] + input_args(inputs))
            ref_ok, message = run(commands[-1], args.timeout)
            if not ref_ok:
                problems.append(f"{tag}: the xb evaluator failed: {message}")
                continue
        else:
            commands.append(model.reference_cmds[index])
            ref_ok, ref = model.reference_sets[index]
            if not ref_ok:
                problems.append(f"{tag}: the reference failed: {ref}")
                continue
        sim = os.path.join(case_dir, f"sim{index}")
        os.makedirs(sim)
        commands.append([os.path.join(args.bin_dir, "ohm-sim"), prog, "-q", "-j", str(args.sim_threads),
                         "--output-dir", sim] + args.sim_args + input_args(inputs))
        ok, message = run(commands[-1], args.timeout)
        runs += 1
        if not ok:
            problems.append(f"{tag}: simulator: {message}")
            continue
        sim_files, ref_files = sorted(os.listdir(sim)), sorted(os.listdir(ref))
        if sim_files != ref_files:
            problems.append(f"{tag}: outputs {sim_files}, the golden model wrote {ref_files}")
        for file in sorted(set(sim_files) & set(ref_files)):
            a, b = os.path.join(sim, file), os.path.join(ref, file)
            with open(a, "rb") as fa, open(b, "rb") as fb:
                if fa.read() != fb.read():
                    problems.append(f"{tag}: {file} differs from {b}: "
                                    + describe_difference(a, b))
        for name, want in model.expected or []:
            file = os.path.join(sim, sanitize(name) + ".npy")
            if not os.path.exists(file):
                problems.append(f"{tag}: no output '{name}'")
                continue
            why = compare_expected(file, want)
            if why:
                problems.append(f"{tag}: {name} differs from the test's expected output: {why}")
    if problems:
        write_commands(case_dir, commands)
        return "FAIL", "\n".join(problems) + f"\n(commands: {case_dir}/commands.sh)", runs
    if not args.keep:
        shutil.rmtree(case_dir, ignore_errors=True)
    return "PASS", "", runs


def write_commands(case_dir, commands):
    """The case's command lines, to rerun it by hand."""
    with open(os.path.join(case_dir, "commands.sh"), "w") as f:
        for cmd in commands:
            f.write(" ".join(cmd) + "\n")


def strip_command(message):
    """A failed command's output without the 'exit N: COMMAND' line."""
    return message.split("\n", 1)[1] if "\n" in message else message


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", metavar="MODEL[,SET...]")
    parser.add_argument("--models-dir", action="append", default=[])
    parser.add_argument("--node-tests", metavar="DIR")
    parser.add_argument("--node-ops", default=DEFAULT_NODE_OPS)
    parser.add_argument("--bin-dir", default=DEFAULT_BIN)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--targets", default="default,isaac,puma,wei2020-nvcim")
    parser.add_argument("--encodings", default="differential,offset")
    parser.add_argument("--analog-targets", default=None,
                        help="targets that also run differential with --sensing=analog "
                             "(default: every target; 'none' for none)")
    parser.add_argument("--rotate", type=int, default=0, metavar="K",
                        help="each model runs K of the combinations, rotating")
    parser.add_argument("--expected", metavar="FILE")
    parser.add_argument("--strict-skips", action="store_true")
    parser.add_argument("--min-cases", type=int, default=1)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--sim-threads", type=int, default=1, metavar="N",
                        help="ohm-sim -j N (default 1)")
    parser.add_argument("--sim-args", default="", metavar="ARGS",
                        help="more ohm-sim arguments for every run of a compiled program "
                             "(split as a shell would; e.g. --sim-args=\"--mode=device "
                             "--device-param read_noise_sigma=0\")")
    parser.add_argument("--adc", default="lossless",
                        help="ohmc --adc (a width N needs --golden=xb)")
    parser.add_argument("--golden", choices=["reference", "xb"], default="reference",
                        help="compare with ohm-sim --reference on the model (default) or on "
                             "the case's own crossbar IR (ohmc --emit=xb), which models "
                             "narrow ADCs exactly")
    parser.add_argument("--keep", action="store_true", help="keep passing cases' files")
    parser.add_argument("-v", "--verbose", action="store_true", help="print PASS lines too")
    args = parser.parse_args()
    start = time.time()
    try:
        args.sim_args = shlex.split(args.sim_args)
    except ValueError as e:
        parser.error(f"--sim-args: {e}")
    if args.adc != "lossless" and args.golden != "xb":
        parser.error("only lossless ADCs are exact against the nn reference: "
                     "use --golden=xb with --adc=N")

    if args.work_dir is None:
        args.work_dir = os.path.join(os.getcwd(), "differential.work")
    os.makedirs(args.work_dir, exist_ok=True)
    expected = Expected(args.expected)

    def log(line):
        print(line, flush=True)

    targets = [t for t in args.targets.split(",") if t]
    encodings = [e for e in args.encodings.split(",") if e]
    analog = targets if args.analog_targets is None else \
        [t for t in args.analog_targets.split(",") if t and t != "none"]
    combos = [(t, e, None) for t in targets for e in encodings]
    combos += [(t, "differential", "analog") for t in analog]

    models = []
    keys = set()

    def add_plain(kind, path, sets):
        key = os.path.splitext(os.path.basename(path))[0]
        while key in keys:
            key += "_"
        keys.add(key)
        if not sets:
            sets = inputs_beside(path) or random_inputs(
                path, os.path.join(args.work_dir, "inputs", key))
        models.append(Model(kind, key, path, sets))

    for spec in args.models:
        path, sets = parse_model_spec(spec)
        add_plain("model", path, sets)
    for directory in args.models_dir:
        for file in sorted(os.listdir(directory)):
            if file.endswith(".onnx"):
                add_plain("generated", os.path.abspath(os.path.join(directory, file)), None)
    if args.node_tests:
        ops = set(args.node_ops.split(","))
        if not os.path.isdir(args.node_tests):
            sys.exit(f"differential.py: no ONNX node tests in '{args.node_tests}' "
                     "(install Debian's libonnx-testdata)")
        node_models = node_test_models(args.node_tests, ops, args.work_dir, log)
        if not node_models:
            sys.exit(f"differential.py: no node test in '{args.node_tests}' has {sorted(ops)}")
        models += node_models
    if not models:
        sys.exit("differential.py: no models")

    # References first (once per model and input set; the node tests' two
    # forms share the original model's).
    jobs = []
    for model in models:
        model.reference_sets = [None] * len(model.input_sets)
        for index in range(len(model.input_sets)):
            jobs.append((model, index))
    shared = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {}
        for model, index in jobs:
            key = (model.reference_path, repr(reference_inputs(model, model.input_sets[index])))
            if key not in shared:
                shared[key] = pool.submit(run_reference, model, index, args)
            futures[(id(model), index)] = shared[key]
        model_cmds = {}
        for model, index in jobs:
            ok, result, cmd = futures[(id(model), index)].result()
            model.reference_sets[index] = (ok, result)
            model_cmds.setdefault(id(model), []).append(cmd)
        for model in models:
            model.reference_cmds = model_cmds.get(id(model), [])
    rejected = [m for m in models if not all(ok for ok, _ in m.reference_sets)]
    for model in rejected:
        msgs = [msg for ok, msg in model.reference_sets if not ok]
        log(f"REFERENCE-REJECTED {model.kind}/{model.key}: {msgs[0]}")

    cases = []
    for number, model in enumerate(models):
        if args.rotate:
            chosen = [combos[(number * args.rotate + i) % len(combos)]
                      for i in range(min(args.rotate, len(combos)))]
        else:
            chosen = combos
        for combo in chosen:
            cases.append((model, combo))

    counts = {k: 0 for k in ("PASS", "FAIL", "XFAIL", "XPASS", "SKIP")}
    per_combo = {combo_name(c): 0 for c in combos}
    unexpected_skips = 0
    total_runs = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = pool.map(lambda c: run_case(c[0], c[1], args), cases)
        for (model, combo), (outcome, message, runs) in zip(cases, results):
            case_id = f"{model.kind}/{model.key}/{combo_name(combo)}"
            total_runs += runs
            per_combo[combo_name(combo)] += 1
            kind, reason = expected.find(case_id)
            if kind == "XFAIL" and outcome in ("FAIL", "SKIP"):
                outcome, message = "XFAIL", f"{reason}\n{message}"
            elif kind and outcome == "PASS":
                outcome, message = "XPASS", f"listed as {kind} ({reason}) but passes: remove the entry"
            elif kind == "SKIP" and outcome == "SKIP":
                message = f"{reason}\n{message}"
            elif outcome == "SKIP" and args.strict_skips:
                unexpected_skips += 1
                message = "(not in the expected list) " + message
            counts[outcome] += 1
            if outcome in ("XFAIL", "SKIP") and not args.verbose:
                # The reason and the tool's first error line.
                lines = [line for line in message.split("\n") if line.strip()]
                message = "; ".join(lines[:2])
            if outcome != "PASS" or args.verbose:
                text = message.replace("\n", "\n    ")
                log(f"{outcome} {case_id}" + (f": {text}" if message else ""))

    for kind, glob, reason, used in expected.entries:
        if not used:
            log(f"warning: no case matches the expected entry {kind} {glob}")
    elapsed = time.time() - start
    failed = counts["FAIL"] + counts["XPASS"] + unexpected_skips
    print(f"\ndifferential: {len(models)} models, {len(cases)} cases run, "
          f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['XFAIL']} xfailed, "
          f"{counts['XPASS']} xpassed, {counts['SKIP']} skipped"
          f"{f' ({unexpected_skips} not listed)' if unexpected_skips else ''}; "
          f"{total_runs} simulator runs compared; "
          f"{len(rejected)} models rejected by the reference; "
          f"{len(combos)} combinations; {elapsed:.1f} s")
    print("cases per combination: " + ", ".join(f"{k} {v}" for k, v in per_combo.items()))
    if len(cases) < args.min_cases:
        print(f"fewer than the required {args.min_cases} cases")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
