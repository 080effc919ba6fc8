/*
 * test_sketch: the quantile sketch's schedule and invariants (sim/stats/sketch.c), seen
 * from inside (stats_int.h): the capacity schedule, the shape after every add and merge
 * (total weight == n exactly, every level under its capacity, levels sorted, memory
 * within the slot), the tally of paired compactions, and determinism: parts computed in
 * any order, on any number of threads, saved and loaded, then merged in their index
 * order give the very words of the sequential computation; other seeds give other
 * sketches; words of the previous layout are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/stats/stats_int.h"

static double *make_rows(size_t nrows, size_t nvars, unsigned long seed)
{
    double *x = malloc((nrows ? nrows : 1) * nvars * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < nrows * nvars; i++) {
        switch (i % nvars % 3) {
        case 0: x[i] = gsl_rng_uniform(r); break;
        case 1: x[i] = gsl_ran_lognormal(r, 0.0, 2.0); break;
        default: x[i] = (double)gsl_ran_poisson(r, 2.0); break; /* ties */
        }
    }
    gsl_rng_free(r);
    return x;
}

/* The capacities: k at the top, then the even part of 2/3 of the one above, at least 2. */
static void test_schedule(void **state)
{
    (void)state;
    static const uint32_t want[] = {2048, 1364, 908, 604, 402, 268, 178, 118, 78, 52, 34, 22, 14, 8, 4, 2};
    stats *s = stats_alloc(1), *p = stats_alloc_part(1, 16384);
    assert_non_null(s);
    assert_non_null(p);
    assert_int_equal(s->k, STATS_SKETCH_K);
    assert_int_equal(s->b0, STATS_SKETCH_B0);
    for (unsigned d = 0; d < L_MAX; d++) {
        assert_int_equal(s->capd[d], d < 16 ? want[d] : 2);
        assert_true(s->capd[d] % 2 == 0);
        if (d > 0) assert_true(s->capd[d] <= s->capd[d - 1]);
    }
    assert_int_equal(p->k, STATS_PART_K);
    static const uint32_t part[] = {1024, 682, 454, 302, 200, 132, 88, 58, 38, 24, 16, 10, 6, 4, 2, 2};
    for (unsigned d = 0; d < 16; d++) assert_int_equal(p->capd[d], part[d]);
    assert_int_equal(p->budget, 0);
    /* memory: b0 + the capacities, padded; about b0 + 3k */
    size_t sum = s->b0;
    for (unsigned d = 0; d + 1 < L_MAX; d++) sum += s->capd[d];
    assert_true(s->slot >= sum && s->slot < sum + 16);
    assert_true(s->slot < STATS_SKETCH_B0 + 3 * STATS_SKETCH_K + 2 * L_MAX);
    assert_true(p->slot < STATS_SKETCH_B0 + 3 * STATS_PART_K + 2 * L_MAX);
    stats_free(s);
    stats_free(p);
}

/* The shape's invariants, and every variable's levels sorted with items of the data. */
static void check_shape(const stats *s, const double *x, size_t n, size_t nv)
{
    const sk_state *st = &s->st;
    assert_true(st->n == n);
    if (st->exact) {
        assert_true(n <= s->budget);
        return;
    }
    assert_true(st->top >= 1 && st->top < L_MAX);
    assert_true(st->size[0] < s->b0);
    uint64_t weight = st->size[0];
    size_t used = st->size[0];
    for (unsigned h = 1; h < L_MAX; h++) {
        if (h > st->top) {
            assert_int_equal(st->size[h], 0);
            continue;
        }
        assert_true(st->size[h] < s->capd[st->top - h]);
        weight += (uint64_t)st->size[h] << h;
        used += st->size[h];
    }
    assert_true(weight == n);                    /* weight is conserved exactly */
    assert_true(used + (s->b0 - st->size[0]) <= s->slot);
    for (size_t v = 0; v < nv; v++) {
        run runs[L_MAX];
        size_t nr = sketch_levels(s, st, s->data + v * s->slot, runs);
        for (size_t r = 0; r < nr; r++) {
            for (size_t i = 1; i < runs[r].n; i++) assert_true(runs[r].p[i - 1] <= runs[r].p[i]);
            /* an item of the data: its first and last */
            size_t ends[2] = {0, runs[r].n - 1};
            for (int e = 0; e < 2; e++) {
                int found = 0;
                for (size_t i = 0; i < n && !found; i++) found = x[i * nv + v] == runs[r].p[ends[e]];
                assert_true(found);
            }
        }
    }
}

/* Streamed in batches of every size and merged in uneven parts, small and default
 * parameters: the invariants after every step. */
static void test_invariants(void **state)
{
    (void)state;
    const unsigned ks[][3] = {{8, 4, 0}, {64, 16, 128}, {STATS_SKETCH_K, STATS_SKETCH_B0, STATS_EXACT_BUDGET}};
    size_t nv = 3, n = 40000;
    double *x = make_rows(n, nv, 17);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (int c = 0; c < 3; c++) {
        stats *s = stats_alloc_sketch(nv, ks[c][0], ks[c][1], ks[c][2]);
        assert_non_null(s);
        size_t at = 0;
        while (at < n) {
            size_t m = 1 + gsl_rng_uniform_int(r, 3000);
            if (m > n - at) m = n - at;
            stats_add_rows(s, x + at * nv, m, nv, 0);
            at += m;
            check_shape(s, x, at, nv);
        }
        /* merges: parts of random sizes, streamed, into one */
        stats *all = stats_alloc_sketch(nv, ks[c][0], ks[c][1], ks[c][2]);
        for (at = 0; at < n;) {
            size_t m = 1 + gsl_rng_uniform_int(r, 9000);
            if (m > n - at) m = n - at;
            stats *part = stats_alloc_sketch(nv, ks[c][0], ks[c][1], 0);
            stats_set_seed(part, at + 1);
            stats_add_rows(part, x + at * nv, m, nv, 0);
            assert_int_equal(stats_merge(all, part), 0);
            stats_free(part);
            at += m;
            check_shape(all, x, at, nv);
        }
        /* the tally is the weight of the pairs of compactions (one pair: one w) */
        double pairs = 0.0;
        for (unsigned h = 0; h < L_MAX; h++) pairs += (double)((s->st.cnt[h] + 1) / 2) * pow2(h);
        assert_true(pairs == s->st.errp && s->st.errp == s->st.errn);
        assert_true(stats_rank_error(s) == pairs / (double)n);
        stats_free(s);
        stats_free(all);
    }
    gsl_rng_free(r);
    free(x);
}

