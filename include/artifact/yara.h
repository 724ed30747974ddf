/* YARA rules (libyara 4.2 behind art_yara_*): compile rule files and folders
 * with file-and-line diagnostics and a compiled-rules cache, scan artifacts
 * one scanner per thread, and read or format the matches.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline:
 *   1. art_yara_compiler_new(); art_yara_compiler_add_path() each rules file
 *      or folder; optionally _define() externals, _set_flags(),
 *      _set_cache_dir(), _set_diag(); art_yara_compiler_build() gives an
 *      art_yara_rules; art_yara_compiler_free().
 *   2. Per worker thread: art_yara_scanner_new() over the shared rules;
 *      _set_timeout(), _set_max_size(), _set_flags().
 *   3. Per artifact: art_yara_scanner_set_artifact() (path, lineage: sets the
 *      externals), then art_yara_scan_buffer(), art_yara_scan_source(), or
 *      art_yara_attach() to a reader followed by art_reader_run() and
 *      art_yara_scanner_take_result().
 *   4. Read the art_yara_result (matches, status) or format it as the yara
 *      CLI's text lines or as a JSON object; art_yara_result_free().
 *   5. art_yara_scanner_free() every scanner, then art_yara_rules_free().
 *
 * Threads: compiled rules are immutable and shared by any number of
 * scanners on any threads; a scanner, a compiler and a result are used by one
 * thread at a time. libyara's process-wide initialisation is done by the
 * library (reference counted under a lock), never by the caller.
 *
 * Externals: every rule set gets the string externals filename, filepath,
 * extension, filetype (libmagic MIME type of the content) and owner, so public
 * rule sets written for them (signature-base, Loki/THOR) compile; each scan
 * sets them for its artifact. art_yara_compiler_define() adds more.
 *
 * Whole-artifact scanning: libyara 4.2 cannot scan a stream in pieces (a
 * string that crosses a block boundary would be missed and conditions read
 * any offset), so the reader consumer keeps the artifact's bytes in memory up
 * to the scanner's maximum size and scans them when the read ends. Bytes past
 * the maximum are not scanned and the result says so (ART_ERR_LIMIT).
 */
#ifndef ART_YARA_H
#define ART_YARA_H

#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_yara_compiler art_yara_compiler;
typedef struct art_yara_rules art_yara_rules;
typedef struct art_yara_scanner art_yara_scanner;
typedef struct art_yara_result art_yara_result;

/* ---- Compiling ---------------------------------------------------------- */

enum {
  /* Compile the files that compile; report the others as errors and go on. */
  ART_YARA_SKIP_BAD_FILES = 1u << 0,
  /* A warning fails its file like an error. */
  ART_YARA_FAIL_ON_WARNINGS = 1u << 1,
  /* Do not report warnings to the diagnostic callback. */
  ART_YARA_NO_WARNINGS = 1u << 2,
  /* Allow include directives (confined to the folder of the top-level file
   * or folder given to add_path). Without it every include is an error. */
  ART_YARA_ALLOW_INCLUDES = 1u << 3,
  /* Namespaces as the yara CLI gives them: every file added without a
   * namespace goes to "default", and several files may be added to the
   * same namespace (so a file can use rules a helper file defines, as
   * Yara-Rules' 000_common_rules.yar). Set before adding files. Without
   * it each file gets its own namespace (see add_path). */
  ART_YARA_SHARED_NAMESPACE = 1u << 4
};

#define ART_YARA_CACHE_MAX_DEFAULT (1024ull * 1024u * 1024u)

typedef enum art_yara_diag_level {
  ART_YARA_DIAG_ERROR = 0,
  ART_YARA_DIAG_WARNING
} art_yara_diag_level;

/* One compiler diagnostic; valid only during the callback. */
typedef struct art_yara_diag {
  art_yara_diag_level level;
  const char *file;    /* the rules file (or included file) */
  int line;            /* 0 when unknown */
  const char *rule;    /* the rule it is about, or NULL */
  const char *message; /* libyara's message */
  int skipped;         /* the file is left out (ART_YARA_SKIP_BAD_FILES) */
} art_yara_diag;

typedef void (*art_yara_diag_cb)(const art_yara_diag *diag, void *userdata);

