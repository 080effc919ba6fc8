"""Charts of files with several variants (compare, sweep, optimize): paired differences
of key totals, sweep curves with the paired band from /diff, the waterfall of the net
value difference, and spend against shortfall. Each takes a Results and returns a
Figure (sweep_curves: a dict of them), or None when the file lacks what it needs."""
import numpy as np

from .style import (ScaledFormatter, axis_label, finish, fmt_value, formatter, money_scale, new_figure,
                    unit_ticks, wrap)
from .tables import CHART_TOTALS, long_name, waterfall_steps
from .variants import select_variant, short_label

MAX_VARIANTS = 8


def compare_totals(res):
    """Mean paired difference (variant - baseline) of each key total, 95% intervals."""
    diff = res.get("diff")
    if diff is None:
        return None
    names = [n for n in CHART_TOTALS if f"{n}_mean" in diff and diff[f"{n}_mean"].dims == ("variant",)]
    if not names:
        return None
    labels, what = point_labels(res)   # the baseline is the first, not in /diff
    variants = labels[1:1 + MAX_VARIANTS]
    fig, axes = new_figure(9, (0.3 * len(variants) + 1.1) * len(names) + 1.2, len(names), 1)
    for ax, n in zip(axes[:, 0], names):
        m = diff[f"{n}_mean"].values[:len(variants)]
        se = diff[f"{n}_se"].values[:len(variants)]
        ax.barh(range(len(variants)), m, xerr=1.96 * se, color="C0", alpha=0.8, capsize=3)
        ax.set_yticks(range(len(variants)))
        ax.set_yticklabels(variants, fontsize=7)
        ax.invert_yaxis()   # the first variant on top
        ax.axvline(0, color="black", linewidth=0.8)
        units = diff[f"{n}_mean"].attrs.get("units", "")
        unit_ticks(ax.xaxis, units)
        ax.set_xlabel(units, fontsize=8)
        lname = long_name(res["stats"][f"{n}_mean"]) if f"{n}_mean" in res["stats"] else n
        ax.set_title(wrap(f"{n}: {lname} ({diff[f'{n}_mean'].attrs.get('better', '')} is better)", 7.5, 8),
                     fontsize=8)
        ax.grid(alpha=0.3, axis="x")
    base = labels[0]
    return finish(fig, f"Paired difference from the baseline {base}: mean and 95% interval"
                  f"{'; variants labelled ' + what if what else ''}", res.attrs)


def sweep_change(st, diff, n, idx):
    """Mean change of total n from the first variant, and the SE of that paired
    difference, for the variants idx (variant i > 0 is /diff's variant i - 1; the first
    variant's change is 0 exactly)."""
    change = np.array([0.0 if i == 0 else float(diff[f"{n}_mean"].values[i - 1]) for i in idx])
    se = np.array([0.0 if i == 0 else float(diff[f"{n}_se"].values[i - 1]) for i in idx])
    return change, se


def sweep_curves(res):
    """For each varied key path of a sweep, a figure of the key totals against its value,
    as the paired change from the first variant with the 95% band of the paired
    difference (/diff: the variants share their paths, so this band, not each variant's
    own, says whether two values differ); the other varied values as separate lines.
    A dict key path -> Figure ({} for a file that is not a sweep)."""
    st, diff = res["stats"], res.get("diff")
    if diff is None or "variant" not in st.dims:
        return {}
    keys = res.swept
    names = [n for n in CHART_TOTALS if f"{n}_mean" in st and st[f"{n}_mean"].dims == ("variant",)
             and f"{n}_mean" in diff and diff[f"{n}_se"].dims == ("variant",)]
    if not keys or not names:
        return {}
    first = ", ".join(f"{k}={float(st[k].values[0]):g}" for k in keys)
    figs = {}
    for key in keys:
        others = [k for k in keys if k != key]
        groups = {}
        for i in range(st.sizes["variant"]):
            tag = ", ".join(f"{k}={float(st[k].values[i]):g}" for k in others)
            groups.setdefault(tag, []).append(i)
        fig, axes = new_figure(9, 2.2 * len(names) + 1.5, len(names), 1, sharex=True)
        for ax, n in zip(axes[:, 0], names):
            for tag, idx in groups.items():
                x = st[key].values[idx].astype(float)
                order = np.argsort(x)
                change, se = sweep_change(st, diff, n, idx)
                ax.plot(x[order], change[order], marker="o", label=tag or None)
                ax.fill_between(x[order], (change - 1.96 * se)[order], (change + 1.96 * se)[order], alpha=0.2)
            ax.axhline(0, color="black", linewidth=0.8)
            units = st[f"{n}_mean"].attrs.get("units", "")
            unit_ticks(ax.yaxis, units)
            ax.set_ylabel(units, fontsize=8)
            ax.set_title(f"{n}: change ({diff[f'{n}_mean'].attrs.get('better', '')} is better)", fontsize=9)
            ax.grid(alpha=0.3)
        if len(groups) > 1:
            axes[0, 0].legend(fontsize=7)
        kunits = st[key].attrs.get("units", "")
        axes[-1, 0].set_xlabel(axis_label(key, kunits))
        figs[key] = finish(fig, f"Sweep over {key}: change from {first} (paired, 95% band of the difference)",
                           res.attrs, title_size=10)
    return figs


