"""The charts: each is a Figure whose numbers are the file's, whose texts all lie inside
the figure (no clipped title), with the provenance footer; tick labels never in
milli-dollars; plot.py writes png, svg and pdf."""
import os
import re
import matplotlib
import numpy as np
import pytest

import capsim
from capsim.style import ScaledFormatter, fmt_value, money_scale

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def texts_inside(fig):
    """Every visible text of the figure lies within it (a clipped title would not)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    texts = list(fig.texts) + ([fig._suptitle] if fig._suptitle else [])
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label] + drawn_ticks(ax.xaxis) + drawn_ticks(ax.yaxis)
    bad = []
    for t in texts:
        if not t.get_visible() or not t.get_text():
            continue
        b = t.get_window_extent(r)
        if b.x0 < -1 or b.y0 < -1 or b.x1 > W + 1 or b.y1 > H + 1:
            bad.append((t.get_text()[:40], tuple(round(v) for v in (b.x0, b.y0, b.x1, b.y1))))
    return bad


def drawn_ticks(axis):
    """The major tick labels inside the view (the axis draws no others)."""
    lo, hi = sorted(axis.get_view_interval())
    eps = 1e-9 * (hi - lo or 1)
    return [t for loc, t in zip(axis.get_majorticklocs(), axis.get_majorticklabels()) if lo - eps <= loc <= hi + eps]


def footer(fig):
    return [t.get_text() for t in fig.texts if "paths" in t.get_text() and "seed" in t.get_text()]


def all_figures(results):
    for kind, res in results.items():
        for stem, make in capsim.charts(res, "unmet", "pv_revenue" if kind == "saltelli" else "pv_spend"):
            fig = make()
            if fig is not None:
                yield kind, stem, res, fig


def test_every_chart_fits_and_has_the_footer(results):
    seen = set()
    for kind, stem, res, fig in all_figures(results):
        assert isinstance(fig, matplotlib.figure.Figure)
        assert texts_inside(fig) == [], f"{kind}/{stem}"
        f = footer(fig)
        a = res.attrs
        assert len(f) == 1 and f"scenario {a['scenario_name']}" in f[0] and f"{a['paths']} paths" in f[0] \
            and f"seed {a['seed']}" in f[0] and f"capsim {a['capsim_version']}" in f[0], (kind, stem, f)
        for ax in fig.axes:   # no milli: a money tick is never "$0.5m" or the like
            for t in ax.get_xticklabels() + ax.get_yticklabels():
                s = t.get_text()
                assert not (s.startswith(("$", "-$")) and s.endswith("m")), (kind, stem, s)
                # nor cents: an axis of zero differences reads -$1, $0, $1
                assert not re.fullmatch(r"-?\$0\.\d+", s), (kind, stem, s)
        seen.add(f"{kind}/{stem.split('_')[0]}")
        matplotlib.pyplot.close(fig)
    for want in ("run/fan", "run/tornado", "compare/waterfall", "compare/compare", "sweep/sweep", "sweep/spend",
                 "optimize/frontier", "optimize/spend", "saltelli/sobol"):
        assert want in seen, want


def test_formatters_never_below_one_dollar():
    f = ScaledFormatter(True)
    f.set_locs([0, 0.25, 0.5])
    assert [f(v) for v in (0, 0.25, 0.5)] == ["$0", "$0.25", "$0.50"]
    f.set_locs([-2e9, 0, 2e9, 4e9])
    assert [f(v) for v in (-2e9, 0, 4e9)] == ["-$2B", "$0", "$4B"]
    f.set_locs([0, 1500, 3000])
    assert f(1500) == "$1.5k"
    assert fmt_value(0.004, "USD") == "$0.00" and fmt_value(1234.5, "USD") == "$1.23k"
    assert fmt_value(-5.6e9, "USD") == "-$5.60B" and fmt_value(2.5e12, "USD") == "$2.50T"
    assert fmt_value(float("nan"), "USD") == "n/a" and fmt_value(40.2, "months") == "40.20 mo"
    assert money_scale([3e8, -2e9]) == (1e9, "B") and money_scale([0.3]) == (1.0, "")


def test_waterfall_bars_are_the_steps(results):
    res = results["compare"]
    steps = capsim.waterfall_steps(res)
    scale, _ = money_scale([a for _, a in steps] + [0.0])
    fig = capsim.waterfall(res)
    bars = fig.axes[0].patches
    assert len(bars) == len(steps)
    run = 0.0
    for (label, amount), b in zip(steps[:-1], bars[:-1]):
        assert b.get_width() == pytest.approx(amount / scale, rel=1e-12)
        assert b.get_x() == pytest.approx(run / scale, rel=1e-12, abs=1e-12)
        run += amount
    assert bars[-1].get_x() == 0 and bars[-1].get_width() == pytest.approx(run / scale, rel=1e-9)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [s for s, _ in steps]


def test_sobol_bars_are_the_indices(results):
    res = results["saltelli"]
    s = res["sensitivity"]
    fig = capsim.sobol(res, "pv_revenue")
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    tot = s["sobol_total"].sel(total="pv_revenue")
    widths = [b.get_width() for b in ax.patches]
    n = len(names)
    for i, name in enumerate(names):
        assert widths[i] == pytest.approx(float(np.nan_to_num(tot.sel(param=name))), rel=1e-12)
        assert widths[n + i] == pytest.approx(
            float(np.nan_to_num(s["sobol_first"].sel(total="pv_revenue", param=name))), rel=1e-12)
    assert widths[n - 1] == max(widths[:n])   # the largest total index at the top


def test_spend_shortfall_frontier_is_the_pareto_set(results):
    res = results["sweep"]
    st = res["stats"]
    fig = capsim.spend_shortfall(res)
    line = [l for l in fig.axes[0].lines if l.get_label().startswith("frontier")][0]
    x, y = st["pv_spend_mean"].values, st["pv_value_lost_mean"].values
    front = capsim.pareto_front(x, y)
    xs, _ = money_scale(x)
    ys, _ = money_scale(y)
    np.testing.assert_allclose(line.get_xdata(), x[front] / xs, rtol=1e-12)
    np.testing.assert_allclose(line.get_ydata(), y[front] / ys, rtol=1e-12)
    assert capsim.spend_shortfall(results["run"]) is None


def test_tornado_usd_chart_spans_the_groups(results):
    res = results["run"]
    rows = capsim.tornado_usd_table(res, "pv_spend")[:12][::-1]
    fig = capsim.tornado_usd(res, "pv_spend")
    scale, _ = money_scale([r["low"] for r in rows] + [r["high"] for r in rows])
    bars = fig.axes[0].patches
    for r, b in zip(rows, bars):
        assert b.get_x() == pytest.approx(r["low"] / scale, rel=1e-12)
        assert b.get_x() + b.get_width() == pytest.approx(r["high"] / scale, rel=1e-12)


def plot_main(*args):
    """output/plot.py's main() in this process (its imports are paid for already)."""
    import contextlib
    import importlib.util
    import io
    spec = importlib.util.spec_from_file_location("capsim_plot", os.path.join(ROOT, "output", "plot.py"))
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    so, se = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
        try:
            rc = plot.main(list(args))
        except SystemExit as e:
            rc = e.code
    return rc, so.getvalue(), se.getvalue()


@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_plot_py_formats(files, tmp_path, fmt, magic):
    # png, the default, is what the other tests of plot.py write
    out = tmp_path / fmt
    rc, stdout, stderr = plot_main(files["run"], "-o", str(out), "--format", fmt)
    assert rc == 0, stderr
    written = stdout.split()
    assert any(w.endswith(f"fan_unmet.{fmt}") for w in written) and len(written) >= 6
    for w in written:
        assert w.endswith("." + fmt)
        with open(w, "rb") as f:
            assert f.read(len(magic)) == magic
    rc, _, stderr = plot_main(files["run"], "-o", str(out), "--format", "gif")
    assert rc == 2 and "invalid choice" in stderr


def test_plot_py_variant_names(files, tmp_path):
    rc, _, stderr = plot_main(files["compare"], "-o", str(tmp_path), "--variant", "nope")
    assert rc == 2 and "no variant 'nope'" in stderr
    rc, _, stderr = plot_main(files["compare"], "-o", str(tmp_path), "--total", "nope")
    assert rc == 2 and "no total 'nope'" in stderr
