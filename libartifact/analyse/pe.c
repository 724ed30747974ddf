/* PE header parser: sections, imports, exports and imphash, bounds-checked.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/hash.h>
#include <artifact/pe.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"
#include "keep_private.h"

#define MAX_STRING_BYTES (16u * 1024u * 1024u)
#include "pe_private.h"

#define MAX_SECTIONS  96
#define MAX_DLLS      4096
#define MAX_IMPORTS   65536
#define MAX_EXPORTS   65536
#define MAX_NAME      512
#define MAX_ANOMALIES 32
/* pefile's limits, so that imphash agrees on hostile tables. */
#define PEFILE_MAX_SYMBOLS 0x2000u
#define PEFILE_MAX_REPEATS 15
#define PEFILE_MAX_SPREAD  (128u << 20)
#define PEFILE_MAX_ERRORS  5
#define PEFILE_MAX_INVALID 1000

typedef struct sect {
  art_pe_section pub;
  char name[9];
  uint32_t va_adj, raw_adj; /* as pefile aligns them for RVA mapping */
} sect;

struct art_pe {
  art_pe_info info;
  sect *sections;
  art_pe_import *imports;
  art_pe_export *exports;
  size_t cap_imports, cap_exports;
  char **strings; /* every name we own */
  size_t n_strings, cap_strings, string_bytes;
  char imphash[33];
  const char *anomalies[MAX_ANOMALIES];
  size_t total_thunks; /* pefile's bound on import symbols read */
  const uint8_t *d;    /* during parsing only */
  size_t len;
  uint32_t file_align, sect_align, size_of_headers;
};

static int rd16(const art_pe *pe, uint64_t off, uint16_t *v)
{
  if (off > pe->len || pe->len - off < 2)
    return -1;
  *v = (uint16_t)(pe->d[off] | pe->d[off + 1] << 8);
  return 0;
}

static int rd32(const art_pe *pe, uint64_t off, uint32_t *v)
{
  if (off > pe->len || pe->len - off < 4)
    return -1;
  *v = (uint32_t)pe->d[off] | (uint32_t)pe->d[off + 1] << 8 |
       (uint32_t)pe->d[off + 2] << 16 | (uint32_t)pe->d[off + 3] << 24;
  return 0;
}

static int rd64(const art_pe *pe, uint64_t off, uint64_t *v)
{
  uint32_t lo, hi;
  if (rd32(pe, off, &lo) || rd32(pe, off + 4, &hi))
    return -1;
  *v = (uint64_t)hi << 32 | lo;
  return 0;
}

static void partial(art_pe *pe, const char *why)
{
  if (!pe->info.partial) {
    pe->info.partial = 1;
    pe->info.problem = why;
  }
}

static const char *own(art_pe *pe, const char *s, size_t n);

/* Record an oddity (once per text): the file parses, but not as a
 * well-formed one would. */
static void anomaly(art_pe *pe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void anomaly(art_pe *pe, const char *fmt, ...)
{
  char buf[160];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || pe->info.n_anomalies >= MAX_ANOMALIES)
    return;
  for (size_t i = 0; i < pe->info.n_anomalies; i++)
    if (!strcmp(pe->anomalies[i], buf))
      return;
  const char *c = own(pe, buf, strlen(buf));
  if (c)
    pe->anomalies[pe->info.n_anomalies++] = c;
}

/* Keep a copy of a string; NULL on no memory. */
static const char *own(art_pe *pe, const char *s, size_t n)
{
  char *c;
  if (pe->n_strings == pe->cap_strings) {
    size_t cap = pe->cap_strings ? pe->cap_strings * 2 : 64;
    char **ns = realloc(pe->strings, cap * sizeof *ns);
    if (!ns)
      return NULL;
    pe->strings = ns;
    pe->cap_strings = cap;
  }
  /* A hostile file cannot make us keep more than this in names. */
  if (pe->string_bytes + n + 1 > MAX_STRING_BYTES) {
    partial(pe, "names larger than 16 MiB in all");
    return NULL;
  }
  c = malloc(n + 1);
  if (!c)
    return NULL;
  pe->string_bytes += n + 1;
  memcpy(c, s, n);
  c[n] = '\0';
  pe->strings[pe->n_strings++] = c;
  return c;
}

