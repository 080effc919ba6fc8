/*
 * results: reading a capsim results file back (for `summary`, `export`, `merge` and
 * tests). The file describes itself: each variable's dimensions are found from its
 * attached dimension scales, and the labels of a dimension from the coordinate variable of
 * the same name in the variable's own group (every group defines its own).
 *
 * A file is checked when it is opened (results_check.c): every group capsim writes, every
 * variable the readers use, their types, shapes and attributes, against each other and
 * against the limits below, before a single value is read or a byte allocated from a
 * number in the file. A file that fails is RESULTS_BAD_FILE, with a message that names
 * what is wrong ("/stats/unmet_q: missing"); the readers may then trust the layout.
 *
 * Ownership: everything returned is malloc'ed and freed by the matching _free.
 */
#ifndef CAPSIM_RESULTS_H
#define CAPSIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <hdf5.h>

#define RESULTS_MAX_RANK 8

/* The status of a reader, which the commands turn into exit codes. */
enum {
    RESULTS_OK = 0,
    /* A file that passed the check could not be read: the system reported an I/O error,
     * or memory ran out (exit 1). */
    RESULTS_IO = -1,
    /* No such file, not a regular file, not HDF5, not a capsim results file, or damaged:
     * a missing, mis-shaped or mistyped dataset or attribute, an impossible count, data
     * that do not decode (exit 2). */
    RESULTS_BAD_FILE = -2,
};

/* Limits of what a results file may claim (no valid file comes near them): a count above
 * its limit is damage, checked before anything is allocated from it. */
#define RESULTS_MAX_VARIANTS 1000000               /* variants (sweep grid points) */
#define RESULTS_MAX_PATHS UINT64_C(1000000000000)  /* paths per variant (the scenario's cap) */
#define RESULTS_MAX_MONTHS 100000                  /* months of the horizon */
#define RESULTS_MAX_LABELS (1u << 24)              /* segments, clouds, contracts, params, totals, years */
#define RESULTS_MAX_QUANTILES 64                   /* quantile levels */
#define RESULTS_MAX_LINKS (1u << 24)               /* objects in a group */
/* A dataset may claim at most this many times the bytes the file stores for it (deflate
 * packs at most ~1032:1), plus RESULTS_SLACK_BYTES: a shape bigger than that is damage,
 * whatever the counts say. */
#define RESULTS_MAX_INFLATE 4096
#define RESULTS_SLACK_BYTES (1u << 20)

typedef struct {
    char *name;
    int rank;
    hsize_t dims[RESULTS_MAX_RANK];
    char *dimname[RESULTS_MAX_RANK];   /* "" when no scale is attached */
    double *v;                    /* values in C order (NULL unless loaded) */
    size_t n;                     /* number of values */
    /* attributes ("" when absent) */
    char *units, *long_name, *series, *statistic, *better, *key_path;
} results_var;

/* Open a results file read-only and check it (see above). On failure returns
 * H5I_INVALID_HID with the reason in err and the status (RESULTS_BAD_FILE or RESULTS_IO)
 * in *status (status may be NULL). results_open is the same without the status. */
hid_t results_open_status(const char *path, int *status, char *err, size_t errlen);
hid_t results_open(const char *path, char *err, size_t errlen);

/* The check results_open_status makes, of the open file f (path names it in messages):
 * RESULTS_OK, or a status with the reason in err. */
int results_check(hid_t f, const char *path, char *err, size_t errlen);

/* What HDF5's current error stack says about a failed read, called right after the call
 * that failed (any later HDF5 call clears the stack): RESULTS_IO when the system reported
 * an error or memory ran out, else RESULTS_BAD_FILE (data that do not decode). The stack
 * is left for hdf5_errmsg(). */
int results_read_status(void);

/* Describe variable `name` of group g; with_data also reads its values as doubles. 0, or
 * a negative status (RESULTS_IO or RESULTS_BAD_FILE) with the HDF5 error stack of the
 * failure left for hdf5_errmsg() (empty for a failure that is not HDF5's). */
int results_var_load(hid_t g, const char *name, int with_data, results_var *x);
void results_var_free(results_var *x);

/* Index of the dimension called dim in x, or -1. */
int results_var_dim(const results_var *x, const char *dim);

/* The labels of dimension `dim` in group g, as text: string coordinates as they are,
 * `time` as ISO dates (YYYY-MM-DD), other numbers with %.17g. 0, or a negative status as
 * results_var_load's. */
int results_labels(hid_t g, const char *dim, char ***out, size_t *n);

/* ISO date of a `days since 1970-01-01` value. */
void results_iso_date(double days, char buf[16]);

/* A string attribute of obj, malloc'ed; "" when absent. NULL only when out of memory. */
char *results_attr_str(hid_t obj, const char *name);

/* --- checking pieces, for the readers of other groups (shardfile.c) ------------------- */

/* Scalar attribute `name` of obj as a count: an integer from 0 to max. RESULTS_OK, or a
 * status with "attribute NAME: reason" in why (missing, not an integer, out of range). */
int results_attr_count(hid_t obj, const char *name, uint64_t max, uint64_t *out, char *why, size_t whylen);

/* Scalar string attribute `name` of obj: malloc'ed into *out. RESULTS_OK, or a status with
 * the reason in why. */
int results_attr_string(hid_t obj, const char *name, char **out, char *why, size_t whylen);

/* The link `name` in loc is a dataset reached by a hard link (not a soft or external link,
 * not a group): its rank (at most RESULTS_MAX_RANK), dims and type class. RESULTS_OK, or
 * a status with the reason in why ("missing", "not a dataset"). */
int results_dataset_info(hid_t loc, const char *name, int *rank, hsize_t *dims, H5T_class_t *cls, char *why,
                         size_t whylen);

/* RESULTS_OK when the file stores enough bytes for dataset ds to hold n values of elsize
 * bytes (see RESULTS_MAX_INFLATE), else RESULTS_BAD_FILE with the reason in why. */
int results_plausible(hid_t ds, uint64_t n, size_t elsize, char *why, size_t whylen);

#endif
