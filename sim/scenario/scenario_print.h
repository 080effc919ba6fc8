/*
 * scenario_print: the resolved scenario in readable form (`capsim check`).
 *
 * Every key is written with the value it resolved to, defaults included, dates as
 * YYYY-MM and distributions with their parameters and, in a comment, their exact mean
 * and sd (dist_mean, dist_sd). The output is itself a scenario file: loading it gives
 * the same scenario (`.inf` stands for "no limit"), which the tests check.
 */
#ifndef CAPSIM_SCENARIO_PRINT_H
#define CAPSIM_SCENARIO_PRINT_H

#include <stdio.h>
#include "scenario.h"

void scenario_print(FILE *f, const scenario *sc);

/* One distribution as a YAML flow mapping, such as {dist: lognormal, median: 2,
 * sigma: 0.3} (a constant prints as its number). */
void scenario_print_dist(FILE *f, const dist_spec *d);

/* A number so that reading it back gives the same double: the shortest of %.15g and
 * %.17g that does; .inf for +infinity. */
void scenario_print_number(FILE *f, double x);

#endif