/* The NUL-terminated string at file offset OFF (at most MAX_NAME bytes),
 * or NULL when it runs off the buffer. */
static const char *str_at(art_pe *pe, uint64_t off, size_t *n)
{
  const uint8_t *p, *z;
  size_t avail;
  if (off >= pe->len)
    return NULL;
  p = pe->d + off;
  avail = pe->len - (size_t)off;
  if (avail > MAX_NAME)
    avail = MAX_NAME;
  z = memchr(p, 0, avail);
  if (!z)
    return NULL;
  *n = (size_t)(z - p);
  return (const char *)p;
}

/* RVA to file offset the way pefile's get_data() maps it, and how many
 * bytes can be read there (to the end of the section's raw data, or of the
 * file outside sections). */
static int
rva_span(const art_pe *pe, uint64_t rva, uint64_t *off, size_t *avail)
{
  for (size_t i = 0; i < pe->info.n_sections; i++) {
    const sect *s = &pe->sections[i];
    uint32_t size = s->pub.virtual_size > s->pub.raw_size ? s->pub.virtual_size
                                                          : s->pub.raw_size;
    if (rva >= s->va_adj && rva - s->va_adj < size) {
      uint64_t end = (uint64_t)s->pub.raw_offset + s->pub.raw_size;
      *off = (uint64_t)s->raw_adj + (rva - s->va_adj);
      if (end > pe->len)
        end = pe->len;
      *avail = end > *off ? (size_t)(end - *off) : 0;
      return 0;
    }
  }
  /* Not in a section: pefile reads the file at that offset (headers, and
   * section-less tiny PEs that Windows maps whole). */
  if (rva < pe->len) {
    *off = rva;
    *avail = pe->len - (size_t)rva;
    return 0;
  }
  return -1;
}

static int rva_to_off(const art_pe *pe, uint32_t rva, uint64_t *off)
{
  size_t avail;
  return rva_span(pe, rva, off, &avail) || *off >= pe->len ? -1 : 0;
}

static double entropy(const uint8_t *p, size_t n)
{
  uint64_t counts[256] = {0};
  double h = 0;
  if (!n)
    return 0;
  for (size_t i = 0; i < n; i++)
    counts[p[i]]++;
  for (int i = 0; i < 256; i++)
    if (counts[i]) {
      double q = (double)counts[i] / (double)n;
      h -= q * log2(q);
    }
  return h;
}

static const char *machine_name(uint16_t m)
{
  switch (m) {
  case 0x14c:
    return "i386";
  case 0x8664:
    return "amd64";
  case 0xaa64:
    return "arm64";
  case 0x1c0:
    return "arm";
  case 0x1c4:
    return "armnt";
  case 0x200:
    return "ia64";
  case 0xebc:
    return "ebc";
  case 0x166:
    return "mips";
  case 0x1f0:
    return "powerpc";
  case 0x5064:
    return "riscv64";
  default:
    return "unknown";
  }
}

static const char *subsystem_name(uint16_t s)
{
  static const char *const names[] = {"unknown",
                                      "native",
                                      "windows_gui",
                                      "windows_cui",
                                      "unknown",
                                      "os2_cui",
                                      "unknown",
                                      "posix_cui",
                                      "native_windows",
                                      "windows_ce_gui",
                                      "efi_application",
                                      "efi_boot_service_driver",
                                      "efi_runtime_driver",
                                      "efi_rom",
                                      "xbox",
                                      "unknown",
                                      "windows_boot_application"};
  return s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static int add_import(art_pe *pe, const art_pe_import *imp)
{
  if (pe->info.n_imports >= MAX_IMPORTS) {
    anomaly(pe, "more than %u imports", MAX_IMPORTS);
    return -1;
  }
  if (pe->info.n_imports == pe->cap_imports) {
    size_t cap = pe->cap_imports ? pe->cap_imports * 2 : 64;
    art_pe_import *n = realloc(pe->imports, cap * sizeof *n);
    if (!n)
      return -1;
    pe->imports = n;
    pe->cap_imports = cap;
  }
  pe->imports[pe->info.n_imports++] = *imp;
  return 0;
}

/* pefile's get_string_at_rva(): the bytes at RVA up to a NUL, the end of
 * the section's data or MAX_NAME bytes; "" when nothing can be read. */
static const char *str_at_rva(const art_pe *pe, uint64_t rva, size_t *n)
{
  uint64_t off;
  size_t avail;
  *n = 0;
  if (rva_span(pe, rva, &off, &avail) || !avail)
    return "";
  if (avail > MAX_NAME)
    avail = MAX_NAME;
  const uint8_t *p = pe->d + off, *z = memchr(p, 0, avail);
  *n = z ? (size_t)(z - p) : avail;
  return (const char *)p;
}

static int all_in(const char *s, size_t n, const char *extra)
{
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (!isalnum(c) || c >= 0x80)
      if (!c || !strchr(extra, c))
        return 0;
  }
  return 1;
}

