/*
 * engine_merge: the shards of a run (`capsim run --shard i/n`, docs/ENGINE.md) as the
 * engine sees them: checked against the job as this capsim loads it, and each superblock
 * read back from its shard's file as a package (engine_pack.h) for eng_pack_consume.
 */
#ifndef CAPSIM_ENGINE_MERGE_H
#define CAPSIM_ENGINE_MERGE_H

#include "engine_state.h"

typedef struct shard_file shard_file;   /* output/shardfile.h */

/* The shards files[0..n) (checked and sorted by shard_check_set) must describe this very
 * job, as this capsim would run it: the superblock size, the layout (and the shapes of
 * each shard's per-path datasets), each shard's paths. 0, or -1 with the reason in
 * e->err. */
int eng_merge_check(engine *e, shard_file *const *files, size_t n);

/* Superblock s of shard f as a package into pk (its per-path data from the shard's
 * /totals, /shard/yearly and /paths; its blobs from /shard/acc, each tried: it must load
 * into the superblock accumulators, which are left empty). 0; ENG_MERGE_DAMAGED when the
 * file is damaged (data that do not decode, accumulators that do not fit); -1 on another
 * failure (a read error of the system, out of memory); the reason in e->err. */
#define ENG_MERGE_DAMAGED (-2)
int eng_merge_read(engine *e, shard_file *f, uint64_t s, words *pk);

#endif
