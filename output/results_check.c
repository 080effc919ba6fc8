/*
 * results_check: the check of a results file when it is opened (results.h). The layout is
 * the one output/h5out.c writes (docs/OUTPUT.md); everything `summary`, `export`, `merge`
 * and plot.py read is checked here, before a value is read or anything is allocated from a
 * number in the file:
 *
 *   root        capsim_version (string); variants, paths, months, save_paths (integers
 *               within results.h's limits, save_paths <= paths); the other attributes of
 *               the file (strings, integers, numbers) of the right type where present;
 *   every group /stats, /diff (iff variants > 1), /totals, /params, /sensitivity, /paths
 *               (iff save_paths > 0): a group, reached by hard links only, at most
 *               RESULTS_MAX_LINKS objects, each one a dataset of at most RESULTS_MAX_RANK
 *               dimensions whose every dimension has a coordinate (dimension scale) of a
 *               known name (variant, path, time, segment, cloud, contract, quantile, total,
 *               param, year, option; bnds, the vertex dimension of time_bnds, netCDF's
 *               dimension without a variable) in the same group, of the right type and of the same length
 *               in every group; its string attributes strings; its shape no bigger than
 *               the bytes the file stores for it allow (RESULTS_MAX_INFLATE);
 *   lengths     variant = variants (variants - 1 in /diff), path = paths (save_paths in
 *               /paths), time = months, segment/cloud/contract as /stats defines them,
 *               total = the values of the model's totals, param = the variables of /params;
 *   variables   every statistic of every model output in /stats and /diff (with its
 *               `series` and `statistic` attributes), every total in /totals, every series
 *               in /paths, rank_corr and the Sobol indices in /sensitivity, time_bnds
 *               (time, bnds) where bnds is defined (files before CF bounds lack both): present, with
 *               exactly the dimensions the writer gives them ([variant,] time[, own]
 *               [, quantile] ...), floating point.
 *
 * Files written before an edition of the model (docs/MODEL.md 5 and 10-12; "Owned capacity") lack its outputs
 * (`later_outputs` below, each with the edition that added it): a file's edition is the
 * highest edition of those its /stats holds, and it is checked without the outputs of
 * later editions, so that `summary` and `export` still read it; a file that holds one
 * output of an edition must hold every output of that edition and of earlier ones.
 *
 * The message names the object and what is wrong: "FILE: damaged results file:
 * /stats/unmet_q: missing".
 */
#include "results.h"
#include "hdf5_util.h"
#include "models/model.h"
#include "sim/base/grow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5_hl.h>

enum { D_VARIANT, D_PATH, D_TIME, D_SEGMENT, D_CLOUD, D_CONTRACT, D_QUANTILE, D_TOTAL, D_PARAM, D_YEAR,
       D_OPTION, D_BNDS, ND };
static const char *const dim_names[ND] = {
    "variant", "path", "time", "segment", "cloud", "contract", "quantile", "total", "param", "year",
    "option", "bnds",
};
/* The values of each dimension's coordinate (bnds: a dimension without values, whose
 * dataset netCDF-4 makes of floats). */
static const H5T_class_t dim_class[ND] = {
    H5T_STRING, H5T_INTEGER, H5T_FLOAT, H5T_STRING, H5T_STRING, H5T_STRING, H5T_FLOAT, H5T_STRING, H5T_STRING,
    H5T_INTEGER, H5T_STRING, H5T_FLOAT,
};
/* The NAME netCDF-4 gives the scale of a dimension that is not a variable (bnds). */
#define NOT_A_VARIABLE "This is a netCDF dimension but not a netCDF variable."

/* The statistics of an output, as h5out.c names them. */
enum { ST_MEAN, ST_SD, ST_SE, ST_MIN, ST_MAX, ST_Q, ST_PPOS, ST_PNEG, NST };
static const char *const st_suffix[NST] = { "mean", "sd", "se", "min", "max", "q", "ppos", "pneg" };

#define UNDEF (-1)   /* a dimension not defined (a group's, or the file's: length 0) */

/* The identity of an object in the file (names are slow to find from an object: HDF5
 * searches the whole file for them). */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_token_t objid;
static int obj_id(hid_t o, objid *id)
{
    H5O_info2_t i;
    if (H5Oget_info3(o, &i, H5O_INFO_BASIC) < 0) return -1;
    *id = i.token;
    return 0;
}
static int same_obj(hid_t loc, const objid *a, const objid *b)
{
    int c = 1;
    return H5Otoken_cmp(loc, a, b, &c) >= 0 && c == 0;
}
#else
typedef haddr_t objid;
static int obj_id(hid_t o, objid *id)
{
    H5O_info_t i;
    if (H5Oget_info2(o, &i, H5O_INFO_BASIC) < 0) return -1;
    *id = i.addr;
    return 0;
}
static int same_obj(hid_t loc, const objid *a, const objid *b)
{
    (void)loc;
    return *a == *b;
}
#endif

typedef struct {
    char *name;
    int rank;
    hsize_t dims[RESULTS_MAX_RANK];
    int dim[RESULTS_MAX_RANK];      /* the dimension of each axis (D_*) */
    H5T_class_t cls;
    int scale;                      /* a coordinate: the dimension it defines; else -1 */
    objid id;                       /* a coordinate's identity */
    char *series, *statistic;       /* attributes (NULL when absent) */
    int described;
} dsinfo;

typedef struct {
    const char *name;               /* "stats" */
    hid_t g;
    long long len[ND];              /* lengths of the coordinates defined here, or UNDEF */
    dsinfo *ds;
    size_t n, cap;
    int link_bad;                   /* a link that is not hard */
    char link_name[256];
} grp;

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    uint64_t V, P, K, T;
    long long len[ND];              /* the file's lengths, or UNDEF */
    int edition;                    /* the latest later_outputs edition /stats holds (1: none) */
    unsigned char series_q[N_SERIES]; /* the monthly series with quantiles (root attribute quantiles) */
} chk;

