/*
 * compose: `extends`, `remove` and merge keys over yamldoc trees (see compose.h).
 *
 * Look-ups by key or name go through a small hash table of indices (the texts are read
 * from the nodes themselves, so a key node replaced by the overlay's keeps the table
 * valid): a hostile file with a million keys merges in linear time.
 */
#include "compose.h"
#include "keypath.h"
#include "sim/base/grow.h"
#include "sim/base/suggest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void err_at(compose *c, const yamldoc_node *at, const char *kp, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(c->diag, at->origin, at->line, at->col, kp, "%s", msg);
}

/* ---- a table of indices keyed by text ---- */

typedef struct {
    size_t *slot;           /* index + 1; 0 is empty */
    size_t mask;
    const yamldoc_node *n;  /* the collection the indices point into */
    int named;              /* keys are the items' names, else the mapping's keys */
} ktab;

static const char *name_of(const yamldoc_node *item)
{
    const yamldoc_node *v = yamldoc_get(item, "name");
    return v && v->kind == YAMLDOC_SCALAR ? v->str : NULL;
}

static const char *ktab_text(const ktab *t, size_t i)
{
    if (t->named) return name_of(t->n->vals[i]);
    return t->n->keys[i]->kind == YAMLDOC_SCALAR ? t->n->keys[i]->str : NULL;
}

