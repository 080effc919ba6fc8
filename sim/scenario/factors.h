/*
 * factors: common factors of the uncertain values (docs/MODEL.md 12,
 * "Common factors").
 *
 *     factors:
 *       nvidia_supply:
 *         contracts.*.capacity.*.delay_months: 0.8
 *
 * A factor is a standard normal shared by the values its globs match; value i with
 * loadings l_if gets the latent correlation sum_f l_if * l_jf with value j: the
 * correlation of the two normal scores of the Gaussian copula (Pearson of the latent
 * normals, not a rank correlation). The factor has no random stream: it exists only in
 * the copula matrix, so adding factors moves no draw of a value they do not load.
 *
 * Globs: a glob is a key path whose components may hold fnmatch(3) wildcards (`*`, `?`,
 * `[...]`). '.' always separates components and a wildcard never crosses it: a glob
 * matches a key path with as many components, each matched by fnmatch on its own, so
 * `contracts.*.capacity.*.delay_months` matches every tranche's delay and
 * `contracts.aws-*.capacity.0.delay_months` the first tranche of each contract whose
 * name starts with aws-. Globs match the canonical key paths (list elements by name),
 * those `capsim check` lists at its end.
 */
#ifndef CAPSIM_FACTORS_H
#define CAPSIM_FACTORS_H

#include <stddef.h>
#include "scenario.h"

/* A usable glob: 1 to KEYPATH_MAX - 1 characters, components separated by single dots,
 * each non-empty and made of [A-Za-z0-9_-] and the wildcards * ? [ ] !. */
int factors_glob_valid(const char *glob);

/* 1 when glob matches keypath (component by component, see above), else 0. */
int factors_glob_match(const char *glob, const char *keypath);

/* Append factor `name` (no terms); its index, or -1 on allocation failure. */
int factors_add(scenario *sc, const char *name);

/* Append glob: loading to factor f; 0, or -1 on allocation failure. */
int factors_add_term(scenario *sc, int f, const char *glob, double loading, int line, int col);

/* Append the resolved loading of value u on factor f (nonzero l); 0 or -1. Call
 * factors_sort_loadings() once all are in. */
int factors_add_loading(scenario *sc, int u, int f, double l);
void factors_sort_loadings(scenario *sc);

/* Sum of the squared loadings of value u (0 when it has none). */
double factors_sum_squares(const scenario *sc, int u);

/* The first loading of value u in sc->loadings (sorted), or sc->nloadings when none. */
size_t factors_first_loading(const scenario *sc, int u);

#endif
