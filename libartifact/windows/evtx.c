/* Windows XML event logs (.evtx): our reader, or libevtx (for comparison).
 * SPDX-License-Identifier: Apache-2.0
 *
 * data_type windows:evtx:record, timestamp_desc "Content Modification
 * Time" (plaso's WRITTEN), l2tcsv EVT / WinEVTX. The record's event data
 * names come from its XML rendering (<Data Name="...">), the values from
 * the same; records without names give string_1, string_2, ... Records
 * recovered from free space are reported too (recovered: true).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <inttypes.h>
#include <libbfio.h>
#include <libevtx.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_private.h"
#include "win_private.h"

/* libevtx in its own link-map namespace: Debian's libewf (loaded with
 * libtsk) exports an older libfvalue that libevtx would bind to, and then
 * fails on every record ("unsupported type: 0x1a"). dlmopen gives libevtx
 * and its libbfio a scope of their own; calls go through this table. */
#define EVTX_FUNCS(X)                                                          \
  X(libbfio_handle_free)                                                       \
  X(libbfio_handle_initialize)                                                 \
  X(libevtx_error_free)                                                        \
  X(libevtx_error_sprint)                                                      \
  X(libevtx_file_close)                                                        \
  X(libevtx_file_free)                                                         \
  X(libevtx_file_get_number_of_records)                                        \
  X(libevtx_file_get_number_of_recovered_records)                              \
  X(libevtx_file_get_record_by_index)                                          \
  X(libevtx_file_get_recovered_record_by_index)                                \
  X(libevtx_file_initialize)                                                   \
  X(libevtx_file_open_file_io_handle)                                          \
  X(libevtx_record_free)                                                       \
  X(libevtx_record_get_event_identifier)                                       \
  X(libevtx_record_get_event_identifier_qualifiers)                            \
  X(libevtx_record_get_event_level)                                            \
  X(libevtx_record_get_identifier)                                             \
  X(libevtx_record_get_utf8_computer_name)                                     \
  X(libevtx_record_get_utf8_computer_name_size)                                \
  X(libevtx_record_get_utf8_provider_identifier)                               \
  X(libevtx_record_get_utf8_provider_identifier_size)                          \
  X(libevtx_record_get_utf8_source_name)                                       \
  X(libevtx_record_get_utf8_source_name_size)                                  \
  X(libevtx_record_get_utf8_user_security_identifier)                          \
  X(libevtx_record_get_utf8_user_security_identifier_size)                     \
  X(libevtx_record_get_utf8_xml_string)                                        \
  X(libevtx_record_get_utf8_xml_string_size)                                   \
  X(libevtx_record_get_written_time)

static struct {
#define X(n) __typeof__(n) *n;
  EVTX_FUNCS(X)
#undef X
} api;
#define A(n) (api.n)

static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static char api_err[256];

