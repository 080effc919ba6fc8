/*
 * test_model: the domain rules of docs/MODEL.md, one rule at a time, against hand
 * computations (the arithmetic is in the comments). Scenarios are built by hand with
 * constants only; HOURS = 730. Statistical tests are in test_model_stat.c, the
 * multi-contract reference scenario in test_model_ref.c.
 */
#include "model_fixture.h"
#include "models/allocate.h"
#include "models/contracts.h"
#include "models/supply.h"

#include <string.h>

/* One chip, one cloud, one segment (demand constant: growth 1, no volatility) and one
 * contract over [0, 1000] with one tranche of `chips` chips online at month 0. */
typedef struct {
    scenario *sc;
    int chip, cloud, seg, con;
} simple;

static simple simple_new(int months, double h100e, double chips, double price,
                         billing_kind billing, double demand)
{
    simple s;
    s.sc = fx_scenario(months, 0.0);
    s.chip = scenario_add_chip(s.sc, "h100", h100e, 1.0, 1000);
    s.cloud = scenario_add_cloud(s.sc, "a");
    s.seg = scenario_add_segment(s.sc, "s", demand, 1.0);
    s.sc->segments[s.seg].usd_per_h100e_hour = param_const(2.0);
    fx_eligible(s.sc, s.seg, s.chip, 1.0);
    s.con = scenario_add_contract(s.sc, "c", s.cloud, 0, 1000, billing);
    fx_price(s.sc, s.con, s.chip, price);
    assert_true(scenario_add_tranche(s.sc, s.con, s.chip, chips, 0) == 0);
    return s;
}

/* ---- layout and tables ---- */

static void test_layout(void **state)
{
    (void)state;
    scenario *sc = fx_scenario(5, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 100);
    scenario_add_cloud(sc, "c0");
    scenario_add_cloud(sc, "c1");
    scenario_add_cloud(sc, "c2");
    scenario_add_segment(sc, "a", 1, 1);
    scenario_add_segment(sc, "b", 1, 1);
    scenario_add_contract(sc, "k", 0, 0, 4, BILLING_RESERVED);
    (void)ch;
    model_layout L;
    model_layout_init(&L, sc);
    assert_int_equal(L.months, 5);
    assert_int_equal(L.dimlen[DIM_NONE], 1);
    assert_int_equal(L.dimlen[DIM_SEGMENT], 2);
    assert_int_equal(L.dimlen[DIM_CLOUD], 3);
    assert_int_equal(L.dimlen[DIM_CONTRACT], 1);
    assert_int_equal(L.series_len[S_UNMET], 10);
    assert_int_equal(L.series_len[S_CAPACITY], 15);
    assert_int_equal(L.series_len[S_REVENUE], 5);
    assert_int_equal(L.series_len[S_SPEND], 5);
    size_t off = 0;
    for (int s = 0; s < N_SERIES; s++) {
        assert_int_equal(L.series_off[s], off);
        off += L.series_len[s];
    }
    assert_int_equal(L.nseries, off);
    /* 4 segment series of 5 x 2 (value_lost the 4th), 6 cloud series of 5 x 3, 3 scalar
     * series of 5 (cash the 3rd) and 4 contract series of 5 x 1 (defaulted the 4th). */
    assert_int_equal(L.nseries, 4 * 10 + 6 * 15 + 3 * 5 + 4 * 5);
    for (int k = 0; k < N_TOTALS; k++) {
        assert_int_equal(L.total_off[k], off);
        off += L.total_len[k];
    }
    assert_int_equal(L.total_len[T_PV_SPEND_BY_CLOUD], 3);
    /* pv_spend_by_cloud has 3 values, option_month none (no options) */
    assert_int_equal(L.total_len[T_OPTION_MONTH], 0);
    assert_int_equal(L.ntotals, N_TOTALS - 2 + 3);
    assert_int_equal(L.row_len, off);
    assert_int_equal(L.row_len, L.nseries + L.ntotals);
    /* Sketch coin keys: the row as it was before the later outputs (cash, the 5 cash
     * values, is the last series with values, exercised having none without options;
     * option_month the first later total, empty, then pv_option_fees): earlier series keep
     * their index, earlier totals move back by cash's 5 values, then cash, then the
     * later totals; a permutation of 0..row_len-1. */
    uint64_t coin[256];
    assert_true(L.row_len <= 256);
    model_layout_coins(&L, coin);
    size_t cash = L.series_off[S_CASH], ncash = L.series_len[S_CASH];
    assert_int_equal(ncash, 5);
    for (size_t v = 0; v < cash; v++) assert_int_equal(coin[v], v);
    for (size_t v = L.nseries; v < L.total_off[T_OPTION_MONTH]; v++) assert_int_equal(coin[v], v - ncash);
    for (size_t i = 0; i < ncash; i++) assert_int_equal(coin[cash + i], L.total_off[T_OPTION_MONTH] - ncash + i);
    for (size_t v = L.total_off[T_OPTION_MONTH]; v < L.row_len; v++) assert_int_equal(coin[v], v);
    unsigned char seen[256] = { 0 };
    for (size_t v = 0; v < L.row_len; v++) seen[coin[v]]++;
    for (size_t v = 0; v < L.row_len; v++) assert_int_equal(seen[v], 1);
    scenario_free(sc);
}

