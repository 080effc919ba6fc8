#!/usr/bin/python3
"""rqmc_se.py: is the standard error of each sampling scheme honest, and how small is it?

For each scheme (random, lhs, sobol) runs `capsim run` with seeds 1..S at N paths and,
for a few means, compares the empirical sd of the S means (the true error) with the
mean of the S reported standard errors (`/stats` NAME_se). A calibrated SE gives a ratio
sd / mean(SE) near 1 (within about 1 +- 2/sqrt(2(S-1)) for S seeds: the sd of S values
has that relative error); a ratio well below 1 is an SE that is honest but blind to a
variance reduction (the plain sd/sqrt(n) of dependent paths), above 1 one that is too
small. Figures from this script are in docs/OUTPUT.md ("Standard errors").

usage: /usr/bin/python3 tools/rqmc_se.py [--capsim build/capsim] [--scenario FILE]
           [--seeds 40] [--paths 2048] [--schemes random,lhs,sobol]
Run from the repository root; nice it on a shared machine.
"""
import argparse
import os
import subprocess
import tempfile

import h5py
import numpy as np

# (label, variable, index into its array or None): a smooth total, a skewed total, a
# monthly series at t = 12 (first cloud)
METRICS = [
    ("pv_spend", "pv_spend", None),
    ("unmet_h100e_hours", "unmet_h100e_hours", None),
    ("capacity[t=12, cloud 0]", "capacity", (12, 0)),
    ("demand[t=12, seg 0]", "demand", (12, 0)),
]


def one_run(capsim, scenario, scheme, seed, paths, out):
    cmd = [capsim, "run"] + ([scenario] if scenario else []) + [
        "--paths", str(paths), "--seed", str(seed), "--threads", "1", "--quiet",
        "--set", "simulation.sampling=" + scheme, "-o", out]
    subprocess.run(cmd, check=True)
    with h5py.File(out, "r") as f:
        g = f["stats"]
        method = g.attrs.get("se_method", b"(none)")
        vals = []
        for _, var, idx in METRICS:
            m, s = g[var + "_mean"][()], g[var + "_se"][()]
            if idx is not None:
                m, s = m[idx], s[idx]
            vals.append((float(m), float(s)))
    return (method.decode() if isinstance(method, bytes) else str(method)), vals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capsim", default="build/capsim")
    ap.add_argument("--scenario", default="")
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--paths", type=int, default=2048)
    ap.add_argument("--schemes", default="random,lhs,sobol")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="rqmc_se.")
    out = os.path.join(tmp, "r.h5")
    print(f"# {a.scenario or 'built-in scenario'}, {a.paths} paths, seeds 1..{a.seeds}")
    print(f"# {'scheme':7s} {'se_method':13s} {'metric':26s} {'sd(means)':>11s} {'mean(SE)':>11s} {'ratio':>6s}")
    for scheme in a.schemes.split(","):
        res = [one_run(a.capsim, a.scenario, scheme, s, a.paths, out) for s in range(1, a.seeds + 1)]
        method = res[0][0]
        for k, (label, _, _) in enumerate(METRICS):
            means = np.array([r[1][k][0] for r in res])
            ses = np.array([r[1][k][1] for r in res])
            sd = means.std(ddof=1)
            ratio = sd / ses.mean() if ses.mean() > 0 else float("nan")
            print(f"  {scheme:7s} {method:13s} {label:26s} {sd:11.4g} {ses.mean():11.4g} {ratio:6.2f}")
    os.remove(out)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
