/*
 * test_loader: scenario files -> scenario (sim/scenario/loader.c and its helpers yamldoc,
 * keypath, fields, diag_list, suggest), and scenario_print.
 *
 * Layers: what lands where (every distribution family's parameters in its dist_spec,
 * the key paths of uncertain values, fresh month-by-month distributions, defaults,
 * dates, numbers such as 38e9); `--set` overrides; the exact text of every kind of
 * error, several in one pass and in file order; the bad-scenario corpus in tests/bad
 * (each NAME.yaml against NAME.expected, exactly); the round trip of the resolved
 * scenario that `capsim check` prints; and the names that come from one table (the
 * distribution families a scenario may write, the sampling kinds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_errno.h>

#include "sim/scenario/bounds.h"
#include "sim/scenario/factors.h"
#include "sim/scenario/keypath.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/scenario_print.h"
#include "sim/base/suggest.h"
#include "sim/scenario/yamldoc.h"
#include "sim/scenario/fields.h"

#define assert_near(a, b, tol) do { \
        double a_ = (a), b_ = (b); \
        if (!(fabs(a_ - b_) <= (tol))) \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, (double)(tol)); \
    } while (0)

/* ---- helpers ---- */

typedef struct {
    scenario *sc;
    char *errs;     /* everything written to the error stream */
    int n;          /* error count */
} result;

static result load_sets(const char *yaml, const char *const *sets, size_t nsets)
{
    result r = { NULL, NULL, -1 };
    size_t len = 0;
    FILE *f = open_memstream(&r.errs, &len);
    assert_non_null(f);
    r.sc = loader_load_text(yaml, strlen(yaml), "t.yaml", sets, nsets, f, &r.n);
    fclose(f);
    return r;
}

static result load(const char *yaml)
{
    return load_sets(yaml, NULL, 0);
}

static void done(result *r)
{
    scenario_free(r->sc);
    free(r->errs);
}

/* The load must fail with exactly `expected` on the error stream. */
static void expect_errors(const char *yaml, const char *expected)
{
    result r = load(yaml);
    assert_null(r.sc);
    assert_string_equal(r.errs, expected);
    assert_true(r.n > 0);
    done(&r);
}

/* Load must succeed; returns the scenario (the caller frees it). */
static scenario *load_ok(const char *yaml, const char *const *sets, size_t nsets)
{
    result r = load_sets(yaml, sets, nsets);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    assert_int_equal(r.n, 0);
    assert_string_equal(r.errs, "");
    free(r.errs);
    return r.sc;
}

static const uncertain_spec *unc(const scenario *sc, param p)
{
    assert_true(p.idx >= 0 && (size_t)p.idx < sc->nuncertain);
    return &sc->uncertain[p.idx];
}

#define HEAD "scenario: { name: t, start: 2025-01, months: 12 }\n"

/* A scenario that uses every family, every section and most optional keys. */
static const char full[] =
    "scenario: { name: full, description: \"a \\\"test\\\"\", start: 2025-11, months: 60,\n"
    "            discount_rate: 0.1 }\n"
    "simulation: { paths: 500, seed: 18446744073709551615, sampling: lhs, antithetic: true }\n"
    "chips:\n"
    "  gb200: { h100e: 2.5, kw: 2.2, life_months: 72 }\n"
    "  trn2: { h100e: 1.2, kw: 1.0, life_months: { dist: uniform, min: 48, max: 72 },\n"
    "          maturity: { from: 0.6, months: 12, start: 2026-01 } }\n"
    "clouds:\n"
    "  aws:\n"
    "    power_mw: { start: 250, add_per_month: { dist: pert, min: 10, mode: 20, max: 40 },\n"
    "                delay_months: 3, max: 2000 }\n"
    "    spot: { max_h100e: 40000, availability: { dist: beta, mean: 0.5, sd: 0.2 },\n"
    "            usd_per_h100e_hour: 3.9 }\n"
    "  azure:\n"
    "    power_mw: { start: 1100, add_per_month: 110 }\n"
    "    spot: { max_h100e: 1000, availability: 0.7, usd_per_h100e_hour: 5 }\n"
    "  google: {}\n"
    "demand:\n"
    "  - name: inference\n"
    "    start_h100e: 38e9\n"
    "    growth: { dist: lognormal, median: 2.0, sigma: 0.3 }\n"
    "    growth_halflife_months: 36\n"
    "    volatility: { dist: gamma, mean: 0.25, sd: 0.05, min: 0.1, max: 0.5 }\n"
    "    jumps: { per_year: { dist: triangular, min: 0, mode: 0.5, max: 1 },\n"
    "             size: { dist: lognormal, median: 1.15, sigma: 0.1 } }\n"
    "    usd_per_h100e_hour: 3.0\n"
    "    priority: -2\n"
    "    chips: { gb200: 1.0, trn2: { dist: normal, mean: 0.8, sd: 0.05, min: 0.5, max: 1.0 },\n"
    "             spot: 0.9 }\n"
    "  - name: training\n"
    "    start_h100e: 1.5e-3\n"
    "    growth: 2\n"
    "    jumps: { per_year: 1, size: 1.1 }\n"
    "    chips: { gb200: 1 }\n"
    "contracts:\n"
    "  - name: aws-2025\n"
    "    cloud: aws\n"
    "    from: 2025-11\n"
    "    to: 2032-10\n"
    "    billing: usage\n"
    "    price: { gb200: 3.2, trn2: { dist: discrete, values: [1.5, 1.0, 2.0],\n"
    "                                 weights: [0.5, 0.25, 0.25] } }\n"
    "    escalator: -0.02\n"
    "    capacity:\n"
    "      - { chip: gb200, count: 200000, online: 2026-06, ramp_months: 6,\n"
    "          delay_months: { dist: lognormal, median: 2, sigma: 0.7 },\n"
    "          fulfilled: { dist: beta, mean: 0.9, sd: 0.05 } }\n"
    "      - { chip: trn2, count: 1000, online: 2027-01 }\n"
    "    min_spend: { usd: 38e9, period: year }\n"
    "    first_refusal: [training]\n"
    "    exclusive: { segments: [inference], until: 2026-04 }\n"
    "    revenue_share: { rate: 0.2, segments: all, cap_usd: 38e9, until: 2030-12 }\n"
    "  - name: azure\n"
    "    cloud: azure\n"
    "    from: 2024-01\n"
    "    to: 2026-12\n"
    "    billing: reserved\n"
    "    price: { gb200: 2.0 }\n"
    "    revenue_share: { rate: 0.1, segments: [training] }\n"
    "    exclusive: { segments: [training, inference] }\n"
    "correlations:\n"
    "  - [demand.inference.growth, contracts.0.capacity.0.delay_months, 0.5]\n";

/* ---- what lands where ---- */

static void test_scenario_and_simulation(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);
    assert_string_equal(sc->name, "full");
    assert_string_equal(sc->description, "a \"test\"");
    assert_int_equal(sc->start_year, 2025);
    assert_int_equal(sc->start_month, 11);
    assert_int_equal(sc->months, 60);
    assert_near(sc->discount_rate, 0.1, 0);
    assert_int_equal(sc->paths, 500);
    assert_true(sc->seed == UINT64_MAX);
    assert_int_equal(sc->sampling, SAMPLING_LHS);
    assert_int_equal(sc->antithetic, 1);
    assert_string_equal(sc->source_path, "t.yaml");
    assert_string_equal(sc->text, full);
    assert_int_equal(sc->nchips, 2);
    assert_int_equal(sc->nclouds, 3);
    assert_int_equal(sc->nsegments, 2);
    assert_int_equal(sc->ncontracts, 2);
    scenario_free(sc);
}

static void test_every_family(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);
    const dist_spec *d = &unc(sc, sc->chips[1].life_months)->dist;
    assert_int_equal(d->family, DIST_UNIFORM);
    assert_near(d->p[0], 48, 0);
    assert_near(d->p[1], 72, 0);
    d = &unc(sc, sc->clouds[0].power_add_per_month)->dist;
    assert_int_equal(d->family, DIST_PERT);
    assert_near(d->p[0], 10, 0);
    assert_near(d->p[1], 20, 0);
    assert_near(d->p[2], 40, 0);
    d = &unc(sc, sc->segments[0].growth)->dist;
    assert_int_equal(d->family, DIST_LOGNORMAL);
    assert_near(d->p[0], 2.0, 0);
    assert_near(d->p[1], 0.3, 0);
    assert_true(isinf(d->lo) && d->lo < 0 && isinf(d->hi) && d->hi > 0);
    d = &unc(sc, sc->segments[0].volatility)->dist;
    assert_int_equal(d->family, DIST_GAMMA);
    assert_near(d->p[0], 0.25, 0);
    assert_near(d->p[1], 0.05, 0);
    assert_near(d->lo, 0.1, 0);
    assert_near(d->hi, 0.5, 0);
    d = &unc(sc, sc->segments[0].jumps_per_year)->dist;
    assert_int_equal(d->family, DIST_TRIANGULAR);
    assert_near(d->p[0], 0, 0);
    assert_near(d->p[1], 0.5, 0);
    assert_near(d->p[2], 1, 0);
    d = &unc(sc, sc->segments[0].efficiency[1])->dist;
    assert_int_equal(d->family, DIST_NORMAL);
    assert_near(d->p[0], 0.8, 0);
    assert_near(d->p[1], 0.05, 0);
    assert_near(d->lo, 0.5, 0);
    assert_near(d->hi, 1.0, 0);
    d = &unc(sc, sc->contracts[0].price[1])->dist;
    assert_int_equal(d->family, DIST_DISCRETE);
    assert_int_equal(d->n, 3);
    /* dist_validate sorts the values, weights following */
    assert_near(d->values[0], 1.0, 0);
    assert_near(d->values[1], 1.5, 0);
    assert_near(d->values[2], 2.0, 0);
    assert_near(d->weights[0], 0.25, 0);
    assert_near(d->weights[1], 0.5, 0);
    assert_near(d->weights[2], 0.25, 0);
    d = &unc(sc, sc->contracts[0].tranches[0].fulfilled)->dist;
    assert_int_equal(d->family, DIST_BETA);
    assert_near(d->p[0], 0.9, 0);
    assert_near(d->p[1], 0.05, 0);
    assert_true(d->shape_a > 0 && d->shape_b > 0);   /* validated */
    scenario_free(sc);
}

/* A lognormal written by its 10th and 90th percentiles or by its mean and sd becomes the
 * median and sigma with those percentiles or moments (closed forms); mixing pairs, half a
 * pair and p10 >= p90 are errors at the distribution. */