static size_t hash_text(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int ktab_init(ktab *t, const yamldoc_node *n, int named, size_t most)
{
    size_t cap = 16;
    while (cap < 2 * most + 2) cap *= 2;
    t->slot = calloc(cap, sizeof *t->slot);
    t->mask = cap - 1;
    t->n = n;
    t->named = named;
    return t->slot ? 0 : -1;
}

/* The slot of text s: holding its index, or empty. */
static size_t *ktab_slot(const ktab *t, const char *s)
{
    for (size_t i = hash_text(s) & t->mask;; i = (i + 1) & t->mask) {
        if (!t->slot[i]) return &t->slot[i];
        const char *k = ktab_text(t, t->slot[i] - 1);
        if (k && strcmp(k, s) == 0) return &t->slot[i];
    }
}

/* Index of text s, or SIZE_MAX. */
static size_t ktab_find(const ktab *t, const char *s)
{
    size_t *p = ktab_slot(t, s);
    return *p ? *p - 1 : SIZE_MAX;
}

/* Record index i under its text unless the text is already there. */
static void ktab_add(ktab *t, size_t i)
{
    const char *s = ktab_text(t, i);
    if (!s) return;
    size_t *p = ktab_slot(t, s);
    if (!*p) *p = i + 1;
}

/* Room for `more` pairs or items in n (keys too for a mapping). */
static int reserve(yamldoc_node *n, size_t more)
{
    size_t want = n->n + more ? n->n + more : 1;
    yamldoc_node **v = realloc(n->vals, want * sizeof *v);
    if (!v) return -1;
    n->vals = v;
    if (n->kind == YAMLDOC_MAP) {
        yamldoc_node **k = realloc(n->keys, want * sizeof *k);
        if (!k) return -1;
        n->keys = k;
    }
    return 0;
}

/* Free the arrays of a collection whose children were all moved out. */
static void free_shell(yamldoc_node *n)
{
    n->n = 0;
    yamldoc_free(n);
}

/* ---- merge keys ---- */

static int is_merge_key(const yamldoc_node *k)
{
    return k->kind == YAMLDOC_SCALAR && k->plain && strcmp(k->str, "<<") == 0;
}

/* Where a node is: the chain of its ancestors, for the key path of an error only (the
 * canonical segment of a list item costs a pass over the items before it). */
typedef struct kpframe {
    const struct kpframe *up;
    const yamldoc_node *parent;
    size_t i;
} kpframe;

static void frame_kp(const kpframe *f, char *buf, size_t len)
{
    if (!f) {
        buf[0] = '\0';
        return;
    }
    char up[KEYPATH_MAX], el[KEYPATH_MAX];
    frame_kp(f->up, up, sizeof up);
    const yamldoc_node *p = f->parent;
    if (p->kind == YAMLDOC_MAP)
        snprintf(el, sizeof el, "%s", p->keys[f->i]->kind == YAMLDOC_SCALAR ? p->keys[f->i]->str : "?");
    else if (p->n <= 1000)
        keypath_element(p, f->i, el, sizeof el);
    else
        snprintf(el, sizeof el, "%zu", f->i);
    keypath_join(buf, len, up, el);
}

/* The `<<` pairs of mapping n (its children already resolved); where says where n is. */
static int merge_map(compose *c, yamldoc_node *n, const kpframe *where)
{
    char kp[KEYPATH_MAX], mkp[KEYPATH_MAX];
    frame_kp(where, kp, sizeof kp);
    keypath_join(mkp, sizeof mkp, kp, "<<");
    size_t total = 0;
    int bad = 0;
    for (size_t i = 0; i < n->n; i++) {
        if (!is_merge_key(n->keys[i])) {
            total++;
            continue;
        }
        const yamldoc_node *v = n->vals[i];
        int ok = v->kind == YAMLDOC_MAP;
        if (v->kind == YAMLDOC_SEQ) {
            ok = v->n > 0;
            for (size_t j = 0; j < v->n; j++) ok &= v->vals[j]->kind == YAMLDOC_MAP;
            for (size_t j = 0; ok && j < v->n; j++) total += v->vals[j]->n;
        } else if (ok) {
            total += v->n;
        }
        if (!ok) {
            err_at(c, v, mkp, "found %s (expected a mapping to merge, or a list of them: "
                   "<<: *anchor or <<: [*a, *b])", v->kind == YAMLDOC_SEQ && v->n
                   ? "a list with an item that is not a mapping" : yamldoc_kind_name(v));
            bad = 1;
        }
    }
    if (bad) return -1;
    yamldoc_node **keys = malloc((total ? total : 1) * sizeof *keys);
    yamldoc_node **vals = malloc((total ? total : 1) * sizeof *vals);
    yamldoc_node out = { .kind = YAMLDOC_MAP, .keys = keys, .vals = vals };
    ktab t = { 0 };
    if (!keys || !vals || ktab_init(&t, &out, 0, total) != 0) {
        free(keys);
        free(vals);
        err_at(c, n, kp, "out of memory");
        return -1;
    }
    /* The explicit keys first, so that they win wherever they are written. */
    for (size_t i = 0; i < n->n; i++)
        if (!is_merge_key(n->keys[i])) {
            out.keys[out.n] = n->keys[i];
            out.vals[out.n] = n->vals[i];
            ktab_add(&t, out.n++);
        }
    /* The merged pairs go where their `<<` was: build the final order in a second pass
     * over n, keeping the explicit pairs' nodes where they were taken. */
    yamldoc_node **fk = malloc((total ? total : 1) * sizeof *fk);
    yamldoc_node **fv = malloc((total ? total : 1) * sizeof *fv);
    if (!fk || !fv) {
        free(fk);
        free(fv);
        free(t.slot);
        free(keys);
        free(vals);
        err_at(c, n, kp, "out of memory");
        return -1;
    }
    size_t nf = 0, e = 0;
    for (size_t i = 0; i < n->n; i++) {
        if (!is_merge_key(n->keys[i])) {
            fk[nf] = out.keys[e];
            fv[nf++] = out.vals[e++];
            continue;
        }
        yamldoc_node *v = n->vals[i];
        size_t nsrc = v->kind == YAMLDOC_MAP ? 1 : v->n;
        for (size_t s = 0; s < nsrc; s++) {
            yamldoc_node *src = v->kind == YAMLDOC_MAP ? v : v->vals[s];
            for (size_t j = 0; j < src->n; j++) {
                yamldoc_node *k = src->keys[j];
                if (k->kind == YAMLDOC_SCALAR && ktab_find(&t, k->str) != SIZE_MAX) continue;
                out.keys[out.n] = k;
                out.vals[out.n] = src->vals[j];
                ktab_add(&t, out.n++);
                fk[nf] = k;
                fv[nf++] = src->vals[j];
                src->keys[j] = src->vals[j] = NULL;   /* moved */
            }
        }
        yamldoc_free(n->keys[i]);
        yamldoc_free(v);
    }
    free(t.slot);
    free(keys);
    free(vals);
    free(n->keys);
    free(n->vals);
    n->keys = fk;
    n->vals = fv;
    n->n = nf;
    return 0;
}

static int merge_keys_in(compose *c, yamldoc_node *n, const kpframe *where)
{
    if (n->kind == YAMLDOC_SCALAR) return 0;
    int rc = 0, has = 0;
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == YAMLDOC_MAP) has |= is_merge_key(n->keys[i]);
        kpframe f = { where, n, i };
        rc |= merge_keys_in(c, n->vals[i], &f);
    }
    if (rc == 0 && has) rc = merge_map(c, n, where);
    return rc;
}

