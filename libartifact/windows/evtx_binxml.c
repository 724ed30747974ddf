/* EVTX Binary XML: templates compiled once per chunk, instances rendered.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Format: libyal's "Windows XML Event Log (EVTX)" and [MS-EVEN6]. A
 * record is a fragment holding a template instance: a reference to a
 * template definition (stored once per chunk) and an array of typed
 * values. A definition is compiled into a flat list of operations (open
 * element, attribute, static text, substitution, close) the first time a
 * chunk uses it; every later instance only walks that list with its
 * values. What is walked feeds a small state machine that keeps only the
 * fields our events carry (System/EventID, Qualifiers, Level, Provider,
 * Channel, Computer, Security UserID, EventData/Data), rendering only the
 * values those need, with libfwevt's text forms (hex integers 0x%08x,
 * GUIDs {UPPER}, ISO 8601 times, base-16 binary). All offsets are chunk
 * offsets, checked against the range being read; element nesting and
 * Binary XML values inside values are bounded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_private.h"
#include "i18n.h"
#include "win_private.h"

enum { OP_OPEN = 1, OP_ATTR, OP_ATTRS_DONE, OP_TEXT, OP_SUB, OP_CLOSE };

struct evx_op {
  uint8_t kind;
  uint8_t vtype; /* OP_SUB: the declared type */
  uint8_t opt;   /* OP_SUB: optional substitution */
  uint16_t sub;  /* OP_SUB: value index */
  uint32_t s, n; /* name or text in the pool */
  uint32_t end;  /* OP_OPEN: index of its OP_CLOSE */
  uint32_t arr;  /* OP_OPEN: first substitution of its own, or NONE */
};

struct evx_val {
  uint32_t off; /* chunk offset */
  uint16_t size;
  uint8_t type;
};

#define NONE UINT32_MAX

typedef struct cur {
  uint32_t p, end; /* chunk offsets: position, end of the data */
} cur;

static int exec_range(
    evx_reader *rd, size_t i, size_t end, size_t v0, size_t nv, int depth);
static int exec_instance(evx_reader *rd, cur *c);

/* element kinds of the state machine */
enum {
  K_OTHER,
  K_ROOT,
  K_SYSTEM,
  K_EID,
  K_LEVEL,
  K_PROVIDER,
  K_COMPUTER,
  K_SECURITY,
  K_CHANNEL,
  K_EVENTDATA,
  K_DATA
};
/* first-occurrence flags (rd->seen) */
enum {
  S_SYSTEM = 1,
  S_EID = 2,
  S_LEVEL = 4,
  S_PROVIDER = 8,
  S_COMPUTER = 16,
  S_SECURITY = 32,
  S_CHANNEL = 64,
  S_EVENTDATA = 128,
  S_IN_ED = 256,
  S_ROOT = 512
};

static int fail(evx_reader *rd, const char *what, uint32_t off)
{
  if (!rd->err[0])
    snprintf(rd->err, sizeof rd->err, _("%s at chunk offset %" PRIu32), what,
             off);
  return -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need)
    c *= 2;
  void *q = realloc(*p, c * elem);
  if (!q)
    return -1;
  *p = q;
  *cap = c;
  return 0;
}

void evx_reader_init(evx_reader *rd)
{
  memset(rd, 0, sizeof *rd);
}

void evx_reader_free(evx_reader *rd)
{
  free(rd->ops);
  free(rd->pool);
  free(rd->vals);
  free(rd->arena);
  free(rd->rec.kv);
  memset(rd, 0, sizeof *rd);
}

void evx_chunk_begin(evx_reader *rd, const uint8_t *chunk)
{
  rd->c = chunk;
  rd->nops = 0;
  rd->plen = 0;
  if (rd->ntc)
    memset(rd->tc, 0, sizeof rd->tc);
  rd->ntc = 0;
  memset(rd->nc, 0, sizeof rd->nc);
}

const char *evx_str_get(const evx_reader *rd, evx_str s)
{
  return s.n == EVX_ABSENT ? NULL : rd->arena + s.off;
}

#define EVX_MAX_TEXT (16u << 20) /* text kept of one record */
#define EVX_MAX_WORK (1u << 20)  /* elements rendered for one record */

/* Room for N more bytes (and a NUL) in the arena, or NULL. */
static char *arena_room(evx_reader *rd, size_t n)
{
  if (rd->alen + n + 1 > rd->acap) {
    if (n > EVX_MAX_TEXT || rd->alen + n > EVX_MAX_TEXT) {
      fail(rd, _("record text larger than 16 MiB"), 0);
      return NULL;
    }
    if (grow((void **)&rd->arena, &rd->acap, rd->alen + n + 1, 1)) {
      rd->oom = 1;
      return NULL;
    }
  }
  return rd->arena + rd->alen;
}

static int arena_add(evx_reader *rd, const char *s, size_t n)
{
  char *o = arena_room(rd, n);
  if (!o)
    return -1;
  memcpy(o, s, n);
  rd->alen += n;
  return 0;
}

/* ---- the pool of compiled names and text ----------------------------- */

static int pool_utf16(
    evx_reader *rd, const uint8_t *p, size_t units, uint32_t *s, uint32_t *n)
{
  if (grow((void **)&rd->pool, &rd->pcap, rd->plen + units * 6 + 1, 1)) {
    rd->oom = 1;
    return -1;
  }
  size_t k = win_utf16_to(rd->pool + rd->plen, p, units);
  *s = (uint32_t)rd->plen;
  *n = (uint32_t)k;
  rd->plen += k;
  return 0;
}

