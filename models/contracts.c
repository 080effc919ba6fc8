/*
 * contracts: billing, min_spend true-ups, outstanding commitment, revenue share and
 * counterparty default (see contracts.h).
 *
 * Invariants: period_spend[c] is the contract's own billing (no true-ups, no spot) since
 * the later of t = 0 and the start of the min_spend period containing the last month
 * billed; it is reset in each period's last month after the true-up. period_del and
 * period_sch (basis delivered only) are the reserved-billing equivalents of the chips
 * delivered and of the nominal schedule over the same months, reset with it. From a
 * contract's default month on nothing of it is billed, accumulated or owed.
 */
#include "contracts.h"
#include "fastmath.h"
#include "sim/random/rng.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

typedef struct {
    double escalator, min_usd, rs_rate, rs_cap;
    double period_spend;   /* own billing in the current min_spend period so far */
    double period_del;     /* basis delivered: B_del of the current period so far */
    double period_sch;     /* basis delivered: B_sch of the current period so far */
    double rs_paid;        /* cumulative nominal revenue share paid */
    double capex;          /* billing owned: USD per chip bought (docs/MODEL.md 5, "Owned capacity") */
    double book_life;      /* billing owned: months of straight-line depreciation */
    int default_at;        /* month of the counterparty's default; CONTRACTS_NO_DEFAULT */
    int to;                /* the term's last month on this path: `to`, or as an option
                            * (terminate, extend) set it (docs/MODEL.md 13) */
    int ended_at;          /* terminate's exercise month: later floors are void; INT_MAX */
} contract_path;

/* What a pool is to billing, fixed for the pool table (taken once at alloc, so the
 * month loop does not go through the scenario for it). */
typedef enum { PK_SPOT, PK_RESERVED, PK_USAGE, PK_OWNED } pool_billing;

typedef struct {
    unsigned char kind;    /* pool_billing */
    int contract;          /* tranches */
    size_t price_at;       /* tranches: contract * nchips + chip, into price[] */
    int from, to;          /* tranches: the contract's term */
} pool_info;

struct contracts_ws {
    size_t n, nchips, npools;
    int months;
    contract_path *cp;     /* ncontracts */
    double *price;         /* ncontracts x nchips, USD per chip-hour (per path) */
    double *esc;           /* ncontracts x months: escalation of month t. Filled once
                            * at alloc for constant escalators, per path for sampled
                            * ones: pow() is the costliest call of a month otherwise. */
    pool_info *pool;       /* npools */
    size_t *with_min;      /* contracts with a min_spend, in order */
    size_t nwith_min;
    size_t *pool_lo;       /* ncontracts + 1: contract i's pools are pool_lo[i]..pool_lo[i+1]
                            * (tranches come contract by contract) */
    int by_contract;       /* the pool table is laid out that way */
};

void contracts_free(contracts_ws *c)
{
    if (!c) return;
    free(c->cp);
    free(c->price);
    free(c->esc);
    free(c->pool);
    free(c->with_min);
    free(c->pool_lo);
    free(c);
}

double contracts_escalation(double escalator, int from, int t)
{
    if (escalator == 0.0) return 1.0;
    return pow(1.0 + escalator, (double)(t - from) / 12.0);
}

static void fill_escalation(contracts_ws *c, const scenario *sc, size_t i, double escalator)
{
    double *e = &c->esc[i * (size_t)c->months];
    for (int t = 0; t < c->months; t++)
        e[t] = contracts_escalation(escalator, sc->contracts[i].from, t);
}

contracts_ws *contracts_alloc(const scenario *sc, const supply_pool *pools, size_t npools)
{
    contracts_ws *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->n = sc->ncontracts;
    c->nchips = sc->nchips;
    c->npools = npools;
    size_t n = c->n ? c->n : 1, nch = c->nchips ? c->nchips : 1;
    c->months = sc->months > 0 ? sc->months : 0;
    c->cp = calloc(n, sizeof *c->cp);
    c->price = calloc(n * nch, sizeof *c->price);
    c->esc = calloc(n * (size_t)(c->months ? c->months : 1), sizeof *c->esc);
    c->pool = calloc(npools ? npools : 1, sizeof *c->pool);
    c->with_min = calloc(n, sizeof *c->with_min);
    c->pool_lo = calloc(c->n + 1, sizeof *c->pool_lo);
    if (!c->cp || !c->price || !c->esc || !c->pool || !c->with_min || !c->pool_lo) {
        contracts_free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (sc->contracts[i].escalator.idx < 0)
            fill_escalation(c, sc, i, sc->contracts[i].escalator.value);
        if (sc->contracts[i].has_min_spend) c->with_min[c->nwith_min++] = i;
    }
    for (size_t p = 0; p < npools; p++) {
        const supply_pool *q = &pools[p];
        pool_info *pi = &c->pool[p];
        if (q->kind == POOL_SPOT) {
            pi->kind = PK_SPOT;
            continue;
        }
        const contract_spec *cs = &sc->contracts[q->contract];
        pi->kind = cs->billing == BILLING_RESERVED ? PK_RESERVED
                 : cs->billing == BILLING_OWNED  ? PK_OWNED
                                                 : PK_USAGE;
        pi->contract = q->contract;
        pi->price_at = (size_t)q->contract * c->nchips + (size_t)q->chip;
        pi->from = cs->from;
        pi->to = cs->to;
    }
    /* Tranche pools contract by contract, each contract's in one stretch? */
    size_t p = 0;
    c->by_contract = 1;
    for (size_t i = 0; i < c->n; i++) {
        c->pool_lo[i] = p;
        while (p < npools && c->pool[p].kind != PK_SPOT && c->pool[p].contract == (int)i) p++;
    }
    c->pool_lo[c->n] = p;
    for (; p < npools; p++)
        if (c->pool[p].kind != PK_SPOT) c->by_contract = 0;
    return c;
}

