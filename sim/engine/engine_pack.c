/*
 * engine_pack: a superblock as 64-bit words, so that it can move: a variant's saved
 * accumulators ("blob"), the package an MPI rank sends to rank 0 (per-path data, then the
 * blobs), and `capsim merge`, which reads shard files' packages back in superblock
 * order. See "SUPERBLOCKS" in engine.c.
 */
#include "engine_int.h"

/* ---- words: packages and blobs --------------------------------------------------- */

static uint64_t *words_grow(words *b, size_t add)
{
    if (b->n + add > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + add) cap *= 2;
        uint64_t *w = realloc(b->w, cap * sizeof *w);
        if (!w) return NULL;
        b->w = w;
        b->cap = cap;
    }
    uint64_t *at = b->w + b->n;
    b->n += add;
    return at;
}

static int words_put(words *b, const void *src, size_t n)
{
    uint64_t *at = words_grow(b, n);
    if (!at) return -1;
    memcpy(at, src, n * sizeof *at);
    return 0;
}



static const uint64_t *take(reader *rd, size_t n)
{
    if (n > rd->n - rd->at) return NULL;
    const uint64_t *p = rd->w + rd->at;
    rd->at += n;
    return p;
}

static int take1(reader *rd, uint64_t *x)
{
    const uint64_t *p = take(rd, 1);
    if (!p) return -1;
    *x = *p;
    return 0;
}

/* A variant's superblock accumulators as one blob: for each of statistics, differences
 * (variants >= 1), yearly statistics and Sobol sums (saltelli) its word count (0 when
 * absent) followed by its words. */
int eng_blob_save(const variant_run *r, words *b)
{
    const stats *st[3] = { r->sb_st, r->sb_diff, r->sb_yst };
    for (int i = 0; i < 3; i++) {
        size_t n = st[i] ? stats_save_words(st[i]) : 0;
        uint64_t *at = words_grow(b, 1 + n);
        if (!at) return -1;
        at[0] = n;
        if (n) stats_save(st[i], at + 1);
    }
    size_t n = r->sb_sobol ? sobol_acc_save_words(r->sb_sobol) : 0;
    uint64_t *at = words_grow(b, 1 + n);
    if (!at) return -1;
    at[0] = n;
    if (n) sobol_acc_save(r->sb_sobol, at + 1);
    return 0;
}

static int blob_load(variant_run *r, reader *rd)
{
    stats *st[3] = { r->sb_st, r->sb_diff, r->sb_yst };
    uint64_t n;
    for (int i = 0; i < 3; i++) {
        const uint64_t *p;
        if (take1(rd, &n) != 0 || (n == 0) != (st[i] == NULL) || !(p = take(rd, n))) return -1;
        if (st[i] && stats_load(st[i], p, n) != 0) return -1;
    }
    const uint64_t *p;
    if (take1(rd, &n) != 0 || (n == 0) != (r->sb_sobol == NULL) || !(p = take(rd, n))) return -1;
    return r->sb_sobol && sobol_acc_load(r->sb_sobol, p, n) != 0 ? -1 : 0;
}

/* ---- packages: a superblock computed on one rank and consumed on another ---------- */

/* Saved paths (--save-paths) among paths first .. first+n-1: the first m of them. */
static size_t saved_rows(const engine *e, uint64_t first, size_t n)
{
    uint64_t k = e->job->save_paths;
    return first >= k ? 0 : (size_t)(k - first < n ? k - first : n);
}

#define PACKAGE_TAG UINT64_C(0x314b4341504d4143) /* "CAMPACK1" in little-endian bytes */

/* Start package pk of superblock s (paths first .. end-1) with its header. */
static int package_begin(const engine *e, uint64_t s, uint64_t first, uint64_t end, words *pk)
{
    uint64_t head[5] = { PACKAGE_TAG, s, first, end - first, e->nv };
    pk->n = 0;
    return words_put(pk, head, 5);
}

/* A package holds: tag, superblock, its first path, its path count, the variant count;
 * then batch by batch and variant by variant the batch's totals (n x ntotals), yearly
 * aggregates (n x 2 nyears) and saved rows (m x row_len); then each variant's blob. */
