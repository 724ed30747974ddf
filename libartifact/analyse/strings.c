/* String extraction as GNU strings steps through its input, plus UTF-8, and
 * the strings summary (counts, classified indicators) for surface analysis.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/strings.h>

#include <artifact/ioc.h>
#include <errno.h>
#include <iconv.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"
#include "text_private.h"

#define DEFAULT_MIN 4

typedef struct ja_seg {
  size_t kana, punct, kanji, nonascii;
  size_t stretch, stretch_kp; /* consecutive full-width characters */
  int ok;
  uint64_t first; /* input offset of the segment's first character */
  int open;
} ja_seg;

typedef struct scan {
  art_str_enc enc;
  unsigned nb; /* bytes per unit: 1, 2, 4; 0 for UTF-8 */
  int big;     /* big-endian units */
  uint8_t unit[4];
  unsigned ufill;
  uint64_t uoff; /* offset of unit[0] */
  uint64_t start;
  size_t chars;  /* characters in the whole run */
  size_t pchars; /* characters in the current piece */
  int cont;      /* a piece of this run was delivered already */
  int multi;     /* UTF-8: the run holds a multi-byte character */
  char *buf;
  size_t blen, limit; /* deliver a piece when blen reaches limit */
  /* UTF-8 sequence being read */
  uint8_t seq[4];
  unsigned slen, need;
  uint32_t cp;
  uint64_t soff;
  uint64_t count;
  /* Offsets: input bytes of the pieces delivered (CONTINUED), and input
   * bytes minus text bytes in the current piece (joins, conversions). */
  uint64_t consumed;
  int64_t pin_extra;
  size_t seg_mark; /* indicators: characters before the last soft break */
  art_str_anchor *anch;
  size_t nanch, cap_anch;
  /* indicators: the bytes before the run, and how it ended */
  uint8_t pre[64];
  unsigned npre;
  int captured; /* pre holds the bytes before this run */
  int dirty;    /* a field below chars/blen/cont was set for this run */
  int bol, eol;
  /* Japanese: the run's raw bytes, characters, mode; converter */
  uint8_t *raw;
  size_t rlen, rchars, rnonascii;
  uint64_t rstart;
  int mode, mode0; /* ISO-2022-JP: JM_* at the current byte, at run start */
  uint8_t esc[4];
  unsigned nesc;
  uint8_t lead; /* CP932/EUC-JP: a lead byte waiting for its trail */
  uint8_t lead2;
  uint64_t leadoff;
  iconv_t cd;
  ja_seg seg16; /* UTF-16LE with Japanese: the run's counts */
} scan;

/* With several encodings, strings found in a sub-block are held here and
 * delivered in the order in which they end. */
typedef struct pending {
  uint64_t at; /* input offset of the byte that ended the string or piece */
  unsigned scan;
  size_t seq;
  art_string str;
  size_t text_off; /* in the arena */
  size_t anch_off; /* in the anchor arena */
} pending;

struct art_strings {
  art_strings_opts opts;
  art_strings_cb cb;
  void *userdata;
  uint8_t graphic7[256], graphic8[256];
  scan sc[ART_STR_ENC_COUNT_];
  unsigned nscan;
  uint64_t pos;
  uint64_t at; /* offset of the byte being looked at */
  int stopped, nomem;
  pending *pend;
  size_t npend, cap_pend;
  char *arena;
  size_t arena_len, arena_cap;
  art_str_anchor *aarena; /* anchors of the held strings */
  size_t aarena_len, aarena_cap;
  int ja16; /* indicators with Japanese: UTF-16LE reads Japanese text too */
  /* the last bytes before the block being fed (indicators) */
  uint8_t prevtail[64];
  unsigned nprevtail;
  /* the block being fed (indicators look before a run when it ends) */
  const uint8_t *blk;
  uint64_t blk_base;
};

#define SUB_BLOCK (256u * 1024u)

static const char *const enc_names[ART_STR_ENC_COUNT_] = {
    "ascii",   "8bit", "utf16le", "utf16be", "utf32le",
    "utf32be", "utf8", "cp932",   "eucjp",   "iso2022jp"};
static const char enc_letters[ART_STR_ENC_COUNT_] = {'s', 'S', 'l', 'b', 'L',
                                                     'B', 'u', 'j', 'e', 'i'};

static int is_japanese(art_str_enc e)
{
  return e == ART_STR_CP932 || e == ART_STR_EUCJP || e == ART_STR_ISO2022JP;
}

/* Whether a string's text is UTF-8 (else ISO-8859-1: 8-bit strings). The
 * 16- and 32-bit encodings give ASCII, or UTF-8 with Japanese text for
 * indicators. */
static int text_utf8(art_str_enc e)
{
  return e != ART_STR_8BIT;
}

const char *art_str_enc_name(art_str_enc enc)
{
  return (unsigned)enc < ART_STR_ENC_COUNT_ ? enc_names[enc] : "unknown";
}

art_status art_str_enc_parse(const char *spec, unsigned *mask)
{
  if (!spec || !mask || !*spec)
    return ART_ERR_INVALID_ARG;
  if (strcmp(spec, "all") == 0) {
    *mask = ART_STR_ALL;
    return ART_OK;
  }
  unsigned m = 0;
  /* Names, comma-separated. */
  const char *p = spec;
  int names = 1;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    int found = 0;
    for (unsigned i = 0; i < ART_STR_ENC_COUNT_; i++)
      if (strlen(enc_names[i]) == n && strncmp(p, enc_names[i], n) == 0) {
        m |= ART_STR_MASK(i);
        found = 1;
      }
    if (!found) {
      names = 0;
      break;
    }
    p = e ? e + 1 : p + n;
    if (e && !*p)
      return ART_ERR_INVALID_ARG;
  }
  if (!names) {
    m = 0;
    for (p = spec; *p; p++) {
      if (*p == ',')
        continue;
      const char *l = memchr(enc_letters, *p, sizeof(enc_letters));
      if (!l)
        return ART_ERR_INVALID_ARG;
      m |= ART_STR_MASK((unsigned)(l - enc_letters));
    }
  }
  if (!m)
    return ART_ERR_INVALID_ARG;
  *mask = m;
  return ART_OK;
}

static void run_clear(scan *c)
{
  c->chars = 0;
  c->pchars = 0;
  c->blen = 0;
  c->cont = 0;
  c->multi = 0;
  c->eol = 0;
  /* Most runs are short and never touch the rest: skip it then. */
  if (c->dirty) {
    c->captured = 0;
    c->consumed = 0;
    c->pin_extra = 0;
    c->nanch = 0;
    c->bol = 0;
    c->npre = 0;
    c->seg_mark = 0;
    c->dirty = 0;
  }
}

void art_strings_reset(art_strings *s)
{
  if (!s)
    return;
  for (unsigned i = 0; i < s->nscan; i++) {
    scan *c = &s->sc[i];
    run_clear(c);
    c->ufill = 0;
    c->slen = c->need = 0;
    c->count = 0;
    c->rlen = c->rchars = c->rnonascii = 0;
    c->mode = c->mode0 = 0;
    c->nesc = 0;
    c->lead = 0;
    c->lead2 = 0;
  }
  s->nprevtail = 0;
  s->aarena_len = 0;
  s->pos = 0;
  s->stopped = 0;
  s->nomem = 0;
  s->npend = 0;
  s->arena_len = 0;
  s->aarena_len = 0;
}

void art_strings_free(art_strings *s)
{
  if (!s)
    return;
  for (unsigned i = 0; i < s->nscan; i++) {
    free(s->sc[i].buf);
    free(s->sc[i].anch);
    free(s->sc[i].raw);
    if (s->sc[i].cd && s->sc[i].cd != (iconv_t)-1)
      iconv_close(s->sc[i].cd);
  }
  free(s->pend);
  free(s->arena);
  free(s->aarena);
  free(s);
}

