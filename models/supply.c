/*
 * supply: chips, cohorts, power and spot for one month of one path (see supply.h).
 *
 * Invariants: pools[] keeps file order (tranches in contract then tranche order, then
 * spot pools in cloud order) for the whole life of the object; a tranche's chips count
 * only inside its contract's term [from, to]; unpowered chips are neither capacity nor
 * billed (the contracts module bills pools[].chips, which is after power scaling).
 */
#include "supply.h"
#include "dist.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>

/* A tranche's parameters on this path. */
typedef struct {
    int start;        /* online + round(max(0, delay)) */
    int ramp;         /* max(1, round(ramp_months)) */
    double chips;     /* fulfilled * count, delivered in `ramp` equal cohorts */
} tranche_path;

typedef struct {
    double h100e, kw, life, mat_from, mat_months;
    int mat_start;
} chip_path;

typedef struct {
    double start, add, delay, max;  /* power, MW */
    double spot_max, spot_price;
} cloud_path;

struct supply {
    size_t npools, ntranches;
    supply_pool *pools;      /* npools: tranches first, then spot */
    tranche_path *tp;        /* ntranches, flattened like pools[] */
    double *online;          /* ntranches: counted chips this month, before power */
    chip_path *chip;         /* nchips */
    double *eff;             /* nchips: effective H100e per chip this month */
    cloud_path *cloud;       /* nclouds */
    double *powered;         /* nclouds: powered fraction this month */
};

void supply_free(supply *s)
{
    if (!s) return;
    free(s->pools);
    free(s->tp);
    free(s->online);
    free(s->chip);
    free(s->eff);
    free(s->cloud);
    free(s->powered);
    free(s);
}

/* calloc that never asks for 0 bytes, so that NULL always means failure. */
static void *zalloc(size_t n, size_t sz)
{
    return calloc(n ? n : 1, sz);
}

/* Lay out the pool table once: its order never changes. */
static void init_pools(supply *s, const scenario *sc)
{
    size_t p = 0;
    for (size_t c = 0; c < sc->ncontracts; c++) {
        const contract_spec *cs = &sc->contracts[c];
        for (size_t k = 0; k < cs->ntranches; k++, p++) {
            supply_pool *q = &s->pools[p];
            q->kind = POOL_TRANCHE;
            q->contract = (int)c;
            q->tranche = (int)k;
            q->chip = cs->tranches[k].chip;
            q->cloud = cs->cloud;
        }
    }
    for (size_t cl = 0; cl < sc->nclouds; cl++) {
        if (!sc->clouds[cl].has_spot) continue;
        supply_pool *q = &s->pools[p++];
        q->kind = POOL_SPOT;
        q->contract = q->tranche = q->chip = -1;
        q->cloud = (int)cl;
        q->h100e = 1.0;
    }
}

supply *supply_alloc(const scenario *sc)
{
    supply *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    for (size_t c = 0; c < sc->ncontracts; c++) s->ntranches += sc->contracts[c].ntranches;
    s->npools = s->ntranches;
    for (size_t cl = 0; cl < sc->nclouds; cl++) s->npools += sc->clouds[cl].has_spot ? 1 : 0;
    s->pools = zalloc(s->npools, sizeof *s->pools);
    s->tp = zalloc(s->ntranches, sizeof *s->tp);
    s->online = zalloc(s->ntranches, sizeof *s->online);
    s->chip = zalloc(sc->nchips, sizeof *s->chip);
    s->eff = zalloc(sc->nchips, sizeof *s->eff);
    s->cloud = zalloc(sc->nclouds, sizeof *s->cloud);
    s->powered = zalloc(sc->nclouds, sizeof *s->powered);
    if (!s->pools || !s->tp || !s->online || !s->chip || !s->eff || !s->cloud || !s->powered) {
        supply_free(s);
        return NULL;
    }
    init_pools(s, sc);
    return s;
}

size_t supply_npools(const supply *s) { return s->npools; }
const supply_pool *supply_pools(const supply *s) { return s->pools; }

