#!/bin/sh
# The include direction of the folders (tools/check_layers.py, docs/ARCHITECTURE.md):
# the tree as it is passes; a copy with one deliberate back edge (a random-number header
# including the command line's), a peer edge (stats including models) or an HDF5 type in
# an engine header fails, naming the file and the line.
set -u
PYTHON=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

$PYTHON tools/check_layers.py > "$tmp/out" 2>&1 || { fail "the tree breaks its layers"; cat "$tmp/out"; }

# broken EDIT-DESCRIPTION FILE LINE-TO-APPEND EXPECTED-TEXT
broken() {
    rm -rf "$tmp/tree"; mkdir -p "$tmp/tree"
    cp -r sim models output "$tmp/tree/"
    printf '%s\n' "$3" >> "$tmp/tree/$2"
    if $PYTHON tools/check_layers.py "$tmp/tree" > "$tmp/out" 2>&1; then
        fail "$1: the check passed"
    elif ! grep -qF "$4" "$tmp/out"; then
        fail "$1: the message does not say '$4'"; cat "$tmp/out"
    fi
}
broken "back edge" sim/random/rng.h '#include "sim/cli/cli.h"' \
    "sim/random/rng.h:$(($(wc -l < sim/random/rng.h) + 1)): sim/random (layer 1) may not include sim/cli/cli.h"
broken "peer edge" sim/stats/stats.c '#include "models/model.h"' \
    "sim/stats (layer 3) may not include models/model.h"
broken "hdf5 in engine header" sim/engine/engine.h 'typedef hid_t engine_file;' \
    "HDF5 in an engine header"
broken "unknown header" sim/base/suggest.c '#include "nowhere.h"' '"nowhere.h" not found'

[ "$fails" -eq 0 ] && echo "layers: all checks passed"
[ "$fails" -eq 0 ]