ART_API art_status art_yara_compiler_new(art_ctx *ctx, art_yara_compiler **out);
ART_API void art_yara_compiler_free(art_yara_compiler *c);

/* Queue a rules file, or a folder whose *.yar and *.yara files (recursively,
 * in byte order of their paths) are queued. "-" reads rules from standard
 * input. Each file gets its own namespace: NS when given (for one file), else
 * the file's path below the folder without its extension (the file's stem
 * for a file named directly); a name already taken gets a suffix "_2", ...
 * Errors: ART_ERR_NOT_FOUND, ART_ERR_PERMISSION, ART_ERR_IO. */
ART_API art_status art_yara_compiler_add_path(art_ctx *ctx,
                                              art_yara_compiler *c,
                                              const char *path,
                                              const char *ns);
/* Define an external variable from "NAME=VALUE", typed as the yara CLI does:
 * an integer, a float (has a dot), true/false, else a string. */
ART_API art_status art_yara_compiler_define(art_ctx *ctx,
                                            art_yara_compiler *c,
                                            const char *assignment);
ART_API void art_yara_compiler_set_flags(art_yara_compiler *c, unsigned flags);
ART_API void art_yara_compiler_set_diag(art_yara_compiler *c,
                                        art_yara_diag_cb cb,
                                        void *userdata);
/* Keep compiled rule sets in DIR (created if missing), keyed by the libyara
 * version, the flags, the externals and every rules file's path and
 * content; included files are checked too. NULL turns the cache off. Only
 * caches this library wrote are loaded (their payload hash is verified). */
ART_API art_status art_yara_compiler_set_cache_dir(art_ctx *ctx,
                                                   art_yara_compiler *c,
                                                   const char *dir);

/* yara's --max-strings-per-rule (0: libyara's default, 10000). */
ART_API void art_yara_compiler_set_max_strings_per_rule(art_yara_compiler *c,
                                                        unsigned n);
/* yara's --atom-quality-table FILE. */
ART_API art_status art_yara_compiler_set_atom_quality_table(
    art_ctx *ctx, art_yara_compiler *c, const char *path);
/* Bytes the cache folder may hold: least recently used entries beyond it
 * are removed when an entry is written (0: ART_YARA_CACHE_MAX_DEFAULT). The
 * cache is keyed on each file's canonical path and content. */
ART_API void art_yara_compiler_set_cache_max(art_yara_compiler *c,
                                             uint64_t bytes);

/* Compile everything queued. The diagnostic callback sees every error and
 * warning with its file and line (replayed from the cache on a cache hit).
 * ART_ERR_RULES when a file does not compile (without SKIP_BAD_FILES), or
 * when nothing compiles; the message names the first error's file and line
 * ("FILE(LINE): MESSAGE"). The compiler can build only once. */
ART_API art_status art_yara_compiler_build(art_ctx *ctx,
                                           art_yara_compiler *c,
                                           art_yara_rules **out);

ART_API void art_yara_rules_free(art_yara_rules *rules);
/* Load rules compiled by yarac (yara -C). Such files can run code paths
 * libyara does not check: load only files you trust. ART_ERR_RULES for a
 * file of another libyara version or not of compiled rules. */
ART_API art_status art_yara_rules_load(art_ctx *ctx,
                                       const char *path,
                                       art_yara_rules **out);
/* yara -S: the rule set's statistics as yara prints them. The caller frees
 * *OUT with art_free(). */
ART_API art_status art_yara_rules_stats_text(art_ctx *ctx,
                                             const art_yara_rules *rules,
                                             char **out);
/* yara -k: slots of the condition stack (process-wide; 0: 16384). Call
 * before scanning. */
ART_API void art_yara_set_stack_size(unsigned slots);
/* Number of (non-private) rules. */
ART_API size_t art_yara_rules_count(const art_yara_rules *rules);
/* Number of rules files compiled, and left out for errors. */
ART_API size_t art_yara_rules_files(const art_yara_rules *rules);
ART_API size_t art_yara_rules_skipped(const art_yara_rules *rules);
/* 1 when the rules came from the cache, 0 when compiled from source. */
ART_API int art_yara_rules_from_cache(const art_yara_rules *rules);
/* 1 when the rules read an external computed from the artifact's name
 * (filename, filepath, extension, not fixed with -d): two names of one file
 * may then match differently. 0 when the results depend on the bytes (and
 * the owner) only, so that a file's other hard links can reuse its scan. */
