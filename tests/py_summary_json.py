#!/usr/bin/env python3
"""capsim summary --json: the shape of docs/OUTPUT.md ("summary --json"), checked value by
value against the HDF5 file, for run, compare, sweep, saltelli and optimize files.

Every number in the JSON is the file's own (full precision, no rounding): key totals
against /stats NAME_mean, _se, _es_lo, _es_hi and _q at 0.05/0.5/0.95; the by-year sums
against the monthly means; the options table against /stats/exercised_mean; the paired
differences against /diff; the frontier against /optimize. Labels: variants, elements.
"""
import json
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
SC = "tests/scenarios/options-cash.yaml"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def capsim(*args):
    r = subprocess.run([CAPSIM, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"capsim {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def summary_json(path):
    text = capsim("summary", "--json", path)
    return json.loads(text)


def same(a, b):
    """Equal as the file holds them (JSON writes 17 significant digits: exact)."""
    if a is None or b is None:
        return a is None and (b is None or not np.isfinite(b))
    return float(a) == float(b)


def attr(ds, name):
    a = ds.attrs[name]
    return a.decode() if isinstance(a, bytes) else str(a)


def labels(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def check_totals(f, d, what):
    s = f["stats"]
    q = list(s["quantile"][()])
    iq = [q.index(0.05), q.index(0.5), q.index(0.95)]
    V = int(f.attrs["variants"])
    check(len(d["variants"]) == V, f"{what}: {V} variant(s)")
    if V > 1:
        check([v["label"] for v in d["variants"]] == labels(s["variant"]), f"{what}: variant labels as /stats/variant")
    for slot, v in enumerate(d["variants"]):
        check(v["baseline"] == (slot == 0), f"{what}: baseline flag of variant {slot}")
        kt = v["key_totals"]
        for name in ["pv_spend", "pv_revenue", "months_short", "pv_net_value", "min_cash", "pv_spend_by_cloud"]:
            t = kt[name]
            mean = s[name + "_mean"][()]
            mean = mean[slot] if V > 1 else mean
            qq = s[name + "_q"][()]
            qq = qq[slot] if V > 1 else qq
            se = s[name + "_se"][()]
            se = se[slot] if V > 1 else se
            es = [s[name + "_es_lo"][()], s[name + "_es_hi"][()]]
            es = [e[slot] if V > 1 else e for e in es]
            check(t["units"] == attr(s[name + "_mean"], "units"), f"{what}/{slot}: {name} units")
            if "by" in t:
                lab = labels(s[t["by"]])
                check([e["label"] for e in t["elements"]] == lab, f"{what}/{slot}: {name} elements by {t['by']}")
                rows = t["elements"]
            else:
                rows = [t]
                mean, se, qq, es = [mean], [se], [qq], [[e] for e in es]
                es = [es[0][0:1], es[1][0:1]]
            ok = True
            for j, r in enumerate(rows):
                m = np.atleast_1d(mean)[j]
                ok &= same(r["mean"], m) and same(r["se"], np.atleast_1d(se)[j])
                qj = np.atleast_2d(qq)[j]
                ok &= same(r["p5"], qj[iq[0]]) and same(r["p50"], qj[iq[1]]) and same(r["p95"], qj[iq[2]])
                ok &= same(r["es5"], np.atleast_1d(es[0])[j]) and same(r["es95"], np.atleast_1d(es[1])[j])
            check(ok, f"{what}/{slot}: {name} mean, se, es5, p5, p50, p95, es95 as /stats")
        # by year: expected spend (contracts + spot) summed over the year's months
        month = labels(s["month"])
        sp = s["spend_mean"][()]
        spot = s["spot_spend_mean"][()]
        un = s["unmet_mean"][()]
        if V > 1:
            sp, spot, un = sp[slot], spot[slot], un[slot]
        years = sorted({int(m[:4]) for m in month})
        check([r["year"] for r in v["by_year"]] == years, f"{what}/{slot}: by_year years {years}")
        y0 = v["by_year"][0]
        idx = [t for t, m in enumerate(month) if int(m[:4]) == years[0]]
        exp_spend = sum(float(np.sum(sp[t])) + float(np.sum(spot[t])) for t in idx)
        exp_unmet = sum(float(np.sum(un[t])) for t in idx) / len(idx)
        check(y0["months"] == len(idx) and abs(y0["spend"] - exp_spend) <= 1e-9 * abs(exp_spend)
              and abs(y0["unmet_h100e"] - exp_unmet) <= 1e-9 * max(1.0, abs(exp_unmet)),
              f"{what}/{slot}: by_year[0] spend {y0['spend']:.6g} and unmet as the monthly means")
        if "exercised_mean" in s:
            ex = s["exercised_mean"][()]
            ex = ex[slot] if V > 1 else ex
            opts = labels(s["option"])
            o = v["options"]
            check([r["option"] for r in o["rows"]] == opts, f"{what}/{slot}: option rows {opts}")
            last = [t for t, m in enumerate(month)][-1]
            ok = all(same(r["p_exercised"], round(ex[last, j] * f.attrs["paths"]) / f.attrs["paths"])
                     for j, r in enumerate(o["rows"]))
            check(ok, f"{what}/{slot}: p_exercised as exercised_mean at the last month")
            check(same(o["pv_option_fees"]["mean"], np.atleast_1d(s["pv_option_fees_mean"][()])[slot] if V > 1
                       else s["pv_option_fees_mean"][()]), f"{what}/{slot}: pv_option_fees mean")


def check_diffs(f, d, what):
    df = f["diff"]
    V = int(f.attrs["variants"])
    check(len(d["differences"]) == V - 1, f"{what}: {V - 1} difference(s)")
    base = labels(f["stats"]["variant"])[0]
    for k, dd in enumerate(d["differences"]):
        check(dd["baseline"] == base and dd["variant"] == labels(f["stats"]["variant"])[k + 1],
              f"{what}: difference {k} names its variant and baseline")
        for name in ["pv_net_value", "pv_spend", "months_short"]:
            t = dd["totals"][name]
            m, se, pp, pn = (df[f"{name}_{x}"][()][k] for x in ["mean", "se", "ppos", "pneg"])
            better = attr(df[f"{name}_mean"], "better")
            exp_pb = None if (m == 0 and pp == 0 and pn == 0) else (pp if better == "higher" else pn)
            check(same(t["mean"], m) and same(t["se"], se) and same(t["ppos"], pp) and same(t["pneg"], pn)
                  and t["better"] == better and same(t["p_better"], exp_pb)
                  and t["all_equal"] == bool(m == 0 and pp == 0 and pn == 0),
                  f"{what}: {name} difference {k} as /diff (better {better})")
        vd = dd["verdict"]
        check(vd["total"] == "pv_net_value" and same(vd["mean"], df["pv_net_value_mean"][()][k])
              and vd["finding"] in ("better", "worse", "equal", "not established"), f"{what}: verdict {k}: {vd['finding']}")


with tempfile.TemporaryDirectory() as tmp:
    run = os.path.join(tmp, "run.h5")
    capsim("run", SC, "--paths", "600", "-q", "-o", run)
    d = summary_json(run)
    with h5py.File(run) as f:
        check(d["capsim_summary"] == 1 and d["file"] == run, "run: version 1 and the file")
        check(d["scenario"]["name"] == "options-cash" and d["scenario"]["start"] == "2026-01"
              and d["scenario"]["months"] == 36 and same(d["scenario"]["discount_rate"], 0.08), "run: scenario")
        check(d["run"]["paths"] == 600 and d["run"]["seed"] == 11 and d["run"]["sampling"] == "random",
              "run: paths, seed, sampling")
        check(d["variants"][0]["label"] == "options-cash", "run: the one variant is labelled by the scenario name")
        check("differences" not in d and "frontier" not in d, "run: no differences, no frontier")
        check_totals(f, d, "run")

    cmp_ = os.path.join(tmp, "cmp.h5")
    capsim("compare", SC, SC, "--set", "contracts.azure-main.capacity.0.count=90000", "--paths", "600", "-q", "-o", cmp_)
    d = summary_json(cmp_)
    with h5py.File(cmp_) as f:
        check_totals(f, d, "compare")
        check_diffs(f, d, "compare")

    sw = os.path.join(tmp, "sweep.h5")
    capsim("sweep", SC, "--vary", "contracts.azure-main.capacity.0.count=60000,80000,100000", "--paths", "600", "-q",
           "-o", sw)
    d = summary_json(sw)
    with h5py.File(sw) as f:
        check_totals(f, d, "sweep")
        check_diffs(f, d, "sweep")

    sa = os.path.join(tmp, "salt.h5")
    capsim("run", SC, "--set", "simulation.sampling=saltelli", "--paths", "1024", "-q", "-o", sa)
    d = summary_json(sa)
    with h5py.File(sa) as f:
        check(d["run"]["sampling"] == "saltelli", "saltelli: sampling")
        check_totals(f, d, "saltelli")

    op = os.path.join(tmp, "opt.h5")
    capsim("optimize", "tests/scenarios/newsvendor.yaml", "--paths", "1024", "-q", "-o", op)
    d = summary_json(op)
    with h5py.File(op) as f:
        g = f["optimize"]
        fr = d["frontier"]
        check(fr["decisions"] == labels(g["decision"]), f"optimize: decisions {fr['decisions']}")
        w = g["weight"][()]
        check([r["weight"] for r in fr["rows"]] == list(map(float, w)), "optimize: one row per weight")
        ch = g["chosen"][()]
        check(all(same(r["chosen"][k], ch[i, k]) for i, r in enumerate(fr["rows"]) for k in range(ch.shape[1])),
              "optimize: chosen decisions as /optimize/chosen")
        oo = g["objective_out"][()]
        check(all(same(r["out_of_sample"], oo[i]) for i, r in enumerate(fr["rows"])),
              "optimize: out_of_sample as /optimize/objective_out")
        check(fr["total"] == "pv_net_value" and fr["sense"] in ("maximize", "minimize"), "optimize: objective")
        check_totals(f, d, "optimize")

    # the text summary still prints and a bad file still fails, the same with --json
    r = subprocess.run([CAPSIM, "summary", "--json", os.path.join(tmp, "nope.h5")], capture_output=True, text=True)
    check(r.returncode == 2 and r.stdout == "", "--json of a missing file: exit 2, nothing on stdout")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("py_summary_json: all passed")