/* The outputs added after the first edition, with the edition that added them:
 * 2: value (docs/MODEL.md 10), default (docs/MODEL.md 5, "Counterparty default"); 3: contract
 * options (docs/MODEL.md 13), owned capacity and cash (docs/MODEL.md 5). A file holds every output of its edition and of earlier ones. */
static const struct { const char *name; int edition; } later_outputs[] = {
    { "value_lost", 2 }, { "pv_value", 2 }, { "pv_value_lost", 2 }, { "pv_net_value", 2 },
    { "defaulted", 2 },
    { "exercised", 3 }, { "option_month", 3 }, { "pv_option_fees", 3 },
    { "pv_capex", 3 }, { "residual_value", 3 }, { "cash", 3 }, { "min_cash", 3 },
    { "peak_funding_need", 3 }, { "months_cash_negative", 3 },
};
#define NLATER (sizeof later_outputs / sizeof later_outputs[0])

/* Is output `name` one the file may lack (one of later_outputs, newer than the file)? */
static int skipped(const chk *C, const char *name)
{
    for (size_t i = 0; i < NLATER; i++)
        if (strcmp(name, later_outputs[i].name) == 0) return later_outputs[i].edition > C->edition;
    return 0;
}

/* --- failures ----------------------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int bad(chk *C, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(C->err, C->errlen, "%s: damaged results file: %s", C->path, what);
    return RESULTS_BAD_FILE;
}

/* An HDF5 call just failed: its status, and its reason in the message. */
__attribute__((format(printf, 2, 3)))
static int h5fail(chk *C, const char *fmt, ...)
{
    int st = results_read_status();
    char what[768], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    hdf5_errmsg(msg, sizeof msg, what);
    snprintf(C->err, C->errlen, "%s: %s%s", C->path, st == RESULTS_BAD_FILE ? "damaged results file: " : "", msg);
    return st;
}

/* A status with its reason in why (from the results_* checking pieces). */
static int why_fail(chk *C, int st, const char *obj, const char *why)
{
    snprintf(C->err, C->errlen, "%s: %s%s: %s", C->path, st == RESULTS_BAD_FILE ? "damaged results file: " : "reading ",
             obj, why);
    return st;
}

/* --- attributes --------------------------------------------------------------------- */

/* An attribute that is optional, of class cls (H5T_FLOAT admits integers too), one value
 * (a string may also be empty: a NULL dataspace). */
static int attr_kind(chk *C, hid_t obj, const char *objname, const char *name, H5T_class_t cls)
{
    htri_t ex = H5Aexists(obj, name);
    if (ex < 0) return h5fail(C, "%s: attribute %s", objname, name);
    if (ex == 0) return RESULTS_OK;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return h5fail(C, "%s: attribute %s", objname, name);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int st = RESULTS_OK;
    if (t < 0 || s < 0) st = h5fail(C, "%s: attribute %s", objname, name);
    else {
        H5T_class_t c = H5Tget_class(t);
        int is_null = H5Sget_simple_extent_type(s) == H5S_NULL;
        int ok = c == cls || (cls == H5T_FLOAT && c == H5T_INTEGER);
        if (!ok)
            st = bad(C, "%s: attribute %s: not %s", objname, name,
                     cls == H5T_STRING ? "a string" : cls == H5T_INTEGER ? "an integer" : "a number");
        else if (is_null ? cls != H5T_STRING : H5Sget_simple_extent_npoints(s) != 1)
            st = bad(C, "%s: attribute %s: not a single value", objname, name);
        else if (!is_null && H5Tis_variable_str(t) <= 0 && H5Tget_size(t) > H5Aget_storage_size(a))
            st = bad(C, "%s: attribute %s: a value of %zu bytes, where the file stores %llu", objname, name,
                     H5Tget_size(t), (unsigned long long)H5Aget_storage_size(a));
    }
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Aclose(a);
    return st;
}

/* The monthly series with quantiles, from the root attribute quantiles: all (also when
 * absent: files before simulation.quantiles), totals (none), or their names joined by
 * commas. */
static int quantile_series(chk *C, hid_t f)
{
    memset(C->series_q, 1, sizeof C->series_q);
    htri_t ex = H5Aexists(f, "quantiles");
    if (ex < 0) return h5fail(C, "root: attribute quantiles");
    if (ex == 0) return RESULTS_OK;
    char *q = NULL;
    if (hdf5_read_attr_str(f, "quantiles", &q) != 0) return h5fail(C, "root: attribute quantiles");
    int st = RESULTS_OK;
    if (strcmp(q, "all") != 0) {
        memset(C->series_q, 0, sizeof C->series_q);
        for (char *name = q, *end; strcmp(q, "totals") != 0 && *name && st == RESULTS_OK; name = end) {
            size_t n = strcspn(name, ",");
            end = name + n + (name[n] == ',');
            int k = 0;
            while (k < N_SERIES && !(strlen(model_series[k].name) == n && !strncmp(model_series[k].name, name, n))) k++;
            if (k == N_SERIES) st = bad(C, "root: attribute quantiles: '%.*s' is not a monthly series", (int)n, name);
            else C->series_q[k] = 1;
        }
    }
    free(q);
    return st;
}

