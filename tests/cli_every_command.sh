#!/bin/sh
# The command-line conventions (README "Command line") for every command, not only run,
# compare and sweep (tests/cli_conventions.sh): -h and --help print the usage on stdout,
# exit 0; each --help lists every option the command's source accepts (its longopts, or
# the "--name" strings of a hand-written parser), -h/--help and -q/--quiet; -q is accepted
# everywhere; an option without its value, and an unknown option, are one line naming
# it, exit 2; `-o -` is refused wherever -o is taken, and no file "-" is written; a
# self-compare's ties read "all equal" in summary (not a 0% chance) and null in --json.
# Needs CAPSIM (the binary); run from the repository root.
set -u
: "${CAPSIM:?}"
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
sc=tests/scenarios/options-cash.yaml
cmds="run compare sweep merge check summary export optimize schema"

# --- help, and every option in it ---------------------------------------------------
run_opts=$(sed -n '/^#define CLI_RUN_LONGOPTS/,/^int /p' sim/cli/cli.h | grep -o '{ "[a-z-]*"' | tr -d '{" ')
for cmd in $cmds; do
    src=sim/cli/cmd_$cmd.c
    for h in -h --help; do
        "$CAPSIM" "$cmd" "$h" > "$tmp/help" 2> "$tmp/err"; rc=$?
        [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q "^usage: capsim $cmd" "$tmp/help" \
            && ok "$cmd $h: usage on stdout, exit 0" || fail "$cmd $h: exit $rc, stderr: $(cat "$tmp/err")"
    done
    opts=$(grep -o '{ "[a-z-]*", *[a-z_]*_argument' "$src" | grep -o '"[a-z-]*"' | tr -d '"')
    grep -q CLI_RUN_LONGOPTS "$src" && opts="$opts $run_opts"
    opts="$opts $(grep -o '"--[a-z-]*"' "$src" | tr -d '"-' )"
    case $cmd in   # options the command refuses with a message of its own
        compare|sweep) refused="target-rse on" ;;
        optimize) refused="target-rse on shard" ;;
        *) refused="" ;;
    esac
    missing=""
    for o in $(echo $opts | tr ' ' '\n' | sort -u); do
        case " $refused " in *" $o "*) continue ;; esac
        grep -qF -- "--$o" "$tmp/help" || missing="$missing --$o"
    done
    for o in "-h, --help" "-q, --quiet"; do grep -qF -- "$o" "$tmp/help" || missing="$missing '$o'"; done
    [ -z "$missing" ] && ok "$cmd --help lists every option ($(echo $opts | wc -w) names)" \
        || fail "$cmd --help lacks:$missing"
done

# --- one line per mistake, naming the option, exit 2 ----------------------------------
one_line() {   # one_line DESCRIPTION PATTERN COMMAND...
    what=$1; pat=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
    n=$(wc -l < "$tmp/err")
    if [ "$rc" -eq 2 ] && [ "$n" -eq 1 ] && grep -qF -- "$pat" "$tmp/err"; then
        ok "$what: $(cat "$tmp/err")"
    else
        fail "$what: exit $rc, $n line(s), expected 1 with '$pat':"; cat "$tmp/err"
    fi
}
one_line "sweep --vary without a value" "option --vary needs a value" "$CAPSIM" sweep "$sc" --vary
one_line "merge -o without a value" "option -o needs a value" "$CAPSIM" merge a.h5 -o
one_line "merge --threads without a value" "option --threads needs a value" "$CAPSIM" merge a.h5 --threads
one_line "check --set without a value" "option --set needs a value" "$CAPSIM" check "$sc" --set
one_line "optimize --budget without a value" "option --budget needs a value" "$CAPSIM" optimize "$sc" --budget
one_line "export --csv without a value" "--csv needs a directory" "$CAPSIM" export x.h5 --csv
for cmd in merge check summary export optimize schema; do
    one_line "$cmd --bogus" "--bogus" "$CAPSIM" "$cmd" --bogus
done
one_line "check -x" "unknown option -x" "$CAPSIM" check "$sc" -x

