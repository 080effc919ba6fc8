/*
 * sim/stats: what a run learns from its paths, in memory that does not grow with them:
 * the streaming statistics of every output (stats, with its quantile sketch) and the
 * sensitivity estimators (sensitivity). Layer 3, a peer of models/: it may include
 * sim/base only, and never models/, output/, sim/engine or sim/cli.
 *   stats.h        the accumulator's public face (this file): callers include only it
 *   stats.c        allocation, streaming rows (moments and the copy into the sketch),
 *                  merging, summaries and quantiles
 *   sketch.c       the quantile sketch: shared shape, compactions, merges, rank error
 *                  (its design and the error derivation are at its head)
 *   stats_sort.c   sorting and compaction kernels on arrays of doubles
 *   stats_cdf.c    the mid-rank CDF: one look-up, or a table for many
 *   stats_save.c   the accumulator's whole state as 64-bit words and back
 *   stats_int.h    private to sim/stats: the layout and what its files share
 *   sensitivity.h  a module of its own: rank correlations (corr_acc), Sobol indices
 *   sensitivity.c  (sobol_acc), streaming and in fixed memory like stats
 *   replicates.h   a module of its own: replicate means (repl_acc), the standard error
 *   replicates.c   of the mean for lhs and sobol sampling
 *
 * stats: streaming statistics of many variables over paths.
 *
 * One accumulator holds, for each of nvars variables: count, mean and variance
 * (Welford/Chan), min, max, the count of values above zero, and a quantile sketch of
 * fixed size. Memory does not grow with the number of paths.
 *
 * Determinism: results depend only on the sequence of rows added and on the sequence
 * of merges, never on threads. stats_add_rows() may use OpenMP across variables
 * (each variable is updated in row order by one thread), so it gives the same bits for
 * any thread count.
 *
 * Quantiles: exact while a variable has seen at most STATS_EXACT_BUDGET values; beyond,
 * a deterministic mergeable compactor sketch whose rank error is at most
 * stats_rank_error(s) * n, the bound it tallies (tested in tests/test_stats.c).
 */
#ifndef CAPSIM_STATS_H
#define CAPSIM_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Sketch parameters (see sim/stats/sketch.c for the design and the error derivation).
 * Exact while n <= STATS_EXACT_BUDGET; then a KLL-style compactor: a level-0 buffer of
 * STATS_SKETCH_B0 raw values, levels of capacities decaying by 2/3 below a top of
 * STATS_SKETCH_K, random paired compaction offsets (unbiased). Fixed memory per variable
 * whatever n is: 6678 doubles = 52 KiB (+ padding, +40 B moments); a superblock's part
 * (stats_alloc_part) has a top of STATS_PART_K, capacities decaying as the run's: 28 KiB. The worst rank error over the
 * default scenario's monthly variables at 1e5 and 1e6 paths and the memory are measured
 * in docs/OUTPUT.md. */
#define STATS_EXACT_BUDGET 2048
#define STATS_SKETCH_K 2048
#define STATS_SKETCH_B0 512
#define STATS_PART_K 1024

/* The paired differences' sketch (stats_alloc_diff): the per-path totals' differences are
 * exact (engine_exact), so this sketch serves the monthly series' difference quantiles
 * alone, read as bands on charts; a smaller sketch, with a rank error a few times the
 * run's (docs/OUTPUT.md), halves what a compare or sweep holds per variant. Exact up to
 * STATS_DIFF_BUDGET values. */
#define STATS_DIFF_K 256
#define STATS_DIFF_B0 256
#define STATS_DIFF_BUDGET 512
#define STATS_DIFF_PART_K 128

/* The two-sided 95% normal quantile as every interval capsim reports uses it (rounded
 * as in the tables; the files' intervals have always used this value). */
#define STATS_Z95 1.96

#define STATS_NQ 9
extern const double stats_quantile_levels[STATS_NQ]; /* 0.01 0.05 0.10 0.25 0.50 0.75 0.90 0.95 0.99 */

typedef struct {
    double n;
    double mean, sd, se;     /* sd with n-1; se = sd / sqrt(n) */
    double min, max;
    double q[STATS_NQ];      /* at stats_quantile_levels */
    double ppos;             /* fraction of values > 0 */
} stats_summary;

typedef struct stats stats;

/* An empty accumulator for nvars variables; NULL on allocation failure. */
stats *stats_alloc(size_t nvars);
void stats_free(stats *s);            /* accepts NULL */
void stats_reset(stats *s);

