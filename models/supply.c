/*
 * supply: chips, cohorts, power and spot for one month of one path (see supply.h).
 *
 * Invariants: pools[] keeps file order (tranches in contract then tranche order, then
 * spot pools in cloud order) for the whole life of the object; a tranche's chips count
 * only inside its contract's term [from, to]; unpowered chips are neither capacity nor
 * billed (the contracts module bills pools[].chips, which is after power scaling).
 */
#include "supply.h"
#include "sim/random/dist.h"
#include "fastmath.h"
#include "sim/random/rng.h"
#include "sim/scenario/bounds.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* A tranche's parameters on this path. */
typedef struct {
    int start;        /* online + round(max(0, delay)) */
    int ramp;         /* max(1, round(ramp_months)) */
    double chips;     /* fulfilled * count, delivered in `ramp` equal cohorts */
    /* Derived once per path (see count_chips): */
    int t_lo, t_hi;   /* chips can count only in months t_lo..t_hi (term and start) */
    int skip_zero;    /* outside them, n = 0 adds nothing to the power needed */
    double life, kw;  /* of its chip */
    long life_i;      /* life when it is a whole number of months below 2^30, else -1 */
    int last_k;       /* cohorts online at the last count (-1: none yet this path) */
    double last_n, last_mw;   /* its chips and the MW they need */
    /* The nominal schedule (only when `sched`: min_spend basis delivered): start at
     * `online` with no delay, count * 1 chips, the same ramp and life, in the term. */
    int sched, sched_start, sched_lo, sched_hi;
    double sched_count;
    int delay;        /* round(max(0, delay)): an option tranche starts exercise + lead + it */
    int from;         /* the contract's `from` */
    int owned;        /* billing: owned: supply_month sets new_chips */
} tranche_path;

typedef struct {
    double h100e, kw, life, mat_from, mat_months;
    int mat_start;
} chip_path;

typedef struct {
    double start, add, delay, max;  /* power, MW */
    double spot_max, spot_price;    /* spot_price: the path's, before any decline */
    double spot_keep;               /* 1 - decline per year, when spot_declines */
    int spot_declines;              /* spot.decline_per_year given (docs/MODEL.md 11) */
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
    size_t nclouds;
    int *cloud_tr;           /* ntranches: tranche indices grouped by cloud, in order */
    size_t *cloud_at;        /* nclouds + 1: cloud cl's are cloud_tr[cloud_at[cl]..] */
    const qtable **spot_qt;  /* nclouds: the spot availability's table (NULL: closed form) */
    qtable_set *own_tables;  /* the set spot_qt points into when supply_alloc built it */
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
    free(s->cloud_tr);
    free(s->cloud_at);
    free(s->spot_qt);
    qtable_set_free(s->own_tables);
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

supply *supply_alloc(const scenario *sc, qtable_set *tables)
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
    s->nclouds = sc->nclouds;
    s->cloud_tr = zalloc(s->ntranches, sizeof *s->cloud_tr);
    s->cloud_at = zalloc(sc->nclouds + 1, sizeof *s->cloud_at);
    s->spot_qt = zalloc(sc->nclouds, sizeof *s->spot_qt);
    if (!tables) tables = s->own_tables = qtable_set_alloc();
    int qerr = !tables;
    for (size_t cl = 0; !qerr && s->spot_qt && cl < sc->nclouds; cl++)
        if (sc->clouds[cl].has_spot)
            s->spot_qt[cl] = qtable_set_get(tables, &sc->clouds[cl].spot_availability, &qerr);
    if (!s->pools || !s->tp || !s->online || !s->chip || !s->eff || !s->cloud || !s->powered ||
        !s->cloud_tr || !s->cloud_at || !s->spot_qt || qerr) {
        supply_free(s);
        return NULL;
    }
    init_pools(s, sc);
    size_t at = 0;
    for (size_t cl = 0; cl < sc->nclouds; cl++) {
        s->cloud_at[cl] = at;
        for (size_t p = 0; p < s->ntranches; p++)
            if (s->pools[p].cloud == (int)cl) s->cloud_tr[at++] = (int)p;
    }
    s->cloud_at[sc->nclouds] = at;
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
            /* Whole months in [0, SPAN] and [1, SPAN] (bounds.h; NaN: 0 and 1): every
             * date lies within 120000 months of every other, so a delay clamped to SPAN
             * still starts after every month, and start and since stay far from INT_MAX. */
            double delay = PARAM(tr->delay_months, values);
            double ramp = round(PARAM(tr->ramp_months, values));
            delay = delay > 0.0 ? (delay < BOUNDS_SPAN_MONTHS ? delay : BOUNDS_SPAN_MONTHS) : 0.0;
            tranche_path *q = &s->tp[p];
            const chip_path *ch = &s->chip[tr->chip];
            q->start = tr->online + (int)round(delay);
            q->ramp = ramp >= 1.0 ? (ramp < BOUNDS_SPAN_MONTHS ? (int)ramp : BOUNDS_SPAN_MONTHS) : 1;
            q->chips = PARAM(tr->fulfilled, values) * PARAM(tr->count, values);
            q->life = ch->life;
            q->kw = ch->kw;
            /* supply_chips_online is 0 before the start or with no life, and the term
             * bounds the months counted. Adding n * kw / 1000 = +-0 to a sum that is
             * never -0 changes nothing, unless kw is inf or NaN (0 * kw = NaN). */
            q->t_lo = q->start > cs->from ? q->start : cs->from;
            q->from = cs->from;
            q->t_hi = cs->to;
            if (!(q->life > 0.0)) q->t_lo = INT_MAX;
            q->skip_zero = isfinite(q->kw);
            q->last_k = -1;
            q->life_i = q->life > 0.0 && q->life < 1073741824.0 && q->life == floor(q->life)
                            ? (long)q->life : -1;
            q->sched = cs->has_min_spend && cs->min_spend_basis == BASIS_DELIVERED;
            q->sched_start = tr->online;
            q->sched_lo = cs->from;
            q->sched_hi = cs->to;
            q->sched_count = q->sched ? PARAM(tr->count, values) : 0.0;
            q->delay = (int)round(delay);
            if (tr->option >= 0) {
                /* An expand option's tranche: no chip until exercised (supply_expand). */
                q->t_lo = INT_MAX;
                q->sched_start = INT_MAX;
            }
            q->owned = cs->billing == BILLING_OWNED;
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
        q->spot_declines = c->has_spot && c->has_spot_decline;
        q->spot_keep = 1.0 - PARAM(c->spot_decline_per_year, values);
    }
    for (size_t i = s->ntranches; i < s->npools; i++)
        s->pools[i].spot_price = s->cloud[s->pools[i].cloud].spot_price;
}

