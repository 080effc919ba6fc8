/*
 * stats: streaming statistics of many variables over paths; the public
 * face is stats.h. This file: allocation, the streaming of rows (moments and the copy
 * into the sketch's level 0), merging, and the summary and quantile queries. The sketch
 * itself is in sketch.c, its kernels in stats_sort.c, the CDF in stats_cdf.c,
 * serialisation in stats_save.c; they share stats_int.h.
 *
 * LAYOUT. Moments live in five arrays indexed by variable (mean, M2, min, max, count of
 * values > 0), so the consecutive variables of a row are consecutive in memory and the
 * Welford update vectorises across variables. Each variable owns a fixed slot of `slot`
 * doubles for its quantile sketch (padded so that slots do not alias in the caches).
 * Every variable receives exactly one value per row, so the count n and the whole SHAPE
 * of the sketch are the same for all variables: that state (sk_state, see sketch.c) is
 * kept once per accumulator, and the per-variable work is pure data movement driven by
 * it. stats_add_rows() hands blocks of VBLOCK variables to threads; each thread replays
 * the same shape changes on a private copy of the state, and the shared copy is advanced
 * once afterwards by the same code with no data. Each variable is touched by one thread,
 * in row order, with the same operations whatever the thread count: identical bits.
 *
 * NaN inputs should not occur; they do not crash anything: min and max ignore them,
 * mean and sd become NaN (and the sketch orders them arbitrarily: sketch.c).
 *
 * SPEED. Per value: Welford + min/max/ppos vectorised across variables, with the copy
 * into level 0 in the same pass (rows are far apart in memory: the next rows are
 * prefetched), and amortised about log2(k) merge steps for the level-0 sort plus about 2
 * merge steps in the levels above (the kernels and their shortcuts: stats_sort.c).
 */
#include "stats_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const double stats_quantile_levels[STATS_NQ] = {0.01, 0.05, 0.10, 0.25, 0.50,
                                                0.75, 0.90, 0.95, 0.99};

/* Where value (r, c) of a source lies: base[r * rs + c * vs]. Column c is a variable's
 * index in rows (by_sketch 0), or a sketch index in another accumulator's slots. */
typedef struct {
    const double *base;
    size_t rs, vs;
    int by_sketch;
    const double *minus;    /* NULL, or values to subtract (same layout): base - minus */
} source;

/* ---------- streaming rows */

/* A hint to fetch the cache line at p; no effect on results. */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define PREFETCH_ROWS 8

/* Welford per variable, vectorised across the block's variables, of rows (minus, when
 * not NULL, subtracted: paired differences). With copy (every variable has a sketch,
 * j = v), also the copy into level 0 at position at. Inlined into moments_rows once per
 * combination of minus and copy, so that each loop is compiled without their tests
 * (tested inside the SIMD loop they nearly doubled its cost: docs/ENGINE.md). */
static inline __attribute__((always_inline)) void
moments_rows_k(stats *s, uint64_t n0, size_t v0, size_t nv, const double *rows, const double *minus,
               size_t rs, size_t nrows, size_t at, int copy)
{
    double *restrict mean = s->mean + v0, *restrict m2 = s->m2 + v0;
    double *restrict mn = s->mn + v0, *restrict mx = s->mx + v0;
    double *restrict np = s->npos + v0;
    /* the block's slots when copying (else v0 may lie past the sketched variables' slots) */
    double *restrict dst = copy ? s->data + v0 * s->slot + at : NULL;
    size_t slot = s->slot;
    for (size_t i = 0; i < nrows; i++) {
        const double *restrict x = rows + i * rs + v0;
        const double *restrict y = minus ? minus + i * rs + v0 : x;
        double n = (double)(n0 + i + 1);
        /* Rows are far apart (a whole model row each): the hardware does not see the
         * stride, and the loads below would wait on memory. */
        if (i + PREFETCH_ROWS < nrows)
            for (size_t v = 0; v < nv; v += 8) {
                PREFETCH(x + PREFETCH_ROWS * rs + v);
                if (minus) PREFETCH(y + PREFETCH_ROWS * rs + v);
            }
#pragma omp simd
        for (size_t v = 0; v < nv; v++) {
            double xv = minus ? x[v] - y[v] : x[v];
            double d = xv - mean[v];
            mean[v] += d / n;
            m2[v] += d * (xv - mean[v]);
            mn[v] = xv < mn[v] ? xv : mn[v];
            mx[v] = xv > mx[v] ? xv : mx[v];
            np[v] += xv > 0.0 ? 1.0 : 0.0;
            if (copy) dst[v * slot + i] = xv;   /* the copy into level 0, while the value is here */
        }
    }
}

