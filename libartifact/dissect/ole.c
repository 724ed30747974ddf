/* OLE2 compound file dissector (doc, xls, ppt, msg, msi, vbaProject.bin,
 * oleObject*.bin): streams listed, application guessed, encryption
 * flagged, VBA projects (vba.c) and OLE1 native embedded files as children.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"

#define MAX_STREAMS_LISTED 1000

static int ole_recognise(const uint8_t *data, size_t len)
{
  return art__cfb_is_cfb(data, len);
}

static uint8_t *read_path(cfb *c, const char *path, uint64_t max, size_t *len)
{
  long i = art__cfb_find(c, path);
  *len = 0;
  return i >= 0 ? art__cfb_read(c, (size_t)i, max, len) : NULL;
}

/* How the file says it is encrypted, or NULL: the OOXML encryption
 * streams, Word's FIB fEncrypted bit, an Excel FILEPASS record, a
 * PowerPoint encrypted current-user token or EncryptedSummary stream. */
static const char *encryption(cfb *c)
{
  size_t n;
  uint8_t *b;
  const char *how = NULL;
  if (art__cfb_find(c, "EncryptionInfo") >= 0 &&
      art__cfb_find(c, "EncryptedPackage") >= 0)
    return "ooxml_encrypted_package";
  if ((b = read_path(c, "WordDocument", 64, &n)) != NULL) {
    if (n >= 12 && le16(b) == 0xa5ec && (le16(b + 10) & 0x0100))
      how = "word_fib_encrypted";
    free(b);
    if (how)
      return how;
  }
  b = read_path(c, "Workbook", 1u << 20, &n);
  if (!b)
    b = read_path(c, "Book", 1u << 20, &n);
  if (b) {
    /* FILEPASS comes in the globals substream, after BOF. */
    for (size_t i = 0, recs = 0; i + 4 <= n && recs < 200; recs++) {
      uint16_t id = le16(b + i), rl = le16(b + i + 2);
      if (id == 0x002f) {
        how = "excel_filepass";
        break;
      }
      if (id == 0x000a && recs > 0) /* EOF of the globals */
        break;
      i += 4u + rl;
    }
    free(b);
    if (how)
      return how;
  }
  if (art__cfb_find(c, "EncryptedSummary") >= 0)
    return "powerpoint_encrypted_summary";
  if ((b = read_path(c, "Current User", 64, &n)) != NULL) {
    if (n >= 16 && le32(b + 12) == 0xf3d1c4dfu)
      how = "powerpoint_current_user";
    free(b);
  }
  return how;
}

static const char *application(cfb *c)
{
  if (art__cfb_find(c, "WordDocument") >= 0)
    return "word";
  if (art__cfb_find(c, "Workbook") >= 0 || art__cfb_find(c, "Book") >= 0)
    return "excel";
  if (art__cfb_find(c, "PowerPoint Document") >= 0)
    return "powerpoint";
  if (art__cfb_find(c, "__properties_version1.0") >= 0)
    return "outlook";
  if (art__cfb_find(c, "EncryptedPackage") >= 0)
    return "encrypted_ooxml";
  for (size_t i = 0; i < art__cfb_count(c); i++) {
    const cfb_entry *e = art__cfb_entry(c, i);
    if (e->path && e->type == CFB_STORAGE && strcasecmp(e->name, "VBA") == 0)
      return "vba_project";
  }
  if (art__cfb_find(c, "\\x01Ole10Native") >= 0 ||
      art__cfb_find(c, "\\x01Ole") >= 0)
    return "ole_object";
  return "other";
}

static size_t cstr_len(const uint8_t *p, size_t n)
{
  const uint8_t *z = memchr(p, 0, n);
  return z ? (size_t)(z - p) : n;
}

/* OLE1 "Package" native data (\x01Ole10Native): size, flags, label,
 * source path, two longs, temp path, then the embedded file. */
