#!/bin/sh
# The MPI build (make CC=mpicc) under mpirun: 2 and 3 ranks write the file of one process
# bitwise (every dataset; the `ranks` attribute says how it was made), also with Sobol
# indices, a compare, LHS sampling (replicate standard errors), and a --target-rse stop in
# the middle of a round of ranks; and capsim optimize.
# Without mpicc or mpirun (Open MPI) it is skipped, exit 77; CI installs Open MPI.
# It builds its own non-sanitizer binary in build-mpicc (also under `make check`).
set -u
: "${CAPSIM:?}" "${BUILD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
for tool in mpicc mpirun; do
    command -v "$tool" > /dev/null 2>&1 || {
        echo "SKIP: $tool not found: install Open MPI (libopenmpi-dev openmpi-bin; tools/install-deps.sh)"
        exit 77
    }
done
# A clean sub-make: not the sanitizer settings of `make check`, nor its jobserver.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make BUILD=build-mpicc CC=mpicc SAN= SANFLAGS= CFLAGS= OPT=-O2 \
        build-mpicc/capsim > "$tmp/build.log" 2>&1; then
    tail -30 "$tmp/build.log"
    echo "FAIL: make CC=mpicc"
    exit 1
fi
MPICAPSIM=$(pwd)/build-mpicc/capsim
export OMP_NUM_THREADS=1
mpirun_() { mpirun --allow-run-as-root --oversubscribe --bind-to none "$@"; }
expect_ok() { # description command...
    what=$1; shift
    "$@" > "$tmp/out" 2> "$tmp/err" || { fail "$what: exit $?"; tail -20 "$tmp/err"; }
}
same() { # description a.h5 b.h5 groups...
    what=$1; a=$2; b=$3; shift 3
    for g in "$@"; do
        h5diff -r "$a" "$b" "$g" "$g" > "$tmp/diff" 2>&1 ||
            { fail "$what: $g differs"; grep -v '^attribute\|^0 differences' "$tmp/diff" | head -8; }
    done
}
sc=tests/scenarios/every-randomness.yaml
# Superblocks of 2560 paths (--superblock-paths; above the 2048 values a statistics
# accumulator keeps exactly, so they are sketches, as with the default 16384) keep the runs
# small: N = 6000 paths = 3 superblocks, so with 2 ranks rank 0 does two, rank 1 one.
SB="--superblock-paths 2560"
N=6000

expect_ok "one process" "$MPICAPSIM" run "$sc" --paths $N $SB --quiet -o "$tmp/one.h5"
for np in 2 3; do
    expect_ok "mpirun -np $np" mpirun_ -np $np "$MPICAPSIM" run "$sc" --paths $N $SB --quiet -o "$tmp/np$np.h5"
    same "-np $np" "$tmp/one.h5" "$tmp/np$np.h5" /stats /totals /params /sensitivity
    h5dump -a ranks "$tmp/np$np.h5" | grep -q "(0): $np" || fail "-np $np: the ranks attribute is $np"
done

# LHS: the replicate means behind every _se (docs/OUTPUT.md, "Estimators and their accuracy") travel in the packages.
expect_ok "lhs, one process" "$MPICAPSIM" run "$sc" --paths $N $SB --set simulation.sampling=lhs --quiet -o "$tmp/lhs1.h5"
expect_ok "lhs, -np 2" mpirun_ -np 2 "$MPICAPSIM" run "$sc" --paths $N $SB --set simulation.sampling=lhs --quiet \
    -o "$tmp/lhs2.h5"
same "lhs -np 2" "$tmp/lhs1.h5" "$tmp/lhs2.h5" /stats /totals /params /sensitivity

# Sobol indices (saltelli) and a compare (paired differences, saved paths).
sobol=tests/scenarios/sobol-additive.yaml
sed 's/price: { h100: 1.0 }/price: { h100: 1.5 }/' "$sobol" > "$tmp/pricier.yaml"
expect_ok "compare, one process" "$MPICAPSIM" compare "$sobol" "$tmp/pricier.yaml" --paths $N $SB --save-paths 100 \
    --quiet -o "$tmp/cmp1.h5"
expect_ok "compare, -np 3" mpirun_ -np 3 "$MPICAPSIM" compare "$sobol" "$tmp/pricier.yaml" --paths $N \
    $SB --save-paths 100 --quiet -o "$tmp/cmp3.h5"
same "compare -np 3" "$tmp/cmp1.h5" "$tmp/cmp3.h5" /stats /diff /totals /params /sensitivity /paths

# --target-rse: rank 0 decides after each superblock; with 2 ranks this target stops after
# superblock 2 (rank 0's), so rank 1's superblock 3 is computed and dropped.
expect_ok "target, one process" "$MPICAPSIM" run "$sc" --paths 20000 $SB --target-rse 0.0006 --on pv_spend \
    --quiet -o "$tmp/t1.h5"
expect_ok "target, -np 2" mpirun_ -np 2 "$MPICAPSIM" run "$sc" --paths 20000 $SB --target-rse 0.0006 --on pv_spend \
    --quiet -o "$tmp/t2.h5"
h5dump -a paths "$tmp/t1.h5" | grep -q "(0): 7680" || fail "target: stops after 3 superblocks ($(h5dump -a paths "$tmp/t1.h5" | grep '(0)'))"
same "target -np 2" "$tmp/t1.h5" "$tmp/t2.h5" /stats /totals /params /sensitivity

# capsim optimize: every rank evaluates the candidates (the same bits), the chosen
# points' variants are split across ranks as a compare's; rank 0 adds /optimize. The file
# is the one-process file, and the report is printed once.
nv=tests/scenarios/newsvendor.yaml
expect_ok "optimize, one process" "$MPICAPSIM" optimize "$nv" --paths 3000 --quiet -o "$tmp/opt1.h5"
expect_ok "optimize, -np 2" mpirun_ -np 2 "$MPICAPSIM" optimize "$nv" --paths 3000 --quiet -o "$tmp/opt2.h5"
same "optimize -np 2" "$tmp/opt1.h5" "$tmp/opt2.h5" /optimize /stats /diff /totals /params
[ "$(grep -c '^w = 0 ' "$tmp/out")" -eq 1 ] || fail "optimize -np 2: the report once, not once per rank"
ls -A "$tmp" | grep -q '^\.opt' && fail "optimize -np 2: an intermediate file was left"

# Bad input: exit 2 from every rank, the message once.
mpirun_ -np 2 "$MPICAPSIM" run "$sc" --paths 0 -o "$tmp/bad.h5" > "$tmp/out" 2> "$tmp/err" && fail "bad input under mpirun succeeded"
[ "$(grep -c 'paths 0' "$tmp/err")" -eq 1 ] || fail "bad input: one message, not one per rank"

echo "cli_mpi: $fails failure(s)"
[ "$fails" -eq 0 ]
