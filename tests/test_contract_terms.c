/*
 * test_contract_terms: the contract terms of docs/MODEL.md 5, "Commitments that follow delivery" and "Counterparty default" against hand
 * computations (the arithmetic is in the comments; HOURS = 730) and closed forms.
 *
 *   min_spend.basis: delivered   each period's floor times min(1, B_del / B_sch)
 *   default: {per_year}          the first month of a Bernoulli(1 - exp(-per_year/12))
 *                                event; from then on the contract is void
 *
 * Also the loader side: the keys, their defaults, their errors, --set and the round trip
 * of `capsim check`. Scenarios are built by hand (model_fixture.h) or loaded from text.
 */
#include "model_fixture.h"
#include "loader_fixture.h"
#include "sim/random/rng.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/scenario_print.h"

#include <string.h>
#include <gsl/gsl_rng.h>

/* One chip (1 H100e, 1 kW, life 1000), one cloud, one segment of constant demand
 * `demand` at $2, and one contract "c" [from, to] at $1 a chip-hour with one tranche
 * of `count` chips online at `online`. */
typedef struct {
    scenario *sc;
    int chip, cloud, seg, con, tr;
} one;

static one one_new(int months, int from, int to, billing_kind billing, double count, int online,
                   double demand)
{
    one o;
    o.sc = fx_scenario(months, 0.0);
    o.chip = scenario_add_chip(o.sc, "h100", 1.0, 1.0, 1000);
    o.cloud = scenario_add_cloud(o.sc, "a");
    o.seg = scenario_add_segment(o.sc, "s", demand, 1.0);
    o.sc->segments[o.seg].usd_per_h100e_hour = param_const(2.0);
    fx_eligible(o.sc, o.seg, o.chip, 1.0);
    o.con = scenario_add_contract(o.sc, "c", o.cloud, from, to, billing);
    fx_price(o.sc, o.con, o.chip, 1.0);
    o.tr = scenario_add_tranche(o.sc, o.con, o.chip, count, online);
    assert_true(o.tr == 0);
    return o;
}

static tranche_spec *tranche(one *o) { return &o->sc->contracts[o->con].tranches[o->tr]; }

static void delivered(scenario *sc, int con, double usd, period_kind period)
{
    fx_min_spend(sc, con, usd, period);
    sc->contracts[con].min_spend_basis = BASIS_DELIVERED;
}

static void with_default(scenario *sc, int con, double per_year)
{
    sc->contracts[con].has_default = 1;
    sc->contracts[con].default_per_year = param_const(per_year);
}

/* ---- min_spend.basis: delivered ---- */

static void test_delivered_half(void **state)
{
    (void)state;
    /* Term [0, 5], 10 chips, fulfilled 0.5: 5 chips * 730 * $1 = 3650 a month, 21900 in
     * the term. B_del = 21900, B_sch = 10 * 730 * 6 = 43800: ratio 0.5, so the floor
     * 50000 becomes 25000 and the true-up is 25000 - 21900 = 3100 (contracted: 50000 -
     * 21900 = 28100). */
    for (int basis = 0; basis < 2; basis++) {
        one o = one_new(6, 0, 5, BILLING_RESERVED, 10, 0, 10);
        tranche(&o)->fulfilled = param_const(0.5);
        delivered(o.sc, o.con, 50000, PERIOD_TERM);
        if (basis == 0) o.sc->contracts[o.con].min_spend_basis = BASIS_CONTRACTED;
        double tu = basis ? 3100 : 28100;
        run_ctx x;
        run_const(&x, o.sc);
        for (int t = 0; t < 5; t++) assert_exact(ser(&x, S_SPEND, t, 0), 3650);
        assert_close(ser(&x, S_SPEND, 5, 0), 3650 + tu, 1e-12);
        assert_close(ser(&x, S_STRANDED, 5, 0), tu, 1e-12);   /* all 5 chips used */
        assert_close(tot(&x, T_PV_SPEND, 0), 21900 + tu, 1e-12);
        assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
        ctx_free(&x);
        scenario_free(o.sc);
    }
}

