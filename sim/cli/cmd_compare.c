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
    "input), once. Each variant is labelled by its scenario.name; where two variants share\n"
    "a name, by their file paths (and where a file is given twice, by path#position).\n"
    "\n"
    CLI_RUN_OPTIONS_HELP;

/* The variant labels: scenario.name, unique among the variants; else the path as given
 * (`-`: <stdin>), when that is unique among the variants; else path#K, K the 1-based
 * position on the command line. NULL when out of memory. */
static char **variant_labels(scenario *const *sc, char *const *paths, size_t nv)
{
    char **lab = calloc(nv, sizeof *lab);
    for (size_t v = 0; lab && v < nv; v++) {
        const char *name = sc[v]->name ? sc[v]->name : "";
        const char *path = strcmp(paths[v], "-") == 0 ? "<stdin>" : paths[v];
        int name_dup = !*name, path_dup = 0;
        for (size_t w = 0; w < nv; w++) {
            if (w == v) continue;
            name_dup |= sc[w]->name && strcmp(sc[w]->name, name) == 0;
            path_dup |= strcmp(paths[w], paths[v]) == 0;
        }
        size_t n = strlen(path) + 24;
        if (!(lab[v] = malloc(n + strlen(name)))) break;
        if (!name_dup) snprintf(lab[v], n + strlen(name), "%s", name);
        else if (!path_dup) snprintf(lab[v], n, "%s", path);
        else snprintf(lab[v], n, "%s#%zu", path, v + 1);
    }
    for (size_t v = 0; lab && v < nv; v++)
        if (!lab[v]) {
            for (size_t w = 0; w < nv; w++) free(lab[w]);
            free(lab);
            return NULL;
        }
    return lab;
}

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
    char **labels = bad ? NULL : variant_labels(sc, argv + optind, nv);
    if (!bad && !labels) {
        fprintf(stderr, "capsim compare: out of memory\n");
        status = EXIT_RUNTIME;
        bad = 1;
    }
    if (!bad) {
        if (!o.paths) o.paths = (uint64_t)sc[0]->paths;
        if (!o.seed_set) o.seed = sc[0]->seed, o.seed_set = 1;
        for (size_t v = 0; v < nv; v++) cli_apply_run_opts(sc[v], &o);
        engine_job job = {
            .variants = (const scenario *const *)sc, .nvariants = nv,
            .variant_names = (const char *const *)labels,
            .paths = o.paths, .seed = o.seed, .threads = o.threads, .save_paths = o.save_paths,
            .quiet = o.quiet, .out_path = out, .command = "compare",
            .command_line = cmdline ? cmdline : "capsim compare",
            .variant_nsets = nsets, .variant_sets = (const char *const *const *)sets,
            .shard = o.shard, .nshards = o.nshards, .superblock_paths = o.superblock_paths,
        };
        status = cli_engine_run(&job);
    }
    for (size_t v = 0; labels && v < nv; v++) free(labels[v]);
    free(labels);
    for (size_t v = 0; sc && v < nv; v++) scenario_free(sc[v]);
    free(sc);
    free(nsets);
    free(sets);
    free(cmdline);
done:
    cli_run_opts_free(&o);
    return status;
}
