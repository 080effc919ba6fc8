/*
 * test_options: contract options (docs/MODEL.md 13) against hand computations (HOURS =
 * 730; the arithmetic is in the comments).
 *
 *   expand     adds its tranche, online at exercise month + lead_months, billed from then
 *   terminate  the term ends at the exercise month: chips gone from the next month, the
 *              floors of periods that end later void, the fee billed in that month
 *   extend     `to` moves by `months`: billing goes on, the floors stay those of the term
 *
 * The decision: the first month m of the window (both ends included) whose rule holds
 * on months max(0, m-k)..m-1 of the path (never month m itself); a strict comparison;
 * with no past month or a zero denominator the rule does not hold.
 *
 * Also the loader side: keys, key paths of sampled fields, --set, errors, the round
 * trip of `capsim check`.
 */
#include "model_fixture.h"
#include "loader_fixture.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/scenario_print.h"

#include <string.h>

/* Chips "old" (life 7 months: gone from month 7) and "new" (life 1000), one cloud, one
 * segment of constant demand 80 H100e (growth 1, no volatility) served by both, and
 * contract "c" [0, to] reserved at $1 a chip-hour with 100 `old` chips online at 0
 * (with `old_life` 1000 they never retire). Capacity 100 >= demand 80 while the old
 * chips live; from month 7 (short life) all 80 are unmet: unmet share 0 in months
 * 0..6, exactly 1 from month 7. */
typedef struct {
    scenario *sc;
    int old_chip, new_chip, con;
} base;

static base base_new(int months, int to, double old_life)
{
    base b;
    b.sc = fx_scenario(months, 0.0);
    b.old_chip = scenario_add_chip(b.sc, "old", 1.0, 1.0, old_life);
    b.new_chip = scenario_add_chip(b.sc, "new", 1.0, 1.0, 1000);
    int cloud = scenario_add_cloud(b.sc, "a");
    int seg = scenario_add_segment(b.sc, "s", 80, 1.0);
    b.sc->segments[seg].usd_per_h100e_hour = param_const(2.0);
    fx_eligible(b.sc, seg, b.old_chip, 1.0);
    fx_eligible(b.sc, seg, b.new_chip, 1.0);
    b.con = scenario_add_contract(b.sc, "c", cloud, 0, to, BILLING_RESERVED);
    fx_price(b.sc, b.con, b.old_chip, 1.0);
    fx_price(b.sc, b.con, b.new_chip, 1.0);
    assert_int_equal(scenario_add_tranche(b.sc, b.con, b.old_chip, 100, 0), 0);
    return b;
}

/* An option on contract c over window [from, to] with rule (metric, k, above/below x). */
static option_spec *add_option(base *b, option_kind kind, int from, int to, option_metric metric,
                               int k, int above, double x)
{
    char name[16];
    snprintf(name, sizeof name, "o%zu", b->sc->noptions);
    int o = scenario_add_option(b->sc, b->con, name, kind);
    assert_true(o >= 0);
    option_spec *os = &b->sc->options[o];
    os->window_from = from;
    os->window_to = to;
    os->metric = metric;
    os->months = param_const(k);
    os->above = above;
    os->threshold = param_const(x);
    return os;
}

/* Expand with a tranche of `count` new chips and lead `lead`. */
static option_spec *add_expand(base *b, int from, int to, int k, double above, int lead, double count)
{
    option_spec *os = add_option(b, OPTION_EXPAND, from, to, METRIC_UNMET_SHARE, k, 1, above);
    int o = (int)(os - b->sc->options);
    int t = scenario_add_tranche(b->sc, b->con, b->new_chip, count, from);
    assert_true(t >= 0);
    b->sc->contracts[b->con].tranches[t].option = o;
    os = &b->sc->options[o];
    os->tranche = t;
    os->lead_months = param_const(lead);
    return os;
}

/* Exercise month of option o in run x (-1: never), checked against the series. */
static int exercised_at(const run_ctx *x, size_t o)
{
    int at = (int)tot(x, T_OPTION_MONTH, o);
    for (int t = 0; t < x->L.months; t++)
        assert_exact(ser(x, S_EXERCISED, t, o), at >= 0 && t >= at ? 1.0 : 0.0);
    return at;
}

/* ---- expand ---- */

