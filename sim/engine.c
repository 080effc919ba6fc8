/*
 * engine: see engine.h. The structure follows OpenMC's simulation loop: init, a loop
 * over batches of paths, finalise.
 *
 * Variants may differ in their clouds, segments, contracts and uncertain values
 * (compare A with B where B adds a contract). Their rows are scattered into one common
 * layout whose dimensions are the union of the variants' names in order of first
 * appearance; an element a variant does not have stays 0 (a contract that does not
 * exist spends nothing). The uncertain values are likewise the union of key paths (NaN
 * where a variant lacks one).
 *
 * Sensitivity needs the rank of each path's totals among all paths, known only at the
 * end. To keep memory flat in the number of paths, each path's totals and the uniforms
 * of its sampled values go to a spill file; a second pass reads it back in batches and
 * correlates the totals' CDF values (from the final quantile sketch: stats_cdf) with
 * the uniforms (the exact CDF values of the sampled values). The same pass correlates
 * each calendar year's unmet H100e-hours and spend with the sampled values, so a user
 * sees which uncertainty matters in which year.
 *
 * With `sampling: saltelli` every path i is also run on the paired matrix B (a second,
 * independent draw of every uncertain value, keyed by "KEYPATH#saltelli-B") and on each
 * AB_j (path i's values with value j from B), with the same monthly shocks; the totals
 * feed the Sobol-index estimators of sensitivity.h. Path i's row itself is the A run,
 * so every other statistic is that of plain random sampling.
 */
#include "engine.h"

#include "progress.h"
#include "rng.h"
#include "sample.h"
#include "sensitivity.h"
#include "stats.h"
#include "../models/model.h"
#include "../output/h5out.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t n;
    const char **names;
} name_set;

typedef struct {
    const scenario *sc;
    model_layout L;
    sampler *smp;
    size_t nu;             /* sc->nuncertain */
    size_t *row_map;       /* L.row_len: index in the common row; NULL when identical */
    size_t *param_map;     /* nu: index among the common params */
    stats *st;             /* statistics of the common rows */
    stats *diff;           /* variant minus variant 0 (v >= 1) */
    double *rows;          /* ENGINE_BATCH x L.row_len */
    double *urows;         /* ENGINE_BATCH x common row_len (== rows when no map) */
    double *drows;         /* ENGINE_BATCH x common row_len (v >= 1) */
    double *values;        /* ENGINE_BATCH x nu */
    double *uniforms;      /* ENGINE_BATCH x nu */
    double *uvalues;       /* ENGINE_BATCH x nparams (common) */
    double *uuniforms;     /* ENGINE_BATCH x nparams (common) */
    FILE *spill;
    stats *yst;            /* statistics of the yearly aggregates (for their ranks) */
    double *yrows;         /* ENGINE_BATCH x 2 * nyears: unmet H100e-hours, then spend */
    /* saltelli */
    scenario *bshell;      /* sc with the B-matrix streams */
    sampler *bsmp;
    double *bvalues;       /* ENGINE_BATCH x nu */
    double *salt;          /* ENGINE_BATCH x (nu + 2) x L.ntotals: f(A), f(B), f(AB_j) */
    sobol_acc *sobol;
} variant_run;

typedef struct {
    const engine_job *job;
    size_t nv;
    variant_run *vr;
    model_layout U;        /* the common layout */
    name_set clouds, segments, contracts, params;
    model_ws **ws;         /* threads x nv */
    double **scratch;      /* threads: a row and a value vector for the saltelli runs */
    int nthreads;
    int nyears;            /* calendar years the horizon touches */
    h5out *out;
    int target_total;      /* index into model_totals, or -1 */
    double target_q;       /* quantile level, or < 0 for the mean */
} engine;

/* ---- names common to all variants ------------------------------------------------ */

static long name_set_add(name_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0) return (long)i;
    const char **p = realloc(s->names, (s->n + 1) * sizeof *p);
    if (!p) return -1;
    s->names = p;
    s->names[s->n] = name;
    return (long)s->n++;
}