static void test_tables(void **state)
{
    (void)state;
    assert_int_equal(SCENARIO_NSERIES, N_SERIES);
    static const char *series[N_SERIES] = {
        "demand", "served", "unmet", "capacity", "used", "utilisation", "power_needed",
        "power_available", "spend", "stranded", "spot_spend", "revenue",
        "turned_down_revenue", "revenue_share", "value_lost", "defaulted", "exercised", "cash" };
    static const char *totals[N_TOTALS] = {
        "pv_spend", "pv_spend_by_cloud", "pv_stranded", "pv_revenue",
        "pv_turned_down_revenue", "pv_revenue_share", "unmet_h100e_hours", "months_short",
        "outstanding_commitment", "pv_value", "pv_value_lost", "pv_net_value", "option_month",
        "pv_option_fees", "pv_capex", "residual_value", "min_cash", "peak_funding_need",
        "months_cash_negative" };
    for (int s = 0; s < N_SERIES; s++) {
        assert_string_equal(model_series[s].name, series[s]);
        /* the scenario format's names (simulation.quantiles) are the same list */
        assert_string_equal(scenario_series_names[s], series[s]);
        assert_non_null(model_series[s].units);
        assert_true(strlen(model_series[s].long_name) > 0);
    }
    for (int k = 0; k < N_TOTALS; k++) {
        assert_string_equal(model_totals[k].name, totals[k]);
        assert_true(strlen(model_totals[k].long_name) > 0);
    }
    assert_string_equal(model_series[S_UNMET].units, "H100e");
    assert_string_equal(model_series[S_UTILISATION].units, "1");
    assert_string_equal(model_series[S_POWER_NEEDED].units, "MW");
    assert_string_equal(model_series[S_SPEND].units, "USD per month");
    assert_string_equal(model_totals[T_UNMET_H100E_HOURS].units, "H100e-hours");
    assert_string_equal(model_totals[T_MONTHS_SHORT].units, "months");
    assert_string_equal(model_totals[T_PV_SPEND].units, "USD");
    assert_int_equal(model_series[S_UNMET].has_ppos, 1);
    assert_int_equal(model_series[S_STRANDED].has_ppos, 1);
    assert_int_equal(model_series[S_DEMAND].has_ppos, 0);
    assert_int_equal(model_totals[T_MONTHS_SHORT].has_ppos, 1);
    assert_int_equal(model_totals[T_UNMET_H100E_HOURS].has_ppos, 1);
    assert_int_equal(model_totals[T_PV_STRANDED].has_ppos, 1);
    assert_int_equal(model_series[S_DEMAND].dim, DIM_SEGMENT);
    assert_int_equal(model_series[S_SPOT_SPEND].dim, DIM_CLOUD);
    assert_int_equal(model_series[S_REVENUE_SHARE].dim, DIM_CONTRACT);
    assert_int_equal(model_series[S_REVENUE].dim, DIM_NONE);
    assert_int_equal(model_totals[T_PV_SPEND_BY_CLOUD].dim, DIM_CLOUD);
    assert_int_equal(model_totals[T_PV_SPEND].lower_is_better, 1);
    /* docs/MODEL.md 10: value served and net value are better higher, value lost lower. */
    assert_int_equal(model_series[S_VALUE_LOST].dim, DIM_SEGMENT);
    assert_int_equal(model_series[S_VALUE_LOST].has_ppos, 1);
    assert_int_equal(model_series[S_VALUE_LOST].lower_is_better, 1);
    assert_int_equal(model_totals[T_PV_VALUE].lower_is_better, -1);
    assert_int_equal(model_totals[T_PV_VALUE_LOST].lower_is_better, 1);
    assert_int_equal(model_totals[T_PV_NET_VALUE].lower_is_better, -1);
    assert_string_equal(model_totals[T_PV_NET_VALUE].units, "USD");
    assert_int_equal(model_totals[T_PV_REVENUE].lower_is_better, -1);
    /* docs/MODEL.md 13: the option outputs, over the option dimension */
    assert_int_equal(model_series[S_EXERCISED].dim, DIM_OPTION);
    assert_int_equal(model_totals[T_OPTION_MONTH].dim, DIM_OPTION);
    assert_int_equal(model_totals[T_PV_OPTION_FEES].dim, DIM_NONE);
    assert_string_equal(model_totals[T_PV_OPTION_FEES].units, "USD");
}

/* ---- billing ---- */

