/* HTML writer: one self-contained page (no network) with a histogram of
 * events over time and a sortable, filterable table.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The events are written, as they come out of the sort, into a JSON array
 * inside <script type="application/json"> ('/' escaped, so no "</script>"
 * can appear); a small inline script draws the histogram as SVG and fills
 * the table. The table shows at most 5000 matching rows at a time.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/datefmt_private.h"
#include "i18n.h"
#include "timeline_private.h"

/* The page up to the events; %s are the labels (escaped), in order: lang,
 * title, heading, histogram label, "Filter:", placeholder, "Kind:", "all",
 * "deleted only", then the eight column heads. */
static const char head_fmt[] =
    "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
    "<title>%s</title>\n<style>\n"
    "body{font:13px sans-serif;margin:1em}table{border-collapse:collapse;"
    "width:100%%}th,td{border:1px solid #ccc;padding:2px 4px;text-align:left;"
    "white-space:nowrap}th{background:#eee;cursor:pointer}"
    "td.n{white-space:pre-wrap;word-break:break-all}"
    "#hist rect{fill:#4a7bb7}#hist rect:hover{fill:#d55}"
    "tr.del td{color:#a00}#filters input,#filters select{margin-right:1em}\n"
    "</style></head><body>\n<h1>%s</h1>\n"
    "<p id=\"summary\"></p>\n<svg id=\"hist\" width=\"1000\" height=\"160\" "
    "role=\"img\" aria-label=\"%s\"></svg>\n"
    "<div id=\"filters\">%s <input id=\"q\" type=\"search\" "
    "placeholder=\"%s\"> %s <select id=\"kind\">"
    "<option value=\"\">%s</option></select> <label><input id=\"del\" "
    "type=\"checkbox\"> %s</label></div>\n"
    "<table id=\"tl\"><thead><tr><th data-c=\"1\">%s</th>"
    "<th data-c=\"2\">%s</th><th data-c=\"3\">%s</th><th data-c=\"4\">"
    "%s</th><th data-c=\"5\">%s</th><th data-c=\"6\">%s</th>"
    "<th data-c=\"7\">%s</th><th data-c=\"8\">%s</th></tr>"
    "</thead><tbody></tbody></table>\n"
    "<script id=\"events\" type=\"application/json\">[";

/* After the events: the labels the script shows (a JSON object, see
 * labels_json), then the script. */
static const char tail_labels[] =
    "]</script>\n<script id=\"labels\" type=\"application/json\">";

