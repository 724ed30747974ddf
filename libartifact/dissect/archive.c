/* Recursion into containers through libarchive, with lineage and limits.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/archive.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx_private.h"
#include "extract_hook_private.h"

#define MAX_CONSUMERS 32
#define MSG_MAX       1024
#define MEM_CHUNK     (64u * 1024u)

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
};

/* Where libarchive reads a container from. */
typedef struct input {
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
  size_t pw_next;      /* passphrase callback position */
  const char *pw_last; /* the last password handed out */
  uint64_t uncompressed, entries, encrypted;
  unsigned flags;
  char format[64], filters[128];
  char err[256]; /* why a recognised container could not be read */
} level;

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
  opts->ratio_min_bytes = 16u * 1024u * 1024u;
  opts->block_size = 64u * 1024u;
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
#undef DEF
  if (!(ar->opts.max_ratio > 0))
    ar->opts.max_ratio = def.max_ratio;
  ar->opts.extract_dir = NULL; /* opened per walk, not kept */
  if (opts && opts->extract_dir) {
    ar->extract_dirfd =
        open(opts->extract_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ar->extract_dirfd < 0) {
      art_status st = art__set_errno(ctx, errno, "%s", opts->extract_dir);
      free(ar);
      return st;
    }
  } else {
    ar->extract_dirfd = -1;
  }
  ar->block = malloc(ar->opts.block_size);
  if (!ar->block || (!ar->opts.no_default_passwords &&
                     (add_pw(ctx, ar, "infected") != ART_OK ||
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
      "depth_limit",  "artifact_limit", "size_limit",        "byte_budget",
      "ratio_limit",  "encrypted",      "corrupt_container", "unsafe_path",
      "special_file", "decrypted",      "timed_out"};
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
         has(h, len, 257, "ustar", 5) || has(h, len, 0x8001, "CD001", 5);
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

static la_ssize_t in_read(struct archive *a, void *cd, const void **buf)
{
  input *in = cd;
  size_t got = 0;
  (void)a;
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
  (void)a;
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
  return lv->pw_last;
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
  uint8_t *keep; /* the whole member, when it may be a container */
  size_t keep_len, keep_cap;
  int keeping;
  int out_fd;
  char *xpath;
  char fmt[64], flt[128];
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

static int keep_bytes(member_ctx *mc, const uint8_t *p, size_t n)
{
  if (mc->keep_len + n > mc->keep_cap) {
    size_t cap = mc->keep_cap ? mc->keep_cap : 1u << 20;
    uint8_t *nb;
    while (cap < mc->keep_len + n)
      cap *= 2;
    nb = realloc(mc->keep, cap);
    if (!nb)
      return -1;
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
                 strerror(errno));
    hook->close(mc->out_fd, 1);
    mc->out_fd = -1;
  }
  while (!hook && mc->out_fd >= 0 && n) {
    ssize_t w = write(mc->out_fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      member_error(mc, ART_ERR_IO, 0, "extract %s: %s", mc->xpath,
                   strerror(errno));
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

/* Read a member's data: to the consumers, the data callback, the extract
 * file and (for containers) to memory. */
static void read_member(member_ctx *mc, struct archive_entry *e)
{
  level *lv = mc->lv;
  art_archive *ar = lv->ar;
  art_archive_opts *o = &ar->opts;
  size_t head = 0;
  int first = 1;
  for (;;) {
    la_ssize_t n;
    size_t got;
    /* The first block is filled as far as possible so that the container
     * signatures (up to 32 KiB in) can be seen. */
    head = 0;
    do {
      n = archive_read_data(lv->a, ar->block + head, o->block_size - head);
      if (n > 0)
        head += (size_t)n;
    } while (first && n > 0 && head < o->block_size);
    if (n < 0 && !head) {
      if (is_encryption_error(lv->a, e)) {
        member_error(mc, ART_ERR_UNSUPPORTED, ART_ARCHIVE_F_ENCRYPTED,
                     "cannot decrypt: %s", archive_error_string(lv->a));
        lv->encrypted++;
      } else {
        member_error(mc, ART_ERR_CORRUPT, ART_ARCHIVE_F_CORRUPT, "%s",
                     archive_error_string(lv->a));
      }
      if (n == ARCHIVE_FATAL)
        lv->flags |= ART_ARCHIVE_F_CORRUPT;
      return;
    }
    got = head;
    if (first) {
      first = 0;
      if (art_archive_is_container(ar->block, got)) {
        if (lv->depth < o->max_depth)
          mc->keeping = 1;
        else
          member_error(mc, ART_ERR_LIMIT, ART_ARCHIVE_F_DEPTH,
                       "container at depth %u not expanded (limit %u)",
                       lv->depth, o->max_depth);
      }
    }
    if (!got)
      return; /* end of data */
    if (mc->r.bytes + got > o->max_member_bytes) {
      got = (size_t)(o->max_member_bytes - mc->r.bytes);
      member_error(mc, ART_ERR_LIMIT, ART_ARCHIVE_F_MEMBER_SIZE,
                   "member larger than %llu bytes: read cut there",
                   (unsigned long long)o->max_member_bytes);
    }
    if (ar->result.bytes + got > o->max_total_bytes) {
      got = (size_t)(o->max_total_bytes - ar->result.bytes);
      member_error(mc, ART_ERR_LIMIT, ART_ARCHIVE_F_TOTAL,
                   "%llu decompressed bytes per input reached",
                   (unsigned long long)o->max_total_bytes);
      ar->stop = 1;
      ar->stop_status = ART_ERR_LIMIT;
    }
    if (got) {
      feed_consumers(ar, mc, ar->block, got);
      write_out(mc, ar->block, got);
      if (mc->keeping == 1 && keep_bytes(mc, ar->block, got) != 0) {
        mc->keeping = 0;
        member_error(mc, ART_ERR_NOMEM, 0, "no memory to expand container");
      }
      mc->r.bytes += got;
      ar->result.bytes += got;
      lv->uncompressed += got;
    }
    if (mc->r.flags & (ART_ARCHIVE_F_MEMBER_SIZE | ART_ARCHIVE_F_TOTAL)) {
      mc->keeping = 0; /* a cut container is not expanded */
      return;
    }
    if (mc->keeping < 0)
      return;
    if (timed_out(ar)) {
      member_error(mc, ART_ERR_TIMEOUT, ART_ARCHIVE_F_TIMEOUT,
                   "time limit of %u ms reached: read cut there",
                   o->timeout_ms);
      mc->keeping = 0;
      return;
    }
    if (lv->uncompressed > o->ratio_min_bytes) {
      int64_t raw = archive_filter_bytes(lv->a, -1);
      double ratio = (double)lv->uncompressed / (double)(raw > 0 ? raw : 1);
      if (ratio > o->max_ratio) {
        member_error(mc, ART_ERR_LIMIT, ART_ARCHIVE_F_RATIO,
                     "compression ratio over %.0f:1 (%llu bytes from %lld)",
                     o->max_ratio, (unsigned long long)lv->uncompressed,
                     (long long)raw);
        lv->flags |= ART_ARCHIVE_F_RATIO;
        mc->keeping = 0;
        return;
      }
    }
    if (n < 0) {
      member_error(mc, ART_ERR_CORRUPT, ART_ARCHIVE_F_CORRUPT, "%s",
                   archive_error_string(lv->a));
      mc->keeping = 0;
      if (n == ARCHIVE_FATAL)
        lv->flags |= ART_ARCHIVE_F_CORRUPT;
      return;
    }
  }
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
  input in = {.mem = mc->keep,
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
    mc->r.flags |= child.flags;
    if (child.flags & ART_ARCHIVE_F_RATIO)
      member_error(mc, ART_ERR_LIMIT, 0, "stopped: compression ratio");
    else if (child.flags & ART_ARCHIVE_F_CORRUPT)
      member_error(mc, ART_ERR_CORRUPT, 0, "damaged %s container%s%s",
                   child.format, child.err[0] ? ": " : "", child.err);
  }
  free(xp);
}

static int process_entry(level *lv, struct archive_entry *e)
{
  art_archive *ar = lv->ar;
  member_ctx mc;
  const char *path = archive_entry_pathname_utf8(e);
  char *lineage = NULL, *sname = NULL, *pathbuf = NULL;
  art_walk_action act = ART_WALK_CONTINUE;
  int raw =
      (archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW;
  memset(&mc, 0, sizeof mc);
  mc.lv = lv;
  mc.out_fd = -1;
  if (!path)
    path = archive_entry_pathname(e);
  if (raw) {
    sname = stream_name(lv->name ? lv->name : "stream");
    path = sname;
  }
  if (!path)
    path = "";
  lineage = join3(lv->lineage, "!", path);
  if (!lineage || (raw && !sname)) {
    free(sname);
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
  mc.m.type = archive_entry_hardlink(e) ? ART_ENTRY_UNKNOWN : entry_type(e);
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
    act = ar->ops->begin(ar->userdata, &mc.m);
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
                       strerror(errno));
      }
    }
  } else if (!art_archive_path_is_safe(path) && !raw) {
    mc.r.flags |= ART_ARCHIVE_F_UNSAFE_PATH;
  }
  begin_consumers(ar, &mc.m);
  read_member(&mc, e);
  finish_consumers(ar, mc.r.status == ART_ERR_CORRUPT ||
                               mc.r.status == ART_ERR_UNSUPPORTED
                           ? mc.r.status
                           : ART_OK);
  if (mc.out_fd >= 0) {
    int failed = mc.r.status == ART_ERR_IO;
    if (art__extract_hook_active) {
      if (art__extract_hook_active->close(mc.out_fd, failed) == 0 && !failed)
        mc.r.extracted_path = mc.xpath;
      else if (!failed)
        member_error(&mc, ART_ERR_IO, 0, "extract %s: %s", mc.xpath,
                     strerror(errno));
    } else if (close(mc.out_fd) == 0 && !failed) {
      mc.r.extracted_path = mc.xpath;
    }
    mc.out_fd = -1;
  }
  if (mc.m.encrypted && !(mc.r.flags & ART_ARCHIVE_F_ENCRYPTED)) {
    mc.r.flags |= ART_ARCHIVE_F_DECRYPTED;
    mc.r.password = lv->pw_last;
  }
  if (ar->read_done) {
    art_walk_action a = ar->read_done(ar->userdata, &mc.m, &mc.r);
    if (a == ART_WALK_STOP)
      ar->stop = 1;
    else if (a == ART_WALK_SKIP)
      mc.keeping = 0;
  }
  if (mc.keeping == 1 && !ar->stop)
    expand(&mc);
  goto end_cb;
end:
  if (ar->read_done &&
      ar->read_done(ar->userdata, &mc.m, &mc.r) == ART_WALK_STOP)
    ar->stop = 1;
end_cb:
  ar->result.flags |= mc.r.flags;
  if (mc.r.flags & ART_ARCHIVE_F_ENCRYPTED)
    ar->result.encrypted++;
  if (ar->ops->end && ar->ops->end(ar->userdata, &mc.m, &mc.r) == ART_WALK_STOP)
    ar->stop = 1;
out:
  free(mc.keep);
  free(mc.xpath);
  free(pathbuf);
  free(sname);
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
  int r;
  lv->a = archive_read_new();
  if (!lv->a)
    return art__set_error(ar->ctx, ART_ERR_NOMEM, ENOMEM, "%s: archive",
                          lv->lineage);
  set_formats(lv->a, raw_only);
  archive_read_set_passphrase_callback(lv->a, lv, pw_cb);
  archive_read_set_read_callback(lv->a, in_read);
  if (lv->in->seekable)
    archive_read_set_seek_callback(lv->a, in_seek);
  archive_read_set_callback_data(lv->a, lv->in);
  if (archive_read_open1(lv->a) != ARCHIVE_OK) {
    if (archive_errno(lv->a) == ENOMEM) {
      /* Out of memory (a sandboxed worker's limit) is no verdict on the
       * format: say so rather than call it plain bytes. */
      st = art__set_error(ar->ctx, ART_ERR_LIMIT, ENOMEM, "%s: %s", lv->lineage,
                          archive_error_string(lv->a));
      goto out;
    }
    st = ART_ERR_FORMAT;
    copy_str(lv->format, sizeof lv->format, archive_error_string(lv->a));
    goto out;
  }
  r = archive_read_next_header(lv->a, &e);
  copy_str(lv->format, sizeof lv->format, format_short(lv->a));
  describe_filters(lv->a, lv->filters, sizeof lv->filters);
  if ((archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) ==
          ARCHIVE_FORMAT_RAW &&
      !lv->filters[0]) {
    st = ART_ERR_FORMAT; /* plain bytes, not a container */
    goto out;
  }
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
    if (r != ARCHIVE_EOF) {
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
    if (process_entry(lv, e) != 0)
      break;
    if (lv->flags & (ART_ARCHIVE_F_RATIO | ART_ARCHIVE_F_CORRUPT))
      break;
    r = archive_read_next_header(lv->a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      lv->flags |= ART_ARCHIVE_F_CORRUPT;
      if (r == ARCHIVE_FATAL)
        break;
    }
    /* The format is known for certain once a header was read. */
    copy_str(lv->format, sizeof lv->format, format_short(lv->a));
  }
  ar->result.flags |= lv->flags;
out:
  if (lv->in->mem == NULL && lv->in->err != ART_OK && st == ART_OK)
    st = lv->in->err;
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
  root.ar = ar;
  root.in = in;
  root.id = 0;
  root.depth = 1;
  root.lineage = lineage;
  root.name = lineage;
  st = walk_level(&root);
  ar->result.entries = root.entries;
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
