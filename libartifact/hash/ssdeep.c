/* ssdeep context-triggered piecewise hashing and comparison, written from
 * the published algorithm description (see docs/ssdeep.md).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/ssdeep.h>

#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"

#define ROLL_WINDOW 7
#define MIN_BS      3
#define SPAMSUM_LEN 64
#define NUM_BH      31
/* The piecewise hash is FNV-like: h = (h * 0x01000193) ^ c. Only its low
 * six bits are ever used, so it is kept modulo 64, where the multiplier is
 * 0x01000193 mod 64 = 0x13 and the initial value 0x28021967 mod 64 = 0x27. */
#define SUM_MUL  0x13u
#define SUM_INIT 0x27u

#define BS(i) ((uint64_t)MIN_BS << (i))

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

typedef struct blockhash {
  uint8_t h, halfh;
  char halfdigest;
  unsigned dlen;
  char digest[SPAMSUM_LEN];
} blockhash;

struct art_ssdeep {
  uint32_t win[ROLL_WINDOW];
  uint32_t h1, h2, h3;
  unsigned wpos;
  unsigned bhstart, bhend, bhendlimit;
  int need_lasth;
  uint8_t lasth;
  int fixed;
  uint64_t fixed_size, total;
  art_status status; /* ART_OK with have_result, else why not */
  int have_result;
  char result[ART_SSDEEP_MAX_RESULT];
  blockhash bh[NUM_BH];
};

static inline uint8_t sum_hash(uint8_t h, uint8_t c)
{
  return (uint8_t)(((h * SUM_MUL) ^ c) & 63u);
}

void art_ssdeep_reset(art_ssdeep *s)
{
  if (!s)
    return;
  memset(s, 0, offsetof(art_ssdeep, bh));
  s->bhend = 1;
  s->bhendlimit = NUM_BH;
  s->bh[0].h = SUM_INIT;
  s->bh[0].halfh = SUM_INIT;
  s->bh[0].digest[0] = '\0';
  s->bh[0].halfdigest = '\0';
  s->bh[0].dlen = 0;
  s->status = ART_ERR_INVALID_ARG; /* no result yet */
}

art_status art_ssdeep_new(art_ctx *ctx, art_ssdeep **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  art_ssdeep *s = malloc(sizeof(*s));
  if (!s) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "ssdeep: out of memory");
    return ART_ERR_NOMEM;
  }
  art_ssdeep_reset(s);
  *out = s;
  return ART_OK;
}

void art_ssdeep_free(art_ssdeep *s)
{
  free(s);
}

static art_status set_total(art_ssdeep *s, uint64_t size)
{
  if (size > ART_SSDEEP_MAX_INPUT)
    return ART_ERR_LIMIT;
  if (s->fixed && s->fixed_size != size)
    return ART_ERR_INVALID_ARG;
  s->fixed = 1;
  s->fixed_size = size;
  /* The digest uses the block size the total size implies (or a smaller
   * one) and the next one up, so larger ones need not be tracked. */
  unsigned bi = 0;
  while (BS(bi) * SPAMSUM_LEN < size && bi < NUM_BH - 1)
    bi++;
  s->bhendlimit = bi + 2 < NUM_BH ? bi + 2 : NUM_BH;
  return ART_OK;
}

art_status art_ssdeep_set_total(art_ctx *ctx, art_ssdeep *s, uint64_t size)
{
  if (!s)
    return ART_ERR_INVALID_ARG;
  art_status st = set_total(s, size);
  if (st != ART_OK && ctx)
    art__set_error(ctx, st, 0, "ssdeep: %s",
                   st == ART_ERR_LIMIT
                       ? "input larger than ssdeep's 192 GiB maximum"
                       : "total size declared twice with different values");
  return st;
}

static void try_fork(art_ssdeep *s)
{
  blockhash *obh = &s->bh[s->bhend - 1];
  if (s->bhend < s->bhendlimit) {
    blockhash *nbh = obh + 1;
    nbh->h = obh->h;
    nbh->halfh = obh->halfh;
    nbh->digest[0] = '\0';
    nbh->halfdigest = '\0';
    nbh->dlen = 0;
    s->bhend++;
  } else if (s->bhend == NUM_BH && !s->need_lasth) {
    s->need_lasth = 1;
    s->lasth = obh->h;
  }
}

