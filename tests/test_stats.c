/*
 * test_stats: streaming statistics (sim/stats, through stats.h).
 *
 * Moments against exact computations; exact quantiles against GSL to the bit; the
 * sketch's rank error against its stated bound for 1e4..1e6 values from uniform,
 * heavy-tailed, zero-heavy and tied data; merges against one accumulator; bitwise
 * identity across thread counts, and of stats_add_rows with its pieces; the standard
 * error's scaling and coverage. CAPSIM_BENCH=1 in the environment makes the pieces test
 * larger and prints its timings (ns per value of stats_add_rows, cost of the queries).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "sim/stats/stats.h"

enum { NDIST = 5 };
static const char *dist_name[NDIST] = {"uniform", "lognormal(0,2)", "max(0,N(0,1))",
                                       "max(0,N(-1,1))", "poisson(3)"};

/* 0 uniform; 1 heavy tail; 2 half zeros; 3 84% zeros (unmet demand); 4 many ties. */
static double draw(gsl_rng *r, int dist)
{
    switch (dist) {
    case 0: return gsl_rng_uniform(r);
    case 1: return gsl_ran_lognormal(r, 0.0, 2.0);
    case 2: return fmax(0.0, gsl_ran_gaussian_ziggurat(r, 1.0));
    case 3: return fmax(0.0, -1.0 + gsl_ran_gaussian_ziggurat(r, 1.0));
    default: return (double)gsl_ran_poisson(r, 3.0);
    }
}

static gsl_rng *rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

/* Row-major nrows x nvars, variable v drawn from distribution v % NDIST. */
static double *make_rows(size_t nrows, size_t nvars, unsigned long seed)
{
    double *x = malloc(nrows * nvars * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = rng(seed);
    for (size_t i = 0; i < nrows; i++)
        for (size_t v = 0; v < nvars; v++) x[i * nvars + v] = draw(r, (int)(v % NDIST));
    gsl_rng_free(r);
    return x;
}

/* Add rows in engine-sized batches. */
static void add_batched(stats *s, const double *x, size_t nrows, size_t nvars, size_t batch)
{
    for (size_t i = 0; i < nrows; i += batch) {
        size_t m = nrows - i < batch ? nrows - i : batch;
        stats_add_rows(s, x + i * nvars, m, nvars, 0);
    }
}

/* Distance (in values) from p n to the true rank interval [#(< y), #(<= y)] of y. */
static double rank_error(const double *x, size_t n, size_t stride, double y, double p)
{
    double lt = 0, le = 0, t = p * (double)n;
    for (size_t i = 0; i < n; i++) {
        lt += x[i * stride] < y;
        le += x[i * stride] <= y;
    }
    return t < lt ? lt - t : t > le ? t - le : 0.0;
}

/* Signed rank error of y as a quantile at level p, a fraction of n: 0 when p n lies in
 * y's true rank interval [#(< y), #(<= y)], else the distance to it, negative when y is
 * too small (its rank below p n). x sorted ascending. */
static double signed_rank_error(const double *x, size_t n, double y, double p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (x[m] < y) lo = m + 1; else hi = m;
    }
    double lt = (double)lo;
    hi = n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (x[m] <= y) lo = m + 1; else hi = m;
    }
    double le = (double)lo, t = p * (double)n;
    return (t < lt ? lt - t : t > le ? le - t : 0.0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Largest rank error (values) over the nine levels of variable v; checks each against
 * the accumulator's own bound. */
static double check_quantiles(const stats *s, size_t v, const double *x, size_t n, size_t stride)
{
    double own = stats_rank_error(s) * (double)n;
    stats_summary sm;
    stats_get(s, v, &sm);
    double worst = 0;
    for (int i = 0; i < STATS_NQ; i++) {
        double e = rank_error(x, n, stride, sm.q[i], stats_quantile_levels[i]);
        if (e > own + 1e-9)
            fail_msg("var %zu p=%.2f: rank error %.1f > bound %.1f (n=%zu)", v,
                     stats_quantile_levels[i], e, own, n);
        if (e > worst) worst = e;
    }
    return worst;
}

/* ---------- moments */

static void test_moments_known(void **state)
{
    (void)state;
    const double d[] = {3.5, -1.25, 0.0, 7.0, 2.0, 0.0, -4.5, 10.25, 1.0, 3.0};
    size_t n = sizeof d / sizeof d[0];
    /* two variables: d and 1e9 + d (Welford must not lose the spread to the offset) */
    double rows[2 * 10];
    for (size_t i = 0; i < n; i++) {
        rows[2 * i] = d[i];
        rows[2 * i + 1] = 1e9 + d[i];
    }
    stats *s = stats_alloc(2);
    assert_non_null(s);
    stats_add_rows(s, rows, 4, 2, 0);
    stats_add_rows(s, rows + 8, n - 4, 2, 0);
    double mean = gsl_stats_mean(d, 1, n), sd = gsl_stats_sd(d, 1, n);
    for (size_t v = 0; v < 2; v++) {
        stats_summary sm;
        stats_get(s, v, &sm);
        double off = v ? 1e9 : 0.0;
        assert_true(sm.n == (double)n);
        assert_true(fabs(sm.mean - (mean + off)) <= 1e-12 * (fabs(mean) + off));
        assert_true(fabs(sm.sd - sd) <= (v ? 1e-6 : 1e-13) * sd);
        assert_true(fabs(sm.se - sm.sd / sqrt((double)n)) <= 1e-15 * sm.se);
        assert_true(sm.min == -4.5 + off && sm.max == 10.25 + off);
        assert_true(sm.ppos == (v ? 1.0 : 6.0 / 10.0));
    }
    assert_true(stats_count(s) == (double)n);
    assert_int_equal(stats_nvars(s), 2);
    stats_free(s);
}

/* An accumulator can be read with stride and offset: only its columns are used. */
static void test_stride_first(void **state)
{
    (void)state;
    double rows[3 * 4] = {9, 1, 2, 9, 9, 3, 4, 9, 9, 5, 6, 9};
    stats *s = stats_alloc(2);
    stats_add_rows(s, rows, 3, 4, 1);
    stats_summary a, b;
    stats_get(s, 0, &a);
    stats_get(s, 1, &b);
    assert_true(a.mean == 3.0 && b.mean == 4.0 && a.min == 1 && b.max == 6);
    stats_free(s);
}

static void test_empty_and_single(void **state)
{
    (void)state;
    stats *s = stats_alloc(3);
    stats_summary sm;
    stats_get(s, 1, &sm);
    assert_true(sm.n == 0 && sm.mean == 0 && sm.sd == 0 && sm.se == 0 && sm.ppos == 0);
    assert_true(sm.min == 0 && sm.max == 0);
    for (int i = 0; i < STATS_NQ; i++) assert_true(sm.q[i] == 0);
    assert_true(stats_quantile(s, 0, 0.5) == 0);
    assert_true(stats_cdf(s, 0, 1.0) == 0.5);
    assert_true(stats_rank_error(s) == 0 && stats_count(s) == 0);

    double row[3] = {2.5, -1.0, 0.0};
    stats_add_rows(s, row, 1, 3, 0);
    for (size_t v = 0; v < 3; v++) {
        stats_get(s, v, &sm);
        assert_true(sm.n == 1 && sm.mean == row[v] && sm.sd == 0 && sm.se == 0);
        assert_true(sm.min == row[v] && sm.max == row[v]);
        assert_true(sm.ppos == (row[v] > 0));
        for (int i = 0; i < STATS_NQ; i++) assert_true(sm.q[i] == row[v]);
        assert_true(stats_cdf(s, v, row[v]) == 0.5);
    }
    /* constant data: sd exactly 0, not a rounding residue or NaN */
    for (int i = 0; i < 5000; i++) stats_add_rows(s, row, 1, 3, 0);
    stats_get(s, 0, &sm);
    assert_true(sm.sd == 0 && sm.se == 0 && sm.q[0] == 2.5 && sm.q[8] == 2.5);
    stats_free(s);
    stats_free(NULL);
}

/* ---------- exact quantiles */

static void test_exact_quantiles_match_gsl(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 2, 3, 10, 101, 1000, STATS_EXACT_BUDGET};
    gsl_rng *r = rng(7);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        double *x = malloc(2 * n * sizeof *x), *sorted = malloc(n * sizeof *x);
        for (size_t i = 0; i < n; i++) {
            x[2 * i] = gsl_ran_gaussian(r, 3.0);
            x[2 * i + 1] = round(gsl_ran_gaussian(r, 3.0)); /* ties */
        }
        stats *s = stats_alloc(2);
        add_batched(s, x, n, 2, 97);
        assert_true(stats_rank_error(s) == 0 && stats_rank_error_bound((double)n) == 0);
        for (size_t v = 0; v < 2; v++) {
            for (size_t i = 0; i < n; i++) sorted[i] = x[2 * i + v];
            gsl_sort(sorted, 1, n);
            stats_summary sm;
            stats_get(s, v, &sm);
            for (int i = 0; i < STATS_NQ; i++) {
                double g = gsl_stats_quantile_from_sorted_data(sorted, 1, n, stats_quantile_levels[i]);
                assert_true(sm.q[i] == g);
            }
            for (int i = 0; i <= 20; i++) {
                double p = i / 20.0;
                assert_true(stats_quantile(s, v, p) == gsl_stats_quantile_from_sorted_data(sorted, 1, n, p));
            }
            /* mid-rank cdf, exactly */
            for (size_t i = 0; i < n; i += 1 + n / 50) {
                double y = x[2 * i + v], lt = 0, eq = 0;
                for (size_t j = 0; j < n; j++) {
                    lt += x[2 * j + v] < y;
                    eq += x[2 * j + v] == y;
                }
                assert_true(stats_cdf(s, v, y) == (lt + 0.5 * eq) / (double)n);
            }
        }
        stats_free(s);
        free(x);
        free(sorted);
    }
    gsl_rng_free(r);
}

