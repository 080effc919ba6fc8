/*
 * engine_superblock: a superblock's accumulators (docs/ENGINE.md). The accumulators of a
 * run are never fed rows directly: each superblock of e->sb_paths paths is folded, batch
 * by batch in path order, into fresh per-superblock accumulators (sb_st, sb_diff,
 * sb_yst, sb_sobol), which at the superblock's end are merged into the run's (st, diff,
 * yst, sobol) in superblock order, and reset. A superblock is the unit of work that can
 * move: its accumulators are saved as 64-bit words (a "blob" per variant) and loaded
 * elsewhere with every bit intact, so the merge sequence, hence every result, is the same
 * whether the superblocks ran here, in shard files or on other MPI ranks. The Sobol sums
 * share one shift fixed in advance (eng_init), so that they merge by plain addition.
 */
#ifndef CAPSIM_ENGINE_SUPERBLOCK_H
#define CAPSIM_ENGINE_SUPERBLOCK_H

#include "engine_state.h"

/* The superblock's statistics of every variant, each with the rows it takes from the
 * buffers b (or done, from_done), into e->acc; returns how many. */
size_t eng_sb_targets(engine *e, int from_done);

/* The saltelli totals of n paths in buffers b into r's superblock Sobol sums, in path
 * order. */
void eng_sb_add_sobol(variant_run *r, const batch_buf *b, size_t n);

/* The superblock's replicate means of every variant (those that have them), each with
 * the rows it takes from the buffers b (or done, from_done), into t (2 per variant at
 * most); returns how many. */
size_t eng_sb_rep_targets(engine *e, int from_done, rep_target *t);

/* The batch of n paths from path first in every variant's buffers b into the
 * superblock's accumulators, in path order (serial over accumulators;
 * engine_pipeline.c does it in parallel). */
void eng_sb_add_batch(engine *e, uint64_t first, size_t n);

/* Variant r's superblock accumulators appended to b as one blob: for each of statistics,
 * differences (variants >= 1), yearly statistics and Sobol sums (saltelli) its word
 * count (0 when absent) followed by its words; then, for a replicated design (lhs,
 * sobol) only, the same for the replicate means of the statistics and differences. 0, or -1 when out of memory. */
int eng_sb_save(const variant_run *r, words *b);

/* A blob read back into r's superblock accumulators. 0, or -1 when it does not fit. */
int eng_sb_load(variant_run *r, reader *rd);

/* Empty r's superblock accumulators for the next superblock. */
void eng_sb_reset(variant_run *r);

/* Key the (empty) superblock accumulators of every variant for superblock s: call before
 * the superblock's first row, wherever it is computed. */
void eng_sb_seed(engine *e, uint64_t s);

/* The end of superblock s, whose accumulators are in sb_*: a shard keeps them in its
 * file, then they merge into the run's (the canonical order: superblock by superblock),
 * and the --target-rse is checked. 0, or -1 with the reason in e->err. */
int eng_sb_finish(engine *e, uint64_t s);

#endif
