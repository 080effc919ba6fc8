/*
 * engine_exact: the exact statistics of the per-path totals (docs/MODEL.md 14): quantiles,
 * expected shortfalls, P(> 0) and P(< 0) of every total, and of every paired difference
 * of totals (variant minus baseline), from the per-path values themselves instead of the
 * sketch. They come from the spill file (engine_sensitivity.c), which holds every path's
 * totals in path order whoever computed the path (one process, MPI ranks, merged shards),
 * so the results are the same bits for any split of the run.
 *
 * Memory: the columns are read back into memory and sorted, as many per pass over the
 * spill as fit in ENGINE_EXACT_BYTES (128 MiB), but always at least one: the bound is
 * max(128 MiB, 8 bytes x paths): at 1e6 paths a column is 8 MB, 16 columns a pass (the
 * default scenario's 24 total values take 2 passes, with their differences 3); at 1e9 paths a column is 8 GB, one
 * per pass over the spill. The batch buffers and superblock accumulators are freed
 * before (eng_variant_free_paths_state), so that at 1e6 paths the columns do not raise
 * the run's peak memory. Time: a sort per column (about 0.2 s per 1e6 values), columns in
 * parallel.
 */
#ifndef CAPSIM_ENGINE_EXACT_H
#define CAPSIM_ENGINE_EXACT_H

#include "engine_state.h"
#include "sim/stats/exact.h"

#define ENGINE_EXACT_BYTES ((size_t)128 << 20)

/* Exact statistics of variant v's ntotals totals into out, and (v >= 1, dout not NULL)
 * of their differences from variant 0 into dout, over the e->done spilled paths.
 * 0, or -1 when out of memory or a spill cannot be read. */
int eng_exact_totals(const engine *e, size_t v, exact_stats *out, exact_stats *dout);

#endif
