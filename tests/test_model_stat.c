/*
 * test_model_stat: the random parts of the model against closed forms, with tolerances
 * in standard errors (docs/MODEL.md 3; README, "Random numbers, seeds and reproducibility").
 *
 * - Demand without jumps is lognormal with E[D_T] = D0 g^(T/12) and log-variance
 *   v^2 = s^2 T/12, so against a fixed capacity C the expected unmet demand is the
 *   Black-Scholes call value F N(d1) - C N(d2).
 * - With jumps, E[D_T] = D0 g^(T/12) exp(lambda T (E[J] - 1)), lambda = per_year / 12
 *   (a compound Poisson factor: each month multiplies by E[J^N] = exp(lambda (E[J]-1))).
 * - Mirrored paths negate every shock exactly; draws are common by name.
 */
#include "model_fixture.h"
#include "sim/random/dist.h"

#include <string.h>
#include <gsl/gsl_cdf.h>

#define NPATHS 20000

/* Running mean and variance (Welford) of one quantity over paths. */
typedef struct { double n, mean, m2; } acc;

static void acc_add(acc *a, double x)
{
    a->n += 1;
    double d = x - a->mean;
    a->mean += d / a->n;
    a->m2 += d * (x - a->mean);
}

static double acc_se(const acc *a)
{
    return sqrt(a->m2 / (a->n - 1) / a->n);
}

#define assert_within_se(a, want, k)                                                  \
    do {                                                                              \
        double se_ = acc_se(a), w_ = (want);                                          \
        if (!(fabs((a)->mean - w_) <= (k) * se_))                                     \
            fail_msg("mean %.6g, expected %.6g: %.2f standard errors (se %.3g)",      \
                     (a)->mean, w_, ((a)->mean - w_) / se_, se_);                     \
    } while (0)

/* One segment (D0, g, volatility) against one reserved tranche of C H100e. */
static scenario *gbm_scenario(int months, double d0, double g, double vol, double cap)
{
    scenario *sc = fx_scenario(months, 0.0);
    int ch = scenario_add_chip(sc, "h100", 1, 1, 1e6);
    int cl = scenario_add_cloud(sc, "a");
    int s = scenario_add_segment(sc, "s", d0, g);
    sc->segments[s].volatility = param_const(vol);
    fx_eligible(sc, s, ch, 1.0);
    int k = scenario_add_contract(sc, "k", cl, 0, months, BILLING_RESERVED);
    if (cap > 0) scenario_add_tranche(sc, k, ch, cap, 0);
    return sc;
}

static void test_black_scholes_unmet(void **state)
{
    (void)state;
    const double d0 = 1000, g = 1.8, s = 0.4, cap = 1200;
    enum { NT = 5 };
    const int months[NT] = { 1, 6, 12, 24, 36 };
    scenario *sc = gbm_scenario(37, d0, g, s, cap);
    run_ctx x;
    ctx_init(&x, sc);
    acc unmet[NT] = { { 0 } }, dem[NT] = { { 0 } };
    for (int i = 0; i < NPATHS; i++) {
        ctx_run(&x, sc, NULL, 42, (uint64_t)i, 0);
        for (int j = 0; j < NT; j++) {
            acc_add(&unmet[j], ser(&x, S_UNMET, months[j], 0));
            acc_add(&dem[j], ser(&x, S_DEMAND, months[j], 0));
        }
    }
    for (int j = 0; j < NT; j++) {
        double T = months[j] / 12.0;
        double F = d0 * pow(g, T), v = s * sqrt(T);
        double d1 = (log(F / cap) + v * v / 2) / v, d2 = d1 - v;
        double call = F * gsl_cdf_ugaussian_P(d1) - cap * gsl_cdf_ugaussian_P(d2);
        assert_within_se(&unmet[j], call, 3);
        assert_within_se(&dem[j], F, 3);
    }
    ctx_free(&x);
    scenario_free(sc);
}

