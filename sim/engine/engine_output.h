/*
 * engine_output: the results file of a run, written by one process (rank 0 under
 * mpirun): created in two halves (the file and its statistics groups, then the per-path
 * groups and a shard's /shard group); each batch's per-path data appended in path order
 * (and onto the spill, for the sensitivity pass); a shard's saved superblock
 * accumulators; at the end the statistics, sensitivity and provenance, and the rename
 * into place. Only this file (and HDF5 through output/) writes the file.
 */
#ifndef CAPSIM_ENGINE_OUTPUT_H
#define CAPSIM_ENGINE_OUTPUT_H

#include "engine_state.h"

/* Create the file later, half by half, in the first steps of engine_pipeline.c (the
 * serial HDF5 work overlaps the first batches). */
void eng_out_defer(engine *e);

/* The next half of a deferred creation, if any is left: the first half at once, the
 * second only when need_file (a write is about to come). 0, or -1 with e->err. */
int eng_out_open_step(engine *e, int need_file);

/* Create the file, or finish creating it. 0, or -1 with the reason in e->err. */
int eng_out_open(engine *e);

/* The batch of n paths at first (the next paths of this file, in order), from every
 * variant's buffers b (or done, from_done): its per-path data into the file and the
 * spill; e->done advances. 0, or -1 with e->err. */
int eng_out_emit(engine *e, uint64_t first, size_t n, int from_done);

/* A shard's saved accumulators of superblock s, variant v. 0, or -1 with e->err. */
int eng_out_shard_acc(engine *e, uint64_t s, size_t v, const words *blob);

/* Statistics, sensitivity, provenance (and the root attribute extra_attr = extra_value
 * when extra_attr is not NULL); the file is renamed into place and the accumulators are
 * freed. 0, or -1 with e->err (no file is left then). */
int eng_out_finish(engine *e, const char *extra_attr, int64_t extra_value);

/* After a failure: close what is open and remove the temporary file (nothing when all is
 * closed). */
void eng_out_abort(engine *e);

#endif
