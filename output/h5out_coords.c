/*
 * h5out_coords: the coordinate variables of the results file (part of h5out; see
 * h5out_int.h). Each group defines, as netCDF-4 dimension scales inside itself, the
 * coordinates its variables use (xarray does not see a parent group's): variant (with
 * the varied values of a sweep), path, time (days since 1970-01-01, with month labels),
 * segment, cloud, contract (with contract_cloud), quantile, total (with total_name and
 * total_element), param and year; and time's CF bounds (time_bnds over time and bnds, a
 * dimension without a variable). A dimension of length 0 is not defined (netCDF reads a
 * 0-length dimension as unlimited): variables over it are skipped. Also the names of
 * /params (CF-safe) and the units of a key path's field, which /params and the varied
 * coordinates share.
 */
#include "h5out_int.h"
#include "hdf5_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

static const char *const dim_names[ND] = {
    "variant", "path", "time", "segment", "cloud", "contract", "quantile", "total", "param", "year",
    "option", "bnds",
};

/* netCDF-4's NAME of a dimension scale that is a dimension only, not a variable (the
 * vertex axis of time_bnds): the text and the length as netCDF-C writes them ("%s%10d"). */
#define NOT_A_VARIABLE "This is a netCDF dimension but not a netCDF variable."

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

/* A variable name for a key path: '/' separates HDF5 groups, so it becomes '_' (the
 * exact key path is kept in the `key_path` attribute). Dots are valid in netCDF names. */
char *h5out_var_name(const char *keypath)
{
    size_t n = strlen(keypath);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i <= n; i++) s[i] = keypath[i] == '/' ? '_' : keypath[i];
    if (s[0] == 0) {
        free(s);
        s = malloc(2);
        if (s) strcpy(s, "_");
    }
    return s;
}

/* CF-safe names of the /params variables (h5out_int.h): CF 1.8 section 2.3 allows letters,
 * digits and underscores, starting with a letter; the key path stays in `key_path`. */
int h5out_param_names(const char *const *keypaths, size_t n, char **names)
{
    static const char *const reserved[] = { "path", "variant" };
    for (size_t j = 0; j < n; j++) {
        const char *kp = keypaths[j];
        size_t len = strlen(kp), at = 0, size = len + 2 + 16;   /* "p_", the name, "_N" */
        char *s = malloc(size);
        if (!s) {
            for (size_t i = 0; i < j; i++) {
                free(names[i]);
                names[i] = NULL;
            }
            return -1;
        }
        if (!((kp[0] >= 'a' && kp[0] <= 'z') || (kp[0] >= 'A' && kp[0] <= 'Z'))) {
            memcpy(s, "p_", 2);
            at = 2;
        }
        for (size_t i = 0; i < len; i++) {
            char c = kp[i];
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            s[at++] = ok ? c : '_';
        }
        s[at] = 0;
        /* two key paths may map to one name (a.b_c, a_b.c): number the later ones */
        for (unsigned k = 2;; k++) {
            int taken = 0;
            for (size_t i = 0; i < j && !taken; i++) taken = !strcmp(names[i], s);
            for (size_t i = 0; i < sizeof reserved / sizeof *reserved && !taken; i++) taken = !strcmp(reserved[i], s);
            if (!taken) break;
            snprintf(s + at, size - at, "_%u", k);
        }
        names[j] = s;
    }
    return 0;
}

/* Units of the field a key path names: the scenario format fixes the unit of every field
 * (docs/MODEL.md). First match wins; NULL when no pattern matches. */
const char *h5out_key_units(const char *kp)
{
    static const struct { const char *pat; const char *units; } tab[] = {
        { ".price.", "USD per chip-hour" },
        { "usd_per_h100e_hour", "USD per H100e-hour" },
        { "usd_per_chip", "USD per chip" },
        { "usd_per_month", "USD per month" },
        { "add_per_month", "MW per month" },
        { "_months", "months" },
        { ".power_mw.", "MW" },
        { "_h100e", "H100e" },
        { ".h100e", "H100e per chip" },
        { ".kw", "kW" },
        { ".count", "chips" },
        { "usd", "USD" },
        { ".growth", "multiple per year" },
        { ".escalator", "1 per year" },
        { "per_year", "1 per year" },
        { "discount_rate", "1 per year" },
        { ".fulfilled", "1" },
        { "volatility", "1" },
        { "share", "1" },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strstr(kp, tab[i].pat)) return tab[i].units;
    return NULL;
}

