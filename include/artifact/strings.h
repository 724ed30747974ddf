/* String extraction (ASCII, 8-bit, UTF-16/32 as GNU strings finds them, and
 * UTF-8), streaming across blocks, and the strings summary (counts and
 * classified indicators) for surface analysis.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_strings_new() with options and a callback; either
 * art_strings_attach() it to a reader and art_reader_run(), or
 * art_strings_update() the bytes in order and art_strings_final(); each
 * string found reaches the callback as it ends; art_strings_count() per
 * encoding; art_strings_reset() for the next input; art_strings_free().
 * Summary: art_strings_summary_new(); art_strings_summary_attach() (or
 * _update/_final); read counts and indicators; art_strings_summary_free().
 * An object is used by one thread at a time.
 *
 * Semantics: for ART_STR_ASCII, ART_STR_8BIT and the 16/32-bit encodings a
 * string is what `strings -a -e s|S|l|b|L|B` prints: a run of at least
 * min_len characters from 0x20-0x7e plus TAB (plus 0x80-0xff for 8BIT),
 * each character of a 16/32-bit encoding read as one unit from the start
 * of the input or from where the previous string ended, exactly as GNU
 * strings steps. ART_STR_UTF8 strings are runs of printable characters
 * (ASCII as above, or well-formed UTF-8 sequences of non-control code
 * points) holding at least one multi-byte character when ART_STR_ASCII is
 * also selected (the pure-ASCII runs are then ASCII strings already).
 * With several encodings, strings reach the callback in the order in
 * which they end in the input (ties in enum order), whatever the blocks.
 *
 * Japanese encodings (ART_STR_CP932, ART_STR_EUCJP, ART_STR_ISO2022JP):
 * a string is a run of valid characters of that encoding (ASCII included;
 * ISO-2022-JP escape sequences are part of the run, not characters) that
 * holds at least one non-ASCII character and looks Japanese: four
 * full-width characters in a row (kana, kanji, ideographic punctuation,
 * full-width forms), two of them kana or punctuation (docs/art-strings.1
 * gives the false-positive figures behind this rule). With indicators and
 * a Japanese encoding selected, ART_STR_UTF16LE also reads Japanese text
 * (as UTF-8, same rule; runs that fail it give their ASCII parts).
 * The text is converted to UTF-8 by iconv (CP932, EUC-JP-MS; ISO-2022-JP
 * with the CP50221 extensions: half-width katakana, NEC row 13 and the IBM
 * extensions); min_len counts characters.
 *
 * indicators (option): the strings are meant for indicator extraction, so
 * a run starts and ends where a reader of the text would see a boundary:
 * a Shift_JIS trail byte or an ISO-2022-JP escape sequence or shifted text
 * is never the start of an ASCII string, a DER string (IA5String, URI...)
 * ends at its encoded length, and quoted-printable soft line breaks ("=" at
 * a line end) are joined. Plain strings stay byte-identical to GNU strings
 * without it.
 */
#ifndef ART_STRINGS_H
#define ART_STRINGS_H

#include "ioc.h"
#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_strings art_strings;

typedef enum art_str_enc {
  ART_STR_ASCII = 0, /* 7-bit: strings -e s (the default) */
  ART_STR_8BIT,      /* 8-bit, ISO-8859-1: strings -e S */
  ART_STR_UTF16LE,   /* strings -e l */
  ART_STR_UTF16BE,   /* strings -e b */
  ART_STR_UTF32LE,   /* strings -e L */
  ART_STR_UTF32BE,   /* strings -e B */
  ART_STR_UTF8,      /* well-formed UTF-8 (not in GNU strings) */
  ART_STR_CP932,     /* Shift_JIS / Windows-31J: -e j */
  ART_STR_EUCJP,     /* EUC-JP: -e e */
  ART_STR_ISO2022JP, /* ISO-2022-JP with CP50221 extensions: -e i */
  ART_STR_ENC_COUNT_ /* number of encodings; not an encoding */
} art_str_enc;

#define ART_STR_MASK(enc) (1u << (enc))

#define ART_STR_JAPANESE                                                       \
  (ART_STR_MASK(ART_STR_CP932) | ART_STR_MASK(ART_STR_EUCJP) |                 \
   ART_STR_MASK(ART_STR_ISO2022JP))
#define ART_STR_ALL (ART_STR_MASK(ART_STR_ENC_COUNT_) - 1u)

/* Short name: "ascii", "8bit", "utf16le", "utf16be", "utf32le", "utf32be",
 * "utf8", "cp932", "eucjp", "iso2022jp". */
