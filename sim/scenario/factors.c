/*
 * factors: key path globs and the loadings of common factors (see factors.h).
 */
#include "factors.h"
#include "keypath.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int glob_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '*' || c == '?' || c == '[' || c == ']' || c == '!';
}

int factors_glob_valid(const char *glob)
{
    size_t n = strlen(glob), comp = 0;
    if (n == 0 || n >= KEYPATH_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        if (glob[i] == '.') {
            if (comp == 0) return 0;
            comp = 0;
        } else if (!glob_char(glob[i])) {
            return 0;
        } else {
            comp++;
        }
    }
    return comp > 0;
}

/* Copy component [s, end) of at most KEYPATH_MAX - 1 characters into buf. */
static void component(char *buf, const char *s, const char *end)
{
    size_t n = (size_t)(end - s);
    if (n > KEYPATH_MAX - 1) n = KEYPATH_MAX - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

int factors_glob_match(const char *glob, const char *keypath)
{
    char pat[KEYPATH_MAX], str[KEYPATH_MAX];
    const char *g = glob, *k = keypath;
    for (;;) {
        const char *ge = strchr(g, '.'), *ke = strchr(k, '.');
        if (!ge) ge = g + strlen(g);
        if (!ke) ke = k + strlen(k);
        component(pat, g, ge);
        component(str, k, ke);
        if (fnmatch(pat, str, 0) != 0) return 0;
        if (!*ge || !*ke) return !*ge && !*ke;   /* same number of components */
        g = ge + 1;
        k = ke + 1;
    }
}

int factors_add(scenario *sc, const char *name)
{
    factor_spec *f = realloc(sc->factors, (sc->nfactors + 1) * sizeof *f);
    if (!f) return -1;
    sc->factors = f;
    f += sc->nfactors;
    memset(f, 0, sizeof *f);
    if (!(f->name = dupstr(name))) return -1;
    return (int)sc->nfactors++;
}

int factors_add_term(scenario *sc, int f, const char *glob, double loading, int line, int col)
{
    factor_spec *fs = &sc->factors[f];
    factor_term *t = realloc(fs->terms, (fs->nterms + 1) * sizeof *t);
    if (!t) return -1;
    fs->terms = t;
    t += fs->nterms;
    if (!(t->glob = dupstr(glob))) return -1;
    t->loading = loading;
    t->line = line;
    t->col = col;
    fs->nterms++;
    return 0;
}

int factors_add_loading(scenario *sc, int u, int f, double l)
{
    loading_spec *p = realloc(sc->loadings, (sc->nloadings + 1) * sizeof *p);
    if (!p) return -1;
    sc->loadings = p;
    p[sc->nloadings++] = (loading_spec){ u, f, l };
    return 0;
}

static int by_value_factor(const void *a, const void *b)
{
    const loading_spec *x = a, *y = b;
    if (x->u != y->u) return x->u < y->u ? -1 : 1;
    return (x->f > y->f) - (x->f < y->f);
}

void factors_sort_loadings(scenario *sc)
{
    if (sc->nloadings > 1) qsort(sc->loadings, sc->nloadings, sizeof *sc->loadings, by_value_factor);
}

size_t factors_first_loading(const scenario *sc, int u)
{
    size_t lo = 0, hi = sc->nloadings;   /* first index with loadings[i].u >= u */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sc->loadings[mid].u < u) lo = mid + 1;
        else hi = mid;
    }
    return lo < sc->nloadings && sc->loadings[lo].u == u ? lo : sc->nloadings;
}

double factors_sum_squares(const scenario *sc, int u)
{
    double s = 0;
    for (size_t i = factors_first_loading(sc, u); i < sc->nloadings && sc->loadings[i].u == u; i++)
        s += sc->loadings[i].l * sc->loadings[i].l;
    return s;
}
