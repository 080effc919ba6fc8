/*
 * summary: the percentile tables of a results file for the terminal (README, "Command line"), read
 * back from the file alone: key totals, money and unmet demand by calendar year,
 * provenance, and for compare/sweep files the paired differences. The command
 * `capsim summary OUT.h5` is sim/cli/cmd_summary.c.
 */
#ifndef CAPSIM_SUMMARY_H
#define CAPSIM_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

/* Print the summary of results file `path` to out. RESULTS_OK (0); when the file cannot
 * be read, a negative status of output/results.h with the reason in err, and nothing
 * printed: RESULTS_BAD_FILE (no such file, not a capsim results file, damaged) or
 * RESULTS_IO (a read failed for a reason of the system, out of memory). Write errors on
 * out are the caller's to check (ferror, fflush). Prints nothing to stderr. */
int summary_print(const char *path, FILE *out, char *err, size_t errlen);

/* The same; json: the same content as one JSON document (docs/OUTPUT.md, "summary
 * --json"), full-precision numbers instead of the rounded ones of the tables. */
int summary_print_opts(const char *path, FILE *out, int json, char *err, size_t errlen);

#endif
