/*
 * grow: doubling growth of appended-to arrays (see grow.h).
 */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow_array(void *array_ptr, size_t *cap, size_t need, size_t elsize, size_t first)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : (first ? first : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2) return -1;
        c *= 2;
    }
    if (elsize && c > SIZE_MAX / elsize) return -1;
    void *old, *q;
    memcpy(&old, array_ptr, sizeof old);   /* the caller's T *, read as the void * it converts to */
    q = realloc(old, c * elsize);
    if (!q) return -1;
    memcpy(array_ptr, &q, sizeof q);
    *cap = c;
    return 0;
}
