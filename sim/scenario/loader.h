/*
 * loader: scenario files (YAML) -> validated scenario.
 *
 * The text is parsed with libyaml into a tree (yamldoc), composed (compose.h: YAML merge
 * keys `<<`, then `extends: base.yaml` and `remove:`, the bases read relative to the
 * file's folder; errors found later point into whichever file wrote the value), `--set key.path=value`
 * overrides are grafted into that tree (keypath), and the tree is checked against the
 * schema while the scenario is built (fields getters): sections in dependency order
 * (scenario, simulation, chips, clouds, demand, contracts, correlations, factors)
 * whatever their order in the file. Every problem is reported, not just the first, each as one line
 *
 *     file:line:col: key.path: what is wrong (what was expected)
 *
 * sorted in file order; problems with a `--set` argument point into it as
 * `--set:K:COL: ...`, K being the argument's rank (1 for the first --set).
 *
 * A `--set` that pins a distribution field to a number (as sweeps do) also drops the
 * correlations that name it: a constant has nothing to correlate; a factor's glob that
 * matched only pinned values then loads nothing (not an error). A factor loading is
 * set as `--set factors.FACTOR.GLOB=value`: the glob is everything after the factor
 * name, dots included (factors.h). Uncertain values are
 * registered section by section in the order above, and in file order within a
 * section (the same as file order for files laid out in the order of the README's example, "Scenario files").
 */
#ifndef CAPSIM_LOADER_H
#define CAPSIM_LOADER_H

#include <stddef.h>
#include <stdio.h>
#include "scenario.h"

/* Load and validate the scenario in file `path`. `sets` are nsets "key.path=value"
 * overrides (README, "Scenario files"; the value is YAML: a number, a string, or a flow mapping such
 * as {dist: normal, mean: 1, sd: 0.1}), applied in order. Every error is written to
 * errs (may be NULL) as one line. Returns the scenario (the caller frees it with
 * scenario_free), or NULL when there was any error, the count then in *nerrors (may be
 * NULL; set to 0 on success). sc->text is the file's text as read (before --set), or,
 * when the file extends another, the composed scenario as self-contained YAML (before
 * --set; a comment at its head names the files): either way loader_load_text() of
 * sc->text gives the same scenario. sc->source_path is the path. */
scenario *loader_load_file(const char *path, const char *const *sets, size_t nsets,
                           FILE *errs, int *nerrors);

/* The same from text[0..len) (need not be NUL-terminated); display_name is used in
 * messages and as sc->source_path ("<built-in>" for the embedded default scenario). A
 * text has no folder: `extends` in it is an error (so a text, such as the one stored in
 * a results file or fed to the fuzzer, never makes the loader read a file). */
scenario *loader_load_text(const char *text, size_t len, const char *display_name,
                           const char *const *sets, size_t nsets, FILE *errs, int *nerrors);

/* Options of the two loads below. */
typedef struct {
    const char *dir;      /* text only: the folder `extends` resolves against ("" is the
                           * current directory; NULL refuses extends, as loader_load_text) */
    char **origins;       /* not NULL: on success, *origins is the composed scenario (after
                           * --set, before defaults) with `# from FILE:LINE` after each value
                           * written by another file than the one loaded (free it) */
} loader_opts;

scenario *loader_load_file_opts(const char *path, const char *const *sets, size_t nsets,
                                const loader_opts *o, FILE *errs, int *nerrors);
scenario *loader_load_text_opts(const char *text, size_t len, const char *display_name,
                                const char *const *sets, size_t nsets, const loader_opts *o,
                                FILE *errs, int *nerrors);

/* The canonical spelling (keypath.h) of key path `key` in the scenario file `path`
 * (composed: what it extends counts)
 * (`demand.0.growth` -> `demand.inference.growth`) into canon[0..len); -1 when the file
 * cannot be read or parsed or the key is not in it (a key a --set would add). */
int loader_canonical_key(const char *path, const char *key, char *canon, size_t len);

#endif
