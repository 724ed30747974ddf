/* Check suite for the archive walker: formats, nesting, passwords, unsafe
 * names, limits and bombs, on archives built here with libarchive.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/archive.h>
#include <artifact/artifact.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#ifndef ART_SOURCE_DIR
#error "ART_SOURCE_DIR must name the source tree (tests/data)"
#endif

/* ---- building archives in memory ---- */

typedef struct mem_member {
  const char *name;
  const void *data;
  size_t len;
  unsigned type; /* AE_IFREG, AE_IFLNK, AE_IFDIR; 0: AE_IFREG */
  const char *link;
} mem_member;

/* ZIP encryption used by build(): ZipCrypto checks a password against one
 * byte, so a wrong one passes 1 time in 256 and the member then fails its
 * CRC instead of being tried with the next password (a known limit, see
 * test_encrypted). AES checks two bytes and a MAC. */
static const char *zip_encryption = "zip:encryption=zipcrypt";

/* Write MEMBERS with FORMAT (and FILTER, -1 for none) to a new buffer. */
static void *build(const char *format,
                   int filter,
                   const char *passphrase,
                   const mem_member *members,
                   size_t n,
                   size_t *len)
{
  struct archive *a = archive_write_new();
  size_t cap = 64u * 1024u * 1024u, used = 0;
  void *buf = malloc(cap);
  ck_assert_int_eq(archive_write_set_format_by_name(a, format), ARCHIVE_OK);
  if (filter >= 0)
    ck_assert_int_eq(archive_write_add_filter(a, filter), ARCHIVE_OK);
  if (passphrase) {
    ck_assert_int_eq(archive_write_set_options(a, zip_encryption), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_set_passphrase(a, passphrase), ARCHIVE_OK);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    unsigned type = members[i].type ? members[i].type : AE_IFREG;
    archive_entry_set_pathname(e, members[i].name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(e, 1600000000, 0);
    if (type == AE_IFLNK)
      archive_entry_set_symlink(e, members[i].link);
    archive_entry_set_size(e,
                           type == AE_IFREG ? (la_int64_t)members[i].len : 0);
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    if (type == AE_IFREG && members[i].len)
      ck_assert_int_eq(archive_write_data(a, members[i].data, members[i].len),
                       (la_ssize_t)members[i].len);
    archive_entry_free(e);
  }
  ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  *len = used;
  return buf;
}

/* ---- recording a walk ---- */

#define MAXREC 64

typedef struct rec {
  uint64_t id, parent;
  unsigned depth;
  art_archive_via via;
  char lineage[512], path[256], container[32], filters[64];
  art_entry_type type;
  art_status status;
  unsigned flags;
  uint64_t bytes;
  char password[32];
  int is_container;
  char format[32];
  uint64_t entries, consumer_bytes;
  char magic_mime[64];
  char name[256], charset[16], name_hex[256];
  uint64_t sum; /* FNV-1a of the bytes the consumer saw */
  uint64_t offset;
} rec;

typedef struct walklog {
  rec r[MAXREC];
  size_t n, ends;
  art_magic *magic;
  art_archive *ar;
  uint64_t fed, sum;
  int consumer_finished;
} walklog;

static art_status
cnt_update(void *state, const uint8_t *d, size_t len, uint64_t off)
{
  walklog *w = state;
  ck_assert_uint_eq(off, w->fed);
  w->fed += len;
  for (size_t i = 0; i < len; i++)
    w->sum = (w->sum ^ d[i]) * 1099511628211ull;
  return ART_OK;
}

static art_status cnt_finish(void *state, art_status st)
{
  (void)st;
  ((walklog *)state)->consumer_finished = 1;
  return ART_OK;
}

static const art_consumer counter = {
    .name = "count", .cost = 0, .update = cnt_update, .finish = cnt_finish};

static art_walk_action on_begin(void *ud, const art_archive_member *m)
{
  walklog *w = ud;
  rec *r;
  ck_assert_uint_lt(w->n, MAXREC);
  r = &w->r[w->n++];
  memset(r, 0, sizeof *r);
  r->id = m->id;
  r->parent = m->parent;
  r->depth = m->depth;
  r->via = m->via;
  r->type = m->type;
  snprintf(r->lineage, sizeof r->lineage, "%s", m->lineage);
  snprintf(r->path, sizeof r->path, "%s", m->path);
  snprintf(r->container, sizeof r->container, "%s", m->container);
  snprintf(r->filters, sizeof r->filters, "%s", m->filters);
  snprintf(r->name, sizeof r->name, "%s", m->name);
  snprintf(r->charset, sizeof r->charset, "%s",
           m->name_charset ? m->name_charset : "");
  snprintf(r->name_hex, sizeof r->name_hex, "%s",
           m->name_hex ? m->name_hex : "");
  ck_assert_uint_eq(m->root, 0);
  w->fed = 0;
  w->sum = 14695981039346656037ull;
  w->consumer_finished = 0;
  if (w->magic)
    ck_assert_int_eq(
        art_archive_add_consumer(w->ar, art_magic_consumer(), w->magic),
        ART_OK);
  ck_assert_int_eq(art_archive_add_consumer(w->ar, &counter, w), ART_OK);
  return ART_WALK_CONTINUE;
}

static art_walk_action
on_end(void *ud, const art_archive_member *m, const art_archive_result *res)
{
  walklog *w = ud;
  rec *r = NULL;
  for (size_t i = 0; i < w->n; i++)
    if (w->r[i].id == m->id)
      r = &w->r[i];
  ck_assert_ptr_nonnull(r);
  w->ends++;
  r->status = res->status;
  r->flags = res->flags;
  r->bytes = res->bytes;
  r->is_container = res->is_container;
  if (res->password)
    snprintf(r->password, sizeof r->password, "%s", res->password);
  if (res->is_container) {
    snprintf(r->format, sizeof r->format, "%s", res->format);
    r->entries = res->entries;
    r->offset = res->container_offset;
  }
  /* Consumers saw exactly the member's bytes. */
  if (m->type == ART_ENTRY_FILE && !(res->flags & ART_ARCHIVE_F_ENCRYPTED))
    ck_assert_uint_eq(r->consumer_bytes, res->bytes);
  if (res->status != ART_OK)
    ck_assert_ptr_nonnull(res->errmsg);
  return ART_WALK_CONTINUE;
}

/* The consumers' results are taken here, before a container's members
 * reuse the same consumer objects. */
static art_walk_action on_read_done(void *ud,
                                    const art_archive_member *m,
                                    const art_archive_result *res)
{
  walklog *w = ud;
  rec *r = &w->r[w->n - 1];
  ck_assert_uint_eq(r->id, m->id); /* right after this member's begin */
  ck_assert(!res->is_container);
  if (m->type == ART_ENTRY_FILE && !(res->flags & ART_ARCHIVE_F_ENCRYPTED)) {
    ck_assert_uint_eq(w->fed, res->bytes);
    ck_assert(w->consumer_finished);
    r->consumer_bytes = w->fed;
    r->sum = w->sum;
    if (w->magic && art_magic_mime(w->magic))
      snprintf(r->magic_mime, sizeof r->magic_mime, "%s",
               art_magic_mime(w->magic));
  }
  return ART_WALK_CONTINUE;
}

static const art_archive_ops ops = {.begin = on_begin, .end = on_end};

static art_walk_action
skip_all(void *ud, const art_archive_member *m, const art_archive_result *res)
{
  on_read_done(ud, m, res);
  return ART_WALK_SKIP;
}

static const rec *find(const walklog *w, const char *lineage)
{
  for (size_t i = 0; i < w->n; i++)
    if (!strcmp(w->r[i].lineage, lineage))
      return &w->r[i];
  ck_abort_msg("no member %s", lineage);
  return NULL;
}

static art_ctx *ctx;

static void setup(void)
{
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
}

static void teardown(void)
{
  art_ctx_free(ctx);
}

static art_status walk(const art_archive_opts *o,
                       const void *buf,
                       size_t len,
                       const char *name,
                       walklog *w)
{
  art_archive *ar;
  art_status st;
  art_archive_opts def;
  memset(w, 0, sizeof *w);
  if (!o) {
    /* The defaults, but for the wall-clock limit: on a loaded machine (or
     * under ASan) a size limit must not turn into a timeout. */
    art_archive_opts_init(&def);
    def.timeout_ms = UINT_MAX;
    o = &def;
  }
  ck_assert_int_eq(art_archive_new(ctx, o, &ar), ART_OK);
  art_archive_set_read_done(ar, on_read_done);
  w->ar = ar;
  st = art_archive_walk_buffer(ctx, ar, buf, len, name, &ops, w);
  w->ar = NULL;
  art_archive_free(ar);
  return st;
}

static const char hello[] = "hello, world\n";

/* ---- formats ---- */

START_TEST(test_formats)
{
  static const struct {
    const char *format;
    int filter;
    const char *container, *filters;
  } cases[] = {
      {"zip", -1, "zip", ""},
      {"7zip", -1, "7z", ""},
      {"paxr", -1, "tar", ""},
      {"ustar", ARCHIVE_FILTER_GZIP, "tar", "gzip"},
      {"ustar", ARCHIVE_FILTER_BZIP2, "tar", "bzip2"},
      {"ustar", ARCHIVE_FILTER_XZ, "tar", "xz"},
      {"ustar", ARCHIVE_FILTER_ZSTD, "tar", "zstd"},
      {"ustar", ARCHIVE_FILTER_LZ4, "tar", "lz4"},
      {"newc", -1, "cpio", ""},
      {"arsvr4", -1, "ar", ""},
      {"iso9660", -1, "iso9660", ""},
  };
  mem_member mm[] = {{"a.txt", hello, sizeof hello - 1, 0, NULL},
                     {"b.txt", "second\n", 7, 0, NULL}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len;
    void *buf = build(cases[i].format, cases[i].filter, NULL, mm, 2, &len);
    walklog w;
    const art_archive_walk_result *res;
    art_archive *ar;
    size_t files = 0;
    ck_assert_msg(art_archive_is_container(buf, len), "%s", cases[i].format);
    ck_assert_int_eq(walk(NULL, buf, len, "in", &w), ART_OK);
    for (size_t k = 0; k < w.n; k++) {
      if (w.r[k].type != ART_ENTRY_FILE)
        continue;
      files++;
      ck_assert_str_eq(w.r[k].container, cases[i].container);
      ck_assert_str_eq(w.r[k].filters, cases[i].filters);
      ck_assert_uint_eq(w.r[k].depth, 1);
      ck_assert_uint_eq(w.r[k].parent, 0);
      ck_assert_int_eq(w.r[k].via, ART_ARCHIVE_VIA_MEMBER);
      ck_assert_int_eq(w.r[k].status, ART_OK);
    }
    ck_assert_msg(files == 2, "%s: %zu files", cases[i].format, files);
    ck_assert_uint_eq(find(&w, "in!a.txt")->bytes, sizeof hello - 1);
    ck_assert_uint_eq(w.ends, w.n);
    /* The walk result names the input's format. */
    ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
    ck_assert_int_eq(
        art_archive_walk_buffer(ctx, ar, buf, len, "in", NULL, NULL), ART_OK);
    res = art_archive_get_result(ar);
    ck_assert_str_eq(res->format, cases[i].container);
    ck_assert_uint_ge(res->entries, 2);
    art_archive_free(ar);
    free(buf);
  }
}
END_TEST

START_TEST(test_not_container)
{
  walklog w;
  ck_assert_int_eq(walk(NULL, hello, sizeof hello - 1, "plain.txt", &w),
                   ART_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "plain.txt"));
  ck_assert_uint_eq(w.n, 0);
  ck_assert_int_eq(walk(NULL, "", 0, "empty", &w), ART_ERR_FORMAT);
  /* Text that starts like a cpio header is not taken for one. */
  ck_assert(!art_archive_is_container("0707 555 0199\n", 14));
  ck_assert_int_eq(walk(NULL, "0707 555 0199\n", 14, "phone.txt", &w),
                   ART_ERR_FORMAT);
  ck_assert(!art_archive_is_container(hello, sizeof hello - 1));
}
END_TEST

