/* optimize: see optimize.h. */
#include "optimize.h"
#include "evaluate.h"

#include "models/model.h"
#include "sim/engine/progress.h"
#include "sim/scenario/loader.h"
#include "sim/stats/exact.h"

#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

scenario *opt_candidate(const opt_job *job, const double *x, uint64_t seed, char *err, size_t errlen)
{
    const optspec *sp = job->spec;
    size_t n = job->nsets + (x ? sp->ndec : 0);
    const char **sets = calloc(n ? n : 1, sizeof *sets);
    char *buf = malloc((sp->ndec ? sp->ndec : 1) * (KEYPATH_MAX + 40));
    scenario *sc = NULL;
    if (sets && buf) {
        for (size_t k = 0; k < job->nsets; k++) sets[k] = job->sets[k];
        for (size_t j = 0; x && j < sp->ndec; j++) {
            char *s = buf + j * (KEYPATH_MAX + 40);
            snprintf(s, KEYPATH_MAX + 40, "%s=%.17g", sp->dec[j].key, x[j]);
            sets[job->nsets + j] = s;
        }
        char *msg = NULL;
        size_t mlen = 0;
        FILE *f = open_memstream(&msg, &mlen);
        int nerr = 0;
        sc = loader_load_text(job->base->text, strlen(job->base->text), job->base->source_path, sets, n, f, &nerr);
        if (f) fclose(f);
        if (!sc) {
            const char *m = msg ? msg : "";
            const char *nl = strchr(m, '\n');
            snprintf(err, errlen, "the scenario with the candidate's values does not load: %.*s",
                     (int)(nl ? nl - m : (long)strlen(m)), m);
        }
        free(msg);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    if (sc) {
        sc->seed = seed;
        sc->paths = (long)job->paths;
    }
    free(buf);
    free(sets);
    return sc;
}

/* The 5% tail quantile that the shortfall of exact.h starts from: the ceil(m)-th smallest
 * (lower) or largest (upper) of sorted x, m = 0.05 n. */
static double tail_threshold(const double *x, size_t n, int hi)
{
    double m = EXACT_ES_LEVEL * (double)n;
    size_t k = (size_t)ceil(m);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return hi ? x[n - k] : x[k - 1];
}

/* The objective and SE for weight w from x sorted ascending, its mean (in path order) and
 * the shortfall of its tail es. */
static void objective_sorted(const double *x, size_t n, double mean, double es, double w, int hi, double *obj,
                             double *se)
{
    *obj = mean + w * es;
    if (n < 2) {
        *se = NAN;
        return;
    }
    double t = tail_threshold(x, n, hi), zs = 0.0, zss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - t;
        zs += x[i] + w * (t + (hi ? fmax(d, 0.0) : fmin(d, 0.0)) / EXACT_ES_LEVEL);
    }
    double zm = zs / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - t;
        double z = x[i] + w * (t + (hi ? fmax(d, 0.0) : fmin(d, 0.0)) / EXACT_ES_LEVEL);
        zss += (z - zm) * (z - zm);
    }
    *se = sqrt(zss / (double)(n - 1) / (double)n);
}

static double mean_of(const double *x, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += x[i];
    return sum / (double)n;
}

void opt_objective_se(double *x, size_t n, double w, int hi, double *obj, double *se)
{
    double mean = mean_of(x, n);
    exact_stats es;
    exact_column(x, n, &es);
    objective_sorted(x, n, mean, hi ? es.es_hi : es.es_lo, w, hi, obj, se);
}

/* ---- the search state ---- */

typedef struct {
    const opt_job *job;
    opt_result *res;
    size_t nw, nd, nc;
    int totals[1 + OPT_MAX_CONSTRAINTS];   /* distinct totals to keep: [0] the objective's */
    size_t nt;
    size_t con_col[OPT_MAX_CONSTRAINTS];    /* column of each constraint's total */
    double *cols;                           /* nt x paths: sorted in place once used */
    progress pr;
    uint64_t done_before, work_total;
    char *err;
    size_t errlen;
    int failed, exhausted;
    size_t new_evals, eval_cap;             /* Nelder-Mead: this weight's new points, its share */
    size_t w;                               /* the weight Nelder-Mead is minimising for */
    double scale;                           /* penalty scale */
    double start[OPT_MAX_DECISIONS];
} search;

