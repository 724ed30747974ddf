/* art-hash: bulk hashing of files, trees, lists and disk images, with
 * hashdeep-style audit and matching.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/hashlist.h>
#include <artifact/hashset.h>
#include <artifact/knownset.h>
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cli.h"

#define DEFAULT_ALGS                                                           \
  (ART_HASH_MASK(ART_HASH_MD5) | ART_HASH_MASK(ART_HASH_SHA256))

typedef struct opts {
  unsigned mask;
  int mask_given;
  art_hashlist_format format;
  const char *output;
  uint64_t piece;
  const char *audit, *match, *not_match;
  int null_list, quiet, verbose;
  const char *files_from;
  const char *hashsets[16];
  int n_hashsets, skip_known;
  int vss; /* --vss: also each shadow copy store of NTFS volumes */
  art_batch_opts batch;
} opts;

/* A finished input, handed from a worker to emit. */
typedef struct result {
  art_status status;
  char *errmsg;   /* C locale: the record's "error" */
  char *errmsg_l; /* translated: what the person reads on stderr */
  const char *kind;
  uint64_t size;
  art_hash *hash;
  int changed;
  int64_t mtime_sec;
  long mtime_nsec;
  art_stored_hash stored[4];
  char *stored_alg[4], *stored_hex[4];
  size_t n_stored;
  const char *set_kind, *set_name; /* hash-set hit, borrowed from the set */
  uint64_t media_size;             /* 0 when the size is unknown */
  int size_known;
  const char *format; /* image format (static string), NULL for a file */
  char **files;       /* files behind an image */
  size_t n_files;
  char *path;          /* a row of its own (a VSS store), else NULL */
  struct result *next; /* further rows of the same input */
  art_read_range *bad; /* ranges that could not be read (rescue) */
  size_t n_bad;
  uint64_t more_bad;
} result;

typedef struct run {
  opts *o;
  FILE *out;
  art_hashlist_writer *writer;
  art_knownset *known;
  art_batch *batch;
  art_ctx *ctx;
  art_hashset *sets[16];
  unsigned long skipped_known, notable;
  unsigned long failures, mismatches, counts[ART_AUDIT_MISSING + 1];
  pthread_mutex_t pool_mu;
  art_hash **pool;
  size_t n_pool, cap_pool;
} run;

typedef struct wstate {
  art_reader *reader;
  uint64_t last; /* bytes reported for progress */
} wstate;

static void usage(void)
{
  printf(_(
      "Usage: art-hash [OPTION]... [FILE|DIR|IMAGE|-]...\n"
      "Hash files, trees, lists and disk images (E01, split .001 with\n"
      "--image, VMDK, VHD, VHDX, QCOW2: the media bytes).\n\n"
      "  -c, --compute LIST     algorithms: md5,sha1,sha256,sha512,sha3-256,\n"
      "                         blake2b-512 or all (default md5,sha256)\n"
      "  -r, --recursive        descend into directories\n"
      "  -L, --follow           follow symbolic links inside trees\n"
      "      --one-file-system  do not cross file systems in trees\n"
      "  -f, --format FMT       hashdeep (default), sum, jsonl, csv, dfxml\n"
      "  -o, --output FILE      write results to FILE\n"
      "  -p, --piecewise SIZE   one digest per SIZE bytes (k, M, G suffixes)\n"
      "      --audit KNOWN      report inputs as matched, changed, new, moved\n"
      "                         or missing against KNOWN; exit 1 if any "
      "differ\n"
      "      --match KNOWN      print only inputs whose hashes are in KNOWN\n"
      "      --not-match KNOWN  print only inputs whose hashes are not\n"
      "      --hashset FILE     look each input up in a .hset file "
      "(repeatable);\n"
      "                         hits appear in jsonl records, a notable hit\n"
      "                         makes the exit code 1\n"
      "      --skip-known       leave inputs found in a 'known' set out\n"
      "  -T, --files-from FILE  read input names from FILE (- for stdin)\n"
      "  -0, --null             names in lists are NUL-separated; with it, a\n"
      "                         '-' argument is a list of names on stdin\n"
      "      --image, --media   a named NAME.001 with NAME.002 beside it is a\n"
      "                         split raw image: hash the media\n"
      "      --no-images        hash named images as plain files\n"
      "      --vss              also hash each Volume Shadow Copy store of\n"
      "                         the NTFS volumes of an image (rows named\n"
      "                         IMAGE:vssN)\n"
      "  -j, --jobs N           worker threads (default: online CPUs)\n"
      "  -q, --quiet            no warnings for skipped entries\n"
      "  -v, --verbose          report skipped symlinks and special files\n"
      "      --shard K/N|auto   examine only shard K of N (art-merge joins "
      "them)\n"
      "      --manifest FILE    with --shard: describe the shard in FILE\n"
      "  -h, --help             this help\n"
      "      --version          version\n\n"
      "KNOWN may be a hashdeep, sum (md5sum/sha256sum) or jsonl list.\n"
      "Exit: 0 done; 1 audit differences or image hash mismatch; 2 usage;\n"
      "3 some inputs could not be hashed; 4 fatal error.\n"));
}

