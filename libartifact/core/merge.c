/* Merge of shard outputs: checks a set of shard manifests and writes the
 * output a single run would have written (see include/artifact/shard.h).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "shard_private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx_private.h"

#define MAX_NAMED 20 /* inputs named one by one in coverage notes */

typedef struct shard_in {
  const char *manifest;
  json_t *j;
  unsigned k, n;
  char *output, *index;
  uint64_t out_bytes, header_bytes;
  FILE *f;
  uint64_t pos;      /* where f's next read is */
  uint64_t body_end; /* end of the last record */
} shard_in;

typedef struct merger {
  art_ctx *ctx;
  const art_merge_opts *opts;
  int problems;
  char first[1024];
} merger;

static void note(merger *m, const char *fmt, ...) ART_PRINTF(2, 3);

static void note(merger *m, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (!m->problems)
    snprintf(m->first, sizeof m->first, "%s", buf);
  m->problems++;
  if (m->opts && m->opts->note)
    m->opts->note(m->opts->ud, buf);
}

static void inform(merger *m, const char *fmt, ...) ART_PRINTF(2, 3);

static void inform(merger *m, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (m->opts && m->opts->note)
    m->opts->note(m->opts->ud, buf);
}

static const char *jget_s(json_t *o, const char *a, const char *b)
{
  json_t *v = json_object_get(o, a);
  if (b)
    v = json_object_get(v, b);
  return json_string_value(v);
}

static json_int_t jget_i(json_t *o, const char *a, const char *b)
{
  json_t *v = json_object_get(o, a);
  if (b)
    v = json_object_get(v, b);
  return json_integer_value(v);
}

static char *unesc(const char *s)
{
  return s ? art__shard_unescape(s) : NULL;
}

static int load(merger *m, shard_in *s)
{
  json_error_t err;
  s->j = json_load_file(s->manifest, 0, &err);
  if (!s->j) {
    note(m, "%s: not a shard manifest (%s, line %d)", s->manifest, err.text,
         err.line);
    return -1;
  }
  const char *fmt = jget_s(s->j, "format", NULL);
  if (!fmt || strcmp(fmt, ART__MANIFEST_FORMAT) != 0) {
    note(m, "%s: not a shard manifest (format '%s', expected '%s')",
         s->manifest, fmt ? fmt : "none", ART__MANIFEST_FORMAT);
    return -1;
  }
  json_int_t k = jget_i(s->j, "shard", "k"), n = jget_i(s->j, "shard", "n");
  s->output = unesc(jget_s(s->j, "output", "path"));
  s->index = unesc(jget_s(s->j, "index", "path"));
  if (k < 1 || n < 1 || k > n || !s->output || !s->index) {
    note(m, "%s: damaged manifest (shard number or paths missing)",
         s->manifest);
    return -1;
  }
  s->k = (unsigned)k;
  s->n = (unsigned)n;
  s->out_bytes = (uint64_t)jget_i(s->j, "output", "bytes");
  s->header_bytes = (uint64_t)jget_i(s->j, "output", "header_bytes");
  if (!json_is_true(json_object_get(s->j, "complete")))
    note(m, "%s: shard %u/%u did not finish (exit code %d): run it again",
         s->manifest, s->k, s->n, (int)jget_i(s->j, "exit_code", NULL));
  return 0;
}

/* The settings every shard of a set must share. */
static const char *const same_keys[] = {"tool",       "version", "options",
                                        "roots",      "lists",   "walk",
                                        "assignment", "plan"};

static void compare(merger *m, const shard_in *ref, const shard_in *s)
{
  if (s->n != ref->n) {
    note(m,
         "%s: foreign shard: %u/%u belongs to a set of %u, %s to a set of "
         "%u",
         s->manifest, s->k, s->n, s->n, ref->manifest, ref->n);
    return;
  }
  for (size_t i = 0; i < sizeof same_keys / sizeof *same_keys; i++) {
    json_t *a = json_object_get(ref->j, same_keys[i]);
    json_t *b = json_object_get(s->j, same_keys[i]);
    if (json_equal(a, b))
      continue;
    char *da = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
    char *db = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
    if (strcmp(same_keys[i], "plan") == 0)
      note(m,
           "%s: foreign shard: it saw other inputs than %s (%s against "
           "%s): the inputs changed between the shards' runs, run them "
           "again",
           s->manifest, ref->manifest, db ? db : "?", da ? da : "?");
    else
      note(m, "%s: foreign shard: its %s %s differ from %s's %s", s->manifest,
           same_keys[i], db ? db : "?", ref->manifest, da ? da : "?");
    free(da);
    free(db);
  }
}

