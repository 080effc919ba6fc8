/*
 * replicates: the standard error of a mean from independent randomised replicates
 * (randomised quasi-Monte Carlo).
 *
 * lhs and sobol sampling make the paths of a run dependent (the strata, the net), so
 * the plain standard error sd / sqrt(n) misstates the error of their mean: it is honest
 * but blind to the variance reduction these designs buy. The sampler splits the paths
 * into R independent replicates (path i in replicate (i div g) mod R, g = 2 with
 * antithetic pairs and 1 otherwise: sim/scenario/sample.h);
 * this accumulator keeps, for each replicate and each variable, the count and the mean
 * of the rows seen, and the standard error of a variable's mean is
 *     SE = sqrt( sum_r (m_r - mbar)^2 / (R - 1) / R ),   mbar = mean of the R m_r,
 * the spread of the R replicate means (each an unbiased estimate). With equal counts
 * (any multiple of R paths) mbar is exactly the mean of all the paths; otherwise they
 * differ by at most a path's weight, and the SE stands for both.
 *
 * Memory: R x nvars means and R counts, whatever the number of paths. Means are
 * updated as Welford's (m += (x - m) / n) so that a constant stays exactly constant.
 * Determinism: the result depends only on the sequence of rows (with the path index of
 * the first) and of merges, never on threads.
 */
#ifndef CAPSIM_REPLICATES_H
#define CAPSIM_REPLICATES_H

#include <stddef.h>
#include <stdint.h>

#define REPL_MAX 64    /* the most replicates an accumulator takes */

typedef struct repl_acc repl_acc;

/* An empty accumulator for nvars variables and nrep replicates (2 <= nrep <= REPL_MAX),
 * path i in replicate (i div group) mod nrep (group >= 1); NULL on allocation failure or
 * a bad nrep or group. */
repl_acc *repl_alloc(size_t nvars, unsigned nrep, unsigned group);
void repl_free(repl_acc *a);          /* accepts NULL */
void repl_reset(repl_acc *a);
unsigned repl_nrep(const repl_acc *a);

/* Add nrows rows, in order: row r (values rows[r * stride + v], v < nvars) is path
 * path0 + r, in replicate ((path0 + r) div group) mod nrep. */
void repl_add_rows(repl_acc *a, const double *rows, size_t nrows, size_t stride, uint64_t path0);

/* repl_add_rows in pieces over disjoint variables, as stats_add_rows_piece: every piece
 * (any order, any thread) and then repl_add_rows_end give the bits of repl_add_rows. */
size_t repl_add_pieces(const repl_acc *a);
void repl_add_rows_piece(repl_acc *a, size_t piece, const double *rows, size_t nrows,
                         size_t stride, uint64_t path0);
void repl_add_rows_end(repl_acc *a, size_t nrows, uint64_t path0);

/* into := into's rows followed by from's (per replicate, Chan's merge of means). 0, or
 * -1 (into unchanged) when the sizes or groups differ. into == from is allowed. */
int repl_merge(repl_acc *into, const repl_acc *from);

/* 1 when every replicate has at least one row (only then is repl_se defined). */
int repl_complete(const repl_acc *a);

/* The replicate standard error of variable v's mean (formula above); NaN when not
 * repl_complete. */
double repl_se(const repl_acc *a, size_t v);

/* The whole state as 64-bit words (doubles as bit patterns), for shards and MPI ranks:
 * repl_save writes repl_save_words(a) words; repl_load (into an accumulator of the same
 * sizes) restores every bit, or returns -1 leaving a unchanged. */
size_t repl_save_words(const repl_acc *a);
void repl_save(const repl_acc *a, uint64_t *w);
int repl_load(repl_acc *a, const uint64_t *w, size_t nwords);

#endif
