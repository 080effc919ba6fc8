/* test_optimize: the objective and its standard error (sim/optimize/optimize.h) and the
 * parsed decisions:/objective: blocks (optspec). The search itself is tested end to end
 * against the newsvendor's closed form in tests/cli_optimize.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "sim/optimize/optimize.h"
#include "sim/optimize/optspec.h"
#include "sim/scenario/loader.h"
#include "sim/stats/exact.h"

/* w = 0: the plain mean and sd / sqrt(n). */
static void test_weight_zero(void **state)
{
    (void)state;
    double x[] = { 3, 1, 4, 1, 5, 9, 2, 6 }, obj, se;
    opt_objective_se(x, 8, 0.0, 0, &obj, &se);
    double mean = 31.0 / 8, ss = 0;
    double y[] = { 3, 1, 4, 1, 5, 9, 2, 6 };
    for (int i = 0; i < 8; i++) ss += (y[i] - mean) * (y[i] - mean);
    assert_true(obj == mean);
    assert_true(fabs(se - sqrt(ss / 7 / 8)) < 1e-15);
}

/* w > 0: mean + w es_lo (or es_hi), es as /stats has it (exact.h), fractional tail too. */
static void test_objective_is_mean_plus_w_es(void **state)
{
    (void)state;
    enum { N = 30 };
    double x[N], c[N], obj, se;
    for (int hi = 0; hi < 2; hi++) {
        double sum = 0;
        for (int i = 0; i < N; i++) x[i] = c[i] = (double)((i * 7) % 30 + 1), sum += x[i];
        exact_stats e;
        exact_column(c, N, &e);
        opt_objective_se(x, N, 2.0, hi, &obj, &se);
        assert_true(fabs(obj - (sum / N + 2.0 * (hi ? e.es_hi : e.es_lo))) < 1e-12);
        /* the pseudo-values' mean is the objective too: t + mean(min(x - t, 0)) / 0.05 */
        double t = hi ? 29.0 : 2.0, z = 0;   /* m = 1.5: the 2nd smallest / largest */
        for (int i = 0; i < N; i++) {
            double d = c[i] - t;
            z += c[i] + 2.0 * (t + (hi ? fmax(d, 0) : fmin(d, 0)) / 0.05);
        }
        assert_true(fabs(z / N - obj) < 1e-9);
    }
}

/* The influence-function SE is calibrated: across 400 independent samples the sd of the
 * objective matches the mean reported SE (a ratio within 15%; its own error is about 4%),
 * on a normal (lower tail) and a lognormal (upper tail, skewed). The plain sd / sqrt(n) of
 * x is not (it ignores the tail's variance): the test would catch that estimator. */
static void calibration(int hi, double w)
{
    enum { R = 400, N = 4000 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12345 + (unsigned long)hi);
    double *x = malloc(N * sizeof *x);
    double s1 = 0, s2 = 0, se_sum = 0, naive_sum = 0;
    for (int r = 0; r < R; r++) {
        double m = 0, ss = 0;
        for (int i = 0; i < N; i++) {
            x[i] = hi ? exp(gsl_ran_gaussian(rng, 1.0)) : gsl_ran_gaussian(rng, 1.0);
            m += x[i];
        }
        m /= N;
        for (int i = 0; i < N; i++) ss += (x[i] - m) * (x[i] - m);
        double obj, se;
        opt_objective_se(x, N, w, hi, &obj, &se);
        s1 += obj;
        s2 += obj * obj;
        se_sum += se;
        naive_sum += sqrt(ss / (N - 1) / N);
    }
    double sd = sqrt((s2 - s1 * s1 / R) / (R - 1)), se = se_sum / R, naive = naive_sum / R;
    print_message("hi=%d w=%g: sd of the objective %.5g, mean SE %.5g (ratio %.3f), naive %.5g\n", hi, w, sd, se,
                  sd / se, naive);
    assert_true(sd / se > 0.85 && sd / se < 1.15);
    assert_true(fabs(naive / sd - 1) > 0.25);
    free(x);
    gsl_rng_free(rng);
}

static void test_se_calibrated_normal(void **state)
{
    (void)state;
    calibration(0, 1.0);
}

static void test_se_calibrated_lognormal(void **state)
{
    (void)state;
    calibration(1, 0.5);
}

/* The newsvendor's blocks as parsed. */
static void test_optspec(void **state)
{
    (void)state;
    int nerr = 0;
    scenario *sc = loader_load_file("tests/scenarios/newsvendor.yaml", NULL, 0, stderr, &nerr);
    assert_non_null(sc);
    optspec sp;
    diag_list *d = diag_alloc();
    assert_int_equal(optspec_parse(sc, &sp, d), 1);
    assert_int_equal(diag_count(d), 0);
    assert_int_equal(sp.ndec, 1);
    assert_string_equal(sp.dec[0].key, "contracts.deal.capacity.0.count");
    assert_true(sp.dec[0].min == 0 && sp.dec[0].max == 300000 && sp.dec[0].step == 5000 && sp.dec[0].base == 50000);
    assert_int_equal(sp.total, T_PV_NET_VALUE);
    assert_true(sp.maximize && !sp.measure_hi);
    assert_int_equal(sp.nweights, 2);
    assert_true(sp.weights[0] == 0 && sp.weights[1] == 0.5);
    assert_int_equal(sp.ncons, 0);
    diag_free(d);
    scenario_free(sc);
    /* a scenario without the blocks */
    sc = loader_load_file("tests/scenarios/every-randomness.yaml", NULL, 0, stderr, &nerr);
    assert_non_null(sc);
    d = diag_alloc();
    assert_int_equal(optspec_parse(sc, &sp, d), 0);
    diag_free(d);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weight_zero),
        cmocka_unit_test(test_objective_is_mean_plus_w_es),
        cmocka_unit_test(test_se_calibrated_normal),
        cmocka_unit_test(test_se_calibrated_lognormal),
        cmocka_unit_test(test_optspec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
