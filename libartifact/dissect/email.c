/* E-mail dissector (RFC 5322/MIME through GMime 3, and mbox): decoded
 * headers, Received chain, authentication verdicts, links, mismatches,
 * indicators from the decoded bodies; attachments and bodies as children.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"
#include "text_private.h"

#define MAX_LIST   100   /* entries in each summary list */
#define MAX_PARTS  1000  /* MIME parts looked at in one message */
#define MAX_HEADER 65536 /* bytes of one header value decoded */

/* ---- growing byte buffers --------------------------------------------- */

typedef struct buf {
  char *p;
  size_t n, cap;
} buf;

static int buf_add(buf *b, const void *data, size_t len)
{
  if (b->n + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + len + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
      return -1;
    b->p = p;
    b->cap = cap;
  }
  if (len)
    memcpy(b->p + b->n, data, len);
  b->n += len;
  b->p[b->n] = '\0';
  return 0;
}

static int buf_addc(buf *b, char c)
{
  return buf_add(b, &c, 1);
}

/* ---- charsets ----------------------------------------------------------- */

/* Append the UTF-8 of bytes in iconv charset CS to OUT; a byte iconv
 * rejects becomes U+FFFD and conversion goes on after it. */
static int iconv_append(buf *out, const char *cs, const char *in, size_t len)
{
  iconv_t cd = iconv_open("UTF-8", cs);
  char tmp[1024];
  if (cd == (iconv_t)-1)
    return -1;
  char *ip = (char *)(uintptr_t)in;
  size_t il = len;
  while (il > 0) {
    char *op = tmp;
    size_t ol = sizeof tmp;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    buf_add(out, tmp, (size_t)(op - tmp));
    if (r == (size_t)-1) {
      if (errno == E2BIG)
        continue;
      /* EILSEQ or EINVAL (cut sequence): one byte is lost, shown. */
      buf_add(out, "\xef\xbf\xbd", 3);
      ip++;
      il--;
      iconv(cd, NULL, NULL, NULL, NULL);
    }
  }
  {
    char *op = tmp;
    size_t ol = sizeof tmp;
    iconv(cd, NULL, NULL, &op, &ol);
    buf_add(out, tmp, (size_t)(op - tmp));
  }
  iconv_close(cd);
  return 0;
}

/* ISO-2022-JP as Japanese mailers send it (Microsoft's CP50221: JIS X 0208
 * with the NEC row 13 and NEC-selected IBM extensions, JIS X 0201 Roman and
 * half-width katakana by escape, SO/SI or raw 8-bit bytes). glibc's
 * ISO-2022-JP refuses the extensions, so the text is turned into Shift_JIS
 * (the same code points arithmetically) and decoded as CP932, which has
 * them all. */
static void iso2022jp_append(buf *out, const char *in, size_t len)
{
  buf sj = {0};
  enum { ASCII, KANJI, KANA } mode = ASCII;
  int so = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c == 0x1b && i + 2 < len) {
      const char *e = in + i + 1;
      if (e[0] == '(' && (e[1] == 'B' || e[1] == 'J' || e[1] == 'H')) {
        mode = ASCII;
        i += 2;
        continue;
      }
      if (e[0] == '(' && e[1] == 'I') {
        mode = KANA;
        i += 2;
        continue;
      }
      if (e[0] == '$' && (e[1] == '@' || e[1] == 'B')) {
        mode = KANJI;
        i += 2;
        continue;
      }
      if (e[0] == '$' && e[1] == '(' && i + 3 < len) {
        /* JIS X 0212 / 0213: not in CP932; shown as replacement. */
        mode = KANJI;
        i += 3;
        continue;
      }
    }
    if (c == 0x0e) {
      so = 1;
      continue;
    }
    if (c == 0x0f) {
      so = 0;
      continue;
    }
    if (c == '\n' || c == '\r') {
      mode = ASCII;
      so = 0;
      buf_addc(&sj, (char)c);
      continue;
    }
    if ((mode == KANA || so) && c >= 0x21 && c <= 0x5f) {
      buf_addc(&sj, (char)(c + 0x80));
      continue;
    }
    if (mode == KANJI && c >= 0x21 && c <= 0x7e && i + 1 < len) {
      unsigned char c2 = (unsigned char)in[i + 1];
      if (c2 >= 0x21 && c2 <= 0x7e) {
        unsigned s1 = ((c + 1u) >> 1) + (c <= 0x5e ? 0x70u : 0xb0u);
        unsigned s2 = c2 + ((c & 1) ? (c2 >= 0x60 ? 0x20u : 0x1fu) : 0x7eu);
        buf_addc(&sj, (char)s1);
        buf_addc(&sj, (char)s2);
        i++;
        continue;
      }
    }
    buf_addc(&sj, (char)c);
  }
  if (sj.n)
    iconv_append(out, "CP932", sj.p, sj.n);
  free(sj.p);
}

static int cs_is(const char *cs, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(cs, names[i]) == 0)
      return 1;
  return 0;
}

/* Append bytes in charset CS (a MIME charset name, or NULL: unknown) to
 * OUT as UTF-8. */
static void charset_append(buf *out, const char *cs, const char *in, size_t len)
{
  static const char *const sjis[] = {"shift_jis",   "shift-jis",  "sjis",
                                     "x-sjis",      "ms_kanji",   "cp932",
                                     "windows-31j", "csshiftjis", "x-ms-cp932"};
  static const char *const jis[] = {"iso-2022-jp",    "csiso2022jp", "jis",
                                    "iso-2022-jp-ms", "cp50220",     "cp50221",
                                    "cp50222"};
  static const char *const eucjp[] = {"euc-jp", "x-euc-jp", "eucjp",
                                      "cseucpkdfmtjapanese"};
  static const char *const gb[] = {"gb2312", "gbk",    "gb18030",
                                   "x-gbk",  "euc-cn", "cp936"};
  char *tmp;
  if (!len)
    return;
  if (!cs || !*cs || strcasecmp(cs, "us-ascii") == 0 ||
      strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0) {
    /* Undeclared 8-bit text: UTF-8 when valid, ISO-2022-JP when it
     * escapes into JIS, else CP932 (the usual undeclared Japanese), else
     * shown with replacement characters. */
    tmp = malloc(len + 1);
    if (!tmp)
      return;
    memcpy(tmp, in, len);
    tmp[len] = '\0';
    if (memchr(in, '\0', len) == NULL && art__utf8_valid(tmp)) {
      buf_add(out, in, len);
    } else if (memmem(in, len, "\x1b$B", 3) || memmem(in, len, "\x1b$@", 3)) {
      iso2022jp_append(out, in, len);
    } else {
      char *lossy = art__utf8_lossy(tmp);
      if (lossy)
        buf_add(out, lossy, strlen(lossy));
      free(lossy);
    }
    free(tmp);
    return;
  }
  if (cs_is(cs, jis, sizeof jis / sizeof jis[0]))
    iso2022jp_append(out, in, len);
  else if (cs_is(cs, sjis, sizeof sjis / sizeof sjis[0]))
    iconv_append(out, "CP932", in, len);
  else if (cs_is(cs, eucjp, sizeof eucjp / sizeof eucjp[0]))
    iconv_append(out, "EUC-JP-MS", in, len);
  else if (cs_is(cs, gb, sizeof gb / sizeof gb[0]))
    iconv_append(out, "GB18030", in, len);
  else if (strcasecmp(cs, "ks_c_5601-1987") == 0 ||
           strcasecmp(cs, "euc-kr") == 0)
    iconv_append(out, "CP949", in, len);
  else if (iconv_append(out, cs, in, len) != 0)
    charset_append(out, NULL, in, len); /* unknown charset name */
}

