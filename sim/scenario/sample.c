/*
 * sample: per-path values of a scenario's uncertain fields (sample.h; README, "Scenario files" and "Random numbers, seeds and reproducibility").
 *
 * Path i's uniform for uncertain value k depends only on (seed, key path of k, i,
 * npaths) and, for Sobol, on the rank of k's key path among the scenario's key paths
 * sorted by strcmp (stable when the file is reordered). That gives common random
 * numbers by name for random and lhs: adding a value does not move another's uniforms.
 *
 *   random    v_ik = Philox(seed, stream_k; counter (i, 0, 0)), word 0
 *   lhs and sobol are replicated (randomised QMC, docs/OUTPUT.md, "Estimators and their accuracy"): path i belongs to
 *             replicate r = i mod R (R = SAMPLE_REPLICATES) as its j-th point, j = i div R
 *             (with antithetic pairs, pair i div 2 is in replicate (i div 2) mod R, so
 *             that the two dependent paths of a pair stay together: sample_replicate_of).
 *             Each replicate is an independent randomisation of the same design over
 *             its share of the paths, so the R replicate means are independent and their
 *             spread is an honest standard error that shows the variance reduction. The
 *             interleaving keeps every replicate's count within g of the others for any
 *             number of paths, and equal at every multiple of g R (batches and
 *             superblocks are multiples of 512: a run stopped early by --target-rse
 *             still has R equal replicates).
 *   lhs       (perm_krb(j mod m) + v_ik) / m, m = g ceil(N / (g R)) (g = 2 with
 *             antithetic pairs, else 1), b = j div m: each block of
 *             m points of a replicate is a Latin hypercube (when N is not a multiple of
 *             g R some replicates have fewer points, a hypercube with random strata left
 *             out: still unbiased; points beyond npaths, as a run extended for
 *             precision asks for, start a new block with a fresh permutation). perm_krb
 *             is a 4-round keyed Feistel bijection on the next even power of two >= m,
 *             cycle-walked into 0..m-1: O(1) memory, any path computable on its own.
 *   sobol     frac(x_d(j) + shift_kr), x the GSL Sobol sequence (point j of replicate r
 *             for path i, point 0 the origin),
 *             d = rank of the key path; shift_kr a Philox uniform keyed by the key path
 *             and the replicate (random Cranley-Patterson shift: each replicate is an
 *             unbiased estimator, independent of the others). GSL's Sobol has 40
 *             dimensions: values of rank >= 40 use the random scheme.
 *   saltelli  for now the random scheme (the paired matrices are a later issue).
 *
 * Side keys (LHS round keys, Sobol shifts) come from Philox under the value's own key
 * with the fourth counter word set to 1 or 2: rng.c always leaves that word at 0, so
 * they can never coincide with a draw of any stream.
 *
 * The Gaussian copula then moves the correlated values (the others are untouched):
 * z = Phi^-1(u), z' = L z with L the Cholesky factor of the Pearson matrix of the
 * normal scores, u' = Phi(z'). Finally value = quantile. The matrix holds, for values
 * loaded on common factors (factors.h), the latent correlation sum_f l_if l_jf as it
 * is (a loading product is already a Pearson correlation of normal scores), and for
 * each explicit pair its rank correlation rho converted, 2 sin(pi rho / 6), which
 * overrides the factors' entry. The correlated values are those of an explicit pair
 * and those with a nonzero loading, in index order: without factors, exactly the
 * matrix of the first edition. With factors the matrix is split into the groups of
 * values linked by pairs or shared factors, each with its own Cholesky factor (see
 * copula_set), so that a factor moves no bit of a group it does not touch.
 * Every path is computed on its own, so results are bitwise identical for any number
 * of threads.
 */
#include "sample.h"
#include "sim/base/grow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Random123/philox.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_qrng.h>

#include "sim/random/qtable.h"
#include "sim/random/rng.h"

/* Uniforms are kept inside the range that rng.c produces, so that no transform can
 * return the infinite end of a quantile function. */
#define U_MIN 0x1p-54
#define U_MAX (1.0 - 0x1p-53)

enum { SIDE_LHS = 1, SIDE_SOBOL = 2 };

