/*
 * sample: the per-path values of a scenario's uncertain fields (README, "Scenario files" and "Random numbers, seeds and reproducibility").
 *
 * For path i, each uncertain value k gets a uniform u_ik in (0,1) from the scenario's
 * sampling scheme, keyed by its key path (so that two scenarios sharing a key path share
 * its draws: common random numbers by name):
 *   random  u = Philox(seed, stream_k; counter (i, 0, 0))
 *   lhs     path i is point j = i div R of replicate r = i mod R (R = SAMPLE_REPLICATES
 *           independent randomisations, so that the standard error can be estimated
 *           from the spread of the R replicate means: docs/OUTPUT.md, "Estimators and their accuracy");
 *           u = (perm_kr(j) + Philox(...)) / m, m = ceil(N / R), perm_kr a keyed
 *           pseudo-random permutation of 0..m-1 computed in O(1) memory (so each of m
 *           strata is hit exactly once per replicate)
 *   sobol   u = frac(sobol_d(k)(j) + shift_kr), a random (Cranley-Patterson) shift keyed
 *           by the key path and the replicate; d(k) = rank of the key path among the scenario's (strcmp order: stable when the file is reordered)
 * Correlated values then go through the Gaussian copula (Cholesky of the Pearson matrix
 * 2 sin(pi rho / 6) of the given rank correlations), and finally every value is
 * dist_quantile(dist_k, u).
 */
#ifndef CAPSIM_SAMPLE_H
#define CAPSIM_SAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include "scenario.h"

typedef struct sampler sampler;

/* Independent replicates of the lhs and sobol designs: path i belongs to replicate
 * i mod SAMPLE_REPLICATES. 8 is the fewest the accuracy section of docs/OUTPUT.md allows: more replicates estimate the
 * standard error more precisely (its relative error is about 1/sqrt(2 (R - 1)), 27%
 * here) but cost a Sobol design some of its accuracy (each replicate is a net of N/R
 * points). */
#define SAMPLE_REPLICATES 8

/* Path i's replicate r and its index j among the replicate's points, for paths taken in
 * groups of g consecutive paths (g = 2 with antithetic pairs, so that a pair, whose two
 * paths are dependent, stays in one replicate; else 1): group i div g goes to replicate
 * (i div g) mod R. */
static inline void sample_replicate_of(uint64_t i, uint64_t g, uint64_t *r, uint64_t *j)
{
    uint64_t grp = i / g;
    *r = grp % SAMPLE_REPLICATES;
    *j = (grp / SAMPLE_REPLICATES) * g + i % g;
}

/* A sampler for npaths paths of sc (npaths matters for lhs). On a correlation matrix
 * that is not positive definite, returns NULL and writes the message into msg. */
sampler *sampler_alloc(const scenario *sc, uint64_t npaths, char *msg, size_t msglen);
void sampler_free(sampler *s);

/* The number of independent replicates the sampler's design has: SAMPLE_REPLICATES
 * for lhs and sobol, 1 for random and saltelli (whose paths are independent: the plain
 * standard error applies). */
unsigned sampler_replicates(const sampler *s);
/* The g of sample_replicate_of: 2 for a scenario with antithetic pairs, else 1. */
unsigned sampler_replicate_group(const sampler *s);

/* The uncertain values of paths first .. first+n-1: values[r * nu + k] for path first+r
 * and uncertain value k (nu = sc->nuncertain), and the uniforms before the quantile
 * transform in uniforms[] (same shape; may be NULL). Call from serial code: the sampler
 * keeps the state of the quasi-random sequence (skipping forward as needed, restarting
 * if asked for an earlier path) and parallelises the quantile transforms itself with
 * OpenMP across paths. Results depend only on (scenario, npaths, path index). */
void sampler_fill(sampler *s, uint64_t first, size_t n, double *values, double *uniforms);

/* sampler_fill in two halves, for a caller that runs its own parallel loop over paths:
 * sampler_begin, from serial code, prepares paths first .. first+n-1 (the quasi-random
 * sequence has state) and returns the uniforms buffer to pass on: uniforms, or the
 * sampler's own scratch when that is NULL (NULL if that cannot be had). sampler_rows then
 * computes rows r0 .. r1-1 of that batch into u and values (values may be NULL): from
 * any thread, on rows no other thread is given, with no allocation; z is scratch of
 * sampler_scratch_len(s) doubles, one per thread. The same bits as sampler_fill. */
double *sampler_begin(sampler *s, uint64_t first, size_t n, double *uniforms);
void sampler_rows(const sampler *s, uint64_t first, size_t r0, size_t r1, double *u, double *values, double *z);
size_t sampler_scratch_len(const sampler *s);

/* Validation used by the loader: 0 when the copula matrix of sc's correlations is
 * positive definite; else -1 and msg names the pairs involved. */
int sample_check_correlations(const scenario *sc, char *msg, size_t msglen);

#endif
