/*
 * h5out: the results file (DESIGN.md 8; contract in h5out.h, layout in docs/OUTPUT.md).
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
 * Invariants: the target name is never touched before the rename; while a temporary
 * file exists its name is registered for the SIGINT/SIGTERM/SIGHUP handler, which
 * unlinks it and re-raises the signal. SIGXFSZ is ignored while a file is open so that
 * exceeding `ulimit -f` is a write error we report, not a silent kill.
 *
 * Not thread-safe (HDF5 is the serial build): call from the engine's serial code.
 */
#define _GNU_SOURCE /* sync_file_range */
#include "h5out.h"
#include "hdf5_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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

#define GZIP_STREAM 0      /* per-path totals and params: gzip saved ~25% of their size but cost ~4-7% of the run, serially (measured at 20,000 paths) */
#define GZIP_PATHS 4       /* saved monthly series: smooth, compress well */
#define CHUNK_BYTES 65536  /* target chunk size: each streamed dataset caches one chunk, which fills
                              page by page as paths arrive, so the resident size grows by up to
                              this much per dataset (at 512 KiB: 16 MB, 11% of a default run) */

/* --- dimensions --------------------------------------------------------------------- */

enum { D_VARIANT, D_PATH, D_TIME, D_SEGMENT, D_CLOUD, D_CONTRACT, D_QUANTILE, D_TOTAL, D_PARAM, D_YEAR, ND };

static const char *const dim_names[ND] = {
    "variant", "path", "time", "segment", "cloud", "contract", "quantile", "total", "param", "year",
};

