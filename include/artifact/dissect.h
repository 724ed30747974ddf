/* Dissectors: format modules that recognise an artifact by its content, add
 * a summary object to its record under their own key and yield child
 * artifacts (decoded attachments, macro source, embedded objects...).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline:
 *   1. The registry lists the built-in dissectors (art_dissect_count(),
 *      art_dissect_at(), art_dissect_find()), in the order they are tried.
 *   2. A caller (art-surface) asks each dissector whether it recognises an
 *      artifact's bytes (recognise(), cheap, on the first bytes), then runs
 *      the ones that do: art_dissect_run() on the artifact's bytes in
 *      memory, with an art_dissect_sink that receives the summary (JSON
 *      text), flags, errors and the children.
 *   3. Each child is handed to the sink's callback while the dissector runs
 *      (its bytes are borrowed for the call); the caller analyses it with
 *      the same pipeline as any artifact and may dissect it in turn. The
 *      callback's status tells the dissector to go on (ART_OK) or to stop
 *      yielding (ART_ERR_LIMIT: a count, size, depth or time limit was hit,
 *      the caller has recorded it).
 *
 * Dissectors never print, never write files and never trust sizes read
 * from the artifact: every length is checked against the bytes at hand.
 * A damaged artifact gives what could be read, with an error naming the
 * input and the reason (art_dissect_sink_error) and ART_ERR_CORRUPT.
 *
 * Threads: the registry is immutable; a sink is used by one thread.
 */
#ifndef ART_DISSECT_H
#define ART_DISSECT_H

#include "ctx.h"

ART_BEGIN_DECLS

typedef struct art_dissect_sink art_dissect_sink;

/* One child artifact; everything is borrowed for the duration of the
 * callback. */
typedef struct art_dissect_child {
  const char *via;  /* lineage: "mime-part", "mime-body", "vba-module",
                       "ole-stream", "pdf-stream", "base64"... */
  const char *name; /* name as declared (attachment file name, module
                       name), UTF-8; NULL: the caller names it "<via>-<n>" */
  const void *data;
  size_t len;
  const char *declared_type; /* MIME type or class as declared, or NULL */
  /* More facts about where the child comes from, as the text of a JSON
   * object merged into its record's "lineage" (e.g. {"part":"1.2"}), or
   * NULL. */
  const char *lineage_json;
  int truncated; /* the dissector could not give all of it */
} art_dissect_child;

/* What a dissector sees. */
typedef struct art_dissect_input {
  const uint8_t *data;
  size_t len;
  const char *name; /* the artifact's name, for messages */
  int truncated;    /* only the first bytes were kept (the record says so) */
} art_dissect_input;

typedef struct art_dissector {
  const char *name;        /* the record key: "email", "ole", "pdf"... */
  const char *description; /* one line for --help and the docs */
  /* Whether DATA (the first LEN bytes, at least 4 KiB when the artifact is
   * that long) is this format. By content only, never by name. */
  int (*recognise)(const uint8_t *data, size_t len);
  /* Dissect IN: set the summary, yield children, flag what is suspicious.
   * ART_OK, ART_ERR_CORRUPT (partial: what was read was reported),
   * ART_ERR_LIMIT (stopped at a caller's limit) or ART_ERR_NOMEM. */
  art_status (*run)(art_ctx *ctx,
                    const art_dissect_input *in,
                    art_dissect_sink *sink);
} art_dissector;

/* The registry, in the order dissectors are tried. */
ART_API size_t art_dissect_count(void);
ART_API const art_dissector *art_dissect_at(size_t index);
/* By record key; NULL when there is none. */
ART_API const art_dissector *art_dissect_find(const char *name);

/* The sink a caller gives to a dissector. CHILD is called for each child;
 * its status goes back to the dissector (see the outline). */
typedef art_status (*art_dissect_child_cb)(void *userdata,
                                           const art_dissect_child *child);

ART_API art_status art_dissect_sink_new(art_ctx *ctx,
                                        art_dissect_child_cb child,
                                        void *userdata,
                                        art_dissect_sink **out);
ART_API void art_dissect_sink_free(art_dissect_sink *sink);

/* Run D on IN into SINK (the sink is reset first). */
ART_API art_status art_dissect_run(art_ctx *ctx,
                                   const art_dissector *d,
                                   const art_dissect_input *in,
                                   art_dissect_sink *sink);

/* For dissectors: the summary (JSON object text, copied), a flag (a short
 * snake_case fact: "encrypted", "vba_stomping", "reply_to_mismatch"...),
 * an error message (starting with what it is about), a child. */
ART_API art_status art_dissect_sink_summary(art_dissect_sink *sink,
                                            const char *json);
ART_API void art_dissect_sink_flag(art_dissect_sink *sink, const char *flag);
ART_API void art_dissect_sink_error(art_dissect_sink *sink,
                                    const char *fmt,
                                    ...) ART_PRINTF(2, 3);
ART_API art_status art_dissect_sink_child(art_dissect_sink *sink,
                                          const art_dissect_child *child);

/* For callers, after art_dissect_run(): the summary text (NULL when the
 * dissector set none), the flags and errors (borrowed until the next run),
 * and how many children were yielded. */
ART_API const char *art_dissect_sink_get_summary(const art_dissect_sink *sink);
ART_API size_t art_dissect_sink_flag_count(const art_dissect_sink *sink);
ART_API const char *art_dissect_sink_flag_at(const art_dissect_sink *sink,
                                             size_t i);
ART_API size_t art_dissect_sink_error_count(const art_dissect_sink *sink);
ART_API const char *art_dissect_sink_error_at(const art_dissect_sink *sink,
                                              size_t i);
ART_API uint64_t art_dissect_sink_children(const art_dissect_sink *sink);

ART_END_DECLS

#endif
