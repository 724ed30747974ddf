/* Indicators of strings: normalised (NFKC of full-width forms) and
 * refanged views of each string, classified by art_ioc_find() and mapped
 * back to input offsets; IDN names in both forms; base64 bodies held back.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/strings.h>

#include <idn2.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>

#include "ctx_private.h"
#include "text_private.h"

#define MAX_FOUND 64
/* A run is at most 64 KiB of text (128 KiB of UTF-16): an indicator this
 * far behind the strings being read is final. */
#define SETTLE    (256u * 1024u)
#define MAX_QUEUE 4096

/* A copy of one indicator, held while we learn whether its line starts a
 * base64 body. */
typedef struct held_ioc {
  art_str_ioc ioc;
  char *value, *original, *ascii, *unicode;
  uint64_t end; /* input offset after its last byte */
} held_ioc;

typedef struct enc_state {
  held_ioc *held;
  size_t nheld, cap_held;
  uint64_t line_end; /* input offset after the last base64 line, or 0 */
} enc_state;

struct art_str_iocs {
  art_str_ioc_cb cb;
  void *userdata;
  const UNormalizer2 *nfkc;
  enc_state st[ART_STR_ENC_COUNT_];
  /* the view of the current string */
  char *v;
  uint32_t *map;
  uint8_t *mark; /* 1: refanged, 2: normalised */
  size_t vcap;
  char *tmp;
  size_t tmpcap;
  int stopped;
  /* Indicators wait here until no string still to come can hold the same
   * bytes: the same text read in two encodings (ASCII and CP932, or the
   * ASCII half of a full-width address) gives one indicator, the fullest. */
  held_ioc *q;
  uint64_t *qend;
  size_t nq, capq;
};

enum { M_REFANG = 1, M_NFKC = 2 };

art_status art_str_iocs_new(art_ctx *ctx,
                            art_str_ioc_cb cb,
                            void *userdata,
                            art_str_iocs **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  art_str_iocs *x = calloc(1, sizeof(*x));
  if (!x) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  UErrorCode err = U_ZERO_ERROR;
  x->nfkc = unorm2_getNFKCInstance(&err);
  if (U_FAILURE(err))
    x->nfkc = NULL; /* no ICU data: full-width forms stay as they are */
  x->cb = cb;
  x->userdata = userdata;
  *out = x;
  return ART_OK;
}

static void free_held(held_ioc *h);

static void held_clear(enc_state *e)
{
  for (size_t i = 0; i < e->nheld; i++)
    free_held(&e->held[i]);
  e->nheld = 0;
}

void art_str_iocs_reset(art_str_iocs *x)
{
  if (!x)
    return;
  for (unsigned e = 0; e < ART_STR_ENC_COUNT_; e++) {
    held_clear(&x->st[e]);
    x->st[e].line_end = 0;
  }
  for (size_t i = 0; i < x->nq; i++)
    free_held(&x->q[i]);
  x->nq = 0;
  x->stopped = 0;
}

void art_str_iocs_free(art_str_iocs *x)
{
  if (!x)
    return;
  art_str_iocs_reset(x);
  for (unsigned e = 0; e < ART_STR_ENC_COUNT_; e++)
    free(x->st[e].held);
  free(x->q);
  free(x->qend);
  free(x->v);
  free(x->map);
  free(x->mark);
  free(x->tmp);
  free(x);
}

/* Texts are UTF-8 (ASCII for the 16/32-bit encodings without Japanese),
 * but ISO-8859-1 for 8-bit strings. */
static int text_utf8(art_str_enc e)
{
  return e != ART_STR_8BIT;
}

