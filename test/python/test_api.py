"""Tests of the Python API (docs/Python.md), run by ctest as `python-api`.

The bundled Fashion-MNIST CNN is compiled in-process and its outputs are
compared with what the command-line tools compute on the same data
(ohm-sim, ohm-sim --reference): the API must be the tools, not a second
implementation. Needs PYTHONPATH=<build>/python and OHM_BIN=<build>/bin.
"""
import os
import subprocess
import tempfile
import threading
import unittest

import numpy as np

import ohm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "test", "models", "fmnist_cnn_qdq.onnx")
IMAGES = os.path.join(ROOT, "test", "models", "fmnist_cnn_batch8.npy")
BIN = os.environ.get("OHM_BIN", os.path.join(ROOT, "build", "bin"))


def run_tool(*args):
    return subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]),
                          check=True, capture_output=True, text=True)


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="ohm-python-test-")
        cls.images = np.load(IMAGES)
        cls.program = ohm.compile(MODEL, target="isaac")
        cls.input_name = cls.program.inputs[0]["name"]
        cls.output_name = cls.program.outputs[0]["name"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    # Compiling and programs.

    def test_program_ports(self):
        (port,) = self.program.inputs
        self.assertEqual(port["shape"][1:], (1, 28, 28))
        self.assertEqual(port["dtype"], np.dtype(np.float32))
        self.assertEqual(len(self.program.outputs), 1)
        self.assertIn("mvm", self.program.asm())
        mapping = self.program.mapping
        self.assertIsInstance(mapping, dict)
        self.assertTrue(mapping["layers"], "the mapping report lists layers")

    def test_same_program_as_ohmc(self):
        out = self.path("cli.ohmx")
        run_tool("ohmc", MODEL, "--target=isaac", "-o", out)
        with open(out, "rb") as f:
            self.assertEqual(self.program.to_bytes(), f.read())

    def test_save_load_round_trip(self):
        out = self.path("saved.ohmx")
        self.program.save(out)
        loaded = ohm.Program.load(out)
        self.assertIsNone(loaded.mapping)
        self.assertEqual(loaded.to_bytes(), self.program.to_bytes())
        again = ohm.Program.from_bytes(self.program.to_bytes())
        self.assertEqual(again.inputs[0]["name"], self.input_name)

    def test_compile_from_bytes(self):
        with open(MODEL, "rb") as f:
            program = ohm.compile(f.read(), target=ohm.Target.preset("isaac"))
        self.assertEqual(program.asm(), self.program.asm().replace(
            "fmnist_cnn_qdq", "model"))

    # Running.

    def test_ideal_matches_ohm_sim_and_reference(self):
        outputs = ohm.Simulator(self.program).run({self.input_name: self.images})
        program_path = self.path("ideal.ohmx")
        self.program.save(program_path)
        images_path = self.path("images.npy")
        np.save(images_path, self.images)
        run_tool("ohm-sim", program_path, "--input", images_path,
                 "--output-dir", self.path("sim"), "-q")
        expected = np.load(os.path.join(self.path("sim"),
                                        self.output_name + ".npy"))
        np.testing.assert_array_equal(outputs[self.output_name], expected)
        golden = ohm.reference(MODEL, {self.input_name: self.images})
        # Lossless ADCs and ideal cells: bit-exact with the interpreter.
        np.testing.assert_array_equal(outputs[self.output_name],
                                      golden[self.output_name])

    def test_single_array_input_and_threads(self):
        one = ohm.Simulator(self.program).run(self.images)
        two = ohm.Simulator(self.program, threads=2).run(self.images)
        np.testing.assert_array_equal(one[self.output_name],
                                      two[self.output_name])

    def test_every_bundled_model_matches_the_tools(self):
        # Every bundled model, for two targets and a narrow ADC: the
        # program ohmc writes and the arrays ohm-sim writes, byte for byte.
        models = os.path.join(ROOT, "test", "models")
        for stem in ("fmnist_cnn_qdq", "tiny_resnet_qdq"):
            model = os.path.join(models, stem + ".onnx")
            base = stem.replace("_qdq", "")
            inputs = (IMAGES if base == "fmnist_cnn" else
                      os.path.join(models, base + "_input_0.npy"))
            for target, adc in (("isaac", None), ("wei2020-nvcim", "4")):
                with self.subTest(model=stem, target=target, adc=adc):
                    program = ohm.compile(model, target=target, adc=adc)
                    cli = self.path(f"{stem}-{target}.ohmx")
                    run_tool("ohmc", model, f"--target={target}", "-o", cli,
                             *([f"--adc={adc}"] if adc else []))
                    with open(cli, "rb") as f:
                        self.assertEqual(program.to_bytes(), f.read())
                    array = np.load(inputs)
                    outputs = ohm.Simulator(program).run(array)
                    out_dir = self.path(f"{stem}-{target}-out")
                    run_tool("ohm-sim", cli, "--input", inputs,
                             "--output-dir", out_dir, "-q")
                    for name, value in outputs.items():
                        expected = np.load(os.path.join(out_dir, name + ".npy"))
                        self.assertEqual(value.dtype, expected.dtype)
                        self.assertEqual(value.tobytes(), expected.tobytes())

    def test_many_runs_do_not_grow_the_process(self):
        # 1,000 batches: the resident set must not grow with the number of
        # runs (each run's arrays are freed; the executor's arenas are
        # reused). Measured after a warm-up, against a 16 MiB allowance.
        sim = ohm.Simulator(self.program)
        one = self.images[:1]

        def rss_mib():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        for _ in range(50):
            sim.run(one)
        before = rss_mib()
        for _ in range(1000):
            sim.run(one)
        self.assertLess(rss_mib() - before, 16.0)

    def test_readme_example_runs_as_written(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        start = readme.index("/usr/bin/python3 - <<'EOF'\n") + len(
            "/usr/bin/python3 - <<'EOF'\n")
        code = readme[start:readme.index("    EOF\n", start)]
        code = "\n".join(line[4:] for line in code.splitlines())
        result = subprocess.run(["/usr/bin/python3", "-"], input=code, cwd=ROOT,
                                capture_output=True, text=True, check=True,
                                env=dict(os.environ))
        classes = result.stdout.strip().strip("[]").split()
        self.assertEqual(len(classes), 8, result.stdout)

    def test_runs_in_parallel_threads(self):
        sim_a = ohm.Simulator(self.program)
        sim_b = ohm.Simulator(self.program)
        results = {}

        def work(key, sim):
            results[key] = sim.run(self.images)[self.output_name]
        threads = [threading.Thread(target=work, args=(k, s))
                   for k, s in (("a", sim_a), ("b", sim_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        np.testing.assert_array_equal(results["a"], results["b"])

    def test_report_counts_and_cost(self):
        program = ohm.compile(MODEL, target="isaac", adc=4)
        sim = ohm.Simulator(program, count_activity=True)
        sim.run(self.images)
        report = sim.report()
        self.assertEqual(report["counts"]["batch"], len(self.images))
        self.assertGreater(report["counts"]["conversions"], 0)
        self.assertGreater(report["cost"]["per_inference"]["energy_pj"]["total"], 0)
        self.assertEqual(report["cost"]["activity"], "counted")

    def test_calibration_from_arrays(self):
        program = ohm.compile(MODEL, target="isaac", adc="calibrated:6",
                              calib=[self.images[:4], self.images[4:]])
        outputs = ohm.Simulator(program).run(self.images)
        self.assertEqual(outputs[self.output_name].shape[0], len(self.images))

    # Device mode.

    def test_device_mode_noiseless_equals_ideal(self):
        zero = {"programming_sigma": 0, "read_noise_sigma": 0,
                "stuck_at_hrs": 0, "stuck_at_lrs": 0}
        ideal = ohm.Simulator(self.program).run(self.images)
        device = ohm.Simulator(self.program, mode="device", device=zero).run(
            self.images)
        np.testing.assert_array_equal(ideal[self.output_name],
                                      device[self.output_name])

    def test_device_mode_is_seeded_and_saved(self):
        noise = {"programming_sigma": 0.05, "read_noise_sigma": 0.02}
        first = ohm.Simulator(self.program, mode="device", seed=3, device=noise)
        a = first.run(self.images)[self.output_name]
        b = ohm.Simulator(self.program, mode="device", seed=3,
                          device=noise).run(self.images)[self.output_name]
        c = ohm.Simulator(self.program, mode="device", seed=4,
                          device=noise).run(self.images)[self.output_name]
        np.testing.assert_array_equal(a, b)
        self.assertFalse(np.array_equal(a, c))
        saved = self.path("seed3.ohmdev")
        first.save_device(saved)
        other = ohm.Simulator(self.program, mode="device", seed=3, device=noise)
        other.load_device(saved)
        np.testing.assert_array_equal(other.run(self.images)[self.output_name], a)

    # Targets.

    def test_targets(self):
        self.assertIn("isaac", ohm.Target.presets())
        isaac = ohm.Target.preset("isaac")
        self.assertEqual(isaac.name, "isaac")
        self.assertEqual(isaac["crossbar.rows"], isaac.to_dict()["crossbar"]["rows"])
        changed = isaac.with_overrides({"adc.bits": 4,
                                        "device.read_noise_sigma": 0.02})
        self.assertEqual(changed["adc.bits"], 4)
        self.assertEqual(changed["device.read_noise_sigma"], 0.02)
        self.assertEqual(changed["crossbar.rows"], isaac["crossbar.rows"])
        yaml_path = self.path("t.yaml")
        with open(yaml_path, "w") as f:
            f.write(changed.yaml)
        self.assertEqual(ohm.Target.load(yaml_path)["adc.bits"], 4)

    # Errors.

    def test_errors_are_located(self):
        with self.assertRaisesRegex(ohm.Error, "no-such.onnx"):
            ohm.compile(self.path("no-such.onnx"))
        with self.assertRaisesRegex(ohm.Error, "unknown target|no-such-target"):
            ohm.Target.preset("no-such-target")
        with self.assertRaisesRegex(ohm.Error, "<overrides>:[0-9]+:[0-9]+"):
            ohm.Target.preset("isaac").with_overrides({"adc.bits": 99})
        with self.assertRaisesRegex(ohm.Error, "adc='seven'"):
            ohm.compile(MODEL, adc="seven")
        with self.assertRaises(ohm.Error):
            ohm.compile(b"not an onnx model")
        bad = self.path("bad.onnxtxt")
        with open(bad, "w") as f:
            f.write('<ir_version: 8, opset_import: ["" : 13]>\n'
                    'g (float[2] x) => (float[2] y) { y = NoSuchOp (x) }\n')
        with self.assertRaisesRegex(ohm.Error, "NoSuchOp"):
            ohm.compile(bad)

    def test_wrong_inputs_raise_before_running(self):
        sim = ohm.Simulator(self.program)
        # The executor's own messages, as ohm-sim prints them.
        with self.assertRaisesRegex(
                ohm.Error, r"input 'input' must be f32 \[1, 1, 28, 28\] .*got f64"):
            sim.run({self.input_name: self.images.astype(np.float64)})
        with self.assertRaisesRegex(
                ohm.Error, r"must be f32 \[1, 1, 28, 28\] .*got f32 \[8, 1, 27, 28\]"):
            sim.run({self.input_name: self.images[:, :, :27]})
        with self.assertRaisesRegex(ohm.Error, "missing input"):
            sim.run({})
        with self.assertRaisesRegex(ohm.Error, "no input 'other'"):
            sim.run({self.input_name: self.images, "other": self.images})
        with self.assertRaisesRegex(ohm.Error, "mode="):
            ohm.Simulator(self.program, mode="analog")
        with self.assertRaisesRegex(ohm.Error, "need mode='device'"):
            ohm.Simulator(self.program, device={"read_noise_sigma": 0.1})
        with self.assertRaisesRegex(ohm.Error, "read_noise_sigma"):
            ohm.Simulator(self.program, mode="device",
                          device={"read_noise_sigma": -1})


if __name__ == "__main__":
    unittest.main()
