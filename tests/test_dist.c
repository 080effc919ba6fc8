/*
 * test_dist: the distributions of scenario fields (sim/random/dist.c).
 *
 * Layers: known values (derived shapes, textbook quantiles and truncated moments);
 * statistical checks (sample mean and sd of dist_draw and of dist_quantile on Philox
 * uniforms against dist_mean/dist_sd within 4 standard errors, for every family, with
 * and without truncation); properties (quantile monotone, truncation respected); the
 * family table itself (every record found by name, and each family's quantile, draws,
 * moments, cdf and support in agreement); and the exact validation messages for bad
 * parameters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "sim/random/dist.h"
#include "sim/random/rng.h"

/* cmocka 1.1.5 has no double comparison (assert_float_equal rounds to float). */
#define assert_near(a, b, tol) do { \
        double a_ = (a), b_ = (b); \
        if (!(fabs(a_ - b_) <= (tol))) \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, (double)(tol)); \
    } while (0)

#define NSAMPLE 100000
#define KSE 4.0

static dist_spec make(dist_family f, double p0, double p1, double p2)
{
    dist_spec d;
    memset(&d, 0, sizeof d);
    d.family = f;
    d.p[0] = p0; d.p[1] = p1; d.p[2] = p2;
    d.lo = -INFINITY;
    d.hi = INFINITY;
    return d;
}

static dist_spec make_trunc(dist_family f, double p0, double p1, double lo, double hi)
{
    dist_spec d = make(f, p0, p1, 0);
    d.lo = lo;
    d.hi = hi;
    return d;
}

static void validate_ok(dist_spec *d)
{
    char msg[256];
    int rc = dist_validate(d, msg, sizeof msg);
    if (rc != 0) fail_msg("validate failed: %s", msg);
}

/* ---- known values ---- */

static void test_family_names(void **state)
{
    (void)state;
    for (int f = 0; f < DIST_NFAMILIES; f++)
        assert_int_equal(dist_family_from_name(dist_family_name(f)), f);
    assert_string_equal(dist_family_name(DIST_PERT), "pert");
    assert_string_equal(dist_family_name(DIST_LOGNORMAL), "lognormal");
    assert_int_equal(dist_family_from_name("weibull"), -1);
    assert_int_equal(dist_family_from_name(NULL), -1);
}

static void test_derived_shapes(void **state)
{
    (void)state;
    dist_spec b = make(DIST_BETA, 0.9, 0.05, 0);       /* nu = 0.09/0.0025 - 1 = 35 */
    validate_ok(&b);
    assert_near(b.shape_a, 31.5, 1e-12);
    assert_near(b.shape_b, 3.5, 1e-12);
    dist_spec g = make(DIST_GAMMA, 6, 2, 0);           /* shape 9, scale 2/3 */
    validate_ok(&g);
    assert_near(g.shape_a, 9, 1e-12);
    assert_near(g.shape_b, 2.0 / 3, 1e-12);
    dist_spec p = make(DIST_PERT, 1, 2, 4);            /* 1 + 4/3, 1 + 8/3 */
    validate_ok(&p);
    assert_near(p.shape_a, 1 + 4.0 / 3, 1e-12);
    assert_near(p.shape_b, 1 + 8.0 / 3, 1e-12);
    assert_near(dist_mean(&p), (1 + 4 * 2 + 4) / 6.0, 1e-12);
    dist_spec l = make(DIST_LOGNORMAL, 2, 0.6, 0);
    validate_ok(&l);
    assert_near(l.shape_a, log(2), 1e-15);
    assert_near(dist_mean(&l), 2 * exp(0.18), 1e-12);
    assert_near(l.cdf_lo, 0, 0);
    assert_near(l.cdf_hi, 1, 0);
}

