#!/usr/bin/env python3
"""Calibrates the crossbar read of ohm's cost model (docs/Cost.md) against
a circuit simulation of one bit line in ngspice.

The cost model charges one crossbar read

    energy  = active cells x cost.cell_read_energy_pj  (per column)
    latency = cost.read_latency_ns                      (constant)

where an active cell is one on a row whose input digit is non-zero (1-bit
DAC: the row is driven with the read voltage). This script simulates one
column of a target's array and compares:

  * Circuit: `rows` cells, each a resistor of a conductance level G (2^c
    levels spaced evenly from device.g_min_us to device.g_max_us, c =
    crossbar.cell_bits) from its word line to its bit-line node. A word
    line is a voltage source: a pulse to device.read_voltage_v on a driven
    row (input digit 1), 0 V on the others. The bit line is a ladder of
    device.wire_resistance_ohm and device.wire_capacitance_ff (to ground)
    per cell segment, row 1 at the far end, ending at the sense node, held
    at virtual ground by a 0 V source whose current is the column current.
  * Data: cell levels are uniformly random, and the driven rows are a
    uniformly random set of round(density x rows) rows, both from --seed.
    The model ignores weights, so each point is simulated twice, with the
    levels and with their complement (level L-1-k for level k); every cell
    then averages (g_min + g_max) / 2, the mean conductance, and E_spice is
    the mean of the two runs. The half-difference of the two is printed as
    the data dependence the model leaves out ("+-data").
  * Pulse: rise and fall of --rise-ns, flat top so that the width at half
    the read voltage is --pulse-ns (default: the target's read_latency_ns).
  * Energy per read: the integral over the whole transient of the power
    of all word-line sources (sum of -V*I); it includes the wire losses.
  * Settling time: from the start of the pulse to the last time the column
    current is more than 1% away from its value at the end of the flat top
    (worst of the two runs; it includes the rise time).
  * Fits: cell_read_energy_pj by least squares of E_spice against active
    cells through the origin (the model has no constant term);
    read_latency_ns as the largest settling time of the sweep (a constant
    latency must cover the slowest read, so it is an upper envelope, not a
    least-squares fit).

Target keys used (missing ones take ohm's built-in defaults, the three
device keys below the defaults given here): crossbar.rows, cell_bits;
device.g_min_us, g_max_us, read_voltage_v (0.2), wire_resistance_ohm (1.0),
wire_capacitance_ff (0.1); cost.read_latency_ns, cell_read_energy_pj.

usage: scripts/spice-calibrate.py [--target isaac|FILE.yaml]
           [--rows 16,32,64,128,256] [--densities 0.1,0.5,1.0]
           [--pulse-ns NS] [--rise-ns NS] [--seed N] [--keep DIR]
           [--json FILE] [--check] [--jobs N]

--check exits 1 if the fitted energy model misses any point by more than
5% (ctest 'spice-calibrate'). Exit status 2 on errors (ngspice missing or
failing, a malformed target file, bad options).
"""
import argparse
import concurrent.futures
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESETS = os.path.join(ROOT, "lib", "Target", "presets")
TOLERANCE = 0.05  # the energy model's tolerance (--check)
SETTLE_BAND = 0.01  # settling: within 1% of the final current

# Built-in defaults (docs/Targets.md "Keys"; the device keys the cost model
# adds: the defaults of docs/Cost.md).
DEFAULTS = {
    ("crossbar", "rows"): 128,
    ("crossbar", "cell_bits"): 2,
    ("crossbar", "max_active_rows"): 128,
    ("device", "g_min_us"): 1.0,
    ("device", "g_max_us"): 100.0,
    ("device", "read_voltage_v"): 0.2,
    ("device", "wire_resistance_ohm"): 1.0,
    ("device", "wire_capacitance_ff"): 0.1,
    ("cost", "read_latency_ns"): 100.0,
    ("cost", "cell_read_energy_pj"): 0.001,
}


class Error(Exception):
    """A problem reported as 'spice-calibrate: error: ...' with exit 2."""


# ---------------------------------------------------------------------------
# Target
# ---------------------------------------------------------------------------

