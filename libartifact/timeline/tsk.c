/* Timeline source: disk images through libtsk (partitions, file systems).
 * SPDX-License-Identifier: Apache-2.0
 *
 * The image is opened with art_source (raw, split raw, E01) and handed to
 * libtsk with tsk_img_open_external, so evidence is read only through our
 * read-only source. The walk reproduces fls -r -m: a directory walk with
 * allocated and unallocated names and the $OrphanFiles hunt; for NTFS one
 * line per $DATA / $INDEX_ROOT attribute and one for the $FILE_NAME
 * attribute whose times libtsk exposes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <artifact/hash.h>
#include <artifact/source.h>
#include <tsk/libtsk.h>
#include <tsk/fs/tsk_ext2fs.h>

#include "timeline_private.h"

/* Exported by libtsk (tsk/img/img_open.cpp) but not declared in its public
 * headers: the allocator that sets up TSK_IMG_INFO's cache and lock. */
extern void *tsk_img_malloc(size_t len);
extern void tsk_img_free(void *ptr);

typedef struct tl_img {
  TSK_IMG_INFO img; /* must be first: libtsk sees only this part */
  art_source *src;
  art_ctx *ctx;
} tl_img;

static ssize_t img_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
  tl_img *t = (tl_img *)img;
  size_t done = 0;
  if (off < 0)
    return -1;
  while (done < len) {
    size_t got = 0;
    art_status st = art_source_pread(t->ctx, t->src, buf + done, len - done,
                                     (uint64_t)off + done, &got);
    if (st != ART_OK) {
      tsk_error_reset();
      tsk_error_set_errno(TSK_ERR_IMG_READ);
      tsk_error_set_errstr("%s", art_ctx_errmsg(t->ctx));
      return -1;
    }
    if (got == 0)
      break;
    done += got;
  }
  return (ssize_t)done;
}

static void img_close(TSK_IMG_INFO *img)
{
  tsk_img_free(img);
}

static void img_imgstat(TSK_IMG_INFO *img, FILE *f)
{
  (void)img;
  (void)f;
}

typedef struct walk {
  art_timeline *tl;
  art_ctx *ctx;
  TSK_FS_INFO *fs;
  uint32_t src;
  art__tl_buf path;
  art_status st;
  int ext_fix; /* read ext inode epoch bits for signed/64-bit times */
  unsigned char *ibuf;
  int gd_valid; /* last group descriptor read */
  uint64_t gd_grp, gd_table;
  art__tl_winscan *ws; /* Windows artifacts by path (NTFS), or NULL */
} walk;

static uint32_t le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

/* libtsk 4.11 reads ext times as unsigned 32-bit and ignores the epoch bits
 * of the *_extra fields; the kernel reads (int32)lo + (extra & 3) << 32.
 * Read the raw inode and apply that. Returns 0 when fixed. */
