/*
 * allocate_value: allocation by margin (scenario.allocation: value, docs/MODEL.md 10).
 *
 * Each month:
 *   1. first refusal: segments in priority order (ties: file order) take their
 *      first-refusal pools, cheapest first (ties: file order), whatever the margin: the
 *      contract promised them that capacity first (4.4), as under `priority`;
 *   2. every (segment, pool) pair the segment may use (chip in its map, efficiency > 0)
 *      is ranked by its margin per pool H100e-hour, m = value_s(t) * eff_{s,p} - cost_p,
 *      descending; ties by segment priority, then segment file order, then pool file
 *      order. Each pair in turn serves min(pool remaining * eff, segment remaining),
 *      with the arithmetic of allocate.c's serve(), so that a segment served in full is
 *      left with exactly 0;
 *   3. a pair with m < 0 (or NaN) serves nothing: the demand is not worth the pool's
 *      marginal cost and stays unmet. A pair with m = 0 serves: the lab is indifferent
 *      and capacity already paid for (reserved, cost 0) must still serve segments whose
 *      value is 0 (training with no value given), as under `priority`.
 * Exclusivity rules pools out in both steps as in 4.5. Step 1 leaves every
 * first-refusal pair either with an empty pool or a segment served in full, so step 2
 * may list those pairs again: they serve nothing more.
 *
 * With one segment whose efficiency is the same on every pool and whose value covers
 * every pool's cost, the ranking is the cost order of `priority` and the rows are
 * bitwise the same (tests/test_value.c). Otherwise the two differ by design: `value`
 * prefers the pool where a segment earns most, not the cheapest one.
 *
 * Speed: the candidate pairs are listed once (at alloc) in tie order; per path, the
 * pairs useless on the path (eff <= 0) are dropped; each month one insertion sort,
 * started from last month's order (margins seldom move), ranks them. The comparison is
 * a strict total order (margin, then tie index; NaN ranks as -inf), so the result does
 * not depend on the order the sort starts from. Nothing is allocated after alloc.
 */
#include "allocate.h"
#include "allocate_int.h"
#include "fastmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct allocate_value_ws {
    size_t ncand;          /* eligible (segment, pool) pairs, in tie order */
    int *cand_seg;         /* ncand */
    int *cand_pool;        /* ncand */
    int *order;            /* ncand: this path's pairs (eff > 0), ranked each month */
    size_t norder;
    double *key;           /* ncand: this month's margin of each pair (NaN -> -inf) */
    int *fr_pools;         /* nseg x npools: segment's first-refusal pools, file order */
    size_t *nfr;           /* nseg */
    int *fr_order;         /* npools: one segment's first-refusal pools this month */
    double *left;          /* nseg: demand not yet served this month */
};

void allocate_value_free(allocate_ws *a)
{
    allocate_value_ws *v = a->v;
    if (!v) return;
    free(v->cand_seg);
    free(v->cand_pool);
    free(v->order);
    free(v->key);
    free(v->fr_pools);
    free(v->nfr);
    free(v->fr_order);
    free(v->left);
    free(v);
    a->v = NULL;
}

int allocate_value_alloc(allocate_ws *a, const scenario *sc)
{
    if (sc->allocation != ALLOCATION_VALUE) return 0;
    allocate_value_ws *v = calloc(1, sizeof *v);
    if (!v) return -1;
    a->v = v;
    size_t ns = a->nseg ? a->nseg : 1, np = a->npools ? a->npools : 1, n = 0;
    for (size_t i = 0; i < a->nseg * a->npools; i++) n += a->member[i];
    size_t nc = n ? n : 1;
    v->cand_seg = calloc(nc, sizeof *v->cand_seg);
    v->cand_pool = calloc(nc, sizeof *v->cand_pool);
    v->order = calloc(nc, sizeof *v->order);
    v->key = calloc(nc, sizeof *v->key);
    v->fr_pools = calloc(ns * np, sizeof *v->fr_pools);
    v->nfr = calloc(ns, sizeof *v->nfr);
    v->fr_order = calloc(np, sizeof *v->fr_order);
    v->left = calloc(ns, sizeof *v->left);
    if (!v->cand_seg || !v->cand_pool || !v->order || !v->key || !v->fr_pools || !v->nfr ||
        !v->fr_order || !v->left) {
        allocate_value_free(a);
        return -1;
    }
    /* Tie order: segments by (priority, file order) as seg_order has them, then pools
     * in file order. */
    for (size_t i = 0; i < a->nseg; i++) {
        size_t s = (size_t)a->seg_order[i];
        for (size_t p = 0; p < a->npools; p++) {
            if (!a->member[s * a->npools + p]) continue;
            v->cand_seg[v->ncand] = (int)s;
            v->cand_pool[v->ncand] = (int)p;
            v->ncand++;
            if (a->fr[s * a->npools + p]) v->fr_pools[s * a->npools + v->nfr[s]++] = (int)p;
        }
    }
    return 0;
}

