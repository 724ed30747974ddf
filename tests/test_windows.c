/* Windows artifact parsers: detection, FILETIME, and hand-decoded records
 * built here ($UsnJrnl, $I, INFO2); damaged inputs fail cleanly.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The corpus files are compared with the libyal tools' goldens in
 * tests/cli/test_timeline.sh (tests/data/windows/make-goldens.sh).
 */
#include <artifact/windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "win_private.h"

typedef struct mem {
  const unsigned char *p;
  size_t n;
} mem;

static art_status
mem_read(void *user, uint64_t off, void *buf, size_t len, size_t *got)
{
  mem *m = user;
  *got = 0;
  if (off >= m->n)
    return ART_OK;
  if (len > m->n - off)
    len = (size_t)(m->n - off);
  memcpy(buf, m->p + off, len);
  *got = len;
  return ART_OK;
}

typedef struct seen {
  int n;
  int64_t sec;
  uint32_t nsec;
  char dtype[64], desc[64], msg[512], a1[256];
  const char *want_key;
} seen;

static art_status on_ev(void *user, const art_win_event *ev)
{
  seen *s = user;
  s->n++;
  s->sec = ev->sec;
  s->nsec = ev->nsec;
  snprintf(s->dtype, sizeof s->dtype, "%s", ev->data_type);
  snprintf(s->desc, sizeof s->desc, "%s", ev->timestamp_desc);
  snprintf(s->msg, sizeof s->msg, "%s", ev->message);
  for (size_t i = 0; i < ev->nattrs; i++)
    if (s->want_key && strcmp(ev->attrs[i].key, s->want_key) == 0)
      snprintf(s->a1, sizeof s->a1, "%s", ev->attrs[i].value);
  return ART_OK;
}

