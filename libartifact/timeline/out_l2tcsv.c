/* l2tcsv writer: plaso's 17-column CSV, one row per event.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Columns: date,time,timezone,MACB,source,sourcetype,type,user,host,short,
 * desc,version,filename,inode,notes,format,extra. No quoting: commas in a
 * value become spaces, so every row has 16 commas. date is MM/DD/YYYY and
 * time HH:MM:SS in the display zone (l2tcsv has no fraction; the extra
 * column keeps the nanoseconds).
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "timeline_private.h"

static int add_clean(art__tl_buf *b, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\r')
      continue;
    if (art__tl_buf_addc(b, c == ',' ? ' ' : c == '\n' ? '-' : c))
      return -1;
  }
  return 0;
}

static art_status l2t_begin(art_timeline *tl, void **state)
{
  *state = NULL;
  return fputs("date,time,timezone,MACB,source,sourcetype,type,user,host,"
               "short,desc,version,filename,inode,notes,format,extra\n",
               tl->out) < 0
             ? ART_ERR_IO
             : ART_OK;
}

static const char *alloc_name(int a)
{
  return a == TL_ALLOC     ? "allocated"
         : a == TL_DELETED ? "deleted"
                           : "reallocated";
}

static art_status
l2t_row(art_timeline *tl, void *state, const art__tl_event *ev)
{
  (void)state;
  art__tl_buf *b = &tl->scratch;
  b->len = 0;
  unsigned kind = 0;
  while (kind < ART_TIMELINE_KIND_COUNT_ && !(ev->kinds & (1u << kind)))
    kind++;
  time_t t = (time_t)ev->sec;
  struct tm tm;
  if (!localtime_r(&t, &tm))
    return ART_ERR_INTERNAL;
  char macb[5] = "....";
  unsigned base = kind >= ART_TIMELINE_FN_M ? kind - ART_TIMELINE_FN_M : kind;
  if (base == ART_TIMELINE_D)
    macb[0] = 'M'; /* plaso: deletion counts as a modification */
  else if (base < 4)
    macb[base] = "MACB"[base];
  const art__tl_source *src = &tl->srcs[ev->src];
  const char *scheme = strcmp(src->origin, "tsk") == 0       ? "TSK:"
                       : strcmp(src->origin, "statx") == 0   ? "OS:"
                       : strcmp(src->origin, "archive") == 0 ? "ARCHIVE:"
                                                             : "BODY:";
  const char *desc = art__tl_kind_desc((art_timeline_kind)kind);
  char ns[48];
  art__tl_ns(ns, sizeof ns, ev->sec, ev->nsec);
  int bad =
      art__tl_buf_addf(b, "%02d/%02d/%04lld,%02d:%02d:%02d,", tm.tm_mon + 1,
                       tm.tm_mday, (long long)tm.tm_year + 1900, tm.tm_hour,
                       tm.tm_min, tm.tm_sec) ||
      add_clean(b, tm.tm_zone ? tm.tm_zone : "UTC",
                strlen(tm.tm_zone ? tm.tm_zone : "UTC")) ||
      art__tl_buf_addf(b, ",%s,FILE,File stat,%s,-,-,", macb, desc) ||
      add_clean(b, ev->name, ev->name_len) || art__tl_buf_addc(b, ',') ||
      add_clean(b, ev->name, ev->name_len) ||
      art__tl_buf_addf(b, " Type: %s%s,2,%s", desc,
                       ev->alloc != TL_ALLOC ? " (unallocated)" : "", scheme) ||
      add_clean(b, ev->name, ev->name_len) || art__tl_buf_addc(b, ',');
  if (!bad)
    bad = ev->inode_len ? add_clean(b, ev->inode, ev->inode_len)
                        : art__tl_buf_addc(b, '-');
  /* extra: key: value; ... sorted by key */
  bad = bad ||
        art__tl_buf_addf(b, ",-,filestat,allocation: %s; evidence: ",
                         alloc_name(ev->alloc)) ||
        add_clean(b, src->evidence, strlen(src->evidence)) ||
        (src->sha256 && (art__tl_buf_adds(b, "; evidence_sha256: ") ||
                         art__tl_buf_adds(b, src->sha256))) ||
        art__tl_buf_adds(b, "; fs_offset: ") ||
        (src->has_offset ? art__tl_buf_addf(b, "%" PRIu64, src->fs_offset)
                         : art__tl_buf_addc(b, '-')) ||
        art__tl_buf_adds(b, "; fs_type: ") ||
        add_clean(b, src->fs_type, strlen(src->fs_type)) ||
        art__tl_buf_addf(b, "; gid: %" PRIu64 "; mode: ", ev->gid) ||
        add_clean(b, ev->mode, ev->mode_len) ||
        art__tl_buf_addf(b,
                         "; size: %" PRIu64 "; time_kind: %s; timestamp_ns: "
                         "%s; uid: %" PRIu64 "\n",
                         ev->size, art__tl_kind_name((art_timeline_kind)kind),
                         ns, ev->uid);
  if (bad)
    return ART_ERR_NOMEM;
  return fwrite(b->p, 1, b->len, tl->out) == b->len ? ART_OK : ART_ERR_IO;
}

static art_status l2t_end(art_timeline *tl, void *state)
{
  (void)tl;
  (void)state;
  return ART_OK;
}

const art__tl_writer art__tl_writer_l2tcsv = {l2t_begin, l2t_row, l2t_end};
