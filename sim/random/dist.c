/*
 * dist: the distributions of scenario fields (README, "Scenario files"; docs/MODEL.md 7), on top of GSL.
 *
 * Each family is a set of static functions and one record in dist_families[] (near the
 * end of the file) that names them; the public functions dispatch through the record
 * and add what all families share: the finite-parameter check, truncation, the
 * infinite ends of the CDF.
 *
 * Invariants after dist_validate() returns 0:
 *   - every parameter is finite and inside its family's domain;
 *   - shape_a/shape_b hold the family's GSL parameters (lognormal: mu = ln median,
 *     sigma; beta and PERT: alpha, beta; gamma: shape, scale);
 *   - for the truncatable families (normal, lognormal, beta, gamma), lo < hi and the
 *     truncated interval has positive probability; cdf_lo/cdf_hi are the untruncated
 *     CDF there;
 *   - the other families ignore lo/hi (their bounds are their parameters): validate
 *     resets them to -inf/+inf and cdf_lo/cdf_hi to 0/1;
 *   - discrete values are sorted ascending (weights follow; a value listed twice becomes
 *     one with the summed weight), so that the quantile is
 *     monotone: LHS strata and copula ranks then mean what they should.
 *
 * Truncated quantiles work on the lower-tail CDF, or on the upper-tail (Q) functions
 * when the interval lies in the upper half, so that a far-tail interval keeps its
 * precision (1 - P loses everything beyond 1e-16).
 */
#include "dist.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sort_double.h>

/* The record of a spec whose family is known to be valid (validated, or checked by the
 * caller). */
static const dist_family_type *family(const dist_spec *d)
{
    return &dist_families[d->family];
}

/* ---- what all families share: CDF ends, tails, truncation ---- */

static double base_P(const dist_spec *d, double x)
{
    if (x == -INFINITY) return 0.0;
    if (x == INFINITY) return 1.0;
    const dist_family_type *t = family(d);
    return t->cdf ? t->cdf(d, x) : NAN;
}

/* Upper tail 1 - P(x), computed directly where the family can (no cancellation). */
static double base_Q(const dist_spec *d, double x)
{
    if (x == -INFINITY) return 1.0;
    if (x == INFINITY) return 0.0;
    const dist_family_type *t = family(d);
    return t->cdf_upper ? t->cdf_upper(d, x) : 1.0 - base_P(d, x);
}

static double base_Pinv(const dist_spec *d, double p)
{
    return family(d)->quantile(d, p);
}

/* Only reached for the truncatable families (upper-half intervals). */
static double base_Qinv(const dist_spec *d, double q)
{
    const dist_family_type *t = family(d);
    return t->quantile_upper ? t->quantile_upper(d, q) : base_Pinv(d, 1.0 - q);
}

/* Is [lo, hi] in the upper half, where the Q functions keep the precision? */
static int upper_half(const dist_spec *d)
{
    return d->cdf_lo > 0.5;
}

/* P(a < X < b) of the untruncated distribution, from whichever tail is precise. */
static double interval_prob(const dist_spec *d, double a, double b)
{
    if (base_P(d, a) > 0.5) return base_Q(d, a) - base_Q(d, b);
    return base_P(d, b) - base_P(d, a);
}

static int truncated(const dist_spec *d)
{
    return d->lo > -INFINITY || d->hi < INFINITY;
}

static double truncated_quantile(const dist_spec *d, double u)
{
    double x;
    if (upper_half(d)) {
        double qlo = base_Q(d, d->lo), qhi = base_Q(d, d->hi);
        x = base_Qinv(d, qlo - u * (qlo - qhi));
    } else {
        x = base_Pinv(d, d->cdf_lo + u * (d->cdf_hi - d->cdf_lo));
    }
    /* the inverse is exact only to rounding: keep the result inside the bounds */
    return x < d->lo ? d->lo : x > d->hi ? d->hi : x;
}

/* ---- beta and gamma inverse CDFs ----
 *
 * GSL 2.7's gsl_cdf_beta_Pinv and gsl_cdf_gamma_Pinv fail ("inverse failed to
 * converge", NaN through the error handler) or return wrong values on ordinary
 * parameters, such as beta(1, 300), gamma shape 0.1 or beta with b = 0.01. So the
 * inverse is a bracketed Brent root (gsl_root_fsolver_brent) of GSL's CDF, solved on
 * log x (gamma) or logit x (beta) so that tails of 1e-300 cost no more than the
 * middle. A target in the upper half is solved on the Q function to keep its
 * precision. GSL's CDFs themselves hold (error in P < 1e-6, no GSL error) for gamma
 * shape <= 1e5 and beta alpha + beta <= 1e6: dist_validate admits no narrower gamma
 * or beta (a normal fits those). */
#define GAMMA_SHAPE_MAX 1e5
#define BETA_NU_MAX 1e6
#define T_MIN (-740.0)   /* exp(T_MIN) is still a (subnormal) double */
#define T_MAX_LOG 709.0  /* log of the largest double */
#define T_MAX_LOGIT 40.0 /* logistic(40) rounds to 1 */

