/* engine_variant: see engine_variant.h. */
#include "engine_variant.h"

#include "sim/random/rng.h"

#include <string.h>

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

/* The index of a name that is in s (eng_variant_names put every variant's there). */
static size_t name_set_index(const name_set *s, const char *name)
{
    size_t i = 0;
    while (i < s->n && strcmp(s->names[i], name) != 0) i++;
    return i;
}

int eng_variant_names(engine *e)
{
    for (size_t v = 0; v < e->nv; v++) {
        const scenario *sc = e->vr[v].sc;
        for (size_t i = 0; i < sc->nclouds; i++)
            if (name_set_add(&e->clouds, sc->clouds[i].name) < 0) return -1;
        for (size_t i = 0; i < sc->nsegments; i++)
            if (name_set_add(&e->segments, sc->segments[i].name) < 0) return -1;
        for (size_t i = 0; i < sc->ncontracts; i++)
            if (name_set_add(&e->contracts, sc->contracts[i].name) < 0) return -1;
        for (size_t i = 0; i < sc->noptions; i++)
            if (name_set_add(&e->options, sc->options[i].name) < 0) return -1;
        for (size_t i = 0; i < sc->nuncertain; i++)
            if (name_set_add(&e->params, sc->uncertain[i].keypath) < 0) return -1;
    }
    /* The cloud of every contract of the union, so that spend by contract can be summed
     * by cloud in a file whose scenarios add contracts or clouds. */
    e->contract_clouds = calloc(e->contracts.n ? e->contracts.n : 1, sizeof *e->contract_clouds);
    if (!e->contract_clouds) return -1;
    for (size_t i = 0; i < e->contracts.n; i++)
        for (size_t v = 0; v < e->nv && !e->contract_clouds[i]; v++) {
            const scenario *sc = e->vr[v].sc;
            for (size_t k = 0; k < sc->ncontracts; k++)
                if (strcmp(sc->contracts[k].name, e->contracts.names[i]) == 0) {
                    int c = sc->contracts[k].cloud;
                    e->contract_clouds[i] = c >= 0 && (size_t)c < sc->nclouds ? sc->clouds[c].name : "";
                    break;
                }
        }
    return 0;
}

/* model_layout_init reads only the horizon and the dimension lengths, so a scenario
 * shell with those filled in gives the layout of the union. */
void eng_variant_layout(engine *e)
{
    scenario shell;
    memset(&shell, 0, sizeof shell);
    shell.months = e->vr[0].sc->months;
    shell.nclouds = e->clouds.n;
    shell.nsegments = e->segments.n;
    shell.ncontracts = e->contracts.n;
    shell.noptions = e->options.n;
    model_layout_init(&e->U, &shell);
}

static int same_layout(const model_layout *a, const model_layout *b)
{
    return a->row_len == b->row_len && a->dimlen[DIM_CLOUD] == b->dimlen[DIM_CLOUD] &&
           a->dimlen[DIM_SEGMENT] == b->dimlen[DIM_SEGMENT] &&
           a->dimlen[DIM_CONTRACT] == b->dimlen[DIM_CONTRACT] &&
           a->dimlen[DIM_OPTION] == b->dimlen[DIM_OPTION];
}

/* Map of a variant's dimension elements to the common ones. */
static void dim_maps(const engine *e, const scenario *sc, size_t *map[N_DIMS])
{
    map[DIM_NONE][0] = 0;
    for (size_t i = 0; i < sc->nsegments; i++)
        map[DIM_SEGMENT][i] = name_set_index(&e->segments, sc->segments[i].name);
    for (size_t i = 0; i < sc->nclouds; i++)
        map[DIM_CLOUD][i] = name_set_index(&e->clouds, sc->clouds[i].name);
    for (size_t i = 0; i < sc->ncontracts; i++)
        map[DIM_CONTRACT][i] = name_set_index(&e->contracts, sc->contracts[i].name);
    for (size_t i = 0; i < sc->noptions; i++)
        map[DIM_OPTION][i] = name_set_index(&e->options, sc->options[i].name);
}

/* Every row accumulator keys its sketch coins by the outputs' order before the later
 * outputs (model_layout_coins), so that adding an output moves no other sketch. */
static int set_coins(const engine *e, variant_run *r)
{
    uint64_t *coin = malloc((e->U.row_len ? e->U.row_len : 1) * sizeof *coin);
    if (!coin) return -1;
    model_layout_coins(&e->U, coin);
    int st = stats_set_coins(r->st, coin) | stats_set_coins(r->sb_st, coin);
    if (r->diff) st |= stats_set_coins(r->diff, coin) | stats_set_coins(r->sb_diff, coin);
    free(coin);
    return st;
}

