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
 * correlates the totals' CDF values (from the final quantile sketch: stats_cdf_table) with
 * the uniforms (the exact CDF values of the sampled values). The same pass correlates
 * each calendar year's unmet H100e-hours and spend with the sampled values, so a user
 * sees which uncertainty matters in which year.
 *
 * With `sampling: saltelli` every path i is also run on the paired matrix B (a second,
 * independent draw of every uncertain value, keyed by "KEYPATH#saltelli-B") and on each
 * AB_j (path i's values with value j from B), with the same monthly shocks; the totals
 * feed the Sobol-index estimators of sensitivity.h. Path i's row itself is the A run,
 * so every other statistic is that of plain random sampling.
 *
 * SUPERBLOCKS (docs/ENGINE.md). The accumulators of a run are never fed rows directly:
 * each superblock of ENGINE_SUPERBLOCK paths is folded, batch by batch in path order,
 * into fresh per-superblock accumulators (sb_st, sb_diff, sb_yst, sb_sobol), which are
 * then merged into the run's (st, diff, yst, sobol) in superblock order, and reset. A
 * superblock is the unit of work that can move: its accumulators are saved as 64-bit
 * words (stats_save, sobol_acc_save: a "blob" per variant) and loaded elsewhere with every
 * bit intact, so the merge sequence, hence every result, is the same whether the
 * superblocks ran here, in shard files (merge reads their blobs back) or on other MPI
 * ranks (they send a "package": the superblock's per-path totals, yearly aggregates and
 * saved paths, then the blobs). The consumer of a package recomputes each path's sampled
 * values and uniforms with its own sampler (keyed by path: the same bits) and from there
 * runs the very code a local superblock runs. The Sobol sums share one shift fixed in
 * advance, path 0's f(A), so that they merge by plain addition.
 *
 * The rank correlations need every path's CDF values under the final sketches, so they
 * stay a last pass over the spill file, which only the process writing the file has; the
 * spill is fed in path order however the superblocks arrived.
 */
#include "engine_int.h"

/* Parse --on NAME[:qP] into the index of a scalar total and the quantile level (< 0:
 * the mean). 0 on success, else -1 with the reason in msg. */
static int target_parse(const char *on, int *total, double *q, char *msg, size_t msglen)
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
    *total = found;
    *q = -1.0;
    if (colon) {
        char *end;
        *q = strtod(colon + 1 + (colon[1] == 'q'), &end);
        if (colon[1] != 'q' || *end != '\0' || !(*q > 0.0 && *q < 1.0)) {
            snprintf(msg, msglen, "--on %s: bad quantile (expected NAME:qP with 0 < P < 1, e.g. pv_spend:q0.95)", on);
            return -1;
        }
    }
    return 0;
}

int engine_check_target(const char *on, char *msg, size_t msglen)
{
    int total;
    double q;
    return target_parse(on, &total, &q, msg, msglen);
}

/* The job's target (already checked by the command), or none. */
static void parse_target(engine *e)
{
    char msg[512];
    e->target_total = -1;
    e->target_q = -1.0;
    if (!(e->job->target_rse > 0) || !e->job->target_on ||
        target_parse(e->job->target_on, &e->target_total, &e->target_q, msg, sizeof msg) != 0)
        e->target_total = -1;
}

void engine_shard_paths(uint64_t paths, unsigned i, unsigned n, uint64_t *first, uint64_t *end)
{
    uint64_t S = (paths + ENGINE_SUPERBLOCK - 1) / ENGINE_SUPERBLOCK;
    uint64_t b = n ? S * i / n : 0, c = n ? S * (i + 1) / n : S;
    *first = b * ENGINE_SUPERBLOCK < paths ? b * ENGINE_SUPERBLOCK : paths;
    *end = c * ENGINE_SUPERBLOCK < paths ? c * ENGINE_SUPERBLOCK : paths;
}

/* The superblocks and paths this process group works on: all, or the shard's. */
static void set_range(engine *e)
{
    const engine_job *job = e->job;
    uint64_t S = (job->paths + ENGINE_SUPERBLOCK - 1) / ENGINE_SUPERBLOCK;
    e->sb_first = 0;
    e->sb_end = S;
    if (job->nshards > 0) {
        e->sb_first = S * job->shard / job->nshards;
        e->sb_end = S * (job->shard + 1) / job->nshards;
    }
    engine_shard_paths(job->paths, job->shard, job->nshards, &e->path_first, &e->path_end);
    uint64_t k = job->save_paths < e->path_end ? job->save_paths : e->path_end;
    e->save_local = k > e->path_first ? k - e->path_first : 0;
}

