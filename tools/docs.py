#!/usr/bin/python3
"""docs.py: the README's walkthrough, made by the code (make docs).

The walkthrough's text lives in docs/README.in.md, with {{name}} where a number made by
capsim goes and {{block:name}} where a summary excerpt goes. This script

  1. runs the walkthrough's commands (STEPS below) into a results folder,
  2. reads every figure the text quotes from those files (per-path totals from /totals,
     statistics from /stats and /diff, summary excerpts from `capsim summary`) into
     docs/walkthrough.json, formatted as the summary formats them,
  3. writes README.md: the template with every placeholder filled in,
  4. draws the README's pictures into docs/img with output/plot.py.

    tools/docs.py [--capsim BUILD/capsim] [--out DIR] [--steps a,b,...] [--no-plots]
    tools/docs.py --check [--steps a,b,...]
    tools/docs.py --render

--render only writes README.md from the template and the committed figures (after an
edit of docs/README.in.md's prose); it runs nothing.

--check writes nothing in the repository: it re-runs the steps named (all by default)
in a temporary folder and fails (exit 1, with a diff) when the figures they give differ
from docs/walkthrough.json, or when README.md is not the template filled in with
docs/walkthrough.json. The figures are deterministic (same seed, same bits on any thread
count), so any difference is a change in what the code makes: re-run `make docs` and
read the diff of README.md before committing it.
"""
import argparse
import difflib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "docs", "README.in.md")
FIGURES = os.path.join(ROOT, "docs", "walkthrough.json")
README = os.path.join(ROOT, "README.md")
PATHS = "10000"          # the walkthrough's path count (seed 1: the scenarios' own)
SC = "scenarios/"

# name -> (capsim arguments, output file); the order is the walkthrough's.
STEPS = {
    "default": (["run", "--paths", PATHS], "default.h5"),
    "amendment": (["compare", SC + "azure-exclusive-2025.yaml", SC + "multicloud-2026.yaml",
                   "--paths", PATHS], "amendment.h5"),
    "amendment3": (["compare", SC + "azure-exclusive-2025.yaml", SC + "amendment-exclusivity-only.yaml",
                    SC + "multicloud-2026.yaml", "--paths", PATHS], "amendment3.h5"),
    "api-first": (["compare", SC + "azure-exclusive-2025.yaml", SC + "multicloud-2026.yaml",
                   "--set", "demand.api_partners.priority=0", "--set", "demand.chatgpt.priority=1",
                   "--paths", PATHS], "api-first.h5"),
    "aws-size": (["sweep", SC + "multicloud-2026.yaml",
                  "--vary", "contracts.aws-2025.capacity.0.count=0:400000:5", "--paths", PATHS],
                 "aws-size.h5"),
    "aws-option": (["compare", SC + "multicloud-2026.yaml", SC + "aws-expand-option.yaml",
                    "--paths", PATHS], "aws-option.h5"),
    "aws-trigger": (["sweep", SC + "aws-expand-option.yaml",
                     "--vary", "contracts.aws-2025.options.0.when.above=-1,0,0.1,0.2,1",
                     "--paths", PATHS], "aws-trigger.h5"),
    "owned": (["compare", SC + "multicloud-2026.yaml", SC + "stargate-owned.yaml",
               "--paths", PATHS], "owned.h5"),
    "optimize": (["optimize", SC + "optimize-aws-google.yaml"], "optimize.h5"),
}

# scenarios/README.md's table of the library: each variant against the default, one
# compare each (common random numbers by name, so a pair gives the same per-path
# differences as one compare of all files), at LIBRARY_PATHS.
LIBRARY_PATHS = "4000"
LIBRARY = ["azure-exclusive-2025", "amendment-exclusivity-only", "no-aws-expansion",
           "google-third-partner", "aws-expand-option", "stargate-owned", "stress-nvidia-slip",
           "stress-slow-power", "stress-demand-boom", "stress-demand-bust"]
for _v in LIBRARY:
    STEPS["library-" + _v] = (["compare", SC + "multicloud-2026.yaml", SC + _v + ".yaml",
                               "--paths", LIBRARY_PATHS], "library-%s.h5" % _v)

