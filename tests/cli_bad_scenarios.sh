#!/bin/sh
# cli_bad_scenarios.sh: `capsim check` on every tests/bad/NAME.yaml must exit 2, write
# nothing on stdout, and print on stderr each line of tests/bad/NAME.expected exactly
# (file:line:col: key.path: what is wrong (what was expected)). NAME.sets, when present,
# holds one `key.path=value` per line, passed as --set arguments.
# Also: the resolved scenario that `check` prints is itself a valid scenario.
# Needs CAPSIM (the binary); run from the repository root.
CAPSIM=${CAPSIM:-build/capsim}
tmp=${TMPDIR:-/tmp}/capsim-bad.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

for yaml in tests/bad/*.yaml; do
    name=${yaml%.yaml}
    [ -f "$name.expected" ] || { bad "$yaml" "no $name.expected"; continue; }
    set --
    if [ -f "$name.sets" ]; then
        while IFS= read -r line; do set -- "$@" --set "$line"; done < "$name.sets"
    fi
    "$CAPSIM" check "$yaml" "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    ok=1
    [ "$rc" -eq 2 ] || { bad "$yaml" "exit code $rc (expected 2)"; ok=0; }
    [ -s "$tmp/out" ] && { bad "$yaml" "wrote to stdout"; ok=0; }
    while IFS= read -r want; do
        grep -Fxq -- "$want" "$tmp/err" || { bad "$yaml" "missing line: $want"; ok=0; }
    done < "$name.expected"
    if [ "$ok" -eq 1 ]; then pass=$((pass + 1)); else echo "--- stderr:"; cat "$tmp/err"; fi
done

# Round trip: check's output loads again and resolves to the same text.
if "$CAPSIM" check > "$tmp/a.yaml" 2> "$tmp/err" &&
   "$CAPSIM" check "$tmp/a.yaml" > "$tmp/b.yaml" 2>> "$tmp/err" &&
   [ "$(tail -n +2 "$tmp/a.yaml")" = "$(tail -n +2 "$tmp/b.yaml")" ]; then
    pass=$((pass + 1))
else
    bad "round trip" "check output of the default scenario does not reload to itself"
    cat "$tmp/err"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
