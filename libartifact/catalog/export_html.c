/* Evidence catalogue: the printable HTML register (a court exhibit): an
 * index of items, one chain-of-custody form per item with case and item on
 * every printed page, signature verification and key fingerprints, blank
 * lines for handwritten signatures, the checkpoint at the foot.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "../core/datefmt_private.h"
#include "catalog_private.h"
#include "i18n.h"

/* Every value goes through the neutraliser: markup escaped, control,
 * bidirectional and invisible characters shown as visible markers. */
static void esc(art__buf *b, const char *s)
{
  art__cat_text_safe(b, s, 1);
}

/* A CSS string's content (for @page headers): only plain characters kept,
 * everything else as a hex escape, so no value can end the string or the
 * style sheet. */
static void css_str(art__buf *b, const char *s)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  if (art__cat_utf8_bad((const char *)p)) {
    art__buf_str(b, "(not UTF-8)");
    return;
  }
  for (; *p; p++) {
    if (*p < 0x20 || *p == '"' || *p == '\\' || *p == '<' || *p == '>' ||
        *p == '&' || *p == 0x7f)
      art__buf_printf(b, "\\%x ", *p);
    else if (*p >= 0x80) {
      /* bidi/invisible controls become a visible code */
      unsigned n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
      unsigned cp = *p & (0x7f >> n);
      for (unsigned k = 1; k < n && p[k]; k++)
        cp = cp << 6 | (p[k] & 0x3f);
      art__buf tmp = {0};
      char one[5] = {0};
      memcpy(one, p, n);
      art__cat_text_safe(&tmp, one, 0);
      if (tmp.data && strcmp(tmp.data, one) == 0)
        art__buf_add(b, p, n);
      else
        art__buf_printf(b, "[U+%04X]", cp);
      art__buf_free(&tmp);
      p += n - 1;
    } else
      art__buf_add(b, p, 1);
  }
}

