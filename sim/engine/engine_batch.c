/* engine_batch: see engine_batch.h. */
#include "engine_batch.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* Path i's sampled values and their uniforms in the common parameter order (NaN where
 * absent). */
static void map_params_path(const engine *e, variant_run *r, size_t i)
{
    size_t np = e->params.n;
    double *uv = r->b.uvalues + i * np, *uu = r->b.uuniforms + i * np;
    for (size_t k = 0; k < np; k++) uv[k] = uu[k] = NAN;
    for (size_t k = 0; k < r->nu; k++) {
        uv[r->param_map[k]] = r->b.values[i * r->nu + k];
        uu[r->param_map[k]] = r->b.uniforms[i * r->nu + k];
    }
}

void eng_batch_resample(const engine *e, variant_run *r, uint64_t first, size_t n)
{
    sampler_fill(r->smp, first, n, r->b.values, r->b.uniforms);
    for (size_t i = 0; i < n; i++) map_params_path(e, r, i);
}

/* Path i's unmet H100e-hours and spend (contracts and spot, nominal) by calendar year. */
static void yearly_row(const engine *e, variant_run *r, size_t i)
{
    const model_layout *U = &e->U;
    size_t Y = (size_t)e->nyears, ns = U->dimlen[DIM_SEGMENT];
    size_t nk = U->dimlen[DIM_CONTRACT], nc = U->dimlen[DIM_CLOUD];
    int m0 = r->sc->start_month - 1;
    const double *row = r->b.urows + i * U->row_len;
    double *y = r->b.yrows + i * 2 * Y;
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

/* The saltelli runs of path i: f(B) and every f(AB_j), totals only kept. */
static void run_saltelli(engine *e, variant_run *r, int tid, path_draws d, size_t i, const double *row_a)
{
    size_t nt = r->L.ntotals, nu = r->nu;
    double *row = e->scratch[tid], *vals = row + r->L.row_len;
    double *out = r->b.salt + i * (nu + 2) * nt;
    const double *a = r->b.values + i * nu, *b = r->b.bvalues + i * nu;
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
        double *row = r->b.rows + i * r->L.row_len;
        model_run_path(r->sc, &r->L, r->b.values + i * r->nu, d, e->ws[(size_t)tid * e->nv + v], row);
        if (r->sobol) run_saltelli(e, r, tid, d, i, row);
        if (r->row_map) {
            double *urow = r->b.urows + i * ulen;
            for (size_t k = 0; k < r->L.row_len; k++) urow[r->row_map[k]] = row[k];
        }
    }
    const double *base = e->vr[0].b.urows + i * ulen;
    for (size_t v = 1; v < e->nv; v++) {
        if (!e->vr[v].b.drows) continue;   /* only the replicates' differences need them */
        const double *x = e->vr[v].b.urows + i * ulen;
        double *dr = e->vr[v].b.drows + i * ulen;
        for (size_t k = 0; k < ulen; k++) dr[k] = x[k] - base[k];
    }
    for (size_t v = 0; v < e->nv; v++) {
        map_params_path(e, &e->vr[v], i);
        yearly_row(e, &e->vr[v], i);
    }
}

void eng_batch_begin(engine *e, uint64_t first, size_t n)
{
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        sampler_begin(r->smp, first, n, r->b.uniforms);
        if (r->bsmp) sampler_begin(r->bsmp, first, n, r->b.buniforms);
    }
}

void eng_batch_chunk(engine *e, int tid, uint64_t first, size_t i0, size_t i1)
{
    double *z = e->scratch[tid] + e->sampler_at;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        sampler_rows(r->smp, first, i0, i1, r->b.uniforms, r->b.values, z);
        if (r->bsmp) sampler_rows(r->bsmp, first, i0, i1, r->b.buniforms, r->b.bvalues, z);
    }
    for (size_t i = i0; i < i1; i++) run_path(e, tid, first + i, i);
}

void eng_batch_compute(engine *e, uint64_t first, size_t n)
{
    eng_batch_begin(e, first, n);
#pragma omp parallel num_threads(e->nthreads)
    {
        int tid = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
        for (size_t i0 = 0; i0 < n; i0 += PATH_CHUNK)
            eng_batch_chunk(e, tid, first, i0, i0 + PATH_CHUNK < n ? i0 + PATH_CHUNK : n);
    }
}
