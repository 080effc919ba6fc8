#!/bin/sh
# cli_extends.sh: scenario composition on the command line (README, "Scenario files":
# extends, remove, merge keys).
#   - a flat file and base + overlay (merge by name, an appended entry, remove, a
#     distribution tweaked by one key, merge keys, a chain of two extends) that resolve
#     to the same scenario give bitwise identical results (run -o, every group), with
#     --set on top too, and `compare flat overlay` gives differences of exactly zero;
#   - the scenario text stored in the results file is self-contained: with the base
#     files gone, it runs again to the same results, and shards of the overlay merge to
#     the very file of a whole run;
#   - `sweep --vary` over a key the overlay inherits;
#   - `check --origins` marks inherited values with # from FILE:LINE and --set values;
#   - a scenario on standard input resolves extends against the current directory;
#   - bad input: exit 2, nothing on stdout, the error at the extends value.
set -u
: "${CAPSIM:?}"
PY=${PYTHON:-python3}
CAPSIM=$(cd "$(dirname "$CAPSIM")" && pwd)/$(basename "$CAPSIM")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
same() { # description a.h5 b.h5: every top-level group bitwise equal
    what=$1; a=$2; b=$3
    groups=$(h5ls "$a" | awk '{print $1}')
    [ -n "$groups" ] || { fail "$what: no groups in $a"; return; }
    [ "$groups" = "$(h5ls "$b" | awk '{print $1}')" ] || fail "$what: different groups"
    for g in $groups; do
        h5diff -r "$a" "$b" "/$g" "/$g" > "$tmp/diff" 2>&1 ||
            { fail "$what: /$g differs"; grep -v '^attribute\|^0 differences' "$tmp/diff" | head -8; }
    done
}
mkdir -p "$tmp/lib" "$tmp/work"

cat > "$tmp/lib/base.yaml" <<'YAML'
scenario: { name: base, start: 2025-11, months: 36 }
simulation: { paths: 4000, seed: 11 }
chips:
  gb200: &chip { h100e: 2.5, kw: 2.1, life_months: 72 }
  h100: { <<: *chip, h100e: 1.0 }
  trainium3: { h100e: 0.7, kw: 1.0, life_months: 60 }
clouds:
  aws: { power_mw: { start: 200, add_per_month: 60 } }
  google: { power_mw: { start: 100, add_per_month: 20 } }
demand:
  - name: inference
    start_h100e: 400000
    growth: { dist: lognormal, median: 2.0, sigma: 0.3 }
    volatility: 0.2
    usd_per_h100e_hour: 3.0
    priority: 1
    chips: { gb200: 1.0, h100: 0.6, trainium3: 0.8 }
  - name: training
    start_h100e: 200000
    growth: { dist: lognormal, median: 1.8, sigma: 0.2 }
    usd_per_h100e_hour: 2.0
    priority: 2
    chips: { gb200: 1.0, h100: 0.5 }
contracts:
  - name: aws-2025
    cloud: aws
    from: 2025-11
    to: 2028-10
    billing: reserved
    price: { gb200: 3.2, h100: 2.0 }
    capacity:
      - { chip: gb200, count: 150000, online: 2026-03, ramp_months: 6,
          delay_months: { dist: lognormal, median: 2, sigma: 0.7 } }
      - { chip: h100, count: 100000, online: 2025-11 }
  - name: google-2026
    cloud: google
    from: 2026-01
    to: 2028-10
    billing: usage
    price: { gb200: 3.5 }
    capacity:
      - { chip: gb200, count: 50000, online: 2026-06 }
correlations:
  - [demand.inference.growth, demand.training.growth, 0.5]
YAML

# middle.yaml extends the base; over.yaml extends middle.yaml (a chain of two).
cat > "$tmp/lib/middle.yaml" <<'YAML'
extends: base.yaml
remove: [clouds.google, contracts.google-2026, chips.trainium3, demand.inference.chips.trainium3]
simulation: { seed: 12 }
YAML
cat > "$tmp/work/over.yaml" <<'YAML'
extends: ../lib/middle.yaml
scenario: { name: over }
demand:
  - name: training
    growth: { median: 2.1 }
  - name: research
    start_h100e: 10000
    growth: 1.3
    usd_per_h100e_hour: 1.0
    priority: 3
    chips: { h100: 1.0 }
contracts:
  - name: aws-2025
    price: { gb200: 3.4 }
YAML

# The same scenario written out by hand.
cat > "$tmp/work/flat.yaml" <<'YAML'
scenario: { name: flat, start: 2025-11, months: 36 }
simulation: { paths: 4000, seed: 12 }
chips:
  gb200: { h100e: 2.5, kw: 2.1, life_months: 72 }
  h100: { h100e: 1.0, kw: 2.1, life_months: 72 }
clouds:
  aws: { power_mw: { start: 200, add_per_month: 60 } }
demand:
  - name: inference
    start_h100e: 400000
    growth: { dist: lognormal, median: 2.0, sigma: 0.3 }
    volatility: 0.2
    usd_per_h100e_hour: 3.0
    priority: 1
    chips: { gb200: 1.0, h100: 0.6 }
  - name: training
    start_h100e: 200000
    growth: { dist: lognormal, median: 2.1, sigma: 0.2 }
    usd_per_h100e_hour: 2.0
    priority: 2
    chips: { gb200: 1.0, h100: 0.5 }
  - name: research
    start_h100e: 10000
    growth: 1.3
    usd_per_h100e_hour: 1.0
    priority: 3
    chips: { h100: 1.0 }
