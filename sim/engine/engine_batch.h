/*
 * engine_batch: computing a batch of paths into every variant's buffers b: the sampled
 * values, each variant's row (and its saltelli runs), the rows in the common layout, the
 * paired differences and the calendar-year aggregates.
 *
 * Inside a batch the paths are independent: every per-path object is local to its path
 * and every random draw is keyed by (seed, key path, path, month), so a path's row does
 * not depend on the thread that ran it. With `sampling: saltelli` every path i is also
 * run on the paired matrix B (a second, independent draw of every uncertain value, keyed
 * by "KEYPATH#saltelli-B") and on each AB_j (path i's values with value j from B), with
 * the same monthly shocks; the totals feed the Sobol-index estimators of sensitivity.h.
 * Path i's row itself is the A run, so every other statistic is that of plain random
 * sampling.
 */
#ifndef CAPSIM_ENGINE_BATCH_H
#define CAPSIM_ENGINE_BATCH_H

#include "engine_state.h"

/* Paths per work item of the parallel loops. */
enum { PATH_CHUNK = 4 };

/* The serial part of sampling the batch of n paths at first (the quasi-random sequence
 * has state); the rest is done by eng_batch_chunk. */
void eng_batch_begin(engine *e, uint64_t first, size_t n);

/* Paths i0 .. i1-1 of the batch at first, after eng_batch_begin, on thread tid: their
 * sampled values, rows, paired differences and yearly aggregates, in every variant's
 * buffers b. Sampling here rather than in a loop of its own saves a barrier per batch and
 * keeps a path's values in the cache of the thread that runs it. */
void eng_batch_chunk(engine *e, int tid, uint64_t first, size_t i0, size_t i1);

/* The whole batch of n paths at first into every variant's buffers b, in parallel. */
void eng_batch_compute(engine *e, uint64_t first, size_t n);

/* Variant r's sampled values and uniforms of the batch of n paths at first, into its
 * buffers b (own and common order), without running the model: the sampler is keyed by
 * path, so they are those of the process that ran the paths. */
void eng_batch_resample(const engine *e, variant_run *r, uint64_t first, size_t n);

#endif
