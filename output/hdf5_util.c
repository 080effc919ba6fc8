/*
 * hdf5_util: HDF5 helpers with the netCDF-4 conventions of TOOLCHAIN.md (see hdf5_util.h).
 * Every HDF5 call is checked; on failure the HDF5 error stack is left for hdf5_errmsg().
 */
#include "hdf5_util.h"
#include "sim/base/grow.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5_hl.h>

#define CRT_ORDER (H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void hdf5_quiet(void)
{
    /* A file whose close failed (disk full, file size limit) stays half-open inside
     * HDF5, and the library's exit handler then crashes closing it again (1.10.8): we
     * close every file ourselves, so the handler is not needed. Effective only before
     * the first HDF5 call, which this normally is; harmless later. */
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* --- error messages ----------------------------------------------------------------- */

typedef struct {
    char sys[256];     /* "No space left on device", from a low-level driver message */
    char inner[256];   /* innermost description */
    int n;
} err_walk;

/* The sec2 driver's messages carry "error message = '...'" (strerror of the system
 * call): that is what a user needs to read. */
static herr_t err_visit(unsigned n, const H5E_error2_t *e, void *data)
{
    err_walk *w = data;
    const char *d = e->desc ? e->desc : "";
    if (n == 0) snprintf(w->inner, sizeof w->inner, "%s", d);
    const char *p = strstr(d, "error message = '");
    if (p && !w->sys[0]) {
        p += strlen("error message = '");
        const char *q = strchr(p, '\'');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if (len >= sizeof w->sys) len = sizeof w->sys - 1;
        memcpy(w->sys, p, len);
        w->sys[len] = 0;
    }
    w->n++;
    return 0;
}

void hdf5_errmsg(char *buf, size_t len, const char *what)
{
    int saved = errno;
    err_walk w = { "", "", 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, err_visit, &w);
    H5Eclear2(H5E_DEFAULT);
    if (w.sys[0]) snprintf(buf, len, "%s: %s", what, w.sys);
    else if (w.inner[0]) snprintf(buf, len, "%s: %s (HDF5)", what, w.inner);
    else if (saved) snprintf(buf, len, "%s: %s", what, strerror(saved));
    else snprintf(buf, len, "%s: failed", what);
}

void hdf5_vfail(char *buf, size_t len, const char *path, const char *fmt, va_list ap)
{
    char what[768], msg[1024];
    vsnprintf(what, sizeof what, fmt, ap);
    hdf5_errmsg(msg, sizeof msg, what);
    snprintf(buf, len, "%s: %s", path, msg);
}

/* --- creating ----------------------------------------------------------------------- */

hid_t hdf5_fcpl(void)
{
    hid_t p = H5Pcreate(H5P_FILE_CREATE);
    if (p < 0) return H5I_INVALID_HID;
    if (H5Pset_link_creation_order(p, CRT_ORDER) < 0 || H5Pset_attr_creation_order(p, CRT_ORDER) < 0) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

hid_t hdf5_group_create(hid_t loc, const char *name)
{
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    if (p < 0) return H5I_INVALID_HID;
    hid_t g = H5I_INVALID_HID;
    if (H5Pset_link_creation_order(p, CRT_ORDER) >= 0 && H5Pset_attr_creation_order(p, CRT_ORDER) >= 0)
        g = H5Gcreate2(loc, name, H5P_DEFAULT, p, H5P_DEFAULT);
    H5Pclose(p);
    return g;
}

/* Write a scalar attribute of file type ftype from memory of type mtype. An attribute of
 * the same name is replaced. space may be H5S_NULL for an empty string. */
static int attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t space, const void *v)
{
    htri_t ex = H5Aexists(obj, name);
    if (ex < 0 || (ex > 0 && H5Adelete(obj, name) < 0)) return -1;
    hid_t a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t st = v ? H5Awrite(a, mtype, v) : 0;
    if (H5Aclose(a) < 0 || st < 0) return -1;
    return 0;
}

static int attr_scalar(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    if (s < 0) return -1;
    int rc = attr_write(obj, name, ftype, mtype, s, v);
    H5Sclose(s);
    return rc;
}

/* netCDF writes text attributes as fixed-length NULLTERM strings of the exact length,
 * with a NULL dataspace for "": follow it so ncdump shows them as plain text. */
int hdf5_attr_str(hid_t obj, const char *name, const char *value)
{
    if (!value) value = "";
    size_t len = strlen(value);
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    int rc = -1;
    if (H5Tset_size(t, len ? len : 1) >= 0 && H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0 &&
        H5Tset_cset(t, H5T_CSET_UTF8) >= 0) {
        hid_t s = H5Screate(len ? H5S_SCALAR : H5S_NULL);
        if (s >= 0) {
            rc = attr_write(obj, name, t, t, s, len ? value : NULL);
            H5Sclose(s);
        }
    }
    H5Tclose(t);
    return rc;
}

int hdf5_attr_double(hid_t obj, const char *name, double v)
{
    return attr_scalar(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

int hdf5_attr_i64(hid_t obj, const char *name, int64_t v)
{
    return attr_scalar(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}

int hdf5_attr_u64(hid_t obj, const char *name, uint64_t v)
{
    return attr_scalar(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

hid_t hdf5_vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return H5I_INVALID_HID;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static hid_t make_dcpl(int rank, const hsize_t *chunk, int gzip, int fill_nan)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p < 0) return H5I_INVALID_HID;
    double nan = NAN;
    if (H5Pset_attr_creation_order(p, CRT_ORDER) < 0) goto fail;
    if (chunk) {
        if (H5Pset_chunk(p, rank, chunk) < 0) goto fail;
        if (gzip > 0 && (H5Pset_shuffle(p) < 0 || H5Pset_deflate(p, (unsigned)gzip) < 0)) goto fail;
    }
    if (fill_nan && H5Pset_fill_value(p, H5T_NATIVE_DOUBLE, &nan) < 0) goto fail;
    return p;
fail:
    H5Pclose(p);
    return H5I_INVALID_HID;
}

/* Chunked datasets are written once, in path order: a cache of one chunk is all they
 * need. HDF5's default (1 MiB per dataset) would hold two of our chunks per dataset, and
 * the resident size would then creep up with the paths until every cache was full. */
static hid_t make_dapl(int rank, const hsize_t *chunk, hid_t type)
{
    if (!chunk) return H5P_DEFAULT;
    size_t bytes = H5Tget_size(type);
    for (int i = 0; i < rank; i++) bytes *= (size_t)chunk[i];
    hid_t p = H5Pcreate(H5P_DATASET_ACCESS);
    if (p < 0) return H5I_INVALID_HID;
    if (H5Pset_chunk_cache(p, 521, bytes + 1024, 1.0) < 0) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

hid_t hdf5_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const hsize_t *maxdims, const hsize_t *chunk, int gzip, int fill_nan)
{
    hid_t space = rank ? H5Screate_simple(rank, dims, maxdims) : H5Screate(H5S_SCALAR);
    if (space < 0) return H5I_INVALID_HID;
    hid_t dcpl = make_dcpl(rank, chunk, gzip, fill_nan);
    hid_t dapl = make_dapl(rank, chunk, type);
    hid_t ds = H5I_INVALID_HID;
    if (dcpl >= 0 && dapl >= 0) ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, dapl);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (dapl > 0 && dapl != H5P_DEFAULT) H5Pclose(dapl);
    H5Sclose(space);
    if (ds < 0) return H5I_INVALID_HID;
    /* netCDF reads the fill value from this attribute; it must have the dataset's type. */
    if (fill_nan && hdf5_attr_double(ds, "_FillValue", NAN) < 0) {
        H5Dclose(ds);
        return H5I_INVALID_HID;
    }
    return ds;
}

int hdf5_write_doubles(hid_t ds, const double *v)
{
    return H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ? -1 : 0;
}

int hdf5_write_strings(hid_t ds, const char *const *v, size_t n)
{
    hid_t t = hdf5_vlen_str_type();
    if (t < 0) return -1;
    /* NULL entries are written as "" (HDF5 would store a NULL vlen pointer). */
    const char **tmp = malloc((n ? n : 1) * sizeof *tmp);
    /* The conversion to the file's strings goes through a buffer that HDF5 allocates and
     * zeroes for each write, 1 MiB by default: sized here to the strings' descriptors. */
    hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
    int rc = -1;
    if (tmp && xfer >= 0 && H5Pset_buffer(xfer, (n + 1) * 32 < 4096 ? 4096 : (n + 1) * 32, NULL, NULL) >= 0) {
        for (size_t i = 0; i < n; i++) tmp[i] = v[i] ? v[i] : "";
        rc = H5Dwrite(ds, t, H5S_ALL, H5S_ALL, xfer, tmp) < 0 ? -1 : 0;
    }
    free(tmp);
    if (xfer >= 0) H5Pclose(xfer);
    H5Tclose(t);
    return rc;
}

/* HDF5 clears its error stack on entry to every API call, H5Sclose and H5Dclose too: a
 * helper that fails keeps the failing call's stack across its cleanup, for hdf5_errmsg()
 * (which else would find it empty and report a stale errno). */
static hid_t stack_keep(void)
{
    return H5Eget_current_stack();
}

static void stack_put_back(hid_t kept)
{
    if (kept >= 0) H5Eset_current_stack(kept);
}

/* Read (write = 0) or write a hyperslab of doubles: count elements from start. */
static int slab_io(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, double *buf, int write)
{
    hid_t fs = H5Dget_space(ds);
    if (fs < 0) return -1;
    int rc = -1;
    hid_t kept = H5I_INVALID_HID;
    hid_t ms = H5Screate_simple(rank, count, NULL);
    if (ms >= 0) {
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
            (write ? H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf)
                   : H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf)) >= 0)
            rc = 0;
        else
            kept = stack_keep();
        H5Sclose(ms);
    }
    H5Sclose(fs);
    stack_put_back(kept);
    return rc;
}

