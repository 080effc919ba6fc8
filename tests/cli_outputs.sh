#!/bin/sh
# Output targets (issue 13, items 1, 2, 8 and 10): what `-o` accepts and what the name
# derived from scenario.name may be, checked before simulating; a target that turns
# into something other than a regular file during the run is not replaced; the stale
# temporary files of killed runs are removed by the next run writing that name.
#
#   - refused with exit 2, before the simulation starts (a run of 1e9 paths under a
#     timeout) and leaving no temporary file: -o '', a directory, a FIFO, a socket, a
#     character device, a symbolic link (to a file or dangling), a missing directory, a
#     regular file used as a directory, a directory that is not writable (a read-only
#     mount; as user nobody, a directory of root's), another user's file in a sticky
#     directory; for run, compare, sweep and merge;
#   - the thing at the path is left as it was (the FIFO is still a FIFO, the link still
#     points to the untouched file, ...);
#   - a link planted at the temporary name ".NAME.tmp.PID" is not followed;
#   - without -o, a scenario name with '/', a leading '.' or empty gives exit 2 and no
#     file outside the current directory;
#   - a FIFO made at the target while the run goes on is not replaced (exit 1), and the
#     temporary file is removed;
#   - a stale ".NAME.tmp.PID" whose PID is dead is removed by the next run writing NAME;
#     one of a live PID, of another name, not a regular file, or another user's is kept.
set -u
: "${CAPSIM:?}" "${BUILD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_rc RC DESCRIPTION COMMAND...: the exit code, and (for RC 2) a message.
expect_rc() {
    want=$1; what=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$what: exit $got, expected $want"; head -5 "$tmp/err"
    elif [ "$want" -eq 2 ] && ! [ -s "$tmp/err" ]; then
        fail "$what: exit 2 without a message"
    fi
}
# refused DESCRIPTION PATTERN COMMAND...: exit 2 within 20 s (a run of 1e9 paths takes
# hours: only a check before simulating answers in time), a message
# matching PATTERN, and no temporary file left in $tmp or $tmp/w.
refused() {
    what=$1; pat=$2; shift 2
    timeout 20 "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
    if [ "$got" -eq 124 ]; then
        fail "$what: still simulating after 20 s (not refused before the run)"
    elif [ "$got" -ne 2 ]; then
        fail "$what: exit $got, expected 2"; head -5 "$tmp/err"
    elif ! grep -q -- "$pat" "$tmp/err"; then
        fail "$what: message does not say '$pat':"; head -5 "$tmp/err"
    fi
    left=$(find "$tmp" -maxdepth 2 -name '.*.tmp.*' | head -3)
    [ -z "$left" ] || { fail "$what: left $left"; find "$tmp" -maxdepth 2 -name '.*.tmp.*' -exec rm -f {} +; }
}
BIG="--paths 1e9 --quiet"

# --- item 8: -o '' and -o DIRECTORY --------------------------------------------------
refused "-o ''" "empty" "$CAPSIM" run $BIG -o ''
mkdir "$tmp/dir"
refused "-o DIR" "is a directory" "$CAPSIM" run $BIG -o "$tmp/dir"
[ -d "$tmp/dir" ] || fail "-o DIR: the directory is gone"
refused "-o DIR/" "is a directory" "$CAPSIM" run $BIG -o "$tmp/dir/"
refused "-o ." "is a directory" "$CAPSIM" run $BIG -o .
refused "compare -o DIR" "is a directory" "$CAPSIM" compare scenarios/multicloud-2026.yaml \
    scenarios/stress-demand-boom.yaml $BIG -o "$tmp/dir"
refused "sweep -o DIR" "is a directory" "$CAPSIM" sweep scenarios/multicloud-2026.yaml \
    --vary scenario.discount_rate=0.05,0.1 $BIG -o "$tmp/dir"
refused "sweep -o ''" "empty" "$CAPSIM" sweep scenarios/multicloud-2026.yaml \
    --vary scenario.discount_rate=0.05,0.1 $BIG -o ''
