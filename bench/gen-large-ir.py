#!/usr/bin/env python3
"""Writes a large, valid nn-dialect module for parser/printer benchmarks.

The function has N ops in a realistic mix: every 8th op is a constant (small
ones printed as lists, larger ones as hex payloads), the rest are nn.add,
nn.mul and nn.relu over earlier values, all with name locations. The output
is deterministic for a given N.

usage: gen-large-ir.py N > file.ohm
"""
import random
import sys


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rng = random.Random(1234)
    out = sys.stdout
    t = "tensor<1x16xi32>"
    out.write(f"func @main(%x: {t} loc(\"input\")) -> {t} {{\n")
    values = ["x"]
    for i in range(count - 1):
        name = f"v{i}"
        if i % 8 == 0:
            if i % 16 == 0:
                elems = ", ".join(str(rng.randint(-1000, 1000)) for _ in range(16))
                value = f"dense<[[{elems}]]>"
            else:
                payload = "".join(f"{rng.randint(0, 0xFFFFFFFF):08X}" for _ in range(16))
                value = f'dense<"0x{payload}">'
            out.write(f"  %{name} = nn.const() {{value = {value} : {t}}} : () -> {t} loc(\"const_{i}\")\n")
        else:
            kind = rng.choice(["add", "mul", "relu"])
            a = rng.choice(values[-64:])
            if kind == "relu":
                out.write(f"  %{name} = nn.relu(%{a}) : ({t}) -> {t} loc(\"relu_{i}\")\n")
            else:
                b = rng.choice(values[-64:])
                out.write(f"  %{name} = nn.{kind}(%{a}, %{b}) : ({t}, {t}) -> {t} loc(\"{kind}_{i}\")\n")
        values.append(name)
    out.write(f"  return %{values[-1]} : {t}\n}}\n")


if __name__ == "__main__":
    main()