static void test_expand_month_after_crossing(void **state)
{
    (void)state;
    /* Unmet share is 1 from month 7 (the old chips retire). k = 1, above 0.5: at m = 7
     * the past is month 6 (share 0); at m = 8 it is month 7 (share 1): exercised in
     * month 8. Lead 2: 100 new chips
     * online from month 10. Spend: 100 * 730 * $1 = 73000 in months 0..6 (old chips)
     * and 10..23 (new chips), 0 in months 7..9, plus the fee 500 in month 8. */
    base b = base_new(24, 23, 7);
    option_spec *os = add_expand(&b, 0, 23, 1, 0.5, 2, 100);
    os->fee_usd = param_const(500);
    run_ctx x;
    run_const(&x, b.sc);
    assert_int_equal(exercised_at(&x, 0), 8);
    for (int t = 0; t < 24; t++) {
        double spend = (t <= 6 || t >= 10) ? 73000 : 0;
        if (t == 8) spend += 500;
        assert_exact(ser(&x, S_SPEND, t, 0), spend);
        assert_exact(ser(&x, S_CAPACITY, t, 0), (t <= 6 || t >= 10) ? 100 : 0);
        if (t >= 10) assert_exact(ser(&x, S_UNMET, t, 0), 0);
    }
    assert_exact(tot(&x, T_PV_OPTION_FEES, 0), 500);
    assert_exact(tot(&x, T_PV_SPEND, 0), 21 * 73000.0 + 500);
    ctx_free(&x);
    scenario_free(b.sc);
}

static void test_expand_window(void **state)
{
    (void)state;
    /* Window starting later than the crossing: exercised in its first month (12), online
     * at 14. Window [3, 8]: its last month is included (exercised at 8). Window [3, 7]:
     * never, since at 7 the past (month 6) has no unmet demand; so is [7, 7]: an engine
     * that judged month 7 on month 7 itself (share 1) would exercise there. Window
     * [9, 30] past the horizon: at 9 (month 8's share is 1). */
    static const int win[][3] = { { 12, 23, 12 }, { 3, 8, 8 }, { 3, 7, -1 }, { 7, 7, -1 },
                                  { 9, 30, 9 } };
    for (size_t i = 0; i < sizeof win / sizeof win[0]; i++) {
        base b = base_new(24, 23, 7);
        add_expand(&b, win[i][0], win[i][1], 1, 0.5, 2, 100);
        run_ctx x;
        run_const(&x, b.sc);
        int at = win[i][2];
        assert_int_equal(exercised_at(&x, 0), at);
        for (int t = 0; t < 24; t++)
            assert_exact(ser(&x, S_CAPACITY, t, 0), t <= 6 || (at >= 0 && t >= at + 2) ? 100 : 0);
        ctx_free(&x);
        scenario_free(b.sc);
    }
}

static void test_expand_rule(void **state)
{
    (void)state;
    /* k = 3: at m = 8 the past is months 5, 6, 7, share (0 + 0 + D) / 3D = 1/3; at 9 it
     * is 6, 7, 8: 2/3. above 0.3: month 8; above 0.4: month 9. above 1: never (the
     * share is at most exactly 1 and the comparison is strict); below-rules work
     * alike: below 0.5 with k = 1 holds at month 1 (month 0's share is 0), not at 0
     * (no past month). */
    static const struct { int k, above; double x; int at; } r[] = {
        { 3, 1, 0.3, 8 }, { 3, 1, 0.4, 9 }, { 1, 1, 1.0, -1 }, { 1, 0, 0.5, 1 },
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        base b = base_new(24, 23, 7);
        option_spec *os = add_expand(&b, 0, 23, r[i].k, r[i].x, 0, 100);
        os->above = r[i].above;
        run_ctx x;
        run_const(&x, b.sc);
        assert_int_equal(exercised_at(&x, 0), r[i].at);
        assert_exact(tot(&x, T_PV_OPTION_FEES, 0), 0);
        ctx_free(&x);
        scenario_free(b.sc);
    }
}