static int grow(art_str_iocs *x, size_t n)
{
  if (n <= x->vcap)
    return 0;
  size_t cap = n + n / 2 + 64;
  char *v = realloc(x->v, cap);
  if (!v)
    return -1;
  x->v = v;
  uint32_t *m = realloc(x->map, (cap + 1) * sizeof(*m));
  if (!m)
    return -1;
  x->map = m;
  uint8_t *k = realloc(x->mark, cap);
  if (!k)
    return -1;
  x->mark = k;
  x->vcap = cap;
  return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* NFKC of one character of the full-width/half-width forms block or the
 * ideographic space, into O (at most 16 bytes); 0 when left alone. */
static size_t nfkc_char(const art_str_iocs *x, uint32_t cp, char *o)
{
  if (!x->nfkc || !(cp == 0x3000 || (cp >= 0xff01 && cp <= 0xff5e)))
    return 0;
  UChar src[1] = {(UChar)cp}, dst[8];
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = unorm2_normalize(x->nfkc, src, 1, dst, 8, &err);
  if (U_FAILURE(err) || n <= 0 || n > 4)
    return 0;
  size_t k = 0;
  for (int32_t i = 0; i < n; i++)
    k += put_utf8(o + k, dst[i]);
  return k;
}

static int ci_eq(const char *t, size_t n, const char *p)
{
  size_t l = strlen(p);
  if (l > n)
    return 0;
  for (size_t i = 0; i < l; i++) {
    char c = t[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    if (c != p[i])
      return 0;
  }
  return 1;
}

/* Defanged forms and what they stand for. */
static const char *const fangs[][2] = {
    {"[://]", "://"}, {"[.]", "."}, {"(.)", "."}, {"{.}", "."},  {"[dot]", "."},
    {"(dot)", "."},   {"[@]", "@"}, {"(@)", "@"}, {"[at]", "@"}, {"[:]", ":"}};

/* Build the view of TEXT: NFKC of full-width forms, then defanged forms
 * refanged; x->map[i] is the text position of view byte i. Returns the
 * view's length, or (size_t)-1 on no memory. */
static size_t make_view(art_str_iocs *x, const char *t, size_t n, int utf8)
{
  /* Pass 1: NFKC into tmp, with the map in x->map. */
  if (grow(x, 2 * n + 16))
    return (size_t)-1;
  if (x->tmpcap < 2 * n + 16) {
    char *tp = realloc(x->tmp, 2 * n + 16);
    if (!tp)
      return (size_t)-1;
    x->tmp = tp;
    x->tmpcap = 2 * n + 16;
  }
  uint32_t *m1 = malloc((2 * n + 17) * sizeof(*m1));
  uint8_t *k1 = malloc(2 * n + 16);
  if (!m1 || !k1) {
    free(m1);
    free(k1);
    return (size_t)-1;
  }
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)t[i];
    size_t l = 1;
    uint32_t cp = c;
    if (utf8 && c >= 0x80) {
      l = art__utf8_seq_len((const unsigned char *)t + i, n - i);
      if (!l) {
        l = 1;
      } else {
        cp = c & (l == 2 ? 0x1fu : l == 3 ? 0x0fu : 0x07u);
        for (size_t k = 1; k < l; k++)
          cp = cp << 6 | ((unsigned char)t[i + k] & 0x3fu);
      }
    }
    char o[16];
    size_t ol = l > 1 ? nfkc_char(x, cp, o) : 0;
    if (ol && ol <= l + 1) {
      for (size_t k = 0; k < ol; k++) {
        x->tmp[w] = o[k];
        m1[w] = (uint32_t)i;
        k1[w++] = M_NFKC;
      }
    } else {
      for (size_t k = 0; k < l; k++) {
        x->tmp[w] = t[i + k];
        m1[w] = (uint32_t)i;
        k1[w++] = 0;
      }
    }
    i += l;
  }
  m1[w] = (uint32_t)n;
  /* Pass 2: refang into the view. */
  size_t v = 0, tn = w;
  const char *s = x->tmp;
  for (size_t i = 0; i < tn;) {
    size_t used = 0;
    const char *rep = NULL;
    if (s[i] == '[' || s[i] == '(' || s[i] == '{') {
      for (size_t f = 0; f < sizeof(fangs) / sizeof(*fangs) && !rep; f++)
        if (ci_eq(s + i, tn - i, fangs[f][0])) {
          rep = fangs[f][1];
          used = strlen(fangs[f][0]);
        }
    } else if ((s[i] == 'h' || s[i] == 'H') && ci_eq(s + i, tn - i, "hxxp") &&
               (i == 0 ||
                !((s[i - 1] | 0x20) >= 'a' && (s[i - 1] | 0x20) <= 'z'))) {
      /* hxxp:// hxxps:// hxxp[:]// */
      size_t k = i + 4 + (i + 4 < tn && (s[i + 4] | 0x20) == 's');
      if (ci_eq(s + k, tn - k, "://") || ci_eq(s + k, tn - k, "[:]//") ||
          ci_eq(s + k, tn - k, "[://]")) {
        rep = (k - i == 5) ? "https" : "http";
        used = k - i;
      }
    }
    if (rep) {
      size_t rl = strlen(rep);
      for (size_t k = 0; k < rl; k++) {
        x->v[v] = rep[k];
        x->map[v] = m1[i + (k < used ? k : used - 1)];
        x->mark[v++] = (uint8_t)(M_REFANG | k1[i]);
      }
      i += used;
    } else {
      x->v[v] = s[i];
      x->map[v] = m1[i];
      x->mark[v++] = k1[i];
      i++;
    }
  }
  x->map[v] = m1[tn];
  free(m1);
  free(k1);
  return v;
}

