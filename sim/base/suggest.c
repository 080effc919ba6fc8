/*
 * suggest: nearest-name suggestions (see suggest.h). Two-row Levenshtein: the words
 * are short, so the O(|a| |b|) time is nothing next to reading the file.
 */
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUGGEST_MAX_LEN 256  /* longer words are never typos of a key */

size_t suggest_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > SUGGEST_MAX_LEN || nb > SUGGEST_MAX_LEN) return na > nb ? na : nb;
    size_t row0[SUGGEST_MAX_LEN + 1], row1[SUGGEST_MAX_LEN + 1];
    size_t *prev = row0, *cur = row1;
    for (size_t j = 0; j <= nb; j++) prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t best = sub < del ? sub : del;
            cur[j] = best < ins ? best : ins;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

static size_t max_edits(size_t len)
{
    return len <= 5 ? 1 : len <= 8 ? 2 : 3;
}

const char *suggest_closest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i]) continue;
        size_t d = suggest_distance(word, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    /* Replacing every letter of a short word is no typo ('c' is not a slip for 'a'). */
    size_t len = strlen(word);
    return best && bestd <= max_edits(len) && bestd < len ? best : NULL;
}

static int seen_before(const char *const *cands, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (cands[j] && strcmp(cands[j], cands[i]) == 0) return 1;
    return 0;
}

void suggest_text(char *buf, size_t len, const char *word, const char *const *cands, size_t n,
                  const char *none)
{
    const char *s = suggest_closest(word, cands, n);
    if (s) {
        snprintf(buf, len, "did you mean '%s'?", s);
        return;
    }
    size_t used = (size_t)snprintf(buf, len, "expected one of ");
    size_t listed = 0;
    for (size_t i = 0; i < n && used < len; i++) {
        if (!cands[i] || seen_before(cands, i)) continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s", listed ? ", " : "", cands[i]);
        listed++;
    }
    if (listed == 0) snprintf(buf, len, "%s", none ? none : "expected nothing here");
}
