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
 *                standard error and the probability that the variant is better.
 *
 * Numbers are for people: $12.3B, 1.23M H100e; `capsim export` gives full precision.
 */
#include "summary.h"
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
};
#define NKEY (sizeof key_totals / sizeof key_totals[0])

typedef struct {
    hid_t f, st, df;       /* file, /stats, /diff (-1 when absent) */
    size_t V;              /* variants */
    char **variants;       /* V labels (NULL for a plain run) */
    size_t nlab;
    int q05, q50, q95;     /* positions on the quantile axis */
    FILE *out;             /* where the tables go */
} sfile;

/* --- formatting --------------------------------------------------------------------- */

/* Table rows: columns are always separated by two or more spaces (values may contain
 * one: "1.23M H100e"), so that scripts can split them. */
#define ROW5 "  %-26s  %14s  %14s  %14s  %14s  %14s\n"
#define YEAR_HDR "  %-6s  %6s  %14s  %14s  %16s  %12s\n"
#define YEAR_ROW "  %-6d  %6zu  %14s  %14s  %16s  %12s\n"
#define DIFF_ROW "  %-26s  %14s  %14s  %10s%s\n"

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

/* Load NAME_stat of group g (0), or report that it is absent (-1). */
static int load_stat(hid_t g, const char *name, const char *stat, results_var *x)
{
    char full[256];
    snprintf(full, sizeof full, "%s_%s", name, stat);
    if (!hdf5_exists(g, full)) {
        memset(x, 0, sizeof *x);
        return -1;
    }
    return results_var_load(g, full, 1, x);
}

static int find_quantiles(sfile *S)
{
    double *q;
    size_t n;
    if (hdf5_read_doubles(S->st, "quantile", &q, &n) < 0) return -1;
    S->q05 = S->q50 = S->q95 = -1;
    for (size_t i = 0; i < n; i++) {
        if (fabs(q[i] - 0.05) < 1e-9) S->q05 = (int)i;
        if (fabs(q[i] - 0.50) < 1e-9) S->q50 = (int)i;
        if (fabs(q[i] - 0.95) < 1e-9) S->q95 = (int)i;
    }
    free(q);
    return S->q05 < 0 || S->q50 < 0 || S->q95 < 0 ? -1 : 0;
}

/* Labels of the last (own) dimension of x in group g; NULL when x has none beyond
 * variant/time. */
static char **element_labels(hid_t g, const results_var *x, int qdim, size_t *n)
{
    *n = 0;
    int last = x->rank - 1 - (qdim ? 1 : 0);
    if (last < 0) return NULL;
    const char *dn = x->dimname[last];
    if (!strcmp(dn, "variant") || !strcmp(dn, "time") || !*dn) return NULL;
    char **lab;
    if (results_labels(g, dn, &lab, n) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return NULL;
    }
    return lab;
}

/* --- tables ------------------------------------------------------------------------- */

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
    fprintf(S->out, "capsim summary of %s\n", path);
    fprintf(S->out, "  scenario   %s%s%s%s, from %s for %.0f months, discount rate %.3g%%/yr\n", name ? name : "",
           src && *src ? " (" : "", src ? src : "", src && *src ? ")" : "", start ? start : "?", months,
           100.0 * rate);
    fprintf(S->out, "  run        capsim %s: %.0f paths per variant, seed %llu, sampling %s, %.0f thread(s) x %.0f rank(s), "
           "%.1f s, stop: %s\n",
           cmd ? cmd : "?", paths, seed, sampling && *sampling ? sampling : "?", threads, ranks, wall,
           stop && *stop ? stop : "?");
    fprintf(S->out, "  made by    capsim %s (git %s), %s\n", ver ? ver : "?", git ? git : "?", created ? created : "?");
    if (S->V > 1) {
        fprintf(S->out, "  variants   ");
        for (size_t v = 0; v < S->V; v++) fprintf(S->out, "%s%s%s", v ? ", " : "", S->variants[v], v ? "" : " (baseline)");
        fprintf(S->out, "\n");
    }
    free(name); free(src); free(start); free(cmd); free(sampling); free(stop); free(ver); free(git); free(created);
}