static void test_expand_never_adds_nothing(void **state)
{
    (void)state;
    /* An option that is never exercised changes no other output: the row equals that
     * of the scenario without it, output by output, except its own. */
    base a = base_new(24, 23, 7), b = base_new(24, 23, 7);
    add_expand(&b, 0, 23, 1, 2.0, 0, 100);
    run_ctx x, y;
    run_const(&x, a.sc);
    run_const(&y, b.sc);
    for (int s = 0; s < N_SERIES; s++)
        if (model_series[s].dim != DIM_OPTION)
            for (int t = 0; t < 24; t++)
                for (size_t j = 0; j < x.L.dimlen[model_series[s].dim]; j++)
                    assert_exact(ser(&y, (series_id)s, t, j), ser(&x, (series_id)s, t, j));
    assert_exact(tot(&y, T_PV_SPEND, 0), tot(&x, T_PV_SPEND, 0));
    assert_exact(tot(&y, T_OPTION_MONTH, 0), -1);
    ctx_free(&x);
    ctx_free(&y);
    scenario_free(a.sc);
    scenario_free(b.sc);
}

static void test_expand_delivered_basis(void **state)
{
    (void)state;
    /* min_spend basis delivered (term [0, 5], floor 100000): 10 old chips (never retire)
     * with fulfilled 0.5 deliver 5; demand 80 is mostly unmet, so an expand option
     * (k = 1, above 0.5, lead 0, 10 chips) is exercised at month 1 (month 0's share is
     * 75/80). Its chips count toward B_del and its nominal schedule (online at 1) toward
     * B_sch: B_del = 730 * (5 * 6 + 10 * 5) = 58400 (also the billing: $1 a chip-hour),
     * B_sch = 730 * (10 * 6 + 10 * 5) = 80300; the true-up in month 5 is
     * 100000 * 58400 / 80300 - 58400. */
    base b = base_new(6, 5, 1000);
    b.sc->contracts[b.con].tranches[0].count = param_const(10);
    b.sc->contracts[b.con].tranches[0].fulfilled = param_const(0.5);
    fx_min_spend(b.sc, b.con, 100000, PERIOD_TERM);
    b.sc->contracts[b.con].min_spend_basis = BASIS_DELIVERED;
    add_expand(&b, 0, 5, 1, 0.5, 0, 10);
    run_ctx x;
    run_const(&x, b.sc);
    assert_int_equal(exercised_at(&x, 0), 1);
    assert_exact(ser(&x, S_SPEND, 0, 0), 5 * 730.0);
    for (int t = 1; t < 5; t++) assert_exact(ser(&x, S_SPEND, t, 0), 15 * 730.0);
    double tu = 100000 * (58400.0 / 80300.0) - 58400;
    assert_close(ser(&x, S_SPEND, 5, 0), 15 * 730.0 + tu, 1e-12);
    assert_close(ser(&x, S_STRANDED, 5, 0), tu, 1e-12);   /* all 15 chips used */
    ctx_free(&x);
    scenario_free(b.sc);
}

/* ---- terminate ---- */

static void test_terminate(void **state)
{
    (void)state;
    /* No retirement: utilisation 80 / 100 = 0.8 every month. Terminate over [5, 20],
     * utilisation below 0.9 over k = 2 months: at m = 5 (months 3, 4). The term ends at
     * 5: capacity 100 in months 0..5, 0 from 6. Yearly floor 2e6 over the 24-month term:
     * 1e6 per year period; both periods end after month 5 (11, 23), so both are void:
     * no true-up, no outstanding commitment. Spend 73000 in months 0..5 plus the fee
     * 1e5 in month 5; pv_spend = 6 * 73000 + 1e5 = 538000. Without the option: a
     * true-up of 1e6 - 12 * 73000 = 124000 in months 11 and 23. */
    for (int with = 0; with < 2; with++) {
        base b = base_new(24, 23, 1000);
        fx_min_spend(b.sc, b.con, 2e6, PERIOD_YEAR);
        if (with) {
            option_spec *os = add_option(&b, OPTION_TERMINATE, 5, 20, METRIC_UTILISATION, 2, 0, 0.9);
            os->fee_usd = param_const(1e5);
        }
        run_ctx x;
        run_const(&x, b.sc);
        for (int t = 0; t < 24; t++) {
            double spend = !with || t <= 5 ? 73000 : 0;
            if (with && t == 5) spend += 1e5;
            if (!with && (t == 11 || t == 23)) spend += 124000;
            assert_exact(ser(&x, S_SPEND, t, 0), spend);
            assert_exact(ser(&x, S_CAPACITY, t, 0), !with || t <= 5 ? 100 : 0);
        }
        if (with) {
            assert_int_equal(exercised_at(&x, 0), 5);
            assert_exact(tot(&x, T_PV_SPEND, 0), 538000);
            assert_exact(tot(&x, T_PV_OPTION_FEES, 0), 1e5);
        }
        assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
        ctx_free(&x);
        scenario_free(b.sc);
    }
}

