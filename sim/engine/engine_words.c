/* engine_words: see engine_words.h. */
#include "engine_words.h"
#include "sim/base/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

uint64_t *eng_words_grow(words *b, size_t add)
{
    if (add > SIZE_MAX - b->n || grow_array(&b->w, &b->cap, b->n + add, sizeof *b->w, 4096) != 0) return NULL;
    uint64_t *at = b->w + b->n;
    b->n += add;
    return at;
}

int eng_words_put(words *b, const void *src, size_t n)
{
    uint64_t *at = eng_words_grow(b, n);
    if (!at) return -1;
    memcpy(at, src, n * sizeof *at);
    return 0;
}

const uint64_t *eng_take(reader *rd, size_t n)
{
    if (n > rd->n - rd->at) return NULL;
    const uint64_t *p = rd->w + rd->at;
    rd->at += n;
    return p;
}

int eng_take1(reader *rd, uint64_t *x)
{
    const uint64_t *p = eng_take(rd, 1);
    if (!p) return -1;
    *x = *p;
    return 0;
}
