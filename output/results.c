/*
 * results: reading results files back (see results.h; the check of a file's layout is
 * results_check.c).
 *
 * HDF5 clears its error stack on entry to every API call, cleanup calls (H5Sclose,
 * H5Dclose) included: a reader that fails keeps the stack of the failing call across its
 * cleanup (H5Eget_current_stack / H5Eset_current_stack), so that the caller's
 * hdf5_errmsg() reports HDF5's reason and never falls back to a stale errno.
 */
#include "results.h"
#include "hdf5_util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hdf5_hl.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* --- statuses ----------------------------------------------------------------------- */

typedef struct {
    int sys, mem, n;
} stack_walk;

static herr_t classify_visit(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    stack_walk *w = data;
    if (e->desc && strstr(e->desc, "error message = '")) w->sys = 1;   /* the file driver's errno */
    if (e->maj_num == H5E_RESOURCE) w->mem = 1;
    w->n++;
    return 0;
}

int results_read_status(void)
{
    stack_walk w = { 0, 0, 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, classify_visit, &w);
    /* An empty stack: the failure was ours, which after the check is only memory. */
    return w.sys || w.mem || w.n == 0 ? RESULTS_IO : RESULTS_BAD_FILE;
}

/* The failure of the HDF5 call just made: its status, and its error stack kept in *keep
 * (restored by keep_restore after the cleanup calls). */
static int keep_failure(hid_t *keep)
{
    int st = results_read_status();
    if (*keep < 0) *keep = H5Eget_current_stack();
    return st;
}

static void keep_restore(hid_t keep)
{
    if (keep >= 0) H5Eset_current_stack(keep);
}

/* --- opening ------------------------------------------------------------------------ */

hid_t results_open_status(const char *path, int *status, char *err, size_t errlen)
{
    int dummy;
    if (!status) status = &dummy;
    *status = RESULTS_BAD_FILE;
    hdf5_quiet();
    struct stat sb;
    errno = 0;
    /* HDF5's own reason for a missing file is "unable to open file": errno is clearer. */
    if (stat(path, &sb) != 0 || access(path, R_OK) != 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return H5I_INVALID_HID;
    }
    /* A FIFO or a terminal would block or never end; HDF5 needs a file it can seek in. */
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "cannot open %s: %s", path, S_ISDIR(sb.st_mode) ? "Is a directory" : "not a regular file");
        return H5I_INVALID_HID;
    }
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s is not an HDF5 file", path);
        return H5I_INVALID_HID;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        /* a truncated or damaged file; the system's error only for a failing disk */
        *status = results_read_status();
        char what[1024];
        snprintf(what, sizeof what, "cannot open %s", path);
        hdf5_errmsg(err, errlen, what);
        return H5I_INVALID_HID;
    }
    if (!hdf5_has_attr(f, "capsim_version") || H5Lexists(f, "stats", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s is not a capsim results file (no capsim_version attribute or /stats group)", path);
        H5Fclose(f);
        return H5I_INVALID_HID;
    }
    int st = results_check(f, path, err, errlen);
    if (st != RESULTS_OK) {
        *status = st;
        H5Fclose(f);
        H5Eclear2(H5E_DEFAULT);
        return H5I_INVALID_HID;
    }
    *status = RESULTS_OK;
    return f;
}

hid_t results_open(const char *path, char *err, size_t errlen)
{
    return results_open_status(path, NULL, err, errlen);
}

/* --- checking pieces ---------------------------------------------------------------- */

