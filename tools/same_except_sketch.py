#!/usr/bin/env python3
"""Two results files hold the same results bit for bit except what comes from the
monthly series' quantile sketch.

    /usr/bin/python3 tools/same_except_sketch.py OLD.h5 NEW.h5

For a change of the sketch (sim/stats/sketch.c), where tools/same_results.sh must find
differences: every dataset and attribute of every group is compared bit for bit
(NaN equal to NaN), except the datasets the sketch gives, which may differ:
  - NAME_q of a monthly series in /stats and /diff (a total has NAME_es_lo: its
    quantiles are exact and must be the same), NAME_pneg of a monthly series in /diff
    (the sketch's CDF at 0);
  - /sensitivity/rank_corr* (the CDF values of the totals and yearly aggregates in their
    final sketches).
Root attributes that describe the run rather than its results (command line, times,
threads, build) are skipped, as same_results.sh does, and so are the dimension scales'
reference attributes (h5diff follows those; the datasets they point to are compared). Prints the sketch datasets that
differ with their largest change, and every other difference; exits 1 on any of those.
"""
import sys

import h5py
import numpy as np

# dimension scales' attributes hold object references, which differ between files
REFS = {"DIMENSION_LIST", "REFERENCE_LIST"}
VOLATILE = {"command_line", "compiler", "compiler_flags", "created", "git_revision", "started",
            "threads", "wall_seconds", "capsim_version", "history", "source"}


def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind == "f":
        return bool(np.all((x == y) | (np.isnan(x) & np.isnan(y))) and
                    np.array_equal(np.signbit(x), np.signbit(y)))
    return np.array_equal(x, y)


def from_sketch(path, group):
    g, name = path.rsplit("/", 1)
    if g.startswith("/sensitivity") and name.startswith("rank_corr"):
        return True
    for suffix in ("_q", "_pneg"):
        if name.endswith(suffix) and g in ("/stats", "/diff"):
            base = name[: -len(suffix)]
            return base + "_es_lo" not in group and (suffix == "_q" or g == "/diff")
    return False


def main():
    a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
    bad, moved = [], []

    def attrs(oa, ob, path):
        skip = REFS | (VOLATILE if path == "/" else set())
        ka, kb = set(oa.attrs) - skip, set(ob.attrs) - skip
        if ka != kb:
            bad.append(f"{path}: attributes {sorted(ka ^ kb)} in one file only")
        for k in ka & kb:
            if not same(oa.attrs[k], ob.attrs[k]):
                bad.append(f"{path}: attribute {k}")

    def walk(ga, gb, path):
        attrs(ga, gb, path)
        if set(ga) != set(gb):
            bad.append(f"{path}: objects {sorted(set(ga) ^ set(gb))} in one file only")
        for k in sorted(set(ga) & set(gb)):
            p = (path.rstrip("/") + "/" + k)
            oa, ob = ga[k], gb[k]
            if isinstance(oa, h5py.Group):
                walk(oa, ob, p)
                continue
            attrs(oa, ob, p)
            x, y = oa[()], ob[()]
            if same(x, y):
                continue
            if from_sketch(p, ga):
                x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
                d = np.abs(x - y)
                d = d[np.isfinite(d)]
                moved.append(f"{p}: differs (sketch) in {np.sum(x != y)} of {x.size}, largest change {d.max() if d.size else 0:.3g}")
            else:
                bad.append(f"{p}: differs")

    walk(a, b, "/")
    for m in moved:
        print(m)
    for m in bad:
        print("DIFF " + m)
    print(f"{'same' if not bad else 'DIFFERENT'} apart from the sketch ({len(moved)} sketch datasets moved)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
