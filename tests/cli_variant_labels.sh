#!/bin/sh
# Variant labels of compare files: each variant is labelled by its scenario.name; where
# two variants share a name, by their paths as given; where a path is given twice, by
# path#position (1-based); `-` is <stdin>. Read back from /stats/variant (summary --json)
# and shown by summary. Sweep labels are key=value (tests/cli_sweep_values.sh).
# Needs CAPSIM (the binary); run from the repository root.
set -u
: "${CAPSIM:?}"
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
a=tests/scenarios/options-cash.yaml
sed 's/name: options-cash,/name: options-cash-b,/' "$a" > "$tmp/b.yaml"
cp "$a" "$tmp/same-name.yaml"

labels() {   # labels FILE.h5: the variant labels, one line, comma-separated
    "$CAPSIM" summary --json "$1" | "$PY" -c 'import json,sys; print(",".join(v["label"] for v in json.load(sys.stdin)["variants"]))'
}
expect() {   # expect WHAT WANT ARGS...: compare ARGS, then the labels must be WANT
    what=$1; want=$2; shift 2
    if "$CAPSIM" compare "$@" --paths 200 -q -o "$tmp/c.h5" > "$tmp/out" 2> "$tmp/err"; then
        got=$(labels "$tmp/c.h5")
        [ "$got" = "$want" ] && ok "$what: $got" || fail "$what: got '$got', expected '$want'"
    else
        fail "$what: compare failed: $(cat "$tmp/err")"
    fi
}
expect "different names" "options-cash,options-cash-b" "$a" "$tmp/b.yaml"
"$CAPSIM" summary "$tmp/c.h5" > "$tmp/sum"
grep -q '^  variants   options-cash (baseline), options-cash-b$' "$tmp/sum" \
    && grep -q '^=== variant options-cash-b ===$' "$tmp/sum" \
    && grep -q '^Paired difference options-cash-b - options-cash ' "$tmp/sum" \
    && ok "summary shows the name labels" || fail "summary labels: $(grep variant "$tmp/sum")"
expect "a shared name: the paths" "$a,$tmp/same-name.yaml" "$a" "$tmp/same-name.yaml"
expect "only the colliding ones fall back" "$a,options-cash-b,$tmp/same-name.yaml" "$a" "$tmp/b.yaml" "$tmp/same-name.yaml"
expect "one file twice: path#position" "$a#1,$a#2" "$a" "$a"
"$CAPSIM" compare - "$a" --paths 200 -q -o "$tmp/c.h5" < "$a" 2> "$tmp/err" \
    && got=$(labels "$tmp/c.h5") && [ "$got" = "<stdin>,$a" ] && ok "stdin: <stdin>" \
    || fail "stdin labels: ${got:-} $(cat "$tmp/err")"

[ "$fails" -eq 0 ] && echo "cli_variant_labels: all passed" || { echo "cli_variant_labels: $fails failure(s)"; exit 1; }