/* One group and the coordinates it defines for itself. */
typedef struct {
    hid_t g;
    hid_t scale[ND];     /* dimension scale of each dimension defined here, or -1 */
    hsize_t len[ND];
    int diff;            /* /diff: variants 1..V-1 */
    int has_month, has_contract_cloud, has_vary, has_total_labels;
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
    char **vary_names;            /* HDF5 names of the varied key paths */
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

/* --- errors ------------------------------------------------------------------------- */

/* Record "what: reason" from the HDF5 error stack (or errno) and return -1. The file
 * may now be incomplete: it will not be finished. */
static int fail(h5out *o, const char *fmt, ...)
{
    o->broken = 1;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char msg[768];
    hdf5_errmsg(msg, sizeof msg, what);
    snprintf(o->err, sizeof o->err, "%s: %s", o->target, msg);
    return -1;
}

/* A failure that is ours, not HDF5's. */
static int fail_plain(h5out *o, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(o->err, sizeof o->err, "%s: %s", o->target, what);
    return -1;
}

/* The reason of the last h5out_open() or h5out_finish() that failed (their handle is
 * gone by then). */
static char last_err[PATH_MAX + 1024] = "no error";

const char *h5out_error(const h5out *o)
{
    return o ? o->err : last_err;
}

/* --- signals: remove the temporary file when interrupted ---------------------------- */

#define MAX_OPEN 8
static char sig_path[MAX_OPEN][PATH_MAX];
static volatile sig_atomic_t sig_active[MAX_OPEN];
static int sig_nopen;
static const int sig_list[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIG_LIST (sizeof sig_list / sizeof sig_list[0])
static struct sigaction sig_old[NSIG_LIST], sig_old_xfsz;
static int sig_installed[NSIG_LIST];

/* Async-signal-safe: unlink() a pre-formatted name, restore the default action and
 * re-raise, so the process dies of the signal as it would have without us. */
static void on_signal(int sig)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (sig_active[i]) unlink(sig_path[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void sig_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < NSIG_LIST; i++) {
        sig_installed[i] = 0;
        if (sigaction(sig_list[i], NULL, &sig_old[i]) != 0) continue;
        if (sig_old[i].sa_handler == SIG_IGN) continue; /* nohup and friends: keep ignoring */
        if (sigaction(sig_list[i], &sa, NULL) == 0) sig_installed[i] = 1;
    }
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ign, &sig_old_xfsz);
}

static void sig_restore(void)
{
    for (size_t i = 0; i < NSIG_LIST; i++)
        if (sig_installed[i]) sigaction(sig_list[i], &sig_old[i], NULL);
    sigaction(SIGXFSZ, &sig_old_xfsz, NULL);
}

/* Register path for removal on a signal; the slot, or -1 when all are taken. */
static int sig_register(const char *path)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int slot = -1;
    for (int i = 0; i < MAX_OPEN && slot < 0; i++)
        if (!sig_active[i]) slot = i;
    if (slot >= 0) {
        snprintf(sig_path[slot], PATH_MAX, "%s", path);
        sig_active[slot] = 1;
        if (sig_nopen++ == 0) sig_install();
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return slot;
}

static void sig_unregister(int slot)
{
    if (slot < 0) return;
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    sig_active[slot] = 0;
    if (--sig_nopen == 0) sig_restore();
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* --- small helpers ------------------------------------------------------------------ */

static double *scratch(h5out *o, size_t n)
{
    if (n > o->buflen) {
        double *b = realloc(o->buf, n * sizeof *b);
        if (!b) return NULL;
        o->buf = b;
        o->buflen = n;
    }
    return o->buf;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A variable name for a key path: '/' separates HDF5 groups, so it becomes '_' (the
 * exact key path is kept in the `key_path` attribute). Dots are valid in netCDF names. */
static char *var_name(const char *keypath)
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

static int dim_of(dim_kind k)
{
    switch (k) {
    case DIM_SEGMENT: return D_SEGMENT;
    case DIM_CLOUD: return D_CLOUD;
    case DIM_CONTRACT: return D_CONTRACT;
    default: return -1;
    }
}

/* Calendar years touched by the horizon (the first and the last may be partial). */
static int years_spanned(const h5out *o)
{
    int m0 = o->start_month - 1;
    return o->L.months > 0 ? (m0 + o->L.months - 1) / 12 + 1 : 0;
}

static size_t paths_chunk(h5out *o, size_t bytes_per_path)
{
    size_t c = CHUNK_BYTES / (bytes_per_path ? bytes_per_path : 8);
    if (c < 1) c = 1;
    if (o->npaths_hint && c > o->npaths_hint) c = (size_t)o->npaths_hint;
    return c;
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
        fail(o, "writing coordinate %s", dim_names[d]);
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
        fail(o, "writing coordinate %s", dim_names[d]);
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
    return rc < 0 ? fail(o, "writing coordinate %s", name) : 0;
}

/* The `path` coordinate: int64 path indices, growing as paths stream in. */
static hid_t coord_path(h5out *o, grp *G)
{
    hsize_t zero = 0, max = H5S_UNLIMITED, chunk = 4096;
    hid_t ds = hdf5_dataset(G->g, "path", H5T_STD_I64LE, 1, &zero, &max, &chunk, 0, 0);
    if (ds < 0 || hdf5_make_scale(ds, "path") < 0 || hdf5_attr_str(ds, "long_name", "path index") < 0) {
        if (ds >= 0) H5Dclose(ds);
        fail(o, "writing coordinate path");
        return H5I_INVALID_HID;
    }
    return ds;
}

static int coord_time(h5out *o, grp *G, const h5out_desc *d)
{
    int T = o->L.months;
    double *days = malloc((size_t)T * sizeof *days);
    char (*lab)[8] = malloc((size_t)T * sizeof *lab);
    const char **labp = malloc((size_t)T * sizeof *labp);
    int rc = -1;
    if (!days || !lab || !labp) {
        fail_plain(o, "out of memory");
        goto done;
    }
    for (int t = 0; t < T; t++) {
        long m0 = (long)d->sc->start_year * 12 + (d->sc->start_month - 1) + t;
        days[t] = (double)days_from_civil(m0 / 12, (unsigned)(m0 % 12 + 1), 1);
        scenario_month_label(d->sc, t, lab[t]);
        labp[t] = lab[t];
    }
    hid_t ds = coord_doubles(o, G, D_TIME, days, "days since 1970-01-01", "start of month");
    if (ds < 0) goto done;
    G->scale[D_TIME] = ds;
    if (hdf5_attr_str(ds, "calendar", "standard") < 0 || hdf5_attr_str(ds, "standard_name", "time") < 0 ||
        hdf5_attr_str(ds, "axis", "T") < 0) {
        fail(o, "writing coordinate time");
        goto done;
    }
    if (aux_labels(o, G, "month", D_TIME, labp, "calendar month (YYYY-MM)") < 0) goto done;
    G->has_month = 1;
    rc = 0;
done:
    free(days);
    free(lab);
    free(labp);
    return rc;
}

static int is_param_name(const h5out_desc *d, const char *name)
{
    for (size_t j = 0; j < d->nparams; j++) {
        char *p = var_name(d->params[j]);
        int same = p && strcmp(p, name) == 0;
        free(p);
        if (same) return 1;
    }
    return 0;
}

/* The variant coordinate (labels) and, for sweeps, the varied values along it. */
static int coord_variant(h5out *o, grp *G, const h5out_desc *d)
{
    size_t v0 = G->diff ? 1 : 0;
    hid_t ds = coord_labels(o, G, D_VARIANT, d->variants + v0, "variant (scenario file, or key=value for a sweep)");
    if (ds < 0) return -1;
    G->scale[D_VARIANT] = ds;
    if (G->diff && hdf5_attr_str(G->g, "baseline", d->variants[0]) < 0) return fail(o, "writing /diff attributes");
    double *v = malloc((G->len[D_VARIANT] ? G->len[D_VARIANT] : 1) * sizeof *v);
    if (!v) return fail_plain(o, "out of memory");
    for (size_t k = 0; k < o->nvary; k++) {
        /* /params holds the sampled values by key path: never shadow one of them. */
        if (G == &o->params && is_param_name(d, o->vary_names[k])) continue;
        for (size_t i = 0; i < G->len[D_VARIANT]; i++) v[i] = d->vary_values[(i + v0) * o->nvary + k];
        hid_t c = hdf5_dataset(G->g, o->vary_names[k], H5T_IEEE_F64LE, 1, &G->len[D_VARIANT], NULL, NULL, 0, 0);
        int rc = c >= 0 && hdf5_write_doubles(c, v) == 0 && hdf5_attach(c, &G->scale[D_VARIANT], 1) == 0 &&
                 hdf5_attr_str(c, "key_path", d->vary_keys[k]) == 0 &&
                 hdf5_attr_str(c, "long_name", "varied value") == 0 ? 0 : -1;
        if (c >= 0) H5Dclose(c);
        if (rc < 0) {
            free(v);
            return fail(o, "writing coordinate %s", d->vary_keys[k]);
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
                                                                                         : d->contracts;
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
    fail_plain(o, "out of memory");
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
static int define_coords(h5out *o, grp *G, unsigned need, const h5out_desc *d)
{
    for (int k = 0; k < ND; k++) G->scale[k] = H5I_INVALID_HID;
    G->len[D_VARIANT] = G->diff ? o->V - 1 : o->V;
    G->len[D_PATH] = 0;
    G->len[D_TIME] = (hsize_t)o->L.months;
    G->len[D_SEGMENT] = o->L.dimlen[DIM_SEGMENT];
    G->len[D_CLOUD] = o->L.dimlen[DIM_CLOUD];
    G->len[D_CONTRACT] = o->L.dimlen[DIM_CONTRACT];
    G->len[D_QUANTILE] = STATS_NQ;
    G->len[D_TOTAL] = o->L.ntotals;
    G->len[D_PARAM] = o->nparams;
    G->len[D_YEAR] = (hsize_t)years_spanned(o);
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
        /* Spend is per contract; its cloud lets plots and users group spend by cloud. */
        if (d->sc->ncontracts == G->len[D_CONTRACT] && d->sc->nclouds == G->len[D_CLOUD] && d->clouds) {
            const char **cc = malloc(G->len[D_CONTRACT] * sizeof *cc);
            if (!cc) return fail_plain(o, "out of memory");
            for (size_t i = 0; i < G->len[D_CONTRACT]; i++) {
                int c = d->sc->contracts[i].cloud;
                cc[i] = c >= 0 && (size_t)c < d->sc->nclouds ? d->clouds[c] : "";
            }
            int rc = aux_labels(o, G, "contract_cloud", D_CONTRACT, cc, "cloud of the contract");
            free(cc);
            if (rc < 0) return -1;
            G->has_contract_cloud = 1;
        }
    }
    if ((need & (1u << D_TOTAL)) && coord_totals(o, G, d) < 0) return -1;
    if (need & (1u << D_PARAM)) {
        if ((G->scale[D_PARAM] = coord_labels(o, G, D_PARAM, d->params, "sampled uncertain value (key path)")) < 0)
            return -1;
    }
    return 0;
}

static void close_grp(grp *G)
{
    for (int k = 0; k < ND; k++)
        if (G->scale[k] >= 0) H5Dclose(G->scale[k]);
    if (G->g >= 0) H5Gclose(G->g);
    for (int k = 0; k < ND; k++) G->scale[k] = H5I_INVALID_HID;
    G->g = H5I_INVALID_HID;
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
        fail(o, "creating variable %s", name);
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
    if (ds < 0) return fail(o, "opening %s", name);
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
    return rc < 0 ? fail(o, "writing %s", name) : 0;
}

/* --- statistics variables ------------------------------------------------------------ */

enum { ST_MEAN, ST_SD, ST_SE, ST_MIN, ST_MAX, ST_Q, ST_PPOS, ST_PNEG, NST };
static const char *const st_suffix[NST] = { "mean", "sd", "se", "min", "max", "q", "ppos", "pneg" };
static const char *const st_what[NST] = {
    "mean over paths", "standard deviation over paths", "standard error of the mean",
    "minimum over paths", "maximum over paths", "quantiles over paths",
    "probability of being above zero", "probability of being below zero",
};

static int has_stat(const output_info *oi, int st, int diff)
{
    if (st == ST_PPOS) return diff || oi->has_ppos;
    if (st == ST_PNEG) return diff;
    return 1;
}

static const char *better_of(const output_info *oi)
{
    return oi->lower_is_better > 0 ? "lower" : oi->lower_is_better < 0 ? "higher" : "neither";
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
        if (!has_stat(oi, st, G->diff)) continue;
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
                 hdf5_attr_str(ds, "better", better_of(oi)) == 0 ? 0 : -1;
        if (H5Dclose(ds) < 0 || rc < 0) return fail(o, "creating variable %s", name);
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
    return H5Dclose(ds) < 0 ? fail(o, "creating variable n") : 0;
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
        case ST_Q:
            for (int q = 0; q < STATS_NQ; q++) buf[i * STATS_NQ + q] = x->q[q];
            break;
        }
    }
}

static int write_output_stats(h5out *o, grp *G, const output_info *oi, size_t off, size_t count,
                              const stats_summary *S, const double *pneg, long vslot)
{
    double *buf = scratch(o, count * STATS_NQ + 1);
    if (!buf) return fail_plain(o, "out of memory");
    for (int st = 0; st < NST; st++) {
        if (!has_stat(oi, st, G->diff)) continue;
        char name[256];
        snprintf(name, sizeof name, "%s_%s", oi->name, st_suffix[st]);
        gather_stat(buf, S, pneg, off, count, st);
        if (put(o, G, name, vslot, buf) < 0) return -1;
    }
    return 0;
}

/* Statistics of every output into G for slot vslot (-1: no variant dimension). */
static int write_stats_into(h5out *o, grp *G, long vslot, const stats *s, int with_pneg)
{
    size_t nv = o->L.row_len;
    if (stats_nvars(s) != nv)
        return fail_plain(o, "statistics have %zu variables, the layout %zu", stats_nvars(s), nv);
    stats_summary *S = malloc((nv ? nv : 1) * sizeof *S);
    double *pneg = with_pneg ? malloc((nv ? nv : 1) * sizeof *pneg) : NULL;
    if (!S || (with_pneg && !pneg)) {
        free(S);
        free(pneg);
        return fail_plain(o, "out of memory");
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
    int rc = 0;
    for (int k = 0; k < N_SERIES && rc == 0; k++)
        rc = write_output_stats(o, G, &model_series[k], o->L.series_off[k], o->L.series_len[k], S, pneg, vslot);
    for (int k = 0; k < N_TOTALS && rc == 0; k++)
        rc = write_output_stats(o, G, &model_totals[k], o->L.total_off[k], o->L.total_len[k], S, pneg, vslot);
    double n = stats_count(s);
    if (rc == 0) rc = put(o, G, "n", vslot, &n);
    free(S);
    free(pneg);
    return rc;
}

int h5out_write_stats(h5out *o, size_t v, const stats *s)
{
    if (v >= o->V) return fail_plain(o, "variant %zu out of range", v);
    return write_stats_into(o, &o->stats, o->V > 1 ? (long)v : -1, s, 0);
}

int h5out_write_diff_stats(h5out *o, size_t v, const stats *diff)
{
    if (v < 1 || v >= o->V) return fail_plain(o, "difference statistics for variant %zu: need 1 <= v < %zu", v, o->V);
    return write_stats_into(o, &o->diff, (long)v - 1, diff, 1);
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
    return H5Dclose(ds) < 0 ? fail(o, "creating %s", name) : 0;
}

static long vslot_of(const h5out *o, size_t v)
{
    return o->V > 1 ? (long)v : -1;
}

int h5out_write_rank_corr(h5out *o, size_t v, const double *rank_corr)
{
    if (v >= o->V) return fail_plain(o, "variant %zu out of range", v);
    return put(o, &o->sens, "rank_corr", vslot_of(o, v), rank_corr);
}

/* The `year` coordinate of /sensitivity (calendar years as int64), made on first use. */
static int sens_years(h5out *o)
{
    grp *G = &o->sens;
    if (G->scale[D_YEAR] >= 0) return 0;
    hsize_t n = G->len[D_YEAR];
    int64_t *y = malloc((n ? n : 1) * sizeof *y);
    if (!y) return fail_plain(o, "out of memory");
    for (hsize_t i = 0; i < n; i++) y[i] = o->start_year + (int64_t)i;
    hid_t ds = hdf5_dataset(G->g, "year", H5T_STD_I64LE, 1, &n, NULL, NULL, 0, 0);
    int rc = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, y) >= 0 &&
             hdf5_make_scale(ds, "year") == 0 && hdf5_attr_str(ds, "long_name", "calendar year") == 0 ? 0 : -1;
    free(y);
    if (rc < 0) {
        if (ds >= 0) H5Dclose(ds);
        return fail(o, "writing coordinate year");
    }
    G->scale[D_YEAR] = ds;
    return 0;
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
    return H5Dclose(ds) < 0 ? fail(o, "creating %s", name) : 0;
}

int h5out_write_rank_corr_yearly(h5out *o, size_t v, size_t nyears, const double *rc)
{
    if (v >= o->V) return fail_plain(o, "variant %zu out of range", v);
    if (nyears != (size_t)years_spanned(o))
        return fail_plain(o, "yearly sensitivity for %zu years, the horizon spans %d", nyears, years_spanned(o));
    if (o->nparams == 0 || nyears == 0) return 0;
    if (sens_years(o) < 0 ||
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
    if (v >= o->V) return fail_plain(o, "variant %zu out of range", v);
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
        if (!ok) return fail(o, "extending the path dimension");
        dims[axis] = new_len;
        if (H5Dset_extent(ds[i], dims) < 0) return fail(o, "extending the path dimension");
    }
    hsize_t len = new_len, start = *cur, count = new_len - *cur;
    if (H5Dset_extent(G->scale[D_PATH], &len) < 0) return fail(o, "extending the path coordinate");
    int64_t *idx = malloc(count * sizeof *idx);
    if (!idx) return fail_plain(o, "out of memory");
    for (hsize_t i = 0; i < count; i++) idx[i] = (int64_t)(start + i);
    hid_t fs = H5Dget_space(G->scale[D_PATH]);
    hid_t ms = H5Screate_simple(1, &count, NULL);
    int rc = fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
             H5Dwrite(G->scale[D_PATH], H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, idx) >= 0 ? 0 : -1;
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    free(idx);
    if (rc < 0) return fail(o, "writing the path coordinate");
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
    if (!ok) return fail(o, "writing %s", what);
    int axis = 0;
    if (vslot >= 0) {
        start[0] = (hsize_t)vslot;
        dims[0] = 1;
        axis = 1;
    }
    start[axis] = first;
    dims[axis] = n;
    return hdf5_write_slab(ds, rank, start, dims, buf) < 0 ? fail(o, "writing %s", what) : 0;
}

/* Ask the kernel to start writing what the file holds so far, without waiting: the
 * per-path data then reaches the disk while the run goes on, and the fsync at the end
 * (which makes the rename safe) has little left to do. Linux only; elsewhere a no-op. */
static void start_writeback(h5out *o)
{
#ifdef SYNC_FILE_RANGE_WRITE
    if (o->wb_fd >= 0) (void)sync_file_range(o->wb_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)o;
#endif
}

int h5out_append(h5out *o, size_t v, uint64_t first, size_t n, const double *rows, const double *values)
{
    if (v >= o->V) return fail_plain(o, "variant %zu out of range", v);
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
        if (!buf) return fail_plain(o, "out of memory");
        for (size_t r = 0; r < n; r++) memcpy(buf + r * len, rows + r * stride + off, len * sizeof *buf);
        if (write_paths_block(o, o->tot_ds[k], vs, first, n, buf, model_totals[k].name) < 0) return -1;
    }
    for (size_t j = 0; j < o->nparams; j++) {
        double *buf = scratch(o, n);
        if (!buf) return fail_plain(o, "out of memory");
        for (size_t r = 0; r < n; r++) buf[r] = values[r * o->nparams + j];
        if (write_paths_block(o, o->par_ds[j], vs, first, n, buf, "a sampled value") < 0) return -1;
    }
    o->appended += n;
    start_writeback(o);
    return 0;
}

int h5out_append_paths(h5out *o, size_t v, uint64_t first, size_t n, const double *rows)
{
    if (v >= o->V) return fail_plain(o, "variant %zu out of range", v);
    if (first >= o->save_paths || n == 0 || o->paths.g < 0) return 0;
    if (first + n > o->save_paths) n = (size_t)(o->save_paths - first);
    if (extend_paths(o, &o->paths, o->path_ds, N_SERIES, &o->ext_paths, first + n) < 0) return -1;
    size_t stride = o->L.row_len;
    for (int s = 0; s < N_SERIES; s++) {
        if (o->path_ds[s] < 0) continue;
        size_t len = o->L.series_len[s], off = o->L.series_off[s];
        double *buf = scratch(o, n * len);
        if (!buf) return fail_plain(o, "out of memory");
        for (size_t r = 0; r < n; r++) memcpy(buf + r * len, rows + r * stride + off, len * sizeof *buf);
        if (write_paths_block(o, o->path_ds[s], vslot_of(o, v), first, n, buf, model_series[s].name) < 0) return -1;
    }
    return 0;
}

/* --- groups ------------------------------------------------------------------------- */

/* Units of a sampled value, from the field its key path names (the scenario format fixes
 * the unit of every field: DESIGN.md 2 and 4). */
static const char *param_units(const char *kp)
{
    static const struct { const char *pat; const char *units; } tab[] = {
        { ".price.", "USD per chip-hour" },
        { "usd_per_h100e_hour", "USD per H100e-hour" },
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
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strstr(kp, tab[i].pat)) return tab[i].units;
    return "1"; /* fractions, rates, multiples: fulfilled, volatility, rate, maturity.from */
}

static grp *grp_init(grp *G, int diff)
{
    memset(G, 0, sizeof *G);
    G->g = H5I_INVALID_HID;
    for (int k = 0; k < ND; k++) G->scale[k] = H5I_INVALID_HID;
    G->diff = diff;
    return G;
}

static int open_group(h5out *o, grp *G, const char *name, const char *description, unsigned need,
                      const h5out_desc *d)
{
    G->g = hdf5_group_create(o->file, name);
    if (G->g < 0) return fail(o, "creating group %s", name);
    if (hdf5_attr_str(G->g, "description", description) < 0) return fail(o, "writing %s attributes", name);
    return define_coords(o, G, need, d);
}

#define BIT(d) (1u << (d))
#define MONTHLY_DIMS (BIT(D_TIME) | BIT(D_SEGMENT) | BIT(D_CLOUD) | BIT(D_CONTRACT))

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
            return fail(o, "creating variable %s", oi->name);
    }
    return 0;
}

