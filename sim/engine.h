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
 * for any thread count. Batch boundaries are fixed by path index, never by threads,
 * which also makes --target-rse stop at the same path count for any thread count.
 *
 * Several variants (compare, sweep) run on the same path indices in the same batch:
 * their common random numbers are keyed by name, and the engine adds paired
 * differences (variant v minus variant 0) path by path.
 */
#ifndef CAPSIM_ENGINE_H
#define CAPSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "scenario.h"

#define ENGINE_BATCH 1024

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
} engine_job;

/* Check a --target-rse metric name against the output tables: 0 if valid, else -1 with
 * the reason in msg. */
int engine_check_target(const char *on, char *msg, size_t msglen);

/* Run the job and write its results file. Returns 0 on success, 1 on a runtime failure
 * (message printed to stderr; no file left under out_path). */
int engine_run(const engine_job *job);

#endif
