/* Indicator classification: strict hand-written matchers for URLs, domains,
 * addresses, paths, registry keys, hashes and more inside string.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/ioc.h>

#include <arpa/inet.h>
#include <idn2.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAND 256

static const char *const class_names[ART_IOC_CLASS_COUNT_] = {
    "none",      "url",      "email",  "domain",     "ipv4", "ipv6", "win_path",
    "unix_path", "registry", "pdb",    "bitcoin",    "md5",  "sha1", "sha256",
    "sha512",    "guid",     "base64", "user_agent", "cve"};

/* Lower wins when candidates overlap. */
static const unsigned char priority[ART_IOC_CLASS_COUNT_] = {
    [ART_IOC_NONE] = 99,    [ART_IOC_USER_AGENT] = 0, [ART_IOC_URL] = 1,
    [ART_IOC_EMAIL] = 2,    [ART_IOC_REGISTRY] = 3,   [ART_IOC_PDB] = 4,
    [ART_IOC_WIN_PATH] = 5, [ART_IOC_UNIX_PATH] = 6,  [ART_IOC_GUID] = 7,
    [ART_IOC_BITCOIN] = 8,  [ART_IOC_SHA512] = 9,     [ART_IOC_SHA256] = 10,
    [ART_IOC_SHA1] = 11,    [ART_IOC_MD5] = 12,       [ART_IOC_CVE] = 13,
    [ART_IOC_IPV6] = 14,    [ART_IOC_IPV4] = 15,      [ART_IOC_DOMAIN] = 16,
    [ART_IOC_BASE64] = 17};

const char *art_ioc_class_name(art_ioc_class cls)
{
  return (unsigned)cls < ART_IOC_CLASS_COUNT_ ? class_names[cls] : "unknown";
}

art_status art_ioc_class_parse(const char *name, art_ioc_class *cls)
{
  if (!name || !cls)
    return ART_ERR_INVALID_ARG;
  for (unsigned i = 0; i < ART_IOC_CLASS_COUNT_; i++)
    if (strcmp(name, class_names[i]) == 0) {
      *cls = (art_ioc_class)i;
      return ART_OK;
    }
  return ART_ERR_INVALID_ARG;
}

/* ---- character classes ---- */

