/*
 * test_owned_cash: owned capacity (docs/MODEL.md 5, "Owned capacity") against hand computations (the
 * arithmetic is in the comments; HOURS = 730).
 *
 *   billing: owned   capex_usd_per_chip on each cohort in the first month it counts
 *                    (max(online month, from)), inside spend and pv_spend, never
 *                    stranded; price = operating cost per chip-hour of powered chips,
 *                    billed like reserved (idle share stranded); marginal cost 0;
 *                    residual_value = capex * chips/ramp * max(0, 1 - (T - b)/book_life)
 *                    over the cohorts still counting in month T-1 and bought in 0..T-1.
 *
 * Cash (docs/MODEL.md 5, "Cash"), nominal, month by month:
 *
 *   cash_t = cash_{t-1} + revenue - spend - revenue_share - other_costs + funding
 *   cash_{-1} = cash_start_usd; a round is paid at `at`, or with when: cash_below X in
 *   the first month t >= at whose opening cash (cash_{t-1}) is below X; once.
 *   min_cash, peak_funding_need = max(0, -min_cash), months_cash_negative.
 *
 * Also the loader side: the keys, their errors, --set and the round trip of `capsim
 * check`. Scenarios are built by hand (model_fixture.h) or loaded from text.
 */
#include "model_fixture.h"
#include "loader_fixture.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/scenario_print.h"

#include <string.h>

/* One chip (1 H100e, 1 kW, life `life`), one cloud, one segment of constant demand
 * `demand` at $2, and one owned contract "o" [from, to] at $1 a chip-hour of operating
 * cost, capex $1000 a chip, book life `book` months, with one tranche of `count` chips
 * online at `online` over `ramp` months. */
typedef struct {
    scenario *sc;
    int chip, cloud, seg, con;
} owned;

static owned owned_new(int months, int from, int to, double count, int online, double ramp,
                       double demand, double life, double book)
{
    owned o;
    o.sc = fx_scenario(months, 0.0);
    o.chip = scenario_add_chip(o.sc, "h100", 1.0, 1.0, life);
    o.cloud = scenario_add_cloud(o.sc, "a");
    o.seg = scenario_add_segment(o.sc, "s", demand, 1.0);
    o.sc->segments[o.seg].usd_per_h100e_hour = param_const(2.0);
    fx_eligible(o.sc, o.seg, o.chip, 1.0);
    o.con = scenario_add_contract(o.sc, "o", o.cloud, from, to, BILLING_OWNED);
    fx_price(o.sc, o.con, o.chip, 1.0);
    o.sc->contracts[o.con].capex_usd_per_chip = param_const(1000.0);
    o.sc->contracts[o.con].book_life_months = param_const(book);
    int tr = scenario_add_tranche(o.sc, o.con, o.chip, count, online);
    assert_int_equal(tr, 0);
    o.sc->contracts[o.con].tranches[0].ramp_months = param_const(ramp);
    return o;
}