static void test_lognormal_forms(void **state)
{
    (void)state;
    const char *sets[] = { "demand.0.growth={dist: lognormal, p10: 1.5, p90: 3.0}",
                           "demand.0.volatility={dist: lognormal, mean: 0.2, sd: 0.05}" };
    scenario *sc = load_ok(full, sets, 2);
    const dist_spec *d = &unc(sc, sc->segments[0].growth)->dist;
    assert_int_equal(d->family, DIST_LOGNORMAL);
    /* median sqrt(1.5 x 3), sigma ln(2) / (2 x 1.2815515655446004) */
    assert_near(d->p[0], sqrt(4.5), 1e-15);
    assert_near(d->p[1], log(2.0) / (2 * 1.2815515655446004), 1e-15);
    assert_near(dist_quantile(d, 0.1), 1.5, 1.5e-14);
    assert_near(dist_quantile(d, 0.9), 3.0, 3e-14);
    d = &unc(sc, sc->segments[0].volatility)->dist;
    assert_int_equal(d->family, DIST_LOGNORMAL);
    assert_near(dist_mean(d), 0.2, 1e-15);
    assert_near(dist_sd(d), 0.05, 1e-15);
    scenario_free(sc);
    const char *bad[][2] = {
        { "demand.0.growth={dist: lognormal, median: 2, p90: 3}",
          "lognormal takes one pair: median and sigma, p10 and p90, or mean and sd (found median, p90)" },
        { "demand.0.growth={dist: lognormal, p10: 2}", "lognormal needs 'p10' and 'p90' together" },
        { "demand.0.growth={dist: lognormal, p10: 3, p90: 2}", "p10 3 and p90 2 (expected 0 < p10 < p90)" },
        { "demand.0.growth={dist: lognormal, mean: 2, sd: 0}", "mean 2 and sd 0 (expected mean > 0 and sd > 0)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        result r = load_sets(full, bad[i], 1);
        assert_null(r.sc);
        if (!strstr(r.errs, bad[i][1])) fail_msg("%s: got %s", bad[i][0], r.errs);
        done(&r);
    }
}

static void test_uncertain_key_paths(void **state)
{
    (void)state;
    static const char *const want[] = {
        "chips.trn2.life_months",
        "clouds.aws.power_mw.add_per_month",
        "demand.inference.growth",
        "demand.inference.volatility",
        "demand.inference.jumps.per_year",
        "demand.inference.chips.trn2",
        "contracts.aws-2025.price.trn2",
        "contracts.aws-2025.capacity.0.delay_months",
        "contracts.aws-2025.capacity.0.fulfilled",
    };
    scenario *sc = load_ok(full, NULL, 0);
    assert_int_equal(sc->nuncertain, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sc->nuncertain; i++) {
        assert_string_equal(sc->uncertain[i].keypath, want[i]);
        assert_true(sc->uncertain[i].line > 0 && sc->uncertain[i].col > 0);
    }
    /* Where it was written: the distribution's mapping. */
    assert_int_equal(sc->uncertain[2].line, 21);
    assert_int_equal(sc->uncertain[2].col, 13);
    /* The correlation, given with an index, resolved to the canonical name. */
    assert_int_equal(sc->ncorr, 1);
    assert_string_equal(sc->uncertain[sc->corr[0].a].keypath, "demand.inference.growth");
    assert_string_equal(sc->uncertain[sc->corr[0].b].keypath,
                        "contracts.aws-2025.capacity.0.delay_months");
    assert_near(sc->corr[0].rho, 0.5, 0);
    assert_int_equal(sc->corr[0].line, 62);
    scenario_free(sc);
}

static void test_fresh_distributions(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);
    const cloud_spec *aws = &sc->clouds[0], *azure = &sc->clouds[1];
    assert_int_equal(aws->spot_availability.family, DIST_BETA);
    assert_near(aws->spot_availability.p[0], 0.5, 0);
    assert_near(aws->spot_availability.p[1], 0.2, 0);
    assert_near(dist_mean(&aws->spot_availability), 0.5, 1e-12);
    assert_int_equal(azure->spot_availability.family, DIST_CONSTANT);
    assert_near(azure->spot_availability.p[0], 0.7, 0);
    assert_int_equal(aws->has_spot, 1);
    assert_near(aws->spot_max_h100e.value, 40000, 0);
    assert_near(aws->spot_usd_per_h100e_hour.value, 3.9, 0);
    const segment_spec *inf = &sc->segments[0], *tr = &sc->segments[1];
    assert_int_equal(inf->has_jumps, 1);
    assert_int_equal(inf->jump_size.family, DIST_LOGNORMAL);
    assert_near(inf->jump_size.p[0], 1.15, 0);
    assert_near(inf->jump_size.p[1], 0.1, 0);
    assert_int_equal(tr->jump_size.family, DIST_CONSTANT);
    assert_near(tr->jump_size.p[0], 1.1, 0);
    assert_near(tr->jumps_per_year.value, 1, 0);
    /* Neither is an uncertain value (sampled once per path). */
    assert_int_equal(scenario_find_uncertain(sc, "clouds.aws.spot.availability"), -1);
    assert_int_equal(scenario_find_uncertain(sc, "demand.inference.jumps.size"), -1);
    scenario_free(sc);
}

static void test_defaults(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);
    const chip_spec *gb = &sc->chips[0];
    assert_int_equal(gb->has_maturity, 0);
    const cloud_spec *azure = &sc->clouds[1], *google = &sc->clouds[2];
    assert_near(azure->power_delay_months.value, 0, 0);
    assert_true(isinf(azure->power_max.value));
    assert_int_equal(google->has_power, 0);
    assert_int_equal(google->has_spot, 0);
    const segment_spec *tr = &sc->segments[1];
    assert_true(isinf(tr->growth_halflife_months.value));
    assert_near(tr->volatility.value, 0, 0);
    assert_near(tr->usd_per_h100e_hour.value, 0, 0);
    assert_int_equal(tr->priority, 0);
    assert_int_equal(tr->eligible[0], 1);
    assert_int_equal(tr->eligible[1], 0);
    assert_int_equal(tr->spot_eligible, 0);
    const tranche_spec *t = &sc->contracts[0].tranches[1];
    assert_near(t->ramp_months.value, 1, 0);
    assert_near(t->delay_months.value, 0, 0);
    assert_near(t->fulfilled.value, 1, 0);
    assert_int_equal(t->ramp_months.idx, -1);
    const contract_spec *az = &sc->contracts[1];
    assert_near(az->escalator.value, 0, 0);
    assert_int_equal(az->has_min_spend, 0);
    assert_int_equal(az->ntranches, 0);
    assert_int_equal(az->exclusive_until, az->to + 1);
    assert_int_equal(az->rs_until, az->to + 1);
    assert_true(isinf(az->rs_cap_usd.value));
    /* A minimal file: scenario_alloc's simulation defaults. */
    scenario *m = load_ok(HEAD, NULL, 0);
    assert_int_equal(m->paths, 1000);
    assert_true(m->seed == 1);
    assert_int_equal(m->sampling, SAMPLING_RANDOM);
    assert_int_equal(m->antithetic, 0);
    assert_near(m->discount_rate, 0, 0);
    assert_string_equal(m->description, "");
    scenario_free(m);
    scenario_free(sc);
}

static void test_values(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);
    const chip_spec *trn = &sc->chips[1];
    assert_int_equal(trn->has_maturity, 1);
    assert_near(trn->maturity_from.value, 0.6, 0);
    assert_near(trn->maturity_months.value, 12, 0);
    const cloud_spec *aws = &sc->clouds[0];
    assert_int_equal(aws->has_power, 1);
    assert_near(aws->power_start.value, 250, 0);
    assert_near(aws->power_delay_months.value, 3, 0);
    assert_near(aws->power_max.value, 2000, 0);
    const segment_spec *inf = &sc->segments[0];
    assert_near(inf->start_h100e.value, 38e9, 0);
    assert_near(sc->segments[1].start_h100e.value, 1.5e-3, 0);
    assert_near(inf->growth_halflife_months.value, 36, 0);
    assert_near(inf->usd_per_h100e_hour.value, 3.0, 0);
    assert_int_equal(inf->priority, -2);
    assert_int_equal(inf->eligible[0], 1);
    assert_near(inf->efficiency[0].value, 1.0, 0);
    assert_int_equal(inf->spot_eligible, 1);
    assert_near(inf->spot_efficiency.value, 0.9, 0);
    const contract_spec *c = &sc->contracts[0];
    assert_int_equal(c->cloud, 0);
    assert_int_equal(c->billing, BILLING_USAGE);
    assert_int_equal(sc->contracts[1].billing, BILLING_RESERVED);
    assert_int_equal(c->has_price[0], 1);
    assert_near(c->price[0].value, 3.2, 0);
    assert_near(c->escalator.value, -0.02, 0);
    assert_int_equal(c->ntranches, 2);
    assert_int_equal(c->tranches[0].chip, 0);
    assert_int_equal(c->tranches[1].chip, 1);
    assert_near(c->tranches[0].count.value, 200000, 0);
    assert_near(c->tranches[0].ramp_months.value, 6, 0);
    assert_int_equal(c->has_min_spend, 1);
    assert_near(c->min_spend_usd.value, 38e9, 0);
    assert_int_equal(c->min_spend_period, PERIOD_YEAR);
    assert_int_equal(c->first_refusal[0], 0);
    assert_int_equal(c->first_refusal[1], 1);
    assert_int_equal(c->has_exclusive, 1);
    assert_int_equal(c->exclusive[0], 1);
    assert_int_equal(c->exclusive[1], 0);
    assert_int_equal(c->has_revenue_share, 1);
    assert_near(c->rs_rate.value, 0.2, 0);
    assert_int_equal(c->rs_segments[0], 1);   /* all */
    assert_int_equal(c->rs_segments[1], 1);
    assert_near(c->rs_cap_usd.value, 38e9, 0);
    const contract_spec *az = &sc->contracts[1];
    assert_int_equal(az->rs_segments[0], 0);
    assert_int_equal(az->rs_segments[1], 1);
    assert_int_equal(az->exclusive[0], 1);
    assert_int_equal(az->exclusive[1], 1);
    scenario_free(sc);
}

static void test_dates(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);   /* start 2025-11 */
    assert_int_equal(sc->chips[1].maturity_start, 2);          /* 2026-01 */
    assert_int_equal(sc->contracts[0].from, 0);                /* 2025-11 */
    assert_int_equal(sc->contracts[0].to, 83);                 /* 2032-10: 84 months */
    assert_int_equal(sc->contracts[0].tranches[0].online, 7);  /* 2026-06 */
    assert_int_equal(sc->contracts[0].tranches[1].online, 14); /* 2027-01 */
    assert_int_equal(sc->contracts[0].exclusive_until, 5);     /* 2026-04 */
    assert_int_equal(sc->contracts[0].rs_until, 61);           /* 2030-12 */
    assert_int_equal(sc->contracts[1].from, -22);              /* 2024-01, before the start */
    assert_int_equal(sc->contracts[1].to, 13);                 /* 2026-12 */
    scenario_free(sc);
}

