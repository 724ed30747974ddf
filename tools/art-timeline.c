/* art-timeline: timeline of file-system, tree, archive and body-file times.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/timeline.h>
#include <artifact/windows.h>
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/cli_sandbox.h"

static void usage(void)
{
  printf(_(
      "Usage: art-timeline [OPTIONS] [IMAGE|DIR]...\n"
      "Timeline of file times from disk images (raw, split raw, E01; every\n"
      "partition), directory trees, archives and body files, and of Windows\n"
      "artifacts (event logs, registry, prefetch, LNK, jump lists, $UsnJrnl,\n"
      "Recycle Bin, Chrome/Firefox history).\n\n"
      "Sources:\n"
      "  IMAGE                 disk image or block device (libtsk)\n"
      "  DIR                   live directory tree (statx)\n"
      "  ARTIFACT              a Windows artifact file (System.evtx,\n"
      "                        NTUSER.DAT, X.pf, X.lnk, $J, $I..., History)\n"
      "  -b, --body FILE       existing body file ('-' for stdin)\n"
      "  -A, --archive FILE    archive members (libarchive)\n\n"
      "Output:\n"
      "  -f, --format FMT      body (default), mactime, l2tcsv, jsonl, html\n"
      "      --tsk-compat      body exactly as fls -r -m / prints it\n"
      "      --artifacts SET   windows (default; none with --tsk-compat) or\n"
      "                        none: Windows artifacts found in NTFS volumes\n"
      "      --merge-macb      l2tcsv: same-time file events in one MACB row\n"
      "  -o, --offset SECTORS  only the file system at this sector offset\n"
      "  -O, --output FILE     write to FILE instead of standard output\n"
      "  -z, --timezone TZ     display zone for l2tcsv/jsonl/html (UTC)\n"
      "      --fs-timezone TZ  zone FAT/exFAT local times are in (UTC)\n"
      "      --display-tz TZ   same as -z; html: $TZ when neither is given\n"
      "      --fs-codepage CP  code page of FAT short names (cp932 for\n"
      "                        Japanese media; default: as fls, '^')\n\n"
      "Filters:\n"
      "      --from DATE       keep times >= DATE (YYYY-MM-DD[THH:MM:SS][Z])\n"
      "      --to DATE         keep times < DATE\n"
      "      --path PREFIX     keep paths starting with PREFIX\n"
      "  -d, --deleted         deleted entries only\n"
      "  -k, --kinds LIST      time kinds: m,a,c,b,d,fn_m,fn_a,fn_c,fn_b\n"
      "      --only TYPES      keep these data_types (fs:stat,\n"
      "                        windows:evtx:record, windows:registry:*, ...)\n"
      "      --exclude TYPES   drop these data_types\n"
      "      --no-orphans      skip the $OrphanFiles hunt on images\n"
      "      --hash-evidence   SHA-256 of each image, carried in every "
      "event\n\n"
      "Volumes:\n"
      "      --vss all|N       also the Volume Shadow Copies of NTFS volumes\n"
      "                        (names under vssN:, evidence with the store's\n"
      "                        creation time)\n"
      "      --apfs-volume N   only volume N of an APFS pool (default: all,\n"
      "                        names under apfsN: when there are several)\n"
      "      --recovery-password KEY  BitLocker recovery password\n"
      "      --password PW     BitLocker (or APFS) password\n"
      "      --startup-key FILE  BitLocker startup key (.BEK)\n\n"
      "Scale:\n"
      "  -m, --memory SIZE     sort buffer budget (default 256M)\n"
      "  -T, --tmpdir DIR      directory for sort run files ($TMPDIR, /tmp)\n"
      "  -q, --quiet           no progress line\n"
      "  -v, --verbose         counts and sort statistics on stderr at the "
      "end\n"
      "\nSandbox (images and artifact files are parsed in a confined "
      "worker):\n"
      "      --timeout SECS       stop a worker after SECS without progress\n"
      "                           (60; 0: none)\n"
      "      --memory-limit SIZE  address space of the worker (1G)\n"
      "      --no-sandbox         parse images and artifact files in this\n"
      "                           process (debugging)\n\n"
      "  -h, --help            this help\n"
      "      --version         version\n\n"
      "Exit: 0 done, 2 usage, 3 some inputs or partitions could not be read, "
      "4 fatal.\n"));
}

typedef struct problem_ctx {
  int count;
} problem_ctx;

static void on_problem(void *user, art_status st, const char *msg)
{
  problem_ctx *p = user;
  if (st == ART_OK) { /* a note: the input was read */
    cli_error(_("note: %s"), msg);
    return;
  }
  p->count++;
  cli_error("%s", msg);
}