typedef struct {
    int beta;             /* beta on logit x, else gamma (unit scale) on log x */
    double a, b;          /* beta alpha, beta; gamma shape in a */
    double target;
    int upper;            /* solve Q(x) = target instead of P(x) = target */
} inv_problem;

static double inv_x(const inv_problem *ip, double t)
{
    return ip->beta ? 1 / (1 + exp(-t)) : exp(t);
}

/* Beta P or Q at logit t. Above 1/2 the CDF is taken on y = 1 - x = logistic(-t),
 * which keeps its precision where x itself is within a few ulps of 1. */
static double beta_tail_at(const inv_problem *ip, double t)
{
    if (t > 0) {
        double y = 1 / (1 + exp(t));
        return ip->upper ? gsl_cdf_beta_P(y, ip->b, ip->a) : gsl_cdf_beta_Q(y, ip->b, ip->a);
    }
    double x = 1 / (1 + exp(-t));
    return ip->upper ? gsl_cdf_beta_Q(x, ip->a, ip->b) : gsl_cdf_beta_P(x, ip->a, ip->b);
}

/* Increasing in t, zero at the quantile. */
static double inv_f(double t, void *vp)
{
    const inv_problem *ip = vp;
    double c = ip->beta ? beta_tail_at(ip, t)
             : ip->upper ? gsl_cdf_gamma_Q(exp(t), ip->a, 1) : gsl_cdf_gamma_P(exp(t), ip->a, 1);
    return ip->upper ? ip->target - c : c - ip->target;
}

/* A starting point from the normal approximation (Wilson-Hilferty for gamma; small
 * shapes from P(x) ~ x^k / Gamma(k+1) near 0), and in *h a half-width for the first
 * bracket of about three sd of t. Only speed depends on them. */
static double inv_start(const inv_problem *ip, double *h)
{
    double p = ip->upper ? 1 - ip->target : ip->target;
    double z = gsl_cdf_ugaussian_Pinv(p < 1e-300 ? 1e-300 : p > 1 - 1e-16 ? 1 - 1e-16 : p);
    if (ip->beta) {
        double n = ip->a + ip->b, m = ip->a / n, sd = sqrt(m * (1 - m) / (n + 1));
        double x = m + z * sd;
        x = x < 1e-6 ? 1e-6 : x > 1 - 1e-6 ? 1 - 1e-6 : x;
        *h = fmin(0.5, 3 * sd / (x * (1 - x)));
        return log(x / (1 - x));
    }
    double c = 1 / (9 * ip->a), w = 1 - c + z * sqrt(c);
    *h = fmin(0.5, 3 / sqrt(ip->a));
    if (w > 0.2) return log(ip->a) + 3 * log(w);
    return (log(p) + gsl_sf_lngamma(ip->a + 1)) / ip->a;
}

/* Quantile of the standard beta or unit-scale gamma for ip; 0 or the top of the range
 * when the target lies beyond what a double can resolve. */
static double inv_solve(inv_problem *ip)
{
    double tmax = ip->beta ? T_MAX_LOGIT : T_MAX_LOG;
    gsl_function fn = { inv_f, ip };
    double h, t0 = inv_start(ip, &h), lo = t0 - h, hi = t0 + h, step = 2 * h;
    if (lo < T_MIN) lo = T_MIN;
    if (hi > tmax) hi = tmax;
    while (inv_f(lo, ip) > 0) {
        if (lo <= T_MIN) return 0;
        hi = lo;
        lo = lo - step < T_MIN ? T_MIN : lo - step;
        step *= 2;
    }
    while (inv_f(hi, ip) < 0) {
        if (hi >= tmax) return inv_x(ip, tmax);
        lo = hi;
        hi = hi + step > tmax ? tmax : hi + step;
        step *= 2;
    }
    /* GSL's Brent solver with its state on the stack: gsl_root_fsolver_alloc would
     * malloc twice per quantile, and the sampler takes one per path and value. The
     * solver struct is GSL's public one; the state is the size the type gives. */
    union { max_align_t align; char bytes[256]; } state;
    if (gsl_root_fsolver_brent->size > sizeof state) return NAN;
    gsl_root_fsolver solver = { .type = gsl_root_fsolver_brent, .state = &state }, *s = &solver;
    gsl_root_fsolver_set(s, &fn, lo, hi);
    /* 1e-13 in log or logit x is 1e-13 relative in x (near 1, in 1 - x) */
    for (int it = 0; it < 200; it++) {
        gsl_root_fsolver_iterate(s);
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 1e-13, 0) == GSL_SUCCESS) break;
    }
    return inv_x(ip, gsl_root_fsolver_root(s));
}

static double beta_inv(double a, double b, double target, int upper)
{
    if (target <= 0) return upper ? 1 : 0;
    if (target >= 1) return upper ? 0 : 1;
    inv_problem ip = { 1, a, b, target, upper };
    return inv_solve(&ip);
}