static int parse_opts(int argc, char **argv, opts *o)
{
  enum {
    OPT_VERSION = 256,
    OPT_AUDIT,
    OPT_MATCH,
    OPT_NOT_MATCH,
    OPT_ONE_FS,
    OPT_NO_IMAGES,
    OPT_IMAGE,
    OPT_VSS,
    OPT_HASHSET,
    OPT_SKIP_KNOWN
  };
  static const struct option longopts[] = {
      {"compute", required_argument, NULL, 'c'},
      {"recursive", no_argument, NULL, 'r'},
      {"follow", no_argument, NULL, 'L'},
      {"one-file-system", no_argument, NULL, OPT_ONE_FS},
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"piecewise", required_argument, NULL, 'p'},
      {"audit", required_argument, NULL, OPT_AUDIT},
      {"match", required_argument, NULL, OPT_MATCH},
      {"not-match", required_argument, NULL, OPT_NOT_MATCH},
      {"hashset", required_argument, NULL, OPT_HASHSET},
      {"skip-known", no_argument, NULL, OPT_SKIP_KNOWN},
      {"files-from", required_argument, NULL, 'T'},
      {"null", no_argument, NULL, '0'},
      {"no-images", no_argument, NULL, OPT_NO_IMAGES},
      {"image", no_argument, NULL, OPT_IMAGE},
      {"media", no_argument, NULL, OPT_IMAGE},
      {"vss", no_argument, NULL, OPT_VSS},
      {"jobs", required_argument, NULL, 'j'},
      {"quiet", no_argument, NULL, 'q'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, OPT_VERSION},
      {"shard", required_argument, NULL, CLI_OPT_SHARD},
      {"manifest", required_argument, NULL, CLI_OPT_MANIFEST},
      {NULL, 0, NULL, 0}};
  int c;
  art_ctx *ctx = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return ART_EXIT_FATAL;
  while ((c = getopt_long(argc, argv, "c:rLf:o:p:T:0j:qvh", longopts, NULL)) !=
         -1) {
    switch (c) {
    case 'c':
      if (art_hash_algs_parse(ctx, optarg, &o->mask) != ART_OK) {
        int rc = cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
        art_ctx_free(ctx);
        return rc;
      }
      o->mask_given = 1;
      break;
    case 'r':
      o->batch.recursive = 1;
      break;
    case 'L':
      o->batch.walk_flags |= ART_WALK_FOLLOW;
      break;
    case OPT_ONE_FS:
      o->batch.walk_flags |= ART_WALK_ONE_FS;
      break;
    case 'f':
      if (art_hashlist_format_parse(optarg, &o->format) != ART_OK) {
        art_ctx_free(ctx);
        return cli_usage_error(_("unknown format '%s' (hashdeep, sum, jsonl, "
                                 "csv, dfxml)"),
                               optarg);
      }
      break;
    case 'o':
      o->output = optarg;
      break;
    case 'p':
      if (cli_parse_size(optarg, &o->piece) != 0 || o->piece == 0) {
        art_ctx_free(ctx);
        return cli_usage_error(_("bad piece size '%s'"), optarg);
      }
      break;
    case OPT_AUDIT:
      o->audit = optarg;
      break;
    case OPT_MATCH:
      o->match = optarg;
      break;
    case OPT_NOT_MATCH:
      o->not_match = optarg;
      break;
    case OPT_HASHSET:
      if (o->n_hashsets == 16) {
        art_ctx_free(ctx);
        return cli_usage_error(_("at most 16 --hashset files"));
      }
      o->hashsets[o->n_hashsets++] = optarg;
      break;
    case OPT_SKIP_KNOWN:
      o->skip_known = 1;
      break;
    case 'T':
      o->files_from = optarg;
      break;
    case '0':
      o->null_list = 1;
      break;
    case OPT_NO_IMAGES:
      o->batch.no_images = 1;
      break;
    case OPT_IMAGE:
      o->batch.split_images = 1;
      break;
    case OPT_VSS:
      o->vss = 1;
      break;
    case 'j':
      if (cli_parse_uint(optarg, &o->batch.jobs) != 0 || o->batch.jobs == 0) {
        art_ctx_free(ctx);
        return cli_usage_error(_("bad job count '%s'"), optarg);
      }
      break;
    case 'q':
      o->quiet = 1;
      break;
    case 'v':
      o->verbose = 1;
      break;
    case 'h':
      usage();
      art_ctx_free(ctx);
      exit(ART_EXIT_OK);
    case OPT_VERSION:
      cli_version();
      art_ctx_free(ctx);
      exit(ART_EXIT_OK);
    case CLI_OPT_SHARD:
    case CLI_OPT_MANIFEST:
      if (cli_shard_option(c, optarg) != 0) {
        art_ctx_free(ctx);
        return ART_EXIT_USAGE;
      }
      break;
    default:
      art_ctx_free(ctx);
      return cli_usage_error(_("unknown option"));
    }
  }
  art_ctx_free(ctx);
  if (!!o->audit + !!o->match + !!o->not_match > 1)
    return cli_usage_error(
        _("--audit, --match and --not-match exclude each other"));
  if (o->piece && (o->audit || o->match || o->not_match))
    return cli_usage_error(
        _("--piecewise does not combine with audit or match"));
  if (o->skip_known && !o->n_hashsets)
    return cli_usage_error(_("--skip-known needs --hashset"));
  if (!o->mask_given)
    /* a sum list holds one algorithm: the default is then sha256 */
    o->mask = o->format == ART_HASHLIST_SUM ? ART_HASH_MASK(ART_HASH_SHA256)
                                            : DEFAULT_ALGS;
  return -1;
}

