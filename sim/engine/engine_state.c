/* engine_state: see engine_state.h. */
#include "engine_state.h"
#include "engine_target.h"
#include "engine_variant.h"
#include "mpi_comm.h"

#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <string.h>

int eng_fail(engine *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return -1;
}

void engine_shard_paths(uint64_t paths, uint64_t superblock, unsigned i, unsigned n, uint64_t *first,
                        uint64_t *end)
{
    uint64_t S = (paths + superblock - 1) / superblock;
    uint64_t b = n ? S * i / n : 0, c = n ? S * (i + 1) / n : S;
    *first = b * superblock < paths ? b * superblock : paths;
    *end = c * superblock < paths ? c * superblock : paths;
}

void eng_superblock_paths(const engine *e, uint64_t s, uint64_t *first, uint64_t *end)
{
    uint64_t p = s * e->sb_paths, q = p + e->sb_paths;
    *first = p < e->job->paths ? p : e->job->paths;
    *end = q < e->job->paths ? q : e->job->paths;
}

size_t eng_saved_rows(const engine *e, uint64_t first, size_t n)
{
    uint64_t k = e->job->save_paths;
    return first >= k ? 0 : (size_t)(k - first < n ? k - first : n);
}

/* The superblocks and paths this process group works on: all, or the shard's. */
static void set_range(engine *e)
{
    const engine_job *job = e->job;
    uint64_t S = (job->paths + e->sb_paths - 1) / e->sb_paths;
    e->sb_first = 0;
    e->sb_end = S;
    if (job->nshards > 0) {
        e->sb_first = S * job->shard / job->nshards;
        e->sb_end = S * (job->shard + 1) / job->nshards;
    }
    engine_shard_paths(job->paths, e->sb_paths, job->shard, job->nshards, &e->path_first, &e->path_end);
    uint64_t k = job->save_paths < e->path_end ? job->save_paths : e->path_end;
    e->save_local = k > e->path_first ? k - e->path_first : 0;
}

/* The job's target (already checked by the command), or none. */
static void set_target(engine *e)
{
    char msg[512];
    e->target_total = -1;
    e->target_q = -1.0;
    if (!(e->job->target_rse > 0) || !e->job->target_on ||
        eng_target_parse(e->job->target_on, &e->target_total, &e->target_q, msg, sizeof msg) != 0)
        e->target_total = -1;
}

/* The Sobol sums of every superblock share one shift, fixed in advance so that they
 * merge by addition: path 0's f(A), which any process can compute on its own. */
static void fix_sobol_shifts(engine *e)
{
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (!r->sobol) continue;
        double *row = e->scratch[0], *vals = row + r->L.row_len;
        path_draws d = { r->sc->seed, 0, 0 };
        sampler_fill(r->smp, 0, 1, vals, NULL);
        model_run_path(r->sc, &r->L, vals, d, e->ws[v], row);
        sobol_acc_set_shift(r->sobol, row + r->L.total_off[0]);
        sobol_acc_set_shift(r->sb_sobol, row + r->L.total_off[0]);
    }
}

/* Per-thread model workspaces and scratch. */
static int init_threads(engine *e)
{
    e->ws = calloc((size_t)e->nthreads * e->nv, sizeof *e->ws);
    if (!e->ws) return -1;
    for (int t = 0; t < e->nthreads; t++)
        for (size_t v = 0; v < e->nv; v++)
            if (!(e->ws[(size_t)t * e->nv + v] = model_ws_alloc(e->vr[v].sc, e->vr[v].tables))) return -1;
    size_t sampler_len = 0;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (r->L.row_len + r->nu > e->sampler_at) e->sampler_at = r->L.row_len + r->nu;
        if (sampler_scratch_len(r->smp) > sampler_len) sampler_len = sampler_scratch_len(r->smp);
        if (r->bsmp && sampler_scratch_len(r->bsmp) > sampler_len) sampler_len = sampler_scratch_len(r->bsmp);
    }
    size_t scratch_len = e->sampler_at + sampler_len;
    e->scratch = calloc((size_t)e->nthreads, sizeof *e->scratch);
    if (!e->scratch) return -1;
    for (int t = 0; t < e->nthreads; t++)
        if (!(e->scratch[t] = eng_alloc_doubles(scratch_len))) return -1;
    return 0;
}

/* Paths per pipeline batch (engine.h): ENGINE_BATCH, halved while the two batches' rows
 * of every variant pass the budget. A function of the variants' layout alone. */
static size_t batch_paths(const engine *e)
{
    size_t per_path = 2 * e->nv * e->U.row_len * sizeof(double), b = ENGINE_BATCH;
    while (b > ENGINE_BATCH_MIN && b * per_path > ENGINE_ROWS_BUDGET) b /= 2;
    return b;
}

int eng_init(engine *e, const engine_job *job)
{
    memset(e, 0, sizeof *e);
    e->t0 = progress_now();
    e->achieved_rse = NAN;
    e->job = job;
    e->nv = job->nvariants;
    e->rank = comm_rank();
    e->nranks = comm_size();
    e->sb_paths = job->superblock_paths ? job->superblock_paths : ENGINE_SUPERBLOCK;
    e->nthreads = job->threads > 0 ? job->threads : omp_get_max_threads();
    omp_set_num_threads(e->nthreads);   /* also for the sampler's and the statistics' loops */
    if (e->sb_paths % ENGINE_BATCH != 0)
        return eng_fail(e, "superblocks of %llu paths: expected a multiple of %d paths (the batch)",
                        (unsigned long long)e->sb_paths, ENGINE_BATCH);
    e->vr = calloc(e->nv, sizeof *e->vr);
    e->acc = calloc(3 * e->nv, sizeof *e->acc);
    e->rep_acc = calloc(2 * e->nv, sizeof *e->rep_acc);
    if (!e->vr || !e->acc || !e->rep_acc) return eng_fail(e, "out of memory");
    for (size_t v = 0; v < e->nv; v++) {
        e->vr[v].sc = job->variants[v];
        if (job->variants[v]->months != job->variants[0]->months ||
            scenario_month_index(job->variants[v], job->variants[0]->start_year,
                                 job->variants[0]->start_month) != 0)
            return eng_fail(e, "variant %s: its start and months differ from %s's "
                            "(expected the same time axis in every variant)",
                            job->variant_names[v], job->variant_names[0]);
    }
    if (eng_variant_names(e) != 0) return eng_fail(e, "out of memory");
    eng_variant_layout(e);
    e->batch = batch_paths(e);
    const scenario *s0 = job->variants[0];
    e->nyears = model_calendar_years(s0->start_month, s0->months);
    for (size_t v = 0; v < e->nv; v++)
        if (eng_variant_init(e, v) != 0) return -1;
    if (init_threads(e) != 0) return eng_fail(e, "out of memory");
    set_target(e);
    set_range(e);
    fix_sobol_shifts(e);
    return 0;
}

void eng_free(engine *e)
{
    eng_variant_free_accumulators(e);
    if (e->ws)
        for (size_t i = 0; i < (size_t)e->nthreads * e->nv; i++) model_ws_free(e->ws[i]);
    free(e->ws);
    if (e->scratch)
        for (int t = 0; t < e->nthreads; t++) free(e->scratch[t]);
    free(e->scratch);
    eng_variant_free(e);
    free(e->acc);
    free(e->rep_acc);
    free(e->blob.w);
}
