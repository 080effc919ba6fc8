/*
 * yamldoc: a YAML document as a small tree the loader can walk, edit and point into.
 *
 * The tree is built from libyaml's parser events, with 1-based positions and the name of
 * the text each node came from (the scenario file, or one `--set` argument), so that
 * `--set` can graft a value parsed from the command line into the file's tree and every
 * error still points at where the offending text was written.
 *
 * Limits (a scenario is small; a hostile file must not take the machine down): text of
 * more than YAMLDOC_MAX_BYTES is refused before parsing; nesting deeper than
 * YAMLDOC_MAX_DEPTH and more than YAMLDOC_MAX_NODES nodes stop the parse at the node
 * that crosses the limit, so time and memory stay bounded by the limits, not by the
 * text. Aliases are expanded into copies that count against the same limits (a
 * "billion laughs" file says "after alias expansion"); a recursive alias is an error.
 * A second document in the text is an error (only one would be read).
 *
 * Ownership: a node owns its children and its strings; yamldoc_free() frees a subtree.
 * `origin` is borrowed: it must outlive the tree (the loader keeps the names).
 */
#ifndef CAPSIM_YAMLDOC_H
#define CAPSIM_YAMLDOC_H

#include <stddef.h>
#include <stdio.h>

#define YAMLDOC_MAX_BYTES (16 << 20)   /* 16 MiB of text */
#define YAMLDOC_MAX_DEPTH 64          /* levels of nesting (the root is level 1) */
#define YAMLDOC_MAX_NODES 1000000     /* keys, values and items, aliases expanded */

typedef enum { YAMLDOC_SCALAR, YAMLDOC_MAP, YAMLDOC_SEQ } yamldoc_kind;

typedef struct yamldoc_node yamldoc_node;

struct yamldoc_node {
    yamldoc_kind kind;
    char *str;              /* scalar text (NUL-terminated; "" for an empty scalar) */
    int plain;              /* scalar written without quotes */
    size_t n;               /* number of pairs (map) or items (seq) */
    yamldoc_node **keys;    /* map: the key nodes, n of them */
    yamldoc_node **vals;    /* map: values; seq: items */
    const char *origin;     /* display name of the text it came from (borrowed) */
    int line, col;          /* 1-based position of the node's first character */
};

/* Why a parse failed: message and 1-based position (in the coordinates of the caller:
 * line_offset/col_offset already applied). */
typedef struct {
    char msg[256];
    int line, col;
} yamldoc_error;

/* Parse the one document of text[0..len). Positions of the nodes are shifted: a node
 * at 0-based (l, c) gets line l + 1 + line_offset and column c + 1 + (l == 0 ?
 * col_offset : 0), so that a value cut out of a longer line (a `--set` argument) points
 * into that line. Returns the root (a document with no content gives an empty scalar),
 * or NULL with *err filled (line 0 when the error has no position: text over
 * YAMLDOC_MAX_BYTES). The caller owns the tree. */
yamldoc_node *yamldoc_parse(const char *text, size_t len, const char *origin,
                            int line_offset, int col_offset, yamldoc_error *err);

/* The same with a node budget below YAMLDOC_MAX_NODES (what the files of an `extends`
 * chain read before this one left); the message then says the limit is shared. */
yamldoc_node *yamldoc_parse_max(const char *text, size_t len, const char *origin,
                                int line_offset, int col_offset, size_t max_nodes,
                                yamldoc_error *err);

/* Number of nodes in a subtree (keys, values and items); 0 for NULL. */
size_t yamldoc_count(const yamldoc_node *n);

/* Same structure, scalar texts and plainness (positions and origins not compared). */
int yamldoc_equal(const yamldoc_node *a, const yamldoc_node *b);

/* Write the tree as YAML in block style (lists of scalars as [a, b]) that parses back to
 * an equal tree (yamldoc_equal): plain scalars stay plain where that reads back the
 * same, everything else is double-quoted. With home not NULL, each line whose value
 * (or, for a block below it, key) came from another origin ends in a comment
 * `# from ORIGIN:LINE`. */
void yamldoc_emit(FILE *f, const yamldoc_node *root, const char *home);

/* Free a subtree; accepts NULL. */
void yamldoc_free(yamldoc_node *n);

/* The value of the first pair whose key is `key` in map m, or NULL (also when m is not
 * a map). */
yamldoc_node *yamldoc_get(const yamldoc_node *m, const char *key);

/* For each key i of map m, into first[i]: the index of the first scalar key with the
 * same text (i itself when key i is the first of its text), or (size_t)-1 when key i is
 * not a scalar; first holds m->n entries. O(n log n), for maps of any size. 0, or -1
 * on allocation failure. */
int yamldoc_first_keys(const yamldoc_node *m, size_t *first);

/* A scalar that YAML reads as null: empty plain scalar, `~`, `null`, `Null`, `NULL`. */
int yamldoc_is_null(const yamldoc_node *n);

/* A fresh scalar node (for keys added by `--set`); NULL on allocation failure. */
yamldoc_node *yamldoc_new_scalar(const char *s, const char *origin, int line, int col);

/* A fresh empty mapping node; NULL on allocation failure. */
yamldoc_node *yamldoc_new_map(const char *origin, int line, int col);

/* Append the pair (key, val) to map m; takes ownership of both. -1 on allocation
 * failure (then the caller still owns them). */
int yamldoc_append(yamldoc_node *m, yamldoc_node *key, yamldoc_node *val);

/* Human name of a node's kind, for messages: "a mapping", "a list", "a scalar". */
const char *yamldoc_kind_name(const yamldoc_node *n);

#endif