static void try_reduce(art_ssdeep *s)
{
  /* Drop the smallest block size once the digest can no longer pick it:
   * the size so far already implies a larger one and the next one up has
   * enough characters. */
  if (s->bhend - s->bhstart < 2)
    return;
  if (BS(s->bhstart) * SPAMSUM_LEN >= s->total)
    return;
  if (s->bh[s->bhstart + 1].dlen < SPAMSUM_LEN / 2)
    return;
  s->bhstart++;
}

/* The reset points at the byte with index K of the current update, whose
 * rolling value plus one is H1P. */
static void triggers(art_ssdeep *s, uint64_t h1p, size_t k)
{
  for (unsigned i = s->bhstart; i < s->bhend; i++) {
    /* h % (3 << i) == (3 << i) - 1 exactly when h + 1 (in 64 bits) has i
     * low zero bits and the rest is a multiple of 3. A trigger point for
     * block size 2b is one for b too, so the first miss ends the loop. */
    if ((h1p & ((UINT64_C(1) << i) - 1)) || (h1p >> i) % 3 != 0)
      break;
    blockhash *b = &s->bh[i];
    if (b->dlen == 0)
      try_fork(s);
    b->digest[b->dlen] = b64[b->h];
    b->halfdigest = b64[b->halfh];
    if (b->dlen < SPAMSUM_LEN - 1) {
      /* The last piece absorbs the rest once the digest is full. */
      b->digest[++b->dlen] = '\0';
      b->h = SUM_INIT;
      if (b->dlen < SPAMSUM_LEN / 2) {
        b->halfh = SUM_INIT;
        b->halfdigest = '\0';
      }
    } else {
      s->total += k + 1; /* try_reduce needs the size so far */
      try_reduce(s);
      s->total -= k + 1;
    }
  }
}

/* Broadcast a byte to four 16-bit lanes, and keep six bits of each. */
#define LANES16    UINT64_C(0x0001000100010001)
#define LANE_MASK  UINT64_C(0x003F003F003F003F)
#define MAX_PACKED 8

static void engine(art_ssdeep *s, const uint8_t *p, size_t len)
{
  uint32_t h1 = s->h1, h2 = s->h2, h3 = s->h3;
  uint32_t win[ROLL_WINDOW];
  unsigned wpos = s->wpos;
  memcpy(win, s->win, sizeof(win));
#define ROLL(c)                                                                \
  do {                                                                         \
    h2 -= h1;                                                                  \
    h2 += ROLL_WINDOW * (uint32_t)(c);                                         \
    h1 += (c);                                                                 \
    h1 -= win[wpos];                                                           \
    win[wpos] = (c);                                                           \
    wpos = wpos + 1 == ROLL_WINDOW ? 0 : wpos + 1;                             \
    h3 = (h3 << 5) ^ (c);                                                      \
  } while (0)
  size_t k = 0;
  while (k < len) {
    const unsigned start = s->bhstart, end = s->bhend, nl = end - start;
    /* Bytes where the rolling value is no reset point for the smallest
     * tracked block size only update the piecewise hashes. */
    const uint64_t tmask = (UINT64_C(1) << start) - 1;
    if (nl <= MAX_PACKED && !s->need_lasth) {
      /* The states (h, halfh) of up to eight block sizes in the 16-bit
       * lanes of four words, all updated by one multiply per word: a lane
       * holds at most 63 * 0x13 ^ 0xff < 2^11, so nothing crosses lanes. */
      uint64_t w[4] = {0, 0, 0, 0};
      for (unsigned j = 0; j < nl; j++)
        w[j / 2] |= ((uint64_t)s->bh[start + j].h |
                     (uint64_t)s->bh[start + j].halfh << 16)
                    << (32 * (j % 2));
      uint64_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], h1p = 0;
      int trig = 0;
      while (k < len) {
        uint32_t c = p[k++];
        ROLL(c);
        uint64_t cc = c * LANES16;
        w0 = ((w0 * SUM_MUL) ^ cc) & LANE_MASK;
        w1 = ((w1 * SUM_MUL) ^ cc) & LANE_MASK;
        w2 = ((w2 * SUM_MUL) ^ cc) & LANE_MASK;
        w3 = ((w3 * SUM_MUL) ^ cc) & LANE_MASK;
        h1p = (uint64_t)(uint32_t)(h1 + h2 + h3) + 1;
        if (!(h1p & tmask)) {
          trig = 1;
          break;
        }
      }
      w[0] = w0;
      w[1] = w1;
      w[2] = w2;
      w[3] = w3;
      for (unsigned j = 0; j < nl; j++) {
        uint64_t v = w[j / 2] >> (32 * (j % 2));
        s->bh[start + j].h = (uint8_t)(v & 63u);
        s->bh[start + j].halfh = (uint8_t)((v >> 16) & 63u);
      }
      if (trig)
        triggers(s, h1p, k - 1);
    } else {
      uint8_t c = p[k++];
      ROLL(c);
      for (unsigned i = start; i < end; i++) {
        s->bh[i].h = sum_hash(s->bh[i].h, c);
        s->bh[i].halfh = sum_hash(s->bh[i].halfh, c);
      }
      if (s->need_lasth)
        s->lasth = sum_hash(s->lasth, c);
      uint64_t h1p = (uint64_t)(uint32_t)(h1 + h2 + h3) + 1;
      if (!(h1p & tmask))
        triggers(s, h1p, k - 1);
    }
  }