def target_path(spec):
    """A preset name or a .yaml path, as ohmc's --target (docs/Targets.md)."""
    if "/" in spec or spec.endswith((".yaml", ".yml")):
        if not os.path.isfile(spec):
            raise Error(f"cannot open '{spec}': no such file")
        return spec
    path = os.path.join(PRESETS, spec + ".yaml")
    if not os.path.isfile(path):
        names = sorted(f[:-5] for f in os.listdir(PRESETS) if f.endswith(".yaml"))
        raise Error(f"unknown target '{spec}' (presets: {', '.join(names)}; "
                    "or give a .yaml file)")
    return path


def load_target(spec):
    """Reads the keys the calibration uses; errors name the file."""
    path = target_path(spec)
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except yaml.YAMLError as e:
        raise Error(f"{path}: not valid YAML: {e}".replace("\n", " "))
    except OSError as e:
        raise Error(f"cannot open '{path}': {e.strerror}")
    if not isinstance(doc, dict):
        raise Error(f"{path}: not a valid target description (not a mapping)")
    target = {"name": str(doc.get("name", os.path.basename(path))), "path": path}
    for (section, key), default in DEFAULTS.items():
        sect = doc.get(section, {})
        if sect is None:
            sect = {}
        if not isinstance(sect, dict):
            raise Error(f"{path}: '{section}' is not a mapping")
        value = sect.get(key, default)
        integer = isinstance(default, int)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (integer and not isinstance(value, int)) or not math.isfinite(value):
            kind = "an integer" if integer else "a finite number"
            raise Error(f"{path}: {section}.{key}: expected {kind}, got {value!r}")
        target[key] = value
    checks = [
        (1 <= target["rows"] <= 65536, "crossbar.rows must be in [1, 65536]"),
        (1 <= target["cell_bits"] <= 8, "crossbar.cell_bits must be in [1, 8]"),
        (target["max_active_rows"] >= 1, "crossbar.max_active_rows must be at least 1"),
        (target["g_min_us"] >= 0, "device.g_min_us must not be negative"),
        (target["g_min_us"] < target["g_max_us"],
         "device.g_min_us must be smaller than device.g_max_us"),
        (target["read_voltage_v"] > 0, "device.read_voltage_v must be positive"),
        (target["wire_resistance_ohm"] > 0, "device.wire_resistance_ohm must be positive"),
        (target["wire_capacitance_ff"] >= 0, "device.wire_capacitance_ff must not be negative"),
        (target["read_latency_ns"] > 0, "cost.read_latency_ns must be positive"),
        (target["cell_read_energy_pj"] >= 0, "cost.cell_read_energy_pj must not be negative"),
    ]
    for ok, message in checks:
        if not ok:
            raise Error(f"{path}: {message}")
    return target


# ---------------------------------------------------------------------------
# Circuit
# ---------------------------------------------------------------------------

def conductances_us(target):
    """The 2^cell_bits levels, evenly spaced from g_min to g_max (uS)."""
    levels = 2 ** target["cell_bits"]
    lo, hi = target["g_min_us"], target["g_max_us"]
    return [lo + (hi - lo) * k / (levels - 1) for k in range(levels)]


def cell_levels(rows, n_levels, seed):
    """Uniformly random levels, one per row, the same for every density."""
    rng = random.Random(f"levels/{seed}/{rows}")
    return [rng.randrange(n_levels) for _ in range(rows)]


def driven_rows(rows, density, seed):
    """round(density x rows) rows (at least 1), uniformly at random."""
    count = min(rows, max(1, int(round(density * rows))))
    rng = random.Random(f"inputs/{seed}/{rows}/{density!r}")
    return sorted(rng.sample(range(rows), count))


def pulse_timing(pulse_ns, rise_ns):
    """(rise, flat top, fall, stop) in ns; half-amplitude width = pulse_ns."""
    flat = pulse_ns - rise_ns
    tail = max(5 * rise_ns, 0.02 * pulse_ns)
    return rise_ns, flat, rise_ns, rise_ns + flat + rise_ns + tail


