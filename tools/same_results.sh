#!/bin/sh
# same_results.sh [--ignore-new NAME,NAME...] A.h5 B.h5: exit 0 when two results files hold
# the same results bit for bit: every group and dataset under the root, with their
# attributes (h5diff, exact), and the root attributes except those that describe the run
# rather than its results (command line, times, threads, build). Used to show a
# refactoring changed no number.
#
# --ignore-new NAMES: B (the new build's file) may hold outputs that A (the old one's)
# lacks, named in NAMES (a series or total NAME, so NAME and its statistics NAME_mean...);
# everything else must still be the same bits: the groups are then compared by
# tools/same_results_ignore.py (h5py), which also accepts the sensitivity tables that
# gain one row per new total when A's rows are B's leading rows, bit for bit. (h5diff
# cannot: it counts an object in one file only as a difference, and it skips datasets
# whose shapes differ without saying they differ.) Used when a change adds outputs.
set -u
ignore=
if [ "${1:-}" = "--ignore-new" ]; then ignore=$2; shift 2; fi
a=$1; b=$2
rc=0
for f in "$a" "$b"; do h5ls "$f" > /dev/null 2>&1 || { echo "not a results file: $f"; exit 1; }; done
if [ -n "$ignore" ]; then
    ${PYTHON:-/usr/bin/python3} "$(dirname "$0")/same_results_ignore.py" "$a" "$b" "$ignore" || rc=1
else
for g in $(h5ls "$a" | awk '{print $1}'); do
    h5diff -r "$a" "$b" "/$g" "/$g" > /tmp/same_results.$$ 2>&1 ||
        { echo "differs: /$g"; grep -v '^0 differences' /tmp/same_results.$$ | head -8; rc=1; }
done
fi
[ "$(h5ls "$a" | awk '{print $1}')" = "$(h5ls "$b" | awk '{print $1}')" ] || { echo "differs: top-level objects"; rc=1; }
volatile='command_line|history|compiler|compiler_flags|created|git_revision|started|threads|wall_seconds|capsim_version|source'
root_attrs() {
    h5dump -A -g / "$1" 2>/dev/null | awk -v re="^   ATTRIBUTE \"($volatile)\"" '
        /^   ATTRIBUTE / { skip = ($0 ~ re) } /^   GROUP|^      ATTRIBUTE|^   [A-Z]/ && !/^   ATTRIBUTE/ { skip = 0 }
        !skip { print }' | sed -n '/^GROUP "\/" {/,/^   GROUP/p' | grep -v '^   GROUP'
}
root_attrs "$a" > /tmp/same_results_a.$$; root_attrs "$b" > /tmp/same_results_b.$$
cmp -s /tmp/same_results_a.$$ /tmp/same_results_b.$$ || { echo "differs: root attributes"; diff /tmp/same_results_a.$$ /tmp/same_results_b.$$ | head; rc=1; }
rm -f /tmp/same_results.$$ /tmp/same_results_a.$$ /tmp/same_results_b.$$
exit $rc
