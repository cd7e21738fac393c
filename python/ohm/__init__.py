"""ohm: quantized ONNX models compiled for RRAM crossbar accelerators and
run on their simulator, from Python (docs/Python.md).

    import numpy as np, ohm
    program = ohm.compile("model.onnx", target="isaac", adc=4)
    sim = ohm.Simulator(program, mode="device", seed=1,
                        device={"read_noise_sigma": 0.02})
    outputs = sim.run({"input": images})          # {name: ndarray}
    golden = ohm.reference("model.onnx", {"input": images})

Every failure raises ohm.Error with the message the command-line tools
print (the ONNX node, file:line:col, the option).
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _ohm
from ._ohm import Error

__all__ = ["Error", "Target", "Program", "Simulator", "compile", "reference"]

ModelLike = Union[str, "os.PathLike[str]", bytes]

#: The interpreter's and the simulator's default memory budget (bytes).
DEFAULT_MAX_MEMORY = 2 << 30


class Target:
    """A target description (docs/Targets.md): a preset or a YAML file.

    Fields read as a nested dict (`to_dict()`) or by dotted key
    (`target["adc.bits"]`); `with_overrides` returns a changed copy.
    """

    def __init__(self, native: "_ohm.Target"):
        self._native = native

    @staticmethod
    def preset(name: str) -> "Target":
        """A built-in preset by name (`Target.presets()` lists them)."""
        if "/" in name or name.endswith((".yaml", ".yml")):
            raise Error(f"'{name}' is a path, not a preset name (use Target.load)")
        return Target(_ohm.Target.load(name))

    @staticmethod
    def load(path: Union[str, "os.PathLike[str]"]) -> "Target":
        """A YAML target file (or a preset's name)."""
        return Target(_ohm.Target.load(os.fspath(path)))

    @staticmethod
    def presets() -> List[str]:
        """The names of the built-in presets."""
        return list(_ohm.Target.presets())

    @property
    def name(self) -> str:
        return self._native.name

    @property
    def yaml(self) -> str:
        """The whole description as YAML (every key, defaults included)."""
        return self._native.yaml

    def to_dict(self) -> Dict[str, Any]:
        """The description as nested dicts, lists and scalars."""
        return self._native.to_dict()

    def __getitem__(self, key: str) -> Any:
        value: Any = self.to_dict()
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise KeyError(key)
            value = value[part]
        return value

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Target":
        """A copy with dotted keys replaced, checked as a target file is:

            target.with_overrides({"adc.bits": 4,
                                   "device.read_noise_sigma": 0.02})
        """
        tree: Dict[str, Any] = {}
        for key, value in overrides.items():
            parts = key.split(".")
            if not all(parts):
                raise Error(f"override '{key}': expected section.key")
            node = tree
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise Error(f"override '{key}' conflicts with another")
            node[parts[-1]] = value
        lines = ["name: " + json.dumps(self.name)]
        _write_yaml(tree, 0, lines)
        return Target(_ohm.Target.parse("\n".join(lines) + "\n", "<overrides>",
                                        self._native))

    def __repr__(self) -> str:
        return f"ohm.Target({self.name!r})"


def _write_yaml(tree: Mapping[str, Any], indent: int, lines: List[str]) -> None:
    """Block-style YAML of nested dicts; scalars as JSON (valid YAML)."""
    for key, value in tree.items():
        prefix = " " * indent + json.dumps(str(key)) + ":"
        if isinstance(value, Mapping):
            lines.append(prefix)
            _write_yaml(value, indent + 2, lines)
        else:
            if isinstance(value, np.generic):
                value = value.item()
            lines.append(prefix + " " + json.dumps(value))


def _target_of(target: Union[str, "os.PathLike[str]", Target]) -> "_ohm.Target":
    if isinstance(target, Target):
        return target._native
    return _ohm.Target.load(os.fspath(target))


class Program:
    """A compiled program (.ohmx): its ports, mapping and instructions."""

    def __init__(self, native: "_ohm.Program"):
        self._native = native

    @staticmethod
    def load(path: Union[str, "os.PathLike[str]"]) -> "Program":
        """Reads and validates a .ohmx file (checksum, every instruction)."""
        return Program(_ohm.Program.load(os.fspath(path)))

    @staticmethod
    def from_bytes(data: bytes) -> "Program":
        return Program(_ohm.Program.from_bytes(data))

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the .ohmx atomically (a temporary file, then a rename)."""
        self._native.save(os.fspath(path))

    def to_bytes(self) -> bytes:
        return self._native.to_bytes()

    @property
    def inputs(self) -> List[Dict[str, Any]]:
        """Per input port: name, shape (batch of 1), dtype, scale, zero_point."""
        return self._native.inputs

    @property
    def outputs(self) -> List[Dict[str, Any]]:
        return self._native.outputs

    @property
    def frozen_inputs(self) -> List[str]:
        return self._native.frozen_inputs

    @property
    def mapping(self) -> Optional[Dict[str, Any]]:
        """The mapping report (`ohmc --mapping-report`) of a program compiled
        in this process; None for a loaded one (the .ohmx does not keep it)."""
        text = self._native.mapping_json
        return json.loads(text) if text else None

    def asm(self) -> str:
        """The program as text (`ohmc --emit=asm`)."""
        return self._native.asm()

    def __repr__(self) -> str:
        names = ", ".join(p["name"] for p in self.inputs)
        return f"<ohm.Program inputs=({names})>"


def compile(model: ModelLike,
            target: Union[str, "os.PathLike[str]", Target] = "isaac",
            adc: Union[None, str, int] = None,
            encoding: Optional[str] = None,
            sensing: Optional[str] = None,
            calib: Union[None, str, "os.PathLike[str]", Sequence[np.ndarray]] = None,
            freeze: Optional[Mapping[str, np.ndarray]] = None,
            input_shapes: Optional[Mapping[str, Sequence[int]]] = None,
            duplicate: int = 1,
            max_constant_bytes: int = 1 << 30) -> Program:
    """Compiles a quantized ONNX model (a path or its bytes) as ohmc does.

    adc: None keeps the target's ADC policy; "lossless", a width (4 or "4"),
    "calibrated" or "calibrated:N" as `ohmc --adc`. calib: a folder of .npy
    batches or a list of arrays (for the calibrated policy). freeze: inputs
    to fold into the program as constants. input_shapes: dimensions for
    symbolic input shapes.
    """
    if isinstance(model, (bytes, bytearray)):
        model_arg: Any = bytes(model)
        name = "model"
    else:
        model_arg = os.fspath(model)
        name = os.path.splitext(os.path.basename(model_arg))[0]
    if isinstance(adc, (int, np.integer)) and not isinstance(adc, bool):
        adc = str(int(adc))
    shapes = {k: [int(d) for d in v] for k, v in (input_shapes or {}).items()}
    frozen = {k: np.asarray(v) for k, v in (freeze or {}).items()}
    native_target = _target_of(target)
    if calib is None or isinstance(calib, (str, os.PathLike)):
        calib_dir = os.fspath(calib) if calib is not None else ""
        return Program(_ohm.compile(model_arg, native_target, adc, encoding,
                                    sensing, calib_dir, frozen, shapes,
                                    duplicate, max_constant_bytes, name))
    with tempfile.TemporaryDirectory(prefix="ohm-calib-") as folder:
        for i, batch in enumerate(calib):
            np.save(os.path.join(folder, f"batch{i:04d}.npy"), np.asarray(batch))
        return Program(_ohm.compile(model_arg, native_target, adc, encoding,
                                    sensing, folder, frozen, shapes,
                                    duplicate, max_constant_bytes, name))


def _named_inputs(inputs: Union[np.ndarray, Mapping[str, Any]],
                  names: Sequence[str]) -> Dict[str, np.ndarray]:
    if isinstance(inputs, Mapping):
        return {str(k): np.asarray(v) for k, v in inputs.items()}
    if len(names) != 1:
        raise Error("the model takes %d inputs (%s): pass a dict"
                    % (len(names), ", ".join(names)))
    return {names[0]: np.asarray(inputs)}


class Simulator:
    """Runs a program: mode="ideal" (exact cells) or "device" (docs/Device.md).

    In device mode, `seed` draws the device instance (and keys read noise),
    `device` overrides the program's device keys ({"read_noise_sigma":
    0.02, ...}), and `time` reads the cells that many seconds after
    programming (drift). `count_activity` counts the non-zero input digits
    for the cost report (slower: no fused products).
    """

    def __init__(self, program: Program, threads: int = 1, mode: str = "ideal",
                 seed: int = 0, device: Optional[Mapping[str, float]] = None,
                 time: Optional[float] = None, count_activity: bool = False,
                 max_memory: int = DEFAULT_MAX_MEMORY):
        if not isinstance(program, Program):
            raise Error("Simulator needs an ohm.Program (ohm.compile or "
                        "ohm.Program.load)")
        self.program = program
        self._native = _ohm.Simulator(program._native, int(threads), mode,
                                      int(seed), dict(device or {}),
                                      float(time or 0.0), bool(count_activity),
                                      int(max_memory))

    def run(self, inputs: Union[np.ndarray, Mapping[str, Any]]) -> Dict[str, np.ndarray]:
        """Runs a batch: {input name: array} (or one array for a one-input
        program), each with the port's dtype and shape, the leading
        dimension a multiple of the compiled batch. Returns {output: array}.
        Names, dtypes and shapes are checked before anything runs."""
        names = [p["name"] for p in self.program.inputs]
        return self._native.run(_named_inputs(inputs, names))

    def report(self) -> Dict[str, Any]:
        """The last run's counts and its cost (as `ohm-sim --report`)."""
        return self._native.report()

    def save_device(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the device instance (mode="device")."""
        self._native.save_device(os.fspath(path))

    def load_device(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Runs on the instance in the file from now on (mode="device")."""
        self._native.load_device(os.fspath(path))


def reference(model: ModelLike, inputs: Mapping[str, Any],
              max_memory: int = DEFAULT_MAX_MEMORY) -> Dict[str, np.ndarray]:
    """The golden interpreter (`ohm-sim --reference`): {output: array}."""
    if isinstance(model, (bytes, bytearray)):
        model_arg: Any = bytes(model)
    else:
        model_arg = os.fspath(model)
    named = {str(k): np.asarray(v) for k, v in inputs.items()}
    return _ohm.reference(model_arg, named, int(max_memory))
