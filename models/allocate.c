/*
 * allocate: greedy, deterministic allocation (see allocate.h).
 *
 * Invariants: elig[s] lists segment s's eligible pools sorted by first refusal, then
 * file order; the monthly sort is stable, so ties in cost keep that order. No memory is
 * allocated after allocate_alloc().
 *
 * Speed: a segment's order is (first refusal first, then ascending cost, then file
 * order) over its eligible pools, and the cost is the same for every segment. So each
 * month one insertion sort, started from last month's order, puts all pools in (cost,
 * file order); only when that order changes are the segments' lists rebuilt from it
 * (first-refusal pools, then the others, each in that order). Serving walks a list and
 * tests each pool as it comes (empty, useless, excluded), stopping when the demand is
 * met: serving pool p changes only rem[p], so the tests give what they gave before
 * serving began. The exclusivity of every (segment, month) is a table made once. A NaN
 * cost (not a strict order) takes the original per-segment sort instead.
 */
#include "allocate.h"
#include "allocate_int.h"
#include "fastmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void allocate_free(allocate_ws *a)
{
    if (!a) return;
    free(a->seg_order);
    free(a->elig);
    free(a->nelig);
    free(a->fr);
    free(a->member);
    free(a->eff);
    free(a->pool_chip);
    free(a->pool_cloud);
    free(a->order);
    free(a->rem);
    free(a->allowed);
    free(a->gorder);
    free(a->gcost);
    free(a->sorder);
    free(a->nsorder);
    allocate_value_free(a);
    free(a);
}

static int pool_eligible(const scenario *sc, size_t s, const supply_pool *p)
{
    const segment_spec *ss = &sc->segments[s];
    return p->kind == POOL_SPOT ? ss->spot_eligible : ss->eligible[p->chip];
}

/* Stable insertion sort of the segments by priority (file order on ties). */
static void sort_segments(allocate_ws *a, const scenario *sc)
{
    for (size_t i = 0; i < a->nseg; i++) {
        size_t j = i;
        while (j > 0 && sc->segments[a->seg_order[j - 1]].priority > sc->segments[i].priority) {
            a->seg_order[j] = a->seg_order[j - 1];
            j--;
        }
        a->seg_order[j] = (int)i;
    }
}

/* Per segment: eligible pools, first-refusal ones first, each group in file order. */
static void build_static_orders(allocate_ws *a, const scenario *sc, const supply_pool *pools)
{
    for (size_t s = 0; s < a->nseg; s++) {
        int *list = &a->elig[s * a->npools];
        unsigned char *fr = &a->fr[s * a->npools];
        size_t n = 0;
        for (size_t p = 0; p < a->npools; p++) {
            const supply_pool *q = &pools[p];
            fr[p] = q->kind == POOL_TRANCHE && sc->contracts[q->contract].first_refusal[s];
        }
        for (int pass = 1; pass >= 0; pass--)
            for (size_t p = 0; p < a->npools; p++)
                if (fr[p] == pass && pool_eligible(sc, s, &pools[p])) {
                    list[n++] = (int)p;
                    a->member[s * a->npools + p] = 1;
                }
        a->nelig[s] = n;
    }
}

allocate_ws *allocate_alloc(const scenario *sc, const supply_pool *pools, size_t npools)
{
    allocate_ws *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->nseg = sc->nsegments;
    a->npools = npools;
    a->months = sc->months > 0 ? sc->months : 0;
    size_t ns = a->nseg ? a->nseg : 1, np = npools ? npools : 1;
    size_t nm = a->months ? (size_t)a->months : 1;
    a->seg_order = calloc(ns, sizeof *a->seg_order);
    a->elig = calloc(ns * np, sizeof *a->elig);
    a->nelig = calloc(ns, sizeof *a->nelig);
    a->fr = calloc(ns * np, sizeof *a->fr);
    a->member = calloc(ns * np, sizeof *a->member);
    a->eff = calloc(ns * np, sizeof *a->eff);
    a->pool_chip = calloc(np, sizeof *a->pool_chip);
    a->pool_cloud = calloc(np, sizeof *a->pool_cloud);
    a->order = calloc(np, sizeof *a->order);
    a->rem = calloc(np, sizeof *a->rem);
    a->allowed = calloc(ns * nm, sizeof *a->allowed);
    a->gorder = calloc(np, sizeof *a->gorder);
    a->gcost = calloc(np, sizeof *a->gcost);
    a->sorder = calloc(ns * np, sizeof *a->sorder);
    a->nsorder = calloc(ns, sizeof *a->nsorder);
    if (!a->seg_order || !a->elig || !a->nelig || !a->fr || !a->member || !a->eff ||
        !a->pool_chip || !a->pool_cloud || !a->order || !a->rem || !a->allowed ||
        !a->gorder || !a->gcost || !a->sorder || !a->nsorder) {
        allocate_free(a);
        return NULL;
    }
    for (size_t p = 0; p < npools; p++) {
        a->pool_chip[p] = pools[p].kind == POOL_SPOT ? -1 : pools[p].chip;
        a->pool_cloud[p] = pools[p].cloud;
        a->gorder[p] = (int)p;
    }
    sort_segments(a, sc);
    build_static_orders(a, sc, pools);
    if (allocate_value_alloc(a, sc) != 0) {
        allocate_free(a);
        return NULL;
    }
    for (size_t s = 0; s < a->nseg; s++)
        for (int t = 0; t < a->months; t++)
            a->allowed[s * nm + (size_t)t] = allocate_allowed_cloud(sc, s, t);
    a->sorder_ok = 0;
    return a;
}