/* The Sobol sums of every superblock share one shift, fixed in advance so that they
 * merge by addition: path 0's f(A), which any process can compute on its own. */
static int fix_sobol_shifts(engine *e)
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
    return 0;
}

int eng_init(engine *e, const engine_job *job, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->job = job;
    e->nv = job->nvariants;
    e->rank = comm_rank();
    e->nranks = comm_size();
    e->nthreads = job->threads > 0 ? job->threads : omp_get_max_threads();
    omp_set_num_threads(e->nthreads);   /* also for the sampler's and the statistics' loops */
    e->vr = calloc(e->nv, sizeof *e->vr);
    e->acc = calloc(3 * e->nv, sizeof *e->acc);
    if (!e->vr || !e->acc) return -1;
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
    if (eng_collect_names(e) != 0) return -1;
    eng_common_layout(e);
    const scenario *s0 = job->variants[0];
    e->nyears = (s0->start_month - 1 + s0->months - 1) / 12 + 1;
    for (size_t v = 0; v < e->nv; v++)
        if (eng_init_variant(e, v, err, errlen) != 0) return -1;
    e->ws = calloc((size_t)e->nthreads * e->nv, sizeof *e->ws);
    if (!e->ws) return -1;
    for (int t = 0; t < e->nthreads; t++)
        for (size_t v = 0; v < e->nv; v++)
            if (!(e->ws[(size_t)t * e->nv + v] = model_ws_alloc(e->vr[v].sc))) return -1;
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
    parse_target(e);
    set_range(e);
    return fix_sobol_shifts(e);
}

/* ---- the batch loop -------------------------------------------------------------- */

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

void eng_map_params(const engine *e, variant_run *r, size_t n)
{
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
        const double *x = e->vr[v].b.urows + i * ulen;
        double *dr = e->vr[v].b.drows + i * ulen;
        for (size_t k = 0; k < ulen; k++) dr[k] = x[k] - base[k];
    }
    for (size_t v = 0; v < e->nv; v++) {
        map_params_path(e, &e->vr[v], i);
        yearly_row(e, &e->vr[v], i);
    }
}

static int spill_batch(const engine *e, variant_run *r, const batch_buf *b, size_t n)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n;
    for (size_t i = 0; i < n; i++) {
        const double *tot = b->urows + i * e->U.row_len + e->U.total_off[0];
        if (fwrite(tot, sizeof *tot, nt, r->spill) != nt) return -1;
        if (fwrite(b->yrows + i * ny, sizeof(double), ny, r->spill) != ny) return -1;
        if (np && fwrite(b->uuniforms + i * np, sizeof(double), np, r->spill) != np) return -1;
    }
    return 0;
}

/* The serial part of sampling paths first .. first+n-1 into every variant's b (the
 * quasi-random sequence has state); the rest is done by run_chunk. */
static void begin_batch(engine *e, uint64_t first, size_t n)
{
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        sampler_begin(r->smp, first, n, r->b.uniforms);
        if (r->bsmp) sampler_begin(r->bsmp, first, n, r->b.buniforms);
    }
}

/* Paths i0 .. i1-1 of the batch at first, after begin_batch: their sampled values, rows,
 * paired differences and yearly aggregates, in every variant's buffers b. Sampling here
 * rather than in a loop of its own saves a barrier per batch and keeps a path's values
 * in the cache of the thread that runs it. */
static void run_chunk(engine *e, int tid, uint64_t first, size_t i0, size_t i1)
{
    double *z = e->scratch[tid] + e->sampler_at;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        sampler_rows(r->smp, first, i0, i1, r->b.uniforms, r->b.values, z);
        if (r->bsmp) sampler_rows(r->bsmp, first, i0, i1, r->b.buniforms, r->b.bvalues, z);
    }
    for (size_t i = i0; i < i1; i++) run_path(e, tid, first + i, i);
}

enum { PATH_CHUNK = 4 };

/* Paths first .. first+n-1 into every variant's buffers b. */
void eng_compute_batch(engine *e, uint64_t first, size_t n)
{
    begin_batch(e, first, n);
#pragma omp parallel num_threads(e->nthreads)
    {
        int tid = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
        for (size_t i0 = 0; i0 < n; i0 += PATH_CHUNK) run_chunk(e, tid, first, i0, i0 + PATH_CHUNK < n ? i0 + PATH_CHUNK : n);
    }
}

