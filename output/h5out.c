/*
 * h5out: the results file (docs/OUTPUT.md; contract in h5out.h, layout in docs/OUTPUT.md).
 * This file holds the handle, the groups and their variables and what is written into
 * them; the file on disk (temporary name, signals, fsync, rename) is h5out_file.c, the
 * coordinate variables h5out_coords.c (h5out_int.h is what the three share).
 *
 * The file is built in three phases:
 *   open    temporary file, root attributes about the scenario, every group with its own
 *           coordinates (netCDF-4 dimension scales defined inside the group, because
 *           xarray does not see a parent group's), and every variable with NaN fill, so
 *           the layout is fixed before the first path runs;
 *   stream  per-path totals, sampled values and saved paths are appended by hyperslab
 *           into chunked datasets whose `path` dimension grows (H5Dset_extent);
 *   finish  statistics were written by then; provenance attributes, close, fsync,
 *           rename over the target.
 *
 * The root attributes are written here because the build passes the provenance macros
 * (CAPSIM_GIT_REV, CAPSIM_CFLAGS) to this file.
 *
 * Not thread-safe (HDF5 is the serial build): call from the engine's serial code.
 */
#include "h5out_int.h"
#include "hdf5_util.h"
#include "sim/base/grow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>

#include "sim/base/version.h"

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown"
#endif

#define GZIP_STREAM 0      /* per-path totals and params: uncompressed; gzip runs serially as paths
                              stream in, and the run time it costs outweighs the space it saves */
#define GZIP_PATHS 4       /* saved monthly series: smooth, compress well */
#define CHUNK_BYTES 65536  /* target chunk size: each streamed dataset caches one chunk, which fills
                              page by page as paths arrive, so the resident size grows by up to
                              this much per dataset */

/* --- small helpers ------------------------------------------------------------------ */

static double *scratch(h5out *o, size_t n)
{
    return grow_array(&o->buf, &o->buflen, n, sizeof *o->buf, n) == 0 ? o->buf : NULL;
}

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The dimension of a model output's own axis (segment, cloud, contract), or -1. */
static int dim_of(dim_kind k)
{
    switch (k) {
    case DIM_SEGMENT: return D_SEGMENT;
    case DIM_CLOUD: return D_CLOUD;
    case DIM_CONTRACT: return D_CONTRACT;
    case DIM_OPTION: return D_OPTION;
    default: return -1;
    }
}

static size_t paths_chunk(h5out *o, size_t bytes_per_path)
{
    size_t c = CHUNK_BYTES / (bytes_per_path ? bytes_per_path : 8);
    if (c < 1) c = 1;
    if (o->npaths_hint && c > o->npaths_hint) c = (size_t)o->npaths_hint;
    return c;
}

/* --- variables ---------------------------------------------------------------------- */

/* 1 when every dimension of the list is defined in G (else the variable is skipped). */
static int dims_ok(const grp *G, const int *dims, int rank)
{
    for (int i = 0; i < rank; i++)
        if (G->scale[dims[i]] < 0) return 0;
    return 1;
}

/* CF `coordinates`: the non-dimension coordinates that label this variable's dims, so
 * that xarray shows month, contract_cloud and the varied values as coordinates. */
static int set_coordinates_attr(h5out *o, const grp *G, hid_t ds, const int *dims, int rank)
{
    char buf[4096] = "";
    size_t len = 0;
#define ADD(s) do { int w_ = snprintf(buf + len, sizeof buf - len, "%s%s", len ? " " : "", (s)); \
                    if (w_ > 0 && (size_t)w_ < sizeof buf - len) len += (size_t)w_; } while (0)
    for (int i = 0; i < rank; i++) {
        if (dims[i] == D_TIME && G->has_month) ADD("month");
        if (dims[i] == D_CONTRACT && G->has_contract_cloud) ADD("contract_cloud");
        if (dims[i] == D_TOTAL && G->has_total_labels) { ADD("total_name"); ADD("total_element"); }
        if (dims[i] == D_VARIANT && G->has_vary)
            for (size_t k = 0; k < o->nvary; k++)
                if (hdf5_exists(G->g, o->vary_names[k])) ADD(o->vary_names[k]);
    }
#undef ADD
    return len ? hdf5_attr_str(ds, "coordinates", buf) : 0;
}

/* Create a double variable over dims in G with units and long_name; chunked along
 * `path` when it has that dimension (then with gzip level `gzip`). Returns the open
 * dataset, 0 (no dataset: a dimension is empty) via *skipped, or -1. */
static hid_t make_var(h5out *o, grp *G, const char *name, const int *dims, int rank, const char *units,
                      const char *long_name, int gzip, int *skipped)
{
    *skipped = 0;
    if (!dims_ok(G, dims, rank)) {
        *skipped = 1;
        return H5I_INVALID_HID;
    }
    hsize_t cur[8], max[8], chunk[8];
    int streamed = 0;
    size_t bytes = 8;
    for (int i = 0; i < rank; i++) {
        cur[i] = max[i] = chunk[i] = G->len[dims[i]];
        if (dims[i] == D_PATH) {
            streamed = 1;
            cur[i] = 0;
            max[i] = H5S_UNLIMITED;
        } else if (dims[i] != D_VARIANT)
            bytes *= G->len[dims[i]];
        if (dims[i] == D_VARIANT) chunk[i] = 1;
    }
    for (int i = 0; i < rank; i++)
        if (dims[i] == D_PATH) chunk[i] = paths_chunk(o, bytes);
    hid_t scales[8];
    for (int i = 0; i < rank; i++) scales[i] = G->scale[dims[i]];
    hid_t ds = hdf5_dataset(G->g, name, H5T_IEEE_F64LE, rank, cur, max, streamed ? chunk : NULL,
                           streamed ? gzip : 0, 1);
    if (ds < 0 || hdf5_attach(ds, scales, rank) < 0 || hdf5_attr_str(ds, "units", units) < 0 ||
        hdf5_attr_str(ds, "long_name", long_name) < 0 || set_coordinates_attr(o, G, ds, dims, rank) < 0) {
        if (ds >= 0) H5Dclose(ds);
        h5out_fail(o, "creating variable %s", name);
        return H5I_INVALID_HID;
    }
    return ds;
}