static void on_paths(void *ctx, uint64_t n)
{
    search *s = ctx;
    progress_update(&s->pr, s->done_before + n);
}

static int grow(search *s)
{
    opt_result *r = s->res;
    if (r->npoints < r->cap) return 0;
    size_t cap = r->cap ? 2 * r->cap : 64;
#define GROW(p, per) do { void *q_ = realloc((p), cap * (per) * sizeof *(p)); if (!q_) return -1; (p) = q_; } while (0)
    GROW(r->points, s->nd);
    GROW(r->objective_in, s->nw);
    GROW(r->mean, 1);
    GROW(r->es, 1);
    GROW(r->constraint, s->nc ? s->nc : 1);
    GROW(r->feasible, 1);
#undef GROW
    r->cap = cap;
    return 0;
}

/* The statistic of constraint c from its column x, already sorted ascending, with the
 * column's mean and sd (computed in path order before the sort) and exact statistics. */
static double con_stat(const opt_constraint *c, const double *x, size_t n, double mean, double sd,
                       const exact_stats *es)
{
    switch (c->stat) {
    case OPT_STAT_MEAN: return mean;
    case OPT_STAT_SD: return sd;
    case OPT_STAT_Q: return exact_quantile_sorted(x, n, c->q);
    case OPT_STAT_ES_LO: return es->es_lo;
    case OPT_STAT_ES_HI: return es->es_hi;
    case OPT_STAT_PPOS: return es->ppos;
    case OPT_STAT_PNEG: return es->pneg;
    default: return NAN;
    }
}

/* x clamped into the box and rounded to the step. */
static void snap(const optspec *sp, const double *in, double *x)
{
    for (size_t j = 0; j < sp->ndec; j++) {
        const opt_decision *d = &sp->dec[j];
        double v = fmin(fmax(in[j], d->min), d->max);
        if (d->step > 0) {
            double k = nearbyint((v - d->min) / d->step);
            v = d->min + k * d->step;
            if (v > d->max) v = d->max;
        }
        x[j] = v;
    }
}

/* The index of point x (snapped) in res: evaluated now if new. -1 on failure, -2 when the
 * budget (or this weight's share of it) is spent. */
static long point_of(search *s, const double *xin)
{
    const optspec *sp = s->job->spec;
    opt_result *r = s->res;
    double x[OPT_MAX_DECISIONS];
    snap(sp, xin, x);
    for (size_t i = 0; i < r->npoints; i++)
        if (memcmp(r->points + i * s->nd, x, s->nd * sizeof *x) == 0) return (long)i;
    if (r->npoints >= s->job->budget || (s->eval_cap && s->new_evals >= s->eval_cap)) {
        s->exhausted = 1;
        return -2;
    }
    if (grow(s) != 0) {
        snprintf(s->err, s->errlen, "out of memory");
        s->failed = 1;
        return -1;
    }
    scenario *sc = opt_candidate(s->job, x, s->job->seed, s->err, s->errlen);
    if (!sc) {
        s->failed = 1;
        return -1;
    }
    uint64_t n = s->job->paths;
    int rc = opt_eval(sc, n, s->job->threads, s->totals, s->nt, s->cols, on_paths, s, s->err, s->errlen);
    scenario_free(sc);
    if (rc != 0) {
        s->failed = 1;
        return -1;
    }
    s->done_before += n;
    size_t i = r->npoints++;
    s->new_evals++;
    memcpy(r->points + i * s->nd, x, s->nd * sizeof *x);
    /* Each column's mean and sd in path order, then the column sorted in place for its
     * exact statistics (no copy: memory stays one column per total). */
    double mean[1 + OPT_MAX_CONSTRAINTS], sd[1 + OPT_MAX_CONSTRAINTS];
    exact_stats es[1 + OPT_MAX_CONSTRAINTS];
    for (size_t k = 0; k < s->nt; k++) {
        double *col = s->cols + k * n, ss = 0.0;
        mean[k] = mean_of(col, n);
        for (size_t p = 0; p < n; p++) ss += (col[p] - mean[k]) * (col[p] - mean[k]);
        sd[k] = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
        exact_column(col, n, &es[k]);
    }
    r->mean[i] = mean[0];
    r->es[i] = sp->measure_hi ? es[0].es_hi : es[0].es_lo;
    for (size_t w = 0; w < s->nw; w++) r->objective_in[i * s->nw + w] = r->mean[i] + sp->weights[w] * r->es[i];
    int feas = 1;
    for (size_t c = 0; c < s->nc; c++) {
        const opt_constraint *cc = &sp->cons[c];
        size_t k = s->con_col[c];
        double v = con_stat(cc, s->cols + k * n, n, mean[k], sd[k], &es[k]);
        r->constraint[i * s->nc + c] = v;
        if (!(v == v) || (cc->has_max && v > cc->max) || (cc->has_min && v < cc->min)) feas = 0;
    }
    r->feasible[i] = feas;
    return (long)i;
}