/* The Saltelli runs' totals of a batch into the superblock's Sobol sums, in path order. */
static void accumulate_sobol(variant_run *r, const batch_buf *b, size_t n)
{
    size_t nt = r->L.ntotals, nu = r->nu;
    for (size_t i = 0; i < n; i++) {
        const double *f = b->salt + i * (nu + 2) * nt;
        sobol_acc_add(r->sb_sobol, f, f + nt, f + 2 * nt);
    }
}

/* The superblock's statistics of every variant, each with the rows it takes from the
 * buffers b (or done), into e->acc; returns how many. */
static size_t acc_targets(engine *e, int from_done)
{
    size_t m = 0, ulen = e->U.row_len, ylen = 2 * (size_t)e->nyears;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        const batch_buf *b = from_done ? &r->done : &r->b;
        e->acc[m++] = (acc_target){ r->sb_st, b->urows, ulen, stats_add_pieces(r->sb_st) };
        if (r->sb_diff) e->acc[m++] = (acc_target){ r->sb_diff, b->drows, ulen, stats_add_pieces(r->sb_diff) };
        e->acc[m++] = (acc_target){ r->sb_yst, b->yrows, ylen, stats_add_pieces(r->sb_yst) };
    }
    return m;
}

/* The batch's rows into the superblock's accumulators, in path order. */
void eng_accumulate_batch(engine *e, size_t n)
{
    size_t m = acc_targets(e, 0);
    for (size_t k = 0; k < m; k++) stats_add_rows(e->acc[k].s, e->acc[k].rows, n, e->acc[k].stride, 0);
    for (size_t v = 0; v < e->nv; v++)
        if (e->vr[v].sb_sobol) accumulate_sobol(&e->vr[v], &e->vr[v].b, n);
}

/* Buffers b (or done) of every variant: a batch's per-path data into the output file and
 * the spill (paths consumed in order: first is the next path of this file). */
static int emit_from(engine *e, uint64_t first, size_t n, int from_done)
{
    uint64_t local = first - e->path_first;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        const batch_buf *b = from_done ? &r->done : &r->b;
        if (h5out_append(e->out, v, local, n, b->urows, b->uvalues) != 0 ||
            (local < e->save_local && h5out_append_paths(e->out, v, local, n, b->urows) != 0)) {
            fprintf(stderr, "capsim: %s\n", h5out_error(e->out));
            return -1;
        }
        if (e->shard && shard_write_yearly(e->shard, v, local, n, b->yrows) != 0) {
            fprintf(stderr, "capsim: %s: %s\n", e->job->out_path, shard_writer_error(e->shard));
            return -1;
        }
        if (spill_batch(e, r, b, n) != 0) {
            fprintf(stderr, "capsim: cannot write the temporary sensitivity file\n");
            return -1;
        }
    }
    e->done += n;
    progress_update(&e->prog, e->done);
    return 0;
}

int eng_emit_batch(engine *e, uint64_t first, size_t n)
{
    return emit_from(e, first, n, 0);
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

/* Empty the superblock accumulators of r for the next superblock. */
void eng_reset_superblock(variant_run *r)
{
    stats_reset(r->sb_st);
    stats_reset(r->sb_diff);
    stats_reset(r->sb_yst);
    if (r->sb_sobol) sobol_acc_reset(r->sb_sobol);
}

/* The end of superblock s, whose accumulators are in sb_*: a shard keeps them, then they
 * merge into the run's (the canonical order: superblock by superblock), and the target
 * is checked. */
int eng_finish_superblock(engine *e, uint64_t s)
{
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (e->shard) {
            e->blob.n = 0;
            if (eng_blob_save(r, &e->blob) != 0) {
                fprintf(stderr, "capsim: out of memory saving superblock %llu\n", (unsigned long long)s);
                return -1;
            }
            if (shard_write_acc(e->shard, s, v, e->blob.w, e->blob.n) != 0) {
                fprintf(stderr, "capsim: %s: %s\n", e->job->out_path, shard_writer_error(e->shard));
                return -1;
            }
        }
        if (stats_merge(r->st, r->sb_st) != 0 || (r->diff && stats_merge(r->diff, r->sb_diff) != 0) ||
            stats_merge(r->yst, r->sb_yst) != 0 || (r->sobol && sobol_acc_merge(r->sobol, r->sb_sobol) != 0)) {
            fprintf(stderr, "capsim: out of memory merging superblock %llu\n", (unsigned long long)s);
            return -1;
        }
        eng_reset_superblock(r);
    }
    if (e->target_total >= 0 && e->done >= 2 * ENGINE_BATCH && target_rse(e) < e->job->target_rse)
        e->stopped = 1;
    return 0;
}