static int root_attrs(chk *C, hid_t f)
{
    static const char *const strings[] = {
        "title", "Conventions", "capsim_version", "git_revision", "compiler", "compiler_flags", "gsl_version",
        "hdf5_version", "started", "created", "command", "command_line", "sampling", "stop_reason", "scenario_name",
        "scenario_description", "scenario_source", "scenario_start", "scenario", "baseline", "target_on",
        "quantiles",
    };
    static const char *const integers[] = { "seed", "threads", "ranks", "superblock_paths", "merged_shards" };
    static const char *const numbers[] = { "discount_rate", "wall_seconds", "target_rse", "achieved_rse" };
    int st;
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if ((st = attr_kind(C, f, "root", strings[i], H5T_STRING)) != RESULTS_OK) return st;
    for (size_t i = 0; i < sizeof integers / sizeof *integers; i++)
        if ((st = attr_kind(C, f, "root", integers[i], H5T_INTEGER)) != RESULTS_OK) return st;
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        if ((st = attr_kind(C, f, "root", numbers[i], H5T_FLOAT)) != RESULTS_OK) return st;
    char why[256];
    uint64_t months;
    if ((st = results_attr_count(f, "variants", RESULTS_MAX_VARIANTS, &C->V, why, sizeof why)) != RESULTS_OK ||
        (st = results_attr_count(f, "paths", RESULTS_MAX_PATHS, &C->P, why, sizeof why)) != RESULTS_OK ||
        (st = results_attr_count(f, "months", RESULTS_MAX_MONTHS, &months, why, sizeof why)) != RESULTS_OK ||
        (st = results_attr_count(f, "save_paths", RESULTS_MAX_PATHS, &C->K, why, sizeof why)) != RESULTS_OK)
        return why_fail(C, st, "root", why);
    C->T = months;
    if (C->V < 1) return bad(C, "root: attribute variants: 0, at least 1 expected");
    if (C->T < 1) return bad(C, "root: attribute months: 0, at least 1 expected");
    if (C->K > C->P)
        return bad(C, "root: attribute save_paths: %llu, more than the %llu paths", (unsigned long long)C->K,
                   (unsigned long long)C->P);
    return quantile_series(C, f);
}

/* --- a group's objects -------------------------------------------------------------- */

static herr_t list_visit(hid_t g, const char *name, const H5L_info_t *li, void *data)
{
    (void)g;
    grp *G = data;
    if (li->type != H5L_TYPE_HARD) {
        G->link_bad = 1;
        snprintf(G->link_name, sizeof G->link_name, "%s", name);
        return 1;
    }
    if (grow_array(&G->ds, &G->cap, G->n + 1, sizeof *G->ds, 64) != 0) return -1;
    dsinfo *d = &G->ds[G->n];
    memset(d, 0, sizeof *d);
    d->scale = -1;
    if (!(d->name = strdup(name))) return -1;
    G->n++;
    return 0;
}

static void grp_free(grp *G)
{
    for (size_t i = 0; i < G->n; i++) {
        free(G->ds[i].name);
        free(G->ds[i].series);
        free(G->ds[i].statistic);
    }
    free(G->ds);
    if (G->g >= 0) H5Gclose(G->g);
    G->ds = NULL;
    G->n = G->cap = 0;
    G->g = H5I_INVALID_HID;
}

static int dim_id(const char *name)
{
    for (int d = 0; d < ND; d++)
        if (!strcmp(name, dim_names[d])) return d;
    return -1;
}

static dsinfo *find(grp *G, const char *name)
{
    for (size_t i = 0; i < G->n; i++)
        if (!strcmp(G->ds[i].name, name)) return &G->ds[i];
    return NULL;
}

/* The identity of the scale attached first to a dimension. */
typedef struct {
    objid id;
    int ok;
} scale_found;

static herr_t scale_visit(hid_t dset, unsigned dim, hid_t scale, void *data)
{
    (void)dset;
    (void)dim;
    scale_found *sf = data;
    /* A reference of a damaged file may reach a group or a named type, which
     * H5DSiterate_scales would then fail to close (H5Dclose): closed here, and the
     * dimension has no coordinate. */
    if (H5Iget_type(scale) != H5I_DATASET) {
        H5Oclose(scale);
        return -1;
    }
    sf->ok = obj_id(scale, &sf->id) == 0;
    return 1;
}

/* The string attributes the readers use: strings where present; series and statistic
 * kept. */
typedef struct {
    chk *C;
    const char *obj;
    dsinfo *d;
    int st;
} attr_walk;

/* The attributes of dimension scales, read by HDF5's H5DS functions, which leak what they
 * opened when one has another type (HDF5 1.10.8, found by tests/fuzz/fuzz_results): their
 * types checked before any H5DS call. */
static int ds_attr(attr_walk *w, hid_t loc, const char *name)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return h5fail(w->C, "%s: attribute %s", w->obj, name);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int st = RESULTS_OK;
    if (t < 0 || s < 0) st = h5fail(w->C, "%s: attribute %s", w->obj, name);
    else {
        H5T_class_t c = H5Tget_class(t);
        int simple = H5Sget_simple_extent_type(s) == H5S_SIMPLE && H5Sget_simple_extent_ndims(s) == 1;
        hssize_t np = H5Sget_simple_extent_npoints(s);
        if (!strcmp(name, "DIMENSION_LIST") ? c != H5T_VLEN || !simple || np != w->d->rank
                                            : c != H5T_COMPOUND || !simple)
            st = bad(w->C, "%s: attribute %s: not a dimension scale's", w->obj, name);
    }
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Aclose(a);
    return st;
}

/* CLASS, which capsim writes on dimension scales only, must say so: H5DSis_scale leaks
 * the attribute and its type when a string CLASS says anything else (HDF5 1.10.8, found
 * by tests/fuzz/fuzz_results), so it is read and compared here before any H5DS call. */