/* ---- RFC 2047 ---------------------------------------------------------- */

static int b64val(int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = tolower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

static void b64_append(buf *out, const char *s, size_t len)
{
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    int v = b64val((unsigned char)s[i]);
    if (v < 0)
      continue;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      buf_addc(out, (char)((acc >> bits) & 0xff));
    }
  }
}

static void q_append(buf *out, const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '_') {
      buf_addc(out, ' ');
    } else if (s[i] == '=' && i + 2 < len + 0 && hexval(s[i + 1]) >= 0 &&
               hexval(s[i + 2]) >= 0) {
      buf_addc(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else {
      buf_addc(out, s[i]);
    }
  }
}

/* One encoded word at S: its charset, encoding and text spans, and its
 * length; 0 when S is not one. */
static size_t encoded_word(const char *s,
                           size_t n,
                           const char **cs,
                           size_t *cs_len,
                           char *enc,
                           const char **text,
                           size_t *text_len)
{
  size_t i = 2, c0, t0;
  if (n < 8 || s[0] != '=' || s[1] != '?')
    return 0;
  c0 = i;
  while (i < n && s[i] != '?' && !isspace((unsigned char)s[i]))
    i++;
  if (i + 3 >= n || s[i] != '?' || i == c0)
    return 0;
  *cs = s + c0;
  *cs_len = i - c0;
  /* RFC 2231 language suffix: charset*lang */
  for (size_t k = 0; k < *cs_len; k++)
    if ((*cs)[k] == '*')
      *cs_len = k;
  *enc = (char)toupper((unsigned char)s[i + 1]);
  if ((*enc != 'B' && *enc != 'Q') || s[i + 2] != '?')
    return 0;
  t0 = i + 3;
  for (i = t0; i + 1 < n; i++) {
    if (s[i] == '?' && s[i + 1] == '=') {
      *text = s + t0;
      *text_len = i - t0;
      return i + 2;
    }
    if (s[i] == '\r' || s[i] == '\n')
      return 0;
  }
  return 0;
}

/* Decode a raw header value into UTF-8: unfold, decode encoded words
 * (adjacent words of one charset are joined before conversion, so a
 * character split between words survives), convert raw 8-bit text. When
 * QUOTE is set, each run of encoded words becomes a quoted string (for the
 * address parser) unless it is already inside one. */
static char *header_decode(const char *raw, int quote)
{
  buf out = {0}, plain = {0}, word = {0};
  char wcs[64] = "";
  size_t n = strlen(raw);
  int in_quote = 0, opened = 0;
  if (n > MAX_HEADER)
    n = MAX_HEADER;
  buf_add(&out, "", 0);
  for (size_t i = 0; i < n;) {
    const char *cs, *text;
    size_t cs_len, text_len, w;
    char enc;
    w = encoded_word(raw + i, n - i, &cs, &cs_len, &enc, &text, &text_len);
    if (w) {
      char thiscs[64];
      snprintf(thiscs, sizeof thiscs, "%.*s", (int)cs_len, cs);
      if (plain.n) {
        charset_append(&out, NULL, plain.p, plain.n);
        plain.n = 0;
      }
      if (word.n && strcasecmp(thiscs, wcs) != 0) {
        charset_append(&out, wcs, word.p, word.n);
        word.n = 0;
      }
      if (quote && !in_quote && !opened) {
        buf_addc(&out, '"');
        opened = 1;
      }
      snprintf(wcs, sizeof wcs, "%s", thiscs);
      if (enc == 'B')
        b64_append(&word, text, text_len);
      else
        q_append(&word, text, text_len);
      i += w;
      /* Whitespace between two encoded words is dropped. */
      size_t j = i;
      while (j < n && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\r' ||
                       raw[j] == '\n'))
        j++;
      if (j > i &&
          encoded_word(raw + j, n - j, &cs, &cs_len, &enc, &text, &text_len))
        i = j;
      continue;
    }
    if (word.n) {
      size_t before = out.n;
      charset_append(&out, wcs, word.p, word.n);
      word.n = 0;
      if (opened) {
        /* Escape what the quoted string cannot hold as is. */
        buf esc = {0};
        for (size_t k = before; k < out.n; k++) {
          if (out.p[k] == '"' || out.p[k] == '\\')
            buf_addc(&esc, '\\');
          buf_addc(&esc, out.p[k]);
        }
        out.n = before;
        if (esc.n)
          buf_add(&out, esc.p, esc.n);
        free(esc.p);
        buf_addc(&out, '"');
        opened = 0;
      }
    }
    char c = raw[i];
    if (c == '\r' || c == '\n') {
      i++; /* unfold: the line break goes, the whitespace stays */
      continue;
    }
    if (c == '"' && (i == 0 || raw[i - 1] != '\\'))
      in_quote = !in_quote;
    buf_addc(&plain, c);
    i++;
  }
  if (plain.n)
    charset_append(&out, NULL, plain.p, plain.n);
  if (word.n) {
    size_t before = out.n;
    charset_append(&out, wcs, word.p, word.n);
    if (opened) {
      buf esc = {0};
      for (size_t k = before; k < out.n; k++) {
        if (out.p[k] == '"' || out.p[k] == '\\')
          buf_addc(&esc, '\\');
        buf_addc(&esc, out.p[k]);
      }
      out.n = before;
      if (esc.n)
        buf_add(&out, esc.p, esc.n);
      free(esc.p);
      buf_addc(&out, '"');
    }
  }
  free(plain.p);
  free(word.p);
  /* Trim the leading and trailing whitespace folding leaves. */
  size_t a = 0;
  while (a < out.n && (out.p[a] == ' ' || out.p[a] == '\t'))
    a++;
  while (out.n > a && (out.p[out.n - 1] == ' ' || out.p[out.n - 1] == '\t'))
    out.n--;
  out.p[out.n] = '\0';
  if (a)
    memmove(out.p, out.p + a, out.n - a + 1);
  return out.p;
}

/* ---- recognition ----------------------------------------------------------
 */

