/* sensitivity: see sensitivity.h. Sums are of values shifted by the first sample seen
 * (or, for sobol_acc, by a shift fixed in advance: sobol_acc_set_shift), so that
 * variances of large amounts (USD 1e11) with a small spread keep their digits. */
#include "sensitivity.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct corr_acc {
    size_t nx, ny;
    double *n;                /* ny: samples with y_j present */
    double *x0, *y0;          /* shifts */
    double *sx, *sxx;         /* ny x nx: sums of x_i over samples where y_j present */
    double *sy, *syy;         /* ny */
    double *sxy;              /* ny x nx (by y, like sx and sxx: the inner loop runs along x) */
    int started;
};

corr_acc *corr_acc_alloc(size_t nx, size_t ny)
{
    corr_acc *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    size_t m = nx * ny + 1;
    c->nx = nx;
    c->ny = ny;
    c->n = calloc(ny + 1, sizeof *c->n);
    c->x0 = calloc(nx + 1, sizeof *c->x0);
    c->y0 = calloc(ny + 1, sizeof *c->y0);
    c->sx = calloc(m, sizeof *c->sx);
    c->sxx = calloc(m, sizeof *c->sxx);
    c->sy = calloc(ny + 1, sizeof *c->sy);
    c->syy = calloc(ny + 1, sizeof *c->syy);
    c->sxy = calloc(m, sizeof *c->sxy);
    if (!c->n || !c->x0 || !c->y0 || !c->sx || !c->sxx || !c->sy || !c->syy || !c->sxy) {
        corr_acc_free(c);
        return NULL;
    }
    return c;
}

void corr_acc_free(corr_acc *c)
{
    if (!c) return;
    free(c->n); free(c->x0); free(c->y0); free(c->sx); free(c->sxx);
    free(c->sy); free(c->syy); free(c->sxy);
    free(c);
}

/* Sample r's x and y (r = 0 also fixes the shifts, on the first call). */
static void corr_start(corr_acc *c, const double *x, const double *y)
{
    if (c->started) return;
    for (size_t i = 0; i < c->nx; i++) c->x0[i] = x[i];
    for (size_t j = 0; j < c->ny; j++) c->y0[j] = isnan(y[j]) ? 0.0 : y[j];
    c->started = 1;
}

/* The sums of y_j over rows [0, n), in row order. */
static void corr_add_y(corr_acc *c, size_t j, const double *x, size_t xs, const double *y,
                       size_t ys, size_t n)
{
    double *restrict sx = c->sx + j * c->nx, *restrict sxx = c->sxx + j * c->nx;
    double *restrict sxy = c->sxy + j * c->nx;
    const double *restrict x0 = c->x0;
    /* y_j's own sums in registers: the neighbours' share cache lines with them */
    double cnt = c->n[j], sy = c->sy[j], syy = c->syy[j], y0 = c->y0[j];
    for (size_t r = 0; r < n; r++) {
        double yj = y[r * ys + j];
        if (isnan(yj)) continue;
        const double *restrict xr = x + r * xs;
        double dy = yj - y0;
        cnt += 1;
        sy += dy;
        syy += dy * dy;
#pragma omp simd
        for (size_t i = 0; i < c->nx; i++) {
            double dx = xr[i] - x0[i];
            sx[i] += dx;
            sxx[i] += dx * dx;
            sxy[i] += dx * dy;
        }
    }
    c->n[j] = cnt;
    c->sy[j] = sy;
    c->syy[j] = syy;
}

void corr_acc_add(corr_acc *c, const double *x, const double *y)
{
    corr_start(c, x, y);
    for (size_t j = 0; j < c->ny; j++) corr_add_y(c, j, x, 0, y, 0, 1);
}