static double gamma_inv(double k, double scale, double target, int upper)
{
    if (target <= 0) return upper ? INFINITY : 0;
    if (target >= 1) return upper ? 0 : INFINITY;
    inv_problem ip = { 0, k, 0, target, upper };
    return scale * inv_solve(&ip);
}

/* ---- pieces several families share ---- */

#define FAIL(...) do { snprintf(msg, msglen, __VA_ARGS__); return -1; } while (0)

static int check_sd(const dist_spec *d, char *msg, size_t msglen)
{
    if (!(d->p[1] > 0)) FAIL("sd is %g (expected sd > 0)", d->p[1]);
    return 0;
}

/* min <= mode <= max with min < max: a degenerate range has no density, and a mode on
 * an end is a legitimate (one-sided) shape. */
static int check_min_mode_max(const dist_spec *d, char *msg, size_t msglen)
{
    if (!(d->p[0] < d->p[2]))
        FAIL("min %g is not below max %g (expected min < max)", d->p[0], d->p[2]);
    if (d->p[1] < d->p[0] || d->p[1] > d->p[2])
        FAIL("mode %g is outside [%g, %g] (expected min <= mode <= max)", d->p[1], d->p[0], d->p[2]);
    return 0;
}

/* Families parameterised by their own mean and sd (normal, beta, gamma). */
static void mean_sd_moments(const dist_spec *d, double *mean, double *var)
{
    double a = d->p[0], c = d->p[1];
    *mean = a;
    *var = c * c;
}

/* From E[X] and E[X^2]; the variance is clamped at 0 against rounding on a very
 * narrow interval. */
static void from_raw(double m1, double m2, double *mean, double *var)
{
    *mean = m1;
    *var = m2 - m1 * m1;
    if (*var < 0) *var = 0;
}

/* No GSL sampler (triangular), or one that needs a table the spec cannot hold
 * (gsl_ran_discrete): the inverse CDF of one uniform. */
static double draw_by_inversion(const dist_spec *d, gsl_rng *rng)
{
    return dist_quantile(d, gsl_rng_uniform_pos(rng));
}

static void whole_line(const dist_spec *d, double *lo, double *hi)
{
    (void)d;
    *lo = -INFINITY;
    *hi = INFINITY;
}

static void positive_half_line(const dist_spec *d, double *lo, double *hi)
{
    (void)d;
    *lo = 0.0;
    *hi = INFINITY;
}

/* ---- constant: p = value ---- */

static double constant_quantile(const dist_spec *d, double u)
{
    (void)u;
    return d->p[0];
}

static double constant_draw(const dist_spec *d, gsl_rng *rng)
{
    (void)rng;
    return d->p[0];
}

static void constant_moments(const dist_spec *d, double *mean, double *var)
{
    *mean = d->p[0];
    *var = 0;
}

static void constant_support(const dist_spec *d, double *lo, double *hi)
{
    *lo = *hi = d->p[0];
}

/* ---- normal: p = mean, sd ---- */

static int normal_validate(dist_spec *d, char *msg, size_t msglen)
{
    return check_sd(d, msg, msglen);
}

static double normal_P(const dist_spec *d, double x)
{
    return gsl_cdf_gaussian_P(x - d->p[0], d->p[1]);
}

static double normal_Q(const dist_spec *d, double x)
{
    return gsl_cdf_gaussian_Q(x - d->p[0], d->p[1]);
}

static double normal_Pinv(const dist_spec *d, double p)
{
    return d->p[0] + gsl_cdf_gaussian_Pinv(p, d->p[1]);
}

static double normal_Qinv(const dist_spec *d, double q)
{
    return d->p[0] + gsl_cdf_gaussian_Qinv(q, d->p[1]);
}

static double normal_draw(const dist_spec *d, gsl_rng *rng)
{
    return d->p[0] + gsl_ran_gaussian_ziggurat(rng, d->p[1]);
}

/* Truncated normal: the classic closed form in the standardised bounds. */
static void normal_truncated_moments(const dist_spec *d, double *mean, double *var)
{
    double mu = d->p[0], s = d->p[1];
    double a = (d->lo - mu) / s, b = (d->hi - mu) / s;
    double pa = isfinite(a) ? gsl_ran_ugaussian_pdf(a) : 0, pb = isfinite(b) ? gsl_ran_ugaussian_pdf(b) : 0;
    double apa = isfinite(a) ? a * pa : 0, bpb = isfinite(b) ? b * pb : 0;
    double z = a > 0 ? gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(b)
                     : gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a);
    double r = (pa - pb) / z;
    *var = s * s * (1 + (apa - bpb) / z - r * r);
    *mean = mu + s * r;
}

/* ---- lognormal: p = median, sigma (of log); shape_a = mu = ln median, shape_b = sigma ---- */