static int define_params(h5out *o, const h5out_desc *d)
{
    if (open_group(o, &o->params, "params", "sampled uncertain values, by key path", BIT(D_VARIANT) | BIT(D_PATH), d) < 0)
        return -1;
    grp *G = &o->params;
    for (size_t j = 0; j < o->nparams; j++) {
        int dims[2], r = 0, skipped;
        if (G->scale[D_VARIANT] >= 0) dims[r++] = D_VARIANT;
        dims[r++] = D_PATH;
        char *name = var_name(d->params[j]);
        char ln[1024];
        snprintf(ln, sizeof ln, "sampled value of %s", d->params[j]);
        if (!name) return fail_plain(o, "out of memory");
        if (hdf5_exists(G->g, name)) {
            int rc = fail_plain(o, "two sampled values named %s", name);
            free(name);
            return rc;
        }
        o->par_ds[j] = make_var(o, G, name, dims, r, param_units(d->params[j]), ln, GZIP_STREAM, &skipped);
        free(name);
        if (o->par_ds[j] < 0 || hdf5_attr_str(o->par_ds[j], "key_path", d->params[j]) < 0)
            return fail(o, "creating variable %s", d->params[j]);
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
    rc |= hdf5_attr_str(f, "scenario", sc->text ? sc->text : "");
    return rc ? fail(o, "writing root attributes") : 0;
}

/* The temporary name: ".NAME.tmp.PID" in the target's directory, so that the final
 * rename() stays on one file system and is atomic. */
static int make_tmp_name(h5out *o, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    if (!*base) return fail_plain(o, "not a file name");
    int n = snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp.%ld", dirlen, path, base, (long)getpid());
    return n < 0 || (size_t)n >= sizeof o->tmp ? fail_plain(o, "path too long") : 0;
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
             (d->L->dimlen[DIM_CONTRACT] && !d->contracts))
        why = "missing labels of clouds, segments or contracts";
    if (why && err) snprintf(err, errlen, "h5out_open: %s", why);
    return why ? -1 : 0;
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
    grp_init(&o->stats, 0);
    grp_init(&o->totals, 0);
    grp_init(&o->params, 0);
    grp_init(&o->sens, 0);
    grp_init(&o->paths, 0);
    grp_init(&o->diff, 1);
    o->tot_ds = malloc(N_TOTALS * sizeof *o->tot_ds);
    o->par_ds = malloc((o->nparams ? o->nparams : 1) * sizeof *o->par_ds);
    o->path_ds = malloc(N_SERIES * sizeof *o->path_ds);
    o->vary_names = calloc(o->nvary ? o->nvary : 1, sizeof *o->vary_names);
    if (!o->tot_ds || !o->par_ds || !o->path_ds || !o->vary_names) {
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

/* Create the temporary file: first with open(2), for a plain errno message on an
 * unwritable or missing directory, then as HDF5 with creation order tracked and a
 * strong close degree (closing the file closes whatever is still open in it). */
static int create_file(h5out *o)
{
    if (make_tmp_name(o, o->target) < 0) return -1;
    if ((o->slot = sig_register(o->tmp)) < 0) return fail_plain(o, "too many results files open at once");
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        int e = errno;
        sig_unregister(o->slot);
        o->slot = -1;
        return fail_plain(o, "cannot create %s: %s", o->tmp, strerror(e));
    }
    o->wb_fd = fd; /* kept: see start_writeback */
    hid_t fcpl = hdf5_fcpl(), fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fcpl >= 0 && fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0)
        o->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    return o->file < 0 ? fail(o, "cannot create %s", o->tmp) : 0;
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
    int rc = create_file(o);
    for (size_t k = 0; rc == 0 && k < o->nvary; k++)
        if (!(o->vary_names[k] = var_name(d->vary_keys[k]))) rc = fail_plain(o, "out of memory");
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
    memcpy(last_err, o->err, sizeof last_err);
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
    memcpy(last_err, o->err, sizeof last_err);
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
    rc |= hdf5_attr_u64(f, "seed", info ? info->seed : 0);
    rc |= hdf5_attr_i64(f, "paths", (int64_t)paths);
    rc |= hdf5_attr_i64(f, "threads", info ? info->threads : 1);
    rc |= hdf5_attr_i64(f, "ranks", info ? info->ranks : 1);
    rc |= hdf5_attr_double(f, "wall_seconds", info ? info->wall_seconds : NAN);
    rc |= hdf5_attr_str(f, "sampling", info && info->sampling ? info->sampling : "");
    rc |= hdf5_attr_str(f, "stop_reason", info && info->stop_reason ? info->stop_reason : "paths");
    return rc ? fail(o, "writing root attributes") : 0;
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
    close_grp(&o->stats);
    close_grp(&o->totals);
    close_grp(&o->params);
    close_grp(&o->sens);
    close_grp(&o->paths);
    close_grp(&o->diff);
    if (o->file >= 0 && H5Fclose(o->file) < 0) rc = -1;
    o->file = H5I_INVALID_HID;
    return rc;
}