/* Write buf into variable `name` of G: the whole variable, or the slice [vslot, ...]
 * when vslot >= 0 (variables with a leading variant dimension). A variable that was
 * skipped (empty dimension) is skipped here too. */
static int put(h5out *o, grp *G, const char *name, long vslot, const double *buf)
{
    if (!hdf5_exists(G->g, name)) return 0;
    hid_t ds = H5Dopen2(G->g, name, H5P_DEFAULT);
    if (ds < 0) return h5out_fail(o, "opening %s", name);
    hsize_t dims[H5S_MAX_RANK], start[H5S_MAX_RANK] = { 0 };
    hid_t sp = H5Dget_space(ds);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (sp >= 0) {
        if (rank > 0 && H5Sget_simple_extent_dims(sp, dims, NULL) < 0) rank = -1;
        H5Sclose(sp);
    }
    int rc;
    if (rank < 0) rc = -1;
    else if (vslot < 0 || rank == 0) rc = hdf5_write_doubles(ds, buf);
    else {
        start[0] = (hsize_t)vslot;
        dims[0] = 1;
        rc = hdf5_write_slab(ds, rank, start, dims, buf);
    }
    if (H5Dclose(ds) < 0) rc = -1;
    return rc < 0 ? h5out_fail(o, "writing %s", name) : 0;
}

/* --- statistics variables ------------------------------------------------------------ */

enum { ST_MEAN, ST_SD, ST_SE, ST_MIN, ST_MAX, ST_Q, ST_PPOS, ST_PNEG, ST_ES_LO, ST_ES_HI, NST };
static const char *const st_suffix[NST] = { "mean", "sd", "se", "min", "max", "q", "ppos", "pneg",
                                            "es_lo", "es_hi" };
static const char *const st_what[NST] = {
    "mean over paths", "standard deviation over paths", "standard error of the mean",
    "minimum over paths", "maximum over paths", "quantiles over paths",
    "probability of being above zero", "probability of being below zero",
    "mean of the lowest 5% of paths (expected shortfall)",
    "mean of the highest 5% of paths (expected shortfall)",
};

/* Statistic st of output oi in /stats (diff 0) or /diff; the expected shortfalls are
 * for per-path totals only (they are exact: h5out_write_exact_totals). A monthly series
 * that simulation.quantiles leaves out has no quantiles, nor the differences' P(< 0),
 * which comes from the same sketch. */
static int has_stat(const h5out *o, const output_info *oi, int st, int diff, int series)
{
    if (series && (st == ST_Q || st == ST_PNEG) && !o->series_q[oi - model_series]) return 0;
    if (st == ST_PPOS) return diff || oi->has_ppos;
    if (st == ST_PNEG) return diff;
    if (st == ST_ES_LO || st == ST_ES_HI) return !series;
    return 1;
}

static const char *better_of(const output_info *oi)
{
    return oi->lower_is_better > 0 ? "lower" : oi->lower_is_better < 0 ? "higher" : "neither";
}

/* CF cell_methods of a monthly series along time (docs/OUTPUT.md, "Cell methods"): a flow
 * (units "... per month") is the month's sum; a state at the month's end (cash, the 0/1
 * of defaulted and exercised) a point; a level (H100e, MW, a ratio), one value for the
 * whole month in the model, its mean. */
static const char *time_method(const output_info *oi)
{
    size_t n = strlen(oi->units), k = strlen(" per month");
    if (n >= k && !strcmp(oi->units + n - k, " per month")) return "time: sum";
    if (!strcmp(oi->name, "cash") || !strcmp(oi->name, "defaulted") || !strcmp(oi->name, "exercised"))
        return "time: point (at the end of the month)";
    return "time: mean";
}

/* cell_methods of statistic st of a monthly series: the time method, then the statistic
 * over paths where CF names it (realization is the standard name of `path`). */
static int set_cell_methods(hid_t ds, const output_info *oi, int st)
{
    static const char *const over_paths[NST] = {
        [ST_MEAN] = "realization: mean", [ST_SD] = "realization: standard_deviation",
        [ST_MIN] = "realization: minimum", [ST_MAX] = "realization: maximum",
    };
    char cm[256];
    const char *r = st >= 0 ? over_paths[st] : NULL;
    snprintf(cm, sizeof cm, "%s%s%s", time_method(oi), r ? " " : "", r ? r : "");
    return hdf5_attr_str(ds, "cell_methods", cm);
}

/* The dims of output oi's statistic st in G: [variant] [time] [own] [quantile]. */
static int stat_dims(const grp *G, const output_info *oi, int series, int st, int *dims)
{
    int r = 0;
    if (G->scale[D_VARIANT] >= 0) dims[r++] = D_VARIANT;
    if (series) dims[r++] = D_TIME;
    if (dim_of(oi->dim) >= 0) dims[r++] = dim_of(oi->dim);
    if (st == ST_Q) dims[r++] = D_QUANTILE;
    return r;
}

static int define_output_stats(h5out *o, grp *G, const output_info *oi, int series)
{
    for (int st = 0; st < NST; st++) {
        if (!has_stat(o, oi, st, G->diff, series)) continue;
        int dims[4], skipped;
        int rank = stat_dims(G, oi, series, st, dims);
        char name[256], ln[512];
        snprintf(name, sizeof name, "%s_%s", oi->name, st_suffix[st]);
        snprintf(ln, sizeof ln, "%s%s, %s", G->diff ? "difference from baseline in " : "", oi->long_name,
                 st_what[st]);
        const char *units = st == ST_PPOS || st == ST_PNEG ? "1" : oi->units;
        hid_t ds = make_var(o, G, name, dims, rank, units, ln, 0, &skipped);
        if (skipped) continue;
        if (ds < 0) return -1;
        /* `series` and `statistic` let export and summary walk the group generically. */
        int rc = hdf5_attr_str(ds, "series", oi->name) == 0 && hdf5_attr_str(ds, "statistic", st_suffix[st]) == 0 &&
                 hdf5_attr_str(ds, "better", better_of(oi)) == 0 &&
                 (!series || set_cell_methods(ds, oi, st) == 0) ? 0 : -1;
        if (H5Dclose(ds) < 0 || rc < 0) return h5out_fail(o, "creating variable %s", name);
    }
    return 0;
}