static const char *js(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void cell(art__buf *b, const char *cls, const char *s)
{
  if (cls)
    art__buf_printf(b, "<td class=\"%s\">", cls);
  else
    art__buf_str(b, "<td>");
  esc(b, s);
  art__buf_str(b, "</td>");
}

/* Print rules: table headers repeat on every page (thead), words and
 * numbers never split (no break-all; hashes and ids do not wrap), one form
 * per item starting on a new page. */
static const char style[] =
    "body{font-family:'DejaVu Serif',serif;font-size:10pt;color:#000;"
    "margin:0}"
    "h1{font-size:15pt;margin:0 0 .3em}h2{font-size:12.5pt;margin:.2em 0;"
    "border-bottom:1px solid #000}h3{font-size:10.5pt;margin:.7em 0 .25em}"
    "table{border-collapse:collapse;width:100%;margin-bottom:.45em}"
    "thead{display:table-header-group}tfoot{display:table-footer-group}"
    "tr{break-inside:avoid;page-break-inside:avoid}"
    "th,td{border:1px solid #444;padding:2px 4px;text-align:left;"
    "vertical-align:top;font-size:8.5pt;word-break:normal;"
    "overflow-wrap:normal;hyphens:none}"
    "th{background:#eee}"
    "tr.caption th{background:#fff;border:none;border-bottom:1px solid #000;"
    "font-weight:normal;font-size:8pt;padding:0 0 2px}"
    "td.n,td.t,td.id,code{white-space:nowrap}"
    "td.n{text-align:right}"
    "code,td.id,td.h{font-family:'DejaVu Sans Mono',monospace;font-size:7pt}"
    "table.kv th{width:20%}"
    "td.sig{white-space:nowrap}"
    "span.cc{border:1px solid #c00;color:#c00;font-family:monospace;"
    "font-size:7pt;padding:0 1px}"
    "span.ok{font-weight:bold}span.bad{font-weight:bold;color:#c00}"
    "pre.checkpoint{border:1px solid #000;padding:4px;font-size:7.5pt;"
    "white-space:pre-wrap;word-break:normal}"
    "section.item{break-before:page;page-break-before:always}"
    "table.sign td{height:2.4em;border:none;border-bottom:1px solid #000}"
    "table.sign th{border:none;background:none;width:14%;"
    "vertical-align:bottom}"
    "@media screen{body{margin:1.5cm}}";

/* One key of the chain, for the signature column. */
typedef struct hkey {
  char id[33];
  uint8_t pub[32];
  char owner[256];
  uint64_t reg, rev;
  int authorised;
} hkey;

typedef struct html_run {
  art__buf *out;
  hkey *keys;
  size_t nkeys;
  const char *caption; /* case and item, in every table head */
  const char *zone;    /* dates' zone: the examiner's (default UTC) */
  art__date_style style;
} html_run;

static const hkey *find_key(const html_run *r, const char *id)
{
  for (size_t i = 0; i < r->nkeys; i++)
    if (strcmp(r->keys[i].id, id) == 0)
      return &r->keys[i];
  return NULL;
}

/* "valid", "key unknown" or "invalid (...)", checked here from the
 * registered public key, the way verify does. */
static const char *sig_status(const html_run *r, json_t *e, int *good)
{
  *good = 0;
  const char *kid = js(e, "key_id");
  if (!*kid)
    return "";
  const hkey *k = find_key(r, kid);
  uint64_t seq = (uint64_t)json_integer_value(json_object_get(e, "seq"));
  int self = strcmp(js(e, "type"), "admin_key") == 0;
  if (!k || (!self && k->reg >= seq))
    return _("key unknown");
  uint8_t hash[ART__CAT_HASH_LEN], sig[ART__CAT_SIG_LEN];
  if (art__cat_unhex(js(e, "record_hash"), hash, sizeof hash) != 0 ||
      art__cat_unhex(js(e, "signature"), sig, sizeof sig) != 0)
    return _("invalid (no signature)");
  uint8_t msg[ART__CAT_SIG_MSG_MAX];
  size_t mlen;
  art__cat_sig_message(hash, msg, &mlen);
  if (art__cat_verify_sig(k->pub, msg, mlen, sig) != 0)
    return _("invalid");
  if (k->rev && k->rev < seq)
    return _("invalid (key revoked)");
  if (strcmp(k->owner, js(e, "actor")) != 0)
    return _("invalid (not the actor's key)");
  *good = 1;
  return k->authorised ? _("valid") : _("valid (key not authorised)");
}

static void caption_row(art__buf *b, const char *caption, int cols)
{
  art__buf_printf(b, "<tr class=\"caption\"><th colspan=\"%d\">", cols);
  art__buf_str(b, caption); /* already escaped */
  art__buf_str(b, "</th></tr>");
}

static void event_detail(art__buf *b, json_t *e)
{
  json_t *p = json_loads(js(e, "payload"), 0, NULL);
  if (!p)
    return;
  /* payload key (machine) and its label (for a person) */
  static const char *const keys[][2] = {{"note", ""},
                                        {"seal_number", N_("seal ")},
                                        {"result", N_("result: ")},
                                        {"tool", N_("tool: ")},
                                        {"late_entry", N_("LATE ENTRY: ")}};
  int any = 0;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (*js(p, keys[i][0])) {
      if (any++)
        art__buf_str(b, "; ");
      art__buf_str(b, *keys[i][1] ? _(keys[i][1]) : "");
      esc(b, js(p, keys[i][0]));
    }
  if (json_object_get(p, "after")) {
    art__buf_str(b, any++ ? "; " : "");
    art__buf_str(b, _("amended fields"));
  }
  if (*js(p, "occurred_offset")) {
    art__buf_str(b, any++ ? "; " : "");
    art__buf_str(b, _("given with offset "));
    esc(b, js(p, "occurred_offset"));
  }
  if (json_integer_value(json_object_get(p, "transfer_seq"))) {
    art__buf_printf(
        b, _("%sacknowledges event %lld"), any++ ? "; " : "",
        (long long)json_integer_value(json_object_get(p, "transfer_seq")));
  }
  json_decref(p);
}

/* A date shown in the examiner's zone with UTC beside, whatever offset it
 * was recorded with (the zone it was given in is in the details). */
static void date_cell(const html_run *r, art__buf *b, const char *when)
{
  art__cat_time t;
  char s[192];
  /* seconds precision: the register is read by people */
  if (art__cat_time_parse(NULL, "date", when, &t) == ART_OK &&
      art__date_human(s, sizeof s, t.secs, 0, 0, r->zone, r->style) == 0)
    cell(b, "t", s);
  else
    cell(b, "t", when);
}

/* The paper of the LC_PAPER locale (glibc): letter where it is 216 mm
 * wide, else A4. */
static const char *locale_paper(void)
{
#ifdef __GLIBC__
  /* a 32-bit number handed back in the pointer: only its low half is
   * set (the rest is whatever the locale data's word held) */
  if ((uint32_t)(uintptr_t)nl_langinfo(_NL_PAPER_WIDTH) == 216)
    return "letter";
#endif
  return "A4";
}

static int html_event(void *ud, json_t *e)
{
  html_run *r = ud;
  art__buf *out = r->out;
  char seq[32];
  snprintf(seq, sizeof seq, "%lld",
           (long long)json_integer_value(json_object_get(e, "seq")));
  art__buf_str(out, "<tr>");
  cell(out, "n", seq);
  date_cell(r, out,
            *js(e, "occurred_at") ? js(e, "occurred_at")
                                  : js(e, "recorded_at"));
  cell(out, NULL, js(e, "type"));
  cell(out, NULL, js(e, "from"));
  cell(out, NULL, js(e, "to"));
  cell(out, NULL, js(e, "purpose"));
  cell(out, NULL, js(e, "location"));
  cell(out, NULL, js(e, "actor"));
  art__buf_str(out, "<td>");
  event_detail(out, e);
  art__buf_str(out, "</td><td class=\"sig\">");
  int good;
  const char *status = sig_status(r, e, &good);
  if (*status) {
    art__buf_printf(out, "<span class=\"%s\">", good ? "ok" : "bad");
    esc(out, status);
    art__buf_str(out, "</span><br><code>");
    esc(out, js(e, "key_id"));
    art__buf_str(out, "</code>");
  } else {
    art__buf_str(out, _("unsigned"));
  }
  art__buf_str(out, "</td></tr>\n");
  return out->failed ? -1 : 0;
}

/* The label a person reads for an item field (the field names themselves
 * are the catalogue's machine keys). */
static const char *field_label(const char *name)
{
  static const char *const labels[][2] = {
      {"description", N_("Description")},
      {"kind", N_("Kind")},
      {"type_label", N_("Type")},
      {"make", N_("Make")},
      {"model", N_("Model")},
      {"serial_number", N_("Serial number")},
      {"capacity", N_("Capacity")},
      {"condition", N_("Condition")},
      {"source_host", N_("Source host")},
      {"source_identifier", N_("Source identifier")},
      {"owner", N_("Owner")},
      {"found_location", N_("Where found")},
      {"collection_method", N_("Collection method")},
      {"acq_tool", N_("Acquisition tool")},
      {"acq_tool_version", N_("Acquisition tool version")},
      {"acq_settings", N_("Acquisition settings")},
      {"write_blocker", N_("Write blocker")},
      {"acquired_by", N_("Acquired by")},
      {"acquired_at", N_("Acquired at")},
      {"acquired_where", N_("Acquired where")},
      {"storage_location", N_("Storage location")},
      {"seal_number", N_("Seal number")},
      {"file_name", N_("File name")},
      {"size_bytes", N_("Size (bytes)")},
      {"mime_type", N_("MIME type")},
      {"derivation", N_("Derivation")},
      {"parent_item", N_("Parent item")},
      {"container_format", N_("Container format")},
      {"notes", N_("Notes")}};
  for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i][0], name) == 0)
      return _(labels[i][1]);
  return name;
}