static const char tail[] =
    "</script>\n<script>\n"
    "(function(){\n"
    "var E=JSON.parse(document.getElementById('events').textContent);\n"
    "var L=JSON.parse(document.getElementById('labels').textContent);\n"
    "function fmt(s,a){return s.replace(/\\{(\\d)\\}/g,function(m,i){"
    "return a[+i];});}\n"
    "var LIMIT=5000,sortCol=0,sortDir=1;\n"
    "var q=document.getElementById('q'),ks=document.getElementById('kind'),"
    "dl=document.getElementById('del');\n"
    "var kinds={};E.forEach(function(e){kinds[e[2]]=1;});\n"
    "Object.keys(kinds).sort().forEach(function(k){var o=document."
    "createElement('option');o.value=k;o.textContent=k;ks.appendChild(o);});\n"
    "function match(e){var t=q.value.toLowerCase();if(ks.value&&e[2]!=="
    "ks.value)return false;if(dl.checked&&e[7]==='allocated')return false;"
    "if(!t)return true;return (e[3]+' '+e[4]+' '+e[2]+' '+e[1]).toLowerCase()"
    ".indexOf(t)>=0;}\n"
    "function hist(rows){var svg=document.getElementById('hist');while(svg."
    "firstChild)svg.removeChild(svg.firstChild);if(!rows.length)return;"
    "var lo=rows[0][0],hi=rows[0][0];rows.forEach(function(e){if(e[0]<lo)lo=e"
    "[0];if(e[0]>hi)hi=e[0];});var n=100,w=(hi-lo)/n||1,b=new Array(n).fill"
    "(0);rows.forEach(function(e){var i=Math.min(n-1,Math.floor((e[0]-lo)/w)"
    ");b[i]++;});var mx=Math.max.apply(null,b),ns='http://www.w3.org/2000/"
    "svg';b.forEach(function(c,i){if(!c)return;var r=document.createElementNS"
    "(ns,'rect'),h=Math.max(1,140*c/mx);r.setAttribute('x',i*10);r."
    "setAttribute('y',150-h);r.setAttribute('width',9);r.setAttribute("
    "'height',h);var t=document.createElementNS(ns,'title');t.textContent="
    "fmt(L.bar,[new Date((lo+i*w)*1000).toISOString(),c]);r.appendChild(t)"
    ";svg.appendChild(r);});}\n"
    "function render(){var rows=E.filter(match);if(sortCol){rows=rows.slice()"
    ".sort(function(a,b){var x=a[sortCol],y=b[sortCol];return (x<y?-1:x>y?1:"
    "0)*sortDir;});}else if(sortDir<0){rows=rows.slice().reverse();}hist(rows"
    ");var tb=document.querySelector('#tl tbody');tb.textContent='';var f="
    "document.createDocumentFragment();rows.slice(0,LIMIT).forEach(function(e"
    "){var tr=document.createElement('tr');if(e[7]!=='allocated')tr.className"
    "='del';for(var c=1;c<=8;c++){var td=document.createElement('td');if(c==="
    "3)td.className='n';td.textContent=c===7?(L.alloc[e[7]]||e[7]):e[c];"
    "tr.appendChild(td);}f.appendChild"
    "(tr);});tb.appendChild(f);document.getElementById('summary').textContent"
    "=fmt(L.summary,[E.length,rows.length])+(rows.length>LIMIT?fmt(L.first,"
    "[LIMIT]):'');}\n"
    "document.querySelectorAll('#tl th').forEach(function(th){th.onclick="
    "function(){var c=+th.getAttribute('data-c');if(c===1)c=0;if(sortCol===c)"
    "sortDir=-sortDir;else{sortCol=c;sortDir=1;}render();};});\n"
    "q.oninput=render;ks.onchange=render;dl.onchange=render;render();\n"
    "})();\n</script>\n</body></html>\n";

typedef struct html_state {
  uint64_t n;
  art__date_style style; /* dates as the locale writes them */
} html_state;

/* A label for the page: markup characters escaped (translations are text,
 * never markup). */
