/* engine_output: see engine_output.h. */
#include "engine_output.h"
#include "engine_exact.h"
#include "engine_sensitivity.h"
#include "engine_target.h"
#include "engine_variant.h"

#include "output/h5out.h"
#include "output/hdf5_util.h"
#include "output/shardfile.h"
#include "sim/scenario/scenario.h"

#include <omp.h>
#include <string.h>

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
        eng_fail(e, "out of memory");
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
        .superblock = e->sb_paths, .nvariants = nv, .variant_names = job->variant_names,
        .texts = texts, .sources = sources, .nsets = nsets, .sets = (const char *const *const *)sets,
        .nvary = job->nvary, .vary_keys = job->vary_keys, .vary_values = job->vary_values,
        .row_len = e->U.row_len, .ntotals = e->U.ntotals, .nparams = e->params.n, .nyears = (uint64_t)e->nyears,
        .index = job->shard, .count = job->nshards, .sb_first = e->sb_first, .sb_end = e->sb_end,
        .path_first = e->path_first, .path_end = e->path_end,
    };
    char err[1024];
    e->shard = shard_writer_open(h5out_file_id(e->out), &in, err, sizeof err);
    if (!e->shard) eng_fail(e, "%s: %s", job->out_path, err);
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
    d.contract_clouds = e->contract_clouds;
    d.options = e->options.names;
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
static int open_half(engine *e)
{
    h5out_desc d;
    char err[1024];
    output_desc(e, &d);
    if (e->open_left == 2) {
        if (!(e->out = h5out_open_begin(e->job->out_path, &d, err, sizeof err))) return eng_fail(e, "%s", err);
    } else if (e->open_left == 1) {
        if (h5out_open_end(e->out, &d, err, sizeof err) != 0) return eng_fail(e, "%s", err);
        if (e->job->nshards > 0 && open_shard(e) != 0) return -1;
    }
    if (e->open_left > 0) e->open_left--;
    return 0;
}

void eng_out_defer(engine *e)
{
    e->open_left = 2;
}

int eng_out_open_step(engine *e, int need_file)
{
    if (e->open_left == 2 || (e->open_left == 1 && need_file)) return open_half(e);
    return 0;
}

int eng_out_open(engine *e)
{
    if (!e->out) e->open_left = 2;
    while (e->open_left > 0)
        if (open_half(e) != 0) return -1;
    return 0;
}

int eng_out_emit(engine *e, uint64_t first, size_t n, int from_done)
{
    uint64_t local = first - e->path_first;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        const batch_buf *b = from_done ? &r->done : &r->b;
        if (h5out_append(e->out, v, local, n, b->urows, b->uvalues) != 0 ||
            (local < e->save_local && h5out_append_paths(e->out, v, local, n, b->urows) != 0))
            return eng_fail(e, "%s", h5out_error(e->out));
        if (e->shard && shard_write_yearly(e->shard, v, local, n, b->yrows) != 0)
            return eng_fail(e, "%s: %s", e->job->out_path, shard_writer_error(e->shard));
        if (eng_sens_spill(e, r, b, n) != 0) return eng_fail(e, "cannot write the temporary sensitivity file");
    }
    e->done += n;
    progress_update(&e->prog, e->done);
    return 0;
}

int eng_out_shard_acc(engine *e, uint64_t s, size_t v, const words *blob)
{
    if (shard_write_acc(e->shard, s, v, blob->w, blob->n) != 0)
        return eng_fail(e, "%s: %s", e->job->out_path, shard_writer_error(e->shard));
    return 0;
}

