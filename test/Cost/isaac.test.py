"""Compares the cost report's tile and chip figures with ISAAC's Table I."""
import json
import sys

report = json.load(open(sys.argv[1]))
h = report["hierarchy"]
# Published (Shafiee et al., ISCA 2016, Table I): IMA power is 289 mW / 12.
published = [
    ("tile power", h["tile"]["peak_power_mw"], 330.0, "mW", 1.0),
    ("tile area", h["tile"]["area_um2"] * 1e-6, 0.372, "mm^2", 1.0),
    ("chip power", h["chip"]["peak_power_mw"] * 1e-3, 65.8, "W", 1.0),
    ("chip area", h["chip"]["area_um2"] * 1e-6, 85.4, "mm^2", 1.0),
    ("IMA power", h["core"]["peak_power_mw"], 289.0 / 12, "mW", 1.0),
]
ok = True
for name, model, paper, unit, _ in published:
    error = abs(model - paper) / paper
    verdict = "ok" if error <= 0.05 else "OFF BY %.1f%%" % (100 * error)
    ok &= error <= 0.05
    print("%s %.4g %s vs ISAAC %.4g %s: %s (%.2f%%)" %
          (name, model, unit, paper, unit, verdict, 100 * error))
sys.exit(0 if ok else 1)
