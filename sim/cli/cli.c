/* cli: see cli.h. */
#include "cli.h"
#include "sim/engine/engine.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/compose.h"
#include "sim/engine/mpi_comm.h"
#include "output/h5out.h"

#include "sim/scenario/bounds.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_u64(const char *s, uint64_t *out)
{
    /* Digits, or a whole number in exponent form (1e6, 2.5e3): nothing else, so that
     * strtoull never sees a sign or a blank it would accept ("-1" wraps to 2^64 - 1). */
    if (!s || !isdigit((unsigned char)*s)) return -1;
    int plain = 1;
    for (const char *c = s; *c; c++) {
        if (isdigit((unsigned char)*c)) continue;
        if (!strchr(".eE+-", *c)) return -1;
        plain = 0;
    }
    if (plain) {
        errno = 0;
        unsigned long long v = strtoull(s, NULL, 10);
        if (errno == ERANGE) return -1;
        *out = v;
        return 0;
    }
    double d;
    if (cli_parse_double(s, &d) != 0 || d < 0 || d > 1e18 || d != floor(d)) return -1;
    *out = (uint64_t)d;
    return 0;
}

int cli_parse_int(const char *s, int lo, int hi, int *out)
{
    uint64_t v;
    if (lo < 0 || cli_parse_u64(s, &v) != 0 || v < (uint64_t)lo || v > (uint64_t)hi) return -1;
    *out = (int)v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    if (comm_rank() != 0) return EXIT_BAD_INPUT;
    va_list ap;
    fprintf(stderr, "capsim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see capsim %s --help)\n", cmd);
    return EXIT_BAD_INPUT;
}

/* Standard input as a scenario (`-`), read once: a second `-` on the same command line
 * gets the same text. Reading stops one byte past the loader's limit, which then refuses
 * the length with its own message. */
static const char *stdin_scenario(size_t *len)
{
    static char *text;
    static size_t n;
    static int done;
    if (!done) {
        done = 1;
        text = compose_read_stream(stdin, &n);
    }
    *len = n;
    return text;
}

scenario *cli_load(const char *path, const char *const *sets, size_t nsets)
{
    return cli_load_origins(path, sets, nsets, NULL);
}

scenario *cli_load_origins(const char *path, const char *const *sets, size_t nsets,
                           char **origins)
{
    /* Standard input's `extends` resolve against the current directory. */
    loader_opts o = { .dir = "", .origins = origins };
    FILE *errs = comm_rank() == 0 ? stderr : NULL;
    if (path && strcmp(path, "-") == 0) {
        if (comm_size() > 1) {
            if (errs) fprintf(errs, "<stdin>: a scenario on standard input cannot be read under mpirun "
                                    "(expected a scenario file every rank can open)\n");
            return NULL;
        }
        size_t len;
        const char *text = stdin_scenario(&len);
        if (!text) {
            if (errs) fprintf(errs, "<stdin>: cannot read the scenario from standard input\n");
            return NULL;
        }
        return loader_load_text_opts(text, len, "<stdin>", sets, nsets, &o, errs, NULL);
    }
    if (path)
        return loader_load_file_opts(path, sets, nsets, &o, errs, NULL);
    o.dir = NULL;   /* the built-in scenario is self-contained */
    return loader_load_text_opts(capsim_default_scenario, capsim_default_scenario_len,
                                 "<built-in>/multicloud-2026.yaml", sets, nsets, &o, errs, NULL);
}

