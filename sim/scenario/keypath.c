/*
 * keypath: walking and editing a yamldoc tree by key path (see keypath.h).
 */
#include "keypath.h"
#include "sim/base/suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

int keypath_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > KEYPATH_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') return 0;
    return !all_digits(s);
}

void keypath_join(char *buf, size_t len, const char *prefix, const char *seg)
{
    if (len == 0) return;
    size_t used = 0;
    const char *parts[3] = { prefix, *prefix ? "." : "", seg };
    for (int p = 0; p < 3; p++) {
        size_t n = strlen(parts[p]);
        if (n > len - 1 - used) n = len - 1 - used;
        memmove(buf + used, parts[p], n);
        used += n;
    }
    buf[used] = '\0';
}

void keypath_join_index(char *buf, size_t len, const char *prefix, size_t i)
{
    char seg[24];
    snprintf(seg, sizeof seg, "%zu", i);
    keypath_join(buf, len, prefix, seg);
}

/* The element's `name` when it can stand in a key path, else NULL. */
static const char *element_name(const yamldoc_node *item)
{
    const yamldoc_node *nm = yamldoc_get(item, "name");
    if (nm && nm->kind == YAMLDOC_SCALAR && keypath_valid_name(nm->str)) return nm->str;
    return NULL;
}

void keypath_element(const yamldoc_node *seq, size_t i, char *buf, size_t len)
{
    const char *nm = element_name(seq->vals[i]);
    for (size_t j = 0; nm && j < i; j++) {
        const char *other = element_name(seq->vals[j]);
        if (other && strcmp(other, nm) == 0) nm = NULL;   /* a duplicate: by index */
    }
    if (nm) snprintf(buf, len, "%s", nm);
    else snprintf(buf, len, "%zu", i);
}

/* "did you mean" text for seg among the keys of a map or the names of a list. */
static void suggest_for(const yamldoc_node *n, const char *seg, char *buf, size_t len)
{
    const char **cands = calloc(n->n ? n->n : 1, sizeof *cands);
    if (!cands) {
        snprintf(buf, len, "out of memory");
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == YAMLDOC_MAP)
            cands[i] = n->keys[i]->kind == YAMLDOC_SCALAR ? n->keys[i]->str : NULL;
        else
            cands[i] = element_name(n->vals[i]);
    }
    suggest_text(buf, len, seg, cands, n->n, "it is empty");
    free(cands);
}

/* One step down from n (reached by `prefix`) along seg: the child's slot, or NULL with
 * msg. The slot is the pointer in n's array, so that keypath_set can replace it. */
static yamldoc_node **step(yamldoc_node *n, const char *prefix, const char *seg,
                           char *canon_seg, size_t canonlen, char *msg, size_t msglen)
{
    char hint[KEYPATH_MAX];
    const char *where = *prefix ? prefix : "the scenario";
    if (n->kind == YAMLDOC_MAP) {
        for (size_t i = 0; i < n->n; i++)
            if (n->keys[i]->kind == YAMLDOC_SCALAR && strcmp(n->keys[i]->str, seg) == 0) {
                snprintf(canon_seg, canonlen, "%s", seg);
                return &n->vals[i];
            }
        suggest_for(n, seg, hint, sizeof hint);
        snprintf(msg, msglen, "no key '%s' in %s (%s)", seg, where, hint);
        return NULL;
    }
    if (n->kind == YAMLDOC_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            keypath_element(n, i, canon_seg, canonlen);
            if (strcmp(canon_seg, seg) == 0) return &n->vals[i];
        }
        if (all_digits(seg) && strlen(seg) < 10 && (size_t)atol(seg) < n->n) {
            size_t i = (size_t)atol(seg);
            keypath_element(n, i, canon_seg, canonlen);
            return &n->vals[i];
        }
        suggest_for(n, seg, hint, sizeof hint);
        if (strncmp(hint, "did you mean", 12) == 0)
            snprintf(msg, msglen, "no element '%s' in %s (%s)", seg, where, hint);
        else if (n->n)
            snprintf(msg, msglen, "no element '%s' in %s (%s, or an index below %zu)", seg,
                     where, hint, n->n);
        else
            snprintf(msg, msglen, "no element '%s' in %s (it is empty)", seg, where);
        return NULL;
    }
    snprintf(msg, msglen, "%s is a single value, it has no '%s' (expected a key path that "
             "ends at %s)", where, seg, where);
    return NULL;
}

/* Split path into segments (in place in buf); returns the count, or -1 with msg. */
static int split(const char *path, char *buf, size_t buflen, char **segs, int maxsegs,
                 char *msg, size_t msglen)
{
    if (strlen(path) >= buflen) {
        snprintf(msg, msglen, "key path too long (expected at most %zu characters)", buflen - 1);
        return -1;
    }
    strcpy(buf, path);
    int n = 0;
    char *s = buf;
    for (;;) {
        char *dot = strchr(s, '.');
        if (dot) *dot = '\0';
        if (!*s || n == maxsegs) {
            snprintf(msg, msglen, "'%s' is not a key path (expected names separated by single "
                     "dots, such as demand.inference.growth)", path);
            return -1;
        }
        segs[n++] = s;
        if (!dot) return n;
        s = dot + 1;
    }
}