void allocate_begin_path(allocate_ws *a, const scenario *sc, const double *values)
{
    for (size_t s = 0; s < a->nseg; s++) {
        const segment_spec *ss = &sc->segments[s];
        const int *list = &a->elig[s * a->npools];
        double *eff = &a->eff[s * a->npools];
        for (size_t i = 0; i < a->nelig[s]; i++) {
            int p = list[i], chip = a->pool_chip[p];
            eff[p] = chip < 0 ? PARAM(ss->spot_efficiency, values)
                              : PARAM(ss->efficiency[chip], values);
        }
    }
    a->sorder_ok = 0;   /* the lists leave out pools by eff */
    allocate_value_begin_path(a);
}

int allocate_allowed_cloud(const scenario *sc, size_t s, int t)
{
    int allowed = ALLOCATE_ANY_CLOUD;
    for (size_t c = 0; c < sc->ncontracts; c++) {
        const contract_spec *cs = &sc->contracts[c];
        if (!cs->has_exclusive || !cs->exclusive[s]) continue;
        if (t < cs->from || t >= cs->exclusive_until) continue;
        if (allowed == ALLOCATE_ANY_CLOUD) allowed = cs->cloud;
        else if (allowed != cs->cloud) return ALLOCATE_NO_CLOUD;
    }
    return allowed;
}

/* Does pool p go before pool q for this segment? First refusal, then cheaper. */
static int goes_before(const unsigned char *fr, const double *cost, int p, int q)
{
    if (fr[p] != fr[q]) return fr[p] > fr[q];
    return cost[p] < cost[q];
}

/* The exclusivity of segment s in month t (the table, or the scenario past its end). */
int allocate_allowed_at(const allocate_ws *a, const scenario *sc, size_t s, int t)
{
    if (t >= 0 && t < a->months) return a->allowed[s * (size_t)a->months + (size_t)t];
    return allocate_allowed_cloud(sc, s, t);
}

/* This month's order for segment s: its static list minus pools that are empty,
 * useless to it or ruled out by exclusivity, stably sorted by cost. Returns the length.
 * (The path taken when a cost is NaN.) */
static size_t month_order(allocate_ws *a, const scenario *sc, size_t s, int t,
                          const supply_pool *pools, const double *cost)
{
    int allowed = allocate_allowed_at(a, sc, s, t);
    if (allowed == ALLOCATE_NO_CLOUD) return 0;
    const int *list = &a->elig[s * a->npools];
    const unsigned char *fr = &a->fr[s * a->npools];
    const double *eff = &a->eff[s * a->npools];
    size_t n = 0;
    for (size_t i = 0; i < a->nelig[s]; i++) {
        int p = list[i];
        if (!(a->rem[p] > 0.0) || !(eff[p] > 0.0)) continue;
        if (allowed >= 0 && pools[p].cloud != allowed) continue;
        size_t j = n++;
        while (j > 0 && goes_before(fr, cost, p, a->order[j - 1])) {
            a->order[j] = a->order[j - 1];
            j--;
        }
        a->order[j] = p;
    }
    return n;
}