ART_API int art_yara_rules_name_dependent(const art_yara_rules *rules);

/* ---- Scanning ----------------------------------------------------------- */

enum {
  ART_YARA_SCAN_FAST = 1u << 0,   /* stop at each string's first match */
  ART_YARA_SCAN_NEGATE = 1u << 1, /* report the rules that do NOT match */
  /* The filetype external holds a THOR/Loki type name ("EXE", "ELF", "ZIP",
   * ...; see art_yara_filetype_name) instead of the MIME type. */
  ART_YARA_SCAN_FILETYPE_THOR = 1u << 2,
  /* Keep each imported module's data as yara -D prints it
   * (art_yara_result_module_data). */
  ART_YARA_SCAN_MODULE_DATA = 1u << 3
};

/* The THOR/Loki file type name for a libmagic MIME type and description
 * (what signature-base's rules compare "filetype" with): EXE, DLL, ELF,
 * MACHO, ZIP, RAR, 7Z, GZIP, BZIP2, XZ, CAB, MSI, DOC, DOCX, XLS, XLSX,
 * PPT, PPTX, RTF, PDF, JPG, PNG, GIF, BMP, TIF, ICO, SWF, JAR, CLASS, LNK,
 * CHM, ISO, EML, SCRIPT, TXT; "" when none fits. */
ART_API const char *art_yara_filetype_name(const char *mime,
                                           const char *description);

#define ART_YARA_MAX_SIZE_DEFAULT (1024ull * 1024u * 1024u)

/* What is scanned, for the externals and the result. The library copies
 * everything. */
typedef struct art_yara_artifact {
  const char *path;     /* a file's path, or an archive member's lineage
                           ("a.zip!b.tgz!c.exe", as art_archive gives it) */
  const char *member;   /* a member's path inside its parent ("c.exe"), or
                           NULL for a file */
  const char *root;     /* a member's outermost container on disk, or NULL */
  unsigned depth;       /* 0 for a file; a member's depth */
  const char *owner;    /* NULL: the owner of the file (of ROOT for members),
                           looked up when the rules use it */
  const char *filetype; /* NULL: the libmagic MIME type of the content,
                           detected when the rules use it */
} art_yara_artifact;

/* A scanner over RULES, which must outlive it. One thread at a time. */
ART_API art_status art_yara_scanner_new(art_ctx *ctx,
                                        const art_yara_rules *rules,
                                        art_yara_scanner **out);
ART_API void art_yara_scanner_free(art_yara_scanner *s);
/* Per-artifact timeout in whole seconds (libyara's unit); 0: none. */
ART_API void art_yara_scanner_set_timeout(art_yara_scanner *s,
                                          unsigned seconds);
/* Bytes scanned per artifact at most (0: ART_YARA_MAX_SIZE_DEFAULT). */
ART_API void art_yara_scanner_set_max_size(art_yara_scanner *s, uint64_t bytes);
ART_API void art_yara_scanner_set_flags(art_yara_scanner *s, unsigned flags);
/* Matches kept per string in results (the count stays exact): N, or
 * SIZE_MAX for all of them (yara -s prints all), 0 for none (only counts).
 * Default ART_YARA_KEEP_DEFAULT. This bounds a result's memory whatever the
 * number of matches. */
ART_API void art_yara_scanner_set_max_matches(art_yara_scanner *s, size_t n);
/* Bytes of data kept per match, at most ART_YARA_DATA_MAX (default
 * ART_YARA_DATA_DEFAULT). */
ART_API void art_yara_scanner_set_max_data(art_yara_scanner *s, size_t bytes);
/* yara -x MODULE=FILE: DATA (copied) is given to MODULE when a rule
 * imports it (cuckoo's JSON report, ...). */
ART_API art_status art_yara_scanner_set_module_data(art_ctx *ctx,
                                                    art_yara_scanner *s,
                                                    const char *module,
                                                    const void *data,
                                                    size_t len);
