/*
 * h5out_file: the results file on disk (part of h5out; see h5out_int.h).
 *
 * The target name is never touched before the rename: the file is written under
 * ".NAME.tmp.PID" in the target's directory (one file system, so the rename is atomic),
 * fsync'ed, then renamed over the target. While a temporary file exists its name is
 * registered for the SIGINT/SIGTERM/SIGHUP handler, which unlinks it and re-raises the
 * signal. SIGXFSZ is ignored while a file is open so that exceeding `ulimit -f` is a
 * write error we report, not a silent kill. Every failure is recorded here, in the
 * handle (and, for a handle about to go, in last_err).
 *
 * The target must be a new name or a regular file (h5out_check_target, which the
 * commands call before simulating and h5out_file_create calls again): a directory,
 * device, FIFO or socket is refused, and so is a symbolic link, since rename() would
 * replace the link itself, not the file it points to. Just before the rename the name is
 * looked at once more, so that something other than a regular file that appeared there
 * during the run is not replaced either. A SIGKILL leaves the temporary file behind: the
 * next run writing the same name removes those whose process is gone (remove_stale).
 */
#define _GNU_SOURCE /* sync_file_range */
#include "h5out_int.h"
#include "hdf5_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <hdf5.h>

/* --- errors ------------------------------------------------------------------------- */

/* Record "what: reason" from the HDF5 error stack (or errno) and return -1. The file
 * may now be incomplete: it will not be finished. */
int h5out_fail(h5out *o, const char *fmt, ...)
{
    o->broken = 1;
    va_list ap;
    va_start(ap, fmt);
    hdf5_vfail(o->err, sizeof o->err, o->target, fmt, ap);
    va_end(ap);
    return -1;
}

/* A failure that is ours, not HDF5's. */
int h5out_fail_plain(h5out *o, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(o->err, sizeof o->err, "%s: %s", o->target, what);
    return -1;
}

/* The reason of the last h5out_open() or h5out_finish() that failed (their handle is
 * gone by then). */
static char last_err[PATH_MAX + 1024] = "no error";

const char *h5out_error(const h5out *o)
{
    return o ? o->err : last_err;
}

void h5out_keep_error(const h5out *o)
{
    memcpy(last_err, o->err, sizeof last_err);
}

/* --- signals: remove the temporary file when interrupted ---------------------------- */

#define MAX_OPEN 8
static char sig_path[MAX_OPEN][PATH_MAX];
static volatile sig_atomic_t sig_active[MAX_OPEN];
static int sig_nopen;
static const int sig_list[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIG_LIST (sizeof sig_list / sizeof sig_list[0])
static struct sigaction sig_old[NSIG_LIST], sig_old_xfsz;
static int sig_installed[NSIG_LIST];

/* Async-signal-safe: unlink() a pre-formatted name, restore the default action and
 * re-raise, so the process dies of the signal as it would have without us. */
static void on_signal(int sig)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (sig_active[i]) unlink(sig_path[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void sig_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < NSIG_LIST; i++) {
        sig_installed[i] = 0;
        if (sigaction(sig_list[i], NULL, &sig_old[i]) != 0) continue;
        if (sig_old[i].sa_handler == SIG_IGN) continue; /* nohup and friends: keep ignoring */
        if (sigaction(sig_list[i], &sa, NULL) == 0) sig_installed[i] = 1;
    }
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ign, &sig_old_xfsz);
}

static void sig_restore(void)
{
    for (size_t i = 0; i < NSIG_LIST; i++)
        if (sig_installed[i]) sigaction(sig_list[i], &sig_old[i], NULL);
    sigaction(SIGXFSZ, &sig_old_xfsz, NULL);
}

/* Register path for removal on a signal; the slot, or -1 when all are taken. */
static int sig_register(const char *path)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int slot = -1;
    for (int i = 0; i < MAX_OPEN && slot < 0; i++)
        if (!sig_active[i]) slot = i;
    if (slot >= 0) {
        snprintf(sig_path[slot], PATH_MAX, "%s", path);
        sig_active[slot] = 1;
        if (sig_nopen++ == 0) sig_install();
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return slot;
}