static int define_stats_group(h5out *o, grp *G)
{
    for (int s = 0; s < N_SERIES; s++)
        if (define_output_stats(o, G, &model_series[s], 1) < 0) return -1;
    for (int k = 0; k < N_TOTALS; k++)
        if (define_output_stats(o, G, &model_totals[k], 0) < 0) return -1;
    int dims[1] = { D_VARIANT }, skipped;
    hid_t ds = make_var(o, G, "n", dims, G->scale[D_VARIANT] >= 0 ? 1 : 0, "1", "number of paths in the statistics",
                        0, &skipped);
    if (ds < 0) return -1;
    return H5Dclose(ds) < 0 ? h5out_fail(o, "creating variable n") : 0;
}

/* Gather statistic st of the `count` variables from off in S into buf. */
static void gather_stat(double *buf, const stats_summary *S, const double *pneg, size_t off, size_t count, int st)
{
    for (size_t i = 0; i < count; i++) {
        const stats_summary *x = &S[off + i];
        switch (st) {
        case ST_MEAN: buf[i] = x->mean; break;
        case ST_SD: buf[i] = x->sd; break;
        case ST_SE: buf[i] = x->se; break;
        case ST_MIN: buf[i] = x->min; break;
        case ST_MAX: buf[i] = x->max; break;
        case ST_PPOS: buf[i] = x->ppos; break;
        case ST_PNEG: buf[i] = pneg ? pneg[off + i] : NAN; break;
        case ST_ES_LO: case ST_ES_HI: buf[i] = NAN; break;   /* exact only */
        case ST_Q:
            for (int q = 0; q < STATS_NQ; q++) buf[i * STATS_NQ + q] = x->q[q];
            break;
        }
    }
}

static int write_output_stats(h5out *o, grp *G, const output_info *oi, int series, size_t off,
                              size_t count, const stats_summary *S, const double *pneg, long vslot)
{
    double *buf = scratch(o, count * STATS_NQ + 1);
    if (!buf) return h5out_fail_plain(o, "out of memory");
    for (int st = 0; st < NST; st++) {
        if (!has_stat(o, oi, st, G->diff, series)) continue;
        char name[256];
        snprintf(name, sizeof name, "%s_%s", oi->name, st_suffix[st]);
        gather_stat(buf, S, pneg, off, count, st);
        if (put(o, G, name, vslot, buf) < 0) return -1;
    }
    return 0;
}

/* The group's se_method attribute after one more variant's statistics (h5out.h). */
static int note_se_method(h5out *o, grp *G, const char *method)
{
    if (G->se_method[0] && strcmp(G->se_method, method) != 0) method = "mixed";
    snprintf(G->se_method, sizeof G->se_method, "%s", method);
    return hdf5_attr_str(G->g, "se_method", G->se_method) != 0 ? h5out_fail(o, "writing se_method") : 0;
}

/* Statistics of every output into G for slot vslot (-1: no variant dimension); the
 * standard errors from rep when it has every replicate (h5out.h). */
static int write_stats_into(h5out *o, grp *G, long vslot, const stats *s, const repl_acc *rep,
                            int with_pneg)
{
    size_t nv = o->L.row_len;
    if (stats_nvars(s) != nv)
        return h5out_fail_plain(o, "statistics have %zu variables, the layout %zu", stats_nvars(s), nv);
    stats_summary *S = malloc((nv ? nv : 1) * sizeof *S);
    double *pneg = with_pneg ? malloc((nv ? nv : 1) * sizeof *pneg) : NULL;
    if (!S || (with_pneg && !pneg)) {
        free(S);
        free(pneg);
        return h5out_fail_plain(o, "out of memory");
    }
    /* Each variable's summary is independent of the others (and read-only on s). */
#pragma omp parallel for schedule(dynamic, 32)
    for (size_t i = 0; i < nv; i++) {
        stats_get(s, i, &S[i]);
        if (pneg) {
            /* P(x < 0) from the mid-rank CDF F(0) = P(<0) + P(=0)/2 and ppos = P(>0). */
            double p = 2.0 * stats_cdf(s, i, 0.0) + S[i].ppos - 1.0;
            pneg[i] = S[i].n > 0 ? fmin(1.0, fmax(0.0, p)) : NAN;
        }
    }
    char method[32] = "iid";
    if (rep && repl_complete(rep)) {
        for (size_t i = 0; i < nv; i++) S[i].se = repl_se(rep, i);
        snprintf(method, sizeof method, "replicates:%u", repl_nrep(rep));
    }
    int rc = note_se_method(o, G, method);
    for (int k = 0; k < N_SERIES && rc == 0; k++)
        rc = write_output_stats(o, G, &model_series[k], 1, o->L.series_off[k], o->L.series_len[k], S, pneg, vslot);
    for (int k = 0; k < N_TOTALS && rc == 0; k++)
        rc = write_output_stats(o, G, &model_totals[k], 0, o->L.total_off[k], o->L.total_len[k], S, pneg, vslot);
    double n = stats_count(s);
    if (rc == 0) rc = put(o, G, "n", vslot, &n);
    free(S);
    free(pneg);
    return rc;
}

int h5out_write_stats(h5out *o, size_t v, const stats *s, const repl_acc *rep)
{
    if (v >= o->V) return h5out_fail_plain(o, "variant %zu out of range", v);
    return write_stats_into(o, &o->stats, o->V > 1 ? (long)v : -1, s, rep, 0);
}

/* The exact statistics of the totals (ex: one per total value, the layout's order) over
 * the sketch's in G for slot vslot. */
