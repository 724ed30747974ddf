/* Evidence catalogue: the printable HTML register, one chain-of-custody
 * form per item, self-contained, with the checkpoint at the foot.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "catalog_private.h"

static void esc(art__buf *b, const char *s)
{
  if (!s)
    return;
  for (const char *p = s; *p; p++) {
    switch (*p) {
    case '&':
      art__buf_str(b, "&amp;");
      break;
    case '<':
      art__buf_str(b, "&lt;");
      break;
    case '>':
      art__buf_str(b, "&gt;");
      break;
    case '"':
      art__buf_str(b, "&quot;");
      break;
    case '\'':
      art__buf_str(b, "&#39;");
      break;
    default:
      art__buf_add(b, p, 1);
    }
  }
}

static const char *js(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void cell(art__buf *b, const char *tag, const char *s)
{
  art__buf_printf(b, "<%s>", tag);
  esc(b, s);
  art__buf_printf(b, "</%s>", tag);
}

static const char style[] =
    "body{font-family:serif;font-size:11pt;margin:1.5cm;color:#000}"
    "h1{font-size:16pt}h2{font-size:13pt;border-bottom:1px solid #000}"
    "h3{font-size:11pt;margin:.8em 0 .3em}"
    "table{border-collapse:collapse;width:100%;margin-bottom:.5em}"
    "th,td{border:1px solid #444;padding:2px 4px;text-align:left;"
    "vertical-align:top;font-size:9pt;word-break:break-all}"
    "table.kv th{width:22%;background:#eee}"
    "td.sig{min-width:7em;height:2.2em}"
    "code,pre{font-family:monospace;font-size:8pt}"
    "pre.checkpoint{border:1px solid #000;padding:4px;white-space:pre-wrap}"
    "section.item{page-break-after:always;break-after:page}"
    "@media print{body{margin:0}}";

static void kv_table(art__buf *b, json_t *it, int acq)
{
  int rows = 0;
  for (size_t i = 0; art__cat_item_fields[i]; i++) {
    const char *name = art__cat_item_fields[i];
    int is_acq = strncmp(name, "acq", 3) == 0 ||
                 strcmp(name, "write_blocker") == 0 ||
                 strcmp(name, "collection_method") == 0;
    if (is_acq != acq || !*js(it, name))
      continue;
    art__buf_str(b, rows++ ? "<tr>" : "<table class=\"kv\"><tr>");
    cell(b, "th", name);
    cell(b, "td", js(it, name));
    art__buf_str(b, "</tr>");
  }
  art__buf_str(b, rows ? "</table>\n" : "<p>None recorded.</p>\n");
}

static const char *event_detail(json_t *e, char *buf, size_t len)
{
  json_t *p = json_loads(js(e, "payload"), 0, NULL);
  buf[0] = '\0';
  if (p) {
    const char *note = js(p, "note"), *seal = js(p, "seal_number"),
               *res = js(p, "result");
    snprintf(buf, len, "%s%s%s%s%s%s", *note ? note : "", *seal ? " seal " : "",
             seal, *res ? " result: " : "", res,
             json_object_get(p, "after") ? " (amended fields)" : "");
    json_decref(p);
  }
  return buf;
}

static int html_event(void *ud, json_t *e)
{
  art__buf *out = ud;
  char seq[32], detail[600];
  snprintf(seq, sizeof seq, "%lld",
           (long long)json_integer_value(json_object_get(e, "seq")));
  art__buf_str(out, "<tr>");
  cell(out, "td", seq);
  cell(out, "td",
       *js(e, "occurred_at") ? js(e, "occurred_at") : js(e, "recorded_at"));
  cell(out, "td", js(e, "type"));
  cell(out, "td", js(e, "from"));
  cell(out, "td", js(e, "to"));
  cell(out, "td", js(e, "purpose"));
  cell(out, "td", js(e, "location"));
  cell(out, "td", js(e, "actor"));
  cell(out, "td", event_detail(e, detail, sizeof detail));
  art__buf_str(out, "<td class=\"sig\">");
  if (*js(e, "key_id")) {
    art__buf_str(out, "signed, key <code>");
    esc(out, js(e, "key_id"));
    art__buf_str(out, "</code>");
  }
  art__buf_str(out, "</td></tr>\n");
  return out->failed ? -1 : 0;
}

static art_status
html_item(art_ctx *ctx, art_catalog *cat, art__buf *out, int64_t id)
{
  json_t *it = art__cat_item_json(ctx, cat, id, 0);
  if (!it)
    return art_ctx_status(ctx);
  json_t *state = json_object_get(it, "state");
  art__buf_str(out, "<section class=\"item\">\n<h2>Item ");
  esc(out, js(it, "item_number"));
  art__buf_str(out, " &mdash; case ");
  esc(out, js(it, "case"));
  art__buf_str(out, "</h2>\n<h3>Description</h3>\n");
  kv_table(out, it, 0);
  art__buf_str(out, "<h3>Hashes</h3>\n<table><tr><th>Algorithm</th>"
                    "<th>Value</th><th>Origin</th><th>Status</th>"
                    "<th>Event</th></tr>");
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(it, "hashes"), i, h)
  {
    char seq[32];
    snprintf(seq, sizeof seq, "%lld",
             (long long)json_integer_value(json_object_get(h, "event_seq")));
    art__buf_str(out, "<tr>");
    cell(out, "td", js(h, "algorithm"));
    art__buf_str(out, "<td><code>");
    esc(out, js(h, "value"));
    art__buf_str(out, "</code></td>");
    cell(out, "td", js(h, "origin"));
    cell(out, "td", js(h, "status"));
    cell(out, "td", seq);
    art__buf_str(out, "</tr>");
  }
  art__buf_str(out, "</table>\n<h3>Acquisition</h3>\n");
  kv_table(out, it, 1);
  art__buf_str(out, "<h3>Chain of custody</h3>\n<table><tr><th>#</th>"
                    "<th>Date/time (UTC)</th><th>Event</th><th>Released by</th>"
                    "<th>Received by</th><th>Purpose</th><th>Location</th>"
                    "<th>Recorded by</th><th>Details</th><th>Signature</th>"
                    "</tr>\n");
  art_status st =
      art__cat_each_event(ctx, cat, "ORDER BY seq", id, html_event, out);
  art__buf_str(out, "</table>\n<p>Status: <b>");
  esc(out, js(state, "status"));
  art__buf_str(out, "</b>; custodian: <b>");
  esc(out, js(state, "custodian"));
  art__buf_str(out, "</b>; location: <b>");
  esc(out, *js(state, "location") ? js(state, "location") : "not recorded");
  art__buf_str(out, "</b>.</p>\n</section>\n");
  json_decref(it);
  return st;
}

art_status art__cat_export_html(art_ctx *ctx,
                                art_catalog *cat,
                                art__buf *out,
                                const char *cp)
{
  char now[40];
  art__cat_now(now, sizeof now);
  art__buf_str(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
                    "charset=\"utf-8\">\n<title>Evidence register ");
  esc(out, cat->uuid);
  art__buf_printf(out, "</title>\n<style>%s</style>\n</head><body>\n", style);
  art__buf_str(out, "<header><h1>Evidence register and chain of "
                    "custody</h1>\n<p>Catalogue <code>");
  esc(out, cat->uuid);
  art__buf_str(out, "</code>, exported ");
  esc(out, now);
  art__buf_str(out, " (UTC).</p></header>\n");
  sqlite3_stmt *q;
  art_status st =
      art__cat_prepare(ctx, cat, "SELECT id FROM items ORDER BY id", &q);
  if (st != ART_OK)
    return st;
  while (st == ART_OK && sqlite3_step(q) == SQLITE_ROW)
    st = html_item(ctx, cat, out, sqlite3_column_int64(q, 0));
  art__cat_finish(cat, q);
  if (st != ART_OK)
    return st;
  art__buf_str(out,
               "<footer><h2>Checkpoint</h2>\n<p>This register shows "
               "the custody chain up to the checkpoint below. Check a "
               "catalogue against it with <code>art-catalog verify "
               "--checkpoint FILE</code>.</p>\n<pre class=\"checkpoint\">");
  esc(out, cp);
  art__buf_str(out, "</pre>\n</footer>\n</body></html>\n");
  return ART_OK;
}
