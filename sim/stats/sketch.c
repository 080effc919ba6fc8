/*
 * sketch: the quantile sketch of the stats accumulator (private to sim/stats; its public
 * face is stats.h): the shape shared by all variables, the cascade of compactions when
 * level 0 fills, the conversion of exact values into a sketch, the merge of two sketches,
 * quantiles from a sketch, and its rank error (the tally and the stated bound).
 *
 * SHAPE. Every variable receives exactly one value per row, so the count n and the whole
 * shape of the sketch (how many items each level holds, which offset the next compaction
 * at a level uses, the error tally) are the same for all variables: that state (sk_state)
 * is kept once per accumulator. Each step is planned once on the shape (plan_*), which
 * advances it, and then applied to each variable's slot (apply_*): pure data movement
 * driven by the plan, the same operations for every variable.
 *
 * SKETCH. While n <= budget (STATS_EXACT_BUDGET) the slot holds the raw values and the
 * quantiles are exact (type 7, the formula of gsl_stats_quantile_from_sorted_data).
 * Beyond, the slot holds a deterministic compactor hierarchy (Munro-Paterson style) with
 * buffer k (STATS_SKETCH_K) and L levels, T = L - 1 the top:
 *   level 0          up to k raw values, weight 1, unsorted;
 *   level h, 0<h<T   0 or k/2 sorted items of weight 2^h;
 *   level T          0 or k/2 sorted items of weight top_w (2^T until saturated).
 * When level 0 fills it is sorted and the items at positions o, o+2, o+4, ... are kept
 * and carried to level 1 with double weight; a carry that meets an occupied level merges
 * with it (k items) and is compacted again, and so on up. The offset o is drawn afresh for
 * every compaction and every variable (PARITY below). At n = budget the raw values
 * are sorted and turned into the same shape (groups of k 2^b consecutive sorted values
 * halved b+1 times), which costs fewer compactions than streaming them would.
 * Memory: slot = k (1 + (L-1)/2) doubles; default 1024 * 8 = 8192 doubles = 64 KiB.
 *
 * PARITY. A compaction with offset 0 keeps the lower item of each pair and moves the
 * estimated rank of any x by +w or 0, offset 1 by -w or 0 (ERROR below). Offsets fixed
 * in advance (they used to alternate 0, 1, 0, ... per level, starting at h mod 2) made
 * every superblock's accumulator, which starts from the same empty state, repeat the same
 * errors, so they added up instead of cancelling: quantiles were biased low (mean signed
 * rank error -0.10% over the default scenario's monthly variables at 1e5 paths, 91% of
 * the errors negative; P95 -0.21%). Now each compaction's offset is a fair coin:
 * o = top bit of mix64(key + (v + 1) phi) for variable v, with key = mix64(seed ^
 * mix64(64 c + h)) for the accumulator's c-th compaction, at level h. The seed
 * (stats_set_seed; the engine gives superblock s the seed s + 1) makes accumulators that
 * are merged later independent; the compaction count and the variable make compactions
 * and variables independent. The error is then a sum of independent +-w terms of mean 0:
 * unbiased, and no larger than before. Everything is keyed by the sequence of adds and
 * merges alone, never by threads: the same bits for any thread count, rank or shard.
 * The plan (shape) stays shared by all variables; only the data movement reads v.
 * The buffer k = 1024 (256 before) sets the size of the errors: at 1e5 paths the worst
 * rank error over the default scenario's 3180 monthly variables x 9 levels is 0.25%
 * (0.92% with k = 256 and fixed offsets; tools/sketch_accuracy.py, docs/OUTPUT.md).
 *
 * ERROR. Fix a query x; let r be the number of items <= x (or < x: the argument is the
 * same) among the k sorted items of one compaction of weight w. Before it they count
 * w r; after it, 2w ceil(r/2) if o = 0, or 2w floor(r/2) if o = 1. So each compaction
 * moves the estimate of rank(x) by +w (o = 0) or -w (o = 1) when r is odd, else by 0,
 * whatever x is. Adding up, estimate(x) - rank(x) lies in [-N, P], P (N) the summed
 * weights of the o = 0 (o = 1) compactions: |error| <= max(P, N) for every x. Offsets
 * differ between variables, so the accumulator tallies, for all of them at once, every
 * compaction's weight on both sides (P = N = the total weight compacted): a bound valid
 * for every variable, stats_rank_error(), equal to the a priori bound below.
 * A priori bound (stats_rank_error_bound): weight is conserved and a compaction at level
 * h consumes at least k items of weight 2^h (streaming, merging and the exact-to-sketch
 * conversion all do), and the weight that ever reaches level h is at most n, so level h
 * compacts at most floor(n / (k 2^h)) times, each time erring by at most 2^h:
 *     E(n) <= sum_{h=0}^{T-1} floor(n / (k 2^h)) 2^h   (about n log2(n/k) / k).
 * This holds after any merges. In practice the errors of successive compactions, being
 * independent coin flips, mostly cancel and the observed error is far smaller: its
 * standard deviation is about sqrt(sum of w^2 / 2) over the compactions, about n / (2k)
 * (see tests/test_stats.c and tools/sketch_accuracy.py).
 * Saturation: above n = k 2^T a carry meets an occupied top with nowhere to go. The top
 * then absorbs it by weighted resampling: the sorted union (total weight W) is replaced
 * by k/2 items of weight W' = W / (k/2), the ones at cumulative weight W'/2 + j W'. For any
 * x the count moves by at most W'/2 <= n/k. Each top block carries weight >= k 2^(T-1),
 * so there are at most floor(n / (k 2^(T-1))) - 1 such merges: E(n) += that times n/k.
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
#include <string.h>

/* ---------- the shared shape */