static void put16(unsigned char *p, unsigned v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

START_TEST(filetime_conversion)
{
  int64_t s;
  uint32_t ns;
  /* 0x01d12bb43bedc180 = 130933917270000000 (100 ns since 1601):
   * 13093391727 s - 11644473600 s = 1448918127 = 2015-11-30T21:15:27Z */
  ck_assert(art_win_filetime(UINT64_C(0x01d12bb43bedc180), &s, &ns));
  ck_assert_int_eq(s, 1448918127);
  ck_assert_uint_eq(ns, 0);
  ck_assert(art_win_filetime(UINT64_C(116444736000000001), &s, &ns));
  ck_assert_int_eq(s, 0);
  ck_assert_uint_eq(ns, 100);
  ck_assert(!art_win_filetime(0, &s, &ns));          /* not set */
  ck_assert(!art_win_filetime(UINT64_MAX, &s, &ns)); /* past 9999 */
}
END_TEST

START_TEST(detect_kinds)
{
  ck_assert_int_eq(art_win_detect("x", "ElfFile\0", 8), ART_WIN_EVTX);
  /* EVT: header size 48, then "LfLe" */
  ck_assert_int_eq(art_win_detect("x", "\x30\0\0\0LfLe", 8), ART_WIN_EVT);
  ck_assert_int_eq(art_win_detect("x", "\x31\0\0\0LfLe", 8), ART_WIN_UNKNOWN);
  ck_assert_str_eq(art_win_kind_name(ART_WIN_EVT), "evt");
  ck_assert_int_eq(art_win_kind_from_name("evt"), ART_WIN_EVT);
  ck_assert_int_eq(art_win_detect("x", "regf\1\0\0\0", 8), ART_WIN_REGISTRY);
  ck_assert_int_eq(art_win_detect("A.pf", "MAM\x04\0\0\0\0", 8),
                   ART_WIN_PREFETCH);
  ck_assert_int_eq(art_win_detect("/a/$J", "\0\0\0\0", 4), ART_WIN_USNJRNL);
  ck_assert_int_eq(art_win_detect("x/INFO2",
                                  "\5\0\0\0\0\0\0\0\0\0\0\0 "
                                  "\3\0\0\0\0\0\0",
                                  20),
                   ART_WIN_RECYCLE_INFO2);
  ck_assert_int_eq(art_win_detect("notes.txt", "hello world", 11),
                   ART_WIN_UNKNOWN);
  ck_assert_int_eq(art_win_kind_from_name("prefetch"), ART_WIN_PREFETCH);
  ck_assert_str_eq(art_win_kind_name(ART_WIN_LNK), "lnk");
}
END_TEST

/* A USN_RECORD_V2 decoded by hand: "b.txt", ref 30-1, parent 5-5, time
 * 0x01d12bb43bedc180, reason FILE_DELETE|CLOSE (0x80000200), after 64
 * zero bytes; then 8 bytes of garbage (counted as damage). */
START_TEST(usn_record_v2)
{
  unsigned char b[64 + 72 + 8];
  memset(b, 0, sizeof b);
  unsigned char *r = b + 64;
  put32(r, 72);
  put16(r + 4, 2);
  put64(r + 8, (UINT64_C(1) << 48) | 30);
  put64(r + 16, (UINT64_C(5) << 48) | 5);
  put64(r + 24, 4096);
  put64(r + 32, UINT64_C(0x01d12bb43bedc180));
  put32(r + 40, 0x80000200u);
  put16(r + 56, 10);
  put16(r + 58, 60);
  const char *nm = "b.txt";
  for (int i = 0; i < 5; i++)
    put16(r + 60 + 2 * i, (unsigned char)nm[i]);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  mem m = {b, 64 + 72};
  art_win_input in = {"$J", m.n, mem_read, &m};
  seen s = {0};
  s.want_key = "update_reason";
  ck_assert_int_eq(art_win_parse_usnjrnl(ctx, &in, on_ev, &s), ART_OK);
  ck_assert_int_eq(s.n, 1);
  ck_assert_int_eq(s.sec, 1448918127);
  ck_assert_str_eq(s.dtype, "fs:ntfs:usn_change");
  ck_assert_str_eq(s.desc, "Metadata Modification Time");
  ck_assert_str_eq(s.a1, "USN_REASON_FILE_DELETE, USN_REASON_CLOSE");
  ck_assert_ptr_nonnull(strstr(s.msg, "b.txt File reference: 30-1 Parent "
                                      "file reference: 5-5"));
  /* garbage after the record: the record is kept, the damage reported */
  memset(b + 64 + 72, 0x41, 8);
  m.n = sizeof b;
  in.size = m.n;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(art_win_parse_usnjrnl(ctx, &in, on_ev, &s), ART_ERR_CORRUPT);
  ck_assert_int_eq(s.n, 1);
  art_ctx_free(ctx);
}
END_TEST

/* $I version 1: size 5000, deleted 0x01d12bb43bedc180, path C:\a.doc */
START_TEST(recycle_i_v1)
{
  unsigned char b[24 + 520];
  memset(b, 0, sizeof b);
  put64(b, 1);
  put64(b + 8, 5000);
  put64(b + 16, UINT64_C(0x01d12bb43bedc180));
  const char *p = "C:\\a.doc";
  for (size_t i = 0; i < strlen(p); i++)
    put16(b + 24 + 2 * i, (unsigned char)p[i]);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  mem m = {b, sizeof b};
  art_win_input in = {"$IX.doc", m.n, mem_read, &m};
  seen s = {0};
  s.want_key = "original_filename";
  ck_assert_int_eq(art_win_parse_recycle_i(ctx, &in, on_ev, &s), ART_OK);
  ck_assert_int_eq(s.n, 1);
  ck_assert_str_eq(s.a1, "C:\\a.doc");
  ck_assert_int_eq(s.sec, 1448918127);
  ck_assert_str_eq(s.desc, "Content Deletion Time");
  /* truncated: refused with a reason, no event */
  m.n = 10;
  in.size = 10;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(art_win_parse_recycle_i(ctx, &in, on_ev, &s),
                   ART_ERR_FORMAT);
  ck_assert_int_eq(s.n, 0);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "$IX.doc"));
  /* cut inside the 260-unit path field (after the path's NUL): corrupt,
   * never a clean record */
  m.n = 272;
  in.size = 272;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(art_win_parse_recycle_i(ctx, &in, on_ev, &s),
                   ART_ERR_CORRUPT);
  ck_assert_int_eq(s.n, 0);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "past the end"));
  art_ctx_free(ctx);
}
END_TEST