/* Scan each content once: a scan of bytes this scanner has scanned before
 * (same SHA-256 and size) gives a copy of the first result, with the new
 * artifact's path, instead of a second libyara scan, whose fixed cost (the
 * modules' object trees, every rule's condition) dominates for small
 * archive members. Only when the outcome depends on the bytes alone (no
 * name or owner external computed per artifact, no -D module data, a
 * complete and clean scan of at most 1 MiB: beyond, the fixed cost is a
 * small part of a scan and the SHA-256 pass would cost every content met
 * only once); results kept in at most MAX_BYTES (0: off, the default). Changing
 * the flags, matches or data kept empties the store. */
ART_API void art_yara_scanner_set_once(art_yara_scanner *s, size_t max_bytes);
/* Scans answered from that store so far. */
ART_API uint64_t art_yara_scanner_once_hits(const art_yara_scanner *s);
/* Set the artifact the next scan is about (and the externals from it). */
ART_API art_status art_yara_scanner_set_artifact(art_ctx *ctx,
                                                 art_yara_scanner *s,
                                                 const art_yara_artifact *a);

/* Scan LEN bytes. *OUT receives the result, also for a partial result:
 * ART_ERR_TIMEOUT (the timeout fired), ART_ERR_LIMIT (a string had too many
 * matches and was switched off, or the data was longer than the maximum
 * size). Other errors leave *OUT NULL. */
ART_API art_status art_yara_scan_buffer(art_ctx *ctx,
                                        art_yara_scanner *s,
                                        const void *data,
                                        size_t len,
                                        art_yara_result **out);
/* Read SRC from its current position (up to the maximum size) and scan it.
 * A read error gives that error and no result. */
ART_API art_status art_yara_scan_source(art_ctx *ctx,
                                        art_yara_scanner *s,
                                        art_source *src,
                                        art_yara_result **out);
/* Add S to READER as a consumer: it keeps the bytes (up to the maximum size)
 * and scans them when the read ends; then take the result. */
ART_API art_status art_yara_attach(art_ctx *ctx,
                                   art_yara_scanner *s,
                                   art_reader *reader);
/* The consumer interface, for walkers that feed consumers themselves (the
 * archive walker: art_archive_add_consumer(ar, art_yara_consumer(s), s)).
 * The state to pass with it is S. */
ART_API const art_consumer *art_yara_consumer(art_yara_scanner *s);
/* Called with each consumer run's result as soon as the run finishes (from
 * the consumer's finish, on its thread), instead of keeping it for
 * art_yara_scanner_take_result(): a walker that starts the next artifact
 * before it reports the last (a container's members) gets every result.
 * The callback owns R (never NULL: a read failure gives an error result). */
typedef void (*art_yara_result_cb)(art_yara_result *r,
                                   art_status st,
                                   void *userdata);
ART_API void art_yara_scanner_set_result_cb(art_yara_scanner *s,
                                            art_yara_result_cb cb,
                                            void *userdata);
/* The bytes the last art_yara_scan_source() kept (borrowed until the next
 * scan with S), so that a caller can look further into them (walk them as a
 * container) without reading the source again. */
ART_API const void *art_yara_scanner_bytes(const art_yara_scanner *s,
                                           size_t *len);
/* The result of the last attached run (NULL if none) and its status, as
 * art_yara_scan_buffer() would give them; the caller owns the result. */
ART_API art_status art_yara_scanner_take_result(art_ctx *ctx,
                                                art_yara_scanner *s,
                                                art_yara_result **out);

/* ---- One artifact and its members --------------------------------------- */

typedef struct art_archive art_archive; /* archive.h */

/* Called with each record of art_yara_scan_artifact(), which it owns. TOP is
 * 1 for the artifact's own record (always handed over last, when it is
 * final: it comes first in output order), 0 for a member's (handed over in
 * walk order as soon as the member has ended). */
typedef void (*art_yara_record_cb)(art_yara_result *r, int top, void *ud);

/* Scan the artifact PATH (opened as KIND with art_source_open) with TOP and,
 * when AR is given and the artifact is a container, each of its members at
 * any depth with MEMBER (AR's limits apply). Every record goes to CB, also
 * for an artifact that could not be opened or read (an error record), so
 * nothing is silently left out. The unit of work of art-yara's workers,
 * and what a sandboxed worker runs for it. ART_OK once every record was
 * handed over; an error only for bad arguments or memory exhaustion. */
