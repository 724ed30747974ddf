/* Shards and merge: split a bulk run's inputs deterministically over N
 * processes or machines (art-* --shard K/N), describe each part in a
 * manifest, and merge the parts into the output a single run would write.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline (a tool): art_shard_spec_parse() the --shard value;
 * art_shard_new(); queue the inputs on an art_batch as usual;
 * art_shard_plan() enumerates them (walk and stat, no reads) and assigns
 * each to a shard; art_shard_attach() installs the batch filter and records
 * where each input's output starts and ends in OUT; art_batch_run();
 * close the output; art_shard_write_manifest(); art_shard_free().
 * Merge: art_merge() with the manifests of every shard.
 *
 * Assignment: every input the run would examine (a file found in a tree, a
 * name of a -T list, a named file or image, and the entries that only
 * produce a message) is enumerated in the single run's order with its size.
 * Inputs are sorted by size (largest first, then by name, then by position)
 * and each goes to the shard with the least weight so far (lowest K on a
 * tie), the weight of an input being its size plus 4 KiB (the per-file
 * cost). This is the longest-processing-time rule: the heaviest shard
 * exceeds the lightest by at most one input's weight, so on trees of many
 * files the shards are within a fraction of a percent by bytes; a file
 * larger than the total divided by N ends up alone in its shard (files are
 * never split). The assignment depends only on the list of names and
 * sizes, so every machine that sees the same inputs computes the same one;
 * the manifest records a digest of that list so art_merge() refuses shards
 * that saw different inputs.
 */
#ifndef ART_SHARD_H
#define ART_SHARD_H

#include <stdio.h>

#include "batch.h"

ART_BEGIN_DECLS

typedef struct art_shard art_shard;

/* Parse "K/N" (1 <= K <= N <= 65536), or "auto": K and N from Slurm's
 * SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN, plus one) and
 * SLURM_ARRAY_TASK_COUNT, else from Kubernetes' JOB_COMPLETION_INDEX (from
 * 0) with N from ART_SHARD_COUNT; "auto/N" takes N from the value. */
ART_API art_status art_shard_spec_parse(art_ctx *ctx,
                                        const char *spec,
                                        unsigned *k,
                                        unsigned *n);

ART_API art_status art_shard_new(art_ctx *ctx,
                                 unsigned k,
                                 unsigned n,
                                 art_shard **out);
ART_API void art_shard_free(art_shard *shard);

/* Enumerate the inputs queued on BATCH (without examining them), assign
 * them, and rewind BATCH's lists for the real run. */
ART_API art_status art_shard_plan(art_ctx *ctx,
                                  art_shard *shard,
                                  art_batch *batch);
/* The same by hand (tests): add inputs in order, then assign. */
ART_API art_status art_shard_add(art_ctx *ctx,
                                 art_shard *shard,
                                 const char *path,
                                 uint64_t size);
ART_API art_status art_shard_assign(art_ctx *ctx, art_shard *shard);
/* Inputs planned, and the shard (1..N) of the I-th. */
ART_API size_t art_shard_inputs(const art_shard *shard);
ART_API unsigned art_shard_owner(const art_shard *shard, size_t i);

/* Install the filter on BATCH: only this shard's inputs are examined, with
 * their single-run positions, and the byte range each one's output takes in
 * OUT (a regular file) is recorded. INDEX_PATH receives that record. */
ART_API art_status art_shard_attach(art_ctx *ctx,
                                    art_shard *shard,
                                    art_batch *batch,
                                    FILE *out,
                                    const char *index_path);

/* What the tool tells the manifest. */
typedef struct art_shard_info {
  const char *tool;           /* "art-hash" */
  const char *output;         /* path of the output file */
  const char *const *options; /* options that change results, as given */
  size_t n_options;
  const char *const *roots; /* inputs named on the command line */
  size_t n_roots;
  const char *const *lists; /* -T lists ("-": standard input) */
  size_t n_lists;
  int exit_code;
  unsigned long failures; /* inputs reported as failed */
  int64_t start, end;     /* Unix times of the run */
} art_shard_info;

/* Write the manifest (JSON, docs/art-merge.1) after the output is closed. */
ART_API art_status art_shard_write_manifest(art_ctx *ctx,
                                            art_shard *shard,
                                            const art_shard_info *info,
                                            const char *path);

typedef struct art_merge_opts {
  /* Walk the roots again and compare (when reachable). The walk runs from
   * the directory the shards ran in (the manifest's cwd): the working
   * directory is changed for its duration and restored, so do not use this
   * while other threads depend on it. */
  int coverage;
  /* Each problem found, one sentence naming the shard or input. */
  void (*note)(void *ud, const char *msg);
  void *ud;
} art_merge_opts;

typedef struct art_merge_result {
  uint64_t records;       /* inputs merged */
  uint64_t uncovered;     /* found by the coverage walk, in no shard */
  uint64_t vanished;      /* covered or planned, gone now */
  int coverage_checked;   /* the coverage walk ran */
  unsigned long failures; /* sum of the shards' failures */
  int exit_code;          /* the worst of the shards' exit codes */
} art_merge_result;

/* Check the set of manifests (every shard 1..N exactly once, same tool,
 * version, options, roots and inputs, outputs intact) and write to OUT what
 * a single run would have written. ART_ERR_INTEGRITY when the set is
 * refused (each reason went to opts->note; the context names the first). */
ART_API art_status art_merge(art_ctx *ctx,
                             const char *const *manifests,
                             size_t n_manifests,
                             FILE *out,
                             const art_merge_opts *opts,
                             art_merge_result *result);

ART_END_DECLS

#endif
