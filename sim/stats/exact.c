/* exact: see exact.h. */
#include "exact.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double exact_quantile_sorted(const double *x, size_t n, double p)
{
    /* numpy's _lerp, step for step (its rounding differs from GSL's (1-g) a + g b) */
    double h = (double)(n - 1) * p, fi = floor(h);
    size_t i = fi < 0 ? 0 : (size_t)fi;
    if (i >= n - 1) return x[n - 1];
    double g = h - fi, a = x[i], b = x[i + 1], d = b - a;
    return g >= 0.5 ? b - d * (1.0 - g) : a + d * g;
}

/* es_lo of sorted x (see exact.h). */
static double es_low(const double *x, size_t n)
{
    double m = EXACT_ES_LEVEL * (double)n;
    size_t j = (size_t)ceil(m);
    if (j < 1) j = 1;
    double t = x[j - 1], sum = 0.0;
    size_t below = 0;
    for (; below < n && x[below] < t; below++) sum += x[below];
    if (m < 1.0) return t; /* fewer than 20 paths: the tail is the lowest value alone */
    return (sum + (m - (double)below) * t) / m;
}

/* es_hi of sorted x: the mirror image, summed from the top down. */
static double es_high(const double *x, size_t n)
{
    double m = EXACT_ES_LEVEL * (double)n;
    size_t j = (size_t)ceil(m);
    if (j < 1) j = 1;
    double t = x[n - j], sum = 0.0;
    size_t above = 0;
    for (; above < n && x[n - 1 - above] > t; above++) sum += x[n - 1 - above];
    if (m < 1.0) return t;
    return (sum + (m - (double)above) * t) / m;
}

void exact_column(double *x, size_t n, exact_stats *out)
{
    size_t npos = 0, nneg = 0, nnan = 0;
    for (size_t i = 0; i < n; i++) {
        npos += x[i] > 0.0;
        nneg += x[i] < 0.0;
        nnan += isnan(x[i]);
    }
    out->ppos = n ? (double)npos / (double)n : NAN;
    out->pneg = n ? (double)nneg / (double)n : NAN;
    if (n == 0 || nnan) {
        for (int k = 0; k < STATS_NQ; k++) out->q[k] = NAN;
        out->es_lo = out->es_hi = NAN;
        return;
    }
    qsort(x, n, sizeof *x, cmp_double);
    for (int k = 0; k < STATS_NQ; k++) out->q[k] = exact_quantile_sorted(x, n, stats_quantile_levels[k]);
    out->es_lo = es_low(x, n);
    out->es_hi = es_high(x, n);
}
