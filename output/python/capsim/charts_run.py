"""Charts of one variant's statistics: fan charts, spend by cloud, capacity against
demand, cash, contract options, and the exceedance of key totals. Each function takes a
Results (capsim.open_results) and returns a matplotlib Figure, or None when the file
lacks what the chart needs."""
import matplotlib.ticker as mticker
import numpy as np

from .style import (ScaledFormatter, axis_label, finish, money_scale, unit_ticks,
                    new_figure)
from .tables import long_name
from .variants import select_variant, short_label

MAX_PANELS = 8


def _who(res, variant):
    """The scenario a one-variant chart shows: the file's name for a run; the variant's
    (short) label for a file of several (the root's name is the baseline's)."""
    st = res["stats"]
    if "variant" in st.dims and st.sizes["variant"] > 1:
        return short_label(select_variant(st, variant)["variant"].values.item())
    return str(res.attrs.get("scenario_name", ""))


def own_dim(da):
    """The element dimension of a series (segment, cloud, contract, option) or None."""
    for d in da.dims:
        if d not in ("variant", "time", "quantile", "path", "bnds", "nv"):
            return d
    return None


def _bands(ax, t, q, color):
    """A fan chart's bands over time t from quantiles q (a quantile dimension): P5-P95,
    P25-P75 and the median."""
    ax.fill_between(t, q.sel(quantile=0.05), q.sel(quantile=0.95), alpha=0.2, color=color, label="P5-P95")
    ax.fill_between(t, q.sel(quantile=0.25), q.sel(quantile=0.75), alpha=0.4, color=color, label="P25-P75")
    ax.plot(t, q.sel(quantile=0.5), color=color, label="median")


def fan(res, series="unmet", variant=None, diff=False, title=None):
    """One fan chart per element of a monthly series (P5-P95, P25-P75, median, mean) of
    /stats at a variant, or with diff=True of /diff (the paired difference variant -
    baseline; variant None: /diff's first)."""
    ds = select_variant(res["diff" if diff else "stats"], variant)
    # simulation.quantiles may leave a series without quantiles: then the mean alone
    q, mean = ds.get(f"{series}_q"), ds[f"{series}_mean"]
    dim = own_dim(mean)
    elems = list(mean[dim].values)[:MAX_PANELS] if dim else [None]
    fig, axes = new_figure(9, 2.4 * len(elems) + 1.3, len(elems), 1, sharex=True)
    units = mean.attrs.get("units", "")
    name = long_name(mean).replace("difference from baseline in ", "")
    for ax, e in zip(axes[:, 0], elems):
        me = mean.sel({dim: e}) if dim else mean
        t = me["time"].values
        if q is not None:
            qe = q.sel({dim: e}) if dim else q
            _bands(ax, t, qe, "C0")
        ax.plot(t, me, color="C1", linestyle="--", label="mean")
        if diff:
            ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(f"{dim} {e}" if dim else name, fontsize=9)
        ax.set_ylabel(axis_label("difference" if diff else series, units), fontsize=8)
        unit_ticks(ax.yaxis, units)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="best" if diff else "upper left", fontsize=7, ncol=4)
    if title is None:
        if diff:
            base = short_label(res["diff"].attrs.get("baseline", res.attrs.get("baseline", "baseline")))
            title = f"Paired difference {short_label(ds['variant'].values.item())} - {base}: {name}"
        else:
            title = f"{_who(res, variant)}: {name}"
        if q is None:
            title += "\n(mean only: simulation.quantiles kept no quantiles of this series)"
    return finish(fig, title, res.attrs)