refused "run --shard -o DIR" "is a directory" "$CAPSIM" run $BIG --shard 0/2 -o "$tmp/dir"
# merge: the check comes before the shards are read, so the merged file is not lost
# at the end of a long merge.
expect_rc 0 "a shard" "$CAPSIM" run --paths 600 --shard 0/1 --quiet -o "$tmp/part.h5"
refused "merge -o DIR" "is a directory" "$CAPSIM" merge "$tmp/part.h5" --quiet -o "$tmp/dir"
refused "merge -o ''" "empty" "$CAPSIM" merge "$tmp/part.h5" --quiet -o ''
expect_rc 0 "merge -o FILE" "$CAPSIM" merge "$tmp/part.h5" --quiet -o "$tmp/merged.h5"

# --- item 1: special files and links at the path, missing or unwritable directories ---
mkfifo "$tmp/fifo"
refused "-o FIFO" "FIFO" "$CAPSIM" run $BIG -o "$tmp/fifo"
[ -p "$tmp/fifo" ] || fail "-o FIFO: no longer a FIFO"
echo keep > "$tmp/real.h5"
ln -s "$tmp/real.h5" "$tmp/link.h5"
refused "-o SYMLINK" "symbolic link" "$CAPSIM" run $BIG -o "$tmp/link.h5"
[ -L "$tmp/link.h5" ] || fail "-o SYMLINK: no longer a link"
[ "$(cat "$tmp/real.h5")" = keep ] || fail "-o SYMLINK: the file it points to changed"
ln -s "$tmp/nowhere.h5" "$tmp/dangling.h5"
refused "-o dangling SYMLINK" "symbolic link" "$CAPSIM" run $BIG -o "$tmp/dangling.h5"
[ -L "$tmp/dangling.h5" ] && ! [ -e "$tmp/nowhere.h5" ] || fail "-o dangling SYMLINK: changed"
ln -s "$tmp/dir" "$tmp/dirlink"
refused "-o SYMLINK to a directory" "symbolic link" "$CAPSIM" run $BIG -o "$tmp/dirlink"
# A link in the directory part is fine: only the final name must not be one.
expect_rc 0 "-o DIRLINK/out.h5" "$CAPSIM" run --paths 600 --quiet -o "$tmp/dirlink/out.h5"
[ -f "$tmp/dir/out.h5" ] || fail "-o DIRLINK/out.h5: no file"
if [ "$(id -u)" -eq 0 ] && mknod "$tmp/null" c 1 3 2> /dev/null; then
    refused "-o CHARDEV" "character device" "$CAPSIM" run $BIG -o "$tmp/null"
    [ -c "$tmp/null" ] || fail "-o CHARDEV: no longer a character device"
else
    echo "SKIP: character device: mknod needs root"
fi
if "${PYTHON:-python3}" -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$tmp/sock" \
        2> /dev/null; then
    refused "-o SOCKET" "socket" "$CAPSIM" run $BIG -o "$tmp/sock"
    [ -S "$tmp/sock" ] || fail "-o SOCKET: no longer a socket"
else
    echo "SKIP: socket: python3 could not make a Unix socket"
fi
refused "missing directory" "No such file or directory" "$CAPSIM" run $BIG -o "$tmp/nodir/out.h5"
! [ -e "$tmp/nodir" ] || fail "missing directory: created"
refused "a file as a directory" "Not a directory" "$CAPSIM" run $BIG -o "$tmp/real.h5/out.h5"
# Not writable: permissions do not bind root, a read-only mount does. As root, the
# permission cases run as user nobody (setpriv).
mkdir "$tmp/ro"
if [ "$(id -u)" -eq 0 ]; then
    if unshare -m sh -c "mount --bind -o ro '$tmp/ro' '$tmp/ro'" 2> /dev/null; then
        refused "read-only directory" "Read-only file system" \
            unshare -m sh -c "mount --bind -o ro '$tmp/ro' '$tmp/ro' && exec \"\$@\"" sh \
            "$CAPSIM" run $BIG -o "$tmp/ro/out.h5"
    else
        echo "SKIP: read-only directory: no mount namespace for a read-only bind"
    fi
    if setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null &&
            setpriv --reuid=65534 --regid=65534 --clear-groups "$CAPSIM" --version > /dev/null 2>&1; then
        as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
    else
        as_other=""
        echo "SKIP: unwritable directory, sticky directory: setpriv cannot run capsim as user 65534"
    fi
else
    as_other=env