char *cli_join_argv(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s) return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i) strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int cli_run_option(const char *cmd, int opt, const char *arg, cli_run_opts *o)
{
    switch (opt) {
    case 'o':
        if (strcmp(arg, "-") == 0)
            return cli_usage_error(cmd, "-o -: the results are an HDF5 file, which cannot go to standard "
                                   "output (expected a file name)"), -1;
        o->out = arg;
        return 1;
    case OPT_PATHS:
        if (cli_parse_u64(arg, &o->paths) != 0 || o->paths == 0 || o->paths > BOUNDS_PATHS_MAX)
            return cli_usage_error(cmd, "--paths %s: expected a whole number from 1 to 1e12", arg), -1;
        return 1;
    case OPT_SEED:
        if (cli_parse_u64(arg, &o->seed) != 0)
            return cli_usage_error(cmd, "--seed %s: expected a whole number >= 0", arg), -1;
        o->seed_set = 1;
        return 1;
    case OPT_THREADS:
        if (cli_parse_int(arg, 1, BOUNDS_THREADS_MAX, &o->threads) != 0)
            return cli_usage_error(cmd, "--threads %s: expected a whole number from 1 to %d", arg,
                                   BOUNDS_THREADS_MAX), -1;
        return 1;
    case OPT_SAVE_PATHS: {
        uint64_t k;
        if (cli_parse_u64(arg, &k) != 0 || k > BOUNDS_PATHS_MAX)
            return cli_usage_error(cmd, "--save-paths %s: expected a whole number from 0 to 1e12", arg), -1;
        o->save_paths = (size_t)k;
        return 1;
    }
    case OPT_TARGET_RSE:
        if (cli_parse_double(arg, &o->target_rse) != 0 || !(o->target_rse > 0))
            return cli_usage_error(cmd, "--target-rse %s: expected a number > 0, e.g. 0.01", arg), -1;
        return 1;
    case OPT_ON: o->target_on = arg; return 1;
    case OPT_SHARD: {
        const char *slash = strchr(arg, '/');
        char num[32];
        int i, n;
        size_t len = slash ? (size_t)(slash - arg) : 0;
        if (slash && len < sizeof num) {
            memcpy(num, arg, len);
            num[len] = '\0';
        }
        if (!slash || len >= sizeof num || cli_parse_int(num, 0, BOUNDS_SHARDS_MAX, &i) != 0 ||
            cli_parse_int(slash + 1, 1, BOUNDS_SHARDS_MAX, &n) != 0 || i >= n)
            return cli_usage_error(cmd, "--shard %s: expected i/n with 0 <= i < n <= %d, e.g. 0/4", arg,
                                   BOUNDS_SHARDS_MAX), -1;
        o->shard = (unsigned)i;
        o->nshards = (unsigned)n;
        return 1;
    }
    case OPT_SUPERBLOCK_PATHS:
        if (cli_parse_u64(arg, &o->superblock_paths) != 0 || o->superblock_paths == 0 ||
            o->superblock_paths % ENGINE_BATCH != 0 || o->superblock_paths > BOUNDS_PATHS_MAX)
            return cli_usage_error(cmd, "--superblock-paths %s: expected a multiple of %d (paths per batch) "
                                   "up to 1e12, e.g. %llu", arg, ENGINE_BATCH,
                                   (unsigned long long)ENGINE_SUPERBLOCK), -1;
        return 1;
    case OPT_QUIET: o->quiet = 1; return 1;
    case OPT_SET: {
        if (!strchr(arg, '='))
            return cli_usage_error(cmd, "--set %s: expected key.path=value", arg), -1;
        const char **p = realloc(o->sets, (o->nsets + 1) * sizeof *p);
        if (!p) return -1;
        o->sets = p;
        o->sets[o->nsets++] = arg;
        return 1;
    }
    default: return 0;
    }
}

int cli_run_opts_check(const char *cmd, const cli_run_opts *o)
{
    char msg[512];
    if (o->target_rse > 0 && !o->target_on)
        return cli_usage_error(cmd, "--target-rse needs --on METRIC");
    if (o->target_on && !(o->target_rse > 0))
        return cli_usage_error(cmd, "--on needs --target-rse X");
    if (o->target_on && engine_check_target(o->target_on, msg, sizeof msg) != 0)
        return cli_usage_error(cmd, "%s", msg);
    if (o->nshards > 0 && o->target_rse > 0)
        return cli_usage_error(cmd, "--target-rse cannot be used with --shard (a shard cannot know "
                               "where the whole run would stop; run the shards to a fixed --paths)");
    return EXIT_OK;
}

void cli_run_opts_free(cli_run_opts *o)
{
    free(o->sets);
    o->sets = NULL;
    o->nsets = 0;
}

int cli_check_output(const char *cmd, const char *path, int all_ranks)
{
    int ok = 1;
    if (comm_rank() == 0) {
        char err[PATH_MAX + 512];
        if (h5out_check_target(path, err, sizeof err) != 0) {
            fprintf(stderr, "capsim %s: cannot write the results: %s\n", cmd, err);
            ok = 0;
        }
    }
    if (all_ranks) ok = comm_all_ok(ok);
    return ok ? EXIT_OK : EXIT_BAD_INPUT;
}