static int lognormal_validate(dist_spec *d, char *msg, size_t msglen)
{
    if (!(d->p[0] > 0)) FAIL("median is %g (expected median > 0)", d->p[0]);
    if (!(d->p[1] > 0)) FAIL("sigma is %g (expected sigma > 0)", d->p[1]);
    d->shape_a = log(d->p[0]);
    d->shape_b = d->p[1];
    return 0;
}

static double lognormal_P(const dist_spec *d, double x)
{
    return x <= 0 ? 0.0 : gsl_cdf_lognormal_P(x, d->shape_a, d->shape_b);
}

static double lognormal_Q(const dist_spec *d, double x)
{
    return x <= 0 ? 1.0 : gsl_cdf_lognormal_Q(x, d->shape_a, d->shape_b);
}

static double lognormal_Pinv(const dist_spec *d, double p)
{
    return gsl_cdf_lognormal_Pinv(p, d->shape_a, d->shape_b);
}

static double lognormal_Qinv(const dist_spec *d, double q)
{
    return gsl_cdf_lognormal_Qinv(q, d->shape_a, d->shape_b);
}

static double lognormal_draw(const dist_spec *d, gsl_rng *rng)
{
    return gsl_ran_lognormal(rng, d->shape_a, d->shape_b);
}

static void lognormal_moments(const dist_spec *d, double *mean, double *var)
{
    double al = d->shape_a, be = d->shape_b;
    *mean = exp(al + be * be / 2);
    *var = expm1(be * be) * exp(2 * al + be * be);
}

/* Truncated lognormal: E[X^k; a<X<b] = exp(k mu + k^2 s^2/2) * P(a<Y<b), Y lognormal
 * with mu + k s^2. */
static void lognormal_truncated_moments(const dist_spec *d, double *mean, double *var)
{
    double mu = d->shape_a, s = d->shape_b;
    double z = interval_prob(d, d->lo, d->hi);
    dist_spec t = *d;
    t.shape_a = mu + s * s;
    double m1 = exp(mu + s * s / 2) * interval_prob(&t, d->lo, d->hi) / z;
    t.shape_a = mu + 2 * s * s;
    double m2 = exp(2 * mu + 2 * s * s) * interval_prob(&t, d->lo, d->hi) / z;
    from_raw(m1, m2, mean, var);
}

/* ---- uniform: p = min, max ---- */

static int uniform_validate(dist_spec *d, char *msg, size_t msglen)
{
    if (!(d->p[0] < d->p[1]))
        FAIL("min %g is not below max %g (expected min < max)", d->p[0], d->p[1]);
    return 0;
}

static double uniform_P(const dist_spec *d, double x)
{
    return gsl_cdf_flat_P(x, d->p[0], d->p[1]);
}

static double uniform_Pinv(const dist_spec *d, double p)
{
    return gsl_cdf_flat_Pinv(p, d->p[0], d->p[1]);
}

static double uniform_draw(const dist_spec *d, gsl_rng *rng)
{
    return gsl_ran_flat(rng, d->p[0], d->p[1]);
}

static void uniform_moments(const dist_spec *d, double *mean, double *var)
{
    double a = d->p[0], c = d->p[1];
    *mean = (a + c) / 2;
    *var = (c - a) * (c - a) / 12;
}

static void uniform_support(const dist_spec *d, double *lo, double *hi)
{
    *lo = d->p[0];
    *hi = d->p[1];
}

/* ---- triangular: p = min, mode, max (closed form: GSL has no triangular) ---- */

static int triangular_validate(dist_spec *d, char *msg, size_t msglen)
{
    return check_min_mode_max(d, msg, msglen);
}

static double triangular_P(const dist_spec *d, double x)
{
    double a = d->p[0], c = d->p[1], b = d->p[2];
    if (x <= a) return 0.0;
    if (x >= b) return 1.0;
    if (x <= c) return (x - a) * (x - a) / ((b - a) * (c - a));
    return 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
}

static double triangular_Pinv(const dist_spec *d, double u)
{
    double a = d->p[0], c = d->p[1], b = d->p[2];
    double fc = (c - a) / (b - a);
    if (u < fc) return a + sqrt(u * (b - a) * (c - a));
    return b - sqrt((1.0 - u) * (b - a) * (b - c));
}

static void triangular_moments(const dist_spec *d, double *mean, double *var)
{
    double a = d->p[0], c = d->p[1], b = d->p[2];
    *mean = (a + b + c) / 3;
    *var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
}

/* Triangular and PERT: between min and max. */
static void min_to_max(const dist_spec *d, double *lo, double *hi)
{
    *lo = d->p[0];
    *hi = d->p[2];
}

/* ---- PERT: p = min, mode, max; a beta on [min, max] with lambda = 4 ---- */

static int pert_validate(dist_spec *d, char *msg, size_t msglen)
{
    if (check_min_mode_max(d, msg, msglen)) return -1;
    d->shape_a = 1 + 4 * (d->p[1] - d->p[0]) / (d->p[2] - d->p[0]);
    d->shape_b = 1 + 4 * (d->p[2] - d->p[1]) / (d->p[2] - d->p[0]);
    return 0;
}

