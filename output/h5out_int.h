/*
 * h5out_int: the inside of the results-file writer, private to h5out.c, h5out_file.c
 * and h5out_coords.c (no other file includes it; the public face is h5out.h).
 *
 *   h5out.c         the handle, groups, variables and what is written into them;
 *   h5out_file.c    the file on disk: temporary name, signals, create, fsync, rename,
 *                   removal, and the error record;
 *   h5out_coords.c  the coordinate variables (netCDF-4 dimension scales) of each group.
 */
#ifndef CAPSIM_H5OUT_INT_H
#define CAPSIM_H5OUT_INT_H

#include "h5out.h"

#include <limits.h>
#include <stdint.h>
#include <time.h>
#include <hdf5.h>

/* The dimensions a group may define (each group defines its own: xarray does not see a
 * parent group's). */
enum { D_VARIANT, D_PATH, D_TIME, D_SEGMENT, D_CLOUD, D_CONTRACT, D_QUANTILE, D_TOTAL, D_PARAM, D_YEAR,
       D_OPTION, D_BNDS, ND };

/* One group and the coordinates it defines for itself. */
typedef struct {
    hid_t g;
    hid_t scale[ND];     /* dimension scale of each dimension defined here, or -1 */
    hsize_t len[ND];
    int diff;            /* /diff: variants 1..V-1 */
    int has_month, has_contract_cloud, has_vary, has_total_labels;
    char se_method[32];  /* the se_method attribute written so far ("" before the first) */
} grp;

struct h5out {
    char target[PATH_MAX], tmp[PATH_MAX];
    int slot;                     /* signal registry slot, -1 when none */
    int wb_fd;                    /* the temporary file, for early writeback; -1 when none */
    hid_t file;
    model_layout L;
    size_t V, nparams, nvary;
    int start_year, start_month;  /* of the scenario: calendar years of the yearly sensitivity */
    uint64_t npaths_hint, save_paths;
    unsigned char series_q[N_SERIES];  /* 1: the monthly series has quantiles (simulation.quantiles) */
    char quantiles[512];               /* the root attribute quantiles: all, totals, or names */
    char **vary_names;            /* HDF5 names of the varied key paths */
    char **param_names;           /* CF-safe names of the /params variables (h5out_param_names) */
    grp stats, totals, params, sens, paths, diff;
    hid_t *tot_ds, *par_ds, *path_ds;   /* streamed datasets (-1 when skipped) */
    uint64_t ext_totals, ext_params, ext_paths; /* current lengths of the path dimensions */
    uint64_t appended;                  /* paths appended, over all variants */
    double *buf;                        /* scratch for gathering, grown as needed */
    size_t buflen;
    struct timespec t0;
    char started[32];
    int broken;                   /* an HDF5 write failed: the file must not be finished */
    char err[PATH_MAX + 1024];
};

/* --- h5out_file.c --------------------------------------------------------------------- */

/* Record "target: what: reason" from the HDF5 error stack (or errno), mark the file
 * broken (it will not be finished) and return -1. */
int h5out_fail(h5out *o, const char *fmt, ...);

/* Record "target: what" for a failure that is ours, not HDF5's; return -1. */
int h5out_fail_plain(h5out *o, const char *fmt, ...);

/* Keep o's reason as the one h5out_error(NULL) reports (the handle is about to go). */
void h5out_keep_error(const h5out *o);

/* Check the target (h5out_check_target), remove the stale temporary files of its name
 * (dead PIDs), create the temporary file ".NAME.tmp.PID" beside the target, registered
 * for removal on a signal, and open it as HDF5 (o->file). 0, or -1 with the reason in
 * o->err. */
int h5out_file_create(h5out *o);

/* Start writing what the file holds so far to disk, without waiting. */
void h5out_file_writeback(h5out *o);

/* After the HDF5 file is closed: fsync, check that the target is still a new name or a
 * regular file, rename over the target, forget the signal registration, fsync the
 * directory. 0, or -1 (the temporary file is still there: h5out_file_remove). */
int h5out_file_commit(h5out *o);

/* Remove the temporary file, if any, and forget its signal registration. */
void h5out_file_remove(h5out *o);

/* Close the descriptor kept for writeback. */
void h5out_file_release(h5out *o);

/* --- h5out_coords.c ------------------------------------------------------------------- */

/* G empty (no group, no scales); diff marks /diff. Returns G. */
grp *h5out_grp_init(grp *G, int diff);

/* Close G's scales and the group itself. */
void h5out_grp_close(grp *G);

/* Define, inside group G, every coordinate named in `need` (a bit set of D_*). */
int h5out_define_coords(h5out *o, grp *G, unsigned need, const h5out_desc *d);

/* The `year` coordinate of /sensitivity, made on first use. */
int h5out_coord_year(h5out *o);

/* The HDF5 name of a key path ('/' becomes '_'), malloc'ed; NULL when out of memory. */
char *h5out_var_name(const char *keypath);

/* CF-safe names of the n key paths (letters, digits and '_', starting with a letter;
 * "_2", "_3"... after a name already taken, "path" and "variant" included), malloc'ed
 * into names[0..n); -1 when out of memory (what was made is freed). */
int h5out_param_names(const char *const *keypaths, size_t n, char **names);

/* Units of the field a key path names, or NULL when the program does not know them. */
const char *h5out_key_units(const char *keypath);

#endif