static int pool_add(evx_reader *rd, const char *t, size_t n, evx_op *op)
{
  if (grow((void **)&rd->pool, &rd->pcap, rd->plen + n + 1, 1)) {
    rd->oom = 1;
    return -1;
  }
  memcpy(rd->pool + rd->plen, t, n);
  op->s = (uint32_t)rd->plen;
  op->n = (uint32_t)n;
  rd->plen += n;
  return 0;
}

static evx_op *op_new(evx_reader *rd, uint8_t kind)
{
  if (rd->nops >= (1u << 24) ||
      grow((void **)&rd->ops, &rd->opcap, rd->nops + 1, sizeof *rd->ops)) {
    rd->oom = 1;
    return NULL;
  }
  evx_op *op = &rd->ops[rd->nops++];
  memset(op, 0, sizeof *op);
  op->kind = kind;
  op->end = NONE;
  op->arr = NONE;
  return op;
}

/* ---- compiling ------------------------------------------------------- */

static int need(evx_reader *rd, const cur *c, uint32_t k)
{
  if (c->p > c->end || c->end - c->p < k)
    return fail(rd, _("binary XML truncated"), c->p);
  return 0;
}

/* The name at chunk offset OFF (cached per chunk). */
static int name_at(evx_reader *rd, uint32_t off, uint32_t *s, uint32_t *n)
{
  size_t h = (off * 2654435761u) >> 22 & (EVX_NCACHE - 1);
  if (rd->nc[h].off == off && off) {
    *s = rd->nc[h].s;
    *n = rd->nc[h].n;
    return 0;
  }
  if (off < EVX_CHUNK_HEADER || off > EVX_CHUNK - 8)
    return fail(rd, _("name offset out of the chunk"), off);
  const uint8_t *p = rd->c + off;
  uint32_t chars = win_le16(p + 6);
  if ((size_t)off + 8 + 2 * (size_t)chars > EVX_CHUNK)
    return fail(rd, _("name longer than the chunk"), off);
  if (pool_utf16(rd, p + 8, chars, s, n))
    return -1;
  rd->nc[h].off = off;
  rd->nc[h].s = *s;
  rd->nc[h].n = *n;
  return 0;
}

/* A name reference at C->p (4-byte offset), skipping the name when it is
 * stored right there. */
static int name_ref(evx_reader *rd, cur *c, uint32_t *s, uint32_t *n)
{
  if (need(rd, c, 4))
    return -1;
  uint32_t off = win_le32(rd->c + c->p);
  c->p += 4;
  if (name_at(rd, off, s, n))
    return -1;
  if (off == c->p) { /* stored inline: 4 unknown, hash, count, chars, NUL */
    if (need(rd, c, 8))
      return -1;
    uint32_t chars = win_le16(rd->c + c->p + 6);
    if (need(rd, c, 8 + 2 * chars + 2))
      return -1;
    c->p += 8 + 2 * chars + 2;
  }
  return 0;
}