struct sampler {
    const scenario *sc;
    uint64_t npaths;
    size_t nu;
    sampling_kind kind;
    uint64_t group;        /* paths per group of sample_replicate_of */
    /* sobol */
    gsl_qrng *q;
    size_t qdim;
    uint64_t qnext;        /* index of the point the next gsl_qrng_get returns */
    double *qpoint;        /* qdim */
    double *qprev;         /* qdim: point qnext - 2 */
    int *sdim;             /* nu: Sobol dimension of value k, or -1 (random scheme) */
    double *shift;         /* R x nu: Cranley-Patterson shift of value k in replicate r */
    /* copula (defined below) */
    struct copula_set_s *cop;
    /* nu: inverse-CDF tables (NULL where the quantile is closed-form), owned by qts */
    const qtable **qt;
    qtable_set *qts;
    /* scratch for the uniforms when the caller does not want them */
    double *ubuf;
    size_t ubuf_len;
};

static double clamp_u(double u)
{
    return u < U_MIN ? U_MIN : u > U_MAX ? U_MAX : u;
}

/* Four words under (seed, stream) on a counter no stream of rng.c uses; a and b say
 * which (block, replicate) they are for. */
static philox4x64_ctr_t side_words(uint64_t seed, uint64_t stream, uint64_t purpose, uint64_t a,
                                   uint64_t b)
{
    philox4x64_key_t k = { { seed, stream } };
    philox4x64_ctr_t c = { { a, b, 0, purpose } };
    return philox4x64(c, k);
}

/* ---- LHS permutation ---- */

/* splitmix64's finaliser: a cheap bijective mixer for the Feistel round function. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A keyed bijection of [0, 2^(2 half)): four balanced Feistel rounds. */
static uint64_t feistel(uint64_t x, unsigned half, const uint64_t rk[4])
{
    uint64_t mask = (1ULL << half) - 1, l = x >> half, r = x & mask;
    for (int i = 0; i < 4; i++) {
        uint64_t t = l ^ (mix64(r ^ rk[i]) & mask);
        l = r;
        r = t;
    }
    return (l << half) | r;
}

/* perm(j) for j < n: walk the cycle of the bijection until it lands inside 0..n-1
 * (the domain is < 4n, so fewer than 4 steps on average). */
static uint64_t lhs_perm(uint64_t j, uint64_t n, const uint64_t rk[4])
{
    unsigned bits = 1;
    while (bits < 63 && (1ULL << bits) < n) bits++;
    unsigned half = (bits + 1) / 2;
    uint64_t x = j;
    do x = feistel(x, half, rk); while (x >= n);
    return x;
}

static double lhs_uniform(const sampler *s, size_t k, uint64_t i)
{
    const uncertain_spec *u = &s->sc->uncertain[k];
    /* the most points a replicate gets: whole groups, ceil(N / (g R)) of them */
    uint64_t gr = s->group * SAMPLE_REPLICATES;
    uint64_t n = s->npaths ? (s->npaths + gr - 1) / gr * s->group : 1;
    uint64_t j, r;
    sample_replicate_of(i, s->group, &r, &j);
    philox4x64_ctr_t rk = side_words(s->sc->seed, u->stream, SIDE_LHS, j / n, r);
    uint64_t p = lhs_perm(j % n, n, rk.v);
    double v = rng_uniform_at(s->sc->seed, u->stream, i, 0, 0);
    /* (p + v) / n rounds up to the next stratum only when v is within an ulp of 1 */
    double x = ((double)p + v) / (double)n;
    double top = nextafter(((double)p + 1) / (double)n, 0);
    return x > top ? top : x;
}

/* ---- uniforms of one path ---- */

/* Every value not on a Sobol dimension: random or lhs. */
static void path_uniforms(const sampler *s, uint64_t i, double *u)
{
    const scenario *sc = s->sc;
    for (size_t k = 0; k < s->nu; k++) {
        if (s->sdim && s->sdim[k] >= 0) continue;
        if (s->kind == SAMPLING_LHS) u[k] = lhs_uniform(s, k, i);
        else u[k] = rng_uniform_at(sc->seed, sc->uncertain[k].stream, i, 0, 0);
        u[k] = clamp_u(u[k]);
    }
}