# Files with regions written from figures: <!-- docs:NAME --> ... <!-- /docs:NAME -->
# (NAME a figure, usually a block:...); the rest of such a file is edited by hand.
REGION_FILES = [os.path.join(ROOT, "scenarios", "README.md")]

# The README's pictures: step -> plot.py arguments (into docs/img/<step>).
PLOTS = {
    "default": [],
    "amendment": ["--series", "turned_down_revenue"],
    "aws-size": [],
    "aws-option": [],
    "owned": ["--variant", "stargate-owned"],
    "optimize": [],
}


# ---------- formatting, as capsim summary formats (output/summary.c, fmt_si)

def si(x, pre="", money=True):
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return pre + "0"
    a, f, suf = abs(x), 1.0, ""
    for scale, s, sm in ((1e12, "T", "T"), (1e9, "B", "B"), (1e6, "M", "M"), (1e3, "k", "K")):
        if a >= scale * 0.9995:
            f, suf = scale, (sm if money else s)
            break
    y = a / f
    dec = 0 if y >= 99.95 else 1 if y >= 9.995 else 2
    return "%s%s%.*f%s" % ("-" if x < 0 else "", pre, dec, y, suf)


def usd(x):
    return si(x, "$")


def usd_signed(x):
    return ("+" if x > 0 else "") + usd(x)


def pct(p, dec=0):
    return "%.*f%%" % (dec, 100.0 * p)


def months(x):
    return "%.1f" % x


# ---------- reading results

class Results:
    def __init__(self, path):
        self.f = h5py.File(path, "r")

    def labels(self, group="stats"):
        g = self.f[group]
        if "variant" not in g:
            return [None]
        return [v.decode() if isinstance(v, bytes) else str(v) for v in g["variant"][()]]

    def totals(self, name, v=0):
        d = self.f["totals"][name][()]
        return d[v] if d.ndim == 2 else d

    def stat(self, name, v=0, group="stats"):
        d = np.asarray(self.f[group][name][()])
        return float(d.ravel()[v]) if d.ndim <= 1 else d[v]

    def quantile(self, name, q, v=0, group="stats"):
        qs = list(np.round(self.f[group]["quantile"][()], 6))
        d = np.asarray(self.f[group][name + "_q"][()])
        if d.ndim == 1:
            d = d[None, :]
        return float(d[v][qs.index(round(q, 6))])


def paired(r, name, a, b):
    """Per-path difference b - a of a total, its mean and its standard error."""
    d = r.totals(name, b) - r.totals(name, a)
    n = d.size
    return d, float(d.mean()), float(d.std(ddof=1) / math.sqrt(n))


def months_label(r, t):
    """The calendar month (YYYY-MM) of month index t."""
    m = r.f["stats"]["month"][int(t)]
    return m.decode() if isinstance(m, bytes) else str(m)


def summary(capsim, path):
    return subprocess.run([capsim, "summary", path], check=True, capture_output=True,
                          text=True).stdout


def excerpt(text, start, names, header=True):
    """The line matching `start` (a regular expression; kept when header), the column
    header line that follows it ("  total ..."), and the rows for `names` in that order
    (a row is a line indented by two spaces whose first word is the name)."""
    lines = text.splitlines()
    i = next(k for k, l in enumerate(lines) if re.match(start, l))
    out = [re.sub(r" \(same random numbers, path by path\)$", "", lines[i])] if header else []
    rows = {}
    for line in lines[i + 1:]:
        if not line.strip():
            break
        if line.startswith("  ") and not line.startswith("    "):
            key = line.split()[0].rstrip(":")
            if key.startswith("("):
                continue
            if key == "total" and not rows:
                out.append(line)
            rows.setdefault(key, line)
    return "\n".join(out + [rows[n] for n in names])


# ---------- the figures the text quotes, step by step