static void test_numbers(void **state)
{
    (void)state;
    double x;
    assert_int_equal(fields_parse_number("38e9", &x, 0), 0);
    assert_near(x, 38e9, 0);
    assert_int_equal(fields_parse_number("1.5e-3", &x, 0), 0);
    assert_near(x, 1.5e-3, 0);
    assert_int_equal(fields_parse_number("-2", &x, 0), 0);
    assert_near(x, -2, 0);
    assert_int_equal(fields_parse_number("0.1", &x, 0), 0);
    assert_near(x, 0.1, 0);
    assert_int_equal(fields_parse_number("+3E2", &x, 0), 0);
    assert_near(x, 300, 0);
    static const char *const bad[] = { "10x000", "", "0x10", "inf", "nan", " 1", "1 ",
                                       "1e999", "1,000", "1_000", "--1", "e5", ".inf" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fields_parse_number(bad[i], &x, 0) == 0) fail_msg("'%s' parsed as %g", bad[i], x);
    assert_int_equal(fields_parse_number(".inf", &x, 1), 0);
    assert_true(isinf(x) && x > 0);
    int y, m;
    assert_int_equal(fields_parse_yearmonth("2025-11", &y, &m), 0);
    assert_int_equal(y, 2025);
    assert_int_equal(m, 11);
    assert_int_equal(fields_parse_yearmonth("2026-6", &y, &m), 0);
    assert_int_equal(m, 6);
    assert_int_equal(fields_parse_yearmonth("2025-13", &y, &m), -2);
    assert_int_equal(fields_parse_yearmonth("2025-00", &y, &m), -2);
    assert_int_equal(fields_parse_yearmonth("2025-11-01", &y, &m), -1);
    assert_int_equal(fields_parse_yearmonth("Nov 2025", &y, &m), -1);
    assert_int_equal(fields_parse_yearmonth("25-11", &y, &m), -1);
}

/* ---- --set ---- */

static void test_set_number_and_distribution(void **state)
{
    (void)state;
    const char *sets[] = {
        "demand.training.growth=3",
        "demand.inference.start_h100e=1e6",
        "demand.training.volatility={dist: normal, mean: 0.2, sd: 0.05, min: 0}",
        "contracts.1.escalator=0.05",                         /* by index */
        "contracts.aws-2025.capacity.1.fulfilled=0.5",
        "simulation.paths=7",
        "scenario.start=2026-01",
    };
    scenario *sc = load_ok(full, sets, sizeof sets / sizeof sets[0]);
    assert_near(sc->segments[1].growth.value, 3, 0);
    assert_int_equal(sc->segments[1].growth.idx, -1);
    assert_near(sc->segments[0].start_h100e.value, 1e6, 0);
    const uncertain_spec *u = unc(sc, sc->segments[1].volatility);
    assert_string_equal(u->keypath, "demand.training.volatility");
    assert_int_equal(u->dist.family, DIST_NORMAL);
    assert_near(u->dist.p[0], 0.2, 0);
    assert_near(u->dist.lo, 0, 0);
    assert_near(sc->contracts[1].escalator.value, 0.05, 0);
    assert_near(sc->contracts[0].tranches[1].fulfilled.value, 0.5, 0);
    assert_int_equal(sc->paths, 7);
    assert_int_equal(sc->contracts[0].from, -2);   /* 2025-11 from a 2026-01 start */
    assert_string_equal(sc->text, full);           /* the file as read, before --set */
    scenario_free(sc);
}

static void test_set_pins_a_correlated_value(void **state)
{
    (void)state;
    /* A sweep pins a correlated distribution to a number: its pair goes, quietly. */
    const char *sets[] = { "demand.inference.growth=2.5" };
    scenario *sc = load_ok(full, sets, 1);
    assert_int_equal(sc->ncorr, 0);
    assert_near(sc->segments[0].growth.value, 2.5, 0);
    assert_int_equal(scenario_find_uncertain(sc, "demand.inference.growth"), -1);
    scenario_free(sc);
    /* The same constant written in the file is a mistake in the correlation. */
    result r = load(HEAD "chips: { h: { h100e: 1, kw: 1, life_months: 1 } }\n"
                    "demand:\n  - { name: a, start_h100e: 1, growth: 2, chips: { h: 1 } }\n"
                    "  - { name: b, start_h100e: 1, growth: {dist: uniform, min: 1, max: 2},"
                    " chips: { h: 1 } }\n"
                    "correlations: [ [demand.a.growth, demand.b.growth, 0.5] ]\n");
    assert_null(r.sc);
    assert_string_equal(r.errs, "t.yaml:6:18: correlations.0: 'demand.a.growth' is not a "
                        "distribution (expected the key path of a field written as "
                        "{dist: ...})\n");
    done(&r);
}

static void test_set_creates_missing_keys(void **state)
{
    (void)state;
    const char *sets[] = { "simulation.seed=42", "scenario.discount_rate=0.05" };
    scenario *sc = load_ok(HEAD, sets, 2);
    assert_true(sc->seed == 42);
    assert_near(sc->discount_rate, 0.05, 0);
    scenario_free(sc);
}

static void test_set_errors(void **state)
{
    (void)state;
    const char *sets[] = {
        "demand.infrence.growth=2",
        "demand.inference.growth",
        "demand.inference.growth=",
        "demand.inference.growht=2",
        "demand.inference.growth={dist: normal, mean: 2",
        "demand.9.growth=2",
    };
    result r = load_sets(full, sets, sizeof sets / sizeof sets[0]);
    assert_null(r.sc);
    assert_int_equal(r.n, 6);
    assert_string_equal(r.errs,
        "--set:1:1: demand.infrence.growth: no element 'infrence' in demand "
        "(did you mean 'inference'?)\n"
        "--set:2:1: 'demand.inference.growth' is not key.path=value (expected --set "
        "key.path=value, such as --set demand.inference.growth=2.5)\n"
        "--set:3:25: demand.inference.growth: missing value (expected key.path=value)\n"
        "--set:4:1: demand.inference: unknown key 'growht' (did you mean 'growth'?)\n"
        "--set:5:47: demand.inference.growth: invalid YAML: did not find expected ',' or '}' "
        "(while parsing a flow mapping that starts at line 5, column 25)\n"
        "--set:6:1: demand.9.growth: no element '9' in demand (expected one of inference, "
        "training, or an index below 2)\n");
    done(&r);
}

static void test_set_value_errors_point_into_the_argument(void **state)
{
    (void)state;
    const char *sets[] = { "demand.training.growth={dist: lognormal, median: 2, sigma: -1}",
                           "simulation.paths=0" };
    result r = load_sets(full, sets, 2);
    assert_null(r.sc);
    assert_string_equal(r.errs,
        "--set:1:24: demand.training.growth: sigma is -1 (expected sigma > 0)\n"
        "--set:2:18: simulation.paths: 0 is out of range (expected a whole number from 1 to "
        "1e12)\n");
    done(&r);
}

/* ---- errors, exact text ---- */

static void test_error_unknown_keys(void **state)
{
    (void)state;
    expect_errors(HEAD "chips:\n  h100: { h100e: 1, kw: 1, life_month: 72, colour: red }\n"
                  "simulaton: {}\n",
        "t.yaml:3:9: chips.h100: missing key 'life_months' (expected a number of months > 0, "
        "or a distribution {dist: ...})\n"
        "t.yaml:3:28: chips.h100: unknown key 'life_month' (did you mean 'life_months'?)\n"
        "t.yaml:3:44: chips.h100: unknown key 'colour' (expected one of h100e, kw, "
        "life_months, maturity)\n"
        "t.yaml:4:1: unknown key 'simulaton' (did you mean 'simulation'?)\n");
}

static void test_error_numbers_and_ranges(void **state)
{
    (void)state;
    expect_errors(HEAD "chips:\n  h100: { h100e: 10x000, kw: -1, life_months: 0 }\n",
        "t.yaml:3:18: chips.h100.h100e: '10x000' is not a number (expected a number > 0, "
        "or a distribution {dist: ...})\n"
        "t.yaml:3:30: chips.h100.kw: -1 is out of range (expected a number >= 0)\n"
        "t.yaml:3:47: chips.h100.life_months: 0 is out of range (expected a number of "
        "months > 0)\n");
    expect_errors("scenario: { name: t, start: 2025-01, months: [12] }\n",
        "t.yaml:1:46: scenario.months: found a list (expected a whole number of months "
        "from 1 to 1200)\n");
}

static void test_error_integers(void **state)
{
    (void)state;
    expect_errors("scenario: { name: t, start: 2025-01, months: 12.5 }\n"
                  "simulation: { paths: {dist: uniform, min: 1, max: 2}, seed: x }\n",
        "t.yaml:1:46: scenario.months: 12.5 is not a whole number (expected a whole number "
        "of months from 1 to 1200)\n"
        "t.yaml:2:22: simulation.paths: a distribution is not allowed here (expected a "
        "whole number from 1 to 1e12)\n"
        "t.yaml:2:61: simulation.seed: 'x' is not a valid seed (expected a whole number "
        "from 0 to 18446744073709551615)\n");
}