typedef struct thunks {
  uint64_t *v;
  size_t n, cap;
} thunks;

/* One import lookup or address table as pefile's get_import_table() reads
 * it: 1 with T filled (possibly empty: pefile's heuristics reject the whole
 * table), 0 when an entry cannot be read at all (pefile's None). */
static int import_table(art_pe *pe, uint64_t rva, int64_t max_len, thunks *t)
{
  const unsigned es = pe->info.is_64 ? 8 : 4;
  const uint64_t ordflag = pe->info.is_64 ? UINT64_C(1) << 63 : 1u << 31;
  const uint64_t start = rva;
  uint64_t lo[2] = {UINT64_MAX, UINT64_MAX}, hi[2] = {0, 0};
  size_t repeated = 0;
  t->n = 0;
  while (rva) {
    if (max_len >= 0 && rva >= start + (uint64_t)max_len) {
      anomaly(pe, "import table runs past its descriptor");
      break;
    }
    if (pe->total_thunks > PEFILE_MAX_SYMBOLS) {
      anomaly(pe, "more than %u import thunks", PEFILE_MAX_SYMBOLS);
      break;
    }
    pe->total_thunks++;
    if (repeated >= PEFILE_MAX_REPEATS ||
        (hi[0] > lo[0] && hi[0] - lo[0] > PEFILE_MAX_SPREAD) ||
        (hi[1] > lo[1] && hi[1] - lo[1] > PEFILE_MAX_SPREAD)) {
      anomaly(pe, "bogus import table ignored");
      t->n = 0;
      return 1;
    }
    uint64_t off, v;
    size_t avail;
    if (rva_span(pe, rva, &off, &avail) || avail < es) {
      if (rva_span(pe, rva, &off, &avail) == 0 && off + es > pe->len)
        partial(pe, "import lookup table truncated");
      else
        anomaly(pe, "import table unreadable");
      return 0;
    }
    if (pe->info.is_64) {
      rd64(pe, off, &v);
    } else {
      uint32_t v32 = 0;
      rd32(pe, off, &v32);
      v = v32;
    }
    if (v >= start && v <= rva) {
      anomaly(pe, "import table overlaps its own thunks");
      break;
    }
    if (v && (v & ordflag)) {
      if ((v & 0x7fffffff) > 0xffff) {
        anomaly(pe, "bogus import table ignored");
        t->n = 0;
        return 1;
      }
    } else if (v) {
      int set = v >= (UINT64_C(1) << 32);
      for (size_t i = 0; i < t->n; i++)
        if (t->v[i] == v) {
          repeated++;
          break;
        }
      if (v < lo[set])
        lo[set] = v;
      if (v > hi[set])
        hi[set] = v;
    }
    if (!v)
      break;
    rva += es;
    if (t->n == t->cap) {
      size_t cap = t->cap ? t->cap * 2 : 64;
      uint64_t *nv = realloc(t->v, cap * sizeof *nv);
      if (!nv)
        return 0;
      t->v = nv;
      t->cap = cap;
    }
    t->v[t->n++] = v;
  }
  return 1;
}

/* The imports of one descriptor's table into pe->imports (DLL set later);
 * -1 when a thunk is damaged (pefile drops the whole descriptor). */
