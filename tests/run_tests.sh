#!/bin/sh
# run_tests.sh BUILD: the whole suite. Unit tests are cmocka binaries in BUILD/tests;
# command-line tests are tests/cli_*.sh (given CAPSIM and BUILD in the environment);
# file-format tests are tests/py_*.py under Debian's python3. Prints one closing line
# "N passed, N failed" and exits non-zero if anything failed.
build=${1:-build}
CAPSIM=$(pwd)/$build/capsim
BUILD=$build
PYTHON=${PYTHON:-/usr/bin/python3}
export CAPSIM BUILD PYTHON
pass=0; fail=0; failed=""
run_one() {
    name=$1; shift
    log=$build/test-logs/$(basename "$name").log
    mkdir -p "$build/test-logs"
    if "$@" > "$log" 2>&1; then
        pass=$((pass + 1)); echo "PASS $name"
    else
        fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (log: $log)"; tail -30 "$log"
    fi
}
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d) continue;; esac
    run_one "$t" "$t"
done
for t in tests/cli_*.sh; do
    [ -f "$t" ] || continue
    run_one "$t" sh "$t"
done
for t in tests/py_*.py; do
    [ -f "$t" ] || continue
    run_one "$t" "$PYTHON" "$t"
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