void cli_apply_run_opts(scenario *sc, const cli_run_opts *o)
{
    if (o->paths) sc->paths = (long)o->paths;
    if (o->seed_set) sc->seed = o->seed;
}

void cli_print_split_help(FILE *f)
{
    fprintf(f,
            "  --shard i/n             compute only shard i of n (0 <= i < n) of the run: whole\n"
            "                          superblocks, --paths being the whole run's; `capsim merge`\n"
            "                          of the n files writes the single run's file\n"
            "  --superblock-paths N    advanced, for tests and small runs: paths per superblock, a\n"
            "                          multiple of %d (default %llu); results depend on it (the\n"
            "                          order in which statistics merge), shards of one run must\n"
            "                          agree, and --target-rse is checked after each superblock\n"
            "\n"
            "Results are bitwise identical for any --threads, any --shard split (after merge) and,\n"
            "with capsim built by `make CC=mpicc`, any number of ranks under `mpirun -np R`\n"
            "(rank 0 writes the file). See docs/ENGINE.md.\n",
            ENGINE_BATCH, (unsigned long long)ENGINE_SUPERBLOCK);
}

int cli_engine_done(const char *prefix, int status, const engine_report *rep, const char *what, int quiet,
                    const char *out)
{
    if (status != 0) {
        if (rep->error[0]) fprintf(stderr, "%s: %s\n", prefix, rep->error);
        if (rep->abort_ranks) comm_abort(EXIT_RUNTIME);
        return status;
    }
    if (!quiet && comm_rank() == 0)
        fprintf(stderr, "capsim: %s%llu paths x %zu variant(s) in %.2f s -> %s\n", what,
                (unsigned long long)rep->paths, rep->nvariants, rep->seconds, out);
    return status;
}

int cli_engine_run(const engine_job *job)
{
    engine_report rep;
    char what[64] = "";
    int status = engine_run(job, &rep);
    if (job->nshards > 0) snprintf(what, sizeof what, "shard %u/%u: ", job->shard, job->nshards);
    /* a target not met is said even with --quiet: the file is of fewer digits than asked
     * (rank 0 alone knows the achieved RSE; the other ranks have NaN) */
    if (status == 0 && job->target_rse > 0 && !rep.target_reached && !isnan(rep.achieved_rse))
        fprintf(stderr, "capsim: warning: --target-rse %g on %s not reached: relative standard error %.3g "
                "after %llu paths (the --paths limit); raise --paths to reach it\n",
                job->target_rse, job->target_on, rep.achieved_rse, (unsigned long long)rep.paths);
    return cli_engine_done("capsim", status, &rep, what, job->quiet, job->out_path);
}

int cli_option_error(const char *cmd, int c, char **argv)
{
    char name[16];
    const char *opt = argv[optind - 1];
    /* a short option by its letter (it may sit in a cluster: -qx); a long one as written */
    if (optopt > 0 && optopt < 128 && isalnum(optopt) && strncmp(opt, "--", 2) != 0) {
        snprintf(name, sizeof name, "-%c", optopt);
        opt = name;
    }
    return cli_usage_error(cmd, c == ':' ? "option %s needs a value" : "unknown option %s", opt);
}

int cli_parse_run_args(const char *cmd, int argc, char **argv, const struct option *longopts,
                       const char *help, cli_run_opts *o,
                       int (*extra)(int opt, const char *arg, void *ctx), void *ctx)
{
    int c;
    optind = 1;
    opterr = 0;   /* one message per mistake, ours, naming the option */
    while ((c = getopt_long(argc, argv, ":o:hq", longopts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            cli_option_error(cmd, c, argv);
            return CLI_BAD;
        }
        if (c == 'q') c = OPT_QUIET;
        if (c == OPT_HELP || c == 'h') {
            fputs(help, stdout);
            fputs("\n", stdout);
            cli_print_split_help(stdout);
            return CLI_HELP_SHOWN;
        }
        int r = extra ? extra(c, optarg, ctx) : 0;
        if (r == 0) r = cli_run_option(cmd, c, optarg, o);
        if (r < 0) return CLI_BAD;
        if (r == 0) {
            cli_usage_error(cmd, "unknown option");
            return CLI_BAD;
        }
    }
    return CLI_PARSED;
}
