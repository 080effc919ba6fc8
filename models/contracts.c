/*
 * contracts: billing, min_spend true-ups, outstanding commitment and revenue share
 * (see contracts.h).
 *
 * Invariants: period_spend[c] is the contract's own billing (no true-ups, no spot) since
 * the later of t = 0 and the start of the min_spend period containing the last month
 * billed; it is reset in each period's last month after the true-up.
 */
#include "contracts.h"
#include "fastmath.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double escalator, min_usd, rs_rate, rs_cap;
    double period_spend;   /* own billing in the current min_spend period so far */
    double rs_paid;        /* cumulative nominal revenue share paid */
} contract_path;

/* What a pool is to billing, fixed for the pool table (taken once at alloc, so the
 * month loop does not go through the scenario for it). */
typedef enum { PK_SPOT, PK_RESERVED, PK_USAGE } pool_billing;

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
        pi->kind = cs->billing == BILLING_RESERVED ? PK_RESERVED : PK_USAGE;
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
        p->rs_paid = 0.0;
        if (cs->escalator.idx >= 0) fill_escalation(c, sc, i, p->escalator);
        for (size_t k = 0; k < c->nchips; k++)
            c->price[i * c->nchips + k] = cs->has_price[k] ? PARAM(cs->price[k], values) : 0.0;
    }
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
        else if (pi->kind == PK_RESERVED)
            cost[p] = 0.0;      /* already paid for */
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

/* Billing of one tranche pool in month t; adds its stranded part to *stranded. */
static inline double bill_pool(const contracts_ws *c, const pool_info *pi,
                               const supply_pool *q, int t, double used, double *stranded)
{
    double price = price_at(c, pi, t);
    if (pi->kind == PK_USAGE)
        return q->h100e > 0.0 ? used / q->h100e * HOURS_PER_MONTH * price : 0.0;
    double bill = q->chips * HOURS_PER_MONTH * price;
    /* Unused share of the billed (powered) capacity; with no capacity at all (a chip
     * whose maturity starts at 0) every billed chip is idle. */
    double unused = fm_max0(q->cap - used);
    *stranded += q->cap > 0.0 ? bill * (unused / q->cap) : bill;
    return bill;
}

/* After billing month t: true-up at the end of the min_spend period. */
static void true_up(contracts_ws *c, const scenario *sc, size_t i, int t,
                    double *spend, double *stranded)
{
    const contract_spec *cs = &sc->contracts[i];
    contract_path *p = &c->cp[i];
    if (!cs->has_min_spend || t < cs->from || t > cs->to) return;
    int pstart, pend;
    period_of(cs, t, &pstart, &pend);
    p->period_spend += spend[i];
    if (t != pend) return;
    double tu = fm_max0(period_floor(cs, p->min_usd, pstart, pend) - p->period_spend);
    spend[i] += tu;
    stranded[i] += tu;
    p->period_spend = 0.0;
}

void contracts_bill(contracts_ws *c, const scenario *sc, int t,
                    const supply_pool *pools, size_t npools, const double *used,
                    double *spend, double *stranded)
{
    if (c->by_contract) {
        /* Contract by contract, its pools in order: the same sums, in registers. */
        for (size_t i = 0; i < c->n; i++) {
            double sp = 0.0, st = 0.0;
            for (size_t p = c->pool_lo[i]; p < c->pool_lo[i + 1]; p++) {
                const pool_info *pi = &c->pool[p];
                if (t < pi->from || t > pi->to) continue;   /* no chips outside the term */
                sp += bill_pool(c, pi, &pools[p], t, used[p], &st);
            }
            spend[i] = sp;
            stranded[i] = st;
        }
    } else {
        for (size_t i = 0; i < c->n; i++) spend[i] = stranded[i] = 0.0;
        for (size_t p = 0; p < npools; p++) {
            const pool_info *pi = &c->pool[p];
            if (pi->kind == PK_SPOT) continue;
            if (t < pi->from || t > pi->to) continue;   /* no chips count outside the term */
            int k = pi->contract;
            spend[k] += bill_pool(c, pi, &pools[p], t, used[p], &stranded[k]);
        }
    }
    /* true_up does nothing for a contract without min_spend */
    for (size_t j = 0; j < c->nwith_min; j++) true_up(c, sc, c->with_min[j], t, spend, stranded);
}

void contracts_revenue_share(contracts_ws *c, const scenario *sc, int t,
                             const double *segment_revenue, double *paid)
{
    for (size_t i = 0; i < c->n; i++) {
        const contract_spec *cs = &sc->contracts[i];
        contract_path *p = &c->cp[i];
        paid[i] = 0.0;
        if (!cs->has_revenue_share || t < cs->from || t >= cs->rs_until) continue;
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
        if (!cs->has_min_spend || cs->to < months) continue;   /* every period ended */
        int pstart = cs->from, pend;
        while (pstart <= cs->to) {
            period_of(cs, pstart, &pstart, &pend);
            if (pend >= months) {
                /* Only the period holding the last month has spend so far. */
                double spent = pstart <= months - 1 ? c->cp[i].period_spend : 0.0;
                out += fmax(0.0, period_floor(cs, c->cp[i].min_usd, pstart, pend) - spent);
            }
            pstart = pend + 1;
        }
    }
    return out;
}
