/*
 * stats_cdf: the mid-rank CDF of a variable of the stats accumulator (public face:
 * stats.h): one look-up at a time (stats_cdf: a count of the raw values plus a binary
 * search per sketch level), or the variable's whole distribution as one sorted table for
 * many look-ups (stats_cdf_table: the rank correlations' second pass), which gives
 * stats_cdf's very bits in one search.
 */
#include "stats_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------- one look-up */

/* The counts (< x, <= x) of a sorted run of len >= 1 items, both searches together.
 * Invariants: items before bl are < x and items from bl + len on are >= x (bu: <= x and
 * > x). */
static void search2(const double *p, size_t len, double x, size_t *first, size_t *upto)
{
    const double *bl = p, *bu = p;
    while (len > 1) {
        size_t h = len / 2;
        bl = bl[h] < x ? bl + h : bl;
        bu = !(x < bu[h]) ? bu + h : bu;
        len -= h;
    }
    *first = (size_t)(bl - p) + (bl[0] < x);
    *upto = (size_t)(bu - p) + !(x < bu[0]);
}

/* Weighted counts of the items < x and == x of every non-empty level h >= 1 (sorted),
 * a branch-free binary search each; the sums run from the top level down. */
static void count_levels(const stats *s, const double *slot, double x, double *lt,
                         double *eq)
{
    run runs[L_MAX];
    size_t m = sketch_levels(s, &s->st, slot, runs);
    for (size_t i = 0; i < m; i++) {
        size_t first, upto;
        search2(runs[i].p, runs[i].n, x, &first, &upto);
        *lt += (double)first * runs[i].w;
        *eq += (double)(upto - first) * runs[i].w;
    }
}

double stats_cdf(const stats *s, size_t v, double x)
{
    if (!s || v >= s->nvars || isnan(x) || sk_of(s, v) < 0) return NAN;
    if (s->st.n == 0) return 0.5; /* no data: the middle */
    const double *slot = s->data + (size_t)sk_of(s, v) * s->slot;
    size_t raw = s->st.exact ? (size_t)s->st.n : s->st.size[0];
    /* Raw values, unsorted: integer counts (the sums of 0s and 1s, exactly), two of
     * each so that the additions do not wait on each other. */
    size_t l0 = 0, l1 = 0, e0 = 0, e1 = 0, i = 0;
    for (; i + 2 <= raw; i += 2) {
        l0 += slot[i] < x;
        e0 += slot[i] == x;
        l1 += slot[i + 1] < x;
        e1 += slot[i + 1] == x;
    }
    if (i < raw) {
        l0 += slot[i] < x;
        e0 += slot[i] == x;
    }
    double lt = (double)(l0 + l1), eq = (double)(e0 + e1);
    if (!s->st.exact) count_levels(s, slot, x, &lt, &eq);
    return (lt + 0.5 * eq) / (double)s->st.n;
}

/* ---------- a variable's distribution as one table (many CDF look-ups) */

struct stats_cdf_table {
    size_t m;      /* distinct items */
    double n;      /* values seen */
    double *x;     /* m distinct items, ascending (NaN last) */
    double *cum;   /* m + 1: weight of the items before each */
};

typedef struct {
    double x, w;
} weighted;

/* A total order (NaN last, so the sort cannot be confused), by value only. */
static int cmp_weighted(const void *pa, const void *pb)
{
    double a = ((const weighted *)pa)->x, b = ((const weighted *)pb)->x;
    int na = isnan(a), nb = isnan(b);
    if (na || nb) return na - nb;
    return (a > b) - (a < b);
}

