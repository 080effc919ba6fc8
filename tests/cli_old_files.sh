#!/bin/sh
# Results files written before the second edition of the model (docs/MODEL.md 5 and 10-12) lack its
# outputs (value_lost, pv_value, pv_value_lost, pv_net_value): `summary` and `export` of
# this build still read them (output/results_check.c), and `summary` prints exactly what
# the build that wrote the file printed.
#
# The fixture tests/old-files/first-edition-compare.h5.gz was written by the build before
# them (capsim 0.1.0, git ed96e529d0aa), from tests/old-files/:
#   capsim compare first-edition-a.yaml first-edition-b.yaml --save-paths 2 -o F.h5
# and first-edition-compare.summary is that build's `capsim summary F.h5`, less its
# first line (which names the file). A file of this build that lacks only some of the
# new outputs is damaged, not old: tests/py_damaged.py.
set -u
: "${CAPSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
gzip -dc tests/old-files/first-edition-compare.h5.gz > "$tmp/old.h5" || { echo "FAIL: gunzip"; exit 1; }

"$CAPSIM" summary "$tmp/old.h5" > "$tmp/summary" 2> "$tmp/err" || fail "summary of a first-edition file: $(cat "$tmp/err")"
# This build's key totals add the expected-shortfall columns ES5 and ES95 (`n/a` for a
# file written before them) and a legend line; without those, and with runs of blanks
# squeezed (the columns are narrower now), the text must be the old build's, number for number.
# A difference that is 0 on every path now reads "all equal" (and a legend line says so)
# where the old build printed P(better) 0.0%: mapped back here.
tail -n +2 "$tmp/summary" | grep -v '^  (ES5: \|^  (all equal: ' | sed -e 's/ ES5 / /; s/ ES95$//; s/ n\/a//g' \
    | sed 's/ all equal$/ 0.0%/' | tr -s ' ' | sed 's/ *$//' > "$tmp/summary.body"
tr -s ' ' < tests/old-files/first-edition-compare.summary | sed 's/ *$//' > "$tmp/summary.old"
grep -q ' n/a ' "$tmp/summary" || fail "summary of a first-edition file: no n/a in the ES columns"
cmp -s "$tmp/summary.body" "$tmp/summary.old" ||
    { fail "summary of a first-edition file differs from the old build's"; diff "$tmp/summary.old" "$tmp/summary.body" | head -10; }
"$CAPSIM" export "$tmp/old.h5" --csv "$tmp/csv" > /dev/null 2> "$tmp/err" || fail "export of a first-edition file: $(cat "$tmp/err")"
[ -s "$tmp/csv/totals.csv" ] || fail "export of a first-edition file wrote no totals.csv"

# Files of the second edition (before owned capacity and cash, docs/MODEL.md 5, "Owned capacity" and "Cash":
# no pv_capex, residual_value, cash, min_cash, peak_funding_need, months_cash_negative).
# tests/old-files/second-edition-compare.h5.gz was written by git cbb32dc4156d with the
# same command as above; its .summary is that build's summary less the first line. This
# build's summary of it must be the same text (no cash column: the file has no cash),
# "all equal" and its legend line aside (as above), and export must read it.
gzip -dc tests/old-files/second-edition-compare.h5.gz > "$tmp/second.h5" || { echo "FAIL: gunzip"; exit 1; }
"$CAPSIM" summary "$tmp/second.h5" > "$tmp/summary2" 2> "$tmp/err" || fail "summary of a second-edition file: $(cat "$tmp/err")"
tail -n +2 "$tmp/summary2" | grep -v '^  (all equal: ' | sed 's/     all equal$/          0.0%/' > "$tmp/summary2.body"
grep -q ' all equal$' "$tmp/summary2" || fail "summary of a second-edition file: no 'all equal' row"
cmp -s "$tmp/summary2.body" tests/old-files/second-edition-compare.summary ||
    { fail "summary of a second-edition file differs from the old build's"; diff tests/old-files/second-edition-compare.summary "$tmp/summary2.body" | head -10; }
"$CAPSIM" export "$tmp/second.h5" --csv "$tmp/csv2" > /dev/null 2> "$tmp/err" || fail "export of a second-edition file: $(cat "$tmp/err")"
[ -s "$tmp/csv2/totals.csv" ] || fail "export of a second-edition file wrote no totals.csv"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "first- and second-edition files read as before"
