#!/bin/sh
# cli_optimize.sh: `capsim optimize` against closed forms (issue 15).
#
# The newsvendor (tests/scenarios/newsvendor.yaml): one month, no discounting, demand
# D ~ lognormal(mu = ln 100000, s = 0.5) H100e, one reserved contract of c chips (1 H100e
# each) billed p = $2 per chip-hour used or not, value v = $5 per served H100e-hour,
# HOURS = 730 (docs/MODEL.md sections 1, 5, 10). On each path
#     pv_net_value = pv_value - pv_spend = H (v min(D, c) - p c).
# E[min(D, c)] = E[D] - E[(D - c)+], E[(D - c)+] = e^(mu + s^2/2) Phi(d1) - c Phi(d2),
# d2 = (mu - ln c) / s, d1 = d2 + s. dE/dc = H (v P(D > c) - p): the optimum of the mean
# (w = 0) is the critical fractile P(D > c*) = p / v = 0.4, c* = e^mu e^(s z_0.6) = 113505.
# With risk weight w the objective is mean + w ES_lo, ES_lo the mean of the worst 5% of
# paths. net is nondecreasing in D, so the worst 5% are the paths with D <= q_0.05(D), and
# while c > q_0.05(D) = 43940 every one of them has D < c: ES_lo = H (v E[D | D <= q_0.05]
# - p c), E[D | D <= q_0.05] = e^(mu + s^2/2) Phi(z_0.05 - s) / 0.05, and dES_lo/dc = -H p.
# So dJ/dc = H (v P(D > c) - p (1 + w)) = 0 at P(D > c) = p (1 + w) / v: for w = 0.5,
# P(D > c) = 0.6, c = e^mu e^(s z_0.4) = 88102.
#
# Checked: the grid's choice within one step (5000) of c* for w = 0 and w = 0.5; the
# out-of-sample objective within 3 standard errors of the closed-form objective at the
# chosen point; Nelder-Mead on the continuous box within 2%; a constraint that cuts the
# unconstrained optimum off moves the choice to the constraint's boundary; an impossible
# constraint is reported, exit 0, the file says none is feasible; /optimize bitwise the
# same for 1 and 2 threads; the variants' /totals agree with objective_out; summary and
# export read the file; run, compare and sweep ignore the blocks; bad arguments exit 2.
set -u
: "${CAPSIM:?}"
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c "import h5py, numpy" 2> /dev/null || { echo "SKIP: no h5py/numpy for $PY"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
nv=tests/scenarios/newsvendor.yaml

# --- the grid: 61 points, 4096 paths ---------------------------------------------------
"$CAPSIM" optimize "$nv" -o "$tmp/grid.h5" --quiet > "$tmp/grid.out" 2> "$tmp/grid.err" ||
    { fail "optimize grid: exit $?"; cat "$tmp/grid.err"; }
cat "$tmp/grid.out"
cat > "$tmp/check.py" <<'EOF'
import math, sys
from statistics import NormalDist
import h5py, numpy as np

N = NormalDist()
H, p, v, M, s = 730.0, 2.0, 5.0, 1e5, 0.5
mu = math.log(M)
ED = math.exp(mu + s * s / 2)

def mean_net(c):
    d2 = (mu - math.log(c)) / s
    d1 = d2 + s
    excess = ED * N.cdf(d1) - c * N.cdf(d2)
    return H * (v * (ED - excess) - p * c)

def es_lo_net(c):
    z05 = N.inv_cdf(0.05)
    assert c > M * math.exp(s * z05)
    return H * (v * ED * N.cdf(z05 - s) / 0.05 - p * c)

def objective(c, w):
    return mean_net(c) + w * es_lo_net(c)

def optimum(w):
    return M * math.exp(s * N.inv_cdf(1 - p * (1 + w) / v))

path, kind = sys.argv[1], sys.argv[2]
bad = 0
def check(ok, msg):
    global bad
    print(("ok   " if ok else "FAIL ") + msg)
    bad += not ok

with h5py.File(path, "r") as f:
    g = f["optimize"]
    w = g["weight"][:]
    chosen = g["chosen"][:, 0]
    out, se = g["objective_out"][:], g["objective_out_se"][:]
    check(list(w) == [0.0, 0.5], f"weights {list(w)}")
    check(g.attrs["method"] == (b"grid" if kind == "grid" else b"nelder-mead"), f"method {g.attrs['method']}")
    check(g.attrs["objective_total"] == b"pv_net_value" and g.attrs["sense"] == b"maximize"
          and g.attrs["measure"] == b"es_lo", "objective attributes")
    check(g.attrs["seed_out"] == g.attrs["seed"] + 1000003, "seed_out = seed + 1000003")
    tol = lambda c: 5000.0 if kind == "grid" else 0.02 * c
    for k, wk in enumerate(w):
        c_star = optimum(wk)
        check(abs(chosen[k] - c_star) <= tol(c_star),
              f"w={wk}: chosen {chosen[k]:.0f}, closed form {c_star:.0f} (tolerance {tol(c_star):.0f})")
        J = objective(chosen[k], wk)
        check(abs(out[k] - J) <= 3 * se[k],
              f"w={wk}: out-of-sample objective {out[k]:.6g} (SE {se[k]:.3g}) vs closed form {J:.6g}: "
              f"{(out[k] - J) / se[k]:+.2f} SE")
    check(chosen[1] <= chosen[0], "the larger weight is the more cautious (smaller contract)")
    # the in-sample table is consistent with its definition
    oi, mean, es = g["objective_in"][:], g["mean"][:], g["es"][:]
    check(np.array_equal(oi, mean[:, None] + w[None, :] * es[:, None]), "objective_in = mean + w es")
    cp = g["chosen_point"][:]
    check(all(oi[cp[k], k] == g["objective_in_chosen"][k] for k in range(len(w))), "objective_in_chosen")
    check(all(oi[cp[k], k] == oi[g["feasible"][:] == 1, k].max() for k in range(len(w))), "chosen is the best")
    check(np.array_equal(g["points"][:][cp, :], g["chosen"][:]), "chosen = points[chosen_point]")
    # the variants are the chosen points on the fresh paths: their totals give objective_out
    names = [x.decode() for x in f["totals/variant"][:]]
    check(names == ["baseline", "w0", "w0.5"], f"variants {names}")
    tot = f["totals/pv_net_value"][:]
    es_lo = f["stats/pv_net_value_es_lo"][:]
    for k, wk in enumerate(w):
        x = tot[1 + k]
        check(math.isclose(out[k], x.mean() + wk * es_lo[1 + k], rel_tol=1e-12),
              f"w={wk}: objective_out = the variant's mean + w es_lo")
        check(math.isclose(g["objective_baseline"][k], tot[0].mean() + wk * es_lo[0], rel_tol=1e-12),
              f"w={wk}: objective_baseline = the baseline variant's")
    check(math.isclose(g["objective_out_se"][0], f["stats/pv_net_value_se"][1], rel_tol=1e-9),
          "w=0: objective_out_se = the variant's /stats se (sd / sqrt(n))")
    check(g["objective_out_se"][1] > 1.2 * f["stats/pv_net_value_se"][2],
          "w=0.5: the SE counts the tail (larger than the mean's)")
    check(f["totals/pv_net_value"].shape[1] == g.attrs["paths"], "fresh paths: as many as in sample")
    if kind == "grid":
        check(g["points"].shape == (61, 1), f"grid of 61 points, got {g['points'].shape}")
        check(np.array_equal(g["points"][:, 0], np.arange(61) * 5000.0), "grid points in order")
    else:
        check(g["points"].shape[0] <= g.attrs["budget"], "at most --budget points")
sys.exit(1 if bad else 0)
EOF
"$PY" "$tmp/check.py" "$tmp/grid.h5" grid || fail "grid checks"

# --- Nelder-Mead on the continuous box (no step): within 2% -------------------------------
sed 's/{ min: 0, max: 300000, step: 5000 }/{ min: 0, max: 300000 }/' "$nv" > "$tmp/nm.yaml"
"$CAPSIM" optimize "$tmp/nm.yaml" -o "$tmp/nm.h5" --paths 16384 --quiet > "$tmp/nm.out" 2> "$tmp/nm.err" ||
    { fail "optimize nelder-mead: exit $?"; cat "$tmp/nm.err"; }
cat "$tmp/nm.out"
"$PY" "$tmp/check.py" "$tmp/nm.h5" nm || fail "nelder-mead checks"

# A grid larger than --budget (61 > 30): Nelder-Mead with the values rounded to the step;
# on this one-dimensional problem it finds the grid's choices.
"$CAPSIM" optimize "$nv" -o "$tmp/nmstep.h5" --budget 30 --quiet > /dev/null 2>&1 || fail "--budget 30"
"$PY" - "$tmp/nmstep.h5" "$tmp/grid.h5" <<'EOF' || fail "Nelder-Mead on the step grid"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r")["optimize"], h5py.File(sys.argv[2], "r")["optimize"]
pts = a["points"][:, 0]
print("method", a.attrs["method"], len(pts), "points; chosen", a["chosen"][:, 0], "grid", b["chosen"][:, 0])
ok = a.attrs["method"] == b"nelder-mead" and len(pts) <= 30 and np.array_equal(pts, np.round(pts / 5000) * 5000)
ok &= np.array_equal(a["chosen"][:], b["chosen"][:])
sys.exit(0 if ok else 1)
EOF

# Two decisions: the price too. A lower price is always better, so the optimum is the
# price's lower bound p = 1 and the critical fractile there: P(D > c) = p (1 + w) / v,
# c = 152320 (w = 0) and 129979 (w = 0.5). The grid (7 x 3 points, the last decision
# moving fastest) and Nelder-Mead on the continuous box (within 2%).
sed 's/  contracts.deal.capacity.0.count: { min: 0, max: 300000, step: 5000 }/  contracts.deal.capacity.0.count: { min: 0, max: 300000, step: 50000 }\n  contracts.deal.price.h100: { min: 1, max: 3, step: 1 }/' \
    "$nv" > "$tmp/two.yaml"
sed 's/, step: 50000 }/ }/; s/, step: 1 }/ }/' "$tmp/two.yaml" > "$tmp/twoc.yaml"
"$CAPSIM" optimize "$tmp/two.yaml" -o "$tmp/two.h5" --quiet > /dev/null 2>&1 || fail "two decisions, grid"
"$CAPSIM" optimize "$tmp/twoc.yaml" -o "$tmp/twoc.h5" --paths 16384 --budget 120 --quiet > /dev/null 2>&1 ||
    fail "two decisions, Nelder-Mead"
"$PY" - "$tmp/two.h5" "$tmp/twoc.h5" <<'EOF' || fail "two decisions"
import math, sys
from statistics import NormalDist
import h5py, numpy as np
c_star = [1e5 * math.exp(0.5 * NormalDist().inv_cdf(1 - 1 * (1 + w) / 5)) for w in (0, 0.5)]
g = h5py.File(sys.argv[1], "r")["optimize"]
grid = np.array([[c, p] for c in range(0, 300001, 50000) for p in (1, 2, 3)], dtype=float)
ok = np.array_equal(g["points"][:], grid) and g.attrs["method"] == b"grid"
ok &= np.array_equal(g["chosen"][:], [[150000, 1], [150000, 1]])
n = h5py.File(sys.argv[2], "r")["optimize"]
ch = n["chosen"][:]
print("grid chosen", g["chosen"][:].tolist(), "nelder-mead chosen", ch.tolist(), "closed form", c_star,
      "points", n["points"].shape[0])
ok &= n.attrs["method"] == b"nelder-mead" and n["points"].shape[0] <= 120
ok &= all(abs(ch[k, 0] - c_star[k]) <= 0.02 * c_star[k] and abs(ch[k, 1] - 1) <= 0.02 for k in range(2))
sys.exit(0 if ok else 1)
EOF

# --budget caps the evaluations
"$CAPSIM" optimize "$tmp/nm.yaml" -o "$tmp/b.h5" --paths 512 --budget 7 --quiet > /dev/null 2>&1 || fail "--budget 7"
"$PY" -c "
import h5py, sys
n = h5py.File(sys.argv[1])['optimize/points'].shape[0]
print('points with --budget 7:', n); sys.exit(0 if 1 <= n <= 7 else 1)" "$tmp/b.h5" || fail "--budget 7: too many points"

# --- constraints -------------------------------------------------------------------------
# pv_spend = 730 * 2 * c on every path: q0.95 <= 116.8e6 is c <= 80000, which cuts off
# c* = 113505: the choice moves to the boundary, 80000 exactly.
{ cat "$nv"; echo "  constraints:"; echo "    - { total: pv_spend, stat: q0.95, max: 116.8e6 }"
  echo "    - { total: months_short, stat: mean, max: 1 }"; } > "$tmp/con.yaml"
"$CAPSIM" optimize "$tmp/con.yaml" -o "$tmp/con.h5" --quiet > "$tmp/con.out" 2> "$tmp/con.err" ||
    { fail "optimize constrained: exit $?"; cat "$tmp/con.err"; }
"$PY" - "$tmp/con.h5" <<'EOF' || fail "constraint checks"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    g = f["optimize"]
    labels = [x.decode() for x in g["constraint"][:]]
    pts, feas, con = g["points"][:, 0], g["feasible"][:], g["constraint_value"][:]
    ok = True
    ok &= labels == ["pv_spend q0.95 <= 116800000", "months_short mean <= 1"]
    ok &= np.array_equal(feas == 1, pts <= 80000)
    ok &= np.allclose(con[:, 0], 730 * 2 * pts, rtol=1e-12)
    ok &= list(g["chosen"][:, 0]) == [80000.0, 80000.0]
    print("labels", labels, "chosen", g["chosen"][:, 0], "feasible", int(feas.sum()), "of", len(feas))
    sys.exit(0 if ok else 1)
EOF

# An impossible constraint: every point infeasible, said on stderr, exit 0, no chosen point.
{ cat "$nv"; echo "  constraints:"; echo "    - { total: months_short, stat: mean, max: -1 }"; } > "$tmp/imp.yaml"
"$CAPSIM" optimize "$tmp/imp.yaml" -o "$tmp/imp.h5" --quiet > "$tmp/imp.out" 2> "$tmp/imp.err"
rc=$?
[ "$rc" -eq 0 ] || fail "impossible constraint: exit $rc (expected 0)"
grep -q "no feasible point for risk weight 0:" "$tmp/imp.err" || { fail "impossible constraint: no message"; cat "$tmp/imp.err"; }
grep -q "no feasible point" "$tmp/imp.out" || fail "impossible constraint: stdout says nothing"
"$PY" - "$tmp/imp.h5" <<'EOF' || fail "impossible constraint: file"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    g = f["optimize"]
    ok = (g["feasible"][:] == 0).all() and np.isnan(g["chosen"][:]).all() and (g["chosen_point"][:] == -1).all()
    ok &= np.isnan(g["objective_out"][:]).all() and np.isfinite(g["objective_baseline"][:]).all()
    sys.exit(0 if ok else 1)
EOF
"$CAPSIM" summary "$tmp/imp.h5" > /dev/null 2>&1 || fail "summary of an all-infeasible optimize file"

# minimize: pv_spend = 730 * 2 * c is smallest at the smallest feasible c; months_short
# (1 when demand exceeds c in the one month) has mean P(D > c) <= 0.5 from c = the sample
# median of D on (closed form: the median 100000; its sampling SE at 4096 paths is about
# 1000, so the grid's choice is 100000 or 105000). es_hi of a constant is the constant:
# objective = 2 * 730 * 2 * c.
sed -e 's/  maximize: pv_net_value/  minimize: pv_spend/' \
    -e 's/  risk: { weight: \[0, 0.5\], measure: es_lo }/  risk: { weight: 1 }/' "$nv" > "$tmp/min.yaml"
{ echo "  constraints:"; echo "    - { total: months_short, stat: mean, max: 0.5 }"; } >> "$tmp/min.yaml"
"$CAPSIM" optimize "$tmp/min.yaml" -o "$tmp/min.h5" --quiet > /dev/null 2> "$tmp/min.err" ||
    { fail "optimize minimize: exit $?"; cat "$tmp/min.err"; }
"$PY" - "$tmp/min.h5" <<'EOF' || fail "minimize checks"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    g = f["optimize"]
    pts, feas = g["points"][:, 0], g["feasible"][:]
    c = g["chosen"][0, 0]
    ok = g.attrs["sense"] == b"minimize" and g.attrs["measure"] == b"es_hi"
    ok &= c in (100000.0, 105000.0) and c == pts[feas == 1].min()
    ok &= np.array_equal(feas == 1, pts >= c)
    ok &= g["objective_out"][0] == 2 * 730 * 2 * c and g["objective_out_se"][0] == 0
    print("minimize: chosen", c, "objective", g["objective_out"][0])
    sys.exit(0 if ok else 1)
EOF

# --- the same bits for 1 and 2 threads ------------------------------------------------------
"$CAPSIM" optimize "$tmp/con.yaml" -o "$tmp/t1.h5" --threads 1 --paths 3000 --quiet > /dev/null 2>&1 || fail "threads 1"
"$CAPSIM" optimize "$tmp/con.yaml" -o "$tmp/t2.h5" --threads 2 --paths 3000 --quiet > /dev/null 2>&1 || fail "threads 2"
"$CAPSIM" optimize "$tmp/nm.yaml" -o "$tmp/n1.h5" --threads 1 --paths 2000 --budget 40 --quiet > /dev/null 2>&1 || fail "nm threads 1"
"$CAPSIM" optimize "$tmp/nm.yaml" -o "$tmp/n2.h5" --threads 2 --paths 2000 --budget 40 --quiet > /dev/null 2>&1 || fail "nm threads 2"
cat > "$tmp/same.py" <<'EOF'
import sys, h5py, numpy as np
def items(path):
    out = {}
    with h5py.File(path, "r") as f:
        for grp in ("optimize", "stats", "totals"):
            def visit(name, obj, grp=grp):
                if isinstance(obj, h5py.Dataset):
                    out[grp + "/" + name] = obj[()].tobytes() if obj.dtype.kind != "O" else repr(obj[()])
            f[grp].visititems(visit)
        out["attrs"] = repr(sorted(f["optimize"].attrs.items()))
    return out
a, b = items(sys.argv[1]), items(sys.argv[2])
diff = [k for k in a if a[k] != b.get(k)] + [k for k in b if k not in a]
print(len(a), "datasets;", "differ:", diff)
sys.exit(1 if diff or not a else 0)
EOF
"$PY" "$tmp/same.py" "$tmp/t1.h5" "$tmp/t2.h5" || fail "grid: 1 and 2 threads differ"
"$PY" "$tmp/same.py" "$tmp/n1.h5" "$tmp/n2.h5" || fail "nelder-mead: 1 and 2 threads differ"

# --- other commands read the file and ignore the blocks -------------------------------------
"$CAPSIM" summary "$tmp/grid.h5" > "$tmp/sum.out" 2>&1 || { fail "summary of the optimize file"; tail "$tmp/sum.out"; }
grep -q "variants   baseline (baseline), w0, w0.5" "$tmp/sum.out" || fail "summary: variants line"
"$CAPSIM" export "$tmp/grid.h5" --csv "$tmp/csv" > /dev/null 2>&1 || fail "export of the optimize file"
[ -s "$tmp/csv/totals.csv" ] || fail "export: no totals.csv"
"$CAPSIM" run "$nv" --paths 300 -o "$tmp/run.h5" --quiet || fail "run ignores decisions:/objective:"
"$CAPSIM" compare "$nv" "$nv" --paths 300 -o "$tmp/cmp.h5" --quiet || fail "compare ignores decisions:/objective:"
"$CAPSIM" sweep "$nv" --vary contracts.deal.capacity.0.count=1e5,2e5 --paths 300 -o "$tmp/sw.h5" --quiet ||
    fail "sweep ignores decisions:/objective:"
"$CAPSIM" check "$nv" > "$tmp/check.out" || fail "check of the newsvendor"
grep -q "^# capsim optimize: maximize pv_net_value" "$tmp/check.out" || fail "check: no optimize summary"

# --- bad input: exit 2, nothing written -------------------------------------------------------
expect2() {
    what=$1; shift
    "$@" > "$tmp/o2" 2> "$tmp/e2"; rc=$?
    [ "$rc" -eq 2 ] || { fail "$what: exit $rc (expected 2)"; cat "$tmp/e2"; }
    [ -e "$tmp/never.h5" ] && fail "$what: wrote a file"
    head -2 "$tmp/e2"
}
expect2 "no blocks" "$CAPSIM" optimize tests/scenarios/every-randomness.yaml -o "$tmp/never.h5"
grep -q "no decisions: and objective: blocks" "$tmp/e2" || fail "no blocks: message"
expect2 "--budget 0" "$CAPSIM" optimize "$nv" --budget 0 -o "$tmp/never.h5"
expect2 "two files" "$CAPSIM" optimize "$nv" "$nv" -o "$tmp/never.h5"
expect2 "bad block" "$CAPSIM" optimize tests/bad-optimize/objective.yaml -o "$tmp/never.h5"
grep -q "unknown total 'pv_net_valu'" "$tmp/e2" || fail "bad block: message"
expect2 "--shard" "$CAPSIM" optimize "$nv" --shard 0/2 -o "$tmp/never.h5"
# The corpus tests/bad-optimize/NAME.yaml (scenarios that load, with bad decisions: or
# objective: blocks): `capsim check` and `capsim optimize` exit 2, write nothing on stdout
# (check) or no file (optimize), and print each line of NAME.expected exactly
# (file:line:col: key.path: what is wrong (what was expected)), as tests/bad/ for the loader.
for yaml in tests/bad-optimize/*.yaml; do
    want=${yaml%.yaml}.expected
    for cmd in check optimize; do
        if [ "$cmd" = check ]; then "$CAPSIM" check "$yaml" > "$tmp/o3" 2> "$tmp/e3"
        else "$CAPSIM" optimize "$yaml" -o "$tmp/never.h5" > "$tmp/o3" 2> "$tmp/e3"; fi
        rc=$?
        [ "$rc" -eq 2 ] || fail "$cmd $yaml: exit $rc (expected 2)"
        [ "$cmd" = check ] && [ -s "$tmp/o3" ] && fail "check $yaml: wrote to stdout"
        [ -e "$tmp/never.h5" ] && fail "optimize $yaml: wrote a file"
        while IFS= read -r line; do
            grep -Fxq -- "$line" "$tmp/e3" || { fail "$cmd $yaml: missing line: $line"; cat "$tmp/e3"; }
        done < "$want"
        [ "$(wc -l < "$tmp/e3")" -eq "$(wc -l < "$want")" ] || { fail "$cmd $yaml: other lines"; cat "$tmp/e3"; }
    done
done
ls -A "$tmp" | grep -q '^\.' && fail "an intermediate file was left: $(ls -A "$tmp" | grep '^\.')"

# Interrupted: SIGTERM while it runs leaves no file and no temporary file; what a killed
# optimize left (a dead PID's intermediate and engine temporary files) is removed by the
# next optimize to the same name.
mkdir "$tmp/sig"
sed 's/{ min: 0, max: 300000, step: 5000 }/{ min: 0, max: 300000, step: 150000 }/' "$nv" > "$tmp/sig/nv3.yaml"
"$CAPSIM" optimize "$tmp/sig/nv3.yaml" --paths 1000000 --threads 1 --quiet -o "$tmp/sig/o.h5" > /dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" -eq 143 ] || echo "note: the run ended (exit $rc) before SIGTERM came"
[ "$(ls -A "$tmp/sig")" = "nv3.yaml" ] || fail "SIGTERM left: $(ls -A "$tmp/sig" | tr '\n' ' ')"
: > "$tmp/sig/.o.h5.optimize.999999999"
: > "$tmp/sig/..o.h5.optimize.999999999.tmp.999999999"
: > "$tmp/sig/.o.h5.optimize.$$"          # a live PID (this shell): kept
"$CAPSIM" optimize "$tmp/sig/nv3.yaml" --paths 300 --quiet -o "$tmp/sig/o.h5" > /dev/null 2>&1 || fail "optimize after a kill"
[ "$(ls -A "$tmp/sig" | tr '\n' ' ')" = ".o.h5.optimize.$$ nv3.yaml o.h5 " ] ||
    fail "stale files: $(ls -A "$tmp/sig" | tr '\n' ' ')"
rm -f "$tmp/sig/.o.h5.optimize.$$"

# --- decisions: and objective: in a scenario composed with extends ---------------------
# The errors point at the file and line that wrote the bad value: the overlay's own, or
# the base's, through the composition (not at a line of the resolved text).
mkdir -p "$tmp/ov"
cp tests/scenarios/newsvendor.yaml "$tmp/ov/base.yaml"
printf '# overlay\nextends: base.yaml\ndecisions:\n  contracts.deal.capacity.0.count: { min: 10, max: 5, step: 1 }\n' > "$tmp/ov/over.yaml"
"$CAPSIM" check "$tmp/ov/over.yaml" > /dev/null 2> "$tmp/ov/err"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "^$tmp/ov/over.yaml:4:36: decisions.contracts.deal.capacity.0.count: empty box" "$tmp/ov/err"; then
    echo "ok: an overlay's bad decision points at the overlay, line 4"
else
    fail "overlay decision error: exit $rc: $(cat "$tmp/ov/err")"
fi
sed 's/measure: es_lo/measure: es_middle/' tests/scenarios/newsvendor.yaml > "$tmp/ov/base.yaml"
printf 'extends: base.yaml\nsimulation: { paths: 3000 }\n' > "$tmp/ov/over2.yaml"
"$CAPSIM" check "$tmp/ov/over2.yaml" > /dev/null 2> "$tmp/ov/err"; rc=$?
line=$(grep -n 'measure: es_middle' "$tmp/ov/base.yaml" | cut -d: -f1)
if [ "$rc" -eq 2 ] && grep -q "^$tmp/ov/base.yaml:$line:" "$tmp/ov/err"; then
    echo "ok: a base's bad objective points at the base, line $line"
else
    fail "base objective error: exit $rc: $(cat "$tmp/ov/err")"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
