/* Shards: deterministic assignment of a run's inputs, the batch filter and
 * the manifest (see include/artifact/shard.h).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "shard_private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ctx_private.h"

#define SHARD_FILE_COST     4096u
#define MAX_UNPLANNED_NAMES 100

typedef struct plan_entry {
  char *path;
  uint64_t size;
  unsigned owner;
  unsigned char seen, done;
} plan_entry;

struct art_shard {
  unsigned k, n;
  plan_entry *e;
  size_t n_e, cap_e;
  size_t *ht; /* open addressing: index + 1, 0 = empty */
  size_t ht_cap;
  int assigned;
  art_batch_opts bopts;
  /* the run */
  FILE *out, *index;
  char *index_path;
  off_t header_end, cur_start;
  size_t cursor;
  uint64_t covered, covered_bytes, unplanned;
  char *unplanned_names[MAX_UNPLANNED_NAMES];
  int io_error;
};

/* ---- helpers shared with merge.c ---- */

static size_t utf8_len(const unsigned char *p)
{
  unsigned char c = p[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
    return 0;
  return n;
}

char *art__shard_escape(const char *s)
{
  size_t len = strlen(s);
  char *o = malloc(len * 4 + 1), *q = o;
  const unsigned char *p = (const unsigned char *)s;
  static const char hex[] = "0123456789abcdef";
  if (!o)
    return NULL;
  while (*p) {
    size_t n = utf8_len(p);
    if (*p == '\\') {
      *q++ = '\\', *q++ = '\\', p++;
    } else if (*p == '\t') {
      *q++ = '\\', *q++ = 't', p++;
    } else if (*p == '\n') {
      *q++ = '\\', *q++ = 'n', p++;
    } else if (*p == '\r') {
      *q++ = '\\', *q++ = 'r', p++;
    } else if (n == 0 || *p < 0x20 || *p == 0x7f) {
      *q++ = '\\', *q++ = 'x', *q++ = hex[*p >> 4], *q++ = hex[*p & 15];
      p++;
    } else {
      memcpy(q, p, n);
      q += n, p += n;
    }
  }
  *q = '\0';
  return o;
}

static int hexval(char c)
{
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

char *art__shard_unescape(const char *s)
{
  char *o = malloc(strlen(s) + 1), *q = o;
  if (!o)
    return NULL;
  for (const char *p = s; *p; p++) {
    if (*p != '\\') {
      *q++ = *p;
      continue;
    }
    p++;
    if (*p == '\\')
      *q++ = '\\';
    else if (*p == 't')
      *q++ = '\t';
    else if (*p == 'n')
      *q++ = '\n';
    else if (*p == 'r')
      *q++ = '\r';
    else if (*p == 'x' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0 &&
             (hexval(p[1]) || hexval(p[2]))) {
      *q++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
      p += 2;
    } else {
      free(o);
      return NULL;
    }
  }
  *q = '\0';
  return o;
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void to_hex(const unsigned char *md, unsigned len, char *hex)
{
  static const char h[] = "0123456789abcdef";
  for (unsigned i = 0; i < len; i++) {
    hex[2 * i] = h[md[i] >> 4];
    hex[2 * i + 1] = h[md[i] & 15];
  }
  hex[2 * len] = '\0';
}

int art__shard_digest_names(const char **names, size_t n, char hex[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (!c)
    return -1;
  qsort(names, n, sizeof *names, cmp_names);
  int ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  for (size_t i = 0; ok && i < n; i++)
    ok = EVP_DigestUpdate(c, names[i], strlen(names[i]) + 1);
  ok = ok && EVP_DigestFinal_ex(c, md, &len);
  EVP_MD_CTX_free(c);
  if (!ok)
    return -1;
  to_hex(md, len, hex);
  return 0;
}

int art__shard_digest_file(const char *path, char hex[65], uint64_t *size)
{
  unsigned char md[EVP_MAX_MD_SIZE], buf[1 << 16];
  unsigned len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  uint64_t total = 0;
  ssize_t r;
  while (ok && (r = read(fd, buf, sizeof buf)) != 0) {
    if (r < 0) {
      if (errno == EINTR)
        continue;
      ok = 0;
      break;
    }
    ok = EVP_DigestUpdate(c, buf, (size_t)r);
    total += (uint64_t)r;
  }
  ok = ok && EVP_DigestFinal_ex(c, md, &len);
  EVP_MD_CTX_free(c);
  close(fd);
  if (!ok)
    return -1;
  to_hex(md, len, hex);
  if (size)
    *size = total;
  return 0;
}

/* ---- the spec ---- */

static int parse_u(const char *s, const char *end, unsigned long *out)
{
  char *e = NULL;
  if (!s || s == end || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long v = strtoul(s, &e, 10);
  if (errno || (end ? e != end : *e != '\0'))
    return -1;
  *out = v;
  return 0;
}

art_status
art_shard_spec_parse(art_ctx *ctx, const char *spec, unsigned *k, unsigned *n)
{
  unsigned long kk = 0, nn = 0;
  if (!spec)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no shard given");
  if (strncmp(spec, "auto", 4) == 0 && (spec[4] == '\0' || spec[4] == '/')) {
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    const char *jci = getenv("JOB_COMPLETION_INDEX");
    if (id) {
      unsigned long v, min = 0;
      const char *cnt = getenv("SLURM_ARRAY_TASK_COUNT");
      const char *mn = getenv("SLURM_ARRAY_TASK_MIN");
      if (parse_u(id, NULL, &v) != 0 || (mn && parse_u(mn, NULL, &min) != 0) ||
          v < min)
        return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                              "--shard auto: bad SLURM_ARRAY_TASK_ID '%s'", id);
      kk = v - min + 1;
      if (spec[4] == '/') {
        if (parse_u(spec + 5, NULL, &nn) != 0)
          return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                                "bad shard '%s' (K/N, auto or auto/N)", spec);
      } else if (!cnt || parse_u(cnt, NULL, &nn) != 0) {
        return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                              "--shard auto: SLURM_ARRAY_TASK_COUNT is not set "
                              "or not a number");
      }
    } else if (jci) {
      const char *cnt = spec[4] == '/' ? spec + 5 : getenv("ART_SHARD_COUNT");
      if (parse_u(jci, NULL, &kk) != 0)
        return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                              "--shard auto: bad JOB_COMPLETION_INDEX '%s'",
                              jci);
      kk++;
      if (!cnt || parse_u(cnt, NULL, &nn) != 0)
        return art__set_error(
            ctx, ART_ERR_INVALID_ARG, 0,
            "--shard auto: JOB_COMPLETION_INDEX needs the shard count "
            "(--shard auto/N or ART_SHARD_COUNT)");
    } else {
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "--shard auto: neither SLURM_ARRAY_TASK_ID nor "
                            "JOB_COMPLETION_INDEX is set");
    }
  } else {
    const char *slash = strchr(spec, '/');
    if (!slash || parse_u(spec, slash, &kk) != 0 ||
        parse_u(slash + 1, NULL, &nn) != 0)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "bad shard '%s' (K/N, auto or auto/N)", spec);
  }
  if (nn < 1 || nn > 65536 || kk < 1 || kk > nn)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "shard %lu/%lu out of range (1 <= K <= N <= 65536)",
                          kk, nn);
  *k = (unsigned)kk;
  *n = (unsigned)nn;
  return ART_OK;
}