ART_API art_status art_yara_scan_artifact(art_ctx *ctx,
                                          art_yara_scanner *top,
                                          art_yara_scanner *member,
                                          art_archive *ar,
                                          const char *path,
                                          art_source_kind kind,
                                          art_yara_record_cb cb,
                                          void *userdata);
/* The same on SRC, already opened from PATH (a sandboxed worker is handed
 * its input's descriptor); SRC stays the caller's. */
ART_API art_status art_yara_scan_artifact_source(art_ctx *ctx,
                                                 art_yara_scanner *top,
                                                 art_yara_scanner *member,
                                                 art_archive *ar,
                                                 const char *path,
                                                 art_source_kind kind,
                                                 art_source *src,
                                                 art_yara_record_cb cb,
                                                 void *userdata);

/* A result recording that the current artifact could not be scanned
 * (status ST, a non-OK status, with MESSAGE), so that it is reported like
 * any other (status "error" in JSON). */
ART_API art_status art_yara_result_error(art_ctx *ctx,
                                         art_yara_scanner *s,
                                         art_status st,
                                         const char *message,
                                         art_yara_result **out);

/* ---- Results ------------------------------------------------------------ */

typedef enum art_yara_meta_type {
  ART_YARA_META_STRING = 0,
  ART_YARA_META_INTEGER,
  ART_YARA_META_BOOLEAN
} art_yara_meta_type;

typedef struct art_yara_meta {
  const char *key;
  art_yara_meta_type type;
  const char *string; /* ART_YARA_META_STRING */
  int64_t integer;    /* INTEGER, and BOOLEAN (0 or 1) */
} art_yara_meta;

#define ART_YARA_DATA_MAX                                                      \
  512                            /* bytes of each matched string kept, at most \
                                    (libyara keeps no more) */
#define ART_YARA_DATA_DEFAULT 64 /* ... by default */
#define ART_YARA_KEEP_DEFAULT 10 /* matches kept per string by default */

/* One match of a string (among the first ones kept). */
typedef struct art_yara_string {
  const char *id;      /* "$a" */
  uint64_t offset;     /* from the start of the artifact */
  uint64_t length;     /* the whole match's length */
  const uint8_t *data; /* its first bytes */
  size_t data_len;     /* min(length, the scanner's maximum match data) */
  int hex;             /* declared as a hex string */
  uint8_t xor_key;     /* the key of an xor string's match (else 0) */
} art_yara_string;

/* Per string identifier of a matching rule: the exact number of matches
 * and the first ones kept (the scanner's maximum matches, in offset order).
 * Only strings that matched are listed. */
typedef struct art_yara_ident {
  const char *id;
  uint64_t count; /* every match libyara found (at most 1,000,000) */
  const art_yara_string *matches;
  size_t n_matches; /* <= count */
  int hex;
} art_yara_ident;

typedef struct art_yara_match {
  const char *rule;
  const char *ns;
  const char *const *tags;
  size_t n_tags;
  const art_yara_meta *meta; /* in declaration order; author always kept */
  size_t n_meta;
  /* The matches kept, by string then by offset (every string's kept
   * matches one after the other: the idents' arrays point into it). */
  const art_yara_string *strings;
  size_t n_strings;
  const art_yara_ident *idents;
  size_t n_idents;
  int incomplete; /* a string of this rule hit the too-many-matches limit */
} art_yara_match;

ART_API void art_yara_result_free(art_yara_result *r);
/* Mark R as partial or failed for a reason found outside the scan (the
 * container walker's: a member cut short, encrypted, corrupt). Keeps the
 * matches; the worse status wins. */
ART_API art_status art_yara_result_set_error(art_yara_result *r,
                                             art_status st,
                                             const char *message);
/* A record that the current artifact was skipped on purpose (a FIFO, a file
 * over yara's -z size): status ART_OK, "skipped" in JSON, with WHY. */
ART_API art_status art_yara_result_skip(art_ctx *ctx,
                                        art_yara_scanner *s,
                                        const char *why,
                                        art_yara_result **out);
/* The imported modules' data as yara -D prints it, with
 * ART_YARA_SCAN_MODULE_DATA; else NULL. Borrowed. */