/* ---------- the sketch's accuracy */

static void test_sketch_rank_error(void **state)
{
    (void)state;
    const size_t ns[] = {10000, 100000, 1000000};
    for (size_t k = 0; k < 3; k++) {
        size_t n = ns[k], nv = NDIST;
        double *x = make_rows(n, nv, 100 + k);
        stats *s = stats_alloc(nv);
        add_batched(s, x, n, nv, 4096);
        /* streamed, the shape depends on n alone: the stated bound is the tally */
        assert_true(stats_rank_error(s) == stats_rank_error_bound((double)n));
        double worst[NDIST], all = 0;
        for (size_t v = 0; v < nv; v++) {
            worst[v] = check_quantiles(s, v, x + v, n, nv);
            if (worst[v] > all) all = worst[v];
        }
        print_message("n=%-8zu stated bound %.4f, own bound %.4f, observed max %.5f "
                      "(%s %.5f, %s %.5f, %s %.5f, %s %.5f, %s %.5f)\n",
                      n, stats_rank_error_bound((double)n), stats_rank_error(s), all / n,
                      dist_name[0], worst[0] / n, dist_name[1], worst[1] / n, dist_name[2],
                      worst[2] / n, dist_name[3], worst[3] / n, dist_name[4], worst[4] / n);
        /* the cdf at the quantiles and at fixed points, within the same bound */
        double own = stats_rank_error(s) * (double)n;
        for (size_t v = 0; v < nv; v++) {
            stats_summary sm;
            stats_get(s, v, &sm);
            assert_true(stats_quantile(s, v, 0.0) == sm.min && stats_quantile(s, v, 1.0) == sm.max);
            double pts[STATS_NQ + 3] = {0.0, 0.5, 3.0};
            memcpy(pts + 3, sm.q, sizeof sm.q);
            for (int i = 0; i < STATS_NQ + 3; i++) {
                double lt = 0, eq = 0;
                for (size_t j = 0; j < n; j++) {
                    lt += x[j * nv + v] < pts[i];
                    eq += x[j * nv + v] == pts[i];
                }
                double est = stats_cdf(s, v, pts[i]) * (double)n;
                assert_true(fabs(est - (lt + 0.5 * eq)) <= own + 1e-6);
            }
        }
        stats_free(s);
        free(x);
    }
}