static int collect_names(engine *e)
{
    for (size_t v = 0; v < e->nv; v++) {
        const scenario *sc = e->vr[v].sc;
        for (size_t i = 0; i < sc->nclouds; i++)
            if (name_set_add(&e->clouds, sc->clouds[i].name) < 0) return -1;
        for (size_t i = 0; i < sc->nsegments; i++)
            if (name_set_add(&e->segments, sc->segments[i].name) < 0) return -1;
        for (size_t i = 0; i < sc->ncontracts; i++)
            if (name_set_add(&e->contracts, sc->contracts[i].name) < 0) return -1;
        for (size_t i = 0; i < sc->nuncertain; i++)
            if (name_set_add(&e->params, sc->uncertain[i].keypath) < 0) return -1;
    }
    return 0;
}

/* The common layout: model_layout_init reads only the horizon and the dimension
 * lengths, so a scenario shell with those filled in gives the layout of the union. */
static void common_layout(engine *e)
{
    scenario shell;
    memset(&shell, 0, sizeof shell);
    shell.months = e->vr[0].sc->months;
    shell.nclouds = e->clouds.n;
    shell.nsegments = e->segments.n;
    shell.ncontracts = e->contracts.n;
    model_layout_init(&e->U, &shell);
}

static int same_layout(const model_layout *a, const model_layout *b)
{
    return a->row_len == b->row_len && a->dimlen[DIM_CLOUD] == b->dimlen[DIM_CLOUD] &&
           a->dimlen[DIM_SEGMENT] == b->dimlen[DIM_SEGMENT] &&
           a->dimlen[DIM_CONTRACT] == b->dimlen[DIM_CONTRACT];
}

/* Map of a variant's dimension elements to the common ones. */
static void dim_maps(const engine *e, const scenario *sc, size_t *map[4])
{
    map[DIM_NONE][0] = 0;
    for (size_t i = 0; i < sc->nsegments; i++)
        map[DIM_SEGMENT][i] = (size_t)name_set_add((name_set *)&e->segments, sc->segments[i].name);
    for (size_t i = 0; i < sc->nclouds; i++)
        map[DIM_CLOUD][i] = (size_t)name_set_add((name_set *)&e->clouds, sc->clouds[i].name);
    for (size_t i = 0; i < sc->ncontracts; i++)
        map[DIM_CONTRACT][i] = (size_t)name_set_add((name_set *)&e->contracts, sc->contracts[i].name);
}

static int build_row_map(const engine *e, variant_run *r)
{
    const model_layout *L = &r->L, *U = &e->U;
    int identity = same_layout(L, U);
    size_t *map[4];
    size_t lens[4] = { 1, r->sc->nsegments, r->sc->nclouds, r->sc->ncontracts };
    for (int d = 0; d < 4; d++) map[d] = calloc(lens[d] ? lens[d] : 1, sizeof **map);
    r->row_map = malloc(L->row_len * sizeof *r->row_map);
    if (!map[0] || !map[1] || !map[2] || !map[3] || !r->row_map) goto fail;
    dim_maps(e, r->sc, map);
    for (int d = 1; d < 4; d++)
        for (size_t i = 0; i < lens[d]; i++) identity &= map[d][i] == i;
    for (int s = 0; s < N_SERIES; s++) {
        dim_kind d = model_series[s].dim;
        for (int t = 0; t < L->months; t++)
            for (size_t j = 0; j < L->dimlen[d]; j++)
                r->row_map[L->series_off[s] + (size_t)t * L->dimlen[d] + j] =
                    U->series_off[s] + (size_t)t * U->dimlen[d] + map[d][j];
    }
    for (int k = 0; k < N_TOTALS; k++) {
        dim_kind d = model_totals[k].dim;
        for (size_t j = 0; j < L->total_len[k]; j++)
            r->row_map[L->total_off[k] + j] = U->total_off[k] + map[d][j];
    }
    for (int d = 0; d < 4; d++) free(map[d]);
    if (identity) {
        free(r->row_map);
        r->row_map = NULL;
    }
    return 0;
fail:
    for (int d = 0; d < 4; d++) free(map[d]);
    return -1;
}