/* A lone gzip stream of LEN bytes of DATA, written by libarchive. */
static uint8_t *gzip_raw(const void *data, size_t len, size_t *outlen)
{
  mem_member mm[] = {{"data", data, len, 0, NULL}};
  return build("raw", ARCHIVE_FILTER_GZIP, NULL, mm, 1, outlen);
}

START_TEST(test_lone_stream)
{
  size_t len;
  uint8_t *gz = gzip_raw(hello, sizeof hello - 1, &len);
  walklog w;
  const rec *r;
  ck_assert_int_eq(walk(NULL, gz, len, "dir/notes.txt.gz", &w), ART_OK);
  ck_assert_uint_eq(w.n, 1);
  r = find(&w, "dir/notes.txt.gz!notes.txt");
  ck_assert_int_eq(r->via, ART_ARCHIVE_VIA_DECOMPRESSED);
  ck_assert_str_eq(r->container, "raw");
  ck_assert_str_eq(r->filters, "gzip");
  ck_assert_uint_eq(r->bytes, sizeof hello - 1);
  free(gz);
  /* The other lone streams. */
  {
    static const struct {
      int filter;
      const char *name, *member, *filters;
    } streams[] = {
        {ARCHIVE_FILTER_BZIP2, "a.txt.bz2", "a.txt", "bzip2"},
        {ARCHIVE_FILTER_XZ, "a.txt.xz", "a.txt", "xz"},
        {ARCHIVE_FILTER_ZSTD, "a.txt.zst", "a.txt", "zstd"},
        {ARCHIVE_FILTER_LZ4, "a.txt.lz4", "a.txt", "lz4"},
        {ARCHIVE_FILTER_GZIP, "a.tgz", "a.tar", "gzip"},
    };
    mem_member mm[] = {{"data", hello, sizeof hello - 1, 0, NULL}};
    for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
      char lineage[64];
      uint8_t *raw = build("raw", streams[i].filter, NULL, mm, 1, &len);
      ck_assert(art_archive_is_container(raw, len));
      ck_assert_int_eq(walk(NULL, raw, len, streams[i].name, &w), ART_OK);
      snprintf(lineage, sizeof lineage, "%s!%s", streams[i].name,
               streams[i].member);
      r = find(&w, lineage);
      ck_assert_int_eq(r->via, ART_ARCHIVE_VIA_DECOMPRESSED);
      ck_assert_str_eq(r->filters, streams[i].filters);
      ck_assert_uint_eq(r->bytes, sizeof hello - 1);
      free(raw);
    }
  }
}
END_TEST

