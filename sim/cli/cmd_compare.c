/*
 * cmd_compare: `capsim compare A.yaml B.yaml [C.yaml ...]`: the variants run on the same
 * paths with common random numbers keyed by name, and the file gets paired differences
 * (each variant minus A) as well as each variant's own statistics. A's seed and path
 * count apply to all unless --seed / --paths say otherwise.
 */
#include "commands.h"
#include "cli.h"
#include "sim/engine/engine.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compare_help[] =
    "usage: capsim compare A.yaml B.yaml [C.yaml ...] [-o OUT.h5] [--paths N] [--seed S]\n"
    "                      [--threads T] [--set key.path=value ...] [--save-paths K]\n"
    "                      [--shard i/n] [--quiet]\n"
    "\n"
    "Run the scenarios on common random numbers (every uncertain value and monthly shock\n"
    "is keyed by its name, so values the scenarios share are identical path by path) and\n"
    "write each one's statistics plus the paired differences B - A, C - A, ... to OUT.h5\n"
    "(default compare.h5). --set applies to every scenario. A scenario may be `-` (standard\n"
    "input), once.\n"
    "\n"
    CLI_RUN_OPTIONS_HELP;

int cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = { CLI_RUN_LONGOPTS, { NULL, 0, NULL, 0 } };
    cli_run_opts o;
    memset(&o, 0, sizeof o);
    int status = EXIT_BAD_INPUT;
    int parsed = cli_parse_run_args("compare", argc, argv, longopts, compare_help, &o, NULL, NULL);
    if (parsed == CLI_HELP_SHOWN) {
        cli_run_opts_free(&o);
        return EXIT_OK;
    }
    if (parsed != CLI_PARSED) goto done;
    size_t nv = (size_t)(argc - optind);
    if (nv < 2) {
        cli_usage_error("compare", "expected at least two scenario files");
        goto done;
    }
    if (o.target_rse > 0) {
        cli_usage_error("compare", "--target-rse applies to run only");
        goto done;
    }
    scenario **sc = calloc(nv, sizeof *sc);
    size_t *nsets = calloc(nv, sizeof *nsets);
    const char ***sets = calloc(nv, sizeof *sets);
    int bad = !sc || !nsets || !sets;
    for (size_t v = 0; !bad && v < nv; v++) {
        nsets[v] = o.nsets;
        sets[v] = o.sets;
    }
    for (size_t v = 0; sc && v < nv; v++)
        if (!(sc[v] = cli_load(argv[optind + (int)v], o.sets, o.nsets))) bad = 1;
    const char *out = o.out ? o.out : "compare.h5";
    if (!bad && cli_check_output("compare", out, 1) != EXIT_OK) bad = 1;
    char *cmdline = cli_join_argv(argc + 1, argv - 1);
    if (!bad) {
        if (!o.paths) o.paths = (uint64_t)sc[0]->paths;
        if (!o.seed_set) o.seed = sc[0]->seed, o.seed_set = 1;
        for (size_t v = 0; v < nv; v++) cli_apply_run_opts(sc[v], &o);
        engine_job job = {
            .variants = (const scenario *const *)sc, .nvariants = nv,
            .variant_names = (const char *const *)(argv + optind),
            .paths = o.paths, .seed = o.seed, .threads = o.threads, .save_paths = o.save_paths,
            .quiet = o.quiet, .out_path = out, .command = "compare",
            .command_line = cmdline ? cmdline : "capsim compare",
            .variant_nsets = nsets, .variant_sets = (const char *const *const *)sets,
            .shard = o.shard, .nshards = o.nshards, .superblock_paths = o.superblock_paths,
        };
        status = cli_engine_run(&job);
    }
    for (size_t v = 0; sc && v < nv; v++) scenario_free(sc[v]);
    free(sc);
    free(nsets);
    free(sets);
    free(cmdline);
done:
    cli_run_opts_free(&o);
    return status;
}
