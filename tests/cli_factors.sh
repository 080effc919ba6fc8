#!/bin/sh
# Command-line tests of common factors (docs/MODEL.md 12, "Common factors"):
# `check` prints them and its output loads to itself; `--set` and `sweep --vary` address
# a loading as factors.FACTOR.GLOB; adding a factor moves no draw of a value it does not
# tie in (run A and A + factor with one seed: /params of the others bitwise equal, of the
# later loaded value not); results are bitwise the same for 1 and 3 threads and for
# shards merged, with random and lhs sampling; `compare` A with A + factor runs.
set -u
: "${CAPSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { # expected-rc description command...
    want=$1; what=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    [ "$got" -eq "$want" ] || { fail "$what: exit $got, expected $want"; cat "$tmp/err"; }
}
same() { # description a.h5 b.h5 objects...
    what=$1; a=$2; b=$3; shift 3
    for g in "$@"; do
        h5diff -r "$a" "$b" "$g" "$g" > "$tmp/diff" 2>&1 ||
            { fail "$what: $g differs"; grep -v '^attribute\|^0 differences' "$tmp/diff" | head -8; }
    done
}

cat > "$tmp/a.yaml" <<'YAML'
scenario: { name: factors-a, start: 2025-01, months: 24 }
simulation: { paths: 3000, seed: 5 }
chips:
  h100: { h100e: 1, kw: 1.6, life_months: 72 }
clouds:
  aws: {}
demand:
  - { name: a, start_h100e: 3000, growth: { dist: lognormal, median: 2, sigma: 0.3 }, chips: { h100: 1 } }
contracts:
  - name: nv-1
    cloud: aws
    from: 2025-01
    to: 2026-12
    billing: reserved
    price: { h100: 2 }
    capacity:
      - { chip: h100, count: 1000, online: 2025-03, delay_months: { dist: gamma, mean: 3, sd: 2 },
          fulfilled: { dist: beta, mean: 0.9, sd: 0.05 } }
      - { chip: h100, count: 1000, online: 2025-06, delay_months: { dist: gamma, mean: 3, sd: 2 } }
  - name: nv-2
    cloud: aws
    from: 2025-01
    to: 2026-12
    billing: reserved
    price: { h100: 2 }
    capacity:
      - { chip: h100, count: 2000, online: 2025-04, delay_months: { dist: gamma, mean: 3, sd: 2 } }
correlations:
  - [demand.a.growth, contracts.nv-1.capacity.0.fulfilled, 0.4]
YAML
{ sed 's/name: factors-a/name: factors-b/' "$tmp/a.yaml"; cat <<'YAML'
factors:
  nvidia_supply:
    contracts.*.capacity.*.delay_months: 0.8
YAML
} > "$tmp/b.yaml"

# check: printed, and the printed scenario loads to itself
expect_rc 0 "check" "$CAPSIM" check "$tmp/b.yaml"
grep -Fxq '    "contracts.*.capacity.*.delay_months": 0.8   # matches 3 values' "$tmp/out" ||
    fail "check does not print the factor"
cp "$tmp/out" "$tmp/printed.yaml"
expect_rc 0 "check of the printed scenario" "$CAPSIM" check "$tmp/printed.yaml"
[ "$(tail -n +2 "$tmp/printed.yaml")" = "$(tail -n +2 "$tmp/out")" ] || fail "check output does not reload to itself"

# --set of a loading, and of a new factor
expect_rc 0 "--set a loading" "$CAPSIM" check "$tmp/b.yaml" \
    --set 'factors.nvidia_supply.contracts.*.capacity.*.delay_months=0.5' \
    --set 'factors.boom.demand.a.growth=0.3'
grep -Fxq '    "contracts.*.capacity.*.delay_months": 0.5   # matches 3 values' "$tmp/out" ||
    fail "--set did not change the loading"
grep -Fxq '    "demand.a.growth": 0.3   # matches 1 value' "$tmp/out" || fail "--set did not add a factor"
expect_rc 2 "--set a loading out of range" "$CAPSIM" check "$tmp/b.yaml" \
    --set 'factors.nvidia_supply.contracts.*.capacity.*.delay_months=1'
grep -Fq -- "--set:1:59: factors.nvidia_supply.contracts.*.capacity.*.delay_months: 1 is out of range (expected a loading in (-1, 1))" "$tmp/err" ||
    { fail "--set out of range: message"; cat "$tmp/err"; }

# common random numbers: A and A + factor
for s in random lhs; do
    expect_rc 0 "run A $s" "$CAPSIM" run "$tmp/a.yaml" --set simulation.sampling=$s --quiet -o "$tmp/a.$s.h5"
    expect_rc 0 "run B $s" "$CAPSIM" run "$tmp/b.yaml" --set simulation.sampling=$s --threads 1 --quiet -o "$tmp/b.$s.h5"
    same "unloaded values ($s)" "$tmp/a.$s.h5" "$tmp/b.$s.h5" \
        /params/demand_a_growth /params/contracts_nv_1_capacity_0_fulfilled
    h5diff -q "$tmp/a.$s.h5" "$tmp/b.$s.h5" /params/contracts_nv_2_capacity_0_delay_months \
        /params/contracts_nv_2_capacity_0_delay_months > /dev/null 2>&1 &&
        fail "$s: the factor did not move the later loaded value"
    expect_rc 0 "run B $s, 3 threads" "$CAPSIM" run "$tmp/b.yaml" --set simulation.sampling=$s --threads 3 --quiet -o "$tmp/b3.$s.h5"
    same "threads ($s)" "$tmp/b.$s.h5" "$tmp/b3.$s.h5" /stats /totals /params /sensitivity
    for i in 0 1; do
        expect_rc 0 "shard $i ($s)" "$CAPSIM" run "$tmp/b.yaml" --set simulation.sampling=$s \
            --superblock-paths 1024 --shard $i/2 --quiet -o "$tmp/b.$s.$i.h5"
    done
    expect_rc 0 "single ($s)" "$CAPSIM" run "$tmp/b.yaml" --set simulation.sampling=$s \
        --superblock-paths 1024 --quiet -o "$tmp/b.$s.single.h5"
    expect_rc 0 "merge ($s)" "$CAPSIM" merge "$tmp/b.$s.1.h5" "$tmp/b.$s.0.h5" --quiet -o "$tmp/b.$s.m.h5"
    same "shards merged ($s)" "$tmp/b.$s.single.h5" "$tmp/b.$s.m.h5" /stats /totals /params /sensitivity
done

# sweep over a loading; compare A with A + factor
expect_rc 0 "sweep --vary a loading" "$CAPSIM" sweep "$tmp/b.yaml" \
    --vary 'factors.nvidia_supply.contracts.*.capacity.*.delay_months=0,0.9' --paths 500 --quiet -o "$tmp/sw.h5"
expect_rc 0 "compare A B" "$CAPSIM" compare "$tmp/a.yaml" "$tmp/b.yaml" --paths 1000 --quiet -o "$tmp/cmp.h5"

[ "$fails" -eq 0 ] && echo "cli_factors: all passed"
[ "$fails" -eq 0 ]
