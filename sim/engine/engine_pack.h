/*
 * engine_pack: a superblock as a package of 64-bit words, so that it can be computed in
 * one place and consumed in another: an MPI rank computes it and sends it to rank 0;
 * `capsim merge` reads it back from a shard file (engine_merge.c). A package holds: tag,
 * superblock, its first path, its path count, the variant count; then batch by batch and
 * variant by variant the batch's totals (n x ntotals), yearly aggregates (n x 2 nyears)
 * and saved rows (m x row_len); then each variant's blob (engine_superblock.h).
 *
 * The consumer recomputes each path's sampled values and uniforms with its own sampler
 * (keyed by path: the same bits) and from there runs the very code a superblock computed
 * here runs: the per-path data are written and spilled in path order, the blobs are
 * loaded and the superblock finished.
 */
#ifndef CAPSIM_ENGINE_PACK_H
#define CAPSIM_ENGINE_PACK_H

#include "engine_state.h"

/* Start package pk (emptied) of superblock s with its header. 0, or -1 when out of
 * memory. */
int eng_pack_begin(const engine *e, uint64_t s, words *pk);

/* Superblock s computed here (its batches in turn, no pipeline) into package pk; the
 * superblock accumulators are reset after. 0, or -1 when out of memory. */
int eng_pack_superblock(engine *e, uint64_t s, words *pk);

/* The package w[0..nw) of superblock s consumed: written, spilled, merged into the run's
 * accumulators. 0, or -1 with the reason in e->err. */
int eng_pack_consume(engine *e, uint64_t s, const uint64_t *w, size_t nw);

#endif
