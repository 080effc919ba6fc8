/*
 * summary: the percentile tables of a results file for the terminal (DESIGN.md 7), read
 * back from the file alone: key totals, money and unmet demand by calendar year,
 * provenance, and for compare/sweep files the paired differences. The command
 * `capsim summary OUT.h5` is sim/cli/cmd_summary.c.
 */
#ifndef CAPSIM_SUMMARY_H
#define CAPSIM_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

/* Print the summary of results file `path` to out. 0; -1 when the file cannot be read as
 * a results file, with the reason in err (then nothing has been printed). Write errors on
 * out are the caller's to check (ferror, fflush). Prints nothing to stderr. */
int summary_print(const char *path, FILE *out, char *err, size_t errlen);

#endif