/* ---- the plan ---- */

art_status art_shard_new(art_ctx *ctx, unsigned k, unsigned n, art_shard **out)
{
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no output pointer");
  *out = NULL;
  if (n < 1 || k < 1 || k > n)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "shard %u/%u out of range", k, n);
  art_shard *s = art__calloc(ctx, 1, sizeof *s);
  if (!s)
    return ART_ERR_NOMEM;
  s->k = k;
  s->n = n;
  *out = s;
  return ART_OK;
}

void art_shard_free(art_shard *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->n_e; i++)
    free(s->e[i].path);
  free(s->e);
  free(s->ht);
  if (s->index)
    fclose(s->index);
  free(s->index_path);
  for (size_t i = 0; i < MAX_UNPLANNED_NAMES; i++)
    free(s->unplanned_names[i]);
  free(s);
}

static uint64_t hash_name(const char *p)
{
  uint64_t h = 1469598103934665603ull;
  for (; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  return h;
}

art_status
art_shard_add(art_ctx *ctx, art_shard *s, const char *path, uint64_t size)
{
  if (s->assigned)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "shard already planned");
  if (s->n_e == s->cap_e) {
    size_t cap = s->cap_e ? s->cap_e * 2 : 1024;
    plan_entry *p = realloc(s->e, cap * sizeof *p);
    if (!p)
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    s->e = p;
    s->cap_e = cap;
  }
  plan_entry *e = &s->e[s->n_e];
  memset(e, 0, sizeof *e);
  e->path = strdup(path);
  if (!e->path)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  e->size = size;
  s->n_e++;
  return ART_OK;
}

static const plan_entry *sort_base;