static void test_known_quantiles(void **state)
{
    (void)state;
    dist_spec n = make(DIST_NORMAL, 10, 2, 0);
    validate_ok(&n);
    assert_near(dist_quantile(&n, 0.975), 10 + 2 * 1.959963984540054, 1e-9);
    assert_near(dist_quantile(&n, 0.5), 10, 1e-12);
    dist_spec l = make(DIST_LOGNORMAL, 2, 0.6, 0);
    validate_ok(&l);
    assert_near(dist_quantile(&l, 0.5), 2, 1e-12);
    dist_spec t = make(DIST_TRIANGULAR, 0, 1, 4);      /* F(1) = 1/4 */
    validate_ok(&t);
    assert_near(dist_quantile(&t, 0.25), 1, 1e-12);
    assert_near(dist_quantile(&t, 0.5), 4 - sqrt(6), 1e-12);
    dist_spec u = make(DIST_UNIFORM, 1, 3, 0);
    validate_ok(&u);
    assert_near(dist_quantile(&u, 0.25), 1.5, 1e-12);
    dist_spec c = make(DIST_CONSTANT, 7, 0, 0);
    validate_ok(&c);
    assert_near(dist_quantile(&c, 0.3), 7, 0);
    assert_near(dist_sd(&c), 0, 0);
}

static void test_truncated_known(void **state)
{
    (void)state;
    /* half-normal: mean sqrt(2/pi), variance 1 - 2/pi; median at Phi^-1(0.75) */
    dist_spec h = make_trunc(DIST_NORMAL, 0, 1, 0, INFINITY);
    validate_ok(&h);
    assert_near(h.cdf_lo, 0.5, 1e-15);
    assert_near(dist_mean(&h), sqrt(2 / M_PI), 1e-12);
    assert_near(dist_sd(&h), sqrt(1 - 2 / M_PI), 1e-12);
    assert_near(dist_quantile(&h, 0.5), 0.6744897501960817, 1e-9);
    /* far upper tail: [8, 9] still has mass and a mean just above 8 (~ a + 1/a) */
    dist_spec f = make_trunc(DIST_NORMAL, 0, 1, 8, 9);
    validate_ok(&f);
    double q = dist_quantile(&f, 0.5);
    assert_true(q > 8 && q < 8.2);
    assert_true(dist_mean(&f) > 8.1 && dist_mean(&f) < 8.13);
    /* a truncation that does not bind leaves the moments alone */
    dist_spec w = make_trunc(DIST_GAMMA, 5, 2, -1, INFINITY);
    validate_ok(&w);
    assert_near(dist_mean(&w), 5, 1e-9);
    assert_near(dist_sd(&w), 2, 1e-9);
}

/* Truncated moments against independent references (scipy 1.10: truncnorm, and
 * numerical integration of lognorm, beta and gamma pdfs to 1e-13). */
static void test_truncated_reference(void **state)
{
    (void)state;
    static const struct { dist_family f; double a, b, lo, hi, mean, sd; } ref[] = {
        { DIST_NORMAL, 10, 2, 9, 15, 10.97639010960271, 1.3279007512718917 },
        { DIST_NORMAL, 0, 1, 8, 9, 8.121188992979869, 0.11894764723253226 },
        { DIST_NORMAL, 0, 1, -INFINITY, -1, -1.5251352761609822, 0.4462036144747672 },
        { DIST_LOGNORMAL, 2, 0.6, 1, 5, 2.308468341385051, 0.9644659244067854 },
        { DIST_LOGNORMAL, 2, 0.6, 3, INFINITY, 4.506972812315321, 1.6530207863446305 },
        { DIST_BETA, 0.9, 0.05, 0.85, 0.95, 0.9056173208394918, 0.02700119414835674 },
        { DIST_BETA, 0.9, 0.05, 0.97, 1, 0.9776185239862579, 0.005734144827059994 },
        { DIST_GAMMA, 5, 2, 2, 8, 4.729134666838329, 1.4696585158489641 },
        { DIST_GAMMA, 5, 2, 9, INFINITY, 10.277866545719618, 1.215682583994598 },
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        dist_spec d = make_trunc(ref[i].f, ref[i].a, ref[i].b, ref[i].lo, ref[i].hi);
        validate_ok(&d);
        assert_near(dist_mean(&d), ref[i].mean, 1e-9 * fabs(ref[i].mean));
        assert_near(dist_sd(&d), ref[i].sd, 1e-8 * ref[i].sd);
    }
}

