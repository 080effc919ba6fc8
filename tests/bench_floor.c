/*
 * bench_floor: the random-number floor of a capsim run. Draws exactly the random numbers
 * a run of the scenario draws (the once-per-path values through the sampler, and each
 * month's demand shocks, jumps and spot availability through the same streams) and
 * nothing else, on one thread. `make bench` compares a real run on one thread with this
 * floor. The sampler is parallel inside (OpenMP), so the floor pins OpenMP to one thread
 * as `--threads 1` does: until it did, its sampling ran on every core and the floor
 * came out too low (0.16 instead of 0.27 s for every-randomness at 20,000 paths).
 *
 * usage: bench_floor SCENARIO.yaml PATHS   (prints seconds and draws)
 */
#include "sim/scenario/loader.h"
#include "sim/random/qtable.h"
#include "sim/random/rng.h"
#include "sim/scenario/sample.h"
#include "sim/engine/progress.h"

#include <gsl/gsl_randist.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static double draw_months(const scenario *sc, const qtable *const *spot, gsl_rng *r, uint64_t path,
                          const double *values, double *draws)
{
    double sink = 0;
    for (int t = 0; t < sc->months; t++) {
        for (size_t s = 0; s < sc->nsegments; s++) {
            const segment_spec *seg = &sc->segments[s];
            rng_set_stream(r, sc->seed, seg->shock_stream, path, (uint64_t)t);
            sink += gsl_ran_gaussian_ziggurat(r, 1.0);
            *draws += 1;
            if (seg->has_jumps) {
                rng_set_stream(r, sc->seed, seg->jump_stream, path, (uint64_t)t);
                unsigned k = gsl_ran_poisson(r, PARAM(seg->jumps_per_year, values) / 12.0);
                for (unsigned j = 0; j < k; j++) sink += dist_draw(&seg->jump_size, r);
                *draws += 1 + k;
            }
        }
        for (size_t c = 0; c < sc->nclouds; c++) {
            if (!sc->clouds[c].has_spot) continue;
            rng_set_stream(r, sc->seed, sc->clouds[c].spot_stream, path, (uint64_t)t);
            sink += qtable_quantile(spot[c], &sc->clouds[c].spot_availability, gsl_rng_uniform_pos(r));
            *draws += 1;
        }
    }
    return sink;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_floor SCENARIO.yaml PATHS\n");
        return 2;
    }
    omp_set_num_threads(1);
    scenario *sc = loader_load_file(argv[1], NULL, 0, stderr, NULL);
    if (!sc) return 2;
    uint64_t paths = strtoull(argv[2], NULL, 10);
    char msg[512];
    sampler *smp = sampler_alloc(sc, paths, msg, sizeof msg);
    size_t nu = sc->nuncertain, B = 1024;
    double *values = malloc((B * nu + 1) * sizeof *values);
    gsl_rng *r = rng_alloc();
    /* spot availability as the model draws it: one uniform through the inverse CDF */
    qtable_set *tables = qtable_set_alloc();
    const qtable **spot = calloc(sc->nclouds + 1, sizeof *spot);
    if (!smp || !values || !r || !tables || !spot) return 1;
    int err = 0;
    for (size_t c = 0; c < sc->nclouds && !err; c++)
        if (sc->clouds[c].has_spot) spot[c] = qtable_set_get(tables, &sc->clouds[c].spot_availability, &err);
    if (err) return 1;
    double t0 = progress_now(), sink = 0, draws = 0;
    for (uint64_t first = 0; first < paths; first += B) {
        size_t n = paths - first < B ? (size_t)(paths - first) : B;
        sampler_fill(smp, first, n, values, NULL);
        draws += (double)(n * nu);
        for (size_t i = 0; i < n; i++)
            sink += draw_months(sc, spot, r, first + i, values + i * nu, &draws);
    }
    double secs = progress_now() - t0;
    printf("%.6f %.0f %g\n", secs, draws, sink * 0.0);
    gsl_rng_free(r);
    free(spot);
    qtable_set_free(tables);
    free(values);
    sampler_free(smp);
    scenario_free(sc);
    return 0;
}
