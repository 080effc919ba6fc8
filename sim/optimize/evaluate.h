/*
 * evaluate: one candidate of `capsim optimize` on a set of paths: the per-path values of
 * the totals the objective and the constraints need, and nothing else (no statistics,
 * no file). A path is computed exactly as the engine computes it (the scenario's sampler,
 * keyed by path index; model_run_path with the same draws, antithetic pairs included),
 * so the values are, bit for bit, the engine's /totals of the same scenario, seed and
 * path count, for any number of threads. Memory: the caller's columns (8 bytes per path
 * and total kept) plus one batch of sampled values and one row per thread.
 */
#ifndef CAPSIM_EVALUATE_H
#define CAPSIM_EVALUATE_H

#include <stddef.h>
#include <stdint.h>
#include "sim/scenario/scenario.h"

/* Paths 0 .. npaths-1 of sc (its own seed), on `threads` threads (0: OpenMP's default):
 * out[k * npaths + i] = total totals[k] (a single-valued model total) of path i. 0, or -1
 * with the reason in err. done_paths (may be NULL) is called after each batch with the
 * paths done so far (the progress line). */
int opt_eval(const scenario *sc, uint64_t npaths, int threads, const int *totals, size_t nt, double *out,
             void (*done_paths)(void *ctx, uint64_t n), void *ctx, char *err, size_t errlen);

#endif