/* Flush the data to disk before the rename, so that a crash right after cannot leave
 * the target name pointing at an incomplete file. */
static int sync_file(h5out *o)
{
    int fd = open(o->tmp, O_RDONLY);
    if (fd < 0) return fail_plain(o, "cannot reopen %s: %s", o->tmp, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    return rc ? fail_plain(o, "writing %s: %s", o->tmp, strerror(e)) : 0;
}

static void sync_dir(const char *target)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(target, '/');
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - target + 1), target);
    else snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd); /* best effort: the rename is done either way */
        close(fd);
    }
}

static void free_handle(h5out *o)
{
    if (o->wb_fd >= 0) close(o->wb_fd);
    for (size_t k = 0; k < o->nvary; k++) free(o->vary_names[k]);
    free(o->vary_names);
    free(o->tot_ds);
    free(o->par_ds);
    free(o->path_ds);
    free(o->buf);
    free(o);
}

/* Remove the temporary file (if any) and forget it; the handle stays. */
static void discard(h5out *o)
{
    if (o->file >= 0) close_all(o);
    if (o->slot >= 0) {
        unlink(o->tmp);
        sig_unregister(o->slot);
        o->slot = -1;
    }
    H5Eclear2(H5E_DEFAULT);
}

int h5out_finish(h5out *o, const h5out_run_info *info)
{
    int rc = 0;
    if (o->file < 0 || o->broken)
        rc = o->broken ? -1 : fail_plain(o, "results file already closed"); /* o->err says why */
    if (rc == 0) rc = root_attrs_finish(o, info);
    if (rc == 0 && close_all(o) < 0) rc = fail(o, "closing %s", o->tmp);
    if (rc == 0) rc = sync_file(o);
    if (rc == 0 && rename(o->tmp, o->target) != 0)
        rc = fail_plain(o, "cannot rename %s to %s: %s", o->tmp, o->target, strerror(errno));
    if (rc < 0) {
        memcpy(last_err, o->err, sizeof last_err);
        h5out_abort(o);
        return -1;
    }
    sig_unregister(o->slot);
    o->slot = -1;
    sync_dir(o->target);
    free_handle(o);
    return 0;
}

void h5out_abort(h5out *o)
{
    if (!o) return;
    discard(o);
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
    if (!idx) return fail_plain(o, "out of memory");
    for (uint64_t i = 0; i < len; i++) idx[i] = (int64_t)(base + i);
    int rc = H5Dwrite(G->scale[D_PATH], H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) < 0 ? -1 : 0;
    free(idx);
    return rc < 0 ? fail(o, "writing the path coordinate") : 0;
}

int h5out_offset_paths(h5out *o, uint64_t base)
{
    if (offset_group_paths(o, &o->totals, o->ext_totals, base) < 0 ||
        offset_group_paths(o, &o->params, o->ext_params, base) < 0 ||
        offset_group_paths(o, &o->paths, o->ext_paths, base) < 0)
        return -1;
    return 0;
}