static void moments_rows(stats *s, uint64_t n0, size_t v0, size_t nv, const double *rows,
                         const double *minus, size_t rs, size_t nrows, size_t at, int copy)
{
    if (minus && copy) moments_rows_k(s, n0, v0, nv, rows, minus, rs, nrows, at, 1);
    else if (minus) moments_rows_k(s, n0, v0, nv, rows, minus, rs, nrows, at, 0);
    else if (copy) moments_rows_k(s, n0, v0, nv, rows, NULL, rs, nrows, at, 1);
    else moments_rows_k(s, n0, v0, nv, rows, NULL, rs, nrows, at, 0);
}

/* Copy rows [r0, r0 + nrows) of sketches [j0, j0 + nj) into their slots at position at:
 * one sketch at a time, so the writes are sequential. */
static void append_rows(stats *s, size_t at, size_t j0, size_t nj, source in, size_t r0,
                        size_t nrows)
{
    size_t j = j0;
    if (in.minus) {   /* differences: rows, never another accumulator's slots */
        for (; j < j0 + nj; j++) {
            size_t c = sk_var(s, j);
            double *restrict dst = s->data + j * s->slot + at;
            const double *restrict x = in.base + r0 * in.rs + c, *restrict y = in.minus + r0 * in.rs + c;
            for (size_t i = 0; i < nrows; i++) dst[i] = x[i * in.rs] - y[i * in.rs];
        }
        return;
    }
    if (in.vs == 1 && (in.by_sketch || !s->skv)) {
        /* Rows: eight variables (one cache line of each row) at a time, so that each
         * line read is used whole, into eight sequential streams. */
        for (; j + 8 <= j0 + nj; j += 8) {
            double *restrict d[8];
            for (size_t u = 0; u < 8; u++) d[u] = s->data + (j + u) * s->slot + at;
            const double *restrict x = in.base + r0 * in.rs + j;
            for (size_t i = 0; i < nrows; i++, x += in.rs)
                for (size_t u = 0; u < 8; u++) d[u][i] = x[u];
        }
    }
    for (; j < j0 + nj; j++) {
        size_t c = in.by_sketch ? j : sk_var(s, j);
        double *restrict dst = s->data + j * s->slot + at;
        const double *restrict x = in.base + r0 * in.rs + c * in.vs;
        for (size_t i = 0; i < nrows; i++) dst[i] = x[i * in.rs];
    }
}

/* Feed nrows values of variables [v0, v0 + nv) through the sketch, advancing st; with
 * moments, also the Welford update (source rows contiguous in variables). With nv = 0
 * this only advances the shape: the same steps, no data. */
static void run_rows(stats *s, sk_state *st, size_t v0, size_t nv, source in, size_t nrows,
                     int moments)
{
    size_t r = 0, j0, nj = sk_range(s, v0, nv, &j0);
    while (r < nrows) {
        if (st->exact && st->n == s->budget) {
            sketch_convert_block(s, st, j0, nj);
            continue;
        }
        size_t at = st->exact ? (size_t)st->n : st->size[0];
        size_t room = (st->exact ? s->budget : s->b0) - at;
        size_t seg = min_size(room, nrows - r);
        if (nv > 0) {
            int fused = moments && !s->skfirst;
            if (moments)
                moments_rows(s, st->n, v0, nv, in.base + r * in.rs, in.minus ? in.minus + r * in.rs : NULL,
                             in.rs, seg, at, fused);
            if (!fused) append_rows(s, at, j0, nj, in, r, seg);
        }
        st->n += seg;
        r += seg;
        if (!st->exact) {
            st->size[0] += (uint32_t)seg;
            if (st->size[0] == s->b0) sketch_cascade_block(s, st, j0, nj);
        }
    }
}

/* Below this many values a parallel region costs more than it saves (and with busy
 * cores, far more). Whether threads are used never changes a result. */
#define PAR_MIN_VALUES 32768

/* Run the blocks of variables in parallel, each on a private copy of the shape, then
 * advance the shared shape once. Blocks cost very different amounts (constant and
 * ordered variables skip their sorts), so they are handed out one at a time. */
