#!/usr/bin/env python3
"""summary's Frontier table and plot.py's frontier chart of a `capsim optimize` file
(issue 15), against fixture files made here: a results file of capsim (a sweep of
tests/scenarios/options-cash.yaml, its variants relabelled baseline, w0, w0.5 as
`capsim optimize` names them) with an /optimize group written by h5py in the layout of
docs/OUTPUT.md ("/optimize"). Checks, line for line, the numbers summary prints against
the fixture's values formatted here (tests/summary_fmt.py), then the pieces that may be
missing: a weight without a feasible point, a scalar baseline, no feasible point at all,
an /optimize without its optional variables or without decisions, and a file without
/optimize (no Frontier). plot.py must draw frontier.png where the group has the points'
means and ESs (every point in sample, the chosen points labelled, the scenario's own
decisions from the variant `baseline`), and leave it out, without failing, where not.
"""
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError as e:  # cannot run here: a skip (exit 77), not a failure
    print(f"SKIP: Python module {e.name} not installed")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summary_fmt import es, fmt_value  # noqa: E402

CAPSIM = os.environ["CAPSIM"]
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
SCENARIO = "tests/scenarios/options-cash.yaml"
DECISIONS = ["contracts.azure-main.options.0.tranche.count", "finance.cash_start_usd"]
WEIGHTS = [0.0, 0.5, 2.0]
CONSTRAINT = "months_short mean <= 30"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def base_file(tmp):
    """A capsim file with three variants labelled as capsim optimize labels them."""
    path = os.path.join(tmp, "base.h5")
    r = run(CAPSIM, "sweep", SCENARIO, "--vary", f"{DECISIONS[0]}=0,30000,60000", "--paths", "400", "--quiet",
            "-o", path)
    if r.returncode != 0:
        sys.exit(f"capsim sweep failed ({r.returncode}):\n{r.stderr}")
    labels = ["baseline", "w0", "w0.5"]
    with h5py.File(path, "a") as f:
        for g in f.values():
            if isinstance(g, h5py.Group) and "variant" in g and g["variant"].dtype.kind == "O":
                g["variant"][...] = np.array(labels[-len(g["variant"]):] if g.name == "/diff" else labels,
                                             dtype=object)
        f.attrs["baseline"] = np.bytes_("baseline")
        if "diff" in f:
            f["diff"].attrs["baseline"] = np.bytes_("baseline")
    return path


def objective(x, w):
    return float(np.mean(x) + w * es(x, False))


def add_optimize(path, scalar_baseline=False, none_feasible=False, pieces=None, decisions=True):
    """The /optimize group: a 4 x 3 grid over DECISIONS with made-up in-sample means and
    ESs; w=2 has no feasible point (as a Nelder-Mead search may end); the out-of-sample
    and baseline objectives from the file's own variants' pv_net_value. `pieces`: keep
    only those variables. Returns what summary should print (the fixture's values)."""
    rng = np.random.default_rng(5)
    counts, cash = [0, 20000, 40000, 60000], [2e9, 3e9, 4e9]
    points = np.array([[c, k] for c in counts for k in cash], dtype=float)
    npt = len(points)
    mean = rng.normal(3.5e9, 0.4e9, npt)
    esv = -1e9 - 2.5 * (mean - 3.5e9) + rng.normal(0, 0.2e9, npt)   # more mean, a worse tail
    feasible = (np.arange(npt) % 4 != 1).astype(np.int32)
    if none_feasible:
        feasible[:] = 0
    obj_in = mean[:, None] + np.array(WEIGHTS)[None, :] * esv[:, None]
    with h5py.File(path, "r") as f:
        nv = f["totals/pv_net_value"][()]           # variant, path
    chosen = np.full((len(WEIGHTS), 2), np.nan)
    cp = np.full(len(WEIGHTS), -1, dtype=np.int64)
    out = np.full(len(WEIGHTS), np.nan)
    out_se = np.full(len(WEIGHTS), np.nan)
    base = np.array([objective(nv[0], w) for w in WEIGHTS])
    base_se = nv[0].std(ddof=1) / np.sqrt(nv.shape[1]) * (1 + np.array(WEIGHTS))
    for i, w in enumerate(WEIGHTS):
        if w == 2.0 or none_feasible:
            continue
        cand = np.where(feasible == 1, obj_in[:, i], -np.inf)
        cp[i] = int(np.argmax(cand))
        chosen[i] = points[cp[i]]
        out[i] = objective(nv[1 + i], w)
        out_se[i] = nv[1 + i].std(ddof=1) / np.sqrt(nv.shape[1]) * (1 + w)
    obj_in_chosen = np.array([obj_in[c, i] if c >= 0 else np.nan for i, c in enumerate(cp)])
    if scalar_baseline:
        base, base_se = base[0], base_se[0]
    data = {
        "weight": np.array(WEIGHTS), "point": np.arange(npt, dtype=np.int64), "points": points,
        "objective_in": obj_in, "mean": mean, "es": esv, "constraint_value": rng.uniform(10, 40, (npt, 1)),
        "feasible": feasible, "chosen": chosen, "chosen_point": cp, "objective_in_chosen": obj_in_chosen,
        "objective_out": out, "objective_out_se": out_se, "objective_baseline": base,
        "objective_baseline_se": base_se,
    }
    strings = {"constraint": [CONSTRAINT]}
    if decisions:
        strings["decision"] = DECISIONS
    with h5py.File(path, "a") as f:
        g = f.create_group("optimize")
        for k, v in strings.items():
            if pieces is None or k in pieces or k == "decision":
                g.create_dataset(k, data=np.array(v, dtype=object), dtype=h5py.string_dtype())
        for k, v in data.items():
            if pieces is None or k in pieces or k == "weight":
                d = g.create_dataset(k, data=v)
                if k.startswith("objective") or k in ("mean", "es"):
                    d.attrs["units"] = np.bytes_("USD")
        for k, v in (("objective_total", "pv_net_value"), ("sense", "maximize"), ("measure", "es_lo"),
                     ("method", "grid")):
            g.attrs[k] = np.bytes_(v)
        g.attrs.create("paths", 400, dtype=np.uint64)
        g.attrs.create("seed", 11, dtype=np.uint64)
        g.attrs.create("seed_out", 1000014, dtype=np.uint64)
    return dict(points=points, chosen=chosen, cp=cp, obj_in_chosen=obj_in_chosen, out=out, out_se=out_se,
                base=np.broadcast_to(base, (len(WEIGHTS),)), base_se=np.broadcast_to(base_se, (len(WEIGHTS),)),
                feasible=feasible, npt=npt)