def fig_default(r, s, F):
    F["block:default_totals"] = excerpt(s, r"^Key totals", [
        "pv_spend", "pv_stranded", "pv_revenue", "pv_turned_down_revenue", "pv_revenue_share",
        "months_short", "outstanding_commitment", "pv_value", "pv_value_lost", "pv_net_value",
        "min_cash", "peak_funding_need"], header=False)
    for t in ("pv_value_lost", "peak_funding_need", "pv_net_value"):
        F[f"default.{t}.mean"] = usd(r.stat(t + "_mean"))
        F[f"default.{t}.p50"] = usd(r.quantile(t, 0.5))
        F[f"default.{t}.es95"] = usd(r.stat(t + "_es_hi"))
        F[f"default.{t}.es5"] = usd(r.stat(t + "_es_lo"))
    # The parameters with the largest rank correlations with turned-down revenue.
    sens = r.f["sensitivity"]
    totals = [t.decode() for t in sens["total"][()]]
    params = [p.decode() for p in sens["param"][()]]
    rc = sens["rank_corr"][()][totals.index("pv_turned_down_revenue")]
    top = np.argsort(-np.abs(rc), kind="stable")[:4]
    F["default.drivers"] = ", ".join("`%s` (%+.2f)" % (params[i], rc[i]) for i in top)
    # Expected capacity in the last 12 months, all clouds (H100e).
    cap = np.asarray(r.f["stats"]["capacity_mean"][()])
    cap = cap.reshape(-1, cap.shape[-1]).sum(axis=1)
    F["default.capacity_2030"] = si(float(cap[-12:].mean()), "", money=False)


def fig_amendment(r, s, F):
    F["block:amendment"] = excerpt(s, r"^Paired difference", [
        "pv_stranded", "pv_revenue", "pv_turned_down_revenue", "pv_revenue_share", "pv_value",
        "pv_value_lost", "pv_net_value", "verdict"])
    for t in ("pv_revenue", "pv_value", "pv_net_value"):
        _, m, se = paired(r, t, 0, 1)
        F[f"amendment.{t}"] = usd(m)
    need_a, need_b = r.totals("peak_funding_need", 0), r.totals("peak_funding_need", 1)
    F["amendment.before.min_need"] = usd(float(need_a.min()))
    F["amendment.before.need_p01"] = usd(float(np.quantile(need_a, 0.01)))
    F["amendment.after.min_need"] = usd(float(need_b.min()))


def fig_amendment3(r, s, F):
    (_, excl_value, _) = paired(r, "pv_value", 0, 1)
    (_, excl_net, _) = paired(r, "pv_net_value", 0, 1)
    (_, excl_share, _) = paired(r, "pv_revenue_share", 0, 1)
    (_, cap_net, _) = paired(r, "pv_net_value", 1, 2)
    (_, cap_share, _) = paired(r, "pv_revenue_share", 1, 2)
    (_, all_net, _) = paired(r, "pv_net_value", 0, 2)
    F["amend3.excl.net"] = usd_signed(excl_net)
    F["amend3.excl.value"] = usd_signed(excl_value)
    F["amend3.excl.share"] = usd_signed(excl_share)
    F["amend3.cap.net"] = usd_signed(cap_net)
    F["amend3.cap.share"] = usd(-cap_share)
    F["amend3.all.net"] = usd_signed(all_net)
    F["amend3.verdict"] = ("most of the amendment's worth to the lab is the end of the exclusivity, "
                           "not the cap" if excl_net > cap_net else
                           "most of the amendment's worth to the lab is the cap, not the exclusivity")


def fig_api_first(r, s, F):
    _, m, _ = paired(r, "pv_net_value", 0, 1)
    F["api_first.amendment.net"] = usd(m)
    F["api_first.default.net"] = usd(r.stat("pv_net_value_mean", 1))


