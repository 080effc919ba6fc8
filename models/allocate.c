/*
 * allocate: greedy, deterministic allocation (see allocate.h).
 *
 * Invariants: elig[s] lists segment s's eligible pools sorted by first refusal, then
 * file order; the monthly sort is stable, so ties in cost keep that order. No memory is
 * allocated after allocate_alloc().
 */
#include "allocate.h"

#include <math.h>
#include <stdlib.h>

struct allocate_ws {
    size_t nseg, npools;
    int *seg_order;        /* nseg: ascending priority, ties in file order */
    int *elig;             /* nseg x npools: static pool order per segment */
    size_t *nelig;         /* nseg */
    unsigned char *fr;     /* nseg x npools: pool is first-refusal for segment */
    double *eff;           /* nseg x npools: demand served per H100e (per path) */
    int *pool_chip;        /* npools: chip of each pool, -1 for spot */
    int *order;            /* npools: this month's order for one segment */
    double *rem;           /* npools: capacity left this month, H100e */
};

void allocate_free(allocate_ws *a)
{
    if (!a) return;
    free(a->seg_order);
    free(a->elig);
    free(a->nelig);
    free(a->fr);
    free(a->eff);
    free(a->pool_chip);
    free(a->order);
    free(a->rem);
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
                if (fr[p] == pass && pool_eligible(sc, s, &pools[p])) list[n++] = (int)p;
        a->nelig[s] = n;
    }
}

allocate_ws *allocate_alloc(const scenario *sc, const supply_pool *pools, size_t npools)
{
    allocate_ws *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->nseg = sc->nsegments;
    a->npools = npools;
    size_t ns = a->nseg ? a->nseg : 1, np = npools ? npools : 1;
    a->seg_order = calloc(ns, sizeof *a->seg_order);
    a->elig = calloc(ns * np, sizeof *a->elig);
    a->nelig = calloc(ns, sizeof *a->nelig);
    a->fr = calloc(ns * np, sizeof *a->fr);
    a->eff = calloc(ns * np, sizeof *a->eff);
    a->pool_chip = calloc(np, sizeof *a->pool_chip);
    a->order = calloc(np, sizeof *a->order);
    a->rem = calloc(np, sizeof *a->rem);
    if (!a->seg_order || !a->elig || !a->nelig || !a->fr || !a->eff || !a->pool_chip ||
        !a->order || !a->rem) {
        allocate_free(a);
        return NULL;
    }
    for (size_t p = 0; p < npools; p++)
        a->pool_chip[p] = pools[p].kind == POOL_SPOT ? -1 : pools[p].chip;
    sort_segments(a, sc);
    build_static_orders(a, sc, pools);
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

/* This month's order for segment s: its static list minus pools that are empty,
 * useless to it or ruled out by exclusivity, stably sorted by cost. Returns the length. */
static size_t month_order(allocate_ws *a, const scenario *sc, size_t s, int t,
                          const supply_pool *pools, const double *cost)
{
    int allowed = allocate_allowed_cloud(sc, s, t);
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
            a->rem[p] = fmax(0.0, a->rem[p] - remaining / eff[p]);
            remaining = 0.0;                   /* served = remaining: exactly 0 left */
        }
    }
    return remaining;
}

void allocate_month(allocate_ws *a, const scenario *sc, int t, const supply_pool *pools,
                    const double *cost, const double *demand,
                    double *served, double *unmet, double *used)
{
    for (size_t p = 0; p < a->npools; p++) a->rem[p] = pools[p].cap;
    for (size_t i = 0; i < a->nseg; i++) {
        size_t s = (size_t)a->seg_order[i];
        double d = demand[s] > 0.0 ? demand[s] : 0.0;
        size_t n = month_order(a, sc, s, t, pools, cost);
        double left = serve(a, s, n, d);
        unmet[s] = left;
        served[s] = d - left;
    }
    for (size_t p = 0; p < a->npools; p++) used[p] = pools[p].cap - a->rem[p];
}