/* zip in tar.gz in 7z, plus a .deb-like ar holding a tar.xz. */
START_TEST(test_nested)
{
  mem_member inner[] = {{"doc/readme.txt", hello, sizeof hello - 1, 0, NULL}};
  size_t zlen, tlen, slen;
  void *zip = build("zip", -1, NULL, inner, 1, &zlen);
  mem_member mid[] = {{"payload/inner.zip", zip, zlen, 0, NULL}};
  void *tgz = build("ustar", ARCHIVE_FILTER_GZIP, NULL, mid, 1, &tlen);
  mem_member outer[] = {{"bundle.tar.gz", tgz, tlen, 0, NULL},
                        {"note.txt", "n\n", 2, 0, NULL}};
  void *sz = build("7zip", -1, NULL, outer, 2, &slen);
  walklog w;
  const rec *a, *b, *c;
  art_ctx *c2;
  ck_assert_int_eq(art_ctx_new(&c2), ART_OK);
  memset(&w, 0, sizeof w);
  ck_assert_int_eq(walk(NULL, sz, slen, "case.7z", &w), ART_OK);
  a = find(&w, "case.7z!bundle.tar.gz");
  b = find(&w, "case.7z!bundle.tar.gz!payload/inner.zip");
  c = find(&w, "case.7z!bundle.tar.gz!payload/inner.zip!doc/readme.txt");
  ck_assert_uint_eq(a->depth, 1);
  ck_assert_uint_eq(b->depth, 2);
  ck_assert_uint_eq(c->depth, 3);
  ck_assert_uint_eq(a->parent, 0);
  ck_assert_uint_eq(b->parent, a->id);
  ck_assert_uint_eq(c->parent, b->id);
  ck_assert_uint_lt(a->id, b->id);
  ck_assert_uint_lt(b->id, c->id);
  ck_assert_str_eq(a->container, "7z");
  ck_assert_str_eq(b->container, "tar");
  ck_assert_str_eq(b->filters, "gzip");
  ck_assert_str_eq(c->container, "zip");
  ck_assert(a->is_container);
  ck_assert_str_eq(a->format, "tar");
  ck_assert(b->is_container);
  ck_assert_str_eq(b->format, "zip");
  ck_assert_uint_eq(b->entries, 1);
  ck_assert(!c->is_container);
  ck_assert_uint_eq(c->bytes, sizeof hello - 1);
  find(&w, "case.7z!note.txt");
  ck_assert_uint_eq(w.n, 4);

  /* Depth limit 2: the zip at depth 2 is hashed but not expanded. */
  {
    art_archive_opts o;
    art_archive_opts_init(&o);
    o.max_depth = 2;
    ck_assert_int_eq(walk(&o, sz, slen, "case.7z", &w), ART_OK);
    b = find(&w, "case.7z!bundle.tar.gz!payload/inner.zip");
    ck_assert(!b->is_container);
    ck_assert(b->flags & ART_ARCHIVE_F_DEPTH);
    ck_assert_int_eq(b->status, ART_ERR_LIMIT);
    ck_assert_uint_eq(b->bytes, zlen);
    ck_assert_uint_eq(w.n, 3);
  }
  /* read_done() saying SKIP keeps containers closed. */
  {
    art_archive *ar;
    memset(&w, 0, sizeof w);
    ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
    art_archive_set_read_done(ar, skip_all);
    w.ar = ar;
    ck_assert_int_eq(
        art_archive_walk_buffer(ctx, ar, sz, slen, "case.7z", &ops, &w),
        ART_OK);
    ck_assert_uint_eq(w.n, 2);
    ck_assert(!find(&w, "case.7z!bundle.tar.gz")->is_container);
    art_archive_free(ar);
  }
  /* Artifact limit 2. */
  {
    art_archive_opts o;
    art_archive_opts_init(&o);
    o.max_artifacts = 2;
    ck_assert_int_eq(walk(&o, sz, slen, "case.7z", &w), ART_ERR_LIMIT);
    ck_assert_uint_eq(w.n, 2);
  }
  art_ctx_free(c2);
  free(zip);
  free(tgz);
  free(sz);
}
END_TEST

START_TEST(test_magic_consumer)
{
  static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  mem_member in[] = {{"deep.pdf", pdf, sizeof pdf - 1, 0, NULL}};
  size_t ilen, len;
  void *izip = build("zip", -1, NULL, in, 1, &ilen);
  mem_member mm[] = {{"doc.pdf", pdf, sizeof pdf - 1, 0, NULL},
                     {"inner.zip", izip, ilen, 0, NULL}};
  void *zip = build("zip", -1, NULL, mm, 2, &len);
  walklog w;
  art_archive *ar;
  memset(&w, 0, sizeof w);
  ck_assert_int_eq(art_magic_new(ctx, &w.magic), ART_OK);
  ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
  art_archive_set_read_done(ar, on_read_done);
  w.ar = ar;
  ck_assert_int_eq(
      art_archive_walk_buffer(ctx, ar, zip, len, "z.zip", &ops, &w), ART_OK);
  /* One magic object served every member, the container included. */
  ck_assert_str_eq(find(&w, "z.zip!doc.pdf")->magic_mime, "application/pdf");
  ck_assert_str_eq(find(&w, "z.zip!inner.zip")->magic_mime, "application/zip");
  ck_assert_str_eq(find(&w, "z.zip!inner.zip!deep.pdf")->magic_mime,
                   "application/pdf");
  art_archive_free(ar);
  art_magic_free(w.magic);
  free(izip);
  free(zip);
}
END_TEST

/* ---- encryption ---- */

START_TEST(test_encrypted)
{
  mem_member mm[] = {{"evil.txt", hello, sizeof hello - 1, 0, NULL}};
  size_t len, len2;
  void *zip = build("zip", -1, "infected", mm, 1, &len);
  /* The password the caller gives is tried after the built-in ones: with
   * ZipCrypto one of those would pass its one-byte check 2 times in 256 and
   * make the test flaky, so this archive uses AES. */
  zip_encryption = "zip:encryption=aes256";
  void *zip2 = build("zip", -1, "s3cret-not-in-list", mm, 1, &len2);
  zip_encryption = "zip:encryption=zipcrypt";
  walklog w;
  const rec *r;
  art_archive *ar;
  ck_assert_int_eq(walk(NULL, zip, len, "mal.zip", &w), ART_OK);
  r = find(&w, "mal.zip!evil.txt");
  ck_assert_int_eq(r->status, ART_OK);
  ck_assert(r->flags & ART_ARCHIVE_F_DECRYPTED);
  ck_assert_str_eq(r->password, "infected");
  ck_assert_uint_eq(r->bytes, sizeof hello - 1);

  /* Unknown password: listed and flagged. */
  ck_assert_int_eq(walk(NULL, zip2, len2, "mal2.zip", &w), ART_OK);
  r = find(&w, "mal2.zip!evil.txt");
  ck_assert(r->flags & ART_ARCHIVE_F_ENCRYPTED);
  ck_assert_int_eq(r->status, ART_ERR_UNSUPPORTED);

  /* The caller's password opens it. */
  ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
  ck_assert_int_eq(art_archive_add_password(ctx, ar, "s3cret-not-in-list"),
                   ART_OK);
  memset(&w, 0, sizeof w);
  art_archive_set_read_done(ar, on_read_done);
  w.ar = ar;
  ck_assert_int_eq(
      art_archive_walk_buffer(ctx, ar, zip2, len2, "mal2.zip", &ops, &w),
      ART_OK);
  r = find(&w, "mal2.zip!evil.txt");
  ck_assert_int_eq(r->status, ART_OK);
  ck_assert_str_eq(r->password, "s3cret-not-in-list");
  ck_assert_uint_eq(art_archive_get_result(ar)->encrypted, 0);
  art_archive_free(ar);
  free(zip);
  free(zip2);
}
END_TEST