static int cmp_lpt(const void *a, const void *b)
{
  const plan_entry *x = &sort_base[*(const size_t *)a];
  const plan_entry *y = &sort_base[*(const size_t *)b];
  if (x->size != y->size)
    return x->size > y->size ? -1 : 1;
  int c = strcmp(x->path, y->path);
  if (c)
    return c;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Min-heap of shards by (load, index). */
typedef struct bin {
  uint64_t load;
  unsigned k;
} bin;

static int bin_less(const bin *a, const bin *b)
{
  return a->load != b->load ? a->load < b->load : a->k < b->k;
}

static void heap_down(bin *h, size_t n, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && bin_less(&h[l], &h[m]))
      m = l;
    if (r < n && bin_less(&h[r], &h[m]))
      m = r;
    if (m == i)
      return;
    bin t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

art_status art_shard_assign(art_ctx *ctx, art_shard *s)
{
  art_status st = ART_OK;
  size_t *order = NULL;
  bin *heap = NULL;
  if (s->n_e) {
    order = malloc(s->n_e * sizeof *order);
    s->ht_cap = 16;
    while (s->ht_cap < s->n_e * 2)
      s->ht_cap *= 2;
    s->ht = calloc(s->ht_cap, sizeof *s->ht);
  }
  heap = malloc(s->n * sizeof *heap);
  if ((s->n_e && (!order || !s->ht)) || !heap) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < s->n_e; i++)
    order[i] = i;
  sort_base = s->e;
  if (s->n_e)
    qsort(order, s->n_e, sizeof *order, cmp_lpt);
  for (unsigned i = 0; i < s->n; i++)
    heap[i] = (bin){0, i + 1};
  for (size_t j = 0; j < s->n_e; j++) {
    plan_entry *e = &s->e[order[j]];
    e->owner = heap[0].k;
    heap[0].load += e->size + SHARD_FILE_COST;
    heap_down(heap, s->n, 0);
  }
  for (size_t i = 0; i < s->n_e; i++) {
    size_t h = (size_t)hash_name(s->e[i].path) & (s->ht_cap - 1);
    while (s->ht[h])
      h = (h + 1) & (s->ht_cap - 1);
    s->ht[h] = i + 1;
  }
  s->assigned = 1;
out:
  free(order);
  free(heap);
  return st;
}

size_t art_shard_inputs(const art_shard *s)
{
  return s->n_e;
}

unsigned art_shard_owner(const art_shard *s, size_t i)
{
  return i < s->n_e && s->assigned ? s->e[i].owner : 0;
}

static void *
plan_work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  (void)ud, (void)ws, (void)ctx, (void)it;
  return NULL;
}

typedef struct plan_run {
  art_shard *s;
  art_ctx *ctx;
  art_status st;
} plan_run;

static int plan_emit(void *ud, const art_batch_item *it, void *res)
{
  plan_run *p = ud;
  (void)res;
  if (p->st == ART_OK)
    p->st = art_shard_add(p->ctx, p->s, it->path, it->size);
  return p->st != ART_OK;
}

art_status art_shard_plan(art_ctx *ctx, art_shard *s, art_batch *batch)
{
  plan_run p = {s, ctx, ART_OK};
  art_batch_ops ops = {NULL, NULL, plan_work, plan_emit};
  s->bopts = *art_batch_get_opts(batch);
  art_batch_set_filter(batch, NULL);
  art_status st = art_batch_run(ctx, batch, &ops, &p);
  if (st == ART_OK)
    st = p.st;
  if (st != ART_OK)
    return st;
  if (art_batch_rewind_lists(batch) != 0)
    return art__set_errno(ctx, errno,
                          "--shard: cannot read the input list "
                          "again");
  return art_shard_assign(ctx, s);
}

/* ---- the filter ---- */

static size_t lookup_unseen(const art_shard *s, const char *path)
{
  if (!s->ht_cap)
    return SIZE_MAX;
  size_t h = (size_t)hash_name(path) & (s->ht_cap - 1);
  while (s->ht[h]) {
    size_t i = s->ht[h] - 1;
    if (!s->e[i].seen && strcmp(s->e[i].path, path) == 0)
      return i;
    h = (h + 1) & (s->ht_cap - 1);
  }
  return SIZE_MAX;
}

static int filter_keep(void *ud, const art_batch_item *it, uint64_t *seq)
{
  art_shard *s = ud;
  size_t i;
  if (s->cursor < s->n_e && !s->e[s->cursor].seen &&
      strcmp(s->e[s->cursor].path, it->path) == 0)
    i = s->cursor;
  else
    i = lookup_unseen(s, it->path);
  if (i == SIZE_MAX) {
    /* Found now but not when planning: no shard has it. */
    if (s->unplanned < MAX_UNPLANNED_NAMES)
      s->unplanned_names[s->unplanned] = strdup(it->path);
    s->unplanned++;
    return 0;
  }
  s->e[i].seen = 1;
  s->cursor = i + 1;
  *seq = i;
  return s->e[i].owner == s->k;
}

