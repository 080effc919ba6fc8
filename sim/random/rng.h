/*
 * rng: counter-based random streams (README, "Random numbers, seeds and reproducibility").
 *
 * Every draw comes from Philox4x64-10 (Random123) keyed by (seed, hash of the draw's
 * key path) with the counter (path index, month, draw index). The generator is wrapped
 * as a gsl_rng type so that every GSL distribution can draw from it. Re-keying is a
 * few stores: do it freely, once per (stream, path, month).
 *
 * Nothing here depends on threads or on the order in which work is done: the same
 * (seed, stream, path, month) always yields the same sequence.
 */
#ifndef CAPSIM_RNG_H
#define CAPSIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* The gsl_rng type; gsl_rng_alloc(rng_philox) works, rng_alloc() is shorter. */
extern const gsl_rng_type *rng_philox;

gsl_rng *rng_alloc(void);

/* Point r at the start of stream (seed, stream, path, month). */
void rng_set_stream(gsl_rng *r, uint64_t seed, uint64_t stream, uint64_t path, uint64_t month);

/* 64-bit FNV-1a hash of a key path string: the stream id of the draws named by it. */
uint64_t rng_hash(const char *keypath);

/* One uniform in (0,1) (never exactly 0 or 1) for a one-off draw: stream (seed, stream),
 * counter (path, month, index). Used for per-path parameter sampling. */
double rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t path, uint64_t month, uint64_t index);

#endif