static int write_exact_into(h5out *o, grp *G, long vslot, const exact_stats *ex)
{
    size_t t0 = o->L.total_off[0];
    for (int k = 0; k < N_TOTALS; k++) {
        const output_info *oi = &model_totals[k];
        size_t off = o->L.total_off[k] - t0, count = o->L.total_len[k];
        double *buf = scratch(o, count * STATS_NQ + 1);
        if (!buf) return h5out_fail_plain(o, "out of memory");
        static const int which[5] = { ST_Q, ST_PPOS, ST_PNEG, ST_ES_LO, ST_ES_HI };
        for (int w = 0; w < 5; w++) {
            int st = which[w];
            if (!has_stat(o, oi, st, G->diff, 0)) continue;
            for (size_t i = 0; i < count; i++) {
                const exact_stats *x = &ex[off + i];
                if (st == ST_Q)
                    for (int q = 0; q < STATS_NQ; q++) buf[i * STATS_NQ + q] = x->q[q];
                else
                    buf[i] = st == ST_PPOS ? x->ppos : st == ST_PNEG ? x->pneg : st == ST_ES_LO ? x->es_lo : x->es_hi;
            }
            char name[256];
            snprintf(name, sizeof name, "%s_%s", oi->name, st_suffix[st]);
            if (put(o, G, name, vslot, buf) < 0) return -1;
        }
    }
    return 0;
}

int h5out_write_exact_totals(h5out *o, size_t v, int diff, const exact_stats *ex)
{
    if (v >= o->V || (diff && v < 1)) return h5out_fail_plain(o, "exact statistics for variant %zu out of range", v);
    if (diff) return write_exact_into(o, &o->diff, (long)v - 1, ex);
    return write_exact_into(o, &o->stats, o->V > 1 ? (long)v : -1, ex);
}

int h5out_write_diff_stats(h5out *o, size_t v, const stats *diff, const repl_acc *rep)
{
    if (v < 1 || v >= o->V)
        return h5out_fail_plain(o, "difference statistics for variant %zu: need 1 <= v < %zu", v, o->V);
    return write_stats_into(o, &o->diff, (long)v - 1, diff, rep, 1);
}

/* --- sensitivity -------------------------------------------------------------------- */

static int sens_var(h5out *o, const char *name, const char *units, const char *long_name)
{
    grp *G = &o->sens;
    if (hdf5_exists(G->g, name)) return 0;
    int dims[3], r = 0, skipped;
    if (G->scale[D_VARIANT] >= 0) dims[r++] = D_VARIANT;
    dims[r++] = D_TOTAL;
    dims[r++] = D_PARAM;
    hid_t ds = make_var(o, G, name, dims, r, units, long_name, 0, &skipped);
    if (skipped) return 0;
    if (ds < 0) return -1;
    return H5Dclose(ds) < 0 ? h5out_fail(o, "creating %s", name) : 0;
}

static long vslot_of(const h5out *o, size_t v)
{
    return o->V > 1 ? (long)v : -1;
}

int h5out_write_rank_corr(h5out *o, size_t v, const double *rank_corr)
{
    if (v >= o->V) return h5out_fail_plain(o, "variant %zu out of range", v);
    return put(o, &o->sens, "rank_corr", vslot_of(o, v), rank_corr);
}

static int sens_year_var(h5out *o, const char *name, const char *long_name)
{
    grp *G = &o->sens;
    if (hdf5_exists(G->g, name)) return 0;
    int dims[3], r = 0, skipped;
    if (G->scale[D_VARIANT] >= 0) dims[r++] = D_VARIANT;
    dims[r++] = D_YEAR;
    dims[r++] = D_PARAM;
    hid_t ds = make_var(o, G, name, dims, r, "1", long_name, 0, &skipped);
    if (skipped) return 0;
    if (ds < 0) return -1;
    return H5Dclose(ds) < 0 ? h5out_fail(o, "creating %s", name) : 0;
}

int h5out_write_rank_corr_yearly(h5out *o, size_t v, size_t nyears, const double *rc)
{
    if (v >= o->V) return h5out_fail_plain(o, "variant %zu out of range", v);
    int span = model_calendar_years(o->start_month, o->L.months);
    if (nyears != (size_t)span)
        return h5out_fail_plain(o, "yearly sensitivity for %zu years, the horizon spans %d", nyears, span);
    if (o->nparams == 0 || nyears == 0) return 0;
    if (h5out_coord_year(o) < 0 ||
        sens_year_var(o, "rank_corr_unmet_by_year",
                      "Spearman rank correlation of the calendar year's unmet demand (H100e-hours) with the "
                      "sampled value") < 0 ||
        sens_year_var(o, "rank_corr_spend_by_year",
                      "Spearman rank correlation of the calendar year's spend (nominal, contracts and spot) "
                      "with the sampled value") < 0)
        return -1;
    long vs = vslot_of(o, v);
    if (put(o, &o->sens, "rank_corr_unmet_by_year", vs, rc) < 0 ||
        put(o, &o->sens, "rank_corr_spend_by_year", vs, rc + nyears * o->nparams) < 0)
        return -1;
    return 0;
}

int h5out_write_sobol(h5out *o, size_t v, const double *first, const double *total, const double *first_ci,
                      const double *total_ci)
{
    if (v >= o->V) return h5out_fail_plain(o, "variant %zu out of range", v);
    if (sens_var(o, "sobol_first", "1", "first-order Sobol index") < 0 ||
        sens_var(o, "sobol_total", "1", "total Sobol index") < 0 ||
        sens_var(o, "sobol_first_ci", "1", "first-order Sobol index, 95% confidence half-width") < 0 ||
        sens_var(o, "sobol_total_ci", "1", "total Sobol index, 95% confidence half-width") < 0)
        return -1;
    long vs = vslot_of(o, v);
    if (put(o, &o->sens, "sobol_first", vs, first) < 0 || put(o, &o->sens, "sobol_total", vs, total) < 0 ||
        put(o, &o->sens, "sobol_first_ci", vs, first_ci) < 0 || put(o, &o->sens, "sobol_total_ci", vs, total_ci) < 0)
        return -1;
    return 0;
}

/* --- streamed per-path data ---------------------------------------------------------- */

/* Grow the path dimension of G (its coordinate and datasets ds[0..n-1]) to new_len,
 * writing the new path indices. */