static char *label(const char *s)
{
  size_t n = 1;
  for (const char *p = s; *p; p++)
    n += *p == '&' ? 5 : *p == '<' || *p == '>' ? 4 : *p == '"' ? 6 : 1;
  char *out = malloc(n), *o = out;
  if (!out)
    return NULL;
  for (const char *p = s; *p; p++) {
    const char *r = *p == '&'   ? "&amp;"
                    : *p == '<' ? "&lt;"
                    : *p == '>' ? "&gt;"
                    : *p == '"' ? "&quot;"
                                : NULL;
    if (r) {
      memcpy(o, r, strlen(r));
      o += strlen(r);
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

static art_status h_begin(art_timeline *tl, void **state)
{
  /* TRANSLATORS: the lang attribute of the generated HTML pages (ja). */
  const char *raw[] = {_("en"),           _("Timeline"),
                       _("Timeline"),     _("events over time"),
                       _("Filter:"),      _("path, inode, kind"),
                       _("Kind:"),        _("all"),
                       _("deleted only"), _("Date (UTC offset)"),
                       _("Kind"),         _("Path"),
                       _("Inode"),        _("Size"),
                       _("Mode"),         _("Allocation"),
                       _("Evidence")};
  enum { NLABELS = sizeof raw / sizeof raw[0] };
  char *l[NLABELS] = {0};
  art_status st = ART_OK;
  html_state *s = calloc(1, sizeof *s);
  if (!s)
    return ART_ERR_NOMEM;
  s->style = art__date_style_locale();
  *state = s;
  for (size_t i = 0; i < NLABELS; i++)
    if (!(l[i] = label(raw[i])))
      st = ART_ERR_NOMEM;
  if (st == ART_OK &&
      fprintf(tl->out, head_fmt, l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7],
              l[8], l[9], l[10], l[11], l[12], l[13], l[14], l[15], l[16]) < 0)
    st = ART_ERR_IO;
  for (size_t i = 0; i < NLABELS; i++)
    free(l[i]);
  return st;
}

/* The script's labels as JSON ('/' escaped, so no "</script>"): templates
 * with {0}, {1} for the numbers, and the allocation states shown. */
static char *labels_json(void)
{
  json_t *o = json_object(), *alloc = json_object();
  char *txt = NULL;
  if (o && alloc &&
      !json_object_set_new(o, "summary",
                           json_string(_("{0} events, {1} matching"))) &&
      !json_object_set_new(o, "first", json_string(_(", first {0} shown"))) &&
      !json_object_set_new(o, "bar", json_string(_("{0}: {1} events"))) &&
      !json_object_set_new(alloc, "allocated", json_string(_("allocated"))) &&
      !json_object_set_new(alloc, "deleted", json_string(_("deleted"))) &&
      !json_object_set_new(alloc, "reallocated",
                           json_string(_("reallocated"))) &&
      !json_object_set(o, "alloc", alloc))
    txt = json_dumps(o, JSON_COMPACT | JSON_ESCAPE_SLASH);
  json_decref(alloc);
  json_decref(o);
  return txt;
}

static art_status h_row(art_timeline *tl, void *state, const art__tl_event *ev)
{
  html_state *s = state;
  unsigned kind = 0;
  while (kind < ART_TIMELINE_KIND_COUNT_ && !(ev->kinds & (1u << kind)))
    kind++;
  /* in the display zone (finish() has set TZ to it), UTC beside */
  char dt[192];
  int digits = s->style == ART__DATE_JA && !ev->nsec ? 0 : 9;
  if (art__date_human(dt, sizeof dt, ev->sec, ev->nsec, digits, NULL, s->style))
    return ART_ERR_INTERNAL;
  const art__tl_source *src = &tl->srcs[ev->src];
  const char *alloc = ev->alloc == TL_ALLOC     ? "allocated"
                      : ev->alloc == TL_DELETED ? "deleted"
                                                : "reallocated";
  json_t *a = json_array();
  /* artifact events: kind column = timestamp_desc, path column = the
   * "FILE [SOURCETYPE: DESC] MESSAGE" name */
  json_t *kj = ev->dtype_len
                   ? art__tl_jstr(ev->tdesc, ev->tdesc_len)
                   : json_string(art__tl_kind_desc((art_timeline_kind)kind));
  if (a &&
      (json_array_append_new(a, json_real((double)ev->sec + ev->nsec / 1e9)) ||
       json_array_append_new(a, json_string(dt)) ||
       json_array_append_new(a, kj) ||
       json_array_append_new(a, art__tl_jstr(ev->name, ev->name_len)) ||
       json_array_append_new(a, art__tl_jstr(ev->inode, ev->inode_len)) ||
       json_array_append_new(a, json_integer((json_int_t)ev->size)) ||
       json_array_append_new(a, art__tl_jstr(ev->mode, ev->mode_len)) ||
       json_array_append_new(a, json_string(alloc)) ||
       json_array_append_new(
           a, art__tl_jstr(src->evidence, strlen(src->evidence))))) {
    json_decref(a);
    a = NULL;
  }
  if (!a)
    return ART_ERR_NOMEM;
  char *txt = json_dumps(a, JSON_COMPACT | JSON_ESCAPE_SLASH);
  json_decref(a);
  if (!txt)
    return ART_ERR_NOMEM;
  int ok =
      (s->n == 0 || fputs(",\n", tl->out) >= 0) && fputs(txt, tl->out) >= 0;
  free(txt);
  s->n++;
  return ok ? ART_OK : ART_ERR_IO;
}

static art_status h_end(art_timeline *tl, void *state)
{
  free(state);
  char *labels = labels_json();
  if (!labels)
    return ART_ERR_NOMEM;
  int ok = fputs(tail_labels, tl->out) >= 0 && fputs(labels, tl->out) >= 0 &&
           fputs(tail, tl->out) >= 0;
  free(labels);
  return ok ? ART_OK : ART_ERR_IO;
}

const art__tl_writer art__tl_writer_html = {h_begin, h_row, h_end};
