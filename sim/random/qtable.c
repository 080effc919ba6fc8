/*
 * qtable: cubic Hermite interpolation of a root-found quantile function, checked
 * interval by interval when built (qtable.h says why and how accurate).
 *
 * The interpolated function is y(z) = g(x(Phi(z))): the quantile as a function of the
 * normal score z = Phi^-1(u), on a scale g that opens the support's ends (logit on a
 * bounded support, log on a half line). Near an end a beta or gamma quantile behaves
 * like u^(1/a), which no polynomial in u follows; in (z, g(x)) it is close to a
 * parabola, and in the middle close to a line, so equal intervals of z serve the whole
 * range. GSL's gsl_interp offers cubic splines, Akima and Steffen, which estimate the
 * slopes from the knots; here the exact slope at each knot is known (from the
 * density), and with it a cubic Hermite interpolant is fourth-order accurate, local and
 * needs no solve: a few lines, so they are written here.
 */
#include "qtable.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

enum { SCALE_LINEAR, SCALE_LOG, SCALE_LOGIT };

struct qtable {
    int scale;                          /* g: SCALE_* */
    double lo, width;                   /* the support's low end and width (logit, log) */
    double z[QTABLE_INTERVALS + 1];     /* knot i: Phi^-1 of u_i = Phi(knot_z(i)) rounded */
    double y[QTABLE_INTERVALS + 1];     /* g(exact quantile at u_i) */
    double s[QTABLE_INTERVALS + 1];     /* exact slope dy/dz there (0 where unknown) */
    uint8_t ok[QTABLE_INTERVALS];       /* interval i passed the check */
};

#define H_Z (2 * QTABLE_Z_MAX / QTABLE_INTERVALS)

static double knot_z(double i)
{
    return -QTABLE_Z_MAX + i * H_Z;
}

/* g(x) and g'(x). */
static double to_y(const qtable *t, double x, double *dydx)
{
    switch (t->scale) {
    case SCALE_LOGIT: {
        double v = (x - t->lo) / t->width;
        *dydx = 1 / (t->width * v * (1 - v));
        return log(v / (1 - v));
    }
    case SCALE_LOG:
        *dydx = 1 / (x - t->lo);
        return log(x - t->lo);
    default:
        *dydx = 1;
        return x;
    }
}

static double to_x(const qtable *t, double y)
{
    switch (t->scale) {
    case SCALE_LOGIT: return t->lo + t->width / (1 + exp(-y));
    case SCALE_LOG: return t->lo + exp(y);
    default: return y;
    }
}

/* The cubic on interval i at z, back on the x scale. */
static double hermite(const qtable *t, size_t i, double z)
{
    double h = t->z[i + 1] - t->z[i], f = (z - t->z[i]) / h;
    double g = 1 - f;
    double h00 = (1 + 2 * f) * g * g, h10 = f * g * g;
    double h01 = f * f * (3 - 2 * f), h11 = -f * f * g;
    return to_x(t, h00 * t->y[i] + h10 * h * t->s[i] + h01 * t->y[i + 1] + h11 * h * t->s[i + 1]);
}

