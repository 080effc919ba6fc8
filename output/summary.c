/*
 * summary: the tables of `capsim summary OUT.h5` (see summary.h; the command itself is
 * sim/cli/cmd_summary.c). Everything printed is read back from the file (never
 * recomputed from the scenario), so the tables show what the file holds:
 *
 *   provenance   scenario, command, paths, seed, version;
 *   key totals   mean, standard error, P5, P50, P95 over paths, per variant;
 *   by year      sums of monthly means (spend, turned-down revenue: the mean of a sum is
 *                the sum of the means) and the mean monthly unmet demand, with the
 *                largest monthly probability of a shortfall in any segment;
 *   differences  compare/sweep files: variant minus baseline, paired path by path: mean,
 *                standard error and the probability that the variant is better, and a
 *                verdict per variant on net value (pv_net_value, docs/MODEL.md 10). Where
 *                the file has net value, spend rows show P(lower), not P(better): spend
 *                also falls when a supplier fails to deliver, which is no saving;
 *   options      per variant, for files whose scenario has contract options: P(exercised)
 *                by year, the exercise month among the paths that exercise, option fees;
 *   frontier     files of capsim optimize (an /optimize group): summary_optimize.c.
 *
 * Numbers are for people: $12.3B, 1.23M H100e; `capsim export` gives full precision.
 */
#include "summary.h"
#include "summary_optimize.h"
#include "summary_json.h"
#include "results.h"
#include "hdf5_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The totals of the key-totals table, in order. */
static const char *const key_totals[] = {
    "pv_spend", "pv_spend_by_cloud", "pv_stranded", "pv_revenue", "pv_turned_down_revenue",
    "pv_revenue_share", "unmet_h100e_hours", "months_short", "outstanding_commitment",
    "pv_value", "pv_value_lost", "pv_net_value",
    /* cash (docs/MODEL.md, "Cash"): files before it lack both, and print as before */
    "min_cash", "peak_funding_need",
};
#define NKEY (sizeof key_totals / sizeof key_totals[0])

typedef struct {
    hid_t f, st, df;       /* file, /stats, /diff (-1 when absent) */
    size_t V;              /* variants */
    char **variants;       /* V labels (NULL for a plain run) */
    size_t nlab;
    int q05, q50, q95;     /* positions on the quantile axis */
    int has_net;           /* /diff has pv_net_value (files before docs/MODEL.md 10: not) */
    FILE *out;             /* where the tables go (a buffer: written out when complete) */
    summary_json *j;       /* --json: the same content as JSON (docs/OUTPUT.md); NULL: tables */
    const char *path;
    char *err;             /* the reason of a failure */
    size_t errlen;
} sfile;

/* A read of `what` (a dataset) failed with status st (results.h): the reason from the
 * HDF5 error stack the reader left. Returns st. */
static int sfail(const sfile *S, int st, const char *what)
{
    char msg[1024];
    hdf5_errmsg(msg, sizeof msg, what);
    snprintf(S->err, S->errlen, "%s: %s%s", S->path, st == RESULTS_BAD_FILE ? "damaged results file: " : "reading ",
             msg);
    return st;
}

/* --- formatting --------------------------------------------------------------------- */

/* Table rows: columns are always separated by two or more spaces (values may contain
 * one: "1.23M H100e"), so that scripts can split them. */
#define ROW7 "  %-26s  %12s  %12s  %12s  %12s  %12s  %12s  %12s\n"
#define YEAR_HDR "  %-6s  %6s  %14s  %14s  %16s  %12s\n"
#define YEAR_ROW "  %-6d  %6zu  %14s  %14s  %16s  %12s\n"
/* With the cash column (docs/MODEL.md 5, "Cash"), where the file has cash_ppos. */
#define YEAR_HDR_CASH "  %-6s  %6s  %14s  %14s  %16s  %12s  %12s\n"
#define YEAR_ROW_CASH "  %-6d  %6zu  %14s  %14s  %16s  %12s  %12s\n"
#define DIFF_ROW "  %-26s  %14s  %14s  %*s%s\n"
/* The P(better) column: 12 wide for "lower 86.2%" where spend rows show P(lower). */
#define PCOL(S) ((S)->has_net ? 12 : 10)

/* x with a k/M/B/T suffix and three significant digits: 12.3B, 1.23M, 512. */
static void fmt_si(double x, char *buf, size_t len, const char *pre, const char *post, int money)
{
    static const struct { double f; const char *s, *sm; } sc[] = {
        { 1e12, "T", "T" }, { 1e9, "B", "B" }, { 1e6, "M", "M" }, { 1e3, "k", "K" },
    };
    if (!isfinite(x)) {
        snprintf(buf, len, "n/a");
        return;
    }
    if (x == 0) {
        snprintf(buf, len, "%s0%s", pre, post);
        return;
    }
    double a = fabs(x), f = 1;
    const char *suf = "";
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++)
        if (a >= sc[i].f * 0.9995) {
            f = sc[i].f;
            suf = money ? sc[i].sm : sc[i].s;
            break;
        }
    double y = a / f;
    int dec = y >= 99.95 ? 0 : y >= 9.995 ? 1 : 2;
    if (f == 1 && y >= 0.995 && !money && y == floor(y)) dec = 0;
    snprintf(buf, len, "%s%s%.*f%s%s", x < 0 ? "-" : "", pre, dec, y, suf, post);
}

/* A value in its units, as a person would write it. */
static void fmt_value(double x, const char *units, char *buf, size_t len)
{
    if (!isfinite(x)) snprintf(buf, len, "n/a");
    else if (strncmp(units, "USD", 3) == 0) fmt_si(x, buf, len, "$", "", 1);
    else if (strcmp(units, "H100e") == 0) fmt_si(x, buf, len, "", " H100e", 0);
    else if (strcmp(units, "H100e-hours") == 0) fmt_si(x, buf, len, "", " H100e-h", 0);
    else if (strcmp(units, "MW") == 0) fmt_si(x, buf, len, "", " MW", 0);
    else if (strcmp(units, "months") == 0) snprintf(buf, len, "%.2f mo", x);
    else if (strcmp(units, "1") == 0) snprintf(buf, len, "%.3f", x);
    else snprintf(buf, len, "%.4g %s", x, units);
}