void corr_acc_add_rows(corr_acc *c, const double *x, size_t xstride, const double *y,
                       size_t ystride, size_t n)
{
    if (n == 0) return;
    corr_start(c, x, y);
    /* Each y_j's sums are its own: in parallel over j, each in row order (the same bits
     * as n calls of corr_acc_add, for any thread count). */
#pragma omp parallel for schedule(static) if (n * c->nx * c->ny >= 65536)
    for (size_t j = 0; j < c->ny; j++) corr_add_y(c, j, x, xstride, y, ystride, n);
}

void corr_acc_result(const corr_acc *c, double *r)
{
    for (size_t j = 0; j < c->ny; j++) {
        double n = c->n[j];
        double vy = c->syy[j] - c->sy[j] * c->sy[j] / n;
        for (size_t i = 0; i < c->nx; i++) {
            double sx = c->sx[j * c->nx + i];
            double vx = c->sxx[j * c->nx + i] - sx * sx / n;
            double cov = c->sxy[j * c->nx + i] - sx * c->sy[j] / n;
            if (n < 2) r[i * c->ny + j] = NAN;
            else if (!(vx > 1e-13 * c->sxx[j * c->nx + i]) || !(vy > 1e-13 * c->syy[j])) r[i * c->ny + j] = 0.0;
            else r[i * c->ny + j] = cov / sqrt(vx * vy);
        }
    }
}

/* Per output k the sums over base samples of p = a + b and q = a^2 + b^2 (a = f(A) - f0,
 * b = f(B) - f0) and of their squares and product; per (k, j) of each index's term y
 * (y1 = b (ab - a) first order, y2 total) its square and its products with p and q, and
 * for the first order the sums of d = ab - a, its square and its products with y1, p, q.
 * These are the moments of the centred first-order numerator and of the delta-method
 * intervals (sobol_acc_result). */
enum { SO_F0, SO_P, SO_Q, SO_PP, SO_QQ, SO_PQ, SO_NOUT };
enum { SI_Y1, SI_Y11, SI_Y1P, SI_Y1Q, SI_D, SI_DD, SI_DY1, SI_DP, SI_DQ,
       SI_YT, SI_YTT, SI_YTP, SI_YTQ, SI_N };

struct sobol_acc {
    size_t nout, np;
    double n;
    int fixed;                /* f0 was set by sobol_acc_set_shift: keep it */
    double *o[SO_NOUT];       /* nout each: f0 (the shift), then the sums above */
    double *t[SI_N];          /* nout x np each: [k * np + j] */
};

sobol_acc *sobol_acc_alloc(size_t nout, size_t nparams)
{
    sobol_acc *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t m = nout * nparams + 1;
    s->nout = nout;
    s->np = nparams;
    int ok = 1;
    for (int a = 0; a < SO_NOUT; a++) ok &= (s->o[a] = calloc(nout + 1, sizeof *s->o[a])) != NULL;
    for (int a = 0; a < SI_N; a++) ok &= (s->t[a] = calloc(m, sizeof *s->t[a])) != NULL;
    if (!ok) {
        sobol_acc_free(s);
        return NULL;
    }
    return s;
}

void sobol_acc_free(sobol_acc *s)
{
    if (!s) return;
    for (int a = 0; a < SO_NOUT; a++) free(s->o[a]);
    for (int a = 0; a < SI_N; a++) free(s->t[a]);
    free(s);
}