/* --- coordinates -------------------------------------------------------------------- */

/* A 1-D coordinate variable `name` along its own dimension d. */
static hid_t coord_doubles(h5out *o, grp *G, int d, const double *v, const char *units, const char *long_name)
{
    hsize_t n = G->len[d];
    hid_t ds = hdf5_dataset(G->g, dim_names[d], H5T_IEEE_F64LE, 1, &n, NULL, NULL, 0, 0);
    if (ds < 0 || hdf5_write_doubles(ds, v) < 0 || hdf5_make_scale(ds, dim_names[d]) < 0 ||
        (units && hdf5_attr_str(ds, "units", units) < 0) || hdf5_attr_str(ds, "long_name", long_name) < 0) {
        if (ds >= 0) H5Dclose(ds);
        h5out_fail(o, "writing coordinate %s", dim_names[d]);
        return H5I_INVALID_HID;
    }
    return ds;
}

static hid_t coord_labels(h5out *o, grp *G, int d, const char *const *v, const char *long_name)
{
    hsize_t n = G->len[d];
    hid_t t = hdf5_vlen_str_type();
    hid_t ds = t >= 0 ? hdf5_dataset(G->g, dim_names[d], t, 1, &n, NULL, NULL, 0, 0) : H5I_INVALID_HID;
    if (t >= 0) H5Tclose(t);
    if (ds < 0 || hdf5_write_strings(ds, v, n) < 0 || hdf5_make_scale(ds, dim_names[d]) < 0 ||
        hdf5_attr_str(ds, "long_name", long_name) < 0) {
        if (ds >= 0) H5Dclose(ds);
        h5out_fail(o, "writing coordinate %s", dim_names[d]);
        return H5I_INVALID_HID;
    }
    return ds;
}

/* A non-dimension coordinate of strings along dimension d (month labels, contract_cloud). */
static int aux_labels(h5out *o, grp *G, const char *name, int d, const char *const *v, const char *long_name)
{
    hsize_t n = G->len[d];
    hid_t t = hdf5_vlen_str_type();
    hid_t ds = t >= 0 ? hdf5_dataset(G->g, name, t, 1, &n, NULL, NULL, 0, 0) : H5I_INVALID_HID;
    if (t >= 0) H5Tclose(t);
    int rc = ds >= 0 && hdf5_write_strings(ds, v, n) == 0 && hdf5_attach(ds, &G->scale[d], 1) == 0 &&
             hdf5_attr_str(ds, "long_name", long_name) == 0 ? 0 : -1;
    if (ds >= 0) H5Dclose(ds);
    return rc < 0 ? h5out_fail(o, "writing coordinate %s", name) : 0;
}

/* The `path` coordinate: int64 path indices, growing as paths stream in. */
static hid_t coord_path(h5out *o, grp *G)
{
    hsize_t zero = 0, max = H5S_UNLIMITED, chunk = 4096;
    hid_t ds = hdf5_dataset(G->g, "path", H5T_STD_I64LE, 1, &zero, &max, &chunk, 0, 0);
    if (ds < 0 || hdf5_make_scale(ds, "path") < 0 || hdf5_attr_str(ds, "long_name", "path index") < 0 ||
        hdf5_attr_str(ds, "standard_name", "realization") < 0) {
        if (ds >= 0) H5Dclose(ds);
        h5out_fail(o, "writing coordinate path");
        return H5I_INVALID_HID;
    }
    return ds;
}

/* The vertex dimension of time_bnds (length 2): a netCDF dimension without a variable. */
static int dim_bnds(h5out *o, grp *G)
{
    hsize_t two = 2;
    char name[96];
    snprintf(name, sizeof name, "%s%10d", NOT_A_VARIABLE, 2);
    hid_t ds = hdf5_dataset(G->g, dim_names[D_BNDS], H5T_IEEE_F32LE, 1, &two, NULL, NULL, 0, 0);
    if (ds < 0 || hdf5_make_scale(ds, name) < 0) {
        if (ds >= 0) H5Dclose(ds);
        return h5out_fail(o, "writing dimension bnds");
    }
    G->scale[D_BNDS] = ds;
    return 0;
}

/* CF bounds of each month: [its first day, the next month's first day), in the units and
 * calendar of time (CF 7.1 allows them on bounds when they are the parent's). */
