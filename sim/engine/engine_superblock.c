/* engine_superblock: see engine_superblock.h. */
#include "engine_superblock.h"
#include "engine_output.h"
#include "engine_target.h"

size_t eng_sb_targets(engine *e, int from_done)
{
    size_t m = 0, ulen = e->U.row_len, ylen = 2 * (size_t)e->nyears;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        const batch_buf *b = from_done ? &r->done : &r->b;
        const batch_buf *b0 = from_done ? &e->vr[0].done : &e->vr[0].b;
        e->acc[m++] = (acc_target){ r->sb_st, b->urows, NULL, ulen, stats_add_pieces(r->sb_st) };
        if (r->sb_diff)
            e->acc[m++] = (acc_target){ r->sb_diff, b->urows, b0->urows, ulen, stats_add_pieces(r->sb_diff) };
        e->acc[m++] = (acc_target){ r->sb_yst, b->yrows, NULL, ylen, stats_add_pieces(r->sb_yst) };
    }
    return m;
}

void eng_sb_add_sobol(variant_run *r, const batch_buf *b, size_t n)
{
    size_t nt = r->L.ntotals, nu = r->nu;
    for (size_t i = 0; i < n; i++) {
        const double *f = b->salt + i * (nu + 2) * nt;
        sobol_acc_add(r->sb_sobol, f, f + nt, f + 2 * nt);
    }
}

size_t eng_sb_rep_targets(engine *e, int from_done, rep_target *t)
{
    size_t m = 0;
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        const batch_buf *b = from_done ? &r->done : &r->b;
        if (r->sb_rep) t[m++] = (rep_target){ r->sb_rep, b->urows, repl_add_pieces(r->sb_rep) };
        if (r->sb_rep_diff) t[m++] = (rep_target){ r->sb_rep_diff, b->drows, repl_add_pieces(r->sb_rep_diff) };
    }
    return m;
}

void eng_sb_add_batch(engine *e, uint64_t first, size_t n)
{
    size_t m = eng_sb_targets(e, 0);
    for (size_t k = 0; k < m; k++) {
        const acc_target *t = &e->acc[k];
        if (t->minus) stats_add_diff_rows(t->s, t->rows, t->minus, n, t->stride, 0);
        else stats_add_rows(t->s, t->rows, n, t->stride, 0);
    }
    m = eng_sb_rep_targets(e, 0, e->rep_acc);
    for (size_t k = 0; k < m; k++) repl_add_rows(e->rep_acc[k].a, e->rep_acc[k].rows, n, e->U.row_len, first);
    for (size_t v = 0; v < e->nv; v++)
        if (e->vr[v].sb_sobol) eng_sb_add_sobol(&e->vr[v], &e->vr[v].b, n);
}

int eng_sb_save(const variant_run *r, words *b)
{
    const stats *st[3] = { r->sb_st, r->sb_diff, r->sb_yst };
    for (int i = 0; i < 3; i++) {
        size_t n = st[i] ? stats_save_words(st[i]) : 0;
        uint64_t *at = eng_words_grow(b, 1 + n);
        if (!at) return -1;
        at[0] = n;
        if (n) stats_save(st[i], at + 1);
    }
    size_t n = r->sb_sobol ? sobol_acc_save_words(r->sb_sobol) : 0;
    uint64_t *at = eng_words_grow(b, 1 + n);
    if (!at) return -1;
    at[0] = n;
    if (n) sobol_acc_save(r->sb_sobol, at + 1);
    /* replicate means only where the design has them: the blobs of random sampling are
     * as they were */
    const repl_acc *rp[2] = { r->sb_rep, r->sb_rep_diff };
    for (int i = 0; i < 2 && r->sb_rep; i++) {
        n = rp[i] ? repl_save_words(rp[i]) : 0;
        if (!(at = eng_words_grow(b, 1 + n))) return -1;
        at[0] = n;
        if (n) repl_save(rp[i], at + 1);
    }
    return 0;
}

int eng_sb_load(variant_run *r, reader *rd)
{
    stats *st[3] = { r->sb_st, r->sb_diff, r->sb_yst };
    uint64_t n;
    for (int i = 0; i < 3; i++) {
        const uint64_t *p;
        if (eng_take1(rd, &n) != 0 || (n == 0) != (st[i] == NULL) || !(p = eng_take(rd, n))) return -1;
        if (st[i] && stats_load(st[i], p, n) != 0) return -1;
    }
    const uint64_t *p;
    if (eng_take1(rd, &n) != 0 || (n == 0) != (r->sb_sobol == NULL) || !(p = eng_take(rd, n))) return -1;
    if (r->sb_sobol && sobol_acc_load(r->sb_sobol, p, n) != 0) return -1;
    repl_acc *rp[2] = { r->sb_rep, r->sb_rep_diff };
    for (int i = 0; i < 2 && r->sb_rep; i++) {
        if (eng_take1(rd, &n) != 0 || (n == 0) != (rp[i] == NULL) || !(p = eng_take(rd, n))) return -1;
        if (rp[i] && repl_load(rp[i], p, n) != 0) return -1;
    }
    return 0;
}

void eng_sb_seed(engine *e, uint64_t s)
{
    /* Superblock s's sketches draw their compaction parities from key s + 1 (the run's
     * own accumulators keep key 0): each superblock's compaction errors independent of
     * the others', wherever it is computed. */
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        stats_set_seed(r->sb_st, s + 1);
        stats_set_seed(r->sb_diff, s + 1);
        stats_set_seed(r->sb_yst, s + 1);
    }
}

void eng_sb_reset(variant_run *r)
{
    stats_reset(r->sb_st);
    stats_reset(r->sb_diff);
    stats_reset(r->sb_yst);
    if (r->sb_sobol) sobol_acc_reset(r->sb_sobol);
    if (r->sb_rep) repl_reset(r->sb_rep);
    if (r->sb_rep_diff) repl_reset(r->sb_rep_diff);
}

int eng_sb_finish(engine *e, uint64_t s)
{
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (e->shard) {
            e->blob.n = 0;
            if (eng_sb_save(r, &e->blob) != 0)
                return eng_fail(e, "out of memory saving superblock %llu", (unsigned long long)s);
            if (eng_out_shard_acc(e, s, v, &e->blob) != 0) return -1;
        }
        if (stats_merge(r->st, r->sb_st) != 0 || (r->diff && stats_merge(r->diff, r->sb_diff) != 0) ||
            stats_merge(r->yst, r->sb_yst) != 0 || (r->sobol && sobol_acc_merge(r->sobol, r->sb_sobol) != 0) ||
            (r->rep && repl_merge(r->rep, r->sb_rep) != 0) || (r->rep_diff && repl_merge(r->rep_diff, r->sb_rep_diff) != 0))
            return eng_fail(e, "out of memory merging superblock %llu", (unsigned long long)s);
        eng_sb_reset(r);
    }
    if (e->target_total >= 0 && e->done >= 2 * ENGINE_BATCH && eng_target_rse(e) < e->job->target_rse)
        e->stopped = 1;
    return 0;
}