/* Paths of superblock s: [first, end). */
void eng_superblock_paths(const engine *e, uint64_t s, uint64_t *first, uint64_t *end)
{
    uint64_t p = s * ENGINE_SUPERBLOCK, q = p + ENGINE_SUPERBLOCK;
    *first = p < e->job->paths ? p : e->job->paths;
    *end = q < e->job->paths ? q : e->job->paths;
}

size_t eng_batch_len(uint64_t first, uint64_t end)
{
    return end - first < ENGINE_BATCH ? (size_t)(end - first) : ENGINE_BATCH;
}

/* PIPELINE. A superblock computed here runs as a pipeline over its batches: while batch
 * j is computed into every variant's buffers b, batch j - 1 (in buffers done) is folded
 * into the superblock's accumulators and written out. Both go into one parallel loop of
 * work items -- the accumulators' pieces (disjoint variables) first, then the paths in
 * chunks -- taken dynamically by the threads, while the master thread first writes batch
 * j - 1 (HDF5 is not thread-safe: one thread calls it). One barrier per batch, no serial
 * write between batches, and no thread idles at the end of one kind of work while
 * another kind is left. Every accumulator still takes its batches in order, each piece
 * in row order: the same bits for any thread count. */
static int open_output_half(engine *e);

/* One step: compute paths [first, first + n) into b (n may be 0), and accumulate and
 * write the nprev paths from prev held in done (nprev may be 0). */
static int pipeline_step(engine *e, uint64_t first, size_t n, uint64_t prev, size_t nprev)
{
    const acc_target *set = e->acc;
    size_t nsets = nprev ? acc_targets(e, 1) : 0, npieces = 0;
    for (size_t k = 0; k < nsets; k++) npieces += set[k].pieces;
    size_t nitems = npieces + (n + PATH_CHUNK - 1) / PATH_CHUNK;
    int rc = 0;
    if (n) begin_batch(e, first, n);
#pragma omp parallel num_threads(e->nthreads)
    {
        int tid = omp_get_thread_num();
#pragma omp master
        {
            /* creating the file's layout is serial HDF5 work: its halves overlap the
             * first two steps (the second is needed before the first write) */
            if (e->open_left == 2 || (e->open_left == 1 && nprev)) rc = open_output_half(e);
            if (rc == 0 && nprev) rc = emit_from(e, prev, nprev, 1);
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t it = 0; it < nitems; it++) {
            if (it < npieces) {
                size_t k = 0, p = it;
                while (p >= set[k].pieces) p -= set[k++].pieces;
                stats_add_rows_piece(set[k].s, p, set[k].rows, nprev, set[k].stride, 0);
            } else {
                size_t i0 = (it - npieces) * PATH_CHUNK;
                run_chunk(e, tid, first, i0, i0 + PATH_CHUNK < n ? i0 + PATH_CHUNK : n);
            }
        }
    }
    for (size_t k = 0; k < nsets; k++) stats_add_rows_end(set[k].s, nprev);
    for (size_t v = 0; v < e->nv && nprev; v++)
        if (e->vr[v].sb_sobol) accumulate_sobol(&e->vr[v], &e->vr[v].done, nprev);
    return rc;
}

/* Superblock s computed and consumed here. */
static int superblock_local(engine *e, uint64_t s)
{
    uint64_t first, end, prev = 0;
    size_t nprev = 0;
    eng_superblock_paths(e, s, &first, &end);
    for (uint64_t b = first;; b += ENGINE_BATCH) {
        size_t n = b < end ? eng_batch_len(b, end) : 0;
        if (pipeline_step(e, b, n, prev, nprev) != 0) return -1;
        if (n == 0) break;
        for (size_t v = 0; v < e->nv; v++) {   /* batch b is now the one done */
            batch_buf t = e->vr[v].b;
            e->vr[v].b = e->vr[v].done;
            e->vr[v].done = t;
        }
        prev = b;
        nprev = n;
    }
    return eng_finish_superblock(e, s);
}

