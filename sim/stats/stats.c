/*
 * stats: streaming statistics of many variables over paths (DESIGN.md 6).
 *
 * LAYOUT. Moments live in five arrays indexed by variable (mean, M2, min, max, count of
 * values > 0), so the consecutive variables of a row are consecutive in memory and the
 * Welford update vectorises across variables. Each variable owns a fixed slot of `slot`
 * doubles for its quantile sketch (padded so that slots do not alias in the caches).
 * Every variable receives exactly one value per row, so the count n and the whole SHAPE
 * of the sketch (how many items each level holds, which offset the next compaction at a
 * level uses, the error tally) are the same for all variables: that state (sk_state) is
 * kept once per accumulator, and the per-variable work is pure data movement driven by
 * it. stats_add_rows() hands blocks of VBLOCK variables to threads; each thread replays
 * the same shape changes on a private copy of the state, and the shared copy is advanced
 * once afterwards by the same code with no data. Each variable is touched by one thread,
 * in row order, with the same operations whatever the thread count: identical bits.
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
 * with it (k items) and is compacted again, and so on up. The offset o of each level
 * alternates 0, 1, 0, 1, ..., starting at h mod 2 on level h. At n = budget the raw values
 * are sorted and turned into the same shape (groups of k 2^b consecutive sorted values
 * halved b+1 times), which costs fewer compactions than streaming them would.
 * Memory: slot = k (1 + (L-1)/2) doubles; default 256 * 10 = 2560 doubles = 20 KiB.
 *
 * ERROR. Fix a query x; let r be the number of items <= x (or < x: the argument is the
 * same) among the k sorted items of one compaction of weight w. Before it they count
 * w r; after it, 2w ceil(r/2) if o = 0, or 2w floor(r/2) if o = 1. So each compaction
 * moves the estimate of rank(x) by +w (o = 0) or -w (o = 1) when r is odd, else by 0,
 * whatever x is. Adding up, estimate(x) - rank(x) lies in [-N, P], P (N) the summed
 * weights of the o = 0 (o = 1) compactions: |error| <= max(P, N) for every x. The
 * accumulator tallies P and N as it goes: stats_rank_error().
 * A priori bound (stats_rank_error_bound): weight is conserved and a compaction at level
 * h consumes at least k items of weight 2^h (streaming, merging and the exact-to-sketch
 * conversion all do), and the weight that ever reaches level h is at most n, so level h
 * compacts at most floor(n / (k 2^h)) times, each time erring by at most 2^h:
 *     E(n) <= sum_{h=0}^{T-1} floor(n / (k 2^h)) 2^h   (about n log2(n/k) / k).
 * This holds after any merges. A single stream gets about half of it, because the
 * alternating offsets split each level's compactions between P and N (the tally shows
 * it: e.g. 2.3% vs 4.4% at n = 1e6); in practice the errors of successive compactions
 * mostly cancel and the observed error is far smaller (see tests/test_stats.c).
 * Saturation: above n = k 2^T a carry meets an occupied top with nowhere to go. The top
 * then absorbs it by weighted resampling: the sorted union (total weight W) is replaced
 * by k/2 items of weight W' = W / (k/2), the ones at cumulative weight W'/2 + j W'. For any
 * x the count moves by at most W'/2 <= n/k. Each top block carries weight >= k 2^(T-1),
 * so there are at most floor(n / (k 2^(T-1))) - 1 such merges: E(n) += that times n/k.
 * Quantile: the sketch returns the smallest item y whose cumulative weight reaches
 * t = p n. With |error| <= E for both "<= x" and "< x", rank(<= y) >= t - E and
 * rank(< y) < t + E: the true rank interval of y lies within E of p n.
 *
 * NaN inputs should not occur; they do not crash anything: min and max ignore them,
 * mean and sd become NaN, and the sketch orders them arbitrarily (every loop is bounded
 * by counts, never by comparisons, so an inconsistent order cannot overrun a buffer).
 *
 * SPEED. Per value: Welford + min/max/ppos vectorised across variables, with the copy
 * into level 0 in the same pass (rows are far apart in memory: the next rows are
 * prefetched), and amortised about log2(k) merge steps for the level-0 sort (networks
 * of 8 with minsd/maxsd, then branch-free merges run from both ends, two merges at a
 * time) plus about 2 merge steps in the levels above. The merges are latency-bound
 * chains, so the compactions of two variables (same shape, same plan) run interleaved.
 * Shortcuts that give the very same bits: a merge of two runs that do not overlap is a
 * concatenation (constant and ordered variables: every compaction), and a level 0 that
 * is in order already or holds few distinct values (no NaN, not both zeros) is not
 * sorted but scanned or counted (count_few). Model rows: about 6.5 ns per value on one
 * core (10 ns before these); random data: about 7.5.
 */
#include "stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const double stats_quantile_levels[STATS_NQ] = {0.01, 0.05, 0.10, 0.25, 0.50,
                                                0.75, 0.90, 0.95, 0.99};

enum {
    K_MAX = 1024,       /* largest buffer k: bounds the stack scratch below */
    L_MAX = 40,         /* most levels */
    BUDGET_MAX = 4096,  /* largest exact budget */
    BITS_MAX = 16,      /* bits of n / k at conversion: n / k <= BUDGET_MAX / 4 */
    VBLOCK = 64         /* variables per thread work item: 8 cache lines of each row */
};

/* The shape of the sketch, shared by all variables of an accumulator. */
typedef struct {
    uint64_t n;        /* values per variable */
    int exact;         /* the slot holds raw values (n <= budget) */
    unsigned size0;    /* items in level 0 (sketch mode) */
    uint64_t occ;      /* bit h: level h >= 1 holds k/2 items */
    uint64_t off;      /* bit h: offset of the next compaction at level h */
    double top_w;      /* weight of the top level's items; 2^T while the top is empty */
    double errp, errn; /* summed weights of +w and -w compactions (see ERROR above) */
} sk_state;

struct stats {
    size_t nvars;
    unsigned k, half, top, budget, levels;
    size_t slot;       /* doubles per variable, padded */
    sk_state st;
    double *mean, *m2, *mn, *mx, *npos;
    double *data;      /* nvars * slot */
    size_t data_bytes; /* its mapping, when mapped (see alloc_data); 0 from malloc */
};

/* A sorted run of items of equal weight: a level, as a query or a merge sees it. */
typedef struct {
    const double *p;
    size_t n;
    double w;
} run;

