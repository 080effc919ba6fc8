/*
 * test_rng: the Philox4x64-10 streams (sim/random/rng.c, README, "Random numbers, seeds and reproducibility").
 *
 * Known answers: Random123's published kat_vectors lines for philox4x64 with 10 rounds,
 * both through the raw function and through the gsl_rng type; the FNV-1a test vectors
 * of rng_hash. Properties: a stream is the documented word sequence (word w = word w%4
 * of block w/4, block = third counter word); rng_uniform_at(.., index) is the index-th
 * draw of the stream; seeds, streams, paths and months give different sequences;
 * uniforms are in (0,1) with mean 1/2 and variance 1/12 within 4 standard errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <Random123/philox.h>

#include "sim/random/rng.h"

/* Random123 examples/kat_vectors: "philox4x64 10  ctr[4]  key[2]  expected[4]". */
typedef struct { uint64_t ctr[4], key[2], out[4]; } kat;

static const kat kats[] = {
    { { 0, 0, 0, 0 }, { 0, 0 },
      { 0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL, 0xd7e772cee186176bULL, 0x7e68b68aec7ba23bULL } },
    { { ~0ULL, ~0ULL, ~0ULL, ~0ULL }, { ~0ULL, ~0ULL },
      { 0x87b092c3013fe90bULL, 0x438c3c67be8d0224ULL, 0x9cc7d7c69cd777b6ULL, 0xa09caebf594f0ba0ULL } },
    { { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL },
      { 0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL },
      { 0xa528f45403e61d95ULL, 0x38c72dbd566e9788ULL, 0xa5a1610e72fd18b5ULL, 0x57bd43b5e52b7fe6ULL } },
};

/* The documented mapping of a 64-bit word to (0,1): 53 bits, centred in their cell. */
static double open01(uint64_t w)
{
    return ((double)(w >> 12) + 0.5) * 0x1.0p-52;
}

static philox4x64_ctr_t block(uint64_t seed, uint64_t stream, uint64_t path, uint64_t month, uint64_t b)
{
    philox4x64_key_t k = { { seed, stream } };
    philox4x64_ctr_t c = { { path, month, b, 0 } };
    return philox4x64(c, k);
}

static void test_kat_raw(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        philox4x64_key_t k = { { kats[i].key[0], kats[i].key[1] } };
        philox4x64_ctr_t c = { { kats[i].ctr[0], kats[i].ctr[1], kats[i].ctr[2], kats[i].ctr[3] } };
        philox4x64_ctr_t r = philox4x64_R(10, c, k);
        for (int j = 0; j < 4; j++) assert_int_equal(r.v[j], kats[i].out[j]);
        r = philox4x64(c, k);            /* the default round count is 10 */
        for (int j = 0; j < 4; j++) assert_int_equal(r.v[j], kats[i].out[j]);
    }
}

/* The all-zero vector is reachable through the gsl_rng type: seed 0, stream 0, path 0,
 * month 0 is counter {0,0,0,0} under key {0,0}. */
static void test_kat_through_gsl(void **state)
{
    (void)state;
    gsl_rng *r = rng_alloc();
    assert_non_null(r);
    assert_string_equal(gsl_rng_name(r), "philox4x64-10");
    assert_int_equal(gsl_rng_max(r), 0xffffffffUL);
    assert_int_equal(gsl_rng_min(r), 0);
    rng_set_stream(r, 0, 0, 0, 0);
    for (int j = 0; j < 4; j++) assert_int_equal(gsl_rng_get(r), kats[0].out[j] >> 32);
    rng_set_stream(r, 0, 0, 0, 0);
    for (int j = 0; j < 4; j++) assert_true(gsl_rng_uniform(r) == open01(kats[0].out[j]));
    for (int j = 0; j < 4; j++) assert_true(rng_uniform_at(0, 0, 0, 0, j) == open01(kats[0].out[j]));
    /* gsl_rng_set(r, s) is key {s, 0}, counter 0 */
    gsl_rng_set(r, 5);
    assert_int_equal(gsl_rng_get(r), block(5, 0, 0, 0, 0).v[0] >> 32);
    gsl_rng_free(r);
}

/* Word w of stream (seed, stream, path, month) is word w % 4 of block w / 4, whether it
 * is taken by get() (upper 32 bits) or get_double(). */