void sobol_acc_add(sobol_acc *s, const double *fa, const double *fb, const double *fab)
{
    double *f0 = s->o[SO_F0];
    if (s->n == 0 && !s->fixed)
        for (size_t k = 0; k < s->nout; k++) f0[k] = fa[k];
    s->n += 1;
    for (size_t k = 0; k < s->nout; k++) {
        double a = fa[k] - f0[k], b = fb[k] - f0[k];
        double p = a + b, q = a * a + b * b;
        s->o[SO_P][k] += p;
        s->o[SO_Q][k] += q;
        s->o[SO_PP][k] += p * p;
        s->o[SO_QQ][k] += q * q;
        s->o[SO_PQ][k] += p * q;
        for (size_t j = 0; j < s->np; j++) {
            double ab = fab[j * s->nout + k] - f0[k];
            double y1 = b * (ab - a);          /* shift-invariant in expectation */
            double y2 = 0.5 * (a - ab) * (a - ab);
            size_t i = k * s->np + j;
            s->t[SI_Y1][i] += y1;
            s->t[SI_Y11][i] += y1 * y1;
            s->t[SI_Y1P][i] += y1 * p;
            s->t[SI_Y1Q][i] += y1 * q;
            double d = ab - a;
            s->t[SI_D][i] += d;
            s->t[SI_DD][i] += d * d;
            s->t[SI_DY1][i] += d * y1;
            s->t[SI_DP][i] += d * p;
            s->t[SI_DQ][i] += d * q;
            s->t[SI_YT][i] += y2;
            s->t[SI_YTT][i] += y2 * y2;
            s->t[SI_YTP][i] += y2 * p;
            s->t[SI_YTQ][i] += y2 * q;
        }
    }
}

/* An index and its 95% half-width from n base samples: numerator N = y-bar - p-bar d-bar / 2
 * over V = q-bar / 2 - p-bar^2 / 4 (bars: means over base samples). For the first order,
 * y = b (ab - a) and d = ab - a: N is Saltelli's mean(f(B) (f(AB_j) - f(A))) with f(B)
 * centred on the sample mean p-bar / 2 of f, which makes it exactly invariant to the
 * shift f0. (Uncentred, it carries f0 (E f(AB_j) - E f(A)), which is not 0 when the
 * copula makes AB_j's inputs distributed unlike A's: with path 0's f(A) as f0, a random
 * offset per seed, the first-order indices of the correlated demand growths of the
 * built-in scenario spread 8-12 times their intervals across seeds.) For the total
 * order, y = (a - ab)^2 / 2, already invariant, and d = 0. The half-width is 1.96 times
 * the delta-method standard error of N / V in the means of (y, d, p, q): gradient
 *   (1 / V, -p-bar / (2V), -d-bar / (2V) + N p-bar / (2V^2), -N / (2V^2)),
 * covariances from the sums; V's own error enters through the last two terms (leaving it
 * out, as capsim once did, made the intervals of the Ishigami total index of x2 cover 84%
 * of the time at nominal 95%: tests/test_sensitivity.c). */
static void sobol_index(double n, const double *const t[SI_N], size_t i, int first_order,
                        const double *const o[SO_NOUT], size_t k, double *index, double *half)
{
    double sy, syy, syp, syq, sd = 0, sdd = 0, sdy = 0, sdp = 0, sdq = 0;
    if (first_order) {
        sy = t[SI_Y1][i]; syy = t[SI_Y11][i]; syp = t[SI_Y1P][i]; syq = t[SI_Y1Q][i];
        sd = t[SI_D][i]; sdd = t[SI_DD][i]; sdy = t[SI_DY1][i]; sdp = t[SI_DP][i]; sdq = t[SI_DQ][i];
    } else {
        sy = t[SI_YT][i]; syy = t[SI_YTT][i]; syp = t[SI_YTP][i]; syq = t[SI_YTQ][i];
    }
    /* means and second moments of x = (y, d, p, q) */
    double m[4] = { sy / n, sd / n, o[SO_P][k] / n, o[SO_Q][k] / n };
    double e2[4][4] = {
        { syy, sdy, syp, syq },
        { sdy, sdd, sdp, sdq },
        { syp, sdp, o[SO_PP][k], o[SO_PQ][k] },
        { syq, sdq, o[SO_PQ][k], o[SO_QQ][k] },
    };
    double v = m[3] / 2 - m[2] * m[2] / 4, num = m[0] - m[2] * m[1] / 2;
    if (!(n >= 2 && v > 0)) {
        *index = *half = NAN;
        return;
    }
    double g[4] = { 1 / v, -m[2] / (2 * v), -m[1] / (2 * v) + num * m[2] / (2 * v * v), -num / (2 * v * v) };
    double var = 0;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) var += g[r] * g[c] * (e2[r][c] / n - m[r] * m[c]);
    *index = num / v;
    *half = STATS_Z95 * sqrt(fmax(0.0, var) / n);
}