/* Where value (r, v) of a source lies: base[r * rs + v * vs]. */
typedef struct {
    const double *base;
    size_t rs, vs;
} source;

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* 2^h exactly, as ldexp(1.0, h) gives it, without the library call (h < 64). */
static double pow2(unsigned h) { return (double)(UINT64_C(1) << h); }

/* ---------- sorting and compaction kernels (all loops bounded: NaN cannot hang them) */

static void insertion_sort(double *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double x = a[i];
        size_t j = i;
        while (j > 0 && x < a[j - 1]) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Compare-exchange. Written as two independent selections so that compilers emit
 * minsd/maxsd, not a branch (one shared comparison becomes a branch: 15x slower).
 * With a NaN it may duplicate one item and drop the other; it never fails. */
#define CMPX(x, y)                                  \
    do {                                            \
        double lo_ = (y) < (x) ? (y) : (x);         \
        double hi_ = (x) < (y) ? (y) : (x);         \
        (x) = lo_;                                  \
        (y) = hi_;                                  \
    } while (0)

/* Optimal 19-comparator network for 8 items. */
static void sort8(double *a)
{
    double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6],
           a7 = a[7];
    CMPX(a0, a2); CMPX(a1, a3); CMPX(a4, a6); CMPX(a5, a7);
    CMPX(a0, a4); CMPX(a1, a5); CMPX(a2, a6); CMPX(a3, a7);
    CMPX(a0, a1); CMPX(a2, a3); CMPX(a4, a5); CMPX(a6, a7);
    CMPX(a2, a4); CMPX(a3, a5);
    CMPX(a1, a4); CMPX(a3, a6);
    CMPX(a1, a2); CMPX(a3, a4); CMPX(a5, a6);
    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4; a[5] = a5; a[6] = a6; a[7] = a7;
}

/* Merge sorted a and b into out; ties take a first (stable, so deterministic). */
static void merge2(const double *a, size_t na, const double *b, size_t nb, double *out)
{
    size_t i = 0, j = 0, o = 0;
    while (i < na && j < nb) {
        double x = a[i], y = b[j];
        int takeb = y < x;
        out[o++] = takeb ? y : x;
        j += (size_t)takeb;
        i += (size_t)!takeb;
    }
    while (i < na) out[o++] = a[i++];
    while (j < nb) out[o++] = b[j++];
}

/* The two ends of the merge of sorted a[0..m) and b[0..m), one step each: the front
 * takes the smaller head (a on ties), the back the larger tail (b on ties), so the two
 * halves are complementary and the merge is stable. Two independent dependency chains
 * run twice as fast as one. After s steps each end has taken s items from a and b
 * together, so no index leaves [0, m) whatever the comparisons say (NaN included). */
#define MERGE_ENDS(a, b, i, j, ia, jb, front, back)    \
    do {                                                \
        double x_ = (a)[i], y_ = (b)[j];                \
        int tb_ = y_ < x_;                              \
        (front) = tb_ ? y_ : x_;                        \
        (j) += (size_t)tb_;                             \
        (i) += (size_t)!tb_;                            \
        double xb_ = (a)[ia], yb_ = (b)[jb];            \
        int ta_ = yb_ < xb_;                            \
        (back) = ta_ ? xb_ : yb_;                       \
        (ia) -= (size_t)ta_;                            \
        (jb) -= (size_t)!ta_;                           \
    } while (0)

static void merge_equal(const double *a, const double *b, size_t m, double *out)
{
    size_t i = 0, j = 0, ia = m - 1, jb = m - 1;
    for (size_t s = 0; s < m; s++) MERGE_ENDS(a, b, i, j, ia, jb, out[s], out[2 * m - 1 - s]);
}

/* MERGE_ENDS with one index per chain: after s steps the front has taken i items of a
 * and s - i of b, and the back has taken m - 1 - ia of a and s - (m - 1 - ia) of b. Half
 * the live indices: four chains then fit in the registers (with MERGE_ENDS one index
 * lived on the stack), the same comparisons and the same output. */
#define MERGE_ENDS1(a, b, m, s, i, ia, front, back)                    \
    do {                                                               \
        double x_ = (a)[i], y_ = (b)[(s) - (i)];                       \
        int tb_ = y_ < x_;                                             \
        (front) = tb_ ? y_ : x_;                                       \
        (i) += (size_t)!tb_;                                           \
        double xb_ = (a)[ia], yb_ = (b)[2 * (m) - 2 - (s) - (ia)];     \
        int ta_ = yb_ < xb_;                                           \
        (back) = ta_ ? xb_ : yb_;                                      \
        (ia) -= (size_t)ta_;                                           \
    } while (0)

/* Two independent equal merges at once: four chains keep the core busy. */
static void merge_equal2(const double *a, const double *b, double *out, const double *c,
                         const double *d, double *out2, size_t m)
{
    size_t i = 0, ia = m - 1, k = 0, kc = m - 1;
    for (size_t s = 0; s < m; s++) {
        MERGE_ENDS1(a, b, m, s, i, ia, out[s], out[2 * m - 1 - s]);
        MERGE_ENDS1(c, d, m, s, k, kc, out2[s], out2[2 * m - 1 - s]);
    }
}

/* a[0..n) ascending? (A NaN makes it fail.) */
static int is_sorted(const double *a, size_t n)
{
    size_t sorted = 1;
    for (size_t i = 1; i < n && sorted; i++) sorted = a[i - 1] <= a[i];
    return (int)sorted;
}

/* Data with few distinct values (counts, shares, unmet demand that is mostly 0) is
 * counted instead of sorted. count_few: if a[0..n) holds at most FEW_MAX distinct bit
 * patterns and no NaN or -0.0, put them in ascending order in v[0..*m) with their counts
 * in c and return 1; else return 0, having read a few dozen items at most when the
 * values are many. Without NaN and without both zeros, items that compare equal have
 * equal bits, so the sorted order is one sequence of bits whatever sort made it: what is
 * built from the counts is the sort's result, to the bit. */
enum { FEW_MAX = 16, FEW_SLOTS = 64 };

