/*
 * cmd_optimize: `capsim optimize SCENARIO.yaml`: the contract terms (the scenario's
 * `decisions:`) that do best on its `objective:` (sim/optimize/optimize.h), then the
 * scenario itself and each risk weight's chosen point run on fresh paths as the variants
 * of one results file (like a compare file), with the search in its /optimize group.
 *
 * The file is made in two steps, still atomically: the engine writes the variants to
 * `.NAME.optimize.PID` beside NAME (itself through a temporary file); the /optimize
 * group is added to it, and it is fsync'ed and renamed to NAME with SIGINT, SIGTERM and
 * SIGHUP blocked, so NAME appears only complete. A failure removes the intermediate file.
 */
#include "commands.h"
#include "cli.h"
#include "models/model.h"
#include "output/h5out_optimize.h"
#include "sim/engine/engine.h"
#include "sim/engine/mpi_comm.h"
#include "sim/optimize/optimize.h"
#include "sim/scenario/diagnostics.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char optimize_help[] =
    "usage: capsim optimize SCENARIO.yaml [-o OUT.h5] [--paths N] [--seed S] [--budget N]\n"
    "                       [--threads T] [--set key.path=value ...] [--save-paths K] [--quiet]\n"
    "\n"
    "Search the scenario's decisions: (key paths with a box {min, max, step}) for the\n"
    "values that do best on its objective: (maximize or minimize a per-path total, mean +\n"
    "w * ES for each risk weight w, subject to the constraints). Every candidate runs on the\n"
    "same paths (common random numbers). A grid when every decision has a step and the grid\n"
    "has at most --budget points (default 200), else Nelder-Mead. The best feasible point of\n"
    "each weight is re-run on fresh paths (seed + 1000003), beside the scenario itself;\n"
    "OUT.h5 (default optimize.h5) holds the search in /optimize and their statistics as\n"
    "the variants baseline, w0, w0.5, ... (docs/OUTPUT.md).\n"
    "\n"
    "  --budget N              most points of a grid search (default 200)\n"
    CLI_RUN_OPTIONS_HELP
    "  --superblock-paths N    advanced: paths per superblock (capsim run --help)\n"
    "  (--target-rse, --on and --shard apply to run, compare and sweep only)\n";

typedef struct {
    uint64_t budget;
} opt_opts;

static int opt_extra(int opt, const char *arg, void *ctx)
{
    opt_opts *oo = ctx;
    if (opt != 'b') return 0;
    if (cli_parse_u64(arg, &oo->budget) != 0 || oo->budget < 1 || oo->budget > 1000000) {
        cli_usage_error("optimize", "--budget expects a whole number from 1 to 1000000, got '%s'", arg);
        return -1;
    }
    return 1;
}

/* The intermediate file, removed if a signal ends the process while it exists (the
 * engine's own handler covers its temporary file while it writes; it restores ours). */
static char mid_path[4200];
static volatile sig_atomic_t mid_active;
static struct sigaction mid_old[3];
static const int mid_sigs[3] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
    if (mid_active) unlink(mid_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void mid_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    for (int i = 0; i < 3; i++) {
        sigaction(mid_sigs[i], NULL, &mid_old[i]);
        if (mid_old[i].sa_handler != SIG_IGN) sigaction(mid_sigs[i], &sa, NULL);
    }
}

static void mid_restore(void)
{
    mid_active = 0;
    for (int i = 0; i < 3; i++) sigaction(mid_sigs[i], &mid_old[i], NULL);
}

/* Remove what a killed optimize (SIGKILL, a crash) left beside OUT: `.NAME.optimize.PID`
 * and the engine's `..NAME.optimize.PID.tmp.PID2`, regular files of ours whose PID is no
 * longer running (the rule h5out applies to its own temporary files). */