void sketch_state_init(const stats *s, sk_state *st)
{
    memset(st, 0, sizeof *st);
    st->exact = s->budget > 0; /* budget 0: a sketch from the first value */
    st->top_w = ldexp(1.0, (int)s->top);
}

/* splitmix64's finaliser: a bijection of 64 bits, each output bit depending on every
 * input bit. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* The key of the next compaction at level h (see PARITY), tallied: each variable's
 * offset is drawn from it (var_offset), so the compaction moves a variable's count by
 * +w or -w, and both sums grow by w. */
static uint64_t take_key(sk_state *st, unsigned h)
{
    uint64_t key = mix64(st->seed ^ mix64(st->ncomp * UINT64_C(64) + h));
    st->ncomp++;
    st->errp += ldexp(1.0, (int)h);
    st->errn += ldexp(1.0, (int)h);
    return key;
}

/* Variable v's offset (0 or 1) in the compaction of key: a fair coin, independent
 * across compactions and variables. */
static inline unsigned var_offset(uint64_t key, uint64_t v)
{
    return (unsigned)(mix64(key + (v + 1) * UINT64_C(0x9e3779b97f4a7c15)) >> 63);
}

/* A resampling at the top errs by at most half the new weight, either way. */
static void tally_resample(sk_state *st, double wnew)
{
    st->errp += wnew / 2;
    st->errn += wnew / 2;
}


/* ---------- level 0 full: the cascade */

typedef struct {
    unsigned stop;             /* level that receives the last carry */
    uint64_t key[L_MAX];       /* key of the compaction at each level below stop */
    int resample;              /* the carry is resampled into the saturated top */
    double w_top, w_in;        /* weights of the top and of the carry, when resampling */
} cascade_plan;

static void plan_cascade(const stats *s, sk_state *st, cascade_plan *cp)
{
    unsigned h = 0;
    cp->resample = 0;
    for (;;) {
        cp->key[h] = take_key(st, h);
        h++;
        if (h == s->top) break;
        if (!occupied(st, h)) break;
        set_occupied(st, h, 0);
    }
    cp->stop = h;
    if (h == s->top && occupied(st, h)) {
        cp->resample = 1;
        cp->w_top = st->top_w;
        cp->w_in = ldexp(1.0, (int)s->top);
        st->top_w = cp->w_top + cp->w_in;
        tally_resample(st, st->top_w);
    }
    set_occupied(st, h, 1);
    st->size0 = 0;
}