/* Point j of the Sobol sequence into s->qpoint. GSL starts at point 1 (it drops the
 * zero point); with the random shift, point 0 is as good as any, and keeping it makes
 * paths 0..2^m-1 a whole (0,m,d)-net. */
static void sobol_next(sampler *s)
{
    memcpy(s->qprev, s->qpoint, s->qdim * sizeof *s->qprev);
    if (s->qnext == 0) memset(s->qpoint, 0, s->qdim * sizeof *s->qpoint);
    else gsl_qrng_get(s->q, s->qpoint);
    s->qnext++;
}

/* Sobol dimensions of paths first..first+n-1, serially: the sequence has state. Path
 * i takes point j of its replicate (sample_replicate_of). Along the paths j never falls
 * more than g - 1 <= 1 below the largest seen, so the current point (qpoint, point
 * qnext - 1) and the one before it (qprev) are all that is needed; asking for an earlier
 * one restarts the sequence. */
static void sobol_fill(sampler *s, uint64_t first, size_t n, double *u)
{
    for (size_t r = 0; r < n; r++) {
        uint64_t rep, j;
        sample_replicate_of(first + r, s->group, &rep, &j);
        if (s->qnext > 0 && j + 1 < s->qnext - 1) {
            gsl_qrng_init(s->q);
            s->qnext = 0;
        }
        while (s->qnext <= j) sobol_next(s);
        const double *pt = j + 1 == s->qnext ? s->qpoint : s->qprev, *shift = s->shift + rep * s->nu;
        for (size_t k = 0; k < s->nu; k++) {
            if (s->sdim[k] < 0) continue;
            double x = pt[s->sdim[k]] + shift[k];
            u[r * s->nu + k] = clamp_u(x >= 1 ? x - 1 : x);
        }
    }
}

/* ---- correlation matrix ---- */

/* The off-diagonal entries sum_f l_if l_jf of the values loaded on factors, into m
 * (pos: matrix row of each uncertain value). Sums run in factor order: the bits do not
 * depend on the order of the globs. 0, or -1 out of memory. */
static int factor_entries(const scenario *sc, const int *pos, size_t nc, gsl_matrix *m)
{
    /* columns for the factors that load something, in factor order */
    int *col = malloc((sc->nfactors ? sc->nfactors : 1) * sizeof *col);
    size_t nf = 0;
    for (size_t f = 0; col && f < sc->nfactors; f++) col[f] = -1;
    for (size_t i = 0; col && i < sc->nloadings; i++) col[sc->loadings[i].f] = 0;
    for (size_t f = 0; col && f < sc->nfactors; f++)
        if (col[f] == 0) col[f] = (int)nf++;
    size_t cells = nc * nf;
    double *rows = calloc(cells ? cells : 1, sizeof *rows);   /* nc x nf loadings */
    char *loaded = calloc(nc ? nc : 1, 1);
    if (!col || !rows || !loaded) {
        free(col);
        free(rows);
        free(loaded);
        return -1;
    }
    for (size_t i = 0; i < sc->nloadings; i++) {
        const loading_spec *l = &sc->loadings[i];
        rows[(size_t)pos[l->u] * nf + (size_t)col[l->f]] = l->l;
        loaded[pos[l->u]] = 1;
    }
    free(col);
    for (size_t a = 0; a < nc; a++)
        for (size_t b = a + 1; loaded[a] && b < nc; b++) {
            if (!loaded[b]) continue;
            double r = 0;
            for (size_t f = 0; f < nf; f++) r += rows[a * nf + f] * rows[b * nf + f];
            gsl_matrix_set(m, a, b, r);
            gsl_matrix_set(m, b, a, r);
        }
    free(rows);
    free(loaded);
    return 0;
}

/* The correlated values (ascending indices) and their Pearson matrix. Returns NULL
 * with a message on bad pairs or allocation failure. */
