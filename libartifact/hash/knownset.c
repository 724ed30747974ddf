/* Known hash sets read back from hash lists, for audit and match modes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "text_private.h"

#include <artifact/hashlist.h>
#include <artifact/knownset.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIZE_UNKNOWN UINT64_MAX

typedef struct entry {
  char *name;
  uint64_t size;
  char *hex[ART_HASH_COUNT_];
  int used;
} entry;

/* Open-addressing multimap from a string to entry indexes. */
typedef struct index_map {
  size_t *slots; /* entry index + 1; 0 = empty */
  size_t cap;
} index_map;

struct art_knownset {
  entry *e;
  size_t n, cap;
  unsigned mask;
  index_map by_name;
  index_map by_hash[ART_HASH_COUNT_];
};

static const char *const result_names[] = {"matched", "changed", "new", "moved",
                                           "missing"};

const char *art_audit_result_name(art_audit_result r)
{
  return (unsigned)r <= ART_AUDIT_MISSING ? result_names[r] : "?";
}

static uint64_t str_hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
}

static const char *
key_of(const art_knownset *ks, const index_map *m, size_t idx)
{
  const entry *e = &ks->e[idx];
  if (m == &ks->by_name)
    return e->name;
  return e->hex[m - ks->by_hash];
}

static int map_build(art_knownset *ks, index_map *m)
{
  size_t cap = 16;
  while (cap < ks->n * 2)
    cap *= 2;
  m->slots = calloc(cap, sizeof *m->slots);
  if (!m->slots)
    return -1;
  m->cap = cap;
  for (size_t i = 0; i < ks->n; i++) {
    const char *k = key_of(ks, m, i);
    if (!k)
      continue;
    size_t p = (size_t)str_hash(k) & (cap - 1);
    while (m->slots[p])
      p = (p + 1) & (cap - 1);
    m->slots[p] = i + 1;
  }
  return 0;
}

/* Iterate over entries whose key equals K: *POS starts at SIZE_MAX. */
static entry *
map_next(const art_knownset *ks, const index_map *m, const char *k, size_t *pos)
{
  if (!m->slots || !k)
    return NULL;
  size_t p = *pos == SIZE_MAX ? (size_t)str_hash(k) & (m->cap - 1)
                              : (*pos + 1) & (m->cap - 1);
  for (; m->slots[p]; p = (p + 1) & (m->cap - 1)) {
    size_t idx = m->slots[p] - 1;
    const char *key = key_of(ks, m, idx);
    if (key && strcmp(key, k) == 0) {
      *pos = p;
      return &ks->e[idx];
    }
  }
  return NULL;
}

static entry *add_entry(art_knownset *ks)
{
  if (ks->n == ks->cap) {
    size_t cap = ks->cap ? ks->cap * 2 : 256;
    entry *e = realloc(ks->e, cap * sizeof *e);
    if (!e)
      return NULL;
    ks->e = e;
    ks->cap = cap;
  }
  entry *e = &ks->e[ks->n++];
  memset(e, 0, sizeof *e);
  e->size = SIZE_UNKNOWN;
  return e;
}

static void lower(char *s)
{
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'F')
      *s = (char)(*s - 'A' + 'a');
}

static int is_hex(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
          (s[i] >= 'A' && s[i] <= 'F')))
      return 0;
  return n > 0;
}

static art_status set_hex(art_ctx *ctx,
                          art_knownset *ks,
                          entry *e,
                          art_hash_alg a,
                          const char *hex,
                          size_t n,
                          const char *path,
                          size_t line)
{
  if (n != 2 * art_hash_alg_size(a) || !is_hex(hex, n))
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s:%zu: '%.*s' is not a %s digest", path, line,
                          (int)(n > 80 ? 80 : n), hex, art_hash_alg_name(a));
  e->hex[a] = strndup(hex, n);
  if (!e->hex[a])
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  lower(e->hex[a]);
  ks->mask |= ART_HASH_MASK(a);
  return ART_OK;
}

