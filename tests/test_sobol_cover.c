/*
 * test_sobol_cover: the Sobol index intervals the engine writes cover, on a scenario
 * total (docs/OUTPUT.md, "Estimators and their accuracy"). tests/scenarios/sobol-additive.yaml (pv_revenue additive in two
 * uniform demands, indices 0.2 and 0.8; a third value with index 0), 30 seeds of 1000
 * paths through engine_run, /sensitivity read back: of the 4 x 30 nominal-95% intervals
 * of the nonzero first-order and total indices of pv_revenue, at least 90% must hold the
 * pooled estimate (the mean over the seeds), and each index's pooled estimate must be
 * within 4 of its standard errors (mean half-width / 1.96 / sqrt(30)) of the exact value. (The index-0 value has terms that are exactly 0 and
 * an interval of width 0 around its exact 0: counted apart, it must be exactly 0.)
 * Tolerance: 120 intervals of true coverage 95% cover with a standard error of 2%, so
 * 90% is 2.5 of them below.
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

#include "output/results.h"   /* results_labels */
#include "sim/engine/engine.h"
#include "sim/scenario/loader.h"

#define SCENARIO "tests/scenarios/sobol-additive.yaml"
#define PATHS 1000
#define SEEDS 30

/* The Sobol indices of pv_revenue and their half-widths from a run of sc: [0..np) first
 * order, [np..2 np) total; np and the parameter names (demand.a..., demand.b..., the spot
 * price) in the file's order. */
static size_t read_indices(const char *path, double *est, double *ci, char ***params)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t g = H5Gopen2(f, "sensitivity", H5P_DEFAULT);
    assert_true(g >= 0);
    char **totals;
    size_t nt, np;
    assert_int_equal(results_labels(g, "total", &totals, &nt), 0);
    assert_int_equal(results_labels(g, "param", params, &np), 0);
    assert_true(np == 3);
    size_t k = nt;
    for (size_t i = 0; i < nt; i++)
        if (strcmp(totals[i], "pv_revenue") == 0) k = i;
    assert_true(k < nt);
    double *buf = malloc(nt * np * sizeof *buf);
    assert_non_null(buf);
    const char *names[4] = { "sobol_first", "sobol_total", "sobol_first_ci", "sobol_total_ci" };
    for (int a = 0; a < 4; a++) {
        assert_true(H5LTread_dataset_double(g, names[a], buf) >= 0);
        for (size_t j = 0; j < np; j++) (a < 2 ? est : ci)[(a % 2) * np + j] = buf[k * np + j];
    }
    free(buf);
    for (size_t i = 0; i < nt; i++) free(totals[i]);
    free(totals);
    H5Gclose(g);
    H5Fclose(f);
    return np;
}

static void test_additive_coverage(void **state)
{
    (void)state;
    char dir[64] = "/dev/shm/test_sobol_cover.XXXXXX", path[128];
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "/tmp/test_sobol_cover.XXXXXX");
        assert_non_null(mkdtemp(dir));
    }
    snprintf(path, sizeof path, "%s/r.h5", dir);
    scenario *sc = loader_load_file(SCENARIO, NULL, 0, stderr, NULL);
    assert_non_null(sc);
    static const char *label = "sobol-additive";
    double est[SEEDS][6], ci[SEEDS][6], pooled[6] = { 0 }, exact[6];
    char **params = NULL;
    for (int s = 0; s < SEEDS; s++) {
        sc->seed = 500 + (uint64_t)s;
        engine_job job = {
            .variants = (const scenario *const *)&sc, .nvariants = 1, .variant_names = &label,
            .paths = PATHS, .seed = sc->seed, .threads = 1, .quiet = 1, .out_path = path,
            .command = "run", .command_line = "test_sobol_cover",
        };
        engine_report rep;
        if (engine_run(&job, &rep) != 0) fail_msg("engine_run: %s", rep.error);
        char **names;
        read_indices(path, est[s], ci[s], &names);
        if (!params) params = names;
        else {
            for (int j = 0; j < 3; j++) free(names[j]);
            free(names);
        }
        unlink(path);
        for (int i = 0; i < 6; i++) pooled[i] += est[s][i] / SEEDS;
    }
    /* exact: 0.2 for demand a's start, 0.8 for b's, 0 for the spot price */
    for (int j = 0; j < 3; j++) {
        double e = strstr(params[j], "demand.a.") ? 0.2 : strstr(params[j], "demand.b.") ? 0.8 : 0.0;
        exact[j] = exact[3 + j] = e;
    }
    int covered = 0, counted = 0;
    for (int i = 0; i < 6; i++) {
        int c = 0;
        double mci = 0;
        for (int s = 0; s < SEEDS; s++) {
            c += fabs(est[s][i] - pooled[i]) <= ci[s][i];
            mci += ci[s][i] / SEEDS;
        }
        double pooled_se = mci / 1.96 / sqrt(SEEDS);
        print_message("%s %-40s exact %.3f pooled %.4f (SE %.4f), intervals covering the pooled %d/%d\n",
                      i < 3 ? "S " : "ST", params[i % 3], exact[i], pooled[i], pooled_se, c, SEEDS);
        if (exact[i] == 0) {
            for (int s = 0; s < SEEDS; s++) assert_true(est[s][i] == 0 && ci[s][i] == 0);
            continue;
        }
        assert_true(fabs(pooled[i] - exact[i]) <= 4 * pooled_se);
        covered += c;
        counted += SEEDS;
    }
    print_message("nonzero indices: %d of %d intervals cover the pooled estimate\n", covered, counted);
    assert_int_equal(counted, 4 * SEEDS);
    assert_true(covered >= 0.9 * counted);
    for (int j = 0; j < 3; j++) free(params[j]);
    free(params);
    scenario_free(sc);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_additive_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
