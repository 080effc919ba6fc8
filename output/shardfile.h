/*
 * shardfile: the /shard group of a file written by `capsim run --shard i/n` (and compare,
 * sweep), and reading it back for `capsim merge` (docs/ENGINE.md).
 *
 * A shard file is a complete results file of its own range of paths (its /stats are the
 * statistics of those paths; `summary` reads it) plus /shard, which holds what a merge
 * needs to rebuild the whole run's file bit for bit:
 *   - attributes: the shard (index, count, its superblocks and paths) and the run (total
 *     paths, seed, --save-paths, command, layout sizes, superblock size, format);
 *   - the job, so that merge can load the very same scenarios: for each variant its
 *     label, scenario text, source name and --set list; the varied keys and values;
 *   - `yearly` (variant, path, 2 x years): each path's calendar-year unmet demand and
 *     spend, which the yearly rank correlations need and the file holds nowhere else;
 *   - `acc/sbNNNNNNNNN.vV`: for each superblock and variant the saved accumulators of
 *     that superblock (engine_superblock.c's blob: statistics, differences, yearly statistics,
 *     Sobol sums), 64-bit words, shuffled and deflated.
 * Per-path totals and saved paths are read from the file's own /totals and /paths; the
 * sampled values and their uniforms are recomputed (the sampler is keyed by path).
 *
 * Ownership: shard_info strings belong to the shard_file they were read from; the writer
 * copies nothing it does not need after shard_writer_open().
 */
#ifndef CAPSIM_SHARDFILE_H
#define CAPSIM_SHARDFILE_H

#include <stddef.h>
#include <stdint.h>
#include <hdf5.h>
#include "models/model.h"

#define SHARD_FORMAT "capsim-shard-4"

typedef struct {
    /* the whole run */
    const char *command;                 /* run | compare | sweep */
    uint64_t total_paths, seed, save_paths;
    uint64_t superblock;                 /* paths per superblock (engine_job.superblock_paths) */
    size_t nvariants;
    const char *const *variant_names;
    const char *const *texts;            /* scenario text of each variant */
    const char *const *sources;          /* its source name (file path or <built-in>...) */
    const size_t *nsets;                 /* --set arguments of each variant */
    const char *const *const *sets;
    size_t nvary;
    const char *const *vary_keys;
    const double *vary_values;           /* nvariants x nvary */
    /* layout sizes, checked by merge against the reloaded scenarios */
    uint64_t row_len, ntotals, nparams, nyears;
    /* this shard */
    uint32_t index, count;
    uint64_t sb_first, sb_end;           /* superblocks [sb_first, sb_end) */
    uint64_t path_first, path_end;       /* paths [path_first, path_end) */
    const char *capsim_version, *git_revision;   /* of the writer (read back only) */
} shard_info;

/* ---- writing (inside a results file being written, before h5out_finish) ---- */

typedef struct shard_writer shard_writer;

/* Create /shard in file with info's attributes and job. NULL with the reason in err. */
shard_writer *shard_writer_open(hid_t file, const shard_info *info, char *err, size_t errlen);

/* Yearly aggregates of paths local_first .. +n of variant v (n x ny, row by row). */
int shard_write_yearly(shard_writer *w, size_t v, uint64_t local_first, size_t n, const double *yrows);

/* The accumulator words of superblock sb, variant v. */
int shard_write_acc(shard_writer *w, uint64_t sb, size_t v, const uint64_t *words, size_t nwords);

/* Close what the writer holds (before h5out_finish); accepts NULL. 0, or -1 when HDF5
 * reports a deferred failure. The reason of the last failure: shard_writer_error(). */
int shard_writer_close(shard_writer *w);
const char *shard_writer_error(const shard_writer *w);

/* ---- reading (merge) ---- */

typedef struct shard_file shard_file;

/* Open a shard file read-only, check it as a results file (results_open) and check its
 * /shard group: every attribute within its limits and consistent with the others and with
 * the file (paths, variants, saved paths), the job's datasets of the sizes the attributes
 * give, /shard/yearly of (variants, paths, 2 x years), one non-empty dataset of words in
 * /shard/acc per superblock and variant; then read the description. NULL with the reason
 * in err when the file cannot be read, is damaged or is not a shard of this format. */
shard_file *shard_open(const char *path, char *err, size_t errlen);
void shard_close(shard_file *f);   /* accepts NULL */
const shard_info *shard_get_info(const shard_file *f);
const char *shard_path(const shard_file *f);

/* Check that files[0..n) are the n shards of one run: the same job, superblock size
 * and layout, every index 0..count-1 exactly once. Sorts files by index. 0, or -1 with
 * a message naming the file and the difference. */
int shard_check_set(shard_file **files, size_t n, char *msg, size_t msglen);

/* Per-path data of variant v, paths local_first .. +n of the shard (local index 0 is
 * path_first), in the common layout L:
 *   totals: out[i * L->ntotals + (L->total_off[k] - L->total_off[0]) + j]
 *   yearly: out[i * ny + y]
 *   series: rows[i * L->row_len + L->series_off[s] + ...] (from /paths; only series
 *           elements are written)  */
int shard_read_totals(shard_file *f, size_t v, uint64_t local_first, size_t n, const model_layout *L,
                      double *out);
int shard_read_yearly(shard_file *f, size_t v, uint64_t local_first, size_t n, size_t ny, double *out);
int shard_read_series(shard_file *f, size_t v, uint64_t local_first, size_t n, const model_layout *L,
                      double *rows);

/* The accumulator words of superblock sb, variant v (*words malloc'ed: caller frees). */
int shard_read_acc(shard_file *f, uint64_t sb, size_t v, uint64_t **words, size_t *nwords);

/* The reason of the last failed read on f, and its status (output/results.h):
 * RESULTS_BAD_FILE (damaged: data that do not fit or do not decode) or RESULTS_IO (the
 * system's read error, out of memory). */
const char *shard_error(const shard_file *f);
int shard_error_status(const shard_file *f);

/* The per-path data of f (its /totals and /paths datasets) have the shapes the layout L of
 * the reloaded scenarios gives them. 0, or -1 with the reason in shard_error(f). */
int shard_check_layout(shard_file *f, const model_layout *L);

#endif