static void run_all(stats *s, source in, size_t nrows, int moments)
{
    size_t nblocks = (s->nvars + VBLOCK - 1) / VBLOCK;
    int par = nblocks > 1 && nrows * s->nvars >= PAR_MIN_VALUES;
#pragma omp parallel for schedule(dynamic, 1) if (par)
    for (size_t b = 0; b < nblocks; b++) {
        sk_state st = s->st;
        size_t v0 = b * VBLOCK;
        run_rows(s, &st, v0, min_size(VBLOCK, s->nvars - v0), in, nrows, moments);
    }
    run_rows(s, &s->st, 0, 0, in, nrows, moments);
}

void stats_add_rows(stats *s, const double *rows, size_t nrows, size_t stride, size_t first)
{
    if (!s || nrows == 0) return;
    source in = {s->nvars ? rows + first : rows, stride, 1, 0, NULL};
    run_all(s, in, nrows, 1);
}

void stats_add_diff_rows(stats *s, const double *a, const double *b, size_t nrows, size_t stride, size_t first)
{
    if (!s || nrows == 0) return;
    source in = {s->nvars ? a + first : a, stride, 1, 0, s->nvars ? b + first : b};
    run_all(s, in, nrows, 1);
}

size_t stats_add_pieces(const stats *s)
{
    return s ? (s->nvars + VBLOCK - 1) / VBLOCK : 0;
}

/* The same steps as one block of run_all: a private copy of the shape, this block's
 * variables. */
static void add_piece(stats *s, size_t piece, source in, size_t nrows)
{
    if (!s || nrows == 0 || piece >= stats_add_pieces(s)) return;
    sk_state st = s->st;
    size_t v0 = piece * VBLOCK;
    run_rows(s, &st, v0, min_size(VBLOCK, s->nvars - v0), in, nrows, 1);
}

void stats_add_rows_piece(stats *s, size_t piece, const double *rows, size_t nrows,
                          size_t stride, size_t first)
{
    add_piece(s, piece, (source){rows + first, stride, 1, 0, NULL}, nrows);
}

void stats_add_diff_rows_piece(stats *s, size_t piece, const double *a, const double *b, size_t nrows,
                               size_t stride, size_t first)
{
    add_piece(s, piece, (source){a + first, stride, 1, 0, b + first}, nrows);
}

void stats_add_rows_end(stats *s, size_t nrows)
{
    if (!s || nrows == 0) return;
    source none = {NULL, 0, 1, 0, NULL}; /* no variables: the shape advances, no data is read */
    run_rows(s, &s->st, 0, 0, none, nrows, 1);
}

/* ---------- allocation */

static void free_arrays(stats *s)
{
    free(s->mean);
    free(s->m2);
    free(s->mn);
    free(s->mx);
    free(s->npos);
    free(s->skv);
    free(s->skfirst);
    if (s->data_bytes)
        munmap(s->data, s->data_bytes);
    else
        free(s->data);
}

void stats_free(stats *s)
{
    if (!s) return;
    free_arrays(s);
    free(s->coin);
    free(s);
}

int stats_set_coins(stats *s, const uint64_t *coin)
{
    uint64_t *c = malloc((s->nvars ? s->nvars : 1) * sizeof *c);
    if (!c) return -1;
    memcpy(c, coin, s->nvars * sizeof *c);
    free(s->coin);
    s->coin = c;
    return 0;
}

static double *alloc_doubles(size_t n) { return malloc((n ? n : 1) * sizeof(double)); }

/* The sketch storage, zeroed and resident from the start: the memory is fixed at
 * allocation, and the process should hold it at once rather than fault it in page by
 * page as the higher levels fill (which made the resident size look as if it grew with
 * paths). Large blocks are mapped and pre-faulted by the kernel (MADV_POPULATE_WRITE:
 * no fault per 4 KiB as under memset), in chunks spread over the threads, since most of
 * the cost is the kernel's per-page work. */
enum { POPULATE_MIN = 1 << 22, POPULATE_CHUNK = 1 << 21 };

static void populate(char *p, size_t bytes)
{
    size_t nchunks = (bytes + POPULATE_CHUNK - 1) / POPULATE_CHUNK;
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < nchunks; c++) {
        char *q = p + c * POPULATE_CHUNK;
        size_t len = bytes - c * POPULATE_CHUNK < POPULATE_CHUNK ? bytes - c * POPULATE_CHUNK : POPULATE_CHUNK;
#ifdef MADV_POPULATE_WRITE
        if (madvise(q, len, MADV_POPULATE_WRITE) == 0) continue;
#endif
        for (size_t i = 0; i < len; i += 4096) q[i] = 0; /* older kernels: touch each page */
    }
}

