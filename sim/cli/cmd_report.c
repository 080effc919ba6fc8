/*
 * cmd_report: `capsim report OUT.h5 -o report.html`: one self-contained HTML page of a
 * results file. The page is drawn by the capsim Python package (output/python/capsim,
 * report.py) run with Debian's python3; this file finds the interpreter and the package,
 * runs it into a temporary file beside the target and renames that over the target once
 * it is complete, so that no partial page is ever left. Exit 0 ok; 1 the page could not
 * be written (or the report was interrupted); 2 bad arguments, a missing python3 or
 * package, or a results file that does not exist, is not capsim's or is damaged.
 */
#include "commands.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char report_help[] =
    "usage: capsim report [--help] OUT.h5 [-o REPORT.html] [--total NAME]\n"
    "\n"
    "Write one self-contained HTML page of a results file (inline SVG charts, no network,\n"
    "no JavaScript): key totals, fan charts, spend by cloud, what drives a total (--total,\n"
    "default pv_turned_down_revenue), the compare, sweep, optimize and Sobol sections where\n"
    "the file has them, the scenario text and the provenance. -o defaults to OUT.html in\n"
    "the current directory; -o - is refused. The page is written to a temporary file and\n"
    "renamed over the target when complete.\n"
    "\n"
    "It runs the capsim Python package with python3: CAPSIM_PYTHON names the interpreter\n"
    "(default /usr/bin/python3), CAPSIM_PYTHONPATH the folder holding the package capsim/\n"
    "(default: output/python of the source tree the binary was built in, or\n"
    "../share/capsim/python beside the binary). Needs python3-numpy, -h5py, -xarray,\n"
    "-h5netcdf and -matplotlib.\n"
    "\n"
    "Exit codes: 0 ok; 1 the page could not be written; 2 bad arguments, python3 or the\n"
    "package missing, or a file that does not exist, is not a capsim results file or is\n"
    "damaged.\n";

/* Imports first, so that a missing module is one line and exit 2, not a traceback. */
static const char bootstrap[] =
    "import sys\n"
    "try:\n"
    "    from capsim.report import main\n"
    "except ImportError as e:\n"
    "    sys.stderr.write('capsim report: the Python module %s is not installed (Debian: python3-numpy, "
    "python3-h5py, python3-xarray, python3-h5netcdf, python3-matplotlib)\\n' % (e.name or e))\n"
    "    sys.exit(2)\n"
    "sys.exit(main(sys.argv[1:]))\n";

static volatile sig_atomic_t child_pid, got_signal;

/* SIGINT, SIGTERM, SIGHUP while the page is drawn: passed on to python3, whose end then
 * removes the temporary file (the handler only forwards). */
static void forward(int sig)
{
    got_signal = sig;
    if (child_pid > 0) kill((pid_t)child_pid, sig);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder that holds capsim/report.py: $CAPSIM_PYTHONPATH, else output/python of the
 * source tree beside the binary (build/capsim, or the ./capsim link, which realpath
 * resolves to it), else ../share/capsim/python. 0 found, -1 not. */
static int find_package(char *out, size_t n, char *tried, size_t tn)
{
    const char *env = getenv("CAPSIM_PYTHONPATH");
    char probe[PATH_MAX + 64];
    if (env && *env) {
        snprintf(tried, tn, "%s (CAPSIM_PYTHONPATH)", env);
        snprintf(probe, sizeof probe, "%s/capsim/report.py", env);
        if (!is_file(probe)) return -1;
        snprintf(out, n, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    if (!realpath("/proc/self/exe", exe)) return snprintf(tried, tn, "(the binary's folder is unknown)"), -1;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    static const char *const rel[] = { "/output/python", "/../output/python", "/../share/capsim/python" };
    tried[0] = '\0';
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(probe, sizeof probe, "%s%s/capsim/report.py", exe, rel[i]);
        size_t used = strlen(tried);
        snprintf(tried + used, tn - used, "%s%s%s", used ? ", " : "", exe, rel[i]);
        if (is_file(probe)) {
            snprintf(out, n, "%s%s", exe, rel[i]);
            return 0;
        }
    }
    return -1;
}

/* OUT.h5 -> OUT.html, in the current directory. */
static void default_out(const char *in, char *out, size_t n)
{
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".h5") == 0) len -= 3;
    snprintf(out, n, "%.*s.html", (int)len, base);
}