static void api_load(void)
{
  void *h, *b;
  if (win_dlmopen("libevtx.so.1", &h, &b, api_err, sizeof api_err))
    return;
#define X(n)                                                                   \
  if (win_dlsym(h, b, #n, (void **)&api.n, api_err, sizeof api_err))           \
    return;
  EVTX_FUNCS(X)
#undef X
}

static art_status evtx_fail(art_ctx *ctx,
                            art_status st,
                            const char *name,
                            const char *what,
                            libevtx_error_t *err)
{
  char msg[512] = "";
  if (err) {
    A(libevtx_error_sprint)(err, msg, sizeof msg);
    A(libevtx_error_free)(&err);
  }
  return win_lib_fail(ctx, st, name, what, msg);
}

/* UTF-8 string getter of libevtx into *BUF (grown as needed, kept across
 * records: no allocation per record); NULL: none. */
typedef int (*evtx_sz_fn)(libevtx_record_t *, size_t *, libevtx_error_t **);
typedef int (*evtx_str_fn)(libevtx_record_t *,
                           uint8_t *,
                           size_t,
                           libevtx_error_t **);
typedef struct str_buf {
  char *p;
  size_t cap;
} str_buf;
static char *
rec_str(libevtx_record_t *r, evtx_sz_fn szf, evtx_str_fn sf, str_buf *b)
{
  size_t n = 0;
  libevtx_error_t *e = NULL;
  if (szf(r, &n, &e) != 1 || n == 0 || n > (64u << 20)) {
    A(libevtx_error_free)(&e);
    return NULL;
  }
  if (n > b->cap) {
    char *q = realloc(b->p, n);
    if (!q)
      return NULL;
    b->p = q;
    b->cap = n;
  }
  if (sf(r, (uint8_t *)b->p, n, &e) != 1) {
    A(libevtx_error_free)(&e);
    return NULL;
  }
  b->p[n - 1] = 0;
  return b->p;
}

/* The record's XML into *BUF (grown as needed, kept across records).
 * libfwevt renders the whole XML tree once for its size and once more for
 * the string, so first try the buffer as it is (any size at least the
 * string's is accepted) and ask the size only when it was too small: one
 * rendering per record instead of two. NULL: none. */
static char *rec_xml(libevtx_record_t *r, uint8_t **buf, size_t *cap)
{
  libevtx_error_t *e = NULL;
  if (*cap && A(libevtx_record_get_utf8_xml_string)(r, *buf, *cap, &e) == 1) {
    (*buf)[*cap - 1] = 0;
    return (char *)*buf;
  }
  A(libevtx_error_free)(&e);
  size_t n = 0;
  if (A(libevtx_record_get_utf8_xml_string_size)(r, &n, &e) != 1 || n == 0 ||
      n > (64u << 20)) {
    A(libevtx_error_free)(&e);
    return NULL;
  }
  if (n > *cap) {
    size_t c = n < 65536 ? 65536 : n + n / 2;
    uint8_t *b = realloc(*buf, c);
    if (!b)
      return NULL;
    *buf = b;
    *cap = c;
  }
  if (A(libevtx_record_get_utf8_xml_string)(r, *buf, *cap, &e) != 1) {
    A(libevtx_error_free)(&e);
    return NULL;
  }
  (*buf)[*cap - 1] = 0;
  return (char *)*buf;
}

/* Undo the five XML entities and &#N; / &#xN; in place. */
static size_t xml_unescape(char *s, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '&') {
      static const struct {
        const char *e;
        char c;
      } ents[] = {{"&amp;", '&'},
                  {"&lt;", '<'},
                  {"&gt;", '>'},
                  {"&quot;", '"'},
                  {"&apos;", '\''}};
      int done = 0;
      for (size_t k = 0; k < 5 && !done; k++) {
        size_t l = strlen(ents[k].e);
        if (i + l <= n && memcmp(s + i, ents[k].e, l) == 0) {
          s[o++] = ents[k].c;
          i += l - 1;
          done = 1;
        }
      }
      if (done)
        continue;
      if (i + 3 < n && s[i + 1] == '#') {
        size_t j = i + 2;
        int hex = s[j] == 'x' || s[j] == 'X';
        if (hex)
          j++;
        unsigned long v = 0;
        size_t d = j;
        while (j < n && j - d < 8 &&
               (hex ? strchr("0123456789abcdefABCDEF", s[j]) != NULL
                    : (s[j] >= '0' && s[j] <= '9')) &&
               s[j]) {
          v = v * (hex ? 16u : 10u) + (unsigned long)(s[j] <= '9' ? s[j] - '0'
                                                      : s[j] >= 'a'
                                                          ? s[j] - 'a' + 10
                                                          : s[j] - 'A' + 10);
          j++;
        }
        if (j > d && j < n && s[j] == ';' && v < 0x80) {
          s[o++] = (char)v;
          i = j;
          continue;
        }
      }
    }
    s[o++] = s[i];
  }
  return o;
}

/* Text of the first <TAG>...</TAG> in XML, or NULL. */
static const char *xml_tag(const char *xml, const char *tag, size_t *len)
{
  char open[64];
  snprintf(open, sizeof open, "<%s>", tag);
  const char *a = strstr(xml, open);
  if (!a)
    return NULL;
  a += strlen(open);
  const char *b = strchr(a, '<');
  if (!b)
    return NULL;
  *len = (size_t)(b - a);
  return a;
}

/* Event data: <Data Name="N">V</Data> or <Data Name="N"/> within
 * <EventData> (or <UserData>'s leaves, as name/value). */
