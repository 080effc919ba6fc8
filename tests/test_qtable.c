/*
 * Tests of sim/random/qtable: the interpolated inverse CDF against the root-found one.
 *
 * The promise (qtable.h): relative error in value below 1e-10 for every u, with the
 * root search kept where an interval fails its check. Near u = 1 a double u no longer
 * fixes x to 1e-10 (it holds few digits of 1 - u, and the root search itself scatters
 * there), so the bound allowed is 1e-10 |x| plus what moving u by 4 ulps moves x:
 * 4 ulp(u) / density(x); away from u = 1 that term is negligible. A table that fell back to the
 * root search everywhere would pass the accuracy test trivially, so the shapes the
 * shipped scenarios use must also pass the check on every interval (they do: the
 * cubic is used for all their draws), and the tests count that.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include "sim/random/qtable.h"

typedef struct {
    const char *name;
    dist_family family;
    double p[3];
    double lo, hi;
    int all_intervals;   /* an ordinary shape: every interval must use the cubic */
} shape;

#define NO_LO (-INFINITY)
#define NO_HI (INFINITY)

static const shape shapes[] = {
    /* the shipped scenarios' shapes: fulfilled, spot availability, maturity */
    { "beta(0.9, 0.07)", DIST_BETA, { 0.9, 0.07, 0 }, NO_LO, NO_HI, 1 },
    { "beta(0.4, 0.2)", DIST_BETA, { 0.4, 0.2, 0 }, NO_LO, NO_HI, 1 },
    { "beta(0.5, 0.2)", DIST_BETA, { 0.5, 0.2, 0 }, NO_LO, NO_HI, 1 },
    { "beta(0.6, 0.15)", DIST_BETA, { 0.6, 0.15, 0 }, NO_LO, NO_HI, 1 },
    { "beta(0.99, 0.005)", DIST_BETA, { 0.99, 0.005, 0 }, NO_LO, NO_HI, 1 },
    { "beta(0.9, 0.07) on [0.8, 0.95]", DIST_BETA, { 0.9, 0.07, 0 }, 0.8, 0.95, 1 },
    { "gamma(10, 1)", DIST_GAMMA, { 10, 1, 0 }, NO_LO, NO_HI, 0 },
    { "gamma(5, 2) above 6", DIST_GAMMA, { 5, 2, 0 }, 6, NO_HI, 0 },
    { "pert(0, 1, 10)", DIST_PERT, { 0, 1, 10 }, NO_LO, NO_HI, 0 },
    { "pert(0, 0, 1)", DIST_PERT, { 0, 0, 1 }, NO_LO, NO_HI, 0 },
    /* densities that diverge at an end: part of the range keeps the root search */
    { "beta(0.05, 0.1)", DIST_BETA, { 0.05, 0.1, 0 }, NO_LO, NO_HI, 0 },
    { "gamma(1, 3)", DIST_GAMMA, { 1, 3, 0 }, NO_LO, NO_HI, 0 },
    { "beta(0.5, 0.001)", DIST_BETA, { 0.5, 0.001, 0 }, NO_LO, NO_HI, 0 },
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static dist_spec make(const shape *s)
{
    dist_spec d = { .family = s->family, .p = { s->p[0], s->p[1], s->p[2] }, .lo = s->lo, .hi = s->hi };
    char msg[256];
    if (dist_validate(&d, msg, sizeof msg) != 0) fail_msg("%s: %s", s->name, msg);
    return d;
}

/* u on a grid dense in the middle (every 1/N of a fine lattice, offset so that it
 * never sits on a knot) and in both tails (down to 1e-12 and up to 1 - 1e-12). */
static double grid_u(size_t i, size_t n)
{
    size_t half = n / 4;
    if (i < half) return pow(10.0, -12.0 + 11.0 * (double)i / (double)half);           /* 1e-12 .. 0.1 */
    if (i < 2 * half) return 1 - pow(10.0, -12.0 + 11.0 * (double)(i - half) / (double)half);
    return ((double)(i - 2 * half) + 0.37) / (double)(n - 2 * half);                    /* middle */
}

static void test_accuracy(void **state)
{
    (void)state;
    const size_t n = 40000;
    for (size_t k = 0; k < NSHAPES; k++) {
        dist_spec d = make(&shapes[k]);
        int err;
        qtable *t = qtable_build(&d, &err);
        assert_int_equal(err, 0);
        assert_non_null(t);
        double worst = 0, worst_u = 0;
        for (size_t i = 0; i < n; i++) {
            double u = grid_u(i, n);
            double exact = dist_quantile(&d, u), got = qtable_quantile(t, &d, u);
            double allowed = 1e-10 * fabs(exact) + 4 * (nextafter(u, 2) - u) / dist_density(&d, exact);
            double rel = fabs(got - exact) / allowed;
            if (!(rel <= worst)) {
                worst = rel;
                worst_u = u;
            }
        }
        printf("%-32s intervals on the cubic %4zu/%d, worst error / bound %.3f (u = %.17g)\n",
               shapes[k].name, qtable_intervals_ok(t), QTABLE_INTERVALS, worst, worst_u);
        if (!(worst < 1)) fail_msg("%s: error %g times the bound at u = %.17g", shapes[k].name, worst, worst_u);
        if (shapes[k].all_intervals && qtable_intervals_ok(t) != QTABLE_INTERVALS)
            fail_msg("%s: only %zu of %d intervals use the cubic", shapes[k].name, qtable_intervals_ok(t),
                     QTABLE_INTERVALS);
        /* most of every shape's range is on the cubic, or the table is pointless */
        assert_true(qtable_intervals_ok(t) > QTABLE_INTERVALS / 10);
        qtable_free(t);
    }
}

/* The cubic is used: between two knots its value differs (in the last bits) from the
 * root search's, which it would not if every draw fell back. */
static void test_table_is_used(void **state)
{
    (void)state;
    dist_spec d = make(&shapes[0]);
    int err;
    qtable *t = qtable_build(&d, &err);
    size_t differ = 0;
    for (int i = 1; i < 1000; i++) {
        double u = (i + 0.5) / 1000.0;
        differ += qtable_quantile(t, &d, u) != dist_quantile(&d, u);
    }
    assert_true(differ > 500);
    qtable_free(t);
}

static void test_monotone(void **state)
{
    (void)state;
    for (size_t k = 0; k < NSHAPES; k++) {
        dist_spec d = make(&shapes[k]);
        int err;
        qtable *t = qtable_build(&d, &err);
        double prev = -INFINITY;
        for (int i = 1; i < 200000; i++) {
            double x = qtable_quantile(t, &d, i / 200000.0);
            if (x < prev) fail_msg("%s: x(u) decreases at u = %g", shapes[k].name, i / 200000.0);
            prev = x;
        }
        qtable_free(t);
    }
}

/* Closed-form families get no table and the exact quantile, bit for bit. */
static void test_closed_form_no_table(void **state)
{
    (void)state;
    dist_spec ds[] = {
        { .family = DIST_NORMAL, .p = { 1, 2 }, .lo = NO_LO, .hi = NO_HI },
        { .family = DIST_LOGNORMAL, .p = { 1, 0.5 }, .lo = NO_LO, .hi = NO_HI },
        { .family = DIST_TRIANGULAR, .p = { 0, 1, 3 }, .lo = NO_LO, .hi = NO_HI },
        { .family = DIST_UNIFORM, .p = { 2, 5 }, .lo = NO_LO, .hi = NO_HI },
        { .family = DIST_CONSTANT, .p = { 7 }, .lo = NO_LO, .hi = NO_HI },
    };
    for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
        char msg[256];
        assert_int_equal(dist_validate(&ds[k], msg, sizeof msg), 0);
        int err = 1;
        assert_null(qtable_build(&ds[k], &err));
        assert_int_equal(err, 0);
        for (int i = 1; i < 100; i++)
            assert_true(qtable_quantile(NULL, &ds[k], i / 100.0) == dist_quantile(&ds[k], i / 100.0));
    }
}

