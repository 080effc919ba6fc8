"""What drives a total: the rank-correlation tornado (/sensitivity), the tornado in
dollars (/params and /totals) and the Sobol indices of saltelli files. Each takes a
Results and returns a Figure, or None when the file lacks what it needs."""
import numpy as np

from .style import ScaledFormatter, axis_label, finish, is_money, money_scale, new_figure
from .tables import tornado_usd as tornado_usd_rows
from .variants import select_variant

TOP = 12


def _sens_total(res, total, variant, need):
    sens = res.get("sensitivity")
    if sens is None or need not in sens or sens.sizes.get("param", 0) == 0:
        return None
    totals = [str(x) for x in sens["total"].values]
    if total not in totals:
        raise KeyError(f"no total '{total}' in /sensitivity (have: {', '.join(totals)})")
    return select_variant(sens, variant)


def _param_label(name, width=48):
    return name if len(name) <= width else "…" + name[-(width - 1):]


def tornado(res, total="pv_turned_down_revenue", variant=None, top=TOP):
    """Bars of the Spearman rank correlation of `total` with each sampled value, the
    largest |correlation| at the top."""
    sens = _sens_total(res, total, variant, "rank_corr")
    if sens is None:
        return None
    vals = np.nan_to_num(sens["rank_corr"].sel(total=total).values.astype(float))
    order = np.argsort(-np.abs(vals), kind="stable")[:top][::-1]
    names = [_param_label(str(sens["param"].values[i])) for i in order]
    fig, axes = new_figure(9, 0.32 * len(order) + 1.9)
    ax = axes[0, 0]
    ax.barh(range(len(order)), vals[order], color=["C3" if v > 0 else "C0" for v in vals[order]])
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(names, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel(f"Spearman rank correlation with {total}")
    ax.grid(alpha=0.3, axis="x")
    return finish(fig, f"What drives {total}: rank correlation with each sampled value", res.attrs)


def tornado_usd(res, total="pv_turned_down_revenue", variant=None, frac=1 / 3, top=TOP):
    """Bars of the change in the mean of `total` between the paths where each sampled
    value is in its top and in its bottom `frac` (1/3: terciles; 0.1: deciles), in the
    total's units (tables.tornado_usd), the largest change at the top; each bar spans
    the two means, from the low group's to the high group's."""
    if res.get("params") is None or res.get("totals") is None:
        return None
    rows = tornado_usd_rows(res, total, variant, frac)[:top]
    if not rows:
        return None
    st = res["stats"]
    units = st[f"{total}_mean"].attrs.get("units", "") if f"{total}_mean" in st else \
        ("USD" if total.startswith("pv_") else "")
    money = is_money(units)
    rows = rows[::-1]
    allv = [r["low"] for r in rows] + [r["high"] for r in rows]
    scale, suf = money_scale(allv) if money else (1.0, None)
    fig, axes = new_figure(9, 0.32 * len(rows) + 2.1)
    ax = axes[0, 0]
    for i, r in enumerate(rows):
        lo, hi = r["low"] / scale, r["high"] / scale
        ax.barh(i, hi - lo, left=lo, color="C3" if hi > lo else "C0", alpha=0.85)
        ax.plot([lo], [i], "|", color="black", markersize=9)
    mean = float(st[f"{total}_mean"].isel(variant=0) if "variant" in st[f"{total}_mean"].dims
                 else st[f"{total}_mean"]) if f"{total}_mean" in st else None
    if mean is not None and variant is None:
        ax.axvline(mean / scale, color="black", linewidth=0.8, linestyle="--", label=f"mean of {total}")
        ax.legend(fontsize=8, loc="lower right")
    # bars are sticky at their ends (no margin there): room for the low ends' marks
    lo_x, hi_x = min(allv) / scale, max(allv) / scale
    ax.set_xlim(lo_x - 0.05 * (hi_x - lo_x or 1), hi_x + 0.05 * (hi_x - lo_x or 1))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([_param_label(r["param"]) for r in rows], fontsize=8)
    if money:
        ax.xaxis.set_major_formatter(ScaledFormatter(True, suf))
    ax.set_xlabel(axis_label(f"mean of {total}: | low group ... high group", units, suf if money else None))
    ax.grid(alpha=0.3, axis="x")
    share = "tercile" if abs(frac - 1 / 3) < 1e-9 else "decile" if abs(frac - 0.1) < 1e-9 else f"{frac:g} share"
    return finish(fig, f"What drives {total}, in its units: mean over the paths in each sampled value's lowest "
                  f"{share} (|) to its highest (bar end); red: higher when the value is high", res.attrs)


def sobol(res, total="pv_turned_down_revenue", variant=None, top=TOP):
    """Sobol indices of `total` (saltelli files): first-order and total index of each
    sampled value with their 95% intervals, the largest total index at the top."""
    sens = _sens_total(res, total, variant, "sobol_total")
    if sens is None or "sobol_first" not in sens:
        return None
    first = sens["sobol_first"].sel(total=total).values.astype(float)
    tot = sens["sobol_total"].sel(total=total).values.astype(float)
    fci = sens["sobol_first_ci"].sel(total=total).values.astype(float) if "sobol_first_ci" in sens else None
    tci = sens["sobol_total_ci"].sel(total=total).values.astype(float) if "sobol_total_ci" in sens else None
    if not np.isfinite(tot).any():   # a total without variance has no indices
        return None
    first, tot = np.nan_to_num(first), np.nan_to_num(tot)
    fci = None if fci is None else np.nan_to_num(fci)
    tci = None if tci is None else np.nan_to_num(tci)
    order = np.argsort(-tot, kind="stable")[:top][::-1]
    y = np.arange(len(order))
    fig, axes = new_figure(9, 0.42 * len(order) + 2.0)
    ax = axes[0, 0]
    ax.barh(y + 0.2, tot[order], height=0.38, xerr=None if tci is None else tci[order], color="C1",
            alpha=0.85, capsize=2, label="total index (with interactions)")
    ax.barh(y - 0.2, first[order], height=0.38, xerr=None if fci is None else fci[order], color="C0",
            alpha=0.85, capsize=2, label="first-order index (alone)")
    ax.set_yticks(y)
    ax.set_yticklabels([_param_label(str(sens["param"].values[i])) for i in order], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"share of the variance of {total} (95% intervals)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    return finish(fig, f"Sobol indices of {total}", res.attrs)