ART_API const char *art_yara_result_module_data(const art_yara_result *r);
/* 1 for a record made by art_yara_result_skip(). */
ART_API int art_yara_result_skipped(const art_yara_result *r);
/* ART_OK, or the partial status the scan gave (TIMEOUT, LIMIT). */
ART_API art_status art_yara_result_status(const art_yara_result *r);
/* Why the result is partial ("" when complete). Borrowed. */
ART_API const char *art_yara_result_message(const art_yara_result *r);
ART_API size_t art_yara_result_count(const art_yara_result *r);
/* Match INDEX (in the rule set's order), borrowed until the result is freed;
 * NULL past the end. */
ART_API const art_yara_match *art_yara_result_match(const art_yara_result *r,
                                                    size_t index);
/* Bytes scanned, and the artifact's path as set before the scan. */
ART_API uint64_t art_yara_result_bytes(const art_yara_result *r);
ART_API const char *art_yara_result_path(const art_yara_result *r);
/* Replace the display path of R (copied), as for another name of the same
 * file. ART_ERR_NOMEM leaves R unchanged. */
ART_API art_status art_yara_result_set_path(art_ctx *ctx,
                                            art_yara_result *r,
                                            const char *path);

enum {
  ART_YARA_FMT_STRINGS = 1u << 0, /* -s: matched strings */
  ART_YARA_FMT_META = 1u << 1,    /* -m */
  ART_YARA_FMT_TAGS = 1u << 2,    /* -g */
  ART_YARA_FMT_NS = 1u << 3,      /* -e */
  ART_YARA_FMT_LENGTH = 1u << 4,  /* -L: string lengths */
  ART_YARA_FMT_XOR = 1u << 5      /* -X: xor key and plaintext */
};

/* Decide per match whether it is shown (for -t/-i filters); NULL shows all. */
typedef int (*art_yara_filter_cb)(const art_yara_match *m, void *userdata);

/* The yara CLI's text lines for R: "[ns:]rule [tags] [meta] PATH" per shown
 * match, and "0xOFFSET[:LEN]:$id[:xor(0xKK,PLAIN)][: DATA]" per kept string
 * match with ART_YARA_FMT_STRINGS, _LENGTH or _XOR (yara 4.3's -X form).
 * In the path, control characters are escaped as \xNN and a backslash is
 * doubled (yara 4.2 prints names raw), so no name can forge a line and
 * "a<LF>b" and a literal "a\x0Ab" stay distinct. *OUT is "" when
 * nothing is shown; *SHOWN (may be NULL) counts the matches shown. The
 * caller frees *OUT with art_free(). */
ART_API art_status art_yara_result_text(art_ctx *ctx,
                                        const art_yara_result *r,
                                        unsigned fmt_flags,
                                        art_yara_filter_cb filter,
                                        void *userdata,
                                        char **out,
                                        size_t *shown);
/* One JSON object for R (no newline), schema "artifact.yara/2"
 * (docs/yara-schema.md): path, for members also member, root and depth;
 * status ("ok", "partial", "timeout", "error", "skipped"), error, bytes, and
 * matches [{rule, namespace, tags, meta, incomplete, strings [{identifier,
 * count, offsets [...]}]}]: per string that matched, the exact count and the
 * offsets of the matches kept (the scanner's maximum matches). With
 * ART_YARA_FMT_STRINGS in FMT_FLAGS, "offsets" becomes "matches" [{offset,
 * length, data | data_hex}]: the kept bytes as text when printable, else as
 * hex. The same filter applies. The caller frees *OUT with art_free(). */
ART_API art_status art_yara_result_json_fmt(art_ctx *ctx,
                                            const art_yara_result *r,
                                            unsigned fmt_flags,
                                            art_yara_filter_cb filter,
                                            void *userdata,
                                            char **out,
                                            size_t *shown);
/* art_yara_result_json_fmt() with FMT_FLAGS 0. */
ART_API art_status art_yara_result_json(art_ctx *ctx,
                                        const art_yara_result *r,
                                        art_yara_filter_cb filter,
                                        void *userdata,
                                        char **out,
                                        size_t *shown);

/* Only the "matches" array of art_yara_result_json() (for records that
 * embed YARA matches, such as art-surface's). */
ART_API art_status art_yara_result_matches_json(art_ctx *ctx,
                                                const art_yara_result *r,
                                                art_yara_filter_cb filter,
                                                void *userdata,
                                                char **out,
                                                size_t *shown);

