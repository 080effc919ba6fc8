/*
 * engine: see engine.h. A run reads like OpenMC's simulation loop: init, a loop over
 * superblocks of paths, finalise. The work of each step is done by the files below this
 * one; they never call back up. Who calls whom (file -> the files it calls):
 *
 *   engine.c             -> engine_merge, engine_pack, engine_pipeline, engine_output,
 *                           engine_target, engine_state
 *   engine_merge.c       -> engine_pack, engine_superblock, engine_words, engine_state
 *   engine_pack.c        -> engine_superblock, engine_output, engine_batch, engine_words,
 *                           engine_state
 *   engine_pipeline.c    -> engine_superblock, engine_output, engine_batch, engine_state
 *   engine_superblock.c  -> engine_output, engine_target, engine_words, engine_state
 *   engine_output.c      -> engine_exact, engine_sensitivity, engine_target, engine_variant,
 *                           engine_state
 *   engine_exact.c       -> (none)
 *   engine_sensitivity.c -> (none)
 *   engine_batch.c       -> (none)
 *   engine_state.c       -> engine_variant, engine_target
 *   engine_variant.c     -> (none)
 *   engine_target.c      -> (none)
 *   engine_words.c       -> (none)
 * and any of them -> mpi_comm.c, progress.c, which call nothing of the engine. Each file
 * has its own header with what its callers need; engine_state.h holds the state they
 * share.
 *
 * A failure is reported once: the function that meets it puts the reason in e->err
 * (eng_fail) and returns -1, its callers return -1 in turn, and engine_run or
 * engine_merge hands the reason to the command in an engine_report; the command prints
 * it. Nothing here prints but the progress line.
 */
#include "engine.h"
#include "engine_merge.h"
#include "engine_output.h"
#include "engine_pack.h"
#include "engine_pipeline.h"
#include "engine_state.h"
#include "engine_target.h"
#include "mpi_comm.h"

#include "output/shardfile.h"

#include <string.h>

int engine_check_target(const char *on, char *msg, size_t msglen)
{
    int total;
    double q;
    return eng_target_parse(on, &total, &q, msg, msglen);
}

/* A failure of this rank alone in the middle of the loop: the other ranks, which cannot
 * know about it, are to be ended (engine_report.abort_ranks). */
static int fatal(engine *e, int *abort_ranks)
{
    *abort_ranks = e->nranks > 1;
    return -1;
}

/* The loop over superblocks. Rank r of R computes superblocks sb_first + r, + r + R, ...
 * Rank 0 consumes them all in order: its own where it computed them, the others' as
 * packages received from their ranks (a rank's packages arrive in the order it sent
 * them). Ranks other than 0 send each package without waiting for it to be received (one
 * in flight while they compute the next). With --target-rse, rank 0 tells everyone after
 * each round whether to stop; packages past the stopping point are received and dropped.
 * One process (R = 1) simply computes its superblocks in order. */
