/*
 * keypath: the one key path syntax of capsim (README, "Scenario files") over a YAML tree.
 *
 * A key path is dotted segments: mapping keys, and list elements by their `name` or by
 * their index: `contracts.aws-2025.capacity.0.delay_months`. The canonical form names
 * an element by its `name` when it has a usable one (keypath_valid_name, and no earlier
 * element of the same list has it), by its index otherwise; the loader builds the key
 * paths of uncertain values with keypath_element(), so `--set`, correlations and the
 * /params names all agree on one spelling.
 */
#ifndef CAPSIM_KEYPATH_H
#define CAPSIM_KEYPATH_H

#include <stddef.h>
#include "yamldoc.h"

#define KEYPATH_MAX 512        /* longest key path, NUL included */
#define KEYPATH_NAME_MAX 63    /* longest chip, cloud, segment or contract name */

/* A name usable as a key path segment: 1..63 of [A-Za-z0-9_-], not all digits (an
 * all-digit segment means an index). */
int keypath_valid_name(const char *s);

/* buf = prefix.seg (seg alone when prefix is empty), cut to fit len. Key paths are
 * built with these, never with snprintf, so that a pathological length truncates
 * quietly instead of tripping -Wformat-truncation. */
void keypath_join(char *buf, size_t len, const char *prefix, const char *seg);
void keypath_join_index(char *buf, size_t len, const char *prefix, size_t i);

/* The canonical segment of element i of list seq: its name, or "i". */
void keypath_element(const yamldoc_node *seq, size_t i, char *buf, size_t len);

/* The node at path under root, or NULL with msg saying which segment failed and why
 * (with a "did you mean" where one fits). canon (may be NULL) receives the canonical
 * spelling of the path. */
yamldoc_node *keypath_find(yamldoc_node *root, const char *path, char *canon, size_t canonlen,
                           char *msg, size_t msglen);

/* Replace the node at path by val (ownership of val passes to the tree on success).
 * Keys missing from a mapping on the way are added (intermediate ones as empty
 * mappings, a null value counting as an empty mapping), their key nodes placed at
 * (origin, line, col): the schema check then accepts them or reports them as unknown
 * keys with a suggestion. List elements must exist. Returns 0, or -1 with msg when the
 * path cannot be followed (the caller still owns val). */
int keypath_set(yamldoc_node *root, const char *path, yamldoc_node *val,
                const char *origin, int line, int col, char *msg, size_t msglen);

/* The same with `key` taken whole as the last step, dots and all: it names a key of the
 * mapping at path (common factors' globs, `factors.NAME` then `contracts.*.delay_months`). */
int keypath_set_key(yamldoc_node *root, const char *path, const char *key, yamldoc_node *val,
                    const char *origin, int line, int col, char *msg, size_t msglen);

#endif