/* Small parameters drive the sketch through many levels (the top grows, capacities
 * shrink to 2) and merges of every kind: the accumulator's own bound holds, streamed it
 * is the stated one, and the weight of the items is n. */
static void check_small_sketch(unsigned k, unsigned b0, unsigned budget, double max_own)
{
    size_t n = 20000, nv = NDIST;
    double *x = make_rows(n, nv, 5);
    stats *s = stats_alloc_sketch(nv, k, b0, budget);
    assert_non_null(s);
    add_batched(s, x, n, nv, 333);
    /* merged: ten pieces of uneven sizes, the first receiving the rest */
    stats *m = stats_alloc_sketch(nv, k, b0, budget), *part = stats_alloc_sketch(nv, k, b0, budget);
    size_t cuts[] = {0, 5, 30, 1000, 1010, 4000, 9000, 9007, 15000, 19990, 20000};
    for (int i = 0; i < 10; i++) {
        stats_reset(part);
        add_batched(part, x + cuts[i] * nv, cuts[i + 1] - cuts[i], nv, 100);
        assert_int_equal(stats_merge(m, part), 0);
    }
    const stats *both[2] = {s, m};
    for (int j = 0; j < 2; j++) {
        double own = stats_rank_error(both[j]);
        double stated = stats_rank_error_bound_sketch((double)n, k, b0, budget);
        assert_true(own > 0 && own <= max_own);
        if (j == 0) assert_true(own == stated);
        double worst = 0;
        for (size_t v = 0; v < nv; v++) {
            for (int i = 0; i < STATS_NQ; i++) {
                double p = stats_quantile_levels[i];
                double e = rank_error(x + v, n, nv, stats_quantile(both[j], v, p), p);
                assert_true(e <= own * (double)n + 1e-9);
                worst = fmax(worst, e / (double)n);
            }
        }
        print_message("k=%u b0=%u, n=%zu (%s): stated %.3f, own %.3f, observed %.4f\n", k, b0,
                      n, j ? "merged" : "streamed", stated, own, worst);
    }
    stats_free(s);
    stats_free(m);
    stats_free(part);
    free(x);
}

static void test_small_sketch(void **state)
{
    (void)state;
    check_small_sketch(8, 4, 16, 1e9);
    check_small_sketch(128, 64, 256, 0.2);
}

/* ---------- merging */

static int close_rel(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(fabs(b), 1e-300);
}

/* merge(A: rows [0, na), B: rows [na, na + nb)) against one accumulator of all rows. */
static void check_merge(size_t na, size_t nb)
{
    size_t nv = NDIST, n = na + nb;
    double *x = make_rows(n ? n : 1, nv, 1000 + na * 7 + nb);
    stats *a = stats_alloc(nv), *b = stats_alloc(nv), *c = stats_alloc(nv);
    add_batched(a, x, na, nv, 4096);
    add_batched(b, x + na * nv, nb, nv, 1000);
    add_batched(c, x, n, nv, 4096);
    assert_int_equal(stats_merge(a, b), 0);
    assert_true(stats_count(a) == (double)n);
    for (size_t v = 0; v < nv && n > 0; v++) {
        stats_summary sa, sc;
        stats_get(a, v, &sa);
        stats_get(c, v, &sc);
        assert_true(close_rel(sa.mean, sc.mean, 1e-12));
        assert_true(close_rel(sa.sd, sc.sd, 1e-12));
        assert_true(close_rel(sa.se, sc.se, 1e-12));
        assert_true(sa.min == sc.min && sa.max == sc.max && sa.ppos == sc.ppos);
        if (n <= STATS_EXACT_BUDGET)
            for (int i = 0; i < STATS_NQ; i++) assert_true(sa.q[i] == sc.q[i]);
        else
            check_quantiles(a, v, x + v, n, nv);
    }
    stats_free(a);
    stats_free(b);
    stats_free(c);
    free(x);
}

static void test_merge(void **state)
{
    (void)state;
    check_merge(0, 0);
    check_merge(0, 3000);       /* empty into */
    check_merge(3000, 0);       /* empty from */
    check_merge(500, 700);      /* exact + exact, stays exact */
    check_merge(1500, 1500);    /* exact + exact, becomes a sketch */
    check_merge(1000, 20000);   /* exact + sketch */
    check_merge(20000, 1000);   /* sketch + exact */
    check_merge(30001, 50003);  /* sketch + sketch */
    check_merge(2048, 2049);    /* exact at the budget + sketch */
}

/* Many merges, in a chain and in a tree, and a self-merge. */
static void test_merge_many(void **state)
{
    (void)state;
    enum { P = 16 };
    size_t per = 7001, nv = NDIST, n = P * per;
    double *x = make_rows(n, nv, 77);
    stats *part[P], *chain = stats_alloc(nv);
    for (int i = 0; i < P; i++) {
        part[i] = stats_alloc(nv);
        add_batched(part[i], x + i * per * nv, per, nv, 4096);
        assert_int_equal(stats_merge(chain, part[i]), 0);
    }
    for (int w = 1; w < P; w *= 2) /* tree: pairs, then pairs of pairs */
        for (int i = 0; i + w < P; i += 2 * w) assert_int_equal(stats_merge(part[i], part[i + w]), 0);
    for (size_t v = 0; v < nv; v++) {
        check_quantiles(chain, v, x + v, n, nv);
        check_quantiles(part[0], v, x + v, n, nv);
    }
    print_message("16 parts of %zu: own bound chain %.4f, tree %.4f, stated %.4f\n", per,
                  stats_rank_error(chain), stats_rank_error(part[0]), stats_rank_error_bound((double)n));
    /* self-merge doubles every count: the same quantile ranks */
    stats_summary before, after;
    stats_get(chain, 1, &before);
    assert_int_equal(stats_merge(chain, chain), 0);
    stats_get(chain, 1, &after);
    assert_true(after.n == 2 * before.n && close_rel(after.mean, before.mean, 1e-12));
    for (int i = 0; i < STATS_NQ; i++) /* each value twice: the same rank fractions */
        assert_true(rank_error(x + 1, n, nv, after.q[i], stats_quantile_levels[i]) <=
                    stats_rank_error(chain) * (double)n + 1e-9);
    /* mismatched accumulators are refused */
    stats *other = stats_alloc(nv + 1);
    assert_int_equal(stats_merge(chain, other), -1);
    stats_free(other);
    for (int i = 0; i < P; i++) stats_free(part[i]);
    stats_free(chain);
    free(x);
}