static int is_digit(int c)
{
  return c >= '0' && c <= '9';
}
static int is_lower(int c)
{
  return c >= 'a' && c <= 'z';
}
static int is_upper(int c)
{
  return c >= 'A' && c <= 'Z';
}
static int is_alpha(int c)
{
  return is_lower(c) || is_upper(c);
}
static int is_alnum(int c)
{
  return is_alpha(c) || is_digit(c);
}
static int is_hex(int c)
{
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int to_lower(int c)
{
  return is_upper(c) ? c + 32 : c;
}
static int ci_prefix(const char *t, size_t n, const char *p)
{
  for (size_t i = 0; p[i]; i++)
    if (i >= n ||
        to_lower((unsigned char)t[i]) != to_lower((unsigned char)p[i]))
      return 0;
  return 1;
}
static int at(const char *t, size_t n, size_t i)
{
  return i < n ? (unsigned char)t[i] : -1;
}

/* The UTF-8 character at T[I] (a byte >= 0x80): its length, 0 when not
 * well-formed. */
static size_t u8_at(const char *t, size_t n, size_t i, uint32_t *cp)
{
  const unsigned char *p = (const unsigned char *)t + i;
  size_t avail = n - i, l;
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    l = 2;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    l = 3;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    l = 4;
  else
    return 0;
  if (l > avail)
    return 0;
  uint32_t v = p[0] & (l == 2 ? 0x1fu : l == 3 ? 0x0fu : 0x07u);
  for (size_t k = 1; k < l; k++) {
    if ((p[k] & 0xc0) != 0x80)
      return 0;
    v = v << 6 | (p[k] & 0x3fu);
  }
  if ((l == 3 && v < 0x800) || (l == 4 && (v < 0x10000 || v > 0x10ffff)) ||
      (v >= 0xd800 && v <= 0xdfff))
    return 0;
  *cp = v;
  return l;
}

/* Punctuation, symbols and spaces that end an indicator in text (the
 * Japanese ones included: 「」、。・（）【】 and the ideographic space). */
static int text_stop(uint32_t cp)
{
  return cp < 0xc0 || cp == 0xd7 || cp == 0xf7 ||
         (cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x2e00 && cp <= 0x2e7f) ||
         (cp >= 0x3000 && cp <= 0x3004) || (cp >= 0x3008 && cp <= 0x303f) ||
         cp == 0x30fb || (cp >= 0xe000 && cp <= 0xf8ff) ||
         (cp >= 0xfe10 && cp <= 0xfe6f) || (cp >= 0xff00 && cp <= 0xffff);
}

/* Bytes of a host-name character at T[I]: ASCII letter, digit, '-', '.',
 * or a letter of another script (internationalised names); 0 otherwise. */
static size_t dom_len_wide(const char *t, size_t n, size_t i)
{
  uint32_t cp;
  size_t l = u8_at(t, n, i, &cp);
  return l && !text_stop(cp) ? l : 0;
}

static inline size_t dom_len(const char *t, size_t n, size_t i)
{
  int c = (unsigned char)t[i];
  if (c < 0x80)
    return is_alnum(c) || c == '-' || c == '.';
  return dom_len_wide(t, n, i);
}

/* Trim an internationalised candidate T[*A, *B) to what a reader sees as
 * the host name: the top-level label is ASCII (so Japanese text after it is
 * not part of it), and a first label that turns from another script to
 * ASCII starts at the ASCII ("例えばexample.jp"). */
static void idn_trim(const char *t, size_t *a, size_t *b)
{
  size_t last = *b;
  while (last > *a && t[last - 1] != '.')
    last--;
  for (size_t k = last; k < *b; k++)
    if ((unsigned char)t[k] >= 0x80) {
      *b = k;
      break;
    }
  size_t first_end = *a;
  while (first_end < *b && t[first_end] != '.')
    first_end++;
  size_t cut = *a;
  for (size_t k = *a; k < first_end; k++)
    if ((unsigned char)t[k] >= 0x80)
      cut = k + 1;
  if (cut > *a && cut < first_end) {
    while (cut < first_end && (unsigned char)t[cut] >= 0x80)
      cut++;
    *a = cut;
  }
}

/* ---- top-level domains ---- */

/* Delegated country and the generic TLDs seen in practice. TLDs that
 * are mostly file names (zip, mov) are left out. */
static const char tlds[] =
    " ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh"
    " bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr"
    " cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo"
    " fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht"
    " hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw"
    " ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo"
    " mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om"
    " pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd"
    " se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk"
    " tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws"
    " ye yt za zm zw"
    " com net org info biz edu gov mil int arpa pro aero asia cat coop"
    " jobs mobi museum post tel travel xxx xyz top online site club app dev"
    " shop store tech website space link click download win bid loan work"
    " party review racing trade science men gdn icu vip fun cyou buzz best"
    " lol monster rest bar sbs cfd ltd ink onion";

/* Two-label names ending in these are far more often file names. */
static const char ext_tlds[] =
    " so md py sh pl rs cc ps pm mk ac am in mo ai cf la bz ml mm sy sc st"
    " do tk gs ms ts id ";

static int in_list(const char *list, const char *w, size_t n)
{
  if (n == 0 || n > 24)
    return 0;
  char key[28];
  key[0] = ' ';
  for (size_t i = 0; i < n; i++)
    key[i + 1] = (char)to_lower((unsigned char)w[i]);
  key[n + 1] = ' ';
  key[n + 2] = '\0';
  /* The list ends without a space: check that case too. */
  if (strstr(list, key))
    return 1;
  size_t ll = strlen(list);
  return ll >= n + 1 && list[ll - n - 1] == ' ' &&
         memcmp(list + ll - n, key + 1, n) == 0;
}

int art_ioc_is_tld(const char *label, size_t len)
{
  if (!label)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (!is_alpha((unsigned char)label[i]))
      return 0;
  return in_list(tlds, label, len);
}

static const char third_level_cc[] = " uk au nz za br kr ";
static const char classic_tlds[] = " com net org edu gov mil int info biz ";

/* First labels that make "x.name"-style property accesses in scripts and
 * code, not host names. */
static const char code_words[] =
    " this self node key keys options opts result entry relative window"
    " document args arg obj item value data config conf request response req"
    " res ctx context event target parent child element el file module"
    " exports object error err state props params util utils console process"
    " math json string array list map type user app server client socket conn"
    " session url uri path attr field msg message info org net com e a b c d"
    " i j k n o p r s t v x y ";

/* A host name: labels of letters, digits and hyphens ending in a known TLD.
 * STRICT (free text) adds case and file-name checks that a URL's host does
 * not need. */
static int valid_domain(const char *t, size_t n, int strict);

/* An internationalised name: valid under IDNA2008 (with the UTS #46
 * mapping), and its ASCII form a valid host name. */
static int script_of(uint32_t cp)
{
  if ((cp >= 0xc0 && cp <= 0x24f) || (cp >= 0x1e00 && cp <= 0x1eff))
    return 1; /* Latin */
  if (cp >= 0x370 && cp <= 0x3ff)
    return 2;
  if (cp >= 0x400 && cp <= 0x52f)
    return 3;
  if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || cp == 0x3005 ||
      (cp >= 0xf900 && cp <= 0xfaff))
    return 4; /* kana and kanji */
  if (cp >= 0xac00 && cp <= 0xd7af)
    return 5;
  if (cp >= 0x590 && cp <= 0x6ff)
    return 6; /* Hebrew, Arabic */
  if (cp >= 0xe00 && cp <= 0xe7f)
    return 7;
  return 0;
}

/* Free text: an internationalised name as people write them, not as
 * random UTF-8 happens to form them: one script, a lower-case ASCII TLD,
 * kana/kanji or Hangul labels of two characters or more, Latin, Greek or
 * Cyrillic letters beside lower-case ASCII ones, other scripts three. */
static int plausible_idn(const char *t, size_t n)
{
  int script = -1;
  size_t wide = 0, ascii_letters = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)t[i];
    if (c < 0x80) {
      if (is_upper(c))
        return 0;
      ascii_letters += is_lower(c) ? 1u : 0u;
      i++;
      continue;
    }
    uint32_t cp;
    size_t l = u8_at(t, n, i, &cp);
    int sc = l ? script_of(cp) : 0;
    if (!sc || (script >= 0 && sc != script))
      return 0;
    script = sc;
    wide++;
    i += l;
  }
  if (script == 4 || script == 5)
    return wide >= 2;
  if (script >= 1 && script <= 3)
    return ascii_letters >= 3;
  return wide >= 3;
}

