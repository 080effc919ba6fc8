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
 */
#define _GNU_SOURCE /* sync_file_range */
#include "h5out_int.h"
#include "hdf5_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

/* Create the temporary file: first with open(2), for a plain errno message on an
 * unwritable or missing directory, then as HDF5 with creation order tracked and a
 * strong close degree (closing the file closes whatever is still open in it). */
int h5out_file_create(h5out *o)
{
    if (make_tmp_name(o, o->target) < 0) return -1;
    if ((o->slot = sig_register(o->tmp)) < 0) return h5out_fail_plain(o, "too many results files open at once");
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        int e = errno;
        sig_unregister(o->slot);
        o->slot = -1;
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

int h5out_file_commit(h5out *o)
{
    int rc = sync_file(o);
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