ART_API const char *art_str_enc_name(art_str_enc enc);
/* Parse a GNU strings -e selector into a mask: one or more of the letters
 * s S l b L B, plus u for UTF-8 and j e i for CP932, EUC-JP, ISO-2022-JP
 * (e.g. "sl"); or a comma-separated list of names ("ascii,utf16le"); or
 * "all". ART_ERR_INVALID_ARG for anything else. */
ART_API art_status art_str_enc_parse(const char *spec, unsigned *mask);

/* Flags of one delivered piece. Strings longer than ART_STR_PIECE bytes
 * (or 4 x min_len bytes when that is more) arrive in several pieces, so
 * memory stays bounded. */
enum {
  ART_STR_CONTINUED = 1u << 0, /* continues the previous piece */
  ART_STR_MORE = 1u << 1,      /* more pieces of this string follow */
  ART_STR_EOL = 1u << 2,       /* ended by CR or LF (byte encodings) */
  ART_STR_BOL = 1u << 3        /* starts right after CR or LF */
};

/* Where text and input stop advancing together: text byte POS is input
 * byte piece_offset + REL, and the bytes after it advance one input unit
 * per text byte until the next anchor. */
typedef struct art_str_anchor {
  uint32_t pos, rel;
} art_str_anchor;
#define ART_STR_PIECE (64u * 1024u)

/* One string (or piece); valid only during the callback. */
typedef struct art_string {
  uint64_t offset; /* input offset of the string's first byte (same for
                      every piece of it) */
  art_str_enc encoding;
  unsigned flags;        /* ART_STR_CONTINUED, ART_STR_MORE */
  const char *text;      /* NUL-terminated; one byte per character (ISO-8859-1
                            for 8BIT) except for UTF8, where it is UTF-8 */
  size_t len;            /* bytes in text */
  size_t chars;          /* characters in this piece */
  uint64_t piece_offset; /* input offset of text[0] */
  const art_str_anchor *anchors; /* NULL when text maps unit by unit */
  size_t nanchors;
} art_string;

/* Input offset of text byte POS of STR (any encoding, any piece). */
ART_API uint64_t art_string_offset(const art_string *str, size_t pos);

/* Return 0 to go on, nonzero to stop (update then returns ART_ERR_LIMIT). */
typedef int (*art_strings_cb)(const art_string *str, void *userdata);

typedef struct art_strings_opts {
  unsigned encodings;     /* mask of ART_STR_MASK(); 0: ASCII only */
  size_t min_len;         /* in characters; 0: 4 */
  int include_whitespace; /* strings -w: every whitespace is a character */
  int indicators;         /* boundaries for indicator extraction (above) */
} art_strings_opts;

/* OPTS may be NULL (the defaults). */
ART_API art_status art_strings_new(art_ctx *ctx,
                                   const art_strings_opts *opts,
                                   art_strings_cb cb,
                                   void *userdata,
                                   art_strings **out);
ART_API void art_strings_free(art_strings *s);
ART_API void art_strings_reset(art_strings *s);
/* Feed the next LEN bytes (offsets continue from the previous call). */
ART_API art_status art_strings_update(art_ctx *ctx,
                                      art_strings *s,
                                      const void *data,
                                      size_t len);
/* End of input: deliver the strings still open. */
ART_API art_status art_strings_final(art_ctx *ctx, art_strings *s);
/* Add S to READER as a consumer. Resets S. */
ART_API art_status art_strings_attach(art_ctx *ctx,
                                      art_strings *s,
                                      art_reader *reader);
/* Whole strings (not pieces) found so far in ENC. */
ART_API uint64_t art_strings_count(const art_strings *s, art_str_enc enc);

/* One JSON Lines record (no newline; caller frees with art_free), as
 * art-strings -f jsonl and --ioc print it (docs/art-strings.1):
 * {"schema":"artifact.strings/1","path":P,"offset":N,"encoding":E,
 *  "class":C,"value":V,"truncated":true}. PATH NULL leaves "path" out (its
 * bytes that are not UTF-8 become U+FFFD); CLS NULL leaves "class" out;
 * "truncated" appears only when TRUNCATED. TEXT (LEN bytes) is in the text
 * form of ENC (see art_string) and is written as UTF-8. */
ART_API art_status art_strings_json_record(art_ctx *ctx,
                                           const char *path,
                                           uint64_t offset,
                                           art_str_enc enc,
                                           const char *cls,
                                           const char *text,
                                           size_t len,
                                           int truncated,
                                           char **out);

/* ---- Indicators of strings ----
 *
 * art_str_iocs_new() with a callback; from a strings callback (strings
 * made with opts.indicators) pass each string to art_str_iocs_string();
 * art_str_iocs_final() at the end of the input; art_str_iocs_reset() for
 * the next one. Before matching, full-width forms are normalised (NFKC,
 * ICU) and defanged forms refanged (hxxp, [.], (.), {.}, [dot], [@], (@),
 * [at], [:], and their full-width forms such as ［．］); the text as found
 * is kept beside the value. Internationalised names are given in both
 * forms (Unicode and punycode, libidn2). A URL does not end in "=" at a
 * line end (a quoted-printable soft break), and lines of base64 alphabet
 * that continue one another (a MIME or PEM body) give no indicators: a
 * single such line still does. One object per thread. */
