/*
 * output/: the results file and everything that reads it back (layer 4: may include
 * models/, sim/stats, sim/scenario, sim/random and sim/base; never sim/engine or
 * sim/cli, which sit above it). No C file here parses argv or prints to stderr:
 * functions return a status and put the reason in the caller's error buffer (or, for
 * h5out, in the handle); their callers (sim/engine, the commands in sim/cli) print it.
 *
 *   h5out.h, h5out.c   the results file writer: handle, groups, variables (this header)
 *   h5out_file.c       its file on disk: temporary name, signals, fsync, atomic rename
 *   h5out_coords.c     its coordinate variables (netCDF-4 dimension scales)
 *   h5out_int.h        what those three share, private to them
 *   hdf5_util.{c,h}    small HDF5 helpers: netCDF-4 conventions, error messages
 *   results.{c,h}      reading a results file back (variables, labels, attributes)
 *   summary.{c,h}      the percentile tables of `capsim summary`
 *   export.{c,h}       the CSV files of `capsim export`
 *   shardfile.{c,h}    the /shard group of a shard file, and reading shards for merge
 *   plot.py            PNG charts of a results file (a Python script: h5py, matplotlib)
 */

/*
 * h5out: the results file (docs/OUTPUT.md). One self-describing HDF5 file per run, readable
 * by h5py, xarray (h5netcdf and netcdf4 engines), ncdump and HDFView.
 *
 * Life cycle: h5out_open() creates the file under a temporary name in the target's
 * directory; the engine streams per-path data into it (h5out_append, h5out_append_paths)
 * and writes statistics at the end; h5out_finish() writes provenance, closes and renames
 * it over the target atomically. h5out_abort() (or SIGINT/SIGTERM while open) removes the
 * temporary file, leaving any existing file of the target name untouched. The rename
 * never replaces anything but a regular file (see h5out_check_target), also when
 * something else appeared at the name during the run (then h5out_finish fails).
 *
 * Variants: a plain run has one variant. compare and sweep have several (variant 0 is the
 * baseline) and add a `variant` dimension and paired-difference statistics (variant v
 * minus variant 0, path by path).
 *
 * All functions return 0 on success, -1 on failure with a message in the handle
 * (h5out_error()); every HDF5 return value is checked. After a failure the file is
 * unusable: call h5out_abort(). Layout reference: docs/OUTPUT.md.
 *
 * Signals: while a file is open, SIGINT, SIGTERM and SIGHUP (unless ignored) remove the
 * temporary file and re-raise with the default action; SIGXFSZ is ignored so that a file
 * size limit is reported as a write error. Previous dispositions are restored when the
 * last file is closed.
 */
#ifndef CAPSIM_H5OUT_H
#define CAPSIM_H5OUT_H

#include <stddef.h>
#include <stdint.h>
#include <hdf5.h>
#include "sim/scenario/scenario.h"
#include "sim/stats/replicates.h"
#include "sim/stats/exact.h"
#include "sim/stats/stats.h"
#include "models/model.h"

/* What the file will hold. Read during h5out_open() only: the handle keeps copies of
 * what it needs, so the description and its arrays may go after the call. */
typedef struct {
    const scenario *sc;              /* time axis (start, months), discount rate, text */
    const model_layout *L;           /* row layout of every variant (a common layout) */
    const char *const *clouds;       /* L->dimlen[DIM_CLOUD] names */
    const char *const *segments;     /* L->dimlen[DIM_SEGMENT] names */
    const char *const *contracts;    /* L->dimlen[DIM_CONTRACT] names */
    const char *const *contract_clouds; /* L->dimlen[DIM_CONTRACT]: each contract's cloud
                                        (a name of clouds), or NULL: no contract_cloud */
    const char *const *options;      /* L->dimlen[DIM_OPTION] names (contract options) */
    size_t nparams;                  /* sampled uncertain values (key paths) */
    const char *const *params;
    size_t nvariants;                /* 1 for run */
    const char *const *variants;     /* variant labels (file names, or "key=value" for sweep) */
    size_t nvary;                    /* sweep: varied key paths (0 otherwise) */
    const char *const *vary_keys;
    const double *vary_values;       /* nvariants x nvary: the varied values as coordinates */
    uint64_t npaths;                 /* per variant: a hint for chunk sizes; the path
                                        dimension grows with what is appended */
    size_t save_paths;               /* first K paths' monthly series to /paths */
} h5out_desc;

typedef struct {
    const char *command_line;
    const char *command;             /* run | compare | sweep */
    uint64_t seed;
    int threads, ranks;
    double wall_seconds;
    const char *sampling;
    const char *stop_reason;         /* "paths" or "target-rse reached" ... */
} h5out_run_info;

typedef struct h5out h5out;

/* Whether path can be the target of a results file; the commands call it before
 * simulating, so that a bad -o fails at once rather than after the run (h5out_open
 * checks again). Accepted: a new name, or an existing regular file (replaced
 * atomically), in an existing directory where we may create files (access W_OK|X_OK).
 * Refused: an empty path, one ending in '/', one too long for its temporary name
 * ".NAME.tmp.PID"; a name that is a directory, a device, a FIFO or a socket; a
 * symbolic link (even to a regular file: the rename would replace the link, so give
 * the file it points to); a directory part that is missing, not a directory or not
 * writable; another user's file in a sticky directory such as /tmp (the rename would be
 * refused). 0, or -1 with "path: reason" in err. Looks only: creates and removes
 * nothing. */