static void test_terminate_keeps_ended_period_and_first_months(void **state)
{
    (void)state;
    /* Terminate at m = 11 exactly (window [11, 11]): the first year period ends at 11,
     * not later, so its true-up (124000) is billed; the second is void. With window
     * [0, 20] and k = 3 the option cannot hold at 0 (no past month) and holds at 1 on
     * month 0 alone (the months it has): exercised at 1. Horizon 30 > term: with the
     * term cut at 11 the floors of periods ending after the horizon are void too. */
    base b = base_new(30, 23, 1000);
    fx_min_spend(b.sc, b.con, 2e6, PERIOD_YEAR);
    add_option(&b, OPTION_TERMINATE, 11, 11, METRIC_UTILISATION, 2, 0, 0.9);
    run_ctx x;
    run_const(&x, b.sc);
    assert_int_equal(exercised_at(&x, 0), 11);
    assert_exact(ser(&x, S_SPEND, 11, 0), 73000 + 124000);
    assert_exact(ser(&x, S_SPEND, 12, 0), 0);
    assert_exact(ser(&x, S_SPEND, 23, 0), 0);
    assert_exact(tot(&x, T_PV_SPEND, 0), 12 * 73000.0 + 124000);
    ctx_free(&x);
    scenario_free(b.sc);

    base c = base_new(24, 23, 1000);
    add_option(&c, OPTION_TERMINATE, 0, 20, METRIC_UTILISATION, 3, 0, 0.9);
    run_const(&x, c.sc);
    assert_int_equal(exercised_at(&x, 0), 1);
    assert_exact(ser(&x, S_CAPACITY, 1, 0), 100);
    assert_exact(ser(&x, S_CAPACITY, 2, 0), 0);
    ctx_free(&x);
    scenario_free(c.sc);
}

/* ---- extend ---- */

static void test_extend(void **state)
{
    (void)state;
    /* Term [0, 11] in a 24-month horizon, yearly floor 1e6 (one period, [0, 11]).
     * Extend by 6 over window [6, 11], utilisation above 0.5 over k = 1: at 6. The term
     * ends at 17: capacity and 73000 a month in months 0..17, 0 from 18. The floor is
     * unchanged: true-up 1e6 - 12 * 73000 = 124000 in month 11, none for months 12..17.
     * Without the option the chips stop after 11. */
    for (int with = 0; with < 2; with++) {
        base b = base_new(24, 11, 1000);
        fx_min_spend(b.sc, b.con, 1e6, PERIOD_YEAR);
        if (with) {
            option_spec *os = add_option(&b, OPTION_EXTEND, 6, 11, METRIC_UTILISATION, 1, 1, 0.5);
            os->extend_months = param_const(6);
        }
        int end = with ? 17 : 11;
        run_ctx x;
        run_const(&x, b.sc);
        for (int t = 0; t < 24; t++) {
            assert_exact(ser(&x, S_SPEND, t, 0), (t <= end ? 73000 : 0) + (t == 11 ? 124000 : 0));
            assert_exact(ser(&x, S_CAPACITY, t, 0), t <= end ? 100 : 0);
        }
        if (with) assert_int_equal(exercised_at(&x, 0), 6);
        assert_exact(tot(&x, T_PV_SPEND, 0), (end + 1) * 73000.0 + 124000);
        assert_exact(tot(&x, T_OUTSTANDING_COMMITMENT, 0), 0);
        ctx_free(&x);
        scenario_free(b.sc);
    }
}

/* ---- random demand: the decision is the path's own trailing share ---- */