static int import_entries(art_pe *pe, const thunks *tab)
{
  const uint64_t ordflag = pe->info.is_64 ? UINT64_C(1) << 63 : 1u << 31;
  const uint64_t mask = pe->info.is_64 ? ~ordflag : 0x7fffffffu;
  size_t invalid = 0;
  for (size_t i = 0; i < tab->n; i++) {
    uint64_t v = tab->v[i], off;
    size_t avail, n;
    art_pe_import imp = {0};
    if (v & ordflag) {
      imp.by_ordinal = 1;
      imp.ordinal = (uint16_t)(v & 0xffff);
      if (!imp.ordinal) {
        anomaly(pe, "import by ordinal 0 dropped");
        continue;
      }
    } else {
      if (rva_span(pe, v & mask, &off, &avail)) {
        anomaly(pe, "damaged import thunk: its descriptor is skipped");
        return -1;
      }
      if (avail >= 2)
        rd16(pe, off, &imp.hint);
      const char *raw = str_at_rva(pe, v + 2, &n);
      if (!all_in(raw, n, "._?@$()<>")) {
        if (invalid > PEFILE_MAX_INVALID && invalid == i) {
          anomaly(pe, "damaged import thunk: its descriptor is skipped");
          return -1;
        }
        invalid++;
        anomaly(pe, "invalid import name dropped");
        continue;
      }
      if (!n) {
        anomaly(pe, "empty import name dropped");
        continue;
      }
      imp.name = own(pe, raw, n);
      if (!imp.name)
        return -1;
    }
    if (add_import(pe, &imp))
      return -1;
  }
  return 0;
}

/* The import directory, walked as pefile's parse_import_directory() walks
 * it, so that imphash agrees on the malformed files Windows still loads. */
static void parse_imports(art_pe *pe, uint32_t dir_rva, uint32_t dir_size)
{
  uint64_t rva = dir_rva;
  int errors = 0;
  thunks ilt = {0}, iat = {0};
  (void)dir_size;
  if (!dir_rva)
    return;
  for (size_t k = 0;; k++) {
    uint64_t off;
    size_t avail, n;
    uint32_t oft, name_rva, ft;
    if (k >= MAX_DLLS) {
      anomaly(pe, "more than %u import descriptors", MAX_DLLS);
      break;
    }
    if (rva_span(pe, rva, &off, &avail) || avail < 20) {
      if (!rva_span(pe, rva, &off, &avail) && off + 20 > pe->len)
        partial(pe, "import directory truncated");
      else if (k == 0)
        anomaly(pe, "import directory outside the file");
      else
        anomaly(pe, "no terminating import descriptor");
      break;
    }
    rd32(pe, off, &oft);
    rd32(pe, off + 12, &name_rva);
    rd32(pe, off + 16, &ft);
    int zero = 1;
    for (size_t i = 0; i < 20 && zero; i++)
      zero = pe->d[off + i] == 0;
    if (zero)
      break; /* the terminating descriptor */
    rva += 20;
    int64_t max_len = (int64_t)(pe->len - off);
    if (rva > oft || rva > ft) {
      int64_t a = (int64_t)rva - oft, b = (int64_t)rva - ft;
      max_len = a > b ? a : b;
    }
    int ok_ilt = import_table(pe, oft, max_len, &ilt);
    int ok_iat = import_table(pe, ft, max_len, &iat);
    size_t first = pe->info.n_imports;
    const thunks *tab = ok_ilt && ilt.n ? &ilt : ok_iat && iat.n ? &iat : NULL;
    if (!tab)
      anomaly(pe, "damaged import lookup and address tables");
    else if (import_entries(pe, tab) < 0)
      pe->info.n_imports = first;
    if (errors > PEFILE_MAX_ERRORS) {
      anomaly(pe, "too many damaged import descriptors");
      pe->info.n_imports = first;
      break;
    }
    if (pe->info.n_imports == first) {
      errors++;
      continue;
    }
    const char *raw = str_at_rva(pe, name_rva, &n);
    if (!n) {
      anomaly(pe, "import descriptor without DLL name dropped");
      pe->info.n_imports = first;
      continue;
    }
    int bad = !all_in(raw, n, "!#$%&'()-@^_`{}~+,.;=[]\\/");
    const char *dll = own(pe, raw, n);
    if (!dll) {
      pe->info.n_imports = first;
      break;
    }
    if (bad)
      anomaly(pe, "import DLL name is not a file name");
    for (size_t i = first; i < pe->info.n_imports; i++) {
      pe->imports[i].dll = dll;
      pe->imports[i].dll_invalid = bad;
    }
    pe->info.n_import_dlls++;
  }
  free(ilt.v);
  free(iat.v);
}