static int extend_paths(h5out *o, grp *G, hid_t *ds, size_t n, uint64_t *cur, uint64_t new_len)
{
    if (new_len <= *cur) return 0;
    int axis = G->scale[D_VARIANT] >= 0 ? 1 : 0;
    for (size_t i = 0; i < n; i++) {
        if (ds[i] < 0) continue;
        hsize_t dims[H5S_MAX_RANK];
        hid_t sp = H5Dget_space(ds[i]);
        int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
        int ok = rank > axis && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0;
        if (sp >= 0) H5Sclose(sp);
        if (!ok) return h5out_fail(o, "extending the path dimension");
        dims[axis] = new_len;
        if (H5Dset_extent(ds[i], dims) < 0) return h5out_fail(o, "extending the path dimension");
    }
    hsize_t len = new_len, start = *cur, count = new_len - *cur;
    if (H5Dset_extent(G->scale[D_PATH], &len) < 0) return h5out_fail(o, "extending the path coordinate");
    int64_t *idx = malloc(count * sizeof *idx);
    if (!idx) return h5out_fail_plain(o, "out of memory");
    for (hsize_t i = 0; i < count; i++) idx[i] = (int64_t)(start + i);
    hid_t fs = H5Dget_space(G->scale[D_PATH]);
    hid_t ms = H5Screate_simple(1, &count, NULL);
    int rc = fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
             H5Dwrite(G->scale[D_PATH], H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, idx) >= 0 ? 0 : -1;
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    free(idx);
    if (rc < 0) return h5out_fail(o, "writing the path coordinate");
    *cur = new_len;
    return 0;
}

/* Write n paths' block buf (n x per values) at path `first` of variant slot vslot into
 * ds, whose dims are [variant] path [rest...]. */
static int write_paths_block(h5out *o, hid_t ds, long vslot, uint64_t first, size_t n, const double *buf,
                             const char *what)
{
    hsize_t dims[H5S_MAX_RANK], start[H5S_MAX_RANK] = { 0 };
    hid_t sp = H5Dget_space(ds);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    int ok = rank > 0 && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0;
    if (sp >= 0) H5Sclose(sp);
    if (!ok) return h5out_fail(o, "writing %s", what);
    int axis = 0;
    if (vslot >= 0) {
        start[0] = (hsize_t)vslot;
        dims[0] = 1;
        axis = 1;
    }
    start[axis] = first;
    dims[axis] = n;
    return hdf5_write_slab(ds, rank, start, dims, buf) < 0 ? h5out_fail(o, "writing %s", what) : 0;
}

int h5out_append(h5out *o, size_t v, uint64_t first, size_t n, const double *rows, const double *values)
{
    if (v >= o->V) return h5out_fail_plain(o, "variant %zu out of range", v);
    if (n == 0) return 0;
    if (extend_paths(o, &o->totals, o->tot_ds, N_TOTALS, &o->ext_totals, first + n) < 0) return -1;
    if (o->nparams && extend_paths(o, &o->params, o->par_ds, o->nparams, &o->ext_params, first + n) < 0)
        return -1;
    long vs = vslot_of(o, v);
    size_t stride = o->L.row_len;
    for (int k = 0; k < N_TOTALS; k++) {
        if (o->tot_ds[k] < 0) continue;
        size_t len = o->L.total_len[k], off = o->L.total_off[k];
        double *buf = scratch(o, n * len);
        if (!buf) return h5out_fail_plain(o, "out of memory");
        for (size_t r = 0; r < n; r++) memcpy(buf + r * len, rows + r * stride + off, len * sizeof *buf);
        if (write_paths_block(o, o->tot_ds[k], vs, first, n, buf, model_totals[k].name) < 0) return -1;
    }
    for (size_t j = 0; j < o->nparams; j++) {
        double *buf = scratch(o, n);
        if (!buf) return h5out_fail_plain(o, "out of memory");
        for (size_t r = 0; r < n; r++) buf[r] = values[r * o->nparams + j];
        if (write_paths_block(o, o->par_ds[j], vs, first, n, buf, "a sampled value") < 0) return -1;
    }
    o->appended += n;
    h5out_file_writeback(o);
    return 0;
}

int h5out_append_paths(h5out *o, size_t v, uint64_t first, size_t n, const double *rows)
{
    if (v >= o->V) return h5out_fail_plain(o, "variant %zu out of range", v);
    if (first >= o->save_paths || n == 0 || o->paths.g < 0) return 0;
    if (first + n > o->save_paths) n = (size_t)(o->save_paths - first);
    if (extend_paths(o, &o->paths, o->path_ds, N_SERIES, &o->ext_paths, first + n) < 0) return -1;
    size_t stride = o->L.row_len;
    for (int s = 0; s < N_SERIES; s++) {
        if (o->path_ds[s] < 0) continue;
        size_t len = o->L.series_len[s], off = o->L.series_off[s];
        double *buf = scratch(o, n * len);
        if (!buf) return h5out_fail_plain(o, "out of memory");
        for (size_t r = 0; r < n; r++) memcpy(buf + r * len, rows + r * stride + off, len * sizeof *buf);
        if (write_paths_block(o, o->path_ds[s], vslot_of(o, v), first, n, buf, model_series[s].name) < 0) return -1;
    }
    return 0;
}

/* --- groups ------------------------------------------------------------------------- */

/* Units of a sampled value, from the field its key path names; "1" for the fields no
 * pattern names (fractions, rates, multiples: fulfilled, volatility, rate, maturity.from). */
static const char *param_units(const char *kp)
{
    const char *u = h5out_key_units(kp);
    return u ? u : "1";
}

static int open_group(h5out *o, grp *G, const char *name, const char *description, unsigned need,
                      const h5out_desc *d)
{
    G->g = hdf5_group_create(o->file, name);
    if (G->g < 0) return h5out_fail(o, "creating group %s", name);
    if (hdf5_attr_str(G->g, "description", description) < 0) return h5out_fail(o, "writing %s attributes", name);
    return h5out_define_coords(o, G, need, d);
}

