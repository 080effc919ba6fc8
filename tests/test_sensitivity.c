/*
 * test_sensitivity: the streaming correlation and Sobol-index estimators against known
 * answers: a bivariate normal's correlation, the Ishigami function's Sobol indices (the
 * standard benchmark with closed-form indices) and an additive linear model, whose
 * first-order indices are a_j^2 var_j / sum a^2 var and sum to 1; the coverage of the
 * Sobol intervals over 400 seeds (docs/OUTPUT.md, "Estimators and their accuracy"); indices invariant to the sums' shift.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/stats/sensitivity.h"

static void test_corr_bivariate_normal(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    const double rho = 0.6;
    const int n = 20000;
    corr_acc *c = corr_acc_alloc(2, 2);
    assert_non_null(c);
    for (int i = 0; i < n; i++) {
        double z1 = gsl_ran_gaussian(r, 1), z2 = gsl_ran_gaussian(r, 1);
        /* large offsets: the shifted sums must keep the digits */
        double x[2] = { 1e11 + 1e8 * z1, -z1 };
        double y[2] = { rho * z1 + sqrt(1 - rho * rho) * z2, NAN };
        corr_acc_add(c, x, y);
    }
    double res[4];
    corr_acc_result(c, res);
    double se = (1 - rho * rho) / sqrt(n);   /* large-sample sd of Pearson's r */
    assert_true(fabs(res[0] - rho) < 4 * se);
    assert_true(fabs(res[2] + rho) < 4 * se);
    assert_true(isnan(res[1]) && isnan(res[3]));   /* y_1 never present */
    corr_acc_free(c);
    gsl_rng_free(r);
}

static void test_corr_constant_is_zero(void **state)
{
    (void)state;
    corr_acc *c = corr_acc_alloc(1, 1);
    for (int i = 0; i < 100; i++) {
        double x = 5.0, y = i;
        corr_acc_add(c, &x, &y);
    }
    double res;
    corr_acc_result(c, &res);
    assert_true(res == 0.0);
    corr_acc_free(c);
}

/* corr_acc_add_rows gives the very bits of row-by-row corr_acc_add, for 1 and 2 threads,
 * with NaN inputs (a variant's missing value) in places. */
static void test_corr_rows_bitwise(void **state)
{
    (void)state;
    enum { N = 3000, NX = 7, NY = 5 };
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double *x = malloc(N * NX * sizeof *x), *y = malloc(N * NY * sizeof *y);
    assert_true(x && y);
    for (int i = 0; i < N * NX; i++) x[i] = 1e9 + gsl_ran_gaussian(r, 1e6);
    for (int i = 0; i < N * NY; i++) y[i] = gsl_rng_uniform(r) < 0.05 ? NAN : 0.1 * gsl_rng_uniform(r) + (x[i / NY * NX] - 1e9) / 1e6;
    double ref[NX * NY], got[NX * NY];
    corr_acc *a = corr_acc_alloc(NX, NY);
    for (int i = 0; i < N; i++) corr_acc_add(a, x + i * NX, y + i * NY);
    corr_acc_result(a, ref);
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        corr_acc *b = corr_acc_alloc(NX, NY);
        for (int i = 0; i < N; i += 1000) corr_acc_add_rows(b, x + i * NX, NX, y + i * NY, NY, 1000);
        corr_acc_result(b, got);
        assert_memory_equal(ref, got, sizeof ref);
        corr_acc_free(b);
    }
    assert_true(ref[0] > 0.5); /* y_0 follows x_0 */
    corr_acc_free(a);
    free(x);
    free(y);
    gsl_rng_free(r);
}

/* Ishigami: f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x ~ U(-pi, pi)^3. */
static double ishigami(const double *x)
{
    const double a = 7, b = 0.1;
    return sin(x[0]) + a * sin(x[1]) * sin(x[1]) + b * pow(x[2], 4) * sin(x[0]);
}

