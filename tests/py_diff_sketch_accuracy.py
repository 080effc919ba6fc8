#!/usr/bin/env python3
"""The paired differences' monthly sketch against exact quantiles.

A compare's /diff/NAME_q of the monthly series come from a smaller sketch than /stats
(STATS_DIFF_K = 256 against 2048, sim/stats/stats.h; the totals' differences are exact
and not measured here). This runs a compare of the default with aws-expand-option with
every path saved (--save-paths = --paths), takes the exact paired differences from
/paths (variant 1 minus variant 0, path by path), and measures the rank error of every
monthly difference variable's 9 quantiles, with tools/sketch_accuracy.py's rank_errors.
Superblocks of 2560 paths make the sketch go through the merges of a long run on 8000
paths (4 superblocks).

Thresholds, the contract's (docs/OUTPUT.md, "Paired differences' quantiles"): mean signed
rank error within +-0.2% and worst at most 1.5%.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from sketch_accuracy import rank_errors  # noqa: E402

CAPSIM = os.environ["CAPSIM"]
N = "8000"

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "acc.h5")
    r = subprocess.run([CAPSIM, "compare", "scenarios/multicloud-2026.yaml", "scenarios/aws-expand-option.yaml",
                        "--paths", N, "--save-paths", N, "--superblock-paths", "2560",
                        "--seed", "5", "--quiet", "-o", out], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"capsim compare failed ({r.returncode}):\n{r.stderr}")
    errs = []
    with h5py.File(out, "r") as f:
        d, pa, levels = f["diff"], f["paths"], f["diff"]["quantile"][()]
        for name in pa:
            if name + "_q" not in d or pa[name].ndim < 3:
                continue
            x = pa[name][()]
            if x.shape[0] != 2:
                continue
            diff = (x[1] - x[0]).reshape(x.shape[1], -1)     # paths, (time, own)
            q = d[name + "_q"][()][0]
            errs.append(rank_errors(diff, q.reshape(-1, q.shape[-1]), levels))
e = np.concatenate(errs)
mean, worst = e.mean(), np.abs(e).max()
print(f"{e.shape[0]} monthly difference variables x {e.shape[1]} levels at {N} paths: "
      f"mean signed rank error {100 * mean:+.4f}%, worst {100 * worst:.4f}%, "
      f"mean |error| {100 * np.abs(e).mean():.4f}%")
fails = []
if e.shape[0] < 3000:
    fails.append(f"only {e.shape[0]} monthly difference variables measured")
if abs(mean) > 0.002:
    fails.append(f"mean signed rank error {100 * mean:+.4f}% outside +-0.2%")
if worst > 0.015:
    fails.append(f"worst rank error {100 * worst:.4f}% above 1.5%")
for m in fails:
    print("FAIL " + m)
sys.exit(1 if fails else 0)