size_t stats_nvars(const stats *s);
double stats_count(const stats *s);

/* Add nrows rows, in order. Row r's value of variable v is rows[r * stride + first + v]
 * for v < nvars: pass first = offset of the accumulator's variables inside the row. */
void stats_add_rows(stats *s, const double *rows, size_t nrows, size_t stride, size_t first);

/* stats_add_rows in pieces, for a caller that schedules the work itself (the engine runs
 * them alongside other work in one parallel loop). stats_add_rows(s, rows, ...) is
 *     for (p = 0; p < stats_add_pieces(s); p++) stats_add_rows_piece(s, p, rows, ...);
 *     stats_add_rows_end(s, nrows);
 * to the bit. The pieces touch disjoint variables: they may run in any order and on any
 * threads, but all of them before stats_add_rows_end, and nothing else may use s in
 * between. */
size_t stats_add_pieces(const stats *s);
void stats_add_rows_piece(stats *s, size_t piece, const double *rows, size_t nrows,
                          size_t stride, size_t first);
void stats_add_rows_end(stats *s, size_t nrows);

/* stats_add_rows and stats_add_rows_piece of the differences a - b, where a and b are
 * rows of the same layout: value (r, v) is a[r * stride + first + v] - b[r * stride +
 * first + v], computed as it is added (the same bits as adding a buffer of them). The
 * paired differences of a compare need no buffer of their own. End with
 * stats_add_rows_end. */
void stats_add_diff_rows(stats *s, const double *a, const double *b, size_t nrows, size_t stride, size_t first);
void stats_add_diff_rows_piece(stats *s, size_t piece, const double *a, const double *b, size_t nrows,
                               size_t stride, size_t first);

/* into := statistics of (into's values followed by from's values). Both must have the
 * same nvars; their sketch parameters may differ (a stats_alloc_part accumulator into a
 * stats_alloc one). Returns 0, or -1 on allocation failure or a mismatch (into
 * unchanged). from is not changed; into ==
 * from is allowed. */
int stats_merge(stats *into, const stats *from);

/* Summary of variable v. With no values every field is 0; with one, sd = se = 0. */
void stats_get(const stats *s, size_t v, stats_summary *out);

/* Quantile of variable v at level p in [0,1] (from the sketch). While exact: type 7
 * (numpy's default, gsl_stats_quantile_from_sorted_data), to the bit. Beyond: a value
 * seen in the data whose true rank interval [#(< y), #(<= y)] lies within
 * stats_rank_error(s) * n of p n; p = 0 and 1 give the exact min and max. 0 with no
 * values, NaN for p NaN. */
double stats_quantile(const stats *s, size_t v, double p);

/* Estimated fraction of values of variable v that are < x plus half of those == x
 * (mid-rank CDF), from the sketch: used for streaming rank correlations. Exact while
 * exact, else within stats_rank_error(s) of the truth. 0.5 with no values. */
double stats_cdf(const stats *s, size_t v, double x);

/* Variable v's values as one sorted table, for many CDF look-ups (the rank correlations'
 * second pass): stats_cdf_table_eval(t, x) is stats_cdf(s, v, x) at the time of the
 * call, to the bit (the weights are whole numbers, so both sums are exact), in one
 * binary search instead of one per level plus a scan of the
 * raw values. NULL on allocation failure or v out of range. */
typedef struct stats_cdf_table stats_cdf_table;
stats_cdf_table *stats_cdf_table_alloc(const stats *s, size_t v);
double stats_cdf_table_eval(const stats_cdf_table *t, double x);
/* out[i * ostride] = stats_cdf_table_eval(t, x[i * xstride]) for i < n, several at once. */
void stats_cdf_table_eval_many(const stats_cdf_table *t, const double *x, size_t xstride,
                               size_t n, double *out, size_t ostride);
void stats_cdf_table_free(stats_cdf_table *t);     /* accepts NULL */

/* The bound on the sketch's rank error as a fraction of n (0 while exact) that
 * stats_rank_error gives after n values streamed into one default accumulator (the
 * shape, and so the tally, depends only on the sequence of adds and merges; computed by
 * running the shape alone). */
double stats_rank_error_bound(double n);

/* --- Additions beyond the core contract. --- */

