#!/bin/sh
# sweep --vary with values other than numbers (README "Command line"): words
# (billing=reserved,usage), months (exclusive.until=2026-04,2026-09) and inline
# distributions (split at commas outside {...}), each variant labelled key=value with the
# value as written and equal, statistic for statistic, to a run with --set of that value;
# a numeric axis beside them stays a coordinate of the file, the others do not. Errors:
# one line each, exit 2, no file: an unclosed {, an empty value, a range of months, a
# value the scenario refuses (at --set:K:COL with its key path).
# Needs CAPSIM (the binary); run from the repository root.
set -u
: "${CAPSIM:?}"
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c "import h5py" 2> /dev/null || { echo "SKIP: no h5py for $PY"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
sc=tests/schema/every-key.yaml
P="--paths 300 -q"

# labels and, for variant K, the mean of pv_spend and pv_net_value (summary --json)
labels() { "$CAPSIM" summary --json "$1" | "$PY" -c 'import json,sys; print("|".join(v["label"] for v in json.load(sys.stdin)["variants"]))'; }
means() {  # means FILE K
    "$CAPSIM" summary --json "$1" | "$PY" -c 'import json,sys; v=json.load(sys.stdin)["variants"][int(sys.argv[1])]["key_totals"]; print(repr(v["pv_spend"]["mean"]), repr(v["pv_net_value"]["mean"]))' "$2"
}
# same_as_run WHAT SWEEP.h5 K SET: variant K of the sweep has the statistics of a run with --set SET
same_as_run() {
    "$CAPSIM" run "$sc" $P --set "$4" -o "$tmp/run.h5" || { fail "$1: run --set '$4' failed"; return; }
    a=$(means "$2" "$3"); b=$(means "$tmp/run.h5" 0)
    [ "$a" = "$b" ] && ok "$1: variant $3 = run --set '$4' ($a)" || fail "$1: variant $3 $a, run $b"
}

# --- words --------------------------------------------------------------------------
if "$CAPSIM" sweep "$sc" --vary contracts.azure-main.billing=reserved,usage $P -o "$tmp/w.h5" 2> "$tmp/err"; then
    l=$(labels "$tmp/w.h5")
    [ "$l" = "contracts.azure-main.billing=reserved|contracts.azure-main.billing=usage" ] \
        && ok "words: labels $l" || fail "words: labels $l"
    same_as_run "words" "$tmp/w.h5" 1 contracts.azure-main.billing=usage
else
    fail "sweep of billing=reserved,usage: $(cat "$tmp/err")"
fi

# --- months -------------------------------------------------------------------------
if "$CAPSIM" sweep "$sc" --vary contracts.azure-main.exclusive.until=2026-04,2026-09 $P -o "$tmp/m.h5" 2> "$tmp/err"; then
    l=$(labels "$tmp/m.h5")
    [ "$l" = "contracts.azure-main.exclusive.until=2026-04|contracts.azure-main.exclusive.until=2026-09" ] \
        && ok "months: labels $l" || fail "months: labels $l"
    same_as_run "months" "$tmp/m.h5" 1 contracts.azure-main.exclusive.until=2026-09
else
    fail "sweep of exclusive.until months: $(cat "$tmp/err")"
fi

# --- inline distributions, and a numeric axis beside a non-numeric one ---------------
d1='{dist: lognormal, median: 1.8, sigma: 0.2}'
d2='{dist: normal, p10: 1.5, p90: 2.5, min: 0.1}'
if "$CAPSIM" sweep "$sc" --vary "demand.inference.growth=$d1, $d2" --vary scenario.discount_rate=0.05,0.1 \
    $P -o "$tmp/d.h5" 2> "$tmp/err"; then
    l=$(labels "$tmp/d.h5")
    want="demand.inference.growth=$d1;scenario.discount_rate=0.05|demand.inference.growth=$d1;scenario.discount_rate=0.1"
    want="$want|demand.inference.growth=$d2;scenario.discount_rate=0.05|demand.inference.growth=$d2;scenario.discount_rate=0.1"
    [ "$l" = "$want" ] && ok "distributions: four labels, values as written" || fail "distributions: labels $l"
    "$CAPSIM" run "$sc" $P --set "demand.inference.growth=$d2" --set scenario.discount_rate=0.1 -o "$tmp/run.h5"
    a=$(means "$tmp/d.h5" 3); b=$(means "$tmp/run.h5" 0)
    [ "$a" = "$b" ] && ok "distributions: variant 3 = run with both --set" || fail "distributions: $a vs $b"
    coords=$("$PY" -c 'import h5py,sys; f=h5py.File(sys.argv[1]); print(sorted(k for k in f["stats"] if "." in k), list(f["stats"]["scenario.discount_rate"][()]))' "$tmp/d.h5")
    [ "$coords" = "['scenario.discount_rate'] [0.05, 0.1, 0.05, 0.1]" ] \
        && ok "only the numeric axis is a coordinate: $coords" || fail "coordinates: $coords"
else
    fail "sweep of distributions: $(cat "$tmp/err")"
fi

# --- errors: one line, exit 2, no file ----------------------------------------------
refused() {   # refused WHAT PATTERN ARGS...
    what=$1; pat=$2; shift 2
    rm -f "$tmp/bad.h5"
    "$CAPSIM" sweep "$sc" "$@" -q -o "$tmp/bad.h5" > "$tmp/out" 2> "$tmp/err"; rc=$?
    if [ "$rc" -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -qF -- "$pat" "$tmp/err" && [ ! -e "$tmp/bad.h5" ]; then
        ok "$what: $(cat "$tmp/err")"
    else
        fail "$what: exit $rc: $(cat "$tmp/err")"
    fi
}
refused "an unclosed {" "an unclosed { or [" --vary 'demand.inference.growth={dist: normal, mean: 1'
refused "a } alone" "a } or ] without its opening" --vary 'demand.inference.growth=1},2'
refused "an empty value" "an empty value in the list" --vary 'demand.inference.growth=1,,2'
refused "a range of months" "'2026-01' is not a number (start:stop:count takes numbers" \
    --vary contracts.azure-main.from=2026-01:2026-05:3
refused "a word the scenario refuses" "--set:1:30: contracts.azure-main.billing: unknown value 'rented'" \
    --vary contracts.azure-main.billing=reserved,rented
refused "a distribution out of the field's range" "demand.inference.growth: normal distribution can take values below 0" \
    --vary 'demand.inference.growth=2,{dist: normal, mean: 2, sd: 1}'

[ "$fails" -eq 0 ] && echo "cli_sweep_values: all passed" || { echo "cli_sweep_values: $fails failure(s)"; exit 1; }