/* better: a beats b for weight w (maximize: higher). */
static int better(const search *s, double a, double b)
{
    return s->job->spec->maximize ? a > b : a < b;
}

/* ---- grid ---- */

static size_t grid_size(const optspec *sp, size_t cap)
{
    size_t total = 1;
    for (size_t j = 0; j < sp->ndec; j++) {
        if (!(sp->dec[j].step > 0)) return 0;
        double k = nearbyint((sp->dec[j].max - sp->dec[j].min) / sp->dec[j].step) + 1;
        if (k > (double)cap || (double)total * k > (double)cap) return 0;
        total *= (size_t)k;
    }
    return total;
}

static void run_grid(search *s)
{
    const optspec *sp = s->job->spec;
    size_t idx[OPT_MAX_DECISIONS] = { 0 }, len[OPT_MAX_DECISIONS];
    for (size_t j = 0; j < sp->ndec; j++)
        len[j] = (size_t)nearbyint((sp->dec[j].max - sp->dec[j].min) / sp->dec[j].step) + 1;
    for (;;) {
        double x[OPT_MAX_DECISIONS];
        for (size_t j = 0; j < sp->ndec; j++)
            x[j] = idx[j] + 1 == len[j] ? sp->dec[j].max : sp->dec[j].min + (double)idx[j] * sp->dec[j].step;
        if (point_of(s, x) < 0) return;
        size_t j = sp->ndec;   /* the last decision moves fastest */
        while (j > 0 && ++idx[j - 1] == len[j - 1]) idx[--j] = 0;
        if (j == 0) return;
    }
}

/* ---- Nelder-Mead, in coordinates u in [0, 1] per decision ---- */

static double loss(const gsl_vector *u, void *params)
{
    search *s = params;
    const optspec *sp = s->job->spec;
    double x[OPT_MAX_DECISIONS], outside = 0.0;
    for (size_t j = 0; j < s->nd; j++) {
        double uj = gsl_vector_get(u, j);
        double cu = fmin(fmax(uj, 0.0), 1.0);
        outside += fabs(uj - cu);
        x[j] = sp->dec[j].min + cu * (sp->dec[j].max - sp->dec[j].min);
    }
    long i = point_of(s, x);
    if (i < 0) return GSL_NAN;   /* stops the minimiser: budget spent or a failure */
    const opt_result *r = s->res;
    double j = r->objective_in[(size_t)i * s->nw + s->w];
    double f = sp->maximize ? -j : j;
    double viol = 0.0;
    for (size_t c = 0; c < s->nc; c++) {
        const opt_constraint *cc = &sp->cons[c];
        double v = r->constraint[(size_t)i * s->nc + c];
        if (!(v == v)) viol += 1.0;
        else if (cc->has_max && v > cc->max) viol += (v - cc->max) / fmax(fabs(cc->max), 1e-12);
        else if (cc->has_min && v < cc->min) viol += (cc->min - v) / fmax(fabs(cc->min), 1e-12);
    }
    if (!r->feasible[i]) f += 100.0 * s->scale * (1.0 + viol);
    return f + s->scale * outside;
}

