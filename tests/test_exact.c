/* test_exact: sim/stats/exact.c, the exact statistics of a column of per-path totals.
 * Known answers worked by hand (the definitions are in exact.h); numpy equality on real
 * files is tests/py_exact_totals.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "sim/stats/exact.h"

/* 1..30 shuffled: m = 1.5 paths per tail, so the boundary value counts half. */
static void test_fractional_tail(void **state)
{
    (void)state;
    double x[30];
    for (int i = 0; i < 30; i++) x[i] = (double)((i * 7) % 30 + 1);   /* a permutation of 1..30 */
    exact_stats e;
    exact_column(x, 30, &e);
    assert_true(fabs(e.es_lo - (1.0 + 0.5 * 2.0) / 1.5) < 1e-15);   /* (1 + 0.5 x 2) / 1.5 */
    assert_true(fabs(e.es_hi - (30.0 + 0.5 * 29.0) / 1.5) < 1e-13);
    /* type 7: h = 29 p; p = 0.5 -> 15.5, p = 0.01 -> 1.29, p = 0.99 -> 29.71 */
    assert_true(e.q[4] == 15.5);
    assert_true(fabs(e.q[0] - 1.29) < 1e-14 && fabs(e.q[8] - 29.71) < 1e-13);
    assert_true(e.ppos == 1.0 && e.pneg == 0.0);
    for (int i = 1; i < 30; i++) assert_true(x[i - 1] <= x[i]);   /* sorted in place */
}

/* 100 values, m = 5 whole: the plain mean of the 5 smallest / largest; ties at the
 * boundary count once each as far as m allows. */
static void test_whole_tail_and_ties(void **state)
{
    (void)state;
    double x[100];
    for (int i = 0; i < 100; i++) x[i] = i < 3 ? -2.0 : i < 10 ? 0.0 : (double)i;
    exact_stats e;
    exact_column(x, 100, &e);
    /* lowest 5: -2, -2, -2, 0, 0 */
    assert_true(e.es_lo == (-6.0 + 0.0) / 5.0);
    /* highest 5: 95..99 */
    assert_true(e.es_hi == (95.0 + 96 + 97 + 98 + 99) / 5.0);
    assert_true(e.ppos == 0.90 && e.pneg == 0.03);
    assert_true(e.q[0] == -2.0);   /* h = 0.99: between two -2s */
}

/* Fewer than 20 values: the tail is the extreme value alone; NaN and empty columns. */
static void test_small_and_nan(void **state)
{
    (void)state;
    double x[3] = {5.0, -1.0, 2.0};
    exact_stats e;
    exact_column(x, 3, &e);
    assert_true(e.es_lo == -1.0 && e.es_hi == 5.0 && e.q[4] == 2.0);
    double y[4] = {1.0, NAN, 3.0, -4.0};
    exact_column(y, 4, &e);
    assert_true(isnan(e.q[4]) && isnan(e.es_lo) && isnan(e.es_hi));
    assert_true(e.ppos == 0.5 && e.pneg == 0.25);
    exact_column(NULL, 0, &e);
    assert_true(isnan(e.q[0]) && isnan(e.ppos));
}

/* The result depends on the set of values only, not their order (any split of a run). */
static void test_order_free(void **state)
{
    (void)state;
    enum { N = 1001 };
    double a[N], b[N];
    uint64_t z = 12345;
    for (int i = 0; i < N; i++) {
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        a[i] = ldexp((double)(z >> 11), -40) - 4000.0;
        b[N - 1 - i] = a[i];
    }
    exact_stats ea, eb;
    exact_column(a, N, &ea);
    exact_column(b, N, &eb);
    assert_memory_equal(&ea, &eb, sizeof ea);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fractional_tail),
        cmocka_unit_test(test_whole_tail_and_ties),
        cmocka_unit_test(test_small_and_nan),
        cmocka_unit_test(test_order_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