static double *alloc_data(stats *s, size_t n)
{
    size_t bytes = (n ? n : 1) * sizeof(double);
#if defined(MAP_ANONYMOUS)
    if (bytes >= POPULATE_MIN) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            populate(p, bytes);
            s->data_bytes = bytes;
            return p;
        }
    }
#endif
    double *p = malloc(bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

/* Slot size: level 0's b0 raw values and below-capacity levels under any top (at most
 * capd[d] - 1 items at depth d), or the exact budget; whole 64-byte lines (8 doubles),
 * padded so that consecutive slots do not start at the same offset modulo 4 KiB (the
 * blocks' level-0 buffers are written together and would share cache sets). */
static size_t slot_size(const stats *s)
{
    size_t slot = s->b0;
    for (unsigned d = 0; d + 1 < L_MAX; d++) slot += s->capd[d];
    if (slot < s->budget) slot = s->budget;
    slot = (slot + 7) / 8 * 8;
    if (slot % 512 == 0) slot += 8;
    return slot;
}

/* The capacities by depth below the top (sketch.c, SKETCH): k at the top, then each the
 * even part of 2/3 (decay 3) or 1/2 (decay 2) of the one above, at least 2. Integers, so
 * the same everywhere. */
static void capacities(stats *s)
{
    s->capd[0] = s->k;
    for (unsigned d = 1; d < L_MAX; d++) {
        uint32_t c = s->capd[d - 1] * (s->decay - 1) / s->decay;
        c &= ~UINT32_C(1);
        s->capd[d] = c < 2 ? 2 : c;
    }
}

/* The sketched variables' maps (stats_int.h); none when every variable is sketched. */
static int set_sketched(stats *s, const unsigned char *sketched)
{
    size_t n = 0;
    for (size_t v = 0; sketched && v < s->nvars; v++) n += sketched[v] != 0;
    s->nsk = sketched ? n : s->nvars;
    if (s->nsk == s->nvars) return 0;
    s->skv = malloc((n ? n : 1) * sizeof *s->skv);
    s->skfirst = malloc((s->nvars + 1) * sizeof *s->skfirst);
    if (!s->skv || !s->skfirst) return -1;
    size_t j = 0;
    for (size_t v = 0; v < s->nvars; v++) {
        s->skfirst[v] = j;
        if (sketched[v]) s->skv[j++] = v;
    }
    s->skfirst[s->nvars] = j;
    return 0;
}

/* The flags of s's sketched variables into f (nvars), for a copy. */
static const unsigned char *sketched_flags(const stats *s, unsigned char **f)
{
    *f = NULL;
    if (!s->skfirst) return NULL;
    *f = calloc(s->nvars ? s->nvars : 1, 1);
    if (!*f) return NULL;
    for (size_t j = 0; j < s->nsk; j++) (*f)[s->skv[j]] = 1;
    return *f;
}

stats *stats_alloc_decay(size_t nvars, unsigned k, unsigned b0, unsigned exact_budget, unsigned decay,
                         const unsigned char *sketched)
{
    if (k < 4 || k > K_MAX || k % 2 || b0 < 2 || b0 > B0_MAX || b0 % 2 || exact_budget > BUDGET_MAX ||
        (decay != 2 && decay != 3))
        return NULL;
    stats *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->nvars = nvars;
    s->k = k;
    s->b0 = b0;
    s->budget = exact_budget;
    s->decay = decay;
    capacities(s);
    s->slot = slot_size(s);
    if (nvars > SIZE_MAX / sizeof(double) / s->slot) {
        free(s);
        return NULL;
    }
    s->mean = alloc_doubles(nvars);
    s->m2 = alloc_doubles(nvars);
    s->mn = alloc_doubles(nvars);
    s->mx = alloc_doubles(nvars);
    s->npos = alloc_doubles(nvars);
    if (set_sketched(s, sketched) != 0) {
        stats_free(s);
        return NULL;
    }
    s->data = alloc_data(s, s->nsk * s->slot);
    if (!s->mean || !s->m2 || !s->mn || !s->mx || !s->npos || !s->data) {
        stats_free(s);
        return NULL;
    }
    stats_reset(s);
    return s;
}

stats *stats_alloc_sketch(size_t nvars, unsigned k, unsigned b0, unsigned exact_budget)
{
    return stats_alloc_decay(nvars, k, b0, exact_budget, 3, NULL);
}

stats *stats_alloc(size_t nvars)
{
    return stats_alloc_sketch(nvars, STATS_SKETCH_K, STATS_SKETCH_B0, STATS_EXACT_BUDGET);
}

stats *stats_alloc_kind(size_t nvars, stats_kind kind, uint64_t max_values, const unsigned char *sketched)
{
    switch (kind) {
    case STATS_RUN:
        return stats_alloc_decay(nvars, STATS_SKETCH_K, STATS_SKETCH_B0, STATS_EXACT_BUDGET, 3, sketched);
    case STATS_PART:
        if (max_values <= STATS_EXACT_BUDGET) return stats_alloc_kind(nvars, STATS_RUN, 0, sketched);
        /* A part never holds more than a superblock, so its top can be half the run's; its
         * capacities decay by 2/3 as the run's do (halving them saved 7 KiB per variable
         * but left runs of one or two superblocks at a worst rank error of 0.30%, 0.17%
         * with 2/3: docs/OUTPUT.md). */
        return stats_alloc_decay(nvars, STATS_PART_K, STATS_SKETCH_B0, 0, 3, sketched);
    case STATS_DIFF:
        return stats_alloc_decay(nvars, STATS_DIFF_K, STATS_DIFF_B0, STATS_DIFF_BUDGET, 3, sketched);
    case STATS_DIFF_PART:
        if (max_values <= STATS_DIFF_BUDGET) return stats_alloc_kind(nvars, STATS_DIFF, 0, sketched);
        return stats_alloc_decay(nvars, STATS_DIFF_PART_K, STATS_DIFF_B0, 0, 3, sketched);
    }
    return NULL;
}

stats *stats_alloc_part(size_t nvars, uint64_t max_values)
{
    return stats_alloc_kind(nvars, STATS_PART, max_values, NULL);
}

stats *stats_alloc_diff(size_t nvars) { return stats_alloc_kind(nvars, STATS_DIFF, 0, NULL); }

stats *stats_alloc_diff_part(size_t nvars, uint64_t max_values)
{
    return stats_alloc_kind(nvars, STATS_DIFF_PART, max_values, NULL);
}

stats *stats_clone(const stats *s)
{
    if (!s) return NULL;
    unsigned char *flags;
    const unsigned char *sk = sketched_flags(s, &flags);
    if (s->skfirst && !flags) return NULL;
    stats *c = stats_alloc_decay(s->nvars, s->k, s->b0, s->budget, s->decay, sk);
    free(flags);
    if (!c) return NULL;
    size_t n = s->nvars;
    memcpy(c->mean, s->mean, n * sizeof(double));
    memcpy(c->m2, s->m2, n * sizeof(double));
    memcpy(c->mn, s->mn, n * sizeof(double));
    memcpy(c->mx, s->mx, n * sizeof(double));
    memcpy(c->npos, s->npos, n * sizeof(double));
    memcpy(c->data, s->data, s->nsk * s->slot * sizeof(double));
    c->st = s->st;
    if (s->coin && stats_set_coins(c, s->coin) != 0) {
        stats_free(c);
        return NULL;
    }
    return c;
}

void stats_reset(stats *s)
{
    if (!s) return;
    for (size_t v = 0; v < s->nvars; v++) {
        s->mean[v] = s->m2[v] = s->npos[v] = 0.0;
        s->mn[v] = INFINITY;
        s->mx[v] = -INFINITY;
    }
    sketch_state_init(s, &s->st);
}

void stats_set_seed(stats *s, uint64_t seed)
{
    if (s) s->st.seed = seed;
}

size_t stats_nvars(const stats *s) { return s ? s->nvars : 0; }

int stats_sketched(const stats *s, size_t v) { return s && v < s->nvars && sk_of(s, v) >= 0; }

double stats_count(const stats *s) { return s ? (double)s->st.n : 0.0; }

size_t stats_bytes_per_var(const stats *s)
{
    return s ? (s->slot + 5) * sizeof(double) : 0;
}

/* ---------- merging */

/* Chan et al.: combine (n_a, mean_a, M2_a) with (n_b, mean_b, M2_b). */
static void merge_moments(stats *into, const stats *from)
{
    double na = (double)into->st.n, nb = (double)from->st.n, n = na + nb;
    for (size_t v = 0; v < into->nvars; v++) {
        if (na == 0.0) {
            into->mean[v] = from->mean[v];
            into->m2[v] = from->m2[v];
        } else {
            double d = from->mean[v] - into->mean[v];
            into->mean[v] += d * (nb / n);
            into->m2[v] += from->m2[v] + d * d * (na * nb / n);
        }
        if (from->mn[v] < into->mn[v]) into->mn[v] = from->mn[v];
        if (from->mx[v] > into->mx[v]) into->mx[v] = from->mx[v];
        into->npos[v] += from->npos[v];
    }
}

/* Can from's values join into's? The same variables: a KLL merge takes any capacities
 * (level h has weight 2^h in both), and raw values stream in. */
static int mergeable(const stats *into, const stats *from)
{
    if (into->nvars != from->nvars || into->nsk != from->nsk || !into->skv != !from->skv) return 0;
    return !into->skv || memcmp(into->skv, from->skv, into->nsk * sizeof *into->skv) == 0;
}

int stats_merge(stats *into, const stats *from)
{
    if (!into || !from || !mergeable(into, from)) return -1;
    if (from->st.n == 0) return 0;
    if (into == from) {
        stats *copy = stats_clone(from);
        if (!copy) return -1;
        int rc = stats_merge(into, copy);
        stats_free(copy);
        return rc;
    }
    merge_moments(into, from);
    if (from->st.exact) {
        /* from's raw values stream in after into's, as if added as rows */
        source in = {from->data, 1, from->slot, 1, NULL};
        run_all(into, in, (size_t)from->st.n, 0);
        return 0;
    }
    if (into->st.exact) sketch_convert_all(into);
    sketch_merge(into, from);
    return 0;
}

/* ---------- queries */

/* Type-7 quantile of sorted x[0..n), the very formula of GSL's
 * gsl_stats_quantile_from_sorted_data, so the two agree to the bit. */
static double quantile_sorted(const double *x, size_t n, double p)
{
    const double index = p * (double)(n - 1);
    const size_t lhs = (size_t)index;
    const double delta = index - (double)lhs;
    if (lhs >= n - 1) return x[n - 1];
    return (1 - delta) * x[lhs] + delta * x[lhs + 1];
}

static void quantiles_exact(const double *slot, size_t n, const double *p, size_t np,
                            double *q)
{
    double x[BUDGET_MAX], tmp[BUDGET_MAX];
    memcpy(x, slot, n * sizeof *x);
    sort_doubles(x, n, tmp);
    for (size_t i = 0; i < np; i++) q[i] = quantile_sorted(x, n, p[i] < 0 ? 0 : p[i] > 1 ? 1 : p[i]);
}

/* Quantiles of variable v at the ascending levels p[0..np) (each clamped to [0, 1]). */
static void quantiles(const stats *s, size_t v, const double *p, size_t np, double *q)
{
    ptrdiff_t j = sk_of(s, v);
    if (j < 0) {
        for (size_t i = 0; i < np; i++) q[i] = NAN;
    } else if (s->st.n == 0) {
        for (size_t i = 0; i < np; i++) q[i] = 0.0;
    } else if (s->st.exact) {
        quantiles_exact(s->data + (size_t)j * s->slot, (size_t)s->st.n, p, np, q);
    } else {
        sketch_quantiles(s, v, (size_t)j, p, np, q);
    }
}

double stats_quantile(const stats *s, size_t v, double p)
{
    if (!s || v >= s->nvars || isnan(p)) return NAN;
    double q;
    quantiles(s, v, &p, 1, &q);
    return q;
}

void stats_get(const stats *s, size_t v, stats_summary *out)
{
    memset(out, 0, sizeof *out);
    if (!s || v >= s->nvars || s->st.n == 0) return; /* no data: all zero */
    double n = (double)s->st.n;
    out->n = n;
    out->mean = s->mean[v];
    double var = n > 1 ? s->m2[v] / (n - 1) : 0.0;
    out->sd = isnan(var) ? var : var > 0 ? sqrt(var) : 0.0; /* NaN input stays visible */
    out->se = out->sd / sqrt(n);
    out->min = s->mn[v];
    out->max = s->mx[v];
    out->ppos = s->npos[v] / n;
    quantiles(s, v, stats_quantile_levels, STATS_NQ, out->q);
}