/* hashdeep: "%%%% size,md5,sha256,filename" then "size,h1,h2,name". */
typedef struct hd_cols {
  art_hash_alg alg[ART_HASH_COUNT_];
  int n;
  int ok;
} hd_cols;

static art_status hd_header(
    art_ctx *ctx, hd_cols *c, const char *line, const char *path, size_t lineno)
{
  char *copy = strdup(line + 5), *save = NULL;
  int col = 0;
  c->n = 0;
  c->ok = 0;
  if (!copy)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  for (char *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save), col++) {
    art_hash_alg a;
    if (col == 0 && strcmp(tok, "size") == 0)
      continue;
    if (strcmp(tok, "filename") == 0)
      break;
    if (art_hash_alg_parse(tok, &a) != ART_OK || c->n >= ART_HASH_COUNT_) {
      art__set_error(ctx, ART_ERR_FORMAT, 0,
                     "%s:%zu: unsupported hashdeep column '%s'", path, lineno,
                     tok);
      free(copy);
      return ART_ERR_FORMAT;
    }
    c->alg[c->n++] = a;
  }
  free(copy);
  c->ok = c->n > 0;
  return ART_OK;
}

static art_status hd_record(art_ctx *ctx,
                            art_knownset *ks,
                            const hd_cols *c,
                            const char *line,
                            const char *path,
                            size_t lineno)
{
  const char *p = line;
  char *end;
  entry *e;
  art_status st;
  if (!c->ok)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s:%zu: record before the %%%%%%%% size,... header",
                          path, lineno);
  errno = 0;
  unsigned long long size = strtoull(p, &end, 10);
  if (errno || end == p || *end != ',')
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s:%zu: bad hashdeep record (no size)", path,
                          lineno);
  if (!(e = add_entry(ks)))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  e->size = size;
  p = end + 1;
  for (int i = 0; i < c->n; i++) {
    const char *comma = strchr(p, ',');
    if (!comma)
      return art__set_error(ctx, ART_ERR_FORMAT, 0,
                            "%s:%zu: bad hashdeep record (too few columns)",
                            path, lineno);
    st = set_hex(ctx, ks, e, c->alg[i], p, (size_t)(comma - p), path, lineno);
    if (st != ART_OK)
      return st;
    p = comma + 1;
  }
  /* The rest, commas included, is the name (hashdeep's rule). */
  e->name = strdup(p);
  return e->name ? ART_OK
                 : art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
}

static int alg_for_length(size_t n, art_hash_alg *a)
{
  switch (n) {
  case 32:
    *a = ART_HASH_MD5;
    return 1;
  case 40:
    *a = ART_HASH_SHA1;
    return 1;
  case 64:
    *a = ART_HASH_SHA256;
    return 1;
  case 128:
    *a = ART_HASH_SHA512;
    return 1;
  default:
    return 0;
  }
}

static char *sum_unescape(const char *s)
{
  char *out = malloc(strlen(s) + 1), *o = out;
  if (!out)
    return NULL;
  for (; *s; s++) {
    if (*s == '\\' && s[1]) {
      s++;
      *o++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
    } else {
      *o++ = *s;
    }
  }
  *o = '\0';
  return out;
}

/* md5sum/sha256sum lines, escaped ("\hex  na\\me") or BSD tags
 * ("SHA256 (name) = hex"). */