static void parse_exports(art_pe *pe, uint32_t dir_rva, uint32_t dir_size)
{
  uint64_t off, foff, noff, ooff, name_off;
  uint32_t name_rva, base, nfuncs, nnames, funcs_rva, names_rva, ords_rva;
  const char *raw;
  size_t n;
  uint8_t *named = NULL;
  if (!dir_rva)
    return;
  if (rva_to_off(pe, dir_rva, &off) || rd32(pe, off + 12, &name_rva) ||
      rd32(pe, off + 16, &base) || rd32(pe, off + 20, &nfuncs) ||
      rd32(pe, off + 24, &nnames) || rd32(pe, off + 28, &funcs_rva) ||
      rd32(pe, off + 32, &names_rva) || rd32(pe, off + 36, &ords_rva)) {
    partial(pe, "export directory unreadable");
    return;
  }
  if (name_rva && !rva_to_off(pe, name_rva, &name_off) &&
      (raw = str_at(pe, name_off, &n)))
    pe->info.dll_name = own(pe, raw, n);
  if (nfuncs > MAX_EXPORTS || nnames > MAX_EXPORTS) {
    partial(pe, "too many exports");
    nfuncs = nfuncs > MAX_EXPORTS ? MAX_EXPORTS : nfuncs;
    nnames = nnames > MAX_EXPORTS ? MAX_EXPORTS : nnames;
  }
  if (!nfuncs)
    return;
  if (rva_to_off(pe, funcs_rva, &foff)) {
    partial(pe, "export address table outside the file");
    return;
  }
  pe->exports = calloc(nfuncs, sizeof *pe->exports);
  named = calloc(nfuncs, 1);
  if (!pe->exports || !named)
    goto out;
  pe->cap_exports = nfuncs;
  if (nnames &&
      (rva_to_off(pe, names_rva, &noff) || rva_to_off(pe, ords_rva, &ooff))) {
    partial(pe, "export name table outside the file");
    nnames = 0;
  }
  for (uint32_t i = 0; i < nnames; i++) {
    uint32_t nrva, frva;
    uint16_t idx;
    uint64_t o;
    art_pe_export *e;
    if (rd32(pe, noff + 4ull * i, &nrva) || rd16(pe, ooff + 2ull * i, &idx)) {
      partial(pe, "export name table truncated");
      break;
    }
    if (idx >= nfuncs || rd32(pe, foff + 4ull * idx, &frva) ||
        rva_to_off(pe, nrva, &o) || !(raw = str_at(pe, o, &n)))
      continue;
    if (pe->info.n_exports >= pe->cap_exports)
      break;
    e = &pe->exports[pe->info.n_exports++];
    e->name = own(pe, raw, n);
    e->ordinal = base + idx;
    e->rva = frva;
    named[idx] = 1;
    if (frva >= dir_rva && frva - dir_rva < dir_size &&
        !rva_to_off(pe, frva, &o) && (raw = str_at(pe, o, &n)))
      e->forwarder = own(pe, raw, n);
  }
  /* Functions exported by ordinal only. */
  for (uint32_t idx = 0; idx < nfuncs; idx++) {
    uint32_t frva;
    art_pe_export *e;
    if (named[idx])
      continue;
    if (rd32(pe, foff + 4ull * idx, &frva))
      break;
    if (!frva || pe->info.n_exports >= pe->cap_exports)
      continue;
    e = &pe->exports[pe->info.n_exports++];
    e->ordinal = base + idx;
    e->rva = frva;
  }
out:
  free(named);
}

static void lower(char *s)
{
  for (; *s; s++)
    *s = (char)tolower((unsigned char)*s);
}

