/*
 * cli: shared pieces of the subcommands: strict number parsing, loading the scenario
 * a command names (or the built-in default), and the common run options.
 */
#ifndef CAPSIM_CLI_H
#define CAPSIM_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/engine/engine.h"
#include "sim/scenario/scenario.h"

/* Exit codes (README, "Command line"). */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_BAD_INPUT = 2 };

/* Strict parsers: the whole string must be a number in range. 0 on success. */
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_int(const char *s, int lo, int hi, int *out);
int cli_parse_double(const char *s, double *out);

/* Print "capsim CMD: message (see capsim CMD --help)" to stderr (under mpirun: rank 0
 * only, as for every message about the input); returns EXIT_BAD_INPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...);
/* getopt_long (with opterr = 0 and a leading ':' in its short options) returned c, '?' or
 * ':': the one line naming the option ("option --paths needs a value", "unknown option
 * -x"). Returns EXIT_BAD_INPUT. */
int cli_option_error(const char *cmd, int c, char **argv);

/* Load `path` (NULL: the built-in default scenario) with --set overrides. Errors go to
 * stderr (rank 0's only, under mpirun); NULL when the scenario is bad. */
scenario *cli_load(const char *path, const char *const *sets, size_t nsets);
/* The same; origins (not NULL) receives what `check --origins` prints (loader_opts). */
scenario *cli_load_origins(const char *path, const char *const *sets, size_t nsets,
                           char **origins);

/* The built-in default scenario's text (scenarios/multicloud-2026.yaml, compiled in). */
extern const char capsim_default_scenario[];
extern const unsigned long capsim_default_scenario_len;

/* The command line as one string (for provenance); caller frees. */
char *cli_join_argv(int argc, char **argv);

/* Options shared by run, compare and sweep. */
typedef struct {
    const char *out;
    uint64_t paths;       /* 0: from the scenario */
    uint64_t seed;
    int seed_set;
    int threads;
    size_t save_paths;
    double target_rse;
    const char *target_on;
    int quiet;
    const char **sets;    /* --set key=value, in order */
    size_t nsets;
    unsigned shard, nshards;  /* --shard shard/nshards; nshards 0: the whole run */
    uint64_t superblock_paths;  /* --superblock-paths; 0: the engine's default */
} cli_run_opts;

/* getopt_long option codes for the shared options, and the handler: returns 1 if the
 * option was one of them (parsed into o), 0 if not, -1 on a bad value (message printed). */
enum { OPT_PATHS = 1000, OPT_SEED, OPT_THREADS, OPT_SET, OPT_SAVE_PATHS, OPT_TARGET_RSE,
       OPT_ON, OPT_QUIET, OPT_HELP, OPT_VARY, OPT_SHARD, OPT_SUPERBLOCK_PATHS };
/* The options run, compare and sweep share, for their --help. */
#define CLI_RUN_OPTIONS_HELP                                                                   \
    "  -o, --output OUT.h5     results file: a new name or a regular file, replaced\n"         \
    "                          atomically (not a link, directory, device, FIFO)\n"             \
    "  --paths N               number of paths (default: simulation.paths)\n"                  \
    "  --seed S                random seed (default: simulation.seed)\n"                       \
    "  --threads T             OpenMP threads (default: all cores); results do not depend on it\n" \
    "  --set key.path=value    override a scenario value (a number or an inline\n"             \
    "                          distribution such as '{dist: normal, mean: 1, sd: 0.1}')\n"     \
    "  --save-paths K          keep the monthly series of the first K paths in /paths\n"       \
    "  -q, --quiet             no progress line or closing message\n"                          \
    "  -h, --help              this help\n"

#define CLI_RUN_LONGOPTS                                           \
    { "output", required_argument, NULL, 'o' },                    \
    { "paths", required_argument, NULL, OPT_PATHS },               \
    { "seed", required_argument, NULL, OPT_SEED },                 \
    { "threads", required_argument, NULL, OPT_THREADS },           \
    { "set", required_argument, NULL, OPT_SET },                   \
    { "save-paths", required_argument, NULL, OPT_SAVE_PATHS },     \
    { "target-rse", required_argument, NULL, OPT_TARGET_RSE },     \
    { "on", required_argument, NULL, OPT_ON },                     \
    { "quiet", no_argument, NULL, OPT_QUIET },                     \
    { "shard", required_argument, NULL, OPT_SHARD },               \
    { "superblock-paths", required_argument, NULL, OPT_SUPERBLOCK_PATHS }, \
    { "help", no_argument, NULL, OPT_HELP }
int cli_run_option(const char *cmd, int opt, const char *arg, cli_run_opts *o);
/* Checks after parsing (--target-rse needs --on ...). EXIT_OK or EXIT_BAD_INPUT. */
int cli_run_opts_check(const char *cmd, const cli_run_opts *o);
void cli_run_opts_free(cli_run_opts *o);

/* Check the results file's path before simulating (output/h5out.h,
 * h5out_check_target: a new name or a regular file, no link, device, FIFO, socket or
 * directory, in a writable directory). Rank 0, which writes the file, checks and prints
 * "capsim CMD: reason"; with all_ranks (run, compare, sweep: under mpirun every rank
 * is here) the ranks then agree, so that none goes on to simulate alone. EXIT_OK or
 * EXIT_BAD_INPUT. */
int cli_check_output(const char *cmd, const char *path, int all_ranks);

/* Apply --paths/--seed to a loaded scenario. */
void cli_apply_run_opts(scenario *sc, const cli_run_opts *o);

/* After engine_run or engine_merge returned status with rep: on failure print
 * "PREFIX: reason" to stderr when rep has one (under mpirun, the rank that knows) and,
 * when the failure was one rank's alone, end every rank (comm_abort); on success, unless
 * quiet, print the closing line "capsim: WHATn paths x v variant(s) in t s -> OUT" (rank 0
 * only). Returns status. */
int cli_engine_done(const char *prefix, int status, const engine_report *rep, const char *what, int quiet,
                    const char *out);

/* engine_run(job), then cli_engine_done with prefix "capsim" ("shard i/n: " before a
 * shard's closing line). Returns its exit code. */
int cli_engine_run(const engine_job *job);

/* The help of --shard and of splitting work (mpirun), shared by run, compare, sweep. */
void cli_print_split_help(FILE *f);

/* Parse the options of run, compare or sweep with getopt_long(longopts): the shared ones
 * into o; `extra` (may be NULL) handles the command's own, returning 1 if it took the
 * option, 0 if it is not its own, -1 on a bad value (message printed). --help prints
 * `help` and the splitting options. Returns CLI_PARSED (optind then indexes the first
 * operand), CLI_HELP_SHOWN, or CLI_BAD (message printed). */
enum { CLI_PARSED = 0, CLI_HELP_SHOWN = 1, CLI_BAD = -1 };
int cli_parse_run_args(const char *cmd, int argc, char **argv, const struct option *longopts,
                       const char *help, cli_run_opts *o,
                       int (*extra)(int opt, const char *arg, void *ctx), void *ctx);

#endif