static art_status native_object(cfb *c,
                                size_t idx,
                                const art_dissect_input *in,
                                art_dissect_sink *sink,
                                json_t *objs)
{
  size_t n = 0, p = 6, l1, l2, l3;
  art_status st = ART_OK;
  uint8_t *b = art__cfb_read(c, idx, (uint64_t)1 << 30, &n);
  const cfb_entry *e = art__cfb_entry(c, idx);
  json_t *o = json_object();
  json_object_set_new(o, "stream", art__dissect_jstr(e->path));
  if (!b || n < 6) {
    free(b);
    json_decref(o);
    return ART_OK;
  }
  l1 = cstr_len(b + p, n - p);
  char *label = strndup((const char *)b + p, l1);
  p += l1 + 1;
  l2 = p < n ? cstr_len(b + p, n - p) : 0;
  char *src = p < n ? strndup((const char *)b + p, l2) : NULL;
  p += l2 + 1 + 8;
  l3 = p < n ? cstr_len(b + p, n - p) : 0;
  char *tmp = p < n ? strndup((const char *)b + p, l3) : NULL;
  p += l3 + 1;
  json_object_set_new(o, "label", art__dissect_jstr(label));
  json_object_set_new(o, "source_path", art__dissect_jstr(src));
  json_object_set_new(o, "temp_path", art__dissect_jstr(tmp));
  if (p + 4 <= n) {
    uint32_t size = le32(b + p);
    size_t have = n - p - 4 < size ? n - p - 4 : size;
    json_object_set_new(o, "size", json_integer(size));
    art_dissect_child ch = {"ole-native", label && *label ? label : NULL,
                            b + p + 4,    have,
                            NULL,         NULL,
                            have < size};
    if (have < size)
      art_dissect_sink_error(sink,
                             "%s: ole: %s: embedded file cut (%zu of "
                             "%u bytes)",
                             in->name, e->path, have, size);
    st = art_dissect_sink_child(sink, &ch);
  } else {
    art_dissect_sink_error(sink, "%s: ole: %s: no embedded file data", in->name,
                           e->path);
  }
  json_array_append_new(objs, o);
  free(label);
  free(src);
  free(tmp);
  free(b);
  return st == ART_ERR_LIMIT ? ART_ERR_LIMIT : ART_OK;
}