#define BIT(d) (1u << (d))
#define MONTHLY_DIMS (BIT(D_TIME) | BIT(D_SEGMENT) | BIT(D_CLOUD) | BIT(D_CONTRACT) | BIT(D_OPTION))

static int define_totals(h5out *o, const h5out_desc *d)
{
    unsigned need = BIT(D_VARIANT) | BIT(D_PATH);
    for (int k = 0; k < N_TOTALS; k++)
        if (dim_of(model_totals[k].dim) >= 0) need |= BIT(dim_of(model_totals[k].dim));
    if (open_group(o, &o->totals, "totals", "per-path totals", need, d) < 0) return -1;
    grp *G = &o->totals;
    for (int k = 0; k < N_TOTALS; k++) {
        const output_info *oi = &model_totals[k];
        int dims[3], r = 0, skipped;
        if (G->scale[D_VARIANT] >= 0) dims[r++] = D_VARIANT;
        dims[r++] = D_PATH;
        if (dim_of(oi->dim) >= 0) dims[r++] = dim_of(oi->dim);
        o->tot_ds[k] = make_var(o, G, oi->name, dims, r, oi->units, oi->long_name, GZIP_STREAM, &skipped);
        if (skipped) continue;
        if (o->tot_ds[k] < 0 || hdf5_attr_str(o->tot_ds[k], "better", better_of(oi)) < 0)
            return h5out_fail(o, "creating variable %s", oi->name);
    }
    return 0;
}

static int define_params(h5out *o, const h5out_desc *d)
{
    if (h5out_param_names(d->params, o->nparams, o->param_names) < 0) return h5out_fail_plain(o, "out of memory");
    if (open_group(o, &o->params, "params", "sampled uncertain values (the key path of each in its key_path)", BIT(D_VARIANT) | BIT(D_PATH), d) < 0)
        return -1;
    grp *G = &o->params;
    for (size_t j = 0; j < o->nparams; j++) {
        int dims[2], r = 0, skipped;
        if (G->scale[D_VARIANT] >= 0) dims[r++] = D_VARIANT;
        dims[r++] = D_PATH;
        const char *name = o->param_names[j];
        char ln[1024];
        snprintf(ln, sizeof ln, "sampled value of %s", d->params[j]);
        if (hdf5_exists(G->g, name)) return h5out_fail_plain(o, "two sampled values named %s", name);
        o->par_ds[j] = make_var(o, G, name, dims, r, param_units(d->params[j]), ln, GZIP_STREAM, &skipped);
        if (o->par_ds[j] < 0 || hdf5_attr_str(o->par_ds[j], "key_path", d->params[j]) < 0)
            return h5out_fail(o, "creating variable %s", d->params[j]);
    }
    return 0;
}

static int define_saved_paths(h5out *o, const h5out_desc *d)
{
    if (open_group(o, &o->paths, "paths", "monthly series of the first paths (--save-paths)",
                   BIT(D_VARIANT) | BIT(D_PATH) | MONTHLY_DIMS, d) < 0)
        return -1;
    grp *G = &o->paths;
    for (int s = 0; s < N_SERIES; s++) {
        const output_info *oi = &model_series[s];
        int dims[4], r = 0, skipped;
        if (G->scale[D_VARIANT] >= 0) dims[r++] = D_VARIANT;
        dims[r++] = D_PATH;
        dims[r++] = D_TIME;
        if (dim_of(oi->dim) >= 0) dims[r++] = dim_of(oi->dim);
        o->path_ds[s] = make_var(o, G, oi->name, dims, r, oi->units, oi->long_name, GZIP_PATHS, &skipped);
        if (!skipped && o->path_ds[s] < 0) return -1;
        if (!skipped && set_cell_methods(o->path_ds[s], oi, -1) < 0)
            return h5out_fail(o, "creating variable %s", oi->name);
    }
    return 0;
}

static int define_sensitivity(h5out *o, const h5out_desc *d)
{
    unsigned need = BIT(D_VARIANT) | BIT(D_TOTAL) | BIT(D_PARAM);
    if (open_group(o, &o->sens, "sensitivity",
                   "Spearman rank correlation of each per-path total with each sampled value; "
                   "Sobol indices with saltelli sampling", need, d) < 0)
        return -1;
    return sens_var(o, "rank_corr", "1", "Spearman rank correlation of the total with the sampled value");
}

static int root_attrs_open(h5out *o, const h5out_desc *d)
{
    const scenario *sc = d->sc;
    char start[8], ver[64];
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    snprintf(ver, sizeof ver, "%u.%u.%u", maj, min, rel);
    scenario_month_label(sc, 0, start);
    int rc = 0;
    hid_t f = o->file;
    rc |= hdf5_attr_str(f, "title", "capsim results");
    rc |= hdf5_attr_str(f, "Conventions", "CF-1.8");
    rc |= hdf5_attr_str(f, "capsim_version", CAPSIM_VERSION);
    rc |= hdf5_attr_str(f, "source", "capsim " CAPSIM_VERSION);
    rc |= hdf5_attr_str(f, "git_revision", CAPSIM_GIT_REV);
    rc |= hdf5_attr_str(f, "compiler", COMPILER);
    rc |= hdf5_attr_str(f, "compiler_flags", CAPSIM_CFLAGS);
    rc |= hdf5_attr_str(f, "gsl_version", gsl_version);
    rc |= hdf5_attr_str(f, "hdf5_version", ver);
    rc |= hdf5_attr_str(f, "started", o->started);
    rc |= hdf5_attr_str(f, "scenario_name", sc->name);
    rc |= hdf5_attr_str(f, "scenario_description", sc->description);
    rc |= hdf5_attr_str(f, "scenario_source", sc->source_path ? sc->source_path : "");
    rc |= hdf5_attr_str(f, "scenario_start", start);
    rc |= hdf5_attr_i64(f, "months", sc->months);
    rc |= hdf5_attr_double(f, "discount_rate", sc->discount_rate);
    rc |= hdf5_attr_i64(f, "variants", (int64_t)o->V);
    if (o->V > 1) rc |= hdf5_attr_str(f, "baseline", d->variants[0]);
    rc |= hdf5_attr_i64(f, "save_paths", (int64_t)o->save_paths);
    rc |= hdf5_attr_str(f, "quantiles", o->quantiles);
    rc |= hdf5_attr_str(f, "scenario", sc->text ? sc->text : "");
    return rc ? h5out_fail(o, "writing root attributes") : 0;
}