static art_hash *pool_get(run *r, art_ctx *ctx)
{
  art_hash *h = NULL;
  pthread_mutex_lock(&r->pool_mu);
  if (r->n_pool > 0)
    h = r->pool[--r->n_pool];
  pthread_mutex_unlock(&r->pool_mu);
  if (!h && art_hash_new(ctx, r->o->mask, &h) == ART_OK)
    art_hash_set_piecewise(h, r->o->piece);
  return h;
}

static void pool_put(run *r, art_hash *h)
{
  if (!h)
    return;
  if (art_hash_mask(h) != r->o->mask) { /* widened for an image */
    art_hash_free(h);
    return;
  }
  pthread_mutex_lock(&r->pool_mu);
  if (r->n_pool == r->cap_pool) {
    size_t cap = r->cap_pool ? r->cap_pool * 2 : 64;
    art_hash **p = realloc(r->pool, cap * sizeof *p);
    if (!p) {
      pthread_mutex_unlock(&r->pool_mu);
      art_hash_free(h);
      return;
    }
    r->pool = p;
    r->cap_pool = cap;
  }
  r->pool[r->n_pool++] = h;
  pthread_mutex_unlock(&r->pool_mu);
}

static art_status worker_init(void *ud, art_ctx *ctx, void **ws_out)
{
  (void)ud;
  wstate *ws = calloc(1, sizeof *ws);
  art_reader_opts ro = {0, art_cpu_count()};
  if (!ws)
    return ART_ERR_NOMEM;
  art_status st = art_reader_new(ctx, &ro, &ws->reader);
  if (st == ART_OK) /* past a read error, as ddrescue's first pass */
    art_reader_set_rescue(ws->reader, 512);
  if (st != ART_OK) {
    free(ws);
    return st;
  }
  *ws_out = ws;
  return ART_OK;
}