static void run_saltelli_seed(double (*f)(const double *), int d, int n, double *lo, double *hi,
                              double *first, double *total, double *fci, double *tci, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    sobol_acc *s = sobol_acc_alloc(1, (size_t)d);
    assert_non_null(s);
    double A[8], B[8], AB[8], fab[8];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++) {
            A[j] = lo[j] + (hi[j] - lo[j]) * gsl_rng_uniform(r);
            B[j] = lo[j] + (hi[j] - lo[j]) * gsl_rng_uniform(r);
        }
        for (int j = 0; j < d; j++) {
            for (int m = 0; m < d; m++) AB[m] = m == j ? B[m] : A[m];
            fab[j] = f(AB);
        }
        double fa = f(A), fb = f(B);
        sobol_acc_add(s, &fa, &fb, fab);
    }
    sobol_acc_result(s, first, total, fci, tci);
    sobol_acc_free(s);
    gsl_rng_free(r);
}

static void run_saltelli(double (*f)(const double *), int d, int n, double *lo, double *hi,
                         double *first, double *total, double *fci, double *tci)
{
    run_saltelli_seed(f, d, n, lo, hi, first, total, fci, tci, gsl_rng_default_seed);
}

static void test_sobol_ishigami(void **state)
{
    (void)state;
    const double a = 7, b = 0.1, pi = M_PI;
    double V = a * a / 8 + b * pow(pi, 4) / 5 + b * b * pow(pi, 8) / 18 + 0.5;
    double V1 = 0.5 * pow(1 + b * pow(pi, 4) / 5, 2), V2 = a * a / 8;
    double V13 = b * b * pow(pi, 8) * (1.0 / 18 - 1.0 / 50);
    double S[3] = { V1 / V, V2 / V, 0 }, ST[3] = { (V1 + V13) / V, V2 / V, V13 / V };
    double lo[3] = { -pi, -pi, -pi }, hi[3] = { pi, pi, pi };
    double first[3], total[3], fci[3], tci[3];
    run_saltelli(ishigami, 3, 40000, lo, hi, first, total, fci, tci);
    for (int j = 0; j < 3; j++) {
        print_message("x%d: S %.4f (exact %.4f, +-%.4f)  ST %.4f (exact %.4f, +-%.4f)\n",
                      j + 1, first[j], S[j], fci[j], total[j], ST[j], tci[j]);
        /* within the 95% interval, and the interval itself is informative */
        assert_true(fabs(first[j] - S[j]) <= fci[j]);
        assert_true(fabs(total[j] - ST[j]) <= tci[j]);
        assert_true(fci[j] < 0.05 && tci[j] < 0.05);
    }
}

/* The 95% intervals cover (docs/OUTPUT.md, "Estimators and their accuracy"): over 400 seeds of n = 2000 base samples (0.3 s),
 * for each of the 6 Ishigami indices, the share of its 400 intervals that hold the
 * pooled estimate (the mean over the seeds, within a tenth of an interval of the truth)
 * and the share that hold the exact index must each be >= 90%. Tolerance: with 400
 * intervals of true coverage 95% the share has a standard error of 1.1%, so 90% is 4.5
 * of them below: a calibrated interval does not miss it, and an interval that leaves out
 * an error term of its own size does. Seen: 94.0 - 96.0% for every index; the interval
 * that ignored the error of the variance V (capsim before) covered the total index of
 * x2 only 84% of the time (336/400), the others 94 - 97%. */
static void test_sobol_coverage(void **state)
{
    (void)state;
    const double a = 7, b = 0.1, pi = M_PI;
    double V = a * a / 8 + b * pow(pi, 4) / 5 + b * b * pow(pi, 8) / 18 + 0.5;
    double V1 = 0.5 * pow(1 + b * pow(pi, 4) / 5, 2), V2 = a * a / 8;
    double V13 = b * b * pow(pi, 8) * (1.0 / 18 - 1.0 / 50);
    double exact[6] = { V1 / V, V2 / V, 0, (V1 + V13) / V, V2 / V, V13 / V };
    double lo[3] = { -pi, -pi, -pi }, hi[3] = { pi, pi, pi };
    enum { SEEDS = 400 };
    static double est[SEEDS][6], ci[SEEDS][6];
    double pooled[6] = { 0 };
    for (int s = 0; s < SEEDS; s++) {
        run_saltelli_seed(ishigami, 3, 2000, lo, hi, est[s], est[s] + 3, ci[s], ci[s] + 3, 100 + (unsigned long)s);
        for (int i = 0; i < 6; i++) pooled[i] += est[s][i] / SEEDS;
    }
    for (int i = 0; i < 6; i++) {
        int ce = 0, cp = 0;
        for (int s = 0; s < SEEDS; s++) {
            ce += fabs(est[s][i] - exact[i]) <= ci[s][i];
            cp += fabs(est[s][i] - pooled[i]) <= ci[s][i];
        }
        print_message("%s x%d: exact %.4f pooled %.4f, intervals covering the exact %d/%d, the pooled %d/%d\n",
                      i < 3 ? "S " : "ST", i % 3 + 1, exact[i], pooled[i], ce, SEEDS, cp, SEEDS);
        assert_true(ce >= 0.9 * SEEDS && cp >= 0.9 * SEEDS);
    }
}