int hdf5_write_slab(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, const double *buf)
{
    return slab_io(ds, rank, start, count, (double *)buf, 1);   /* not written through */
}

int hdf5_make_scale(hid_t ds, const char *name)
{
    return H5DSset_scale(ds, name) < 0 ? -1 : 0;
}

int hdf5_attach(hid_t ds, const hid_t *scales, int rank)
{
    for (int i = 0; i < rank; i++)
        if (H5DSattach_scale(ds, scales[i], (unsigned)i) < 0) return -1;
    return 0;
}

/* --- reading ------------------------------------------------------------------------ */

int hdf5_has_attr(hid_t obj, const char *name)
{
    return H5Aexists(obj, name) > 0;
}

int hdf5_read_attr_str(hid_t obj, const char *name, char **out)
{
    *out = NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int rc = -1;
    if (t < 0 || s < 0 || H5Tget_class(t) != H5T_STRING) goto done;
    if (H5Sget_simple_extent_type(s) == H5S_NULL) {
        *out = dupstr("");
        rc = *out ? 0 : -1;
        goto done;
    }
    if (H5Sget_simple_extent_npoints(s) != 1) goto done;
    if (H5Tis_variable_str(t) > 0) {
        hid_t mt = hdf5_vlen_str_type();
        char *v = NULL;
        if (mt >= 0 && H5Aread(a, mt, &v) >= 0) {
            *out = dupstr(v ? v : "");
            rc = *out ? 0 : -1;
            H5free_memory(v);
        }
        if (mt >= 0) H5Tclose(mt);
    } else {
        size_t sz = H5Tget_size(t);
        char *v = calloc(sz + 1, 1);
        if (v && H5Aread(a, t, v) >= 0) {
            *out = v;
            rc = 0;
        } else
            free(v);
    }
done:
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Aclose(a);
    return rc;
}

