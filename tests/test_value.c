/*
 * test_value: value, allocation by margin and prices that move (docs/MODEL.md 10 and 11),
 * against hand computations. Scenarios are built by hand (tests/model_fixture.h); the
 * arithmetic of each expected number is in the comment above it. Besides: with one
 * segment `value` gives the bits of `priority` (random scenarios), and
 * allocate_month_value() gives the bits of a plain reference of the rule (every pair
 * listed and qsorted) on random months with ties, first refusals and exclusivities.
 */
#include "model_fixture.h"
#include "models/allocate.h"
#include "models/supply.h"

#include <string.h>

static void set_value(scenario *sc, int s, double v)
{
    sc->segments[s].has_value = 1;
    sc->segments[s].value_usd_per_h100e_hour = param_const(v);
}

/* One reserved pool of 100 H100e (price $2 per chip-hour) at cloud a; two segments of
 * demand 80 each on it: `low` (file first, priority 0, $1 an hour, value = revenue by
 * default) and `high` (priority 1, $2 an hour, value $5). Two months, 10%/yr. */
static scenario *two_segments(allocation_kind mode)
{
    scenario *sc = fx_scenario(2, 0.10);
    sc->allocation = mode;
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a");
    int lo = scenario_add_segment(sc, "low", 80, 1.0);
    int hi = scenario_add_segment(sc, "high", 80, 1.0);
    fx_eligible(sc, lo, ch, 1.0);
    fx_eligible(sc, hi, ch, 1.0);
    sc->segments[lo].usd_per_h100e_hour = param_const(1.0);
    sc->segments[lo].priority = 0;
    sc->segments[hi].usd_per_h100e_hour = param_const(2.0);
    sc->segments[hi].priority = 1;
    set_value(sc, hi, 5.0);
    int k = scenario_add_contract(sc, "res", ca, 0, 100, BILLING_RESERVED);
    fx_price(sc, k, ch, 2.0);
    scenario_add_tranche(sc, k, ch, 100, 0);
    return sc;
}

static void test_value_serves_high_value_first(void **state)
{
    (void)state;
    double d1 = pow(1.10, -1.0 / 12.0);   /* month 1's discount factor */
    /* value: pairs high (5 * 1 - 0 = 5) before low (1 * 1 - 0 = 1): high 80, low 20.
     *   value_lost low = 60 * 1 * 730 = 43800 a month, high 0;
     *   value a month = 80 * 5 * 730 + 20 * 1 * 730 = 292000 + 14600 = 306600;
     *   revenue a month = 80 * 2 * 730 + 20 * 1 * 730 = 131400;
     *   spend a month = 100 chips * 730 * $2 = 146000, none stranded. */
    scenario *sc = two_segments(ALLOCATION_VALUE);
    run_ctx x;
    run_const(&x, sc);
    for (int t = 0; t < 2; t++) {
        assert_exact(ser(&x, S_SERVED, t, 1), 80);
        assert_exact(ser(&x, S_SERVED, t, 0), 20);
        assert_exact(ser(&x, S_UNMET, t, 0), 60);
        assert_exact(ser(&x, S_UNMET, t, 1), 0);
        assert_close(ser(&x, S_VALUE_LOST, t, 0), 43800, 1e-12);
        assert_exact(ser(&x, S_VALUE_LOST, t, 1), 0);
        assert_close(ser(&x, S_REVENUE, t, 0), 131400, 1e-12);
        assert_exact(ser(&x, S_STRANDED, t, 0), 0);
    }
    assert_close(tot(&x, T_PV_VALUE, 0), 306600 * (1 + d1), 1e-12);
    assert_close(tot(&x, T_PV_VALUE_LOST, 0), 43800 * (1 + d1), 1e-12);
    assert_close(tot(&x, T_PV_SPEND, 0), 146000 * (1 + d1), 1e-12);
    /* net = 306600 (1 + d1) - 146000 (1 + d1) - 0 (no revenue share) */
    assert_close(tot(&x, T_PV_NET_VALUE, 0), 160600 * (1 + d1), 1e-12);
    ctx_free(&x);
    scenario_free(sc);

    /* priority: low (priority 0) first: low 80, high 20, high 60 unmet.
     *   value_lost high = 60 * 5 * 730 = 219000 a month;
     *   value a month = 80 * 1 * 730 + 20 * 5 * 730 = 58400 + 73000 = 131400;
     *   net = (131400 - 146000) (1 + d1) = -14600 (1 + d1). */
    sc = two_segments(ALLOCATION_PRIORITY);
    run_const(&x, sc);
    for (int t = 0; t < 2; t++) {
        assert_exact(ser(&x, S_SERVED, t, 0), 80);
        assert_exact(ser(&x, S_SERVED, t, 1), 20);
        assert_exact(ser(&x, S_UNMET, t, 1), 60);
        assert_close(ser(&x, S_VALUE_LOST, t, 1), 219000, 1e-12);
        assert_exact(ser(&x, S_VALUE_LOST, t, 0), 0);
    }
    assert_close(tot(&x, T_PV_VALUE, 0), 131400 * (1 + d1), 1e-12);
    assert_close(tot(&x, T_PV_VALUE_LOST, 0), 219000 * (1 + d1), 1e-12);
    assert_close(tot(&x, T_PV_NET_VALUE, 0), -14600 * (1 + d1), 1e-12);
    ctx_free(&x);
    scenario_free(sc);
}