/* imphash as pefile's get_imphash() computes it. */
static art_status compute_imphash(art_ctx *ctx, art_pe *pe)
{
  size_t cap = 256, used = 0;
  char *list = NULL;
  art_status st = ART_OK;
  char hex[ART_HASH_MAX_HEX];
  pe->imphash[0] = '\0';
  if (!pe->info.n_imports)
    return ART_OK;
  list = malloc(cap);
  if (!list)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "pe: imphash");
  for (size_t i = 0; i < pe->info.n_imports; i++) {
    const art_pe_import *imp = &pe->imports[i];
    char dll_full[MAX_NAME + 1], lib[MAX_NAME + 1], fn[MAX_NAME + 16];
    char *dot;
    size_t need;
    snprintf(dll_full, sizeof dll_full, "%s",
             imp->dll_invalid ? "*invalid*" : imp->dll);
    lower(dll_full);
    memcpy(lib, dll_full, sizeof lib);
    dot = strrchr(lib, '.');
    if (dot && (!strcmp(dot + 1, "dll") || !strcmp(dot + 1, "ocx") ||
                !strcmp(dot + 1, "sys")))
      *dot = '\0';
    if (imp->by_ordinal) {
      const char *nm = art__pe_ordinal_name(dll_full, imp->ordinal);
      if (nm)
        snprintf(fn, sizeof fn, "%s", nm);
      else
        snprintf(fn, sizeof fn, "ord%u", (unsigned)imp->ordinal);
    } else {
      snprintf(fn, sizeof fn, "%s", imp->name);
    }
    lower(fn);
    need = strlen(lib) + 1 + strlen(fn) + 2;
    if (used + need > cap) {
      char *nl;
      while (used + need > cap)
        cap *= 2;
      nl = realloc(list, cap);
      if (!nl) {
        st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "pe: imphash");
        goto out;
      }
      list = nl;
    }
    used += (size_t)snprintf(list + used, cap - used, "%s%s.%s", i ? "," : "",
                             lib, fn);
  }
  st = art_hash_buffer(ctx, ART_HASH_MD5, list, used, hex);
  if (st == ART_OK)
    memcpy(pe->imphash, hex, 33);
out:
  free(list);
  return st;
}

int art_pe_is_pe(const void *head, size_t len)
{
  const uint8_t *d = head;
  uint32_t lfanew;
  if (!d || len < 0x40 || d[0] != 'M' || d[1] != 'Z')
    return 0;
  lfanew = (uint32_t)d[0x3c] | (uint32_t)d[0x3d] << 8 |
           (uint32_t)d[0x3e] << 16 | (uint32_t)d[0x3f] << 24;
  return lfanew <= len - 4 && !memcmp(d + lfanew, "PE\0\0", 4);
}

