/* Recursion into containers through libarchive, with lineage and limits.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/archive.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ctx_private.h"
#include "extract_hook_private.h"

#define MAX_CONSUMERS 32
#define MSG_MAX       1024
#define MEM_CHUNK     (64u * 1024u)
#define MAX_RELISTS   16 /* reopenings to list past unreadable members */
#define ZIP_TAIL      (65535u + 22u)
#define MAX_LAYERS    4 /* nested compression layers of one stream */

typedef struct consumer_slot {
  const art_consumer *ops;
  void *state;
  int done;          /* said ART_ERR_LIMIT: needs no more */
  art_status failed; /* its own failure, passed to finish */
} consumer_slot;

struct art_archive {
  art_archive_opts opts;
  char **passwords;
  size_t n_passwords;
  /* the walk in progress */
  art_ctx *ctx;
  const art_archive_ops *ops;
  void *userdata;
  uint64_t next_id;
  int stop; /* end the whole walk */
  art_status stop_status;
  consumer_slot consumers[MAX_CONSUMERS];
  size_t n_consumers;
  int in_begin;
  uint8_t *block;
  int extract_dirfd;
  art_archive_walk_result result;
  char format[64], filters[128];
  struct timespec deadline; /* when timeout_ms is set */
  art_archive_read_done_cb read_done;
  uint64_t kept; /* bytes of members held to be expanded */
  /* names */
  char *charset; /* forced charset, else NULL */
  iconv_t cd_forced, cd_cp932, cd_cp437;
  locale_t utf8;   /* LC_CTYPE for libarchive, or 0 */
  locale_t caller; /* the thread's locale during a walk */
};

/* Where libarchive reads a container from. */
typedef struct input {
  art_archive *ar;
  art_source *src; /* or memory */
  const uint8_t *mem;
  uint64_t size;
  int size_known, seekable;
  uint64_t off;
  uint8_t *buf;
  art_ctx *ctx;
  art_status err;
} input;

/* One container being walked. */
typedef struct level {
  art_archive *ar;
  struct archive *a;
  input *in;
  uint64_t id;         /* the container's own id */
  unsigned depth;      /* its members' depth */
  const char *lineage; /* the container's lineage */
  const char *name;    /* the container's name */
  const char *xprefix; /* its extraction path, NULL: do not extract */
  size_t pw_next;      /* passphrase callback position (this reader) */
  const char *pw_last; /* the last password handed out */
  size_t pw_entry;     /* passwords handed out for the current member */
  uint64_t header;     /* the current member's header index */
  uint64_t uncompressed, entries, encrypted;
  unsigned flags;
  char format[64], filters[128];
  char err[256];       /* why a recognised container could not be read */
  int data_fatal;      /* the last member's data read ended fatally */
  int unsupported;     /* a member needed a codec libarchive lacks */
  int headers_only;    /* list members without reading them */
  uint64_t offset;     /* where the container starts in its input */
  int64_t member_raw0; /* compressed position when the member began */
  unsigned retries;    /* members read again with each password alone */
} level;

/* Call back the caller with its own locale in force (libarchive runs
 * with a UTF-8 LC_CTYPE during the walk). */
#define USER(ar, stmt)                                                         \
  do {                                                                         \
    if ((ar)->caller)                                                          \
      uselocale((ar)->caller);                                                 \
    stmt;                                                                      \
    if ((ar)->caller)                                                          \
      uselocale((ar)->utf8);                                                   \
  } while (0)

/* ---- options and object ---- */

void art_archive_opts_init(art_archive_opts *opts)
{
  if (!opts)
    return;
  memset(opts, 0, sizeof *opts);
  opts->max_depth = 10;
  opts->max_artifacts = 10000;
  opts->max_member_bytes = 256u * 1024u * 1024u;
  opts->max_total_bytes = 2048ull * 1024u * 1024u;
  opts->max_ratio = 200.0;
  opts->ratio_min_bytes = 256u * 1024u * 1024u;
  opts->block_size = 64u * 1024u;
  opts->timeout_ms = 60000u;
  opts->max_memory = 512u * 1024u * 1024u;
}

/* Whether a charset option asks for detection. */
static int charset_auto(const char *cs)
{
  return !cs || !*cs || !strcasecmp(cs, "auto");
}

static art_status add_pw(art_ctx *ctx, art_archive *ar, const char *pw)
{
  char **np = realloc(ar->passwords, (ar->n_passwords + 1) * sizeof *np);
  if (!np)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "archive: passwords");
  ar->passwords = np;
  np[ar->n_passwords] = art__strdup(ctx, pw);
  if (!np[ar->n_passwords])
    return ART_ERR_NOMEM;
  ar->n_passwords++;
  return ART_OK;
}

art_status
art_archive_new(art_ctx *ctx, const art_archive_opts *opts, art_archive **out)
{
  art_archive *ar;
  art_archive_opts def;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "archive: no output");
  *out = NULL;
  art_archive_opts_init(&def);
  ar = art__calloc(ctx, 1, sizeof *ar);
  if (!ar)
    return ART_ERR_NOMEM;
  ar->opts = opts ? *opts : def;
#define DEF(f)                                                                 \
  if (!ar->opts.f)                                                             \
  ar->opts.f = def.f
  DEF(max_depth);
  DEF(max_artifacts);
  DEF(max_member_bytes);
  DEF(max_total_bytes);
  DEF(ratio_min_bytes);
  DEF(block_size);
  DEF(timeout_ms);
  DEF(max_memory);
#undef DEF
  if (ar->opts.timeout_ms == UINT_MAX)
    ar->opts.timeout_ms = 0; /* none */
  ar->cd_forced = ar->cd_cp932 = ar->cd_cp437 = (iconv_t)-1;
  ar->opts.charset = NULL;
  if (opts && !charset_auto(opts->charset)) {
    ar->cd_forced = iconv_open("UTF-8", opts->charset);
    if (ar->cd_forced == (iconv_t)-1) {
      art_status st = art__set_error(
          ctx, ART_ERR_INVALID_ARG, 0,
          "archive: unknown character set for names: %s", opts->charset);
      free(ar);
      return st;
    }
    ar->charset = art__strdup(ctx, opts->charset);
    if (!ar->charset) {
      iconv_close(ar->cd_forced);
      free(ar);
      return ART_ERR_NOMEM;
    }
    ar->opts.charset = ar->charset;
  }
  /* libarchive converts names to the locale's charset: give it UTF-8 for
   * the walking thread (C.UTF-8 is built into glibc 2.35+). */
  ar->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  if (!ar->utf8)
    ar->utf8 = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
  if (!(ar->opts.max_ratio > 0))
    ar->opts.max_ratio = def.max_ratio;
  ar->opts.extract_dir = NULL; /* opened per walk, not kept */
  if (opts && opts->extract_dir) {
    ar->extract_dirfd =
        open(opts->extract_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ar->extract_dirfd < 0) {
      art_status st = art__set_errno(ctx, errno, "%s", opts->extract_dir);
      art_archive_free(ar);
      return st;
    }
  } else {
    ar->extract_dirfd = -1;
  }
  ar->block = malloc(ar->opts.block_size);
  if (!ar->block || (!ar->opts.no_default_passwords &&
                     (add_pw(ctx, ar, "infected") != ART_OK ||
                      add_pw(ctx, ar, "malware") != ART_OK ||
                      add_pw(ctx, ar, "virus") != ART_OK ||
                      add_pw(ctx, ar, "password") != ART_OK))) {
    art_archive_free(ar);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "archive: no memory");
  }
  *out = ar;
  return ART_OK;
}

void art_archive_free(art_archive *ar)
{
  if (!ar)
    return;
  for (size_t i = 0; i < ar->n_passwords; i++)
    free(ar->passwords[i]);
  free(ar->passwords);
  free(ar->block);
  if (ar->extract_dirfd >= 0)
    close(ar->extract_dirfd);
  if (ar->cd_forced != (iconv_t)-1)
    iconv_close(ar->cd_forced);
  if (ar->cd_cp932 != (iconv_t)-1)
    iconv_close(ar->cd_cp932);
  if (ar->cd_cp437 != (iconv_t)-1)
    iconv_close(ar->cd_cp437);
  if (ar->utf8)
    freelocale(ar->utf8);
  free(ar->charset);
  free(ar);
}

art_status
art_archive_add_password(art_ctx *ctx, art_archive *ar, const char *password)
{
  if (!ar || !password)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "archive: no password");
  return add_pw(ctx, ar, password);
}

art_status
art_archive_add_consumer(art_archive *ar, const art_consumer *ops, void *state)
{
  if (!ar || !ops || !ar->in_begin)
    return ART_ERR_INVALID_ARG;
  if (ar->n_consumers >= MAX_CONSUMERS)
    return ART_ERR_LIMIT;
  ar->consumers[ar->n_consumers++] =
      (consumer_slot){.ops = ops, .state = state};
  return ART_OK;
}

void art_archive_set_read_done(art_archive *ar, art_archive_read_done_cb cb)
{
  if (ar)
    ar->read_done = cb;
}

const art_archive_walk_result *art_archive_get_result(const art_archive *ar)
{
  return ar ? &ar->result : NULL;
}

const char *art_archive_via_name(art_archive_via via)
{
  switch (via) {
  case ART_ARCHIVE_VIA_FILE:
    return "file";
  case ART_ARCHIVE_VIA_MEMBER:
    return "member";
  case ART_ARCHIVE_VIA_DECOMPRESSED:
    return "decompressed";
  }
  return "unknown";
}

const char *art_archive_flag_name(unsigned flag)
{
  static const char *const names[] = {
      "depth_limit",       "artifact_limit", "size_limit",
      "byte_budget",       "ratio_limit",    "encrypted",
      "corrupt_container", "unsafe_path",    "special_file",
      "decrypted",         "timeout",        "unsupported_codec",
      "skipped_limit",     "memory",         "name_escaped"};
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
    if (flag == (1u << i))
      return names[i];
  return "unknown";
}

/* ---- signatures ---- */

static int
has(const uint8_t *h, size_t len, size_t off, const char *sig, size_t n)
{
  return len >= off + n && !memcmp(h + off, sig, n);
}

/* A ZIP end of central directory record in the last ZIP_TAIL bytes whose
 * comment length reaches the end (as libarchive's seekable reader wants).
 * Returns its offset in P, or -1. */
static int64_t find_eocd(const uint8_t *p, size_t len)
{
  size_t i, lo;
  if (len < 22)
    return -1;
  lo = len > ZIP_TAIL ? len - ZIP_TAIL : 0;
  /* Backwards from the last place a record fits, 'P' by 'P' (memrchr). */
  for (i = len - 22 + 1; i > lo;) {
    const uint8_t *q = memrchr(p + lo, 'P', i - lo);
    if (!q)
      break;
    i = (size_t)(q - p);
    if (p[i + 1] == 'K' && p[i + 2] == 5 && p[i + 3] == 6) {
      size_t clen = (size_t)p[i + 20] | (size_t)p[i + 21] << 8;
      if (i + 22 + clen == len)
        return (int64_t)i;
    }
  }
  return -1;
}

int art_archive_tail_is_zip(const void *tail, size_t len)
{
  return tail && find_eocd(tail, len) >= 0;
}

/* A tar header without ustar magic (v7 tar): its checksum matches. */
static int tar_checksum_ok(const uint8_t *h, size_t len)
{
  unsigned long sum = 0, want = 0;
  int digits = 0;
  if (len < 512 || !h[0])
    return 0;
  for (size_t i = 0; i < 512; i++)
    sum += (i >= 148 && i < 156) ? ' ' : h[i];
  for (size_t i = 148; i < 156; i++) {
    if (h[i] == ' ' && !digits)
      continue;
    if (h[i] < '0' || h[i] > '7')
      break;
    want = want * 8 + (unsigned long)(h[i] - '0');
    digits++;
  }
  return digits > 0 && sum == want;
}

