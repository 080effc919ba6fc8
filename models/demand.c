/*
 * demand: geometric Brownian demand with decaying drift and Poisson jumps (see demand.h).
 *
 * Each segment draws from its own named streams keyed by (path, month), so adding a
 * segment or a contract to a scenario does not move a single draw of the others, and
 * skipping draws that cannot matter (zero volatility, no jumps) changes nothing.
 */
#include "demand.h"
#include "sim/random/dist.h"
#include "sim/random/rng.h"
#include "sim/scenario/bounds.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>

typedef struct {
    double log_growth;   /* ln(g) / 12: monthly drift before decay */
    double halflife;     /* months; +INFINITY for none */
    double sigma_m;      /* volatility / sqrt(12) */
    double half_var;     /* 0.5 * sigma_m * sigma_m, as the step computed it */
    double jump_rate;    /* expected jumps per month */
    double price;        /* USD per served H100e-hour */
    double value;        /* worth of a served H100e-hour, USD */
    double keep;         /* 1 - price decline per year; used when declines */
    int declines;        /* the segment names price_decline_per_year */
    const double *decay; /* months: 2^(-t / halflife) (see drift), or NULL */
    int months;          /* of decay */
} segment_path;

struct demand {
    size_t n;
    int months;
    segment_path *sp;
    double *level;       /* D_t */
    double *decay;       /* n x months: the decay factors of each segment's half-life */
    int *decay_fixed;    /* n: the half-life is a constant: its factors made once */
    double *price_t;     /* n: this month's revenue per served H100e-hour */
    double *value_t;     /* n: this month's value per served H100e-hour */
};

void demand_free(demand *d)
{
    if (!d) return;
    free(d->sp);
    free(d->level);
    free(d->decay);
    free(d->decay_fixed);
    free(d->price_t);
    free(d->value_t);
    free(d);
}

/* 2^(-t / h) for t < months, the factor drift() applies (exp2 of the same argument,
 * so the same bits); used when h > 0 and finite. */
static void fill_decay(double *f, int months, double h)
{
    for (int t = 0; t < months; t++) f[t] = exp2(-(double)t / h);
}

static int decays(double h) { return h > 0.0 && !isinf(h); }

demand *demand_alloc(const scenario *sc)
{
    demand *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->n = sc->nsegments;
    d->months = sc->months > 0 ? sc->months : 0;
    size_t n = d->n ? d->n : 1, nm = d->months ? (size_t)d->months : 1;
    d->sp = calloc(n, sizeof *d->sp);
    d->level = calloc(n, sizeof *d->level);
    d->decay = calloc(n * nm, sizeof *d->decay);
    d->decay_fixed = calloc(n, sizeof *d->decay_fixed);
    d->price_t = calloc(n, sizeof *d->price_t);
    d->value_t = calloc(n, sizeof *d->value_t);
    if (!d->sp || !d->level || !d->decay || !d->decay_fixed || !d->price_t || !d->value_t) {
        demand_free(d);
        return NULL;
    }
    for (size_t s = 0; s < d->n; s++) {
        const param *h = &sc->segments[s].growth_halflife_months;
        if (h->idx < 0 && decays(h->value)) {
            fill_decay(d->decay + s * nm, d->months, h->value);
            d->decay_fixed[s] = 1;
        }
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
        p->half_var = 0.5 * p->sigma_m * p->sigma_m;
        p->decay = NULL;
        p->months = d->months;
        if (decays(p->halflife)) {
            double *f = d->decay + s * (d->months ? (size_t)d->months : 1);
            if (!d->decay_fixed[s]) fill_decay(f, d->months, p->halflife);
            p->decay = f;
        }
        double per_year = ss->has_jumps ? PARAM(ss->jumps_per_year, values) : 0.0;
        if (per_year > BOUNDS_JUMPS_PER_YEAR) per_year = BOUNDS_JUMPS_PER_YEAR;   /* bounds.h */
        p->jump_rate = per_year / 12.0;
        p->price = PARAM(ss->usd_per_h100e_hour, values);
        p->value = ss->has_value ? PARAM(ss->value_usd_per_h100e_hour, values) : p->price;
        p->declines = ss->has_price_decline;
        p->keep = 1.0 - PARAM(ss->price_decline_per_year, values);
        d->price_t[s] = p->price;
        d->value_t[s] = p->value;
        d->level[s] = PARAM(ss->start_h100e, values);
    }
}

const double *demand_levels(const demand *d) { return d->level; }
const double *demand_prices(const demand *d) { return d->price_t; }
const double *demand_values(const demand *d) { return d->value_t; }

void demand_month_prices(demand *d, int t)
{
    for (size_t s = 0; s < d->n; s++) {
        const segment_path *p = &d->sp[s];
        if (!p->declines) continue;   /* set by demand_begin_path, never moved */
        double f = pow(p->keep, (double)t / 12.0);
        d->price_t[s] = p->price * f;
        d->value_t[s] = p->value * f;
    }
}

/* mu_t = ln(g)/12 * 2^(-t/h); a non-positive half-life is the limit h -> 0+. */
static double drift(const segment_path *p, int t)
{
    if (t == 0 || isinf(p->halflife)) return p->log_growth;
    if (!(p->halflife > 0.0)) return 0.0;
    double f = p->decay && t < p->months ? p->decay[t] : exp2(-(double)t / p->halflife);
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
        double x = drift(p, t) - p->half_var;
        if (p->sigma_m != 0.0) {
            rng_set_stream(rng, draws.seed, ss->shock_stream, draws.path, (uint64_t)t);
            double z = gsl_ran_gaussian_ziggurat(rng, 1.0);
            x += p->sigma_m * (draws.mirror ? -z : z);
        }
        x += jumps(ss, p, t, draws, rng);
        d->level[s] *= exp(x);
    }
}