art_status
art_pe_parse(art_ctx *ctx, const void *data, size_t len, art_pe **out)
{
  art_pe *pe;
  uint32_t lfanew = 0, ndirs = 0;
  uint16_t nsect, optsize, magic;
  uint64_t opt, dirs, sec, end_of_sections = 0;
  uint32_t imp_rva = 0, imp_size = 0, exp_rva = 0, exp_size = 0;
  uint64_t entropy_budget = (uint64_t)len + (1u << 20);
  art_status st;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "pe: no output");
  *out = NULL;
  if (!data || !art_pe_is_pe(data, len))
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "not a PE file");
  pe = art__calloc(ctx, 1, sizeof *pe);
  if (!pe)
    return ART_ERR_NOMEM;
  pe->d = data;
  pe->len = len;
  rd32(pe, 0x3c, &lfanew);
  if (rd16(pe, lfanew + 4, &pe->info.machine) || rd16(pe, lfanew + 6, &nsect) ||
      rd32(pe, lfanew + 8, &pe->info.timestamp) ||
      rd16(pe, lfanew + 20, &optsize) ||
      rd16(pe, lfanew + 22, &pe->info.characteristics)) {
    art_pe_free(pe);
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "PE file header truncated");
  }
  pe->info.machine_name = machine_name(pe->info.machine);
  pe->info.subsystem_name = "unknown";
  pe->info.is_dll = (pe->info.characteristics & 0x2000) != 0;
  opt = (uint64_t)lfanew + 24;
  /* Windows reads the optional header whatever SizeOfOptionalHeader says
   * (tiny PEs set it to 0 and overlap it with the section table); only the
   * magic must be valid. pefile does the same, taking PE32 for a bad
   * magic. */
  if (!rd16(pe, opt, &magic)) {
    pe->info.is_64 = magic == 0x20b;
    if (magic != 0x10b && magic != 0x20b)
      anomaly(pe, "optional header magic 0x%x is neither PE32 nor PE32+",
              magic);
    rd32(pe, opt + 16, &pe->info.entry_point);
    if (pe->info.is_64)
      rd64(pe, opt + 24, &pe->info.image_base);
    else {
      uint32_t b = 0;
      rd32(pe, opt + 28, &b);
      pe->info.image_base = b;
    }
    rd32(pe, opt + 32, &pe->sect_align);
    rd32(pe, opt + 36, &pe->file_align);
    rd32(pe, opt + 60, &pe->size_of_headers);
    rd32(pe, opt + 64, &pe->info.checksum);
    if (!rd16(pe, opt + 68, &pe->info.subsystem))
      pe->info.subsystem_name = subsystem_name(pe->info.subsystem);
    rd16(pe, opt + 70, &pe->info.dll_characteristics);
    rd32(pe, opt + (pe->info.is_64 ? 108 : 92), &ndirs);
    dirs = opt + (pe->info.is_64 ? 112 : 96);
    /* As the loader and pefile: at most 16 directories, read where they
     * are whatever SizeOfOptionalHeader says; missing bytes are zeros. */
    if (ndirs > 16) {
      anomaly(pe, "NumberOfRvaAndSizes %u above 16", ndirs);
      ndirs = 16;
    }
    if (optsize < dirs - opt + 8ull * ndirs)
      anomaly(pe, "SizeOfOptionalHeader %u smaller than the header (%u)",
              optsize, (unsigned)(dirs - opt + 8ull * ndirs));
    if (ndirs > 0) {
      rd32(pe, dirs, &exp_rva);
      rd32(pe, dirs + 4, &exp_size);
    }
    if (ndirs > 1) {
      rd32(pe, dirs + 8, &imp_rva);
      rd32(pe, dirs + 12, &imp_size);
    }
  } else {
    partial(pe, "no optional header");
  }
  if (nsect > MAX_SECTIONS) {
    anomaly(pe, "section count %u cut at %u (the Windows limit)", nsect,
            MAX_SECTIONS);
    nsect = MAX_SECTIONS;
  }
  pe->sections = calloc(nsect ? nsect : 1, sizeof *pe->sections);
  if (!pe->sections) {
    art_pe_free(pe);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "pe: sections");
  }
  sec = opt + optsize;
  for (uint16_t i = 0; i < nsect; i++) {
    sect *s = &pe->sections[pe->info.n_sections];
    uint64_t so = sec + 40ull * i;
    uint32_t sa = pe->sect_align < 0x1000 ? pe->file_align : pe->sect_align;
    if (so + 40 > len) {
      partial(pe, "section table truncated");
      break;
    }
    memcpy(s->name, pe->d + so, 8);
    s->name[8] = '\0';
    s->pub.name = s->name;
    rd32(pe, so + 8, &s->pub.virtual_size);
    rd32(pe, so + 12, &s->pub.virtual_address);
    rd32(pe, so + 16, &s->pub.raw_size);
    rd32(pe, so + 20, &s->pub.raw_offset);
    rd32(pe, so + 36, &s->pub.characteristics);
    s->raw_adj = pe->file_align >= 0x200 ? s->pub.raw_offset & ~0x1ffu
                                         : s->pub.raw_offset;
    s->va_adj = sa && s->pub.virtual_address % sa
                    ? sa * (s->pub.virtual_address / sa)
                    : s->pub.virtual_address;
    /* Entropy over the bytes pefile's get_data() returns: from the
     * aligned-down raw offset, SizeOfRawData bytes, cut at the file's end. */
    if (s->raw_adj < len) {
      uint64_t n = s->pub.raw_size;
      if (n > len - s->raw_adj)
        n = len - s->raw_adj;
      /* Overlapping hostile sections must not multiply the work. */
      if (n <= entropy_budget) {
        entropy_budget -= n;
        s->pub.entropy = entropy(pe->d + s->raw_adj, (size_t)n);
      } else {
        anomaly(pe, "overlapping sections: entropy not computed for all");
      }
    }
    if ((uint64_t)s->pub.raw_offset + s->pub.raw_size > end_of_sections &&
        s->pub.raw_size)
      end_of_sections = (uint64_t)s->pub.raw_offset + s->pub.raw_size;
    pe->info.n_sections++;
  }
  if (end_of_sections && end_of_sections < len) {
    pe->info.overlay_offset = end_of_sections;
    pe->info.overlay_size = len - end_of_sections;
  }
  parse_imports(pe, imp_rva, imp_size);
  parse_exports(pe, exp_rva, exp_size);
  st = compute_imphash(ctx, pe);
  pe->d = NULL;
  if (st != ART_OK) {
    art_pe_free(pe);
    return st;
  }
  *out = pe;
  return ART_OK;
}