/* lzma-alone (.lzma, .tlz): properties byte, dictionary size and an
 * uncompressed size that is unknown (all ones) or plausible. */
static int lzma_alone(const uint8_t *h, size_t len)
{
  uint32_t dict;
  uint64_t usize = 0;
  if (len < 13 || h[0] != 0x5d)
    return 0;
  dict = (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16 |
         (uint32_t)h[4] << 24;
  {
    uint32_t hb = dict;
    while (hb & (hb - 1))
      hb &= hb - 1; /* highest bit */
    if (dict < 4096 || (dict != hb && dict != hb + hb / 2))
      return 0; /* 2^n or 2^n + 2^(n-1) */
  }
  for (int i = 12; i >= 5; i--)
    usize = usize << 8 | h[i];
  return usize == UINT64_MAX || usize < (1ull << 40);
}

/* An executable (PE, ELF) carrying a 7z or RAR archive in its first MiB:
 * a self-extracting archive, which libarchive's readers look for there
 * (a ZIP one is found by its end of central directory at the end). */
/* Whether the 6-byte MAGIC occurs in H[0..LEN), found by memchr on its byte
 * at index K. */
static int magic_at(const uint8_t *h, size_t len, const char *magic, size_t k)
{
  const uint8_t *m = (const uint8_t *)magic, *p = h, *end = h + len;
  if (len < 6)
    return 0;
  while ((p = memchr(p, m[k], (size_t)(end - p))) != NULL) {
    if ((size_t)(p - h) >= k && (size_t)(end - p) >= 6 - k &&
        memcmp(p - k, m, 6) == 0)
      return 1;
    p++;
  }
  return 0;
}

static int sfx(const uint8_t *h, size_t len)
{
  if (!has(h, len, 0, "MZ", 2) && !has(h, len, 0,
                                       "\x7f"
                                       "ELF",
                                       4))
    return 0;
  if (len > (1u << 20))
    len = 1u << 20;
  /* Every executable is probed: look for the rarest byte of each magic
   * with memchr (a few times cheaper than memmem's general search). */
  return magic_at(h, len, "7z\xbc\xaf\x27\x1c", 2) ||
         magic_at(h, len, "Rar!\x1a\x07", 4);
}

int art_archive_is_container(const void *head, size_t len)
{
  const uint8_t *h = head;
  if (!h)
    return 0;
  return has(h, len, 0, "PK\3\4", 4) || has(h, len, 0, "PK\5\6", 4) ||
         has(h, len, 0, "PK\7\x08", 4) ||
         has(h, len, 0, "7z\xbc\xaf\x27\x1c", 6) ||
         has(h, len, 0, "Rar!\x1a\x07", 6) ||
         has(h, len, 0, "\x1f\x8b\x08", 3) ||
         (has(h, len, 0, "BZh", 3) && len > 3 && h[3] >= '1' && h[3] <= '9' &&
          (len < 10 || has(h, len, 4, "1AY&SY", 6) ||
           has(h, len, 4, "\x17rE8P\x90", 6))) ||
         has(h, len, 0,
             "\xfd"
             "7zXZ\0",
             6) ||
         has(h, len, 0, "\x28\xb5\x2f\xfd", 4) ||
         has(h, len, 0, "\x04\x22\x4d\x18", 4) ||
         has(h, len, 0, "\x1f\x9d", 2) || has(h, len, 0, "LZIP", 4) ||
         has(h, len, 0, "07070", 5) || has(h, len, 0, "\xc7\x71", 2) ||
         has(h, len, 0, "\x71\xc7", 2) || has(h, len, 0, "!<arch>\n", 8) ||
         has(h, len, 0, "MSCF\0\0\0\0", 8) || has(h, len, 0, "xar!", 4) ||
         has(h, len, 257, "ustar", 5) || has(h, len, 0x8001, "CD001", 5) ||
         has(h, len, 0, "\x02\x21\x4c\x18", 4) || /* legacy lz4 */
         (len >= 4 && (h[0] & 0xf0) == 0x50 && h[1] == 0x2a && h[2] == 0x4d &&
          h[3] == 0x18) || /* zstd skippable frame */
         (len >= 7 && h[2] == '-' && h[3] == 'l' &&
          (h[4] == 'h' || h[4] == 'z') && h[6] == '-') || /* LZH */
         has(h, len, 0, "\xed\xab\xee\xdb", 4) ||         /* RPM */
         lzma_alone(h, len) ||
         tar_checksum_ok(h, len) || sfx(h, len) || find_eocd(h, len) >= 0;
}

/* ---- safe paths ---- */

int art_archive_path_is_safe(const char *path)
{
  const char *p = path, *c;
  if (!path || !*path || path[0] == '/' || path[0] == '\\')
    return 0;
  if (((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z') && path[1] == ':')
    return 0;
  while (*p) {
    size_t n;
    c = p;
    while (*p && *p != '/' && *p != '\\')
      p++;
    n = (size_t)(p - c);
    if (n == 2 && c[0] == '.' && c[1] == '.')
      return 0;
    if (*p)
      p++;
  }
  return 1;
}

/* Create the directories of REL below DIRFD without following any link,
 * then the file itself, exclusively. Returns the fd or -1 (errno set). */
static int create_below(int dirfd, const char *rel)
{
  char *copy = strdup(rel), *p, *comp;
  int dfd = dup(dirfd), fd = -1, saved = 0;
  if (!copy || dfd < 0) {
    saved = ENOMEM;
    goto out;
  }
  for (p = copy; *p; p++)
    if (*p == '\\')
      *p = '/';
  comp = copy;
  for (;;) {
    char *slash = strchr(comp, '/');
    if (!slash)
      break;
    *slash = '\0';
    if (*comp && strcmp(comp, ".")) {
      int nfd;
      if (mkdirat(dfd, comp, 0755) != 0 && errno != EEXIST) {
        saved = errno;
        goto out;
      }
      nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (nfd < 0) {
        saved = errno;
        goto out;
      }
      close(dfd);
      dfd = nfd;
    }
    comp = slash + 1;
  }
  if (!*comp || !strcmp(comp, ".")) {
    saved = EINVAL;
    goto out;
  }
  fd = openat(dfd, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0644);
  if (fd < 0)
    saved = errno;
out:
  if (dfd >= 0)
    close(dfd);
  free(copy);
  errno = saved;
  return fd;
}

/* ---- libarchive input callbacks ---- */

/* Past the walk's deadline? Marks the walk stopped when so. */
static int timed_out(art_archive *ar)
{
  struct timespec now;
  if (!ar->opts.timeout_ms)
    return 0;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (now.tv_sec < ar->deadline.tv_sec ||
      (now.tv_sec == ar->deadline.tv_sec && now.tv_nsec < ar->deadline.tv_nsec))
    return 0;
  ar->result.flags |= ART_ARCHIVE_F_TIMEOUT;
  ar->stop = 1;
  ar->stop_status = ART_ERR_TIMEOUT;
  return 1;
}

static la_ssize_t in_read(struct archive *a, void *cd, const void **buf)
{
  input *in = cd;
  size_t got = 0;
  if (timed_out(in->ar)) {
    archive_set_error(a, ETIMEDOUT, "time limit of %u ms reached",
                      in->ar->opts.timeout_ms);
    return -1;
  }
  if (in->mem) {
    uint64_t left = in->off < in->size ? in->size - in->off : 0;
    size_t n = left > MEM_CHUNK ? MEM_CHUNK : (size_t)left;
    *buf = in->mem + in->off;
    in->off += n;
    return (la_ssize_t)n;
  }
  *buf = in->buf;
  if (in->seekable)
    in->err =
        art_source_pread(in->ctx, in->src, in->buf, MEM_CHUNK, in->off, &got);
  else
    in->err = art_source_read(in->ctx, in->src, in->buf, MEM_CHUNK, &got);
  if (in->err != ART_OK) {
    archive_set_error(a, EIO, "%s", art_ctx_errmsg(in->ctx));
    return -1;
  }
  in->off += got;
  return (la_ssize_t)got;
}

static la_int64_t
in_seek(struct archive *a, void *cd, la_int64_t offset, int whence)
{
  input *in = cd;
  int64_t base = whence == SEEK_SET   ? 0
                 : whence == SEEK_CUR ? (int64_t)in->off
                                      : (int64_t)in->size;
  if (timed_out(in->ar)) {
    archive_set_error(a, ETIMEDOUT, "time limit of %u ms reached",
                      in->ar->opts.timeout_ms);
    return ARCHIVE_FATAL;
  }
  if (base + offset < 0)
    return ARCHIVE_FATAL;
  in->off = (uint64_t)(base + offset);
  return (la_int64_t)in->off;
}

static const char *pw_cb(struct archive *a, void *cd)
{
  level *lv = cd;
  (void)a;
  if (lv->pw_next >= lv->ar->n_passwords)
    return NULL;
  lv->pw_last = lv->ar->passwords[lv->pw_next++];
  lv->pw_entry++;
  return lv->pw_last;
}

#define PW_CHECK_MAX (16u << 20) /* bytes read to check a password */

static void set_formats(struct archive *a, int raw_only);

/* Read member number LV->header again, alone with password I, through
 * a reader of its own. With OUT, its bytes are gathered (holes as zeros,
 * at most CAP bytes) and it must read cleanly to its end and its CRC;
 * without, reading cleanly for CAP bytes is enough. 1 when it did. */
static int
read_alone(level *lv, size_t i, uint64_t cap, uint8_t **out, size_t *out_len)
{
  input c = *lv->in;
  struct archive *a;
  struct archive_entry *e = NULL;
  uint8_t *got = NULL;
  size_t len = 0, gcap = 0;
  uint64_t k = 0, total = 0;
  int r, ok = 0;
  if (!c.mem && !c.seekable)
    return 0;
  c.buf = c.mem ? NULL : malloc(MEM_CHUNK);
  c.off = 0;
  c.err = ART_OK;
  a = (c.mem || c.buf) ? archive_read_new() : NULL;
  if (!a) {
    free(c.buf);
    return 0;
  }
  set_formats(a, 0);
  archive_read_add_passphrase(a, lv->ar->passwords[i]);
  archive_read_set_read_callback(a, in_read);
  if (c.seekable)
    archive_read_set_seek_callback(a, in_seek);
  archive_read_set_callback_data(a, &c);
  if (archive_read_open1(a) == ARCHIVE_OK)
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
           r == ARCHIVE_WARN)
      if (k++ == lv->header) {
        ok = 1;
        break;
      }
  while (ok && total < cap) {
    const void *buf = NULL;
    size_t n = 0;
    la_int64_t off = 0;
    r = archive_read_data_block(a, &buf, &n, &off);
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK || timed_out(lv->ar)) {
      ok = 0; /* a bad CRC is a warning: not clean */
      break;
    }
    total += n;
    if (!out)
      continue;
    size_t at = off >= 0 && (uint64_t)off > len ? (size_t)off : len;
    if ((uint64_t)at + n > cap) {
      ok = 0;
      break;
    }
    if (at + n > gcap) {
      size_t nc = gcap ? gcap : MEM_CHUNK;
      while (nc < at + n)
        nc *= 2;
      uint8_t *nb = realloc(got, nc);
      if (!nb) {
        ok = 0;
        break;
      }
      got = nb;
      gcap = nc;
    }
    if (at > len) /* a hole (nothing held yet may mean no buffer) */
      memset(got + len, 0, at - len);
    if (n)
      memcpy(got + at, buf, n);
    len = at + n;
  }
  archive_read_free(a);
  free(c.buf);
  if (ok && out) {
    *out = got;
    *out_len = len;
  } else {
    free(got);
  }
  return ok;
}

/* Which password opened member number LV->header. libarchive asks the
 * callback only once the passwords it holds all failed, and keeps trying
 * those first: when a member used none of the new ones and the reader
 * holds several, the password that opened it is found by reading it
 * again with each alone (in the order they were tried, up to its end and
 * its CRC, or PW_CHECK_MAX bytes). NULL when the input cannot be read
 * again. */
static const char *which_password(level *lv)
{
  if (lv->pw_entry)
    return lv->pw_last; /* the callback's last one opened it */
  if (lv->pw_next == 1)
    return lv->ar->passwords[0];
  for (size_t i = 0; i < lv->pw_next; i++)
    if (read_alone(lv, i, PW_CHECK_MAX, NULL, NULL))
      return lv->ar->passwords[i];
  return NULL;
}

/* ---- names ---- */

/* The length of the valid UTF-8 sequence at P (at most N bytes), 0 when
 * invalid (overlong forms, surrogates and values past U+10FFFF too);
 * its code point in *CP. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
  uint32_t c;
  size_t len;
  if (!n)
    return 0;
  if (p[0] < 0x80) {
    *cp = p[0];
    return 1;
  }
  if (p[0] >= 0xc2 && p[0] <= 0xdf) {
    len = 2;
    c = p[0] & 0x1fu;
  } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
    len = 3;
    c = p[0] & 0x0fu;
  } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
    len = 4;
    c = p[0] & 0x07u;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    c = c << 6 | (p[i] & 0x3fu);
  }
  if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
      (len == 4 && (c < 0x10000 || c > 0x10ffff)))
    return 0;
  *cp = c;
  return len;
}

static int utf8_valid(const uint8_t *p, size_t n)
{
  uint32_t cp;
  while (n) {
    size_t l = utf8_seq(p, n, &cp);
    if (!l)
      return 0;
    p += l;
    n -= l;
  }
  return 1;
}

typedef struct sbuf {
  char *p;
  size_t len, cap;
  int nomem;
} sbuf;

static void sb_put(sbuf *b, const void *d, size_t n)
{
  if (b->nomem)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    char *np;
    while (cap < b->len + n + 1)
      cap *= 2;
    np = realloc(b->p, cap);
    if (!np) {
      b->nomem = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->len, d, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_esc(sbuf *b, uint8_t c)
{
  static const char hx[] = "0123456789ABCDEF";
  char e[4] = {'\\', 'x', hx[c >> 4], hx[c & 15]};
  sb_put(b, e, 4);
}

/* Convert IN with CD into OUT. Undecodable bytes are written as \xNN when
 * ESCAPE, else the conversion fails. Returns the bytes escaped, or -1. */
static long
iconv_name(iconv_t cd, const uint8_t *in, size_t n, sbuf *out, int escape)
{
  char tmp[256];
  char *ip = (char *)(uintptr_t)in;
  size_t left = n;
  long escaped = 0;
  iconv(cd, NULL, NULL, NULL, NULL);
  while (left && !out->nomem) {
    char *op = tmp;
    size_t room = sizeof tmp;
    size_t r = iconv(cd, &ip, &left, &op, &room);
    sb_put(out, tmp, (size_t)(op - tmp));
    if (r != (size_t)-1)
      continue;
    if (errno == E2BIG)
      continue;
    if (!escape)
      return -1;
    sb_esc(out, (uint8_t)*ip); /* EILSEQ or a cut sequence (EINVAL) */
    ip++;
    left--;
    escaped++;
    iconv(cd, NULL, NULL, NULL, NULL);
  }
  {
    char *op = tmp;
    size_t room = sizeof tmp;
    iconv(cd, NULL, NULL, &op, &room); /* flush a stateful encoding */
    sb_put(out, tmp, (size_t)(op - tmp));
  }
  return out->nomem ? -1 : escaped;
}

/* Whether a decoded name reads as Japanese: at least one kana or kanji
 * (or three half-width katakana) and nothing else outside ASCII but
 * Japanese punctuation and full-width forms. Random bytes from a Western
 * code page that happen to be valid CP932 give box drawing, Greek or
 * Cyrillic rows, or fail. */
static int looks_japanese(const char *u, size_t n)
{
  const uint8_t *p = (const uint8_t *)u;
  unsigned strong = 0, halfkana = 0;
  while (n) {
    uint32_t c = 0;
    size_t l = utf8_seq(p, n, &c);
    if (!l)
      return 0;
    p += l;
    n -= l;
    if (c < 0x80)
      continue;
    if ((c >= 0x3041 && c <= 0x30ff) || (c >= 0x4e00 && c <= 0x9fff) ||
        (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff))
      strong++;
    else if (c >= 0xff61 && c <= 0xff9f)
      halfkana++;
    else if (!((c >= 0x3000 && c <= 0x303f) || (c >= 0xff01 && c <= 0xff5e)))
      return 0;
  }
  return strong > 0 || halfkana >= 3;
}

static iconv_t lazy_cd(iconv_t *cd, const char *from)
{
  if (*cd == (iconv_t)-1)
    *cd = iconv_open("UTF-8", from);
  return *cd;
}

/* The UTF-8 form of a stored name (see "Names" in archive.h): a new
 * string, with how it was read in *CHARSET and *ESCAPED set when some
 * bytes had to be escaped. NULL when out of memory. */
static char *decode_name(art_archive *ar,
                         const uint8_t *raw,
                         size_t n,
                         int zip,
                         const char **charset,
                         int *escaped)
{
  sbuf b = {0};
  *escaped = 0;
  *charset = "utf-8";
  sb_put(&b, "", 0);
  if (utf8_valid(raw, n)) {
    sb_put(&b, raw, n);
    return b.nomem ? (free(b.p), NULL) : b.p;
  }
  if (ar->cd_forced != (iconv_t)-1) {
    long e = iconv_name(ar->cd_forced, raw, n, &b, 1);
    *charset = ar->charset;
    *escaped = e > 0;
    return e < 0 ? (free(b.p), NULL) : b.p;
  }
  if (lazy_cd(&ar->cd_cp932, "CP932") != (iconv_t)-1) {
    if (iconv_name(ar->cd_cp932, raw, n, &b, 0) >= 0 &&
        looks_japanese(b.p, b.len)) {
      *charset = "cp932";
      return b.p;
    }
    b.len = 0;
    if (b.p)
      b.p[0] = '\0';
  }
  if (zip && lazy_cd(&ar->cd_cp437, "CP437") != (iconv_t)-1 &&
      iconv_name(ar->cd_cp437, raw, n, &b, 0) >= 0) {
    *charset = "cp437";
    return b.p;
  }
  /* Keep what is valid UTF-8, escape the rest. */
  b.len = 0;
  b.nomem = 0;
  sb_put(&b, "", 0);
  while (n) {
    uint32_t cp;
    size_t l = utf8_seq(raw, n, &cp);
    if (l) {
      sb_put(&b, raw, l);
    } else {
      sb_esc(&b, raw[0]);
      l = 1;
    }
    raw += l;
    n -= l;
  }
  *charset = "escaped";
  *escaped = 1;
  return b.nomem ? (free(b.p), NULL) : b.p;
}

static char *hex_of(const uint8_t *p, size_t n)
{
  static const char hx[] = "0123456789abcdef";
  char *s = malloc(2 * n + 1);
  if (!s)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    s[2 * i] = hx[p[i] >> 4];
    s[2 * i + 1] = hx[p[i] & 15];
  }
  s[2 * n] = '\0';
  return s;
}

/* UTF-8 from a wide name (libarchive's other form of a name). */
static char *wide_to_utf8(const wchar_t *w)
{
  sbuf b = {0};
  sb_put(&b, "", 0);
  for (; *w; w++) {
    uint32_t c = (uint32_t)*w;
    uint8_t u[4];
    size_t l;
    if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
      char e[16];
      int k = snprintf(e, sizeof e, "\\u{%X}", (unsigned)c);
      sb_put(&b, e, k > 0 ? (size_t)k : 0);
      continue; /* not a character: visible, never U+FFFD */
    }
    if (c < 0x80) {
      u[0] = (uint8_t)c;
      l = 1;
    } else if (c < 0x800) {
      u[0] = (uint8_t)(0xc0 | c >> 6);
      u[1] = (uint8_t)(0x80 | (c & 0x3f));
      l = 2;
    } else if (c < 0x10000) {
      u[0] = (uint8_t)(0xe0 | c >> 12);
      u[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
      u[2] = (uint8_t)(0x80 | (c & 0x3f));
      l = 3;
    } else {
      u[0] = (uint8_t)(0xf0 | c >> 18);
      u[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
      u[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
      u[3] = (uint8_t)(0x80 | (c & 0x3f));
      l = 4;
    }
    sb_put(&b, u, l);
  }
  return b.nomem ? (free(b.p), NULL) : b.p;
}

/* ---- the walk ---- */

static void copy_str(char *dst, size_t cap, const char *src)
{
  size_t n = src ? strlen(src) : 0;
  if (n >= cap)
    n = cap - 1;
  if (n)
    memcpy(dst, src, n);
  dst[n] = '\0';
}

static char *join3(const char *a, const char *sep, const char *b)
{
  size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
  char *s = malloc(la + ls + lb + 1);
  if (!s)
    return NULL;
  memcpy(s, a, la);
  memcpy(s + la, sep, ls);
  memcpy(s + la + ls, b, lb + 1);
  return s;
}

static void describe_filters(struct archive *a, char *out, size_t cap)
{
  size_t n = 0;
  int count = archive_filter_count(a);
  out[0] = '\0';
  /* Filter 0 is the outermost decoder; the last is the client ("none"). */
  for (int i = 0; i < count; i++) {
    const char *name = archive_filter_name(a, i);
    size_t l;
    if (!name || archive_filter_code(a, i) == ARCHIVE_FILTER_NONE)
      continue;
    l = strlen(name);
    if (n + l + 2 >= cap)
      break;
    if (n)
      out[n++] = ',';
    memcpy(out + n, name, l + 1);
    n += l;
  }
}

static const char *format_short(struct archive *a)
{
  switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
  case ARCHIVE_FORMAT_ZIP:
    return "zip";
  case ARCHIVE_FORMAT_7ZIP:
    return "7z";
  case ARCHIVE_FORMAT_RAR:
    return "rar";
  case ARCHIVE_FORMAT_RAR_V5:
    return "rar5";
  case ARCHIVE_FORMAT_TAR:
    return "tar";
  case ARCHIVE_FORMAT_CPIO:
    return "cpio";
  case ARCHIVE_FORMAT_AR:
    return "ar";
  case ARCHIVE_FORMAT_ISO9660:
    return "iso9660";
  case ARCHIVE_FORMAT_CAB:
    return "cab";
  case ARCHIVE_FORMAT_XAR:
    return "xar";
  case ARCHIVE_FORMAT_RAW:
    return "raw";
  default:
    return archive_format_name(a) ? archive_format_name(a) : "unknown";
  }
}

/* The content's name for a lone compressed stream: foo.gz -> foo,
 * foo.tgz -> foo.tar. */
static char *stream_name(const char *container)
{
  static const char *const exts[][2] = {
      {".tgz", ".tar"},  {".tbz2", ".tar"}, {".tbz", ".tar"}, {".txz", ".tar"},
      {".tzst", ".tar"}, {".gz", ""},       {".bz2", ""},     {".xz", ""},
      {".zst", ""},      {".lz4", ""},      {".lzma", ""},    {".lz", ""},
      {".Z", ""},        {".z", ""}};
  const char *base = strrchr(container, '/');
  size_t n;
  base = base ? base + 1 : container;
  n = strlen(base);
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    size_t l = strlen(exts[i][0]);
    if (n > l && !strcmp(base + n - l, exts[i][0])) {
      char *s = malloc(n - l + strlen(exts[i][1]) + 1);
      if (!s)
        return NULL;
      memcpy(s, base, n - l);
      memcpy(s + n - l, exts[i][1], strlen(exts[i][1]) + 1);
      return s;
    }
  }
  return join3(base, "", ".out");
}

static art_entry_type entry_type(struct archive_entry *e)
{
  switch (archive_entry_filetype(e)) {
  case AE_IFREG:
    return ART_ENTRY_FILE;
  case AE_IFDIR:
    return ART_ENTRY_DIR;
  case AE_IFLNK:
    return ART_ENTRY_SYMLINK;
  case AE_IFIFO:
    return ART_ENTRY_FIFO;
  case AE_IFSOCK:
    return ART_ENTRY_SOCKET;
  case AE_IFCHR:
    return ART_ENTRY_CHAR_DEVICE;
  case AE_IFBLK:
    return ART_ENTRY_BLOCK_DEVICE;
  default:
    return ART_ENTRY_UNKNOWN;
  }
}

static int is_encryption_error(struct archive *a, struct archive_entry *e)
{
  const char *msg = archive_error_string(a);
  if (archive_entry_is_data_encrypted(e) ||
      archive_entry_is_metadata_encrypted(e))
    return 1;
  return msg && (strstr(msg, "assphrase") || strstr(msg, "ncrypt"));
}

typedef struct member_ctx {
  level *lv;
  art_archive_member m;
  art_archive_result r;
  char msg[MSG_MAX];
  char warn[MSG_MAX]; /* libarchive's first warning on the data */
  uint8_t *keep;      /* the whole member, when it may be a container */
  size_t keep_len, keep_cap;
  int keeping;
  int out_fd;
  char *xpath;
  char fmt[64], flt[128];
  size_t staged; /* first bytes gathered in ar->block */
  int staging;
  uint64_t next_off; /* where the next data block should start */
  uint8_t *hold;     /* an encrypted member held back (see hold_bytes) */
  size_t hold_len, hold_cap;
  int holding;
  const char *pw_found; /* the password that read it after a failure */
} member_ctx;

static void
member_error(member_ctx *mc, art_status st, unsigned flag, const char *fmt, ...)
    ART_PRINTF(4, 5);
static void
member_error(member_ctx *mc, art_status st, unsigned flag, const char *fmt, ...)
{
  va_list ap;
  int n;
  mc->r.flags |= flag;
  if (mc->r.status != ART_OK)
    return; /* keep the first reason */
  mc->r.status = st;
  n = snprintf(mc->msg, sizeof mc->msg, "%s: ", mc->m.lineage);
  if (n < 0 || (size_t)n >= sizeof mc->msg)
    n = 0;
  va_start(ap, fmt);
  vsnprintf(mc->msg + n, sizeof mc->msg - (size_t)n, fmt, ap);
  va_end(ap);
  mc->r.errmsg = mc->msg;
}

/* Hold a member's bytes to expand it: -1 out of memory, -2 past
 * max_memory. */
static int keep_bytes(member_ctx *mc, const uint8_t *p, size_t n)
{
  art_archive *ar = mc->lv->ar;
  if (mc->keep_len + n > mc->keep_cap) {
    size_t cap = mc->keep_cap ? mc->keep_cap : 1u << 20;
    uint8_t *nb;
    while (cap < mc->keep_len + n)
      cap *= 2;
    if (ar->kept - mc->keep_cap + cap > ar->opts.max_memory) {
      if (ar->kept - mc->keep_cap + mc->keep_len + n > ar->opts.max_memory)
        return -2;
      cap = mc->keep_len + n; /* exactly what fits */
    }
    nb = realloc(mc->keep, cap);
    if (!nb)
      return -1;
    ar->kept = ar->kept - mc->keep_cap + cap;
    mc->keep = nb;
    mc->keep_cap = cap;
  }
  memcpy(mc->keep + mc->keep_len, p, n);
  mc->keep_len += n;
  return 0;
}

static void
feed_consumers(art_archive *ar, member_ctx *mc, const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < ar->n_consumers; i++) {
    consumer_slot *c = &ar->consumers[i];
    art_status st;
    if (c->done || c->failed)
      continue;
    st = c->ops->update(c->state, p, n, mc->r.bytes);
    if (st == ART_ERR_LIMIT)
      c->done = 1;
    else if (st != ART_OK)
      c->failed = st;
  }
  if (ar->ops->data && ar->ops->data(ar->userdata, &mc->m, p, n, mc->r.bytes))
    mc->keeping = -1; /* the caller asked to stop */
}