/* Parts (stats_alloc_part), as the engine's superblocks use them: each streams at most
 * max values from the first one and merges into a full accumulator. The moments agree
 * with one accumulator of all rows, the quantiles keep the own bound, a part smaller
 * than the exact budget is exact, and a part fed past its size still merges (its top
 * grows: nothing saturates). */
static void test_parts(void **state)
{
    (void)state;
    size_t per = 16384, P = 5, nv = NDIST, n = per * P - 1000; /* a short last part */
    double *x = make_rows(n, nv, 4242);
    stats *run = stats_alloc(nv), *part = stats_alloc_part(nv, per), *all = stats_alloc(nv);
    assert_non_null(run);
    assert_non_null(part);
    assert_true(stats_bytes_per_var(part) < 0.6 * stats_bytes_per_var(run));
    for (size_t first = 0; first < n; first += per) {
        size_t m = n - first < per ? n - first : per;
        stats_reset(part);
        add_batched(part, x + first * nv, m, nv, 1024);
        assert_true(stats_rank_error(part) > 0); /* a sketch from the start */
        assert_int_equal(stats_merge(run, part), 0);
    }
    add_batched(all, x, n, nv, 1024);
    for (size_t v = 0; v < nv; v++) {
        stats_summary a, b;
        stats_get(run, v, &a);
        stats_get(all, v, &b);
        assert_true(close_rel(a.mean, b.mean, 1e-12) && close_rel(a.sd, b.sd, 1e-9));
        assert_true(a.min == b.min && a.max == b.max && a.ppos == b.ppos && a.n == b.n);
        check_quantiles(run, v, x + v, n, nv);
    }
    /* small runs stay exact: the part is a full accumulator */
    stats *small = stats_alloc_part(nv, 1500), *one = stats_alloc(nv);
    add_batched(small, x, 1500, nv, 1024);
    assert_int_equal(stats_merge(one, small), 0);
    double col[1500];
    for (size_t i = 0; i < 1500; i++) col[i] = x[i * nv + 1];
    gsl_sort(col, 1, 1500);
    assert_true(stats_rank_error(one) == 0.0);
    for (int i = 0; i < STATS_NQ; i++)
        assert_true(stats_quantile(one, 1, stats_quantile_levels[i]) ==
                    gsl_stats_quantile_from_sorted_data(col, 1, 1500, stats_quantile_levels[i]));
    /* past its size a part grows levels: it still merges, within its bound */
    stats_reset(part);
    add_batched(part, x, n, nv, 1024);
    stats *two = stats_alloc(nv);
    assert_int_equal(stats_merge(two, part), 0);
    for (size_t v = 0; v < nv; v++) check_quantiles(two, v, x + v, n, nv);
    stats_free(two);
    stats_free(small);
    stats_free(one);
    stats_free(run);
    stats_free(part);
    stats_free(all);
    free(x);
}

/* The CDF table gives stats_cdf's very bits: at every item, between items, beyond both
 * ends, on ties, for exact and sketch accumulators, and for a merged run. */
static void check_cdf_table(const stats *s, const double *x, size_t n, size_t nv)
{
    for (size_t v = 0; v < nv; v++) {
        stats_cdf_table *t = stats_cdf_table_alloc(s, v);
        assert_non_null(t);
        for (size_t i = 0; i < n; i += 7) {
            double y = x[i * nv + v];
            double pts[4] = {y, nextafter(y, -INFINITY), nextafter(y, INFINITY), 0.5 * y};
            for (int j = 0; j < 4; j++)
                if (stats_cdf_table_eval(t, pts[j]) != stats_cdf(s, v, pts[j]))
                    fail_msg("var %zu x=%.17g: table %.17g, stats_cdf %.17g", v, pts[j],
                             stats_cdf_table_eval(t, pts[j]), stats_cdf(s, v, pts[j]));
        }
        double many[64], one[64];
        stats_cdf_table_eval_many(t, x + v, nv, n < 63 ? n : 63, many, 1);
        for (size_t i = 0; i < n && i < 63; i++) {
            one[i] = stats_cdf(s, v, x[i * nv + v]);
            assert_true(many[i] == one[i]);
        }
        assert_true(stats_cdf_table_eval(t, -INFINITY) == stats_cdf(s, v, -INFINITY));
        assert_true(stats_cdf_table_eval(t, INFINITY) == stats_cdf(s, v, INFINITY));
        assert_true(isnan(stats_cdf_table_eval(t, NAN)));
        stats_cdf_table_free(t);
    }
}

static void test_cdf_table(void **state)
{
    (void)state;
    size_t nv = NDIST, sizes[] = {0, 1, 700, 2048, 2049, 50000};
    double *x = make_rows(50000, nv, 31);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        stats *s = stats_alloc(nv);
        add_batched(s, x, sizes[i], nv, 1000);
        if (sizes[i] == 0) {
            stats_cdf_table *t = stats_cdf_table_alloc(s, 0);
            assert_true(stats_cdf_table_eval(t, 1.0) == 0.5 && stats_cdf(s, 0, 1.0) == 0.5);
            stats_cdf_table_free(t);
        }
        check_cdf_table(s, x, sizes[i], nv);
        stats_free(s);
    }
    stats *run = stats_alloc(nv), *part = stats_alloc_part(nv, 16384);
    for (size_t first = 0; first < 50000; first += 16384) {
        stats_reset(part);
        add_batched(part, x + first * nv, 50000 - first < 16384 ? 50000 - first : 16384, nv, 1024);
        assert_int_equal(stats_merge(run, part), 0);
    }
    check_cdf_table(run, x, 50000, nv);
    assert_null(stats_cdf_table_alloc(run, nv));
    stats_free(run);
    stats_free(part);
    free(x);
}

