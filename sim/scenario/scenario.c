/*
 * scenario: construction and release of the in-memory scenario (see scenario.h).
 * Growth of the element arrays is by realloc one at a time: scenarios are small.
 */
#include "scenario.h"
#include "sim/random/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const scenario_sampling_names[SAMPLING_NKINDS] = {
    [SAMPLING_RANDOM] = "random",
    [SAMPLING_LHS] = "lhs",
    [SAMPLING_SOBOL] = "sobol",
    [SAMPLING_SALTELLI] = "saltelli",
};

const char *const scenario_allocation_names[ALLOCATION_NKINDS] = {
    [ALLOCATION_PRIORITY] = "priority",
    [ALLOCATION_VALUE] = "value",
};

const char *const scenario_series_names[SCENARIO_NSERIES] = {
    "demand", "served", "unmet", "capacity", "used", "utilisation", "power_needed",
    "power_available", "spend", "stranded", "spot_spend", "revenue", "turned_down_revenue",
    "revenue_share", "value_lost", "defaulted", "exercised", "cash",
};

int scenario_quantile_count(const scenario *sc)
{
    int n = 0;
    for (int k = 0; k < SCENARIO_NSERIES; k++) n += sc->quantile_series[k] != 0;
    return n;
}

const char *scenario_sampling_name(sampling_kind k)
{
    return ((int)k >= 0 && (int)k < SAMPLING_NKINDS) ? scenario_sampling_names[k] : "unknown";
}