static double pert_P(const dist_spec *d, double x)
{
    return gsl_cdf_beta_P((x - d->p[0]) / (d->p[2] - d->p[0]), d->shape_a, d->shape_b);
}

static double pert_Pinv(const dist_spec *d, double p)
{
    return d->p[0] + (d->p[2] - d->p[0]) * beta_inv(d->shape_a, d->shape_b, p, 0);
}

static double pert_pdf(const dist_spec *d, double x)
{
    double w = d->p[2] - d->p[0];
    return gsl_ran_beta_pdf((x - d->p[0]) / w, d->shape_a, d->shape_b) / w;
}

static double pert_draw(const dist_spec *d, gsl_rng *rng)
{
    return d->p[0] + (d->p[2] - d->p[0]) * gsl_ran_beta(rng, d->shape_a, d->shape_b);
}

static void pert_moments(const dist_spec *d, double *mean, double *var)
{
    double a = d->p[0], b = d->p[2];
    double al = d->shape_a, be = d->shape_b;
    *mean = a + (b - a) * al / (al + be);
    *var = (b - a) * (b - a) * al * be / ((al + be) * (al + be) * (al + be + 1));
}

/* ---- beta: p = mean, sd on [0, 1]; shape_a, shape_b = alpha, beta ---- */

static int beta_validate(dist_spec *d, char *msg, size_t msglen)
{
    if (check_sd(d, msg, msglen)) return -1;
    double m = d->p[0], v = d->p[1] * d->p[1];
    if (!(m > 0 && m < 1)) FAIL("mean is %g (expected 0 < mean < 1 for beta)", m);
    if (!(v < m * (1 - m)))
        FAIL("sd %g is too large for mean %g (expected sd^2 < mean * (1 - mean) = %g)",
             d->p[1], m, m * (1 - m));
    double nu = m * (1 - m) / v - 1;  /* alpha + beta */
    if (nu > BETA_NU_MAX)
        FAIL("sd %g is too small for mean %g (expected mean * (1 - mean) / sd^2 <= %g for "
             "beta; a normal fits one this narrow)", d->p[1], m, BETA_NU_MAX);
    d->shape_a = m * nu;
    d->shape_b = (1 - m) * nu;
    return 0;
}

static double beta_P(const dist_spec *d, double x)
{
    return gsl_cdf_beta_P(x, d->shape_a, d->shape_b);
}

static double beta_Q(const dist_spec *d, double x)
{
    return gsl_cdf_beta_Q(x, d->shape_a, d->shape_b);
}

static double beta_Pinv(const dist_spec *d, double p)
{
    return beta_inv(d->shape_a, d->shape_b, p, 0);
}

static double beta_Qinv(const dist_spec *d, double q)
{
    return beta_inv(d->shape_a, d->shape_b, q, 1);
}

static double beta_pdf(const dist_spec *d, double x)
{
    return gsl_ran_beta_pdf(x, d->shape_a, d->shape_b);
}

static double beta_draw(const dist_spec *d, gsl_rng *rng)
{
    return gsl_ran_beta(rng, d->shape_a, d->shape_b);
}

/* Truncated beta: E[X^k; a<X<b] = prod (alpha+j)/(alpha+beta+j) * P_{alpha+k,beta}. */
static void beta_truncated_moments(const dist_spec *d, double *mean, double *var)
{
    double al = d->shape_a, be = d->shape_b;
    double z = interval_prob(d, d->lo, d->hi);
    dist_spec t = *d;
    double c1 = al / (al + be);
    t.shape_a = al + 1;
    double m1 = c1 * interval_prob(&t, d->lo, d->hi) / z;
    t.shape_a = al + 2;
    double m2 = c1 * (al + 1) / (al + be + 1) * interval_prob(&t, d->lo, d->hi) / z;
    from_raw(m1, m2, mean, var);
}

static void unit_interval(const dist_spec *d, double *lo, double *hi)
{
    (void)d;
    *lo = 0.0;
    *hi = 1.0;
}

/* ---- gamma: p = mean, sd; shape_a, shape_b = shape, scale ---- */

static int gamma_validate(dist_spec *d, char *msg, size_t msglen)
{
    if (check_sd(d, msg, msglen)) return -1;
    if (!(d->p[0] > 0)) FAIL("mean is %g (expected mean > 0 for gamma)", d->p[0]);
    d->shape_a = (d->p[0] / d->p[1]) * (d->p[0] / d->p[1]);
    if (d->shape_a > GAMMA_SHAPE_MAX)
        FAIL("sd %g is too small for mean %g (expected (mean / sd)^2 <= %g for gamma; "
             "a normal fits one this narrow)", d->p[1], d->p[0], GAMMA_SHAPE_MAX);
    d->shape_b = d->p[1] * d->p[1] / d->p[0];
    return 0;
}

