/* PE (Windows executable) header parser: machine, compile time, subsystem,
 * sections with entropy, imports (by name and by ordinal), exports and the
 * imphash, computed as pefile computes it.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_pe_parse() on the file's bytes in memory (or collect them
 * from a reader with an art_pe_collector); read art_pe_get_info(),
 * art_pe_section_at(), art_pe_import_at(), art_pe_export_at(),
 * art_pe_imphash(); art_pe_free().
 *
 * Every read is bounds-checked against the buffer: truncated files give
 * what could be read, with info->partial set and the reason in
 * info->problem, never a read outside the buffer. What Windows loads is
 * parsed even when odd (SizeOfOptionalHeader 0 with a valid magic, import
 * tables without a terminator, damaged thunks, empty names), and each
 * oddity is listed in the anomalies (art_pe_anomaly_at()), not as partial.
 * Counts are capped (96 sections as Windows allows, with an anomaly; 4096
 * DLLs, 65536 imports and exports).
 *
 * imports: read as pefile reads them: a descriptor whose thunks are
 * damaged is dropped whole and the walk goes on with the next one (up to
 * six such), the walk ends at an all-zero descriptor or where the data
 * ends, empty names and names pefile deems invalid are dropped, a DLL name
 * with characters outside a DOS file name counts as "*invalid*".
 * imphash: the import directory (not delay-load imports) in table order,
 * "dll.function" lower-cased, the DLL name without a last extension of
 * .dll/.ocx/.sys (split at the last dot, as pefile does; YARA splits at the
 * first dot, which differs only for names such as "a.b.dll"), imports by
 * ordinal named from the ws2_32/wsock32/oleaut32 tables or "ordN", joined
 * with "," and MD5-hashed. "" when there are no imports.
 *
 * Objects are immutable after parsing; use from any thread.
 */
#ifndef ART_PE_H
#define ART_PE_H

#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_pe art_pe;

typedef struct art_pe_info {
  uint16_t machine;         /* IMAGE_FILE_MACHINE_* */
  const char *machine_name; /* "i386", "amd64", "arm64", ... or "unknown" */
  uint32_t timestamp;       /* COFF TimeDateStamp: the compile time */
  uint16_t characteristics;
  int is_dll;
  int is_64;                  /* PE32+ */
  uint16_t subsystem;         /* IMAGE_SUBSYSTEM_* */
  const char *subsystem_name; /* "windows_gui", "windows_cui", "native" */
  uint16_t dll_characteristics;
  uint32_t entry_point; /* RVA */
  uint64_t image_base;
  uint32_t checksum;
  size_t n_sections, n_imports, n_import_dlls, n_exports;
  const char *dll_name; /* the export directory's name, or NULL */
  uint64_t overlay_offset, overlay_size; /* data after the last section */
  int partial;                           /* some structure could not be read */
  const char *problem;                   /* why, when partial */
  size_t n_anomalies; /* oddities met while parsing (art_pe_anomaly_at) */
} art_pe_info;

typedef struct art_pe_section {
  const char *name; /* up to 8 characters, NUL-terminated */
  uint32_t virtual_address, virtual_size;
  uint32_t raw_offset, raw_size;
  uint32_t characteristics;
  double entropy; /* Shannon entropy of the raw bytes, bits per byte */
} art_pe_section;

typedef struct art_pe_import {
  const char *dll;  /* as stored ("KERNEL32.dll") */
  const char *name; /* NULL when imported by ordinal */
  uint16_t ordinal; /* when by ordinal */
  uint16_t hint;    /* when by name */
  int by_ordinal;
  int dll_invalid; /* DLL name not a DOS file name: "*invalid*" in imphash */
} art_pe_import;

typedef struct art_pe_export {
  const char *name; /* NULL when exported by ordinal only */
  uint32_t ordinal;
  uint32_t rva;
  const char *forwarder; /* "NTDLL.RtlAllocateHeap", or NULL */
} art_pe_export;

/* Parse DATA (the whole file, or as much as is available). ART_ERR_FORMAT
 * when it is not a PE file (no MZ/PE signatures); otherwise ART_OK, with
 * info->partial for damaged files. DATA is not kept. */
ART_API art_status art_pe_parse(art_ctx *ctx,
                                const void *data,
                                size_t len,
                                art_pe **out);
ART_API void art_pe_free(art_pe *pe);

ART_API const art_pe_info *art_pe_get_info(const art_pe *pe);
/* Index from 0 below the info's counts; NULL past the end. Borrowed. */
ART_API const art_pe_section *art_pe_section_at(const art_pe *pe, size_t index);
ART_API const art_pe_import *art_pe_import_at(const art_pe *pe, size_t index);
ART_API const art_pe_export *art_pe_export_at(const art_pe *pe, size_t index);
/* The INDEX-th anomaly, a short English phrase ("no terminating import
 * descriptor", "section count 200 cut at 96"); NULL past the end. */
ART_API const char *art_pe_anomaly_at(const art_pe *pe, size_t index);
/* Lower-case hex MD5, or "" without imports. Borrowed. */
ART_API const char *art_pe_imphash(const art_pe *pe);

/* Whether the first bytes look like a PE file ("MZ" with a "PE\0\0" header
 * inside HEAD). */
ART_API int art_pe_is_pe(const void *head, size_t len);

/* A consumer that keeps the bytes of an input that starts with "MZ" (up to
 * LIMIT, 0: 64 MiB) and parses them when the read ends. Inputs that do not
 * start with "MZ" cost nothing: the consumer stops after the first block.
 * Use one collector per input at a time. */
typedef struct art_pe_collector art_pe_collector;
ART_API art_status art_pe_collector_new(art_ctx *ctx,
                                        size_t limit,
                                        art_pe_collector **out);
ART_API void art_pe_collector_free(art_pe_collector *c);
/* The consumer interface (STATE is the collector) and a reader helper. */
ART_API const art_consumer *art_pe_collector_consumer(void);
ART_API art_status art_pe_collector_attach(art_ctx *ctx,
                                           art_pe_collector *c,
                                           art_reader *reader);
/* After the run: the parsed file (borrowed until the next run), or NULL
 * when the input was not PE. *TRUNCATED (may be NULL) is set when the input
 * was longer than the limit. */
ART_API const art_pe *art_pe_collector_result(const art_pe_collector *c,
                                              int *truncated);

ART_END_DECLS

#endif
