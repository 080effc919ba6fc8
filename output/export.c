/*
 * export: the CSV files of `capsim export OUT.h5 --csv DIR` (see export.h and
 * docs/OUTPUT.md; the command itself is sim/cli/cmd_export.c).
 *
 * Tidy CSV: statistics in long format (one row per variant x time x element x
 * statistic), per-path data in wide format (one row per path: a path is the
 * observation). Header row; RFC 4180 quoting (fields with a comma, quote or line break
 * are quoted, quotes doubled); numbers with %.17g so that they read back bit for bit;
 * missing values (NaN) as empty fields. Multi-variant files get a leading `variant`
 * column in every file.
 *
 * The export is generic over the file: statistics are the variables of /stats and /diff
 * with a `statistic` attribute, dimensions come from the attached dimension scales.
 *
 * The set is replaced as a whole: every file is written, fsync'ed, into ".DIR.tmp.PID"
 * beside DIR (one file system), and that directory is then swapped with DIR in one
 * renameat2(RENAME_EXCHANGE) (a plain rename when DIR does not exist; rename aside and
 * in where the file system cannot exchange), after which the old set, now under the
 * temporary name, is removed. While the temporary directory exists its files, itself
 * and the parents we created are registered for the SIGINT/SIGTERM/SIGHUP handler, which
 * unlinks and rmdirs them (async-signal-safe calls on pre-formatted names) and re-raises
 * the signal; signals are blocked from the swap to the end. SIGXFSZ is ignored while
 * writing so that `ulimit -f` is a write error we report. A temporary (or set-aside)
 * directory whose process is gone is removed by the next export to that name (a
 * set-aside one is put back when DIR is missing).
 */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE */
#include "export.h"
#include "datapackage.h"
#include "results.h"
#include "hdf5_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK_PATHS 4096

/* The files an export may hold: an existing DIR is replaced only if it holds nothing
 * else (and the old temporary names of these, `.NAME.tmp.PID`, left by capsim before
 * exports were atomic). */
static const char *const export_names[] = {
    "stats.csv", "total_stats.csv", "totals.csv", "params.csv", "sensitivity.csv",
    "sensitivity_by_year.csv", "paths.csv", "diff.csv", "diff_total_stats.csv", "datapackage.json",
};
#define NNAMES (sizeof export_names / sizeof export_names[0])

static int name_index(const char *name)
{
    for (size_t i = 0; i < NNAMES; i++)
        if (!strcmp(name, export_names[i])) return (int)i;
    return -1;
}

typedef struct {
    hid_t f;
    const char *dir;      /* the temporary directory the files go to */
    int multi;            /* file has several variants: variant column */
    int bad_input;        /* the failure is the input file's (EXPORT_BAD_INPUT) */
    dp_pkg *dp;           /* datapackage.json: each file's columns and units */
    char err[PATH_MAX + 512];
} exporter;

/* An error of the input file (damaged or not as expected): exit 2. */
static int input_fail(exporter *E, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(E->err, sizeof E->err, fmt, ap);
    va_end(ap);
    E->bad_input = 1;
    return -1;
}

/* The same, with the reason from the HDF5 error stack. */
static int input_hdf5_fail(exporter *E, const char *what)
{
    hdf5_errmsg(E->err, sizeof E->err, what);
    E->bad_input = 1;
    return -1;
}

static int out_of_memory(exporter *E)
{
    snprintf(E->err, sizeof E->err, "out of memory");
    return -1;
}

/* --- signals: remove the temporary directory when interrupted -------------------------- */