static int
check_file(merger *m, const shard_in *s, const char *path, const char *what)
{
  char hex[65];
  uint64_t size = 0;
  const char *want = jget_s(s->j, what, "sha256");
  if (art__shard_digest_file(path, hex, &size) != 0) {
    note(m, "%s: shard %u/%u's %s %s: %s", s->manifest, s->k, s->n, what, path,
         art__strerror_c(errno));
    return -1;
  }
  if (!want || strcmp(want, hex) != 0) {
    note(m,
         "%s: shard %u/%u's %s %s changed since the shard wrote it "
         "(SHA-256 %s, manifest says %s)",
         s->manifest, s->k, s->n, what, path, hex, want ? want : "none");
    return -1;
  }
  return 0;
}

static int read_range(FILE *f, uint64_t off, uint64_t len, char **out)
{
  char *b = malloc(len + 1);
  if (!b || fseeko(f, (off_t)off, SEEK_SET) != 0 ||
      (len && fread(b, 1, len, f) != len)) {
    free(b);
    return -1;
  }
  b[len] = '\0';
  *out = b;
  return 0;
}

/* Header lines that name the run rather than the results: hashdeep's
 * "## Invoked from: DIR" and "## $ COMMAND", DFXML's <command_line>,
 * <start_time> and <image_filename> (the directory). They may differ. */
static int run_line(const char *l)
{
  if (strncmp(l, "## ", 3) == 0)
    return 1;
  while (*l == ' ' || *l == '\t')
    l++;
  return strncmp(l, "<command_line>", 14) == 0 ||
         strncmp(l, "<start_time>", 12) == 0 ||
         strncmp(l, "<image_filename>", 16) == 0;
}

static const char *skip_run_lines(const char *a)
{
  while (*a && run_line(a))
    a = strchr(a, '\n') ? strchr(a, '\n') + 1 : a + strlen(a);
  return a;
}

static int headers_match(const char *tool, const char *a, const char *b)
{
  if (strcmp(a, b) == 0)
    return 1;
  if (strcmp(tool, "art-hash") != 0)
    return 0;
  for (;;) {
    a = skip_run_lines(a);
    b = skip_run_lines(b);
    if (!*a || !*b)
      return !*a && !*b;
    const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
    size_t la = ea ? (size_t)(ea - a + 1) : strlen(a);
    size_t lb = eb ? (size_t)(eb - b + 1) : strlen(b);
    if (la != lb || memcmp(a, b, la) != 0)
      return 0;
    a += la;
    b += lb;
  }
}

typedef struct rec {
  uint32_t shard; /* index + 1; 0: none */
  uint32_t len;
  uint64_t start;
} rec;

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct names {
  char **v;
  size_t n, cap;
} names;

static int names_add(names *l, const char *s)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 1024;
    char **p = realloc(l->v, cap * sizeof *p);
    if (!p)
      return -1;
    l->v = p;
    l->cap = cap;
  }
  if (!(l->v[l->n] = strdup(s)))
    return -1;
  l->n++;
  return 0;
}

static void names_free(names *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
}

static void *
cov_work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  (void)ud, (void)ws, (void)ctx, (void)it;
  return NULL;
}

static int cov_emit(void *ud, const art_batch_item *it, void *res)
{
  (void)res;
  return names_add(ud, it->path) != 0;
}