art_status win_shimcache(art_ctx *ctx,
                         const unsigned char *d,
                         size_t n,
                         const char *key_path,
                         art_win_event_fn fn,
                         void *user,
                         unsigned *entries);

/* A Windows 10 AppCompatCache value made here: 0x34-byte header, one
 * "10ts" entry for C:\x.exe (16 path bytes) modified at
 * 0x01d12bb43bedc180 (2015-11-30T21:15:27Z), 4 data bytes; then a second
 * entry whose size runs past the end (damage after one entry). */
START_TEST(shimcache_win10)
{
  unsigned char b[0x34 + 12 + 2 + 16 + 8 + 4 + 4 + 12];
  memset(b, 0, sizeof b);
  put32(b, 0x34);
  unsigned char *e = b + 0x34;
  memcpy(e, "10ts", 4);
  put32(e + 8, 2 + 16 + 8 + 4 + 4);
  put16(e + 12, 16);
  const char *p = "C:\\x.exe";
  for (int i = 0; i < 8; i++)
    put16(e + 14 + 2 * i, (unsigned char)p[i]);
  put64(e + 30, UINT64_C(0x01d12bb43bedc180));
  put32(e + 38, 4);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  seen s = {0};
  s.want_key = "path";
  unsigned n = 0;
  size_t whole = 0x34 + 12 + 2 + 16 + 8 + 4 + 4;
  ck_assert_int_eq(
      win_shimcache(ctx, b, whole, "\\ControlSet001", on_ev, &s, &n), ART_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(s.a1, "C:\\x.exe");
  ck_assert_int_eq(s.sec, 1448918127);
  ck_assert_str_eq(s.dtype, "windows:registry:appcompatcache");
  /* a second entry that claims more bytes than there are */
  memcpy(b + whole, "10ts", 4);
  put32(b + whole + 8, 1000);
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(win_shimcache(ctx, b, sizeof b, "\\CS", on_ev, &s, &n),
                   ART_ERR_CORRUPT);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(s.n, 1);
  /* not a cache at all */
  ck_assert_int_eq(win_shimcache(ctx, (const unsigned char *)"hello", 5, "\\CS",
                                 on_ev, &s, &n),
                   ART_ERR_FORMAT);
  art_ctx_free(ctx);
}
END_TEST

/* A message whose arguments point into the record's own buffer, long
 * enough to make it grow (found by mutating an EVTX file: the channel,
 * taken back from the attributes, was read after the buffer moved). */
START_TEST(record_args_inside_buffer)
{
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  win_rec r = {0};
  char big[3000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  win_attr(&r, "channel", "%s", big);
  win_attrn(&r, "copy", win_attr_get(&r, "channel"), 2999);
  seen s = {0};
  ck_assert_int_eq(win_emit(&r, ctx, on_ev, &s, 1, 0, "t", "d", "S", "ST",
                            "%s / %s", win_attr_get(&r, "channel"),
                            win_attr_get(&r, "copy")),
                   ART_OK);
  ck_assert_int_eq(s.n, 1);
  ck_assert_uint_eq(strlen(s.msg), sizeof s.msg - 1); /* truncated copy */
  ck_assert_int_eq(s.msg[0], 'a');
  win_rec_free(&r);
  art_ctx_free(ctx);
}
END_TEST

/* Garbage given to every parser: an error naming the input, no crash. */
START_TEST(garbage_everywhere)
{
  unsigned char b[4096];
  for (size_t i = 0; i < sizeof b; i++)
    b[i] = (unsigned char)(i * 131u + 7u);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  for (int k = 1; k < ART_WIN_KIND_COUNT_; k++) {
    mem m = {b, sizeof b};
    art_win_input in = {"junk.bin", m.n, mem_read, &m};
    seen s = {0};
    art_status st = art_win_parse(ctx, (art_win_kind)k, &in, on_ev, &s);
    ck_assert_msg(st != ART_OK || s.n == 0, "kind %d", k);
    if (st != ART_OK)
      ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "junk.bin"));
  }
  art_ctx_free(ctx);
}
END_TEST

