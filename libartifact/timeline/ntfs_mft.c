/* Timeline source: NTFS file-system timeline from one sequential MFT read.
 * SPDX-License-Identifier: Apache-2.0
 *
 * libtsk's walk loads every MFT entry on its own (one read and one full
 * attribute parse per name), reads the whole MFT again to map parents to
 * children and once more for the orphan hunt. Here $MFT is read once, in
 * large blocks along its own data runs (as libtsk found them when it opened
 * the volume), every entry is parsed into a compact table, and the walk of
 * fls -r -m / is replayed from the table: the directory indexes ($I30
 * root and allocation, with their slack) are read as libtsk reads them, the
 * names are added, de-duplicated and ordered as libtsk does (root priority,
 * children found only through their $FILE_NAME parent, $OrphanFiles), and
 * every line is the one fls prints. An entry this parser does not fully
 * understand (an $ATTRIBUTE_LIST, anything unusual in its attributes or
 * run lists) is loaded through libtsk instead, so its lines stay libtsk's.
 * ART_NTFS_READER=libtsk in the environment turns this reader off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tsk/libtsk.h>
#include <tsk/fs/tsk_ntfs.h>

#include "ntfs_mft_private.h"

/* exported by libtsk 4.11 (C linkage), not in its public headers: the very
 * functions its NTFS code uses, so names and hashes come out as its own */
extern uint32_t tsk_fs_dir_hash(const char *str);
extern const TSK_FS_ATTR *tsk_fs_attrlist_get(const TSK_FS_ATTRLIST *list,
                                              TSK_FS_ATTR_TYPE_ENUM type);
extern TSK_FS_FILE *tsk_fs_file_alloc(TSK_FS_INFO *fs);
typedef unsigned short UTF16;
typedef unsigned char UTF8;
enum { TSKconversionOK = 0 };
enum { TSKlenientConversion = 1 };
extern int tsk_UTF16toUTF8(TSK_ENDIAN_ENUM endian,
                           const UTF16 **src,
                           const UTF16 *src_end,
                           UTF8 **dst,
                           UTF8 *dst_end,
                           int flags);

/* NE_PARTIAL: libtsk failed part way through the entry's attributes; its
 * walk still shows what it had read by then (no sequence check) */
enum { NE_BAD = 0, NE_OK = 1, NE_PARTIAL = 2 };
enum {
  NF_ALLOC = 1,
  NF_DIR = 2,  /* MFT flags: a directory (meta type) */
  NF_USED = 4, /* at least one attribute */
  NF_BASE = 8  /* a base record (not an extension) */
};
#define NO_NAME UINT32_MAX

typedef struct nattr {
  uint32_t type, name; /* name: offset in the arena, NO_NAME */
  uint64_t size;
  uint16_t id;
} nattr;

typedef struct nname {
  uint32_t name; /* offset in the arena */
  uint32_t hash;
  uint64_t par;
  uint16_t par_seq;
} nname;

typedef struct ntime {
  uint32_t sec, nsec; /* as libtsk: seconds wrapped to 32 bits */
} ntime;

typedef struct nent {
  ntime si[4], fn[4]; /* a m c b */
  uint64_t size;
  uint32_t uid;
  uint32_t attr0, name0;
  uint16_t nattr, nname;
  uint16_t seq, fn_id, mode;
  uint8_t state, flags;
} nent;

typedef struct ntfs_rd {
  art_ctx *ctx;
  art_timeline *tl;
  TSK_FS_INFO *fs;
  NTFS_INFO *ntfs;
  uint32_t src;
  const char *mount;
  art__tl_winscan *ws;
  art_status st;
  uint64_t nent, nblocks; /* entries (orphan dir excluded), clusters */
  uint32_t rsize;
  nent *e;
  nattr *a;
  size_t na, capa;
  nname *n;
  size_t nn, capn;
  char *arena;
  size_t arlen, arcap;
  /* parent -> children (index into n[] of the child's name) */
  uint32_t *child_head, *child_next; /* per entry / per name */
  uint32_t *name_owner;              /* entry of each name */
  /* the walk */
  art__tl_buf path, disp;
  uint8_t *seen;  /* the walk's loop stack (one per entry) */
  uint8_t *named; /* unallocated entries reached by a name */
  uint8_t *orph_sub;
  int collect_named;
  uint32_t *orphans; /* $OrphanFiles listing, built once */
  size_t norphans;
  int orphans_done;
} ntfs_rd;

/* One name of a directory listing (TSK_FS_NAME's fields fls uses). */
typedef struct dname {
  char *name;
  uint64_t addr;
  uint32_t hash; /* tsk_fs_dir_hash(name) */
  uint32_t next; /* next name with the same address + 1, or 0 */
  uint16_t seq;
  uint8_t type;  /* TSK_FS_NAME_TYPE_* */
  uint8_t alloc; /* 1 ALLOC, 0 UNALLOC */
} dname;

/* A directory listing in libtsk's order, with the names of each address
 * chained through a hash table (libtsk compares every pair: quadratic in
 * the size of a directory). */
typedef struct dlist {
  dname *v;
  size_t n, cap;
  uint32_t *head; /* by address: first name + 1, or 0 */
  size_t hcap;    /* a power of two */
} dlist;

