/*
 * contracts: what the lab pays and owes under its contracts (docs/MODEL.md 5 and 7).
 *
 * - reserved billing: powered chips online * HOURS * price * escalation, each month of
 *   the term, used or not; the unused fraction of it is stranded;
 * - usage billing: chip-hours used (used H100e / effective H100e per chip * HOURS) *
 *   price * escalation;
 * - escalation = (1 + escalator)^((t - from) / 12);
 * - min_spend: floors per period (the term, or 12-month periods from `from` with a
 *   pro-rated short last one), true-up max(0, floor - own billing in the period) in the
 *   period's last month, stranded as well; periods that end after the horizon give the
 *   outstanding commitment instead; spend before t = 0 counts 0;
 * - revenue share: rate * revenue of the listed segments while from <= t < until, until
 *   the cumulative nominal amount reaches the cap (the cap month pays the remainder);
 * - min_spend basis delivered (docs/MODEL.md 5, "Commitments that follow delivery"): each period's floor times its delivery
 *   ratio min(1, B_del / B_sch), B_del = sum over the period's months of powered chips
 *   online * HOURS * price * escalation (reserved billing, whatever the billing kind),
 *   B_sch the same for the nominal schedule (supply_pool.sched_chips); B_sch = 0 keeps
 *   the floor. The outstanding commitment of the period in progress uses the ratio so
 *   far; a period not yet started keeps its whole floor;
 * - counterparty default (docs/MODEL.md 5, "Counterparty default"): the first month whose Bernoulli(1 -
 *   exp(-per_year / 12)) draw is an event; from then on the contract bills nothing (no
 *   billing, no true-up for the period in progress or later ones, no revenue share) and
 *   owes no outstanding commitment. Supply removes its chips (supply_set_default).
 *
 * - contract options (docs/MODEL.md 13): terminate ends the term at the exercise month
 *   (later floors void), extend moves its end (floors unchanged) - per path, see
 *   contracts_terminate / contracts_extend; the option fee is added by model.c.
 *
 * - billing owned (docs/MODEL.md 5, "Owned capacity"): the powered chips bill price * escalation per
 *   chip-hour like reserved (the operating cost: power, hosting, staff), used or not,
 *   and their idle share is stranded; the chips bought in a month (supply_pool.new_chips)
 *   bill capex_usd_per_chip, not escalated, into spend and into the month's capex, never
 *   stranded. Marginal cost 0, as for reserved. Residual value at the horizon: capex
 *   times the book value in chips (supply_book_chips), straight line over
 *   book_life_months, undiscounted.
 *
 * The state carried from month to month (spend and delivery in the current period,
 * revenue share paid so far, the default month) lives in the workspace and is reset by
 * contracts_begin_path().
 */
#ifndef CAPSIM_CONTRACTS_H
#define CAPSIM_CONTRACTS_H

#include <limits.h>
#include <stddef.h>
#include "supply.h"

typedef struct contracts_ws contracts_ws;

/* Scratch for one thread, for the pool table `pools` (npools, file order: supply's,
 * which never changes); NULL on allocation failure. Free accepts NULL. */
contracts_ws *contracts_alloc(const scenario *sc, const supply_pool *pools, size_t npools);
void contracts_free(contracts_ws *c);

/* Resolve the path's prices and terms; reset period spend and revenue share paid. */
void contracts_begin_path(contracts_ws *c, const scenario *sc, const double *values);

/* The default month of a contract that never defaults (within any horizon). */
#define CONTRACTS_NO_DEFAULT INT_MAX

/* Draw each contract's default month for this path (contracts with a `default` block
 * only: the others draw nothing and never default): month t's draw is the first uniform
 * of stream (seed, contracts.NAME.default), counter (draws.path, t), not mirrored on
 * antithetic paths. Call after contracts_begin_path() and before the first month. */
void contracts_draw_defaults(contracts_ws *c, const scenario *sc, const double *values,
                             path_draws draws, gsl_rng *rng);

/* Contract i's default month on this path: in [0, months), or CONTRACTS_NO_DEFAULT. */
int contracts_default_month(const contracts_ws *c, size_t i);

/* Contract options (docs/MODEL.md 13), for this path. contracts_terminate: the term ends
 * at month t (billing stops after it; the min_spend periods that end after t, the one
 * in progress included, are void; no outstanding commitment). contracts_extend: the
 * term's last month moves `months` later (billing continues; the min_spend periods stay
 * those of the written term). contracts_term_end: the term's last month on this path;
 * contracts_ended: terminated by an option. */
void contracts_terminate(contracts_ws *c, size_t i, int t);
void contracts_extend(contracts_ws *c, size_t i, int months);
int contracts_term_end(const contracts_ws *c, size_t i);
int contracts_ended(const contracts_ws *c, size_t i);

/* (1 + escalator)^((t - from) / 12). */
double contracts_escalation(double escalator, int from, int t);

/* Marginal cost of each pool per H100e-hour in month t (0 <= t < months): 0 reserved,
 * (also owned: capex and operating cost are paid whether used or not), price * escalation / effective H100e usage (+inf when the chip yields nothing), spot
 * price. */
void contracts_costs(const contracts_ws *c, const scenario *sc, int t,
                     const supply_pool *pools, size_t npools, double *cost);

/* Bill month t: spend and stranded per contract (USD; true-ups and capex included),
 * and capex per contract (the part of spend that bought owned chips), given the H100e
 * used of each pool. Call once per month, in month order. */
void contracts_bill(contracts_ws *c, const scenario *sc, int t,
                    const supply_pool *pools, size_t npools, const double *used,
                    double *spend, double *stranded, double *capex);

/* Book value of every owned chip at the end of a horizon of `months` months (USD,
 * undiscounted): capex per chip times supply_book_chips of each owned pool. */
double contracts_residual(const contracts_ws *c, const supply *sup, int months);

/* Revenue share paid per contract in month t, given each segment's revenue (USD). Call
 * once per month, in month order. */
void contracts_revenue_share(contracts_ws *c, const scenario *sc, int t,
                             const double *segment_revenue, double *paid);

/* Outstanding commitment at the end of a horizon of `months` months (undiscounted):
 * for every min_spend period that ends at or after month `months`, max(0, floor -
 * billing in the period so far), the floor times the delivery ratio so far for basis
 * delivered; 0 for a contract that defaulted within the horizon. Call after the last
 * month was billed. */
double contracts_outstanding(const contracts_ws *c, const scenario *sc, int months);

#endif