static const char *const mail_headers[] = {"from:",
                                           "to:",
                                           "subject:",
                                           "date:",
                                           "received:",
                                           "message-id:",
                                           "mime-version:",
                                           "return-path:",
                                           "reply-to:",
                                           "cc:",
                                           "delivered-to:",
                                           "content-type:",
                                           "x-mailer:",
                                           "sender:",
                                           "authentication-results:",
                                           "dkim-signature:",
                                           "arc-seal:",
                                           "x-originating-ip:"};

/* How many distinct well-known mail headers start lines in the header
 * block at DATA, or 0 when the first line is not a header. */
static int header_score(const uint8_t *data, size_t len)
{
  unsigned seen = 0;
  int count = 0;
  size_t i = 0;
  for (int line = 0; i < len && line < 200; line++) {
    size_t e = i;
    while (e < len && data[e] != '\n')
      e++;
    size_t ll = e - i;
    if (ll == 0 || (ll == 1 && data[i] == '\r'))
      break; /* end of the headers */
    if (data[i] != ' ' && data[i] != '\t') {
      size_t k = i;
      while (k < e && data[k] > 32 && data[k] < 127 && data[k] != ':')
        k++;
      if (k == i || k == e || data[k] != ':') {
        if (line == 0)
          return 0;
        break;
      }
      for (size_t h = 0; h < sizeof mail_headers / sizeof mail_headers[0];
           h++) {
        size_t hl = strlen(mail_headers[h]);
        if (k + 1 - i == hl &&
            strncasecmp((const char *)data + i, mail_headers[h], hl) == 0 &&
            !(seen & (1u << h))) {
          seen |= 1u << h;
          count++;
        }
      }
    } else if (line == 0) {
      return 0;
    }
    i = e + 1;
  }
  return count;
}

static int is_mbox(const uint8_t *data, size_t len)
{
  if (len < 6 || memcmp(data, "From ", 5) != 0)
    return 0;
  const uint8_t *nl = memchr(data, '\n', len);
  return nl && header_score(nl + 1, len - (size_t)(nl + 1 - data)) >= 2;
}

static int email_recognise(const uint8_t *data, size_t len)
{
  return is_mbox(data, len) || header_score(data, len) >= 3;
}

/* ---- GMime --------------------------------------------------------------- */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
  g_mime_init();
}

static json_t *jaddr(const char *name, const char *addr)
{
  json_t *o = json_object();
  json_object_set_new(o, "name",
                      name && *name ? art__dissect_jstr(name) : json_null());
  json_object_set_new(o, "address", art__dissect_jstr(addr ? addr : ""));
  return o;
}

static void list_addrs(InternetAddressList *l, json_t *arr)
{
  int n = l ? internet_address_list_length(l) : 0;
  for (int i = 0; i < n && json_array_size(arr) < MAX_LIST; i++) {
    InternetAddress *ia = internet_address_list_get_address(l, i);
    if (INTERNET_ADDRESS_IS_GROUP(ia))
      list_addrs(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
                 arr);
    else if (INTERNET_ADDRESS_IS_MAILBOX(ia))
      json_array_append_new(arr, jaddr(internet_address_get_name(ia),
                                       internet_address_mailbox_get_addr(
                                           INTERNET_ADDRESS_MAILBOX(ia))));
  }
}

/* The addresses of a raw header value, display names decoded by us. */
static json_t *addresses(const char *raw)
{
  json_t *arr = json_array();
  char *q = header_decode(raw, 1);
  InternetAddressList *l = q ? internet_address_list_parse(NULL, q) : NULL;
  list_addrs(l, arr);
  if (l)
    g_object_unref(l);
  free(q);
  return arr;
}

static const char *addr_domain(const char *addr)
{
  const char *at = addr ? strrchr(addr, '@') : NULL;
  return at ? at + 1 : NULL;
}

/* The first address in ARR (JSON from addresses()). */
static const char *first_addr(json_t *arr)
{
  json_t *e = json_array_get(arr, 0);
  return e ? json_string_value(json_object_get(e, "address")) : NULL;
}

/* ---- Received and Authentication-Results --------------------------------- */

/* The word after KEY (" from ", " by ") in S, or NULL (caller frees). */
static char *word_after(const char *s, const char *key)
{
  const char *p = s;
  size_t kl = strlen(key);
  for (; *p; p++) {
    if (strncasecmp(p, key, kl) == 0 &&
        (p == s || isspace((unsigned char)p[-1]) || p[-1] == ')')) {
      p += kl;
      while (*p == ' ' || *p == '\t')
        p++;
      size_t n = 0;
      while (p[n] && !isspace((unsigned char)p[n]) && p[n] != ';' &&
             p[n] != '(')
        n++;
      return n ? strndup(p, n) : NULL;
    }
  }
  return NULL;
}

static json_t *received_json(const char *value)
{
  json_t *o = json_object(), *ips = json_array();
  char *from = word_after(value, "from ");
  char *by = word_after(value, "by ");
  const char *semi = strrchr(value, ';');
  art_ioc found[32];
  size_t n = art_ioc_find(value, strlen(value), found, 32);
  json_object_set_new(o, "from", art__dissect_jstr(from));
  json_object_set_new(o, "by", art__dissect_jstr(by));
  for (size_t i = 0; i < n && i < 32; i++)
    if (found[i].cls == ART_IOC_IPV4 || found[i].cls == ART_IOC_IPV6) {
      json_t *v = art__dissect_jstrn(value + found[i].start, found[i].len);
      size_t k;
      json_t *e;
      int dup = 0;
      json_array_foreach(ips, k, e) dup |= json_equal(e, v);
      if (dup)
        json_decref(v);
      else
        json_array_append_new(ips, v);
    }
  json_object_set_new(o, "ips", ips);
  if (semi) {
    const char *d = semi + 1;
    while (*d == ' ' || *d == '\t')
      d++;
    json_object_set_new(o, "date", art__dissect_jstr(d));
  } else {
    json_object_set_new(o, "date", json_null());
  }
  free(from);
  free(by);
  return o;
}

/* "spf=pass smtp.mailfrom=...; dkim=fail ..." -> {method: result}, plus
 * the authserv-id and the raw text. */
