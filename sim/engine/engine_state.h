/*
 * engine_state: the state of one run of the engine, shared by the engine's files and by
 * no one outside sim/engine: the job, the variants on their common layout, the per-thread
 * workspaces, the share of the run this process computes, the run's progress and the
 * output being written. Each group of fields says which file writes it; eng_init and
 * eng_free are here, with the geometry of the run (which paths a superblock holds).
 */
#ifndef CAPSIM_ENGINE_STATE_H
#define CAPSIM_ENGINE_STATE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "engine_words.h"
#include "progress.h"
#include "models/model.h"
#include "sim/scenario/sample.h"
#include "sim/stats/replicates.h"
#include "sim/stats/sensitivity.h"
#include "sim/stats/stats.h"

typedef struct h5out h5out;                 /* output/h5out.h */
typedef struct shard_writer shard_writer;   /* output/shardfile.h */

/* Names in order of first appearance. */
typedef struct {
    size_t n;
    const char **names;
} name_set;

/* One batch's per-path buffers (e->batch paths each: at most ENGINE_BATCH). */
typedef struct {
    double *rows;          /* ENGINE_BATCH x L.row_len */
    double *urows;         /* ENGINE_BATCH x common row_len (== rows when no map) */
    double *drows;         /* ENGINE_BATCH x common row_len (v >= 1, replicated designs only: the
                            * replicates' differences; the sketch takes urows - baseline urows) */
    double *values;        /* ENGINE_BATCH x nu */
    double *uniforms;      /* ENGINE_BATCH x nu */
    double *uvalues;       /* ENGINE_BATCH x nparams (common) */
    double *uuniforms;     /* ENGINE_BATCH x nparams (common) */
    double *yrows;         /* ENGINE_BATCH x 2 * nyears: unmet H100e-hours, then spend */
    double *bvalues;       /* ENGINE_BATCH x nu (saltelli) */
    double *buniforms;     /* ENGINE_BATCH x nu (saltelli): bvalues' uniforms */
    double *salt;          /* ENGINE_BATCH x (nu + 2) x L.ntotals: f(A), f(B), f(AB_j) (saltelli) */
} batch_buf;

/* One variant (engine_variant.c makes and frees it). */
typedef struct {
    const scenario *sc;
    model_layout L;
    sampler *smp;
    qtable_set *tables;    /* inverse-CDF tables the model's monthly draws share (threads) */
    size_t nu;             /* sc->nuncertain */
    size_t *row_map;       /* L.row_len: index in the common row; NULL when identical */
    size_t *param_map;     /* nu: index among the common params */
    stats *st;             /* statistics of the common rows */
    stats *diff;           /* variant minus variant 0 (v >= 1) */
    batch_buf b;           /* the batch being computed */
    batch_buf done;        /* the batch computed before it, being accumulated and written */
    FILE *spill;           /* per-path data for the sensitivity pass (engine_sensitivity.c) */
    stats *yst;            /* statistics of the yearly aggregates (for their ranks) */
    /* saltelli */
    scenario *bshell;      /* sc with the B-matrix streams */
    sampler *bsmp;
    sobol_acc *sobol;
    /* replicate means (lhs, sobol: sim/stats/replicates.h) of st's and diff's variables,
     * for their standard errors; NULL when the paths are independent */
    repl_acc *rep, *rep_diff;
    /* the current superblock's accumulators (engine_superblock.c) */
    stats *sb_st, *sb_diff, *sb_yst;
    sobol_acc *sb_sobol;
    repl_acc *sb_rep, *sb_rep_diff;
} variant_run;

/* One accumulator of a superblock and where a batch's rows for it are (engine_pipeline.c). */
typedef struct {
    stats *s;
    const double *rows;
    const double *minus;   /* NULL, or the baseline's rows: s takes rows - minus (paired differences) */
    size_t stride, pieces;
} acc_target;

/* One replicate accumulator of a superblock and where a batch's rows for it are. */
typedef struct {
    repl_acc *a;
    const double *rows;
    size_t pieces;
} rep_target;

typedef struct {
    /* eng_init: the job and what it is run with; read by every file */
    const engine_job *job;
    size_t nv;
    variant_run *vr;
    model_layout U;        /* the common layout */
    name_set clouds, segments, contracts, options, params;
    const char **contract_clouds;   /* contracts.n: each contract's cloud (the first variant
                                     * that has the contract says which) */
    model_ws **ws;         /* threads x nv */
    double **scratch;      /* threads: a row and a value vector for the saltelli runs, then
                            * the samplers' scratch (at sampler_at) */
    size_t sampler_at;
    int nthreads;
    int nyears;            /* calendar years the horizon touches */
    int target_total;      /* --target-rse: index into model_totals, or -1 */
    double target_q;       /* its quantile level, or < 0 for the mean */
    double t0;             /* when the run began (progress_now) */
    /* eng_init: the share of the run here */
    int rank, nranks;
    uint64_t sb_paths;               /* paths per superblock */
    size_t batch;                    /* paths per pipeline batch (engine.h, ENGINE_BATCH) */
    uint64_t sb_first, sb_end;       /* superblocks of this run or shard */
    uint64_t path_first, path_end;   /* their paths */
    uint64_t save_local;             /* paths of this file's /paths (local indices) */
    /* the run's progress */
    uint64_t done;                   /* paths consumed, in order, from path_first (engine_output.c) */
    int stopped;                     /* --target-rse reached (engine_superblock.c) */
    double achieved_rse;             /* --target-rse: the metric's RSE at the end (engine_output.c) */
    acc_target *acc;                 /* 3 per variant (engine_superblock.c) */
    rep_target *rep_acc;             /* 2 per variant (engine_superblock.c) */
    words blob;                      /* scratch for saving accumulators (engine_superblock.c) */
    progress prog;
    /* the output (engine_output.c) */
    h5out *out;
    shard_writer *shard;             /* --shard: the /shard group of the output */
    int open_left;                   /* halves of the output's creation still to do */
    /* the reason of the failure (eng_fail) */
    char err[2048];
} engine;

/* Prepare e for job: the variants and their common layout, buffers, accumulators,
 * workspaces, the share of the run here. 0, or -1 with the reason in e->err; either way
 * eng_free(e) is to be called. */
int eng_init(engine *e, const engine_job *job);
void eng_free(engine *e);

/* Put the reason of a failure in e->err; returns -1. */
__attribute__((format(printf, 2, 3)))
int eng_fail(engine *e, const char *fmt, ...);

/* Paths of superblock s: [first, end). */
void eng_superblock_paths(const engine *e, uint64_t s, uint64_t *first, uint64_t *end);

/* Saved paths (--save-paths) among paths first .. first+n-1: the first m of them. */
size_t eng_saved_rows(const engine *e, uint64_t first, size_t n);

/* Paths of the batch at first, in a superblock that ends at end. */
static inline size_t eng_batch_len(const engine *e, uint64_t first, uint64_t end)
{
    return end - first < e->batch ? (size_t)(end - first) : e->batch;
}

/* n doubles (at least one), uninitialised; NULL when out of memory. */
static inline void *eng_alloc_doubles(size_t n)
{
    return malloc((n ? n : 1) * sizeof(double));
}

#endif
