/* OneNote dissector (.one and .onetoc2, [MS-ONESTORE] revision store):
 * embedded files (FileDataStoreObject, the .hta/.bat/.exe of the 2023
 * phishing wave) found by their header GUID, as Strelka's onenote scanner
 * finds them, and yielded as children with their offset.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect_private.h"

#define MAX_FILES 1000
#define MAX_LIST  100

/* GUIDs as stored (little-endian fields). */
static const uint8_t guid_one[16] = {0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8,
                                     0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x37,
                                     0xba, 0x2d, 0x84, 0xad};
static const uint8_t guid_toc2[16] = {0xa1, 0x2f, 0xff, 0x43, 0xd9, 0xef,
                                      0x76, 0x4c, 0x9e, 0xe2, 0x10, 0xea,
                                      0x57, 0x22, 0x76, 0x5f};
/* FileDataStoreObject guidHeader {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}
 * and guidFooter {71FBA722-0F79-4A0B-BB13-899256426B24}. */
static const uint8_t guid_fdso[16] = {0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26,
                                      0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d,
                                      0x0b, 0x7a, 0x9e, 0xac};
static const uint8_t guid_footer[16] = {0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f,
                                        0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92,
                                        0x56, 0x42, 0x6b, 0x24};

static uint64_t le64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static int onenote_recognise(const uint8_t *d, size_t n)
{
  return n >= 1024 &&
         (memcmp(d, guid_one, 16) == 0 || memcmp(d, guid_toc2, 16) == 0);
}

static art_status
onenote_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  const uint8_t *d = in->data;
  size_t n = in->len, count = 0;
  art_status st = ART_OK;
  int damaged = 0;
  (void)ctx;
  if (!onenote_recognise(d, n)) {
    art_dissect_sink_error(sink, "%s: onenote: no OneNote file header",
                           in->name);
    return ART_ERR_CORRUPT;
  }
  json_t *sum = json_object(), *files = json_array();
  json_object_set_new(
      sum, "format",
      json_string(memcmp(d, guid_one, 16) == 0 ? "section" : "toc"));
  /* A FileDataStoreObject: guidHeader, cbLength (8), unused (4),
   * reserved (8), FileData, padding to 8 bytes, guidFooter. */
  for (size_t o = 16; o + 36 <= n && st == ART_OK;) {
    const uint8_t *h = memmem(d + o, n - o, guid_fdso, 16);
    if (!h)
      break;
    size_t at = (size_t)(h - d);
    o = at + 16;
    if (n - at < 36)
      break;
    uint64_t len = le64(h + 16);
    size_t data = at + 36, have = n - data;
    int cut = len > have;
    size_t give = cut ? have : (size_t)len;
    int footer = 0;
    if (!cut) {
      size_t f = data + (((size_t)len + 7u) & ~(size_t)7u);
      footer = f + 16 <= n && memcmp(d + f, guid_footer, 16) == 0;
    }
    if (++count > MAX_FILES) {
      art_dissect_sink_error(sink,
                             "%s: onenote: more than %u embedded files: the "
                             "rest are not examined",
                             in->name, MAX_FILES);
      break;
    }
    if (cut) {
      damaged = 1;
      art_dissect_sink_error(sink,
                             "%s: onenote: embedded file at offset %zu cut "
                             "(%zu of %llu bytes)",
                             in->name, at, give, (unsigned long long)len);
    }
    if (json_array_size(files) < MAX_LIST) {
      json_t *f = json_object();
      json_object_set_new(f, "offset", json_integer((json_int_t)at));
      json_object_set_new(f, "size", json_integer((json_int_t)len));
      json_object_set_new(f, "footer", json_boolean(footer));
      json_array_append_new(files, f);
    }
    char lj[64];
    snprintf(lj, sizeof lj, "{\"onenote_offset\":%zu}", at);
    art_dissect_child c = {"onenote-file", NULL, d + data, give, NULL, lj, cut};
    if (art_dissect_sink_child(sink, &c) == ART_ERR_LIMIT)
      st = ART_ERR_LIMIT;
    /* The next object starts after this one's data when it adds up. */
    if (!cut)
      o = data + (size_t)len;
  }
  json_object_set_new(sum, "file_count", json_integer((json_int_t)count));
  json_object_set_new(sum, "files", files);
  json_object_set_new(sum, "partial", json_boolean(damaged));
  if (count)
    art_dissect_sink_flag(sink, "onenote_embedded_file");
  if (damaged && st == ART_OK)
    st = ART_ERR_CORRUPT;
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_onenote = {
    "onenote", "OneNote sections (.one): embedded files", onenote_recognise,
    onenote_run};