art_status art_strings_new(art_ctx *ctx,
                           const art_strings_opts *opts,
                           art_strings_cb cb,
                           void *userdata,
                           art_strings **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  art_strings *s = calloc(1, sizeof(*s));
  if (!s)
    goto nomem;
  if (opts)
    s->opts = *opts;
  if (!s->opts.encodings)
    s->opts.encodings = ART_STR_MASK(ART_STR_ASCII);
  if (s->opts.encodings >= ART_STR_MASK(ART_STR_ENC_COUNT_)) {
    free(s);
    if (ctx)
      art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "strings: bad encodings");
    return ART_ERR_INVALID_ARG;
  }
  if (!s->opts.min_len)
    s->opts.min_len = DEFAULT_MIN;
  s->cb = cb;
  s->userdata = userdata;
  s->ja16 = s->opts.indicators && (s->opts.encodings & ART_STR_JAPANESE);
  for (unsigned b = 0; b < 256; b++) {
    int g = (b >= 0x20 && b <= 0x7e) || b == '\t';
    if (s->opts.include_whitespace &&
        (b == '\n' || b == '\v' || b == '\f' || b == '\r'))
      g = 1;
    s->graphic7[b] = (uint8_t)g;
    s->graphic8[b] = (uint8_t)(g || b >= 0x80);
  }
  size_t limit = ART_STR_PIECE;
  for (unsigned e = 0; e < ART_STR_ENC_COUNT_; e++) {
    if (!(s->opts.encodings & ART_STR_MASK(e)))
      continue;
    scan *c = &s->sc[s->nscan++];
    c->enc = (art_str_enc)e;
    c->nb = e == ART_STR_UTF8                              ? 0
            : e == ART_STR_ASCII || e == ART_STR_8BIT      ? 1
            : e == ART_STR_UTF16LE || e == ART_STR_UTF16BE ? 2
                                                           : 4;
    c->big = e == ART_STR_UTF16BE || e == ART_STR_UTF32BE;
    /* A run must be kept whole until it is long enough to report. */
    c->limit = s->opts.min_len * 4 > limit ? s->opts.min_len * 4 : limit;
    c->buf = malloc(c->limit + 8);
    if (!c->buf) {
      art_strings_free(s);
      goto nomem;
    }
    if (is_japanese(c->enc)) {
      /* Raw bytes of a run: converted text is at most 3/2 of them. */
      c->nb = 1;
      c->raw = malloc(c->limit / 2 + 8);
      /* ISO-2022-JP double-byte text is mapped to CP932 arithmetically
       * (NEC row 13 and IBM extensions included, as CP50221 has them). */
      c->cd =
          iconv_open("UTF-8", c->enc == ART_STR_EUCJP ? "EUC-JP-MS" : "CP932");
      if (!c->raw || c->cd == (iconv_t)-1) {
        int nomem = !c->raw;
        art_strings_free(s);
        if (nomem)
          goto nomem;
        if (ctx)
          art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                         "strings: iconv cannot convert %s", enc_names[e]);
        return ART_ERR_UNSUPPORTED;
      }
    }
  }
  *out = s;
  return ART_OK;
nomem:
  if (ctx)
    art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
  return ART_ERR_NOMEM;
}

static void hold(art_strings *s, const scan *c, const art_string *str)
{
  if (s->nomem)
    return;
  if (s->npend == s->cap_pend) {
    size_t cap = s->cap_pend ? 2 * s->cap_pend : 256;
    pending *p = realloc(s->pend, cap * sizeof(*p));
    if (!p) {
      s->nomem = 1;
      return;
    }
    s->pend = p;
    s->cap_pend = cap;
  }
  if (s->arena_len + str->len + 1 > s->arena_cap) {
    size_t cap = 2 * (s->arena_len + str->len + 1);
    char *a = realloc(s->arena, cap);
    if (!a) {
      s->nomem = 1;
      return;
    }
    s->arena = a;
    s->arena_cap = cap;
  }
  if (s->aarena_len + str->nanchors > s->aarena_cap) {
    size_t cap = 2 * (s->aarena_len + str->nanchors) + 64;
    art_str_anchor *a = realloc(s->aarena, cap * sizeof(*a));
    if (!a) {
      s->nomem = 1;
      return;
    }
    s->aarena = a;
    s->aarena_cap = cap;
  }
  memcpy(s->arena + s->arena_len, str->text, str->len + 1);
  if (str->nanchors)
    memcpy(s->aarena + s->aarena_len, str->anchors,
           str->nanchors * sizeof(*str->anchors));
  pending *p = &s->pend[s->npend];
  p->at = s->at;
  p->scan = (unsigned)(c - s->sc);
  p->seq = s->npend++;
  p->str = *str;
  p->text_off = s->arena_len;
  p->anch_off = s->aarena_len;
  s->arena_len += str->len + 1;
  s->aarena_len += str->nanchors;
}