static void kv_table(art__buf *b, json_t *it, int acq, const char *caption)
{
  int rows = 0;
  for (size_t i = 0; art__cat_item_fields[i]; i++) {
    const char *name = art__cat_item_fields[i];
    int is_acq = strncmp(name, "acq", 3) == 0 ||
                 strcmp(name, "write_blocker") == 0 ||
                 strcmp(name, "collection_method") == 0;
    if (is_acq != acq || !*js(it, name))
      continue;
    if (!rows++) {
      art__buf_str(b, "<table class=\"kv\"><thead>");
      caption_row(b, caption, 2);
      art__buf_str(b, "</thead><tbody>");
    }
    art__buf_str(b, "<tr><th>");
    esc(b, field_label(name));
    art__buf_str(b, "</th>");
    cell(b, strcmp(name, "size_bytes") == 0 ? "n" : NULL, js(it, name));
    art__buf_str(b, "</tr>");
  }
  if (rows)
    art__buf_str(b, "</tbody></table>\n");
  else
    art__buf_printf(b, "<p>%s</p>\n", _("None recorded."));
}

static void sign_block(art__buf *b)
{
  art__buf_printf(b, "<h3>%s</h3>\n<table class=\"sign\">",
                  _("Signatures (by hand)"));
  for (int row = 0; row < 2; row++)
    art__buf_printf(b,
                    "<tr><th>%s</th><td></td><th>%s</th><td></td>"
                    "<th>%s</th><td></td></tr>",
                    _("Name"), _("Signature"), _("Date"));
  art__buf_str(b, "</table>\n");
}

