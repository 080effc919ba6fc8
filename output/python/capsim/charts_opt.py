"""capsim optimize's frontier chart (the /optimize group, docs/OUTPUT.md)."""
import numpy as np

from .style import ScaledFormatter, finish, is_money, money_scale, new_figure


def _num(g, name, dims):
    """A numeric variable of /optimize over exactly these dimensions, as floats, or None
    (the group's optional variables may be missing or of another shape)."""
    if name not in g.variables:
        return None
    v = g[name]
    if tuple(v.dims) != tuple(dims) or v.dtype.kind not in "fiu":
        return None
    return np.asarray(v.values, dtype=float)


def frontier(res):
    """The mean of the objective total against its expected shortfall (the search's
    measure), in sample: every evaluated point faint (x: breaks a constraint), the
    chosen point of each risk weight labelled w=...; on the fresh paths of the file's
    variants, where it has them, the scenario's own decisions (variant `baseline`, a
    star) and the chosen points (rings). None without the points' means and ESs."""
    g = res.get("optimize")
    if g is None or "weight" not in g.variables:
        return None
    w = np.asarray(g["weight"].values, dtype=float) if g["weight"].dtype.kind in "fiu" else None
    if w is None or w.ndim != 1 or not len(w):
        return None
    mean, es = _num(g, "mean", ("point",)), _num(g, "es", ("point",))
    if mean is None or es is None or not len(mean):
        return None
    npt = len(mean)
    feasible = _num(g, "feasible", ("point",))
    feasible = np.ones(npt, bool) if feasible is None else feasible != 0
    cp = _num(g, "chosen_point", ("weight",))
    if cp is None:   # the chosen row's place among the points
        points, chosen = _num(g, "points", ("point", "decision")), _num(g, "chosen", ("weight", "decision"))
        cp = np.full(len(w), -1.0)
        if points is not None and chosen is not None:
            for i in range(len(w)):
                hit = np.flatnonzero(np.all(points == chosen[i], axis=1))
                cp[i] = hit[0] if len(hit) else -1
    attr = {k: str(v) for k, v in g.attrs.items()}
    total = attr.get("objective_total", "objective")
    measure = attr.get("measure", "es_lo")
    es_name = {"es_lo": "ES5", "es_hi": "ES95"}.get(measure, measure)
    tail = {"es_lo": "mean of the lowest 5% of paths", "es_hi": "mean of the highest 5% of paths"}.get(measure, "")
    st = res["stats"]
    units = st[f"{total}_mean"].attrs.get("units", "") if f"{total}_mean" in st else \
        ("USD" if total.startswith("pv_") else "")
    money = is_money(units)
    scale, suf = money_scale(np.concatenate([mean, es])) if money else (1.0, "")
    unit = f"${suf}" if money and suf else "USD" if money else units
    fig, axes = new_figure(9, 6.4)
    ax = axes[0, 0]
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
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    if money:
        ax.xaxis.set_major_formatter(ScaledFormatter(True, suf))
        ax.yaxis.set_major_formatter(ScaledFormatter(True, suf))
    sense = attr.get("sense", "")
    return finish(fig, f"capsim optimize ({attr.get('method', '?')}, {npt} points): "
                  f"{sense + ' ' if sense else ''}mean + w * {es_name} of {total}", res.attrs)