static double gamma_P(const dist_spec *d, double x)
{
    return x <= 0 ? 0.0 : gsl_cdf_gamma_P(x, d->shape_a, d->shape_b);
}

static double gamma_Q(const dist_spec *d, double x)
{
    return x <= 0 ? 1.0 : gsl_cdf_gamma_Q(x, d->shape_a, d->shape_b);
}

static double gamma_Pinv(const dist_spec *d, double p)
{
    return gamma_inv(d->shape_a, d->shape_b, p, 0);
}

static double gamma_Qinv(const dist_spec *d, double q)
{
    return gamma_inv(d->shape_a, d->shape_b, q, 1);
}

static double gamma_pdf(const dist_spec *d, double x)
{
    return x <= 0 ? 0.0 : gsl_ran_gamma_pdf(x, d->shape_a, d->shape_b);
}

static double gamma_draw(const dist_spec *d, gsl_rng *rng)
{
    return gsl_ran_gamma(rng, d->shape_a, d->shape_b);
}

/* Truncated gamma: E[X^k; a<X<b] = theta^k Gamma(k+shape)/Gamma(shape) P_{shape+k}. */
static void gamma_truncated_moments(const dist_spec *d, double *mean, double *var)
{
    double k = d->shape_a, th = d->shape_b;
    double z = interval_prob(d, d->lo, d->hi);
    dist_spec t = *d;
    t.shape_a = k + 1;
    double m1 = k * th * interval_prob(&t, d->lo, d->hi) / z;
    t.shape_a = k + 2;
    double m2 = k * (k + 1) * th * th * interval_prob(&t, d->lo, d->hi) / z;
    from_raw(m1, m2, mean, var);
}

/* ---- discrete: values[n] with weights[n] ---- */

static int discrete_validate(dist_spec *d, char *msg, size_t msglen)
{
    if (d->n < 1 || !d->values || !d->weights)
        FAIL("discrete has no values (expected at least one value with its weight)");
    double sum = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!isfinite(d->values[i]))
            FAIL("value %zu is %g (expected a finite number)", i, d->values[i]);
        if (!(d->weights[i] >= 0) || !isfinite(d->weights[i]))
            FAIL("weight %zu is %g (expected weights >= 0)", i, d->weights[i]);
        sum += d->weights[i];
    }
    if (fabs(sum - 1.0) > 1e-9) FAIL("weights sum to %.12g (expected a sum of 1)", sum);
    gsl_sort2(d->values, 1, d->weights, 1, d->n);
    /* A value listed twice is one value with the sum of its weights: the same
     * distribution, and an order that does not depend on gsl_sort2 (a heapsort, not
     * stable) putting tied values' weights one way or the other (found by
     * tests/fuzz/fuzz_scenario: `check` printed such a list in an order that reloaded to
     * another). */
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (k > 0 && d->values[i] == d->values[k - 1]) {
            d->weights[k - 1] += d->weights[i];
            continue;
        }
        d->values[k] = d->values[i];
        d->weights[k] = d->weights[i];
        k++;
    }
    d->n = k;
    return 0;
}

/* Smallest value whose cumulative weight reaches u (values are sorted). */
static double discrete_quantile(const dist_spec *d, double u)
{
    double cum = 0;
    for (size_t i = 0; i + 1 < d->n; i++) {
        cum += d->weights[i];
        if (u <= cum) return d->values[i];
    }
    return d->values[d->n - 1];
}

static void discrete_moments(const dist_spec *d, double *mean, double *var)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < d->n; i++) m += d->weights[i] * d->values[i];
    /* centred sum: no cancellation when the values sit far from 0 */
    for (size_t i = 0; i < d->n; i++) v += d->weights[i] * (d->values[i] - m) * (d->values[i] - m);
    *mean = m;
    *var = v;
}

static void discrete_support(const dist_spec *d, double *lo, double *hi)
{
    *lo = d->n ? d->values[0] : NAN;
    *hi = d->n ? d->values[d->n - 1] : NAN;
}

/* ---- the table ---- */