def waterfall(res, variant=None):
    """The mean paired difference of net value (variant - baseline) in its parts: value
    served, minus spend on each cloud, minus revenue share (tables.waterfall_steps),
    each bar starting where the one before ended, the last the net value difference."""
    steps = waterfall_steps(res, variant)
    if steps is None:
        return None
    diff = select_variant(res["diff"], variant)
    scale, suf = money_scale([a for _, a in steps] + [0.0])
    fig, axes = new_figure(9, 0.45 * len(steps) + 2.2)
    ax = axes[0, 0]
    run = 0.0
    labels = []
    for i, (label, amount) in enumerate(steps):
        last = i == len(steps) - 1
        left = 0.0 if last else run
        color = "0.35" if last else ("C2" if amount >= 0 else "C3")
        ax.barh(i, amount / scale, left=left / scale, color=color, alpha=0.85)
        ax.text((left + amount) / scale, i, f" {'+' if amount > 0 else ''}{fmt_value(amount, 'USD')} ",
                va="center", ha="left" if amount >= 0 else "right", fontsize=8)
        if not last:
            ax.plot([(run + amount) / scale] * 2, [i, i + 1], color="0.5", linewidth=0.6)
            run += amount
        labels.append(label)
    ax.set_yticks(range(len(steps)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(ScaledFormatter(True, suf))
    ax.set_xlabel(axis_label("mean paired difference, present value", "USD", suf))
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo - 0.12 * (hi - lo), hi + 0.12 * (hi - lo))   # room for the amounts
    ax.grid(alpha=0.3, axis="x")
    base = short_label(res["diff"].attrs.get("baseline", res.attrs.get("baseline", "baseline")))
    return finish(fig, f"Net value difference {short_label(diff['variant'].values.item())} - {base}, by part "
                  "(value served, spend by cloud, revenue share)", res.attrs)


def spend_shortfall(res, spend="pv_spend", shortfall=None):
    """Each variant's mean spend against its mean shortfall (value lost, or unmet
    H100e-hours in files without it), with 2 SE bars, and the frontier: the variants no
    other beats on both (less spend and less shortfall). For sweep, compare and optimize
    files. None for a file of one variant."""
    st = res["stats"]
    if "variant" not in st.dims or st.sizes["variant"] < 2:
        return None
    if shortfall is None:
        shortfall = next((n for n in ("pv_value_lost", "unmet_h100e_hours") if f"{n}_mean" in st), None)
    if shortfall is None or f"{spend}_mean" not in st:
        return None
    labels, what = point_labels(res)
    x, y = st[f"{spend}_mean"].values.astype(float), st[f"{shortfall}_mean"].values.astype(float)
    xe, ye = st[f"{spend}_se"].values.astype(float), st[f"{shortfall}_se"].values.astype(float)
    front = pareto_front(x, y)
    xs, xsuf = money_scale(x)
    yunits = st[f"{shortfall}_mean"].attrs.get("units", "")
    ys, ysuf = money_scale(y) if yunits.startswith("USD") else (1.0, None)
    fig, axes = new_figure(9, 6)
    ax = axes[0, 0]
    ax.errorbar(x / xs, y / ys, xerr=2 * xe / xs, yerr=2 * ye / ys, fmt="o", color="0.55", ecolor="0.75",
                label="variants (mean, 2 SE of each; paired differences are tighter)")
    ax.plot(x[front] / xs, y[front] / ys, "-o", color="C0", label="frontier: no variant has less of both")
    ax.scatter([x[0] / xs], [y[0] / ys], marker="*", s=160, color="black", zorder=4, label="baseline")
    for i, lab in enumerate(labels):
        ax.annotate(lab, (x[i] / xs, y[i] / ys), textcoords="offset points",
                    xytext=(5, 4), fontsize=7, color="C0" if i in front else "0.4")
    ax.xaxis.set_major_formatter(ScaledFormatter(True, xsuf))
    ax.yaxis.set_major_formatter(ScaledFormatter(True, ysuf) if ysuf is not None else formatter(yunits))
    ax.set_xlabel(axis_label(f"mean {spend} ({long_name(st[f'{spend}_mean'])})", "USD", xsuf))
    ax.set_ylabel(axis_label(f"mean {shortfall}", yunits, ysuf))
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return finish(fig, f"Spend against shortfall: {spend} and {shortfall} of each variant "
                  f"(lower is better on both){'; points labelled ' + what if what else ''}", res.attrs)


def point_labels(res):
    """Short labels of the variants for points on a chart, and what they show: a
    sweep's varied values alone (`0.1, 2000`; what: the key paths), else the variants'
    short labels."""
    st = res["stats"]
    keys = res.swept
    if keys:
        labels = [", ".join(f"{float(st[k].values[i]):g}" for k in keys) for i in range(st.sizes["variant"])]
        return labels, ", ".join(keys)
    return [short_label(v) for v in st["variant"].values], ""


def pareto_front(x, y):
    """Indices of the points no other point beats on both (<= on both, < on one), in
    order of x: the frontier of lower spend and lower shortfall."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = []
    for i in range(len(x)):
        dominated = np.any((x <= x[i]) & (y <= y[i]) & ((x < x[i]) | (y < y[i])))
        if not dominated and np.isfinite(x[i]) and np.isfinite(y[i]):
            keep.append(i)
    return sorted(keep, key=lambda i: (x[i], y[i]))
