"""Checks values of a JSON file: check-json.py FILE PATH=VALUE ...

PATH is a dotted path (list indices as numbers); VALUE a number, compared
with a relative tolerance of 1e-9, or a string. Prints one line per check
and exits 1 if any differs.
"""
import json
import sys

data = json.load(open(sys.argv[1]))
ok = True
for spec in sys.argv[2:]:
    path, expected = spec.split("=", 1)
    value = data
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    try:
        want = float(expected)
        good = abs(float(value) - want) <= 1e-9 * max(1.0, abs(want))
    except ValueError:
        good = str(value) == expected
    ok &= good
    print("%s = %s (expected %s): %s" % (path, value, expected,
                                         "ok" if good else "WRONG"))
sys.exit(0 if ok else 1)