void contracts_begin_path(contracts_ws *c, const scenario *sc, const double *values)
{
    for (size_t i = 0; i < c->n; i++) {
        const contract_spec *cs = &sc->contracts[i];
        contract_path *p = &c->cp[i];
        p->escalator = PARAM(cs->escalator, values);
        p->min_usd = cs->has_min_spend ? PARAM(cs->min_spend_usd, values) : 0.0;
        p->rs_rate = cs->has_revenue_share ? PARAM(cs->rs_rate, values) : 0.0;
        p->rs_cap = cs->has_revenue_share ? PARAM(cs->rs_cap_usd, values) : 0.0;
        p->period_spend = 0.0;
        p->period_del = p->period_sch = 0.0;
        p->rs_paid = 0.0;
        p->capex = cs->billing == BILLING_OWNED ? PARAM(cs->capex_usd_per_chip, values) : 0.0;
        p->book_life = PARAM(cs->book_life_months, values);
        p->default_at = CONTRACTS_NO_DEFAULT;
        p->to = cs->to;
        p->ended_at = INT_MAX;
        if (cs->escalator.idx >= 0) fill_escalation(c, sc, i, p->escalator);
        for (size_t k = 0; k < c->nchips; k++)
            c->price[i * c->nchips + k] = cs->has_price[k] ? PARAM(cs->price[k], values) : 0.0;
    }
}

/* First month in [0, months) whose Bernoulli(1 - exp(-per_year / 12)) draw is an
 * event, or CONTRACTS_NO_DEFAULT. Month t's draw is the first uniform of stream (seed,
 * contracts.NAME.default) at counter (path, t): one draw per month, never mirrored. */
static int draw_default(const contract_spec *cs, double per_year, path_draws draws, gsl_rng *rng,
                        int months)
{
    double p = -expm1(-per_year / 12.0);   /* 1 - exp(-per_year / 12), accurately */
    if (!(p > 0.0)) return CONTRACTS_NO_DEFAULT;   /* rate 0 (or NaN): no draw can matter */
    for (int t = 0; t < months; t++) {
        rng_set_stream(rng, draws.seed, cs->default_stream, draws.path, (uint64_t)t);
        if (gsl_rng_uniform(rng) < p) return t;
    }
    return CONTRACTS_NO_DEFAULT;
}

void contracts_draw_defaults(contracts_ws *c, const scenario *sc, const double *values,
                             path_draws draws, gsl_rng *rng)
{
    for (size_t i = 0; i < c->n; i++) {
        const contract_spec *cs = &sc->contracts[i];
        if (!cs->has_default) continue;   /* no block: no draw at all */
        c->cp[i].default_at = draw_default(cs, PARAM(cs->default_per_year, values), draws, rng,
                                           c->months);
    }
}

int contracts_default_month(const contracts_ws *c, size_t i)
{
    return c->cp[i].default_at;
}

void contracts_terminate(contracts_ws *c, size_t i, int t)
{
    if (t < c->cp[i].to) c->cp[i].to = t;
    c->cp[i].ended_at = t;
}

void contracts_extend(contracts_ws *c, size_t i, int months)
{
    c->cp[i].to += months;
}

int contracts_term_end(const contracts_ws *c, size_t i)
{
    return c->cp[i].to;
}

int contracts_ended(const contracts_ws *c, size_t i)
{
    return c->cp[i].ended_at != INT_MAX;
}

/* Price per chip-hour of a tranche pool in month t, escalation applied. */
static double price_at(const contracts_ws *c, const pool_info *pi, int t)
{
    return c->price[pi->price_at] * c->esc[(size_t)pi->contract * (size_t)c->months + (size_t)t];
}

