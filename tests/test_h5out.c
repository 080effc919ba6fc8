/*
 * test_h5out: the results file (output/h5out.c) read back with the HDF5 C API, and the
 * commands that read it (summary, export).
 *
 * A small scenario is built by hand (2 clouds, 2 segments, 2 contracts, 14 months from
 * 2025-11 so that the time axis crosses two year ends); rows of synthetic values
 * (value = f(path, index), known exactly) stand in for model output, and the
 * statistics are those of the real accumulator (sim/stats/stats.c) over these rows, so every
 * number in the file can be checked for exact equality.
 *
 * Atomicity: an aborted, interrupted (SIGINT) or failed (file size limit) write leaves
 * no file under the target name and no temporary file, and keeps an existing target.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "output/h5out.h"
#include "output/export.h"
#include "output/results.h"
#include "output/summary.h"
#include "sim/cli/commands.h"
#include "models/model.h"
#include "sim/scenario/scenario.h"
#include "sim/stats/stats.h"
#include "sim/base/version.h"

#define T_MONTHS 14
#define NPATHS 10
#define NPARAMS 2
#define SAVE 3

static const char *const clouds[] = { "azure", "b,cloud" };
static const char *const segments[] = { "s1", "s2" };
static const char *const contracts[] = { "c\"1", "c2" };
static const char *const contract_clouds[] = { "b,cloud", "azure" };   /* as make_fixture adds them */
static const char *const params[] = { "demand.s1.growth", "contracts.c/2.capacity.0.delay_months" };

typedef struct {
    char dir[64];
    char target[128];
    scenario *sc;
    char *text;          /* > 64 KiB: HDF5 must store it as a dense attribute */
    model_layout L;
    double *rows;        /* NPATHS x row_len */
    double *values;      /* NPATHS x NPARAMS */
    stats *st;
} fixture;

/* The synthetic value of variable i on path p (variant v): distinct, exactly
 * representable, with zeros and negatives so that ppos is not trivial. */
static double value_of(size_t v, size_t p, size_t i)
{
    double x = (double)((p * 7 + i * 3) % 11) - 3.0;
    return x * (double)(i + 1) + 1000.0 * (double)v;
}

static int setup(void **state)
{
    fixture *F = calloc(1, sizeof *F);
    assert_non_null(F);
    strcpy(F->dir, "/tmp/test_h5out.XXXXXX");
    assert_non_null(mkdtemp(F->dir));
    snprintf(F->target, sizeof F->target, "%s/out.h5", F->dir);
    scenario *sc = scenario_alloc();
    assert_non_null(sc);
    free(sc->name);
    sc->name = strdup("hand-built");
    sc->start_year = 2025;
    sc->start_month = 11;
    sc->months = T_MONTHS;
    sc->discount_rate = 0.1;
    int chip = scenario_add_chip(sc, "h100", 1.0, 1.0, 72);
    assert_true(chip >= 0);
    assert_int_equal(scenario_add_cloud(sc, clouds[0]), 0);
    assert_int_equal(scenario_add_cloud(sc, clouds[1]), 1);
    assert_int_equal(scenario_add_segment(sc, segments[0], 100, 1.0), 0);
    assert_int_equal(scenario_add_segment(sc, segments[1], 100, 1.0), 1);
    assert_int_equal(scenario_add_contract(sc, contracts[0], 1, 0, 20, BILLING_RESERVED), 0);
    assert_int_equal(scenario_add_contract(sc, contracts[1], 0, 0, 20, BILLING_USAGE), 1);
    size_t tl = 100000;
    F->text = malloc(tl + 1);
    assert_non_null(F->text);
    for (size_t i = 0; i < tl; i++) F->text[i] = i % 61 == 60 ? '\n' : (char)('a' + i % 26);
    F->text[tl] = 0;
    sc->text = strdup(F->text);
    free(sc->source_path);
    sc->source_path = strdup("hand-built.yaml");
    F->sc = sc;
    model_layout_init(&F->L, sc);
    size_t n = F->L.row_len;
    F->rows = malloc(NPATHS * n * sizeof *F->rows);
    F->values = malloc(NPATHS * NPARAMS * sizeof *F->values);
    assert_non_null(F->rows);
    assert_non_null(F->values);
    for (size_t p = 0; p < NPATHS; p++) {
        for (size_t i = 0; i < n; i++) F->rows[p * n + i] = value_of(0, p, i);
        for (size_t j = 0; j < NPARAMS; j++) F->values[p * NPARAMS + j] = 0.5 * (double)p + (double)j;
    }
    F->st = stats_alloc(n);
    assert_non_null(F->st);
    stats_add_rows(F->st, F->rows, NPATHS, n, 0);
    *state = F;
    return 0;
}

static int teardown(void **state)
{
    fixture *F = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", F->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", F->dir);
    stats_free(F->st);
    free(F->rows);
    free(F->values);
    free(F->text);
    scenario_free(F->sc);
    free(F);
    return 0;
}

static h5out_desc desc_of(const fixture *F, size_t nvariants)
{
    static const char *const variants[] = { "base", "v=1", "v=2" };
    static const char *const vary_keys[] = { "scenario.discount_rate" };
    static const double vary_values[] = { 0.1, 0.2, 0.3 };
    h5out_desc d;
    memset(&d, 0, sizeof d);
    d.sc = F->sc;
    d.L = &F->L;
    d.clouds = clouds;
    d.segments = segments;
    d.contracts = contracts;
    d.contract_clouds = contract_clouds;
    d.nparams = NPARAMS;
    d.params = params;
    d.nvariants = nvariants;
    d.variants = variants;
    if (nvariants > 1) {
        d.nvary = 1;
        d.vary_keys = vary_keys;
        d.vary_values = vary_values;
    }
    d.npaths = NPATHS;
    d.save_paths = SAVE;
    return d;
}

