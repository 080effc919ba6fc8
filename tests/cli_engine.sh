#!/bin/sh
# Command-line tests of the engine: exit codes, arguments, and bitwise determinism of
# the results file across thread counts (h5diff compares every dataset exactly; root
# attributes such as threads and wall time are expected to differ).
set -u
: "${CAPSIM:?}" "${BUILD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { # expected-rc description command...
    want=$1; what=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    [ "$got" -eq "$want" ] || { fail "$what: exit $got, expected $want"; cat "$tmp/err"; }
}
sc=tests/scenarios/every-randomness.yaml

expect_rc 0 "--version" "$CAPSIM" --version
grep -q '^capsim [0-9]' "$tmp/out" || fail "--version prints the version"
expect_rc 2 "no command" "$CAPSIM"
expect_rc 2 "unknown command" "$CAPSIM" frobnicate
for c in run check compare sweep summary export; do
    expect_rc 0 "$c --help" "$CAPSIM" $c --help
    grep -q "usage: capsim $c" "$tmp/out" || fail "$c --help shows its usage"
done
expect_rc 2 "--paths 0" "$CAPSIM" run "$sc" --paths 0 -o "$tmp/x.h5"
expect_rc 2 "--paths abc" "$CAPSIM" run "$sc" --paths abc -o "$tmp/x.h5"
expect_rc 2 "--threads 0" "$CAPSIM" run "$sc" --threads 0 -o "$tmp/x.h5"
expect_rc 2 "--superblock-paths 1000" "$CAPSIM" run "$sc" --superblock-paths 1000 -o "$tmp/x.h5"
grep -q "superblock-paths 1000: expected a multiple of 512" "$tmp/err" || fail "--superblock-paths says what it expects"
expect_rc 2 "--superblock-paths 0" "$CAPSIM" compare "$sc" "$sc" --superblock-paths 0 -o "$tmp/x.h5"
for c in run compare sweep; do
    "$CAPSIM" $c --help | grep -q -- "--superblock-paths N" || fail "$c --help documents --superblock-paths"
done
expect_rc 2 "--target-rse without --on" "$CAPSIM" run "$sc" --target-rse 0.01 -o "$tmp/x.h5"
expect_rc 2 "--on unknown metric" "$CAPSIM" run "$sc" --target-rse 0.01 --on nonsense -o "$tmp/x.h5"
grep -q "not a scalar per-path total" "$tmp/err" || fail "--on names the problem"
expect_rc 2 "missing scenario file" "$CAPSIM" run "$tmp/none.yaml" -o "$tmp/x.h5"
expect_rc 2 "bad --set key" "$CAPSIM" run "$sc" --set demand.nope.growth=2 -o "$tmp/x.h5"
[ ! -e "$tmp/x.h5" ] || fail "bad input wrote a file"
expect_rc 2 "compare needs two files" "$CAPSIM" compare "$sc" -o "$tmp/x.h5"
expect_rc 2 "sweep bad --vary" "$CAPSIM" sweep "$sc" --vary demand.inference.start_h100e -o "$tmp/x.h5"

# Same seed, same bits, whatever the thread count.
for t in 1 2 3; do
    expect_rc 0 "run --threads $t" "$CAPSIM" run "$sc" --paths 2500 --threads $t --quiet -o "$tmp/t$t.h5"
done
for t in 2 3; do
    for g in /stats /totals /params /sensitivity; do
        h5diff -r "$tmp/t1.h5" "$tmp/t$t.h5" $g $g > "$tmp/diff" 2>&1 ||
            { fail "threads 1 vs $t differ in $g"; head -5 "$tmp/diff"; }
    done
done
# A different seed gives different results.
expect_rc 0 "run --seed 8" "$CAPSIM" run "$sc" --paths 2500 --seed 8 --quiet -o "$tmp/s8.h5"
h5diff -q "$tmp/t1.h5" "$tmp/s8.h5" /totals /totals > /dev/null 2>&1 && fail "seed 8 equals seed 7"

# The built-in default scenario runs without a file.
expect_rc 0 "run (built-in default)" "$CAPSIM" run --paths 300 --quiet -o "$tmp/default.h5"
[ -s "$tmp/default.h5" ] || fail "default run wrote its file"

# --target-rse stops early, at a batch boundary, the same for any thread count.
expect_rc 0 "target-rse t1" "$CAPSIM" run "$sc" --paths 50000 --target-rse 0.05 --on pv_spend --threads 1 --quiet -o "$tmp/r1.h5"
expect_rc 0 "target-rse t2" "$CAPSIM" run "$sc" --paths 50000 --target-rse 0.05 --on pv_spend --threads 2 --quiet -o "$tmp/r2.h5"
h5diff -r "$tmp/r1.h5" "$tmp/r2.h5" /stats /stats > /dev/null 2>&1 || fail "target-rse runs differ across threads"
grep -q "not reached" "$tmp/err" && fail "a target that was reached gets no warning"
"$CAPSIM" summary "$tmp/r1.h5" | grep -q "target     RSE of pv_spend 0.05: reached" || fail "summary: target reached"
# A target not reached by --paths: a warning on stderr (even with --quiet) naming the
# achieved RSE and the target, the attributes in the file, and the summary says so.
expect_rc 0 "target-rse not reached" "$CAPSIM" run "$sc" --paths 1500 --target-rse 0.00001 --on pv_spend --quiet -o "$tmp/r3.h5"
grep -q "^capsim: warning: --target-rse 1e-05 on pv_spend not reached: relative standard error 0\.0[0-9]* after 1500 paths" "$tmp/err" ||
    { fail "warning of a target not reached"; cat "$tmp/err"; }
