#!/bin/sh
# Contract options and cash on the command line (issue 21), on the small scenario
# tests/scenarios/options-cash.yaml (an expand, a terminate and an extend option, a
# finance: block with a conditional round):
#   - `--set` reaches option fields by index and by name (contracts.NAME.options.0... and
#     contracts.NAME.options.OPT...: the same file), and changes results as the rule says:
#     a higher `when.above` exercises the expand option later or never, path by path
#     (the same random numbers: the paths agree until the first exercise); above 1 never
#     (a share is at most 1, the comparison strict);
#   - `sweep --vary` reaches `options.0.tranche.count`: one variant per value, the
#     exercise months the same in every variant (the decision comes before the tranche),
#     the tranche's cost in pv_spend rising with the count;
#   - bad values give exit 2, one `file:line:col: key.path: ...` line, and no file;
#   - `capsim summary` prints the Options table and the min_cash / peak_funding_need rows,
#     number for number as computed here with h5py from the file's per-path totals
#     (tests/summary_fmt.py), for a run and for every variant of the sweep, and the
#     sweep's paired differences of those two totals (mean, SE, P(better));
#   - output/plot.py draws options_exercised.png and fan_cash.png (and not for a file
#     without options: no options chart).
set -u
: "${CAPSIM:?}" "${PYTHON:=/usr/bin/python3}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_ok() { # description command...
    what=$1; shift
    "$@" > "$tmp/out" 2> "$tmp/err" || { fail "$what: exit $?"; cat "$tmp/err"; }
}
# refused DESCRIPTION PATTERN COMMAND...: exit 2, a message matching PATTERN, no file.
refused() {
    what=$1; pat=$2; shift 2
    rm -f "$tmp/bad.h5"
    "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    if [ "$got" -ne 2 ]; then
        fail "$what: exit $got, expected 2"; head -5 "$tmp/err"
    elif ! grep -q -- "$pat" "$tmp/err"; then
        fail "$what: message does not say '$pat':"; head -5 "$tmp/err"
    fi
    [ ! -e "$tmp/bad.h5" ] || fail "$what: a file was written"
}
sc=tests/scenarios/options-cash.yaml
opt=contracts.azure-main.options
have_h5py=1
"$PYTHON" -c 'import h5py, numpy' 2> /dev/null || { have_h5py=0; echo "SKIP: number checks: no h5py/numpy"; }

# summary's numbers against the file: check_summary FILE.h5 SUMMARY.txt
check_summary() {
    [ "$have_h5py" = 1 ] || return 0
    PYTHONPATH=tests "$PYTHON" - "$1" "$2" <<'PY' || fail "summary of $1: numbers differ (above)"
import sys
import h5py
import numpy as np
from summary_fmt import fmt_prob, fmt_value, total_row

path, text = sys.argv[1], open(sys.argv[2]).read()
f = h5py.File(path, "r")
st, tot = f["stats"], f["totals"]
V = int(f.attrs.get("variants", 1))
blocks = text.split("\n=== variant ")[1:] if V > 1 else [text]
bad = 0


def want(line, block, what):
    global bad
    if ("\n" + line + "\n") not in block:
        print(f"{path} variant block {what}: missing line\n  {line!r}")
        bad += 1


assert len(blocks) == V, f"{len(blocks)} variant blocks for {V} variants"
months = [m.decode() for m in st["month"][:]]
years = []
for i, m in enumerate(months):
    if not years or years[-1][0] != m[:4]:
        years.append([m[:4], i])
    years[-1][1] = i          # the year's last month
options = [o.decode() for o in st["option"][:]]
for v, block in enumerate(blocks):
    block = block.split("\nPaired difference ")[0]
    sel = (lambda a: a[v]) if V > 1 else (lambda a: a)
    for name in ("min_cash", "peak_funding_need"):
        want(total_row(name, sel(tot[name][()]), "USD"), block, f"{v} {name}")
    om = sel(tot["option_month"][()])              # path, option
    n = om.shape[0]
    head = "  %-26s" % "option" + "".join("  %9s" % y for y, _ in years) + "  %9s  %9s  %9s" % (
        "overall", "median", "mean t")
    want(head, block, f"{v} options header")
    for j, o in enumerate(options):
        x = om[:, j]
        cells = [fmt_prob(np.count_nonzero((x >= 0) & (x <= last)) / n) for _, last in years]
        cells.append(fmt_prob(np.count_nonzero(x >= 0) / n))
        ex = x[x >= 0]
        if len(ex):
            cells.append(months[int(np.quantile(ex, 0.5, method="inverted_cdf"))])
            cells.append("%.2f" % ex.mean())
        else:
            cells += ["-", "-"]
        want("  %-26s" % o + "".join("  %9s" % c for c in cells), block, f"{v} option {o}")
    fees = sel(tot["pv_option_fees"][()])
    want("  pv_option_fees (all options, discounted, inside pv_spend): mean %s (SE %s)" % (
        fmt_value(fees.mean(), "USD"), fmt_value(fees.std(ddof=1) / np.sqrt(n), "USD")), block, f"{v} fees")
# paired differences of the cash totals: mean, SE, P(better) (min_cash higher, the need lower)
diffs = text.split("\nPaired difference ")[1:]
assert len(diffs) == (V - 1 if V > 1 else 0), f"{len(diffs)} difference blocks for {V} variants"
for v, block in enumerate(diffs, start=1):
    for name, sign in (("min_cash", 1), ("peak_funding_need", -1)):
        d = tot[name][v] - tot[name][0]
        m, se = d.mean(), d.std(ddof=1) / np.sqrt(len(d))
        flag = "" if abs(m) > 2 * se else "  (within 2 SE)"
        want("  %-26s  %14s  %14s  %12s%s" % (name, fmt_value(m, "USD"), fmt_value(se, "USD"),
                                              fmt_prob(np.count_nonzero(sign * d > 0) / len(d)),
                                              flag if se > 0 or m != 0 else ""), "\n" + block, f"diff {v} {name}")
sys.exit(1 if bad else 0)
PY
}