static char sig_file[NNAMES][PATH_MAX];           /* TMP/NAME, by name index */
static volatile sig_atomic_t sig_file_on[NNAMES];
static char sig_tmpdir[PATH_MAX];                 /* .DIR.tmp.PID */
static volatile sig_atomic_t sig_tmpdir_on;
static char sig_made[PATH_MAX];                   /* the deepest parent we created */
static size_t sig_made_len, sig_made_top;         /* its length; the shallowest's */
static volatile sig_atomic_t sig_made_on;
static const int sig_list[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIG_LIST (sizeof sig_list / sizeof sig_list[0])
static struct sigaction sig_old[NSIG_LIST], sig_old_xfsz;
static int sig_installed[NSIG_LIST];

/* rmdir the parents we created, deepest first: made[0, len) and each prefix of it
 * ending before a '/' down to length top. Async-signal-safe (a local copy, no library
 * calls but rmdir). */
static void remove_made(const char *made, size_t len, size_t top)
{
    char b[PATH_MAX];
    for (size_t i = 0; i < len; i++) b[i] = made[i];
    while (len >= top && len > 0) {
        b[len] = 0;
        if (rmdir(b) != 0) return; /* not empty (not ours alone) or gone: stop */
        while (len > 0 && b[len - 1] != '/') len--;
        while (len > 1 && b[len - 1] == '/') len--;
        if (len == 1 && b[0] == '/') return;
    }
}

/* Remove everything registered. In the handler: async-signal-safe. */
static void remove_registered(void)
{
    for (size_t i = 0; i < NNAMES; i++)
        if (sig_file_on[i]) unlink(sig_file[i]);
    if (sig_tmpdir_on) rmdir(sig_tmpdir);
    if (sig_made_on) remove_made(sig_made, sig_made_len, sig_made_top);
}

static void on_signal(int sig)
{
    remove_registered();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void sig_block(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, old);
}

static void sig_unblock(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
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

/* Forget what is registered and restore the signal actions (with signals blocked). */
static void sig_restore(void)
{
    sigset_t old;
    sig_block(&old);
    for (size_t i = 0; i < NNAMES; i++) sig_file_on[i] = 0;
    sig_tmpdir_on = 0;
    sig_made_on = 0;
    for (size_t i = 0; i < NSIG_LIST; i++)
        if (sig_installed[i]) sigaction(sig_list[i], &sig_old[i], NULL);
    sigaction(SIGXFSZ, &sig_old_xfsz, NULL);
    sig_unblock(&old);
}

/* Register a path for removal on a signal: slot `which` of the files, or the
 * temporary directory (which < 0). */
static void sig_register(int which, const char *path)
{
    sigset_t old;
    sig_block(&old);
    if (which >= 0) {
        snprintf(sig_file[which], PATH_MAX, "%s", path);
        sig_file_on[which] = 1;
    } else {
        snprintf(sig_tmpdir, PATH_MAX, "%s", path);
        sig_tmpdir_on = 1;
    }
    sig_unblock(&old);
}

/* Register the parents made so far: path[0, len) is the deepest, top the length of the
 * shallowest. */
static void sig_register_made(const char *path, size_t len, size_t top)
{
    sigset_t old;
    sig_block(&old);
    memcpy(sig_made, path, len);
    sig_made[len] = 0;
    sig_made_len = len;
    sig_made_top = top;
    sig_made_on = 1;
    sig_unblock(&old);
}

/* --- the target directory --------------------------------------------------------------- */

typedef struct {
    char target[PATH_MAX];   /* DIR, trailing slashes removed, a symlink resolved */
    char parent[PATH_MAX];   /* the directory holding it ("." for a bare name) */
    const char *base;        /* its last component (in target) */
    char tmp[PATH_MAX];      /* parent/.base.tmp.PID */
    char aside[PATH_MAX];    /* parent/.base.old.PID: the old set, where DIR cannot be exchanged */
    int exists;              /* DIR exists (and holds only an export) */
    mode_t mode;             /* its permissions, given to the new one */
} target;

static int target_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return EXPORT_BAD_TARGET;
}

/* Is name one of an export's files, or the old temporary name of one (".NAME.tmp.PID")? */
static int is_export_name(const char *name)
{
    if (name_index(name) >= 0) return 1;
    if (name[0] != '.') return 0;
    const char *t = strstr(name, ".tmp.");
    if (!t || t == name) return 0;
    for (const char *d = t + 5; ; d++)
        if (*d < '0' || *d > '9') {
            if (*d || d == t + 5) return 0;
            break;
        }
    for (size_t i = 0; i < NNAMES; i++) {
        size_t n = strlen(export_names[i]);
        if ((size_t)(t - name - 1) == n && !strncmp(name + 1, export_names[i], n)) return 1;
    }
    return 0;
}

/* The first entry of directory path that is not a regular file of an export: its name
 * in bad (empty when there is none). -1 with errno when the directory cannot be read. */
static int foreign_entry(const char *path, char *bad, size_t badlen)
{
    bad[0] = 0;
    DIR *d = opendir(path);
    if (!d) return -1;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) break;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[PATH_MAX];
        struct stat st;
        int ok = is_export_name(e->d_name) && snprintf(p, sizeof p, "%s/%s", path, e->d_name) < (int)sizeof p &&
                 lstat(p, &st) == 0 && S_ISREG(st.st_mode);
        if (!ok) {
            snprintf(bad, badlen, "%s", e->d_name);
            break;
        }
    }
    int e2 = errno;
    closedir(d);
    errno = e2;
    return e2 && !bad[0] ? -1 : 0;
}

/* Remove an export directory: its export files, then itself. Anything else in it stays
 * (and so does the directory). 0 when it is gone. */
static int remove_export_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char p[PATH_MAX];
        if (is_export_name(e->d_name) && snprintf(p, sizeof p, "%s/%s", path, e->d_name) < (int)sizeof p) unlink(p);
    }
    closedir(d);
    return rmdir(path);
}

/* The PID of a temporary name ".BASE.KIND.PID" in the parent (kind "tmp" or "old"), or
 * 0 when name is not one. */
static long temp_pid(const char *name, const char *base, const char *kind)
{
    size_t bl = strlen(base), kl = strlen(kind);
    if (name[0] != '.' || strncmp(name + 1, base, bl) || name[1 + bl] != '.' || strncmp(name + 2 + bl, kind, kl) ||
        name[2 + bl + kl] != '.')
        return 0;
    const char *d = name + 3 + bl + kl;
    long pid = 0;
    if (!*d) return 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9' || pid > 999999999999L) return 0;
        pid = pid * 10 + (*d - '0');
    }
    return pid;
}

/* A process that is gone (or is us: the name is then of a process that had our PID). */
static int pid_gone(long pid)
{
    if (pid == (long)getpid()) return 1;
    if (pid > INT_MAX) return 1; /* no such PID */
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Remove what exports to this name by processes now gone left in the parent: a
 * temporary directory (.BASE.tmp.PID) is removed; a set-aside old set (.BASE.old.PID,
 * left when a process died between its two renames) is put back when DIR is missing,
 * removed otherwise. Best effort: what cannot be removed stays. */
static void remove_stale(const target *T)
{
    DIR *d = opendir(T->parent);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long tp = temp_pid(e->d_name, T->base, "tmp"), op = temp_pid(e->d_name, T->base, "old");
        char p[PATH_MAX];
        if ((!tp && !op) || !pid_gone(tp ? tp : op) ||
            snprintf(p, sizeof p, "%s/%s", T->parent, e->d_name) >= (int)sizeof p)
            continue;
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        if (op && lstat(T->target, &st) != 0 && errno == ENOENT && rename(p, T->target) == 0) continue;
        remove_export_dir(p);
    }
    closedir(d);
}

/* Can we create entries in dir (or, where it does not exist yet, in the directory that
 * will hold it)? 0, or EXPORT_BAD_TARGET with the reason. */