static void write_out(member_ctx *mc, const uint8_t *p, size_t n)
{
  const art__extract_hook *hook = art__extract_hook_active;
  if (hook && mc->out_fd >= 0 && n && hook->write(mc->out_fd, p, n) != 0) {
    member_error(mc, ART_ERR_IO, 0, "extract %s: %s", mc->xpath,
                 art__strerror_c(errno));
    hook->close(mc->out_fd, 1);
    mc->out_fd = -1;
  }
  while (!hook && mc->out_fd >= 0 && n) {
    ssize_t w = write(mc->out_fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      member_error(mc, ART_ERR_IO, 0, "extract %s: %s", mc->xpath,
                   art__strerror_c(errno));
      close(mc->out_fd);
      mc->out_fd = -1;
      /* No partial file under the member's name (a full disk). */
      unlinkat(mc->lv->ar->extract_dirfd, mc->xpath, 0);
      return;
    }
    p += (size_t)w;
    n -= (size_t)w;
  }
}

static art_status walk_level(level *lv);

/* N bytes of the member: to the consumers, the data callback, the
 * extraction file and (for containers) to memory, within the limits.
 * Returns nonzero to stop reading the member. */
static int member_bytes(member_ctx *mc, const uint8_t *p, size_t n)
{
  art_archive *ar = mc->lv->ar;
  const art_archive_opts *o = &ar->opts;
  size_t got = n;
  int cut = 0;
  if (mc->r.bytes + got > o->max_member_bytes) {
    got = (size_t)(o->max_member_bytes - mc->r.bytes);
    member_error(mc, ART_ERR_LIMIT,
                 ART_ARCHIVE_F_MEMBER_SIZE | ART_ARCHIVE_F_SKIPPED_LIMIT,
                 "member larger than %llu bytes: read cut there",
                 (unsigned long long)o->max_member_bytes);
    cut = 1;
  }
  if (ar->result.bytes + got > o->max_total_bytes) {
    got = (size_t)(o->max_total_bytes - ar->result.bytes);
    member_error(mc, ART_ERR_LIMIT,
                 ART_ARCHIVE_F_TOTAL | ART_ARCHIVE_F_SKIPPED_LIMIT,
                 "%llu decompressed bytes per input reached: read cut there",
                 (unsigned long long)o->max_total_bytes);
    ar->stop = 1;
    ar->stop_status = ART_ERR_LIMIT;
    cut = 1;
  }
  if (got) {
    USER(ar, feed_consumers(ar, mc, p, got));
    write_out(mc, p, got);
    if (mc->keeping == 1) {
      int k = keep_bytes(mc, p, got);
      if (k == -2) {
        mc->keeping = 0;
        member_error(mc, ART_ERR_LIMIT, ART_ARCHIVE_F_MEMORY,
                     "container not expanded: more than %llu bytes of "
                     "members held in memory",
                     (unsigned long long)o->max_memory);
      } else if (k != 0) {
        mc->keeping = 0;
        member_error(mc, ART_ERR_NOMEM, ART_ARCHIVE_F_MEMORY,
                     "no memory to expand container");
      }
    }
    mc->r.bytes += got;
    ar->result.bytes += got;
    mc->lv->uncompressed += got;
  }
  if (cut) {
    mc->keeping = 0; /* a cut container is not expanded */
    return 1;
  }
  return mc->keeping < 0;
}

