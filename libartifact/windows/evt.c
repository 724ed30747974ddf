/* Windows NT/2000/XP/2003 event logs (.evt) through libevt: two events
 * per record (creation and written time).
 * SPDX-License-Identifier: Apache-2.0
 *
 * data_type windows:evt:record as plaso's winevt parser: "Creation Time"
 * (generated) and "Content Modification Time" (written), l2tcsv EVT /
 * WinEVT. Attributes: record_number, event_identifier (the whole 32-bit
 * value, as evtexport prints it), message_identifier (its low 16 bits),
 * facility, severity, event_type, event_category, source_name,
 * computer_name, user_sid, strings (string_1, string_2, ...). Records
 * recovered from free space are reported too (recovered: true).
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <libbfio.h>
#include <libevt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win_private.h"

/* libevt in its own link-map namespace (win_dlmopen): it exports
 * its bundled copies of libfdata/libfwnt/libcerror, which would otherwise
 * be bound against the other libyal libraries' copies (other versions). */
#define EVT_FUNCS(X)                                                           \
  X(libbfio_handle_free)                                                       \
  X(libbfio_handle_initialize)                                                 \
  X(libevt_error_free)                                                         \
  X(libevt_error_sprint)                                                       \
  X(libevt_file_close)                                                         \
  X(libevt_file_free)                                                          \
  X(libevt_file_get_number_of_records)                                         \
  X(libevt_file_get_number_of_recovered_records)                               \
  X(libevt_file_get_record_by_index)                                           \
  X(libevt_file_get_recovered_record_by_index)                                 \
  X(libevt_file_initialize)                                                    \
  X(libevt_file_open_file_io_handle)                                           \
  X(libevt_record_free)                                                        \
  X(libevt_record_get_creation_time)                                           \
  X(libevt_record_get_event_category)                                          \
  X(libevt_record_get_event_identifier)                                        \
  X(libevt_record_get_event_type)                                              \
  X(libevt_record_get_identifier)                                              \
  X(libevt_record_get_number_of_strings)                                       \
  X(libevt_record_get_utf8_computer_name)                                      \
  X(libevt_record_get_utf8_computer_name_size)                                 \
  X(libevt_record_get_utf8_source_name)                                        \
  X(libevt_record_get_utf8_source_name_size)                                   \
  X(libevt_record_get_utf8_string)                                             \
  X(libevt_record_get_utf8_string_size)                                        \
  X(libevt_record_get_utf8_user_security_identifier)                           \
  X(libevt_record_get_utf8_user_security_identifier_size)                      \
  X(libevt_record_get_written_time)

static struct {
#define X(n) __typeof__(n) *n;
  EVT_FUNCS(X)
#undef X
} api;
#define A(n) (api.n)

static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static char api_err[256];