static int pend_cmp(const void *a, const void *b)
{
  const pending *x = a, *y = b;
  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  if (x->scan != y->scan)
    return x->scan < y->scan ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Deliver what the scanners held, in the order the strings end (ties: in
 * encoding order), as a byte-by-byte scan would have. */
static void flush_pending(art_strings *s)
{
  if (s->npend > 1)
    qsort(s->pend, s->npend, sizeof(*s->pend), pend_cmp);
  for (size_t i = 0; i < s->npend && !s->stopped; i++) {
    pending *p = &s->pend[i];
    p->str.text = s->arena + p->text_off;
    p->str.anchors = p->str.nanchors ? s->aarena + p->anch_off : NULL;
    if (s->cb && s->cb(&p->str, s->userdata))
      s->stopped = 1;
  }
  s->npend = 0;
  s->arena_len = 0;
  s->aarena_len = 0;
}

static unsigned enc_unit(art_str_enc e)
{
  return e == ART_STR_UTF16LE || e == ART_STR_UTF16BE   ? 2u
         : e == ART_STR_UTF32LE || e == ART_STR_UTF32BE ? 4u
                                                        : 1u;
}

uint64_t art_string_offset(const art_string *str, size_t pos)
{
  if (!str)
    return 0;
  uint64_t unit = enc_unit(str->encoding), base = 0;
  size_t from = 0;
  /* The last anchor at or before POS (anchors are in text order). */
  size_t lo = 0, hi = str->nanchors;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (str->anchors[mid].pos <= pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo) {
    base = str->anchors[lo - 1].rel;
    from = str->anchors[lo - 1].pos;
  }
  return str->piece_offset + base + (pos - from) * unit;
}

/* Text byte BLEN is input byte (piece start + REL) from here on. */
static void anchor(art_strings *s, scan *c, uint64_t rel)
{
  c->dirty = 1;
  if (c->nanch && c->anch[c->nanch - 1].pos == c->blen) {
    c->anch[c->nanch - 1].rel = (uint32_t)rel;
    return;
  }
  if (c->nanch == c->cap_anch) {
    size_t cap = c->cap_anch ? 2 * c->cap_anch : 64;
    art_str_anchor *a = realloc(c->anch, cap * sizeof(*a));
    if (!a) {
      s->nomem = 1;
      return;
    }
    c->anch = a;
    c->cap_anch = cap;
  }
  c->anch[c->nanch++] = (art_str_anchor){(uint32_t)c->blen, (uint32_t)rel};
}

static void deliver(art_strings *s, scan *c, int more)
{
  c->buf[c->blen] = '\0';
  unsigned unit = enc_unit(c->enc);
  art_string str = {.offset = c->start,
                    .encoding = c->enc,
                    .flags = (c->cont ? ART_STR_CONTINUED : 0u) |
                             (more ? ART_STR_MORE : 0u) |
                             (c->bol && !c->cont ? ART_STR_BOL : 0u) |
                             (c->eol && !more ? ART_STR_EOL : 0u),
                    .text = c->buf,
                    .len = c->blen,
                    .chars = c->pchars,
                    .piece_offset = c->start + c->consumed,
                    .anchors = c->nanch ? c->anch : NULL,
                    .nanchors = c->nanch};
  /* Input bytes this piece covers. */
  uint64_t covered = unit > 1 ? (uint64_t)c->pchars * unit
                              : (uint64_t)((int64_t)c->blen + c->pin_extra);
  if (s->stopped) {
    /* Nothing more is delivered, but the buffer is emptied all the same so
     * the scan can go on to the end of the data. */
  } else if (s->nscan > 1) {
    hold(s, c, &str);
  } else if (s->cb && s->cb(&str, s->userdata)) {
    s->stopped = 1;
  }
  if (more) {
    c->cont = 1;
    c->dirty = 1;
    c->blen = 0;
    c->pchars = 0;
    c->consumed += covered;
    c->pin_extra = 0;
    c->nanch = 0;
  }
}

static int reportable(const art_strings *s, const scan *c)
{
  if (c->chars < s->opts.min_len)
    return 0;
  if (c->nb == 0 && !c->multi &&
      (s->opts.encodings & ART_STR_MASK(ART_STR_ASCII)))
    return 0;
  return 1;
}

/* ---- Boundaries for indicators ---- */

static int sjis_lead(uint8_t b)
{
  return (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc);
}

static int sjis_trail(uint8_t b)
{
  return b >= 0x40 && b <= 0xfc && b != 0x7f;
}

/* Whether P[0..N) is whole characters of UTF-8 holding a multi-byte one. */
static int whole_utf8(const uint8_t *p, size_t n)
{
  int multi = 0;
  for (size_t i = 0; i < n;) {
    size_t l = p[i] < 0x80 ? 1 : art__utf8_seq_len(p + i, n - i);
    if (!l)
      return 0;
    multi |= l > 1;
    i += l;
  }
  return multi;
}

/* Whether P[0..N) is whole characters of EUC-JP holding a double-byte one. */
static int whole_eucjp(const uint8_t *p, size_t n)
{
  int multi = 0;
  for (size_t i = 0; i < n;) {
    uint8_t b = p[i];
    if (b < 0x80) {
      i++;
    } else if (b >= 0xa1 && b <= 0xfe && i + 1 < n && p[i + 1] >= 0xa1 &&
               p[i + 1] <= 0xfe) {
      multi = 1;
      i += 2;
    } else if (b == 0x8e && i + 1 < n && p[i + 1] >= 0xa1 && p[i + 1] <= 0xdf) {
      multi = 1;
      i += 2;
    } else {
      return 0;
    }
  }
  return multi;
}

/* Whether the run's first byte FIRST is the trail byte of a Shift_JIS
 * character whose lead byte ends PRE: a forward parse from the last byte
 * that cannot be part of a double-byte character says so, the text there
 * is not UTF-8 or EUC-JP (whose characters never hold ASCII bytes), and it
 * looks like text: a double-byte character before, or a full-width
 * punctuation mark (lead 0x81) as in "URL：http". */
static int sjis_lead_at_end(const uint8_t *pre, unsigned k, unsigned n);

static int sjis_trail_first(const uint8_t *pre, unsigned n, uint8_t first)
{
  if (!n || first < 0x40 || first > 0x7e || !sjis_lead(pre[n - 1]))
    return 0;
  unsigned k = n;
  while (k > 0 && pre[k - 1] >= 0x40)
    k--;
  if (k == 0) {
    /* The window starts inside the text: UTF-8 resynchronises at once,
     * EUC-JP and Shift_JIS are tried at both parities. */
    unsigned u = 0;
    while (u < 3 && u < n && (pre[u] & 0xc0) == 0x80)
      u++;
    if (whole_utf8(pre + u, n - u) || whole_eucjp(pre, n) ||
        whole_eucjp(pre + 1, n - 1))
      return 0;
    return sjis_lead_at_end(pre, 0, n) && sjis_lead_at_end(pre, 1, n);
  }
  if (whole_utf8(pre + k, n - k) || whole_eucjp(pre + k, n - k))
    return 0;
  return sjis_lead_at_end(pre, k, n);
}

/* Whether a Shift_JIS parse of PRE from K ends on a lead byte, after a
 * double-byte character or on a punctuation lead (0x81). */
static int sjis_lead_at_end(const uint8_t *pre, unsigned k, unsigned n)
{
  unsigned dbl = 0;
  for (unsigned i = k; i < n;) {
    uint8_t b = pre[i];
    if (sjis_lead(b)) {
      if (i + 1 == n)
        return dbl > 0 || b == 0x81;
      if (!sjis_trail(pre[i + 1]))
        return 0;
      dbl++;
      i += 2;
    } else if (b < 0x80 || (b >= 0xa1 && b <= 0xdf)) {
      i++;
    } else {
      return 0;
    }
  }
  return 0;
}

static int der_string_tag(uint8_t t)
{
  /* IA5String, UTF8String, PrintableString, VisibleString, T61String, and
   * GeneralName's rfc822Name [1], dNSName [2], URI [6] */
  return t == 0x16 || t == 0x0c || t == 0x13 || t == 0x1a || t == 0x14 ||
         t == 0x81 || t == 0x82 || t == 0x86;
}

/* Drop the first K bytes (ASCII characters) of the run. */
static void drop_front(scan *c, size_t k)
{
  if (k >= c->blen) {
    run_clear(c);
    return;
  }
  memmove(c->buf, c->buf + k, c->blen - k);
  c->blen -= k;
  c->chars -= k;
  c->pchars -= k;
  c->start += k;
  size_t w = 0;
  for (size_t i = 0; i < c->nanch; i++)
    if (c->anch[i].pos >= k) {
      c->anch[w] = c->anch[i];
      c->anch[w].pos -= (uint32_t)k;
      c->anch[w].rel -= (uint32_t)k;
      w++;
    }
  c->nanch = w;
  c->bol = 0;
}

static int reportable(const art_strings *s, const scan *c);
static void capture_at(const art_strings *s, scan *c);

/* A run of ASCII or UTF-8 about to end, for indicator extraction: take off
 * what a reader of the text would not see as part of it. */
static void ioc_fixup(art_strings *s, scan *c)
{
  const uint8_t *pre = c->pre;
  unsigned n = c->npre;
  if (!n || !c->blen)
    return;
  uint8_t b0 = (uint8_t)c->buf[0], b1 = c->blen > 1 ? (uint8_t)c->buf[1] : 0;
  if (pre[n - 1] == 0x1b) {
    /* The tail of an ISO-2022-JP escape sequence: back to ASCII ("(B",
     * "(J", "(H") or into shifted text, whose bytes are not ASCII. */
    if (b0 == '(' && (b1 == 'B' || b1 == 'J' || b1 == 'H'))
      drop_front(c, 2);
    else if ((b0 == '$' &&
              (b1 == '@' || b1 == 'B' || b1 == 'A' || b1 == '(')) ||
             (b0 == '(' && b1 == 'I'))
      run_clear(c);
    return;
  }
  if (sjis_trail_first(pre, n, b0)) {
    drop_front(c, 1);
    return;
  }
  if (c->multi || c->nanch)
    return;
  /* A DER string: its length says where it ends, whatever follows. */
  size_t skip = 0, len = 0;
  if (der_string_tag(pre[n - 1]) && b0 >= 1 && b0 < 0x80 && c->blen > b0) {
    skip = 1;
    len = b0;
  } else if (n >= 2 && der_string_tag(pre[n - 2]) && pre[n - 1] &&
             pre[n - 1] < 0x80 && c->blen > pre[n - 1]) {
    len = pre[n - 1];
  } else if (n >= 3 && der_string_tag(pre[n - 3]) && pre[n - 2] == 0x81 &&
             pre[n - 1] >= 0x80 && c->blen > pre[n - 1]) {
    len = pre[n - 1];
  } else {
    return;
  }
  if (len < s->opts.min_len)
    return;
  if (skip)
    drop_front(c, 1);
  if (c->blen <= len)
    return;
  /* The DER string, then the rest as a run of its own. */
  size_t rest = c->blen - len;
  char keep[256];
  if (rest > sizeof keep)
    return;
  memcpy(keep, c->buf + len, rest);
  uint64_t rest_start = c->start + len;
  c->blen = c->chars = c->pchars = len;
  int eol = c->eol;
  c->eol = 0;
  if (reportable(s, c)) {
    deliver(s, c, 0);
    if (c->enc != ART_STR_ASCII)
      c->count++;
  }
  run_clear(c);
  memcpy(c->buf, keep, rest);
  c->blen = c->chars = c->pchars = rest;
  c->start = rest_start;
  c->eol = eol;
  c->npre = 0;
}

/* End of a run; returns whether it was long enough to be a string. */
static int end_run(art_strings *s, scan *c)
{
  if (c->chars < s->opts.min_len && !c->cont) {
    /* Too short to be a string: the common case, kept fast. */
    run_clear(c);
    return 0;
  }
  /* ASCII strings are counted as GNU strings counts them, whatever the
   * boundaries for indicators make of them. */
  int gnu = c->enc == ART_STR_ASCII && s->opts.indicators;
  if (gnu && c->chars - c->seg_mark >= s->opts.min_len)
    c->count++;
  if (s->opts.indicators && !c->cont && c->chars >= s->opts.min_len &&
      (c->enc == ART_STR_ASCII || c->enc == ART_STR_UTF8)) {
    capture_at(s, c);
    ioc_fixup(s, c);
  }
  int printed = c->chars >= s->opts.min_len;
  if (reportable(s, c)) {
    deliver(s, c, 0);
    if (!gnu)
      c->count++;
  }
  run_clear(c);
  return printed;
}

/* The buffer is full: deliver a piece, or (a pure-ASCII UTF-8 run that the
 * ASCII scanner reports anyway) drop the run. */
static void full(art_strings *s, scan *c)
{
  if (reportable(s, c))
    deliver(s, c, 1);
  else
    run_clear(c);
}

/* 16-bit units in place, as feed_units() steps; returns where it stopped
 * (less than one unit before the end). */
static size_t
feed_u16(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  const uint8_t *g = s->graphic7;
  const size_t lo = c->big ? 1 : 0, hi = 1 - lo;
  size_t i = 0;
  while (i + 2 <= n) {
    if (c->chars == 0) {
      while (i + 2 <= n && !(p[i + hi] == 0 && g[p[i + lo]]))
        i++;
      if (i + 2 > n)
        break;
      c->start = base + i;
    }
    size_t room = c->limit - c->blen, k = 0;
    while (i + 2 <= n && k < room && p[i + hi] == 0 && g[p[i + lo]]) {
      c->buf[c->blen + k++] = (char)p[i + lo];
      i += 2;
    }
    c->blen += k;
    c->chars += k;
    c->pchars += k;
    if (c->blen >= c->limit) {
      s->at = base + i - 1;
      full(s, c);
      continue;
    }
    if (i + 2 > n)
      break;
    /* The unit at i is not a character: the run ends there, and the next
     * unit starts one byte further on. */
    if (c->chars >= s->opts.min_len) {
      s->at = base + i + 1;
      end_run(s, c);
    } else {
      run_clear(c);
    }
    i++;
  }
  return i;
}

/* Kept out of line: each scanner's loop compiles best on its own. */
__attribute__((noinline)) static void
feed_units(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  size_t i = 0;
  /* Whole units in place; the unit buffer is for units cut by the end of
   * a block. */
  if (c->ufill == 0 && c->nb == 2) {
    i = feed_u16(s, c, p, n, base);
  } else if (c->ufill == 0) {
    const unsigned nb = c->nb;
    const uint8_t *g = s->graphic7;
    while (i + nb <= n) {
      if (c->chars == 0) {
        /* Outside a string: on to the next unit that is a character. */
        if (nb == 2 && !c->big)
          while (i + 2 <= n && !(p[i + 1] == 0 && g[p[i]]))
            i++;
        else if (nb == 2)
          while (i + 2 <= n && !(p[i] == 0 && g[p[i + 1]]))
            i++;
        else if (!c->big)
          while (i + 4 <= n &&
                 !((p[i + 1] | p[i + 2] | p[i + 3]) == 0 && g[p[i]]))
            i++;
        else
          while (i + 4 <= n &&
                 !((p[i] | p[i + 1] | p[i + 2]) == 0 && g[p[i + 3]]))
            i++;
        if (i + nb > n)
          break;
      }
      uint32_t v;
      if (nb == 2)
        v = c->big ? (uint32_t)p[i] << 8 | p[i + 1]
                   : (uint32_t)p[i + 1] << 8 | p[i];
      else
        v = c->big ? (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 |
                         (uint32_t)p[i + 2] << 8 | p[i + 3]
                   : (uint32_t)p[i + 3] << 24 | (uint32_t)p[i + 2] << 16 |
                         (uint32_t)p[i + 1] << 8 | p[i];
      if (v <= 0xff && s->graphic7[v]) {
        if (c->chars == 0)
          c->start = base + i;
        c->buf[c->blen++] = (char)v;
        c->chars++;
        c->pchars++;
        i += nb;
        if (c->blen >= c->limit) {
          s->at = base + i - 1;
          full(s, c);
        }
      } else {
        if (c->chars) {
          s->at = base + i + nb - 1;
          end_run(s, c);
        }
        /* GNU strings puts back all but the first byte of a unit that is
         * not a character. */
        i++;
      }
    }
  }
  for (; i < n; i++) {
    if (c->ufill == 0)
      c->uoff = base + i;
    c->unit[c->ufill++] = p[i];
    if (c->ufill < c->nb)
      continue;
    uint32_t v = 0;
    for (unsigned k = 0; k < c->nb; k++) {
      unsigned idx = c->big ? k : c->nb - 1 - k;
      v = (v << 8) | c->unit[idx];
    }
    c->ufill = 0;
    s->at = base + i;
    if (v <= 0xff && s->graphic7[v]) {
      if (c->chars == 0)
        c->start = c->uoff;
      c->buf[c->blen++] = (char)v;
      c->chars++;
      c->pchars++;
      if (c->blen >= c->limit)
        full(s, c);
    } else {
      end_run(s, c);
      /* GNU strings puts back all but the first byte of a unit that is not
       * a character, so a string may start at any byte. */
      memmove(c->unit, c->unit + 1, c->nb - 1);
      c->ufill = c->nb - 1;
      c->uoff++;
    }
    /* Back to the fast path once the next unit starts inside this block
     * (only the first units of a block come here). */
    if (c->ufill == 0 || c->uoff >= base) {
      size_t j = c->ufill == 0 ? i + 1 : (size_t)(c->uoff - base);
      c->ufill = 0;
      if (j < n)
        feed_units(s, c, p + j, n - j, base + j);
      return;
    }
  }
}

/* indicators: keep the bytes before a run starting at P[I]. */
static void capture(const art_strings *s, scan *c, const uint8_t *p, size_t i)
{
  unsigned want = sizeof c->pre, from_blk = i < want ? (unsigned)i : want;
  unsigned from_prev = want - from_blk;
  if (from_prev > s->nprevtail)
    from_prev = s->nprevtail;
  memcpy(c->pre, s->prevtail + s->nprevtail - from_prev, from_prev);
  memcpy(c->pre + from_prev, p + i - from_blk, from_blk);
  c->npre = from_prev + from_blk;
  c->dirty = 1;
  c->bol =
      c->npre && (c->pre[c->npre - 1] == '\n' || c->pre[c->npre - 1] == '\r');
}

/* indicators: the bytes before the current run, from the block being fed
 * (runs still open at a block's end are captured there). */
static void capture_at(const art_strings *s, scan *c)
{
  if (c->captured)
    return;
  c->captured = 1;
  c->dirty = 1;
  c->npre = 0;
  if (!s->blk || c->start < s->blk_base)
    return;
  size_t i = (size_t)(c->start - s->blk_base);
  /* After a NUL (most strings in binaries) no boundary rule applies. */
  int prev = i              ? s->blk[i - 1]
             : s->nprevtail ? s->prevtail[s->nprevtail - 1]
                            : 0;
  if (prev)
    capture(s, c, s->blk, i);
}

/* indicators: "=" then LF or CR LF inside a line of text is a
 * quoted-printable soft line break: the run goes on after it (at *NEXT).
 * Lines of base64 alphabet end in padding, not in soft breaks. */
static int qp_join(
    art_strings *s, scan *c, const uint8_t *p, size_t n, size_t j, size_t *next)
{
  if (c->enc != ART_STR_ASCII || c->cont || c->blen < 2 ||
      c->buf[c->blen - 1] != '=' || c->buf[c->blen - 2] == '=')
    return 0;
  size_t k = j;
  if (p[k] == '\r')
    k++;
  if (k >= n || p[k] != '\n' || k + 1 >= n || !s->graphic7[p[k + 1]])
    return 0;
  k++;
  size_t from = c->nanch ? c->anch[c->nanch - 1].pos : 0;
  int b64 = 1;
  for (size_t i = from; i + 1 < c->blen && b64; i++) {
    char ch = c->buf[i];
    b64 = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
          (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
  }
  if (b64)
    return 0;
  /* GNU strings ends a string here: count it as it would. */
  if (c->chars - c->seg_mark >= s->opts.min_len)
    c->count++;
  c->blen--;
  c->chars--;
  c->pchars--;
  c->seg_mark = c->chars;
  c->dirty = 1;
  c->pin_extra += (int64_t)(1 + (k - j));
  anchor(s, c, (uint64_t)((int64_t)c->blen + c->pin_extra));
  *next = k;
  return 1;
}

/* Kept out of line: each scanner's loop compiles best on its own. */
__attribute__((noinline)) static void
feed_bytes(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  const int ind = s->opts.indicators;
  const uint8_t *g = c->enc == ART_STR_8BIT ? s->graphic8 : s->graphic7;
  /* Eight bytes at a time inside long runs of 0x20-0x7e (7-bit, without
   * -w); the table decides everywhere else. */
  const int swar = c->enc == ART_STR_ASCII && !s->opts.include_whitespace;
  const uint64_t ones = UINT64_C(0x0101010101010101);
  const uint64_t highs = UINT64_C(0x8080808080808080);
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && g[p[j]]) {
      j++;
      if (swar && j - i >= 16) {
        while (j + 8 <= n) {
          uint64_t x;
          memcpy(&x, p + j, 8);
          uint64_t bad = x & highs;              /* >= 0x80 */
          bad |= (x - 0x20 * ones) & ~x & highs; /* < 0x20 */
          uint64_t d = x ^ (0x7f * ones);        /* == 0x7f */
          bad |= (d - ones) & ~d & highs;
          if (bad)
            break;
          j += 8;
        }
      }
    }
    if (j > i && c->chars == 0)
      c->start = base + i;
    while (i < j) {
      size_t k = j - i;
      if (k > c->limit - c->blen)
        k = c->limit - c->blen;
      memcpy(c->buf + c->blen, p + i, k);
      c->blen += k;
      c->chars += k;
      c->pchars += k;
      i += k;
      if (c->blen >= c->limit) {
        s->at = base + i - 1;
        full(s, c);
      }
    }
    if (j < n) {
      if (c->chars && c->chars < s->opts.min_len && !c->cont && !c->dirty) {
        /* Too short to be a string, nothing else to undo: the common case. */
        c->chars = c->pchars = c->blen = 0;
      } else if (c->chars) {
        if (ind) {
          size_t next;
          if (c->blen >= 2 && c->buf[c->blen - 1] == '=' &&
              qp_join(s, c, p, n, j, &next)) {
            i = next;
            continue;
          }
          c->eol = p[j] == '\n' || p[j] == '\r';
        }
        s->at = base + j;
        end_run(s, c);
      }
      i = j + 1;
    }
  }
}

static int printable_cp(uint32_t cp)
{
  if (cp >= 0x80 && cp <= 0x9f)
    return 0;
  if ((cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef))
    return 0;
  return 1;
}

static void
u8_add(art_strings *s, scan *c, const uint8_t *b, unsigned n, uint64_t off)
{
  if (c->chars == 0)
    c->start = off;
  memcpy(c->buf + c->blen, b, n);
  c->blen += n;
  c->chars++;
  c->pchars++;
  if (n > 1)
    c->multi = 1;
  if (c->blen + 4 > c->limit)
    full(s, c);
}

/* End of a run, the short ones (most) without a call. */
static inline void finish_run(art_strings *s, scan *c)
{
  if (c->chars < s->opts.min_len && !c->cont && !c->dirty) {
    c->chars = c->pchars = c->blen = 0;
    c->multi = 0;
    c->eol = 0;
    return;
  }
  end_run(s, c);
}

/* Kept out of line: each scanner's loop compiles best on its own. */
__attribute__((noinline)) static void
feed_utf8(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  for (size_t i = 0; i < n; i++) {
    uint8_t b = p[i];
    s->at = base + i;
    if (c->need) {
      uint8_t lo = 0x80, hi = 0xbf;
      if (c->slen == 1) {
        if (c->seq[0] == 0xe0)
          lo = 0xa0;
        else if (c->seq[0] == 0xed)
          hi = 0x9f;
        else if (c->seq[0] == 0xf0)
          lo = 0x90;
        else if (c->seq[0] == 0xf4)
          hi = 0x8f;
      }
      if (b >= lo && b <= hi) {
        c->seq[c->slen++] = b;
        c->cp = (c->cp << 6) | (b & 0x3fu);
        if (--c->need == 0) {
          if (printable_cp(c->cp))
            u8_add(s, c, c->seq, c->slen, c->soff);
          else if (c->chars)
            finish_run(s, c);
          c->slen = 0;
        }
        continue;
      }
      c->need = 0;
      c->slen = 0;
      if (c->chars)
        finish_run(s, c);
    }
    if (b < 0x80) {
      if (s->graphic7[b]) {
        /* A run of ASCII characters at once. */
        size_t j = i;
        while (j < n && s->graphic7[p[j]])
          j++;
        if (c->chars == 0)
          c->start = base + i;
        while (i < j) {
          size_t k = j - i, room = c->limit - 3 - c->blen;
          if (k > room)
            k = room;
          memcpy(c->buf + c->blen, p + i, k);
          c->blen += k;
          c->chars += k;
          c->pchars += k;
          i += k;
          if (c->blen + 4 > c->limit) {
            s->at = base + i - 1;
            full(s, c);
            if (c->chars == 0 && i < j)
              c->start = base + i;
          }
        }
        i--;
      } else if (c->chars) {
        c->eol = b == '\n' || b == '\r';
        finish_run(s, c);
      }
    } else if (b >= 0xc2 && b <= 0xf4) {
      c->seq[0] = b;
      c->slen = 1;
      c->soff = base + i;
      c->need = b < 0xe0 ? 1u : b < 0xf0 ? 2u : 3u;
      c->cp = b & (b < 0xe0 ? 0x1fu : b < 0xf0 ? 0x0fu : 0x07u);
    } else if (c->chars) {
      finish_run(s, c);
    }
  }
}

/* ---- Japanese encodings ---- */

enum { JM_ASCII, JM_JIS, JM_KANA, JM_JIS212 };

static uint32_t utf8_cp(const uint8_t *p, size_t n)
{
  if (n == 1)
    return p[0];
  if (n == 2)
    return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
  if (n == 3)
    return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
           (p[2] & 0x3f);
  return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
         (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

/* The rule that keeps random bytes out (measured in docs/art-strings.1):
 * four full-width characters in a row (kana, kanji, ideographic
 * punctuation, full-width forms), two of them kana or punctuation, as
 * Japanese sentences have and random bytes or machine code rarely do.
 * Half-width katakana, frequent in random CP932, do not count. */
static int looks_japanese(const ja_seg *g)
{
  return g->ok;
}

/* One decoded character into the rule's counts. */
static void ja_count(ja_seg *g, uint32_t cp)
{
  int kp = 0, wide = 1;
  if ((cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30a1 && cp <= 0x30fa) ||
      cp == 0x30fc) {
    g->kana++;
    kp = 1;
  } else if ((cp >= 0x3000 && cp <= 0x303f) || cp == 0x30fb ||
             (cp >= 0xff01 && cp <= 0xff60)) {
    g->punct++;
    kp = 1;
  } else if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf)) {
    g->kanji++;
  } else {
    wide = 0;
  }
  if (cp >= 0x80)
    g->nonascii++;
  if (!wide) {
    g->stretch = g->stretch_kp = 0;
    return;
  }
  g->stretch++;
  g->stretch_kp += (size_t)kp;
  if (g->stretch >= 4 && g->stretch_kp >= 2)
    g->ok = 1;
}

static void ja_seg_end(art_strings *s, scan *c, ja_seg *g)
{
  if (g->open && c->chars >= s->opts.min_len && g->nonascii &&
      looks_japanese(g)) {
    c->start = g->first;
    deliver(s, c, 0);
    c->count++;
  }
  run_clear(c);
  c->blen = 0;
  memset(g, 0, sizeof *g);
}

/* Convert the run kept in c->raw to UTF-8 and deliver the parts that pass
 * the rule; a character iconv refuses splits the run. */
static void ja_convert(art_strings *s, scan *c)
{
  ja_seg g = {0};
  int mode = c->mode0;
  size_t i = 0;
  run_clear(c);
  while (i < c->rlen) {
    const uint8_t *r = c->raw + i;
    uint8_t in[4];
    size_t inl = 0, step = 1;
    int ascii = 0;
    if (c->enc == ART_STR_ISO2022JP) {
      if (r[0] == 0x1b) {
        /* The escape sequences in the run are whole (feed_ja saw them). */
        size_t el = i + 2 < c->rlen && r[1] == '$' && r[2] == '(' ? 4 : 3;
        uint8_t f = r[el - 1];
        mode = r[1] == '(' ? (f == 'I' ? JM_KANA : JM_ASCII)
               : el == 4   ? JM_JIS212
                           : JM_JIS;
        i += el;
        continue;
      }
      if (mode == JM_ASCII) {
        in[inl++] = r[0];
        ascii = 1;
      } else if (mode == JM_KANA) {
        in[inl++] = (uint8_t)(r[0] | 0x80);
      } else {
        uint8_t j1 = r[0], j2 = r[1];
        step = 2;
        if (mode == JM_JIS212) {
          in[inl++] = 0; /* not in CP932: refused below */
        } else {
          /* JIS X 0208 row/cell to Shift_JIS, the arithmetic every
           * converter uses; CP932 then has NEC row 13 and the IBM rows. */
          in[inl++] = (uint8_t)(((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0));
          in[inl++] =
              (uint8_t)(j2 + ((j1 & 1) ? (j2 >= 0x60 ? 0x20 : 0x1f) : 0x7e));
        }
      }
    } else if (c->enc == ART_STR_CP932) {
      step = sjis_lead(r[0]) ? 2 : 1;
      memcpy(in, r, step);
      inl = step;
      ascii = r[0] < 0x80;
    } else {
      step = r[0] == 0x8f ? 3 : r[0] >= 0x80 ? 2 : 1;
      memcpy(in, r, step);
      inl = step;
      ascii = r[0] < 0x80;
    }
    uint64_t off = c->rstart + i;
    if (!g.open) {
      g.open = 1;
      g.first = off;
    }
    uint64_t rel = off - g.first;
    /* Anchor where the text stops following the input byte for byte. */
    uint64_t expect = c->nanch ? c->anch[c->nanch - 1].rel +
                                     (c->blen - c->anch[c->nanch - 1].pos)
                               : c->blen;
    if (expect != rel)
      anchor(s, c, rel);
    if (ascii) {
      c->buf[c->blen++] = (char)in[0];
      ja_count(&g, in[0]);
    } else {
      char *ip = (char *)in, *op = c->buf + c->blen;
      size_t il = inl, ol = 8;
      iconv(c->cd, NULL, NULL, NULL, NULL);
      if (in[0] == 0 || iconv(c->cd, &ip, &il, &op, &ol) == (size_t)-1 || il) {
        /* Not a character of the encoding: the run ends before it. */
        s->at = off;
        ja_seg_end(s, c, &g);
        i += step;
        continue;
      }
      size_t ul = (size_t)(op - (c->buf + c->blen));
      uint32_t cp = utf8_cp((const uint8_t *)c->buf + c->blen, ul);
      c->blen += ul;
      ja_count(&g, cp);
    }
    c->chars++;
    c->pchars++;
    i += step;
  }
  ja_seg_end(s, c, &g);
}

/* End of a Japanese run (at the byte being looked at). */
static void ja_end(art_strings *s, scan *c)
{
  if (c->rchars >= s->opts.min_len && c->rnonascii >= 2)
    ja_convert(s, c);
  c->rlen = c->rchars = c->rnonascii = 0;
}

static void ja_add(art_strings *s,
                   scan *c,
                   const uint8_t *b,
                   unsigned n,
                   uint64_t off,
                   unsigned chars,
                   int nonascii,
                   int mode_before)
{
  if (c->rlen + n + 4 > c->limit / 2) {
    s->at = off;
    ja_end(s, c);
  }
  if (!c->rlen) {
    c->rstart = off;
    c->mode0 = mode_before;
  }
  memcpy(c->raw + c->rlen, b, n);
  c->rlen += n;
  c->rchars += chars;
  c->rnonascii += nonascii ? 1u : 0u;
}

/* Kept out of line: each scanner's loop compiles best on its own. */
__attribute__((noinline)) static void
feed_ja(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  const uint8_t *g = s->graphic7;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = p[i];
    if (c->enc == ART_STR_CP932) {
      if (c->lead) {
        uint8_t pair[2] = {c->lead, b};
        c->lead = 0;
        if (sjis_trail(b)) {
          ja_add(s, c, pair, 2, c->leadoff, 1, 1, 0);
          continue;
        }
        s->at = base + i;
        ja_end(s, c);
      }
      if (g[b])
        ja_add(s, c, &b, 1, base + i, 1, 0, 0);
      else if (b >= 0xa1 && b <= 0xdf)
        ja_add(s, c, &b, 1, base + i, 1, 1, 0);
      else if (sjis_lead(b) && !(b >= 0xf0 && b <= 0xf9)) {
        c->lead = b;
        c->leadoff = base + i;
      } else if (c->rlen) {
        s->at = base + i;
        ja_end(s, c);
      }
    } else if (c->enc == ART_STR_EUCJP) {
      if (c->lead) {
        int ok =
            c->lead == 0x8e ? b >= 0xa1 && b <= 0xdf : b >= 0xa1 && b <= 0xfe;
        if (ok && c->lead == 0x8f && !c->lead2) {
          c->lead2 = b;
          continue;
        }
        uint8_t ch[3] = {c->lead, c->lead2 ? c->lead2 : b, b};
        unsigned cl = c->lead2 ? 3 : 2;
        c->lead = c->lead2 = 0;
        if (ok) {
          ja_add(s, c, ch, cl, c->leadoff, 1, 1, 0);
          continue;
        }
        s->at = base + i;
        ja_end(s, c);
      }
      if (g[b])
        ja_add(s, c, &b, 1, base + i, 1, 0, 0);
      else if ((b >= 0xa1 && b <= 0xfe) || b == 0x8e || b == 0x8f) {
        c->lead = b;
        c->leadoff = base + i;
      } else if (c->rlen) {
        s->at = base + i;
        ja_end(s, c);
      }
    } else {
      /* ISO-2022-JP: escape sequences switch the mode; they belong to the
       * run but are not characters. */
      if (c->nesc) {
        c->esc[c->nesc++] = b;
        int done = 0, mode = c->mode;
        if (c->nesc == 2) {
          if (b != '(' && b != '$')
            done = -1;
        } else if (c->nesc == 3) {
          if (c->esc[1] == '(')
            done = b == 'B' || b == 'J' || b == 'H' ? (mode = JM_ASCII, 1)
                   : b == 'I'                       ? (mode = JM_KANA, 1)
                                                    : -1;
          else if (b == '@' || b == 'B')
            done = (mode = JM_JIS, 1);
          else if (b != '(')
            done = -1;
        } else {
          done = b == 'D' ? (mode = JM_JIS212, 1) : -1;
        }
        if (done > 0) {
          ja_add(s, c, c->esc, c->nesc, c->leadoff, 0, 0, c->mode);
          c->mode = mode;
          c->nesc = 0;
        } else if (done < 0) {
          c->nesc = 0;
          c->mode = JM_ASCII;
          s->at = base + i;
          ja_end(s, c);
        }
        continue;
      }
      if (b == 0x1b) {
        c->lead = 0;
        c->nesc = 1;
        c->esc[0] = b;
        c->leadoff = base + i;
        continue;
      }
      if (c->mode == JM_ASCII) {
        if (g[b]) {
          ja_add(s, c, &b, 1, base + i, 1, 0, c->mode);
          continue;
        }
      } else if (c->mode == JM_KANA) {
        if (b >= 0x21 && b <= 0x5f) {
          ja_add(s, c, &b, 1, base + i, 1, 1, c->mode);
          continue;
        }
      } else if (b >= 0x21 && b <= 0x7e) {
        if (!c->lead) {
          c->lead = b;
          c->leadoff = base + i;
          continue;
        }
        uint8_t pair[2] = {c->lead, b};
        c->lead = 0;
        ja_add(s, c, pair, 2, c->leadoff, 1, 1, c->mode);
        continue;
      }
      c->lead = 0;
      if (b == '\n' || b == '\r')
        c->mode = JM_ASCII; /* lines end in ASCII (RFC 1468) */
      if (c->rlen) {
        s->at = base + i;
        ja_end(s, c);
      }
    }
  }
}

/* Characters of Japanese text in UTF-16: kana, CJK punctuation, kanji,
 * full-width and half-width forms. */
static int ja16_char(uint32_t u)
{
  return (u >= 0x3000 && u <= 0x30ff) || (u >= 0x3400 && u <= 0x4dbf) ||
         (u >= 0x4e00 && u <= 0x9fff) || (u >= 0xff01 && u <= 0xff9f);
}

static void ja16_end(art_strings *s, scan *c, ja_seg *g)
{
  if (c->chars >= s->opts.min_len &&
      (!g->nonascii || looks_japanese(g) || c->cont)) {
    deliver(s, c, 0);
    c->count++;
  } else if (g->nonascii && c->chars >= s->opts.min_len) {
    /* Not Japanese text: its ASCII parts are strings as GNU strings
     * would find them. */
    size_t len = c->blen, na = c->nanch;
    char *tmp = malloc(len + 1);
    art_str_anchor *an = malloc((na ? na : 1) * sizeof(*an));
    if (!tmp || !an) {
      s->nomem = 1;
    } else {
      memcpy(tmp, c->buf, len);
      if (na)
        memcpy(an, c->anch, na * sizeof(*an));
      art_string map = {.encoding = c->enc,
                        .piece_offset = c->start + c->consumed,
                        .anchors = an,
                        .nanchors = na};
      for (size_t i = 0; i < len;) {
        if ((unsigned char)tmp[i] >= 0x80) {
          i++;
          continue;
        }
        size_t a0 = i;
        while (i < len && (unsigned char)tmp[i] < 0x80)
          i++;
        if (i - a0 < s->opts.min_len)
          continue;
        uint64_t off = art_string_offset(&map, a0);
        run_clear(c);
        c->dirty = 1;
        c->nanch = 0;
        memcpy(c->buf, tmp + a0, i - a0);
        c->blen = c->chars = c->pchars = i - a0;
        c->start = off;
        deliver(s, c, 0);
        c->count++;
      }
    }
    free(tmp);
    free(an);
  }
  run_clear(c);
  c->dirty = 1;
  run_clear(c);
  memset(g, 0, sizeof *g);
}

/* indicators with Japanese: UTF-16LE units of ASCII or Japanese text, as
 * UTF-8, stepping as GNU strings does after a unit that is not one. */
/* Kept out of line: each scanner's loop compiles best on its own. */
__attribute__((noinline)) static void
feed_u16ja(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  ja_seg *g = &c->seg16;
  for (size_t i = 0; i < n; i++) {
    if (!c->ufill) {
      c->unit[0] = p[i];
      c->uoff = base + i;
      c->ufill = 1;
      continue;
    }
    uint32_t u = c->unit[0] | (uint32_t)p[i] << 8;
    c->ufill = 0;
    int ascii = u < 0x80 && s->graphic7[u];
    if (!ascii && !ja16_char(u)) {
      if (c->chars) {
        s->at = base + i;
        ja16_end(s, c, g);
      }
      c->unit[0] = p[i];
      c->uoff = base + i;
      c->ufill = 1;
      continue;
    }
    if (!c->chars)
      c->start = c->uoff;
    uint64_t rel = c->uoff - c->start - c->consumed;
    uint64_t expect = c->nanch ? c->anch[c->nanch - 1].rel +
                                     2u * (c->blen - c->anch[c->nanch - 1].pos)
                               : 2u * c->blen;
    if (expect != rel)
      anchor(s, c, rel);
    if (ascii) {
      c->buf[c->blen++] = (char)u;
    } else {
      c->buf[c->blen++] = (char)(0xe0 | (u >> 12));
      c->buf[c->blen++] = (char)(0x80 | ((u >> 6) & 0x3f));
      c->buf[c->blen++] = (char)(0x80 | (u & 0x3f));
    }
    ja_count(g, u);
    c->chars++;
    c->pchars++;
    if (c->blen + 4 > c->limit) {
      s->at = base + i;
      deliver(s, c, 1);
    }
  }
}

static void
feed_enc(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base);

/* The last bytes fed, for the runs that start in the next block. */
static void keep_tail(art_strings *s, const uint8_t *p, size_t n)
{
  const unsigned cap = sizeof s->prevtail;
  if (!s->opts.indicators)
    return;
  if (n >= cap) {
    memcpy(s->prevtail, p + n - cap, cap);
    s->nprevtail = cap;
    return;
  }
  unsigned keep = s->nprevtail + n > cap ? cap - (unsigned)n : s->nprevtail;
  memmove(s->prevtail, s->prevtail + s->nprevtail - keep, keep);
  memcpy(s->prevtail + keep, p, n);
  s->nprevtail = keep + (unsigned)n;
}

static void
feed(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  s->blk = p;
  s->blk_base = base;
  feed_enc(s, c, p, n, base);
  /* A run still open: keep what precedes it while the block is here. */
  if (s->opts.indicators && c->chars &&
      (c->enc == ART_STR_ASCII || c->enc == ART_STR_UTF8))
    capture_at(s, c);
  s->blk = NULL;
}

static void
feed_enc(art_strings *s, scan *c, const uint8_t *p, size_t n, uint64_t base)
{
  if (is_japanese(c->enc))
    feed_ja(s, c, p, n, base);
  else if (c->enc == ART_STR_UTF16LE && s->ja16)
    feed_u16ja(s, c, p, n, base);
  else if (c->nb == 1)
    feed_bytes(s, c, p, n, base);
  else if (c->nb == 0)
    feed_utf8(s, c, p, n, base);
  else
    feed_units(s, c, p, n, base);
}

art_status
art_strings_update(art_ctx *ctx, art_strings *s, const void *data, size_t len)
{
  (void)ctx;
  if (!s || (!data && len))
    return ART_ERR_INVALID_ARG;
  const uint8_t *p = data;
  if (s->nscan == 1) {
    feed(s, &s->sc[0], p, len, s->pos);
    keep_tail(s, p, len);
    s->pos += len;
  } else {
    /* Each scanner over a sub-block, then the strings in the order they
     * end, so the output does not depend on the block boundaries. */
    for (size_t off = 0; off < len && !s->stopped && !s->nomem;) {
      size_t n = len - off < SUB_BLOCK ? len - off : SUB_BLOCK;
      for (unsigned k = 0; k < s->nscan; k++)
        feed(s, &s->sc[k], p + off, n, s->pos);
      flush_pending(s);
      keep_tail(s, p + off, n);
      off += n;
      s->pos += n;
    }
  }
  if (s->nomem) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  return s->stopped ? ART_ERR_LIMIT : ART_OK;
}

art_status art_strings_final(art_ctx *ctx, art_strings *s)
{
  (void)ctx;
  if (!s)
    return ART_ERR_INVALID_ARG;
  s->at = s->pos;
  for (unsigned k = 0; k < s->nscan; k++) {
    scan *c = &s->sc[k];
    if (c->enc == ART_STR_UTF16LE && s->ja16) {
      if (c->chars)
        ja16_end(s, c, &c->seg16);
      c->ufill = 0;
      continue;
    }
    if (is_japanese(c->enc)) {
      ja_end(s, c);
      c->lead = c->lead2 = 0;
      c->nesc = 0;
      c->mode = JM_ASCII;
      continue;
    }
    if (c->chars)
      end_run(s, c);
    c->need = c->slen = c->ufill = 0;
  }
  flush_pending(s);
  return s->nomem ? ART_ERR_NOMEM : ART_OK;
}

uint64_t art_strings_count(const art_strings *s, art_str_enc enc)
{
  if (!s)
    return 0;
  for (unsigned k = 0; k < s->nscan; k++)
    if (s->sc[k].enc == enc)
      return s->sc[k].count;
  return 0;
}

static art_status c_begin(void *state, int size_known, uint64_t size)
{
  (void)size_known;
  (void)size;
  art_strings_reset(state);
  return ART_OK;
}

static art_status
c_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  (void)offset;
  return art_strings_update(NULL, state, data, len);
}

