#!/usr/bin/python3
"""plot.py: charts of a capsim results file (docs/OUTPUT.md), written as PNGs.

    /usr/bin/python3 output/plot.py OUT.h5 -o DIR [--series unmet] [--total NAME]
                                     [--variant LABEL]

Every file (run, compare, sweep):
  fan_SERIES.png        fan chart of a monthly series over time, one panel per element
                        (segment, cloud or contract): P5-P95, P25-P75, median and mean
  spend_by_cloud.png    expected monthly spend stacked by cloud (contracts grouped by
                        their cloud through the contract_cloud coordinate, plus spot)
  tornado_TOTAL.png     Spearman rank correlation of a per-path total with each sampled
                        value, largest first (needs sampled uncertain values)
  options_exercised.png (files of scenarios with contract options) cumulative probability
                        that each option has been exercised by each month; with several
                        variants, one panel per option and one line per variant
  fan_cash.png          (files with cash) month-end cash in $B ($M for a small scenario):
                        P5-P95, P25-P75, median, mean and the zero line
  supply_demand.png     expected capacity against expected demand, served and unmet, in
                        H100e, summed over clouds and segments
  exceedance.png        for net value, value lost, peak funding need and stranded spend:
                        the chance of a result worse than x (below x where higher is
                        better, above where lower is), from every path, per variant
Files of capsim optimize (an /optimize group) also get:
  frontier.png          expected value (mean of the objective total) against its expected
                        shortfall, one point per risk weight (labelled w=...), every evaluated
                        point faint behind them, the scenario's own decisions marked
Compare and sweep files (several variants) also get:
  diff_fan_SERIES.png   fan chart of the paired difference variant - baseline per month
  compare_totals.png    mean paired difference of key totals with 95% intervals
  sweep_KEY.png         (sweeps) key totals against the varied value, 95% band

Needs Debian's python3-xarray, python3-h5netcdf, python3-h5py and python3-matplotlib
(run it with /usr/bin/python3). Exit codes: 0 ok; 1 the charts cannot be written; 2 bad
arguments, or a file that does not exist, is not a capsim results file or is damaged (what
the charts read is checked first: the groups and variables, their coordinates and
dimensions; the message names what is wrong).
"""
import argparse
import os
import sys
import textwrap

import h5py
import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

ENGINE = "h5netcdf"
# Net value first: it is what a contract decision turns on (docs/MODEL.md section 10);
# files written before it have none of the value totals and show the rest.
KEY_TOTALS = ["pv_net_value", "pv_value_lost", "pv_spend", "pv_stranded", "pv_turned_down_revenue",
              "pv_revenue_share", "unmet_h100e_hours", "outstanding_commitment"]
MAX_PANELS = 8


class Damaged(Exception):
    """The file is not a capsim results file, or is damaged: the message says where."""


SERIES_DIMS = ("segment", "cloud", "contract", "option")
# The monthly series capsim writes and their own dimension (docs/OUTPUT.md).
SERIES = {"demand": "segment", "served": "segment", "unmet": "segment", "capacity": "cloud", "used": "cloud",
          "utilisation": "cloud", "power_needed": "cloud", "power_available": "cloud", "spend": "contract",
          "stranded": "contract", "revenue_share": "contract", "spot_spend": "cloud", "revenue": None,
          "turned_down_revenue": None, "value_lost": "segment", "defaulted": "contract", "exercised": "option",
          "cash": None}


