/* The dissector registry and the sink dissectors report through.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"
#include "dissect_private.h"
#include "text_private.h"

/* Tried in this order: the more specific formats first. */
static const art_dissector *const registry[] = {
    /* clang-format off */
    &art__dissect_ole,
    &art__dissect_msg,
    &art__dissect_tnef,
    &art__dissect_onenote,
    &art__dissect_ooxml,
    &art__dissect_mso,
    &art__dissect_odf,
    &art__dissect_rtf,
    &art__dissect_pdf,
    &art__dissect_authenticode,
    &art__dissect_lnk,
    &art__dissect_email,
    &art__dissect_script,
    /* clang-format on */
};

#define N_REGISTRY (sizeof registry / sizeof registry[0])

size_t art_dissect_count(void)
{
  return N_REGISTRY;
}

const art_dissector *art_dissect_at(size_t index)
{
  return index < N_REGISTRY ? registry[index] : NULL;
}

const art_dissector *art_dissect_find(const char *name)
{
  for (size_t i = 0; name && i < N_REGISTRY; i++)
    if (strcmp(registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}

/* ---- the sink ------------------------------------------------------------ */

#define SINK_MAX_MESSAGES 64

struct art_dissect_sink {
  art_dissect_child_cb child;
  void *userdata;
  char *summary;
  char **flags, **errors;
  size_t n_flags, n_errors;
  uint64_t children;
};

art_status art_dissect_sink_new(art_ctx *ctx,
                                art_dissect_child_cb child,
                                void *userdata,
                                art_dissect_sink **out)
{
  art_dissect_sink *s;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "dissect: no output");
  *out = NULL;
  s = art__calloc(ctx, 1, sizeof *s);
  if (!s)
    return ART_ERR_NOMEM;
  s->flags = calloc(SINK_MAX_MESSAGES, sizeof *s->flags);
  s->errors = calloc(SINK_MAX_MESSAGES, sizeof *s->errors);
  if (!s->flags || !s->errors) {
    art_dissect_sink_free(s);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "dissect: no memory");
  }
  s->child = child;
  s->userdata = userdata;
  *out = s;
  return ART_OK;
}

static void sink_reset(art_dissect_sink *s)
{
  free(s->summary);
  s->summary = NULL;
  for (size_t i = 0; i < s->n_flags; i++)
    free(s->flags[i]);
  for (size_t i = 0; i < s->n_errors; i++)
    free(s->errors[i]);
  s->n_flags = s->n_errors = 0;
  s->children = 0;
}

void art_dissect_sink_free(art_dissect_sink *sink)
{
  if (!sink)
    return;
  if (sink->flags && sink->errors)
    sink_reset(sink);
  free(sink->flags);
  free(sink->errors);
  free(sink);
}

art_status art_dissect_run(art_ctx *ctx,
                           const art_dissector *d,
                           const art_dissect_input *in,
                           art_dissect_sink *sink)
{
  if (!d || !in || !sink || (!in->data && in->len))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "dissect: no input");
  sink_reset(sink);
  return d->run(ctx, in, sink);
}

art_status art_dissect_sink_summary(art_dissect_sink *sink, const char *json)
{
  char *p;
  if (!sink || !json)
    return ART_ERR_INVALID_ARG;
  p = strdup(json);
  if (!p)
    return ART_ERR_NOMEM;
  free(sink->summary);
  sink->summary = p;
  return ART_OK;
}

art_status art__dissect_summary(art_dissect_sink *sink, json_t *obj)
{
  char *txt;
  art_status st;
  if (!obj)
    return ART_ERR_NOMEM;
  txt = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(obj);
  if (!txt)
    return ART_ERR_NOMEM;
  free(sink->summary);
  sink->summary = txt;
  st = ART_OK;
  return st;
}

void art_dissect_sink_flag(art_dissect_sink *sink, const char *flag)
{
  if (!sink || !flag || sink->n_flags == SINK_MAX_MESSAGES)
    return;
  for (size_t i = 0; i < sink->n_flags; i++)
    if (strcmp(sink->flags[i], flag) == 0)
      return;
  sink->flags[sink->n_flags] = strdup(flag);
  if (sink->flags[sink->n_flags])
    sink->n_flags++;
}

void art_dissect_sink_error(art_dissect_sink *sink, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  if (!sink || !fmt || sink->n_errors == SINK_MAX_MESSAGES)
    return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  sink->errors[sink->n_errors] = strdup(buf);
  if (sink->errors[sink->n_errors])
    sink->n_errors++;
}

art_status art_dissect_sink_child(art_dissect_sink *sink,
                                  const art_dissect_child *child)
{
  if (!sink || !child || (!child->data && child->len) || !child->via)
    return ART_ERR_INVALID_ARG;
  sink->children++;
  return sink->child ? sink->child(sink->userdata, child) : ART_OK;
}