/* Random merge trees with a small sketch: many shapes meet (empty and full levels, tops
 * of different heights, compactions cascading over several levels). */
static void test_merge_random_trees(void **state)
{
    (void)state;
    enum { P = 40 };
    const unsigned k = 64, b0 = 16, budget = 128;
    gsl_rng *r = rng(99);
    for (int trial = 0; trial < 5; trial++) {
        size_t sizes[P], n = 0, nv = 3;
        for (int i = 0; i < P; i++) n += sizes[i] = gsl_rng_uniform_int(r, trial ? 1000 : 60);
        double *x = make_rows(n, nv, 500 + trial);
        stats *s[P];
        size_t at = 0;
        for (int i = 0; i < P; i++) {
            s[i] = stats_alloc_sketch(nv, k, b0, budget);
            add_batched(s[i], x + at * nv, sizes[i], nv, 1 + gsl_rng_uniform_int(r, 500));
            at += sizes[i];
        }
        /* merge neighbours at random until one is left; order of values is kept */
        int live = P;
        while (live > 1) {
            int i = (int)gsl_rng_uniform_int(r, (unsigned long)(live - 1));
            assert_int_equal(stats_merge(s[i], s[i + 1]), 0);
            stats_free(s[i + 1]);
            memmove(s + i + 1, s + i + 2, (size_t)(live - i - 2) * sizeof s[0]);
            live--;
        }
        double own = stats_rank_error(s[0]);
        print_message("random tree %d, n=%zu: own %.3f\n", trial, n, own);
        for (size_t v = 0; v < nv; v++)
            for (int i = 0; i < STATS_NQ; i++) {
                double p = stats_quantile_levels[i];
                assert_true(rank_error(x + v, n, nv, stats_quantile(s[0], v, p), p) <= own * n + 1e-9);
            }
        stats_free(s[0]);
        free(x);
    }
    gsl_rng_free(r);
}

/* ---------- determinism */

static void summaries(const stats *s, stats_summary *out, double *cdf)
{
    for (size_t v = 0; v < stats_nvars(s); v++) {
        stats_get(s, v, &out[v]);
        cdf[v] = stats_cdf(s, v, 1.0);
    }
}

static void test_threads_bitwise(void **state)
{
    (void)state;
    size_t nv = 101, n = 30000; /* blocks of 32 plus a remainder; exact, then sketch */
    double *x = make_rows(n, nv, 3);
    stats_summary ref[101], got[101];
    double rcdf[101], gcdf[101];
    int saved = omp_get_max_threads();
    for (int t = 1; t <= 3; t++) {
        omp_set_num_threads(t);
        stats *s = stats_alloc(nv), *b = stats_alloc(nv);
        add_batched(s, x, n / 2, nv, 999);
        add_batched(b, x + (n / 2) * nv, n / 2, nv, 4096);
        assert_int_equal(stats_merge(s, b), 0);
        summaries(s, t == 1 ? ref : got, t == 1 ? rcdf : gcdf);
        if (t > 1) {
            assert_memory_equal(ref, got, sizeof ref);
            assert_memory_equal(rcdf, gcdf, sizeof rcdf);
        }
        stats_free(s);
        stats_free(b);
    }
    omp_set_num_threads(saved);
    free(x);
}

/* ---------- the standard error */

static void test_se_scaling(void **state)
{
    (void)state;
    size_t n = 10000;
    gsl_rng *r = rng(11);
    stats *a = stats_alloc(1), *b = stats_alloc(1);
    for (size_t i = 0; i < 4 * n; i++) {
        double x = gsl_ran_lognormal(r, 0.0, 0.5);
        if (i < n) stats_add_rows(a, &x, 1, 1, 0);
        stats_add_rows(b, &x, 1, 1, 0);
    }
    stats_summary sa, sb;
    stats_get(a, 0, &sa);
    stats_get(b, 0, &sb);
    double ratio = sb.se / sa.se;
    print_message("se(N)=%.5f se(4N)=%.5f ratio %.4f (expect 0.5)\n", sa.se, sb.se, ratio);
    assert_true(fabs(ratio - 0.5) < 0.02);
    stats_free(a);
    stats_free(b);
    gsl_rng_free(r);
}

/* 4000 independent repetitions (one per variable) of a 100-value mean: the truth falls
 * within 2 se about 95.2% of the time (t with 99 df); binomial sd 0.34%. */
static void test_se_coverage(void **state)
{
    (void)state;
    size_t nv = 4000, n = 100;
    double mu = 1.5, *x = malloc(nv * n * sizeof *x);
    gsl_rng *r = rng(13);
    for (size_t i = 0; i < nv * n; i++) x[i] = mu + gsl_ran_gaussian_ziggurat(r, 2.0);
    stats *s = stats_alloc(nv);
    add_batched(s, x, n, nv, 64);
    size_t hit = 0;
    for (size_t v = 0; v < nv; v++) {
        stats_summary sm;
        stats_get(s, v, &sm);
        hit += fabs(sm.mean - mu) <= 2 * sm.se;
    }
    double cov = (double)hit / (double)nv;
    print_message("coverage of mean +- 2 se: %.4f (expect 0.952)\n", cov);
    assert_true(cov > 0.952 - 0.012 && cov < 0.952 + 0.012);
    stats_free(s);
    gsl_rng_free(r);
    free(x);
}

/* ---------- robustness and memory */