static int build_row_map(const engine *e, variant_run *r)
{
    const model_layout *L = &r->L, *U = &e->U;
    int identity = same_layout(L, U);
    size_t *map[N_DIMS];
    size_t lens[N_DIMS] = { 1, r->sc->nsegments, r->sc->nclouds, r->sc->ncontracts,
                            r->sc->noptions };
    int ok = 1;
    for (int d = 0; d < N_DIMS; d++) ok &= (map[d] = calloc(lens[d] ? lens[d] : 1, sizeof **map)) != NULL;
    r->row_map = malloc(L->row_len * sizeof *r->row_map);
    if (!ok || !r->row_map) goto fail;
    dim_maps(e, r->sc, map);
    for (int d = 1; d < N_DIMS; d++)
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
    for (int d = 0; d < N_DIMS; d++) free(map[d]);
    if (identity) {
        free(r->row_map);
        r->row_map = NULL;
    }
    return 0;
fail:
    for (int d = 0; d < N_DIMS; d++) free(map[d]);
    return -1;
}

/* ---- init and cleanup ------------------------------------------------------------ */

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
    r->sobol = sobol_acc_alloc(r->L.ntotals, nu);
    r->sb_sobol = sobol_acc_alloc(r->L.ntotals, nu);
    if (!r->bsmp || !r->sobol || !r->sb_sobol) {
        if (r->bsmp) snprintf(err, errlen, "out of memory preparing the saltelli matrices");
        return -1;
    }
    return 0;
}

/* An option of the common layout that variant r does not have is never exercised
 * there: its option_month reads -1, not the 0 that the other missing elements (spend of
 * a contract the variant lacks) rightly read. Those entries are never written again. */
static void absent_options(const engine *e, const variant_run *r, double *urows)
{
    size_t ulen = e->U.row_len, off = e->U.total_off[T_OPTION_MONTH];
    for (size_t j = 0; j < e->U.total_len[T_OPTION_MONTH]; j++) {
        int has = 0;
        for (size_t o = 0; o < r->sc->noptions; o++)
            has |= strcmp(r->sc->options[o].name, e->options.names[j]) == 0;
        if (!has)
            for (size_t i = 0; i < e->batch; i++) urows[i * ulen + off + j] = -1.0;
    }
}

/* One batch's buffers for variant r (v: its index; the differences exist for v >= 1). */
static int alloc_batch_buf(const engine *e, const variant_run *r, size_t v, batch_buf *b)
{
    size_t B = e->batch, np = e->params.n, nu = r->nu;
    memset(b, 0, sizeof *b);
    b->rows = eng_alloc_doubles(B * r->L.row_len);
    b->urows = r->row_map ? calloc(B * e->U.row_len, sizeof(double)) : b->rows;
    b->values = eng_alloc_doubles(B * nu);
    b->uniforms = eng_alloc_doubles(B * nu);
    b->uvalues = eng_alloc_doubles(B * np);
    b->uuniforms = eng_alloc_doubles(B * np);
    b->yrows = eng_alloc_doubles(B * 2 * (size_t)e->nyears);
    int ok = b->rows && b->urows && b->values && b->uniforms && b->uvalues && b->uuniforms && b->yrows;
    if (ok && r->row_map) absent_options(e, r, b->urows);
    if (v > 0 && r->rep_diff) ok = ok && (b->drows = eng_alloc_doubles(B * e->U.row_len));
    if (r->sc->sampling == SAMPLING_SALTELLI) {
        b->bvalues = eng_alloc_doubles(B * nu);
        b->buniforms = eng_alloc_doubles(B * nu);
        b->salt = eng_alloc_doubles(B * (nu + 2) * r->L.ntotals);
        ok = ok && b->bvalues && b->buniforms && b->salt;
    }
    return ok ? 0 : -1;
}

static void free_batch_buf(batch_buf *b)
{
    if (b->urows != b->rows) free(b->urows);
    free(b->rows);
    free(b->drows);
    free(b->values);
    free(b->uniforms);
    free(b->uvalues);
    free(b->uuniforms);
    free(b->yrows);
    free(b->bvalues);
    free(b->buniforms);
    free(b->salt);
}

/* Which values of the union row keep a quantile sketch: the totals always (their exact
 * statistics need the rank correlations' CDF, and cost little), the monthly series that
 * the first variant's simulation.quantiles names (a compare or sweep takes it from the
 * first file, like paths and seed). *flags stays NULL when that is every series. */
static int sketched_flags(const engine *e, unsigned char **flags)
{
    const scenario *sc = e->vr[0].sc;
    *flags = NULL;
    if (scenario_quantile_count(sc) == SCENARIO_NSERIES) return 0;
    unsigned char *f = malloc(e->U.row_len ? e->U.row_len : 1);
    if (!f) return -1;
    memset(f, 1, e->U.row_len);
    for (int k = 0; k < N_SERIES; k++)
        memset(f + e->U.series_off[k], sc->quantile_series[k], e->U.series_len[k]);
    *flags = f;
    return 0;
}