/* Shapes on which GSL 2.7's own gsl_cdf_{beta,gamma}_Pinv fail or err: the quantile
 * must be finite, monotone, inside the support, free of GSL errors, and invert the CDF
 * (|P(q) - u| <= 1e-9 where the CDF can resolve it). */
static int gsl_errors;
static void count_gsl_error(const char *reason, const char *file, int line, int err)
{
    (void)reason; (void)file; (void)line; (void)err;
    gsl_errors++;
}

static void test_hard_shapes(void **state)
{
    (void)state;
    static const struct { dist_family f; double a, b; int check_p; } hard[] = {
        { DIST_BETA, 1.0 / 301, 0.0033057, 1 },   /* ~ beta(1, 300) */
        { DIST_BETA, 0.03, 0.1, 1 },               /* alpha ~ 0.06 */
        { DIST_BETA, 0.999, 0.0001, 1 },           /* alpha + beta ~ 1e5 */
        { DIST_BETA, 0.5, 0.001, 1 },              /* alpha = beta = 125000 */
        { DIST_BETA, 0.99, 0.09, 0 },              /* beta ~ 0.002: mass within 1e-14 of 1 */
        { DIST_BETA, 0.5, 0.4999, 0 },             /* alpha = beta ~ 2e-4: two spikes */
        { DIST_GAMMA, 0.1, 0.3, 1 },               /* shape 0.11 */
        { DIST_GAMMA, 1, 0.01, 1 },                /* shape 1e4 */
        { DIST_PERT, 0, 0, 1 },                    /* pert(0, 0, 1e6) */
    };
    gsl_error_handler_t *old = gsl_set_error_handler(count_gsl_error);
    gsl_errors = 0;
    for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++) {
        dist_spec d = hard[i].f == DIST_PERT ? make(DIST_PERT, 0, 0, 1e6)
                                             : make(hard[i].f, hard[i].a, hard[i].b, 0);
        validate_ok(&d);
        double prev = -INFINITY;
        for (int k = -1; k <= 1001; k++) {
            double u = k == -1 ? 1e-12 : k == 1001 ? 1 - 1e-12 : k == 0 ? 1e-6 : k == 1000 ? 1 - 1e-6 : k / 1000.0;
            double q = dist_quantile(&d, u);
            if (!isfinite(q) || q < prev)
                fail_msg("case %zu: quantile(%g) = %.17g after %.17g", i, u, q, prev);
            prev = q;
            if (!hard[i].check_p || k < 1 || k > 999) continue;
            double p = d.family == DIST_GAMMA ? gsl_cdf_gamma_P(q, d.shape_a, d.shape_b)
                     : d.family == DIST_BETA ? gsl_cdf_beta_P(q, d.shape_a, d.shape_b)
                     : gsl_cdf_beta_P(q / 1e6, d.shape_a, d.shape_b);
            if (fabs(p - u) > 1e-9) fail_msg("case %zu: P(quantile(%g)) = %.12g", i, u, p);
        }
        if (d.family == DIST_BETA) assert_true(prev <= 1);
    }
    gsl_set_error_handler(old);
    assert_int_equal(gsl_errors, 0);
}

/* ---- statistical checks ---- */

typedef struct { double mean, sd, se_mean, se_sd; } sample_stats;

/* Sample mean and sd with their standard errors; se_sd from the sample fourth central
 * moment: Var(s^2) ~ (m4 - s^4)/n, and s = sqrt(s^2) divides that error by 2s. */
static sample_stats stats_of(const double *x, size_t n)
{
    sample_stats s;
    double m = 0, m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double e = (x[i] - m) * (x[i] - m);
        m2 += e;
        m4 += e * e;
    }
    m2 /= (double)n;
    m4 /= (double)n;
    s.mean = m;
    s.sd = sqrt(m2);
    s.se_mean = sqrt(m2 / (double)n);
    s.se_sd = s.sd > 0 ? sqrt(fmax(m4 - m2 * m2, 0) / (double)n) / (2 * s.sd) : 0;
    return s;
}

