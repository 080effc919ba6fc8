/*
 * yamldoc: libyaml events -> yamldoc_node tree (see yamldoc.h).
 *
 * The tree is built from the parser's events (yaml_parser_parse), not from libyaml's
 * document (yaml_parser_load), so that the limits hold while parsing: a document
 * nested too deeply, or with too many nodes, stops at the node that crosses the limit
 * instead of after libyaml has built all of it. Open collections are a stack of frames
 * (at most YAMLDOC_MAX_DEPTH). An anchor names the node built for it (a hash table, so
 * that many anchors stay linear); an alias is a deep copy of that node, counted against
 * the same node budget, and an alias of a collection still open is a recursive alias.
 * What libyaml's loader reported (undefined alias, duplicate anchor) is reported with
 * the same words.
 */
#include "yamldoc.h"
#include "sim/base/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A collection being built: its node and, in a mapping, the key waiting for its value. */
typedef struct {
    yamldoc_node *node;
    yamldoc_node *key;
    size_t kcap, vcap;      /* allocated lengths of node->keys and node->vals */
    const char *anchor;     /* the anchor that names it (the table's copy), or NULL */
} frame;

/* An anchor and the node it names (owned by the tree). */
typedef struct {
    char *name;             /* NULL: an empty slot */
    yamldoc_node *node;
    yaml_mark_t mark;       /* where the anchored node starts (for a duplicate) */
    int open;               /* the node is a collection still being built */
} anchor;

typedef struct {
    const char *origin;
    int line_offset, col_offset;
    frame stack[YAMLDOC_MAX_DEPTH];
    int depth;
    size_t max_nodes;       /* the node budget: YAMLDOC_MAX_NODES, or what a chain left */
    size_t nodes;           /* created so far, copies of aliases included */
    size_t copied;          /* of which copies of aliases */
    anchor *anchors;        /* open addressing; cap a power of two, at most half full */
    size_t nanchors, acap;
    yamldoc_error *err;
} build_ctx;

static void set_pos(const build_ctx *cx, int line0, int col0, int *line, int *col)
{
    *line = line0 + 1 + cx->line_offset;
    *col = col0 + 1 + (line0 == 0 ? cx->col_offset : 0);
}

static void fail_at(build_ctx *cx, yaml_mark_t m, const char *msg)
{
    snprintf(cx->err->msg, sizeof cx->err->msg, "%s", msg);
    set_pos(cx, (int)m.line, (int)m.column, &cx->err->line, &cx->err->col);
}

/* The same at a node already built (its position is final). */
static void fail_node(build_ctx *cx, const yamldoc_node *n, const char *msg)
{
    snprintf(cx->err->msg, sizeof cx->err->msg, "%s", msg);
    cx->err->line = n->line;
    cx->err->col = n->col;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

yamldoc_node *yamldoc_new_scalar(const char *s, const char *origin, int line, int col)
{
    yamldoc_node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = YAMLDOC_SCALAR;
    n->str = dupstr(s);
    if (!n->str) {
        free(n);
        return NULL;
    }
    n->plain = 1;
    n->origin = origin;
    n->line = line;
    n->col = col;
    return n;
}

yamldoc_node *yamldoc_new_map(const char *origin, int line, int col)
{
    yamldoc_node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = YAMLDOC_MAP;
    n->origin = origin;
    n->line = line;
    n->col = col;
    return n;
}

void yamldoc_free(yamldoc_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys) yamldoc_free(n->keys[i]);
        yamldoc_free(n->vals[i]);
    }
    free(n->keys);
    free(n->vals);
    free(n->str);
    free(n);
}

int yamldoc_append(yamldoc_node *m, yamldoc_node *key, yamldoc_node *val)
{
    yamldoc_node **k = realloc(m->keys, (m->n + 1) * sizeof *k);
    if (!k) return -1;
    m->keys = k;
    yamldoc_node **v = realloc(m->vals, (m->n + 1) * sizeof *v);
    if (!v) return -1;
    m->vals = v;
    m->keys[m->n] = key;
    m->vals[m->n] = val;
    m->n++;
    return 0;
}

/* ---- limits ---- */

#define STR_(x) #x
#define STR(x) STR_(x)

/* One more node at depth `depth` (its number of ancestors), a copy of an alias or not:
 * NULL, or what limit it crosses. */