static int check_desc(const h5out_desc *d, char *err, size_t errlen)
{
    const char *why = NULL;
    if (!d || !d->sc || !d->L) why = "no scenario or layout";
    else if (d->nvariants < 1) why = "no variant";
    else if (d->nvariants > 1 && !d->variants) why = "variants without labels";
    else if (d->nparams && !d->params) why = "params without names";
    else if (d->nvary && (!d->vary_keys || !d->vary_values)) why = "varied keys without values";
    else if ((d->L->dimlen[DIM_CLOUD] && !d->clouds) || (d->L->dimlen[DIM_SEGMENT] && !d->segments) ||
             (d->L->dimlen[DIM_CONTRACT] && !d->contracts) || (d->L->dimlen[DIM_OPTION] && !d->options))
        why = "missing labels of clouds, segments, contracts or options";
    if (why && err) snprintf(err, errlen, "h5out_open: %s", why);
    return why ? -1 : 0;
}

/* Which monthly series have quantiles, and the root attribute that says so. */
static void quantile_series(h5out *o, const scenario *sc)
{
    int nq = scenario_quantile_count(sc);
    size_t n = (size_t)snprintf(o->quantiles, sizeof o->quantiles, "%s",
                                nq == 0 ? "totals" : nq == N_SERIES ? "all" : "");
    for (int k = 0; k < N_SERIES; k++) {
        o->series_q[k] = sc->quantile_series[k];
        if (nq < N_SERIES && o->series_q[k] && n < sizeof o->quantiles)
            n += (size_t)snprintf(o->quantiles + n, sizeof o->quantiles - n, "%s%s", n ? "," : "",
                                  model_series[k].name);
    }
}

static h5out *alloc_handle(const char *path, const h5out_desc *d)
{
    h5out *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->slot = -1;
    o->wb_fd = -1;
    o->file = H5I_INVALID_HID;
    snprintf(o->target, sizeof o->target, "%s", path);
    o->L = *d->L;
    o->V = d->nvariants;
    o->nparams = d->nparams;
    o->nvary = d->nvary;
    o->npaths_hint = d->npaths;
    o->save_paths = d->save_paths;
    o->start_year = d->sc->start_year;
    o->start_month = d->sc->start_month;
    quantile_series(o, d->sc);
    h5out_grp_init(&o->stats, 0);
    h5out_grp_init(&o->totals, 0);
    h5out_grp_init(&o->params, 0);
    h5out_grp_init(&o->sens, 0);
    h5out_grp_init(&o->paths, 0);
    h5out_grp_init(&o->diff, 1);
    o->tot_ds = malloc(N_TOTALS * sizeof *o->tot_ds);
    o->par_ds = malloc((o->nparams ? o->nparams : 1) * sizeof *o->par_ds);
    o->path_ds = malloc(N_SERIES * sizeof *o->path_ds);
    o->vary_names = calloc(o->nvary ? o->nvary : 1, sizeof *o->vary_names);
    o->param_names = calloc(o->nparams ? o->nparams : 1, sizeof *o->param_names);
    if (!o->tot_ds || !o->par_ds || !o->path_ds || !o->vary_names || !o->param_names) {
        free(o->param_names);
        free(o->tot_ds);
        free(o->par_ds);
        free(o->path_ds);
        free(o->vary_names);
        free(o);
        return NULL;
    }
    for (int k = 0; k < N_TOTALS; k++) o->tot_ds[k] = H5I_INVALID_HID;
    for (size_t j = 0; j < o->nparams; j++) o->par_ds[j] = H5I_INVALID_HID;
    for (int s = 0; s < N_SERIES; s++) o->path_ds[s] = H5I_INVALID_HID;
    clock_gettime(CLOCK_MONOTONIC, &o->t0);
    iso_now(o->started, sizeof o->started);
    return o;
}