static int class_attr(attr_walk *w, hid_t loc)
{
    char why[256], *value = NULL;
    int st = results_attr_string(loc, "CLASS", &value, why, sizeof why);
    if (st != RESULTS_OK) why_fail(w->C, st, w->obj, why);
    else if (strcmp(value, "DIMENSION_SCALE") != 0)
        st = bad(w->C, "%s: attribute CLASS: not DIMENSION_SCALE", w->obj);
    free(value);
    return st;
}

static herr_t attr_visit(hid_t loc, const char *name, const H5A_info_t *ai, void *data)
{
    static const char *const str_attrs[] = { "units", "long_name", "series", "statistic", "better", "key_path",
                                             "coordinates", "description", "calendar", "baseline", "CLASS",
                                             "NAME" };
    (void)ai;
    attr_walk *w = data;
    if (!strcmp(name, "DIMENSION_LIST") || !strcmp(name, "REFERENCE_LIST")) {
        w->st = ds_attr(w, loc, name);
        return w->st == RESULTS_OK ? 0 : 1;
    }
    int listed = 0;
    for (size_t i = 0; i < sizeof str_attrs / sizeof *str_attrs; i++) listed |= !strcmp(name, str_attrs[i]);
    if (!listed) return 0;
    if (!strcmp(name, "CLASS")) {
        w->st = class_attr(w, loc);
        return w->st == RESULTS_OK ? 0 : 1;
    }
    char **keep = !strcmp(name, "series") ? &w->d->series : !strcmp(name, "statistic") ? &w->d->statistic : NULL;
    if (!keep) {
        w->st = attr_kind(w->C, loc, w->obj, name, H5T_STRING);
        return w->st == RESULTS_OK ? 0 : 1;
    }
    char why[256];
    free(*keep);
    *keep = NULL;
    w->st = results_attr_string(loc, name, keep, why, sizeof why);
    if (w->st != RESULTS_OK) why_fail(w->C, w->st, w->obj, why);
    return w->st == RESULTS_OK ? 0 : 1;
}

/* Type, shape, string attributes and stored size of G's dataset d (opened as ds). */
static int describe(chk *C, grp *G, dsinfo *d, hid_t ds)
{
    char obj[512];
    d->described = 1;
    snprintf(obj, sizeof obj, "/%s/%s", G->name, d->name);
    hid_t s = H5Dget_space(ds), t = H5Dget_type(ds);
    int st = RESULTS_OK;
    if (s < 0 || t < 0) st = h5fail(C, "%s", obj);
    int r = st == RESULTS_OK ? H5Sget_simple_extent_ndims(s) : -1;
    if (st == RESULTS_OK && r < 0) st = h5fail(C, "%s", obj);
    if (st == RESULTS_OK && r > RESULTS_MAX_RANK) st = bad(C, "%s: %d dimensions", obj, r);
    if (st == RESULTS_OK && H5Sget_simple_extent_type(s) == H5S_NULL) st = bad(C, "%s: no dataspace", obj);
    if (st == RESULTS_OK && r > 0 && H5Sget_simple_extent_dims(s, d->dims, NULL) < 0) st = h5fail(C, "%s", obj);
    size_t elsize = t >= 0 ? H5Tget_size(t) : 0;
    if (st == RESULTS_OK) {
        d->rank = r;
        d->cls = H5Tget_class(t);
        if (d->cls != H5T_FLOAT && d->cls != H5T_INTEGER && d->cls != H5T_STRING)
            st = bad(C, "%s: neither numbers nor strings", obj);
        else if (d->cls == H5T_STRING && r != 1)
            st = bad(C, "%s: strings over %d dimensions (labels have one)", obj, r);
    }
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    if (st != RESULTS_OK) return st;
    /* the number of values, checked against what the file stores before anyone reads it */
    long double n = 1;
    for (int i = 0; i < d->rank; i++) n *= (long double)d->dims[i];
    char why[256];
    if (n > (long double)UINT64_MAX / 16 ||
        results_plausible(ds, (uint64_t)n, elsize, why, sizeof why) != RESULTS_OK)
        return bad(C, "%s: %s", obj, n > (long double)UINT64_MAX / 16 ? "impossibly many values" : why);
    attr_walk w = { C, obj, d, RESULTS_OK };
    hsize_t at = 0;
    if (H5Aiterate2(ds, H5_INDEX_NAME, H5_ITER_INC, &at, attr_visit, &w) < 0 && w.st == RESULTS_OK)
        return h5fail(C, "%s: attributes", obj);
    if (w.st != RESULTS_OK) return w.st;
    htri_t is_scale = H5DSis_scale(ds);
    if (is_scale < 0) return h5fail(C, "%s", obj);
    if (is_scale > 0) {
        int k = dim_id(d->name);
        if (k < 0) return bad(C, "%s: a dimension scale of an unknown dimension", obj);
        if (d->rank != 1) return bad(C, "%s: a coordinate over %d dimensions", obj, d->rank);
        if (d->cls != dim_class[k])
            return bad(C, "%s: a coordinate of %s", obj, d->cls == H5T_STRING ? "strings, numbers expected"
                                                       : dim_class[k] == H5T_STRING ? "numbers, strings expected"
                                                       : "the wrong kind of numbers");
        if (d->dims[0] > (k == D_PATH ? RESULTS_MAX_PATHS : k == D_TIME ? RESULTS_MAX_MONTHS
                                      : k == D_VARIANT ? RESULTS_MAX_VARIANTS
                                      : k == D_QUANTILE ? RESULTS_MAX_QUANTILES : RESULTS_MAX_LABELS))
            return bad(C, "%s: %llu values, above the limit", obj, (unsigned long long)d->dims[0]);
        /* the name the readers find the dimension by (results_var_load) */
        char sname[96] = "";
        ssize_t sl = H5DSget_scale_name(ds, sname, sizeof sname);
        if (sl < 0) return h5fail(C, "%s", obj);
        int dim_only = k == D_BNDS && !strncmp(sname, NOT_A_VARIABLE, strlen(NOT_A_VARIABLE));
        if (strcmp(sname, d->name) != 0 && !dim_only)
            return bad(C, "%s: a dimension scale named '%.40s'", obj, sname);
        if (obj_id(ds, &d->id) < 0) return h5fail(C, "%s", obj);
        d->scale = k;
        G->len[k] = (long long)d->dims[0];
    }
    return RESULTS_OK;
}

