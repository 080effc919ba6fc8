/*
 * stats: streaming statistics of many variables over paths (DESIGN.md 6).
 *
 * One accumulator holds, for each of nvars variables: count, mean and variance
 * (Welford/Chan), min, max, the count of values above zero, and a quantile sketch of
 * fixed size. Memory does not grow with the number of paths.
 *
 * Determinism: results depend only on the sequence of rows added and on the sequence
 * of merges, never on threads. stats_add_rows() may use OpenMP across variables
 * (each variable is updated in row order by one thread), so it gives the same bits for
 * any thread count.
 *
 * Quantiles: exact while a variable has seen at most STATS_EXACT_BUDGET values; beyond,
 * a deterministic mergeable compactor sketch whose rank error is at most
 * stats_rank_error_bound(n) * n (stated and tested in tests/test_stats.c).
 */
#ifndef CAPSIM_STATS_H
#define CAPSIM_STATS_H

#include <stddef.h>

#define STATS_NQ 9
extern const double stats_quantile_levels[STATS_NQ]; /* 0.01 0.05 0.10 0.25 0.50 0.75 0.90 0.95 0.99 */

typedef struct {
    double n;
    double mean, sd, se;     /* sd with n-1; se = sd / sqrt(n) */
    double min, max;
    double q[STATS_NQ];      /* at stats_quantile_levels */
    double ppos;             /* fraction of values > 0 */
} stats_summary;

typedef struct stats stats;

/* An empty accumulator for nvars variables; NULL on allocation failure. */
stats *stats_alloc(size_t nvars);
void stats_free(stats *s);            /* accepts NULL */
void stats_reset(stats *s);

size_t stats_nvars(const stats *s);
double stats_count(const stats *s);

/* Add nrows rows, in order. Row r's value of variable v is rows[r * stride + first + v]
 * for v < nvars: pass first = offset of the accumulator's variables inside the row. */
void stats_add_rows(stats *s, const double *rows, size_t nrows, size_t stride, size_t first);

/* into := statistics of (into's values followed by from's values). Both must have the
 * same nvars. Returns 0, or -1 on allocation failure (into unchanged). */
int stats_merge(stats *into, const stats *from);

/* Summary of variable v. */
void stats_get(const stats *s, size_t v, stats_summary *out);

/* Quantile of variable v at level p in [0,1] (from the sketch). */
double stats_quantile(const stats *s, size_t v, double p);

/* Estimated fraction of values of variable v that are < x plus half of those == x
 * (mid-rank CDF), from the sketch: used for streaming rank correlations. */
double stats_cdf(const stats *s, size_t v, double x);

/* The stated bound on the sketch's rank error as a fraction of n (0 while exact). */
double stats_rank_error_bound(double n);

#endif
