/*
 * test_rqmc: the standard errors the engine writes for lhs and sobol sampling are
 * calibrated and show the variance reduction (docs/OUTPUT.md, "Estimators and their accuracy"), end to end: 40 seeds of a
 * small run (tests/scenarios/every-randomness.yaml: antithetic pairs, a copula, shocks;
 * 512 paths) for each of lhs and sobol (and 10 of random: only the mean of its SEs is
 * wanted), each written and read back from /stats.
 * For the smooth total pv_spend: the empirical sd of the 40 means over the mean of the 40
 * reported SEs lies in [0.8, 1.25] for lhs and sobol (the tolerance is explained at the
 * check), /stats says se_method "replicates:8" (and "iid" for random), and the mean SE of
 * lhs and sobol is below random's. (The SE the engine wrote before, sd / sqrt(n), gave
 * ratios of 0.4 - 0.5 here: honest but blind to the design.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/results.h"   /* results_attr_str */
#include "sim/engine/engine.h"
#include "sim/scenario/loader.h"

#define SCENARIO "tests/scenarios/every-randomness.yaml"
#define PATHS 512
#define SEEDS 40

/* Mean and SE of pv_spend, and /stats se_method, of a run of sc into path. */
static void run_one(scenario *sc, const char *path, double *mean, double *se, char *method, size_t mlen)
{
    static const char *label = "every-randomness";
    engine_job job = {
        .variants = (const scenario *const *)&sc, .nvariants = 1, .variant_names = &label,
        .paths = PATHS, .seed = sc->seed, .threads = 1, .quiet = 1, .out_path = path,
        .command = "run", .command_line = "test_rqmc",
    };
    engine_report rep;
    if (engine_run(&job, &rep) != 0) fail_msg("engine_run: %s", rep.error);
    /* read directly (results_open's full check of the file would double the test's time;
     * test_h5out and py_h5out check the files) */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t g = H5Gopen2(f, "stats", H5P_DEFAULT);
    assert_true(g >= 0);
    assert_true(H5LTread_dataset_double(g, "pv_spend_mean", mean) >= 0);
    assert_true(H5LTread_dataset_double(g, "pv_spend_se", se) >= 0);
    char *m = results_attr_str(g, "se_method");
    snprintf(method, mlen, "%s", m ? m : "");
    free(m);
    H5Gclose(g);
    H5Fclose(f);
    unlink(path);
}

static void test_se_calibrated(void **state)
{
    (void)state;
    /* 80 small files: in memory where there is a tmpfs (no disk flush to wait for) */
    char dir[64] = "/dev/shm/test_rqmc.XXXXXX", path[128];
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "/tmp/test_rqmc.XXXXXX");
        assert_non_null(mkdtemp(dir));
    }
    snprintf(path, sizeof path, "%s/r.h5", dir);
    scenario *sc = loader_load_file(SCENARIO, NULL, 0, stderr, NULL);
    assert_non_null(sc);
    const sampling_kind kinds[] = { SAMPLING_LHS, SAMPLING_SOBOL, SAMPLING_RANDOM };
    const char *names[] = { "lhs", "sobol", "random" }, *want[] = { "replicates:8", "replicates:8", "iid" };
    double mean_se[3];
    for (int t = 0; t < 3; t++) {
        double m[SEEDS], sse = 0, mbar = 0, ss = 0;
        int nseeds = kinds[t] == SAMPLING_RANDOM ? 10 : SEEDS;
        sc->sampling = kinds[t];
        for (int s = 0; s < nseeds; s++) {
            char method[64];
            double se;
            sc->seed = 1000 + (uint64_t)s;
            run_one(sc, path, &m[s], &se, method, sizeof method);
            assert_string_equal(method, want[t]);
            sse += se;
            mbar += m[s];
        }
        mbar /= nseeds;
        for (int s = 0; s < nseeds; s++) ss += (m[s] - mbar) * (m[s] - mbar);
        double sd = sqrt(ss / (nseeds - 1));
        mean_se[t] = sse / nseeds;
        printf("# %-6s %d paths, %d seeds: pv_spend sd of the means %.4g, mean SE %.4g, ratio %.2f\n", names[t],
               PATHS, nseeds, sd, mean_se[t], sd / mean_se[t]);
        /* 1 for a calibrated SE. Tolerance: with 40 seeds the sd of the means has a
         * relative error of about 1/sqrt(2 * 39) = 11%, the mean of 40 SEs (each from 8
         * replicates: 27%) about 4%, and it is low by c4(8) = 0.965 on average; so
         * [0.8, 1.25] is about two standard errors either side of 1. */
        if (kinds[t] != SAMPLING_RANDOM) assert_true(sd / mean_se[t] >= 0.8 && sd / mean_se[t] <= 1.25);
    }
    /* the variance reduction shows in the SE the file states (seen: lhs 7.5e6, sobol
     * 7.6e6, random 1.45e7 over 40 seeds; random's mean SE over 10 seeds has a relative
     * error of about 1/sqrt(10) * 1/sqrt(2 * 511), 1%) */
    assert_true(mean_se[0] < 0.7 * mean_se[2]);
    assert_true(mean_se[1] < 0.7 * mean_se[2]);
    scenario_free(sc);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_se_calibrated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