int eng_variant_init(engine *e, size_t v)
{
    variant_run *r = &e->vr[v];
    /* A superblock's accumulators see at most its paths: exact when the whole run can be. */
    uint64_t sb_max = e->job->paths < e->sb_paths ? e->job->paths : e->sb_paths;
    r->nu = r->sc->nuncertain;
    model_layout_init(&r->L, r->sc);
    r->smp = sampler_alloc(r->sc, e->job->paths, e->err, sizeof e->err);
    if (!r->smp) return -1;
    r->tables = qtable_set_alloc();
    if (!r->tables) goto oom;
    if (build_row_map(e, r) != 0) goto oom;
    r->param_map = malloc((r->nu ? r->nu : 1) * sizeof *r->param_map);
    if (!r->param_map) goto oom;
    for (size_t k = 0; k < r->nu; k++) r->param_map[k] = name_set_index(&e->params, r->sc->uncertain[k].keypath);
    unsigned char *sk = NULL;
    if (sketched_flags(e, &sk) != 0) goto oom;
    r->st = stats_alloc_kind(e->U.row_len, STATS_RUN, 0, sk);
    r->sb_st = stats_alloc_kind(e->U.row_len, STATS_PART, sb_max, sk);
    if (v > 0) {
        r->diff = stats_alloc_kind(e->U.row_len, STATS_DIFF, 0, sk);
        r->sb_diff = stats_alloc_kind(e->U.row_len, STATS_DIFF_PART, sb_max, sk);
    }
    free(sk);
    r->spill = tmpfile();
    if (!r->st || !r->sb_st || !r->spill || (v > 0 && (!r->diff || !r->sb_diff))) goto oom;
    if (set_coins(e, r) != 0) goto oom;
    /* replicated designs: the standard error from the replicate means; the differences
     * too when variant 0 is replicated alike (same R and group g: then a path is in the
     * same replicate, (i div g) mod R, in both variants) */
    unsigned R = sampler_replicates(r->smp), g = sampler_replicate_group(r->smp);
    if (R > 1) {
        r->rep = repl_alloc(e->U.row_len, R, g);
        r->sb_rep = repl_alloc(e->U.row_len, R, g);
        if (!r->rep || !r->sb_rep) goto oom;
        if (v > 0 && sampler_replicates(e->vr[0].smp) == R && sampler_replicate_group(e->vr[0].smp) == g) {
            r->rep_diff = repl_alloc(e->U.row_len, R, g);
            r->sb_rep_diff = repl_alloc(e->U.row_len, R, g);
            if (!r->rep_diff || !r->sb_rep_diff) goto oom;
        }
    }
    r->yst = stats_alloc(2 * (size_t)e->nyears);
    r->sb_yst = stats_alloc_part(2 * (size_t)e->nyears, sb_max);
    if (!r->yst || !r->sb_yst) goto oom;
    /* two sets of batch buffers: one computed while the other is accumulated and written */
    if (alloc_batch_buf(e, r, v, &r->b) != 0 || alloc_batch_buf(e, r, v, &r->done) != 0) goto oom;
    if (r->sc->sampling == SAMPLING_SALTELLI && init_saltelli(r, e->job->paths, e->err, sizeof e->err) != 0)
        return -1;
    return 0;
oom:
    snprintf(e->err, sizeof e->err, "out of memory (or no temporary file) preparing variant %zu", v);
    return -1;
}

void eng_variant_free_paths_state(engine *e)
{
    for (size_t v = 0; e->vr && v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        free_batch_buf(&r->b);
        free_batch_buf(&r->done);
        memset(&r->b, 0, sizeof r->b);
        memset(&r->done, 0, sizeof r->done);
        stats_free(r->sb_st);
        stats_free(r->sb_diff);
        stats_free(r->sb_yst);
        r->sb_st = r->sb_diff = r->sb_yst = NULL;
        repl_free(r->sb_rep);
        repl_free(r->sb_rep_diff);
        r->sb_rep = r->sb_rep_diff = NULL;
    }
}

void eng_variant_free_accumulators(engine *e)
{
    eng_variant_free_paths_state(e);
    for (size_t v = 0; e->vr && v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        stats_free(r->st);
        stats_free(r->diff);
        stats_free(r->yst);
        r->st = r->diff = r->yst = NULL;
        repl_free(r->rep);
        repl_free(r->rep_diff);
        r->rep = r->rep_diff = NULL;
        if (r->spill) fclose(r->spill);
        r->spill = NULL;
    }
}

static void free_variant(variant_run *r)
{
    sampler_free(r->smp);
    qtable_set_free(r->tables);
    free(r->row_map);
    free(r->param_map);
    if (r->bshell) free(r->bshell->uncertain);
    free(r->bshell);
    sampler_free(r->bsmp);
    sobol_acc_free(r->sobol);
    sobol_acc_free(r->sb_sobol);
}

void eng_variant_free(engine *e)
{
    eng_variant_free_accumulators(e);
    if (e->vr)
        for (size_t v = 0; v < e->nv; v++) free_variant(&e->vr[v]);
    free(e->vr);
    e->vr = NULL;
    free(e->clouds.names);
    free(e->segments.names);
    free(e->contracts.names);
    free(e->contract_clouds);
    e->contract_clouds = NULL;
    free(e->options.names);
    free(e->params.names);
}
