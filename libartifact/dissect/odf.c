/* OpenDocument dissector (odt/ods/odp/odg and templates: a zip whose first
 * member is `mimetype` application/vnd.oasis.opendocument.*): StarBasic
 * macro modules (Basic/<library>/<module>.xml) decoded from their XML as
 * children, scripts (Scripts/), event listeners that run macros when the
 * document opens, embedded objects (Object N, OLE objects) from the
 * manifest, encryption. The package's members are artifacts of the
 * archive walk already; this reads the parts that say what it does.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"

#define MAX_LIST 100

static int odf_recognise(const uint8_t *d, size_t n)
{
  static const char mt[] = "application/vnd.oasis.opendocument.";
  size_t lim = n < 256 ? n : 256;
  /* The first member, stored: "mimetype" then its text ([ODF] 3.3). */
  return n >= 30 + 8 + sizeof mt - 1 && memcmp(d, "PK\3\4", 4) == 0 &&
         memcmp(d + 30, "mimetype", 8) == 0 &&
         memmem(d + 38, lim - 38, mt, sizeof mt - 1) != NULL;
}

typedef art__zip_part opart;

typedef struct owalk {
  art__zip_parts z; /* first: the shared data/end callbacks take it */
  json_t *scripts;
} owalk;

static int wanted(const char *p)
{
  size_t l = strlen(p);
  if (strcmp(p, "mimetype") == 0 || strcmp(p, "META-INF/manifest.xml") == 0 ||
      strcmp(p, "content.xml") == 0 || strcmp(p, "settings.xml") == 0)
    return 1;
  return strncmp(p, "Basic/", 6) == 0 && l > 4 &&
         strcasecmp(p + l - 4, ".xml") == 0;
}

static art_walk_action o_begin(void *ud, const art_archive_member *m)
{
  owalk *w = ud;
  w->z.cur = -1;
  if (m->depth != 1 || m->type != ART_ENTRY_FILE)
    return ART_WALK_SKIP;
  if (strncmp(m->path, "Scripts/", 8) == 0 &&
      json_array_size(w->scripts) < MAX_LIST)
    json_array_append_new(w->scripts, art__dissect_jstr(m->path));
  if (!wanted(m->path))
    return ART_WALK_SKIP;
  return art__zip_parts_begin(&w->z, m->path) ? ART_WALK_STOP
                                              : ART_WALK_CONTINUE;
}

/* XML text to UTF-8: the five entities and numeric references. */
static char *unescape(const char *s, size_t n, size_t *out_len)
{
  char *o = malloc(n + 1);
  size_t k = 0;
  if (!o)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '&') {
      o[k++] = s[i];
      continue;
    }
    const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
    size_t el = semi ? (size_t)(semi - (s + i)) : 0;
    const char *e = s + i + 1;
    unsigned long cp = 0;
    if (el >= 3 && e[0] == '#')
      cp = (e[1] == 'x' || e[1] == 'X') ? strtoul(e + 2, NULL, 16)
                                        : strtoul(e + 1, NULL, 10);
    else if (el == 3 && strncmp(e, "lt", 2) == 0)
      cp = '<';
    else if (el == 3 && strncmp(e, "gt", 2) == 0)
      cp = '>';
    else if (el == 4 && strncmp(e, "amp", 3) == 0)
      cp = '&';
    else if (el == 5 && strncmp(e, "quot", 4) == 0)
      cp = '"';
    else if (el == 5 && strncmp(e, "apos", 4) == 0)
      cp = '\'';
    if (!cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      o[k++] = s[i];
      continue;
    }
    /* a reference is never shorter than its UTF-8 (&#N; >= 4 bytes) */
    if (cp < 0x80) {
      o[k++] = (char)cp;
    } else if (cp < 0x800) {
      o[k++] = (char)(0xc0 | cp >> 6);
      o[k++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      o[k++] = (char)(0xe0 | cp >> 12);
      o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      o[k++] = (char)(0x80 | (cp & 0x3f));
    } else {
      o[k++] = (char)(0xf0 | cp >> 18);
      o[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
      o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      o[k++] = (char)(0x80 | (cp & 0x3f));
    }
    i += el;
  }
  o[k] = '\0';
  *out_len = k;
  return o;
}