def fig_aws_size(r, s, F):
    k = len(r.labels())
    steps = {}
    for t in ("pv_spend", "pv_stranded", "pv_value_lost", "pv_net_value"):
        steps[t] = [paired(r, t, v - 1, v) for v in range(1, k)]
    rng = lambda xs, f=1: "%s-%s" % (usd(f * min(xs)).rstrip("B"), usd(f * max(xs)))
    F["aws_size.spend"] = rng([m for _, m, _ in steps["pv_spend"]])
    F["aws_size.stranded"] = rng([m for _, m, _ in steps["pv_stranded"]])
    F["aws_size.value_lost"] = rng([-m for _, m, _ in steps["pv_value_lost"]])
    net = [m for _, m, _ in steps["pv_net_value"]]
    F["aws_size.net_first"] = usd(net[0])
    F["aws_size.net_after"] = rng(net[1:])
    better = [float((d > 0).mean()) for d, _, _ in steps["pv_net_value"]]
    F["aws_size.p_better"] = "%s-%s" % (pct(min(better)).rstrip("%"), pct(max(better)))
    F["aws_size.verdict"] = (
        "On this scenario's demand (the lab's own plan) each 100k more pays on most paths."
        if min(better) > 0.5 else
        "On this scenario's demand a bigger AWS deal is a bet that pays in the fast-growth "
        "paths and costs in the others.")


def fig_aws_option(r, s, F):
    F["block:aws_option"] = excerpt(s, r"^Paired difference", [
        "pv_spend", "pv_stranded", "pv_value", "pv_value_lost", "pv_net_value"])
    _, m, se = paired(r, "pv_net_value", 0, 1)
    F["aws_option.net"] = usd(m)
    F["aws_option.net_se"] = usd(se)
    _, m, _ = paired(r, "outstanding_commitment", 0, 1)
    F["aws_option.outstanding_fall"] = usd(-m)
    ex = np.asarray(r.f["stats"]["exercised_mean"][()]) \
        if "exercised_mean" in r.f["stats"] else None
    if ex is not None:
        ex = ex.reshape(ex.shape[0], ex.shape[1], -1)[1, :, 0]   # variant 1, option 0
        final = float(ex[-1])
        F["aws_option.exercised"] = pct(final)
        t_first = int(np.argmax(ex > 0))
        F["aws_option.first_share"] = pct(float(ex[t_first]) / final)
        F["aws_option.first_month"] = months_label(r, t_first)
        F["aws_option.median_month"] = months_label(r, int(np.argmax(ex >= final / 2)))


def fig_aws_trigger(r, s, F):
    labels = r.labels()
    k = len(labels)
    never = k - 1                                     # above = 1: never holds
    net_never = r.totals("pv_net_value", never)
    rows = []
    names = ["firm order in 2027-01", "above 0", "above 10% (the file)", "above 20%",
             "never (no expansion)"]
    ex = np.asarray(r.f["stats"]["exercised_mean"][()])
    ex = ex.reshape(ex.shape[0], ex.shape[1], -1)[:, -1, 0]
    for v in [never] + list(range(k - 1)):
        net = r.totals("pv_net_value", v)
        rows.append("| %s | %s | %s | %s | %s |" % (
            names[v], pct(float(ex[v])), "0" if v == never else usd_signed(float((net - net_never).mean())),
            usd(r.stat("pv_net_value_es_lo", v)), usd(r.stat("pv_stranded_mean", v))))
    F["block:aws_trigger"] = "\n".join(rows)
    firm = r.totals("pv_net_value", 0) - net_never
    F["aws_trigger.firm"] = usd(float(firm.mean()))
    F["aws_trigger.above20"] = usd_signed(float((r.totals("pv_net_value", 3) - net_never).mean()))
    F["aws_trigger.firm_es5_worse"] = usd(r.stat("pv_net_value_es_lo", never)
                                          - r.stat("pv_net_value_es_lo", 0))
    _, m, se = paired(r, "pv_net_value", 0, 2)
    F["aws_trigger.rule_vs_firm"] = usd_signed(m)
    F["aws_trigger.rule_vs_firm_se"] = usd(se)


def fig_owned(r, s, F):
    mean = {}
    for t in ("pv_value", "pv_spend", "pv_capex", "pv_net_value"):
        _, mean[t], se = paired(r, t, 0, 1)
        F[f"owned.{t}"] = usd(mean[t])
        F[f"owned.{t}.se"] = usd(se)
    resid = r.totals("residual_value", 1) - r.totals("residual_value", 0)
    F["owned.residual"] = usd(float(resid.mean()))
    factor = (1 + float(r.f.attrs["discount_rate"])) ** (-int(r.f.attrs["months"]) / 12.0)
    F["owned.discount_factor"] = "%.2f" % factor
    F["owned.net_with_residual"] = usd_signed(mean["pv_net_value"] + factor * float(resid.mean()))
    for v, name in ((0, "base"), (1, "site")):
        F[f"owned.{name}.need_mean"] = usd(r.stat("peak_funding_need_mean", v))
        F[f"owned.{name}.need_p50"] = usd(r.quantile("peak_funding_need", 0.5, v))