void supply_set_default(supply *s, size_t contract, int month)
{
    for (size_t p = 0; p < s->ntranches; p++) {
        tranche_path *tp = &s->tp[p];
        /* count_chips counts months t_lo..t_hi only: end them before the default. */
        if (s->pools[p].contract == (int)contract && month - 1 < tp->t_hi) tp->t_hi = month - 1;
    }
}

void supply_expand(supply *s, size_t pool, int online)
{
    tranche_path *tp = &s->tp[pool];
    tp->start = online + tp->delay;
    tp->t_lo = tp->start > tp->from ? tp->start : tp->from;
    if (!(tp->life > 0.0)) tp->t_lo = INT_MAX;
    tp->sched_start = online;   /* the nominal schedule of the exercised option: no delay */
    tp->last_k = -1;
}

void supply_set_term(supply *s, size_t contract, int to, int default_month)
{
    int hi = default_month - 1 < to ? default_month - 1 : to;
    for (size_t p = 0; p < s->ntranches; p++) {
        if (s->pools[p].contract != (int)contract) continue;
        s->tp[p].t_hi = hi;
        s->tp[p].sched_hi = to;
    }
}

/* See supply_chips_online (the exported name, for tests). */
/* The number of cohorts online (0 if none). */
static inline int cohorts_online(int t, int start, int ramp, double life)
{
    /* Cohort k (0..ramp-1) is online for start+k <= t < start+k+life, that is
     * t-start-life < k <= t-start. Count the k in [0, ramp-1] that qualify. */
    int since = t - start;
    if (since < 0 || !(life > 0.0)) return 0;
    int kmax = since < ramp - 1 ? since : ramp - 1;
    double first = floor((double)since - life) + 1.0;   /* smallest k > since - life */
    int kmin = first <= 0.0 ? 0 : (first > (double)kmax ? kmax + 1 : (int)first);
    int n = kmax - kmin + 1;
    return n > 0 ? n : 0;
}

/* Chips of n cohorts out of ramp. */
static inline double cohort_chips(int n, int ramp, double chips)
{
    return n > 0 ? chips * ((double)n / (double)ramp) : 0.0;
}

static inline double chips_online(int t, int start, int ramp, double chips, double life)
{
    return cohort_chips(cohorts_online(t, start, ramp, life), ramp, chips);
}

double supply_chips_online(int t, int start, int ramp, double chips, double life)
{
    return chips_online(t, start, ramp, chips, life);
}

/* cohorts_online for a whole life L (0 < L < 2^30): since - L is then exact, floor()
 * returns it, and the first cohort is the integer since - L + 1. The same count. */
static inline int cohorts_online_whole(int t, int start, int ramp, long life)
{
    int since = t - start;
    if (since < 0) return 0;
    int kmax = since < ramp - 1 ? since : ramp - 1;
    long first = (long)since - life + 1;
    int kmin = first <= 0 ? 0 : (first > (long)kmax ? kmax + 1 : (int)first);
    int n = kmax - kmin + 1;
    return n > 0 ? n : 0;
}

double supply_maturity(double h100e, double from, double months, int start, int t)
{
    if (!(months > 0.0)) return h100e;
    double x = (double)(t - start) / months;
    x = x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
    return h100e * (from + (1.0 - from) * x);
}

