#!/usr/bin/env python3
"""compare and sweep: common random numbers, paired differences, sweep = separate runs.

Runs the capsim binary ($CAPSIM) on tests/scenarios/every-randomness.yaml (every kind of
randomness) and variants of it written here, then checks the files with h5py.
"""
import os
import re
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
PATHS = "1500"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def capsim(*args):
    r = subprocess.run([CAPSIM, *args, "--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"capsim {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")


def variant_file(tmp, name, edit):
    text = open(BASE).read()
    new = edit(text)
    assert new != text, f"{name}: the edit changed nothing"
    path = os.path.join(tmp, name + ".yaml")
    open(path, "w").write(new)
    return path


def main():
    tmp = tempfile.mkdtemp(prefix="capsim-compare-")

    # 1. A scenario against itself: every paired difference is exactly zero.
    out = os.path.join(tmp, "self.h5")
    capsim("compare", BASE, BASE, "--paths", PATHS, "-o", out)
    with h5py.File(out) as f:
        stats = [k for k in f["diff"] if re.search(r"_(mean|sd|se|min|max|q)$", k)]
        check(len(stats) > 50, f"self-compare has difference statistics ({len(stats)})")
        nonzero = [k for k in stats if np.any(f["diff"][k][()] != 0)]
        check(not nonzero, f"self-compare differences are exactly 0 (nonzero: {nonzero[:5]})")
        for k in f["totals"]:
            d = f["totals"][k]
            if d.ndim >= 2 and d.shape[0] == 2:
                check(np.array_equal(d[0], d[1]), f"self-compare totals/{k} equal path by path")
    # ... and summary says so: "all equal" in P(better), not a 0% chance of being better
    r = subprocess.run([CAPSIM, "summary", out], capture_output=True, text=True)
    rows = [l for l in r.stdout[r.stdout.index("Paired difference"):].splitlines()
            if l.startswith("  pv_") or l.startswith("  unmet_h100e_hours")]
    check(r.returncode == 0 and len(rows) >= 8 and all(l.rstrip().endswith("all equal") for l in rows)
          and "(all equal: the difference is exactly 0 on every path)" in r.stdout,
          f"summary of a self-compare: every difference row 'all equal' ({len(rows)} rows)")

    # 2. Only a reserved price rises: spend is higher on every path, unmet unchanged.
    pricier = variant_file(tmp, "pricier", lambda t: t.replace("price: { h100: 2.0, gb200: 4.0 }",
                                                               "price: { h100: 2.5, gb200: 4.0 }"))
    out = os.path.join(tmp, "price.h5")
    capsim("compare", BASE, pricier, "--paths", PATHS, "-o", out)
    with h5py.File(out) as f:
        spend = f["totals/pv_spend"][()]
        unmet = f["totals/unmet_h100e_hours"][()]
        check(np.all(spend[1] > spend[0]), "higher price: more spend on every path")
        check(np.array_equal(unmet[1], unmet[0]), "higher price: unmet demand identical path by path")

    # 3. Adding an unrelated contract and cloud moves no shared draw (common random numbers
    #    by name): every shared sampled value and the demand of every path are identical.
    extra = variant_file(tmp, "extra", lambda t: t.replace(
        "correlations:",
        "  - name: oracle-new\n    cloud: oracle\n    from: 2026-06\n    to: 2027-12\n"
        "    billing: reserved\n    price: { h100: 2.2 }\n    capacity:\n"
        "      - { chip: h100, count: 5000, online: 2026-09, delay_months: { dist: lognormal, median: 3, sigma: 0.5 } }\n"
        "correlations:").replace(
        "demand:", "  oracle:\n    power_mw: { start: 50, add_per_month: { dist: uniform, min: 2, max: 8 } }\ndemand:"))
    out = os.path.join(tmp, "extra.h5")
    capsim("compare", BASE, extra, "--paths", PATHS, "--save-paths", "50", "-o", out)
    with h5py.File(out) as f:
        # /params names are CF-safe; the key path is each variable's key_path attribute
        by_key = {(k.decode() if isinstance(k, bytes) else str(k)): v for v in f["params"].values()
                  if (k := v.attrs.get("key_path")) is not None}
        shared = [k for k in by_key if not k.startswith("contracts.oracle-new") and not k.startswith("clouds.oracle")]
        same = all(np.array_equal(by_key[k][0], by_key[k][1]) for k in shared)
        check(len(shared) > 5 and same, f"shared sampled values identical ({len(shared)} key paths)")
        new = [k for k in by_key if k.startswith("contracts.oracle-new")]
        check(new and np.all(np.isnan(by_key[new[0]][0])), "a value only B has is NaN for A")
        dem = f["paths/demand"][()]
        check(np.array_equal(dem[0], dem[1]), "monthly demand identical path by path (50 saved paths)")
        um = f["diff/unmet_mean"][()]
        check(np.all(um <= 0) and np.any(um < 0), "more capacity: unmet never higher on average, lower somewhere")
        # spend by contract can be summed by cloud: the union's contracts keep their cloud
        for g in ("stats", "diff"):
            cc = [x.decode() if isinstance(x, bytes) else x for x in f[g + "/contract_cloud"][()]] \
                if "contract_cloud" in f[g] else None
            check(cc == ["azure", "aws", "oracle"],
                  f"/{g}/contract_cloud of a compare that adds a contract and a cloud: {cc}")
    # ... and plot.py draws spend by cloud from it, and refuses a file without it
    plots = os.path.join(tmp, "plots")
    r = subprocess.run([sys.executable, "output/plot.py", out, "-o", plots], capture_output=True, text=True)
    check(r.returncode == 0 and os.path.exists(os.path.join(plots, "spend_by_cloud.png")),
          f"plot.py draws spend by cloud of the compare (exit {r.returncode}: {r.stderr[-300:]})")
    check(all(os.path.exists(os.path.join(plots, n)) for n in ("exceedance.png", "supply_demand.png")),
          "plot.py draws the exceedance and supply-and-demand charts of the compare")
    # a variant is named by its file's name without folder and .yaml too (plot.py --variant)
    r = subprocess.run([sys.executable, "output/plot.py", out, "-o", plots, "--variant", "extra"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"plot.py --variant extra picks {extra} (exit {r.returncode}: {r.stderr[-200:]})")
    r = subprocess.run([sys.executable, "output/plot.py", out, "-o", plots, "--variant", "nope"],
                       capture_output=True, text=True)
    check(r.returncode != 0 and "no variant 'nope'" in r.stderr, "plot.py --variant nope is refused")
    stripped = os.path.join(tmp, "no-contract-cloud.h5")
    subprocess.run(["cp", out, stripped], check=True)
    with h5py.File(stripped, "r+") as f:
        for g in ("stats", "diff"):
            for k in list(f[g]):
                c = f[g][k].attrs.get("coordinates")
                if c is not None:
                    c = c.decode() if isinstance(c, bytes) else str(c)
                    f[g][k].attrs["coordinates"] = " ".join(w for w in c.split() if w != "contract_cloud")
            del f[g + "/contract_cloud"]
    r = subprocess.run([sys.executable, "output/plot.py", stripped, "-o", plots], capture_output=True, text=True)
    check(r.returncode != 0 and "contract_cloud" in r.stderr,
          f"plot.py refuses spend by cloud without contract_cloud (exit {r.returncode}: {r.stderr[-200:]})")

    # 4. Paired standard errors are much smaller than unpaired ones.
    with h5py.File(os.path.join(tmp, "extra.h5")) as f:
        se_a, se_b = f["stats/pv_turned_down_revenue_se"][()]
        se_d = f["diff/pv_turned_down_revenue_se"][()]
        se_d = se_d[0] if np.ndim(se_d) else se_d
        unpaired = np.hypot(se_a, se_b)
        check(se_d < 0.5 * unpaired, f"paired SE {se_d:.4g} < half the unpaired {unpaired:.4g}")

    # 4b. The same on a realistic pair of shipped scenarios: a third cloud partner.
    out = os.path.join(tmp, "google.h5")
    capsim("compare", "scenarios/multicloud-2026.yaml", "scenarios/google-third-partner.yaml",
           "--paths", "3000", "-o", out)
    with h5py.File(out) as f:
        for name in ("pv_turned_down_revenue", "unmet_h100e_hours", "pv_spend"):
            se_a, se_b = f[f"stats/{name}_se"][()]
            se_d = float(np.ravel(f[f"diff/{name}_se"][()])[0])
            check(se_d < 0.5 * np.hypot(se_a, se_b),
                  f"google vs default, {name}: paired SE {se_d:.4g} < half the unpaired {np.hypot(se_a, se_b):.4g}")

    # 5. A sweep's variants equal separate runs, bitwise.
    out = os.path.join(tmp, "sweep.h5")
    capsim("sweep", BASE, "--vary", "contracts.aws-deal.price.gb200=4.5,6", "--vary",
           "demand.training.start_h100e=50000:70000:2", "--paths", PATHS, "-o", out)
    single = os.path.join(tmp, "single.h5")
    capsim("run", BASE, "--set", "contracts.aws-deal.price.gb200=6", "--set",
           "demand.training.start_h100e=70000", "--paths", PATHS, "-o", single)
    with h5py.File(out) as f, h5py.File(single) as g:
        check(f["stats/variant"].shape[0] == 4, "sweep: 2 x 2 grid = 4 variants")
        names = [k for k in g["stats"] if re.search(r"_(mean|sd|se|min|max|q|ppos)$", k)]
        diff = [k for k in names if not np.array_equal(f["stats"][k][3], g["stats"][k][()])]
        check(not diff, f"sweep variant 3 equals the separate run bitwise ({len(names)} vars; differ: {diff[:5]})")
        tot = [k for k in g["totals"] if k not in ("path", "cloud", "variant")]
        check(all(np.array_equal(f["totals"][k][3], g["totals"][k][()]) for k in tot),
              "sweep variant 3 per-path totals equal the separate run")

    # 5b. The same with many variants of the default scenario, whose pipeline then takes
    #     batches of 64 paths instead of 512 (engine.h, ENGINE_ROWS_BUDGET): where a batch
    #     ends changes no bit (monthly quantiles off, to keep 25 variants small).
    out25 = os.path.join(tmp, "sweep25.h5")
    q = ["--set", "simulation.quantiles=totals", "--paths", "700", "--save-paths", "100"]
    capsim("sweep", "scenarios/multicloud-2026.yaml", "--vary",
           "contracts.aws-2025.capacity.0.count=0:480000:25", *q, "-o", out25)
    single25 = os.path.join(tmp, "single25.h5")
    capsim("run", "scenarios/multicloud-2026.yaml", "--set", "contracts.aws-2025.capacity.0.count=480000",
           *q, "-o", single25)
    with h5py.File(out25) as f, h5py.File(single25) as g:
        check(f["stats/variant"].shape[0] == 25, "sweep of 25 variants")
        names = [k for k in g["stats"] if re.search(r"_(mean|sd|se|min|max|q|ppos)$", k)]
        diff = [k for k in names if not np.array_equal(f["stats"][k][24], g["stats"][k][()])]
        check(not diff, f"25-variant sweep (batches of 64): the last variant equals the separate run bitwise "
                        f"({len(names)} vars; differ: {diff[:5]})")
        tot = [k for k in g["totals"] if k not in ("path", "cloud", "variant")]
        saved = [k for k in g["paths"] if g["paths"][k].ndim >= 2 and k not in ("time_bnds",)]
        check(all(np.array_equal(f["totals"][k][24], g["totals"][k][()]) for k in tot) and
              all(np.array_equal(f["paths"][k][24], g["paths"][k][()]) for k in saved) and saved,
              f"... and its per-path totals and {len(saved)} saved series")

    # 6. plot.py's sweep chart shows the paired change from the first variant with the
    #    paired difference's band: its numbers against /diff, read with h5py.
    import importlib.util
    import xarray as xr
    spec = importlib.util.spec_from_file_location("plot", "output/plot.py")
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    st = xr.open_dataset(out, group="stats", engine=plot.ENGINE)
    dff = xr.open_dataset(out, group="diff", engine=plot.ENGINE)
    change, se = plot.sweep_change(st, dff, "pv_spend", [0, 1, 2, 3])
    with h5py.File(out) as f:
        want = f["diff/pv_spend_mean"][()]
        want_se = f["diff/pv_spend_se"][()]
    check(change[0] == 0 and se[0] == 0 and np.array_equal(change[1:], want)
          and np.array_equal(se[1:], want_se),
          f"sweep chart: change {change} = /diff mean {want}, band SE {se[1:]} = /diff SE")
    r = subprocess.run([sys.executable, "output/plot.py", out, "-o", os.path.join(tmp, "sweep-plots")],
                       capture_output=True, text=True)
    check(r.returncode == 0 and any(n.startswith("sweep_") for n in os.listdir(os.path.join(tmp, "sweep-plots"))),
          f"plot.py draws the sweep charts (exit {r.returncode}: {r.stderr[-200:]})")

    print(f"py_compare: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