/* Static text (0x05 value with a string, 0x07 CDATA, 0x08, 0x09). */
static int compile_piece(evx_reader *rd, cur *c, int *done)
{
  uint8_t t = rd->c[c->p] & 0xbf;
  *done = 0;
  switch (t) {
  case 0x05: /* value text: type, count, UTF-16 */
  case 0x07: /* CDATA: count, UTF-16 */
  {
    uint32_t at = c->p;
    c->p += 1;
    if (t == 0x05) {
      if (need(rd, c, 1))
        return -1;
      if (rd->c[c->p] != 0x01)
        return fail(rd, _("value text that is not a string"), at);
      c->p += 1;
    }
    if (need(rd, c, 2))
      return -1;
    uint32_t chars = win_le16(rd->c + c->p);
    c->p += 2;
    if (need(rd, c, 2 * chars))
      return -1;
    evx_op *op = op_new(rd, OP_TEXT);
    if (!op || pool_utf16(rd, rd->c + c->p, chars, &op->s, &op->n))
      return -1;
    c->p += 2 * chars;
    return 0;
  }
  case 0x08: { /* character reference */
    c->p += 1;
    if (need(rd, c, 2))
      return -1;
    unsigned u = win_le16(rd->c + c->p);
    c->p += 2;
    char b[8];
    int k = win_put_utf8(b, u ? u : 0xFFFD);
    evx_op *op = op_new(rd, OP_TEXT);
    return op ? pool_add(rd, b, (size_t)k, op) : -1;
  }
  case 0x09: { /* entity reference */
    c->p += 1;
    uint32_t s, n;
    if (name_ref(rd, c, &s, &n))
      return -1;
    static const struct {
      const char *nm, *v;
    } ents[] = {
        {"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
    char b[80];
    const char *v = NULL;
    size_t vl = 0;
    for (size_t i = 0; i < 5 && !v; i++)
      if (strlen(ents[i].nm) == n && memcmp(rd->pool + s, ents[i].nm, n) == 0)
        v = ents[i].v, vl = 1;
    if (!v) {
      int k =
          snprintf(b, sizeof b, "&%.*s;", (int)(n < 64 ? n : 64), rd->pool + s);
      v = b;
      vl = (size_t)k;
    }
    evx_op *op = op_new(rd, OP_TEXT);
    return op ? pool_add(rd, v, vl, op) : -1;
  }
  case 0x0d:
  case 0x0e: { /* substitution: id, type */
    if (need(rd, c, 4))
      return -1;
    evx_op *op = op_new(rd, OP_SUB);
    if (!op)
      return -1;
    op->opt = t == 0x0e;
    op->sub = win_le16(rd->c + c->p + 1);
    op->vtype = rd->c[c->p + 3];
    c->p += 4;
    return 0;
  }
  default:
    *done = 1;
    return 0;
  }
}

static int compile_element(evx_reader *rd, cur *c, int dep, int depth)
{
  if (depth > EVX_MAX_DEPTH)
    return fail(rd, _("elements nested too deep"), c->p);
  uint32_t at = c->p;
  uint8_t tok = rd->c[c->p];
  c->p += dep ? 3u : 1u;
  if (need(rd, c, 4))
    return -1;
  uint32_t size = win_le32(rd->c + c->p);
  c->p += 4;
  if (size > c->end - c->p)
    return fail(rd, _("element larger than its data"), at);
  cur e = {c->p, c->p + size};
  size_t open = rd->nops;
  evx_op *op = op_new(rd, OP_OPEN);
  if (!op)
    return -1;
  uint32_t s, n;
  if (name_ref(rd, &e, &s, &n))
    return -1;
  rd->ops[open].s = s;
  rd->ops[open].n = n;
  if (tok & 0x40) { /* attribute list */
    if (need(rd, &e, 4))
      return -1;
    uint32_t lsize = win_le32(rd->c + e.p);
    e.p += 4;
    if (lsize > e.end - e.p)
      return fail(rd, _("attribute list larger than its element"), e.p);
    cur a = {e.p, e.p + lsize};
    while (a.p < a.end) {
      if ((rd->c[a.p] & 0xbf) != 0x06)
        return fail(rd, _("unexpected token in an attribute list"), a.p);
      a.p += 1;
      if (name_ref(rd, &a, &s, &n))
        return -1;
      evx_op *ao = op_new(rd, OP_ATTR);
      if (!ao)
        return -1;
      ao->s = s;
      ao->n = n;
      for (int done = 0; a.p < a.end && !done;) {
        size_t before = rd->nops;
        if (compile_piece(rd, &a, &done))
          return -1;
        if (rd->nops > before && rd->ops[before].kind == OP_SUB &&
            rd->ops[open].arr == NONE)
          rd->ops[open].arr = (uint32_t)before;
      }
    }
    e.p = a.end;
  }
  if (!op_new(rd, OP_ATTRS_DONE) || need(rd, &e, 1))
    return -1;
  uint8_t t = rd->c[e.p];
  if (t == 0x03) {
    e.p += 1;
  } else if (t == 0x02) {
    e.p += 1;
    for (;;) {
      if (need(rd, &e, 1))
        return -1;
      t = rd->c[e.p] & 0xbf;
      if (t == 0x04) {
        e.p += 1;
        break;
      }
      if (t == 0x01) {
        if (compile_element(rd, &e, dep, depth + 1))
          return -1;
        continue;
      }
      if (t == 0x0a) { /* processing instruction target: not rendered */
        e.p += 1;
        if (name_ref(rd, &e, &s, &n))
          return -1;
        continue;
      }
      if (t == 0x0b) { /* processing instruction data */
        e.p += 1;
        if (need(rd, &e, 2))
          return -1;
        uint32_t chars = win_le16(rd->c + e.p);
        if (need(rd, &e, 2 + 2 * chars))
          return -1;
        e.p += 2 + 2 * chars;
        continue;
      }
      int done;
      size_t before = rd->nops;
      if (compile_piece(rd, &e, &done))
        return -1;
      if (done)
        return fail(rd, _("unexpected token in an element"), e.p);
      if (rd->ops[before].kind == OP_SUB && rd->ops[open].arr == NONE)
        rd->ops[open].arr = (uint32_t)before;
    }
  } else {
    return fail(rd, _("element start not closed"), e.p);
  }
  if (!op_new(rd, OP_CLOSE))
    return -1;
  rd->ops[open].end = (uint32_t)(rd->nops - 1);
  c->p = e.p;
  return 0;
}

/* A fragment (header optional) or an element at C into ops. */
static int compile_fragment(evx_reader *rd, cur *c, int dep)
{
  if (need(rd, c, 1))
    return -1;
  if (rd->c[c->p] == 0x0f) {
    if (need(rd, c, 4))
      return -1;
    c->p += 4;
    if (need(rd, c, 1))
      return -1;
  }
  if ((rd->c[c->p] & 0xbf) != 0x01)
    return fail(rd, _("no element in a template definition"), c->p);
  return compile_element(rd, c, dep, 0);
}

/* ---- rendering values ------------------------------------------------ */

static const uint8_t fixed_size[0x16] = {
    [0x03] = 1, [0x04] = 1,  [0x05] = 2, [0x06] = 2, [0x07] = 4, [0x08] = 4,
    [0x09] = 8, [0x0a] = 8,  [0x0b] = 4, [0x0c] = 8, [0x0d] = 4, [0x0f] = 16,
    [0x11] = 8, [0x12] = 16, [0x14] = 4, [0x15] = 8};

/* Number of items of an array value. */
static uint32_t array_items(const evx_reader *rd, const evx_val *v)
{
  uint8_t t = v->type & 0x7f;
  if (t == 0x01 || t == 0x02) { /* NUL-terminated strings */
    const uint8_t *p = rd->c + v->off;
    uint32_t cnt = 0, unit = t == 0x01 ? 2 : 1;
    size_t i = 0;
    while (i + unit <= v->size) {
      size_t j = i;
      while (j + unit <= v->size &&
             (unit == 2 ? (p[j] | p[j + 1]) != 0 : p[j] != 0))
        j += unit;
      cnt++;
      i = j + unit;
    }
    return cnt;
  }
  if (t == 0x10)
    t = v->size % 8 == 0 ? 0x15 : 0x14;
  if (t < sizeof fixed_size && fixed_size[t])
    return v->size / fixed_size[t];
  return 1;
}

static void ft_iso(char *b, size_t bn, uint64_t ft)
{
  uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
  int64_t days = (int64_t)(secs / 86400);
  unsigned rem = (unsigned)(secs % 86400);
  /* days since 1601-01-01 to civil date */
  int64_t z = days - 134774 + 719468; /* to 1970 epoch, then shifted */
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  snprintf(b, bn, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%07" PRIu64 "00Z", y,
           m, d, rem / 3600, rem / 60 % 60, rem % 60, frac);
}

/* Item IT of the array value V as a plain value in *OUT (strings: the one
 * starting at byte *POS, which is advanced past it). 0, or 1: none. */
static int array_item(const evx_reader *rd,
                      const evx_val *v,
                      uint32_t it,
                      uint32_t *pos,
                      evx_val *out)
{
  uint8_t t = v->type & 0x7f;
  out->type = t;
  if (t == 0x01 || t == 0x02) {
    uint32_t unit = t == 0x01 ? 2 : 1, i = *pos, j = i;
    const uint8_t *p = rd->c + v->off;
    if (i + unit > v->size)
      return 1;
    while (j + unit <= v->size && (unit == 2 ? (p[j] | p[j + 1]) : p[j]))
      j += unit;
    out->off = v->off + i;
    out->size = (uint16_t)(j - i);
    *pos = j + unit;
    return 0;
  }
  uint8_t tt = t == 0x10 ? (v->size % 8 == 0 ? 0x15 : 0x14) : t;
  uint32_t w = tt < sizeof fixed_size ? fixed_size[tt] : 0;
  if (!w || ((size_t)it + 1) * w > v->size)
    return 1;
  out->off = v->off + it * w;
  out->size = (uint16_t)w;
  return 0;
}

/* Render the plain value V as text appended to the arena. */
static int render(evx_reader *rd, const evx_val *v)
{
  const uint8_t *p = rd->c + v->off;
  size_t size = v->size;
  uint8_t t = v->type & 0x7f;
  char b[96];
  int k = -1;
  if (t < sizeof fixed_size && fixed_size[t] && size != fixed_size[t] &&
      t != 0x0f && t != 0x12)
    return fail(rd, _("value of the wrong size"), v->off);
  switch (t) {
  case 0x00:
    return 0;
  case 0x01: {
    char *o = arena_room(rd, size / 2 * 6);
    if (!o)
      return -1;
    rd->alen += win_utf16_to(o, p, size / 2);
    return 0;
  }
  case 0x02: {
    char *o = arena_room(rd, size * 2);
    if (!o)
      return -1;
    size_t n = 0;
    for (size_t i = 0; i < size && p[i]; i++)
      n += (size_t)win_put_utf8(o + n, p[i]);
    rd->alen += n;
    return 0;
  }
  case 0x03:
    k = snprintf(b, sizeof b, "%d", (int)(int8_t)p[0]);
    break;
  case 0x04:
    k = snprintf(b, sizeof b, "%u", (unsigned)p[0]);
    break;
  case 0x05:
    k = snprintf(b, sizeof b, "%d", (int)(int16_t)win_le16(p));
    break;
  case 0x06:
    k = snprintf(b, sizeof b, "%u", (unsigned)win_le16(p));
    break;
  case 0x07:
    k = snprintf(b, sizeof b, "%" PRId32, (int32_t)win_le32(p));
    break;
  case 0x08:
    k = snprintf(b, sizeof b, "%" PRIu32, win_le32(p));
    break;
  case 0x09:
    k = snprintf(b, sizeof b, "%" PRId64, (int64_t)win_le64(p));
    break;
  case 0x0a:
    k = snprintf(b, sizeof b, "%" PRIu64, win_le64(p));
    break;
  case 0x0b: {
    uint32_t u = win_le32(p);
    float f;
    memcpy(&f, &u, 4);
    k = snprintf(b, sizeof b, "%.6e", (double)f);
    break;
  }
  case 0x0c: {
    uint64_t u = win_le64(p);
    double f;
    memcpy(&f, &u, 8);
    k = snprintf(b, sizeof b, "%.14e", f);
    break;
  }
  case 0x0d:
    k = snprintf(b, sizeof b, "%s", win_le32(p) ? "true" : "false");
    break;
  case 0x0e: {
    char *o = arena_room(rd, size * 2);
    if (!o)
      return -1;
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < size; i++) {
      o[2 * i] = hx[p[i] >> 4];
      o[2 * i + 1] = hx[p[i] & 15];
    }
    rd->alen += size * 2;
    return 0;
  }
  case 0x0f:
    if (size < 16)
      return fail(rd, _("GUID value too small"), v->off);
    k = snprintf(b, sizeof b,
                 "{%08" PRIX32 "-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                 win_le32(p), win_le16(p + 4), win_le16(p + 6), p[8], p[9],
                 p[10], p[11], p[12], p[13], p[14], p[15]);
    break;
  case 0x10:
    if (size == 4)
      k = snprintf(b, sizeof b, "%" PRIu32, win_le32(p));
    else if (size == 8)
      k = snprintf(b, sizeof b, "%" PRIu64, win_le64(p));
    else
      return fail(rd, _("size value neither 32 nor 64 bits"), v->off);
    break;
  case 0x11:
    ft_iso(b, sizeof b, win_le64(p));
    k = (int)strlen(b);
    break;
  case 0x12:
    if (size < 16)
      return fail(rd, _("SYSTEMTIME value too small"), v->off);
    k = snprintf(b, sizeof b, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
                 win_le16(p), win_le16(p + 2), win_le16(p + 6), win_le16(p + 8),
                 win_le16(p + 10), win_le16(p + 12), win_le16(p + 14));
    break;
  case 0x13: {
    if (size < 8 || size < 8 + 4 * (size_t)p[1])
      return fail(rd, _("SID value too small"), v->off);
    uint64_t auth = 0;
    for (int i = 2; i < 8; i++)
      auth = auth << 8 | p[i];
    char *o = arena_room(rd, 32 + 11 * (size_t)p[1]);
    if (!o)
      return -1;
    int n = snprintf(o, 32, "S-%u-%" PRIu64, (unsigned)p[0], auth);
    for (unsigned i = 0; i < p[1]; i++)
      n += snprintf(o + n, 12, "-%" PRIu32, win_le32(p + 8 + 4 * i));
    rd->alen += (size_t)n;
    return 0;
  }
  case 0x14:
    k = snprintf(b, sizeof b, "0x%08" PRIx32, win_le32(p));
    break;
  case 0x15:
    k = snprintf(b, sizeof b, "0x%016" PRIx64, win_le64(p));
    break;
  default:
    return fail(rd, _("unsupported value type"), v->off);
  }
  return k < 0 ? -1 : arena_add(rd, b, (size_t)k);
}

/* ---- the state machine ------------------------------------------------ */

static int name_is(const evx_reader *rd, const evx_op *op, const char *s)
{
  size_t n = strlen(s);
  return op->n == n && memcmp(rd->pool + op->s, s, n) == 0;
}

static int capturing(uint8_t k)
{
  return k == K_EID || k == K_LEVEL || k == K_COMPUTER || k == K_CHANNEL ||
         k == K_DATA;
}

static int sink_open(evx_reader *rd, const evx_op *op)
{
  if (rd->sp >= EVX_MAX_DEPTH)
    return fail(rd, _("elements nested too deep"), 0);
  if (++rd->work > EVX_MAX_WORK)
    return fail(rd, _("record expands to more than a million elements"), 0);
  evx_frame *par = rd->sp ? &rd->st[rd->sp - 1] : NULL;
  evx_frame *f = &rd->st[rd->sp++];
  memset(f, 0, sizeof *f);
  f->key.n = EVX_ABSENT;
  f->cap0 = (uint32_t)rd->alen;
  uint8_t k = K_OTHER;
  if (!par) {
    k = rd->seen & S_ROOT ? K_OTHER : K_ROOT; /* only the first root */
    rd->seen |= S_ROOT;
  } else if (capturing(par->kind)) {
    k = K_OTHER;
  } else if (par->kind == K_ROOT && !(rd->seen & S_SYSTEM) &&
             name_is(rd, op, "System")) {
    k = K_SYSTEM;
  } else if (par->kind == K_SYSTEM) {
    if (!(rd->seen & S_EID) && name_is(rd, op, "EventID"))
      k = K_EID;
    else if (!(rd->seen & S_LEVEL) && name_is(rd, op, "Level"))
      k = K_LEVEL;
    else if (!(rd->seen & S_PROVIDER) && name_is(rd, op, "Provider"))
      k = K_PROVIDER;
    else if (!(rd->seen & S_COMPUTER) && name_is(rd, op, "Computer"))
      k = K_COMPUTER;
    else if (!(rd->seen & S_SECURITY) && name_is(rd, op, "Security"))
      k = K_SECURITY;
  }
  if (k == K_OTHER && (rd->seen & S_IN_ED) && !(par && capturing(par->kind)) &&
      name_is(rd, op, "Data"))
    k = K_DATA;
  if (k != K_DATA && k != K_EID && k != K_LEVEL && k != K_COMPUTER &&
      !(par && capturing(par->kind))) {
    if (!(rd->seen & S_CHANNEL) && name_is(rd, op, "Channel"))
      f->cand = K_CHANNEL;
    else if (!(rd->seen & (S_EVENTDATA | S_IN_ED)) &&
             name_is(rd, op, "EventData"))
      f->cand = K_EVENTDATA;
  }
  f->kind = k;
  return 0;
}

/* Which attribute of the current element is kept (0: none). */
enum { A_NONE, A_SRCNAME, A_NAME, A_GUID, A_QUAL, A_SID, A_DATANAME };
static int sink_attr(const evx_reader *rd, const evx_op *op)
{
  switch (rd->st[rd->sp - 1].kind) {
  case K_PROVIDER:
    return name_is(rd, op, "EventSourceName") ? A_SRCNAME
           : name_is(rd, op, "Name")          ? A_NAME
           : name_is(rd, op, "Guid")          ? A_GUID
                                              : A_NONE;
  case K_EID:
    return name_is(rd, op, "Qualifiers") ? A_QUAL : A_NONE;
  case K_SECURITY:
    return name_is(rd, op, "UserID") ? A_SID : A_NONE;
  case K_DATA:
    return name_is(rd, op, "Name") ? A_DATANAME : A_NONE;
  default:
    return A_NONE;
  }
}

static uint64_t parse_num(const char *s, size_t n)
{
  uint64_t v = 0;
  size_t i = 0;
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    for (i = 2; i < n; i++) {
      char ch = s[i];
      unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
                   : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                   : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                                            : 16;
      if (d > 15)
        break;
      v = v << 4 | d;
    }
    return v;
  }
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
    v = v * 10 + (uint64_t)(s[i] - '0');
  return v;
}