static int valid_idn(const char *t, size_t n, int strict)
{
  char buf[256];
  uint8_t *ascii = NULL;
  if (n >= sizeof buf || (strict && !plausible_idn(t, n)))
    return 0;
  memcpy(buf, t, n);
  buf[n] = '\0';
  if (idn2_lookup_u8((const uint8_t *)buf, &ascii,
                     IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
    return 0;
  int ok = valid_domain((const char *)ascii, strlen((const char *)ascii), 0);
  idn2_free(ascii);
  return ok;
}

static int valid_domain(const char *t, size_t n, int strict)
{
  if (n < 4 || n > 253)
    return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)t[i] >= 0x80)
      return valid_idn(t, n, strict);
  size_t labels = 0, ls = 0, tld_s = 0;
  int any_lower = 0, any_upper = 0, all_numeric = 1;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || t[i] == '.') {
      size_t ll = i - ls;
      if (ll == 0 || ll > 63 || t[ls] == '-' || t[i - 1] == '-')
        return 0;
      labels++;
      tld_s = ls;
      ls = i + 1;
      continue;
    }
    int c = (unsigned char)t[i];
    if (!is_alnum(c) && c != '-')
      return 0;
    if (!is_digit(c) && c != '-')
      all_numeric = 0;
    any_lower |= is_lower(c);
    any_upper |= is_upper(c);
  }
  (void)all_numeric;
  /* A label of digits only ("libfoo-0.21.so") is a version, not a host. */
  for (size_t i = 0, st = 0; i <= n; i++) {
    if (i < n && t[i] != '.')
      continue;
    size_t k = st;
    while (k < i && is_digit((unsigned char)t[k]))
      k++;
    if (k == i && st > 0)
      return 0;
    st = i + 1;
  }
  size_t tl = n - tld_s;
  if (labels < 2 || !art_ioc_is_tld(t + tld_s, tl))
    return 0;
  if (!strict)
    return 1;
  int tld_upper = is_upper((unsigned char)t[tld_s]);
  for (size_t i = tld_s; i < n; i++)
    if (is_upper((unsigned char)t[i]) != tld_upper)
      return 0; /* "System.Net", "foo.cOm" */
  if (tld_upper && any_lower)
    return 0; /* "System.IO" */
  if (!tld_upper && any_upper) {
    /* Title-case labels only ("Microsoft.com"). */
    for (size_t i = 0; i < tld_s; i++)
      if (is_upper((unsigned char)t[i]) && i > 0 && t[i - 1] != '.')
        return 0;
  }
  if (in_list(ext_tlds, t + tld_s, tl))
    return 0;
  /* Mixed case ("Atomics.store") only under the classic TLDs. */
  if (any_upper && tl > 2 && !in_list(classic_tlds, t + tld_s, tl))
    return 0;
  if (labels == 2 && tl == 2) {
    /* Short names under country codes are mostly noise ("b.nl"): the
     * second-level label needs three characters, two of them letters. */
    size_t sl = tld_s - 1, letters = 0;
    for (size_t i = 0; i < sl; i++)
      letters += is_alpha((unsigned char)t[i]) ? 1u : 0u;
    if (sl < 3 || letters < 2)
      return 0;
  }
  if (labels == 2 && strict == 1 && in_list(code_words, t, tld_s - 1))
    return 0;
  if (labels == 2 && tl > 2 && !in_list(classic_tlds, t + tld_s, tl)) {
    /* "1t.lol": under the newer generic TLDs, short names are noise. */
    size_t sl = tld_s - 1, letters = 0;
    for (size_t i = 0; i < sl; i++)
      letters += is_alpha((unsigned char)t[i]) ? 1u : 0u;
    if (sl < 3 || letters < 2)
      return 0;
  }
  /* Where names are registered one level down (co.uk, com.au). */
  if (labels == 2 && in_list(third_level_cc, t + tld_s, tl))
    return 0;
  /* Upper-case names: only under generic TLDs or with three labels. */
  if (tld_upper && labels == 2 && tl == 2)
    return 0;
  return 1;
}

/* ---- candidates ---- */

typedef struct cands {
  art_ioc c[MAX_CAND];
  size_t n;
} cands;

static void add(cands *cs, art_ioc_class cls, size_t start, size_t len)
{
  if (cs->n < MAX_CAND && len > 0)
    cs->c[cs->n++] = (art_ioc){cls, start, len};
}

static void find_domains(const char *t, size_t n, cands *cs)
{
  size_t i = 0;
  while (i < n) {
    size_t l = dom_len(t, n, i);
    if (!l) {
      i++;
      continue;
    }
    size_t a = i;
    int wide = 0;
    while (i < n && (l = dom_len(t, n, i)) > 0) {
      wide |= l > 1;
      i += l;
    }
    size_t b = i;
    if (wide) {
      idn_trim(t, &a, &b);
      if (b <= a)
        continue;
    }
    int prev = a > 0 ? (unsigned char)t[a - 1] : -1;
    int next = at(t, n, b);
    if (prev == '@' || prev == '_' || next == '@' || next == '_')
      continue;
    /* ".data.rel.ro" is a section name, "-foo.de" an option. */
    if (t[a] == '.' || t[a] == '-')
      continue;
    while (b > a && (t[b - 1] == '.' || t[b - 1] == '-'))
      b--;
    if (valid_domain(t + a, b - a, 1))
      add(cs, ART_IOC_DOMAIN, a, b - a);
  }
}

static int parse_ipv4(const char *t, size_t n)
{
  size_t i = 0;
  for (int oct = 0; oct < 4; oct++) {
    if (oct) {
      if (i >= n || t[i] != '.')
        return 0;
      i++;
    }
    size_t s = i;
    unsigned v = 0;
    while (i < n && is_digit((unsigned char)t[i]) && i - s < 3)
      v = v * 10 + (unsigned)(t[i++] - '0');
    if (i == s || v > 255 || (i - s > 1 && t[s] == '0'))
      return 0;
  }
  return i == n;
}

