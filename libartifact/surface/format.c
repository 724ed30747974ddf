/* Surface analysis: reading reports, and writing records as JSON Lines and
 * as the readable text report.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"
#include "surface_private.h"

size_t art_surface_report_count(const art_surface_report *rep)
{
  return rep ? rep->n : 0;
}

const art_surface_record *art_surface_record_get(const art_surface_report *rep,
                                                 size_t index)
{
  return rep && index < rep->n ? &rep->recs[index].pub : NULL;
}

art_status art_surface_record_similar(const art_surface_report *rep,
                                      size_t index,
                                      size_t k,
                                      const char **peer,
                                      int *score)
{
  if (!rep || index >= rep->n || k >= rep->recs[index].n_sims)
    return ART_ERR_NOT_FOUND;
  if (peer)
    *peer = rep->recs[index].sims[k].peer;
  if (score)
    *score = rep->recs[index].sims[k].score;
  return ART_OK;
}

art_status art_surface_record_json(art_ctx *ctx,
                                   const art_surface_report *rep,
                                   size_t index,
                                   char **out)
{
  char *s;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no output");
  *out = NULL;
  if (!rep || index >= rep->n)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no record");
  s = json_dumps(rep->recs[index].obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!s)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "surface: no memory");
  *out = s;
  return ART_OK;
}

art_status art_surface_error_json(art_ctx *ctx,
                                  const char *path,
                                  uint64_t input,
                                  const char *message,
                                  char **out)
{
  art_surface_report rep = {0};
  srec *r;
  art_status st;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no output");
  *out = NULL;
  r = art__surface_rec_add(&rep);
  if (!r)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "surface: no memory");
  art__surface_rec_fill_root(r, path ? path : "", input);
  art__surface_rec_error(r, "%s", message ? message : "cannot be examined");
  st = art_surface_record_json(ctx, &rep, 0, out);
  json_decref(r->obj);
  free(r->path);
  free(rep.recs);
  return st;
}

/* ---- text ---------------------------------------------------------------- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
  int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) ART_PRINTF(2, 3);
static void sb_add(sbuf *b, const char *fmt, ...)
{
  va_list ap;
  int n;
  if (b->oom)
    return;
  for (;;) {
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->oom = 1;
      return;
    }
    if ((size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap - b->len <= (size_t)n)
      cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
}

static const char *js(const json_t *o, const char *key)
{
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

static json_int_t ji(const json_t *o, const char *key)
{
  return json_integer_value(json_object_get(o, key));
}

static double jr(const json_t *o, const char *key)
{
  return json_number_value(json_object_get(o, key));
}

/* The strings of a JSON array joined with ", ". */
static void sb_list(sbuf *b, const json_t *arr, size_t max)
{
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v)
  {
    if (i == max) {
      sb_add(b, ", ... (%zu in all)", json_array_size(arr));
      break;
    }
    sb_add(b, "%s%s", i ? ", " : "", json_string_value(v));
  }
}

static void text_lineage(sbuf *b, const json_t *o)
{
  const json_t *l = json_object_get(o, "lineage");
  if (ji(l, "id") == 0) {
    sb_add(b, "  %-10s input %" JSON_INTEGER_FORMAT ", %s\n", "lineage",
           ji(l, "input"), js(l, "via"));
    return;
  }
  sb_add(b,
         "  %-10s input %" JSON_INTEGER_FORMAT ", id %" JSON_INTEGER_FORMAT
         ", parent %" JSON_INTEGER_FORMAT ", depth %" JSON_INTEGER_FORMAT
         ", %s of %s%s%s\n",
         "lineage", ji(l, "input"), ji(l, "id"), ji(l, "parent"),
         ji(l, "depth"), js(l, "via"), js(l, "parent_format"),
         json_object_get(l, "password") ? ", password " : "",
         json_object_get(l, "password") ? js(l, "password") : "");
  if (json_object_get(l, "link_target"))
    sb_add(b, "  %-10s %s -> %s\n", "link", js(l, "entry_type"),
           js(l, "link_target"));
}