/* The last step of a cascade: the carry lands on level stop (resampled into a saturated
 * top). */
static void land_carry(const stats *s, double *slot, const cascade_plan *cp, double *carry,
                       double *next)
{
    size_t half = s->half;
    double *dst = level_ptr(s, slot, cp->stop);
    if (cp->resample) {
        run runs[2] = {{dst, half, cp->w_top}, {carry, half, cp->w_in}};
        sort_resample(runs, 2, half, next);
        carry = next;
    }
    memcpy(dst, carry, half * sizeof *dst);
}

/* Level 0's compaction into carry without a sort, if it is ordered already (constant
 * and monotone variables: a scan) or has few distinct values (sort_decimate_few). */
static int compact_level0_cheap(const stats *s, double *slot, unsigned o, double *carry)
{
    if (is_sorted(slot, s->k)) {
        decimate_concat(slot, slot + s->half, s->half, o, carry);
        return 1;
    }
    return sort_decimate_few(slot, s->k, o, carry);
}

/* Level 0's compaction into carry: by counting when few values are distinct, else by
 * sorting the two halves and merging them (the sort's last pass, fused with the
 * decimation). */
static void compact_level0(const stats *s, double *slot, unsigned o, double *carry,
                           double *tmp)
{
    if (compact_level0_cheap(s, slot, o, carry)) return;
    sort_halves(slot, s->half, tmp);
    sort_merge_decimate(slot, slot + s->half, s->half, o, carry);
}

static void apply_cascade(const stats *s, double *slot, size_t v, const cascade_plan *cp)
{
    double ba[K_MAX / 2 + 1], bb[K_MAX / 2 + 1], tmp[K_MAX];
    double *carry = ba, *next = bb;
    size_t half = s->half;
    compact_level0(s, slot, var_offset(cp->key[0], var_coin(s, v)), carry, tmp);
    for (unsigned h = 1; h < cp->stop; h++) {
        sort_merge_decimate(level_ptr(s, slot, h), carry, half, var_offset(cp->key[h], var_coin(s, v)), next);
        double *t = carry;
        carry = next;
        next = t;
    }
    land_carry(s, slot, cp, carry, next);
}

/* apply_cascade on two variables at once (the same plan): the same operations on each,
 * with the compactions interleaved. */
static void apply_cascade2(const stats *s, double *x, double *y, size_t v, const cascade_plan *cp)
{
    double ba[K_MAX / 2 + 1], bb[K_MAX / 2 + 1], tmp[K_MAX];
    double ya[K_MAX / 2 + 1], yb[K_MAX / 2 + 1];
    double *carry = ba, *next = bb, *ycarry = ya, *ynext = yb;
    size_t half = s->half;
    unsigned ox = var_offset(cp->key[0], var_coin(s, v)), oy = var_offset(cp->key[0], var_coin(s, v + 1));
    int fx = compact_level0_cheap(s, x, ox, carry);
    int fy = compact_level0_cheap(s, y, oy, ycarry);
    if (!fx && !fy) {
        sort_halves(x, half, tmp);
        sort_halves(y, half, tmp);
        sort_merge_decimate2(x, x + half, carry, y, y + half, ycarry, half, ox, oy);
    } else {
        if (!fx) compact_level0(s, x, ox, carry, tmp);
        if (!fy) compact_level0(s, y, oy, ycarry, tmp);
    }
    for (unsigned h = 1; h < cp->stop; h++) {
        sort_merge_decimate2(level_ptr(s, x, h), carry, next, level_ptr(s, y, h), ycarry,
                             ynext, half, var_offset(cp->key[h], var_coin(s, v)), var_offset(cp->key[h], var_coin(s, v + 1)));
        double *t = carry;
        carry = next;
        next = t;
        t = ycarry;
        ycarry = ynext;
        ynext = t;
    }
    land_carry(s, x, cp, carry, next);
    land_carry(s, y, cp, ycarry, ynext);
}

/* ---------- exact to sketch: sorted raw values become the streaming shape for n */

