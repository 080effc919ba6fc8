/* replicates: see replicates.h. */
#include "replicates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REPL_TAG 0x6361707265706c31ULL   /* "caprepl1": the saved state's first word */
#define REPL_PIECE 256                    /* variables per piece */

struct repl_acc {
    size_t nvars;
    unsigned nrep, group;
    double *count;     /* nrep */
    double *mean;      /* nrep x nvars: mean[r * nvars + v] */
};

repl_acc *repl_alloc(size_t nvars, unsigned nrep, unsigned group)
{
    if (nrep < 2 || nrep > REPL_MAX || group < 1) return NULL;
    repl_acc *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->nvars = nvars;
    a->nrep = nrep;
    a->group = group;
    a->count = calloc(nrep, sizeof *a->count);
    a->mean = calloc(nrep * (nvars ? nvars : 1), sizeof *a->mean);
    if (!a->count || !a->mean) {
        repl_free(a);
        return NULL;
    }
    return a;
}

void repl_free(repl_acc *a)
{
    if (!a) return;
    free(a->count);
    free(a->mean);
    free(a);
}

void repl_reset(repl_acc *a)
{
    memset(a->count, 0, a->nrep * sizeof *a->count);
    memset(a->mean, 0, a->nrep * (a->nvars ? a->nvars : 1) * sizeof *a->mean);
}

unsigned repl_nrep(const repl_acc *a)
{
    return a->nrep;
}

size_t repl_add_pieces(const repl_acc *a)
{
    return (a->nvars + REPL_PIECE - 1) / REPL_PIECE;
}

/* Variables v0 .. v1-1 of the rows; the counts are those before the rows (updated by
 * repl_add_rows_end), each row's own count is worked out from them. */
static void add_vars(repl_acc *a, size_t v0, size_t v1, const double *rows, size_t nrows,
                     size_t stride, uint64_t path0)
{
    double cnt[REPL_MAX];
    memcpy(cnt, a->count, a->nrep * sizeof *cnt);
    for (size_t r = 0; r < nrows; r++) {
        unsigned k = (unsigned)((path0 + r) / a->group % a->nrep);
        double inv = 1.0 / (cnt[k] += 1);
        double *m = a->mean + (size_t)k * a->nvars;
        const double *x = rows + r * stride;
        for (size_t v = v0; v < v1; v++) m[v] += (x[v] - m[v]) * inv;
    }
}

void repl_add_rows_piece(repl_acc *a, size_t piece, const double *rows, size_t nrows,
                         size_t stride, uint64_t path0)
{
    size_t v0 = piece * REPL_PIECE, v1 = v0 + REPL_PIECE < a->nvars ? v0 + REPL_PIECE : a->nvars;
    if (v0 < v1) add_vars(a, v0, v1, rows, nrows, stride, path0);
}

void repl_add_rows_end(repl_acc *a, size_t nrows, uint64_t path0)
{
    for (size_t r = 0; r < nrows; r++) a->count[(path0 + r) / a->group % a->nrep] += 1;
}

void repl_add_rows(repl_acc *a, const double *rows, size_t nrows, size_t stride, uint64_t path0)
{
    for (size_t p = 0; p < repl_add_pieces(a); p++) repl_add_rows_piece(a, p, rows, nrows, stride, path0);
    repl_add_rows_end(a, nrows, path0);
}

int repl_merge(repl_acc *into, const repl_acc *from)
{
    if (into->nvars != from->nvars || into->nrep != from->nrep || into->group != from->group) return -1;
    for (unsigned k = 0; k < into->nrep; k++) {
        double na = into->count[k], nb = from->count[k], n = na + nb;
        if (nb == 0) continue;
        double w = nb / n;
        double *m = into->mean + (size_t)k * into->nvars;
        const double *f = from->mean + (size_t)k * into->nvars;
        for (size_t v = 0; v < into->nvars; v++) m[v] += (f[v] - m[v]) * w;
        into->count[k] = n;
    }
    return 0;
}

int repl_complete(const repl_acc *a)
{
    for (unsigned k = 0; k < a->nrep; k++)
        if (a->count[k] < 1) return 0;
    return 1;
}

double repl_se(const repl_acc *a, size_t v)
{
    if (v >= a->nvars || !repl_complete(a)) return NAN;
    /* deviations from replicate 0's mean: equal means give exactly 0, and large means
     * with a small spread keep their digits */
    double R = a->nrep, m0 = a->mean[v], dbar = 0, ss = 0;
    for (unsigned k = 0; k < a->nrep; k++) dbar += a->mean[(size_t)k * a->nvars + v] - m0;
    dbar /= R;
    for (unsigned k = 0; k < a->nrep; k++) {
        double d = a->mean[(size_t)k * a->nvars + v] - m0 - dbar;
        ss += d * d;
    }
    return sqrt(ss / (R - 1) / R);
}

size_t repl_save_words(const repl_acc *a)
{
    return 4 + a->nrep * (1 + a->nvars);
}

static uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

void repl_save(const repl_acc *a, uint64_t *w)
{
    size_t at = 0, nm = a->nrep * a->nvars;
    w[at++] = REPL_TAG;
    w[at++] = a->nvars;
    w[at++] = a->nrep;
    w[at++] = a->group;
    for (unsigned k = 0; k < a->nrep; k++) w[at++] = bits_of(a->count[k]);
    for (size_t i = 0; i < nm; i++) w[at++] = bits_of(a->mean[i]);
}

int repl_load(repl_acc *a, const uint64_t *w, size_t nwords)
{
    if (!a || !w || nwords != repl_save_words(a) || w[0] != REPL_TAG || w[1] != a->nvars || w[2] != a->nrep ||
        w[3] != a->group)
        return -1;
    for (unsigned k = 0; k < a->nrep; k++) {
        double c = double_of(w[4 + k]);
        if (!(c >= 0 && c == floor(c))) return -1;   /* a count, or damaged */
    }
    size_t at = 4, nm = a->nrep * a->nvars;
    for (unsigned k = 0; k < a->nrep; k++) a->count[k] = double_of(w[at++]);
    for (size_t i = 0; i < nm; i++) a->mean[i] = double_of(w[at++]);
    return 0;
}
