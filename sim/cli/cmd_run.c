/* cmd_run: `capsim run [SCENARIO.yaml] [options]`, one scenario to one results file. */
#include "commands.h"
#include "cli.h"
#include "sim/engine/engine.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char run_help[] =
    "usage: capsim run [SCENARIO.yaml | -] [-o OUT.h5] [--paths N] [--seed S] [--threads T]\n"
    "                  [--set key.path=value ...] [--save-paths K]\n"
    "                  [--target-rse X --on METRIC] [--shard i/n] [--quiet]\n"
    "\n"
    "Simulate SCENARIO.yaml (`-`: read it from standard input; without one: the built-in\n"
    "default, multicloud-2026) and write the results to OUT.h5 (default: NAME.h5, NAME the\n"
    "scenario's name).\n"
    "\n"
    CLI_RUN_OPTIONS_HELP
    "  --target-rse X --on M   stop once the relative standard error of metric M is below X\n"
    "                          (M: a per-path total, e.g. pv_spend, or its quantile\n"
    "                          pv_spend:q0.95); --paths is then the maximum; checked\n"
    "                          after each superblock of paths (see below)\n";

/* Default output file: NAME.h5 in the current directory. The name must keep it there
 * and visible: not empty, no '/', no leading '.' (the loader checks scenario.name's
 * characters too; this is the last line before a file is written). NULL, with
 * *bad set (message printed) for such a name, or with *bad clear when out of memory. */
static char *default_out(const scenario *sc, int *bad)
{
    const char *name = sc->name ? sc->name : "";
    const char *why = !*name ? "is empty" : strchr(name, '/') ? "contains '/'"
                    : name[0] == '.' ? "starts with '.'" : NULL;
    *bad = why != NULL;
    if (why) {
        cli_usage_error("run", "the scenario name \"%s\" %s, so it cannot name the results file NAME.h5 in the "
                        "current directory; give -o OUT.h5 or another scenario.name", name, why);
        return NULL;
    }
    size_t n = strlen(name) + 4;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s.h5", name);
    return s;
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = { CLI_RUN_LONGOPTS, { NULL, 0, NULL, 0 } };
    cli_run_opts o;
    memset(&o, 0, sizeof o);
    int status = EXIT_BAD_INPUT;
    int parsed = cli_parse_run_args("run", argc, argv, longopts, run_help, &o, NULL, NULL);
    if (parsed == CLI_HELP_SHOWN) {
        cli_run_opts_free(&o);
        return EXIT_OK;
    }
    if (parsed != CLI_PARSED) goto done;
    if (argc - optind > 1) {
        cli_usage_error("run", "expected at most one scenario file, got %d", argc - optind);
        goto done;
    }
    if (cli_run_opts_check("run", &o) != EXIT_OK) goto done;
    scenario *sc = cli_load(optind < argc ? argv[optind] : NULL, o.sets, o.nsets);
    if (!sc) goto done;
    cli_apply_run_opts(sc, &o);
    int bad_name = 0;
    char *out = o.out ? NULL : default_out(sc, &bad_name);
    if (bad_name || ((o.out || out) && cli_check_output("run", o.out ? o.out : out, 1) != EXIT_OK)) {
        free(out);
        scenario_free(sc);
        goto done;
    }
    char *cmdline = cli_join_argv(argc + 1, argv - 1);
    const char *name = sc->name;
    engine_job job = {
        .variants = (const scenario *const *)&sc, .nvariants = 1, .variant_names = &name,
        .paths = (uint64_t)sc->paths, .seed = sc->seed, .threads = o.threads,
        .save_paths = o.save_paths, .target_rse = o.target_rse, .target_on = o.target_on,
        .quiet = o.quiet, .out_path = o.out ? o.out : out, .command = "run",
        .command_line = cmdline ? cmdline : "capsim run",
        .variant_nsets = &o.nsets, .variant_sets = (const char *const *const *)&o.sets,
        .shard = o.shard, .nshards = o.nshards, .superblock_paths = o.superblock_paths,
    };
    status = (out || o.out) ? cli_engine_run(&job) : EXIT_RUNTIME;
    free(out);
    free(cmdline);
    scenario_free(sc);
done:
    cli_run_opts_free(&o);
    return status;
}