static const char *count_node(build_ctx *cx, int depth, int copy)
{
    if (depth >= YAMLDOC_MAX_DEPTH)
        return "nested too deeply (expected at most " STR(YAMLDOC_MAX_DEPTH) " levels)";
    if (copy) cx->copied++;
    if (++cx->nodes <= cx->max_nodes) return NULL;
    if (cx->max_nodes < YAMLDOC_MAX_NODES)   /* a base file: the budget is shared */
        return "too many nodes in a file and the files it extends (limit "
               STR(YAMLDOC_MAX_NODES) " in all)";
    return cx->copied ? "document too large after alias expansion (expected at most "   /* honest about the cause: aliases or not */
                        STR(YAMLDOC_MAX_NODES) " nodes)"
                      : "too many nodes (limit " STR(YAMLDOC_MAX_NODES) ")";
}

/* ---- anchors ---- */

static size_t hash_name(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot of name: its anchor, or the empty slot where it would go. */
static anchor *anchor_slot(const build_ctx *cx, const char *name)
{
    size_t mask = cx->acap - 1;
    for (size_t i = hash_name(name) & mask;; i = (i + 1) & mask)
        if (!cx->anchors[i].name || strcmp(cx->anchors[i].name, name) == 0)
            return &cx->anchors[i];
}

static anchor *anchor_find(const build_ctx *cx, const char *name)
{
    if (!cx->acap) return NULL;
    anchor *a = anchor_slot(cx, name);
    return a->name ? a : NULL;
}

static void free_anchors(build_ctx *cx)
{
    for (size_t i = 0; i < cx->acap; i++) free(cx->anchors[i].name);
    free(cx->anchors);
    cx->anchors = NULL;
    cx->acap = cx->nanchors = 0;
}

static void error_text(build_ctx *cx, const char *problem, const char *context,
                       yaml_mark_t context_mark, yaml_mark_t problem_mark);

/* Name node by anchor `name` (NULL: none), as libyaml's loader would: a second anchor
 * of the same name is an error. 0, or -1 with the error set; *stored (when not NULL)
 * gets the table's copy of the name. */
static int anchor_add(build_ctx *cx, const yaml_char_t *name, yamldoc_node *node,
                      yaml_mark_t m, int open, const char **stored)
{
    if (!name) return 0;
    anchor *old = anchor_find(cx, (const char *)name);
    if (old) {
        error_text(cx, "second occurrence", "found duplicate anchor; first occurrence",
                   old->mark, m);
        return -1;
    }
    if (2 * (cx->nanchors + 1) > cx->acap) {
        size_t ncap = cx->acap ? 2 * cx->acap : 16;
        anchor *fresh = calloc(ncap, sizeof *fresh);
        if (!fresh) {
            fail_at(cx, m, "out of memory");
            return -1;
        }
        anchor *oldtab = cx->anchors;
        size_t oldcap = cx->acap;
        cx->anchors = fresh;
        cx->acap = ncap;
        for (size_t i = 0; i < oldcap; i++)
            if (oldtab[i].name) *anchor_slot(cx, oldtab[i].name) = oldtab[i];
        free(oldtab);
    }
    anchor *a = anchor_slot(cx, (const char *)name);
    a->name = dupstr((const char *)name);
    if (!a->name) {
        fail_at(cx, m, "out of memory");
        return -1;
    }
    a->node = node;
    a->mark = m;
    a->open = open;
    cx->nanchors++;
    if (stored) *stored = a->name;
    return 0;
}

/* ---- building ---- */

static yamldoc_node *new_node(build_ctx *cx, yamldoc_kind kind, yaml_mark_t m)
{
    yamldoc_node *n = calloc(1, sizeof *n);
    if (!n) {
        fail_at(cx, m, "out of memory");
        return NULL;
    }
    n->kind = kind;
    n->origin = cx->origin;
    set_pos(cx, (int)m.line, (int)m.column, &n->line, &n->col);
    return n;
}

/* Append a child (with its key in a mapping) to the collection of frame f: 0, or -1 on
 * allocation failure (the child still the caller's). */
static int push_child(frame *f, yamldoc_node *key, yamldoc_node *val)
{
    yamldoc_node *n = f->node;
    if (n->kind == YAMLDOC_MAP &&
        grow_array(&n->keys, &f->kcap, n->n + 1, sizeof *n->keys, 4) != 0)
        return -1;
    if (grow_array(&n->vals, &f->vcap, n->n + 1, sizeof *n->vals, 4) != 0) return -1;
    if (n->kind == YAMLDOC_MAP) n->keys[n->n] = key;
    n->vals[n->n] = val;
    n->n++;
    return 0;
}

/* A complete node: into the collection on top of the stack, or the root. 0, or -1 with
 * the error set (the node is freed). */
static int attach(build_ctx *cx, yamldoc_node *node, yamldoc_node **root)
{
    if (cx->depth == 0) {
        *root = node;
        return 0;
    }
    frame *f = &cx->stack[cx->depth - 1];
    if (f->node->kind == YAMLDOC_MAP && !f->key) {
        f->key = node;
        return 0;
    }
    if (push_child(f, f->key, node) != 0) {
        fail_node(cx, node, "out of memory");
        yamldoc_free(node);
        return -1;
    }
    f->key = NULL;
    return 0;
}

/* A deep copy of n placed at depth `depth`, counted against the limits; NULL with the
 * error set (positions of the copy are those of the original, as libyaml's loader gave
 * them: an alias is its anchored node). */
static yamldoc_node *copy_tree(build_ctx *cx, const yamldoc_node *n, int depth)
{
    const char *problem = count_node(cx, depth, 1);
    if (problem) {
        fail_node(cx, n, problem);
        return NULL;
    }
    yamldoc_node *c = calloc(1, sizeof *c);
    if (!c) {
        fail_node(cx, n, "out of memory");
        return NULL;
    }
    *c = *n;
    c->str = NULL;
    c->keys = c->vals = NULL;
    c->n = 0;
    if (n->str && !(c->str = dupstr(n->str))) {
        fail_node(cx, n, "out of memory");
        free(c);
        return NULL;
    }
    if (n->n) {
        c->vals = calloc(n->n, sizeof *c->vals);
        if (n->kind == YAMLDOC_MAP) c->keys = calloc(n->n, sizeof *c->keys);
        if (!c->vals || (n->kind == YAMLDOC_MAP && !c->keys)) {
            fail_node(cx, n, "out of memory");
            yamldoc_free(c);
            return NULL;
        }
    }
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == YAMLDOC_MAP && !(c->keys[i] = copy_tree(cx, n->keys[i], depth + 1))) {
            yamldoc_free(c);
            return NULL;
        }
        c->n = i + 1;   /* so that yamldoc_free sees what is filled */
        if (!(c->vals[i] = copy_tree(cx, n->vals[i], depth + 1))) {
            yamldoc_free(c);
            return NULL;
        }
    }
    return c;
}
/* 0-based line and column of a byte offset (reader errors give only the offset). */
static void offset_to_pos(const char *text, size_t len, size_t off, int *line, int *col)
{
    *line = 0;
    *col = 0;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 0;
        } else {
            (*col)++;
        }
    }
}