const dist_family_type dist_families[DIST_NFAMILIES] = {
    [DIST_CONSTANT] = {
        .name = "constant", .family = DIST_CONSTANT, .np = 1, .params = { "value" },
        .usage = NULL,   /* a plain number in a scenario */
        .quantile = constant_quantile, .draw = constant_draw,
        .moments = constant_moments, .support = constant_support,
    },
    [DIST_NORMAL] = {
        .name = "normal", .family = DIST_NORMAL, .np = 2, .params = { "mean", "sd" },
        .truncatable = 1,
        .usage = "{dist: normal, mean: M, sd: S, min?: A, max?: B}",
        .validate = normal_validate,
        .cdf = normal_P, .cdf_upper = normal_Q,
        .quantile = normal_Pinv, .quantile_upper = normal_Qinv, .draw = normal_draw,
        .moments = mean_sd_moments, .truncated_moments = normal_truncated_moments,
        .support = whole_line,
    },
    [DIST_LOGNORMAL] = {
        .name = "lognormal", .family = DIST_LOGNORMAL, .np = 2, .params = { "median", "sigma" },
        .truncatable = 1,
        .usage = "{dist: lognormal, median: M, sigma: S (or p10: A, p90: B, or mean: M, sd: S), min?: A, max?: B}",
        .validate = lognormal_validate,
        .cdf = lognormal_P, .cdf_upper = lognormal_Q,
        .quantile = lognormal_Pinv, .quantile_upper = lognormal_Qinv, .draw = lognormal_draw,
        .moments = lognormal_moments, .truncated_moments = lognormal_truncated_moments,
        .support = positive_half_line,
    },
    [DIST_UNIFORM] = {
        .name = "uniform", .family = DIST_UNIFORM, .np = 2, .params = { "min", "max" },
        .usage = "{dist: uniform, min: A, max: B}",
        .validate = uniform_validate,
        .cdf = uniform_P, .quantile = uniform_Pinv, .draw = uniform_draw,
        .moments = uniform_moments, .support = uniform_support,
    },
    [DIST_TRIANGULAR] = {
        .name = "triangular", .family = DIST_TRIANGULAR, .np = 3,
        .params = { "min", "mode", "max" },
        .usage = "{dist: triangular, min: A, mode: M, max: B}",
        .validate = triangular_validate,
        .cdf = triangular_P, .quantile = triangular_Pinv, .draw = draw_by_inversion,
        .moments = triangular_moments, .support = min_to_max,
    },
    [DIST_PERT] = {
        .name = "pert", .family = DIST_PERT, .np = 3, .params = { "min", "mode", "max" },
        .usage = "{dist: pert, min: A, mode: M, max: B}",
        .validate = pert_validate,
        .cdf = pert_P, .quantile = pert_Pinv, .draw = pert_draw,
        .density = pert_pdf, .root_found = 1,
        .moments = pert_moments, .support = min_to_max,
    },
    [DIST_BETA] = {
        .name = "beta", .family = DIST_BETA, .np = 2, .params = { "mean", "sd" },
        .truncatable = 1,
        .usage = "{dist: beta, mean: M, sd: S, min?: A, max?: B}",
        .validate = beta_validate,
        .cdf = beta_P, .cdf_upper = beta_Q,
        .quantile = beta_Pinv, .quantile_upper = beta_Qinv, .draw = beta_draw,
        .density = beta_pdf, .root_found = 1,
        .moments = mean_sd_moments, .truncated_moments = beta_truncated_moments,
        .support = unit_interval,
    },
    [DIST_GAMMA] = {
        .name = "gamma", .family = DIST_GAMMA, .np = 2, .params = { "mean", "sd" },
        .truncatable = 1,
        .usage = "{dist: gamma, mean: M, sd: S, min?: A, max?: B}",
        .validate = gamma_validate,
        .cdf = gamma_P, .cdf_upper = gamma_Q,
        .quantile = gamma_Pinv, .quantile_upper = gamma_Qinv, .draw = gamma_draw,
        .density = gamma_pdf, .root_found = 1,
        .moments = mean_sd_moments, .truncated_moments = gamma_truncated_moments,
        .support = positive_half_line,
    },
    [DIST_DISCRETE] = {
        .name = "discrete", .family = DIST_DISCRETE, .np = 0,
        .usage = "{dist: discrete, values: [V1, V2, ...], weights?: [W1, W2, ...]}",
        .validate = discrete_validate,
        .quantile = discrete_quantile, .draw = draw_by_inversion,
        .moments = discrete_moments, .support = discrete_support,
    },
};

const dist_family_type *dist_family_of(dist_family f)
{
    return ((int)f >= 0 && (int)f < DIST_NFAMILIES) ? &dist_families[f] : NULL;
}

const dist_family_type *dist_family_lookup(const char *name)
{
    for (int f = 0; name && f < DIST_NFAMILIES; f++)
        if (strcmp(name, dist_families[f].name) == 0) return &dist_families[f];
    return NULL;
}

const char *dist_family_name(dist_family f)
{
    const dist_family_type *t = dist_family_of(f);
    return t ? t->name : "unknown";
}

int dist_family_from_name(const char *name)
{
    const dist_family_type *t = dist_family_lookup(name);
    return t ? (int)t->family : -1;
}

/* ---- validation ---- */

static int check_finite(const dist_spec *d, const dist_family_type *t, char *msg, size_t msglen)
{
    for (int i = 0; i < t->np; i++)
        if (!isfinite(d->p[i])) FAIL("%s is %g (expected a finite number)", t->params[i], d->p[i]);
    return 0;
}