static int time_bounds(h5out *o, grp *G, const double *days, const double *next)
{
    hsize_t T = G->len[D_TIME], dims[2] = { T, 2 };
    double *b = malloc((size_t)T * 2 * sizeof *b);
    if (!b) return h5out_fail_plain(o, "out of memory");
    for (hsize_t t = 0; t < T; t++) {
        b[2 * t] = days[t];
        b[2 * t + 1] = next[t];
    }
    hid_t scales[2] = { G->scale[D_TIME], G->scale[D_BNDS] };
    hid_t ds = hdf5_dataset(G->g, "time_bnds", H5T_IEEE_F64LE, 2, dims, NULL, NULL, 0, 0);
    int rc = ds >= 0 && hdf5_write_doubles(ds, b) == 0 && hdf5_attach(ds, scales, 2) == 0 &&
             hdf5_attr_str(ds, "long_name", "first day of the month and of the next") == 0 &&
             hdf5_attr_str(ds, "units", "days since 1970-01-01") == 0 &&
             hdf5_attr_str(ds, "calendar", "standard") == 0 ? 0 : -1;
    free(b);
    if (ds >= 0 && H5Dclose(ds) < 0) rc = -1;
    return rc < 0 ? h5out_fail(o, "writing time_bnds") : 0;
}

static int coord_time(h5out *o, grp *G, const h5out_desc *d)
{
    int T = o->L.months;
    double *days = malloc((size_t)T * sizeof *days), *next = malloc((size_t)T * sizeof *next);
    char (*lab)[8] = malloc((size_t)T * sizeof *lab);
    const char **labp = malloc((size_t)T * sizeof *labp);
    int rc = -1;
    if (!days || !next || !lab || !labp) {
        h5out_fail_plain(o, "out of memory");
        goto done;
    }
    for (int t = 0; t < T; t++) {
        long m0 = (long)d->sc->start_year * 12 + (d->sc->start_month - 1) + t, m1 = m0 + 1;
        days[t] = (double)days_from_civil(m0 / 12, (unsigned)(m0 % 12 + 1), 1);
        next[t] = (double)days_from_civil(m1 / 12, (unsigned)(m1 % 12 + 1), 1);
        scenario_month_label(d->sc, t, lab[t]);
        labp[t] = lab[t];
    }
    hid_t ds = coord_doubles(o, G, D_TIME, days, "days since 1970-01-01", "start of month");
    if (ds < 0) goto done;
    G->scale[D_TIME] = ds;
    if (hdf5_attr_str(ds, "calendar", "standard") < 0 || hdf5_attr_str(ds, "standard_name", "time") < 0 ||
        hdf5_attr_str(ds, "axis", "T") < 0 || hdf5_attr_str(ds, "bounds", "time_bnds") < 0) {
        h5out_fail(o, "writing coordinate time");
        goto done;
    }
    if (dim_bnds(o, G) < 0 || time_bounds(o, G, days, next) < 0) goto done;
    if (aux_labels(o, G, "month", D_TIME, labp, "calendar month (YYYY-MM)") < 0) goto done;
    G->has_month = 1;
    rc = 0;
done:
    free(days);
    free(next);
    free(lab);
    free(labp);
    return rc;
}

static int is_param_name(const h5out *o, const char *name)
{
    for (size_t j = 0; j < o->nparams; j++)
        if (o->param_names[j] && !strcmp(o->param_names[j], name)) return 1;
    return 0;
}

