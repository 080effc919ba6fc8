/*
 * engine_int: the engine's private state, shared by its three files and by no one else:
 *   engine.c          init, the loop over batches and superblocks, finalise
 *   engine_variant.c  the variants' common layout (union of names) and their buffers
 *   engine_pack.c     superblocks as words: saved accumulators, MPI packages, shard merge
 */
#ifndef CAPSIM_ENGINE_INT_H
#define CAPSIM_ENGINE_INT_H

#include "engine.h"

#include "mpi_comm.h"
#include "progress.h"
#include "sim/random/rng.h"
#include "sim/scenario/sample.h"
#include "sim/stats/sensitivity.h"
#include "output/shardfile.h"
#include "sim/stats/stats.h"
#include "models/model.h"
#include "output/h5out.h"
#include "output/hdf5_util.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t n;
    const char **names;
} name_set;

/* One batch's per-path buffers (ENGINE_BATCH paths each). */
typedef struct {
    double *rows;          /* ENGINE_BATCH x L.row_len */
    double *urows;         /* ENGINE_BATCH x common row_len (== rows when no map) */
    double *drows;         /* ENGINE_BATCH x common row_len (v >= 1) */
    double *values;        /* ENGINE_BATCH x nu */
    double *uniforms;      /* ENGINE_BATCH x nu */
    double *uvalues;       /* ENGINE_BATCH x nparams (common) */
    double *uuniforms;     /* ENGINE_BATCH x nparams (common) */
    double *yrows;         /* ENGINE_BATCH x 2 * nyears: unmet H100e-hours, then spend */
    double *bvalues;       /* ENGINE_BATCH x nu (saltelli) */
    double *buniforms;     /* ENGINE_BATCH x nu (saltelli): bvalues' uniforms */
    double *salt;          /* ENGINE_BATCH x (nu + 2) x L.ntotals: f(A), f(B), f(AB_j) (saltelli) */
} batch_buf;

typedef struct {
    const scenario *sc;
    model_layout L;
    sampler *smp;
    size_t nu;             /* sc->nuncertain */
    size_t *row_map;       /* L.row_len: index in the common row; NULL when identical */
    size_t *param_map;     /* nu: index among the common params */
    stats *st;             /* statistics of the common rows */
    stats *diff;           /* variant minus variant 0 (v >= 1) */
    batch_buf b;           /* the batch being computed */
    batch_buf done;        /* the batch computed before it, being accumulated and written */
    FILE *spill;
    stats *yst;            /* statistics of the yearly aggregates (for their ranks) */
    /* saltelli */
    scenario *bshell;      /* sc with the B-matrix streams */
    sampler *bsmp;
    sobol_acc *sobol;
    /* the current superblock's accumulators (see SUPERBLOCKS) */
    stats *sb_st, *sb_diff, *sb_yst;
    sobol_acc *sb_sobol;
} variant_run;

/* One accumulator of a superblock and where a batch's rows for it are (see PIPELINE). */
typedef struct {
    stats *s;
    const double *rows;
    size_t stride, pieces;
} acc_target;

/* A growable array of 64-bit words: a superblock package, or a blob being built. */
typedef struct {
    uint64_t *w;
    size_t n, cap;
} words;

typedef struct {
    const engine_job *job;
    size_t nv;
    variant_run *vr;
    model_layout U;        /* the common layout */
    name_set clouds, segments, contracts, params;
    model_ws **ws;         /* threads x nv */
    double **scratch;      /* threads: a row and a value vector for the saltelli runs, then
                            * the samplers' scratch (at sampler_at) */
    size_t sampler_at;
    int nthreads;
    int nyears;            /* calendar years the horizon touches */
    h5out *out;
    int target_total;      /* index into model_totals, or -1 */
    double target_q;       /* quantile level, or < 0 for the mean */
    /* the share of the run here */
    int rank, nranks;
    uint64_t sb_first, sb_end;       /* superblocks of this run or shard */
    uint64_t path_first, path_end;   /* their paths */
    uint64_t save_local;             /* paths of this file's /paths (local indices) */
    uint64_t done;                   /* paths consumed, in order, from path_first */
    int stopped;                     /* --target-rse reached */
    int open_left;                   /* halves of the output's creation still to do (see PIPELINE) */
    acc_target *acc;                 /* 3 per variant: see acc_targets() */
    shard_writer *shard;             /* --shard: the /shard group of the output */
    words blob;                      /* scratch for saving accumulators */
    progress prog;
} engine;

/* A cursor reading words back; every read checks the bounds. */
typedef struct {
    const uint64_t *w;
    size_t n, at;
} reader;

void eng_common_layout(engine *e);
void *eng_alloc_doubles(size_t n);
int eng_init_variant(engine *e, size_t v, char *err, size_t errlen);
void eng_free(engine *e);
/* The memory of the statistics and batch buffers, and the spill (the bulk of the
 * engine's memory), freed ahead of eng_free, which then skips them. */
void eng_free_accumulators(engine *e);
int eng_collect_names(engine *e);
int eng_consume_package(engine *e, uint64_t s, const uint64_t *w, size_t nw);
int eng_package_superblock(engine *e, uint64_t s, words *pk);
int eng_blob_save(const variant_run *r, words *b);
void eng_superblock_paths(const engine *e, uint64_t s, uint64_t *first, uint64_t *end);
int eng_open_output(engine *e);
size_t eng_batch_len(uint64_t first, uint64_t end);
int eng_finish_output(engine *e, double t0, const char *extra_attr, int64_t extra_value);
int eng_finish_superblock(engine *e, uint64_t s);
void eng_reset_superblock(variant_run *r);
void eng_accumulate_batch(engine *e, size_t n);
int eng_emit_batch(engine *e, uint64_t first, size_t n);
void eng_closing_message(const engine *e, double t0, const char *what);
void eng_map_params(const engine *e, variant_run *r, size_t n);
int eng_init(engine *e, const engine_job *job, char *err, size_t errlen);
void eng_compute_batch(engine *e, uint64_t first, size_t n);

#endif
