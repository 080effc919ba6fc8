/*
 * sketch: the quantile sketch of the stats accumulator (private to sim/stats; its public
 * face is stats.h): the shape shared by all variables, the compactions that keep every
 * level within its capacity, the conversion of exact values into a sketch, the merge of
 * two sketches, quantiles from a sketch, and its rank error (the tally and the stated
 * bound).
 *
 * SHAPE. Every variable receives exactly one value per row, so the count n and the whole
 * shape of the sketch (how many items each level holds, how many compactions each level
 * has done, the error tally) are the same for all variables: that state (sk_state) is
 * kept once per accumulator. Each step is planned once on the shape (plan_settle), which
 * advances it and lists the compactions to do, and then applied to each variable's slot
 * (apply): pure data movement driven by the plan, the same operations for every
 * variable.
 *
 * SKETCH. While n <= budget (STATS_EXACT_BUDGET) the slot holds the raw values and the
 * quantiles are exact (type 7, the formula of gsl_stats_quantile_from_sorted_data).
 * Beyond, the slot holds a KLL-style compactor hierarchy (Karnin, Lang and Liberty 2016)
 * with top capacity k (STATS_SKETCH_K) and level-0 buffer b0 (STATS_SKETCH_B0):
 *   level 0          up to b0 raw values, weight 1, unsorted;
 *   level h >= 1     sorted items of weight 2^h, fewer than cap(h) of them;
 *   cap(h) = capd[top - h]: capd[0] = k, capd[d] = the even part of 2/3 capd[d-1], at
 *   least 2. The top level holds up to k items; the levels below have capacities that
 *   decay geometrically (c = 2/3) with their depth below the top.
 * A level that reaches its capacity is compacted: its items sorted (level 0) and the
 * items at positions o, o+2, ... of its smallest even number of them move to the next
 * level with double weight (merged into its sorted items); an odd item left over stays.
 * The lowest level at or over capacity goes first, until none is; when the top itself
 * fills, a new top is opened above it and every capacity below shrinks by 2/3 (the
 * levels then over capacity are compacted in the same pass). Weight is conserved
 * exactly: n = size[0] + sum_h size[h] 2^h at every step (tests/test_stats.c).
 * Why this schedule: the error of a compaction is +-2^h and the top levels' compactions,
 * few but heavy, make most of the variance; large top levels make them rare, and the
 * lower levels, whose errors are small, can be small. Memory is fixed whatever n is:
 * b0 + sum_d capd[d] doubles, about b0 + 3k (6678 doubles = 52 KiB for k = 2048,
 * b0 = 512), against 64 KiB for the Munro-Paterson hierarchy with k = 1024 it replaces
 * (15 levels of 512 items each, allocated for 1.7e7 values). A superblock's part
 * (stats_alloc_part) never holds more than a superblock, so its top is 1024 (capacities
 * decaying by 2/3 below it as the run's: about 28 KiB).
 * Measurements: docs/OUTPUT.md, accuracy.
 * Layout in the slot: level 0 at the start (the rows are copied there as they stream),
 * then levels top, top-1, ..., 1 packed in that order, so that the frequent changes at
 * the low levels move no higher level (level_off, stats_int.h). A step gathers the
 * levels it touches into a scratch area, compacts there and writes them back packed.
 *
 * PARITY. A compaction with offset 0 keeps the lower item of each pair and moves the
 * estimated rank of any x by +w or 0, offset 1 by -w or 0 (ERROR below). Fixed offsets
 * made every superblock's accumulator, which starts from the same empty state, repeat
 * the same errors, so they added up instead of cancelling (quantiles were biased low,
 * mean signed rank error -0.10% at 1e5 paths). So each offset is a fair coin, and the
 * compactions of a level come in pairs with opposite coins: the c-th compaction at level
 * h has key = mix64(seed ^ mix64(64 (c div 2) + h)), variable v's offset is the top bit
 * of mix64(key + (coin_v + 1) phi), flipped when c is odd. The seed (stats_set_seed; the
 * engine gives superblock s the seed s + 1) makes accumulators that are merged later
 * independent; the pair index and the level make pairs independent, the variable's coin
 * key (stats_set_coins) variables. Each compaction's error is then +-w with mean 0
 * (unbiased), and the two errors of a pair have opposite signs: when both are non-zero
 * they cancel, which halves the variance of a pair (w^2 / 2 instead of w^2) at no cost.
 * Everything is keyed by the sequence of adds and merges alone, never by threads: the
 * same bits for any thread count, rank or shard.
 *
 * ERROR. Fix a query x; let r be the number of items <= x (or < x: the argument is the
 * same) among the m items a compaction of weight w takes. Before it they count w r;
 * after it, 2w ceil(r/2) if o = 0, or 2w floor(r/2) if o = 1. So each compaction moves
 * the estimate of rank(x) by +w (o = 0) or -w (o = 1) when r is odd, else by 0, whatever
 * x is, and a pair (opposite offsets) by at most w either way. Adding up,
 * |estimate(x) - rank(x)| <= the summed weights of the pairs (a pair not yet completed
 * counting once): the accumulator tallies them for all variables at once
 * (stats_rank_error(), errp = errn, merged by addition). The observed errors, sums of
 * independent +-w terms of mean 0, are far smaller: their standard deviation is
 * about sqrt(sum of w^2 / 4) over the pairs.
 * A priori bound (stats_rank_error_bound): the shape, and so the tally, depends only on
 * the sequence of adds and merges; for n values streamed into one accumulator it is
 * computed by running the shape alone (no data).
 * Quantile: the sketch returns the smallest item y whose cumulative weight reaches
 * t = p n. With |error| <= E for both "<= x" and "< x", rank(<= y) >= t - E and
 * rank(< y) < t + E: the true rank interval of y lies within E of p n.
 *
 * NaN inputs should not occur; they do not crash anything: the sketch orders them
 * arbitrarily (every loop is bounded by counts, never by comparisons, so an inconsistent
 * order cannot overrun a buffer).
 */
