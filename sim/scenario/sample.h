/*
 * sample: the per-path values of a scenario's uncertain fields (DESIGN.md 3, 5).
 *
 * For path i, each uncertain value k gets a uniform u_ik in (0,1) from the scenario's
 * sampling scheme, keyed by its key path (so that two scenarios sharing a key path share
 * its draws: common random numbers by name):
 *   random  u = Philox(seed, stream_k; counter (i, 0, 0))
 *   lhs     u = (perm_k(i) + Philox(...)) / N, perm_k a keyed pseudo-random permutation of
 *           0..N-1 computed in O(1) memory (so each of N strata is hit exactly once)
 *   sobol   u = frac(sobol_d(k)(i) + shift_k), a random (Cranley-Patterson) shift keyed
 *           by the key path; d(k) = rank of the key path among the scenario's (strcmp order: stable when the file is reordered)
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

/* A sampler for npaths paths of sc (npaths matters for lhs). On a correlation matrix
 * that is not positive definite, returns NULL and writes the message into msg. */
sampler *sampler_alloc(const scenario *sc, uint64_t npaths, char *msg, size_t msglen);
void sampler_free(sampler *s);

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