static const h5out_run_info run_info = { "capsim run x.yaml -o out.h5", "run", 42, 3, 1, 1.5, "random", "paths" };

/* --- reading helpers (plain HDF5 C API) ----------------------------------------------- */

static double *read_all(hid_t f, const char *path, size_t *n)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) fail_msg("no dataset %s", path);
    hid_t s = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(s);
    assert_true(np >= 0);
    double *v = malloc((size_t)(np ? np : 1) * sizeof *v);
    assert_non_null(v);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Sclose(s);
    H5Dclose(d);
    *n = (size_t)np;
    return v;
}

static char *read_attr_text(hid_t obj, const char *name)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) fail_msg("no attribute %s", name);
    hid_t t = H5Aget_type(a);
    size_t sz = H5Tget_size(t);
    char *buf = calloc(sz + 1, 1);
    assert_non_null(buf);
    assert_true(H5Aread(a, t, buf) >= 0);
    H5Tclose(t);
    H5Aclose(a);
    return buf;
}

static void assert_attr_text(hid_t obj, const char *name, const char *want)
{
    char *got = read_attr_text(obj, name);
    if (strcmp(got, want) != 0) fail_msg("attribute %s = '%.60s', expected '%.60s'", name, got, want);
    free(got);
}

static double read_attr_num(hid_t obj, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) fail_msg("no attribute %s", name);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

static void assert_shape(hid_t f, const char *path, int rank, const hsize_t *dims)
{
    int r;
    hsize_t got[8];
    assert_true(H5LTget_dataset_ndims(f, path, &r) >= 0);
    if (r != rank) fail_msg("%s has rank %d, expected %d", path, r, rank);
    assert_true(H5LTget_dataset_info(f, path, got, NULL, NULL) >= 0);
    for (int i = 0; i < r; i++)
        if (got[i] != dims[i]) fail_msg("%s dim %d is %llu, expected %llu", path, i, (unsigned long long)got[i],
                                        (unsigned long long)dims[i]);
}

/* Every dimension of every dataset in group g has a dimension scale attached, and
 * each scale lives in g itself (xarray does not see a parent's). Data variables (not
 * scales, not string labels) have units and long_name. */
static herr_t check_object(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) return 0;
    int *count = data;
    hid_t s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(s);
    H5Sclose(s);
    int is_scale = H5DSis_scale(d) > 0;
    for (int i = 0; i < rank && !is_scale; i++) {
        if (H5DSget_num_scales(d, (unsigned)i) != 1) fail_msg("%s: dimension %d has no scale", name, i);
    }
    hid_t t = H5Dget_type(d);
    int is_double = H5Tget_class(t) == H5T_FLOAT;
    H5Tclose(t);
    if (is_double && !is_scale && H5Aexists(d, "key_path") <= 0 && strcmp(name, "n") != 0 &&
        strchr(name, '.') == NULL) {
        if (H5Aexists(d, "units") <= 0) fail_msg("%s has no units", name);
        if (H5Aexists(d, "long_name") <= 0) fail_msg("%s has no long_name", name);
    }
    H5Dclose(d);
    (*count)++;
    return 0;
}

static void check_group(hid_t f, const char *group)
{
    hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    if (g < 0) fail_msg("no group %s", group);
    int count = 0;
    hsize_t idx = 0;
    assert_true(H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, check_object, &count) >= 0);
    assert_true(count > 0);
    H5Gclose(g);
}

static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void assert_file_text(const char *path, const char *want)
{
    char buf[256] = "";
    FILE *fp = fopen(path, "r");
    if (!fp) fail_msg("%s is missing", path);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = 0;
    fclose(fp);
    if (strcmp(buf, want) != 0) fail_msg("%s holds '%s', expected '%s'", path, buf, want);
}

/* Write a complete single-variant file at F->target. */
static void write_run(fixture *F)
{
    h5out_desc d = desc_of(F, 1);
    char err[512];
    h5out *o = h5out_open(F->target, &d, err, sizeof err);
    if (!o) fail_msg("h5out_open: %s", err);
    size_t n = F->L.row_len;
    /* Two blocks of unequal size: the path dimension grows twice. */
    assert_int_equal(h5out_append(o, 0, 0, 7, F->rows, F->values), 0);
    assert_int_equal(h5out_append_paths(o, 0, 0, 7, F->rows), 0);
    assert_int_equal(h5out_append(o, 0, 7, 3, F->rows + 7 * n, F->values + 7 * NPARAMS), 0);
    assert_int_equal(h5out_append_paths(o, 0, 7, 3, F->rows + 7 * n), 0);
    assert_int_equal(h5out_write_stats(o, 0, F->st, NULL), 0);
    double rc[64], s1[64], s2[64], s3[64], s4[64];
    assert_true(F->L.ntotals * NPARAMS <= 64);
    for (size_t i = 0; i < F->L.ntotals * NPARAMS; i++) {
        rc[i] = 0.01 * (double)i - 0.2;
        s1[i] = 0.1;
        s2[i] = 0.2;
        s3[i] = 0.01;
        s4[i] = 0.02;
    }
    assert_int_equal(h5out_write_rank_corr(o, 0, rc), 0);
    assert_int_equal(h5out_write_sobol(o, 0, s1, s2, s3, s4), 0);
    /* 2025-11 .. 2026-12 touches two calendar years. */
    double ry[2 * 2 * NPARAMS];
    for (size_t i = 0; i < 2 * 2 * NPARAMS; i++) ry[i] = 0.1 * (double)i;
    assert_int_not_equal(h5out_write_rank_corr_yearly(o, 0, 3, ry), 0);
    assert_int_equal(h5out_write_rank_corr_yearly(o, 0, 2, ry), 0);
    if (h5out_finish(o, &run_info) != 0) fail_msg("h5out_finish: %s", h5out_error(NULL));
}