#undef ROLL
  memcpy(s->win, win, sizeof(win));
  s->h1 = h1;
  s->h2 = h2;
  s->h3 = h3;
  s->wpos = wpos;
  s->total += len;
}

art_status
art_ssdeep_update(art_ctx *ctx, art_ssdeep *s, const void *data, size_t len)
{
  if (!s || (!data && len))
    return ART_ERR_INVALID_ARG;
  if (s->total + len > ART_SSDEEP_MAX_INPUT || s->total + len < s->total) {
    s->status = ART_ERR_LIMIT;
    if (ctx)
      art__set_error(ctx, ART_ERR_LIMIT, 0,
                     "ssdeep: input larger than ssdeep's 192 GiB maximum");
    return ART_ERR_LIMIT;
  }
  engine(s, data, len);
  return ART_OK;
}

/* Append the digest of block hash BI; FIRST selects the full-length form. */
static size_t
put_part(const art_ssdeep *s, unsigned bi, int first, uint32_t roll, char *out)
{
  const blockhash *b = &s->bh[bi];
  size_t n = b->dlen;
  if (!first && n > SPAMSUM_LEN / 2 - 1)
    n = SPAMSUM_LEN / 2 - 1;
  memcpy(out, b->digest, n);
  if (roll != 0) {
    out[n++] = b64[first ? b->h : b->halfh];
  } else {
    char tail = first ? b->digest[b->dlen] : b->halfdigest;
    if (tail != '\0')
      out[n++] = tail;
  }
  return n;
}