contracts:
  - name: aws-2025
    cloud: aws
    from: 2025-11
    to: 2028-10
    billing: reserved
    price: { gb200: 3.4, h100: 2.0 }
    capacity:
      - { chip: gb200, count: 150000, online: 2026-03, ramp_months: 6,
          delay_months: { dist: lognormal, median: 2, sigma: 0.7 } }
      - { chip: h100, count: 100000, online: 2025-11 }
correlations:
  - [demand.inference.growth, demand.training.growth, 0.5]
YAML

cd "$tmp/work" || exit 1
"$CAPSIM" check flat.yaml > /dev/null 2> err || { fail "flat.yaml does not load"; cat err; }
"$CAPSIM" check over.yaml > /dev/null 2> err || { fail "over.yaml does not load"; cat err; }

# 1. Bitwise the same results, alone and with --set on top.
"$CAPSIM" run -q flat.yaml -o flat.h5 && "$CAPSIM" run -q over.yaml -o over.h5 ||
    fail "run flat/over"
same "flat vs overlay" flat.h5 over.h5
"$CAPSIM" run -q flat.yaml -o flat-set.h5 --set demand.research.growth=1.4 --set simulation.seed=3 &&
"$CAPSIM" run -q over.yaml -o over-set.h5 --set demand.research.growth=1.4 --set simulation.seed=3 ||
    fail "run with --set"
same "flat vs overlay with --set" flat-set.h5 over-set.h5
# the test can fail: a different value does change the results
"$CAPSIM" run -q over.yaml -o other.h5 --set demand.research.growth=1.5 || fail "run other"
h5diff -q flat-set.h5 other.h5 /stats /stats > /dev/null 2>&1 && fail "a changed value left /stats equal"

# 2. compare pairs the draws by key path: every difference exactly zero.
"$CAPSIM" compare -q flat.yaml over.yaml -o cmp.h5 || fail "compare"
"$PY" - cmp.h5 <<'EOF' || fail "compare flat overlay: nonzero differences"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
bad = []
def visit(name, obj):
    if isinstance(obj, h5py.Dataset) and name.endswith(("_mean", "_min", "_max")):
        a = np.asarray(obj[()], dtype=float)
        if np.any(a[np.isfinite(a)] != 0):
            bad.append(name)
f["diff"].visititems(visit)
n = [0]
f["diff"].visititems(lambda name, o: n.__setitem__(0, n[0] + isinstance(o, h5py.Dataset)))
if bad or n[0] == 0:
    print("nonzero:", bad[:5], "datasets:", n[0])
    sys.exit(1)
EOF

# 3. The stored text is self-contained: the base files gone, it reproduces the run.
"$PY" - over.h5 stored.yaml <<'EOF' || fail "reading the stored scenario"
import sys, h5py
t = h5py.File(sys.argv[1], "r").attrs["scenario"]
open(sys.argv[2], "w").write(t.decode() if isinstance(t, bytes) else t)
EOF
grep -q '^extends:' stored.yaml && fail "the stored text still extends a file"
head -1 stored.yaml | grep -q 'over.yaml extends ../lib/middle.yaml extends ../lib/base.yaml' ||
    { fail "the stored text's header does not name the chain"; head -2 stored.yaml; }
"$CAPSIM" run -q over.yaml -o shard0.h5 --shard 0/2 && "$CAPSIM" run -q over.yaml -o shard1.h5 --shard 1/2 ||
    fail "shards"
mv ../lib ../lib.gone
"$CAPSIM" run -q stored.yaml -o again.h5 || fail "run the stored text"
same "run of the stored text vs overlay" over.h5 again.h5
"$CAPSIM" merge shard0.h5 shard1.h5 -o merged.h5 > /dev/null 2>&1 || fail "merge without the base files"
same "shards of the overlay merged vs whole" over.h5 merged.h5
mv ../lib.gone ../lib

# 4. sweep over a value the overlay inherits.
"$CAPSIM" sweep -q over.yaml --vary demand.inference.start_h100e=300000,400000 --paths 500 -o sweep.h5 ||
    fail "sweep over an inherited key"

# 5. check --origins.
"$CAPSIM" check --origins over.yaml --set simulation.paths=7 > origins.txt 2> err ||
    { fail "check --origins"; cat err; }
grep -Fq "  paths: 7   # from --set:1" origins.txt || fail "--origins: no --set mark"
grep -Fq "  seed: 12   # from ../lib/middle.yaml:3" origins.txt || fail "--origins: no middle.yaml mark"
grep -Fq "  name: over" origins.txt || fail "--origins: the overlay's own value"
grep -q "name: over.*# from" origins.txt && fail "--origins: the overlay's own value is marked"
grep -Fq "start_h100e: 400000   # from ../lib/base.yaml:" origins.txt || fail "--origins: no base.yaml mark"

# 6. standard input: extends relative to the current directory.
"$CAPSIM" check - < over.yaml > /dev/null 2> err || { fail "check - with extends"; cat err; }

# 7. bad input.
printf 'extends: nowhere.yaml\n' > bad.yaml
"$CAPSIM" run -q bad.yaml -o bad.h5 > out 2> err; rc=$?
[ "$rc" -eq 2 ] || fail "bad extends: exit $rc (expected 2)"
[ -s out ] && fail "bad extends: wrote to stdout"
[ -e bad.h5 ] && fail "bad extends: wrote a results file"
grep -Fxq "bad.yaml:1:10: extends: cannot read 'nowhere.yaml': No such file or directory (expected a scenario file, relative to the folder of the file that extends it)" err ||
    { fail "bad extends: message"; cat err; }

[ "$fails" -eq 0 ] && echo "cli_extends: all passed"
[ "$fails" -eq 0 ]
