/*
 * dist_forms: other ways of writing a distribution (see dist_forms.h).
 */
#include "dist_forms.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define Z90 1.2815515655446004   /* Phi^-1(0.9) */

static const struct {
    dist_family family;
    int n;
    const char *keys[DIST_FORMS_MAX][2];
} forms[] = {
    { DIST_LOGNORMAL, 3, { { "median", "sigma" }, { "p10", "p90" }, { "mean", "sd" } } },
    { DIST_NORMAL, 2, { { "mean", "sd" }, { "p10", "p90" } } },
    { DIST_BETA, 2, { { "mean", "sd" }, { "p10", "p90" } } },
};

int dist_forms_of(dist_family f, const char *(*keys)[2])
{
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (forms[i].family == f) {
            for (int k = 0; k < forms[i].n; k++) {
                keys[k][0] = forms[i].keys[k][0];
                keys[k][1] = forms[i].keys[k][1];
            }
            return forms[i].n;
        }
    return 1;
}

/* ---- beta by its 10th and 90th percentiles ---- */

typedef struct {
    double p10, p90;
} beta_target;

/* On (log alpha, log beta): the CDF at p10 and p90 minus 0.1 and 0.9. */
static int beta_f(const gsl_vector *x, void *params, gsl_vector *f)
{
    const beta_target *t = params;
    double a = exp(gsl_vector_get(x, 0)), b = exp(gsl_vector_get(x, 1));
    if (!isfinite(a) || !isfinite(b) || a <= 0 || b <= 0) return GSL_EDOM;
    double f0 = gsl_cdf_beta_P(t->p10, a, b) - 0.1, f1 = gsl_cdf_beta_P(t->p90, a, b) - 0.9;
    if (!isfinite(f0) || !isfinite(f1)) return GSL_EDOM;
    gsl_vector_set(f, 0, f0);
    gsl_vector_set(f, 1, f1);
    return GSL_SUCCESS;
}

/* One solve from the start (alpha, beta); 0 when it converges. */
static int beta_solve(beta_target *t, double a0, double b0, double *alpha, double *beta)
{
    gsl_multiroot_function F = { beta_f, 2, t };
    gsl_vector *x = gsl_vector_alloc(2);
    gsl_multiroot_fsolver *s = gsl_multiroot_fsolver_alloc(gsl_multiroot_fsolver_hybrids, 2);
    int rc = -1;
    if (x && s) {
        gsl_vector_set(x, 0, log(a0));
        gsl_vector_set(x, 1, log(b0));
        if (gsl_multiroot_fsolver_set(s, &F, x) == GSL_SUCCESS) {
            int status = GSL_CONTINUE;
            for (int it = 0; it < 200 && status == GSL_CONTINUE; it++) {
                if (gsl_multiroot_fsolver_iterate(s) != GSL_SUCCESS) break;
                status = gsl_multiroot_test_residual(s->f, 1e-13);
            }
            double a = exp(gsl_vector_get(s->x, 0)), b = exp(gsl_vector_get(s->x, 1));
            if (status == GSL_SUCCESS && isfinite(a) && isfinite(b) && a > 0 && b > 0) {
                *alpha = a;
                *beta = b;
                rc = 0;
            }
        }
    }
    gsl_multiroot_fsolver_free(s);
    gsl_vector_free(x);
    return rc;
}

int dist_forms_beta_by_p10_p90(double p10, double p90, double *alpha, double *beta)
{
    beta_target t = { p10, p90 };
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    /* Start where a normal with those percentiles has its mean and sd, then at other
     * concentrations (a + b) with that mean: the root finder is local. */
    double m = 0.5 * (p10 + p90), s = (p90 - p10) / (2 * Z90);
    if (s * s >= m * (1 - m)) s = 0.5 * sqrt(m * (1 - m));
    double k0 = m * (1 - m) / (s * s) - 1;
    const double ks[] = { k0, 0.5, 2, 10, 100, 1000 };
    int rc = -1;
    for (size_t i = 0; rc != 0 && i < sizeof ks / sizeof ks[0]; i++)
        rc = beta_solve(&t, m * ks[i], (1 - m) * ks[i], alpha, beta);
    gsl_set_error_handler(old);
    return rc;
}

int dist_forms_resolve(dist_spec *d, int form, double a, double b, char *msg, size_t len)
{
    if (d->family == DIST_LOGNORMAL && form == 1) {
        if (!(a > 0 && a < b)) {
            snprintf(msg, len, "p10 %g and p90 %g (expected 0 < p10 < p90)", a, b);
            return -1;
        }
        d->p[0] = sqrt(a) * sqrt(b);
        d->p[1] = (log(b) - log(a)) / (2 * Z90);
        return 0;
    }
    if (d->family == DIST_LOGNORMAL && form == 2) {
        if (!(a > 0 && b > 0)) {
            snprintf(msg, len, "mean %g and sd %g (expected mean > 0 and sd > 0)", a, b);
            return -1;
        }
        double w = 1 + (b / a) * (b / a);   /* exp(sigma^2) */
        d->p[0] = a / sqrt(w);
        d->p[1] = sqrt(log(w));
        return 0;
    }
    if (d->family == DIST_NORMAL && form == 1) {
        if (!(a < b)) {
            snprintf(msg, len, "p10 %g and p90 %g (expected p10 < p90)", a, b);
            return -1;
        }
        d->p[0] = 0.5 * (a + b);
        d->p[1] = (b - a) / (2 * Z90);
        return 0;
    }
    if (d->family == DIST_BETA && form == 1) {
        double al, be;
        if (!(a > 0 && a < b && b < 1)) {
            snprintf(msg, len, "p10 %g and p90 %g (expected 0 < p10 < p90 < 1)", a, b);
            return -1;
        }
        if (dist_forms_beta_by_p10_p90(a, b, &al, &be) != 0) {
            snprintf(msg, len, "no beta distribution found with p10 %g and p90 %g (expected percentiles "
                     "a beta can have, or mean and sd)", a, b);
            return -1;
        }
        double k = al + be;
        d->p[0] = al / k;
        d->p[1] = sqrt(al * be / (k * k * (k + 1)));
        return 0;
    }
    snprintf(msg, len, "no such form");
    return -1;
}