/* ---- EVTX logs crafted here (our reader: evtx_chunk.c, evtx_binxml.c) -- */

/* Standard CRC-32 (RFC 1952), as the EVTX checksums use. */
static uint32_t crc32_std(const unsigned char *p, size_t n, uint32_t crc)
{
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++)
      crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  return ~crc;
}

/* Binary XML writer over one chunk. */
typedef struct bx {
  unsigned char *c;
  uint32_t p;
} bx;
static void bx8(bx *b, unsigned v)
{
  b->c[b->p++] = (unsigned char)v;
}
static void bx16(bx *b, unsigned v)
{
  put16(b->c + b->p, v);
  b->p += 2;
}
static void bx32(bx *b, uint32_t v)
{
  put32(b->c + b->p, v);
  b->p += 4;
}
/* a name reference with the name stored right after it */
static void bxname(bx *b, const char *s)
{
  bx32(b, b->p + 4);
  bx32(b, 0);
  bx16(b, 0);
  bx16(b, (unsigned)strlen(s));
  for (; *s; s++)
    bx16(b, (unsigned char)*s);
  bx16(b, 0);
}
static uint32_t bxopen(bx *b, const char *name, int attrs)
{
  bx8(b, attrs ? 0x41 : 0x01);
  bx16(b, 0xffff);
  uint32_t at = b->p;
  bx32(b, 0);
  bxname(b, name);
  return at;
}
static void bxfix(bx *b, uint32_t at)
{
  put32(b->c + at, b->p - at - 4);
}
static void bxattr(bx *b, const char *name, int more)
{
  bx8(b, more ? 0x46 : 0x06);
  bxname(b, name);
}
static void bxtext(bx *b, const char *s)
{
  bx8(b, 0x05);
  bx8(b, 0x01);
  bx16(b, (unsigned)strlen(s));
  for (; *s; s++)
    bx16(b, (unsigned char)*s);
}
static void bxsub(bx *b, unsigned id, unsigned type, int opt)
{
  bx8(b, opt ? 0x0e : 0x0d);
  bx16(b, id);
  bx8(b, type);
}
/* <Name>sub</Name> */
static void bxleaf(bx *b, const char *name, unsigned id, unsigned type)
{
  uint32_t e = bxopen(b, name, 0);
  bx8(b, 0x02);
  bxsub(b, id, type, 0);
  bx8(b, 0x04);
  bxfix(b, e);
}
/* <Data Name="NAME">sub</Data> (no name: <Data>sub</Data>) */
static void bxdata(bx *b, const char *name, unsigned id, unsigned type, int opt)
{
  uint32_t e = bxopen(b, "Data", name != NULL);
  if (name) {
    uint32_t l = b->p;
    bx32(b, 0);
    bxattr(b, "Name", 0);
    bxtext(b, name);
    bxfix(b, l);
  }
  bx8(b, 0x02);
  bxsub(b, id, type, opt);
  bx8(b, 0x04);
  bxfix(b, e);
}