static void check_stats(const char *what, const dist_spec *d, const double *x, size_t n)
{
    sample_stats s = stats_of(x, n);
    double mean = dist_mean(d), sd = dist_sd(d);
    /* a floor of a few ulps for degenerate (constant) cases */
    double tol_m = KSE * s.se_mean + 1e-12 * fabs(mean);
    double tol_s = KSE * s.se_sd + 1e-12 * fabs(mean);
    if (fabs(s.mean - mean) > tol_m)
        fail_msg("%s %s: sample mean %.8g vs exact %.8g (tolerance %.3g)", what,
                 dist_family_name(d->family), s.mean, mean, tol_m);
    if (fabs(s.sd - sd) > tol_s)
        fail_msg("%s %s: sample sd %.8g vs exact %.8g (tolerance %.3g)", what,
                 dist_family_name(d->family), s.sd, sd, tol_s);
}

/* The test cases: every family, truncation in the lower and the upper half. */
static size_t all_cases(dist_spec *out)
{
    static double dv[] = { 3, 1, 2, 10 }, dw[] = { 0.2, 0.5, 0.25, 0.05 };
    size_t n = 0;
    out[n++] = make(DIST_CONSTANT, 7, 0, 0);
    out[n++] = make(DIST_NORMAL, 10, 2, 0);
    out[n++] = make_trunc(DIST_NORMAL, 10, 2, 9, 15);
    out[n++] = make_trunc(DIST_NORMAL, 0, 1, 2.5, INFINITY);
    out[n++] = make_trunc(DIST_NORMAL, 0, 1, -INFINITY, -1);
    out[n++] = make(DIST_LOGNORMAL, 2, 0.6, 0);
    out[n++] = make_trunc(DIST_LOGNORMAL, 2, 0.6, 1, 5);
    out[n++] = make_trunc(DIST_LOGNORMAL, 2, 0.6, 3, INFINITY);
    out[n++] = make(DIST_UNIFORM, 1, 3, 0);
    out[n++] = make(DIST_TRIANGULAR, 1, 2, 4);
    out[n++] = make(DIST_TRIANGULAR, 0, 0, 1);
    out[n++] = make(DIST_PERT, 1, 2, 4);
    out[n++] = make(DIST_PERT, 0, 1, 1);
    out[n++] = make(DIST_BETA, 0.9, 0.05, 0);
    out[n++] = make(DIST_BETA, 0.3, 0.4, 0);            /* U-shaped: alpha, beta < 1 */
    out[n++] = make_trunc(DIST_BETA, 0.9, 0.05, 0.85, 0.95);
    out[n++] = make_trunc(DIST_BETA, 0.9, 0.05, 0.97, 1);
    out[n++] = make(DIST_GAMMA, 5, 2, 0);
    out[n++] = make(DIST_GAMMA, 0.5, 1, 0);             /* shape 0.25 */
    out[n++] = make_trunc(DIST_GAMMA, 5, 2, 2, 8);
    out[n++] = make_trunc(DIST_GAMMA, 5, 2, 9, INFINITY);
    dist_spec d = make(DIST_DISCRETE, 0, 0, 0);
    d.n = 4;
    d.values = dv;
    d.weights = dw;
    out[n++] = d;
    return n;
}

#define MAXCASES 32

static void test_draw_moments(void **state)
{
    (void)state;
    dist_spec c[MAXCASES];
    size_t nc = all_cases(c);
    double *x = malloc(NSAMPLE * sizeof *x);
    gsl_rng *r = rng_alloc();
    assert_non_null(x);
    for (size_t k = 0; k < nc; k++) {
        validate_ok(&c[k]);
        rng_set_stream(r, 12345, rng_hash("test.draw"), k, 0);
        for (size_t i = 0; i < NSAMPLE; i++) x[i] = dist_draw(&c[k], r);
        check_stats("draw", &c[k], x, NSAMPLE);
    }
    gsl_rng_free(r);
    free(x);
}

static void test_quantile_moments(void **state)
{
    (void)state;
    dist_spec c[MAXCASES];
    size_t nc = all_cases(c);
    double *x = malloc(NSAMPLE * sizeof *x);
    assert_non_null(x);
    for (size_t k = 0; k < nc; k++) {
        validate_ok(&c[k]);
        for (size_t i = 0; i < NSAMPLE; i++)
            x[i] = dist_quantile(&c[k], rng_uniform_at(777, rng_hash("test.quantile"), i, k, 0));
        check_stats("quantile", &c[k], x, NSAMPLE);
    }
    free(x);
}