static int count_few(const double *a, size_t n, double *v, size_t *c, unsigned *m)
{
    uint64_t key[FEW_SLOTS];
    size_t cnt[FEW_SLOTS];
    unsigned char used[FEW_SLOTS] = {0};
    unsigned nd = 0, h = 0;
    uint64_t last = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &a[i], sizeof u);
        if (u == last && i > 0) { /* runs of one value (often 0) */
            cnt[h]++;
            continue;
        }
        if ((u & UINT64_C(0x7fffffffffffffff)) > UINT64_C(0x7ff0000000000000) ||
            u == UINT64_C(0x8000000000000000))
            return 0;                               /* NaN or -0.0 */
        h = (unsigned)((u * UINT64_C(0x9E3779B97F4A7C15)) >> 58);
        while (used[h] && key[h] != u) h = (h + 1) & (FEW_SLOTS - 1);
        if (!used[h]) {
            if (++nd > FEW_MAX) return 0;
            used[h] = 1;
            key[h] = u;
            cnt[h] = 0;
        }
        cnt[h]++;
        last = u;
    }
    unsigned k = 0;
    for (unsigned e = 0; e < FEW_SLOTS; e++) { /* the distinct values, insertion-sorted */
        if (!used[e]) continue;
        double x;
        memcpy(&x, &key[e], sizeof x);
        unsigned j = k++;
        for (; j > 0 && x < v[j - 1]; j--) {
            v[j] = v[j - 1];
            c[j] = c[j - 1];
        }
        v[j] = x;
        c[j] = cnt[e];
    }
    *m = k;
    return 1;
}

/* Positions o, o+2, ... of the sorted order of a[0..n) into out[0..n/2), by counting
 * (1), or 0 when the values are not few. */
static int decimate_few(const double *a, size_t n, unsigned o, double *out)
{
    double v[FEW_MAX];
    size_t c[FEW_MAX], pos = 0, got = 0, half = n / 2;
    unsigned m;
    if (!count_few(a, n, v, c, &m)) return 0;
    for (unsigned j = 0; j < m; j++) { /* positions o + 2 got falling in [pos, pos + c) */
        pos += c[j];
        while (got < half && o + 2 * got < pos) out[got++] = v[j];
    }
    return 1;
}

/* a[0..n) sorted in place by counting (1), or 0 when the values are not few. */
static int sort_few(double *a, size_t n)
{
    double v[FEW_MAX];
    size_t c[FEW_MAX], at = 0;
    unsigned m;
    if (!count_few(a, n, v, c, &m)) return 0;
    for (unsigned j = 0; j < m; j++)
        for (size_t r = 0; r < c[j]; r++) a[at++] = v[j];
    return 1;
}

/* Sort each run a[r w .. (r+1) w) of a[0..n) ascending (the whole array if w >= n); tmp
 * holds n doubles. Networks of 8, then merge passes: few branches, and robust to an
 * inconsistent order (NaN), unlike a partitioning sort. */