/* ---- unsafe names and extraction ---- */

START_TEST(test_extract)
{
  mem_member mm[] = {
      {"../escape.txt", "bad\n", 4, 0, NULL},
      {"/abs.txt", "bad\n", 4, 0, NULL},
      {"link", NULL, 0, AE_IFLNK, "/etc/passwd"},
      {"link/through.txt", "bad\n", 4, 0, NULL},
      {"ok/good.txt", hello, sizeof hello - 1, 0, NULL},
  };
  mem_member in[] = {{"deep.txt", "deep\n", 5, 0, NULL}};
  size_t zlen, tlen;
  void *zip = build("zip", -1, NULL, in, 1, &zlen);
  mem_member outer_extra[6];
  void *tar;
  char *dir = tu_tmpdir(), *out = tu_path(dir, "out"), *p;
  art_archive_opts o;
  walklog w;
  struct stat st;
  memcpy(outer_extra, mm, sizeof mm);
  outer_extra[5] = (mem_member){"ok/in.zip", zip, zlen, 0, NULL};
  tar = build("paxr", -1, NULL, outer_extra, 6, &tlen);
  ck_assert_int_eq(mkdir(out, 0755), 0);
  art_archive_opts_init(&o);
  o.extract_dir = out;
  ck_assert_int_eq(walk(&o, tar, tlen, "t.tar", &w), ART_OK);
  ck_assert(find(&w, "t.tar!../escape.txt")->flags & ART_ARCHIVE_F_UNSAFE_PATH);
  ck_assert(find(&w, "t.tar!/abs.txt")->flags & ART_ARCHIVE_F_UNSAFE_PATH);
  ck_assert(find(&w, "t.tar!link")->flags & ART_ARCHIVE_F_SPECIAL);
  ck_assert_int_eq(find(&w, "t.tar!link")->type, ART_ENTRY_SYMLINK);
  /* link/through.txt: "link" was never created as a symlink, so this is a
   * plain directory inside OUT. */
  p = tu_path(out, "link");
  ck_assert_int_eq(lstat(p, &st), 0);
  ck_assert(S_ISDIR(st.st_mode));
  free(p);
  p = tu_path(dir, "escape.txt");
  ck_assert_int_ne(access(p, F_OK), 0);
  free(p);
  p = tu_path(out, "ok/good.txt");
  ck_assert_int_eq(stat(p, &st), 0);
  ck_assert_int_eq(st.st_size, (off_t)(sizeof hello - 1));
  free(p);
  p = tu_path(out, "ok/in.zip.d/deep.txt");
  ck_assert_int_eq(stat(p, &st), 0);
  free(p);
  /* A second extraction does not overwrite. */
  ck_assert_int_eq(walk(&o, tar, tlen, "t.tar", &w), ART_OK);
  ck_assert_int_eq(find(&w, "t.tar!ok/good.txt")->status, ART_ERR_IO);
  /* A symlink planted in the folder is not followed. */
  tu_rmtree(out);
  ck_assert_int_eq(mkdir(out, 0755), 0);
  p = tu_path(out, "ok");
  ck_assert_int_eq(symlink(dir, p), 0);
  free(p);
  ck_assert_int_eq(walk(&o, tar, tlen, "t.tar", &w), ART_OK);
  ck_assert_int_eq(find(&w, "t.tar!ok/good.txt")->status, ART_ERR_IO);
  p = tu_path(dir, "good.txt");
  ck_assert_int_ne(access(p, F_OK), 0);
  free(p);

  ck_assert(art_archive_path_is_safe("a/b/c"));
  ck_assert(art_archive_path_is_safe("a/..b"));
  ck_assert(!art_archive_path_is_safe("a/../../b"));
  ck_assert(!art_archive_path_is_safe("..\\x"));
  ck_assert(!art_archive_path_is_safe("C:\\x"));
  ck_assert(!art_archive_path_is_safe(""));
  ck_assert(!art_archive_path_is_safe("/x"));
  tu_rmtree(dir);
  free(dir);
  free(out);
  free(zip);
  free(tar);
}
END_TEST

/* Zip Slip: a zip with ../ and absolute names and a symlink to follow. */
START_TEST(test_zip_slip)
{
  mem_member mm[] = {
      {"../../evil.txt", "bad\n", 4, 0, NULL},
      {"/tmp/abs-evil.txt", "bad\n", 4, 0, NULL},
      {"ln", NULL, 0, AE_IFLNK, ".."},
      {"ln/through.txt", "bad\n", 4, 0, NULL},
      {"fine.txt", hello, sizeof hello - 1, 0, NULL},
  };
  size_t len;
  void *zip = build("zip", -1, NULL, mm, 5, &len);
  char *dir = tu_tmpdir(), *out = tu_path(dir, "x"), *p;
  art_archive_opts o;
  walklog w;
  struct stat st;
  ck_assert_int_eq(mkdir(out, 0755), 0);
  art_archive_opts_init(&o);
  o.extract_dir = out;
  ck_assert_int_eq(walk(&o, zip, len, "slip.zip", &w), ART_OK);
  ck_assert(find(&w, "slip.zip!../../evil.txt")->flags &
            ART_ARCHIVE_F_UNSAFE_PATH);
  ck_assert_int_eq(find(&w, "slip.zip!../../evil.txt")->status,
                   ART_ERR_PERMISSION);
  ck_assert(find(&w, "slip.zip!/tmp/abs-evil.txt")->flags &
            ART_ARCHIVE_F_UNSAFE_PATH);
  ck_assert_int_eq(find(&w, "slip.zip!ln")->type, ART_ENTRY_SYMLINK);
  ck_assert(find(&w, "slip.zip!ln")->flags & ART_ARCHIVE_F_SPECIAL);
  /* The unsafe members are still read and analysed, only not written. */
  ck_assert_uint_eq(find(&w, "slip.zip!../../evil.txt")->bytes, 4);
  p = tu_path(dir, "evil.txt");
  ck_assert_int_ne(access(p, F_OK), 0);
  free(p);
  ck_assert_int_ne(access("/tmp/abs-evil.txt", F_OK), 0);
  p = tu_path(out, "ln");
  ck_assert_int_eq(lstat(p, &st), 0);
  ck_assert(S_ISDIR(st.st_mode)); /* a directory, never a link */
  free(p);
  p = tu_path(out, "fine.txt");
  ck_assert_int_eq(stat(p, &st), 0);
  free(p);
  /* The one-call form, from a file. */
  {
    char *zpath = tu_path(dir, "slip.zip"), *out2 = tu_path(dir, "y");
    ck_assert_int_eq(mkdir(out2, 0755), 0);
    tu_write(zpath, zip, len);
    ck_assert_int_eq(art_archive_extract(ctx, NULL, zpath, out2, NULL, NULL),
                     ART_OK);
    p = tu_path(out2, "fine.txt");
    ck_assert_int_eq(stat(p, &st), 0);
    free(p);
    ck_assert_int_eq(
        art_archive_extract(ctx, NULL, zpath, "/nonexistent", NULL, NULL),
        ART_ERR_NOT_FOUND);
    free(zpath);
    free(out2);
  }
  /* Without extraction the names are flagged all the same. */
  ck_assert_int_eq(walk(NULL, zip, len, "slip.zip", &w), ART_OK);
  ck_assert(find(&w, "slip.zip!../../evil.txt")->flags &
            ART_ARCHIVE_F_UNSAFE_PATH);
  tu_rmtree(dir);
  free(dir);
  free(out);
  free(zip);
}
END_TEST

