/*
 * test_dist_forms: distributions written by a range (sim/scenario/dist_forms.c, through
 * the loader) and what `capsim check` prints of them (scenario_print.c).
 *
 * normal by p10/p90: mean (p10 + p90) / 2, sd (p90 - p10) / (2 z90), z90 = 1.2815515655446004;
 * beta by p10/p90: Beta(1, 1) (uniform) has p10 0.1 and p90 0.9, so mean 1/2, sd
 * sqrt(1/12); Beta(2, 5) round-trips through its GSL percentiles to mean 2/7 and sd
 * sqrt(10 / (49 x 8)). Errors at file:line:col. The printed P5/P50/P95 of a standard
 * N(10, 1) are 10 -+ 1.64485; the yearly floors of a min_spend over 18 months are 12/18
 * and 6/18 of usd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/dist_forms.h"
#include "loader_fixture.h"

#define Z90 1.2815515655446004

#define assert_near(a, b, tol) do { \
        double a_ = (a), b_ = (b); \
        if (!(fabs(a_ - b_) <= (tol))) \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, (double)(tol)); \
    } while (0)

/* A scenario whose one demand segment's growth is `growth` (a flow mapping). */
static char *with_growth(const char *growth)
{
    static const char *const fmt =
        "scenario: { name: t, start: 2026-01, months: 18 }\n"
        "chips: { h100: { h100e: 1, kw: 1, life_months: 60 } }\n"
        "clouds: { a: {} }\n"
        "demand:\n"
        "  - { name: s, start_h100e: 100, growth: %s, chips: { h100: 1 } }\n"
        "contracts:\n"
        "  - { name: c, cloud: a, from: 2026-01, to: 2027-06, billing: reserved, price: { h100: 2 },\n"
        "      capacity: [ { chip: h100, count: 10, online: 2026-01 } ],\n"
        "      min_spend: { usd: 1.8e9, period: year } }\n";
    size_t n = strlen(fmt) + strlen(growth) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, fmt, growth);
    return s;
}

static const dist_spec *growth_of(const scenario *sc)
{
    param g = sc->segments[0].growth;
    assert_true(g.idx >= 0);
    return &sc->uncertain[g.idx].dist;
}

static void test_normal_by_p10_p90(void **state)
{
    (void)state;
    char *y = with_growth("{dist: normal, p10: 1.5, p90: 2.5, min: 0.1}");
    loaded r = load(y, NULL, 0);
    if (!r.sc) fail_msg("%s", r.errs);
    const dist_spec *d = growth_of(r.sc);
    assert_int_equal(d->family, DIST_NORMAL);
    assert_near(d->p[0], 2.0, 1e-15);
    assert_near(d->p[1], 0.5 / Z90, 1e-15);           /* 0.39015207303618955 */
    assert_near(d->p[1], 0.39015207303618955, 1e-15);
    scenario_free(r.sc);
    free(r.errs);
    free(y);
}

static void test_beta_by_p10_p90(void **state)
{
    (void)state;
    double a, b;
    assert_int_equal(dist_forms_beta_by_p10_p90(0.1, 0.9, &a, &b), 0);   /* the uniform */
    assert_near(a, 1.0, 1e-9);
    assert_near(b, 1.0, 1e-9);
    double p10 = gsl_cdf_beta_Pinv(0.1, 2, 5), p90 = gsl_cdf_beta_Pinv(0.9, 2, 5);
    assert_int_equal(dist_forms_beta_by_p10_p90(p10, p90, &a, &b), 0);
    assert_near(a, 2.0, 1e-8);
    assert_near(b, 5.0, 1e-8);
    /* through the loader: mean and sd, as the beta family holds it */
    char *y = with_growth("{dist: beta, p10: 0.1, p90: 0.9}");
    loaded r = load(y, NULL, 0);
    if (!r.sc) fail_msg("%s", r.errs);
    const dist_spec *d = growth_of(r.sc);
    assert_int_equal(d->family, DIST_BETA);
    assert_near(d->p[0], 0.5, 1e-10);
    assert_near(d->p[1], sqrt(1.0 / 12), 1e-10);
    assert_near(dist_quantile(d, 0.1), 0.1, 1e-9);
    assert_near(dist_quantile(d, 0.9), 0.9, 1e-9);
    scenario_free(r.sc);
    free(r.errs);
    free(y);
    char text[128];
    snprintf(text, sizeof text, "{dist: beta, p10: %.17g, p90: %.17g}", p10, p90);
    y = with_growth(text);
    r = load(y, NULL, 0);
    if (!r.sc) fail_msg("%s", r.errs);
    d = growth_of(r.sc);
    assert_near(d->p[0], 2.0 / 7, 1e-9);
    assert_near(d->p[1], sqrt(10.0 / (49 * 8)), 1e-9);
    scenario_free(r.sc);
    free(r.errs);
    free(y);
}