typedef struct art_str_ioc {
  uint64_t offset; /* input offset of the indicator's first byte */
  art_str_enc encoding;
  art_ioc_class cls;
  const char *value;    /* UTF-8: normalised and refanged */
  const char *original; /* as found (UTF-8), or NULL when equal to value */
  const char *ascii;    /* an internationalised name in punycode, or NULL */
  const char *unicode;  /* a punycode ("xn--") name in Unicode, or NULL */
  int defanged;         /* refanged from a defanged form */
} art_str_ioc;

/* Return 0 to go on, nonzero to stop. Strings valid during the call. */
typedef int (*art_str_ioc_cb)(const art_str_ioc *ioc, void *userdata);

typedef struct art_str_iocs art_str_iocs;

ART_API art_status art_str_iocs_new(art_ctx *ctx,
                                    art_str_ioc_cb cb,
                                    void *userdata,
                                    art_str_iocs **out);
ART_API void art_str_iocs_free(art_str_iocs *x);
ART_API void art_str_iocs_reset(art_str_iocs *x);
/* The indicators of STR (a string or piece from art_strings); returns the
 * callback's nonzero value when it asked to stop, else 0. */
ART_API int art_str_iocs_string(art_str_iocs *x, const art_string *str);
/* End of input: deliver what was held back. */
ART_API int art_str_iocs_final(art_str_iocs *x);
/* One JSON Lines record (caller frees with art_free), as art-strings --ioc
 * prints it: the art_strings_json_record() keys with "class", plus
 * "original", "ascii", "unicode" and "defanged":true when they apply. */
ART_API art_status art_str_ioc_json(art_ctx *ctx,
                                    const char *path,
                                    const art_str_ioc *ioc,
                                    char **out);

/* ---- Summary for surface analysis ---- */

typedef struct art_strings_summary art_strings_summary;

typedef struct art_strings_summary_opts {
  unsigned encodings; /* 0: ASCII and UTF-16LE */
  size_t min_len;     /* 0: 4 */
  size_t max_iocs;    /* indicators kept; 0: 100 */
  size_t max_ioc_len; /* longer indicator values are cut; 0: 1024 bytes */
} art_strings_summary_opts;

/* One indicator kept by the summary; strings borrowed from the summary. */
typedef struct art_strings_ioc {
  uint64_t offset; /* input offset of the indicator's first byte */
  art_str_enc encoding;
  const char *cls;   /* art_ioc_class_name() of its class */
  const char *value; /* UTF-8 */
} art_strings_ioc;

ART_API art_status art_strings_summary_new(art_ctx *ctx,
                                           const art_strings_summary_opts *opts,
                                           art_strings_summary **out);
ART_API void art_strings_summary_free(art_strings_summary *sum);
ART_API void art_strings_summary_reset(art_strings_summary *sum);
/* Add SUM to READER as a consumer. Resets SUM. */
ART_API art_status art_strings_summary_attach(art_ctx *ctx,
                                              art_strings_summary *sum,
                                              art_reader *reader);
ART_API art_status art_strings_summary_update(art_ctx *ctx,
                                              art_strings_summary *sum,
                                              const void *data,
                                              size_t len);
ART_API art_status art_strings_summary_final(art_ctx *ctx,
                                             art_strings_summary *sum);
ART_API uint64_t art_strings_summary_count(const art_strings_summary *sum,
                                           art_str_enc enc);
/* Indicators found in all (kept or not, duplicates included). */
ART_API uint64_t art_strings_summary_ioc_total(const art_strings_summary *sum);
/* Indicators kept: the first max_iocs distinct (class, value) pairs in
 * input order. *TRUNCATED (may be NULL) is set when some were left out. */
ART_API size_t art_strings_summary_ioc_count(const art_strings_summary *sum,
                                             int *truncated);
ART_API art_status art_strings_summary_ioc(const art_strings_summary *sum,
                                           size_t index,
                                           art_strings_ioc *ioc);
/* The summary as a JSON object text (caller frees with art_free):
 * {"min_len":4,"encodings":[...],"count":{"ascii":N,...},
 *  "ioc_total":N,"truncated":false,"iocs":[{"offset":N,"encoding":"ascii",
 *  "class":"url","value":"..."}]} */
ART_API art_status art_strings_summary_json(art_ctx *ctx,
                                            const art_strings_summary *sum,
                                            char **out);

ART_END_DECLS

#endif