/* ---- bombs ---- */

/* A gzip stream of COPIES gzip members, each 16 MiB of zeros: decompresses
 * to COPIES x 16 MiB. */
static uint8_t *zero_gz(size_t copies, size_t *len)
{
  size_t chunk = 16u << 20, mlen;
  uint8_t *zeros = calloc(1, chunk), *member, *out;
  member = gzip_raw(zeros, chunk, &mlen);
  out = malloc(mlen * copies);
  for (size_t i = 0; i < copies; i++)
    memcpy(out + i * mlen, member, mlen);
  *len = mlen * copies;
  free(zeros);
  free(member);
  return out;
}

START_TEST(test_zero_bomb)
{
  /* 640 x 16 MiB = 10 GiB of zeros in about 10 MB. */
  size_t len;
  uint8_t *gz = zero_gz(640, &len);
  walklog w;
  const rec *r;
  art_archive_opts o;
  ck_assert_int_eq(walk(NULL, gz, len, "zeros.gz", &w), ART_OK);
  r = find(&w, "zeros.gz!zeros");
  /* With the defaults the member size limit (256 MiB) comes first. */
  ck_assert(r->flags & ART_ARCHIVE_F_MEMBER_SIZE);
  ck_assert(r->flags & ART_ARCHIVE_F_SKIPPED_LIMIT);
  ck_assert_int_eq(r->status, ART_ERR_LIMIT);
  ck_assert_uint_eq(r->bytes, 256u << 20);
  /* Past the member limit, the ratio stops it soon after its 256 MiB. */
  art_archive_opts_init(&o);
  o.max_member_bytes = 8ull << 30;
  o.timeout_ms = UINT_MAX; /* the ratio, not the clock, must stop it */
  ck_assert_int_eq(walk(&o, gz, len, "zeros.gz", &w), ART_OK);
  r = find(&w, "zeros.gz!zeros");
  ck_assert(r->flags & ART_ARCHIVE_F_RATIO);
  ck_assert(r->flags & ART_ARCHIVE_F_SKIPPED_LIMIT);
  ck_assert_int_eq(r->status, ART_ERR_LIMIT);
  ck_assert_uint_le(r->bytes, 300u << 20);
  /* And the deadline, checked in libarchive's callbacks and between
   * blocks, ends it with ART_ERR_TIMEOUT. */
  o.ratio_min_bytes = 8ull << 30;
  o.timeout_ms = 50;
  ck_assert_int_eq(walk(&o, gz, len, "zeros.gz", &w), ART_ERR_TIMEOUT);
  r = find(&w, "zeros.gz!zeros");
  ck_assert(r->flags & ART_ARCHIVE_F_TIMEOUT);
  ck_assert_int_eq(r->status, ART_ERR_TIMEOUT);
  free(gz);
}
END_TEST

START_TEST(test_nested_bomb)
{
  /* 42.zip-style: 4 levels of 16 copies of a zip of 32 MiB of zeros. */
  size_t glen, len;
  uint8_t *gz = zero_gz(2, &glen);
  mem_member leaf[] = {{"zeros.gz", gz, glen, 0, NULL}};
  void *cur = build("zip", -1, NULL, leaf, 1, &len);
  art_archive_opts o;
  walklog w;
  art_archive *ar;
  const art_archive_walk_result *res;
  for (int level = 0; level < 4; level++) {
    mem_member copies[16];
    char names[16][32];
    void *next;
    size_t nlen;
    for (int i = 0; i < 16; i++) {
      snprintf(names[i], sizeof names[i], "l%d_%d.zip", level, i);
      copies[i] = (mem_member){names[i], cur, len, 0, NULL};
    }
    next = build("zip", -1, NULL, copies, 16, &nlen);
    free(cur);
    cur = next;
    len = nlen;
  }
  art_archive_opts_init(&o);
  o.max_total_bytes = 256u << 20;
  o.timeout_ms = UINT_MAX; /* the byte budget, not the clock, must stop it */
  ck_assert_int_eq(art_archive_new(ctx, &o, &ar), ART_OK);
  ck_assert_int_eq(
      art_archive_walk_buffer(ctx, ar, cur, len, "42.zip", NULL, NULL),
      ART_ERR_LIMIT);
  res = art_archive_get_result(ar);
  ck_assert(res->flags & ART_ARCHIVE_F_TOTAL);
  ck_assert_uint_le(res->bytes, 256u << 20);
  art_archive_free(ar);
  /* A time limit of 1 ms stops the walk, flagged. */
  art_archive_opts_init(&o);
  o.timeout_ms = 1;
  ck_assert_int_eq(art_archive_new(ctx, &o, &ar), ART_OK);
  ck_assert_int_eq(
      art_archive_walk_buffer(ctx, ar, cur, len, "42.zip", NULL, NULL),
      ART_ERR_TIMEOUT);
  ck_assert(art_archive_get_result(ar)->flags & ART_ARCHIVE_F_TIMEOUT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "time limit"));
  art_archive_free(ar);
  /* Ratio limit inside, artifact limit outside. */
  art_archive_opts_init(&o);
  o.max_artifacts = 100;
  (void)w;
  ck_assert_int_eq(art_archive_new(ctx, &o, &ar), ART_OK);
  ck_assert_int_eq(
      art_archive_walk_buffer(ctx, ar, cur, len, "42.zip", NULL, NULL),
      ART_ERR_LIMIT);
  res = art_archive_get_result(ar);
  ck_assert(res->flags & ART_ARCHIVE_F_ARTIFACTS);
  ck_assert_uint_eq(res->artifacts, 100);
  art_archive_free(ar);
  free(cur);
  free(gz);
}
END_TEST

START_TEST(test_member_limit_and_corrupt)
{
  static uint8_t big[200000];
  mem_member mm[] = {{"big.bin", big, sizeof big, 0, NULL}};
  size_t len;
  void *tar = build("paxr", -1, NULL, mm, 1, &len);
  art_archive_opts o;
  walklog w;
  const rec *r;
  art_archive_opts_init(&o);
  o.max_member_bytes = 100000;
  ck_assert_int_eq(walk(&o, tar, len, "t.tar", &w), ART_OK);
  r = find(&w, "t.tar!big.bin");
  ck_assert(r->flags & ART_ARCHIVE_F_MEMBER_SIZE);
  ck_assert_uint_eq(r->bytes, 100000);
  /* A zip cut inside its first header: a damaged container, not "not a
   * container". */
  {
    mem_member zm[] = {{"a.txt", hello, sizeof hello - 1, 0, NULL}};
    size_t zlen;
    void *zip = build("zip", -1, NULL, zm, 1, &zlen);
    mem_member outer[] = {{"cut.zip", zip, 20, 0, NULL}};
    size_t tlen;
    void *t2 = build("paxr", -1, NULL, outer, 1, &tlen);
    ck_assert_int_eq(walk(NULL, zip, 20, "cut.zip", &w), ART_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "damaged zip"));
    ck_assert_int_eq(walk(NULL, t2, tlen, "t.tar", &w), ART_OK);
    r = find(&w, "t.tar!cut.zip");
    ck_assert(r->flags & ART_ARCHIVE_F_CORRUPT);
    ck_assert_int_eq(r->status, ART_ERR_CORRUPT);
    free(zip);
    free(t2);
  }
  /* Truncated archive: the member is reported as corrupt. */
  ck_assert_int_eq(walk(NULL, tar, 100000, "cut.tar", &w), ART_OK);
  r = find(&w, "cut.tar!big.bin");
  ck_assert(r->flags & ART_ARCHIVE_F_CORRUPT);
  ck_assert_int_eq(r->status, ART_ERR_CORRUPT);
  free(tar);
}
END_TEST

