/*
 * engine_variant: the variants of a run on one common layout: the union of their clouds,
 * segments, contracts and uncertain values in order of first appearance, each variant's
 * map into it, and each variant's sampler, batch buffers and accumulators.
 *
 * Variants may differ in their clouds, segments, contracts and uncertain values
 * (compare A with B where B adds a contract). Their rows are scattered into the common
 * layout; an element a variant does not have stays 0 (a contract that does not exist
 * spends nothing). The uncertain values are likewise the union of key paths (NaN where a
 * variant lacks one).
 */
#ifndef CAPSIM_ENGINE_VARIANT_H
#define CAPSIM_ENGINE_VARIANT_H

#include "engine_state.h"

/* e->clouds, segments, contracts and params from every variant (e->vr[v].sc set). 0, or
 * -1 when out of memory. */
int eng_variant_names(engine *e);

/* e->U: the layout of the union of the names. */
void eng_variant_layout(engine *e);

/* Variant v's layout, maps, sampler, buffers and accumulators (after the two above and
 * with e->sb_paths set). 0, or -1 with the reason in e->err. */
int eng_variant_init(engine *e, size_t v);

/* Free the statistics, batch buffers and spill files of every variant (the bulk of the
 * engine's memory), ahead of eng_variant_free, which then skips them. */
void eng_variant_free_accumulators(engine *e);

/* Once every path is in (computed or merged), the batch buffers and the superblock
 * accumulators are done with: freed before the results are written, so that the exact
 * totals' columns (engine_exact.h) reuse their memory instead of adding to the peak. */
void eng_variant_free_paths_state(engine *e);

/* Free everything the functions above made (accepts a partial init). */
void eng_variant_free(engine *e);

#endif
