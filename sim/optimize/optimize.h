/*
 * optimize: the search of `capsim optimize` (docs/MODEL.md, "Optimising contract terms").
 *
 * Every candidate (a value for each decision key path) is a scenario: the base scenario's
 * text reloaded with `--set key=value` for each decision after the command's own --set.
 * Every candidate is evaluated on the same paths 0 .. paths-1 with the same seed (common
 * random numbers: a sample-average approximation of the expected objective), and for
 * each risk weight w the objective is
 *
 *     J_w = mean(X) + w * ES(X)         X the objective total, per path;
 *
 * ES = es_lo (mean of the worst 5% of paths, the lower tail) for maximize, es_hi (the
 * upper tail) for minimize, both as /stats defines them (sim/stats/exact.h). A larger w
 * puts more weight on the bad tail. Grid search when every decision has a step and the
 * grid has at most `budget` points; otherwise Nelder-Mead (GSL's nmsimplex2) per weight,
 * values clamped to the box and rounded to the step where there is one, constraint
 * violations penalised. The chosen point of a weight is the best feasible point among all
 * evaluated ones. It is then re-run on fresh paths (seed + 1,000,003), as is the scenario
 * itself, for an out-of-sample objective with a standard error.
 */
#ifndef CAPSIM_OPTIMIZE_H
#define CAPSIM_OPTIMIZE_H

#include <stddef.h>
#include <stdint.h>
#include "optspec.h"
#include "sim/scenario/scenario.h"

#define OPT_SEED_OUT_OFFSET 1000003u
#define OPT_DEFAULT_BUDGET 200

typedef struct {
    const scenario *base;          /* the scenario as loaded (its text and source path) */
    const char *const *sets;       /* the command's --set, applied before the decisions */
    size_t nsets;
    const optspec *spec;
    uint64_t paths, seed;
    int threads;
    size_t budget;                 /* at most this many evaluations (distinct points) */
    int quiet;                     /* no progress line */
} opt_job;

typedef struct {
    size_t npoints, cap;
    double *points;                /* npoints x ndec */
    double *objective_in;          /* npoints x nweights */
    double *mean, *es;             /* npoints */
    double *constraint;            /* npoints x ncons */
    int *feasible;                 /* npoints */
    int grid;                      /* 1 grid, 0 Nelder-Mead */
    double *chosen;                /* nweights x ndec, NaN where none is feasible */
    int64_t *chosen_point;         /* nweights, -1 where none */
    double *obj_in_chosen, *obj_out, *obj_out_se, *obj_base, *obj_base_se;  /* nweights */
    uint64_t seed_out;
} opt_result;

/* The scenario of candidate x (ndec values): base text + sets + decisions, seed and path
 * count of the job applied with `seed`. NULL with the loader's first message in err. */
scenario *opt_candidate(const opt_job *job, const double *x, uint64_t seed, char *err, size_t errlen);

/* Run the search and the out-of-sample evaluation. 0, or -1 with the reason in err (res
 * is then freed). */
int opt_run(const opt_job *job, opt_result *res, char *err, size_t errlen);
void opt_result_free(opt_result *res);

/* The objective mean + w * ES and its standard error from per-path values x[0..n)
 * (sorted in place), ES the lower tail (hi = 0) or upper tail (hi = 1) at 5%. The SE is
 * the sd / sqrt(n) of the influence-function pseudo-values
 *     z_i = x_i + w * (t + min(x_i - t, 0) / 0.05)   (lower tail; max(...) for upper)
 * t the 5% (95%) quantile: the delta-method SE of the mean plus w times the ES. */
void opt_objective_se(double *x, size_t n, double w, int hi, double *obj, double *se);

#endif