/* Whether TEXT needs a view (full-width forms, defanged forms). */
static int needs_view(const char *t, size_t n, int utf8)
{
  const unsigned char *p = (const unsigned char *)t;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    if (c < '(' || (c > '(' && c < 'X') || (c > '[' && c < 'x' && c != '{'))
      continue;
    if (c == '[' || c == '(' || c == '{' || (utf8 && c >= 0xe3) ||
        ((c | 0x20) == 'x' && i + 1 < n && (p[i + 1] | 0x20) == 'x'))
      return 1;
  }
  return 0;
}

/* Where the host name is inside an indicator's value. */
static void host_span(art_ioc_class cls, const char *v, size_t *a, size_t *b)
{
  size_t n = strlen(v);
  *a = 0;
  *b = n;
  if (cls == ART_IOC_EMAIL) {
    const char *at = strrchr(v, '@');
    *a = at ? (size_t)(at - v) + 1 : n;
  } else if (cls == ART_IOC_URL) {
    const char *p = strstr(v, "://");
    size_t h = p ? (size_t)(p - v) + 3 : n, e = h;
    while (e < n && v[e] != '/' && v[e] != '?' && v[e] != '#')
      e++;
    const char *at = memchr(v + h, '@', e - h);
    if (at)
      h = (size_t)(at - v) + 1;
    size_t c = h;
    while (c < e && v[c] != ':')
      c++;
    *a = h;
    *b = c;
  }
}

/* VALUE with its host name replaced by its other form: to ASCII when
 * TO_ASCII, else to Unicode; NULL when there is nothing to convert. */