/* The words libyaml uses for a problem at problem_mark found while parsing a construct
 * that began at context_mark (context may be NULL). */
static void error_text(build_ctx *cx, const char *problem, const char *context,
                       yaml_mark_t context_mark, yaml_mark_t problem_mark)
{
    int same = context_mark.line == problem_mark.line &&
               context_mark.column == problem_mark.column;
    if (context && same) {
        snprintf(cx->err->msg, sizeof cx->err->msg, "invalid YAML: %s (%s)", problem, context);
    } else if (context) {
        int cl, cc;   /* where the construct being parsed began: often the real culprit */
        set_pos(cx, (int)context_mark.line, (int)context_mark.column, &cl, &cc);
        snprintf(cx->err->msg, sizeof cx->err->msg, "invalid YAML: %s (%s that starts at "
                 "line %d, column %d)", problem, context, cl, cc);
    } else
        snprintf(cx->err->msg, sizeof cx->err->msg, "invalid YAML: %s", problem);
    set_pos(cx, (int)problem_mark.line, (int)problem_mark.column, &cx->err->line,
            &cx->err->col);
}

static void parser_error(const yaml_parser_t *p, const char *text, size_t len,
                         build_ctx *cx)
{
    yaml_mark_t pm = p->problem_mark;
    if (p->error == YAML_READER_ERROR) {
        int l0, c0;
        offset_to_pos(text, len, p->problem_offset, &l0, &c0);
        pm.line = (size_t)l0;
        pm.column = (size_t)c0;
    }
    if (p->error == YAML_MEMORY_ERROR) {
        fail_at(cx, pm, "out of memory");
        return;
    }
    error_text(cx, p->problem ? p->problem : "cannot parse", p->context, p->context_mark, pm);
}