static char *dupstr(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Grow *arr (of *n elements of size sz) by one zeroed element; returns it or NULL. */
static void *grow(void **arr, size_t *n, size_t sz)
{
    void *p = realloc(*arr, (*n + 1) * sz);
    if (!p) return NULL;
    *arr = p;
    void *e = (char *)p + *n * sz;
    memset(e, 0, sz);
    (*n)++;
    return e;
}

scenario *scenario_alloc(void)
{
    scenario *sc = calloc(1, sizeof *sc);
    if (!sc) return NULL;
    sc->name = dupstr("unnamed");
    sc->description = dupstr("");
    sc->start_year = 2025;
    sc->start_month = 1;
    sc->months = 12;
    sc->discount_rate = 0.0;
    sc->paths = 1000;
    sc->seed = 1;
    sc->sampling = SAMPLING_RANDOM;
    memset(sc->quantile_series, 1, sizeof sc->quantile_series);
    sc->allocation = ALLOCATION_PRIORITY;
    sc->cash_start_usd = param_const(0.0);
    sc->other_costs_usd_per_month = param_const(0.0);
    sc->source_path = dupstr("<built-in>");
    if (!sc->name || !sc->description || !sc->source_path) {
        scenario_free(sc);
        return NULL;
    }
    return sc;
}

void scenario_free(scenario *sc)
{
    if (!sc) return;
    for (size_t i = 0; i < sc->nchips; i++) free(sc->chips[i].name);
    for (size_t i = 0; i < sc->nclouds; i++) {
        free(sc->clouds[i].name);
        dist_clear(&sc->clouds[i].spot_availability);
    }
    for (size_t i = 0; i < sc->nsegments; i++) {
        segment_spec *s = &sc->segments[i];
        free(s->name);
        free(s->eligible);
        free(s->efficiency);
        dist_clear(&s->jump_size);
    }
    for (size_t i = 0; i < sc->ncontracts; i++) {
        contract_spec *c = &sc->contracts[i];
        free(c->name);
        free(c->has_price);
        free(c->price);
        free(c->tranches);
        free(c->first_refusal);
        free(c->exclusive);
        free(c->rs_segments);
    }
    for (size_t i = 0; i < sc->nuncertain; i++) {
        free(sc->uncertain[i].keypath);
        dist_clear(&sc->uncertain[i].dist);
    }
    free(sc->chips);
    free(sc->clouds);
    free(sc->segments);
    free(sc->contracts);
    for (size_t i = 0; i < sc->noptions; i++) {
        free(sc->options[i].name);
        free(sc->options[i].segments);
    }
    free(sc->options);
    free(sc->uncertain);
    free(sc->corr);
    for (size_t i = 0; i < sc->nfactors; i++) {
        for (size_t j = 0; j < sc->factors[i].nterms; j++) free(sc->factors[i].terms[j].glob);
        free(sc->factors[i].terms);
        free(sc->factors[i].name);
    }
    free(sc->factors);
    free(sc->loadings);
    for (size_t i = 0; i < sc->nfunding; i++) free(sc->funding[i].name);
    free(sc->funding);
    free(sc->name);
    free(sc->description);
    free(sc->source_path);
    free(sc->text);
    free(sc);
}

int scenario_add_chip(scenario *sc, const char *name, double h100e, double kw, double life_months)
{
    chip_spec *c = grow((void **)&sc->chips, &sc->nchips, sizeof *c);
    if (!c) return -1;
    c->name = dupstr(name);
    c->h100e = param_const(h100e);
    c->kw = param_const(kw);
    c->life_months = param_const(life_months);
    c->maturity_from = param_const(1.0);
    c->maturity_months = param_const(0.0);
    return c->name ? (int)sc->nchips - 1 : -1;
}

int scenario_add_cloud(scenario *sc, const char *name)
{
    cloud_spec *c = grow((void **)&sc->clouds, &sc->nclouds, sizeof *c);
    if (!c) return -1;
    c->name = dupstr(name);
    c->power_start = param_const(0.0);
    c->power_add_per_month = param_const(0.0);
    c->power_delay_months = param_const(0.0);
    c->power_max = param_const(INFINITY);
    c->spot_max_h100e = param_const(0.0);
    c->spot_availability.family = DIST_CONSTANT;
    c->spot_availability.p[0] = 1.0;
    c->spot_usd_per_h100e_hour = param_const(0.0);
    c->spot_decline_per_year = param_const(0.0);
    char key[512];
    snprintf(key, sizeof key, "clouds.%s.spot.availability", name);
    c->spot_stream = rng_hash(key);
    return c->name ? (int)sc->nclouds - 1 : -1;
}

int scenario_add_segment(scenario *sc, const char *name, double start_h100e, double growth)
{
    segment_spec *s = grow((void **)&sc->segments, &sc->nsegments, sizeof *s);
    if (!s) return -1;
    s->name = dupstr(name);
    s->start_h100e = param_const(start_h100e);
    s->growth = param_const(growth);
    s->growth_halflife_months = param_const(INFINITY);
    s->volatility = param_const(0.0);
    s->jumps_per_year = param_const(0.0);
    s->jump_size.family = DIST_CONSTANT;
    s->jump_size.p[0] = 1.0;
    s->usd_per_h100e_hour = param_const(0.0);
    s->spot_efficiency = param_const(1.0);
    s->value_usd_per_h100e_hour = param_const(0.0);   /* unused unless has_value */
    s->price_decline_per_year = param_const(0.0);
    s->eligible = calloc(sc->nchips ? sc->nchips : 1, sizeof *s->eligible);
    s->efficiency = calloc(sc->nchips ? sc->nchips : 1, sizeof *s->efficiency);
    if (!s->name || !s->eligible || !s->efficiency) return -1;
    for (size_t k = 0; k < sc->nchips; k++) s->efficiency[k] = param_const(1.0);
    char key[512];
    snprintf(key, sizeof key, "demand.%s.shock", name);
    s->shock_stream = rng_hash(key);
    snprintf(key, sizeof key, "demand.%s.jumps", name);
    s->jump_stream = rng_hash(key);
    return (int)sc->nsegments - 1;
}

int scenario_add_contract(scenario *sc, const char *name, int cloud, int from, int to, billing_kind billing)
{
    contract_spec *c = grow((void **)&sc->contracts, &sc->ncontracts, sizeof *c);
    if (!c) return -1;
    size_t nch = sc->nchips ? sc->nchips : 1, nseg = sc->nsegments ? sc->nsegments : 1;
    c->name = dupstr(name);
    c->cloud = cloud;
    c->from = from;
    c->to = to;
    c->billing = billing;
    c->has_price = calloc(nch, sizeof *c->has_price);
    c->price = calloc(nch, sizeof *c->price);
    c->escalator = param_const(0.0);
    c->min_spend_usd = param_const(0.0);
    c->first_refusal = calloc(nseg, sizeof *c->first_refusal);
    c->exclusive = calloc(nseg, sizeof *c->exclusive);
    c->exclusive_until = to + 1;
    c->rs_rate = param_const(0.0);
    c->rs_segments = calloc(nseg, sizeof *c->rs_segments);
    c->rs_cap_usd = param_const(INFINITY);
    c->rs_until = to + 1;
    c->min_spend_basis = BASIS_CONTRACTED;
    c->default_per_year = param_const(0.0);
    c->capex_usd_per_chip = param_const(0.0);
    c->book_life_months = param_const(1.0);
    char key[512];
    snprintf(key, sizeof key, "contracts.%s.default", name);
    c->default_stream = rng_hash(key);
    if (!c->name || !c->has_price || !c->price || !c->first_refusal || !c->exclusive || !c->rs_segments)
        return -1;
    for (size_t k = 0; k < sc->nchips; k++) c->price[k] = param_const(0.0);
    return (int)sc->ncontracts - 1;
}

int scenario_add_funding(scenario *sc, const char *name, double usd, int at)
{
    funding_spec *f = grow((void **)&sc->funding, &sc->nfunding, sizeof *f);
    if (!f) return -1;
    f->name = dupstr(name);
    f->usd = param_const(usd);
    f->at = at;
    f->conditional = 0;
    f->below_usd = param_const(0.0);
    return f->name ? (int)sc->nfunding - 1 : -1;
}

int scenario_add_tranche(scenario *sc, int contract, int chip, double count, int online)
{
    contract_spec *c = &sc->contracts[contract];
    tranche_spec *t = grow((void **)&c->tranches, &c->ntranches, sizeof *t);
    if (!t) return -1;
    t->chip = chip;
    t->count = param_const(count);
    t->online = online;
    t->ramp_months = param_const(1.0);
    t->delay_months = param_const(0.0);
    t->fulfilled = param_const(1.0);
    t->option = -1;
    return (int)c->ntranches - 1;
}

const char *const scenario_option_kinds[OPTION_NKINDS] = { "expand", "terminate", "extend" };
const char *const scenario_option_metrics[METRIC_NKINDS] = { "unmet_share", "utilisation" };

int scenario_add_option(scenario *sc, int contract, const char *name, option_kind kind)
{
    option_spec *o = grow((void **)&sc->options, &sc->noptions, sizeof *o);
    if (!o) return -1;
    const contract_spec *c = &sc->contracts[contract];
    o->name = dupstr(name);
    o->contract = contract;
    o->kind = kind;
    o->window_from = c->from;
    o->window_to = c->to;
    o->metric = METRIC_UNMET_SHARE;
    o->months = param_const(1.0);
    o->above = 1;
    o->threshold = param_const(0.0);
    o->segments = calloc(sc->nsegments ? sc->nsegments : 1, sizeof *o->segments);
    o->fee_usd = param_const(0.0);
    o->lead_months = param_const(0.0);
    o->extend_months = param_const(0.0);
    o->tranche = -1;
    if (!o->name || !o->segments) return -1;
    for (size_t s = 0; s < sc->nsegments; s++) o->segments[s] = 1;
    return (int)sc->noptions - 1;
}

param scenario_add_uncertain(scenario *sc, const char *keypath, const dist_spec *d, int line, int col)
{
    param p = { 0.0, -1 };
    uncertain_spec *u = grow((void **)&sc->uncertain, &sc->nuncertain, sizeof *u);
    if (!u) return p;
    u->keypath = dupstr(keypath);
    if (!u->keypath || dist_copy(&u->dist, d) != 0) {
        free(u->keypath);
        sc->nuncertain--;
        return p;
    }
    u->stream = rng_hash(keypath);
    u->line = line;
    u->col = col;
    p.idx = (int)sc->nuncertain - 1;
    return p;
}

#define FIND_BY_NAME(arr, n, field)                                   \
    for (size_t i = 0; i < (n); i++)                                  \
        if (strcmp((arr)[i].field, name) == 0) return (int)i;         \
    return -1

int scenario_find_chip(const scenario *sc, const char *name) { FIND_BY_NAME(sc->chips, sc->nchips, name); }
int scenario_find_cloud(const scenario *sc, const char *name) { FIND_BY_NAME(sc->clouds, sc->nclouds, name); }
int scenario_find_segment(const scenario *sc, const char *name) { FIND_BY_NAME(sc->segments, sc->nsegments, name); }
int scenario_find_contract(const scenario *sc, const char *name) { FIND_BY_NAME(sc->contracts, sc->ncontracts, name); }
int scenario_find_uncertain(const scenario *sc, const char *name) { FIND_BY_NAME(sc->uncertain, sc->nuncertain, keypath); }

int scenario_month_index(const scenario *sc, int year, int month)
{
    return (year - sc->start_year) * 12 + (month - sc->start_month);
}

void scenario_month_label(const scenario *sc, int t, char buf[8])
{
    int m0 = sc->start_year * 12 + (sc->start_month - 1) + t;
    unsigned y = (unsigned)(m0 / 12) % 10000u, m = (unsigned)(m0 % 12) + 1u;
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '\0';
}