static art_status c_finish(void *state, art_status read_status)
{
  art_strings_final(NULL, state);
  return read_status;
}

static const art_consumer strings_consumer = {
    .name = "strings",
    .cost = 3.0,
    .begin = c_begin,
    .update = c_update,
    .finish = c_finish,
};

art_status art_strings_attach(art_ctx *ctx, art_strings *s, art_reader *reader)
{
  (void)ctx;
  if (!s || !reader)
    return ART_ERR_INVALID_ARG;
  art_strings_reset(s);
  return art_reader_add(reader, &strings_consumer, s);
}

/* ---- Summary ---- */

typedef struct kept {
  uint64_t offset;
  art_str_enc enc;
  art_ioc_class cls;
  char *value, *original, *ascii, *unicode;
  int defanged;
} kept;

struct art_strings_summary {
  art_strings_summary_opts opts;
  art_strings *st;
  art_str_iocs *iocs_scan;
  uint64_t ioc_total;
  kept *iocs;
  size_t niocs;
  int truncated;
  int nomem;
};

static char *cut_utf8(const char *v, size_t max)
{
  size_t n = strlen(v);
  if (n > max)
    n = max;
  /* Not inside a character. */
  while (n > 0 && n < strlen(v) && ((unsigned char)v[n] & 0xc0) == 0x80)
    n--;
  return strndup(v, n);
}