/* ---- a file with several hard links scanned once ------------------------
 * yara scans every name of a file; its text records differ only by the
 * path. A template keeps the records of the first name with the path left
 * out (built while they are printed), and the registry prints them for the
 * file's other names with their own path instead of scanning again. Only
 * valid when the output cannot tell (text lines, no rule reading the name:
 * art_yara_rules_name_dependent()). */
typedef struct art_yara_tmpl art_yara_tmpl;

/* A template for the records of the input at BASE (its path). */
ART_API art_status art_yara_tmpl_new(art_ctx *ctx,
                                     const char *base,
                                     art_yara_tmpl **out);
ART_API void art_yara_tmpl_free(art_yara_tmpl *t);
/* Add RES as printed by art_yara_result_text(FMT_FLAGS, FILTER, USERDATA)
 * to PART (0: the input's own record, 1: its members'); SHOWN: its matches
 * printed. A record that cannot be rendered makes the template unusable. */
ART_API void art_yara_tmpl_add(art_ctx *ctx,
                               art_yara_tmpl *t,
                               int part,
                               art_yara_result *res,
                               unsigned fmt_flags,
                               art_yara_filter_cb filter,
                               void *userdata,
                               size_t shown);
/* Something the other names would not get (a message on stderr, a failed
 * member): the template must not be used. */
ART_API void art_yara_tmpl_set_unusable(art_yara_tmpl *t);
ART_API int art_yara_tmpl_usable(const art_yara_tmpl *t);
ART_API unsigned long art_yara_tmpl_matches(const art_yara_tmpl *t);
/* As bytes (for a sandboxed worker's answer; *OUT NULL and *LEN 0 when the
 * template is unusable), and back (ART_ERR_FORMAT when they do not hold
 * together). *OUT is freed with free(). */
ART_API art_status art_yara_tmpl_pack(art_ctx *ctx,
                                      const art_yara_tmpl *t,
                                      void **out,
                                      size_t *len);
ART_API art_status art_yara_tmpl_unpack(art_ctx *ctx,
                                        const void *data,
                                        size_t len,
                                        art_yara_tmpl **out);
/* The records for the name PATH: *HEAD (the input's record) and *BODY (its
 * members'), NUL-terminated, freed with free(). */
ART_API art_status art_yara_tmpl_render(art_ctx *ctx,
                                        const art_yara_tmpl *t,
                                        const char *path,
                                        char **head,
                                        size_t *head_len,
                                        char **body,
                                        size_t *body_len);

/* The registry of files with several names, shared by the threads of a
 * run; templates held in at most MAX_BYTES (beyond, names are scanned). */
typedef struct art_yara_links art_yara_links;
typedef enum art_yara_link_claim {
  ART_YARA_LINK_SCAN,  /* scan this name as any file */
  ART_YARA_LINK_FIRST, /* the first name: scan it with a template, then
                          art_yara_links_done() */
  ART_YARA_LINK_AGAIN  /* another name: its records are in *HEAD, *BODY */
} art_yara_link_claim;

ART_API art_status art_yara_links_new(art_ctx *ctx,
                                      size_t max_bytes,
                                      art_yara_links **out);
ART_API void art_yara_links_free(art_yara_links *l);
/* For the name PATH of the file (DEV, INO) with NLINK names. Waits while
 * another thread scans the same file under its first name. With
 * ART_YARA_LINK_AGAIN, *MATCHES is the number of matches printed. */
ART_API art_yara_link_claim art_yara_links_claim(art_yara_links *l,
                                                 uint64_t dev,
                                                 uint64_t ino,
                                                 uint64_t nlink,
                                                 const char *path,
                                                 char **head,
                                                 size_t *head_len,
                                                 char **body,
                                                 size_t *body_len,
                                                 unsigned long *matches);
/* The first name's scan has ended: T (taken; NULL or unusable when the
 * scan failed) serves the other names. */
ART_API void art_yara_links_done(art_yara_links *l,
                                 uint64_t dev,
                                 uint64_t ino,
                                 art_yara_tmpl *t);

/* The libyara version the library runs with ("4.2.3"). */
ART_API const char *art_yara_version(void);

ART_END_DECLS

#endif