/* ---- the loop over superblocks: one process, or many ranks ----------------------- */

/* A failure that other ranks cannot know about ends them all (rank 0's temporary file
 * goes with it: h5out removes it on the signal). */
static int fatal(engine *e)
{
    if (e->nranks > 1) {
        h5out_abort(e->out);
        e->out = NULL;
        comm_abort(1);
    }
    return -1;
}

/* Rank r of R computes superblocks sb_first + r, + r + R, ... Rank 0 consumes them all in
 * order: its own where it computed them, the others' as packages received from their
 * ranks (a rank's packages arrive in the order it sent them). Ranks other than 0 send
 * each package without waiting for it to be received (one in flight while they compute
 * the next). With --target-rse, rank 0 tells everyone after each round whether to stop;
 * packages past the stopping point are received and dropped. */
static int run_superblocks(engine *e)
{
    int R = e->nranks, me = e->rank, status = 0;
    words pk[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
    comm_request *pending = NULL;
    int cur = 0;
    for (uint64_t base = e->sb_first; base < e->sb_end && !e->stopped; base += (uint64_t)R) {
        uint64_t s = base + (uint64_t)me;
        if (me == 0) {
            if (superblock_local(e, s) != 0) return fatal(e);
            for (int r = 1; r < R && base + (uint64_t)r < e->sb_end; r++) {
                void *buf;
                size_t len;
                if (comm_recv(r, &buf, &len) != 0) {
                    fprintf(stderr, "capsim: receiving superblock %llu from rank %d failed\n",
                            (unsigned long long)(base + (uint64_t)r), r);
                    return fatal(e);
                }
                int rc = e->stopped ? 0 : eng_consume_package(e, base + (uint64_t)r, buf, len / 8);
                free(buf);
                if (rc != 0) return fatal(e);
            }
        } else if (s < e->sb_end) {
            if (eng_package_superblock(e, s, &pk[cur]) != 0) {
                fprintf(stderr, "capsim: rank %d: out of memory packing superblock %llu\n", me, (unsigned long long)s);
                status = -1;
                break;
            }
            if (comm_wait(pending) != 0 || comm_isend(pk[cur].w, pk[cur].n * 8, 0, &pending) != 0) {
                fprintf(stderr, "capsim: rank %d: sending superblock %llu failed\n", me, (unsigned long long)s);
                status = -1;
                break;
            }
            cur ^= 1;
        }
        if (R > 1 && e->target_total >= 0 && comm_bcast_int(&e->stopped, 0) != 0) {
            fprintf(stderr, "capsim: rank %d: broadcasting the stop decision failed\n", me);
            status = -1;
            break;
        }
    }
    if (comm_wait(pending) != 0) status = -1;
    free(pk[0].w);
    free(pk[1].w);
    return status == 0 ? 0 : fatal(e);
}

/* ---- finalise: sensitivity ------------------------------------------------------- */

enum { CDF_ROWS = 64 };   /* rows per work item of the CDF look-ups */

/* Spearman correlation of every total and every yearly aggregate with every sampled
 * value, from the spill file: Pearson correlation of their mid-rank CDF values (from the
 * final sketches) with the uniforms of the sampled values (their exact CDF values).
 * rc gets ntotals x nparams, then 2 * nyears x nparams. */
static int rank_correlations(const engine *e, variant_run *r, uint64_t npaths, double *rc)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n, rec = nt + ny + np;
    double *buf = eng_alloc_doubles(ENGINE_BATCH * rec), *a = eng_alloc_doubles(ENGINE_BATCH * (nt + ny));
    corr_acc *c = corr_acc_alloc(nt + ny, np);
    /* each total's final distribution as one table: a binary search per look-up */
    stats_cdf_table **tab = calloc(nt + ny, sizeof *tab);
    int status = -1;
    if (!buf || !a || !c || !tab) goto done;
    int built = 1;   /* each table sorts a sketch's items: in parallel */
#pragma omp parallel for schedule(dynamic, 1) reduction(&& : built)
    for (size_t k = 0; k < nt + ny; k++) {
        tab[k] = k < nt ? stats_cdf_table_alloc(r->st, e->U.total_off[0] + k)
                        : stats_cdf_table_alloc(r->yst, k - nt);
        built = built && tab[k];
    }
    if (!built) goto done;
    rewind(r->spill);
    for (uint64_t first = 0; first < npaths; first += ENGINE_BATCH) {
        size_t n = npaths - first < ENGINE_BATCH ? (size_t)(npaths - first) : ENGINE_BATCH;
        if (fread(buf, sizeof(double), n * rec, r->spill) != n * rec) goto done;
        /* The CDF look-ups are independent: in parallel, each thread on its own rows
         * (split by table, two threads wrote the same cache lines of a: slower on two
         * threads than on one), one table at a time within a block of rows. The sums
         * then run in path order. */
        size_t nblk = (n + CDF_ROWS - 1) / CDF_ROWS;
#pragma omp parallel for schedule(static)
        for (size_t blk = 0; blk < nblk; blk++) {
            size_t i0 = blk * CDF_ROWS, m = n - i0 < CDF_ROWS ? n - i0 : CDF_ROWS;
            for (size_t k = 0; k < nt + ny; k++)
                stats_cdf_table_eval_many(tab[k], buf + i0 * rec + k, rec, m, a + i0 * (nt + ny) + k, nt + ny);
        }
        corr_acc_add_rows(c, a, nt + ny, buf + nt + ny, rec, n);
    }
    corr_acc_result(c, rc);
    status = 0;
done:
    for (size_t k = 0; tab && k < nt + ny; k++) stats_cdf_table_free(tab[k]);
    free(tab);
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
    double *own = eng_alloc_doubles(4 * nt * nu), *all = eng_alloc_doubles(4 * NT * NP);
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
    double *rc = eng_alloc_doubles((nt + ny) * np);
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

/* The /shard group of a shard's file: the job (so that merge can reload it) and the
 * shard's place in the run. */
static int open_shard(engine *e)
{
    const engine_job *job = e->job;
    size_t nv = e->nv;
    const char **texts = calloc(nv, sizeof *texts), **sources = calloc(nv, sizeof *sources);
    size_t *nsets = calloc(nv, sizeof *nsets);
    const char *const **sets = calloc(nv, sizeof *sets);
    int rc = -1;
    if (!texts || !sources || !nsets || !sets) {
        fprintf(stderr, "capsim: out of memory\n");
        goto done;
    }
    for (size_t v = 0; v < nv; v++) {
        texts[v] = job->variants[v]->text ? job->variants[v]->text : "";
        sources[v] = job->variants[v]->source_path ? job->variants[v]->source_path : "";
        nsets[v] = job->variant_nsets ? job->variant_nsets[v] : 0;
        sets[v] = job->variant_sets ? job->variant_sets[v] : NULL;
    }
    shard_info in = {
        .command = job->command, .total_paths = job->paths, .seed = job->seed, .save_paths = job->save_paths,
        .superblock = ENGINE_SUPERBLOCK, .nvariants = nv, .variant_names = job->variant_names,
        .texts = texts, .sources = sources, .nsets = nsets, .sets = (const char *const *const *)sets,
        .nvary = job->nvary, .vary_keys = job->vary_keys, .vary_values = job->vary_values,
        .row_len = e->U.row_len, .ntotals = e->U.ntotals, .nparams = e->params.n, .nyears = (uint64_t)e->nyears,
        .index = job->shard, .count = job->nshards, .sb_first = e->sb_first, .sb_end = e->sb_end,
        .path_first = e->path_first, .path_end = e->path_end,
    };
    char err[1024];
    e->shard = shard_writer_open(h5out_file_id(e->out), &in, err, sizeof err);
    if (!e->shard) fprintf(stderr, "capsim: %s: %s\n", job->out_path, err);
    else rc = 0;
done:
    free(texts);
    free(sources);
    free(nsets);
    free(sets);
    return rc;
}

static void output_desc(const engine *e, h5out_desc *dp)
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
    d.npaths = e->path_end - e->path_first;
    d.save_paths = (size_t)e->save_local;
    *dp = d;
}