#include "stats_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- the shared shape */

void sketch_state_init(const stats *s, sk_state *st)
{
    memset(st, 0, sizeof *st);
    st->exact = s->budget > 0; /* budget 0: a sketch from the first value */
    st->top = 1;
}

/* The capacity of level h under the shape st. */
static inline uint32_t cap(const stats *s, const sk_state *st, unsigned h)
{
    return h == 0 ? s->b0 : s->capd[st->top - h];
}

/* splitmix64's finaliser: a bijection of 64 bits, each output bit depending on every
 * input bit. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Variable v's offset (0 or 1) in a compaction of key: a fair coin, independent across
 * keys and variables. */
static inline unsigned var_offset(uint64_t key, uint64_t v)
{
    return (unsigned)(mix64(key + (v + 1) * UINT64_C(0x9e3779b97f4a7c15)) >> 63);
}

/* ---------- planning: the compactions that bring every level under its capacity */

typedef struct {
    uint64_t key;
    uint32_t m;         /* items compacted (even): the m smallest of the level */
    unsigned char h;    /* level */
    unsigned char flip; /* second of its pair: the offset is flipped */
} sk_op;

typedef struct {
    unsigned nops, hi;            /* compactions; highest level touched */
    sk_op op[OPS_MAX];
    uint32_t before[L_MAX];       /* sizes when the compactions start */
    uint32_t after[L_MAX];        /* and when they end */
    size_t base[L_MAX + 1];       /* scratch: level h at base[h], base[h + 1] - base[h] room */
    size_t tmp;                   /* scratch after the levels: two buffers of tmp doubles */
} sk_plan;

/* Compact the lowest level at or over its capacity until none is, on the shape st
 * (whose sizes already include what arrived); records the compactions and the scratch
 * each level needs. hi: the highest level the caller has touched already. */
static void plan_settle(const stats *s, sk_state *st, sk_plan *p, unsigned hi)
{
    uint32_t room[L_MAX];
    p->nops = 0;
    p->tmp = 1;
    memcpy(p->before, st->size, sizeof p->before);
    memcpy(room, st->size, sizeof room);
    for (;;) {
        unsigned h = 0;
        while (h <= st->top && st->size[h] < cap(s, st, h)) h++;
        if (h > st->top) break;
        /* Neither can happen: L_MAX levels hold k 2^46 values, and a step compacts each
         * level at most a few times. */
        if ((h == st->top && st->top + 1 >= L_MAX) || p->nops == OPS_MAX) {
            fprintf(stderr, "capsim: stats sketch: more than %d levels or %d compactions\n", L_MAX, OPS_MAX);
            abort();
        }
        if (h == st->top) st->top++; /* a new top: every capacity below shrinks */
        uint32_t m = st->size[h] & ~UINT32_C(1);
        uint64_t c = st->cnt[h]++;
        sk_op *op = &p->op[p->nops++];
        op->h = (unsigned char)h;
        op->m = m;
        op->key = mix64(st->seed ^ mix64((c >> 1) * UINT64_C(64) + h));
        op->flip = (unsigned char)(c & 1u);
        if (!(c & 1u)) { /* a new pair: its error is at most w either way */
            st->errp += pow2(h);
            st->errn += pow2(h);
        }
        st->size[h] -= m;
        st->size[h + 1] += m / 2;
        if (st->size[h + 1] > room[h + 1]) room[h + 1] = st->size[h + 1];
        size_t need = st->size[h + 1]; /* the merge into level h + 1 */
        if (h == 0 && p->before[0] > need) need = p->before[0]; /* level 0's sort */
        if (need > p->tmp) p->tmp = need;
        if (h + 1 > hi) hi = h + 1;
    }
    memcpy(p->after, st->size, sizeof p->after);
    p->hi = hi;
    p->base[0] = 0;
    for (unsigned h = 0; h <= hi; h++) p->base[h + 1] = p->base[h] + room[h];
    if (p->tmp < room[0]) p->tmp = room[0];
}