static int validate_truncation(dist_spec *d, char *msg, size_t msglen)
{
    if (isnan(d->lo) || isnan(d->hi))
        FAIL("truncation bound is nan (expected a number)");
    if (!(d->lo < d->hi))
        FAIL("truncation min %g is not below max %g (expected min < max)", d->lo, d->hi);
    d->cdf_lo = base_P(d, d->lo);
    d->cdf_hi = base_P(d, d->hi);
    if (!(interval_prob(d, d->lo, d->hi) > 0))
        FAIL("truncation [%g, %g] has probability 0 under %s (expected an interval where "
             "the distribution has mass)", d->lo, d->hi, family(d)->name);
    return 0;
}

int dist_validate(dist_spec *d, char *msg, size_t msglen)
{
    if (msglen) msg[0] = '\0';
    d->shape_a = d->shape_b = 0;
    const dist_family_type *t = dist_family_of(d->family);
    if (!t) {
        char names[256] = "";
        for (int f = 0, used = 0; f < DIST_NFAMILIES && used < (int)sizeof names; f++)
            used += snprintf(names + used, sizeof names - (size_t)used, "%s%s", f ? ", " : "",
                             dist_families[f].name);
        FAIL("unknown distribution family %d (expected one of %s)", (int)d->family, names);
    }
    if (check_finite(d, t, msg, msglen)) return -1;
    if (t->validate && t->validate(d, msg, msglen)) return -1;
    if (t->truncatable) return validate_truncation(d, msg, msglen);
    d->lo = -INFINITY;
    d->hi = INFINITY;
    d->cdf_lo = 0;
    d->cdf_hi = 1;
    return 0;
}

/* ---- quantile and draw ---- */

double dist_quantile(const dist_spec *d, double u)
{
    const dist_family_type *t = dist_family_of(d->family);
    if (!t) return NAN;
    if (t->truncatable && truncated(d)) return truncated_quantile(d, u);
    return t->quantile(d, u);
}

/* Rejection from the untruncated sampler is exact and, where the interval holds at
 * least a quarter of the mass (expected tries <= 4), much faster than the root-found
 * beta and gamma inverse CDFs. Otherwise, or after many misses, the inverse CDF of one
 * uniform (a mixture of two exact samplers is still exact). */
#define REJECT_MIN_MASS 0.25
#define REJECT_MAX_TRIES 64

static double truncated_draw(const dist_spec *d, gsl_rng *rng)
{
    if (d->cdf_hi - d->cdf_lo >= REJECT_MIN_MASS) {
        for (int i = 0; i < REJECT_MAX_TRIES; i++) {
            double x = family(d)->draw(d, rng);
            if (x >= d->lo && x <= d->hi) return x;
        }
    }
    return truncated_quantile(d, gsl_rng_uniform_pos(rng));
}

double dist_draw(const dist_spec *d, gsl_rng *rng)
{
    const dist_family_type *t = dist_family_of(d->family);
    if (!t) return NAN;
    if (t->truncatable && truncated(d)) return truncated_draw(d, rng);
    return t->draw(d, rng);
}

double dist_density(const dist_spec *d, double x)
{
    const dist_family_type *t = dist_family_of(d->family);
    if (!t || !t->density) return NAN;
    if (x < d->lo || x > d->hi) return 0.0;
    return t->density(d, x) / (d->cdf_hi - d->cdf_lo);
}

int dist_quantile_is_root_found(const dist_spec *d)
{
    const dist_family_type *t = dist_family_of(d->family);
    return t && t->root_found;
}

/* ---- exact moments and support ---- */

static void dist_moments(const dist_spec *d, double *mean, double *var)
{
    const dist_family_type *t = dist_family_of(d->family);
    if (!t) *mean = *var = NAN;
    else if (t->truncatable && truncated(d)) t->truncated_moments(d, mean, var);
    else t->moments(d, mean, var);
}

double dist_mean(const dist_spec *d)
{
    double m, v;
    dist_moments(d, &m, &v);
    return m;
}

double dist_sd(const dist_spec *d)
{
    double m, v;
    dist_moments(d, &m, &v);
    return sqrt(v);
}

void dist_support(const dist_spec *d, double *lo, double *hi)
{
    const dist_family_type *t = dist_family_of(d->family);
    if (!t) {
        *lo = *hi = NAN;
        return;
    }
    t->support(d, lo, hi);
    *lo = fmax(d->lo, *lo);
    *hi = fmin(d->hi, *hi);
}

/* ---- ownership ---- */

int dist_copy(dist_spec *dst, const dist_spec *src)
{
    dist_spec t = *src;
    t.values = t.weights = NULL;
    if (src->n && src->values && src->weights) {
        t.values = malloc(src->n * sizeof *t.values);
        t.weights = malloc(src->n * sizeof *t.weights);
        if (!t.values || !t.weights) {
            free(t.values);
            free(t.weights);
            return -1;
        }
        memcpy(t.values, src->values, src->n * sizeof *t.values);
        memcpy(t.weights, src->weights, src->n * sizeof *t.weights);
    }
    *dst = t;
    return 0;
}

void dist_clear(dist_spec *d)
{
    if (!d) return;
    free(d->values);
    free(d->weights);
    d->values = d->weights = NULL;
    d->n = 0;
}