/* Walk the roots again as the shards did; NULL list when not reachable. */
static int coverage_walk(merger *m, json_t *j, names *found)
{
  art_batch_opts bo = {0};
  art_batch *b = NULL;
  int rc = -1, cwd_fd = -1;
  json_t *walk = json_object_get(j, "walk");
  json_t *roots = json_object_get(j, "roots");
  json_t *lists = json_object_get(j, "lists");
  char *cwd = unesc(jget_s(j, "cwd", NULL));
  size_t i;
  json_t *v;
  bo.jobs = 1;
  bo.recursive = json_is_true(json_object_get(walk, "recursive"));
  if (json_is_true(json_object_get(walk, "follow")))
    bo.walk_flags |= ART_WALK_FOLLOW;
  if (json_is_true(json_object_get(walk, "one_file_system")))
    bo.walk_flags |= ART_WALK_ONE_FS;
  bo.max_depth =
      (unsigned)json_integer_value(json_object_get(walk, "max_depth"));
  bo.no_images = json_is_true(json_object_get(walk, "no_images"));
  /* Relative roots are relative to where the shards ran. */
  if (cwd) {
    cwd_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cwd_fd < 0 || chdir(cwd) != 0) {
      inform(m,
             "coverage not checked: %s (where the shards ran) is not "
             "reachable here",
             cwd);
      goto out;
    }
  }
  json_array_foreach(roots, i, v)
  {
    char *r = unesc(json_string_value(v));
    int ok = r && strcmp(r, "-") != 0 && access(r, F_OK) == 0;
    if (!ok) {
      inform(m, "coverage not checked: root %s is not reachable here",
             json_string_value(v) ? json_string_value(v) : "?");
      free(r);
      goto out;
    }
    free(r);
  }
  json_array_foreach(lists, i, v)
  {
    char *r = unesc(json_string_value(v));
    if (!r || strcmp(r, "-") == 0 || access(r, R_OK) != 0) {
      inform(m, "coverage not checked: input list %s is not readable here",
             json_string_value(v) ? json_string_value(v) : "?");
      free(r);
      goto out;
    }
    free(r);
  }
  if (art_batch_new(m->ctx, &bo, &b) != ART_OK)
    goto out;
  json_array_foreach(lists, i, v)
  {
    char *r = unesc(json_string_value(v));
    int fd = r ? open(r, O_RDONLY | O_CLOEXEC) : -1;
    free(r);
    if (fd < 0 || art_batch_add_list(b, fd, 0) != ART_OK)
      goto out;
  }
  json_array_foreach(roots, i, v)
  {
    char *r = unesc(json_string_value(v));
    art_status st = r ? art_batch_add_path(b, r) : ART_ERR_NOMEM;
    free(r);
    if (st != ART_OK)
      goto out;
  }
  art_batch_ops ops = {NULL, NULL, cov_work, cov_emit};
  if (art_batch_run(m->ctx, b, &ops, found) == ART_OK)
    rc = 0;
out:
  art_batch_free(b);
  if (cwd_fd >= 0) {
    if (fchdir(cwd_fd) != 0)
      rc = -1;
    close(cwd_fd);
  }
  free(cwd);
  return rc;
}

static void
coverage(merger *m, json_t *j, names *covered, art_merge_result *res)
{
  names found = {0};
  if (json_array_size(json_object_get(j, "lists")) > 0) {
    /* Lists are not in the manifest; a list file may still be read. */
  }
  if (coverage_walk(m, j, &found) != 0) {
    names_free(&found);
    return;
  }
  res->coverage_checked = 1;
  qsort(found.v, found.n, sizeof *found.v, cmp_str);
  qsort(covered->v, covered->n, sizeof *covered->v, cmp_str);
  size_t a = 0, b = 0;
  while (a < found.n || b < covered->n) {
    int c = a == found.n      ? 1
            : b == covered->n ? -1
                              : strcmp(found.v[a], covered->v[b]);
    if (c < 0) {
      if (res->uncovered++ < MAX_NAMED) {
        char *e = art__shard_escape(found.v[a]);
        note(m, "%s: in no shard (added since the shards ran?)", e ? e : "?");
        free(e);
      }
      a++;
    } else if (c > 0) {
      if (res->vanished++ < MAX_NAMED) {
        char *e = art__shard_escape(covered->v[b]);
        note(m, "%s: covered by a shard but gone now", e ? e : "?");
        free(e);
      }
      b++;
    } else {
      a++, b++;
    }
  }
  if (res->uncovered > MAX_NAMED)
    note(m, "%" PRIu64 " inputs in no shard in all", res->uncovered);
  if (res->vanished > MAX_NAMED)
    note(m, "%" PRIu64 " inputs gone since in all", res->vanished);
  names_free(&found);
}