def spend_by_cloud(res, variant=None):
    """Expected monthly spend stacked by cloud: contracts grouped by their cloud through
    the contract_cloud coordinate, plus spot. Raises ValueError for a file with spend by
    contract but no contract_cloud (it would show spot alone as spend by cloud)."""
    st = select_variant(res["stats"], variant)
    parts = {}
    if "spend_mean" in st and "contract" in st.dims and st.sizes["contract"] > 0 \
            and "contract_cloud" not in st.coords:
        raise ValueError("the file has spend by contract but no contract_cloud coordinate "
                         "(written by capsim since 2026-12-03 for every file; rerun capsim to remake it)")
    if "spend_mean" in st and "contract_cloud" in st.coords:
        by = st["spend_mean"].groupby("contract_cloud").sum()
        for c in by["contract_cloud"].values:
            parts[str(c)] = by.sel(contract_cloud=c).values
    if "spot_spend_mean" in st:
        for c in st["cloud"].values:
            parts[str(c)] = parts.get(str(c), 0) + st["spot_spend_mean"].sel(cloud=c).values
    if not parts:
        return None
    t = st["time"].values
    fig, axes = new_figure(9, 4.8)
    ax = axes[0, 0]
    ax.stackplot(t, *parts.values(), labels=list(parts.keys()), alpha=0.85)
    ax.set_ylabel("spend per month, USD (mean over paths)")
    unit_ticks(ax.yaxis, "USD")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return finish(fig, f"{_who(res, variant)}: expected monthly spend by cloud (contracts, true-ups, capex "
                  "and spot)", res.attrs)


def supply_demand(res, variant=None):
    """Expected capacity (all clouds and spot) against expected demand, served and unmet
    (all segments), month by month, in H100e."""
    st = select_variant(res["stats"], variant)
    need = ["capacity_mean", "demand_mean", "served_mean", "unmet_mean"]
    if any(n not in st for n in need):
        return None
    t = st["time"].values
    cap = st["capacity_mean"].sum("cloud").values
    dem = st["demand_mean"].sum("segment").values
    srv = st["served_mean"].sum("segment").values
    unm = st["unmet_mean"].sum("segment").values
    fig, axes = new_figure(9, 4.8)
    ax = axes[0, 0]
    ax.plot(t, dem, color="C3", label="demand")
    # capacity is each chip's rating (BF16 H100e); served counts demand, which a segment
    # may run at more than the rating (its chips: efficiency, e.g. FP8 inference), so
    # served can lie above capacity
    ax.plot(t, cap, color="C0", label="capacity (contracts and spot, at each chip's rating)")
    ax.plot(t, srv, color="C2", linestyle="--",
            label="served (with the segments' efficiency: may exceed capacity)")
    ax.fill_between(t, srv, srv + unm, color="C3", alpha=0.15, label="unmet")
    ax.set_ylabel("H100e (mean over paths)")
    unit_ticks(ax.yaxis, "")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return finish(fig, f"{_who(res, variant)}: expected capacity and demand (H100e, summed over clouds and "
                  "segments)", res.attrs)


def cash_fan(res, variant=None):
    """Month-end cash over paths (nominal): P5-P95, P25-P75, median, mean, zero line."""
    st = select_variant(res["stats"], variant)
    if "cash_q" not in st or "cash_mean" not in st:
        return None
    scale, suf = money_scale(st["cash_q"].values)
    q = st["cash_q"] / scale
    t = q["time"].values
    fig, axes = new_figure(9, 4.8)
    ax = axes[0, 0]
    _bands(ax, t, q, "C2")
    ax.plot(t, st["cash_mean"].values / scale, color="C1", linestyle="--", label="mean")
    ax.axhline(0, color="black", linewidth=0.9)
    ax.set_ylabel(axis_label("cash at month end (nominal)", "USD", suf))
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.15 * (hi - lo))   # room for the legend above the bands
    ax.yaxis.set_major_formatter(ScaledFormatter(True, suf))
    ax.legend(loc="upper left", fontsize=8, ncol=4)
    ax.grid(alpha=0.3)
    return finish(fig, f"{_who(res, variant)}: cash at month end", res.attrs)


