/*
 * sim/random, layer 1: random numbers and the distributions they feed. Its files may
 * include sim/base only (and GSL, Random123); sim/scenario and everything above build
 * on it.
 *   rng   Philox4x64-10 streams keyed by (seed, key path), wrapped as a gsl_rng type
 *   dist  the distribution families of scenario fields: one dist_family_type record
 *         per family in the table dist_families[], and the dist_spec they describe
 *
 * dist: the probability distributions a scenario field may take (README, "Scenario files"; docs/MODEL.md 7).
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
 *
 * Everything a family is (its name, its parameters, how a scenario writes it, and the
 * functions that validate, sample and take moments) is its record in dist_families[],
 * in the style of GSL's gsl_rng_type; the functions below dispatch through it.
 */
#ifndef CAPSIM_DIST_H
#define CAPSIM_DIST_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

/* The families. What each one is (parameters, truncation, formulas) is its record in
 * dist_families[] (dist.c), and nowhere else. */
typedef enum {
    DIST_CONSTANT,
    DIST_NORMAL,
    DIST_LOGNORMAL,
    DIST_UNIFORM,
    DIST_TRIANGULAR,
    DIST_PERT,
    DIST_BETA,
    DIST_GAMMA,
    DIST_DISCRETE,
    DIST_NFAMILIES
} dist_family;

typedef struct dist_spec {
    dist_family family;
    double p[3];            /* parameters, in the order of the family's params[] */
    double lo, hi;          /* truncation; -INFINITY / +INFINITY when absent */
    size_t n;               /* discrete: number of values */
    double *values;         /* discrete: owned, n entries */
    double *weights;        /* discrete: owned, n entries */
    /* derived by dist_validate() */
    double shape_a, shape_b; /* beta/PERT alpha, beta; gamma shape, scale; lognormal mu, sigma */
    double cdf_lo, cdf_hi;   /* untruncated CDF at lo and hi (0 and 1 when absent) */
} dist_spec;

/* One family. Call the dist_* functions below rather than these pointers: they apply
 * the truncation, the infinite ends and the defaults that a NULL pointer stands for. */
typedef struct {
    const char *name;          /* as written in a scenario: "lognormal" */
    dist_family family;        /* its index in dist_families[] */
    int np;                    /* parameters p[0..np) */
    const char *params[3];     /* their names, in p order */
    int truncatable;           /* min/max condition it (docs/MODEL.md 7); the others ignore lo/hi */
    const char *usage;         /* how a scenario writes it; NULL: only as a plain number */
    /* Parameters beyond being finite (dist_validate checks that first), without the
     * truncation; sets shape_a/shape_b. NULL: nothing more to check. */
    int (*validate)(dist_spec *d, char *msg, size_t msglen);
    /* Untruncated P(X <= x) at a finite x; NULL for the families without one (constant,
     * discrete), which are not truncatable. */
    double (*cdf)(const dist_spec *d, double x);
    /* Untruncated P(X > x) at a finite x without cancellation; NULL: 1 - cdf. */
    double (*cdf_upper)(const dist_spec *d, double x);
    /* Untruncated inverse CDF at u in (0,1). */
    double (*quantile)(const dist_spec *d, double u);
    /* Inverse of cdf_upper; NULL: quantile(1 - q). */
    double (*quantile_upper)(const dist_spec *d, double q);
    /* Untruncated density at a finite x; NULL where no table needs it (dist_density). */
    double (*density)(const dist_spec *d, double x);
    /* The quantile is a root search (beta, PERT, gamma: several CDF evaluations), which
     * sampling replaces by an interpolation table (qtable.h). */
    int root_found;
    /* One untruncated draw. */
    double (*draw)(const dist_spec *d, gsl_rng *rng);
    /* Exact mean and variance, untruncated; and truncated (truncatable families). */
    void (*moments)(const dist_spec *d, double *mean, double *var);
    void (*truncated_moments)(const dist_spec *d, double *mean, double *var);
    /* Where the untruncated distribution takes values: [*lo, *hi]. */
    void (*support)(const dist_spec *d, double *lo, double *hi);
} dist_family_type;

/* The table, indexed by dist_family. */
extern const dist_family_type dist_families[DIST_NFAMILIES];

/* The record of a family by enum (NULL outside the enum) or by name (NULL when
 * unknown). */
const dist_family_type *dist_family_of(dist_family f);
const dist_family_type *dist_family_lookup(const char *name);

/* Family name as written in a scenario ("lognormal"; "unknown" outside the enum), and
 * back (-1 when unknown). */
const char *dist_family_name(dist_family f);
int dist_family_from_name(const char *name);

/* Check the parameters and compute the derived fields. On error returns -1 and writes
 * "what is wrong (what was expected)" into msg; on success returns 0. */
int dist_validate(dist_spec *d, char *msg, size_t msglen);

/* Inverse CDF at u in (0,1), truncation applied. */
double dist_quantile(const dist_spec *d, double u);

/* Density of the (truncated) distribution at x, for the families with a density
 * record (beta, PERT, gamma); NAN for the others. */
double dist_density(const dist_spec *d, double x);

/* Is the family's quantile a root search (so worth a table, qtable.h)? */
int dist_quantile_is_root_found(const dist_spec *d);

/* One draw from rng, truncation applied. */
double dist_draw(const dist_spec *d, gsl_rng *rng);

/* Exact mean and standard deviation of the (truncated) distribution, for tests and for
 * printing the resolved scenario. */
double dist_mean(const dist_spec *d);
double dist_sd(const dist_spec *d);

/* Where the (truncated) distribution takes values: [*lo, *hi]. */
void dist_support(const dist_spec *d, double *lo, double *hi);

/* Deep copy (discrete arrays included) and release of owned arrays. */
int dist_copy(dist_spec *dst, const dist_spec *src);
void dist_clear(dist_spec *d);

#endif
