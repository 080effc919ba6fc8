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

struct sobol_acc {
    size_t nout, np;
    double n;
    int fixed;                /* f0 was set by sobol_acc_set_shift: keep it */
    double *f0;               /* nout: shift */
    double *sf, *sff;         /* nout: over A and B */
    double *s1, *s11;         /* nout x np: first-order terms and squares */
    double *st, *stt;         /* nout x np: total-effect terms and squares */
};

sobol_acc *sobol_acc_alloc(size_t nout, size_t nparams)
{
    sobol_acc *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t m = nout * nparams + 1;
    s->nout = nout;
    s->np = nparams;
    s->f0 = calloc(nout + 1, sizeof *s->f0);
    s->sf = calloc(nout + 1, sizeof *s->sf);
    s->sff = calloc(nout + 1, sizeof *s->sff);
    s->s1 = calloc(m, sizeof *s->s1);
    s->s11 = calloc(m, sizeof *s->s11);
    s->st = calloc(m, sizeof *s->st);
    s->stt = calloc(m, sizeof *s->stt);
    if (!s->f0 || !s->sf || !s->sff || !s->s1 || !s->s11 || !s->st || !s->stt) {
        sobol_acc_free(s);
        return NULL;
    }
    return s;
}

void sobol_acc_free(sobol_acc *s)
{
    if (!s) return;
    free(s->f0); free(s->sf); free(s->sff); free(s->s1); free(s->s11); free(s->st); free(s->stt);
    free(s);
}

void sobol_acc_add(sobol_acc *s, const double *fa, const double *fb, const double *fab)
{
    if (s->n == 0 && !s->fixed)
        for (size_t k = 0; k < s->nout; k++) s->f0[k] = fa[k];
    s->n += 1;
    for (size_t k = 0; k < s->nout; k++) {
        double a = fa[k] - s->f0[k], b = fb[k] - s->f0[k];
        s->sf[k] += a + b;
        s->sff[k] += a * a + b * b;
        for (size_t j = 0; j < s->np; j++) {
            double ab = fab[j * s->nout + k] - s->f0[k];
            double y1 = b * (ab - a);          /* shift-invariant in expectation */
            double y2 = 0.5 * (a - ab) * (a - ab);
            size_t i = k * s->np + j;
            s->s1[i] += y1;
            s->s11[i] += y1 * y1;
            s->st[i] += y2;
            s->stt[i] += y2 * y2;
        }
    }
}

void sobol_acc_result(const sobol_acc *s, double *first, double *total, double *first_ci, double *total_ci)
{
    double n = s->n;
    for (size_t k = 0; k < s->nout; k++) {
        double m = 2 * n, mean = s->sf[k] / m;
        double v = s->sff[k] / m - mean * mean;
        for (size_t j = 0; j < s->np; j++) {
            size_t i = k * s->np + j;
            double m1 = s->s1[i] / n, mt = s->st[i] / n;
            double sd1 = sqrt(fmax(0.0, s->s11[i] / n - m1 * m1));
            double sdt = sqrt(fmax(0.0, s->stt[i] / n - mt * mt));
            int ok = n >= 2 && v > 0;
            first[i] = ok ? m1 / v : NAN;
            total[i] = ok ? mt / v : NAN;
            first_ci[i] = ok ? STATS_Z95 * sd1 / sqrt(n) / v : NAN;
            total_ci[i] = ok ? STATS_Z95 * sdt / sqrt(n) / v : NAN;
        }
    }
}

void sobol_acc_set_shift(sobol_acc *s, const double *f0)
{
    for (size_t k = 0; k < s->nout; k++) s->f0[k] = f0[k];
    s->fixed = 1;
}

static void sobol_zero(sobol_acc *s)
{
    size_t m = s->nout * s->np;
    s->n = 0;
    for (size_t k = 0; k < s->nout; k++) s->sf[k] = s->sff[k] = 0.0;
    for (size_t i = 0; i < m; i++) s->s1[i] = s->s11[i] = s->st[i] = s->stt[i] = 0.0;
}

void sobol_acc_reset(sobol_acc *s)
{
    sobol_zero(s);
}

int sobol_acc_merge(sobol_acc *into, const sobol_acc *from)
{
    if (into->nout != from->nout || into->np != from->np || !into->fixed || !from->fixed ||
        memcmp(into->f0, from->f0, into->nout * sizeof *into->f0) != 0)
        return -1;
    size_t m = into->nout * into->np;
    into->n += from->n;
    for (size_t k = 0; k < into->nout; k++) {
        into->sf[k] += from->sf[k];
        into->sff[k] += from->sff[k];
    }
    for (size_t i = 0; i < m; i++) {
        into->s1[i] += from->s1[i];
        into->s11[i] += from->s11[i];
        into->st[i] += from->st[i];
        into->stt[i] += from->stt[i];
    }
    return 0;
}

/* Words: a tag, nout, np, fixed, n, then f0, sf, sff (nout each), s1, s11, st, stt
 * (nout x np each), doubles as their bit patterns. */
#define SOBOL_TAG UINT64_C(0x314c4f42534d4143) /* "CAMSBOL1" in little-endian bytes */

size_t sobol_acc_save_words(const sobol_acc *s)
{
    return 5 + 3 * s->nout + 4 * s->nout * s->np;
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
    const double *arr[7] = { s->f0, s->sf, s->sff, s->s1, s->s11, s->st, s->stt };
    for (int a = 0; a < 7; a++) {
        size_t len = a < 3 ? s->nout : m;
        memcpy(w, arr[a], len * sizeof *w);
        w += len;
    }
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
    double *arr[7] = { s->f0, s->sf, s->sff, s->s1, s->s11, s->st, s->stt };
    for (int a = 0; a < 7; a++) {
        size_t len = a < 3 ? s->nout : m;
        memcpy(arr[a], w, len * sizeof *w);
        w += len;
    }
    return 0;
}