START_TEST(test_walk_path)
{
  mem_member mm[] = {{"a.txt", hello, sizeof hello - 1, 0, NULL}};
  size_t len;
  void *zip = build("7zip", -1, NULL, mm, 1, &len);
  char *dir = tu_tmpdir(), *p = tu_path(dir, "x.7z");
  art_archive *ar;
  walklog w;
  tu_write(p, zip, len);
  memset(&w, 0, sizeof w);
  ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
  art_archive_set_read_done(ar, on_read_done);
  w.ar = ar;
  ck_assert_int_eq(art_archive_walk_path(ctx, ar, p, &ops, &w), ART_OK);
  ck_assert_uint_eq(w.n, 1);
  ck_assert_uint_eq(w.r[0].bytes, sizeof hello - 1);
  ck_assert_int_eq(art_archive_walk_path(ctx, ar, "/nonexistent/x", &ops, &w),
                   ART_ERR_NOT_FOUND);
  art_archive_free(ar);
  ck_assert_str_eq(art_archive_flag_name(ART_ARCHIVE_F_RATIO), "ratio_limit");
  ck_assert_str_eq(art_archive_via_name(ART_ARCHIVE_VIA_DECOMPRESSED),
                   "decompressed");
  tu_rmtree(dir);
  free(dir);
  free(p);
  free(zip);
}
END_TEST

/* A .deb: an ar archive of debian-binary, control.tar.xz, data.tar.xz. */
START_TEST(test_deb)
{
  mem_member data[] = {{"./usr/bin/tool", hello, sizeof hello - 1, 0, NULL}};
  mem_member control[] = {{"./control", "Package: x\n", 11, 0, NULL}};
  size_t dlen, clen, len;
  void *dtar = build("ustar", ARCHIVE_FILTER_XZ, NULL, data, 1, &dlen);
  void *ctar = build("ustar", ARCHIVE_FILTER_XZ, NULL, control, 1, &clen);
  mem_member deb[] = {{"debian-binary", "2.0\n", 4, 0, NULL},
                      {"control.tar.xz", ctar, clen, 0, NULL},
                      {"data.tar.xz", dtar, dlen, 0, NULL}};
  void *ar = build("ar", -1, NULL, deb, 3, &len);
  walklog w;
  const rec *r;
  ck_assert_int_eq(walk(NULL, ar, len, "x.deb", &w), ART_OK);
  r = find(&w, "x.deb!data.tar.xz!./usr/bin/tool");
  ck_assert_uint_eq(r->depth, 2);
  ck_assert_str_eq(r->container, "tar");
  ck_assert_str_eq(r->filters, "xz");
  ck_assert_uint_eq(r->bytes, sizeof hello - 1);
  ck_assert_str_eq(find(&w, "x.deb!debian-binary")->container, "ar");
  find(&w, "x.deb!control.tar.xz!./control");
  free(dtar);
  free(ctar);
  free(ar);
}
END_TEST

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

static size_t put16(uint8_t *p, unsigned v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
  put16(p, v & 0xffff);
  put16(p + 2, v >> 16);
  return 4;
}

/* A RAR 4 archive with one stored member, written by hand from the
 * published block layout (nothing here can write RAR). */
static size_t
make_rar(uint8_t *out, const char *name, const void *data, size_t len)
{
  size_t n = 0, h, nl = strlen(name);
  memcpy(out, "Rar!\x1a\x07\x00", 7);
  n = 7;
  /* Archive header: CRC, type 0x73, flags, size 13, 6 reserved bytes. */
  h = n;
  n += 2;
  out[n++] = 0x73;
  n += put16(out + n, 0);
  n += put16(out + n, 13);
  memset(out + n, 0, 6);
  n += 6;
  put16(out + h, crc32_of(out + h + 2, 11) & 0xffff);
  /* File header. */
  h = n;
  n += 2;
  out[n++] = 0x74;
  n += put16(out + n, 0x8000);
  n += put16(out + n, (unsigned)(32 + nl));
  n += put32(out + n, (uint32_t)len);       /* packed size */
  n += put32(out + n, (uint32_t)len);       /* unpacked size */
  out[n++] = 0;                             /* host OS: MS-DOS */
  n += put32(out + n, crc32_of(data, len)); /* data CRC */
  n += put32(out + n, 0x5a000000);          /* DOS time */
  out[n++] = 20;                            /* version to extract */
  out[n++] = 0x30;                          /* method: store */
  n += put16(out + n, (unsigned)nl);
  n += put32(out + n, 0x20); /* attributes */
  memcpy(out + n, name, nl);
  n += nl;
  put16(out + h, crc32_of(out + h + 2, 30 + nl) & 0xffff);
  memcpy(out + n, data, len);
  n += len;
  /* End of archive. */
  h = n;
  n += 2;
  out[n++] = 0x7b;
  n += put16(out + n, 0x4000);
  n += put16(out + n, 7);
  put16(out + h, crc32_of(out + h + 2, 5) & 0xffff);
  return n;
}

START_TEST(test_rar)
{
  uint8_t rar[512];
  size_t len = make_rar(rar, "inner.txt", hello, sizeof hello - 1);
  walklog w;
  const rec *r;
  ck_assert(art_archive_is_container(rar, len));
  ck_assert_int_eq(walk(NULL, rar, len, "x.rar", &w), ART_OK);
  r = find(&w, "x.rar!inner.txt");
  ck_assert_str_eq(r->container, "rar");
  ck_assert_int_eq(r->status, ART_OK);
  ck_assert_uint_eq(r->bytes, sizeof hello - 1);
}
END_TEST

/* A cabinet made by gcab (libarchive cannot write CAB). */
START_TEST(test_cab)
{
  char *dir = tu_tmpdir(), cmd[4096], *out, *cab = tu_path(dir, "t.cab");
  int status;
  art_archive *ar;
  walklog w;
  snprintf(cmd, sizeof cmd,
           "cd '%s' && printf 'hello, world\\n' > a.txt && printf 'x' > "
           "b.txt && gcab -c -z t.cab a.txt b.txt 2>&1",
           dir);
  out = tu_run(cmd, &status);
  ck_assert_msg(status == 0, "gcab: %s", out);
  free(out);
  memset(&w, 0, sizeof w);
  ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
  art_archive_set_read_done(ar, on_read_done);
  w.ar = ar;
  ck_assert_int_eq(art_archive_walk_path(ctx, ar, cab, &ops, &w), ART_OK);
  ck_assert_str_eq(art_archive_get_result(ar)->format, "cab");
  ck_assert_uint_eq(w.n, 2);
  ck_assert_uint_eq(w.r[0].bytes, sizeof hello - 1);
  ck_assert_str_eq(w.r[0].container, "cab");
  art_archive_free(ar);
  tu_rmtree(dir);
  free(dir);
  free(cab);
}
END_TEST

