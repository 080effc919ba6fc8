/*
 * grow: the one way capsim grows an array it appends to. The capacity doubles, from
 * `first` elements, until it holds `need`; a byte count that would overflow size_t is a
 * failure, never a wrap.
 *
 * Ownership: the array stays the caller's; on failure the array and *cap are unchanged (the old array
 * is still valid and still the caller's to free).
 */
#ifndef CAPSIM_GROW_H
#define CAPSIM_GROW_H

#include <stddef.h>

/* Makes the array whose pointer is at array_ptr (a T **, given as void * so that any
 * element type passes without a cast) hold at least need elements of elsize bytes.
 * Returns 0, or -1 when memory cannot be had. */
int grow_array(void *array_ptr, size_t *cap, size_t need, size_t elsize, size_t first);

#endif