/* An attribute's text [A0, alen) of the arena is complete: keep it. */
static int sink_attr_done(evx_reader *rd, int which, uint32_t a0, int dropped)
{
  evx_frame *f = &rd->st[rd->sp - 1];
  if (!dropped && f->nattr < 255)
    f->nattr++;
  if (dropped || which == A_NONE) {
    rd->alen = a0;
    return 0;
  }
  evx_str s = {a0, (uint32_t)(rd->alen - a0)};
  if (!arena_room(rd, 0))
    return -1;
  rd->arena[rd->alen++] = 0;
  evx_record *r = &rd->rec;
  switch (which) {
  case A_SRCNAME:
    r->source = s;
    break;
  case A_NAME:
    r->pname = s;
    break;
  case A_GUID:
    r->guid = s;
    break;
  case A_QUAL:
    r->qual = (uint32_t)parse_num(rd->arena + s.off, s.n);
    r->has_qual = 1;
    break;
  case A_SID:
    r->sid = s;
    break;
  case A_DATANAME:
    f->key = s;
    break;
  }
  return 0;
}

static void sink_attrs_done(evx_reader *rd)
{
  evx_frame *f = &rd->st[rd->sp - 1];
  if (f->cand == K_CHANNEL && !f->nattr)
    f->kind = K_CHANNEL;
  else if (f->cand == K_EVENTDATA) { /* also <EventData Name="..."> */
    f->kind = K_EVENTDATA;
    rd->seen |= S_IN_ED;
  }
  f->cap0 = (uint32_t)rd->alen;
}

