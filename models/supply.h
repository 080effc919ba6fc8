/*
 * supply: the capacity that exists in one month of one path (docs/MODEL.md 2 and 7).
 *
 * Capacity comes in pools: every tranche of every contract (contract order, then
 * tranche order) and then one spot pool per cloud that offers spot (cloud order). That
 * order is the "file order" of the allocation rules, and the pool array keeps it.
 *
 * Per path, supply_begin_path() resolves the sampled parameters (tranche start, ramp,
 * delivered chips, chip factors, power and spot parameters). Per month, supply_month()
 * works out the chips counted (cohorts, retirement, contract term, counterparty
 * default), the power each cloud needs and has, the powered fraction, the effective
 * H100e per chip (maturity), draws spot availability and sets the month's spot price
 * (docs/MODEL.md 11); for contracts whose min_spend
 * follows delivery it also counts the chips of the nominal schedule, the yardstick of
 * the delivery ratio (contracts.h). Nothing is allocated after supply_alloc().
 */
#ifndef CAPSIM_SUPPLY_H
#define CAPSIM_SUPPLY_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "model.h"
#include "sim/random/qtable.h"

typedef enum { POOL_TRANCHE, POOL_SPOT } pool_kind;

typedef struct {
    pool_kind kind;
    int contract, tranche;  /* -1 for spot */
    int chip;               /* -1 for spot */
    int cloud;
    double chips;           /* tranche: powered chips online this month (billed if reserved) */
    double h100e;           /* tranche: effective H100e per chip this month; spot: 1 */
    double cap;             /* capacity available this month, H100e */
    double spot_price;      /* spot: USD per H100e-hour this month: the path's price
                             * times (1 - decline)^(t/12) when the cloud names a decline */
    double sched_chips;     /* tranche of a contract whose min_spend basis is delivered:
                             * chips of the nominal schedule this month (no delay,
                             * fulfilled 1, fully powered; term and retirement applied).
                             * 0 for every other pool. */
    double new_chips;       /* tranche of a billing: owned contract: chips bought this
                             * month, on which capex is paid: each cohort in the first
                             * month it counts (max(online, from); powered or not). 0
                             * for every other pool (docs/MODEL.md 5, "Owned capacity"). */
} supply_pool;

typedef struct supply supply;

/* Scratch and pool table for one thread; NULL on allocation failure. Free accepts NULL.
 * tables: where the spot availability's inverse-CDF tables come from (shared by the
 * threads of a run; it must outlive the supply), or NULL to build them here. */
supply *supply_alloc(const scenario *sc, qtable_set *tables);
void supply_free(supply *s);

size_t supply_npools(const supply *s);
/* The pools in file order; their month fields are those of the last supply_month(). */
const supply_pool *supply_pools(const supply *s);

/* Resolve the path's parameters (values = the path's sampled uncertain values). */
void supply_begin_path(supply *s, const scenario *sc, const double *values);

/* Counterparty default (docs/MODEL.md 5, "Counterparty default"): from month `month` on, no chip of contract
 * `contract` counts (its pools have chips 0 and capacity 0, and need no power). Call
 * after supply_begin_path(), which forgets it; month >= the horizon changes nothing. */
void supply_set_default(supply *s, size_t contract, int month);

/* Contract options (docs/MODEL.md 13). supply_expand: the expand option's tranche, pool
 * `pool` (no chip until then), starts at `online` (+ its own rounded delay); its nominal
 * schedule (basis delivered) starts at `online`. supply_set_term: contract `contract`'s
 * chips count up to month `to` (terminate or extend), and never from `default_month` on.
 * Call after supply_begin_path(), which forgets both, before the months they change. */
void supply_expand(supply *s, size_t pool, int online);
void supply_set_term(supply *s, size_t contract, int to, int default_month);

/* Fill the pools for month t. power_needed and power_available (nclouds each, MW) get
 * the month's power figures; a cloud without a power block reports available = needed
 * (power never binds there). rng is re-keyed for the spot draws. */
void supply_month(supply *s, const scenario *sc, int t, path_draws draws, gsl_rng *rng,
                  double *power_needed, double *power_available);

/* Chips of cohorts online in month t for a tranche that starts at `start`, delivers
 * `chips` over `ramp` months (cohorts of chips/ramp) and retires each cohort `life`
 * months after it came online. Contract term not applied. Exposed for tests. */
double supply_chips_online(int t, int start, int ramp, double chips, double life);

/* Book value at the end of a horizon of `months` months of tranche pool p's owned
 * chips, in chips at cost (times capex per chip: USD). The sum over the cohorts that
 * still count in month months-1 (not retired, term not ended, no default) and were
 * bought in the horizon (b >= 0, b = max(online month, from): when they first count)
 * of chips/ramp * max(0, 1 - (months - b) / book_life). Cohorts bought before t = 0
 * are left out: their capex is not in the horizon either. Valid after
 * supply_begin_path() and supply_set_default(). */
double supply_book_chips(const supply *s, size_t p, int months, double book_life);

/* Effective H100e per chip in month t: h100e * (from + (1 - from) * clip((t - start) /
 * months, 0, 1)); months <= 0 means already mature (full h100e). Exposed for tests. */
double supply_maturity(double h100e, double from, double months, int start, int t);

#endif