static void test_nan_does_not_crash(void **state)
{
    (void)state;
    size_t nv = 4, n = 6000;
    double *x = make_rows(n, nv, 21);
    for (size_t i = 0; i < n; i += 7) x[i * nv + (i % nv)] = NAN;
    stats *s = stats_alloc(nv), *t = stats_alloc(nv);
    add_batched(s, x, n, nv, 1000);
    add_batched(t, x, 100, nv, 1000);
    assert_int_equal(stats_merge(s, t), 0);
    for (size_t v = 0; v < nv; v++) {
        stats_summary sm;
        stats_get(s, v, &sm);
        assert_true(isfinite(sm.min) && isfinite(sm.max));
        (void)stats_cdf(s, v, 0.5);
        (void)stats_quantile(s, v, 0.3);
    }
    assert_true(isnan(stats_cdf(s, 0, NAN)) && isnan(stats_quantile(s, 0, NAN)));
    stats_free(s);
    stats_free(t);
    free(x);
}

static void test_memory_fixed(void **state)
{
    (void)state;
    stats *s = stats_alloc(3);
    size_t bytes = stats_bytes_per_var(s);
    print_message("bytes per variable: %zu\n", bytes);
    /* stats.h: 6678 doubles = 52 KiB, + padding and moments */
    assert_true(bytes <= (STATS_SKETCH_B0 + 3 * STATS_SKETCH_K + 2 * 48) * sizeof(double) + 128);
    assert_true(bytes <= 53 * 1024);
    double *x = make_rows(200000, 3, 1);
    add_batched(s, x, 200000, 3, 4096);
    assert_true(stats_bytes_per_var(s) == bytes);
    assert_null(stats_alloc_sketch(1, 7, 4, 0));      /* odd k */
    assert_null(stats_alloc_sketch(1, 8, 3, 0));      /* odd b0 */
    assert_null(stats_alloc_sketch(1, 8, 4, 4097));   /* budget above BUDGET_MAX */
    assert_null(stats_alloc_sketch(1, 8192, 4, 0));   /* k above K_MAX */
    stats_free(s);
    free(x);
}

static void test_bound_values(void **state)
{
    (void)state;
    assert_true(stats_rank_error_bound(STATS_EXACT_BUDGET) == 0);
    assert_true(stats_rank_error_bound(STATS_EXACT_BUDGET + 1) > 0);
    for (double n = 1e4; n <= 1e9; n *= 10)
        print_message("stated bound at n=%.0e: %.4f\n", n, stats_rank_error_bound(n));
    assert_true(stats_rank_error_bound(1e6) < 0.05);
}

/* ---------- the sketch phase, in pieces and across threads (timed with CAPSIM_BENCH=1) */

/* Many variables past the exact phase (a conversion, then cascades on every block),
 * added with stats_add_rows at several thread counts: each accumulator's whole state
 * (stats_save) is word for word that of a reference fed the same rows through
 * stats_add_rows_piece, the pieces in reverse order on one thread, then
 * stats_add_rows_end (stats.h: "to the bit"), and the queries give the reference's
 * answers. With CAPSIM_BENCH=1: larger, up to all cores, and the timings printed. */
static void test_add_rows_pieces(void **state)
{
    (void)state;
    int bench = getenv("CAPSIM_BENCH") != NULL;
    size_t rows = 4096, nv = bench ? 3000 : 200, batches = bench ? 8 : 3;
    double *x = make_rows(rows, nv, 1);
    int maxt = omp_get_max_threads(), tmax = bench ? maxt : 3;
    omp_set_num_threads(1);
    stats *ref = stats_alloc(nv);
    assert_non_null(ref);
    for (size_t b = 0; b < batches; b++) {
        for (size_t p = stats_add_pieces(ref); p-- > 0;)
            stats_add_rows_piece(ref, p, x, rows, nv, 0);
        stats_add_rows_end(ref, rows);
    }
    assert_true(stats_add_pieces(ref) > 2 && stats_rank_error(ref) > 0);
    size_t nw = stats_save_words(ref);
    uint64_t *want = malloc(nw * sizeof *want), *got = malloc(nw * sizeof *got);
    assert_non_null(want);
    assert_non_null(got);
    stats_save(ref, want);
    for (int t = 1; t <= tmax; t = t * 2 > tmax && t < tmax ? tmax : t * 2) {
        omp_set_num_threads(t);
        stats *s = stats_alloc(nv);
        assert_non_null(s);
        stats_add_rows(s, x, rows, nv, 0); /* exact phase and conversion */
        double t0 = omp_get_wtime();
        for (size_t b = 1; b < batches; b++) stats_add_rows(s, x, rows, nv, 0);
        double dt = omp_get_wtime() - t0;
        if (bench)
            print_message("threads %d: %.2f ns per value (%zu rows x %zu vars, sketch phase)\n", t,
                          dt * 1e9 / ((double)(batches - 1) * rows * nv), rows, nv);
        assert_true(stats_count(s) == (double)(batches * rows));
        assert_int_equal(stats_save_words(s), nw);
        stats_save(s, got);
        assert_memory_equal(want, got, nw * sizeof *want);
        if (t == 1) {
            stats_summary sm, rm;
            double acc = 0, racc = 0;
            t0 = omp_get_wtime();
            for (size_t v = 0; v < nv; v++) {
                stats_get(s, v, &sm);
                acc += sm.q[4];
            }
            double t1 = omp_get_wtime();
            for (size_t v = 0; v < nv; v++)
                for (int k = 0; k < 10; k++) acc += stats_cdf(s, v, 0.1 * k);
            double t2 = omp_get_wtime();
            if (bench)
                print_message("stats_get %.1f us per variable, stats_cdf %.0f ns per call (%.0f)\n",
                              (t1 - t0) * 1e6 / nv, (t2 - t1) * 1e9 / (10.0 * nv), acc);
            for (size_t v = 0; v < nv; v++) {
                stats_get(s, v, &sm);
                stats_get(ref, v, &rm);
                assert_memory_equal(&sm, &rm, sizeof sm);
                racc += rm.q[4];
            }
            for (size_t v = 0; v < nv; v++)
                for (int k = 0; k < 10; k++) racc += stats_cdf(ref, v, 0.1 * k);
            assert_true(acc == racc);
        }
        stats_free(s);
    }
    omp_set_num_threads(maxt);
    stats_free(ref);
    free(want);
    free(got);
    free(x);
}