static void filter_before(void *ud, const art_batch_item *it)
{
  art_shard *s = ud;
  (void)it;
  s->cur_start = ftello(s->out);
}

static void filter_after(void *ud, const art_batch_item *it)
{
  art_shard *s = ud;
  off_t end = ftello(s->out);
  char *name = art__shard_escape(it->path);
  if (end < 0 || s->cur_start < 0 || !name ||
      fprintf(s->index, "%" PRIu64 "\t%jd\t%jd\t%" PRIu64 "\t%s\n", it->seq,
              (intmax_t)s->cur_start, (intmax_t)(end - s->cur_start), it->size,
              name) < 0)
    s->io_error = 1;
  free(name);
  if (it->seq < s->n_e) {
    s->e[it->seq].done = 1;
    s->covered++;
    s->covered_bytes += s->e[it->seq].size;
  }
}

art_status art_shard_attach(art_ctx *ctx,
                            art_shard *s,
                            art_batch *batch,
                            FILE *out,
                            const char *index_path)
{
  if (!s->assigned)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "shard not planned");
  art_batch_filter f = {filter_keep, filter_before, filter_after, s};
  s->out = out;
  if (!index_path) { /* no manifest: only the filter */
    f.before_emit = f.after_emit = NULL;
    art_batch_set_filter(batch, &f);
    return ART_OK;
  }
  s->header_end = ftello(out);
  if (s->header_end < 0)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, errno,
                          "--manifest needs the output in a regular file "
                          "(--output FILE or standard output redirected to "
                          "one), not a pipe or terminal");
  free(s->index_path);
  s->index_path = strdup(index_path);
  if (!s->index_path)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  s->index = fopen(index_path, "we");
  if (!s->index)
    return art__set_errno(ctx, errno, "%s", index_path);
  art_batch_set_filter(batch, &f);
  return ART_OK;
}

/* ---- the manifest ---- */

