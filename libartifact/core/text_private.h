/* Internal text helpers: UTF-8 checks and byte encodings.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_TEXT_PRIVATE_H
#define ART_TEXT_PRIVATE_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at S (1-4), or 0 if invalid. */
size_t art__utf8_seq_len(const unsigned char *s, size_t n);
/* Whether the NUL-terminated S is valid UTF-8. */
int art__utf8_valid(const char *s);
/* S with each invalid byte replaced by U+FFFD (caller frees). */
char *art__utf8_lossy(const char *s);
/* Lower-case hex of N bytes (caller frees). */
char *art__hex_encode(const unsigned char *p, size_t n);
/* Decode lower- or upper-case hex into a new buffer (caller frees); NULL on
 * bad input. */
unsigned char *art__hex_decode(const char *hex, size_t *n_out);

#endif