static int summary_ioc(const art_str_ioc *ioc, void *userdata)
{
  art_strings_summary *sum = userdata;
  sum->ioc_total++;
  size_t vl = strlen(ioc->value);
  if (vl > sum->opts.max_ioc_len)
    vl = sum->opts.max_ioc_len;
  for (size_t k = 0; k < sum->niocs; k++)
    if (sum->iocs[k].cls == ioc->cls &&
        strncmp(sum->iocs[k].value, ioc->value, vl) == 0 &&
        sum->iocs[k].value[vl] == '\0')
      return 0;
  if (sum->niocs >= sum->opts.max_iocs) {
    sum->truncated = 1;
    return 0;
  }
  kept *kp = &sum->iocs[sum->niocs];
  memset(kp, 0, sizeof(*kp));
  kp->value = cut_utf8(ioc->value, sum->opts.max_ioc_len);
  kp->original =
      ioc->original ? cut_utf8(ioc->original, sum->opts.max_ioc_len) : NULL;
  kp->ascii = ioc->ascii ? strdup(ioc->ascii) : NULL;
  kp->unicode = ioc->unicode ? strdup(ioc->unicode) : NULL;
  if (!kp->value || (ioc->original && !kp->original) ||
      (ioc->ascii && !kp->ascii) || (ioc->unicode && !kp->unicode)) {
    free(kp->value);
    free(kp->original);
    free(kp->ascii);
    free(kp->unicode);
    sum->nomem = 1;
    return 1;
  }
  kp->offset = ioc->offset;
  kp->enc = ioc->encoding;
  kp->cls = ioc->cls;
  kp->defanged = ioc->defanged;
  sum->niocs++;
  return 0;
}