static int digest_ordered(const art_shard *s, char hex[65])
{
  static const char h[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  for (size_t i = 0; ok && i < s->n_e; i++)
    ok = EVP_DigestUpdate(c, s->e[i].path, strlen(s->e[i].path) + 1);
  ok = ok && EVP_DigestFinal_ex(c, md, &len);
  EVP_MD_CTX_free(c);
  if (!ok)
    return -1;
  for (unsigned i = 0; i < len; i++) {
    hex[2 * i] = h[md[i] >> 4];
    hex[2 * i + 1] = h[md[i] & 15];
  }
  hex[2 * len] = '\0';
  return 0;
}

static json_t *jstr(const char *s)
{
  char *e = art__shard_escape(s ? s : "");
  json_t *j = e ? json_string(e) : NULL;
  free(e);
  return j ? j : json_null();
}

static json_t *jstrs(const char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    json_array_append_new(a, jstr(v[i]));
  return a;
}

static json_t *jtime(int64_t t)
{
  char buf[32];
  struct tm tm;
  time_t tt = (time_t)t;
  if (!gmtime_r(&tt, &tm) ||
      strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return json_null();
  return json_string(buf);
}

static char *abs_path(const char *p)
{
  char *r = realpath(p, NULL);
  return r ? r : strdup(p);
}

art_status art_shard_write_manifest(art_ctx *ctx,
                                    art_shard *s,
                                    const art_shard_info *info,
                                    const char *path)
{
  art_status st = ART_OK;
  const char **all = NULL, **mine = NULL;
  size_t n_mine = 0;
  uint64_t plan_bytes = 0, vanished = 0, out_size = 0;
  char plan_hex[65], mine_hex[65], out_hex[65] = "", idx_hex[65] = "";
  char order_hex[65];
  char host[256] = "";
  char *out_abs = NULL, *idx_abs = NULL, *tmp = NULL, *cwd = NULL;
  json_t *m = NULL, *un = NULL;
  if (s->index) {
    if (fclose(s->index) != 0)
      s->io_error = 1;
    s->index = NULL;
  }
  all = malloc((s->n_e + 1) * sizeof *all);
  mine = malloc((s->n_e + 1) * sizeof *mine);
  if (!all || !mine) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < s->n_e; i++) {
    all[i] = s->e[i].path;
    plan_bytes += s->e[i].size;
    if (s->e[i].owner == s->k && s->e[i].done)
      mine[n_mine++] = s->e[i].path;
    else if (s->e[i].owner == s->k)
      vanished++;
  }
  /* The order too: shards must agree on the single run's positions. */
  if (digest_ordered(s, order_hex) != 0 ||
      art__shard_digest_names(all, s->n_e, plan_hex) != 0 ||
      art__shard_digest_names(mine, n_mine, mine_hex) != 0) {
    st = art__set_error(ctx, ART_ERR_INTERNAL, 0, "SHA-256 unavailable");
    goto out;
  }
  if (info->output &&
      art__shard_digest_file(info->output, out_hex, &out_size) != 0) {
    st = art__set_errno(ctx, errno, "%s", info->output);
    goto out;
  }
  if (s->index_path &&
      art__shard_digest_file(s->index_path, idx_hex, NULL) != 0) {
    st = art__set_errno(ctx, errno, "%s", s->index_path);
    goto out;
  }
  gethostname(host, sizeof host - 1);
  cwd = getcwd(NULL, 0);
  out_abs = info->output ? abs_path(info->output) : NULL;
  idx_abs = s->index_path ? abs_path(s->index_path) : NULL;
  un = json_array();
  for (size_t i = 0; un && i < s->unplanned && i < MAX_UNPLANNED_NAMES; i++)
    json_array_append_new(un, jstr(s->unplanned_names[i]));
  m = json_pack(
      "{s:s, s:o, s:s, s:o, s:o, s:o, s:{s:b, s:b, s:b, s:I, s:b}, "
      "s:{s:i, s:i}, s:s, s:{s:I, s:I, s:s, s:s}, s:{s:I, s:I, s:s}, s:I, s:I, "
      "s:o, s:I, s:i, s:b, s:{s:o, s:I, s:s, s:I}, s:{s:o, s:s}, s:o, s:o, "
      "s:o, s:o}",
      "format", ART__MANIFEST_FORMAT, "tool", jstr(info->tool), "version",
      art_version(), "options", jstrs(info->options, info->n_options), "roots",
      jstrs(info->roots, info->n_roots), "lists",
      jstrs(info->lists, info->n_lists), "walk", "recursive",
      s->bopts.recursive != 0, "follow",
      (s->bopts.walk_flags & ART_WALK_FOLLOW) != 0, "one_file_system",
      (s->bopts.walk_flags & ART_WALK_ONE_FS) != 0, "max_depth",
      (json_int_t)s->bopts.max_depth, "no_images", s->bopts.no_images != 0,
      "shard", "k", (int)s->k, "n", (int)s->n, "assignment",
      ART__SHARD_ASSIGNMENT, "plan", "inputs", (json_int_t)s->n_e, "bytes",
      (json_int_t)plan_bytes, "sha256", plan_hex, "order_sha256", order_hex,
      "covered", "inputs", (json_int_t)s->covered, "bytes",
      (json_int_t)s->covered_bytes, "sha256", mine_hex, "vanished",
      (json_int_t)vanished, "unplanned", (json_int_t)s->unplanned,
      "unplanned_names", un, "failures", (json_int_t)info->failures,
      "exit_code", info->exit_code, "complete",
      info->exit_code != 4 && !s->io_error, "output", "path",
      out_abs ? jstr(out_abs) : json_null(), "bytes", (json_int_t)out_size,
      "sha256", out_hex, "header_bytes", (json_int_t)s->header_end, "index",
      "path", idx_abs ? jstr(idx_abs) : json_null(), "sha256", idx_hex, "start",
      jtime(info->start), "end", jtime(info->end), "host", jstr(host), "cwd",
      cwd ? jstr(cwd) : json_null());
  un = NULL;
  if (!m) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: cannot build", path);
    goto out;
  }
  /* Written beside and renamed, so a reader never sees half a manifest. */
  size_t tl = strlen(path) + 8;
  tmp = malloc(tl);
  if (!tmp) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    goto out;
  }
  snprintf(tmp, tl, "%s.part", path);
  if (json_dump_file(m, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
      rename(tmp, path) != 0) {
    st = art__set_errno(ctx, errno ? errno : EIO, "%s", path);
    unlink(tmp);
    goto out;
  }
  if (s->io_error)
    st = art__set_error(ctx, ART_ERR_IO, EIO,
                        "%s: the index of the output could not be written",
                        s->index_path ? s->index_path : path);
out:
  json_decref(m);
  json_decref(un);
  free(all);
  free(mine);
  free(out_abs);
  free(idx_abs);
  free(tmp);
  free(cwd);
  return st;
}
