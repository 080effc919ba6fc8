/*
 * cmd_export: `capsim export OUT.h5 --csv DIR`: tidy CSV files of a results file
 * (output/export.c writes them; layout in docs/OUTPUT.md). Exit 0 ok; 1 a write failure
 * (the old set stays); 2 bad arguments, a results file that is missing, not capsim's or
 * damaged, or a DIR that cannot be used (nothing is written).
 */
#include "commands.h"
#include "cli.h"
#include "output/export.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char export_help[] =
    "usage: capsim export [--help] [--quiet] OUT.h5 --csv DIR\n"
    "\n"
    "Write tidy CSV files of a results file as the set in DIR (created, with its parents,\n"
    "if missing):\n"
    "  stats.csv        series,time,month,dim,element,statistic,value  (monthly statistics)\n"
    "  total_stats.csv  total,dim,element,statistic,value               (statistics of totals)\n"
    "  totals.csv       path, one column per total (and element)       (per path)\n"
    "  params.csv       path, one column per sampled value (key path)   (per path)\n"
    "  sensitivity.csv  total,param,rank_corr[,sobol_...]\n"
    "  sensitivity_by_year.csv  aggregate,year,param,rank_corr    (unmet, spend by year)\n"
    "  paths.csv        series,path,time,month,dim,element,value        (with --save-paths)\n"
    "  diff.csv, diff_total_stats.csv   paired differences (compare, sweep)\n"
    "Files of compare/sweep results start with a `variant` column. Statistics are mean,\n"
    "sd, se, min, max, q0.01 .. q0.99, ppos (P(value > 0)), pneg (P(value < 0)), and for\n"
    "the totals es_lo, es_hi (mean of the lowest, highest 5% of paths).\n"
    "Numbers are written with 17 significant digits; missing values are empty.\n"
    "\n"
    "The set is replaced as a whole: it is written into .DIR.tmp.PID beside DIR and swapped\n"
    "in, so a failure or an interruption leaves DIR as it was (old set or no DIR) and no\n"
    "temporary files. DIR must be a new or empty directory, or hold only an earlier\n"
    "export's files (anything else is refused); the directory holding DIR must be\n"
    "writable. A symlink DIR: the directory it points to is replaced.\n"
    "\n"
    "  --csv DIR    the directory of the CSV files\n"
    "  -q, --quiet  accepted, as by every command (export prints nothing on success)\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit codes: 0 ok; 1 writing failed (disk full...), the old set stays; 2 bad arguments,\n"
    "a results file that is missing, not capsim's or damaged, or a DIR that cannot be used.\n";

/* The results file and the directory: EXIT_OK, or EXIT_BAD_INPUT (message printed). */
static int parse_args(int argc, char **argv, const char **path, const char **dir)
{
    *path = *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--csv")) {
            if (i + 1 >= argc) return cli_usage_error("export", "--csv needs a directory");
            *dir = argv[++i];
        } else if (!strncmp(a, "--csv=", 6)) {
            *dir = a + 6;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            continue;   /* export prints nothing on success: nothing to silence */
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("export", "unknown option '%s'", a);
        } else if (*path) {
            return cli_usage_error("export", "one file expected, got '%s' and '%s'", *path, a);
        } else
            *path = a;
    }
    if (!*path || !*dir || !**dir)
        return cli_usage_error("export", "%s", !*path ? "no results file given" : "no output directory: --csv DIR");
    return EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(export_help, stdout);
            return EXIT_OK;
        }
    const char *path, *dir;
    int status = parse_args(argc, argv, &path, &dir);
    if (status != EXIT_OK) return status;
    char err[PATH_MAX + 1024];
    int rc = export_csv(path, dir, err, sizeof err);
    if (rc == EXPORT_OK) return EXIT_OK;
    fprintf(stderr, "capsim export: %s\n", err);
    return rc == EXPORT_BAD_INPUT || rc == EXPORT_BAD_TARGET ? EXIT_BAD_INPUT : EXIT_RUNTIME;
}