static int ext_times(walk *w, TSK_INUM_T inum, art__tl_entry *e)
{
  EXT2FS_INFO *ext = (EXT2FS_INFO *)w->fs;
  const ext2fs_sb *sb = ext->fs;
  uint32_t ipg = le32(sb->s_inodes_per_group);
  unsigned isz = ext->inode_size;
  if (!ipg || inum < 1 || isz < 128 || isz > 4096)
    return -1;
  uint64_t grp = (inum - 1) / ipg, idx = (inum - 1) % ipg;
  int is64 =
      (le32(sb->s_feature_incompat) & EXT2FS_FEATURE_INCOMPAT_64BIT) != 0;
  unsigned dsz = is64 ? le16(sb->s_desc_size) : 32;
  if (dsz < 32)
    dsz = 32;
  uint64_t table;
  if (w->gd_valid && w->gd_grp == grp) {
    table = w->gd_table;
  } else {
    uint8_t gd[64];
    size_t gdl = dsz >= 64 ? 64 : 32;
    if (tsk_fs_read(w->fs, ext->groups_offset + (TSK_OFF_T)(grp * dsz),
                    (char *)gd, gdl) != (ssize_t)gdl)
      return -1;
    table = le32(gd + 8);
    if (gdl == 64)
      table |= (uint64_t)le32(gd + 0x28) << 32;
    w->gd_grp = grp;
    w->gd_table = table;
    w->gd_valid = 1;
  }
  TSK_OFF_T ioff =
      (TSK_OFF_T)(table * w->fs->block_size) + (TSK_OFF_T)(idx * isz);
  if (!w->ibuf && !(w->ibuf = malloc(4096)))
    return -1;
  if (tsk_fs_read(w->fs, ioff, (char *)w->ibuf, isz) != (ssize_t)isz)
    return -1;
  const ext2fs_inode *in = (const ext2fs_inode *)w->ibuf;
  unsigned extra = isz > 128 ? le16(in->i_extra_isize) : 0;
#define EXTRA_HAS(field)                                                       \
  (extra && offsetof(ext2fs_inode, field) + 4 <= 128 + (size_t)extra &&        \
   128 + (size_t)extra <= isz)
  struct {
    int slot;
    const uint8_t *lo;
    const uint8_t *ex;
  } f[4] = {
      {TL_A, in->i_atime, EXTRA_HAS(i_atime_extra) ? in->i_atime_extra : NULL},
      {TL_M, in->i_mtime, EXTRA_HAS(i_mtime_extra) ? in->i_mtime_extra : NULL},
      {TL_C, in->i_ctime, EXTRA_HAS(i_ctime_extra) ? in->i_ctime_extra : NULL},
      {TL_B, EXTRA_HAS(i_crtime) ? in->i_crtime : NULL,
       EXTRA_HAS(i_crtime_extra) ? in->i_crtime_extra : NULL}};
#undef EXTRA_HAS
  for (int i = 0; i < 4; i++) {
    if (!f[i].lo)
      continue;
    int64_t sec = (int32_t)le32(f[i].lo);
    if (f[i].ex)
      sec += (int64_t)(le32(f[i].ex) & 3u) << 32;
    /* only correct what libtsk got from the same on-disk value */
    if ((uint32_t)sec == (uint32_t)e->t[f[i].slot].sec)
      e->t[f[i].slot].sec = sec;
  }
  return 0;
}

static void set_time(art__tl_time *t, time_t sec, uint32_t nsec)
{
  t->sec = (int64_t)sec;
  t->nsec = nsec < 1000000000u ? nsec : 0;
  t->set = 1;
}