/* ---- init and cleanup ------------------------------------------------------------ */

static void *alloc_doubles(size_t n)
{
    return malloc((n ? n : 1) * sizeof(double));
}

/* The B matrix: the same scenario with every uncertain value on its own second stream.
 * The shell shares everything with sc but the uncertain array (so the copula and the
 * distributions are the same). */
static int init_saltelli(variant_run *r, uint64_t paths, char *err, size_t errlen)
{
    size_t nu = r->nu;
    r->bshell = malloc(sizeof *r->bshell);
    uncertain_spec *u = malloc((nu ? nu : 1) * sizeof *u);
    if (!r->bshell || !u) {
        free(u);
        snprintf(err, errlen, "out of memory preparing the saltelli matrices");
        return -1;
    }
    *r->bshell = *r->sc;
    for (size_t k = 0; k < nu; k++) {
        char key[1024];
        u[k] = r->sc->uncertain[k];
        snprintf(key, sizeof key, "%s#saltelli-B", u[k].keypath);
        u[k].stream = rng_hash(key);
    }
    r->bshell->uncertain = u;
    r->bsmp = sampler_alloc(r->bshell, paths, err, errlen);
    r->bvalues = alloc_doubles(ENGINE_BATCH * nu);
    r->salt = alloc_doubles(ENGINE_BATCH * (nu + 2) * r->L.ntotals);
    r->sobol = sobol_acc_alloc(r->L.ntotals, nu);
    if (!r->bsmp || !r->bvalues || !r->salt || !r->sobol) {
        if (r->bsmp) snprintf(err, errlen, "out of memory preparing the saltelli matrices");
        return -1;
    }
    return 0;
}

static int init_variant(engine *e, size_t v, char *err, size_t errlen)
{
    variant_run *r = &e->vr[v];
    size_t B = ENGINE_BATCH, np = e->params.n;
    r->nu = r->sc->nuncertain;
    model_layout_init(&r->L, r->sc);
    r->smp = sampler_alloc(r->sc, e->job->paths, err, errlen);
    if (!r->smp) return -1;
    if (build_row_map(e, r) != 0) goto oom;
    r->param_map = malloc((r->nu ? r->nu : 1) * sizeof *r->param_map);
    if (!r->param_map) goto oom;
    for (size_t k = 0; k < r->nu; k++)
        r->param_map[k] = (size_t)name_set_add(&e->params, r->sc->uncertain[k].keypath);
    r->st = stats_alloc(e->U.row_len);
    r->rows = alloc_doubles(B * r->L.row_len);
    r->urows = r->row_map ? calloc(B * e->U.row_len, sizeof(double)) : r->rows;
    r->values = alloc_doubles(B * r->nu);
    r->uniforms = alloc_doubles(B * r->nu);
    r->uvalues = alloc_doubles(B * np);
    r->uuniforms = alloc_doubles(B * np);
    r->spill = tmpfile();
    if (!r->st || !r->rows || !r->urows || !r->values || !r->uniforms || !r->uvalues ||
        !r->uuniforms || !r->spill)
        goto oom;
    if (v > 0) {
        r->diff = stats_alloc(e->U.row_len);
        r->drows = alloc_doubles(B * e->U.row_len);
        if (!r->diff || !r->drows) goto oom;
    }
    r->yst = stats_alloc(2 * (size_t)e->nyears);
    r->yrows = alloc_doubles(B * 2 * (size_t)e->nyears);
    if (!r->yst || !r->yrows) goto oom;
    if (r->sc->sampling == SAMPLING_SALTELLI && init_saltelli(r, e->job->paths, err, errlen) != 0)
        return -1;
    return 0;
oom:
    snprintf(err, errlen, "out of memory (or no temporary file) preparing variant %zu", v);
    return -1;
}