static void find_ipv4(const char *t, size_t n, cands *cs)
{
  size_t i = 0;
  while (i < n) {
    int c = (unsigned char)t[i];
    if (!is_digit(c) && c != '.') {
      i++;
      continue;
    }
    size_t a = i;
    while (i < n && (is_digit((unsigned char)t[i]) || t[i] == '.'))
      i++;
    size_t b = i;
    int prev_c = a > 0 ? (unsigned char)t[a - 1] : -1;
    if (is_alnum(prev_c) || is_alnum(at(t, n, b)))
      continue;
    while (b > a && t[b - 1] == '.')
      b--;
    if (a < b && t[a] == '.')
      continue;
    if (!parse_ipv4(t + a, b - a))
      continue;
    unsigned first = 0;
    for (size_t k = a; t[k] != '.'; k++)
      first = first * 10 + (unsigned)(t[k] - '0');
    /* Versions: "v1.2.3.4", "foo-1.2.3.4", and four single digits (but
     * the well-known resolvers 1.1.1.1, 8.8.8.8, 8.8.4.4, 9.9.9.9). */
    if (prev_c == 'v' || prev_c == 'V' || prev_c == '-' || prev_c == '_' ||
        at(t, n, b) == '-')
      continue;
    if (b - a == 7 &&
        !(t[a] == t[a + 2] && t[a] == t[a + 4] && t[a] == t[a + 6]) &&
        memcmp(t + a, "8.8.4.4", 7) != 0)
      continue;
    /* Three leading single digits ("1.1.0.14") are versions; X.500 and
     * SNMP object identifiers ("2.5.29.14", "1.3.6.1") are not hosts. */
    int resolver =
        b - a == 7 &&
        ((t[a] == t[a + 2] && t[a] == t[a + 4] && t[a] == t[a + 6]) ||
         memcmp(t + a, "8.8.4.4", 7) == 0);
    if (!resolver && b - a >= 7 && t[a + 1] == '.' && t[a + 3] == '.' &&
        t[a + 5] == '.')
      continue;
    if (ci_prefix(t + a, b - a, "2.5.29.") ||
        ci_prefix(t + a, b - a, "2.5.4.") || ci_prefix(t + a, b - a, "1.3.6."))
      continue;
    /* 0.x, netmasks and reserved space; x.0.0.0 is mostly a version. */
    if (first == 0 || first >= 240)
      continue;
    size_t l = b - a;
    if (l >= 2 && memcmp(t + b - 2, ".0", 2) == 0)
      continue; /* versions (2.0.3.0) and network numbers */
    add(cs, ART_IOC_IPV4, a, l);
  }
}

static void find_ipv6(const char *t, size_t n, cands *cs)
{
  size_t i = 0;
  while (i < n) {
    int c = (unsigned char)t[i];
    if (!is_hex(c) && c != ':') {
      i++;
      continue;
    }
    size_t a = i;
    size_t colons = 0, run = 0, maxrun = 0, groups = 0;
    while (i < n &&
           (is_hex((unsigned char)t[i]) || t[i] == ':' || t[i] == '.')) {
      if (t[i] == ':') {
        colons++;
        run = 0;
      } else if (is_hex((unsigned char)t[i])) {
        if (run++ == 0)
          groups++;
        if (run > maxrun)
          maxrun = run;
      }
      i++;
    }
    size_t b = i;
    while (b > a && t[b - 1] == '.')
      b--;
    if ((a > 0 && (is_alnum((unsigned char)t[a - 1]) || t[a - 1] == ':')) ||
        is_alnum(at(t, n, i)))
      continue;
    if (colons < 2 || groups < 2 || b - a > 45 || (maxrun < 4 && groups < 4))
      continue;
    int up = 0, lo = 0;
    for (size_t k = a; k < b; k++) {
      up |= is_upper((unsigned char)t[k]);
      lo |= is_lower((unsigned char)t[k]);
    }
    if (up && lo)
      continue;
    char buf[48];
    unsigned char addr[16];
    memcpy(buf, t + a, b - a);
    buf[b - a] = '\0';
    if (inet_pton(AF_INET6, buf, addr) == 1)
      add(cs, ART_IOC_IPV6, a, b - a);
  }
}

static int local_char(int c)
{
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
         c == '-';
}

static void find_email(const char *t, size_t n, cands *cs)
{
  const char *p = t, *end = t + n;
  while ((p = memchr(p, '@', (size_t)(end - p))) != NULL) {
    size_t at_pos = (size_t)(p - t);
    p++;
    size_t a = at_pos;
    while (a > 0 && at_pos - a < 64 && local_char((unsigned char)t[a - 1]))
      a--;
    while (a < at_pos && (t[a] == '.' || t[a] == '-'))
      a++;
    if (a == at_pos || t[at_pos - 1] == '.')
      continue;
    size_t b = at_pos + 1, l;
    int wide = 0;
    while (b < n && (l = dom_len(t, n, b)) > 0) {
      wide |= l > 1;
      b += l;
    }
    if (wide) {
      size_t da = at_pos + 1;
      idn_trim(t, &da, &b);
      if (da != at_pos + 1)
        continue;
    }
    while (b > at_pos + 1 && (t[b - 1] == '.' || t[b - 1] == '-'))
      b--;
    if (at_pos - a >= 2 && valid_domain(t + at_pos + 1, b - at_pos - 1, 2)) {
      /* The domain must not itself look like noise: its TLD in one case. */
      size_t d = b;
      while (d > at_pos && t[d - 1] != '.')
        d--;
      int up = 0, lo = 0;
      for (size_t k = d; k < b; k++) {
        up |= is_upper((unsigned char)t[k]);
        lo |= is_lower((unsigned char)t[k]);
      }
      if (!(up && lo))
        add(cs, ART_IOC_EMAIL, a, b - a);
    }
  }
}

static int url_char(int c)
{
  return c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != '<' &&
         c != '>' && c != '\\' && c != '`' && c != '{' && c != '}' &&
         c != '|' && c != '^';
}

static const char *const schemes[] = {
    "http", "https", "ftp", "ftps",   "sftp",  "tcp",  "udp",
    "ws",   "wss",   "smb", "hxxp",   "hxxps", "ldap", "ldaps",
    "rtsp", "irc",   "ssh", "telnet", "file"};