static json_t *authres_json(const char *value)
{
  static const char *const methods[] = {"spf",  "dkim",     "dmarc",
                                        "arc",  "compauth", "dkim-atps",
                                        "auth", "iprev",    "sender-id"};
  json_t *o = json_object(), *v = json_object();
  const char *semi = strchr(value, ';');
  json_object_set_new(o, "authserv_id",
                      semi ? art__dissect_jstrn(value, (size_t)(semi - value))
                           : art__dissect_jstr(value));
  for (const char *p = value; *p; p++) {
    if (p != value && !isspace((unsigned char)p[-1]) && p[-1] != ';')
      continue;
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
      size_t ml = strlen(methods[m]);
      if (strncasecmp(p, methods[m], ml) == 0 && p[ml] == '=') {
        const char *r = p + ml + 1;
        size_t n = 0;
        while (r[n] && (isalnum((unsigned char)r[n]) || r[n] == '-'))
          n++;
        if (n && !json_object_get(v, methods[m])) {
          char *lower = strndup(r, n);
          if (lower) {
            for (char *c = lower; *c; c++)
              *c = (char)tolower((unsigned char)*c);
            json_object_set_new(v, methods[m], json_string(lower));
            free(lower);
          }
        }
      }
    }
  }
  json_object_set_new(o, "results", v);
  json_object_set_new(o, "raw", art__dissect_jstr(value));
  return o;
}

/* ---- links in HTML --------------------------------------------------------
 */

static void entity_decode(buf *out, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '&') {
      buf_addc(out, s[i]);
      continue;
    }
    const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
    if (!semi) {
      buf_addc(out, s[i]);
      continue;
    }
    size_t el = (size_t)(semi - (s + i));
    const char *e = s + i + 1;
    unsigned long cp = 0;
    if (el >= 2 && e[0] == '#') {
      if (e[1] == 'x' || e[1] == 'X')
        cp = strtoul(e + 2, NULL, 16);
      else
        cp = strtoul(e + 1, NULL, 10);
    } else if (el == 4 && strncmp(e, "amp", 3) == 0) {
      cp = '&';
    } else if (el == 3 && strncmp(e, "lt", 2) == 0) {
      cp = '<';
    } else if (el == 3 && strncmp(e, "gt", 2) == 0) {
      cp = '>';
    } else if (el == 5 && strncmp(e, "quot", 4) == 0) {
      cp = '"';
    } else if (el == 5 && strncmp(e, "nbsp", 4) == 0) {
      cp = ' ';
    } else if (el == 5 && strncmp(e, "apos", 4) == 0) {
      cp = '\'';
    }
    if (!cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      buf_addc(out, s[i]);
      continue;
    }
    char u[4];
    size_t ul;
    if (cp < 0x80) {
      u[0] = (char)cp;
      ul = 1;
    } else if (cp < 0x800) {
      u[0] = (char)(0xc0 | (cp >> 6));
      u[1] = (char)(0x80 | (cp & 0x3f));
      ul = 2;
    } else if (cp < 0x10000) {
      u[0] = (char)(0xe0 | (cp >> 12));
      u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
      u[2] = (char)(0x80 | (cp & 0x3f));
      ul = 3;
    } else {
      u[0] = (char)(0xf0 | (cp >> 18));
      u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
      u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
      u[3] = (char)(0x80 | (cp & 0x3f));
      ul = 4;
    }
    buf_add(out, u, ul);
    i += el;
  }
}

/* The host of a URL or of a bare "host/..." text, lower-case, without
 * "www." (caller frees); NULL when TEXT does not name a host. */
static char *host_of(const char *text, int must_be_url)
{
  const char *p = text, *s;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  s = strstr(p, "://");
  if (s && s - p < 12)
    p = s + 3;
  else if (must_be_url)
    return NULL;
  const char *at = NULL;
  size_t n = 0;
  while (p[n] && p[n] != '/' && p[n] != '?' && p[n] != '#' &&
         !isspace((unsigned char)p[n])) {
    if (p[n] == '@')
      at = p + n;
    n++;
  }
  if (at) { /* user@host */
    n -= (size_t)(at + 1 - p);
    p = at + 1;
  }
  const char *colon = memchr(p, ':', n);
  if (colon)
    n = (size_t)(colon - p);
  if (!n || !memchr(p, '.', n))
    return NULL;
  if (!must_be_url) {
    /* Visible text names a host only when it is one word ending in a real
     * top-level domain ("paypal.com", "www.bank.example.co.jp/login"). */
    const char *dot = p + n;
    while (dot > p && dot[-1] != '.')
      dot--;
    if (!art_ioc_is_tld(dot, (size_t)(p + n - dot)))
      return NULL;
    for (const char *q = p + n; *q; q++)
      if (isspace((unsigned char)*q))
        return NULL;
  }
  char *h = strndup(p, n);
  if (!h)
    return NULL;
  for (char *c = h; *c; c++)
    *c = (char)tolower((unsigned char)*c);
  if (strncmp(h, "www.", 4) == 0)
    memmove(h, h + 4, strlen(h + 4) + 1);
  return h;
}

/* Collect <a href=...>text</a> from HTML into LINKS; returns mismatches. */
static int html_links(const char *html, size_t len, json_t *links)
{
  int mismatches = 0;
  for (size_t i = 0; i + 2 < len; i++) {
    if (html[i] != '<' || (html[i + 1] != 'a' && html[i + 1] != 'A') ||
        !isspace((unsigned char)html[i + 2]))
      continue;
    const char *tag_end = memchr(html + i, '>', len - i);
    if (!tag_end)
      break;
    size_t tl = (size_t)(tag_end - (html + i));
    const char *href = NULL;
    size_t href_len = 0;
    for (size_t k = 0; k + 5 < tl; k++) {
      if (strncasecmp(html + i + k, "href", 4) != 0 ||
          !isspace((unsigned char)html[i + k - 1]))
        continue;
      size_t v = k + 4;
      while (v < tl && isspace((unsigned char)html[i + v]))
        v++;
      if (v >= tl || html[i + v] != '=')
        continue;
      v++;
      while (v < tl && isspace((unsigned char)html[i + v]))
        v++;
      char q = v < tl ? html[i + v] : 0;
      if (q == '"' || q == '\'') {
        const char *e = memchr(html + i + v + 1, q, tl - v - 1);
        if (!e)
          break;
        href = html + i + v + 1;
        href_len = (size_t)(e - href);
      } else {
        href = html + i + v;
        while (v < tl && !isspace((unsigned char)html[i + v]))
          v++;
        href_len = (size_t)(html + i + v - href);
      }
      break;
    }
    const char *body = tag_end + 1;
    const char *close = body;
    size_t rest = len - (size_t)(body - html);
    while (rest >= 4 && strncasecmp(close, "</a>", 4) != 0) {
      close++;
      rest--;
    }
    if (rest < 4)
      close = html + len;
    if (!href) {
      i = (size_t)(tag_end - html);
      continue;
    }
    /* Visible text: tags removed, entities decoded, space collapsed. */
    buf raw = {0}, text = {0}, url = {0};
    int in_tag = 0;
    for (const char *c = body; c < close; c++) {
      if (*c == '<')
        in_tag = 1;
      else if (*c == '>')
        in_tag = 0;
      else if (!in_tag)
        buf_addc(&raw, isspace((unsigned char)*c) ? ' ' : *c);
    }
    if (raw.n)
      entity_decode(&text, raw.p, raw.n);
    entity_decode(&url, href, href_len);
    buf_add(&text, "", 0);
    buf_add(&url, "", 0);
    /* trim and collapse */
    size_t w = 0;
    for (size_t r = 0; r < text.n; r++)
      if (!(text.p[r] == ' ' && (w == 0 || text.p[w - 1] == ' ')))
        text.p[w++] = text.p[r];
    while (w && text.p[w - 1] == ' ')
      w--;
    text.p[w] = '\0';
    char *h_url = host_of(url.p, 1);
    char *h_text = host_of(text.p, 0);
    int mismatch = h_url && h_text && strcmp(h_url, h_text) != 0;
    mismatches += mismatch;
    if (json_array_size(links) < MAX_LIST) {
      json_t *l = json_object();
      json_object_set_new(l, "href", art__dissect_jstr(url.p));
      json_object_set_new(l, "text", art__dissect_jstr(text.p));
      json_object_set_new(l, "mismatch", json_boolean(mismatch));
      json_array_append_new(links, l);
    }
    free(h_url);
    free(h_text);
    free(raw.p);
    free(text.p);
    free(url.p);
    i = (size_t)(close - html);
    if (i >= len)
      break;
  }
  return mismatches;
}

