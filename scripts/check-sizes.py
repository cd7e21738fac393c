#!/usr/bin/env python3
"""Checks the code-size limits of docs/Architecture.md ("Conventions"): no
function in lib/ or runtime/ longer than 150 lines, no .cpp file longer
than 1,000 lines. Prints what exceeds them (with --all, the 20 longest
functions too) and exits 1 if anything does.

A function is found from its body: a line ending in '{' whose statement
has a parameter list, is not a control statement, lambda, class, namespace
or initializer, and the body ends at the matching '}'. Lambdas and local
classes count toward the function that contains them.

usage: scripts/check-sizes.py [--root DIR] [--all]
"""
import argparse
import os
import re
import sys

FUNCTION_LIMIT = 150
FILE_LIMIT = 1000
CONTROL = re.compile(r"^\s*(\}\s*)?(if|for|while|switch|do|else|try|catch)\b")
NOT_FUNCTION = re.compile(
    r"^\s*(namespace|class|struct|union|enum|extern\s+\"C\")\b|=\s*\{?$|\]\s*\(.*\)\s*(mutable\s*)?(->.*)?\{$|\[[&=]?\]")


def strip(line):
    """Drops comments and string/char literals (approximately)."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//")[0]


def functions(path):
    """Yields (name, first line, length) of the functions in a file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [strip(l.rstrip("\n")) for l in f]
    depth = 0
    stack = []  # (depth before the body, start line, name) of open functions
    statement = ""
    in_block_comment = False
    for number, line in enumerate(lines, 1):
        if in_block_comment:
            if "*/" not in line:
                continue
            line = line.split("*/", 1)[1]
            in_block_comment = False
        if "/*" in line and "*/" not in line.split("/*", 1)[1]:
            line = line.split("/*", 1)[0]
            in_block_comment = True
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        statement = (statement + " " + stripped).strip() if statement else stripped
        opens = line.count("{")
        closes = line.count("}")
        if stripped.endswith("{") and opens > closes:
            candidate = statement
            if (not stack and "(" in candidate and ")" in candidate
                    and not CONTROL.match(candidate)
                    and not NOT_FUNCTION.search(candidate)):
                name = re.findall(r"([~\w:<>]+)\s*\(", candidate)
                stack.append((depth, number, name[0] if name else "?"))
        depth += opens - closes
        if stack and depth <= stack[-1][0]:
            start_depth, start, name = stack.pop()
            yield name, start, number - start + 1
        if stripped.endswith((";", "{", "}")) or not stripped:
            statement = ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args()
    failures, everything = [], []
    for top in ("lib", "runtime"):
        for directory, _, files in os.walk(os.path.join(args.root, top)):
            for file in sorted(files):
                if not file.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(directory, file)
                rel = os.path.relpath(path, args.root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    count = sum(1 for _ in f)
                if file.endswith(".cpp") and count > FILE_LIMIT:
                    failures.append(f"{rel}: {count} lines (limit {FILE_LIMIT})")
                for name, start, length in functions(path):
                    everything.append((length, f"{rel}:{start}: {name}"))
                    if length > FUNCTION_LIMIT:
                        failures.append(f"{rel}:{start}: function {name} is "
                                        f"{length} lines (limit {FUNCTION_LIMIT})")
    if args.all:
        for length, where in sorted(everything, reverse=True)[:20]:
            print(f"{length:5d}  {where}")
    for failure in failures:
        print(failure)
    if failures:
        print(f"check-sizes: {len(failures)} over the limits")
        return 1
    print(f"check-sizes: {len(everything)} functions, all within "
          f"{FUNCTION_LIMIT} lines; every .cpp within {FILE_LIMIT} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
