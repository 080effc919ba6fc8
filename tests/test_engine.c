/*
 * test_engine: engine_run and engine_merge end to end on a small scenario
 * (tests/scenarios/every-randomness.yaml: every kind of randomness capsim has), each run
 * written to a temporary file and read back through output/results.h:
 *   - a run writes its file, with one row of per-path totals per path, and reports what
 *     the command prints (paths, variants, no error);
 *   - 1 and 2 threads give the same per-path totals, bit for bit;
 *   - a small superblock size gives another superblock count (the /shard group of a
 *     one-shard run says how many) and the same per-path totals;
 *   - the shards of a run, merged, give its per-path totals;
 *   - a failure (no such directory, a superblock size that is not whole batches) returns
 *     1 with the reason in the report and leaves no file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/model.h"
#include "output/results.h"
#include "output/shardfile.h"
#include "sim/engine/engine.h"
#include "sim/scenario/loader.h"

#define SCENARIO "tests/scenarios/every-randomness.yaml"
#define PATHS 1500

typedef struct {
    scenario *sc;
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    f->sc = loader_load_file(SCENARIO, NULL, 0, stderr, NULL);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_engine.XXXXXX");
    if (!f->sc || !mkdtemp(f->dir)) {
        scenario_free(f->sc);
        free(f);
        return -1;
    }
    f->sc->paths = PATHS;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    scenario_free(f->sc);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* The job of `capsim run` on f's scenario into dir/name. */
static engine_job job_for(fixture *f, const char *name, char *path, size_t len)
{
    static const char *label = "every-randomness";
    snprintf(path, len, "%s/%s", f->dir, name);
    engine_job job = {
        .variants = (const scenario *const *)&f->sc, .nvariants = 1, .variant_names = &label,
        .paths = PATHS, .seed = f->sc->seed, .threads = 1, .quiet = 1, .out_path = path,
        .command = "run", .command_line = "test_engine",
    };
    return job;
}

/* Every per-path total of the file, total by total in model_totals' order, each total's
 * values after the other's; the path count in *npaths. */
static double *read_totals(const char *path, size_t *npaths, size_t *n)
{
    char err[512];
    hid_t file = results_open(path, err, sizeof err);
    if (file < 0) fail_msg("%s", err);
    hid_t g = H5Gopen2(file, "totals", H5P_DEFAULT);
    assert_true(g >= 0);
    double *all = NULL;
    *n = 0;
    *npaths = 0;
    for (int k = 0; k < N_TOTALS; k++) {
        results_var x;
        if (model_totals[k].dim == DIM_OPTION) continue;   /* the scenario has no options */
        assert_int_equal(results_var_load(g, model_totals[k].name, 1, &x), 0);
        int d = results_var_dim(&x, "path");
        assert_true(d >= 0);
        if (k == 0) *npaths = (size_t)x.dims[d];
        assert_int_equal(x.dims[d], *npaths);
        all = realloc(all, (*n + x.n) * sizeof *all);
        assert_non_null(all);
        memcpy(all + *n, x.v, x.n * sizeof *all);
        *n += x.n;
        results_var_free(&x);
    }
    H5Gclose(g);
    H5Fclose(file);
    return all;
}

static void assert_same_totals(const char *a, const char *b)
{
    size_t pa, pb, na, nb;
    double *x = read_totals(a, &pa, &na), *y = read_totals(b, &pb, &nb);
    assert_int_equal(pa, pb);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na * sizeof *x);
    free(x);
    free(y);
}

static void test_run_writes_its_file(void **state)
{
    fixture *f = *state;
    char path[128];
    engine_job job = job_for(f, "run.h5", path, sizeof path);
    engine_report rep;
    assert_int_equal(engine_run(&job, &rep), 0);
    assert_string_equal(rep.error, "");
    assert_int_equal(rep.abort_ranks, 0);
    assert_int_equal(rep.paths, PATHS);
    assert_int_equal(rep.nvariants, 1);
    assert_true(rep.seconds > 0);
    assert_int_equal(access(path, F_OK), 0);
    size_t npaths, n;
    double *t = read_totals(path, &npaths, &n);
    assert_int_equal(npaths, PATHS);
    assert_true(n >= (size_t)N_TOTALS * PATHS);   /* by-cloud totals have a row per cloud */
    size_t nonzero = 0;
    for (size_t i = 0; i < PATHS; i++) nonzero += t[i] != 0;   /* pv_spend of each path */
    assert_int_equal(nonzero, PATHS);
    free(t);
}