static void fmt_prob(double p, char *buf, size_t len)
{
    if (!isfinite(p)) snprintf(buf, len, "-");
    else snprintf(buf, len, "%.1f%%", 100.0 * p);
}

void summary_fmt_value(double x, const char *units, char *buf, size_t len) { fmt_value(x, units, buf, len); }
void summary_fmt_prob(double p, char *buf, size_t len) { fmt_prob(p, buf, len); }

/* --- reading ------------------------------------------------------------------------ */

/* The part of x's values that belongs to variant slot `slot` (x has a leading variant
 * dimension, or none); its length in *len. */
static const double *slot_block(const results_var *x, size_t slot, size_t *len)
{
    if (x->rank > 0 && strcmp(x->dimname[0], "variant") == 0) {
        *len = x->dims[0] ? x->n / (size_t)x->dims[0] : 0;
        return x->v + slot * *len;
    }
    *len = x->n;
    return x->v;
}

/* Load NAME_stat of group g: 1 (loaded), 0 (absent: the file has no elements of its
 * dimension, which the check allows), or a negative status with the reason in S->err. */
static int load_stat(const sfile *S, hid_t g, const char *name, const char *stat, results_var *x)
{
    char full[256];
    memset(x, 0, sizeof *x);
    snprintf(full, sizeof full, "%s_%s", name, stat);
    if (!hdf5_exists(g, full)) return 0;
    int st = results_var_load(g, full, 1, x);
    if (st == RESULTS_OK) return 1;
    char what[300];
    snprintf(what, sizeof what, "/%s/%s", g == S->df ? "diff" : "stats", full);
    return sfail(S, st, what);
}

/* The statistics which[0..k) of output name in g into x[]: 1 (all loaded), 0 (the first
 * absent: no elements), or a negative status (nothing left loaded). */
static int load_stats(const sfile *S, hid_t g, const char *name, const char *const *which, int k, results_var *x)
{
    for (int i = 0; i < k; i++) {
        int st = load_stat(S, g, name, which[i], &x[i]);
        if (st == 1) continue;
        if (st == 0 && i == 0) return 0;
        for (int j = 0; j < i; j++) results_var_free(&x[j]);
        if (st < 0) return st;
        /* the mean without its other statistics: the check does not let that by */
        snprintf(S->err, S->errlen, "%s: damaged results file: /%s/%s_%s: missing", S->path,
                 g == S->df ? "diff" : "stats", name, which[i]);
        return RESULTS_BAD_FILE;
    }
    return 1;
}

static int find_quantiles(sfile *S)
{
    results_var q;
    int st = results_var_load(S->st, "quantile", 1, &q);
    if (st != RESULTS_OK) return sfail(S, st, "/stats/quantile");
    S->q05 = S->q50 = S->q95 = -1;
    for (size_t i = 0; i < q.n; i++) {
        if (fabs(q.v[i] - 0.05) < 1e-9) S->q05 = (int)i;
        if (fabs(q.v[i] - 0.50) < 1e-9) S->q50 = (int)i;
        if (fabs(q.v[i] - 0.95) < 1e-9) S->q95 = (int)i;
    }
    results_var_free(&q);
    if (S->q05 < 0 || S->q50 < 0 || S->q95 < 0) {
        snprintf(S->err, S->errlen, "%s: damaged results file: /stats/quantile: without the levels 0.05, 0.5 and 0.95",
                 S->path);
        return RESULTS_BAD_FILE;
    }
    return RESULTS_OK;
}

/* Labels of the last (own) dimension of x in group g into *lab (NULL when x has none
 * beyond variant/time). 0, or a negative status with the reason in S->err. */
static int element_labels(const sfile *S, hid_t g, const results_var *x, int qdim, char ***lab, size_t *n)
{
    *n = 0;
    *lab = NULL;
    int last = x->rank - 1 - (qdim ? 1 : 0);
    if (last < 0) return RESULTS_OK;
    const char *dn = x->dimname[last];
    if (!strcmp(dn, "variant") || !strcmp(dn, "time") || !*dn) return RESULTS_OK;
    int st = results_labels(g, dn, lab, n);
    if (st == RESULTS_OK) return RESULTS_OK;
    char what[300];
    snprintf(what, sizeof what, "/%s/%s", g == S->df ? "diff" : "stats", dn);
    return sfail(S, st, what);
}

/* --- tables ------------------------------------------------------------------------- */

/* Which standard error the tables show (/stats se_method, docs/OUTPUT.md), and whether
 * a --target-rse was met: a run that stopped at --paths short of its target says so. */
static void print_precision(const sfile *S)
{
    char *method = S->st >= 0 ? results_attr_str(S->st, "se_method") : NULL;
    unsigned nrep = 0;
    if (S->j) sj_str(S->j, "se_method", method && *method ? method : NULL);
    else if (method && sscanf(method, "replicates:%u", &nrep) == 1)
        fprintf(S->out, "  SE         from the spread of %u independent replicate means (se_method %s)\n", nrep, method);
    else if (method && strcmp(method, "iid") == 0)
        fprintf(S->out, "  SE         sd / sqrt(paths) (se_method iid)\n");
    else if (method && *method)
        fprintf(S->out, "  SE         se_method %s (see each variant's sampling)\n", method);
    free(method);
    double target = NAN, achieved = NAN;
    char *on = results_attr_str(S->f, "target_on");
    if (hdf5_read_attr_double(S->f, "target_rse", &target) == 0 && hdf5_read_attr_double(S->f, "achieved_rse", &achieved) == 0) {
        if (S->j) {
            sj_obj(S->j, "target");
            sj_str(S->j, "on", on);
            sj_num(S->j, "rse", target);
            sj_num(S->j, "achieved_rse", achieved);
            sj_bool(S->j, "reached", achieved <= target);
            sj_end(S->j, '}');
        } else if (achieved <= target)
            fprintf(S->out, "  target     RSE of %s %.3g: reached (%.3g)\n", on ? on : "?", target, achieved);
        else
            fprintf(S->out, "  target     RSE of %s %.3g: NOT REACHED, %.3g at the --paths limit\n", on ? on : "?",
                    target, achieved);
    }
    H5Eclear2(H5E_DEFAULT);
    free(on);
}

