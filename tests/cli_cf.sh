#!/bin/sh
# The CF-1.8 attributes as netCDF's own reader shows them (docs/OUTPUT.md, "CF
# conventions"): `ncdump -h` of a run, a compare and a sweep file holds the lines below,
# exactly as ncdump prints them (tests/py_cf.py checks the values through xarray).
set -u
: "${CAPSIM:?}"
command -v ncdump > /dev/null 2>&1 || { echo "SKIP: ncdump (netcdf-bin) not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# has FILE.cdl LINE...: each LINE (a fixed string, tabs and indent aside) is a line of FILE.cdl
has() {
    f=$1; shift
    for line in "$@"; do
        sed 's/^[[:space:]]*//' "$f" | grep -Fxq -- "$line" || fail "$(basename "$f"): no line '$line'"
    done
}
# count FILE.cdl N LINE: LINE occurs exactly N times (once per group that should hold it)
count() {
    n=$(sed 's/^[[:space:]]*//' "$1" | grep -Fxc -- "$3")
    [ "$n" -eq "$2" ] || fail "$(basename "$1"): '$3' $n times, $2 expected"
}

S=scenarios
"$CAPSIM" run --paths 32 --save-paths 2 --quiet -o "$tmp/run.h5" || fail "run"
"$CAPSIM" compare $S/multicloud-2026.yaml $S/stress-demand-boom.yaml --paths 32 --quiet -o "$tmp/compare.h5" || fail "compare"
"$CAPSIM" sweep $S/multicloud-2026.yaml --vary scenario.discount_rate=0.05,0.1 --paths 32 --quiet \
    -o "$tmp/sweep.h5" || fail "sweep"
version=$("$CAPSIM" --version 2>/dev/null | awk '{print $2; exit}')   # capsim 0.1.0 (git ...)

for k in run compare sweep; do
    ncdump -h "$tmp/$k.h5" > "$tmp/$k.cdl" 2> "$tmp/err" || { fail "ncdump -h $k: $(cat "$tmp/err")"; continue; }
    has "$tmp/$k.cdl" ':Conventions = "CF-1.8" ;' ":source = \"capsim $version\" ;" \
        'time:bounds = "time_bnds" ;' 'double time_bnds(time, bnds) ;' 'bnds = 2 ;' \
        'spend_mean:cell_methods = "time: sum realization: mean" ;' \
        'spend_q:cell_methods = "time: sum" ;' \
        'cash_mean:cell_methods = "time: point (at the end of the month) realization: mean" ;' \
        'capacity_sd:cell_methods = "time: mean realization: standard_deviation" ;' \
        'path:standard_name = "realization" ;'
    grep -Eq "^		:history = \"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z: [^\"]*capsim $k " "$tmp/$k.cdl" ||
        fail "$k: no history line 'TIME: ... capsim $k ...'"
    # /params: CF-safe names, key paths in key_path
    sed -n '/^group: params {/,/^  } \/\/ group params/p' "$tmp/$k.cdl" > "$tmp/$k.params"
    has "$tmp/$k.params" 'demand_chatgpt_growth:key_path = "demand.chatgpt.growth" ;' \
        'contracts_oracle_2027_capacity_0_fulfilled:key_path = "contracts.oracle-2027.capacity.0.fulfilled" ;'
    grep -E '^	double [^ (]*\.[^ (]*\((variant, )?path\)' "$tmp/$k.params" && fail "$k: a /params variable with a dot in its name"
done
# time_bnds in /stats and /paths of the run, /stats and /diff of the compare; the path
# coordinate in /totals, /params and /paths of the run
count "$tmp/run.cdl" 2 'double time_bnds(time, bnds) ;'
count "$tmp/compare.cdl" 2 'double time_bnds(time, bnds) ;'
count "$tmp/run.cdl" 3 'path:standard_name = "realization" ;'
has "$tmp/run.cdl" 'spend:cell_methods = "time: sum" ;' 'cash:cell_methods = "time: point (at the end of the month)" ;'
# the sweep's varied coordinate, with its units, in every group over variant (/stats,
# /diff, /totals, /params, /sensitivity)
count "$tmp/sweep.cdl" 5 'scenario.discount_rate:units = "1 per year" ;'
count "$tmp/sweep.cdl" 5 'scenario.discount_rate:long_name = "varied value of scenario.discount_rate" ;'

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ncdump shows the CF attributes of run, compare and sweep files"