int hdf5_read_attr_double(hid_t obj, const char *name, double *out)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t s = H5Aget_space(a);
    int rc = -1;
    if (s >= 0 && H5Sget_simple_extent_npoints(s) == 1 && H5Aread(a, H5T_NATIVE_DOUBLE, out) >= 0) rc = 0;
    if (s >= 0) H5Sclose(s);
    H5Aclose(a);
    return rc;
}

int hdf5_exists(hid_t loc, const char *name)
{
    return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

int hdf5_shape(hid_t loc, const char *name, int *rank, hsize_t *dims)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t s = H5Dget_space(d);
    int rc = -1;
    if (s >= 0) {
        int r = H5Sget_simple_extent_ndims(s);
        if (r >= 0 && H5Sget_simple_extent_dims(s, dims, NULL) >= 0) {
            *rank = r;
            rc = 0;
        }
        H5Sclose(s);
    }
    H5Dclose(d);
    return rc;
}

int hdf5_read_doubles(hid_t loc, const char *name, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t s = H5Dget_space(d);
    int rc = -1;
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    hid_t kept = H5I_INVALID_HID;
    if (np >= 0) {
        double *v = malloc((size_t)(np ? np : 1) * sizeof *v);
        if (v && (np == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0)) {
            *out = v;
            *n = (size_t)np;
            rc = 0;
        } else {
            if (v) kept = stack_keep();
            free(v);
        }
    }
    if (s >= 0) H5Sclose(s);
    H5Dclose(d);
    stack_put_back(kept);
    return rc;
}

int hdf5_read_slab(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, double *buf)
{
    return slab_io(ds, rank, start, count, buf, 0);
}

