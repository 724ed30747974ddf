/* Body-file writer: TSK 3.x body lines, exact fls -m form or extended.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Extended form: the same 11 fields, with nanoseconds as a fraction when
 * the source stores them, signed seconds before 1970, and the name escaped
 * (\\, \| and \xNN for control bytes and invalid UTF-8), so every line
 * splits into exactly 11 fields. A deletion time (ext2/3/4 dtime) has no
 * column, so it gets a second line named "<name> ($DTIME)" with the time
 * in the ctime column (deletion is a metadata change; mactime shows it as
 * "..c." with that label) and the other times 0.
 */
#include <inttypes.h>
#include <string.h>

#include "timeline_private.h"

/* ".NNNNNNNNN" */
static int add_frac(art__tl_buf *b, uint32_t nsec)
{
  char f[10];
  f[0] = '.';
  for (int i = 9; i >= 1; i--) {
    f[i] = (char)('0' + nsec % 10);
    nsec /= 10;
  }
  return art__tl_buf_add(b, f, sizeof f);
}

/* (no printf: four times on every line) */
static int add_time(art__tl_buf *b, const art__tl_time *t, int compat)
{
  if (!t->set)
    return art__tl_buf_addc(b, '0');
  if (compat)
    return art__tl_buf_addu(b, (uint32_t)t->sec);
  if (t->nsec == 0)
    return t->sec < 0 ? art__tl_buf_addc(b, '-') ||
                            art__tl_buf_addu(b, 0 - (uint64_t)t->sec)
                      : art__tl_buf_addu(b, (uint64_t)t->sec);
  if (t->sec < 0) /* -10.5 s is stored as sec -11, nsec 500000000 */
    return art__tl_buf_addc(b, '-') ||
           art__tl_buf_addu(b, (uint64_t)(-(t->sec + 1))) ||
           add_frac(b, 1000000000u - t->nsec);
  return art__tl_buf_addu(b, (uint64_t)t->sec) || add_frac(b, t->nsec);
}

int art__tl_body_write(art_timeline *tl, const art__tl_entry *e)
{
  art__tl_buf *b = &tl->scratch;
  int compat = tl->tsk_compat;
  b->len = 0;
  /* a "($DTIME)" line read back from a body file carries only that time */
  int dtime_only = e->verbatim && e->t[TL_D].set && !e->t[TL_A].set &&
                   !e->t[TL_M].set && !e->t[TL_C].set && !e->t[TL_B].set;
  if (dtime_only) {
    if (art__tl_buf_adds(b, e->md5[0] ? e->md5 : "0") ||
        art__tl_buf_addc(b, '|') || art__tl_display_name(b, e, TL_ESC_BODY) ||
        art__tl_buf_addf(
            b, " ($DTIME)|%s|%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|0|0|",
            e->inode, e->mode, e->uid, e->gid, e->size) ||
        add_time(b, &e->t[TL_D], 0) || art__tl_buf_adds(b, "|0\n"))
      return -1;
    return fwrite(b->p, 1, b->len, tl->out) == b->len ? 0 : -1;
  }
  if (art__tl_buf_adds(b, e->md5[0] ? e->md5 : "0") ||
      art__tl_buf_addc(b, '|') ||
      art__tl_display_name(b, e, compat ? TL_ESC_TSK : TL_ESC_BODY) ||
      art__tl_buf_addc(b, '|') || art__tl_buf_adds(b, e->inode) ||
      art__tl_buf_addc(b, '|') || art__tl_buf_adds(b, e->mode) ||
      art__tl_buf_addc(b, '|') || art__tl_buf_addu(b, e->uid) ||
      art__tl_buf_addc(b, '|') || art__tl_buf_addu(b, e->gid) ||
      art__tl_buf_addc(b, '|') || art__tl_buf_addu(b, e->size) ||
      art__tl_buf_addc(b, '|') || add_time(b, &e->t[TL_A], compat) ||
      art__tl_buf_addc(b, '|') || add_time(b, &e->t[TL_M], compat) ||
      art__tl_buf_addc(b, '|') || add_time(b, &e->t[TL_C], compat) ||
      art__tl_buf_addc(b, '|') || add_time(b, &e->t[TL_B], compat) ||
      art__tl_buf_addc(b, '\n'))
    return -1;
  if (!compat && e->t[TL_D].set &&
      (art__tl_buf_adds(b, e->md5[0] ? e->md5 : "0") ||
       art__tl_buf_addc(b, '|') || art__tl_display_name(b, e, TL_ESC_BODY) ||
       art__tl_buf_addf(
           b, " ($DTIME)|%s|%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|0|0|",
           e->inode, e->mode, e->uid, e->gid, e->size) ||
       add_time(b, &e->t[TL_D], 0) || art__tl_buf_adds(b, "|0\n")))
    return -1;
  return fwrite(b->p, 1, b->len, tl->out) == b->len ? 0 : -1;
}
