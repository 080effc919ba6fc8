/*
 * test_superblock: what splitting a run relies on (docs/ENGINE.md). A saved and loaded
 * accumulator must be the saved one to the bit: same answers, and the same bits after
 * further rows and merges (statistics and Sobol sums, in every state: empty, exact,
 * sketch); damaged words must be refused; Sobol sums with a shared shift
 * must merge into what one accumulator of all the samples gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/stats/sensitivity.h"
#include "sim/stats/stats.h"

enum { NV = 7 };

/* nrows x NV rows from a few shapes: uniform, heavy tail, many zeros, ties, a constant. */
static double *rows(size_t nrows, unsigned long seed)
{
    double *x = malloc((nrows ? nrows : 1) * NV * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < nrows; i++) {
        double *y = x + i * NV;
        y[0] = gsl_rng_uniform(r);
        y[1] = gsl_ran_lognormal(r, 20.0, 2.0);
        y[2] = fmax(0.0, gsl_ran_gaussian(r, 1.0) - 1.0);
        y[3] = (double)gsl_ran_poisson(r, 3.0);
        y[4] = 42.0;
        y[5] = -gsl_rng_uniform(r) * 1e11;
        y[6] = (double)i;
    }
    gsl_rng_free(r);
    return x;
}

static stats *roundtrip(const stats *s)
{
    size_t n = stats_save_words(s);
    uint64_t *w = malloc(n * sizeof *w);
    assert_non_null(w);
    stats_save(s, w);
    stats *t = stats_alloc(stats_nvars(s));
    assert_non_null(t);
    assert_int_equal(stats_load(t, w, n), 0);
    free(w);
    return t;
}

/* Every answer of a and b, bit for bit. */
static void assert_same(const stats *a, const stats *b)
{
    assert_true(stats_count(a) == stats_count(b));
    assert_memory_equal(&(double){ stats_rank_error(a) }, &(double){ stats_rank_error(b) }, sizeof(double));
    for (size_t v = 0; v < NV; v++) {
        stats_summary x, y;
        stats_get(a, v, &x);
        stats_get(b, v, &y);
        assert_memory_equal(&x, &y, sizeof x);
        for (double p = 0.0; p <= 1.0; p += 0.0625) {
            double qa = stats_quantile(a, v, p), qb = stats_quantile(b, v, p);
            assert_memory_equal(&qa, &qb, sizeof qa);
            double ca = stats_cdf(a, v, qa), cb = stats_cdf(b, v, qa);
            assert_memory_equal(&ca, &cb, sizeof ca);
        }
    }
}

static void test_stats_roundtrip(void **state)
{
    (void)state;
    /* empty, exact, at the budget, just past it, a superblock, many levels */
    const size_t ns[] = { 0, 1, 1000, STATS_EXACT_BUDGET, STATS_EXACT_BUDGET + 1, 16384, 300001 };
    double *more = rows(5000, 99);
    for (size_t c = 0; c < sizeof ns / sizeof ns[0]; c++) {
        double *x = rows(ns[c], 1 + c);
        stats *s = stats_alloc(NV);
        assert_non_null(s);
        stats_add_rows(s, x, ns[c], NV, 0);
        stats *t = roundtrip(s);
        assert_same(s, t);
        /* the same future: more rows, then a merge either way round */
        stats_add_rows(s, more, 5000, NV, 0);
        stats_add_rows(t, more, 5000, NV, 0);
        assert_same(s, t);
        stats *u = stats_alloc(NV), *u2 = stats_alloc(NV), *t2 = roundtrip(t);
        stats_add_rows(u, more, 3000, NV, 0);
        stats_add_rows(u2, more, 3000, NV, 0);
        assert_int_equal(stats_merge(u, s), 0);
        assert_int_equal(stats_merge(u2, t2), 0);
        assert_same(u, u2);
        assert_int_equal(stats_merge(s, u), 0);
        assert_int_equal(stats_merge(t, u2), 0);
        assert_same(s, t);
        stats_free(s);
        stats_free(t);
        stats_free(t2);
        stats_free(u);
        stats_free(u2);
        free(x);
    }
    free(more);
}

static void test_stats_load_refuses(void **state)
{
    (void)state;
    double *x = rows(20000, 5);
    stats *s = stats_alloc(NV), *t = stats_alloc(NV), *other = stats_alloc(NV + 1);
    stats *small = stats_alloc_sketch(NV, 64, 8, 256);
    stats_add_rows(s, x, 20000, NV, 0);
    stats_add_rows(t, x, 123, NV, 0);
    size_t n = stats_save_words(s);
    uint64_t *w = malloc(n * sizeof *w);
    stats_save(s, w);
    assert_int_equal(stats_load(other, w, n), -1);      /* other nvars */
    assert_int_equal(stats_load(small, w, n), -1);      /* other sketch parameters */
    assert_int_equal(stats_load(t, w, n - 1), -1);      /* truncated */
    assert_int_equal(stats_load(t, w, 3), -1);
    w[0] ^= 1;
    assert_int_equal(stats_load(t, w, n), -1);          /* not a saved accumulator */
    w[0] ^= 1;
    w[7] = STATS_SKETCH_K;                               /* impossible level-0 size */
    assert_int_equal(stats_load(t, w, n), -1);
    assert_true(stats_count(t) == 123);                  /* refused loads change nothing */
    stats_save(s, w);
    assert_int_equal(stats_load(t, w, n), 0);
    assert_same(s, t);
    free(w);
    free(x);
    stats_free(s);
    stats_free(t);
    stats_free(other);
    stats_free(small);
}

