#!/bin/sh
# `capsim report OUT.h5 -o R.html` (issue 19): one self-contained HTML page drawn by the
# capsim Python package. Checked: the page of a compare file has its sections, inline
# SVG charts only and no external URL; rendered by headless chromium, every chart has a
# size on the page (measured by the browser in a copy of the page with a small script
# added: the report itself has none) and the screenshot is not blank (kept as
# BUILD/test-logs/report.png); refusals with exit 2 and one line: -o -, a missing file, a
# file that is not HDF5 (an older page left as it was), a missing python3 (CAPSIM_PYTHON),
# a missing package (CAPSIM_PYTHONPATH), an unknown total or option; an interrupted report
# (SIGTERM) leaves no file and no temporary file.
set -u
: "${CAPSIM:?}" "${BUILD:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { # expected-rc description command...
    want=$1; what=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    [ "$got" -eq "$want" ] || { fail "$what: exit $got, expected $want"; cat "$tmp/err"; }
}
one_line() { # description: stderr is one line containing the text
    [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q -e "$2" "$tmp/err" || { fail "$1: message"; cat "$tmp/err"; }
}
leftovers() { ls -A "$tmp/out-dir" | grep -c '\.tmp\.' ; }

if ! "$PYTHON" -c 'import xarray, h5py, matplotlib' 2> /dev/null; then
    echo "SKIP: Python modules xarray, h5py or matplotlib not installed"
    exit 77
fi
sc=tests/scenarios/every-randomness.yaml
sed 's/count: 50000, online: 2025-06/count: 70000, online: 2025-06/' "$sc" > "$tmp/bigger.yaml"
"$CAPSIM" compare "$sc" "$tmp/bigger.yaml" --paths 300 --quiet -o "$tmp/cmp.h5" || fail "compare"
mkdir "$tmp/out-dir"
page=$tmp/out-dir/report.html

expect_rc 0 "report --help" "$CAPSIM" report --help
grep -q "usage: capsim report" "$tmp/out" || fail "report --help prints the usage"
expect_rc 0 "report" "$CAPSIM" report "$tmp/cmp.h5" -o "$page"
[ -s "$page" ] && head -c 15 "$page" | grep -q '<!DOCTYPE html>' || fail "report wrote no HTML page"
[ "$(leftovers)" -eq 0 ] || fail "report left a temporary file: $(ls -A "$tmp/out-dir")"

# The page: its sections, inline SVG only, no script, no URL that would be fetched.
"$PYTHON" - "$page" <<'PY' || fail "the page's contents"
import re, sys
page = open(sys.argv[1]).read()
bad = []
secs = re.findall(r"<section id='([a-z]+)'>", page)
if secs != ["totals", "fans", "spend", "drivers", "compare", "scenario", "provenance"]:
    bad.append(f"sections {secs}")
if re.search(r"""(src|href)\s*=\s*["'](?!#)""", page) or "url(http" in page or "<script" in page or "<img" in page:
    bad.append("an external reference, script or img")
if page.count("<svg") < 10:
    bad.append(f"{page.count('<svg')} charts")
if "pv_net_value" not in page or "every-randomness" not in page:
    bad.append("no key totals or scenario")
print("\n".join(bad) or "page ok")
sys.exit(1 if bad else 0)
PY

# In a real browser: every chart laid out with a size, and a screenshot that is not blank.
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
    echo "SKIP: chromium: not installed (Debian: chromium)"
else
    # a copy with a script that writes each chart's rendered size into the page
    sed 's#</body>#<script>var o=[];document.querySelectorAll("svg").forEach(function(s){var r=s.getBoundingClientRect();o.push(Math.round(r.width)+"x"+Math.round(r.height))});document.querySelectorAll("img").forEach(function(i){o.push(i.naturalWidth>0?"img-ok":"img-broken")});var p=document.createElement("pre");p.id="sizes";p.textContent=o.join(" ");document.body.appendChild(p);</script></body>#' \
        "$page" > "$tmp/measure.html"
    copts="--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir=$tmp/chrome"
    # shellcheck disable=SC2086
    timeout 120 "$chrome" $copts --dump-dom "file://$tmp/measure.html" > "$tmp/dom.html" 2> "$tmp/chrome.err" ||
        { fail "chromium --dump-dom"; tail -5 "$tmp/chrome.err"; }
    # shellcheck disable=SC2086
    timeout 120 "$chrome" $copts --window-size=1200,2400 --screenshot="$tmp/report.png" "file://$page" \
        > /dev/null 2>> "$tmp/chrome.err" || { fail "chromium --screenshot"; tail -5 "$tmp/chrome.err"; }
    mkdir -p "$BUILD/test-logs"
    cp "$tmp/report.png" "$BUILD/test-logs/report.png" 2> /dev/null
    "$PYTHON" - "$tmp/dom.html" "$page" "$tmp/report.png" <<'PY' || fail "the page in chromium"
import re, sys
import numpy as np
import matplotlib.image as mpimg
dom, page = open(sys.argv[1]).read(), open(sys.argv[2]).read()
bad = []
m = re.search(r'<pre id="sizes">([^<]*)</pre>', dom)
sizes = m.group(1).split() if m else []
charts = page.count("<svg")
if len(sizes) != charts:
    bad.append(f"{len(sizes)} charts laid out, the page has {charts}")
for s in sizes:
    if s.startswith("img") and s != "img-ok":
        bad.append("a broken image")
    elif not s.startswith("img"):
        w, h = map(int, s.split("x"))
        if w < 300 or h < 100:
            bad.append(f"a chart of {s} px")
for sid in ("totals", "fans", "spend", "drivers", "compare", "scenario", "provenance"):
    if f'<section id="{sid}">' not in dom:
        bad.append(f"section {sid} missing in the DOM")
img = mpimg.imread(sys.argv[3])
if img.shape[0] < 1000 or float(np.std(img[..., :3])) < 0.05:
    bad.append(f"the screenshot looks blank ({img.shape}, sd {np.std(img[..., :3]):.3f})")
print("\n".join(bad) or f"chromium: {len(sizes)} charts, sizes {' '.join(sizes[:4])} ...")
sys.exit(1 if bad else 0)
PY
fi

# Refusals: exit 2, one line, nothing written; an older page stays as it was.
echo "old page" > "$tmp/out-dir/keep.html"
expect_rc 2 "-o -" "$CAPSIM" report "$tmp/cmp.h5" -o -
one_line "-o -" "-o -: the report is an HTML file"
expect_rc 2 "missing file" "$CAPSIM" report "$tmp/nope.h5" -o "$tmp/out-dir/keep.html"
one_line "missing file" "cannot open .*nope.h5"
echo "not hdf5" > "$tmp/junk.h5"
expect_rc 2 "not HDF5" "$CAPSIM" report "$tmp/junk.h5" -o "$tmp/out-dir/keep.html"
one_line "not HDF5" "not an HDF5 file"
expect_rc 2 "no python3" env CAPSIM_PYTHON="$tmp/no-python3" "$CAPSIM" report "$tmp/cmp.h5" -o "$tmp/out-dir/keep.html"
one_line "no python3" "no python3 at"
mkdir "$tmp/empty"
expect_rc 2 "no package" env CAPSIM_PYTHONPATH="$tmp/empty" "$CAPSIM" report "$tmp/cmp.h5" -o "$tmp/out-dir/keep.html"
one_line "no package" "capsim Python package"
expect_rc 2 "unknown total" "$CAPSIM" report "$tmp/cmp.h5" --total nope -o "$tmp/out-dir/keep.html"
one_line "unknown total" "no total 'nope'"
expect_rc 2 "unknown option" "$CAPSIM" report "$tmp/cmp.h5" --frobnicate
expect_rc 2 "no file" "$CAPSIM" report
[ "$(cat "$tmp/out-dir/keep.html")" = "old page" ] || fail "a refused report changed the older page"
[ "$(leftovers)" -eq 0 ] || fail "a refused report left a temporary file: $(ls -A "$tmp/out-dir")"

# SIGTERM while python3 draws: no page, no temporary file, exit 1.
"$CAPSIM" report "$tmp/cmp.h5" -o "$tmp/out-dir/killed.html" 2> "$tmp/err" &
pid=$!
sleep 1
kill -TERM "$pid" 2> /dev/null
wait "$pid"; rc=$?
[ "$rc" -eq 1 ] || fail "an interrupted report: exit $rc, expected 1"
[ ! -e "$tmp/out-dir/killed.html" ] || fail "an interrupted report left its page"
[ "$(leftovers)" -eq 0 ] || fail "an interrupted report left a temporary file: $(ls -A "$tmp/out-dir")"

[ "$fails" -eq 0 ] && echo "cli_report: ok" || echo "cli_report: $fails failure(s)"
[ "$fails" -eq 0 ]