/* Quantiles never decrease in u and stay inside the truncation; draws too. */
static void test_monotone_and_bounds(void **state)
{
    (void)state;
    dist_spec c[MAXCASES];
    size_t nc = all_cases(c);
    gsl_rng *r = rng_alloc();
    for (size_t k = 0; k < nc; k++) {
        validate_ok(&c[k]);
        double prev = -INFINITY;
        for (int i = 1; i < 2000; i++) {
            double u = i / 2000.0, q = dist_quantile(&c[k], u);
            if (!(q >= prev))
                fail_msg("case %zu (%s): quantile(%g) = %.17g < %.17g", k,
                         dist_family_name(c[k].family), u, q, prev);
            assert_true(q >= c[k].lo && q <= c[k].hi);
            prev = q;
        }
        rng_set_stream(r, 9, 9, k, 0);
        for (int i = 0; i < 10000; i++) {
            double x = dist_draw(&c[k], r);
            assert_true(x >= c[k].lo && x <= c[k].hi);
        }
    }
    gsl_rng_free(r);
}

/* Discrete: sorted by value at validation, so the quantile is a step function. */
static void test_discrete(void **state)
{
    (void)state;
    double v[] = { 3, 1, 2 }, w[] = { 0.2, 0.5, 0.3 };
    dist_spec d = make(DIST_DISCRETE, 0, 0, 0), e;
    d.n = 3; d.values = v; d.weights = w;
    assert_int_equal(dist_copy(&e, &d), 0);
    assert_ptr_not_equal(e.values, v);
    validate_ok(&e);
    assert_near(e.values[0], 1, 0);
    assert_near(e.weights[0], 0.5, 0);
    assert_near(e.values[2], 3, 0);
    assert_near(e.weights[2], 0.2, 0);
    assert_near(dist_quantile(&e, 0.49), 1, 0);
    assert_near(dist_quantile(&e, 0.51), 2, 0);
    assert_near(dist_quantile(&e, 0.81), 3, 0);
    assert_near(dist_mean(&e), 0.5 + 0.6 + 0.6, 1e-12);
    assert_near(v[0], 3, 0);     /* the source was not touched */
    dist_clear(&e);
    assert_null(e.values);
    assert_null(e.weights);
    dist_clear(NULL);
}

/* A value listed twice is one value with the summed weight, whatever order the sort
 * leaves the ties in (fuzz_scenario: `check` printed [6, 6, 12] with its weights swapped,
 * which reloaded to another scenario). */
static void test_discrete_duplicates(void **state)
{
    (void)state;
    double v[] = { 12, 6, 6, 18 }, w[] = { 0.3, 0.25, 0.3, 0.15 };
    dist_spec d = make(DIST_DISCRETE, 0, 0, 0), e;
    d.n = 4; d.values = v; d.weights = w;
    assert_int_equal(dist_copy(&e, &d), 0);
    validate_ok(&e);
    assert_int_equal(e.n, 3);
    assert_near(e.values[0], 6, 0);
    assert_near(e.weights[0], 0.55, 1e-15);
    assert_near(e.values[1], 12, 0);
    assert_near(e.weights[1], 0.3, 0);
    assert_near(e.values[2], 18, 0);
    assert_near(dist_quantile(&e, 0.54), 6, 0);
    assert_near(dist_quantile(&e, 0.56), 12, 0);
    assert_near(dist_mean(&e), 6 * 0.55 + 12 * 0.3 + 18 * 0.15, 1e-12);
    dist_clear(&e);
}

/* ---- the family table ---- */

/* Every record is found by its enum and by its name, names are unique, and the record
 * has what the dispatch needs; unknown names and enums give NULL. */