static void worker_fini(void *ud, void *wsp)
{
  (void)ud;
  wstate *ws = wsp;
  if (ws) {
    art_reader_free(ws->reader);
    free(ws);
  }
}

typedef struct progress_ctx {
  run *r;
  wstate *ws;
} progress_ctx;

static void on_progress(uint64_t bytes, void *ud)
{
  progress_ctx *p = ud;
  art_batch_add_bytes(p->r->batch, bytes - p->ws->last);
  p->ws->last = bytes;
}

/* For an image, also compute the algorithms of its stored hashes. */
/* RES's error from CTX: the C text for the record, the translated one for
 * stderr. */
static void keep_error(result *res, const art_ctx *ctx)
{
  free(res->errmsg);
  free(res->errmsg_l);
  res->errmsg = strdup(art_ctx_errmsg(ctx));
  res->errmsg_l = strdup(art_ctx_errmsg_localized(ctx));
}

static art_hash *hash_for(run *r, art_ctx *ctx, art_source *src, result *res)
{
  unsigned extra = 0;
  const char *alg, *hex;
  for (size_t i = 0; art_source_stored_hash(src, i, &alg, &hex) == ART_OK &&
                     res->n_stored < 4;
       i++) {
    art_hash_alg a;
    if (art_hash_alg_parse(alg, &a) != ART_OK)
      continue;
    res->stored_alg[res->n_stored] = strdup(alg);
    res->stored_hex[res->n_stored] = strdup(hex);
    res->n_stored++;
    extra |= ART_HASH_MASK(a);
  }
  if ((extra & ~r->o->mask) == 0)
    return pool_get(r, ctx);
  art_hash *h = NULL;
  if (art_hash_new(ctx, r->o->mask | extra, &h) == ART_OK)
    art_hash_set_piecewise(h, r->o->piece);
  return h;
}

/* Hash-set hits: the first set holding any of the digests; a notable hit
 * wins over a known one. */
static void lookup_sets(run *r, art_ctx *ctx, result *res)
{
  static const art_hash_alg order[] = {ART_HASH_SHA256, ART_HASH_SHA1,
                                       ART_HASH_MD5};
  for (int i = 0; i < r->o->n_hashsets; i++) {
    for (size_t a = 0; a < sizeof order / sizeof order[0]; a++) {
      const char *hex = art_hash_hex(res->hash, order[a]);
      int found = 0;
      if (!hex || art_hashset_count(r->sets[i], order[a]) == 0 ||
          art_hashset_lookup_hex(ctx, r->sets[i], hex, &found) != ART_OK ||
          !found)
        continue;
      art_hashset_kind k = art_hashset_get_kind(r->sets[i]);
      if (!res->set_kind || k == ART_HASHSET_NOTABLE) {
        res->set_kind = art_hashset_kind_name(k);
        res->set_name = art_hashset_name(r->sets[i]);
      }
      break;
    }
  }
}

/* Hash SRC into RES (opened already): its hashes, stored-hash verdicts and
 * hash-set hits. */
static void
hash_src(run *r, wstate *ws, art_ctx *ctx, art_source *src, result *res)
{
  progress_ctx pc = {r, ws};
  const art_source_info *info = art_source_get_info(src);
  res->kind = art_source_kind_name(info->kind);
  res->size_known = info->size_known;
  res->media_size = info->size;
  if (art_source_file(src, 0)) {
    res->format = info->format;
    while (art_source_file(src, (unsigned)res->n_files))
      res->n_files++;
    res->files = calloc(res->n_files, sizeof *res->files);
    for (size_t i = 0; res->files && i < res->n_files; i++)
      res->files[i] = strdup(art_source_file(src, (unsigned)i));
    if (!res->files)
      res->n_files = 0;
  } else if (info->kind == ART_SOURCE_VSS) {
    res->format = info->format;
  }
  res->mtime_sec = info->mtime_sec;
  res->mtime_nsec = info->mtime_nsec;
  res->hash = hash_for(r, ctx, src, res);
  if (!res->hash) {
    res->status = ART_ERR_NOMEM;
    return;
  }
  art_reader_clear(ws->reader);
  res->status = art_hash_attach(ctx, res->hash, ws->reader);
  if (res->status != ART_OK)
    return;
  ws->last = 0;
  art_reader_set_progress(ws->reader, on_progress, &pc);
  res->status = art_reader_run(ctx, ws->reader, src, &res->size);
  art_reader_set_progress(ws->reader, NULL, NULL);
  const art_read_range *bad;
  size_t nb = art_reader_bad_ranges(ws->reader, &bad, &res->more_bad);
  if (nb && (res->bad = malloc(nb * sizeof *res->bad))) {
    memcpy(res->bad, bad, nb * sizeof *bad);
    res->n_bad = nb;
  } else {
    res->more_bad += nb;
  }
  if (res->status == ART_OK)
    res->status = art_source_unchanged(ctx, src, &res->changed);
  for (size_t i = 0; i < res->n_stored; i++) {
    art_hash_alg a;
    art_hash_alg_parse(res->stored_alg[i], &a);
    const char *mine = art_hash_hex(res->hash, a);
    res->stored[i].alg = res->stored_alg[i];
    res->stored[i].hex = res->stored_hex[i];
    res->stored[i].verdict =
        !mine ? -1 : strcasecmp(mine, res->stored_hex[i]) == 0;
  }
  if (res->status == ART_OK)
    lookup_sets(r, ctx, res);
}