void contracts_costs(const contracts_ws *c, const scenario *sc, int t,
                     const supply_pool *pools, size_t npools, double *cost)
{
    for (size_t p = 0; p < npools; p++) {
        const supply_pool *q = &pools[p];
        const pool_info *pi = &c->pool[p];
        if (pi->kind == PK_SPOT)
            cost[p] = q->spot_price;
        else if (pi->kind == PK_RESERVED || pi->kind == PK_OWNED)
            cost[p] = 0.0;      /* already paid for: rent, or capex and running cost */
        else
            cost[p] = q->h100e > 0.0 ? price_at(c, pi, t) / q->h100e : INFINITY;
    }
}

/* The min_spend period of contract cs that contains month t (from <= t <= to). */
static void period_of(const contract_spec *cs, int t, int *pstart, int *pend)
{
    if (cs->min_spend_period == PERIOD_TERM) {
        *pstart = cs->from;
        *pend = cs->to;
        return;
    }
    *pstart = cs->from + (t - cs->from) / 12 * 12;
    *pend = *pstart + 11 < cs->to ? *pstart + 11 : cs->to;
}

/* Floor of the period [pstart, pend]: usd for the term; usd * months / term_months for
 * a year period, so full years get usd * 12 / term_months and the floors sum to usd. */
static double period_floor(const contract_spec *cs, double usd, int pstart, int pend)
{
    if (cs->min_spend_period == PERIOD_TERM) return usd;
    return usd * (double)(pend - pstart + 1) / (double)(cs->to - cs->from + 1);
}

/* Billing of one tranche pool in month t; adds its stranded part to *stranded. An
 * owned pool bills its powered chips like reserved (price is their operating cost),
 * plus capex on the chips bought this month, which adds to *capex and is not stranded
 * (the chips are an asset: residual_value). */
static inline double bill_pool(const contracts_ws *c, const pool_info *pi,
                               const supply_pool *q, int t, double used, double *stranded,
                               double *capex)
{
    double price = price_at(c, pi, t);
    if (pi->kind == PK_USAGE)
        return q->h100e > 0.0 ? used / q->h100e * HOURS_PER_MONTH * price : 0.0;
    double bill = q->chips * HOURS_PER_MONTH * price;
    /* Unused share of the billed (powered) capacity; with no capacity at all (a chip
     * whose maturity starts at 0) every billed chip is idle. */
    double unused = fm_max0(q->cap - used);
    *stranded += q->cap > 0.0 ? bill * (unused / q->cap) : bill;
    if (pi->kind == PK_OWNED) {
        double buy = q->new_chips * c->cp[pi->contract].capex;
        *capex += buy;
        bill += buy;
    }
    return bill;
}

/* Delivery ratio min(1, B_del / B_sch) of a period; 1 (the floor kept) when nothing
 * was scheduled in it (B_sch = 0) or for basis contracted. */
static double delivery_ratio(const contract_spec *cs, const contract_path *p)
{
    if (cs->min_spend_basis != BASIS_DELIVERED || !(p->period_sch > 0.0)) return 1.0;
    return fm_min(1.0, p->period_del / p->period_sch);
}

/* Basis delivered: add month t's B_del (powered chips online) and B_sch (nominal
 * schedule) of contract i, each priced as reserved billing whatever its billing kind. */
static void add_delivery(contracts_ws *c, const supply_pool *pools, size_t i, int t)
{
    contract_path *p = &c->cp[i];
    /* contract i's pools: its stretch of the table when the table is laid out by
     * contract (the same pools in the same order), else a scan of all of them */
    size_t lo = c->by_contract ? c->pool_lo[i] : 0, hi = c->by_contract ? c->pool_lo[i + 1] : c->npools;
    for (size_t q = lo; q < hi; q++) {
        const pool_info *pi = &c->pool[q];
        if (pi->kind == PK_SPOT || pi->contract != (int)i) continue;
        double price = price_at(c, pi, t);
        p->period_del += pools[q].chips * HOURS_PER_MONTH * price;
        p->period_sch += pools[q].sched_chips * HOURS_PER_MONTH * price;
    }
}

/* After billing month t: true-up at the end of the min_spend period, on the floor
 * times the period's delivery ratio. From the default month on, nothing: the period
 * in progress and later ones are void. */