def fig_optimize(r, s, F):
    lines = s.splitlines()
    i = next(k for k, l in enumerate(lines) if l.startswith("Frontier"))
    j = i
    while j < len(lines) and lines[j].strip():
        j += 1
    F["block:optimize"] = "\n".join(lines[i:j])
    o = r.f["optimize"]
    names = {"contracts.aws-2026.capacity.0.count": "AWS Trainium",
             "contracts.google-2026.capacity.0.count": "Google"}
    decisions = [d.decode() for d in o["decision"][()]]

    def point(row):
        return " and ".join("%s %s" % (names.get(d, d), si(float(x), "", money=False))
                            for d, x in zip(decisions, o["chosen"][row]))
    w = o["weight"][()]
    F["opt.first"] = point(0)
    F["opt.last"] = point(len(w) - 1)
    F["opt.last_w"] = "%g" % w[-1]
    gap = np.abs(o["objective_in_chosen"][()] - o["objective_out"][()]) / o["objective_out_se"][()]
    F["opt.max_gap_se"] = "%.1f" % float(gap.max())
    F["opt.gap_verdict"] = ("a sign that 4,000 paths are enough for this grid" if gap.max() < 2
                            else "the in-sample figures are biased by the choice; quote the "
                            "out-of-sample column")


def fig_library(name):
    def fig(r, s, F):
        def d(t):
            return float((r.totals(t, 1) - r.totals(t, 0)).mean())
        extra = []
        if "pv_capex" in r.f["totals"] and d("pv_capex") != 0:
            extra.append("capex (PV) %s" % usd_signed(d("pv_capex")))
        if abs(d("pv_revenue_share")) >= 0.5e9:
            extra.append("revenue share %s" % usd_signed(d("pv_revenue_share")))
        if abs(d("pv_revenue")) >= 0.5e9:
            extra.append("revenue %s" % usd_signed(d("pv_revenue")))
        if abs(d("outstanding_commitment")) >= 0.5e9:
            extra.append("outstanding %s" % usd_signed(d("outstanding_commitment")))
        net = r.totals("pv_net_value", 1) - r.totals("pv_net_value", 0)
        F["library.%s" % name] = "| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, usd_signed(d("pv_net_value")), pct(float((net > 0).mean())),
            usd_signed(d("pv_value_lost")), usd_signed(d("pv_spend")),
            usd_signed(d("pv_stranded")), usd_signed(d("peak_funding_need")), "; ".join(extra))
    return fig