static void remove_stale(const char *dir, const char *file)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char pre1[600], pre2[600];
    snprintf(pre1, sizeof pre1, ".%s.optimize.", file);
    snprintf(pre2, sizeof pre2, "..%s.optimize.", file);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *rest = NULL;
        if (strncmp(e->d_name, pre1, strlen(pre1)) == 0) rest = e->d_name + strlen(pre1);
        else if (strncmp(e->d_name, pre2, strlen(pre2)) == 0) rest = e->d_name + strlen(pre2);
        if (!rest || !isdigit((unsigned char)rest[0])) continue;
        char *endp;
        long pid = strtol(rest, &endp, 10);
        if (pid <= 0 || (*endp && strncmp(endp, ".tmp.", 5) != 0)) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) unlink(path);
    }
    closedir(d);
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, len, ".");
    else if (slash == path) snprintf(buf, len, "/");
    else snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* What optimize prints on stdout: the search and each weight's answer. */
static void report(const opt_job *job, const opt_result *r, const char *const *names)
{
    const optspec *sp = job->spec;
    const char *tot = model_totals[sp->total].name;
    printf("optimize %s %s: mean + w * %s, %zu decision(s), %s, %zu point(s) evaluated on %llu paths (seed %llu)\n",
           sp->maximize ? "maximize" : "minimize", tot, sp->measure_hi ? "es_hi" : "es_lo", sp->ndec,
           r->grid ? "grid" : "Nelder-Mead", r->npoints, (unsigned long long)job->paths,
           (unsigned long long)job->seed);
    size_t nfeas = 0;
    for (size_t i = 0; i < r->npoints; i++) nfeas += r->feasible[i] != 0;
    if (sp->ncons) printf("  %zu of %zu points feasible\n", nfeas, r->npoints);
    for (size_t w = 0; w < sp->nweights; w++) {
        printf("w = %g (%s):\n", sp->weights[w], names[w]);
        if (r->chosen_point[w] < 0) {
            printf("  no feasible point: each of the %zu evaluated points breaks a constraint\n", r->npoints);
            continue;
        }
        for (size_t j = 0; j < sp->ndec; j++)
            printf("  %s = %.10g\n", sp->dec[j].key, r->chosen[w * sp->ndec + j]);
        printf("  objective in sample %.6g, out of sample %.6g (SE %.3g); the scenario's own values %.6g (SE %.3g)\n",
               r->obj_in_chosen[w], r->obj_out[w], r->obj_out_se[w], r->obj_base[w], r->obj_base_se[w]);
    }
}