def options_exercised(res):
    """Cumulative P(exercised) of each contract option over time (the mean of the 0/1
    series `exercised`): one panel with a line per option; with several variants, one
    panel per option and a line per variant."""
    st = res["stats"]
    if "exercised_mean" not in st or st.sizes.get("option", 0) == 0:
        return None
    ex = st["exercised_mean"]
    options = [str(o) for o in ex["option"].values][:MAX_PANELS]
    t = ex["time"].values
    variants = [str(v) for v in ex["variant"].values][:10] if "variant" in ex.dims else [None]
    if len(variants) == 1:
        fig, axes = new_figure(9, 4.6)
        e1 = ex.isel(variant=0) if "variant" in ex.dims else ex
        for o in options:
            axes[0, 0].plot(t, 100 * e1.sel(option=o).values, label=o, drawstyle="steps-post")
        axes[0, 0].legend(loc="upper left", fontsize=8)
    else:
        fig, axes = new_figure(9, 2.4 * len(options) + 1.4, len(options), 1, sharex=True)
        for ax, o in zip(axes[:, 0], options):
            for v in variants:
                ax.plot(t, 100 * ex.sel(variant=v, option=o).values, label=short_label(v), drawstyle="steps-post")
            ax.set_title(f"option {o}", fontsize=9)
        axes[0, 0].legend(loc="upper left", fontsize=7, ncol=1 if max(map(len, variants)) > 40 else 2)
    for ax in axes[:, 0]:
        ax.set_ylim(-2, 102)
        ax.set_ylabel("P(exercised by then)", fontsize=8)
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(decimals=0))
        ax.grid(alpha=0.3)
    who = f"{res.attrs.get('scenario_name', '')}: " if len(variants) == 1 else ""
    return finish(fig, f"{who}probability that each contract option has been exercised by the month", res.attrs)


# Totals of the exceedance chart, and which tail is the risk (the side a decision fears).
EXCEED_TOTALS = ["pv_net_value", "pv_value_lost", "peak_funding_need", "pv_stranded"]


def exceedance(res, max_variants=6):
    """For a few key totals, the chance of a result worse than x against x: P(X < x)
    where higher is better, P(X > x) where lower is, from every path's value in /totals
    (exact, no binning); one line per variant; log scale down to 1 / paths."""
    st, tot = res["stats"], res.get("totals")
    if tot is None:
        return None
    names = [n for n in EXCEED_TOTALS if n in tot and f"{n}_mean" in st]
    if not names:
        return None
    variants = [short_label(v) for v in st["variant"].values] if "variant" in st.dims else [""]
    fig, axes = new_figure(9, 2.6 * len(names) + 1.2, len(names), 1)
    for ax, n in zip(axes[:, 0], names):
        m = st[f"{n}_mean"]
        better = m.attrs.get("better", "higher")
        v = np.asarray(tot[n].values, dtype=float).reshape(len(variants), -1)
        npaths = 1
        for k in range(min(len(variants), max_variants)):
            x = np.sort(v[k][np.isfinite(v[k])])
            if len(x) == 0:
                continue
            npaths = max(npaths, len(x))
            # P(X < x_i) = i / m (lower tail) or P(X > x_i) = (m - 1 - i) / m (upper), kept > 0
            p = (np.arange(len(x)) + 1) / len(x) if better == "higher" else (len(x) - np.arange(len(x))) / len(x)
            ax.step(x, p, where="post", label=variants[k] or None)
        ax.set_yscale("log")
        ax.yaxis.set_minor_locator(mticker.NullLocator())   # decades suffice; minor ticks cost a second
        ax.set_ylim(1.0 / npaths / 1.5, 1.05)
        ax.set_ylabel("P(below x)" if better == "higher" else "P(above x)", fontsize=8)
        # one scale per axis from its largest tick ($B, or $T past a trillion)
        unit_ticks(ax.xaxis, m.attrs.get("units", ""))
        ax.set_xlabel(axis_label(long_name(m), m.attrs.get("units", "")), fontsize=8)
        ax.set_title(f"{n}: chance of a result {'below' if better == 'higher' else 'above'} x "
                     f"({better} is better)", fontsize=9)
        ax.grid(alpha=0.3)
    if len(variants) > 1:
        axes[0, 0].legend(fontsize=7)
    return finish(fig, "Exceedance of key totals (every path)", res.attrs)