static void sig_unregister(int slot)
{
    if (slot < 0) return;
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    sig_active[slot] = 0;
    if (--sig_nopen == 0) sig_restore();
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* --- the target ---------------------------------------------------------------------- */

/* What st is, for a message: "a directory", "a FIFO", ... */
static const char *file_kind(const struct stat *st)
{
    if (S_ISDIR(st->st_mode)) return "a directory";
    if (S_ISLNK(st->st_mode)) return "a symbolic link";
    if (S_ISCHR(st->st_mode)) return "a character device";
    if (S_ISBLK(st->st_mode)) return "a block device";
    if (S_ISFIFO(st->st_mode)) return "a FIFO";
    if (S_ISSOCK(st->st_mode)) return "a socket";
    return "not a regular file";
}

/* "PATH: is KIND, not a regular file; ..." for a name that exists and must not be
 * replaced. */
static void refuse_kind(char *err, size_t errlen, const char *path, const struct stat *st)
{
    if (S_ISLNK(st->st_mode))
        snprintf(err, errlen, "%s: is a symbolic link; give the file it points to (capsim replaces the name "
                 "it is given, never a link or what it points to)", path);
    else if (S_ISDIR(st->st_mode))
        snprintf(err, errlen, "%s: is a directory; give a file name, e.g. %s%sout.h5", path, path,
                 path[strlen(path) - 1] == '/' ? "" : "/");
    else
        snprintf(err, errlen, "%s: is %s, not a regular file; give a new name or a regular file", path,
                 file_kind(st));
}

/* The directory part of path ("." when none; "/" for "/x"), into dir. -1 when too long. */
static int dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    int n;
    if (!slash) n = snprintf(dir, len, ".");
    else if (slash == path) n = snprintf(dir, len, "/");
    else n = snprintf(dir, len, "%.*s", (int)(slash - path), path);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

int h5out_check_target(const char *path, char *err, size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "empty output path; give a file name, e.g. -o out.h5");
        return -1;
    }
    /* The temporary name ".BASE.tmp.PID" beside it must fit too. */
    if (strlen(path) >= PATH_MAX - 32) {
        snprintf(err, errlen, "%.200s...: path too long", path);
        return -1;
    }
    struct stat st, dst;
    int exists = lstat(path, &st) == 0;
    if (exists) {
        if (!S_ISREG(st.st_mode)) {
            refuse_kind(err, errlen, path, &st);
            return -1;
        }
    } else if (errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base) {
        snprintf(err, errlen, "%s: not a file name (ends with '/')", path);
        return -1;
    }
    if (strlen(base) + 16 > NAME_MAX) { /* "." BASE ".tmp." and up to 10 digits */
        snprintf(err, errlen, "%s: file name too long (its temporary name .%s.tmp.PID must fit in %d bytes)",
                 path, base, NAME_MAX);
        return -1;
    }
    char dir[PATH_MAX];
    if (dir_of(path, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "%.200s...: path too long", path);
        return -1;
    }
    if (stat(dir, &dst) != 0) {
        snprintf(err, errlen, "%s: cannot create files in %s: %s", path, dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(dst.st_mode)) {
        snprintf(err, errlen, "%s: cannot create files in %s: %s", path, dir, strerror(ENOTDIR));
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s: cannot create files in %s: %s", path, dir, strerror(errno));
        return -1;
    }
    /* In a sticky directory (/tmp) only the owner of a file, or of the directory, may
     * replace it (root aside): the rename at the end would fail. */
    uid_t me = geteuid();
    if (exists && (dst.st_mode & S_ISVTX) && me != 0 && st.st_uid != me && dst.st_uid != me) {
        snprintf(err, errlen, "%s: belongs to another user, in the sticky directory %s: it cannot be replaced "
                 "(%s)", path, dir, strerror(EPERM));
        return -1;
    }
    return 0;
}

/* --- the file ------------------------------------------------------------------------ */

/* The temporary name: ".NAME.tmp.PID" in the target's directory, so that the final
 * rename() stays on one file system and is atomic. */
static int make_tmp_name(h5out *o, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    if (!*base) return h5out_fail_plain(o, "not a file name");
    int n = snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp.%ld", dirlen, path, base, (long)getpid());
    return n < 0 || (size_t)n >= sizeof o->tmp ? h5out_fail_plain(o, "path too long") : 0;
}

/* The PID of a temporary file name ".BASE.tmp.PID" (prefix ".BASE.tmp." already
 * matched; s is what follows): decimal digits only, no leading zero, 1 .. INT_MAX.
 * 0 when s is not one. */
static long tmp_pid(const char *s)
{
    if (*s < '1' || *s > '9') return 0;
    long pid = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        pid = pid * 10 + (*s - '0');
        if (pid > INT_MAX) return 0;
    }
    return pid;
}

/* Remove the temporary files of earlier runs that were killed before they could remove
 * them (SIGKILL, a crash, a power cut) beside the target: names ".BASE.tmp.PID" with
 * BASE the target's own name, that are regular files owned by our effective user and
 * whose PID is no running process (kill(pid, 0) fails with ESRCH). Anything else is
 * left alone: another name's, a live process's (whoever it belongs to), another user's,
 * a directory or link of that name. Best effort and silent: a failure here is no
 * failure of the run. PIDs are those of this machine's PID namespace: on a directory
 * that several machines or containers share, a run elsewhere writing the same name at
 * the same time may lose its temporary file (and fail at its rename). */
static void remove_stale(const char *target)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    char dir[PATH_MAX], prefix[NAME_MAX + 16];
    if (dir_of(target, dir, sizeof dir) != 0) return;
    int plen = snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
    if (plen < 0 || (size_t)plen >= sizeof prefix) return;
    DIR *d = opendir(dir);
    if (!d) return;
    int dfd = dirfd(d);
    long self = (long)getpid();
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, (size_t)plen) != 0) continue;
        long pid = tmp_pid(de->d_name + plen);
        if (pid <= 0 || pid == self) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive, or not ours to ask */
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) continue;
        (void)unlinkat(dfd, de->d_name, 0);
    }
    closedir(d);
}

