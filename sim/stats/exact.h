/*
 * exact: the exact statistics of one column of values (a per-path total over all paths),
 * for /stats and /diff where the values themselves are at hand: the nine
 * quantiles, the expected shortfalls of either tail, and the probabilities of being
 * above and below zero. Layer 3 (sim/stats), no dependency beyond the C library.
 *
 * Definitions (docs/OUTPUT.md states them for the user):
 *   quantile  numpy.quantile's default method ('linear', Hyndman-Fan type 7), to the bit:
 *             h = (n - 1) p, i = floor(h), g = h - i, d = x(i+1) - x(i) on the sorted
 *             values, and q = x(i) + d g if g < 0.5, else x(i+1) - d (1 - g).
 *   es_lo     the mean of the lowest m = 0.05 n values, a fractional m counting the
 *             value at rank ceil(m) with the weight left over (Acerbi-Tasche):
 *             es_lo = (sum of x < t + (m - #(x < t)) t) / m, t the ceil(m)-th smallest.
 *             With m whole and no ties it is the plain mean of the m smallest.
 *   es_hi     the same for the highest m values (t the ceil(m)-th largest).
 *   ppos      #(x > 0) / n;  pneg  #(x < 0) / n.
 * Sums run over the sorted values (from the tail inwards), so the result depends only on
 * the set of values, never on their order: the same bits for any split of a run.
 * A column holding a NaN has NaN quantiles and shortfalls (ppos and pneg still count).
 */
#ifndef CAPSIM_EXACT_H
#define CAPSIM_EXACT_H

#include <stddef.h>

#include "stats.h"

#define EXACT_ES_LEVEL 0.05 /* each tail's share in es_lo / es_hi */

typedef struct {
    double q[STATS_NQ];   /* at stats_quantile_levels */
    double es_lo, es_hi;
    double ppos, pneg;
} exact_stats;

/* The statistics of x[0..n) into out; x is sorted in place (ascending). With n = 0
 * every field is NaN. */
void exact_column(double *x, size_t n, exact_stats *out);

/* numpy.quantile(x, p) (method 'linear') of sorted x[0..n), n >= 1, to the bit. */
double exact_quantile_sorted(const double *x, size_t n, double p);

#endif
