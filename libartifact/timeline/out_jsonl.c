/* JSON Lines writer in the shape Timesketch imports as it is.
 * SPDX-License-Identifier: Apache-2.0
 *
 * One object per event: message, datetime (ISO 8601, microseconds, with
 * the display zone's offset), timestamp (microseconds since the epoch),
 * timestamp_desc (plaso's vocabulary), plus timestamp_ns (integer
 * nanoseconds, as a string) and datetime_full (9 fractional digits), and the
 * provenance fields documented in docs/timeline-formats.md.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "timeline_private.h"

struct json_t *art__tl_jstr(const char *s, size_t n)
{
  json_t *j = json_stringn(s, n);
  if (j)
    return j;
  art__tl_buf b = {0};
  if (art__tl_escape(&b, s, n, TL_ESC_TEXT) == 0)
    j = json_stringn(b.p ? b.p : "", b.len);
  art__tl_buf_free(&b);
  return j;
}

static art_status j_begin(art_timeline *tl, void **state)
{
  (void)tl;
  *state = NULL;
  return ART_OK;
}

static const char *alloc_name(int a)
{
  return a == TL_ALLOC     ? "allocated"
         : a == TL_DELETED ? "deleted"
                           : "reallocated";
}

/* A Windows artifact event: plaso's fields (message, data_type,
 * timestamp_desc, source_short/source_long, filename) plus the parser's
 * attributes as top-level fields (an attribute whose name is taken by a
 * standard field gets an "attr_" prefix). */
