/*
 * demand: each segment's demand path, month by month (docs/MODEL.md 3 and 7; README, "Random numbers, seeds and reproducibility").
 *
 *   mu_t       = ln(g) / 12 * 2^(-t / h)
 *   D_{t+1}    = D_t * exp(mu_t - sigma_m^2 / 2 + sigma_m Z_t + sum of ln(jump sizes in t))
 *   D_0        = start_h100e,  sigma_m = volatility / sqrt(12)
 *
 * Z_t comes from stream (seed, segment.shock_stream) with counter (path, t), negated on
 * the mirrored path of an antithetic pair; the jumps of month t (a Poisson count of
 * per_year / 12, then a fresh size for each) from stream (seed, segment.jump_stream)
 * with counter (path, t), never mirrored. The level is kept in linear form so that D_0
 * is exactly start_h100e and a zero start stays zero.
 *
 * Prices (docs/MODEL.md 10 and 11): each segment's revenue and value per served H100e-hour
 * on the path (value defaults to the revenue price), both multiplied in month t by
 * (1 - d)^(t/12) when the segment names price_decline_per_year d. demand_month_prices()
 * sets them for a month; without a decline they are the path's numbers, untouched.
 */
#ifndef CAPSIM_DEMAND_H
#define CAPSIM_DEMAND_H

#include <gsl/gsl_rng.h>
#include "model.h"

typedef struct demand demand;

/* Scratch for one thread; NULL on allocation failure. Free accepts NULL. */
demand *demand_alloc(const scenario *sc);
void demand_free(demand *d);

/* Resolve the path's parameters and set every level to D_0. */
void demand_begin_path(demand *d, const scenario *sc, const double *values);

/* Current levels D_t (nsegments, H100e), valid until the next demand_step(). */
const double *demand_levels(const demand *d);

/* Set month t's revenue and value per served H100e-hour of every segment (USD). */
void demand_month_prices(demand *d, int t);
/* The month's prices (nsegments each), valid until the next demand_month_prices(). */
const double *demand_prices(const demand *d);
const double *demand_values(const demand *d);

/* Move every segment from D_t to D_{t+1} with the draws of month t. */
void demand_step(demand *d, const scenario *sc, int t, path_draws draws, gsl_rng *rng);

#endif