/* ---- uuencode --------------------------------------------------------------
 */

/* Find "begin NNN name" blocks in TEXT and yield their decoded bytes. */
static art_status
uu_children(art_dissect_sink *sink, const char *text, size_t len, size_t *found)
{
  art_status st = ART_OK;
  for (size_t i = 0; i + 10 < len && st == ART_OK; i++) {
    if ((i && text[i - 1] != '\n') || strncmp(text + i, "begin ", 6) != 0)
      continue;
    size_t k = i + 6, m = 0;
    while (k < len && text[k] >= '0' && text[k] <= '7' && m < 4) {
      k++;
      m++;
    }
    if (m < 3 || k >= len || text[k] != ' ')
      continue;
    const char *nl = memchr(text + k, '\n', len - k);
    if (!nl)
      break;
    char *name = strndup(text + k + 1, (size_t)(nl - (text + k + 1)));
    if (name && *name && name[strlen(name) - 1] == '\r')
      name[strlen(name) - 1] = '\0';
    buf out = {0};
    size_t p = (size_t)(nl + 1 - text);
    int ended = 0;
    while (p < len) {
      const char *e = memchr(text + p, '\n', len - p);
      size_t ll = e ? (size_t)(e - (text + p)) : len - p;
      const char *line = text + p;
      if (ll >= 3 && strncmp(line, "end", 3) == 0) {
        ended = 1;
        break;
      }
      if (ll > 0) {
        int cnt = (line[0] - ' ') & 0x3f;
        size_t q = 1;
        for (int got = 0; got < cnt && q + 3 < ll + 1; q += 4) {
          unsigned c[4];
          for (int t = 0; t < 4; t++)
            c[t] = q + (size_t)t < ll
                       ? (unsigned)((line[q + (size_t)t] - ' ') & 0x3f)
                       : 0u;
          unsigned char b[3] = {(unsigned char)(c[0] << 2 | c[1] >> 4),
                                (unsigned char)(c[1] << 4 | c[2] >> 2),
                                (unsigned char)(c[2] << 6 | c[3])};
          for (int t = 0; t < 3 && got < cnt; t++, got++)
            buf_addc(&out, (char)b[t]);
        }
      }
      p += ll + 1;
    }
    art_dissect_child c = {"uuencode", name,  out.p ? out.p : "", out.n, NULL,
                           NULL,       !ended};
    st = art_dissect_sink_child(sink, &c);
    (*found)++;
    free(out.p);
    free(name);
    i = p;
  }
  return st;
}

/* ---- one message ------------------------------------------------------------
 */

typedef struct walk_state {
  art_dissect_sink *sink;
  json_t *attachments, *links, *iocs, *bodies;
  size_t parts, bodies_n, uu;
  int link_mismatch;
  art_status st; /* ART_ERR_LIMIT once the caller says stop */
  const char *input;
  json_t *cut; /* multiparts without their closing boundary, innermost first */
  const char *raw; /* the message as given */
  size_t raw_len;
} walk_state;

/* The delimiter lines ("--BOUNDARY" then transport padding and the end of
 * the line or of the input; not the closing "--BOUNDARY--") in RAW: GMime
 * drops a last part whose headers were cut, this still counts it. */
static size_t delimiters(const char *raw, size_t len, const char *bd)
{
  size_t bl = bd ? strlen(bd) : 0, n = 0;
  if (!bl || !raw)
    return 0;
  for (size_t i = 0; i + 2 + bl <= len; i++) {
    if ((i && raw[i - 1] != '\n') || raw[i] != '-' || raw[i + 1] != '-' ||
        memcmp(raw + i + 2, bd, bl) != 0)
      continue;
    size_t j = i + 2 + bl;
    while (j < len && (raw[j] == ' ' || raw[j] == '\t'))
      j++;
    if (j == len || raw[j] == '\r' || raw[j] == '\n')
      n++;
  }
  return n;
}

static const char *hdr(GMimeObject *o, const char *name);

/* A parameter (PARAM: "filename" or "name") of a raw header value,
 * decoded by us: RFC 2231 (param*=charset'lang'%XX, continuations
 * param*0*=...), or RFC 2047 encoded words and raw 8-bit text in a plain
 * value. GMime converts these with iconv, which mangles ISO-2022-JP names
 * holding CP50221 characters. NULL when absent (caller frees). */
