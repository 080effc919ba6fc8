#!/bin/sh
# `capsim export OUT.h5 --csv DIR` is atomic (issue 13, item 5): whatever happens, DIR
# holds either the old set of CSV files or the new one, never a mix, and nothing else is
# left behind: no temporary directory or file, no empty directory. Checked: an export over
# an existing export; SIGINT/SIGTERM/SIGKILL during the export; a DIR that is a plain
# file, holds other files, is a dangling symlink or '.'; a read-only parent; a write
# failure (ulimit -f, and ENOSPC on a small tmpfs where mount works); stale temporary
# directories of dead processes. Exit codes: 0 ok, 1 write failure, 2 bad input file or
# unusable DIR.
set -u
: "${CAPSIM:?}" "${BUILD:?}"
tmp=$(mktemp -d)
mounts=""
cleanup() {
    for m in $mounts; do umount "$m" 2> /dev/null; done
    chmod -R u+w "$tmp" 2> /dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { # expected-rc description command...
    want=$1; what=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    [ "$got" -eq "$want" ] || { fail "$what: exit $got, expected $want"; cat "$tmp/err"; }
}
# same DIR REF: DIR holds exactly the files of REF, byte for byte.
same() { diff -r "$1" "$2" > /dev/null 2>&1; }
# listing DIR: its entries, hidden ones too, on one line.
listing() { ls -A "$1" | tr '\n' ' '; }
sc=tests/scenarios/every-randomness.yaml

# A and C small (A with saved paths: a paths.csv that C has not), B large enough that its
# export takes a while; ref/X is the export of X.h5 into a fresh directory.
"$CAPSIM" run "$sc" --paths 200 --save-paths 20 --seed 1 --quiet -o "$tmp/A.h5" || fail "run A"
"$CAPSIM" run "$sc" --paths 200 --seed 2 --quiet -o "$tmp/C.h5" || fail "run C"
"$CAPSIM" run "$sc" --paths 10000 --save-paths 1000 --seed 3 --quiet -o "$tmp/B.h5" || fail "run B"
mkdir "$tmp/ref"
for x in A B C; do
    expect_rc 0 "export $x into a fresh directory" "$CAPSIM" export "$tmp/$x.h5" --csv "$tmp/ref/$x"
done
[ -f "$tmp/ref/A/paths.csv" ] && [ ! -e "$tmp/ref/C/paths.csv" ] || fail "A has paths.csv, C has not"
[ "$(listing "$tmp/ref")" = "A B C " ] || fail "fresh exports leave only their directories: $(listing "$tmp/ref")"

# 1. An export over an existing export leaves exactly the new set.
w=$tmp/over; mkdir "$w"
expect_rc 0 "export A" "$CAPSIM" export "$tmp/A.h5" --csv "$w/D"
expect_rc 0 "export C over A" "$CAPSIM" export "$tmp/C.h5" --csv "$w/D"
same "$w/D" "$tmp/ref/C" || fail "export C over A: not exactly C's set: $(listing "$w/D")"
[ "$(listing "$w")" = "D " ] || fail "export over an export leaves only DIR: $(listing "$w")"
expect_rc 0 "export A over C (DIR given with a trailing slash)" "$CAPSIM" export "$tmp/A.h5" --csv "$w/D/"
same "$w/D" "$tmp/ref/A" || fail "export A over C: not exactly A's set: $(listing "$w/D")"
[ "$(listing "$w")" = "D " ] || fail "export over an export leaves only DIR: $(listing "$w")"
# The directory keeps its permissions.
chmod 750 "$w/D"
expect_rc 0 "export C over A (mode 750)" "$CAPSIM" export "$tmp/C.h5" --csv "$w/D"
[ "$(stat -c %a "$w/D")" = 750 ] || fail "the replaced directory keeps its mode: $(stat -c %a "$w/D")"

# 2. Signals during the export: DIR holds A's set or B's, nothing else is left. The
# signal is sent once the export has started writing (a temporary name has appeared),
# after a delay that varies, so that it lands in different phases; a run that ended
# before the signal must have left B's set.
w=$tmp/sig; mkdir "$w"
started() { { ls -A "$w"; ls -A "$w/D"; } 2> /dev/null | grep -q "\.tmp\."; }
# A background job of a shell without job control starts with SIGINT ignored: env
# --default-signal (coreutils 8.31+) gives it back its default action.
dflt="env --default-signal=INT"
$dflt true 2> /dev/null || dflt=""
for s in INT TERM KILL; do
    if [ $s = INT ] && [ -z "$dflt" ]; then
        echo "SKIP: SIGINT: env --default-signal not available"
        continue
    fi
    hits=0
    for d in 0 0 0.02 0.05 0.1 0.15 0.2 0.3 0.5; do
        rm -rf "$w/D"; cp -r "$tmp/ref/A" "$w/D"
        $dflt "$CAPSIM" export "$tmp/B.h5" --csv "$w/D" > /dev/null 2>&1 &
        pid=$!
        n=0
        while ! started && kill -0 $pid 2> /dev/null && [ $n -lt 20000 ]; do n=$((n + 1)); done
        [ "$d" = 0 ] || sleep "$d"
        kill -s $s $pid 2> /dev/null
        wait $pid; rc=$?
        if [ $rc -gt 128 ]; then
            hits=$((hits + 1))
            same "$w/D" "$tmp/ref/A" || same "$w/D" "$tmp/ref/B" ||
                fail "SIG$s after ${d}s: DIR is neither the old set nor the new: $(listing "$w/D")"
        else
            [ $rc -eq 0 ] && same "$w/D" "$tmp/ref/B" || fail "SIG$s after ${d}s: export that finished (exit $rc) left not B's set"
        fi
        if [ $s = KILL ]; then
            # SIGKILL cannot be caught: its temporary directory is removed by the next
            # export to that name.
            expect_rc 0 "export after SIGKILL" "$CAPSIM" export "$tmp/C.h5" --csv "$w/D"
            same "$w/D" "$tmp/ref/C" || fail "export after SIGKILL after ${d}s: not exactly C's set"
        fi
        [ "$(listing "$w")" = "D " ] || fail "SIG$s after ${d}s: left behind: $(listing "$w")"
    done
    [ $hits -gt 0 ] || fail "SIG$s never landed during an export: the test checked nothing"
    echo "SIG$s: $hits of 9 signals landed during the export"
done

# 3. A DIR that cannot be ours: exit 2, nothing changed.
w=$tmp/bad; mkdir "$w"
echo "not a directory" > "$w/file"
expect_rc 2 "DIR is a plain file" "$CAPSIM" export "$tmp/A.h5" --csv "$w/file"
[ "$(cat "$w/file")" = "not a directory" ] || fail "DIR that is a file was changed"
mkdir "$w/mine"; echo "my notes" > "$w/mine/notes.txt"; cp "$tmp/ref/C/stats.csv" "$w/mine/"
expect_rc 2 "DIR holds a file that is not ours" "$CAPSIM" export "$tmp/A.h5" --csv "$w/mine"
grep -q "notes.txt" "$tmp/err" || fail "the refusal names the foreign file: $(cat "$tmp/err")"
[ "$(listing "$w/mine")" = "notes.txt stats.csv " ] && cmp -s "$w/mine/stats.csv" "$tmp/ref/C/stats.csv" ||
    fail "DIR with a foreign file was changed: $(listing "$w/mine")"
mkdir -p "$w/sub/inner"
expect_rc 2 "DIR holds a directory" "$CAPSIM" export "$tmp/A.h5" --csv "$w/sub"
[ -d "$w/sub/inner" ] || fail "DIR with a subdirectory was changed"
ln -s "$w/nowhere" "$w/dangling"
expect_rc 2 "DIR is a dangling symlink" "$CAPSIM" export "$tmp/A.h5" --csv "$w/dangling"
[ ! -e "$w/nowhere" ] || fail "export through a dangling symlink created its target"
mkdir "$w/cwd"
(cd "$w/cwd" && "$CAPSIM" export "$tmp/A.h5" --csv . > /dev/null 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--csv . : exit $rc, expected 2"
[ "$(listing "$w/cwd")" = "" ] || fail "--csv . wrote into the current directory"
[ "$(listing "$w")" = "cwd dangling file mine sub " ] || fail "refusals left something: $(listing "$w")"
# A symlink to an export directory: the directory it points to is replaced, the link stays.
mkdir "$w/real"; cp "$tmp/ref/A/"* "$w/real/"; ln -s real "$w/link"
expect_rc 0 "DIR is a symlink to an export" "$CAPSIM" export "$tmp/C.h5" --csv "$w/link"
[ -L "$w/link" ] && same "$w/real" "$tmp/ref/C" || fail "export through a symlink: link replaced or wrong set"
# An empty directory is taken (and replaced).
mkdir "$w/empty"
expect_rc 0 "DIR is an empty directory" "$CAPSIM" export "$tmp/C.h5" --csv "$w/empty"
same "$w/empty" "$tmp/ref/C" || fail "export into an empty directory"
# Not a results file: exit 2, no directory created.
echo "hello" > "$w/text.h5"
expect_rc 2 "input is not HDF5" "$CAPSIM" export "$w/text.h5" --csv "$w/new/D"
expect_rc 2 "input is missing" "$CAPSIM" export "$w/none.h5" --csv "$w/new/D"
[ ! -e "$w/new" ] || fail "a failed export left a directory"

# 4. Stale temporary directories of dead processes are removed by the next export to
# that name; those of live processes are left alone.
w=$tmp/stale; mkdir "$w"
dead=2147483647
mkdir "$w/.D.tmp.$dead"; cp "$tmp/ref/A/stats.csv" "$w/.D.tmp.$dead/"
mkdir "$w/.D.tmp.$$"; cp "$tmp/ref/A/stats.csv" "$w/.D.tmp.$$/"
expect_rc 0 "export with stale temporary directories" "$CAPSIM" export "$tmp/C.h5" --csv "$w/D"
[ ! -e "$w/.D.tmp.$dead" ] || fail "stale temporary directory of a dead process not removed"
[ -f "$w/.D.tmp.$$/stats.csv" ] || fail "temporary directory of a live process removed"
same "$w/D" "$tmp/ref/C" || fail "export with stale temporary directories"
# An old set a dead process had set aside (.D.old.PID: where DIR cannot be exchanged in
# one call, DIR is missing between two renames) is put back before anything else, even
# by an export that then fails.
rm -rf "$w/D"; cp -r "$tmp/ref/A" "$w/.D.old.$dead"
echo "hello" > "$tmp/text.h5"
expect_rc 2 "export of a bad file with a set-aside old set" "$CAPSIM" export "$tmp/text.h5" --csv "$w/D"
same "$w/D" "$tmp/ref/A" || fail "a set-aside old set of a dead process is put back"
[ ! -e "$w/.D.old.$dead" ] || fail "the set-aside old set is gone once put back"

# 5. Write failures: exit 1, the old set stays, nothing is left.
w=$tmp/wfail; mkdir "$w"
cp -r "$tmp/ref/A" "$w/D"
(ulimit -f 200; "$CAPSIM" export "$tmp/B.h5" --csv "$w/D" > /dev/null 2> "$tmp/err"); rc=$?
[ $rc -eq 1 ] || { fail "export past ulimit -f: exit $rc, expected 1"; cat "$tmp/err"; }
same "$w/D" "$tmp/ref/A" || fail "export past ulimit -f: the old set changed: $(listing "$w/D")"
[ "$(listing "$w")" = "D " ] || fail "export past ulimit -f left: $(listing "$w")"
# A failure after the directory and its missing parents were created leaves none of them.
(ulimit -f 200; "$CAPSIM" export "$tmp/B.h5" --csv "$w/new/sub/D" > /dev/null 2> "$tmp/err"); rc=$?
[ $rc -eq 1 ] || { fail "export past ulimit -f into a new directory: exit $rc, expected 1"; cat "$tmp/err"; }
[ ! -e "$w/new" ] || fail "a failed export left directories: $(find "$w/new")"

# 6. A read-only parent (a tmpfs remounted read-only as root, chmod otherwise): exit 2,
# nothing created.
w=$tmp/ro; mkdir "$w"
ro_ok=0
if [ "$(id -u)" -ne 0 ]; then
    chmod 555 "$w" && ro_ok=1
elif mount -t tmpfs -o size=4m tmpfs "$w" 2> /dev/null; then
    mounts="$w $mounts"
    mount -o remount,ro "$w" 2> /dev/null && ro_ok=1
fi
if [ $ro_ok = 1 ]; then
    expect_rc 2 "read-only parent" "$CAPSIM" export "$tmp/A.h5" --csv "$w/D"
    expect_rc 2 "read-only grandparent" "$CAPSIM" export "$tmp/A.h5" --csv "$w/sub/D"
    [ "$(listing "$w")" = "" ] || fail "export under a read-only parent left: $(listing "$w")"
else
    echo "SKIP: read-only parent: cannot make a read-only directory here (root without mount)"
fi

# 7. ENOSPC: on a 2 MiB tmpfs A's set fits, B's does not: exit 1, A's set stays.
w=$tmp/full; mkdir "$w"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=2m tmpfs "$w" 2> /dev/null; then
    mounts="$w $mounts"
    expect_rc 0 "export A into a small file system" "$CAPSIM" export "$tmp/A.h5" --csv "$w/D"
    expect_rc 1 "export B into a full file system" "$CAPSIM" export "$tmp/B.h5" --csv "$w/D"
    grep -q "No space left" "$tmp/err" || fail "ENOSPC is reported: $(cat "$tmp/err")"
    same "$w/D" "$tmp/ref/A" || fail "ENOSPC: the old set changed: $(listing "$w/D")"
    [ "$(listing "$w")" = "D " ] || fail "ENOSPC left: $(listing "$w")"
    expect_rc 1 "export B into a new directory on a full file system" "$CAPSIM" export "$tmp/B.h5" --csv "$w/E"
    [ "$(listing "$w")" = "D " ] || fail "ENOSPC into a new directory left: $(listing "$w")"
else
    echo "SKIP: ENOSPC: cannot mount a small tmpfs here (not root, or no mount permission)"
fi

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli_export: all passed"