typedef struct {
    size_t n, r0;                       /* values; of which stay raw in level 0 */
    uint64_t q;                         /* n / k: bit b set -> a group of k 2^b values */
    uint64_t key[BITS_MAX][L_MAX];      /* keys of group b's halvings at levels 0..b */
} convert_plan;

static void plan_convert(const stats *s, sk_state *st, convert_plan *cp)
{
    cp->n = (size_t)st->n;
    cp->q = st->n / s->k;
    cp->r0 = (size_t)(st->n % s->k);
    /* Groups go to distinct levels b + 1 <= T (budget <= slot guarantees it), all empty
     * while exact, the top at its base weight. */
    for (unsigned b = 0; b < BITS_MAX; b++) {
        if (!((cp->q >> b) & 1u)) continue;
        for (unsigned h = 0; h <= b; h++) cp->key[b][h] = take_key(st, h);
        set_occupied(st, b + 1, 1);
    }
    st->exact = 0;
    st->size0 = (unsigned)cp->r0;
}

/* The smallest r0 sorted values stay raw in level 0; each group of consecutive sorted
 * values is halved in place down to k/2 items, then the groups are packed and moved to
 * their levels (highest first: every destination lies at or after its source). */
static void apply_convert(const stats *s, double *slot, size_t v, const convert_plan *cp,
                          double *tmp)
{
    size_t half = s->half, pos = cp->r0, start[BITS_MAX];
    unsigned bit[BITS_MAX], ng = 0;
    sort_doubles(slot, cp->n, tmp);
    for (unsigned b = 0; b < BITS_MAX; b++) {
        if (!((cp->q >> b) & 1u)) continue;
        size_t len = (size_t)s->k << b;
        for (unsigned h = 0; h <= b; h++, len /= 2)
            halve(slot + pos, len, var_offset(cp->key[b][h], var_coin(s, v)));
        start[ng] = pos;
        bit[ng++] = b;
        pos += (size_t)s->k << b;
    }
    size_t dst = cp->r0;
    for (unsigned g = 0; g < ng; g++, dst += half) {
        memmove(slot + dst, slot + start[g], half * sizeof *slot);
        start[g] = dst;
    }
    for (unsigned g = ng; g-- > 0;)
        memmove(level_ptr(s, slot, bit[g] + 1), slot + start[g], half * sizeof *slot);
}

/* ---------- a block of variables: plan once on the shape, apply to each */

void sketch_convert_block(stats *s, sk_state *st, size_t v0, size_t nv)
{
    convert_plan cp;
    double tmp[BUDGET_MAX];
    plan_convert(s, st, &cp);
    for (size_t v = v0; v < v0 + nv; v++) apply_convert(s, s->data + v * s->slot, v, &cp, tmp);
}

void sketch_cascade_block(stats *s, sk_state *st, size_t v0, size_t nv)
{
    cascade_plan cp;
    plan_cascade(s, st, &cp);
    size_t v = v0;
    for (; v + 2 <= v0 + nv; v += 2)
        apply_cascade2(s, s->data + v * s->slot, s->data + (v + 1) * s->slot, v, &cp);
    if (v < v0 + nv) apply_cascade(s, s->data + v * s->slot, v, &cp);
}

/* ---------- merging two sketches */

/* Level by level, what meets: bit 0 into's items, bit 1 from's, bit 2 a carry. */
typedef struct {
    unsigned a0, b0;           /* level-0 sizes */
    int c0;                    /* level 0 compacts k of its a0 + b0 items */
    uint64_t key0;
    unsigned char meet[L_MAX];
    uint64_t key[L_MAX];
    double wa, wb, wc;         /* top weights of into, from, carry (0 where absent) */
    unsigned from_top;         /* from's top level (from may have fewer levels) */
} merge_plan;