/* One more node from the text at m, in the collection on top of the stack: 0, or -1
 * with the error set. */
static int limit(build_ctx *cx, yaml_mark_t m)
{
    const char *problem = count_node(cx, cx->depth, 0);
    if (!problem) return 0;
    fail_at(cx, m, problem);
    return -1;
}

/* One event inside the document: build, check, attach. 0, or -1 with the error set. */
static int on_event(build_ctx *cx, yaml_event_t *ev, yamldoc_node **root)
{
    yaml_mark_t m = ev->start_mark;
    yamldoc_node *n;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (limit(cx, m) != 0 || !(n = new_node(cx, YAMLDOC_SCALAR, m))) return -1;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->str = malloc(ev->data.scalar.length + 1);
        if (!n->str) {
            fail_at(cx, m, "out of memory");
            free(n);
            return -1;
        }
        memcpy(n->str, ev->data.scalar.value, ev->data.scalar.length);
        n->str[ev->data.scalar.length] = '\0';
        if (anchor_add(cx, ev->data.scalar.anchor, n, m, 0, NULL) != 0) {
            yamldoc_free(n);
            return -1;
        }
        break;
    case YAML_ALIAS_EVENT: {
        anchor *a = anchor_find(cx, (const char *)ev->data.alias.anchor);
        if (!a) {
            error_text(cx, "found undefined alias", NULL, m, m);
            return -1;
        }
        if (a->open) {
            fail_node(cx, a->node, "recursive alias (expected a tree, not a cycle)");
            return -1;
        }
        if (!(n = copy_tree(cx, a->node, cx->depth))) return -1;
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int map = ev->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *name = map ? ev->data.mapping_start.anchor
                                      : ev->data.sequence_start.anchor;
        if (limit(cx, m) != 0 || !(n = new_node(cx, map ? YAMLDOC_MAP : YAMLDOC_SEQ, m)))
            return -1;
        const char *stored = NULL;
        if (anchor_add(cx, name, n, m, 1, &stored) != 0) {
            yamldoc_free(n);
            return -1;
        }
        /* limit() checked the depth: the stack has room */
        cx->stack[cx->depth++] = (frame){ .node = n, .anchor = stored };
        return 0;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        frame f = cx->stack[--cx->depth];
        if (f.anchor) anchor_find(cx, f.anchor)->open = 0;   /* complete: may be copied */
        n = f.node;
        break;
    }
    default:
        return 0;   /* no other event comes inside a document */
    }
    return attach(cx, n, root);
}
/* Free what a failed parse left: the open collections (the key waiting in each) and
 * the root. */
static void free_partial(build_ctx *cx, yamldoc_node *root)
{
    while (cx->depth > 0) {
        frame *f = &cx->stack[--cx->depth];
        yamldoc_free(f->key);
        yamldoc_free(f->node);
    }
    yamldoc_free(root);
}

yamldoc_node *yamldoc_parse(const char *text, size_t len, const char *origin,
                            int line_offset, int col_offset, yamldoc_error *err)
{
    return yamldoc_parse_max(text, len, origin, line_offset, col_offset, YAMLDOC_MAX_NODES, err);
}