static void api_load(void)
{
  void *h, *b;
  if (win_dlmopen("libevt.so.1", &h, &b, api_err, sizeof api_err))
    return;
#define X(n)                                                                   \
  if (win_dlsym(h, b, #n, (void **)&api.n, api_err, sizeof api_err))           \
    return;
  EVT_FUNCS(X)
#undef X
}

/* libevt's error chain on one line into MSG (freed). */
static void evt_msg(libevt_error_t **e, char *msg, size_t n)
{
  msg[0] = 0;
  if (!*e)
    return;
  A(libevt_error_sprint)(*e, msg, n);
  A(libevt_error_free)(e);
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
}

typedef int (*evt_sz_fn)(libevt_record_t *, size_t *, libevt_error_t **);
typedef int (*evt_str_fn)(libevt_record_t *,
                          uint8_t *,
                          size_t,
                          libevt_error_t **);

/* A UTF-8 string getter of libevt into *BUF (grown, kept across records);
 * NULL when the record has none. */
static const char *rec_str(
    libevt_record_t *r, evt_sz_fn szf, evt_str_fn sf, char **buf, size_t *cap)
{
  size_t n = 0;
  libevt_error_t *e = NULL;
  if (szf(r, &n, &e) != 1 || n == 0 || n > (16u << 20)) {
    A(libevt_error_free)(&e);
    return NULL;
  }
  if (n > *cap) {
    char *b = realloc(*buf, n);
    if (!b)
      return NULL;
    *buf = b;
    *cap = n;
  }
  if (sf(r, (uint8_t *)*buf, n, &e) != 1) {
    A(libevt_error_free)(&e);
    return NULL;
  }
  (*buf)[n - 1] = 0;
  return *buf;
}

static const char *type_name(uint16_t t)
{
  switch (t) {
  case 0x0001:
    return "Error event";
  case 0x0002:
    return "Warning event";
  case 0x0004:
    return "Information event";
  case 0x0008:
    return "Success Audit event";
  case 0x0010:
    return "Failure Audit event";
  default:
    return "Unknown event type";
  }
}

static const char *severity_name(uint32_t s)
{
  static const char *const n[4] = {"Success", "Informational", "Warning",
                                   "Error"};
  return n[s & 3];
}

typedef struct evt_bufs {
  char *s[4];
  size_t cap[4];
} evt_bufs;

static art_status one_record(art_ctx *ctx,
                             libevt_record_t *rec,
                             int recovered,
                             win_rec *r,
                             evt_bufs *bu,
                             art_win_event_fn fn,
                             void *user)
{
  libevt_error_t *e = NULL;
  uint32_t num = 0, ctime = 0, wtime = 0, eid = 0;
  uint16_t type = 0, cat = 0;
  if (A(libevt_record_get_identifier)(rec, &num, &e) != 1)
    A(libevt_error_free)(&e);
  if (A(libevt_record_get_creation_time)(rec, &ctime, &e) != 1) {
    A(libevt_error_free)(&e);
    ctime = 0;
  }
  if (A(libevt_record_get_written_time)(rec, &wtime, &e) != 1) {
    A(libevt_error_free)(&e);
    wtime = 0;
  }
  if (A(libevt_record_get_event_identifier)(rec, &eid, &e) != 1)
    A(libevt_error_free)(&e);
  if (A(libevt_record_get_event_type)(rec, &type, &e) != 1)
    A(libevt_error_free)(&e);
  if (A(libevt_record_get_event_category)(rec, &cat, &e) != 1)
    A(libevt_error_free)(&e);
  const char *source =
      rec_str(rec, A(libevt_record_get_utf8_source_name_size),
              A(libevt_record_get_utf8_source_name), &bu->s[0], &bu->cap[0]);
  const char *computer =
      rec_str(rec, A(libevt_record_get_utf8_computer_name_size),
              A(libevt_record_get_utf8_computer_name), &bu->s[1], &bu->cap[1]);
  const char *sid =
      rec_str(rec, A(libevt_record_get_utf8_user_security_identifier_size),
              A(libevt_record_get_utf8_user_security_identifier), &bu->s[2],
              &bu->cap[2]);
  uint32_t msgid = eid & 0xffffu, facility = (eid >> 16) & 0x0fffu,
           severity = eid >> 30;
  win_rec_reset(r);
  win_attr(r, "record_number", "%" PRIu32, num);
  win_attr(r, "event_identifier", "%" PRIu32, eid);
  win_attr(r, "message_identifier", "%" PRIu32, msgid);
  win_attr(r, "facility", "%" PRIu32, facility);
  win_attr(r, "severity", "%" PRIu32, severity);
  win_attr(r, "event_type", "%u", (unsigned)type);
  win_attr(r, "event_category", "%u", (unsigned)cat);
  win_attr(r, "source_name", "%s", source ? source : "");
  win_attr(r, "computer_name", "%s", computer ? computer : "");
  if (sid)
    win_attr(r, "user_sid", "%s", sid);
  if (recovered)
    win_attr(r, "recovered", "true");
  int ns = 0;
  if (A(libevt_record_get_number_of_strings)(rec, &ns, &e) != 1) {
    A(libevt_error_free)(&e);
    ns = 0;
  }
  for (int i = 0; i < ns; i++) {
    size_t n = 0;
    if (A(libevt_record_get_utf8_string_size)(rec, i, &n, &e) != 1 || !n ||
        n > (16u << 20)) {
      A(libevt_error_free)(&e);
      continue;
    }
    if (n > bu->cap[3]) {
      char *b = realloc(bu->s[3], n);
      if (!b)
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "evt string");
      bu->s[3] = b;
      bu->cap[3] = n;
    }
    if (A(libevt_record_get_utf8_string)(rec, i, (uint8_t *)bu->s[3], n, &e) !=
        1) {
      A(libevt_error_free)(&e);
      continue;
    }
    bu->s[3][n - 1] = 0;
    char key[24];
    int kl = snprintf(key, sizeof key, "string_%d", i + 1);
    win_attr_dyn(r, key, (size_t)kl, bu->s[3], strlen(bu->s[3]));
  }
  /* plaso's winevt message shape */
  static const char *const when[2] = {"Creation Time",
                                      "Content Modification Time"};
  uint32_t t[2] = {ctime, wtime};
  art_status st = ART_OK;
  for (int k = 0; k < 2 && st == ART_OK; k++)
    st = win_emit(r, ctx, fn, user, (int64_t)t[k], 0, "windows:evt:record",
                  when[k], "EVT", "WinEVT",
                  "[%" PRIu32 " / 0x%04" PRIx32 "] Severity: %s Record "
                  "Number: %" PRIu32 " Event Type: %s Event Category: %u "
                  "Source Name: %s Computer Name: %s%s",
                  msgid, msgid, severity_name(severity), num, type_name(type),
                  (unsigned)cat, source ? source : "-",
                  computer ? computer : "-", recovered ? " (recovered)" : "");
  return st;
}

art_status art_win_parse_evt(art_ctx *ctx,
                             const art_win_input *in,
                             art_win_event_fn fn,
                             void *user)
{
  pthread_once(&api_once, api_load);
  if (api_err[0])
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0, "%s: %s", in->name,
                          api_err);
  unsigned char *data = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &data, &n);
  if (st != ART_OK)
    return st;
  libbfio_handle_t *h = NULL;
  libevt_file_t *file = NULL;
  libevt_error_t *e = NULL;
  win_rec r = {0};
  evt_bufs bu = {0};
  char msg[512];
  if (win_bfio_open(A(libbfio_handle_initialize), data, n, &h) != 1) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
    goto out;
  }
  if (A(libevt_file_initialize)(&file, &e) != 1) {
    evt_msg(&e, msg, sizeof msg);
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: libevt: %s", in->name,
                        msg);
    goto out;
  }
  if (A(libevt_file_open_file_io_handle)(file, h, LIBEVT_OPEN_READ, &e) != 1) {
    evt_msg(&e, msg, sizeof msg);
    st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "%s: not a readable EVT event log%s%s", in->name,
                        msg[0] ? ": " : "", msg);
    goto out;
  }
  int count = 0, rcount = 0, bad = 0;
  char first_err[256] = "";
  if (A(libevt_file_get_number_of_records)(file, &count, &e) != 1) {
    evt_msg(&e, msg, sizeof msg);
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: record count: %s",
                        in->name, msg);
    goto close;
  }
  for (int i = 0; i < count && st == ART_OK; i++) {
    libevt_record_t *rec = NULL;
    if (A(libevt_file_get_record_by_index)(file, i, &rec, &e) != 1) {
      if (!bad)
        evt_msg(&e, first_err, sizeof first_err);
      A(libevt_error_free)(&e);
      bad++;
      continue;
    }
    st = one_record(ctx, rec, 0, &r, &bu, fn, user);
    A(libevt_record_free)(&rec, NULL);
  }
  if (st == ART_OK &&
      A(libevt_file_get_number_of_recovered_records)(file, &rcount, &e) != 1) {
    A(libevt_error_free)(&e);
    rcount = 0;
  }
  for (int i = 0; i < rcount && st == ART_OK; i++) {
    libevt_record_t *rec = NULL;
    if (A(libevt_file_get_recovered_record_by_index)(file, i, &rec, &e) != 1) {
      A(libevt_error_free)(&e);
      continue; /* recovery is best effort */
    }
    st = one_record(ctx, rec, 1, &r, &bu, fn, user);
    A(libevt_record_free)(&rec, NULL);
  }
  /* the header's end-of-file record (40 bytes) must lie in the data: a
   * copy cut short loses its newest records without any read failing */
  uint32_t eof = win_le32(data + 20);
  if (st == ART_OK && bad)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: %d of %d records could not be read (first: %s)",
                        in->name, bad, count, first_err);
  else if (st == ART_OK && ((uint64_t)eof + 40 > n))
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: truncated: %zu bytes, the header puts the "
                        "end-of-file record at %" PRIu32,
                        in->name, n, eof);
close:
  A(libevt_file_close)(file, NULL);
out:
  A(libevt_file_free)(&file, NULL);
  A(libbfio_handle_free)(&h, NULL);
  win_rec_free(&r);
  for (int i = 0; i < 4; i++)
    free(bu.s[i]);
  free(data);
  return st;
}