/* The dimensions of G's dataset d (not a coordinate): each one's coordinate, in G. */
static int attach(chk *C, grp *G, dsinfo *d, hid_t ds)
{
    char obj[512];
    snprintf(obj, sizeof obj, "/%s/%s", G->name, d->name);
    for (int i = 0; i < d->rank; i++) {
        int ns = H5DSget_num_scales(ds, (unsigned)i);
        if (ns < 0) return h5fail(C, "%s", obj);
        if (ns == 0) return bad(C, "%s: dimension %d has no coordinate (dimension scale)", obj, i);
        scale_found sf = { 0, 0 };
        if (H5DSiterate_scales(ds, (unsigned)i, NULL, scale_visit, &sf) < 0 || !sf.ok) return h5fail(C, "%s", obj);
        int k = -1;
        for (size_t j = 0; k < 0 && j < G->n; j++)
            if (G->ds[j].scale >= 0 && same_obj(G->g, &G->ds[j].id, &sf.id)) k = G->ds[j].scale;
        if (k < 0) return bad(C, "%s: dimension %d has a coordinate that is not one of /%s", obj, i, G->name);
        if ((long long)d->dims[i] != G->len[k])
            return bad(C, "%s: dimension %d (%s) has length %llu, its coordinate %lld", obj, i, dim_names[k],
                       (unsigned long long)d->dims[i], G->len[k]);
        d->dim[i] = k;
    }
    return RESULTS_OK;
}

/* Open group `name` and describe everything in it. */
static int open_grp(chk *C, hid_t f, const char *name, grp *G)
{
    memset(G, 0, sizeof *G);
    G->name = name;
    G->g = H5I_INVALID_HID;
    for (int k = 0; k < ND; k++) G->len[k] = UNDEF;
    htri_t ex = H5Lexists(f, name, H5P_DEFAULT);
    if (ex < 0) return h5fail(C, "/%s", name);
    if (ex == 0) return bad(C, "/%s: missing", name);
    H5L_info_t li;
    if (H5Lget_info(f, name, &li, H5P_DEFAULT) < 0) return h5fail(C, "/%s", name);
    if (li.type != H5L_TYPE_HARD) return bad(C, "/%s: a soft or external link, not a group", name);
    hid_t o = H5Oopen(f, name, H5P_DEFAULT);
    if (o < 0) return h5fail(C, "/%s", name);
    int is_group = H5Iget_type(o) == H5I_GROUP;
    H5Oclose(o);
    if (!is_group) return bad(C, "/%s: not a group", name);
    if ((G->g = H5Gopen2(f, name, H5P_DEFAULT)) < 0) return h5fail(C, "/%s", name);
    H5G_info_t gi;
    if (H5Gget_info(G->g, &gi) < 0) return h5fail(C, "/%s", name);
    if (gi.nlinks > RESULTS_MAX_LINKS)
        return bad(C, "/%s: %llu objects, above the limit %u", name, (unsigned long long)gi.nlinks, RESULTS_MAX_LINKS);
    /* In native order HDF5 decodes the links one by one and fails cleanly on a damaged
     * one; in any other order it first builds a table of them all, and HDF5 1.10.8 frees
     * garbage releasing a table with a damaged link (tests/fuzz: h5ls crashes too). */
    hsize_t idx = 0;
    if (H5Literate(G->g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, list_visit, G) < 0) {
        if (G->n < gi.nlinks && !G->link_bad) return h5fail(C, "/%s", name);
    }
    if (G->link_bad) return bad(C, "/%s/%s: a soft or external link, not a dataset", name, G->link_name);
    /* the coordinates first (named as dimensions), then everything else against them */
    int st = RESULTS_OK;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; st == RESULTS_OK && i < G->n; i++) {
            dsinfo *d = &G->ds[i];
            if (pass == 0 ? dim_id(d->name) < 0 : d->scale >= 0) continue;
            hid_t ob = H5Oopen(G->g, d->name, H5P_DEFAULT);
            if (ob < 0) return h5fail(C, "/%s/%s", name, d->name);
            if (H5Iget_type(ob) != H5I_DATASET) st = bad(C, "/%s/%s: not a dataset", name, d->name);
            else if (!d->described) st = describe(C, G, d, ob);
            if (st == RESULTS_OK && pass == 1) {
                if (d->scale >= 0) st = bad(C, "/%s/%s: a dimension scale of an unknown dimension", name, d->name);
                else st = attach(C, G, d, ob);
            }
            if (st == RESULTS_OK && d->scale >= 0) d->dim[0] = d->scale;
            H5Oclose(ob);
        }
    return st;
}

/* --- what each group must hold ------------------------------------------------------ */

/* Coordinate d of G: of length want (UNDEF: absent), checked against the file's. */
static int want_coord(chk *C, grp *G, int d, long long want)
{
    if (want == UNDEF || want == 0) {
        if (G->len[d] != UNDEF)
            return bad(C, "/%s/%s: a coordinate of %lld values, where the file has none", G->name, dim_names[d],
                       G->len[d]);
        return RESULTS_OK;
    }
    if (G->len[d] == UNDEF) return bad(C, "/%s/%s: missing (the coordinate of %lld values)", G->name, dim_names[d], want);
    if (G->len[d] != want)
        return bad(C, "/%s/%s: %lld values, %lld expected", G->name, dim_names[d], G->len[d], want);
    return RESULTS_OK;
}

