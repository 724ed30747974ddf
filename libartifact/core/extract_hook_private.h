/* Extraction of archive members by a process that may not create files (a
 * sandboxed worker): the archive walker hands the bytes to these hooks, and
 * the parent process writes the files. Set only inside a worker.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_EXTRACT_HOOK_PRIVATE_H
#define ART_EXTRACT_HOOK_PRIVATE_H

#include <stddef.h>

typedef struct art__extract_hook {
  /* Create REL below the extraction folder: a handle, or -1 with errno. */
  int (*open)(const char *rel);
  /* Append N bytes: 0, or -1 with errno (the file is then abandoned). */
  int (*write)(int handle, const void *p, size_t n);
  /* Finish: with FAILED, or after a failed write, the file is removed;
   * else it appears under its name. 0, or -1 with errno. */
  int (*close)(int handle, int failed);
} art__extract_hook;

/* NULL outside a sandboxed worker: files are created in this process. */
extern const art__extract_hook *art__extract_hook_active;

#endif