int results_attr_count(hid_t obj, const char *name, uint64_t max, uint64_t *out, char *why, size_t whylen)
{
    *out = 0;
    htri_t ex = H5Aexists(obj, name);
    if (ex <= 0) {
        int st = ex < 0 ? results_read_status() : RESULTS_BAD_FILE;
        H5Eclear2(H5E_DEFAULT);
        snprintf(why, whylen, "attribute %s: %s", name, ex < 0 ? "cannot be read" : "missing");
        return st;
    }
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID, s = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    int st = RESULTS_BAD_FILE;
    const char *bad = NULL;
    char buf[96];
    if (a < 0 || t < 0 || s < 0) {
        st = results_read_status();
        bad = "cannot be read";
    } else if (H5Tget_class(t) != H5T_INTEGER) {
        bad = "not an integer";
    } else if (H5Sget_simple_extent_type(s) == H5S_NULL || H5Sget_simple_extent_npoints(s) != 1) {
        bad = "not a single value";
    } else if (H5Tget_sign(t) == H5T_SGN_NONE) {
        unsigned long long u = 0;
        if (H5Aread(a, H5T_NATIVE_ULLONG, &u) < 0) {
            st = results_read_status();
            bad = "cannot be read";
        } else if (u > max) {
            snprintf(buf, sizeof buf, "%llu is above the limit %llu", u, (unsigned long long)max);
            bad = buf;
        } else
            *out = u;
    } else {
        long long v = 0;
        if (H5Aread(a, H5T_NATIVE_LLONG, &v) < 0) {
            st = results_read_status();
            bad = "cannot be read";
        } else if (v < 0 || (unsigned long long)v > max) {
            snprintf(buf, sizeof buf, "%lld is %s", v, v < 0 ? "negative" : "above the limit");
            bad = buf;
        } else
            *out = (uint64_t)v;
    }
    if (bad) snprintf(why, whylen, "attribute %s: %s", name, bad);
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    if (a >= 0) H5Aclose(a);
    H5Eclear2(H5E_DEFAULT);
    return bad ? st : RESULTS_OK;
}

int results_attr_string(hid_t obj, const char *name, char **out, char *why, size_t whylen)
{
    *out = NULL;
    htri_t ex = H5Aexists(obj, name);
    if (ex <= 0) {
        int st = ex < 0 ? results_read_status() : RESULTS_BAD_FILE;
        H5Eclear2(H5E_DEFAULT);
        snprintf(why, whylen, "attribute %s: %s", name, ex < 0 ? "cannot be read" : "missing");
        return st;
    }
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID, s = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    int st = RESULTS_OK;
    if (a < 0 || t < 0 || s < 0) {
        st = results_read_status();
        snprintf(why, whylen, "attribute %s: cannot be read", name);
    } else if (H5Tget_class(t) != H5T_STRING) {
        st = RESULTS_BAD_FILE;
        snprintf(why, whylen, "attribute %s: not a string", name);
    } else if (H5Sget_simple_extent_type(s) != H5S_NULL && H5Sget_simple_extent_npoints(s) != 1) {
        st = RESULTS_BAD_FILE;
        snprintf(why, whylen, "attribute %s: not a single string", name);
    } else if (H5Tis_variable_str(t) <= 0 && H5Sget_simple_extent_type(s) != H5S_NULL &&
               H5Tget_size(t) > H5Aget_storage_size(a)) {
        st = RESULTS_BAD_FILE;   /* a length the file does not store: never allocated */
        snprintf(why, whylen, "attribute %s: a string of %zu bytes in %llu", name, H5Tget_size(t),
                 (unsigned long long)H5Aget_storage_size(a));
    }
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    if (a >= 0) H5Aclose(a);
    if (st == RESULTS_OK && hdf5_read_attr_str(obj, name, out) < 0) {
        st = results_read_status();
        snprintf(why, whylen, "attribute %s: cannot be read", name);
    }
    H5Eclear2(H5E_DEFAULT);
    return st;
}

