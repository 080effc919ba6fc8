/*
 * cmd_summary: `capsim summary OUT.h5`: the percentile tables of a results file on
 * stdout (output/summary.c makes them). Exit 0 ok; 1 a read failed for a reason of the
 * system (I/O error, out of memory) or stdout cannot be written; 2 bad arguments, or a
 * file that does not exist, is not a capsim results file or is damaged.
 */
#include "commands.h"
#include "cli.h"
#include "output/results.h"
#include "output/summary.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char summary_help[] =
    "usage: capsim summary [--help] [--json] [--quiet] OUT.h5\n"
    "\n"
    "Print percentile tables of a results file written by capsim run, compare or sweep:\n"
    "key per-path totals (mean, standard error of the mean, P5, P50, P95 over paths),\n"
    "spend and unmet demand by calendar year, contract options (P(exercised) by year),\n"
    "for compare/sweep files the paired differences of each variant from the baseline\n"
    "with P(better), and for capsim optimize files the frontier of the search.\n"
    "\n"
    "  --json       the same content as one JSON document, numbers at full precision\n"
    "               (its shape: docs/OUTPUT.md, \"summary --json\")\n"
    "  -q, --quiet  accepted, as by every command (summary prints only its tables)\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit codes: 0 ok; 1 a read or write error of the system; 2 bad arguments, or a file\n"
    "that does not exist, is not a capsim results file or is damaged.\n";

int cmd_summary(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(summary_help, stdout);
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) continue;
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("summary", "unknown option '%s'", argv[i]);
        if (path) return cli_usage_error("summary", "one file expected, got '%s' and '%s'", path, argv[i]);
        path = argv[i];
    }
    if (!path) return cli_usage_error("summary", "no results file given");
    char err[PATH_MAX + 1024];
    int st = summary_print_opts(path, stdout, json, err, sizeof err);
    if (st != RESULTS_OK) {
        fprintf(stderr, "capsim summary: %s\n", err);
        return st == RESULTS_BAD_FILE ? EXIT_BAD_INPUT : EXIT_RUNTIME;
    }
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}
