#!/usr/bin/env python3
"""Accuracy of the monthly series' quantile sketch against exact quantiles.

    /usr/bin/python3 tools/sketch_accuracy.py [--capsim build/capsim] [--paths 1e5]
                     [--seed 1] [--threads 2] [--keep FILE.h5] [--file FILE.h5]

Runs the default scenario with --save-paths equal to --paths (every path's monthly series
saved), then for every monthly variable of /stats (series x month x element) and each of
the 9 quantile levels p, compares the sketch's quantile y with the saved values: the rank
error of y is 0 when p n lies in y's true rank interval [#(< y), #(<= y)], else the signed
distance to it, as a fraction of n (negative: y too small). Prints the mean signed error,
the share of errors that are negative among the non-zero ones, the mean absolute and the
worst error, overall and per level, and the worst variable. The contract (docs/OUTPUT.md,
accuracy): a mean signed error within +-0.05% and a worst error of at most 0.25% at
1e5 and 1e6 paths (the sketch is built for 0.2%).

Heavy: at 1e5 paths the file holds 2.6 GB of series before compression (a few minutes
and about 1.5 GB of memory for one series at a time): run it niced, not in the suite.
--file reads an existing file instead of running capsim (it must have --save-paths equal
to its path count).

At 1e6 paths the saved series would take 25 GB: run the same command as --shard i/n
files, each with --save-paths equal to the path count (each saves its own paths), and a
plain run for the sketch; then
    tools/sketch_accuracy.py --file RUN.h5 --paths-from SHARD*.h5 --every 10
measures every 10th monthly variable of each series against the exact values of all
paths (the shards' /paths, read one series at a time).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def rank_errors(x, q, levels, presorted=False):
    """Signed rank errors (fraction of n), shape (vars, 9): x (paths, vars) the values,
    q (vars, 9) the sketch's quantiles at levels."""
    n = x.shape[0]
    if not presorted:
        x = np.sort(x, axis=0)
    err = np.empty(q.shape)
    for j, p in enumerate(levels):
        y = q[:, j]
        lt = np.array([np.searchsorted(x[:, c], y[c], side="left") for c in range(x.shape[1])], dtype=float)
        le = np.array([np.searchsorted(x[:, c], y[c], side="right") for c in range(x.shape[1])], dtype=float)
        t = p * n
        err[:, j] = np.where(t < lt, lt - t, np.where(t > le, le - t, 0.0)) / n
    return err


def series_errors(stats, paths, name):
    """Signed rank errors (fraction of n), shape (vars, 9), of series name."""
    q = stats[name + "_q"][()]                     # time[, own], quantile
    x = paths[name][()]                            # path, time[, own]
    n = x.shape[0]
    return rank_errors(x.reshape(n, -1), q.reshape(-1, q.shape[-1]), stats["quantile"][()])


def shard_errors(stats_list, shards, name, every):
    """series_errors for every every-th variable of series name (in its flattened (time,
    own) order), the values read from the saved paths of shard files that together hold
    every path (sorted by their first path); one array per results file of stats_list
    (the same paths: several builds measured against one read of the shards)."""
    parts = [f["paths"][name][()] for f in shards]
    x = np.concatenate([a.reshape(a.shape[0], -1)[:, ::every] for a in parts])
    del parts
    x.sort(axis=0)
    out = []
    for stats in stats_list:
        q = stats[name + "_q"][()]
        q = q.reshape(-1, q.shape[-1])[::every]
        out.append(rank_errors(x, q, stats["quantile"][()], presorted=True))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capsim", default="build/capsim")
    ap.add_argument("--paths", default="1e5")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--keep", help="keep the results file here")
    ap.add_argument("--file", help="measure this file instead of running capsim")
    ap.add_argument("--paths-from", nargs="+", metavar="SHARD",
                    help="with --file: take the exact values from the saved paths of these shard files "
                         "(--shard i/n --save-paths equal to the path count), which together hold every path")
    ap.add_argument("--every", type=int, default=1,
                    help="with --paths-from: measure every K-th monthly variable of each series")
    a = ap.parse_args()
    if a.paths_from:
        return main_shards(a)
    tmp = None
    path = a.file
    if not path:
        tmp = tempfile.TemporaryDirectory(dir=os.path.dirname(a.keep) if a.keep else None)
        path = a.keep or os.path.join(tmp.name, "acc.h5")
        n = str(int(float(a.paths)))
        t0 = time.time()
        subprocess.run([a.capsim, "run", "--paths", n, "--save-paths", n, "--seed", a.seed,
                        "--threads", a.threads, "--quiet", "-o", path], check=True)
        print(f"capsim run, {n} paths saved: {time.time() - t0:.0f} s", file=sys.stderr)
    with h5py.File(path, "r") as f:
        st, pa = f["stats"], f["paths"]
        n = int(st["n"][()])
        if pa[next(iter(k for k in pa if k + "_q" in st))].shape[0] != n:
            sys.exit(f"{path}: needs --save-paths equal to the path count ({n})")
        names = [k for k in pa if k + "_q" in st]
        errs, owner = [], []
        for name in names:
            e = series_errors(st, pa, name)
            errs.append(e)
            owner += [name] * e.shape[0]
        levels = st["quantile"][()]
    report(np.concatenate(errs), n, len(names), owner, levels)
    if tmp:
        tmp.cleanup()