static int summary_cb(const art_string *str, void *userdata)
{
  art_strings_summary *sum = userdata;
  art_str_iocs_string(sum->iocs_scan, str);
  return sum->nomem;
}

/* ISO-8859-1 (or ASCII) bytes to UTF-8; UTF-8 text is copied. */
static char *to_utf8(const char *t, size_t len, art_str_enc enc)
{
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    n += (!text_utf8(enc) && (uint8_t)t[i] >= 0x80) ? 2 : 1;
  char *o = malloc(n + 1);
  if (!o)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t b = (uint8_t)t[i];
    if (!text_utf8(enc) && b >= 0x80) {
      o[k++] = (char)(0xc0 | (b >> 6));
      o[k++] = (char)(0x80 | (b & 0x3f));
    } else {
      o[k++] = (char)b;
    }
  }
  o[k] = '\0';
  return o;
}

void art_strings_summary_reset(art_strings_summary *sum)
{
  if (!sum)
    return;
  art_strings_reset(sum->st);
  art_str_iocs_reset(sum->iocs_scan);
  for (size_t k = 0; k < sum->niocs; k++) {
    free(sum->iocs[k].value);
    free(sum->iocs[k].original);
    free(sum->iocs[k].ascii);
    free(sum->iocs[k].unicode);
  }
  sum->niocs = 0;
  sum->ioc_total = 0;
  sum->truncated = 0;
  sum->nomem = 0;
}