static void free_variant(variant_run *r)
{
    sampler_free(r->smp);
    if (r->urows != r->rows) free(r->urows);
    free(r->rows);
    free(r->row_map);
    free(r->param_map);
    stats_free(r->st);
    stats_free(r->diff);
    free(r->drows);
    free(r->values);
    free(r->uniforms);
    free(r->uvalues);
    free(r->uuniforms);
    if (r->spill) fclose(r->spill);
    stats_free(r->yst);
    free(r->yrows);
    if (r->bshell) free(r->bshell->uncertain);
    free(r->bshell);
    sampler_free(r->bsmp);
    free(r->bvalues);
    free(r->salt);
    sobol_acc_free(r->sobol);
}

static void engine_free(engine *e)
{
    if (e->ws)
        for (size_t i = 0; i < (size_t)e->nthreads * e->nv; i++) model_ws_free(e->ws[i]);
    free(e->ws);
    if (e->scratch)
        for (int t = 0; t < e->nthreads; t++) free(e->scratch[t]);
    free(e->scratch);
    if (e->vr)
        for (size_t v = 0; v < e->nv; v++) free_variant(&e->vr[v]);
    free(e->vr);
    free(e->clouds.names);
    free(e->segments.names);
    free(e->contracts.names);
    free(e->params.names);
}

int engine_check_target(const char *on, char *msg, size_t msglen)
{
    char name[128];
    const char *colon = on ? strchr(on, ':') : NULL;
    size_t len = on ? (colon ? (size_t)(colon - on) : strlen(on)) : 0;
    if (!on || len == 0 || len >= sizeof name) {
        snprintf(msg, msglen, "--on: a metric name is required (expected a per-path total such as pv_spend)");
        return -1;
    }
    memcpy(name, on, len);
    name[len] = '\0';
    int found = -1;
    for (int k = 0; k < N_TOTALS; k++)
        if (strcmp(model_totals[k].name, name) == 0) found = k;
    if (found < 0 || model_totals[found].dim != DIM_NONE) {
        snprintf(msg, msglen, "--on %s: not a scalar per-path total (expected one of pv_spend, "
                 "pv_stranded, pv_revenue, pv_turned_down_revenue, pv_revenue_share, "
                 "unmet_h100e_hours, months_short, outstanding_commitment)", name);
        return -1;
    }
    if (colon) {
        char *end;
        double q = strtod(colon + 1 + (colon[1] == 'q'), &end);
        if (colon[1] != 'q' || *end != '\0' || !(q > 0.0 && q < 1.0)) {
            snprintf(msg, msglen, "--on %s: bad quantile (expected NAME:qP with 0 < P < 1, e.g. pv_spend:q0.95)", on);
            return -1;
        }
    }
    return 0;
}

static void parse_target(engine *e)
{
    e->target_total = -1;
    e->target_q = -1.0;
    const char *on = e->job->target_on;
    if (!(e->job->target_rse > 0) || !on) return;
    const char *colon = strchr(on, ':');
    size_t len = colon ? (size_t)(colon - on) : strlen(on);
    for (int k = 0; k < N_TOTALS; k++)
        if (strlen(model_totals[k].name) == len && strncmp(model_totals[k].name, on, len) == 0)
            e->target_total = k;
    if (colon) e->target_q = strtod(colon + 2, NULL);
}