/* Serve one segment's demand from its ordered pools; returns what is left unmet. */
static double serve(allocate_ws *a, size_t s, size_t n, double remaining)
{
    const double *eff = &a->eff[s * a->npools];
    for (size_t k = 0; k < n && remaining > 0.0; k++) {
        int p = a->order[k];
        double give = a->rem[p] * eff[p];      /* demand this pool can serve */
        if (give <= remaining) {
            remaining -= give;                 /* served = give */
            a->rem[p] = 0.0;
        } else {
            a->rem[p] = fm_max0(a->rem[p] - remaining / eff[p]);
            remaining = 0.0;                   /* served = remaining: exactly 0 left */
        }
    }
    return remaining;
}

/* Sort all pools by (cost, file order), starting from last month's order (usually
 * already sorted). Returns -1 if a cost is NaN, 1 if the order changed, else 0. */
static int sort_by_cost(allocate_ws *a, const double *cost)
{
    int *g = a->gorder, changed = 0;
    for (size_t i = 0; i < a->npools; i++) {
        int p = g[i];
        if (cost[p] != cost[p]) return -1;
        size_t j = i;
        while (j > 0 && (cost[p] < cost[g[j - 1]] || (cost[p] == cost[g[j - 1]] && p < g[j - 1]))) {
            g[j] = g[j - 1];
            j--;
        }
        if (j != i) {
            g[j] = p;
            changed = 1;
        }
    }
    return changed;
}

/* Each segment's eligible pools: first-refusal ones, then the others, each group in
 * (cost, file order): the order the stable per-segment sort gives. Pools that serve the
 * segment nothing on this path (eff <= 0, or NaN) are left out: serving skips them. */
static void build_segment_orders(allocate_ws *a)
{
    for (size_t s = 0; s < a->nseg; s++) {
        const unsigned char *fr = &a->fr[s * a->npools];
        const unsigned char *member = &a->member[s * a->npools];
        const double *eff = &a->eff[s * a->npools];
        int *list = &a->sorder[s * a->npools];
        size_t n = 0;
        for (int pass = 1; pass >= 0; pass--)
            for (size_t i = 0; i < a->npools; i++) {
                int p = a->gorder[i];
                if (member[p] && fr[p] == pass && eff[p] > 0.0) list[n++] = p;
            }
        a->nsorder[s] = n;
    }
    a->sorder_ok = 1;
}

/* Serve segment s from its list, testing each pool as it comes (see the top). */
static double serve_sorted(allocate_ws *a, size_t s, int allowed, double remaining)
{
    const int *list = &a->sorder[s * a->npools];
    const double *eff = &a->eff[s * a->npools];
    size_t n = a->nsorder[s];
    for (size_t k = 0; k < n && remaining > 0.0; k++) {
        int p = list[k];
        if (!(a->rem[p] > 0.0)) continue;
        if (allowed >= 0 && a->pool_cloud[p] != allowed) continue;
        double give = a->rem[p] * eff[p];
        if (give <= remaining) {
            remaining -= give;
            a->rem[p] = 0.0;
        } else {
            a->rem[p] = fm_max0(a->rem[p] - remaining / eff[p]);
            remaining = 0.0;
        }
    }
    return remaining;
}

void allocate_month(allocate_ws *a, const scenario *sc, int t, const supply_pool *pools,
                    const double *cost, const double *demand,
                    double *served, double *unmet, double *used)
{
    for (size_t p = 0; p < a->npools; p++) a->rem[p] = pools[p].cap;
    /* Costs often stay the same from month to month (reserved pools cost 0, spot a
     * price per path): then so does the order. */
    int sorted = 0;
    if (!a->sorder_ok || memcmp(cost, a->gcost, a->npools * sizeof *cost) != 0) {
        sorted = sort_by_cost(a, cost);
        memcpy(a->gcost, cost, a->npools * sizeof *cost);
    }
    if (sorted < 0)
        a->sorder_ok = 0;  /* gorder may have moved: rebuild at the next good month */
    else if (sorted > 0 || !a->sorder_ok)
        build_segment_orders(a);
    for (size_t i = 0; i < a->nseg; i++) {
        size_t s = (size_t)a->seg_order[i];
        double d = demand[s] > 0.0 ? demand[s] : 0.0;
        double left;
        if (sorted < 0) {
            size_t n = month_order(a, sc, s, t, pools, cost);
            left = serve(a, s, n, d);
        } else {
            int allowed = allocate_allowed_at(a, sc, s, t);
            left = allowed == ALLOCATE_NO_CLOUD ? d : serve_sorted(a, s, allowed, d);
        }
        unmet[s] = left;
        served[s] = d - left;
    }
    for (size_t p = 0; p < a->npools; p++) used[p] = pools[p].cap - a->rem[p];
}