static gsl_matrix *pearson_matrix(const scenario *sc, int **cidx_out, size_t *nc_out,
                                  char *msg, size_t msglen)
{
    size_t nu = sc->nuncertain, nc = 0;
    int *pos = malloc((nu ? nu : 1) * sizeof *pos), *cidx = NULL;
    gsl_matrix *m = NULL;
    if (!pos) goto oom;
    for (size_t k = 0; k < nu; k++) pos[k] = -1;
    for (size_t p = 0; p < sc->ncorr; p++) {
        const corr_spec *c = &sc->corr[p];
        if (c->a < 0 || c->b < 0 || (size_t)c->a >= nu || (size_t)c->b >= nu) {
            snprintf(msg, msglen, "correlation %zu refers to no uncertain value "
                     "(expected two uncertain key paths)", p);
            goto fail;
        }
        if (c->a == c->b) {
            snprintf(msg, msglen, "%s is correlated with itself (expected two different "
                     "key paths)", sc->uncertain[c->a].keypath);
            goto fail;
        }
        if (!(fabs(c->rho) <= 1)) {
            snprintf(msg, msglen, "rank correlation %g of %s~%s is outside [-1, 1] "
                     "(expected -1 <= rho <= 1)", c->rho, sc->uncertain[c->a].keypath,
                     sc->uncertain[c->b].keypath);
            goto fail;
        }
        pos[c->a] = pos[c->b] = 0;
    }
    for (size_t i = 0; i < sc->nloadings; i++) {
        const loading_spec *l = &sc->loadings[i];
        if (l->u < 0 || (size_t)l->u >= nu || l->f < 0 || (size_t)l->f >= sc->nfactors ||
            !(fabs(l->l) < 1)) {
            snprintf(msg, msglen, "loading %zu refers to no uncertain value or factor, or is "
                     "outside (-1, 1) (expected a loading resolved by the loader)", i);
            goto fail;
        }
        pos[l->u] = 0;
    }
    cidx = malloc((nu ? nu : 1) * sizeof *cidx);
    if (!cidx) goto oom;
    for (size_t k = 0; k < nu; k++)
        if (pos[k] == 0) { pos[k] = (int)nc; cidx[nc++] = (int)k; }
    m = gsl_matrix_alloc(nc ? nc : 1, nc ? nc : 1);
    if (!m) goto oom;
    gsl_matrix_set_identity(m);
    if (sc->nloadings && factor_entries(sc, pos, nc, m) != 0) goto oom;
    for (size_t p = 0; p < sc->ncorr; p++) {
        const corr_spec *c = &sc->corr[p];
        double r = 2 * sin(M_PI * c->rho / 6);
        gsl_matrix_set(m, pos[c->a], pos[c->b], r);
        gsl_matrix_set(m, pos[c->b], pos[c->a], r);
    }
    free(pos);
    *cidx_out = cidx;
    *nc_out = nc;
    return m;
oom:
    snprintf(msg, msglen, "out of memory building the correlation matrix (expected to fit)");
fail:
    free(pos);
    free(cidx);
    gsl_matrix_free(m);
    return NULL;
}

/* Append "; factors involved: f, g" (the factors that load a value flagged in inv, every
 * factor when inv is NULL) to the message of name_bad_pairs, which has `used` characters
 * and lists `listed` pairs. Returns the new length. Nothing without factors, so that the
 * message of the first edition stays as it was. */
static size_t name_bad_factors(const scenario *sc, const int *inv, size_t listed, char *msg,
                               size_t msglen, size_t used)
{
    size_t named = 0;
    for (size_t f = 0; f < sc->nfactors; f++) {
        int in = 0;
        for (size_t i = 0; i < sc->nloadings && !in; i++)
            in = sc->loadings[i].f == (int)f && (!inv || inv[sc->loadings[i].u]);
        if (!in || used >= msglen) continue;
        used += snprintf(msg + used, msglen - used, "%s%s", named ? ", " :
                         listed ? "; factors involved: " : "factors involved: ", sc->factors[f].name);
        named++;
    }
    return used;
}

/* Name the pairs behind a matrix that is not positive definite: the correlated values
 * with weight in the eigenvector of the smallest eigenvalue, and the given pairs among
 * them. Unrelated blocks of the matrix have zero weight there and stay out. */