static char *raw_param(const char *raw, const char *param)
{
  size_t pl = strlen(param);
  buf ext = {0}, out = {0};
  char cs[64] = "";
  char *plain = NULL;
  if (!raw)
    return NULL;
  for (int part = -1; part < 64; part++) {
    int found = 0;
    for (const char *p = raw; (p = strcasestr(p, param)) != NULL; p += pl) {
      if (p != raw && !(isspace((unsigned char)p[-1]) || p[-1] == ';'))
        continue;
      const char *q = p + pl;
      int star = 0;
      char want[16];
      if (part < 0) {
        if (*q == '*' && q[1] == '=') {
          star = 1;
          q += 1;
        } else if (*q != '=' && !isspace((unsigned char)*q)) {
          continue;
        }
      } else {
        snprintf(want, sizeof want, "*%d", part);
        size_t wl = strlen(want);
        if (strncmp(q, want, wl) != 0)
          continue;
        q += wl;
        if (*q == '*') {
          star = 1;
          q++;
        }
      }
      while (isspace((unsigned char)*q))
        q++;
      if (*q != '=')
        continue;
      q++;
      while (isspace((unsigned char)*q))
        q++;
      const char *v = q, *e;
      if (*v == '"') {
        v++;
        e = v;
        while (*e && *e != '"') {
          if (*e == '\\' && e[1])
            e++;
          e++;
        }
      } else {
        e = v;
        while (*e && *e != ';' && !isspace((unsigned char)*e))
          e++;
      }
      found = 1;
      if (!star && part < 0) {
        free(plain);
        plain = strndup(v, (size_t)(e - v));
        break;
      }
      if (star && (part <= 0)) {
        /* charset'lang'value */
        const char *a1 = memchr(v, '\'', (size_t)(e - v));
        const char *a2 = a1 ? memchr(a1 + 1, '\'', (size_t)(e - a1 - 1)) : NULL;
        if (a1 && a2) {
          snprintf(cs, sizeof cs, "%.*s", (int)(a1 - v), v);
          v = a2 + 1;
        }
      }
      for (const char *c = v; c < e; c++) {
        if (star && *c == '%' && c + 2 < e + 0 + 1 &&
            isxdigit((unsigned char)c[1]) && isxdigit((unsigned char)c[2])) {
          buf_addc(&ext, (char)(hexval(c[1]) * 16 + hexval(c[2])));
          c += 2;
        } else {
          buf_addc(&ext, *c);
        }
      }
      break;
    }
    if (part >= 0 && !found)
      break;
    if (part < 0 && plain)
      break;
  }
  if (ext.n) {
    charset_append(&out, cs[0] ? cs : NULL, ext.p, ext.n);
    free(ext.p);
    free(plain);
    return out.p;
  }
  free(ext.p);
  if (plain) {
    char *d = header_decode(plain, 0);
    free(plain);
    return d;
  }
  return NULL;
}

static GByteArray *part_bytes(GMimeObject *obj, int decode)
{
  GMimeStream *ms = g_mime_stream_mem_new();
  GByteArray *arr;
  if (decode) {
    GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
    if (w)
      g_mime_data_wrapper_write_to_stream(w, ms);
  } else {
    g_mime_object_write_to_stream(obj, NULL, ms);
  }
  arr = g_byte_array_new();
  GByteArray *own = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
  if (own && own->len)
    g_byte_array_append(arr, own->data, own->len);
  g_object_unref(ms);
  return arr;
}

static void yield(walk_state *ws,
                  const char *via,
                  const char *name,
                  const char *type,
                  const char *partid,
                  const void *data,
                  size_t len)
{
  char lj[128];
  if (ws->st != ART_OK)
    return;
  snprintf(lj, sizeof lj, "{\"mime_part\":\"%s\"}", partid);
  art_dissect_child c = {via, name, data, len, type, lj, 0};
  if (art_dissect_sink_child(ws->sink, &c) != ART_OK)
    ws->st = ART_ERR_LIMIT;
}

static void
walk_part(walk_state *ws, GMimeObject *obj, const char *partid, unsigned depth)
{
  GMimeContentType *ct = g_mime_object_get_content_type(obj);
  char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
  if (++ws->parts > MAX_PARTS || depth > 64) {
    g_free(type);
    return;
  }
  if (GMIME_IS_MULTIPART(obj)) {
    int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
    for (int i = 0; i < n && ws->st == ART_OK; i++) {
      char sub[96];
      snprintf(sub, sizeof sub, "%s%s%d", partid, *partid ? "." : "", i + 1);
      walk_part(ws, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), sub,
                depth + 1);
    }
    /* GMime's parser clears write_end_boundary when the input ended
     * before "--boundary--": the message was cut, and its last part (or
     * the boundary line of the next one) is incomplete. */
    if (!GMIME_MULTIPART(obj)->write_end_boundary &&
        json_array_size(ws->cut) < MAX_LIST) {
      const char *bd = g_mime_multipart_get_boundary(GMIME_MULTIPART(obj));
      json_t *c = json_object();
      char last[96];
      size_t began = delimiters(ws->raw, ws->raw_len, bd);
      int cutp = began > (size_t)n && began <= MAX_PARTS ? (int)began : n;
      snprintf(last, sizeof last, "%s%s%d", partid, *partid ? "." : "", cutp);
      json_object_set_new(c, "multipart", json_string(partid));
      json_object_set_new(c, "boundary", art__dissect_jstr(bd));
      json_object_set_new(c, "parts", json_integer(n));
      json_object_set_new(c, "last_part",
                          cutp > 0 ? json_string(last) : json_null());
      json_array_append_new(ws->cut, c);
    }
  } else if (GMIME_IS_MESSAGE_PART(obj)) {
    GMimeMessage *inner =
        g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    if (inner) {
      GByteArray *b = part_bytes(GMIME_OBJECT(inner), 0);
      char *subj = NULL;
      const char *rawsubj = hdr(GMIME_OBJECT(inner), "Subject");
      if (rawsubj) {
        char *d = header_decode(rawsubj, 0);
        if (d) {
          size_t dl = strlen(d);
          subj = malloc(dl + 5);
          if (subj)
            snprintf(subj, dl + 5, "%s.eml", *d ? d : "message");
        }
        free(d);
      }
      json_t *a = json_object();
      json_object_set_new(a, "name",
                          art__dissect_jstr(subj ? subj : "message.eml"));
      json_object_set_new(a, "content_type", art__dissect_jstr(type));
      json_object_set_new(a, "size", json_integer((json_int_t)b->len));
      json_object_set_new(a, "mime_part", json_string(partid));
      if (json_array_size(ws->attachments) < MAX_LIST)
        json_array_append_new(ws->attachments, a);
      else
        json_decref(a);
      yield(ws, "mime-part", subj ? subj : "message.eml", type, partid, b->data,
            b->len);
      free(subj);
      g_byte_array_unref(b);
    }
  } else if (GMIME_IS_PART(obj)) {
    GMimePart *part = GMIME_PART(obj);
    /* the name as the mail writes it, decoded by us; GMime's otherwise */
    char *own = raw_param(hdr(obj, "Content-Disposition"), "filename");
    if (!own)
      own = raw_param(hdr(obj, "Content-Type"), "name");
    const char *fname = own ? own : g_mime_part_get_filename(part);
    int is_text = ct && g_mime_content_type_is_type(ct, "text", "*");
    int attach = fname || g_mime_part_is_attachment(part) || !is_text;
    GByteArray *b = part_bytes(obj, 1);
    if (attach) {
      json_t *a = json_object(), *nf = json_array();
      json_object_set_new(a, "name", art__dissect_jstr(fname));
      json_object_set_new(a, "content_type", art__dissect_jstr(type));
      json_object_set_new(a, "size", json_integer((json_int_t)b->len));
      json_object_set_new(a, "mime_part", json_string(partid));
      art__dissect_name_flags(fname, nf);
      json_object_set_new(a, "name_flags", nf);
      if (json_array_size(ws->attachments) < MAX_LIST)
        json_array_append_new(ws->attachments, a);
      else
        json_decref(a);
      yield(ws, "mime-part", fname, type, partid, b->data, b->len);
    } else {
      free(own);
      own = NULL;
      const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
      int html = g_mime_content_type_is_type(ct, "text", "html");
      buf u = {0};
      char name[64];
      charset_append(&u, cs, (const char *)b->data, b->len);
      buf_add(&u, "", 0);
      if (html)
        ws->link_mismatch += html_links(u.p, u.n, ws->links);
      art__dissect_iocs(ws->iocs, u.p, u.n, MAX_LIST);
      ws->bodies_n++;
      json_t *bj = json_object();
      json_object_set_new(bj, "content_type", art__dissect_jstr(type));
      json_object_set_new(bj, "charset", art__dissect_jstr(cs));
      json_object_set_new(bj, "size", json_integer((json_int_t)b->len));
      json_object_set_new(bj, "mime_part", json_string(partid));
      json_array_append_new(ws->bodies, bj);
      snprintf(name, sizeof name, "body-%zu.%s", ws->bodies_n,
               html ? "html" : "txt");
      yield(ws, "mime-body", name, type, partid, b->data, b->len);
      if (ws->st == ART_OK)
        ws->st = uu_children(ws->sink, u.p, u.n, &ws->uu) == ART_OK
                     ? ART_OK
                     : ART_ERR_LIMIT;
      free(u.p);
    }
    free(own);
    g_byte_array_unref(b);
  }
  g_free(type);
}