/* Rows of one total (one per element when it has a dimension) for variant slot. */
static void print_total_rows(const sfile *S, const char *name, size_t slot)
{
    results_var mean, se, q;
    if (load_stat(S->st, name, "mean", &mean) < 0) return;
    if (load_stat(S->st, name, "se", &se) < 0 || load_stat(S->st, name, "q", &q) < 0) {
        results_var_free(&mean);
        results_var_free(&se);
        return;
    }
    size_t n, nse, nq, nlab;
    const double *m = slot_block(&mean, slot, &n), *s = slot_block(&se, slot, &nse), *qq = slot_block(&q, slot, &nq);
    char **lab = element_labels(S->st, &mean, 0, &nlab);
    if (nlab != n) {
        hdf5_free_strings(lab, nlab);
        lab = NULL;
    }
    for (size_t j = 0; j < n && nse == n && nq >= 9 * n; j++) {
        char label[64], c[5][32];
        if (lab) snprintf(label, sizeof label, "    %s", lab[j]);
        else snprintf(label, sizeof label, "%s", name);
        fmt_value(m[j], mean.units, c[0], sizeof c[0]);
        fmt_value(s[j], mean.units, c[1], sizeof c[1]);
        size_t nqq = nq / n;
        fmt_value(qq[j * nqq + (size_t)S->q05], mean.units, c[2], sizeof c[2]);
        fmt_value(qq[j * nqq + (size_t)S->q50], mean.units, c[3], sizeof c[3]);
        fmt_value(qq[j * nqq + (size_t)S->q95], mean.units, c[4], sizeof c[4]);
        if (lab && j == 0) fprintf(S->out, "    by %s:\n", mean.dimname[mean.rank - 1]);
        fprintf(S->out, ROW5, label, c[0], c[1], c[2], c[3], c[4]);
    }
    hdf5_free_strings(lab, nlab);
    results_var_free(&mean);
    results_var_free(&se);
    results_var_free(&q);
}

