/*
 * engine_sensitivity: the sensitivity of the totals to the sampled values.
 *
 * Rank correlations need the rank of each path's totals among all paths, known only at
 * the end. To keep memory flat in the number of paths, each path's totals, yearly
 * aggregates and the uniforms of its sampled values go to a spill file (in path order,
 * however the superblocks arrived); a last pass reads it back in batches and correlates
 * the totals' CDF values under the final sketches (stats_cdf_table) with the uniforms
 * (the exact CDF values of the sampled values). The same pass correlates each calendar
 * year's unmet H100e-hours and spend with the sampled values, so a user sees which
 * uncertainty matters in which year. Only the process writing the file has the spill.
 *
 * Sobol indices (saltelli) come from the run's Sobol sums; here they are put in the
 * common order of totals and parameters.
 */
#ifndef CAPSIM_ENGINE_SENSITIVITY_H
#define CAPSIM_ENGINE_SENSITIVITY_H

#include "engine_state.h"

/* The n paths of buffers b of variant r onto its spill file. 0, or -1 on a write error. */
int eng_sens_spill(const engine *e, variant_run *r, const batch_buf *b, size_t n);

/* Spearman correlation of every total and every yearly aggregate of variant r with every
 * sampled value, over its npaths spilled paths. rc gets ntotals x nparams, then
 * 2 * nyears x nparams (common order). 0, or -1 when out of memory or the spill cannot be
 * read back. */
int eng_sens_rank_corr(const engine *e, variant_run *r, uint64_t npaths, double *rc);

/* Sobol indices of variant v in the common order (NaN for what v lacks): first, total
 * and their 95% half-widths, each ntotals x nparams, one after the other in all. 0, or -1
 * when out of memory. */
int eng_sens_sobol(const engine *e, size_t v, double *all);

#endif