static void test_table_lookup(void **state)
{
    (void)state;
    for (int f = 0; f < DIST_NFAMILIES; f++) {
        const dist_family_type *t = &dist_families[f];
        assert_non_null(t->name);
        assert_int_equal(t->family, f);
        assert_ptr_equal(dist_family_of((dist_family)f), t);
        assert_ptr_equal(dist_family_lookup(t->name), t);
        assert_string_equal(dist_family_name((dist_family)f), t->name);
        for (int g = 0; g < f; g++) assert_string_not_equal(dist_families[g].name, t->name);
        assert_true(t->np >= 0 && t->np <= 3);
        for (int i = 0; i < 3; i++) {
            if (i < t->np) assert_non_null(t->params[i]);
            else assert_null(t->params[i]);
        }
        assert_non_null(t->quantile);
        assert_non_null(t->draw);
        assert_non_null(t->moments);
        assert_non_null(t->support);
        if (t->truncatable) {
            assert_non_null(t->cdf);
            assert_non_null(t->truncated_moments);
            assert_non_null(t->usage);
        }
        if (t->usage) assert_non_null(strstr(t->usage, t->name));
    }
    assert_null(dist_family_lookup("weibull"));
    assert_null(dist_family_lookup("Normal"));
    assert_null(dist_family_lookup(""));
    assert_null(dist_family_lookup(NULL));
    assert_null(dist_family_of(DIST_NFAMILIES));
    assert_null(dist_family_of((dist_family)-1));
    assert_string_equal(dist_family_name(DIST_NFAMILIES), "unknown");
    /* only the constant has no {dist: ...} form: a scenario writes it as a number */
    assert_null(dist_families[DIST_CONSTANT].usage);
    for (int f = 0; f < DIST_NFAMILIES; f++)
        if (f != DIST_CONSTANT) assert_non_null(dist_families[f].usage);
}

/* Examples of each family in the table, by name: k = 0 untruncated, 1 truncated in the
 * lower half, 2 in the upper half (truncatable families only). Returns 0, or -1 when
 * there is no such example (a family added to the table without one here fails
 * test_table_agreement). */
static int table_example(const char *name, int k, dist_spec *d)
{
    static double dv[] = { 3, 1, 2, 10 }, dw[] = { 0.2, 0.5, 0.25, 0.05 };
    static const struct { const char *name; double p[3], lo[2], hi[2]; } ex[] = {
        { "constant", { 7 }, { 0 }, { 0 } },
        { "normal", { 10, 2 }, { 9, 11 }, { 15, 16 } },
        { "lognormal", { 2, 0.6 }, { 1, 3 }, { 5, 8 } },
        { "uniform", { 1, 3 }, { 0 }, { 0 } },
        { "triangular", { 1, 2, 4 }, { 0 }, { 0 } },
        { "pert", { 1, 2, 4 }, { 0 }, { 0 } },
        { "beta", { 0.9, 0.05 }, { 0.85, 0.92 }, { 0.95, 0.99 } },
        { "gamma", { 5, 2 }, { 2, 6 }, { 8, 12 } },
        { "discrete", { 0 }, { 0 }, { 0 } },
    };
    const dist_family_type *t = dist_family_lookup(name);
    if (!t || (k > 0 && !t->truncatable)) return -1;
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        if (strcmp(ex[i].name, name) != 0) continue;
        *d = make(t->family, ex[i].p[0], ex[i].p[1], ex[i].p[2]);
        if (k > 0) {
            d->lo = ex[i].lo[k - 1];
            d->hi = ex[i].hi[k - 1];
        }
        if (t->family == DIST_DISCRETE) {
            d->n = 4;
            d->values = dv;
            d->weights = dw;
        }
        return 0;
    }
    return -1;
}

#define GRID 20000   /* <= NSAMPLE: the grid's quantiles are kept in the draws' buffer */

/* For every family of the table (and its truncations): the mean and sd of the quantile
 * on a midpoint grid of GRID cells match the table's exact moments (mean within 2e-4
 * sd, sd within 3e-3 relative: the grid misses only the far tails); draws match them
 * within KSE standard errors; the untruncated cdf inverts the quantile (1e-9) and the
 * upper tails agree with 1 - cdf (1e-12); quantiles and draws stay inside dist_support,
 * and the cdf is 0 and 1 at the finite ends of the untruncated support. */
