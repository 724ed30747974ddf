/* ELF header parser: segments, sections, interpreter and needed libraries.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/elf.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"
#include "keep_private.h"

#define MAX_STRING_BYTES (16u * 1024u * 1024u)

#define MAX_ENTRIES 65535
#define MAX_NEEDED  4096
#define MAX_DYN     65536
#define MAX_STR     4096

struct art_elf {
  art_elf_info info;
  art_elf_segment *segments;
  art_elf_section *sections;
  const char **needed;
  char **strings;
  size_t n_strings, cap_strings, string_bytes;
  const uint8_t *d; /* during parsing only */
  size_t len;
};

static int rd(const art_elf *e, uint64_t off, unsigned size, uint64_t *v)
{
  uint64_t x = 0;
  if (off > e->len || e->len - off < size)
    return -1;
  for (unsigned i = 0; i < size; i++) {
    unsigned b = e->info.big_endian ? i : size - 1 - i;
    x = x << 8 | e->d[off + b];
  }
  *v = x;
  return 0;
}

static uint64_t get(const art_elf *e, uint64_t off, unsigned size, int *bad)
{
  uint64_t v = 0;
  if (rd(e, off, size, &v))
    *bad = 1;
  return v;
}

static void partial(art_elf *e, const char *why)
{
  if (!e->info.partial) {
    e->info.partial = 1;
    e->info.problem = why;
  }
}

static const char *own(art_elf *e, const char *s, size_t n)
{
  char *c;
  if (e->n_strings == e->cap_strings) {
    size_t cap = e->cap_strings ? e->cap_strings * 2 : 64;
    char **ns = realloc(e->strings, cap * sizeof *ns);
    if (!ns)
      return NULL;
    e->strings = ns;
    e->cap_strings = cap;
  }
  /* A hostile file cannot make us keep more than this in names. */
  if (e->string_bytes + n + 1 > MAX_STRING_BYTES) {
    partial(e, "names larger than 16 MiB in all");
    return NULL;
  }
  c = malloc(n + 1);
  if (!c)
    return NULL;
  e->string_bytes += n + 1;
  memcpy(c, s, n);
  c[n] = '\0';
  e->strings[e->n_strings++] = c;
  return c;
}

/* The NUL-terminated string at OFF, not past LIMIT (a table's end). */
static const char *str_at(art_elf *e, uint64_t off, uint64_t limit)
{
  const uint8_t *z;
  uint64_t avail;
  if (limit > e->len)
    limit = e->len;
  if (off >= limit)
    return NULL;
  avail = limit - off;
  if (avail > MAX_STR)
    avail = MAX_STR;
  z = memchr(e->d + off, 0, (size_t)avail);
  if (!z)
    return NULL;
  return own(e, (const char *)e->d + off, (size_t)(z - (e->d + off)));
}

static const char *machine_name(uint16_t m)
{
  switch (m) {
  case 2:
    return "Sparc";
  case 3:
    return "Intel 80386";
  case 8:
    return "MIPS R3000";
  case 20:
    return "PowerPC";
  case 21:
    return "PowerPC64";
  case 22:
    return "IBM S/390";
  case 40:
    return "ARM";
  case 43:
    return "Sparc v9";
  case 50:
    return "Intel IA-64";
  case 62:
    return "Advanced Micro Devices X86-64";
  case 183:
    return "AArch64";
  case 243:
    return "RISC-V";
  case 247:
    return "Linux BPF";
  case 258:
    return "LoongArch";
  default:
    return "unknown";
  }
}

static const char *type_name(uint16_t t)
{
  static const char *const names[] = {"NONE", "REL", "EXEC", "DYN", "CORE"};
  return t < 5 ? names[t] : "unknown";
}

static const char *segment_type_name(uint32_t t)
{
  static const char *const names[] = {"NULL", "LOAD",  "DYNAMIC", "INTERP",
                                      "NOTE", "SHLIB", "PHDR",    "TLS"};
  if (t < 8)
    return names[t];
  switch (t) {
  case 0x6474e550:
    return "GNU_EH_FRAME";
  case 0x6474e551:
    return "GNU_STACK";
  case 0x6474e552:
    return "GNU_RELRO";
  case 0x6474e553:
    return "GNU_PROPERTY";
  default:
    return "unknown";
  }
}