static TSK_WALK_RET_ENUM line(walk *w, TSK_FS_FILE *f, const TSK_FS_ATTR *a)
{
  art__tl_entry e;
  memset(&e, 0, sizeof e);
  const TSK_FS_META *m = f->meta;
  e.src = w->src;
  size_t plen = w->path.len;
  if (art__tl_buf_adds(&w->path, f->name->name)) {
    w->st = art__set_error(w->ctx, ART_ERR_NOMEM, ENOMEM, "timeline path");
    return TSK_WALK_STOP;
  }
  e.path = w->path.p;
  e.path_len = w->path.len;
  if (a && a->name && a->type != TSK_FS_ATTR_TYPE_NTFS_FNAME &&
      (a->type != TSK_FS_ATTR_TYPE_NTFS_IDXROOT || strcmp(a->name, "$I30")))
    e.ads = a->name;
  e.fn = a && a->type == TSK_FS_ATTR_TYPE_NTFS_FNAME;
  if (m && m->type == TSK_FS_META_TYPE_LNK && m->link)
    e.link = m->link;
  if (f->name->flags & TSK_FS_NAME_FLAG_UNALLOC)
    e.alloc =
        (m && (m->flags & TSK_FS_META_FLAG_ALLOC)) ? TL_REALLOC : TL_DELETED;
  e.meta_addr = f->name->meta_addr;
  if (a)
    snprintf(e.inode, sizeof e.inode, "%" PRIuINUM "-%" PRIu32 "-%" PRIu16,
             f->name->meta_addr, (uint32_t)a->type, a->id);
  else
    snprintf(e.inode, sizeof e.inode, "%" PRIuINUM, f->name->meta_addr);
  const char *nt = (unsigned)f->name->type < TSK_FS_NAME_TYPE_STR_MAX
                       ? tsk_fs_name_type_str[f->name->type]
                       : "-";
  char ls[12] = "----------";
  if (m)
    tsk_fs_meta_make_ls(m, ls, sizeof ls);
  char mode[24];
  snprintf(mode, sizeof mode, "%s/%s", nt, ls);
  e.mode = mode;
  for (int i = 0; i < 4; i++)
    e.t[i].set = 1; /* fls prints all four; 0 is "not set" there */
  if (m) {
    e.uid = m->uid;
    e.gid = m->gid;
    e.size = (uint64_t)(a ? a->size : m->size);
    if (e.fn) {
      set_time(&e.t[TL_A], m->time2.ntfs.fn_atime,
               (uint32_t)m->time2.ntfs.fn_atime_nano);
      set_time(&e.t[TL_M], m->time2.ntfs.fn_mtime,
               (uint32_t)m->time2.ntfs.fn_mtime_nano);
      set_time(&e.t[TL_C], m->time2.ntfs.fn_ctime,
               (uint32_t)m->time2.ntfs.fn_ctime_nano);
      set_time(&e.t[TL_B], m->time2.ntfs.fn_crtime,
               (uint32_t)m->time2.ntfs.fn_crtime_nano);
    } else {
      set_time(&e.t[TL_A], m->atime, m->atime_nano);
      set_time(&e.t[TL_M], m->mtime, m->mtime_nano);
      set_time(&e.t[TL_C], m->ctime, m->ctime_nano);
      set_time(&e.t[TL_B], m->crtime, m->crtime_nano);
      if (TSK_FS_TYPE_ISEXT(w->fs->ftype)) {
        if (m->time2.ext2.dtime)
          set_time(&e.t[TL_D], m->time2.ext2.dtime, m->time2.ext2.dtime_nano);
        if (w->ext_fix)
          ext_times(w, m->addr, &e);
      }
    }
  }
  art_status st = art__tl_entry_emit(w->ctx, w->tl, &e);
  w->path.len = plen;
  w->path.p[plen] = '\0';
  if (st != ART_OK) {
    w->st = st;
    return TSK_WALK_STOP;
  }
  return TSK_WALK_CONT;
}

static TSK_WALK_RET_ENUM dir_cb(TSK_FS_FILE *f, const char *path, void *arg)
{
  walk *w = arg;
  if (!f->name || TSK_FS_ISDOT(f->name->name))
    return TSK_WALK_CONT;
  w->path.len = 0;
  if (art__tl_buf_adds(&w->path, path)) {
    w->st = art__set_error(w->ctx, ART_ERR_NOMEM, ENOMEM, "timeline path");
    return TSK_WALK_STOP;
  }
  if (w->ws) /* hook: note Windows artifacts by path (timeline/winart.c) */
    art__tl_winscan_note(w->ws, path, f);
  if (TSK_FS_TYPE_ISNTFS(f->fs_info->ftype) && f->meta) {
    int printed = 0;
    int n = tsk_fs_file_attr_getsize(f);
    for (int i = 0; i < n; i++) {
      const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
      if (!a)
        continue;
      TSK_WALK_RET_ENUM r = TSK_WALK_CONT;
      if (a->type == TSK_FS_ATTR_TYPE_NTFS_DATA ||
          a->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT) {
        printed = 1;
        r = line(w, f, a);
      } else if (a->type == TSK_FS_ATTR_TYPE_NTFS_FNAME &&
                 a->id == f->meta->time2.ntfs.fn_id) {
        r = line(w, f, a);
      }
      if (r != TSK_WALK_CONT)
        return r;
    }
    tsk_error_reset(); /* attribute loading errors are per file */
    if (!printed)
      return line(w, f, NULL);
    return TSK_WALK_CONT;
  }
  return line(w, f, NULL);
}