static void test_table_agreement(void **state)
{
    (void)state;
    double *x = malloc(NSAMPLE * sizeof *x);
    gsl_rng *r = rng_alloc();
    assert_non_null(x);
    for (int f = 0; f < DIST_NFAMILIES; f++) {
        const dist_family_type *t = &dist_families[f];
        for (int k = 0; k < 3; k++) {
            dist_spec d;
            if (table_example(t->name, k, &d) != 0) {
                if (k == 0 || t->truncatable) fail_msg("no example of %s (case %d)", t->name, k);
                continue;
            }
            validate_ok(&d);
            assert_int_equal(k > 0 ? d.cdf_lo > 0.5 : 0, k == 2);
            double mean = dist_mean(&d), sd = dist_sd(&d), lo, hi;
            dist_support(&d, &lo, &hi);
            double s1 = 0, s2 = 0;
            for (int i = 0; i < GRID; i++) {
                double q = x[i] = dist_quantile(&d, (i + 0.5) / GRID);
                if (!(q >= lo && q <= hi))
                    fail_msg("%s case %d: quantile %.17g outside [%g, %g]", t->name, k, q, lo, hi);
                s1 += q;
            }
            s1 /= GRID;
            for (int i = 0; i < GRID; i++) {
                double e = x[i] - s1;
                s2 += e * e;
            }
            double gsd = sqrt(s2 / GRID);
            if (!(fabs(s1 - mean) <= 2e-4 * sd + 1e-12 * fabs(mean)))
                fail_msg("%s case %d: mean of quantiles %.10g, table mean %.10g", t->name, k, s1, mean);
            if (!(fabs(gsd - sd) <= 3e-3 * sd))
                fail_msg("%s case %d: sd of quantiles %.10g, table sd %.10g", t->name, k, gsd, sd);
            rng_set_stream(r, 4242, rng_hash("test.table"), (uint64_t)f, (uint64_t)k);
            for (size_t i = 0; i < NSAMPLE; i++) {
                x[i] = dist_draw(&d, r);
                if (!(x[i] >= lo && x[i] <= hi))
                    fail_msg("%s case %d: draw %.17g outside [%g, %g]", t->name, k, x[i], lo, hi);
            }
            check_stats("table draw", &d, x, NSAMPLE);
            if (k > 0 || !t->cdf) continue;
            for (int i = 1; i < 100; i++) {
                double u = i / 100.0, q = t->quantile(&d, u);
                assert_near(t->cdf(&d, q), u, 1e-9);
                if (t->cdf_upper) assert_near(t->cdf_upper(&d, q), 1 - t->cdf(&d, q), 1e-12);
                if (t->quantile_upper)
                    assert_near(t->quantile_upper(&d, 1 - u), q, 1e-9 * (1 + fabs(q)));
            }
            t->support(&d, &lo, &hi);
            if (isfinite(lo)) assert_near(t->cdf(&d, lo), 0, 0);
            if (isfinite(hi)) assert_near(t->cdf(&d, hi), 1, 0);
        }
    }
    gsl_rng_free(r);
    free(x);
}

/* ---- validation messages ---- */

typedef struct { dist_spec d; const char *msg; } bad_case;

static void expect_error(dist_spec d, const char *want)
{
    char msg[256];
    assert_int_equal(dist_validate(&d, msg, sizeof msg), -1);
    assert_string_equal(msg, want);
}