static void find_urls(const char *t, size_t n, cands *cs)
{
  size_t i = 0;
  while (i + 3 <= n) {
    const char *p = memchr(t + i, ':', n - i);
    if (!p)
      break;
    size_t c = (size_t)(p - t);
    i = c + 1;
    if (c + 3 > n || t[c + 1] != '/' || t[c + 2] != '/')
      continue;
    size_t a = c;
    while (a > 0 && c - a < 8 && is_alpha((unsigned char)t[a - 1]))
      a--;
    if (a == c || (a > 0 && is_alnum((unsigned char)t[a - 1])))
      continue;
    int known = 0, is_file = 0;
    for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++)
      if (strlen(schemes[k]) == c - a && ci_prefix(t + a, c - a, schemes[k])) {
        known = 1;
        is_file = strcmp(schemes[k], "file") == 0;
      }
    if (!known)
      continue;
    size_t h = c + 3, e = h;
    /* The host may be internationalised; the rest is ASCII (text in
     * another script after a URL is not part of it). */
    int wide = 0;
    for (size_t l; e < n && t[e] != '/' && t[e] != '?' && t[e] != '#';) {
      if (url_char((unsigned char)t[e])) {
        e++;
      } else if ((l = dom_len(t, n, e)) > 1) {
        wide = 1;
        e += l;
      } else {
        break;
      }
    }
    if (wide) {
      size_t ha = h;
      idn_trim(t, &ha, &e);
    }
    if (e < n && (t[e] == '/' || t[e] == '?' || t[e] == '#'))
      while (e < n && url_char((unsigned char)t[e]))
        e++;
    /* Trailing punctuation belongs to the sentence. */
    while (e > h && strchr(".,;:!?)]", t[e - 1]))
      e--;
    if (is_file) {
      if (e > h + 1 && t[h] == '/')
        add(cs, ART_IOC_URL, a, e - a);
      i = e;
      continue;
    }
    /* Host: after any user:pass@, up to ':', '/', '?' or '#'. */
    size_t hs = h, he = h;
    while (he < e && t[he] != '/' && t[he] != '?' && t[he] != '#')
      he++;
    const char *atp = memchr(t + hs, '@', he - hs);
    if (atp)
      hs = (size_t)(atp - t) + 1;
    size_t hend = hs;
    int ok = 0;
    if (hs < he && t[hs] == '[') {
      const char *rb = memchr(t + hs, ']', he - hs);
      if (rb && (size_t)(rb - t) - hs - 1 < 46) {
        char buf[48];
        unsigned char addr[16];
        size_t l = (size_t)(rb - t) - hs - 1;
        memcpy(buf, t + hs + 1, l);
        buf[l] = '\0';
        ok = inet_pton(AF_INET6, buf, addr) == 1;
        hend = (size_t)(rb - t) + 1;
      }
    } else {
      while (hend < he && t[hend] != ':')
        hend++;
      ok = valid_domain(t + hs, hend - hs, 0) ||
           parse_ipv4(t + hs, hend - hs) ||
           (hend - hs == 9 && ci_prefix(t + hs, 9, "localhost"));
    }
    if (ok && hend < he) {
      /* Only a port may follow the host. */
      if (t[hend] != ':')
        ok = 0;
      for (size_t k = hend + 1; ok && k < he; k++)
        ok = is_digit((unsigned char)t[k]);
    }
    if (ok)
      add(cs, ART_IOC_URL, a, e - a);
    i = e > i ? e : i;
  }
}

static int win_char(int c)
{
  return c >= 0x20 && c != '<' && c != '>' && c != '"' && c != '|' &&
         c != '?' && c != '*' && c != 0x7f;
}

/* Extend a Windows path from I; returns its end with trailing blanks and
 * dots dropped. */
static size_t win_end(const char *t, size_t n, size_t i)
{
  uint32_t cp;
  while (i < n && win_char((unsigned char)t[i]) &&
         !(t[i] == ':' && i + 1 < n && t[i + 1] == '\\')) {
    if ((unsigned char)t[i] >= 0x80) {
      size_t l = u8_at(t, n, i, &cp);
      if (l && text_stop(cp) && cp >= 0x2000)
        break;
      i += l ? l : 1;
      continue;
    }
    i++;
  }
  while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '.'))
    i--;
  return i;
}

static void add_path(cands *cs, const char *t, size_t a, size_t e)
{
  if (e - a >= 5 && ci_prefix(t + e - 4, 4, ".pdb"))
    add(cs, ART_IOC_PDB, a, e - a);
  else
    add(cs, ART_IOC_WIN_PATH, a, e - a);
}

static void find_win_paths(const char *t, size_t n, cands *cs)
{
  size_t i = 0;
  while (i < n) {
    size_t a = i;
    int c = (unsigned char)t[i];
    if (is_alpha(c) && at(t, n, i + 1) == ':' && at(t, n, i + 2) == '\\' &&
        (i == 0 || !is_alnum((unsigned char)t[i - 1]))) {
      size_t e = win_end(t, n, i + 3);
      int f = at(t, n, i + 3);
      int plain = 1, more = 0, letters = 0;
      for (size_t k = i + 3; k < e && plain; k++) {
        int ch = (unsigned char)t[k];
        letters += is_alpha(ch);
        plain = is_alnum(ch) || ch >= 0x80 ||
                strchr(" _.$%~()-\\{}@#&+,;=!'[]", ch);
        more |= ch == '\\' || ch == '.';
      }
      /* Drive paths in noise are short or odd: a name needs a letter, a
       * digit, '$', '%' or '_' first, plain path characters, and either a
       * second component, an extension or five characters. */
      if (plain && letters >= 4 &&
          (is_alnum(f) || f == '$' || f == '%' || f == '_') &&
          (e - i - 3 >= 5 || (more && e - i - 3 >= 3))) {
        add_path(cs, t, a, e);
        i = e;
        continue;
      }
    } else if (c == '\\' && at(t, n, i + 1) == '\\' &&
               (i == 0 || t[i - 1] != '\\')) {
      /* \\server\share\..., \\?\C:\..., \\.\PhysicalDrive0 */
      size_t k = i + 2;
      if (at(t, n, k) == '?' || at(t, n, k) == '.') {
        if (at(t, n, k + 1) == '\\') {
          size_t e = k + 2;
          while (e < n && win_char((unsigned char)t[e]))
            e++;
          while (e > k + 2 && t[e - 1] == ' ')
            e--;
          if (e > k + 3) {
            add_path(cs, t, a, e);
            i = e;
            continue;
          }
        }
      } else {
        while (k < n && (is_alnum((unsigned char)t[k]) || t[k] == '-' ||
                         t[k] == '.' || t[k] == '_'))
          k++;
        if (k > i + 3 && at(t, n, k) == '\\' &&
            (is_alnum(at(t, n, k + 1)) || at(t, n, k + 1) == '$' ||
             at(t, n, k + 1) == '_')) {
          size_t e = win_end(t, n, k + 1);
          /* \\server\share needs more: a further component, an
           * administrative share ("C$") or a dotted server name. */
          size_t sh = k + 1;
          while (sh < e && t[sh] != '\\')
            sh++;
          int dotted = memchr(t + i + 2, '.', k - i - 2) != NULL;
          if (sh - k - 1 >= 2 && (sh < e || t[sh - 1] == '$' || dotted)) {
            add_path(cs, t, a, e);
            i = e;
            continue;
          }
        }
      }
    } else if (c == '%' && (i == 0 || !is_alnum((unsigned char)t[i - 1]))) {
      size_t k = i + 1;
      while (k < n && (is_alnum((unsigned char)t[k]) || t[k] == '_' ||
                       t[k] == '(' || t[k] == ')'))
        k++;
      if (k > i + 2 && at(t, n, k) == '%' && at(t, n, k + 1) == '\\' &&
          is_alpha((unsigned char)t[i + 1])) {
        size_t e = win_end(t, n, k + 2);
        if (e > k + 2) {
          add_path(cs, t, a, e);
          i = e;
          continue;
        }
      }
    }
    i++;
  }
}

