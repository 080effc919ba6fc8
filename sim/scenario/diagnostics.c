/*
 * diag_list: collected loader errors (see diag_list.h).
 */
#include "diagnostics.h"
#include "sim/base/grow.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DIAG_MAX_ORIGINS 24   /* a file, the 16 it may extend, --set, and spare */

typedef struct {
    const char *origin;
    int rank, line, col;
    int seq;          /* order found: the stable tie-break */
    char *text;       /* "key.path: message" */
} diag_entry;

struct diag_list {
    diag_entry *e;
    size_t n, cap;
    int total;
    const char *origins[DIAG_MAX_ORIGINS];
    int norigins;
};

diag_list *diag_alloc(void)
{
    return calloc(1, sizeof(diag_list));
}

void diag_free(diag_list *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) free(d->e[i].text);
    free(d->e);
    free(d);
}

void diag_origin(diag_list *d, const char *origin)
{
    if (d->norigins < DIAG_MAX_ORIGINS) d->origins[d->norigins++] = origin;
}

static int rank_of(const diag_list *d, const char *origin)
{
    for (int i = 0; i < d->norigins; i++)
        if (origin == d->origins[i] || (origin && strcmp(origin, d->origins[i]) == 0)) return i;
    return d->norigins;
}

void diag_add(diag_list *d, const char *origin, int line, int col, const char *keypath,
               const char *fmt, ...)
{
    d->total++;
    if (d->n >= DIAG_MAX) return;
    if (grow_array(&d->e, &d->cap, d->n + 1, sizeof *d->e, 16) != 0)
        return;   /* still counted: the load fails either way */
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t len = strlen(msg) + (keypath ? strlen(keypath) : 0) + 3;
    char *text = malloc(len);
    if (!text) return;
    if (keypath && *keypath) snprintf(text, len, "%s: %s", keypath, msg);
    else snprintf(text, len, "%s", msg);
    diag_entry *x = &d->e[d->n];
    x->origin = origin ? origin : "<scenario>";
    x->rank = rank_of(d, origin);
    x->line = line;
    x->col = col;
    x->seq = (int)d->n;
    x->text = text;
    d->n++;
}

int diag_count(const diag_list *d)
{
    return d->total;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const diag_entry *a = pa, *b = pb;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

void diag_print(diag_list *d, FILE *f)
{
    if (!f) return;
    qsort(d->e, d->n, sizeof *d->e, cmp_entry);
    for (size_t i = 0; i < d->n; i++) {
        const diag_entry *x = &d->e[i];
        if (x->line > 0) fprintf(f, "%s:%d:%d: %s\n", x->origin, x->line, x->col, x->text);
        else fprintf(f, "%s: %s\n", x->origin, x->text);
    }
    if ((size_t)d->total > d->n)
        fprintf(f, "%s: ... and %zu more errors\n", d->n ? d->e[0].origin : "<scenario>",
                (size_t)d->total - d->n);
}