static void test_owned_capex_opex_residual(void **state)
{
    (void)state;
    /* 30 chips online at month 2 over 3 months: cohorts of 10 at months 2, 3, 4. Demand
     * 15 H100e. Horizon 12, discount 0, book life 10.
     *   month 2: 10 chips * 730 * $1 = 7300 operating + 10 * 1000 = 10000 capex = 17300
     *   month 3: 20 * 730 = 14600 + 10000 = 24600
     *   month 4: 30 * 730 = 21900 + 10000 = 31900;  months 5..11: 21900
     *   pv_spend = 17300 + 24600 + 31900 + 7 * 21900 = 227100; pv_capex = 30000
     * Stranded (operating cost of idle chips only): month 2 uses all 10; month 3 uses
     * 15 of 20: 14600 * 5/20 = 3650; months 4..11 use 15 of 30: 21900 / 2 = 10950, 8
     * times = 87600; total 91250.
     * Residual (T = 12): cohort 2: 1 - 10/10 = 0; cohort 3: 1 - 9/10 = 0.1 -> 10 * 1000
     * * 0.1 = 1000; cohort 4: 0.2 -> 2000; total 3000. */
    owned o = owned_new(12, 0, 11, 30, 2, 3, 15, 1000, 10);
    run_ctx x;
    run_const(&x, o.sc);
    const double spend[12] = { 0, 0, 17300, 24600, 31900, 21900, 21900, 21900, 21900, 21900, 21900, 21900 };
    for (int t = 0; t < 12; t++) assert_close(ser(&x, S_SPEND, t, 0), spend[t], 1e-12);
    assert_exact(ser(&x, S_STRANDED, 2, 0), 0);
    assert_close(ser(&x, S_STRANDED, 3, 0), 3650, 1e-12);
    for (int t = 4; t < 12; t++) assert_close(ser(&x, S_STRANDED, t, 0), 10950, 1e-12);
    assert_close(tot(&x, T_PV_SPEND, 0), 227100, 1e-12);
    assert_close(tot(&x, T_PV_SPEND_BY_CLOUD, 0), 227100, 1e-12);
    assert_close(tot(&x, T_PV_CAPEX, 0), 30000, 1e-12);
    assert_close(tot(&x, T_PV_STRANDED, 0), 91250, 1e-12);
    assert_close(tot(&x, T_RESIDUAL_VALUE, 0), 3000, 1e-12);
    /* revenue: 10 * 730 * 2 = 14600 in month 2, 15 * 730 * 2 = 21900 in 3..11: 211700;
     * net value = 211700 - 227100 = -15400 (capex inside pv_spend, residual not added) */
    assert_close(tot(&x, T_PV_NET_VALUE, 0), 211700 - 227100, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_owned_discounted_capex(void **state)
{
    (void)state;
    /* The same at a 10% discount rate: pv_capex = 10000 * (1.1^(-2/12) + 1.1^(-3/12) +
     * 1.1^(-4/12)) = 10000 * (0.98423 + 0.97646 + 0.96873) = 29294.2...; the residual
     * stays undiscounted (3000). */
    owned o = owned_new(12, 0, 11, 30, 2, 3, 15, 1000, 10);
    o.sc->discount_rate = 0.1;
    run_ctx x;
    run_const(&x, o.sc);
    double want = 10000 * (pow(1.1, -2.0 / 12) + pow(1.1, -3.0 / 12) + pow(1.1, -4.0 / 12));
    assert_close(want, 29294.2, 1e-5);
    assert_close(tot(&x, T_PV_CAPEX, 0), want, 1e-12);
    assert_close(tot(&x, T_RESIDUAL_VALUE, 0), 3000, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_owned_power(void **state)
{
    (void)state;
    /* Power 0.015 MW for chips of 1 kW: month 2 needs 0.01 (all powered); month 3 needs
     * 0.02 (0.75 powered: 15 chips); month 4 on needs 0.03 (0.5: 15 chips). Capex is on
     * every chip bought, powered or not; operating cost on powered chips:
     *   month 2: 7300 + 10000; month 3: 15 * 730 = 10950 + 10000; month 4: 10950 + 10000
     * Demand 15 uses the 15 powered chips: nothing stranded from month 3 on. */
    owned o = owned_new(12, 0, 11, 30, 2, 3, 15, 1000, 10);
    fx_power(o.sc, o.cloud, 0.015, 0, 0, INFINITY);
    run_ctx x;
    run_const(&x, o.sc);
    assert_close(ser(&x, S_SPEND, 2, 0), 17300, 1e-12);
    assert_close(ser(&x, S_SPEND, 3, 0), 20950, 1e-12);
    assert_close(ser(&x, S_SPEND, 4, 0), 20950, 1e-12);
    assert_close(ser(&x, S_SPEND, 5, 0), 10950, 1e-12);
    assert_exact(ser(&x, S_STRANDED, 4, 0), 0);
    assert_close(tot(&x, T_PV_CAPEX, 0), 30000, 1e-12);
    assert_close(tot(&x, T_RESIDUAL_VALUE, 0), 3000, 1e-12);   /* owned, powered or not */
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_owned_retirement_and_term(void **state)
{
    (void)state;
    /* Chip life 9, book life 20: cohort 2 is online in months 2..10 and retired at the
     * horizon (month 11): written off. Cohort 3 (3..11): 1 - 9/20 = 0.55 -> 5500;
     * cohort 4: 1 - 8/20 = 0.6 -> 6000. Residual 11500. */
    owned o = owned_new(12, 0, 11, 30, 2, 3, 15, 9, 20);
    run_ctx x;
    run_const(&x, o.sc);
    assert_close(tot(&x, T_RESIDUAL_VALUE, 0), 11500, 1e-12);
    assert_close(tot(&x, T_PV_CAPEX, 0), 30000, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);

    /* The contract ends at month 9: its chips stop counting at 10 (the site is gone),
     * nothing is left at the horizon; the capex was paid all the same. */
    o = owned_new(12, 0, 9, 30, 2, 3, 15, 1000, 20);
    run_const(&x, o.sc);
    assert_exact(tot(&x, T_RESIDUAL_VALUE, 0), 0);
    assert_close(tot(&x, T_PV_CAPEX, 0), 30000, 1e-12);
    assert_exact(ser(&x, S_SPEND, 10, 0), 0);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_owned_bought_when_counted(void **state)
{
    (void)state;
    /* Contract from month 3, tranche online at 0 over 3 months: the cohorts of months 0,
     * 1, 2 count from month 3 and are bought then: capex 30000 in month 3 (plus 30 *
     * 730 = 21900 operating), nothing before. Residual (T = 12, book 10): all bought at
     * 3, 1 - 9/10 = 0.1 -> 30000 * 0.1 = 3000. */
    owned o = owned_new(12, 3, 11, 30, 0, 3, 40, 1000, 10);
    run_ctx x;
    run_const(&x, o.sc);
    for (int t = 0; t < 3; t++) assert_exact(ser(&x, S_SPEND, t, 0), 0);
    assert_close(ser(&x, S_SPEND, 3, 0), 30000 + 21900, 1e-12);
    assert_close(ser(&x, S_SPEND, 4, 0), 21900, 1e-12);
    assert_close(tot(&x, T_PV_CAPEX, 0), 30000, 1e-12);
    assert_close(tot(&x, T_RESIDUAL_VALUE, 0), 3000, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);

    /* Bought before t = 0 is not in the horizon: contract from -5, 60 chips online at -3
     * over 6 months (cohorts of 10 at -3..2). Capex only on cohorts 0, 1, 2: 10000 each
     * in months 0, 1, 2. Residual (book 20): cohort 0: 1 - 12/20 = 0.4 -> 4000; cohort 1:
     * 0.45 -> 4500; cohort 2: 0.5 -> 5000; the cohorts of -3..-1 are left out: 13500. */
    o = owned_new(12, -5, 11, 60, -3, 6, 100, 1000, 20);
    run_const(&x, o.sc);
    /* month 0: chips online 40 (cohorts -3..0): 40 * 730 = 29200 + 10000 capex */
    assert_close(ser(&x, S_SPEND, 0, 0), 29200 + 10000, 1e-12);
    assert_close(ser(&x, S_SPEND, 2, 0), 60 * 730 + 10000, 1e-12);
    assert_close(ser(&x, S_SPEND, 3, 0), 60 * 730, 1e-12);
    assert_close(tot(&x, T_PV_CAPEX, 0), 30000, 1e-12);
    assert_close(tot(&x, T_RESIDUAL_VALUE, 0), 13500, 1e-12);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_owned_default(void **state)
{
    (void)state;
    /* A default (per_year 1e9: month 0) takes the chips away before any is bought: no
     * capex, no operating cost, nothing left. */
    owned o = owned_new(12, 0, 11, 30, 2, 3, 15, 1000, 10);
    o.sc->contracts[o.con].has_default = 1;
    o.sc->contracts[o.con].default_per_year = param_const(1e9);
    run_ctx x;
    run_const(&x, o.sc);
    assert_exact(tot(&x, T_PV_SPEND, 0), 0);
    assert_exact(tot(&x, T_PV_CAPEX, 0), 0);
    assert_exact(tot(&x, T_RESIDUAL_VALUE, 0), 0);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_owned_marginal_cost_zero(void **state)
{
    (void)state;
    /* A usage contract "u" first in file order (price $1: marginal cost $1 per H100e-hour)
     * and the owned one after it, 10 chips each, demand 10 from month 0: the owned pool
     * costs 0 at the margin (capex and operating cost are paid anyway) and serves all of
     * it; "u" bills nothing. Owned: 10 * 730 = 7300 operating + 10000 capex in month 0. */
    scenario *sc = fx_scenario(3, 0.0);
    int chip = scenario_add_chip(sc, "h100", 1.0, 1.0, 1000);
    int cl = scenario_add_cloud(sc, "a");
    int seg = scenario_add_segment(sc, "s", 10, 1.0);
    fx_eligible(sc, seg, chip, 1.0);
    int u = scenario_add_contract(sc, "u", cl, 0, 2, BILLING_USAGE);
    fx_price(sc, u, chip, 1.0);
    scenario_add_tranche(sc, u, chip, 10, 0);
    int k = scenario_add_contract(sc, "o", cl, 0, 2, BILLING_OWNED);
    fx_price(sc, k, chip, 1.0);
    sc->contracts[k].capex_usd_per_chip = param_const(1000.0);
    sc->contracts[k].book_life_months = param_const(10.0);
    scenario_add_tranche(sc, k, chip, 10, 0);
    for (int a = 0; a < 2; a++) {
        sc->allocation = a ? ALLOCATION_VALUE : ALLOCATION_PRIORITY;
        run_ctx x;
        run_const(&x, sc);
        for (int t = 0; t < 3; t++) {
            assert_exact(ser(&x, S_SPEND, t, u), 0);
            assert_close(ser(&x, S_SPEND, t, k), 7300 + (t == 0 ? 10000 : 0), 1e-12);
            assert_exact(ser(&x, S_STRANDED, t, k), 0);
        }
        ctx_free(&x);
    }
    scenario_free(sc);
}

/* ---- cash ---- */

/* One chip, one cloud, one segment of 10 H100e at $2 (revenue 10 * 730 * 2 = 14600 a
 * month), one reserved contract of 10 chips at $1 over [0, 23] (spend 7300 a month). */
static scenario *cash_scenario(void)
{
    scenario *sc = fx_scenario(24, 0.0);
    int chip = scenario_add_chip(sc, "h100", 1.0, 1.0, 1000);
    int cl = scenario_add_cloud(sc, "a");
    int seg = scenario_add_segment(sc, "s", 10, 1.0);
    sc->segments[seg].usd_per_h100e_hour = param_const(2.0);
    fx_eligible(sc, seg, chip, 1.0);
    int k = scenario_add_contract(sc, "k", cl, 0, 23, BILLING_RESERVED);
    fx_price(sc, k, chip, 1.0);
    scenario_add_tranche(sc, k, chip, 10, 0);
    return sc;
}

static void when_below(scenario *sc, int round, double usd)
{
    sc->funding[round].conditional = 1;
    sc->funding[round].below_usd = param_const(usd);
}

static void test_cash_ledger(void **state)
{
    (void)state;
    /* cash_start 50000, other costs 10000 a month: each month 14600 - 7300 - 10000 =
     * -2700. Round "seed" 20000 at month 6; round "bridge" 30000 from month 3 when the
     * opening cash is below 25000; round "never" 1e6 from month 0 below 0.
     *   t = 0..5:  50000 - 2700 (t + 1): 47300 44600 41900 39200 36500 33800
     *              (bridge watched from t = 3: openings 41900..36500 >= 25000)
     *   t = 6:     33800 - 2700 + 20000 = 51100 (seed)
     *   t = 7..16: 51100 - 2700 (t - 6): 48400 45700 43000 40300 37600 34900 32200
     *              29500 26800 24100
     *   t = 17:    opening 24100 < 25000: 24100 - 2700 + 30000 = 51400 (bridge, once)
     *   t = 18..23: 51400 - 2700 (t - 17): 48700 46000 43300 40600 37900 35200
     * min_cash 24100 (t = 16), never negative: peak need 0, 0 months; "never" never
     * fires (cash stays above 0). */
    scenario *sc = cash_scenario();
    sc->has_finance = 1;
    sc->cash_start_usd = param_const(50000);
    sc->other_costs_usd_per_month = param_const(10000);
    scenario_add_funding(sc, "seed", 20000, 6);
    when_below(sc, scenario_add_funding(sc, "bridge", 30000, 3), 25000);
    when_below(sc, scenario_add_funding(sc, "never", 1e6, 0), 0);
    const double want[24] = { 47300, 44600, 41900, 39200, 36500, 33800, 51100, 48400,
                              45700, 43000, 40300, 37600, 34900, 32200, 29500, 26800,
                              24100, 51400, 48700, 46000, 43300, 40600, 37900, 35200 };
    run_ctx x;
    run_const(&x, sc);
    for (int t = 0; t < 24; t++) assert_exact(ser(&x, S_CASH, t, 0), want[t]);
    assert_exact(tot(&x, T_MIN_CASH, 0), 24100);
    assert_exact(tot(&x, T_PEAK_FUNDING_NEED, 0), 0);
    assert_exact(tot(&x, T_MONTHS_CASH_NEGATIVE, 0), 0);
    /* The same workspace again: the rounds are paid again on the next path (the
     * once-only flags are per path). */
    ctx_run(&x, sc, NULL, 1, 1, 0);
    for (int t = 0; t < 24; t++) assert_exact(ser(&x, S_CASH, t, 0), want[t]);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_cash_negative_and_revenue_share(void **state)
{
    (void)state;
    /* Revenue share 10% of all revenue (1460 a month), cash_start 100000, other costs
     * 20000: each month 14600 - 7300 - 1460 - 20000 = -14160. Round "rescue" 50000
     * from month 0 when the opening cash is below 0.
     *   t = 0..7: 100000 - 14160 (t + 1); t = 6: 880; t = 7: -13280
     *   t = 8:    opening -13280 < 0: -13280 - 14160 + 50000 = 22560 (rescue)
     *   t >= 9:   22560 - 14160 (t - 8): t = 9: 8400, t = 10: -5760, t = 23: -189840
     *             (opening below 0 again from t = 11: no second payment)
     * months negative: t = 7 and t = 10..23: 15; min_cash -189840 = -peak need. */
    scenario *sc = cash_scenario();
    contract_spec *c = &sc->contracts[0];
    c->has_revenue_share = 1;
    c->rs_rate = param_const(0.1);
    c->rs_segments[0] = 1;
    sc->has_finance = 1;
    sc->cash_start_usd = param_const(100000);
    sc->other_costs_usd_per_month = param_const(20000);
    when_below(sc, scenario_add_funding(sc, "rescue", 50000, 0), 0);
    run_ctx x;
    run_const(&x, sc);
    assert_close(ser(&x, S_CASH, 6, 0), 880, 1e-12);
    assert_close(ser(&x, S_CASH, 7, 0), -13280, 1e-12);
    assert_close(ser(&x, S_CASH, 8, 0), 22560, 1e-12);
    assert_close(ser(&x, S_CASH, 9, 0), 8400, 1e-12);
    assert_close(ser(&x, S_CASH, 10, 0), -5760, 1e-12);
    assert_close(ser(&x, S_CASH, 23, 0), -189840, 1e-12);
    assert_close(tot(&x, T_MIN_CASH, 0), -189840, 1e-12);
    assert_close(tot(&x, T_PEAK_FUNDING_NEED, 0), 189840, 1e-12);
    assert_exact(tot(&x, T_MONTHS_CASH_NEGATIVE, 0), 15);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_cash_without_finance(void **state)
{
    (void)state;
    /* No finance block: cash starts at 0 with no other costs, so it is the cumulative
     * 14600 - 7300 = 7300 a month: 7300 (t + 1). Capex counts as spend: an owned
     * contract's 10000 of capex in month 0 (test_owned_capex_opex_residual's terms)
     * takes it below 0 there. */
    scenario *sc = cash_scenario();
    run_ctx x;
    run_const(&x, sc);
    for (int t = 0; t < 24; t++) assert_exact(ser(&x, S_CASH, t, 0), 7300.0 * (t + 1));
    assert_exact(tot(&x, T_MIN_CASH, 0), 7300);
    ctx_free(&x);
    scenario_free(sc);
    /* Owned: month 0 bills 10 chips * 730 operating + 10 * 1000 capex = 17300 against
     * revenue 14600: cash -2700; then +7300 a month: 4600 in month 1. */
    owned o = owned_new(24, 0, 23, 10, 0, 1, 10, 1000, 10);
    run_const(&x, o.sc);
    assert_exact(ser(&x, S_CASH, 0, 0), -2700);
    assert_exact(ser(&x, S_CASH, 1, 0), 4600);
    assert_exact(tot(&x, T_MIN_CASH, 0), -2700);
    assert_exact(tot(&x, T_PEAK_FUNDING_NEED, 0), 2700);
    assert_exact(tot(&x, T_MONTHS_CASH_NEGATIVE, 0), 1);
    ctx_free(&x);
    scenario_free(o.sc);
}

static void test_cash_sampled_other_costs(void **state)
{
    (void)state;
    /* other_costs_usd_per_month sampled per path: the path's value is used every month.
     * With 7300: the 7300 of margin is eaten, cash stays at cash_start 1000. */
    scenario *sc = cash_scenario();
    sc->has_finance = 1;
    sc->cash_start_usd = param_const(1000);
    dist_spec d = { .family = DIST_UNIFORM, .p = { 0, 20000 }, .lo = -INFINITY, .hi = INFINITY };
    sc->other_costs_usd_per_month = scenario_add_uncertain(sc, "finance.other_costs_usd_per_month", &d, 0, 0);
    assert_int_equal(sc->other_costs_usd_per_month.idx, 0);
    run_ctx x;
    ctx_init(&x, sc);
    double v = 7300;
    ctx_run(&x, sc, &v, 1, 0, 0);
    for (int t = 0; t < 24; t++) assert_exact(ser(&x, S_CASH, t, 0), 1000);
    v = 8300;   /* 1000 less each month: 1000 - 1000 (t + 1) */
    ctx_run(&x, sc, &v, 1, 1, 0);
    assert_exact(ser(&x, S_CASH, 23, 0), -23000);
    assert_exact(tot(&x, T_MONTHS_CASH_NEGATIVE, 0), 23);
    ctx_free(&x);
    scenario_free(sc);
}

/* ---- loader ---- */


#define HEAD                                                                            \
    "scenario: { name: t, start: 2025-01, months: 24 }\n"                               \
    "chips:\n  h100: { h100e: 1, kw: 1, life_months: 60 }\n"                            \
    "clouds:\n  a: {}\n"                                                                \
    "contracts:\n"

static const char owned_yaml[] =
    HEAD
    "  - { name: x, cloud: a, from: 2025-01, to: 2026-12, billing: owned,\n"
    "      price: { h100: 0.4 }, capex_usd_per_chip: 30000, book_life_months: 48,\n"
    "      capacity: [ { chip: h100, count: 10, online: 2025-03 } ] }\n"
    "  - { name: y, cloud: a, from: 2025-01, to: 2026-12, billing: owned,\n"
    "      capex_usd_per_chip: { dist: uniform, min: 25000, max: 35000 },\n"
    "      book_life_months: { dist: triangular, min: 36, mode: 48, max: 60 } }\n"
    "  - { name: z, cloud: a, from: 2025-01, to: 2026-12, billing: reserved }\n";

static void test_loader_keys(void **state)
{
    (void)state;
    loaded r = load(owned_yaml, NULL, 0);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    const contract_spec *x = &r.sc->contracts[0], *y = &r.sc->contracts[1], *z = &r.sc->contracts[2];
    assert_int_equal(x->billing, BILLING_OWNED);
    assert_true(x->capex_usd_per_chip.idx < 0 && x->capex_usd_per_chip.value == 30000);
    assert_true(x->book_life_months.idx < 0 && x->book_life_months.value == 48);
    assert_true(y->capex_usd_per_chip.idx >= 0 && y->book_life_months.idx >= 0);
    assert_string_equal(r.sc->uncertain[y->capex_usd_per_chip.idx].keypath,
                        "contracts.y.capex_usd_per_chip");
    assert_string_equal(r.sc->uncertain[y->book_life_months.idx].keypath,
                        "contracts.y.book_life_months");
    assert_int_equal(z->billing, BILLING_RESERVED);
    /* check prints the keys for owned contracts only, and its output loads to itself */
    char *a = print_to_string(r.sc);
    assert_non_null(strstr(a, "    billing: owned\n    capex_usd_per_chip: 30000\n"
                              "    book_life_months: 48\n"));
    assert_non_null(strstr(a, "    capex_usd_per_chip: {dist: uniform, min: 25000, max: 35000}   #"));
    assert_non_null(strstr(a, "    billing: reserved\n    price:"));
    assert_reprints_to_itself(a);
    scenario_free(r.sc);
    free(r.errs);
}

static void test_loader_set(void **state)
{
    (void)state;
    const char *const sets[] = { "contracts.x.capex_usd_per_chip=41000",
                                 "contracts.y.book_life_months=24",
                                 "contracts.z.billing=owned",
                                 "contracts.z.capex_usd_per_chip=5",
                                 "contracts.z.book_life_months=12" };
    loaded r = load(owned_yaml, sets, 5);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    assert_true(r.sc->contracts[0].capex_usd_per_chip.value == 41000);
    assert_true(r.sc->contracts[1].book_life_months.idx < 0);   /* pinned */
    assert_true(r.sc->contracts[1].book_life_months.value == 24);
    assert_int_equal(r.sc->contracts[2].billing, BILLING_OWNED);
    assert_true(r.sc->contracts[2].capex_usd_per_chip.value == 5);
    assert_true(r.sc->contracts[2].book_life_months.value == 12);
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
    expect_errors(HEAD
                  "  - { name: x, cloud: a, from: 2025-01, to: 2026-12, billing: owned,\n"
                  "      capex_usd_per_chip: 30000 }\n"
                  "  - { name: y, cloud: a, from: 2025-01, to: 2026-12, billing: owned,\n"
                  "      capex_usd_per_chip: -1, book_life_months: 0,\n"
                  "      min_spend: { usd: 1e6, period: term } }\n"
                  "  - { name: z, cloud: a, from: 2025-01, to: 2026-12, billing: reserved,\n"
                  "      book_life_months: 12 }\n",
                  "t.yaml:7:5: contracts.x: missing key 'book_life_months' (expected a number "
                  "of months > 0, or a distribution {dist: ...})\n"
                  "t.yaml:10:27: contracts.y.capex_usd_per_chip: -1 is out of range (expected a "
                  "number >= 0)\n"
                  "t.yaml:10:49: contracts.y.book_life_months: 0 is out of range (expected a "
                  "number of months > 0)\n"
                  "t.yaml:11:18: contracts.y.min_spend: not allowed with billing: owned (the lab "
                  "owns the chips: there is no seller's floor)\n"
                  "t.yaml:13:25: contracts.z.book_life_months: only allowed with billing: owned "
                  "(this contract's billing is reserved)\n");
}

static const char finance_yaml[] =
    HEAD
    "  - { name: z, cloud: a, from: 2025-01, to: 2026-12, billing: reserved }\n"
    "finance:\n"
    "  cash_start_usd: 40e9\n"
    "  other_costs_usd_per_month: { dist: normal, mean: 2e9, sd: 0.3e9, min: 0 }\n"
    "  funding:\n"
    "    - { name: amazon-2026, usd: 15e9, at: 2025-03 }\n"
    "    - { name: round-2027, usd: 40e9, at: 2025-06, when: { metric: cash_below, usd: 20e9 } }\n";

static void test_loader_finance(void **state)
{
    (void)state;
    loaded r = load(finance_yaml, NULL, 0);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    const scenario *sc = r.sc;
    assert_int_equal(sc->has_finance, 1);
    assert_true(sc->cash_start_usd.idx < 0 && sc->cash_start_usd.value == 40e9);
    assert_true(sc->other_costs_usd_per_month.idx >= 0);
    assert_string_equal(sc->uncertain[sc->other_costs_usd_per_month.idx].keypath,
                        "finance.other_costs_usd_per_month");
    assert_int_equal(sc->nfunding, 2);
    assert_string_equal(sc->funding[0].name, "amazon-2026");
    assert_true(sc->funding[0].usd.value == 15e9);
    assert_int_equal(sc->funding[0].at, 2);          /* 2025-03 from a 2025-01 start */
    assert_int_equal(sc->funding[0].conditional, 0);
    assert_int_equal(sc->funding[1].at, 5);
    assert_int_equal(sc->funding[1].conditional, 1);
    assert_true(sc->funding[1].below_usd.value == 20e9);
    char *a = print_to_string(sc);
    assert_non_null(strstr(a, "finance:\n  cash_start_usd: 4e+10\n") ||
                    strstr(a, "finance:\n  cash_start_usd: 40000000000\n"));
    assert_non_null(strstr(a, "    - name: round-2027\n"));
    assert_non_null(strstr(a, "      when:\n        metric: cash_below\n"));
    assert_reprints_to_itself(a);
    scenario_free(r.sc);
    free(r.errs);
    /* Absent: no block, cash starts at 0, and check says so. */
    r = load(owned_yaml, NULL, 0);
    assert_int_equal(r.sc->has_finance, 0);
    assert_int_equal(r.sc->nfunding, 0);
    assert_true(r.sc->cash_start_usd.idx < 0 && r.sc->cash_start_usd.value == 0);
    a = print_to_string(r.sc);
    assert_non_null(strstr(a, "# finance: none (cash starts at 0, no other costs, no funding)\n"));
    free(a);
    scenario_free(r.sc);
    free(r.errs);
}

static void test_loader_finance_set(void **state)
{
    (void)state;
    const char *const sets[] = { "finance.cash_start_usd=1e9",
                                 "finance.other_costs_usd_per_month=3e9",
                                 "finance.funding.round-2027.when.usd=5e9",
                                 "finance.funding.amazon-2026.usd=0" };
    loaded r = load(finance_yaml, sets, 4);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    assert_true(r.sc->cash_start_usd.value == 1e9);
    assert_true(r.sc->other_costs_usd_per_month.idx < 0);   /* pinned */
    assert_true(r.sc->other_costs_usd_per_month.value == 3e9);
    assert_true(r.sc->funding[1].below_usd.value == 5e9);
    assert_true(r.sc->funding[0].usd.value == 0);
    scenario_free(r.sc);
    free(r.errs);
    /* --set creates the block where there is none */
    const char *const one[] = { "finance.cash_start_usd=7" };
    r = load(owned_yaml, one, 1);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    assert_int_equal(r.sc->has_finance, 1);
    assert_true(r.sc->cash_start_usd.value == 7);
    scenario_free(r.sc);
    free(r.errs);
}

static void test_loader_finance_errors(void **state)
{
    (void)state;
    expect_errors(HEAD
                  "  - { name: z, cloud: a, from: 2025-01, to: 2026-12, billing: reserved }\n"
                  "finance:\n"
                  "  cash_start_usd: -1\n"
                  "  other_cost_usd_per_month: 5\n"
                  "  funding:\n"
                  "    - { name: a, usd: 1, at: 2025-13 }\n"
                  "    - { name: b, usd: 1, at: 2025-02, when: { metric: cash_above, usd: 1 } }\n"
                  "    - { name: c, at: 2025-02 }\n",
                  "t.yaml:9:19: finance.cash_start_usd: -1 is out of range (expected a number "
                  ">= 0)\n"
                  "t.yaml:10:3: finance: unknown key 'other_cost_usd_per_month' (did you mean "
                  "'other_costs_usd_per_month'?)\n"
                  "t.yaml:12:30: finance.funding.a.at: '2025-13' has no month 13 (expected "
                  "YYYY-MM with a month from 01 to 12)\n"
                  "t.yaml:13:55: finance.funding.b.when.metric: unknown value 'cash_above' "
                  "(expected one of cash_below)\n"
                  "t.yaml:14:7: finance.funding.c: missing key 'usd' (expected a number >= 0, "
                  "or a distribution {dist: ...})\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owned_capex_opex_residual),
        cmocka_unit_test(test_owned_discounted_capex),
        cmocka_unit_test(test_owned_power),
        cmocka_unit_test(test_owned_retirement_and_term),
        cmocka_unit_test(test_owned_bought_when_counted),
        cmocka_unit_test(test_owned_default),
        cmocka_unit_test(test_owned_marginal_cost_zero),
        cmocka_unit_test(test_cash_ledger),
        cmocka_unit_test(test_cash_negative_and_revenue_share),
        cmocka_unit_test(test_cash_without_finance),
        cmocka_unit_test(test_cash_sampled_other_costs),
        cmocka_unit_test(test_loader_keys),
        cmocka_unit_test(test_loader_set),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_loader_finance),
        cmocka_unit_test(test_loader_finance_set),
        cmocka_unit_test(test_loader_finance_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
