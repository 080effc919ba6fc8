"""The HTML report: the sections each kind of file has, its numbers, self-contained
(inline SVG only, no external URL, no script), the scenario text escaped."""
import html
import re

import pytest

import capsim
from capsim.report import build_html, main
from capsim.style import fmt_value

SECTIONS = {"run": ["totals", "fans", "spend", "drivers", "scenario", "provenance"],
            "compare": ["totals", "fans", "spend", "drivers", "compare", "scenario", "provenance"],
            "sweep": ["totals", "fans", "spend", "drivers", "sweep", "scenario", "provenance"],
            "optimize": ["totals", "fans", "spend", "drivers", "compare", "optimize", "scenario", "provenance"],
            "saltelli": ["totals", "fans", "spend", "drivers", "sobol", "scenario", "provenance"]}


@pytest.fixture(scope="module")
def pages(results):
    return {k: build_html(r, "pv_revenue" if k == "saltelli" else "pv_turned_down_revenue")
            for k, r in results.items()}


def test_sections(pages):
    for kind, page in pages.items():
        got = re.findall(r"<section id='([a-z]+)'>", page)
        assert got == SECTIONS[kind], kind
        # the navigation links every section
        assert re.findall(r"<a href='#([a-z]+)'>", page) == got


def test_self_contained(pages):
    for kind, page in pages.items():
        assert "<script" not in page.lower() and "<img" not in page.lower()
        assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", page), kind       # internal anchors only
        assert not re.search(r"url\((?!#)", page), kind
        assert "<!DOCTYPE svg" not in page and "<?xml" not in page
        svgs = re.findall(r"<svg[^>]*>", page)
        assert len(svgs) == page.count("<figure"), kind
        for s in svgs:
            w = float(re.search(r'width="([0-9.]+)pt"', s).group(1))
            h = float(re.search(r'height="([0-9.]+)pt"', s).group(1))
            assert w > 100 and h > 100 and "viewBox" in s
        ids = re.findall(r'<clipPath id="([^"]+)"', page)
        assert len(ids) == len(set(ids)), f"{kind}: clip-path ids shared between charts"


def test_numbers_and_text(results, pages):
    res = results["run"]
    page = pages["run"]
    rows = capsim.key_totals(res)
    assert len(rows) >= 10
    for row in rows:
        u = row["units"] if row["units"] in ("USD", "months") else ""
        cells = f"<td>{row['name']}</td><td>{html.escape(fmt_value(row['mean'], u))}</td>" \
                f"<td>{html.escape(fmt_value(row['se'], u))}</td>"
        assert cells in page, row["name"]
    st = res["stats"]   # by hand: the mean of pv_spend in $B or $M, three figures
    m = float(st["pv_spend_mean"])
    assert m > 1e9 and f"<td>pv_spend</td><td>${m / 1e9:.{2 if m < 1e10 else 1}f}B</td>" in page
    assert html.escape(res.attrs["scenario"]) in page          # the scenario text, escaped
    assert f"<th>seed</th><td class='text'>{res.attrs['seed']}</td>" in page
    assert html.escape(capsim.provenance(res.attrs)) in page
    # compare: the paired difference of net value and its P(better)
    r = results["compare"]
    d = r["diff"].isel(variant=0)
    want = f"<td>pv_net_value</td><td>{html.escape(fmt_value(float(d['pv_net_value_mean']), 'USD'))}</td>" \
           f"<td>{html.escape(fmt_value(float(d['pv_net_value_se']), 'USD'))}</td>" \
           f"<td>{100 * float(d['pv_net_value_ppos']):.1f}%</td>"
    assert want in pages["compare"]


def test_main_writes_atomically(files, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main([files["run"], "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"nope")
    out.write_text("old")
    assert main([str(bad), "-o", str(out)]) == 2
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["bad.h5", "r.html"]
    assert main([files["run"], "-o", str(out), "--total", "nope"]) == 2
    assert "no total 'nope'" in capsys.readouterr().err