/* --- tests ---------------------------------------------------------------------------- */

static void test_root_attributes(void **state)
{
    fixture *F = *state;
    write_run(F);
    assert_int_equal(count_tmp_files(F->dir), 0);
    hid_t f = H5Fopen(F->target, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_attr_text(f, "scenario_name", "hand-built");
    assert_attr_text(f, "scenario_source", "hand-built.yaml");
    assert_attr_text(f, "scenario_start", "2025-11");
    assert_attr_text(f, "scenario", F->text);
    assert_attr_text(f, "command", "run");
    assert_attr_text(f, "command_line", "capsim run x.yaml -o out.h5");
    assert_attr_text(f, "sampling", "random");
    assert_attr_text(f, "stop_reason", "paths");
    assert_attr_text(f, "capsim_version", CAPSIM_VERSION);
    unsigned maj, min, rel;
    char hv[32];
    H5get_libversion(&maj, &min, &rel);
    snprintf(hv, sizeof hv, "%u.%u.%u", maj, min, rel);
    assert_attr_text(f, "hdf5_version", hv);
    assert_true(read_attr_num(f, "seed") == 42);
    assert_true(read_attr_num(f, "paths") == NPATHS);
    assert_true(read_attr_num(f, "threads") == 3);
    assert_true(read_attr_num(f, "ranks") == 1);
    assert_true(read_attr_num(f, "wall_seconds") == 1.5);
    assert_true(read_attr_num(f, "months") == T_MONTHS);
    assert_true(read_attr_num(f, "discount_rate") == 0.1);
    char *created = read_attr_text(f, "created");
    int y, mo, d, h, mi, s;
    char z = 0;
    assert_int_equal(sscanf(created, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z), 7);
    assert_int_equal(z, 'Z');
    free(created);
    char *gsl = read_attr_text(f, "gsl_version"), *cc = read_attr_text(f, "compiler");
    assert_true(strlen(gsl) > 0 && strlen(cc) > 0);
    free(gsl);
    free(cc);
    H5Fclose(f);
}

static void test_coordinates(void **state)
{
    fixture *F = *state;
    write_run(F);
    hid_t f = H5Fopen(F->target, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t n;
    double *t = read_all(f, "/stats/time", &n);
    assert_int_equal(n, T_MONTHS);
    assert_true(t[0] == 20393); /* 2025-11-01 */
    assert_true(t[1] == 20393 + 30);
    assert_true(t[2] == 20393 + 30 + 31); /* 2026-01-01 */
    assert_true(t[13] == 20788);          /* 2026-12-01 */
    free(t);
    hid_t ts = H5Dopen2(f, "/stats/time", H5P_DEFAULT);
    assert_int_equal(H5DSis_scale(ts), 1);
    assert_attr_text(ts, "units", "days since 1970-01-01");
    assert_attr_text(ts, "calendar", "standard");
    H5Dclose(ts);
    double *q = read_all(f, "/stats/quantile", &n);
    assert_int_equal(n, STATS_NQ);
    for (size_t i = 0; i < n; i++) assert_true(q[i] == stats_quantile_levels[i]);
    free(q);
    /* Every group carries its own scales, attached to every dimension. */
    const char *groups[] = { "stats", "totals", "params", "sensitivity", "paths" };
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) check_group(f, groups[i]);
    hsize_t dtime[1] = { T_MONTHS }, dpath[1] = { NPATHS }, dsaved[1] = { SAVE };
    assert_shape(f, "/paths/time", 1, dtime);
    assert_shape(f, "/totals/path", 1, dpath);
    assert_shape(f, "/params/path", 1, dpath);
    assert_shape(f, "/paths/path", 1, dsaved);
    double *pi = read_all(f, "/totals/path", &n);
    for (size_t i = 0; i < n; i++) assert_true(pi[i] == (double)i);
    free(pi);
    H5Fclose(f);
}

/* Every statistic of every output equals stats_get() of the accumulator. */
static void test_stats_values(void **state)
{
    fixture *F = *state;
    write_run(F);
    hid_t f = H5Fopen(F->target, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    for (int k = 0; k < N_SERIES + N_TOTALS; k++) {
        int series = k < N_SERIES;
        const output_info *oi = series ? &model_series[k] : &model_totals[k - N_SERIES];
        size_t off = series ? F->L.series_off[k] : F->L.total_off[k - N_SERIES];
        size_t len = series ? F->L.series_len[k] : F->L.total_len[k - N_SERIES];
        if (len == 0) continue;   /* no element (options: none here): not written */
        char path[256];
        size_t n;
        snprintf(path, sizeof path, "/stats/%s_mean", oi->name);
        double *mean = read_all(f, path, &n);
        assert_int_equal(n, len);
        snprintf(path, sizeof path, "/stats/%s_sd", oi->name);
        double *sd = read_all(f, path, &n);
        snprintf(path, sizeof path, "/stats/%s_q", oi->name);
        double *qq = read_all(f, path, &n);
        assert_int_equal(n, len * STATS_NQ);
        double *pp = NULL;
        snprintf(path, sizeof path, "/stats/%s_ppos", oi->name);
        if (oi->has_ppos) pp = read_all(f, path, &n);
        else assert_int_equal(H5Lexists(f, path, H5P_DEFAULT), 0);
        for (size_t i = 0; i < len; i++) {
            stats_summary S;
            stats_get(F->st, off + i, &S);
            if (mean[i] != S.mean || sd[i] != S.sd) fail_msg("%s[%zu]: %g %g vs %g %g", oi->name, i, mean[i], sd[i], S.mean, S.sd);
            for (int j = 0; j < STATS_NQ; j++) assert_true(qq[i * STATS_NQ + j] == S.q[j]);
            if (pp) assert_true(pp[i] == S.ppos);
        }
        free(mean);
        free(sd);
        free(qq);
        free(pp);
    }
    /* Shapes: (time, own dim) for series, (own dim) or scalar for totals. */
    hsize_t unmet[2] = { T_MONTHS, 2 }, unmetq[3] = { T_MONTHS, 2, STATS_NQ }, rev[1] = { T_MONTHS }, byc[1] = { 2 };
    assert_shape(f, "/stats/unmet_mean", 2, unmet);
    assert_shape(f, "/stats/unmet_q", 3, unmetq);
    assert_shape(f, "/stats/revenue_mean", 1, rev);
    assert_shape(f, "/stats/pv_spend_by_cloud_mean", 1, byc);
    assert_shape(f, "/stats/pv_spend_mean", 0, NULL);
    hid_t d = H5Dopen2(f, "/stats/unmet_mean", H5P_DEFAULT);
    assert_attr_text(d, "units", "H100e");
    assert_attr_text(d, "coordinates", "month");
    H5Dclose(d);
    d = H5Dopen2(f, "/stats/spend_mean", H5P_DEFAULT);
    assert_attr_text(d, "coordinates", "month contract_cloud");
    H5Dclose(d);
    size_t n;
    double *cnt = read_all(f, "/stats/n", &n);
    assert_true(cnt[0] == NPATHS);
    free(cnt);
    H5Fclose(f);
}

static void test_per_path_values(void **state)
{
    fixture *F = *state;
    write_run(F);
    hid_t f = H5Fopen(F->target, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t rl = F->L.row_len, n;
    for (int k = 0; k < N_TOTALS; k++) {
        char path[256];
        if (F->L.total_len[k] == 0) continue;   /* no element: not written */
        snprintf(path, sizeof path, "/totals/%s", model_totals[k].name);
        double *v = read_all(f, path, &n);
        size_t len = F->L.total_len[k];
        assert_int_equal(n, NPATHS * len);
        for (size_t p = 0; p < NPATHS; p++)
            for (size_t j = 0; j < len; j++) assert_true(v[p * len + j] == F->rows[p * rl + F->L.total_off[k] + j]);
        free(v);
    }
    /* Params by CF-safe name (letters, digits, _): the key path in the key_path attribute. */
    double *g = read_all(f, "/params/demand_s1_growth", &n);
    assert_int_equal(n, NPATHS);
    for (size_t p = 0; p < NPATHS; p++) assert_true(g[p] == F->values[p * NPARAMS]);
    free(g);
    g = read_all(f, "/params/contracts_c_2_capacity_0_delay_months", &n);
    for (size_t p = 0; p < NPATHS; p++) assert_true(g[p] == F->values[p * NPARAMS + 1]);
    free(g);
    hid_t d = H5Dopen2(f, "/params/contracts_c_2_capacity_0_delay_months", H5P_DEFAULT);
    assert_attr_text(d, "key_path", params[1]);
    assert_attr_text(d, "units", "months");
    H5Dclose(d);
    /* Saved paths: the first SAVE paths only, every monthly series. */
    for (int s = 0; s < N_SERIES; s++) {
        char path[256];
        if (F->L.series_len[s] == 0) continue;   /* no element: not written */
        snprintf(path, sizeof path, "/paths/%s", model_series[s].name);
        double *v = read_all(f, path, &n);
        size_t len = F->L.series_len[s];
        assert_int_equal(n, SAVE * len);
        for (size_t p = 0; p < SAVE; p++)
            for (size_t i = 0; i < len; i++) assert_true(v[p * len + i] == F->rows[p * rl + F->L.series_off[s] + i]);
        free(v);
    }
    hsize_t du[3] = { SAVE, T_MONTHS, 2 };
    assert_shape(f, "/paths/unmet", 3, du);
    double *rc = read_all(f, "/sensitivity/rank_corr", &n);
    assert_int_equal(n, F->L.ntotals * NPARAMS);
    for (size_t i = 0; i < n; i++) assert_true(rc[i] == 0.01 * (double)i - 0.2);
    free(rc);
    double *sf = read_all(f, "/sensitivity/sobol_total", &n);
    assert_true(sf[0] == 0.2);
    free(sf);
    hsize_t drc[2] = { F->L.ntotals, NPARAMS }, dy[2] = { 2, NPARAMS };
    assert_shape(f, "/sensitivity/rank_corr", 2, drc);
    assert_shape(f, "/sensitivity/rank_corr_spend_by_year", 2, dy);
    double *ys = read_all(f, "/sensitivity/year", &n), *sp = read_all(f, "/sensitivity/rank_corr_spend_by_year", &n);
    assert_true(ys[0] == 2025 && ys[1] == 2026);
    for (size_t i = 0; i < 2 * NPARAMS; i++) assert_true(sp[i] == 0.1 * (double)(i + 2 * NPARAMS));
    free(ys);
    free(sp);
    H5Fclose(f);
}

/* compare/sweep: variant dimension, varied values along it, paired differences. */
static void test_variants(void **state)
{
    fixture *F = *state;
    h5out_desc d = desc_of(F, 3);
    char err[512];
    h5out *o = h5out_open(F->target, &d, err, sizeof err);
    if (!o) fail_msg("h5out_open: %s", err);
    size_t n = F->L.row_len;
    double *rows = malloc(NPATHS * n * sizeof *rows), *diff = malloc(NPATHS * n * sizeof *diff);
    assert_non_null(rows);
    assert_non_null(diff);
    stats *sv[3], *sd[3];
    for (size_t v = 0; v < 3; v++) {
        for (size_t p = 0; p < NPATHS; p++)
            for (size_t i = 0; i < n; i++) {
                rows[p * n + i] = value_of(v, p, i);
                diff[p * n + i] = rows[p * n + i] - value_of(0, p, i);
            }
        sv[v] = stats_alloc(n);
        sd[v] = stats_alloc(n);
        stats_add_rows(sv[v], rows, NPATHS, n, 0);
        stats_add_rows(sd[v], diff, NPATHS, n, 0);
        assert_int_equal(h5out_append(o, v, 0, NPATHS, rows, F->values), 0);
        assert_int_equal(h5out_write_stats(o, v, sv[v], NULL), 0);
        if (v) assert_int_equal(h5out_write_diff_stats(o, v, sd[v], NULL), 0);
    }
    assert_int_not_equal(h5out_write_diff_stats(o, 0, sd[0], NULL), 0); /* baseline has no difference */
    assert_int_equal(h5out_finish(o, &run_info), 0);
    free(rows);
    free(diff);

    hid_t f = H5Fopen(F->target, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    check_group(f, "stats");
    check_group(f, "diff");
    check_group(f, "totals");
    hsize_t s3[3] = { 3, T_MONTHS, 2 }, d2[3] = { 2, T_MONTHS, 2 }, tp[2] = { 3, NPATHS }, v3[1] = { 3 }, v2[1] = { 2 };
    assert_shape(f, "/stats/unmet_mean", 3, s3);
    assert_shape(f, "/diff/unmet_mean", 3, d2);
    assert_shape(f, "/totals/pv_spend", 2, tp);
    assert_shape(f, "/stats/variant", 1, v3);
    assert_shape(f, "/diff/variant", 1, v2);
    size_t m;
    double *vv = read_all(f, "/stats/scenario.discount_rate", &m);
    assert_true(vv[0] == 0.1 && vv[1] == 0.2 && vv[2] == 0.3);
    free(vv);
    vv = read_all(f, "/diff/scenario.discount_rate", &m);
    assert_int_equal(m, 2);
    assert_true(vv[0] == 0.2 && vv[1] == 0.3);
    free(vv);
    /* Differences of variant v are 1000 v exactly: mean 1000 v, sd 0, P(>0) 1, P(<0) 0. */
    double *dm = read_all(f, "/diff/pv_spend_mean", &m), *dp = read_all(f, "/diff/pv_spend_ppos", &m);
    double *dn = read_all(f, "/diff/pv_spend_pneg", &m);
    assert_int_equal(m, 2);
    assert_true(dm[0] == 1000 && dm[1] == 2000 && dp[0] == 1 && dn[0] == 0);
    free(dm);
    free(dp);
    free(dn);
    /* Per variant statistics in their slot. */
    size_t off = F->L.series_off[S_UNMET];
    double *um = read_all(f, "/stats/unmet_mean", &m);
    for (size_t v = 0; v < 3; v++) {
        stats_summary S;
        stats_get(sv[v], off + 5, &S);
        assert_true(um[v * T_MONTHS * 2 + 5] == S.mean);
    }
    free(um);
    hid_t dd = H5Dopen2(f, "/diff/unmet_mean", H5P_DEFAULT);
    assert_attr_text(dd, "coordinates", "scenario.discount_rate month");
    assert_attr_text(dd, "better", "lower");
    H5Dclose(dd);
    hid_t g = H5Gopen2(f, "diff", H5P_DEFAULT);
    assert_attr_text(g, "baseline", "base");
    H5Gclose(g);
    H5Fclose(f);
    for (size_t v = 0; v < 3; v++) {
        stats_free(sv[v]);
        stats_free(sd[v]);
    }
    (void)v2;
}

/* P(diff < 0) from the mid-rank CDF and P(> 0): values -1, 0, 0, 1, 2 per path. */
static void test_pneg(void **state)
{
    fixture *F = *state;
    h5out_desc d = desc_of(F, 2);
    d.nvary = 0;
    char err[512];
    h5out *o = h5out_open(F->target, &d, err, sizeof err);
    assert_non_null(o);
    size_t n = F->L.row_len;
    double *rows = calloc(5 * n, sizeof *rows);
    const double vals[5] = { -1, 0, 0, 1, 2 };
    for (size_t p = 0; p < 5; p++)
        for (size_t i = 0; i < n; i++) rows[p * n + i] = vals[p];
    stats *s = stats_alloc(n);
    stats_add_rows(s, rows, 5, n, 0);
    assert_int_equal(h5out_write_diff_stats(o, 1, s, NULL), 0);
    assert_int_equal(h5out_finish(o, &run_info), 0);
    hid_t f = H5Fopen(F->target, H5F_ACC_RDONLY, H5P_DEFAULT);
    size_t m;
    double *pn = read_all(f, "/diff/unmet_pneg", &m), *pp = read_all(f, "/diff/unmet_ppos", &m);
    assert_true(fabs(pn[0] - 0.2) < 1e-12);
    assert_true(fabs(pp[0] - 0.4) < 1e-12);
    free(pn);
    free(pp);
    H5Fclose(f);
    stats_free(s);
    free(rows);
}

/* An aborted write leaves the existing target as it was and no temporary file; while
 * the file is being written the target is untouched; finish replaces it. */
static void test_abort_keeps_existing(void **state)
{
    fixture *F = *state;
    write_file(F->target, "precious");
    h5out_desc d = desc_of(F, 1);
    char err[512];
    h5out *o = h5out_open(F->target, &d, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(h5out_append(o, 0, 0, NPATHS, F->rows, F->values), 0);
    assert_int_equal(count_tmp_files(F->dir), 1);
    assert_file_text(F->target, "precious");
    h5out_abort(o);
    assert_file_text(F->target, "precious");
    assert_int_equal(count_tmp_files(F->dir), 0);
    h5out_abort(NULL);

    o = h5out_open(F->target, &d, err, sizeof err);
    assert_non_null(o);
    assert_file_text(F->target, "precious");
    assert_int_equal(h5out_finish(o, &run_info), 0);
    assert_int_equal(H5Fis_hdf5(F->target), 1);
    assert_int_equal(count_tmp_files(F->dir), 0);
}

static void test_abort_leaves_nothing(void **state)
{
    fixture *F = *state;
    h5out_desc d = desc_of(F, 1);
    char err[512];
    h5out *o = h5out_open(F->target, &d, err, sizeof err);
    assert_non_null(o);
    h5out_abort(o);
    assert_int_equal(access(F->target, F_OK), -1);
    assert_int_equal(count_tmp_files(F->dir), 0);
}

static void test_unwritable_directory(void **state)
{
    fixture *F = *state;
    h5out_desc d = desc_of(F, 1);
    char err[512] = "", path[256];
    snprintf(path, sizeof path, "%s/no-such-dir/out.h5", F->dir);
    assert_null(h5out_open(path, &d, err, sizeof err));
    if (!strstr(err, "No such file or directory")) fail_msg("message: %s", err);
    assert_non_null(strstr(h5out_error(NULL), "No such file or directory"));
    /* A regular file where the directory should be. */
    char file[200];
    snprintf(file, sizeof file, "%s/plain", F->dir);
    write_file(file, "x");
    snprintf(path, sizeof path, "%s/plain/out.h5", F->dir);
    assert_null(h5out_open(path, &d, err, sizeof err));
    if (!strstr(err, "Not a directory")) fail_msg("message: %s", err);
    /* Permissions do not bind root: only check them as another user. */
    if (geteuid() != 0) {
        char ro[200];
        snprintf(ro, sizeof ro, "%s/ro", F->dir);
        assert_int_equal(mkdir(ro, 0555), 0);
        snprintf(path, sizeof path, "%s/out.h5", ro);
        assert_null(h5out_open(path, &d, err, sizeof err));
        if (!strstr(err, "Permission denied")) fail_msg("message: %s", err);
        chmod(ro, 0755);
    }
    assert_int_equal(count_tmp_files(F->dir), 0);
}

/* Child: write under a 96 KiB file size limit. Exit 0 when the failure was reported
 * and nothing was left behind, else a code that says what went wrong. */
static int child_full_disk(fixture *F)
{
    struct rlimit rl = { 96 * 1024, 96 * 1024 };
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 10;
    h5out_desc d = desc_of(F, 1);
    d.save_paths = 0;
    char err[512];
    h5out *o = h5out_open(F->target, &d, err, sizeof err);
    if (!o) return strstr(err, "too large") || strstr(err, "File too large") ? 0 : 11;
    size_t n = F->L.row_len;
    double *rows = malloc(NPATHS * n * sizeof *rows);
    if (!rows) return 12;
    int failed = 0;
    /* 10 paths x ~1 KiB of totals per block; the limit is hit after some blocks. */
    for (uint64_t first = 0; first < 4000000 && !failed; first += NPATHS) {
        for (size_t i = 0; i < NPATHS * n; i++) rows[i] = (double)(first * 31 + i) * 1.2345;
        failed = h5out_append(o, 0, first, NPATHS, rows, F->values) != 0;
    }
    free(rows);
    if (!failed) {
        failed = h5out_finish(o, &run_info) != 0;
        if (!failed) return 13;
        if (!strstr(h5out_error(NULL), "too large")) return 14;
    } else {
        if (!strstr(h5out_error(o), "too large")) {
            fprintf(stderr, "message: %s\n", h5out_error(o));
            return 15;
        }
        /* A file whose write failed is never finished, even if the caller tries. */
        if (h5out_finish(o, &run_info) == 0) return 18;
        if (!strstr(h5out_error(NULL), "too large")) return 19;
    }
    if (access(F->target, F_OK) == 0) return 16;
    if (count_tmp_files(F->dir) != 0) return 17;
    return 0;
}

static void test_full_disk(void **state)
{
    fixture *F = *state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(child_full_disk(F));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status)) fail_msg("child died of signal %d", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0) fail_msg("child failed with code %d", WEXITSTATUS(status));
    assert_int_equal(access(F->target, F_OK), -1);
    assert_int_equal(count_tmp_files(F->dir), 0);
}

/* SIGINT while the file is open: the process dies of SIGINT, the temporary file is
 * gone, the existing target intact. */
static void test_sigint_removes_temp(void **state)
{
    fixture *F = *state;
    write_file(F->target, "precious");
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        h5out_desc d = desc_of(F, 1);
        char err[512];
        h5out *o = h5out_open(F->target, &d, err, sizeof err);
        if (!o || h5out_append(o, 0, 0, NPATHS, F->rows, F->values) != 0) _exit(3);
        if (write(pfd[1], "r", 1) != 1) _exit(4);
        for (;;) pause();
    }
    close(pfd[1]);
    char c;
    assert_int_equal(read(pfd[0], &c, 1), 1);
    close(pfd[0]);
    assert_int_equal(count_tmp_files(F->dir), 1);
    assert_int_equal(kill(pid, SIGINT), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGINT);
    assert_int_equal(count_tmp_files(F->dir), 0);
    assert_file_text(F->target, "precious");
}

static void test_bad_desc(void **state)
{
    fixture *F = *state;
    h5out_desc d = desc_of(F, 1);
    d.nvariants = 0;
    char err[512] = "";
    assert_null(h5out_open(F->target, &d, err, sizeof err));
    assert_true(strlen(err) > 0);
    assert_int_equal(access(F->target, F_OK), -1);
}

/* --- summary and export --------------------------------------------------------------- */

static int run_main(int (*fn)(int, char **), int argc, const char **argv)
{
    /* Their output goes to /dev/null: the Python tests check its content. */
    fflush(stdout);
    int saved = dup(1);
    FILE *null = fopen("/dev/null", "w");
    dup2(fileno(null), 1);
    int rc = fn(argc, (char **)argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(null);
    return rc;
}

static void test_summary_exit_codes(void **state)
{
    fixture *F = *state;
    write_run(F);
    const char *ok[] = { "summary", F->target };
    assert_int_equal(run_main(cmd_summary, 2, ok), 0);
    const char *help[] = { "summary", "--help" };
    assert_int_equal(run_main(cmd_summary, 2, help), 0);
    const char *none[] = { "summary" };
    assert_int_equal(run_main(cmd_summary, 1, none), 2);
    const char *bad[] = { "summary", "--bogus", F->target };
    assert_int_equal(run_main(cmd_summary, 3, bad), 2);
    char missing[256];
    snprintf(missing, sizeof missing, "%s/missing.h5", F->dir);
    const char *miss[] = { "summary", missing };
    assert_int_equal(run_main(cmd_summary, 2, miss), 2);   /* a missing input: bad input, as for run */
    char err[1024] = "";
    assert_int_equal(summary_print(missing, stdout, err, sizeof err), RESULTS_BAD_FILE);
    assert_non_null(strstr(err, "No such file"));
    char notres[256];
    snprintf(notres, sizeof notres, "%s/plain.txt", F->dir);
    write_file(notres, "not hdf5");
    const char *nr[] = { "summary", notres };
    assert_int_equal(run_main(cmd_summary, 2, nr), 2);
}

static size_t count_lines(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) fail_msg("%s is missing", path);
    size_t n = 0;
    int c;
    while ((c = fgetc(fp)) != EOF)
        if (c == '\n') n++;
    fclose(fp);
    return n;
}

static int file_contains(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, fp)) found = strstr(line, needle) != NULL;
    fclose(fp);
    return found;
}