h5dump -a achieved_rse "$tmp/r3.h5" | grep -q "(0): 0\.00" || fail "achieved_rse in the file"
h5dump -a target_on "$tmp/r3.h5" | grep -q '"pv_spend"' || fail "target_on in the file"
"$CAPSIM" summary "$tmp/r3.h5" | grep -q "target     RSE of pv_spend 1e-05: NOT REACHED, 0\.0[0-9]* at the --paths limit" ||
    fail "summary: target not reached"
# summary says which standard error it shows (/stats se_method, docs/OUTPUT.md, "Estimators and their accuracy")
"$CAPSIM" summary "$tmp/r3.h5" | grep -q "^  SE         sd / sqrt(paths) (se_method iid)" ||
    fail "summary: the SE of random sampling"
expect_rc 0 "lhs run" "$CAPSIM" run "$sc" --paths 1000 --set simulation.sampling=lhs --quiet -o "$tmp/lhs.h5"
"$CAPSIM" summary "$tmp/lhs.h5" | grep -q "^  SE         from the spread of 8 independent replicate means (se_method replicates:8)" ||
    fail "summary: the SE of lhs sampling"

# The path loop allocates nothing: from 2,048 to 20,480 paths the allocations grow by
# HDF5's per-batch work only (about 0.3 a path), not by one or more a path (the beta and
# gamma quantiles once made two per sampled value: 8 a path here). The shim is not
# usable under AddressSanitizer, whose allocator must come first.
shim=$BUILD/tests/malloc_count.so
if ldd "$CAPSIM" 2>/dev/null | grep -q libasan; then
    echo "SKIP: allocation count: sanitizer build"
elif ldd "$CAPSIM" 2>/dev/null | grep -q libomp; then
    # LLVM's OpenMP runtime allocates more per parallel region (per batch) than GNU's:
    # the bound below is calibrated for libgomp, the runtime of the shipped build.
    echo "SKIP: allocation count: clang build (libomp)"
elif [ ! -f "$shim" ]; then
    fail "$shim is missing (make test builds it)"
else
    for n in 2048 20480; do
        MALLOC_COUNT_OUT="$tmp/alloc$n" LD_PRELOAD="$shim" \
            "$CAPSIM" run "$sc" --paths $n --threads 2 --quiet -o "$tmp/alloc.h5" || fail "run under the shim"
    done
    a=$(cat "$tmp/alloc2048" 2>/dev/null || echo 0)
    b=$(cat "$tmp/alloc20480" 2>/dev/null || echo 0)
    if [ "$a" -le 0 ] || [ "$b" -le 0 ]; then
        fail "the allocation counts were not written"
    elif [ $(( (b - a) * 2 )) -ge 18432 ]; then
        fail "allocations grow with paths: $a at 2048 paths, $b at 20480 (0.5 a path or more)"
    fi
fi

# The engine's files call one another in one direction only (the graph at the head of
# sim/engine/engine.c): from their objects' defined and undefined symbols, no cycle.
if command -v nm > /dev/null 2>&1; then
    for o in "$BUILD"/sim/engine/*.o; do
        f=$(basename "$o" .o)
        nm "$o" | awk -v f="$f" '$2 ~ /^[TDBR]$/ { print "D", f, $3 } $1 == "U" { print "U", f, $2 }'
    done > "$tmp/syms"
    ${PYTHON:-/usr/bin/python3} - "$tmp/syms" > "$tmp/graph" <<'PY' || fail "the engine's files call one another in a cycle: $(cat "$tmp/graph")"
import sys
defs, edges = {}, {}
rows = [line.split() for line in open(sys.argv[1])]
for kind, f, sym in rows:
    if kind == "D":
        defs[sym] = f
for kind, f, sym in rows:
    if kind == "U" and sym in defs and defs[sym] != f:
        edges.setdefault(f, set()).add(defs[sym])
state = {}
def visit(n, path):
    state[n] = 1
    for m in sorted(edges.get(n, ())):
        if state.get(m) == 1:
            print(" -> ".join(path + [m]))
            sys.exit(1)
        if not state.get(m):
            visit(m, path + [m])
    state[n] = 2
for n in sorted(edges):
    if not state.get(n):
        visit(n, [n])
print(len(edges), "files with calls, no cycle")
PY
    [ "$(grep -c '^D' "$tmp/syms")" -gt 0 ] || fail "no engine objects in $BUILD/sim/engine"
else
    echo "cli_engine: call graph skipped (no nm)"
fi

echo "cli_engine: $fails failure(s)"
[ "$fails" -eq 0 ]