def fig_reconcile(r, s, F):
    """The default against the public record (scenarios/README.md, Reconciliation)."""
    st = r.f["stats"]
    months = [m.decode() for m in st["month"][()]]
    clouds = [c.decode() for c in st["cloud"][()]]
    contracts = [c.decode() for c in st["contract"][()]]
    ends = {y: max(i for i, m in enumerate(months) if m.startswith(str(y))) for y in range(2025, 2031)}
    need, avail = st["power_needed_mean"][()], st["power_available_mean"][()]
    drawn = {y: np.minimum(need[t], avail[t]) for y, t in ends.items()}
    F["rec.power"] = ", ".join("%d %.1f" % (y, drawn[y].sum() / 1e3) for y in ends)
    for y in (2026, 2029):
        share = drawn[y] / drawn[y].sum()
        F["rec.share_%d" % y] = ", ".join("%s %.0f%%" % (c, 100 * x) for c, x in zip(clouds, share) if x >= 0.005)
    cap = st["capacity_mean"][()]
    F["rec.share_h100e_2029"] = ", ".join("%s %.0f%%" % (c, 100 * x) for c, x in
                                          zip(clouds, cap[ends[2029]] / cap[ends[2029]].sum()) if x >= 0.005)
    rev, spend = st["revenue_mean"][()], st["spend_mean"][()]
    td = st["turned_down_revenue_mean"][()]
    year = lambda y: [i for i, m in enumerate(months) if m.startswith(str(y))]
    F["rec.revenue"] = ", ".join("%d %s" % (y, usd(float(rev[year(y)].sum()))) for y in range(2026, 2030))
    F["rec.revenue_2030"] = usd(float(rev[year(2030)].sum()) * 12 / len(year(2030)))
    F["rec.demand_2030"] = usd(float((rev[year(2030)].sum() + td[year(2030)].sum()) * 12 / len(year(2030))))
    F["rec.td_2026"] = usd(float(td[year(2026)].sum()))
    ppos = st["turned_down_revenue_ppos"][()]
    F["rec.p_td_2026_04"] = pct(float(ppos[months.index("2026-04")]))
    spend_to_2030 = float(spend.sum())
    F["rec.spend_to_2030"] = usd(spend_to_2030)
    billed = spend.sum(axis=0)
    groups = [("Microsoft (Azure)", ("azure-",)), ("Amazon (AWS)", ("aws-",)), ("Oracle", ("oracle-",)),
              ("CoreWeave", ("coreweave",)), ("Google", ("google-",)),
              ("own sites (Nvidia, AMD, Broadcom chips)", ("nvidia-", "amd-", "broadcom-"))]
    for label, prefixes in groups:
        b = sum(float(billed[k]) for k, c in enumerate(contracts) if c.startswith(prefixes))
        F["rec.billed." + label.split()[0].lower()] = usd(b)
    F["rec.outstanding"] = usd(r.stat("outstanding_commitment_mean"))
    F["rec.cash_2030"] = usd(float(st["cash_mean"][()][-1]))
    F["rec.need_mean"] = usd(r.stat("peak_funding_need_mean"))
    F["rec.need_p50"] = usd(r.quantile("peak_funding_need", 0.5))
    rows = [
        ("Power in use at the end of each year, GW", F["rec.power"],
         "0.2 (2023), 0.6 (2024), ~1.9 (2025) online; more than 10 GW contracted in the US "
         "by 2026-04, not energised; ~30 GW planned",
         "demand: compute online, contracted capacity, compute spend plans",
         "2025 matches by calibration, and the contracted ~10 GW arrive over 2026-28. The "
         "~30 GW plan stops near 16 GW: only the first ~4 GW of the Nvidia, AMD and Broadcom "
         "programmes are in the default (scenarios/multicloud-2026.yaml explains why). In use: "
         "the smaller of the power the delivered chips need and the power built, per cloud, "
         "in the mean"),
        ("Share of power in use by cloud", "end-2026: %s; end-2029: %s" % (
            F["rec.share_2026"], F["rec.share_2029"]),
         "Azure primary; AWS rising (2 GW of the more than 3 GW signed in the 90 days to "
         "2026-04 came from Amazon)", "demand: contracted capacity",
         "the same direction. In H100e AWS's share is smaller (end-2029: %s) because "
         "Trainium is counted at its BF16 throughput, 0.68 H100e for 1.8 kW"
         % F["rec.share_h100e_2029"].split("aws ")[1].split(",")[0]),
        ("Revenue by year", "%s; 2030 %s a year (its 10 months, annualised), against "
         "demand worth %s a year" % (F["rec.revenue"], F["rec.revenue_2030"], F["rec.demand_2030"]),
         "$13.1B recognised (2025); ~$30B (2026 target); more than $280B (2030 target)",
         "demand: recognised revenue, revenue targets",
         "2026 is on target. Demand is calibrated to the lab's plan and by 2030 is worth more "
         "than the target, but the capacity in the horizon serves well under half of it: the "
         "target needs the plan's ~30 GW"),
        ("Business turned down in 2026", "expected %s; some turned away in 2026-04 on %s "
         "of paths" % (F["rec.td_2026"], F["rec.p_td_2026_04"]),
         "the CFO, April 2026: deals not pursued for lack of compute",
         "demand: turning down business",
         "consistent, because training is valued above the API's price (an assumption from "
         "this very statement: scenarios/multicloud-2026.yaml, training)"),
        ("Compute spend, 2025-11 to 2030-10, nominal", F["rec.spend_to_2030"],
         "~$600B through 2030 (the later plan); $1.4T over 8 years for ~30 GW (2025-11)",
         "demand: compute spend plans",
         "within ~15% of the later plan; the $1.4T includes the programmes' remaining ~22 GW "
         "and the years after 2030"),
        ("Billed by counterparty in the horizon, nominal",
         "Microsoft %s; Amazon %s; Oracle %s; CoreWeave %s; Google %s; own sites %s (capex "
         "and running costs); still owed under the floors at 2030-10: %s" % (
             F["rec.billed.microsoft"], F["rec.billed.amazon"], F["rec.billed.oracle"],
             F["rec.billed.coreweave"], F["rec.billed.google"], F["rec.billed.own"],
             F["rec.outstanding"]),
         "Azure $250B; AWS $38B and +$100B; Oracle $300B; CoreWeave $22.4B; Google not "
         "disclosed; Nvidia 10 GW, AMD 6 GW, Broadcom 10 GW programmes",
         "contracts",
         "the floors run past 2030-10, so part of each is still owed then. Each modelled "
         "contract bills about its floor over its term when every chip arrives (arithmetic "
         "in scenarios/multicloud-2026.yaml): Azure's 1.6M GB300 ~$251B, Oracle's 2.1M "
         "GB300 to 2032-12 ~$315B"),
        ("Cash", "mean cash at 2030-10 %s; peak funding need %s in the mean, %s in the "
         "median" % (F["rec.cash_2030"], F["rec.need_mean"], F["rec.need_p50"]),
         "not disclosed; Amazon invests up to $50B, Nvidia up to $100B as the GW are deployed",
         "contracts: AWS 2026 expansion, Nvidia",
         "the modelled inflows (Amazon's $50B, Nvidia's first $10B) do not cover the plan: "
         "the lab must raise the peak funding need elsewhere"),
    ]
    F["block:reconcile"] = "\n".join(
        ["| figure | capsim (the default, mean of the paths) | public record | SRC row "
         "(docs/SOURCES.md) | where they differ, why |", "|---|---|---|---|---|"]
        + ["| %s |" % " | ".join(r) for r in rows])