static int engine_init(engine *e, const engine_job *job, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->job = job;
    e->nv = job->nvariants;
    e->nthreads = job->threads > 0 ? job->threads : omp_get_max_threads();
    omp_set_num_threads(e->nthreads);   /* also for the sampler's and the statistics' loops */
    e->vr = calloc(e->nv, sizeof *e->vr);
    if (!e->vr) return -1;
    for (size_t v = 0; v < e->nv; v++) {
        e->vr[v].sc = job->variants[v];
        if (job->variants[v]->months != job->variants[0]->months ||
            scenario_month_index(job->variants[v], job->variants[0]->start_year,
                                 job->variants[0]->start_month) != 0) {
            snprintf(err, errlen, "variant %s: its start and months differ from %s's "
                     "(expected the same time axis in every variant)",
                     job->variant_names[v], job->variant_names[0]);
            return -1;
        }
    }
    if (collect_names(e) != 0) return -1;
    common_layout(e);
    const scenario *s0 = job->variants[0];
    e->nyears = (s0->start_month - 1 + s0->months - 1) / 12 + 1;
    for (size_t v = 0; v < e->nv; v++)
        if (init_variant(e, v, err, errlen) != 0) return -1;
    e->ws = calloc((size_t)e->nthreads * e->nv, sizeof *e->ws);
    if (!e->ws) return -1;
    for (int t = 0; t < e->nthreads; t++)
        for (size_t v = 0; v < e->nv; v++)
            if (!(e->ws[(size_t)t * e->nv + v] = model_ws_alloc(e->vr[v].sc))) return -1;
    size_t scratch_len = 0;
    for (size_t v = 0; v < e->nv; v++)
        if (e->vr[v].L.row_len + e->vr[v].nu > scratch_len) scratch_len = e->vr[v].L.row_len + e->vr[v].nu;
    e->scratch = calloc((size_t)e->nthreads, sizeof *e->scratch);
    if (!e->scratch) return -1;
    for (int t = 0; t < e->nthreads; t++)
        if (!(e->scratch[t] = alloc_doubles(scratch_len))) return -1;
    parse_target(e);
    return 0;
}

/* ---- the batch loop -------------------------------------------------------------- */

/* The saltelli runs of path i: f(B) and every f(AB_j), totals only kept. */
static void run_saltelli(engine *e, variant_run *r, int tid, path_draws d, size_t i, const double *row_a)
{
    size_t nt = r->L.ntotals, nu = r->nu;
    double *row = e->scratch[tid], *vals = row + r->L.row_len;
    double *out = r->salt + i * (nu + 2) * nt;
    const double *a = r->values + i * nu, *b = r->bvalues + i * nu;
    model_ws *ws = e->ws[(size_t)tid * e->nv + (size_t)(r - e->vr)];
    memcpy(out, row_a + r->L.total_off[0], nt * sizeof *out);
    model_run_path(r->sc, &r->L, b, d, ws, row);
    memcpy(out + nt, row + r->L.total_off[0], nt * sizeof *out);
    for (size_t j = 0; j < nu; j++) {
        memcpy(vals, a, nu * sizeof *vals);
        vals[j] = b[j];
        model_run_path(r->sc, &r->L, vals, d, ws, row);
        memcpy(out + (2 + j) * nt, row + r->L.total_off[0], nt * sizeof *out);
    }
}

static void run_path(engine *e, int tid, uint64_t path, size_t i)
{
    const size_t ulen = e->U.row_len;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        path_draws d = { r->sc->seed, path, 0 };
        if (r->sc->antithetic && (path & 1)) {   /* path 2k+1 mirrors path 2k's shocks */
            d.path = path - 1;
            d.mirror = 1;
        }
        double *row = r->rows + i * r->L.row_len;
        model_run_path(r->sc, &r->L, r->values + i * r->nu, d, e->ws[(size_t)tid * e->nv + v], row);
        if (r->sobol) run_saltelli(e, r, tid, d, i, row);
        if (r->row_map) {
            double *urow = r->urows + i * ulen;
            for (size_t k = 0; k < r->L.row_len; k++) urow[r->row_map[k]] = row[k];
        }
    }
    const double *base = e->vr[0].urows + i * ulen;
    for (size_t v = 1; v < e->nv; v++) {
        const double *x = e->vr[v].urows + i * ulen;
        double *dr = e->vr[v].drows + i * ulen;
        for (size_t k = 0; k < ulen; k++) dr[k] = x[k] - base[k];
    }
}

/* Sampled values and their uniforms in the common parameter order (NaN where absent). */
static void map_params(const engine *e, variant_run *r, size_t n)
{
    size_t np = e->params.n;
    for (size_t i = 0; i < n * np; i++) r->uvalues[i] = r->uuniforms[i] = NAN;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < r->nu; k++) {
            r->uvalues[i * np + r->param_map[k]] = r->values[i * r->nu + k];
            r->uuniforms[i * np + r->param_map[k]] = r->uniforms[i * r->nu + k];
        }
}