static void test_export(void **state)
{
    fixture *F = *state;
    write_run(F);
    char dir[200], path[256];
    snprintf(dir, sizeof dir, "%s/csv/nested", F->dir);
    const char *argv[] = { "export", F->target, "--csv", dir };
    assert_int_equal(run_main(cmd_export, 4, argv), 0);
    /* stats.csv: one row per time x element x statistic (q counts 9) of each series. */
    size_t rows = 0;
    for (int s = 0; s < N_SERIES; s++) rows += F->L.series_len[s] * (5 + STATS_NQ + (model_series[s].has_ppos ? 1 : 0));
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    assert_int_equal(count_lines(path), rows + 1);
    assert_true(file_contains(path, "series,time,month,dim,element,statistic,value"));
    /* RFC 4180: quotes doubled, fields with a comma or a quote quoted. */
    assert_true(file_contains(path, ",contract,\"c\"\"1\",mean,"));
    assert_true(file_contains(path, ",cloud,\"b,cloud\",q0.05,"));
    assert_true(file_contains(path, "unmet,2025-11-01,2025-11,segment,s1,q0.5,"));
    snprintf(path, sizeof path, "%s/totals.csv", dir);
    assert_int_equal(count_lines(path), NPATHS + 1);
    assert_true(file_contains(path, "path,pv_spend,\"pv_spend_by_cloud[azure]\"") ||
                file_contains(path, "path,pv_spend,pv_spend_by_cloud[azure]"));
    /* Full precision: pv_spend of path 3, as %.17g. */
    char want[128];
    snprintf(want, sizeof want, "\n3,%.17g,", F->rows[3 * F->L.row_len + F->L.total_off[T_PV_SPEND]]);
    snprintf(path, sizeof path, "%s/totals.csv", dir);
    FILE *fp = fopen(path, "r");
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = 0;
    fclose(fp);
    if (!strstr(buf, want + 1)) fail_msg("totals.csv lacks '%s'", want + 1);
    snprintf(path, sizeof path, "%s/params.csv", dir);
    assert_int_equal(count_lines(path), NPATHS + 1);
    assert_true(file_contains(path, "path,demand.s1.growth,contracts.c/2.capacity.0.delay_months"));
    snprintf(path, sizeof path, "%s/sensitivity.csv", dir);
    assert_int_equal(count_lines(path), F->L.ntotals * NPARAMS + 1);
    assert_true(file_contains(path, "total,param,rank_corr,sobol_first,sobol_first_ci,sobol_total,sobol_total_ci"));
    snprintf(path, sizeof path, "%s/sensitivity_by_year.csv", dir);
    assert_int_equal(count_lines(path), 2 * 2 * NPARAMS + 1);
    assert_true(file_contains(path, "spend,2026,demand.s1.growth,"));
    snprintf(path, sizeof path, "%s/total_stats.csv", dir);
    assert_true(file_contains(path, "pv_spend,,,mean,"));
    snprintf(path, sizeof path, "%s/paths.csv", dir);
    assert_true(file_contains(path, "unmet,2,2026-12-01,2026-12,segment,s2,"));
    assert_int_equal(count_tmp_files(dir), 0);

    const char *noarg[] = { "export", F->target };
    assert_int_equal(run_main(cmd_export, 2, noarg), 2);
    const char *help[] = { "export", "--help" };
    assert_int_equal(run_main(cmd_export, 2, help), 0);
    char missing[256];
    snprintf(missing, sizeof missing, "%s/missing.h5", F->dir);
    const char *miss[] = { "export", missing, "--csv", dir };
    assert_int_equal(run_main(cmd_export, 4, miss), 2);
    char err[1024] = "";
    assert_int_equal(export_csv(missing, dir, err, sizeof err), EXPORT_BAD_INPUT);
    assert_non_null(strstr(err, "No such file"));
    char file[256];
    snprintf(file, sizeof file, "%s/plain", F->dir);
    write_file(file, "x");
    const char *bad_dir[] = { "export", F->target, "--csv", file };
    assert_int_equal(run_main(cmd_export, 4, bad_dir), 2);
}