art_status art_merge(art_ctx *ctx,
                     const char *const *manifests,
                     size_t n_manifests,
                     FILE *out,
                     const art_merge_opts *opts,
                     art_merge_result *result)
{
  merger m = {ctx, opts, 0, ""};
  art_merge_result res = {0};
  shard_in *sh = NULL;
  size_t *by_k = NULL;
  rec *recs = NULL;
  names covered = {0};
  char *line = NULL, *head = NULL, *tail = NULL, *h2 = NULL, *t2 = NULL;
  size_t cap = 0;
  art_status st = ART_OK;
  uint64_t total = 0;
  const char *tool = "";
  if (result)
    memset(result, 0, sizeof *result);
  if (n_manifests == 0)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no manifest given");
  sh = calloc(n_manifests, sizeof *sh);
  if (!sh)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  for (size_t i = 0; i < n_manifests; i++) {
    sh[i].manifest = manifests[i];
    load(&m, &sh[i]);
  }
  if (m.problems)
    goto refuse;
  tool = jget_s(sh[0].j, "tool", NULL) ? jget_s(sh[0].j, "tool", NULL) : "";
  for (size_t i = 1; i < n_manifests; i++)
    compare(&m, &sh[0], &sh[i]);
  if (m.problems)
    goto refuse;
  unsigned n = sh[0].n;
  by_k = calloc((size_t)n + 1, sizeof *by_k);
  if (!by_k) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_manifests; i++) {
    if (by_k[sh[i].k])
      note(&m, "%s: duplicated shard: %u/%u is also %s", sh[i].manifest,
           sh[i].k, n, sh[by_k[sh[i].k] - 1].manifest);
    else
      by_k[sh[i].k] = i + 1;
  }
  for (unsigned k = 1; k <= n; k++)
    if (!by_k[k])
      note(&m, "missing shard: %u/%u (no manifest given for it)", k, n);
  for (size_t i = 0; i < n_manifests; i++) {
    check_file(&m, &sh[i], sh[i].output, "output");
    check_file(&m, &sh[i], sh[i].index, "index");
    res.failures += (unsigned long)jget_i(sh[i].j, "failures", NULL);
    int ec = (int)jget_i(sh[i].j, "exit_code", NULL);
    if (ec > res.exit_code)
      res.exit_code = ec;
    json_int_t u = jget_i(sh[i].j, "unplanned", NULL);
    if (u > 0)
      inform(&m,
             "%s: %" PRId64 " inputs appeared while shard %u/%u ran and "
             "are in no shard",
             sh[i].manifest, (int64_t)u, sh[i].k, n);
  }
  if (m.problems)
    goto refuse;

  /* The records: where each input's output is, in single-run order. */
  total = (uint64_t)jget_i(sh[0].j, "plan", "inputs");
  recs = calloc(total ? total : 1, sizeof *recs);
  if (!recs) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_manifests && !m.problems; i++) {
    FILE *f = fopen(sh[i].index, "re");
    uint64_t expect = sh[i].header_bytes, lines = 0;
    ssize_t len;
    if (!f) {
      note(&m, "%s: %s", sh[i].index, art__strerror_c(errno));
      break;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
      uint64_t seq, start, rlen, size;
      int off = 0;
      if (line[len - 1] == '\n')
        line[len - 1] = '\0';
      if (sscanf(line, "%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "\t%n",
                 &seq, &start, &rlen, &size, &off) != 4 ||
          off == 0 || seq >= total || rlen > UINT32_MAX) {
        note(&m, "%s: damaged index line %" PRIu64, sh[i].index, lines + 1);
        break;
      }
      lines++;
      if (recs[seq].shard) {
        note(&m, "%s: input %" PRIu64 " also in %s's output", sh[i].index, seq,
             sh[recs[seq].shard - 1].index);
        break;
      }
      if (start != expect) {
        note(&m,
             "%s: %" PRIu64 " bytes of shard %u/%u's output belong to no "
             "input (written outside the records): cannot merge",
             sh[i].output, start > expect ? start - expect : expect - start,
             sh[i].k, n);
        break;
      }
      expect = start + rlen;
      recs[seq] = (rec){(uint32_t)(i + 1), (uint32_t)rlen, start};
      if (opts && opts->coverage) {
        char *p = art__shard_unescape(line + off);
        if (!p || names_add(&covered, p) != 0) {
          free(p);
          st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
          fclose(f);
          goto done;
        }
        free(p);
      }
    }
    fclose(f);
    sh[i].body_end = expect;
    if (expect > sh[i].out_bytes || sh[i].header_bytes > sh[i].out_bytes)
      note(&m,
           "%s: damaged manifest or index: records end at byte %" PRIu64
           " of a %" PRIu64 "-byte output",
           sh[i].manifest, expect, sh[i].out_bytes);
    if ((uint64_t)jget_i(sh[i].j, "covered", "inputs") != lines)
      note(&m, "%s: %" PRIu64 " records, the manifest says %" PRId64,
           sh[i].index, lines, (int64_t)jget_i(sh[i].j, "covered", "inputs"));
    res.vanished += (uint64_t)jget_i(sh[i].j, "vanished", NULL);
  }
  if (m.problems)
    goto refuse;

  /* Head and tail: the same in every shard (hashdeep's run lines apart). */
  for (size_t i = 0; i < n_manifests; i++) {
    sh[i].f = fopen(sh[i].output, "re");
    if (!sh[i].f) {
      note(&m, "%s: %s", sh[i].output, art__strerror_c(errno));
      goto refuse;
    }
  }
  shard_in *first = &sh[by_k[1] - 1];
  if (read_range(first->f, 0, first->header_bytes, &head) != 0 ||
      read_range(first->f, first->body_end, first->out_bytes - first->body_end,
                 &tail) != 0) {
    note(&m, "%s: cannot read", first->output);
    goto refuse;
  }
  for (size_t i = 0; i < n_manifests; i++) {
    free(h2);
    free(t2);
    h2 = t2 = NULL;
    if (read_range(sh[i].f, 0, sh[i].header_bytes, &h2) != 0 ||
        read_range(sh[i].f, sh[i].body_end, sh[i].out_bytes - sh[i].body_end,
                   &t2) != 0) {
      note(&m, "%s: cannot read", sh[i].output);
      continue;
    }
    if (!headers_match(tool, head, h2))
      note(&m, "%s: shard %u/%u's output starts differently from shard %u/%u's",
           sh[i].output, sh[i].k, n, first->k, n);
    if (strcmp(tail, t2) != 0)
      note(&m,
           "%s: shard %u/%u's output ends differently from shard %u/%u's "
           "(a summary over all inputs cannot be merged)",
           sh[i].output, sh[i].k, n, first->k, n);
    sh[i].pos = UINT64_MAX;
  }
  if (m.problems)
    goto refuse;

  /* Write. */
  if (fwrite(head, 1, first->header_bytes, out) != first->header_bytes)
    goto write_error;
  for (uint64_t q = 0; q < total; q++) {
    char buf[1 << 16];
    if (!recs[q].shard)
      continue;
    shard_in *s = &sh[recs[q].shard - 1];
    if (s->pos != recs[q].start &&
        fseeko(s->f, (off_t)recs[q].start, SEEK_SET) != 0) {
      note(&m, "%s: cannot read", s->output);
      goto refuse;
    }
    uint64_t left = recs[q].len;
    while (left) {
      size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
      if (fread(buf, 1, want, s->f) != want) {
        note(&m, "%s: shorter than its index says", s->output);
        goto refuse;
      }
      if (fwrite(buf, 1, want, out) != want)
        goto write_error;
      left -= want;
    }
    s->pos = recs[q].start + recs[q].len;
    res.records++;
  }
  if (fwrite(tail, 1, first->out_bytes - first->body_end, out) !=
      first->out_bytes - first->body_end)
    goto write_error;
  if (res.vanished)
    inform(&m,
           "%" PRIu64 " planned inputs vanished before their shard read "
           "them",
           res.vanished);
  if (opts && opts->coverage) {
    uint64_t v = res.vanished;
    res.vanished = 0;
    coverage(&m, sh[0].j, &covered, &res);
    if (!res.coverage_checked)
      res.vanished = v;
  }
  goto done;

write_error:
  st = art__set_errno(ctx, errno ? errno : EIO, "write error");
  goto done;
refuse:
  st = art__set_error(ctx, ART_ERR_INTEGRITY, 0, "%s",
                      m.first[0] ? m.first : "shard set refused");
done:
  for (size_t i = 0; i < n_manifests; i++) {
    json_decref(sh[i].j);
    free(sh[i].output);
    free(sh[i].index);
    if (sh[i].f)
      fclose(sh[i].f);
  }
  free(sh);
  free(by_k);
  free(recs);
  free(line);
  free(head);
  free(tail);
  free(h2);
  free(t2);
  names_free(&covered);
  if (result)
    *result = res;
  return st;
}