int eng_package_superblock(engine *e, uint64_t s, words *pk)
{
    uint64_t first, end;
    eng_superblock_paths(e, s, &first, &end);
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, len = e->U.row_len;
    if (package_begin(e, s, first, end, pk) != 0) return -1;
    for (uint64_t b = first; b < end; b += ENGINE_BATCH) {
        size_t n = eng_batch_len(b, end), m = saved_rows(e, b, n);
        eng_compute_batch(e, b, n);
        eng_accumulate_batch(e, n);
        for (size_t v = 0; v < e->nv; v++) {
            variant_run *r = &e->vr[v];
            uint64_t *at = words_grow(pk, n * (nt + ny) + m * len);
            if (!at) return -1;
            for (size_t i = 0; i < n; i++, at += nt) memcpy(at, r->b.urows + i * len + e->U.total_off[0], nt * 8);
            memcpy(at, r->b.yrows, n * ny * 8);
            memcpy(at + n * ny, r->b.urows, m * len * 8);
        }
    }
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (eng_blob_save(r, pk) != 0) return -1;
        eng_reset_superblock(r);
    }
    return 0;
}

/* Consume the package of superblock s: each batch's per-path data back into the variant
 * buffers (sampled values recomputed), emitted as a local batch would be; then the
 * blobs into the superblock accumulators, and the superblock finished. */
int eng_consume_package(engine *e, uint64_t s, const uint64_t *w, size_t nw)
{
    reader rd = { w, nw, 0 };
    const uint64_t *head = take(&rd, 5);
    uint64_t first, end;
    eng_superblock_paths(e, s, &first, &end);
    if (!head || head[0] != PACKAGE_TAG || head[1] != s || head[2] != first || head[3] != end - first ||
        head[4] != e->nv)
        goto bad;
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, len = e->U.row_len;
    for (uint64_t b = first; b < end; b += ENGINE_BATCH) {
        size_t n = eng_batch_len(b, end), m = saved_rows(e, b, n);
        for (size_t v = 0; v < e->nv; v++) {
            variant_run *r = &e->vr[v];
            const uint64_t *p = take(&rd, n * (nt + ny) + m * len);
            if (!p) goto bad;
            sampler_fill(r->smp, b, n, r->b.values, r->b.uniforms);
            eng_map_params(e, r, n);
            /* saved rows first: their totals (zero when read from a shard) are overwritten */
            memcpy(r->b.urows, p + n * (nt + ny), m * len * 8);
            for (size_t i = 0; i < n; i++, p += nt) memcpy(r->b.urows + i * len + e->U.total_off[0], p, nt * 8);
            memcpy(r->b.yrows, p, n * ny * 8);
        }
        if (eng_emit_batch(e, b, n) != 0) return -1;
    }
    for (size_t v = 0; v < e->nv; v++)
        if (blob_load(&e->vr[v], &rd) != 0) goto bad;
    if (rd.at != rd.n) goto bad;
    return eng_finish_superblock(e, s);
bad:
    fprintf(stderr, "capsim: the data of superblock %llu are damaged or of another run\n", (unsigned long long)s);
    return -1;
}

/* ---- merge ----------------------------------------------------------------------- */

/* Superblock s of shard f as a package, read from the file. */
static int read_package(engine *e, shard_file *f, uint64_t s, words *pk)
{
    const shard_info *in = shard_get_info(f);
    uint64_t first, end;
    eng_superblock_paths(e, s, &first, &end);
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, len = e->U.row_len;
    if (package_begin(e, s, first, end, pk) != 0) return -1;
    for (uint64_t b = first; b < end; b += ENGINE_BATCH) {
        size_t n = eng_batch_len(b, end), m = saved_rows(e, b, n);
        uint64_t local = b - in->path_first;
        for (size_t v = 0; v < e->nv; v++) {
            uint64_t *at = words_grow(pk, n * (nt + ny) + m * len);
            if (!at) return -1;
            double *tot = (double *)at, *yr = tot + n * nt, *rows = yr + n * ny;
            memset(rows, 0, m * len * sizeof *rows);
            if (shard_read_totals(f, v, local, n, &e->U, tot) != 0 || shard_read_yearly(f, v, local, n, ny, yr) != 0 ||
                (m && shard_read_series(f, v, local, m, &e->U, rows) != 0)) {
                fprintf(stderr, "capsim merge: %s\n", shard_error(f));
                return -1;
            }
        }
    }
    for (size_t v = 0; v < e->nv; v++) {
        uint64_t *w;
        size_t nw;
        if (shard_read_acc(f, s, v, &w, &nw) != 0) {
            fprintf(stderr, "capsim merge: %s\n", shard_error(f));
            return -1;
        }
        int rc = words_put(pk, w, nw);
        free(w);
        if (rc != 0) return -1;
    }
    return 0;
}

