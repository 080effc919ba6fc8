/*
 * sim/optimize (layer 6, docs/ARCHITECTURE.md): `capsim optimize`, the search for the
 * contract terms that do best on a scenario's paths. It may include sim/engine, output,
 * models, sim/stats, sim/scenario, sim/random and sim/base; only sim/cli includes it.
 *   optspec   the scenario's `decisions:` and `objective:` blocks, parsed and checked
 *             (this header)
 *   evaluate  one candidate: the per-path values of the totals the objective and the
 *             constraints need, on given paths (sampler + model, threads over paths)
 *   optimize  the search (grid or Nelder-Mead on the sample-average objective), the
 *             objective with its risk weight, constraints, the out-of-sample re-run
 *
 * optspec: the blocks are read from the scenario text (sc->text) with their positions,
 * so that every problem is reported as `file:line:col: key.path: message`. The loader
 * accepts both blocks and ignores them; only optimize uses them, and check validates them.
 */
#ifndef CAPSIM_OPTSPEC_H
#define CAPSIM_OPTSPEC_H

#include <stddef.h>
#include "sim/scenario/diagnostics.h"
#include "sim/scenario/keypath.h"
#include "sim/scenario/scenario.h"

#define OPT_MAX_DECISIONS 16
#define OPT_MAX_WEIGHTS 32
#define OPT_MAX_CONSTRAINTS 32

typedef enum { OPT_STAT_MEAN, OPT_STAT_SD, OPT_STAT_Q, OPT_STAT_ES_LO, OPT_STAT_ES_HI, OPT_STAT_PPOS,
               OPT_STAT_PNEG } opt_stat;

typedef struct {
    char key[KEYPATH_MAX];     /* canonical key path */
    double min, max;           /* the box, min < max */
    double step;               /* grid step (> 0, divides max - min), 0 when none */
    double base;               /* the scenario's own value */
    int line, col;             /* of the key, for messages */
} opt_decision;

typedef struct {
    int total;                 /* model_totals index (a scalar total) */
    opt_stat stat;
    double q;                  /* level of OPT_STAT_Q */
    int has_max, has_min;
    double max, min;
    char label[160];           /* "months_short mean <= 12" */
} opt_constraint;

typedef struct {
    size_t ndec;
    opt_decision dec[OPT_MAX_DECISIONS];
    int total;                 /* the objective's total (model_totals index) */
    int maximize;              /* 1 maximize, 0 minimize */
    int measure_hi;            /* 0 es_lo, 1 es_hi */
    size_t nweights;
    double weights[OPT_MAX_WEIGHTS];
    size_t ncons;
    opt_constraint cons[OPT_MAX_CONSTRAINTS];
} optspec;

/* Parse the blocks of sc's text into spec, every problem into d (origin: sc->source_path).
 * Returns 1 when both blocks are there and valid, 0 when neither is there, -1 after
 * errors (recorded in d: one block without the other is one). */
int optspec_parse(const scenario *sc, optspec *spec, diag_list *d);

/* "mean", "sd", "q0.95", "es_lo", ... of a constraint's statistic into buf. */
void optspec_stat_name(const opt_constraint *c, char *buf, size_t len);

#endif