int cmd_optimize(int argc, char **argv)
{
    static const struct option longopts[] = { CLI_RUN_LONGOPTS, { "budget", required_argument, NULL, 'b' },
                                              { NULL, 0, NULL, 0 } };
    cli_run_opts o;
    memset(&o, 0, sizeof o);
    opt_opts oo = { OPT_DEFAULT_BUDGET };
    int status = EXIT_BAD_INPUT;
    scenario *base = NULL;
    scenario **vs = NULL;
    char **names = NULL;
    char *cmdline = NULL, *mid = NULL, **wnames = NULL;
    size_t nalloc = 0;
    opt_result res;
    memset(&res, 0, sizeof res);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {   /* no --shard here */
            if (comm_rank() == 0) fputs(optimize_help, stdout);
            return EXIT_OK;
        }
    int parsed = cli_parse_run_args("optimize", argc, argv, longopts, optimize_help, &o, opt_extra, &oo);
    if (parsed == CLI_HELP_SHOWN) {
        cli_run_opts_free(&o);
        return EXIT_OK;
    }
    if (parsed != CLI_PARSED) goto done;
    if (argc - optind != 1) {
        cli_usage_error("optimize", "expected one scenario file");
        goto done;
    }
    if (o.target_rse > 0 || o.nshards > 0) {
        cli_usage_error("optimize", "--target-rse and --shard apply to run, compare and sweep only");
        goto done;
    }
    const char *path = argv[optind];
    if (!(base = cli_load(path, o.sets, o.nsets))) goto done;
    optspec spec;
    diag_list *d = diag_alloc();
    int ps = d ? optspec_parse(base, &spec, d) : -1;
    if (ps < 0 && comm_rank() == 0) diag_print(d, stderr);
    diag_free(d);
    if (ps < 0) goto done;
    if (ps == 0) {
        if (comm_rank() == 0)
            fprintf(stderr, "capsim optimize: %s: no decisions: and objective: blocks (docs/MODEL.md, "
                    "\"Optimising contract terms\")\n", path);
        goto done;
    }
    const char *out = o.out ? o.out : "optimize.h5";
    if (cli_check_output("optimize", out, 1) != EXIT_OK) goto done;
    if (!o.paths) o.paths = (uint64_t)base->paths;
    if (!o.seed_set) o.seed = base->seed;
    cli_apply_run_opts(base, &o);
    opt_job job = { .base = base, .sets = o.sets, .nsets = o.nsets, .spec = &spec, .paths = o.paths,
                    .seed = o.seed, .threads = o.threads, .budget = (size_t)oo.budget,
                    .quiet = o.quiet || comm_rank() != 0 };
    char err[2048] = "";
    status = EXIT_RUNTIME;
    if (opt_run(&job, &res, err, sizeof err) != 0) {
        if (comm_rank() == 0) fprintf(stderr, "capsim optimize: %s\n", err);
        goto done;
    }
    /* The variants: the scenario itself, then each weight's chosen point, on fresh paths. */
    size_t nw = spec.nweights, nv = 1;
    vs = calloc(nw + 1, sizeof *vs);
    names = calloc(nw + 1, sizeof *names);
    wnames = calloc(nw, sizeof *wnames);
    if (!vs || !names || !wnames) goto oom;
    nalloc = nw + 1;
    names[0] = strdup("baseline");
    if (!names[0] || !(vs[0] = opt_candidate(&job, NULL, res.seed_out, err, sizeof err))) goto oom;
    for (size_t w = 0; w < nw; w++) {
        char nm[64];
        snprintf(nm, sizeof nm, "w%g", spec.weights[w]);
        if (!(wnames[w] = strdup(nm))) goto oom;
        if (res.chosen_point[w] < 0) continue;
        if (!(names[nv] = strdup(nm))) goto oom;
        if (!(vs[nv] = opt_candidate(&job, res.chosen + w * spec.ndec, res.seed_out, err, sizeof err))) goto oom;
        nv++;
    }
    if (comm_rank() == 0) report(&job, &res, (const char *const *)wnames);
    for (size_t w = 0; w < nw; w++)
        if (res.chosen_point[w] < 0 && comm_rank() == 0)
            fprintf(stderr, "capsim optimize: warning: no feasible point for risk weight %g: every one of the %zu "
                    "evaluated points breaks a constraint (the file has no variant w%g)\n", spec.weights[w],
                    res.npoints, spec.weights[w]);
    /* The intermediate file: rank 0's pid names it on every rank. */
    int pid = (int)getpid();
    comm_bcast_int(&pid, 0);
    char dir[4096];
    dir_of(out, dir, sizeof dir);
    const char *slash = strrchr(out, '/');
    const char *file = slash ? slash + 1 : out;
    size_t ml = strlen(dir) + strlen(file) + 64;
    if (!(mid = malloc(ml))) goto oom;
    snprintf(mid, ml, "%s/.%s.optimize.%d", dir, file, pid);
    if (ml > sizeof mid_path) {
        snprintf(err, sizeof err, "%s: the name is too long", out);
        goto oom;
    }
    snprintf(mid_path, sizeof mid_path, "%s", mid);
    if (comm_rank() == 0) {
        remove_stale(dir, file);
        mid_active = 1;
        mid_install();
    }
    cmdline = cli_join_argv(argc + 1, argv - 1);
    engine_job ej = {
        .variants = (const scenario *const *)vs, .nvariants = nv, .variant_names = (const char *const *)names,
        .paths = o.paths, .seed = res.seed_out, .threads = o.threads, .save_paths = o.save_paths,
        .quiet = o.quiet, .out_path = mid, .command = "optimize",
        .command_line = cmdline ? cmdline : "capsim optimize", .superblock_paths = o.superblock_paths,
    };
    engine_report rep;
    int st = engine_run(&ej, &rep);
    if (st != 0) {
        if (comm_rank() == 0) mid_restore();
        status = cli_engine_done("capsim optimize", st, &rep, "", 1, out);
        goto done;
    }
    if (comm_rank() == 0) {
        const char **decn = malloc(spec.ndec * sizeof *decn), **conn = malloc((spec.ncons + 1) * sizeof *conn);
        int64_t *cp = res.chosen_point;
        if (!decn || !conn) {
            free(decn);
            free(conn);
            unlink(mid);
            mid_restore();
            goto oom;
        }
        for (size_t j = 0; j < spec.ndec; j++) decn[j] = spec.dec[j].key;
        for (size_t c = 0; c < spec.ncons; c++) conn[c] = spec.cons[c].label;
        h5out_optimize ho = {
            .npoints = res.npoints, .ndec = spec.ndec, .nweights = nw, .ncons = spec.ncons,
            .decision = decn, .weight = spec.weights, .constraint = conn, .points = res.points,
            .objective_in = res.objective_in, .mean = res.mean, .es = res.es, .constraint_value = res.constraint,
            .feasible = res.feasible, .chosen = res.chosen, .chosen_point = cp,
            .objective_in_chosen = res.obj_in_chosen, .objective_out = res.obj_out,
            .objective_out_se = res.obj_out_se, .objective_baseline = res.obj_base,
            .objective_baseline_se = res.obj_base_se, .objective_total = model_totals[spec.total].name,
            .objective_units = model_totals[spec.total].units, .sense = spec.maximize ? "maximize" : "minimize",
            .measure = spec.measure_hi ? "es_hi" : "es_lo", .method = res.grid ? "grid" : "nelder-mead",
            .paths = o.paths, .seed = o.seed, .seed_out = res.seed_out, .budget = oo.budget,
        };
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, &old);
        struct sigaction ign, old_xfsz;   /* over `ulimit -f`: a write error, not a death */
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigaction(SIGXFSZ, &ign, &old_xfsz);
        int wrc = h5out_optimize_write(mid, &ho, err, sizeof err);
        if (wrc == 0 && fsync_path(mid, 0) != 0) {
            snprintf(err, sizeof err, "%s: fsync failed", mid);
            wrc = -1;
        }
        if (wrc == 0 && rename(mid, out) != 0) {
            snprintf(err, sizeof err, "renaming %s to %s failed", mid, out);
            wrc = -1;
        }
        if (wrc == 0) fsync_path(dir, 1);
        else unlink(mid);
        mid_restore();
        sigaction(SIGXFSZ, &old_xfsz, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        free(decn);
        free(conn);
        if (wrc != 0) {
            fprintf(stderr, "capsim optimize: %s\n", err);
            goto done;
        }
        if (!o.quiet)
            fprintf(stderr, "capsim: optimize: %zu points x %llu paths, %llu fresh paths x %zu variant(s) -> %s\n",
                    res.npoints, (unsigned long long)o.paths, (unsigned long long)rep.paths, nv, out);
    }
    status = EXIT_OK;
    goto done;
oom:
    if (comm_rank() == 0) fprintf(stderr, "capsim optimize: %s\n", err[0] ? err : "out of memory");
    status = EXIT_RUNTIME;
done:
    for (size_t v = 0; v < nalloc; v++) {
        if (vs) scenario_free(vs[v]);
        if (names) free(names[v]);
    }
    for (size_t w = 0; wnames && w + 1 < nalloc; w++) free(wnames[w]);
    free(wnames);
    free(vs);
    free(names);
    free(cmdline);
    free(mid);
    scenario_free(base);
    opt_result_free(&res);
    cli_run_opts_free(&o);
    return status;
}