/* The one rule for each kind of name (sim/scenario/bounds.h, keypath.h). */
static void test_name_rules(void **state)
{
    (void)state;
    static const char *const good[] = { "multicloud-2026", "v1.2", "a", "2026", "a..b",
                                        "A_b-c.d", "x." };
    static const char *const bad[] = { "", ".", "..", ".hidden", "../x", "/tmp/x", "a/b",
                                       "a b", "a\\b", "a:b", "caf\xc3\xa9", "a\nb", "-\t" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!bounds_valid_scenario_name(good[i])) fail_msg("'%s' refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (bounds_valid_scenario_name(bad[i])) fail_msg("'%s' accepted", bad[i]);
    char name[BOUNDS_NAME_MAX + 2];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    assert_false(bounds_valid_scenario_name(name));           /* 64 characters */
    name[BOUNDS_NAME_MAX] = '\0';
    assert_true(bounds_valid_scenario_name(name));            /* 63 */
    assert_true(keypath_valid_name(name));
    /* Entity names are key path segments: no '.', no '/', not only digits. */
    assert_false(keypath_valid_name("a/b"));
    assert_false(keypath_valid_name(".."));
    assert_false(keypath_valid_name("caf\xc3\xa9"));
    assert_false(keypath_valid_name("2026"));
    assert_true(keypath_valid_name("2026a"));
    name[BOUNDS_NAME_MAX] = 'a';
    assert_false(keypath_valid_name(name));
}

/* scenario.name names the results file: checked at load, with its position. */
static void test_error_scenario_name(void **state)
{
    (void)state;
    expect_errors("scenario: { name: \"../x\", start: 2025-01, months: 12 }\n",
        "t.yaml:1:19: scenario.name: '../x' is not a valid scenario name (expected 1 to 63 "
        "letters, digits, '-', '_' or '.', not starting with '.': it names the results file "
        "NAME.h5)\n");
    const char *sets[] = { "scenario.name=/etc/passwd" };
    result r = load_sets(HEAD, sets, 1);
    assert_null(r.sc);
    assert_string_equal(r.errs, "--set:1:15: scenario.name: '/etc/passwd' is not a valid "
        "scenario name (expected 1 to 63 letters, digits, '-', '_' or '.', not starting with "
        "'.': it names the results file NAME.h5)\n");
    done(&r);
    scenario *sc = load_ok("scenario: { name: v1.2_final-x, start: 2025-01, months: 12 }\n", NULL, 0);
    assert_string_equal(sc->name, "v1.2_final-x");
    scenario_free(sc);
}

/* Whole months the model makes integers: constants up to BOUNDS_SPAN_MONTHS; any
 * distribution (the model clamps its draws). The jump rate: constants up to 1000 a year,
 * a distribution may pass it (clamped) but not go below 0. */
static void test_bounds(void **state)
{
    (void)state;
    const char *tranche = HEAD
        "chips:\n  h100: { h100e: 1, kw: 1, life_months: 1e300 }\n"
        "clouds:\n  aws: {}\n"
        "demand:\n  - { name: s, start_h100e: 1, growth: 1, chips: { h100: 1 },\n"
        "      jumps: { per_year: 1, size: 1 } }\n"
        "contracts:\n  - { name: c, cloud: aws, from: 2025-01, to: 2025-12, billing: usage,\n"
        "      price: { h100: 1 }, capacity: [ { chip: h100, count: 1, online: 2025-01 } ] }\n";
    const char *edge[] = { "contracts.c.capacity.0.ramp_months=1000000",
                           "contracts.c.capacity.0.delay_months=1000000",
                           "demand.s.jumps.per_year=1000", "simulation.paths=1e12" };
    scenario *sc = load_ok(tranche, edge, 4);
    assert_true(sc->contracts[0].tranches[0].ramp_months.value == 1e6);
    assert_true(sc->paths == 1000000000000L);
    scenario_free(sc);
    const char *dists[] = {
        "contracts.c.capacity.0.ramp_months={dist: lognormal, median: 1e9, sigma: 1}",
        "contracts.c.capacity.0.delay_months={dist: lognormal, median: 1e300, sigma: 1}",
        "demand.s.jumps.per_year={dist: discrete, values: [0, 1e9]}" };
    sc = load_ok(tranche, dists, 3);
    assert_int_equal(sc->nuncertain, 3);
    scenario_free(sc);
    const char *over[] = { "contracts.c.capacity.0.ramp_months=1000001",
                           "contracts.c.capacity.0.delay_months=3e9",
                           "demand.s.jumps.per_year=1000.5",
                           "demand.s.jumps.per_year={dist: normal, mean: 1, sd: 1}",
                           "simulation.paths=1000000000001" };
    for (size_t i = 0; i < 4; i++) {
        result r = load_sets(tranche, over + i, 1);
        if (r.sc) fail_msg("%s accepted", over[i]);
        done(&r);
    }
    result r = load_sets(tranche, over, 5);   /* the last --set wins for per_year */
    assert_null(r.sc);
    assert_string_equal(r.errs,
        "--set:1:36: contracts.c.capacity.0.ramp_months: 1000001 is out of range (expected a "
        "number of months from 1 to 1000000)\n"
        "--set:2:37: contracts.c.capacity.0.delay_months: 3e9 is out of range (expected a "
        "number of months from 0 to 1000000)\n"
        "--set:4:25: demand.s.jumps.per_year: normal distribution can take values below 0 "
        "(expected a number of jumps a year from 0 to 1000; add min/max to truncate it)\n"
        "--set:5:18: simulation.paths: 1000000000001 is out of range (expected a whole number "
        "from 1 to 1e12)\n");
    done(&r);
}

static void test_error_distributions(void **state)
{
    (void)state;
    expect_errors(HEAD "chips:\n"
                  "  a: { h100e: {dist: lognorm, median: 1, sigma: 1}, kw: 1, life_months: 1 }\n"
                  "  b: { h100e: {dist: beta, mean: 0.5}, kw: {dist: normal, mean: 1, sd: 1},"
                  " life_months: {mean: 1} }\n"
                  "  c: { h100e: {dist: gamma, mean: 1, sd: 0}, kw: {dist: uniform, min: 0,"
                  " max: 1, mode: 0.5}, life_months: 1 }\n",
        "t.yaml:3:22: chips.a.h100e: unknown distribution 'lognorm' (did you mean "
        "'lognormal'?)\n"
        "t.yaml:4:15: chips.b.h100e: beta needs 'sd' (expected {dist: beta, mean: M, sd: S, "
        "min?: A, max?: B})\n"
        "t.yaml:4:44: chips.b.kw: normal distribution can take values below 0 (expected a "
        "number >= 0; add min/max to truncate it)\n"
        "t.yaml:4:89: chips.b.life_months: mapping without 'dist' (expected a number, or a "
        "distribution {dist: FAMILY, ...} with FAMILY one of normal, lognormal, uniform, "
        "triangular, pert, beta, gamma, discrete)\n"
        "t.yaml:5:15: chips.c.h100e: sd is 0 (expected sd > 0)\n"
        "t.yaml:5:82: chips.c.kw: unknown key 'mode' (expected one of dist, min, max)\n");
}

/* An unknown family lists the families of the table that a scenario may write (all
 * but the constant, which is a plain number), in table order. */
static void test_error_family_names(void **state)
{
    (void)state;
    static const char list[] = "expected one of normal, lognormal, uniform, triangular, "
                               "pert, beta, gamma, discrete";
    char want[512];
    snprintf(want, sizeof want, "t.yaml:3:22: chips.a.h100e: unknown distribution 'weibull' "
             "(%s)\nt.yaml:4:22: chips.b.h100e: unknown distribution 'constant' (%s)\n",
             list, list);
    expect_errors(HEAD "chips:\n"
                  "  a: { h100e: {dist: weibull, shape: 1}, kw: 1, life_months: 1 }\n"
                  "  b: { h100e: {dist: constant, value: 1}, kw: 1, life_months: 1 }\n", want);
    for (int f = 0; f < DIST_NFAMILIES; f++) {
        const char *name = dist_families[f].name;
        assert_true((strstr(list, name) != NULL) == (dist_families[f].usage != NULL));
    }
}

static void test_error_duplicates(void **state)
{
    (void)state;
    expect_errors(HEAD "chips:\n  h: { h100e: 1, kw: 1, life_months: 1 }\n"
                  "  h: { h100e: 1, kw: 1, life_months: 1, kw: 2 }\n"
                  "demand:\n  - { name: s, start_h100e: 1, growth: 1, chips: { h: 1, h: 2 } }\n"
                  "  - { name: s, start_h100e: 1, growth: 1, chips: { h: 1 } }\n",
        "t.yaml:4:3: chips: duplicate key 'h' (expected each key once; first at line 3, "
        "column 3)\n"
        "t.yaml:6:58: demand.s.chips: duplicate key 'h' (expected each key once; first at "
        "line 6, column 52)\n"
        "t.yaml:7:13: demand.1: duplicate segment name 's' (expected unique names; first "
        "used at line 6)\n");
}

static void test_error_references(void **state)
{
    (void)state;
    expect_errors(HEAD "chips:\n  gb200: { h100e: 2.5, kw: 2, life_months: 72 }\n"
                  "clouds: { aws: {} }\n"
                  "demand:\n"
                  "  - { name: inference, start_h100e: 1, growth: 1, chips: { gb20: 1 } }\n"
                  "contracts:\n"
                  "  - { name: c, cloud: azure, from: 2025-01, to: 2025-12, billing: usage,\n"
                  "      price: { h100: 1 },\n"
                  "      capacity: [ { chip: gb200, count: 1, online: 2025-01 } ],\n"
                  "      first_refusal: [inferense], exclusive: { segments: [x] },\n"
                  "      revenue_share: { rate: 0.1, segments: [inference, y] } }\n",
        "t.yaml:6:60: demand.inference.chips.gb20: unknown chip 'gb20' (did you mean "
        "'gb200'?)\n"
        "t.yaml:8:23: contracts.c.cloud: unknown cloud 'azure' (expected one of aws)\n"
        "t.yaml:9:16: contracts.c.price.h100: unknown chip 'h100' (expected one of gb200)\n"
        "t.yaml:10:27: contracts.c.capacity.0.chip: chip 'gb200' has no price in this "
        "contract (expected a key 'gb200' in contracts.c.price)\n"
        "t.yaml:11:23: contracts.c.first_refusal.0: unknown segment 'inferense' (did you "
        "mean 'inference'?)\n"
        "t.yaml:11:59: contracts.c.exclusive.segments.0: unknown segment 'x' (expected one "
        "of inference)\n"
        "t.yaml:12:57: contracts.c.revenue_share.segments.1: unknown segment 'y' (expected "
        "one of inference)\n");
}

static void test_error_dates(void **state)
{
    (void)state;
    expect_errors("scenario: { name: t, start: 2025-1x, months: 12 }\n"
                  "clouds: { aws: {} }\n"
                  "contracts:\n  - { name: c, cloud: aws, from: 2025-06, to: 2025-05,"
                  " billing: usage, exclusive: { segments: [], until: 2025-13 } }\n",
        "t.yaml:1:29: scenario.start: '2025-1x' is not a month (expected a month YYYY-MM, "
        "such as 2026-06)\n"
        "t.yaml:4:47: contracts.c.to: the contract ends before it starts (expected a month "
        "from 2025-06 on)\n"
        "t.yaml:4:106: contracts.c.exclusive.until: '2025-13' has no month 13 (expected "
        "YYYY-MM with a month from 01 to 12)\n");
}

static void test_error_correlations(void **state)
{
    (void)state;
    expect_errors(HEAD "chips:\n  h: { h100e: 1, kw: 1, life_months: 1 }\n"
                  "demand:\n"
                  "  - { name: a, start_h100e: 1, growth: {dist: uniform, min: 1, max: 2},"
                  " chips: { h: 1 } }\n"
                  "  - { name: b, start_h100e: 1, growth: {dist: uniform, min: 1, max: 2},"
                  " chips: { h: 1 } }\n"
                  "correlations:\n"
                  "  - [demand.a.growth, demand.c.growth, 0.5]\n"
                  "  - [demand.a.growth, demand.b.start_h100e, 0.5]\n"
                  "  - [demand.a.growth, demand.b.growth, -1.5]\n"
                  "  - [demand.a.growth, demand.0.growth, 0.5]\n"
                  "  - [demand.a.growth, demand.b.growth]\n",
        "t.yaml:8:23: correlations.0: unknown key path 'demand.c.growth': no element 'c' in "
        "demand (expected one of a, b, or an index below 2)\n"
        "t.yaml:9:23: correlations.1: 'demand.b.start_h100e' is not a distribution (expected "
        "the key path of a field written as {dist: ...})\n"
        "t.yaml:10:40: correlations.2.2: -1.5 is out of range (expected a rank correlation "
        "in [-1, 1])\n"
        "t.yaml:11:5: correlations.3: 'demand.a.growth' is paired with itself (expected two "
        "different key paths)\n"
        "t.yaml:12:5: correlations.4: found a list of the wrong length (expected [key.path, "
        "key.path, rho])\n");
}

static void test_error_not_positive_definite(void **state)
{
    (void)state;
    result r = load(HEAD "chips:\n  h: { h100e: 1, kw: 1, life_months: 1 }\n"
                    "demand:\n"
                    "  - { name: a, start_h100e: 1, growth: {dist: uniform, min: 1, max: 2},"
                    " chips: { h: 1 } }\n"
                    "  - { name: b, start_h100e: 1, growth: {dist: uniform, min: 1, max: 2},"
                    " chips: { h: 1 } }\n"
                    "  - { name: c, start_h100e: 1, growth: {dist: uniform, min: 1, max: 2},"
                    " chips: { h: 1 } }\n"
                    "correlations:\n"
                    "  - [demand.a.growth, demand.b.growth, 0.9]\n"
                    "  - [demand.a.growth, demand.c.growth, 0.9]\n"
                    "  - [demand.b.growth, demand.c.growth, -0.9]\n");
    assert_null(r.sc);
    assert_int_equal(r.n, 1);
    /* The wording of the matrix problem is sample.c's; the position and key path ours. */
    assert_non_null(strstr(r.errs, "t.yaml:9:3: correlations: "));
    assert_non_null(strstr(r.errs, "positive definite"));
    done(&r);
}

static void test_error_types_and_syntax(void **state)
{
    (void)state;
    expect_errors(HEAD "chips: [a]\ndemand: { a: 1 }\ncontracts:\n  - 5\n",
        "t.yaml:2:8: chips: found a list (expected a mapping of chip names to {h100e: ..., "
        "kw: ..., life_months: ...})\n"
        "t.yaml:3:9: demand: found a mapping (expected a list of segments: - {name: ..., "
        "start_h100e: ..., ...})\n"
        "t.yaml:5:5: contracts.0: found a scalar (expected a contract {name: ..., cloud: ..., "
        "from: YYYY-MM, to: YYYY-MM, billing: ..., ...})\n");
    expect_errors("scenario: { name: t\n",
        "t.yaml:2:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow "
        "mapping that starts at line 1, column 11)\n");
    expect_errors("", "t.yaml:1:1: the scenario is empty (expected a mapping with keys "
                  "scenario, simulation, chips, clouds, demand, contracts, correlations, factors, finance)\n");
    expect_errors("a: &x [*x]\n", "t.yaml:1:4: recursive alias (expected a tree, not a cycle)\n");
    expect_errors("chips: {}\n", "t.yaml:1:1: missing key 'scenario' (expected {name: ..., "
                  "start: YYYY-MM, months: N})\n");
}

static void test_many_errors_in_file_order(void **state)
{
    (void)state;
    /* Contracts are checked after demand, demand after chips: the report is by line. */
    result r = load("contracts:\n"
                    "  - { name: c, cloud: x, from: 2025-01, to: 2025-12, billing: y }\n"
                    "demand:\n  - { name: d, start_h100e: -1, growth: 0, chips: { z: 1 } }\n"
                    "chips:\n  h: { h100e: 1, kw: 1, life_months: -1 }\n"
                    HEAD);
    assert_null(r.sc);
    assert_int_equal(r.n, 6);
    assert_string_equal(r.errs,
        "t.yaml:2:23: contracts.c.cloud: unknown cloud 'x' (expected a cloud defined under "
        "clouds:, and there is none)\n"
        "t.yaml:2:63: contracts.c.billing: unknown value 'y' (expected one of reserved, "
        "usage, owned)\n"
        "t.yaml:4:29: demand.d.start_h100e: -1 is out of range (expected a number >= 0)\n"
        "t.yaml:4:41: demand.d.growth: 0 is out of range (expected a number > 0)\n"
        "t.yaml:4:53: demand.d.chips.z: unknown chip 'z' (expected one of h, spot)\n"
        "t.yaml:6:38: chips.h.life_months: -1 is out of range (expected a number of months "
        "> 0)\n");
    done(&r);
}

/* ---- the corpus of bad scenarios ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

/* The lines of NAME.sets, as --set arguments (in place in text). */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    for (char *s = text; s && *s && n < max;) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        lines[n++] = s;
        s = nl ? nl + 1 : NULL;
    }
    return n;
}