/* The first bytes were gathered: decide whether the member may be a
 * container (signatures lie up to 32 KiB in), then pass them on. */
static int flush_stage(member_ctx *mc)
{
  level *lv = mc->lv;
  art_archive *ar = lv->ar;
  mc->staging = 0;
  if (art_archive_is_container(ar->block, mc->staged)) {
    if (lv->depth < ar->opts.max_depth)
      mc->keeping = 1;
    else
      member_error(mc, ART_ERR_LIMIT, ART_ARCHIVE_F_DEPTH,
                   "container at depth %u not expanded (limit %u)", lv->depth,
                   ar->opts.max_depth);
  }
  return mc->staged ? member_bytes(mc, ar->block, mc->staged) : 0;
}

static int put_bytes(member_ctx *mc, const uint8_t *p, size_t n)
{
  art_archive *ar = mc->lv->ar;
  while (n && mc->staging) {
    size_t k = ar->opts.block_size - mc->staged;
    if (k > n)
      k = n;
    memcpy(ar->block + mc->staged, p, k);
    mc->staged += k;
    p += k;
    n -= k;
    if (mc->staged == ar->opts.block_size && flush_stage(mc))
      return 1;
  }
  /* In blocks, so that the limits and the deadline are checked often. */
  while (n) {
    size_t k = n > ar->opts.block_size ? ar->opts.block_size : n;
    if (member_bytes(mc, p, k))
      return 1;
    p += k;
    n -= k;
  }
  return 0;
}

/* A hole in a sparse member (tar): zeros, as bsdtar -xO writes them. */
static int put_zeros(member_ctx *mc, uint64_t n)
{
  static const uint8_t zeros[MEM_CHUNK];
  while (n) {
    size_t k = n > sizeof zeros ? sizeof zeros : (size_t)n;
    if (put_bytes(mc, zeros, k))
      return 1;
    n -= k;
  }
  return 0;
}

/* Classify a failed read of the member's data. */
static void data_error(member_ctx *mc, struct archive_entry *e, int r)
{
  level *lv = mc->lv;
  art_archive *ar = lv->ar;
  const char *msg = archive_error_string(lv->a);
  if (!msg)
    msg = "cannot read member data";
  if (ar->stop_status == ART_ERR_TIMEOUT) {
    member_error(mc, ART_ERR_TIMEOUT,
                 ART_ARCHIVE_F_TIMEOUT | ART_ARCHIVE_F_SKIPPED_LIMIT,
                 "time limit of %u ms reached: read cut there",
                 ar->opts.timeout_ms);
  } else if (is_encryption_error(lv->a, e)) {
    member_error(mc, ART_ERR_UNSUPPORTED, ART_ARCHIVE_F_ENCRYPTED,
                 "cannot decrypt: %s", msg);
    lv->encrypted++;
  } else if (strstr(msg, "nsupported") || strstr(msg, "nknown codec") ||
             strstr(msg, "not supported") ||
             (lv->unsupported && strstr(msg, "ecompression"))) {
    /* 7z: a member after one with an unknown codec in the same folder
     * fails with "Decompression internal error". */
    member_error(mc, ART_ERR_UNSUPPORTED, ART_ARCHIVE_F_UNSUPPORTED,
                 "unsupported: %s", msg);
    lv->unsupported = 1;
  } else {
    member_error(mc, ART_ERR_CORRUPT, ART_ARCHIVE_F_CORRUPT, "%s", msg);
  }
  if (r == ARCHIVE_FATAL)
    lv->data_fatal = 1;
  mc->keeping = 0;
}

/* Over the compression ratio? Only past ratio_min_bytes of output: of the
 * member, or of the whole stream for a compressed container. */
static int ratio_over(member_ctx *mc)
{
  level *lv = mc->lv;
  const art_archive_opts *o = &lv->ar->opts;
  uint64_t out = lv->filters[0] ? lv->uncompressed : mc->r.bytes;
  int64_t raw;
  double ratio;
  if (out <= o->ratio_min_bytes)
    return 0;
  raw = archive_filter_bytes(lv->a, -1);
  if (!lv->filters[0])
    raw -= lv->member_raw0;
  ratio = (double)out / (double)(raw > 0 ? raw : 1);
  if (ratio <= o->max_ratio)
    return 0;
  member_error(mc, ART_ERR_LIMIT,
               ART_ARCHIVE_F_RATIO | ART_ARCHIVE_F_SKIPPED_LIMIT,
               "compression ratio over %.0f:1 (%llu bytes from %lld): read "
               "cut there",
               o->max_ratio, (unsigned long long)out, (long long)raw);
  if (lv->filters[0])
    lv->flags |= ART_ARCHIVE_F_RATIO; /* a stream bomb: stop the stream */
  mc->keeping = 0;
  return 1;
}

