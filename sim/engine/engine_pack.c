/* engine_pack: see engine_pack.h. */
#include "engine_pack.h"
#include "engine_batch.h"
#include "engine_output.h"
#include "engine_superblock.h"

#include <string.h>

#define PACKAGE_TAG UINT64_C(0x314b4341504d4143) /* "CAMPACK1" in little-endian bytes */

int eng_pack_begin(const engine *e, uint64_t s, words *pk)
{
    uint64_t first, end;
    eng_superblock_paths(e, s, &first, &end);
    uint64_t head[5] = { PACKAGE_TAG, s, first, end - first, e->nv };
    pk->n = 0;
    return eng_words_put(pk, head, 5);
}

int eng_pack_superblock(engine *e, uint64_t s, words *pk)
{
    uint64_t first, end;
    eng_superblock_paths(e, s, &first, &end);
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, len = e->U.row_len;
    if (eng_pack_begin(e, s, pk) != 0) return -1;
    eng_sb_seed(e, s);
    for (uint64_t b = first; b < end; b += e->batch) {
        size_t n = eng_batch_len(e, b, end), m = eng_saved_rows(e, b, n);
        eng_batch_compute(e, b, n);
        eng_sb_add_batch(e, b, n);
        for (size_t v = 0; v < e->nv; v++) {
            variant_run *r = &e->vr[v];
            uint64_t *at = eng_words_grow(pk, n * (nt + ny) + m * len);
            if (!at) return -1;
            for (size_t i = 0; i < n; i++, at += nt)
                memcpy(at, r->b.urows + i * len + e->U.total_off[0], nt * sizeof *at);
            memcpy(at, r->b.yrows, n * ny * sizeof *at);
            memcpy(at + n * ny, r->b.urows, m * len * sizeof *at);
        }
    }
    for (size_t v = 0; v < e->nv; v++) {
        variant_run *r = &e->vr[v];
        if (eng_sb_save(r, pk) != 0) return -1;
        eng_sb_reset(r);
    }
    return 0;
}

int eng_pack_consume(engine *e, uint64_t s, const uint64_t *w, size_t nw)
{
    reader rd = { w, nw, 0 };
    const uint64_t *head = eng_take(&rd, 5);
    uint64_t first, end;
    eng_superblock_paths(e, s, &first, &end);
    if (!head || head[0] != PACKAGE_TAG || head[1] != s || head[2] != first || head[3] != end - first ||
        head[4] != e->nv)
        goto bad;
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, len = e->U.row_len;
    for (uint64_t b = first; b < end; b += e->batch) {
        size_t n = eng_batch_len(e, b, end), m = eng_saved_rows(e, b, n);
        for (size_t v = 0; v < e->nv; v++) {
            variant_run *r = &e->vr[v];
            const uint64_t *p = eng_take(&rd, n * (nt + ny) + m * len);
            if (!p) goto bad;
            eng_batch_resample(e, r, b, n);
            /* saved rows first: their totals (zero when read from a shard) are overwritten */
            memcpy(r->b.urows, p + n * (nt + ny), m * len * sizeof *p);
            for (size_t i = 0; i < n; i++, p += nt)
                memcpy(r->b.urows + i * len + e->U.total_off[0], p, nt * sizeof *p);
            memcpy(r->b.yrows, p, n * ny * sizeof *p);
        }
        if (eng_out_emit(e, b, n, 0) != 0) return -1;
    }
    for (size_t v = 0; v < e->nv; v++)
        if (eng_sb_load(&e->vr[v], &rd) != 0) goto bad;
    if (rd.at != rd.n) goto bad;
    return eng_sb_finish(e, s);
bad:
    return eng_fail(e, "the data of superblock %llu are damaged or of another run", (unsigned long long)s);
}