/* The raw (undecoded, folded) value of the first NAME header: GMime's own
 * decoded value loses what glibc's iconv cannot convert. */
static const char *hdr(GMimeObject *o, const char *name)
{
  GMimeHeaderList *hl = g_mime_object_get_header_list(o);
  GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
  return h ? g_mime_header_get_raw_value(h) : NULL;
}

static void set_decoded(json_t *o, const char *key, const char *raw)
{
  char *d = raw ? header_decode(raw, 0) : NULL;
  json_object_set_new(o, key, d ? art__dissect_jstr(d) : json_null());
  free(d);
}

/* The header facts of message MO into SUM, in record order (from ...
 * authentication_results). */
static void header_facts(json_t *sum, GMimeObject *mo, GMimeMessage *msg)
{
  json_object_set_new(sum, "from",
                      addresses(hdr(mo, "From") ? hdr(mo, "From") : ""));
  json_object_set_new(sum, "sender",
                      addresses(hdr(mo, "Sender") ? hdr(mo, "Sender") : ""));
  json_object_set_new(
      sum, "reply_to",
      addresses(hdr(mo, "Reply-To") ? hdr(mo, "Reply-To") : ""));
  json_t *rp = addresses(hdr(mo, "Return-Path") ? hdr(mo, "Return-Path") : "");
  json_object_set_new(sum, "return_path",
                      first_addr(rp) ? json_string(first_addr(rp))
                                     : json_null());
  json_decref(rp);
  json_object_set_new(sum, "to", addresses(hdr(mo, "To") ? hdr(mo, "To") : ""));
  json_object_set_new(sum, "cc", addresses(hdr(mo, "Cc") ? hdr(mo, "Cc") : ""));
  set_decoded(sum, "subject", hdr(mo, "Subject"));
  set_decoded(sum, "date", hdr(mo, "Date"));
  GDateTime *dt = g_mime_message_get_date(msg);
  if (dt) {
    GDateTime *utc = g_date_time_to_utc(dt);
    gchar *iso = utc ? g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    json_object_set_new(sum, "date_utc", iso ? json_string(iso) : json_null());
    g_free(iso);
    if (utc)
      g_date_time_unref(utc);
  } else {
    json_object_set_new(sum, "date_utc", json_null());
  }
  set_decoded(sum, "message_id", hdr(mo, "Message-ID"));
  set_decoded(sum, "x_mailer",
              hdr(mo, "X-Mailer") ? hdr(mo, "X-Mailer")
                                  : hdr(mo, "User-Agent"));
  /* Every Received and Authentication-Results header, in header order
   * (the newest hop first). */
  json_t *recv = json_array(), *auth = json_array();
  GMimeHeaderList *hl = g_mime_object_get_header_list(mo);
  int nh = hl ? g_mime_header_list_get_count(hl) : 0;
  for (int i = 0; i < nh; i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
    const char *name = g_mime_header_get_name(h);
    const char *raw = g_mime_header_get_raw_value(h);
    if (!name || !raw)
      continue;
    int is_recv = strcasecmp(name, "Received") == 0;
    int is_auth = strcasecmp(name, "Authentication-Results") == 0 ||
                  strcasecmp(name, "ARC-Authentication-Results") == 0;
    if (!is_recv && !is_auth)
      continue;
    char *v = header_decode(raw, 0);
    if (!v)
      continue;
    if (is_recv && json_array_size(recv) < MAX_LIST)
      json_array_append_new(recv, received_json(v));
    if (is_auth && json_array_size(auth) < MAX_LIST) {
      json_t *a = authres_json(v);
      json_object_set_new(a, "header", json_string(name));
      json_array_append_new(auth, a);
    }
    free(v);
  }
  json_object_set_new(sum, "received", recv);
  json_object_set_new(sum, "authentication_results", auth);
}

/* The header mismatches an analyst looks for first (Reply-To on another
 * domain, a display name holding another address) into MIS, flagged. */
static void header_mismatches(json_t *sum, json_t *mis, art_dissect_sink *sink)
{
  json_t *from = json_object_get(sum, "from");
  const char *fa = first_addr(from),
             *ra = first_addr(json_object_get(sum, "reply_to"));
  if (fa && ra && addr_domain(fa) && addr_domain(ra) &&
      strcasecmp(addr_domain(fa), addr_domain(ra)) != 0) {
    json_array_append_new(mis, json_string("reply_to_domain"));
    art_dissect_sink_flag(sink, "reply_to_mismatch");
  }
  size_t i;
  json_t *e;
  json_array_foreach(from, i, e)
  {
    const char *nm = json_string_value(json_object_get(e, "name"));
    const char *ad = json_string_value(json_object_get(e, "address"));
    art_ioc found[4];
    size_t n = nm ? art_ioc_find(nm, strlen(nm), found, 4) : 0;
    for (size_t k = 0; k < n && k < 4; k++) {
      if (found[k].cls != ART_IOC_EMAIL)
        continue;
      if (!ad || strlen(ad) != found[k].len ||
          strncasecmp(nm + found[k].start, ad, found[k].len) != 0) {
        json_array_append_new(mis, json_string("display_name_address"));
        art_dissect_sink_flag(sink, "display_name_spoof");
        break;
      }
    }
  }
}

static GMimeMessage *parse_message(const char *data, size_t len)
{
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
  GMimeParser *parser = g_mime_parser_new_with_stream(stream);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
  GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
  g_object_unref(parser);
  g_object_unref(stream);
  return msg;
}

