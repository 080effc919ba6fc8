/*
 * stats_save: the stats accumulator's whole state as 64-bit words and back (public face:
 * stats.h), for shards and MPI ranks (sim/engine/engine_pack.c, docs/ENGINE.md).
 *
 * The whole state as 64-bit words: a header (parameters and the shared shape: the size
 * and the compaction count of every level), the five moment arrays, then for each
 * variable only the items its sketch uses (the same count for every variable, since the
 * shape is shared): the raw values while exact, else level 0's raw items followed by the
 * levels' sorted items as they lie in the slot (top level first). Doubles travel as their
 * bit patterns, so stats_load() restores every bit: the loaded accumulator answers
 * queries and takes rows and merges exactly as the saved one would.
 * Only the variables that keep a sketch have items (their count is in the header).
 * The tag names the layout: "CAMSTAS4" since accumulators may sketch some variables
 * only ("CAMSTAS3": the KLL-style sketch of every variable); words of an older layout
 * are refused.
 */
#include "stats_int.h"

#include <stdint.h>
#include <string.h>

#define SAVE_MAGIC UINT64_C(0x34534154534d4143) /* a tag: "CAMSTAS4" in little-endian bytes */
#define SAVE_FIXED 14                           /* header words before the per-level ones */
#define SAVE_HEAD (SAVE_FIXED + 2 * L_MAX)      /* header words */

static uint64_t dbits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double bitsd(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Items per variable that the shape st uses: level 0's and the levels' items lie at the
 * start of the slot, one after another. */
static size_t used_items(const sk_state *st)
{
    if (st->exact) return (size_t)st->n;
    size_t m = 0;
    for (unsigned h = 0; h < L_MAX; h++) m += st->size[h];
    return m;
}

size_t stats_save_words(const stats *s)
{
    return SAVE_HEAD + s->nvars * 5 + s->nsk * used_items(&s->st);
}

void stats_save(const stats *s, uint64_t *w)
{
    const sk_state *st = &s->st;
    size_t m = used_items(st), nv = s->nvars;
    uint64_t head[SAVE_FIXED] = { SAVE_MAGIC, nv, s->k, s->b0, s->budget, st->n,
                                  (uint64_t)st->exact, st->top, dbits(st->errp), dbits(st->errn),
                                  m, st->seed, s->decay, s->nsk };
    memcpy(w, head, sizeof head);
    w += SAVE_FIXED;
    for (unsigned h = 0; h < L_MAX; h++) *w++ = st->size[h];
    for (unsigned h = 0; h < L_MAX; h++) *w++ = st->cnt[h];
    const double *arr[5] = { s->mean, s->m2, s->mn, s->mx, s->npos };
    for (int a = 0; a < 5; a++, w += nv) memcpy(w, arr[a], nv * sizeof *w);
    for (size_t j = 0; j < s->nsk; j++) {
        const double *slot = s->data + j * s->slot;
        if (st->exact) {
            memcpy(w, slot, m * sizeof *w);
        } else {
            memcpy(w, slot, st->size[0] * sizeof *w);
            memcpy(w + st->size[0], slot + s->b0, (m - st->size[0]) * sizeof *w);
        }
        w += m;
    }
}

/* Can s hold the shape st? Sizes within the capacities, nothing above the top, and the
 * weight of the items equal to n (damaged words rarely satisfy all of it). */
static int shape_fits(const stats *s, const sk_state *st)
{
    if (st->exact) return st->n <= s->budget && st->top == 1 && used_items(st) == st->n;
    if (st->top < 1 || st->top >= L_MAX || st->size[0] >= s->b0) return 0;
    double weight = 0.0;
    for (unsigned h = 0; h < L_MAX; h++) {
        if (h > st->top ? st->size[h] != 0 : h > 0 && st->size[h] >= s->capd[st->top - h]) return 0;
        weight += (double)st->size[h] * pow2(h);
    }
    return weight == (double)st->n;
}

int stats_load(stats *s, const uint64_t *w, size_t nwords)
{
    if (!s || !w || nwords < SAVE_HEAD || w[0] != SAVE_MAGIC || w[1] != s->nvars || w[2] != s->k ||
        w[3] != s->b0 || w[4] != s->budget || w[7] >= L_MAX || w[12] != s->decay || w[13] != s->nsk)
        return -1;
    sk_state st;
    memset(&st, 0, sizeof st);
    st.n = w[5];
    st.exact = w[6] != 0;
    st.top = (unsigned)w[7];
    st.errp = bitsd(w[8]);
    st.errn = bitsd(w[9]);
    st.seed = w[11];
    const uint64_t *lv = w + SAVE_FIXED;
    for (unsigned h = 0; h < L_MAX; h++) {
        if (lv[h] > UINT32_MAX) return -1;
        st.size[h] = (uint32_t)lv[h];
        st.cnt[h] = lv[L_MAX + h];
    }
    if (st.exact) /* the exact phase keeps its raw count in n alone */
        for (unsigned h = 0; h < L_MAX; h++)
            if (st.size[h] != 0) return -1;
    size_t nv = s->nvars;
    /* Reject shapes this accumulator cannot hold, before a byte is copied. */
    size_t m = used_items(&st);
    if ((st.exact ? st.n > s->budget || st.top != 1 : !shape_fits(s, &st)) || w[10] != m ||
        nwords != SAVE_HEAD + nv * 5 + s->nsk * m)
        return -1;
    w += SAVE_HEAD;
    double *arr[5] = { s->mean, s->m2, s->mn, s->mx, s->npos };
    for (int a = 0; a < 5; a++, w += nv) memcpy(arr[a], w, nv * sizeof *w);
    for (size_t j = 0; j < s->nsk; j++) {
        double *slot = s->data + j * s->slot;
        if (st.exact) {
            memcpy(slot, w, m * sizeof *w);
        } else {
            memcpy(slot, w, st.size[0] * sizeof *w);
            memcpy(slot + s->b0, w + st.size[0], (m - st.size[0]) * sizeof *w);
        }
        w += m;
    }
    s->st = st;
    return 0;
}