static void test_threads_same_totals(void **state)
{
    fixture *f = *state;
    char p1[128], p2[128];
    engine_job j1 = job_for(f, "t1.h5", p1, sizeof p1), j2 = job_for(f, "t2.h5", p2, sizeof p2);
    j2.threads = 2;
    assert_int_equal(engine_run(&j1, NULL), 0);
    assert_int_equal(engine_run(&j2, NULL), 0);
    assert_same_totals(p1, p2);
}

/* The superblocks of a one-shard run, as its /shard group records them. */
static uint64_t superblocks(const char *path, uint64_t *size)
{
    char err[512];
    shard_file *s = shard_open(path, err, sizeof err);
    if (!s) fail_msg("%s", err);
    const shard_info *in = shard_get_info(s);
    uint64_t count = in->sb_end - in->sb_first;
    *size = in->superblock;
    shard_close(s);
    return count;
}

static void test_superblock_size(void **state)
{
    fixture *f = *state;
    char pd[128], ps[128];
    engine_job jd = job_for(f, "default.h5", pd, sizeof pd), js = job_for(f, "small.h5", ps, sizeof ps);
    jd.nshards = js.nshards = 1;   /* shard 0/1: the whole run, with a /shard group */
    js.superblock_paths = ENGINE_BATCH;
    assert_int_equal(engine_run(&jd, NULL), 0);
    assert_int_equal(engine_run(&js, NULL), 0);
    uint64_t size;
    assert_int_equal(superblocks(pd, &size), 1);
    assert_int_equal(size, ENGINE_SUPERBLOCK);
    assert_int_equal(superblocks(ps, &size), (PATHS + ENGINE_BATCH - 1) / ENGINE_BATCH);
    assert_int_equal(size, ENGINE_BATCH);
    assert_same_totals(pd, ps);
}

static void test_merge_of_shards(void **state)
{
    fixture *f = *state;
    char pr[128], p0[128], p1[128], pm[128];
    engine_job jr = job_for(f, "whole.h5", pr, sizeof pr);
    engine_job j0 = job_for(f, "part0.h5", p0, sizeof p0), j1 = job_for(f, "part1.h5", p1, sizeof p1);
    engine_job jm = job_for(f, "merged.h5", pm, sizeof pm);
    jr.superblock_paths = j0.superblock_paths = j1.superblock_paths = jm.superblock_paths = ENGINE_BATCH;
    j0.nshards = j1.nshards = 2;
    j1.shard = 1;
    assert_int_equal(engine_run(&jr, NULL), 0);
    assert_int_equal(engine_run(&j0, NULL), 0);
    assert_int_equal(engine_run(&j1, NULL), 0);
    char err[512];
    shard_file *files[2] = { shard_open(p1, err, sizeof err), shard_open(p0, err, sizeof err) };
    assert_non_null(files[0]);
    assert_non_null(files[1]);
    assert_int_equal(shard_check_set(files, 2, err, sizeof err), 0);   /* sorts them */
    engine_report rep;
    assert_int_equal(engine_merge(&jm, files, 2, &rep), 0);
    assert_int_equal(rep.paths, PATHS);
    shard_close(files[0]);
    shard_close(files[1]);
    assert_same_totals(pr, pm);
}

static void test_failures_leave_no_file(void **state)
{
    fixture *f = *state;
    char path[128];
    engine_job job = job_for(f, "no-such-dir/x.h5", path, sizeof path);
    engine_report rep;
    assert_int_equal(engine_run(&job, &rep), 1);
    assert_non_null(strstr(rep.error, "No such file or directory"));
    assert_non_null(strstr(rep.error, path));
    assert_int_equal(rep.abort_ranks, 0);
    assert_int_equal(access(path, F_OK), -1);

    job = job_for(f, "bad-superblock.h5", path, sizeof path);
    job.superblock_paths = ENGINE_BATCH + 1;
    assert_int_equal(engine_run(&job, &rep), 1);
    assert_non_null(strstr(rep.error, "superblocks of 513 paths: expected a multiple of 512"));
    assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_writes_its_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_same_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_superblock_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_of_shards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_leave_no_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