/* A coordinate G may define: if it does, the length the file has. */
static int same_coord(chk *C, grp *G, int d)
{
    if (G->len[d] == UNDEF) return RESULTS_OK;
    if (C->len[d] == UNDEF)
        return bad(C, "/%s/%s: %lld values, where /stats has none", G->name, dim_names[d], G->len[d]);
    if (G->len[d] != C->len[d])
        return bad(C, "/%s/%s: %lld values, /stats has %lld", G->name, dim_names[d], G->len[d], C->len[d]);
    return RESULTS_OK;
}

static void dims_text(char *buf, size_t len, const int *dim, const hsize_t *n, int rank)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, len, "(");
    for (int i = 0; i < rank && at < len; i++) {
        if (n) at += (size_t)snprintf(buf + at, len - at, "%s%s %llu", i ? ", " : "", dim[i] >= 0 ? dim_names[dim[i]] : "?",
                                      (unsigned long long)n[i]);
        else at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", dim_names[dim[i]]);
    }
    if (at < len) snprintf(buf + at, len - at, ")");
}

/* Variable `name` of G: present, floating point, over exactly want[0..r). */
static int check_var(chk *C, grp *G, const dsinfo *d, const int *want, int r)
{
    const char *name = d->name;
    if (d->scale >= 0) return bad(C, "/%s/%s: a coordinate, where a variable was expected", G->name, name);
    int same = d->rank == r;
    for (int i = 0; same && i < r; i++) same = d->dim[i] == want[i];
    if (!same) {
        char has[256], exp[256];
        dims_text(has, sizeof has, d->dim, d->dims, d->rank);
        dims_text(exp, sizeof exp, want, NULL, r);
        return bad(C, "/%s/%s: dimensions %s where %s were expected", G->name, name, r || d->rank ? has : "()",
                   r ? exp : "none (a single value)");
    }
    if (d->cls != H5T_FLOAT) return bad(C, "/%s/%s: not floating point", G->name, name);
    return RESULTS_OK;
}

static int want_var(chk *C, grp *G, const char *name, const int *want, int r)
{
    const dsinfo *d = find(G, name);
    if (!d) return bad(C, "/%s/%s: missing", G->name, name);
    return check_var(C, G, d, want, r);
}

/* A string attribute (series or statistic) of G's variable name equal to value. */
static int want_attr(chk *C, grp *G, const char *name, const char *attr, const char *value)
{
    const dsinfo *d = find(G, name);
    const char *v = !d ? NULL : !strcmp(attr, "series") ? d->series : d->statistic;
    if (!v) return bad(C, "/%s/%s: attribute %s: missing", G->name, name, attr);
    if (strcmp(v, value) != 0) return bad(C, "/%s/%s: attribute %s is '%.64s', '%s' expected", G->name, name, attr, v, value);
    return RESULTS_OK;
}

static int own_dim(dim_kind k)
{
    return k == DIM_SEGMENT ? D_SEGMENT : k == DIM_CLOUD ? D_CLOUD : k == DIM_CONTRACT ? D_CONTRACT
         : k == DIM_OPTION ? D_OPTION : -1;
}

/* The statistics of output oi in /stats or /diff (as h5out.c's define_output_stats). */
static int stats_of(chk *C, grp *G, const output_info *oi, int series, int diff)
{
    int own = own_dim(oi->dim);
    if (own >= 0 && C->len[own] == UNDEF) return RESULTS_OK;   /* no such elements: not written */
    if (skipped(C, oi->name)) return RESULTS_OK;
    for (int st = 0; st < NST; st++) {
        if (st == ST_PPOS && !diff && !oi->has_ppos) continue;
        if (st == ST_PNEG && !diff) continue;
        if (series && (st == ST_Q || st == ST_PNEG) && !C->series_q[oi - model_series]) continue;
        int dims[4], r = 0, rc;
        if (G->len[D_VARIANT] != UNDEF) dims[r++] = D_VARIANT;
        if (series) dims[r++] = D_TIME;
        if (own >= 0) dims[r++] = own;
        if (st == ST_Q) dims[r++] = D_QUANTILE;
        char name[256];
        snprintf(name, sizeof name, "%s_%s", oi->name, st_suffix[st]);
        if ((rc = want_var(C, G, name, dims, r)) != RESULTS_OK ||
            (rc = want_attr(C, G, name, "series", oi->name)) != RESULTS_OK ||
            (rc = want_attr(C, G, name, "statistic", st_suffix[st])) != RESULTS_OK)
            return rc;
    }
    return RESULTS_OK;
}

/* Coordinates of a group over time: the month labels along it. */
static int want_month(chk *C, grp *G)
{
    dsinfo *m = find(G, "month");
    if (!m) return bad(C, "/%s/month: missing", G->name);
    if (m->cls != H5T_STRING || m->rank != 1 || m->dim[0] != D_TIME)
        return bad(C, "/%s/month: not the labels of time", G->name);
    return RESULTS_OK;
}

/* The CF bounds of time (files before them have neither): time_bnds over (time, bnds),
 * bnds of length 2. */
static int want_time_bnds(chk *C, grp *G)
{
    if (G->len[D_BNDS] == UNDEF) return find(G, "time_bnds") ? bad(C, "/%s/bnds: missing", G->name) : RESULTS_OK;
    if (G->len[D_BNDS] != 2) return bad(C, "/%s/bnds: %lld values, 2 expected", G->name, G->len[D_BNDS]);
    int dims[2] = { D_TIME, D_BNDS };
    return want_var(C, G, "time_bnds", dims, 2);
}

