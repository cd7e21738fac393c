# lit configuration for ohm. Tests are .ohm (IR text), .onnxtxt (ONNX text
# format) and .test files; RUN lines use ohm-opt and friends from the build
# tree and FileCheck, not, count and split-file from llvm-14-tools.
import os
import re

import lit.formats

config.name = "ohm"
# RUN lines run in /bin/sh so that they may use $(...).
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".ohm", ".onnxtxt", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt",
                   "unit", "lib", "Inputs", "fuzz"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ohm_obj_root, "test")

# Tools come from the build tree first, then from LLVM 14.
config.environment["PATH"] = os.pathsep.join(
    [config.ohm_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])

# Keep diagnostics free of colour codes.
config.environment["TERM"] = "dumb"

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%ohm_src_root", config.ohm_src_root))
# The differential check of a crossbar pass in one RUN line
# (test/Xbar/Inputs/xbcheck.py check FILE NAME DIR [--seed S] -- PASSES).
config.substitutions.append(
    ("%xbcheck", config.python_executable + " " +
     os.path.join(config.ohm_src_root, "test", "Xbar", "Inputs", "xbcheck.py") +
     " check"))

# ASan reserves terabytes of shadow memory: tests that set a process
# memory limit (RLIMIT_AS/RLIMIT_DATA) cannot run under it.
if getattr(config, "ohm_use_sanitizers", False):
    config.available_features.add("asan")

# OHM_TEST_ROUNDTRIP=1 makes every ohm-opt invocation also check that its
# output prints, parses and prints to the same text (CIRCT does the same).
if os.environ.get("OHM_TEST_ROUNDTRIP", "0") not in ("", "0"):
    config.substitutions.append(
        (r"(?<![\w/.-])ohm-opt(?![\w.-])", "ohm-opt --verify-roundtrip"))
    config.available_features.add("roundtrip")
