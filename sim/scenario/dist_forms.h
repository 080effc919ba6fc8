/*
 * dist_forms: the ways a scenario may write a distribution besides its own parameters
 * (docs/SCENARIO.md, "Numbers and distributions"): a lognormal by p10/p90 or mean/sd, a
 * normal by p10/p90, a beta by p10/p90. The loader (fields.c) turns each into the
 * family's parameters, so `check` prints, and sampling and key paths see, one form.
 */
#ifndef CAPSIM_DIST_FORMS_H
#define CAPSIM_DIST_FORMS_H

#include <stddef.h>
#include "sim/random/dist.h"

#define DIST_FORMS_MAX 3

/* The key pairs family f may be written with, form 0 being its own parameters (params[0],
 * params[1]); their count (1 when it has no other form). */
int dist_forms_of(dist_family f, const char *(*keys)[2]);

/* The parameters of d (family already set) from form `form` (>= 1) with values a, b.
 * 0, or -1 with what was expected in msg ("expected 0 < p10 < p90"). */
int dist_forms_resolve(dist_spec *d, int form, double a, double b, char *msg, size_t len);

/* A beta's alpha and beta whose 10th and 90th percentiles are p10 and p90, found with
 * GSL's hybrid root finder; 0, or -1 when none is found (0 < p10 < p90 < 1 assumed). */
int dist_forms_beta_by_p10_p90(double p10, double p90, double *alpha, double *beta);

#endif
