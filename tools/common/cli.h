/* What every art-* tool shares: exit codes, messages, output files and the
 * progress line.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_CLI_H
#define ART_CLI_H

#include <artifact/artifact.h>
#include <stdio.h>

#include "i18n.h"

/* Exit codes, the same in every tool (docs/exit-codes.md). */
enum {
  ART_EXIT_OK = 0,      /* done, nothing to report */
  ART_EXIT_FOUND = 1,   /* done, with matches/mismatches to report */
  ART_EXIT_USAGE = 2,   /* usage error */
  ART_EXIT_PARTIAL = 3, /* done, but some inputs could not be examined */
  ART_EXIT_FATAL = 4    /* fatal error */
};

/* The tool's name for messages ("art-hash"); set once by cli_init, which
 * also selects the user's language for messages (cli_i18n_init). */
void cli_init(const char *tool);
const char *cli_tool(void);

/* "art-<tool>: <message>" on stderr. */
void cli_error(const char *fmt, ...) ART_PRINTF(1, 2);
/* "art-<tool>: <art_ctx_errmsg>" (or the status text if empty). */
void cli_error_ctx(const art_ctx *ctx, art_status st);
/* Print a usage error and the --help hint; returns ART_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) ART_PRINTF(1, 2);
/* Print "<tool> (artifact) <version>" to stdout. */
void cli_version(void);

/* Open --output FILE (or stdout for NULL or "-"); NULL on error (reported). */
FILE *cli_open_output(const char *path);
/* Flush and close; reports write errors; returns 0 on success. */
int cli_close_output(FILE *f);
/* Close an output of a failed run without keeping it (a file is removed;
 * nothing appears under its name). */
void cli_abandon_output(FILE *f);

/* Parse a size such as 4096, 64k, 1M, 2G (powers of 1024). 0 on success. */
int cli_parse_size(const char *s, uint64_t *out);
/* Parse an unsigned decimal count. 0 on success. */
int cli_parse_uint(const char *s, unsigned *out);

/* Queue the inputs of a tool run on BATCH: names from FILES_FROM (a file, or
 * "-" for standard input; NUL-separated with NULL_LIST), then each argument
 * (with NULL_LIST, "-" means a NUL-separated list on standard input rather
 * than standard input's bytes); no input at all means standard input.
 * Errors are reported; returns 0 on success. */
int cli_add_inputs(art_batch *batch,
                   int argc,
                   char **argv,
                   const char *files_from,
                   int null_list);

/* Segments named on the command line (a shell glob such as img.E0*): when
 * ARGV[I] is a later segment of a split raw (only with SPLIT_RAW) or E01
 * image whose first segment is also among the ARGC arguments, print a note
 * and return 1 (skip it: the image is read once, through its first
 * segment); a later segment named without its first one is read as a plain
 * file, with a warning; returns 0 then and for any other input. */
int cli_segment_skip(int argc, char **argv, int i, int split_raw);

/* The image options every tool that opens images offers, as one line in
 * its option table and one case in its option switch:
 *   CLI_IMAGE_OPTIONS,                         (in struct option[])
 *   case CLI_OPT_IMAGE: case CLI_OPT_NO_IMAGES:
 *     cli_image_option(c, &o->batch); break;
 * --image: a named NAME.001 with NAME.002 beside it is a split raw image;
 * --no-images: named inputs are plain files, whatever their content. An E01
 * or a virtual disk is opened as an image by its signature (the source
 * layer decides: ART_SOURCE_NAMED). */
enum { CLI_OPT_IMAGE = 0x4900, CLI_OPT_NO_IMAGES };
#define CLI_IMAGE_OPTIONS                                                      \
  {"image", no_argument, NULL, CLI_OPT_IMAGE},                                 \
  {                                                                            \
    "no-images", no_argument, NULL, CLI_OPT_NO_IMAGES                          \
  }
#define CLI_IMAGE_HELP                                                         \
  N_("      --image              a named NAME.001 (with NAME.002) is a "       \
     "split\n"                                                                 \
     "                           raw image: read its media\n"                  \
     "      --no-images          named E01/VMDK/VHD/QCOW2 files are plain "    \
     "files\n")
void cli_image_option(int opt, art_batch_opts *batch);
/* The source kind for a named input under these options (for tools that
 * open named inputs themselves). */
art_source_kind cli_image_kind(const art_batch_opts *batch);

/* Shards (--shard K/N, --manifest FILE; include/artifact/shard.h). A tool
 * adds two lines to its option table,
 *   {"shard", required_argument, NULL, CLI_OPT_SHARD},
 *   {"manifest", required_argument, NULL, CLI_OPT_MANIFEST},
 * passes both to cli_shard_option(), and calls cli_shard_finish() after
 * closing its output. cli_add_inputs() then plans the shard and filters the
 * batch; a tool that queues its inputs itself calls cli_shard_setup(). */
enum { CLI_OPT_SHARD = 0x5301, CLI_OPT_MANIFEST = 0x5302 };
/* Returns 0, or ART_EXIT_USAGE after printing the usage error. */
int cli_shard_option(int opt, const char *arg);
/* Nonzero when --shard was given. */
int cli_shard_active(void);
/* Plan this shard over the inputs queued on BATCH (ROOTS: the names given
 * on the command line, for the manifest) and install the filter. Errors are
 * reported; returns 0 on success (and when no --shard was given). */
int cli_shard_setup(art_batch *batch, int n_roots, char **roots);
/* Write the manifest (when --manifest was given); returns RC, or
 * ART_EXIT_FATAL when the manifest cannot be written. The options recorded
 * are the command line's (/proc/self/cmdline) but for the roots and those
 * that do not change results (--shard, --manifest, -o/--output, -j/--jobs,
 * -q/--quiet, --progress; art-yara's -p/--threads, --cache-dir,
 * --cache-max, --no-cache). */
int cli_shard_finish(int rc);

/* Progress line on stderr, only when stderr is a terminal: a thread prints
 * files, bytes, rate and ETA once a second from the batch's counters. */
typedef struct cli_progress cli_progress;
cli_progress *cli_progress_start(const art_batch *batch);
/* Also show a running count (art-yara: "matches"); P may be NULL. COUNT is
 * read once a second and must outlive the progress line. */
void cli_progress_count(cli_progress *p,
                        const char *label,
                        const _Atomic unsigned long *count);
void cli_progress_stop(cli_progress *p);

#endif