/* `capsim test_h5out --sample FILE [VARIANTS]`: write a synthetic results file (used by
 * tests/py_h5out.py to check the format when no engine is at hand). */
static int write_sample(const char *path, int nvariants)
{
    fixture *F;
    void *st;
    if (setup(&st) != 0) return 1;
    F = st;
    snprintf(F->target, sizeof F->target, "%s", path);
    if (nvariants > 1) {
        h5out_desc d = desc_of(F, (size_t)nvariants);
        char err[512];
        h5out *o = h5out_open(path, &d, err, sizeof err);
        if (!o) return 1;
        for (int v = 0; v < nvariants; v++) {
            if (h5out_append(o, (size_t)v, 0, NPATHS, F->rows, F->values) || h5out_write_stats(o, (size_t)v, F->st, NULL))
                return 1;
            if (v && h5out_write_diff_stats(o, (size_t)v, F->st, NULL)) return 1;
        }
        if (h5out_finish(o, &run_info)) return 1;
    } else
        write_run(F);
    teardown(&st);
    return 0;
}

/* CF metadata (docs/OUTPUT.md, "CF conventions"): /params names made CF-safe, a clash
 * numbered; time_bnds of 2025-11 and of the last month 2026-12 in days since 1970-01-01,
 * computed by hand; cell_methods; realization; source and history. */