def check_file(path, series):
    """What the charts read, checked with h5py before xarray opens anything: the file is
    HDF5 and capsim's, the groups read hold only hard links, the fan chart's variables
    exist with (time[, own]) and (time[, own], quantile) coordinates. Raises Damaged."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise Damaged(f"{path}: not an HDF5 file, or a damaged one ({e})")
    with f:
        if "capsim_version" not in f.attrs or "stats" not in f:
            raise Damaged(f"{path} is not a capsim results file (no capsim_version attribute or /stats group)")
        for gname in ("stats", "diff", "sensitivity"):
            if gname not in f:
                continue
            g = f[gname]
            if not isinstance(f.get(gname, getlink=True), h5py.HardLink) or not isinstance(g, h5py.Group):
                raise Damaged(f"{path}: damaged results file: /{gname}: not a group")
            for k in g:
                if not isinstance(g.get(k, getlink=True), h5py.HardLink):
                    raise Damaged(f"{path}: damaged results file: /{gname}/{k}: a soft or external link")
        for gname in ("stats", "diff"):
            if gname not in f:
                continue
            g = f[gname]
            for stat in ("mean", "q"):
                name = f"{series}_{stat}"
                if name not in g:
                    if series not in SERIES:
                        raise Damaged(f"no series '{series}' (have: {', '.join(sorted(SERIES))})")
                    if SERIES[series] and SERIES[series] not in g:
                        raise Damaged(f"no series '{series}' in {path}: it has no {SERIES[series]}s")
                    raise Damaged(f"{path}: damaged results file: /{gname}/{name}: missing")
                ds = g[name]
                if not isinstance(ds, h5py.Dataset):
                    raise Damaged(f"{path}: damaged results file: /{gname}/{name}: not a dataset")
                dims = []
                for i in range(ds.ndim):
                    if len(ds.dims[i]) == 0:
                        raise Damaged(f"{path}: damaged results file: /{gname}/{name}: dimension {i} has no coordinate")
                    dims.append(ds.dims[i].label or ds.dims[i][0].name.rsplit("/", 1)[-1])
                want = (["variant"] if "variant" in g else []) + ["time"]
                if stat == "q" and dims[-1:] != ["quantile"]:
                    raise Damaged(f"{path}: damaged results file: /{gname}/{name}: dimensions {tuple(dims)}, "
                                  f"the last one not quantile")
                own = dims[len(want):len(dims) - (stat == "q")]
                if dims[:len(want)] != want or len(own) > 1 or (own and own[0] not in SERIES_DIMS):
                    raise Damaged(f"{path}: damaged results file: /{gname}/{name}: dimensions {tuple(dims)}")
                if stat == "mean":
                    mean_own = own
                elif own != mean_own:
                    raise Damaged(f"{path}: damaged results file: /{gname}/{series}_mean: dimensions over "
                                  f"{tuple(mean_own)}, /{gname}/{name} over {tuple(own)}")


def open_group(path, group):
    """The group as a Dataset, or None when the file has no such group."""
    with h5py.File(path, "r") as f:
        if group not in f:
            return None
    return xr.open_dataset(path, group=group, engine=ENGINE)


class ScaledFormatter(mticker.Formatter):
    """Tick labels in one unit for the whole axis (k, M, B, T: thousand to trillion, as
    the summary writes them; never milli), chosen from the largest tick, with as many
    decimals as the tick step needs; money as "-$1.5B". With a suffix, the data are
    already divided by its unit (money_scale) and only the decimals are chosen."""

    def __init__(self, money, suffix=None):
        self.money, self.fixed = money, suffix
        self.scale, self.suffix, self.dec = 1.0, suffix or "", 0

    def set_locs(self, locs):
        super().set_locs(locs)
        top = max((abs(float(v)) for v in locs), default=0.0)
        if self.fixed is None:
            self.scale, self.suffix = next(((10.0 ** e, s) for e, s in ((12, "T"), (9, "B"), (6, "M"), (3, "k"))
                                            if top >= 10.0 ** e), (1.0, ""))
        step = float(np.min(np.diff(locs))) / self.scale if len(locs) > 1 else 1.0
        self.dec = 0
        while self.dec < 6 and step > 0 and \
                abs(step * 10 ** self.dec - round(step * 10 ** self.dec)) > 1e-6 * step * 10 ** self.dec:
            self.dec += 1

    def __call__(self, x, pos=None):
        v = x / self.scale
        s = f"{abs(v):,.{self.dec}f}"
        if float(s.replace(",", "")) == 0:
            return "$0" if self.money else "0"
        return f"{'-' if v < 0 else ''}{'$' if self.money else ''}{s}{self.suffix}"


def formatter(units):
    """Tick labels of an axis in these units (ScaledFormatter; a $ for money)."""
    return ScaledFormatter(units.startswith("USD"))


def short_label(label):
    """A variant label for titles and legends: a scenario file's name without its folder
    and .yaml (the file keeps the label as typed); key=value labels of sweeps as they are."""
    label = str(label)
    if label.endswith((".yaml", ".yml")):
        return os.path.splitext(os.path.basename(label))[0]
    return label


def pick_variant(ds, label):
    """ds at one variant (label, or the baseline); ds itself when it has no variant dim."""
    if "variant" not in ds.dims:
        return ds
    if label is None:
        return ds.isel(variant=0)
    labels = [str(v) for v in ds["variant"].values]
    if label in labels:
        return ds.sel(variant=label)
    # a scenario file's name without its folder and .yaml names it too (as titles show it)
    short = [i for i, v in enumerate(labels) if short_label(v) == label]
    if len(short) == 1:
        return ds.isel(variant=short[0])
    raise SystemExit(f"plot.py: no variant '{label}' (have: {', '.join(labels)}"
                     f"{'; ' + label + ' names several' if len(short) > 1 else ''})")


def own_dim(da):
    """The element dimension of a series (segment, cloud, contract) or None."""
    for d in da.dims:
        if d not in ("variant", "time", "quantile", "path"):
            return d
    return None


def fan_panels(ds, series, title, out):
    """One fan chart per element of `series` in ds (a /stats or /diff at one variant)."""
    q = ds[f"{series}_q"]
    mean = ds[f"{series}_mean"]
    dim = own_dim(mean)
    elems = list(mean[dim].values)[:MAX_PANELS] if dim else [None]
    fig, axes = plt.subplots(len(elems), 1, figsize=(9, 2.6 * len(elems) + 0.6), sharex=True, squeeze=False)
    units = mean.attrs.get("units", "")
    for ax, e in zip(axes[:, 0], elems):
        qe = q.sel({dim: e}) if dim else q
        me = mean.sel({dim: e}) if dim else mean
        t = qe["time"].values
        ax.fill_between(t, qe.sel(quantile=0.05), qe.sel(quantile=0.95), alpha=0.2, color="C0", label="P5-P95")
        ax.fill_between(t, qe.sel(quantile=0.25), qe.sel(quantile=0.75), alpha=0.4, color="C0", label="P25-P75")
        ax.plot(t, qe.sel(quantile=0.5), color="C0", label="median")
        ax.plot(t, me, color="C1", linestyle="--", label="mean")
        ax.set_title(f"{dim} {e}" if dim else series, fontsize=10)
        ax.set_ylabel(units)
        ax.yaxis.set_major_formatter(formatter(units))
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=8, ncol=4)
    lines = textwrap.wrap(title, 90)
    fig.suptitle("\n".join(lines), fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - (0.1 + 0.2 * len(lines)) / fig.get_figheight()))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def spend_by_cloud(st, out):
    """Expected monthly spend stacked by cloud: contracts grouped by contract_cloud + spot."""
    parts = {}
    if "spend_mean" in st and "contract" in st.dims and st.sizes["contract"] > 0 \
            and "contract_cloud" not in st.coords:
        # Without it the chart would show spot spend alone as "spend by cloud": refuse.
        sys.exit("plot.py: the file has spend by contract but no contract_cloud coordinate "
                 "(written by capsim since 2026-12-03 for every file; rerun capsim to remake it)")
    if "spend_mean" in st and "contract_cloud" in st.coords:
        by = st["spend_mean"].groupby("contract_cloud").sum()
        for c in by["contract_cloud"].values:
            parts[str(c)] = by.sel(contract_cloud=c).values
    if "spot_spend_mean" in st:
        for c in st["cloud"].values:
            v = st["spot_spend_mean"].sel(cloud=c).values
            parts[str(c)] = parts.get(str(c), 0) + v
    if not parts:
        return None
    t = st["time"].values
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.stackplot(t, *parts.values(), labels=list(parts.keys()), alpha=0.85)
    ax.set_ylabel("USD per month (mean over paths)")
    ax.yaxis.set_major_formatter(formatter("USD"))
    ax.set_title("Expected monthly spend by cloud (contracts, true-ups and spot)")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def tornado(sens, total, out, top=12):
    """Bars of the rank correlation of `total` with each sampled value, largest first."""
    if sens is None or "rank_corr" not in sens or sens.sizes.get("param", 0) == 0:
        return None
    totals = [str(x) for x in sens["total"].values]
    if total not in totals:
        raise SystemExit(f"plot.py: no total '{total}' in /sensitivity (have: {', '.join(totals)})")
    rc = sens["rank_corr"].sel(total=total)
    vals = np.nan_to_num(rc.values.astype(float))
    order = np.argsort(-np.abs(vals))[:top][::-1]
    names = [str(sens["param"].values[i]) for i in order]
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(order) + 1.5))
    ax.barh(range(len(order)), vals[order], color=["C3" if v > 0 else "C0" for v in vals[order]])
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(names, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Spearman rank correlation")
    ax.set_title(f"What drives {total}")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def option_exercise(st, name, out):
    """Cumulative P(exercised) of each contract option over time (the mean of the 0/1
    series `exercised`). One panel with a line per option; with several variants, one
    panel per option with a line per variant."""
    if "exercised_mean" not in st or st.sizes.get("option", 0) == 0:
        return None
    ex = st["exercised_mean"]
    options = [str(o) for o in ex["option"].values][:MAX_PANELS]
    t = ex["time"].values
    variants = [str(v) for v in ex["variant"].values] if "variant" in ex.dims else [None]
    if len(variants) == 1:
        fig, axes = plt.subplots(1, 1, figsize=(9, 4.2), squeeze=False)
        ax = axes[0, 0]
        e1 = ex.isel(variant=0) if "variant" in ex.dims else ex
        for o in options:
            ax.plot(t, 100 * e1.sel(option=o).values, label=o, drawstyle="steps-post")
        ax.legend(loc="upper left", fontsize=8)
        panels = [ax]
    else:
        variants = variants[:10]
        fig, axes = plt.subplots(len(options), 1, figsize=(9, 2.6 * len(options) + 1.2), sharex=True,
                                 squeeze=False)
        panels = list(axes[:, 0])
        for ax, o in zip(panels, options):
            for v in variants:
                ax.plot(t, 100 * ex.sel(variant=v, option=o).values, label=short_label(v), drawstyle="steps-post")
            ax.set_title(f"option {o}", fontsize=10)
        # the variant labels of a sweep are long: one legend under the panels
        handles, labels = panels[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", fontsize=7, ncol=1 if max(map(len, labels)) > 60 else 2)
        legend_h = 0.17 * (len(labels) if max(map(len, labels)) > 60 else (len(labels) + 1) // 2) + 0.2
    for ax in panels:
        ax.set_ylim(-2, 102)
        ax.set_ylabel("P(exercised by then)")
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(decimals=0))
        ax.grid(alpha=0.3)
    # the file's scenario name is the baseline's: name it only when it is the only variant
    who = f"{name}: " if name and len(variants) == 1 else ""
    fig.suptitle(f"{who}probability that each contract option has been exercised by the month")
    if len(variants) > 1:
        fig.set_figheight(fig.get_figheight() + legend_h)
    fig.tight_layout(rect=(0, legend_h / fig.get_figheight() if len(variants) > 1 else 0, 1,
                           1 - 0.15 / fig.get_figheight()))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def money_scale(values):
    """The unit of a money axis: $B for amounts from a billion up (a lab's cash and
    contract values), $M or $ for smaller ones. Returns (divisor, suffix)."""
    a = np.abs(np.asarray(values, dtype=float))
    top = float(np.nanmax(a)) if a.size and np.isfinite(a).any() else 0.0
    return (1e9, "B") if top >= 1e9 else (1e6, "M") if top >= 1e6 else (1.0, "")


def cash_fan(st, title, out):
    """Month-end cash over paths in $B (nominal): P5-P95, P25-P75, median, mean, zero line."""
    if "cash_q" not in st or "cash_mean" not in st:
        return None
    scale, suf = money_scale(st["cash_q"].values)
    q = st["cash_q"] / scale
    t = q["time"].values
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.fill_between(t, q.sel(quantile=0.05), q.sel(quantile=0.95), alpha=0.2, color="C2", label="P5-P95")
    ax.fill_between(t, q.sel(quantile=0.25), q.sel(quantile=0.75), alpha=0.4, color="C2", label="P25-P75")
    ax.plot(t, q.sel(quantile=0.5), color="C2", label="median")
    ax.plot(t, st["cash_mean"].values / scale, color="C1", linestyle="--", label="mean")
    ax.axhline(0, color="black", linewidth=0.9)
    ax.set_ylabel(f"cash at month end, ${suf} (nominal)")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.15 * (hi - lo))   # room for the legend above the bands
    ax.yaxis.set_major_formatter(ScaledFormatter(True, suf))
    ax.set_title(textwrap.fill(title.replace(";", "; "), 90, break_on_hyphens=False), fontsize=10)
    ax.legend(loc="upper left", fontsize=8, ncol=4)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def frontier(path, st, out):
    """capsim optimize's frontier: the mean of the objective total against its expected
    shortfall (the search's measure), in sample: every evaluated point faint (x: breaks a
    constraint), the chosen point of each risk weight labelled w=...; on the fresh paths of
    the file's variants, where it has them, the scenario's own decisions (variant
    `baseline`, a star) and the chosen points (hollow rings)."""
    with h5py.File(path, "r") as f:
        g = f.get("optimize")
        if not isinstance(g, h5py.Group):
            return None

        def num(name, shape):
            d = g.get(name)
            if not isinstance(d, h5py.Dataset) or d.shape != shape or d.dtype.kind not in "fiu":
                return None
            return d[()].astype(float)
        w = num("weight", g["weight"].shape) if isinstance(g.get("weight"), h5py.Dataset) else None
        if w is None or w.ndim != 1 or not len(w):
            return None
        npt = g["mean"].shape[0] if isinstance(g.get("mean"), h5py.Dataset) and g["mean"].ndim == 1 else 0
        mean, es = num("mean", (npt,)), num("es", (npt,))
        if not npt or mean is None or es is None:
            return None
        feasible = num("feasible", (npt,))
        feasible = np.ones(npt, bool) if feasible is None else feasible != 0
        cp = num("chosen_point", w.shape)
        points = g["points"][()] if isinstance(g.get("points"), h5py.Dataset) and g["points"].ndim == 2 and \
            g["points"].shape[0] == npt else None
        chosen = g["chosen"][()] if isinstance(g.get("chosen"), h5py.Dataset) and points is not None and \
            g["chosen"].shape == (len(w), points.shape[1]) else None
        if cp is None:   # the chosen row's place among the points
            cp = np.full(len(w), -1.0)
            for i in range(len(w) if chosen is not None else 0):
                hit = np.flatnonzero(np.all(points == chosen[i], axis=1))
                cp[i] = hit[0] if len(hit) else -1
        attr = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in g.attrs.items()}
    total = attr.get("objective_total", "objective")
    measure = attr.get("measure", "es_lo")
    es_name = {"es_lo": "ES5", "es_hi": "ES95"}.get(measure, measure)
    tail = {"es_lo": "mean of the lowest 5% of paths", "es_hi": "mean of the highest 5% of paths"}.get(measure, "")
    units = st[f"{total}_mean"].attrs.get("units", "") if f"{total}_mean" in st else \
        ("USD" if total.startswith("pv_") else "")
    money = units.startswith("USD")
    scale, suf = money_scale(np.concatenate([mean, es])) if money else (1.0, "")
    unit = f"${suf}" if money else units
    fig, ax = plt.subplots(figsize=(9, 6))
    if feasible.any():
        ax.scatter(es[feasible] / scale, mean[feasible] / scale, s=14, color="0.65", alpha=0.5,
                   label="evaluated points (in sample)")
    if (~feasible).any():
        ax.scatter(es[~feasible] / scale, mean[~feasible] / scale, s=14, marker="x", color="0.65", alpha=0.5,
                   label="evaluated, breaks a constraint")
    labels = {}
    for i, c in enumerate(cp):
        if c >= 0 and int(c) < npt:
            labels.setdefault(int(c), []).append(f"{w[i]:g}")
    for k, (c, ws) in enumerate(labels.items()):
        ax.scatter([es[c] / scale], [mean[c] / scale], s=60, color=f"C{k % 10}", zorder=3,
                   label="chosen (in sample)" if k == 0 else None)
        ax.annotate("w=" + ", ".join(ws), (es[c] / scale, mean[c] / scale), textcoords="offset points",
                    xytext=(7, 5), fontsize=9, color=f"C{k % 10}")
    missing = [f"w={w[i]:g}" for i, c in enumerate(cp) if not (0 <= c < npt)]
    if missing:
        ax.text(0.01, 0.01, "no feasible point for " + ", ".join(missing), transform=ax.transAxes, fontsize=9,
                color="C3", va="bottom")
    variants = [str(v) for v in st["variant"].values] if "variant" in st.dims else []
    mname, ename = f"{total}_mean", f"{total}_{measure}"
    if variants and mname in st and ename in st:
        for k, (c, ws) in enumerate(labels.items()):
            for wl in ws:
                if f"w{wl}" in variants:
                    v = st.sel(variant=f"w{wl}")
                    xo, yo = float(v[ename]) / scale, float(v[mname]) / scale
                    ax.scatter([xo], [yo], s=60, facecolors="none", edgecolors=f"C{k % 10}", zorder=3,
                               label="chosen, on fresh paths" if k == 0 else None)
                    ax.plot([es[c] / scale, xo], [mean[c] / scale, yo], color=f"C{k % 10}", linewidth=0.8,
                            linestyle=":")
                    break
        if "baseline" in variants:
            b = st.sel(variant="baseline")
            ax.scatter([float(b[ename]) / scale], [float(b[mname]) / scale], s=160, marker="*", color="black",
                       zorder=4, label="the scenario's own decisions (fresh paths)")
    ax.set_xlabel(f"{es_name} of {total}" + (f" ({tail})" if tail else "") + (f", {unit}" if unit else ""))
    ax.set_ylabel(f"mean of {total}" + (f", {unit}" if unit else ""))
    sense = attr.get("sense", "")
    ax.set_title(textwrap.fill(f"capsim optimize ({attr.get('method', '?')}, {npt} points): "
                               f"{sense + ' ' if sense else ''}mean + w * {es_name} of {total}", 80), fontsize=11)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    if money:
        ax.xaxis.set_major_formatter(ScaledFormatter(True, suf))
        ax.yaxis.set_major_formatter(ScaledFormatter(True, suf))
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


# Totals of the exceedance chart, and which tail is the risk (the side a decision fears).
EXCEED_TOTALS = ["pv_net_value", "pv_value_lost", "peak_funding_need", "pv_stranded"]


def exceedance(path, st, out, max_variants=6):
    """For each of a few key totals, the chance that it is worse than x, against x: P(X <
    x) for a total where higher is better (net value), P(X > x) where lower is better
    (value lost, funding need), from every path's value in /totals (exact, no binning);
    one line per variant. The y axis is logarithmic down to 1 / paths."""
    with h5py.File(path, "r") as f:
        if "totals" not in f:
            return None
        names = [n for n in EXCEED_TOTALS if n in f["totals"] and f"{n}_mean" in st]
        if not names:
            return None
        data = {n: np.asarray(f["totals"][n][()], dtype=float) for n in names}
    variants = [short_label(v) for v in st["variant"].values] if "variant" in st.dims else [""]
    fig, axes = plt.subplots(len(names), 1, figsize=(9, 2.7 * len(names) + 0.8), squeeze=False)
    for ax, n in zip(axes[:, 0], names):
        better = st[f"{n}_mean"].attrs.get("better", "higher")
        v = data[n].reshape(len(variants), -1) if data[n].ndim > 1 or len(variants) > 1 else data[n][None, :]
        scale, suf = money_scale(v[np.isfinite(v)])
        for k in range(min(len(variants), max_variants)):
            x = np.sort(v[k][np.isfinite(v[k])]) / scale
            m = len(x)
            if m == 0:
                continue
            # P(X < x_i) = i / m (lower tail) or P(X > x_i) = (m - 1 - i) / m (upper), kept > 0
            p = (np.arange(m) + 1) / m if better == "higher" else (m - np.arange(m)) / m
            ax.step(x, p, where="post", label=variants[k] or None)
        ax.set_yscale("log")
        ax.set_ylim(1.0 / max(len(x), 1) / 1.5, 1.05)
        ax.set_ylabel("P(below x)" if better == "higher" else "P(above x)")
        ax.xaxis.set_major_formatter(ScaledFormatter(True, suf) if st[f"{n}_mean"].attrs.get("units", "").startswith("USD")
                                     else formatter(""))
        ax.set_title(f"{n}: chance of a result {'below' if better == 'higher' else 'above'} x "
                     f"({better} is better)", fontsize=9)
        ax.grid(alpha=0.3, which="both")
    if len(variants) > 1:
        axes[0, 0].legend(fontsize=7)
    fig.suptitle("Exceedance of key totals (every path)", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def supply_demand(st, title, out):
    """Expected capacity (all clouds and spot) against expected demand, served and unmet
    (all segments), month by month, in H100e: where the book runs short and by how much."""
    need = ["capacity_mean", "demand_mean", "served_mean", "unmet_mean"]
    if any(n not in st for n in need):
        return None
    t = st["time"].values
    cap = st["capacity_mean"].sum("cloud").values
    dem = st["demand_mean"].sum("segment").values
    srv = st["served_mean"].sum("segment").values
    unm = st["unmet_mean"].sum("segment").values
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(t, dem, color="C3", label="demand")
    ax.plot(t, cap, color="C0", label="capacity (contracts and spot)")
    ax.plot(t, srv, color="C2", linestyle="--", label="served")
    ax.fill_between(t, srv, srv + unm, color="C3", alpha=0.15, label="unmet")
    ax.set_ylabel("H100e (mean over paths)")
    ax.yaxis.set_major_formatter(formatter(""))
    ax.set_title("\n".join(textwrap.wrap(title, 90)), fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def compare_totals(diff, out):
    """Mean paired difference of each key total with a 95% interval, per variant."""
    names = [n for n in KEY_TOTALS if f"{n}_mean" in diff]
    if not names:
        return None
    variants = [short_label(v) for v in diff["variant"].values][:MAX_PANELS]
    fig, axes = plt.subplots(len(names), 1, figsize=(9, 1.2 * len(names) * max(1, len(variants) / 3) + 1),
                             squeeze=False)
    for ax, n in zip(axes[:, 0], names):
        m = diff[f"{n}_mean"].values[:len(variants)]
        se = diff[f"{n}_se"].values[:len(variants)]
        ax.barh(range(len(variants)), m, xerr=1.96 * se, color="C0", alpha=0.8, capsize=3)
        ax.set_yticks(range(len(variants)))
        ax.set_yticklabels(variants, fontsize=7)
        ax.axvline(0, color="black", linewidth=0.8)
        units = diff[f"{n}_mean"].attrs.get("units", "")
        ax.xaxis.set_major_formatter(formatter(units))
        ax.set_title(f"{n} ({diff[f'{n}_mean'].attrs.get('better', '')} is better)", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle("\n".join(textwrap.wrap(
        f"Paired difference from baseline {short_label(diff.attrs.get('baseline', ''))} (95% intervals)", 80)))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def sweep_change(st, diff, n, idx):
    """Mean change of total n from the first variant, and the SE of that paired
    difference, for the variants idx (variant i > 0 is /diff's variant i - 1; the first
    variant's change is 0 exactly)."""
    change = np.array([0.0 if i == 0 else float(diff[f"{n}_mean"].values[i - 1]) for i in idx])
    se = np.array([0.0 if i == 0 else float(diff[f"{n}_se"].values[i - 1]) for i in idx])
    return change, se


def sweep_curves(st, diff, out_dir):
    """Key totals against each varied value, as the paired change from the first variant
    (mean, and the 95% band of the paired difference from /diff: the variants run on the
    same paths, so this band, not each variant's own, says whether two values differ);
    other varied values as separate lines."""
    keys = [c for c in st.coords if st[c].dims == ("variant",) and c != "variant"]
    written = []
    names = [n for n in KEY_TOTALS if f"{n}_mean" in st and st[f"{n}_mean"].dims == ("variant",)
             and f"{n}_mean" in diff and diff[f"{n}_se"].dims == ("variant",)]
    if not keys or not names:
        return written
    first = ", ".join(f"{k}={float(st[k].values[0]):g}" for k in keys)
    for key in keys:
        others = [k for k in keys if k != key]
        groups = {}
        for i in range(st.sizes["variant"]):
            tag = ", ".join(f"{k}={float(st[k].values[i]):g}" for k in others)
            groups.setdefault(tag, []).append(i)
        fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.3 * len(names) + 0.8), sharex=True, squeeze=False)
        for ax, n in zip(axes[:, 0], names):
            for tag, idx in groups.items():
                x = st[key].values[idx].astype(float)
                order = np.argsort(x)
                change, se = sweep_change(st, diff, n, idx)
                ax.plot(x[order], change[order], marker="o", label=tag or None)
                ax.fill_between(x[order], (change - 1.96 * se)[order], (change + 1.96 * se)[order], alpha=0.2)
            ax.axhline(0, color="black", linewidth=0.8)
            units = st[f"{n}_mean"].attrs.get("units", "")
            ax.yaxis.set_major_formatter(formatter(units))
            ax.set_title(f"{n}: change ({diff[f'{n}_mean'].attrs.get('better', '')} is better)", fontsize=9)
            ax.grid(alpha=0.3)
        if len(groups) > 1:
            axes[0, 0].legend(fontsize=7)
        axes[-1, 0].set_xlabel(key)
        fig.suptitle("\n".join(textwrap.wrap(
            f"Sweep over {key}: change from {first} (paired, 95% band of the difference)", 90)), fontsize=10)
        # keep the first panel's title clear of the figure's title (tall figures: 0.5 inch)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
        out = os.path.join(out_dir, f"sweep_{key}.png")
        fig.savefig(out, dpi=110)
        plt.close(fig)
        written.append(out)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description="Charts of a capsim results file (PNG).")
    ap.add_argument("file", help="results file (capsim run/compare/sweep -o FILE)")
    ap.add_argument("-o", "--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--series", default="unmet", help="monthly series of the fan charts (default unmet)")
    ap.add_argument("--total", default="pv_turned_down_revenue",
                    help="per-path total of the tornado chart (default pv_turned_down_revenue)")
    ap.add_argument("--variant", default=None, help="variant of the single-variant charts (default: baseline)")
    args = ap.parse_args(argv)
    if not os.path.isfile(args.file):
        why = "no such file" if not os.path.exists(args.file) else "not a regular file"
        print(f"plot.py: cannot open {args.file}: {why}", file=sys.stderr)
        return 2
    try:
        check_file(args.file, args.series)
    except Damaged as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        print(f"plot.py: cannot create {args.out}: {e}", file=sys.stderr)
        return 1
    try:
        return charts(args)
    except (KeyError, ValueError, IndexError, TypeError, Damaged) as e:
        print(f"plot.py: {args.file}: damaged results file: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        if e.errno is None:   # HDF5's: data that do not decode
            print(f"plot.py: {args.file}: damaged results file: {e}", file=sys.stderr)
            return 2
        print(f"plot.py: cannot write the charts: {e}", file=sys.stderr)
        return 1


def charts(args):
    """The charts of args.file (checked by check_file) into args.out."""
    st = xr.open_dataset(args.file, group="stats", engine=ENGINE)
    written = []
    st1 = pick_variant(st, args.variant)
    label = f" ({short_label(st1['variant'].values.item())})" if "variant" in st1.coords else ""
    with xr.open_dataset(args.file, engine=ENGINE) as root:
        name = root.attrs.get("scenario_name", "")
    if label and "variant" in st.dims and st.sizes["variant"] > 1:
        # the root's scenario name is the baseline's: a chart of one variant names that variant
        name, label = short_label(st1["variant"].values.item()), ""
    long_name = st1[args.series + "_mean"].attrs.get("long_name", args.series).replace(", mean over paths", "")
    if args.series != "cash":   # cash has its own fan chart, in $B with the zero line
        written.append(fan_panels(st1, args.series, f"{name}: {long_name}{label}",
                                  os.path.join(args.out, f"fan_{args.series}.png")))
    written.append(spend_by_cloud(st1, os.path.join(args.out, "spend_by_cloud.png")))
    written.append(supply_demand(st1, f"{name}: expected capacity and demand{label} (H100e, summed over "
                                 "clouds and segments)", os.path.join(args.out, "supply_demand.png")))
    written.append(exceedance(args.file, st, os.path.join(args.out, "exceedance.png")))
    written.append(option_exercise(st, name, os.path.join(args.out, "options_exercised.png")))
    written.append(cash_fan(st1, f"{name}: cash at month end{label}", os.path.join(args.out, "fan_cash.png")))
    written.append(frontier(args.file, st, os.path.join(args.out, "frontier.png")))
    sens = open_group(args.file, "sensitivity")
    if sens is not None:
        written.append(tornado(pick_variant(sens, args.variant), args.total,
                               os.path.join(args.out, f"tornado_{args.total}.png")))
    diff = open_group(args.file, "diff") if "variant" in st.dims else None
    if diff is not None:
        d0 = diff.isel(variant=0)
        written.append(fan_panels(d0, args.series, f"Paired difference {short_label(d0['variant'].values.item())}"
                                  f" - {short_label(diff.attrs.get('baseline', 'baseline'))}: {args.series}",
                                  os.path.join(args.out, f"diff_fan_{args.series}.png")))
        written.append(compare_totals(diff, os.path.join(args.out, "compare_totals.png")))
        written.extend(sweep_curves(st, diff, args.out))
    for w in written:
        if w:
            print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