static char *idn_other(art_ioc_class cls, const char *value, int to_ascii)
{
  if (cls != ART_IOC_DOMAIN && cls != ART_IOC_URL && cls != ART_IOC_EMAIL)
    return NULL;
  size_t a, b;
  host_span(cls, value, &a, &b);
  if (b <= a || b - a > 253)
    return NULL;
  char host[256];
  memcpy(host, value + a, b - a);
  host[b - a] = '\0';
  char *conv = NULL;
  if (to_ascii) {
    uint8_t *o = NULL;
    if (idn2_lookup_u8((const uint8_t *)host, &o,
                       IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
      return NULL;
    conv = (char *)o;
  } else {
    if (!strstr(host, "xn--") && !strstr(host, "XN--"))
      return NULL;
    if (idn2_to_unicode_8z8z(host, &conv, 0) != IDN2_OK)
      return NULL;
  }
  if (strcmp(conv, host) == 0) {
    idn2_free(conv);
    return NULL;
  }
  size_t n = strlen(value), cl = strlen(conv);
  char *out = malloc(n - (b - a) + cl + 1);
  if (out) {
    memcpy(out, value, a);
    memcpy(out + a, conv, cl);
    memcpy(out + a + cl, value + b, n - b + 1);
  }
  idn2_free(conv);
  return out;
}

static void free_held(held_ioc *h)
{
  free(h->value);
  free(h->original);
  free(h->ascii);
  free(h->unicode);
}

static int copy_ioc(held_ioc *h, const art_str_ioc *ioc)
{
  h->ioc = *ioc;
  h->value = strdup(ioc->value);
  h->original = ioc->original ? strdup(ioc->original) : NULL;
  h->ascii = ioc->ascii ? strdup(ioc->ascii) : NULL;
  h->unicode = ioc->unicode ? strdup(ioc->unicode) : NULL;
  h->ioc.value = h->value;
  h->ioc.original = h->original;
  h->ioc.ascii = h->ascii;
  h->ioc.unicode = h->unicode;
  if (!h->value || (ioc->original && !h->original) ||
      (ioc->ascii && !h->ascii) || (ioc->unicode && !h->unicode)) {
    free_held(h);
    return -1;
  }
  return 0;
}

/* Deliver the first N queued indicators. */
static void flush_queue(art_str_iocs *x, size_t n)
{
  size_t i = 0;
  for (; i < n; i++) {
    if (!x->stopped && x->cb) {
      int r = x->cb(&x->q[i].ioc, x->userdata);
      if (r)
        x->stopped = r;
    }
    free_held(&x->q[i]);
  }
  if (n && x->nq > n) {
    memmove(x->q, x->q + n, (x->nq - n) * sizeof(*x->q));
    memmove(x->qend, x->qend + n, (x->nq - n) * sizeof(*x->qend));
  }
  x->nq -= n;
}

static int emit_end(art_str_iocs *x, const art_str_ioc *ioc, uint64_t end)
{
  if (x->stopped)
    return x->stopped;
  /* The same bytes read in another encoding: keep the fuller reading.
   * Such readings end close together, so the last ones queued suffice. */
  for (size_t i = x->nq > 64 ? x->nq - 64 : 0; i < x->nq; i++) {
    const art_str_ioc *y = &x->q[i].ioc;
    uint64_t ya = y->offset, yb = x->qend[i];
    if (y->encoding == ioc->encoding || yb <= ioc->offset || end <= ya)
      continue;
    if (ya <= ioc->offset && end <= yb)
      return 0; /* inside one already kept */
    if (ioc->offset <= ya && yb <= end) {
      free_held(&x->q[i]);
      memmove(x->q + i, x->q + i + 1, (x->nq - i - 1) * sizeof(*x->q));
      memmove(x->qend + i, x->qend + i + 1, (x->nq - i - 1) * sizeof(*x->qend));
      x->nq--;
      i--;
    }
  }
  if (x->nq == x->capq) {
    if (x->nq >= MAX_QUEUE) {
      flush_queue(x, x->nq / 2);
    } else {
      size_t cap = x->capq ? 2 * x->capq : 64;
      held_ioc *q = realloc(x->q, cap * sizeof(*q));
      if (!q)
        return 0;
      x->q = q;
      uint64_t *qe = realloc(x->qend, cap * sizeof(*qe));
      if (!qe)
        return 0;
      x->qend = qe;
      x->capq = cap;
    }
  }
  if (copy_ioc(&x->q[x->nq], ioc) == 0) {
    x->qend[x->nq] = end;
    x->nq++;
  }
  return x->stopped;
}

static int release(art_str_iocs *x, enc_state *e)
{
  for (size_t i = 0; i < e->nheld && !x->stopped; i++)
    emit_end(x, &e->held[i].ioc, e->held[i].end);
  held_clear(e);
  return x->stopped;
}

static int hold(enc_state *e, const art_str_ioc *ioc, uint64_t end)
{
  if (e->nheld == e->cap_held) {
    size_t cap = e->cap_held ? 2 * e->cap_held : 8;
    held_ioc *h = realloc(e->held, cap * sizeof(*h));
    if (!h)
      return -1;
    e->held = h;
    e->cap_held = cap;
  }
  if (copy_ioc(&e->held[e->nheld], ioc))
    return -1;
  e->held[e->nheld++].end = end;
  return 0;
}

/* A whole line of base64 alphabet, mixed case, long enough not to be a
 * digest: a line of a MIME or PEM body, or a base64 blob on its own. */
static int base64_line(const art_string *str)
{
  if (!(str->flags & ART_STR_BOL) || !(str->flags & ART_STR_EOL) ||
      (str->flags & (ART_STR_CONTINUED | ART_STR_MORE)) || str->len < 40)
    return 0;
  int up = 0, lo = 0;
  size_t i = 0;
  for (; i < str->len; i++) {
    char c = str->text[i];
    up |= c >= 'A' && c <= 'Z';
    lo |= c >= 'a' && c <= 'z';
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '+' || c == '/'))
      break;
  }
  while (i < str->len && str->text[i] == '=')
    i++;
  return i == str->len && up && lo;
}