static void name_bad_pairs(const scenario *sc, const int *cidx, size_t nc,
                           const gsl_matrix *pearson, char *msg, size_t msglen)
{
    gsl_matrix *a = gsl_matrix_alloc(nc, nc), *v = gsl_matrix_alloc(nc, nc);
    gsl_vector *ev = gsl_vector_alloc(nc);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(nc);
    int *inv = calloc(sc->nuncertain, sizeof *inv);
    int have = a && v && ev && w && inv;   /* else (out of memory) list every pair */
    size_t used = 0, listed = 0;
    used += snprintf(msg, msglen, "correlations are not positive definite (pairs involved: ");
    if (have) {
        gsl_matrix_memcpy(a, pearson);
        gsl_eigen_symmv(a, ev, v, w);
        gsl_eigen_symmv_sort(ev, v, GSL_EIGEN_SORT_VAL_ASC);
        gsl_vector_view v0 = gsl_matrix_column(v, 0);
        double vmax = gsl_vector_max(&v0.vector), vmin = gsl_vector_min(&v0.vector);
        double big = fmax(fabs(vmax), fabs(vmin));
        for (size_t j = 0; j < nc; j++)
            inv[cidx[j]] = fabs(gsl_vector_get(&v0.vector, j)) > 1e-3 * big;
    }
    for (size_t p = 0; p < sc->ncorr; p++) {
        const corr_spec *c = &sc->corr[p];
        if (have && !(inv[c->a] && inv[c->b])) continue;
        if (used < msglen)
            used += snprintf(msg + used, msglen - used, "%s%s~%s", listed ? ", " : "",
                             sc->uncertain[c->a].keypath, sc->uncertain[c->b].keypath);
        listed++;
    }
    used = name_bad_factors(sc, have ? inv : NULL, listed, msg, msglen, used);
    if (used < msglen)
        snprintf(msg + used, msglen - used, ") (expected a consistent correlation matrix)");
    free(inv);
    gsl_eigen_symmv_free(w);
    gsl_vector_free(ev);
    gsl_matrix_free(v);
    gsl_matrix_free(a);
}

/* A pivot (L_jj^2) this small means a singular matrix that rounding made look
 * positive: sin(pi/6) is below 1/2 in doubles, so rho = 1 would otherwise pass. */
#define PIVOT_MIN 1e-12

static double min_pivot(const gsl_matrix *l)
{
    double m = INFINITY;
    for (size_t j = 0; j < l->size1; j++) {
        double p = gsl_matrix_get(l, j, j) * gsl_matrix_get(l, j, j);
        m = p < m ? p : m;
    }
    return m;
}

/* The copula: the correlated values in groups that share no correlation, each group
 * with the Cholesky factor of its own matrix. With factors, values linked by an
 * explicit pair or by a factor that loads both fall in one group, so that adding a
 * factor cannot move a bit of a group it does not touch (GSL factors matrices above
 * 24 rows blockwise, and the bits of a row would depend on rows of unrelated values).
 * Without factors there is one group of every correlated value: the matrix and the
 * bits of the first edition. */
typedef struct copula_set_s {
    size_t nc, ngroups;
    int *cidx;            /* nc: the correlated values, group by group, ascending within */
    size_t *start;        /* ngroups + 1: group g is cidx[start[g] .. start[g + 1]) */
    gsl_matrix **chol;    /* ngroups: lower triangle = L */
} copula_set;

static void copula_set_free(copula_set *c)
{
    for (size_t g = 0; c->chol && g < c->ngroups; g++) gsl_matrix_free(c->chol[g]);
    free(c->chol);
    free(c->start);
    free(c->cidx);
    memset(c, 0, sizeof *c);
}

static size_t uf_find(size_t *parent, size_t r)
{
    while (parent[r] != r) r = parent[r] = parent[parent[r]];
    return r;
}

/* The root stays the smaller row, so a group's root is its first row. */
static void uf_link(size_t *parent, size_t a, size_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
}

/* Group of each of the nc rows (0, 1, ... in order of first row) into group[]; returns
 * the number of groups, or 0 out of memory. row[k]: matrix row of uncertain value k. */
