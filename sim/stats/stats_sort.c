/*
 * stats_sort: the sorting and compaction kernels of the stats sketch, on plain arrays of
 * doubles (private to sim/stats: declared in stats_int.h). Sorts for level 0 and for the
 * exact phase, merges of sorted runs, and the compaction of two sorted runs (merge them,
 * keep every other item).
 *
 * SPEED. The level-0 sort costs about log2(b0) merge steps per value: networks of 8 with
 * minsd/maxsd, then branch-free merges run from both ends, two merges at a time.
 * Shortcuts that give the very same bits: a compaction of two runs that do not overlap
 * decimates their concatenation (constant and ordered variables: every compaction), and
 * an array that is in order already or holds few distinct values (no NaN, not both
 * zeros) is not sorted but scanned or counted (count_few).
 *
 * Every loop is bounded by counts, never by comparisons, so NaN (an inconsistent order)
 * cannot hang a kernel or overrun a buffer.
 */
#include "stats_int.h"

#include <stdint.h>
#include <string.h>

/* ---------- sorting */

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
 * minsd/maxsd, not a branch (one shared comparison becomes a branch, which the random
 * order of the data makes mispredict). With a NaN it may duplicate one item and drop the
 * other; it never fails. */
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
void sort_merge2(const double *a, size_t na, const double *b, size_t nb, double *out)
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
                sort_merge2(src + i, na, src + i + na, nb, dst + i);
        }
        double *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

/* A whole array: in order already, few values (counted), or merge-sorted. */
void sort_doubles(double *a, size_t n, double *tmp)
{
    if (is_sorted(a, n)) return;
    if (n >= 64 && sort_few(a, n)) return;
    sort_runs(a, n, n, tmp);
}

/* ---------- compaction: merge two sorted runs, keep every other item */

/* One compaction of the union of sorted a[0..na) and b[0..nb) (na + nb even): merge them
 * (ties take a first) and keep the merged positions o, o+2, ... in out[0..(na+nb)/2);
 * out has room for one more (an item not kept is written there instead of branching on
 * it). Runs that do not overlap (constant and ordered variables) are decimated without
 * a comparison. */
void sort_merge_decimate_n(const double *a, size_t na, const double *b, size_t nb, unsigned o,
                           double *out)
{
    size_t m = (na + nb) / 2;
    if (nb == 0 || na == 0 || a[na - 1] <= b[0] || b[nb - 1] < a[0]) {
        const double *x = a, *y = b;
        size_t nx = na;
        if (na > 0 && nb > 0 && !(a[na - 1] <= b[0])) { x = b; y = a; nx = nb; }
        size_t i = 0;
        for (; o + 2 * i < nx && i < m; i++) out[i] = x[o + 2 * i];
        for (; i < m; i++) out[i] = y[o + 2 * i - nx];
        return;
    }
    size_t i = 0, j = 0;
    for (size_t s = 0; s < 2 * m; s++) {
        /* a run that is done leaves only the other: its head compares as taken */
        int takeb = j < nb && (i >= na || b[j] < a[i]);
        double x = takeb ? b[j] : a[i];
        j += (size_t)takeb;
        i += (size_t)!takeb;
        out[(s & 1u) == o ? s >> 1 : m] = x;
    }
}