static art_status
html_item(art_ctx *ctx, art_catalog *cat, html_run *r, int64_t id, int n)
{
  art__buf *out = r->out;
  json_t *it = art__cat_item_json(ctx, cat, id, 0);
  if (!it)
    return art_ctx_status(ctx);
  json_t *state = json_object_get(it, "state");
  art__buf cap = {0};
  art__buf_str(&cap, _("Case "));
  esc(&cap, js(it, "case"));
  art__buf_str(&cap, " &middot; ");
  art__buf_str(&cap, _("item "));
  esc(&cap, js(it, "item_number"));
  r->caption = cap.data ? cap.data : "";
  art__buf_printf(out, "<section class=\"item\" id=\"item-%d\">\n<h2>%s", n,
                  _("Item "));
  esc(out, js(it, "item_number"));
  art__buf_printf(out, " &mdash; %s", _("case "));
  esc(out, js(it, "case"));
  art__buf_printf(out, "</h2>\n<h3>%s</h3>\n", _("Description"));
  kv_table(out, it, 0, r->caption);
  art__buf_printf(out, "<h3>%s</h3>\n<table><thead>", _("Hashes"));
  caption_row(out, r->caption, 5);
  art__buf_printf(out,
                  "<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "<th>%s</th></tr></thead><tbody>",
                  _("Algorithm"), _("Value"), _("Origin"), _("Status"),
                  _("Event"));
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(it, "hashes"), i, h)
  {
    char seq[32];
    snprintf(seq, sizeof seq, "%lld",
             (long long)json_integer_value(json_object_get(h, "event_seq")));
    art__buf_str(out, "<tr>");
    cell(out, NULL, js(h, "algorithm"));
    cell(out, "h", js(h, "value"));
    cell(out, NULL, js(h, "origin"));
    cell(out, NULL, js(h, "status"));
    cell(out, "n", seq);
    art__buf_str(out, "</tr>");
  }
  art__buf_printf(out, "</tbody></table>\n<h3>%s</h3>\n", _("Acquisition"));
  kv_table(out, it, 1, r->caption);
  art__buf_printf(out, "<h3>%s</h3>\n<table><thead>", _("Chain of custody"));
  caption_row(out, r->caption, 10);
  art__buf_printf(
      out,
      "<tr><th>#</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
      "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
      "</tr></thead><tbody>\n",
      strcmp(r->zone, "UTC") == 0 ? _("Date/time (UTC)") : _("Date/time"),
      _("Event"), _("Released by"), _("Received by"), _("Purpose"),
      _("Location"), _("Recorded by"), _("Details"), _("Signature check"));
  art_status st =
      art__cat_each_event(ctx, cat, "ORDER BY seq", id, html_event, r);
  art__buf_printf(out, "</tbody></table>\n<p>%s<b>", _("Status: "));
  esc(out, js(state, "status"));
  art__buf_printf(out, "</b>%s<b>", _("; custodian: "));
  esc(out, js(state, "custodian"));
  art__buf_printf(out, "</b>%s<b>", _("; location: "));
  esc(out, *js(state, "location") ? js(state, "location") : _("not recorded"));
  art__buf_str(out, "</b>");
  if (json_is_true(json_object_get(state, "sealed"))) {
    art__buf_printf(out, "%s<b>", _("; sealed, seal "));
    esc(out, *js(state, "seal_number") ? js(state, "seal_number")
                                       : _("(no number)"));
    art__buf_str(out, "</b>");
  }
  if (json_object_get(state, "unacknowledged_transfer")) {
    art__buf_str(out, "; <span class=\"bad\">");
    art__buf_printf(out, _("transfer at event %lld not yet acknowledged by "),
                    (long long)json_integer_value(
                        json_object_get(state, "unacknowledged_transfer")));
    esc(out, js(state, "awaiting_receipt_by"));
    art__buf_str(out, "</span>");
  }
  art__buf_printf(out, "%s</p>\n", _("."));
  sign_block(out);
  art__buf_str(out, "</section>\n");
  r->caption = NULL;
  art__buf_free(&cap);
  json_decref(it);
  return st;
}