static void check_bad_file(const char *dir, const char *name)
{
    char yaml[512], expected[512], setsf[512];
    size_t base = strlen(name) - strlen(".yaml");
    snprintf(yaml, sizeof yaml, "%s/%s", dir, name);
    snprintf(expected, sizeof expected, "%s/%.*s.expected", dir, (int)base, name);
    snprintf(setsf, sizeof setsf, "%s/%.*s.sets", dir, (int)base, name);
    char *want = slurp(expected);
    if (!want) fail_msg("%s has no %s", yaml, expected);
    char *sets_text = slurp(setsf), *sets[32];
    size_t nsets = sets_text ? split_lines(sets_text, sets, 32) : 0;
    char *errs = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&errs, &len);
    int n = 0;
    scenario *sc = loader_load_file(yaml, (const char *const *)sets, nsets, f, &n);
    fclose(f);
    if (sc) fail_msg("%s loaded without error", yaml);
    if (strcmp(errs, want) != 0) fail_msg("%s:\n--- got:\n%s--- expected:\n%s", yaml, errs, want);
    assert_true(n > 0);
    free(errs);
    free(want);
    free(sets_text);
}

static void test_bad_corpus(void **state)
{
    (void)state;
    const char *dir = "tests/bad";
    DIR *d = opendir(dir);
    if (!d) {
        print_message("tests/bad not found (run from the repository root): skipped\n");
        skip();
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= 5 || strcmp(e->d_name + n - 5, ".yaml") != 0) continue;
        check_bad_file(dir, e->d_name);
        count++;
    }
    closedir(d);
    assert_true(count >= 15);
}

/* ---- printing ---- */

static char *print_to_string(const scenario *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    scenario_print(f, sc);
    fclose(f);
    return buf;
}

static void test_print_round_trip(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);
    char *a = print_to_string(sc);
    scenario *again = load_ok(a, NULL, 0);
    char *b = print_to_string(again);
    /* Identical but for the first line, which names the source. */
    assert_string_equal(strchr(a, '\n'), strchr(b, '\n'));
    assert_int_equal(again->nuncertain, sc->nuncertain);
    for (size_t i = 0; i < sc->nuncertain; i++)
        assert_string_equal(again->uncertain[i].keypath, sc->uncertain[i].keypath);
    assert_true(again->seed == sc->seed);
    free(a);
    free(b);
    scenario_free(again);
    scenario_free(sc);
}

static void test_print_content(void **state)
{
    (void)state;
    scenario *sc = load_ok(full, NULL, 0);
    char *out = print_to_string(sc);
    char line[256];
    const dist_spec *g = &unc(sc, sc->segments[0].growth)->dist;
    /* lognormal quantiles: median x exp(sigma z), z = -+1.6448536269514722 */
    snprintf(line, sizeof line, "    growth: {dist: lognormal, median: 2, sigma: 0.3}   # "
             "sampled once per path: mean %.6g, sd %.6g; P5 %.6g, P50 2, P95 %.6g\n", dist_mean(g), dist_sd(g),
             2 * exp(-0.3 * 1.6448536269514722), 2 * exp(0.3 * 1.6448536269514722));
    assert_non_null(strstr(out, line));
    assert_non_null(strstr(out, "  start: 2025-11\n  months: 60   # 2025-11 .. 2030-10\n"));
    assert_non_null(strstr(out, "  seed: 18446744073709551615\n"));
    assert_non_null(strstr(out, "    start_h100e: 38000000000\n"));
    assert_non_null(strstr(out, "      max: .inf\n"));                 /* azure power */
    assert_non_null(strstr(out, "    growth_halflife_months: .inf\n"));
    assert_non_null(strstr(out, "        ramp_months: 1\n"));          /* a default */
    assert_non_null(strstr(out, "      until: 2027-01\n"));            /* to + 1 */
    assert_non_null(strstr(out, "      availability: 0.7\n"));
    assert_non_null(strstr(out, "    # term: 84 months\n"));
    /* what period: year means, in numbers: $38B over 84 months is 7 floors of $5.429B */
    assert_non_null(strstr(out, "      period: year   # the term's 84 months in 7 periods from `from`: a floor "
                                "of usd x 12 / 84 each (5.429e+09)\n"));
    assert_non_null(strstr(out, "  - [demand.inference.growth, "
                                "contracts.aws-2025.capacity.0.delay_months, 0.5]\n"));
    assert_non_null(strstr(out, "    price:\n      gb200: 3.2\n      trn2: {dist: discrete, "
                                "values: [1, 1.5, 2], weights: [0.25, 0.5, 0.25]}"));
    free(out);
    scenario_free(sc);
}

/* docs/MODEL.md 10 and 11: scenario.allocation, value_usd_per_h100e_hour,
 * price_decline_per_year, spot.decline_per_year: parsed, defaulted, refused out of
 * range, reachable by --set, and printed back so that the print round-trips. */
static const char value_keys[] =
    "scenario: { name: v, start: 2025-01, months: 12, allocation: value }\n"
    "chips: { h100: { h100e: 1, kw: 1, life_months: 60 } }\n"
    "clouds:\n"
    "  a: { spot: { max_h100e: 10, availability: 1, usd_per_h100e_hour: 2,\n"
    "               decline_per_year: { dist: uniform, min: 0.1, max: 0.3 } } }\n"
    "  b: { spot: { max_h100e: 10, availability: 1, usd_per_h100e_hour: 2 } }\n"
    "demand:\n"
    "  - { name: api, start_h100e: 1, growth: 1, usd_per_h100e_hour: 3,\n"
    "      value_usd_per_h100e_hour: 5, price_decline_per_year: 0.25, chips: { h100: 1 } }\n"
    "  - { name: training, start_h100e: 1, growth: 1,\n"
    "      usd_per_h100e_hour: { dist: uniform, min: 1, max: 2 }, chips: { h100: 1 } }\n";