/* One segment of demand 150, value $3 (revenue $1): spot at b, 100 H100e at `spot_usd`,
 * and a usage contract at a, 100 chips at $5 a chip-hour (cost 5 per H100e-hour). */
static scenario *costly_pools(allocation_kind mode, double spot_usd)
{
    scenario *sc = fx_scenario(1, 0.0);
    sc->allocation = mode;
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    fx_spot(sc, cb, 100, 1.0, spot_usd);
    int s = scenario_add_segment(sc, "api", 150, 1.0);
    sc->segments[s].usd_per_h100e_hour = param_const(1.0);
    set_value(sc, s, 3.0);
    fx_eligible(sc, s, ch, 1.0);
    fx_spot_eligible(sc, s, 1.0);
    int k = scenario_add_contract(sc, "use-a", ca, 0, 100, BILLING_USAGE);
    fx_price(sc, k, ch, 5.0);
    scenario_add_tranche(sc, k, ch, 100, 0);
    return sc;
}

static void test_negative_margin_serves_nothing(void **state)
{
    (void)state;
    run_ctx x;
    /* value, spot $2: spot margin 3 - 2 = 1 serves 100; usage margin 3 - 5 = -2 serves
     * nothing: 50 unmet, value_lost 50 * 3 * 730 = 109500. Spend: spot 100 * 2 * 730 =
     * 146000, usage 0. */
    scenario *sc = costly_pools(ALLOCATION_VALUE, 2.0);
    run_const(&x, sc);
    assert_exact(ser(&x, S_USED, 0, 1), 100);
    assert_exact(ser(&x, S_USED, 0, 0), 0);
    assert_exact(ser(&x, S_UNMET, 0, 0), 50);
    assert_close(ser(&x, S_VALUE_LOST, 0, 0), 109500, 1e-12);
    assert_exact(ser(&x, S_SPEND, 0, 0), 0);
    assert_close(ser(&x, S_SPOT_SPEND, 0, 1), 146000, 1e-12);
    /* net = 100 * 3 * 730 - 146000 = 219000 - 146000 = 73000 */
    assert_close(tot(&x, T_PV_NET_VALUE, 0), 73000, 1e-12);
    ctx_free(&x);
    scenario_free(sc);

    /* priority: spot (2) then usage (5): 100 + 50, nothing unmet; usage bills
     * 50 * 730 * 5 = 182500; net = 150 * 3 * 730 - 146000 - 182500 = 328500 - 328500 = 0:
     * below value's 73000, since the last 50 H100e cost 5 and were worth 3. */
    sc = costly_pools(ALLOCATION_PRIORITY, 2.0);
    run_const(&x, sc);
    assert_exact(ser(&x, S_USED, 0, 0), 50);
    assert_exact(ser(&x, S_UNMET, 0, 0), 0);
    assert_close(ser(&x, S_SPEND, 0, 0), 182500, 1e-12);
    assert_close(tot(&x, T_PV_NET_VALUE, 0), 0, 1e-9);
    ctx_free(&x);
    scenario_free(sc);

    /* value, spot $4: both margins negative (3 - 4, 3 - 5): nothing served at all. */
    sc = costly_pools(ALLOCATION_VALUE, 4.0);
    run_const(&x, sc);
    assert_exact(ser(&x, S_SERVED, 0, 0), 0);
    assert_exact(ser(&x, S_UNMET, 0, 0), 150);
    assert_exact(ser(&x, S_USED, 0, 1), 0);
    assert_exact(tot(&x, T_PV_SPEND, 0), 0);
    ctx_free(&x);
    scenario_free(sc);

    /* value, spot $3: margin exactly 0 serves (documented choice, docs/MODEL.md). */
    sc = costly_pools(ALLOCATION_VALUE, 3.0);
    run_const(&x, sc);
    assert_exact(ser(&x, S_USED, 0, 1), 100);
    assert_exact(ser(&x, S_UNMET, 0, 0), 50);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_zero_value_uses_paid_capacity(void **state)
{
    (void)state;
    /* A training segment with no revenue and no value (value = 0 by default) on a
     * reserved pool (cost 0): margin 0 * 1 - 0 = 0 serves, as under priority. */
    scenario *sc = fx_scenario(1, 0.0);
    sc->allocation = ALLOCATION_VALUE;
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a");
    int s = scenario_add_segment(sc, "training", 40, 1.0);
    fx_eligible(sc, s, ch, 1.0);
    int k = scenario_add_contract(sc, "res", ca, 0, 100, BILLING_RESERVED);
    fx_price(sc, k, ch, 1.0);
    scenario_add_tranche(sc, k, ch, 100, 0);
    run_ctx x;
    run_const(&x, sc);
    assert_exact(ser(&x, S_SERVED, 0, 0), 40);
    assert_exact(ser(&x, S_UNMET, 0, 0), 0);
    assert_exact(tot(&x, T_PV_VALUE, 0), 0);
    assert_close(tot(&x, T_PV_NET_VALUE, 0), -73000, 1e-12);   /* 100 * 730 * 1 */
    ctx_free(&x);
    scenario_free(sc);
}

static void test_first_refusal_wins_under_value(void **state)
{
    (void)state;
    /* costly_pools with first refusal on use-a (margin 3 - 5 = -2 < 0) and spot $2:
     * first refusal serves first whatever the margin: use-a 100, then spot 50.
     * Usage bills 100 * 730 * 5 = 365000; spot 50 * 2 * 730 = 73000. */
    scenario *sc = costly_pools(ALLOCATION_VALUE, 2.0);
    sc->contracts[0].first_refusal[0] = 1;
    run_ctx x;
    run_const(&x, sc);
    assert_exact(ser(&x, S_USED, 0, 0), 100);
    assert_exact(ser(&x, S_USED, 0, 1), 50);
    assert_exact(ser(&x, S_UNMET, 0, 0), 0);
    assert_close(ser(&x, S_SPEND, 0, 0), 365000, 1e-12);
    assert_close(ser(&x, S_SPOT_SPEND, 0, 1), 73000, 1e-12);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_first_refusal_other_segment(void **state)
{
    (void)state;
    /* A reserved pool of 100 is first refusal for `low` (value 1, priority 1); `high`
     * (value 5, priority 0) has no first refusal. Demand 80 each. Step 1: low takes 80.
     * Step 2: high (margin 5) gets the remaining 20; 60 unmet. */
    scenario *sc = two_segments(ALLOCATION_VALUE);
    sc->segments[0].priority = 1;
    sc->segments[1].priority = 0;
    sc->contracts[0].first_refusal[0] = 1;
    run_ctx x;
    run_const(&x, sc);
    assert_exact(ser(&x, S_SERVED, 0, 0), 80);
    assert_exact(ser(&x, S_SERVED, 0, 1), 20);
    assert_exact(ser(&x, S_UNMET, 0, 1), 60);
    assert_close(ser(&x, S_VALUE_LOST, 0, 1), 219000, 1e-12);   /* 60 * 5 * 730 */
    ctx_free(&x);
    scenario_free(sc);
}

static void test_exclusivity_under_value(void **state)
{
    (void)state;
    /* Reserved pools: B at cloud b (file first), A at cloud a, 100 H100e each. `high`
     * (value 5, demand 150) is exclusive to a until month 1; `low` (value 1, demand 100).
     * Month 0: high@b excluded; high@a 100 (50 unmet); low@b 100.
     * Month 1: high@b 100, high@a 50; low@a 50, low 50 unmet. */
    scenario *sc = fx_scenario(2, 0.0);
    sc->allocation = ALLOCATION_VALUE;
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a"), cb = scenario_add_cloud(sc, "b");
    int lo = scenario_add_segment(sc, "low", 100, 1.0);
    int hi = scenario_add_segment(sc, "high", 150, 1.0);
    set_value(sc, lo, 1.0);
    set_value(sc, hi, 5.0);
    fx_eligible(sc, lo, ch, 1.0);
    fx_eligible(sc, hi, ch, 1.0);
    int kb = scenario_add_contract(sc, "B", cb, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, kb, ch, 100, 0);
    int ka = scenario_add_contract(sc, "A", ca, 0, 100, BILLING_RESERVED);
    scenario_add_tranche(sc, ka, ch, 100, 0);
    sc->contracts[ka].has_exclusive = 1;
    sc->contracts[ka].exclusive[hi] = 1;
    sc->contracts[ka].exclusive_until = 1;
    run_ctx x;
    run_const(&x, sc);
    assert_exact(ser(&x, S_SERVED, 0, hi), 100);
    assert_exact(ser(&x, S_UNMET, 0, hi), 50);
    assert_exact(ser(&x, S_SERVED, 0, lo), 100);
    assert_exact(ser(&x, S_USED, 0, ca), 100);
    assert_exact(ser(&x, S_USED, 0, cb), 100);
    assert_exact(ser(&x, S_SERVED, 1, hi), 150);
    assert_exact(ser(&x, S_SERVED, 1, lo), 50);
    assert_exact(ser(&x, S_UNMET, 1, lo), 50);
    assert_close(ser(&x, S_VALUE_LOST, 0, hi), 182500, 1e-12);   /* 50 * 5 * 730 */
    assert_close(ser(&x, S_VALUE_LOST, 1, lo), 36500, 1e-12);    /* 50 * 1 * 730 */
    ctx_free(&x);
    scenario_free(sc);
}

static void test_margin_uses_efficiency(void **state)
{
    (void)state;
    /* One segment (value 4, demand 100) and two usage pools, file order P (chip x, eff 0.5, $1 per chip-hour: cost 1) then Q (chip y,
     * eff 1, $2: cost 2), 100 chips each. Margins: P 4 * 0.5 - 1 = 1, Q 4 * 1 - 2 = 2.
     * value: Q first serves 100, P nothing. priority: P (cheaper) first serves
     * 100 * 0.5 = 50, then Q 50. */
    for (int mode = 0; mode < 2; mode++) {
        scenario *sc = fx_scenario(1, 0.0);
        sc->allocation = mode ? ALLOCATION_VALUE : ALLOCATION_PRIORITY;
        int cx = scenario_add_chip(sc, "x", 1, 1, 1000);
        int cy = scenario_add_chip(sc, "y", 1, 1, 1000);
        int ca = scenario_add_cloud(sc, "a");
        int s = scenario_add_segment(sc, "api", 100, 1.0);
        set_value(sc, s, 4.0);
        fx_eligible(sc, s, cx, 0.5);
        fx_eligible(sc, s, cy, 1.0);
        int kp = scenario_add_contract(sc, "P", ca, 0, 100, BILLING_USAGE);
        fx_price(sc, kp, cx, 1.0);
        scenario_add_tranche(sc, kp, cx, 100, 0);
        int kq = scenario_add_contract(sc, "Q", ca, 0, 100, BILLING_USAGE);
        fx_price(sc, kq, cy, 2.0);
        scenario_add_tranche(sc, kq, cy, 100, 0);
        run_ctx x;
        run_const(&x, sc);
        assert_exact(ser(&x, S_UNMET, 0, 0), 0);
        /* value: P 0, Q 100 * 730 * 2 = 146000; priority: P 100 * 730 * 1 = 73000,
         * Q 50 * 730 * 2 = 73000. */
        assert_close(ser(&x, S_SPEND, 0, kp), mode ? 0 : 73000, 1e-12);
        assert_close(ser(&x, S_SPEND, 0, kq), mode ? 146000 : 73000, 1e-12);
        ctx_free(&x);
        scenario_free(sc);
    }
}

/* A deterministic generator for the random scenarios (not a statistical one). */
static double lcg(uint64_t *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*st >> 11) / 9007199254740992.0;
}

/* One segment, efficiency 1 everywhere, value above every cost; several contracts
 * (reserved and usage, escalating prices, delays) at three clouds with spot of random
 * availability and price, a first refusal and an exclusivity. */
static scenario *random_one_segment(uint64_t seed, allocation_kind mode)
{
    uint64_t st = seed;
    scenario *sc = fx_scenario(24, 0.08);
    sc->allocation = mode;
    int chips[2] = { scenario_add_chip(sc, "h100", 1, 1, 36),
                     scenario_add_chip(sc, "gb200", 2.5, 1.2, 48) };
    int cl[3] = { scenario_add_cloud(sc, "a"), scenario_add_cloud(sc, "b"),
                  scenario_add_cloud(sc, "c") };
    for (int i = 0; i < 3; i++) {
        fx_spot(sc, cl[i], 200 + 800 * lcg(&st), 1.0, 1.0 + 3.0 * lcg(&st));
        cloud_spec *c = &sc->clouds[cl[i]];
        c->spot_availability.family = DIST_UNIFORM;   /* a fresh draw each month */
        c->spot_availability.p[0] = 0.0;
        c->spot_availability.p[1] = 1.0;
    }
    int s = scenario_add_segment(sc, "api", 6000 + 6000 * lcg(&st), 1.5 + lcg(&st));
    sc->segments[s].volatility = param_const(0.4);
    sc->segments[s].usd_per_h100e_hour = param_const(3.0);
    set_value(sc, s, 100.0);   /* above every cost below */
    fx_eligible(sc, s, chips[0], 1.0);
    fx_eligible(sc, s, chips[1], 1.0);
    fx_spot_eligible(sc, s, 1.0);
    for (int k = 0; k < 5; k++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", k);
        int kc = scenario_add_contract(sc, name, cl[k % 3], (int)(6 * lcg(&st)), 24,
                                       lcg(&st) < 0.5 ? BILLING_USAGE : BILLING_RESERVED);
        sc->contracts[kc].escalator = param_const(0.2 * lcg(&st));
        for (int j = 0; j < 2; j++) {
            int chip = chips[(k + j) % 2];
            fx_price(sc, kc, chip, 1.0 + 6.0 * lcg(&st));
            int tr = scenario_add_tranche(sc, kc, chip, 200 + 600 * lcg(&st), (int)(8 * lcg(&st)));
            sc->contracts[kc].tranches[tr].ramp_months = param_const(1 + (int)(4 * lcg(&st)));
        }
    }
    sc->contracts[1].first_refusal[s] = 1;
    sc->contracts[2].has_exclusive = 1;
    sc->contracts[2].exclusive[s] = 1;
    sc->contracts[2].exclusive_until = 4;
    return sc;
}

static void test_one_segment_equals_priority(void **state)
{
    (void)state;
    /* With one segment, equal efficiencies and no negative margin, ranking by margin
     * (100 - cost, descending) is ranking by cost: every row bitwise the same. */
    for (uint64_t seed = 1; seed <= 12; seed++) {
        scenario *a = random_one_segment(seed, ALLOCATION_PRIORITY);
        scenario *b = random_one_segment(seed, ALLOCATION_VALUE);
        run_ctx x, y;
        ctx_init(&x, a);
        ctx_init(&y, b);
        double unmet = 0.0;
        for (uint64_t path = 0; path < 6; path++) {
            ctx_run(&x, a, NULL, 99, path, 0);
            ctx_run(&y, b, NULL, 99, path, 0);
            assert_memory_equal(x.row, y.row, x.L.row_len * sizeof *x.row);
            unmet += tot(&x, T_UNMET_H100E_HOURS, 0);
        }
        assert_true(unmet > 0.0);   /* capacity binds: the order matters */
        ctx_free(&x);
        ctx_free(&y);
        scenario_free(a);
        scenario_free(b);
    }
}

/* ---- allocate_month_value against a plain reference, on random months ---- */

/* The rule of docs/MODEL.md 10 written as plainly as possible: every pair listed, sorted
 * with qsort by its full key, served in turn. */
typedef struct {
    double margin;
    int rank, s, p;   /* rank: the segment's place in (priority, file order) */
} ref_pair;

static int ref_cmp(const void *x, const void *y)
{
    const ref_pair *a = x, *b = y;
    if (a->margin != b->margin) return a->margin > b->margin ? -1 : 1;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    return a->p < b->p ? -1 : a->p > b->p;
}

static double ref_eff(const scenario *sc, int s, const supply_pool *q)
{
    const segment_spec *ss = &sc->segments[s];
    if (q->kind == POOL_SPOT) return ss->spot_eligible ? ss->spot_efficiency.value : 0.0;
    return ss->eligible[q->chip] ? ss->efficiency[q->chip].value : 0.0;
}

static int ref_allowed(const scenario *sc, int s, int t, const supply_pool *q)
{
    int a = allocate_allowed_cloud(sc, (size_t)s, t);
    return a == ALLOCATE_ANY_CLOUD || a == q->cloud;
}

static void ref_serve(double *rem, double eff, double *left)
{
    double give = *rem * eff;
    if (give <= *left) {
        *left -= give;
        *rem = 0.0;
    } else {
        *rem = fmax(*rem - *left / eff, 0.0);
        *left = 0.0;
    }
}

static void ref_month(const scenario *sc, int t, const supply_pool *pools, int np,
                      const double *cost, const double *value, const double *demand,
                      double *served, double *unmet, double *used)
{
    int ns = (int)sc->nsegments, rank[16], order[16];
    double rem[64], left[16];
    ref_pair pairs[16 * 64];
    for (int s = 0; s < ns; s++) order[s] = s;
    for (int i = 1; i < ns; i++)       /* segments by (priority, file order) */
        for (int j = i; j > 0 && sc->segments[order[j - 1]].priority > sc->segments[order[j]].priority; j--) {
            int x = order[j]; order[j] = order[j - 1]; order[j - 1] = x;
        }
    for (int i = 0; i < ns; i++) rank[order[i]] = i;
    for (int p = 0; p < np; p++) rem[p] = pools[p].cap;
    for (int s = 0; s < ns; s++) left[s] = demand[s] > 0.0 ? demand[s] : 0.0;
    for (int i = 0; i < ns; i++) {     /* 1. first refusal, by (cost, file order) */
        int s = order[i], fr[64], n = 0;
        for (int p = 0; p < np; p++) {
            const supply_pool *q = &pools[p];
            if (q->kind != POOL_TRANCHE || !sc->contracts[q->contract].first_refusal[s]) continue;
            if (!(ref_eff(sc, s, q) > 0.0) || !ref_allowed(sc, s, t, q)) continue;
            fr[n++] = p;
        }
        for (int a = 1; a < n; a++)
            for (int b = a; b > 0 && cost[fr[b]] < cost[fr[b - 1]]; b--) {
                int x = fr[b]; fr[b] = fr[b - 1]; fr[b - 1] = x;
            }
        for (int k = 0; k < n && left[s] > 0.0; k++)
            if (rem[fr[k]] > 0.0) ref_serve(&rem[fr[k]], ref_eff(sc, s, &pools[fr[k]]), &left[s]);
    }
    int n = 0;                         /* 2. every pair, by margin */
    for (int s = 0; s < ns; s++)
        for (int p = 0; p < np; p++) {
            double e = ref_eff(sc, s, &pools[p]);
            if (!(e > 0.0)) continue;
            ref_pair r = { value[s] * e - cost[p], rank[s], s, p };
            pairs[n++] = r;
        }
    qsort(pairs, (size_t)n, sizeof *pairs, ref_cmp);
    for (int k = 0; k < n; k++) {
        const ref_pair *r = &pairs[k];
        if (r->margin < 0.0) break;    /* 3. negative margins serve nothing */
        if (!(left[r->s] > 0.0) || !(rem[r->p] > 0.0)) continue;
        if (!ref_allowed(sc, r->s, t, &pools[r->p])) continue;
        ref_serve(&rem[r->p], ref_eff(sc, r->s, &pools[r->p]), &left[r->s]);
    }
    for (int s = 0; s < ns; s++) {
        unmet[s] = left[s];
        served[s] = (demand[s] > 0.0 ? demand[s] : 0.0) - left[s];
    }
    for (int p = 0; p < np; p++) used[p] = pools[p].cap - rem[p];
}

/* Costs, values and capacities from a few levels, so that ties happen. */
static double pick(uint64_t *st, const double *levels, int n)
{
    return levels[(int)(lcg(st) * n) % n];
}

static void test_value_allocation_matches_reference(void **state)
{
    (void)state;
    static const double costs[] = { 0, 0, 1, 2, 2, 3.5, 5 }, values[] = { 0, 1, 2, 3, 5 };
    static const double effs[] = { 0, 0.5, 1, 1, 1.5 }, caps[] = { 0, 10, 25, 40, 40, 80 };
    for (uint64_t seed = 1; seed <= 40; seed++) {
        uint64_t st = seed * 7919;
        scenario *sc = fx_scenario(12, 0.0);
        sc->allocation = ALLOCATION_VALUE;
        int chips[2] = { scenario_add_chip(sc, "x", 1, 1, 100), scenario_add_chip(sc, "y", 1, 1, 100) };
        for (int c = 0; c < 3; c++) {
            char name[16];
            snprintf(name, sizeof name, "c%d", c);
            scenario_add_cloud(sc, name);
        }
        int ns = 2 + (int)(lcg(&st) * 4);                 /* 2 to 5 segments */
        for (int s = 0; s < ns; s++) {
            char name[16];
            snprintf(name, sizeof name, "s%d", s);
            scenario_add_segment(sc, name, 1, 1);
            sc->segments[s].priority = (int)(lcg(&st) * 3);   /* ties on purpose */
            for (int k = 0; k < 2; k++) {
                double e = pick(&st, effs, 5);
                if (e > 0) fx_eligible(sc, s, chips[k], e);
            }
            double e = pick(&st, effs, 5);
            if (e > 0) fx_spot_eligible(sc, s, e);
        }
        supply_pool pools[64];
        int np = 0;
        for (int k = 0; k < 4; k++) {
            char name[16];
            snprintf(name, sizeof name, "k%d", k);
            int cl = (int)(lcg(&st) * 3);
            int kc = scenario_add_contract(sc, name, cl, 0, 100, BILLING_USAGE);
            for (int s = 0; s < ns; s++) sc->contracts[kc].first_refusal[s] = lcg(&st) < 0.15;
            if (lcg(&st) < 0.4) {
                sc->contracts[kc].has_exclusive = 1;
                sc->contracts[kc].exclusive[(int)(lcg(&st) * ns)] = 1;
                sc->contracts[kc].exclusive_until = (int)(lcg(&st) * 12);
            }
            for (int j = 0; j < 3; j++) {
                supply_pool q = { POOL_TRANCHE, kc, j, chips[(int)(lcg(&st) * 2)], cl, 0, 1, 0, 0, 0, 0 };
                pools[np++] = q;
            }
        }
        for (int c = 0; c < 3; c++) {
            supply_pool q = { POOL_SPOT, -1, -1, -1, c, 0, 1, 0, 0, 0, 0 };
            pools[np++] = q;
        }
        allocate_ws *a = allocate_alloc(sc, pools, (size_t)np);
        assert_non_null(a);
        allocate_begin_path(a, sc, NULL);
        for (int t = 0; t < 12; t++) {
            double cost[64], value[16], demand[16];
            double s1[16], u1[16], us1[64], s2[16], u2[16], us2[64];
            for (int p = 0; p < np; p++) {
                pools[p].cap = pick(&st, caps, 6);
                cost[p] = pick(&st, costs, 7);
            }
            for (int s = 0; s < ns; s++) {
                value[s] = pick(&st, values, 5);
                demand[s] = 200 * lcg(&st);
            }
            allocate_month_value(a, sc, t, pools, cost, value, demand, s1, u1, us1);
            ref_month(sc, t, pools, np, cost, value, demand, s2, u2, us2);
            assert_memory_equal(s1, s2, (size_t)ns * sizeof *s1);
            assert_memory_equal(u1, u2, (size_t)ns * sizeof *u1);
            assert_memory_equal(us1, us2, (size_t)np * sizeof *us1);
        }
        allocate_free(a);
        scenario_free(sc);
    }
}

static void test_price_decline(void **state)
{
    (void)state;
    /* 13 months, no discounting. Spot at a: 100 H100e at $2, decline 0.75 a year: price
     * 2 * 0.25^(t/12): t=0 2, t=6 1, t=12 0.5. Segment: demand 110 (10 unmet a month),
     * revenue $3, value $4, price decline 0.5 a year: factor 0.5^(t/12): t=6 sqrt(0.5),
     * t=12 0.5.
     *   t=0:  spot spend 100 * 2 * 730 = 146000; revenue 100 * 3 * 730 = 219000;
     *         value lost 10 * 4 * 730 = 29200; turned down 10 * 3 * 730 = 21900;
     *   t=6:  spot spend 100 * 1 * 730 = 73000; revenue 219000 sqrt(0.5);
     *         value lost 29200 sqrt(0.5);
     *   t=12: spot spend 100 * 0.5 * 730 = 36500; revenue 109500; value lost 14600. */
    scenario *sc = fx_scenario(13, 0.0);
    int ca = scenario_add_cloud(sc, "a");
    fx_spot(sc, ca, 100, 1.0, 2.0);
    sc->clouds[ca].has_spot_decline = 1;
    sc->clouds[ca].spot_decline_per_year = param_const(0.75);
    int s = scenario_add_segment(sc, "api", 110, 1.0);
    fx_spot_eligible(sc, s, 1.0);
    sc->segments[s].usd_per_h100e_hour = param_const(3.0);
    set_value(sc, s, 4.0);
    sc->segments[s].has_price_decline = 1;
    sc->segments[s].price_decline_per_year = param_const(0.5);
    run_ctx x;
    run_const(&x, sc);
    double r = sqrt(0.5);
    assert_close(ser(&x, S_SPOT_SPEND, 0, 0), 146000, 1e-12);
    assert_close(ser(&x, S_SPOT_SPEND, 6, 0), 73000, 1e-12);
    assert_close(ser(&x, S_SPOT_SPEND, 12, 0), 36500, 1e-12);
    assert_close(ser(&x, S_REVENUE, 0, 0), 219000, 1e-12);
    assert_close(ser(&x, S_REVENUE, 6, 0), 219000 * r, 1e-12);
    assert_close(ser(&x, S_REVENUE, 12, 0), 109500, 1e-12);
    assert_close(ser(&x, S_TURNED_DOWN_REVENUE, 12, 0), 10950, 1e-12);
    assert_close(ser(&x, S_VALUE_LOST, 0, 0), 29200, 1e-12);
    assert_close(ser(&x, S_VALUE_LOST, 6, 0), 29200 * r, 1e-12);
    assert_close(ser(&x, S_VALUE_LOST, 12, 0), 14600, 1e-12);
    /* pv_value = sum_t 100 * 4 * 730 * 0.5^(t/12) = 292000 * (1 - 0.5^(13/12)) /
     * (1 - 0.5^(1/12)), a geometric sum. */
    double q = pow(0.5, 1.0 / 12.0);
    assert_close(tot(&x, T_PV_VALUE, 0), 292000 * (1 - pow(q, 13)) / (1 - q), 1e-12);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_decline_moves_the_margin(void **state)
{
    (void)state;
    /* value allocation: one segment, value $4 declining 0.5 a year, on a usage pool at
     * $3 per chip-hour (contract price: no decline). Margin 4 * 0.5^(t/12) - 3 >= 0 while
     * 0.5^(t/12) >= 0.75, t <= 12 log2(4/3) = 4.98: months 0-4 serve, 5 on do not. */
    scenario *sc = fx_scenario(8, 0.0);
    sc->allocation = ALLOCATION_VALUE;
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1000);
    int ca = scenario_add_cloud(sc, "a");
    int s = scenario_add_segment(sc, "api", 10, 1.0);
    fx_eligible(sc, s, ch, 1.0);
    set_value(sc, s, 4.0);
    sc->segments[s].has_price_decline = 1;
    sc->segments[s].price_decline_per_year = param_const(0.5);
    int k = scenario_add_contract(sc, "use", ca, 0, 100, BILLING_USAGE);
    fx_price(sc, k, ch, 3.0);
    scenario_add_tranche(sc, k, ch, 100, 0);
    run_ctx x;
    run_const(&x, sc);
    for (int t = 0; t < 8; t++) {
        assert_exact(ser(&x, S_SERVED, t, 0), t <= 4 ? 10 : 0);
        /* usage bill 10 * 730 * 3 = 21900 while served: the contract price stays */
        assert_close(ser(&x, S_SPEND, t, 0), t <= 4 ? 21900 : 0, 1e-12);
    }
    ctx_free(&x);
    scenario_free(sc);
}

static void test_absent_keys_change_nothing(void **state)
{
    (void)state;
    /* A decline of 0 gives x * 1^(t/12) = x, bit for bit, and a value equal to the
     * revenue price is what the default gives: the rows with and without the keys are
     * the same bits, and pv_value is pv_revenue. */
    scenario *a = random_one_segment(5, ALLOCATION_PRIORITY);
    scenario *b = random_one_segment(5, ALLOCATION_PRIORITY);
    a->segments[0].has_value = 0;
    b->segments[0].value_usd_per_h100e_hour = param_const(3.0);   /* = revenue */
    b->segments[0].has_price_decline = 1;
    for (size_t c = 0; c < b->nclouds; c++) b->clouds[c].has_spot_decline = 1;
    run_ctx x, y;
    ctx_init(&x, a);
    ctx_init(&y, b);
    ctx_run(&x, a, NULL, 3, 1, 0);
    ctx_run(&y, b, NULL, 3, 1, 0);
    assert_memory_equal(x.row, y.row, x.L.row_len * sizeof *x.row);
    assert_true(tot(&x, T_PV_VALUE, 0) > 0.0);
    assert_exact(tot(&x, T_PV_VALUE, 0), tot(&x, T_PV_REVENUE, 0));
    ctx_free(&x);
    ctx_free(&y);
    scenario_free(a);
    scenario_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_serves_high_value_first),
        cmocka_unit_test(test_negative_margin_serves_nothing),
        cmocka_unit_test(test_zero_value_uses_paid_capacity),
        cmocka_unit_test(test_first_refusal_wins_under_value),
        cmocka_unit_test(test_first_refusal_other_segment),
        cmocka_unit_test(test_exclusivity_under_value),
        cmocka_unit_test(test_margin_uses_efficiency),
        cmocka_unit_test(test_one_segment_equals_priority),
        cmocka_unit_test(test_value_allocation_matches_reference),
        cmocka_unit_test(test_price_decline),
        cmocka_unit_test(test_decline_moves_the_margin),
        cmocka_unit_test(test_absent_keys_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
