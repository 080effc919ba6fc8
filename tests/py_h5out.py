#!/usr/bin/python3
"""py_h5out: the results file as other tools see it (docs/OUTPUT.md).

Run by tests/run_tests.sh under Debian's /usr/bin/python3 with CAPSIM (the binary) and
BUILD (the build directory) in the environment. Files come from the real engine
(`capsim run`, `compare`, `sweep` on the shipped scenarios); when the binary cannot run
yet, a synthetic file written by BUILD/tests/test_h5out --sample stands in and the
engine-only checks are skipped with a message.

Checked for each file: ncdump -h and ncdump -v on string labels succeed; h5py opens it;
xarray opens every group with both netCDF engines (h5netcdf, netcdf4), `time` decodes
to datetime64, sel(cloud=...), sel(quantile=0.5) and sel(variant=...) work, every data
variable has units and long_name; `capsim summary` prints the file's numbers; `capsim
export` writes CSV that agrees with the file value for value; output/plot.py writes
non-empty PNGs. Engine runs: SIGINT while writing leaves no partial file and keeps an
existing one; a file size limit (ulimit -f) gives exit code 1, a clear message and no
file; an unwritable directory gives exit code 1.

Prints "N passed, N failed" and exits non-zero on failure.
"""
import csv
import math
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings

try:
    import h5py
    import numpy as np
    import xarray as xr
    import h5netcdf  # noqa: F401 (xarray's engines, both checked)
    import netCDF4  # noqa: F401
    import matplotlib  # noqa: F401 (output/plot.py)
except ImportError as e:  # cannot run here: a skip (exit 77), not a failure
    print(f"SKIP: Python module {e.name} not installed")
    sys.exit(77)

