/* ELF header parser: class, machine, type, interpreter, needed libraries,
 * segments and sections.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_elf_parse() on the file's bytes in memory (or collect them
 * from a reader with an art_elf_collector); read art_elf_get_info(),
 * art_elf_section_at(), art_elf_segment_at(), art_elf_needed_at();
 * art_elf_free().
 *
 * 32- and 64-bit, little- and big-endian. Every read is bounds-checked:
 * damaged or truncated files give what could be read, with info->partial
 * and the reason in info->problem. Counts are capped (65535 sections and
 * segments, 4096 needed libraries). Names follow readelf: machine_name is
 * readelf's text ("Advanced Micro Devices X86-64"), type_name its first
 * word ("DYN"), section type names its -S column ("PROGBITS").
 *
 * Objects are immutable after parsing; use from any thread.
 */
#ifndef ART_ELF_H
#define ART_ELF_H

#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_elf art_elf;

typedef struct art_elf_info {
  int elf_class; /* 32 or 64 */
  int big_endian;
  uint8_t osabi, abi_version;
  uint16_t type;            /* ET_* */
  const char *type_name;    /* "NONE", "REL", "EXEC", "DYN", "CORE" */
  int pie;                  /* DYN with an interpreter or DF_1_PIE */
  uint16_t machine;         /* EM_* */
  const char *machine_name; /* readelf's name, or "unknown" */
  uint64_t entry;
  size_t n_segments, n_sections, n_needed;
  const char *interpreter; /* PT_INTERP, or NULL */
  const char *soname;      /* DT_SONAME, or NULL */
  const char *runpath;     /* DT_RUNPATH or DT_RPATH, or NULL */
  int partial;
  const char *problem;
} art_elf_info;

typedef struct art_elf_segment {
  uint32_t type;         /* PT_* */
  const char *type_name; /* "LOAD", "DYNAMIC", "INTERP", ... */
  uint32_t flags;        /* PF_R 4, PF_W 2, PF_X 1 */
  uint64_t offset, vaddr, filesz, memsz, align;
} art_elf_segment;

typedef struct art_elf_section {
  const char *name; /* "" when the name table is unreadable */
  uint32_t type;
  const char *type_name; /* readelf's, or "unknown" */
  uint64_t flags, addr, offset, size, entsize, align;
  uint32_t link, info;
  double entropy; /* of the bytes in the file (0 for NOBITS) */
} art_elf_section;

/* Parse DATA. ART_ERR_FORMAT when it is not ELF; otherwise ART_OK, with
 * info->partial for damaged files. DATA is not kept. */
ART_API art_status art_elf_parse(art_ctx *ctx,
                                 const void *data,
                                 size_t len,
                                 art_elf **out);
ART_API void art_elf_free(art_elf *elf);

ART_API const art_elf_info *art_elf_get_info(const art_elf *elf);
/* Index from 0 below the info's counts; NULL past the end. Borrowed. */
ART_API const art_elf_segment *art_elf_segment_at(const art_elf *elf,
                                                  size_t index);
ART_API const art_elf_section *art_elf_section_at(const art_elf *elf,
                                                  size_t index);
ART_API const char *art_elf_needed_at(const art_elf *elf, size_t index);

ART_API int art_elf_is_elf(const void *head, size_t len);

/* A consumer that keeps the bytes of an input that starts with "\x7fELF"
 * (up to LIMIT, 0: 64 MiB) and parses them when the read ends; other
 * inputs cost nothing. Use one collector per input at a time. */
typedef struct art_elf_collector art_elf_collector;
ART_API art_status art_elf_collector_new(art_ctx *ctx,
                                         size_t limit,
                                         art_elf_collector **out);
ART_API void art_elf_collector_free(art_elf_collector *c);
ART_API const art_consumer *art_elf_collector_consumer(void);
ART_API art_status art_elf_collector_attach(art_ctx *ctx,
                                            art_elf_collector *c,
                                            art_reader *reader);
/* After the run: the parsed file (borrowed until the next run) or NULL;
 * *TRUNCATED set when the input was longer than the limit. */
ART_API const art_elf *art_elf_collector_result(const art_elf_collector *c,
                                                int *truncated);

ART_END_DECLS

#endif