int results_dataset_info(hid_t loc, const char *name, int *rank, hsize_t *dims, H5T_class_t *cls, char *why,
                         size_t whylen)
{
    *rank = 0;
    *cls = H5T_NO_CLASS;
    H5L_info_t li;
    htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
    if (ex <= 0 || H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0) {
        int st = ex < 0 ? results_read_status() : RESULTS_BAD_FILE;
        H5Eclear2(H5E_DEFAULT);
        snprintf(why, whylen, "%s", ex == 0 ? "missing" : "cannot be read");
        return st;
    }
    if (li.type != H5L_TYPE_HARD) {
        snprintf(why, whylen, "a %s link, not a dataset", li.type == H5L_TYPE_SOFT ? "soft" : "external");
        return RESULTS_BAD_FILE;
    }
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0) {
        int st = results_read_status();
        H5Eclear2(H5E_DEFAULT);
        snprintf(why, whylen, "cannot be opened");
        return st;
    }
    int st = RESULTS_OK;
    if (H5Iget_type(o) != H5I_DATASET) {
        snprintf(why, whylen, "not a dataset");
        st = RESULTS_BAD_FILE;
    } else {
        hid_t s = H5Dget_space(o), t = H5Dget_type(o);
        int r = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
        if (s < 0 || t < 0 || r < 0) {
            st = results_read_status();
            snprintf(why, whylen, "cannot be read");
        } else if (r > RESULTS_MAX_RANK) {
            st = RESULTS_BAD_FILE;
            snprintf(why, whylen, "%d dimensions", r);
        } else if (H5Sget_simple_extent_type(s) == H5S_NULL) {
            st = RESULTS_BAD_FILE;
            snprintf(why, whylen, "no dataspace");
        } else {
            if (r > 0) H5Sget_simple_extent_dims(s, dims, NULL);
            *rank = r;
            *cls = H5Tget_class(t);
        }
        if (s >= 0) H5Sclose(s);
        if (t >= 0) H5Tclose(t);
    }
    H5Oclose(o);
    H5Eclear2(H5E_DEFAULT);
    return st;
}

int results_plausible(hid_t ds, uint64_t n, size_t elsize, char *why, size_t whylen)
{
    if (elsize == 0) elsize = 1;
    /* Small claims cost nothing to honour; the storage is asked only for big ones. */
    if (n <= RESULTS_SLACK_BYTES / elsize) return RESULTS_OK;
    hsize_t stored = H5Dget_storage_size(ds);
    H5Eclear2(H5E_DEFAULT);
    long double claim = (long double)n * (long double)elsize;
    if (claim <= (long double)stored * RESULTS_MAX_INFLATE + RESULTS_SLACK_BYTES) return RESULTS_OK;
    snprintf(why, whylen, "its shape claims %.0Lf bytes, and the file stores %llu bytes for it", claim,
             (unsigned long long)stored);
    return RESULTS_BAD_FILE;
}

/* --- reading ------------------------------------------------------------------------ */

char *results_attr_str(hid_t obj, const char *name)
{
    char *s = NULL;
    if (hdf5_has_attr(obj, name) && hdf5_read_attr_str(obj, name, &s) == 0) return s;
    H5Eclear2(H5E_DEFAULT);
    return dupstr("");
}

void results_var_free(results_var *x)
{
    if (!x) return;
    free(x->name);
    for (int i = 0; i < RESULTS_MAX_RANK; i++) free(x->dimname[i]);
    free(x->v);
    free(x->units);
    free(x->long_name);
    free(x->series);
    free(x->statistic);
    free(x->better);
    free(x->key_path);
    memset(x, 0, sizeof *x);
}

/* The name of the scale attached first to dimension dim of ds (its NAME, which the check
 * has found equal to the coordinate's name in the group), malloc'ed; "" when none. */
static herr_t scale_name_visit(hid_t dset, unsigned dim, hid_t scale, void *data)
{
    (void)dset;
    (void)dim;
    char **out = data;
    /* as in results_check.c: a reference reaching a group or a named type is closed here */
    if (H5Iget_type(scale) != H5I_DATASET) {
        H5Oclose(scale);
        return -1;
    }
    ssize_t n = H5DSget_scale_name(scale, NULL, 0);
    if (n > 0 && n < 4096 && (*out = malloc((size_t)n + 1)) != NULL && H5DSget_scale_name(scale, *out, (size_t)n + 1) < 0)
        (*out)[0] = 0;
    return 1;
}

static char *dim_name(hid_t ds, unsigned dim)
{
    char *name = NULL;
    if (H5DSget_num_scales(ds, dim) > 0) H5DSiterate_scales(ds, dim, NULL, scale_name_visit, &name);
    H5Eclear2(H5E_DEFAULT);
    return name ? name : dupstr("");
}