warnings.simplefilter("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
CAPSIM = os.environ.get("CAPSIM", os.path.join(ROOT, BUILD, "capsim"))
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
SCEN = os.path.join(ROOT, "scenarios")
GROUPS = ["stats", "totals", "params", "sensitivity", "paths", "diff"]

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", flush=True)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, **kw)


def default_signals():
    """Children start with SIGINT at its default action even when this test runs in the
    background (where a shell would have it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def engine_available():
    if not os.access(CAPSIM, os.X_OK):
        return False
    return run([CAPSIM, "run", "--help"]).returncode == 0


def tmp_files(d):
    return [f for f in os.listdir(d) if ".tmp." in f]


# --- parsing the summary's human numbers ------------------------------------------------

SUFFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def parse_human(s):
    """'$12.3B' -> 12.3e9, '-$396M', '1.23M H100e', '39.17 mo', '87.3%', 'n/a' -> nan."""
    s = s.strip()
    if s in ("n/a", "-"):
        return math.nan
    if s.endswith("%"):
        return float(s[:-1]) / 100
    m = re.match(r"^(-?)\$?([0-9.]+)([kKMBT]?)(?: (?:H100e-h|H100e|MW|mo))?$", s)
    if not m:
        raise ValueError(f"not a summary number: {s!r}")
    v = float(m.group(2)) * SUFFIX[m.group(3)]
    return -v if m.group(1) else v


def close_human(printed, true):
    """Three significant digits (or two decimals for small numbers)."""
    if math.isnan(true):
        return math.isnan(printed)
    return abs(printed - true) <= 0.0051 * abs(true) + 0.006


def summary_tables(text):
    """{section: {row label: [columns]}} from the summary output."""
    tables, section, parent, cur = {}, None, None, {}
    for line in text.splitlines():
        if line.startswith("=== variant"):
            section = line.strip("= ").replace(" (baseline)", "")
            continue
        if line.startswith("Key totals"):
            cur = tables.setdefault((section, "totals"), {})
            continue
        if line.startswith("By calendar year"):
            cur = tables.setdefault((section, "years"), {})
            continue
        if line.startswith("Paired difference"):
            label = line[len("Paired difference "):].split(" (")[0]
            cur = tables.setdefault((label, "diff"), {})
            continue
        if not line.startswith("  ") or line.strip().startswith("("):
            continue
        cols = re.split(r"\s{2,}", line.strip())
        if line.startswith("    by "):
            continue
        if line.startswith("      "):  # element rows under a total
            cur[f"{parent}[{cols[0]}]"] = cols[1:]
        elif cols[0] not in ("total", "year"):
            parent = cols[0]
            cur[cols[0]] = cols[1:]
    return tables


# --- checks ----------------------------------------------------------------------------


def check_ncdump(path):
    if not shutil.which("ncdump"):
        print("SKIP: ncdump: not installed")
        return
    r = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    check(r.returncode == 0, f"ncdump -h {path}: {r.stderr[-300:]}")
    r = subprocess.run(["ncdump", "-v", "/stats/cloud,/stats/month", path], capture_output=True, text=True)
    check(r.returncode == 0 and "azure" in r.stdout, f"ncdump -v on string labels: {r.stderr[-300:]}")


def check_h5py(path):
    with h5py.File(path, "r") as f:
        check("capsim_version" in f.attrs and "scenario" in f.attrs, "root provenance attributes")
        for a in ("command_line", "seed", "paths", "threads", "ranks", "wall_seconds", "created",
                  "scenario_name", "compiler", "gsl_version", "hdf5_version", "git_revision"):
            check(a in f.attrs, f"root attribute {a}")
        check(all(g in f for g in ("stats", "totals", "params", "sensitivity")), "groups")
        created = f.attrs["created"]
        created = created.decode() if isinstance(created, bytes) else str(created)
        check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", created) is not None, f"created {created}")


def check_xarray(path, multi):
    for engine in ("h5netcdf", "netcdf4"):
        with h5py.File(path, "r") as f:
            groups = [g for g in GROUPS if g in f]
        for g in groups:
            try:
                ds = xr.open_dataset(path, group=g, engine=engine)
            except Exception as e:  # report, do not stop
                check(False, f"{engine} opens /{g}: {e}")
                continue
            check(True, f"{engine} opens /{g}")
            for name, v in ds.data_vars.items():
                # a decoded date (time_bnds) keeps its units in the encoding
                check("units" in v.attrs or "units" in v.encoding, f"/{g}/{name} has units ({engine})")
                check("long_name" in v.attrs, f"/{g}/{name} has long_name ({engine})")
            if "time" in ds.coords:
                check(np.issubdtype(ds["time"].dtype, np.datetime64), f"/{g} time decodes ({engine})")
            for dim in ds.dims:
                if dim == "bnds":  # CF's vertex dimension of time_bnds: a dimension, no variable
                    users = [n for n, v in ds.variables.items() if "bnds" in v.dims]
                    check(ds.sizes["bnds"] == 2 and users == ["time_bnds"], f"/{g} bnds: 2 long, of time_bnds only")
                    continue
                check(dim in ds.coords, f"/{g} dimension {dim} has coordinates ({engine})")
            if g in ("stats", "diff"):
                cloud = str(ds["cloud"].values[0])
                x = ds["capacity_mean"].sel(cloud=cloud)
                check(x.dims[-1] == "time", f"sel(cloud=...) on /{g} ({engine})")
                q = ds["unmet_q"].sel(quantile=0.5)
                check("quantile" not in q.dims, f"sel(quantile=0.5) on /{g} ({engine})")
                check(str(ds["month"].values[0])[:2] == "20", f"month labels on /{g}")
                if multi:
                    v0 = str(ds["variant"].values[0])
                    check("variant" not in ds["unmet_mean"].sel(variant=v0).dims, f"sel(variant=) on /{g}")
            ds.close()


def check_against_h5py(path):
    """xarray's values are h5py's: the encoding (fill values, types) loses nothing."""
    with h5py.File(path, "r") as f:
        ds = xr.open_dataset(path, group="stats", engine="h5netcdf")
        for name in ("unmet_mean", "pv_spend_q", "spend_mean"):
            a = np.asarray(f["stats"][name][()], dtype=float)
            b = ds[name].values
            check(np.array_equal(a, b, equal_nan=True), f"xarray /stats/{name} equals h5py")
        ds.close()


def check_summary(path, multi):
    r = run([CAPSIM, "summary", path])
    check(r.returncode == 0, f"capsim summary exits 0: {r.stderr}")
    if r.returncode != 0:
        return
    tables = summary_tables(r.stdout)
    check(len(tables) > 0, "summary has tables")
    with h5py.File(path, "r") as f:
        st = f["stats"]
        q = list(st["quantile"][()])
        iq = [q.index(0.05), q.index(0.5), q.index(0.95)]
        variants = [v.decode() if isinstance(v, bytes) else v for v in st["variant"][()]] if multi else [None]
        for vi, vname in enumerate(variants):
            sec = f"variant {vname}" if multi else None
            tab = tables.get((sec, "totals"), {})
            for total in ("pv_spend", "pv_stranded", "pv_revenue", "pv_turned_down_revenue", "pv_revenue_share",
                          "unmet_h100e_hours", "months_short", "outstanding_commitment",
                          "pv_value", "pv_value_lost", "pv_net_value"):
                row = tab.get(total)
                check(row is not None, f"summary row {total} ({vname})")
                if row is None:
                    continue
                mean = st[f"{total}_mean"][()]
                se = st[f"{total}_se"][()]
                qq = st[f"{total}_q"][()]
                lo, hi = st[f"{total}_es_lo"][()], st[f"{total}_es_hi"][()]
                if multi:
                    mean, se, qq, lo, hi = mean[vi], se[vi], qq[vi], lo[vi], hi[vi]
                want = [float(mean), float(se), float(lo)] + [float(qq[i]) for i in iq] + [float(hi)]
                got = [parse_human(c) for c in row[:7]]
                for g, w, col in zip(got, want, ("mean", "SE", "ES5", "P5", "P50", "P95", "ES95")):
                    check(close_human(g, w), f"summary {total} {col} {g} vs file {w} ({vname})")
            # pv_spend_by_cloud rows, element by element
            clouds = [c.decode() if isinstance(c, bytes) else c for c in st["cloud"][()]]
            m = st["pv_spend_by_cloud_mean"][()]
            if multi:
                m = m[vi]
            for j, c in enumerate(clouds):
                row = tab.get(f"pv_spend[{c}]")
                check(row is not None and close_human(parse_human(row[0]), float(m[j])),
                      f"summary pv_spend by cloud {c}")
            # spend by calendar year: sum of the monthly means of spend and spot spend
            months = [x.decode() if isinstance(x, bytes) else x for x in st["month"][()]]
            spend = st["spend_mean"][()].sum(axis=-1) + st["spot_spend_mean"][()].sum(axis=-1)
            unmet = st["unmet_mean"][()].sum(axis=-1)
            if multi:
                spend, unmet = spend[vi], unmet[vi]
            years = tables.get((sec, "years"), {})
            for y in sorted({m[:4] for m in months}):
                idx = [i for i, m in enumerate(months) if m.startswith(y)]
                row = years.get(y)
                check(row is not None, f"summary year {y}")
                if row is None:
                    continue
                check(int(row[0]) == len(idx), f"summary months in {y}")
                check(close_human(parse_human(row[1]), float(spend[idx].sum())), f"summary spend in {y}")
                check(close_human(parse_human(row[3]), float(unmet[idx].mean())), f"summary unmet in {y}")
        if multi and "diff" in f:
            d = f["diff"]
            for vi, vname in enumerate(variants[1:]):
                tab = tables.get((f"{vname} - {variants[0]}", "diff"), {})
                for total in ("pv_spend", "pv_turned_down_revenue", "unmet_h100e_hours", "pv_net_value"):
                    row = tab.get(total)
                    check(row is not None, f"diff row {total} ({vname})")
                    if row is None:
                        continue
                    better = d[f"{total}_mean"].attrs["better"]
                    better = better.decode() if isinstance(better, bytes) else better
                    p = d[f"{total}_pneg" if better == "lower" else f"{total}_ppos"][vi]
                    cell = row[2]
                    # With net value in the file, spend rows show P(lower), marked so, not
                    # P(better): spend also falls when a supplier fails to deliver (11.1).
                    if total == "pv_spend":
                        check(cell.startswith("lower "), f"diff pv_spend shows P(lower): {cell!r}")
                        cell = cell[len("lower "):]
                    check(close_human(parse_human(row[0]), float(d[f"{total}_mean"][vi])), f"diff mean {total}")
                    check(close_human(parse_human(row[1]), float(d[f"{total}_se"][vi])), f"diff SE {total}")
                    if cell == "all equal":   # 0 on every path: neither P(above) nor P(below) 0
                        check(float(d[f"{total}_ppos"][vi]) == 0 and float(d[f"{total}_pneg"][vi]) == 0
                              and float(d[f"{total}_mean"][vi]) == 0, f"diff {total} all equal")
                    else:
                        check(abs(parse_human(cell) - float(p)) <= 0.00051, f"diff P(better) {total}")
                # The verdict is on net value: P(net value higher), the pv_net_value row's.
                verdict = [l for l in r.stdout.splitlines()
                           if l.startswith(f"  verdict on net value: {vname} ")]
                check(len(verdict) == 1, f"one verdict on net value for {vname}")
                if verdict:
                    pp = float(d["pv_net_value_ppos"][vi])
                    check(verdict[0].endswith(f"better on {100 * pp:.1f}% of paths"),
                          f"verdict uses P(net value higher): {verdict[0]!r}")
                    m = float(d["pv_net_value_mean"][vi])
                    se = float(d["pv_net_value_se"][vi])
                    word = ("is better than" if m > 0 else "is worse than") if abs(m) > 2 * se else \
                        "equals, on every path," if m == 0 and se == 0 else "is not established"
                    check(f"{vname} {word} " in verdict[0], f"verdict word {word!r}: {verdict[0]!r}")


def labels(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def check_export(path, multi, tmp):
    out = os.path.join(tmp, "csv-" + os.path.basename(path))
    r = run([CAPSIM, "export", path, "--csv", out])
    check(r.returncode == 0, f"capsim export exits 0: {r.stderr}")
    if r.returncode != 0:
        return
    with h5py.File(path, "r") as f:
        st = f["stats"]
        qlab = ["q%g" % x for x in st["quantile"][()]]
        # Every statistic of every series, value for value.
        expect = {}
        for name, ds in st.items():
            if "statistic" not in ds.attrs:
                continue
            dims = [os.path.basename(dd[0].name) for dd in ds.dims]
            if "time" not in dims:
                continue
            stat = ds.attrs["statistic"]
            stat = stat.decode() if isinstance(stat, bytes) else stat
            series = ds.attrs["series"]
            series = series.decode() if isinstance(series, bytes) else series
            lab = {d: (qlab if d == "quantile" else labels(st[d])) for d in dims if d != "time"}
            vals = ds[()]
            for idx in np.ndindex(vals.shape):
                key_parts = {d: i for d, i in zip(dims, idx)}
                own = [d for d in dims if d not in ("variant", "time", "quantile")]
                el = lab[own[0]][key_parts[own[0]]] if own else ""
                s = lab["quantile"][key_parts["quantile"]] if "quantile" in dims else stat
                v = lab["variant"][key_parts["variant"]] if "variant" in dims else None
                expect[(v, series, key_parts["time"], el, s)] = vals[idx]
        months = labels(st["month"])
        rows = 0
        mismatches = 0
        with open(os.path.join(out, "stats.csv"), newline="") as fp:
            rd = csv.reader(fp)
            header = next(rd)
            want_header = (["variant"] if multi else []) + ["series", "time", "month", "dim", "element",
                                                            "statistic", "value"]
            check(header == want_header, f"stats.csv header {header}")
            for row in rd:
                rows += 1
                if not multi:
                    row = [None] + row
                v, series, t, month, dim, el, s, val = row
                ti = months.index(month)
                x = expect.get((v, series, ti, el, s))
                file_v = float(x) if x is not None else None
                csv_v = float(val) if val != "" else math.nan
                if file_v is None or not (csv_v == file_v or (math.isnan(csv_v) and math.isnan(file_v))):
                    mismatches += 1
        check(rows == len(expect), f"stats.csv has {rows} rows, file {len(expect)} values")
        check(mismatches == 0, f"stats.csv values equal the file ({mismatches} differ)")
        # Per-path totals, wide: each column against /totals.
        tot = f["totals"]
        with open(os.path.join(out, "totals.csv"), newline="") as fp:
            rd = csv.reader(fp)
            header = next(rd)
            data = list(rd)
        col0 = 2 if multi else 1
        npaths = tot["path"].shape[0]
        nvar = len(labels(tot["variant"])) if multi else 1
        check(len(data) == npaths * nvar, f"totals.csv rows {len(data)} vs {npaths * nvar}")
        bad = 0
        for ci, name in enumerate(header[col0:]):
            base, _, el = name.partition("[")
            x = tot[base][()]
            if el:
                last = tot[base].dims[len(tot[base].shape) - 1][0]
                j = labels(tot[os.path.basename(last.name)]).index(el[:-1])
                x = x[..., j]
            flat = np.asarray(x, dtype=float).reshape(-1)
            got = np.array([float(r[col0 + ci]) if r[col0 + ci] != "" else math.nan for r in data])
            if not np.array_equal(flat, got, equal_nan=True):
                bad += 1
        check(bad == 0, f"totals.csv columns equal /totals ({bad} differ)")
        # Params by key path.
        par = f["params"]
        with open(os.path.join(out, "params.csv"), newline="") as fp:
            rd = csv.reader(fp)
            header = next(rd)
            data = list(rd)
        names = {}
        for n, ds in par.items():
            if "key_path" in ds.attrs and "path" in [os.path.basename(d[0].name) for d in ds.dims]:
                kp = ds.attrs["key_path"]
                names[kp.decode() if isinstance(kp, bytes) else kp] = n
        check(set(header[col0:]) == set(names), "params.csv columns are the key paths")
        bad = 0
        for ci, kp in enumerate(header[col0:]):
            flat = np.asarray(par[names[kp]][()], dtype=float).reshape(-1)
            got = np.array([float(r[col0 + ci]) if r[col0 + ci] != "" else math.nan for r in data])
            bad += not np.array_equal(flat, got, equal_nan=True)
        check(bad == 0, "params.csv equals /params")
        check(os.path.exists(os.path.join(out, "sensitivity.csv")), "sensitivity.csv")
        if multi and "diff" in f:
            check(os.path.exists(os.path.join(out, "diff.csv")), "diff.csv")


def plot_in_process(path, out):
    """output/plot.py's main() on path, in this process (its imports are already paid
    for here): (exit code, stdout, stderr) as a run of the script would give them."""
    import contextlib
    import importlib.util
    import io
    spec = importlib.util.spec_from_file_location("capsim_plot", os.path.join(ROOT, "output", "plot.py"))
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    so, se = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
        rc = plot.main([path, "-o", out])
    return rc, so.getvalue(), se.getvalue()


def check_plots(path, tmp, multi):
    out = os.path.join(tmp, "png-" + os.path.basename(path))
    rc, stdout, stderr = plot_in_process(path, out)
    check(rc == 0, f"plot.py exits 0: {stderr[-500:]}")
    if rc != 0:
        return
    files = [l for l in stdout.split("\n") if l.endswith(".png")]
    want = ["fan_unmet.png", "spend_by_cloud.png"] + (["diff_fan_unmet.png", "compare_totals.png"] if multi else [])
    for w in want:
        check(any(p.endswith(w) for p in files), f"plot.py wrote {w}")
    import matplotlib.image as mpimg
    for p in files:
        ok = os.path.getsize(p) > 5000
        with open(p, "rb") as fp:
            ok = ok and fp.read(8) == b"\x89PNG\r\n\x1a\n"
        img = mpimg.imread(p)
        check(ok and float(np.std(img)) > 0.01, f"{p} is a non-empty PNG")


def check_file_counted(path, multi, tmp, with_engine):
    """check_file in a worker process: (checks passed, checks failed, what it printed)."""
    import contextlib
    import io
    global passed, failed
    passed = failed = 0
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        check_file(path, multi, tmp, with_engine)
    return passed, failed, text.getvalue()


def check_file(path, multi, tmp, with_engine):
    print(f"-- {os.path.basename(path)}", flush=True)
    check_ncdump(path)
    check_h5py(path)
    check_xarray(path, multi)
    check_against_h5py(path)
    if with_engine:
        check_summary(path, multi)
        check_export(path, multi, tmp)
    check_plots(path, tmp, multi)


# --- failure behaviour (engine) -------------------------------------------------------------


def check_interrupt(tmp):
    target = os.path.join(tmp, "long.h5")
    with open(target, "w") as fp:
        fp.write("precious")
    p = subprocess.Popen([CAPSIM, "run", os.path.join(SCEN, "multicloud-2026.yaml"), "--paths", "100000000",
                          "--quiet", "-o", target], cwd=ROOT, preexec_fn=default_signals,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.time()
    while not tmp_files(tmp) and time.time() - t0 < 20 and p.poll() is None:
        time.sleep(0.05)
    check(len(tmp_files(tmp)) == 1, "a temporary file exists while running")
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        check(False, "SIGINT ends the run")
    check(p.returncode == -signal.SIGINT, f"run dies of SIGINT (returncode {p.returncode})")
    check(tmp_files(tmp) == [], f"no temporary file after SIGINT: {tmp_files(tmp)}")
    with open(target) as fp:
        check(fp.read() == "precious", "existing file intact after SIGINT")
    os.unlink(target)


def check_size_limit(tmp):
    target = os.path.join(tmp, "big.h5")
    # --save-paths makes the results file the biggest file the run writes.
    cmd = (f"ulimit -f 300; exec '{CAPSIM}' run '{SCEN}/multicloud-2026.yaml' --paths 400 --save-paths 400 "
           f"--quiet -o '{target}'")
    r = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, cwd=ROOT)
    check(r.returncode == 1, f"file size limit: exit code {r.returncode}, expected 1 ({r.stderr.strip()})")
    check("too large" in r.stderr, f"file size limit: message says why: {r.stderr.strip()}")
    check(not os.path.exists(target) and tmp_files(tmp) == [], "file size limit: no partial file")


def check_unwritable(tmp):
    target = os.path.join(tmp, "no-such-dir", "x.h5")
    r = run([CAPSIM, "run", os.path.join(SCEN, "multicloud-2026.yaml"), "--paths", "10", "--quiet", "-o", target])
    # refused before simulating, as bad input (issue 13; tests/cli_outputs.sh)
    check(r.returncode == 2, f"missing directory: exit code {r.returncode}")
    check("No such file or directory" in r.stderr, f"missing directory: message {r.stderr.strip()}")
    ro = os.path.join(tmp, "ro")
    os.mkdir(ro, 0o555)
    if os.geteuid() != 0:  # permissions do not bind root
        r = run([CAPSIM, "run", os.path.join(SCEN, "multicloud-2026.yaml"), "--paths", "10", "--quiet", "-o",
                 os.path.join(ro, "x.h5")])
        check(r.returncode == 2 and "Permission denied" in r.stderr, f"read-only directory: {r.stderr.strip()}")
    else:
        print("SKIP: read-only directory: running as root")
    os.chmod(ro, 0o755)


def check_bad_args():
    r = run([CAPSIM, "summary"])
    check(r.returncode == 2, "summary without a file exits 2")
    r = run([CAPSIM, "summary", "/nonexistent.h5"])
    check(r.returncode == 2 and "No such file" in r.stderr, "summary of a missing file exits 2")
    r = run([CAPSIM, "export", "x.h5"])
    check(r.returncode == 2, "export without --csv exits 2")
    for cmd in ("summary", "export"):
        r = run([CAPSIM, cmd, "--help"])
        check(r.returncode == 0 and "usage" in r.stdout, f"{cmd} --help")


def main():
    global passed, failed
    tmp = tempfile.mkdtemp(prefix="py_h5out.")
    try:
        with_engine = engine_available()
        if with_engine:
            run_h5 = os.path.join(tmp, "run.h5")
            r = run([CAPSIM, "run", os.path.join(SCEN, "multicloud-2026.yaml"), "--paths", "500", "--save-paths", "3",
                     "--quiet", "-o", run_h5])
            check(r.returncode == 0, f"capsim run: {r.stderr}")
            cmp_h5 = os.path.join(tmp, "compare.h5")
            r = run([CAPSIM, "compare", os.path.join(SCEN, "multicloud-2026.yaml"),
                     os.path.join(SCEN, "azure-exclusive-2025.yaml"), "--paths", "300", "--quiet", "-o", cmp_h5])
            check(r.returncode == 0, f"capsim compare: {r.stderr}")
            sw_h5 = os.path.join(tmp, "sweep.h5")
            r = run([CAPSIM, "sweep", os.path.join(SCEN, "multicloud-2026.yaml"), "--vary",
                     "scenario.discount_rate=0.05,0.1,0.15", "--paths", "200", "--quiet", "-o", sw_h5])
            check(r.returncode == 0, f"capsim sweep: {r.stderr}")
            files = [(run_h5, False), (cmp_h5, True), (sw_h5, True)]
        else:
            print("SKIP: engine: `capsim run` is not available; checking synthetic files only")
            sample = os.path.join(ROOT, BUILD, "tests", "test_h5out")
            files = []
            for n, multi in ((1, False), (3, True)):
                p = os.path.join(tmp, f"sample{n}.h5")
                r = run([sample, "--sample", p, str(n)])
                check(r.returncode == 0, f"test_h5out --sample: {r.stderr}")
                files.append((p, multi))
        # The files are checked in parallel, one process each (fork: the checks' state is
        # copied in, and each sends back its counts and its printed lines).
        todo = [(path, multi, tmp, with_engine) for path, multi in files if os.path.exists(path)]
        with multiprocessing.get_context("fork").Pool(max(1, min(len(todo), os.cpu_count() or 1))) as pool:
            for p, f, text in pool.starmap(check_file_counted, todo):
                passed += p
                failed += f
                print(text, end="", flush=True)
        if with_engine:
            check_bad_args()
            check_unwritable(tmp)
            check_size_limit(tmp)
            check_interrupt(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
