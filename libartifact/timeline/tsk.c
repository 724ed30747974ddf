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
#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <artifact/hash.h>
#include <artifact/source.h>
#include <tsk/libtsk.h>
#include <tsk/fs/tsk_ext2fs.h>

#include "ntfs_mft_private.h"
#include "timeline_private.h"

/* Exported by libtsk (tsk/img/img_open.cpp) but not declared in its public
 * headers: the allocator that sets up TSK_IMG_INFO's cache and lock. */
extern void *tsk_img_malloc(size_t len);
extern void tsk_img_free(void *ptr);

typedef struct tl_img {
  TSK_IMG_INFO img; /* must be first: libtsk sees only this part */
  art_source *src;
  art_ctx *ctx;
  art_timeline *tl;
  unsigned read_errors; /* reads that failed, for the layer that asked */
  char **reported;      /* read errors already reported (once each) */
  size_t n_reported;
  int probing;    /* libtsk is trying file system or partition types */
  char **pending; /* read errors met while probing */
  size_t n_pending;
} tl_img;

static int list_add(char ***list, size_t *n, const char *msg)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*list)[i], msg) == 0)
      return 0;
  if (*n >= 1024)
    return 0;
  char **r = realloc(*list, (*n + 1) * sizeof *r);
  if (!r)
    return 0;
  *list = r;
  if (!(r[*n] = strdup(msg)))
    return 0;
  (*n)++;
  return 1;
}

/* A media read error (a damaged E01 range, a missing segment) is reported
 * once, with its range; the read that met it fails, the others go on. */
static void report_read_error(tl_img *t, const char *msg)
{
  t->read_errors++;
  if (t->probing) {
    list_add(&t->pending, &t->n_pending, msg);
    return;
  }
  if (list_add(&t->reported, &t->n_reported, msg))
    art__tl_problem(t->tl, ART_ERR_CORRUPT, "%s", msg);
}

/* libtsk's type probes read places no found type needs (yaffs2 scans the
 * image): their read errors count only when no type was found. */
static void probe_begin(tl_img *t)
{
  t->probing = 1;
}

static void probe_end(tl_img *t, int found)
{
  t->probing = 0;
  for (size_t i = 0; i < t->n_pending; i++) {
    if (!found)
      report_read_error(t, t->pending[i]);
    free(t->pending[i]);
  }
  free(t->pending);
  t->pending = NULL;
  t->n_pending = 0;
}

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
      report_read_error(t, art_ctx_errmsg(t->ctx));
      tsk_error_reset();
      tsk_error_set_errno(TSK_ERR_IMG_READ);
      tsk_error_set_errstr("%s", art_ctx_errmsg(t->ctx));
      return -1;
    }
    if (got == 0)
      break;
    done += got;
  }
  if (t->tl->relay)
    art__tl_relay_tick(t->tl); /* a sandbox worker: still alive */
  return (ssize_t)done;
}

static void img_close(TSK_IMG_INFO *img)
{
  tl_img *t = (tl_img *)img;
  probe_end(t, 1);
  for (size_t i = 0; i < t->n_reported; i++)
    free(t->reported[i]);
  free(t->reported);
  tsk_img_free(img);
}

static void img_imgstat(TSK_IMG_INFO *img, FILE *f)
{
  (void)img;
  (void)f;
}