static size_t group_rows(const scenario *sc, const int *row, size_t nc, size_t *group)
{
    if (sc->nloadings == 0) {   /* the first edition: one matrix */
        for (size_t r = 0; r < nc; r++) group[r] = 0;
        return 1;
    }
    size_t *parent = malloc(nc * sizeof *parent);
    long *first = malloc((sc->nfactors ? sc->nfactors : 1) * sizeof *first);
    if (!parent || !first) {
        free(parent);
        free(first);
        return 0;
    }
    for (size_t r = 0; r < nc; r++) parent[r] = r;
    for (size_t f = 0; f < sc->nfactors; f++) first[f] = -1;
    for (size_t p = 0; p < sc->ncorr; p++)
        uf_link(parent, (size_t)row[sc->corr[p].a], (size_t)row[sc->corr[p].b]);
    for (size_t i = 0; i < sc->nloadings; i++) {
        const loading_spec *l = &sc->loadings[i];
        if (first[l->f] < 0) first[l->f] = row[l->u];
        else uf_link(parent, (size_t)first[l->f], (size_t)row[l->u]);
    }
    size_t ng = 0;
    for (size_t r = 0; r < nc; r++) {   /* a root is its group's first row */
        size_t root = uf_find(parent, r);
        group[r] = root == r ? ng++ : group[root];
    }
    free(parent);
    free(first);
    return ng;
}

/* Rows of group g's values (ascending) out of the whole matrix m into a new matrix. */
static gsl_matrix *group_matrix(const gsl_matrix *m, const size_t *rows, size_t k)
{
    gsl_matrix *g = gsl_matrix_alloc(k, k);
    if (!g) return NULL;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) gsl_matrix_set(g, i, j, gsl_matrix_get(m, rows[i], rows[j]));
    return g;
}

/* The Cholesky factor of one group's matrix gm, or NULL and a message naming what makes
 * it not positive definite (vals: the group's uncertain values). */
static gsl_matrix *group_factor(const scenario *sc, const gsl_matrix *gm, const int *vals,
                                char *msg, size_t msglen)
{
    gsl_matrix *l = gsl_matrix_alloc(gm->size1, gm->size2);
    if (!l) {
        snprintf(msg, msglen, "out of memory building the correlation matrix (expected to fit)");
        return NULL;
    }
    gsl_matrix_memcpy(l, gm);
    /* GSL reports a failed factorisation through its error handler: a bad matrix is a
     * user error here, not a reason to abort. */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(l);
    gsl_set_error_handler(old);
    if (rc != GSL_SUCCESS || min_pivot(l) < PIVOT_MIN) {
        name_bad_pairs(sc, vals, gm->size1, gm, msg, msglen);
        gsl_matrix_free(l);
        return NULL;
    }
    return l;
}

/* Split the correlated values of m (rows = cidx, ascending) into groups and factor each.
 * Takes cidx. 0, or -1 with a message (c is then empty). */
static int copula_groups(const scenario *sc, const gsl_matrix *m, int *cidx, size_t nc,
                         copula_set *c, char *msg, size_t msglen)
{
    size_t nu = sc->nuncertain, ng = 0;
    int *row = malloc((nu ? nu : 1) * sizeof *row);
    size_t *group = malloc(nc * sizeof *group), *rows = malloc(nc * sizeof *rows);
    c->nc = nc;
    c->cidx = malloc(nc * sizeof *c->cidx);
    if (row && group && rows && c->cidx) {
        for (size_t r = 0; r < nc; r++) row[cidx[r]] = (int)r;
        ng = group_rows(sc, row, nc, group);
    }
    c->start = calloc(ng + 1, sizeof *c->start);
    c->chol = calloc(ng ? ng : 1, sizeof *c->chol);
    int rc = ng && c->start && c->chol ? 0 : -1;
    if (rc) snprintf(msg, msglen, "out of memory building the correlation matrix (expected to fit)");
    else c->ngroups = ng;
    for (size_t g = 0, k = 0; rc == 0 && g < ng; g++) {   /* group by group, rows ascending */
        size_t first = k;
        for (size_t r = 0; r < nc; r++)
            if (group[r] == g) {
                rows[k - first] = r;
                c->cidx[k++] = cidx[r];
            }
        c->start[g + 1] = k;
        gsl_matrix *gm = group_matrix(m, rows, k - first);
        c->chol[g] = gm ? group_factor(sc, gm, c->cidx + first, msg, msglen) : NULL;
        if (!gm) snprintf(msg, msglen, "out of memory building the correlation matrix (expected to fit)");
        if (!c->chol[g]) rc = -1;
        gsl_matrix_free(gm);
    }
    free(row);
    free(group);
    free(rows);
    free(cidx);
    if (rc) copula_set_free(c);
    return rc;
}