/* Attribute LOCAL (any prefix) of the tag T..E, unescaped (caller frees). */
static char *xattr(const char *t, const char *e, const char *local)
{
  size_t ll = strlen(local);
  for (const char *p = t + 1; p + ll + 2 < e; p++) {
    if (strncmp(p, local, ll) != 0 || p[ll] != '=' ||
        !(isspace((unsigned char)p[-1]) || p[-1] == ':'))
      continue;
    char q = p[ll + 1];
    if (q != '"' && q != '\'')
      continue;
    const char *v = p + ll + 2, *ve = memchr(v, q, (size_t)(e - v));
    size_t n;
    return ve ? unescape(v, (size_t)(ve - v), &n) : NULL;
  }
  return NULL;
}

/* Next tag whose local name is LOCAL at or after P, its '>' in *E. */
static const char *
tag(const char *p, const char *lim, const char *local, const char **e)
{
  size_t ll = strlen(local);
  while (p && p < lim && (p = memchr(p, '<', (size_t)(lim - p))) != NULL) {
    const char *nm = p + 1, *c = nm;
    while (c < lim && !isspace((unsigned char)*c) && *c != '>' && *c != '/') {
      if (*c == ':')
        nm = c + 1;
      c++;
    }
    if ((size_t)(c - nm) == ll && strncmp(nm, local, ll) == 0) {
      *e = memchr(c, '>', (size_t)(lim - c));
      return *e ? p : NULL;
    }
    p++;
  }
  return NULL;
}

static art_status
basic_module(art_dissect_sink *sink, const opart *p, json_t *mods, json_t *iocs)
{
  const char *lim = p->data + p->len, *e;
  const char *t = tag(p->data, lim, "module", &e);
  if (!t || e[-1] == '/')
    return ART_OK;
  const char *body = e + 1;
  /* the source ends at the module's closing tag, the last "</" */
  const char *close = lim;
  for (const char *c = lim - 2; c >= body; c--)
    if (c[0] == '<' && c[1] == '/') {
      close = c;
      break;
    }
  char *name = xattr(t, e, "name"), *lang = xattr(t, e, "language");
  size_t sl = 0;
  char *src = unescape(body, (size_t)(close - body), &sl);
  /* Basic/<library>/<module>.xml */
  const char *lib0 = p->name + 6, *slash = strchr(lib0, '/');
  char child[512];
  snprintf(child, sizeof child, "%.*s/%s.bas", slash ? (int)(slash - lib0) : 0,
           lib0, name ? name : "module");
  art_status st = ART_OK;
  if (src) {
    json_t *m = json_object();
    json_object_set_new(m, "library",
                        slash ? art__dissect_jstrn(lib0, (size_t)(slash - lib0))
                              : json_null());
    json_object_set_new(m, "module", art__dissect_jstr(name));
    json_object_set_new(m, "language", art__dissect_jstr(lang));
    json_object_set_new(m, "part", art__dissect_jstr(p->name));
    json_object_set_new(m, "size", json_integer((json_int_t)sl));
    if (json_array_size(mods) < MAX_LIST)
      json_array_append_new(mods, m);
    else
      json_decref(m);
    art__dissect_iocs(iocs, src, sl, MAX_LIST);
    char lj[600];
    json_t *l = json_object();
    json_object_set_new(l, "odf_part", art__dissect_jstr(p->name));
    char *ltxt = json_dumps(l, JSON_COMPACT);
    json_decref(l);
    snprintf(lj, sizeof lj, "%s", ltxt ? ltxt : "{}");
    free(ltxt);
    art_dissect_child c = {"odf-macro", child, src, sl, "text/x-basic", lj, 0};
    st = art_dissect_sink_child(sink, &c);
  }
  free(name);
  free(lang);
  free(src);
  return st;
}