static int progress_tty;
static time_t progress_last;

static void on_progress(void *user, const art_timeline_progress *p)
{
  (void)user;
  time_t now = time(NULL);
  if (!progress_tty || now == progress_last)
    return;
  progress_last = now;
  fputc('\r', stderr);
  fprintf(stderr, _("%s: %s: %" PRIu64 " entries, %" PRIu64 " events"),
          cli_tool(), p->input ? p->input : "", p->entries, p->events);
}

enum {
  OPT_TSK_COMPAT = 256,
  OPT_FS_TZ,
  OPT_FROM,
  OPT_TO,
  OPT_PATH,
  OPT_NO_ORPHANS,
  OPT_HASH_EVIDENCE,
  OPT_ARTIFACTS,
  OPT_MERGE_MACB,
  OPT_ONLY,
  OPT_EXCLUDE,
  OPT_VERSION,
  OPT_VSS,
  OPT_APFS_VOLUME,
  OPT_RECOVERY_PASSWORD,
  OPT_PASSWORD,
  OPT_STARTUP_KEY,
  OPT_FS_CODEPAGE
};

/* "all" (ALL) or a volume number from 1. 0 on success. */
static int parse_volume(const char *s, int all, int *out)
{
  unsigned n;
  if (strcmp(s, "all") == 0) {
    *out = all;
    return 0;
  }
  if (cli_parse_uint(s, &n) || n == 0 || n > 4096)
    return -1;
  *out = (int)n;
  return 0;
}

/* A Windows artifact (by signature and name)? Read-only peek. */
static int is_artifact(const char *path)
{
  int fd = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC);
  if (fd < 0)
    fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  unsigned char head[4096];
  ssize_t n = read(fd, head, sizeof head);
  close(fd);
  return n > 0 && art_win_detect(path, head, (size_t)n) != ART_WIN_UNKNOWN;
}

typedef struct input {
  char kind; /* 'i' image/tree (decided by stat), 'b' body, 'a' archive */
  const char *path;
} input;