/* The copula of sc into c: 0, or -1 with a message. No correlations: no groups. */
static int copula_build(const scenario *sc, copula_set *c, char *msg, size_t msglen)
{
    int *cidx = NULL;
    size_t nc = 0;
    memset(c, 0, sizeof *c);
    gsl_matrix *m = pearson_matrix(sc, &cidx, &nc, msg, msglen);
    if (!m) return -1;
    int rc = 0;
    if (nc) rc = copula_groups(sc, m, cidx, nc, c, msg, msglen);
    else free(cidx);
    gsl_matrix_free(m);
    return rc;
}

int sample_check_correlations(const scenario *sc, char *msg, size_t msglen)
{
    copula_set c;
    if (msglen) msg[0] = '\0';
    if (copula_build(sc, &c, msg, msglen) != 0) return -1;
    copula_set_free(&c);
    return 0;
}

/* ---- sampler ---- */

/* The Gaussian copula on one path's uniforms, group by group; z is nc scratch. */
static void copula(const sampler *s, double *u, double *z)
{
    const copula_set *c = s->cop;
    for (size_t g = 0; g < c->ngroups; g++) {
        const int *idx = c->cidx + c->start[g];
        size_t k = c->start[g + 1] - c->start[g];
        for (size_t j = 0; j < k; j++) z[j] = gsl_cdf_ugaussian_Pinv(u[idx[j]]);
        gsl_vector_view zv = gsl_vector_view_array(z, k);
        gsl_blas_dtrmv(CblasLower, CblasNoTrans, CblasNonUnit, c->chol[g], &zv.vector);
        for (size_t j = 0; j < k; j++) u[idx[j]] = clamp_u(gsl_cdf_ugaussian_P(z[j]));
    }
}

/* Ranks of the key paths in strcmp order (ties cannot happen: key paths are unique;
 * index order breaks them anyway). */
static int *keypath_ranks(const scenario *sc)
{
    size_t nu = sc->nuncertain;
    int *rank = malloc(nu * sizeof *rank);
    if (!rank) return NULL;
    for (size_t k = 0; k < nu; k++) {
        int r = 0;
        for (size_t j = 0; j < nu; j++) {
            int c = strcmp(sc->uncertain[j].keypath, sc->uncertain[k].keypath);
            r += c < 0 || (c == 0 && j < k);
        }
        rank[k] = r;
    }
    return rank;
}

static int sobol_setup(sampler *s)
{
    const scenario *sc = s->sc;
    size_t maxd = gsl_qrng_sobol->max_dimension;
    s->qdim = s->nu < maxd ? s->nu : maxd;
    s->sdim = keypath_ranks(sc);
    s->shift = malloc(SAMPLE_REPLICATES * s->nu * sizeof *s->shift);
    s->qpoint = calloc(s->qdim, sizeof *s->qpoint);
    s->qprev = calloc(s->qdim, sizeof *s->qprev);
    s->q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)s->qdim);
    if (!s->sdim || !s->shift || !s->qpoint || !s->qprev || !s->q) return -1;
    for (size_t k = 0; k < s->nu; k++) {
        if ((size_t)s->sdim[k] >= s->qdim) s->sdim[k] = -1;
        for (uint64_t r = 0; r < SAMPLE_REPLICATES; r++) {
            uint64_t w = side_words(sc->seed, sc->uncertain[k].stream, SIDE_SOBOL, 0, r).v[0];
            s->shift[r * s->nu + k] = ((double)(w >> 11) + 0.5) * 0x1p-53;
        }
    }
    return 0;
}