static art_status
ole_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  cfb *c = NULL;
  char err[256] = "";
  art_status st;
  json_t *sum, *streams, *objs;
  size_t n_streams = 0, n_storages = 0;
  int xlm_done = 0;
  (void)ctx;
  st = art__cfb_open(in->data, in->len, &c, err, sizeof err);
  if (st != ART_OK) {
    if (st != ART_ERR_NOMEM)
      art_dissect_sink_error(sink, "%s: ole: %s", in->name, err);
    return st == ART_ERR_FORMAT ? ART_ERR_CORRUPT : st;
  }
  sum = json_object();
  streams = json_array();
  objs = json_array();
  const cfb_entry *root = art__cfb_entry(c, 0);
  char clsid[40];
  const uint8_t *g = root->clsid;
  snprintf(clsid, sizeof clsid,
           "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%"
           "02X",
           g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10],
           g[11], g[12], g[13], g[14], g[15]);
  json_object_set_new(sum, "application", json_string(application(c)));
  json_object_set_new(sum, "root_clsid", json_string(clsid));
  for (size_t i = 1; i < art__cfb_count(c); i++) {
    const cfb_entry *e = art__cfb_entry(c, i);
    if (!e->path)
      continue;
    if (e->type == CFB_STORAGE)
      n_storages++;
    if (e->type != CFB_STREAM)
      continue;
    n_streams++;
    if (json_array_size(streams) < MAX_STREAMS_LISTED) {
      json_t *s = json_object();
      json_object_set_new(s, "path", art__dissect_jstr(e->path));
      json_object_set_new(s, "size", json_integer((json_int_t)e->size));
      json_array_append_new(streams, s);
    }
  }
  json_object_set_new(sum, "stream_count", json_integer((json_int_t)n_streams));
  json_object_set_new(sum, "storage_count",
                      json_integer((json_int_t)n_storages));
  json_object_set_new(sum, "streams", streams);
  const char *enc = encryption(c);
  json_object_set_new(sum, "encrypted", json_boolean(enc != NULL));
  json_object_set_new(sum, "encryption", enc ? json_string(enc) : json_null());
  if (enc)
    art_dissect_sink_flag(sink, "encrypted");
  st = art__vba_dissect(c, in, sink, sum);
  if (enc && strcmp(enc, "ooxml_encrypted_package") == 0) {
    art_status s3 = art__office_decrypt_ooxml(c, in, sink, sum);
    if (s3 != ART_OK && st == ART_OK)
      st = s3;
  } else if (enc && strcmp(enc, "excel_filepass") == 0) {
    /* the Workbook decrypted (RC4): its sheets and macros read from it */
    size_t wn = 0, dn = 0;
    uint8_t *wb = read_path(c, "Workbook", (uint64_t)1 << 30, &wn), *dec;
    art_status s3 = ART_OK;
    if (!wb)
      wb = read_path(c, "Book", (uint64_t)1 << 30, &wn);
    dec = wb ? art__office_decrypt_biff(wb, wn, in, sink, sum, &dn, &s3) : NULL;
    free(wb);
    if (s3 != ART_OK && (st == ART_OK || s3 == ART_ERR_LIMIT))
      st = s3;
    if (dec && st != ART_ERR_LIMIT) {
      s3 = art__xlm_dissect_stream(dec, dn, in, sink, sum);
      if (s3 != ART_OK && (st == ART_OK || s3 == ART_ERR_LIMIT))
        st = s3;
      xlm_done = 1;
    } else {
      free(dec);
    }
  } else if (enc && strcmp(enc, "word_fib_encrypted") == 0) {
    art_status s3 = art__office_decrypt_word(c, in, sink, sum);
    if (s3 != ART_OK && (st == ART_OK || s3 == ART_ERR_LIMIT))
      st = s3;
  } else if (enc) {
    /* PowerPoint RC4 CryptoAPI: the persist objects decrypted, the
     * storages (VBA project, embedded objects) read from them */
    size_t dn = 0, no = 0;
    size_t(*pobj)[2] = NULL;
    art_status s3 = ART_OK;
    uint8_t *dec =
        art__office_decrypt_ppt(c, in, sink, sum, &dn, &pobj, &no, &s3);
    if (s3 != ART_OK && (st == ART_OK || s3 == ART_ERR_LIMIT))
      st = s3;
    if (dec && st != ART_ERR_LIMIT) {
      s3 = art__ole_ppt_stream(dec, dn, (const size_t(*)[2])pobj, no, in, sink,
                               sum);
      if (s3 != ART_OK && (st == ART_OK || s3 == ART_ERR_LIMIT))
        st = s3;
    }
    free(pobj);
    free(dec);
  }
  if (!xlm_done && st != ART_ERR_LIMIT) {
    art_status s4 = art__xlm_dissect(c, in, sink, sum);
    if (s4 != ART_OK && (st == ART_OK || s4 == ART_ERR_LIMIT))
      st = s4;
  }
  if (!enc && st != ART_ERR_LIMIT) {
    /* encrypted records would read as noise */
    art_status s3 = art__ole_ppt(c, in, sink, sum);
    if (s3 != ART_OK && (st == ART_OK || s3 == ART_ERR_LIMIT))
      st = s3;
  }
  for (size_t i = 1; i < art__cfb_count(c) && st != ART_ERR_LIMIT; i++) {
    const cfb_entry *e = art__cfb_entry(c, i);
    if (e->path && e->type == CFB_STREAM &&
        strcmp(e->name, "\\x01Ole10Native") == 0)
      if (native_object(c, i, in, sink, objs) == ART_ERR_LIMIT)
        st = ART_ERR_LIMIT;
  }
  json_object_set_new(sum, "native_objects", objs);
  if (json_array_size(objs))
    art_dissect_sink_flag(sink, "ole_embedded_file");
  json_object_set_new(sum, "partial", json_boolean(art__cfb_partial(c)));
  if (art__cfb_partial(c)) {
    art_dissect_sink_error(sink,
                           "%s: ole: damaged compound file (a chain, index or "
                           "size does not add up): what could be read is "
                           "reported",
                           in->name);
    if (st == ART_OK)
      st = ART_ERR_CORRUPT;
  }
  art__cfb_free(c);
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_ole = {
    "ole",
    "OLE2 compound files: streams, encryption, VBA macros, embedded "
    "files",
    ole_recognise, ole_run};