void art_strings_summary_free(art_strings_summary *sum)
{
  if (!sum)
    return;
  art_strings_summary_reset(sum);
  art_strings_free(sum->st);
  art_str_iocs_free(sum->iocs_scan);
  free(sum->iocs);
  free(sum);
}

art_status art_strings_summary_new(art_ctx *ctx,
                                   const art_strings_summary_opts *opts,
                                   art_strings_summary **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  art_strings_summary *sum = calloc(1, sizeof(*sum));
  if (!sum) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  if (opts)
    sum->opts = *opts;
  /* ASCII and UTF-16LE by default, as FLOSS extracts: the UTF-8 pass
   * about doubles the cost of a surface record; it is opt-in. */
  if (!sum->opts.encodings)
    sum->opts.encodings =
        ART_STR_MASK(ART_STR_ASCII) | ART_STR_MASK(ART_STR_UTF16LE);
  if (!sum->opts.min_len)
    sum->opts.min_len = DEFAULT_MIN;
  if (!sum->opts.max_iocs)
    sum->opts.max_iocs = 100;
  if (!sum->opts.max_ioc_len)
    sum->opts.max_ioc_len = 1024;
  art_strings_opts so = {.encodings = sum->opts.encodings,
                         .min_len = sum->opts.min_len,
                         .indicators = 1};
  art_status st = art_strings_new(ctx, &so, summary_cb, sum, &sum->st);
  if (st == ART_OK)
    st = art_str_iocs_new(ctx, summary_ioc, sum, &sum->iocs_scan);
  if (st == ART_OK) {
    sum->iocs = calloc(sum->opts.max_iocs, sizeof(*sum->iocs));
    if (!sum->iocs) {
      st = ART_ERR_NOMEM;
      if (ctx)
        art__set_error(ctx, st, 0, "strings: out of memory");
    }
  }
  if (st != ART_OK) {
    art_strings_summary_free(sum);
    return st;
  }
  *out = sum;
  return ART_OK;
}