static void true_up(contracts_ws *c, const scenario *sc, const supply_pool *pools, size_t i,
                    int t, double *spend, double *stranded)
{
    const contract_spec *cs = &sc->contracts[i];
    contract_path *p = &c->cp[i];
    if (!cs->has_min_spend || t < cs->from || t > cs->to || t >= p->default_at) return;
    int pstart, pend;
    period_of(cs, t, &pstart, &pend);
    if (pend > p->ended_at) return;   /* terminated: this period's floor is void */
    p->period_spend += spend[i];
    if (cs->min_spend_basis == BASIS_DELIVERED) add_delivery(c, pools, i, t);
    if (t != pend) return;
    double owed = period_floor(cs, p->min_usd, pstart, pend);
    if (cs->min_spend_basis == BASIS_DELIVERED) owed *= delivery_ratio(cs, p);
    double tu = fm_max0(owed - p->period_spend);
    spend[i] += tu;
    stranded[i] += tu;
    p->period_spend = 0.0;
    p->period_del = p->period_sch = 0.0;
}

void contracts_bill(contracts_ws *c, const scenario *sc, int t,
                    const supply_pool *pools, size_t npools, const double *used,
                    double *spend, double *stranded, double *capex)
{
    if (c->by_contract) {
        /* Contract by contract, its pools in order: the same sums, in registers. */
        for (size_t i = 0; i < c->n; i++) {
            double sp = 0.0, st = 0.0, cx = 0.0;
            for (size_t p = c->pool_lo[i]; p < c->pool_lo[i + 1]; p++) {
                const pool_info *pi = &c->pool[p];
                if (t < pi->from || t > c->cp[i].to) continue;   /* no chips outside the term */
                if (t >= c->cp[i].default_at) break;         /* defaulted: bills nothing */
                sp += bill_pool(c, pi, &pools[p], t, used[p], &st, &cx);
            }
            spend[i] = sp;
            stranded[i] = st;
            capex[i] = cx;
        }
    } else {
        for (size_t i = 0; i < c->n; i++) spend[i] = stranded[i] = capex[i] = 0.0;
        for (size_t p = 0; p < npools; p++) {
            const pool_info *pi = &c->pool[p];
            if (pi->kind == PK_SPOT) continue;
            int k = pi->contract;
            if (t < pi->from || t > c->cp[k].to) continue;   /* no chips count outside the term */
            if (t >= c->cp[k].default_at) continue;      /* defaulted: bills nothing */
            spend[k] += bill_pool(c, pi, &pools[p], t, used[p], &stranded[k], &capex[k]);
        }
    }
    /* true_up does nothing for a contract without min_spend */
    for (size_t j = 0; j < c->nwith_min; j++)
        true_up(c, sc, pools, c->with_min[j], t, spend, stranded);
}

void contracts_revenue_share(contracts_ws *c, const scenario *sc, int t,
                             const double *segment_revenue, double *paid)
{
    for (size_t i = 0; i < c->n; i++) {
        const contract_spec *cs = &sc->contracts[i];
        contract_path *p = &c->cp[i];
        paid[i] = 0.0;
        if (!cs->has_revenue_share || t < cs->from || t >= cs->rs_until) continue;
        if (t >= p->default_at) continue;   /* the contract is void from its default */
        double base = 0.0;
        for (size_t s = 0; s < sc->nsegments; s++)
            if (cs->rs_segments[s]) base += segment_revenue[s];
        double amount = p->rs_rate * base;
        double room = p->rs_cap - p->rs_paid;
        if (amount > room) amount = fmax(0.0, room);   /* the cap month pays the rest */
        p->rs_paid += amount;
        paid[i] = amount;
    }
}

double contracts_outstanding(const contracts_ws *c, const scenario *sc, int months)
{
    double out = 0.0;
    for (size_t i = 0; i < c->n; i++) {
        const contract_spec *cs = &sc->contracts[i];
        const contract_path *p = &c->cp[i];
        if (!cs->has_min_spend || cs->to < months) continue;   /* every period ended */
        if (p->default_at < months) continue;   /* defaulted: what is left is void */
        if (p->ended_at < months) continue;     /* terminated: every later floor is void */
        int pstart = cs->from, pend;
        while (pstart <= cs->to) {
            period_of(cs, pstart, &pstart, &pend);
            if (pend >= months) {
                /* Only the period holding the last month has spend (and delivery) so
                 * far; a period not yet started keeps its whole floor (B_sch = 0). */
                int begun = pstart <= months - 1;
                double spent = begun ? p->period_spend : 0.0;
                double owed = period_floor(cs, p->min_usd, pstart, pend);
                if (begun && cs->min_spend_basis == BASIS_DELIVERED) owed *= delivery_ratio(cs, p);
                out += fmax(0.0, owed - spent);
            }
            pstart = pend + 1;
        }
    }
    return out;
}

double contracts_residual(const contracts_ws *c, const supply *sup, int months)
{
    double out = 0.0;
    for (size_t p = 0; p < c->npools; p++) {
        const pool_info *pi = &c->pool[p];
        if (pi->kind != PK_OWNED) continue;
        const contract_path *cp = &c->cp[pi->contract];
        out += cp->capex * supply_book_chips(sup, p, months, cp->book_life);
    }
    return out;
}
