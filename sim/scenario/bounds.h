/*
 * bounds: the limits on what a scenario and the command line may ask of the model
 * (docs/MODEL.md, "Input limits"), in one place: the rule for the scenario's name (which
 * names the output file), and the caps on every number that the model or the engine
 * turns into an integer. The names of chips, clouds, segments and contracts follow the
 * key path rule (keypath_valid_name), since they are segments of key paths.
 */
#ifndef CAPSIM_BOUNDS_H
#define CAPSIM_BOUNDS_H

#define BOUNDS_NAME_MAX 63                    /* longest scenario name */
#define BOUNDS_PATHS_MAX 1000000000000ULL     /* simulation.paths, --paths, --save-paths,
                                                 --superblock-paths: 1e12 */
#define BOUNDS_MONTHS_MAX 1200                /* scenario.months: 100 years */
/* ramp_months and delay_months of a tranche: a constant above is refused, a draw above
 * is clamped to it. Every YYYY-MM date lies within 120000 months of every other, so a
 * delay this long means "never online" whatever the dates. */
#define BOUNDS_SPAN_MONTHS 1000000
#define BOUNDS_JUMPS_PER_YEAR 1000            /* demand jumps.per_year: as for spans */
#define BOUNDS_ENTITIES_MAX 1000              /* chips, clouds, segments, contracts, and
                                                tranches of one contract */
/* Common factors (docs/MODEL.md 12): key path globs over all factors (each is matched
 * against every uncertain value), and values with a nonzero loading (each adds a row
 * and a column to the copula matrix, whose Cholesky factor multiplies every path). */
#define BOUNDS_FACTOR_TERMS_MAX 200
#define BOUNDS_LOADED_MAX 1000
#define BOUNDS_THREADS_MAX 4096               /* --threads */
#define BOUNDS_SHARDS_MAX 1000000             /* n of --shard i/n */

/* The scenario's name: 1 to 63 of [A-Za-z0-9._-], not starting with '.'. It names the
 * results file (NAME.h5) when -o is not given, so it can hold no directory, be no
 * hidden file and never be empty. */
int bounds_valid_scenario_name(const char *s);

#endif