void allocate_value_begin_path(allocate_ws *a)
{
    allocate_value_ws *v = a->v;
    if (!v) return;
    v->norder = 0;
    for (size_t i = 0; i < v->ncand; i++) {
        double e = a->eff[(size_t)v->cand_seg[i] * a->npools + (size_t)v->cand_pool[i]];
        if (e > 0.0) v->order[v->norder++] = (int)i;   /* also drops NaN */
    }
}

/* Serve up to `*left` demand from pool p at efficiency eff: allocate.c's arithmetic. */
static void serve_pair(allocate_ws *a, int p, double eff, double *left)
{
    double give = a->rem[p] * eff;             /* demand this pool can serve */
    if (give <= *left) {
        *left -= give;
        a->rem[p] = 0.0;
    } else {
        a->rem[p] = fm_max0(a->rem[p] - *left / eff);
        *left = 0.0;                           /* served in full: exactly 0 left */
    }
}

/* Step 1: each segment, in priority order, takes its first-refusal pools by cost. */
static void serve_first_refusal(allocate_ws *a, const scenario *sc, int t, const double *cost)
{
    allocate_value_ws *v = a->v;
    for (size_t i = 0; i < a->nseg; i++) {
        size_t s = (size_t)a->seg_order[i];
        if (v->nfr[s] == 0 || !(v->left[s] > 0.0)) continue;
        int allowed = allocate_allowed_at(a, sc, s, t);
        if (allowed == ALLOCATE_NO_CLOUD) continue;
        const int *list = &v->fr_pools[s * a->npools];
        const double *eff = &a->eff[s * a->npools];
        size_t n = 0;
        for (size_t k = 0; k < v->nfr[s]; k++) {     /* stable insertion by cost */
            int p = list[k];
            if (!(a->rem[p] > 0.0) || !(eff[p] > 0.0)) continue;
            if (allowed >= 0 && a->pool_cloud[p] != allowed) continue;
            size_t j = n++;
            while (j > 0 && cost[p] < cost[v->fr_order[j - 1]]) {
                v->fr_order[j] = v->fr_order[j - 1];
                j--;
            }
            v->fr_order[j] = p;
        }
        for (size_t k = 0; k < n && v->left[s] > 0.0; k++)
            serve_pair(a, v->fr_order[k], eff[v->fr_order[k]], &v->left[s]);
    }
}

/* Does pair i rank before pair j? Higher margin, then lower tie index. */
static int ranks_before(const double *key, int i, int j)
{
    return key[i] > key[j] || (key[i] == key[j] && i < j);
}

/* Step 2's ranking: this month's margins, and the pairs sorted by them. */
static void rank_pairs(allocate_ws *a, const double *cost, const double *value)
{
    allocate_value_ws *v = a->v;
    for (size_t k = 0; k < v->norder; k++) {
        int i = v->order[k], s = v->cand_seg[i], p = v->cand_pool[i];
        double m = value[s] * a->eff[(size_t)s * a->npools + (size_t)p] - cost[p];
        v->key[i] = m == m ? m : -INFINITY;
    }
    int *o = v->order;
    for (size_t k = 1; k < v->norder; k++) {
        int i = o[k];
        size_t j = k;
        while (j > 0 && ranks_before(v->key, i, o[j - 1])) {
            o[j] = o[j - 1];
            j--;
        }
        o[j] = i;
    }
}

void allocate_month_value(allocate_ws *a, const scenario *sc, int t, const supply_pool *pools,
                          const double *cost, const double *value, const double *demand,
                          double *served, double *unmet, double *used)
{
    allocate_value_ws *v = a->v;
    if (!v) {   /* made for allocation: priority */
        allocate_month(a, sc, t, pools, cost, demand, served, unmet, used);
        return;
    }
    for (size_t p = 0; p < a->npools; p++) a->rem[p] = pools[p].cap;
    for (size_t s = 0; s < a->nseg; s++) v->left[s] = demand[s] > 0.0 ? demand[s] : 0.0;
    serve_first_refusal(a, sc, t, cost);
    rank_pairs(a, cost, value);
    for (size_t k = 0; k < v->norder; k++) {
        int i = v->order[k], s = v->cand_seg[i], p = v->cand_pool[i];
        if (!(v->key[i] >= 0.0)) break;        /* this and every later margin < 0 */
        if (!(v->left[s] > 0.0) || !(a->rem[p] > 0.0)) continue;
        int allowed = allocate_allowed_at(a, sc, (size_t)s, t);
        if (allowed == ALLOCATE_NO_CLOUD || (allowed >= 0 && a->pool_cloud[p] != allowed))
            continue;
        serve_pair(a, p, a->eff[(size_t)s * a->npools + (size_t)p], &v->left[s]);
    }
    for (size_t s = 0; s < a->nseg; s++) {
        double d = demand[s] > 0.0 ? demand[s] : 0.0;
        unmet[s] = v->left[s];
        served[s] = d - v->left[s];
    }
    for (size_t p = 0; p < a->npools; p++) used[p] = pools[p].cap - a->rem[p];
}