def report(e, n, nseries, owner, levels, what=""):
    nz = e[e != 0]
    w = np.unravel_index(np.argmax(np.abs(e)), e.shape)
    print(f"n = {n} paths, {e.shape[0]} monthly variables{what} x {e.shape[1]} levels ({nseries} series)")
    print(f"mean signed rank error {100 * e.mean():+.4f}%   negative {100 * np.mean(nz < 0) if nz.size else 0:.0f}% "
          f"of the non-zero   mean |error| {100 * np.abs(e).mean():.4f}%   worst {100 * np.abs(e).max():.4f}% "
          f"({owner[w[0]]}, p = {levels[w[1]]:g})")
    print("per level   " + "  ".join(f"{p:>7g}" for p in levels))
    print("mean signed " + "  ".join(f"{100 * m:+6.3f}%" for m in e.mean(axis=0)))
    print("worst       " + "  ".join(f"{100 * m:6.3f}%" for m in np.abs(e).max(axis=0)))


def main_shards(a):
    """--file RESULTS[,RESULTS...] --paths-from SHARDS: the sketch's quantiles from each
    RESULTS (runs of the same paths and seed, e.g. two builds), the exact values from the
    shards' saved paths (for path counts whose saved paths would not fit in one file or in
    memory: a subset of the variables with --every)."""
    shards = [h5py.File(s, "r") for s in a.paths_from]
    shards = [s for s in shards if int(s["shard"].attrs["path_end"]) > int(s["shard"].attrs["path_first"])]
    shards.sort(key=lambda f: int(f["shard"].attrs["path_first"]))
    files = [h5py.File(p, "r") for p in a.file.split(",")]
    sts = [f["stats"] for f in files]
    n = int(sts[0]["n"][()])
    for f, st in zip(files, sts):
        if int(st["n"][()]) != n or int(f.attrs["seed"]) != int(files[0].attrs["seed"]):
            sys.exit(f"{f.filename}: not a run of the same paths")
    first = 0
    for s in shards:
        sa = s["shard"].attrs
        if int(sa["path_first"]) != first or int(sa["total_paths"]) != n or int(sa["seed"]) != int(files[0].attrs["seed"]):
            sys.exit(f"{s.filename}: not the next shard of a run of {n} paths with this seed")
        if s["paths"][next(iter(s["paths"]))].shape[0] != int(sa["path_end"]) - first:
            sys.exit(f"{s.filename}: needs --save-paths equal to the path count")
        first = int(sa["path_end"])
    if first != n:
        sys.exit(f"the shards hold paths 0..{first}, not all {n}")
    names = [k for k in shards[0]["paths"] if k + "_q" in sts[0]]
    errs, owner = [[] for _ in files], []
    for name in names:
        es = shard_errors(sts, shards, name, a.every)
        for k, e in enumerate(es):
            errs[k].append(e)
        owner += [name] * es[0].shape[0]
        print(f"{name}: {es[0].shape[0]} variables, worst " +
              ", ".join(f"{100 * np.abs(e).max():.4f}%" for e in es), file=sys.stderr)
    levels = sts[0]["quantile"][()]
    for f, e in zip(files, errs):
        print(f"--- {f.filename}")
        report(np.concatenate(e), n, len(names), owner, levels,
               f" (every {a.every}th of each series)" if a.every > 1 else "")


if __name__ == "__main__":
    main()
