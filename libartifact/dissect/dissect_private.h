/* Internal declarations shared by the dissectors and the registry.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_DISSECT_PRIVATE_H
#define ART_DISSECT_PRIVATE_H

#include <artifact/artifact.h>
#include <jansson.h>

/* The built-in dissectors (one per file in libartifact/dissect/). */
extern const art_dissector art__dissect_email;
extern const art_dissector art__dissect_ole;

/* Set the summary from a jansson object (reference stolen). */
art_status art__dissect_summary(art_dissect_sink *sink, json_t *obj);
/* A JSON string from bytes that may not be UTF-8 (invalid bytes become
 * U+FFFD); NULL gives JSON null. */
json_t *art__dissect_jstr(const char *s);
json_t *art__dissect_jstrn(const char *s, size_t len);
/* Append the distinct indicators found in TEXT to ARR ({class, value}),
 * at most MAX entries in ARR. */
void art__dissect_iocs(json_t *arr, const char *text, size_t len, size_t max);
/* Facts about a name as it appears in a record: double extension
 * ("invoice.pdf.exe"), right-to-left override, long or space-padded.
 * Appends flag names to ARR (may be NULL) and returns how many. */
size_t art__dissect_name_flags(const char *name, json_t *arr);

#endif
