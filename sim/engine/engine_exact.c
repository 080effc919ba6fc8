/* engine_exact: see engine_exact.h. */
#include "engine_exact.h"

#include <stdlib.h>

/* Columns [c0, c0 + nc) of the common totals (c >= nt: the difference of total c - nt
 * from variant 0's) into cols[j * n ...], reading the spills of v (and 0) in batches. */
static int read_columns(const engine *e, size_t v, size_t c0, size_t nc, uint64_t n, double *cols,
                        double *buf, double *base)
{
    size_t nt = e->U.ntotals, rec = nt + 2 * (size_t)e->nyears + e->params.n;
    FILE *fs = e->vr[v].spill, *f0 = e->vr[0].spill;
    int need0 = c0 + nc > nt;
    rewind(fs);
    if (need0) rewind(f0);
    for (uint64_t first = 0; first < n; first += ENGINE_BATCH) {
        size_t m = n - first < ENGINE_BATCH ? (size_t)(n - first) : ENGINE_BATCH;
        if (fread(buf, sizeof(double), m * rec, fs) != m * rec) return -1;
        if (need0 && fread(base, sizeof(double), m * rec, f0) != m * rec) return -1;
        for (size_t j = 0; j < nc; j++) {
            size_t c = c0 + j;
            double *dst = cols + j * (size_t)n + first;
            if (c < nt)
                for (size_t i = 0; i < m; i++) dst[i] = buf[i * rec + c];
            else   /* the same subtraction as the paired differences (stats_add_diff_rows) */
                for (size_t i = 0; i < m; i++) dst[i] = buf[i * rec + c - nt] - base[i * rec + c - nt];
        }
    }
    return 0;
}

int eng_exact_totals(const engine *e, size_t v, exact_stats *out, exact_stats *dout)
{
    size_t nt = e->U.ntotals, rec = nt + 2 * (size_t)e->nyears + e->params.n;
    size_t ncol = nt * (v >= 1 && dout ? 2 : 1);
    uint64_t n = e->done;
    if (ncol == 0) return 0;
    size_t per = n ? ENGINE_EXACT_BYTES / (sizeof(double) * (size_t)n) : ncol;
    if (per < 1) per = 1;
    if (per > ncol) per = ncol;
    double *cols = eng_alloc_doubles(per * (size_t)n), *buf = eng_alloc_doubles(ENGINE_BATCH * rec),
           *base = eng_alloc_doubles(ENGINE_BATCH * rec);
    int status = -1;
    if (!cols || !buf || !base) goto done;
    for (size_t c0 = 0; c0 < ncol; c0 += per) {
        size_t nc = ncol - c0 < per ? ncol - c0 : per;
        if (read_columns(e, v, c0, nc, n, cols, buf, base) != 0) goto done;
        /* each column sorted and summarised on its own: in parallel, the same bits */
#pragma omp parallel for schedule(dynamic, 1)
        for (size_t j = 0; j < nc; j++) {
            size_t c = c0 + j;
            exact_column(cols + j * (size_t)n, (size_t)n, c < nt ? &out[c] : &dout[c - nt]);
        }
    }
    status = 0;
done:
    free(cols);
    free(buf);
    free(base);
    return status;
}