int art_str_iocs_string(art_str_iocs *x, const art_string *str)
{
  if (!x || !str || x->stopped)
    return x ? x->stopped : 0;
  enc_state *e = &x->st[(unsigned)str->encoding % ART_STR_ENC_COUNT_];
  /* Strings come in the order they end: what ended long before is final. */
  if (x->nq) {
    uint64_t now = art_string_offset(str, str->len);
    size_t settled = 0;
    while (settled < x->nq && x->qend[settled] + SETTLE <= now)
      settled++;
    if (settled)
      flush_queue(x, settled);
  }
  int b64line = base64_line(str);
  if (b64line && e->line_end &&
      (str->offset == e->line_end + 1 || str->offset == e->line_end + 2)) {
    /* The next line of a base64 body: neither it nor the lines before it
     * are indicators. */
    held_clear(e);
    e->line_end = art_string_offset(str, str->len);
    return 0;
  }
  if (release(x, e))
    return x->stopped;
  e->line_end = b64line ? art_string_offset(str, str->len) : 0;
  int utf8 = text_utf8(str->encoding);
  const char *v = str->text;
  size_t vlen = str->len;
  int viewed = needs_view(str->text, str->len, utf8);
  if (viewed) {
    vlen = make_view(x, str->text, str->len, utf8);
    if (vlen == (size_t)-1)
      return 0;
    v = x->v;
  }
  art_ioc found[MAX_FOUND];
  size_t n = art_ioc_find(v, vlen, found, MAX_FOUND);
  if (n > MAX_FOUND)
    n = MAX_FOUND;
  for (size_t i = 0; i < n && !x->stopped; i++) {
    size_t vs = found[i].start, vl = found[i].len;
    size_t ts = viewed ? x->map[vs] : vs,
           te = viewed ? x->map[vs + vl] : vs + vl;
    /* A soft line break of quoted-printable text is not part of a URL. */
    if (te == str->len && (str->flags & ART_STR_EOL) && vl > 1 &&
        v[vs + vl - 1] == '=' && found[i].cls != ART_IOC_BASE64) {
      vl--;
      te = viewed ? x->map[vs + vl] : vs + vl;
    }
    int defanged = 0, changed = 0;
    if (viewed)
      for (size_t k = vs; k < vs + vl; k++) {
        defanged |= x->mark[k] & M_REFANG;
        changed |= x->mark[k] != 0;
      }
    char *value = NULL, *orig = NULL;
    if (utf8) {
      value = strndup(v + vs, vl);
      if (changed)
        orig = strndup(str->text + ts, te - ts);
    } else {
      /* ASCII or ISO-8859-1 text: as UTF-8. */
      value = malloc(2 * vl + 1);
      if (value) {
        size_t k = 0;
        for (size_t j = 0; j < vl; j++)
          k += put_utf8(value + k, (unsigned char)v[vs + j]);
        value[k] = '\0';
      }
      if (changed)
        orig = strndup(str->text + ts, te - ts);
    }
    if (!value) {
      free(orig);
      break;
    }
    if (!art__utf8_valid(value)) {
      char *l = art__utf8_lossy(value);
      free(value);
      value = l;
      if (!value) {
        free(orig);
        break;
      }
    }
    if (orig && !art__utf8_valid(orig)) {
      free(orig);
      orig = NULL;
    }
    int wide = 0;
    for (const char *p = value; *p && !wide; p++)
      wide = (unsigned char)*p >= 0x80;
    char *ascii = wide ? idn_other(found[i].cls, value, 1) : NULL;
    char *uni = wide ? NULL : idn_other(found[i].cls, value, 0);
    art_str_ioc ioc = {.offset = art_string_offset(str, ts),
                       .encoding = str->encoding,
                       .cls = found[i].cls,
                       .value = value,
                       .original = orig,
                       .ascii = ascii,
                       .unicode = uni,
                       .defanged = defanged != 0};
    uint64_t end = art_string_offset(str, te);
    if (b64line)
      hold(e, &ioc, end);
    else
      emit_end(x, &ioc, end);
    free(value);
    free(orig);
    idn2_free(ascii);
    free(uni);
  }
  return x->stopped;
}

int art_str_iocs_final(art_str_iocs *x)
{
  if (!x)
    return 0;
  for (unsigned e = 0; e < ART_STR_ENC_COUNT_ && !x->stopped; e++) {
    release(x, &x->st[e]);
    x->st[e].line_end = 0;
  }
  flush_queue(x, x->nq);
  return x->stopped;
}

art_status art_str_ioc_json(art_ctx *ctx,
                            const char *path,
                            const art_str_ioc *ioc,
                            char **out)
{
  if (!out || !ioc)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  char *p = path ? art__utf8_lossy(path) : NULL;
  json_t *o = json_object();
  int bad = !o || (path && !p);
  if (!bad) {
    bad |= json_object_set_new(o, "schema", json_string("artifact.strings/1"));
    if (p)
      bad |= json_object_set_new(o, "path", json_string(p));
    bad |=
        json_object_set_new(o, "offset", json_integer((json_int_t)ioc->offset));
    bad |= json_object_set_new(o, "encoding",
                               json_string(art_str_enc_name(ioc->encoding)));
    bad |= json_object_set_new(o, "class",
                               json_string(art_ioc_class_name(ioc->cls)));
    bad |= json_object_set_new(o, "value", json_string(ioc->value));
    if (ioc->original)
      bad |= json_object_set_new(o, "original", json_string(ioc->original));
    if (ioc->ascii)
      bad |= json_object_set_new(o, "ascii", json_string(ioc->ascii));
    if (ioc->unicode)
      bad |= json_object_set_new(o, "unicode", json_string(ioc->unicode));
    if (ioc->defanged)
      bad |= json_object_set_new(o, "defanged", json_true());
  }
  char *txt = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(o);
  free(p);
  if (!txt) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "strings: out of memory");
    return ART_ERR_NOMEM;
  }
  *out = txt;
  return ART_OK;
}