/* ZipCrypto checks a password with one byte of its header: a wrong one
 * passes once in 256 and the member then fails its CRC or its
 * decompression, while the right one may be next in the list. So an
 * encrypted member of a container that can be read again is held (up to
 * PW_CHECK_MAX bytes) before anything sees it; when its data fails, each
 * password is tried alone (read_alone) and the bytes of the first that
 * reads it cleanly replace the held ones. At most MAX_RETRIES members per
 * container are read again so. */
#define MAX_RETRIES 16u

/* Hold a block: 0 held, 1 not (the member is too large to hold: what was
 * held is passed on and the member streams from here), -1 cut. */
static int hold_bytes(member_ctx *mc, la_int64_t off, const void *buf, size_t n)
{
  size_t at =
      off >= 0 && (uint64_t)off > mc->hold_len ? (size_t)off : mc->hold_len;
  if (at + n > PW_CHECK_MAX) {
    int r = mc->hold_len ? put_bytes(mc, mc->hold, mc->hold_len) : 0;
    mc->holding = 0;
    return r ? -1 : 1;
  }
  if (at + n > mc->hold_cap) {
    size_t nc = mc->hold_cap ? mc->hold_cap : MEM_CHUNK;
    while (nc < at + n)
      nc *= 2;
    uint8_t *nb = realloc(mc->hold, nc);
    if (!nb) {
      int r = mc->hold_len ? put_bytes(mc, mc->hold, mc->hold_len) : 0;
      mc->holding = 0;
      return r ? -1 : 1;
    }
    mc->hold = nb;
    mc->hold_cap = nc;
  }
  if (at > mc->hold_len) /* a hole (an empty first block leaves no buffer) */
    memset(mc->hold + mc->hold_len, 0, at - mc->hold_len);
  if (n)
    memcpy(mc->hold + at, buf, n);
  mc->hold_len = at + n;
  mc->next_off = mc->hold_len;
  return 0;
}

/* The held member's data failed: read it with each password alone. 1 when
 * one read it cleanly (its bytes are held now). */
static int retry_passwords(member_ctx *mc)
{
  level *lv = mc->lv;
  const char *msg = archive_error_string(lv->a);
  if (!mc->holding || lv->retries >= MAX_RETRIES ||
      (msg && strstr(msg, "assphrase")))
    return 0; /* no password passed its check: nothing to retry */
  lv->retries++;
  for (size_t i = 0; i < lv->ar->n_passwords && !lv->ar->stop; i++) {
    uint8_t *b = NULL;
    size_t n = 0;
    if (read_alone(lv, i, PW_CHECK_MAX, &b, &n)) {
      free(mc->hold);
      mc->hold = b;
      mc->hold_len = mc->hold_cap = n;
      mc->pw_found = lv->ar->passwords[i];
      return 1;
    }
  }
  return 0;
}

/* Pass the held bytes on. 1 when cut. */
static int release_hold(member_ctx *mc)
{
  int r = 0;
  if (mc->holding && mc->hold_len)
    r = put_bytes(mc, mc->hold, mc->hold_len);
  mc->holding = 0;
  free(mc->hold);
  mc->hold = NULL;
  mc->hold_len = mc->hold_cap = 0;
  return r;
}

/* Read a member's data block by block (archive_read_data() pads some
 * formats' members with the previous member's size of NULs: XAR in
 * libarchive 3.6.2), holes of sparse members as zeros. */
static void read_member(member_ctx *mc, struct archive_entry *e)
{
  level *lv = mc->lv;
  art_archive *ar = lv->ar;
  mc->staging = 1;
  mc->staged = 0;
  mc->next_off = 0;
  mc->holding = mc->m.encrypted && ar->n_passwords > 1 &&
                (lv->in->mem || lv->in->seekable);
  lv->member_raw0 = archive_filter_bytes(lv->a, -1);
  mc->warn[0] = '\0';
  for (;;) {
    const void *buf = NULL;
    size_t n = 0;
    la_int64_t off = 0;
    int h = 1;
    int r = archive_read_data_block(lv->a, &buf, &n, &off);
    if (r == ARCHIVE_EOF)
      break;
    if (r == ARCHIVE_WARN && !mc->warn[0]) {
      /* a bad CRC (zip): damaged data, or ZipCrypto data decrypted with
       * a wrong password that passed its one-byte check; the bytes are
       * passed on, the member reported damaged once read */
      const char *w = archive_error_string(lv->a);
      snprintf(mc->warn, sizeof mc->warn, "%s",
               w && *w ? w : "cannot read member data");
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (r == ARCHIVE_FATAL)
        lv->data_fatal = 1;
      if (retry_passwords(mc)) {
        mc->warn[0] = '\0';
        break;
      }
      if (release_hold(mc) == 0 && mc->staging && mc->staged)
        flush_stage(mc);
      data_error(mc, e, r);
      return;
    }
    if (mc->holding && (h = hold_bytes(mc, off, buf, n)) < 0)
      goto cut;
    if (h > 0) {
      if (off >= 0 && (uint64_t)off > mc->next_off) {
        if (put_zeros(mc, (uint64_t)off - mc->next_off))
          goto cut;
        mc->next_off = (uint64_t)off;
      }
      if (n && put_bytes(mc, buf, n))
        goto cut;
      mc->next_off += n;
    }
    if (timed_out(ar)) {
      if (release_hold(mc) == 0 && mc->staging && mc->staged)
        flush_stage(mc);
      member_error(mc, ART_ERR_TIMEOUT,
                   ART_ARCHIVE_F_TIMEOUT | ART_ARCHIVE_F_SKIPPED_LIMIT,
                   "time limit of %u ms reached: read cut there",
                   ar->opts.timeout_ms);
      mc->keeping = 0;
      return;
    }
    if (ratio_over(mc)) {
      release_hold(mc);
      return;
    }
  }
  if (mc->warn[0] && retry_passwords(mc))
    mc->warn[0] = '\0';
  if (release_hold(mc))
    goto cut;
  if (mc->staging)
    flush_stage(mc);
  if (mc->warn[0])
    member_error(mc, ART_ERR_CORRUPT, ART_ARCHIVE_F_CORRUPT, "%s%s", mc->warn,
                 mc->m.encrypted ? " (damaged data, or a wrong password that "
                                   "passed the archive's password check)"
                                 : "");
  return;
cut:
  release_hold(mc);
  if (mc->staging && mc->staged)
    flush_stage(mc);
}

static void begin_consumers(art_archive *ar, const art_archive_member *m)
{
  for (size_t i = 0; i < ar->n_consumers; i++) {
    consumer_slot *c = &ar->consumers[i];
    if (c->ops->begin) {
      art_status st = c->ops->begin(c->state, m->size_known, m->size);
      if (st == ART_ERR_LIMIT)
        c->done = 1;
      else if (st != ART_OK)
        c->failed = st;
    }
  }
}

static void finish_consumers(art_archive *ar, art_status read_status)
{
  for (size_t i = 0; i < ar->n_consumers; i++) {
    consumer_slot *c = &ar->consumers[i];
    if (c->ops->finish)
      c->ops->finish(c->state, c->failed ? c->failed : read_status);
  }
  ar->n_consumers = 0;
}

static void expand(member_ctx *mc)
{
  level *lv = mc->lv;
  art_archive *ar = lv->ar;
  input in = {.ar = ar,
              .mem = mc->keep,
              .size = mc->keep_len,
              .size_known = 1,
              .seekable = 1,
              .ctx = ar->ctx};
  level child = {.ar = ar,
                 .in = &in,
                 .id = mc->m.id,
                 .depth = lv->depth + 1,
                 .lineage = mc->m.lineage,
                 .name = mc->m.name,
                 .xprefix = NULL};
  char *xp = NULL;
  art_status st;
  if (mc->xpath && (mc->r.extracted_path || lv->xprefix)) {
    xp = join3(mc->xpath, "", ".d");
    child.xprefix = xp;
  }
  st = walk_level(&child);
  if (st != ART_ERR_FORMAT) { /* not a container at all: nothing to say */
    mc->r.is_container = 1;
    copy_str(mc->fmt, sizeof mc->fmt, child.format);
    copy_str(mc->flt, sizeof mc->flt, child.filters);
    mc->r.format = mc->fmt;
    mc->r.format_filters = mc->flt;
    mc->r.entries = child.entries;
    mc->r.encrypted_entries = child.encrypted;
    mc->r.uncompressed_bytes = child.uncompressed;
    mc->r.compressed_bytes = (uint64_t)in.off;
    mc->r.container_offset = child.offset;
    mc->r.flags |= child.flags;
    if (child.flags & ART_ARCHIVE_F_RATIO)
      member_error(mc, ART_ERR_LIMIT, 0, "stopped: compression ratio");
    else if (child.flags & ART_ARCHIVE_F_CORRUPT)
      member_error(mc, ART_ERR_CORRUPT, 0, "damaged %s container%s%s",
                   child.format, child.err[0] ? ": " : "", child.err);
  }
  free(xp);
}

/* The member's stored name, decoded (see "Names"); its raw last
 * component in hex when it was not UTF-8. */