void sobol_acc_result(const sobol_acc *s, double *first, double *total, double *first_ci, double *total_ci)
{
    const double *const *t = (const double *const *)s->t, *const *o = (const double *const *)s->o;
    for (size_t k = 0; k < s->nout; k++)
        for (size_t j = 0; j < s->np; j++) {
            size_t i = k * s->np + j;
            sobol_index(s->n, t, i, 1, o, k, &first[i], &first_ci[i]);
            sobol_index(s->n, t, i, 0, o, k, &total[i], &total_ci[i]);
        }
}

void sobol_acc_set_shift(sobol_acc *s, const double *f0)
{
    for (size_t k = 0; k < s->nout; k++) s->o[SO_F0][k] = f0[k];
    s->fixed = 1;
}

static void sobol_zero(sobol_acc *s)
{
    size_t m = s->nout * s->np;
    s->n = 0;
    for (int a = SO_F0 + 1; a < SO_NOUT; a++) memset(s->o[a], 0, s->nout * sizeof *s->o[a]);
    for (int a = 0; a < SI_N; a++) memset(s->t[a], 0, m * sizeof *s->t[a]);
}

void sobol_acc_reset(sobol_acc *s)
{
    sobol_zero(s);
}

int sobol_acc_merge(sobol_acc *into, const sobol_acc *from)
{
    if (into->nout != from->nout || into->np != from->np || !into->fixed || !from->fixed ||
        memcmp(into->o[SO_F0], from->o[SO_F0], into->nout * sizeof *into->o[SO_F0]) != 0)
        return -1;
    size_t m = into->nout * into->np;
    into->n += from->n;
    for (int a = SO_F0 + 1; a < SO_NOUT; a++)
        for (size_t k = 0; k < into->nout; k++) into->o[a][k] += from->o[a][k];
    for (int a = 0; a < SI_N; a++)
        for (size_t i = 0; i < m; i++) into->t[a][i] += from->t[a][i];
    return 0;
}

/* Words: a tag, nout, np, fixed, n, then the SO_NOUT per-output arrays (nout each) and
 * the SI_N per-index arrays (nout x np each), in enum order, doubles as their bit
 * patterns. Tag 2: the sums of the centred first order and of the delta-method
 * intervals were added. */
#define SOBOL_TAG UINT64_C(0x324c4f42534d4143) /* "CAMSBOL2" in little-endian bytes */

size_t sobol_acc_save_words(const sobol_acc *s)
{
    return 5 + SO_NOUT * s->nout + SI_N * s->nout * s->np;
}

void sobol_acc_save(const sobol_acc *s, uint64_t *w)
{
    size_t m = s->nout * s->np;
    w[0] = SOBOL_TAG;
    w[1] = s->nout;
    w[2] = s->np;
    w[3] = (uint64_t)s->fixed;
    memcpy(w + 4, &s->n, sizeof s->n);
    w += 5;
    for (int a = 0; a < SO_NOUT; a++, w += s->nout) memcpy(w, s->o[a], s->nout * sizeof *w);
    for (int a = 0; a < SI_N; a++, w += m) memcpy(w, s->t[a], m * sizeof *w);
}

int sobol_acc_load(sobol_acc *s, const uint64_t *w, size_t nwords)
{
    if (!s || !w || nwords != sobol_acc_save_words(s) || w[0] != SOBOL_TAG || w[1] != s->nout ||
        w[2] != s->np || w[3] > 1)
        return -1;
    size_t m = s->nout * s->np;
    s->fixed = (int)w[3];
    memcpy(&s->n, w + 4, sizeof s->n);
    w += 5;
    for (int a = 0; a < SO_NOUT; a++, w += s->nout) memcpy(s->o[a], w, s->nout * sizeof *w);
    for (int a = 0; a < SI_N; a++, w += m) memcpy(s->t[a], w, m * sizeof *w);
    return 0;
}