static void test_value_and_price_keys(void **state)
{
    (void)state;
    scenario *sc = load_ok(value_keys, NULL, 0);
    assert_int_equal(sc->allocation, ALLOCATION_VALUE);
    const segment_spec *api = &sc->segments[0], *tr = &sc->segments[1];
    assert_int_equal(api->has_value, 1);
    assert_near(api->value_usd_per_h100e_hour.value, 5, 0);
    assert_int_equal(api->has_price_decline, 1);
    assert_near(api->price_decline_per_year.value, 0.25, 0);
    /* defaults: value is the revenue param (model side), no decline */
    assert_int_equal(tr->has_value, 0);
    assert_int_equal(tr->has_price_decline, 0);
    assert_int_equal(sc->clouds[1].has_spot_decline, 0);
    /* a distribution is an uncertain value under its key path */
    assert_int_equal(sc->clouds[0].has_spot_decline, 1);
    assert_string_equal(unc(sc, sc->clouds[0].spot_decline_per_year)->keypath,
                        "clouds.a.spot.decline_per_year");
    char *a = print_to_string(sc);
    assert_non_null(strstr(a, "  allocation: value\n"));
    assert_non_null(strstr(a, "    value_usd_per_h100e_hour: 5\n"));
    assert_non_null(strstr(a, "    price_decline_per_year: 0.25\n"));
    assert_non_null(strstr(a, "    # value_usd_per_h100e_hour: usd_per_h100e_hour (the default)\n"));
    assert_non_null(strstr(a, "      # decline_per_year: none (the price stays)\n"));
    scenario *again = load_ok(a, NULL, 0);
    char *b = print_to_string(again);
    assert_string_equal(strchr(a, '\n'), strchr(b, '\n'));
    free(a);
    free(b);
    scenario_free(again);
    scenario_free(sc);
    /* absent: priority allocation */
    scenario *m = load_ok(HEAD, NULL, 0);
    assert_int_equal(m->allocation, ALLOCATION_PRIORITY);
    scenario_free(m);
    /* --set reaches every new key */
    const char *sets[] = { "scenario.allocation=priority", "demand.training.value_usd_per_h100e_hour=7",
                           "demand.training.price_decline_per_year=0.5",
                           "clouds.b.spot.decline_per_year=0.1" };
    sc = load_ok(value_keys, sets, 4);
    assert_int_equal(sc->allocation, ALLOCATION_PRIORITY);
    assert_int_equal(sc->segments[1].has_value, 1);
    assert_near(sc->segments[1].value_usd_per_h100e_hour.value, 7, 0);
    assert_near(sc->segments[1].price_decline_per_year.value, 0.5, 0);
    assert_int_equal(sc->clouds[1].has_spot_decline, 1);
    assert_near(sc->clouds[1].spot_decline_per_year.value, 0.1, 0);
    scenario_free(sc);
    /* errors: d = 1 and d < 0 refused, an unknown allocation, a negative value */
    expect_errors("scenario: { name: t, start: 2025-01, months: 12, allocation: greedy }\n"
                  "clouds: { a: { spot: { max_h100e: 1, availability: 1, usd_per_h100e_hour: 1,"
                  " decline_per_year: 1 } } }\n"
                  "demand: [ { name: x, start_h100e: 1, growth: 1, chips: { spot: 1 },"
                  " value_usd_per_h100e_hour: -2, price_decline_per_year: -0.5 } ]\n",
        "t.yaml:1:62: scenario.allocation: unknown value 'greedy' (expected one of priority, value)\n"
        "t.yaml:2:96: clouds.a.spot.decline_per_year: 1 is out of range (expected a fraction of "
        "the price lost per year, in [0, 1))\n"
        "t.yaml:3:95: demand.x.value_usd_per_h100e_hour: -2 is out of range (expected a number "
        ">= 0)\n"
        "t.yaml:3:123: demand.x.price_decline_per_year: -0.5 is out of range (expected a "
        "fraction of the price lost per year, in [0, 1))\n");
}

/* Every sampling name of scenario_sampling_names loads as its kind and prints back;
 * the names are the four a scenario writes. */
/* ---- common factors (docs/MODEL.md 12) ---- */

/* Three tranche delays in two contracts, one growth; two factors. */
static const char factored[] =
    HEAD
    "chips: { h100: { h100e: 1, kw: 1.6, life_months: 72 } }\n"
    "clouds: { aws: {} }\n"
    "demand:\n"
    "  - { name: a, start_h100e: 1, growth: { dist: lognormal, median: 2, sigma: 0.3 }, chips: { h100: 1 } }\n"
    "contracts:\n"
    "  - name: aws-1\n"
    "    cloud: aws\n"
    "    from: 2025-01\n"
    "    to: 2025-12\n"
    "    billing: reserved\n"
    "    price: { h100: 2 }\n"
    "    capacity:\n"
    "      - { chip: h100, count: 1, online: 2025-01, delay_months: { dist: gamma, mean: 2, sd: 1 } }\n"
    "      - { chip: h100, count: 1, online: 2025-02, delay_months: { dist: gamma, mean: 2, sd: 1 } }\n"
    "  - name: gcp-1\n"
    "    cloud: aws\n"
    "    from: 2025-01\n"
    "    to: 2025-12\n"
    "    billing: reserved\n"
    "    price: { h100: 2 }\n"
    "    capacity:\n"
    "      - { chip: h100, count: 1, online: 2025-01, delay_months: { dist: gamma, mean: 2, sd: 1 } }\n"
    "factors:\n"
    "  nvidia:\n"
    "    contracts.*.capacity.*.delay_months: 0.8\n"
    "  aws_only:\n"
    "    contracts.aws-*.capacity.?.delay_months: -0.3\n"
    "    demand.a.growth: 0.5\n"
    "    contracts.gcp-1.capacity.0.delay_months: 0\n";

/* Glob semantics: fnmatch per dot-separated component; '*' inside a component only. */
static void test_factor_globs(void **state)
{
    (void)state;
    const char *kp = "contracts.aws-2025.capacity.0.delay_months";
    assert_true(factors_glob_match("contracts.*.capacity.*.delay_months", kp));
    assert_true(factors_glob_match("contracts.aws-*.capacity.[0-3].delay_months", kp));
    assert_true(factors_glob_match(kp, kp));
    assert_false(factors_glob_match("contracts.*.delay_months", kp));      /* * is one component */
    assert_false(factors_glob_match("contracts.*", kp));
    assert_false(factors_glob_match("*", kp));
    assert_false(factors_glob_match("contracts.gcp-*.capacity.*.delay_months", kp));
    assert_false(factors_glob_match("contracts.*.capacity.*.delay_months.x", kp));
    assert_true(factors_glob_match("*.*.*.*.*", kp));
    assert_true(factors_glob_valid("demand.*.growth"));
    assert_true(factors_glob_valid("contracts.aws-[!x]?.capacity.*.fulfilled"));
    assert_false(factors_glob_valid(""));
    assert_false(factors_glob_valid("demand..growth"));
    assert_false(factors_glob_valid(".demand"));
    assert_false(factors_glob_valid("demand."));
    assert_false(factors_glob_valid("demand.a b.growth"));
    assert_false(factors_glob_valid("demand/a"));
}

/* What lands where: the terms as written, the resolved loadings sorted by (value,
 * factor), zero loadings kept as terms but not as loadings. */
static void test_factor_load(void **state)
{
    (void)state;
    scenario *sc = load_ok(factored, NULL, 0);
    assert_int_equal(sc->nuncertain, 4);   /* growth, aws-1.0, aws-1.1, gcp-1.0 */
    assert_int_equal(sc->nfactors, 2);
    assert_string_equal(sc->factors[0].name, "nvidia");
    assert_int_equal(sc->factors[0].nterms, 1);
    assert_string_equal(sc->factors[0].terms[0].glob, "contracts.*.capacity.*.delay_months");
    assert_int_equal(sc->factors[0].terms[0].line, 26);
    assert_int_equal(sc->factors[1].nterms, 3);
    assert_near(sc->factors[1].terms[0].loading, -0.3, 0);
    const loading_spec want[] = {
        { 0, 1, 0.5 }, { 1, 0, 0.8 }, { 1, 1, -0.3 }, { 2, 0, 0.8 }, { 2, 1, -0.3 }, { 3, 0, 0.8 },
    };
    assert_int_equal(sc->nloadings, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(sc->loadings[i].u, want[i].u);
        assert_int_equal(sc->loadings[i].f, want[i].f);
        assert_near(sc->loadings[i].l, want[i].l, 0);
    }
    assert_near(factors_sum_squares(sc, 1), 0.64 + 0.09, 1e-15);
    assert_near(factors_sum_squares(sc, 3), 0.64, 1e-15);
    char *out = print_to_string(sc);
    assert_non_null(strstr(out, "factors:\n  nvidia:\n    \"contracts.*.capacity.*.delay_months\": 0.8"
                                "   # matches 3 values\n  aws_only:\n"));
    assert_non_null(strstr(out, "    \"contracts.gcp-1.capacity.0.delay_months\": 0   # matches 1 value\n"));
    scenario *again = load_ok(out, NULL, 0);
    char *out2 = print_to_string(again);
    assert_string_equal(strchr(out, '\n'), strchr(out2, '\n'));
    assert_int_equal(again->nloadings, 6);
    free(out);
    free(out2);
    scenario_free(again);
    scenario_free(sc);
    /* no factors: the section prints empty */
    sc = load_ok(HEAD, NULL, 0);
    out = print_to_string(sc);
    assert_non_null(strstr(out, "correlations: []\nfactors: {}\n"));
    free(out);
    scenario_free(sc);
}

/* --set of a loading: factors.FACTOR.GLOB=value, the glob taken whole; a new glob or a
 * new factor is added. --vary goes the same way. */
static void test_factor_set(void **state)
{
    (void)state;
    const char *sets[] = {
        "factors.nvidia.contracts.*.capacity.*.delay_months=0.6",
        "factors.power.demand.*.growth=-0.25",
        "factors.aws_only.contracts.gcp-1.capacity.0.delay_months=0.1",
    };
    scenario *sc = load_ok(factored, sets, 3);
    assert_int_equal(sc->nfactors, 3);
    assert_int_equal(sc->factors[0].nterms, 1);
    assert_near(sc->factors[0].terms[0].loading, 0.6, 0);
    assert_string_equal(sc->factors[2].name, "power");
    assert_string_equal(sc->factors[2].terms[0].glob, "demand.*.growth");
    assert_near(sc->factors[2].terms[0].loading, -0.25, 0);
    assert_near(factors_sum_squares(sc, 0), 0.25 + 0.0625, 1e-15);
    assert_near(factors_sum_squares(sc, 3), 0.36 + 0.01, 1e-15);
    scenario_free(sc);
}