/* The template: System fields and five EventData values. */
static void bx_template(bx *b)
{
  bx8(b, 0x0f), bx8(b, 1), bx8(b, 1), bx8(b, 0);
  uint32_t ev = bxopen(b, "Event", 0);
  bx8(b, 0x02);
  uint32_t sy = bxopen(b, "System", 0);
  bx8(b, 0x02);
  uint32_t pr = bxopen(b, "Provider", 1), l = b->p;
  bx32(b, 0);
  bxattr(b, "Name", 1);
  bxtext(b, "Test-Provider");
  bxattr(b, "Guid", 0);
  bxtext(b, "{0063715B-EEDA-4007-9429-AD526F62696E}");
  bxfix(b, l);
  bx8(b, 0x03);
  bxfix(b, pr);
  uint32_t id = bxopen(b, "EventID", 1);
  l = b->p;
  bx32(b, 0);
  bxattr(b, "Qualifiers", 0);
  bxsub(b, 1, 0x06, 1);
  bxfix(b, l);
  bx8(b, 0x02);
  bxsub(b, 0, 0x06, 0);
  bx8(b, 0x04);
  bxfix(b, id);
  bxleaf(b, "Level", 2, 0x04);
  uint32_t ch = bxopen(b, "Channel", 0);
  bx8(b, 0x02);
  bxtext(b, "Security");
  bx8(b, 0x04);
  bxfix(b, ch);
  bxleaf(b, "Computer", 3, 0x01);
  uint32_t se = bxopen(b, "Security", 1);
  l = b->p;
  bx32(b, 0);
  bxattr(b, "UserID", 0);
  bxsub(b, 4, 0x13, 1);
  bxfix(b, l);
  bx8(b, 0x03);
  bxfix(b, se);
  bx8(b, 0x04);
  bxfix(b, sy);
  uint32_t ed = bxopen(b, "EventData", 0);
  bx8(b, 0x02);
  bxdata(b, "TargetUserName", 5, 0x01, 0);
  bxdata(b, "Opt", 6, 0x01, 1);
  bxdata(b, NULL, 7, 0x15, 0);
  bxdata(b, "When", 8, 0x11, 0);
  bxdata(b, "Logon", 9, 0x0f, 0);
  bx8(b, 0x04);
  bxfix(b, ed);
  bx8(b, 0x04);
  bxfix(b, ev);
  bx8(b, 0x00);
}

typedef struct bxval {
  unsigned type;
  const unsigned char *p;
  unsigned n;
} bxval;

/* One record; the template is stored in it when *DEF is 0 (and *DEF is
 * set to where). Returns the record's offset. */
static uint32_t bx_record(bx *b,
                          uint64_t num,
                          uint64_t ft,
                          uint32_t *def,
                          const bxval *v,
                          unsigned nv)
{
  uint32_t r = b->p;
  bx32(b, 0x2a2a);
  bx32(b, 0);
  put64(b->c + b->p, num);
  b->p += 8;
  put64(b->c + b->p, ft);
  b->p += 8;
  bx8(b, 0x0f), bx8(b, 1), bx8(b, 1), bx8(b, 0);
  bx8(b, 0x0c);
  bx8(b, 0x01);
  bx32(b, 0x1234);
  if (!*def) {
    *def = b->p + 4;
    bx32(b, *def);
    bx32(b, 0);
    for (int i = 0; i < 16; i++)
      bx8(b, (unsigned)i);
    uint32_t sz = b->p;
    bx32(b, 0);
    bx_template(b);
    bxfix(b, sz);
  } else {
    bx32(b, *def);
  }
  bx32(b, nv);
  for (unsigned i = 0; i < nv; i++) {
    bx16(b, v[i].n);
    bx8(b, v[i].type);
    bx8(b, 0);
  }
  for (unsigned i = 0; i < nv; i++) {
    if (v[i].n)
      memcpy(b->c + b->p, v[i].p, v[i].n);
    b->p += v[i].n;
  }
  bx8(b, 0x00);
  while ((b->p + 4 - r) % 8)
    bx8(b, 0);
  bx32(b, b->p + 4 - r);
  put32(b->c + r + 4, b->p - r);
  return r;
}

static unsigned char *u16s(const char *s, unsigned *n)
{
  static unsigned char buf[4][64];
  static int k;
  unsigned char *o = buf[k++ % 4];
  unsigned i = 0;
  for (; *s; s++, i += 2)
    o[i] = (unsigned char)*s, o[i + 1] = 0;
  *n = i;
  return o;
}

