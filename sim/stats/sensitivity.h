/*
 * sensitivity: streaming estimators of which uncertain input drives which output
 *. Both accumulate in the order samples are added and keep memory fixed
 * in the number of samples.
 *
 * corr_acc: Pearson correlations between every x_i and every y_j. Fed with CDF values
 *   (ranks / n) of both sides it is Spearman's rank correlation.
 * sobol_acc: first-order and total Sobol indices from Saltelli's paired sample matrices:
 *   for base sample i, f(A_i), f(B_i) and f(AB_i^(j)) (A_i with input j taken from B_i).
 *   First order (Saltelli et al. 2010, f(B) centred on the sample mean of f so that the
 *   estimate does not depend on the shift of the sums): S_j = mean((f(B) - fbar)
 *   (f(AB_j) - f(A))) / V; total (Jansen 1999): ST_j = mean((f(A) - f(AB_j))^2) / 2 / V;
 *   V = variance of f over all A and B samples. The 95% half-widths are 1.96 (STATS_Z95)
 *   times the delta-method standard error of numerator / V, V's own error and its
 *   covariance with the numerator included (coverage measured in
 *   tests/test_sensitivity.c and tests/test_sobol_cover.c).
 */
#ifndef CAPSIM_SENSITIVITY_H
#define CAPSIM_SENSITIVITY_H

#include <stddef.h>
#include <stdint.h>

typedef struct corr_acc corr_acc;

corr_acc *corr_acc_alloc(size_t nx, size_t ny);
void corr_acc_free(corr_acc *c);   /* accepts NULL */
/* One sample: x[nx], y[ny]. A NaN y_j (an input a variant lacks) is skipped for j. */
void corr_acc_add(corr_acc *c, const double *x, const double *y);
/* n samples at once, sample r at x + r * xstride and y + r * ystride: the same sums, to
 * the bit, as n calls of corr_acc_add, whatever the number of threads. */
void corr_acc_add_rows(corr_acc *c, const double *x, size_t xstride, const double *y,
                       size_t ystride, size_t n);
/* r[i * ny + j]; NaN where y_j was never seen; 0 where x_i or y_j never varied. */
void corr_acc_result(const corr_acc *c, double *r);

typedef struct sobol_acc sobol_acc;

sobol_acc *sobol_acc_alloc(size_t nout, size_t nparams);
void sobol_acc_free(sobol_acc *s);  /* accepts NULL */
/* One base sample: fa[nout], fb[nout], fab[j * nout + k] for input j, output k. */
void sobol_acc_add(sobol_acc *s, const double *fa, const double *fb, const double *fab);
/* Indices and 95% half-widths, each [k * nparams + j]; NaN where V = 0. */
void sobol_acc_result(const sobol_acc *s, double *first, double *total, double *first_ci, double *total_ci);

/* Merging (superblocks, shards, MPI ranks: docs/ENGINE.md). The sums are of f - f0. By
 * default f0 is the first sample's f(A); accumulators that are to be merged must share
 * one shift fixed in advance (the engine uses path 0's f(A)): set it before the first
 * sample. reset empties the sums and keeps the shift. merge: into := into's samples
 * followed by from's, by adding the sums (into's first, so a fixed sequence of merges
 * gives fixed bits); -1 (nothing changed) when the sizes or the shifts differ or a shift
 * was not fixed. */
void sobol_acc_set_shift(sobol_acc *s, const double *f0);
void sobol_acc_reset(sobol_acc *s);
int sobol_acc_merge(sobol_acc *into, const sobol_acc *from);

/* The whole state as 64-bit words (doubles as bit patterns): save writes
 * sobol_acc_save_words(s) words; load (into an accumulator of the same sizes) restores
 * every bit, or returns -1 leaving s unchanged. */
size_t sobol_acc_save_words(const sobol_acc *s);
void sobol_acc_save(const sobol_acc *s, uint64_t *w);
int sobol_acc_load(sobol_acc *s, const uint64_t *w, size_t nwords);

#endif