static art_status sum_record(art_ctx *ctx,
                             art_knownset *ks,
                             const char *line,
                             const char *path,
                             size_t lineno)
{
  int esc = line[0] == '\\';
  const char *p = line + esc;
  art_hash_alg a;
  entry *e;
  size_t hl = strspn(p, "0123456789abcdefABCDEF");
  const char *name;
  art_status st;
  if (hl > 0 && alg_for_length(hl, &a) && p[hl] == ' ' &&
      (p[hl + 1] == ' ' || p[hl + 1] == '*')) {
    name = p + hl + 2;
  } else {
    /* BSD tag form */
    const char *open = strstr(p, " (");
    const char *close = strrchr(p, ')');
    char alg[32];
    if (!open || !close || close < open || strncmp(close, ") = ", 4) != 0 ||
        (size_t)(open - p) >= sizeof alg)
      return art__set_error(ctx, ART_ERR_FORMAT, 0,
                            "%s:%zu: not a hashdeep, sum or JSON Lines record",
                            path, lineno);
    memcpy(alg, p, (size_t)(open - p));
    alg[open - p] = '\0';
    if (art_hash_alg_parse(alg, &a) != ART_OK)
      return art__set_error(ctx, ART_ERR_FORMAT, 0,
                            "%s:%zu: unknown algorithm '%s'", path, lineno,
                            alg);
    if (!(e = add_entry(ks)))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    char *raw = strndup(open + 2, (size_t)(close - open - 2));
    e->name = raw && esc ? sum_unescape(raw) : raw;
    if (esc)
      free(raw);
    if (!e->name)
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    return set_hex(ctx, ks, e, a, close + 4, strlen(close + 4), path, lineno);
  }
  if (!(e = add_entry(ks)))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  e->name = esc ? sum_unescape(name) : strdup(name);
  if (!e->name)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  st = set_hex(ctx, ks, e, a, p, hl, path, lineno);
  return st;
}

static art_status jsonl_record(art_ctx *ctx,
                               art_knownset *ks,
                               const char *line,
                               const char *path,
                               size_t lineno)
{
  json_error_t jerr;
  json_t *o = json_loads(line, 0, &jerr);
  art_status st = ART_OK;
  if (!o || !json_is_object(o)) {
    json_decref(o);
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "%s:%zu: bad JSON: %s", path,
                          lineno, jerr.text);
  }
  json_t *hashes = json_object_get(o, "hashes");
  const char *status = json_string_value(json_object_get(o, "status"));
  if (!json_is_object(hashes) || (status && strcmp(status, "ok") != 0))
    goto out; /* failures and summaries carry no hashes */
  entry *e = add_entry(ks);
  if (!e) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    goto out;
  }
  const char *hexname = json_string_value(json_object_get(o, "path_hex"));
  const char *name = json_string_value(json_object_get(o, "path"));
  if (hexname) {
    size_t n;
    e->name = (char *)art__hex_decode(hexname, &n);
  } else {
    e->name = strdup(name ? name : "");
  }
  if (!e->name) {
    st = art__set_error(ctx, ART_ERR_FORMAT, 0, "%s:%zu: bad path", path,
                        lineno);
    goto out;
  }
  json_t *size = json_object_get(o, "size");
  if (json_is_integer(size))
    e->size = (uint64_t)json_integer_value(size);
  const char *key;
  json_t *v;
  json_object_foreach(hashes, key, v)
  {
    art_hash_alg a;
    const char *hex = json_string_value(v);
    if (!hex || art_hash_alg_parse(key, &a) != ART_OK)
      continue;
    st = set_hex(ctx, ks, e, a, hex, strlen(hex), path, lineno);
    if (st != ART_OK)
      break;
  }
out:
  json_decref(o);
  return st;
}