static void plan_merge(const stats *s, sk_state *st, const sk_state *fr, unsigned from_top,
                       merge_plan *mp)
{
    unsigned tot = st->size0 + fr->size0, carry = 0;
    mp->from_top = from_top;
    mp->a0 = st->size0;
    mp->b0 = fr->size0;
    mp->c0 = tot >= s->k;
    if (mp->c0) {
        mp->key0 = take_key(st, 0);
        carry = 1;
        tot -= s->k;
    }
    st->size0 = tot;
    for (unsigned h = 1; h < s->top; h++) {
        unsigned meet = (unsigned)occupied(st, h) | (unsigned)occupied(fr, h) << 1 | carry << 2;
        unsigned cnt = (meet & 1) + (meet >> 1 & 1) + (meet >> 2 & 1);
        mp->meet[h] = (unsigned char)meet;
        carry = cnt >= 2;
        if (carry) mp->key[h] = take_key(st, h);
        set_occupied(st, h, cnt == 1 || cnt == 3);
    }
    unsigned t = s->top;
    unsigned meet = (unsigned)occupied(st, t) | (unsigned)occupied(fr, t) << 1 | carry << 2;
    mp->meet[t] = (unsigned char)meet;
    mp->wa = (meet & 1) ? st->top_w : 0.0;
    mp->wb = (meet & 2) ? fr->top_w : 0.0;
    mp->wc = (meet & 4) ? ldexp(1.0, (int)t) : 0.0;
    unsigned cnt = (meet & 1) + (meet >> 1 & 1) + (meet >> 2 & 1);
    set_occupied(st, t, cnt > 0);
    st->top_w = cnt > 0 ? mp->wa + mp->wb + mp->wc : ldexp(1.0, (int)t);
    if (cnt >= 2) tally_resample(st, st->top_w);
    st->n += fr->n;
    st->errp += fr->errp;
    st->errn += fr->errn;
}

/* Level 0 of a merge: append, and compact the k smallest if k or more meet. */
static void merge_level0(const stats *s, double *a, const double *b, size_t v,
                         const merge_plan *mp, double *carry)
{
    double all[2 * K_MAX], tmp[2 * K_MAX];
    size_t tot = mp->a0 + mp->b0;
    if (!mp->c0) {
        memcpy(a + mp->a0, b, mp->b0 * sizeof *a);
        return;
    }
    memcpy(all, a, mp->a0 * sizeof *a);
    memcpy(all + mp->a0, b, mp->b0 * sizeof *a);
    sort_doubles(all, tot, tmp);
    unsigned o = var_offset(mp->key0, var_coin(s, v));
    for (size_t i = 0; i < s->half; i++) carry[i] = all[2 * i + o];
    memcpy(a, all + s->k, (tot - s->k) * sizeof *a);
}

static void apply_merge(const stats *s, double *slot, size_t v, const double *from,
                        const merge_plan *mp)
{
    double ba[K_MAX / 2 + 1], bb[K_MAX / 2 + 1];
    double *carry = ba, *next = bb;
    size_t half = s->half, bytes = half * sizeof *slot;
    merge_level0(s, slot, from, v, mp, carry);
    for (unsigned h = 1; h < s->top; h++) {
        double *a = level_ptr(s, slot, h);
        const double *b = h <= mp->from_top ? level_cptr(s, from, h) : NULL; /* same k: same place */
        const double *two[3];
        size_t m = 0;
        switch (mp->meet[h]) {
        case 0: case 1: break;                      /* nothing comes in */
        case 2: memcpy(a, b, bytes); break;
        case 4: memcpy(a, carry, bytes); break;
        case 7:                                      /* compact a and b, keep the carry */
            sort_merge_decimate(a, b, half, var_offset(mp->key[h], var_coin(s, v)), next);
            memcpy(a, carry, bytes);
            break;
        default:                                     /* two meet: compact them */
            if (mp->meet[h] & 1) two[m++] = a;
            if (mp->meet[h] & 2) two[m++] = b;
            if (mp->meet[h] & 4) two[m++] = carry;
            sort_merge_decimate(two[0], two[1], half, var_offset(mp->key[h], var_coin(s, v)), next);
            break;
        }
        if (mp->meet[h] >= 3 && mp->meet[h] != 4) {
            double *t = carry;
            carry = next;
            next = t;
        }
    }
    double *a = level_ptr(s, slot, s->top);
    const double *b = s->top <= mp->from_top ? level_cptr(s, from, s->top) : NULL;
    run runs[3];
    size_t nr = 0;
    if (mp->meet[s->top] & 1) runs[nr++] = (run){a, half, mp->wa};
    if (mp->meet[s->top] & 2) runs[nr++] = (run){b, half, mp->wb};
    if (mp->meet[s->top] & 4) runs[nr++] = (run){carry, half, mp->wc};
    if (nr == 1 && runs[0].p != a) memcpy(a, runs[0].p, bytes);
    if (nr >= 2) {
        sort_resample(runs, nr, half, next);
        memcpy(a, next, bytes);
    }
}