/* Each path's unmet H100e-hours and spend (contracts and spot, nominal) by calendar year. */
static void yearly_rows(const engine *e, variant_run *r, size_t n)
{
    const model_layout *U = &e->U;
    size_t Y = (size_t)e->nyears, ns = U->dimlen[DIM_SEGMENT];
    size_t nk = U->dimlen[DIM_CONTRACT], nc = U->dimlen[DIM_CLOUD];
    int m0 = r->sc->start_month - 1;
    for (size_t i = 0; i < n; i++) {
        const double *row = r->urows + i * U->row_len;
        double *y = r->yrows + i * 2 * Y;
        for (size_t k = 0; k < 2 * Y; k++) y[k] = 0.0;
        for (int t = 0; t < U->months; t++) {
            size_t yr = (size_t)((m0 + t) / 12);
            const double *unmet = row + U->series_off[S_UNMET] + (size_t)t * ns;
            const double *spend = row + U->series_off[S_SPEND] + (size_t)t * nk;
            const double *spot = row + U->series_off[S_SPOT_SPEND] + (size_t)t * nc;
            for (size_t j = 0; j < ns; j++) y[yr] += unmet[j] * HOURS_PER_MONTH;
            for (size_t j = 0; j < nk; j++) y[Y + yr] += spend[j];
            for (size_t j = 0; j < nc; j++) y[Y + yr] += spot[j];
        }
    }
}

static int spill_batch(const engine *e, variant_run *r, size_t n)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n;
    for (size_t i = 0; i < n; i++) {
        const double *tot = r->urows + i * e->U.row_len + e->U.total_off[0];
        if (fwrite(tot, sizeof *tot, nt, r->spill) != nt) return -1;
        if (fwrite(r->yrows + i * ny, sizeof(double), ny, r->spill) != ny) return -1;
        if (np && fwrite(r->uuniforms + i * np, sizeof(double), np, r->spill) != np) return -1;
    }
    return 0;
}

static int fold_batch(engine *e, uint64_t first, size_t n)
{
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        stats_add_rows(r->st, r->urows, n, e->U.row_len, 0);
        if (r->diff) stats_add_rows(r->diff, r->drows, n, e->U.row_len, 0);
        map_params(e, r, n);
        yearly_rows(e, r, n);
        stats_add_rows(r->yst, r->yrows, n, 2 * (size_t)e->nyears, 0);
        if (r->sobol) {
            size_t nt = r->L.ntotals, nu = r->nu;
            for (size_t i = 0; i < n; i++) {
                const double *f = r->salt + i * (nu + 2) * nt;
                sobol_acc_add(r->sobol, f, f + nt, f + 2 * nt);
            }
        }
        if (h5out_append(e->out, v, first, n, r->urows, r->uvalues) != 0 ||
            (first < e->job->save_paths && h5out_append_paths(e->out, v, first, n, r->urows) != 0)) {
            fprintf(stderr, "capsim: %s\n", h5out_error(e->out));
            return -1;
        }
        if (spill_batch(e, r, n) != 0) {
            fprintf(stderr, "capsim: cannot write the temporary sensitivity file\n");
            return -1;
        }
    }
    return 0;
}

/* Relative standard error of the target metric of variant 0. For a quantile the
 * standard error comes from the distribution-free confidence interval of order
 * statistics: ranks n p +- 1.96 sqrt(n p (1 - p)). */
static double target_rse(const engine *e)
{
    const stats *s = e->vr[0].st;
    size_t var = e->U.total_off[e->target_total];
    stats_summary sum;
    stats_get(s, var, &sum);
    if (e->target_q < 0) return sum.mean != 0 ? sum.se / fabs(sum.mean) : INFINITY;
    double p = e->target_q, dp = 1.96 * sqrt(p * (1 - p) / sum.n);
    double lo = stats_quantile(s, var, fmax(0.0, p - dp));
    double hi = stats_quantile(s, var, fmin(1.0, p + dp));
    double q = stats_quantile(s, var, p);
    return q != 0 ? (hi - lo) / (2 * 1.96) / fabs(q) : INFINITY;
}

