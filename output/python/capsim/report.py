"""One self-contained HTML page of a results file: key totals, fan charts, spend by
cloud, what drives a total, the compare, sweep, optimize and Sobol sections where the
file has them, the scenario text and the provenance. Every chart is inline SVG: no
network, no JavaScript, no files beside it.

    /usr/bin/python3 -m capsim.report OUT.h5 -o report.html [--total NAME]

(`capsim report` runs this.) Exit codes: 0 ok; 1 the page cannot be written; 2 a file
that does not exist, is not a capsim results file or is damaged. The page is written to
a temporary file beside the target and renamed over it, so a failure leaves no partial
page.
"""
import argparse
import html
import io
import os
import re
import sys

import matplotlib

from .check import check_file
from .results import NotResults, as_results
from .style import fmt_value, is_money, provenance
from .tables import KEY_TOTALS, key_totals
from .variants import short_label
from . import charts_compare, charts_opt, charts_run, charts_sens

CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1000px;
       padding: 0 16px 40px; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin: 0.8em 0 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
nav a { margin-right: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
td.text { text-align: left; white-space: normal; }
figure { margin: 0.8em 0 1.4em; }
figure svg { width: 100%; height: auto; display: block; }
pre { background: #f6f6f6; padding: 10px; font-size: 0.78em; overflow-x: auto; white-space: pre; }
.muted { color: #666; font-size: 0.85em; }
"""


def _svg(fig, salt):
    """The figure as an <svg> element to inline: no XML prolog, DOCTYPE or metadata
    (the DOCTYPE names a URL), ids salted per chart so that two charts' clip paths never
    share an id, text as text (the page's font)."""
    if fig is None:
        return None
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    matplotlib.pyplot.close(fig)
    s = buf.getvalue()
    s = s[s.index("<svg"):]
    s = re.sub(r"<metadata>.*?</metadata>\s*", "", s, flags=re.S)
    return s


def _figure(fig, salt, caption=None):
    s = _svg(fig, salt)
    if s is None:
        return ""
    cap = f"<figcaption class='muted'>{html.escape(caption)}</figcaption>" if caption else ""
    return f"<figure id='fig-{html.escape(salt)}'>{s}{cap}</figure>\n"


def _table(header, rows, cls=None):
    out = ["<table" + (f" class='{cls}'" if cls else "") + "><thead><tr>"]
    out += [f"<th>{html.escape(str(h))}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>\n")
    return "".join(out)


def _totals_table(res, variant):
    rows = []
    for r in key_totals(res, variant):
        # money and months say their unit in the number; others in the last column
        u = r["units"] if is_money(r["units"]) or r["units"] == "months" else ""
        rows.append([r["name"]] + [fmt_value(r[k], u) for k in ("mean", "se", "es_lo", "p5", "p50", "p95", "es_hi")]
                    + [r["better"], "" if u else r["units"]])
    return _table(["total", "mean", "SE", "ES5", "P5", "P50", "P95", "ES95", "better", "units"], rows)


def _diff_table(res):
    diff = res["diff"]
    rows = []
    for i, v in enumerate(diff["variant"].values):
        d = diff.isel(variant=i)
        for n in KEY_TOTALS:
            if f"{n}_mean" not in d or d[f"{n}_mean"].ndim != 0:
                continue
            m = d[f"{n}_mean"]
            u, better = m.attrs.get("units", ""), m.attrs.get("better", "")
            p = d.get(f"{n}_pneg" if better == "lower" else f"{n}_ppos")
            pb = f"{100 * float(p):.1f}%" if p is not None and better in ("lower", "higher") else "n/a"
            rows.append([short_label(v), n, fmt_value(float(m), u), fmt_value(float(d[f"{n}_se"]), u), pb])
    base = short_label(diff.attrs.get("baseline", res.attrs.get("baseline", "")))
    return (f"<p>Paired differences, variant minus the baseline <b>{html.escape(base)}</b>, path by path "
            "(the variants share their random numbers).</p>" +
            _table(["variant", "total", "mean difference", "SE", "P(better)"], rows))


def _variant_means(res):
    st = res["stats"]
    labels, what = charts_compare.point_labels(res)   # a sweep's variants by their values
    note = f"<p class='muted'>Variants labelled by {html.escape(what)}.</p>" if what else ""
    rows = []
    for n in KEY_TOTALS:
        if f"{n}_mean" in st and st[f"{n}_mean"].dims == ("variant",):
            u = st[f"{n}_mean"].attrs.get("units", "")
            rows.append([n] + [fmt_value(float(x), u) for x in st[f"{n}_mean"].values])
    return note + _table(["mean of"] + labels, rows)


def _optimize_table(res):
    g = res["optimize"]
    if "chosen" not in g or "weight" not in g.dims or "decision" not in g.dims:
        return ""
    decisions = [str(d) for d in g["decision"].values]
    rows = []
    for i, w in enumerate(g["weight"].values):
        ch = g["chosen"].isel(weight=i).values

        def val(name):
            return fmt_value(float(g[name].isel(weight=i)), "USD") if name in g else "n/a"
        rows.append([f"w={float(w):g}"] + [f"{x:.6g}" for x in ch] +
                    [val("objective_in_chosen"), val("objective_out"), val("objective_out_se"),
                     val("objective_baseline")])
    return _table(["weight"] + decisions + ["in-sample", "out-of-sample", "SE", "baseline"], rows)


def _provenance_table(attrs):
    keys = ["scenario_name", "scenario_source", "command", "command_line", "capsim_version", "git_revision",
            "compiler", "compiler_flags", "gsl_version", "hdf5_version", "seed", "paths", "variants", "baseline",
            "sampling", "threads", "ranks", "wall_seconds", "stop_reason", "started", "created",
            "history", "source"]
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td class='text'>{html.escape(str(attrs[k]))}</td></tr>"
                   for k in keys if k in attrs)
    return f"<table>{rows}</table>\n"


def build_html(res, total="pv_turned_down_revenue", series="unmet"):
    """The page as a string."""
    res = as_results(res)
    a = res.attrs
    st = res["stats"]
    multi = "variant" in st.dims and st.sizes["variant"] > 1
    name = str(a.get("scenario_name", "capsim results"))
    sens = res.get("sensitivity")
    if sens is not None and "total" in sens.coords and total not in [str(t) for t in sens["total"].values]:
        raise KeyError(f"no total '{total}' in /sensitivity")
    parts, nav = [], []

    def section(sid, title, body):
        if body.strip():
            nav.append(f"<a href='#{sid}'>{html.escape(title)}</a>")
            parts.append(f"<section id='{sid}'><h2>{html.escape(title)}</h2>\n{body}</section>\n")

    base = short_label(st["variant"].values[0]) if "variant" in st.dims else name
    body = _totals_table(res, None)
    if multi:
        body = f"<h3>{html.escape(base)} (baseline)</h3>" + body + "<h3>Means of every variant</h3>" + \
            _variant_means(res)
    section("totals", "Key totals", "<p class='muted'>Present values in USD; SE: standard error of the mean; "
            "ES5/ES95: mean of the lowest/highest 5% of paths.</p>" + body)
    section("fans", "Fan charts", _figure(charts_run.fan(res, series), f"fan_{series}") +
            _figure(charts_run.cash_fan(res), "fan_cash") + _figure(charts_run.exceedance(res), "exceedance"))
    section("spend", "Spend by cloud", _figure(charts_run.spend_by_cloud(res), "spend_by_cloud") +
            _figure(charts_run.supply_demand(res), "supply_demand") +
            _figure(charts_run.options_exercised(res), "options_exercised"))
    section("drivers", f"What drives {total}", _figure(charts_sens.tornado_usd(res, total), "tornado_usd") +
            _figure(charts_sens.tornado(res, total), "tornado"))
    if "diff" in res and multi and not res.swept:
        body = _diff_table(res) + _figure(charts_compare.compare_totals(res), "compare_totals")
        for i in range(res["diff"].sizes["variant"]):
            body += _figure(charts_compare.waterfall(res, i), f"waterfall_{i}")
        body += _figure(charts_run.fan(res, series, None, diff=True), f"diff_fan_{series}")
        section("compare", "Compare", body)
    if res.swept:
        body = "".join(_figure(f, f"sweep_{k}") for k, f in charts_compare.sweep_curves(res).items())
        body += _figure(charts_compare.spend_shortfall(res), "spend_shortfall")
        section("sweep", "Sweep", body)
    if "optimize" in res:
        body = _optimize_table(res) + _figure(charts_opt.frontier(res), "frontier")
        if not res.swept:
            body += _figure(charts_compare.spend_shortfall(res), "spend_shortfall")
        section("optimize", "Optimize", body)
    if sens is not None and "sobol_total" in sens:
        section("sobol", "Sobol indices", _figure(charts_sens.sobol(res, total), "sobol"))
    scen = str(a.get("scenario", ""))
    if scen:
        section("scenario", "Scenario", f"<pre>{html.escape(scen)}</pre>")
    section("provenance", "Provenance", _provenance_table(a))
    desc = html.escape(str(a.get("scenario_description", "")))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>capsim report: {html.escape(name)}</title><style>{CSS}</style></head><body>\n"
            f"<header><h1>capsim report: {html.escape(name)}</h1><p>{desc}</p>"
            f"<p class='muted'>{html.escape(provenance(a))}</p><nav>{''.join(nav)}</nav></header>\n"
            + "".join(parts) + "</body></html>\n")


def write_report(res, out, total="pv_turned_down_revenue", series="unmet"):
    """Write the page to `out` through a temporary file in its directory, renamed over
    it once complete (a failure leaves no partial page, and an older page untouched)."""
    write_text(build_html(res, total, series), out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="capsim report", description="One self-contained HTML page of a results file.")
    ap.add_argument("file")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--total", default="pv_turned_down_revenue")
    args = ap.parse_args(argv)
    if not os.path.isfile(args.file):
        print(f"capsim report: cannot open {args.file}: "
              f"{'no such file' if not os.path.exists(args.file) else 'not a regular file'}", file=sys.stderr)
        return 2
    try:
        check_file(args.file, "unmet")
        res = as_results(args.file)
        text_ok = build_html(res, args.total)
    except NotResults as e:
        print(f"capsim report: {e}", file=sys.stderr)
        return 2
    except (KeyError, ValueError, IndexError, TypeError, RuntimeError) as e:
        print(f"capsim report: {args.file}: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    except OSError as e:   # HDF5's, on data that do not decode
        print(f"capsim report: {args.file}: damaged results file: {e}", file=sys.stderr)
        return 2
    try:
        write_text(text_ok, args.out)
    except OSError as e:
        print(f"capsim report: cannot write {args.out}: {e}", file=sys.stderr)
        return 1
    return 0


def write_text(text, out):
    d = os.path.dirname(os.path.abspath(out))
    tmp = os.path.join(d, f".{os.path.basename(out)}.tmp.{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


if __name__ == "__main__":
    sys.exit(main())
