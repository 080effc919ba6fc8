#!/bin/sh
# capsim schema: docs/SCENARIO.md holds exactly what `capsim schema --markdown` makes from
# the schema table (tools/gen_scenario_doc.sh regenerates it); --help, one line for a bad
# argument (exit 2); the JSON output is one JSON document naming every top-level key.
# Needs CAPSIM (the binary); run from the repository root.
set -u
: "${CAPSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

cp docs/SCENARIO.md "$tmp/doc.md"
sh tools/gen_scenario_doc.sh "$CAPSIM" "$tmp/doc.md" || fail "gen_scenario_doc.sh failed"
if cmp -s docs/SCENARIO.md "$tmp/doc.md"; then
    ok "docs/SCENARIO.md is what the schema table generates"
else
    fail "docs/SCENARIO.md differs from capsim schema --markdown (run tools/gen_scenario_doc.sh):"
    diff docs/SCENARIO.md "$tmp/doc.md" | head -20
fi
# The generated part is really there: a row of each section, and the distributions.
for row in '| `scenario.months` * | whole number | months |' '| `contracts.<contract>.capacity.<i>.count` * |' \
           '| `finance.funding.<round>.when.usd` * |' '| `objective.risk.weight` |' '| `lognormal` |'; do
    grep -qF -- "$row" docs/SCENARIO.md && ok "SCENARIO.md has $row" || fail "SCENARIO.md lacks $row"
done

for h in -h --help; do
    "$CAPSIM" schema "$h" > "$tmp/help" 2> "$tmp/err"; rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q '^usage: capsim schema' "$tmp/help" \
        && grep -qF -- '--markdown' "$tmp/help" && grep -qF 'yaml-language-server: $schema=' "$tmp/help" \
        && ok "schema $h" || fail "schema $h: exit $rc"
done
"$CAPSIM" schema --bogus > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -qF -- '--bogus' "$tmp/err" && [ ! -s "$tmp/out" ] \
    && ok "schema --bogus: exit 2, one line" || fail "schema --bogus: exit $rc: $(cat "$tmp/err")"
"$CAPSIM" schema extra > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && ok "schema with an argument: exit 2" \
    || fail "schema extra: exit $rc"

"$CAPSIM" schema > "$tmp/s.json" || fail "capsim schema failed"
if command -v /usr/bin/python3 > /dev/null; then
    keys=$(/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join(sorted(s["definitions"]["overlay"]["properties"])))' "$tmp/s.json")
    [ "$keys" = "chips clouds contracts correlations decisions demand extends factors finance objective remove scenario simulation" ] \
        && ok "the overlay schema's top-level keys: $keys" || fail "top-level keys: $keys"
fi

[ "$fails" -eq 0 ] && echo "cli_schema: all passed" || { echo "cli_schema: $fails failure(s)"; exit 1; }