static uint16_t g16(const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t g32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint64_t g48(const uint8_t *p)
{
  return (uint64_t)g32(p) | (uint64_t)g16(p + 4) << 32;
}
static uint64_t g64(const uint8_t *p)
{
  return (uint64_t)g32(p) | (uint64_t)g32(p + 4) << 32;
}

/* libtsk's nt2unixtime and nt2nano */
static ntime nt(uint64_t ft)
{
  ntime t;
  t.sec = (uint32_t)((ft - UINT64_C(116444736000000000)) / 10000000u);
  t.nsec = (uint32_t)(ft % 10000000u) * 100u;
  return t;
}

/* UTF-16LE to UTF-8 as libtsk converts (lenient) into OUT of OUTSZ bytes;
 * returns the length. A failed conversion keeps what was converted. */
static size_t
utf16(const uint8_t *in, size_t units, char *out, size_t outsz, int sanitize)
{
  const UTF16 *s = (const UTF16 *)(const void *)in;
  UTF8 *d = (UTF8 *)out;
  int r = tsk_UTF16toUTF8(TSK_LIT_ENDIAN, &s, s + units, &d,
                          (UTF8 *)out + outsz, TSKlenientConversion);
  size_t len;
  if (r != TSKconversionOK)
    len = sanitize ? 0 : (size_t)((char *)d - out);
  else if ((char *)d >= out + outsz)
    len = outsz - 1;
  else
    len = (size_t)((char *)d - out);
  if (len >= outsz)
    len = outsz - 1;
  out[len] = '\0';
  return len;
}

/* Room for NEED elements of SIZE bytes in the array at *ARRP (a pointer to
 * the array pointer) of capacity *CAP, doubled from FIRST. 0, or -1 out of
 * memory (the array unchanged). */
static int grow(void *arrp, size_t *cap, size_t need, size_t size, size_t first)
{
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap * 2 : first;
  while (c < need)
    c *= 2;
  if (c > SIZE_MAX / size)
    return -1;
  void *v;
  memcpy(&v, arrp, sizeof v);
  if (!(v = realloc(v, c * size)))
    return -1;
  memcpy(arrp, &v, sizeof v);
  *cap = c;
  return 0;
}
#define GROW(arr, cap, need, first)                                            \
  grow(&(arr), &(cap), (need), sizeof *(arr), (first))

static uint32_t arena_add(ntfs_rd *r, const char *s, size_t n)
{
  if (r->arlen + n + 1 > r->arcap) {
    size_t cap = r->arcap ? r->arcap * 2 : 1 << 20;
    while (cap < r->arlen + n + 1)
      cap *= 2;
    if (cap > UINT32_MAX)
      return NO_NAME;
    char *p = realloc(r->arena, cap);
    if (!p)
      return NO_NAME;
    r->arena = p;
    r->arcap = cap;
  }
  uint32_t off = (uint32_t)r->arlen;
  memcpy(r->arena + off, s, n);
  r->arena[off + n] = '\0';
  r->arlen += n + 1;
  return off;
}

/* Parsed attributes of the record being read, before they are kept. */
typedef struct pattr {
  uint32_t type;
  uint16_t id;
  int nonres;
  char name[NTFS_MAXNAMLEN_UTF8 + 1];
  uint64_t size;
} pattr;

typedef struct pfn {
  char name[TSK_FS_META_NAME_LIST_NSIZE];
  uint64_t par;
  uint16_t par_seq;
} pfn;

typedef struct prec {
  nent e;
  pattr *a;
  size_t na, capa;
  pfn *f;
  size_t nf, capf;
} prec;

/* The update sequence fixup of an MFT record as libtsk applies it:
 * 0 done, 1 the entry is corrupt. */
static int mft_fixup(uint8_t *b, size_t rsize)
{
  uint16_t cnt = g16(b + 6), off = g16(b + 4);
  if (cnt > 0 && (uint32_t)(cnt - 1) * 512u > rsize)
    return 1;
  if (cnt == 0 || cnt > rsize / 2 + 1)
    return 1;
  size_t span = ((size_t)cnt - 1) * 2;
  if ((size_t)off + 3 > rsize - span)
    return 1;
  uint16_t want = g16(b + off);
  for (unsigned i = 1; i < cnt; i++) {
    size_t o = (size_t)i * 512 - 2;
    if (o + 2 > rsize)
      return 1;
    if (g16(b + o) != want)
      return 1;
    size_t s = (size_t)off + 2 + (i - 1) * 2;
    if (s + 2 > rsize)
      return 1;
    b[o] = b[s];
    b[o + 1] = b[s + 1];
  }
  return 0;
}

/* A run list is clean when every run decodes within the attribute and
 * every non-sparse run lies inside the volume. */
static int runs_clean(const uint8_t *p, const uint8_t *end, uint64_t nblocks)
{
  int64_t lcn = 0;
  int n = 0;
  while (p < end && *p) {
    unsigned ll = *p & 0x0f, lo = *p >> 4;
    if (ll == 0 || ll > 8 || lo > 8 || p + 1 + ll + lo > end)
      return 0;
    uint64_t len = 0;
    for (unsigned i = 0; i < ll; i++)
      len |= (uint64_t)p[1 + i] << (8 * i);
    if (len == 0 || len > nblocks)
      return 0;
    if (lo) {
      uint64_t d = 0;
      for (unsigned i = 0; i < lo; i++)
        d |= (uint64_t)p[1 + ll + i] << (8 * i);
      if (lo < 8 && (d >> (8 * lo - 1)) & 1)
        d |= ~UINT64_C(0) << (8 * lo);
      lcn += (int64_t)d;
      if (lcn <= 0 || (uint64_t)lcn + len > nblocks)
        return 0;
    }
    p += 1 + ll + lo;
    if (++n > 65536)
      return 0;
  }
  return p < end; /* the end marker is inside */
}

/* libtsk's ntfs_dinode_copy + ntfs_proc_attrseq on a fixed-up record.
 * 0 parsed into P, 1 libtsk cannot read it, 2 leave it to libtsk. */
static int
parse_attrs(const uint8_t *b, size_t rsize, uint64_t nblocks, prec *p)
{
  nent *e = &p->e;
  memset(e, 0, sizeof *e);
  p->na = p->nf = 0;
  uint16_t flags = g16(b + 22);
  e->seq = g16(b + 16);
  if (flags & 1)
    e->flags |= NF_ALLOC;
  if (flags & 2)
    e->flags |= NF_DIR;
  if (g48(b + 32) == 0)
    e->flags |= NF_BASE;
  if (memcmp(b, "FILE", 4) != 0)
    return 2; /* libtsk reads any magic; keep its reading of odd ones */
  uint16_t aoff = g16(b + 20);
  if (aoff > rsize)
    return 2;
  const uint8_t *seq = b + aoff, *end = b + rsize;
  size_t len = rsize - aoff;
  const uint8_t *a = seq;
  int si_seen = 0;
  for (;;) {
    if ((size_t)(a - seq) + 16 > len)
      return 2; /* no end marker */
    uint32_t type = g32(a), alen = g32(a + 4);
    if (type == 0xffffffffu)
      break;
    if (alen == 0 || alen > (size_t)(end - a) || (alen & 7) || alen < 24)
      return 2;
    uint16_t noff = g16(a + 10);
    unsigned nlen = a[9];
    if (noff > alen || type == 0)
      return 2;
    uint16_t id = g16(a + 14);
    if (GROW(p->a, p->capa, p->na + 1, 16))
      return -1;
    pattr *pa = &p->a[p->na];
    pa->type = type;
    pa->id = id;
    pa->name[0] = '\0';
    if (nlen && (uint32_t)noff + nlen * 2u < alen) {
      utf16(a + noff, nlen, pa->name, sizeof pa->name, 1);
      for (char *c = pa->name; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
          *c = '^';
    } else if (nlen) {
      return 2;
    }
    if (a[8] == 0) { /* resident */
      uint32_t ssize = g32(a + 16);
      uint16_t soff = g16(a + 20);
      if ((uint64_t)soff + ssize > alen)
        return 2;
      pa->nonres = 0;
      pa->size = ssize;
      if ((e->flags & NF_DIR) && type == NTFS_ATYPE_IDXROOT)
        e->size = ssize;
      else if (!(e->flags & NF_DIR) && type == NTFS_ATYPE_DATA && !pa->name[0])
        e->size = ssize;
      p->na++;
      const uint8_t *c = a + soff;
      if (type == NTFS_ATYPE_SI) {
        if (soff < 16 || soff >= alen || alen < 48 || soff > alen - 48 ||
            ssize < 48)
          return 2;
        e->si[0] = nt(g64(c + 24)); /* atime */
        e->si[1] = nt(g64(c + 8));  /* mtime */
        e->si[2] = nt(g64(c + 16)); /* ctime */
        e->si[3] = nt(g64(c + 0));  /* crtime */
        /* own_id at 48: in a 48-byte (NTFS 1.x) $SI that is the next
         * attribute's first bytes, as libtsk reads them */
        if (c + 52 > end)
          return 2;
        e->uid = g32(c + 48);
        uint32_t dos = g32(c + 32);
        uint16_t m = 0111;
        if (!(dos & 1))
          m |= 0444;
        if (!(dos & 2))
          m |= 0222;
        e->mode |= m; /* libtsk ORs every $SI's bits */
        si_seen = 1;
      } else if (type == NTFS_ATYPE_FNAME) {
        if (ssize < 66 || (size_t)c[64] * 2 + 66 > ssize)
          return 2;
        if (c[65] != NTFS_FNAME_DOS) {
          e->fn[0] = nt(g64(c + 32));
          e->fn[1] = nt(g64(c + 16));
          e->fn[2] = nt(g64(c + 24));
          e->fn[3] = nt(g64(c + 8));
          e->fn_id = id;
          if (GROW(p->f, p->capf, p->nf + 1, 4))
            return -1;
          pfn *f = &p->f[p->nf++];
          utf16(c + 66, c[64], f->name, sizeof f->name, 0);
          f->par = g48(c);
          f->par_seq = g16(c + 6);
        }
      } else if (type == NTFS_ATYPE_ATTRLIST) {
        return 2;
      }
    } else {
      if (alen < 64 || type == NTFS_ATYPE_SI || type == NTFS_ATYPE_FNAME ||
          type == NTFS_ATYPE_ATTRLIST)
        return 2;
      uint16_t roff = g16(a + 32);
      if (roff > alen || g16(a + 34) > 16 || id == 0 ||
          !runs_clean(a + roff, a + alen, nblocks) || g64(a + 16) != 0)
        return 2;
      for (size_t i = 0; i < p->na; i++)
        if (p->a[i].type == type && p->a[i].id == id)
          return 2; /* libtsk merges the runs: its case */
      uint64_t ssize = g64(a + 48), alloc = g64(a + 40);
      if (ssize == 0 || ssize > (uint64_t)INT64_MAX || alloc < ssize ||
          alloc > (uint64_t)INT64_MAX)
        return 2; /* libtsk refuses alloc < size (a partial entry) */
      pa->nonres = 1;
      pa->size = ssize;
      if (!(e->flags & NF_DIR) && type == NTFS_ATYPE_DATA && !pa->name[0])
        e->size = ssize;
      p->na++;
    }
    a += alen;
  }
  if (!si_seen)
    return 2;
  if (p->na)
    e->flags |= NF_USED;
  return 0;
}

int art__tl_ntfs_parse_record(uint8_t *rec, size_t rsize, uint64_t nblocks)
{
  prec p;
  memset(&p, 0, sizeof p);
  int r = rsize < 48 || mft_fixup(rec, rsize)
              ? 1
              : parse_attrs(rec, rsize, nblocks, &p);
  free(p.a);
  free(p.f);
  return r < 0 ? 2 : r;
}

/* Keep P as entry I. -1 out of memory. */
static int keep(ntfs_rd *r, uint64_t i, prec *p)
{
  nent *e = &r->e[i];
  *e = p->e;
  e->state = NE_OK;
  e->attr0 = (uint32_t)r->na;
  e->name0 = (uint32_t)r->nn;
  size_t keepn = 0;
  for (size_t k = 0; k < p->na; k++) {
    uint32_t t = p->a[k].type;
    if (t == NTFS_ATYPE_DATA || t == NTFS_ATYPE_IDXROOT ||
        t == NTFS_ATYPE_FNAME)
      keepn++;
  }
  if (GROW(r->a, r->capa, r->na + keepn, 4096) ||
      GROW(r->n, r->capn, r->nn + p->nf, 4096))
    return -1;
  for (size_t k = 0; k < p->na; k++) {
    const pattr *pa = &p->a[k];
    if (pa->type != NTFS_ATYPE_DATA && pa->type != NTFS_ATYPE_IDXROOT &&
        pa->type != NTFS_ATYPE_FNAME)
      continue;
    nattr *a = &r->a[r->na++];
    a->type = pa->type;
    a->id = pa->id;
    a->size = pa->size;
    a->name = NO_NAME;
    if (pa->name[0] &&
        (a->name = arena_add(r, pa->name, strlen(pa->name))) == NO_NAME)
      return -1;
  }
  for (size_t k = 0; k < p->nf; k++) {
    nname *n = &r->n[r->nn++];
    size_t l = strlen(p->f[k].name);
    if ((n->name = arena_add(r, p->f[k].name, l)) == NO_NAME)
      return -1;
    n->hash = tsk_fs_dir_hash(p->f[k].name);
    n->par = p->f[k].par;
    n->par_seq = p->f[k].par_seq;
  }
  e->nattr = (uint16_t)keepn;
  e->nname = (uint16_t)p->nf;
  return 0;
}

/* Entry I through libtsk (what this parser leaves to it). -1 no memory. */
static TSK_WALK_RET_ENUM meta_noop(TSK_FS_FILE *f, void *arg)
{
  (void)f;
  (void)arg;
  return TSK_WALK_CONT;
}

/* Entry I through libtsk (what this parser leaves to it): 0 loaded (or
 * marked as unreadable), 1 leave the volume to libtsk, -1 no memory. */
static int load_tsk(ntfs_rd *r, uint64_t i, uint8_t base_flags)
{
  /* as the walk loads it (fs->file_add_meta keeps a partial entry) */
  TSK_FS_FILE *f = tsk_fs_file_alloc(r->fs);
  if (!f)
    return -1;
  int failed = r->fs->file_add_meta(r->fs, f, (TSK_INUM_T)i) != 0;
  tsk_error_reset();
  if (failed) {
    /* libtsk's own inode walk over this entry: does it skip the entry
     * (corruption) or stop (an error: a read error, an attribute list it
     * cannot follow)? When it stops, its walk lists nothing of the volume
     * (the parent map cannot be built): leave the volume to it. */
    tsk_error_reset();
    if (tsk_fs_meta_walk(r->fs, (TSK_INUM_T)i, (TSK_INUM_T)i,
                         TSK_FS_META_FLAG_ALLOC | TSK_FS_META_FLAG_UNALLOC,
                         meta_noop, NULL)) {
      tsk_error_reset();
      tsk_fs_file_close(f);
      return 1;
    }
    tsk_error_reset();
  }
  if (!f->meta || (failed && f->meta->type != TSK_FS_META_TYPE_REG &&
                   f->meta->type != TSK_FS_META_TYPE_DIR)) {
    /* nothing read: printed as an entry without metadata */
    tsk_fs_file_close(f);
    r->e[i].state = NE_BAD;
    return 0;
  }
  const TSK_FS_META *m = f->meta;
  prec p;
  memset(&p, 0, sizeof p);
  nent *e = &p.e;
  e->seq = (uint16_t)m->seq;
  e->flags = base_flags & NF_BASE;
  if (m->flags & TSK_FS_META_FLAG_ALLOC)
    e->flags |= NF_ALLOC;
  if (m->type == TSK_FS_META_TYPE_DIR)
    e->flags |= NF_DIR;
  if (m->flags & TSK_FS_META_FLAG_USED)
    e->flags |= NF_USED;
  e->uid = (uint32_t)m->uid;
  e->mode = (uint16_t)(m->mode & 0777);
  e->size = (uint64_t)m->size;
  e->si[0] = (ntime){(uint32_t)m->atime, m->atime_nano};
  e->si[1] = (ntime){(uint32_t)m->mtime, m->mtime_nano};
  e->si[2] = (ntime){(uint32_t)m->ctime, m->ctime_nano};
  e->si[3] = (ntime){(uint32_t)m->crtime, m->crtime_nano};
  e->fn[0] = (ntime){(uint32_t)m->time2.ntfs.fn_atime,
                     (uint32_t)m->time2.ntfs.fn_atime_nano};
  e->fn[1] = (ntime){(uint32_t)m->time2.ntfs.fn_mtime,
                     (uint32_t)m->time2.ntfs.fn_mtime_nano};
  e->fn[2] = (ntime){(uint32_t)m->time2.ntfs.fn_ctime,
                     (uint32_t)m->time2.ntfs.fn_ctime_nano};
  e->fn[3] = (ntime){(uint32_t)m->time2.ntfs.fn_crtime,
                     (uint32_t)m->time2.ntfs.fn_crtime_nano};
  e->fn_id = (uint16_t)m->time2.ntfs.fn_id;
  int ret = 0;
  int na = tsk_fs_file_attr_getsize(f);
  for (int k = 0; k < na && ret == 0; k++) {
    const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, k);
    if (!a)
      continue;
    if (GROW(p.a, p.capa, p.na + 1, 16)) {
      ret = -1;
      break;
    }
    pattr *pa = &p.a[p.na++];
    pa->type = (uint32_t)a->type;
    pa->id = a->id;
    pa->size = (uint64_t)a->size;
    pa->name[0] = '\0';
    if (a->name) {
      size_t l = strnlen(a->name, sizeof pa->name - 1);
      memcpy(pa->name, a->name, l);
      pa->name[l] = '\0';
    }
  }
  tsk_error_reset();
  for (const TSK_FS_META_NAME_LIST *n = m->name2; n && ret == 0; n = n->next) {
    if (GROW(p.f, p.capf, p.nf + 1, 4)) {
      ret = -1;
      break;
    }
    pfn *pf = &p.f[p.nf++];
    memcpy(pf->name, n->name, sizeof pf->name);
    pf->name[sizeof pf->name - 1] = '\0';
    pf->par = n->par_inode;
    pf->par_seq = (uint16_t)n->par_seq;
  }
  if (ret == 0 && keep(r, i, &p))
    ret = -1;
  if (ret == 0 && failed)
    r->e[i].state = NE_PARTIAL;
  free(p.a);
  free(p.f);
  tsk_fs_file_close(f);
  return ret;
}

/* Read $MFT along its runs in large blocks and parse every entry.
 * 0 done, 1 not handled (fall back), -1 out of memory. */
static int read_mft(ntfs_rd *r)
{
  const TSK_FS_ATTR *md = r->ntfs->mft_data;
  if (!md || !(md->flags & TSK_FS_ATTR_NONRES) || !md->nrd.run)
    return 1;
  size_t rsize = r->rsize;
  uint64_t csize = r->ntfs->csize_b;
  size_t bufsz = (size_t)4 << 20;
  bufsz -= bufsz % rsize;
  if (bufsz < rsize)
    bufsz = rsize;
  uint8_t *buf = malloc(bufsz + rsize);
  prec p;
  memset(&p, 0, sizeof p);
  int ret = 0;
  if (!buf) {
    ret = -1;
    goto out;
  }
  uint64_t inum = 0;
  size_t fill = 0; /* bytes in buf */
  uint64_t todo = r->nent * rsize;
  for (const TSK_FS_ATTR_RUN *run = md->nrd.run; run && todo; run = run->next) {
    uint64_t rb = (uint64_t)run->len * csize, ro = 0;
    if (run->len > r->nblocks)
      rb = r->nblocks * csize;
    while (ro < rb && todo) {
      size_t want = bufsz - fill;
      if (want > rb - ro)
        want = (size_t)(rb - ro);
      if (want > todo)
        want = (size_t)todo;
      if (run->flags &
          (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER)) {
        memset(buf + fill, 0, want);
      } else {
        TSK_OFF_T at = (TSK_OFF_T)(run->addr * csize + ro);
        ssize_t got = tsk_fs_read(r->fs, at, (char *)buf + fill, want);
        if (got != (ssize_t)want) {
          /* libtsk cannot read the entries there: its walk stops (it
           * lists nothing of the volume); leave the volume to it */
          tsk_error_reset();
          ret = 1;
          goto out;
        }
      }
      fill += want;
      ro += want;
      todo -= want;
      size_t whole = fill / rsize;
      for (size_t k = 0; k < whole; k++, inum++) {
        uint8_t *rec = buf + k * rsize; /* fixed up in place */
        int v =
            mft_fixup(rec, rsize) ? 1 : parse_attrs(rec, rsize, r->nblocks, &p);
        if (v < 0) {
          ret = -1;
          goto out;
        }
        if (v == 0) {
          if (keep(r, inum, &p)) {
            ret = -1;
            goto out;
          }
        } else if (v == 2) {
          uint8_t base = g48(rec + 32) == 0 ? NF_BASE : 0;
          int lt = load_tsk(r, inum, base);
          if (lt) {
            ret = lt;
            goto out;
          }
        } else {
          r->e[inum].state = NE_BAD;
        }
      }
      size_t rest = fill - whole * rsize;
      memmove(buf, buf + whole * rsize, rest);
      fill = rest;
      if (r->tl->relay)
        art__tl_relay_tick(r->tl);
    }
  }
  /* entries past the runs: libtsk cannot find them either */
  for (; inum < r->nent; inum++)
    r->e[inum].state = NE_BAD;
out:
  free(buf);
  free(p.a);
  free(p.f);
  return ret;
}

/* Children lists: every name of every base entry, libtsk's parent map
 * (in inode order, as its inode walk fills it). */
static int build_children(ntfs_rd *r)
{
  r->child_head = malloc((r->nent + 1) * sizeof *r->child_head);
  r->child_next = malloc((r->nn + 1) * sizeof *r->child_next);
  r->name_owner = malloc((r->nn + 1) * sizeof *r->name_owner);
  uint32_t *tail = malloc((r->nent + 1) * sizeof *tail);
  if (!r->child_head || !r->child_next || !r->name_owner || !tail) {
    free(tail);
    return -1;
  }
  for (uint64_t i = 0; i < r->nent; i++)
    r->child_head[i] = tail[i] = UINT32_MAX;
  for (uint64_t i = 0; i < r->nent; i++) {
    const nent *e = &r->e[i];
    if (e->state != NE_OK)
      continue;
    for (uint32_t k = 0; k < e->nname; k++) {
      uint32_t ni = e->name0 + k;
      r->name_owner[ni] = (uint32_t)i;
      r->child_next[ni] = UINT32_MAX;
      if (!(e->flags & NF_BASE))
        continue; /* the inode walk skips extension records */
      uint64_t par = r->n[ni].par;
      if (par >= r->nent)
        continue;
      if (tail[par] == UINT32_MAX)
        r->child_head[par] = ni;
      else
        r->child_next[tail[par]] = ni;
      tail[par] = ni;
    }
  }
  free(tail);
  return 0;
}

/* ---------------------------------------------------------------- lines */

static void set_t(art__tl_time *t, ntime v)
{
  t->sec = (int64_t)v.sec;
  t->nsec = v.nsec < 1000000000u ? v.nsec : 0;
  t->set = 1;
}

/* The virtual $OrphanFiles directory's metadata (V/V---------). */
static const nent orphan_meta = {.flags = 0xff};

static const char *const name_type_str = "-pcdbrlshwvV";

/* One line of N (entry E, or none) for attribute A (or none). */
static int line(ntfs_rd *r, const dname *n, const nent *e, const nattr *a)
{
  art__tl_entry x;
  memset(&x, 0, sizeof x);
  x.src = r->src;
  size_t plen = r->path.len;
  if (art__tl_buf_adds(&r->path, n->name))
    goto nomem;
  x.path = r->path.p;
  x.path_len = r->path.len;
  if (a && a->name != NO_NAME && a->type != NTFS_ATYPE_FNAME &&
      (a->type != NTFS_ATYPE_IDXROOT || strcmp(r->arena + a->name, "$I30")))
    x.ads = r->arena + a->name;
  x.fn = a && a->type == NTFS_ATYPE_FNAME;
  if (!n->alloc)
    x.alloc = (e && (e->flags & NF_ALLOC)) ? TL_REALLOC : TL_DELETED;
  x.meta_addr = n->addr;
  char *ip = art__tl_dec(x.inode, n->addr);
  if (a) {
    *ip++ = '-';
    ip = art__tl_dec(ip, a->type);
    *ip++ = '-';
    ip = art__tl_dec(ip, a->id);
  }
  *ip = '\0';
  char mode[16];
  mode[0] = n->type < 12 ? name_type_str[n->type] : '-';
  mode[1] = '/';
  memcpy(mode + 2, "----------", 11);
  if (e) {
    if (e == &orphan_meta)
      mode[2] = 'V';
    else
      mode[2] = (e->flags & NF_DIR) ? 'd' : 'r';
    static const char rwx[] = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
      if (e->mode & (0400 >> i))
        mode[3 + i] = rwx[i];
  }
  x.mode = mode;
  for (int i = 0; i < 4; i++)
    x.t[i].set = 1;
  if (e) {
    x.uid = e->uid;
    x.gid = 0;
    x.size = a ? a->size : e->size;
    const ntime *t = x.fn ? e->fn : e->si;
    set_t(&x.t[TL_A], t[0]);
    set_t(&x.t[TL_M], t[1]);
    set_t(&x.t[TL_C], t[2]);
    set_t(&x.t[TL_B], t[3]);
  }
  if (r->mount && art__tl_mount_name(&r->disp, r->mount, &x))
    goto nomem;
  art_status st = art__tl_entry_emit(r->ctx, r->tl, &x);
  r->path.len = plen;
  r->path.p[plen] = '\0';
  if (st != ART_OK) {
    r->st = st;
    return -1;
  }
  return 0;
nomem:
  r->path.len = plen;
  if (r->path.p)
    r->path.p[plen] = '\0';
  r->st = art__set_error(r->ctx, ART_ERR_NOMEM, ENOMEM, "timeline path");
  return -1;
}

/* fls's lines for name N with metadata E (NULL: none). */
static int print_name(ntfs_rd *r, const dname *n, const nent *e)
{
  if (!e || e == &orphan_meta)
    return line(r, n, e, NULL);
  int printed = 0;
  for (uint32_t k = 0; k < e->nattr; k++) {
    const nattr *a = &r->a[e->attr0 + k];
    if (a->type == NTFS_ATYPE_DATA || a->type == NTFS_ATYPE_IDXROOT) {
      printed = 1;
      if (line(r, n, e, a))
        return -1;
    } else if (a->type == NTFS_ATYPE_FNAME && a->id == e->fn_id) {
      if (line(r, n, e, a))
        return -1;
    }
  }
  if (!printed)
    return line(r, n, e, NULL);
  return 0;
}

/* ------------------------------------------------------------ listing */

static void dlist_free(dlist *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i].name);
  free(l->v);
  free(l->head);
  l->v = NULL;
  l->head = NULL;
  l->n = l->cap = l->hcap = 0;
}