static uint64_t run_batches(engine *e, const char **stop_reason)
{
    progress prog;
    progress_start(&prog, e->job->paths, e->job->quiet);
    uint64_t done = 0;
    *stop_reason = "paths";
    while (done < e->job->paths) {
        size_t n = e->job->paths - done < ENGINE_BATCH ? (size_t)(e->job->paths - done) : ENGINE_BATCH;
        for (size_t v = 0; v < e->nv; v++)
            {
            sampler_fill(e->vr[v].smp, done, n, e->vr[v].values, e->vr[v].uniforms);
            if (e->vr[v].bsmp) sampler_fill(e->vr[v].bsmp, done, n, e->vr[v].bvalues, NULL);
        }
#pragma omp parallel num_threads(e->nthreads)
        {
            int tid = omp_get_thread_num();
#pragma omp for schedule(dynamic, 4)
            for (size_t i = 0; i < n; i++) run_path(e, tid, done + i, i);
        }
        if (fold_batch(e, done, n) != 0) return UINT64_MAX;
        done += n;
        progress_update(&prog, done);
        if (e->target_total >= 0 && done >= 2 * ENGINE_BATCH &&
            target_rse(e) < e->job->target_rse) {
            *stop_reason = "target-rse reached";
            break;
        }
    }
    progress_finish(&prog, done);
    return done;
}

/* ---- finalise: sensitivity ------------------------------------------------------- */

/* Spearman correlation of every total and every yearly aggregate with every sampled
 * value, from the spill file: Pearson correlation of their mid-rank CDF values (from the
 * final sketches) with the uniforms of the sampled values (their exact CDF values).
 * rc gets ntotals x nparams, then 2 * nyears x nparams. */
static int rank_correlations(const engine *e, variant_run *r, uint64_t npaths, double *rc)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n, rec = nt + ny + np;
    double *buf = alloc_doubles(ENGINE_BATCH * rec), *a = alloc_doubles(ENGINE_BATCH * (nt + ny));
    corr_acc *c = corr_acc_alloc(nt + ny, np);
    int status = -1;
    if (!buf || !a || !c) goto done;
    rewind(r->spill);
    for (uint64_t first = 0; first < npaths; first += ENGINE_BATCH) {
        size_t n = npaths - first < ENGINE_BATCH ? (size_t)(npaths - first) : ENGINE_BATCH;
        if (fread(buf, sizeof(double), n * rec, r->spill) != n * rec) goto done;
        /* the CDF look-ups are independent: in parallel; the sums: in path order */
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            const double *x = buf + i * rec;
            double *ai = a + i * (nt + ny);
            for (size_t k = 0; k < nt; k++) ai[k] = stats_cdf(r->st, e->U.total_off[0] + k, x[k]);
            for (size_t k = 0; k < ny; k++) ai[nt + k] = stats_cdf(r->yst, k, x[nt + k]);
        }
        for (size_t i = 0; i < n; i++) corr_acc_add(c, a + i * (nt + ny), buf + i * rec + nt + ny);
    }
    corr_acc_result(c, rc);
    status = 0;
done:
    free(buf);
    free(a);
    corr_acc_free(c);
    return status;
}