art_status art_knownset_load(art_ctx *ctx, const char *path, art_knownset **out)
{
  FILE *f;
  char *line = NULL;
  size_t cap = 0, lineno = 0;
  ssize_t n;
  hd_cols cols = {{0}, 0, 0};
  enum { UNKNOWN, HASHDEEP, SUM, JSONL } kind = UNKNOWN;
  art_status st = ART_OK;
  art_knownset *ks;
  *out = NULL;
  ks = art__calloc(ctx, 1, sizeof *ks);
  if (!ks)
    return ART_ERR_NOMEM;
  f = fopen(path, "r");
  if (!f) {
    st = art__set_errno(ctx, errno, "%s", path);
    goto out;
  }
  while (st == ART_OK && (n = getline(&line, &cap, f)) > 0) {
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (n == 0)
      continue;
    if (kind == UNKNOWN)
      kind = strncmp(line, "%%%% HASHDEEP", 13) == 0 ? HASHDEEP
             : line[0] == '{'                        ? JSONL
                                                     : SUM;
    switch (kind) {
    case HASHDEEP:
      if (strncmp(line, "%%%% size,", 10) == 0)
        st = hd_header(ctx, &cols, line, path, lineno);
      else if (line[0] != '#' && line[0] != '%')
        st = hd_record(ctx, ks, &cols, line, path, lineno);
      break;
    case JSONL:
      st = jsonl_record(ctx, ks, line, path, lineno);
      break;
    default:
      if (line[0] != '#')
        st = sum_record(ctx, ks, line, path, lineno);
      break;
    }
  }
  if (st == ART_OK && ferror(f))
    st = art__set_errno(ctx, errno ? errno : EIO, "%s", path);
  if (st == ART_OK && ks->n == 0)
    st = art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: no hashes in the file",
                        path);
  if (st == ART_OK && map_build(ks, &ks->by_name) != 0)
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  for (int a = 0; st == ART_OK && a < ART_HASH_COUNT_; a++)
    if ((ks->mask & ART_HASH_MASK(a)) && map_build(ks, &ks->by_hash[a]) != 0)
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
out:
  free(line);
  if (f)
    fclose(f);
  if (st != ART_OK) {
    art_knownset_free(ks);
    return st;
  }
  *out = ks;
  return ART_OK;
}

void art_knownset_free(art_knownset *ks)
{
  if (!ks)
    return;
  for (size_t i = 0; i < ks->n; i++) {
    free(ks->e[i].name);
    for (int a = 0; a < ART_HASH_COUNT_; a++)
      free(ks->e[i].hex[a]);
  }
  free(ks->e);
  free(ks->by_name.slots);
  for (int a = 0; a < ART_HASH_COUNT_; a++)
    free(ks->by_hash[a].slots);
  free(ks);
}

unsigned art_knownset_mask(const art_knownset *ks)
{
  return ks->mask;
}

size_t art_knownset_count(const art_knownset *ks)
{
  return ks->n;
}

/* Every algorithm both sides have agrees (and the size, when known). */
static int same_content(const entry *e, uint64_t size, const art_hash *h)
{
  int compared = 0;
  if (e->size != SIZE_UNKNOWN && size != SIZE_UNKNOWN && e->size != size)
    return 0;
  for (int a = 0; a < ART_HASH_COUNT_; a++) {
    const char *hex = art_hash_hex(h, (art_hash_alg)a);
    if (!e->hex[a] || !hex)
      continue;
    if (strcmp(e->hex[a], hex) != 0)
      return 0;
    compared++;
  }
  return compared > 0;
}

/* An entry with the same content, found through the first common
 * algorithm's index. */
static entry *
find_by_content(const art_knownset *ks, uint64_t size, const art_hash *h)
{
  for (int a = ART_HASH_COUNT_ - 1; a >= 0; a--) {
    const char *hex = art_hash_hex(h, (art_hash_alg)a);
    if (!hex || !(ks->mask & ART_HASH_MASK(a)))
      continue;
    size_t pos = SIZE_MAX;
    entry *e, *first = NULL;
    while ((e = map_next(ks, &ks->by_hash[a], hex, &pos))) {
      if (!same_content(e, size, h))
        continue;
      if (!e->used)
        return e;
      if (!first)
        first = e;
    }
    return first;
  }
  return NULL;
}