static const char *section_type_name(uint32_t t, uint16_t machine)
{
  static const char *const names[] = {"NULL",
                                      "PROGBITS",
                                      "SYMTAB",
                                      "STRTAB",
                                      "RELA",
                                      "HASH",
                                      "DYNAMIC",
                                      "NOTE",
                                      "NOBITS",
                                      "REL",
                                      "SHLIB",
                                      "DYNSYM",
                                      "unknown",
                                      "unknown",
                                      "INIT_ARRAY",
                                      "FINI_ARRAY",
                                      "PREINIT_ARRAY",
                                      "GROUP",
                                      "SYMTAB SECTION INDICES",
                                      "RELR"};
  if (t < sizeof names / sizeof names[0])
    return names[t];
  switch (t) {
  case 0x6ffffff5:
    return "GNU_ATTRIBUTES";
  case 0x6ffffff6:
    return "GNU_HASH";
  case 0x6ffffff7:
    return "GNU_LIBLIST";
  case 0x6ffffffd:
    return "VERDEF";
  case 0x6ffffffe:
    return "VERNEED";
  case 0x6fffffff:
    return "VERSYM";
  case 0x70000001:
    return machine == 62 ? "X86_64_UNWIND" : "unknown";
  case 0x70000003:
    return machine == 40 ? "ARM_ATTRIBUTES" : "unknown";
  default:
    return "unknown";
  }
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

int art_elf_is_elf(const void *head, size_t len)
{
  const uint8_t *d = head;
  return d && len >= 16 &&
         !memcmp(d,
                 "\x7f"
                 "ELF",
                 4) &&
         (d[4] == 1 || d[4] == 2) && (d[5] == 1 || d[5] == 2);
}

/* A virtual address to a file offset through the LOAD segments. */
static int vaddr_to_off(const art_elf *e, uint64_t va, uint64_t *off)
{
  for (size_t i = 0; i < e->info.n_segments; i++) {
    const art_elf_segment *s = &e->segments[i];
    if (s->type == 1 && va >= s->vaddr && va - s->vaddr < s->filesz) {
      *off = s->offset + (va - s->vaddr);
      return *off < e->len ? 0 : -1;
    }
  }
  return -1;
}

static void parse_dynamic(art_elf *e)
{
  uint64_t dyn_off = 0, dyn_size = 0, strtab = 0, strsz = 0, str_off = 0;
  uint64_t needed_off[MAX_NEEDED];
  size_t n_needed = 0;
  uint64_t soname = UINT64_MAX, runpath = UINT64_MAX;
  int have = 0, is64 = e->info.elf_class == 64;
  unsigned w = is64 ? 8 : 4;
  for (size_t i = 0; i < e->info.n_segments; i++)
    if (e->segments[i].type == 2) {
      dyn_off = e->segments[i].offset;
      dyn_size = e->segments[i].filesz;
      have = 1;
      break;
    }
  if (!have) /* no PT_DYNAMIC: try the .dynamic section */
    for (size_t i = 0; i < e->info.n_sections; i++)
      if (e->sections[i].type == 6) {
        dyn_off = e->sections[i].offset;
        dyn_size = e->sections[i].size;
        have = 1;
        break;
      }
  if (!have)
    return;
  for (uint64_t k = 0; k < MAX_DYN && (k + 1) * 2 * w <= dyn_size; k++) {
    uint64_t tag, val;
    if (rd(e, dyn_off + k * 2 * w, w, &tag) ||
        rd(e, dyn_off + k * 2 * w + w, w, &val)) {
      partial(e, "dynamic section truncated");
      break;
    }
    if (tag == 0)
      break;
    if (tag == 1 && n_needed < MAX_NEEDED)
      needed_off[n_needed++] = val;
    else if (tag == 5)
      strtab = val;
    else if (tag == 10)
      strsz = val;
    else if (tag == 14)
      soname = val;
    else if (tag == 29 || (tag == 15 && runpath == UINT64_MAX))
      runpath = val;
  }
  if (vaddr_to_off(e, strtab, &str_off)) {
    /* Fall back to the section linked from .dynamic, as the string table
     * of a file without segments (a relocatable object) lives there. */
    int found = 0;
    for (size_t i = 0; i < e->info.n_sections; i++)
      if (e->sections[i].type == 6 &&
          e->sections[i].link < e->info.n_sections) {
        str_off = e->sections[e->sections[i].link].offset;
        if (!strsz)
          strsz = e->sections[e->sections[i].link].size;
        found = 1;
        break;
      }
    if (!found) {
      if (n_needed || soname != UINT64_MAX)
        partial(e, "dynamic string table not found");
      return;
    }
  }
  {
    uint64_t limit =
        strsz && str_off + strsz >= str_off ? str_off + strsz : e->len;
    e->needed = calloc(n_needed ? n_needed : 1, sizeof *e->needed);
    if (!e->needed)
      return;
    for (size_t i = 0; i < n_needed; i++) {
      const char *s = needed_off[i] < UINT64_MAX - str_off
                          ? str_at(e, str_off + needed_off[i], limit)
                          : NULL;
      if (s)
        e->needed[e->info.n_needed++] = s;
      else
        partial(e, "needed library name unreadable");
    }
    if (soname != UINT64_MAX && soname < UINT64_MAX - str_off)
      e->info.soname = str_at(e, str_off + soname, limit);
    if (runpath != UINT64_MAX && runpath < UINT64_MAX - str_off)
      e->info.runpath = str_at(e, str_off + runpath, limit);
  }
}

art_status
art_elf_parse(art_ctx *ctx, const void *data, size_t len, art_elf **out)
{
  art_elf *e;
  int bad = 0, is64;
  uint64_t phoff, shoff, phnum, shnum, shstrndx, phentsize, shentsize;
  uint32_t *name_idx = NULL;
  uint64_t entropy_budget = (uint64_t)len + (1u << 20);
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "elf: no output");
  *out = NULL;
  if (!art_elf_is_elf(data, len))
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "not an ELF file");
  e = art__calloc(ctx, 1, sizeof *e);
  if (!e)
    return ART_ERR_NOMEM;
  e->d = data;
  e->len = len;
  is64 = e->d[4] == 2;
  e->info.elf_class = is64 ? 64 : 32;
  e->info.big_endian = e->d[5] == 2;
  e->info.osabi = e->d[7];
  e->info.abi_version = e->d[8];
  e->info.type = (uint16_t)get(e, 16, 2, &bad);
  e->info.machine = (uint16_t)get(e, 18, 2, &bad);
  e->info.type_name = type_name(e->info.type);
  e->info.machine_name = machine_name(e->info.machine);
  if (is64) {
    e->info.entry = get(e, 24, 8, &bad);
    phoff = get(e, 32, 8, &bad);
    shoff = get(e, 40, 8, &bad);
    phentsize = get(e, 54, 2, &bad);
    phnum = get(e, 56, 2, &bad);
    shentsize = get(e, 58, 2, &bad);
    shnum = get(e, 60, 2, &bad);
    shstrndx = get(e, 62, 2, &bad);
  } else {
    e->info.entry = get(e, 24, 4, &bad);
    phoff = get(e, 28, 4, &bad);
    shoff = get(e, 32, 4, &bad);
    phentsize = get(e, 42, 2, &bad);
    phnum = get(e, 44, 2, &bad);
    shentsize = get(e, 46, 2, &bad);
    shnum = get(e, 48, 2, &bad);
    shstrndx = get(e, 50, 2, &bad);
  }
  if (bad) {
    art_elf_free(e);
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "ELF header truncated");
  }
  /* Large counts live in section 0 (e_shnum 0, e_shstrndx SHN_XINDEX). */
  if (shoff && (shnum == 0 || shstrndx == 0xffff) &&
      shentsize >= (is64 ? 64u : 40u)) {
    uint64_t v;
    if (shnum == 0 && !rd(e, shoff + (is64 ? 32 : 20), is64 ? 8 : 4, &v))
      shnum = v;
    if (shstrndx == 0xffff && !rd(e, shoff + (is64 ? 40 : 24), 4, &v))
      shstrndx = v;
  }
  if (phnum > MAX_ENTRIES || shnum > MAX_ENTRIES) {
    partial(e, "too many headers");
    if (phnum > MAX_ENTRIES)
      phnum = MAX_ENTRIES;
    if (shnum > MAX_ENTRIES)
      shnum = MAX_ENTRIES;
  }
  if (phnum && phentsize < (is64 ? 56u : 32u)) {
    partial(e, "program header entries too small");
    phnum = 0;
  }
  if (shnum && shentsize < (is64 ? 64u : 40u)) {
    partial(e, "section header entries too small");
    shnum = 0;
  }
  e->segments = calloc(phnum ? phnum : 1, sizeof *e->segments);
  e->sections = calloc(shnum ? shnum : 1, sizeof *e->sections);
  name_idx = calloc(shnum ? shnum : 1, sizeof *name_idx);
  if (!e->segments || !e->sections || !name_idx) {
    free(name_idx);
    art_elf_free(e);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "elf: headers");
  }
  for (uint64_t i = 0; i < phnum; i++) {
    art_elf_segment *s = &e->segments[e->info.n_segments];
    uint64_t o = phoff + i * phentsize;
    bad = 0;
    if (phoff > e->len || i * phentsize > e->len) {
      partial(e, "program headers outside the file");
      break;
    }
    s->type = (uint32_t)get(e, o, 4, &bad);
    if (is64) {
      s->flags = (uint32_t)get(e, o + 4, 4, &bad);
      s->offset = get(e, o + 8, 8, &bad);
      s->vaddr = get(e, o + 16, 8, &bad);
      s->filesz = get(e, o + 32, 8, &bad);
      s->memsz = get(e, o + 40, 8, &bad);
      s->align = get(e, o + 48, 8, &bad);
    } else {
      s->offset = get(e, o + 4, 4, &bad);
      s->vaddr = get(e, o + 8, 4, &bad);
      s->filesz = get(e, o + 16, 4, &bad);
      s->memsz = get(e, o + 20, 4, &bad);
      s->flags = (uint32_t)get(e, o + 24, 4, &bad);
      s->align = get(e, o + 28, 4, &bad);
    }
    if (bad) {
      partial(e, "program headers truncated");
      break;
    }
    s->type_name = segment_type_name(s->type);
    e->info.n_segments++;
    if (s->type == 3 && !e->info.interpreter) {
      uint64_t lim = s->offset + s->filesz;
      e->info.interpreter =
          str_at(e, s->offset, lim >= s->offset ? lim : e->len);
      if (!e->info.interpreter)
        partial(e, "interpreter name unreadable");
    }
  }
  for (uint64_t i = 0; i < shnum; i++) {
    art_elf_section *s = &e->sections[e->info.n_sections];
    uint64_t o = shoff + i * shentsize;
    unsigned w = is64 ? 8 : 4;
    bad = 0;
    if (shoff > e->len || i * shentsize > e->len) {
      partial(e, "section headers outside the file");
      break;
    }
    name_idx[e->info.n_sections] = (uint32_t)get(e, o, 4, &bad);
    s->type = (uint32_t)get(e, o + 4, 4, &bad);
    s->flags = get(e, o + 8, w, &bad);
    s->addr = get(e, o + 8 + w, w, &bad);
    s->offset = get(e, o + 8 + 2 * w, w, &bad);
    s->size = get(e, o + 8 + 3 * w, w, &bad);
    s->link = (uint32_t)get(e, o + 8 + 4 * w, 4, &bad);
    s->info = (uint32_t)get(e, o + 12 + 4 * w, 4, &bad);
    s->align = get(e, o + 16 + 4 * w, w, &bad);
    s->entsize = get(e, o + 16 + 5 * w, w, &bad);
    if (bad) {
      partial(e, "section headers truncated");
      break;
    }
    s->type_name = section_type_name(s->type, e->info.machine);
    if (s->type != 8 && s->offset < e->len) {
      uint64_t n = s->size > e->len - s->offset ? e->len - s->offset : s->size;
      /* Sections do not overlap in real files: a budget of the file's size
       * (plus slack) keeps overlapping hostile ones from costing more. */
      if (n <= entropy_budget) {
        entropy_budget -= n;
        s->entropy = entropy(e->d + s->offset, (size_t)n);
      } else {
        partial(e, "overlapping sections: entropy not computed for all");
      }
    }
    e->info.n_sections++;
  }
  /* Names, now that the name table's header is known. */
  {
    const art_elf_section *tab =
        shstrndx < e->info.n_sections ? &e->sections[shstrndx] : NULL;
    for (size_t i = 0; i < e->info.n_sections; i++) {
      uint64_t idx = name_idx[i];
      const char *nm = NULL;
      if (tab && idx < tab->size && tab->offset + idx >= tab->offset)
        nm = str_at(e, tab->offset + idx, tab->offset + tab->size);
      e->sections[i].name = nm ? nm : "";
      if (!nm && tab && e->info.n_sections > 1)
        partial(e, "section name unreadable");
    }
  }
  free(name_idx);
  parse_dynamic(e);
  e->info.pie = e->info.type == 3 && e->info.interpreter != NULL;
  e->d = NULL;
  *out = e;
  return ART_OK;
}