#define MAX_SEGS 32

/* Walk segments [0, nsegs) from *slot; returns the final slot or NULL. */
static yamldoc_node **walk(yamldoc_node **slot, char **segs, int nsegs, char *canon,
                           size_t canonlen, char *msg, size_t msglen)
{
    char prefix[KEYPATH_MAX] = "", seg[KEYPATH_MAX];
    for (int i = 0; i < nsegs; i++) {
        slot = step(*slot, prefix, segs[i], seg, sizeof seg, msg, msglen);
        if (!slot) return NULL;
        keypath_join(prefix, sizeof prefix, prefix, seg);
    }
    if (canon) snprintf(canon, canonlen, "%s", prefix);
    return slot;
}

yamldoc_node *keypath_find(yamldoc_node *root, const char *path, char *canon, size_t canonlen,
                           char *msg, size_t msglen)
{
    char buf[KEYPATH_MAX], *segs[MAX_SEGS];
    int n = split(path, buf, sizeof buf, segs, MAX_SEGS, msg, msglen);
    if (n < 0) return NULL;
    yamldoc_node **slot = walk(&root, segs, n, canon, canonlen, msg, msglen);
    return slot ? *slot : NULL;
}

/* Append key -> child to map m, both placed at the --set argument; the child's slot. */
static yamldoc_node **add_pair(yamldoc_node *m, const char *key, yamldoc_node *child,
                               const char *origin, int line, int col)
{
    yamldoc_node *k = yamldoc_new_scalar(key, origin, line, col);
    if (!k || yamldoc_append(m, k, child) != 0) {
        yamldoc_free(k);
        return NULL;
    }
    return &m->vals[m->n - 1];
}

/* keypath_set along segments [0, n). */
static int set_segs(yamldoc_node *root, char **segs, int n, yamldoc_node *val,
                    const char *origin, int line, int col, char *msg, size_t msglen)
{
    char prefix[KEYPATH_MAX] = "", seg[KEYPATH_MAX];
    yamldoc_node **slot = &root;
    for (int i = 0; i < n; i++) {
        yamldoc_node *cur = *slot;
        int last = i == n - 1;
        if (yamldoc_is_null(cur)) {   /* `key:` with nothing after it: an empty mapping */
            free(cur->str);
            cur->str = NULL;
            cur->kind = YAMLDOC_MAP;
        }
        if (cur->kind == YAMLDOC_MAP && !yamldoc_get(cur, segs[i])) {
            /* A key the file leaves out: add it (the schema check judges it). Once one
             * is added, every later segment is added too, so nothing can fail after. */
            yamldoc_node *child = last ? val : yamldoc_new_map(origin, line, col);
            slot = child ? add_pair(cur, segs[i], child, origin, line, col) : NULL;
            if (!slot) {
                if (!last) yamldoc_free(child);
                snprintf(msg, msglen, "out of memory");
                return -1;
            }
            if (last) return 0;
            keypath_join(prefix, sizeof prefix, prefix, segs[i]);
            continue;
        }
        slot = step(cur, prefix, segs[i], seg, sizeof seg, msg, msglen);
        if (!slot) return -1;
        keypath_join(prefix, sizeof prefix, prefix, seg);
    }
    yamldoc_free(*slot);
    *slot = val;
    return 0;
}

int keypath_set(yamldoc_node *root, const char *path, yamldoc_node *val,
                const char *origin, int line, int col, char *msg, size_t msglen)
{
    char buf[KEYPATH_MAX], *segs[MAX_SEGS];
    int n = split(path, buf, sizeof buf, segs, MAX_SEGS, msg, msglen);
    if (n < 0) return -1;
    return set_segs(root, segs, n, val, origin, line, col, msg, msglen);
}

int keypath_set_key(yamldoc_node *root, const char *path, const char *key, yamldoc_node *val,
                    const char *origin, int line, int col, char *msg, size_t msglen)
{
    char buf[KEYPATH_MAX], kbuf[KEYPATH_MAX], *segs[MAX_SEGS];
    int n = split(path, buf, sizeof buf, segs, MAX_SEGS - 1, msg, msglen);
    if (n < 0) return -1;
    if (!*key || strlen(key) >= sizeof kbuf) {
        snprintf(msg, msglen, "'%s' is not a key (expected 1 to %zu characters)", key,
                 sizeof kbuf - 1);
        return -1;
    }
    strcpy(kbuf, key);
    segs[n++] = kbuf;
    return set_segs(root, segs, n, val, origin, line, col, msg, msglen);
}