/* Like stats_alloc with explicit sketch parameters (tests, tuning): top capacity k even
 * in [4, 4096], level-0 buffer b0 even in [2, 1024], exact_budget <= 4096. NULL if the
 * parameters are out of range or on allocation failure. */
stats *stats_alloc_sketch(size_t nvars, unsigned k, unsigned b0, unsigned exact_budget);

/* An accumulator for a part of a run that will be merged into a stats_alloc() one, and
 * will never see more than max_values values per variable: stats_alloc() itself when
 * max_values <= STATS_EXACT_BUDGET (the run may be small enough to stay exact); else a
 * sketch from the first value (no exact phase, so no conversion to pay for) with a top
 * capacity of STATS_PART_K (half the run's), capacities decaying by 2/3 below it. The same max_values always gives the
 * same accumulator, so parts merge to the same bits wherever they were computed. */
stats *stats_alloc_part(size_t nvars, uint64_t max_values);

/* The same pair for the paired differences' smaller sketch (STATS_DIFF_K above):
 * stats_alloc_diff for the run, stats_alloc_diff_part for a superblock's part of it (the
 * former when max_values <= STATS_DIFF_BUDGET). */
stats *stats_alloc_diff(size_t nvars);
stats *stats_alloc_diff_part(size_t nvars, uint64_t max_values);

/* All four in one, with the variables that keep a quantile sketch: sketched[v] != 0
 * (nvars flags; NULL: every variable). A variable without one costs its moments alone
 * (40 bytes, no slot): stats_quantile and stats_get's q give NaN for it, stats_cdf NaN
 * and stats_cdf_table_alloc NULL. With every flag set the accumulator is the plain one,
 * bit for bit. Accumulators merge only with the same flags. */
typedef enum { STATS_RUN, STATS_PART, STATS_DIFF, STATS_DIFF_PART } stats_kind;
stats *stats_alloc_kind(size_t nvars, stats_kind kind, uint64_t max_values, const unsigned char *sketched);

/* Does variable v keep a quantile sketch? */
int stats_sketched(const stats *s, size_t v);

/* Key the sketch's compaction parities of s by seed (sketch.c, PARITY): accumulators
 * whose values are merged later should have different seeds, so that their compaction
 * errors are independent instead of repeating one another (the engine uses the
 * superblock index). Part of the state: saved and loaded, kept by merges into s, reset
 * to 0 by stats_reset. Call it on an empty accumulator (before its first value). */
void stats_set_seed(stats *s, uint64_t seed);

/* A deep copy (NULL on allocation failure). */
stats *stats_clone(const stats *s);

/* Key each variable's compaction coins by coin[v] (nvars values, copied) rather than by
 * its index v. The coins decide which half of a sketch level survives a compaction, so
 * they shape the sketch (not its accuracy): a caller whose variables move to other
 * indices (a new output inserted before them) keeps every old variable's sketch, bit for
 * bit, by giving it its old index as its key. Accumulators that are merged must share
 * their keys; stats_clone copies them. 0, or -1 out of memory. */
int stats_set_coins(stats *s, const uint64_t *coin);

/* stats_rank_error_bound for explicit sketch parameters. */
double stats_rank_error_bound_sketch(double n, unsigned k, unsigned b0, unsigned exact_budget);

/* The rank error bound this accumulator can guarantee for its own history of adds and
 * merges (a fraction of n, the same for all variables, 0 while exact). Tallied from the
 * compactions actually done (the weight of each pair of compactions at a level, whose
 * offsets are opposite). A worst case: the errors are independent coin flips and the
 * observed ones are several times smaller. */
double stats_rank_error(const stats *s);

/* Bytes held per variable (moments plus sketch slot); constant for the accumulator. */
size_t stats_bytes_per_var(const stats *s);

/* Serialisation, for shards and MPI ranks (docs/ENGINE.md): the accumulator's whole
 * state as 64-bit words (doubles as their bit patterns), only the sketch items in use.
 * stats_save writes stats_save_words(s) words into w (the caller's buffer). stats_load
 * replaces the state of s by words saved from an accumulator with the same nvars and
 * sketch parameters; afterwards s behaves bitwise as the saved one did (queries, adds,
 * merges). Returns 0, or -1 (s unchanged) when the words do not fit s or are damaged. */
size_t stats_save_words(const stats *s);
void stats_save(const stats *s, uint64_t *w);
int stats_load(stats *s, const uint64_t *w, size_t nwords);

#endif
