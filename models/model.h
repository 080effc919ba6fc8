/*
 * models/ (layer 3, docs/ARCHITECTURE.md): one path of the capsim model, month by month.
 * It may include sim/scenario, sim/random and sim/base; never sim/stats (its peer),
 * output/, sim/engine or sim/cli.
 *   model      the row layout, the output tables, the per-path loop (this header)
 *   supply     the capacity that exists in one month of one path (tranches, power, spot)
 *   demand     each segment's demand path, month by month
 *   allocate   the greedy monthly allocation of capacity to demand (allocate.c: by
 *              priority; allocate_value.c: by margin; allocate_int.h: their workspace)
 *   contracts  what the lab pays and owes under its contracts
 *   fastmath.h inline fmax/fmin with glibc's bits, for the month loop
 *
 * model: one Monte Carlo path of the capsim model (docs/MODEL.md).
 *
 * A path is a pure function of (scenario, the path's sampled uncertain values, the
 * monthly random streams). Its outputs are one flat row of doubles: every monthly
 * series of docs/MODEL.md 6 followed by every per-path total, at the offsets given by a
 * model_layout. The engine, the statistics and the HDF5 writer all walk the same tables
 * (model_series, model_totals) so a new output is added in one place.
 *
 * model_run_path() allocates nothing: all scratch lives in a model_ws made once per
 * thread with model_ws_alloc().
 */
#ifndef CAPSIM_MODEL_H
#define CAPSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "sim/random/qtable.h"
#include "sim/scenario/scenario.h"

typedef enum { DIM_NONE, DIM_SEGMENT, DIM_CLOUD, DIM_CONTRACT, DIM_OPTION, N_DIMS } dim_kind;

typedef enum {
    S_DEMAND, S_SERVED, S_UNMET,                 /* time x segment, H100e */
    S_CAPACITY, S_USED, S_UTILISATION,           /* time x cloud: H100e, H100e, 1 */
    S_POWER_NEEDED, S_POWER_AVAILABLE,           /* time x cloud, MW */
    S_SPEND, S_STRANDED,                         /* time x contract, USD per month */
    S_SPOT_SPEND,                                /* time x cloud, USD per month */
    S_REVENUE, S_TURNED_DOWN_REVENUE,            /* time, USD per month */
    S_REVENUE_SHARE,                             /* time x contract, USD per month */
    S_VALUE_LOST,                                /* time x segment, USD per month (11.1) */
    S_DEFAULTED,                                 /* time x contract, 0/1 (docs/MODEL.md 5, "Counterparty default") */
    S_EXERCISED,                                 /* time x option, 0/1 cumulative (12.1) */
    S_CASH,                                      /* time, USD at the end of the month (12.3) */
    N_SERIES
} series_id;

typedef enum {
    T_PV_SPEND,                 /* USD */
    T_PV_SPEND_BY_CLOUD,        /* cloud, USD */
    T_PV_STRANDED,
    T_PV_REVENUE,
    T_PV_TURNED_DOWN_REVENUE,
    T_PV_REVENUE_SHARE,
    T_UNMET_H100E_HOURS,        /* H100e-hours */
    T_MONTHS_SHORT,             /* months */
    T_OUTSTANDING_COMMITMENT,   /* USD, undiscounted */
    T_PV_VALUE,                 /* USD: served demand at its value (docs/MODEL.md 10) */
    T_PV_VALUE_LOST,            /* USD: unmet demand at its value */
    T_PV_NET_VALUE,             /* USD: pv_value - pv_spend - pv_revenue_share */
    T_OPTION_MONTH,             /* option: exercise month index, or -1 (docs/MODEL.md 13) */
    T_PV_OPTION_FEES,           /* USD: option fees (also inside pv_spend) */
    T_PV_CAPEX,                 /* USD: capex of owned chips, inside pv_spend (12.2) */
    T_RESIDUAL_VALUE,           /* USD, undiscounted: book value of owned chips at the end */
    T_MIN_CASH,                 /* USD: lowest month-end cash (docs/MODEL.md 5, "Cash") */
    T_PEAK_FUNDING_NEED,        /* USD: max(0, -min_cash) */
    T_MONTHS_CASH_NEGATIVE,     /* months with cash < 0 */
    N_TOTALS
} total_id;

typedef struct {
    const char *name;       /* as in docs/OUTPUT.md: "unmet", "pv_spend" */
    const char *units;      /* "H100e", "USD per month", "1" */
    const char *long_name;
    dim_kind dim;
    int has_ppos;           /* probability of being above zero is meaningful */
    int lower_is_better;    /* for compare: +1 lower better, -1 higher better, 0 neither */
    int later;              /* 1: added with owned capacity and cash (docs/MODEL.md 5, "Owned capacity" and "Cash") */
} output_info;

extern const output_info model_series[N_SERIES];
extern const output_info model_totals[N_TOTALS];

/* Where each output lives in a path's row. Series s, month t, dimension element j is
 * row[series_off[s] + t * dimlen(s) + j]; total k, element j is row[total_off[k] + j]. */
typedef struct {
    int months;
    size_t dimlen[N_DIMS];        /* indexed by dim_kind: 1, nsegments, nclouds, ncontracts,
                                   * noptions */
    size_t series_off[N_SERIES];
    size_t series_len[N_SERIES];  /* months * dimlen */
    size_t total_off[N_TOTALS];
    size_t total_len[N_TOTALS];   /* dimlen */
    size_t nseries;               /* values of all series */
    size_t ntotals;               /* values of all totals */
    size_t row_len;               /* nseries + ntotals */
} model_layout;

void model_layout_init(model_layout *L, const scenario *sc);

/* The sketch coin key of each of L's row_len values (stats_set_coins): its index in the
 * row as it was before the `later` outputs, which come after every other output in
 * that order (series, then totals, then later series, then later totals). A new output
 * thus moves no earlier output's sketch. */
void model_layout_coins(const model_layout *L, uint64_t *coin);

/* The calendar years that `months` months from start_month (1..12) touch, the first and
 * the last possibly partial; 0 when months <= 0. The yearly aggregates of a path (unmet
 * demand, spend) have one value per such year. */
int model_calendar_years(int start_month, int months);

/* Where the path's monthly random draws come from. `path` is the counter used for the
 * draws (for an antithetic pair both paths use the even index); with mirror set every
 * standard normal drawn is negated. */
typedef struct {
    uint64_t seed;
    uint64_t path;
    int mirror;
} path_draws;

typedef struct model_ws model_ws;

/* Scratch for one thread; NULL on allocation failure. Free accepts NULL. */
model_ws *model_ws_alloc(const scenario *sc, qtable_set *tables);
void model_ws_free(model_ws *ws);

/* Simulate one path: values = the path's sampled uncertain values (sc->nuncertain),
 * row = output row of layout L (row_len doubles, fully overwritten). */
void model_run_path(const scenario *sc, const model_layout *L, const double *values,
                    path_draws draws, model_ws *ws, double *row);

#endif