yamldoc_node *yamldoc_parse_max(const char *text, size_t len, const char *origin,
                                int line_offset, int col_offset, size_t max_nodes,
                                yamldoc_error *err)
{
    build_ctx cx = { .origin = origin, .line_offset = line_offset,
                     .col_offset = col_offset, .err = err,
                     .max_nodes = max_nodes < YAMLDOC_MAX_NODES ? max_nodes : YAMLDOC_MAX_NODES };
    memset(err, 0, sizeof *err);
    if (len > YAMLDOC_MAX_BYTES) {   /* no position: line 0 */
        snprintf(err->msg, sizeof err->msg, "the scenario is larger than %d MiB (expected at "
                 "most %lu bytes of YAML)", YAMLDOC_MAX_BYTES >> 20,
                 (unsigned long)YAMLDOC_MAX_BYTES);
        return NULL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    /* States: 0 before the document, 1 inside it, 2 after it. */
    yamldoc_node *root = NULL;
    int state = 0, rc = 0, seen_doc = 0;
    while (rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            parser_error(&parser, text, len, &cx);
            rc = -1;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            rc = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (seen_doc) {   /* only the first document would be read: refuse the rest */
                fail_at(&cx, ev.start_mark, "a scenario is one YAML document; a second "
                        "starts here");
                rc = -1;
            }
            seen_doc = 1;
            state = 1;
            break;
        case YAML_DOCUMENT_END_EVENT:
            state = 2;
            break;
        default:
            if (state == 1 && on_event(&cx, &ev, &root) < 0) rc = -1;
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    free_anchors(&cx);
    if (rc < 0) {
        free_partial(&cx, root);
        return NULL;
    }
    if (!root) {   /* no document at all: an empty scalar at the start */
        root = yamldoc_new_scalar("", origin, 1 + line_offset, 1 + col_offset);
        if (!root) snprintf(err->msg, sizeof err->msg, "out of memory");
    }
    return root;
}

yamldoc_node *yamldoc_get(const yamldoc_node *m, const char *key)
{
    if (!m || m->kind != YAMLDOC_MAP) return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (m->keys[i]->kind == YAMLDOC_SCALAR && strcmp(m->keys[i]->str, key) == 0)
            return m->vals[i];
    return NULL;
}

typedef struct {
    const char *s;
    size_t i;
} key_ref;

static int cmp_key_ref(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    int c = strcmp(a->s, b->s);
    if (c) return c;
    return (a->i > b->i) - (a->i < b->i);
}

int yamldoc_first_keys(const yamldoc_node *m, size_t *first)
{
    key_ref *refs = malloc((m->n ? m->n : 1) * sizeof *refs);
    if (!refs) return -1;
    size_t nrefs = 0;
    for (size_t i = 0; i < m->n; i++) {
        first[i] = (size_t)-1;
        if (m->keys[i]->kind == YAMLDOC_SCALAR) refs[nrefs++] = (key_ref){ m->keys[i]->str, i };
    }
    /* Sorted by text, then position: each run of equal texts starts with the first. */
    qsort(refs, nrefs, sizeof *refs, cmp_key_ref);
    for (size_t r = 0; r < nrefs; r++)
        first[refs[r].i] = r > 0 && strcmp(refs[r - 1].s, refs[r].s) == 0
                         ? first[refs[r - 1].i] : refs[r].i;
    free(refs);
    return 0;
}

int yamldoc_is_null(const yamldoc_node *n)
{
    if (!n || n->kind != YAMLDOC_SCALAR || !n->plain) return 0;
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp(n->str, nulls[i]) == 0) return 1;
    return 0;
}

const char *yamldoc_kind_name(const yamldoc_node *n)
{
    if (!n) return "nothing";
    switch (n->kind) {
    case YAMLDOC_MAP: return "a mapping";
    case YAMLDOC_SEQ: return "a list";
    default: return yamldoc_is_null(n) ? "empty" : "a scalar";
    }
}

size_t yamldoc_count(const yamldoc_node *n)
{
    if (!n) return 0;
    size_t c = 1;
    for (size_t i = 0; i < n->n; i++)
        c += (n->keys ? yamldoc_count(n->keys[i]) : 0) + yamldoc_count(n->vals[i]);
    return c;
}

int yamldoc_equal(const yamldoc_node *a, const yamldoc_node *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind || a->n != b->n) return 0;
    if (a->kind == YAMLDOC_SCALAR)
        return a->plain == b->plain && strcmp(a->str, b->str) == 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->kind == YAMLDOC_MAP && !yamldoc_equal(a->keys[i], b->keys[i])) return 0;
        if (!yamldoc_equal(a->vals[i], b->vals[i])) return 0;
    }
    return 1;
}

/* ---- emitting ---- */

/* A plain scalar that reads back as itself, in block context (flow: also inside [...]):
 * conservative, anything else is written double-quoted. */