def fmt_decision(v):
    """A decision's value as summary_optimize.c writes it: %.6g, a k/M/B/T suffix where
    that has an exponent."""
    s = "%.6g" % v
    if "e" not in s or abs(v) < 1e3:
        return s
    for scale, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            return "%.6g%s" % (v / scale, suf)


def expected_lines(x, pieces=None):
    """summary's Frontier table for fixture values x, as text lines."""
    def have(k):
        return pieces is None or k in pieces
    lines = [
        "Frontier: the best feasible decisions for each risk weight w (capsim optimize, grid search"
        + (f", {x['npt']} points evaluated" if have("points") else "") + ")",
        "  objective  maximize mean + w * ES5 of pv_net_value, in sample on 400 paths (seed 11);",
        "             out of sample on fresh paths (seed 1000014), where baseline is the scenario's own decisions",
    ]
    lines += ["  d%-9d%s" % (k + 1, d) for k, d in enumerate(DECISIONS)]
    lines.append("  %-8s" % "weight" + "".join("  %12s" % f"d{k + 1}" for k in range(len(DECISIONS)))
                 + "  %12s  %13s  %12s  %12s  %12s" % ("in-sample", "out-of-sample", "SE", "baseline", "SE"))
    none = []
    for i, w in enumerate(WEIGHTS):
        label = "  %-8s" % f"w={w:g}"
        infeasible = (have("chosen_point") and x["cp"][i] < 0) or (have("chosen") and np.isnan(x["chosen"][i]).all())
        if infeasible:
            lines.append(label + "  no feasible point")
            none.append(f"w={w:g}")
            continue
        dec = "".join("  %12s" % (fmt_decision(v) if have("chosen") else "n/a") for v in x["chosen"][i])
        vals = [x[k][i] if have(src) else np.nan for k, src in (
            ("obj_in_chosen", "objective_in_chosen"), ("out", "objective_out"), ("out_se", "objective_out_se"),
            ("base", "objective_baseline"), ("base_se", "objective_baseline_se"))]
        c = [fmt_value(v, "USD") for v in vals]
        lines.append(label + dec + "  %12s  %13s  %12s  %12s  %12s" % tuple(c))
    if none:
        nfeas = int(x["feasible"].sum())
        known = have("feasible") and have("points")
        s = "  no feasible point for " + ", ".join(none)
        if known and nfeas == 0:
            lines.append(s + f": none of the {x['npt']} evaluated points meets every constraint")
        else:
            lines.append(s + f": the search for {'these weights' if len(none) > 1 else 'this weight'} found none "
                         "that meets every constraint")
        notes = ([f"{nfeas} of the {x['npt']} evaluated points do"] if known and nfeas else []) + \
            ([f"constraints: {CONSTRAINT}"] if have("constraint") else [])
        if notes:
            lines.append("   (" + "; ".join(notes) + ")")
    lines += ["  (in-sample: on the search's own paths, which favour the chosen point; out-of-sample and",
              "   baseline: on the same fresh paths, with their standard errors)"]
    return lines


def summary_of(path):
    r = run(CAPSIM, "summary", path)
    check(r.returncode == 0, f"summary {os.path.basename(path)}: exit 0 (got {r.returncode}: {r.stderr.strip()})")
    return r.stdout