static int run_python(const char *python, const char *pkg, char *const args[])
{
    /* PYTHONPATH = the package's folder, then whatever the caller had */
    const char *old = getenv("PYTHONPATH");
    size_t need = strlen(pkg) + (old ? strlen(old) + 1 : 0) + 1;
    char *pp = malloc(need);
    if (!pp) return fprintf(stderr, "capsim report: out of memory\n"), -1;
    snprintf(pp, need, "%s%s%s", pkg, old && *old ? ":" : "", old && *old ? old : "");
    setenv("PYTHONPATH", pp, 1);
    free(pp);
    setenv("PYTHONDONTWRITEBYTECODE", "1", 0);   /* nothing written into the source tree */
    struct sigaction sa = { 0 }, old_int, old_term, old_hup;
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    pid_t pid;
    int rc = posix_spawn(&pid, python, NULL, NULL, args, environ);
    int status = 0;
    if (rc == 0) {
        child_pid = pid;
        if (got_signal) kill(pid, got_signal);   /* one that came before child_pid was set */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        child_pid = 0;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    if (rc != 0) return fprintf(stderr, "capsim report: cannot run %s: %s\n", python, strerror(rc)), -1;
    if (WIFSIGNALED(status)) return fprintf(stderr, "capsim report: interrupted (signal %d)\n", WTERMSIG(status)), -1;
    return WEXITSTATUS(status);
}

int cmd_report(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *total = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(report_help, stdout);
            return EXIT_OK;
        }
        if (!strcmp(a, "-o") || !strcmp(a, "--out") || !strcmp(a, "--total")) {
            if (i + 1 >= argc) return cli_usage_error("report", "%s needs a value", a);
            if (!strcmp(a, "--total")) total = argv[++i];
            else out = argv[++i];
            continue;
        }
        if (a[0] == '-' && a[1]) return cli_usage_error("report", "unknown option '%s'", a);
        if (in) return cli_usage_error("report", "one results file expected, got '%s' and '%s'", in, a);
        in = a;
    }
    if (!in) return cli_usage_error("report", "no results file given");
    if (out && !strcmp(out, "-"))
        return cli_usage_error("report", "-o -: the report is an HTML file, which is not written to standard "
                               "output (expected a file name)");
    if (out && !*out) return cli_usage_error("report", "-o: an empty file name");
    if (total && !*total) return cli_usage_error("report", "--total: an empty name");
    struct stat st;
    if (stat(in, &st) != 0) return fprintf(stderr, "capsim report: cannot open %s: %s\n", in, strerror(errno)), EXIT_BAD_INPUT;
    if (!S_ISREG(st.st_mode)) return fprintf(stderr, "capsim report: %s: not a regular file\n", in), EXIT_BAD_INPUT;
    char outbuf[PATH_MAX];
    if (!out) {
        default_out(in, outbuf, sizeof outbuf);
        out = outbuf;
    }
    if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode))
        return fprintf(stderr, "capsim report: %s: exists and is not a regular file\n", out), EXIT_BAD_INPUT;

    const char *python = getenv("CAPSIM_PYTHON");
    if (!python || !*python) python = "/usr/bin/python3";
    if (access(python, X_OK) != 0)
        return fprintf(stderr, "capsim report: no python3 at %s (install Debian's python3, or set CAPSIM_PYTHON "
                       "to an interpreter)\n", python), EXIT_BAD_INPUT;
    char pkg[PATH_MAX], tried[3 * PATH_MAX + 64];
    if (find_package(pkg, sizeof pkg, tried, sizeof tried) != 0)
        return fprintf(stderr, "capsim report: the capsim Python package (capsim/report.py) is not in %s (set "
                       "CAPSIM_PYTHONPATH to the folder that holds capsim/)\n", tried), EXIT_BAD_INPUT;

    /* the temporary page beside the target, so that the rename stays in one file system */
    char dir[PATH_MAX], tmp[PATH_MAX + 64];
    const char *slash = strrchr(out, '/');
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - out) + (slash == out), out);
    else snprintf(dir, sizeof dir, ".");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0)
        return fprintf(stderr, "capsim report: cannot write %s: %s is not a writable directory\n", out, dir),
               EXIT_BAD_INPUT;
    int n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", dir, slash ? slash + 1 : out, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) return cli_usage_error("report", "-o %s: the name is too long", out);

    char *args[12];
    int k = 0;
    args[k++] = (char *)python;
    args[k++] = "-c";
    args[k++] = (char *)bootstrap;
    args[k++] = (char *)in;
    args[k++] = "-o";
    args[k++] = tmp;
    if (total) {
        args[k++] = "--total";
        args[k++] = (char *)total;
    }
    args[k] = NULL;
    int rc = run_python(python, pkg, args);
    if (rc == 0 && rename(tmp, out) != 0) {
        fprintf(stderr, "capsim report: cannot rename %s to %s: %s\n", tmp, out, strerror(errno));
        rc = 1;
    }
    if (rc != 0) {
        unlink(tmp);
        return rc == 2 ? EXIT_BAD_INPUT : EXIT_RUNTIME;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);   /* the rename itself on disk */
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return EXIT_OK;
}
