#!/usr/bin/python3
"""py_cf: the CF-1.8 metadata of results files and the units of a CSV export
(docs/OUTPUT.md, "CF conventions" and "datapackage.json").

A run (built-in scenario, 2025-11 + 60 months, saved paths), a compare and a 2 x 2 sweep,
each opened with both xarray engines (h5netcdf, netcdf4) and with h5py:

  - time_bnds: the first day of each month and of the next, in days since 1970-01-01,
    against values computed by hand (2025-11-01 is day 20393; February 2026 has 28 days,
    February 2028 29; the last month 2030-10 ends on 2030-11-01, day 22219), decoded by
    xarray to the same dates; time's `bounds` names it;
  - cell_methods: `time: sum` on every statistic of a series in USD per month, `time:
    point (at the end of the month)` on cash, `time: mean` on levels, with `realization:
    mean` (sd, min, max) after it on those statistics; on /paths the time part alone;
  - `standard_name: realization` on every `path` coordinate;
  - root `source` = "capsim " + capsim_version, `history` = "CREATED: COMMAND LINE";
  - the sweep's varied coordinates: `units` from the varied field (discount_rate: 1 per
    year; a capacity count: chips) and a long_name naming the key path;
  - /params: CF-safe names (letters, digits, _; starting with a letter), each the key
    path with every other character made _, the key path in `key_path`; the key paths
    are /sensitivity's `param` labels;
  - a file with bnds but no time_bnds is damaged (summary: exit 2, naming it);
  - `capsim export`: datapackage.json lists each CSV file with its header's fields, in
    order; the units of totals.csv and params.csv columns are the variables' units; the
    `units` map of stats.csv's value field is /stats's units of each series.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

try:
    import h5py
    import numpy as np
    import xarray as xr
    import h5netcdf  # noqa: F401
    import netCDF4  # noqa: F401
except ImportError as e:  # cannot run here: a skip (exit 77), not a failure
    print(f"SKIP: Python module {e.name} not installed")
    sys.exit(77)

warnings.simplefilter("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPSIM = os.environ.get("CAPSIM", os.path.join(ROOT, os.environ.get("BUILD", "build"), "capsim"))
SCEN = os.path.join(ROOT, "scenarios")
ENGINES = ("h5netcdf", "netcdf4")
failures = []

# Month bounds of the built-in scenario (start 2025-11), computed by hand: month index ->
# (first day, first day of the next month) in days since 1970-01-01.
BOUNDS = {0: (20393, 20423), 1: (20423, 20454), 2: (20454, 20485), 3: (20485, 20513),
          27: (21215, 21244), 59: (22188, 22219)}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def capsim(*args):
    r = subprocess.run([CAPSIM, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"capsim {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def check_root(path, command):
    with h5py.File(path, "r") as f:
        a = {k: text(v) for k, v in f.attrs.items() if k in ("Conventions", "source", "history", "created",
                                                              "command_line", "capsim_version")}
    check(a.get("Conventions") == "CF-1.8", f"{command}: Conventions {a.get('Conventions')}")
    check(a.get("source") == "capsim " + a.get("capsim_version", "?"), f"{command}: source '{a.get('source')}'")
    want = f"{a.get('created')}: {a.get('command_line')}"
    check(a.get("history") == want and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \S*capsim " + command,
                                                 a.get("history", "")) is not None,
          f"{command}: history '{a.get('history', '')[:60]}...'")


def check_time(path, group, engine):
    ds = xr.open_dataset(path, group=group, engine=engine)
    tb = ds["time_bnds"]
    check(tb.dims == ("time", "bnds") and tb.shape == (60, 2), f"/{group}/time_bnds over (time, bnds) ({engine})")
    check(ds["time"].attrs.get("bounds", ds["time"].encoding.get("bounds")) == "time_bnds",
          f"/{group}/time bounds = time_bnds ({engine})")
    epoch = np.datetime64("1970-01-01", "D")
    for t, (lo, hi) in BOUNDS.items():
        got = tb.values[t].astype("datetime64[D]")
        check(got[0] == epoch + lo and got[1] == epoch + hi and ds["time"].values[t] == tb.values[t, 0],
              f"/{group}/time_bnds[{t}] = {got[0]} .. {got[1]} ({engine})")
    ds.close()
    with h5py.File(path, "r") as f:
        raw = f[group]["time_bnds"][()]
        check(all(tuple(raw[t]) == b for t, b in BOUNDS.items()), f"/{group}/time_bnds in days: {raw[0]} ...")
        check(np.array_equal(raw[1:, 0], raw[:-1, 1]), f"/{group}/time_bnds: each month starts where the last ends")


def cell_methods_ok(ds, group, engine, stats):
    """Every variable over time has the cell_methods its series and statistic call for."""
    bad = []
    for name, v in ds.data_vars.items():
        if "time" not in v.dims or name == "time_bnds":
            continue
        units = v.attrs.get("units", "")
        series = v.attrs.get("series", name)
        st = v.attrs.get("statistic", "")
        if series == "cash" or series in ("defaulted", "exercised"):
            tm = "time: point (at the end of the month)"
        elif stats and st in ("ppos", "pneg"):
            tm = None  # a probability: the series' units are not the variable's
        elif units.endswith(" per month"):
            tm = "time: sum"
        else:
            tm = "time: mean"
        over = {"mean": "mean", "sd": "standard_deviation", "min": "minimum", "max": "maximum"}.get(st)
        cm = v.attrs.get("cell_methods", "")
        if tm is None:
            ok = cm.startswith("time: ")
        else:
            ok = cm == tm + (f" realization: {over}" if over else "")
        if not ok:
            bad.append(f"{name}: '{cm}'")
    check(not bad, f"/{group}: cell_methods of every variable over time ({engine}) {bad[:3]}")


def check_cell_methods(path, groups, engine):
    for g in groups:
        ds = xr.open_dataset(path, group=g, engine=engine)
        cell_methods_ok(ds, g, engine, g != "paths")
        if g != "paths":
            exp = {"spend_mean": "time: sum realization: mean", "spend_q": "time: sum",
                   "revenue_sd": "time: sum realization: standard_deviation",
                   "cash_mean": "time: point (at the end of the month) realization: mean",
                   "capacity_max": "time: mean realization: maximum", "unmet_ppos": "time: mean",
                   "utilisation_min": "time: mean realization: minimum"}
        else:
            exp = {"spend": "time: sum", "cash": "time: point (at the end of the month)", "demand": "time: mean"}
        got = {k: ds[k].attrs.get("cell_methods") for k in exp}
        check(got == exp, f"/{g}: {', '.join(f'{k}: {v}' for k, v in list(got.items())[:3])} ... ({engine})")
        ds.close()


def check_realization(path, groups, engine):
    for g in groups:
        ds = xr.open_dataset(path, group=g, engine=engine)
        check(ds["path"].attrs.get("standard_name") == "realization", f"/{g}/path: standard_name realization ({engine})")
        ds.close()


def cf_name(key):
    s = re.sub(r"[^A-Za-z0-9_]", "_", key)
    return s if re.match(r"[A-Za-z]", s) else "p_" + s


def check_params(path, engine):
    ds = xr.open_dataset(path, group="params", engine=engine)
    keys = []
    bad = []
    for name, v in ds.data_vars.items():
        kp = v.attrs.get("key_path", "")
        keys.append(kp)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name != cf_name(kp) or "path" not in v.dims:
            bad.append(f"{name} ({kp})")
        if "units" not in v.attrs:
            bad.append(f"{name}: no units")
    ds.close()
    sens = xr.open_dataset(path, group="sensitivity", engine=engine)
    labels = [text(x) for x in sens["param"].values]
    sens.close()
    check(not bad and keys == labels and len(keys) > 5,
          f"/params: {len(keys)} CF-safe names, key_path = /sensitivity param labels ({engine}) {bad[:3]}")


def check_sweep_coords(path, engine):
    want = {"scenario.discount_rate": ("1 per year", [0.05, 0.05, 0.1, 0.1]),
            "contracts.aws-2025.capacity.0.count": ("chips", [100000, 120000, 100000, 120000])}
    for g in ("stats", "totals", "params"):
        ds = xr.open_dataset(path, group=g, engine=engine)
        for name, (units, values) in want.items():
            c = ds.coords.get(name)
            ok = c is not None and c.dims == ("variant",) and c.attrs.get("units") == units \
                and c.attrs.get("long_name") == f"varied value of {name}" and np.array_equal(c.values, values)
            check(ok, f"/{g}/{name}: units '{None if c is None else c.attrs.get('units')}' ({engine})")
        ds.close()
    ds = xr.open_dataset(path, group="diff", engine=engine)
    c = ds.coords.get("scenario.discount_rate")
    check(c is not None and c.attrs.get("units") == "1 per year" and np.array_equal(c.values, [0.05, 0.1, 0.1]),
          f"/diff/scenario.discount_rate over the non-baseline variants ({engine})")
    ds.close()


def check_datapackage(path, out):
    capsim("export", path, "--csv", out)
    with open(os.path.join(out, "datapackage.json")) as fp:
        dp = json.load(fp)
    res = {r["path"]: r for r in dp["resources"]}
    csvs = sorted(f for f in os.listdir(out) if f.endswith(".csv"))
    check(sorted(res) == csvs, f"datapackage.json lists every CSV file ({len(csvs)})")
    check(dp.get("profile") == "tabular-data-package" and all(r.get("profile") == "tabular-data-resource"
                                                               for r in dp["resources"]), "profiles")
    for name in csvs:
        with open(os.path.join(out, name), newline="") as fp:
            header = next(csv.reader(fp))
        fields = [f["name"] for f in res[name]["schema"]["fields"]]
        check(fields == header, f"{name}: the fields are the header ({len(header)} columns)")
    types = {f["name"]: f["type"] for f in res["stats.csv"]["schema"]["fields"]}
    check(types.get("time") == "date" and types.get("month") == "yearmonth" and types.get("value") == "number",
          f"stats.csv types {types}")
    with h5py.File(path, "r") as f:
        multi = "variant" in f["stats"]
        want = {}
        for n, v in f["stats"].items():
            if "series" in v.attrs and text(v.attrs["statistic"]) == "mean" and "time" in \
                    [os.path.basename(d[0].name) for d in v.dims if len(d)]:
                want[text(v.attrs["series"])] = text(v.attrs["units"])
        units = [f["units"] for f in res["stats.csv"]["schema"]["fields"] if f["name"] == "value"][0]
        check(units == want and len(want) > 10, f"stats.csv value units by series = /stats units ({len(want)})")
        tot = {f["name"]: f.get("unit") for f in res["totals.csv"]["schema"]["fields"]}
        bad = [k for k, u in tot.items() if k not in ("path", "variant") and u != text(f["totals"][k.split("[")[0]].attrs["units"])]
        check(not bad and tot.get("pv_spend") == "USD" and tot.get("months_short") == "months",
              f"totals.csv units = /totals units {bad[:3]}")
        by_key = {text(v.attrs["key_path"]): text(v.attrs["units"]) for v in f["params"].values()
                  if "key_path" in v.attrs and "path" in [os.path.basename(d[0].name) for d in v.dims if len(d)]}
        par = {f["name"]: f.get("unit") for f in res["params.csv"]["schema"]["fields"]
               if f["name"] not in ("path", "variant")}
        check(par == by_key and par.get("demand.chatgpt.growth") == "multiple per year",
              f"params.csv units = /params units ({len(par)} columns)")
        check(("variant" in [f["name"] for f in res["totals.csv"]["schema"]["fields"]]) == multi,
              "a variant field exactly in multi-variant exports")


def check_damaged(run, tmp):
    """bnds without time_bnds is a damaged file (exit 2, named), as any missing variable."""
    bad = os.path.join(tmp, "no-bounds.h5")
    shutil.copy(run, bad)
    with h5py.File(bad, "r+") as f:
        del f["stats/time_bnds"]
    r = subprocess.run([CAPSIM, "summary", bad], capture_output=True, text=True)
    check(r.returncode == 2 and "damaged results file: /stats/time_bnds: missing" in r.stderr,
          f"summary of a file with bnds but no time_bnds: exit {r.returncode}, {r.stderr.strip()[-60:]}")


def main():
    tmp = tempfile.mkdtemp(prefix="capsim-cf-")
    try:
        run = os.path.join(tmp, "run.h5")
        capsim("run", "--paths", "64", "--save-paths", "3", "--quiet", "-o", run)
        cmp = os.path.join(tmp, "compare.h5")
        capsim("compare", os.path.join(SCEN, "multicloud-2026.yaml"), os.path.join(SCEN, "stress-demand-boom.yaml"),
               "--paths", "64", "--quiet", "-o", cmp)
        swp = os.path.join(tmp, "sweep.h5")
        capsim("sweep", os.path.join(SCEN, "multicloud-2026.yaml"), "--vary", "scenario.discount_rate=0.05,0.1",
               "--vary", "contracts.aws-2025.capacity.0.count=100000,120000", "--paths", "64", "--quiet", "-o", swp)
        check_root(run, "run")
        check_root(cmp, "compare")
        check_root(swp, "sweep")
        for engine in ENGINES:
            check_time(run, "stats", engine)
            check_time(run, "paths", engine)
            check_time(cmp, "diff", engine)
            check_cell_methods(run, ("stats", "paths"), engine)
            check_cell_methods(cmp, ("stats", "diff"), engine)
            check_realization(run, ("totals", "params", "paths"), engine)
            check_realization(swp, ("totals", "params"), engine)
            check_params(run, engine)
            check_params(swp, engine)
            check_sweep_coords(swp, engine)
        check_damaged(run, tmp)
        check_datapackage(run, os.path.join(tmp, "csv-run"))
        check_datapackage(cmp, os.path.join(tmp, "csv-compare"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"py_cf: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