static int check_stats(chk *C, hid_t f, int diff)
{
    grp G;
    const char *name = diff ? "diff" : "stats";
    int st = open_grp(C, f, name, &G);
    long long nv = diff ? (long long)C->V - 1 : C->V > 1 ? (long long)C->V : UNDEF;
    if (st == RESULTS_OK) st = want_coord(C, &G, D_VARIANT, nv);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_TIME, (long long)C->T);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_PATH, UNDEF);
    if (st == RESULTS_OK && G.len[D_QUANTILE] == UNDEF) st = bad(C, "/%s/quantile: missing", name);
    if (st == RESULTS_OK && G.len[D_QUANTILE] < 1) st = bad(C, "/%s/quantile: empty", name);
    if (st == RESULTS_OK) {
        if (!diff) {
            /* /stats defines the file's elements */
            for (int d = D_SEGMENT; d <= D_CONTRACT; d++) C->len[d] = G.len[d] > 0 ? G.len[d] : UNDEF;
            C->len[D_OPTION] = G.len[D_OPTION] > 0 ? G.len[D_OPTION] : UNDEF;
            C->len[D_QUANTILE] = G.len[D_QUANTILE];
        }
        for (int d = D_SEGMENT; st == RESULTS_OK && d <= D_OPTION; d++) {
            if (d >= D_TOTAL && d <= D_YEAR) continue;
            if (C->len[d] != UNDEF) st = want_coord(C, &G, d, C->len[d]);
            else st = same_coord(C, &G, d);
        }
    }
    for (int d = D_TOTAL; st == RESULTS_OK && d <= D_YEAR; d++) st = want_coord(C, &G, d, UNDEF);
    if (st == RESULTS_OK) st = want_month(C, &G);
    if (st == RESULTS_OK) st = want_time_bnds(C, &G);
    if (!diff) {
        C->edition = 1;
        for (size_t i = 0; i < NLATER; i++) {
            char mean[256];
            snprintf(mean, sizeof mean, "%s_mean", later_outputs[i].name);
            if (find(&G, mean) && later_outputs[i].edition > C->edition) C->edition = later_outputs[i].edition;
        }
    }
    for (int s = 0; st == RESULTS_OK && s < N_SERIES; s++) st = stats_of(C, &G, &model_series[s], 1, diff);
    for (int k = 0; st == RESULTS_OK && k < N_TOTALS; k++) st = stats_of(C, &G, &model_totals[k], 0, diff);
    if (st == RESULTS_OK) {
        int dims[1] = { D_VARIANT };
        st = want_var(C, &G, "n", dims, G.len[D_VARIANT] != UNDEF ? 1 : 0);
    }
    grp_free(&G);
    return st;
}

/* Coordinates of the per-path groups: variant and path; elements as /stats has them. */
static int path_coords(chk *C, grp *G, uint64_t npaths)
{
    int st = want_coord(C, G, D_VARIANT, C->V > 1 ? (long long)C->V : UNDEF);
    if (st == RESULTS_OK && G->len[D_PATH] == UNDEF) st = bad(C, "/%s/path: missing", G->name);
    if (st == RESULTS_OK && (uint64_t)G->len[D_PATH] != npaths)
        st = bad(C, "/%s/path: %lld paths, where the attribute %s says %llu", G->name, G->len[D_PATH],
                 strcmp(G->name, "paths") ? "paths" : "save_paths", (unsigned long long)npaths);
    for (int d = D_SEGMENT; st == RESULTS_OK && d <= D_CONTRACT; d++) st = same_coord(C, G, d);
    if (st == RESULTS_OK) st = same_coord(C, G, D_OPTION);
    if (st == RESULTS_OK) st = want_coord(C, G, D_QUANTILE, UNDEF);
    for (int d = D_TOTAL; st == RESULTS_OK && d <= D_YEAR; d++) st = want_coord(C, G, d, UNDEF);
    return st;
}

static int check_totals(chk *C, hid_t f)
{
    grp G;
    int st = open_grp(C, f, "totals", &G);
    if (st == RESULTS_OK) st = path_coords(C, &G, C->P);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_TIME, UNDEF);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_BNDS, UNDEF);
    for (int k = 0; st == RESULTS_OK && k < N_TOTALS; k++) {
        int own = own_dim(model_totals[k].dim), dims[3], r = 0;
        if ((own >= 0 && C->len[own] == UNDEF) || skipped(C, model_totals[k].name)) continue;
        if (C->V > 1) dims[r++] = D_VARIANT;
        dims[r++] = D_PATH;
        if (own >= 0) dims[r++] = own;
        st = want_var(C, &G, model_totals[k].name, dims, r);
    }
    /* The number of values of the totals: the `total` axis of /sensitivity. */
    long long nt = 0;
    for (int k = 0; k < N_TOTALS; k++) {
        int own = own_dim(model_totals[k].dim);
        if (skipped(C, model_totals[k].name)) continue;
        nt += own < 0 ? 1 : C->len[own] == UNDEF ? 0 : C->len[own];
    }
    C->len[D_TOTAL] = nt ? nt : UNDEF;
    grp_free(&G);
    return st;
}

/* /params: one variable over ([variant,] path) per sampled value, and for sweeps the varied
 * values over variant. */