static int sink_close(evx_reader *rd)
{
  evx_frame *f = &rd->st[--rd->sp];
  evx_record *r = &rd->rec;
  if (f->drop) { /* libfwevt leaves the element out */
    if (capturing(f->kind))
      rd->alen = f->cap0;
    if (f->kind == K_EVENTDATA)
      rd->seen &= ~(unsigned)S_IN_ED;
    return 0;
  }
  evx_str s = {f->cap0, (uint32_t)(rd->alen - f->cap0)};
  if (capturing(f->kind)) {
    if (!arena_room(rd, 0))
      return -1;
    rd->arena[rd->alen++] = 0;
  }
  switch (f->kind) {
  case K_SYSTEM:
    rd->seen |= S_SYSTEM;
    break;
  case K_EID:
    r->eid = (uint32_t)parse_num(rd->arena + s.off, s.n);
    rd->seen |= S_EID;
    break;
  case K_LEVEL:
    r->level = (uint8_t)parse_num(rd->arena + s.off, s.n);
    rd->seen |= S_LEVEL;
    break;
  case K_PROVIDER:
    rd->seen |= S_PROVIDER;
    break;
  case K_COMPUTER:
    r->computer = s;
    rd->seen |= S_COMPUTER;
    break;
  case K_SECURITY:
    rd->seen |= S_SECURITY;
    break;
  case K_CHANNEL:
    r->channel = s;
    rd->seen |= S_CHANNEL;
    break;
  case K_EVENTDATA:
    rd->seen = (rd->seen & ~(unsigned)S_IN_ED) | S_EVENTDATA;
    break;
  case K_DATA:
    if (grow((void **)&r->kv, &r->kvcap, r->nkv + 1, sizeof *r->kv)) {
      rd->oom = 1;
      return -1;
    }
    r->kv[r->nkv].key = f->key;
    r->kv[r->nkv++].val = s;
    break;
  default:
    break;
  }
  return 0;
}

