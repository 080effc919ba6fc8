#!/bin/sh
# cli_docs: the README's walkthrough is what the code makes (tools/docs.py --check).
# README.md must be docs/README.in.md filled in with docs/walkthrough.json, and every
# figure there must be what re-running the walkthrough's commands gives now. In the
# sanitizer builds (5-20x slower) only the first step (the default run) is re-run; the
# normal build re-runs them all.
set -eu
: "${CAPSIM:?} ${PYTHON:?}"
"$PYTHON" -c "import h5py, numpy" 2>/dev/null || { echo "SKIP: needs h5py and numpy"; exit 77; }
steps=""
case ${BUILD:-build} in
    *san*|*int*) steps="--steps default"
                 echo "sanitizer build ($BUILD): re-running the default run only" ;;
esac
# shellcheck disable=SC2086
"$PYTHON" tools/docs.py --check --capsim "$CAPSIM" $steps
