/*
 * sim/base, layer 0: small helpers every other folder may use. Its files include
 * nothing of the project (only the C library).
 *   suggest  "did you mean" for names typed by hand (this header)
 *   version  the tool's version and provenance strings, fixed at build time
 *
 * suggest: "did you mean" for names typed by hand (scenario keys, chip and segment
 * names, distribution families, key paths).
 *
 * The closest candidate by Levenshtein distance is offered only when it is close enough
 * to be a plausible typo: at most 1 edit for words of up to 5 characters, 2 up to 8,
 * 3 beyond, and fewer edits than the word has characters; ties go to the candidate
 * listed first, so the answer is deterministic.
 */
#ifndef CAPSIM_SUGGEST_H
#define CAPSIM_SUGGEST_H

#include <stddef.h>

/* Edit distance (insertions, deletions, substitutions) between a and b. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to word, or NULL when none is plausible. Returns one of the
 * given pointers (borrowed). NULL entries in cands are skipped. */
const char *suggest_closest(const char *word, const char *const *cands, size_t n);

/* Writes "did you mean 'X'?" when there is a plausible candidate, else "expected one of
 * A, B, C" (or `none` when n == 0 and none is not NULL) into buf; the text goes inside
 * the parentheses of an error message. */
void suggest_text(char *buf, size_t len, const char *word, const char *const *cands, size_t n,
                  const char *none);

#endif
