/* Timeline source: archive members through libarchive.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A time is used only when libarchive says the format stores it and it is
 * not zero (the zip reader marks atime/ctime as set with value 0).
 * Member paths are shown under the archive: evidence is the archive path,
 * the path is the member's, and fs_type is the container format.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "timeline_private.h"

static void member_time(art__tl_time *t, int is_set, time_t sec, long nsec)
{
  if (!is_set || (sec == 0 && nsec == 0) || !TL_SEC_OK((int64_t)sec))
    return;
  t->sec = (int64_t)sec;
  t->nsec = nsec >= 0 && nsec < 1000000000L ? (uint32_t)nsec : 0;
  t->set = 1;
}

art_status
art_timeline_add_archive(art_ctx *ctx, art_timeline *tl, const char *path)
{
  struct archive *a = archive_read_new();
  if (!a)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", path);
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  art_status st = ART_OK;
  if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
    int en = archive_errno(a);
    st = art__set_error(ctx, en == ENOENT ? ART_ERR_NOT_FOUND : ART_ERR_FORMAT,
                        en, "%s: %s", path, archive_error_string(a));
    archive_read_free(a);
    return st;
  }
  tl->cur_input = path;
  int si = -1;
  struct archive_entry *ae;
  int r;
  uint64_t n = 0;
  while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK ||
         r == ARCHIVE_WARN) {
    if (si < 0) {
      const char *fmt = archive_format_name(a);
      si = art__tl_source_add(ctx, tl, path, "archive", fmt ? fmt : "", NULL, 0,
                              0);
      if (si < 0) {
        st = ART_ERR_NOMEM;
        goto out;
      }
    }
    art__tl_entry e;
    memset(&e, 0, sizeof e);
    e.src = (uint32_t)si;
    const char *p = archive_entry_pathname(ae);
    if (!p)
      p = "";
    e.path = p;
    e.path_len = strlen(p);
    mode_t m = archive_entry_mode(ae);
    char mode[24];
    art__tl_mode_str(mode, sizeof mode, m);
    e.mode = mode;
    n++;
    snprintf(e.inode, sizeof e.inode, "%" PRIu64, n);
    e.meta_addr = n;
    e.uid = (uint64_t)archive_entry_uid(ae);
    e.gid = (uint64_t)archive_entry_gid(ae);
    e.size =
        archive_entry_size_is_set(ae) ? (uint64_t)archive_entry_size(ae) : 0;
    e.link = archive_entry_symlink(ae);
    member_time(&e.t[TL_M], archive_entry_mtime_is_set(ae),
                archive_entry_mtime(ae), archive_entry_mtime_nsec(ae));
    member_time(&e.t[TL_A], archive_entry_atime_is_set(ae),
                archive_entry_atime(ae), archive_entry_atime_nsec(ae));
    member_time(&e.t[TL_C], archive_entry_ctime_is_set(ae),
                archive_entry_ctime(ae), archive_entry_ctime_nsec(ae));
    member_time(&e.t[TL_B], archive_entry_birthtime_is_set(ae),
                archive_entry_birthtime(ae), archive_entry_birthtime_nsec(ae));
    st = art__tl_entry_emit(ctx, tl, &e);
    if (st != ART_OK)
      goto out;
    archive_read_data_skip(a);
  }
  if (r != ARCHIVE_EOF)
    st = art__set_error(ctx, ART_ERR_CORRUPT, archive_errno(a),
                        "%s: member %" PRIu64 ": %s", path, n + 1,
                        archive_error_string(a) ? archive_error_string(a)
                                                : "read error");
out:
  tl->cur_input = NULL;
  archive_read_free(a);
  return st;
}