/* Chips of tranche p bought in month t (billing owned): cohort k is bought in the first
 * month it counts, b_k = max(start + k, from). In the first counted month t_lo that is
 * every cohort online then (online[p], before power: unpowered chips were bought all
 * the same); after it, the cohort k = t - start that arrives. Nothing outside
 * t_lo..t_hi (term, life, default). */
static double chips_bought(const supply *s, const tranche_path *tp, size_t p, int t)
{
    if (t < tp->t_lo || t > tp->t_hi) return 0.0;
    if (t == tp->t_lo) return s->online[p];
    int k = t - tp->start;
    return k >= 0 && k < tp->ramp ? cohort_chips(1, tp->ramp, tp->chips) : 0.0;
}

double supply_book_chips(const supply *s, size_t p, int months, double book_life)
{
    const tranche_path *tp = &s->tp[p];
    int last = months - 1;
    /* Nothing counts at the horizon: term ended, defaulted, or no life. */
    if (months <= 0 || last < tp->t_lo || last > tp->t_hi) return 0.0;
    /* Cohorts online in month `last`: start + k in (last - life, last]. */
    double oldest = floor((double)last - tp->life) + 1.0;
    int lo = oldest > (double)tp->start ? (int)oldest : tp->start;
    int hi = tp->start + (tp->ramp - 1);
    if (hi > last) hi = last;
    double book = 0.0;
    for (int m = lo; m <= hi; m++) {
        int b = m > tp->t_lo ? m : tp->t_lo;   /* bought when it first counts */
        if (b < 0) continue;                   /* bought before t = 0: not in the horizon */
        double left = 1.0 - (double)(months - b) / book_life;
        if (left > 0.0) book += cohort_chips(1, tp->ramp, tp->chips) * left;
    }
    return book;
}

/* Power available to cloud cl in month t (MW): the delay is not rounded. */
static double power_available(const cloud_path *c, int t)
{
    double built = c->start + c->add * fm_max0((double)t - c->delay);
    return fm_max0(fm_min(c->max, built));
}

/* Counted chips per tranche (term and cohorts) and the MW they need per cloud. */
static void count_chips(supply *s, const scenario *sc, int t, double *power_needed)
{
    /* Cloud by cloud, its tranches in file order: the sums of adding each tranche to
     * its cloud in file order, in a register. */
    for (size_t cl = 0; cl < s->nclouds; cl++) {
        double mw = 0.0;
        for (size_t i = s->cloud_at[cl]; i < s->cloud_at[cl + 1]; i++) {
            int p = s->cloud_tr[i];
            tranche_path *tp = &s->tp[p];
            int k = 0;
            if (t >= tp->t_lo && t <= tp->t_hi)
                k = tp->life_i > 0 ? cohorts_online_whole(t, tp->start, tp->ramp, tp->life_i)
                                   : cohorts_online(t, tp->start, tp->ramp, tp->life);
            else if (tp->skip_zero) {
                s->online[p] = 0.0;
                continue;
            }
            /* The chips and their MW follow from the cohort count alone, which stays
             * put for most months: the two divisions are redone only when it moves. */
            if (k != tp->last_k) {
                tp->last_k = k;
                tp->last_n = cohort_chips(k, tp->ramp, tp->chips);
                tp->last_mw = tp->last_n * tp->kw / 1000.0;
            }
            s->online[p] = tp->last_n;
            mw += tp->last_mw;
        }
        power_needed[cl] = mw;
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
        s->powered[cl] = need > 0.0 ? fm_min(1.0, avail / need) : 1.0;
    }
    for (size_t p = 0; p < s->ntranches; p++) {
        supply_pool *q = &s->pools[p];
        q->chips = s->online[p] * s->powered[q->cloud];
        q->h100e = s->eff[q->chip];
        q->cap = q->chips * q->h100e;
        const tranche_path *tp = &s->tp[p];
        if (tp->owned) q->new_chips = chips_bought(s, tp, p, t);
        if (tp->sched)
            q->sched_chips = t >= tp->sched_lo && t <= tp->sched_hi
                                 ? chips_online(t, tp->sched_start, tp->ramp, tp->sched_count, tp->life)
                                 : 0.0;
    }
    for (size_t p = s->ntranches; p < s->npools; p++) {
        supply_pool *q = &s->pools[p];
        const cloud_spec *c = &sc->clouds[q->cloud];
        rng_set_stream(rng, draws.seed, c->spot_stream, draws.path, (uint64_t)t);
        /* one uniform through the inverse CDF (a table for beta), not GSL's two-gamma
         * beta sampler: several times cheaper, and one draw per month whatever the shape */
        double a = qtable_quantile(s->spot_qt[q->cloud], &c->spot_availability, gsl_rng_uniform_pos(rng));
        a = a > 0.0 ? (a < 1.0 ? a : 1.0) : 0.0;   /* also maps NaN to 0 */
        const cloud_path *cp = &s->cloud[q->cloud];
        q->cap = a * cp->spot_max;
        /* Without a decline the price set by supply_begin_path stays, bit for bit. */
        if (cp->spot_declines) q->spot_price = cp->spot_price * pow(cp->spot_keep, (double)t / 12.0);
    }
}