/* One table per distinct distribution; the same distribution gives the same table. */
static void test_set_shares(void **state)
{
    (void)state;
    qtable_set *set = qtable_set_alloc();
    assert_non_null(set);
    dist_spec a = make(&shapes[0]), b = make(&shapes[0]), c = make(&shapes[1]);
    dist_spec n = { .family = DIST_NORMAL, .p = { 0, 1 }, .lo = NO_LO, .hi = NO_HI };
    char msg[256];
    assert_int_equal(dist_validate(&n, msg, sizeof msg), 0);
    int err;
    const qtable *ta = qtable_set_get(set, &a, &err), *tb = qtable_set_get(set, &b, &err);
    const qtable *tc = qtable_set_get(set, &c, &err);
    assert_non_null(ta);
    assert_ptr_equal(ta, tb);
    assert_ptr_not_equal(ta, tc);
    assert_null(qtable_set_get(set, &n, &err));
    assert_int_equal(err, 0);
    /* a table from the set answers exactly as a freshly built one */
    qtable *fresh = qtable_build(&a, &err);
    for (int i = 1; i < 1000; i++)
        assert_true(qtable_quantile(ta, &a, i / 1000.0) == qtable_quantile(fresh, &a, i / 1000.0));
    qtable_free(fresh);
    qtable_set_free(set);
}

/* The ends and beyond: u at or outside (0, 1) and the far tails take the root search. */
static void test_edges(void **state)
{
    (void)state;
    dist_spec d = make(&shapes[1]);
    int err;
    qtable *t = qtable_build(&d, &err);
    double us[] = { 1e-300, 1e-15, 1e-10, 1 - 1e-10, 1 - 0x1p-53 };
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++)
        assert_true(qtable_quantile(t, &d, us[i]) == dist_quantile(&d, us[i]));
    qtable_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_table_is_used),
        cmocka_unit_test(test_monotone),
        cmocka_unit_test(test_closed_form_no_table),
        cmocka_unit_test(test_set_shares),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
