/*
 * allocate: the greedy monthly allocation of capacity to demand (docs/MODEL.md 4 and 7;
 * 11.1 for allocation: value, in allocate_value.c: allocate_month_value() below).
 *
 * Segments are served in ascending priority (ties: file order). A segment's eligible
 * pools are the tranches of chips named in its chips map and the spot pools if the map
 * names `spot`, minus pools at clouds that an active exclusivity rules out. They are
 * taken in the order: first-refusal pools first, then ascending marginal cost, then
 * file order. Each pool serves min(pool remaining * efficiency, remaining demand).
 *
 * What does not change over a path is precomputed once: the segment order and, per
 * segment, its eligible pools sorted by (first refusal, file order). Each month only a
 * stable insertion sort by cost runs over that short list, in workspace memory.
 */
#ifndef CAPSIM_ALLOCATE_H
#define CAPSIM_ALLOCATE_H

#include <stddef.h>
#include "supply.h"

#define ALLOCATE_ANY_CLOUD (-1)   /* no exclusivity active */
#define ALLOCATE_NO_CLOUD  (-2)   /* exclusivities at two different clouds: nowhere */

typedef struct allocate_ws allocate_ws;

/* Static orders for the pool table `pools` (npools, file order). NULL on allocation
 * failure; free accepts NULL. */
allocate_ws *allocate_alloc(const scenario *sc, const supply_pool *pools, size_t npools);
void allocate_free(allocate_ws *a);

/* Resolve the path's efficiencies (segment x pool). */
void allocate_begin_path(allocate_ws *a, const scenario *sc, const double *values);

/* One month. cost = marginal cost per H100e-hour of each pool; demand = D_t per
 * segment. Out: served and unmet per segment (served + unmet = demand; unmet is exactly
 * 0 when the segment is served in full) and used H100e per pool. */
void allocate_month(allocate_ws *a, const scenario *sc, int t, const supply_pool *pools,
                    const double *cost, const double *demand,
                    double *served, double *unmet, double *used);

/* One month under scenario.allocation: value (docs/MODEL.md 10, allocate_value.c):
 * first-refusal pools first, then (segment, pool) pairs by margin per pool H100e-hour
 * value[s] * efficiency - cost, descending; a negative margin serves nothing. value =
 * this month's value per served H100e-hour of each segment. Same outputs as
 * allocate_month(); a workspace made for allocation: priority runs allocate_month(). */
void allocate_month_value(allocate_ws *a, const scenario *sc, int t, const supply_pool *pools,
                          const double *cost, const double *value, const double *demand,
                          double *served, double *unmet, double *used);

/* The one cloud that active exclusivities confine segment s to in month t, or
 * ALLOCATE_ANY_CLOUD / ALLOCATE_NO_CLOUD. */
int allocate_allowed_cloud(const scenario *sc, size_t s, int t);

#endif