static size_t plan_work(const sk_plan *p) { return p->base[p->hi + 1] + 2 * (p->tmp + 1); }

/* ---------- applying a plan to one variable */

/* Where a variable's sketch comes from: its slot under the shape st (exact: raw values). */
typedef struct {
    const stats *s;
    const sk_state *st;
    const double *slot;
} sk_src;

/* Level h of src (0 items above its top). */
static const double *src_level(const sk_src *a, unsigned h, size_t *n)
{
    if (h == 0) {
        *n = a->st->exact ? (size_t)a->st->n : a->st->size[0];
        return a->slot;
    }
    *n = h <= a->st->top ? a->st->size[h] : 0;
    return *n ? a->slot + level_off(a->s, a->st, h) : a->slot;
}

/* Do the plan's compactions on one variable and write levels 0..hi back into slot, packed
 * under the new shape st (levels above hi are not moved: they precede the region
 * rewritten; see the layout above). Streaming, the levels are read where they lie in the
 * slot; merging (b given), each level of a and b is first merged into the scratch (b's
 * raw values after a's). A compaction's carry waits in a buffer: when the next
 * compaction takes all of the level it lands on, the two are merged and decimated in
 * one pass (sort_merge_decimate_n), else it is merged into the level. */
static void apply(const stats *s, const sk_state *st, const sk_plan *p, double *slot,
                  const sk_src *a, const sk_src *b, uint64_t coin, double *work)
{
    double *carry[2] = {work + p->base[p->hi + 1], work + p->base[p->hi + 1] + p->tmp + 1};
    const double *lv[L_MAX];
    double *l0;                 /* level 0, writable: sorted in place */
    size_t cur[L_MAX];
    for (unsigned h = 0; h <= p->hi; h++) {
        size_t na, nb = 0;
        const double *x = src_level(a, h, &na), *y = b ? src_level(b, h, &nb) : NULL;
        double *dst = work + p->base[h];
        cur[h] = na + nb;
        lv[h] = x;
        if (!b) continue;
        if (h == 0 || nb == 0 || na == 0) {
            memcpy(dst, x, na * sizeof *dst);
            if (nb) memcpy(dst + na, y, nb * sizeof *dst);
        } else {
            sort_merge2(x, na, y, nb, dst);
        }
        lv[h] = dst;
    }
    l0 = b ? work + p->base[0] : slot;
    const double *pend = NULL;
    size_t npend = 0;
    unsigned plev = 0, c = 0;
    for (unsigned i = 0; i < p->nops; i++) {
        const sk_op *op = &p->op[i];
        unsigned h = op->h, o = var_offset(op->key, coin) ^ op->flip;
        double *next = carry[c];
        c ^= 1u;
        if (pend && plev != h) { /* the carry lands on a level not compacted next */
            double *dst = work + p->base[plev];
            sort_merge2(lv[plev], cur[plev], pend, npend, next);
            cur[plev] += npend;
            memcpy(dst, next, cur[plev] * sizeof *dst);
            lv[plev] = dst;
            pend = NULL;
        }
        if (pend && plev == h) {
            if (op->m == cur[h] + npend) { /* the whole level with the carry: one pass */
                sort_merge_decimate_n(lv[h], cur[h], pend, npend, o, next);
                cur[h] = 0;
                pend = next;
                npend = op->m / 2;
                plev = h + 1;
                continue;
            }
            double *dst = work + p->base[h]; /* lv[h] may be there: merge via next */
            sort_merge2(lv[h], cur[h], pend, npend, next);
            cur[h] += npend;
            memcpy(dst, next, cur[h] * sizeof *dst);
            lv[h] = dst;
        }
        if (h == 0) sort_doubles(l0, cur[0], carry[c]); /* the other buffer: free */
        const double *x = h == 0 ? l0 : lv[h];
        for (size_t j = 0; j < op->m / 2; j++) next[j] = x[2 * j + o];
        if (h == 0) l0 += op->m;
        lv[h] = x + op->m;
        cur[h] -= op->m;
        pend = next;
        npend = op->m / 2;
        plev = h + 1;
    }
    if (pend) { /* via the free buffer, as above */
        double *dst = work + p->base[plev];
        sort_merge2(lv[plev], cur[plev], pend, npend, carry[c]);
        cur[plev] += npend;
        memcpy(dst, carry[c], cur[plev] * sizeof *dst);
        lv[plev] = dst;
    }
    /* what still lies in the slot moves to the scratch first: the packed writes below
     * may cover it */
    for (unsigned h = 0; h <= p->hi; h++) {
        double *dst = work + p->base[h];
        if (lv[h] != dst && cur[h] > 0) memmove(dst, lv[h], cur[h] * sizeof *dst);
        lv[h] = dst;
    }
    memcpy(slot, lv[0], p->after[0] * sizeof *slot);
    size_t off = s->b0;
    for (unsigned h = st->top; h > p->hi; h--) off += st->size[h];
    for (unsigned h = p->hi; h >= 1; h--) {
        memcpy(slot + off, lv[h], p->after[h] * sizeof *slot);
        off += p->after[h];
    }
}