static int check_params(chk *C, hid_t f)
{
    grp G;
    int st = open_grp(C, f, "params", &G);
    /* without sampled values nothing extends the path coordinate: it stays empty */
    int none = 1;
    for (size_t i = 0; i < G.n; i++) none &= G.ds[i].scale >= 0 || G.ds[i].rank == 0 || G.ds[i].dim[G.ds[i].rank - 1] != D_PATH;
    if (st == RESULTS_OK) st = path_coords(C, &G, none && G.len[D_PATH] == 0 ? 0 : C->P);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_TIME, UNDEF);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_BNDS, UNDEF);
    long long np = 0;
    for (size_t i = 0; st == RESULTS_OK && i < G.n; i++) {
        dsinfo *d = &G.ds[i];
        if (d->scale >= 0) continue;
        int r = 0, dims[2];
        if (C->V > 1) dims[r++] = D_VARIANT;
        int is_param = d->rank == r + 1 && d->dim[r] == D_PATH;
        if (is_param) dims[r++] = D_PATH;
        st = check_var(C, &G, d, dims, r);
        np += is_param;
    }
    C->len[D_PARAM] = np ? np : UNDEF;
    grp_free(&G);
    return st;
}

static int check_sensitivity(chk *C, hid_t f)
{
    static const char *const sobol[] = { "sobol_first", "sobol_total", "sobol_first_ci", "sobol_total_ci" };
    static const char *const years[] = { "rank_corr_unmet_by_year", "rank_corr_spend_by_year" };
    grp G;
    int st = open_grp(C, f, "sensitivity", &G);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_VARIANT, C->V > 1 ? (long long)C->V : UNDEF);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_TOTAL, C->len[D_TOTAL]);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_PARAM, C->len[D_PARAM]);
    for (int d = D_PATH; st == RESULTS_OK && d <= D_QUANTILE; d++) st = want_coord(C, &G, d, UNDEF);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_OPTION, UNDEF);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_BNDS, UNDEF);
    if (st == RESULTS_OK && G.len[D_YEAR] != UNDEF && (G.len[D_YEAR] < 1 || (uint64_t)G.len[D_YEAR] > C->T / 12 + 2))
        st = bad(C, "/sensitivity/year: %lld years in a horizon of %llu months", G.len[D_YEAR],
                 (unsigned long long)C->T);
    int dims[3], r = 0;
    if (C->V > 1) dims[r++] = D_VARIANT;
    dims[r++] = D_TOTAL;
    dims[r++] = D_PARAM;
    int have_all = G.len[D_TOTAL] != UNDEF && G.len[D_PARAM] != UNDEF;
    if (st == RESULTS_OK && have_all) st = want_var(C, &G, "rank_corr", dims, r);
    int nsobol = 0, nyears = 0;
    for (int k = 0; k < 4; k++) nsobol += find(&G, sobol[k]) != NULL;
    for (int k = 0; k < 2; k++) nyears += find(&G, years[k]) != NULL;
    for (int k = 0; st == RESULTS_OK && nsobol && k < 4; k++) st = want_var(C, &G, sobol[k], dims, r);
    dims[r - 2] = D_YEAR;
    for (int k = 0; st == RESULTS_OK && nyears && k < 2; k++) st = want_var(C, &G, years[k], dims, r);
    grp_free(&G);
    return st;
}

static int check_saved_paths(chk *C, hid_t f)
{
    grp G;
    int st = open_grp(C, f, "paths", &G);
    if (st == RESULTS_OK) st = path_coords(C, &G, C->K);
    if (st == RESULTS_OK) st = want_coord(C, &G, D_TIME, (long long)C->T);
    if (st == RESULTS_OK) st = want_month(C, &G);
    if (st == RESULTS_OK) st = want_time_bnds(C, &G);
    for (int s = 0; st == RESULTS_OK && s < N_SERIES; s++) {
        int own = own_dim(model_series[s].dim), dims[4], r = 0;
        if ((own >= 0 && C->len[own] == UNDEF) || skipped(C, model_series[s].name)) continue;
        if (C->V > 1) dims[r++] = D_VARIANT;
        dims[r++] = D_PATH;
        dims[r++] = D_TIME;
        if (own >= 0) dims[r++] = own;
        st = want_var(C, &G, model_series[s].name, dims, r);
    }
    grp_free(&G);
    return st;
}

/* Group name of f: present (1), absent (0), or a failure (a status < 0). */
static int has_group(chk *C, hid_t f, const char *name)
{
    htri_t ex = H5Lexists(f, name, H5P_DEFAULT);
    if (ex < 0) return h5fail(C, "/%s", name);
    return ex > 0;
}

int results_check(hid_t f, const char *path, char *err, size_t errlen)
{
    chk C;
    memset(&C, 0, sizeof C);
    C.path = path;
    C.err = err;
    C.errlen = errlen;
    for (int k = 0; k < ND; k++) C.len[k] = UNDEF;
    int st = root_attrs(&C, f);
    if (st == RESULTS_OK) st = check_stats(&C, f, 0);
    if (st == RESULTS_OK) {
        int has = has_group(&C, f, "diff");
        if (has < 0) st = has;
        else if (C.V > 1) st = has ? check_stats(&C, f, 1) : bad(&C, "/diff: missing (the file has %llu variants)",
                                                               (unsigned long long)C.V);
        else if (has) st = bad(&C, "/diff: present in a file of one variant");
    }
    if (st == RESULTS_OK) st = check_totals(&C, f);
    if (st == RESULTS_OK) st = check_params(&C, f);
    if (st == RESULTS_OK) st = check_sensitivity(&C, f);
    if (st == RESULTS_OK) {
        int has = has_group(&C, f, "paths");
        if (has < 0) st = has;
        else if (C.K > 0) st = has ? check_saved_paths(&C, f) : bad(&C, "/paths: missing (save_paths is %llu)",
                                                                    (unsigned long long)C.K);
        else if (has) st = bad(&C, "/paths: present, where the attribute save_paths is 0");
    }
    H5Eclear2(H5E_DEFAULT);
    return st;
}