static void test_random_demand_fraction(void **state)
{
    (void)state;
    /* Demand 80 with volatility 0.6 and 100 chips that never retire: some paths cross
     * an unmet share of 5% over k = 2 months, some do not. For every path the exercise
     * month is the first window month m whose share over months max(0, m-2)..m-1, computed
     * here from the path's own row, is above 0.05 (the months before the exercise are
     * not changed by it); so the fraction of paths exercising is the fraction crossing. */
    base b = base_new(36, 35, 1000);
    b.sc->segments[0].volatility = param_const(0.6);
    add_expand(&b, 6, 30, 2, 0.05, 3, 50);
    run_ctx x;
    ctx_init(&x, b.sc);
    int n = 400, exercised = 0, crossing = 0;
    for (int p = 0; p < n; p++) {
        ctx_run(&x, b.sc, NULL, 7, (uint64_t)p, 0);
        int want = -1;
        for (int m = 6; m <= 30 && want < 0; m++) {
            double u = 0.0, d = 0.0;
            for (int t = m - 2; t < m; t++) {
                u += ser(&x, S_UNMET, t, 0);
                d += ser(&x, S_DEMAND, t, 0);
            }
            if (d > 0.0 && u / d > 0.05) want = m;
        }
        assert_int_equal(exercised_at(&x, 0), want);
        exercised += tot(&x, T_OPTION_MONTH, 0) >= 0;
        crossing += want >= 0;
    }
    assert_int_equal(exercised, crossing);
    assert_true(exercised > n / 10 && exercised < n * 9 / 10);   /* both kinds of path */
    ctx_free(&x);
    scenario_free(b.sc);
}

/* ---- loader ---- */


#define HEAD                                                                            \
    "scenario: { name: t, start: 2025-01, months: 24 }\n"                               \
    "chips:\n  h100: { h100e: 1, kw: 1, life_months: 60 }\n"                            \
    "clouds:\n  a: {}\n"                                                                \
    "demand:\n  - { name: s, start_h100e: 10, growth: 1, chips: { h100: 1 } }\n"        \
    "  - { name: u, start_h100e: 10, growth: 1, chips: { h100: 1 } }\n"                 \
    "contracts:\n"

static const char opts[] =
    HEAD
    "  - name: x\n"
    "    cloud: a\n"
    "    from: 2025-01\n"
    "    to: 2026-12\n"
    "    billing: reserved\n"
    "    price: { h100: 2 }\n"
    "    capacity: [ { chip: h100, count: 10, online: 2025-01 } ]\n"
    "    options:\n"
    "      - { name: x-expand, kind: expand, window: [2025-03, 2025-12], lead_months: 4,\n"
    "          when: { metric: unmet_share, months: 6, above: 0.05, segments: [u] },\n"
    "          tranche: { chip: h100, count: { dist: uniform, min: 5, max: 15 }, ramp_months: 2 },\n"
    "          fee_usd: 10 }\n"
    "      - { name: x-exit, kind: terminate, window: [2026-01, 2026-06],\n"
    "          when: { metric: utilisation, months: 3, below: 0.6 }, fee_usd: 2e6 }\n"
    "      - { name: x-ext, kind: extend, window: [2026-01, 2026-12], months: 12,\n"
    "          when: { metric: unmet_share, months: 2, above: 0.0 } }\n";

static void test_loader_keys(void **state)
{
    (void)state;
    loaded r = load(opts, NULL, 0);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    const scenario *sc = r.sc;
    assert_int_equal(sc->noptions, 3);
    const option_spec *e = &sc->options[0], *t = &sc->options[1], *x = &sc->options[2];
    assert_string_equal(e->name, "x-expand");
    assert_int_equal(e->kind, OPTION_EXPAND);
    assert_int_equal(e->window_from, 2);
    assert_int_equal(e->window_to, 11);
    assert_int_equal(e->metric, METRIC_UNMET_SHARE);
    assert_true(e->months.value == 6 && e->above && e->threshold.value == 0.05);
    assert_true(e->has_segments && !e->segments[0] && e->segments[1]);
    assert_true(e->fee_usd.value == 10 && e->lead_months.value == 4);
    const contract_spec *c = &sc->contracts[0];
    assert_int_equal(c->ntranches, 2);   /* the capacity tranche, then the option's */
    assert_int_equal(c->tranches[0].option, -1);
    assert_int_equal(e->tranche, 1);
    assert_int_equal(c->tranches[1].option, 0);
    assert_true(c->tranches[1].count.idx >= 0);
    assert_string_equal(sc->uncertain[c->tranches[1].count.idx].keypath,
                        "contracts.x.options.x-expand.tranche.count");
    assert_true(c->tranches[1].ramp_months.value == 2);
    assert_int_equal(t->kind, OPTION_TERMINATE);
    assert_true(!t->above && t->threshold.value == 0.6 && t->fee_usd.value == 2e6);
    assert_int_equal(t->metric, METRIC_UTILISATION);
    assert_true(!t->has_segments && t->segments[0] && t->segments[1]);   /* default: all */
    assert_int_equal(x->kind, OPTION_EXTEND);
    assert_true(x->extend_months.value == 12 && x->fee_usd.value == 0);   /* fee default 0 */
    char *a = print_to_string(sc);
    assert_non_null(strstr(a, "        window: [2025-03, 2025-12]"));
    assert_non_null(strstr(a, "          below: 0.6\n"));
    assert_reprints_to_itself(a);
    scenario_free(r.sc);
    free(r.errs);
}