static void test_jumps_mean(void **state)
{
    (void)state;
    /* Lognormal jump sizes (median 0.9, sigma 0.15: E[J] = 0.9 e^0.01125), 3 a year, on
     * top of g = 1.2, volatility 0.2. */
    const double d0 = 1000, g = 1.2, rate = 3.0;
    scenario *sc = gbm_scenario(37, d0, g, 0.2, 0);
    segment_spec *seg = &sc->segments[0];
    seg->has_jumps = 1;
    seg->jumps_per_year = param_const(rate);
    seg->jump_size.family = DIST_LOGNORMAL;
    seg->jump_size.p[0] = 0.9;
    seg->jump_size.p[1] = 0.15;
    seg->jump_size.lo = -INFINITY;        /* no truncation */
    seg->jump_size.hi = INFINITY;
    char msg[200] = "";
    if (dist_validate(&seg->jump_size, msg, sizeof msg) != 0) fail_msg("%s", msg);
    double ej = 0.9 * exp(0.15 * 0.15 / 2);
    run_ctx x;
    ctx_init(&x, sc);
    acc d12 = { 0 }, d36 = { 0 };
    for (int i = 0; i < NPATHS; i++) {
        ctx_run(&x, sc, NULL, 9, (uint64_t)i, 0);
        acc_add(&d12, ser(&x, S_DEMAND, 12, 0));
        acc_add(&d36, ser(&x, S_DEMAND, 36, 0));
    }
    assert_within_se(&d12, d0 * pow(g, 1.0) * exp(rate / 12 * 12 * (ej - 1)), 3);
    assert_within_se(&d36, d0 * pow(g, 3.0) * exp(rate / 12 * 36 * (ej - 1)), 3);
    ctx_free(&x);
    scenario_free(sc);

    /* Jumps alone, constant size 1.1, 2 a year: E[D_24] = D0 exp(2/12 * 24 * 0.1). */
    sc = gbm_scenario(25, d0, 1.0, 0.0, 0);
    seg = &sc->segments[0];
    seg->has_jumps = 1;
    seg->jumps_per_year = param_const(2.0);
    seg->jump_size.family = DIST_CONSTANT;
    seg->jump_size.p[0] = 1.1;
    ctx_init(&x, sc);
    acc d24 = { 0 };
    int moved = 0;
    for (int i = 0; i < NPATHS; i++) {
        ctx_run(&x, sc, NULL, 9, (uint64_t)i, 0);
        acc_add(&d24, ser(&x, S_DEMAND, 24, 0));
        moved += ser(&x, S_DEMAND, 24, 0) != d0;
    }
    assert_within_se(&d24, d0 * exp(2.0 / 12 * 24 * 0.1), 3);
    /* P(no jump in 24 months) = e^-4 = 1.8%: nearly every path moved. */
    assert_true(moved > NPATHS * 0.97 && moved < NPATHS);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_antithetic_mirror(void **state)
{
    (void)state;
    /* The mirrored path negates every Z_t, so ln D_T + ln D'_T = 2 ln D0 + 2 T (ln(g)/12
     * - sigma_m^2 / 2) exactly (up to rounding), for every T. */
    const double d0 = 500, g = 1.5, s = 0.3;
    scenario *sc = gbm_scenario(25, d0, g, s, 0);
    run_ctx x;
    ctx_init(&x, sc);
    double *a = malloc(25 * sizeof *a);
    assert_non_null(a);
    double sm2 = s * s / 12;
    for (uint64_t p = 0; p < 50; p++) {
        ctx_run(&x, sc, NULL, 3, p, 0);
        for (int t = 0; t < 25; t++) a[t] = ser(&x, S_DEMAND, t, 0);
        ctx_run(&x, sc, NULL, 3, p, 1);
        for (int t = 0; t < 25; t++) {
            double want = 2 * log(d0) + 2 * t * (log(g) / 12 - sm2 / 2);
            assert_close(log(a[t]) + log(ser(&x, S_DEMAND, t, 0)), want, 1e-12);
        }
        assert_true(a[12] != ser(&x, S_DEMAND, 12, 0));
    }
    free(a);
    ctx_free(&x);
    scenario_free(sc);
}

static void test_common_random_numbers(void **state)
{
    (void)state;
    /* Adding a segment (ahead of it in the file) and a contract does not move a single
     * draw of segment "s": its demand path is bitwise the same. */
    scenario *one = gbm_scenario(24, 1000, 1.5, 0.4, 500);
    scenario *two = fx_scenario(24, 0.0);
    int ch = scenario_add_chip(two, "h100", 1, 1, 1e6);
    int cl = scenario_add_cloud(two, "a");
    int other = scenario_add_segment(two, "other", 10, 3.0);
    two->segments[other].volatility = param_const(1.0);
    int s = scenario_add_segment(two, "s", 1000, 1.5);
    two->segments[s].volatility = param_const(0.4);
    fx_eligible(two, s, ch, 1.0);
    int k = scenario_add_contract(two, "extra", cl, 0, 30, BILLING_USAGE);
    scenario_add_tranche(two, k, ch, 50, 0);
    run_ctx x, y;
    ctx_init(&x, one);
    ctx_init(&y, two);
    for (uint64_t p = 0; p < 20; p++) {
        ctx_run(&x, one, NULL, 5, p, p & 1);
        ctx_run(&y, two, NULL, 5, p, p & 1);
        for (int t = 0; t < 24; t++) assert_exact(ser(&y, S_DEMAND, t, s), ser(&x, S_DEMAND, t, 0));
    }
    ctx_free(&x);
    ctx_free(&y);
    scenario_free(one);
    scenario_free(two);
}

static void test_spot_random(void **state)
{
    (void)state;
    /* Availability uniform(0, 1), fresh each month: capacity = U * 1000, mean 500,
     * within [0, 1000], different from month to month. */
    scenario *sc = fx_scenario(12, 0.0);
    int cl = scenario_add_cloud(sc, "a");
    scenario_add_chip(sc, "h100", 1, 1, 100);
    fx_spot(sc, cl, 1000, 0, 1.0);
    dist_spec *av = &sc->clouds[cl].spot_availability;
    av->family = DIST_UNIFORM;
    av->p[0] = 0;
    av->p[1] = 1;
    char msg[200] = "";
    if (dist_validate(av, msg, sizeof msg) != 0) fail_msg("%s", msg);
    scenario_add_segment(sc, "s", 0, 1.0);
    run_ctx x;
    ctx_init(&x, sc);
    acc cap = { 0 };
    for (int i = 0; i < 2000; i++) {
        ctx_run(&x, sc, NULL, 11, (uint64_t)i, 0);
        for (int t = 0; t < 12; t++) {
            double c = ser(&x, S_CAPACITY, t, 0);
            assert_true(c >= 0 && c <= 1000);
            acc_add(&cap, c);
        }
        assert_true(ser(&x, S_CAPACITY, 0, 0) != ser(&x, S_CAPACITY, 1, 0));
    }
    assert_within_se(&cap, 500, 3);
    ctx_free(&x);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_black_scholes_unmet),
        cmocka_unit_test(test_jumps_mean),
        cmocka_unit_test(test_antithetic_mirror),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_spot_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
