/*
 * results: reading results files back (see results.h).
 */
#include "results.h"
#include "hdf5_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

hid_t results_open(const char *path, char *err, size_t errlen)
{
    hdf5_quiet();
    /* HDF5's own reason for a missing file is "unable to open file": errno is clearer. */
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return H5I_INVALID_HID;
    }
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s is not an HDF5 file", path);
        return H5I_INVALID_HID;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        char what[1024];
        snprintf(what, sizeof what, "cannot open %s", path);
        hdf5_errmsg(err, errlen, what);
        return H5I_INVALID_HID;
    }
    if (!hdf5_has_attr(f, "capsim_version") || !hdf5_exists(f, "stats")) {
        snprintf(err, errlen, "%s is not a capsim results file (no capsim_version attribute or /stats group)", path);
        H5Fclose(f);
        return H5I_INVALID_HID;
    }
    return f;
}

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

int results_var_load(hid_t g, const char *name, int with_data, results_var *x)
{
    memset(x, 0, sizeof *x);
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) return -1;
    int rc = -1;
    hid_t s = H5Dget_space(d);
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    if (rank < 0 || rank > RESULTS_MAX_RANK || (rank > 0 && H5Sget_simple_extent_dims(s, x->dims, NULL) < 0)) goto done;
    x->rank = rank;
    x->n = 1;
    for (int i = 0; i < rank; i++) {
        x->n *= (size_t)x->dims[i];
        char *dn = hdf5_dim_name(d, (unsigned)i);
        H5Eclear2(H5E_DEFAULT);
        x->dimname[i] = dn ? dn : dupstr("");
        if (!x->dimname[i]) goto done;
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
        x->v = malloc((x->n ? x->n : 1) * sizeof *x->v);
        if (!x->v) goto done;
        if (x->n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x->v) < 0) goto done;
    }
    rc = 0;
done:
    if (s >= 0) H5Sclose(s);
    H5Dclose(d);
    if (rc < 0) results_var_free(x);
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
    if (!isfinite(days)) {
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
    hid_t d = H5Dopen2(g, dim, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t t = H5Dget_type(d);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (t >= 0) H5Tclose(t);
    H5Dclose(d);
    if (cls == H5T_STRING) return hdf5_read_strings(g, dim, out, n);
    double *v;
    size_t nv;
    if (hdf5_read_doubles(g, dim, &v, &nv) < 0) return -1;
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
    if (!lab) return -1;
    *out = lab;
    *n = nv;
    return 0;
}