static char *member_name(level *lv,
                         struct archive_entry *e,
                         const char **charset,
                         int *escaped,
                         char **name_hex)
{
  const char *mbs = archive_entry_pathname(e);
  int zip =
      (archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
  char *out;
  size_t len;
  *name_hex = NULL;
  if (!mbs) {
    const wchar_t *w = archive_entry_pathname_w(e);
    *charset = "utf-8";
    *escaped = 0;
    return wide_to_utf8(w ? w : L"");
  }
  len = strlen(mbs);
  out = decode_name(lv->ar, (const uint8_t *)mbs, len, zip, charset, escaped);
  if (out && strcmp(*charset, "utf-8")) {
    const char *end = mbs + strlen(mbs), *b = end;
    while (b > mbs && b[-1] == '/')
      b--, end--;
    while (b > mbs && b[-1] != '/')
      b--;
    *name_hex = hex_of((const uint8_t *)b, (size_t)(end - b));
  }
  return out;
}

static int process_entry(level *lv, struct archive_entry *e)
{
  art_archive *ar = lv->ar;
  member_ctx mc;
  const char *path = NULL;
  char *lineage = NULL, *sname = NULL, *pathbuf = NULL, *dname = NULL;
  char *name_hex = NULL;
  const char *charset = "utf-8";
  int escaped = 0;
  art_walk_action act = ART_WALK_CONTINUE;
  int raw =
      (archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW;
  memset(&mc, 0, sizeof mc);
  mc.lv = lv;
  mc.out_fd = -1;
  if (raw) {
    sname = stream_name(lv->name ? lv->name : "stream");
    path = sname;
  } else {
    dname = member_name(lv, e, &charset, &escaped, &name_hex);
    path = dname;
  }
  if (path)
    lineage = join3(lv->lineage, "!", path);
  if (!lineage || !path) {
    free(sname);
    free(dname);
    free(name_hex);
    free(lineage);
    art__set_error(ar->ctx, ART_ERR_NOMEM, ENOMEM, "archive: no memory");
    ar->stop = 1;
    ar->stop_status = ART_ERR_NOMEM;
    return -1;
  }
  mc.m.id = ++ar->next_id;
  mc.m.parent = lv->id;
  mc.m.root = 0;
  mc.m.depth = lv->depth;
  mc.m.via = raw ? ART_ARCHIVE_VIA_DECOMPRESSED : ART_ARCHIVE_VIA_MEMBER;
  mc.m.path = path;
  {
    const char *b = path + strlen(path);
    while (b > path && (b[-1] == '/'))
      b--; /* "dir/" names its directory */
    pathbuf = strndup(path, (size_t)(b - path));
    mc.m.name = pathbuf ? pathbuf : path;
    if (pathbuf) {
      char *s = strrchr(pathbuf, '/');
      mc.m.name = s ? s + 1 : pathbuf;
    }
  }
  mc.m.lineage = lineage;
  mc.m.container = lv->format;
  mc.m.filters = lv->filters;
  mc.m.name_charset = charset;
  mc.m.name_hex = name_hex;
  if (escaped)
    mc.r.flags |= ART_ARCHIVE_F_NAME_ESCAPED;
  mc.m.type = archive_entry_hardlink(e) ? ART_ENTRY_UNKNOWN : entry_type(e);
  /* GNU ar (and some cpio/zip writers) store a mode without the file type
   * bits: a member with data and no other type is a regular file. */
  if (mc.m.type == ART_ENTRY_UNKNOWN && !archive_entry_hardlink(e) &&
      !archive_entry_symlink(e) && archive_entry_filetype(e) == 0)
    mc.m.type = ART_ENTRY_FILE;
  mc.m.link_target = archive_entry_hardlink(e) ? archive_entry_hardlink(e)
                                               : archive_entry_symlink(e);
  mc.m.size_known = archive_entry_size_is_set(e);
  mc.m.size = mc.m.size_known && archive_entry_size(e) > 0
                  ? (uint64_t)archive_entry_size(e)
                  : 0;
  mc.m.has_mtime = archive_entry_mtime_is_set(e);
  mc.m.mtime_sec = mc.m.has_mtime ? (int64_t)archive_entry_mtime(e) : 0;
  mc.m.mode = (uint32_t)archive_entry_mode(e);
  mc.m.encrypted = archive_entry_is_encrypted(e);
  lv->entries++;
  ar->result.artifacts++;

  ar->in_begin = 1;
  ar->n_consumers = 0;
  if (ar->ops->begin)
    USER(ar, act = ar->ops->begin(ar->userdata, &mc.m));
  ar->in_begin = 0;
  if (act == ART_WALK_STOP) {
    ar->n_consumers = 0;
    ar->stop = 1;
    goto out;
  }
  if (mc.m.type != ART_ENTRY_FILE) {
    ar->n_consumers = 0;
    if (mc.m.type != ART_ENTRY_DIR)
      mc.r.flags |= ART_ARCHIVE_F_SPECIAL;
    goto end;
  }
  if (act == ART_WALK_SKIP) {
    ar->n_consumers = 0;
    goto end;
  }
  if (lv->headers_only) {
    ar->n_consumers = 0;
    member_error(&mc, ART_ERR_CORRUPT, ART_ARCHIVE_F_CORRUPT,
                 "not read: the archive could not be read past an earlier "
                 "member (header listed only)");
    goto end;
  }
  /* Extraction target. */
  if (ar->extract_dirfd >= 0 && (lv->depth == 1 || lv->xprefix)) {
    if (!art_archive_path_is_safe(path)) {
      member_error(&mc, ART_ERR_PERMISSION, ART_ARCHIVE_F_UNSAFE_PATH,
                   "unsafe name, not extracted");
    } else {
      mc.xpath = lv->xprefix ? join3(lv->xprefix, "/", path) : strdup(path);
      if (mc.xpath) {
        mc.out_fd = art__extract_hook_active
                        ? art__extract_hook_active->open(mc.xpath)
                        : create_below(ar->extract_dirfd, mc.xpath);
        if (mc.out_fd < 0)
          member_error(&mc, ART_ERR_IO, 0, "extract %s: %s", mc.xpath,
                       art__strerror_c(errno));
      }
    }
  } else if (!art_archive_path_is_safe(path) && !raw) {
    mc.r.flags |= ART_ARCHIVE_F_UNSAFE_PATH;
  }
  USER(ar, begin_consumers(ar, &mc.m));
  read_member(&mc, e);
  USER(ar, finish_consumers(ar, mc.r.status == ART_ERR_CORRUPT ||
                                        mc.r.status == ART_ERR_UNSUPPORTED
                                    ? mc.r.status
                                    : ART_OK));
  if (mc.out_fd >= 0) {
    int failed = mc.r.status == ART_ERR_IO;
    if (art__extract_hook_active) {
      if (art__extract_hook_active->close(mc.out_fd, failed) == 0 && !failed)
        mc.r.extracted_path = mc.xpath;
      else if (!failed)
        member_error(&mc, ART_ERR_IO, 0, "extract %s: %s", mc.xpath,
                     art__strerror_c(errno));
    } else if (close(mc.out_fd) == 0 && !failed) {
      mc.r.extracted_path = mc.xpath;
    }
    mc.out_fd = -1;
  }
  if (mc.m.encrypted && !(mc.r.flags & ART_ARCHIVE_F_ENCRYPTED)) {
    if (mc.warn[0]) {
      /* data that failed its check with every password: damaged, or
       * decrypted with a wrong one; not claimed decrypted, none named */
      mc.r.flags |= ART_ARCHIVE_F_ENCRYPTED;
      lv->encrypted++;
    } else {
      mc.r.flags |= ART_ARCHIVE_F_DECRYPTED;
      mc.r.password = mc.pw_found ? mc.pw_found : which_password(lv);
    }
  }
  if (ar->read_done) {
    art_walk_action a;
    USER(ar, a = ar->read_done(ar->userdata, &mc.m, &mc.r));
    if (a == ART_WALK_STOP)
      ar->stop = 1;
    else if (a == ART_WALK_SKIP)
      mc.keeping = 0;
  }
  if (mc.keeping == 1 && !ar->stop)
    expand(&mc);
  goto end_cb;
end:
  if (ar->read_done) {
    art_walk_action a;
    USER(ar, a = ar->read_done(ar->userdata, &mc.m, &mc.r));
    if (a == ART_WALK_STOP)
      ar->stop = 1;
  }
end_cb:
  ar->result.flags |= mc.r.flags;
  if (mc.r.flags & ART_ARCHIVE_F_ENCRYPTED)
    ar->result.encrypted++;
  if (ar->ops->end) {
    art_walk_action a;
    USER(ar, a = ar->ops->end(ar->userdata, &mc.m, &mc.r));
    if (a == ART_WALK_STOP)
      ar->stop = 1;
  }
out:
  ar->kept -= mc.keep_cap;
  free(mc.keep);
  free(mc.xpath);
  free(pathbuf);
  free(sname);
  free(dname);
  free(name_hex);
  free(lineage);
  return 0;
}

static void set_formats(struct archive *a, int raw_only)
{
  if (raw_only)
    goto filters;
  archive_read_support_format_zip(a);
  archive_read_support_format_7zip(a);
  archive_read_support_format_rar(a);
  archive_read_support_format_rar5(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  archive_read_support_format_cpio(a);
  archive_read_support_format_ar(a);
  archive_read_support_format_iso9660(a);
  archive_read_support_format_cab(a);
  archive_read_support_format_xar(a);
  archive_read_support_format_lha(a);
filters:
  archive_read_support_format_raw(a);
  /* Only decoders built into libarchive: never external programs. */
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_lz4(a);
  archive_read_support_filter_compress(a);
  archive_read_support_filter_lzip(a);
  archive_read_support_filter_rpm(a);
}

/* Read N bytes at OFF of a level's input (not through libarchive).
 * Returns the bytes read. */
static size_t in_pread(input *in, uint64_t off, uint8_t *buf, size_t n)
{
  size_t got = 0;
  if (off >= in->size)
    return 0;
  if (n > in->size - off)
    n = (size_t)(in->size - off);
  if (in->mem) {
    memcpy(buf, in->mem + off, n);
    return n;
  }
  if (!in->seekable ||
      art_source_pread(in->ctx, in->src, buf, n, off, &got) != ART_OK)
    return 0;
  return got;
}

static uint32_t le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* Where the container libarchive found starts in its input: a ZIP's first
 * local header (from the central directory, as unzip reports "extra bytes
 * at beginning"), the 7z or RAR signature of a self-extracting archive. */
static uint64_t find_offset(level *lv, int base)
{
  input *in = lv->in;
  uint64_t found = 0;
  if (!in->size_known || !in->size || (!in->mem && !in->seekable))
    return 0;
  if (base == ARCHIVE_FORMAT_ZIP) {
    size_t n = in->size > ZIP_TAIL ? ZIP_TAIL : (size_t)in->size;
    uint8_t *t = malloc(n), cd[46];
    int64_t pos = t ? find_eocd(t, in_pread(in, in->size - n, t, n)) : -1;
    if (pos >= 0) {
      uint64_t eocd = in->size - n + (uint64_t)pos;
      uint32_t cd_size = le32(t + pos + 12), cd_off = le32(t + pos + 16);
      if (cd_off != UINT32_MAX && cd_size <= eocd) {
        uint64_t cd_abs = eocd - cd_size;
        uint64_t shift = cd_abs >= cd_off ? cd_abs - cd_off : 0;
        if (in_pread(in, cd_abs, cd, sizeof cd) == sizeof cd &&
            !memcmp(cd, "PK\1\2", 4) && le32(cd + 42) != UINT32_MAX)
          found = shift + le32(cd + 42);
        else
          found = shift;
      }
    }
    free(t);
  } else if (base == ARCHIVE_FORMAT_7ZIP || base == ARCHIVE_FORMAT_RAR ||
             base == ARCHIVE_FORMAT_RAR_V5) {
    static const size_t window = 4u << 20;
    size_t n = in->size > window ? window : (size_t)in->size;
    const char *sig =
        base == ARCHIVE_FORMAT_7ZIP ? "7z\xbc\xaf\x27\x1c" : "Rar!\x1a\x07";
    uint8_t *t = malloc(n);
    if (t) {
      size_t got = in_pread(in, 0, t, n), from = 0;
      const uint8_t *at;
      /* the first signature that starts a real header (a 7z stub may hold
       * the signature as a constant: its start header CRC tells) */
      while (from + 6 <= got &&
             (at = memmem(t + from, got - from, sig, 6)) != NULL) {
        size_t pos = (size_t)(at - t);
        if (base != ARCHIVE_FORMAT_7ZIP ||
            (pos + 32 <= got && crc32(0, at + 12, 20) == (uLong)le32(at + 8))) {
          found = pos;
          break;
        }
        from = pos + 1;
      }
      free(t);
    }
  }
  return found < in->size ? found : 0;
}

/* ---- inputs libarchive 3.6.2 never finishes ---- */

/* The filter whose signature starts H, or -1. */
static int filter_sig(const uint8_t *h, size_t n)
{
  if (has(h, n, 0, "\x1f\x8b\x08", 3))
    return ARCHIVE_FILTER_GZIP;
  if (has(h, n, 0, "BZh", 3) && n > 3 && h[3] >= '1' && h[3] <= '9')
    return ARCHIVE_FILTER_BZIP2;
  if (has(h, n, 0,
          "\xfd"
          "7zXZ\0",
          6))
    return ARCHIVE_FILTER_XZ;
  if (has(h, n, 0, "\x28\xb5\x2f\xfd", 4))
    return ARCHIVE_FILTER_ZSTD;
  if (has(h, n, 0, "\x04\x22\x4d\x18", 4) ||
      has(h, n, 0, "\x02\x21\x4c\x18", 4))
    return ARCHIVE_FILTER_LZ4;
  if (has(h, n, 0, "\x1f\x9d", 2))
    return ARCHIVE_FILTER_COMPRESS;
  if (has(h, n, 0, "LZIP", 4))
    return ARCHIVE_FILTER_LZIP;
  if (lzma_alone(h, n))
    return ARCHIVE_FILTER_LZMA;
  return -1;
}

/* Compression inside compression, more than MAX_LAYERS deep: a recursive
 * bomb (libarchive's own test_read_filter_gzip_recursive.gz stacks gzip
 * layers that each grow the next; 3.6.2 bids up to 25 of them and never
 * returns). Each layer's first bytes are read through the layers found so
 * far, with libarchive's filter bidding bypassed. */
static int too_many_layers(level *lv)
{
  uint8_t head[4096];
  int codes[MAX_LAYERS];
  int k = 0, hostile = 0;
  size_t n;
  if (!lv->in->mem && !lv->in->seekable)
    return 0;
  n = in_pread(lv->in, 0, head, sizeof head);
  while (filter_sig(head, n) >= 0) {
    struct archive *p;
    struct archive_entry *e;
    la_ssize_t r;
    int code = filter_sig(head, n);
    if (k == MAX_LAYERS) {
      hostile = 1;
      break;
    }
    /* archive_read_append_filter() starts these decoders before there is
     * anything to read: compress and lzip read at once, so they end the
     * probe (bidding stacks them as usual). */
    if (code == ARCHIVE_FILTER_COMPRESS || code == ARCHIVE_FILTER_LZIP)
      break;
    codes[k++] = code;
    p = archive_read_new();
    if (!p)
      break;
    archive_read_support_format_raw(p);
    for (int i = 0; i < k; i++)
      if (archive_read_append_filter(p, codes[i]) != ARCHIVE_OK)
        goto done;
    archive_read_set_read_callback(p, in_read);
    if (lv->in->seekable)
      archive_read_set_seek_callback(p, in_seek);
    archive_read_set_callback_data(p, lv->in);
    lv->in->off = 0;
    n = 0;
    if (archive_read_open1(p) == ARCHIVE_OK &&
        archive_read_next_header(p, &e) == ARCHIVE_OK) {
      while (n < sizeof head &&
             (r = archive_read_data(p, head + n, sizeof head - n)) > 0)
        n += (size_t)r;
    }
  done:
    archive_read_free(p);
    if (!n)
      break;
  }
  lv->in->off = 0;
  lv->in->err = ART_OK;
  return hostile;
}

/* A XAR table of contents in which a file has several link targets:
 * libarchive 3.6.2 links them in a loop and spins forever
 * (test_read_format_xar_doublelink.xar). Read with zlib, as the XAR
 * header describes it. */
static int xar_link_loop(level *lv)
{
  uint8_t h[28];
  uint64_t clen, ulen;
  unsigned hsize;
  uint8_t *z = NULL, *x = NULL;
  uLongf got;
  int hostile = 0;
  if (in_pread(lv->in, 0, h, sizeof h) != sizeof h || memcmp(h, "xar!", 4))
    return 0;
  hsize = (unsigned)h[4] << 8 | h[5];
  clen = 0;
  ulen = 0;
  for (int i = 0; i < 8; i++) {
    clen = clen << 8 | h[8 + i];
    ulen = ulen << 8 | h[16 + i];
  }
  if (hsize < 28 || !clen || clen > (64u << 20) || !ulen || ulen > (256u << 20))
    return 0; /* libarchive's own checks refuse it */
  z = malloc((size_t)clen);
  x = malloc((size_t)ulen + 1);
  got = (uLongf)ulen;
  if (z && x && in_pread(lv->in, hsize, z, (size_t)clen) == clen &&
      uncompress(x, &got, z, (uLong)clen) == Z_OK) {
    /* For each <file> (they nest), count its <type ... link=...>. */
    unsigned links[64] = {0};
    int depth = -1;
    char *p = (char *)x, *end = (char *)x + got;
    x[got] = '\0';
    while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
      if (!strncmp(p, "<file", 5) && (p[5] == '>' || p[5] == ' ')) {
        if (++depth >= 64)
          break;
        links[depth] = 0;
      } else if (!strncmp(p, "</file>", 7)) {
        depth--;
      } else if (depth >= 0 && !strncmp(p, "<type", 5)) {
        char *gt = memchr(p, '>', (size_t)(end - p));
        if (gt && memmem(p, (size_t)(gt - p), " link=", 6) &&
            ++links[depth] > 1) {
          hostile = 1;
          break;
        }
      }
      p++;
    }
  }
  free(z);
  free(x);
  return hostile;
}

typedef struct ce_area {
  uint64_t start, end;
} ce_area;

/* Rock Ridge continuation areas (SUSP "CE") that lead back into an area
 * already read: libarchive 3.6.2 follows such a loop for ever, growing
 * its memory until it exits the process
 * (test_read_format_iso_rockridge_ce_loop). Walks the directory tree from
 * the primary volume descriptor, each directory once. */
static int iso_ce_loop(level *lv)
{
  input *in = lv->in;
  uint8_t pvd[2048], *dir = NULL;
  uint64_t dirs[4096];
  size_t n_dirs = 0, next = 0, n_ce = 0;
  ce_area *ce = NULL;
  unsigned bs;
  int hostile = 0;
  if (in_pread(in, 0x8000, pvd, sizeof pvd) != sizeof pvd || memcmp(pvd,
                                                                    "\x01"
                                                                    "CD001",
                                                                    6))
    return 0;
  bs = (unsigned)pvd[128] | (unsigned)pvd[129] << 8;
  if (bs < 512 || bs > 8192)
    return 0;
  ce = malloc(65536 * sizeof *ce);
  if (!ce)
    return 0;
  /* the queue holds (extent, length) pairs */
  dirs[n_dirs++] = le32(pvd + 156 + 2);
  dirs[n_dirs++] = le32(pvd + 156 + 10);
  while (!hostile && next < n_dirs) {
    uint64_t ext = dirs[next++], len = dirs[next++], off = 0;
    uint8_t *nd;
    if (len > (16u << 20) || !len)
      continue;
    nd = realloc(dir, (size_t)len);
    if (!nd)
      break;
    dir = nd;
    if (in_pread(in, ext * bs, dir, (size_t)len) != len)
      continue;
    while (!hostile && off < len) {
      const uint8_t *r = dir + off;
      size_t rl = r[0], nl, su;
      if (!rl) { /* records do not cross a block: skip to the next */
        off = (off / bs + 1) * bs;
        continue;
      }
      if (rl < 34 || off + rl > len)
        break;
      nl = r[32];
      su = 33 + nl + (nl % 2 == 0);
      /* a subdirectory, not "." or "..": queue it */
      if ((r[25] & 2) && !(nl == 1 && r[33] <= 1) && n_dirs + 2 <= 4096) {
        uint64_t x = le32(r + 2);
        int seen = 0;
        for (size_t i = 0; i < n_dirs; i += 2)
          seen |= dirs[i] == x;
        if (!seen) {
          dirs[n_dirs++] = x;
          dirs[n_dirs++] = le32(r + 10);
        }
      }
      /* the SUSP entries, then each continuation area in turn */
      if (su < rl) {
        uint8_t area[4096];
        const uint8_t *p = r + su;
        size_t left = rl - su, chain = 0;
        while (left >= 4 && !hostile) {
          size_t el = p[2];
          if (el < 4 || el > left)
            break;
          if (p[0] == 'C' && p[1] == 'E' && el >= 28) {
            uint64_t start = (uint64_t)le32(p + 4) * bs + le32(p + 12);
            uint64_t clen = le32(p + 20);
            for (size_t i = 0; i < n_ce; i++)
              if (start < ce[i].end && ce[i].start < start + clen)
                hostile = 1; /* back into an area already read */
            if (hostile || n_ce == 65536 || ++chain > 1024 || !clen ||
                clen > sizeof area ||
                in_pread(in, start, area, (size_t)clen) != clen)
              break;
            ce[n_ce].start = start;
            ce[n_ce++].end = start + clen;
            p = area;
            left = (size_t)clen;
            continue;
          }
          p += el;
          left -= el;
        }
      }
      off += rl;
    }
  }
  free(dir);
  free(ce);
  return hostile;
}

/* iso_ce_loop() for an ISO 9660 image inside compression (.iso.Z,
 * .iso.xz): the image is decompressed into memory (at most max_memory;
 * a larger one is not checked) and looked at there. */
static int compressed_iso_loop(level *lv)
{
  uint8_t head[16];
  struct archive *p;
  struct archive_entry *e;
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  la_ssize_t r = 0;
  int hostile = 0, capped = 0;
  if (!lv->in->mem && !lv->in->seekable)
    return 0;
  if (filter_sig(head, in_pread(lv->in, 0, head, sizeof head)) < 0)
    return 0;
  p = archive_read_new();
  if (!p)
    return 0;
  set_formats(p, 1);
  archive_read_set_read_callback(p, in_read);
  if (lv->in->seekable)
    archive_read_set_seek_callback(p, in_seek);
  archive_read_set_callback_data(p, lv->in);
  lv->in->off = 0;
  if (archive_read_open1(p) == ARCHIVE_OK &&
      archive_read_next_header(p, &e) == ARCHIVE_OK) {
    for (;;) {
      if (n == cap) {
        size_t ncap = cap ? cap * 2 : 0x10000;
        uint8_t *nb;
        if (ncap > lv->ar->opts.max_memory) {
          capped = 1; /* too large to check in memory */
          break;
        }
        nb = realloc(buf, ncap);
        if (!nb)
          break;
        buf = nb;
        cap = ncap;
      }
      r = archive_read_data(p, buf + n, cap - n);
      if (r <= 0)
        break;
      n += (size_t)r;
      if (n >= 0x8006 && !has(buf, n, 0x8001, "CD001", 5))
        break; /* not an ISO image */
    }
  }
  archive_read_free(p);
  /* A damaged stream is checked as far as it goes: libarchive reads
   * that far too. */
  if (!capped && has(buf, n, 0x8001, "CD001", 5)) {
    input tmp = {.ar = lv->ar,
                 .mem = buf,
                 .size = n,
                 .size_known = 1,
                 .seekable = 1,
                 .ctx = lv->ar->ctx};
    level tl = {.ar = lv->ar, .in = &tmp};
    hostile = iso_ce_loop(&tl);
  }
  free(buf);
  lv->in->off = 0;
  lv->in->err = ART_OK;
  return hostile;
}

/* A new libarchive reader on the level's input, from its start. */
static int open_level(level *lv, int raw_only)
{
  lv->in->off = 0;
  lv->in->err = ART_OK;
  if (!lv->in->mem && lv->in->seekable == 0 && lv->a)
    return -1; /* a stream cannot be read twice */
  if (lv->a)
    archive_read_free(lv->a);
  lv->a = archive_read_new();
  if (!lv->a)
    return -1;
  lv->pw_next = 0; /* a new reader holds no password yet */
  set_formats(lv->a, raw_only);
  archive_read_set_passphrase_callback(lv->a, lv, pw_cb);
  archive_read_set_read_callback(lv->a, in_read);
  if (lv->in->seekable)
    archive_read_set_seek_callback(lv->a, in_seek);
  archive_read_set_callback_data(lv->a, lv->in);
  return archive_read_open1(lv->a) == ARCHIVE_OK ? 0 : 1;
}

/* After a member's data could not be read (libarchive gave up on the
 * reader: encrypted or unsupported data in 7z/RAR), a new reader skips
 * the SKIP headers already listed, without reading their data, so that
 * the members after it are listed too (as bsdtar -tf lists them). Returns
 * 0 with *E the next header, 1 at the end, -1 when it cannot go on. */
static int relist(level *lv, uint64_t skip, struct archive_entry **e)
{
  int r;
  if (!lv->in->mem && !lv->in->seekable)
    return -1;
  if (open_level(lv, 0) != 0)
    return -1;
  for (uint64_t i = 0; i <= skip; i++) {
    if (lv->ar->stop)
      return -1;
    r = archive_read_next_header(lv->a, e);
    if (r == ARCHIVE_EOF)
      return i == skip ? 1 : -1;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return -1;
  }
  return 0;
}

static art_status walk_level_as(level *lv, int raw_only);

/* Walk one container. ART_ERR_FORMAT when it is not one. A compressed
 * stream whose content libarchive takes for an empty archive (a run of
 * zeros is an empty tar) is walked again as a lone stream. */
static art_status walk_level(level *lv)
{
  art_status st = walk_level_as(lv, 0);
  if (st == ART_OK && !lv->entries && lv->filters[0] && lv->in->seekable &&
      !lv->ar->stop) {
    lv->in->off = 0;
    st = walk_level_as(lv, 1);
  }
  return st;
}

static art_status walk_level_as(level *lv, int raw_only)
{
  art_archive *ar = lv->ar;
  struct archive_entry *e;
  art_status st = ART_OK;
  uint64_t index = 0;  /* headers read through the current reader */
  uint64_t listed = 0; /* headers of this container reported */
  unsigned relists = 0;
  int r, base;
  lv->a = NULL;
  if (!raw_only) {
    /* Inputs libarchive 3.6.2 would never finish, reported as the limit
     * it would run into: time for a loop that spins, memory for one that
     * allocates. */
    const char *why = NULL, *fmt = NULL;
    unsigned flag = 0;
    if (xar_link_loop(lv)) {
      why = "a file with several link targets, a link loop libarchive "
            "3.6.2 never leaves";
      fmt = "xar";
      flag = ART_ARCHIVE_F_TIMEOUT;
    } else if (too_many_layers(lv)) { /* before any bidding on layers */
      why = "more than 4 nested compression layers, a recursive "
            "compression bomb";
      fmt = "compressed";
      flag = ART_ARCHIVE_F_MEMORY;
    } else if (iso_ce_loop(lv) || compressed_iso_loop(lv)) {
      why = "a Rock Ridge continuation area leads back into one already "
            "read, a loop libarchive 3.6.2 follows until memory runs out";
      fmt = "iso9660";
      flag = ART_ARCHIVE_F_MEMORY;
    }
    if (why) {
      snprintf(lv->err, sizeof lv->err, "not read: %s", why);
      copy_str(lv->format, sizeof lv->format, fmt);
      lv->flags |= ART_ARCHIVE_F_CORRUPT | flag;
      ar->result.flags |= lv->flags;
      return ART_ERR_CORRUPT;
    }
  }
  r = open_level(lv, raw_only);
  if (r < 0 && !lv->a) {
    return art__set_error(ar->ctx, ART_ERR_NOMEM, ENOMEM, "%s: archive",
                          lv->lineage);
  }
  if (r != 0) {
    if (lv->a && archive_errno(lv->a) == ENOMEM) {
      /* Out of memory (a sandboxed worker's limit) is no verdict on the
       * format: say so rather than call it plain bytes. */
      st = art__set_error(ar->ctx, ART_ERR_LIMIT, ENOMEM, "%s: %s", lv->lineage,
                          archive_error_string(lv->a));
      goto out;
    }
    st = ART_ERR_FORMAT;
    if (ar->stop_status == ART_ERR_TIMEOUT) {
      lv->flags |= ART_ARCHIVE_F_TIMEOUT;
      st = ART_OK;
    }
    copy_str(lv->format, sizeof lv->format, archive_error_string(lv->a));
    goto out;
  }
  r = archive_read_next_header(lv->a, &e);
  copy_str(lv->format, sizeof lv->format, format_short(lv->a));
  describe_filters(lv->a, lv->filters, sizeof lv->filters);
  base = archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK;
  if (base == ARCHIVE_FORMAT_RAW && !lv->filters[0]) {
    st = ART_ERR_FORMAT; /* plain bytes, not a container */
    goto out;
  }
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
    if (ar->stop_status == ART_ERR_TIMEOUT) {
      lv->flags |= ART_ARCHIVE_F_TIMEOUT;
    } else if (r != ARCHIVE_EOF) {
      /* libarchive knew the format but cannot read it: damaged. */
      copy_str(lv->err, sizeof lv->err, archive_error_string(lv->a));
      lv->flags |= ART_ARCHIVE_F_CORRUPT;
      st = ART_ERR_CORRUPT;
    }
    goto out;
  }
  while (!ar->stop && !timed_out(ar)) {
    if (ar->result.artifacts >= ar->opts.max_artifacts) {
      ar->result.flags |= ART_ARCHIVE_F_ARTIFACTS;
      lv->flags |= ART_ARCHIVE_F_ARTIFACTS;
      ar->stop = 1;
      ar->stop_status = ART_ERR_LIMIT;
      break;
    }
    lv->data_fatal = 0;
    lv->header = listed;
    lv->pw_entry = 0;
    if (process_entry(lv, e) != 0)
      break;
    index++;
    listed++;
    if (lv->flags & ART_ARCHIVE_F_RATIO)
      break; /* a compressed stream over the ratio: not decompressed on */
    if (ar->stop)
      break;
    r = lv->data_fatal ? ARCHIVE_FATAL : archive_read_next_header(lv->a, &e);
    if (r == ARCHIVE_FATAL && ar->stop_status != ART_ERR_TIMEOUT && !raw_only) {
      /* The reader gave up (after a member it could not read, or on a
       * damaged header): list what follows with a new reader. */
      int rl = -1;
      if (relists < MAX_RELISTS) {
        relists++;
        rl = relist(lv, listed, &e);
      } else if (!lv->headers_only) {
        lv->headers_only = 1; /* enough rereading: list the rest only */
        rl = relist(lv, listed, &e);
      }
      index = listed;
      if (rl == 1)
        break;
      r = rl == 0 ? ARCHIVE_OK : ARCHIVE_FATAL;
      if (rl != 0 && lv->a)
        copy_str(lv->err, sizeof lv->err, archive_error_string(lv->a));
    }
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (ar->stop_status == ART_ERR_TIMEOUT)
        break;
      lv->flags |= ART_ARCHIVE_F_CORRUPT;
      if (!lv->err[0] && lv->a && archive_error_string(lv->a))
        copy_str(lv->err, sizeof lv->err, archive_error_string(lv->a));
      if (r == ARCHIVE_FATAL)
        break;
    }
    /* The format is known for certain once a header was read. */
    copy_str(lv->format, sizeof lv->format, format_short(lv->a));
  }
  (void)index;
  if (ar->stop_status == ART_ERR_TIMEOUT)
    lv->flags |= ART_ARCHIVE_F_TIMEOUT;
  lv->offset = find_offset(lv, base);
  ar->result.flags |= lv->flags;
out:
  if (lv->in->mem == NULL && lv->in->err != ART_OK && st == ART_OK)
    st = lv->in->err;
  if (lv->a)
    archive_read_free(lv->a);
  lv->a = NULL;
  return st;
}

static art_status walk_input(art_ctx *ctx,
                             art_archive *ar,
                             input *in,
                             const char *name,
                             const art_archive_ops *ops,
                             void *userdata)
{
  static const art_archive_ops none = {0};
  level root;
  art_status st;
  char *lineage;
  if (!ar || !in)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "archive: no input");
  lineage = art__strdup(ctx, name ? name : "");
  if (!lineage)
    return ART_ERR_NOMEM;
  memset(&ar->result, 0, sizeof ar->result);
  ar->ctx = ctx;
  ar->ops = ops ? ops : &none;
  ar->userdata = userdata;
  ar->next_id = 0;
  ar->stop = 0;
  ar->stop_status = ART_OK;
  if (ar->opts.timeout_ms) {
    clock_gettime(CLOCK_MONOTONIC, &ar->deadline);
    ar->deadline.tv_sec += (time_t)(ar->opts.timeout_ms / 1000u);
    ar->deadline.tv_nsec += (long)(ar->opts.timeout_ms % 1000u) * 1000000L;
    if (ar->deadline.tv_nsec >= 1000000000L) {
      ar->deadline.tv_sec++;
      ar->deadline.tv_nsec -= 1000000000L;
    }
  }
  memset(&root, 0, sizeof root);
  in->ar = ar;
  ar->kept = 0;
  ar->caller = NULL;
  if (ar->utf8) {
    ar->caller = uselocale(ar->utf8);
    if (ar->caller == (locale_t)0) {
      ar->caller = NULL; /* could not switch: names as the locale gives */
    }
  }
  root.ar = ar;
  root.in = in;
  root.id = 0;
  root.depth = 1;
  root.lineage = lineage;
  root.name = lineage;
  st = walk_level(&root);
  if (ar->caller)
    uselocale(ar->caller);
  ar->caller = NULL;
  ar->result.entries = root.entries;
  ar->result.offset = root.offset;
  copy_str(ar->format, sizeof ar->format, root.format);
  copy_str(ar->filters, sizeof ar->filters, root.filters);
  ar->result.format = ar->format;
  ar->result.filters = ar->filters;
  if (st == ART_ERR_FORMAT)
    art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: not a container%s%s", lineage,
                   root.format[0] ? ": " : "", root.format);
  else if (st == ART_ERR_CORRUPT)
    art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: damaged %s container: %s",
                   lineage, root.format, root.err);
  else if (st == ART_OK && ar->stop_status == ART_ERR_LIMIT)
    st = art__set_error(ctx, ART_ERR_LIMIT, 0, "%s: walk stopped: %s", lineage,
                        ar->result.flags & ART_ARCHIVE_F_ARTIFACTS
                            ? "artifact limit reached"
                            : "decompressed byte budget reached");
  else if (st == ART_OK && ar->stop_status == ART_ERR_TIMEOUT)
    st = art__set_error(ctx, ART_ERR_TIMEOUT, 0,
                        "%s: walk stopped: time limit of %u ms reached",
                        lineage, ar->opts.timeout_ms);
  else if (st == ART_OK && ar->stop_status != ART_OK)
    st = ar->stop_status;
  free(lineage);
  return st;
}