h5out *h5out_open_begin(const char *path, const h5out_desc *d, char *err, size_t errlen)
{
    if (check_desc(d, err, errlen) < 0) return NULL;
    if (strlen(path) >= PATH_MAX - 32) {
        if (err) snprintf(err, errlen, "%.200s...: path too long", path);
        return NULL;
    }
    hdf5_quiet();
    h5out *o = alloc_handle(path, d);
    if (!o) {
        if (err) snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    int rc = h5out_file_create(o);
    for (size_t k = 0; rc == 0 && k < o->nvary; k++)
        if (!(o->vary_names[k] = h5out_var_name(d->vary_keys[k]))) rc = h5out_fail_plain(o, "out of memory");
    if (rc == 0) rc = root_attrs_open(o, d);
    if (rc == 0) rc = open_group(o, &o->stats, "stats", "statistics over paths of every monthly series and total",
                                 BIT(D_VARIANT) | BIT(D_QUANTILE) | MONTHLY_DIMS, d);
    if (rc == 0) rc = define_stats_group(o, &o->stats);
    if (rc == 0 && o->V > 1) {
        rc = open_group(o, &o->diff, "diff", "paired differences variant minus baseline, path by path",
                        BIT(D_VARIANT) | BIT(D_QUANTILE) | MONTHLY_DIMS, d);
        if (rc == 0) rc = define_stats_group(o, &o->diff);
    }
    if (rc == 0) return o;
    if (err) snprintf(err, errlen, "%s", o->err);
    h5out_keep_error(o);
    h5out_abort(o);
    return NULL;
}

int h5out_open_end(h5out *o, const h5out_desc *d, char *err, size_t errlen)
{
    int rc = define_totals(o, d);
    if (rc == 0) rc = define_params(o, d);
    if (rc == 0) rc = define_sensitivity(o, d);
    if (rc == 0 && o->save_paths > 0) rc = define_saved_paths(o, d);
    if (rc == 0) return 0;
    if (err) snprintf(err, errlen, "%s", o->err);
    h5out_keep_error(o);
    return -1;
}

h5out *h5out_open(const char *path, const h5out_desc *d, char *err, size_t errlen)
{
    h5out *o = h5out_open_begin(path, d, err, errlen);
    if (o && h5out_open_end(o, d, err, errlen) != 0) {
        h5out_abort(o);
        return NULL;
    }
    return o;
}

/* --- finishing ---------------------------------------------------------------------- */

static int root_attrs_finish(h5out *o, const h5out_run_info *info)
{
    char created[32];
    iso_now(created, sizeof created);
    uint64_t paths = o->ext_totals ? o->ext_totals : o->npaths_hint;
    int rc = 0;
    hid_t f = o->file;
    rc |= hdf5_attr_str(f, "created", created);
    rc |= hdf5_attr_str(f, "command", info && info->command ? info->command : "run");
    rc |= hdf5_attr_str(f, "command_line", info && info->command_line ? info->command_line : "");
    /* CF history: when and how the file was made (it differs between runs: the tests
     * of determinism compare the groups, not this) */
    const char *cl = info && info->command_line && info->command_line[0] ? info->command_line : "capsim";
    size_t hlen = strlen(created) + strlen(cl) + 3;
    char *hist = malloc(hlen);
    if (hist) snprintf(hist, hlen, "%s: %s", created, cl);
    rc |= hist ? hdf5_attr_str(f, "history", hist) : -1;
    free(hist);
    rc |= hdf5_attr_u64(f, "seed", info ? info->seed : 0);
    rc |= hdf5_attr_i64(f, "paths", (int64_t)paths);
    rc |= hdf5_attr_i64(f, "threads", info ? info->threads : 1);
    rc |= hdf5_attr_i64(f, "ranks", info ? info->ranks : 1);
    rc |= hdf5_attr_double(f, "wall_seconds", info ? info->wall_seconds : NAN);
    rc |= hdf5_attr_str(f, "sampling", info && info->sampling ? info->sampling : "");
    rc |= hdf5_attr_str(f, "stop_reason", info && info->stop_reason ? info->stop_reason : "paths");
    return rc ? h5out_fail(o, "writing root attributes") : 0;
}

/* Close every id; returns -1 when HDF5 reports a failure (a deferred write). */
static int close_all(h5out *o)
{
    int rc = 0;
    for (int k = 0; k < N_TOTALS; k++)
        if (o->tot_ds[k] >= 0 && H5Dclose(o->tot_ds[k]) < 0) rc = -1;
    for (size_t j = 0; j < o->nparams; j++)
        if (o->par_ds[j] >= 0 && H5Dclose(o->par_ds[j]) < 0) rc = -1;
    for (int s = 0; s < N_SERIES; s++)
        if (o->path_ds[s] >= 0 && H5Dclose(o->path_ds[s]) < 0) rc = -1;
    for (int k = 0; k < N_TOTALS; k++) o->tot_ds[k] = H5I_INVALID_HID;
    for (size_t j = 0; j < o->nparams; j++) o->par_ds[j] = H5I_INVALID_HID;
    for (int s = 0; s < N_SERIES; s++) o->path_ds[s] = H5I_INVALID_HID;
    h5out_grp_close(&o->stats);
    h5out_grp_close(&o->totals);
    h5out_grp_close(&o->params);
    h5out_grp_close(&o->sens);
    h5out_grp_close(&o->paths);
    h5out_grp_close(&o->diff);
    if (o->file >= 0 && H5Fclose(o->file) < 0) rc = -1;
    o->file = H5I_INVALID_HID;
    return rc;
}

static void free_handle(h5out *o)
{
    h5out_file_release(o);
    for (size_t k = 0; k < o->nvary; k++) free(o->vary_names[k]);
    free(o->vary_names);
    for (size_t j = 0; j < o->nparams; j++) free(o->param_names[j]);
    free(o->param_names);
    free(o->tot_ds);
    free(o->par_ds);
    free(o->path_ds);
    free(o->buf);
    free(o);
}

int h5out_finish(h5out *o, const h5out_run_info *info)
{
    int rc = 0;
    if (o->file < 0 || o->broken)
        rc = o->broken ? -1 : h5out_fail_plain(o, "results file already closed"); /* o->err says why */
    if (rc == 0) rc = root_attrs_finish(o, info);
    if (rc == 0 && close_all(o) < 0) rc = h5out_fail(o, "closing %s", o->tmp);
    if (rc == 0) rc = h5out_file_commit(o);
    if (rc < 0) {
        h5out_keep_error(o);
        h5out_abort(o);
        return -1;
    }
    free_handle(o);
    return 0;
}

/* Close what is open, remove the temporary file (if any), free the handle. */
void h5out_abort(h5out *o)
{
    if (!o) return;
    if (o->file >= 0) close_all(o);
    h5out_file_remove(o);
    H5Eclear2(H5E_DEFAULT);
    free_handle(o);
}

/* --- shards (docs/ENGINE.md) --------------------------------------------------------- */

hid_t h5out_file_id(h5out *o)
{
    return o && !o->broken ? o->file : H5I_INVALID_HID;
}

/* Rewrite the `path` coordinate of one group as base, base + 1, ... */
static int offset_group_paths(h5out *o, grp *G, uint64_t len, uint64_t base)
{
    if (G->g < 0 || G->scale[D_PATH] < 0 || len == 0) return 0;
    int64_t *idx = malloc(len * sizeof *idx);
    if (!idx) return h5out_fail_plain(o, "out of memory");
    for (uint64_t i = 0; i < len; i++) idx[i] = (int64_t)(base + i);
    int rc = H5Dwrite(G->scale[D_PATH], H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) < 0 ? -1 : 0;
    free(idx);
    return rc < 0 ? h5out_fail(o, "writing the path coordinate") : 0;
}

int h5out_offset_paths(h5out *o, uint64_t base)
{
    if (offset_group_paths(o, &o->totals, o->ext_totals, base) < 0 ||
        offset_group_paths(o, &o->params, o->ext_params, base) < 0 ||
        offset_group_paths(o, &o->paths, o->ext_paths, base) < 0)
        return -1;
    return 0;
}