/* The indices do not depend on the shift the sums are taken about (the engine fixes it
 * to path 0's f(A), a random number per seed): two accumulators fed the same samples of
 * the Ishigami function, one with shift 0 and one with shift 10 (the range of f is about
 * [-11, 18]), give the same indices and intervals to rounding. Saltelli's first-order
 * numerator mean(f(B) (f(AB_j) - f(A))) uncentred moves by shift * mean(f(AB_j) - f(A)):
 * here by up to 0.02, and in expectation too when the inputs are correlated (then f(AB_j)
 * and f(A) differ in distribution), which made capsim's first-order indices of the
 * built-in scenario's correlated demand growths spread 8-12 times their intervals across
 * seeds (tools/sobol_coverage.py). */
static void test_sobol_shift_invariant(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    sobol_acc *s0 = sobol_acc_alloc(1, 3), *s1 = sobol_acc_alloc(1, 3);
    assert_true(s0 && s1);
    double zero = 0, ten = 10;
    sobol_acc_set_shift(s0, &zero);
    sobol_acc_set_shift(s1, &ten);
    for (int i = 0; i < 2000; i++) {
        double A[3], B[3], AB[3], fab[3];
        for (int j = 0; j < 3; j++) {
            A[j] = M_PI * (2 * gsl_rng_uniform(r) - 1);
            B[j] = M_PI * (2 * gsl_rng_uniform(r) - 1);
        }
        for (int j = 0; j < 3; j++) {
            for (int m = 0; m < 3; m++) AB[m] = m == j ? B[m] : A[m];
            fab[j] = ishigami(AB);
        }
        double fa = ishigami(A), fb = ishigami(B);
        sobol_acc_add(s0, &fa, &fb, fab);
        sobol_acc_add(s1, &fa, &fb, fab);
    }
    double r0[4][3], r1[4][3];
    sobol_acc_result(s0, r0[0], r0[1], r0[2], r0[3]);
    sobol_acc_result(s1, r1[0], r1[1], r1[2], r1[3]);
    for (int a = 0; a < 4; a++)
        for (int j = 0; j < 3; j++) assert_true(fabs(r0[a][j] - r1[a][j]) < 1e-9);
    sobol_acc_free(s0);
    sobol_acc_free(s1);
    gsl_rng_free(r);
}

/* Additive: f = 1 x1 + 2 x2 + 3 x3 on U(0,1): S_j = a_j^2 / 14, S_j = ST_j, sum 1. */
static double linear(const double *x)
{
    return 1e9 + x[0] + 2 * x[1] + 3 * x[2];
}

static void test_sobol_additive_sums_to_one(void **state)
{
    (void)state;
    double lo[3] = { 0, 0, 0 }, hi[3] = { 1, 1, 1 };
    double first[3], total[3], fci[3], tci[3], sum = 0;
    run_saltelli(linear, 3, 20000, lo, hi, first, total, fci, tci);
    for (int j = 0; j < 3; j++) {
        double exact = (j + 1.0) * (j + 1.0) / 14.0;
        assert_true(fabs(first[j] - exact) <= fci[j]);
        assert_true(fabs(total[j] - exact) <= tci[j]);
        sum += first[j];
    }
    assert_true(fabs(sum - 1.0) < 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corr_bivariate_normal),
        cmocka_unit_test(test_corr_constant_is_zero),
        cmocka_unit_test(test_corr_rows_bitwise),
        cmocka_unit_test(test_sobol_ishigami),
        cmocka_unit_test(test_sobol_additive_sums_to_one),
        cmocka_unit_test(test_sobol_coverage),
        cmocka_unit_test(test_sobol_shift_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