void art_elf_free(art_elf *e)
{
  if (!e)
    return;
  for (size_t i = 0; i < e->n_strings; i++)
    free(e->strings[i]);
  free(e->strings);
  free(e->segments);
  free(e->sections);
  free(e->needed);
  free(e);
}

const art_elf_info *art_elf_get_info(const art_elf *e)
{
  return e ? &e->info : NULL;
}

const art_elf_segment *art_elf_segment_at(const art_elf *e, size_t index)
{
  return e && index < e->info.n_segments ? &e->segments[index] : NULL;
}

const art_elf_section *art_elf_section_at(const art_elf *e, size_t index)
{
  return e && index < e->info.n_sections ? &e->sections[index] : NULL;
}

const char *art_elf_needed_at(const art_elf *e, size_t index)
{
  return e && index < e->info.n_needed ? e->needed[index] : NULL;
}

/* ---- collector ---- */

struct art_elf_collector {
  art__keep keep; /* the file's first bytes, up to the limit */
  int active;
  art_elf *elf;
};

art_status
art_elf_collector_new(art_ctx *ctx, size_t limit, art_elf_collector **out)
{
  art_elf_collector *c;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "elf: no output");
  c = art__calloc(ctx, 1, sizeof *c);
  if (!c)
    return ART_ERR_NOMEM;
  c->keep.limit = limit ? limit : 64u * 1024u * 1024u;
  *out = c;
  return ART_OK;
}

