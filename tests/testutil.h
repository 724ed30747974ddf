/* Helpers shared by the Check suites: temp folders, files, running commands.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_TESTUTIL_H
#define ART_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* A fresh temporary folder (removed by tu_rmtree). Never NULL. */
char *tu_tmpdir(void);
/* Remove a folder tree (no-op when NULL). Restores permissions first. */
void tu_rmtree(const char *dir);
/* DIR/NAME as a new string (caller frees). */
char *tu_path(const char *dir, const char *name);
/* Write LEN bytes to PATH (created or truncated); fails the test on error. */
void tu_write(const char *path, const void *data, size_t len);
/* Write LEN pseudo-random bytes from SEED. */
void tu_write_random(const char *path, size_t len, unsigned seed);
/* Run a shell command and return its stdout (caller frees), trailing
 * newline kept; *STATUS gets the exit status. Fails the test if the command
 * cannot be started. */
char *tu_run(const char *cmd, int *status);
/* The first whitespace-separated word of a command's output (caller frees). */
char *tu_run_word(const char *cmd);
/* A body file at IN read by art_timeline and written in FORMAT
 * (art_timeline_format; COMPAT: --tsk-compat); the output (caller frees).
 * Fails the test if any step fails. */
char *tu_timeline_body(const char *in, int format, int compat);
/* Run a Check suite and return the process exit code (for main()). */
int tu_main(Suite *s);

#endif