/* Each bad form: exactly one error line, at the distribution's mapping (line 5, column 42). */
static void test_errors(void **state)
{
    (void)state;
    static const struct { const char *growth, *msg; } cases[] = {
        { "{dist: normal, p10: 2, p90: 2}", "p10 2 and p90 2 (expected p10 < p90)" },
        { "{dist: beta, p10: 0.2, p90: 1.5}", "p10 0.2 and p90 1.5 (expected 0 < p10 < p90 < 1)" },
        { "{dist: beta, p10: 0, p90: 0.5}", "p10 0 and p90 0.5 (expected 0 < p10 < p90 < 1)" },
        { "{dist: normal, mean: 2, p10: 1, p90: 3}",
          "normal takes one pair: mean and sd, or p10 and p90 (found mean, p10, p90)" },
        { "{dist: beta, p90: 0.5}",
          "beta needs 'p10' and 'p90' together (expected {dist: beta, mean: M, sd: S, min?: A, max?: B})" },
        { "{dist: lognormal, p10: 3, p90: 1}", "p10 3 and p90 1 (expected 0 < p10 < p90)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *y = with_growth(cases[i].growth);
        loaded r = load(y, NULL, 0);
        char want[512];
        snprintf(want, sizeof want, "t.yaml:5:42: demand.s.growth: %s\n", cases[i].msg);
        assert_null(r.sc);
        assert_string_equal(r.errs, want);
        free(r.errs);
        free(y);
    }
}

static void test_check_prints_percentiles_and_floors(void **state)
{
    (void)state;
    char *y = with_growth("{dist: normal, mean: 10, sd: 1, min: 0.1}");
    loaded r = load(y, NULL, 0);
    if (!r.sc) fail_msg("%s", r.errs);
    char *out = print_to_string(r.sc);
    /* min 0.1 truncates 9.9 sd below the mean: to 6 digits the moments and percentiles
     * are those of N(10, 1), 10 -+ 1.6448536 */
    assert_non_null(strstr(out, "    growth: {dist: normal, mean: 10, sd: 1, min: 0.1}   # sampled once per path: "
                                "mean 10, sd 1; P5 8.35515, P50 10, P95 11.6449\n"));
    assert_non_null(strstr(out, "#   [0] demand.s.growth: {dist: normal, mean: 10, sd: 1, min: 0.1}: mean 10, sd 1; "
                                "P5 8.35515, P50 10, P95 11.6449\n"));
    /* 18 months: a full year (12/18 of 1.8e9) and a pro-rated half (6/18) */
    assert_non_null(strstr(out, "      # yearly floors: 2026-01..2026-12 1.2e+09, 2027-01..2027-06 6e+08\n"));
    free(out);
    scenario_free(r.sc);
    free(r.errs);
    free(y);
    /* a distribution as usd: the floors of its mean, with P5 to P95 */
    const char *const set[] = { "contracts.c.min_spend.usd={dist: uniform, min: 0, max: 3.6e9}" };
    y = with_growth("2");
    r = load(y, set, 1);
    if (!r.sc) fail_msg("%s", r.errs);
    out = print_to_string(r.sc);
    assert_non_null(strstr(out, "      # yearly floors (of the mean usd; P5 to P95 in brackets): "
                                "2026-01..2026-12 1.2e+09 [1.2e+08, 2.28e+09], 2027-01..2027-06 6e+08 [6e+07, 1.14e+09]\n"));
    assert_reprints_to_itself(out);
    scenario_free(r.sc);
    free(r.errs);
    free(y);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_by_p10_p90),
        cmocka_unit_test(test_beta_by_p10_p90),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_check_prints_percentiles_and_floors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
