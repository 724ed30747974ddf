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
#include "timeline_private.h"

static const char head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
    "<title>art-timeline</title>\n<style>\n"
    "body{font:13px sans-serif;margin:1em}table{border-collapse:collapse;"
    "width:100%}th,td{border:1px solid #ccc;padding:2px 4px;text-align:left;"
    "white-space:nowrap}th{background:#eee;cursor:pointer}"
    "td.n{white-space:pre-wrap;word-break:break-all}"
    "#hist rect{fill:#4a7bb7}#hist rect:hover{fill:#d55}"
    "tr.del td{color:#a00}#filters input,#filters select{margin-right:1em}\n"
    "</style></head><body>\n<h1>Timeline</h1>\n"
    "<p id=\"summary\"></p>\n<svg id=\"hist\" width=\"1000\" height=\"160\" "
    "role=\"img\" aria-label=\"events over time\"></svg>\n"
    "<div id=\"filters\">Filter: <input id=\"q\" type=\"search\" "
    "placeholder=\"path, inode, kind\"> Kind: <select id=\"kind\">"
    "<option value=\"\">all</option></select> <label><input id=\"del\" "
    "type=\"checkbox\"> deleted only</label></div>\n"
    "<table id=\"tl\"><thead><tr><th data-c=\"1\">Date (UTC offset)</th>"
    "<th data-c=\"2\">Kind</th><th data-c=\"3\">Path</th><th data-c=\"4\">"
    "Inode</th><th data-c=\"5\">Size</th><th data-c=\"6\">Mode</th>"
    "<th data-c=\"7\">Allocation</th><th data-c=\"8\">Evidence</th></tr>"
    "</thead><tbody></tbody></table>\n"
    "<script id=\"events\" type=\"application/json\">[";

static const char tail[] =
    "]</script>\n<script>\n"
    "(function(){\n"
    "var E=JSON.parse(document.getElementById('events').textContent);\n"
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
    "new Date((lo+i*w)*1000).toISOString()+': '+c+' events';r.appendChild(t)"
    ";svg.appendChild(r);});}\n"
    "function render(){var rows=E.filter(match);if(sortCol){rows=rows.slice()"
    ".sort(function(a,b){var x=a[sortCol],y=b[sortCol];return (x<y?-1:x>y?1:"
    "0)*sortDir;});}else if(sortDir<0){rows=rows.slice().reverse();}hist(rows"
    ");var tb=document.querySelector('#tl tbody');tb.textContent='';var f="
    "document.createDocumentFragment();rows.slice(0,LIMIT).forEach(function(e"
    "){var tr=document.createElement('tr');if(e[7]!=='allocated')tr.className"
    "='del';for(var c=1;c<=8;c++){var td=document.createElement('td');if(c==="
    "3)td.className='n';td.textContent=e[c];tr.appendChild(td);}f.appendChild"
    "(tr);});tb.appendChild(f);document.getElementById('summary').textContent"
    "=E.length+' events, '+rows.length+' matching'+(rows.length>LIMIT?', first "
    "'+LIMIT+' shown':'');}\n"
    "document.querySelectorAll('#tl th').forEach(function(th){th.onclick="
    "function(){var c=+th.getAttribute('data-c');if(c===1)c=0;if(sortCol===c)"
    "sortDir=-sortDir;else{sortCol=c;sortDir=1;}render();};});\n"
    "q.oninput=render;ks.onchange=render;dl.onchange=render;render();\n"
    "})();\n</script>\n</body></html>\n";

typedef struct html_state {
  uint64_t n;
  art__date_style style; /* dates as the locale writes them */
} html_state;

static art_status h_begin(art_timeline *tl, void **state)
{
  html_state *s = calloc(1, sizeof *s);
  if (!s)
    return ART_ERR_NOMEM;
  s->style = art__date_style_locale();
  *state = s;
  return fputs(head, tl->out) < 0 ? ART_ERR_IO : ART_OK;
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
  return fputs(tail, tl->out) < 0 ? ART_ERR_IO : ART_OK;
}

const art__tl_writer art__tl_writer_html = {h_begin, h_row, h_end};