static void test_cf_metadata(void **state)
{
    fixture *F = *state;
    static const char *const clash[] = { "a.b_c", "a_b.c" }, *const odd[] = { "path", "9x" };
    const char *const *sets[2] = { clash, odd };
    static const char *const want[2][2] = { { "a_b_c", "a_b_c_2" }, { "path_2", "p_9x" } };
    for (int k = 0; k < 2; k++) {
        h5out_desc d = desc_of(F, 1);
        d.params = sets[k];
        char err[512];
        h5out *o = h5out_open(F->target, &d, err, sizeof err);
        if (!o) fail_msg("h5out_open: %s", err);
        assert_int_equal(h5out_append(o, 0, 0, 4, F->rows, F->values), 0);
        assert_int_equal(h5out_write_stats(o, 0, F->st, NULL), 0);
        if (h5out_finish(o, &run_info) != 0) fail_msg("h5out_finish: %s", h5out_error(NULL));
        hid_t f = H5Fopen(F->target, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(f >= 0);
        for (int j = 0; j < 2; j++) {
            char path[64];
            snprintf(path, sizeof path, "/params/%s", want[k][j]);
            hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
            if (ds < 0) fail_msg("no dataset %s", path);
            assert_attr_text(ds, "key_path", sets[k][j]);
            H5Dclose(ds);
            size_t n;
            double *v = read_all(f, path, &n);
            assert_int_equal(n, 4);
            for (size_t p = 0; p < 4; p++) assert_true(v[p] == F->values[p * NPARAMS + (size_t)j]);
            free(v);
        }
        if (k == 1) {
            H5Fclose(f);
            break;
        }
        size_t n;
        double *b = read_all(f, "/stats/time_bnds", &n);
        assert_int_equal(n, 2 * T_MONTHS);
        assert_true(b[0] == 20393 && b[1] == 20423);                 /* 2025-11-01, 2025-12-01 */
        assert_true(b[2 * 13] == 20788 && b[2 * 13 + 1] == 20819);   /* 2026-12-01, 2027-01-01 */
        for (size_t t = 1; t < T_MONTHS; t++) assert_true(b[2 * t] == b[2 * t - 1]);
        free(b);
        hid_t ds = H5Dopen2(f, "/stats/time", H5P_DEFAULT);
        assert_attr_text(ds, "bounds", "time_bnds");
        H5Dclose(ds);
        static const char *const cm[][2] = {
            { "/stats/spend_mean", "time: sum realization: mean" },
            { "/stats/spend_q", "time: sum" },
            { "/stats/cash_mean", "time: point (at the end of the month) realization: mean" },
            { "/stats/capacity_sd", "time: mean realization: standard_deviation" },
            { "/stats/unmet_ppos", "time: mean" },
        };
        for (size_t i = 0; i < sizeof cm / sizeof *cm; i++) {
            ds = H5Dopen2(f, cm[i][0], H5P_DEFAULT);
            if (ds < 0) fail_msg("no dataset %s", cm[i][0]);
            assert_attr_text(ds, "cell_methods", cm[i][1]);
            H5Dclose(ds);
        }
        assert_true(H5Aexists_by_name(f, "/stats/pv_spend_mean", "cell_methods", H5P_DEFAULT) == 0);
        ds = H5Dopen2(f, "/totals/path", H5P_DEFAULT);
        assert_attr_text(ds, "standard_name", "realization");
        H5Dclose(ds);
        assert_attr_text(f, "source", "capsim " CAPSIM_VERSION);
        char *created = read_attr_text(f, "created"), hist[256];
        snprintf(hist, sizeof hist, "%s: capsim run x.yaml -o out.h5", created);
        assert_attr_text(f, "history", hist);
        free(created);
        H5Fclose(f);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--sample") == 0) return write_sample(argv[2], argc > 3 ? atoi(argv[3]) : 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_root_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coordinates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_path_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pneg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigint_removes_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_desc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cf_metadata, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