def check_table(path, x, what, pieces=None):
    text = summary_of(path)
    got = text.split("\nFrontier:", 1)
    check(len(got) == 2, f"{what}: a Frontier table")
    if len(got) < 2:
        return
    table = ("Frontier:" + got[1]).rstrip("\n").split("\n")
    want = expected_lines(x, pieces)
    check(table == want, f"{what}: the Frontier table, line for line")
    if table != want:
        for a, b in zip(want + [""] * len(table), table + [""] * len(want)):
            if a != b:
                print(f"  want {a!r}\n  got  {b!r}")


def plot(path, out):
    r = run(PYTHON, "output/plot.py", path, "-o", out)
    return r


def main():
    tmp = tempfile.mkdtemp(prefix="capsim-optview-")
    try:
        base = base_file(tmp)
        text = summary_of(base)
        check("Frontier" not in text, "no /optimize: no Frontier table")

        # 1. the full group: per-weight baseline, w=2 without a feasible point
        f1 = os.path.join(tmp, "opt.h5")
        shutil.copy(base, f1)
        x = add_optimize(f1)
        check_table(f1, x, "full /optimize")
        check("=== variant w0.5 ===" in summary_of(f1), "the variants' own tables are still printed")

        # 2. a scalar baseline, and no feasible point at all
        f2 = os.path.join(tmp, "opt-scalar.h5")
        shutil.copy(base, f2)
        check_table(f2, add_optimize(f2, scalar_baseline=True, none_feasible=True), "scalar baseline, none feasible")

        # 3. only the weights, the decisions and the chosen points: n/a, no failure
        f3 = os.path.join(tmp, "opt-bare.h5")
        shutil.copy(base, f3)
        keep = {"chosen"}
        check_table(f3, add_optimize(f3, pieces=keep), "weights, decisions and chosen only", pieces=keep)

        # 4. no decisions: a note, exit 0
        f4 = os.path.join(tmp, "opt-nodec.h5")
        shutil.copy(base, f4)
        add_optimize(f4, decisions=False)
        check("\nFrontier: /optimize has no decisions: nothing to show\n" in summary_of(f4), "no decisions: a note")

        # 5. damaged pieces: /optimize not a group; weights that are strings; variables of
        # the wrong shape or type (shown as n/a); summary still exits 0
        f5 = os.path.join(tmp, "opt-dataset.h5")
        shutil.copy(base, f5)
        with h5py.File(f5, "a") as f:
            f.create_dataset("optimize", data=[1.0], track_order=True)
        check("\nFrontier: /optimize is not a group: nothing to show\n" in summary_of(f5), "/optimize not a group")
        f6 = os.path.join(tmp, "opt-badshape.h5")
        shutil.copy(base, f6)
        strings = h5py.string_dtype()
        with h5py.File(f6, "a") as f:
            g = f.create_group("optimize")
            g.create_dataset("weight", data=np.array(["a", "b"], dtype=object), dtype=strings)
            g.create_dataset("decision", data=np.array(["x"], dtype=object), dtype=strings)
        check("\nFrontier: /optimize has no weights: nothing to show\n" in summary_of(f6), "string weights: a note")
        with h5py.File(f6, "a") as f:
            g = f["optimize"]
            del g["weight"]
            g["weight"] = np.array([0.0, 1.0])
            g["chosen"] = np.zeros((3, 3))                                   # not (weight, decision)
            g.create_dataset("objective_out", data=np.array(["s", "t"], dtype=object), dtype=strings)
            g["objective_baseline"] = np.zeros(5)                            # neither scalar nor (weight)
        text = summary_of(f6)
        rows = [line for line in text.split("\n") if line.startswith("  w=")]
        check(rows == ["  %-8s" % w + "  %12s" % "n/a" + "  %12s  %13s  %12s  %12s  %12s" % (("n/a",) * 5)
                       for w in ("w=0", "w=1")], f"wrong shapes and types: rows of n/a ({rows})")

        # plot.py: frontier.png where the group has points; none (and no failure) where not
        try:
            import matplotlib  # noqa: F401
            import xarray  # noqa: F401
            import h5netcdf  # noqa: F401
        except ImportError as e:
            print(f"SKIP: plot.py: Python module {e.name} not installed")
            return
        for path, want in ((f1, True), (f2, True), (f3, False)):   # plot.py takes seconds: three files
            out = os.path.join(tmp, "plots-" + os.path.basename(path))
            r = plot(path, out)
            check(r.returncode == 0, f"plot.py {os.path.basename(path)}: exit 0 ({r.stderr.strip()[-300:]})")
            png = os.path.join(out, "frontier.png")
            check(os.path.isfile(png) == want and (not want or os.path.getsize(png) > 10000),
                  f"plot.py {os.path.basename(path)}: frontier.png {'written' if want else 'not written'}")
        if os.environ.get("CAPSIM_KEEP_PLOTS"):
            shutil.copytree(tmp, os.environ["CAPSIM_KEEP_PLOTS"], dirs_exist_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("py_optimize_view: all passed")