/* A --set that pins every value a glob matches (as a sweep does) leaves the glob with
 * nothing to load: not an error, and `check` prints neither the glob nor an empty
 * factor, so that its output loads again. A glob that matches nothing otherwise is. */
static void test_factor_pinned(void **state)
{
    (void)state;
    const char *sets[] = { "demand.a.growth=2" };
    scenario *sc = load_ok(factored, sets, 1);
    assert_int_equal(sc->nuncertain, 3);
    char *out = print_to_string(sc);
    assert_null(strstr(out, "demand.a.growth\":"));
    scenario *again = load_ok(out, NULL, 0);
    free(out);
    scenario_free(again);
    scenario_free(sc);
    const char *all[] = { "contracts.aws-1.capacity.0.delay_months=1", "contracts.aws-1.capacity.1.delay_months=1",
                          "contracts.gcp-1.capacity.0.delay_months=1", "demand.a.growth=2" };
    sc = load_ok(factored, all, 4);
    assert_int_equal(sc->nloadings, 0);
    out = print_to_string(sc);
    assert_non_null(strstr(out, "factors: {}\n"));
    free(out);
    scenario_free(sc);
}

static void test_factor_errors(void **state)
{
    (void)state;
    const char *sets[] = { "factors.nvidia.contracts.*.capacity.*.delay_month=0.2",
                           "factors.aws_only.demand.a.growth=0.9" };
    result r = load_sets(factored, sets, 2);
    assert_null(r.sc);
    assert_string_equal(r.errs,
        "--set:1:1: factors.nvidia.contracts.*.capacity.*.delay_month: "
        "'contracts.*.capacity.*.delay_month' matches no uncertain value (expected a glob over "
        "the key paths of fields written as {dist: ...}; capsim check lists them at its end)\n");
    done(&r);
    r = load_sets(factored, sets + 1, 1);   /* 0.9^2 alone is fine: the sum is checked */
    assert_non_null(r.sc);
    done(&r);
    const char *over[] = { "factors.aws_only.contracts.aws-*.capacity.?.delay_months=-0.7" };
    r = load_sets(factored, over, 1);
    assert_null(r.sc);
    assert_string_equal(r.errs,
        "--set:1:58: factors.aws_only.contracts.aws-*.capacity.?.delay_months: the loadings of "
        "contracts.aws-1.capacity.0.delay_months (nvidia 0.8, aws_only -0.7) have squares "
        "summing to 1.13 (expected a sum below 1 for each value: 1 minus the sum is the share "
        "of its own variation; 1 more value too)\n");
    done(&r);
}

/* The bounds: 200 globs over all factors, 1000 loaded values (bounds.h). */
static void test_factor_bounds(void **state)
{
    (void)state;
    size_t cap = 1 << 20, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    used += (size_t)snprintf(text + used, cap - used, "%s",
        HEAD "chips: { h100: { h100e: 1, kw: 1.6, life_months: 72 } }\nclouds: { aws: {} }\n"
        "contracts:\n");
    for (int c = 0; c < 2; c++) {
        used += (size_t)snprintf(text + used, cap - used, "  - name: c%d\n    cloud: aws\n"
            "    from: 2025-01\n    to: 2025-12\n    billing: reserved\n    price: { h100: 2 }\n"
            "    capacity:\n", c);
        for (int t = 0; t < 501; t++)
            used += (size_t)snprintf(text + used, cap - used, "      - { chip: h100, count: 1, "
                "online: 2025-01, delay_months: { dist: uniform, min: 0, max: 2 } }\n");
    }
    size_t base = used;
    snprintf(text + used, cap - used, "factors:\n  f:\n    contracts.*.capacity.*.delay_months: 0.5\n");
    result r = load(text);
    assert_null(r.sc);
    assert_string_equal(r.errs, "t.yaml:1022:3: factors: the factors load 1002 values (expected at "
                                "most 1000)\n");
    done(&r);
    used = base + (size_t)snprintf(text + base, cap - base, "factors:\n  f:\n");
    for (int g = 0; g < 201; g++)
        used += (size_t)snprintf(text + used, cap - used, "    contracts.c0.capacity.%d.delay_months: 0.1\n", g);
    r = load(text);
    assert_null(r.sc);
    assert_string_equal(r.errs, "t.yaml:1023:5: factors.f: 201 loadings in all (expected at most "
                                "200 key path globs over all factors)\n");
    done(&r);
    free(text);
}

static void test_sampling_names(void **state)
{
    (void)state;
    static const char *const names[] = { "random", "lhs", "sobol", "saltelli" };
    assert_int_equal(SAMPLING_NKINDS, 4);
    for (int k = 0; k < SAMPLING_NKINDS; k++) {
        assert_string_equal(scenario_sampling_name((sampling_kind)k), names[k]);
        assert_ptr_equal(scenario_sampling_name((sampling_kind)k), scenario_sampling_names[k]);
        char yaml[256], line[64];
        snprintf(yaml, sizeof yaml, HEAD "simulation: { sampling: %s }\n", names[k]);
        scenario *sc = load_ok(yaml, NULL, 0);
        assert_int_equal(sc->sampling, k);
        char *out = print_to_string(sc);
        snprintf(line, sizeof line, "\n  sampling: %s\n", names[k]);
        assert_non_null(strstr(out, line));
        free(out);
        scenario_free(sc);
    }
    assert_string_equal(scenario_sampling_name(SAMPLING_NKINDS), "unknown");
    expect_errors(HEAD "simulation: { sampling: sobel }\n",
                  "t.yaml:2:25: simulation.sampling: unknown value 'sobel' (did you mean "
                  "'sobol'?)\n");
}

/* ---- helpers' units ---- */

static void test_suggest(void **state)
{
    (void)state;
    assert_int_equal(suggest_distance("kitten", "sitting"), 3);
    assert_int_equal(suggest_distance("", "abc"), 3);
    assert_int_equal(suggest_distance("same", "same"), 0);
    static const char *const keys[] = { "volatility", "growth", "growth_halflife_months" };
    assert_string_equal(suggest_closest("volatilty", keys, 3), "volatility");
    assert_string_equal(suggest_closest("grwth", keys, 3), "growth");
    assert_null(suggest_closest("colour", keys, 3));
    char buf[128];
    suggest_text(buf, sizeof buf, "colour", keys, 3, NULL);
    assert_string_equal(buf, "expected one of volatility, growth, growth_halflife_months");
    suggest_text(buf, sizeof buf, "x", keys, 0, "nothing defined");
    assert_string_equal(buf, "nothing defined");
}

static void test_keypath(void **state)
{
    (void)state;
    assert_true(keypath_valid_name("aws-2025"));
    assert_true(keypath_valid_name("gb200_x"));
    assert_false(keypath_valid_name("0"));
    assert_false(keypath_valid_name("a.b"));
    assert_false(keypath_valid_name("a b"));
    assert_false(keypath_valid_name(""));
    yamldoc_error e;
    const char *text = "demand: [ {name: a, g: 1}, {name: b, g: {x: 2}}, {g: 3}, {name: a} ]\n";
    yamldoc_node *root = yamldoc_parse(text, strlen(text), "t", 0, 0, &e);
    assert_non_null(root);
    char canon[KEYPATH_MAX], msg[256];
    yamldoc_node *n = keypath_find(root, "demand.1.g.x", canon, sizeof canon, msg, sizeof msg);
    assert_non_null(n);
    assert_string_equal(n->str, "2");
    assert_string_equal(canon, "demand.b.g.x");
    n = keypath_find(root, "demand.2.g", canon, sizeof canon, msg, sizeof msg);
    assert_non_null(n);
    assert_string_equal(canon, "demand.2.g");          /* no name: the index */
    n = keypath_find(root, "demand.3", canon, sizeof canon, msg, sizeof msg);
    assert_non_null(n);
    assert_string_equal(canon, "demand.3");            /* a duplicate name: the index */
    assert_null(keypath_find(root, "demand.c", canon, sizeof canon, msg, sizeof msg));
    assert_string_equal(msg, "no element 'c' in demand (expected one of a, b, or an index "
                        "below 4)");
    assert_null(keypath_find(root, "demand..g", canon, sizeof canon, msg, sizeof msg));
    yamldoc_node *v = yamldoc_new_scalar("5", "--set", 1, 3);
    assert_int_equal(keypath_set(root, "demand.a.g", v, "--set", 1, 1, msg, sizeof msg), 0);
    n = keypath_find(root, "demand.0.g", canon, sizeof canon, msg, sizeof msg);
    assert_string_equal(n->str, "5");
    assert_string_equal(n->origin, "--set");
    yamldoc_free(root);
}

static void test_yamldoc_positions_and_aliases(void **state)
{
    (void)state;
    yamldoc_error e;
    const char *text = "a: &x {b: 1}\nc: *x\n";
    yamldoc_node *root = yamldoc_parse(text, strlen(text), "f", 0, 0, &e);
    assert_non_null(root);
    const yamldoc_node *c = yamldoc_get(root, "c");
    assert_non_null(c);
    assert_int_equal(c->kind, YAMLDOC_MAP);             /* the alias, expanded */
    assert_string_equal(yamldoc_get(c, "b")->str, "1");
    assert_int_equal(root->keys[1]->line, 2);
    assert_int_equal(root->keys[1]->col, 1);
    yamldoc_free(root);
    /* --set values: line offset, and a column offset on the first line. */
    root = yamldoc_parse("{x: 1}", 6, "--set", 2, 10, &e);
    assert_int_equal(root->line, 3);
    assert_int_equal(root->col, 11);
    assert_int_equal(yamldoc_get(root, "x")->col, 15);
    yamldoc_free(root);
    assert_null(yamldoc_parse("[", 1, "f", 0, 0, &e));
    assert_true(e.line >= 1 && strstr(e.msg, "invalid YAML") != NULL);
}

static void test_load_file(void **state)
{
    (void)state;
    char *errs = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&errs, &len);
    int n = 0;
    assert_null(loader_load_file("no/such/file.yaml", NULL, 0, f, &n));
    fclose(f);
    assert_int_equal(n, 1);
    assert_string_equal(errs, "no/such/file.yaml: cannot read the scenario: No such file or "
                        "directory\n");
    free(errs);
    /* No error stream, no count: still NULL, no crash. */
    assert_null(loader_load_text("x: [", 4, NULL, NULL, 0, NULL, NULL));
    /* Text need not be NUL-terminated: only len bytes count. */
    const char two[] = HEAD "garbage: [";
    scenario *sc = loader_load_text(two, strlen(HEAD), "t", NULL, 0, NULL, &n);
    assert_non_null(sc);
    assert_int_equal(n, 0);
    assert_string_equal(sc->text, HEAD);
    scenario_free(sc);
}

