#!/bin/sh
# cli_yaml_limits.sh: hostile scenario inputs fail fast, in bounded memory, with exit 2
# and a message that names the limit (issue 13, items 6 and 7):
#   - 100k nested `[` under an unknown key: the depth limit (64) is met while parsing;
#   - 100k unknown top-level keys: the duplicate-key check is not quadratic;
#   - a list of 1M + 1 items: "too many nodes (limit 1000000)", not "after alias
#     expansion" (there is no alias), and a 10M-item list (40 MB): the size limit;
#   - `check /dev/zero` (also as a base file: `extends: /dev/zero`) and a 17 MiB file:
#     reading stops at the 16 MiB limit;
#   - two files of 600k nodes, one extending the other: the node limit is shared;
#   - a second YAML document after a valid scenario, or inside a --set value;
#   - 20k segments or chips: at most 1000 of each kind of entity.
# Time bounds are generous (about 10x the time taken, far below the 25 s and more that
# the old quadratic loading took; 5x more under sanitizers); memory is measured as the peak resident size of
# the process, under an address-space cap so that a regression cannot take the machine
# down (not under AddressSanitizer, which reserves terabytes of address space).
set -u
: "${CAPSIM:?}"
PY=${PYTHON:-python3}
command -v "$PY" > /dev/null 2>&1 || { echo "SKIP: no python3 to generate the inputs"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The cap on address space, in bytes, unless the binary cannot start under it (ASan).
AS_CAP=$((2 * 1024 * 1024 * 1024))
# measure LIMIT_S CMD...: runs CMD with stdout to $tmp/out and stderr to $tmp/err,
# killed after LIMIT_S seconds; sets rc (124 when killed), secs and rss_mb.
measure() {
    "$PY" - "$AS_CAP" "$@" > "$tmp/m" <<'EOF'
import resource, subprocess, sys, time, os
cap, limit, cmd = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
def pre():
    if cap > 0:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
tmp = os.environ["TMPD"]
t0 = time.monotonic()
with open(tmp + "/out", "wb") as out, open(tmp + "/err", "wb") as err:
    p = subprocess.Popen(cmd, stdout=out, stderr=err, preexec_fn=pre)
    try:
        rc = p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = 124
secs = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(rc, "%.2f" % secs, rss)
EOF
    read -r rc secs rss_mb < "$tmp/m"
    echo "  exit $rc, $secs s, $rss_mb MB: $*" | cut -c1-150
}
export TMPD="$tmp"

measure 20 "$CAPSIM" check
if [ "$rc" -ne 0 ]; then
    echo "SKIP: memory bounds: capsim does not start under a 2 GiB address-space cap (a sanitizer build?)"
    AS_CAP=0
    MEM_CHECKS=0
    SLOW=5      # sanitizers: time bounds 5x longer
else
    MEM_CHECKS=1
    SLOW=1
fi
# bounded WHAT MAX_MB: the last run's peak resident size is at most MAX_MB.
bounded() {
    [ "$MEM_CHECKS" -eq 0 ] || [ "$rss_mb" -le "$2" ] ||
        fail "$1: peak memory ${rss_mb} MB (expected at most $2 MB)"
}
# expect WHAT MAX_S PATTERN: the last run exited 2 within MAX_S seconds, nothing on
# stdout, and stderr has PATTERN (grep -F).
expect() {
    [ "$rc" -eq 2 ] || fail "$1: exit $rc (expected 2)"
    [ "$rc" -ne 124 ] || fail "$1: killed after $secs s"
    awk -v s="$secs" -v m="$2" -v k="$SLOW" 'BEGIN { exit !(s <= m * k) }' ||
        fail "$1: took $secs s (expected at most $2 s x $SLOW)"
    [ ! -s "$tmp/out" ] || fail "$1: wrote to stdout"
    grep -Fq -- "$3" "$tmp/err" || { fail "$1: stderr lacks: $3"; head -c 2000 "$tmp/err"; }
}

head='scenario: { name: t, start: 2025-01, months: 12 }'

# 100k nested [ under an unknown key: the 64th [ is the 65th level of the document.
"$PY" -c "import sys; sys.stdout.write('$head\njunk: ' + '[' * 100000 + '\n')" > "$tmp/deep.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/deep.yaml"
expect "100k nested [" 2 "deep.yaml:2:70: nested too deeply (expected at most 64 levels)"
bounded "100k nested [" 200

# 100k unknown top-level keys: unknown-key errors (the first 1000 of them printed).
"$PY" -c "
import sys
sys.stdout.write('$head\n' + ''.join('k%d: 1\n' % i for i in range(100000)))" > "$tmp/keys.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/keys.yaml"
expect "100k unknown keys" 3 "keys.yaml:2:1: unknown key 'k0'"
grep -Fq "keys.yaml: ... and 99000 more errors" "$tmp/err" || fail "100k unknown keys: the count of the errors not printed"
bounded "100k unknown keys" 300
# ... and the same keys all duplicates of one another.
"$PY" -c "
import sys
sys.stdout.write('$head\n' + ''.join('k: %d\n' % i for i in range(100000)))" > "$tmp/dups.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/dups.yaml"
expect "100k duplicate keys" 3 "dups.yaml:3:1: duplicate key 'k' (expected each key once; first at line 2, column 1)"
grep -Fq "dups.yaml:100001:1: duplicate key 'k'" "$tmp/err" && fail "100k duplicate keys: more than 1000 errors printed"

# A list of 1M + 1 items has too many nodes; nothing is an alias.
"$PY" -c "
import sys
sys.stdout.write('$head\nx: [' + '0,' * 1000000 + '0]\n')" > "$tmp/list1m.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/list1m.yaml"
expect "1M-item list" 10 "too many nodes (limit 1000000)"
grep -Fq "alias" "$tmp/err" && fail "1M-item list: the message speaks of aliases"
bounded "1M-item list" 400
# Aliases that expand past the limit: said so.
"$PY" -c "
import sys
sys.stdout.write('$head\na: &a [' + '0,' * 999 + '0]\nb: &b [' + '*a,' * 999 + '*a]\nc: [*b, *b]\n')" > "$tmp/laughs.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/laughs.yaml"
expect "alias expansion" 10 "too large after alias expansion"
bounded "alias expansion" 400

# A 10M-item list (40 MB): the size limit, read no further than it.
"$PY" -c "
import sys
sys.stdout.write('$head\nx:\n' + '- 0\n' * 10000000)" > "$tmp/list10m.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/list10m.yaml"
expect "10M-item list" 5 "larger than 16 MiB"
bounded "10M-item list" 200

# /dev/zero: reading stops at the limit.
if [ -r /dev/zero ]; then
    measure $((20 * SLOW)) "$CAPSIM" check /dev/zero
    expect "check /dev/zero" 5 "/dev/zero: the scenario is larger than 16 MiB"
    bounded "check /dev/zero" 200
    # ... and so does reading a base file (extends).
    printf 'extends: /dev/zero\n' > "$tmp/ext-zero.yaml"
    measure $((20 * SLOW)) "$CAPSIM" check "$tmp/ext-zero.yaml"
    expect "extends: /dev/zero" 5 "/dev/zero: the scenario is larger than 16 MiB"
    bounded "extends: /dev/zero" 200
fi

# A chain of files, each within the node limit, together over it: the limit is shared.
"$PY" -c "
import sys
n = 600000
open(sys.argv[1] + '/big-base.yaml', 'w').write('x: [' + ','.join(['0'] * n) + ']\n')
open(sys.argv[1] + '/big-over.yaml', 'w').write('extends: big-base.yaml\ny: [' + ','.join(['0'] * n) + ']\n')" "$tmp"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/big-over.yaml"
expect "extends: nodes over two files" 5 ": too many nodes in a file and the files it extends (limit 1000000 in all)"
grep -q "^$tmp/big-base.yaml:1:[0-9]*: too many" "$tmp/err" || fail "extends: nodes over two files: not reported in the base file"
bounded "extends: nodes over two files" 400

# A 17 MiB file of a valid scenario and comments.
"$PY" -c "
import sys
sys.stdout.write('$head\n' + ('#' * 1023 + '\n') * (17 * 1024))" > "$tmp/big.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/big.yaml"
expect "17 MiB file" 5 "big.yaml: the scenario is larger than 16 MiB"
bounded "17 MiB file" 200
# ... while 16 MiB exactly loads.
"$PY" -c "
import sys
s = '$head\n'
sys.stdout.write(s + '#' * (16 * 1024 * 1024 - len(s) - 1) + '\n')" > "$tmp/max.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/max.yaml"
[ "$rc" -eq 0 ] || { fail "16 MiB exactly: exit $rc (expected 0)"; head -c 2000 "$tmp/err"; }

# A second document after a valid scenario, even an invalid one, is an error.
printf '%s\n---\n{ [\n' "$head" > "$tmp/two.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/two.yaml"
expect "second document" 5 "two.yaml:2:1: a scenario is one YAML document; a second starts here"
printf '%s\n...\n--- { name: u }\n' "$head" > "$tmp/two.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/two.yaml"
expect "second document after ..." 5 "two.yaml:3:1: a scenario is one YAML document; a second starts here"
printf '%s\n...\nscenario: { name: u }\n' "$head" > "$tmp/two.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/two.yaml"
expect "text after ..." 5 "two.yaml:3:1: invalid YAML: did not find expected <document start>"
# ... and inside a --set value.
printf '%s\n' "$head" > "$tmp/small.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/small.yaml" --set 'scenario.months=24
--- 36'
expect "second document in --set" 5 "--set:1:"
grep -Fq "scenario.months: a scenario is one YAML document; a second starts here" "$tmp/err" ||
    fail "second document in --set: not named"
# 20k segments, 20k chips: the name checks and look-ups are linear per entry, so lists of
# entities are capped at 1000 (20k segments took 25 s before the cap).
"$PY" -c "
import sys
sys.stdout.write('$head\ndemand:\n' + ''.join('  - {name: s%d, start_h100e: 1}\n' % i for i in range(20000)))" > "$tmp/segs.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/segs.yaml"
expect "20k segments" 3 "segs.yaml:3:3: demand: 20000 segments (expected at most 1000)"
"$PY" -c "
import sys
sys.stdout.write('$head\nchips:\n' + ''.join('  c%d: {h100e: 1, kw: 1, life_months: 10}\n' % i for i in range(20000)))" > "$tmp/chips.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/chips.yaml"
expect "20k chips" 3 "chips.yaml:3:3: chips: 20000 chips (expected at most 1000)"

# ... while one document with its markers is fine.
printf -- '---\n%s\n...\n' "$head" > "$tmp/one.yaml"
measure $((20 * SLOW)) "$CAPSIM" check "$tmp/one.yaml"
[ "$rc" -eq 0 ] || { fail "one document with --- and ...: exit $rc (expected 0)"; cat "$tmp/err"; }

[ "$fails" -eq 0 ] && echo "all passed"
[ "$fails" -eq 0 ]