int h5out_check_target(const char *path, char *err, size_t errlen);

/* Create the temporary file and its layout. NULL on failure with the reason in err.
 * Before creating it, removes the temporary files of earlier runs of this target's name
 * that were killed (".NAME.tmp.PID", regular, ours, PID not running). */
h5out *h5out_open(const char *path, const h5out_desc *d, char *err, size_t errlen);

/* h5out_open in two halves, for a caller that overlaps each with other work: _begin
 * creates the file and its statistics groups (NULL on failure, as h5out_open); _end
 * the per-path groups (totals, params, sensitivity, saved paths), which must exist
 * before the first append: 0, or -1 with the reason in err (then h5out_abort(o)). d
 * must be the same description both times. */
h5out *h5out_open_begin(const char *path, const h5out_desc *d, char *err, size_t errlen);
int h5out_open_end(h5out *o, const h5out_desc *d, char *err, size_t errlen);

/* Per-path totals (from model rows, row_len stride) and sampled values (n x nparams)
 * of paths first .. first+n-1 of variant v. Written in chunks as they stream. */
int h5out_append(h5out *o, size_t v, uint64_t first, size_t n, const double *rows, const double *values);

/* Monthly series of the same paths into /paths (only those with index < save_paths). */
int h5out_append_paths(h5out *o, size_t v, uint64_t first, size_t n, const double *rows);

/* Statistics of variant v: s has L->row_len variables (series, then totals). rep: the
 * replicate means of the same variables (lhs, sobol), whose spread gives every `_se`
 * (sim/stats/replicates.h), or NULL for independent paths (the plain sd / sqrt(n)). The
 * group's `se_method` attribute says which: "iid" or "replicates:R" (R the number of
 * replicates; "iid" also when some replicate has no path, as with fewer paths than R),
 * "mixed" when the variants of a file differ. */
int h5out_write_stats(h5out *o, size_t v, const stats *s, const repl_acc *rep);

/* Paired differences variant v minus variant 0 (v >= 1): same shape as the stats. */
int h5out_write_diff_stats(h5out *o, size_t v, const stats *diff, const repl_acc *rep);

/* The exact statistics of the per-path totals of variant v (diff 0), or of their
 * differences from variant 0 (diff 1, v >= 1), after h5out_write_stats / _diff_stats:
 * ex[k] for each total value k of the layout (L->ntotals) replaces the sketch's NAME_q,
 * NAME_ppos and NAME_pneg and fills NAME_es_lo and NAME_es_hi (NaN until then). */
int h5out_write_exact_totals(h5out *o, size_t v, int diff, const exact_stats *ex);

/* Sensitivity of variant v: Spearman rank correlation of each total value (L->ntotals)
 * with each param: rank_corr[k * nparams + j]. */
int h5out_write_rank_corr(h5out *o, size_t v, const double *rank_corr);

/* Sensitivity of variant v's calendar-year aggregates: Spearman rank correlation of
 * each path's unmet demand (H100e-hours) in each calendar year, then of its spend
 * (nominal USD, contracts and spot) in each year, with each param:
 * rc[(a * nyears + y) * nparams + j], a = 0 unmet, 1 spend; year y is the calendar year
 * start_year + y (nyears = the calendar years the horizon touches). Written to
 * /sensitivity as rank_corr_unmet_by_year and rank_corr_spend_by_year over (year, param). */
int h5out_write_rank_corr_yearly(h5out *o, size_t v, size_t nyears, const double *rc);

/* Sobol indices (saltelli sampling): first[k * nparams + j], total[...], and their
 * confidence half-widths (95%). */
int h5out_write_sobol(h5out *o, size_t v, const double *first, const double *total,
                      const double *first_ci, const double *total_ci);

/* Provenance attributes, close, fsync, rename over the target. The handle is freed,
 * also on failure: then the temporary file is removed and h5out_error(NULL) says why. */
int h5out_finish(h5out *o, const h5out_run_info *info);

/* Close and remove the temporary file; accepts NULL. The handle is freed. */
void h5out_abort(h5out *o);

/* The reason of the last failure on o; with o == NULL, of the last failed h5out_open()
 * or h5out_finish(). */
const char *h5out_error(const h5out *o);

/* --- Shards (`capsim run --shard i/n`, docs/ENGINE.md). --- */

/* The HDF5 file id of the file being written (for the /shard group, which sim/shardfile
 * writes), or -1 after a failure. The id stays the handle's: do not close it. */
hid_t h5out_file_id(h5out *o);

/* A shard's paths are appended at local offsets 0, 1, ...; this rewrites the `path`
 * coordinates of /totals, /params and /paths so that they hold the run's path indices
 * base, base + 1, ... Call once, after the last append. */
int h5out_offset_paths(h5out *o, uint64_t base);

#endif