static void load_keys(html_run *r, json_t *keys)
{
  size_t n = json_array_size(keys), i;
  json_t *k;
  r->keys = n ? calloc(n, sizeof *r->keys) : NULL;
  if (!r->keys)
    return;
  json_array_foreach(keys, i, k)
  {
    hkey *h = &r->keys[r->nkeys];
    if (art__cat_unhex(js(k, "public_key"), h->pub, 32) != 0)
      continue;
    snprintf(h->id, sizeof h->id, "%s", js(k, "key_id"));
    snprintf(h->owner, sizeof h->owner, "%s", js(k, "owner"));
    h->reg = (uint64_t)json_integer_value(json_object_get(k, "registered_seq"));
    h->rev = (uint64_t)json_integer_value(json_object_get(k, "revoked_seq"));
    h->authorised = strncmp(js(k, "authorised_by"), "none", 4) != 0;
    r->nkeys++;
  }
}

art_status art__cat_export_html(art_ctx *ctx,
                                art_catalog *cat,
                                art__buf *out,
                                const char *cp)
{
  char now[192];
  art__cat_now(now, sizeof now);
  now[19] = 'Z';
  now[20] = '\0';
  json_t *all = art__cat_collect(ctx, cat);
  if (!all)
    return art_ctx_status(ctx);
  html_run r = {out, NULL, 0, NULL, NULL, art__date_style_locale()};
  r.zone = cat->display_tz[0] ? cat->display_tz : "UTC";
  int utc = strcmp(r.zone, "UTC") == 0;
  {
    /* the export time as every other date */
    art__cat_time t;
    char h[192];
    if (art__cat_time_parse(NULL, "date", now, &t) == ART_OK &&
        art__date_human(h, sizeof h, t.secs, 0, 0, r.zone, r.style) == 0)
      snprintf(now, sizeof now, "%s", h);
  }
  load_keys(&r, json_object_get(all, "keys"));
  json_t *cases = json_object_get(all, "cases"),
         *items = json_object_get(all, "items");
  /* TRANSLATORS: the lang attribute of the generated HTML pages (ja). */
  art__buf_printf(out,
                  "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
                  "charset=\"utf-8\">\n<title>%s",
                  _("en"), _("Evidence register"));
  size_t i;
  json_t *c;
  json_array_foreach(cases, i, c)
  {
    if (i)
      art__buf_str(out, ", ");
    else
      art__buf_printf(out, " &mdash; %s", _("case "));
    esc(out, js(c, "number"));
  }
  art__buf_printf(out, "</title>\n<style>%s", style);
  /* The paper, and on every page the case and item it belongs to (a named
   * page per item with its own header). */
  art__buf_printf(out,
                  "@page{size:%s landscape;margin:14mm 10mm 14mm 10mm;"
                  "@bottom-right{content:\"",
                  cat->paper[0] ? cat->paper : locale_paper());
  /* The page labels are CSS strings: through css_str like every value. */
  css_str(out, _("Page "));
  art__buf_str(out, "\" counter(page) \"");
  css_str(out, _(" of "));
  art__buf_str(out, "\" counter(pages);font-size:8pt}@bottom-left{content:\"");
  css_str(out, _("Catalogue "));
  css_str(out, cat->uuid);
  art__buf_str(out, "\";font-size:7pt}}@page index{@top-left{content:\"");
  css_str(out, _("Evidence register: index"));
  art__buf_str(out, "\";font-size:8pt}}section.index{page:index}");
  json_array_foreach(items, i, c)
  {
    art__buf_printf(out, "@page p%zu{@top-left{content:\"", i + 1);
    css_str(out, _("Case "));
    css_str(out, js(c, "case"));
    art__buf_str(out, " \\b7  ");
    css_str(out, _("item "));
    css_str(out, js(c, "item_number"));
    art__buf_printf(out, "\";font-size:8pt}}#item-%zu{page:p%zu}", i + 1,
                    i + 1);
  }
  art__buf_str(out, "</style>\n</head><body>\n");
  art__buf_printf(out,
                  "<section class=\"index\"><header><h1>%s</h1>\n<p>%s<code>",
                  _("Evidence register and chain of custody"), _("Catalogue "));
  esc(out, cat->uuid);
  art__buf_printf(out, "</code>%s", _(", exported "));
  esc(out, now);
  if (utc)
    art__buf_printf(out, "%s</p></header>\n", _(". All dates are UTC."));
  else {
    art__buf z = {0};
    esc(&z, r.zone);
    art__buf_printf(out, _(". Dates are in %s, with UTC beside them."),
                    z.data ? z.data : "");
    art__buf_str(out, "</p></header>\n");
    art__buf_free(&z);
  }
  /* Cases */
  art__buf_printf(out,
                  "<h2>%s</h2>\n<table><thead><tr><th>%s</th><th>%s</th>"
                  "<th>%s</th></tr></thead><tbody>",
                  _("Cases"), _("Case"), _("Title"), _("Opened at event"));
  json_array_foreach(cases, i, c)
  {
    char seq[32];
    snprintf(seq, sizeof seq, "%lld",
             (long long)json_integer_value(json_object_get(c, "opened_seq")));
    art__buf_str(out, "<tr>");
    cell(out, NULL, js(c, "number"));
    cell(out, NULL, js(c, "title"));
    cell(out, "n", seq);
    art__buf_str(out, "</tr>");
  }
  art__buf_str(out, "</tbody></table>\n");
  /* Index of items */
  art__buf_printf(out,
                  "<h2>%s</h2>\n<table><thead><tr><th>#</th><th>%s</th>"
                  "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "</tr></thead><tbody>",
                  _("Index of items"), _("Case"), _("Item"), _("Description"),
                  _("Status"), _("Custodian"), _("Seal"));
  json_array_foreach(items, i, c)
  {
    json_t *state = json_object_get(c, "state");
    art__buf_printf(out,
                    "<tr><td class=\"n\"><a href=\"#item-%zu\">%zu</a>"
                    "</td>",
                    i + 1, i + 1);
    cell(out, NULL, js(c, "case"));
    cell(out, NULL, js(c, "item_number"));
    cell(out, NULL, js(c, "description"));
    cell(out, NULL, js(state, "status"));
    cell(out, NULL, js(state, "custodian"));
    cell(out, NULL,
         json_is_true(json_object_get(state, "sealed"))
             ? js(state, "seal_number")
             : "");
    art__buf_str(out, "</tr>");
  }
  art__buf_str(out, "</tbody></table>\n");
  /* Keys */
  art__buf_printf(
      out,
      "<h2>%s</h2>\n<p>%s</p>\n<table><thead><tr><th>%s</th><th>%s</th>"
      "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
      "<tbody>",
      _("Signing keys"),
      _("Each signature in the custody tables was checked against the "
        "public key registered in the chain: <i>valid</i>, <i>key "
        "unknown</i> (not registered before it signed) or <i>invalid</i>."),
      _("Key id"), _("Person"), _("Role"),
      _("Fingerprint (SHA-256 of the public key)"), _("Registered"),
      _("Revoked"), _("Authorised by"));
  json_t *k;
  json_array_foreach(json_object_get(all, "keys"), i, k)
  {
    char reg[32], rev[32] = "";
    snprintf(
        reg, sizeof reg, _("event %lld"),
        (long long)json_integer_value(json_object_get(k, "registered_seq")));
    if (json_object_get(k, "revoked_seq"))
      snprintf(
          rev, sizeof rev, _("event %lld"),
          (long long)json_integer_value(json_object_get(k, "revoked_seq")));
    art__buf_str(out, "<tr>");
    cell(out, "id", js(k, "key_id"));
    cell(out, NULL, js(k, "owner"));
    cell(out, NULL, js(k, "role"));
    cell(out, "id", js(k, "fingerprint_sha256"));
    cell(out, "t", reg);
    cell(out, "t", rev);
    cell(out, NULL, js(k, "authorised_by"));
    art__buf_str(out, "</tr>");
  }
  if (!json_array_size(json_object_get(all, "keys")))
    art__buf_printf(out, "<tr><td colspan=\"7\">%s</td></tr>",
                    _("No keys: the events are unsigned."));
  art__buf_str(out, "</tbody></table>\n</section>\n");
  art__cat_stmt *q;
  art_status st =
      art__cat_prepare(ctx, cat, "SELECT id FROM items ORDER BY id", &q);
  int n = 0;
  while (st == ART_OK && art__cat_step(q) == ART__CAT_ROW)
    st = html_item(ctx, cat, &r, art__cat_col_int64(q, 0), ++n);
  art__cat_finish(cat, q);
  free(r.keys);
  json_decref(all);
  if (st != ART_OK)
    return st;
  art__buf_printf(out,
                  "<footer><h2>%s</h2>\n<p>%s</p>\n<pre class=\"checkpoint\">",
                  _("Checkpoint"),
                  _("This register shows the custody chain up to the "
                    "checkpoint below. Check a catalogue against it with "
                    "<code>art-catalog verify --checkpoint FILE</code>."));
  /* Our own text (ASCII lines): markup escaped, line breaks kept, so
   * verify --checkpoint can read it back. */
  for (const char *p = cp; *p; p++) {
    if (*p == '\n')
      art__buf_str(out, "\n");
    else {
      char one[2] = {*p, 0};
      esc(out, one);
    }
  }
  art__buf_str(out, "</pre>\n");
  sign_block(out);
  art__buf_str(out, "</footer>\n</body></html>\n");
  return ART_OK;
}