# --- a plain run: summary's tables ---------------------------------------------------
expect_ok "run" "$CAPSIM" run "$sc" --quiet -o "$tmp/base.h5"
expect_ok "summary" "$CAPSIM" summary "$tmp/base.h5"
cp "$tmp/out" "$tmp/base.txt"
grep -q '^Options (P(exercised) by the end of each year' "$tmp/base.txt" || fail "summary: no Options table"
check_summary "$tmp/base.h5" "$tmp/base.txt"

# --- --set by index and by name: the same file; a higher threshold exercises later --
expect_ok "--set options.0" "$CAPSIM" run "$sc" --set "$opt.0.when.above=0.2" --quiet -o "$tmp/idx.h5"
expect_ok "--set options.NAME" "$CAPSIM" run "$sc" --set "$opt.az-expand.when.above=0.2" --quiet -o "$tmp/name.h5"
for g in /stats /totals; do
    h5diff -r "$tmp/idx.h5" "$tmp/name.h5" "$g" "$g" > "$tmp/diff" 2>&1 ||
        { fail "--set by index and by name: $g differs"; head -5 "$tmp/diff"; }
done
h5diff -q "$tmp/base.h5" "$tmp/idx.h5" /totals/option_month /totals/option_month > /dev/null 2>&1 &&
    fail "--set $opt.0.when.above=0.2 changed no exercise month"
expect_ok "--set above=1" "$CAPSIM" run "$sc" --set "$opt.0.when.above=1" --quiet -o "$tmp/never.h5"
expect_ok "summary above=1" "$CAPSIM" summary "$tmp/never.h5"
cp "$tmp/out" "$tmp/never.txt"
grep -Eq '^  az-expand +0\.0% +0\.0% +0\.0% +0\.0% +- +-$' "$tmp/never.txt" ||
    { fail "summary, above=1: az-expand is not never exercised"; grep az-expand "$tmp/never.txt"; }
check_summary "$tmp/never.h5" "$tmp/never.txt"
if [ "$have_h5py" = 1 ]; then
    "$PYTHON" - "$tmp/base.h5" "$tmp/idx.h5" "$tmp/never.h5" <<'PY' || fail "--set when.above: exercise months not as the rule says"
import sys
import h5py
import numpy as np
a, b, c = (h5py.File(p, "r")["totals/option_month"][:, 0] for p in sys.argv[1:])
ok = True
# above 0.2 holds only where above 0.05 does, on the same past: later or never
later = (b == -1) | ((a >= 0) & (b >= a))
if not later.all():
    print("paths exercised earlier with above=0.2:", np.flatnonzero(~later)[:5]); ok = False
if not (np.count_nonzero(b >= 0) < np.count_nonzero(a >= 0) and np.count_nonzero(b >= 0) > 0):
    print("P(exercised) with above 0.05 / 0.2:", (a >= 0).mean(), (b >= 0).mean()); ok = False
if not (c == -1).all():
    print("above=1: exercised on", np.count_nonzero(c >= 0), "paths"); ok = False
sys.exit(0 if ok else 1)
PY
fi