/* Sobol indices of variant r in the common order (NaN for what r lacks). */
static int write_sobol(engine *e, size_t v)
{
    variant_run *r = &e->vr[v];
    size_t nt = r->L.ntotals, nu = r->nu, NT = e->U.ntotals, NP = e->params.n;
    double *own = alloc_doubles(4 * nt * nu), *all = alloc_doubles(4 * NT * NP);
    int status = -1;
    if (!own || !all) goto done;
    sobol_acc_result(r->sobol, own, own + nt * nu, own + 2 * nt * nu, own + 3 * nt * nu);
    for (size_t i = 0; i < 4 * NT * NP; i++) all[i] = NAN;
    for (size_t q = 0; q < 4; q++)
        for (size_t k = 0; k < nt; k++) {
            size_t K = r->row_map ? r->row_map[r->L.total_off[0] + k] - e->U.total_off[0] : k;
            for (size_t j = 0; j < nu; j++)
                all[q * NT * NP + K * NP + r->param_map[j]] = own[q * nt * nu + k * nu + j];
        }
    status = h5out_write_sobol(e->out, v, all, all + NT * NP, all + 2 * NT * NP, all + 3 * NT * NP);
done:
    free(own);
    free(all);
    return status;
}

static int write_results(engine *e, uint64_t npaths)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n;
    double *rc = alloc_doubles((nt + ny) * np);
    if (!rc) return -1;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (h5out_write_stats(e->out, v, r->st) != 0) goto fail;
        if (r->diff && h5out_write_diff_stats(e->out, v, r->diff) != 0) goto fail;
        if (rank_correlations(e, r, npaths, rc) != 0) {
            fprintf(stderr, "capsim: cannot read back the temporary sensitivity file\n");
            free(rc);
            return -1;
        }
        if (h5out_write_rank_corr(e->out, v, rc) != 0) goto fail;
        if (h5out_write_rank_corr_yearly(e->out, v, (size_t)e->nyears, rc + nt * np) != 0) goto fail;
        if (r->sobol && write_sobol(e, v) != 0) goto fail;
    }
    free(rc);
    return 0;
fail:
    free(rc);
    fprintf(stderr, "capsim: %s\n", h5out_error(e->out));
    return -1;
}

static const char *sampling_name(sampling_kind k)
{
    static const char *names[] = { "random", "lhs", "sobol", "saltelli" };
    return names[k];
}

static int open_output(engine *e)
{
    h5out_desc d;
    memset(&d, 0, sizeof d);
    d.sc = e->vr[0].sc;
    d.L = &e->U;
    d.clouds = e->clouds.names;
    d.segments = e->segments.names;
    d.contracts = e->contracts.names;
    d.nparams = e->params.n;
    d.params = e->params.names;
    d.nvariants = e->nv;
    d.variants = e->job->variant_names;
    d.nvary = e->job->nvary;
    d.vary_keys = e->job->vary_keys;
    d.vary_values = e->job->vary_values;
    d.npaths = e->job->paths;
    d.save_paths = e->job->save_paths;
    char err[1024];
    e->out = h5out_open(e->job->out_path, &d, err, sizeof err);
    if (!e->out) {
        fprintf(stderr, "capsim: %s\n", err);
        return -1;
    }
    return 0;
}

int engine_run(const engine_job *job)
{
    engine e;
    char err[2048] = "out of memory";
    double t0 = progress_now();
    int status = 1;
    if (engine_init(&e, job, err, sizeof err) != 0) {
        fprintf(stderr, "capsim: %s\n", err);
        goto done;
    }
    if (open_output(&e) != 0) goto done;
    const char *stop_reason;
    uint64_t npaths = run_batches(&e, &stop_reason);
    if (npaths == UINT64_MAX) goto done;   /* fold_batch has said why */
    if (write_results(&e, npaths) != 0) goto done;
    h5out_run_info info = {
        job->command_line, job->command, job->seed, e.nthreads, 1,
        progress_now() - t0, sampling_name(job->variants[0]->sampling), stop_reason
    };
    h5out *out = e.out;
    e.out = NULL;
    if (h5out_finish(out, &info) != 0) {   /* frees the handle, removes the temporary file */
        fprintf(stderr, "capsim: %s\n", h5out_error(NULL));
        goto done;
    }
    if (!job->quiet)
        fprintf(stderr, "capsim: %llu paths x %zu variant(s) in %.2f s -> %s\n",
                (unsigned long long)npaths, e.nv, progress_now() - t0, job->out_path);
    status = 0;
done:
    h5out_abort(e.out);
    engine_free(&e);
    return status;
}