void art_elf_collector_free(art_elf_collector *c)
{
  if (!c)
    return;
  art_elf_free(c->elf);
  art__keep_free(&c->keep);
  free(c);
}

static art_status ec_begin(void *state, int size_known, uint64_t size)
{
  art_elf_collector *c = state;
  (void)size_known;
  (void)size;
  art_elf_free(c->elf);
  c->elf = NULL;
  art__keep_reset(&c->keep);
  c->active = 1;
  return ART_OK;
}

static art_status
ec_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  art_elf_collector *c = state;
  if (offset == 0 && (len < 4 || memcmp(data,
                                        "\x7f"
                                        "ELF",
                                        4))) {
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

static art_status ec_finish(void *state, art_status read_status)
{
  art_elf_collector *c = state;
  art_ctx *ctx = NULL;
  art_status st = ART_OK;
  (void)read_status;
  if (c->active && art_elf_is_elf(c->keep.buf, c->keep.len) &&
      art_ctx_new(&ctx) == ART_OK) {
    st = art_elf_parse(ctx, c->keep.buf, c->keep.len, &c->elf);
    art_ctx_free(ctx);
  }
  c->keep.len = 0;
  return st == ART_ERR_FORMAT ? ART_OK : st;
}

static const art_consumer elf_consumer = {.name = "elf",
                                          .cost = 0.05,
                                          .begin = ec_begin,
                                          .update = ec_update,
                                          .finish = ec_finish};

const art_consumer *art_elf_collector_consumer(void)
{
  return &elf_consumer;
}

art_status
art_elf_collector_attach(art_ctx *ctx, art_elf_collector *c, art_reader *reader)
{
  if (!c || !reader)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "elf: no reader");
  return art_reader_add(reader, &elf_consumer, c);
}

const art_elf *art_elf_collector_result(const art_elf_collector *c,
                                        int *truncated)
{
  if (truncated)
    *truncated = c ? c->keep.truncated : 0;
  return c ? c->elf : NULL;
}
