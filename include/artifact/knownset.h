/* Known hash sets for audit and matching: a hash list read back (hashdeep,
 * md5sum/sha256sum and JSON Lines as art-hash writes them) and compared with
 * new results, as hashdeep -a/-m/-x do.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_knownset_load() a file (format detected from its content);
 * for each input, art_knownset_audit() (matched/changed/new/moved) or
 * art_knownset_contains() (match mode); at the end
 * art_knownset_foreach_unused() lists the known entries nothing matched
 * (missing); art_knownset_free(). Not thread-safe: audit from one thread
 * (the emit callback of the batch driver is).
 */
#ifndef ART_KNOWNSET_H
#define ART_KNOWNSET_H

#include <stdio.h>

#include "hash.h"

ART_BEGIN_DECLS

typedef struct art_knownset art_knownset;

typedef enum art_audit_result {
  ART_AUDIT_MATCHED = 0, /* same name, same hashes */
  ART_AUDIT_CHANGED,     /* same name, other hashes */
  ART_AUDIT_NEW,         /* neither name nor hashes known */
  ART_AUDIT_MOVED,       /* hashes known under another name */
  ART_AUDIT_MISSING      /* known, not seen (reported at the end) */
} art_audit_result;

ART_API const char *art_audit_result_name(art_audit_result r);

/* Load PATH. Lines that cannot be parsed are an error naming the line. */
ART_API art_status art_knownset_load(art_ctx *ctx,
                                     const char *path,
                                     art_knownset **out);
ART_API void art_knownset_free(art_knownset *ks);
/* Algorithms present in the set. */
ART_API unsigned art_knownset_mask(const art_knownset *ks);
ART_API size_t art_knownset_count(const art_knownset *ks);

/* Classify one input by NAME, SIZE and its computed hashes (H). KNOWN_NAME
 * (borrowed, may be NULL) gets the known entry's name for MOVED/CHANGED. */
ART_API art_audit_result art_knownset_audit(art_knownset *ks,
                                            const char *name,
                                            uint64_t size,
                                            const art_hash *h,
                                            const char **known_name);
/* Whether any common algorithm of H matches an entry (match mode). */
ART_API int art_knownset_contains(const art_knownset *ks, const art_hash *h);

/* Call CB for each entry that no audit matched, by name or by hash, in the
 * set's order. */
ART_API void art_knownset_foreach_unused(const art_knownset *ks,
                                         void (*cb)(const char *name,
                                                    void *userdata),
                                         void *userdata);

/* Write one audit line: text ("moved    NAME (moved from OLD)", names
 * escaped as the sum format does) or, with JSONL set, a JSON object. */
ART_API void art_audit_write(FILE *out,
                             int jsonl,
                             art_audit_result r,
                             const char *path,
                             const char *known_path);
/* Write the summary: COUNTS indexed by art_audit_result; UNREADABLE inputs
 * make the audit fail too. Returns nonzero when the audit failed. */
ART_API int art_audit_write_summary(FILE *out,
                                    int jsonl,
                                    const unsigned long *counts,
                                    unsigned long unreadable);

ART_END_DECLS

#endif