static void sort_runs(double *a, size_t n, size_t width, double *tmp)
{
    /* Many model outputs are constant or ordered across paths (capacity with no
     * uncertainty, unmet demand that is always 0): one scan spares their sort. A NaN
     * makes the scan fail (comparisons are false), so it falls through to the sort. */
    size_t sorted = 1;
    for (size_t k = 1; k < n && sorted; k++) sorted = a[k - 1] <= a[k];
    if (sorted) return;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) sort8(a + i);
    insertion_sort(a + i, n - i);
    double *src = a, *dst = tmp;
    for (size_t w = 8; w < n && w < width; w *= 2) {
        for (i = 0; i + 4 * w <= n; i += 4 * w)
            merge_equal2(src + i, src + i + w, dst + i, src + i + 2 * w, src + i + 3 * w,
                         dst + i + 2 * w, w);
        for (; i < n; i += 2 * w) {
            size_t na = min_size(w, n - i);
            size_t nb = min_size(w, n - i - na);
            if (na == nb)
                merge_equal(src + i, src + i + na, na, dst + i);
            else
                merge2(src + i, na, src + i + na, nb, dst + i);
        }
        double *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

/* A whole array: in order already, few values (counted), or merge-sorted. */
static void sort_doubles(double *a, size_t n, double *tmp)
{
    if (is_sorted(a, n)) return;
    if (n >= 64 && sort_few(a, n)) return;
    sort_runs(a, n, n, tmp);
}

/* Sort a[0..m) and a[m..2m) (tmp: 2m). Interleaved when the runs align with the passes. */
static void sort_halves(double *a, size_t m, double *tmp)
{
    if (m >= 8 && (m & (m - 1)) == 0) {
        sort_runs(a, 2 * m, m, tmp);
    } else {
        sort_doubles(a, m, tmp);
        sort_doubles(a + m, m, tmp);
    }
}

/* Keep positions o, o+2, ... of the concatenation x ++ y (m items each) in out[0..m). */
static void decimate_concat(const double *x, const double *y, size_t m, unsigned o, double *out)
{
    size_t i = 0;
    for (; o + 2 * i < m; i++) out[i] = x[o + 2 * i];
    for (; i < m; i++) out[i] = y[o + 2 * i - m];
}

/* When the merge of sorted a and b is a concatenation, decimate it without merging and
 * return 1. a's last <= b's first: the stable merge is a ++ b; b's last < a's first
 * (strictly: ties take a first): b ++ a. Constant and ordered variables take this path
 * at every compaction. A NaN fails both tests and goes to the merge. */
static int decimate_if_ordered(const double *a, const double *b, size_t m, unsigned o,
                               double *out)
{
    if (a[m - 1] <= b[0]) {
        decimate_concat(a, b, m, o, out);
        return 1;
    }
    if (b[m - 1] < a[0]) {
        decimate_concat(b, a, m, o, out);
        return 1;
    }
    return 0;
}

/* Merge sorted a[0..m) and b[0..m) and keep the merged positions o, o+2, ...: one
 * compaction, m items into out. out has room for m + 1: an item not kept is written to
 * out[m] instead of branching on it. */
static void merge_decimate(const double *a, const double *b, size_t m, unsigned o, double *out)
{
    if (decimate_if_ordered(a, b, m, o, out)) return;
    size_t i = 0, j = 0, ia = m - 1, jb = m - 1, last = 2 * m - 1;
    for (size_t s = 0; s < m; s++) {
        double f, g;
        MERGE_ENDS(a, b, i, j, ia, jb, f, g);
        out[(s & 1u) == o ? s >> 1 : m] = f;
        out[((last - s) & 1u) == o ? (last - s) >> 1 : m] = g;
    }
}

/* Two independent compactions with the same m and o (two variables of a block, whose
 * shapes are the same), interleaved: four dependency chains instead of two. The merge
 * is latency-bound, so this runs nearly twice as fast as two calls. */
static void merge_decimate2(const double *a, const double *b, double *out, const double *c,
                            const double *d, double *out2, size_t m, unsigned o)
{
    int done1 = decimate_if_ordered(a, b, m, o, out);
    int done2 = decimate_if_ordered(c, d, m, o, out2);
    if (done1 || done2) {
        if (!done1) merge_decimate(a, b, m, o, out);
        if (!done2) merge_decimate(c, d, m, o, out2);
        return;
    }
    size_t i = 0, j = 0, ia = m - 1, jb = m - 1, last = 2 * m - 1;
    size_t k = 0, l = 0, kc = m - 1, ld = m - 1;
    for (size_t s = 0; s < m; s++) {
        double f, g, f2, g2;
        MERGE_ENDS(a, b, i, j, ia, jb, f, g);
        MERGE_ENDS(c, d, k, l, kc, ld, f2, g2);
        size_t front = (s & 1u) == o ? s >> 1 : m;
        size_t back = ((last - s) & 1u) == o ? (last - s) >> 1 : m;
        out[front] = f;
        out[back] = g;
        out2[front] = f2;
        out2[back] = g2;
    }
}

/* In place: keep positions o, o+2, ... of sorted a[0..n). Writes never pass reads. */
static void halve(double *a, size_t n, unsigned o)
{
    for (size_t i = 0; i < n / 2; i++) a[i] = a[2 * i + o];
}

/* Index of the run whose next item is smallest (lowest index on ties); nr if all done. */
static size_t pick_min(const run *runs, size_t nr, const size_t *idx)
{
    size_t best = nr;
    for (size_t r = 0; r < nr; r++) {
        if (idx[r] >= runs[r].n) continue;
        if (best == nr || runs[r].p[idx[r]] < runs[best].p[idx[best]]) best = r;
    }
    return best;
}

/* Weighted resampling of the sorted union of runs (total weight W) into m items of
 * weight W/m, the items at cumulative weight (j + 1/2) W/m: for any x the weighted count
 * of items <= x (or < x) moves by at most W/(2m). Weights are integers, so exact. */
static void resample(const run *runs, size_t nr, size_t m, double *out)
{
    size_t idx[3] = {0, 0, 0};
    double total = 0.0, c = 0.0, x = 0.0;
    for (size_t r = 0; r < nr; r++) total += (double)runs[r].n * runs[r].w;
    double wn = total / (double)m;
    size_t got = 0;
    while (got < m) {
        size_t r = pick_min(runs, nr, idx);
        if (r == nr) break;
        x = runs[r].p[idx[r]++];
        c += runs[r].w;
        while (got < m && ((double)got + 0.5) * wn <= c) out[got++] = x;
    }
    for (; got < m; got++) out[got] = x; /* unreachable with exact weights */
}

/* ---------- the shared shape */

static double *level_ptr(const stats *s, double *slot, unsigned h)
{
    return h == 0 ? slot : slot + s->k + (size_t)(h - 1) * s->half;
}

static const double *level_cptr(const stats *s, const double *slot, unsigned h)
{
    return h == 0 ? slot : slot + s->k + (size_t)(h - 1) * s->half;
}

static void state_init(const stats *s, sk_state *st)
{
    memset(st, 0, sizeof *st);
    st->exact = s->budget > 0; /* budget 0: a sketch from the first value */
    st->off = UINT64_C(0xAAAAAAAAAAAAAAAA); /* level h starts at offset h mod 2 */
    st->top_w = ldexp(1.0, (int)s->top);
}

/* Offset for the next compaction at level h (which then alternates), tallied. */
static unsigned take_offset(sk_state *st, unsigned h)
{
    unsigned o = (unsigned)(st->off >> h) & 1u;
    st->off ^= UINT64_C(1) << h;
    if (o == 0)
        st->errp += ldexp(1.0, (int)h);
    else
        st->errn += ldexp(1.0, (int)h);
    return o;
}

/* A resampling at the top errs by at most half the new weight, either way. */
static void tally_resample(sk_state *st, double wnew)
{
    st->errp += wnew / 2;
    st->errn += wnew / 2;
}

static int occupied(const sk_state *st, unsigned h) { return (int)((st->occ >> h) & 1u); }

static void set_occupied(sk_state *st, unsigned h, int on)
{
    if (on)
        st->occ |= UINT64_C(1) << h;
    else
        st->occ &= ~(UINT64_C(1) << h);
}

/* ---------- level 0 full: the cascade */

typedef struct {
    unsigned stop;             /* level that receives the last carry */
    unsigned char off[L_MAX];  /* offset of the compaction at each level below stop */
    int resample;              /* the carry is resampled into the saturated top */
    double w_top, w_in;        /* weights of the top and of the carry, when resampling */
} cascade_plan;

static void plan_cascade(const stats *s, sk_state *st, cascade_plan *cp)
{
    unsigned h = 0;
    cp->resample = 0;
    for (;;) {
        cp->off[h] = (unsigned char)take_offset(st, h);
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
        resample(runs, 2, half, next);
        carry = next;
    }
    memcpy(dst, carry, half * sizeof *dst);
}

/* Level 0's compaction into carry: by counting when few values are distinct, else by
 * sorting the two halves and merging them (the sort's last pass, fused with the
 * decimation). */
/* Level 0's compaction into carry without a sort, if it is ordered already (constant
 * and monotone variables: a scan) or has few distinct values (decimate_few). */
static int compact_level0_cheap(const stats *s, double *slot, unsigned o, double *carry)
{
    if (is_sorted(slot, s->k)) {
        decimate_concat(slot, slot + s->half, s->half, o, carry);
        return 1;
    }
    return decimate_few(slot, s->k, o, carry);
}

static void compact_level0(const stats *s, double *slot, unsigned o, double *carry,
                           double *tmp)
{
    if (compact_level0_cheap(s, slot, o, carry)) return;
    sort_halves(slot, s->half, tmp);
    merge_decimate(slot, slot + s->half, s->half, o, carry);
}

static void apply_cascade(const stats *s, double *slot, const cascade_plan *cp)
{
    double ba[K_MAX / 2 + 1], bb[K_MAX / 2 + 1], tmp[K_MAX];
    double *carry = ba, *next = bb;
    size_t half = s->half;
    compact_level0(s, slot, cp->off[0], carry, tmp);
    for (unsigned h = 1; h < cp->stop; h++) {
        merge_decimate(level_ptr(s, slot, h), carry, half, cp->off[h], next);
        double *t = carry;
        carry = next;
        next = t;
    }
    land_carry(s, slot, cp, carry, next);
}

/* apply_cascade on two variables at once (the same plan): the same operations on each,
 * with the compactions interleaved. */
static void apply_cascade2(const stats *s, double *x, double *y, const cascade_plan *cp)
{
    double ba[K_MAX / 2 + 1], bb[K_MAX / 2 + 1], tmp[K_MAX];
    double ya[K_MAX / 2 + 1], yb[K_MAX / 2 + 1];
    double *carry = ba, *next = bb, *ycarry = ya, *ynext = yb;
    size_t half = s->half;
    int fx = compact_level0_cheap(s, x, cp->off[0], carry);
    int fy = compact_level0_cheap(s, y, cp->off[0], ycarry);
    if (!fx && !fy) {
        sort_halves(x, half, tmp);
        sort_halves(y, half, tmp);
        merge_decimate2(x, x + half, carry, y, y + half, ycarry, half, cp->off[0]);
    } else {
        if (!fx) compact_level0(s, x, cp->off[0], carry, tmp);
        if (!fy) compact_level0(s, y, cp->off[0], ycarry, tmp);
    }
    for (unsigned h = 1; h < cp->stop; h++) {
        merge_decimate2(level_ptr(s, x, h), carry, next, level_ptr(s, y, h), ycarry, ynext,
                        half, cp->off[h]);
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
    unsigned char off[BITS_MAX][L_MAX]; /* offsets of group b's halvings at levels 0..b */
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
        for (unsigned h = 0; h <= b; h++) cp->off[b][h] = (unsigned char)take_offset(st, h);
        set_occupied(st, b + 1, 1);
    }
    st->exact = 0;
    st->size0 = (unsigned)cp->r0;
}

/* The smallest r0 sorted values stay raw in level 0; each group of consecutive sorted
 * values is halved in place down to k/2 items, then the groups are packed and moved to
 * their levels (highest first: every destination lies at or after its source). */
static void apply_convert(const stats *s, double *slot, const convert_plan *cp, double *tmp)
{
    size_t half = s->half, pos = cp->r0, start[BITS_MAX];
    unsigned bit[BITS_MAX], ng = 0;
    sort_doubles(slot, cp->n, tmp);
    for (unsigned b = 0; b < BITS_MAX; b++) {
        if (!((cp->q >> b) & 1u)) continue;
        size_t len = (size_t)s->k << b;
        for (unsigned h = 0; h <= b; h++, len /= 2) halve(slot + pos, len, cp->off[b][h]);
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

/* ---------- streaming rows */

/* A hint to fetch the cache line at p; no effect on results. */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define PREFETCH_ROWS 8

/* Welford per variable, vectorised across the block's variables. */
static void moments_rows(stats *s, uint64_t n0, size_t v0, size_t nv, const double *rows,
                         size_t rs, size_t nrows, size_t at)
{
    double *restrict mean = s->mean + v0, *restrict m2 = s->m2 + v0;
    double *restrict mn = s->mn + v0, *restrict mx = s->mx + v0;
    double *restrict np = s->npos + v0;
    double *restrict dst = s->data + v0 * s->slot + at;
    size_t slot = s->slot;
    for (size_t i = 0; i < nrows; i++) {
        const double *restrict x = rows + i * rs + v0;
        double n = (double)(n0 + i + 1);
        /* Rows are far apart (a whole model row each): the hardware does not see the
         * stride, and the loads below would wait on memory. */
        if (i + PREFETCH_ROWS < nrows)
            for (size_t v = 0; v < nv; v += 8) PREFETCH(x + PREFETCH_ROWS * rs + v);
#pragma omp simd
        for (size_t v = 0; v < nv; v++) {
            double xv = x[v];
            double d = xv - mean[v];
            mean[v] += d / n;
            m2[v] += d * (xv - mean[v]);
            mn[v] = xv < mn[v] ? xv : mn[v];
            mx[v] = xv > mx[v] ? xv : mx[v];
            np[v] += xv > 0.0 ? 1.0 : 0.0;
            dst[v * slot + i] = xv;   /* the copy into level 0, while the value is here */
        }
    }
}

/* Copy rows [r0, r0 + nrows) of the block's variables into their slots at position at:
 * one variable at a time, so the writes are sequential. */
static void append_rows(stats *s, size_t at, size_t v0, size_t nv, source in, size_t r0,
                        size_t nrows)
{
    size_t v = v0;
    if (in.vs == 1) {
        /* Rows: eight variables (one cache line of each row) at a time, so that each
         * line read is used whole, into eight sequential streams. */
        for (; v + 8 <= v0 + nv; v += 8) {
            double *restrict d[8];
            for (size_t u = 0; u < 8; u++) d[u] = s->data + (v + u) * s->slot + at;
            const double *restrict x = in.base + r0 * in.rs + v;
            for (size_t i = 0; i < nrows; i++, x += in.rs)
                for (size_t u = 0; u < 8; u++) d[u][i] = x[u];
        }
    }
    for (; v < v0 + nv; v++) {
        double *restrict dst = s->data + v * s->slot + at;
        const double *restrict x = in.base + r0 * in.rs + v * in.vs;
        for (size_t i = 0; i < nrows; i++) dst[i] = x[i * in.rs];
    }
}

static void convert_block(stats *s, sk_state *st, size_t v0, size_t nv)
{
    convert_plan cp;
    double tmp[BUDGET_MAX];
    plan_convert(s, st, &cp);
    for (size_t v = v0; v < v0 + nv; v++) apply_convert(s, s->data + v * s->slot, &cp, tmp);
}

static void cascade_block(stats *s, sk_state *st, size_t v0, size_t nv)
{
    cascade_plan cp;
    plan_cascade(s, st, &cp);
    size_t v = v0;
    for (; v + 2 <= v0 + nv; v += 2)
        apply_cascade2(s, s->data + v * s->slot, s->data + (v + 1) * s->slot, &cp);
    if (v < v0 + nv) apply_cascade(s, s->data + v * s->slot, &cp);
}

/* Feed nrows values of variables [v0, v0 + nv) through the sketch, advancing st; with
 * moments, also the Welford update (source rows contiguous in variables). With nv = 0
 * this only advances the shape: the same steps, no data. */
static void run_rows(stats *s, sk_state *st, size_t v0, size_t nv, source in, size_t nrows,
                     int moments)
{
    size_t r = 0;
    while (r < nrows) {
        if (st->exact && st->n == s->budget) {
            convert_block(s, st, v0, nv);
            continue;
        }
        size_t at = st->exact ? (size_t)st->n : st->size0;
        size_t room = (st->exact ? s->budget : s->k) - at;
        size_t seg = min_size(room, nrows - r);
        if (nv > 0) {
            if (moments)
                moments_rows(s, st->n, v0, nv, in.base + r * in.rs, in.rs, seg, at);
            else
                append_rows(s, at, v0, nv, in, r, seg);
        }
        st->n += seg;
        r += seg;
        if (!st->exact) {
            st->size0 += (unsigned)seg;
            if (st->size0 == s->k) cascade_block(s, st, v0, nv);
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
    source in = {s->nvars ? rows + first : rows, stride, 1};
    run_all(s, in, nrows, 1);
}

size_t stats_add_pieces(const stats *s)
{
    return s ? (s->nvars + VBLOCK - 1) / VBLOCK : 0;
}

/* The same steps as one block of run_all: a private copy of the shape, this block's
 * variables. */
void stats_add_rows_piece(stats *s, size_t piece, const double *rows, size_t nrows,
                          size_t stride, size_t first)
{
    if (!s || nrows == 0 || piece >= stats_add_pieces(s)) return;
    source in = {rows + first, stride, 1};
    sk_state st = s->st;
    size_t v0 = piece * VBLOCK;
    run_rows(s, &st, v0, min_size(VBLOCK, s->nvars - v0), in, nrows, 1);
}

void stats_add_rows_end(stats *s, size_t nrows)
{
    if (!s || nrows == 0) return;
    source none = {NULL, 0, 1}; /* no variables: the shape advances, no data is read */
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
    if (s->data_bytes)
        munmap(s->data, s->data_bytes);
    else
        free(s->data);
}

void stats_free(stats *s)
{
    if (!s) return;
    free_arrays(s);
    free(s);
}

static double *alloc_doubles(size_t n) { return malloc((n ? n : 1) * sizeof(double)); }

/* The sketch storage, zeroed and resident from the start: the memory is fixed at
 * allocation, and the process should hold it at once rather than fault it in page by
 * page as the higher levels fill (which made the resident size look as if it grew with
 * paths). Large blocks are mapped and pre-faulted by the kernel (MADV_POPULATE_WRITE:
 * no fault per 4 KiB as under memset), in chunks spread over the threads, since most of
 * the cost is the kernel's per-page work. Measured on the default scenario: the engine's
 * set-up took 0.038 s with memset, 0.029 s with one thread here, about 0.02 s with two. */
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

/* Slot size, padded so that consecutive slots do not start at the same offset modulo
 * 4 KiB (the blocks' level-0 buffers are written together and would share cache sets). */
static size_t slot_size(unsigned k, unsigned levels)
{
    size_t slot = (size_t)k + (size_t)(levels - 1) * (k / 2);
    slot = (slot + 7) / 8 * 8;
    if (slot % 512 == 0) slot += 8;
    return slot;
}

stats *stats_alloc_sketch(size_t nvars, unsigned k, unsigned levels, unsigned exact_budget)
{
    if (k < 4 || k > K_MAX || k % 2 || levels < 2 || levels > L_MAX) return NULL;
    if (exact_budget > BUDGET_MAX || exact_budget > k + (size_t)(levels - 1) * (k / 2))
        return NULL;
    size_t slot = slot_size(k, levels);
    if (nvars > SIZE_MAX / sizeof(double) / slot) return NULL;
    stats *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->nvars = nvars;
    s->k = k;
    s->half = k / 2;
    s->levels = levels;
    s->top = levels - 1;
    s->budget = exact_budget;
    s->slot = slot;
    s->mean = alloc_doubles(nvars);
    s->m2 = alloc_doubles(nvars);
    s->mn = alloc_doubles(nvars);
    s->mx = alloc_doubles(nvars);
    s->npos = alloc_doubles(nvars);
    s->data = alloc_data(s, nvars * slot);
    if (!s->mean || !s->m2 || !s->mn || !s->mx || !s->npos || !s->data) {
        stats_free(s);
        return NULL;
    }
    stats_reset(s);
    return s;
}

stats *stats_alloc(size_t nvars)
{
    return stats_alloc_sketch(nvars, STATS_SKETCH_K, STATS_SKETCH_LEVELS, STATS_EXACT_BUDGET);
}

stats *stats_alloc_part(size_t nvars, uint64_t max_values)
{
    if (max_values <= STATS_EXACT_BUDGET) return stats_alloc(nvars);
    /* Level h >= 1 holds weight k 2^(h-1); streaming max_values values never brings a
     * second block to the top T once k 2^T > max_values. */
    unsigned top = 1;
    while (top + 1 < STATS_SKETCH_LEVELS && ldexp(STATS_SKETCH_K, (int)top) <= (double)max_values)
        top++;
    return stats_alloc_sketch(nvars, STATS_SKETCH_K, top + 1, 0);
}

stats *stats_clone(const stats *s)
{
    if (!s) return NULL;
    stats *c = stats_alloc_sketch(s->nvars, s->k, s->levels, s->budget);
    if (!c) return NULL;
    size_t n = s->nvars;
    memcpy(c->mean, s->mean, n * sizeof(double));
    memcpy(c->m2, s->m2, n * sizeof(double));
    memcpy(c->mn, s->mn, n * sizeof(double));
    memcpy(c->mx, s->mx, n * sizeof(double));
    memcpy(c->npos, s->npos, n * sizeof(double));
    memcpy(c->data, s->data, n * s->slot * sizeof(double));
    c->st = s->st;
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
    state_init(s, &s->st);
}

size_t stats_nvars(const stats *s) { return s ? s->nvars : 0; }

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

/* Level by level, what meets: bit 0 into's items, bit 1 from's, bit 2 a carry. */
typedef struct {
    unsigned a0, b0;           /* level-0 sizes */
    int c0;                    /* level 0 compacts k of its a0 + b0 items */
    unsigned char off0;
    unsigned char meet[L_MAX];
    unsigned char off[L_MAX];
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
        mp->off0 = (unsigned char)take_offset(st, 0);
        carry = 1;
        tot -= s->k;
    }
    st->size0 = tot;
    for (unsigned h = 1; h < s->top; h++) {
        unsigned meet = (unsigned)occupied(st, h) | (unsigned)occupied(fr, h) << 1 | carry << 2;
        unsigned cnt = (meet & 1) + (meet >> 1 & 1) + (meet >> 2 & 1);
        mp->meet[h] = (unsigned char)meet;
        carry = cnt >= 2;
        if (carry) mp->off[h] = (unsigned char)take_offset(st, h);
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
static void merge_level0(const stats *s, double *a, const double *b, const merge_plan *mp,
                         double *carry)
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
    for (size_t i = 0; i < s->half; i++) carry[i] = all[2 * i + mp->off0];
    memcpy(a, all + s->k, (tot - s->k) * sizeof *a);
}

static void apply_merge(const stats *s, double *slot, const double *from, const merge_plan *mp)
{
    double ba[K_MAX / 2 + 1], bb[K_MAX / 2 + 1];
    double *carry = ba, *next = bb;
    size_t half = s->half, bytes = half * sizeof *slot;
    merge_level0(s, slot, from, mp, carry);
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
            merge_decimate(a, b, half, mp->off[h], next);
            memcpy(a, carry, bytes);
            break;
        default:                                     /* two meet: compact them */
            if (mp->meet[h] & 1) two[m++] = a;
            if (mp->meet[h] & 2) two[m++] = b;
            if (mp->meet[h] & 4) two[m++] = carry;
            merge_decimate(two[0], two[1], half, mp->off[h], next);
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
        resample(runs, nr, half, next);
        memcpy(a, next, bytes);
    }
}

/* into (exact) becomes a sketch of the same values. */
static void convert_all(stats *s)
{
    size_t nblocks = (s->nvars + VBLOCK - 1) / VBLOCK;
#pragma omp parallel for schedule(dynamic, 1) if (nblocks > 1)
    for (size_t b = 0; b < nblocks; b++) {
        sk_state st = s->st;
        size_t v0 = b * VBLOCK;
        convert_block(s, &st, v0, min_size(VBLOCK, s->nvars - v0));
    }
    convert_block(s, &s->st, 0, 0);
}

static void merge_sketches(stats *into, const stats *from)
{
    merge_plan mp;
    sk_state st = into->st;
    plan_merge(into, &st, &from->st, from->top, &mp);
    size_t nv = into->nvars;
#pragma omp parallel for schedule(static) if (nv >= VBLOCK)
    for (size_t v = 0; v < nv; v++)
        apply_merge(into, into->data + v * into->slot, from->data + v * from->slot, &mp);
    into->st = st;
}

/* Can from's values join into's? The same variables and buffer k; and from either holds
 * raw values (any budget), or is a sketch whose levels are all levels of into with the
 * same weights: as many levels, or fewer and its top never saturated (top_w = 2^top). */
static int mergeable(const stats *into, const stats *from)
{
    if (into->nvars != from->nvars || into->k != from->k) return 0;
    if (from->st.exact || from->levels == into->levels) return 1;
    return from->levels < into->levels && from->st.top_w == pow2(from->top);
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
        source in = {from->data, 1, from->slot};
        run_all(into, in, (size_t)from->st.n, 0);
        return 0;
    }
    if (into->st.exact) convert_all(into);
    merge_sketches(into, from);
    return 0;
}

/* ---------- queries */

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

static void quantiles_sketch(const stats *s, size_t v, const double *p, size_t np, double *q)
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

/* Quantiles of variable v at the ascending levels p[0..np) (each clamped to [0, 1]). */
static void quantiles(const stats *s, size_t v, const double *p, size_t np, double *q)
{
    if (s->st.n == 0) {
        for (size_t i = 0; i < np; i++) q[i] = 0.0;
    } else if (s->st.exact) {
        quantiles_exact(s->data + v * s->slot, (size_t)s->st.n, p, np, q);
    } else {
        quantiles_sketch(s, v, p, np, q);
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

/* Weighted counts of the items < x and == x of every occupied level h >= 1 (each k/2
 * sorted items). Two branch-free binary searches per level (a conditional move per
 * halving: the comparisons cannot be predicted), with the searches of all levels
 * interleaved, since each is a chain of dependent loads. Without NaN in a level they
 * count what any binary search counts; the sums run in level order. Invariants: items
 * before bl[i] are < x and items from bl[i] + len on are >= x (bu: <= x and > x). */
/* The counts (< x, <= x) of a sorted run of len >= 1 items, both searches together. */
static void search2(const double *p, size_t len, double x, size_t *first, size_t *upto)
{
    const double *bl = p, *bu = p;
    while (len > 1) {
        size_t h = len / 2;
        bl = bl[h] < x ? bl + h : bl;
        bu = !(x < bu[h]) ? bu + h : bu;
        len -= h;
    }
    *first = (size_t)(bl - p) + (bl[0] < x);
    *upto = (size_t)(bu - p) + !(x < bu[0]);
}

static void count_levels(const stats *s, const double *slot, double x, double *lt,
                         double *eq)
{
    const double *base[L_MAX];
    double w[L_MAX];
    size_t m = 0, first[L_MAX], upto[L_MAX];
    for (unsigned h = 1; h <= s->top; h++) {
        if (!occupied(&s->st, h)) continue;
        base[m] = level_cptr(s, slot, h);
        w[m++] = h == s->top ? s->st.top_w : pow2(h);
    }
    /* Two levels at a time: four chains, all in registers. */
    size_t i = 0;
    for (; i + 2 <= m; i += 2) {
        const double *l0 = base[i], *u0 = base[i], *l1 = base[i + 1], *u1 = base[i + 1];
        size_t len = s->half;
        while (len > 1) {
            size_t h = len / 2;
            l0 = l0[h] < x ? l0 + h : l0;
            u0 = !(x < u0[h]) ? u0 + h : u0;
            l1 = l1[h] < x ? l1 + h : l1;
            u1 = !(x < u1[h]) ? u1 + h : u1;
            len -= h;
        }
        first[i] = (size_t)(l0 - base[i]) + (l0[0] < x);
        upto[i] = (size_t)(u0 - base[i]) + !(x < u0[0]);
        first[i + 1] = (size_t)(l1 - base[i + 1]) + (l1[0] < x);
        upto[i + 1] = (size_t)(u1 - base[i + 1]) + !(x < u1[0]);
    }
    if (i < m) search2(base[i], s->half, x, &first[i], &upto[i]);
    for (i = 0; i < m; i++) {
        *lt += (double)first[i] * w[i];
        *eq += (double)(upto[i] - first[i]) * w[i];
    }
}

double stats_cdf(const stats *s, size_t v, double x)
{
    if (!s || v >= s->nvars || isnan(x)) return NAN;
    if (s->st.n == 0) return 0.5; /* no data: the middle */
    const double *slot = s->data + v * s->slot;
    size_t raw = s->st.exact ? (size_t)s->st.n : s->st.size0;
    /* Raw values, unsorted: integer counts (the sums of 0s and 1s, exactly), two of
     * each so that the additions do not wait on each other. */
    size_t l0 = 0, l1 = 0, e0 = 0, e1 = 0, i = 0;
    for (; i + 2 <= raw; i += 2) {
        l0 += slot[i] < x;
        e0 += slot[i] == x;
        l1 += slot[i + 1] < x;
        e1 += slot[i + 1] == x;
    }
    if (i < raw) {
        l0 += slot[i] < x;
        e0 += slot[i] == x;
    }
    double lt = (double)(l0 + l1), eq = (double)(e0 + e1);
    if (!s->st.exact) count_levels(s, slot, x, &lt, &eq);
    return (lt + 0.5 * eq) / (double)s->st.n;
}

/* ---------- a variable's distribution as one table (many CDF look-ups) */

struct stats_cdf_table {
    size_t m;      /* distinct items */
    double n;      /* values seen */
    double *x;     /* m distinct items, ascending (NaN last) */
    double *cum;   /* m + 1: weight of the items before each */
};

typedef struct {
    double x, w;
} weighted;

/* A total order (NaN last, so the sort cannot be confused), by value only. */
static int cmp_weighted(const void *pa, const void *pb)
{
    double a = ((const weighted *)pa)->x, b = ((const weighted *)pb)->x;
    int na = isnan(a), nb = isnan(b);
    if (na || nb) return na - nb;
    return (a > b) - (a < b);
}

stats_cdf_table *stats_cdf_table_alloc(const stats *s, size_t v)
{
    if (!s || v >= s->nvars) return NULL;
    const double *slot = s->data + v * s->slot;
    size_t raw = s->st.exact ? (size_t)s->st.n : s->st.size0, m = raw;
    if (!s->st.exact)
        for (unsigned h = 1; h <= s->top; h++) m += occupied(&s->st, h) ? s->half : 0;
    stats_cdf_table *t = calloc(1, sizeof *t);
    weighted *all = malloc((m ? m : 1) * sizeof *all);
    if (t) {
        t->x = malloc((m ? m : 1) * sizeof *t->x);
        t->cum = malloc((m + 1) * sizeof *t->cum);
    }
    if (!t || !all || !t->x || !t->cum) {
        free(all);
        stats_cdf_table_free(t);
        return NULL;
    }
    size_t at = 0;
    for (size_t i = 0; i < raw; i++) all[at++] = (weighted){slot[i], 1.0};
    for (unsigned h = 1; h <= s->top && !s->st.exact; h++) {
        if (!occupied(&s->st, h)) continue;
        double w = h == s->top ? s->st.top_w : pow2(h);
        const double *lv = level_cptr(s, slot, h);
        for (size_t i = 0; i < s->half; i++) all[at++] = (weighted){lv[i], w};
    }
    qsort(all, m, sizeof *all, cmp_weighted);
    /* equal items become one, with their summed weight: then the items == x are all at
     * the one place where the items < x end, and a look-up is a single search */
    size_t d = 0;
    t->cum[0] = 0.0;
    for (size_t i = 0; i < m; i++) {
        if (d == 0 || !(all[i].x == t->x[d - 1])) {
            t->x[d] = all[i].x;
            t->cum[d + 1] = t->cum[d];
            d++;
        }
        t->cum[d] += all[i].w;
    }
    t->m = d;
    t->n = (double)s->st.n;
    free(all);
    return t;
}

void stats_cdf_table_free(stats_cdf_table *t)
{
    if (!t) return;
    free(t->x);
    free(t->cum);
    free(t);
}

/* The index of the first item >= x, by branch-free halvings (NaN items count as >= x). */
static size_t table_lower(const stats_cdf_table *t, double x)
{
    const double *lo = t->x;
    size_t len = t->m;
    while (len > 1) {
        size_t h = len / 2;
        lo += h * (size_t)(lo[h - 1] < x); /* arithmetic, not ?: (gcc made that a branch) */
        len -= h;
    }
    return (size_t)(lo - t->x) + (lo[0] < x);
}

/* The mid-rank CDF from that index: the item there is == x or > x. */
static double table_cdf(const stats_cdf_table *t, size_t lt, double x)
{
    size_t le = lt + (lt < t->m && t->x[lt] == x);
    return (t->cum[lt] + 0.5 * (t->cum[le] - t->cum[lt])) / t->n;
}

double stats_cdf_table_eval(const stats_cdf_table *t, double x)
{
    if (!t || isnan(x)) return NAN;
    if (t->n == 0 || t->m == 0) return 0.5;
    return table_cdf(t, table_lower(t, x), x);
}

void stats_cdf_table_eval_many(const stats_cdf_table *t, const double *x, size_t xstride,
                               size_t n, double *out, size_t ostride)
{
    size_t i = 0;
    if (t && t->n > 0 && t->m > 0) {
        /* four searches at once: each is a chain of dependent loads */
        for (; i + 4 <= n; i += 4) {
            double x0 = x[i * xstride], x1 = x[(i + 1) * xstride];
            double x2 = x[(i + 2) * xstride], x3 = x[(i + 3) * xstride];
            const double *l0 = t->x, *l1 = t->x, *l2 = t->x, *l3 = t->x;
            size_t len = t->m;
            while (len > 1) {
                size_t h = len / 2;
                l0 += h * (size_t)(l0[h - 1] < x0);
                l1 += h * (size_t)(l1[h - 1] < x1);
                l2 += h * (size_t)(l2[h - 1] < x2);
                l3 += h * (size_t)(l3[h - 1] < x3);
                len -= h;
            }
            const double *l[4] = {l0, l1, l2, l3};
            double xs[4] = {x0, x1, x2, x3};
            for (int j = 0; j < 4; j++)
                out[(i + (size_t)j) * ostride] =
                    isnan(xs[j]) ? NAN
                                 : table_cdf(t, (size_t)(l[j] - t->x) + (l[j][0] < xs[j]), xs[j]);
        }
    }
    for (; i < n; i++) out[i * ostride] = stats_cdf_table_eval(t, x[i * xstride]);
}

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

/* ---------- serialisation (shards and MPI ranks: sim/engine/engine.c, docs/ENGINE.md)
 *
 * The whole state as 64-bit words: a header (parameters and the shared shape), the five
 * moment arrays, then for each variable only the items its sketch uses (the same count
 * for every variable, since the shape is shared): the raw values while exact, else level
 * 0's size0 raw items followed by each occupied level's k/2 sorted items, level by level.
 * Doubles travel as their bit patterns, so stats_load() restores every bit: the loaded
 * accumulator answers queries and takes rows and merges exactly as the saved one would. */

#define SAVE_MAGIC UINT64_C(0x31534154534d4143) /* a tag: "CAMSTAS1" in little-endian bytes */
#define SAVE_HEAD 14                            /* header words */

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
                                 (uint64_t)st->exact, st->size0, st->occ, st->off,
                                 dbits(st->top_w), dbits(st->errp), dbits(st->errn), m };
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
    st.off = w[9];
    st.top_w = bitsd(w[10]);
    st.errp = bitsd(w[11]);
    st.errn = bitsd(w[12]);
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