json_t *art__email_headers(const char *text, size_t len, art_dissect_sink *sink)
{
  GMimeMessage *msg;
  json_t *sum, *mis;
  pthread_once(&gmime_once, gmime_start);
  /* The block alone is a message without a body: a blank line ends it. */
  buf b = {0};
  if (buf_add(&b, text, len) != 0 || buf_add(&b, "\r\n\r\n", 4) != 0) {
    free(b.p);
    return NULL;
  }
  msg = parse_message(b.p, b.n);
  free(b.p);
  if (!msg)
    return NULL;
  sum = json_object();
  header_facts(sum, GMIME_OBJECT(msg), msg);
  mis = json_array();
  header_mismatches(sum, mis, sink);
  json_object_set_new(sum, "mismatches", mis);
  g_object_unref(msg);
  return sum;
}

size_t art__email_html_links(const char *html, size_t len, json_t *links)
{
  return (size_t)html_links(html, len, links);
}

char *art__dissect_utf16le(const uint8_t *p, size_t n)
{
  char *s = NULL;
  size_t sl = 0;
  while (n >= 2 && p[n - 1] == 0 && p[n - 2] == 0)
    n -= 2;
  art__email_charset_append(&s, &sl, "UTF-16LE", (const char *)p, n);
  return s;
}

void art__email_charset_append(
    char **out, size_t *out_len, const char *cs, const char *in, size_t len)
{
  buf b = {*out, *out_len, *out ? *out_len + 1 : 0};
  charset_append(&b, cs, in, len);
  buf_add(&b, "", 0);
  *out = b.p;
  *out_len = b.n;
}

static art_status
message(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  GMimeMessage *msg;
  GMimeObject *mo;
  json_t *sum;
  (void)ctx;
  msg = parse_message((const char *)in->data, in->len);
  if (!msg) {
    art_dissect_sink_error(sink, "%s: email: not a readable message", in->name);
    return ART_ERR_CORRUPT;
  }
  mo = GMIME_OBJECT(msg);
  sum = json_object();
  json_object_set_new(sum, "format", json_string("rfc5322"));
  header_facts(sum, mo, msg);

  walk_state ws = {sink,
                   json_array(),
                   json_array(),
                   json_array(),
                   json_array(),
                   0,
                   0,
                   0,
                   0,
                   ART_OK,
                   in->name,
                   json_array(),
                   (const char *)in->data,
                   in->len};
  GMimeObject *body = g_mime_message_get_mime_part(msg);
  if (body)
    walk_part(&ws, body, "", 0);
  int cut = json_array_size(ws.cut) > 0;
  if (cut) {
    /* Never clean: the innermost multipart left open names the part that
     * was cut (the top level is multipart "", its parts "1", "2"...). */
    json_t *c0 = json_array_get(ws.cut, 0);
    const char *mp = json_string_value(json_object_get(c0, "multipart"));
    const char *lp = json_string_value(json_object_get(c0, "last_part"));
    art_dissect_sink_flag(sink, "mime_truncated");
    art_dissect_sink_error(sink,
                           "%s: email: message cut before the closing "
                           "boundary of multipart %s (part %s incomplete)",
                           in->name, *mp ? mp : "(top level)",
                           lp ? lp : "(none)");
  }
  json_object_set_new(sum, "truncated", cut ? ws.cut : json_null());
  if (!cut)
    json_decref(ws.cut);
  json_object_set_new(sum, "bodies", ws.bodies);
  json_object_set_new(sum, "attachments", ws.attachments);
  json_object_set_new(sum, "links", ws.links);
  json_object_set_new(sum, "parts", json_integer((json_int_t)ws.parts));
  json_object_set_new(sum, "uuencoded", json_integer((json_int_t)ws.uu));
  json_object_set_new(sum, "indicators", ws.iocs);

  json_t *mis = json_array();
  header_mismatches(sum, mis, sink);
  if (ws.link_mismatch) {
    json_array_append_new(mis, json_string("link_text"));
    art_dissect_sink_flag(sink, "link_text_mismatch");
  }
  json_object_set_new(sum, "mismatches", mis);
  {
    size_t i;
    json_t *e;
    json_array_foreach(ws.attachments, i, e)
    {
      json_t *nf = json_object_get(e, "name_flags");
      size_t k;
      json_t *f;
      json_array_foreach(nf, k, f)
          art_dissect_sink_flag(sink, json_string_value(f));
    }
  }
  g_object_unref(msg);
  art_status st = art__dissect_summary(sink, sum);
  if (st == ART_OK && ws.st == ART_OK && cut)
    return ART_ERR_CORRUPT;
  return st != ART_OK ? st : ws.st;
}

/* ---- mbox ------------------------------------------------------------------
 */

static art_status mbox(const art_dissect_input *in, art_dissect_sink *sink)
{
  json_t *sum = json_object(), *msgs = json_array();
  const char *d = (const char *)in->data;
  size_t len = in->len, start = 0, count = 0;
  art_status st = ART_OK;
  json_object_set_new(sum, "format", json_string("mbox"));
  while (start < len) {
    /* This message: after its "From " line, up to the next one that
     * starts a line after an empty line (or any line: mboxo writers). */
    const char *nl = memchr(d + start, '\n', len - start);
    if (!nl)
      break;
    char *sep = strndup(d + start, (size_t)(nl - (d + start)));
    size_t body = (size_t)(nl + 1 - d), end = len;
    for (size_t i = body; i + 5 <= len; i++)
      if (d[i - 1] == '\n' && memcmp(d + i, "From ", 5) == 0) {
        end = i;
        break;
      }
    count++;
    if (st == ART_OK) {
      char name[48], lj[64];
      snprintf(name, sizeof name, "message-%zu.eml", count);
      snprintf(lj, sizeof lj, "{\"mbox_offset\":%zu}", start);
      art_dissect_child c = {"mbox-message",   name, d + body, end - body,
                             "message/rfc822", lj,   0};
      if (art_dissect_sink_child(sink, &c) != ART_OK)
        st = ART_ERR_LIMIT;
    }
    if (json_array_size(msgs) < MAX_LIST) {
      json_t *m = json_object();
      json_object_set_new(m, "offset", json_integer((json_int_t)start));
      json_object_set_new(m, "size", json_integer((json_int_t)(end - body)));
      json_object_set_new(m, "separator", art__dissect_jstr(sep));
      json_array_append_new(msgs, m);
    }
    free(sep);
    start = end;
  }
  json_object_set_new(sum, "messages", json_integer((json_int_t)count));
  json_object_set_new(sum, "index", msgs);
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

static art_status
email_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  pthread_once(&gmime_once, gmime_start);
  if (is_mbox(in->data, in->len))
    return mbox(in, sink);
  return message(ctx, in, sink);
}

const art_dissector art__dissect_email = {
    "email", "RFC 5322/MIME messages and mbox files (GMime 3)", email_recognise,
    email_run};
