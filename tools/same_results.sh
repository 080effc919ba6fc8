#!/bin/sh
# same_results.sh [--ignore-new NAMES] A.h5 B.h5: exit 0 when two results files hold the
# same results bit for bit: every group and dataset under the root, with their attributes
# (h5diff, exact), and the root attributes except those that describe the run rather than
# its results (command line, times, threads, build). Used to show a refactoring changed
# no number.
#
# --ignore-new NAMES (comma-separated output names, such as defaulted,value_lost): for a
# build that adds outputs, A being the older file. An object that only B has and whose
# last path component is NAME or NAME_SUFFIX (the /stats variables NAME_mean, NAME_q...)
# is not compared, and neither are the entries that point to it in the REFERENCE_LIST
# of the dimension scales it uses; every other attribute of those scales, and every
# other object, is compared as without the option. An object that only one file has and
# that NAMES does not cover is still a difference.
set -u
ignore=
if [ "${1:-}" = --ignore-new ]; then ignore=$2; shift 2; fi
a=$1; b=$2
rc=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for f in "$a" "$b"; do h5ls "$f" > /dev/null 2>&1 || { echo "not a results file: $f"; exit 1; }; done

# With --ignore-new: $tmp/ignored lists the ignored objects of B, $tmp/scales the
# dimension scales they are attached to, and h5diff gets the matching exclusions.
: > "$tmp/ignored"; : > "$tmp/scales"
if [ -n "$ignore" ]; then
    re="^($(echo "$ignore" | sed 's/,/|/g'))(_[A-Za-z0-9_]+)?\$"
    h5ls -r "$a" | awk '{print $1}' | sort > "$tmp/objs_a"
    h5ls -r "$b" | awk '{print $1}' | sort > "$tmp/objs_b"
    comm -13 "$tmp/objs_a" "$tmp/objs_b" | awk -F/ -v re="$re" '$NF ~ re' > "$tmp/ignored"
    comm -3 "$tmp/objs_a" "$tmp/objs_b" | sed 's/^\t//' | grep -vxF -f "$tmp/ignored" > "$tmp/others"
    [ -s "$tmp/others" ] && { echo "differs: objects in one file only:"; head -8 "$tmp/others"; rc=1; }
    while IFS= read -r o; do
        h5dump -a "$o/DIMENSION_LIST" "$b" 2>/dev/null |
            sed -n 's/.*DATASET [0-9]* "\([^"]*\)".*/\1/p'
    done < "$tmp/ignored" | sort -u > "$tmp/scales"
fi

# The REFERENCE_LIST of scale $2 in file $1 as sorted "object dimension" lines, less the
# ignored objects; and the scale's other attributes as h5dump prints them.
reflist() {
    h5dump -a "$2/REFERENCE_LIST" "$1" 2>/dev/null | awk '
        /DATASET [0-9]+ "/ { match($0, /"[^"]*"/); obj = substr($0, RSTART + 1, RLENGTH - 2); next }
        obj != "" && /^ *-?[0-9]+ *$/ { gsub(/ /, ""); print obj, $0; obj = "" }' |
        awk 'NR == FNR { ig[$0] = 1; next } !($1 in ig)' "$tmp/ignored" - | sort
}
other_attrs() {
    h5dump -A -d "$2" "$1" 2>/dev/null | tail -n +2 | awk '
        /^   ATTRIBUTE "REFERENCE_LIST"/ { skip = 1; next }
        skip && /^   ATTRIBUTE / { skip = 0 }
        skip && /^   }$/ { skip = 0; next }
        !skip { print }'
}
for g in $(h5ls "$a" | awk '{print $1}'); do
    set --
    while IFS= read -r o; do
        case $o in "/$g/"*) set -- "$@" --exclude-path "${o#/"$g"}" ;; esac
    done < "$tmp/ignored"
    while IFS= read -r s; do
        case $s in "/$g/"*) set -- "$@" --exclude-attribute "$s" ;; esac
    done < "$tmp/scales"
    h5diff -r "$@" "$a" "$b" "/$g" "/$g" > "$tmp/diff" 2>&1 ||
        { echo "differs: /$g"; grep -v '^0 differences' "$tmp/diff" | head -8; rc=1; }
done
while IFS= read -r s; do
    reflist "$a" "$s" > "$tmp/ra"; reflist "$b" "$s" > "$tmp/rb"
    cmp -s "$tmp/ra" "$tmp/rb" || { echo "differs: REFERENCE_LIST of $s"; diff "$tmp/ra" "$tmp/rb" | head -5; rc=1; }
    other_attrs "$a" "$s" > "$tmp/aa"; other_attrs "$b" "$s" > "$tmp/ab"
    cmp -s "$tmp/aa" "$tmp/ab" || { echo "differs: attributes of $s"; diff "$tmp/aa" "$tmp/ab" | head -5; rc=1; }
done < "$tmp/scales"
[ "$(h5ls "$a" | awk '{print $1}')" = "$(h5ls "$b" | awk '{print $1}')" ] || { echo "differs: top-level objects"; rc=1; }
volatile='command_line|compiler|compiler_flags|created|git_revision|started|threads|wall_seconds|capsim_version'
root_attrs() {
    h5dump -A -g / "$1" 2>/dev/null | awk -v re="^   ATTRIBUTE \"($volatile)\"" '
        /^   ATTRIBUTE / { skip = ($0 ~ re) } /^   GROUP|^      ATTRIBUTE|^   [A-Z]/ && !/^   ATTRIBUTE/ { skip = 0 }
        !skip { print }' | sed -n '/^GROUP "\/" {/,/^   GROUP/p' | grep -v '^   GROUP'
}
root_attrs "$a" > "$tmp/root_a"; root_attrs "$b" > "$tmp/root_b"
cmp -s "$tmp/root_a" "$tmp/root_b" || { echo "differs: root attributes"; diff "$tmp/root_a" "$tmp/root_b" | head; rc=1; }
exit $rc