static double *alloc_work(size_t n)
{
    double *w = malloc((n ? n : 1) * sizeof *w);
    if (!w) {
        fprintf(stderr, "capsim: out of memory (stats sketch scratch)\n");
        abort();
    }
    return w;
}

/* Plan on st (advancing it) and apply to sketches [j0, j0 + nj) of s, whose slots hold
 * the shape old (copied before planning). */
static void step_block(stats *s, sk_state *st, size_t j0, size_t nj)
{
    sk_state old = *st;
    sk_plan p;
    if (st->exact) {           /* n = budget: the raw values become level 0 */
        st->exact = 0;
        st->size[0] = (uint32_t)st->n;
    }
    plan_settle(s, st, &p, 0);
    if (nj == 0) return;
    double *work = alloc_work(plan_work(&p));
    for (size_t j = j0; j < j0 + nj; j++) {
        double *slot = s->data + j * s->slot;
        sk_src a = {s, &old, slot};
        apply(s, st, &p, slot, &a, NULL, sk_coin(s, j), work);
    }
    free(work);
}

/* ---------- a block of variables: plan once on the shape, apply to each */

void sketch_convert_block(stats *s, sk_state *st, size_t j0, size_t nj)
{
    step_block(s, st, j0, nj);
}

void sketch_cascade_block(stats *s, sk_state *st, size_t j0, size_t nj)
{
    step_block(s, st, j0, nj);
}

/* s (exact) becomes a sketch of the same values. */
void sketch_convert_all(stats *s)
{
    size_t nblocks = (s->nsk + VBLOCK - 1) / VBLOCK;
#pragma omp parallel for schedule(dynamic, 1) if (nblocks > 1)
    for (size_t b = 0; b < nblocks; b++) {
        sk_state st = s->st;
        size_t j0 = b * VBLOCK;
        sketch_convert_block(s, &st, j0, min_size(VBLOCK, s->nsk - j0));
    }
    sketch_convert_block(s, &s->st, 0, 0);
}

/* ---------- merging two sketches: level by level the items join, then compactions */

void sketch_merge(stats *into, const stats *from)
{
    sk_state old = into->st, st = into->st;
    const sk_state *fr = &from->st;
    sk_plan p;
    if (fr->top > st.top) st.top = fr->top;
    for (unsigned h = 0; h <= fr->top; h++) st.size[h] += fr->size[h];
    st.n += fr->n;
    plan_settle(into, &st, &p, st.top);
    st.errp += fr->errp;
    st.errn += fr->errn;
    size_t nsk = into->nsk, work = plan_work(&p);
#pragma omp parallel if (nsk >= VBLOCK)
    {
        double *w = alloc_work(work);
#pragma omp for schedule(static)
        for (size_t j = 0; j < nsk; j++) {
            double *slot = into->data + j * into->slot;
            sk_src a = {into, &old, slot}, b = {from, fr, from->data + j * from->slot};
            apply(into, &st, &p, slot, &a, &b, sk_coin(into, j), w);
        }
        free(w);
    }
    into->st = st;
}

