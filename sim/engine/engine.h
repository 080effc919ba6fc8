/*
 * engine: runs the model over many paths, in parallel, with results that do not depend
 * on how the work is split (DESIGN.md 5, 6, 10).
 *
 * The run is: init (samplers, workspaces, accumulators, output file), a loop over
 * batches of ENGINE_BATCH paths, finalise (statistics, sensitivity, provenance, rename).
 * Inside a batch one `omp parallel for` runs the paths; every per-path object is local
 * to its iteration and every random draw is keyed by (seed, key path, path, month), so
 * a path's row does not depend on the thread that ran it. The batch's rows are then
 * folded into the accumulators in path order, so the statistics are bitwise identical
 * for any thread count. Batch and superblock boundaries are fixed by path index, never by
 * threads or ranks; --target-rse is checked at superblock boundaries, so it stops at the
 * same path count for any number of threads and ranks.
 *
 * Several variants (compare, sweep) run on the same path indices in the same batch:
 * their common random numbers are keyed by name, and the engine adds paired
 * differences (variant v minus variant 0) path by path.
 *
 * Splitting the work (DESIGN.md 10, docs/ENGINE.md): the paths form superblocks of
 * ENGINE_SUPERBLOCK paths, fixed by path index. Each superblock's rows are folded, in
 * path order, into fresh accumulators, which are then merged into the run's in
 * superblock order: that is the canonical computation, and the one way a result is ever
 * computed. A shard (--shard i/n) is a contiguous range of whole superblocks and keeps
 * its superblocks' accumulators in its file; `capsim merge` folds them in order. Under
 * mpirun the ranks take superblocks round robin and send them, saved, to rank 0, which
 * folds them in order and writes the one file. Either way the statistics, totals,
 * sampled values and sensitivity are bitwise those of a single process.
 */
#ifndef CAPSIM_ENGINE_H
#define CAPSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "sim/scenario/scenario.h"

/* Paths per batch: the unit of the pipeline (docs/ENGINE.md), which holds two batches'
 * buffers per variant. Where a batch ends never changes a result. */
#define ENGINE_BATCH 512
/* Paths per superblock: a constant of the file format (shards record it; merge checks it),
 * never a function of threads, ranks or shards. */
#define ENGINE_SUPERBLOCK_BATCHES 32
#define ENGINE_SUPERBLOCK ((uint64_t)ENGINE_BATCH * ENGINE_SUPERBLOCK_BATCHES)

typedef struct {
    const scenario *const *variants;   /* nvariants scenarios; variant 0 is the baseline */
    size_t nvariants;
    const char *const *variant_names;  /* labels for the variant coordinate */
    size_t nvary;                      /* sweep: varied key paths and values (nvariants x nvary) */
    const char *const *vary_keys;
    const double *vary_values;
    uint64_t paths;                    /* paths per variant (the maximum with target_rse) */
    uint64_t seed;
    int threads;                       /* 0: OpenMP's default */
    size_t save_paths;
    double target_rse;                 /* 0: run exactly `paths` */
    const char *target_on;             /* total NAME, or NAME:qP (e.g. pv_spend:q0.95) */
    int quiet;                         /* no progress line */
    const char *out_path;
    const char *command;               /* run | compare | sweep */
    const char *command_line;
    /* The --set arguments each variant was loaded with (NULL: none), recorded in shard
     * files so that merge can reload the very same scenarios. */
    const size_t *variant_nsets;
    const char *const *const *variant_sets;
    unsigned shard, nshards;           /* --shard shard/nshards; nshards 0: the whole run */
} engine_job;

typedef struct shard_file shard_file;

/* Check a --target-rse metric name against the output tables: 0 if valid, else -1 with
 * the reason in msg. */
int engine_check_target(const char *on, char *msg, size_t msglen);

/* Run the job and write its results file. Returns 0 on success, 1 on a runtime failure
 * (message printed to stderr; no file left under out_path). Under mpirun every rank
 * calls it with the same job; rank 0 writes the file. With job->nshards > 0 only the
 * shard's superblocks run and the file gets a /shard group for merge (--target-rse is
 * then not allowed: a shard cannot know where the whole run would stop). */
int engine_run(const engine_job *job);

/* The paths [*first, *end) of shard i of n of a run of `paths` paths: whole superblocks,
 * shard i taking superblocks [i S / n, (i + 1) S / n), S = ceil(paths / ENGINE_SUPERBLOCK)
 * (a shard may be empty when n > S). */
void engine_shard_paths(uint64_t paths, unsigned i, unsigned n, uint64_t *first, uint64_t *end);

/* Merge the shards files[0..n) (checked and sorted by shard_check_set) of the run job
 * (its scenarios reloaded from the shards' /shard job) into job->out_path: the file of
 * a single run, bitwise in every dataset. 0, 1 on a runtime failure, 2 when the shards
 * do not fit the job (message printed). */
int engine_merge(const engine_job *job, shard_file *const *files, size_t n);

#endif