/* Every variant's statistics, paired differences and sensitivity into the file. */
static int write_results(engine *e)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n;
    double *rc = eng_alloc_doubles((nt + ny) * np), *sobol = eng_alloc_doubles(4 * nt * np);
    exact_stats *ex = malloc((2 * nt + 1) * sizeof *ex);
    int status = -1;
    if (!rc || !sobol || !ex) {
        eng_fail(e, "out of memory");
        goto done;
    }
    eng_variant_free_paths_state(e);
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (h5out_write_stats(e->out, v, r->st, r->rep) != 0) goto fail;
        if (r->diff && h5out_write_diff_stats(e->out, v, r->diff, r->rep_diff) != 0) goto fail;
        /* the totals' quantiles, tails and probabilities from the paths themselves */
        if (eng_exact_totals(e, v, ex, r->diff ? ex + nt : NULL) != 0) {
            eng_fail(e, "cannot compute the exact statistics of the totals (out of memory, or the temporary file)");
            goto done;
        }
        if (h5out_write_exact_totals(e->out, v, 0, ex) != 0) goto fail;
        if (r->diff && h5out_write_exact_totals(e->out, v, 1, ex + nt) != 0) goto fail;
        if (eng_sens_rank_corr(e, r, e->done, rc) != 0) {
            eng_fail(e, "cannot read back the temporary sensitivity file");
            goto done;
        }
        if (h5out_write_rank_corr(e->out, v, rc) != 0) goto fail;
        if (h5out_write_rank_corr_yearly(e->out, v, (size_t)e->nyears, rc + nt * np) != 0) goto fail;
        if (r->sobol) {
            if (eng_sens_sobol(e, v, sobol) != 0) {
                eng_fail(e, "out of memory");
                goto done;
            }
            if (h5out_write_sobol(e->out, v, sobol, sobol + nt * np, sobol + 2 * nt * np, sobol + 3 * nt * np) != 0)
                goto fail;
        }
    }
    status = 0;
    goto done;
fail:
    eng_fail(e, "%s", h5out_error(e->out));
done:
    free(rc);
    free(sobol);
    free(ex);
    return status;
}

int eng_out_finish(engine *e, const char *extra_attr, int64_t extra_value)
{
    const engine_job *job = e->job;
    if (write_results(e) != 0) return -1;
    if (e->shard) {
        int rc = h5out_offset_paths(e->out, e->path_first);
        if (shard_writer_close(e->shard) != 0 && rc == 0)
            rc = eng_fail(e, "%s: closing /shard failed", job->out_path);
        else if (rc != 0)
            eng_fail(e, "%s", h5out_error(e->out));
        e->shard = NULL;
        if (rc != 0) return -1;
    }
    hid_t file = h5out_file_id(e->out);
    if (extra_attr && hdf5_attr_i64(file, extra_attr, extra_value) != 0)
        return eng_fail(e, "%s: cannot write the root attribute %s", job->out_path, extra_attr);
    /* --target-rse: what was asked and what the run achieved, reached or not (a run
     * that stops at --paths short of its target must not pass for one that met it) */
    if (e->target_total >= 0) {
        e->achieved_rse = eng_target_rse(e);
        if (hdf5_attr_double(file, "target_rse", job->target_rse) != 0 ||
            hdf5_attr_str(file, "target_on", job->target_on) != 0 ||
            hdf5_attr_double(file, "achieved_rse", e->achieved_rse) != 0)
            return eng_fail(e, "%s: cannot write the --target-rse attributes", job->out_path);
    }
    /* results depend on the superblock size: a file made with another says so */
    if (e->sb_paths != ENGINE_SUPERBLOCK && hdf5_attr_u64(file, "superblock_paths", e->sb_paths) != 0)
        return eng_fail(e, "%s: cannot write the root attribute superblock_paths", job->out_path);
    h5out_run_info info = {
        job->command_line, job->command, job->seed, e->nthreads, e->nranks,
        progress_now() - e->t0, scenario_sampling_name(job->variants[0]->sampling),
        e->stopped ? "target-rse reached" : "paths"
    };
    h5out *out = e->out;
    e->out = NULL;
    /* Nothing reads the statistics any more: freeing them (mostly the kernel unmapping
     * their pages) overlaps the file's close (HDF5's last flush, fsync, rename), which
     * is the only HDF5 call here. */
    int rc = 0;
#pragma omp parallel num_threads(e->nthreads > 1 ? 2 : 1)
    {
        /* HDF5 on the master thread, as everywhere; one thread alone does both */
        if (omp_get_thread_num() == 0)
            rc = h5out_finish(out, &info);   /* frees the handle; on failure, removes the temporary file */
        if (omp_get_thread_num() == omp_get_num_threads() - 1) eng_variant_free_accumulators(e);
    }
    if (rc != 0) return eng_fail(e, "%s", h5out_error(NULL));
    return 0;
}

void eng_out_abort(engine *e)
{
    if (e->shard) shard_writer_close(e->shard);
    e->shard = NULL;
    h5out_abort(e->out);
    e->out = NULL;
}
