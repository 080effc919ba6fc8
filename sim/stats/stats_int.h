/*
 * stats_int: PRIVATE TO sim/stats. Only the files of the stats accumulator include it
 * (stats.c, sketch.c, stats_sort.c, stats_cdf.c, stats_save.c); everyone else sees
 * stats.h. It holds the accumulator's layout (struct stats: see stats.c), the sketch's
 * shared shape (sk_state: see sketch.c), the small helpers every file uses (static
 * inline, so that splitting the module into files costs no speed), and the functions the
 * files call in one another:
 *   sort_*    stats_sort.c  sorting and compaction kernels on arrays of doubles
 *   sketch_*  sketch.c      the quantile sketch: its shape, compactions, merges, quantiles
 */
#ifndef CAPSIM_STATS_INT_H
#define CAPSIM_STATS_INT_H

#include "stats.h"

#include <stddef.h>
#include <stdint.h>

enum {
    K_MAX = 4096,       /* largest top capacity k */
    B0_MAX = 1024,      /* largest level-0 buffer: bounds the stack scratch of queries */
    L_MAX = 48,         /* levels: the top grows past level h only after k 2^h values */
    BUDGET_MAX = 4096,  /* largest exact budget */
    OPS_MAX = 4 * L_MAX, /* compactions one step may plan (a few passes over the levels) */
    VBLOCK = 64         /* variables per thread work item: 8 cache lines of each row */
};

/* The shape of the sketch, shared by all variables of an accumulator (see sketch.c). */
typedef struct {
    uint64_t n;             /* values per variable */
    int exact;              /* the slot holds raw values (n <= budget) */
    unsigned top;           /* the top level H (1 in an empty sketch) */
    uint32_t size[L_MAX];   /* items at each level; level 0 raw and unsorted, the others sorted */
    uint64_t cnt[L_MAX];    /* compactions so far at each level: keys the next parity */
    uint64_t seed;          /* keys the compactions' parities (stats_set_seed) */
    double errp, errn;      /* the error bound tallied (see ERROR in sketch.c) */
} sk_state;

struct stats {
    size_t nvars;
    unsigned k, b0, budget; /* top capacity, level-0 buffer, exact budget */
    unsigned decay;         /* capacities decay by 2/3 (3) or 1/2 (2) per level below the top */
    uint32_t capd[L_MAX];   /* capacity of the level at depth d below the top */
    size_t slot;            /* doubles per variable, padded */
    sk_state st;
    double *mean, *m2, *mn, *mx, *npos;
    double *data;      /* nvars * slot */
    size_t data_bytes; /* its mapping, when mapped (see alloc_data); 0 from malloc */
    uint64_t *coin;    /* nvars: each variable's key for its compaction coins (see
                        * stats_set_coins); NULL: the variable's index */
    /* Variables without a sketch (stats_alloc_kind's sketched flags): moments only.
     * The sketched ones, in index order, own the slots: sketch j is variable skv[j],
     * and skfirst[v] counts the sketched variables before v (nvars + 1 entries). Both
     * NULL when every variable has a sketch (then j = v). */
    size_t nsk;        /* sketched variables */
    size_t *skv, *skfirst;
};

/* Variable v's sketch index (its slot is data + j * slot), or -1 when it has none. */
static inline ptrdiff_t sk_of(const stats *s, size_t v)
{
    if (!s->skfirst) return (ptrdiff_t)v;
    return s->skfirst[v + 1] > s->skfirst[v] ? (ptrdiff_t)s->skfirst[v] : -1;
}

/* The variable of sketch j. */
static inline size_t sk_var(const stats *s, size_t j) { return s->skv ? s->skv[j] : j; }

/* The sketches of variables [v0, v0 + nv): sketch indices [*j0, *j0 + return). */
static inline size_t sk_range(const stats *s, size_t v0, size_t nv, size_t *j0)
{
    if (!s->skfirst) {
        *j0 = v0;
        return nv;
    }
    *j0 = s->skfirst[v0];
    return s->skfirst[v0 + nv] - s->skfirst[v0];
}