static void test_validation(void **state)
{
    (void)state;
    expect_error(make(DIST_NORMAL, 1, 0, 0), "sd is 0 (expected sd > 0)");
    expect_error(make(DIST_NORMAL, NAN, 1, 0), "mean is nan (expected a finite number)");
    expect_error(make(DIST_LOGNORMAL, 0, 1, 0), "median is 0 (expected median > 0)");
    expect_error(make(DIST_LOGNORMAL, 2, -0.1, 0), "sigma is -0.1 (expected sigma > 0)");
    expect_error(make(DIST_UNIFORM, 3, 3, 0), "min 3 is not below max 3 (expected min < max)");
    expect_error(make(DIST_TRIANGULAR, 1, 5, 4),
                 "mode 5 is outside [1, 4] (expected min <= mode <= max)");
    expect_error(make(DIST_PERT, 2, 2, 2), "min 2 is not below max 2 (expected min < max)");
    expect_error(make(DIST_PERT, 1, INFINITY, 2), "mode is inf (expected a finite number)");
    expect_error(make(DIST_BETA, 1.2, 0.1, 0), "mean is 1.2 (expected 0 < mean < 1 for beta)");
    expect_error(make(DIST_BETA, 0.5, 0.5, 0),
                 "sd 0.5 is too large for mean 0.5 (expected sd^2 < mean * (1 - mean) = 0.25)");
    expect_error(make(DIST_GAMMA, -1, 1, 0), "mean is -1 (expected mean > 0 for gamma)");
    expect_error(make(DIST_GAMMA, 1, -1, 0), "sd is -1 (expected sd > 0)");
    expect_error(make(DIST_GAMMA, 1000, 1, 0), "sd 1 is too small for mean 1000 (expected "
                 "(mean / sd)^2 <= 100000 for gamma; a normal fits one this narrow)");
    expect_error(make(DIST_BETA, 0.5, 1e-4, 0), "sd 0.0001 is too small for mean 0.5 (expected "
                 "mean * (1 - mean) / sd^2 <= 1e+06 for beta; a normal fits one this narrow)");
    expect_error(make_trunc(DIST_NORMAL, 0, 1, 2, 1),
                 "truncation min 2 is not below max 1 (expected min < max)");
    expect_error(make_trunc(DIST_BETA, 0.5, 0.1, 1.5, 2),
                 "truncation [1.5, 2] has probability 0 under beta (expected an interval "
                 "where the distribution has mass)");
    expect_error(make_trunc(DIST_LOGNORMAL, 2, 0.5, -5, 0),
                 "truncation [-5, 0] has probability 0 under lognormal (expected an "
                 "interval where the distribution has mass)");
    /* a zero-initialised truncation (lo = hi = 0) is caught, not silently used */
    expect_error(make_trunc(DIST_GAMMA, 1, 1, 0, 0),
                 "truncation min 0 is not below max 0 (expected min < max)");
    expect_error(make(DIST_NFAMILIES, 0, 0, 0),
                 "unknown distribution family 9 (expected one of constant, normal, lognormal, "
                 "uniform, triangular, pert, beta, gamma, discrete)");

    double v[] = { 1, 2 }, w[] = { 0.5, 0.6 }, wn[] = { 1.5, -0.5 };
    dist_spec d = make(DIST_DISCRETE, 0, 0, 0);
    expect_error(d, "discrete has no values (expected at least one value with its weight)");
    d.n = 2; d.values = v; d.weights = w;
    expect_error(d, "weights sum to 1.1 (expected a sum of 1)");
    d.weights = wn;
    expect_error(d, "weight 1 is -0.5 (expected weights >= 0)");
}

/* Mode on an end and weights off by < 1e-9 are accepted; lo/hi of families without
 * truncation are reset to the whole line. */
static void test_validation_edges(void **state)
{
    (void)state;
    dist_spec t = make(DIST_TRIANGULAR, 0, 0, 1);
    t.lo = 0; t.hi = 0;
    validate_ok(&t);
    assert_true(t.lo == -INFINITY && t.hi == INFINITY);
    double v[] = { 1, 2 }, w[] = { 0.5, 0.5 + 5e-10 };
    dist_spec d = make(DIST_DISCRETE, 0, 0, 0);
    d.n = 2; d.values = v; d.weights = w;
    validate_ok(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_names),
        cmocka_unit_test(test_derived_shapes),
        cmocka_unit_test(test_known_quantiles),
        cmocka_unit_test(test_truncated_known),
        cmocka_unit_test(test_truncated_reference),
        cmocka_unit_test(test_hard_shapes),
        cmocka_unit_test(test_draw_moments),
        cmocka_unit_test(test_quantile_moments),
        cmocka_unit_test(test_monotone_and_bounds),
        cmocka_unit_test(test_discrete),
        cmocka_unit_test(test_discrete_duplicates),
        cmocka_unit_test(test_table_lookup),
        cmocka_unit_test(test_table_agreement),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_validation_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
