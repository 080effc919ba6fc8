/* engine_pipeline: see engine_pipeline.h. */
#include "engine_pipeline.h"
#include "engine_batch.h"
#include "engine_output.h"
#include "engine_superblock.h"

#include <omp.h>

/* One step: compute paths [first, first + n) into b (n may be 0), and accumulate and
 * write the nprev paths from prev held in done (nprev may be 0). */
static int pipeline_step(engine *e, uint64_t first, size_t n, uint64_t prev, size_t nprev)
{
    const acc_target *set = e->acc;
    const rep_target *rset = e->rep_acc;
    size_t nsets = nprev ? eng_sb_targets(e, 1) : 0, npieces = 0;
    size_t nrsets = nprev ? eng_sb_rep_targets(e, 1, e->rep_acc) : 0, nrpieces = 0;
    for (size_t k = 0; k < nsets; k++) npieces += set[k].pieces;
    for (size_t k = 0; k < nrsets; k++) nrpieces += rset[k].pieces;
    size_t nitems = npieces + nrpieces + (n + PATH_CHUNK - 1) / PATH_CHUNK;
    int rc = 0;
    if (n) eng_batch_begin(e, first, n);
#pragma omp parallel num_threads(e->nthreads)
    {
        int tid = omp_get_thread_num();
#pragma omp master
        {
            /* creating the file's layout is serial HDF5 work: its halves overlap the
             * first two steps (the second is needed before the first write) */
            rc = eng_out_open_step(e, nprev > 0);
            if (rc == 0 && nprev) rc = eng_out_emit(e, prev, nprev, 1);
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t it = 0; it < nitems; it++) {
            if (it < npieces) {
                size_t k = 0, p = it;
                while (p >= set[k].pieces) p -= set[k++].pieces;
                if (set[k].minus)
                    stats_add_diff_rows_piece(set[k].s, p, set[k].rows, set[k].minus, nprev, set[k].stride, 0);
                else
                    stats_add_rows_piece(set[k].s, p, set[k].rows, nprev, set[k].stride, 0);
            } else if (it < npieces + nrpieces) {
                size_t k = 0, p = it - npieces;
                while (p >= rset[k].pieces) p -= rset[k++].pieces;
                repl_add_rows_piece(rset[k].a, p, rset[k].rows, nprev, e->U.row_len, prev);
            } else {
                size_t i0 = (it - npieces - nrpieces) * PATH_CHUNK;
                eng_batch_chunk(e, tid, first, i0, i0 + PATH_CHUNK < n ? i0 + PATH_CHUNK : n);
            }
        }
    }
    for (size_t k = 0; k < nsets; k++) stats_add_rows_end(set[k].s, nprev);
    for (size_t k = 0; k < nrsets; k++) repl_add_rows_end(rset[k].a, nprev, prev);
    for (size_t v = 0; v < e->nv && nprev; v++)
        if (e->vr[v].sb_sobol) eng_sb_add_sobol(&e->vr[v], &e->vr[v].done, nprev);
    return rc;
}

int eng_pipeline_superblock(engine *e, uint64_t s)
{
    uint64_t first, end, prev = 0;
    size_t nprev = 0;
    eng_superblock_paths(e, s, &first, &end);
    eng_sb_seed(e, s);
    for (uint64_t b = first;; b += e->batch) {
        size_t n = b < end ? eng_batch_len(e, b, end) : 0;
        if (pipeline_step(e, b, n, prev, nprev) != 0) return -1;
        if (n == 0) break;
        for (size_t v = 0; v < e->nv; v++) {   /* batch b is now the one done */
            batch_buf t = e->vr[v].b;
            e->vr[v].b = e->vr[v].done;
            e->vr[v].done = t;
        }
        prev = b;
        nprev = n;
    }
    return eng_sb_finish(e, s);
}
