/*
 * sim/engine: the Monte Carlo engine (layer 5). Its files may include output/, models/,
 * sim/stats, sim/scenario, sim/random and sim/base; never sim/cli. What lives here:
 *   engine.h             the public face (this file): engine_run, engine_merge
 *   engine.c             init, the loop over superblocks (here, on MPI ranks, or read
 *                        back from shards), finalise; the call graph of the files below
 *   engine_pipeline.c    a superblock computed here: its batches as a two-stage pipeline
 *   engine_pack.c        a superblock as a package: computed on one rank, consumed on another
 *   engine_merge.c       the shards of a run checked and read back as packages
 *   engine_output.c      the results file: created, appended to, finished
 *   engine_sensitivity.c the spill file, rank correlations, Sobol indices
 *   engine_superblock.c  a superblock's accumulators: filled, saved, merged into the run's
 *   engine_batch.c       a batch of paths: sampling, the model, paired differences
 *   engine_state.c       the state shared by the files above: init, free, errors
 *   engine_variant.c     the variants on one common layout; their buffers
 *   engine_target.c      --target-rse: the metric and its relative standard error
 *   engine_words.c       64-bit words: the form in which a superblock moves
 *   mpi_comm.c           the only file that knows MPI
 *   progress.c           the progress line on stderr
 * Each engine_X.c has a private engine_X.h for the files that call it; nothing outside
 * sim/engine includes those.
 *
 * engine: runs the model over many paths, in parallel, with results that do not depend
 * on how the work is split (README, "Random numbers, seeds and reproducibility"; docs/OUTPUT.md; docs/ENGINE.md).
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
 * Splitting the work (docs/ENGINE.md): the paths form superblocks of
 * engine_job.superblock_paths paths (ENGINE_SUPERBLOCK by default), fixed by path index.
 * Each superblock's rows are folded, in path order, into fresh accumulators, which are
 * then merged into the run's in superblock order: that is the canonical computation, and
 * the one way a result is ever computed. A shard (--shard i/n) is a contiguous range of
 * whole superblocks and keeps its superblocks' accumulators in its file; `capsim merge`
 * folds them in order. Under mpirun the ranks take superblocks round robin and send them,
 * saved, to rank 0, which folds them in order and writes the one file. Either way the
 * statistics, totals, sampled values and sensitivity are bitwise those of a single
 * process with the same superblock size.
 */
#ifndef CAPSIM_ENGINE_H
#define CAPSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "sim/scenario/scenario.h"

/* Paths per batch: the unit of the pipeline (docs/ENGINE.md), which holds two batches'
 * buffers per variant. Where a batch ends never changes a result, so a run of many
 * variants takes smaller batches (halved down to ENGINE_BATCH_MIN while the two batches'
 * rows of all its variants would pass ENGINE_ROWS_BUDGET bytes): a sweep's memory per
 * variant is then mostly its statistics. */
#define ENGINE_BATCH 512
#define ENGINE_BATCH_MIN 64
#define ENGINE_ROWS_BUDGET ((size_t)256 << 20)
/* Paths per superblock by default. The superblock size is part of the job (results depend
 * on it; shards record it and merge uses theirs), never a function of threads, ranks or
 * shards. */
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
    uint64_t superblock_paths;         /* paths per superblock, a multiple of ENGINE_BATCH;
                                        * 0: ENGINE_SUPERBLOCK */
} engine_job;

/* What a run or a merge tells its command. */
typedef struct {
    char error[2048];      /* on failure, the reason (without a "capsim: " prefix); "" when
                            * another rank has it (under mpirun the rank that knows says) */
    int abort_ranks;       /* the failure was this rank's alone, mid-run: the other ranks
                            * cannot know, so after printing the caller ends them all
                            * (comm_abort) */
    uint64_t paths;        /* paths done per variant (of this run, shard or merge) */
    size_t nvariants;
    double seconds;        /* wall time from the call to the file in place */
    /* --target-rse: the relative standard error the run ended with (NaN without a target,
     * or on ranks other than 0), and whether it met the target */
    double achieved_rse;
    int target_reached;
} engine_report;

typedef struct shard_file shard_file;

/* Check a --target-rse metric name against the output tables: 0 if valid, else -1 with
 * the reason in msg. */
int engine_check_target(const char *on, char *msg, size_t msglen);

/* Run the job and write its results file. Returns 0 on success, 1 on a runtime failure
 * (the reason in rep->error; no file left under out_path). rep (may be NULL) gets what
 * the command prints: nothing is printed here but the progress line. Under mpirun every
 * rank calls it with the same job; rank 0 writes the file. With job->nshards > 0 only the
 * shard's superblocks run and the file gets a /shard group for merge (--target-rse is
 * then not allowed: a shard cannot know where the whole run would stop). */
int engine_run(const engine_job *job, engine_report *rep);

/* The paths [*first, *end) of shard i of n of a run of `paths` paths in superblocks of
 * `superblock` paths: whole superblocks, shard i taking superblocks [i S / n, (i + 1) S / n),
 * S = ceil(paths / superblock) (a shard may be empty when n > S). */
void engine_shard_paths(uint64_t paths, uint64_t superblock, unsigned i, unsigned n, uint64_t *first,
                        uint64_t *end);

/* Merge the shards files[0..n) (checked and sorted by shard_check_set) of the run job
 * (its scenarios reloaded from the shards' /shard job, its superblock size theirs) into
 * job->out_path: the file of a single run, bitwise in every dataset. 0, 1 on a runtime
 * failure, 2 when the shards do not fit the job or are damaged; the reason in rep->error. */
int engine_merge(const engine_job *job, shard_file *const *files, size_t n, engine_report *rep);

#endif