typedef struct walk {
  const char *mount; /* put before every name ("vss1:"), or NULL */
  art__tl_buf disp;  /* the display name with the mount */
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
  art__tl_winscan *ws;  /* Windows artifacts by path (NTFS), or NULL */
  const char *name;     /* the entry's name as shown (f->name->name or fat) */
  iconv_t cd;           /* FAT short names' code page, or (iconv_t)-1 */
  art__tl_buf fat;      /* a converted short name */
  art__tl_buf dpath;    /* the converted directory path */
  char **dtsk, **dconv; /* directories entered: libtsk's path, ours */
  size_t ndirs, capdirs;
  uint64_t fat_first; /* FAT: first sector of the root directory/data */
  unsigned fat_ssize, fat_nfats; /* bytes per sector, FATs */
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
  if (art__tl_buf_adds(&w->path, w->name)) {
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
  /* "addr" or "addr-type-id" (no printf: once per file-system entry);
   * 3 numbers of at most 20 digits fit in e.inode */
  char *ip = art__tl_dec(e.inode, (uint64_t)f->name->meta_addr);
  if (a) {
    *ip++ = '-';
    ip = art__tl_dec(ip, (uint32_t)a->type);
    *ip++ = '-';
    ip = art__tl_dec(ip, a->id);
  }
  *ip = '\0';
  const char *nt = (unsigned)f->name->type < TSK_FS_NAME_TYPE_STR_MAX
                       ? tsk_fs_name_type_str[f->name->type]
                       : "-";
  char ls[12] = "----------";
  if (m)
    tsk_fs_meta_make_ls(m, ls, sizeof ls);
  char mode[24];
  size_t ntl = strnlen(nt, 8), lsl = strnlen(ls, sizeof ls - 1);
  memcpy(mode, nt, ntl);
  mode[ntl] = '/';
  memcpy(mode + ntl + 1, ls, lsl);
  mode[ntl + 1 + lsl] = '\0';
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
  if (w->mount) {
    /* a volume layer's name (vss1:) before the name fls would print; the
     * whole display name is then taken as it is */
    if (art__tl_mount_name(&w->disp, w->mount, &e)) {
      w->st = art__set_error(w->ctx, ART_ERR_NOMEM, ENOMEM, "timeline path");
      w->path.len = plen;
      w->path.p[plen] = '\0';
      return TSK_WALK_STOP;
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

/* FAT short (8.3) names are stored in the OEM code page of the system
 * that wrote them (CP932 on Japanese Windows and DOS, cameras, phones);
 * libtsk shows every byte above 0x7e as '^' (fatfs_cleanup_ascii) and
 * lower-cases trail bytes of double-byte characters as if they were ASCII.
 * With a code page the name is read again from its directory entry (FAT
 * inode numbers are directory entry slots), checked to be the entry libtsk
 * named, and converted with iconv; bytes the code page does not map are
 * shown as \xNN. Long names (UTF-16) and exFAT are left to libtsk. */

/* Convert N bytes of a short name with CD, lower-casing ASCII letters when
 * LOWER (the NT case flags apply to single-byte letters only, as Windows
 * reads them: libtsk and mtools also lower trail bytes in A-Z). Returns
 * the bytes shown as \xNN, -1 out of memory. */
static int
fat_conv(art__tl_buf *b, iconv_t cd, const uint8_t *in, size_t n, int lower)
{
  char *ip = (char *)(uintptr_t)in;
  size_t left = n;
  int bad = 0;
  iconv(cd, NULL, NULL, NULL, NULL);
  while (left) {
    char tmp[64];
    char *op = tmp;
    size_t room = sizeof tmp;
    size_t r = iconv(cd, &ip, &left, &op, &room);
    for (char *q = tmp; q < op; q++)
      if (lower && *q >= 'A' && *q <= 'Z')
        *q = (char)(*q + 32);
    if (art__tl_buf_add(b, tmp, (size_t)(op - tmp)))
      return -1;
    if (r != (size_t)-1 || errno == E2BIG)
      continue;
    /* EILSEQ, or a double-byte character cut by the end of the field */
    if (art__tl_buf_addf(b, "\\x%02x", (unsigned)(uint8_t)*ip))
      return -1;
    ip++;
    left--;
    bad++;
    iconv(cd, NULL, NULL, NULL, NULL);
  }
  return bad;
}

/* The converted name of F into w->fat: 1 when converted, 0 when the name
 * is not a short name libtsk decoded from this entry, -1 out of memory. */
static int fat_name(walk *w, const TSK_FS_FILE *f)
{
  const char *shown = f->name->name;
  TSK_INUM_T inum = f->name->meta_addr;
  int odd = (uint8_t)shown[0] == 0x05;
  for (const char *p = shown; *p && !odd; p++)
    odd = *p == '^' || (uint8_t)*p >= 0x80;
  /* libtsk's numbering: 2 the root, then 3 for the first entry of the
   * sector after the FATs; the last numbers are virtual files ($MBR,
   * $FATn, $OrphanFiles) */
  unsigned per = w->fat_ssize / 32;
  if (!odd || !per || inum < 3 || inum > w->fs->last_inum - (w->fat_nfats + 2))
    return 0;
  uint8_t d[32];
  TSK_OFF_T off = (TSK_OFF_T)((inum - 3) / per + w->fat_first) * w->fat_ssize +
                  (TSK_OFF_T)((inum - 3) % per) * 32;
  if (tsk_fs_read(w->fs, off, (char *)d, sizeof d) != (ssize_t)sizeof d) {
    tsk_error_reset();
    return 0;
  }
  uint8_t attr = d[11], nt = d[12];
  if ((attr & 0x0f) == 0x0f) /* a long-name slot */
    return 0;
  char tsk[64];
  size_t k = 0;
  w->fat.len = 0;
  if (art__tl_buf_add(&w->fat, "", 0))
    return -1;
  if (attr & 0x08) { /* the volume label */
    /* libtsk: the 11 bytes, control bytes and 0xff as '^', then a note */
    for (int i = 0; i < 11; i++)
      tsk[k++] = d[i] >= 0x20 && d[i] != 0xff ? (char)d[i] : '^';
    tsk[k] = '\0';
    static const char note[] = " (Volume Label Entry)";
    if (strncmp(shown, tsk, k) || strcmp(shown + k, note))
      return 0;
    if (fat_conv(&w->fat, w->cd, d, 11, 0) < 0 ||
        art__tl_buf_adds(&w->fat, note))
      return -1;
    return 1;
  }
  /* libtsk's rendering, to be sure this entry is the one it named */
  for (int i = 0; i < 11; i++) {
    uint8_t c = d[i];
    if (c == 0 || c == 0xff || c == 0x20)
      continue;
    if (i == 8 && k < sizeof tsk)
      tsk[k++] = '.';
    if (i == 0 && c == 0xe5)
      c = '_';
    else if ((nt & (i < 8 ? 0x08 : 0x10)) && c >= 'A' && c <= 'Z')
      c = (uint8_t)(c + 32);
    tsk[k++] = c > 0x7e ? '^' : (char)c;
  }
  tsk[k] = '\0';
  if (strcmp(shown, tsk))
    return 0;
  /* the bytes as stored: padding spaces dropped; 0x05 stands for a first
   * byte 0xe5, which marks a deleted entry (its first byte is lost) */
  uint8_t base[8], ext[3];
  size_t nb = 0, ne = 0;
  for (int i = 0; i < 8; i++)
    if (d[i] != 0 && d[i] != 0x20)
      base[nb++] = d[i];
  for (int i = 8; i < 11; i++)
    if (d[i] != 0 && d[i] != 0x20)
      ext[ne++] = d[i];
  int lower = (nt & 0x08) != 0;
  if (d[0] == 0xe5 && nb) {
    /* deleted: the first byte is lost. When the next one may be the
     * second half of a double-byte character, it is shown as \xNN unless
     * the name reads cleanly only from there. */
    if (art__tl_buf_addc(&w->fat, '_'))
      return -1;
    size_t mark = w->fat.len;
    if (nb > 1 && base[1] >= 0x80) {
      if (art__tl_buf_addf(&w->fat, "\\x%02x", base[1]))
        return -1;
      int r = fat_conv(&w->fat, w->cd, base + 2, nb - 2, lower);
      if (r < 0)
        return -1;
      if (r > 0) {
        w->fat.len = mark;
        w->fat.p[mark] = '\0';
      }
    }
    if (w->fat.len == mark &&
        fat_conv(&w->fat, w->cd, base + 1, nb - 1, lower) < 0)
      return -1;
  } else {
    if (d[0] == 0x05 && nb) /* stands for a first byte 0xe5 */
      base[0] = 0xe5;
    if (nb && fat_conv(&w->fat, w->cd, base, nb, lower) < 0)
      return -1;
  }
  if (ne && (art__tl_buf_addc(&w->fat, '.') ||
             fat_conv(&w->fat, w->cd, ext, ne, (nt & 0x10) != 0) < 0))
    return -1;
  return 1;
}

/* Our form of libtsk's directory PATH (converted short names) into
 * w->dpath, and for a directory F remember its own. -1 out of memory. */
static int fat_path(walk *w, const TSK_FS_FILE *f, const char *path)
{
  /* libtsk walks depth first and enters a directory right after naming
   * it: the innermost directory entered with this path is its parent */
  while (w->ndirs && strcmp(w->dtsk[w->ndirs - 1], path)) {
    w->ndirs--;
    free(w->dtsk[w->ndirs]);
    free(w->dconv[w->ndirs]);
  }
  w->dpath.len = 0;
  if (art__tl_buf_adds(&w->dpath, w->ndirs ? w->dconv[w->ndirs - 1] : path))
    return -1;
  int r = fat_name(w, f);
  if (r < 0)
    return -1;
  w->name = r ? w->fat.p : f->name->name;
  if (f->name->type != TSK_FS_NAME_TYPE_DIR)
    return 0;
  if (w->ndirs == w->capdirs) {
    size_t cap = w->capdirs ? w->capdirs * 2 : 16;
    char **a = realloc(w->dtsk, cap * sizeof *a);
    if (!a)
      return -1;
    w->dtsk = a;
    char **b = realloc(w->dconv, cap * sizeof *b);
    if (!b)
      return -1;
    w->dconv = b;
    w->capdirs = cap;
  }
  size_t pl = strlen(path), nl = strlen(f->name->name);
  size_t dl = w->dpath.len, cl = strlen(w->name);
  char *t = malloc(pl + nl + 2), *c = malloc(dl + cl + 2);
  if (!t || !c) {
    free(t);
    free(c);
    return -1;
  }
  memcpy(t, path, pl);
  memcpy(t + pl, f->name->name, nl);
  memcpy(t + pl + nl, "/", 2);
  memcpy(c, w->dpath.p, dl);
  memcpy(c + dl, w->name, cl);
  memcpy(c + dl + cl, "/", 2);
  w->dtsk[w->ndirs] = t;
  w->dconv[w->ndirs++] = c;
  return 0;
}

static TSK_WALK_RET_ENUM dir_cb(TSK_FS_FILE *f, const char *path, void *arg)
{
  walk *w = arg;
  if (!f->name || TSK_FS_ISDOT(f->name->name))
    return TSK_WALK_CONT;
  w->name = f->name->name;
  if (w->cd != (iconv_t)-1) {
    if (fat_path(w, f, path)) {
      w->st = art__set_error(w->ctx, ART_ERR_NOMEM, ENOMEM, "timeline path");
      return TSK_WALK_STOP;
    }
    path = w->dpath.p;
  }
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

/* libtsk 4.11 builds the block list of an ext2/3 or UFS inode from its
 * indirect pointers (tsk_fs_unix_make_data_run): every pointer block of a
 * level is visited, holes included, and every run is appended by walking
 * the list, so an inode whose size asks for the triple-indirect level takes
 * time quadratic in up to p^2 runs (p pointers a block: 1024 with 4 KiB
 * blocks); a crafted 38 KB image stalled it for hours (fuzz_timeline_image,
 * tests/fuzz/regressions/timeline_image/). The walk only loads the block
 * lists of directories, so those are checked first: a directory has no
 * holes, so it can be no larger than the image, and no real one needs the
 * triple-indirect level (4 GiB of entries with 4 KiB blocks, 64 MiB with
 * 1 KiB ones, beyond what an htree directory can index). Such a directory
 * is reported as damaged and not listed; the rest of the walk goes on. */
typedef struct ino_guard {
  uint8_t (*load)(TSK_FS_FILE *); /* libtsk's own */
  TSK_FS_INFO *fs;
  art_timeline *tl;
  const char *where;
} ino_guard;
static __thread ino_guard *cur_guard;

static uint8_t guarded_load_attrs(TSK_FS_FILE *f)
{
  ino_guard *g = cur_guard;
  TSK_FS_INFO *fs = f ? f->fs_info : NULL;
  if (!g || !fs || g->fs != fs)
    return 1; /* not reached: the guard is set for the walk's duration */
  const TSK_FS_META *m = f->meta;
  /* (what the walk opens as a directory, whatever its inode's mode says) */
  if (m && fs->block_size) {
    uint64_t bs = fs->block_size;
    uint64_t p = TSK_FS_TYPE_ISFFS(fs->ftype) ? bs / 8 : bs / 4;
    uint64_t image = ((uint64_t)fs->last_block_act + 1) * bs;
    /* block pointers: not past the double-indirect level; ext4 inline
     * data (which libtsk copies into a buffer of the inode's size): within
     * the inode, so within a block; whatever the kind: within the image */
    uint64_t most = m->content_type == TSK_FS_META_CONTENT_TYPE_DEFAULT
                        ? (12 + p + p * p) * bs
                    : m->content_type == TSK_FS_META_CONTENT_TYPE_EXT4_INLINE
                        ? bs
                        : UINT64_MAX;
    int huge =
        m->size < 0 || (uint64_t)m->size > image || (uint64_t)m->size > most;
    if (huge) {
      if ((uint64_t)m->size > image)
        art__tl_problem(g->tl, ART_ERR_CORRUPT,
                        "%s: directory inode %llu not listed: its size (%lld "
                        "bytes) is larger than the image (damaged or crafted "
                        "inode)",
                        g->where, (unsigned long long)m->addr,
                        (long long)m->size);
      else
        art__tl_problem(g->tl, ART_ERR_CORRUPT,
                        "%s: directory inode %llu not listed: its size (%lld "
                        "bytes) is larger than any real directory (damaged or "
                        "crafted inode)",
                        g->where, (unsigned long long)m->addr,
                        (long long)m->size);
      tsk_error_reset();
      tsk_error_set_errno(TSK_ERR_FS_INODE_COR);
      tsk_error_set_errstr("directory inode %" PRIuINUM " too large", m->addr);
      return 1;
    }
  }
  return g->load(f);
}

/* libtsk 4.11 copies an ext4 inode with inline data into a buffer of the
 * inode's size (i_size, up to 2^64) and then into the attribute's own, which
 * it allocates and clears (tsk_fs_attr_set_str): a crafted inode made it
 * clear 687 MB per inode, in the orphan hunt's walk of every inode
 * (fuzz_timeline_image, tests/fuzz/regressions/timeline_image/). Resident
 * data (inline data, NTFS resident attributes) lives inside the file
 * system's structures, so none can be larger than the file system: libtsk's
 * internal calls (through its PLT) are interposed here to refuse such a
 * length with libtsk's own "corrupt" error, as it does for other damaged
 * inodes; the real function does the rest. */
typedef uint8_t (*set_str_fn)(TSK_FS_FILE *,
                              TSK_FS_ATTR *,
                              const char *,
                              TSK_FS_ATTR_TYPE_ENUM,
                              uint16_t,
                              void *,
                              size_t);
__attribute__((visibility("default"))) uint8_t
tsk_fs_attr_set_str(TSK_FS_FILE *f,
                    TSK_FS_ATTR *a,
                    const char *name,
                    TSK_FS_ATTR_TYPE_ENUM type,
                    uint16_t id,
                    void *data,
                    size_t len);
__attribute__((visibility("default"))) uint8_t
tsk_fs_attr_set_str(TSK_FS_FILE *f,
                    TSK_FS_ATTR *a,
                    const char *name,
                    TSK_FS_ATTR_TYPE_ENUM type,
                    uint16_t id,
                    void *data,
                    size_t len)
{
  static set_str_fn real;
  if (!real)
    *(void **)&real = dlsym(RTLD_NEXT, "tsk_fs_attr_set_str");
  const TSK_FS_INFO *fs = f ? f->fs_info : NULL;
  if (fs && fs->block_size &&
      len / fs->block_size > (uint64_t)fs->last_block_act + 1) {
    tsk_error_reset();
    tsk_error_set_errno(TSK_ERR_FS_INODE_COR);
    tsk_error_set_errstr("resident data of %zu bytes in inode %" PRIuINUM
                         ": larger than the file system",
                         len, f->meta ? f->meta->addr : 0);
    return 1;
  }
  if (!real) {
    tsk_error_reset();
    tsk_error_set_errno(TSK_ERR_FS_ARG);
    tsk_error_set_errstr("tsk_fs_attr_set_str not found");
    return 1;
  }
  return real(f, a, name, type, id, data, len);
}

/* libtsk's message on one line: its parts are joined with "; " (libtsk
 * separates them with newlines), trailing blanks dropped. */
static const char *tsk_msg(void)
{
  static __thread char line[1024];
  const char *m = tsk_error_get();
  size_t n = 0;
  if (!m || !*m)
    return "unknown error";
  for (const char *p = m; *p && n + 3 < sizeof line; p++) {
    if (*p == '\n' || *p == '\r') {
      while (n > 0 && line[n - 1] == ' ')
        n--;
      if (n > 0 && p[1] && p[1] != '\n' && p[1] != '\r') {
        line[n++] = ';';
        line[n++] = ' ';
      }
      continue;
    }
    line[n++] = *p;
  }
  while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == ';'))
    n--;
  line[n] = '\0';
  return line;
}

/* A libtsk image over SRC (SIZE bytes), reading only through art_source. */
static TSK_IMG_INFO *
img_new(art_ctx *ctx, art_timeline *tl, art_source *src, uint64_t size)
{
  tl_img *t = tsk_img_malloc(sizeof *t);
  if (!t)
    return NULL;
  t->src = src;
  t->ctx = ctx;
  t->tl = tl;
  t->read_errors = 0;
  t->reported = NULL;
  t->n_reported = 0;
  t->probing = 0;
  t->pending = NULL;
  t->n_pending = 0;
  TSK_IMG_INFO *img = tsk_img_open_external(t, (TSK_OFF_T)size, 512, img_read,
                                            img_close, img_imgstat);
  if (!img)
    tsk_img_free(t);
  return img;
}

/* Walk an opened file system, which is closed here. EVIDENCE names the source
 * of its events, OFF is its byte offset in the image, MOUNT (or NULL) is put
 * before every name ("vss1:"), WHERE names it in messages. 0, -1 (walk
 * stopped, reported) or -2 (fatal, *ST). */
static int walk_open_fs(art_ctx *ctx,
                        art_timeline *tl,
                        TSK_FS_INFO *fs,
                        const char *evidence,
                        TSK_OFF_T off,
                        const char *mount,
                        const char *where,
                        art_status *st)
{
  const char *ftype = tsk_fs_type_toname(fs->ftype);
  int local = TSK_FS_TYPE_ISFAT(fs->ftype);
  int si = art__tl_source_add(ctx, tl, evidence, "tsk", ftype ? ftype : "",
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
  w.mount = mount;
  w.ext_fix = TSK_FS_TYPE_ISEXT(fs->ftype) && !tl->tsk_compat;
  w.cd = (iconv_t)-1;
  if (tl->fs_codepage && TSK_FS_TYPE_ISFAT(fs->ftype) &&
      fs->ftype != TSK_FS_TYPE_EXFAT) {
    /* the layout libtsk numbers entries by, from the boot sector */
    uint8_t bs[64];
    if (tsk_fs_read(fs, 0, (char *)bs, sizeof bs) == (ssize_t)sizeof bs) {
      unsigned spf = le16(bs + 22) ? le16(bs + 22) : le32(bs + 36);
      w.fat_ssize = le16(bs + 11);
      w.fat_nfats = bs[16];
      w.fat_first = le16(bs + 14) + (uint64_t)w.fat_nfats * spf;
    }
    tsk_error_reset();
    if ((w.cd = iconv_open("UTF-8", tl->fs_codepage)) == (iconv_t)-1)
      w.st = art__set_error(ctx, ART_ERR_INVALID_ARG, errno,
                            "%s: unknown code page", tl->fs_codepage);
  }
  TSK_FS_DIR_WALK_FLAG_ENUM flags = TSK_FS_DIR_WALK_FLAG_RECURSE |
                                    TSK_FS_DIR_WALK_FLAG_ALLOC |
                                    TSK_FS_DIR_WALK_FLAG_UNALLOC;
  if (tl->no_orphans)
    flags |= TSK_FS_DIR_WALK_FLAG_NOORPHAN;
  if ((tl->artifacts & ART_TIMELINE_ARTIFACTS_WINDOWS) &&
      TSK_FS_TYPE_ISNTFS(fs->ftype) && !(w.ws = art__tl_winscan_new(tl)))
    w.st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "artifact list");
  ino_guard guard = {fs->load_attrs, fs, tl, where}, *outer = cur_guard;
  if (TSK_FS_TYPE_ISEXT(fs->ftype) || TSK_FS_TYPE_ISFFS(fs->ftype)) {
    fs->load_attrs = guarded_load_attrs;
    cur_guard = &guard;
  }
  /* NTFS: one sequential MFT read (ntfs_mft.c); libtsk's own walk when
   * that reader does not take the volume */
  int ours = w.st == ART_OK && TSK_FS_TYPE_ISNTFS(fs->ftype)
                 ? art__tl_ntfs_walk(ctx, tl, fs, w.src, mount, w.ws, &w.st)
                 : 0;
  uint8_t r = w.st == ART_OK && !ours
                  ? tsk_fs_dir_walk(fs, fs->root_inum, flags, dir_cb, &w)
                  : 0;
  if (w.ws && w.st == ART_OK)
    w.st = art__tl_winscan_run(ctx, w.ws, fs, w.src, evidence);
  if (fs->load_attrs == guarded_load_attrs) {
    fs->load_attrs = guard.load;
    cur_guard = outer;
  }
  art__tl_winscan_free(w.ws);
  int ret = 0;
  if (w.st != ART_OK) {
    *st = w.st;
    ret = -2;
  } else if (r) {
    art__tl_problem(tl, ART_ERR_CORRUPT, "%s (%s): walk stopped: %s", where,
                    ftype ? ftype : "?", tsk_msg());
    ret = -1;
  }
  if (ret == 0 && fs->last_block_act < fs->last_block) {
    /* the image ends inside its file system, by libtsk's own measure (as
     * fsstat's "Total Range in Image"): libtsk's walk skips whatever lies
     * past the end without a word (fls exits 0), so the listing is
     * incomplete and must not look clean */
    art__tl_problem(tl, ART_ERR_CORRUPT,
                    "%s (%s): the image ends at block %llu of %llu (truncated "
                    "image): names and times stored past the end are missing",
                    where, ftype ? ftype : "?",
                    (unsigned long long)fs->last_block_act + 1,
                    (unsigned long long)fs->last_block + 1);
    ret = -1;
  }
  tsk_error_reset();
  art__tl_buf_free(&w.path);
  art__tl_buf_free(&w.disp);
  art__tl_buf_free(&w.fat);
  art__tl_buf_free(&w.dpath);
  for (size_t i = 0; i < w.ndirs; i++) {
    free(w.dtsk[i]);
    free(w.dconv[i]);
  }
  free(w.dtsk);
  free(w.dconv);
  if (w.cd != (iconv_t)-1)
    iconv_close(w.cd);
  free(w.ibuf);
  tsk_fs_close(fs);
  return ret;
}

/* The shadow copies of the NTFS volume at OFF (SIZE bytes) of T's source,
 * as tl->media.vss asks: each store's file system, its names under
 * "vssN:", its evidence naming the store and its creation time. */
static int walk_vss(art_ctx *ctx,
                    art_timeline *tl,
                    tl_img *t,
                    const char *path,
                    TSK_OFF_T off,
                    uint64_t size,
                    const char *where,
                    art_status *st)
{
  unsigned n = 0;
  int ret = 0;
  if (art_source_vss_count(ctx, t->src, (uint64_t)off, size, &n) != ART_OK) {
    art__tl_problem(tl, ART_ERR_CORRUPT, "%s", art_ctx_errmsg(ctx));
    return -1;
  }
  if (tl->media.vss > 0 && (unsigned)tl->media.vss > n) {
    art__tl_problem(tl, ART_ERR_NOT_FOUND,
                    "%s: volume shadow copy layer: no store %d (the volume "
                    "has %u)",
                    where, tl->media.vss, n);
    return -1;
  }
  for (unsigned k = 1; k <= n; k++) {
    if (tl->media.vss > 0 && (unsigned)tl->media.vss != k)
      continue;
    art_source *vs = NULL;
    art_vss_store info;
    if (art_source_open_vss(ctx, t->src, (uint64_t)off, size, k, &vs, &info) !=
        ART_OK) {
      art__tl_problem(tl, ART_ERR_CORRUPT, "%s", art_ctx_errmsg(ctx));
      ret = -1;
      continue;
    }
    char created[64] = "?", evidence[4400], mount[24], vwhere[4600];
    struct tm tm;
    time_t ct = (time_t)info.creation_sec;
    if (gmtime_r(&ct, &tm))
      snprintf(created, sizeof created, "%04d-%02d-%02dT%02d:%02d:%02d.%07ldZ",
               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
               tm.tm_min, tm.tm_sec, info.creation_nsec / 100);
    snprintf(evidence, sizeof evidence, "%s (vss%u, created %s)", path, k,
             created);
    snprintf(mount, sizeof mount, "vss%u:", k);
    snprintf(vwhere, sizeof vwhere, _("%s, volume shadow copy store %u"), where,
             k);
    TSK_IMG_INFO *vimg = img_new(ctx, tl, vs, art_source_get_info(vs)->size);
    if (!vimg) {
      art_source_free(vs);
      *st = art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: libtsk: %s", path,
                           tsk_msg());
      return -2;
    }
    tsk_error_reset();
    TSK_FS_INFO *fs = tsk_fs_open_img(vimg, 0, TSK_FS_TYPE_DETECT);
    int r;
    if (!fs) {
      art__tl_problem(tl, ART_ERR_CORRUPT, "%s: file system layer: %s", vwhere,
                      tsk_msg());
      r = -1;
    } else {
      r = walk_open_fs(ctx, tl, fs, evidence, off, mount, vwhere, st);
    }
    tsk_img_close(vimg);
    art_source_free(vs);
    if (r == -2)
      return -2;
    if (r)
      ret = -1;
  }
  return ret;
}

/* The volumes of an APFS pool at OFF (fls -B selects one by its block):
 * every volume, or tl->media.apfs_volume only. -3 when OFF holds no pool. */
static int walk_apfs(art_ctx *ctx,
                     art_timeline *tl,
                     tl_img *t,
                     const char *path,
                     TSK_OFF_T off,
                     const char *where,
                     art_status *st)
{
  probe_begin(t);
  tsk_error_reset();
  const TSK_POOL_INFO *pool =
      tsk_pool_open_img_sing(&t->img, off, TSK_POOL_TYPE_DETECT);
  probe_end(t, pool != NULL);
  tsk_error_reset();
  if (!pool)
    return -3;
  int ret = 0, seen = 0;
  int many = pool->num_vols > 1 && tl->media.apfs_volume == 0;
  for (const TSK_POOL_VOLUME_INFO *v = pool->vol_list; v; v = v->next) {
    int number = v->index + 1;
    if (tl->media.apfs_volume > 0 && tl->media.apfs_volume != number)
      continue;
    seen = 1;
    char vwhere[4600], mount[24], evidence[4400];
    snprintf(vwhere, sizeof vwhere,
             _("%s, APFS volume %d (%s, block %" PRIu64 ")"), where, number,
             v->desc ? v->desc : "?", v->block);
    snprintf(mount, sizeof mount, "apfs%d:", number);
    snprintf(evidence, sizeof evidence,
             "%s (APFS volume %d, block %" PRIu64 ")", path, number, v->block);
    TSK_IMG_INFO *pimg = pool->get_img_info(pool, (TSK_DADDR_T)v->block);
    if (!pimg) {
      art__tl_problem(tl, ART_ERR_CORRUPT, "%s: volume layer: %s", vwhere,
                      tsk_msg());
      ret = -1;
      continue;
    }
    const char *pw = tl->media.keys.password ? tl->media.keys.password : "";
    tsk_error_reset();
    TSK_FS_INFO *fs =
        tsk_fs_open_img_decrypt(pimg, off, TSK_FS_TYPE_APFS_DETECT, pw);
    int r;
    if (!fs) {
      if (v->flags & TSK_POOL_VOLUME_FLAG_ENCRYPTED)
        art__tl_problem(tl, ART_ERR_PERMISSION,
                        "%s: encryption layer: APFS volume %d is encrypted%s"
                        "%s%s (give --password)",
                        vwhere, number, v->password_hint ? "; hint: " : "",
                        v->password_hint ? v->password_hint : "",
                        tl->media.keys.password
                            ? ", the password given does not unlock it"
                            : "");
      else
        art__tl_problem(tl, ART_ERR_CORRUPT, "%s: file system layer: %s",
                        vwhere, tsk_msg());
      r = -1;
    } else {
      r = walk_open_fs(ctx, tl, fs, many ? evidence : path, off,
                       many ? mount : NULL, vwhere, st);
    }
    tsk_img_close(pimg);
    if (r == -2) {
      tsk_pool_close(pool);
      return -2;
    }
    if (r)
      ret = -1;
  }
  if (!seen) {
    art__tl_problem(tl, ART_ERR_NOT_FOUND,
                    "%s: APFS pool has no volume %d (it has %d)", where,
                    tl->media.apfs_volume, pool->num_vols);
    ret = -1;
  }
  tsk_pool_close(pool);
  return ret;
}

/* Walk the volume at byte offset OFF (SIZE bytes): its file system, then
 * its shadow copies; or the volumes of an APFS pool; or a BitLocker volume
 * opened with the keys given. Returns 0 on success, -1 when this volume
 * could not be read (reported as a problem, naming the layer), -2 on a
 * fatal error (status in *st). */
static int walk_fs(art_ctx *ctx,
                   art_timeline *tl,
                   TSK_IMG_INFO *img,
                   const char *path,
                   TSK_OFF_T off,
                   uint64_t size,
                   const char *desc,
                   int depth,
                   art_status *st)
{
  uint64_t sector = (uint64_t)off / 512u;
  tl_img *t = (tl_img *)img;
  unsigned errs_before = t->read_errors;
  char where[4400];
  /* WHERE names the place in the problems (printed for a person) */
  snprintf(where, sizeof where, _("%s: partition at sector %" PRIu64 " (%s)"),
           path, sector, desc);
  art__tl_set_tz(tl->fs_tz);
  tsk_error_reset();
  probe_begin(t);
  TSK_FS_INFO *fs = tsk_fs_open_img(img, off, TSK_FS_TYPE_DETECT);
  probe_end(t, fs != NULL);
  if (fs) {
    int ntfs = TSK_FS_TYPE_ISNTFS(fs->ftype);
    int r = walk_open_fs(ctx, tl, fs, path, off, NULL, where, st);
    if (r == -2)
      return -2;
    if (ntfs && tl->media.vss) {
      int v = walk_vss(ctx, tl, t, path, off, size, where, st);
      if (v == -2)
        return -2;
      if (v)
        r = -1;
    }
    return r;
  }
  uint32_t en = tsk_error_get_errno();
  int unsupp = en == TSK_ERR_FS_UNSUPTYPE || en == TSK_ERR_FS_UNKTYPE;
  char msg[1024];
  snprintf(msg, sizeof msg, "%s", tsk_msg());
  tsk_error_reset();
  char enc[1024];
  if (t->read_errors != errs_before) {
    /* the media layer failed under the file system: say so */
    art__tl_problem(tl, ART_ERR_CORRUPT,
                    "%s: file system not read: the image could not be read "
                    "there (see the read error reported)",
                    where);
    return -1;
  }
  if (art_source_encryption(t->src, (uint64_t)off, enc, sizeof enc)) {
    const art_volume_keys *k = &tl->media.keys;
    if (depth == 0 && strncmp(enc, "BitLocker", 9) == 0 &&
        (k->recovery_password || k->password || k->startup_key)) {
      art_source *bs = NULL;
      if (art_source_open_bde(ctx, t->src, (uint64_t)off, size, k, &bs) !=
          ART_OK) {
        const char *m = art_ctx_errmsg(ctx);
        size_t pl = strlen(path);
        if (strncmp(m, path, pl) == 0 && m[pl] == ':' && m[pl + 1] == ' ')
          m += pl + 2; /* the path is in WHERE already */
        art__tl_problem(tl, ART_ERR_PERMISSION, "%s: %s", where, m);
        return -1;
      }
      uint64_t bsize = art_source_get_info(bs)->size;
      TSK_IMG_INFO *bimg = img_new(ctx, tl, bs, bsize);
      if (!bimg) {
        art_source_free(bs);
        *st = art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: libtsk: %s", path,
                             tsk_msg());
        return -2;
      }
      int r = walk_fs(ctx, tl, bimg, art_source_path(bs), 0, bsize,
                      "BitLocker, decrypted", depth + 1, st);
      tsk_img_close(bimg);
      art_source_free(bs);
      return r;
    }
    art__tl_problem(tl, ART_ERR_UNSUPPORTED, "%s: encryption layer: %s", where,
                    enc);
    return -1;
  }
  int a = walk_apfs(ctx, tl, t, path, off, where, st);
  if (a != -3)
    return a;
  art__tl_problem(
      tl, unsupp ? ART_ERR_UNSUPPORTED : ART_ERR_CORRUPT,
      "%s: file system layer: %s (%s)", where,
      unsupp ? "unsupported file system" : "cannot open file system", msg);
  return -1;
}

/* SHA-256 of the media bytes, read through the source. */
static art_status hash_image(art_ctx *ctx,
                             art_timeline *tl,
                             art_source *src,
                             const char *path,
                             char **out)
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
    if (tl->relay)
      art__tl_relay_tick(tl);
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

/* The image SRC, named PATH (art_timeline_add_image, or a sandbox
 * worker's relay.c); SRC stays the caller's. */
art_status art__tl_add_image_source(art_ctx *ctx,
                                    art_timeline *tl,
                                    art_source *src,
                                    const char *path)
{
  art_status st;
  const art_source_info *info = art_source_get_info(src);
  if (!info->size_known)
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                          "%s: an image must be a file or device", path);
  if (info->format_unsupported)
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                          "%s: image format not supported: %s", path,
                          info->format);
  TSK_IMG_INFO *img = img_new(ctx, tl, src, info->size);
  if (!img)
    return art__set_error(ctx, ART_ERR_INTERNAL, 0, "%s: libtsk: %s", path,
                          tsk_msg());
  tl_img *t = (tl_img *)img;
  tl->cur_input = path;
  int ok = 0, failed = 0;
  if (tl->hash_evidence &&
      (st = hash_image(ctx, tl, src, path, &tl->cur_sha256)) != ART_OK) {
    if (st != ART_ERR_CORRUPT && st != ART_ERR_IO) {
      tsk_img_close(img);
      tl->cur_input = NULL;
      return st;
    }
    /* damaged media: no evidence hash, but the timeline of what can be
     * read goes on (the problem counts for the exit code) */
    art__tl_problem(tl, st, "%s; no evidence hash", art_ctx_errmsg(ctx));
  }
  st = ART_OK;
  if (tl->has_offset) {
    uint64_t o = tl->offset_sectors * img->sector_size;
    int r = walk_fs(ctx, tl, img, path, (TSK_OFF_T)o,
                    o < info->size ? info->size - o : 0, "-o", 0, &st);
    if (r == -2)
      goto out;
    r == 0 ? ok++ : failed++;
  } else {
    tsk_error_reset();
    unsigned errs_before = t->read_errors;
    probe_begin(t);
    TSK_VS_INFO *vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
    probe_end(t, vs != NULL);
    if (!vs && t->read_errors != errs_before) {
      /* the partition table itself could not be read */
      art__tl_problem(tl, ART_ERR_CORRUPT,
                      "%s: partition table layer: sector 0 could not be read "
                      "(see the read error reported); no partition walked",
                      path);
      tsk_error_reset();
      failed++;
    } else if (!vs) {
      tsk_error_reset();
      int r =
          walk_fs(ctx, tl, img, path, 0, info->size, _("whole image"), 0, &st);
      if (r == -2)
        goto out;
      r == 0 ? ok++ : failed++;
    } else {
      for (TSK_PNUM_T i = 0; i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
          continue;
        TSK_OFF_T off = (TSK_OFF_T)p->start * vs->block_size;
        int r =
            walk_fs(ctx, tl, img, path, off, (uint64_t)p->len * vs->block_size,
                    p->desc ? p->desc : "?", 0, &st);
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
  tl->cur_input = NULL;
  free(tl->cur_sha256);
  tl->cur_sha256 = NULL;
  return st;
}

art_status
art_timeline_add_image(art_ctx *ctx, art_timeline *tl, const char *path)
{
  art_source *src = NULL;
  art_status st = art_source_open(ctx, path, ART_SOURCE_AUTO, &src);
  if (st != ART_OK)
    return st;
  st = art__tl_add_image_source(ctx, tl, src, path);
  art_source_free(src);
  return st;
}

void art_timeline_set_media(art_timeline *tl, const art_timeline_media *m)
{
  if (m)
    tl->media = *m;
  else
    memset(&tl->media, 0, sizeof tl->media);
}