static void add_event_data(win_rec *r, char *xml)
{
  char *ed = strstr(xml, "<EventData>");
  if (!ed)
    return;
  char *end = strstr(ed, "</EventData>");
  char *p = ed;
  unsigned idx = 0;
  while ((p = strstr(p, "<Data")) && (!end || p < end)) {
    p += 5;
    if (*p != ' ' && *p != '>' && *p != '/')
      continue;
    idx++;
    char key[128];
    size_t klen = 0;
    char *nm = strstr(p, "Name=\"");
    char *gt = strchr(p, '>');
    if (!gt)
      break;
    if (nm && nm < gt) {
      nm += 6;
      char *q = strchr(nm, '"');
      if (q && q < gt) {
        klen = (size_t)(q - nm) < sizeof key - 1 ? (size_t)(q - nm)
                                                 : sizeof key - 1;
        memcpy(key, nm, klen);
        klen = xml_unescape(key, klen);
      }
    }
    if (!klen)
      klen = (size_t)snprintf(key, sizeof key, "string_%u", idx);
    if (gt[-1] == '/') {
      win_attr_dyn(r, key, klen, "", 0);
      p = gt + 1;
      continue;
    }
    char *v = gt + 1;
    char *ve = strstr(v, "</Data>");
    if (!ve)
      break;
    size_t vl = xml_unescape(v, (size_t)(ve - v));
    win_attr_dyn(r, key, klen, v, vl);
    p = ve + 7;
  }
}

static art_status one_record(art_ctx *ctx,
                             libevtx_record_t *rec,
                             int recovered,
                             win_rec *r,
                             uint8_t **xbuf,
                             size_t *xcap,
                             str_buf *sb,
                             art_win_event_fn fn,
                             void *user)
{
  libevtx_error_t *e = NULL;
  uint64_t ft = 0, num = 0;
  uint32_t eid = 0, qual = 0;
  uint8_t level = 0;
  if (A(libevtx_record_get_written_time)(rec, &ft, &e) != 1) {
    A(libevtx_error_free)(&e);
    ft = 0;
  }
  if (A(libevtx_record_get_identifier)(rec, &num, &e) != 1)
    A(libevtx_error_free)(&e);
  if (A(libevtx_record_get_event_identifier)(rec, &eid, &e) != 1)
    A(libevtx_error_free)(&e);
  if (A(libevtx_record_get_event_identifier_qualifiers)(rec, &qual, &e) != 1) {
    A(libevtx_error_free)(&e);
    qual = 0;
  }
  if (A(libevtx_record_get_event_level)(rec, &level, &e) != 1)
    A(libevtx_error_free)(&e);
  char *provider = rec_str(rec, A(libevtx_record_get_utf8_source_name_size),
                           A(libevtx_record_get_utf8_source_name), &sb[0]);
  char *guid = rec_str(rec, A(libevtx_record_get_utf8_provider_identifier_size),
                       A(libevtx_record_get_utf8_provider_identifier), &sb[1]);
  char *computer = rec_str(rec, A(libevtx_record_get_utf8_computer_name_size),
                           A(libevtx_record_get_utf8_computer_name), &sb[2]);
  char *sid =
      rec_str(rec, A(libevtx_record_get_utf8_user_security_identifier_size),
              A(libevtx_record_get_utf8_user_security_identifier), &sb[3]);
  char *xml = rec_xml(rec, xbuf, xcap);
  size_t cl = 0;
  const char *ch = xml ? xml_tag(xml, "Channel", &cl) : NULL;
  evx_fields f = {.number = num,
                  .written = ft,
                  .eid = eid,
                  .qual = qual,
                  .level = level,
                  .recovered = recovered,
                  .source = provider,
                  .guid = guid,
                  .channel = ch,
                  .channel_len = cl,
                  .computer = computer,
                  .sid = sid};
  win_evtx_begin(r, &f);
  if (xml)
    add_event_data(r, xml);
  return win_evtx_emit(r, ctx, fn, user, &f);
}