fi
if [ -n "$as_other" ]; then
    chmod 755 "$tmp"
    chmod 555 "$tmp/ro"
    refused "unwritable directory" "Permission denied" $as_other "$CAPSIM" run $BIG -o "$tmp/ro/out.h5"
    chmod 755 "$tmp/ro"
    # Another user's file in a sticky directory: the rename over it would be refused.
    if [ "$(id -u)" -eq 0 ]; then
        mkdir "$tmp/sticky"
        chmod 1777 "$tmp/sticky"
        echo root > "$tmp/sticky/out.h5"
        refused "another user's file in a sticky directory" "sticky" $as_other "$CAPSIM" run $BIG \
            -o "$tmp/sticky/out.h5"
        [ "$(cat "$tmp/sticky/out.h5")" = root ] || fail "sticky directory: the file changed"
    else
        echo "SKIP: sticky directory: needs a file of another user (run as root)"
    fi
    chmod 700 "$tmp"
fi
# The temporary name is created new (O_EXCL): a link planted there (a name of the
# process's PID: `exec` keeps the shell's) is neither followed nor replaced; a stale
# regular file of ours there (PIDs are reused) is replaced.
echo keep > "$tmp/victim"
expect_rc 1 "link at the temporary name" sh -c 'ln -s "$1/victim" "$1/.planted.h5.tmp.$$" && exec "$2" run \
    --paths 600 --quiet -o "$1/planted.h5"' sh "$tmp" "$CAPSIM"
[ "$(cat "$tmp/victim")" = keep ] || fail "link at the temporary name: the file it points to changed"
! [ -e "$tmp/planted.h5" ] || fail "link at the temporary name: planted.h5 made"
find "$tmp" -maxdepth 1 -name '.planted.h5.tmp.*' -exec rm -f {} +
expect_rc 0 "stale file of our PID at the temporary name" sh -c 'echo stale > "$1/.own.h5.tmp.$$" && exec "$2" run \
    --paths 600 --quiet -o "$1/own.h5"' sh "$tmp" "$CAPSIM"
h5dump -H "$tmp/own.h5" > /dev/null 2>&1 || fail "stale file of our PID at the temporary name: no results file"
# A regular file is replaced (atomically), as before.
echo old > "$tmp/old.h5"
expect_rc 0 "-o existing file" "$CAPSIM" run --paths 600 --quiet -o "$tmp/old.h5"
h5dump -H "$tmp/old.h5" > /dev/null 2>&1 || fail "-o existing file: not replaced by a results file"

# --- item 2: the name derived from scenario.name stays in the current directory -------
mkdir "$tmp/w"
for name in ../victim "$tmp/abs" '""' .hidden x/y; do
    (cd "$tmp/w" && "$CAPSIM" run --set "scenario.name=$name" --paths 600 --quiet) > "$tmp/out" 2> "$tmp/err"
    got=$?
    [ "$got" -eq 2 ] || { fail "scenario.name=$name: exit $got, expected 2"; head -3 "$tmp/err"; }
    [ -s "$tmp/err" ] || fail "scenario.name=$name: no message"
done
found=$(find "$tmp" -type f -name '*.h5' ! -name real.h5 ! -name part.h5 ! -name merged.h5 ! -name old.h5 \
        ! -name own.h5 ! -path "$tmp/sticky/out.h5" ! -path "$tmp/dir/out.h5" | head -3)
[ -z "$found" ] || fail "scenario.name: files written: $found"
left=$(find "$tmp" -name '.*tmp*' | head -3)
[ -z "$left" ] || fail "scenario.name: left $left"
(cd "$tmp/w" && "$CAPSIM" run --set scenario.name=good-name_1.0 --paths 600 --quiet) ||
    fail "scenario.name=good-name_1.0: exit $?"
[ -f "$tmp/w/good-name_1.0.h5" ] || fail "scenario.name=good-name_1.0: no good-name_1.0.h5"

# --- item 1: the target turns into a FIFO during the run: not replaced ----------------
# The run is stopped (SIGSTOP) as soon as its temporary file exists, the FIFO made, the
# run continued: no race with how fast the machine simulates 2e4 paths.
"$CAPSIM" run --paths 2e4 --quiet -o "$tmp/late.h5" > "$tmp/late.out" 2> "$tmp/late.err" &
pid=$!
i=0
while [ "$i" -lt 1000 ] && ! [ -e "$tmp/.late.h5.tmp.$pid" ] && kill -0 "$pid" 2> /dev/null; do
    sleep 0.02; i=$((i + 1))