int compose_merge_keys(compose *c, yamldoc_node *root)
{
    return root ? merge_keys_in(c, root, NULL) : 0;
}

/* ---- the deep merge of `extends` ---- */

static int named_list(const yamldoc_node *n)
{
    if (n->kind != YAMLDOC_SEQ || n->n == 0) return 0;
    for (size_t i = 0; i < n->n; i++)
        if (n->vals[i]->kind != YAMLDOC_MAP || !name_of(n->vals[i])) return 0;
    return 1;
}

static yamldoc_node *merge_tree(compose *c, yamldoc_node *b, yamldoc_node *o, int *oom);

/* Overlay o (a mapping, or a list of named mappings with named) into b, of the same
 * kind; o's children are moved, its shell freed. */
static void merge_into(compose *c, yamldoc_node *b, yamldoc_node *o, int named, int *oom)
{
    ktab t;
    unsigned char *touched = calloc(b->n + o->n + 1, 1);
    if (!touched || reserve(b, o->n) != 0 || ktab_init(&t, b, named, b->n + o->n) != 0) {
        free(touched);
        *oom = 1;
        yamldoc_free(o);
        return;
    }
    for (size_t i = 0; i < b->n; i++) ktab_add(&t, i);
    /* The merged collection is where the overlay wrote it: errors about it as a whole
     * (a missing key, a distribution's parameters) point at the file being edited. */
    b->origin = o->origin;
    b->line = o->line;
    b->col = o->col;
    for (size_t i = 0; i < o->n; i++) {
        const char *s = named ? name_of(o->vals[i])
                      : o->keys[i]->kind == YAMLDOC_SCALAR ? o->keys[i]->str : NULL;
        size_t j = s ? ktab_find(&t, s) : SIZE_MAX;
        if (j != SIZE_MAX && !touched[j]) {   /* in the base: merge */
            touched[j] = 1;
            b->vals[j] = merge_tree(c, b->vals[j], o->vals[i], oom);
            if (!named) {
                yamldoc_free(b->keys[j]);
                b->keys[j] = o->keys[i];
            }
        } else {   /* new, or given twice in the overlay (the schema check reports it) */
            if (!named) b->keys[b->n] = o->keys[i];
            b->vals[b->n] = o->vals[i];
            touched[b->n] = 1;
            if (j == SIZE_MAX) ktab_add(&t, b->n);
            b->n++;
        }
        if (!named) o->keys[i] = NULL;
        o->vals[i] = NULL;
    }
    free(t.slot);
    free(touched);
    free_shell(o);
}

static yamldoc_node *merge_tree(compose *c, yamldoc_node *b, yamldoc_node *o, int *oom)
{
    if (b->kind == YAMLDOC_MAP && o->kind == YAMLDOC_MAP && !yamldoc_get(o, "dist")) {
        merge_into(c, b, o, 0, oom);
        return b;
    }
    if (named_list(b) && named_list(o)) {
        merge_into(c, b, o, 1, oom);
        return b;
    }
    yamldoc_free(b);
    return o;
}

/* ---- remove ---- */

/* Delete pair or item i of n. */
static void delete_at(yamldoc_node *n, size_t i)
{
    if (n->kind == YAMLDOC_MAP) {
        yamldoc_free(n->keys[i]);
        memmove(n->keys + i, n->keys + i + 1, (n->n - i - 1) * sizeof *n->keys);
    }
    yamldoc_free(n->vals[i]);
    memmove(n->vals + i, n->vals + i + 1, (n->n - i - 1) * sizeof *n->vals);
    n->n--;
}