/* A log of NCHUNKS chunks, two records each (numbers from 1). */
static unsigned char *crafted_evtx(int nchunks, size_t *n)
{
  *n = 4096 + (size_t)nchunks * 65536;
  unsigned char *f = calloc(1, *n);
  ck_assert_ptr_nonnull(f);
  memcpy(f, "ElfFile", 8);
  put64(f + 24, (uint64_t)nchunks * 2 + 1);
  put32(f + 32, 128);
  put16(f + 36, 1);
  put16(f + 38, 3);
  put16(f + 40, 4096);
  put16(f + 42, (unsigned)nchunks);
  put32(f + 124, crc32_std(f, 120, 0));
  for (int ci = 0; ci < nchunks; ci++) {
    bx b = {f + 4096 + (size_t)ci * 65536, 512};
    uint64_t first = (uint64_t)ci * 2 + 1;
    uint16_t eid = 4624, qual = 16384, eid2 = 4634;
    uint8_t level = 4;
    static const unsigned char sid[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    unsigned char hex[8], ftb[8], guid[16];
    put64(hex, 0x3e7);
    put64(ftb, UINT64_C(0x01d12bb43bedc180));
    for (int i = 0; i < 16; i++)
      guid[i] = (unsigned char)(0xa0 + i);
    unsigned nc, nu, nc2, nu2;
    const unsigned char *comp = u16s("WS-01", &nc), *user = u16s("alice", &nu);
    bxval v1[] = {{0x06, (unsigned char *)&eid, 2},
                  {0x06, (unsigned char *)&qual, 2},
                  {0x04, &level, 1},
                  {0x01, comp, nc},
                  {0x13, sid, sizeof sid},
                  {0x01, user, nu},
                  {0x00, NULL, 0},
                  {0x15, hex, 8},
                  {0x11, ftb, 8},
                  {0x0f, guid, 16}};
    const unsigned char *comp2 = u16s("WS-02", &nc2),
                        *user2 = u16s("bob&<x>", &nu2);
    bxval v2[] = {{0x06, (unsigned char *)&eid2, 2},
                  {0x00, NULL, 0},
                  {0x04, &level, 1},
                  {0x01, comp2, nc2},
                  {0x00, NULL, 0},
                  {0x01, user2, nu2},
                  {0x01, user2, nu2},
                  {0x15, hex, 8},
                  {0x11, ftb, 8},
                  {0x0f, guid, 16}};
    uint32_t def = 0;
    bx_record(&b, first, UINT64_C(0x01d12bb43bedc180), &def, v1, 10);
    uint32_t last = bx_record(
        &b, first + 1, UINT64_C(0x01d12bb43bedc180) + 10000000, &def, v2, 10);
    unsigned char *c = b.c;
    memcpy(c, "ElfChnk", 8);
    put64(c + 8, first);
    put64(c + 16, first + 1);
    put64(c + 24, first);
    put64(c + 32, first + 1);
    put32(c + 40, 128);
    put32(c + 44, last);
    put32(c + 48, b.p);
    put32(c + 52, crc32_std(c + 512, b.p - 512, 0));
    put32(c + 124, crc32_std(c + 128, 384, crc32_std(c, 120, 0)));
  }
  return f;
}

typedef struct evlog {
  int n;
  char ev[8][1024]; /* key=value; ... of each event */
} evlog;

static art_status on_evlog(void *user, const art_win_event *ev)
{
  evlog *l = user;
  if (l->n < 8) {
    char *o = l->ev[l->n];
    size_t k = 0;
    for (size_t i = 0; i < ev->nattrs && k < 1000; i++)
      k += (size_t)snprintf(o + k, 1024 - k, "%s=%s;", ev->attrs[i].key,
                            ev->attrs[i].value);
  }
  l->n++;
  return ART_OK;
}

static art_status
parse_evtx(art_ctx *ctx, const unsigned char *f, size_t n, evlog *l)
{
  mem m = {f, n};
  art_win_input in = {"crafted.evtx", n, mem_read, &m};
  memset(l, 0, sizeof *l);
  return art_win_parse(ctx, ART_WIN_EVTX, &in, on_evlog, l);
}

#define HAS(s, sub)                                                            \
  ck_assert_msg(strstr((s), (sub)) != NULL, "%s not in %s", (sub), (s))
#define HASNT(s, sub)                                                          \
  ck_assert_msg(strstr((s), (sub)) == NULL, "%s in %s", (sub), (s))

/* Every field our events carry, from a template stored once and used by
 * two records: substitutions, an optional NULL that drops its element or
 * attribute, hex64, FILETIME, GUID, SID, XML-special characters kept. */
START_TEST(evtx_crafted_fields)
{
  size_t n;
  unsigned char *f = crafted_evtx(1, &n);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  evlog l;
  ck_assert_int_eq(parse_evtx(ctx, f, n, &l), ART_OK);
  ck_assert_int_eq(l.n, 2);
  const char *a = l.ev[0], *b = l.ev[1];
  HAS(a,
      "record_number=1;event_identifier=4624;event_identifier_qualifiers=16384;"
      "event_level=4;source_name=Test-Provider;"
      "provider_identifier={0063715B-EEDA-4007-9429-AD526F62696E};"
      "channel=Security;computer_name=WS-01;user_sid=S-1-5-18;");
  HAS(a, "TargetUserName=alice;string_2=0x00000000000003e7;"
         "When=2015-11-30T21:15:27.000000000Z;"
         "Logon={A3A2A1A0-A5A4-A7A6-A8A9-AAABACADAEAF};");
  HASNT(a, "Opt=");
  HAS(b, "record_number=2;event_identifier=4634;event_level=4;");
  HASNT(b, "qualifiers");
  HASNT(b, "user_sid");
  HAS(b, "computer_name=WS-02;");
  HAS(b, "TargetUserName=bob&<x>;Opt=bob&<x>;string_3=0x00000000000003e7;");
  art_ctx_free(ctx);
  free(f);
}
END_TEST

static void
expect_damage(unsigned char *f, size_t n, int events, const char *why)
{
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  evlog l;
  ck_assert_int_eq(parse_evtx(ctx, f, n, &l), ART_ERR_CORRUPT);
  ck_assert_int_eq(l.n, events);
  HAS(art_ctx_errmsg(ctx), "crafted.evtx");
  HAS(art_ctx_errmsg(ctx), why);
  art_ctx_free(ctx);
}

/* A bad records CRC32: the records are still read, the file is damaged. */
START_TEST(evtx_bad_checksum)
{
  size_t n;
  unsigned char *f = crafted_evtx(1, &n);
  unsigned char *c = f + 4096;
  unsigned char *w = memmem(c + 512, 65536 - 512, "W\0S\0-\0\060\0\062", 10);
  ck_assert_ptr_nonnull(w);
  w[0] = 'X';
  expect_damage(f, n, 2, "chunk 0: records checksum mismatch");
  c[100] ^= 1; /* header CRC too */
  expect_damage(f, n, 2, "chunk 0: header checksum mismatch");
  free(f);
}
END_TEST

/* A chunk without its signature, a record with a bad size copy, a record
 * whose template offset points out of the chunk, a damaged template: the
 * other chunks and records are read, the error names the damage. */
START_TEST(evtx_damaged_parts)
{
  size_t n;
  unsigned char *f = crafted_evtx(2, &n);
  f[4096] = 'X';
  expect_damage(f, n, 2, "chunk 0: no chunk signature");
  free(f);

  f = crafted_evtx(2, &n);
  unsigned char *c = f + 4096 + 65536;
  uint32_t r2 = win_le32(c + 44), sz = win_le32(c + r2 + 4);
  put32(c + r2 + sz - 4, sz + 8);
  expect_damage(f, n, 3, "chunk 1: damaged record header");
  put32(c + r2 + sz - 4, sz);
  /* record 2's template: 0x0f010100, 0x0c, 0x01, id(4), offset(4) */
  put32(c + r2 + 24 + 10, 0xffffff00u);
  expect_damage(f, n, 3, "template offset out of the chunk");
  put32(c + r2 + 24 + 10, 0x1ff); /* the chunk header is no template */
  expect_damage(f, n, 3, "template offset out of the chunk");
  put32(c + r2 + 24 + 10, 0x200); /* record 3's header is none either */
  expect_damage(f, n, 3, "chunk 1, record 4: template");
  put32(c + r2 + 24 + 10, r2 + 8); /* points into the record header */
  expect_damage(f, n, 3, "chunk 1, record 4");
  free(f);

  /* a truncated log: the partial chunk is named, the whole one read */
  f = crafted_evtx(2, &n);
  expect_damage(f, n - 1000, 2, "truncated chunk");
  expect_damage(f, n - 1000, 2, "1 of 2 chunks could not be read whole");
  /* cut at a chunk boundary: fewer chunks than the header counts is no
   * clean log (evtxinfo: "Is corrupted"), down to the file header alone */
  expect_damage(f, 4096 + 65536, 2,
                "1 of 2 chunks could not be read whole (first: the file "
                "header counts 2 chunks, the file holds 1 (a truncated file))");
  expect_damage(f, 4096, 0, "2 of 2 chunks could not be read whole");
  free(f);
}
END_TEST

/* Recovered records, as libevtx finds them: a whole record left in a
 * chunk's free space, and the records of a chunk past the header's chunk
 * count (file not dirty). */
START_TEST(evtx_recovered_records)
{
  size_t n;
  unsigned char *f = crafted_evtx(2, &n);
  unsigned char *c = f + 4096;
  uint32_t r2 = win_le32(c + 44), end = win_le32(c + 48);
  uint32_t sz2 = win_le32(c + r2 + 4);
  /* record 2 again (renumbered 99) after the last record, in free space:
   * it uses the template stored in record 1, which is still there */
  memcpy(c + end, c + r2, sz2);
  put64(c + end + 8, 99);
  put16(f + 42, 1); /* the header counts one chunk: chunk 1 is recovered */
  put32(f + 124, crc32_std(f, 120, 0));
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  evlog l;
  ck_assert_int_eq(parse_evtx(ctx, f, n, &l), ART_OK);
  ck_assert_int_eq(l.n, 5);
  HASNT(l.ev[0], "recovered");
  HASNT(l.ev[1], "recovered");
  HAS(l.ev[2], "record_number=99;");
  HAS(l.ev[2], "recovered=true;");
  HAS(l.ev[3], "record_number=3;");
  HAS(l.ev[3], "recovered=true;");
  HAS(l.ev[4], "record_number=4;");
  art_ctx_free(ctx);
  free(f);
}
END_TEST

/* Every byte of the records set to hostile values in turn: each parse
 * ends with events and/or an error, never a crash (ASan) or a hang. */
START_TEST(evtx_every_byte_hostile)
{
  size_t n;
  unsigned char *f = crafted_evtx(1, &n);
  unsigned char *c = f + 4096;
  uint32_t end = win_le32(c + 48);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  static const unsigned char vals[] = {0x00, 0x0c, 0x21, 0xff};
  unsigned fails = 0;
  for (uint32_t i = 512; i < end; i++) {
    unsigned char keep = c[i];
    for (size_t k = 0; k < sizeof vals; k++) {
      c[i] = vals[k];
      evlog l;
      art_status st = parse_evtx(ctx, f, n, &l);
      ck_assert(st == ART_OK || st == ART_ERR_CORRUPT);
      fails += st != ART_OK;
    }
    c[i] = keep;
  }
  ck_assert_uint_gt(fails, 0);
  art_ctx_free(ctx);
  free(f);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("windows");
  TCase *tc = tcase_create("parsers");
  tcase_add_test(tc, filetime_conversion);
  tcase_add_test(tc, detect_kinds);
  tcase_add_test(tc, usn_record_v2);
  tcase_add_test(tc, recycle_i_v1);
  tcase_add_test(tc, shimcache_win10);
  tcase_add_test(tc, record_args_inside_buffer);
  tcase_add_test(tc, garbage_everywhere);
  tcase_add_test(tc, evtx_crafted_fields);
  tcase_add_test(tc, evtx_bad_checksum);
  tcase_add_test(tc, evtx_damaged_parts);
  tcase_add_test(tc, evtx_recovered_records);
  suite_add_tcase(s, tc);
  /* a few thousand parses: slow under ASan */
  TCase *slow = tcase_create("hostile");
  tcase_set_timeout(slow, 300);
  tcase_add_test(slow, evtx_every_byte_hostile);
  suite_add_tcase(s, slow);
  return s;
}

int main(void)
{
  SRunner *r = srunner_create(suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
