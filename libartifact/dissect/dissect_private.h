/* Internal declarations shared by the dissectors and the registry.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_DISSECT_PRIVATE_H
#define ART_DISSECT_PRIVATE_H

#include <artifact/artifact.h>
#include <jansson.h>
#include <stdint.h>

/* Little-endian reads of 2, 4 and 8 bytes at P (the caller checks the
 * bounds). */
static inline uint16_t le16(const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static inline uint64_t le64(const uint8_t *p)
{
  return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The built-in dissectors (one per file in libartifact/dissect/). */
extern const art_dissector art__dissect_ole;
extern const art_dissector art__dissect_ooxml;
extern const art_dissector art__dissect_mso;
extern const art_dissector art__dissect_rtf;
extern const art_dissector art__dissect_pdf;
extern const art_dissector art__dissect_authenticode;
extern const art_dissector art__dissect_email;
extern const art_dissector art__dissect_script;
extern const art_dissector art__dissect_msg;
extern const art_dissector art__dissect_lnk;
extern const art_dissector art__dissect_tnef;
extern const art_dissector art__dissect_onenote;
extern const art_dissector art__dissect_odf;

/* Set the summary from a jansson object (reference stolen). */
art_status art__dissect_summary(art_dissect_sink *sink, json_t *obj);
/* A JSON string from bytes that may not be UTF-8 (invalid bytes become
 * U+FFFD); NULL gives JSON null. */
json_t *art__dissect_jstr(const char *s);
json_t *art__dissect_jstrn(const char *s, size_t len);
/* Append the distinct indicators found in TEXT to ARR ({class, value}),
 * at most MAX entries in ARR. */
void art__dissect_iocs(json_t *arr, const char *text, size_t len, size_t max);
/* Facts about a name as it appears in a record: double extension
 * ("invoice.pdf.exe"), right-to-left override, long or space-padded.
 * Appends flag names to ARR (may be NULL) and returns how many. */
size_t art__dissect_name_flags(const char *name, json_t *arr);

/* ---- e-mail (email.c), for the other mail formats ---- */
/* The header facts of a raw RFC 5322 header block (an Outlook message's
 * transport headers), with the same keys as a message's summary (from ...
 * authentication_results, mismatches), mismatches flagged on SINK; NULL
 * when GMime cannot read it. */
json_t *
art__email_headers(const char *text, size_t len, art_dissect_sink *sink);
/* <a href> links of HTML into LINKS ({href, text, mismatch}); how many
 * mismatch. */
size_t art__email_html_links(const char *html, size_t len, json_t *links);
/* Append bytes in MIME charset CS (NULL: undeclared) as UTF-8 to *OUT
 * (malloc'd, NUL-terminated, *OUT_LEN without the NUL). */
void art__email_charset_append(
    char **out, size_t *out_len, const char *cs, const char *in, size_t len);
/* UTF-16LE bytes (a name in a file format) as UTF-8 through the same
 * conversion, trailing NUL units dropped: malloc'd, NULL when nothing is
 * left or on no memory. */
char *art__dissect_utf16le(const uint8_t *p, size_t n);

/* ---- scripts (script.c), for the other dissectors ---- */
/* PowerShell -EncodedCommand arguments in TEXT decoded (UTF-16LE base64),
 * each listed in ARR and yielded as a child with lineage VIA; ART_OK or
 * ART_ERR_LIMIT (the caller said stop). */
art_status art__script_encoded_commands(art_dissect_sink *sink,
                                        const char *via,
                                        const char *text,
                                        size_t len,
                                        json_t *arr);

/* ---- Compound File Binary (cfb.c) ---- */
typedef struct cfb cfb;
enum { CFB_STORAGE = 1, CFB_STREAM = 2, CFB_ROOT = 5 };
typedef struct cfb_entry {
  char *name; /* UTF-8; control characters as \xNN */
  char *path; /* "Macros/VBA/dir"; NULL when unreachable */
  int type;   /* CFB_* or 0 (unused entry) */
  int parent; /* index of the storage holding it, -1 */
  uint32_t start;
  uint64_t size;
  uint8_t clsid[16];
} cfb_entry;
int art__cfb_is_cfb(const uint8_t *data, size_t len);
/* DATA must outlive the reader. ART_ERR_FORMAT, ART_ERR_CORRUPT (ERR
 * says why) or ART_ERR_NOMEM. */
art_status art__cfb_open(
    const uint8_t *data, size_t len, cfb **out, char *err, size_t errlen);
void art__cfb_free(cfb *c);
size_t art__cfb_count(const cfb *c);
const cfb_entry *art__cfb_entry(const cfb *c, size_t i);
/* Entry index by path (case-insensitive), or -1. */
long art__cfb_find(const cfb *c, const char *path);
/* A stream's bytes (at most MAX), malloc'd; NULL when unreadable. */
uint8_t *art__cfb_read(cfb *c, size_t i, uint64_t max, size_t *len);
/* Whether a chain, index or size did not add up while reading. */
int art__cfb_partial(const cfb *c);

/* ---- Outlook messages (msg.c) ---- */
/* Decompress compressed RTF ([MS-OXRTFCP]: LZFu, or MELA stored), at most
 * MAX bytes; malloc'd, NULL when it is not compressed RTF. *WHY is set
 * (and what could be read returned) when it is damaged: cut, CRC
 * mismatch, no end marker. */
uint8_t *art__lzfu_decompress(const uint8_t *in,
                              size_t len,
                              size_t max,
                              size_t *out_len,
                              const char **why);

/* ---- VBA (vba.c) ---- */
/* Decompress an MS-OVBA CompressedContainer; malloc'd, NULL when it is not
 * one. Output is capped at MAX bytes. */
uint8_t *
art__vba_decompress(const uint8_t *in, size_t len, size_t max, size_t *out_len);
/* Add the VBA projects found in C to SUM ("vba" object) and yield their
 * modules' source as children. */
art_status art__vba_dissect(cfb *c,
                            const art_dissect_input *in,
                            art_dissect_sink *sink,
                            json_t *sum);

/* ---- PowerPoint 97 storages (ole_ppt.c) ---- */
/* The ExOleObjStg storages of C's "PowerPoint Document" stream (the VBA
 * project, embedded objects) listed in SUM ("ppt_storages") and yielded
 * as children (via "ppt-ole-storage"). */
art_status art__ole_ppt(cfb *c,
                        const art_dissect_input *in,
                        art_dissect_sink *sink,
                        json_t *sum);
/* The same on a PowerPoint Document stream S (N bytes) already read (a
 * decrypted one): its records from the start, or when OBJS is not NULL
 * those of each of its N_OBJS ranges (offset, length: the persist objects
 * that could be decrypted). */
art_status art__ole_ppt_stream(const uint8_t *s,
                               size_t n,
                               const size_t (*objs)[2],
                               size_t n_objs,
                               const art_dissect_input *in,
                               art_dissect_sink *sink,
                               json_t *sum);

/* ---- Office decryption (office_crypto.c) ---- */
/* An encrypted OOXML package (EncryptionInfo, EncryptedPackage streams of
 * C) decrypted with the default password: SUM gets "encryption_method",
 * "decrypted_with" (the password or null) and "decryption_error"; the
 * package is yielded as a child (via "office-decrypted"). */
art_status art__office_decrypt_ooxml(cfb *c,
                                     const art_dissect_input *in,
                                     art_dissect_sink *sink,
                                     json_t *sum);

/* Load OpenSSL's legacy provider (RC4) into a private library context,
 * once; 1 when RC4 is available. Called by a sandboxed worker before its
 * seccomp filter, lazily otherwise. */
int art__office_crypto_init(void);
/* The Workbook stream WB (N bytes) of an Excel 97-2003 workbook with a
 * FILEPASS record decrypted with the default password (RC4 CryptoAPI,
 * Office 97 RC4): SUM gets "encryption_method", "decrypted_with",
 * "decryption_error"; the decrypted stream (FILEPASS blanked to a record
 * of type 0, as msoffcrypto-tool writes it) is yielded as a child (via
 * "office-decrypted") and returned (malloc'd, *OUT_LEN bytes), NULL when
 * not decrypted. *ST: ART_ERR_CORRUPT for a cut FILEPASS or stream,
 * ART_ERR_LIMIT, ART_ERR_NOMEM. */
uint8_t *art__office_decrypt_biff(const uint8_t *wb,
                                  size_t n,
                                  const art_dissect_input *in,
                                  art_dissect_sink *sink,
                                  json_t *sum,
                                  size_t *out_len,
                                  art_status *st);

/* A PowerPoint 97-2003 presentation encrypted with RC4 CryptoAPI (the
 * CryptSession10Container its current UserEditAtom names), decrypted with
 * the default password: SUM as above; each persist object of the
 * PowerPoint Document stream decrypted with the key of its persist id
 * (the container, directory and edit atoms are in clear); the stream is
 * yielded as a child (via "office-decrypted") and returned (malloc'd,
 * *OUT_LEN bytes), NULL when not decrypted; *OBJS (malloc'd, *N_OBJS) the
 * offset and length of each persist object decrypted, in stream order.
 * *ST: ART_ERR_CORRUPT (a damaged directory, container or object),
 * ART_ERR_LIMIT. */
uint8_t *art__office_decrypt_ppt(cfb *c,
                                 const art_dissect_input *in,
                                 art_dissect_sink *sink,
                                 json_t *sum,
                                 size_t *out_len,
                                 size_t (**objs)[2],
                                 size_t *n_objs,
                                 art_status *st);

/* A Word 97-2003 document whose FIB says fEncrypted, decrypted with the
 * default password (RC4 CryptoAPI, Office 97 RC4; the key checked against
 * the Table stream's encryption header): SUM as above; the decrypted
 * WordDocument stream (fEncrypted, fObfuscation and lKey cleared, as
 * msoffcrypto-tool writes it) is a child (via "office-decrypted"). */
art_status art__office_decrypt_word(cfb *c,
                                    const art_dissect_input *in,
                                    art_dissect_sink *sink,
                                    json_t *sum);

/* ---- Excel 4.0 macros (xlm.c) ---- */
/* The sheets, auto-exec names and macro-sheet formulas of C's Workbook
 * (BIFF8) or Book (BIFF5) stream as SUM's "xlm" (null without a macro
 * sheet); the formulas as text are a child (via "xlm-macro"). */
art_status art__xlm_dissect(cfb *c,
                            const art_dissect_input *in,
                            art_dissect_sink *sink,
                            json_t *sum);
/* The same on a Workbook stream D of N bytes already read (decrypted);
 * D is freed. */
art_status art__xlm_dissect_stream(uint8_t *d,
                                   size_t n,
                                   const art_dissect_input *in,
                                   art_dissect_sink *sink,
                                   json_t *sum);
/* Append to KW the functions of formula text F that run, download or
 * write code (EXEC, CALL, REGISTER, URLDownloadToFile...). */
void art__xlm_keywords(const char *f, json_t *kw);
/* The part an .xlsb workbook's relationship REL_ID names: its bytes (*LEN),
 * *MACRO when the relationship is a macro sheet's; NULL when absent. */
typedef const uint8_t *(*art__xlsb_part_fn)(void *ud,
                                            const char *rel_id,
                                            size_t *len,
                                            int *macro);
/* Excel 4.0 macros of an .xlsb package: its xl/workbook.bin WB (WN bytes,
 * BIFF12 records: sheets, names), the macro sheet parts PART gives
 * (BrtFmla* records, [MS-XLSB] 2.5.97 formula tokens) decompiled as for
 * BIFF8, SUM's "xlm" as art__xlm_dissect_stream makes it ("biff": 12). */
art_status art__xlm_dissect_xlsb(const uint8_t *wb,
                                 size_t wn,
                                 art__xlsb_part_fn part,
                                 void *ud,
                                 const art_dissect_input *in,
                                 art_dissect_sink *sink,
                                 json_t *sum);
/* Raise the xlm_* flags of a workbook with macro sheets: xlm_macros, and
 * xlm_autoexec, xlm_hidden_sheet, xlm_suspicious (KW not empty) as found. */
void art__xlm_flags(art_dissect_sink *sink,
                    int autoexec,
                    int hidden,
                    const json_t *kw);

/* zip_parts.c: members of a zip package read whole into memory during an
 * art_archive walk (OOXML, ODF). A dissector's walk state starts with an
 * art__zip_parts (so the data and end callbacks can take it as UD); its
 * begin callback sets cur to -1, then calls art__zip_parts_begin for a
 * member it wants. */
#define ART__ZIP_PART_MAX (16u << 20) /* bytes of one part read */
typedef struct art__zip_part {
  char *name;
  char *data; /* NUL-terminated; NULL when nothing was read */
  size_t len;
} art__zip_part;
typedef struct art__zip_parts {
  art__zip_part *parts;
  size_t n, cap;
  int cur;               /* index being read, -1 none */
  int encrypted_members; /* members the walk found encrypted */
  int damaged;           /* a member could not be read whole */
} art__zip_parts;
#define ART__ZIP_PARTS_INIT                                                    \
  {                                                                            \
    NULL, 0, 0, -1, 0, 0                                                       \
  }
/* Keep member PATH as the part being read. 0, or -1 out of memory. */
int art__zip_parts_begin(art__zip_parts *z, const char *path);
/* art_archive_ops data and end callbacks; UD is the art__zip_parts. */
int art__zip_parts_data(void *ud,
                        const art_archive_member *m,
                        const uint8_t *buf,
                        size_t len,
                        uint64_t off);
art_walk_action art__zip_parts_end(void *ud,
                                   const art_archive_member *m,
                                   const art_archive_result *r);
/* The part named NAME (case-insensitive) that was read, or NULL. */
art__zip_part *art__zip_parts_find(art__zip_parts *z, const char *name);
void art__zip_parts_free(art__zip_parts *z);

#endif