static size_t find_key(const yamldoc_node *n, const char *s, size_t len)
{
    for (size_t i = 0; i < n->n; i++) {
        const yamldoc_node *k = n->keys[i];
        if (k->kind == YAMLDOC_SCALAR && strlen(k->str) == len && memcmp(k->str, s, len) == 0)
            return i;
    }
    return SIZE_MAX;
}

static size_t find_item(const yamldoc_node *n, const char *s, size_t len)
{
    for (size_t i = 0; i < n->n; i++) {
        const char *nm = name_of(n->vals[i]);
        if (nm && strlen(nm) == len && memcmp(nm, s, len) == 0) return i;
    }
    int digits = len > 0 && len < 10;
    for (size_t i = 0; i < len; i++) digits &= s[i] >= '0' && s[i] <= '9';
    size_t idx = digits ? (size_t)strtoul(s, NULL, 10) : SIZE_MAX;
    return idx < n->n ? idx : SIZE_MAX;
}

/* Drop what path names under root: 0, or -1 with why in msg. */
static int remove_path(yamldoc_node *root, const char *path, char *msg, size_t msglen)
{
    yamldoc_node *n = root;
    const char *rest = path;
    char where[KEYPATH_MAX] = "";
    for (;;) {
        if (n->kind == YAMLDOC_MAP) {   /* a key may hold dots (a factor's glob): whole first */
            size_t i = find_key(n, rest, strlen(rest));
            if (i != SIZE_MAX) {
                delete_at(n, i);
                return 0;
            }
        }
        const char *dot = strchr(rest, '.');
        size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
        size_t i = n->kind == YAMLDOC_MAP ? find_key(n, rest, len)
                 : n->kind == YAMLDOC_SEQ ? find_item(n, rest, len) : SIZE_MAX;
        if (i == SIZE_MAX) {
            char seg[KEYPATH_MAX], hint[512];
            snprintf(seg, sizeof seg, "%.*s", (int)len, rest);
            if (n->kind == YAMLDOC_SCALAR) {
                snprintf(msg, msglen, "'%.200s' names nothing inherited (%s%.200s is a value, "
                         "with nothing below it)", path, *where ? "" : "the base", where);
                return -1;
            }
            const char **cands = calloc(n->n + 1, sizeof *cands);
            for (size_t k = 0; cands && k < n->n; k++)
                cands[k] = n->kind == YAMLDOC_MAP
                         ? (n->keys[k]->kind == YAMLDOC_SCALAR ? n->keys[k]->str : NULL)
                         : name_of(n->vals[k]);
            suggest_text(hint, sizeof hint, seg, cands, cands ? n->n : 0, "it is empty");
            free(cands);
            snprintf(msg, msglen, "'%.200s' names nothing inherited (no '%.100s' %s%.200s: %.300s)", path, seg,
                     *where ? "under " : "at the top", where, hint);
            return -1;
        }
        if (!dot) {
            delete_at(n, i);
            return 0;
        }
        char seg[KEYPATH_MAX], prev[KEYPATH_MAX];
        snprintf(seg, sizeof seg, "%.*s", (int)len, rest);
        snprintf(prev, sizeof prev, "%s", where);
        keypath_join(where, sizeof where, prev, seg);
        n = n->vals[i];
        rest = dot + 1;
    }
}

/* ---- files ---- */

char *compose_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = compose_read_stream(f, len);
    int err = errno;
    fclose(f);
    errno = err;
    return buf;
}

char *compose_read_stream(FILE *f, size_t *len)
{
    const size_t most = (size_t)YAMLDOC_MAX_BYTES + 1;
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        if (grow_array(&buf, &cap, n + 1, 1, 1 << 16) != 0) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        size_t want = (cap < most ? cap : most) - n;
        size_t got = fread(buf + n, 1, want, f);
        n += got;
        if (got < want || n >= most) break;
    }
    if (buf && ferror(f)) {
        int err = errno ? errno : EIO;
        free(buf);
        buf = NULL;
        errno = err;
    }
    *len = n;
    return buf;
}

char *compose_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return dupstr("");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, path, len);
    d[len] = '\0';
    return d;
}

static char *join_path(const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir[0]) return dupstr(rel);
    size_t a = strlen(dir), b = strlen(rel);
    int sep = dir[a - 1] != '/';
    char *p = malloc(a + sep + b + 1);
    if (!p) return NULL;
    memcpy(p, dir, a);
    if (sep) p[a] = '/';
    memcpy(p + a + sep, rel, b + 1);
    return p;
}