static void test_delivered_usage_and_power(void **state)
{
    (void)state;
    /* Usage billing: demand 3 H100e -> 3 * 730 = 2190 a month, 13140 in the term. The
     * ratio counts chips delivered, not used: 5 of 10 -> 0.5 -> floor 25000, true-up
     * 25000 - 13140 = 11860. */
    one o = one_new(6, 0, 5, BILLING_USAGE, 10, 0, 3);
    tranche(&o)->fulfilled = param_const(0.5);
    delivered(o.sc, o.con, 50000, PERIOD_TERM);
    run_ctx x;
    run_const(&x, o.sc);
    assert_exact(ser(&x, S_SPEND, 0, 0), 2190);
    assert_close(ser(&x, S_SPEND, 5, 0), 2190 + 11860, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);

    /* All 10 chips delivered but power for 5: 0.005 MW of the 0.01 MW needed, powered
     * fraction 0.5. B_del counts powered chips (5), B_sch is fully powered (10): 0.5
     * again, and reserved billing 3650 a month: true-up 3100 as with fulfilled 0.5. */
    o = one_new(6, 0, 5, BILLING_RESERVED, 10, 0, 10);
    fx_power(o.sc, o.cloud, 0.005, 0, 0, INFINITY);
    delivered(o.sc, o.con, 50000, PERIOD_TERM);
    run_const(&x, o.sc);
    assert_close(ser(&x, S_POWER_NEEDED, 0, 0), 0.01, 1e-15);
    assert_exact(ser(&x, S_SPEND, 0, 0), 3650);
    assert_close(ser(&x, S_SPEND, 5, 0), 3650 + 3100, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);
}

/* Contract [0, 11], term floor 100000, 10 chips at $1 (7300 a month when all online),
 * delayed by `delay`, ramped over `ramp`; the true-up billed in month 11. */
static double delay_true_up(double delay, double ramp, double escalator)
{
    one o = one_new(12, 0, 11, BILLING_RESERVED, 10, 0, 10);
    tranche(&o)->delay_months = param_const(delay);
    tranche(&o)->ramp_months = param_const(ramp);
    o.sc->contracts[o.con].escalator = param_const(escalator);
    delivered(o.sc, o.con, 100000, PERIOD_TERM);
    run_ctx x;
    run_const(&x, o.sc);
    double tu = ser(&x, S_STRANDED, 11, 0);   /* every chip used: stranded = the true-up */
    ctx_free(&x);
    scenario_free(o.sc);
    return tu;
}

static void test_delivered_delay(void **state)
{
    (void)state;
    /* Ramp 1, delay k: chips online in months k..11, 12 - k of the 12 scheduled months.
     * Ratio (12 - k) / 12: floor 100000 (12 - k) / 12, billing 7300 (12 - k), true-up
     * (12 - k) (100000 / 12 - 7300) = (12 - k) * 1033.33...; k = 3: 75000 - 65700 = 9300. */
    for (int k = 0; k <= 5; k++)
        assert_close(delay_true_up(k, 1, 0.0), (12 - k) * (100000.0 / 12 - 7300), 1e-12);
    assert_close(delay_true_up(3, 1, 0.0), 9300, 1e-12);
    /* Ramp 3 (cohorts of 10/3 chips), delay 2. Nominal: 1, 2, then 3 cohorts in months
     * 0, 1, 2..11: 33 cohort-months = 110 chip-months. Delayed: 1, 2, 3 cohorts in
     * months 2, 3, 4..11: 27 cohort-months = 90 chip-months, billed 90 * 730 = 65700.
     * Ratio 90 / 110 = 9/11: true-up 100000 * 9/11 - 65700 = 16118.18... */
    assert_close(delay_true_up(2, 3, 0.0), 100000.0 * 9 / 11 - 65700, 1e-12);
    /* Escalator 12%: month t costs q^t, q = 1.12^(1/12). Ramp 1, delay 3: the months
     * missed are the cheap early ones, so the ratio (q^12 - q^3) / (q^12 - 1) = 0.7677...
     * is above 9/12. Billing 7300 (q^12 - q^3) / (q - 1). */
    double q = pow(1.12, 1.0 / 12.0);
    double ratio = (pow(q, 12) - pow(q, 3)) / (pow(q, 12) - 1.0);
    double billed = 7300 * (pow(q, 12) - pow(q, 3)) / (q - 1.0);
    assert_true(ratio > 0.76 && ratio < 0.77);
    assert_close(delay_true_up(3, 1, 0.12), 100000 * ratio - billed, 1e-9);
}