static void nm_once(search *s, const double *u0, double step)
{
    size_t nd = s->nd;
    const gsl_multimin_fminimizer_type *T = gsl_multimin_fminimizer_nmsimplex2;
    gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(T, nd);
    gsl_vector *x = gsl_vector_alloc(nd), *ss = gsl_vector_alloc(nd);
    if (!m || !x || !ss) {
        snprintf(s->err, s->errlen, "out of memory");
        s->failed = 1;
    } else {
        for (size_t j = 0; j < nd; j++) {
            gsl_vector_set(x, j, u0[j]);
            const opt_decision *d = &s->job->spec->dec[j];
            double st = step;
            if (d->step > 0) st = fmax(st, d->step / (d->max - d->min));
            gsl_vector_set(ss, j, u0[j] + st > 1.0 ? -st : st);
        }
        gsl_multimin_function f = { loss, nd, s };
        if (gsl_multimin_fminimizer_set(m, &f, x, ss) == GSL_SUCCESS) {
            for (int it = 0; it < 10000 && !s->failed && !s->exhausted; it++) {
                if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS) break;
                if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-4) == GSL_SUCCESS) break;
            }
        }
    }
    if (m) gsl_multimin_fminimizer_free(m);
    if (x) gsl_vector_free(x);
    if (ss) gsl_vector_free(ss);
}

/* The best feasible point for weight w among those evaluated; -1 when none. */
static long best_for(const search *s, size_t w)
{
    const opt_result *r = s->res;
    long best = -1;
    for (size_t i = 0; i < r->npoints; i++) {
        if (!r->feasible[i]) continue;
        double v = r->objective_in[i * s->nw + w];
        if (!(v == v)) continue;
        if (best < 0 || better(s, v, r->objective_in[(size_t)best * s->nw + w])) best = (long)i;
    }
    return best;
}

/* The best point for weight w by the minimiser's own loss (feasible or not): a restart's
 * origin. */
static void run_nelder_mead(search *s)
{
    const optspec *sp = s->job->spec;
    double u0[OPT_MAX_DECISIONS];
    for (size_t j = 0; j < s->nd; j++) {
        const opt_decision *d = &sp->dec[j];
        u0[j] = fmin(fmax((d->base - d->min) / (d->max - d->min), 0.0), 1.0);
    }
    /* The penalty scale: the objective total's spread at the starting point. */
    double x0[OPT_MAX_DECISIONS];
    for (size_t j = 0; j < s->nd; j++) x0[j] = sp->dec[j].min + u0[j] * (sp->dec[j].max - sp->dec[j].min);
    long i0 = point_of(s, x0);
    if (i0 < 0) return;
    s->scale = fmax(fmax(fabs(s->res->mean[i0]), fabs(s->res->mean[i0] - s->res->es[i0])), 1.0);
    for (size_t w = 0; w < s->nw && !s->failed; w++) {
        s->w = w;
        size_t left = s->job->budget - s->res->npoints;
        s->eval_cap = left / (s->nw - w);
        if (s->eval_cap == 0) break;
        s->new_evals = 0;
        s->exhausted = 0;
        /* from the scenario's own values, then restarts from the best point found with a
         * smaller simplex, while they find something better and the share lasts */
        nm_once(s, u0, 0.25);
        double step = 0.1;
        for (int restart = 0; restart < 3 && !s->failed && !s->exhausted; restart++, step /= 2) {
            long b = best_for(s, w);
            if (b < 0) break;
            size_t before = s->res->npoints;
            double ub[OPT_MAX_DECISIONS];
            for (size_t j = 0; j < s->nd; j++)
                ub[j] = (s->res->points[(size_t)b * s->nd + j] - sp->dec[j].min) / (sp->dec[j].max - sp->dec[j].min);
            nm_once(s, ub, step);
            if (best_for(s, w) == b && s->res->npoints == before) break;
        }
    }
    s->eval_cap = 0;
    s->exhausted = 0;
}

void opt_result_free(opt_result *r)
{
    free(r->points);
    free(r->objective_in);
    free(r->mean);
    free(r->es);
    free(r->constraint);
    free(r->feasible);
    free(r->chosen);
    free(r->chosen_point);
    free(r->obj_in_chosen);
    free(r->obj_out);
    free(r->obj_out_se);
    free(r->obj_base);
    free(r->obj_base_se);
    memset(r, 0, sizeof *r);
}

/* The objective total on the fresh paths of candidate x (NULL: the scenario itself), for
 * every weight: obj[w], se[w]. */