/* The variant coordinate (labels) and, for sweeps, the varied values along it. */
static int coord_variant(h5out *o, grp *G, const h5out_desc *d)
{
    size_t v0 = G->diff ? 1 : 0;
    hid_t ds = coord_labels(o, G, D_VARIANT, d->variants + v0, "variant (scenario file, or key=value for a sweep)");
    if (ds < 0) return -1;
    G->scale[D_VARIANT] = ds;
    if (G->diff && hdf5_attr_str(G->g, "baseline", d->variants[0]) < 0)
        return h5out_fail(o, "writing /diff attributes");
    double *v = malloc((G->len[D_VARIANT] ? G->len[D_VARIANT] : 1) * sizeof *v);
    if (!v) return h5out_fail_plain(o, "out of memory");
    for (size_t k = 0; k < o->nvary; k++) {
        /* /params holds the sampled values by key path: never shadow one of them. */
        if (G == &o->params && is_param_name(o, o->vary_names[k])) continue;
        for (size_t i = 0; i < G->len[D_VARIANT]; i++) v[i] = d->vary_values[(i + v0) * o->nvary + k];
        hid_t c = hdf5_dataset(G->g, o->vary_names[k], H5T_IEEE_F64LE, 1, &G->len[D_VARIANT], NULL, NULL, 0, 0);
        const char *units = h5out_key_units(d->vary_keys[k]);
        char ln[1024];
        snprintf(ln, sizeof ln, "varied value of %s", d->vary_keys[k]);
        int rc = c >= 0 && hdf5_write_doubles(c, v) == 0 && hdf5_attach(c, &G->scale[D_VARIANT], 1) == 0 &&
                 hdf5_attr_str(c, "key_path", d->vary_keys[k]) == 0 && hdf5_attr_str(c, "long_name", ln) == 0 &&
                 (!units || hdf5_attr_str(c, "units", units) == 0) ? 0 : -1;
        if (c >= 0) H5Dclose(c);
        if (rc < 0) {
            free(v);
            return h5out_fail(o, "writing coordinate %s", d->vary_keys[k]);
        }
        G->has_vary = 1;
    }
    free(v);
    return 0;
}

/* Labels of the `total` axis of /sensitivity: one per total value ("pv_spend",
 * "pv_spend_by_cloud[azure]") with the total's name and element alongside. */
static int coord_totals(h5out *o, grp *G, const h5out_desc *d)
{
    size_t n = o->L.ntotals, i = 0;
    char **lab = calloc(n ? n : 1, sizeof *lab);
    const char **nm = calloc(n ? n : 1, sizeof *nm), **el = calloc(n ? n : 1, sizeof *el);
    int rc = -1;
    if (!lab || !nm || !el) goto oom;
    for (int k = 0; k < N_TOTALS; k++) {
        const output_info *oi = &model_totals[k];
        const char *const *names = oi->dim == DIM_CLOUD ? d->clouds : oi->dim == DIM_SEGMENT ? d->segments
                                 : oi->dim == DIM_OPTION ? d->options : d->contracts;
        for (size_t j = 0; j < o->L.total_len[k]; j++, i++) {
            const char *e = oi->dim == DIM_NONE ? "" : names[j] ? names[j] : "";
            size_t len = strlen(oi->name) + strlen(e) + 3;
            if (!(lab[i] = malloc(len))) goto oom;
            if (oi->dim == DIM_NONE) snprintf(lab[i], len, "%s", oi->name);
            else snprintf(lab[i], len, "%s[%s]", oi->name, e);
            nm[i] = oi->name;
            el[i] = e;
        }
    }
    hid_t ds = coord_labels(o, G, D_TOTAL, (const char *const *)lab, "per-path total (and element)");
    if (ds < 0) goto done;
    G->scale[D_TOTAL] = ds;
    if (aux_labels(o, G, "total_name", D_TOTAL, nm, "name of the total") < 0 ||
        aux_labels(o, G, "total_element", D_TOTAL, el, "element (cloud, segment or contract) of the total") < 0)
        goto done;
    G->has_total_labels = 1;
    rc = 0;
    goto done;
oom:
    h5out_fail_plain(o, "out of memory");
done:
    if (lab)
        for (size_t k = 0; k < n; k++) free(lab[k]);
    free(lab);
    free(nm);
    free(el);
    return rc;
}

/* Define, inside group G, every coordinate named in `need` (a bit set of D_*). A
 * dimension of length 0 is not defined (netCDF reads a 0-length dimension as unlimited):
 * variables over it are skipped. */