static void test_delivered_sampled_count_and_ramp(void **state)
{
    (void)state;
    /* count and ramp_months sampled on the path (20 and 2.6 -> 3): the nominal schedule
     * uses those draws. Nominal: 20 chips in 3 cohorts from month 0, 33 cohort-months
     * in [0, 11] = 220 chip-months. Delivered: fulfilled 0.5 (10 chips), delay 2: 27
     * cohort-months = 90 chip-months, billed 90 * 730 = 65700. Ratio 90/220 = 9/22:
     * true-up 300000 * 9/22 - 65700 = 57027.27... */
    one o = one_new(12, 0, 11, BILLING_RESERVED, 0, 0, 100);
    dist_spec d = { .family = DIST_UNIFORM, .p = { 1, 30 }, .lo = -INFINITY, .hi = INFINITY };
    tranche(&o)->count = scenario_add_uncertain(o.sc, "contracts.c.capacity.0.count", &d, 0, 0);
    tranche(&o)->ramp_months =
        scenario_add_uncertain(o.sc, "contracts.c.capacity.0.ramp_months", &d, 0, 0);
    tranche(&o)->fulfilled = param_const(0.5);
    tranche(&o)->delay_months = param_const(2);
    delivered(o.sc, o.con, 300000, PERIOD_TERM);
    double values[2] = { 20, 2.6 };
    run_ctx x;
    ctx_init(&x, o.sc);
    ctx_run(&x, o.sc, values, 1, 0, 0);
    assert_close(ser(&x, S_SPEND, 11, 0), 7300 + 300000.0 * 9 / 22 - 65700, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_delivered_no_schedule_keeps_floor(void **state)
{
    (void)state;
    /* [0, 23], usd 200000 by year: floors 100000 and 100000. The tranche (10 chips,
     * fulfilled 0.5) is scheduled from month 12: the first period has B_sch = 0 and
     * keeps its whole floor, true-up 100000 with nothing billed. The second: 5 chips *
     * 730 * 12 = 43800 billed, ratio 0.5: 50000 - 43800 = 6200 (contracted: 56200). */
    one o = one_new(24, 0, 23, BILLING_RESERVED, 10, 12, 10);
    tranche(&o)->fulfilled = param_const(0.5);
    delivered(o.sc, o.con, 200000, PERIOD_YEAR);
    run_ctx x;
    run_const(&x, o.sc);
    assert_close(ser(&x, S_SPEND, 11, 0), 100000, 1e-12);
    assert_close(ser(&x, S_SPEND, 23, 0), 3650 + 6200, 1e-12);
    assert_close(tot(&x, T_PV_SPEND, 0), 100000 + 43800 + 6200, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_delivered_ratio_capped_at_one(void **state)
{
    (void)state;
    /* Chip life 14, [0, 17] by year, usd 180000: floors 120000 for [0, 11] and 60000 for
     * [12, 17]. Nominal: online 0..13. Delay 3: online 3..16. Period 1: 9 of 12
     * scheduled months, ratio 0.75, floor 90000, billed 65700: true-up 24300. Period
     * 2: 5 months delivered (12..16) for 2 scheduled (12, 13): ratio min(1, 2.5) = 1,
     * floor 60000, billed 36500: true-up 23500 (uncapped it would be 113500). */
    one o = one_new(18, 0, 17, BILLING_RESERVED, 10, 0, 10);
    o.sc->chips[o.chip].life_months = param_const(14);
    tranche(&o)->delay_months = param_const(3);
    delivered(o.sc, o.con, 180000, PERIOD_YEAR);
    run_ctx x;
    run_const(&x, o.sc);
    assert_close(ser(&x, S_SPEND, 11, 0), 7300 + 24300, 1e-12);
    assert_exact(ser(&x, S_SPEND, 17, 0), 23500);   /* no chips in month 17 */
    assert_exact(ser(&x, S_SPEND, 16, 0), 7300);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_delivered_outstanding(void **state)
{
    (void)state;
    /* Horizon 6 months, every tranche 10 chips fulfilled 0.5 (3650 a month, ratio 0.5):
     * "c" [0, 11] term 100000: 50000 - 6 * 3650 = 28100 (contracted: 78100);
     * "y" [0, 23] yearly 240000 (floors 120000): period [0, 11] 60000 - 21900 = 38100,
     *     period [12, 23] not started keeps its floor: 120000;
     * "f" [8, 19] term 5000, not started (B_sch = 0 so far): 5000.
     * Outstanding = 28100 + 38100 + 120000 + 5000 = 191200. */
    one o = one_new(6, 0, 11, BILLING_RESERVED, 10, 0, 100);
    tranche(&o)->fulfilled = param_const(0.5);
    delivered(o.sc, o.con, 100000, PERIOD_TERM);
    int y = scenario_add_contract(o.sc, "y", o.cloud, 0, 23, BILLING_RESERVED);
    fx_price(o.sc, y, o.chip, 1.0);
    scenario_add_tranche(o.sc, y, o.chip, 10, 0);
    o.sc->contracts[y].tranches[0].fulfilled = param_const(0.5);
    delivered(o.sc, y, 240000, PERIOD_YEAR);
    int f = scenario_add_contract(o.sc, "f", o.cloud, 8, 19, BILLING_RESERVED);
    fx_price(o.sc, f, o.chip, 1.0);
    scenario_add_tranche(o.sc, f, o.chip, 10, 8);
    delivered(o.sc, f, 5000, PERIOD_TERM);
    run_ctx x;
    run_const(&x, o.sc);
    assert_close(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 191200, 1e-12);
    ctx_free(&x);
    o.sc->contracts[o.con].min_spend_basis = BASIS_CONTRACTED;   /* 78100 for "c" */
    run_const(&x, o.sc);
    assert_close(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 191200 - 28100 + 78100, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_contracted_is_the_old_rule(void **state)
{
    (void)state;
    /* basis contracted with a full delivery, and basis delivered with a full delivery
     * (ratio exactly 1), give bitwise the row of the first edition's rule. */
    one a = one_new(30, 0, 35, BILLING_RESERVED, 10, 0, 8);
    tranche(&a)->ramp_months = param_const(4);
    a.sc->contracts[a.con].escalator = param_const(0.07);
    fx_min_spend(a.sc, a.con, 500000, PERIOD_YEAR);
    run_ctx x, y;
    run_const(&x, a.sc);
    a.sc->contracts[a.con].min_spend_basis = BASIS_DELIVERED;
    run_const(&y, a.sc);
    assert_memory_equal(x.row, y.row, x.L.row_len * sizeof *x.row);
    ctx_free(&x);
    ctx_free(&y);
    scenario_free(a.sc);
}

/* ---- default ---- */

/* "c": reserved, 20 chips at $1, term min_spend 1e6, 10% revenue share of everything;
 * "b": 10 chips at $1 at the same cloud, never defaults. Demand 30 at $2. */
static one two_new(int months)
{
    one o = one_new(months, 0, 35, BILLING_RESERVED, 20, 0, 30);
    fx_min_spend(o.sc, o.con, 1e6, PERIOD_TERM);
    contract_spec *c = &o.sc->contracts[o.con];
    c->has_revenue_share = 1;
    c->rs_rate = param_const(0.1);
    c->rs_segments[o.seg] = 1;
    int b = scenario_add_contract(o.sc, "b", o.cloud, 0, 35, BILLING_RESERVED);
    fx_price(o.sc, b, o.chip, 1.0);
    scenario_add_tranche(o.sc, b, o.chip, 10, 0);
    return o;
}

static void test_default_certain(void **state)
{
    (void)state;
    /* per_year 1e9: p = 1 - exp(-1e9/12) = 1, default in month 0 on every path: "c"
     * bills, shares and owes nothing and its 20 chips are gone (capacity 10, power
     * 10 kW = 0.01 MW: "b"'s alone). */
    one o = two_new(12);
    with_default(o.sc, o.con, 1e9);
    run_ctx x;
    ctx_init(&x, o.sc);
    for (uint64_t path = 0; path < 40; path++) {
        ctx_run(&x, o.sc, NULL, 7, path, (int)(path & 1));
        for (int t = 0; t < 12; t++) {
            assert_exact(ser(&x, S_DEFAULTED, t, 0), 1);
            assert_exact(ser(&x, S_DEFAULTED, t, 1), 0);
            assert_exact(ser(&x, S_SPEND, t, 0), 0);
            assert_exact(ser(&x, S_STRANDED, t, 0), 0);
            assert_exact(ser(&x, S_REVENUE_SHARE, t, 0), 0);
            assert_exact(ser(&x, S_SPEND, t, 1), 7300);
            assert_exact(ser(&x, S_CAPACITY, t, 0), 10);
            assert_close(ser(&x, S_POWER_NEEDED, t, 0), 0.01, 1e-15);
            assert_exact(ser(&x, S_UNMET, t, 0), 20);
        }
        assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
        assert_exact(tot(&x, T_PV_REVENUE_SHARE, 0), 0);
        assert_close(tot(&x, T_PV_SPEND, 0), 12 * 7300, 1e-12);
    }
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_default_never(void **state)
{
    (void)state;
    /* per_year 0: never; the row is bitwise that of the same scenario with no default
     * block (volatile demand, so the other draws are in play). */
    one o = two_new(36);
    o.sc->segments[o.seg].volatility = param_const(0.4);
    run_ctx x, y;
    ctx_init(&x, o.sc);
    ctx_init(&y, o.sc);
    for (uint64_t path = 0; path < 20; path++) {
        o.sc->contracts[o.con].has_default = 0;
        ctx_run(&x, o.sc, NULL, 3, path, 0);
        with_default(o.sc, o.con, 0.0);
        ctx_run(&y, o.sc, NULL, 3, path, 0);
        assert_memory_equal(x.row, y.row, x.L.row_len * sizeof *x.row);
        for (int t = 0; t < 36; t++) assert_exact(ser(&y, S_DEFAULTED, t, 0), 0);
    }
    ctx_free(&x);
    ctx_free(&y);
    scenario_free(o.sc);
}

/* The default month by the definition: the first t whose uniform from stream (seed,
 * "contracts.NAME.default") at counter (path, t) falls below 1 - exp(-per_year / 12). */
static int expected_default(uint64_t seed, const char *name, uint64_t path, double per_year,
                            int months)
{
    char key[128];
    snprintf(key, sizeof key, "contracts.%s.default", name);
    gsl_rng *r = rng_alloc();
    assert_non_null(r);
    int d = months;
    for (int t = 0; t < months && d == months; t++) {
        rng_set_stream(r, seed, rng_hash(key), path, (uint64_t)t);
        if (gsl_rng_uniform(r) < 1.0 - exp(-per_year / 12.0)) d = t;
    }
    gsl_rng_free(r);
    return d;
}

static void test_default_mid_path(void **state)
{
    (void)state;
    /* Horizon 30; "c" [0, 35], 10 chips, 360000 by year (floors 120000), reserved:
     * 7300 a month, true-ups 120000 - 87600 = 32400 in months 11 and 23 unless the
     * default month D comes first. From D: nothing billed, the period in progress bills
     * no true-up, no outstanding (else period [24, 35]: 120000 - 6 * 7300 = 76200),
     * no chips (capacity and power drop to "b"'s), no revenue share (before D: 10% of
     * 20 H100e * $2 * 730 = 2920; from D only "b"'s 10 H100e are served). So with
     * rate 0, pv_spend of "c" = 7300 D + 32400 * (number of months 11, 23 before D). */
    one o = one_new(30, 0, 35, BILLING_RESERVED, 10, 0, 20);
    fx_min_spend(o.sc, o.con, 360000, PERIOD_YEAR);
    contract_spec *c = &o.sc->contracts[o.con];
    c->has_revenue_share = 1;
    c->rs_rate = param_const(0.1);
    c->rs_segments[o.seg] = 1;
    with_default(o.sc, o.con, 0.5);
    int b = scenario_add_contract(o.sc, "b", o.cloud, 0, 35, BILLING_RESERVED);
    fx_price(o.sc, b, o.chip, 1.0);
    scenario_add_tranche(o.sc, b, o.chip, 10, 0);
    run_ctx x;
    ctx_init(&x, o.sc);
    int seen[4] = { 0 };   /* D < 12, 12..23, 24..29, none */
    for (uint64_t path = 0; path < 400; path++) {
        ctx_run(&x, o.sc, NULL, 11, path, 0);
        int d = expected_default(11, "c", path, 0.5, 30);
        double pv = 0.0;
        for (int t = 0; t < 30; t++) {
            double tu = (t == 11 || t == 23) && t < d ? 32400 : 0;
            pv += ser(&x, S_SPEND, t, 0);
            assert_exact(ser(&x, S_DEFAULTED, t, 0), t >= d ? 1 : 0);
            assert_exact(ser(&x, S_SPEND, t, 0), t < d ? 7300 + tu : 0);
            assert_exact(ser(&x, S_CAPACITY, t, 0), t < d ? 20 : 10);
            assert_close(ser(&x, S_POWER_NEEDED, t, 0), t < d ? 0.02 : 0.01, 1e-15);
            assert_close(ser(&x, S_REVENUE_SHARE, t, 0), t < d ? 2920 : 0, 1e-12);
            assert_exact(ser(&x, S_SPEND, t, 1), 7300);
        }
        assert_close(pv, 7300.0 * d + 32400 * ((d > 11) + (d > 23)), 1e-12);
        assert_close(tot(&x, T_OUTSTANDING_COMMITMENT, 0), d < 30 ? 0 : 76200, 1e-12);
        seen[d < 12 ? 0 : d < 24 ? 1 : d < 30 ? 2 : 3]++;
    }
    for (int k = 0; k < 4; k++) assert_true(seen[k] > 10);   /* every case was met */
    ctx_free(&x);
    scenario_free(o.sc);
}

/* Fraction of paths defaulted by month t, against 1 - exp(-lambda (t + 1) / 12)
 * averaged over the paths' rates, within 3 standard errors of the binomial. */
static void check_default_curve(double lo, double hi, int per_path)
{
    enum { N = 20000, T = 36 };
    scenario *sc = fx_scenario(T, 0.0);
    int cl = scenario_add_cloud(sc, "a");
    int con = scenario_add_contract(sc, "c", cl, 0, T - 1, BILLING_RESERVED);
    with_default(sc, con, lo);
    double value = lo;
    if (per_path) {
        dist_spec d = { .family = DIST_UNIFORM, .p = { lo, hi }, .lo = -INFINITY, .hi = INFINITY };
        sc->contracts[con].default_per_year =
            scenario_add_uncertain(sc, "contracts.c.default.per_year", &d, 0, 0);
        assert_true(sc->contracts[con].default_per_year.idx == 0);
    }
    static double count[T], expect[T], var[T];
    memset(count, 0, sizeof count);
    memset(expect, 0, sizeof expect);
    memset(var, 0, sizeof var);
    run_ctx x;
    ctx_init(&x, sc);
    for (int i = 0; i < N; i++) {
        /* per path: an even grid over [lo, hi], passed as the path's sampled value */
        if (per_path) value = lo + (hi - lo) * (i + 0.5) / N;
        ctx_run(&x, sc, &value, 2026, (uint64_t)i, 0);
        for (int t = 0; t < T; t++) {
            double p = 1.0 - exp(-value * (t + 1) / 12.0);
            count[t] += ser(&x, S_DEFAULTED, t, 0);
            expect[t] += p;
            var[t] += p * (1.0 - p);
        }
    }
    for (int t = 0; t < T; t++) {
        double mean = count[t] / N, want = expect[t] / N, se = sqrt(var[t]) / N;
        if (!(fabs(mean - want) <= 3.0 * se))
            fail_msg("month %d: P(defaulted) = %.5f, expected %.5f (se %.5f)", t, mean, want, se);
    }
    ctx_free(&x);
    scenario_free(sc);
}

static void test_default_probability(void **state)
{
    (void)state;
    check_default_curve(0.3, 0.3, 0);   /* P(D <= t) = 1 - exp(-0.3 (t + 1) / 12) */
    check_default_curve(0.05, 1.5, 1);  /* per_year sampled per path */
}

static void test_default_streams(void **state)
{
    (void)state;
    /* Common random numbers by name: a default block on "b" moves neither "c"'s default
     * month nor demand; an antithetic partner (mirror) has the same default months
     * (like spot availability, the uniforms are not mirrored). */
    one o = two_new(36);
    o.sc->segments[o.seg].volatility = param_const(0.4);
    with_default(o.sc, o.con, 0.8);
    run_ctx x, y;
    ctx_init(&x, o.sc);
    ctx_init(&y, o.sc);
    int moved = 0;
    for (uint64_t path = 0; path < 50; path++) {
        o.sc->contracts[1].has_default = 0;
        ctx_run(&x, o.sc, NULL, 5, path, 0);
        with_default(o.sc, 1, 0.8);
        ctx_run(&y, o.sc, NULL, 5, path, 0);
        for (int t = 0; t < 36; t++) {
            assert_exact(ser(&x, S_DEFAULTED, t, 0), ser(&y, S_DEFAULTED, t, 0));
            assert_exact(ser(&x, S_DEMAND, t, 0), ser(&y, S_DEMAND, t, 0));
            moved += ser(&y, S_DEFAULTED, t, 1) != ser(&y, S_DEFAULTED, t, 0);
        }
        ctx_run(&x, o.sc, NULL, 5, path, 1);
        for (int t = 0; t < 36; t++) {
            assert_exact(ser(&x, S_DEFAULTED, t, 0), ser(&y, S_DEFAULTED, t, 0));
            assert_exact(ser(&x, S_DEFAULTED, t, 1), ser(&y, S_DEFAULTED, t, 1));
        }
    }
    assert_true(moved > 0);   /* "b" and "c" draw from different streams */
    ctx_free(&x);
    ctx_free(&y);
    scenario_free(o.sc);
}

static void test_default_voids_delivered_floor(void **state)
{
    (void)state;
    /* Both terms at once: per_year 1e9 voids even a delivered-basis floor with a
     * shortfall: nothing billed, nothing outstanding. */
    one o = one_new(6, 0, 11, BILLING_RESERVED, 10, 0, 10);
    tranche(&o)->fulfilled = param_const(0.5);
    delivered(o.sc, o.con, 100000, PERIOD_TERM);
    with_default(o.sc, o.con, 1e9);
    run_ctx x;
    run_const(&x, o.sc);
    assert_exact(tot(&x, T_PV_SPEND, 0), 0);
    assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
    ctx_free(&x);
    scenario_free(o.sc);
}

/* ---- loader ---- */


#define TERMS_HEAD                                                                      \
    "scenario: { name: t, start: 2025-01, months: 24 }\n"                               \
    "chips:\n  h100: { h100e: 1, kw: 1, life_months: 60 }\n"                            \
    "clouds:\n  a: {}\n"                                                                \
    "contracts:\n"

static const char terms[] =
    TERMS_HEAD
    "  - { name: x, cloud: a, from: 2025-01, to: 2026-12, billing: reserved,\n"
    "      price: { h100: 2 }, capacity: [ { chip: h100, count: 10, online: 2025-03 } ],\n"
    "      min_spend: { usd: 1e6, period: year, basis: delivered },\n"
    "      default: { per_year: 0.03 } }\n"
    "  - { name: y, cloud: a, from: 2025-01, to: 2026-12, billing: usage,\n"
    "      min_spend: { usd: 5e5, period: term },\n"
    "      default: { per_year: { dist: lognormal, median: 0.05, sigma: 0.5 } } }\n"
    "  - { name: z, cloud: a, from: 2025-01, to: 2026-12, billing: usage,\n"
    "      min_spend: { usd: 5e5, period: term, basis: contracted } }\n";

static void test_loader_keys(void **state)
{
    (void)state;
    loaded r = load(terms, NULL, 0);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    const contract_spec *x = &r.sc->contracts[0], *y = &r.sc->contracts[1], *z = &r.sc->contracts[2];
    assert_int_equal(x->min_spend_basis, BASIS_DELIVERED);
    assert_int_equal(y->min_spend_basis, BASIS_CONTRACTED);   /* the default */
    assert_int_equal(z->min_spend_basis, BASIS_CONTRACTED);
    assert_int_equal(x->has_default, 1);
    assert_true(x->default_per_year.idx < 0 && x->default_per_year.value == 0.03);
    assert_true(x->default_stream == rng_hash("contracts.x.default"));
    assert_int_equal(y->has_default, 1);
    assert_true(y->default_per_year.idx >= 0);
    assert_string_equal(r.sc->uncertain[y->default_per_year.idx].keypath,
                        "contracts.y.default.per_year");
    assert_int_equal(z->has_default, 0);                       /* absent: never */
    assert_true(z->default_per_year.idx < 0 && z->default_per_year.value == 0.0);
    /* check prints every key, defaults included, and its output loads to itself */
    char *a = print_to_string(r.sc);
    assert_non_null(strstr(a, "      period: year   # the term's "));
    assert_non_null(strstr(a, "24 months in 2 periods from `from`: a floor of usd x 12 / 24 each (5e+05)\n"));
    /* the floors themselves: 1e6 x 12 / 24 for each of the two contract years */
    assert_non_null(strstr(a, "(5e+05)\n      # yearly floors: 2025-01..2025-12 5e+05, 2026-01..2026-12 5e+05\n"
                              "      basis: delivered\n"));
    assert_non_null(strstr(a, "      period: term\n      basis: contracted\n"));
    assert_non_null(strstr(a, "    default:\n      per_year: 0.03\n"));
    assert_non_null(strstr(a, "    default:\n      per_year: {dist: lognormal, median: 0.05, "
                              "sigma: 0.5}"));
    assert_non_null(strstr(a, "    # default: none"));
    assert_reprints_to_itself(a);
    scenario_free(r.sc);
    free(r.errs);
}

static void test_loader_set(void **state)
{
    (void)state;
    /* --set reaches both keys, and creates the default block where there is none. */
    const char *const sets[] = { "contracts.x.default.per_year=2.5",
                                 "contracts.z.min_spend.basis=delivered",
                                 "contracts.z.default.per_year=0.1",
                                 "contracts.y.default.per_year=0" };
    loaded r = load(terms, sets, 4);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    assert_true(r.sc->contracts[0].default_per_year.value == 2.5);
    assert_int_equal(r.sc->contracts[2].min_spend_basis, BASIS_DELIVERED);
    assert_int_equal(r.sc->contracts[2].has_default, 1);
    assert_true(r.sc->contracts[2].default_per_year.value == 0.1);
    assert_true(r.sc->contracts[1].default_per_year.idx < 0);   /* pinned: no longer sampled */
    assert_true(r.sc->contracts[1].default_per_year.value == 0.0);
    scenario_free(r.sc);
    free(r.errs);
}

static void expect_errors(const char *yaml, const char *expected)
{
    loaded r = load(yaml, NULL, 0);
    assert_null(r.sc);
    assert_string_equal(r.errs, expected);
    free(r.errs);
}

static void test_loader_errors(void **state)
{
    (void)state;
    expect_errors(TERMS_HEAD
                  "  - { name: x, cloud: a, from: 2025-01, to: 2026-12, billing: usage,\n"
                  "      min_spend: { usd: 1e6, period: year, basis: deliverd },\n"
                  "      default: { per_year: -0.1 } }\n"
                  "  - { name: y, cloud: a, from: 2025-01, to: 2026-12, billing: usage,\n"
                  "      default: { per_yer: 1, per_year: { dist: normal, mean: 0.1, sd: 0.1 } } }\n"
                  "  - { name: z, cloud: a, from: 2025-01, to: 2026-12, billing: usage,\n"
                  "      default: {} }\n",
                  "t.yaml:8:51: contracts.x.min_spend.basis: unknown value 'deliverd' (did you "
                  "mean 'delivered'?)\n"
                  "t.yaml:9:28: contracts.x.default.per_year: -0.1 is out of range (expected a "
                  "number >= 0)\n"
                  "t.yaml:11:18: contracts.y.default: unknown key 'per_yer' (did you mean "
                  "'per_year'?)\n"
                  "t.yaml:11:40: contracts.y.default.per_year: normal distribution can take "
                  "values below 0 (expected a number >= 0; add min/max to truncate it)\n"
                  "t.yaml:13:16: contracts.z.default: missing key 'per_year' (expected a number "
                  ">= 0, or a distribution {dist: ...})\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivered_half),
        cmocka_unit_test(test_delivered_usage_and_power),
        cmocka_unit_test(test_delivered_delay),
        cmocka_unit_test(test_delivered_sampled_count_and_ramp),
        cmocka_unit_test(test_delivered_no_schedule_keeps_floor),
        cmocka_unit_test(test_delivered_ratio_capped_at_one),
        cmocka_unit_test(test_delivered_outstanding),
        cmocka_unit_test(test_contracted_is_the_old_rule),
        cmocka_unit_test(test_default_certain),
        cmocka_unit_test(test_default_never),
        cmocka_unit_test(test_default_mid_path),
        cmocka_unit_test(test_default_probability),
        cmocka_unit_test(test_default_streams),
        cmocka_unit_test(test_default_voids_delivered_floor),
        cmocka_unit_test(test_loader_keys),
        cmocka_unit_test(test_loader_set),
        cmocka_unit_test(test_loader_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