/* The engine's computation: P parts of SB values, part i seeded i + 1, merged in index
 * order into a run. */
enum { NV = 70, SB = 6000, P = 7 };

static stats *part_of(const double *x, size_t n, size_t i)
{
    size_t first = i * SB, m = n - first < SB ? n - first : SB;
    stats *p = stats_alloc_part(NV, SB);
    assert_non_null(p);
    stats_set_seed(p, i + 1);
    for (size_t at = 0; at < m; at += 512) /* batches, as the engine adds them */
        stats_add_rows(p, x + (first + at) * NV, m - at < 512 ? m - at : 512, NV, 0);
    return p;
}

static uint64_t *words_of(const stats *s, size_t *nw)
{
    *nw = stats_save_words(s);
    uint64_t *w = malloc(*nw * sizeof *w);
    assert_non_null(w);
    stats_save(s, w);
    return w;
}

/* Parts computed in reverse order and on 1 or 3 threads, each moved through its words
 * (a shard, an MPI rank), merged in index order: the run's words are the sequential
 * run's, bit for bit. */
static void test_merge_order_bitwise(void **state)
{
    (void)state;
    size_t n = SB * (P - 1) + 1234;
    double *x = make_rows(n, NV, 23);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    stats *ref = stats_alloc(NV);
    for (size_t i = 0; i < P; i++) {
        stats *p = part_of(x, n, i);
        assert_int_equal(stats_merge(ref, p), 0);
        stats_free(p);
    }
    size_t nref;
    uint64_t *wref = words_of(ref, &nref);
    for (int threads = 1; threads <= 3; threads += 2) {
        omp_set_num_threads(threads);
        uint64_t *pw[P];
        size_t pn[P];
        for (size_t j = P; j-- > 0;) { /* computed last to first */
            stats *p = part_of(x, n, j);
            pw[j] = words_of(p, &pn[j]);
            stats_free(p);
        }
        stats *acc = stats_alloc(NV), *p = stats_alloc_part(NV, SB);
        for (size_t i = 0; i < P; i++) {
            assert_int_equal(stats_load(p, pw[i], pn[i]), 0);
            assert_int_equal(stats_merge(acc, p), 0);
            free(pw[i]);
        }
        size_t nw;
        uint64_t *w = words_of(acc, &nw);
        assert_true(nw == nref);
        assert_memory_equal(w, wref, nw * sizeof *w);
        free(w);
        stats_free(acc);
        stats_free(p);
    }
    omp_set_num_threads(saved);
    /* the seeds decide the coins: other seeds, another sketch (same moments) */
    stats *other = stats_alloc(NV);
    for (size_t i = 0; i < P; i++) {
        stats *p = stats_alloc_part(NV, SB);
        stats_set_seed(p, 1000 + i);
        size_t first = i * SB, m = n - first < SB ? n - first : SB;
        stats_add_rows(p, x + first * NV, m, NV, 0);
        assert_int_equal(stats_merge(other, p), 0);
        stats_free(p);
    }
    int diff = 0;
    for (size_t v = 0; v < NV; v++)
        for (int k = 1; k < 100; k++) diff += stats_quantile(other, v, k / 100.0) != stats_quantile(ref, v, k / 100.0);
    assert_true(diff > 0);
    stats_free(other);
    stats_free(ref);
    free(wref);
    free(x);
}

/* Words of another layout (the previous tag, "CAMSTAS2") or damaged shapes are refused,
 * and s is left as it was. */
static void test_words_refused(void **state)
{
    (void)state;
    size_t n = 30000, nv = 4;
    double *x = make_rows(n, nv, 3);
    stats *s = stats_alloc(nv), *t = stats_alloc(nv);
    stats_add_rows(s, x, n, nv, 0);
    size_t nw;
    uint64_t *w = words_of(s, &nw);
    assert_int_equal(stats_load(t, w, nw), 0);
    size_t nw2;
    uint64_t *w2 = words_of(t, &nw2);
    assert_true(nw2 == nw);
    assert_memory_equal(w, w2, nw * sizeof *w);
    uint64_t tag = w[0];
    w[0] = UINT64_C(0x32534154534d4143); /* "CAMSTAS2" */
    assert_int_equal(stats_load(t, w, nw), -1);
    w[0] = tag;
    w[13 + 1] += 2; /* level 1 holds two more items: the weight no longer adds up to n */
    assert_int_equal(stats_load(t, w, nw), -1);
    w[13 + 1] -= 2;
    assert_int_equal(stats_load(t, w, nw - 1), -1);
    free(w2);
    w2 = words_of(t, &nw2); /* unchanged by the refusals */
    assert_memory_equal(w, w2, nw * sizeof *w);
    free(w);
    free(w2);
    stats_free(s);
    stats_free(t);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_merge_order_bitwise),
        cmocka_unit_test(test_words_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