/* ---- names, true bytes, listing past failures, offsets ---- */

/* A stored ZIP written by hand: NAMES as raw bytes, with the UTF-8 flag
 * (bit 11) when UTF8 is set. */
static uint8_t *
raw_zip(const char *const *names, int utf8, size_t n, size_t *len)
{
  uint8_t *z = calloc(1, 4096), *cd = calloc(1, 4096);
  size_t o = 0, c = 0;
  for (size_t i = 0; i < n; i++) {
    size_t nl = strlen(names[i]);
    uint32_t crc = crc32_of((const uint8_t *)"x", 1);
    size_t lh = o;
    o += put32(z + o, 0x04034b50);
    o += put16(z + o, 20);
    o += put16(z + o, utf8 ? 0x800 : 0);
    o += put16(z + o, 0);
    o += put32(z + o, 0x00210000);
    o += put32(z + o, crc);
    o += put32(z + o, 1);
    o += put32(z + o, 1);
    o += put16(z + o, (unsigned)nl);
    o += put16(z + o, 0);
    memcpy(z + o, names[i], nl);
    o += nl;
    z[o++] = 'x';
    c += put32(cd + c, 0x02014b50);
    c += put16(cd + c, 20);
    c += put16(cd + c, 20);
    c += put16(cd + c, utf8 ? 0x800 : 0);
    c += put16(cd + c, 0);
    c += put32(cd + c, 0x00210000);
    c += put32(cd + c, crc);
    c += put32(cd + c, 1);
    c += put32(cd + c, 1);
    c += put16(cd + c, (unsigned)nl);
    c += put32(cd + c, 0); /* extra, comment lengths */
    c += put32(cd + c, 0); /* disk, internal attributes */
    c += put32(cd + c, 0100644u << 16);
    c += put32(cd + c, (uint32_t)lh);
    memcpy(cd + c, names[i], nl);
    c += nl;
  }
  memcpy(z + o, cd, c);
  {
    size_t cdo = o;
    o += c;
    o += put32(z + o, 0x06054b50);
    o += put32(z + o, 0);
    o += put16(z + o, (unsigned)n);
    o += put16(z + o, (unsigned)n);
    o += put32(z + o, (uint32_t)c);
    o += put32(z + o, (uint32_t)cdo);
    o += put16(z + o, 0);
  }
  free(cd);
  *len = o;
  return z;
}

START_TEST(test_names)
{
  /* 請求書_2024年4月.pdf.exe and テスト/メモ.txt in CP932, Привет.txt in
   * CP866, café.txt in CP437, none with the UTF-8 flag. */
  static const char *const legacy[] = {
      "\x90\xbf\x8b\x81\x8f\x91_2024\x94N4\x8c\x8e.pdf.exe",
      "\x83\x65\x83X\x83g/\x83\x81\x83\x82.txt", "\x8f\xe0\xa8\xa2\xa5\xe2.txt",
      "caf\x82.txt"};
  static const char *const utf8[] = {"請求書_2024年4月.pdf.exe",
                                     "Привет мир.txt", "café crème.txt"};
  size_t len;
  uint8_t *z = raw_zip(legacy, 0, 4, &len);
  walklog w;
  const rec *r;
  art_archive_opts o;
  ck_assert_int_eq(walk(NULL, z, len, "jp.zip", &w), ART_OK);
  r = find(&w, "jp.zip!請求書_2024年4月.pdf.exe");
  ck_assert_str_eq(r->charset, "cp932");
  ck_assert_str_eq(r->name_hex,
                   "90bf8b818f915f32303234944e348c8e2e7064662e657865");
  r = find(&w, "jp.zip!テスト/メモ.txt");
  ck_assert_str_eq(r->name, "メモ.txt");
  ck_assert_str_eq(r->name_hex, "838183822e747874");
  /* Not Japanese: CP437, the ZIP default. */
  r = find(&w, "jp.zip!café.txt");
  ck_assert_str_eq(r->charset, "cp437");
  r = find(&w, "jp.zip!Åα¿óÑΓ.txt");
  ck_assert_str_eq(r->charset, "cp437");
  /* Forced: CP866. */
  art_archive_opts_init(&o);
  o.charset = "CP866";
  ck_assert_int_eq(walk(&o, z, len, "ru.zip", &w), ART_OK);
  r = find(&w, "ru.zip!Привет.txt");
  ck_assert_str_eq(r->charset, "CP866");
  ck_assert_str_eq(r->name_hex, "8fe0a8a2a5e22e747874");
  free(z);
  /* With the UTF-8 flag: the names as stored, whatever the locale. */
  z = raw_zip(utf8, 1, 3, &len);
  ck_assert_int_eq(walk(&o, z, len, "u.zip", &w), ART_OK);
  for (size_t i = 0; i < 3; i++) {
    char want[256];
    snprintf(want, sizeof want, "u.zip!%s", utf8[i]);
    r = find(&w, want);
    ck_assert_str_eq(r->charset, "utf-8");
    ck_assert_str_eq(r->name_hex, "");
  }
  free(z);
  /* Undecodable bytes in a tar name: escaped, never U+FFFD. */
  {
    mem_member mm[] = {{"bad\xff\xfe-\xe9t\xc3\xa9.txt", hello, 3, 0, NULL}};
    void *tar = build("ustar", -1, NULL, mm, 1, &len);
    ck_assert_int_eq(walk(NULL, tar, len, "b.tar", &w), ART_OK);
    r = find(&w, "b.tar!bad\\xFF\\xFE-\\xE9té.txt");
    ck_assert_str_eq(r->charset, "escaped");
    ck_assert(r->flags & ART_ARCHIVE_F_NAME_ESCAPED);
    ck_assert_str_eq(r->name_hex, "626164fffe2de974c3a92e747874");
    ck_assert_ptr_null(strstr(r->lineage, "\xef\xbf\xbd"));
    free(tar);
  }
  /* A charset iconv does not know is refused. */
  o.charset = "no-such-charset";
  {
    art_archive *ar = NULL;
    ck_assert_int_eq(art_archive_new(ctx, &o, &ar), ART_ERR_INVALID_ARG);
    ck_assert_ptr_null(ar);
  }
}
END_TEST

