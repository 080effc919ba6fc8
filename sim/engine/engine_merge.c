/* engine_merge: see engine_merge.h. */
#include "engine_merge.h"
#include "engine_pack.h"
#include "engine_superblock.h"

#include "output/results.h"
#include "output/shardfile.h"

#include <string.h>

/* A failed read of shard f: its reason, and whether the file is damaged. */
static int read_failed(engine *e, shard_file *f)
{
    eng_fail(e, "%s", shard_error(f));
    return shard_error_status(f) == RESULTS_BAD_FILE ? ENG_MERGE_DAMAGED : -1;
}

/* The blob w[0..nw) of variant v loads into the superblock accumulators: the same load
 * eng_pack_consume makes, tried here so that a blob that does not fit is known for damage
 * of the file (not a failure of the merge). The accumulators are empty before (the last
 * superblock ended with eng_sb_reset) and after. */
static int blob_fits(engine *e, size_t v, const uint64_t *w, size_t nw)
{
    reader rd = { w, nw, 0 };
    int ok = eng_sb_load(&e->vr[v], &rd) == 0 && rd.at == rd.n;
    eng_sb_reset(&e->vr[v]);
    return ok;
}

int eng_merge_read(engine *e, shard_file *f, uint64_t s, words *pk)
{
    const shard_info *in = shard_get_info(f);
    uint64_t first, end;
    eng_superblock_paths(e, s, &first, &end);
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, len = e->U.row_len;
    if (eng_pack_begin(e, s, pk) != 0) return eng_fail(e, "out of memory");
    for (uint64_t b = first; b < end; b += e->batch) {
        size_t n = eng_batch_len(e, b, end), m = eng_saved_rows(e, b, n);
        uint64_t local = b - in->path_first;
        for (size_t v = 0; v < e->nv; v++) {
            uint64_t *at = eng_words_grow(pk, n * (nt + ny) + m * len);
            if (!at) return eng_fail(e, "out of memory");
            double *tot = (double *)at, *yr = tot + n * nt, *rows = yr + n * ny;
            memset(rows, 0, m * len * sizeof *rows);
            if (shard_read_totals(f, v, local, n, &e->U, tot) != 0 || shard_read_yearly(f, v, local, n, ny, yr) != 0 ||
                (m && shard_read_series(f, v, local, m, &e->U, rows) != 0))
                return read_failed(e, f);
        }
    }
    for (size_t v = 0; v < e->nv; v++) {
        uint64_t *w;
        size_t nw;
        if (shard_read_acc(f, s, v, &w, &nw) != 0) return read_failed(e, f);
        if (!blob_fits(e, v, w, nw)) {
            free(w);
            eng_fail(e, "%s: damaged shard file: /shard/acc: the accumulators of superblock %llu, variant %zu do not "
                     "fit this run", shard_path(f), (unsigned long long)s, v);
            return ENG_MERGE_DAMAGED;
        }
        int rc = eng_words_put(pk, w, nw);
        free(w);
        if (rc != 0) return eng_fail(e, "out of memory");
    }
    return 0;
}

int eng_merge_check(engine *e, shard_file *const *files, size_t n)
{
    const shard_info *in = shard_get_info(files[0]);
    if (in->superblock != e->sb_paths || in->superblock % ENGINE_BATCH != 0)
        return eng_fail(e, "%s: superblocks of %llu paths, expected %llu (a multiple of %d)", shard_path(files[0]),
                        (unsigned long long)in->superblock, (unsigned long long)e->sb_paths, ENGINE_BATCH);
    if (in->row_len != e->U.row_len || in->ntotals != e->U.ntotals || in->nparams != e->params.n ||
        in->nyears != (uint64_t)e->nyears)
        return eng_fail(e, "%s: its layout differs from that of its scenarios as this capsim loads them "
                        "(written by another version?)", shard_path(files[0]));
    for (size_t i = 0; i < n; i++) {
        const shard_info *s = shard_get_info(files[i]);
        if (shard_check_layout(files[i], &e->U) != 0) return eng_fail(e, "%s", shard_error(files[i]));
        uint64_t first, end;
        engine_shard_paths(e->job->paths, e->sb_paths, s->index, s->count, &first, &end);
        if (s->path_first != first || s->path_end != end || s->sb_first != s->path_first / e->sb_paths)
            return eng_fail(e, "%s: its paths %llu..%llu are not shard %u/%u's", shard_path(files[i]),
                            (unsigned long long)s->path_first, (unsigned long long)s->path_end, s->index, s->count);
    }
    return 0;
}
