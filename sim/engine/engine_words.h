/*
 * engine_words: 64-bit words, the form in which a superblock moves between processes and
 * files (a variant's saved accumulators, engine_superblock.c; a package, engine_pack.c):
 * a growable array, and a reader that checks every read against the end.
 */
#ifndef CAPSIM_ENGINE_WORDS_H
#define CAPSIM_ENGINE_WORDS_H

#include <stddef.h>
#include <stdint.h>

/* A growable array of words; { NULL, 0, 0 } is empty. The owner frees w. */
typedef struct {
    uint64_t *w;
    size_t n, cap;
} words;

/* A cursor reading words back. */
typedef struct {
    const uint64_t *w;
    size_t n, at;
} reader;

/* Append add words to b: a pointer to the first of them (to be filled), or NULL when out
 * of memory (b unchanged). */
uint64_t *eng_words_grow(words *b, size_t add);

/* Append the n words at src. 0, or -1 when out of memory. */
int eng_words_put(words *b, const void *src, size_t n);

/* The next n words (NULL, and nothing read, when fewer are left), or the next one. */
const uint64_t *eng_take(reader *rd, size_t n);
int eng_take1(reader *rd, uint64_t *x);

#endif