static int check_writable(const char *dir, char *err, size_t errlen)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", dir);
    for (;;) {
        struct stat st;
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) return target_fail(err, errlen, "%s is not a directory", p);
            if (access(p, W_OK | X_OK) != 0)
                return target_fail(err, errlen, "cannot write in directory %s: %s", p, strerror(errno));
            return 0;
        }
        if (errno != ENOENT) return target_fail(err, errlen, "%s: %s", p, strerror(errno));
        char *slash = strrchr(p, '/');
        if (!slash) snprintf(p, sizeof p, ".");
        else if (slash == p) p[1] = 0;
        else *slash = 0;
    }
}

/* Check DIR before anything is written: exit-2 cases are refused here. */
static int target_prepare(target *T, const char *dir, char *err, size_t errlen)
{
    memset(T, 0, sizeof *T);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (n >= sizeof T->target) return target_fail(err, errlen, "%s: path too long", dir);
    memcpy(T->target, dir, n);
    T->target[n] = 0;
    struct stat st;
    int have = lstat(T->target, &st) == 0;
    if (!have && errno != ENOENT) return target_fail(err, errlen, "%s: %s", dir, strerror(errno));
    if (have && S_ISLNK(st.st_mode)) {
        /* A symlink: the directory it points to is replaced, the link stays. */
        char real[PATH_MAX];
        if (!realpath(T->target, real))
            return target_fail(err, errlen, "%s is a symbolic link to nothing usable: %s", dir, strerror(errno));
        snprintf(T->target, sizeof T->target, "%s", real);
        have = lstat(T->target, &st) == 0;
        if (!have) return target_fail(err, errlen, "%s: %s", T->target, strerror(errno));
    }
    char *slash = strrchr(T->target, '/');
    T->base = slash ? slash + 1 : T->target;
    if (!*T->base || !strcmp(T->base, ".") || !strcmp(T->base, ".."))
        return target_fail(err, errlen, "%s: give the directory by its name (it is replaced as a whole)", dir);
    if (strlen(T->base) + 32 > NAME_MAX) return target_fail(err, errlen, "%s: name too long", dir);
    if (!slash) snprintf(T->parent, sizeof T->parent, ".");
    else if (slash == T->target) snprintf(T->parent, sizeof T->parent, "/");
    else snprintf(T->parent, sizeof T->parent, "%.*s", (int)(slash - T->target), T->target);
    if ((size_t)snprintf(T->tmp, sizeof T->tmp, "%s/.%s.tmp.%ld", T->parent, T->base, (long)getpid()) >= sizeof T->tmp ||
        (size_t)snprintf(T->aside, sizeof T->aside, "%s/.%s.old.%ld", T->parent, T->base, (long)getpid()) >= sizeof T->aside)
        return target_fail(err, errlen, "%s: path too long", dir);

    remove_stale(T);
    have = lstat(T->target, &st) == 0;
    if (have) {
        if (!S_ISDIR(st.st_mode))
            return target_fail(err, errlen, "%s exists and is not a directory", dir);
        char bad[NAME_MAX + 1];
        if (foreign_entry(T->target, bad, sizeof bad) != 0)
            return target_fail(err, errlen, "cannot read directory %s: %s", dir, strerror(errno));
        if (bad[0])
            return target_fail(err, errlen,
                               "%s holds '%s', which is not a file of an export: not replacing it "
                               "(give a new or empty directory, or one that holds an earlier export)",
                               dir, bad);
        T->exists = 1;
        T->mode = st.st_mode & 07777;
    } else if (errno != ENOENT)
        return target_fail(err, errlen, "%s: %s", dir, strerror(errno));
    return check_writable(T->parent, err, errlen);
}

