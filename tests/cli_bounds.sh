#!/bin/sh
# Command-line tests of the input bounds (docs/MODEL.md "Input limits"): every number of
# the command line that reaches the engine is parsed strictly and capped (--paths and
# --save-paths at 1e12 as simulation.paths in a file, --threads 1..4096, --shard i/n
# with n up to 1000000, --superblock-paths a multiple of 512 up to 1e12), with exit 2
# and a message naming the option; whole-month fields that the model turns into
# integers (ramp_months, delay_months) and the jump rate are bounded: a constant out of
# range is refused, a distribution's draw is clamped by the documented rule (a delay
# drawn past every date means "never online", exactly as a constant delay of 1000000);
# and `sweep` refuses a key path varied twice at parse time.
# Needs CAPSIM (the binary); run from the repository root.
set -u
: "${CAPSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# A broken build may loop (a jump rate of 1e9, 1e13 paths): never wait for long.
if command -v timeout > /dev/null 2>&1; then T="timeout ${CLI_BOUNDS_TIMEOUT:-120}"; else T=; fi
# expect_rc RC DESCRIPTION PATTERN COMMAND...: exit RC and, when PATTERN is not empty,
# a line of stderr containing it.
expect_rc() {
    want=$1; what=$2; pat=$3; shift 3
    $T "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$what: exit $got, expected $want"; head -5 "$tmp/err"
    elif [ -n "$pat" ] && ! grep -Fq -- "$pat" "$tmp/err"; then
        fail "$what: stderr lacks '$pat'"; head -5 "$tmp/err"
    fi
}

sc=$tmp/small.yaml
cat > "$sc" << 'EOF'
scenario: { name: small, start: 2025-01, months: 12 }
simulation: { paths: 200, seed: 7 }
chips:
  h100: { h100e: 1, kw: 1.6, life_months: 72 }
clouds:
  azure: { power_mw: { start: 100, add_per_month: 1 } }
demand:
  - name: inference
    start_h100e: 1000
    growth: 2
    jumps: { per_year: 1, size: 1.1 }
    chips: { h100: 1 }
contracts:
  - name: c1
    cloud: azure
    from: 2025-01
    to: 2026-12
    billing: reserved
    price: { h100: 2 }
    capacity:
      - { chip: h100, count: 1000, online: 2025-02, ramp_months: 3 }
      - { chip: h100, count: 500, online: 2025-04, ramp_months: 2 }
EOF
out=$tmp/o.h5
expect_rc 0 "the small scenario runs" "" "$CAPSIM" run "$sc" --quiet -o "$out"

# ---- numbers on the command line (item 4) ----
for v in 18446744073709551615 18446744073709551616 -1 " -1" "" 1e3x 0x10 " 5" 0 1e13 1000000000001; do
    expect_rc 2 "--paths '$v'" "--paths" "$CAPSIM" run "$sc" --paths "$v" --quiet -o "$out"
done
expect_rc 0 "--paths 1e3 (a whole number in exponent form)" "" "$CAPSIM" run "$sc" --paths 1e3 --quiet -o "$out"
expect_rc 0 "--paths 300" "" "$CAPSIM" run "$sc" --paths 300 --quiet -o "$out"
for v in 18446744073709551615 1000000000001 -1 ""; do
    expect_rc 2 "--save-paths '$v'" "--save-paths" "$CAPSIM" run "$sc" --save-paths "$v" --quiet -o "$out"
done
for v in 0 4097 -1 " 2" 1e9 18446744073709551617; do
    expect_rc 2 "--threads '$v'" "--threads" "$CAPSIM" run "$sc" --threads "$v" --quiet -o "$out"
done
for v in 18446744073709551104 1000000000512 0 100 -512; do
    expect_rc 2 "--superblock-paths '$v'" "--superblock-paths" \
        "$CAPSIM" run "$sc" --superblock-paths "$v" --quiet -o "$out"
done
for v in 0/0 1/1 0/1000001 -1/2 " 0/2" 0/18446744073709551617 0/ /2; do
    expect_rc 2 "--shard '$v'" "--shard" "$CAPSIM" run "$sc" --shard "$v" --quiet -o "$out"
done
for v in 18446744073709551616 -1 " 1" 1.5; do
    expect_rc 2 "--seed '$v'" "--seed" "$CAPSIM" run "$sc" --seed "$v" --quiet -o "$out"
done
expect_rc 0 "--seed 18446744073709551615" "" "$CAPSIM" run "$sc" --seed 18446744073709551615 --quiet -o "$out"
# The file's cap is the command line's.
expect_rc 2 "simulation.paths above 1e12" "simulation.paths" "$CAPSIM" check "$sc" --set simulation.paths=1000000000001
expect_rc 0 "simulation.paths of 1e12" "" "$CAPSIM" check "$sc" --set simulation.paths=1e12

# ---- whole months that the model makes integers (item 3) ----
tr=contracts.c1.capacity.0
expect_rc 2 "a constant ramp of 3e9 months" "$tr.ramp_months" "$CAPSIM" run "$sc" --set "$tr.ramp_months=3e9" --quiet -o "$out"
expect_rc 2 "a constant delay of 3e9 months" "$tr.delay_months" "$CAPSIM" run "$sc" --set "$tr.delay_months=3e9" --quiet -o "$out"
expect_rc 2 "a constant jump rate of 1e9 a year" "demand.inference.jumps.per_year" \
    "$CAPSIM" run "$sc" --set demand.inference.jumps.per_year=1e9 --quiet -o "$out"