static int plain_ok(const char *s, int flow)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':') return 0;
    if (strchr("-?:,[]{}#&*!|>'\"%@`", (unsigned char)s[0]) &&
        !(s[0] == '-' && n > 1 && s[1] != ' '))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) return 0;
        if (c == ':' && s[i + 1] == ' ') return 0;
        if (c == '#' && i > 0 && s[i - 1] == ' ') return 0;
        if (flow && strchr(",[]{}", c)) return 0;
    }
    return 1;
}

static void emit_scalar(FILE *f, const yamldoc_node *n, int flow)
{
    if (n->plain && (n->str[0] == '\0' && !flow)) return;   /* null: nothing after the key */
    if (n->plain && plain_ok(n->str, flow)) {
        fputs(n->str, f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)n->str; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p == '\t') fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\x%02x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

typedef struct {
    FILE *f;
    const char *home;       /* origins other than this one are annotated (NULL: none) */
} emit_ctx;

static void emit_origin(const emit_ctx *e, const yamldoc_node *n)
{
    if (e->home && n->origin && strcmp(n->origin, e->home) != 0)
        fprintf(e->f, "   # from %s:%d", n->origin, n->line);
    fputc('\n', e->f);
}

/* A list of scalars that can all be written inside [...]. */
static int flow_list(const yamldoc_node *n)
{
    if (n->kind != YAMLDOC_SEQ || n->n == 0 || n->n > 16) return 0;
    for (size_t i = 0; i < n->n; i++) {
        const yamldoc_node *v = n->vals[i];
        if (v->kind != YAMLDOC_SCALAR || (v->plain && !v->str[0])) return 0;
    }
    return 1;
}

static void emit_block(const emit_ctx *e, const yamldoc_node *n, int indent, int inline_first);

/* After `key:` or `-`: a scalar, an empty or flow collection on the same line, or a
 * block below. */
static void emit_value(const emit_ctx *e, const yamldoc_node *v, const yamldoc_node *at,
                       int indent)
{
    FILE *f = e->f;
    if (v->kind == YAMLDOC_SCALAR) {
        if (!(v->plain && !v->str[0])) fputc(' ', f);
        emit_scalar(f, v, 0);
        emit_origin(e, v);
    } else if (v->n == 0) {
        fputs(v->kind == YAMLDOC_MAP ? " {}" : " []", f);
        emit_origin(e, v);
    } else if (flow_list(v)) {
        fputs(" [", f);
        for (size_t i = 0; i < v->n; i++) {
            if (i) fputs(", ", f);
            emit_scalar(f, v->vals[i], 1);
        }
        fputc(']', f);
        emit_origin(e, v->vals[0]);
    } else {
        emit_origin(e, at);
        emit_block(e, v, indent + 2, 0);
    }
}

/* A non-empty collection in block style at `indent`; with inline_first, its first line
 * continues a `- ` already written. */
static void emit_block(const emit_ctx *e, const yamldoc_node *n, int indent, int inline_first)
{
    FILE *f = e->f;
    for (size_t i = 0; i < n->n; i++) {
        if (!(inline_first && i == 0)) fprintf(f, "%*s", indent, "");
        if (n->kind == YAMLDOC_MAP) {
            const yamldoc_node *k = n->keys[i];
            if (k->kind == YAMLDOC_SCALAR) emit_scalar(f, k, 1);
            else fputs("\"\"", f);   /* never in a valid scenario: keys are names */
            fputc(':', f);
            emit_value(e, n->vals[i], k, indent);
        } else {
            const yamldoc_node *v = n->vals[i];
            fputc('-', f);
            if (v->kind == YAMLDOC_MAP && v->n > 0) {
                fputc(' ', f);
                emit_block(e, v, indent + 2, 1);
            } else {
                emit_value(e, v, v, indent);
            }
        }
    }
}

void yamldoc_emit(FILE *f, const yamldoc_node *root, const char *home)
{
    emit_ctx e = { f, home };
    if (!root) return;
    if (root->kind == YAMLDOC_SCALAR || root->n == 0) {
        if (root->kind == YAMLDOC_SCALAR) emit_scalar(f, root, 0);
        else fputs(root->kind == YAMLDOC_MAP ? "{}" : "[]", f);
        fputc('\n', f);
        return;
    }
    emit_block(&e, root, 0, 0);
}