/* Is tmp the temporary name of another results file this process has open? */
static int tmp_in_use(const char *tmp, int self)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (i != self && sig_active[i] && strcmp(sig_path[i], tmp) == 0) return 1;
    return 0;
}

/* open(2) the temporary name as a new file (O_EXCL: never through a link or into
 * something that is there). Something there already is replaced only when it is a
 * regular file of ours that no results file of this process is writing: a stale one of
 * an earlier process with our PID. The descriptor, or -1 with errno set. */
static int create_tmp(const h5out *o)
{
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0 || errno != EEXIST) return fd;
    struct stat st;
    if (!tmp_in_use(o->tmp, o->slot) && lstat(o->tmp, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_uid == geteuid() && unlink(o->tmp) == 0)
        return open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    errno = EEXIST;
    return -1;
}

/* Create the temporary file: first with open(2), for a plain errno message on an
 * unwritable or missing directory, then as HDF5 with creation order tracked and a
 * strong close degree (closing the file closes whatever is still open in it). The
 * target is checked first (the commands did so before simulating; this is for every
 * other caller), and the stale temporary files of its name are removed. */
int h5out_file_create(h5out *o)
{
    char why[PATH_MAX + 512];
    if (h5out_check_target(o->target, why, sizeof why) != 0) {
        snprintf(o->err, sizeof o->err, "%s", why);
        return -1;
    }
    if (make_tmp_name(o, o->target) < 0) return -1;
    remove_stale(o->target);
    if ((o->slot = sig_register(o->tmp)) < 0) return h5out_fail_plain(o, "too many results files open at once");
    int fd = create_tmp(o);
    if (fd < 0) {
        int e = errno;
        sig_unregister(o->slot);
        o->slot = -1;
        if (e == EEXIST)
            return h5out_fail_plain(o, "cannot create %s: something is there that is not a stale temporary "
                                    "file of ours (left alone)", o->tmp);
        return h5out_fail_plain(o, "cannot create %s: %s", o->tmp, strerror(e));
    }
    o->wb_fd = fd; /* kept: see h5out_file_writeback */
    hid_t fcpl = hdf5_fcpl(), fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fcpl >= 0 && fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0)
        o->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    return o->file < 0 ? h5out_fail(o, "cannot create %s", o->tmp) : 0;
}

/* Ask the kernel to start writing what the file holds so far, without waiting: the
 * per-path data then reaches the disk while the run goes on, and the fsync at the end
 * (which makes the rename safe) has little left to do. Linux only; elsewhere a no-op. */
void h5out_file_writeback(h5out *o)
{
#ifdef SYNC_FILE_RANGE_WRITE
    if (o->wb_fd >= 0) (void)sync_file_range(o->wb_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)o;
#endif
}

/* Flush the data to disk before the rename, so that a crash right after cannot leave
 * the target name pointing at an incomplete file. */
static int sync_file(h5out *o)
{
    int fd = open(o->tmp, O_RDONLY);
    if (fd < 0) return h5out_fail_plain(o, "cannot reopen %s: %s", o->tmp, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    return rc ? h5out_fail_plain(o, "writing %s: %s", o->tmp, strerror(e)) : 0;
}

static void sync_dir(const char *target)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(target, '/');
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - target + 1), target);
    else snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd); /* best effort: the rename is done either way */
        close(fd);
    }
}

/* The target, just before the rename: still a new name or a regular file? (Something
 * else may have appeared there during the run: it is not replaced.) 0, or -1 with the
 * reason recorded. */
static int target_still_ok(h5out *o)
{
    struct stat st;
    if (lstat(o->target, &st) != 0 || S_ISREG(st.st_mode)) return 0; /* rename reports the rest */
    snprintf(o->err, sizeof o->err, "%s: became %s during the run: not replaced, and the results are not kept",
             o->target, file_kind(&st));
    return -1;
}

int h5out_file_commit(h5out *o)
{
    int rc = sync_file(o);
    if (rc == 0) rc = target_still_ok(o);
    if (rc == 0 && rename(o->tmp, o->target) != 0)
        rc = h5out_fail_plain(o, "cannot rename %s to %s: %s", o->tmp, o->target, strerror(errno));
    if (rc < 0) return -1;
    sig_unregister(o->slot);
    o->slot = -1;
    sync_dir(o->target);
    return 0;
}

void h5out_file_remove(h5out *o)
{
    if (o->slot >= 0) {
        unlink(o->tmp);
        sig_unregister(o->slot);
        o->slot = -1;
    }
}

void h5out_file_release(h5out *o)
{
    if (o->wb_fd >= 0) close(o->wb_fd);
    o->wb_fd = -1;
}
