#!/bin/sh
# simulation.quantiles (docs/SCENARIO.md, docs/OUTPUT.md "Which quantiles"): all | totals |
# a list of monthly series. A run that keeps fewer quantiles writes every other dataset
# with the very bits of the `all` run (means, sds, totals and their exact quantiles,
# sensitivity, paths), the kept series' NAME_q too, and leaves out only the NAME_q of
# the series it drops (and in /diff their NAME_pneg, from the same sketch); the root
# attribute quantiles says which. The same for compare (from the first file), for
# shards merged, and through summary, export and plot.py. Bad values: exit 2 with
# file:line:col, nothing written.
# Needs CAPSIM (the binary); run from the repository root.
set -u
: "${CAPSIM:?}"
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
sc=scenarios/multicloud-2026.yaml
alt=scenarios/no-aws-expansion.yaml
# 2,600 paths in superblocks of 1,024: sketches (beyond the exact budget of 2,048 paths),
# parts merged into the run, and a last superblock that is not full
run="--paths 2600 --superblock-paths 1024 --threads 2 -q"

# same FILE REF KEPT: every dataset of REF is in FILE with the same bits, except the
# NAME_q and /diff NAME_pneg of monthly series not in KEPT (all | totals | a,b), which
# must be absent; FILE's root attribute quantiles is KEPT. Run attributes may differ.
same() {
    "$PY" - "$1" "$2" "$3" <<'EOF'
import sys
import h5py
import numpy as np
fname, rname, kept = sys.argv[1:]
SERIES = ["demand", "served", "unmet", "capacity", "used", "utilisation", "power_needed", "power_available",
          "spend", "stranded", "spot_spend", "revenue", "turned_down_revenue", "revenue_share", "value_lost",
          "defaulted", "exercised", "cash"]
keep = set(SERIES) if kept == "all" else set() if kept == "totals" else set(kept.split(","))
bad, dropped, compared = [], 0, 0
with h5py.File(fname, "r") as f, h5py.File(rname, "r") as r:
    ref_all = r.attrs.get("quantiles") in ("all", b"all")
    got = f.attrs.get("quantiles")
    got = got.decode() if isinstance(got, bytes) else got
    if got != kept:
        bad.append(f"root attribute quantiles is {got!r}, expected {kept!r}")
    def visit(name, obj):
        global dropped, compared
        if not isinstance(obj, h5py.Dataset) or name.startswith("shard"):
            return
        base = name.rsplit("/", 1)[-1]
        group = name.split("/", 1)[0]
        series, _, stat = base.rpartition("_")
        leaves = group in ("stats", "diff") and series in SERIES and series not in keep and \
            (stat == "q" or (stat == "pneg" and group == "diff"))
        if leaves:
            dropped += 1
            if name in f:
                bad.append(f"/{name}: present, where {kept} leaves it out")
            return
        if name not in f:
            bad.append(f"/{name}: missing")
            return
        a, b = f[name][()], obj[()]
        compared += 1
        if a.dtype.kind == "f":
            if a.shape != b.shape or a.tobytes() != b.tobytes():
                bad.append(f"/{name}: differs")
        elif not np.array_equal(a, b):
            bad.append(f"/{name}: differs")
    r.visititems(visit)
if kept != "all" and dropped == 0 and ref_all:
    bad.append("nothing left out: the reference holds no quantiles of the dropped series")
print(f"{compared} datasets the same bits, {dropped} left out")
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
EOF
}

"$CAPSIM" run "$sc" $run -o "$tmp/all.h5" || fail "run (all)"
for kept in totals "unmet,spend,cash"; do
    list=$(echo "$kept" | sed 's/^\(.*,.*\)$/[\1]/')
    "$CAPSIM" run "$sc" $run --set "simulation.quantiles=$list" -o "$tmp/q.h5" || fail "run ($kept)"
    same "$tmp/q.h5" "$tmp/all.h5" "$kept" > "$tmp/out" 2>&1 && ok "run, quantiles $kept: $(tail -1 "$tmp/out")" \
        || fail "run, quantiles $kept: $(cat "$tmp/out")"
done
"$CAPSIM" run "$sc" $run --set "simulation.quantiles=[unmet, spend, cash]" -o "$tmp/list.h5"
got=$("$PY" -c 'import sys, h5py; q = h5py.File(sys.argv[1], "r").attrs["quantiles"]; print(q.decode() if isinstance(q, bytes) else q)' "$tmp/all.h5")
[ "$got" = all ] && ok "the default is all (attribute quantiles: all)" || fail "the default run's attribute quantiles: '$got'"
# a list in the file, with extends
printf 'extends: %s/%s\nsimulation:\n  quantiles: [cash, unmet]\n' "$PWD" "$sc" > "$tmp/list.yaml"
"$CAPSIM" run "$tmp/list.yaml" $run -o "$tmp/file.h5" || fail "run of a file with a list"
same "$tmp/file.h5" "$tmp/all.h5" "unmet,cash" > "$tmp/out" 2>&1 && ok "a list in the file: in the results file's order" \
    || fail "a list in the file: $(cat "$tmp/out")"
