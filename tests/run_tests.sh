#!/bin/sh
# run_tests.sh: the machinery of `make test`. Each test is a make target of its own
# (test/NAME in the Makefile), so that make runs them in parallel; this script orders
# them, runs each one, and reports them all when they are done.
#
#   run_tests.sh run BUILD NAME COMMAND...
#       Runs COMMAND from the repository root with CAPSIM (BUILD/capsim), BUILD, PYTHON
#       and OMP_WAIT_POLICY (passive unless set) in the environment. Its output goes to
#       BUILD/test-logs/NAME.log; its result and the seconds it took to
#       BUILD/test-logs/NAME.status. The result is PASS (exit 0), SKIP (exit 77: the test
#       cannot run here, and its log says why in a line "SKIP: why") or FAIL (any other
#       exit). Exits 0 whatever the test did, so that make goes on with the others.
#   run_tests.sh order BUILD NAME...
#       The names, longest first by the seconds each took last time (a test not yet run
#       first of all): make starts them in this order, so that no long test starts last.
#   run_tests.sh report BUILD NAME...
#       One line per test, in the order given: PASS, SKIP or FAIL, the name, the seconds,
#       and the parts it skipped; then the last lines of the log of each failure, and
#       "N passed, N skipped, N failed". Exits 1 if a test failed or has no result.
#
# A test that skips only a part of itself prints "SKIP: part: why" in its log and passes;
# the report lists those parts (and the tests a cmocka binary skipped) after its name.
# With CAPSIM_TEST_STRICT=1 (set by .ci/run, which installs every dependency) a test
# skipped whole counts as failed.
set -u
mode=${1:?usage: run_tests.sh run BUILD NAME COMMAND... | order BUILD NAME... | report BUILD NAME...}
build=${2:?BUILD}
shift 2
logs=$build/test-logs

now() { date +%s.%N; }

if [ "$mode" = run ]; then
    name=${1:?NAME}; shift
    CAPSIM=$(pwd)/$build/capsim
    BUILD=$build
    PYTHON=${PYTHON:-/usr/bin/python3}
    # Tests run side by side on shared cores: an OpenMP thread that spins while it waits
    # at a barrier holds a core that another test (or its own other thread) needs.
    OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
    export CAPSIM BUILD PYTHON OMP_WAIT_POLICY
    mkdir -p "$logs"
    rm -f "$logs/$name.status"
    t0=$(now)
    "$@" > "$logs/$name.log" 2>&1
    rc=$?
    case $rc in 0) result=PASS;; 77) result=SKIP;; *) result=FAIL;; esac
    echo "$result $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') $rc" > "$logs/$name.status"
    exit 0
fi

if [ "$mode" = order ]; then
    for name in "$@"; do
        secs=$(awk '{ print $2 }' "$logs/$name.status" 2> /dev/null)
        echo "${secs:-1e9} $name"
    done | sort -s -k1,1gr | awk '{ print $2 }'
    exit 0
fi

[ "$mode" = report ] || { echo "run_tests.sh: unknown mode $mode" >&2; exit 2; }
pass=0; skip=0; fail=0; failed=""
for name in "$@"; do
    log=$logs/$name.log
    if [ -f "$logs/$name.status" ]; then
        read -r result secs rc < "$logs/$name.status"
    else
        result=FAIL; secs=-; rc=""
    fi
    # The parts skipped: "SKIP: part: why" lines, and cmocka's "[  SKIPPED ] test_name".
    parts=$(sed -n -e 's/^SKIP: //p' -e '/^\[  SKIPPED \] [0-9]* test(s)/d' \
                -e 's/^\[  SKIPPED \] \(.*\)/\1/p' "$log" 2> /dev/null | awk '!seen[$0]++' |
            paste -s -d ';' - | sed 's/;/; /g')
    note=""
    case $result in
    PASS) pass=$((pass + 1)); [ -z "$parts" ] || note="skipped: $parts";;
    SKIP)
        if [ "${CAPSIM_TEST_STRICT:-0}" = 1 ]; then
            result=FAIL; fail=$((fail + 1)); failed="$failed $name"
            note="skipped, and CAPSIM_TEST_STRICT=1: $parts"
        else
            skip=$((skip + 1)); note=$parts
        fi;;
    *) fail=$((fail + 1)); failed="$failed $name"; note="${rc:+exit }${rc:-no result}, log: $log";;
    esac
    printf '%-4s %-20s %6s s  %s\n' "$result" "$name" "$secs" "$note" | sed 's/ *$//'
done
for name in $failed; do
    echo "--- $name: the end of $logs/$name.log"
    tail -30 "$logs/$name.log" 2> /dev/null
done
echo "$pass passed, $skip skipped, $fail failed"
[ "$fail" -eq 0 ]