art_status art_strings_summary_update(art_ctx *ctx,
                                      art_strings_summary *sum,
                                      const void *data,
                                      size_t len)
{
  if (!sum)
    return ART_ERR_INVALID_ARG;
  art_status st = art_strings_update(ctx, sum->st, data, len);
  if (sum->nomem) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  return st;
}

art_status art_strings_summary_final(art_ctx *ctx, art_strings_summary *sum)
{
  if (!sum)
    return ART_ERR_INVALID_ARG;
  art_strings_final(ctx, sum->st);
  art_str_iocs_final(sum->iocs_scan);
  if (sum->nomem) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  return ART_OK;
}

static art_status s_begin(void *state, int size_known, uint64_t size)
{
  (void)size_known;
  (void)size;
  art_strings_summary_reset(state);
  return ART_OK;
}

static art_status
s_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  (void)offset;
  return art_strings_summary_update(NULL, state, data, len);
}

static art_status s_finish(void *state, art_status read_status)
{
  art_status st = art_strings_summary_final(NULL, state);
  return st != ART_OK ? st : read_status;
}

static const art_consumer summary_consumer = {
    .name = "strings-summary",
    .cost = 4.0,
    .begin = s_begin,
    .update = s_update,
    .finish = s_finish,
};

art_status art_strings_summary_attach(art_ctx *ctx,
                                      art_strings_summary *sum,
                                      art_reader *reader)
{
  (void)ctx;
  if (!sum || !reader)
    return ART_ERR_INVALID_ARG;
  art_strings_summary_reset(sum);
  return art_reader_add(reader, &summary_consumer, sum);
}

uint64_t art_strings_summary_count(const art_strings_summary *sum,
                                   art_str_enc enc)
{
  return sum ? art_strings_count(sum->st, enc) : 0;
}

uint64_t art_strings_summary_ioc_total(const art_strings_summary *sum)
{
  return sum ? sum->ioc_total : 0;
}

size_t art_strings_summary_ioc_count(const art_strings_summary *sum,
                                     int *truncated)
{
  if (truncated)
    *truncated = sum ? sum->truncated : 0;
  return sum ? sum->niocs : 0;
}

art_status art_strings_summary_ioc(const art_strings_summary *sum,
                                   size_t index,
                                   art_strings_ioc *ioc)
{
  if (!sum || !ioc)
    return ART_ERR_INVALID_ARG;
  if (index >= sum->niocs)
    return ART_ERR_NOT_FOUND;
  const kept *k = &sum->iocs[index];
  ioc->offset = k->offset;
  ioc->encoding = k->enc;
  ioc->cls = art_ioc_class_name(k->cls);
  ioc->value = k->value;
  return ART_OK;
}

art_status art_strings_summary_json(art_ctx *ctx,
                                    const art_strings_summary *sum,
                                    char **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  if (!sum)
    return ART_ERR_INVALID_ARG;
  json_t *o = json_object(), *encs = json_array(), *cnt = json_object(),
         *arr = json_array();
  int bad = !o || !encs || !cnt || !arr;
  for (unsigned e = 0; e < ART_STR_ENC_COUNT_ && !bad; e++) {
    if (!(sum->opts.encodings & ART_STR_MASK(e)))
      continue;
    bad |= json_array_append_new(encs, json_string(enc_names[e]));
    bad |= json_object_set_new(
        cnt, enc_names[e],
        json_integer((json_int_t)art_strings_count(sum->st, (art_str_enc)e)));
  }
  for (size_t k = 0; k < sum->niocs && !bad; k++) {
    const kept *kp = &sum->iocs[k];
    json_t *v = json_string(kp->value);
    if (!v) /* not valid UTF-8 after a cut: keep what is */
      v = json_string("");
    json_t *io = json_pack(
        "{s:I,s:s,s:s,s:o}", "offset", (json_int_t)kp->offset, "encoding",
        enc_names[kp->enc], "class", art_ioc_class_name(kp->cls), "value", v);
    bad |= !io;
    if (io && kp->original)
      bad |= json_object_set_new(io, "original", json_string(kp->original));
    if (io && kp->ascii)
      bad |= json_object_set_new(io, "ascii", json_string(kp->ascii));
    if (io && kp->unicode)
      bad |= json_object_set_new(io, "unicode", json_string(kp->unicode));
    if (io && kp->defanged)
      bad |= json_object_set_new(io, "defanged", json_true());
    bad |= json_array_append_new(arr, io);
  }
  if (!bad) {
    bad |= json_object_set_new(o, "min_len",
                               json_integer((json_int_t)sum->opts.min_len));
    bad |= json_object_set(o, "encodings", encs);
    bad |= json_object_set(o, "count", cnt);
    bad |= json_object_set_new(o, "ioc_total",
                               json_integer((json_int_t)sum->ioc_total));
    bad |= json_object_set_new(o, "truncated", json_boolean(sum->truncated));
    bad |= json_object_set(o, "iocs", arr);
  }
  char *txt = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(encs);
  json_decref(cnt);
  json_decref(arr);
  json_decref(o);
  if (!txt) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  /* jansson allocates with malloc, which art_free releases. */
  *out = txt;
  return ART_OK;
}

art_status art_strings_json_record(art_ctx *ctx,
                                   const char *path,
                                   uint64_t offset,
                                   art_str_enc enc,
                                   const char *cls,
                                   const char *text,
                                   size_t len,
                                   int truncated,
                                   char **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  if ((unsigned)enc >= ART_STR_ENC_COUNT_ || (!text && len))
    return ART_ERR_INVALID_ARG;
  char *val = to_utf8(text ? text : "", len, enc);
  char *lossy = val && text_utf8(enc) && !art__utf8_valid(val)
                    ? art__utf8_lossy(val)
                    : NULL;
  char *p = path ? art__utf8_lossy(path) : NULL;
  json_t *o = json_object();
  int bad = !val || !o || (path && !p);
  if (!bad) {
    bad |= json_object_set_new(o, "schema", json_string("artifact.strings/1"));
    if (p)
      bad |= json_object_set_new(o, "path", json_string(p));
    bad |= json_object_set_new(o, "offset", json_integer((json_int_t)offset));
    bad |= json_object_set_new(o, "encoding", json_string(enc_names[enc]));
    if (cls)
      bad |= json_object_set_new(o, "class", json_string(cls));
    bad |= json_object_set_new(o, "value", json_string(lossy ? lossy : val));
    if (truncated)
      bad |= json_object_set_new(o, "truncated", json_true());
  }
  char *txt = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(o);
  free(val);
  free(lossy);
  free(p);
  if (!txt) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  *out = txt;
  return ART_OK;
}