int results_var_load(hid_t g, const char *name, int with_data, results_var *x)
{
    memset(x, 0, sizeof *x);
    errno = 0;   /* a failure that is not HDF5's reports errno: never a stale one */
    hid_t keep = H5I_INVALID_HID;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) return results_read_status();
    int rc = RESULTS_IO;   /* out of memory, unless said otherwise */
    hid_t s = H5Dget_space(d);
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    if (rank < 0 || (rank > 0 && rank <= RESULTS_MAX_RANK && H5Sget_simple_extent_dims(s, x->dims, NULL) < 0)) {
        rc = keep_failure(&keep);
        goto done;
    }
    if (rank > RESULTS_MAX_RANK) {
        rc = RESULTS_BAD_FILE;
        goto done;
    }
    x->rank = rank;
    x->n = 1;
    for (int i = 0; i < rank; i++) {
        if (x->dims[i] && x->n > SIZE_MAX / 8 / x->dims[i]) {
            rc = RESULTS_BAD_FILE;
            goto done;
        }
        x->n *= (size_t)x->dims[i];
        if (!(x->dimname[i] = dim_name(d, (unsigned)i))) goto done;
    }
    x->name = dupstr(name);
    x->units = results_attr_str(d, "units");
    x->long_name = results_attr_str(d, "long_name");
    x->series = results_attr_str(d, "series");
    x->statistic = results_attr_str(d, "statistic");
    x->better = results_attr_str(d, "better");
    x->key_path = results_attr_str(d, "key_path");
    if (!x->name || !x->units || !x->long_name || !x->series || !x->statistic || !x->better || !x->key_path)
        goto done;
    if (with_data) {
        char why[256];
        if (results_plausible(d, x->n, sizeof *x->v, why, sizeof why) != RESULTS_OK) {
            rc = RESULTS_BAD_FILE;
            goto done;
        }
        x->v = malloc((x->n ? x->n : 1) * sizeof *x->v);
        if (!x->v) goto done;
        if (x->n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x->v) < 0) {
            rc = keep_failure(&keep);
            goto done;
        }
    }
    rc = RESULTS_OK;
done:
    if (s >= 0) H5Sclose(s);
    H5Dclose(d);
    if (rc != RESULTS_OK) results_var_free(x);
    keep_restore(keep);
    return rc;
}

int results_var_dim(const results_var *x, const char *dim)
{
    for (int i = 0; i < x->rank; i++)
        if (x->dimname[i] && strcmp(x->dimname[i], dim) == 0) return i;
    return -1;
}

/* Civil date of a day count since 1970-01-01 (H. Hinnant's algorithm). */
void results_iso_date(double days, char buf[16])
{
    /* beyond +-1e9 days (2.7 million years) the date means nothing; the long would overflow */
    if (!isfinite(days) || fabs(days) > 1e9) {
        strcpy(buf, "");
        return;
    }
    long z = (long)floor(days) + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(buf, 16, "%04ld-%02u-%02u", y % 10000, m % 100, d % 100);
}

int results_labels(hid_t g, const char *dim, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    errno = 0;   /* as in results_var_load */
    hid_t d = H5Dopen2(g, dim, H5P_DEFAULT);
    if (d < 0) return results_read_status();
    hid_t keep = H5I_INVALID_HID;
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    int st = RESULTS_OK;
    char why[256];
    if (t < 0 || s < 0 || np < 0) st = keep_failure(&keep);
    else if (results_plausible(d, (uint64_t)np, 16, why, sizeof why) != RESULTS_OK) st = RESULTS_BAD_FILE;
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Dclose(d);
    if (st != RESULTS_OK) {
        keep_restore(keep);
        return st;
    }
    if (cls == H5T_STRING) return hdf5_read_strings(g, dim, out, n) < 0 ? results_read_status() : RESULTS_OK;
    double *v;
    size_t nv;
    if (hdf5_read_doubles(g, dim, &v, &nv) < 0) return results_read_status();
    char **lab = calloc(nv ? nv : 1, sizeof *lab);
    int is_time = strcmp(dim, "time") == 0;
    for (size_t i = 0; lab && i < nv; i++) {
        char buf[32];
        if (is_time) results_iso_date(v[i], buf);
        else snprintf(buf, sizeof buf, "%.17g", v[i]);
        if (!(lab[i] = dupstr(buf))) {
            hdf5_free_strings(lab, i);
            lab = NULL;
        }
    }
    free(v);
    if (!lab) return RESULTS_IO;
    *out = lab;
    *n = nv;
    return RESULTS_OK;
}