static const char *tsk_msg(void)
{
  const char *m = tsk_error_get();
  return m && *m ? m : "unknown error";
}

/* Walk one file system at byte offset OFF. Returns 0 on success, -1 when
 * this file system could not be read (reported as a problem), -2 on a
 * fatal error (status in *st). */
static int walk_fs(art_ctx *ctx,
                   art_timeline *tl,
                   TSK_IMG_INFO *img,
                   const char *path,
                   TSK_OFF_T off,
                   const char *desc,
                   art_status *st)
{
  uint64_t sector = (uint64_t)off / 512u;
  art__tl_set_tz(tl->fs_tz);
  tsk_error_reset();
  TSK_FS_INFO *fs = tsk_fs_open_img(img, off, TSK_FS_TYPE_DETECT);
  if (!fs) {
    uint32_t en = tsk_error_get_errno();
    int unsupp = en == TSK_ERR_FS_UNSUPTYPE || en == TSK_ERR_FS_UNKTYPE;
    art__tl_problem(
        tl, unsupp ? ART_ERR_UNSUPPORTED : ART_ERR_CORRUPT,
        "%s: partition at sector %" PRIu64 " (%s): %s (%s)", path, sector, desc,
        unsupp ? "unsupported file system" : "cannot open file system",
        tsk_msg());
    tsk_error_reset();
    return -1;
  }
  const char *ftype = tsk_fs_type_toname(fs->ftype);
  int local = TSK_FS_TYPE_ISFAT(fs->ftype);
  int si = art__tl_source_add(ctx, tl, path, "tsk", ftype ? ftype : "",
                              local ? tl->fs_tz : NULL, 1, (uint64_t)off);
  if (si < 0) {
    tsk_fs_close(fs);
    *st = ART_ERR_NOMEM;
    return -2;
  }
  walk w;
  memset(&w, 0, sizeof w);
  w.tl = tl;
  w.ctx = ctx;
  w.fs = fs;
  w.src = (uint32_t)si;
  w.st = ART_OK;
  w.ext_fix = TSK_FS_TYPE_ISEXT(fs->ftype) && !tl->tsk_compat;
  TSK_FS_DIR_WALK_FLAG_ENUM flags = TSK_FS_DIR_WALK_FLAG_RECURSE |
                                    TSK_FS_DIR_WALK_FLAG_ALLOC |
                                    TSK_FS_DIR_WALK_FLAG_UNALLOC;
  if (tl->no_orphans)
    flags |= TSK_FS_DIR_WALK_FLAG_NOORPHAN;
  if ((tl->artifacts & ART_TIMELINE_ARTIFACTS_WINDOWS) &&
      TSK_FS_TYPE_ISNTFS(fs->ftype) && !(w.ws = art__tl_winscan_new(tl)))
    w.st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "artifact list");
  uint8_t r = w.st == ART_OK
                  ? tsk_fs_dir_walk(fs, fs->root_inum, flags, dir_cb, &w)
                  : 0;
  if (w.ws && w.st == ART_OK)
    w.st = art__tl_winscan_run(ctx, w.ws, fs, w.src, path);
  art__tl_winscan_free(w.ws);
  int ret = 0;
  if (w.st != ART_OK) {
    *st = w.st;
    ret = -2;
  } else if (r) {
    art__tl_problem(tl, ART_ERR_CORRUPT,
                    "%s: partition at sector %" PRIu64
                    " (%s): walk stopped: %s",
                    path, sector, ftype ? ftype : "?", tsk_msg());
    ret = -1;
  }
  tsk_error_reset();
  art__tl_buf_free(&w.path);
  free(w.ibuf);
  tsk_fs_close(fs);
  return ret;
}