void hdf5_free_strings(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Copy n strings read by HDF5 (vlen pointers, or fixed records of size sz) into
 * malloc'ed strings. */
static char **copy_strings(const void *raw, size_t n, size_t sz, int vlen)
{
    char **v = calloc(n ? n : 1, sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (vlen) {
            const char *s = ((char *const *)raw)[i];
            v[i] = dupstr(s ? s : "");
        } else {
            v[i] = calloc(sz + 1, 1);
            if (v[i]) memcpy(v[i], (const char *)raw + i * sz, sz);
        }
        if (!v[i]) {
            hdf5_free_strings(v, i);
            return NULL;
        }
    }
    return v;
}

int hdf5_read_strings(hid_t loc, const char *name, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t t = H5Dget_type(d), s = H5Dget_space(d), mt = H5I_INVALID_HID, kept = H5I_INVALID_HID;
    void *raw = NULL;
    int rc = -1;
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (t < 0 || np < 0 || H5Tget_class(t) != H5T_STRING) goto done;
    int vlen = H5Tis_variable_str(t) > 0;
    size_t sz = vlen ? sizeof(char *) : H5Tget_size(t);
    mt = vlen ? hdf5_vlen_str_type() : H5Tcopy(t);
    raw = calloc((size_t)(np ? np : 1), sz);
    if (mt < 0 || !raw) goto done;
    if (np && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
        kept = stack_keep();
        goto done;
    }
    *out = copy_strings(raw, (size_t)np, sz, vlen);
    if (vlen && np) H5Dvlen_reclaim(mt, s, H5P_DEFAULT, raw);
    if (*out) {
        *n = (size_t)np;
        rc = 0;
    }
done:
    free(raw);
    if (mt >= 0) H5Tclose(mt);
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Dclose(d);
    stack_put_back(kept);
    return rc;
}

static herr_t scale_visit(hid_t dset, unsigned dim, hid_t scale, void *data)
{
    (void)dset;
    (void)dim;
    /* A reference of a damaged file may reach a group or a named type: H5DSiterate_scales
     * would close that with H5Dclose, which fails and leaves it open. Close it here and
     * stop (H5DSiterate_scales then fails: the dimension has no name). */
    if (H5Iget_type(scale) != H5I_DATASET) {
        H5Oclose(scale);
        return -1;
    }
    char buf[1024];
    ssize_t len = H5Iget_name(scale, buf, sizeof buf);
    if (len <= 0) return -1;
    const char *base = strrchr(buf, '/');
    *(char **)data = dupstr(base ? base + 1 : buf);
    return 1; /* the first attached scale is the dimension's */
}

/* H5DS trusts the DIMENSION_LIST attribute to be what it writes: one variable-length
 * list of object references per dimension of ds. Given another type (a damaged file) it
 * reads pointers out of numbers, so that is checked first. */
static int dimension_list_ok(hid_t ds)
{
    if (H5Aexists(ds, "DIMENSION_LIST") <= 0) return 0;
    int ok = 0;
    hid_t a = H5Aopen(ds, "DIMENSION_LIST", H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID, s = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    hid_t dspace = H5Dget_space(ds);
    if (t >= 0 && s >= 0 && dspace >= 0 && H5Tget_class(t) == H5T_VLEN) {
        hid_t base = H5Tget_super(t);
        int rank = H5Sget_simple_extent_ndims(dspace);
        hsize_t n = 0;
        ok = base >= 0 && H5Tequal(base, H5T_STD_REF_OBJ) > 0 && rank >= 1 &&
             H5Sget_simple_extent_ndims(s) == 1 && H5Sget_simple_extent_dims(s, &n, NULL) == 1 &&
             n == (hsize_t)rank;
        if (base >= 0) H5Tclose(base);
    }
    if (dspace >= 0) H5Sclose(dspace);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

char *hdf5_dim_name(hid_t ds, unsigned dim)
{
    char *name = NULL;
    if (!dimension_list_ok(ds) || H5DSget_num_scales(ds, dim) <= 0) return NULL;
    if (H5DSiterate_scales(ds, dim, NULL, scale_visit, &name) < 0) {
        free(name);
        return NULL;
    }
    return name;
}

typedef struct {
    char **v;
    size_t n, cap;
    int fail;
} name_list;

static herr_t list_visit(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    name_list *l = data;
    if (grow_array(&l->v, &l->cap, l->n + 1, sizeof *l->v, 32) != 0) return -1;
    if (!(l->v[l->n] = dupstr(name))) return -1;
    l->n++;
    return 0;
}

int hdf5_list(hid_t loc, char ***out, size_t *n)
{
    name_list l = { NULL, 0, 0, 0 };
    hsize_t idx = 0;
    herr_t st = H5Literate(loc, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, list_visit, &l);
    if (st < 0) { /* creation order not tracked: by name */
        hdf5_free_strings(l.v, l.n);
        l.v = NULL;
        l.n = l.cap = 0;
        idx = 0;
        H5Eclear2(H5E_DEFAULT);
        st = H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, &idx, list_visit, &l);
    }
    if (st < 0) {
        hdf5_free_strings(l.v, l.n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}