/* ---- executing ------------------------------------------------------- */

/* Drop the ops and pool text compiled from OP0 / PLEN on (a Binary XML
 * value's own element), with the cached names and templates in them. */
static void forget_from(evx_reader *rd, size_t op0, size_t plen)
{
  rd->nops = op0;
  rd->plen = plen;
  for (size_t i = 0; i < EVX_NCACHE; i++)
    if (rd->nc[i].off && rd->nc[i].s >= plen)
      rd->nc[i].off = 0;
  evx_tc keep[EVX_TCACHE];
  size_t nk = 0, gone = 0;
  for (size_t i = 0; i < EVX_TCACHE; i++)
    if (rd->tc[i].off) {
      if (rd->tc[i].op0 >= op0)
        gone++;
      else
        keep[nk++] = rd->tc[i];
    }
  if (!gone)
    return;
  memset(rd->tc, 0, sizeof rd->tc);
  rd->ntc = 0;
  for (size_t k = 0; k < nk; k++) {
    size_t h = (keep[k].off * 2654435761u) >> 23 & (EVX_TCACHE - 1);
    while (rd->tc[h].off)
      h = (h + 1) & (EVX_TCACHE - 1);
    rd->tc[h] = keep[k];
    rd->ntc++;
  }
}

/* A Binary XML value (type 0x21) inside the element being rendered. */
static int exec_binxml(evx_reader *rd, evx_val v)
{
  if (rd->nest >= EVX_MAX_NEST)
    return fail(rd, _("binary XML values nested too deep"), v.off);
  if (!v.size)
    return 0;
  rd->nest++;
  cur c = {v.off, v.off + v.size};
  int rc = 0;
  uint8_t t = rd->c[c.p] & 0xbf;
  if (t == 0x0f) {
    c.p += 4;
    if (need(rd, &c, 1))
      rc = -1;
    else
      t = rd->c[c.p] & 0xbf;
  }
  if (rc) {
  } else if (t == 0x0c) {
    rc = exec_instance(rd, &c);
  } else if (t == 0x01) {
    /* a plain element (no dependency identifier when it comes first):
     * compiled for this value only, then forgotten */
    size_t op0 = rd->nops, plen = rd->plen;
    rc = compile_element(rd, &c, rd->c[v.off] == 0x0f, 0);
    if (!rc)
      rc = exec_range(rd, op0, rd->nops, rd->nvals, 0, rd->sp);
    forget_from(rd, op0, plen);
  } else {
    rc = fail(rd, _("binary XML value of an unknown kind"), v.off);
  }
  rd->nest--;
  return rc;
}