int h5out_define_coords(h5out *o, grp *G, unsigned need, const h5out_desc *d)
{
    for (int k = 0; k < ND; k++) G->scale[k] = H5I_INVALID_HID;
    G->len[D_VARIANT] = G->diff ? o->V - 1 : o->V;
    G->len[D_PATH] = 0;
    G->len[D_TIME] = (hsize_t)o->L.months;
    G->len[D_SEGMENT] = o->L.dimlen[DIM_SEGMENT];
    G->len[D_CLOUD] = o->L.dimlen[DIM_CLOUD];
    G->len[D_CONTRACT] = o->L.dimlen[DIM_CONTRACT];
    G->len[D_OPTION] = o->L.dimlen[DIM_OPTION];
    G->len[D_QUANTILE] = STATS_NQ;
    G->len[D_TOTAL] = o->L.ntotals;
    G->len[D_PARAM] = o->nparams;
    G->len[D_YEAR] = (hsize_t)model_calendar_years(o->start_month, o->L.months);
    G->len[D_BNDS] = 2;
    need &= ~(1u << D_BNDS); /* defined with time */
    need &= ~(1u << D_YEAR); /* defined on first use: h5out_write_rank_corr_yearly() */
    if (o->V < 2) need &= ~(1u << D_VARIANT);
    for (int k = 0; k < ND; k++)
        if (k != D_PATH && G->len[k] == 0) need &= ~(1u << k);

    if ((need & (1u << D_VARIANT)) && coord_variant(o, G, d) < 0) return -1;
    if ((need & (1u << D_PATH)) && (G->scale[D_PATH] = coord_path(o, G)) < 0) return -1;
    if ((need & (1u << D_TIME)) && coord_time(o, G, d) < 0) return -1;
    if (need & (1u << D_QUANTILE)) {
        G->scale[D_QUANTILE] = coord_doubles(o, G, D_QUANTILE, stats_quantile_levels, "1", "quantile level");
        if (G->scale[D_QUANTILE] < 0) return -1;
    }
    if (need & (1u << D_SEGMENT))
        if ((G->scale[D_SEGMENT] = coord_labels(o, G, D_SEGMENT, d->segments, "demand segment")) < 0) return -1;
    if (need & (1u << D_CLOUD))
        if ((G->scale[D_CLOUD] = coord_labels(o, G, D_CLOUD, d->clouds, "cloud")) < 0) return -1;
    if (need & (1u << D_CONTRACT)) {
        if ((G->scale[D_CONTRACT] = coord_labels(o, G, D_CONTRACT, d->contracts, "contract")) < 0) return -1;
        /* Spend is per contract; its cloud lets plots and users group spend by cloud
         * (the union's contracts: a compare whose scenarios add contracts and clouds
         * has it too). */
        if (d->contract_clouds) {
            if (aux_labels(o, G, "contract_cloud", D_CONTRACT, d->contract_clouds,
                           "cloud of the contract") < 0)
                return -1;
            G->has_contract_cloud = 1;
        }
    }
    if (need & (1u << D_OPTION))
        if ((G->scale[D_OPTION] = coord_labels(o, G, D_OPTION, d->options, "contract option")) < 0) return -1;
    if ((need & (1u << D_TOTAL)) && coord_totals(o, G, d) < 0) return -1;
    if (need & (1u << D_PARAM)) {
        if ((G->scale[D_PARAM] = coord_labels(o, G, D_PARAM, d->params, "sampled uncertain value (key path)")) < 0)
            return -1;
    }
    return 0;
}

grp *h5out_grp_init(grp *G, int diff)
{
    memset(G, 0, sizeof *G);
    G->g = H5I_INVALID_HID;
    for (int k = 0; k < ND; k++) G->scale[k] = H5I_INVALID_HID;
    G->diff = diff;
    return G;
}

void h5out_grp_close(grp *G)
{
    for (int k = 0; k < ND; k++)
        if (G->scale[k] >= 0) H5Dclose(G->scale[k]);
    if (G->g >= 0) H5Gclose(G->g);
    for (int k = 0; k < ND; k++) G->scale[k] = H5I_INVALID_HID;
    G->g = H5I_INVALID_HID;
}

/* The `year` coordinate of /sensitivity (calendar years as int64), made on first use. */
int h5out_coord_year(h5out *o)
{
    grp *G = &o->sens;
    if (G->scale[D_YEAR] >= 0) return 0;
    hsize_t n = G->len[D_YEAR];
    int64_t *y = malloc((n ? n : 1) * sizeof *y);
    if (!y) return h5out_fail_plain(o, "out of memory");
    for (hsize_t i = 0; i < n; i++) y[i] = o->start_year + (int64_t)i;
    hid_t ds = hdf5_dataset(G->g, "year", H5T_STD_I64LE, 1, &n, NULL, NULL, 0, 0);
    int rc = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, y) >= 0 &&
             hdf5_make_scale(ds, "year") == 0 && hdf5_attr_str(ds, "long_name", "calendar year") == 0 ? 0 : -1;
    free(y);
    if (rc < 0) {
        if (ds >= 0) H5Dclose(ds);
        return h5out_fail(o, "writing coordinate year");
    }
    G->scale[D_YEAR] = ds;
    return 0;
}
