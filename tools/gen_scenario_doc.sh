#!/bin/sh
# gen_scenario_doc.sh [CAPSIM] [FILE]: replace the generated part of docs/SCENARIO.md
# (between its BEGIN/END markers) by `capsim schema --markdown`, keeping the prose
# around it. tests/cli_schema.sh fails when the committed file differs from this.
set -eu
capsim=${1:-./capsim}
doc=${2:-docs/SCENARIO.md}
begin='<!-- BEGIN capsim schema --markdown -->'
end='<!-- END capsim schema --markdown -->'
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.gen"' EXIT
"$capsim" schema --markdown > "$tmp.gen"
awk -v b="$begin" -v e="$end" -v gen="$tmp.gen" '
    $0 == b { print; while ((getline line < gen) > 0) print line; skip = 1; next }
    $0 == e { skip = 0 }
    !skip { print }' "$doc" > "$tmp"
grep -qxF "$begin" "$tmp" && grep -qxF "$end" "$tmp" || { echo "$doc: markers missing" >&2; exit 1; }
cat "$tmp" > "$doc"
