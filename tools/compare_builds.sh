#!/bin/sh
# compare_builds.sh OLD_CAPSIM NEW_CAPSIM [OLD_MPI_CAPSIM NEW_MPI_CAPSIM]: runs the same set
# of commands with two builds and shows, with tools/same_results.sh (h5diff, exact), that
# every result is bit for bit the same: run (default, lhs, sobol, antithetic, several
# thread counts), compare with saved paths, sweep, saltelli, --target-rse, shards merged,
# and MPI ranks when MPI builds are given. Prints one line per case; exits 1 on any
# difference. Run from the repository root (it uses the shipped scenarios).
# IGNORE_NEW=NAMES (environment; comma-separated output names): the new build adds these
# outputs; same_results.sh --ignore-new NAMES leaves them out of the comparison.
set -u
old=$1; new=$2; oldmpi=${3:-}; newmpi=${4:-}
same() { sh tools/same_results.sh ${IGNORE_NEW:+--ignore-new "$IGNORE_NEW"} "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rc=0
er=tests/scenarios/every-randomness.yaml
sob=tests/scenarios/sobol-additive.yaml
# case NAME ARGS...: run both builds with ARGS -o FILE, compare the files
case_() {
    name=$1; shift
    "$old" "$@" --quiet -o "$tmp/$name.old.h5" > "$tmp/log" 2>&1 || { echo "FAIL $name: old build: $(tail -1 "$tmp/log")"; rc=1; return; }
    "$new" "$@" --quiet -o "$tmp/$name.new.h5" > "$tmp/log" 2>&1 || { echo "FAIL $name: new build: $(tail -1 "$tmp/log")"; rc=1; return; }
    if same "$tmp/$name.old.h5" "$tmp/$name.new.h5" > "$tmp/diff" 2>&1; then
        echo "same  $name"
    else
        echo "DIFF  $name"; head -5 "$tmp/diff"; rc=1
    fi
}
case_ run-default        run --paths 20000 --threads 2
case_ run-default-1t     run --paths 20000 --threads 1 --save-paths 50
case_ run-random         run $er --paths 6000 --threads 2
case_ run-lhs            run $er --paths 6000 --set simulation.sampling=lhs --threads 3
case_ run-sobol          run $er --paths 6000 --set simulation.sampling=sobol --threads 2
case_ run-target         run $er --paths 60000 --target-rse 0.002 --on pv_spend --threads 2
case_ saltelli           run $sob --paths 4000 --threads 2
for s in scenarios/*.yaml; do
    case_ "scenario-$(basename "$s" .yaml)" run "$s" --paths 3000 --threads 2
done
case_ compare            compare scenarios/azure-exclusive-2025.yaml scenarios/multicloud-2026.yaml --paths 5000 --save-paths 20
case_ sweep              sweep scenarios/multicloud-2026.yaml --vary contracts.aws-2025.capacity.0.count=0:400000:3 --paths 3000
# shards, merged by each build
for b in old new; do
    eval bin=\$$b
    for i in 0 1 2; do
        "$bin" run $er --paths 36000 --shard $i/3 --quiet -o "$tmp/sh$i.$b.h5" > "$tmp/log" 2>&1 || { echo "FAIL shard $i ($b)"; rc=1; }
    done
    "$bin" merge "$tmp/sh2.$b.h5" "$tmp/sh0.$b.h5" "$tmp/sh1.$b.h5" --quiet -o "$tmp/merged.$b.h5" > "$tmp/log" 2>&1 || { echo "FAIL merge ($b): $(tail -1 "$tmp/log")"; rc=1; }
done
if same "$tmp/merged.old.h5" "$tmp/merged.new.h5" > "$tmp/diff" 2>&1; then echo "same  shards-merged"; else echo "DIFF  shards-merged"; head -5 "$tmp/diff"; rc=1; fi
if [ -n "$oldmpi" ] && command -v mpirun > /dev/null; then
    for b in old new; do
        eval bin=\$${b}mpi
        mpirun --allow-run-as-root --oversubscribe -np 3 "$bin" run $er --paths 36000 --quiet -o "$tmp/mpi.$b.h5" > "$tmp/log" 2>&1 || { echo "FAIL mpirun ($b): $(tail -1 "$tmp/log")"; rc=1; }
        mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" compare scenarios/azure-exclusive-2025.yaml scenarios/multicloud-2026.yaml --paths 20000 --save-paths 10 --quiet -o "$tmp/mpic.$b.h5" > "$tmp/log" 2>&1 || { echo "FAIL mpirun compare ($b): $(tail -1 "$tmp/log")"; rc=1; }
    done
    for f in mpi mpic; do
        if same "$tmp/$f.old.h5" "$tmp/$f.new.h5" > "$tmp/diff" 2>&1; then echo "same  $f-ranks"; else echo "DIFF  $f-ranks"; head -5 "$tmp/diff"; rc=1; fi
    done
fi
[ $rc -eq 0 ] && echo "all results bitwise identical"
exit $rc