/* s (exact) becomes a sketch of the same values. */
void sketch_convert_all(stats *s)
{
    size_t nblocks = (s->nvars + VBLOCK - 1) / VBLOCK;
#pragma omp parallel for schedule(dynamic, 1) if (nblocks > 1)
    for (size_t b = 0; b < nblocks; b++) {
        sk_state st = s->st;
        size_t v0 = b * VBLOCK;
        sketch_convert_block(s, &st, v0, min_size(VBLOCK, s->nvars - v0));
    }
    sketch_convert_block(s, &s->st, 0, 0);
}

void sketch_merge(stats *into, const stats *from)
{
    merge_plan mp;
    sk_state st = into->st;
    plan_merge(into, &st, &from->st, from->top, &mp);
    size_t nv = into->nvars;
#pragma omp parallel for schedule(static) if (nv >= VBLOCK)
    for (size_t v = 0; v < nv; v++)
        apply_merge(into, into->data + v * into->slot, v, from->data + v * from->slot, &mp);
    into->st = st;
}

/* ---------- quantiles from the sketch */

/* The sketch as sorted runs; level 0 is sorted into l0 (tmp: scratch of k). */
static size_t sketch_runs(const stats *s, const double *slot, double *l0, double *tmp, run *runs)
{
    size_t nr = 0;
    if (s->st.size0 > 0) {
        memcpy(l0, slot, s->st.size0 * sizeof *l0);
        sort_doubles(l0, s->st.size0, tmp);
        runs[nr++] = (run){l0, s->st.size0, 1.0};
    }
    for (unsigned h = 1; h <= s->top; h++) {
        if (!occupied(&s->st, h)) continue;
        double w = h == s->top ? s->st.top_w : pow2(h);
        runs[nr++] = (run){level_cptr(s, slot, h), s->half, w};
    }
    return nr;
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
void sketch_quantiles(const stats *s, size_t v, const double *p, size_t np, double *q)
{
    double l0[K_MAX], tmp[K_MAX], t[STATS_NQ];
    run runs[L_MAX + 1];
    size_t nr = sketch_runs(s, s->data + v * s->slot, l0, tmp, runs), lo = 0, hi = np;
    /* The ends are known exactly; the sketch answers in between. */
    while (lo < np && p[lo] <= 0.0) q[lo++] = s->mn[v];
    while (hi > lo && p[hi - 1] >= 1.0) q[--hi] = s->mx[v];
    for (size_t i = lo; i < hi; i += STATS_NQ) {
        size_t m = min_size(STATS_NQ, hi - i);
        for (size_t j = 0; j < m; j++) t[j] = p[i + j] * (double)s->st.n;
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

double stats_rank_error_bound_sketch(double n, unsigned k, unsigned levels, unsigned exact_budget)
{
    if (!(n > exact_budget) || k < 2 || levels < 2) return 0.0;
    unsigned top = levels - 1;
    double e = 0.0;
    for (unsigned h = 0; h < top; h++) {
        double c = floor(n / ldexp((double)k, (int)h)); /* compactions at level h */
        if (c < 1) break;
        e += c * ldexp(1.0, (int)h);
    }
    double blocks = floor(n / ldexp((double)k, (int)top - 1)); /* top blocks ever made */
    if (blocks >= 2) e += (blocks - 1) * n / k;                /* resamplings at the top */
    return e / n;
}

double stats_rank_error_bound(double n)
{
    return stats_rank_error_bound_sketch(n, STATS_SKETCH_K, STATS_SKETCH_LEVELS,
                                         STATS_EXACT_BUDGET);
}
