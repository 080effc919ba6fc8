/*
 * demand: geometric Brownian demand with decaying drift and Poisson jumps (see demand.h).
 *
 * Each segment draws from its own named streams keyed by (path, month), so adding a
 * segment or a contract to a scenario does not move a single draw of the others, and
 * skipping draws that cannot matter (zero volatility, no jumps) changes nothing.
 */
#include "demand.h"
#include "dist.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>

typedef struct {
    double log_growth;   /* ln(g) / 12: monthly drift before decay */
    double halflife;     /* months; +INFINITY for none */
    double sigma_m;      /* volatility / sqrt(12) */
    double jump_rate;    /* expected jumps per month */
    double price;        /* USD per served H100e-hour */
} segment_path;

struct demand {
    size_t n;
    segment_path *sp;
    double *level;       /* D_t */
};

void demand_free(demand *d)
{
    if (!d) return;
    free(d->sp);
    free(d->level);
    free(d);
}

demand *demand_alloc(const scenario *sc)
{
    demand *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->n = sc->nsegments;
    d->sp = calloc(d->n ? d->n : 1, sizeof *d->sp);
    d->level = calloc(d->n ? d->n : 1, sizeof *d->level);
    if (!d->sp || !d->level) {
        demand_free(d);
        return NULL;
    }
    return d;
}

void demand_begin_path(demand *d, const scenario *sc, const double *values)
{
    for (size_t s = 0; s < d->n; s++) {
        const segment_spec *ss = &sc->segments[s];
        segment_path *p = &d->sp[s];
        double g = PARAM(ss->growth, values);
        /* g <= 0 is refused by validation; here it would mean demand collapses. */
        p->log_growth = (g > 0.0 ? log(g) : -INFINITY) / 12.0;
        p->halflife = PARAM(ss->growth_halflife_months, values);
        p->sigma_m = PARAM(ss->volatility, values) / sqrt(12.0);
        p->jump_rate = ss->has_jumps ? PARAM(ss->jumps_per_year, values) / 12.0 : 0.0;
        p->price = PARAM(ss->usd_per_h100e_hour, values);
        d->level[s] = PARAM(ss->start_h100e, values);
    }
}

const double *demand_levels(const demand *d) { return d->level; }
double demand_price(const demand *d, size_t s) { return d->sp[s].price; }

/* mu_t = ln(g)/12 * 2^(-t/h); a non-positive half-life is the limit h -> 0+. */
static double drift(const segment_path *p, int t)
{
    if (t == 0 || isinf(p->halflife)) return p->log_growth;
    if (!(p->halflife > 0.0)) return 0.0;
    double f = exp2(-(double)t / p->halflife);
    return f > 0.0 ? p->log_growth * f : 0.0;   /* no -inf * 0 = NaN on collapse */
}

/* Sum of ln(size) over the jumps of month t. Sizes <= 0 would make no sense as demand
 * multipliers; they are taken as 0 (demand wiped out) rather than giving NaN. */
static double jumps(const segment_spec *ss, const segment_path *p, int t, path_draws draws,
                    gsl_rng *rng)
{
    if (!(p->jump_rate > 0.0)) return 0.0;
    rng_set_stream(rng, draws.seed, ss->jump_stream, draws.path, (uint64_t)t);
    unsigned n = gsl_ran_poisson(rng, p->jump_rate);
    double sum = 0.0;
    for (unsigned i = 0; i < n; i++) {
        double size = dist_draw(&ss->jump_size, rng);
        sum += log(size > 0.0 ? size : 0.0);
    }
    return sum;
}

void demand_step(demand *d, const scenario *sc, int t, path_draws draws, gsl_rng *rng)
{
    for (size_t s = 0; s < d->n; s++) {
        const segment_spec *ss = &sc->segments[s];
        const segment_path *p = &d->sp[s];
        double x = drift(p, t) - 0.5 * p->sigma_m * p->sigma_m;
        if (p->sigma_m != 0.0) {
            rng_set_stream(rng, draws.seed, ss->shock_stream, draws.path, (uint64_t)t);
            double z = gsl_ran_gaussian_ziggurat(rng, 1.0);
            x += p->sigma_m * (draws.mirror ? -z : z);
        }
        x += jumps(ss, p, t, draws, rng);
        d->level[s] *= exp(x);
    }
}