"$CAPSIM" check "$tmp/list.yaml" | grep -q '^  quantiles: \[unmet, cash\]$' && ok "check prints the list" \
    || fail "check: $("$CAPSIM" check "$tmp/list.yaml" | grep quantiles)"

# compare: the first file's setting for both; /diff too
"$CAPSIM" compare "$sc" "$alt" $run -o "$tmp/call.h5" || fail "compare (all)"
"$CAPSIM" compare "$sc" "$alt" $run --set simulation.quantiles=totals -o "$tmp/ctot.h5" || fail "compare (totals)"
same "$tmp/ctot.h5" "$tmp/call.h5" totals > "$tmp/out" 2>&1 && ok "compare, totals: $(tail -1 "$tmp/out")" \
    || fail "compare, totals: $(cat "$tmp/out")"

# shards of a totals run merge to the single run's bits
for i in 0 1; do
    "$CAPSIM" run "$sc" $run --set simulation.quantiles=totals --shard "$i/2" -o "$tmp/s$i.h5" || fail "shard $i"
done
"$CAPSIM" run "$sc" $run --set simulation.quantiles=totals -o "$tmp/tot.h5"
"$CAPSIM" merge "$tmp/s0.h5" "$tmp/s1.h5" -o "$tmp/merged.h5" -q || fail "merge"
same "$tmp/merged.h5" "$tmp/tot.h5" totals > "$tmp/out" 2>&1 && ok "shards merged: the single run's bits" \
    || fail "shards merged: $(cat "$tmp/out")"

# the readers
"$CAPSIM" summary "$tmp/tot.h5" > "$tmp/sum" && grep -q 'pv_net_value' "$tmp/sum" && ok "summary reads a totals file" \
    || fail "summary of a totals file"
"$CAPSIM" summary --json "$tmp/ctot.h5" > /dev/null && ok "summary --json reads a totals compare" \
    || fail "summary --json of a totals compare"
"$CAPSIM" export "$tmp/list.h5" --csv "$tmp/csv" && grep -q '^unmet,.*,q0.5,' "$tmp/csv/stats.csv" 2>/dev/null \
    && ! grep -q '^demand,.*,q0.5,' "$tmp/csv/stats.csv" && ok "export: the kept series' quantiles only" \
    || fail "export: $(grep -m3 ',q0' "$tmp/csv/stats.csv")"
if "$PY" -c 'import h5py, xarray, matplotlib' 2> /dev/null; then
    "$PY" output/plot.py "$tmp/ctot.h5" -o "$tmp/plots" > /dev/null 2> "$tmp/err" && [ -s "$tmp/plots/fan_unmet.png" ] \
        && [ -s "$tmp/plots/diff_fan_unmet.png" ] && ok "plot.py draws the means of a totals compare" \
        || fail "plot.py on a totals compare: $(cat "$tmp/err")"
else
    echo "skip: plot.py (no h5py, xarray or matplotlib)"
fi

# bad values: exit 2, file:line:col: key.path, nothing written
bad() {   # bad WHAT YAML-VALUE EXPECTED-TEXT
    printf 'extends: %s/%s\nsimulation:\n  quantiles: %s\n' "$PWD" "$sc" "$2" > "$tmp/bad.yaml"
    "$CAPSIM" run "$tmp/bad.yaml" --paths 100 -q -o "$tmp/bad.h5" 2> "$tmp/err"
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q "$3" "$tmp/err" && [ ! -e "$tmp/bad.h5" ]; then ok "$1: $(head -1 "$tmp/err")"
    else fail "$1: rc $rc, $(cat "$tmp/err")"; fi
}
bad "an unknown series" "[unmet, spnd]" "bad.yaml:3:22: simulation.quantiles.1: unknown monthly series 'spnd' (did you mean 'spend'?)"
bad "a series twice" "[unmet, unmet]" "bad.yaml:3:22: simulation.quantiles.1: 'unmet' is listed twice"
bad "another word" "some" "bad.yaml:3:14: simulation.quantiles: found 'some' (expected all, totals, or a list"
bad "a mapping" "{a: 1}" "bad.yaml:3:14: simulation.quantiles: found a mapping"
bad "a total is not a series" "[pv_spend]" "unknown monthly series 'pv_spend'"

[ "$fails" -eq 0 ] && echo "cli_quantiles: all passed" || { echo "cli_quantiles: $fails failed"; exit 1; }
