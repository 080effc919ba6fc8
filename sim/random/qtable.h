/*
 * qtable: a fast inverse CDF for the families whose quantile is a root search (beta,
 * PERT, gamma; dist.h), built once per distribution and run.
 *
 * The sampler turns one uniform per path and uncertain value into a value with the
 * inverse CDF, and the model turns one uniform per month into a spot availability. For
 * beta, PERT and gamma the inverse CDF is a bracketed Brent search over GSL's
 * incomplete beta or gamma function (dist.c): some 35,000 instructions a value. A
 * qtable replaces it by a piecewise cubic Hermite interpolation, on QTABLE_INTERVALS
 * equal intervals of the normal score z = Phi^-1(u) in [-QTABLE_Z_MAX, QTABLE_Z_MAX],
 * of g(x), where g opens the support's ends (logit on a bounded support, log on a half
 * line), with the exact quantile and the exact slope (from the density) at every knot.
 * Each interval is checked when the table is built: where the cubic is not within
 * QTABLE_CHECK_REL (relative, in value) of the exact quantile at the interval's middle,
 * where the cubic's error peaks, that interval keeps the root search; so do u beyond
 * Phi(+-QTABLE_Z_MAX) (2e-9 of the draws). Ordinary shapes pass everywhere; a density
 * that diverges at an end (beta or gamma shape below 1) keeps part of its range.
 *
 * Accuracy (tests/test_qtable.c, on dense grids of u for the shipped scenarios' shapes
 * and extreme ones): relative error in value below 1e-10. A table is a pure function of
 * its distribution, so draws stay bitwise the same for any thread count, shard or rank.
 * Cost and pass rates: docs/ENGINE.md.
 */
#ifndef CAPSIM_QTABLE_H
#define CAPSIM_QTABLE_H

#include "dist.h"

#include <stddef.h>

/* Intervals of z, the range of z they cover, and the check at each interval's middle
 * (half the 1e-10 promised: the cubic's error peaks near the middle). */
#define QTABLE_INTERVALS 512
#define QTABLE_Z_MAX 6.0
#define QTABLE_CHECK_REL 5e-11

typedef struct qtable qtable;

/* The table of d (validated), or NULL with *err = 0 when d's quantile is cheap already
 * (closed form: no table needed, qtable_quantile(NULL, d, u) is dist_quantile), or
 * NULL with *err = -1 when out of memory. d must outlive the table. */
qtable *qtable_build(const dist_spec *d, int *err);

/* x(u) for u in (0, 1): from the table where its interval passed the check, else
 * dist_quantile(d, u). t may be NULL (then always dist_quantile). */
double qtable_quantile(const qtable *t, const dist_spec *d, double u);

/* How many of the QTABLE_INTERVALS intervals use the table (for tests and docs). */
size_t qtable_intervals_ok(const qtable *t);

void qtable_free(qtable *t);

/* A set of tables with one per distinct distribution (same family, parameters and
 * truncation), so that values sharing a distribution share its table: building one
 * costs about as much as a thousand root searches. Used while setting up, from one
 * thread; the tables it returns are read-only and live as long as the set. */
typedef struct qtable_set qtable_set;

qtable_set *qtable_set_alloc(void);

/* The table of d (NULL where d needs none); *err = -1 when out of memory. */
const qtable *qtable_set_get(qtable_set *set, const dist_spec *d, int *err);

void qtable_set_free(qtable_set *set);

#endif