static art_status finalize(art_ssdeep *s)
{
  if (s->total > ART_SSDEEP_MAX_INPUT)
    return ART_ERR_LIMIT;
  if (s->fixed && s->fixed_size != s->total)
    return ART_ERR_INVALID_ARG;
  uint32_t roll = s->h1 + s->h2 + s->h3;
  unsigned bi = s->bhstart;
  while (BS(bi) * SPAMSUM_LEN < s->total) {
    bi++;
    if (bi >= NUM_BH)
      return ART_ERR_LIMIT;
  }
  if (bi >= s->bhend)
    bi = s->bhend - 1;
  while (bi > s->bhstart && s->bh[bi].dlen < SPAMSUM_LEN / 2)
    bi--;

  char *o = s->result;
  /* Block sizes are at most 3 * 2^30: ten digits. */
  char num[24];
  size_t nl = 0;
  uint64_t v = BS(bi);
  do {
    num[nl++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (nl)
    *o++ = num[--nl];
  *o++ = ':';
  o += put_part(s, bi, 1, roll, o);
  *o++ = ':';
  if (bi < s->bhend - 1) {
    o += put_part(s, bi + 1, 0, roll, o);
  } else if (roll != 0) {
    /* Only the smallest or the largest block size can end up here. */
    *o++ = b64[bi == 0 ? s->bh[bi].h : s->lasth];
  }
  *o = '\0';
  return ART_OK;
}

art_status art_ssdeep_final(art_ctx *ctx, art_ssdeep *s)
{
  if (!s)
    return ART_ERR_INVALID_ARG;
  if (s->status == ART_ERR_LIMIT && !s->have_result) {
    if (ctx)
      art__set_error(ctx, ART_ERR_LIMIT, 0,
                     "ssdeep: input larger than ssdeep's 192 GiB maximum");
    return ART_ERR_LIMIT;
  }
  art_status st = finalize(s);
  s->status = st;
  s->have_result = st == ART_OK;
  if (st != ART_OK && ctx)
    art__set_error(ctx, st, 0, "ssdeep: %s",
                   st == ART_ERR_LIMIT
                       ? "input larger than ssdeep's 192 GiB maximum"
                       : "input size differs from the declared total");
  return st;
}

art_status art_ssdeep_status(const art_ssdeep *s)
{
  return s ? s->status : ART_ERR_INVALID_ARG;
}

const char *art_ssdeep_result(const art_ssdeep *s)
{
  return s && s->have_result ? s->result : NULL;
}

uint64_t art_ssdeep_bytes(const art_ssdeep *s)
{
  return s ? s->total : 0;
}

/* Reader consumer. */
static art_status c_begin(void *state, int size_known, uint64_t size)
{
  art_ssdeep *s = state;
  art_ssdeep_reset(s);
  if (size_known) {
    art_status st = set_total(s, size);
    if (st == ART_ERR_LIMIT) {
      s->status = st;
      return st;
    }
  }
  return ART_OK;
}

static art_status
c_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  (void)offset;
  art_ssdeep *s = state;
  if (s->status == ART_ERR_LIMIT)
    return ART_ERR_LIMIT;
  return art_ssdeep_update(NULL, s, data, len);
}

static art_status c_finish(void *state, art_status read_status)
{
  art_ssdeep *s = state;
  if (s->status == ART_ERR_LIMIT)
    return ART_ERR_LIMIT;
  if (read_status != ART_OK) {
    s->status = read_status;
    s->have_result = 0;
    return read_status;
  }
  /* A file that grew or shrank after its size was taken: hash what was
   * read, as ssdeep does on a stream. */
  s->fixed = 0;
  return art_ssdeep_final(NULL, s);
}

static const art_consumer ssdeep_consumer = {
    .name = "ssdeep",
    .cost = 2.5,
    .begin = c_begin,
    .update = c_update,
    .finish = c_finish,
};

art_status art_ssdeep_attach(art_ctx *ctx, art_ssdeep *s, art_reader *reader)
{
  if (!s || !reader)
    return ART_ERR_INVALID_ARG;
  art_ssdeep_reset(s);
  return art_reader_add(reader, &ssdeep_consumer, s);
  (void)ctx;
}

art_status
art_ssdeep_buffer(art_ctx *ctx, const void *data, size_t len, char *out)
{
  if (!out || (!data && len))
    return ART_ERR_INVALID_ARG;
  out[0] = '\0';
  art_ssdeep *s;
  art_status st = art_ssdeep_new(ctx, &s);
  if (st != ART_OK)
    return st;
  st = art_ssdeep_set_total(ctx, s, len);
  if (st == ART_OK)
    st = art_ssdeep_update(ctx, s, data, len);
  if (st == ART_OK)
    st = art_ssdeep_final(ctx, s);
  if (st == ART_OK)
    memcpy(out, s->result, strlen(s->result) + 1);
  art_ssdeep_free(s);
  return st;
}

/* ---- comparison ---- */

typedef struct parsed {
  uint64_t bs;
  char p1[SPAMSUM_LEN], p2[SPAMSUM_LEN];
  size_t l1, l2;
} parsed;

/* Copy up to END (or NUL), keeping at most three identical characters in a
 * row, as the comparison ignores longer runs. -1 when too long. */
static int copy_elim(const char **in, char end, char *out, size_t *outlen)
{
  const char *p = *in;
  size_t n = 0;
  while (*p && *p != end) {
    if (!(n >= 3 && *p == out[n - 1] && *p == out[n - 2] && *p == out[n - 3])) {
      if (n == SPAMSUM_LEN)
        return -1;
      out[n++] = *p;
    }
    p++;
  }
  *in = p;
  *outlen = n;
  return 0;
}

static int parse_hash(const char *str, parsed *h)
{
  const char *p = str;
  if (*p < '0' || *p > '9')
    return -1;
  uint64_t bs = 0;
  while (*p >= '0' && *p <= '9') {
    bs = bs * 10 + (uint64_t)(*p - '0');
    if (bs > UINT32_MAX * UINT64_C(4))
      return -1;
    p++;
  }
  if (*p++ != ':')
    return -1;
  h->bs = bs;
  if (copy_elim(&p, ':', h->p1, &h->l1) != 0 || *p++ != ':')
    return -1;
  if (copy_elim(&p, ',', h->p2, &h->l2) != 0)
    return -1;
  if (*p != '\0' && *p != ',')
    return -1;
  return 0;
}

static int
has_common_substring(const char *a, size_t al, const char *b, size_t bl)
{
  if (al < ROLL_WINDOW || bl < ROLL_WINDOW)
    return 0;
  for (size_t i = 0; i + ROLL_WINDOW <= al; i++)
    for (size_t j = 0; j + ROLL_WINDOW <= bl; j++)
      if (a[i] == b[j] && memcmp(a + i, b + j, ROLL_WINDOW) == 0)
        return 1;
  return 0;
}

/* Edit distance with insertion and deletion costing 1 and substitution 2. */
static unsigned
edit_distance(const char *a, size_t al, const char *b, size_t bl)
{
  unsigned row[2][SPAMSUM_LEN + 1];
  unsigned *prev = row[0], *cur = row[1];
  for (size_t j = 0; j <= bl; j++)
    prev[j] = (unsigned)j;
  for (size_t i = 0; i < al; i++) {
    cur[0] = (unsigned)i + 1;
    for (size_t j = 0; j < bl; j++) {
      unsigned ins = prev[j + 1] + 1;
      unsigned del = cur[j] + 1;
      unsigned sub = prev[j] + (a[i] == b[j] ? 0u : 2u);
      unsigned m = ins < del ? ins : del;
      cur[j + 1] = m < sub ? m : sub;
    }
    unsigned *t = prev;
    prev = cur;
    cur = t;
  }
  return prev[bl];
}

static unsigned
score_strings(const char *a, size_t al, const char *b, size_t bl, uint64_t bs)
{
  if (!has_common_substring(a, al, b, bl))
    return 0;
  uint64_t score = edit_distance(a, al, b, bl);
  score = score * SPAMSUM_LEN / (al + bl);
  score = 100 * score / SPAMSUM_LEN;
  if (score >= 100)
    return 0;
  score = 100 - score;
  /* Small block sizes: short common pieces must not look like a strong
   * match. */
  if (bs >= (99 + ROLL_WINDOW) / ROLL_WINDOW * MIN_BS)
    return (unsigned)score;
  uint64_t cap = bs / MIN_BS * (al < bl ? al : bl);
  return (unsigned)(score > cap ? cap : score);
}

art_status
art_ssdeep_compare(art_ctx *ctx, const char *a, const char *b, int *score)
{
  if (!score)
    return ART_ERR_INVALID_ARG;
  *score = 0;
  if (!a || !b)
    return ART_ERR_INVALID_ARG;
  parsed ha, hb;
  if (parse_hash(a, &ha) != 0 || parse_hash(b, &hb) != 0) {
    if (ctx)
      art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: not an ssdeep hash",
                     parse_hash(a, &ha) != 0 ? a : b);
    return ART_ERR_FORMAT;
  }
  uint64_t b1 = ha.bs, b2 = hb.bs;
  if (b1 != b2 && b1 * 2 != b2 && !(b1 % 2 == 0 && b1 / 2 == b2))
    return ART_OK;
  if (b1 == b2 && ha.l1 == hb.l1 && ha.l2 == hb.l2 &&
      memcmp(ha.p1, hb.p1, ha.l1) == 0 && memcmp(ha.p2, hb.p2, ha.l2) == 0) {
    *score = 100;
    return ART_OK;
  }
  unsigned sc;
  if (b1 == b2) {
    unsigned s1 = score_strings(ha.p1, ha.l1, hb.p1, hb.l1, b1);
    unsigned s2 = score_strings(ha.p2, ha.l2, hb.p2, hb.l2, b1 * 2);
    sc = s1 > s2 ? s1 : s2;
  } else if (b1 * 2 == b2) {
    sc = score_strings(hb.p1, hb.l1, ha.p2, ha.l2, b2);
  } else {
    sc = score_strings(ha.p1, ha.l1, hb.p2, hb.l2, b1);
  }
  *score = (int)sc;
  return ART_OK;
}
