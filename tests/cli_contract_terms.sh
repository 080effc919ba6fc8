#!/bin/sh
# Command-line tests of the contract terms of docs/MODEL.md 5, "Commitments that follow delivery" and "Counterparty default"
# (min_spend.basis, default.per_year) through the generic machinery: --set creates and
# sets them, `capsim check` prints them and its output loads to itself, every sampling
# mode and antithetic pairs run, a run is bitwise the same for 1 and 3 threads and for
# 3 shards merged, and sweep's --vary reaches per_year. The series `defaulted` read back
# through `capsim export`: all 1 for per_year 1e9 (default in month 0), all 0 for a
# contract with per_year 0 or no default block.
set -u
: "${CAPSIM:?}" "${BUILD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_ok() { # description command...
    what=$1; shift
    "$@" > "$tmp/out" 2> "$tmp/err" || { fail "$what: exit $?"; cat "$tmp/err"; }
}
same() { # description a.h5 b.h5: every dataset of /stats and /totals, exactly
    for g in /stats /totals /params; do
        h5diff -r "$2" "$3" "$g" "$g" > "$tmp/diff" 2>&1 ||
            { fail "$1: $g differs"; grep -v '^attribute\|^0 differences' "$tmp/diff" | head -8; }
    done
}
sc=scenarios/multicloud-2026.yaml
# aws-2025 defaults at once; oracle-2027 at a sampled rate; azure-2025 never (rate 0);
# the others have no default block. Two contracts follow delivery, azure-2025 keeps its
# contracted floor (the shipped file says delivered for every floor).
set -- --set contracts.aws-2025.default.per_year=1e9 \
       --set contracts.azure-2025.min_spend.basis=contracted \
       --set 'contracts.oracle-2027.default.per_year={dist: uniform, min: 0.1, max: 0.5}' \
       --set contracts.azure-2025.default.per_year=0 \
       --set contracts.aws-2025.min_spend.basis=delivered \
       --set contracts.oracle-2027.min_spend.basis=delivered

# check: the keys are printed and the output loads to itself
expect_ok "check" "$CAPSIM" check "$sc" "$@"
cp "$tmp/out" "$tmp/a.yaml"
grep -q '^      basis: delivered$' "$tmp/a.yaml" || fail "check: no 'basis: delivered'"
grep -q '^      basis: contracted$' "$tmp/a.yaml" || fail "check: no 'basis: contracted'"
grep -q '^      per_year: {dist: uniform, min: 0.1, max: 0.5}' "$tmp/a.yaml" ||
    fail "check: no sampled per_year"
expect_ok "check of check's output" "$CAPSIM" check "$tmp/a.yaml"
[ "$(tail -n +2 "$tmp/a.yaml")" = "$(tail -n +2 "$tmp/out")" ] || fail "check: round trip differs"

# one contract's `defaulted` means (export's stats.csv) all equal to $3?
defaulted_all() { # csv contract value
    awk -F, -v c="$2" -v v="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["series"] == "defaulted" && $h["element"] == c && $h["statistic"] == "mean" {
            n++; if ($h["value"] + 0 != v) bad++ }
        END { exit !(n > 0 && bad == 0) }' "$1"
}

for mode in random lhs sobol saltelli antithetic; do
    if [ "$mode" = antithetic ]; then m="--set simulation.antithetic=true"; else m="--set simulation.sampling=$mode"; fi
    expect_ok "run $mode" "$CAPSIM" run "$sc" "$@" $m --paths 1000 --quiet -o "$tmp/$mode.h5"
    expect_ok "export $mode" "$CAPSIM" export "$tmp/$mode.h5" --csv "$tmp/$mode"
    defaulted_all "$tmp/$mode/stats.csv" aws-2025 1 || fail "$mode: aws-2025 defaulted is not 1 everywhere"
    defaulted_all "$tmp/$mode/stats.csv" azure-2025 0 || fail "$mode: azure-2025 defaulted is not 0"
    defaulted_all "$tmp/$mode/stats.csv" coreweave 0 || fail "$mode: coreweave defaulted is not 0"
    grep -q '^path,.*contracts.oracle-2027.default.per_year' "$tmp/$mode/params.csv" ||
        fail "$mode: per_year not among the sampled values"
done

# threads and shards: bitwise the same
expect_ok "run 1 thread" "$CAPSIM" run "$sc" "$@" --paths 3000 --threads 1 --quiet -o "$tmp/t1.h5"
expect_ok "run 3 threads" "$CAPSIM" run "$sc" "$@" --paths 3000 --threads 3 --quiet -o "$tmp/t3.h5"
same "threads 1 vs 3" "$tmp/t1.h5" "$tmp/t3.h5"
for i in 0 1 2; do
    expect_ok "shard $i/3" "$CAPSIM" run "$sc" "$@" --paths 3000 --shard "$i/3" --quiet -o "$tmp/s$i.h5"
done
expect_ok "merge" "$CAPSIM" merge "$tmp/s2.h5" "$tmp/s0.h5" "$tmp/s1.h5" --quiet -o "$tmp/m.h5"
same "3 shards merged" "$tmp/t1.h5" "$tmp/m.h5"

# sweep: --vary reaches per_year (a key the file does not have)
expect_ok "sweep" "$CAPSIM" sweep "$sc" --vary contracts.coreweave.default.per_year=0,1e9 \
    --paths 500 --quiet -o "$tmp/sw.h5"
expect_ok "export sweep" "$CAPSIM" export "$tmp/sw.h5" --csv "$tmp/sw"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["series"] == "defaulted" && $h["element"] == "coreweave" && $h["statistic"] == "mean" {
        if ($h["variant"] ~ /=0$/) { n0++; if ($h["value"] + 0 != 0) bad++ }
        else { n1++; if ($h["value"] + 0 != 1) bad++ } }
    END { exit !(n0 > 0 && n1 > 0 && bad == 0) }' "$tmp/sw/stats.csv" ||
    fail "sweep: coreweave defaulted is not 0 (per_year 0) and 1 (per_year 1e9)"

[ "$fails" -eq 0 ] && echo "cli_contract_terms: all passed"
[ "$fails" -eq 0 ]
