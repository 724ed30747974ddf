/* OOXML dissector (docx/xlsx/pptx and their macro and template forms):
 * content types, macros present, external relationships (remote
 * templates, mhtml:/ms-msdt: links), DDE fields as msodde finds them. The
 * package's members are already artifacts of the archive walk (a
 * vbaProject.bin goes to the ole dissector there); this reads the package
 * parts that say what the document does, through art_archive.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"

#define MAX_LIST 100

static int ooxml_recognise(const uint8_t *d, size_t n)
{
  if (n < 30 || memcmp(d, "PK\3\4", 4) != 0)
    return 0;
  return memmem(d, n, "[Content_Types].xml", 19) != NULL ||
         memmem(d, n, "_rels/.rels", 11) != NULL;
}

typedef art__zip_part part;

typedef struct walk {
  art__zip_parts z; /* first: the shared data/end callbacks take it */
  int vba;          /* a vbaProject.bin member */
} walk;

static int ends_with(const char *s, const char *suf)
{
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static art_walk_action w_begin(void *ud, const art_archive_member *m)
{
  walk *w = ud;
  w->z.cur = -1;
  if (m->depth != 1 || m->type != ART_ENTRY_FILE)
    return ART_WALK_SKIP;
  if (ends_with(m->path, "vbaProject.bin"))
    w->vba = 1;
  /* .xlsb: the workbook and macro sheet parts (BIFF12) */
  int xlsb = strcmp(m->path, "xl/workbook.bin") == 0 ||
             (strncmp(m->path, "xl/macrosheets/", 15) == 0 &&
              ends_with(m->path, ".bin") && !strstr(m->path, "binaryIndex"));
  if (!xlsb && !ends_with(m->path, ".xml") && !ends_with(m->path, ".rels"))
    return ART_WALK_SKIP;
  return art__zip_parts_begin(&w->z, m->path) ? ART_WALK_STOP
                                              : ART_WALK_CONTINUE;
}

/* The value of attribute NAME in the tag starting at TAG (up to '>'),
 * XML entities decoded (caller frees); NULL when absent. Matches a
 * prefixed name too ("w:instr" for "instr") when PREFIXED. */
static char *attr(const char *tag, const char *end, const char *name)
{
  size_t nl = strlen(name);
  for (const char *p = tag + 1; p + nl + 2 < end; p++) {
    if (strncmp(p, name, nl) != 0 || p[nl] != '=' ||
        !(isspace((unsigned char)p[-1]) || p[-1] == ':'))
      continue;
    char q = p[nl + 1];
    if (q != '"' && q != '\'')
      continue;
    const char *v = p + nl + 2, *e = memchr(v, q, (size_t)(end - v));
    if (!e)
      return NULL;
    char *out = malloc((size_t)(e - v) + 1);
    size_t o = 0;
    if (!out)
      return NULL;
    for (const char *c = v; c < e; c++) {
      if (*c == '&') {
        static const struct {
          const char *ent;
          char ch;
        } ents[] = {{"&amp;", '&'},
                    {"&lt;", '<'},
                    {"&gt;", '>'},
                    {"&quot;", '"'},
                    {"&apos;", '\''}};
        size_t k;
        for (k = 0; k < 5; k++)
          if (strncmp(c, ents[k].ent, strlen(ents[k].ent)) == 0) {
            out[o++] = ents[k].ch;
            c += strlen(ents[k].ent) - 1;
            break;
          }
        if (k < 5)
          continue;
      }
      out[o++] = *c;
    }
    out[o] = '\0';
    return out;
  }
  return NULL;
}

/* Next tag named LOCAL (any namespace prefix) at or after P; its start or
 * NULL, *END at its '>'. */
static const char *
next_tag(const char *p, const char *lim, const char *local, const char **end)
{
  size_t ll = strlen(local);
  for (const char *t = p; t < lim; t++) {
    t = memchr(t, '<', (size_t)(lim - t));
    if (!t)
      return NULL;
    const char *n = t + 1;
    const char *colon = NULL;
    for (const char *c = n;
         c < lim && c < n + 64 && !isspace((unsigned char)*c) && *c != '>' &&
         *c != '/';
         c++)
      if (*c == ':')
        colon = c;
    if (colon)
      n = colon + 1;
    if ((size_t)(lim - n) > ll && strncmp(n, local, ll) == 0 &&
        (isspace((unsigned char)n[ll]) || n[ll] == '>' || n[ll] == '/')) {
      const char *e = memchr(n, '>', (size_t)(lim - n));
      if (!e)
        return NULL;
      *end = e;
      return t;
    }
  }
  return NULL;
}

static void push_unique(json_t *arr, const char *s)
{
  size_t i;
  json_t *v;
  json_array_foreach(arr, i,
                     v) if (strcmp(json_string_value(v), s) == 0) return;
  if (json_array_size(arr) < MAX_LIST)
    json_array_append_new(arr, art__dissect_jstr(s));
}

/* msodde's unquote(): a QUOTE field's character codes become text. */
static void unquote(char *f)
{
  if (!strstr(f, "QUOTE"))
    return;
  char *out = malloc(strlen(f) + 1), *save = NULL;
  size_t o = 0;
  int first = 1;
  if (!out)
    return;
  for (char *tok = strtok_r(f, " ", &save); tok;
       tok = strtok_r(NULL, " ", &save)) {
    if (first) {
      first = 0;
      continue;
    }
    char *endp;
    long v = strtol(tok, &endp, 10);
    if (*tok && *endp == '\0' && v > 0 && v < 128)
      out[o++] = (char)v;
    else {
      memcpy(out + o, tok, strlen(tok));
      o += strlen(tok);
    }
  }
  out[o] = '\0';
  memcpy(f, out, o + 1);
  free(out);
}

/* DDE: msodde's FIELD_DDE_REGEX, ^\s*dde(auto)?\s+ */
static int is_dde(const char *f)
{
  while (isspace((unsigned char)*f))
    f++;
  if (strncasecmp(f, "dde", 3) != 0)
    return 0;
  f += 3;
  if (strncasecmp(f, "auto", 4) == 0 && isspace((unsigned char)f[4]))
    return 1;
  return isspace((unsigned char)*f);
}

/* Word fields of one XML part: w:fldSimple instructions, and the
 * w:instrText runs between w:fldChar begin and end, as msodde joins them. */
static void word_fields(const part *p, json_t *dde, json_t *fields)
{
  const char *s = p->data, *lim = p->data + p->len;
  char *text = NULL;
  size_t tl = 0;
  int level = 0;
  for (const char *t = s; t && t < lim;) {
    t = memchr(t, '<', (size_t)(lim - t));
    if (!t)
      break;
    const char *e = memchr(t, '>', (size_t)(lim - t));
    if (!e)
      break;
    const char *n = t + 1;
    for (const char *c = n; c < e && !isspace((unsigned char)*c); c++)
      if (*c == ':')
        n = c + 1;
    if (strncmp(n, "fldSimple", 9) == 0 && !isalpha((unsigned char)n[9])) {
      char *v = attr(t, e, "instr");
      if (v) {
        unquote(v);
        push_unique(fields, v);
        if (is_dde(v))
          push_unique(dde, v);
        free(v);
      }
    } else if (strncmp(n, "fldChar", 7) == 0 && !isalpha((unsigned char)n[7])) {
      char *ty = attr(t, e, "fldCharType");
      if (ty && strcmp(ty, "begin") == 0)
        level++;
      if (ty && strcmp(ty, "end") == 0) {
        level--;
        if (level == 0 || level == -1) {
          if (text) {
            unquote(text);
            push_unique(fields, text);
            if (is_dde(text))
              push_unique(dde, text);
          }
          free(text);
          text = NULL;
          tl = 0;
          level = 0;
        }
      }
      free(ty);
    } else if (strncmp(n, "instrText", 9) == 0 &&
               !isalpha((unsigned char)n[9]) && e[-1] != '/') {
      const char *c0 = e + 1;
      const char *c1 = memchr(c0, '<', (size_t)(lim - c0));
      if (!c1)
        break;
      char *tmp = realloc(text, tl + (size_t)(c1 - c0) + 1);
      if (tmp) {
        text = tmp;
        /* entities in text: the common ones */
        for (const char *c = c0; c < c1; c++) {
          if (*c == '&' && strncmp(c, "&quot;", 6) == 0) {
            text[tl++] = '"';
            c += 5;
          } else if (*c == '&' && strncmp(c, "&amp;", 5) == 0) {
            text[tl++] = '&';
            c += 4;
          } else if (*c == '&' && strncmp(c, "&lt;", 4) == 0) {
            text[tl++] = '<';
            c += 3;
          } else if (*c == '&' && strncmp(c, "&gt;", 4) == 0) {
            text[tl++] = '>';
            c += 3;
          } else if (*c == '&' && strncmp(c, "&apos;", 6) == 0) {
            text[tl++] = '\'';
            c += 5;
          } else {
            text[tl++] = *c;
          }
        }
        text[tl] = '\0';
      }
      e = c1 - 1;
    }
    t = e + 1;
  }
  free(text);
}

static const char *short_type(const char *type)
{
  const char *s = type ? strrchr(type, '/') : NULL;
  return s ? s + 1 : type;
}

static part *find_part(walk *w, const char *name)
{
  return art__zip_parts_find(&w->z, name);
}

/* Element text between C0 and C1 with the XML entities decoded. */
static char *xml_text(const char *c0, const char *c1)
{
  char *out = malloc((size_t)(c1 - c0) + 1);
  size_t o = 0;
  if (!out)
    return NULL;
  static const struct {
    const char *ent;
    char ch;
  } ents[] = {{"&amp;", '&'},
              {"&lt;", '<'},
              {"&gt;", '>'},
              {"&quot;", '"'},
              {"&apos;", '\''}};
  for (const char *c = c0; c < c1; c++) {
    size_t k = 5;
    if (*c == '&')
      for (k = 0; k < 5; k++)
        if ((size_t)(c1 - c) >= strlen(ents[k].ent) &&
            strncmp(c, ents[k].ent, strlen(ents[k].ent)) == 0) {
          out[o++] = ents[k].ch;
          c += strlen(ents[k].ent) - 1;
          break;
        }
    if (k == 5)
      out[o++] = *c;
  }
  out[o] = '\0';
  return out;
}

static void text_add(char **t, size_t *n, const char *s)
{
  size_t l = strlen(s);
  if (*n + l > (16u << 20))
    return;
  char *q = realloc(*t, *n + l + 1);
  if (!q)
    return;
  memcpy(q + *n, s, l + 1);
  *n += l;
  *t = q;
}

/* The sheet relationship RID of the workbook's RELS: its kind
 * ("worksheet", "macro", "chart", "dialog") and the part it targets (NULL
 * when absent). */
static part *
sheet_rel(walk *w, const part *rels, const char *rid, const char **kind)
{
  const char *rl = rels->data + rels->len, *re;
  part *found = NULL;
  *kind = "worksheet";
  for (const char *r = next_tag(rels->data, rl, "Relationship", &re); r && rid;
       r = next_tag(re, rl, "Relationship", &re)) {
    char *id = attr(r, re, "Id");
    int match = id && strcmp(id, rid) == 0;
    free(id);
    if (!match)
      continue;
    char *ty = attr(r, re, "Type"), *target = attr(r, re, "Target");
    const char *sty = short_type(ty);
    if (sty && (strcmp(sty, "xlMacrosheet") == 0 ||
                strcmp(sty, "xlIntlMacrosheet") == 0))
      *kind = "macro";
    else if (sty && strcmp(sty, "chartsheet") == 0)
      *kind = "chart";
    else if (sty && strcmp(sty, "dialogsheet") == 0)
      *kind = "dialog";
    if (target) {
      char pn[1024];
      snprintf(pn, sizeof pn, "%s%s", target[0] == '/' ? "" : "xl/",
               target[0] == '/' ? target + 1 : target);
      found = find_part(w, pn);
    }
    free(ty);
    free(target);
    break;
  }
  return found;
}

/* art__xlsb_part_fn over xl/_rels/workbook.bin.rels (.xlsb). */
typedef struct xlsb_rels {
  walk *w;
  part *rels;
} xlsb_rels;

static const uint8_t *
xlsb_part(void *ud, const char *rel_id, size_t *len, int *macro)
{
  xlsb_rels *x = ud;
  const char *kind;
  part *p = sheet_rel(x->w, x->rels, rel_id, &kind);
  *macro = strcmp(kind, "macro") == 0;
  *len = p ? p->len : 0;
  return p ? (const uint8_t *)p->data : NULL;
}

/* Excel 4.0 macro sheets of a workbook package: the sheets of
 * xl/workbook.xml whose relationship is an xlMacrosheet, their state,
 * the Auto_Open names, and the <f> formulas of each (as the BIFF reader
 * in xlm.c gives them). */
static art_status excel_macrosheets(walk *w,
                                    const art_dissect_input *in,
                                    art_dissect_sink *sink,
                                    json_t *sum)
{
  part *wb = find_part(w, "xl/workbook.xml"),
       *rels = find_part(w, "xl/_rels/workbook.xml.rels");
  const char *e, *lim;
  size_t macro = 0, nf = 0;
  int hidden = 0, autoexec = 0;
  char *text = NULL;
  size_t tl = 0;
  art_status st = ART_OK;
  if (!wb && (rels = find_part(w, "xl/_rels/workbook.bin.rels")) != NULL &&
      (wb = find_part(w, "xl/workbook.bin")) != NULL) {
    xlsb_rels x = {w, rels};
    return art__xlm_dissect_xlsb((const uint8_t *)wb->data, wb->len, xlsb_part,
                                 &x, in, sink, sum);
  }
  if (!wb || !rels)
    return ART_OK;
  json_t *x = json_object(), *sheets = json_array(), *names = json_array(),
         *fl = json_array(), *kw = json_array();
  lim = wb->data + wb->len;
  for (const char *t = next_tag(wb->data, lim, "sheet", &e); t;
       t = next_tag(e, lim, "sheet", &e)) {
    char *nm = attr(t, e, "name"), *state = attr(t, e, "state"),
         *rid = attr(t, e, "id");
    const char *kind;
    part *ms = sheet_rel(w, rels, rid, &kind);
    const char *stn = !state || strcmp(state, "visible") == 0 ? "visible"
                      : strcmp(state, "veryHidden") == 0      ? "very_hidden"
                                                              : "hidden";
    json_t *o = json_object();
    json_object_set_new(o, "name", art__dissect_jstr(nm ? nm : ""));
    json_object_set_new(o, "type", json_string(kind));
    json_object_set_new(o, "state", json_string(stn));
    json_array_append_new(sheets, o);
    if (strcmp(kind, "macro") == 0) {
      macro++;
      if (strcmp(stn, "visible") != 0)
        hidden = 1;
      const char *ml = ms ? ms->data + ms->len : NULL, *ce;
      for (const char *c = ms ? next_tag(ms->data, ml, "c", &ce) : NULL; c;
           c = next_tag(ce, ml, "c", &ce)) {
        if (ce[-1] == '/')
          continue;
        char *ref = attr(c, ce, "r");
        const char *cend = strstr(ce, "</");
        const char *fe, *f = next_tag(ce, ml, "f", &fe);
        if (f && cend && f < cend && fe[-1] != '/') {
          const char *f1 = memchr(fe, '<', (size_t)(ml - fe));
          char *ft = f1 ? xml_text(fe + 1, f1) : NULL;
          if (ft) {
            nf++;
            text_add(&text, &tl, nm ? nm : "");
            text_add(&text, &tl, "!");
            text_add(&text, &tl, ref ? ref : "?");
            text_add(&text, &tl, "\t=");
            text_add(&text, &tl, ft);
            text_add(&text, &tl, "\n");
            if (json_array_size(fl) < MAX_LIST) {
              json_t *fo = json_object();
              json_object_set_new(fo, "sheet", art__dissect_jstr(nm ? nm : ""));
              json_object_set_new(fo, "cell",
                                  art__dissect_jstr(ref ? ref : ""));
              json_object_set_new(fo, "formula", art__dissect_jstr(ft));
              json_object_set_new(fo, "complete", json_true());
              json_array_append_new(fl, fo);
            }
            art__xlm_keywords(ft, kw);
            free(ft);
          }
        }
        free(ref);
      }
    }
    free(nm);
    free(state);
    free(rid);
  }
  for (const char *t = next_tag(wb->data, lim, "definedName", &e); t;
       t = next_tag(e, lim, "definedName", &e)) {
    char *nm = attr(t, e, "name");
    const char *b = nm && strncmp(nm, "_xlnm.", 6) == 0 ? nm + 6 : nm;
    if (b && (strncasecmp(b, "Auto_Open", 9) == 0 ||
              strncasecmp(b, "Auto_Close", 10) == 0 ||
              strncasecmp(b, "Auto_Activate", 13) == 0 ||
              strncasecmp(b, "Auto_Deactivate", 15) == 0)) {
      push_unique(names, b);
      autoexec = 1;
    }
    free(nm);
  }
  if (macro == 0) {
    json_decref(x);
    json_decref(sheets);
    json_decref(names);
    json_decref(fl);
    json_decref(kw);
    free(text);
    json_object_set_new(sum, "xlm", json_null());
    return ART_OK;
  }
  json_object_set_new(x, "sheets", sheets);
  json_object_set_new(x, "macro_sheets", json_integer((json_int_t)macro));
  json_object_set_new(x, "autoexec_names", names);
  json_object_set_new(x, "formulas", json_integer((json_int_t)nf));
  json_object_set_new(x, "suspicious", kw);
  json_object_set_new(x, "formula_list", fl);
  json_object_set_new(sum, "xlm", x);
  art__xlm_flags(sink, autoexec, hidden, kw);
  if (text) {
    art_dissect_child ch = {"xlm-macro",
                            "xlm_macro.txt",
                            text,
                            tl,
                            "text/x-excel-formulas",
                            NULL,
                            0};
    st = art_dissect_sink_child(sink, &ch);
  }
  free(text);
  return st == ART_ERR_LIMIT ? ART_ERR_LIMIT : ART_OK;
}

static art_status
ooxml_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  art_archive_opts o;
  art_archive *ar = NULL;
  walk w = {ART__ZIP_PARTS_INIT, 0};
  art_status st;
  art_archive_opts_init(&o);
  o.max_depth = 1;
  o.max_member_bytes = ART__ZIP_PART_MAX;
  o.max_artifacts = 100000;
  st = art_archive_new(ctx, &o, &ar);
  if (st != ART_OK)
    return st;
  art_archive_ops ops = {w_begin, art__zip_parts_data, art__zip_parts_end};
  st = art_archive_walk_buffer(ctx, ar, in->data, in->len, in->name, &ops, &w);
  art_archive_free(ar);
  if (st != ART_OK && st != ART_ERR_LIMIT && w.z.n == 0) {
    art_dissect_sink_error(sink, "%s: ooxml: %s", in->name,
                           art_ctx_errmsg(ctx));
    art__zip_parts_free(&w.z);
    return ART_ERR_CORRUPT;
  }
  json_t *sum = json_object(), *types = json_array(), *ext = json_array(),
         *dde = json_array(), *fields = json_array();
  const char *app = NULL;
  int ct_found = 0, macro_ct = 0, remote_template = 0;
  for (size_t i = 0; i < w.z.n; i++) {
    part *p = &w.z.parts[i];
    if (!p->data || ends_with(p->name, ".bin"))
      continue;
    const char *lim = p->data + p->len, *e;
    if (strcmp(p->name, "[Content_Types].xml") == 0) {
      ct_found = 1;
      for (const char *t = next_tag(p->data, lim, "Override", &e); t;
           t = next_tag(e, lim, "Override", &e)) {
        char *ty = attr(t, e, "ContentType");
        if (ty) {
          push_unique(types, ty);
          if (strstr(ty, "macroEnabled") || strstr(ty, "vbaProject"))
            macro_ct = 1;
          if (!app && strstr(ty, ".main+xml")) {
            app = strstr(ty, "wordprocessingml") ? "word"
                  : strstr(ty, "spreadsheetml")  ? "excel"
                  : strstr(ty, "presentationml") ? "powerpoint"
                  : strstr(ty, "ms-word")        ? "word"
                  : strstr(ty, "ms-excel")       ? "excel"
                  : strstr(ty, "ms-powerpoint")  ? "powerpoint"
                                                 : NULL;
          }
        }
        free(ty);
      }
    } else if (ends_with(p->name, ".rels")) {
      for (const char *t = next_tag(p->data, lim, "Relationship", &e); t;
           t = next_tag(e, lim, "Relationship", &e)) {
        char *mode = attr(t, e, "TargetMode");
        if (mode && strcasecmp(mode, "External") == 0) {
          char *ty = attr(t, e, "Type"), *tg = attr(t, e, "Target"),
               *id = attr(t, e, "Id");
          if (json_array_size(ext) < MAX_LIST) {
            json_t *r = json_object();
            json_object_set_new(r, "part", art__dissect_jstr(p->name));
            json_object_set_new(r, "id", art__dissect_jstr(id));
            json_object_set_new(r, "type", art__dissect_jstr(short_type(ty)));
            json_object_set_new(r, "target", art__dissect_jstr(tg));
            json_array_append_new(ext, r);
          }
          const char *st_ = short_type(ty);
          if (st_ &&
              (strcmp(st_, "attachedTemplate") == 0 ||
               strcmp(st_, "oleObject") == 0 || strcmp(st_, "frame") == 0 ||
               strcmp(st_, "subDocument") == 0))
            remote_template = 1;
          if (tg && (strncasecmp(tg, "mhtml:", 6) == 0 ||
                     strncasecmp(tg, "ms-msdt:", 8) == 0 ||
                     strncasecmp(tg, "search-ms:", 10) == 0))
            art_dissect_sink_flag(sink, "ooxml_protocol_handler_link");
          free(ty);
          free(tg);
          free(id);
        }
        free(mode);
      }
    } else {
      word_fields(p, dde, fields);
      /* Excel DDE links: <ddeLink ddeService="cmd" ddeTopic="..."> */
      for (const char *t = next_tag(p->data, lim, "ddeLink", &e); t;
           t = next_tag(e, lim, "ddeLink", &e)) {
        char *sv = attr(t, e, "ddeService"), *tp = attr(t, e, "ddeTopic");
        char buf[2048];
        snprintf(buf, sizeof buf, "%s%s%s", sv ? sv : "", sv && tp ? " " : "",
                 tp ? tp : "");
        push_unique(dde, buf);
        free(sv);
        free(tp);
      }
    }
  }
  json_object_set_new(sum, "application", app ? json_string(app) : json_null());
  json_object_set_new(sum, "content_types_found", json_boolean(ct_found));
  json_object_set_new(sum, "content_types", types);
  json_object_set_new(sum, "macros", json_boolean(w.vba || macro_ct));
  json_object_set_new(sum, "external_relationships", ext);
  json_object_set_new(sum, "dde", dde);
  json_object_set_new(sum, "fields", fields);
  if (w.vba || macro_ct)
    art_dissect_sink_flag(sink, "ooxml_macros");
  if (json_array_size(ext))
    art_dissect_sink_flag(sink, "ooxml_external_relationship");
  if (remote_template)
    art_dissect_sink_flag(sink, "ooxml_remote_content");
  if (json_array_size(dde))
    art_dissect_sink_flag(sink, "ooxml_dde");
  art_status xs = excel_macrosheets(&w, in, sink, sum);
  art__zip_parts_free(&w.z);
  art_status ss = art__dissect_summary(sink, sum);
  return ss != ART_OK ? ss : xs;
}

const art_dissector art__dissect_ooxml = {
    "ooxml",
    "OOXML packages: content types, macros, external relationships, DDE",
    ooxml_recognise, ooxml_run};