static art_status
odf_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  art_archive_opts o;
  art_archive *ar = NULL;
  owalk w = {ART__ZIP_PARTS_INIT, json_array()};
  art_archive_opts_init(&o);
  o.max_depth = 1;
  o.max_member_bytes = ART__ZIP_PART_MAX;
  o.max_artifacts = 100000;
  art_status st = art_archive_new(ctx, &o, &ar);
  if (st != ART_OK) {
    json_decref(w.scripts);
    return st;
  }
  art_archive_ops ops = {o_begin, art__zip_parts_data, art__zip_parts_end};
  art_status wst =
      art_archive_walk_buffer(ctx, ar, in->data, in->len, in->name, &ops, &w);
  art_archive_free(ar);
  if (wst != ART_OK && wst != ART_ERR_LIMIT)
    art_dissect_sink_error(sink, "%s: odf: %s", in->name, art_ctx_errmsg(ctx));
  json_t *sum = json_object(), *mods = json_array(), *events = json_array(),
         *objects = json_array(), *iocs = json_array();
  char *mimetype = NULL;
  int encrypted = w.z.encrypted_members > 0, autoexec = 0;
  st = ART_OK;
  for (size_t i = 0; i < w.z.n; i++) {
    opart *p = &w.z.parts[i];
    if (!p->data)
      continue;
    const char *lim = p->data + p->len, *e;
    if (strcmp(p->name, "mimetype") == 0) {
      if (mimetype) /* a second one: the first is what readers take */
        continue;
      mimetype = strndup(p->data, p->len < 200 ? p->len : 200);
    } else if (strcmp(p->name, "META-INF/manifest.xml") == 0) {
      for (const char *t = tag(p->data, lim, "file-entry", &e); t;
           t = tag(e, lim, "file-entry", &e)) {
        char *path = xattr(t, e, "full-path"), *ty = xattr(t, e, "media-type");
        /* "Object 1/" (an embedded ODF object) or an OLE object */
        int obj = path && (strncmp(path, "Object ", 7) == 0 ||
                           (ty && strstr(ty, "oleobject")));
        if (obj && json_array_size(objects) < MAX_LIST) {
          json_t *ob = json_object();
          json_object_set_new(ob, "path", art__dissect_jstr(path));
          json_object_set_new(ob, "media_type", art__dissect_jstr(ty));
          json_array_append_new(objects, ob);
        }
        free(path);
        free(ty);
      }
      if (memmem(p->data, p->len, "encryption-data", 15))
        encrypted = 1;
    } else if (strcmp(p->name, "content.xml") == 0 ||
               strcmp(p->name, "settings.xml") == 0) {
      for (const char *t = tag(p->data, lim, "event-listener", &e); t;
           t = tag(e, lim, "event-listener", &e)) {
        char *ev = xattr(t, e, "event-name"), *href = xattr(t, e, "href"),
             *mac = xattr(t, e, "macro-name"), *lang = xattr(t, e, "language");
        const char *target = href ? href : mac;
        if (json_array_size(events) < MAX_LIST) {
          json_t *x = json_object();
          json_object_set_new(x, "part", art__dissect_jstr(p->name));
          json_object_set_new(x, "event", art__dissect_jstr(ev));
          json_object_set_new(x, "language", art__dissect_jstr(lang));
          json_object_set_new(x, "target", art__dissect_jstr(target));
          json_array_append_new(events, x);
        }
        /* Document events that fire on opening ([ODF] event names and
         * the OpenOffice ones). */
        if (ev && (strstr(ev, "load") || strstr(ev, "OnLoad") ||
                   strstr(ev, "OnNew") || strstr(ev, "OnFocus") ||
                   strstr(ev, "open")))
          autoexec = 1;
        free(ev);
        free(href);
        free(mac);
        free(lang);
      }
    } else if (st == ART_OK) {
      st = basic_module(sink, p, mods, iocs);
    }
  }
  int macros = json_array_size(mods) > 0 || json_array_size(w.scripts) > 0;
  json_object_set_new(sum, "mimetype", art__dissect_jstr(mimetype));
  json_object_set_new(sum, "macros", json_boolean(macros));
  json_object_set_new(sum, "basic_modules", mods);
  json_object_set_new(sum, "scripts", w.scripts);
  json_object_set_new(sum, "event_listeners", events);
  json_object_set_new(sum, "auto_exec", json_boolean(autoexec && macros));
  json_object_set_new(sum, "embedded_objects", objects);
  json_object_set_new(sum, "encrypted", json_boolean(encrypted));
  json_object_set_new(sum, "indicators", iocs);
  int partial = w.z.damaged || (wst != ART_OK && wst != ART_ERR_LIMIT);
  json_object_set_new(sum, "partial", json_boolean(partial));
  if (w.z.damaged)
    art_dissect_sink_error(sink,
                           "%s: odf: damaged package (a member could not be "
                           "read whole): what could be read is reported",
                           in->name);
  if (macros)
    art_dissect_sink_flag(sink, "odf_macros");
  if (autoexec && macros)
    art_dissect_sink_flag(sink, "odf_autoexec");
  if (json_array_size(objects))
    art_dissect_sink_flag(sink, "odf_embedded_object");
  if (encrypted)
    art_dissect_sink_flag(sink, "encrypted");
  art__zip_parts_free(&w.z);
  free(mimetype);
  art_status s2 = art__dissect_summary(sink, sum);
  if (s2 != ART_OK)
    return s2;
  if (st == ART_ERR_LIMIT)
    return st;
  return partial ? ART_ERR_CORRUPT : ART_OK;
}

const art_dissector art__dissect_odf = {
    "odf", "OpenDocument files: Basic macros, scripts, events, objects",
    odf_recognise, odf_run};