/* The sketch as the engine builds it (superblock parts of SB values, each keyed by its
 * index, merged in order into the run's accumulator) is unbiased and tight: over NV
 * variables x 9 levels at n = 1e5, the mean signed rank error is within +-0.05% and the
 * worst within 0.2% (the contract, docs/OUTPUT.md; here 0.17%; the Munro-Paterson sketch
 * with k = 1024 gave 0.22% and fails), and the worst stays within the accumulator's own
 * bound. The fixed alternating parity of older sketches repeated one superblock's errors
 * in every superblock: on this very computation it gave -0.20% (77% of the errors
 * negative). The spread of the mean here is about 0.01% (576 errors, correlated within a
 * variable), so 0.05% is a wide margin, and a bias of 0.1% or more fails. */
static void test_sketch_unbiased(void **state)
{
    (void)state;
    enum { NV = 64, SB = 16384 };
    size_t n = 100000;
    double *x = make_rows(n, NV, 4242);
    stats *run = stats_alloc(NV), *part = stats_alloc_part(NV, SB);
    assert_non_null(run);
    assert_non_null(part);
    for (size_t first = 0, sb = 0; first < n; first += SB, sb++) {
        size_t m = n - first < SB ? n - first : SB;
        stats_reset(part);
        stats_set_seed(part, sb + 1);
        add_batched(part, x + first * NV, m, NV, 512);
        assert_int_equal(stats_merge(run, part), 0);
    }
    double *col = malloc(n * sizeof *col), sum = 0, worst = 0;
    assert_non_null(col);
    for (size_t v = 0; v < NV; v++) {
        for (size_t i = 0; i < n; i++) col[i] = x[i * NV + v];
        qsort(col, n, sizeof *col, cmp_double);
        stats_summary sm;
        stats_get(run, v, &sm);
        for (int j = 0; j < STATS_NQ; j++) {
            double e = signed_rank_error(col, n, sm.q[j], stats_quantile_levels[j]);
            sum += e;
            worst = fmax(worst, fabs(e));
        }
    }
    double mean = sum / (NV * STATS_NQ);
    print_message("engine-like sketch at n=%zu: mean signed rank error %+.4f%%, worst %.4f%%, own bound %.3f%%\n",
                  n, 100 * mean, 100 * worst, 100 * stats_rank_error(run));
    assert_true(fabs(mean) <= 0.0005);
    assert_true(worst <= 0.002);    /* the contract; k = 1024 Munro-Paterson: 0.22% here */
    assert_true(worst <= stats_rank_error(run));
    free(col);
    stats_free(run);
    stats_free(part);
    free(x);
}

/* stats_set_coins: a variable keyed by coin c has the sketch it would have at index c
 * without keys (the quantiles compared bit for bit); keys 0..n-1 change nothing; and a
 * different key gives a different sketch (the coins are what the keys decide). */