/* --vss: one more row per shadow copy store of each NTFS volume of SRC. */
static void
hash_vss(run *r, wstate *ws, art_ctx *ctx, art_source *src, result *res)
{
  art_volume vols[64];
  size_t nv = 0;
  result **tail = &res->next;
  if (art_source_ntfs_volumes(ctx, src, vols, 64, &nv) != ART_OK)
    return;
  for (size_t v = 0; v < nv; v++) {
    unsigned n = 0;
    art_status st =
        art_source_vss_count(ctx, src, vols[v].offset, vols[v].size, &n);
    for (unsigned k = 1; (st != ART_OK && k == 1) || k <= n; k++) {
      result *x = calloc(1, sizeof *x);
      art_source *vs = NULL;
      if (!x)
        return;
      *tail = x;
      tail = &x->next;
      if (st == ART_OK)
        x->status = art_source_open_vss(ctx, src, vols[v].offset, vols[v].size,
                                        k, &vs, NULL);
      else
        x->status = st;
      if (x->status == ART_OK) {
        x->path = strdup(art_source_path(vs));
        hash_src(r, ws, ctx, vs, x);
      } else {
        x->path = strdup(art_source_path(src));
        x->kind = "vss";
      }
      if (x->status != ART_OK)
        keep_error(x, ctx);
      art_source_free(vs);
      if (st != ART_OK)
        break;
    }
  }
}

static void *work(void *ud, void *wsp, art_ctx *ctx, const art_batch_item *it)
{
  run *r = ud;
  wstate *ws = wsp;
  result *res = calloc(1, sizeof *res);
  art_source *src = NULL;
  if (!res)
    return NULL;
  res->kind = art_source_kind_name(it->kind);
  res->status = art_source_open(ctx, it->path, it->kind, &src);
  if (res->status == ART_OK) {
    hash_src(r, ws, ctx, src, res);
    if (res->status != ART_OK)
      keep_error(res, ctx);
    if (r->o->vss && art_source_get_info(src)->size_known)
      hash_vss(r, ws, ctx, src, res);
  } else {
    keep_error(res, ctx);
  }
  art_source_free(src);
  return res;
}

static void free_result(run *r, result *res)
{
  if (!res)
    return;
  free_result(r, res->next);
  free(res->path);
  free(res->bad);
  pool_put(r, res->hash);
  free(res->errmsg);
  free(res->errmsg_l);
  for (size_t i = 0; i < res->n_files; i++)
    free(res->files[i]);
  free(res->files);
  for (size_t i = 0; i < res->n_stored; i++) {
    free(res->stored_alg[i]);
    free(res->stored_hex[i]);
  }
  free(res);
}

static void
print_audit(run *r, art_audit_result a, const char *path, const char *known)
{
  r->counts[a]++;
  art_audit_write(r->out, r->o->format == ART_HASHLIST_JSONL, a, path, known);
}