void compose_init(compose *c, diag_list *d)
{
    memset(c, 0, sizeof *c);
    c->diag = d;
}

void compose_free(compose *c)
{
    for (size_t i = 0; i < c->nnames; i++) free(c->names[i]);
    free(c->names);
    c->names = NULL;
    c->nnames = 0;
}

/* The index of the pair with key `key` in root, or SIZE_MAX; a second one is reported
 * (*dup set). */
static size_t top_key(compose *c, const yamldoc_node *root, const char *key, int *dup)
{
    size_t at = SIZE_MAX;
    for (size_t i = 0; i < root->n; i++) {
        const yamldoc_node *k = root->keys[i];
        if (k->kind != YAMLDOC_SCALAR || strcmp(k->str, key) != 0) continue;
        if (at == SIZE_MAX) {
            at = i;
            continue;
        }
        err_at(c, k, "", "duplicate key '%s' (expected each key once; first at line %d, "
               "column %d)", key, root->keys[at]->line, root->keys[at]->col);
        *dup = 1;
    }
    return at;
}

static const char *intern(compose *c, const char *name)
{
    char **p = realloc(c->names, (c->nnames + 1) * sizeof *p);
    if (!p) return NULL;
    c->names = p;
    if (!(p[c->nnames] = dupstr(name))) return NULL;
    diag_origin(c->diag, p[c->nnames]);
    return p[c->nnames++];
}

static void chain_text(const compose *c, const char *last, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->depth && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s -> ", c->chain[i].name);
    if (used < len) snprintf(buf + used, len - used, "%s", last);
}

/* The base file named by v (the `extends` value in file `name`, folder dir), resolved
 * in turn; NULL with the errors recorded. */
static yamldoc_node *read_base(compose *c, const yamldoc_node *v, const char *dir)
{
    const char *kp = "extends";
    if (v->kind != YAMLDOC_SCALAR || yamldoc_is_null(v) || !v->str[0]) {
        err_at(c, v, kp, "found %s (expected the name of the scenario file to extend, such "
               "as base.yaml)", v->kind == YAMLDOC_SCALAR && !yamldoc_is_null(v)
               ? "an empty name" : yamldoc_kind_name(v));
        return NULL;
    }
    if (!dir) {
        err_at(c, v, kp, "'%s': a scenario given as text cannot extend a file (expected "
               "extends only in a scenario file: its folder is where base files are read)",
               v->str);
        return NULL;
    }
    if (c->depth > COMPOSE_MAX_EXTENDS) {
        err_at(c, v, kp, "'%s': more than %d levels of extends (expected at most %d files "
               "each extending the next)", v->str, COMPOSE_MAX_EXTENDS, COMPOSE_MAX_EXTENDS);
        return NULL;
    }
    char *path = join_path(dir, v->str);
    if (!path) {
        err_at(c, v, kp, "out of memory");
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        err_at(c, v, kp, "cannot read '%s': %s (expected a scenario file, relative to the "
               "folder of the file that extends it)", path, strerror(errno));
        free(path);
        return NULL;
    }
    for (int i = 0; i < c->depth; i++)
        if (c->chain[i].has_id && c->chain[i].dev == st.st_dev && c->chain[i].ino == st.st_ino) {
            char chain[2048];
            chain_text(c, path, chain, sizeof chain);
            err_at(c, v, kp, "'%s' closes a cycle: %s (expected a chain of files that ends)",
                   v->str, chain);
            free(path);
            return NULL;
        }
    size_t len = 0;
    errno = 0;
    char *text = compose_read_file(path, &len);
    if (!text) {
        err_at(c, v, kp, "cannot read '%s': %s (expected a scenario file, relative to the "
               "folder of the file that extends it)", path, strerror(errno ? errno : EIO));
        free(path);
        return NULL;
    }
    const char *name = intern(c, path);
    char *bdir = compose_dirname(path);
    free(path);
    if (!name || !bdir) {
        free(text);
        free(bdir);
        err_at(c, v, kp, "out of memory");
        return NULL;
    }
    yamldoc_error e;
    yamldoc_node *root = yamldoc_parse_max(text, len, name, 0, 0, YAMLDOC_MAX_NODES - c->nodes, &e);
    free(text);
    if (!root) {
        diag_add(c->diag, name, e.line, e.col, NULL, "%s", e.msg);
        free(bdir);
        return NULL;
    }
    c->chain[c->depth].dev = st.st_dev;
    c->chain[c->depth].ino = st.st_ino;
    c->chain[c->depth].name = name;
    c->chain[c->depth].has_id = 1;
    yamldoc_node *out = compose_resolve(c, root, name, bdir, NULL);
    free(bdir);
    if (out && yamldoc_is_null(out)) {   /* an empty file: nothing to inherit */
        yamldoc_free(out);
        out = yamldoc_new_map(name, 1, 1);
        if (!out) err_at(c, v, kp, "out of memory");
    } else if (out && out->kind != YAMLDOC_MAP) {
        err_at(c, out, "", "found %s (expected a mapping: a scenario, or part of one, for "
               "%s to extend)", yamldoc_kind_name(out), v->origin);
        yamldoc_free(out);
        out = NULL;
    }
    return out;
}