int main(int argc, char **argv)
{
  cli_init("art-timeline");
  static const struct option opts[] = {
      {"body", required_argument, NULL, 'b'},
      {"archive", required_argument, NULL, 'A'},
      {"format", required_argument, NULL, 'f'},
      {"tsk-compat", no_argument, NULL, OPT_TSK_COMPAT},
      {"offset", required_argument, NULL, 'o'},
      {"output", required_argument, NULL, 'O'},
      {"timezone", required_argument, NULL, 'z'},
      {"fs-timezone", required_argument, NULL, OPT_FS_TZ},
      {"display-tz", required_argument, NULL, 'z'},
      {"fs-codepage", required_argument, NULL, OPT_FS_CODEPAGE},
      {"from", required_argument, NULL, OPT_FROM},
      {"to", required_argument, NULL, OPT_TO},
      {"path", required_argument, NULL, OPT_PATH},
      {"deleted", no_argument, NULL, 'd'},
      {"kinds", required_argument, NULL, 'k'},
      {"no-orphans", no_argument, NULL, OPT_NO_ORPHANS},
      {"hash-evidence", no_argument, NULL, OPT_HASH_EVIDENCE},
      {"vss", required_argument, NULL, OPT_VSS},
      {"apfs-volume", required_argument, NULL, OPT_APFS_VOLUME},
      {"recovery-password", required_argument, NULL, OPT_RECOVERY_PASSWORD},
      {"password", required_argument, NULL, OPT_PASSWORD},
      {"startup-key", required_argument, NULL, OPT_STARTUP_KEY},
      {"artifacts", required_argument, NULL, OPT_ARTIFACTS},
      {"merge-macb", no_argument, NULL, OPT_MERGE_MACB},
      {"only", required_argument, NULL, OPT_ONLY},
      {"exclude", required_argument, NULL, OPT_EXCLUDE},
      {"memory", required_argument, NULL, 'm'},
      {"tmpdir", required_argument, NULL, 'T'},
      {"quiet", no_argument, NULL, 'q'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, OPT_VERSION},
      CLI_SANDBOX_LONGOPTS,
      {NULL, 0, NULL, 0}};
  art_ctx *ctx = NULL;
  art_timeline *tl = NULL;
  input *inputs = calloc((size_t)argc + 1, sizeof *inputs);
  size_t ninputs = 0;
  const char *output = NULL;
  FILE *out = NULL;
  int quiet = 0, verbose = 0, has_from = 0, has_to = 0, rc = ART_EXIT_OK;
  int64_t from = 0, to = 0;
  int c, artifacts = -1, tsk_compat = 0, has_tz = 0, html = 0;
  const char *only = NULL, *exclude = NULL;
  problem_ctx pc = {0};
  art_timeline_media media = {0};
  art_sandbox_opts sbo;
  art_sandbox *sandbox = NULL;
  art_sandbox_opts_init(&sbo);
  if (!inputs || art_ctx_new(&ctx) != ART_OK ||
      art_timeline_new(ctx, &tl) != ART_OK) {
    cli_error(_("out of memory"));
    rc = ART_EXIT_FATAL;
    goto done;
  }
  while ((c = getopt_long(argc, argv, "b:A:f:o:O:z:dk:m:T:qvh", opts, NULL)) !=
         -1) {
    switch (c) {
    case 'b':
    case 'A':
      inputs[ninputs].kind = c == 'b' ? 'b' : 'a';
      inputs[ninputs++].path = optarg;
      break;
    case 'f': {
      art_timeline_format f;
      if (art_timeline_format_from_name(optarg, &f) != ART_OK) {
        rc = cli_usage_error(_("unknown format '%s'"), optarg);
        goto done;
      }
      art_timeline_set_format(tl, f);
      html = f == ART_TIMELINE_HTML;
      break;
    }
    case OPT_TSK_COMPAT:
      art_timeline_set_tsk_compat(tl, 1);
      tsk_compat = 1;
      break;
    case OPT_ARTIFACTS:
      if (strcmp(optarg, "windows") == 0) {
        artifacts = (int)ART_TIMELINE_ARTIFACTS_WINDOWS;
      } else if (strcmp(optarg, "none") == 0) {
        artifacts = (int)ART_TIMELINE_ARTIFACTS_NONE;
      } else {
        rc = cli_usage_error(_("unknown artifact set '%s' (windows, none)"),
                             optarg);
        goto done;
      }
      break;
    case OPT_MERGE_MACB:
      art_timeline_set_merge_macb(tl, 1);
      break;
    case OPT_ONLY:
      only = optarg;
      break;
    case OPT_EXCLUDE:
      exclude = optarg;
      break;
    case 'o': {
      char *end;
      unsigned long long v = strtoull(optarg, &end, 10);
      if (!*optarg || *end) {
        rc = cli_usage_error(_("bad offset '%s'"), optarg);
        goto done;
      }
      art_timeline_set_offset(tl, 1, v);
      break;
    }
    case 'O':
      output = optarg;
      break;
    case 'z':
      has_tz = 1;
      if (art_timeline_set_display_timezone(ctx, tl, optarg) != ART_OK) {
        rc = cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
        goto done;
      }
      break;
    case OPT_FS_TZ:
      if (art_timeline_set_fs_timezone(ctx, tl, optarg) != ART_OK) {
        rc = cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
        goto done;
      }
      break;
    case OPT_FS_CODEPAGE:
      if (art_timeline_set_fs_codepage(ctx, tl, optarg) != ART_OK) {
        rc = cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
        goto done;
      }
      break;
    case OPT_FROM:
    case OPT_TO: {
      int64_t v;
      if (art_timeline_parse_time(optarg, &v) != ART_OK) {
        rc = cli_usage_error(_("bad date '%s'"), optarg);
        goto done;
      }
      if (c == OPT_FROM) {
        has_from = 1;
        from = v;
      } else {
        has_to = 1;
        to = v;
      }
      break;
    }
    case OPT_PATH:
      if (art_timeline_set_path_prefix(ctx, tl, optarg) != ART_OK) {
        rc = ART_EXIT_FATAL;
        goto done;
      }
      break;
    case 'd':
      art_timeline_set_deleted_only(tl, 1);
      break;
    case 'k': {
      unsigned mask;
      if (art_timeline_kinds_from_string(optarg, &mask) != ART_OK) {
        rc = cli_usage_error(_("bad time kinds '%s'"), optarg);
        goto done;
      }
      art_timeline_set_kinds(tl, mask);
      break;
    }
    case OPT_NO_ORPHANS:
      art_timeline_set_no_orphans(tl, 1);
      break;
    case OPT_HASH_EVIDENCE:
      art_timeline_set_hash_evidence(tl, 1);
      break;
    case OPT_VSS:
    case OPT_APFS_VOLUME:
      if (parse_volume(optarg, c == OPT_VSS ? -1 : 0,
                       c == OPT_VSS ? &media.vss : &media.apfs_volume)) {
        rc = cli_usage_error(_("bad volume '%s' (all or a number from 1)"),
                             optarg);
        goto done;
      }
      art_timeline_set_media(tl, &media);
      break;
    case OPT_RECOVERY_PASSWORD:
      media.keys.recovery_password = optarg;
      art_timeline_set_media(tl, &media);
      break;
    case OPT_PASSWORD:
      media.keys.password = optarg;
      art_timeline_set_media(tl, &media);
      break;
    case OPT_STARTUP_KEY:
      media.keys.startup_key = optarg;
      art_timeline_set_media(tl, &media);
      break;
    case 'm': {
      uint64_t v;
      if (cli_parse_size(optarg, &v) || v < (1u << 20)) {
        rc = cli_usage_error(_("bad memory size '%s' (at least 1M)"), optarg);
        goto done;
      }
      art_timeline_set_memory(tl, (size_t)v);
      break;
    }
    case 'T':
      if (art_timeline_set_tmpdir(ctx, tl, optarg) != ART_OK) {
        rc = ART_EXIT_FATAL;
        goto done;
      }
      break;
    case 'q':
      quiet = 1;
      break;
    case 'v':
      verbose = 1;
      break;
    case 'h':
      usage();
      {
        rc = ART_EXIT_OK;
        goto done;
      }
    case OPT_VERSION:
      cli_version();
      {
        rc = ART_EXIT_OK;
        goto done;
      }
    case CLI_OPT_NO_SANDBOX:
    case CLI_OPT_SANDBOX_TIMEOUT:
    case CLI_OPT_MEMORY_LIMIT:
      if ((rc = cli_sandbox_option(c, optarg, &sbo)) != 0)
        goto done;
      break;
    default: {
      rc = cli_usage_error(_("unknown option"));
      goto done;
    }
    }
  }
  for (int i = optind; i < argc; i++) {
    /* segments named with their first (img.E0*): the image is read once */
    if (cli_segment_skip(argc - optind, argv + optind, i - optind, 1))
      continue;
    inputs[ninputs].kind = 'i';
    inputs[ninputs++].path = argv[i];
  }
  if (ninputs == 0) {
    rc = cli_usage_error(_("no input (an image, a directory, -b BODY or "
                           "-A ARCHIVE)"));
    goto done;
  }
  art_timeline_set_range(tl, has_from, from, has_to, to);
  if (html && !has_tz) {
    /* a page for a person: the examiner's zone ($TZ) unless told */
    const char *tz = getenv("TZ");
    if (tz && *tz == ':')
      tz++;
    if (tz && *tz && art_timeline_set_display_timezone(ctx, tl, tz) != ART_OK)
      cli_error(_("TZ=%s is not a zone name (Area/City): dates in UTC"), tz);
  }
  if (artifacts < 0) /* default: on, but fls's exact form has none */
    artifacts = tsk_compat ? (int)ART_TIMELINE_ARTIFACTS_NONE
                           : (int)ART_TIMELINE_ARTIFACTS_WINDOWS;
  art_timeline_set_artifacts(tl, (unsigned)artifacts);
  if ((only || exclude) &&
      art_timeline_set_data_types(ctx, tl, only, exclude) != ART_OK) {
    rc = cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
    goto done;
  }
  art_timeline_set_problem(tl, on_problem, &pc);
  progress_tty = !quiet && isatty(STDERR_FILENO);
  art_timeline_set_progress(tl, on_progress, NULL);
  out = cli_open_output(output);
  if (!out) {
    rc = ART_EXIT_FATAL;
    goto done;
  }
  /* rows come by the million once sorted: write them in 1 MiB pieces
   * (stdio's 4 KiB meant one system call per ten rows) */
  if (!isatty(fileno(out)))
    setvbuf(out, NULL, _IOFBF, 1u << 20);
  art_timeline_set_output(tl, out);
  /* images are parsed in a sandboxed worker (docs/sandbox.md) */
  if (!sbo.disabled &&
      art_timeline_sandbox_new(ctx, tl, &sbo, &sandbox) != ART_OK) {
    cli_error_ctx(ctx, art_ctx_status(ctx));
    rc = ART_EXIT_FATAL;
    goto done;
  }

  for (size_t i = 0; i < ninputs; i++) {
    const char *p = inputs[i].path;
    art_status st;
    int before = pc.count;
    if (inputs[i].kind == 'b') {
      st = art_timeline_add_bodyfile(ctx, tl, p);
    } else if (inputs[i].kind == 'a') {
      st = art_timeline_add_archive(ctx, tl, p);
    } else {
      struct stat sb;
      if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
        st = art_timeline_add_tree(ctx, tl, p);
      else if (S_ISREG(sb.st_mode) && is_artifact(p))
        st = sandbox ? art_timeline_add_artifact_sandboxed(ctx, tl, sandbox, p)
                     : art_timeline_add_artifact(ctx, tl, p);
      else if (sandbox)
        st = art_timeline_add_image_sandboxed(ctx, tl, sandbox, p);
      else
        st = art_timeline_add_image(ctx, tl, p);
    }
    if (st == ART_OK && pc.count == before)
      continue;
    if (st == ART_ERR_NOMEM || art_ctx_errno(ctx) == ENOSPC ||
        art_ctx_errno(ctx) == EDQUOT || art_ctx_errno(ctx) == EFBIG) {
      /* No memory, or no room for the sort's run files: the timeline
       * cannot be complete, whatever the inputs. */
      cli_error_ctx(ctx, st);
      rc = ART_EXIT_FATAL;
      goto done;
    }
    if (st != ART_OK)
      cli_error_ctx(ctx, st);
    rc = ART_EXIT_PARTIAL;
  }
  {
    art_status st = art_timeline_finish(ctx, tl);
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      rc = ART_EXIT_FATAL;
    }
    const art_timeline_stats *sx = art_timeline_get_stats(tl);
    if (verbose)
      cli_error(_("%" PRIu64 " entries, %" PRIu64 " events, %" PRIu64
                  " rows, %" PRIu64 " sorted runs spilled, sort buffer peak "
                  "%zu bytes"),
                sx->entries, sx->events, sx->rows, sx->runs, sx->peak_buffer);
  }
done:
  if (progress_tty && progress_last)
    fputc('\n', stderr);
  if (out && rc == ART_EXIT_FATAL)
    cli_abandon_output(out); /* an incomplete timeline is not kept */
  else if (out && cli_close_output(out) && rc < ART_EXIT_FATAL)
    rc = ART_EXIT_FATAL;
  art_sandbox_free(sandbox);
  art_timeline_free(tl);
  art_ctx_free(ctx);
  free(inputs);
  return rc;
}