/* One row: RES for PATH. */
static void emit_one(run *r, const char *path, result *res)
{
  art_hash_record rec = {.path = path,
                         .kind = res->kind,
                         .status = res->status,
                         .errmsg = res->errmsg,
                         .size = res->size,
                         .hash = res->status == ART_OK ? res->hash : NULL,
                         .changed = res->changed,
                         .mtime_sec = res->mtime_sec,
                         .mtime_nsec = res->mtime_nsec,
                         .stored = res->stored,
                         .n_stored = res->n_stored,
                         .hashset_kind = res->set_kind,
                         .hashset_name = res->set_name,
                         .via = res->format ? "image" : NULL,
                         .format = res->format,
                         .files = (const char *const *)res->files,
                         .n_files = res->n_files};
  /* size is the media's (or file's) size; the bytes read apart when an
   * error cut the read short */
  if (res->size_known && res->status != ART_OK) {
    rec.has_bytes_read = 1;
    rec.bytes_read = res->size;
    rec.size = res->media_size;
  }
  rec.unreadable = res->bad;
  rec.n_unreadable = res->n_bad;
  rec.more_unreadable = res->more_bad;
  if (res->set_kind && strcmp(res->set_kind, "notable") == 0)
    r->notable++;
  if (r->o->skip_known && res->set_kind &&
      strcmp(res->set_kind, "known") == 0) {
    r->skipped_known++;
    return;
  }
  if (res->status != ART_OK) {
    cli_error("%s", res->errmsg_l ? res->errmsg_l
                    : res->errmsg ? res->errmsg
                                  : art_strerror_localized(res->status));
    /* every damaged range once, in bytes and 512-byte sectors */
    for (size_t i = 0; i < res->n_bad; i++) {
      uint64_t o = res->bad[i].offset, l = res->bad[i].length;
      cli_error(_("%s: unreadable: bytes %" PRIu64 "-%" PRIu64 " (%" PRIu64
                  " bytes), sectors %" PRIu64 "-%" PRIu64),
                path, o, o + l - 1, l, o / 512, (o + l - 1) / 512);
    }
    if (res->more_bad)
      cli_error(_("%s: %" PRIu64 " more unreadable ranges not listed"), path,
                res->more_bad);
    r->failures++;
  } else if (res->changed) {
    cli_error(_("%s: changed while being read (size or modification time)"),
              path);
    r->failures++;
  }
  for (size_t i = 0; res->status == ART_OK && i < res->n_stored; i++)
    if (res->stored[i].verdict == 0) {
      art_hash_alg a;
      art_hash_alg_parse(res->stored[i].alg, &a);
      cli_error(_("%s: stored %s %s does not match the media's %s"), path,
                res->stored[i].alg, res->stored[i].hex,
                art_hash_hex(res->hash, a));
      r->mismatches++;
    }
  if (r->known && res->status == ART_OK) {
    if (r->o->audit) {
      const char *known = NULL;
      art_audit_result a =
          art_knownset_audit(r->known, path, res->size, res->hash, &known);
      print_audit(r, a, path, known);
    } else {
      int in = art_knownset_contains(r->known, res->hash);
      if (in == (r->o->match != NULL))
        art_hashlist_write(r->ctx, r->writer, &rec);
    }
  } else if (!r->known) {
    art_hashlist_write(r->ctx, r->writer, &rec);
  }
}

static int emit(void *ud, const art_batch_item *it, void *resp)
{
  run *r = ud;
  result *res = resp;
  if (it->status != ART_OK) {
    cli_error("%s", it->errmsg_l);
    r->failures++;
    art_hash_record rec = {.path = it->path,
                           .status = it->status,
                           .errmsg = it->errmsg,
                           .kind = "file"};
    if (!r->known)
      art_hashlist_write(r->ctx, r->writer, &rec);
    return 0;
  }
  if (!res) {
    if (*it->errmsg) /* a symlink loop under -L: skipped, not a failure */
      cli_error("%s", it->errmsg_l);
    else if (it->type != ART_ENTRY_FILE && r->o->verbose)
      cli_error(_("%s: skipped %s"), it->path, art_entry_type_name(it->type));
    return 0;
  }
  for (result *x = res; x; x = x->next)
    emit_one(r, x->path ? x->path : it->path, x);
  free_result(r, res);
  return 0;
}

static void on_missing(const char *name, void *ud)
{
  print_audit(ud, ART_AUDIT_MISSING, name, NULL);
}

