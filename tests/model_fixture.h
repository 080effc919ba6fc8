/*
 * model_fixture: helpers shared by the test_model*.c binaries (header only).
 *
 * Scenarios are built by hand with the scenario_add_* helpers; a run_ctx holds the
 * layout, a workspace and one output row, so that a test reads any series or total by
 * name after model_run_path().
 */
#ifndef CAPSIM_MODEL_FIXTURE_H
#define CAPSIM_MODEL_FIXTURE_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "models/model.h"
#include "sim/scenario/scenario.h"

#define H HOURS_PER_MONTH

/* |a - b| <= tol * max(1, |b|): relative for large numbers, absolute near zero. */
#define assert_close(a, b, tol)                                                       \
    do {                                                                              \
        double a_ = (a), b_ = (b);                                                    \
        if (!(fabs(a_ - b_) <= (tol) * fmax(1.0, fabs(b_))))                          \
            fail_msg("%s = %.17g, expected %s = %.17g", #a, a_, #b, b_);              \
    } while (0)

/* Exact floating-point equality, with both values in the message. */
#define assert_exact(a, b)                                                            \
    do {                                                                              \
        double a_ = (a), b_ = (b);                                                    \
        if (!(a_ == b_)) fail_msg("%s = %.17g, expected exactly %.17g", #a, a_, b_); \
    } while (0)

typedef struct {
    model_layout L;
    model_ws *ws;
    double *row;
} run_ctx;

static inline scenario *fx_scenario(int months, double discount_rate)
{
    scenario *sc = scenario_alloc();
    assert_non_null(sc);
    sc->months = months;
    sc->discount_rate = discount_rate;
    return sc;
}

static inline void fx_eligible(scenario *sc, int seg, int chip, double efficiency)
{
    sc->segments[seg].eligible[chip] = 1;
    sc->segments[seg].efficiency[chip] = param_const(efficiency);
}

static inline void fx_spot_eligible(scenario *sc, int seg, double efficiency)
{
    sc->segments[seg].spot_eligible = 1;
    sc->segments[seg].spot_efficiency = param_const(efficiency);
}

static inline void fx_price(scenario *sc, int contract, int chip, double usd)
{
    sc->contracts[contract].has_price[chip] = 1;
    sc->contracts[contract].price[chip] = param_const(usd);
}

static inline void fx_power(scenario *sc, int cloud, double start, double add, double delay,
                            double max)
{
    cloud_spec *c = &sc->clouds[cloud];
    c->has_power = 1;
    c->power_start = param_const(start);
    c->power_add_per_month = param_const(add);
    c->power_delay_months = param_const(delay);
    c->power_max = param_const(max);
}

/* Spot with a constant availability fraction. */
static inline void fx_spot(scenario *sc, int cloud, double max_h100e, double availability,
                           double usd)
{
    cloud_spec *c = &sc->clouds[cloud];
    c->has_spot = 1;
    c->spot_max_h100e = param_const(max_h100e);
    c->spot_availability.family = DIST_CONSTANT;
    c->spot_availability.p[0] = availability;
    c->spot_usd_per_h100e_hour = param_const(usd);
}

static inline void fx_min_spend(scenario *sc, int contract, double usd, period_kind period)
{
    contract_spec *c = &sc->contracts[contract];
    c->has_min_spend = 1;
    c->min_spend_usd = param_const(usd);
    c->min_spend_period = period;
}

static inline void ctx_init(run_ctx *x, const scenario *sc)
{
    model_layout_init(&x->L, sc);
    x->ws = model_ws_alloc(sc, NULL);
    assert_non_null(x->ws);
    x->row = calloc(x->L.row_len ? x->L.row_len : 1, sizeof *x->row);
    assert_non_null(x->row);
}

static inline void ctx_free(run_ctx *x)
{
    model_ws_free(x->ws);
    free(x->row);
}

static inline void ctx_run(run_ctx *x, const scenario *sc, const double *values,
                           uint64_t seed, uint64_t path, int mirror)
{
    path_draws d = { seed, path, mirror };
    model_run_path(sc, &x->L, values, d, x->ws, x->row);
}

/* Series s in month t, element j of its dimension. */
static inline double ser(const run_ctx *x, series_id s, int t, size_t j)
{
    return x->row[x->L.series_off[s] + (size_t)t * x->L.dimlen[model_series[s].dim] + j];
}

static inline double tot(const run_ctx *x, total_id k, size_t j)
{
    return x->row[x->L.total_off[k] + j];
}

/* Build, run once with constants only (no uncertain values), keep the row in x. */
static inline void run_const(run_ctx *x, const scenario *sc)
{
    ctx_init(x, sc);
    ctx_run(x, sc, NULL, 1, 0, 0);
}

#endif