/* ---- template instances checked before libevtx reads them ----
 *
 * libfwevt (bundled in Debian's libevtx 20181227, and unchanged upstream)
 * sizes a template instance's value descriptors as number_of_values * 4 in
 * 32-bit arithmetic (libfwevt_xml_document_read_template_instance_values):
 * a count of 2^30 or more wraps (0x40000012 -> 72 bytes), passes its bounds
 * check, and the loop then reads COUNT 4-byte descriptors far past the
 * chunk (SIGSEGV on tests/fuzz/regressions/windows/). Before libevtx sees
 * the file, every template instance of every record (nested BinXML values
 * too, and record-like bytes in a chunk's free space, which libevtx
 * recovers) is checked with that size in 64 bits. One whose descriptors
 * do not fit in its chunk gets the count 0xffffffff in our private copy of
 * the bytes, which libfwevt's own check rejects: that record fails alone,
 * reported, and the others are read as before. */

#define EVTX_FILE_HEAD 4096u
#define EVTX_CHUNK     65536u
#define EVTX_NEST_MAX  32u

typedef struct ti_guard {
  unsigned bad;       /* template instances neutralised */
  uint64_t first_rec; /* the first one's record number */
  uint32_t first_count;
} ti_guard;

static void ti_reject(unsigned char *ch, size_t at, uint64_t rec, ti_guard *g)
{
  if (!g->bad++) {
    g->first_rec = rec;
    g->first_count = win_le32(ch + at);
  }
  memset(ch + at, 0xff, 4);
}

/* The template instance token at chunk offset OFF (libfwevt's layout:
 * token, unknown byte, template id, definition offset; the definition
 * inline when it starts right after; then the values). */
static void ti_check(
    unsigned char *ch, size_t off, unsigned depth, uint64_t rec, ti_guard *g)
{
  if (off + 10 > EVTX_CHUNK)
    return; /* libfwevt refuses it */
  size_t vals = off + 10;
  uint32_t def = win_le32(ch + off + 6);
  if (def == vals) {
    if ((size_t)def + 24 > EVTX_CHUNK)
      return;
    vals = (size_t)def + 24 + win_le32(ch + def + 20);
  }
  if (vals > EVTX_CHUNK - 4)
    return;
  uint64_t n = win_le32(ch + vals);
  size_t desc = vals + 4;
  if (n * 4u > EVTX_CHUNK - desc || depth > EVTX_NEST_MAX) {
    ti_reject(ch, vals, rec, g);
    return;
  }
  size_t v = desc + (size_t)n * 4u;
  for (uint64_t i = 0; i < n; i++) {
    size_t sz = win_le16(ch + desc + i * 4u);
    uint8_t type = ch[desc + i * 4u + 2];
    if (sz > EVTX_CHUNK - v)
      return; /* libfwevt refuses the values */
    /* a BinXML value: a fragment of its own, maybe a template instance */
    if (type == 0x21 && sz >= 5 && ch[v] == 0x0f && (ch[v + 4] & 0xbf) == 0x0c)
      ti_check(ch, v + 4, depth + 1, rec, g);
    v += sz;
  }
}

/* A record at chunk offset OFF: its BinXML (a fragment header, then a
 * template instance) starts 24 bytes in. Returns its size, 0 if none. */
static uint32_t rec_check(unsigned char *ch, size_t off, ti_guard *g)
{
  if (off > EVTX_CHUNK - 29 || memcmp(ch + off, "\x2a\x2a\0\0", 4) != 0)
    return 0;
  uint32_t size = win_le32(ch + off + 4);
  if (size < 28 || size > EVTX_CHUNK - off)
    return 0;
  if (ch[off + 24] == 0x0f && (ch[off + 28] & 0xbf) == 0x0c)
    ti_check(ch, off + 28, 0, win_le64(ch + off + 8), g);
  return size;
}

static void evtx_guard(unsigned char *data, size_t n, ti_guard *g)
{
  for (size_t c = EVTX_FILE_HEAD; n >= EVTX_CHUNK && c <= n - EVTX_CHUNK;
       c += EVTX_CHUNK) {
    unsigned char *ch = data + c;
    if (memcmp(ch, "ElfChnk", 8) != 0)
      continue;
    size_t off = 512; /* records follow the chunk header */
    uint32_t size;
    while ((size = rec_check(ch, off, g)) != 0)
      off += size;
    /* free space: what libevtx recovers */
    for (size_t p = off; p + 29 <= EVTX_CHUNK; p++)
      if (ch[p] == 0x2a)
        rec_check(ch, p, g);
  }
}