static int run_superblocks(engine *e, int *abort_ranks)
{
    int R = e->nranks, me = e->rank, status = 0;
    words pk[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
    comm_request *pending = NULL;
    int cur = 0;
    for (uint64_t base = e->sb_first; base < e->sb_end && !e->stopped; base += (uint64_t)R) {
        uint64_t s = base + (uint64_t)me;
        if (me == 0) {
            if (eng_pipeline_superblock(e, s) != 0) return fatal(e, abort_ranks);
            for (int r = 1; r < R && base + (uint64_t)r < e->sb_end; r++) {
                void *buf;
                size_t len;
                if (comm_recv(r, &buf, &len) != 0) {
                    eng_fail(e, "receiving superblock %llu from rank %d failed", (unsigned long long)(base + (uint64_t)r), r);
                    return fatal(e, abort_ranks);
                }
                int rc = e->stopped ? 0 : eng_pack_consume(e, base + (uint64_t)r, buf, len / sizeof(uint64_t));
                free(buf);
                if (rc != 0) return fatal(e, abort_ranks);
            }
        } else if (s < e->sb_end) {
            if (eng_pack_superblock(e, s, &pk[cur]) != 0) {
                status = eng_fail(e, "rank %d: out of memory packing superblock %llu", me, (unsigned long long)s);
                break;
            }
            if (comm_wait(pending) != 0 || comm_isend(pk[cur].w, pk[cur].n * sizeof(uint64_t), 0, &pending) != 0) {
                status = eng_fail(e, "rank %d: sending superblock %llu failed", me, (unsigned long long)s);
                break;
            }
            cur ^= 1;
        }
        if (R > 1 && e->target_total >= 0 && comm_bcast_int(&e->stopped, 0) != 0) {
            status = eng_fail(e, "rank %d: broadcasting the stop decision failed", me);
            break;
        }
    }
    if (comm_wait(pending) != 0) status = -1;
    free(pk[0].w);
    free(pk[1].w);
    return status == 0 ? 0 : fatal(e, abort_ranks);
}

/* The report of a run that ended with status. */
static void report(const engine *e, int status, int abort_ranks, engine_report *rep)
{
    if (!rep) return;
    memset(rep, 0, sizeof *rep);
    if (status != 0) snprintf(rep->error, sizeof rep->error, "%s", e->err);
    rep->abort_ranks = abort_ranks;
    rep->paths = e->done;
    rep->nvariants = e->nv;
    rep->seconds = progress_now() - e->t0;
    rep->achieved_rse = e->achieved_rse;
    rep->target_reached = e->stopped;
}

int engine_run(const engine_job *job, engine_report *rep)
{
    engine e;
    int status = 1, abort_ranks = 0;
    int ok = eng_init(&e, job) == 0;
    if (ok && e.sb_paths % ENGINE_BATCH != 0)
        ok = eng_fail(&e, "superblocks of %llu paths: expected a multiple of %d (paths per batch)",
                      (unsigned long long)e.sb_paths, ENGINE_BATCH) == 0;
    if (!ok && e.rank != 0) e.err[0] = '\0';   /* every rank has the same job: rank 0 says what is wrong */
    if (!comm_all_ok(ok)) goto done;
    /* One process: the file is created while the first batches run (engine_pipeline.c).
     * Ranks create it first, so that all of them know it worked before any computes. */
    if (e.nranks == 1)
        eng_out_defer(&e);
    else
        ok = e.rank != 0 || eng_out_open(&e) == 0;
    if (!comm_all_ok(ok)) goto done;
    progress_start(&e.prog, e.path_end - e.path_first, job->quiet || e.rank != 0);
    if (run_superblocks(&e, &abort_ranks) != 0) goto done;
    progress_finish(&e.prog, e.done);
    if (e.rank == 0 && (eng_out_open(&e) != 0 || eng_out_finish(&e, NULL, 0) != 0)) goto done;
    status = 0;
done:
    report(&e, status, abort_ranks, rep);
    eng_out_abort(&e);
    eng_free(&e);
    return status;
}

int engine_merge(const engine_job *job, shard_file *const *files, size_t n, engine_report *rep)
{
    engine e;
    int status = 1;
    words pk = { NULL, 0, 0 };
    if (eng_init(&e, job) != 0) goto done;
    if (eng_merge_check(&e, files, n) != 0) {
        status = 2;
        goto done;
    }
    if (eng_out_open(&e) != 0) goto done;
    progress_start(&e.prog, e.path_end - e.path_first, job->quiet);
    for (size_t i = 0; i < n; i++) {
        const shard_info *in = shard_get_info(files[i]);
        for (uint64_t s = in->sb_first; s < in->sb_end; s++) {
            int rd = eng_merge_read(&e, files[i], s, &pk);
            if (rd == ENG_MERGE_DAMAGED) status = 2;
            if (rd != 0 || eng_pack_consume(&e, s, pk.w, pk.n) != 0) goto done;
        }
    }
    progress_finish(&e.prog, e.done);
    if (eng_out_finish(&e, "merged_shards", (int64_t)n) != 0) goto done;
    status = 0;
done:
    report(&e, status, 0, rep);
    free(pk.w);
    eng_out_abort(&e);
    eng_free(&e);
    return status;
}