/* ---------- quantiles from the sketch */

/* The sketch as sorted runs; level 0 is sorted into l0 (tmp: scratch of b0). */
static size_t sketch_runs(const stats *s, const double *slot, double *l0, double *tmp, run *runs)
{
    size_t nr = 0, n0 = s->st.size[0];
    if (n0 > 0) {
        memcpy(l0, slot, n0 * sizeof *l0);
        sort_doubles(l0, n0, tmp);
        runs[nr++] = (run){l0, n0, 1.0};
    }
    return nr + sketch_levels(s, &s->st, slot, runs + nr);
}

/* For ascending targets t, the smallest item whose cumulative weight reaches each. */
static void walk(const run *runs, size_t nr, const double *t, size_t nt, double *out)
{
    /* pick_min's choice without its branches (they follow the data and mispredict):
     * the heads in an array, a run that is done marked dead, and the same test --
     * alive, and no best yet or smaller than the best -- as conditional moves. */
    size_t idx[L_MAX + 1] = {0}, got = 0;
    double head[L_MAX + 1], c = 0.0, x = 0.0;
    unsigned char alive[L_MAX + 1];
    for (size_t r = 0; r < nr; r++) {
        alive[r] = runs[r].n > 0;
        head[r] = alive[r] ? runs[r].p[0] : 0.0;
    }
    while (got < nt) {
        size_t best = nr;
        double bv = 0.0;
        int none = 1;
        for (size_t r = 0; r < nr; r++) {
            int take = alive[r] & (none | (head[r] < bv));
            best = take ? r : best;
            bv = take ? head[r] : bv;
            none &= !alive[r];
        }
        if (best == nr) break;
        x = head[best];
        c += runs[best].w;
        size_t i = ++idx[best];
        alive[best] = i < runs[best].n;
        head[best] = alive[best] ? runs[best].p[i] : 0.0;
        while (got < nt && c >= t[got]) out[got++] = x;
    }
    for (; got < nt; got++) out[got] = x; /* rounding guard: the largest item */
}

/* p = 0 and 1 give the exact min and max; in between, the smallest item whose cumulative
 * weight reaches p n (see Quantile under ERROR above). */
void sketch_quantiles(const stats *s, size_t v, size_t j, const double *p, size_t np, double *q)
{
    double l0[B0_MAX], tmp[B0_MAX], t[STATS_NQ];
    run runs[L_MAX + 1];
    size_t nr = sketch_runs(s, s->data + j * s->slot, l0, tmp, runs), lo = 0, hi = np;
    /* The ends are known exactly; the sketch answers in between. */
    while (lo < np && p[lo] <= 0.0) q[lo++] = s->mn[v];
    while (hi > lo && p[hi - 1] >= 1.0) q[--hi] = s->mx[v];
    for (size_t i = lo; i < hi; i += STATS_NQ) {
        size_t m = min_size(STATS_NQ, hi - i);
        for (size_t u = 0; u < m; u++) t[u] = p[i + u] * (double)s->st.n;
        walk(runs, nr, t, m, q + i);
    }
}

/* ---------- the rank error */

double stats_rank_error(const stats *s)
{
    if (!s || s->st.exact || s->st.n == 0) return 0.0;
    double e = s->st.errp > s->st.errn ? s->st.errp : s->st.errn;
    return e / (double)s->st.n;
}

double stats_rank_error_bound_sketch(double n, unsigned k, unsigned b0, unsigned exact_budget)
{
    if (!(n > exact_budget)) return 0.0;
    stats *s = stats_alloc_sketch(0, k, b0, exact_budget);
    if (!s) return NAN;
    /* The shape alone, fed in pieces as rows would be (nvars = 0: no data). */
    uint64_t left = (uint64_t)n;
    while (left > 0) {
        uint64_t piece = left < (UINT64_C(1) << 20) ? left : (UINT64_C(1) << 20);
        stats_add_rows(s, NULL, (size_t)piece, 0, 0);
        left -= piece;
    }
    double e = stats_rank_error(s);
    stats_free(s);
    return e;
}

double stats_rank_error_bound(double n)
{
    return stats_rank_error_bound_sketch(n, STATS_SKETCH_K, STATS_SKETCH_B0, STATS_EXACT_BUDGET);
}
