/*
 * yamldoc: libyaml document -> yamldoc_node tree (see yamldoc.h).
 *
 * The conversion is recursive over libyaml's node ids. An alias in libyaml is the same
 * node id reached twice, so expansion is natural; the ids on the current recursion
 * stack catch recursive aliases, and a node budget stops exponential expansion.
 */
#include "yamldoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    yaml_document_t *doc;
    const char *origin;
    int line_offset, col_offset;
    int stack[YAMLDOC_MAX_DEPTH];   /* libyaml node ids being converted */
    int depth;
    size_t nodes;                   /* created so far, against YAMLDOC_MAX_NODES */
    yamldoc_error *err;
} convert_ctx;

static void set_pos(const convert_ctx *cx, int line0, int col0, int *line, int *col)
{
    *line = line0 + 1 + cx->line_offset;
    *col = col0 + 1 + (line0 == 0 ? cx->col_offset : 0);
}

static void fail(convert_ctx *cx, const yaml_node_t *yn, const char *msg)
{
    snprintf(cx->err->msg, sizeof cx->err->msg, "%s", msg);
    set_pos(cx, (int)yn->start_mark.line, (int)yn->start_mark.column, &cx->err->line,
            &cx->err->col);
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

static yamldoc_node *convert(convert_ctx *cx, int id);

/* Children of a map (2 per pair) or a seq (1 per item) into n->keys / n->vals. */
static int convert_children(convert_ctx *cx, yaml_node_t *yn, yamldoc_node *n)
{
    size_t count = yn->type == YAML_MAPPING_NODE
        ? (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start)
        : (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
    if (count == 0) return 0;
    n->vals = calloc(count, sizeof *n->vals);
    if (yn->type == YAML_MAPPING_NODE) n->keys = calloc(count, sizeof *n->keys);
    if (!n->vals || (yn->type == YAML_MAPPING_NODE && !n->keys)) {
        fail(cx, yn, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        n->n = i + 1;  /* so that yamldoc_free sees what is filled */
        if (yn->type == YAML_MAPPING_NODE) {
            yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
            n->keys[i] = convert(cx, p->key);
            if (!n->keys[i]) return -1;
            n->vals[i] = convert(cx, p->value);
        } else {
            n->vals[i] = convert(cx, yn->data.sequence.items.start[i]);
        }
        if (!n->vals[i]) return -1;
    }
    return 0;
}

static int on_stack(const convert_ctx *cx, int id)
{
    for (int i = 0; i < cx->depth; i++)
        if (cx->stack[i] == id) return 1;
    return 0;
}

static yamldoc_node *convert(convert_ctx *cx, int id)
{
    yaml_node_t *yn = yaml_document_get_node(cx->doc, id);
    if (!yn) return NULL;  /* cannot happen with a document libyaml built */
    if (on_stack(cx, id)) {
        fail(cx, yn, "recursive alias (expected a tree, not a cycle)");
        return NULL;
    }
    if (cx->depth >= YAMLDOC_MAX_DEPTH) {
        fail(cx, yn, "nested too deeply (expected at most 64 levels)");
        return NULL;
    }
    if (++cx->nodes > YAMLDOC_MAX_NODES) {
        fail(cx, yn, "document too large after alias expansion (expected at most 1000000 nodes)");
        return NULL;
    }
    yamldoc_node *n = calloc(1, sizeof *n);
    if (!n) {
        fail(cx, yn, "out of memory");
        return NULL;
    }
    n->origin = cx->origin;
    set_pos(cx, (int)yn->start_mark.line, (int)yn->start_mark.column, &n->line, &n->col);
    if (yn->type == YAML_SCALAR_NODE) {
        n->kind = YAMLDOC_SCALAR;
        n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->str = malloc(yn->data.scalar.length + 1);
        if (!n->str) {
            fail(cx, yn, "out of memory");
            free(n);
            return NULL;
        }
        memcpy(n->str, yn->data.scalar.value, yn->data.scalar.length);
        n->str[yn->data.scalar.length] = '\0';
        return n;
    }
    n->kind = yn->type == YAML_MAPPING_NODE ? YAMLDOC_MAP : YAMLDOC_SEQ;
    cx->stack[cx->depth++] = id;
    int rc = convert_children(cx, yn, n);
    cx->depth--;
    if (rc) {
        yamldoc_free(n);
        return NULL;
    }
    return n;
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

static void parser_error(const yaml_parser_t *p, const char *text, size_t len,
                         convert_ctx *cx)
{
    int l0 = (int)p->problem_mark.line, c0 = (int)p->problem_mark.column;
    if (p->error == YAML_READER_ERROR) offset_to_pos(text, len, p->problem_offset, &l0, &c0);
    const char *problem = p->problem ? p->problem : "cannot parse";
    int same = p->context_mark.line == p->problem_mark.line &&
               p->context_mark.column == p->problem_mark.column;
    if (p->context && same) {
        snprintf(cx->err->msg, sizeof cx->err->msg, "invalid YAML: %s (%s)", problem, p->context);
    } else if (p->context) {
        int cl, cc;   /* where the construct being parsed began: often the real culprit */
        set_pos(cx, (int)p->context_mark.line, (int)p->context_mark.column, &cl, &cc);
        snprintf(cx->err->msg, sizeof cx->err->msg, "invalid YAML: %s (%s that starts at "
                 "line %d, column %d)", problem, p->context, cl, cc);
    } else
        snprintf(cx->err->msg, sizeof cx->err->msg, "invalid YAML: %s", problem);
    set_pos(cx, l0, c0, &cx->err->line, &cx->err->col);
}

yamldoc_node *yamldoc_parse(const char *text, size_t len, const char *origin,
                            int line_offset, int col_offset, yamldoc_error *err)
{
    convert_ctx cx = { .origin = origin, .line_offset = line_offset,
                       .col_offset = col_offset, .err = err };
    yaml_parser_t parser;
    yaml_document_t doc;
    memset(err, 0, sizeof *err);
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        parser_error(&parser, text, len, &cx);
        yaml_parser_delete(&parser);
        return NULL;
    }
    yamldoc_node *root;
    if (yaml_document_get_root_node(&doc)) {
        cx.doc = &doc;
        root = convert(&cx, 1);
    } else {
        root = yamldoc_new_scalar("", origin, 1 + line_offset, 1 + col_offset);
        if (!root) snprintf(err->msg, sizeof err->msg, "out of memory");
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
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