static int out_of_sample(search *s, const double *x, double *obj, double *se)
{
    const opt_job *job = s->job;
    scenario *sc = opt_candidate(job, x, s->res->seed_out, s->err, s->errlen);
    if (!sc) return -1;
    int tot = s->totals[0];
    int rc = opt_eval(sc, job->paths, job->threads, &tot, 1, s->cols, on_paths, s, s->err, s->errlen);
    scenario_free(sc);
    if (rc != 0) return -1;
    s->done_before += job->paths;
    size_t n = job->paths;
    int hi = job->spec->measure_hi;
    double mean = mean_of(s->cols, n);
    exact_stats es;
    exact_column(s->cols, n, &es);
    for (size_t w = 0; w < s->nw; w++)
        objective_sorted(s->cols, n, mean, hi ? es.es_hi : es.es_lo, job->spec->weights[w], hi, &obj[w], &se[w]);
    return 0;
}

int opt_run(const opt_job *job, opt_result *res, char *err, size_t errlen)
{
    const optspec *sp = job->spec;
    memset(res, 0, sizeof *res);
    search s;
    memset(&s, 0, sizeof s);
    s.job = job;
    s.res = res;
    s.nw = sp->nweights;
    s.nd = sp->ndec;
    s.nc = sp->ncons;
    s.err = err;
    s.errlen = errlen;
    s.totals[s.nt++] = sp->total;
    for (size_t c = 0; c < s.nc; c++) {
        size_t k = 0;
        while (k < s.nt && s.totals[k] != sp->cons[c].total) k++;
        if (k == s.nt) s.totals[s.nt++] = sp->cons[c].total;
        s.con_col[c] = k;
    }
    uint64_t n = job->paths;
    s.cols = malloc(s.nt * n * sizeof *s.cols);
    res->seed_out = job->seed + OPT_SEED_OUT_OFFSET;
    res->chosen = malloc(s.nw * s.nd * sizeof *res->chosen);
    res->chosen_point = malloc(s.nw * sizeof *res->chosen_point);
    res->obj_in_chosen = malloc(s.nw * sizeof(double));
    res->obj_out = malloc(s.nw * sizeof(double));
    res->obj_out_se = malloc(s.nw * sizeof(double));
    res->obj_base = malloc(s.nw * sizeof(double));
    res->obj_base_se = malloc(s.nw * sizeof(double));
    if (!s.cols || !res->chosen || !res->chosen_point || !res->obj_in_chosen || !res->obj_out ||
        !res->obj_out_se || !res->obj_base || !res->obj_base_se) {
        snprintf(err, errlen, "out of memory");
        s.failed = 1;
    }
    size_t gsize = grid_size(sp, job->budget);
    res->grid = gsize > 0;
    size_t evals = res->grid ? gsize : job->budget;
    progress_start(&s.pr, (uint64_t)(evals + s.nw + 1) * n, job->quiet);
    if (!s.failed) {
        if (res->grid) run_grid(&s);
        else run_nelder_mead(&s);
    }
    for (size_t w = 0; !s.failed && w < s.nw; w++) {
        long b = best_for(&s, w);
        res->chosen_point[w] = b;
        res->obj_in_chosen[w] = b < 0 ? NAN : res->objective_in[(size_t)b * s.nw + w];
        res->obj_out[w] = res->obj_out_se[w] = NAN;
        for (size_t j = 0; j < s.nd; j++) res->chosen[w * s.nd + j] = b < 0 ? NAN : res->points[(size_t)b * s.nd + j];
    }
    /* Out of sample: each distinct chosen point once, then the scenario itself. */
    double *o = malloc(s.nw * sizeof *o), *e = malloc(s.nw * sizeof *e);
    if (!o || !e) {
        snprintf(err, errlen, "out of memory");
        s.failed = 1;
    }
    for (size_t w = 0; !s.failed && w < s.nw; w++) {
        if (res->chosen_point[w] < 0 || res->obj_out[w] == res->obj_out[w]) continue;
        if (out_of_sample(&s, res->points + (size_t)res->chosen_point[w] * s.nd, o, e) != 0) {
            s.failed = 1;
            break;
        }
        for (size_t v = w; v < s.nw; v++)
            if (res->chosen_point[v] == res->chosen_point[w]) {
                res->obj_out[v] = o[v];
                res->obj_out_se[v] = e[v];
            }
    }
    if (!s.failed && out_of_sample(&s, NULL, res->obj_base, res->obj_base_se) != 0) s.failed = 1;
    progress_finish(&s.pr, s.done_before);
    free(o);
    free(e);
    free(s.cols);
    if (s.failed) {
        opt_result_free(res);
        return -1;
    }
    return 0;
}