static char *join_argv(int argc, char **argv)
{
  size_t n = 1;
  for (int i = 0; i < argc; i++)
    n += strlen(argv[i]) + 1;
  char *s = malloc(n), *p = s;
  if (!s)
    return NULL;
  for (int i = 0; i < argc; i++) {
    size_t l = strlen(argv[i]);
    memcpy(p, argv[i], l);
    p += l;
    *p++ = i + 1 < argc ? ' ' : '\0';
  }
  if (argc == 0)
    *p = '\0';
  return s;
}

int main(int argc, char **argv)
{
  opts o = {.format = ART_HASHLIST_HASHDEEP};
  run r = {.o = &o};
  char *command = NULL;
  art_status st;
  cli_progress *progress = NULL;
  cli_init("art-hash");
  int rc = parse_opts(argc, argv, &o);
  if (rc >= 0)
    return rc;
  pthread_mutex_init(&r.pool_mu, NULL);
  if (art_ctx_new(&r.ctx) != ART_OK)
    return ART_EXIT_FATAL;
  rc = ART_EXIT_FATAL;
  const char *known_path = o.audit ? o.audit : o.match ? o.match : o.not_match;
  if (known_path) {
    st = art_knownset_load(r.ctx, known_path, &r.known);
    if (st != ART_OK) {
      cli_error_ctx(r.ctx, st);
      goto out;
    }
    if (!o.mask_given)
      o.mask = art_knownset_mask(r.known) & ((1u << ART_HASH_COUNT_) - 1);
  }
  for (int i = 0; i < o.n_hashsets; i++) {
    st = art_hashset_open(r.ctx, o.hashsets[i], &r.sets[i]);
    if (st != ART_OK) {
      cli_error_ctx(r.ctx, st);
      goto out;
    }
  }
  r.out = cli_open_output(o.output);
  if (!r.out)
    goto out;
  setvbuf(r.out, NULL, _IOFBF, 1 << 20);
  command = join_argv(argc, argv);
  if (!o.audit) {
    st = art_hashlist_writer_new(r.ctx, o.format, o.mask, o.piece != 0, command,
                                 r.out, &r.writer);
    if (st != ART_OK) {
      rc = cli_usage_error("%s", art_ctx_errmsg_localized(r.ctx));
      goto out;
    }
  }
  st = art_batch_new(r.ctx, &o.batch, &r.batch);
  if (st != ART_OK) {
    cli_error_ctx(r.ctx, st);
    goto out;
  }
  if (cli_add_inputs(r.batch, argc - optind, argv + optind, o.files_from,
                     o.null_list) != 0)
    goto out;
  art_batch_ops ops = {worker_init, worker_fini, work, emit};
  progress = cli_progress_start(r.batch);
  st = art_batch_run(r.ctx, r.batch, &ops, &r);
  cli_progress_stop(progress);
  if (st != ART_OK) {
    cli_error_ctx(r.ctx, st);
    goto out;
  }
  if (r.writer)
    art_hashlist_writer_finish(r.ctx, r.writer);
  if (o.audit) {
    art_knownset_foreach_unused(r.known, on_missing, &r);
    if (art_audit_write_summary(r.out, o.format == ART_HASHLIST_JSONL, r.counts,
                                r.failures))
      r.mismatches++;
  }
  if (o.skip_known && !o.quiet)
    cli_error(_("%lu known file(s) skipped"), r.skipped_known);
  rc = r.failures                  ? ART_EXIT_PARTIAL
       : r.mismatches || r.notable ? ART_EXIT_FOUND
                                   : ART_EXIT_OK;
out:
  if (r.out && cli_close_output(r.out) != 0)
    rc = ART_EXIT_FATAL;
  rc = cli_shard_finish(rc);
  art_hashlist_writer_free(r.writer);
  art_knownset_free(r.known);
  for (int i = 0; i < o.n_hashsets; i++)
    art_hashset_free(r.sets[i]);
  art_batch_free(r.batch);
  for (size_t i = 0; i < r.n_pool; i++)
    art_hash_free(r.pool[i]);
  free(r.pool);
  free(command);
  art_ctx_free(r.ctx);
  pthread_mutex_destroy(&r.pool_mu);
  return rc;
}