/* stats_alloc_sketch with the capacities' decay: 3 (by 2/3 per level) or 2 (by 1/2), and
 * the variables that keep a sketch (NULL: all). */
stats *stats_alloc_decay(size_t nvars, unsigned k, unsigned b0, unsigned exact_budget, unsigned decay,
                         const unsigned char *sketched);

/* The key of sketch j's compaction coins: its variable's key. */
static inline uint64_t sk_coin(const stats *s, size_t j)
{
    size_t v = sk_var(s, j);
    return s->coin ? s->coin[v] : (uint64_t)v;
}

/* A sorted run of items of equal weight: a level, as a query or a merge sees it. */
typedef struct {
    const double *p;
    size_t n;
    double w;
} run;

static inline size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* 2^h exactly, as ldexp(1.0, h) gives it, without the library call (h < 64). */
static inline double pow2(unsigned h) { return (double)(UINT64_C(1) << h); }

/* ---------- the sketch's levels inside a variable's slot */

/* Level 0 (raw) is at the start of the slot; levels top, top-1, ..., 1 follow, packed
 * in that order (so a change at the low levels, the frequent one, moves no higher
 * level). The offset of level h >= 1 in the slot. */
static inline size_t level_off(const stats *s, const sk_state *st, unsigned h)
{
    size_t off = s->b0;
    for (unsigned j = st->top; j > h; j--) off += st->size[j];
    return off;
}

/* The non-empty levels h >= 1 of a slot as runs of weight 2^h, top first; returns how
 * many (at most L_MAX - 1). */
static inline size_t sketch_levels(const stats *s, const sk_state *st, const double *slot, run *runs)
{
    size_t nr = 0, off = s->b0;
    for (unsigned h = st->top; h >= 1; h--) {
        if (st->size[h] > 0) runs[nr++] = (run){slot + off, st->size[h], pow2(h)};
        off += st->size[h];
    }
    return nr;
}

/* ---------- small kernels used on both sides of the stats_sort.c boundary */

/* a[0..n) ascending? (A NaN makes it fail.) */
static inline int is_sorted(const double *a, size_t n)
{
    size_t sorted = 1;
    for (size_t i = 1; i < n && sorted; i++) sorted = a[i - 1] <= a[i];
    return (int)sorted;
}

/* ---------- stats_sort.c: kernels (every loop bounded by counts: NaN cannot hang them) */

/* A whole array ascending: in order already, few values (counted), or merge-sorted.
 * tmp holds n doubles. */
void sort_doubles(double *a, size_t n, double *tmp);

/* Merge sorted a[0..na) and b[0..nb) into out; ties take a first. */
void sort_merge2(const double *a, size_t na, const double *b, size_t nb, double *out);

/* Compact the union of sorted a[0..na) and b[0..nb) (na + nb even): its merged positions
 * o, o+2, ... into out (room for (na + nb) / 2 + 1). */
void sort_merge_decimate_n(const double *a, size_t na, const double *b, size_t nb, unsigned o,
                           double *out);

/* ---------- sketch.c: the quantile sketch */

/* The empty shape of s (exact while s has a budget). */
void sketch_state_init(const stats *s, sk_state *st);

/* At n = budget: the raw values of sketches [j0, j0 + nj) become the sketch, advancing
 * st (nj = 0: the shape only). */
void sketch_convert_block(stats *s, sk_state *st, size_t j0, size_t nj);

/* Level 0 full: the cascade of compactions on sketches [j0, j0 + nj), advancing st. */
void sketch_cascade_block(stats *s, sk_state *st, size_t j0, size_t nj);

/* s (exact) becomes a sketch of the same values, all variables. */
void sketch_convert_all(stats *s);

/* into's sketch := the sketch of into's values followed by from's (both sketches). */
void sketch_merge(stats *into, const stats *from);

/* Quantiles of variable v (sketch j) at ascending levels p[0..np) from the sketch (not
 * exact). */
void sketch_quantiles(const stats *s, size_t v, size_t j, const double *p, size_t np, double *q);

#endif