const char *art_dissect_sink_get_summary(const art_dissect_sink *sink)
{
  return sink ? sink->summary : NULL;
}

size_t art_dissect_sink_flag_count(const art_dissect_sink *sink)
{
  return sink ? sink->n_flags : 0;
}

const char *art_dissect_sink_flag_at(const art_dissect_sink *sink, size_t i)
{
  return sink && i < sink->n_flags ? sink->flags[i] : NULL;
}

size_t art_dissect_sink_error_count(const art_dissect_sink *sink)
{
  return sink ? sink->n_errors : 0;
}

const char *art_dissect_sink_error_at(const art_dissect_sink *sink, size_t i)
{
  return sink && i < sink->n_errors ? sink->errors[i] : NULL;
}

uint64_t art_dissect_sink_children(const art_dissect_sink *sink)
{
  return sink ? sink->children : 0;
}

/* ---- helpers shared by the dissectors -------------------------------------
 */

json_t *art__dissect_jstrn(const char *s, size_t len)
{
  json_t *v;
  char *tmp, *lossy;
  if (!s)
    return json_null();
  v = json_stringn(s, len);
  if (v)
    return v;
  tmp = malloc(len + 1);
  if (!tmp)
    return json_string("");
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  /* An embedded NUL ends the text: the rest would not be readable. */
  lossy = art__utf8_lossy(tmp);
  v = json_string(lossy ? lossy : "");
  free(lossy);
  free(tmp);
  return v;
}

json_t *art__dissect_jstr(const char *s)
{
  return s ? art__dissect_jstrn(s, strlen(s)) : json_null();
}

void art__dissect_iocs(json_t *arr, const char *text, size_t len, size_t max)
{
  art_ioc found[256];
  size_t n, i, k;
  if (!arr || !text)
    return;
  n = art_ioc_find(text, len, found, sizeof found / sizeof found[0]);
  if (n > sizeof found / sizeof found[0])
    n = sizeof found / sizeof found[0];
  for (i = 0; i < n && json_array_size(arr) < max; i++) {
    const char *cls = art_ioc_class_name(found[i].cls);
    json_t *v = art__dissect_jstrn(text + found[i].start, found[i].len), *e;
    int dup = 0;
    json_array_foreach(arr, k, e)
    {
      if (strcmp(json_string_value(json_object_get(e, "class")), cls) == 0 &&
          json_equal(json_object_get(e, "value"), v)) {
        dup = 1;
        break;
      }
    }
    if (dup) {
      json_decref(v);
      continue;
    }
    e = json_object();
    json_object_set_new(e, "class", json_string(cls));
    json_object_set_new(e, "value", v);
    json_array_append_new(arr, e);
  }
}

static const char *const exec_ext[] = {
    "exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe", "js",  "jse",
    "wsf", "wsh", "hta", "lnk", "ps1", "msi", "dll", "cpl", "jar", "iso",
    "img", "vhd", "one", "reg", "chm", "url", "scf", "msc", "appx"};

static int
ext_is(const char *ext, size_t len, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strlen(list[i]) == len && strncasecmp(ext, list[i], len) == 0)
      return 1;
  return 0;
}

size_t art__dissect_name_flags(const char *name, json_t *arr)
{
  static const char *const decoy_ext[] = {
      "pdf", "doc", "docx", "xls", "xlsx", "ppt",  "pptx", "txt", "jpg", "jpeg",
      "png", "gif", "rtf",  "zip", "htm",  "html", "csv",  "mp3", "mp4"};
  size_t n = 0, len;
  const char *last, *prev = NULL;
  if (!name)
    return 0;
  len = strlen(name);
  /* U+202E RIGHT-TO-LEFT OVERRIDE (and its isolate cousin U+2067). */
  if (strstr(name, "\xe2\x80\xae") || strstr(name, "\xe2\x81\xa7")) {
    if (arr)
      json_array_append_new(arr, json_string("rtl_override"));
    n++;
  }
  if (len > 128 || strstr(name, "     ")) {
    if (arr)
      json_array_append_new(arr, json_string("padded_name"));
    n++;
  }
  last = strrchr(name, '.');
  if (last && last != name) {
    for (const char *p = last - 1; p > name; p--)
      if (*p == '.') {
        prev = p;
        break;
      }
  }
  if (last && prev &&
      ext_is(last + 1, strlen(last + 1), exec_ext,
             sizeof exec_ext / sizeof exec_ext[0]) &&
      ext_is(prev + 1, (size_t)(last - prev - 1), decoy_ext,
             sizeof decoy_ext / sizeof decoy_ext[0])) {
    if (arr)
      json_array_append_new(arr, json_string("double_extension"));
    n++;
  }
  return n;
}