static void print_key_totals(const sfile *S, size_t slot)
{
    double rate = NAN;
    hdf5_read_attr_double(S->f, "discount_rate", &rate);
    H5Eclear2(H5E_DEFAULT);
    fprintf(S->out, "\nKey totals over the horizon (pv_: present values at %.3g%%/yr)\n", 100.0 * rate);
    fprintf(S->out, ROW5, "total", "mean", "SE", "P5", "P50", "P95");
    for (size_t k = 0; k < NKEY; k++) print_total_rows(S, key_totals[k], slot);
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

static void print_by_year(const sfile *S, size_t slot)
{
    char **month;
    size_t T;
    if (hdf5_read_strings(S->st, "month", &month, &T) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    results_var spend, spot, td, unmet, ppos;
    load_stat(S->st, "spend", "mean", &spend);
    load_stat(S->st, "spot_spend", "mean", &spot);
    load_stat(S->st, "turned_down_revenue", "mean", &td);
    load_stat(S->st, "unmet", "mean", &unmet);
    load_stat(S->st, "unmet", "ppos", &ppos);
    fprintf(S->out, "\nBy calendar year (spend and turned-down revenue: expected totals; unmet: mean of the months)\n");
    fprintf(S->out, YEAR_HDR, "year", "months", "spend", "turned down", "unmet H100e", "max P(short)");
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
        char c[4][32];
        fmt_value(sp, "USD", c[0], sizeof c[0]);
        fmt_value(tdr, "USD", c[1], sizeof c[1]);
        fmt_value(un / (double)(t1 - t0), "H100e", c[2], sizeof c[2]);
        fmt_prob(pmax, c[3], sizeof c[3]);
        fprintf(S->out, YEAR_ROW, year, t1 - t0, c[0], c[1], c[2], c[3]);
        t0 = t1;
    }
    fprintf(S->out, "  (max P(short): the largest probability, over the year's months and the segments, that demand\n"
           "   went unmet in that month)\n");
    results_var_free(&spend);
    results_var_free(&spot);
    results_var_free(&td);
    results_var_free(&unmet);
    results_var_free(&ppos);
    hdf5_free_strings(month, T);
}

static void print_diff_rows(const sfile *S, const char *name, size_t slot)
{
    results_var mean, se, pp, pn;
    if (load_stat(S->df, name, "mean", &mean) < 0) return;
    int ok = load_stat(S->df, name, "se", &se) == 0;
    ok &= load_stat(S->df, name, "ppos", &pp) == 0;
    ok &= load_stat(S->df, name, "pneg", &pn) == 0;
    size_t n = 0, n1 = 0, n2 = 0, n3 = 0, nlab;
    const double *m = slot_block(&mean, slot, &n);
    const double *s = ok ? slot_block(&se, slot, &n1) : NULL;
    const double *p = ok ? slot_block(&pp, slot, &n2) : NULL;
    const double *q = ok ? slot_block(&pn, slot, &n3) : NULL;
    char **lab = element_labels(S->df, &mean, 0, &nlab);
    if (nlab != n) {
        hdf5_free_strings(lab, nlab);
        lab = NULL;
    }
    for (size_t j = 0; ok && j < n && n1 == n && n2 == n && n3 == n; j++) {
        char label[64], c[3][32];
        if (lab) snprintf(label, sizeof label, "    %s", lab[j]);
        else snprintf(label, sizeof label, "%s", name);
        fmt_value(m[j], mean.units, c[0], sizeof c[0]);
        fmt_value(s[j], mean.units, c[1], sizeof c[1]);
        double better = !strcmp(mean.better, "lower") ? q[j] : !strcmp(mean.better, "higher") ? p[j] : NAN;
        fmt_prob(better, c[2], sizeof c[2]);
        /* A difference within two standard errors of zero is not established by this run. */
        const char *flag = fabs(m[j]) > 2 * s[j] ? "" : "  (within 2 SE)";
        if (lab && j == 0) fprintf(S->out, "    by %s:\n", mean.dimname[mean.rank - 1]);
        fprintf(S->out, DIFF_ROW, label, c[0], c[1], c[2], s[j] > 0 || m[j] != 0 ? flag : "");
    }
    hdf5_free_strings(lab, nlab);
    results_var_free(&mean);
    if (ok) {
        results_var_free(&se);
        results_var_free(&pp);
        results_var_free(&pn);
    }
}

static void print_diffs(const sfile *S)
{
    for (size_t v = 1; v < S->V; v++) {
        fprintf(S->out, "\nPaired difference %s - %s (same random numbers, path by path)\n", S->variants[v], S->variants[0]);
        fprintf(S->out, DIFF_ROW, "total", "mean diff", "SE", "P(better)", "");
        for (size_t k = 0; k < NKEY; k++) print_diff_rows(S, key_totals[k], v - 1);
    }
    fprintf(S->out, "  (P(better): fraction of paths on which the variant is better: lower cost, stranded spend,\n"
           "   unmet demand; higher revenue)\n");
}

/* --- the whole summary -------------------------------------------------------------- */

static int open_sfile(sfile *S, const char *path, char *err, size_t errlen)
{
    S->st = S->df = H5I_INVALID_HID;
    S->f = results_open(path, err, errlen);
    if (S->f < 0) return -1;
    S->st = H5Gopen2(S->f, "stats", H5P_DEFAULT);
    if (S->st < 0 || find_quantiles(S) < 0) {
        snprintf(err, errlen, "%s: /stats has no quantile coordinate", path);
        return -1;
    }
    double v = 1;
    hdf5_read_attr_double(S->f, "variants", &v);
    H5Eclear2(H5E_DEFAULT);
    S->V = v >= 1 ? (size_t)v : 1;
    if (S->V > 1) {
        if (results_labels(S->st, "variant", &S->variants, &S->nlab) < 0 || S->nlab != S->V) {
            snprintf(err, errlen, "%s: variant labels missing", path);
            return -1;
        }
        if (hdf5_exists(S->f, "diff")) S->df = H5Gopen2(S->f, "diff", H5P_DEFAULT);
    }
    return 0;
}

static void close_sfile(sfile *S)
{
    hdf5_free_strings(S->variants, S->nlab);
    if (S->df >= 0) H5Gclose(S->df);
    if (S->st >= 0) H5Gclose(S->st);
    if (S->f >= 0) H5Fclose(S->f);
}

int summary_print(const char *path, FILE *out, char *err, size_t errlen)
{
    sfile S;
    memset(&S, 0, sizeof S);
    S.out = out;
    if (open_sfile(&S, path, err, errlen) < 0) {
        close_sfile(&S);
        return -1;
    }
    print_provenance(&S, path);
    for (size_t v = 0; v < S.V; v++) {
        if (S.V > 1) fprintf(out, "\n=== variant %s%s ===\n", S.variants[v], v ? "" : " (baseline)");
        print_key_totals(&S, v);
        print_by_year(&S, v);
    }
    if (S.V > 1 && S.df >= 0) print_diffs(&S);
    close_sfile(&S);
    return 0;
}
