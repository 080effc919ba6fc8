/*
 * engine_target: --target-rse X --on METRIC: the metric (a scalar per-path total, or its
 * quantile NAME:qP) and its relative standard error, which the run checks at superblock
 * boundaries (engine_superblock.c).
 */
#ifndef CAPSIM_ENGINE_TARGET_H
#define CAPSIM_ENGINE_TARGET_H

#include "engine_state.h"

/* Parse NAME[:qP] into the index of a scalar total in model_totals and the quantile
 * level (< 0: the mean). 0, or -1 with the reason in msg. */
int eng_target_parse(const char *on, int *total, double *q, char *msg, size_t msglen);

/* Relative standard error of the target metric of variant 0 (e->target_total >= 0), from
 * the run's statistics so far. */
double eng_target_rse(const engine *e);

#endif