/* The next half of the output's creation (e->open_left of 2 are left): the file and its
 * statistics groups, then the per-path groups and a shard's /shard group. */
static int open_output_half(engine *e)
{
    h5out_desc d;
    char err[1024];
    output_desc(e, &d);
    if (e->open_left == 2) {
        if (!(e->out = h5out_open_begin(e->job->out_path, &d, err, sizeof err))) {
            fprintf(stderr, "capsim: %s\n", err);
            return -1;
        }
    } else if (e->open_left == 1) {
        if (h5out_open_end(e->out, &d, err, sizeof err) != 0) {
            fprintf(stderr, "capsim: %s\n", err);
            return -1;
        }
        if (e->job->nshards > 0 && open_shard(e) != 0) return -1;
    }
    if (e->open_left > 0) e->open_left--;
    return 0;
}

int eng_open_output(engine *e)
{
    e->open_left = 2;
    while (e->open_left > 0)
        if (open_output_half(e) != 0) return -1;
    return 0;
}

/* Statistics, sensitivity, provenance; the file is renamed into place. */
int eng_finish_output(engine *e, double t0, const char *extra_attr, int64_t extra_value)
{
    const engine_job *job = e->job;
    if (write_results(e, e->done) != 0) return -1;
    if (e->shard) {
        int rc = h5out_offset_paths(e->out, e->path_first);
        if (shard_writer_close(e->shard) != 0 && rc == 0) {
            fprintf(stderr, "capsim: %s: closing /shard failed\n", job->out_path);
            rc = -1;
        } else if (rc != 0) {
            fprintf(stderr, "capsim: %s\n", h5out_error(e->out));
        }
        e->shard = NULL;
        if (rc != 0) return -1;
    }
    if (extra_attr && hdf5_attr_i64(h5out_file_id(e->out), extra_attr, extra_value) != 0) {
        fprintf(stderr, "capsim: %s: cannot write the root attribute %s\n", job->out_path, extra_attr);
        return -1;
    }
    h5out_run_info info = {
        job->command_line, job->command, job->seed, e->nthreads, e->nranks,
        progress_now() - t0, sampling_name(job->variants[0]->sampling),
        e->stopped ? "target-rse reached" : "paths"
    };
    h5out *out = e->out;
    e->out = NULL;
    /* Nothing reads the statistics any more: freeing them (mostly the kernel unmapping
     * their pages) overlaps the file's close (HDF5's last flush, fsync, rename), which
     * is the only HDF5 call here (on every-randomness, 20,000 paths, 2 threads, the two
     * took 8 and 4 ms one after the other). */
    int rc = 0;
#pragma omp parallel num_threads(e->nthreads > 1 ? 2 : 1)
    {
        /* HDF5 on the master thread, as everywhere; one thread alone does both */
        if (omp_get_thread_num() == 0)
            rc = h5out_finish(out, &info);   /* frees the handle; on failure, removes the temporary file */
        if (omp_get_thread_num() == omp_get_num_threads() - 1) eng_free_accumulators(e);
    }
    if (rc != 0) {
        fprintf(stderr, "capsim: %s\n", h5out_error(NULL));
        return -1;
    }
    return 0;
}