art_status art_archive_walk_buffer(art_ctx *ctx,
                                   art_archive *ar,
                                   const void *data,
                                   size_t len,
                                   const char *name,
                                   const art_archive_ops *ops,
                                   void *userdata)
{
  input in = {.mem = data ? data : (const void *)"",
              .size = len,
              .size_known = 1,
              .seekable = 1,
              .ctx = ctx};
  return walk_input(ctx, ar, &in, name ? name : "buffer", ops, userdata);
}

art_status art_archive_walk_source(art_ctx *ctx,
                                   art_archive *ar,
                                   art_source *src,
                                   const char *name,
                                   const art_archive_ops *ops,
                                   void *userdata)
{
  const art_source_info *info;
  input in = {0};
  art_status st;
  if (!src)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "archive: no source");
  info = art_source_get_info(src);
  in.src = src;
  in.ctx = ctx;
  in.size_known = info->size_known;
  in.size = info->size;
  in.seekable = info->kind != ART_SOURCE_STDIN && info->size_known;
  in.buf = malloc(MEM_CHUNK);
  if (!in.buf)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "archive: no memory");
  st = walk_input(ctx, ar, &in, name ? name : art_source_path(src), ops,
                  userdata);
  free(in.buf);
  return st;
}

art_status art_archive_walk_path(art_ctx *ctx,
                                 art_archive *ar,
                                 const char *path,
                                 const art_archive_ops *ops,
                                 void *userdata)
{
  art_source *src = NULL;
  art_status st = art_source_open(ctx, path, ART_SOURCE_FILE, &src);
  if (st != ART_OK)
    return st;
  st = art_archive_walk_source(ctx, ar, src, path, ops, userdata);
  art_source_free(src);
  return st;
}

art_status art_archive_extract(art_ctx *ctx,
                               const art_archive_opts *opts,
                               const char *path,
                               const char *dir,
                               const art_archive_ops *ops,
                               void *userdata)
{
  art_archive_opts o;
  art_archive *ar = NULL;
  art_status st;
  if (!path || !dir)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "archive: extract needs an input and a folder");
  if (opts)
    o = *opts;
  else
    art_archive_opts_init(&o);
  o.extract_dir = dir;
  st = art_archive_new(ctx, &o, &ar);
  if (st != ART_OK)
    return st;
  st = art_archive_walk_path(ctx, ar, path, ops, userdata);
  art_archive_free(ar);
  return st;
}
