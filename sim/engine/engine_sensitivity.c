/* engine_sensitivity: see engine_sensitivity.h. */
#include "engine_sensitivity.h"

#include <math.h>
#include <omp.h>

int eng_sens_spill(const engine *e, variant_run *r, const batch_buf *b, size_t n)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n;
    for (size_t i = 0; i < n; i++) {
        const double *tot = b->urows + i * e->U.row_len + e->U.total_off[0];
        if (fwrite(tot, sizeof *tot, nt, r->spill) != nt) return -1;
        if (fwrite(b->yrows + i * ny, sizeof(double), ny, r->spill) != ny) return -1;
        if (np && fwrite(b->uuniforms + i * np, sizeof(double), np, r->spill) != np) return -1;
    }
    return 0;
}

enum { CDF_ROWS = 64 };   /* rows per work item of the CDF look-ups */

/* Pearson correlation of the totals' mid-rank CDF values (from the final sketches) with
 * the uniforms of the sampled values (their exact CDF values). */
int eng_sens_rank_corr(const engine *e, variant_run *r, uint64_t npaths, double *rc)
{
    size_t nt = e->U.ntotals, ny = 2 * (size_t)e->nyears, np = e->params.n, rec = nt + ny + np;
    double *buf = eng_alloc_doubles(ENGINE_BATCH * rec), *a = eng_alloc_doubles(ENGINE_BATCH * (nt + ny));
    corr_acc *c = corr_acc_alloc(nt + ny, np);
    /* each total's final distribution as one table: a binary search per look-up */
    stats_cdf_table **tab = calloc(nt + ny, sizeof *tab);
    int status = -1;
    if (!buf || !a || !c || !tab) goto done;
    int built = 1;   /* each table sorts a sketch's items: in parallel */
#pragma omp parallel for schedule(dynamic, 1) reduction(&& : built)
    for (size_t k = 0; k < nt + ny; k++) {
        tab[k] = k < nt ? stats_cdf_table_alloc(r->st, e->U.total_off[0] + k)
                        : stats_cdf_table_alloc(r->yst, k - nt);
        built = built && tab[k];
    }
    if (!built) goto done;
    rewind(r->spill);
    for (uint64_t first = 0; first < npaths; first += ENGINE_BATCH) {
        size_t n = npaths - first < ENGINE_BATCH ? (size_t)(npaths - first) : ENGINE_BATCH;
        if (fread(buf, sizeof(double), n * rec, r->spill) != n * rec) goto done;
        /* The CDF look-ups are independent: in parallel, each thread on its own rows (split
         * by table, two threads would write the same cache lines of a), one table at a
         * time within a block of rows. The sums then run in path order. */
        size_t nblk = (n + CDF_ROWS - 1) / CDF_ROWS;
#pragma omp parallel for schedule(static)
        for (size_t blk = 0; blk < nblk; blk++) {
            size_t i0 = blk * CDF_ROWS, m = n - i0 < CDF_ROWS ? n - i0 : CDF_ROWS;
            for (size_t k = 0; k < nt + ny; k++)
                stats_cdf_table_eval_many(tab[k], buf + i0 * rec + k, rec, m, a + i0 * (nt + ny) + k, nt + ny);
        }
        corr_acc_add_rows(c, a, nt + ny, buf + nt + ny, rec, n);
    }
    corr_acc_result(c, rc);
    status = 0;
done:
    for (size_t k = 0; tab && k < nt + ny; k++) stats_cdf_table_free(tab[k]);
    free(tab);
    free(buf);
    free(a);
    corr_acc_free(c);
    return status;
}

int eng_sens_sobol(const engine *e, size_t v, double *all)
{
    const variant_run *r = &e->vr[v];
    size_t nt = r->L.ntotals, nu = r->nu, NT = e->U.ntotals, NP = e->params.n;
    double *own = eng_alloc_doubles(4 * nt * nu);
    if (!own) return -1;
    sobol_acc_result(r->sobol, own, own + nt * nu, own + 2 * nt * nu, own + 3 * nt * nu);
    for (size_t i = 0; i < 4 * NT * NP; i++) all[i] = NAN;
    for (size_t q = 0; q < 4; q++)
        for (size_t k = 0; k < nt; k++) {
            size_t K = r->row_map ? r->row_map[r->L.total_off[0] + k] - e->U.total_off[0] : k;
            for (size_t j = 0; j < nu; j++)
                all[q * NT * NP + K * NP + r->param_map[j]] = own[q * nt * nu + k * nu + j];
        }
    free(own);
    return 0;
}