static size_t slot(const dlist *l, uint64_t addr)
{
  return (size_t)((addr * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (l->hcap - 1);
}

/* Rebuild the address chains (after a growth or a removal). */
static int dlist_rehash(dlist *l, size_t want)
{
  size_t cap = 64;
  while (cap < want * 2)
    cap *= 2;
  uint32_t *h = calloc(cap, sizeof *h);
  if (!h)
    return -1;
  free(l->head);
  l->head = h;
  l->hcap = cap;
  for (size_t i = l->n; i-- > 0;) {
    size_t k = slot(l, l->v[i].addr);
    l->v[i].next = h[k];
    h[k] = (uint32_t)(i + 1);
  }
  return 0;
}

/* The first name of ADDR + 1 (the chain mixes addresses of one slot). */
static uint32_t dlist_first(const dlist *l, uint64_t addr)
{
  return l->hcap ? l->head[slot(l, addr)] : 0;
}

/* libtsk's tsk_fs_dir_add: a name with the same address and name is kept
 * once (an allocated one replaces an unallocated one). -1 no memory. */
static int dlist_add(dlist *l,
                     const char *name,
                     uint64_t addr,
                     uint16_t seq,
                     int type,
                     int alloc)
{
  for (uint32_t k = dlist_first(l, addr); k; k = l->v[k - 1].next) {
    dname *d = &l->v[k - 1];
    if (d->addr == addr && strcmp(d->name, name) == 0) {
      if (!d->alloc && alloc) {
        d->seq = seq;
        d->type = (uint8_t)type;
        d->alloc = 1;
      }
      return 0;
    }
  }
  if (l->n >= UINT32_MAX - 1)
    return -1;
  if (GROW(l->v, l->cap, l->n + 1, 64))
    return -1;
  char *s = strdup(name);
  if (!s)
    return -1;
  l->v[l->n++] = (dname){s,   addr,          tsk_fs_dir_hash(name), 0,
                         seq, (uint8_t)type, (uint8_t)(alloc != 0)};
  if (l->n * 2 > l->hcap)
    return dlist_rehash(l, l->n);
  size_t k = slot(l, addr);
  l->v[l->n - 1].next = l->head[k];
  l->head[k] = (uint32_t)l->n;
  return 0;
}

static int is_time(uint64_t t)
{
  const uint64_t lo = (uint64_t)(369 * 365 + 89) * 24 * 36;
  const uint64_t hi = lo + (uint64_t)(50 * 365 + 6) * 24 * 36;
  t /= 1000000000u;
  return t && t >= lo && t <= hi;
}

/* libtsk's ntfs_proc_idxentry over B[0..len) (USED bytes in use), for
 * directory ADDR. 0 done, 1 libtsk's error (the directory is not listed),
 * -1 no memory. */
static int proc_idx(uint64_t first_inum,
                    uint64_t last_inum,
                    dlist *l,
                    uint64_t addr,
                    int is_del,
                    const uint8_t *b,
                    size_t len,
                    size_t used)
{
  if (len < used)
    return 1;
  size_t o = 0;
  int have_prev = 0;
  dname prev = {0};
  char nm[NTFS_MAXNAMLEN_UTF8 + 1];
  int ret = 0;
  while (o + 16 + 67 < len) {
    const uint8_t *ie = b + o, *fn = ie + 16;
    uint64_t ref = g48(ie);
    uint16_t ilen = g16(ie + 8), slen = g16(ie + 10);
    if (ref > last_inum || ref < first_inum || ilen <= slen || ilen % 4 ||
        ilen > len) {
      o += 4;
      continue;
    }
    if (g48(fn) != addr) {
      o += 4;
      continue;
    }
    unsigned nlen = fn[64], ns = fn[65];
    if (slen == 0 || o + ilen > used) {
      if (ns > 3) {
        o += 4;
        continue;
      }
      if (g64(fn + 40) < g64(fn + 48) || nlen == 0 || fn[66] == 0) {
        o += 4;
        continue;
      }
      if (!is_time(g64(fn + 8)) || !is_time(g64(fn + 32)) ||
          !is_time(g64(fn + 16))) {
        o += 4;
        continue;
      }
    }
    if (ns == NTFS_FNAME_DOS) {
      if (have_prev) {
        if (dlist_add(l, prev.name, prev.addr, prev.seq, prev.type,
                      prev.alloc)) {
          ret = -1;
          break;
        }
        have_prev = 0;
      }
      goto incr;
    } else if (have_prev) {
      if (dlist_add(l, prev.name, prev.addr, prev.seq, prev.type, prev.alloc)) {
        ret = -1;
        break;
      }
      have_prev = 0;
    }
    /* ntfs_dent_copy */
    if (o + 16 + 66 + (size_t)nlen * 2 >= len)
      goto incr;
    utf16(fn + 66, nlen, nm, sizeof nm - 1, 0);
    {
      dname d;
      d.addr = ref;
      d.seq = g16(ie + 6);
      d.type = (g64(fn + 56) & NTFS_FNAME_FLAGS_DIR) ? TSK_FS_NAME_TYPE_DIR
                                                     : TSK_FS_NAME_TYPE_REG;
      d.alloc = !(is_del || slen == 0 || o + ilen > used);
      if (ns == NTFS_FNAME_WINDOS) {
        if (dlist_add(l, nm, d.addr, d.seq, d.type, d.alloc)) {
          ret = -1;
          break;
        }
      } else {
        free(prev.name);
        if (!(prev.name = strdup(nm))) {
          ret = -1;
          break;
        }
        prev.addr = d.addr;
        prev.seq = d.seq;
        prev.type = d.type;
        prev.alloc = d.alloc;
        have_prev = 1;
      }
    }
  incr:
    if (slen == 0)
      o = ((o + 16 + 66 + 2 * (size_t)nlen + 3) / 4) * 4;
    else
      o += ilen;
  }
  if (ret == 0 && have_prev &&
      dlist_add(l, prev.name, prev.addr, prev.seq, prev.type, prev.alloc))
    ret = -1;
  free(prev.name);
  return ret;
}

/* libtsk's ntfs_fix_idxrec: 0 done, 1 corrupt. */
static int idx_fixup(uint8_t *b, size_t len, size_t buflen)
{
  if (len < 8)
    return 1;
  uint16_t cnt = g16(b + 6), off = g16(b + 4);
  if ((unsigned)(cnt - 1) * 512u > len)
    return 1;
  if (off > len || 3 > len - off)
    return 1;
  uint16_t want = g16(b + off);
  for (unsigned i = 1; i < cnt; i++) {
    size_t o = (size_t)i * 512 - 2;
    if (g16(b + o) != want)
      return 1;
    size_t s = (size_t)off + 2 + (i - 1) * 2;
    if (s + 2 > buflen)
      return 1;
    b[o] = b[s];
    b[o + 1] = b[s + 1];
  }
  return 0;
}

typedef struct loadbuf {
  uint8_t *p;
  size_t left, off;
} loadbuf;

static TSK_WALK_RET_ENUM load_cb(TSK_FS_FILE *f,
                                 TSK_OFF_T off,
                                 TSK_DADDR_T addr,
                                 char *buf,
                                 size_t size,
                                 TSK_FS_BLOCK_FLAG_ENUM flags,
                                 void *ptr)
{
  (void)f;
  (void)off;
  (void)addr;
  (void)flags;
  loadbuf *lb = ptr;
  size_t n = size < lb->left ? size : lb->left;
  memcpy(lb->p + lb->off, buf, n);
  lb->off += n;
  lb->left -= n;
  return lb->left ? TSK_WALK_CONT : TSK_WALK_STOP;
}

/* The index allocation ATTR (LEN bytes with its slack) read run by run
 * straight from the image (libtsk reads it a cluster at a time through its
 * 64 KiB cache). 0 read, 1 let libtsk's attribute walk read it (sparse or
 * filler runs, runs outside the volume, a read error). */
static int
read_runs(ntfs_rd *r, const TSK_FS_ATTR *attr, uint8_t *buf, size_t len)
{
  TSK_IMG_INFO *img = r->fs->img_info;
  uint64_t csize = r->ntfs->csize_b;
  size_t off = 0;
  for (const TSK_FS_ATTR_RUN *run = attr->nrd.run; run && off < len;
       run = run->next) {
    if ((run->flags &
         (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER)) ||
        run->len == 0 || run->addr >= r->nblocks ||
        run->len > r->nblocks - run->addr || run->offset * csize != off)
      return 1;
    uint64_t n = run->len * csize;
    if (n > len - off)
      n = len - off;
    TSK_OFF_T at = r->fs->offset + (TSK_OFF_T)(run->addr * csize);
    if (img->read(img, at, (char *)buf + off, (size_t)n) != (ssize_t)n)
      return 1;
    off += (size_t)n;
  }
  return off == len ? 0 : 1;
}

static const nent *meta_of(ntfs_rd *r, uint64_t addr)
{
  if (addr == r->nent)
    return &orphan_meta;
  if (addr >= r->nent || r->e[addr].state == NE_BAD)
    return NULL;
  return &r->e[addr];
}

static int find_orphans(ntfs_rd *r, dlist *l);

/* libtsk's ntfs_dir_open_meta for ADDR into L: 0 listed, 1 not listed
 * (libtsk's error or corruption), -1 no memory. */
static int dir_open(ntfs_rd *r, uint64_t addr, dlist *l)
{
  TSK_FS_INFO *fs = r->fs;
  if (addr == r->nent)
    return find_orphans(r, l);
  if (addr >= r->nent)
    return 1;
  TSK_FS_FILE *f = tsk_fs_file_open_meta(fs, NULL, (TSK_INUM_T)addr);
  int ret = 1, pr = 0;
  uint8_t *ia = NULL;
  if (!f || !f->meta || !f->meta->attr)
    goto out;
  const TSK_FS_META *m = f->meta;
  const TSK_FS_ATTR *root =
      tsk_fs_attrlist_get(m->attr, TSK_FS_ATTR_TYPE_NTFS_IDXROOT);
  if (!root || (root->flags & TSK_FS_ATTR_NONRES) || !root->rd.buf ||
      root->rd.buf_size < 32)
    goto out;
  const uint8_t *rb = root->rd.buf;
  if (g32(rb) != NTFS_ATYPE_FNAME)
    goto out;
  int del = (m->flags & TSK_FS_META_FLAG_UNALLOC) != 0;
  if (addr != fs->root_inum) {
    if (dlist_add(l, ".", addr, (uint16_t)(del ? m->seq - 1 : m->seq),
                  TSK_FS_NAME_TYPE_DIR, !del))
      goto nomem;
    for (const TSK_FS_META_NAME_LIST *n = m->name2; n; n = n->next)
      if (dlist_add(l, "..", n->par_inode, (uint16_t)n->par_seq,
                    TSK_FS_NAME_TYPE_DIR, !del))
        goto nomem;
  }
  const uint8_t *el = rb + 16;
  uint32_t beg = g32(el), seqend = g32(el + 4), bufend = g32(el + 8);
  if (seqend < beg || bufend < seqend ||
      (uint64_t)16 + bufend > root->rd.buf_size)
    goto out;
  if ((pr = proc_idx(fs->first_inum, fs->last_inum, l, addr, del, el + beg,
                     bufend - beg, seqend - beg)))
    goto pfail;
  const TSK_FS_ATTR *ix =
      tsk_fs_attrlist_get(m->attr, TSK_FS_ATTR_TYPE_NTFS_IDXALLOC);
  tsk_error_reset();
  if (!ix) {
    if (g32(el + 12) & NTFS_IDXELIST_CHILD)
      goto out;
  } else {
    if (ix->flags & TSK_FS_ATTR_RES)
      goto out;
    uint64_t ilen = (uint64_t)ix->nrd.allocsize;
    uint64_t vol = (uint64_t)(fs->last_block + 1) * fs->block_size;
    if (ilen == 0 || ilen > vol || ilen > SIZE_MAX / 2)
      goto out;
    if (!(ia = malloc((size_t)ilen)))
      goto nomem;
    loadbuf lb = {ia, (size_t)ilen, 0};
    if (read_runs(r, ix, ia, (size_t)ilen) &&
        (tsk_fs_attr_walk(ix, TSK_FS_FILE_WALK_FLAG_SLACK, load_cb, &lb) ||
         lb.left)) {
      tsk_error_reset();
      goto out;
    }
    size_t csz = r->ntfs->csize_b, prev = SIZE_MAX;
    for (size_t off = 0; off < ilen; off += csz) {
      if (40 > ilen - off)
        goto out;
      if (g32(ia + off) != NTFS_IDXREC_MAGIC)
        continue;
      if (prev == SIZE_MAX) {
        prev = off;
        continue;
      }
      size_t rec_len = off - prev;
      if (idx_fixup(ia + prev, rec_len, (size_t)ilen - prev))
        goto out;
      const uint8_t *lst = ia + prev + 24;
      uint64_t ib = g32(lst), ise = g32(lst + 4);
      if (24 + ib > rec_len || 24 + ise > rec_len)
        goto out;
      if ((pr = proc_idx(fs->first_inum, fs->last_inum, l, addr, del, lst + ib,
                         rec_len - 24 - ib, (size_t)(ise - ib))))
        goto pfail;
      prev = off;
    }
    if (prev != SIZE_MAX) {
      size_t rec_len = (size_t)ilen - prev;
      if (idx_fixup(ia + prev, rec_len, rec_len))
        goto out;
      const uint8_t *lst = ia + prev + 24;
      uint64_t ib = g32(lst), ise = g32(lst + 4);
      if (ib > rec_len || 24 + ib > rec_len || 24 + ise > rec_len)
        goto out;
      if ((pr = proc_idx(fs->first_inum, fs->last_inum, l, addr, del, lst + ib,
                         rec_len - 24 - ib, (size_t)(ise - ib))))
        goto pfail;
    }
  }
  /* children known only from their $FILE_NAME (libtsk's parent map) */
  {
    uint16_t want = (uint16_t)m->seq;
    if (del && want > 0)
      want--;
    else if (del)
      want = 0;
    for (uint32_t ni = r->child_head[addr]; ni != UINT32_MAX;
         ni = r->child_next[ni]) {
      const nname *cn = &r->n[ni];
      if (cn->par_seq != want)
        continue;
      uint32_t c = r->name_owner[ni];
      int best = 0; /* tsk_fs_dir_contains */
      for (uint32_t k = dlist_first(l, c); k; k = l->v[k - 1].next)
        if (l->v[k - 1].addr == c && l->v[k - 1].hash == cn->hash) {
          best = l->v[k - 1].alloc ? 1 : 2;
          if (best == 1)
            break;
        }
      if (best == 1)
        continue;
      const nent *ce = &r->e[c];
      int calloc_ = (ce->flags & NF_ALLOC) != 0;
      uint16_t cseq = calloc_ ? ce->seq : (uint16_t)(ce->seq - 1);
      for (uint32_t k = 0; k < ce->nname; k++) {
        const nname *x = &r->n[ce->name0 + k];
        if (x->par != addr)
          continue;
        char nm[257];
        size_t nl = strnlen(r->arena + x->name, 256);
        memcpy(nm, r->arena + x->name, nl);
        nm[nl] = '\0';
        if (dlist_add(l, nm, c, cseq, TSK_FS_NAME_TYPE_UNDEF, calloc_))
          goto nomem;
      }
    }
  }
  if (addr == fs->root_inum &&
      dlist_add(l, "$OrphanFiles", r->nent, 0, TSK_FS_NAME_TYPE_VIRT_DIR, 1))
    goto nomem;
  ret = 0;
out:
  tsk_error_reset();
  free(ia);
  tsk_fs_file_close(f);
  return ret;
pfail:
  if (pr > 0)
    goto out;
nomem:
  ret = -1;
  goto out;
}

int art__tl_ntfs_parse_index(uint8_t *rec, size_t len, uint64_t dir)
{
  /* as dir_open reads the last record of an index allocation */
  dlist l = {0};
  int ret = -1;
  if (len >= 40 && !idx_fixup(rec, len, len)) {
    const uint8_t *lst = rec + 24;
    uint64_t ib = g32(lst), ise = g32(lst + 4);
    if (24 + ib <= len && 24 + ise <= len &&
        proc_idx(0, UINT32_MAX, &l, dir, 0, lst + ib, len - 24 - ib,
                 (size_t)(ise - ib)) == 0)
      ret = (int)l.n;
  }
  dlist_free(&l);
  return ret;
}

/* libtsk's root order: user folders first, pagefile and hiberfil last. */
static int score(const char *n)
{
  if (!strncasecmp(n, "Users", 5) ||
      !strncasecmp(n, "Documents and Settings", 22) ||
      !strncasecmp(n, "home", 4) || !strncasecmp(n, "ProgramData", 11))
    return 0;
  if (!strncasecmp(n, "Windows", 7) || !strncasecmp(n, "$Orphan", 7))
    return 2;
  if (!strncasecmp(n, "pagefile", 8) || !strncasecmp(n, "hiberfil", 8))
    return 3;
  return 1;
}

enum { W_CONT = 0, W_STOP = 1, W_ERROR = 2 };

typedef struct wctx {
  int emit;         /* print lines (the main walk) */
  int noorphan;     /* do not enter $OrphanFiles */
  int unalloc_only; /* the callback sees unallocated names only */
  int orphan_mark;  /* find_orphans' marking walk */
  uint8_t *stack;   /* directories being walked (loop guard) */
  size_t depth, dirlen;
} wctx;

static int walk(ntfs_rd *r, wctx *w, uint64_t addr);

/* The orphan marking callback: W_CONT, or W_STOP. */
static int mark_orphan(ntfs_rd *r, const dname *n, const nent *e)
{
  if (TSK_FS_ISDOT(n->name) || !e || e == &orphan_meta)
    return W_CONT;
  uint64_t a = (uint64_t)(e - r->e);
  if (e->flags & NF_ALLOC)
    return W_STOP;
  if (r->orph_sub[a])
    return W_STOP;
  r->orph_sub[a] = 1;
  return W_CONT;
}

static int walk(ntfs_rd *r, wctx *w, uint64_t addr)
{
  dlist l = {0};
  int d = dir_open(r, addr, &l);
  if (d < 0) {
    r->st = art__set_error(r->ctx, ART_ERR_NOMEM, ENOMEM, "NTFS directory");
    return W_STOP;
  }
  if (d) {
    dlist_free(&l);
    return W_ERROR;
  }
  size_t *order = NULL;
  if (addr == r->fs->root_inum && l.n) {
    if (!(order = malloc(l.n * sizeof *order))) {
      dlist_free(&l);
      r->st = art__set_error(r->ctx, ART_ERR_NOMEM, ENOMEM, "NTFS directory");
      return W_STOP;
    }
    size_t k = 0;
    for (int s = 0; s <= 3; s++)
      for (size_t i = 0; i < l.n; i++)
        if (score(l.v[i].name) == s)
          order[k++] = i;
  }
  int ret = W_CONT;
  size_t dirlen = r->path.len;
  for (size_t i = 0; i < l.n; i++) {
    dname *n = &l.v[order ? order[i] : i];
    const nent *e = NULL;
    if (n->addr || n->alloc) {
      e = meta_of(r, n->addr);
      if (e && e != &orphan_meta && e->state == NE_OK) {
        uint16_t s = e->seq;
        if (!(e->flags & NF_ALLOC) && s > 0)
          s--;
        if (n->seq != s)
          e = NULL;
      }
    }
    if (!w->unalloc_only || !n->alloc) {
      if (w->orphan_mark) {
        if (mark_orphan(r, n, e) == W_STOP) {
          ret = W_STOP;
          break;
        }
      } else if (w->emit && !TSK_FS_ISDOT(n->name)) {
        if (r->ws && n->alloc) {
          TSK_FS_NAME tn;
          TSK_FS_FILE tf;
          memset(&tn, 0, sizeof tn);
          memset(&tf, 0, sizeof tf);
          tn.name = n->name;
          tn.meta_addr = n->addr;
          tn.flags = TSK_FS_NAME_FLAG_ALLOC;
          tn.type = (TSK_FS_NAME_TYPE_ENUM)n->type;
          tf.name = &tn;
          art__tl_winscan_note(r->ws, r->path.p ? r->path.p : "", &tf);
        }
        if (print_name(r, n, e)) {
          ret = W_STOP;
          break;
        }
      }
    }
    if (r->collect_named && e && e != &orphan_meta && !(e->flags & NF_ALLOC))
      r->named[e - r->e] = 1;
    if (n->addr == r->nent && i == l.n - 1 && r->collect_named == 1)
      r->collect_named = 2; /* libtsk keeps what it has (the whole tree) */
    int isdir_name = n->type == TSK_FS_NAME_TYPE_DIR ||
                     n->type == TSK_FS_NAME_TYPE_VIRT_DIR ||
                     n->type == TSK_FS_NAME_TYPE_UNDEF;
    int isdir_meta =
        e && (e == &orphan_meta || (e->flags & NF_DIR)); /* DIR or VIRT */
    if (!isdir_name || !isdir_meta || TSK_FS_ISDOT(n->name))
      continue;
    int e_alloc = e == &orphan_meta || (e->flags & NF_ALLOC);
    if (!(n->alloc || (!n->alloc && !e_alloc)))
      continue;
    if (n->addr == r->nent && w->noorphan)
      continue;
    if (w->stack[n->addr])
      continue; /* a loop */
    w->stack[n->addr] = 1;
    size_t nl = strlen(n->name);
    if (w->depth >= 128 || 4096 <= w->dirlen + nl) {
      /* libtsk: this directory's listing ends here (its loop guard keeps
       * the entry) */
      ret = W_ERROR;
      break;
    }
    if (art__tl_buf_adds(&r->path, n->name) ||
        art__tl_buf_addc(&r->path, '/')) {
      r->st = art__set_error(r->ctx, ART_ERR_NOMEM, ENOMEM, "timeline path");
      ret = W_STOP;
      break;
    }
    size_t save_dirlen = w->dirlen;
    w->dirlen += nl + 1;
    w->depth++;
    int saved = r->collect_named;
    if (n->addr == r->nent)
      r->collect_named = 0;
    int c = walk(r, w, n->addr);
    if (n->addr == r->nent)
      r->collect_named = saved;
    w->depth--;
    w->dirlen = save_dirlen;
    r->path.len = dirlen;
    r->path.p[dirlen] = '\0';
    if (c == W_STOP) {
      ret = W_STOP;
      break;
    }
    w->stack[n->addr] = 0;
  }
  free(order);
  dlist_free(&l);
  return ret;
}

/* libtsk's tsk_fs_dir_find_orphans: the unallocated entries no name
 * reaches, named by their first $FILE_NAME or OrphanFile-N. */
static int find_orphans(ntfs_rd *r, dlist *l)
{
  if (r->collect_named != 2) {
    /* the named set of a whole walk (libtsk walks the tree again) */
    memset(r->named, 0, r->nent);
    uint8_t *stack = calloc(1, r->nent + 1);
    if (!stack)
      return -1;
    wctx w = {0, 1, 1, 0, stack, 0, 0};
    int saved = r->collect_named;
    size_t plen = r->path.len;
    r->collect_named = 1;
    int c = walk(r, &w, r->fs->root_inum);
    r->collect_named = saved;
    r->path.len = plen;
    if (r->path.p)
      r->path.p[plen] = '\0';
    free(stack);
    if (r->st != ART_OK)
      return -1;
    if (c == W_ERROR)
      return 1; /* libtsk: no orphan listing */
  }
  for (uint64_t i = 0; i < r->nent; i++) {
    const nent *e = &r->e[i];
    if (e->state != NE_OK || (e->flags & NF_ALLOC) || !(e->flags & NF_USED) ||
        !(e->flags & NF_BASE))
      continue;
    if (r->named[i] || r->orph_sub[i])
      continue;
    char nm[300];
    if (e->nname && r->arena[r->n[e->name0].name]) {
      size_t nl = strnlen(r->arena + r->n[e->name0].name, 256);
      memcpy(nm, r->arena + r->n[e->name0].name, nl);
      nm[nl] = '\0';
    } else {
      snprintf(nm, sizeof nm, "OrphanFile-%llu", (unsigned long long)i);
    }
    if (dlist_add(l, nm, i, (uint16_t)(e->seq - 1), TSK_FS_NAME_TYPE_UNDEF, 0))
      return -1;
    if (e->flags & NF_DIR) {
      uint8_t *stack = calloc(1, r->nent + 1);
      if (!stack)
        return -1;
      wctx w = {0, 1, 1, 1, stack, 0, 0};
      int saved = r->collect_named;
      size_t plen = r->path.len;
      r->collect_named = 0;
      int c = walk(r, &w, i);
      r->collect_named = saved;
      r->path.len = plen;
      if (r->path.p)
        r->path.p[plen] = '\0';
      free(stack);
      if (r->st != ART_OK)
        return -1;
      if (c == W_ERROR)
        return 1; /* libtsk's hunt stops when one cannot be listed */
    }
  }
  for (size_t i = 0; i < l->n; i++) {
    if (l->v[i].addr < r->nent && r->orph_sub[l->v[i].addr]) {
      if (l->n > 1) {
        char *nm = strdup(l->v[l->n - 1].name);
        if (!nm)
          return -1;
        free(l->v[i].name);
        l->v[i] = l->v[l->n - 1];
        l->v[i].name = nm;
      }
      free(l->v[l->n - 1].name);
      l->n--;
    }
  }
  return l->n ? dlist_rehash(l, l->n) : 0;
}

int art__tl_ntfs_walk(art_ctx *ctx,
                      art_timeline *tl,
                      TSK_FS_INFO *fs,
                      uint32_t src,
                      const char *mount,
                      art__tl_winscan *ws,
                      art_status *st)
{
  const char *env = getenv("ART_NTFS_READER");
  if (env && strcmp(env, "libtsk") == 0)
    return 0;
  if (!TSK_FS_TYPE_ISNTFS(fs->ftype) || fs->last_inum < 16 ||
      fs->root_inum != NTFS_ROOTINO || fs->first_inum != 0)
    return 0;
  ntfs_rd r;
  memset(&r, 0, sizeof r);
  r.ctx = ctx;
  r.tl = tl;
  r.fs = fs;
  r.ntfs = (NTFS_INFO *)fs;
  r.src = src;
  r.mount = mount;
  r.ws = ws;
  r.st = ART_OK;
  r.nent = fs->last_inum; /* the last number is $OrphanFiles */
  r.nblocks = (uint64_t)fs->last_block + 1;
  r.rsize = r.ntfs->mft_rsize_b;
  int ret = 0;
  if (r.rsize < 256 || r.rsize > 65536 || r.rsize % 512 ||
      r.nent > (uint64_t)UINT32_MAX - 2)
    return 0;
  /* every entry is at least one record of the MFT within the volume */
  if (r.nent > r.nblocks * r.ntfs->csize_b / r.rsize + 16)
    return 0;
  /* the table (about 160 bytes an entry with its attributes and names,
   * measured) within --memory (1.3 million entries at the default 256 MiB);
   * beyond that libtsk's walk, which holds one directory at a time */
  if (tl->memory && r.nent > tl->memory / 200)
    return 0;
  r.e = calloc(r.nent + 1, sizeof *r.e);
  r.seen = calloc(1, r.nent + 1);
  r.named = calloc(1, r.nent + 1);
  r.orph_sub = calloc(1, r.nent + 1);
  if (!r.e || !r.seen || !r.named || !r.orph_sub)
    goto nomem;
  int m = read_mft(&r);
  if (m < 0)
    goto nomem;
  if (m > 0)
    goto out; /* not handled: libtsk walks it */
  if (build_children(&r))
    goto nomem;
  {
    /* a root libtsk cannot list: its walk says why */
    dlist t = {0};
    int d = dir_open(&r, fs->root_inum, &t);
    dlist_free(&t);
    if (d < 0)
      goto nomem;
    if (d)
      goto out;
  }
  {
    wctx w = {1, tl->no_orphans != 0, 0, 0, r.seen, 0, 0};
    r.collect_named = tl->no_orphans ? 0 : 1;
    (void)walk(&r, &w, fs->root_inum);
    ret = 1;
    if (r.st != ART_OK) {
      *st = r.st;
      ret = -2;
    }
    /* (the root was listed above: a W_ERROR here is libtsk's depth limit,
     * which it does not report either) */
  }
  goto out;
nomem:
  *st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "NTFS MFT table");
  ret = -2;
out:
  art__tl_buf_free(&r.path);
  art__tl_buf_free(&r.disp);
  free(r.e);
  free(r.a);
  free(r.n);
  free(r.arena);
  free(r.child_head);
  free(r.child_next);
  free(r.name_owner);
  free(r.seen);
  free(r.named);
  free(r.orph_sub);
  tsk_error_reset();
  return ret;
}
