/* evaluate: see evaluate.h. */
#include "evaluate.h"

#include "models/model.h"
#include "sim/random/qtable.h"
#include "sim/scenario/sample.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define EVAL_BATCH 8192   /* paths per parallel loop: few barriers (a path of a short horizon is cheap) */

int opt_eval(const scenario *sc, uint64_t npaths, int threads, const int *totals, size_t nt, double *out,
             void (*done_paths)(void *ctx, uint64_t n), void *ctx, char *err, size_t errlen)
{
    int nth = threads > 0 ? threads : omp_get_max_threads();
    model_layout L;
    model_layout_init(&L, sc);
    size_t nu = sc->nuncertain;
    char msg[512] = "";
    sampler *smp = sampler_alloc(sc, npaths, msg, sizeof msg);
    double *values = malloc((nu ? nu : 1) * EVAL_BATCH * sizeof *values);
    double *rows = malloc((size_t)nth * L.row_len * sizeof *rows);
    model_ws **ws = calloc((size_t)nth, sizeof *ws);
    qtable_set *tables = qtable_set_alloc();   /* shared by the threads' workspaces, as in the engine */
    int status = 0;
    if (!smp) {
        snprintf(err, errlen, "%s", msg[0] ? msg : "out of memory");
        status = -1;
    } else if (!values || !rows || !ws || !tables) {
        snprintf(err, errlen, "out of memory");
        status = -1;
    }
    for (int t = 0; status == 0 && t < nth; t++)
        if (!(ws[t] = model_ws_alloc(sc, tables))) {
            snprintf(err, errlen, "out of memory");
            status = -1;
        }
    omp_set_num_threads(nth);   /* the sampler's own parallel loops too */
    for (uint64_t first = 0; status == 0 && first < npaths; first += EVAL_BATCH) {
        size_t n = npaths - first < EVAL_BATCH ? (size_t)(npaths - first) : EVAL_BATCH;
        sampler_fill(smp, first, n, values, NULL);
#pragma omp parallel for num_threads(nth) schedule(dynamic, 64)
        for (size_t i = 0; i < n; i++) {
            int tid = omp_get_thread_num();
            uint64_t path = first + i;
            path_draws d = { sc->seed, path, 0 };
            if (sc->antithetic && (path & 1)) {   /* as the engine: path 2k+1 mirrors 2k */
                d.path = path - 1;
                d.mirror = 1;
            }
            double *row = rows + (size_t)tid * L.row_len;
            model_run_path(sc, &L, values + i * nu, d, ws[tid], row);
            for (size_t k = 0; k < nt; k++) out[k * npaths + path] = row[L.total_off[totals[k]]];
        }
        if (done_paths) done_paths(ctx, first + n);
    }
    for (int t = 0; ws && t < nth; t++) model_ws_free(ws[t]);
    free(ws);
    qtable_set_free(tables);
    free(rows);
    free(values);
    sampler_free(smp);
    return status;
}