art_audit_result art_knownset_audit(art_knownset *ks,
                                    const char *name,
                                    uint64_t size,
                                    const art_hash *h,
                                    const char **known_name)
{
  size_t pos = SIZE_MAX;
  entry *e = map_next(ks, &ks->by_name, name, &pos);
  if (known_name)
    *known_name = NULL;
  if (e) {
    /* Several entries may share a name (lists concatenated): any one with
     * the same content is a match. */
    entry *named = e;
    do {
      if (same_content(e, size, h)) {
        e->used = 1;
        return ART_AUDIT_MATCHED;
      }
    } while ((e = map_next(ks, &ks->by_name, name, &pos)));
    named->used = 1;
    if (known_name)
      *known_name = named->name;
    return ART_AUDIT_CHANGED;
  }
  e = find_by_content(ks, size, h);
  if (e) {
    e->used = 1;
    if (known_name)
      *known_name = e->name;
    return ART_AUDIT_MOVED;
  }
  return ART_AUDIT_NEW;
}

int art_knownset_contains(const art_knownset *ks, const art_hash *h)
{
  return find_by_content(ks, SIZE_UNKNOWN, h) != NULL;
}

void art_knownset_foreach_unused(const art_knownset *ks,
                                 void (*cb)(const char *name, void *userdata),
                                 void *userdata)
{
  for (size_t i = 0; i < ks->n; i++)
    if (!ks->e[i].used)
      cb(ks->e[i].name, userdata);
}

static void json_put_path(json_t *o, const char *key, const char *s)
{
  json_t *v = json_string(s);
  if (!v) {
    char *lossy = art__utf8_lossy(s);
    char *hex = art__hex_encode((const unsigned char *)s, strlen(s));
    char hkey[64];
    v = json_string(lossy ? lossy : "");
    snprintf(hkey, sizeof hkey, "%s_hex", key);
    json_object_set_new(o, hkey, json_string(hex ? hex : ""));
    free(lossy);
    free(hex);
  }
  json_object_set_new(o, key, v);
}

void art_audit_write(FILE *out,
                     int jsonl,
                     art_audit_result r,
                     const char *path,
                     const char *known_path)
{
  if (jsonl) {
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("artifact.audit/1"));
    json_object_set_new(o, "audit", json_string(art_audit_result_name(r)));
    json_put_path(o, "path", path);
    if (known_path)
      json_put_path(o, "known_path", known_path);
    char *line = json_dumps(o, JSON_COMPACT);
    if (line) {
      fputs(line, out);
      fputc('\n', out);
      free(line);
    }
    json_decref(o);
    return;
  }
  int esc = art_sum_name_needs_escape(path) ||
            (known_path && art_sum_name_needs_escape(known_path));
  fprintf(out, "%s%-8s ", esc ? "\\" : "", art_audit_result_name(r));
  art_sum_write_name(out, path, esc);
  if (known_path && r == ART_AUDIT_MOVED) {
    fputs(" (moved from ", out);
    art_sum_write_name(out, known_path, esc);
    fputc(')', out);
  }
  fputc('\n', out);
}

int art_audit_write_summary(FILE *out,
                            int jsonl,
                            const unsigned long *c,
                            unsigned long unreadable)
{
  int failed = c[ART_AUDIT_CHANGED] || c[ART_AUDIT_NEW] || c[ART_AUDIT_MOVED] ||
               c[ART_AUDIT_MISSING] || unreadable;
  if (jsonl)
    fprintf(out,
            "{\"schema\":\"artifact.audit/1\",\"summary\":{\"passed\":%s,"
            "\"matched\":%lu,\"changed\":%lu,\"new\":%lu,\"moved\":%lu,"
            "\"missing\":%lu,\"unreadable\":%lu}}\n",
            failed ? "false" : "true", c[ART_AUDIT_MATCHED],
            c[ART_AUDIT_CHANGED], c[ART_AUDIT_NEW], c[ART_AUDIT_MOVED],
            c[ART_AUDIT_MISSING], unreadable);
  else
    fprintf(out,
            "audit %s: %lu matched, %lu changed, %lu new, %lu moved, %lu "
            "missing, %lu unreadable\n",
            failed ? "failed" : "passed", c[ART_AUDIT_MATCHED],
            c[ART_AUDIT_CHANGED], c[ART_AUDIT_NEW], c[ART_AUDIT_MOVED],
            c[ART_AUDIT_MISSING], unreadable);
  return failed;
}