def fine_window(pulse_ns, rise_ns):
    """The span of the fine transient over the rising edge (ns)."""
    rise, flat, _, _ = pulse_timing(pulse_ns, rise_ns)
    return min(20 * rise, rise + flat)


def netlist(target, levels, driven, pulse_ns, rise_ns, data_file):
    """One bit line; rows 1..N from the far end to the sense node."""
    g = conductances_us(target)
    v = target["read_voltage_v"]
    rw = target["wire_resistance_ohm"]
    cw = target["wire_capacitance_ff"] * 1e-15
    rise, flat, fall, stop = pulse_timing(pulse_ns, rise_ns)
    driven = set(driven)
    rows = len(levels)
    out = [f"* ohm spice-calibrate: {target['name']}, one bit line, {rows} rows, "
           f"{len(driven)} driven",
           f"* levels (uS): {' '.join(f'{x:g}' for x in g)}; "
           f"read {v:g} V, wire {rw:g} ohm + {cw:g} F per cell"]
    for r in range(1, rows + 1):
        if r - 1 in driven:
            out.append(f"VWL{r} wl{r} 0 PULSE(0 {v:.10g} 0 {rise * 1e-9:.10g} {fall * 1e-9:.10g} "
                       f"{flat * 1e-9:.10g} {10 * stop * 1e-9:.10g})")
        else:
            out.append(f"VWL{r} wl{r} 0 0")
        gs = g[levels[r - 1]] * 1e-6
        if gs > 0:  # a 0 uS level is an open cell
            out.append(f"RC{r} wl{r} bl{r} {1 / gs:.10g}")
        out.append(f"RW{r} bl{r} bl{r + 1} {rw:.10g}")
        if cw > 0:
            out.append(f"CW{r} bl{r} 0 {cw:.10g}")
    out.append(f"VSENSE bl{rows + 1} 0 0")
    # Two transients: the rising edge with steps of rise/50 (the settling
    # time), and the whole pulse with steps of at most pulse/200 (energy;
    # the edges get the small steps of ngspice's breakpoints and truncation
    # error control). Gear integration: the trapezoidal rule rings on this
    # stiff ladder (ps time constants, ns steps).
    edge = fine_window(pulse_ns, rise_ns)
    out += [".options method=gear reltol=1e-5 abstol=1e-15",
            ".control",
            "set wr_singlescale",
            "set wr_vecnames",
            "set numdgt=12",
            f"tran {rise_ns / 50 * 1e-9:.10g} {edge * 1e-9:.10g} 0 {rise_ns / 50 * 1e-9:.10g}",
            f"wrdata {data_file}.edge i(vsense)",
            f"tran {pulse_ns / 1000 * 1e-9:.10g} {stop * 1e-9:.10g} 0 {pulse_ns / 200 * 1e-9:.10g}",
            "let p = 0 * time"]
    for r in sorted(driven):
        out.append(f"let p = p - v(wl{r + 1}) * i(vwl{r + 1})")
    out += [f"wrdata {data_file} p i(vsense) v(bl1)",
            "echo ohm-spice-calibrate-done",
            "quit 0",
            ".endc",
            ".end"]
    return "\n".join(out) + "\n"


