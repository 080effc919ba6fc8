#!/usr/bin/env python3
"""Exact statistics of the per-path totals (docs/MODEL.md 14, docs/OUTPUT.md).

For every per-path total of /totals, /stats holds NAME_q equal to numpy.quantile (its
default 'linear' method) of the saved totals to the bit, NAME_ppos = P(> 0) exactly, and
NAME_es_lo / NAME_es_hi, the means of the lowest / highest 5% of paths (a fractional
5% count weights the boundary value by what is left). The same in /diff (compare) for the
paired differences, with NAME_pneg = P(< 0). A run split in shards and merged gives the
same bits. ES is compared with numpy's own (pairwise) sum, so to 1e-12 relative, not
bitwise: the file sums the sorted values one by one.
"""
import os
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError as e:  # cannot run here: a skip (exit 77), not a failure
    print(f"SKIP: Python module {e.name} not installed")
    sys.exit(77)

CAPSIM = os.environ["CAPSIM"]
BASE = "tests/scenarios/every-randomness.yaml"
# 3 superblocks of 1024 paths: sketches and merges happen as in a long run
RUN = ["--paths", "2600", "--seed", "11", "--superblock-paths", "1024"]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def capsim(*args):
    r = subprocess.run([CAPSIM, *args, "--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"capsim {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")


def es(x, hi):
    """Expected shortfall as docs/OUTPUT.md defines it."""
    s = np.sort(x)
    if hi:
        s = -s[::-1]
    m = 0.05 * len(s)
    t = s[int(np.ceil(m)) - 1]
    below = s[s < t]
    v = t if m < 1 else (below.sum() + (m - len(below)) * t) / m
    return -v if hi else v


def columns(x):
    """(element index, column) pairs of a totals array (path[, own])."""
    return [(None, x)] if x.ndim == 1 else [(j, x[:, j]) for j in range(x.shape[1])]


def check_group(g, per_path, label, diff, vslot=None):
    """Statistics of per_path's totals in group g (at variant slot vslot, if any)."""
    levels = g["quantile"][:]
    for name, x in per_path.items():
        for j, col in columns(x):
            idx = tuple(i for i in (vslot, j) if i is not None)
            sel = lambda a, idx=idx: a[idx] if idx else a[()]
            where = f"{label} {name}" + ("" if j is None else f"[{j}]")
            q = sel(g[name + "_q"])
            check(np.array_equal(q, np.quantile(col, levels)), f"{where}: q equals numpy.quantile to the bit")
            lo, hi = sel(g[name + "_es_lo"]), sel(g[name + "_es_hi"])
            check(np.isclose(lo, es(col, False), rtol=1e-12, atol=0) and
                  np.isclose(hi, es(col, True), rtol=1e-12, atol=0), f"{where}: es_lo, es_hi exact")
            check(col.min() <= lo <= q[1] <= q[7] <= hi <= col.max(), f"{where}: min <= es_lo <= P5 <= P95 <= es_hi <= max")
            if name + "_ppos" in g:
                check(sel(g[name + "_ppos"]) == np.count_nonzero(col > 0) / len(col), f"{where}: ppos exact")
            if diff:
                check(sel(g[name + "_pneg"]) == np.count_nonzero(col < 0) / len(col), f"{where}: pneg exact")


def totals_of(f, v=None):
    t = f["totals"]
    return {k: (t[k][:] if v is None else t[k][v]) for k in t if k not in ("path", "cloud", "variant")}


def stat_vars(f, group):
    g = f[group]
    return {k: g[k][()] for k in g if k.endswith(("_q", "_es_lo", "_es_hi", "_ppos", "_pneg"))}


with tempfile.TemporaryDirectory() as tmp:
    one = os.path.join(tmp, "one.h5")
    capsim("run", BASE, *RUN, "-o", one)
    with h5py.File(one) as f:
        check_group(f["stats"], totals_of(f), "run", False)
        want = stat_vars(f, "stats")

    parts = [os.path.join(tmp, f"part{i}.h5") for i in range(2)]
    for i, p in enumerate(parts):
        capsim("run", BASE, *RUN, "--shard", f"{i}/2", "-o", p)
    merged = os.path.join(tmp, "merged.h5")
    capsim("merge", *parts, "-o", merged)
    with h5py.File(merged) as f:
        check_group(f["stats"], totals_of(f), "merged", False)
        got = stat_vars(f, "stats")
        check(want.keys() == got.keys() and all(np.array_equal(want[k], got[k], equal_nan=True) for k in want),
              "merged shards: every quantile, ES and probability equals the single run's, bitwise")

    # a compare: the paired differences of the totals
    text = open(BASE).read()
    new = text.replace("price: { h100: 2.0, gb200: 4.0 }", "price: { h100: 2.5, gb200: 4.0 }")
    assert new != text
    pricier = os.path.join(tmp, "pricier.yaml")
    open(pricier, "w").write(new)
    cmp = os.path.join(tmp, "cmp.h5")
    capsim("compare", BASE, pricier, *RUN, "-o", cmp)
    with h5py.File(cmp) as f:
        base, var = totals_of(f, 0), totals_of(f, 1)
        check_group(f["diff"], {k: var[k] - base[k] for k in base}, "diff", True, vslot=0)
        check_group(f["stats"], base, "compare baseline", False, vslot=0)
        check_group(f["stats"], var, "compare variant", False, vslot=1)

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