static void test_loader_set(void **state)
{
    (void)state;
    const char *const sets[] = { "contracts.x.options.x-expand.when.above=0.2",
                                 "contracts.x.options.x-expand.tranche.count=7",
                                 "contracts.x.options.x-exit.fee_usd=3",
                                 "contracts.x.options.x-ext.months=6" };
    loaded r = load(opts, sets, 4);
    if (!r.sc) fail_msg("load failed:\n%s", r.errs);
    assert_true(r.sc->options[0].threshold.value == 0.2);
    const tranche_spec *t = &r.sc->contracts[0].tranches[1];
    assert_true(t->count.idx < 0 && t->count.value == 7);   /* pinned: no longer sampled */
    assert_true(r.sc->options[1].fee_usd.value == 3);
    assert_true(r.sc->options[2].extend_months.value == 6);
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
                  "  - name: x\n"
                  "    cloud: a\n"
                  "    from: 2025-01\n"
                  "    to: 2026-12\n"
                  "    billing: reserved\n"
                  "    price: { h100: 2 }\n"
                  "    options:\n"
                  "      - { name: e, kind: expnd, window: [2025-03], when: { metric: unmet_share, months: 0, above: 1 } }\n"
                  "      - { name: e, kind: terminate, window: [2025-05, 2025-03], lead_months: 2,\n"
                  "          when: { metric: utilisation, months: 1, above: 1, below: 0 } }\n",
                  "t.yaml:17:9: contracts.x.options.e: missing key 'tranche' (expected a tranche "
                  "{chip: ..., count: N})\n"
                  "t.yaml:17:26: contracts.x.options.e.kind: unknown value 'expnd' (did you mean "
                  "'expand'?)\n"
                  "t.yaml:17:41: contracts.x.options.e.window: found a list of 1 (expected a list of "
                  "two months [YYYY-MM, YYYY-MM])\n"
                  "t.yaml:17:89: contracts.x.options.e.when.months: 0 is out of range (expected a "
                  "number of months >= 1)\n"
                  "t.yaml:18:17: contracts.x.options.1: duplicate option name 'e' (expected unique "
                  "names; first used at line 17)\n"
                  "t.yaml:18:45: contracts.x.options.1.window: the window ends before it starts "
                  "(expected [from, to] with to >= from)\n"
                  "t.yaml:18:65: contracts.x.options.1: unknown key 'lead_months' (expected one of "
                  "name, kind, window, when, fee_usd)\n"
                  "t.yaml:19:68: contracts.x.options.1.when.below: both above and below (expected "
                  "one of them)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_month_after_crossing),
        cmocka_unit_test(test_expand_window),
        cmocka_unit_test(test_expand_rule),
        cmocka_unit_test(test_expand_never_adds_nothing),
        cmocka_unit_test(test_expand_delivered_basis),
        cmocka_unit_test(test_terminate),
        cmocka_unit_test(test_terminate_keeps_ended_period_and_first_months),
        cmocka_unit_test(test_extend),
        cmocka_unit_test(test_random_demand_fraction),
        cmocka_unit_test(test_loader_keys),
        cmocka_unit_test(test_loader_set),
        cmocka_unit_test(test_loader_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