static const char *const unix_roots[] = {
    "bin",          "boot",    "dev",     "etc",     "home",    "lib",
    "lib32",        "lib64",   "libx32",  "media",   "mnt",     "opt",
    "proc",         "root",    "run",     "sbin",    "srv",     "sys",
    "tmp",          "usr",     "var",     "Users",   "Library", "System",
    "Applications", "private", "Volumes", "sdcard",  "storage", "data",
    "system",       "nix",     "snap",    "cygdrive"};

static int unix_char(int c)
{
  return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == '+' ||
         c == '@' || c == '~' || c == '%' || c == ',' || c == '=' || c == '#';
}

static void find_unix_paths(const char *t, size_t n, cands *cs)
{
  size_t i = 0;
  while (i < n) {
    int c = (unsigned char)t[i];
    int tilde = c == '~' && at(t, n, i + 1) == '/';
    if ((c != '/' && !tilde) ||
        (i > 0 && (unix_char((unsigned char)t[i - 1]) || t[i - 1] == '/' ||
                   t[i - 1] == ':' || t[i - 1] == '\\'))) {
      i++;
      continue;
    }
    size_t a = i, k = tilde ? i + 2 : i + 1;
    size_t r = k;
    while (k < n && unix_char((unsigned char)t[k]))
      k++;
    int root_ok =
        tilde && k >= r + 2 && (is_alpha((unsigned char)t[r]) || t[r] == '.');
    for (size_t j = 0; !root_ok && j < sizeof(unix_roots) / sizeof(*unix_roots);
         j++)
      root_ok = strlen(unix_roots[j]) == k - r &&
                memcmp(t + r, unix_roots[j], k - r) == 0;
    if (!root_ok) {
      i = k > i ? k : i + 1;
      continue;
    }
    size_t comps = 1;
    while (k < n && t[k] == '/') {
      size_t s = ++k;
      while (k < n && unix_char((unsigned char)t[k]))
        k++;
      if (k > s)
        comps++;
    }
    if (comps >= 2 || (!tilde && k > r && t[k - 1] == '/'))
      add(cs, ART_IOC_UNIX_PATH, a, k - a);
    i = k;
  }
}

static const char *const hives[] = {"HKEY_LOCAL_MACHINE",
                                    "HKEY_CURRENT_USER",
                                    "HKEY_CLASSES_ROOT",
                                    "HKEY_USERS",
                                    "HKEY_CURRENT_CONFIG",
                                    "HKEY_PERFORMANCE_DATA",
                                    "HKLM",
                                    "HKCU",
                                    "HKCR",
                                    "HKU",
                                    "HKCC"};
static const char *const reg_roots[] = {
    "Software\\", "System\\CurrentControlSet\\", "System\\ControlSet0",
    "\\Registry\\Machine\\", "\\Registry\\User\\"};

static size_t reg_end(const char *t, size_t n, size_t i)
{
  /* Key names are ASCII in practice: text in another script after a key
   * ("Run に登録") is not part of it. */
  while (i < n && (unsigned char)t[i] >= 0x20 && (unsigned char)t[i] < 0x80 &&
         t[i] != '"' && t[i] != 0x7f)
    i++;
  while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\\'))
    i--;
  return i;
}

static void find_registry(const char *t, size_t n, cands *cs)
{
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)t[i];
    if ((c != 'H' && c != 'h' && c != 'S' && c != 's' && c != '\\') ||
        (i > 0 && (is_alnum((unsigned char)t[i - 1]) || t[i - 1] == '_')))
      continue;
    size_t e = 0;
    for (size_t k = 0; !e && k < sizeof(hives) / sizeof(*hives); k++) {
      if (!ci_prefix(t + i, n - i, hives[k]))
        continue;
      size_t l = strlen(hives[k]);
      int nx = at(t, n, i + l);
      if (nx == '\\' && is_alnum(at(t, n, i + l + 1)))
        e = reg_end(t, n, i + l + 1);
      else if (l > 4 && !is_alnum(nx) && nx != '_')
        e = i + l; /* a bare full hive name */
    }
    for (size_t k = 0; !e && k < sizeof(reg_roots) / sizeof(*reg_roots); k++) {
      size_t l = strlen(reg_roots[k]);
      if (ci_prefix(t + i, n - i, reg_roots[k]) && is_alpha(at(t, n, i + l)))
        e = reg_end(t, n, i + l);
    }
    if (e > i) {
      add(cs, ART_IOC_REGISTRY, i, e - i);
      i = e - 1;
    }
  }
}

/* ---- tokens of letters and digits: hashes, GUIDs, bitcoin, base64 ---- */

