/* PDF dissector: pdfid's keyword counts (hex-obfuscated names decoded and
 * counted apart, with pdfid's own tokenizer), then the object graph through
 * libqpdf (repairing damaged files as qpdf does): JavaScript and embedded
 * files as children, URIs and launch targets as indicators, encryption and
 * repairs flagged.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect_private.h"

#define MAX_OBJECTS 1000000 /* object ids looked at */
#define MAX_LIST    100
#define MAX_STREAM  (256u << 20)

static const char *const pdfid_words[] = {
    "obj",          "endobj",      "stream",  "endstream",     "xref",
    "trailer",      "startxref",   "/Page",   "/Encrypt",      "/ObjStm",
    "/JS",          "/JavaScript", "/AA",     "/OpenAction",   "/AcroForm",
    "/JBIG2Decode", "/RichMedia",  "/Launch", "/EmbeddedFile", "/XFA",
    "/URI"};
#define N_WORDS (sizeof pdfid_words / sizeof pdfid_words[0])

/* Where "%PDF" is in the first 1024 bytes, as pdfid looks for it; -1 when
 * it is not there. */
static long header_at(const uint8_t *d, size_t n)
{
  size_t lim = n < 1024 ? n : 1024;
  for (size_t i = 0; i + 4 <= lim; i++)
    if (memcmp(d + i, "%PDF", 4) == 0)
      return (long)i;
  return -1;
}

static int pdf_recognise(const uint8_t *data, size_t len)
{
  return header_at(data, len) >= 0;
}