static void text_strings(sbuf *b, const json_t *st)
{
  const json_t *count = json_object_get(st, "count");
  const json_t *iocs = json_object_get(st, "iocs");
  const char *k;
  json_t *v;
  size_t i, first = 1;
  sb_add(b, "  %-10s ", "strings");
  json_object_foreach((json_t *)count, k, v)
  {
    sb_add(b, "%s%s %" JSON_INTEGER_FORMAT, first ? "" : ", ", k,
           json_integer_value(v));
    first = 0;
  }
  sb_add(b, "; %" JSON_INTEGER_FORMAT " indicators\n", ji(st, "ioc_total"));
  json_array_foreach(iocs, i, v)
  {
    if (i == 12) {
      sb_add(b, "    ... (%zu kept, see JSON Lines)\n", json_array_size(iocs));
      break;
    }
    sb_add(b, "    %-12s %s\n", js(v, "class"), js(v, "value"));
  }
}

static void text_pe(sbuf *b, const json_t *pe)
{
  const json_t *secs = json_object_get(pe, "sections");
  const json_t *imps = json_object_get(pe, "imports");
  size_t i, nfun = 0;
  json_t *v;
  json_array_foreach(imps, i, v)
  {
    nfun += json_array_size(json_object_get(v, "functions"));
  }
  sb_add(b,
         "  %-10s %s%s %s, %s, compiled %s, entry 0x%" JSON_INTEGER_FORMAT
         "x\n",
         "pe", js(pe, "machine"),
         json_is_true(json_object_get(pe, "is_64")) ? " PE32+" : " PE32",
         json_is_true(json_object_get(pe, "is_dll")) ? "DLL" : "executable",
         js(pe, "subsystem"), js(pe, "compile_time"), ji(pe, "entry_point"));
  sb_add(b, "    %-12s %s\n", "imphash",
         *js(pe, "imphash") ? js(pe, "imphash") : "(no imports)");
  sb_add(b, "    %-12s %zu from %zu DLLs; %zu exports\n", "imports", nfun,
         json_array_size(imps),
         json_array_size(json_object_get(pe, "exports")));
  sb_add(b, "    %-12s", "sections");
  json_array_foreach(secs, i, v)
  {
    sb_add(b, "%s %s (%.2f)", i ? "," : "", js(v, "name"), jr(v, "entropy"));
  }
  sb_add(b, "\n");
  if (json_is_true(json_object_get(pe, "partial")))
    sb_add(b, "    %-12s %s\n", "partial", js(pe, "problem"));
}

static void text_elf(sbuf *b, const json_t *elf)
{
  const json_t *needed = json_object_get(elf, "needed");
  sb_add(b, "  %-10s %" JSON_INTEGER_FORMAT "-bit %s-endian %s%s, %s\n", "elf",
         ji(elf, "class"), js(elf, "endian"), js(elf, "type"),
         json_is_true(json_object_get(elf, "pie")) ? " (PIE)" : "",
         js(elf, "machine"));
  if (json_is_string(json_object_get(elf, "interpreter")))
    sb_add(b, "    %-12s %s\n", "interpreter", js(elf, "interpreter"));
  if (json_array_size(needed)) {
    sb_add(b, "    %-12s ", "needed");
    sb_list(b, needed, 12);
    sb_add(b, "\n");
  }
  sb_add(b, "    %-12s %zu sections, %" JSON_INTEGER_FORMAT " segments\n",
         "layout", json_array_size(json_object_get(elf, "sections")),
         ji(elf, "segments"));
  if (json_is_true(json_object_get(elf, "partial")))
    sb_add(b, "    %-12s %s\n", "partial", js(elf, "problem"));
}

