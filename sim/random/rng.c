/*
 * rng: Philox4x64-10 as a gsl_rng type, keyed by (seed, stream) with the counter
 * (path, month, block). Each Philox call gives four 64-bit words; every get() or
 * get_double() consumes one word, so a stream is a plain sequence of words:
 * word w of stream (seed, stream, path, month) is word w % 4 of block w / 4.
 */
#include "rng.h"

#include <Random123/philox.h>
#include <string.h>

typedef struct {
    philox4x64_key_t key;
    philox4x64_ctr_t ctr;    /* {path, month, block, 0} */
    philox4x64_ctr_t out;
    unsigned next;           /* next unused word of out; 4 = empty */
} philox_state;

static inline uint64_t next_word(philox_state *s)
{
    if (s->next == 4) {
        s->out = philox4x64(s->ctr, s->key);
        s->ctr.v[2]++;
        s->next = 0;
    }
    return s->out.v[s->next++];
}

/* 52 random bits, centred in their cell: in [2^-53, 1 - 2^-53], strictly inside (0,1).
 * (With 53 bits, (2^53 - 1) + 0.5 would round to 2^53 and give exactly 1.) */
static inline double word_to_open01(uint64_t w)
{
    return ((double)(w >> 12) + 0.5) * 0x1.0p-52;
}

static void philox_set(void *vstate, unsigned long seed)
{
    philox_state *s = vstate;
    memset(s, 0, sizeof *s);
    s->key.v[0] = seed;
    s->next = 4;
}

static unsigned long philox_get(void *vstate)
{
    return (unsigned long)(next_word(vstate) >> 32);
}

static double philox_get_double(void *vstate)
{
    return word_to_open01(next_word(vstate));
}

static const gsl_rng_type philox_type = {
    "philox4x64-10", 0xffffffffUL, 0, sizeof(philox_state),
    philox_set, philox_get, philox_get_double
};

const gsl_rng_type *rng_philox = &philox_type;

gsl_rng *rng_alloc(void)
{
    return gsl_rng_alloc(rng_philox);
}

void rng_set_stream(gsl_rng *r, uint64_t seed, uint64_t stream, uint64_t path, uint64_t month)
{
    if (!r) return;
    philox_state *s = r->state;
    s->key.v[0] = seed;
    s->key.v[1] = stream;
    s->ctr.v[0] = path;
    s->ctr.v[1] = month;
    s->ctr.v[2] = 0;
    s->ctr.v[3] = 0;
    s->next = 4;
}

uint64_t rng_hash(const char *keypath)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)keypath; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

double rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t path, uint64_t month, uint64_t index)
{
    philox4x64_key_t key = { { seed, stream } };
    philox4x64_ctr_t ctr = { { path, month, index / 4, 0 } };
    philox4x64_ctr_t out = philox4x64(ctr, key);
    return word_to_open01(out.v[index % 4]);
}