# The default scenario's key (the example of the issue).
expect_rc 2 "contracts.aws-2025.capacity.0.ramp_months=3e9" "ramp_months" \
    "$CAPSIM" run --set contracts.aws-2025.capacity.0.ramp_months=3e9 --paths 100 --quiet -o "$out"

# A delay drawn past every date never comes online: the run equals the one with the
# largest constant delay (1000000 months), on the same random numbers (the streams are
# keyed by key path, so one more uncertain value changes no other draw). Chips that never
# retire (a life of 1e12 months) leave nothing to chance: a start wrapped to a negative
# month would put them in service at once.
life="chips.h100.life_months=1e12"
totals() { # FILE: the lines of the key totals of its summary
    "$CAPSIM" summary "$1" | sed -n '/^Key totals/,/^$/p' | grep -E '^  (pv_|unmet|months_short|outstanding)'
}
expect_rc 0 "never (constant delay 1e6)" "" "$CAPSIM" run "$sc" --set "$life" --set "$tr.delay_months=1e6" --quiet -o "$tmp/never.h5"
for median in 1e9 1e10 1e300; do
    expect_rc 0 "a lognormal delay of median $median" "" "$CAPSIM" run "$sc" --set "$life" \
        --set "$tr.delay_months={dist: lognormal, median: $median, sigma: 0.5}" --quiet -o "$tmp/d.h5"
    if [ -s "$tmp/d.h5" ] && [ -s "$tmp/never.h5" ]; then
        totals "$tmp/never.h5" > "$tmp/a.txt"; totals "$tmp/d.h5" > "$tmp/b.txt"
        [ -s "$tmp/a.txt" ] || fail "no key totals in the summary"
        cmp -s "$tmp/a.txt" "$tmp/b.txt" ||
            { fail "a lognormal delay of median $median is not 'never online'"; diff "$tmp/a.txt" "$tmp/b.txt" | head -6; }
    fi
    rm -f "$tmp/d.h5"
done
# A ramp drawn above the bound is a ramp of 1000000 months: finite, non-negative spend.
expect_rc 0 "a lognormal ramp of median 1e10" "" "$CAPSIM" run "$sc" \
    --set "$tr.ramp_months={dist: lognormal, median: 1e10, sigma: 0.5}" --quiet -o "$tmp/r.h5"
if [ -s "$tmp/r.h5" ]; then
    "$CAPSIM" summary "$tmp/r.h5" | grep -E '^  pv_spend ' > "$tmp/pv.txt"
    grep -q '\$' "$tmp/pv.txt" || fail "no pv_spend line"
    grep -q -- '-\$\|nan\|inf' "$tmp/pv.txt" && { fail "nonsense pv_spend with a huge ramp"; cat "$tmp/pv.txt"; }
fi
# A jump rate drawn above 1000 a year is clamped there: the run ends.
expect_rc 0 "a lognormal jump rate of median 1e9 a year" "" "$CAPSIM" run "$sc" --paths 20 \
    --set "demand.inference.jumps.per_year={dist: lognormal, median: 1e9, sigma: 0.5}" --quiet -o "$tmp/j.h5"

# ---- sweep: a key varied twice (item 8) ----
expect_rc 2 "sweep varying one key twice" "demand.inference.growth" \
    "$CAPSIM" sweep "$sc" --vary demand.inference.growth=1,2 --vary demand.inference.growth=3,4 --quiet -o "$tmp/s.h5"
grep -q "twice" "$tmp/err" || fail "sweep: the message says the key is varied twice"
[ -e "$tmp/s.h5" ] && fail "sweep varying one key twice wrote a file"
# ... and spelled two ways: by the element's name and by its index
idx=$(awk '/^demand:/ {d = 1; n = 0; next} d && /^  - name:/ {if ($3 == "inference") {print n; exit} n++}' "$sc")
expect_rc 2 "sweep varying one key spelled two ways" "both vary the key path demand.inference.growth" \
    "$CAPSIM" sweep "$sc" --vary demand.inference.growth=1,2 --vary "demand.$idx.growth=3,4" --quiet -o "$tmp/s.h5"
[ -e "$tmp/s.h5" ] && fail "sweep varying one key spelled two ways wrote a file"
# start:stop:count takes numbers only, and says so (words and months are listed:
# tests/cli_sweep_values.sh), and what a count must be
expect_rc 2 "sweep of a range of months" "'2025-11' is not a number (start:stop:count takes numbers" \
    "$CAPSIM" sweep "$sc" --vary contracts.aws-2025.from=2025-11:2026-05:3 --quiet -o "$tmp/s.h5"
expect_rc 2 "sweep count 0" "count '0' of start:stop:count: expected a whole number from 1 to 10000" \
    "$CAPSIM" sweep "$sc" --vary demand.inference.growth=1:3:0 --quiet -o "$tmp/s.h5"
[ -e "$tmp/s.h5" ] && fail "a refused sweep wrote a file"
expect_rc 0 "sweep varying two keys" "" \
    "$CAPSIM" sweep "$sc" --vary demand.inference.growth=1,2 --vary demand.inference.start_h100e=500,900 \
    --paths 100 --quiet -o "$tmp/s.h5"

[ "$fails" -eq 0 ] && echo "cli_bounds: all passed"
[ "$fails" -eq 0 ]