# --- -q everywhere ---------------------------------------------------------------------
"$CAPSIM" run "$sc" --paths 300 -q -o "$tmp/r.h5" 2> "$tmp/err" && [ ! -s "$tmp/err" ] && ok "run -q" || fail "run -q"
"$CAPSIM" run "$sc" --paths 300 -q --shard 0/1 -o "$tmp/s0.h5" 2> "$tmp/err" \
    && "$CAPSIM" merge "$tmp/s0.h5" -q -o "$tmp/m.h5" > "$tmp/out" 2> "$tmp/err" && [ ! -s "$tmp/err" ] && [ ! -s "$tmp/out" ] \
    && ok "merge -q: nothing printed" || fail "merge -q: $(cat "$tmp/err")"
"$CAPSIM" check -q "$sc" > "$tmp/out" 2> "$tmp/err" && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] \
    && ok "check -q of a valid scenario: exit 0, nothing printed" || fail "check -q: $(cat "$tmp/out" "$tmp/err" | head -3)"
printf 'scenario: {name: x}\n' | "$CAPSIM" check -q - > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q '^<stdin>:1:' "$tmp/err" \
    && ok "check -q of a bad scenario: exit 2, the errors only" || fail "check -q bad: exit $rc"
"$CAPSIM" summary -q "$tmp/r.h5" | grep -q '^Key totals' && ok "summary -q: the tables" || fail "summary -q"
"$CAPSIM" export -q "$tmp/r.h5" --csv "$tmp/csv" > "$tmp/out" 2>&1 && [ -s "$tmp/csv/totals.csv" ] && [ ! -s "$tmp/out" ] \
    && ok "export -q" || fail "export -q: $(cat "$tmp/out")"
"$CAPSIM" schema -q | head -c 1 | grep -q '{' && ok "schema -q" || fail "schema -q"
"$CAPSIM" optimize tests/scenarios/newsvendor.yaml --paths 512 -q -o "$tmp/o.h5" > /dev/null 2> "$tmp/err" \
    && [ ! -s "$tmp/err" ] && ok "optimize -q" || fail "optimize -q: $(cat "$tmp/err")"

# --- -o - refused wherever -o is taken ---------------------------------------------------
here=$(pwd)
cd "$tmp" && {
    for args in "run $here/$sc" "compare $here/$sc $here/$sc" "sweep $here/$sc --vary scenario.discount_rate=0.1,0.2" \
                "optimize $here/tests/scenarios/newsvendor.yaml" "merge $tmp/s0.h5"; do
        # shellcheck disable=SC2086
        "$CAPSIM" $args --paths 100 -q -o - > out 2> err; rc=$?
        [ "$rc" -eq 2 ] && [ ! -e ./- ] && ok "${args%% *} -o -: exit 2, no file -" \
            || fail "${args%% *} -o -: exit $rc, $(cat err)"
        rm -f ./-
    done
    cd "$here"
}

# --- ties: all equal, not 0% ---------------------------------------------------------------
"$CAPSIM" compare "$sc" "$sc" --paths 300 -q -o "$tmp/tie.h5" || fail "self-compare"
"$CAPSIM" summary "$tmp/tie.h5" > "$tmp/tie.txt"
rows=$(sed -n '/^Paired difference/,/^  (/p' "$tmp/tie.txt" | grep -E '^  (pv_|unmet|months|outstanding|min_cash|peak)')
if [ -n "$rows" ] && ! echo "$rows" | grep -q '0\.0%' && [ "$(echo "$rows" | grep -vc 'all equal')" -eq 0 ]; then
    ok "a self-compare's differences read 'all equal', never 0.0%"
else
    fail "ties: $rows"
fi
"$CAPSIM" summary --json "$tmp/tie.h5" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["differences"][0]["totals"]
bad = [k for k, t in d.items() if "all_equal" in t and not (t["all_equal"] and t["p_better"] is None)]
sys.exit(1 if bad or not d else 0)' && ok "--json: every tie all_equal with p_better null" || fail "--json ties"

[ "$fails" -eq 0 ] && echo "cli_every_command: all passed" || { echo "cli_every_command: $fails failure(s)"; exit 1; }