/* SHA-256 of the media bytes, read through the source. */
static art_status
hash_image(art_ctx *ctx, art_source *src, const char *path, char **out)
{
  art_hash *h = NULL;
  art_status st = art_hash_new(ctx, ART_HASH_MASK(ART_HASH_SHA256), &h);
  if (st != ART_OK)
    return st;
  size_t bufsz = 1u << 20;
  unsigned char *buf = malloc(bufsz);
  uint64_t off = 0;
  if (!buf) {
    art_hash_free(h);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", path);
  }
  for (;;) {
    size_t got = 0;
    st = art_source_pread(ctx, src, buf, bufsz, off, &got);
    if (st != ART_OK || got == 0)
      break;
    if ((st = art_hash_update(ctx, h, buf, got)) != ART_OK)
      break;
    off += got;
  }
  if (st == ART_OK && (st = art_hash_final(ctx, h)) == ART_OK) {
    free(*out);
    *out = art__strdup(ctx, art_hash_hex(h, ART_HASH_SHA256));
    if (!*out)
      st = ART_ERR_NOMEM;
  }
  free(buf);
  art_hash_free(h);
  return st;
}

art_status
art_timeline_add_image(art_ctx *ctx, art_timeline *tl, const char *path)
{
  art_source *src = NULL;
  art_status st = art_source_open(ctx, path, ART_SOURCE_AUTO, &src);
  if (st != ART_OK)
    return st;
  const art_source_info *info = art_source_get_info(src);
  if (!info->size_known) {
    art_source_free(src);
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                          "%s: an image must be a file or device", path);
  }
  tl_img *t = tsk_img_malloc(sizeof *t);
  if (!t) {
    art_source_free(src);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", path);
  }
  t->src = src;
  t->ctx = ctx;
  TSK_IMG_INFO *img = tsk_img_open_external(t, (TSK_OFF_T)info->size, 512,
                                            img_read, img_close, img_imgstat);
  if (!img) {
    tsk_img_free(t);
    art_source_free(src);
    return art__set_error(ctx, ART_ERR_INTERNAL, 0, "%s: libtsk: %s", path,
                          tsk_msg());
  }
  tl->cur_input = path;
  if (tl->hash_evidence &&
      (st = hash_image(ctx, src, path, &tl->cur_sha256)) != ART_OK) {
    tsk_img_close(img);
    art_source_free(src);
    tl->cur_input = NULL;
    return st;
  }
  int ok = 0, failed = 0;
  st = ART_OK;
  if (tl->has_offset) {
    int r =
        walk_fs(ctx, tl, img, path,
                (TSK_OFF_T)(tl->offset_sectors * img->sector_size), "-o", &st);
    if (r == -2)
      goto out;
    r == 0 ? ok++ : failed++;
  } else {
    tsk_error_reset();
    TSK_VS_INFO *vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
    if (!vs) {
      tsk_error_reset();
      int r = walk_fs(ctx, tl, img, path, 0, "whole image", &st);
      if (r == -2)
        goto out;
      r == 0 ? ok++ : failed++;
    } else {
      for (TSK_PNUM_T i = 0; i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
          continue;
        TSK_OFF_T off = (TSK_OFF_T)p->start * vs->block_size;
        int r = walk_fs(ctx, tl, img, path, off, p->desc ? p->desc : "?", &st);
        if (r == -2) {
          tsk_vs_close(vs);
          goto out;
        }
        r == 0 ? ok++ : failed++;
      }
      tsk_vs_close(vs);
    }
  }
  if (failed) {
    art_status pst = ok ? ART_ERR_CORRUPT : ART_ERR_FORMAT;
    st = art__set_error(ctx, pst, 0,
                        "%s: %d of %d file systems could not be read", path,
                        failed, ok + failed);
  }
out:
  tsk_img_close(img);
  art_source_free(src);
  tl->cur_input = NULL;
  free(tl->cur_sha256);
  tl->cur_sha256 = NULL;
  return st;
}