/* f(A), f(B), f(AB_j) of a linear model with two outputs and three inputs. */
static void sample(gsl_rng *r, double *fa, double *fb, double *fab)
{
    double a[3], b[3];
    for (int j = 0; j < 3; j++) {
        a[j] = gsl_rng_uniform(r);
        b[j] = gsl_rng_uniform(r);
    }
    for (int k = 0; k < 2; k++) {
        double w = k ? 1e9 : 1.0;   /* large amounts: the shift must keep the digits */
        fa[k] = w * (1 + a[0] + 2 * a[1] + 3 * a[2]);
        fb[k] = w * (1 + b[0] + 2 * b[1] + 3 * b[2]);
        for (int j = 0; j < 3; j++) {
            double c[3] = { a[0], a[1], a[2] };
            c[j] = b[j];
            fab[j * 2 + k] = w * (1 + c[0] + 2 * c[1] + 3 * c[2]);
        }
    }
}

static void results(const sobol_acc *s, double out[4][6])
{
    sobol_acc_result(s, out[0], out[1], out[2], out[3]);
}

static void test_sobol_merge(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    const int n = 6000, cut = 2500;
    double (*fa)[2] = malloc(n * sizeof *fa), (*fb)[2] = malloc(n * sizeof *fb), (*fab)[6] = malloc(n * sizeof *fab);
    for (int i = 0; i < n; i++) sample(r, fa[i], fb[i], fab[i]);
    sobol_acc *one = sobol_acc_alloc(2, 3), *a = sobol_acc_alloc(2, 3), *b = sobol_acc_alloc(2, 3);
    sobol_acc *plain = sobol_acc_alloc(2, 3);
    sobol_acc_set_shift(one, fa[0]);
    sobol_acc_set_shift(a, fa[0]);
    sobol_acc_set_shift(b, fa[0]);
    for (int i = 0; i < n; i++) {
        sobol_acc_add(one, fa[i], fb[i], fab[i]);
        sobol_acc_add(plain, fa[i], fb[i], fab[i]);   /* shift = first sample: the same */
        sobol_acc_add(i < cut ? a : b, fa[i], fb[i], fab[i]);
    }
    double x[4][6], y[4][6], z[4][6];
    results(one, x);
    results(plain, z);
    assert_memory_equal(x, z, sizeof x);
    assert_int_equal(sobol_acc_merge(a, b), 0);
    results(a, y);
    for (int q = 0; q < 4; q++)
        for (int i = 0; i < 6; i++) assert_true(fabs(x[q][i] - y[q][i]) <= 1e-9 * fmax(1.0, fabs(x[q][i])));
    /* first-order indices of 1 + a0 + 2 a1 + 3 a2: 1/14, 4/14, 9/14 */
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 3; j++)
            assert_true(fabs(y[0][k * 3 + j] - (double)((j + 1) * (j + 1)) / 14.0) < 0.05);
    /* save and load: every bit, and the same after further samples */
    size_t nw = sobol_acc_save_words(a);
    uint64_t *w = malloc(nw * sizeof *w);
    sobol_acc_save(a, w);
    sobol_acc *c = sobol_acc_alloc(2, 3);
    assert_int_equal(sobol_acc_load(c, w, nw - 1), -1);
    assert_int_equal(sobol_acc_load(c, w, nw), 0);
    sobol_acc_add(a, fa[1], fb[1], fab[1]);
    sobol_acc_add(c, fa[1], fb[1], fab[1]);
    results(a, y);
    results(c, z);
    assert_memory_equal(y, z, sizeof y);
    /* reset keeps the shift; merging different shifts is refused */
    sobol_acc_reset(b);
    assert_int_equal(sobol_acc_merge(a, b), 0);
    results(a, z);
    assert_memory_equal(y, z, sizeof y);
    sobol_acc *d = sobol_acc_alloc(2, 3);
    sobol_acc_set_shift(d, fa[1]);
    assert_int_equal(sobol_acc_merge(a, d), -1);
    assert_int_equal(sobol_acc_merge(a, plain), -1);   /* no fixed shift */
    free(w);
    free(fa);
    free(fb);
    free(fab);
    sobol_acc_free(one);
    sobol_acc_free(a);
    sobol_acc_free(b);
    sobol_acc_free(c);
    sobol_acc_free(d);
    sobol_acc_free(plain);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_roundtrip),
        cmocka_unit_test(test_stats_load_refuses),
        cmocka_unit_test(test_sobol_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