/* Create the missing parents (registered for removal) and the temporary directory. */
static int target_create(target *T, char *err, size_t errlen)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", T->parent);
    size_t len = strlen(p), top = 0;
    /* The missing parents, shallowest first: find the deepest existing one, then
     * create downwards. */
    size_t cut = len;
    struct stat st;
    while (cut > 0) {
        p[cut] = 0;
        if (stat(p, &st) == 0) break;
        while (cut > 0 && p[cut - 1] != '/') cut--;
        while (cut > 1 && p[cut - 1] == '/') cut--;
        if (cut == 1 && p[0] == '/') break;
    }
    snprintf(p, sizeof p, "%s", T->parent);
    for (size_t i = cut + 1; cut < len && i <= len; i++) {
        if (i < len && p[i] != '/') continue;
        char c = p[i];
        p[i] = 0;
        if (i > cut && mkdir(p, 0777) == 0) {
            if (!top) top = i;
            sig_register_made(p, i, top);
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", p, strerror(errno));
            return -1;
        }
        p[i] = c;
    }
    sig_register(-1, T->tmp);
    if (mkdir(T->tmp, 0777) != 0) {
        int e = errno;
        sig_tmpdir_on = 0;
        snprintf(err, errlen, "cannot create directory %s: %s", T->tmp, strerror(e));
        return -1;
    }
    if (T->exists && chmod(T->tmp, T->mode) != 0) {
        snprintf(err, errlen, "cannot set the mode of %s: %s", T->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* Put the new set in place of the old one, then remove the old one. Signals stay
 * blocked throughout, so that an interruption lands before (the old set stays) or
 * after (the new one is in place). */
static int target_commit(target *T, char *err, size_t errlen)
{
    if (sync_path(T->tmp) != 0) {
        snprintf(err, errlen, "writing %s: %s", T->tmp, strerror(errno));
        return -1;
    }
    sigset_t old;
    sig_block(&old);
    int rc = 0;
    struct stat st;
    if (lstat(T->target, &st) != 0) {
        if (rename(T->tmp, T->target) != 0) {
            snprintf(err, errlen, "cannot put the new set in place as %s: %s", T->target, strerror(errno));
            rc = -1;
        }
    } else {
        int done = 0;
#ifdef RENAME_EXCHANGE
        if (renameat2(AT_FDCWD, T->tmp, AT_FDCWD, T->target, RENAME_EXCHANGE) == 0) done = 1;
        else if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
            snprintf(err, errlen, "cannot put the new set in place of %s: %s", T->target, strerror(errno));
            rc = -1;
        }
#endif
        if (!done && rc == 0) {
            /* No exchange here: set the old set aside, rename the new one in. Between
             * the two renames DIR is missing; a process killed there leaves the old set
             * as .DIR.old.PID, which the next export puts back. */
            if (rename(T->target, T->aside) != 0) {
                snprintf(err, errlen, "cannot set %s aside: %s", T->target, strerror(errno));
                rc = -1;
            } else if (rename(T->tmp, T->target) != 0) {
                snprintf(err, errlen, "cannot put the new set in place as %s: %s", T->target, strerror(errno));
                rename(T->aside, T->target);
                rc = -1;
            } else
                memcpy(T->tmp, T->aside, sizeof T->tmp);
        }
        if (rc == 0) {
            /* T->tmp now names the old set. */
            for (size_t i = 0; i < NNAMES; i++) sig_file_on[i] = 0;
            sig_tmpdir_on = 0;
            remove_export_dir(T->tmp);
        }
    }
    if (rc == 0) {
        for (size_t i = 0; i < NNAMES; i++) sig_file_on[i] = 0;
        sig_tmpdir_on = 0;
        sig_made_on = 0;
        sync_path(T->parent); /* best effort: the rename is done either way */
    }
    sig_unblock(&old);
    return rc;
}

/* --- CSV output --------------------------------------------------------------------- */

typedef struct {
    FILE *fp;
    char path[PATH_MAX];
    int res;              /* its resource in E->dp */
} csv;

/* What each file holds, for datapackage.json. */
static const char *file_description(const char *name)
{
    static const struct { const char *file, *what; } tab[] = {
        { "stats.csv", "statistics over paths of every monthly series, one row per value" },
        { "total_stats.csv", "statistics over paths of every per-path total" },
        { "totals.csv", "per-path totals, one row per path" },
        { "params.csv", "sampled uncertain values, one row per path, one column per key path" },
        { "sensitivity.csv", "sensitivity of each total to each sampled value" },
        { "sensitivity_by_year.csv", "rank correlations of calendar-year aggregates with each sampled value" },
        { "paths.csv", "monthly series of the saved paths (--save-paths)" },
        { "diff.csv", "statistics of the paired differences variant minus baseline, monthly series" },
        { "diff_total_stats.csv", "statistics of the paired differences variant minus baseline, totals" },
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (!strcmp(tab[i].file, name)) return tab[i].what;
    return "";
}

static void csv_str(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void csv_sep(FILE *fp)
{
    fputc(',', fp);
}

static void csv_num(FILE *fp, double x)
{
    if (!isnan(x)) fprintf(fp, "%.17g", x);
}

/* After a row: -1 with the reason when writing has failed (a full disk: stop now). */
static int csv_check(exporter *E, csv *c)
{
    if (!ferror(c->fp)) return 0;
    int e = errno ? errno : EIO;
    snprintf(E->err, sizeof E->err, "writing %s: %s", c->path, strerror(e));
    return -1;
}

/* Create file `name` in the temporary directory and write the header; a header ending
 * in ',' is left open for more column names. */
static int csv_open(exporter *E, csv *c, const char *name, const char *header)
{
    int n = snprintf(c->path, sizeof c->path, "%s/%s", E->dir, name);
    if (n < 0 || (size_t)n >= sizeof c->path) {
        snprintf(E->err, sizeof E->err, "%s: path too long", E->dir);
        return -1;
    }
    int slot = name_index(name);
    if (slot < 0) { /* every file must be in export_names: the handler removes those */
        snprintf(E->err, sizeof E->err, "%s: not a name of export_names", name);
        return -1;
    }
    sig_register(slot, c->path);
    c->fp = fopen(c->path, "w");
    if (!c->fp) {
        snprintf(E->err, sizeof E->err, "cannot create %s: %s", c->path, strerror(errno));
        return -1;
    }
    if (E->multi) fputs("variant,", c->fp);
    c->res = dp_resource(E->dp, name, file_description(name));
    if (c->res < 0 || (E->multi && dp_header(E->dp, c->res, "variant") < 0) || dp_header(E->dp, c->res, header) < 0) {
        snprintf(E->err, sizeof E->err, "%s: out of memory", name);
        return -1;
    }
    size_t hl = strlen(header);
    if (hl && header[hl - 1] == ',') fwrite(header, 1, hl - 1, c->fp);
    else fprintf(c->fp, "%s\n", header);
    return csv_check(E, c);
}

/* Flush to disk and close; when ok is 0 (a failure elsewhere) just close. The file is
 * removed with the temporary directory on any failure. */
static int csv_close(exporter *E, csv *c, int ok)
{
    if (!c->fp) return -1;
    int e = 0;
    if (ferror(c->fp)) e = errno ? errno : EIO;
    else if (fflush(c->fp) != 0 || fsync(fileno(c->fp)) != 0) e = errno;
    if (fclose(c->fp) != 0 && !e) e = errno;
    c->fp = NULL;
    if (!ok) return -1;
    if (e) {
        snprintf(E->err, sizeof E->err, "writing %s: %s", c->path, strerror(e));
        return -1;
    }
    return 0;
}

/* --- labels of a group's dimensions -------------------------------------------------- */

#define MAX_DIMS 16
typedef struct {
    hid_t g;
    size_t n;
    char *dim[MAX_DIMS];
    char **lab[MAX_DIMS];
    size_t len[MAX_DIMS];
    char **month;         /* month labels along time, when the group has them */
    size_t nmonth;
} labels;

static void labels_init(labels *L, hid_t g)
{
    memset(L, 0, sizeof *L);
    L->g = g;
    if (hdf5_exists(g, "month") && hdf5_read_strings(g, "month", &L->month, &L->nmonth) < 0) {
        L->month = NULL;
        L->nmonth = 0;
    }
    H5Eclear2(H5E_DEFAULT);
}

static void labels_free(labels *L)
{
    for (size_t i = 0; i < L->n; i++) {
        free(L->dim[i]);
        hdf5_free_strings(L->lab[i], L->len[i]);
    }
    hdf5_free_strings(L->month, L->nmonth);
    memset(L, 0, sizeof *L);
}

/* Labels of dimension dim (cached); quantiles as "q0.05". NULL when unavailable. */
static char **labels_of(labels *L, const char *dim, size_t *len)
{
    for (size_t i = 0; i < L->n; i++)
        if (!strcmp(L->dim[i], dim)) {
            *len = L->len[i];
            return L->lab[i];
        }
    if (L->n == MAX_DIMS) return NULL;
    char **lab = NULL;
    size_t n = 0;
    if (!strcmp(dim, "quantile")) {
        double *q;
        if (hdf5_read_doubles(L->g, dim, &q, &n) == 0) {
            lab = calloc(n ? n : 1, sizeof *lab);
            for (size_t i = 0; lab && i < n; i++) {
                char buf[40];
                snprintf(buf, sizeof buf, "q%g", q[i]);
                lab[i] = strdup(buf);
            }
            free(q);
        }
    } else if (results_labels(L->g, dim, &lab, &n) < 0)
        lab = NULL;
    H5Eclear2(H5E_DEFAULT);
    if (!lab) return NULL;
    L->dim[L->n] = strdup(dim);
    L->lab[L->n] = lab;
    L->len[L->n] = n;
    L->n++;
    *len = n;
    return lab;
}

/* --- long format: statistics and saved paths ------------------------------------------ */

typedef struct {
    const char *key;        /* series or total name */
    const char *statistic;  /* NULL: no statistic column */
    int time, path;         /* columns present */
} long_spec;

/* One row per value of x: [variant,]key[,path][,time,month],dim,element[,statistic],value.
 * The dimensions of x are variant, path, time, quantile, and at most one labelled one
 * (segment, cloud, contract). */
static int emit_long(exporter *E, labels *L, csv *c, const results_var *x, const long_spec *s)
{
    FILE *fp = c->fp;
    char **lab[RESULTS_MAX_RANK] = { 0 };
    size_t len[RESULTS_MAX_RANK] = { 0 };
    int own = -1, tdim = -1, qdim = -1, vdim = -1, pdim = -1;
    for (int r = 0; r < x->rank; r++) {
        const char *dn = x->dimname[r];
        if (!strcmp(dn, "variant")) vdim = r;
        else if (!strcmp(dn, "time")) tdim = r;
        else if (!strcmp(dn, "quantile")) qdim = r;
        else if (!strcmp(dn, "path")) pdim = r;
        else own = r;
        if (r == pdim) continue;
        lab[r] = labels_of(L, dn, &len[r]);
        if (!lab[r] || len[r] != x->dims[r]) {
            return input_fail(E, "%s: no labels for dimension '%s'", x->name, dn);
        }
    }
    size_t idx[RESULTS_MAX_RANK];
    for (size_t i = 0; i < x->n; i++) {
        size_t rem = i;
        for (int r = x->rank - 1; r >= 0; r--) {
            idx[r] = rem % x->dims[r];
            rem /= x->dims[r];
        }
        if (E->multi) {
            csv_str(fp, vdim >= 0 ? lab[vdim][idx[vdim]] : "");
            csv_sep(fp);
        }
        csv_str(fp, s->key);
        if (s->path) fprintf(fp, ",%zu", pdim >= 0 ? idx[pdim] : 0);
        if (s->time) {
            csv_sep(fp);
            if (tdim >= 0) csv_str(fp, lab[tdim][idx[tdim]]);
            csv_sep(fp);
            if (tdim >= 0 && L->nmonth == x->dims[tdim]) csv_str(fp, L->month[idx[tdim]]);
        }
        csv_sep(fp);
        if (own >= 0) csv_str(fp, x->dimname[own]);
        csv_sep(fp);
        if (own >= 0) csv_str(fp, lab[own][idx[own]]);
        if (s->statistic) {
            csv_sep(fp);
            csv_str(fp, qdim >= 0 ? lab[qdim][idx[qdim]] : s->statistic);
        }
        csv_sep(fp);
        csv_num(fp, x->v[i]);
        fputc('\n', fp);
        if (csv_check(E, c) < 0) return -1;
    }
    return 0;
}

/* Statistics of group `gname` (/stats or /diff): monthly series to `monthly`, totals to
 * `totals`. */
static int export_stats(exporter *E, const char *gname, const char *monthly, const char *totals)
{
    hid_t g = H5Gopen2(E->f, gname, H5P_DEFAULT);
    if (g < 0) return input_hdf5_fail(E, gname);
    labels L;
    labels_init(&L, g);
    char **names = NULL;
    size_t n = 0;
    csv cm = { 0 }, ct = { 0 };
    int rc = hdf5_list(g, &names, &n) == 0 ? 0 : input_hdf5_fail(E, gname);
    if (rc == 0) rc = csv_open(E, &cm, monthly, "series,time,month,dim,element,statistic,value");
    if (rc == 0) rc = csv_open(E, &ct, totals, "total,dim,element,statistic,value");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        results_var x;
        if (results_var_load(g, names[i], 0, &x) < 0) {
            H5Eclear2(H5E_DEFAULT);
            continue; /* not a dataset */
        }
        int is_stat = x.statistic[0] != 0;
        results_var_free(&x);
        if (!is_stat) continue;
        if (results_var_load(g, names[i], 1, &x) < 0) {
            rc = input_hdf5_fail(E, names[i]);
            break;
        }
        long_spec s = { x.series, x.statistic, results_var_dim(&x, "time") >= 0, 0 };
        csv *to = s.time ? &cm : &ct;
        /* the unit of the series' values (a probability's is 1, said in the description) */
        if (strcmp(x.statistic, "ppos") && strcmp(x.statistic, "pneg") &&
            dp_value_unit(E->dp, to->res, x.series, x.units) < 0)
            rc = out_of_memory(E);
        if (rc == 0) rc = emit_long(E, &L, to, &x, &s);
        results_var_free(&x);
    }
    if (cm.fp && csv_close(E, &cm, rc == 0) < 0) rc = -1;
    if (ct.fp && csv_close(E, &ct, rc == 0) < 0) rc = -1;
    hdf5_free_strings(names, n);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

static int export_saved_paths(exporter *E)
{
    hid_t g = H5Gopen2(E->f, "paths", H5P_DEFAULT);
    if (g < 0) return input_hdf5_fail(E, "paths");
    labels L;
    labels_init(&L, g);
    char **names = NULL;
    size_t n = 0;
    csv c = { 0 };
    int rc = hdf5_list(g, &names, &n) == 0 ? 0 : input_hdf5_fail(E, "paths");
    if (rc == 0) rc = csv_open(E, &c, "paths.csv", "series,path,time,month,dim,element,value");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        results_var x;
        if (results_var_load(g, names[i], 0, &x) < 0) {
            H5Eclear2(H5E_DEFAULT);
            continue;
        }
        int is_series = results_var_dim(&x, "path") >= 0 && results_var_dim(&x, "time") >= 0;
        results_var_free(&x);
        if (!is_series) continue;
        if (results_var_load(g, names[i], 1, &x) < 0) {
            rc = input_hdf5_fail(E, names[i]);
            break;
        }
        long_spec s = { x.name, NULL, 1, 1 };
        rc = dp_value_unit(E->dp, c.res, x.name, x.units) < 0 ? out_of_memory(E) : emit_long(E, &L, &c, &x, &s);
        results_var_free(&x);
    }
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    hdf5_free_strings(names, n);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* --- wide format: one row per path ----------------------------------------------------- */

typedef struct {
    hid_t ds;
    results_var x;            /* shape and attributes */
    int vdim, pdim;
    size_t per;          /* values per path (product of the dims after path) */
} column_set;

/* Header names of cs: NAME, or NAME[element] for each element; params by key path. Each
 * column goes to datapackage.json with the variable's units and long_name. */
static int write_header_cols(exporter *E, labels *L, const csv *c, const column_set *cs)
{
    FILE *fp = c->fp;
    const char *name = cs->x.key_path[0] ? cs->x.key_path : cs->x.name;
    size_t nlab = 0;
    char **lab = NULL;
    int own = cs->pdim + 1 < cs->x.rank ? cs->pdim + 1 : -1;
    if (own >= 0) lab = labels_of(L, cs->x.dimname[own], &nlab);
    for (size_t j = 0; j < cs->per; j++) {
        csv_sep(fp);
        char buf[1024];
        if (own < 0) snprintf(buf, sizeof buf, "%s", name);
        else snprintf(buf, sizeof buf, "%s[%s]", name, lab && j < nlab ? lab[j] : "?");
        csv_str(fp, buf);
        if (dp_field(E->dp, c->res, buf, "number", cs->x.units, cs->x.long_name) < 0) return out_of_memory(E);
    }
    return 0;
}

/* /totals or /params as one row per (variant, path). */
static int export_wide(exporter *E, const char *gname, const char *file)
{
    hid_t g = H5Gopen2(E->f, gname, H5P_DEFAULT);
    if (g < 0) return input_hdf5_fail(E, gname);
    labels L;
    labels_init(&L, g);
    char **names = NULL, **vlab = NULL;
    size_t n = 0, ncols = 0, nv = 1, np = 0;
    column_set *cols = NULL;
    csv c = { 0 };
    int rc = hdf5_list(g, &names, &n) == 0 ? 0 : input_hdf5_fail(E, gname);
    if (rc == 0 && !(cols = calloc(n ? n : 1, sizeof *cols))) rc = -1;
    /* The columns: variables over path other than the path coordinate itself. */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        column_set *cs = &cols[ncols];
        if (!strcmp(names[i], "path") || results_var_load(g, names[i], 0, &cs->x) < 0) {
            H5Eclear2(H5E_DEFAULT);
            continue;
        }
        cs->pdim = results_var_dim(&cs->x, "path");
        cs->vdim = results_var_dim(&cs->x, "variant");
        if (cs->pdim < 0 || (cs->ds = H5Dopen2(g, names[i], H5P_DEFAULT)) < 0) {
            results_var_free(&cs->x);
            continue;
        }
        cs->per = 1;
        for (int r = cs->pdim + 1; r < cs->x.rank; r++) cs->per *= cs->x.dims[r];
        if (cs->x.dims[cs->pdim] > np) np = cs->x.dims[cs->pdim];
        if (cs->vdim >= 0) nv = cs->x.dims[cs->vdim];
        ncols++;
    }
    if (rc == 0 && E->multi) {
        size_t nl = 0;
        vlab = labels_of(&L, "variant", &nl);
        if (!vlab || nl != nv)
            rc = input_fail(E, "/%s: no variant labels", gname);
    }
    if (rc == 0) rc = csv_open(E, &c, file, "path,");
    if (rc == 0) {
        for (size_t k = 0; k < ncols && rc == 0; k++) rc = write_header_cols(E, &L, &c, &cols[k]);
        fputc('\n', c.fp);
        if (rc == 0) rc = csv_check(E, &c);
    }
    double **blk = rc == 0 ? calloc(ncols ? ncols : 1, sizeof *blk) : NULL;
    if (rc == 0 && !blk) rc = -1;
    for (size_t k = 0; rc == 0 && k < ncols; k++)
        if (!(blk[k] = malloc(BLOCK_PATHS * cols[k].per * sizeof **blk))) rc = -1;
    for (size_t v = 0; rc == 0 && v < nv; v++) {
        for (size_t p0 = 0; rc == 0 && p0 < np; p0 += BLOCK_PATHS) {
            size_t cnt = np - p0 < BLOCK_PATHS ? np - p0 : BLOCK_PATHS;
            for (size_t k = 0; rc == 0 && k < ncols; k++) {
                column_set *cs = &cols[k];
                hsize_t start[RESULTS_MAX_RANK] = { 0 }, count[RESULTS_MAX_RANK];
                for (int r = 0; r < cs->x.rank; r++) count[r] = cs->x.dims[r];
                if (cs->vdim >= 0) {
                    start[cs->vdim] = v;
                    count[cs->vdim] = 1;
                }
                start[cs->pdim] = p0;
                count[cs->pdim] = cnt;
                if (p0 + cnt > cs->x.dims[cs->pdim]) { /* shorter column: missing values */
                    for (size_t i = 0; i < cnt * cs->per; i++) blk[k][i] = NAN;
                    if (p0 >= cs->x.dims[cs->pdim]) continue;
                    count[cs->pdim] = cs->x.dims[cs->pdim] - p0;
                }
                if (hdf5_read_slab(cs->ds, cs->x.rank, start, count, blk[k]) < 0)
                    rc = input_hdf5_fail(E, cs->x.name);
            }
            for (size_t p = 0; rc == 0 && p < cnt; p++) {
                if (E->multi) {
                    csv_str(c.fp, vlab[v]);
                    csv_sep(c.fp);
                }
                fprintf(c.fp, "%zu", p0 + p);
                for (size_t k = 0; k < ncols; k++)
                    for (size_t j = 0; j < cols[k].per; j++) {
                        csv_sep(c.fp);
                        csv_num(c.fp, blk[k][p * cols[k].per + j]);
                    }
                fputc('\n', c.fp);
                rc = csv_check(E, &c);
            }
        }
    }
    if (rc < 0 && !E->err[0]) snprintf(E->err, sizeof E->err, "/%s: out of memory", gname);
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    for (size_t k = 0; blk && k < ncols; k++) free(blk[k]);
    free(blk);
    for (size_t k = 0; k < ncols; k++) {
        H5Dclose(cols[k].ds);
        results_var_free(&cols[k].x);
    }
    free(cols);
    hdf5_free_strings(names, n);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* --- sensitivity ---------------------------------------------------------------------- */

static int export_sensitivity(exporter *E)
{
    static const char *const vars[] = { "rank_corr", "sobol_first", "sobol_first_ci", "sobol_total", "sobol_total_ci" };
    enum { NV = sizeof vars / sizeof vars[0] };
    hid_t g = H5Gopen2(E->f, "sensitivity", H5P_DEFAULT);
    if (g < 0) return input_hdf5_fail(E, "sensitivity");
    labels L;
    labels_init(&L, g);
    results_var x[NV];
    int have[NV] = { 0 };
    char header[256] = "total,param";
    for (int k = 0; k < NV; k++) {
        memset(&x[k], 0, sizeof x[k]);
        if (hdf5_exists(g, vars[k]) && results_var_load(g, vars[k], 1, &x[k]) == 0) {
            have[k] = 1;
            strcat(header, ",");
            strcat(header, vars[k]);
        }
        H5Eclear2(H5E_DEFAULT);
    }
    csv c = { 0 };
    int rc = csv_open(E, &c, "sensitivity.csv", header);
    if (rc == 0 && have[0]) {
        const results_var *r = &x[0];
        int vdim = results_var_dim(r, "variant");
        int tdim = results_var_dim(r, "total"), pdim = results_var_dim(r, "param");
        size_t nt = 0, np = 0, nvl = 0;
        char **tl = tdim >= 0 ? labels_of(&L, "total", &nt) : NULL;
        char **pl = pdim >= 0 ? labels_of(&L, "param", &np) : NULL;
        char **vl = vdim >= 0 ? labels_of(&L, "variant", &nvl) : NULL;
        size_t nv = vdim >= 0 ? r->dims[vdim] : 1;
        if (!tl || !pl || nt != r->dims[tdim] || np != r->dims[pdim] || (vdim >= 0 && (!vl || nvl != nv)))
            rc = input_fail(E, "/sensitivity: missing total or param labels");
        for (size_t v = 0; rc == 0 && v < nv; v++)
            for (size_t t = 0; rc == 0 && t < nt; t++)
                for (size_t p = 0; rc == 0 && p < np; p++) {
                    if (E->multi) {
                        csv_str(c.fp, vl ? vl[v] : "");
                        csv_sep(c.fp);
                    }
                    csv_str(c.fp, tl[t]);
                    csv_sep(c.fp);
                    csv_str(c.fp, pl[p]);
                    size_t i = (v * nt + t) * np + p;
                    for (int k = 0; k < NV; k++)
                        if (have[k]) {
                            csv_sep(c.fp);
                            csv_num(c.fp, i < x[k].n ? x[k].v[i] : NAN);
                        }
                    fputc('\n', c.fp);
                    if (csv_check(E, &c) < 0) rc = -1;
                }
    }
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    for (int k = 0; k < NV; k++) results_var_free(&x[k]);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* Rank correlations of the calendar-year aggregates: one row per (aggregate, year,
 * param). */
static int export_sensitivity_years(exporter *E)
{
    static const char *const vars[] = { "rank_corr_unmet_by_year", "rank_corr_spend_by_year" };
    static const char *const agg[] = { "unmet", "spend" };
    hid_t g = H5Gopen2(E->f, "sensitivity", H5P_DEFAULT);
    if (g < 0) return input_hdf5_fail(E, "sensitivity");
    labels L;
    labels_init(&L, g);
    csv c = { 0 };
    int rc = csv_open(E, &c, "sensitivity_by_year.csv", "aggregate,year,param,rank_corr");
    for (int k = 0; rc == 0 && k < 2; k++) {
        results_var x;
        if (!hdf5_exists(g, vars[k])) continue;
        if (results_var_load(g, vars[k], 1, &x) < 0) {
            rc = input_hdf5_fail(E, vars[k]);
            break;
        }
        int vdim = results_var_dim(&x, "variant"), ydim = results_var_dim(&x, "year"), pdim = results_var_dim(&x, "param");
        size_t ny = 0, np = 0, nvl = 0, nv = vdim >= 0 ? x.dims[vdim] : 1;
        char **yl = ydim >= 0 ? labels_of(&L, "year", &ny) : NULL;
        char **pl = pdim >= 0 ? labels_of(&L, "param", &np) : NULL;
        char **vl = vdim >= 0 ? labels_of(&L, "variant", &nvl) : NULL;
        if (!yl || !pl || ny != x.dims[ydim] || np != x.dims[pdim] || (vdim >= 0 && (!vl || nvl != nv)))
            rc = input_fail(E, "/sensitivity/%s: missing year or param labels", vars[k]);
        for (size_t v = 0; rc == 0 && v < nv; v++)
            for (size_t y = 0; rc == 0 && y < ny; y++)
                for (size_t p = 0; rc == 0 && p < np; p++) {
                    if (E->multi) {
                        csv_str(c.fp, vl ? vl[v] : "");
                        csv_sep(c.fp);
                    }
                    fprintf(c.fp, "%s,%s,", agg[k], yl[y]);
                    csv_str(c.fp, pl[p]);
                    csv_sep(c.fp);
                    csv_num(c.fp, x.v[(v * ny + y) * np + p]);
                    fputc('\n', c.fp);
                    if (csv_check(E, &c) < 0) rc = -1;
                }
        results_var_free(&x);
    }
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* --- the whole export ----------------------------------------------------------------- */

/* datapackage.json, after the CSV files it describes. */
static int write_datapackage(exporter *E)
{
    const char *name = "datapackage.json";
    csv c = { 0 };
    int n = snprintf(c.path, sizeof c.path, "%s/%s", E->dir, name);
    if (n < 0 || (size_t)n >= sizeof c.path) {
        snprintf(E->err, sizeof E->err, "%s: path too long", E->dir);
        return -1;
    }
    sig_register(name_index(name), c.path);
    if (!(c.fp = fopen(c.path, "w"))) {
        snprintf(E->err, sizeof E->err, "cannot create %s: %s", c.path, strerror(errno));
        return -1;
    }
    int rc = dp_write(E->dp, c.fp) == 0 ? 0 : csv_check(E, &c);
    return csv_close(E, &c, rc == 0) < 0 ? -1 : rc;
}

int export_csv(const char *path, const char *dir, char *err, size_t errlen)
{
    target T;
    int st = target_prepare(&T, dir, err, errlen);
    if (st != EXPORT_OK) return st;
    exporter E;
    memset(&E, 0, sizeof E);
    E.dir = T.tmp;
    E.f = results_open(path, E.err, sizeof E.err);
    if (E.f < 0) {
        snprintf(err, errlen, "%s", E.err);
        return EXPORT_BAD_INPUT;
    }
    double nv = 1;
    hdf5_read_attr_double(E.f, "variants", &nv);
    H5Eclear2(H5E_DEFAULT);
    E.multi = nv > 1;
    char *title = NULL;
    if (hdf5_has_attr(E.f, "scenario_name") && hdf5_read_attr_str(E.f, "scenario_name", &title) < 0) title = NULL;
    H5Eclear2(H5E_DEFAULT);
    char what[512];
    snprintf(what, sizeof what, "capsim results: %s", title ? title : "");
    free(title);
    if (!(E.dp = dp_new(what))) {
        H5Fclose(E.f);
        snprintf(err, errlen, "out of memory");
        return EXPORT_FAILED;
    }
    sig_install();
    int rc = target_create(&T, E.err, sizeof E.err);
    if (rc == 0) rc = export_stats(&E, "stats", "stats.csv", "total_stats.csv");
    if (rc == 0 && hdf5_exists(E.f, "diff")) rc = export_stats(&E, "diff", "diff.csv", "diff_total_stats.csv");
    if (rc == 0) rc = export_wide(&E, "totals", "totals.csv");
    if (rc == 0) rc = export_wide(&E, "params", "params.csv");
    if (rc == 0 && hdf5_exists(E.f, "sensitivity")) rc = export_sensitivity(&E);
    if (rc == 0 && hdf5_exists(E.f, "sensitivity/year")) rc = export_sensitivity_years(&E);
    if (rc == 0 && hdf5_exists(E.f, "paths")) rc = export_saved_paths(&E);
    if (rc == 0) rc = write_datapackage(&E);
    H5Fclose(E.f);
    dp_free(E.dp);
    if (rc == 0) rc = target_commit(&T, E.err, sizeof E.err);
    if (rc < 0) {
        sigset_t old;
        sig_block(&old);
        remove_registered();
        sig_unblock(&old);
    }
    sig_restore();
    if (rc < 0) {
        snprintf(err, errlen, "%s", E.err[0] ? E.err : "failed");
        return E.bad_input ? EXPORT_BAD_INPUT : EXPORT_FAILED;
    }
    return EXPORT_OK;
}