static int value_of(
    evx_reader *rd, const evx_op *op, size_t v0, size_t nv, const evx_val **v)
{
  if (op->sub >= nv)
    return fail(rd, _("substitution past the template's values"), 0);
  *v = &rd->vals[v0 + op->sub];
  return 0;
}

/* Render a substitution's value: an array gives its item IT when CURSOR
 * (the element's own array; strings from *APOS on), else its first. */
static int render_sub(
    evx_reader *rd, const evx_val *v, int cursor, uint32_t it, uint32_t *apos)
{
  if (!(v->type & 0x80))
    return render(rd, v);
  uint32_t p0 = 0;
  evx_val one;
  if (array_item(rd, v, cursor ? it : 0, cursor ? apos : &p0, &one))
    return 0;
  return render(rd, &one);
}

/* Run the element whose OP_OPEN is ops[I] with the values [V0, V0+NV) of
 * rd->vals. Ops and values may move (nested values compile and push), so
 * only indices are kept across calls. */
static int
exec_element(evx_reader *rd, size_t i, size_t v0, size_t nv, int depth)
{
  size_t close = rd->ops[i].end, arr = rd->ops[i].arr;
  if (close == NONE || close <= i || close >= rd->nops)
    return fail(rd, _("damaged template"), 0);
  if (depth > EVX_MAX_DEPTH)
    return fail(rd, _("elements nested too deep"), 0);
  /* an array substitution repeats the element once per item */
  uint32_t items = 1;
  int is_array = 0;
  if (arr != NONE) {
    const evx_val *v = NULL;
    if (value_of(rd, &rd->ops[arr], v0, nv, &v))
      return -1;
    if ((v->type & 0x80) && (v->type & 0x7f) != 0x21) {
      is_array = 1;
      items = array_items(rd, v);
      if (!items)
        items = 1;
    }
  }
  uint32_t apos = 0; /* the array's next string */
  for (uint32_t it = 0; it < items; it++) {
    if (sink_open(rd, &rd->ops[i]))
      return -1;
    size_t j = i + 1;
    /* attributes */
    while (j < close && rd->ops[j].kind == OP_ATTR) {
      int which = sink_attr(rd, &rd->ops[j]);
      uint32_t a0 = (uint32_t)rd->alen;
      int drop = 0;
      j++;
      for (; j < close &&
             (rd->ops[j].kind == OP_TEXT || rd->ops[j].kind == OP_SUB);
           j++) {
        const evx_op *op = &rd->ops[j];
        if (op->kind == OP_TEXT) {
          if (which && arena_add(rd, rd->pool + op->s, op->n))
            return -1;
          continue;
        }
        const evx_val *v = NULL;
        if (value_of(rd, op, v0, nv, &v))
          return -1;
        if (v->type == 0x00) {
          if (op->opt)
            drop = 1;
          continue;
        }
        if (op->opt)
          drop = 0;
        if (which && (v->type & 0x7f) != 0x21 &&
            render_sub(rd, v, is_array && j == arr, it, &apos))
          return -1;
      }
      if (sink_attr_done(rd, which, a0, drop))
        return -1;
    }
    if (j >= close || rd->ops[j].kind != OP_ATTRS_DONE)
      return fail(rd, _("damaged template"), 0);
    sink_attrs_done(rd);
    j++;
    /* content */
    while (j < close) {
      uint8_t kind = rd->ops[j].kind;
      evx_frame *f = &rd->st[rd->sp - 1];
      if (kind == OP_OPEN) {
        size_t next = rd->ops[j].end;
        if (next == NONE || next <= j || next >= close)
          return fail(rd, _("damaged template"), 0);
        if (exec_element(rd, j, v0, nv, depth + 1))
          return -1;
        j = next + 1;
        continue;
      }
      if (kind == OP_TEXT) {
        if (capturing(f->kind) &&
            arena_add(rd, rd->pool + rd->ops[j].s, rd->ops[j].n))
          return -1;
      } else if (kind == OP_SUB) {
        const evx_val *v = NULL;
        int opt = rd->ops[j].opt;
        if (value_of(rd, &rd->ops[j], v0, nv, &v))
          return -1;
        if (v->type == 0x00) {
          if (opt)
            f->drop = 1;
        } else {
          if (opt)
            f->drop = 0;
          if ((v->type & 0x7f) == 0x21) {
            if (exec_binxml(rd, *v))
              return -1;
          } else if (capturing(f->kind) &&
                     render_sub(rd, v, is_array && j == arr, it, &apos)) {
            return -1;
          }
        }
      } else {
        return fail(rd, _("damaged template"), 0);
      }
      j++;
    }
    if (sink_close(rd))
      return -1;
  }
  return 0;
}

static int exec_range(
    evx_reader *rd, size_t i, size_t end, size_t v0, size_t nv, int depth)
{
  while (i < end) {
    if (rd->ops[i].kind != OP_OPEN)
      return fail(rd, _("damaged template"), 0);
    if (exec_element(rd, i, v0, nv, depth))
      return -1;
    i = rd->ops[i].end + 1;
  }
  return 0;
}

