#!/usr/bin/python3
"""sobol_coverage.py: do the 95% intervals of capsim's Sobol indices cover?

Runs `capsim run SCENARIO --set simulation.sampling=saltelli` with seeds 1..S at N paths
and, for every (total, parameter) pair of /sensitivity sobol_first and sobol_total,
compares the S estimates with their pooled mean (the mean over the seeds: S times more
samples than any one run): the share of the S nominal-95% intervals that cover it, and
the ratio sd(estimates) / mean(half-width / 1.96) (1 for an interval of the right width).
Pairs whose pooled index is below --min (default 0.01) are listed apart: tiny indices of
a skewed total are dominated by a few paths. Figures from this script are in
docs/OUTPUT.md ("Sobol indices").

usage: /usr/bin/python3 tools/sobol_coverage.py [--capsim build/capsim] [--scenario F]
           [--seeds 20] [--paths 4000] [--min 0.01] [--show 12] [--pair TOTAL:PARAM ...]
Run from the repository root; nice it on a shared machine.
"""
import argparse
import os
import subprocess
import tempfile

import h5py
import numpy as np


def labels(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capsim", default="build/capsim")
    ap.add_argument("--scenario", default="")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--paths", type=int, default=4000)
    ap.add_argument("--min", type=float, default=0.01)
    ap.add_argument("--show", type=int, default=12)
    ap.add_argument("--pair", action="append", default=[], help="also show TOTAL:PARAM (both indices)")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sobol_cov.")
    out = os.path.join(tmp, "r.h5")
    est = {"first": [], "total": []}
    ci = {"first": [], "total": []}
    for s in range(1, a.seeds + 1):
        cmd = [a.capsim, "run"] + ([a.scenario] if a.scenario else []) + [
            "--paths", str(a.paths), "--seed", str(s), "--quiet",
            "--set", "simulation.sampling=saltelli", "-o", out]
        subprocess.run(cmd, check=True)
        with h5py.File(out, "r") as f:
            g = f["sensitivity"]
            totals, params = labels(g["total"]), labels(g["param"])
            for k in ("first", "total"):
                est[k].append(g["sobol_" + k][()])
                ci[k].append(g["sobol_" + k + "_ci"][()])
    os.remove(out)
    os.rmdir(tmp)
    print(f"# {a.scenario or 'built-in scenario'}, saltelli, {a.paths} paths, seeds 1..{a.seeds}, {a.capsim}")
    for k in ("first", "total"):
        E, C = np.array(est[k]), np.array(ci[k])          # seeds x totals x params
        pooled = E.mean(axis=0)
        cover = (np.abs(E - pooled) <= C).mean(axis=0)
        ratio = E.std(axis=0, ddof=1) / (C.mean(axis=0) / 1.96)
        big = np.abs(pooled) >= a.min
        ok = np.isfinite(pooled)
        print(f"{k:5s}: pairs with |index| >= {a.min}: {int((big & ok).sum())}, intervals covering the pooled "
              f"estimate {cover[big & ok].mean():.3f}; smaller pairs: {int((~big & ok).sum())}, "
              f"covering {cover[~big & ok].mean():.3f}")
        order = np.argsort(np.where(big & ok, cover, 2.0), axis=None)[: a.show]
        for idx in order:
            t, p = np.unravel_index(idx, pooled.shape)
            if not (big & ok)[t, p]:
                continue
            print(f"   {totals[t]:30s} {params[p]:45s} pooled {pooled[t, p]:8.4f} cover {cover[t, p]:.2f} "
                  f"sd/SE {ratio[t, p]:.2f}")
        for pair in a.pair:
            tn, pn = pair.split(":", 1)
            t, p = totals.index(tn), params.index(pn)
            print(f"   pair {tn} {pn}: pooled {pooled[t, p]:.4f}, sd {E[:, t, p].std(ddof=1):.4g}, "
                  f"mean SE {C[:, t, p].mean() / 1.96:.4g}, cover {cover[t, p]:.2f}")


if __name__ == "__main__":
    main()
