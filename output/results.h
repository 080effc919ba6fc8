/*
 * results: reading a capsim results file back (for `summary`, `export` and tests). The
 * file describes itself: each variable's dimensions are found from its attached
 * dimension scales, and the labels of a dimension from the coordinate variable of the
 * same name in the variable's own group (every group defines its own).
 *
 * Ownership: everything returned is malloc'ed and freed by the matching _free.
 */
#ifndef CAPSIM_RESULTS_H
#define CAPSIM_RESULTS_H

#include <stddef.h>
#include <hdf5.h>

#define RESULTS_MAX_RANK 8

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

/* Open a results file read-only. On failure returns -1 with the reason in err. */
hid_t results_open(const char *path, char *err, size_t errlen);

/* Describe variable `name` of group g; with_data also reads its values as doubles. */
int results_var_load(hid_t g, const char *name, int with_data, results_var *x);
void results_var_free(results_var *x);

/* Index of the dimension called dim in x, or -1. */
int results_var_dim(const results_var *x, const char *dim);

/* The labels of dimension `dim` in group g, as text: string coordinates as they are,
 * `time` as ISO dates (YYYY-MM-DD), other numbers with %.17g. */
int results_labels(hid_t g, const char *dim, char ***out, size_t *n);

/* ISO date of a `days since 1970-01-01` value. */
void results_iso_date(double days, char buf[16]);

/* A string attribute of obj, malloc'ed; "" when absent. NULL only when out of memory. */
char *results_attr_str(hid_t obj, const char *name);

#endif
