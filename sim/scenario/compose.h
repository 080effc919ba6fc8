/*
 * compose: a scenario written as changes to another (`extends`, `remove`) and YAML merge
 * keys (`<<`), resolved on the yamldoc tree before the schema check sees it.
 *
 * `extends: base.yaml` (top level; the path is relative to the folder of the file that
 * writes it) reads the base, resolves its own `extends` (at most COMPOSE_MAX_EXTENDS
 * levels, a cycle is an error naming the chain), drops the key paths listed under the
 * overlay's top-level `remove:` from it, and merges the overlay into it:
 *   - two mappings merge key by key, the overlay's value winning (recursively); a
 *     mapping with a `dist` key is one value (a distribution) and replaces whole;
 *   - two non-empty lists whose items are all mappings with a scalar `name` merge by
 *     name: an overlay item whose name the base has merges into it (in the base's
 *     place), new names are appended in the overlay's order;
 *   - anything else (scalars, other lists, a kind that changes) is replaced by the
 *     overlay's value.
 * Duplicates inside the overlay (a key, or a name, given twice) are appended as they
 * are, so that the schema check still reports them. Every node keeps the origin, line
 * and column of the text that wrote it (a merged mapping or list: the overlay's), so
 * errors found later point into the right file through any depth of inheritance.
 *
 * Merge keys (YAML 1.1): in a mapping, `<<: *a` or `<<: [*a, *b]` (or a mapping written
 * in place) adds the keys of those mappings that the mapping does not write itself; an
 * earlier mapping in the list wins over a later one; the merged pairs take the place
 * of the `<<` pair. Resolved in every file before `extends` is.
 *
 * Limits: each file is read up to YAMLDOC_MAX_BYTES; the nodes of all the files of a
 * chain count against one YAMLDOC_MAX_NODES (so the merged tree is within it too); the
 * nesting limit holds in each file, and merging does not nest deeper.
 */
#ifndef CAPSIM_COMPOSE_H
#define CAPSIM_COMPOSE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "diagnostics.h"
#include "yamldoc.h"

#define COMPOSE_MAX_EXTENDS 16   /* `extends` levels in one chain */

typedef struct {
    diag_list *diag;        /* where errors go (borrowed) */
    char **names;           /* display names of the base files read, in chain order (owned) */
    size_t nnames;
    size_t nodes;           /* nodes parsed so far over the chain */
    int depth;              /* files in the chain being resolved */
    struct { dev_t dev; ino_t ino; const char *name; int has_id; } chain[COMPOSE_MAX_EXTENDS + 1];
} compose;

void compose_init(compose *c, diag_list *d);

/* Frees the names: call only after the trees and errors that point at them are gone. */
void compose_free(compose *c);

/* Resolve the merge keys of tree root in place. 0, or -1 with the errors recorded. */
int compose_merge_keys(compose *c, yamldoc_node *root);

/* Resolve root, the parsed text of `name`: its merge keys, then its `extends` (relative
 * to folder dir: "" for the current directory; dir NULL refuses `extends`, for a text
 * that is no file) and `remove`. path_for_id, when not NULL, is the file itself, for
 * cycle detection. Returns the composed tree (root is consumed), or NULL with the errors
 * recorded (root freed). */
yamldoc_node *compose_resolve(compose *c, yamldoc_node *root, const char *name, const char *dir,
                              const char *path_for_id);

/* The folder of path for compose_resolve ("" when it has none): a fresh string. */
char *compose_dirname(const char *path);

/* The whole file into a fresh buffer (reading stops one byte past YAMLDOC_MAX_BYTES);
 * NULL with errno set on failure. */
char *compose_read_file(const char *path, size_t *len);

/* The same from an open stream (standard input), which it leaves open. */
char *compose_read_stream(FILE *f, size_t *len);

#endif