art_status art_win_parse_evtx(art_ctx *ctx,
                              const art_win_input *in,
                              art_win_event_fn fn,
                              void *user)
{
  if (win_evtx_own()) /* ours: faster, and robust (evtx_private.h) */
    return win_evtx_parse_own(ctx, in, fn, user);
  pthread_once(&api_once, api_load);
  if (api_err[0])
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0, "%s: %s", in->name,
                          api_err);
  unsigned char *data = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &data, &n);
  if (st != ART_OK)
    return st;
  ti_guard g = {0};
  evtx_guard(data, n, &g);
  libbfio_handle_t *h = NULL;
  libevtx_file_t *file = NULL;
  libevtx_error_t *e = NULL;
  win_rec r = {0};
  uint8_t *xbuf = NULL;
  size_t xcap = 0;
  str_buf sb[4] = {{0}};
  if (win_bfio_open(A(libbfio_handle_initialize), data, n, &h) != 1) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
    goto out;
  }
  if (A(libevtx_file_initialize)(&file, &e) != 1) {
    st = evtx_fail(ctx, ART_ERR_NOMEM, in->name, "libevtx", e);
    goto out;
  }
  if (A(libevtx_file_open_file_io_handle)(file, h, LIBEVTX_OPEN_READ, &e) !=
      1) {
    st =
        evtx_fail(ctx, ART_ERR_FORMAT, in->name, "not a readable EVTX file", e);
    goto out;
  }
  int count = 0, rcount = 0, bad = 0;
  char first_err[256] = "";
  if (A(libevtx_file_get_number_of_records)(file, &count, &e) != 1) {
    st = evtx_fail(ctx, ART_ERR_CORRUPT, in->name, "record count", e);
    goto close;
  }
  for (int i = 0; i < count && st == ART_OK; i++) {
    libevtx_record_t *rec = NULL;
    if (A(libevtx_file_get_record_by_index)(file, i, &rec, &e) != 1) {
      if (!bad && e) {
        A(libevtx_error_sprint)(e, first_err, sizeof first_err);
        for (char *q = first_err; *q; q++)
          if (*q == '\n' || *q == '\r')
            *q = ' ';
      }
      A(libevtx_error_free)(&e);
      bad++;
      continue;
    }
    st = one_record(ctx, rec, 0, &r, &xbuf, &xcap, sb, fn, user);
    A(libevtx_record_free)(&rec, NULL);
  }
  if (st == ART_OK &&
      A(libevtx_file_get_number_of_recovered_records)(file, &rcount, &e) != 1) {
    A(libevtx_error_free)(&e);
    rcount = 0;
  }
  for (int i = 0; i < rcount && st == ART_OK; i++) {
    libevtx_record_t *rec = NULL;
    if (A(libevtx_file_get_recovered_record_by_index)(file, i, &rec, &e) != 1) {
      A(libevtx_error_free)(&e);
      continue; /* recovery is best effort */
    }
    st = one_record(ctx, rec, 1, &r, &xbuf, &xcap, sb, fn, user);
    A(libevtx_record_free)(&rec, NULL);
  }
  if (st == ART_OK && bad && g.bad)
    st = art__set_error(
        ctx, ART_ERR_CORRUPT, 0,
        "%s: %d of %d records could not be read (first: %s; %u with a "
        "template instance claiming more values than its chunk holds, "
        "first: record %" PRIu64 ", %" PRIu32 " values)",
        in->name, bad, count, first_err, g.bad, g.first_rec, g.first_count);
  else if (st == ART_OK && bad)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: %d of %d records could not be read (first: %s)",
                        in->name, bad, count, first_err);
  else if (st == ART_OK && g.bad) /* in free space: not recovered */
    st = art__set_error(
        ctx, ART_ERR_CORRUPT, 0,
        "%s: %u recovered records could not be read (a template instance "
        "claiming more values than its chunk holds, first: record %" PRIu64
        ", %" PRIu32 " values)",
        in->name, g.bad, g.first_rec, g.first_count);
close:
  A(libevtx_file_close)(file, NULL);
out:
  A(libevtx_file_free)(&file, NULL);
  A(libbfio_handle_free)(&h, NULL);
  win_rec_free(&r);
  free(xbuf);
  for (int i = 0; i < 4; i++)
    free(sb[i].p);
  free(data);
  return st;
}