FIGS = {"default": fig_default, "amendment": fig_amendment, "amendment3": fig_amendment3,
        "api-first": fig_api_first, "aws-size": fig_aws_size, "aws-option": fig_aws_option,
        "aws-trigger": fig_aws_trigger, "owned": fig_owned, "optimize": fig_optimize}
FIGS.update({"library-" + v: fig_library(v) for v in LIBRARY})


def library_table(F):
    """The rows fig_library made, as one table (once all of them are there)."""
    head = ("| variant | PV net value | better on | PV value lost | PV spend | PV stranded | "
            "peak funding need | other |\n|---|---|---|---|---|---|---|---|")
    if all("library.%s" % v in F for v in LIBRARY):
        F["block:library"] = "\n".join([head] + [F["library.%s" % v] for v in LIBRARY])


# ---------- running

def run_steps(capsim, out, steps):
    os.makedirs(out, exist_ok=True)
    figures = {}
    for name in steps:
        args, file = STEPS[name]
        path = os.path.join(out, file)
        cmd = [capsim] + [a.replace("{out}", out) for a in args] + ["--quiet", "-o", path]
        print("docs:", " ".join(cmd[1:]), file=sys.stderr)
        subprocess.run(cmd, check=True, cwd=ROOT)
        r = Results(path)
        text = summary(capsim, path)
        FIGS[name](r, text, figures)
        if name == "default":
            fig_reconcile(r, text, figures)
    return figures


def render(template, figures):
    def fill(m):
        key = m.group(1)
        if key not in figures:
            sys.exit(f"docs.py: {os.path.relpath(TEMPLATE, ROOT)}: no figure named {key!r}")
        return figures[key]
    return re.sub(r"\{\{([A-Za-z0-9_.:-]+)\}\}", fill, template)


REGION = re.compile(r"(<!-- docs:([A-Za-z0-9_.:-]+) -->\n)(.*?)(<!-- /docs:\2 -->)", re.S)


