#!/bin/sh
# Command-line tests of the scenario library (scenarios/*.yaml).
#
# 1. Every file passes `capsim check`.
# 2. Every file keeps the names and key paths the library shares (contracts, tranches,
#    segments, clouds of the default), so that `capsim compare` pairs the same draws.
# 3. Every file runs (--paths 2000) to an HDF5 file that has /stats.
# 4. Each variant's story holds on common random numbers: one `capsim compare` of the
#    default (variant 0) with every other file, and a sign on each variant's paired
#    difference read from /diff (variant 1 minus variant 0, docs/OUTPUT.md).
#
# Environment: CAPSIM (the binary), BUILD (the build folder), PYTHON (default
# /usr/bin/python3, with h5py). Run from the repository root (tests/run_tests.sh does).
set -u
: "${CAPSIM:?}" "${BUILD:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
PATHS=${SCENARIO_TEST_PATHS:-2000}
dir=scenarios
default=$dir/multicloud-2026.yaml
tmp=$(mktemp -d "${TMPDIR:-/tmp}/capsim-scen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# --- 1. check ------------------------------------------------------------------------
for f in "$dir"/*.yaml; do
    if "$CAPSIM" check "$f" > "$tmp/check.out" 2> "$tmp/check.err"; then
        ok "check $f"
    else
        fail "check $f (exit $?)"; head -20 "$tmp/check.err"
    fi
done

# --- 2. shared names and key paths ----------------------------------------------------
# A contract, segment or cloud of the default must keep its name in every file, and a
# shared contract its cloud and its tranches (chip, online) in the same order, so that
# contracts.NAME.capacity.K.* means the same tranche everywhere. A file may extend
# another (README, "Scenario files"): the names are read from the scenario as its files
# compose it, which `capsim check --origins` prints as YAML. A file that removes a
# contract of the default on purpose (`remove: [contracts.NAME]`, no-aws-expansion.yaml)
# may lack it; the others keep their order. A file may have fewer tranches of a contract
# (optimize-aws-google.yaml makes aws-2026's two waves one), never other ones at the same
# index. Needs PyYAML; skipped (a SKIP line) when it
# is not installed.
if "$PYTHON" -c 'import yaml' 2> /dev/null; then
    mkdir -p "$tmp/resolved"
    for f in "$dir"/*.yaml; do
        "$CAPSIM" check --origins "$f" > "$tmp/resolved/$(basename "$f")" 2> /dev/null ||
            fail "check --origins $f"
    done
    (cd "$tmp/resolved" && SCENARIO_DIR="$OLDPWD/$dir" "$PYTHON" - "$(basename "$default")" *.yaml) > "$tmp/names.out" 2>&1 <<'EOF'
import os, sys, yaml
def load(p):
    with open(p) as fh:
        return yaml.safe_load(fh)
base = load(sys.argv[1])
bad = 0
def shape(c):
    return (c["cloud"], [(t["chip"], str(t["online"])) for t in c["capacity"]])
SCENARIOS = os.environ["SCENARIO_DIR"]
for p in sys.argv[2:]:
    d = load(p)
    removed = load(os.path.join(SCENARIOS, p)).get("remove") or []
    cs = {c["name"]: c for c in d["contracts"]}
    names = [c["name"] for c in d["contracts"]]
    kept = [c for c in base["contracts"] if "contracts." + c["name"] not in removed]
    for i, c in enumerate(kept):
        if c["name"] not in cs:
            print("%s: contract %s missing" % (p, c["name"])); bad += 1; continue
        if names.index(c["name"]) != i:
            print("%s: contract %s moved to index %d (shared contracts keep the default's order)" % (p, c["name"], names.index(c["name"]))); bad += 1
        mine, theirs = shape(cs[c["name"]]), shape(c)
        n = min(len(mine[1]), len(theirs[1]))
        if mine[0] != theirs[0] or mine[1][:n] != theirs[1][:n] or n == 0:
            print("%s: contract %s: cloud or tranches differ from the default" % (p, c["name"])); bad += 1
    segs = [s["name"] for s in d["demand"]]
    if segs[:len(base["demand"])] != [s["name"] for s in base["demand"]]:
        print("%s: segments %s differ from the default's" % (p, segs)); bad += 1
    for cl in base["clouds"]:
        if cl not in d["clouds"]:
            print("%s: cloud %s missing" % (p, cl)); bad += 1
sys.exit(1 if bad else 0)
EOF
    if [ $? -eq 0 ]; then ok "shared names and tranches"; else fail "shared names"; cat "$tmp/names.out"; fi
else
    echo "SKIP: shared names: PyYAML not installed"
fi

# --- 3. every scenario runs ----------------------------------------------------------
runs=""
for f in "$dir"/*.yaml; do
    b=$(basename "$f" .yaml)
    if "$CAPSIM" run "$f" --paths "$PATHS" --quiet -o "$tmp/$b.h5" > "$tmp/run.out" 2> "$tmp/run.err"; then
        runs="$runs $tmp/$b.h5"
    else
        fail "run $f (exit $?)"; tail -5 "$tmp/run.err"
    fi
done
# Each file has /stats with the unmet-demand mean over (time, segment).
if [ -n "$runs" ]; then
    # shellcheck disable=SC2086
    "$PYTHON" - $runs <<'EOF' || fail "results files (above)"
import sys, h5py
bad = 0
for p in sys.argv[1:]:
    with h5py.File(p, "r") as f:
        if "stats" in f and "unmet_mean" in f["stats"]:
            print("ok: run %s: /stats/unmet_mean %s" % (p.rsplit("/", 1)[-1], f["stats"]["unmet_mean"].shape))
        else:
            print("FAIL: %s has no /stats/unmet_mean" % p); bad += 1
sys.exit(1 if bad else 0)
EOF
fi

# --- 4. the stories, on common random numbers ------------------------------------------
# One compare: the default is variant 0 (A), every other file a variant v >= 1, and
# /diff/NAME_mean holds the paired difference variant v minus the default at index v-1
# of its variant axis (docs/OUTPUT.md). Each rule: a variant, metrics (summed over time and
# their own dimension) and the sign its story implies. The log shows every difference,
# so that the size of each effect can be read there.
# Two compares of five variants each rather than one of ten: a compare holds the
# statistics of every variant at once (~0.5 GB each for the default's ~4,000 monthly
# variables), and one compare of eleven was killed for memory on a 24 GiB machine with
# the rest of the suite running beside it.
for variants in "azure-exclusive-2025 amendment-exclusivity-only stress-nvidia-slip stress-slow-power stress-demand-boom" \
                "stress-demand-bust google-third-partner no-aws-expansion aws-expand-option stargate-owned"; do
files=""
for v in $variants; do files="$files $dir/$v.yaml"; done
# shellcheck disable=SC2086
if "$CAPSIM" compare "$default" $files --paths "$PATHS" --quiet -o "$tmp/compare.h5" > "$tmp/cmp.out" 2> "$tmp/cmp.err"; then
    # shellcheck disable=SC2086
    "$PYTHON" - "$tmp/compare.h5" $variants <<'EOF' || fail "stories (above)"
import sys, h5py, numpy as np
path, variants = sys.argv[1], sys.argv[2:]
# (variant, [(metric, sign), ...] of which at least one must hold, the story)
rules = [
    ("azure-exclusive-2025", [("pv_turned_down_revenue", +1)], "exclusivity turns away more revenue than the amendment"),
    ("azure-exclusive-2025", [("pv_revenue_share", +1)], "the uncapped revenue share costs more than the capped one"),
    ("stress-nvidia-slip", [("unmet", +1)], "late Nvidia supply leaves more demand unmet"),
    ("stress-slow-power", [("unmet", +1)], "slow power leaves more demand unmet"),
    ("stress-demand-boom", [("unmet", +1)], "a demand boom leaves more demand unmet"),
    ("stress-demand-bust", [("unmet", -1)], "a demand bust leaves less demand unmet"),
    ("stress-demand-bust", [("pv_stranded", +1)], "a demand bust strands more paid capacity"),
    ("google-third-partner", [("unmet", -1)], "a third partner's capacity leaves less demand unmet"),
    ("no-aws-expansion", [("unmet", +1)], "without the AWS expansion more demand goes unmet"),
    ("no-aws-expansion", [("pv_spend", -1)], "without the AWS expansion less is spent"),
    ("amendment-exclusivity-only", [("pv_revenue_share", +1)], "without the cap the revenue share costs more"),
    ("aws-expand-option", [("unmet", -1)], "the right to expand, used on short paths, leaves less demand unmet"),
    ("aws-expand-option", [("pv_net_value", +1)], "the right to expand (no fee) adds net value: it is used only where demand went unmet"),
    ("stargate-owned", [("pv_capex", +1)], "an owned site is paid for with capex"),
    ("stargate-owned", [("unmet", -1)], "an owned site leaves less demand unmet"),
    ("stargate-owned", [("peak_funding_need", +1)], "paying for a site up front deepens the cash hole"),
]
bad = 0
with h5py.File(path, "r") as f:
    if "diff" not in f:
        sys.exit("FAIL: %s has no /diff group (have %s)" % (path, sorted(f.keys())))
    g = f["diff"]
    def diff(metric, v):
        name = metric + "_mean"
        if name not in g:
            raise KeyError("no /diff/%s (have: %s)" % (name, ", ".join(sorted(g.keys())[:30])))
        ds = g[name]
        a = ds[()]
        for i, dim in enumerate(ds.dims):
            labels = [dim.label] + [s.name.rsplit("/", 1)[-1] for s in dim.values()]
            if "variant" in labels:
                a = np.take(a, v, axis=i)
                break
        else:
            if v != 0:
                raise KeyError("/diff/%s has no variant axis" % name)
        return float(np.nansum(a))
    for variant, conds, story in rules:
        if variant not in variants:
            continue                         # in the other compare
        v = variants.index(variant)          # variant v+1 of the compare: diff index v
        try:
            got = [(m, s, diff(m, v)) for m, s in conds]
        except KeyError as e:
            print("FAIL: %s: %s" % (variant, e)); bad += 1; continue
        held = any(d * s > 0 for m, s, d in got)
        what = ", ".join("%s %+.4g (want %s 0)" % (m, d, ">" if s > 0 else "<") for m, s, d in got)
        print("%s: %s: %s: %s" % ("ok" if held else "FAIL", variant, story, what))
        bad += 0 if held else 1
sys.exit(1 if bad else 0)
EOF
else
    fail "compare of the library (exit $?)"; tail -5 "$tmp/cmp.err"
fi
done

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all scenario tests passed"
