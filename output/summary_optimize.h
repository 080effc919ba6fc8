/*
 * summary_optimize: the Frontier table of `capsim summary` for a file written by
 * `capsim optimize` (its /optimize group, docs/OUTPUT.md "/optimize"): per risk weight,
 * the chosen decisions, the in-sample objective, the out-of-sample objective and its
 * standard error, and the scenario's own decisions on the same fresh paths (baseline).
 * Called by summary.c; files without /optimize print nothing.
 */
#ifndef CAPSIM_SUMMARY_OPTIMIZE_H
#define CAPSIM_SUMMARY_OPTIMIZE_H

#include <hdf5.h>
#include <stddef.h>
#include <stdio.h>
#include "summary_json.h"

/* The Frontier table of file f (path names it in messages) to out, when f has an
 * /optimize group; nothing otherwise. Pieces missing from the group print as n/a or a
 * note, never fail. j not NULL: a "frontier" member of the open JSON object instead (null
 * where the text has a note). RESULTS_OK, or a negative status of results.h (a read the system
 * failed, out of memory) with the reason in err. */
int summary_optimize_print(hid_t f, const char *path, FILE *out, summary_json *j, char *err, size_t errlen);

/* summary.c's number formats (a value in its units: $12.3B, 1.23M H100e; a probability). */
void summary_fmt_value(double x, const char *units, char *buf, size_t len);
void summary_fmt_prob(double p, char *buf, size_t len);

#endif