static int hexd(int c)
{
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int hexv(int c)
{
  return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

typedef struct word {
  char w[64];
  size_t n;
  int hex;
} word;

static void update(word *w, char slash, unsigned (*counts)[2])
{
  if (w->n) {
    char full[66];
    size_t k = 0;
    if (slash)
      full[k++] = '/';
    memcpy(full + k, w->w, w->n < 63 ? w->n : 63);
    k += w->n < 63 ? w->n : 63;
    full[k] = '\0';
    if (w->n < 63)
      for (size_t i = 0; i < N_WORDS; i++)
        if (strcmp(full, pdfid_words[i]) == 0) {
          counts[i][0]++;
          if (w->hex)
            counts[i][1]++;
        }
  }
  w->n = 0;
  w->hex = 0;
}

/* pdfid's scan: words of letters and digits, a name's "#xx" decoded into
 * the word (and the word then counted as hex-coded too), from the end of
 * the header line on. */
static void pdfid_scan(const uint8_t *d, size_t n, unsigned (*counts)[2])
{
  long h = header_at(d, n);
  size_t i = (size_t)h + 4, end = (size_t)h + 14;
  char slash = 0;
  word w = {{0}, 0, 0};
  for (; i < end && i < n; i++)
    if (d[i] == '\n' || d[i] == '\r')
      break;
  if (i >= end)
    i = end - 1;
  for (; i < n; i++) {
    int c = d[i];
    int lc = c | 0x20;
    if ((lc >= 'a' && lc <= 'z') || (c >= '0' && c <= '9')) {
      if (w.n < sizeof w.w)
        w.w[w.n] = (char)c;
      w.n++;
    } else if (slash && c == '#') {
      if (i + 2 < n && hexd(d[i + 1]) && hexd(d[i + 2])) {
        if (w.n < sizeof w.w)
          w.w[w.n] = (char)(hexv(d[i + 1]) * 16 + hexv(d[i + 2]));
        w.n++;
        w.hex = 1;
        i += 2;
      } else {
        update(&w, slash, counts);
      }
    } else {
      update(&w, slash, counts);
      slash = c == '/' ? '/' : 0;
    }
  }
  update(&w, slash, counts);
}

/* ---- qpdf ------------------------------------------------------------------
 */

typedef struct pdf_state {
  qpdf_data q;
  art_dissect_sink *sink;
  const art_dissect_input *in;
  json_t *uris, *launch, *js, *files;
  art_status st;
  size_t n_children;
} pdf_state;

static json_t *oh_text(qpdf_data q, qpdf_oh oh)
{
  size_t n = 0;
  const char *s;
  if (qpdf_oh_is_string(q, oh)) {
    s = qpdf_oh_get_binary_utf8_value(q, oh, &n);
    return art__dissect_jstrn(s, n);
  }
  if (qpdf_oh_is_name(q, oh))
    return art__dissect_jstr(qpdf_oh_get_name(q, oh));
  return json_null();
}

static void yield(pdf_state *ps,
                  const char *via,
                  const char *name,
                  const unsigned char *data,
                  size_t len,
                  int obj)
{
  char lj[64];
  if (ps->st == ART_ERR_LIMIT)
    return;
  snprintf(lj, sizeof lj, "{\"pdf_object\":%d}", obj);
  art_dissect_child c = {via, name, data, len, NULL, lj, 0};
  ps->n_children++;
  if (art_dissect_sink_child(ps->sink, &c) == ART_ERR_LIMIT)
    ps->st = ART_ERR_LIMIT;
}

/* A stream's data, decoded by every filter qpdf knows (NULL when it cannot
 * be decoded: then the raw data). */
static unsigned char *stream_data(qpdf_data q, qpdf_oh s, size_t *len)
{
  QPDF_BOOL filtered = 0;
  unsigned char *buf = NULL;
  *len = 0;
  if (qpdf_oh_get_stream_data(q, s, qpdf_dl_all, &filtered, &buf, len) !=
          QPDF_SUCCESS ||
      !buf) {
    free(buf);
    buf = NULL;
    if (qpdf_oh_get_stream_data(q, s, qpdf_dl_none, &filtered, &buf, len) !=
        QPDF_SUCCESS) {
      free(buf);
      return NULL;
    }
  }
  if (*len > MAX_STREAM)
    *len = MAX_STREAM;
  return buf;
}

static int
name_is(qpdf_data q, qpdf_oh dict, const char *key, const char *value)
{
  if (!qpdf_oh_has_key(q, dict, key))
    return 0;
  qpdf_oh v = qpdf_oh_get_key(q, dict, key);
  return qpdf_oh_is_name(q, v) && strcmp(qpdf_oh_get_name(q, v), value) == 0;
}

static void javascript(pdf_state *ps, qpdf_oh dict, int id)
{
  qpdf_data q = ps->q;
  qpdf_oh js = qpdf_oh_get_key(q, dict, "/JS");
  char name[48];
  snprintf(name, sizeof name, "javascript-%d.js", id);
  if (qpdf_oh_is_string(q, js)) {
    size_t n = 0;
    const char *s = qpdf_oh_get_binary_string_value(q, js, &n);
    yield(ps, "pdf-javascript", name, (const unsigned char *)s, n, id);
  } else if (qpdf_oh_is_stream(q, js)) {
    size_t n = 0;
    unsigned char *b = stream_data(q, js, &n);
    if (b)
      yield(ps, "pdf-javascript", name, b, n, id);
    free(b);
  }
  if (json_array_size(ps->js) < MAX_LIST)
    json_array_append_new(ps->js, json_integer(id));
}

/* A file specification with an embedded file (/EF /F stream). */
static void filespec(pdf_state *ps, qpdf_oh dict, int id)
{
  qpdf_data q = ps->q;
  qpdf_oh ef = qpdf_oh_get_key(q, dict, "/EF");
  if (!qpdf_oh_is_dictionary(q, ef))
    return;
  qpdf_oh f = qpdf_oh_has_key(q, ef, "/UF") ? qpdf_oh_get_key(q, ef, "/UF")
                                            : qpdf_oh_get_key(q, ef, "/F");
  if (!qpdf_oh_is_stream(q, f))
    return;
  json_t *nm = qpdf_oh_has_key(q, dict, "/UF")
                   ? oh_text(q, qpdf_oh_get_key(q, dict, "/UF"))
                   : oh_text(q, qpdf_oh_get_key(q, dict, "/F"));
  size_t n = 0;
  unsigned char *b = stream_data(q, f, &n);
  const char *name = json_is_string(nm) ? json_string_value(nm) : NULL;
  json_t *e = json_object();
  json_object_set_new(e, "name", json_incref(nm));
  json_object_set_new(e, "object", json_integer(id));
  json_object_set_new(e, "size", b ? json_integer((json_int_t)n) : json_null());
  if (json_array_size(ps->files) < MAX_LIST)
    json_array_append_new(ps->files, e);
  else
    json_decref(e);
  if (b)
    yield(ps, "pdf-embedded-file", name, b, n, id);
  else
    art_dissect_sink_error(ps->sink,
                           "%s: pdf: object %d: embedded file not readable",
                           ps->in->name, id);
  free(b);
  json_decref(nm);
}

static void action(pdf_state *ps, qpdf_oh dict, int id)
{
  qpdf_data q = ps->q;
  if (qpdf_oh_has_key(q, dict, "/URI")) {
    json_t *u = oh_text(q, qpdf_oh_get_key(q, dict, "/URI"));
    if (json_is_string(u) && json_array_size(ps->uris) < MAX_LIST)
      json_array_append_new(ps->uris, u);
    else
      json_decref(u);
  }
  if (name_is(q, dict, "/S", "/Launch")) {
    json_t *l = json_object();
    qpdf_oh f = qpdf_oh_get_key(q, dict, "/F");
    if (qpdf_oh_is_dictionary(q, f))
      f = qpdf_oh_get_key(q, f, "/F");
    json_object_set_new(l, "object", json_integer(id));
    json_object_set_new(l, "file", oh_text(q, f));
    qpdf_oh win = qpdf_oh_get_key(q, dict, "/Win");
    if (qpdf_oh_is_dictionary(q, win)) {
      json_object_set_new(l, "win_file",
                          oh_text(q, qpdf_oh_get_key(q, win, "/F")));
      json_object_set_new(l, "win_parameters",
                          oh_text(q, qpdf_oh_get_key(q, win, "/P")));
    }
    if (json_array_size(ps->launch) < MAX_LIST)
      json_array_append_new(ps->launch, l);
    else
      json_decref(l);
  }
  if (qpdf_oh_has_key(q, dict, "/JS"))
    javascript(ps, dict, id);
}

/* Look at dictionary D (object ID) and the direct dictionaries and arrays
 * inside it (an annotation's /A action is usually direct); indirect
 * objects are visited on their own. */
static void visit(pdf_state *ps, qpdf_oh d, int id, unsigned depth)
{
  qpdf_data q = ps->q;
  if (depth > 32 || ps->st == ART_ERR_LIMIT)
    return;
  if (qpdf_oh_is_array(q, d)) {
    int n = qpdf_oh_get_array_n_items(q, d);
    for (int i = 0; i < n && i < 10000; i++) {
      qpdf_oh v = qpdf_oh_get_array_item(q, d, i);
      if (!qpdf_oh_is_indirect(q, v) &&
          (qpdf_oh_is_dictionary(q, v) || qpdf_oh_is_array(q, v)))
        visit(ps, v, id, depth + 1);
    }
    return;
  }
  if (!qpdf_oh_is_dictionary(q, d))
    return;
  if (qpdf_oh_has_key(q, d, "/EF"))
    filespec(ps, d, id);
  if (qpdf_oh_has_key(q, d, "/S") || qpdf_oh_has_key(q, d, "/URI") ||
      qpdf_oh_has_key(q, d, "/JS"))
    action(ps, d, id);
  /* keys first (the iterator is qpdf's own state), then the values */
  char *keys[256];
  size_t nk = 0;
  qpdf_oh_begin_dict_key_iter(q, d);
  while (qpdf_oh_dict_more_keys(q) && nk < 256) {
    const char *k = qpdf_oh_dict_next_key(q);
    keys[nk] = k ? strdup(k) : NULL;
    if (keys[nk])
      nk++;
  }
  for (size_t i = 0; i < nk; i++) {
    qpdf_oh v = qpdf_oh_get_key(q, d, keys[i]);
    if (!qpdf_oh_is_indirect(q, v) &&
        (qpdf_oh_is_dictionary(q, v) || qpdf_oh_is_array(q, v)))
      visit(ps, v, id, depth + 1);
    free(keys[i]);
  }
}

static art_status
pdf_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  unsigned counts[N_WORDS][2];
  json_t *sum = json_object(), *kw = json_object();
  art_status st = ART_OK;
  int hex_names = 0;
  (void)ctx;
  memset(counts, 0, sizeof counts);
  pdfid_scan(in->data, in->len, counts);
  for (size_t i = 0; i < N_WORDS; i++) {
    json_t *e = json_object();
    json_object_set_new(e, "count", json_integer(counts[i][0]));
    json_object_set_new(e, "hex", json_integer(counts[i][1]));
    json_object_set_new(kw, pdfid_words[i], e);
    hex_names |= pdfid_words[i][0] == '/' && counts[i][1];
  }
  json_object_set_new(sum, "pdfid", kw);
  if (hex_names)
    art_dissect_sink_flag(sink, "pdf_hex_obfuscated_name");

  pdf_state ps = {qpdf_init(),  sink,         in,
                  json_array(), json_array(), json_array(),
                  json_array(), ART_OK,       0};
  qpdf_data q = ps.q;
  qpdf_silence_errors(q);
  qpdf_set_suppress_warnings(q, 1);
  QPDF_ERROR_CODE rc =
      qpdf_read_memory(q, in->name, (const char *)in->data, in->len, "");
  json_t *warn = json_array();
  size_t n_warn = 0;
  while (qpdf_more_warnings(q)) {
    qpdf_error w = qpdf_next_warning(q);
    if (json_array_size(warn) < 20)
      json_array_append_new(
          warn, art__dissect_jstr(qpdf_get_error_message_detail(q, w)));
    n_warn++;
  }
  if (rc & QPDF_ERRORS) {
    qpdf_error e = qpdf_get_error(q);
    art_dissect_sink_error(sink, "%s: pdf: %s", in->name,
                           e ? qpdf_get_error_full_text(q, e)
                             : "libqpdf could not read it");
    json_object_set_new(sum, "readable", json_false());
    json_object_set_new(sum, "warnings", warn);
    json_object_set_new(sum, "repaired", json_boolean(n_warn > 0));
    if (counts[8][0]) {
      json_object_set_new(sum, "encrypted", json_true());
      art_dissect_sink_flag(sink, "encrypted");
    }
    json_decref(ps.uris);
    json_decref(ps.launch);
    json_decref(ps.js);
    json_decref(ps.files);
    qpdf_cleanup(&q);
    art__dissect_summary(sink, sum);
    return ART_ERR_CORRUPT;
  }
  json_object_set_new(sum, "readable", json_true());
  json_object_set_new(sum, "version",
                      art__dissect_jstr(qpdf_get_pdf_version(q)));
  int enc = qpdf_is_encrypted(q) != 0;
  json_object_set_new(sum, "encrypted", json_boolean(enc));
  if (enc)
    art_dissect_sink_flag(sink, "encrypted");
  json_object_set_new(sum, "pages", json_integer(qpdf_get_num_pages(q)));
  qpdf_oh root = qpdf_get_root(q);
  int open_action = 0, acroform = 0;
  if (qpdf_has_error(q) || !qpdf_oh_is_dictionary(q, root)) {
    qpdf_error e = qpdf_get_error(q);
    art_dissect_sink_error(sink, "%s: pdf: no document catalog%s%s", in->name,
                           e ? ": " : "",
                           e ? qpdf_get_error_message_detail(q, e) : "");
    st = ART_ERR_CORRUPT;
  } else {
    open_action = qpdf_oh_has_key(q, root, "/OpenAction");
    acroform = qpdf_oh_has_key(q, root, "/AcroForm");
  }
  json_object_set_new(sum, "open_action", json_boolean(open_action));
  json_object_set_new(sum, "acroform", json_boolean(acroform));
  /* Every object id the trailer's /Size allows (object streams included:
   * qpdf resolves them). */
  qpdf_oh tr = qpdf_get_trailer(q);
  long long size = qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, tr, "/Size"));
  /* An object takes more than 8 bytes: a larger /Size is a lie. */
  long long most = (long long)(in->len / 8) + 1;
  if (most > MAX_OBJECTS)
    most = MAX_OBJECTS;
  if (size <= 0 || size > most)
    size = most;
  size_t objects = 0;
  for (int id = 1; id < size && ps.st != ART_ERR_LIMIT; id++) {
    qpdf_oh o = qpdf_get_object_by_id(q, id, 0);
    qpdf_oh d = o;
    if (qpdf_oh_is_null(q, o)) {
      qpdf_oh_release(q, o);
      continue;
    }
    objects++;
    if (qpdf_oh_is_stream(q, o))
      d = qpdf_oh_get_dict(q, o);
    visit(&ps, d, id, 0);
    qpdf_oh_release_all(q);
    if (qpdf_has_error(q))
      qpdf_get_error(q); /* handled: a damaged object is skipped */
  }
  json_object_set_new(sum, "objects", json_integer((json_int_t)objects));
  while (qpdf_more_warnings(q)) {
    qpdf_error w = qpdf_next_warning(q);
    if (json_array_size(warn) < 20)
      json_array_append_new(
          warn, art__dissect_jstr(qpdf_get_error_message_detail(q, w)));
    n_warn++;
  }
  json_object_set_new(sum, "repaired", json_boolean(n_warn > 0));
  json_object_set_new(sum, "warnings", warn);
  json_object_set_new(sum, "javascript_objects", ps.js);
  json_object_set_new(sum, "embedded_files", ps.files);
  json_object_set_new(sum, "uris", ps.uris);
  json_object_set_new(sum, "launch", ps.launch);
  if (n_warn)
    art_dissect_sink_flag(sink, "pdf_repaired");
  if (open_action)
    art_dissect_sink_flag(sink, "pdf_openaction");
  if (json_array_size(ps.js) || counts[10][0] || counts[11][0])
    art_dissect_sink_flag(sink, "pdf_javascript");
  if (json_array_size(ps.launch) || counts[17][0])
    art_dissect_sink_flag(sink, "pdf_launch");
  if (json_array_size(ps.files) || counts[18][0])
    art_dissect_sink_flag(sink, "pdf_embedded_file");
  if (ps.st != ART_OK)
    st = ps.st;
  if (qpdf_has_error(q))
    qpdf_get_error(q);
  qpdf_cleanup(&q);
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_pdf = {
    "pdf",
    "PDF: pdfid counts, JavaScript, embedded files, URIs, launch "
    "actions (libqpdf)",
    pdf_recognise, pdf_run};
