/* Helpers shared by the shard planner and the merge.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_SHARD_PRIVATE_H
#define ART_SHARD_PRIVATE_H

#include <artifact/shard.h>
#include <stddef.h>

#define ART__MANIFEST_FORMAT  "artifact-shard-manifest/1"
#define ART__SHARD_ASSIGNMENT "lpt(size+4096)"

/* Escape a name for one line of a manifest or index: backslash, tab, CR,
 * LF, other control bytes and bytes that are not UTF-8 become \\, \t, \r,
 * \n and \xHH. Returns a malloc'd string or NULL. */
char *art__shard_escape(const char *s);
/* The reverse; NULL on a malformed escape or no memory. */
char *art__shard_unescape(const char *s);
/* SHA-256 (hex) of the names sorted bytewise, each followed by a NUL. */
int art__shard_digest_names(const char **names, size_t n, char hex[65]);
/* SHA-256 (hex) of a file's bytes and its size. */
int art__shard_digest_file(const char *path, char hex[65], uint64_t *size);

#endif
