/*
 * engine_pipeline: a superblock computed and consumed by this process, its batches run as
 * a two-stage pipeline (docs/ENGINE.md): while batch j is computed into every variant's
 * buffers b, batch j - 1 (in buffers done) is folded into the superblock's accumulators
 * and written out. Both go into one parallel loop of work items -- the accumulators'
 * pieces (disjoint variables) first, then the paths in chunks -- taken dynamically by the
 * threads, while the master thread first writes batch j - 1 (HDF5 is not thread-safe:
 * one thread calls it). One barrier per batch, no serial write between batches, and no
 * thread idles at the end of one kind of work while another kind is left. Every
 * accumulator still takes its batches in order, each piece in row order: the same bits
 * for any thread count.
 */
#ifndef CAPSIM_ENGINE_PIPELINE_H
#define CAPSIM_ENGINE_PIPELINE_H

#include "engine_state.h"

/* Superblock s computed here, written, and finished (eng_sb_finish). 0, or -1 with the
 * reason in e->err. */
int eng_pipeline_superblock(engine *e, uint64_t s);

#endif
