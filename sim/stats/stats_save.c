/*
 * stats_save: the stats accumulator's whole state as 64-bit words and back (public face:
 * stats.h), for shards and MPI ranks (sim/engine/engine_pack.c, docs/ENGINE.md).
 *
 * The whole state as 64-bit words: a header (parameters and the shared shape), the five
 * moment arrays, then for each variable only the items its sketch uses (the same count
 * for every variable, since the shape is shared): the raw values while exact, else level
 * 0's size0 raw items followed by each occupied level's k/2 sorted items, level by level.
 * Doubles travel as their bit patterns, so stats_load() restores every bit: the loaded
 * accumulator answers queries and takes rows and merges exactly as the saved one would.
 */
#include "stats_int.h"

#include <stdint.h>
#include <string.h>

#define SAVE_MAGIC UINT64_C(0x32534154534d4143) /* a tag: "CAMSTAS2" in little-endian bytes */
#define SAVE_HEAD 15                            /* header words */

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

/* Items per variable that the shape st uses. */
static size_t used_items(const stats *s, const sk_state *st)
{
    if (st->exact) return (size_t)st->n;
    size_t m = st->size0;
    for (unsigned h = 1; h <= s->top; h++)
        if (occupied(st, h)) m += s->half;
    return m;
}

size_t stats_save_words(const stats *s)
{
    return SAVE_HEAD + s->nvars * (5 + used_items(s, &s->st));
}

void stats_save(const stats *s, uint64_t *w)
{
    const sk_state *st = &s->st;
    size_t m = used_items(s, st), nv = s->nvars;
    uint64_t head[SAVE_HEAD] = { SAVE_MAGIC, nv, s->k, s->levels, s->budget, st->n,
                                 (uint64_t)st->exact, st->size0, st->occ, st->ncomp,
                                 dbits(st->top_w), dbits(st->errp), dbits(st->errn), m, st->seed };
    memcpy(w, head, sizeof head);
    w += SAVE_HEAD;
    const double *arr[5] = { s->mean, s->m2, s->mn, s->mx, s->npos };
    for (int a = 0; a < 5; a++, w += nv) memcpy(w, arr[a], nv * sizeof *w);
    for (size_t v = 0; v < nv; v++) {
        const double *slot = s->data + v * s->slot;
        size_t raw = st->exact ? (size_t)st->n : st->size0;
        memcpy(w, slot, raw * sizeof *w);
        w += raw;
        if (st->exact) continue;
        for (unsigned h = 1; h <= s->top; h++) {
            if (!occupied(st, h)) continue;
            memcpy(w, level_cptr(s, slot, h), s->half * sizeof *w);
            w += s->half;
        }
    }
}

int stats_load(stats *s, const uint64_t *w, size_t nwords)
{
    if (!s || !w || nwords < SAVE_HEAD || w[0] != SAVE_MAGIC || w[1] != s->nvars || w[2] != s->k ||
        w[3] != s->levels || w[4] != s->budget)
        return -1;
    sk_state st;
    memset(&st, 0, sizeof st);
    st.n = w[5];
    st.exact = w[6] != 0;
    st.size0 = (unsigned)w[7];
    st.occ = w[8];
    st.ncomp = w[9];
    st.top_w = bitsd(w[10]);
    st.errp = bitsd(w[11]);
    st.errn = bitsd(w[12]);
    st.seed = w[14];
    size_t nv = s->nvars;
    /* Reject shapes this accumulator cannot hold, before a byte is copied. */
    if ((st.exact && st.n > s->budget) || (!st.exact && st.size0 >= s->k) ||
        (st.occ & ~(((UINT64_C(2) << s->top) - 1) & ~UINT64_C(1))) != 0)
        return -1;
    size_t m = used_items(s, &st);
    if (w[13] != m || nwords != SAVE_HEAD + nv * (5 + m)) return -1;
    w += SAVE_HEAD;
    double *arr[5] = { s->mean, s->m2, s->mn, s->mx, s->npos };
    for (int a = 0; a < 5; a++, w += nv) memcpy(arr[a], w, nv * sizeof *w);
    for (size_t v = 0; v < nv; v++) {
        double *slot = s->data + v * s->slot;
        size_t raw = st.exact ? (size_t)st.n : st.size0;
        memcpy(slot, w, raw * sizeof *w);
        w += raw;
        if (st.exact) continue;
        for (unsigned h = 1; h <= s->top; h++) {
            if (!occupied(&st, h)) continue;
            memcpy(level_ptr(s, slot, h), w, s->half * sizeof *w);
            w += s->half;
        }
    }
    s->st = st;
    return 0;
}