/* Bits of a double, so that NaN compares equal to NaN. */
static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Every quantity of variable v the same bits in a and b (quantiles at 0.3 and the nine
 * levels, the summary, the CDF at the variable's median). */
static void assert_same_var(const stats *a, const stats *b, size_t v)
{
    stats_summary x, y;
    stats_get(a, v, &x);
    stats_get(b, v, &y);
    assert_true(memcmp(&x, &y, sizeof x) == 0);
    assert_true(same_bits(stats_quantile(a, v, 0.3), stats_quantile(b, v, 0.3)));
    assert_true(same_bits(stats_cdf(a, v, x.q[4]), stats_cdf(b, v, x.q[4])));
}

/* simulation.quantiles: an accumulator that sketches some variables gives the sketched
 * ones the very bits of the full accumulator (as run and as superblock parts merged
 * into it, through save and load and clone), the others their moments with NaN
 * quantiles, and it merges only with the same flags. */
static void test_sketched_subset(void **state)
{
    (void)state;
    const size_t nv = 150, n = 9000, part = 3000;   /* three parts; nv spans 3 blocks */
    unsigned char flags[150];
    for (size_t v = 0; v < nv; v++) flags[v] = v % 3 == 1 || (v >= 64 && v < 80);
    double *x = make_rows(n, nv, 7);
    stats *full = stats_alloc(nv), *sub = stats_alloc_kind(nv, STATS_RUN, 0, flags);
    assert_non_null(sub);
    for (size_t r0 = 0; r0 < n; r0 += part) {   /* superblock parts merged in order */
        stats *pf = stats_alloc_part(nv, part), *ps = stats_alloc_kind(nv, STATS_PART, part, flags);
        add_batched(pf, x + r0 * nv, part, nv, 700);
        add_batched(ps, x + r0 * nv, part, nv, 700);
        /* the part travels as words, as between shards */
        uint64_t *w = malloc(stats_save_words(ps) * sizeof *w);
        stats_save(ps, w);
        stats *pl = stats_alloc_kind(nv, STATS_PART, part, flags);
        assert_int_equal(stats_load(pl, w, stats_save_words(ps)), 0);
        assert_true(stats_save_words(ps) < stats_save_words(pf));
        assert_int_equal(stats_load(pf, w, stats_save_words(ps)), -1);   /* other flags: refused */
        free(w);
        assert_int_equal(stats_merge(full, pf), 0);
        assert_int_equal(stats_merge(sub, pl), 0);
        assert_int_equal(stats_merge(sub, pf), -1);   /* other flags: refused, unchanged */
        stats_free(pf);
        stats_free(ps);
        stats_free(pl);
    }
    stats *rows_full = stats_alloc(nv), *rows_sub = stats_alloc_kind(nv, STATS_RUN, 0, flags);
    add_batched(rows_full, x, n, nv, 1000);
    add_batched(rows_sub, x, n, nv, 1000);
    stats *cl = stats_clone(sub);
    assert_non_null(cl);
    size_t nsk = 0;
    for (size_t v = 0; v < nv; v++) {
        assert_int_equal(stats_sketched(sub, v), flags[v]);
        assert_int_equal(stats_sketched(full, v), 1);
        if (flags[v]) {
            nsk++;
            assert_same_var(full, sub, v);
            assert_same_var(rows_full, rows_sub, v);
            assert_same_var(sub, cl, v);
            stats_cdf_table *t = stats_cdf_table_alloc(sub, v);
            assert_non_null(t);
            assert_true(same_bits(stats_cdf_table_eval(t, 0.5), stats_cdf(full, v, 0.5)));
            stats_cdf_table_free(t);
        } else {
            stats_summary a, b;
            stats_get(full, v, &a);
            stats_get(sub, v, &b);
            assert_true(same_bits(a.mean, b.mean) && same_bits(a.sd, b.sd) && same_bits(a.min, b.min) &&
                        same_bits(a.max, b.max) && same_bits(a.ppos, b.ppos) && a.n == b.n);
            for (int q = 0; q < STATS_NQ; q++) assert_true(isnan(b.q[q]));
            assert_true(isnan(stats_quantile(sub, v, 0.5)) && isnan(stats_cdf(sub, v, 0.5)));
            assert_null(stats_cdf_table_alloc(sub, v));
            stats_get(rows_sub, v, &b);
            assert_true(isnan(b.q[4]));
        }
    }
    assert_true(nsk > 0 && nsk < nv);
    /* every flag set: the plain accumulator */
    unsigned char all[150];
    memset(all, 1, sizeof all);
    stats *ones = stats_alloc_kind(nv, STATS_RUN, 0, all);
    add_batched(ones, x, n, nv, 1000);
    for (size_t v = 0; v < nv; v++) assert_same_var(rows_full, ones, v);
    assert_int_equal(stats_merge(ones, rows_full), 0);
    stats_free(ones);
    stats_free(cl);
    stats_free(full);
    stats_free(sub);
    stats_free(rows_full);
    stats_free(rows_sub);
    free(x);
}

static void test_coins(void **state)
{
    (void)state;
    enum { N = 20000, V = 3 };
    double *rows = malloc((size_t)N * V * sizeof *rows);
    assert_non_null(rows);
    uint64_t z = 12345;
    for (size_t i = 0; i < (size_t)N * V; i++) {
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        rows[i] = (double)(z >> 11) * 0x1p-53;
    }
    stats *plain = stats_alloc(V), *ident = stats_alloc(V), *perm = stats_alloc(V);
    assert_true(plain && ident && perm);
    const uint64_t id[V] = { 0, 1, 2 }, pm[V] = { 2, 0, 1 };
    assert_int_equal(stats_set_coins(ident, id), 0);
    assert_int_equal(stats_set_coins(perm, pm), 0);
    stats_add_rows(plain, rows, N, V, 0);
    stats_add_rows(ident, rows, N, V, 0);
    /* perm sees the columns rotated: its variable v holds plain's column pm[v] */
    double *rot = malloc((size_t)N * V * sizeof *rot);
    assert_non_null(rot);
    for (size_t i = 0; i < N; i++)
        for (size_t v = 0; v < V; v++) rot[i * V + v] = rows[i * V + pm[v]];
    stats_add_rows(perm, rot, N, V, 0);
    for (int k = 1; k < 100; k++) {
        double p = k / 100.0;
        for (size_t v = 0; v < V; v++) {
            assert_true(stats_quantile(ident, v, p) == stats_quantile(plain, v, p));
            assert_true(stats_quantile(perm, v, p) == stats_quantile(plain, pm[v], p));
        }
    }
    /* The keys matter: column 0 keyed 1 instead of 0 gives another sketch. */
    stats *other = stats_alloc(1), *base = stats_alloc(1);
    assert_true(other && base);
    const uint64_t one = 1;
    assert_int_equal(stats_set_coins(other, &one), 0);
    double *col = malloc(N * sizeof *col);
    assert_non_null(col);
    for (size_t i = 0; i < N; i++) col[i] = rows[i * V];
    stats_add_rows(other, col, N, 1, 0);
    stats_add_rows(base, col, N, 1, 0);
    int diff = 0;
    for (int k = 1; k < 100; k++) diff += stats_quantile(other, 0, k / 100.0) != stats_quantile(base, 0, k / 100.0);
    assert_true(diff > 0);
    /* a clone keeps the keys */
    stats *c = stats_clone(other);
    assert_non_null(c);
    stats_add_rows(c, col, N, 1, 0);
    stats_add_rows(other, col, N, 1, 0);
    for (int k = 1; k < 100; k++) assert_true(stats_quantile(c, 0, k / 100.0) == stats_quantile(other, 0, k / 100.0));
    stats_free(c);
    stats_free(other);
    stats_free(base);
    stats_free(plain);
    stats_free(ident);
    stats_free(perm);
    free(col);
    free(rot);
    free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_known),
        cmocka_unit_test(test_stride_first),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_exact_quantiles_match_gsl),
        cmocka_unit_test(test_sketch_rank_error),
        cmocka_unit_test(test_sketch_unbiased),
        cmocka_unit_test(test_small_sketch),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_merge_many),
        cmocka_unit_test(test_merge_random_trees),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_cdf_table),
        cmocka_unit_test(test_threads_bitwise),
        cmocka_unit_test(test_se_scaling),
        cmocka_unit_test(test_se_coverage),
        cmocka_unit_test(test_nan_does_not_crash),
        cmocka_unit_test(test_memory_fixed),
        cmocka_unit_test(test_bound_values),
        cmocka_unit_test(test_add_rows_pieces),
        cmocka_unit_test(test_coins),
        cmocka_unit_test(test_sketched_subset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