static const char b58[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int base58check(const char *t, size_t n)
{
  unsigned char num[32] = {0};
  for (size_t i = 0; i < n; i++) {
    const char *p = strchr(b58, t[i]);
    if (!p || !t[i])
      return 0;
    unsigned carry = (unsigned)(p - b58);
    for (int k = 31; k >= 0; k--) {
      carry += 58u * num[k];
      num[k] = (unsigned char)(carry & 0xff);
      carry >>= 8;
    }
    if (carry)
      return 0;
  }
  /* 25 bytes: version, 20-byte hash, 4-byte checksum. Leading '1's are
   * zero bytes. */
  size_t zeros = 0;
  while (zeros < n && t[zeros] == '1')
    zeros++;
  size_t first = 0;
  while (first < 32 && num[first] == 0)
    first++;
  if (32 - first + zeros != 25)
    return 0;
  const unsigned char *payload = num + 7;
  unsigned char h1[EVP_MAX_MD_SIZE], h2[EVP_MAX_MD_SIZE];
  unsigned l1 = 0, l2 = 0;
  if (!EVP_Digest(payload, 21, h1, &l1, EVP_sha256(), NULL) ||
      !EVP_Digest(h1, l1, h2, &l2, EVP_sha256(), NULL))
    return 0;
  if (memcmp(h2, payload + 21, 4) != 0)
    return 0;
  return (t[0] == '1' && payload[0] == 0) || (t[0] == '3' && payload[0] == 5);
}

static int bech32_ok(const char *t, size_t n)
{
  static const char cs32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  if (n < 14 || n > 74 || memcmp(t, "bc1", 3) != 0)
    return 0;
  uint32_t chk = 1;
  const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                           0x2a1462b3u};
  /* The human-readable part "bc", expanded. */
  const uint8_t hrp[5] = {3, 3, 0, 2, 3};
  for (size_t i = 0; i < n - 3 + 5; i++) {
    uint8_t v;
    if (i < 5) {
      v = hrp[i];
    } else {
      const char *p = strchr(cs32, t[i - 5 + 3]);
      if (!p || !t[i - 5 + 3])
        return 0;
      v = (uint8_t)(p - cs32);
    }
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffffu) << 5) ^ v;
    for (int k = 0; k < 5; k++)
      if ((top >> k) & 1)
        chk ^= gen[k];
  }
  return chk == 1 || chk == 0x2bc830a3u;
}

/* Digests look uniform; hex-encoded text ("FEFF004C0069...") repeats
 * some digits far more than chance would. */
static int skewed(const char *t, size_t l)
{
  unsigned counts[16] = {0};
  for (size_t i = 0; i < l; i++) {
    int c = to_lower((unsigned char)t[i]);
    counts[is_digit(c) ? c - '0' : c - 'a' + 10]++;
  }
  for (unsigned i = 0; i < 16; i++)
    if (counts[i] > l / 4 + 2)
      return 1;
  return 0;
}

static int b64_char(int c)
{
  return is_alnum(c) || c == '+' || c == '/';
}

static void find_tokens(const char *t, size_t n, cands *cs)
{
  size_t i = 0;
  while (i < n) {
    if (!b64_char((unsigned char)t[i])) {
      i++;
      continue;
    }
    size_t a = i;
    int up = 0, lo = 0, dig = 0, other = 0, hexonly = 1;
    while (i < n && b64_char((unsigned char)t[i])) {
      int c = (unsigned char)t[i];
      up |= is_upper(c);
      lo |= is_lower(c);
      dig |= is_digit(c);
      other |= c == '+' || c == '/';
      if (!is_hex(c))
        hexonly = 0;
      i++;
    }
    size_t b = i, pad = 0;
    while (pad < 2 && at(t, n, b + pad) == '=')
      pad++;
    int prev = a > 0 ? (unsigned char)t[a - 1] : -1;
    int next = at(t, n, b + pad);
    size_t l = b - a;
    /* Hex digests. */
    if (!other && hexonly && pad == 0 && prev != '_' && next != '_' &&
        (l == 32 || l == 40 || l == 64 || l == 128) && dig && (up || lo) &&
        !(up && lo) && !skewed(t + a, l)) {
      add(cs,
          l == 32   ? ART_IOC_MD5
          : l == 40 ? ART_IOC_SHA1
          : l == 64 ? ART_IOC_SHA256
                    : ART_IOC_SHA512,
          a, l);
      continue;
    }
    /* Bitcoin addresses. */
    if (!other && pad == 0 && l >= 26 && l <= 35 &&
        (t[a] == '1' || t[a] == '3') && base58check(t + a, l)) {
      add(cs, ART_IOC_BITCOIN, a, l);
      continue;
    }
    if (!other && pad == 0 && l >= 14 && l <= 74 && bech32_ok(t + a, l)) {
      add(cs, ART_IOC_BITCOIN, a, l);
      continue;
    }
    /* Base64: long, mixed, a whole number of quanta. */
    if (next != '=' && !b64_char(next) && up && lo && dig &&
        (l + pad) % 4 == 0 && (l + pad >= 40 || (pad && l + pad >= 24))) {
      /* Paths and identifiers are not base64 blobs. */
      int slashes = 0;
      size_t run = 0, maxrun = 0, lower = 0, vowels = 0;
      for (size_t k = a; k < b; k++) {
        int ch = (unsigned char)t[k];
        slashes += ch == '/';
        if (is_lower(ch)) {
          lower++;
          vowels += strchr("aeiou", ch) != NULL;
        }
        int same =
            k > a && (is_lower(ch) == is_lower((unsigned char)t[k - 1]) &&
                      is_upper(ch) == is_upper((unsigned char)t[k - 1]));
        run = same && is_alpha(ch) ? run + 1 : 1;
        if (run > maxrun)
          maxrun = run;
      }
      /* Identifiers and mangled C++ names are long alphanumeric runs too,
       * but never hold '+', '/' or padding; without them only a long,
       * word-free run counts (seven letters of one case, or vowels in more
       * than 30% of the lower-case letters, as in English, mark words). */
      if (slashes * 8 < (int)l &&
          (pad || other || (l >= 64 && maxrun < 7 && vowels * 10 < lower * 3)))
        add(cs, ART_IOC_BASE64, a, l + pad);
    }
    i = b + pad > i ? b + pad : i;
  }
}