static void test_word_sequence(void **state)
{
    (void)state;
    const uint64_t seed = 42, stream = rng_hash("demand.inference.growth"), path = 7, month = 3;
    gsl_rng *r = rng_alloc();
    rng_set_stream(r, seed, stream, path, month);
    for (uint64_t w = 0; w < 40; w++) {
        uint64_t word = block(seed, stream, path, month, w / 4).v[w % 4];
        if (w % 3 == 0) assert_int_equal(gsl_rng_get(r), word >> 32);
        else assert_true(gsl_rng_uniform(r) == open01(word));
    }
    /* re-pointing restarts the stream */
    rng_set_stream(r, seed, stream, path, month);
    assert_int_equal(gsl_rng_get(r), block(seed, stream, path, month, 0).v[0] >> 32);
    gsl_rng_free(r);
}

static void test_uniform_at_is_stream_draw(void **state)
{
    (void)state;
    gsl_rng *r = rng_alloc();
    const uint64_t seed = 1, stream = rng_hash("contracts.aws.capacity.0.delay_months");
    for (uint64_t path = 0; path < 3; path++) {
        rng_set_stream(r, seed, stream, path, 11);
        for (uint64_t i = 0; i < 101; i++)
            assert_true(rng_uniform_at(seed, stream, path, 11, i) == gsl_rng_uniform(r));
    }
    gsl_rng_free(r);
}

/* Changing any one of seed, stream, path, month changes the whole sequence. */
static void test_streams_differ(void **state)
{
    (void)state;
    enum { W = 64 };
    const uint64_t base[4] = { 1, 2, 3, 4 };
    double ref[W], other[W];
    gsl_rng *r = rng_alloc();
    rng_set_stream(r, base[0], base[1], base[2], base[3]);
    for (int i = 0; i < W; i++) ref[i] = gsl_rng_uniform(r);
    for (int which = 0; which < 4; which++) {
        uint64_t a[4];
        memcpy(a, base, sizeof a);
        a[which] += 1;
        rng_set_stream(r, a[0], a[1], a[2], a[3]);
        for (int i = 0; i < W; i++) other[i] = gsl_rng_uniform(r);
        for (int i = 0; i < W; i++)
            for (int j = 0; j < W; j++) assert_true(ref[i] != other[j]);
    }
    gsl_rng_free(r);
}

static void test_hash(void **state)
{
    (void)state;
    /* FNV-1a 64-bit reference values */
    assert_int_equal(rng_hash(""), 0xcbf29ce484222325ULL);
    assert_int_equal(rng_hash("a"), 0xaf63dc4c8601ec8cULL);
    assert_int_equal(rng_hash("foobar"), 0x85944171f73967e8ULL);
    assert_true(rng_hash("demand.a.growth") != rng_hash("demand.b.growth"));
}

/* Mean 1/2 (sd 1/sqrt 12) and variance 1/12 (the sd of (u - 1/2)^2 is sqrt(1/180)),
 * both within 4 standard errors; every value strictly inside (0,1). */
static void check_uniforms(const char *what, double (*next)(void *, uint64_t), void *ctx)
{
    const uint64_t n = 1000000;
    double sum = 0, sq = 0, lo = 1, hi = 0;
    for (uint64_t i = 0; i < n; i++) {
        double u = next(ctx, i);
        sum += u;
        sq += (u - 0.5) * (u - 0.5);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    double mean = sum / n, var = sq / n;
    double se_mean = sqrt(1.0 / 12 / n), se_var = sqrt(1.0 / 180 / n);
    if (fabs(mean - 0.5) > 4 * se_mean) fail_msg("%s: mean %.6f", what, mean);
    if (fabs(var - 1.0 / 12) > 4 * se_var) fail_msg("%s: variance %.6f", what, var);
    assert_true(lo > 0 && hi < 1);
}

static double next_in_stream(void *ctx, uint64_t i)
{
    (void)i;
    return gsl_rng_uniform(ctx);
}

static double next_across_paths(void *ctx, uint64_t i)
{
    (void)ctx;
    return rng_uniform_at(3, rng_hash("x"), i, 0, 0);
}

static void test_uniform_moments(void **state)
{
    (void)state;
    gsl_rng *r = rng_alloc();
    rng_set_stream(r, 99, rng_hash("moments"), 0, 0);
    check_uniforms("one stream", next_in_stream, r);
    check_uniforms("first draw of each path", next_across_paths, NULL);
    gsl_rng_free(r);
}

/* The largest and smallest words must stay strictly inside (0, 1). */
static void test_extreme_words(void **state)
{
    (void)state;
    assert_true(open01(UINT64_MAX) < 1.0);
    assert_true(open01(0) > 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extreme_words),
        cmocka_unit_test(test_kat_raw),
        cmocka_unit_test(test_kat_through_gsl),
        cmocka_unit_test(test_word_sequence),
        cmocka_unit_test(test_uniform_at_is_stream_draw),
        cmocka_unit_test(test_streams_differ),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_uniform_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