static void text_body(sbuf *b, const json_t *o)
{
  const json_t *h = json_object_get(o, "hashes");
  const json_t *t = json_object_get(o, "type");
  const json_t *e = json_object_get(o, "entropy");
  const json_t *hd = json_object_get(o, "header");
  const json_t *st = json_object_get(o, "strings");
  const json_t *c = json_object_get(o, "container");
  const json_t *y = json_object_get(o, "yara");
  const json_t *sim = json_object_get(o, "similar");
  const char *k;
  json_t *v;
  size_t i;
  if (json_is_object(t)) {
    sb_add(b, "  %-10s %s\n", "type", js(t, "description"));
    sb_add(b, "  %-10s %s", "mime", js(t, "mime"));
    if (json_is_true(json_object_get(t, "extension_mismatch")))
      sb_add(b, " (the name's extension says %s)", js(t, "expected_mime"));
    sb_add(b, "\n");
  }
  json_object_foreach((json_t *)h, k, v)
  {
    if (json_is_string(v))
      sb_add(b, "  %-10s %s\n", k, json_string_value(v));
  }
  if (json_is_object(e)) {
    sb_add(b, "  %-10s %.4f bits/byte", "entropy", jr(e, "value"));
    if (json_object_get(e, "max"))
      sb_add(b,
             " (%" JSON_INTEGER_FORMAT
             "-byte blocks: max %.4f at %" JSON_INTEGER_FORMAT
             ", min %.4f at %" JSON_INTEGER_FORMAT ")",
             ji(e, "block_size"), jr(json_object_get(e, "max"), "value"),
             ji(json_object_get(e, "max"), "offset"),
             jr(json_object_get(e, "min"), "value"),
             ji(json_object_get(e, "min"), "offset"));
    sb_add(b, "\n");
  }
  if (json_is_object(hd) && *js(hd, "hex"))
    sb_add(b, "  %-10s %s  |%s|\n", "header", js(hd, "hex"), js(hd, "ascii"));
  if (json_is_object(st))
    text_strings(b, st);
  if (json_is_object(json_object_get(o, "pe")))
    text_pe(b, json_object_get(o, "pe"));
  if (json_is_object(json_object_get(o, "elf")))
    text_elf(b, json_object_get(o, "elf"));
  json_array_foreach(json_object_get(o, "hashsets"), i, v)
  {
    sb_add(b, "  %-10s %s: %s (", i ? "" : "hashsets", js(v, "kind"),
           js(v, "set"));
    sb_list(b, json_object_get(v, "matched_on"), 3);
    sb_add(b, ")\n");
  }
  if (json_is_object(y)) {
    const json_t *ms = json_object_get(y, "matches");
    sb_add(b, "  %-10s ", "yara");
    if (!json_array_size(ms))
      sb_add(b, "no match");
    json_array_foreach(ms, i, v)
    {
      sb_add(b, "%s%s", i ? ", " : "", js(v, "rule"));
    }
    sb_add(b, "\n");
  }
  if (json_is_object(c)) {
    sb_add(b, "  %-10s %s%s%s, %" JSON_INTEGER_FORMAT " entries", "container",
           js(c, "format"), *js(c, "filters") ? "+" : "", js(c, "filters"),
           ji(c, "entries"));
    if (ji(c, "encrypted_entries"))
      sb_add(b, " (%" JSON_INTEGER_FORMAT " encrypted, unread)",
             ji(c, "encrypted_entries"));
    sb_add(b, ", %" JSON_INTEGER_FORMAT " -> %" JSON_INTEGER_FORMAT " bytes\n",
           ji(c, "compressed_bytes"), ji(c, "uncompressed_bytes"));
  }
  json_array_foreach(sim, i, v)
  {
    sb_add(b, "  %-10s %s (%" JSON_INTEGER_FORMAT ")\n", i ? "" : "similar",
           js(v, "peer"), ji(v, "score"));
  }
}

art_status art_surface_record_text(art_ctx *ctx,
                                   const art_surface_report *rep,
                                   size_t index,
                                   char **out)
{
  sbuf b = {0};
  const json_t *o;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no output");
  *out = NULL;
  if (!rep || index >= rep->n)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no record");
  o = rep->recs[index].obj;
  sb_add(&b, "%s%s\n",
         rep->recs[index].pub.depth ? "-- " : "== ", js(o, "path"));
  sb_add(&b, "  %-10s %" JSON_INTEGER_FORMAT " bytes\n", "size", ji(o, "size"));
  text_lineage(&b, o);
  text_body(&b, o);
  if (json_array_size(json_object_get(o, "flags"))) {
    sb_add(&b, "  %-10s ", "flags");
    sb_list(&b, json_object_get(o, "flags"), 20);
    sb_add(&b, "\n");
  }
  if (json_array_size(json_object_get(o, "limits_hit"))) {
    sb_add(&b, "  %-10s ", "limits_hit");
    sb_list(&b, json_object_get(o, "limits_hit"), 20);
    sb_add(&b, "\n");
  }
  {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "errors"), i, v)
    {
      sb_add(&b, "  %-10s %s\n", i ? "" : "errors", json_string_value(v));
    }
  }
  sb_add(&b, "\n");
  if (b.oom) {
    free(b.p);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "surface: no memory");
  }
  *out = b.p;
  return ART_OK;
}
