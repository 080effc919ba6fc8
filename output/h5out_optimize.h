/*
 * h5out_optimize: the /optimize group of `capsim optimize` (docs/OUTPUT.md, "/optimize"),
 * added to a results file that the engine has written (the chosen points' variants) before
 * that file is renamed into place. The search itself lives in sim/optimize; this is only
 * its table of results, as plain arrays.
 */
#ifndef CAPSIM_H5OUT_OPTIMIZE_H
#define CAPSIM_H5OUT_OPTIMIZE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t npoints, ndec, nweights, ncons;
    const char *const *decision;     /* ndec key paths */
    const double *weight;            /* nweights risk weights */
    const char *const *constraint;   /* ncons labels: "months_short mean <= 12" */
    const double *points;            /* npoints x ndec: every evaluated point, in order */
    const double *objective_in;      /* npoints x nweights: in-sample objective */
    const double *mean, *es;         /* npoints: the objective total's mean and ES */
    const double *constraint_value;  /* npoints x ncons: the constrained statistic */
    const int *feasible;             /* npoints: 1 when every constraint holds */
    const double *chosen;            /* nweights x ndec: best feasible point (NaN: none) */
    const int64_t *chosen_point;     /* nweights: its index in points, -1 when none */
    const double *objective_in_chosen, *objective_out, *objective_out_se; /* nweights */
    const double *objective_baseline, *objective_baseline_se;            /* nweights */
    const char *objective_total, *objective_units, *sense, *measure, *method;
    uint64_t paths, seed, seed_out, budget;
} h5out_optimize;

/* Open the HDF5 file at path read-write, add the /optimize group, close it. 0, or -1 with
 * the reason in err. */
int h5out_optimize_write(const char *path, const h5out_optimize *o, char *err, size_t errlen);

#endif