static int hex_run(const char *t, size_t n, size_t i, size_t len)
{
  if (i + len > n)
    return 0;
  for (size_t k = 0; k < len; k++)
    if (!is_hex((unsigned char)t[i + k]))
      return 0;
  return 1;
}

static void find_guids(const char *t, size_t n, cands *cs)
{
  static const size_t parts[5] = {8, 4, 4, 4, 12};
  for (size_t i = 0; i + 36 <= n; i++) {
    /* A GUID has its first '-' 8 characters in: jump to the next one. */
    const char *d = memchr(t + i + 8, '-', n - i - 8);
    if (!d)
      break;
    if ((size_t)(d - t) - 8 > i)
      i = (size_t)(d - t) - 8;
    if (i + 36 > n)
      break;
    if (!is_hex((unsigned char)t[i]) ||
        (i > 0 && (is_alnum((unsigned char)t[i - 1]) || t[i - 1] == '-')))
      continue;
    size_t k = i;
    int ok = 1;
    for (int p = 0; p < 5 && ok; p++) {
      ok = hex_run(t, n, k, parts[p]);
      k += parts[p];
      if (ok && p < 4)
        ok = at(t, n, k++) == '-';
    }
    if (!ok || is_alnum(at(t, n, k)) || at(t, n, k) == '-')
      continue;
    size_t a = i, e = k;
    if (a > 0 && t[a - 1] == '{' && at(t, n, e) == '}') {
      a--;
      e++;
    }
    add(cs, ART_IOC_GUID, a, e - a);
    i = k - 1;
  }
}

static const char *const agents[] = {"Mozilla/",
                                     "Opera/",
                                     "curl/",
                                     "Wget/",
                                     "python-requests/",
                                     "Python-urllib/",
                                     "Go-http-client/",
                                     "Java/",
                                     "libwww-perl/",
                                     "Microsoft-CryptoAPI/",
                                     "WinHttp-Autoproxy-Service/"};

static void find_agents(const char *t, size_t n, cands *cs)
{
  /* Every agent name ends in '/'. */
  if (!memchr(t, '/', n))
    return;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && is_alnum((unsigned char)t[i - 1]))
      continue;
    for (size_t k = 0; k < sizeof(agents) / sizeof(*agents); k++) {
      if (t[i] != agents[k][0])
        continue;
      size_t l = strlen(agents[k]);
      if (n - i > l && memcmp(t + i, agents[k], l) == 0 &&
          is_digit((unsigned char)t[i + l])) {
        size_t e = i + l;
        while (e < n && (unsigned char)t[e] >= 0x20 && t[e] != '"' &&
               (unsigned char)t[e] < 0x7f)
          e++;
        while (e > i && t[e - 1] == ' ')
          e--;
        add(cs, ART_IOC_USER_AGENT, i, e - i);
        return;
      }
    }
  }
}

static void find_cves(const char *t, size_t n, cands *cs)
{
  if (n < 13 || !memchr(t, '-', n))
    return;
  for (size_t i = 0; i + 13 <= n; i++) {
    if (!ci_prefix(t + i, n - i, "CVE-") ||
        (i > 0 && is_alnum((unsigned char)t[i - 1])))
      continue;
    size_t k = i + 4, d = 0;
    while (k < n && is_digit((unsigned char)t[k]) && d < 5) {
      k++;
      d++;
    }
    if (d != 4 || at(t, n, k) != '-')
      continue;
    size_t s = ++k;
    while (k < n && is_digit((unsigned char)t[k]) && k - s < 8)
      k++;
    if (k - s >= 4 && k - s <= 7 && !is_alnum(at(t, n, k)))
      add(cs, ART_IOC_CVE, i, k - i);
  }
}

size_t art_ioc_find(const char *text, size_t len, art_ioc *out, size_t max)
{
  if (!text || len < 4)
    return 0;
  cands cs;
  cs.n = 0;
  find_agents(text, len, &cs);
  find_urls(text, len, &cs);
  find_email(text, len, &cs);
  find_registry(text, len, &cs);
  find_win_paths(text, len, &cs);
  find_unix_paths(text, len, &cs);
  find_guids(text, len, &cs);
  find_tokens(text, len, &cs);
  find_cves(text, len, &cs);
  find_ipv6(text, len, &cs);
  find_ipv4(text, len, &cs);
  find_domains(text, len, &cs);
  if (cs.n == 0)
    return 0;
  /* Keep the most specific of overlapping candidates: by priority, then by
   * position (insertion sort: there are few). */
  for (size_t i = 1; i < cs.n; i++) {
    art_ioc v = cs.c[i];
    size_t j = i;
    while (j > 0 && (priority[cs.c[j - 1].cls] > priority[v.cls] ||
                     (priority[cs.c[j - 1].cls] == priority[v.cls] &&
                      cs.c[j - 1].start > v.start))) {
      cs.c[j] = cs.c[j - 1];
      j--;
    }
    cs.c[j] = v;
  }
  art_ioc keep[MAX_CAND];
  size_t nk = 0;
  for (size_t i = 0; i < cs.n; i++) {
    int overlap = 0;
    for (size_t k = 0; k < nk && !overlap; k++)
      overlap = cs.c[i].start < keep[k].start + keep[k].len &&
                keep[k].start < cs.c[i].start + cs.c[i].len;
    if (!overlap)
      keep[nk++] = cs.c[i];
  }
  for (size_t i = 1; i < nk; i++) {
    art_ioc v = keep[i];
    size_t j = i;
    while (j > 0 && keep[j - 1].start > v.start) {
      keep[j] = keep[j - 1];
      j--;
    }
    keep[j] = v;
  }
  if (out)
    for (size_t i = 0; i < nk && i < max; i++)
      out[i] = keep[i];
  return nk;
}