done
kill -STOP "$pid" 2> /dev/null
if [ -e "$tmp/.late.h5.tmp.$pid" ]; then
    mkfifo "$tmp/late.h5"
    kill -CONT "$pid"
    wait "$pid"; got=$?
    [ "$got" -eq 1 ] || { fail "FIFO made during the run: exit $got, expected 1"; head -3 "$tmp/late.err"; }
    grep -q "FIFO" "$tmp/late.err" || { fail "FIFO made during the run: message"; head -3 "$tmp/late.err"; }
    [ -p "$tmp/late.h5" ] || fail "FIFO made during the run: replaced"
    ! [ -e "$tmp/.late.h5.tmp.$pid" ] || fail "FIFO made during the run: temporary file left"
else
    kill -CONT "$pid" 2> /dev/null
    wait "$pid"
    if [ -f "$tmp/late.h5" ]; then
        echo "SKIP: FIFO made during the run: the run of 2e4 paths ended before it could be stopped"
    else
        fail "FIFO made during the run: the run made no temporary file .late.h5.tmp.$pid"
    fi
fi

# --- item 10: stale temporary files of killed runs -------------------------------------
sh -c 'exit 0' &
dead=$!
wait "$dead"
if kill -0 "$dead" 2> /dev/null; then
    echo "SKIP: stale temporary files: pid $dead was reused at once"
else
    mkdir "$tmp/s"
    echo stale > "$tmp/s/.out.h5.tmp.$dead"          # dead pid, our name: removed
    echo live > "$tmp/s/.out.h5.tmp.$$"               # live pid: kept
    echo other > "$tmp/s/.other.h5.tmp.$dead"         # another name: kept
    echo odd > "$tmp/s/.out.h5.tmp.${dead}x"          # not a pid: kept
    mkdir "$tmp/s/.out.h5.tmp.1$dead"                 # not a regular file: kept
    nobody=""
    if [ "$(id -u)" -eq 0 ]; then
        echo theirs > "$tmp/s/.out.h5.tmp.2$dead"
        if chown 65534 "$tmp/s/.out.h5.tmp.2$dead" 2> /dev/null && ! kill -0 "2$dead" 2> /dev/null; then
            nobody="$tmp/s/.out.h5.tmp.2$dead"          # another user's: kept
        else
            rm -f "$tmp/s/.out.h5.tmp.2$dead"
            echo "SKIP: stale temporary file of another user: chown failed or pid 2$dead alive"
        fi
    else
        echo "SKIP: stale temporary file of another user: needs root to make one"
    fi
    # A SIGKILLed run leaves its temporary file: the next run removes it.
    "$CAPSIM" run --paths 2e5 --quiet -o "$tmp/s/out.h5" > /dev/null 2>&1 &
    pid=$!
    i=0
    while [ "$i" -lt 600 ] && ! [ -e "$tmp/s/.out.h5.tmp.$pid" ]; do sleep 0.05; i=$((i + 1)); done
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    [ -e "$tmp/s/.out.h5.tmp.$pid" ] || fail "SIGKILL: no temporary file .out.h5.tmp.$pid to start from"
    expect_rc 0 "run after stale temporary files" "$CAPSIM" run --paths 600 --quiet -o "$tmp/s/out.h5"
    ! [ -e "$tmp/s/.out.h5.tmp.$dead" ] || fail "stale temporary file of a dead pid: kept"
    ! [ -e "$tmp/s/.out.h5.tmp.$pid" ] || fail "temporary file of a SIGKILLed run: kept"
    [ -f "$tmp/s/.out.h5.tmp.$$" ] || fail "temporary file of a live pid: removed"
    [ -f "$tmp/s/.other.h5.tmp.$dead" ] || fail "temporary file of another name: removed"
    [ -f "$tmp/s/.out.h5.tmp.${dead}x" ] || fail "a name that is not a temporary file: removed"
    [ -d "$tmp/s/.out.h5.tmp.1$dead" ] || fail "a directory of a temporary name: removed"
    [ -z "$nobody" ] || [ -f "$nobody" ] || fail "another user's temporary file: removed"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all output-target checks passed"