START_TEST(test_true_bytes)
{
  /* XAR: the second member's bytes are its own (libarchive 3.6.2's
   * archive_read_data() padded them with the first member's size of
   * NULs). */
  static const char second[] = "second member data\n";
  mem_member mm[] = {{"a.txt", hello, sizeof hello - 1, 0, NULL},
                     {"b.txt", second, sizeof second - 1, 0, NULL}};
  size_t len;
  void *x = build("xar", -1, NULL, mm, 2, &len);
  walklog w, ref;
  const rec *r;
  ck_assert_int_eq(walk(NULL, x, len, "x.xar", &w), ART_OK);
  r = find(&w, "x.xar!b.txt");
  ck_assert_uint_eq(r->bytes, sizeof second - 1);
  /* the same bytes as from a tar of the same members */
  {
    void *t = build("ustar", -1, NULL, mm, 2, &len);
    ck_assert_int_eq(walk(NULL, t, len, "t.tar", &ref), ART_OK);
    ck_assert_uint_eq(r->sum, find(&ref, "t.tar!b.txt")->sum);
    free(t);
  }
  free(x);
  /* GNU ar: modes without the file type bits are regular members. */
  {
    static const char ar[] = "!<arch>\n"
                             "a.txt/          0           0     0     644     "
                             "13        `\n"
                             "hello, world\n"
                             "\n"
                             "b.txt/          0           0     0     644     "
                             "19        `\n"
                             "second member data\n"
                             "\n";
    ck_assert_int_eq(walk(NULL, ar, sizeof ar - 1, "g.a", &w), ART_OK);
    r = find(&w, "g.a!a.txt");
    ck_assert_int_eq(r->type, ART_ENTRY_FILE);
    ck_assert_uint_eq(r->bytes, 13);
    ck_assert_uint_eq(r->sum, find(&ref, "t.tar!a.txt")->sum);
    r = find(&w, "g.a!b.txt");
    ck_assert_uint_eq(r->bytes, 19);
    ck_assert_uint_eq(r->sum, find(&ref, "t.tar!b.txt")->sum);
  }
}
END_TEST

START_TEST(test_list_past_limits)
{
  /* 4 MiB of zeros, then payload.exe: a member limit stops the first
   * member's reading, not the listing. */
  size_t zl = 4u << 20, len;
  uint8_t *zeros = calloc(1, zl);
  mem_member mm[] = {{"zeros.bin", zeros, zl, 0, NULL},
                     {"payload.exe", "MZ\x90", 3, 0, NULL}};
  void *z = build("zip", -1, NULL, mm, 2, &len);
  art_archive_opts o;
  walklog w;
  const rec *r;
  art_archive_opts_init(&o);
  o.max_member_bytes = 1u << 20;
  ck_assert_int_eq(walk(&o, z, len, "b.zip", &w), ART_OK);
  r = find(&w, "b.zip!zeros.bin");
  ck_assert(r->flags & ART_ARCHIVE_F_SKIPPED_LIMIT);
  ck_assert_uint_eq(r->bytes, 1u << 20);
  r = find(&w, "b.zip!payload.exe");
  ck_assert_int_eq(r->status, ART_OK);
  ck_assert_uint_eq(r->bytes, 3);
  /* The ratio limit likewise. */
  art_archive_opts_init(&o);
  o.ratio_min_bytes = 1u << 20;
  ck_assert_int_eq(walk(&o, z, len, "b.zip", &w), ART_OK);
  r = find(&w, "b.zip!zeros.bin");
  ck_assert(r->flags & ART_ARCHIVE_F_RATIO);
  ck_assert(r->flags & ART_ARCHIVE_F_SKIPPED_LIMIT);
  ck_assert_uint_eq(find(&w, "b.zip!payload.exe")->bytes, 3);
  free(z);
  free(zeros);
}
END_TEST

START_TEST(test_offset)
{
  /* A ZIP appended to a JPEG, and after leading data. */
  static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0,    16,  'J', 'F',
                                 'I',  'F',  0,    1,    1,    0,   0,   1,
                                 0,    1,    0,    0,    0xff, 0xd9};
  mem_member mm[] = {{"a.txt", hello, sizeof hello - 1, 0, NULL}};
  size_t zlen;
  void *z = build("zip", -1, NULL, mm, 1, &zlen);
  uint8_t *buf = malloc(sizeof jpeg + zlen);
  walklog w;
  memcpy(buf, jpeg, sizeof jpeg);
  memcpy(buf + sizeof jpeg, z, zlen);
  ck_assert(art_archive_is_container(buf, sizeof jpeg + zlen));
  ck_assert(!art_archive_is_container(buf, 64));
  ck_assert(art_archive_tail_is_zip(buf, sizeof jpeg + zlen));
  ck_assert_int_eq(walk(NULL, buf, sizeof jpeg + zlen, "p.jpg", &w), ART_OK);
  ck_assert_uint_eq(find(&w, "p.jpg!a.txt")->bytes, sizeof hello - 1);
  ck_assert_uint_eq(art_archive_get_result(NULL) == NULL, 1);
  {
    art_archive *ar;
    ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
    ck_assert_int_eq(art_archive_walk_buffer(ctx, ar, buf, sizeof jpeg + zlen,
                                             "p.jpg", NULL, NULL),
                     ART_OK);
    ck_assert_uint_eq(art_archive_get_result(ar)->offset, sizeof jpeg);
    ck_assert_str_eq(art_archive_get_result(ar)->format, "zip");
    art_archive_free(ar);
  }
  free(buf);
  free(z);
}
END_TEST

/* libarchive's own hostile archives (tests/data/hostile): the three that
 * 3.6.2 never finishes are recognised before libarchive runs and refused
 * with the limit they would have hit. */
START_TEST(test_hostile)
{
  static const struct {
    const char *file;
    unsigned flag;
  } cases[] = {
      {"test_read_filter_gzip_recursive.gz", ART_ARCHIVE_F_MEMORY},
      {"test_read_format_xar_doublelink.xar", ART_ARCHIVE_F_TIMEOUT},
      {"test_read_format_iso_rockridge_ce_loop.iso.Z", ART_ARCHIVE_F_MEMORY},
      {"iso_rockridge_ce_loop_cut.iso.Z", ART_ARCHIVE_F_MEMORY}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[1024];
    art_archive *ar;
    walklog w;
    memset(&w, 0, sizeof w);
    snprintf(path, sizeof path, "%s/tests/data/hostile/%s", ART_SOURCE_DIR,
             cases[i].file);
    ck_assert_int_eq(art_archive_new(ctx, NULL, &ar), ART_OK);
    w.ar = ar;
    ck_assert_int_eq(art_archive_walk_path(ctx, ar, path, &ops, &w),
                     ART_ERR_CORRUPT);
    ck_assert(art_archive_get_result(ar)->flags & cases[i].flag);
    ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "not read"));
    art_archive_free(ar);
  }
}
END_TEST

static Suite *archive_suite(void)
{
  Suite *s = suite_create("archive");
  TCase *tc = tcase_create("formats");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_formats);
  tcase_add_test(tc, test_not_container);
  tcase_add_test(tc, test_lone_stream);
  tcase_add_test(tc, test_walk_path);
  tcase_add_test(tc, test_deb);
  tcase_add_test(tc, test_cab);
  tcase_add_test(tc, test_rar);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_true_bytes);
  tcase_add_test(tc, test_offset);
  suite_add_tcase(s, tc);
  tc = tcase_create("nesting");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_nested);
  tcase_add_test(tc, test_magic_consumer);
  suite_add_tcase(s, tc);
  tc = tcase_create("encryption");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_encrypted);
  suite_add_tcase(s, tc);
  tc = tcase_create("extract");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_extract);
  tcase_add_test(tc, test_zip_slip);
  suite_add_tcase(s, tc);
  tc = tcase_create("limits");
  tcase_set_timeout(tc, 300);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_zero_bomb);
  tcase_add_test(tc, test_nested_bomb);
  tcase_add_test(tc, test_member_limit_and_corrupt);
  tcase_add_test(tc, test_list_past_limits);
  tcase_add_test(tc, test_hostile);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(archive_suite());
}