void supply_begin_path(supply *s, const scenario *sc, const double *values)
{
    for (size_t k = 0; k < sc->nchips; k++) {
        const chip_spec *c = &sc->chips[k];
        chip_path *q = &s->chip[k];
        q->h100e = PARAM(c->h100e, values);
        q->kw = PARAM(c->kw, values);
        q->life = PARAM(c->life_months, values);
        q->mat_from = c->has_maturity ? PARAM(c->maturity_from, values) : 1.0;
        q->mat_months = c->has_maturity ? PARAM(c->maturity_months, values) : 0.0;
        q->mat_start = c->maturity_start;
    }
    size_t p = 0;
    for (size_t c = 0; c < sc->ncontracts; c++) {
        const contract_spec *cs = &sc->contracts[c];
        for (size_t k = 0; k < cs->ntranches; k++, p++) {
            const tranche_spec *tr = &cs->tranches[k];
            double delay = fmax(0.0, PARAM(tr->delay_months, values));
            double ramp = round(PARAM(tr->ramp_months, values));
            s->tp[p].start = tr->online + (int)round(delay);
            s->tp[p].ramp = ramp < 1.0 ? 1 : (int)ramp;
            s->tp[p].chips = PARAM(tr->fulfilled, values) * PARAM(tr->count, values);
        }
    }
    for (size_t cl = 0; cl < sc->nclouds; cl++) {
        const cloud_spec *c = &sc->clouds[cl];
        cloud_path *q = &s->cloud[cl];
        q->start = PARAM(c->power_start, values);
        q->add = PARAM(c->power_add_per_month, values);
        q->delay = PARAM(c->power_delay_months, values);
        q->max = PARAM(c->power_max, values);
        q->spot_max = c->has_spot ? PARAM(c->spot_max_h100e, values) : 0.0;
        q->spot_price = c->has_spot ? PARAM(c->spot_usd_per_h100e_hour, values) : 0.0;
    }
    for (size_t i = s->ntranches; i < s->npools; i++)
        s->pools[i].spot_price = s->cloud[s->pools[i].cloud].spot_price;
}

double supply_chips_online(int t, int start, int ramp, double chips, double life)
{
    /* Cohort k (0..ramp-1) is online for start+k <= t < start+k+life, that is
     * t-start-life < k <= t-start. Count the k in [0, ramp-1] that qualify. */
    int since = t - start;
    if (since < 0 || !(life > 0.0)) return 0.0;
    int kmax = since < ramp - 1 ? since : ramp - 1;
    double first = floor((double)since - life) + 1.0;   /* smallest k > since - life */
    int kmin = first <= 0.0 ? 0 : (first > (double)kmax ? kmax + 1 : (int)first);
    int n = kmax - kmin + 1;
    return n > 0 ? chips * ((double)n / (double)ramp) : 0.0;
}

double supply_maturity(double h100e, double from, double months, int start, int t)
{
    if (!(months > 0.0)) return h100e;
    double x = (double)(t - start) / months;
    x = x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
    return h100e * (from + (1.0 - from) * x);
}

/* Power available to cloud cl in month t (MW): the delay is not rounded. */
static double power_available(const cloud_path *c, int t)
{
    double built = c->start + c->add * fmax(0.0, (double)t - c->delay);
    return fmax(0.0, fmin(c->max, built));
}

/* Counted chips per tranche (term and cohorts) and the MW they need per cloud. */
static void count_chips(supply *s, const scenario *sc, int t, double *power_needed)
{
    for (size_t cl = 0; cl < sc->nclouds; cl++) power_needed[cl] = 0.0;
    for (size_t p = 0; p < s->ntranches; p++) {
        const supply_pool *q = &s->pools[p];
        const contract_spec *cs = &sc->contracts[q->contract];
        const tranche_path *tp = &s->tp[p];
        const chip_path *ch = &s->chip[q->chip];
        double n = 0.0;
        if (t >= cs->from && t <= cs->to)
            n = supply_chips_online(t, tp->start, tp->ramp, tp->chips, ch->life);
        s->online[p] = n;
        power_needed[q->cloud] += n * ch->kw / 1000.0;
    }
}

void supply_month(supply *s, const scenario *sc, int t, path_draws draws, gsl_rng *rng,
                  double *power_needed, double *power_available_out)
{
    for (size_t k = 0; k < sc->nchips; k++) {
        const chip_path *c = &s->chip[k];
        s->eff[k] = supply_maturity(c->h100e, c->mat_from, c->mat_months, c->mat_start, t);
    }
    count_chips(s, sc, t, power_needed);
    for (size_t cl = 0; cl < sc->nclouds; cl++) {
        if (!sc->clouds[cl].has_power) {
            /* No power block: never binding; report available = needed so that the
             * series stays finite and a plot shows no headroom problem. */
            power_available_out[cl] = power_needed[cl];
            s->powered[cl] = 1.0;
            continue;
        }
        double avail = power_available(&s->cloud[cl], t);
        double need = power_needed[cl];
        power_available_out[cl] = avail;
        s->powered[cl] = need > 0.0 ? fmin(1.0, avail / need) : 1.0;
    }
    for (size_t p = 0; p < s->ntranches; p++) {
        supply_pool *q = &s->pools[p];
        q->chips = s->online[p] * s->powered[q->cloud];
        q->h100e = s->eff[q->chip];
        q->cap = q->chips * q->h100e;
    }
    for (size_t p = s->ntranches; p < s->npools; p++) {
        supply_pool *q = &s->pools[p];
        const cloud_spec *c = &sc->clouds[q->cloud];
        rng_set_stream(rng, draws.seed, c->spot_stream, draws.path, (uint64_t)t);
        double a = dist_draw(&c->spot_availability, rng);
        a = a > 0.0 ? (a < 1.0 ? a : 1.0) : 0.0;   /* also maps NaN to 0 */
        q->cap = a * s->cloud[q->cloud].spot_max;
    }
}