void eng_closing_message(const engine *e, double t0, const char *what)
{
    if (e->job->quiet || e->rank != 0) return;
    fprintf(stderr, "capsim: %s%llu paths x %zu variant(s) in %.2f s -> %s\n", what,
            (unsigned long long)e->done, e->nv, progress_now() - t0, e->job->out_path);
}

int engine_run(const engine_job *job)
{
    engine e;
    char err[2048] = "out of memory";
    double t0 = progress_now();
    int status = 1, ok = eng_init(&e, job, err, sizeof err) == 0;
    if (!ok && e.rank == 0) fprintf(stderr, "capsim: %s\n", err);
    if (!comm_all_ok(ok)) goto done;
    /* One process: the file is created while the first batches run (see PIPELINE). Ranks
     * create it first, so that all of them know it worked before any computes. */
    if (e.rank == 0 && e.nranks == 1)
        e.open_left = 2;
    else
        ok = e.rank != 0 || eng_open_output(&e) == 0;
    if (!comm_all_ok(ok)) goto done;
    progress_start(&e.prog, e.path_end - e.path_first, job->quiet || e.rank != 0);
    if (run_superblocks(&e) != 0) goto done;
    while (e.open_left > 0)   /* no batch ran, or just one */
        if (open_output_half(&e) != 0) goto done;
    progress_finish(&e.prog, e.done);
    if (e.rank == 0) {
        if (eng_finish_output(&e, t0, NULL, 0) != 0) goto done;
        char what[64] = "";
        if (job->nshards > 0) snprintf(what, sizeof what, "shard %u/%u: ", job->shard, job->nshards);
        eng_closing_message(&e, t0, what);
    }
    status = 0;
done:
    if (e.shard) shard_writer_close(e.shard);
    h5out_abort(e.out);
    eng_free(&e);
    return status;
}