def render_regions(text, figures, where):
    def fill(m):
        key = m.group(2)
        if key not in figures:
            sys.exit(f"docs.py: {where}: no figure named {key!r}")
        return m.group(1) + figures[key] + "\n" + m.group(4)
    return REGION.sub(fill, text)


def report_screenshot(capsim, out, img):
    """docs/img/report.png: capsim report of the default run, as headless chromium shows it."""
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chrome:
        print("docs.py: chromium not installed: docs/img/report.png not re-made", file=sys.stderr)
        return
    page = os.path.join(out, "report.html")
    subprocess.run([capsim, "report", os.path.join(out, STEPS["default"][1]), "-o", page], check=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--no-first-run", "--user-data-dir=" + profile, "--window-size=1200,2400",
                        "--screenshot=" + os.path.join(img, "report.png"), "file://" + page],
                       check=True, capture_output=True, timeout=180)


def plots(out, img):
    python = os.environ.get("PYTHON", "/usr/bin/python3")
    for step, extra in PLOTS.items():
        dest = os.path.join(img, step)
        shutil.rmtree(dest, ignore_errors=True)
        subprocess.run([python, os.path.join(ROOT, "output", "plot.py"),
                        os.path.join(out, STEPS[step][1]), "-o", dest] + extra, check=True)


def write_outputs(template, figures):
    """README.md from its template, and the regions of REGION_FILES."""
    outputs = [(README, render(template, figures))]
    for path in REGION_FILES:
        outputs.append((path, render_regions(open(path).read(), figures, path)))
    for path, text in outputs:
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--capsim", default=os.path.join(ROOT, "build", "capsim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "docs"))
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--paths", help="another path count, to try the script quickly "
                    "(the committed figures are made at %s)" % PATHS)
    a = ap.parse_args()
    steps = [s for s in a.steps.split(",") if s]
    for s in steps:
        if s not in STEPS:
            sys.exit(f"docs.py: unknown step {s!r} (steps: {', '.join(STEPS)})")
    capsim = os.path.abspath(a.capsim)
    if a.paths:
        for name, (args, file) in STEPS.items():
            STEPS[name] = ([a.paths if x == PATHS else x for x in args], file)
    template = open(TEMPLATE).read()

    if a.check:
        committed = json.load(open(FIGURES))
        bad = 0
        expected = render(template, committed)
        actual = open(README).read()
        if actual != expected:
            bad = 1
            print("README.md is not docs/README.in.md filled in with docs/walkthrough.json "
                  "(edit the template, then run make docs):")
            sys.stdout.writelines(difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), "expected", "README.md"))
        for path in REGION_FILES:
            text = open(path).read()
            if render_regions(text, committed, path) != text:
                bad = 1
                print(f"{os.path.relpath(path, ROOT)}: a docs: region is not its figure in "
                      "docs/walkthrough.json (run make docs or tools/docs.py --render)")
        with tempfile.TemporaryDirectory() as tmp:
            made = run_steps(capsim, tmp, steps)
        library_table(made)
        for key in sorted(made):
            if committed.get(key) != made[key]:
                bad = 1
                print(f"figure {key}: docs/walkthrough.json has {committed.get(key)!r}, "
                      f"the code makes {made[key]!r}")
        print(f"docs.py --check: {len(made)} figures from steps {', '.join(steps)}: "
              + ("differ (run make docs)" if bad else "as committed"))
        return bad

    if a.render:
        write_outputs(template, json.load(open(FIGURES)))
        return 0

    figures = {}
    if os.path.exists(FIGURES) and set(steps) != set(STEPS):
        figures = json.load(open(FIGURES))
    figures.update(run_steps(capsim, a.out, steps))
    library_table(figures)
    with open(FIGURES + ".tmp", "w") as f:
        json.dump(figures, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(FIGURES + ".tmp", FIGURES)
    write_outputs(template, figures)
    if not a.no_plots:
        plots(a.out, os.path.join(ROOT, "docs", "img"))
        if "default" in steps:
            report_screenshot(capsim, a.out, os.path.join(ROOT, "docs", "img"))
    print(f"docs.py: {len(figures)} figures; README.md and docs/img written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