/* The template definition at chunk offset OFF (compiled on first use). */
static int template_at(
    evx_reader *rd, uint32_t off, uint32_t *op0, uint32_t *n, int *cached)
{
  if (off < EVX_CHUNK_HEADER || off > EVX_CHUNK - 24)
    return fail(rd, _("template offset out of the chunk"), off);
  size_t h = (off * 2654435761u) >> 23 & (EVX_TCACHE - 1);
  for (size_t k = 0; k < EVX_TCACHE; k++) {
    evx_tc *t = &rd->tc[(h + k) & (EVX_TCACHE - 1)];
    if (t->off == off) {
      *op0 = t->op0;
      *n = t->nops;
      *cached = 1;
      return 0;
    }
    if (!t->off)
      break;
  }
  uint32_t size = win_le32(rd->c + off + 20);
  if (size > EVX_CHUNK - off - 24)
    return fail(rd, _("template larger than the chunk"), off);
  cur c = {off + 24, off + 24 + size};
  size_t start = rd->nops;
  if (compile_fragment(rd, &c, 1)) {
    rd->nops = start;
    return -1;
  }
  *op0 = (uint32_t)start;
  *n = (uint32_t)(rd->nops - start);
  *cached = 0; /* a full cache: compiled for this instance only */
  if (rd->ntc < EVX_TCACHE / 2) {
    for (size_t k = 0; k < EVX_TCACHE; k++) {
      evx_tc *t = &rd->tc[(h + k) & (EVX_TCACHE - 1)];
      if (!t->off) {
        t->off = off;
        t->op0 = *op0;
        t->nops = *n;
        rd->ntc++;
        *cached = 1;
        break;
      }
    }
  }
  return 0;
}

/* A template instance at C->p (token 0x0c): its values, then its
 * template run with them. */
static int exec_instance(evx_reader *rd, cur *c)
{
  uint32_t at = c->p;
  if (need(rd, c, 10))
    return -1;
  uint32_t def = win_le32(rd->c + c->p + 6);
  c->p += 10;
  if (def == c->p) { /* the definition is stored here: skip it */
    if (need(rd, c, 24))
      return -1;
    uint32_t size = win_le32(rd->c + c->p + 20);
    if (size > c->end - c->p - 24)
      return fail(rd, _("inline template larger than its record"), at);
    c->p += 24 + size;
  }
  /* the values first: a damaged instance compiles nothing */
  if (need(rd, c, 4))
    return -1;
  uint32_t nv = win_le32(rd->c + c->p);
  c->p += 4;
  if (nv > (c->end - c->p) / 4)
    return fail(rd, _("more template values than the record holds"), c->p);
  size_t v0 = rd->nvals;
  if (grow((void **)&rd->vals, &rd->valcap, v0 + nv, sizeof *rd->vals)) {
    rd->oom = 1;
    return -1;
  }
  uint32_t data = c->p + 4 * nv;
  for (uint32_t i = 0; i < nv; i++) {
    evx_val *v = &rd->vals[v0 + i];
    v->size = win_le16(rd->c + c->p + 4 * i);
    v->type = rd->c[c->p + 4 * i + 2];
    v->off = data;
    if (v->size > c->end - data)
      return fail(rd, _("template value past the end of its record"), data);
    data += v->size;
  }
  c->p = data;
  uint32_t op0, nops;
  size_t ops_before = rd->nops, pool_before = rd->plen;
  int cached = 0, rc;
  if (template_at(rd, def, &op0, &nops, &cached)) {
    rc = -1;
  } else {
    rd->nvals = v0 + nv;
    rc = exec_range(rd, op0, (size_t)op0 + nops, v0, nv, rd->sp);
    rd->nvals = v0;
  }
  if (!cached) /* not kept: this instance's compilation goes */
    forget_from(rd, ops_before, pool_before);
  return rc;
}

int evx_record_parse(evx_reader *rd, uint32_t pos, uint32_t end)
{
  evx_record *r = &rd->rec;
  r->eid = r->qual = 0;
  r->level = 0;
  r->has_qual = 0;
  r->source.n = r->pname.n = r->guid.n = r->channel.n = r->computer.n =
      r->sid.n = EVX_ABSENT;
  r->nkv = 0;
  rd->alen = 0;
  rd->sp = 0;
  rd->nest = 0;
  rd->seen = 0;
  rd->work = 0;
  rd->nvals = 0;
  rd->err[0] = 0;
  if (end > EVX_CHUNK || pos > end)
    return fail(rd, _("record outside its chunk"), pos);
  cur c = {pos, end};
  if (need(rd, &c, 1))
    return -1;
  if (rd->c[c.p] == 0x0f) {
    if (need(rd, &c, 4))
      return -1;
    c.p += 4;
  }
  if (need(rd, &c, 1))
    return -1;
  uint8_t t = rd->c[c.p] & 0xbf;
  int rc;
  if (t == 0x0c) {
    rc = exec_instance(rd, &c);
  } else if (t == 0x01) {
    size_t op0 = rd->nops, plen = rd->plen;
    rc = compile_element(rd, &c, 1, 0);
    if (!rc)
      rc = exec_range(rd, op0, rd->nops, 0, 0, 0);
    forget_from(rd, op0, plen);
  } else {
    rc = fail(rd, _("record holds no template instance or element"), c.p);
  }
  if (rc && rd->oom)
    snprintf(rd->err, sizeof rd->err, "%s", _("out of memory"));
  if (r->source.n == EVX_ABSENT) /* EventSourceName, else Name */
    r->source = r->pname;
  return rc;
}