void art_pe_free(art_pe *pe)
{
  if (!pe)
    return;
  for (size_t i = 0; i < pe->n_strings; i++)
    free(pe->strings[i]);
  free(pe->strings);
  free(pe->sections);
  free(pe->imports);
  free(pe->exports);
  free(pe);
}

const art_pe_info *art_pe_get_info(const art_pe *pe)
{
  return pe ? &pe->info : NULL;
}

const art_pe_section *art_pe_section_at(const art_pe *pe, size_t index)
{
  return pe && index < pe->info.n_sections ? &pe->sections[index].pub : NULL;
}

const art_pe_import *art_pe_import_at(const art_pe *pe, size_t index)
{
  return pe && index < pe->info.n_imports ? &pe->imports[index] : NULL;
}

const art_pe_export *art_pe_export_at(const art_pe *pe, size_t index)
{
  return pe && index < pe->info.n_exports ? &pe->exports[index] : NULL;
}

const char *art_pe_anomaly_at(const art_pe *pe, size_t index)
{
  return pe && index < pe->info.n_anomalies ? pe->anomalies[index] : NULL;
}

const char *art_pe_imphash(const art_pe *pe)
{
  return pe ? pe->imphash : "";
}

/* ---- collector ---- */

struct art_pe_collector {
  art__keep keep; /* the file's first bytes, up to the limit */
  int active;
  art_pe *pe;
};

art_status
art_pe_collector_new(art_ctx *ctx, size_t limit, art_pe_collector **out)
{
  art_pe_collector *c;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "pe: no output");
  c = art__calloc(ctx, 1, sizeof *c);
  if (!c)
    return ART_ERR_NOMEM;
  c->keep.limit = limit ? limit : 64u * 1024u * 1024u;
  *out = c;
  return ART_OK;
}

void art_pe_collector_free(art_pe_collector *c)
{
  if (!c)
    return;
  art_pe_free(c->pe);
  art__keep_free(&c->keep);
  free(c);
}

static art_status pc_begin(void *state, int size_known, uint64_t size)
{
  art_pe_collector *c = state;
  (void)size_known;
  (void)size;
  art_pe_free(c->pe);
  c->pe = NULL;
  art__keep_reset(&c->keep);
  c->active = 1;
  return ART_OK;
}

static art_status
pc_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  art_pe_collector *c = state;
  if (offset == 0 && (len < 2 || data[0] != 'M' || data[1] != 'Z')) {
    c->active = 0;
    return ART_ERR_LIMIT;
  }
  if (!c->active)
    return ART_ERR_LIMIT;
  art_status st = art__keep_append(&c->keep, data, len);
  if (st == ART_ERR_NOMEM)
    c->active = 0;
  return st;
}

static art_status pc_finish(void *state, art_status read_status)
{
  art_pe_collector *c = state;
  art_ctx *ctx = NULL;
  art_status st = ART_OK;
  (void)read_status;
  if (c->active && c->keep.len && art_pe_is_pe(c->keep.buf, c->keep.len) &&
      art_ctx_new(&ctx) == ART_OK) {
    st = art_pe_parse(ctx, c->keep.buf, c->keep.len, &c->pe);
    art_ctx_free(ctx);
  }
  c->keep.len = 0;
  return st == ART_ERR_FORMAT ? ART_OK : st;
}

static const art_consumer pe_consumer = {.name = "pe",
                                         .cost = 0.05,
                                         .begin = pc_begin,
                                         .update = pc_update,
                                         .finish = pc_finish};

const art_consumer *art_pe_collector_consumer(void)
{
  return &pe_consumer;
}

art_status
art_pe_collector_attach(art_ctx *ctx, art_pe_collector *c, art_reader *reader)
{
  if (!c || !reader)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "pe: no reader");
  return art_reader_add(reader, &pe_consumer, c);
}

const art_pe *art_pe_collector_result(const art_pe_collector *c, int *truncated)
{
  if (truncated)
    *truncated = c ? c->keep.truncated : 0;
  return c ? c->pe : NULL;
}