static json_t *art_json(art_timeline *tl, const art__tl_event *ev)
{
  char dt[64], dtn[64], ns[48];
  if (art__tl_iso(dt, sizeof dt, ev->sec, ev->nsec, 6) ||
      art__tl_iso(dtn, sizeof dtn, ev->sec, ev->nsec, 9))
    return NULL;
  art__tl_ns(ns, sizeof ns, ev->sec, ev->nsec);
  const art__tl_source *src = &tl->srcs[ev->src];
  char desc[96];
  snprintf(desc, sizeof desc, "%.*s", (int)ev->tdesc_len, ev->tdesc);
  int slot = art__tl_desc_slot(desc);
  char macb[5] = "....";
  if (slot >= 0)
    macb[slot] = "macb"[slot];
  json_t *o = json_object();
  if (!o)
    return NULL;
  art__tl_buf disp = {0};
  int bad =
      art__tl_buf_add(&disp, ev->srcl, ev->srcl_len) ||
      art__tl_buf_addc(&disp, ':') ||
      art__tl_buf_add(&disp, ev->file, ev->file_len) ||
      json_object_set_new(o, "message", art__tl_jstr(ev->msg, ev->msg_len)) ||
      json_object_set_new(o, "datetime", json_string(dt)) ||
      json_object_set_new(
          o, "timestamp",
          json_integer(ev->sec * 1000000 + (int64_t)(ev->nsec / 1000u))) ||
      json_object_set_new(o, "timestamp_desc",
                          art__tl_jstr(ev->tdesc, ev->tdesc_len)) ||
      json_object_set_new(o, "timestamp_ns", json_string(ns)) ||
      json_object_set_new(o, "datetime_full", json_string(dtn)) ||
      json_object_set_new(o, "macb", json_string(macb)) ||
      json_object_set_new(o, "data_type",
                          art__tl_jstr(ev->dtype, ev->dtype_len)) ||
      json_object_set_new(o, "source_short",
                          art__tl_jstr(ev->srcs, ev->srcs_len)) ||
      json_object_set_new(o, "source_long",
                          art__tl_jstr(ev->srcl, ev->srcl_len)) ||
      json_object_set_new(o, "display_name",
                          art__tl_jstr(disp.p ? disp.p : "", disp.len)) ||
      json_object_set_new(o, "filename",
                          art__tl_jstr(ev->file, ev->file_len)) ||
      (ev->meta_addr &&
       json_object_set_new(o, "inode",
                           json_integer((json_int_t)ev->meta_addr))) ||
      json_object_set_new(o, "evidence",
                          art__tl_jstr(src->evidence, strlen(src->evidence))) ||
      json_object_set_new(o, "origin", json_string(src->origin)) ||
      (src->fs_type[0] &&
       json_object_set_new(o, "fs_type",
                           art__tl_jstr(src->fs_type, strlen(src->fs_type)))) ||
      (src->has_offset &&
       json_object_set_new(o, "fs_offset",
                           json_integer((json_int_t)src->fs_offset))) ||
      (src->sha256 &&
       json_object_set_new(o, "evidence_sha256", json_string(src->sha256))) ||
      json_object_set_new(o, "schema", json_integer(1));
  art__tl_buf_free(&disp);
  for (size_t i = 0; !bad && i < ev->attrs_len;) {
    const char *k = ev->attrs + i;
    size_t kl = strnlen(k, ev->attrs_len - i);
    if (i + kl + 1 > ev->attrs_len)
      break;
    const char *v = k + kl + 1;
    size_t vl = strnlen(v, ev->attrs_len - i - kl - 1);
    i += kl + 1 + vl + 1;
    char key[160];
    snprintf(key, sizeof key, "%s%.*s", json_object_get(o, k) ? "attr_" : "",
             (int)(kl < 150 ? kl : 150), k);
    bad = json_object_set_new(o, key, art__tl_jstr(v, vl));
  }
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* Build the object for one event (also used by the HTML writer). */
json_t *art__tl_event_json(art_timeline *tl, const art__tl_event *ev);
json_t *art__tl_event_json(art_timeline *tl, const art__tl_event *ev)
{
  if (ev->dtype_len)
    return art_json(tl, ev);
  unsigned kind = 0;
  while (kind < ART_TIMELINE_KIND_COUNT_ && !(ev->kinds & (1u << kind)))
    kind++;
  char dt[64], dtn[64], ns[48];
  if (art__tl_iso(dt, sizeof dt, ev->sec, ev->nsec, 6) ||
      art__tl_iso(dtn, sizeof dtn, ev->sec, ev->nsec, 9))
    return NULL;
  art__tl_ns(ns, sizeof ns, ev->sec, ev->nsec);
  const art__tl_source *src = &tl->srcs[ev->src];
  char macb[5] = "....";
  unsigned base = kind >= ART_TIMELINE_FN_M ? kind - ART_TIMELINE_FN_M : kind;
  if (base < 4)
    macb[base] = "macb"[base];
  const char *scheme = strcmp(src->origin, "tsk") == 0       ? "TSK:"
                       : strcmp(src->origin, "statx") == 0   ? "OS:"
                       : strcmp(src->origin, "archive") == 0 ? "ARCHIVE:"
                                                             : "BODY:";
  char display[16];
  snprintf(display, sizeof display, "%s", scheme);
  json_t *o = json_object();
  if (!o)
    return NULL;
  json_t *name = art__tl_jstr(ev->name, ev->name_len);
  json_t *disp = NULL;
  if (name) {
    size_t dl = strlen(display);
    char *d = malloc(dl + ev->name_len + 1);
    if (d) {
      memcpy(d, display, dl);
      memcpy(d + dl, ev->name, ev->name_len);
      disp = json_stringn(d, dl + ev->name_len);
      free(d);
    }
  }
  int64_t us = ev->sec * 1000000 + (int64_t)(ev->nsec / 1000u);
  int bad = !name || !disp;
  bad =
      bad || json_object_set_new(o, "message", json_copy(name)) ||
      json_object_set_new(o, "datetime", json_string(dt)) ||
      json_object_set_new(o, "timestamp", json_integer(us)) ||
      json_object_set_new(
          o, "timestamp_desc",
          json_string(art__tl_kind_desc((art_timeline_kind)kind))) ||
      json_object_set_new(o, "timestamp_ns", json_string(ns)) ||
      json_object_set_new(o, "datetime_full", json_string(dtn)) ||
      json_object_set_new(
          o, "time_kind",
          json_string(art__tl_kind_name((art_timeline_kind)kind))) ||
      json_object_set_new(o, "macb", json_string(macb)) ||
      json_object_set_new(o, "data_type", json_string("fs:stat")) ||
      json_object_set_new(o, "display_name", disp) ||
      json_object_set(o, "path", name) ||
      json_object_set_new(o, "inode", art__tl_jstr(ev->inode, ev->inode_len)) ||
      json_object_set_new(o, "meta_addr",
                          json_integer((json_int_t)ev->meta_addr)) ||
      json_object_set_new(o, "mode", art__tl_jstr(ev->mode, ev->mode_len)) ||
      json_object_set_new(o, "uid", json_integer((json_int_t)ev->uid)) ||
      json_object_set_new(o, "gid", json_integer((json_int_t)ev->gid)) ||
      json_object_set_new(o, "size", json_integer((json_int_t)ev->size)) ||
      json_object_set_new(o, "allocated",
                          json_boolean(ev->alloc == TL_ALLOC)) ||
      json_object_set_new(o, "allocation",
                          json_string(alloc_name(ev->alloc))) ||
      json_object_set_new(o, "evidence",
                          art__tl_jstr(src->evidence, strlen(src->evidence))) ||
      json_object_set_new(o, "origin", json_string(src->origin)) ||
      json_object_set_new(o, "fs_type",
                          art__tl_jstr(src->fs_type, strlen(src->fs_type))) ||
      (src->has_offset &&
       json_object_set_new(o, "fs_offset",
                           json_integer((json_int_t)src->fs_offset))) ||
      (src->sha256 &&
       json_object_set_new(o, "evidence_sha256", json_string(src->sha256))) ||
      (src->tz &&
       json_object_set_new(o, "fs_timezone",
                           art__tl_jstr(src->tz, strlen(src->tz)))) ||
      json_object_set_new(o, "schema", json_integer(1));
  json_decref(name);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static art_status j_row(art_timeline *tl, void *state, const art__tl_event *ev)
{
  (void)state;
  json_t *o = art__tl_event_json(tl, ev);
  if (!o)
    return ART_ERR_NOMEM;
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(o);
  if (!s)
    return ART_ERR_NOMEM;
  size_t n = strlen(s);
  int ok = fwrite(s, 1, n, tl->out) == n && fputc('\n', tl->out) != EOF;
  free(s);
  return ok ? ART_OK : ART_ERR_IO;
}

static art_status j_end(art_timeline *tl, void *state)
{
  (void)tl;
  (void)state;
  return ART_OK;
}

const art__tl_writer art__tl_writer_jsonl = {j_begin, j_row, j_end};