qtable *qtable_build(const dist_spec *d, int *err)
{
    *err = 0;
    if (!dist_quantile_is_root_found(d)) return NULL;
    qtable *t = calloc(1, sizeof *t);
    if (!t) {
        *err = -1;
        return NULL;
    }
    double lo, hi;
    dist_support(d, &lo, &hi);
    t->scale = isfinite(lo) && isfinite(hi) ? SCALE_LOGIT : isfinite(lo) ? SCALE_LOG : SCALE_LINEAR;
    t->lo = lo;
    t->width = hi - lo;
    /* x strictly inside the support at each knot, a positive finite density and
     * slope there: else the knot cannot anchor a cubic */
    uint8_t knot_ok[QTABLE_INTERVALS + 1];
    double x[QTABLE_INTERVALS + 1];
    for (size_t i = 0; i <= QTABLE_INTERVALS; i++) {
        /* The knot sits at the z of the rounded u it was solved for, as a query's z is
         * Phi^-1 of its own u: near u = 1, where u holds few digits of 1 - u, the
         * nominal knot_z(i) would be off by up to 1e-8 and shift x accordingly. */
        double u = gsl_cdf_ugaussian_P(knot_z((double)i));
        double z = t->z[i] = gsl_cdf_ugaussian_Pinv(u);
        x[i] = dist_quantile(d, u);
        double f = dist_density(d, x[i]), dydx = NAN;
        t->y[i] = x[i] > lo && x[i] < hi ? to_y(t, x[i], &dydx) : NAN;
        double s = gsl_ran_ugaussian_pdf(z) / f * dydx;     /* dy/dz = phi(z) / f(x) * g'(x) */
        knot_ok[i] = isfinite(t->y[i]) && f > 0 && isfinite(s);
        t->s[i] = knot_ok[i] ? s : 0;
    }
    for (size_t i = 0; i < QTABLE_INTERVALS; i++) {
        if (!knot_ok[i] || !knot_ok[i + 1] || !(x[i] <= x[i + 1])) continue;
        double um = gsl_cdf_ugaussian_P(knot_z((double)i + 0.5));
        double exact = dist_quantile(d, um);
        t->ok[i] = isfinite(exact) && t->z[i] < t->z[i + 1] &&
                   fabs(hermite(t, i, gsl_cdf_ugaussian_Pinv(um)) - exact) <= QTABLE_CHECK_REL * fabs(exact);
    }
    return t;
}

double qtable_quantile(const qtable *t, const dist_spec *d, double u)
{
    if (t && u > 0 && u < 1) {
        double z = gsl_cdf_ugaussian_Pinv(u), w = (z + QTABLE_Z_MAX) / H_Z;
        size_t i = w >= 0 && w < QTABLE_INTERVALS ? (size_t)w : QTABLE_INTERVALS;
        /* the knots are within 1e-8 of the nominal grid: step to the one that holds z */
        if (i < QTABLE_INTERVALS && z < t->z[i] && i > 0) i--;
        else if (i + 1 < QTABLE_INTERVALS && z >= t->z[i + 1]) i++;
        if (i < QTABLE_INTERVALS && t->ok[i] && z >= t->z[i] && z <= t->z[i + 1]) return hermite(t, i, z);
    }
    return dist_quantile(d, u);
}

size_t qtable_intervals_ok(const qtable *t)
{
    size_t k = 0;
    for (size_t i = 0; t && i < QTABLE_INTERVALS; i++) k += t->ok[i];
    return k;
}

void qtable_free(qtable *t)
{
    free(t);
}

/* ---- a set of tables, one per distinct distribution ---- */

struct qtable_set {
    size_t n, cap;
    dist_spec *spec;    /* the key: family, parameters, truncation (no discrete arrays:
                           discrete never has a table) */
    qtable **table;
};

qtable_set *qtable_set_alloc(void)
{
    return calloc(1, sizeof(qtable_set));
}

static int same_dist(const dist_spec *a, const dist_spec *b)
{
    return a->family == b->family && memcmp(a->p, b->p, sizeof a->p) == 0 &&
           memcmp(&a->lo, &b->lo, sizeof a->lo) == 0 && memcmp(&a->hi, &b->hi, sizeof a->hi) == 0;
}

const qtable *qtable_set_get(qtable_set *set, const dist_spec *d, int *err)
{
    *err = 0;
    if (!dist_quantile_is_root_found(d)) return NULL;
    for (size_t i = 0; i < set->n; i++)
        if (same_dist(&set->spec[i], d)) return set->table[i];
    if (set->n == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 8;
        dist_spec *spec = realloc(set->spec, cap * sizeof *spec);
        if (spec) set->spec = spec;
        qtable **table = spec ? realloc(set->table, cap * sizeof *table) : NULL;
        if (!table) {
            *err = -1;
            return NULL;
        }
        set->table = table;
        set->cap = cap;
    }
    qtable *t = qtable_build(d, err);
    if (!t) return NULL;
    set->spec[set->n] = *d;
    set->spec[set->n].values = set->spec[set->n].weights = NULL;
    set->table[set->n++] = t;
    return t;
}

void qtable_set_free(qtable_set *set)
{
    if (!set) return;
    for (size_t i = 0; i < set->n; i++) qtable_free(set->table[i]);
    free(set->spec);
    free(set->table);
    free(set);
}