static void test_reserved_billing(void **state)
{
    (void)state;
    /* 100 chips of 2 H100e at $3 per chip-hour; demand 150 H100e at $2 per H100e-hour. */
    simple s = simple_new(3, 2.0, 100, 3.0, BILLING_RESERVED, 150);
    run_ctx x;
    run_const(&x, s.sc);
    for (int t = 0; t < 3; t++) {
        assert_exact(ser(&x, S_CAPACITY, t, 0), 200);                 /* 100 * 2 */
        assert_exact(ser(&x, S_USED, t, 0), 150);
        assert_exact(ser(&x, S_UTILISATION, t, 0), 0.75);
        assert_exact(ser(&x, S_UNMET, t, 0), 0);
        assert_exact(ser(&x, S_SERVED, t, 0), 150);
        assert_close(ser(&x, S_SPEND, t, 0), 219000, 1e-12);          /* 100 * 730 * 3 */
        assert_close(ser(&x, S_STRANDED, t, 0), 54750, 1e-12);        /* 219000 * 50/200 */
        assert_close(ser(&x, S_REVENUE, t, 0), 219000, 1e-12);        /* 150 * 2 * 730 */
        assert_exact(ser(&x, S_TURNED_DOWN_REVENUE, t, 0), 0);
        assert_close(ser(&x, S_POWER_NEEDED, t, 0), 0.1, 1e-12);      /* 100 * 1 kW */
        assert_close(ser(&x, S_POWER_AVAILABLE, t, 0), 0.1, 1e-12);   /* no power block */
    }
    assert_close(tot(&x, T_PV_SPEND, 0), 657000, 1e-12);
    assert_close(tot(&x, T_PV_SPEND_BY_CLOUD, 0), 657000, 1e-12);
    assert_close(tot(&x, T_PV_STRANDED, 0), 164250, 1e-12);
    assert_close(tot(&x, T_PV_REVENUE, 0), 657000, 1e-12);
    assert_exact(tot(&x, T_MONTHS_SHORT, 0), 0);
    assert_exact(tot(&x, T_UNMET_H100E_HOURS, 0), 0);
    assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_usage_billing(void **state)
{
    (void)state;
    /* Demand 150 H100e on chips of 2 H100e: 75 chips used * 730 h * $3 = 164250. */
    simple s = simple_new(3, 2.0, 100, 3.0, BILLING_USAGE, 150);
    run_ctx x;
    run_const(&x, s.sc);
    assert_close(ser(&x, S_SPEND, 1, 0), 164250, 1e-12);
    assert_exact(ser(&x, S_STRANDED, 1, 0), 0);
    assert_close(tot(&x, T_PV_SPEND, 0), 3 * 164250, 1e-12);
    ctx_free(&x);
    scenario_free(s.sc);

    /* Demand 250 > capacity 200: every chip used (100 * 730 * 3 = 219000), 50 unmet:
     * turned down 50 * 2 * 730 = 73000 a month, 50 * 730 * 3 = 109500 H100e-hours. */
    s = simple_new(3, 2.0, 100, 3.0, BILLING_USAGE, 250);
    run_const(&x, s.sc);
    assert_close(ser(&x, S_SPEND, 0, 0), 219000, 1e-12);
    assert_exact(ser(&x, S_UNMET, 2, 0), 50);
    assert_close(ser(&x, S_TURNED_DOWN_REVENUE, 2, 0), 73000, 1e-12);
    assert_exact(tot(&x, T_MONTHS_SHORT, 0), 3);
    assert_close(tot(&x, T_UNMET_H100E_HOURS, 0), 109500, 1e-12);
    assert_close(tot(&x, T_PV_TURNED_DOWN_REVENUE, 0), 219000, 1e-12);
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_escalator(void **state)
{
    (void)state;
    /* Contract from t = -6, escalator 10%: month t pays 100 * 730 * 1.1^((t + 6)/12). */
    simple s = simple_new(7, 1.0, 100, 1.0, BILLING_RESERVED, 0);
    s.sc->contracts[s.con].from = -6;
    s.sc->contracts[s.con].escalator = param_const(0.10);
    run_ctx x;
    run_const(&x, s.sc);
    assert_close(ser(&x, S_SPEND, 0, 0), 73000 * sqrt(1.1), 1e-12);   /* 76562.04 */
    assert_close(ser(&x, S_SPEND, 6, 0), 80300, 1e-12);               /* 73000 * 1.1 */
    assert_close(contracts_escalation(0.10, -6, 6), 1.1, 1e-15);
    assert_exact(contracts_escalation(0.0, 0, 30), 1.0);
    ctx_free(&x);
    scenario_free(s.sc);

    /* Usage: the marginal cost and the bill escalate alike. From 0, month 12 pays
     * 10 chips used * 730 * $2 * 1.1 = 16060. */
    s = simple_new(13, 1.0, 100, 2.0, BILLING_USAGE, 10);
    s.sc->contracts[s.con].escalator = param_const(0.10);
    run_const(&x, s.sc);
    assert_close(ser(&x, S_SPEND, 12, 0), 16060, 1e-12);
    assert_close(ser(&x, S_SPEND, 0, 0), 14600, 1e-12);
    ctx_free(&x);
    scenario_free(s.sc);

    /* A sampled escalator takes the path's value: 10% on one path, 20% on the next
     * with the same workspace (month 12: 14600 * 1.1, then * 1.2). */
    s = simple_new(13, 1.0, 100, 2.0, BILLING_USAGE, 10);
    dist_spec d = { 0 };
    d.family = DIST_CONSTANT;
    s.sc->contracts[s.con].escalator = scenario_add_uncertain(s.sc, "contracts.c.escalator", &d, 0, 0);
    ctx_init(&x, s.sc);
    const double v1[1] = { 0.10 }, v2[1] = { 0.20 };
    ctx_run(&x, s.sc, v1, 1, 0, 0);
    assert_close(ser(&x, S_SPEND, 12, 0), 16060, 1e-12);
    ctx_run(&x, s.sc, v2, 1, 1, 0);
    assert_close(ser(&x, S_SPEND, 12, 0), 17520, 1e-12);
    assert_close(ser(&x, S_SPEND, 6, 0), 14600 * sqrt(1.2), 1e-12);
    ctx_free(&x);
    scenario_free(s.sc);
}

/* ---- min_spend ---- */

static void test_term_true_up(void **state)
{
    (void)state;
    /* Term [0, 5], 10 chips * 730 * $1 = 7300 a month, 43800 in the term; floor 50000:
     * true-up 6200 billed (and stranded) in month 5. */
    simple s = simple_new(8, 1.0, 10, 1.0, BILLING_RESERVED, 10);
    s.sc->contracts[s.con].to = 5;
    fx_min_spend(s.sc, s.con, 50000, PERIOD_TERM);
    run_ctx x;
    run_const(&x, s.sc);
    for (int t = 0; t < 5; t++) {
        assert_close(ser(&x, S_SPEND, t, 0), 7300, 1e-12);
        assert_exact(ser(&x, S_STRANDED, t, 0), 0);     /* fully used */
    }
    assert_close(ser(&x, S_SPEND, 5, 0), 13500, 1e-12);  /* 7300 + 6200 */
    assert_close(ser(&x, S_STRANDED, 5, 0), 6200, 1e-12);
    assert_exact(ser(&x, S_SPEND, 6, 0), 0);             /* term over */
    assert_exact(ser(&x, S_CAPACITY, 6, 0), 0);
    assert_close(tot(&x, T_PV_SPEND, 0), 50000, 1e-12);
    assert_close(tot(&x, T_PV_STRANDED, 0), 6200, 1e-12);
    assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_yearly_true_up_prorated(void **state)
{
    (void)state;
    /* Term [0, 29] = 30 months, usd 300000 per year periods: floors 300000 * 12/30 =
     * 120000 for [0,11] and [12,23], 300000 * 6/30 = 60000 for [24,29]. Billing 7300 a
     * month: 87600 a year -> true-ups 32400 in months 11 and 23; 43800 in the last
     * period -> 16200 in month 29. All spend = 300000 = usd. */
    simple s = simple_new(30, 1.0, 10, 1.0, BILLING_USAGE, 10);
    s.sc->contracts[s.con].to = 29;
    fx_min_spend(s.sc, s.con, 300000, PERIOD_YEAR);
    run_ctx x;
    run_const(&x, s.sc);
    for (int t = 0; t < 30; t++) {
        double tu = t == 11 || t == 23 ? 32400 : t == 29 ? 16200 : 0;
        assert_close(ser(&x, S_SPEND, t, 0), 7300 + tu, 1e-12);
        assert_close(ser(&x, S_STRANDED, t, 0), tu, 1e-12);
    }
    assert_close(tot(&x, T_PV_SPEND, 0), 300000, 1e-12);
    assert_close(tot(&x, T_PV_STRANDED, 0), 81000, 1e-12);
    assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_min_spend_before_start(void **state)
{
    (void)state;
    /* Term [-6, 23] = 30 months, usd 300000 yearly: periods [-6,5], [6,17] (floor
     * 120000 each) and [18,23] (60000). Spend before t = 0 counts 0, so the first
     * period has only months 0..5: 43800 -> true-up 76200 in month 5; then 120000 -
     * 87600 = 32400 in month 17; 60000 - 43800 = 16200 in month 23. */
    simple s = simple_new(24, 1.0, 10, 1.0, BILLING_USAGE, 10);
    s.sc->contracts[s.con].from = -6;
    s.sc->contracts[s.con].to = 23;
    fx_min_spend(s.sc, s.con, 300000, PERIOD_YEAR);
    run_ctx x;
    run_const(&x, s.sc);
    assert_close(ser(&x, S_SPEND, 5, 0), 7300 + 76200, 1e-12);
    assert_close(ser(&x, S_SPEND, 11, 0), 7300, 1e-12);
    assert_close(ser(&x, S_SPEND, 17, 0), 7300 + 32400, 1e-12);
    assert_close(ser(&x, S_SPEND, 23, 0), 7300 + 16200, 1e-12);
    assert_close(tot(&x, T_PV_SPEND, 0), 300000, 1e-12);   /* 24 * 7300 + 124800 */
    assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_outstanding_commitment(void **state)
{
    (void)state;
    /* Horizon 18 months. Contract "y": [0, 35], yearly floor 360000 * 12/36 = 120000,
     * 7300 a month: true-up 32400 in month 11; period [12,23] has 6 * 7300 = 43800 so
     * far -> 76200 outstanding; period [24,35] nothing yet -> 120000 outstanding.
     * Contract "t": [0, 35] term floor 1e6, 18 * 7300 = 131400 so far -> 868600.
     * Contract "f": [20, 31] term 5000, not started -> 5000.
     * Outstanding = 76200 + 120000 + 868600 + 5000 = 1069800. */
    simple s = simple_new(18, 1.0, 10, 1.0, BILLING_USAGE, 20);
    s.sc->contracts[s.con].to = 35;
    fx_min_spend(s.sc, s.con, 360000, PERIOD_YEAR);
    int ct = scenario_add_contract(s.sc, "t", s.cloud, 0, 35, BILLING_USAGE);
    fx_price(s.sc, ct, s.chip, 1.0);
    scenario_add_tranche(s.sc, ct, s.chip, 10, 0);
    fx_min_spend(s.sc, ct, 1e6, PERIOD_TERM);
    int cf = scenario_add_contract(s.sc, "f", s.cloud, 20, 31, BILLING_USAGE);
    fx_min_spend(s.sc, cf, 5000, PERIOD_TERM);
    run_ctx x;
    run_const(&x, s.sc);
    assert_close(ser(&x, S_SPEND, 11, 0), 7300 + 32400, 1e-12);
    assert_close(ser(&x, S_SPEND, 17, 1), 7300, 1e-12);       /* no true-up billed */
    assert_close(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 1069800, 1e-12);
    /* 18 * 7300 * 2 + 32400 */
    assert_close(tot(&x, T_PV_SPEND, 0), 295200, 1e-12);
    ctx_free(&x);
    scenario_free(s.sc);
}

/* ---- revenue share ---- */

static void test_revenue_share_cap(void **state)
{
    (void)state;
    /* "api": demand 100 at $2 -> revenue 146000 a month; "train": 50 at $1 -> 36500.
     * Contract A: 20% of api revenue, cap 70000: 29200, 29200, then 11600 (the rest),
     * then 0. Contract B: 10% of all revenue until month 2: 18250, 18250, 0.
     * Neither is spend (prices are 0). */
    scenario *sc = fx_scenario(5, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int cl = scenario_add_cloud(sc, "a");
    int api = scenario_add_segment(sc, "api", 100, 1.0);
    int train = scenario_add_segment(sc, "train", 50, 1.0);
    sc->segments[api].usd_per_h100e_hour = param_const(2.0);
    sc->segments[train].usd_per_h100e_hour = param_const(1.0);
    sc->segments[train].priority = 1;
    fx_eligible(sc, api, ch, 1.0);
    fx_eligible(sc, train, ch, 1.0);
    int a = scenario_add_contract(sc, "A", cl, 0, 100, BILLING_RESERVED);
    fx_price(sc, a, ch, 0.0);
    scenario_add_tranche(sc, a, ch, 200, 0);
    sc->contracts[a].has_revenue_share = 1;
    sc->contracts[a].rs_rate = param_const(0.2);
    sc->contracts[a].rs_segments[api] = 1;
    sc->contracts[a].rs_cap_usd = param_const(70000);
    int b = scenario_add_contract(sc, "B", cl, 0, 100, BILLING_RESERVED);
    sc->contracts[b].has_revenue_share = 1;
    sc->contracts[b].rs_rate = param_const(0.1);
    sc->contracts[b].rs_segments[api] = sc->contracts[b].rs_segments[train] = 1;
    sc->contracts[b].rs_until = 2;
    run_ctx x;
    run_const(&x, sc);
    static const double want_a[5] = { 29200, 29200, 11600, 0, 0 };
    static const double want_b[5] = { 18250, 18250, 0, 0, 0 };
    for (int t = 0; t < 5; t++) {
        assert_close(ser(&x, S_REVENUE, t, 0), 182500, 1e-12);
        assert_close(ser(&x, S_REVENUE_SHARE, t, a), want_a[t], 1e-12);
        assert_close(ser(&x, S_REVENUE_SHARE, t, b), want_b[t], 1e-12);
    }
    assert_close(tot(&x, T_PV_REVENUE_SHARE, 0), 106500, 1e-12);   /* 70000 + 36500 */
    assert_exact(tot(&x, T_PV_SPEND, 0), 0);
    ctx_free(&x);
    scenario_free(sc);
}

/* ---- allocation ---- */

static void test_exclusivity_ends(void **state)
{
    (void)state;
    /* Contract B (cloud b) comes first in file order, A (cloud a) holds an exclusivity
     * on the segment until month 2. Demand 150, 100 H100e at each cloud.
     * Months 0-1: only a -> 100 served, 50 unmet. Months 2-3: b first (file order,
     * both cost 0) 100, then a 50. */
    scenario *sc = fx_scenario(4, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    int s = scenario_add_segment(sc, "api", 150, 1.0);
    fx_eligible(sc, s, ch, 1.0);
    int kb = scenario_add_contract(sc, "B", cb, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, kb, ch, 100, 0);
    int ka = scenario_add_contract(sc, "A", ca, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, ka, ch, 100, 0);
    sc->contracts[ka].has_exclusive = 1;
    sc->contracts[ka].exclusive[s] = 1;
    sc->contracts[ka].exclusive_until = 2;
    run_ctx x;
    run_const(&x, sc);
    for (int t = 0; t < 2; t++) {
        assert_exact(ser(&x, S_USED, t, ca), 100);
        assert_exact(ser(&x, S_USED, t, cb), 0);
        assert_exact(ser(&x, S_UNMET, t, s), 50);
    }
    for (int t = 2; t < 4; t++) {
        assert_exact(ser(&x, S_USED, t, cb), 100);
        assert_exact(ser(&x, S_USED, t, ca), 50);
        assert_exact(ser(&x, S_UNMET, t, s), 0);
    }
    assert_exact(tot(&x, T_MONTHS_SHORT, 0), 2);
    assert_close(tot(&x, T_UNMET_H100E_HOURS, 0), 73000, 1e-12);   /* 50 * 730 * 2 */
    ctx_free(&x);
    scenario_free(sc);
}

static void test_exclusivity_intersection(void **state)
{
    (void)state;
    /* Exclusivity at a over [0, 3) and at b over [2, 5): month 2 leaves no cloud. */
    scenario *sc = fx_scenario(6, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    int s = scenario_add_segment(sc, "api", 50, 1.0);
    fx_eligible(sc, s, ch, 1.0);
    int ka = scenario_add_contract(sc, "A", ca, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, ka, ch, 100, 0);
    int kb = scenario_add_contract(sc, "B", cb, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, kb, ch, 100, 0);
    sc->contracts[ka].has_exclusive = sc->contracts[kb].has_exclusive = 1;
    sc->contracts[ka].exclusive[s] = sc->contracts[kb].exclusive[s] = 1;
    sc->contracts[ka].exclusive_until = 3;
    sc->contracts[kb].from = 2;             /* an exclusivity starts with its contract */
    sc->contracts[kb].exclusive_until = 5;
    assert_int_equal(allocate_allowed_cloud(sc, 0, 0), ca);
    assert_int_equal(allocate_allowed_cloud(sc, 0, 1), ca);
    assert_int_equal(allocate_allowed_cloud(sc, 0, 2), ALLOCATE_NO_CLOUD);
    assert_int_equal(allocate_allowed_cloud(sc, 0, 3), cb);
    assert_int_equal(allocate_allowed_cloud(sc, 0, 4), cb);
    assert_int_equal(allocate_allowed_cloud(sc, 0, 5), ALLOCATE_ANY_CLOUD);
    run_ctx x;
    run_const(&x, sc);
    assert_exact(ser(&x, S_USED, 0, ca), 50);
    assert_exact(ser(&x, S_UNMET, 2, s), 50);
    assert_exact(ser(&x, S_USED, 2, ca) + ser(&x, S_USED, 2, cb), 0);
    assert_exact(ser(&x, S_USED, 3, cb), 50);
    assert_exact(ser(&x, S_USED, 5, ca), 50);  /* free again: file order, a first */
    assert_exact(tot(&x, T_MONTHS_SHORT, 0), 1);
    ctx_free(&x);
    scenario_free(sc);
}

/* res-b: reserved at b (cost 0); use-a: usage at a, $5 per chip-hour (cost 5), first
 * refusal for the segment if `fr`; spot at b at $1. Demand 150. */
static scenario *first_refusal_scenario(int fr)
{
    scenario *sc = fx_scenario(1, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    fx_spot(sc, cb, 1000, 1.0, 1.0);
    int s = scenario_add_segment(sc, "api", 150, 1.0);
    fx_eligible(sc, s, ch, 1.0);
    fx_spot_eligible(sc, s, 1.0);
    int kb = scenario_add_contract(sc, "res-b", cb, 0, 100, BILLING_RESERVED);
    fx_price(sc, kb, ch, 2.0);
    scenario_add_tranche(sc, kb, ch, 100, 0);
    int ka = scenario_add_contract(sc, "use-a", ca, 0, 100, BILLING_USAGE);
    fx_price(sc, ka, ch, 5.0);
    scenario_add_tranche(sc, ka, ch, 100, 0);
    sc->contracts[ka].first_refusal[s] = fr;
    return sc;
}

static void test_first_refusal(void **state)
{
    (void)state;
    /* With first refusal: use-a 100 (cost 5, first anyway), res-b 50, spot 0.
     * use-a bills 100 * 730 * 5 = 365000; res-b 100 * 730 * 2 = 146000, half stranded. */
    scenario *sc = first_refusal_scenario(1);
    run_ctx x;
    run_const(&x, sc);
    assert_exact(ser(&x, S_USED, 0, 0), 100);
    assert_exact(ser(&x, S_USED, 0, 1), 50);
    assert_exact(ser(&x, S_CAPACITY, 0, 1), 1100);      /* 100 reserved + 1000 spot */
    assert_exact(ser(&x, S_SPOT_SPEND, 0, 1), 0);
    assert_close(ser(&x, S_SPEND, 0, 1), 365000, 1e-12);
    assert_close(ser(&x, S_STRANDED, 0, 0), 73000, 1e-12);
    ctx_free(&x);
    scenario_free(sc);

    /* Without: by cost, res-b 100 (0), spot 50 ($1), use-a nothing ($5).
     * Spot spend 50 * 1 * 730 = 36500. */
    sc = first_refusal_scenario(0);
    run_const(&x, sc);
    assert_exact(ser(&x, S_USED, 0, 0), 0);
    assert_exact(ser(&x, S_USED, 0, 1), 150);
    assert_close(ser(&x, S_SPOT_SPEND, 0, 1), 36500, 1e-12);
    assert_exact(ser(&x, S_SPEND, 0, 1), 0);
    assert_close(tot(&x, T_PV_SPEND, 0), 146000 + 36500, 1e-12);
    assert_close(tot(&x, T_PV_SPEND_BY_CLOUD, 1), 146000 + 36500, 1e-12);
    assert_exact(tot(&x, T_PV_SPEND_BY_CLOUD, 0), 0);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_priority_and_efficiency(void **state)
{
    (void)state;
    /* 100 H100e. "high" (priority 1, efficiency 0.8, demand 40) goes first: 40 / 0.8 =
     * 50 H100e. "low" (priority 2, demand 80) gets the other 50: 30 unmet. "low2"
     * (priority 2, later in the file, demand 10) gets nothing. */
    scenario *sc = fx_scenario(1, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int cl = scenario_add_cloud(sc, "a");
    int low = scenario_add_segment(sc, "low", 80, 1.0);
    int high = scenario_add_segment(sc, "high", 40, 1.0);
    int low2 = scenario_add_segment(sc, "low2", 10, 1.0);
    sc->segments[low].priority = sc->segments[low2].priority = 2;
    sc->segments[high].priority = 1;
    fx_eligible(sc, low, ch, 1.0);
    fx_eligible(sc, high, ch, 0.8);
    fx_eligible(sc, low2, ch, 1.0);
    int k = scenario_add_contract(sc, "k", cl, 0, 10, BILLING_RESERVED);
    scenario_add_tranche(sc, k, ch, 100, 0);
    run_ctx x;
    run_const(&x, sc);
    assert_exact(ser(&x, S_SERVED, 0, high), 40);
    assert_exact(ser(&x, S_UNMET, 0, high), 0);
    assert_close(ser(&x, S_SERVED, 0, low), 50, 1e-12);
    assert_close(ser(&x, S_UNMET, 0, low), 30, 1e-12);
    assert_exact(ser(&x, S_SERVED, 0, low2), 0);
    assert_exact(ser(&x, S_UNMET, 0, low2), 10);
    assert_exact(ser(&x, S_USED, 0, cl), 100);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_months_short_is_strict(void **state)
{
    (void)state;
    /* Two pools of 60 and 40 H100e against demand 100: 100 - 60 = 40, then min(40, 40)
     * leaves exactly 0 -> not short. Demand 100.25 leaves 0.25 -> short every month. */
    for (int more = 0; more <= 1; more++) {
        simple s = simple_new(3, 1.0, 60, 0.0, BILLING_RESERVED, more ? 100.25 : 100);
        scenario_add_tranche(s.sc, s.con, s.chip, 40, 0);
        run_ctx x;
        run_const(&x, s.sc);
        assert_exact(ser(&x, S_UNMET, 2, 0), more ? 0.25 : 0);
        assert_exact(tot(&x, T_MONTHS_SHORT, 0), more ? 3 : 0);
        assert_exact(tot(&x, T_UNMET_H100E_HOURS, 0), more ? 0.25 * 3 * 730 : 0);
        ctx_free(&x);
        scenario_free(s.sc);
    }
}

/* ---- supply ---- */

static void test_power_cap(void **state)
{
    (void)state;
    /* Cloud a: 1 MW + 0.5 MW/month after a delay of 1.5 months, max 2 MW. 1000 chips of
     * 1.5 kW need 1.5 MW. Available 1, 1, 1.25, 1.75 -> min 2 = 1.75, 2: powered
     * fractions 2/3, 2/3, 5/6, 1, 1. Reserved $1: billed = powered chips * 730.
     * Cloud b (no power block): 10 chips need 0.015 MW, reported available alike. */
    scenario *sc = fx_scenario(5, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1.5, 1000);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    fx_power(sc, ca, 1.0, 0.5, 1.5, 2.0);
    scenario_add_segment(sc, "idle", 0, 1.0);
    int ka = scenario_add_contract(sc, "A", ca, 0, 10, BILLING_RESERVED);
    fx_price(sc, ka, ch, 1.0);
    scenario_add_tranche(sc, ka, ch, 1000, 0);
    int kb = scenario_add_contract(sc, "B", cb, 0, 10, BILLING_RESERVED);
    scenario_add_tranche(sc, kb, ch, 10, 0);
    run_ctx x;
    run_const(&x, sc);
    static const double avail[5] = { 1, 1, 1.25, 1.75, 2 };
    static const double frac[5] = { 2.0 / 3, 2.0 / 3, 1.25 / 1.5, 1, 1 };
    for (int t = 0; t < 5; t++) {
        assert_close(ser(&x, S_POWER_NEEDED, t, ca), 1.5, 1e-12);
        assert_close(ser(&x, S_POWER_AVAILABLE, t, ca), avail[t], 1e-12);
        assert_close(ser(&x, S_CAPACITY, t, ca), 1000 * frac[t], 1e-12);
        assert_close(ser(&x, S_SPEND, t, ka), 1000 * frac[t] * 730, 1e-12);
        assert_close(ser(&x, S_STRANDED, t, ka), 1000 * frac[t] * 730, 1e-12);
        assert_close(ser(&x, S_POWER_NEEDED, t, cb), 0.015, 1e-12);
        assert_close(ser(&x, S_POWER_AVAILABLE, t, cb), 0.015, 1e-12);
        assert_close(ser(&x, S_CAPACITY, t, cb), 10, 1e-12);
    }
    ctx_free(&x);
    scenario_free(sc);
}

static void test_delay_ramp_retire(void **state)
{
    (void)state;
    /* Tranche: 180 chips online at month 1, fulfilled 0.5 -> 90 chips; delay 1.5
     * (sampled) rounds half away from zero to 2 -> start 3; ramp 2.6 (sampled) rounds to
     * 3 -> cohorts of 30; life 4: cohort k online in [3+k, 7+k).
     * Capacity: 0 0 0 30 60 90 90 60 30 0.
     * Second tranche (contract B, cloud b): 10 chips online at 1, delay -3 clamps to 0,
     * ramp 1 -> online in [1, 5). */
    scenario *sc = fx_scenario(10, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 4);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    scenario_add_segment(sc, "idle", 0, 1.0);
    int ka = scenario_add_contract(sc, "A", ca, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, ka, ch, 180, 1);
    int kb = scenario_add_contract(sc, "B", cb, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, kb, ch, 10, 1);
    dist_spec d = { 0 };
    d.family = DIST_CONSTANT;
    tranche_spec *ta = &sc->contracts[ka].tranches[0];
    ta->delay_months = scenario_add_uncertain(sc, "contracts.A.capacity.0.delay_months", &d, 0, 0);
    ta->ramp_months = scenario_add_uncertain(sc, "contracts.A.capacity.0.ramp_months", &d, 0, 0);
    ta->fulfilled = param_const(0.5);
    sc->contracts[kb].tranches[0].delay_months =
        scenario_add_uncertain(sc, "contracts.B.capacity.0.delay_months", &d, 0, 0);
    assert_int_equal(sc->nuncertain, 3);
    const double values[3] = { 1.5, 2.6, -3.0 };
    run_ctx x;
    ctx_init(&x, sc);
    ctx_run(&x, sc, values, 1, 0, 0);
    static const double want_a[10] = { 0, 0, 0, 30, 60, 90, 90, 60, 30, 0 };
    static const double want_b[10] = { 0, 10, 10, 10, 10, 0, 0, 0, 0, 0 };
    for (int t = 0; t < 10; t++) {
        assert_close(ser(&x, S_CAPACITY, t, ca), want_a[t], 1e-12);
        assert_close(ser(&x, S_CAPACITY, t, cb), want_b[t], 1e-12);
    }
    ctx_free(&x);
    scenario_free(sc);
}

static void test_chips_online(void **state)
{
    (void)state;
    /* start 3, 3 cohorts of 30, life 4: online in [3,7), [4,8), [5,9). */
    static const double want[10] = { 0, 0, 0, 30, 60, 90, 90, 60, 30, 0 };
    for (int t = 0; t < 10; t++)
        assert_close(supply_chips_online(t, 3, 3, 90, 4.0), want[t], 1e-12);
    /* Life 3.5 (not whole): cohort 0 online in months 3..6 (6 < 6.5), off at 7. */
    assert_close(supply_chips_online(6, 3, 1, 10, 3.5), 10, 0);
    assert_exact(supply_chips_online(7, 3, 1, 10, 3.5), 0);
    /* Infinite life never retires; zero life never comes online. */
    assert_close(supply_chips_online(1000, 0, 2, 10, INFINITY), 10, 0);
    assert_exact(supply_chips_online(5, 0, 2, 10, 0.0), 0);
}

static void test_maturity_ramp(void **state)
{
    (void)state;
    /* h100e 2, maturity from 0.5 over 4 months from month 1:
     * factor 1, 1, 1.25, 1.5, 1.75, 2, 2. 10 chips -> capacity 10 * factor.
     * Usage at $3, demand 5 H100e: bill 5 / factor * 730 * 3 = 10950, ..., 5475. */
    simple s = simple_new(7, 2.0, 10, 3.0, BILLING_USAGE, 5);
    chip_spec *c = &s.sc->chips[s.chip];
    c->has_maturity = 1;
    c->maturity_from = param_const(0.5);
    c->maturity_months = param_const(4);
    c->maturity_start = 1;
    run_ctx x;
    run_const(&x, s.sc);
    static const double f[7] = { 1, 1, 1.25, 1.5, 1.75, 2, 2 };
    for (int t = 0; t < 7; t++) {
        assert_close(ser(&x, S_CAPACITY, t, 0), 10 * f[t], 1e-12);
        assert_close(ser(&x, S_SPEND, t, 0), 5 / f[t] * 730 * 3, 1e-12);
    }
    assert_close(supply_maturity(2.0, 0.5, 4, 1, 3), 1.5, 1e-15);
    assert_exact(supply_maturity(2.0, 0.5, 0, 1, 0), 2.0);   /* months 0: mature */
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_term_cuts_chips(void **state)
{
    (void)state;
    /* Term [2, 3]; 10 chips online from month 0 (life 1000) count only in months 2-3:
     * capacity, power and billing (10 * 730 * $1) only then. */
    simple s = simple_new(6, 1.0, 10, 1.0, BILLING_RESERVED, 0);
    s.sc->contracts[s.con].from = 2;
    s.sc->contracts[s.con].to = 3;
    run_ctx x;
    run_const(&x, s.sc);
    for (int t = 0; t < 6; t++) {
        int in = t == 2 || t == 3;
        assert_exact(ser(&x, S_CAPACITY, t, 0), in ? 10 : 0);
        assert_close(ser(&x, S_POWER_NEEDED, t, 0), in ? 0.01 : 0, 1e-12);
        assert_close(ser(&x, S_SPEND, t, 0), in ? 7300 : 0, 1e-12);
    }
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_spot(void **state)
{
    (void)state;
    /* Cloud a: no power at all (power block 0 MW), spot 1000 H100e at 40%, $2.5.
     * Cloud b: spot availability 1.7 clips to 1 (1000 H100e, $3). Cloud c: -0.2 clips
     * to 0. A reserved tranche at a is unpowered: no capacity, not billed, not stranded.
     * Demand 300 on spot: a first (cheaper), 300 used: 300 * 2.5 * 730 = 547500. */
    scenario *sc = fx_scenario(2, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    int cc = scenario_add_cloud(sc, "c");
    fx_power(sc, ca, 0, 0, 0, INFINITY);
    fx_spot(sc, ca, 1000, 0.4, 2.5);
    fx_spot(sc, cb, 1000, 1.7, 3.0);
    fx_spot(sc, cc, 1000, -0.2, 0.5);
    int s = scenario_add_segment(sc, "api", 300, 1.0);
    fx_spot_eligible(sc, s, 1.0);
    int k = scenario_add_contract(sc, "k", ca, 0, 10, BILLING_RESERVED);
    fx_price(sc, k, ch, 1.0);
    scenario_add_tranche(sc, k, ch, 10, 0);
    run_ctx x;
    run_const(&x, sc);
    for (int t = 0; t < 2; t++) {
        assert_close(ser(&x, S_CAPACITY, t, ca), 400, 1e-12);
        assert_exact(ser(&x, S_CAPACITY, t, cb), 1000);
        assert_exact(ser(&x, S_CAPACITY, t, cc), 0);
        assert_exact(ser(&x, S_USED, t, ca), 300);
        assert_exact(ser(&x, S_USED, t, cb), 0);
        assert_close(ser(&x, S_UTILISATION, t, ca), 0.75, 1e-12);
        assert_exact(ser(&x, S_UTILISATION, t, cc), 0);    /* no capacity: 0 */
        assert_close(ser(&x, S_SPOT_SPEND, t, ca), 547500, 1e-12);
        assert_exact(ser(&x, S_SPEND, t, k), 0);
        assert_exact(ser(&x, S_STRANDED, t, k), 0);
        assert_close(ser(&x, S_POWER_NEEDED, t, ca), 0.01, 1e-12);
        assert_exact(ser(&x, S_POWER_AVAILABLE, t, ca), 0);
    }
    assert_close(tot(&x, T_PV_SPEND, 0), 2 * 547500, 1e-12);
    assert_close(tot(&x, T_PV_SPEND_BY_CLOUD, ca), 2 * 547500, 1e-12);
    assert_exact(tot(&x, T_PV_STRANDED, 0), 0);
    ctx_free(&x);
    scenario_free(sc);
}

/* ---- money over time ---- */

static void test_discounting(void **state)
{
    (void)state;
    /* 10% a year: month t counts (1.1)^(-t/12). 7300 a month for 13 months. */
    simple s = simple_new(13, 1.0, 10, 1.0, BILLING_RESERVED, 10);
    s.sc->discount_rate = 0.10;
    run_ctx x;
    run_const(&x, s.sc);
    double pv = 0, rev = 0;
    for (int t = 0; t < 13; t++) {
        pv += 7300 * pow(1.1, -t / 12.0);
        rev += 10 * 2 * 730 * pow(1.1, -t / 12.0);
    }
    assert_close(tot(&x, T_PV_SPEND, 0), pv, 1e-12);
    assert_close(tot(&x, T_PV_REVENUE, 0), rev, 1e-12);
    /* The 13th month is worth 1/1.1 of the first. */
    assert_close(ser(&x, S_SPEND, 12, 0), 7300, 1e-12);
    ctx_free(&x);
    scenario_free(s.sc);
}

static void test_growth_and_halflife(void **state)
{
    (void)state;
    /* No volatility: D_t = D0 * exp(sum_{u<t} ln(g)/12 * 2^(-u/h)); without half-life
     * D0 * g^(t/12). Segment a: g = 2, no half-life; b: g = 2, half-life 6. */
    scenario *sc = fx_scenario(25, 0.0);
    scenario_add_chip(sc, "h100", 1, 1, 1000);
    scenario_add_cloud(sc, "a");
    int a = scenario_add_segment(sc, "a", 1000, 2.0);
    int b = scenario_add_segment(sc, "b", 1000, 2.0);
    sc->segments[b].growth_halflife_months = param_const(6);
    run_ctx x;
    run_const(&x, sc);
    double lb = 0;
    for (int t = 0; t < 25; t++) {
        assert_close(ser(&x, S_DEMAND, t, a), 1000 * pow(2.0, t / 12.0), 1e-12);
        assert_close(ser(&x, S_DEMAND, t, b), 1000 * exp(lb), 1e-12);
        assert_exact(ser(&x, S_UNMET, t, a), ser(&x, S_DEMAND, t, a));  /* no capacity */
        lb += log(2.0) / 12 * pow(2.0, -t / 6.0);
    }
    assert_exact(ser(&x, S_DEMAND, 0, a), 1000);    /* D_0 exactly */
    assert_exact(tot(&x, T_MONTHS_SHORT, 0), 25);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_workspace_reuse(void **state)
{
    (void)state;
    /* A path is a function of (scenario, values, draws) only: running other paths with
     * the same workspace, or another workspace, gives the same bits. */
    simple s = simple_new(24, 1.0, 1000, 1.0, BILLING_RESERVED, 900);
    s.sc->segments[s.seg].volatility = param_const(0.5);
    fx_min_spend(s.sc, s.con, 1e9, PERIOD_YEAR);
    run_ctx x, y;
    ctx_init(&x, s.sc);
    ctx_init(&y, s.sc);
    double *first = malloc(x.L.row_len * sizeof *first);
    assert_non_null(first);
    ctx_run(&x, s.sc, NULL, 7, 3, 0);
    memcpy(first, x.row, x.L.row_len * sizeof *first);
    ctx_run(&x, s.sc, NULL, 7, 4, 1);
    assert_true(memcmp(first, x.row, x.L.row_len * sizeof *first) != 0);
    ctx_run(&x, s.sc, NULL, 7, 3, 0);
    assert_memory_equal(first, x.row, x.L.row_len * sizeof *first);
    ctx_run(&y, s.sc, NULL, 7, 3, 0);
    assert_memory_equal(first, y.row, y.L.row_len * sizeof *first);
    ctx_run(&y, s.sc, NULL, 8, 3, 0);                 /* another seed: other draws */
    assert_true(memcmp(first, y.row, y.L.row_len * sizeof *first) != 0);
    free(first);
    ctx_free(&x);
    ctx_free(&y);
    scenario_free(s.sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_reserved_billing),
        cmocka_unit_test(test_usage_billing),
        cmocka_unit_test(test_escalator),
        cmocka_unit_test(test_term_true_up),
        cmocka_unit_test(test_yearly_true_up_prorated),
        cmocka_unit_test(test_min_spend_before_start),
        cmocka_unit_test(test_outstanding_commitment),
        cmocka_unit_test(test_revenue_share_cap),
        cmocka_unit_test(test_exclusivity_ends),
        cmocka_unit_test(test_exclusivity_intersection),
        cmocka_unit_test(test_first_refusal),
        cmocka_unit_test(test_priority_and_efficiency),
        cmocka_unit_test(test_months_short_is_strict),
        cmocka_unit_test(test_power_cap),
        cmocka_unit_test(test_delay_ramp_retire),
        cmocka_unit_test(test_chips_online),
        cmocka_unit_test(test_maturity_ramp),
        cmocka_unit_test(test_term_cuts_chips),
        cmocka_unit_test(test_spot),
        cmocka_unit_test(test_discounting),
        cmocka_unit_test(test_growth_and_halflife),
        cmocka_unit_test(test_workspace_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