static void print_provenance(const sfile *S, const char *path)
{
    char *name = results_attr_str(S->f, "scenario_name"), *src = results_attr_str(S->f, "scenario_source");
    char *start = results_attr_str(S->f, "scenario_start"), *cmd = results_attr_str(S->f, "command");
    char *sampling = results_attr_str(S->f, "sampling"), *stop = results_attr_str(S->f, "stop_reason");
    char *ver = results_attr_str(S->f, "capsim_version"), *git = results_attr_str(S->f, "git_revision");
    char *created = results_attr_str(S->f, "created");
    double months = NAN, rate = NAN, paths = NAN, threads = NAN, ranks = NAN, wall = NAN;
    unsigned long long seed = 0;
    hdf5_read_attr_double(S->f, "months", &months);
    hdf5_read_attr_double(S->f, "discount_rate", &rate);
    hdf5_read_attr_double(S->f, "paths", &paths);
    hdf5_read_attr_double(S->f, "threads", &threads);
    hdf5_read_attr_double(S->f, "ranks", &ranks);
    hdf5_read_attr_double(S->f, "wall_seconds", &wall);
    hid_t a = H5Aexists(S->f, "seed") > 0 ? H5Aopen(S->f, "seed", H5P_DEFAULT) : H5I_INVALID_HID;
    if (a >= 0) {
        uint64_t s64 = 0;
        if (H5Aread(a, H5T_NATIVE_UINT64, &s64) >= 0) seed = (unsigned long long)s64;
        H5Aclose(a);
    }
    H5Eclear2(H5E_DEFAULT);
    if (S->j) {
        summary_json *j = S->j;
        sj_num(j, "capsim_summary", 1);
        sj_str(j, "file", path);
        sj_obj(j, "scenario");
        sj_str(j, "name", name);
        sj_str(j, "source", src);
        sj_str(j, "start", start);
        sj_num(j, "months", months);
        sj_num(j, "discount_rate", rate);
        sj_end(j, '}');
        sj_obj(j, "run");
        sj_str(j, "command", cmd);
        sj_num(j, "paths", paths);
        sj_u64(j, "seed", seed);
        sj_str(j, "sampling", sampling);
        sj_num(j, "threads", threads);
        sj_num(j, "ranks", ranks);
        sj_num(j, "wall_seconds", wall);
        sj_str(j, "stop_reason", stop);
        print_precision(S);
        sj_end(j, '}');
        sj_obj(j, "made_by");
        sj_str(j, "capsim_version", ver);
        sj_str(j, "git_revision", git);
        sj_str(j, "created", created);
        sj_end(j, '}');
        free(name); free(src); free(start); free(cmd); free(sampling); free(stop); free(ver); free(git); free(created);
        return;
    }
    fprintf(S->out, "capsim summary of %s\n", path);
    fprintf(S->out, "  scenario   %s%s%s%s, from %s for %.0f months, discount rate %.3g%%/yr\n", name ? name : "",
           src && *src ? " (" : "", src ? src : "", src && *src ? ")" : "", start ? start : "?", months,
           100.0 * rate);
    fprintf(S->out, "  run        capsim %s: %.0f paths per variant, seed %llu, sampling %s, %.0f thread(s) x %.0f rank(s), "
           "%.1f s, stop: %s\n",
           cmd ? cmd : "?", paths, seed, sampling && *sampling ? sampling : "?", threads, ranks, wall,
           stop && *stop ? stop : "?");
    print_precision(S);
    fprintf(S->out, "  made by    capsim %s (git %s), %s\n", ver ? ver : "?", git ? git : "?", created ? created : "?");
    if (S->V > 1) {
        fprintf(S->out, "  variants   ");
        for (size_t v = 0; v < S->V; v++) fprintf(S->out, "%s%s%s", v ? ", " : "", S->variants[v], v ? "" : " (baseline)");
        fprintf(S->out, "\n");
    }
    free(name); free(src); free(start); free(cmd); free(sampling); free(stop); free(ver); free(git); free(created);
}

/* --json: a total is {units, [better,] mean, ...}, or {units, by, elements: [{label,
 * mean, ...}]} when it has a dimension of its own (docs/OUTPUT.md, "summary --json"). */
static void json_open_total(const sfile *S, const char *name, const results_var *mean, int by, int diff)
{
    sj_obj(S->j, name);
    sj_str(S->j, "units", mean->units);
    if (diff) sj_str(S->j, "better", mean->better);
    if (by) {
        sj_str(S->j, "by", mean->dimname[mean->rank - 1]);
        sj_arr(S->j, "elements");
    }
}

static void json_values(const sfile *S, const char *label, const char *const *keys, const double *v, int k)
{
    if (label) {
        sj_obj(S->j, NULL);
        sj_str(S->j, "label", label);
    }
    for (int i = 0; i < k; i++) sj_num(S->j, keys[i], v[i]);
    if (label) sj_end(S->j, '}');
}

static void json_close_total(const sfile *S, int by)
{
    if (by) sj_end(S->j, ']');
    sj_end(S->j, '}');
}

/* Rows of one total (one per element when it has a dimension) for variant slot. 0, or a
 * negative status. */
