/*
 * dist: the probability distributions a scenario field may take (DESIGN.md 3, 4.7).
 *
 * A dist_spec is filled by the loader from YAML, then dist_validate() checks the
 * parameters and computes the derived shapes. After that it is read-only and may be
 * shared between threads. Two ways to draw:
 *   dist_quantile(d, u)  inverse CDF, used for values sampled once per path (so that
 *                        LHS, Sobol and the Gaussian copula can drive them);
 *   dist_draw(d, rng)    a direct GSL sampler, used for fresh monthly draws (spot
 *                        availability, jump sizes) where speed matters.
 * Both honour truncation: min/max condition the distribution (inverse CDF on the
 * truncated interval), they do not clip.
 */
#ifndef CAPSIM_DIST_H
#define CAPSIM_DIST_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

typedef enum {
    DIST_CONSTANT,   /* p[0] = value */
    DIST_NORMAL,     /* p[0] = mean,   p[1] = sd            ; optional lo/hi truncation */
    DIST_LOGNORMAL,  /* p[0] = median, p[1] = sigma (of log); optional lo/hi truncation */
    DIST_UNIFORM,    /* p[0] = min,    p[1] = max */
    DIST_TRIANGULAR, /* p[0] = min,    p[1] = mode, p[2] = max */
    DIST_PERT,       /* p[0] = min,    p[1] = mode, p[2] = max ; lambda = 4 */
    DIST_BETA,       /* p[0] = mean,   p[1] = sd  on [0,1]  ; optional lo/hi truncation */
    DIST_GAMMA,      /* p[0] = mean,   p[1] = sd            ; optional lo/hi truncation */
    DIST_DISCRETE,   /* values[n], weights[n] (sum to 1) */
    DIST_NFAMILIES
} dist_family;

typedef struct {
    dist_family family;
    double p[3];
    double lo, hi;          /* truncation; -INFINITY / +INFINITY when absent */
    size_t n;               /* discrete: number of values */
    double *values;         /* discrete: owned, n entries */
    double *weights;        /* discrete: owned, n entries */
    /* derived by dist_validate() */
    double shape_a, shape_b; /* beta/PERT alpha, beta; gamma shape, scale; lognormal mu, sigma */
    double cdf_lo, cdf_hi;   /* untruncated CDF at lo and hi (0 and 1 when absent) */
} dist_spec;

/* Family name as written in a scenario ("lognormal"), and back (-1 when unknown). */
const char *dist_family_name(dist_family f);
int dist_family_from_name(const char *name);

/* Check the parameters and compute the derived fields. On error returns -1 and writes
 * "what is wrong (what was expected)" into msg; on success returns 0. */
int dist_validate(dist_spec *d, char *msg, size_t msglen);

/* Inverse CDF at u in (0,1), truncation applied. */
double dist_quantile(const dist_spec *d, double u);

/* One draw from rng, truncation applied. */
double dist_draw(const dist_spec *d, gsl_rng *rng);

/* Exact mean and standard deviation of the (truncated) distribution, for tests and for
 * printing the resolved scenario. */
double dist_mean(const dist_spec *d);
double dist_sd(const dist_spec *d);

/* Deep copy (discrete arrays included) and release of owned arrays. */
int dist_copy(dist_spec *dst, const dist_spec *src);
void dist_clear(dist_spec *d);

#endif