stats_cdf_table *stats_cdf_table_alloc(const stats *s, size_t v)
{
    if (!s || v >= s->nvars || sk_of(s, v) < 0) return NULL;
    const double *slot = s->data + (size_t)sk_of(s, v) * s->slot;
    size_t raw = s->st.exact ? (size_t)s->st.n : s->st.size[0], m = raw;
    run runs[L_MAX];
    size_t nr = s->st.exact ? 0 : sketch_levels(s, &s->st, slot, runs);
    for (size_t r = 0; r < nr; r++) m += runs[r].n;
    stats_cdf_table *t = calloc(1, sizeof *t);
    weighted *all = malloc((m ? m : 1) * sizeof *all);
    if (t) {
        t->x = malloc((m ? m : 1) * sizeof *t->x);
        t->cum = malloc((m + 1) * sizeof *t->cum);
    }
    if (!t || !all || !t->x || !t->cum) {
        free(all);
        stats_cdf_table_free(t);
        return NULL;
    }
    size_t at = 0;
    for (size_t i = 0; i < raw; i++) all[at++] = (weighted){slot[i], 1.0};
    for (size_t r = 0; r < nr; r++)
        for (size_t i = 0; i < runs[r].n; i++) all[at++] = (weighted){runs[r].p[i], runs[r].w};
    qsort(all, m, sizeof *all, cmp_weighted);
    /* equal items become one, with their summed weight: then the items == x are all at
     * the one place where the items < x end, and a look-up is a single search */
    size_t d = 0;
    t->cum[0] = 0.0;
    for (size_t i = 0; i < m; i++) {
        if (d == 0 || !(all[i].x == t->x[d - 1])) {
            t->x[d] = all[i].x;
            t->cum[d + 1] = t->cum[d];
            d++;
        }
        t->cum[d] += all[i].w;
    }
    t->m = d;
    t->n = (double)s->st.n;
    free(all);
    return t;
}

void stats_cdf_table_free(stats_cdf_table *t)
{
    if (!t) return;
    free(t->x);
    free(t->cum);
    free(t);
}

/* The index of the first item >= x, by branch-free halvings (NaN items count as >= x). */
static size_t table_lower(const stats_cdf_table *t, double x)
{
    const double *lo = t->x;
    size_t len = t->m;
    while (len > 1) {
        size_t h = len / 2;
        lo += h * (size_t)(lo[h - 1] < x); /* arithmetic, not ?: (gcc made that a branch) */
        len -= h;
    }
    return (size_t)(lo - t->x) + (lo[0] < x);
}

/* The mid-rank CDF from that index: the item there is == x or > x. */
static double table_cdf(const stats_cdf_table *t, size_t lt, double x)
{
    size_t le = lt + (lt < t->m && t->x[lt] == x);
    return (t->cum[lt] + 0.5 * (t->cum[le] - t->cum[lt])) / t->n;
}

double stats_cdf_table_eval(const stats_cdf_table *t, double x)
{
    if (!t || isnan(x)) return NAN;
    if (t->n == 0 || t->m == 0) return 0.5;
    return table_cdf(t, table_lower(t, x), x);
}

void stats_cdf_table_eval_many(const stats_cdf_table *t, const double *x, size_t xstride,
                               size_t n, double *out, size_t ostride)
{
    size_t i = 0;
    if (t && t->n > 0 && t->m > 0) {
        /* four searches at once: each is a chain of dependent loads */
        for (; i + 4 <= n; i += 4) {
            double x0 = x[i * xstride], x1 = x[(i + 1) * xstride];
            double x2 = x[(i + 2) * xstride], x3 = x[(i + 3) * xstride];
            const double *l0 = t->x, *l1 = t->x, *l2 = t->x, *l3 = t->x;
            size_t len = t->m;
            while (len > 1) {
                size_t h = len / 2;
                l0 += h * (size_t)(l0[h - 1] < x0);
                l1 += h * (size_t)(l1[h - 1] < x1);
                l2 += h * (size_t)(l2[h - 1] < x2);
                l3 += h * (size_t)(l3[h - 1] < x3);
                len -= h;
            }
            const double *l[4] = {l0, l1, l2, l3};
            double xs[4] = {x0, x1, x2, x3};
            for (int j = 0; j < 4; j++)
                out[(i + (size_t)j) * ostride] =
                    isnan(xs[j]) ? NAN
                                 : table_cdf(t, (size_t)(l[j] - t->x) + (l[j][0] < xs[j]), xs[j]);
        }
    }
    for (; i < n; i++) out[i * ostride] = stats_cdf_table_eval(t, x[i * xstride]);
}