static int print_total_rows(const sfile *S, const char *name, size_t slot)
{
    static const char *const which[3] = { "mean", "se", "q" };
    results_var x[3];
    int st = load_stats(S, S->st, name, which, 3, x);
    if (st <= 0) return st;   /* absent: no elements */
    results_var mean = x[0], se = x[1], q = x[2];
    size_t n, nse, nq, nlab;
    const double *m = slot_block(&mean, slot, &n), *s = slot_block(&se, slot, &nse), *qq = slot_block(&q, slot, &nq);
    char **lab;
    if ((st = element_labels(S, S->st, &mean, 0, &lab, &nlab)) < 0) {
        results_var_free(&mean);
        results_var_free(&se);
        results_var_free(&q);
        return st;
    }
    if (nlab != n) {
        hdf5_free_strings(lab, nlab);
        lab = NULL;
    }
    /* expected shortfalls: exact, beside P5 and P95 (n/a in files made before them) */
    results_var es[2];
    const double *esv[2] = { NULL, NULL };
    static const char *const tail[2] = { "es_lo", "es_hi" };
    for (int t = 0; t < 2; t++) {
        int got = load_stat(S, S->st, name, tail[t], &es[t]);
        if (got < 0) {
            for (int u = 0; u < t; u++) results_var_free(&es[u]);
            hdf5_free_strings(lab, nlab);
            results_var_free(&mean);
            results_var_free(&se);
            results_var_free(&q);
            return got;
        }
        size_t ne = 0;
        if (got == 1) esv[t] = slot_block(&es[t], slot, &ne);
        if (ne != n) esv[t] = NULL;
    }
    size_t nqq = n ? nq / n : 0;
    int qok = nqq * n == nq && (size_t)S->q05 < nqq && (size_t)S->q50 < nqq && (size_t)S->q95 < nqq;
    if (S->j) json_open_total(S, name, &mean, lab != NULL, 0);
    for (size_t j = 0; j < n && nse == n && qok; j++) {
        if (S->j) {
            double v[7] = { m[j], s[j], esv[0] ? esv[0][j] : NAN, qq[j * nqq + (size_t)S->q05],
                            qq[j * nqq + (size_t)S->q50], qq[j * nqq + (size_t)S->q95], esv[1] ? esv[1][j] : NAN };
            static const char *const keys[7] = { "mean", "se", "es5", "p5", "p50", "p95", "es95" };
            json_values(S, lab ? lab[j] : NULL, keys, v, 7);
            continue;
        }
        char label[64], c[7][32];
        if (lab) snprintf(label, sizeof label, "    %s", lab[j]);
        else snprintf(label, sizeof label, "%s", name);
        fmt_value(m[j], mean.units, c[0], sizeof c[0]);
        fmt_value(s[j], mean.units, c[1], sizeof c[1]);
        fmt_value(esv[0] ? esv[0][j] : NAN, mean.units, c[2], sizeof c[2]);
        fmt_value(qq[j * nqq + (size_t)S->q05], mean.units, c[3], sizeof c[3]);
        fmt_value(qq[j * nqq + (size_t)S->q50], mean.units, c[4], sizeof c[4]);
        fmt_value(qq[j * nqq + (size_t)S->q95], mean.units, c[5], sizeof c[5]);
        fmt_value(esv[1] ? esv[1][j] : NAN, mean.units, c[6], sizeof c[6]);
        if (lab && j == 0) fprintf(S->out, "    by %s:\n", mean.dimname[mean.rank - 1]);
        fprintf(S->out, ROW7, label, c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
    }
    if (S->j) json_close_total(S, lab != NULL);
    for (int t = 0; t < 2; t++) results_var_free(&es[t]);
    hdf5_free_strings(lab, nlab);
    results_var_free(&mean);
    results_var_free(&se);
    results_var_free(&q);
    return RESULTS_OK;
}

static int print_key_totals(const sfile *S, size_t slot)
{
    double rate = NAN;
    hdf5_read_attr_double(S->f, "discount_rate", &rate);
    H5Eclear2(H5E_DEFAULT);
    if (S->j) {
        sj_obj(S->j, "key_totals");
        for (size_t k = 0; k < NKEY; k++) {
            int st = print_total_rows(S, key_totals[k], slot);
            if (st < 0) return st;
        }
        sj_end(S->j, '}');
        return RESULTS_OK;
    }
    fprintf(S->out, "\nKey totals over the horizon (pv_: present values at %.3g%%/yr)\n", 100.0 * rate);
    fprintf(S->out, "  (ES5: mean of the lowest 5%% of paths, ES95: of the highest 5%%)\n");
    fprintf(S->out, ROW7, "total", "mean", "SE", "ES5", "P5", "P50", "P95", "ES95");
    for (size_t k = 0; k < NKEY; k++) {
        int st = print_total_rows(S, key_totals[k], slot);
        if (st < 0) return st;
    }
    if (hdf5_exists(S->st, "min_cash_mean"))
        fprintf(S->out, "  (min_cash: the lowest month-end cash of a path, nominal; peak_funding_need: max(0, -min_cash);\n"
               "   docs/MODEL.md, Cash. Without a finance: block cash starts at 0: the deepest point of the\n"
               "   cumulative revenue - spend - revenue share)\n");
    return RESULTS_OK;
}

/* Sum over the own dimension of x at month t for slot (x over [variant] time [own]). */
static double month_sum(const results_var *x, size_t slot, size_t T, size_t t)
{
    if (!x->v) return 0;
    size_t len;
    const double *b = slot_block(x, slot, &len);
    size_t per = T ? len / T : 0;
    double s = 0;
    for (size_t j = 0; j < per; j++) s += b[t * per + j];
    return s;
}

static double month_max(const results_var *x, size_t slot, size_t T, size_t t)
{
    if (!x->v) return NAN;
    size_t len;
    const double *b = slot_block(x, slot, &len);
    size_t per = T ? len / T : 0;
    double m = NAN;
    for (size_t j = 0; j < per; j++)
        if (!(b[t * per + j] <= m)) m = b[t * per + j];
    return m;
}

/* The largest P(cash <= 0) = 1 - cash_ppos over months [t0, t1). */
static double cash_pmax(const results_var *cash_ppos, size_t slot, size_t T, size_t t0, size_t t1)
{
    double pmax = NAN;
    for (size_t t = t0; t < t1; t++) {
        double p = 1.0 - month_max(cash_ppos, slot, T, t);
        if (!(p <= pmax)) pmax = p;
    }
    return pmax;
}

static int print_by_year(const sfile *S, size_t slot)
{
    char **month;
    size_t T;
    int st = results_labels(S->st, "month", &month, &T);
    if (st < 0) return sfail(S, st, "/stats/month");
    results_var spend, spot, td, unmet, ppos;
    int s1 = load_stat(S, S->st, "spend", "mean", &spend), s2 = s1 < 0 ? s1 : load_stat(S, S->st, "spot_spend", "mean", &spot);
    int s3 = s2 < 0 ? s2 : load_stat(S, S->st, "turned_down_revenue", "mean", &td);
    int s4 = s3 < 0 ? s3 : load_stat(S, S->st, "unmet", "mean", &unmet);
    int s5 = s4 < 0 ? s4 : load_stat(S, S->st, "unmet", "ppos", &ppos);
    results_var cash;   /* files before docs/MODEL.md 5, "Cash" have none: no cash column */
    int s6 = s5 < 0 ? s5 : load_stat(S, S->st, "cash", "ppos", &cash);
    if (s6 < 0) {
        if (s5 >= 0) results_var_free(&ppos);
        if (s1 >= 0) results_var_free(&spend);
        if (s2 >= 0) results_var_free(&spot);
        if (s3 >= 0) results_var_free(&td);
        if (s4 >= 0) results_var_free(&unmet);
        hdf5_free_strings(month, T);
        return s6;
    }
    int has_cash = cash.v != NULL;
    if (S->j) {
        sj_arr(S->j, "by_year");
    } else {
        fprintf(S->out, "\nBy calendar year (spend and turned-down revenue: expected totals; unmet: mean of the months)\n");
        fprintf(S->out, has_cash ? YEAR_HDR_CASH : YEAR_HDR, "year", "months", "spend", "turned down",
                "unmet H100e", "max P(short)", "P(cash<=0)");
    }
    for (size_t t0 = 0; t0 < T;) {
        int year = atoi(month[t0]);
        size_t t1 = t0;
        double sp = 0, tdr = 0, un = 0, pmax = NAN;
        for (; t1 < T && atoi(month[t1]) == year; t1++) {
            sp += month_sum(&spend, slot, T, t1) + month_sum(&spot, slot, T, t1);
            tdr += month_sum(&td, slot, T, t1);
            un += month_sum(&unmet, slot, T, t1);
            double p = month_max(&ppos, slot, T, t1);
            if (!(p <= pmax)) pmax = p;
        }
        if (S->j) {
            sj_obj(S->j, NULL);
            sj_num(S->j, "year", year);
            sj_num(S->j, "months", (double)(t1 - t0));
            sj_num(S->j, "spend", sp);
            sj_num(S->j, "turned_down_revenue", tdr);
            sj_num(S->j, "unmet_h100e", un / (double)(t1 - t0));
            sj_num(S->j, "max_p_short", pmax);
            if (has_cash) sj_num(S->j, "p_cash_le_0", cash_pmax(&cash, slot, T, t0, t1));
            sj_end(S->j, '}');
            t0 = t1;
            continue;
        }
        char c[4][32];
        fmt_value(sp, "USD", c[0], sizeof c[0]);
        fmt_value(tdr, "USD", c[1], sizeof c[1]);
        fmt_value(un / (double)(t1 - t0), "H100e", c[2], sizeof c[2]);
        fmt_prob(pmax, c[3], sizeof c[3]);
        if (has_cash) {
            char pc[32];
            fmt_prob(cash_pmax(&cash, slot, T, t0, t1), pc, sizeof pc);
            fprintf(S->out, YEAR_ROW_CASH, year, t1 - t0, c[0], c[1], c[2], c[3], pc);
        } else {
            fprintf(S->out, YEAR_ROW, year, t1 - t0, c[0], c[1], c[2], c[3]);
        }
        t0 = t1;
    }
    if (S->j)
        sj_end(S->j, ']');
    else
        fprintf(S->out, "  (max P(short): the largest probability, over the year's months and the segments, that demand\n"
               "   went unmet in that month)\n");
    if (has_cash && !S->j)
        fprintf(S->out, "  (P(cash<=0): the largest probability, over the year's months, that cash at the end of\n"
               "   the month was not above 0: 1 - cash_ppos; docs/MODEL.md, Cash. Without a finance: block\n"
               "   cash starts at 0 with no other costs: this is then the chance that the cumulative\n"
               "   revenue - spend - revenue share is not positive, not a funding gap)\n");
    results_var_free(&spend);
    results_var_free(&spot);
    results_var_free(&td);
    results_var_free(&unmet);
    results_var_free(&ppos);
    if (has_cash) results_var_free(&cash);
    hdf5_free_strings(month, T);
    return RESULTS_OK;
}

/* The Options table (docs/MODEL.md section 13), for files whose scenario has options:
 * per option, P(exercised by the end of each calendar year) and overall (the mean of
 * the 0/1 series `exercised` at the year's last month: the probability of having
 * exercised by then), and among the paths that exercise, the median exercise month (the
 * first month by which at least half of them have) and the mean month index. Both come
 * from the counts of exercising paths, round(mean * n), month by month: the series is
 * cumulative, so count(t) - count(t-1) paths exercised in month t. Then the mean of
 * pv_option_fees (all options together). A file without options prints nothing. 0, or
 * a negative status. */
#define OPT_COL "  %9s"
static int print_options(const sfile *S, size_t slot)
{
    results_var ex, nv, fees[2];
    int st = load_stat(S, S->st, "exercised", "mean", &ex);
    if (st <= 0) return st;   /* no options: no option dimension, nothing to show */
    char **month = NULL, **opt = NULL;
    size_t T = 0, nopt = 0, len = 0, nn = 0;
    memset(&nv, 0, sizeof nv);
    memset(fees, 0, sizeof fees);
    long long *cnt = NULL;
    if ((st = results_labels(S->st, "month", &month, &T)) < 0) {
        st = sfail(S, st, "/stats/month");
        goto done;
    }
    if ((st = element_labels(S, S->st, &ex, 0, &opt, &nopt)) < 0) goto done;
    if ((st = results_var_load(S->st, "n", 1, &nv)) != RESULTS_OK) {
        st = sfail(S, st, "/stats/n");
        goto done;
    }
    const double *n = slot_block(&nv, slot, &nn);
    const double *b = slot_block(&ex, slot, &len);
    if (T == 0 || nopt == 0 || len != T * nopt || nn < 1 || !(n[0] >= 1)) {
        st = RESULTS_OK;   /* nothing to count (the check lets no such file by) */
        goto done;
    }
    cnt = malloc(T * sizeof *cnt);
    if (!cnt) {
        snprintf(S->err, S->errlen, "out of memory");
        st = RESULTS_IO;
        goto done;
    }
    double paths = n[0];
    if (S->j) {
        sj_obj(S->j, "options");
        sj_arr(S->j, "years");
    } else {
        fprintf(S->out, "\nOptions (P(exercised) by the end of each year; exercise month among the paths that exercise)\n");
        fprintf(S->out, "  %-26s", "option");
    }
    for (size_t t0 = 0; t0 < T;) {
        int year = atoi(month[t0]);
        char y[16];
        snprintf(y, sizeof y, "%d", year);
        if (S->j) sj_num(S->j, NULL, year);
        else fprintf(S->out, OPT_COL, y);
        while (t0 < T && atoi(month[t0]) == year) t0++;
    }
    if (S->j) {
        sj_end(S->j, ']');
        sj_arr(S->j, "rows");
    } else {
        fprintf(S->out, OPT_COL OPT_COL OPT_COL "\n", "overall", "median", "mean t");
    }
    for (size_t j = 0; j < nopt; j++) {
        for (size_t t = 0; t < T; t++) cnt[t] = llround(b[t * nopt + j] * paths);
        long long K = cnt[T - 1];
        double mean_t = NAN;
        const char *median = NULL;
        if (K > 0) {
            double sum = 0;
            for (size_t t = 0; t < T; t++) {
                sum += (double)t * (double)(cnt[t] - (t ? cnt[t - 1] : 0));
                if (!median && 2 * cnt[t] >= K) median = month[t];
            }
            mean_t = sum / (double)K;
        }
        char c[32];
        if (S->j) {
            sj_obj(S->j, NULL);
            sj_str(S->j, "option", opt[j]);
            sj_arr(S->j, "p_exercised_by_year");
        } else {
            fprintf(S->out, "  %-26s", opt[j]);
        }
        for (size_t t0 = 0; t0 < T;) {
            int year = atoi(month[t0]);
            while (t0 < T && atoi(month[t0]) == year) t0++;
            if (S->j) {
                sj_num(S->j, NULL, (double)cnt[t0 - 1] / paths);
            } else {
                fmt_prob((double)cnt[t0 - 1] / paths, c, sizeof c);
                fprintf(S->out, OPT_COL, c);
            }
        }
        if (S->j) {
            sj_end(S->j, ']');
            sj_num(S->j, "p_exercised", (double)K / paths);
            sj_str(S->j, "median_month", median);
            sj_num(S->j, "mean_t", mean_t);
            sj_end(S->j, '}');
            continue;
        }
        fmt_prob((double)K / paths, c, sizeof c);
        fprintf(S->out, OPT_COL, c);
        char mean[32] = "-";
        if (K > 0) snprintf(mean, sizeof mean, "%.2f", mean_t);
        fprintf(S->out, OPT_COL OPT_COL "\n", median ? median : "-", mean);
    }
    if (S->j) sj_end(S->j, ']');
    static const char *const fw[2] = { "mean", "se" };
    int got = load_stats(S, S->st, "pv_option_fees", fw, 2, fees);
    if (got < 0) {
        st = got;
        goto done;
    }
    if (got == 1) {
        size_t n0, n1;
        const double *m = slot_block(&fees[0], slot, &n0), *s = slot_block(&fees[1], slot, &n1);
        if (n0 >= 1 && n1 >= 1 && S->j) {
            sj_obj(S->j, "pv_option_fees");
            sj_num(S->j, "mean", m[0]);
            sj_num(S->j, "se", s[0]);
            sj_end(S->j, '}');
        } else if (n0 >= 1 && n1 >= 1) {
            char c[2][32];
            fmt_value(m[0], "USD", c[0], sizeof c[0]);
            fmt_value(s[0], "USD", c[1], sizeof c[1]);
            fprintf(S->out, "  pv_option_fees (all options, discounted, inside pv_spend): mean %s (SE %s)\n", c[0], c[1]);
        }
        results_var_free(&fees[0]);
        results_var_free(&fees[1]);
    }
    if (S->j)
        sj_end(S->j, '}');
    else
        fprintf(S->out, "  (t: month index, 0 = %s; median: the first month by which half of the exercising paths\n"
                        "   have exercised; - where no path exercises)\n", month[0]);
    st = RESULTS_OK;
done:
    free(cnt);
    hdf5_free_strings(opt, nopt);
    hdf5_free_strings(month, T);
    results_var_free(&nv);
    results_var_free(&ex);
    return st;
}

/* The difference rows of total `name` at variant slot `slot`; *nequal counts the rows
 * whose difference is exactly 0 on every path (shown as "all equal", not as a 0%
 * chance of being better). */
static int print_diff_rows(const sfile *S, const char *name, size_t slot, int *nequal)
{
    static const char *const which[4] = { "mean", "se", "ppos", "pneg" };
    results_var x[4];
    int st = load_stats(S, S->df, name, which, 4, x);
    if (st <= 0) return st;   /* absent: no elements */
    char **lab;
    size_t n = 0, n1 = 0, n2 = 0, n3 = 0, nlab;
    if ((st = element_labels(S, S->df, &x[0], 0, &lab, &nlab)) < 0) {
        for (int i = 0; i < 4; i++) results_var_free(&x[i]);
        return st;
    }
    const results_var *mean = &x[0];
    const double *m = slot_block(&x[0], slot, &n);
    const double *s = slot_block(&x[1], slot, &n1);
    const double *p = slot_block(&x[2], slot, &n2);
    const double *q = slot_block(&x[3], slot, &n3);
    if (nlab != n) {
        hdf5_free_strings(lab, nlab);
        lab = NULL;
    }
    if (S->j) json_open_total(S, name, mean, lab != NULL, 1);
    for (size_t j = 0; j < n && n1 == n && n2 == n && n3 == n; j++) {
        if (S->j) {
            double better = !strcmp(mean->better, "lower") ? q[j] : !strcmp(mean->better, "higher") ? p[j] : NAN;
            int equal = p[j] == 0 && q[j] == 0 && m[j] == 0;
            if (lab) {
                sj_obj(S->j, NULL);
                sj_str(S->j, "label", lab[j]);
            }
            sj_num(S->j, "mean", m[j]);
            sj_num(S->j, "se", s[j]);
            sj_num(S->j, "ppos", p[j]);
            sj_num(S->j, "pneg", q[j]);
            sj_num(S->j, "p_better", equal ? NAN : better);
            sj_bool(S->j, "all_equal", equal);
            sj_bool(S->j, "within_2se", !(fabs(m[j]) > 2 * s[j]));
            if (lab) sj_end(S->j, '}');
            continue;
        }
        char label[64], c[3][32];
        if (lab) snprintf(label, sizeof label, "    %s", lab[j]);
        else snprintf(label, sizeof label, "%s", name);
        fmt_value(m[j], mean->units, c[0], sizeof c[0]);
        fmt_value(s[j], mean->units, c[1], sizeof c[1]);
        double better = !strcmp(mean->better, "lower") ? q[j] : !strcmp(mean->better, "higher") ? p[j] : NAN;
        fmt_prob(better, c[2], sizeof c[2]);
        if (S->has_net && !strncmp(name, "pv_spend", 8) && isfinite(better))
            snprintf(c[2], sizeof c[2], "lower %.1f%%", 100.0 * better);   /* see the top */
        if (p[j] == 0 && q[j] == 0 && m[j] == 0) {   /* neither above nor below 0 on any path */
            snprintf(c[2], sizeof c[2], "all equal");
            (*nequal)++;
        }
        /* A difference within two standard errors of zero is not established by this run. */
        const char *flag = fabs(m[j]) > 2 * s[j] ? "" : "  (within 2 SE)";
        if (lab && j == 0) fprintf(S->out, "    by %s:\n", mean->dimname[mean->rank - 1]);
        fprintf(S->out, DIFF_ROW, label, c[0], c[1], PCOL(S), c[2], s[j] > 0 || m[j] != 0 ? flag : "");
    }
    if (S->j) json_close_total(S, lab != NULL);
    hdf5_free_strings(lab, nlab);
    for (int i = 0; i < 4; i++) results_var_free(&x[i]);
    return RESULTS_OK;
}

/* The verdict on variant slot `slot`: net value, higher is better (docs/MODEL.md 10). Net
 * value counts what served demand was worth against what it cost, so a supplier that
 * delivers less does not look like a saving. 0, or a negative status. */
static int print_verdict(const sfile *S, size_t v)
{
    static const char *const which[3] = { "mean", "se", "ppos" };
    results_var x[3];
    int st = load_stats(S, S->df, "pv_net_value", which, 3, x);
    if (st <= 0) return st;
    size_t n0, n1, n2;
    const double *m = slot_block(&x[0], v - 1, &n0), *s = slot_block(&x[1], v - 1, &n1);
    const double *p = slot_block(&x[2], v - 1, &n2);
    if (n0 >= 1 && n1 >= 1 && n2 >= 1 && S->j) {
        sj_obj(S->j, "verdict");
        sj_str(S->j, "total", "pv_net_value");
        sj_num(S->j, "mean", m[0]);
        sj_num(S->j, "se", s[0]);
        sj_num(S->j, "p_better", p[0]);
        sj_str(S->j, "finding", fabs(m[0]) > 2 * s[0] ? (m[0] > 0 ? "better" : "worse")
                                : m[0] == 0 && s[0] == 0 ? "equal" : "not established");
        sj_end(S->j, '}');
    } else if (n0 >= 1 && n1 >= 1 && n2 >= 1) {
        char c[3][32];
        fmt_value(m[0], "USD", c[0], sizeof c[0]);
        fmt_value(s[0], "USD", c[1], sizeof c[1]);
        fmt_prob(p[0], c[2], sizeof c[2]);
        const char *word = fabs(m[0]) > 2 * s[0] ? (m[0] > 0 ? "is better than" : "is worse than")
                         : m[0] == 0 && s[0] == 0 ? "equals, on every path,"
                         : "is not established (within 2 SE) as better or worse than";
        fprintf(S->out, "  verdict on net value: %s %s %s: mean %s (SE %s), better on %s of paths\n",
                S->variants[v], word, S->variants[0], c[0], c[1], c[2]);
    }
    for (int i = 0; i < 3; i++) results_var_free(&x[i]);
    return RESULTS_OK;
}

static int print_diffs_json(const sfile *S)
{
    int nequal = 0;
    sj_arr(S->j, "differences");
    for (size_t v = 1; v < S->V; v++) {
        sj_obj(S->j, NULL);
        sj_str(S->j, "variant", S->variants[v]);
        sj_str(S->j, "baseline", S->variants[0]);
        sj_obj(S->j, "totals");
        for (size_t k = 0; k < NKEY; k++) {
            int st = print_diff_rows(S, key_totals[k], v - 1, &nequal);
            if (st < 0) return st;
        }
        sj_end(S->j, '}');
        int st = S->has_net ? print_verdict(S, v) : RESULTS_OK;
        if (st < 0) return st;
        sj_end(S->j, '}');
    }
    sj_end(S->j, ']');
    return RESULTS_OK;
}

static int print_diffs(const sfile *S)
{
    if (S->j) return print_diffs_json(S);
    int nequal = 0;
    for (size_t v = 1; v < S->V; v++) {
        fprintf(S->out, "\nPaired difference %s - %s (same random numbers, path by path)\n", S->variants[v], S->variants[0]);
        fprintf(S->out, DIFF_ROW, "total", "mean diff", "SE", PCOL(S), "P(better)", "");
        for (size_t k = 0; k < NKEY; k++) {
            int st = print_diff_rows(S, key_totals[k], v - 1, &nequal);
            if (st < 0) return st;
        }
        int st = S->has_net ? print_verdict(S, v) : RESULTS_OK;
        if (st < 0) return st;
    }
    if (S->has_net)
        fprintf(S->out, "  (P(better): fraction of paths on which the variant is better: lower stranded spend, unmet\n"
               "   demand and value lost; higher revenue, value and net value (value - spend - revenue share).\n"
               "   Spend rows show P(lower) instead: spend also falls when a supplier fails to deliver,\n"
               "   which is no saving; the verdict is on net value, which counts what was not served.)\n");
    else   /* a file from before net value (docs/MODEL.md 10) */
        fprintf(S->out, "  (P(better): fraction of paths on which the variant is better: lower cost, stranded spend,\n"
               "   unmet demand; higher revenue)\n");
    if (S->has_net && hdf5_exists(S->df, "min_cash_mean"))
        fprintf(S->out, "  (min_cash: higher is better; peak_funding_need: lower is better)\n");
    if (nequal)
        fprintf(S->out, "  (all equal: the difference is exactly 0 on every path)\n");
    return RESULTS_OK;
}

/* --- the whole summary -------------------------------------------------------------- */

static int open_sfile(sfile *S, const char *path)
{
    S->st = S->df = H5I_INVALID_HID;
    int st;
    S->f = results_open_status(path, &st, S->err, S->errlen);
    if (S->f < 0) return st;
    /* the layout is checked: what is read from here on is there, of the right shape */
    S->st = H5Gopen2(S->f, "stats", H5P_DEFAULT);
    if (S->st < 0) return sfail(S, results_read_status(), "/stats");
    if ((st = find_quantiles(S)) < 0) return st;
    double v = 1;
    hdf5_read_attr_double(S->f, "variants", &v);
    H5Eclear2(H5E_DEFAULT);
    S->V = v >= 1 && v <= RESULTS_MAX_VARIANTS ? (size_t)v : 1;
    if (S->V > 1) {
        if ((st = results_labels(S->st, "variant", &S->variants, &S->nlab)) < 0) return sfail(S, st, "/stats/variant");
        if (S->nlab != S->V) {
            snprintf(S->err, S->errlen, "%s: damaged results file: /stats/variant: %zu labels for %zu variants", path,
                     S->nlab, S->V);
            return RESULTS_BAD_FILE;
        }
        if (hdf5_exists(S->f, "diff") && (S->df = H5Gopen2(S->f, "diff", H5P_DEFAULT)) < 0)
            return sfail(S, results_read_status(), "/diff");
        S->has_net = S->df >= 0 && hdf5_exists(S->df, "pv_net_value_mean");
    }
    return RESULTS_OK;
}

static void close_sfile(sfile *S)
{
    hdf5_free_strings(S->variants, S->nlab);
    if (S->df >= 0) H5Gclose(S->df);
    if (S->st >= 0) H5Gclose(S->st);
    if (S->f >= 0) H5Fclose(S->f);
}

static int print_all(sfile *S, const char *path)
{
    int st = open_sfile(S, path);
    if (st < 0) return st;
    if (S->j) sj_obj(S->j, NULL);
    print_provenance(S, path);
    if (S->j) sj_arr(S->j, "variants");
    for (size_t v = 0; v < S->V; v++) {
        if (S->j) {
            char *name = S->V > 1 ? NULL : results_attr_str(S->f, "scenario_name");
            H5Eclear2(H5E_DEFAULT);
            sj_obj(S->j, NULL);
            sj_str(S->j, "label", S->V > 1 ? S->variants[v] : name);
            sj_bool(S->j, "baseline", v == 0);
            free(name);
        } else if (S->V > 1) {
            fprintf(S->out, "\n=== variant %s%s ===\n", S->variants[v], v ? "" : " (baseline)");
        }
        if ((st = print_key_totals(S, v)) < 0 || (st = print_by_year(S, v)) < 0 || (st = print_options(S, v)) < 0)
            return st;
        if (S->j) sj_end(S->j, '}');
    }
    if (S->j) sj_end(S->j, ']');
    if (S->V > 1 && S->df >= 0 && (st = print_diffs(S)) < 0) return st;
    /* capsim optimize: the frontier of its search (nothing for other files) */
    st = summary_optimize_print(S->f, path, S->out, S->j, S->err, S->errlen);
    if (S->j) sj_end(S->j, '}');
    return st;
}

int summary_print(const char *path, FILE *out, char *err, size_t errlen)
{
    return summary_print_opts(path, out, 0, err, errlen);
}

int summary_print_opts(const char *path, FILE *out, int json, char *err, size_t errlen)
{
    sfile S;
    summary_json j;
    memset(&S, 0, sizeof S);
    S.path = path;
    S.err = err;
    S.errlen = errlen;
    S.st = S.df = S.f = H5I_INVALID_HID;
    if (errlen) err[0] = 0;
    /* The tables are made in memory and written when complete: a file that fails half-way
     * prints nothing. */
    char *buf = NULL;
    size_t len = 0;
    S.out = open_memstream(&buf, &len);
    if (!S.out) {
        snprintf(err, errlen, "out of memory");
        return RESULTS_IO;
    }
    if (json) {
        sj_init(&j, S.out);
        S.j = &j;
    }
    int st = print_all(&S, path);
    close_sfile(&S);
    if (fclose(S.out) != 0 && st == RESULTS_OK) {
        snprintf(err, errlen, "out of memory");
        st = RESULTS_IO;
    }
    if (st == RESULTS_OK) fwrite(buf, 1, len, out);
    free(buf);
    return st;
}