/* The shards must describe this very job, as this capsim would run it. */
static int check_fit(const engine *e, shard_file *const *files, size_t n)
{
    const shard_info *in = shard_get_info(files[0]);
    if (in->superblock != ENGINE_SUPERBLOCK) {
        fprintf(stderr, "capsim merge: %s: superblocks of %llu paths, this capsim uses %llu (merge with the "
                "capsim that wrote the shards)\n", shard_path(files[0]), (unsigned long long)in->superblock,
                (unsigned long long)ENGINE_SUPERBLOCK);
        return -1;
    }
    if (in->row_len != e->U.row_len || in->ntotals != e->U.ntotals || in->nparams != e->params.n ||
        in->nyears != (uint64_t)e->nyears) {
        fprintf(stderr, "capsim merge: %s: its layout differs from that of its scenarios as this capsim "
                "loads them (written by another version?)\n", shard_path(files[0]));
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const shard_info *s = shard_get_info(files[i]);
        uint64_t first, end;
        engine_shard_paths(e->job->paths, s->index, s->count, &first, &end);
        if (s->path_first != first || s->path_end != end ||
            s->sb_first != s->path_first / ENGINE_SUPERBLOCK) {
            fprintf(stderr, "capsim merge: %s: its paths %llu..%llu are not shard %u/%u's\n", shard_path(files[i]),
                    (unsigned long long)s->path_first, (unsigned long long)s->path_end, s->index, s->count);
            return -1;
        }
        const shard_info *s0 = shard_get_info(files[0]);
        if (strcmp(s->git_revision, s0->git_revision) != 0 || strcmp(s->capsim_version, s0->capsim_version) != 0)
            fprintf(stderr, "capsim merge: warning: %s was written by capsim %s (git %s), %s by %s (git %s): "
                    "if the model changed in between, the merge is not one run\n", shard_path(files[i]),
                    s->capsim_version, s->git_revision, shard_path(files[0]), s0->capsim_version, s0->git_revision);
    }
    return 0;
}

int engine_merge(const engine_job *job, shard_file *const *files, size_t n)
{
    engine e;
    char err[2048] = "out of memory";
    double t0 = progress_now();
    int status = 1;
    words pk = { NULL, 0, 0 };
    if (eng_init(&e, job, err, sizeof err) != 0) {
        fprintf(stderr, "capsim merge: %s\n", err);
        goto done;
    }
    if (check_fit(&e, files, n) != 0) {
        status = 2;
        goto done;
    }
    if (eng_open_output(&e) != 0) goto done;
    progress_start(&e.prog, e.path_end - e.path_first, job->quiet);
    for (size_t i = 0; i < n; i++) {
        const shard_info *in = shard_get_info(files[i]);
        for (uint64_t s = in->sb_first; s < in->sb_end; s++)
            if (read_package(&e, files[i], s, &pk) != 0 || eng_consume_package(&e, s, pk.w, pk.n) != 0) goto done;
    }
    progress_finish(&e.prog, e.done);
    if (eng_finish_output(&e, t0, "merged_shards", (int64_t)n) != 0) goto done;
    eng_closing_message(&e, t0, "merged ");
    status = 0;
done:
    free(pk.w);
    h5out_abort(e.out);
    eng_free(&e);
    return status;
}