# --- sweep --vary options.0.tranche.count -------------------------------------------
expect_ok "sweep" "$CAPSIM" sweep "$sc" --vary "$opt.0.tranche.count=0,30000,60000" --paths 600 --quiet -o "$tmp/sw.h5"
expect_ok "summary of the sweep" "$CAPSIM" summary "$tmp/sw.h5"
cp "$tmp/out" "$tmp/sw.txt"
[ "$(grep -c '^Options (' "$tmp/sw.txt")" -eq 3 ] || fail "sweep summary: not one Options table per variant"
check_summary "$tmp/sw.h5" "$tmp/sw.txt"
grep -qx '  (min_cash: higher is better; peak_funding_need: lower is better)' "$tmp/sw.txt" ||
    fail "sweep summary: no legend line for the cash rows of the differences"
if [ "$have_h5py" = 1 ]; then
    "$PYTHON" - "$tmp/sw.h5" "$opt.0.tranche.count" <<'PY' || fail "sweep over tranche.count: not as expected"
import sys
import h5py
import numpy as np
f = h5py.File(sys.argv[1], "r")
key = sys.argv[2]
ok = True
vals = list(f["stats"][key][:])
if vals != [0, 30000, 60000]:
    print("varied values:", vals); ok = False
om = f["totals/option_month"][:, :, 0]         # variant, path
if not (om == om[0]).all():
    print("the expand's exercise month differs between variants"); ok = False
spend = f["stats/pv_spend_mean"][:]
if not (spend[0] < spend[1] < spend[2]):
    print("pv_spend mean does not rise with the tranche count:", spend); ok = False
sys.exit(0 if ok else 1)
PY
fi

# --- bad values: exit 2, file:line:col, nothing written -----------------------------
refused "--set above=abc" "^--set:1:[0-9]*: $opt.az-expand.when.above: 'abc' is not a number" \
    "$CAPSIM" run "$sc" --set "$opt.0.when.above=abc" --quiet -o "$tmp/bad.h5"
refused "--set months=0" "^--set:1:[0-9]*: $opt.az-expand.when.months: 0 is out of range" \
    "$CAPSIM" run "$sc" --set "$opt.0.when.months=0" --quiet -o "$tmp/bad.h5"
refused "--set options.5" "^--set:1:1: $opt.5.fee_usd: no element '5' in $opt" \
    "$CAPSIM" run "$sc" --set "$opt.5.fee_usd=1" --quiet -o "$tmp/bad.h5"
refused "--set kind=expnd" "unknown value 'expnd' (did you mean 'expand'?)" \
    "$CAPSIM" run "$sc" --set "$opt.0.kind=expnd" --quiet -o "$tmp/bad.h5"
refused "--vary count=-5" "^--set:1:[0-9]*: $opt.az-expand.tranche.count: -5 is out of range" \
    "$CAPSIM" sweep "$sc" --vary "$opt.0.tranche.count=0,-5" --paths 100 --quiet -o "$tmp/bad.h5"
sed 's/lead_months: 4,/lead_months: 4, lead: 2,/' "$sc" > "$tmp/bad.yaml"
refused "unknown key in the file" "^$tmp/bad.yaml:[0-9]*:[0-9]*: $opt.az-expand: unknown key 'lead'" \
    "$CAPSIM" run "$tmp/bad.yaml" --quiet -o "$tmp/bad.h5"

# --- plot.py: the option and cash charts ---------------------------------------------
if "$PYTHON" -c 'import xarray, h5netcdf, matplotlib' 2> /dev/null; then
    expect_ok "plot.py" "$PYTHON" output/plot.py "$tmp/base.h5" -o "$tmp/p"
    expect_ok "plot.py sweep" "$PYTHON" output/plot.py "$tmp/sw.h5" -o "$tmp/psw"
    for png in p/options_exercised.png p/fan_cash.png psw/options_exercised.png psw/fan_cash.png; do
        [ -s "$tmp/$png" ] || fail "plot.py did not write $png"
    done
    expect_ok "plot.py --series cash" "$PYTHON" output/plot.py "$tmp/base.h5" -o "$tmp/pc" --series cash
    [ -s "$tmp/pc/fan_cash.png" ] || fail "plot.py --series cash: no fan_cash.png"
    expect_ok "run without options" "$CAPSIM" run tests/scenarios/every-randomness.yaml --paths 300 --quiet -o "$tmp/noopt.h5"
    expect_ok "plot.py without options" "$PYTHON" output/plot.py "$tmp/noopt.h5" -o "$tmp/pn"
    [ ! -e "$tmp/pn/options_exercised.png" ] || fail "plot.py drew an options chart for a file without options"
    [ -s "$tmp/pn/fan_cash.png" ] || fail "plot.py: no fan_cash.png for a file with cash"
    expect_ok "summary without options" "$CAPSIM" summary "$tmp/noopt.h5"
    ! grep -q '^Options' "$tmp/out" || fail "summary printed an Options table for a file without options"
else
    echo "SKIP: plot.py charts: no xarray/h5netcdf/matplotlib"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli_options: all passed"