/* ---- limits of the YAML reader (issue 13, items 6 and 7) ---- */

/* CPU seconds since start. The bounds below are 10x and more what the checks take under
 * sanitizers, and far below what the loading of before took: 24 s for the nesting, 58 s
 * for the duplicate-key check, 43 s for the unknown keys. */
static double cpu_since(clock_t start)
{
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

/* A text of `count` copies of `unit` between `head` and `tail`; the caller frees it. */
static char *repeat(const char *head, const char *unit, size_t count, const char *tail,
                    size_t *len)
{
    size_t h = strlen(head), u = strlen(unit), t = strlen(tail);
    char *s = malloc(h + u * count + t + 1);
    assert_non_null(s);
    memcpy(s, head, h);
    for (size_t i = 0; i < count; i++) memcpy(s + h + i * u, unit, u);
    memcpy(s + h + u * count, tail, t + 1);
    *len = h + u * count + t;
    return s;
}

static void test_yamldoc_limits_while_parsing(void **state)
{
    (void)state;
    yamldoc_error e;
    size_t len;
    /* 100k nested [: the 65th level (the 65th [) stops the parse, at once. */
    char *text = repeat("", "[", 100000, "", &len);
    clock_t t0 = clock();
    assert_null(yamldoc_parse(text, len, "f", 0, 0, &e));
    assert_true(cpu_since(t0) < 2.0);
    assert_string_equal(e.msg, "nested too deeply (expected at most 64 levels)");
    assert_int_equal(e.line, 1);
    assert_int_equal(e.col, 65);
    free(text);
    /* 64 levels are fine. */
    char ok[128];
    memset(ok, '[', 64);
    memset(ok + 64, ']', 64);
    yamldoc_node *root = yamldoc_parse(ok, sizeof ok, "f", 0, 0, &e);
    assert_non_null(root);
    yamldoc_free(root);
    /* A list of 1M + 1 items: too many nodes, said as such (no alias in sight); the
     * 1000001st node is the 1000000th item. */
    text = repeat("[", "0,", 1000000, "0]", &len);
    t0 = clock();
    assert_null(yamldoc_parse(text, len, "f", 0, 0, &e));
    assert_true(cpu_since(t0) < 20.0);
    assert_string_equal(e.msg, "too many nodes (limit 1000000)");
    assert_int_equal(e.line, 1);
    assert_int_equal(e.col, 2 * 999999 + 2);
    free(text);
    /* Aliases that expand past the limit: said as such. */
    text = repeat("a: &a [", "0, ", 999, "0]\nb: &b [", &len);
    char *more = repeat(text, "*a, ", 999, "*a]\nc: [*b, *b]\n", &len);
    free(text);
    assert_null(yamldoc_parse(more, len, "f", 0, 0, &e));
    assert_string_equal(e.msg, "document too large after alias expansion (expected at most "
                        "1000000 nodes)");
    free(more);
    /* An alias copied deeper than the limit. */
    text = repeat("a: &a ", "[", 40, "", &len);
    char *deep = repeat(text, "]", 40, "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]\n",
                        &len);
    free(text);
    assert_null(yamldoc_parse(deep, len, "f", 0, 0, &e));
    assert_string_equal(e.msg, "nested too deeply (expected at most 64 levels)");
    free(deep);
    /* Text over 16 MiB: refused before parsing, with no position. */
    len = (16u << 20) + 1;
    text = malloc(len);
    assert_non_null(text);
    memset(text, '#', len);
    assert_null(yamldoc_parse(text, len, "f", 0, 0, &e));
    assert_string_equal(e.msg, "the scenario is larger than 16 MiB (expected at most 16777216 "
                        "bytes of YAML)");
    assert_int_equal(e.line, 0);
    root = yamldoc_parse(text, len - 1, "f", 0, 0, &e);   /* 16 MiB exactly: a comment */
    assert_non_null(root);
    assert_true(yamldoc_is_null(root));
    yamldoc_free(root);
    free(text);
}

static void test_yamldoc_one_document(void **state)
{
    (void)state;
    yamldoc_error e;
    const char *two = "a: 1\n---\n{ [\n";
    assert_null(yamldoc_parse(two, strlen(two), "f", 0, 0, &e));
    assert_string_equal(e.msg, "a scenario is one YAML document; a second starts here");
    assert_int_equal(e.line, 2);
    assert_int_equal(e.col, 1);
    const char *ended = "--- [1]\n...\n--- 2\n";
    assert_null(yamldoc_parse(ended, strlen(ended), "f", 0, 0, &e));
    assert_int_equal(e.line, 3);
    /* One document with its markers is fine; so is an empty one. */
    const char *one = "---\na: 1\n...\n";
    yamldoc_node *root = yamldoc_parse(one, strlen(one), "f", 0, 0, &e);
    assert_non_null(root);
    assert_string_equal(yamldoc_get(root, "a")->str, "1");
    yamldoc_free(root);
    root = yamldoc_parse("---\n", 4, "f", 0, 0, &e);
    assert_non_null(root);
    assert_true(yamldoc_is_null(root));
    yamldoc_free(root);
    /* Through the loader: the file, and a --set value. */
    expect_errors(HEAD "---\n{ [\n", "t.yaml:2:1: a scenario is one YAML document; a second "
                  "starts here\n");
    const char *sets[] = { "scenario.months=24\n--- 36" };
    result r = load_sets(HEAD, sets, 1);
    assert_null(r.sc);
    assert_string_equal(r.errs, "--set:1:26: scenario.months: a scenario is one YAML "
                        "document; a second starts here\n");
    done(&r);
    /* What libyaml's loader said about anchors is said the same. */
    expect_errors("a: &x 1\nb: &x 2\n", "t.yaml:2:4: invalid YAML: second occurrence (found "
                  "duplicate anchor; first occurrence that starts at line 1, column 4)\n");
    expect_errors("a: *y\n", "t.yaml:1:4: invalid YAML: found undefined alias\n");
    expect_errors("a: &x {b: [1, *x]}\n", "t.yaml:1:4: recursive alias (expected a tree, not "
                  "a cycle)\n");
}

static void test_duplicate_keys_in_a_large_map(void **state)
{
    (void)state;
    /* 100k keys, of which k7 comes twice more at the end: two errors, each pointing at
     * the first k7, in the order written; in O(n log n). */
    size_t n = 100000, cap = n * 16 + 64, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++) used += (size_t)snprintf(text + used, cap - used, "k%zu: 1\n", i);
    used += (size_t)snprintf(text + used, cap - used, "k7: 2\n[x]: 3\nk7: 4\n");
    yamldoc_error e;
    yamldoc_node *root = yamldoc_parse(text, used, "t.yaml", 0, 0, &e);
    assert_non_null(root);
    fields_env env = { .diag = diag_alloc() };
    assert_non_null(env.diag);
    diag_origin(env.diag, "t.yaml");
    fields m;
    clock_t t0 = clock();
    assert_int_equal(fields_open(&m, &env, root, "", "a mapping"), 0);
    assert_true(cpu_since(t0) < 2.0);
    assert_int_equal(diag_count(env.diag), 3);
    char *errs = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&errs, &len);
    assert_non_null(f);
    diag_print(env.diag, f);
    fclose(f);
    assert_string_equal(errs,
        "t.yaml:100001:1: duplicate key 'k7' (expected each key once; first at line 8, "
        "column 1)\n"
        "t.yaml:100002:1: found a list as a key (expected a plain name)\n"
        "t.yaml:100003:1: duplicate key 'k7' (expected each key once; first at line 8, "
        "column 1)\n");
    free(errs);
    diag_free(env.diag);
    yamldoc_free(root);
    free(text);
}

static void test_unknown_keys_by_the_100k(void **state)
{
    (void)state;
    /* 100k unknown top-level keys: the first 1000 errors kept, the rest counted. */
    size_t n = 100000, cap = n * 16 + 256, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    used += (size_t)snprintf(text, cap, HEAD);
    for (size_t i = 0; i < n; i++) used += (size_t)snprintf(text + used, cap - used, "k%zu: 1\n", i);
    char *errs = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&errs, &len);
    assert_non_null(f);
    int nerr = 0;
    clock_t t0 = clock();
    assert_null(loader_load_text(text, used, "t.yaml", NULL, 0, f, &nerr));
    assert_true(cpu_since(t0) < 5.0);
    fclose(f);
    assert_int_equal(nerr, 100000);
    assert_non_null(strstr(errs, "t.yaml:2:1: unknown key 'k0' (expected one of scenario, "));
    assert_non_null(strstr(errs, "t.yaml: ... and 99000 more errors\n"));
    free(errs);
    free(text);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as capsim does: errors are returned, not aborted on */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_and_simulation),
        cmocka_unit_test(test_every_family),
        cmocka_unit_test(test_lognormal_forms),
        cmocka_unit_test(test_uncertain_key_paths),
        cmocka_unit_test(test_fresh_distributions),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_set_number_and_distribution),
        cmocka_unit_test(test_set_pins_a_correlated_value),
        cmocka_unit_test(test_set_creates_missing_keys),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_set_value_errors_point_into_the_argument),
        cmocka_unit_test(test_error_unknown_keys),
        cmocka_unit_test(test_error_numbers_and_ranges),
        cmocka_unit_test(test_error_integers),
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_error_scenario_name),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_error_distributions),
        cmocka_unit_test(test_error_family_names),
        cmocka_unit_test(test_error_duplicates),
        cmocka_unit_test(test_error_references),
        cmocka_unit_test(test_error_dates),
        cmocka_unit_test(test_error_correlations),
        cmocka_unit_test(test_error_not_positive_definite),
        cmocka_unit_test(test_error_types_and_syntax),
        cmocka_unit_test(test_many_errors_in_file_order),
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_print_round_trip),
        cmocka_unit_test(test_print_content),
        cmocka_unit_test(test_factor_globs),
        cmocka_unit_test(test_factor_load),
        cmocka_unit_test(test_factor_set),
        cmocka_unit_test(test_factor_pinned),
        cmocka_unit_test(test_factor_errors),
        cmocka_unit_test(test_factor_bounds),
        cmocka_unit_test(test_sampling_names),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_keypath),
        cmocka_unit_test(test_yamldoc_positions_and_aliases),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_yamldoc_limits_while_parsing),
        cmocka_unit_test(test_yamldoc_one_document),
        cmocka_unit_test(test_duplicate_keys_in_a_large_map),
        cmocka_unit_test(test_unknown_keys_by_the_100k),
        cmocka_unit_test(test_value_and_price_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