def run_ngspice(ngspice, cir, data, log, kept):
    try:
        # In the netlist's directory: the netlist names its output files
        # without a directory (ngspice's commands split at spaces).
        proc = subprocess.run([ngspice, "-b", os.path.basename(cir)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=600,
                              cwd=os.path.dirname(cir))
    except OSError as e:
        raise Error(f"cannot run '{ngspice}' on {cir}: {e.strerror}")
    except subprocess.TimeoutExpired:
        raise Error(f"ngspice timed out after 600 s on {cir}")
    with open(log, "w", encoding="utf-8") as f:
        f.write(proc.stdout)
    errors = [l.strip() for l in proc.stdout.splitlines()
              if l.lstrip().lower().startswith("error") or "aborted" in l
              or "timestep too small" in l]
    if proc.returncode != 0 or errors or "ohm-spice-calibrate-done" not in proc.stdout:
        tail = errors[:3] or proc.stdout.strip().splitlines()[-3:] or ["no output"]
        where = f"log {log}" if kept else "--keep DIR keeps the netlist and log"
        raise Error(f"ngspice failed on {cir} (exit {proc.returncode}; {where}): "
                    + " | ".join(tail))
    return read_table(data, "time, p, i(vsense), v(bl1)"), \
        read_table(data + ".edge", "time, i(vsense)")


def read_table(path, columns):
    """A wrdata file (one header line, one time column) as an array."""
    try:
        table = np.loadtxt(path, skiprows=1, ndmin=2)
    except (OSError, ValueError) as e:
        raise Error(f"{path}: cannot read ngspice's output: {e}")
    if table.shape[1] != len(columns.split(",")) or table.shape[0] < 10:
        raise Error(f"{path}: expected columns {columns} and at least 10 rows, got "
                    f"{table.shape[1]} columns, {table.shape[0]} rows")
    return table


def measure(tables, pulse_ns, rise_ns):
    """(energy J, settling s, final column current A, far-end bit line V)."""
    table, edge = tables
    t, p, i, vfar = table[:, 0], table[:, 1], table[:, 2], table[:, 3]
    energy = float(np.sum((p[1:] + p[:-1]) * np.diff(t)) / 2)
    rise, flat, _, _ = pulse_timing(pulse_ns, rise_ns)
    t_end = (rise + flat) * 1e-9
    final = float(np.interp(t_end, t, i))
    vfar_end = float(np.interp(t_end, t, vfar))
    # The column current: the fine run over the edge, then the whole run.
    t_edge = edge[-1, 0]
    keep = (t > t_edge) & (t <= t_end)
    t = np.concatenate([edge[:, 0], t[keep]])
    i = np.concatenate([edge[:, 1], i[keep]])
    outside = np.abs(i - final) > SETTLE_BAND * abs(final)
    if not outside.any():
        return energy, 0.0, final, vfar_end
    k = int(np.nonzero(outside)[0][-1])
    if k + 1 >= len(t):
        return energy, float(t[k]), final, vfar_end
    # Interpolate the crossing into the band between samples k and k+1.
    bound = final - math.copysign(SETTLE_BAND * abs(final), final - i[k])
    span = i[k + 1] - i[k]
    frac = (bound - i[k]) / span if span != 0 else 0.0
    settle = float(t[k] + min(max(frac, 0.0), 1.0) * (t[k + 1] - t[k]))
    return energy, settle, final, vfar_end


# ---------------------------------------------------------------------------
# Sweep
# ---------------------------------------------------------------------------

def simulate_point(job):
    target, rows, density, args, work, ngspice = job
    n_levels = 2 ** target["cell_bits"]
    base = cell_levels(rows, n_levels, args.seed)
    driven = driven_rows(rows, density, args.seed)
    runs = []
    for tag, levels in (("a", base), ("b", [n_levels - 1 - k for k in base])):
        name = re.sub(r"[^A-Za-z0-9._-]", "_", target["name"])
        stem = os.path.join(work, f"{name}-r{rows}-d{density:g}-{tag}")
        cir, data, log = stem + ".cir", stem + ".data", stem + ".log"
        with open(cir, "w", encoding="utf-8") as f:
            f.write(netlist(target, levels, driven, args.pulse_ns, args.rise_ns,
                            os.path.basename(data)))
        runs.append(measure(run_ngspice(ngspice, cir, data, log, bool(args.keep)),
                            args.pulse_ns, args.rise_ns))
    (ea, sa, ia, va), (eb, sb, ib, vb) = runs
    energy = (ea + eb) / 2
    return {
        "rows": rows,
        "density": density,
        "active_cells": len(driven),
        "energy_pj": energy * 1e12,
        "data_spread_pct": 100 * abs(ea - eb) / 2 / energy if energy else 0.0,
        "settling_ns": max(sa, sb) * 1e9,
        "column_current_ma": (ia + ib) / 2 * 1e3,
        "far_end_bitline_mv": max(abs(va), abs(vb)) * 1e3,
        # A read the target makes: no more rows than its arrays have, no
        # more driven rows than it drives at once.
        "in_target": rows <= target["rows"] and len(driven) <= target["max_active_rows"],
    }


def pct(model, reference):
    return 100 * (model - reference) / reference if reference else float("inf")


def analyze(target, points, args):
    a = np.array([p["active_cells"] for p in points], dtype=float)
    e = np.array([p["energy_pj"] for p in points])
    fit_energy = float(np.dot(a, e) / np.dot(a, a))
    fit_latency = max(p["settling_ns"] for p in points)
    cfg_energy, cfg_latency = target["cell_read_energy_pj"], target["read_latency_ns"]
    for p in points:
        p["model_energy_fit_pj"] = p["active_cells"] * fit_energy
        p["model_energy_cfg_pj"] = p["active_cells"] * cfg_energy
        p["energy_err_fit_pct"] = pct(p["model_energy_fit_pj"], p["energy_pj"])
        p["energy_err_cfg_pct"] = pct(p["model_energy_cfg_pj"], p["energy_pj"])
        p["latency_err_fit_pct"] = pct(fit_latency, p["settling_ns"])
        p["latency_err_cfg_pct"] = pct(cfg_latency, p["settling_ns"])
    g_mean = (target["g_min_us"] + target["g_max_us"]) / 2 * 1e-6
    t_eff = (args.pulse_ns - args.rise_ns / 3) * 1e-9  # ramps: V^2 integrates to t/3
    ideal = target["read_voltage_v"] ** 2 * g_mean * t_eff * 1e12
    worst = lambda key, pts=points: max((abs(p[key]) for p in pts), default=0.0)
    own = [p for p in points if p["in_target"]]
    # The constant with the smallest largest relative error: the best any
    # constant energy per cell can do, whatever the fit.
    per_cell = e / a
    lo, hi = float(per_cell.min()), float(per_cell.max())
    minimax = {"cell_read_energy_pj": 2 / (1 / lo + 1 / hi),
               "max_abs_error_pct": 100 * (hi - lo) / (hi + lo)}
    return {
        "fit": {"cell_read_energy_pj": fit_energy, "read_latency_ns": fit_latency},
        "minimax_energy": minimax,
        "configured": {"cell_read_energy_pj": cfg_energy, "read_latency_ns": cfg_latency},
        "ideal_cell_read_energy_pj": ideal,
        "max_abs_error_pct": {k: worst(k) for k in (
            "energy_err_fit_pct", "energy_err_cfg_pct",
            "latency_err_fit_pct", "latency_err_cfg_pct")},
        "max_abs_error_pct_in_target": {k: worst(k, own) for k in (
            "energy_err_fit_pct", "energy_err_cfg_pct",
            "latency_err_fit_pct", "latency_err_cfg_pct")},
        "points_in_target": len(own),
    }


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def fmt_pct(x):
    return f"{x:+.1f}" if abs(x) < 1e5 else f"{x:+.2e}"


def report(target, points, summary, args):
    t = target
    print(f"target {t['name']} ({t['path']}): {t['cell_bits']}-bit cells, "
          f"G {t['g_min_us']:g}..{t['g_max_us']:g} uS, read {t['read_voltage_v']:g} V, "
          f"wire {t['wire_resistance_ohm']:g} ohm + {t['wire_capacitance_ff']:g} fF per cell")
    print(f"pulse {args.pulse_ns:g} ns (rise/fall {args.rise_ns:g} ns), seed {args.seed}; "
          "E_spice averages each input pattern over the cell levels and their complement")
    fit, cfg = summary["fit"], summary["configured"]
    header = ("rows", "dens", "active", "E_spice pJ", "pJ/cell", "+-data%", "E_fit pJ", "err%",
              "E_cfg pJ", "err%", "settle ns", "lat_fit err%", "lat_cfg err%", "far-end mV")
    rows = []
    for p in points:
        rows.append((str(p["rows"]) + ("" if p["in_target"] else "*"), f"{p['density']:g}", str(p["active_cells"]),
                     f"{p['energy_pj']:.4g}", f"{p['energy_pj'] / p['active_cells']:.4f}",
                     f"{p['data_spread_pct']:.1f}",
                     f"{p['model_energy_fit_pj']:.4g}", fmt_pct(p["energy_err_fit_pct"]),
                     f"{p['model_energy_cfg_pj']:.4g}", fmt_pct(p["energy_err_cfg_pct"]),
                     f"{p['settling_ns']:.4g}", fmt_pct(p["latency_err_fit_pct"]),
                     fmt_pct(p["latency_err_cfg_pct"]), f"{p['far_end_bitline_mv']:.2f}"))
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    if any(not p["in_target"] for p in points):
        print(f"* not a read {t['name']} makes: more rows than crossbar.rows ({t['rows']}) or "
              f"more driven rows than crossbar.max_active_rows ({t['max_active_rows']})")
    worst = summary["max_abs_error_pct"]
    print(f"cell_read_energy_pj: fitted {fit['cell_read_energy_pj']:.6g} "
          f"(least squares through the origin), configured {cfg['cell_read_energy_pj']:g} "
          f"(x{cfg['cell_read_energy_pj'] / fit['cell_read_energy_pj']:.3g} the fit); "
          f"wire-free V^2 x mean G x pulse = {summary['ideal_cell_read_energy_pj']:.6g}; "
          f"the best constant, {summary['minimax_energy']['cell_read_energy_pj']:.6g}, is "
          f"within {summary['minimax_energy']['max_abs_error_pct']:.2f}% everywhere")
    print(f"read_latency_ns: fitted {fit['read_latency_ns']:.4g} (the largest settling "
          f"time), configured {cfg['read_latency_ns']:g} "
          f"(x{cfg['read_latency_ns'] / fit['read_latency_ns']:.3g} the fit)")
    print(f"max |error|: energy {worst['energy_err_fit_pct']:.2f}% fitted, "
          f"{worst['energy_err_cfg_pct']:.3g}% configured; latency "
          f"{worst['latency_err_fit_pct']:.3g}% fitted, {worst['latency_err_cfg_pct']:.3g}% "
          "configured")
    own = summary["max_abs_error_pct_in_target"]
    if 0 < summary["points_in_target"] < len(points):
        print(f"max |error| over the {summary['points_in_target']} reads {t['name']} makes "
              f"(fits unchanged): energy {own['energy_err_fit_pct']:.2f}% fitted, "
              f"{own['energy_err_cfg_pct']:.3g}% configured; latency "
              f"{own['latency_err_fit_pct']:.3g}% fitted, {own['latency_err_cfg_pct']:.3g}% "
              "configured")
    for line in diagnosis(target, points, summary, args):
        print(line)


def diagnosis(target, points, summary, args):
    """Explains the errors above 5%."""
    out = []
    tol = 100 * TOLERANCE
    bad = [p for p in points if abs(p["energy_err_fit_pct"]) > tol]
    if bad:
        worst = max(bad, key=lambda q: abs(q["energy_err_fit_pct"]))
        per_cell = lambda q: q["energy_pj"] / q["active_cells"]
        lo = min(points, key=per_cell)
        hi = max(points, key=per_cell)
        v = target["read_voltage_v"] * 1e3
        out.append(
            f"energy: the linear model is off by more than {tol:g}% at {len(bad)} of "
            f"{len(points)} points (worst {fmt_pct(worst['energy_err_fit_pct'])}% at "
            f"{worst['rows']} rows x {worst['density']:g}). Cause: IR drop on the bit line. "
            f"The column current flows through up to rows wire segments of "
            f"{target['wire_resistance_ohm']:g} ohm, so the bit line rises above virtual "
            f"ground, most at its far end (up to {lo['far_end_bitline_mv']:.3g} mV, "
            f"{100 * lo['far_end_bitline_mv'] / v:.0f}% of the {v:g} mV read voltage, at "
            f"{lo['rows']} x {lo['density']:g}, {lo['column_current_ma']:.3g} mA); cells see "
            f"less than the read voltage, and the energy per active cell falls from "
            f"{per_cell(hi):.4g} pJ ({hi['rows']} x {hi['density']:g}) to {per_cell(lo):.4g} "
            f"pJ. The drop grows with the column current times the wire's length (about "
            f"the square of the driven rows), which a constant energy per cell cannot follow.")
        best = summary["minimax_energy"]
        if best["max_abs_error_pct"] <= tol:
            out.append(
                f"energy: the least-squares fit follows the largest reads; the constant "
                f"{best['cell_read_energy_pj']:.4g} pJ would be within "
                f"{best['max_abs_error_pct']:.2f}% everywhere.")
        else:
            out.append(
                f"energy: no constant energy per cell is within {tol:g}% everywhere (the "
                f"best, {best['cell_read_energy_pj']:.4g} pJ, is off by up to "
                f"{best['max_abs_error_pct']:.3g}%).")
    else:
        out.append(f"energy: the linear model is within {tol:g}% everywhere (the wire "
                   "losses and IR drop are negligible at these sizes).")
    cfg_err = summary["max_abs_error_pct"]["energy_err_cfg_pct"]
    ideal = summary["ideal_cell_read_energy_pj"]
    ratio = target["cell_read_energy_pj"] / ideal
    g_mean = (target["g_min_us"] + target["g_max_us"]) / 2
    if cfg_err > tol:
        out.append(
            f"energy: the configured cell_read_energy_pj is off by up to {cfg_err:.3g}%: it "
            f"is not derived from this circuit (V^2 x G x pulse at {target['read_voltage_v']:g} "
            f"V, {target['g_min_us']:g}..{target['g_max_us']:g} uS, {args.pulse_ns:g} ns "
            f"gives {ideal:.4g} pJ without wires). The configured value is that of a mean "
            f"conductance of {g_mean * ratio:.3g} uS, or a pulse of {args.pulse_ns * ratio:.3g} "
            f"ns, or a read voltage of {target['read_voltage_v'] * math.sqrt(ratio):.3g} V.")
    settle = [p["settling_ns"] for p in points]
    lo, hi = min(settle), max(settle)
    r, c = target["wire_resistance_ohm"], target["wire_capacitance_ff"] * 1e-15
    n = max(p["rows"] for p in points)
    elmore = r * c * n * (n + 1) / 2 * 1e9
    spread = 100 * (hi - lo) / lo if lo else float("inf")
    if spread > tol:
        out.append(
            f"latency: settling times range {lo:.4g}..{hi:.4g} ns ({spread:.3g}% apart), so "
            f"no constant latency fits every point within {tol:g}%; the largest is the "
            f"fit. They include the {args.rise_ns:g} ns rise of the word lines; the rest "
            f"grows with rows through the bit line's RC ladder (Elmore delay "
            f"R x C x N(N+1)/2 = {elmore:.3g} ns at {n} rows) and its resistive load.")
    else:
        out.append(f"latency: settling times {lo:.4g}..{hi:.4g} ns are within {tol:g}% of "
                   "one another: a constant latency fits.")
    cfg = target["read_latency_ns"]
    if abs(pct(cfg, hi)) > tol:
        out.append(
            f"latency: the configured read_latency_ns ({cfg:g} ns) is {cfg / hi:.3g}x the "
            f"slowest settling time: the bit line settles long before the read cycle ends, "
            f"which is set by what this circuit leaves out (word-line drivers and their RC, "
            f"the sense amplifier or integrator, sample and hold, ADC); the constant is an "
            f"upper bound, not a fit to the bit line.")
    return out


def write_json(path, target, points, summary, args):
    doc = {
        "target": {k: target[k] for k in target},
        "options": {"rows": args.rows, "densities": args.densities,
                    "pulse_ns": args.pulse_ns, "rise_ns": args.rise_ns,
                    "seed": args.seed, "settle_band": SETTLE_BAND,
                    "tolerance": TOLERANCE},
        "points": points,
        **summary,
    }
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".spice-calibrate-", suffix=".json", dir=directory)
    except OSError as e:
        raise Error(f"cannot write '{path}': {e.strerror}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise Error(f"cannot write '{path}': {e.strerror}")
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def number_list(kind, convert):
    def parse(text):
        try:
            values = [convert(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated {kind}s: '{text}'")
        if not values:
            raise argparse.ArgumentTypeError(f"expected at least one {kind}")
        return values
    return parse


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="spice-calibrate.py",
        description="Calibrate the cost model's crossbar read energy and latency "
                    "against an ngspice simulation of one bit line (docs/Cost.md).")
    ap.add_argument("--target", default="isaac",
                    help="preset name (lib/Target/presets/NAME.yaml) or a .yaml path "
                         "(default: isaac)")
    ap.add_argument("--rows", type=number_list("integer", int), default=[16, 32, 64, 128, 256],
                    help="rows per column to sweep (default: 16,32,64,128,256)")
    ap.add_argument("--densities", type=number_list("number", float),
                    default=[0.1, 0.5, 1.0],
                    help="fractions of rows driven (default: 0.1,0.5,1.0)")
    ap.add_argument("--pulse-ns", type=float,
                    help="read pulse width at half amplitude (default: the target's "
                         "cost.read_latency_ns)")
    ap.add_argument("--rise-ns", type=float, default=0.01,
                    help="rise and fall time of the word-line pulse (default: 0.01)")
    ap.add_argument("--seed", type=int, default=1,
                    help="seed of the cell levels and driven rows (default: 1)")
    ap.add_argument("--keep", metavar="DIR",
                    help="keep the netlists, ngspice logs and wrdata output in DIR")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the fitted energy model is off by more than 5%% anywhere")
    ap.add_argument("--jobs", type=int, default=1, help="ngspice runs at once (default: 1)")
    ap.add_argument("--ngspice", default="ngspice", help="the ngspice executable")
    args = ap.parse_args(argv)
    if any(r < 1 or r > 65536 for r in args.rows):
        ap.error("--rows: each must be in [1, 65536]")
    if any(not (0 < d <= 1) for d in args.densities):
        ap.error("--densities: each must be in (0, 1]")
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    if not (args.rise_ns > 0 and math.isfinite(args.rise_ns)):
        ap.error("--rise-ns must be positive")
    if args.pulse_ns is not None and not (math.isfinite(args.pulse_ns)
                                          and args.pulse_ns > 2 * args.rise_ns):
        ap.error("--pulse-ns must be more than twice --rise-ns")
    return args


def main(argv):
    args = parse_args(argv)
    target = load_target(args.target)
    if args.pulse_ns is None:
        args.pulse_ns = float(target["read_latency_ns"])
        if args.pulse_ns <= 2 * args.rise_ns:
            raise Error(f"{target['path']}: cost.read_latency_ns ({args.pulse_ns:g}) is not "
                        f"more than twice --rise-ns ({args.rise_ns:g}); give --pulse-ns")
    ngspice = shutil.which(args.ngspice)
    if ngspice is None:
        raise Error(f"'{args.ngspice}' not found on PATH (scripts/install-deps.sh installs "
                    "Debian's ngspice; or give --ngspice PATH)")
    with tempfile.TemporaryDirectory(prefix="ohm-spice-") as scratch:
        work = scratch
        if args.keep:
            try:
                os.makedirs(args.keep, exist_ok=True)
            except OSError as e:
                raise Error(f"cannot create '{args.keep}': {e.strerror}")
            work = os.path.abspath(args.keep)
        jobs = [(target, r, d, args, work, ngspice) for r in args.rows for d in args.densities]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            points = list(pool.map(simulate_point, jobs))
    summary = analyze(target, points, args)
    report(target, points, summary, args)
    if args.json:
        write_json(args.json, target, points, summary, args)
    if args.check:
        worst = summary["max_abs_error_pct"]["energy_err_fit_pct"]
        if worst > 100 * TOLERANCE:
            print(f"check: FAILED: the fitted energy model is off by {worst:.2f}% "
                  f"(more than {100 * TOLERANCE:g}%)")
            return 1
        print(f"check: passed: the fitted energy model is within {worst:.2f}% everywhere")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Error as e:
        print(f"spice-calibrate: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