sampler *sampler_alloc(const scenario *sc, uint64_t npaths, char *msg, size_t msglen)
{
    sampler *s = calloc(1, sizeof *s);
    if (msglen) msg[0] = '\0';
    if (!s) {
        snprintf(msg, msglen, "out of memory allocating the sampler (expected to fit)");
        return NULL;
    }
    s->sc = sc;
    s->npaths = npaths;
    s->nu = sc->nuncertain;
    s->kind = sc->sampling;
    s->group = sc->antithetic ? 2 : 1;
    s->qt = calloc(s->nu ? s->nu : 1, sizeof *s->qt);
    s->qts = qtable_set_alloc();
    int qerr = !s->qt || !s->qts;
    for (size_t k = 0; !qerr && k < s->nu; k++)
        s->qt[k] = qtable_set_get(s->qts, &sc->uncertain[k].dist, &qerr);
    if (qerr) {
        snprintf(msg, msglen, "out of memory allocating the sampler (expected to fit)");
        sampler_free(s);
        return NULL;
    }
    s->cop = malloc(sizeof *s->cop);
    if (!s->cop || copula_build(sc, s->cop, msg, msglen) != 0) {
        if (!s->cop) snprintf(msg, msglen, "out of memory allocating the sampler (expected to fit)");
        free(s->cop);   /* copula_build frees what it built when it fails */
        s->cop = NULL;
        sampler_free(s);
        return NULL;
    }
    if (s->kind == SAMPLING_SOBOL && s->nu > 0 && sobol_setup(s) != 0) {
        snprintf(msg, msglen, "out of memory allocating the Sobol sequence (expected to fit)");
        sampler_free(s);
        return NULL;
    }
    return s;
}

void sampler_free(sampler *s)
{
    if (!s) return;
    gsl_qrng_free(s->q);
    free(s->qpoint);
    free(s->qprev);
    free(s->sdim);
    free(s->shift);
    if (s->cop) copula_set_free(s->cop);
    free(s->cop);
    free(s->ubuf);
    qtable_set_free(s->qts);
    free(s->qt);
    free(s);
}

/* The uniforms buffer: the caller's, or the sampler's own scratch. */
static double *uniform_buffer(sampler *s, size_t len, double *given)
{
    if (given) return given;
    return grow_array(&s->ubuf, &s->ubuf_len, len, sizeof *s->ubuf, len) == 0 ? s->ubuf : NULL;
}

unsigned sampler_replicates(const sampler *s)
{
    return s->kind == SAMPLING_LHS || s->kind == SAMPLING_SOBOL ? SAMPLE_REPLICATES : 1;
}

unsigned sampler_replicate_group(const sampler *s)
{
    return (unsigned)s->group;
}

size_t sampler_scratch_len(const sampler *s)
{
    return s->cop->nc ? s->cop->nc : 1;
}

double *sampler_begin(sampler *s, uint64_t first, size_t n, double *uniforms)
{
    if (n == 0 || s->nu == 0) return uniforms;
    double *u = uniform_buffer(s, n * s->nu, uniforms);
    if (u && s->q) sobol_fill(s, first, n, u);
    return u;
}

void sampler_rows(const sampler *s, uint64_t first, size_t r0, size_t r1, double *u, double *values, double *z)
{
    size_t nu = s->nu;
    for (size_t r = r0; r < r1 && nu; r++) {
        double *ur = u + r * nu;
        path_uniforms(s, first + r, ur);
        copula(s, ur, z);
        for (size_t k = 0; values && k < nu; k++)
            values[r * nu + k] = qtable_quantile(s->qt[k], &s->sc->uncertain[k].dist, ur[k]);
    }
}

void sampler_fill(sampler *s, uint64_t first, size_t n, double *values, double *uniforms)
{
    size_t nu = s->nu;
    if (n == 0 || nu == 0) return;
    double *u = sampler_begin(s, first, n, uniforms);
    if (!u) {
        /* no scratch: leave NaN so that a failed allocation cannot pass unnoticed */
        for (size_t i = 0; values && i < n * nu; i++) values[i] = NAN;
        return;
    }
    #pragma omp parallel
    {
        double *z = malloc(sampler_scratch_len(s) * sizeof *z);
        #pragma omp for schedule(static)
        for (size_t r = 0; r < n; r++) {
            if (z) sampler_rows(s, first, r, r + 1, u, values, z);
            else for (size_t k = 0; values && k < nu; k++) values[r * nu + k] = NAN;
        }
        free(z);
    }
}