/* Apply the `remove` list r (of file `name`) to base. 0, or -1 with errors recorded. */
static int apply_removes(compose *c, yamldoc_node *base, const yamldoc_node *r)
{
    if (yamldoc_is_null(r)) return 0;
    if (r->kind != YAMLDOC_SEQ) {
        err_at(c, r, "remove", "found %s (expected a list of key paths, such as "
               "[contracts.aws-2026, chips.trainium3])", yamldoc_kind_name(r));
        return -1;
    }
    int rc = 0;
    char kp[64], msg[1024];
    for (size_t i = 0; i < r->n; i++) {
        const yamldoc_node *item = r->vals[i];
        keypath_join_index(kp, sizeof kp, "remove", i);
        if (item->kind != YAMLDOC_SCALAR || yamldoc_is_null(item)) {
            err_at(c, item, kp, "found %s (expected a key path, such as contracts.aws-2026)",
                   yamldoc_kind_name(item));
            rc = -1;
        } else if (remove_path(base, item->str, msg, sizeof msg) != 0) {
            err_at(c, item, kp, "%s", msg);
            rc = -1;
        }
    }
    return rc;
}

yamldoc_node *compose_resolve(compose *c, yamldoc_node *root, const char *name, const char *dir,
                              const char *path_for_id)
{
    c->nodes += yamldoc_count(root);
    if (compose_merge_keys(c, root) != 0) {
        yamldoc_free(root);
        return NULL;
    }
    if (root->kind != YAMLDOC_MAP) return root;
    int dup = 0;
    size_t ie = top_key(c, root, "extends", &dup), ir = top_key(c, root, "remove", &dup);
    if (dup) {
        yamldoc_free(root);
        return NULL;
    }
    if (ie == SIZE_MAX) {
        if (ir != SIZE_MAX) {
            err_at(c, root->keys[ir], "remove", "nothing is inherited here (expected remove "
                   "only with extends: BASE.yaml)");
            yamldoc_free(root);
            return NULL;
        }
        return root;
    }
    if (c->depth == 0) {
        struct stat st;
        c->chain[0].name = name;
        c->chain[0].has_id = path_for_id && stat(path_for_id, &st) == 0;
        if (c->chain[0].has_id) {
            c->chain[0].dev = st.st_dev;
            c->chain[0].ino = st.st_ino;
        }
    }
    c->depth++;
    yamldoc_node *base = read_base(c, root->vals[ie], dir);
    c->depth--;
    if (!base || (ir != SIZE_MAX && apply_removes(c, base, root->vals[ir]) != 0)) {
        yamldoc_free(base);
        yamldoc_free(root);
        return NULL;
    }
    /* The overlay without its extends and remove, merged into the base. */
    size_t first = ie < ir ? ie : ir, second = ie < ir ? ir : ie;
    if (second != SIZE_MAX) delete_at(root, second);
    delete_at(root, first);
    int oom = 0;
    yamldoc_node *out = merge_tree(c, base, root, &oom);
    if (oom) {
        diag_add(c->diag, name, 0, 0, NULL, "out of memory");
        yamldoc_free(out);
        return NULL;
    }
    return out;
}
