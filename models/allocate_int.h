/*
 * allocate_int: the allocation workspace, shared by allocate.c (allocation: priority,
 * docs/MODEL.md 4) and allocate_value.c (allocation: value, docs/MODEL.md 10). Not part of
 * the module's public face (allocate.h): only those two files include it.
 */
#ifndef CAPSIM_ALLOCATE_INT_H
#define CAPSIM_ALLOCATE_INT_H

#include "allocate.h"

typedef struct allocate_value_ws allocate_value_ws;

struct allocate_ws {
    size_t nseg, npools;
    int months;
    int *seg_order;        /* nseg: ascending priority, ties in file order */
    int *elig;             /* nseg x npools: static pool order per segment */
    size_t *nelig;         /* nseg */
    unsigned char *fr;     /* nseg x npools: pool is first-refusal for segment */
    unsigned char *member; /* nseg x npools: pool is in elig[s] */
    double *eff;           /* nseg x npools: demand served per H100e (per path) */
    int *pool_chip;        /* npools: chip of each pool, -1 for spot */
    int *pool_cloud;       /* npools */
    int *order;            /* npools: this month's order for one segment (NaN costs) */
    double *rem;           /* npools: capacity left this month, H100e */
    int *allowed;          /* nseg x months: allocate_allowed_cloud(sc, s, t) */
    int *gorder;           /* npools: all pools by (cost, file order) */
    double *gcost;         /* npools: the costs gorder was sorted by */
    int *sorder;           /* nseg x npools: elig[s] by (first refusal, cost, file),
                            * less the pools useless to s on this path (eff <= 0) */
    size_t *nsorder;       /* nseg */
    int sorder_ok;         /* sorder matches gorder, gcost and this path's eff */
    /* allocation: value (allocate_value.c); NULL under allocation: priority */
    allocate_value_ws *v;
};

/* allocate_allowed_cloud() of segment s in month t, from the table made at alloc. */
int allocate_allowed_at(const allocate_ws *a, const scenario *sc, size_t s, int t);

/* The value allocation's workspace (a->v) for sc->allocation == ALLOCATION_VALUE; with
 * priority allocation it makes nothing. 0, or -1 on allocation failure. Needs a's static
 * orders (seg_order, fr, member) built. Free accepts a->v == NULL. */
int allocate_value_alloc(allocate_ws *a, const scenario *sc);
void allocate_value_free(allocate_ws *a);
/* Per path, after the efficiencies: the pairs that can serve on this path. */
void allocate_value_begin_path(allocate_ws *a);

#endif
