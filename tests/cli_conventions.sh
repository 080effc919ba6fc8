#!/bin/sh
# Command-line conventions of run, compare and sweep (README "Command line"):
# -h/--help print the usage on stdout with every shared option and exit 0; an option
# without its value or an unknown option gives one line on stderr naming it, exit 2;
# -q is --quiet; -o - is refused (HDF5 cannot go to a pipe) and no file named "-" is
# written; `run -` reads the scenario from standard input and gives the same statistics
# as the file; sweep refuses `-` (it reads its scenario once per variant).
# Needs CAPSIM (the binary); run from the repository root.
set -u
: "${CAPSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
sc=tests/scenarios/every-randomness.yaml

# --- help on stdout, exit 0, the shared options listed ---------------------------------
for cmd in run compare sweep; do
    for h in -h --help; do
        if "$CAPSIM" "$cmd" "$h" > "$tmp/help" 2> "$tmp/err" && grep -q "^usage: capsim $cmd" "$tmp/help" \
            && [ ! -s "$tmp/err" ]; then
            missing=""
            for o in "--paths N" "--seed S" "--threads T" "--set key.path=value" "-q, --quiet" "-o, --output"; do
                grep -qF -- "$o" "$tmp/help" || missing="$missing $o"
            done
            [ -z "$missing" ] && ok "$cmd $h lists the shared options" || fail "$cmd $h lacks:$missing"
        else
            fail "$cmd $h: not a usage on stdout with exit 0"
        fi
    done
done
"$CAPSIM" sweep -h | grep -qF -- "--vary key.path=LIST" && ok "sweep -h lists --vary" || fail "sweep -h lacks --vary"

# --- one line per mistake, naming the option, exit 2 ----------------------------------
one_line() {   # one_line DESCRIPTION PATTERN COMMAND...
    what=$1; pat=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
    n=$(wc -l < "$tmp/err")
    if [ "$rc" -eq 2 ] && [ "$n" -eq 1 ] && grep -qF -- "$pat" "$tmp/err"; then
        ok "$what: exit 2, one line: $(cat "$tmp/err")"
    else
        fail "$what: exit $rc, $n line(s), expected 1 with '$pat':"; cat "$tmp/err"
    fi
}
one_line "run --paths without a value" "option --paths needs a value" "$CAPSIM" run "$sc" --paths
one_line "compare --seed without a value" "option --seed needs a value" "$CAPSIM" compare "$sc" "$sc" --seed
one_line "run -o without a value" "option -o needs a value" "$CAPSIM" run "$sc" -o
one_line "run -x" "unknown option -x" "$CAPSIM" run "$sc" -x
one_line "sweep --bogus" "unknown option --bogus" "$CAPSIM" sweep "$sc" --vary demand.inference.growth=1,2 --bogus

# --- -o - is refused before anything runs, and no file "-" appears --------------------
here=$(pwd)
cd "$tmp" && {
    "$CAPSIM" run "$here/$sc" --paths 100 -o - > out 2> err; rc=$?
    if [ "$rc" -eq 2 ] && grep -qF "cannot go to standard output" err && [ ! -e ./- ]; then
        ok "-o - refused, exit 2, no file named -"
    else
        fail "-o -: exit $rc, file - $( [ -e ./- ] && echo exists || echo absent ): $(cat err)"
    fi
    cd "$here"
}

# --- -q silences the closing line ------------------------------------------------------
"$CAPSIM" run "$sc" --paths 200 -q -o "$tmp/q.h5" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && [ -s "$tmp/q.h5" ] && ok "-q: exit 0, nothing on stderr" \
    || fail "-q: exit $rc, stderr: $(cat "$tmp/err")"

# --- run - reads standard input: the same statistics as the file ------------------------
"$CAPSIM" run "$sc" --paths 600 -q -o "$tmp/file.h5" || fail "run of the file"
"$CAPSIM" run - --paths 600 -q -o "$tmp/stdin.h5" < "$sc" || fail "run - < file"
if h5diff -q "$tmp/file.h5" "$tmp/stdin.h5" /stats /stats > /dev/null 2>&1 \
    && h5diff -q "$tmp/file.h5" "$tmp/stdin.h5" /totals /totals > /dev/null 2>&1; then
    ok "run - < file: /stats and /totals identical to run file"
else
    fail "run - < file differs from run file"
fi
printf 'scenario: {name: x\n' | "$CAPSIM" run - -q -o "$tmp/bad.h5" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q '^<stdin>:2:1: ' "$tmp/err" && [ ! -e "$tmp/bad.h5" ] \
    && ok "a bad scenario on stdin: exit 2, error at <stdin>:2:1" || fail "bad stdin: exit $rc: $(cat "$tmp/err")"
"$CAPSIM" check - < "$sc" | grep -q '^# <stdin>, resolved' && ok "check - reads standard input" \
    || fail "check - did not read standard input"
one_line "sweep -" "sweep reads its scenario once per variant" \
    "$CAPSIM" sweep - --vary demand.inference.growth=1,2 -q -o "$tmp/s.h5"

[ "$fails" -eq 0 ] && echo "cli_conventions: all passed" || { echo "cli_conventions: $fails failure(s)"; exit 1; }
