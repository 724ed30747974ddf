/* The YARA layer: compiling rule files (diagnostics with file and line,
 * confined includes, externals, skip-bad-files), per-thread scanners over
 * shared rules, match results and their text/JSON forms.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "yara_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ctx_private.h"
#include <magic.h>

/* ---- libyara initialisation -------------------------------------------- */

/* yr_initialize/yr_finalize are reference counted in 4.2 but the counter is
 * a plain int: serialise every call here. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned init_refs;

art_status art__yara_init(art_ctx *ctx)
{
  int rc;
  pthread_mutex_lock(&init_lock);
  rc = yr_initialize();
  if (rc == ERROR_SUCCESS)
    init_refs++;
  pthread_mutex_unlock(&init_lock);
  if (rc != ERROR_SUCCESS)
    return art__set_error(ctx, ART_ERR_INTERNAL, 0,
                          "libyara initialisation failed (error %d)", rc);
  return ART_OK;
}

void art__yara_fini(void)
{
  pthread_mutex_lock(&init_lock);
  if (init_refs > 0) {
    init_refs--;
    yr_finalize();
  }
  pthread_mutex_unlock(&init_lock);
}

const char *art_yara_version(void)
{
  return YR_VERSION;
}

/* ---- small helpers ------------------------------------------------------ */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
  size_t ncap;
  void *p;
  if (need <= *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 8;
  while (ncap < need)
    ncap *= 2;
  p = realloc(*arr, ncap * elem);
  if (!p)
    return -1;
  *arr = p;
  *cap = ncap;
  return 0;
}

static char *dup_printf(const char *fmt, ...) ART_PRINTF(1, 2);
static char *dup_printf(const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  int n;
  va_start(ap, fmt);
  n = vasprintf(&s, fmt, ap);
  va_end(ap);
  return n < 0 ? NULL : s;
}

void art__yara_sb_add(sbuf *b, const void *s, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 256;
    char *p;
    while (ncap < b->len + n + 1)
      ncap *= 2;
    p = realloc(b->p, ncap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = ncap;
  }
  if (n)
    memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
  art__yara_sb_add(b, s, strlen(s));
}

static void sb_fmt(sbuf *b, const char *fmt, ...) ART_PRINTF(2, 3);
static void sb_fmt(sbuf *b, const char *fmt, ...)
{
  char tmp[128];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0)
    art__yara_sb_add(b, tmp,
                     (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static art_status read_fd_all(
    art_ctx *ctx, int fd, const char *name, unsigned char **out, size_t *len)
{
  size_t cap = 0, used = 0;
  unsigned char *buf = NULL;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    cap = (size_t)st.st_size + 1;
  for (;;) {
    ssize_t got;
    if (used + 1 >= cap) {
      size_t ncap = cap ? cap * 2 : 65536;
      unsigned char *p = realloc(buf, ncap);
      if (!p) {
        free(buf);
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                              name);
      }
      buf = p;
      cap = ncap;
    }
    if (!buf) {
      buf = malloc(cap);
      if (!buf)
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                              name);
    }
    got = read(fd, buf + used, cap - used - 1);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      free(buf);
      return art__set_errno(ctx, errno, "%s", name);
    }
    if (got == 0)
      break;
    used += (size_t)got;
  }
  buf[used] = '\0';
  *out = buf;
  *len = used;
  return ART_OK;
}

static art_status
read_file_all(art_ctx *ctx, const char *path, unsigned char **out, size_t *len)
{
  art_status st;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return art__set_errno(ctx, errno, "%s", path);
  st = read_fd_all(ctx, fd, path, out, len);
  close(fd);
  return st;
}

/* ---- compiler ----------------------------------------------------------- */

static const char *const builtin_ext[] = {"filename", "filepath", "extension",
                                          "filetype", "owner"};

art_status art_yara_compiler_new(art_ctx *ctx, art_yara_compiler **out)
{
  art_yara_compiler *c;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no output");
  *out = NULL;
  c = art__calloc(ctx, 1, sizeof *c);
  if (!c)
    return ART_ERR_NOMEM;
  c->cache_max = ART_YARA_CACHE_MAX_DEFAULT;
  *out = c;
  return ART_OK;
}

static void diags_clear(art_yara_compiler *c)
{
  for (size_t i = 0; i < c->n_diags; i++) {
    free(c->diags[i].file);
    free(c->diags[i].rule);
    free(c->diags[i].message);
  }
  c->n_diags = 0;
  for (size_t i = 0; i < c->n_deps; i++)
    free(c->deps[i].path);
  c->n_deps = 0;
}

void art_yara_compiler_free(art_yara_compiler *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->n_srcs; i++) {
    free(c->srcs[i].path);
    free(c->srcs[i].canon);
    free(c->srcs[i].ns);
    free(c->srcs[i].root);
    free(c->srcs[i].data);
  }
  free(c->srcs);
  for (size_t i = 0; i < c->n_defs; i++) {
    free(c->defs[i].name);
    free(c->defs[i].value);
  }
  free(c->defs);
  diags_clear(c);
  free(c->diags);
  free(c->deps);
  free(c->cache_dir);
  free(c->atom_table);
  free(c);
}

void art_yara_compiler_set_max_strings_per_rule(art_yara_compiler *c,
                                                unsigned n)
{
  if (c)
    c->max_strings = n;
}

art_status art_yara_compiler_set_atom_quality_table(art_ctx *ctx,
                                                    art_yara_compiler *c,
                                                    const char *path)
{
  unsigned char *data = NULL;
  size_t len = 0;
  art_status st;
  if (!c || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  if ((st = read_file_all(ctx, path, &data, &len)) != ART_OK)
    return st;
  st = art__yara_sha256(ctx, data, len, c->atom_sha);
  free(data);
  if (st != ART_OK)
    return st;
  free(c->atom_table);
  if (!(c->atom_table = art__strdup(ctx, path)))
    return ART_ERR_NOMEM;
  return ART_OK;
}

void art_yara_compiler_set_cache_max(art_yara_compiler *c, uint64_t bytes)
{
  if (c)
    c->cache_max = bytes ? bytes : ART_YARA_CACHE_MAX_DEFAULT;
}

void art_yara_compiler_set_flags(art_yara_compiler *c, unsigned flags)
{
  if (c)
    c->flags = flags;
}

void art_yara_compiler_set_diag(art_yara_compiler *c,
                                art_yara_diag_cb cb,
                                void *userdata)
{
  if (!c)
    return;
  c->diag_cb = cb;
  c->diag_ud = userdata;
}

art_status art_yara_compiler_set_cache_dir(art_ctx *ctx,
                                           art_yara_compiler *c,
                                           const char *dir)
{
  char *d = NULL;
  if (!c)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no compiler");
  if (dir && !(d = art__strdup(ctx, dir)))
    return ART_ERR_NOMEM;
  free(c->cache_dir);
  c->cache_dir = d;
  return ART_OK;
}

art_status art__yara_diag_add(art_yara_compiler *c,
                              art_yara_diag_level level,
                              const char *file,
                              int line,
                              const char *rule,
                              const char *message,
                              size_t file_index)
{
  art__yara_diag_rec *d;
  if (grow((void **)&c->diags, &c->cap_diags, c->n_diags + 1, sizeof *c->diags))
    return ART_ERR_NOMEM;
  d = &c->diags[c->n_diags];
  memset(d, 0, sizeof *d);
  d->level = level;
  d->line = line;
  d->file_index = file_index;
  d->file = strdup(file ? file : "");
  d->rule = rule ? strdup(rule) : NULL;
  d->message = strdup(message ? message : "");
  if (!d->file || !d->message || (rule && !d->rule)) {
    free(d->file);
    free(d->rule);
    free(d->message);
    return ART_ERR_NOMEM;
  }
  c->n_diags++;
  return ART_OK;
}

art_status
art__yara_dep_add(art_yara_compiler *c, const char *path, const char *sha256)
{
  for (size_t i = 0; i < c->n_deps; i++)
    if (strcmp(c->deps[i].path, path) == 0)
      return ART_OK;
  if (grow((void **)&c->deps, &c->cap_deps, c->n_deps + 1, sizeof *c->deps))
    return ART_ERR_NOMEM;
  c->deps[c->n_deps].path = strdup(path);
  if (!c->deps[c->n_deps].path)
    return ART_ERR_NOMEM;
  memcpy(c->deps[c->n_deps].sha256, sha256, 65);
  c->n_deps++;
  return ART_OK;
}

static int ns_taken(const art_yara_compiler *c, const char *ns)
{
  for (size_t i = 0; i < c->n_srcs; i++)
    if (strcmp(c->srcs[i].ns, ns) == 0)
      return 1;
  return 0;
}

/* Namespace from a relative path: drop the extension. */
static char *ns_from(const art_yara_compiler *c, const char *rel)
{
  const char *slash = strrchr(rel, '/');
  const char *dot = strrchr(slash ? slash + 1 : rel, '.');
  size_t n = dot && dot != (slash ? slash + 1 : rel) ? (size_t)(dot - rel)
                                                     : strlen(rel);
  char *base = strndup(rel, n);
  char *ns;
  if (!base)
    return NULL;
  if (!ns_taken(c, base))
    return base;
  for (unsigned k = 2;; k++) {
    ns = dup_printf("%s_%u", base, k);
    if (!ns || !ns_taken(c, ns)) {
      free(base);
      return ns;
    }
    free(ns);
  }
}

static art_status add_src(art_ctx *ctx,
                          art_yara_compiler *c,
                          const char *path,
                          const char *ns,
                          const char *rel,
                          const char *root)
{
  art__yara_src *s;
  art_status st;
  if (grow((void **)&c->srcs, &c->cap_srcs, c->n_srcs + 1, sizeof *c->srcs))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  s = &c->srcs[c->n_srcs];
  memset(s, 0, sizeof *s);
  if (strcmp(path, "-") == 0) {
    if (c->stdin_used)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "-: standard input given twice as rules");
    st = read_fd_all(ctx, 0, "-", &s->data, &s->len);
    c->stdin_used = 1;
  } else {
    st = read_file_all(ctx, path, &s->data, &s->len);
  }
  if (st != ART_OK)
    return st;
  s->path = strdup(path);
  s->canon = strcmp(path, "-") == 0 ? NULL : realpath(path, NULL);
  if (c->flags & ART_YARA_SHARED_NAMESPACE)
    s->ns = strdup(ns ? ns : "default"); /* yara: files share namespaces */
  else
    s->ns = ns ? (ns_taken(c, ns) ? NULL : strdup(ns)) : ns_from(c, rel);
  s->root = strdup(root);
  if (!s->path || !s->ns || !s->root) {
    int dup_ns = ns && !s->ns && s->path && s->root;
    free(s->canon);
    free(s->path);
    free(s->ns);
    free(s->root);
    free(s->data);
    if (dup_ns)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "%s: namespace %s is already used", path, ns);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  c->n_srcs++;
  return ART_OK;
}

static int is_rules_name(const char *name)
{
  size_t n = strlen(name);
  return (n > 4 && strcmp(name + n - 4, ".yar") == 0) ||
         (n > 5 && strcmp(name + n - 5, ".yara") == 0);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every rules file below DIR (REL is its path below the folder given), in
 * byte order of their paths. Symbolic links to files are followed; links to
 * folders are not descended (no loops). */
static art_status add_dir(art_ctx *ctx,
                          art_yara_compiler *c,
                          const char *dir,
                          const char *rel,
                          const char *root)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  art_status st = ART_OK;
  if (!d)
    return art__set_errno(ctx, errno, "%s", dir);
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (grow((void **)&names, &cap, n + 1, sizeof *names) ||
        !(names[n] = strdup(e->d_name))) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
      goto out;
    }
    n++;
  }
  if (n)
    qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n && st == ART_OK; i++) {
    char *full = dup_printf("%s/%s", dir, names[i]);
    char *sub = *rel ? dup_printf("%s/%s", rel, names[i]) : strdup(names[i]);
    struct stat lst, sst;
    if (!full || !sub) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    } else if (lstat(full, &lst) != 0) {
      st = art__set_errno(ctx, errno, "%s", full);
    } else if (S_ISDIR(lst.st_mode)) {
      st = add_dir(ctx, c, full, sub, root);
    } else if (is_rules_name(names[i]) && stat(full, &sst) == 0 &&
               S_ISREG(sst.st_mode)) {
      st = add_src(ctx, c, full, NULL, sub, root);
    }
    free(full);
    free(sub);
  }
out:
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  closedir(d);
  return st;
}

art_status art_yara_compiler_add_path(art_ctx *ctx,
                                      art_yara_compiler *c,
                                      const char *path,
                                      const char *ns)
{
  struct stat st;
  if (!c || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no rules path");
  if (c->built)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: the rule set is already built", path);
  if (strcmp(path, "-") == 0)
    return add_src(ctx, c, path, ns ? ns : "stdin", "stdin", ".");
  if (stat(path, &st) != 0)
    return art__set_errno(ctx, errno, "%s", path);
  if (S_ISDIR(st.st_mode)) {
    size_t before = c->n_srcs;
    art_status rc = add_dir(ctx, c, path, "", path);
    if (rc == ART_OK && c->n_srcs == before)
      return art__set_error(ctx, ART_ERR_NOT_FOUND, 0,
                            "%s: no .yar or .yara files in this folder", path);
    return rc;
  } else {
    const char *slash = strrchr(path, '/');
    char *root =
        slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    art_status rc;
    if (!root)
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    rc = add_src(ctx, c, path, ns, slash ? slash + 1 : path, root);
    free(root);
    return rc;
  }
}

/* The yara CLI's typing of -d values. */
static int is_integer(const char *s)
{
  if (*s == '-')
    s++;
  if (!*s)
    return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return 1;
}

static int is_float(const char *s)
{
  int dots = 0, digits = 0;
  if (*s == '-')
    s++;
  for (; *s; s++) {
    if (*s == '.')
      dots++;
    else if (*s >= '0' && *s <= '9')
      digits++;
    else
      return 0;
  }
  return dots == 1 && digits > 0;
}

art_status art_yara_compiler_define(art_ctx *ctx,
                                    art_yara_compiler *c,
                                    const char *assignment)
{
  const char *eq;
  art__yara_define *d;
  if (!c || !assignment)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no define");
  eq = strchr(assignment, '=');
  if (!eq || eq == assignment)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: an external is defined as NAME=VALUE",
                          assignment);
  for (size_t i = 0; i < c->n_defs; i++)
    if (strlen(c->defs[i].name) == (size_t)(eq - assignment) &&
        strncmp(c->defs[i].name, assignment, (size_t)(eq - assignment)) == 0)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "%s: external defined twice", assignment);
  if (grow((void **)&c->defs, &c->cap_defs, c->n_defs + 1, sizeof *c->defs))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  d = &c->defs[c->n_defs];
  d->name = strndup(assignment, (size_t)(eq - assignment));
  d->value = strdup(eq + 1);
  if (!d->name || !d->value) {
    free(d->name);
    free(d->value);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  c->n_defs++;
  return ART_OK;
}

static int user_defined(const art_yara_compiler *c, const char *name)
{
  for (size_t i = 0; i < c->n_defs; i++)
    if (strcmp(c->defs[i].name, name) == 0)
      return 1;
  return 0;
}

/* State of one libyara compiler while a file is added. */
typedef struct build_state {
  art_yara_compiler *c;
  size_t cur; /* index of the top-level file being added */
  int record; /* keep diagnostics (first compile of this file only) */
  size_t errors, warnings;
  char **include_names; /* raw include names -> resolved paths, for nesting */
  char **include_paths;
  size_t n_inc, cap_inc;
  art_status fatal;   /* NOMEM while recording */
  char inc_err[1024]; /* why the last include failed (libyara says only
                         "callback failed to provide include resource") */
} build_state;

static void on_compile_diag(int level,
                            const char *file,
                            int line,
                            const YR_RULE *rule,
                            const char *message,
                            void *ud)
{
  build_state *b = ud;
  art_yara_diag_level lv = level == YARA_ERROR_LEVEL_WARNING
                               ? ART_YARA_DIAG_WARNING
                               : ART_YARA_DIAG_ERROR;
  if (lv == ART_YARA_DIAG_WARNING)
    b->warnings++;
  else
    b->errors++;
  if (b->inc_err[0] &&
      strncmp(message, "callback failed to provide include resource",
              strlen("callback failed to provide include resource")) == 0) {
    message = b->inc_err;
  }
  if (!b->record)
    return;
  if (lv == ART_YARA_DIAG_WARNING && (b->c->flags & ART_YARA_NO_WARNINGS) &&
      !(b->c->flags & ART_YARA_FAIL_ON_WARNINGS))
    return;
  if (art__yara_diag_add(b->c, lv, file ? file : b->c->srcs[b->cur].path, line,
                         rule ? rule->identifier : NULL, message,
                         b->cur) != ART_OK)
    b->fatal = ART_ERR_NOMEM;
}

static int path_under(const char *path, const char *root)
{
  size_t n = strlen(root);
  if (strncmp(path, root, n) != 0)
    return 0;
  return n > 0 && (root[n - 1] == '/' || path[n] == '/' || path[n] == '\0');
}

static int ident_char(char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9') || ch == '_';
}

static int is_space(char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Whether TEXT at P (a whole word) is used as a string external: an
 * external string can only be compared, so an operator follows or an
 * equality precedes it. A tag or a word in a comment or a meta value of
 * the same name is not a use (it would cost a libmagic call per artifact
 * for nothing). */
static int used_as_external(const char *text, size_t len, size_t at, size_t n)
{
  static const char *const after[] = {
      "==",         "!=",          "contains", "icontains", "matches",
      "startswith", "istartswith", "endswith", "iendswith", "iequals"};
  size_t i = at + n, j = at;
  while (i < len && is_space(text[i]))
    i++;
  for (size_t k = 0; k < sizeof after / sizeof *after; k++) {
    size_t l = strlen(after[k]);
    if (i + l <= len && memcmp(text + i, after[k], l) == 0)
      return 1;
  }
  while (j > 0 && is_space(text[j - 1]))
    j--;
  return j >= 2 && (memcmp(text + j - 2, "==", 2) == 0 ||
                    memcmp(text + j - 2, "!=", 2) == 0);
}

static unsigned uses_of(const char *text, size_t len)
{
  static const unsigned bits[] = {
      ART__YARA_USES_FILENAME, ART__YARA_USES_FILEPATH,
      ART__YARA_USES_EXTENSION, ART__YARA_USES_FILETYPE, ART__YARA_USES_OWNER};
  unsigned u = 0;
  for (size_t i = 0; i < 5; i++) {
    size_t n = strlen(builtin_ext[i]), off = 0;
    const char *p;
    while (off < len &&
           (p = memmem(text + off, len - off, builtin_ext[i], n)) != NULL) {
      size_t at = (size_t)(p - text);
      if ((at == 0 || !ident_char(text[at - 1])) &&
          (at + n >= len || !ident_char(text[at + n])) &&
          used_as_external(text, len, at, n)) {
        u |= bits[i];
        break;
      }
      off = at + n;
    }
  }
  return u;
}

/* Includes resolve relative to the including file and must stay inside the
 * top-level file's root folder. */
static const char *on_include(const char *name,
                              const char *calling_file,
                              const char *calling_ns,
                              void *ud)
{
  build_state *b = ud;
  art__yara_src *top = &b->c->srcs[b->cur];
  char *base_dir = NULL, *cand = NULL, *real = NULL, *root = NULL;
  unsigned char *data = NULL;
  size_t len = 0;
  char sha[65];
  (void)calling_ns;
  b->inc_err[0] = '\0';
  if (!(b->c->flags & ART_YARA_ALLOW_INCLUDES)) {
    snprintf(b->inc_err, sizeof b->inc_err,
             "include \"%s\": includes are disabled (--no-includes)", name);
    return NULL;
  }
  if (calling_file) {
    for (size_t i = 0; i < b->n_inc; i++)
      if (strcmp(b->include_names[i], calling_file) == 0)
        calling_file = b->include_paths[i];
  } else {
    calling_file = top->path;
  }
  if (name[0] == '/') {
    cand = strdup(name);
  } else {
    const char *slash = strrchr(calling_file, '/');
    base_dir = slash ? strndup(calling_file, (size_t)(slash - calling_file))
                     : strdup(".");
    cand = base_dir ? dup_printf("%s/%s", base_dir, name) : NULL;
  }
  if (!cand) {
    snprintf(b->inc_err, sizeof b->inc_err, "include \"%s\": out of memory",
             name);
    goto fail;
  }
  real = realpath(cand, NULL);
  if (!real) {
    char why[256];
    snprintf(b->inc_err, sizeof b->inc_err, "include \"%s\": %s: %s", name,
             cand, art__strerror_r(errno, why, sizeof why));
    goto fail;
  }
  root = realpath(top->root, NULL);
  if (!root || !path_under(real, root)) {
    snprintf(b->inc_err, sizeof b->inc_err,
             "include \"%s\": %s is outside the rules folder %s", name, real,
             root ? root : top->root);
    goto fail;
  }
  if (read_file_all(NULL, real, &data, &len) != ART_OK) {
    char why[256];
    snprintf(b->inc_err, sizeof b->inc_err,
             "include \"%s\": read error on %s: %s", name, real,
             art__strerror_r(errno, why, sizeof why));
    goto fail;
  }
  if (art__yara_sha256(NULL, data, len, sha) != ART_OK ||
      art__yara_dep_add(b->c, real, sha) != ART_OK)
    goto fail;
  b->c->uses |= uses_of((const char *)data, len);
  if (!grow((void **)&b->include_names, &b->cap_inc, b->n_inc + 1,
            sizeof(char *))) {
    /* include_paths grows in step with include_names. */
    char **p = realloc(b->include_paths, b->cap_inc * sizeof(char *));
    if (p) {
      b->include_paths = p;
      b->include_names[b->n_inc] = strdup(name);
      b->include_paths[b->n_inc] = strdup(real);
      if (b->include_names[b->n_inc] && b->include_paths[b->n_inc])
        b->n_inc++;
      else {
        free(b->include_names[b->n_inc]);
        free(b->include_paths[b->n_inc]);
      }
    }
  }
  free(base_dir);
  free(cand);
  free(real);
  free(root);
  return (const char *)data;
fail:
  free(data);
  free(base_dir);
  free(cand);
  free(real);
  free(root);
  return NULL;
}

static void on_include_free(const char *p, void *ud)
{
  (void)ud;
  free((void *)(uintptr_t)p);
}

static void build_state_reset(build_state *b)
{
  for (size_t i = 0; i < b->n_inc; i++) {
    free(b->include_names[i]);
    free(b->include_paths[i]);
  }
  free(b->include_names);
  free(b->include_paths);
  b->include_names = b->include_paths = NULL;
  b->n_inc = b->cap_inc = 0;
}

static int define_externals(YR_COMPILER *yc, const art_yara_compiler *c)
{
  for (size_t i = 0; i < 5; i++)
    if (!user_defined(c, builtin_ext[i]) &&
        yr_compiler_define_string_variable(yc, builtin_ext[i], "") !=
            ERROR_SUCCESS)
      return -1;
  for (size_t i = 0; i < c->n_defs; i++) {
    const char *n = c->defs[i].name, *v = c->defs[i].value;
    int rc;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
      rc = yr_compiler_define_boolean_variable(yc, n, strcmp(v, "true") == 0);
    else if (is_integer(v))
      rc = yr_compiler_define_integer_variable(yc, n, strtoll(v, NULL, 10));
    else if (is_float(v))
      rc = yr_compiler_define_float_variable(yc, n, strtod(v, NULL));
    else
      rc = yr_compiler_define_string_variable(yc, n, v);
    if (rc != ERROR_SUCCESS)
      return -1;
  }
  return 0;
}

static art_status new_compiler(art_ctx *ctx, build_state *b, YR_COMPILER **out)
{
  YR_COMPILER *yc = NULL;
  if (yr_compiler_create(&yc) != ERROR_SUCCESS)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  yr_compiler_set_callback(yc, on_compile_diag, b);
  yr_compiler_set_include_callback(yc, on_include, on_include_free, b);
  if (b->c->atom_table && yr_compiler_load_atom_quality_table(
                              yc, b->c->atom_table, 0) != ERROR_SUCCESS) {
    yr_compiler_destroy(yc);
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not an atom quality table", b->c->atom_table);
  }
  if (define_externals(yc, b->c) != 0) {
    yr_compiler_destroy(yc);
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "yara: could not define the external variables");
  }
  *out = yc;
  return ART_OK;
}

/* Add source I; returns the number of errors (warnings count as errors with
 * FAIL_ON_WARNINGS). */
static size_t add_one(build_state *b, YR_COMPILER *yc, size_t i, int record)
{
  art__yara_src *s = &b->c->srcs[i];
  FILE *fp;
  size_t errs;
  b->cur = i;
  b->record = record;
  b->errors = b->warnings = 0;
  if (s->len == 0)
    return 0;
  fp = fmemopen(s->data, s->len, "r");
  if (!fp) {
    b->fatal = ART_ERR_NOMEM;
    return 1;
  }
  errs = (size_t)yr_compiler_add_file(yc, fp, s->ns, s->path);
  fclose(fp);
  if (errs == 0 && b->errors)
    errs = b->errors;
  if (b->c->flags & ART_YARA_FAIL_ON_WARNINGS)
    errs += b->warnings;
  return errs;
}

static int file_recorded(const art_yara_compiler *c, size_t i)
{
  for (size_t k = 0; k < c->n_diags; k++)
    if (c->diags[k].file_index == i)
      return 1;
  return 0;
}

static void deliver_diags(art_yara_compiler *c)
{
  if (!c->diag_cb)
    return;
  for (size_t i = 0; i < c->n_diags; i++) {
    const art__yara_diag_rec *r = &c->diags[i];
    art_yara_diag d;
    if (r->level == ART_YARA_DIAG_WARNING && (c->flags & ART_YARA_NO_WARNINGS))
      continue;
    d.level = r->level;
    d.file = r->file;
    d.line = r->line;
    d.rule = r->rule;
    d.message = r->message;
    d.skipped = r->skipped;
    c->diag_cb(&d, c->diag_ud);
  }
}

static art_status rules_wrap(art_ctx *ctx,
                             const art_yara_compiler *c,
                             YR_RULES *yr,
                             size_t files,
                             size_t skipped,
                             unsigned uses,
                             int from_cache,
                             art_yara_rules **out)
{
  art_yara_rules *r = art__calloc(ctx, 1, sizeof *r);
  const YR_RULE *rule;
  if (!r)
    return ART_ERR_NOMEM;
  r->yr = yr;
  r->files = files;
  r->skipped = skipped;
  r->uses = uses;
  r->from_cache = from_cache;
  yr_rules_foreach(yr, rule)
  {
    if (!RULE_IS_PRIVATE(rule))
      r->count++;
  }
  if (c->n_defs) {
    r->user_ext = calloc(c->n_defs, sizeof(char *));
    if (!r->user_ext) {
      free(r);
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->n_defs; i++) {
      r->user_ext[i] = strdup(c->defs[i].name);
      if (r->user_ext[i])
        r->n_user_ext++;
    }
  }
  *out = r;
  return ART_OK;
}

static art_status
first_error(art_ctx *ctx, const art_yara_compiler *c, size_t bad)
{
  for (size_t i = 0; i < c->n_diags; i++) {
    const art__yara_diag_rec *d = &c->diags[i];
    if (d->level == ART_YARA_DIAG_ERROR ||
        (c->flags & ART_YARA_FAIL_ON_WARNINGS))
      return art__set_error(ctx, ART_ERR_RULES, 0, "%s(%d): %s%s%s%s", d->file,
                            d->line, d->rule ? "rule \"" : "",
                            d->rule ? d->rule : "", d->rule ? "\": " : "",
                            d->message);
  }
  return art__set_error(ctx, ART_ERR_RULES, 0,
                        "%zu rules file(s) did not compile", bad);
}

static art_status
build_here(art_ctx *ctx, art_yara_compiler *c, art_yara_rules **out)
{
  build_state b;
  YR_COMPILER *yc = NULL;
  YR_RULES *yr = NULL;
  art_status st;
  char key[65];
  size_t bad = 0, poisoned_at = SIZE_MAX, files = 0;
  int have_key = 0;

  if (!out || !c)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  if (c->built)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "yara: the rule set is already built");
  if (c->n_srcs == 0)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no rules given");
  c->built = 1;
  memset(&b, 0, sizeof b);
  b.c = c;
  if ((st = art__yara_init(ctx)) != ART_OK)
    return st;

  if (c->cache_dir && !c->stdin_used &&
      art__yara_cache_key(ctx, c, key) == ART_OK) {
    size_t skipped = 0;
    unsigned uses = 0;
    have_key = 1;
    if (art__yara_cache_load(ctx, c, key, &yr, &files, &skipped, &uses) ==
        ART_OK) {
      deliver_diags(c);
      st = rules_wrap(ctx, c, yr, files, skipped, uses, 1, out);
      if (st != ART_OK) {
        yr_rules_destroy(yr);
        art__yara_fini();
      }
      return st;
    }
    diags_clear(c);
    art_ctx_clear(ctx);
  }

  for (size_t i = 0; i < c->n_srcs; i++)
    c->uses |= uses_of((const char *)c->srcs[i].data, c->srcs[i].len);
  /* A process-wide libyara setting read while parsing: set it for this
   * build (the cache key has it). */
  yr_set_configuration_uint32(YR_CONFIG_MAX_STRINGS_PER_RULE,
                              c->max_strings ? c->max_strings
                                             : DEFAULT_MAX_STRINGS_PER_RULE);
  /* One compiler for everything; after the first bad file it is unusable,
   * so each remaining file is checked in a throw-away compiler to report
   * every bad file. */
  if ((st = new_compiler(ctx, &b, &yc)) != ART_OK)
    goto out;
  for (size_t i = 0; i < c->n_srcs; i++) {
    size_t errs;
    if (poisoned_at == SIZE_MAX) {
      errs = add_one(&b, yc, i, 1);
      if (errs && b.errors)
        poisoned_at = i;
    } else {
      YR_COMPILER *tmp = NULL;
      if ((st = new_compiler(ctx, &b, &tmp)) != ART_OK)
        goto out;
      errs = add_one(&b, tmp, i, 1);
      yr_compiler_destroy(tmp);
    }
    if (b.fatal != ART_OK) {
      st = art__set_error(ctx, b.fatal, ENOMEM, "out of memory");
      goto out;
    }
    if (errs) {
      c->srcs[i].bad = 1;
      bad++;
    }
  }
  if (bad && !(c->flags & ART_YARA_SKIP_BAD_FILES)) {
    deliver_diags(c);
    st = first_error(ctx, c, bad);
    goto out;
  }
  for (size_t k = 0; k < c->n_diags; k++)
    if (c->srcs[c->diags[k].file_index].bad)
      c->diags[k].skipped = 1;
  /* Rebuild from the good files; a file that fails only in company (a
   * clash with another file) is dropped in turn. */
  while (bad) {
    int again = 0;
    if (bad == c->n_srcs) {
      deliver_diags(c);
      st = art__set_error(ctx, ART_ERR_RULES, 0,
                          "no rules file compiled (%zu bad)", bad);
      goto out;
    }
    yr_compiler_destroy(yc);
    yc = NULL;
    build_state_reset(&b);
    if ((st = new_compiler(ctx, &b, &yc)) != ART_OK)
      goto out;
    for (size_t i = 0; i < c->n_srcs; i++) {
      if (c->srcs[i].bad)
        continue;
      if (add_one(&b, yc, i, !file_recorded(c, i))) {
        if (!file_recorded(c, i))
          art__yara_diag_add(c, ART_YARA_DIAG_ERROR, c->srcs[i].path, 0, NULL,
                             "does not compile together with the other files",
                             i);
        for (size_t k = 0; k < c->n_diags; k++)
          if (c->diags[k].file_index == i)
            c->diags[k].skipped = 1;
        c->srcs[i].bad = 1;
        bad++;
        again = 1;
        break;
      }
    }
    if (!again)
      break;
  }
  deliver_diags(c);
  if (yr_compiler_get_rules(yc, &yr) != ERROR_SUCCESS) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM,
                        "yara: out of memory building the rules");
    goto out;
  }
  files = c->n_srcs - bad;
  if (have_key)
    (void)art__yara_cache_save(NULL, c, key, yr, files, bad, c->uses);
  st = rules_wrap(ctx, c, yr, files, bad, c->uses, 0, out);
  if (st != ART_OK)
    yr_rules_destroy(yr);
  else
    yr = NULL;
out:
  if (yc)
    yr_compiler_destroy(yc);
  build_state_reset(&b);
  if (st != ART_OK)
    art__yara_fini();
  return st;
}

/* Compiling leaves the allocator's arena full of freed chunks of every
 * size (the parser's nodes, atoms, the compiler's buffers). Whatever scans
 * in that arena afterwards pays for it: libyara builds the pe module's
 * object tree from hundreds of small allocations per scan, and with
 * signature-base a member scanned in a sandboxed worker (which inherits the
 * compiling thread's main arena) cost 40% more than with rules loaded from
 * the cache. So the rules are built on a thread of their own, which then
 * waits until the rules are freed: its arena stays with it, neither the
 * caller's nor one a later thread would be given. */
typedef struct {
  art_ctx *ctx;
  art_yara_compiler *c;
  art_yara_rules **out;
  int done, park; /* write end: the outcome; read end: wait for the free */
} build_job;

static void *build_thread(void *arg)
{
  build_job *j = arg;
  int done = j->done, park = j->park;
  art_status st = build_here(j->ctx, j->c, j->out);
  char ch;
  /* J is the caller's: not touched once the outcome is written. */
  if (write(done, &st, sizeof st) != (ssize_t)sizeof st)
    st = ART_ERR_IO;
  close(done);
  while (st == ART_OK && read(park, &ch, 1) < 0 && errno == EINTR)
    ;
  close(park);
  return NULL;
}

art_status art_yara_compiler_build(art_ctx *ctx,
                                   art_yara_compiler *c,
                                   art_yara_rules **out)
{
  int done[2], park[2];
  build_job j = {ctx, c, out, -1, -1};
  pthread_t th;
  art_status st = ART_ERR_IO;
  if (pipe2(done, O_CLOEXEC) != 0)
    return build_here(ctx, c, out);
  if (pipe2(park, O_CLOEXEC) != 0) {
    close(done[0]);
    close(done[1]);
    return build_here(ctx, c, out);
  }
  j.done = done[1];
  j.park = park[0];
  if (pthread_create(&th, NULL, build_thread, &j) != 0) {
    close(done[0]);
    close(done[1]);
    close(park[0]);
    close(park[1]);
    return build_here(ctx, c, out);
  }
  while (read(done[0], &st, sizeof st) < 0 && errno == EINTR)
    ;
  close(done[0]);
  if (st == ART_OK && out && *out) {
    (*out)->keeper = th;
    (*out)->keeper_fd = park[1];
    (*out)->keeper_pid = getpid();
    (*out)->has_keeper = 1;
  } else {
    close(park[1]); /* the thread ends (it did not wait, or wakes now) */
    pthread_join(th, NULL);
  }
  return st;
}

void art_yara_rules_free(art_yara_rules *rules)
{
  if (!rules)
    return;
  yr_rules_destroy(rules->yr);
  /* The building thread ends (it only exists in the process that built the
   * rules: a forked child has neither the thread nor a use for the fd). */
  if (rules->has_keeper && rules->keeper_pid == getpid()) {
    close(rules->keeper_fd);
    pthread_join(rules->keeper, NULL);
  }
  for (size_t i = 0; i < rules->n_user_ext; i++)
    free(rules->user_ext[i]);
  free(rules->user_ext);
  free(rules);
  art__yara_fini();
}

size_t art_yara_rules_count(const art_yara_rules *rules)
{
  return rules ? rules->count : 0;
}

size_t art_yara_rules_files(const art_yara_rules *rules)
{
  return rules ? rules->files : 0;
}

size_t art_yara_rules_skipped(const art_yara_rules *rules)
{
  return rules ? rules->skipped : 0;
}

void art_yara_set_stack_size(unsigned slots)
{
  yr_set_configuration_uint32(YR_CONFIG_STACK_SIZE,
                              slots ? slots : DEFAULT_STACK_SIZE);
}

art_status
art_yara_rules_load(art_ctx *ctx, const char *path, art_yara_rules **out)
{
  YR_RULES *yr = NULL;
  const YR_EXTERNAL_VARIABLE *ev;
  unsigned uses = 0;
  art_status st;
  int rc;
  if (!out || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  if ((st = art__yara_init(ctx)) != ART_OK)
    return st;
  rc = yr_rules_load(path, &yr);
  if (rc != ERROR_SUCCESS) {
    art__yara_fini();
    switch (rc) {
    case ERROR_COULD_NOT_OPEN_FILE:
      return art__set_errno(ctx, errno ? errno : ENOENT, "%s", path);
    case ERROR_INSUFFICIENT_MEMORY:
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                            path);
    case ERROR_UNSUPPORTED_FILE_VERSION:
      return art__set_error(ctx, ART_ERR_RULES, 0,
                            "%s: compiled by another yara version (this is "
                            "libyara %s)",
                            path, YR_VERSION);
    default:
      return art__set_error(ctx, ART_ERR_RULES, 0,
                            "%s: not a file of compiled rules (yara error %d)",
                            path, rc);
    }
  }
  /* Only the built-in externals yarac defined are set per artifact. */
  for (ev = yr->ext_vars_table; ev && !EXTERNAL_VARIABLE_IS_NULL(ev); ev++)
    for (size_t i = 0; i < 5; i++)
      if (ev->identifier && strcmp(ev->identifier, builtin_ext[i]) == 0 &&
          ev->type == EXTERNAL_VARIABLE_TYPE_STRING)
        uses |= 1u << i;
  {
    art_yara_compiler none;
    memset(&none, 0, sizeof none);
    st = rules_wrap(ctx, &none, yr, 1, 0, uses, 0, out);
  }
  if (st != ART_OK) {
    yr_rules_destroy(yr);
    art__yara_fini();
  }
  return st;
}

art_status
art_yara_rules_stats_text(art_ctx *ctx, const art_yara_rules *rules, char **out)
{
  YR_RULES_STATS stats;
  sbuf b = {0};
  if (!rules || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  if (yr_rules_get_stats((YR_RULES *)(uintptr_t)rules->yr, &stats) !=
      ERROR_SUCCESS)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  /* The yara CLI's -S block. */
  sb_fmt(&b, "size of AC transition table        : %u\n", stats.ac_tables_size);
  sb_fmt(&b, "average length of AC matches lists : %f\n",
         (double)stats.ac_average_match_list_length);
  sb_fmt(&b, "number of rules                    : %u\n", stats.num_rules);
  sb_fmt(&b, "number of strings                  : %u\n", stats.num_strings);
  sb_fmt(&b, "number of AC matches               : %u\n", stats.ac_matches);
  sb_fmt(&b, "number of AC matches in root node  : %u\n",
         stats.ac_root_match_list_length);
  sb_str(&b, "number of AC matches in top 100 longest lists\n");
  for (int i = 0; i < 100; i++)
    sb_fmt(&b, " %3d: %u\n", i + 1, stats.top_ac_match_list_lengths[i]);
  sb_str(&b, "match list length percentiles\n");
  for (int i = 100; i >= 0; i--)
    sb_fmt(&b, " %3d: %u\n", i, stats.ac_match_list_length_pctls[i]);
  if (b.oom) {
    free(b.p);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  *out = b.p;
  return ART_OK;
}

int art_yara_rules_from_cache(const art_yara_rules *rules)
{
  return rules ? rules->from_cache : 0;
}

static int user_ext(const art_yara_rules *r, const char *name);
static void once_clear(art_yara_scanner *s);

int art_yara_rules_name_dependent(const art_yara_rules *rules)
{
  if (!rules)
    return 1;
  return ((rules->uses & ART__YARA_USES_FILENAME) &&
          !user_ext(rules, "filename")) ||
         ((rules->uses & ART__YARA_USES_FILEPATH) &&
          !user_ext(rules, "filepath")) ||
         ((rules->uses & ART__YARA_USES_EXTENSION) &&
          !user_ext(rules, "extension"));
}

/* ---- results ------------------------------------------------------------ */

/* Results live in a chunked arena freed as a whole. */
typedef struct arena_chunk {
  struct arena_chunk *next;
  size_t used, cap;
  max_align_t data[];
} arena_chunk;

struct art_yara_result {
  art_status status;
  char *message;
  char *path;   /* display path (a member's lineage) */
  char *member; /* a member's path inside its parent, or NULL */
  char *root;   /* a member's outermost container, or NULL */
  unsigned depth;
  uint64_t bytes;
  int skipped;
  char *moddata; /* -D */
  json_t *image; /* read as a disk image: {format, segments}, or NULL */
  art_yara_match *matches;
  size_t n_matches, cap_matches;
  arena_chunk *arena;
  size_t chunk; /* arena chunk size (0: 64 KiB; copies kept for reuse: less) */
};

static void *arena_alloc(art_yara_result *r, size_t n)
{
  arena_chunk *ch = r->arena;
  void *p;
  n = (n + 15) & ~(size_t)15;
  if (!ch || ch->cap - ch->used < n) {
    size_t want = r->chunk ? r->chunk : 65536;
    size_t cap = n > want ? n : want;
    ch = malloc(sizeof *ch + cap);
    if (!ch)
      return NULL;
    ch->next = r->arena;
    ch->used = 0;
    ch->cap = cap;
    r->arena = ch;
  }
  p = (unsigned char *)ch->data + ch->used;
  ch->used += n;
  return p;
}

static char *arena_strdup(art_yara_result *r, const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = arena_alloc(r, n);
  if (p)
    memcpy(p, s, n);
  return p;
}

void art_yara_result_free(art_yara_result *r)
{
  arena_chunk *ch, *next;
  if (!r)
    return;
  for (ch = r->arena; ch; ch = next) {
    next = ch->next;
    free(ch);
  }
  free(r->root);
  free(r->member);
  free(r->moddata);
  json_decref(r->image);
  free(r->matches);
  free(r->message);
  free(r->path);
  free(r);
}

art_status art_yara_result_status(const art_yara_result *r)
{
  return r ? r->status : ART_ERR_INVALID_ARG;
}

const char *art_yara_result_message(const art_yara_result *r)
{
  return r && r->message ? r->message : "";
}

size_t art_yara_result_count(const art_yara_result *r)
{
  return r ? r->n_matches : 0;
}

const art_yara_match *art_yara_result_match(const art_yara_result *r,
                                            size_t index)
{
  if (!r || index >= r->n_matches)
    return NULL;
  return &r->matches[index];
}

static json_t *json_text(const char *s);

void art__yara_result_set_image(art_yara_result *r, const art_source *src)
{
  json_t *o, *segs;
  if (!r || !src || !art_source_file(src, 0))
    return;
  o = json_object();
  segs = json_array();
  if (!o || !segs) {
    json_decref(o);
    json_decref(segs);
    return;
  }
  for (unsigned i = 0; art_source_file(src, i); i++)
    json_array_append_new(segs, json_text(art_source_file(src, i)));
  json_object_set_new(o, "format",
                      json_text(art_source_get_info(src)->format
                                    ? art_source_get_info(src)->format
                                    : ""));
  json_object_set_new(o, "segments", segs);
  json_decref(r->image);
  r->image = o;
}

uint64_t art_yara_result_bytes(const art_yara_result *r)
{
  return r ? r->bytes : 0;
}

const char *art_yara_result_path(const art_yara_result *r)
{
  return r && r->path ? r->path : "";
}

art_status
art_yara_result_set_path(art_ctx *ctx, art_yara_result *r, const char *path)
{
  char *p;
  if (!r || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  p = strdup(path);
  if (!p)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  free(r->path);
  r->path = p;
  return ART_OK;
}

/* Append a partial-result note ("; " between several). */
static void result_note(art_yara_result *r, art_status st, const char *msg)
{
  char *m;
  if (r->status == ART_OK || st == ART_ERR_TIMEOUT)
    r->status = st;
  if (r->message && *r->message)
    m = dup_printf("%s; %s", r->message, msg);
  else
    m = strdup(msg);
  if (m) {
    free(r->message);
    r->message = m;
  }
}

/* ---- scanner ------------------------------------------------------------ */

struct art_yara_scanner {
  const art_yara_rules *rules;
  YR_SCANNER *yr;
  unsigned timeout;
  uint64_t max_size;
  unsigned flags;
  size_t keep;     /* matches kept per string */
  size_t max_data; /* bytes kept per match */
  /* -x MODULE=FILE */
  struct {
    char *module;
    void *data;
    size_t len;
  } * mods;
  size_t n_mods;
  /* The artifact the next scan is about. */
  char *path, *member, *root, *owner, *filetype;
  unsigned depth;
  /* Scan in progress. */
  art_yara_result *cur;
  uint32_t *tmm_rules; /* rule indexes hit by too-many-matches */
  size_t n_tmm, cap_tmm;
  int fatal;
  /* Bytes kept for one artifact (reader consumer and scan_source). */
  unsigned char *buf;
  size_t buf_len, buf_cap;
  int truncated;
  uint64_t total;
  art_consumer consumer;
  /* The attached run's outcome. */
  art_yara_result *pending;
  art_status pending_st;
  char *pending_msg;
  art_yara_result_cb result_cb;
  void *result_ud;
  magic_t mime; /* libmagic, MIME types only, for the filetype external */
  int mime_failed;
  long owner_uid; /* the last owner looked up (-1: none) */
  char owner_name[64];
  /* A regular file mapped for its scan (see map_source). */
  void *map;
  size_t map_len;
  int trycatch;
  /* Scan once per content (art_yara_scanner_set_once): results by SHA-256
   * and size, at most once_max bytes of them. */
  struct once_ent *once;
  size_t once_cap, once_n, once_bytes, once_max;
  uint64_t once_hits;
};

static void artifact_clear(art_yara_scanner *s)
{
  free(s->path);
  free(s->member);
  free(s->owner);
  free(s->filetype);
  free(s->root);
  s->path = s->member = s->root = s->owner = s->filetype = NULL;
  s->depth = 0;
}

static int
on_scan_msg(YR_SCAN_CONTEXT *context, int message, void *data, void *ud);
static void unmap(art_yara_scanner *s);

art_status art_yara_scanner_new(art_ctx *ctx,
                                const art_yara_rules *rules,
                                art_yara_scanner **out)
{
  art_yara_scanner *s;
  if (!out || !rules)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no rules");
  *out = NULL;
  s = art__calloc(ctx, 1, sizeof *s);
  if (!s)
    return ART_ERR_NOMEM;
  s->rules = rules;
  s->max_size = ART_YARA_MAX_SIZE_DEFAULT;
  s->keep = ART_YARA_KEEP_DEFAULT;
  s->max_data = ART_YARA_DATA_DEFAULT;
  s->owner_uid = -1;
  /* The YR_RULES is only read by scanners; libyara takes it non-const. */
  if (yr_scanner_create((YR_RULES *)(uintptr_t)rules->yr, &s->yr) !=
      ERROR_SUCCESS) {
    free(s);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM,
                          "yara: out of memory creating a scanner");
  }
  yr_scanner_set_callback(s->yr, on_scan_msg, s);
  *out = s;
  return ART_OK;
}

void art_yara_scanner_free(art_yara_scanner *s)
{
  if (!s)
    return;
  yr_scanner_destroy(s->yr);
  unmap(s);
  artifact_clear(s);
  art_yara_result_free(s->cur);
  art_yara_result_free(s->pending);
  free(s->pending_msg);
  free(s->tmm_rules);
  for (size_t i = 0; i < s->n_mods; i++) {
    free(s->mods[i].module);
    free(s->mods[i].data);
  }
  free(s->mods);
  free(s->buf);
  if (s->mime)
    magic_close(s->mime);
  once_clear(s);
  free(s);
}

void art_yara_scanner_set_timeout(art_yara_scanner *s, unsigned seconds)
{
  if (s)
    s->timeout = seconds > INT_MAX ? INT_MAX : seconds;
}

void art_yara_scanner_set_max_size(art_yara_scanner *s, uint64_t bytes)
{
  if (s)
    s->max_size = bytes ? bytes : ART_YARA_MAX_SIZE_DEFAULT;
}

void art_yara_scanner_set_flags(art_yara_scanner *s, unsigned flags)
{
  if (s && s->flags != flags) {
    once_clear(s); /* results kept were made with the old flags */
    s->flags = flags;
  }
}

art_status art_yara_scanner_set_module_data(art_ctx *ctx,
                                            art_yara_scanner *s,
                                            const char *module,
                                            const void *data,
                                            size_t len)
{
  void *p;
  if (!s || !module || (!data && len))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  once_clear(s);
  p = realloc(s->mods, (s->n_mods + 1) * sizeof *s->mods);
  if (!p)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  s->mods = p;
  s->mods[s->n_mods].module = strdup(module);
  s->mods[s->n_mods].data = malloc(len ? len : 1);
  if (!s->mods[s->n_mods].module || !s->mods[s->n_mods].data) {
    free(s->mods[s->n_mods].module);
    free(s->mods[s->n_mods].data);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  if (len)
    memcpy(s->mods[s->n_mods].data, data, len);
  s->mods[s->n_mods++].len = len;
  return ART_OK;
}

void art_yara_scanner_set_max_matches(art_yara_scanner *s, size_t n)
{
  if (s && s->keep != n) {
    once_clear(s);
    s->keep = n;
  }
}

void art_yara_scanner_set_max_data(art_yara_scanner *s, size_t bytes)
{
  if (s) {
    once_clear(s);
    s->max_data = bytes > ART_YARA_DATA_MAX ? ART_YARA_DATA_MAX : bytes;
  }
}

art_status art_yara_scanner_set_artifact(art_ctx *ctx,
                                         art_yara_scanner *s,
                                         const art_yara_artifact *a)
{
  if (!s || !a || !a->path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no artifact");
  artifact_clear(s);
  s->path = strdup(a->path);
  s->member = a->member ? strdup(a->member) : NULL;
  s->root = a->root ? strdup(a->root) : NULL;
  s->owner = a->owner ? strdup(a->owner) : NULL;
  s->filetype = a->filetype ? strdup(a->filetype) : NULL;
  s->depth = a->depth;
  if (!s->path || (a->member && !s->member) || (a->root && !s->root) ||
      (a->owner && !s->owner) || (a->filetype && !s->filetype))
    goto nomem;
  return ART_OK;
nomem:
  artifact_clear(s);
  return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
}

static int user_ext(const art_yara_rules *r, const char *name)
{
  for (size_t i = 0; i < r->n_user_ext; i++)
    if (strcmp(r->user_ext[i], name) == 0)
      return 1;
  return 0;
}

static void
set_ext(art_yara_scanner *s, unsigned bit, const char *name, const char *value)
{
  if ((s->rules->uses & bit) && !user_ext(s->rules, name))
    yr_scanner_define_string_variable(s->yr, name, value ? value : "");
}

static uint64_t rd(const uint8_t *p, size_t n, int be)
{
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
  return v;
}

/* libmagic tells a PIE executable from a shared library with its ELF parser,
 * which it runs only on a descriptor (file(1) does); from a buffer both are
 * "x-sharedlib". Do what the parser does: an ET_DYN object whose dynamic
 * section has DT_FLAGS_1 with DF_1_PIE is a PIE executable. */
static int elf_is_pie(const uint8_t *p, size_t len)
{
  int c64, be;
  uint64_t phoff, phnum, phsize;
  if (len < 52 || memcmp(p,
                         "\x7f"
                         "ELF",
                         4) != 0)
    return 0;
  c64 = p[4] == 2;
  be = p[5] == 2;
  if (rd(p + 16, 2, be) != 3) /* ET_DYN */
    return 0;
  if (c64 && len < 64)
    return 0;
  phoff = c64 ? rd(p + 32, 8, be) : rd(p + 28, 4, be);
  phsize = c64 ? rd(p + 54, 2, be) : rd(p + 42, 2, be);
  phnum = c64 ? rd(p + 56, 2, be) : rd(p + 44, 2, be);
  if (phsize < (c64 ? 56u : 32u))
    return 0;
  for (uint64_t i = 0; i < phnum && i < 256; i++) {
    uint64_t o = phoff + i * phsize, off, size;
    if (o > len || len - o < phsize)
      return 0;
    if (rd(p + o, 4, be) != 2) /* PT_DYNAMIC */
      continue;
    off = c64 ? rd(p + o + 8, 8, be) : rd(p + o + 4, 4, be);
    size = c64 ? rd(p + o + 32, 8, be) : rd(p + o + 16, 4, be);
    for (uint64_t d = 0; d + (c64 ? 16u : 8u) <= size; d += c64 ? 16u : 8u) {
      uint64_t tag, val;
      if (off + d > len || len - (off + d) < (c64 ? 16u : 8u))
        return 0;
      tag = c64 ? rd(p + off + d, 8, be) : rd(p + off + d, 4, be);
      val = c64 ? rd(p + off + d + 8, 8, be) : rd(p + off + d + 4, 4, be);
      if (tag == 0) /* DT_NULL */
        break;
      if (tag == 0x6ffffffb)            /* DT_FLAGS_1 */
        return (val & 0x08000000) != 0; /* DF_1_PIE */
    }
    return 0;
  }
  return 0;
}

static const char *thor_name(const char *mime, const void *data, size_t len);

static void set_externals(art_yara_scanner *s, const void *data, size_t len)
{
  const char *name = s->member ? s->member : (s->path ? s->path : "");
  const char *slash = strrchr(name, '/');
  const char *fname = slash ? slash + 1 : name;
  const char *dot = strrchr(fname, '.');
  char ext[64] = "";
  char owner[64] = "";
  if (dot && dot != fname && strlen(dot) < sizeof ext) {
    for (size_t i = 0; dot[i]; i++)
      ext[i] = (char)((dot[i] >= 'A' && dot[i] <= 'Z') ? dot[i] + 32 : dot[i]);
    ext[strlen(dot)] = '\0';
  }
  set_ext(s, ART__YARA_USES_FILENAME, "filename", fname);
  set_ext(s, ART__YARA_USES_FILEPATH, "filepath", s->path);
  set_ext(s, ART__YARA_USES_EXTENSION, "extension", ext);
  if ((s->rules->uses & ART__YARA_USES_OWNER) && !user_ext(s->rules, "owner")) {
    const char *o = s->owner;
    const char *file = s->member ? s->root : s->path;
    struct stat st;
    if (!o && file && strcmp(file, "-") != 0 && lstat(file, &st) == 0) {
      /* A tree has few owners: the passwd lookup (a read of /etc/passwd
       * with the files backend) is done once per owner in a row. */
      if (s->owner_uid != (long)st.st_uid) {
        struct passwd pw, *res = NULL;
        char pwbuf[1024];
        if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
          snprintf(s->owner_name, sizeof s->owner_name, "%s", res->pw_name);
        else
          snprintf(s->owner_name, sizeof s->owner_name, "%u",
                   (unsigned)st.st_uid);
        s->owner_uid = (long)st.st_uid;
      }
      snprintf(owner, sizeof owner, "%s", s->owner_name);
      o = owner;
    }
    yr_scanner_define_string_variable(s->yr, "owner", o ? o : "");
  }
  if ((s->rules->uses & ART__YARA_USES_FILETYPE) &&
      !user_ext(s->rules, "filetype")) {
    const char *t = s->filetype;
    if (!t) {
      /* One libmagic pass for the MIME type only, over the head (64 KiB
       * types every format libmagic knows by its start): this external is
       * computed for every artifact, so it must cost little. */
      if (!s->mime && !s->mime_failed) {
        s->mime = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        if (s->mime && magic_load(s->mime, NULL) != 0) {
          magic_close(s->mime);
          s->mime = NULL;
        }
        s->mime_failed = !s->mime;
      }
      if (s->mime)
        t = magic_buffer(s->mime, len ? data : "", len > 65536 ? 65536 : len);
      if (t && strcmp(t, "application/x-sharedlib") == 0 &&
          elf_is_pie(data, len))
        t = "application/x-pie-executable";
      if (t && (s->flags & ART_YARA_SCAN_FILETYPE_THOR))
        t = thor_name(t, data, len);
    }
    yr_scanner_define_string_variable(s->yr, "filetype", t ? t : "");
  }
}

static int has(const char *s, const char *part)
{
  return s && strstr(s, part) != NULL;
}

const char *art_yara_filetype_name(const char *mime, const char *desc)
{
  /* MIME types first, then what only the description tells. */
  static const struct {
    const char *mime, *name;
  } map[] = {
      {"application/x-executable", "ELF"},
      {"application/x-sharedlib", "ELF"},
      {"application/x-pie-executable", "ELF"},
      {"application/x-object", "ELF"},
      {"application/x-coredump", "ELF"},
      {"application/x-mach-binary", "MACHO"},
      {"application/x-msi", "MSI"},
      {"application/java-archive", "JAR"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml."
       "document",
       "DOCX"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
       "XLSX"},
      {"application/vnd.openxmlformats-officedocument.presentationml."
       "presentation",
       "PPTX"},
      {"application/zip", "ZIP"},
      {"application/x-rar", "RAR"},
      {"application/vnd.rar", "RAR"},
      {"application/x-7z-compressed", "7Z"},
      {"application/gzip", "GZIP"},
      {"application/x-gzip", "GZIP"},
      {"application/x-bzip2", "BZIP2"},
      {"application/x-xz", "XZ"},
      {"application/vnd.ms-cab-compressed", "CAB"},
      {"application/msword", "DOC"},
      {"application/vnd.ms-excel", "XLS"},
      {"application/vnd.ms-powerpoint", "PPT"},
      {"application/x-ole-storage", "DOC"},
      {"application/CDFV2", "DOC"},
      {"text/rtf", "RTF"},
      {"application/rtf", "RTF"},
      {"application/pdf", "PDF"},
      {"image/jpeg", "JPG"},
      {"image/png", "PNG"},
      {"image/gif", "GIF"},
      {"image/bmp", "BMP"},
      {"image/x-ms-bmp", "BMP"},
      {"image/tiff", "TIF"},
      {"image/vnd.microsoft.icon", "ICO"},
      {"image/x-icon", "ICO"},
      {"application/x-shockwave-flash", "SWF"},
      {"application/x-java-applet", "CLASS"},
      {"application/x-ms-shortcut", "LNK"},
      {"application/vnd.ms-htmlhelp", "CHM"},
      {"application/x-iso9660-image", "ISO"},
      {"message/rfc822", "EML"},
      {"text/x-shellscript", "SCRIPT"},
      {"text/x-python", "SCRIPT"},
      {"text/x-perl", "SCRIPT"},
      {"text/x-php", "SCRIPT"},
      {"text/x-msdos-batch", "SCRIPT"},
      {"application/javascript", "SCRIPT"},
      {"text/javascript", "SCRIPT"},
      {"text/plain", "TXT"}};
  if (mime &&
      (strcmp(mime, "application/x-dosexec") == 0 ||
       strcmp(mime, "application/vnd.microsoft.portable-executable") == 0 ||
       strcmp(mime, "application/x-msdownload") == 0)) {
    if (has(desc, "(DLL)") || has(desc, "DLL "))
      return "DLL";
    return "EXE";
  }
  if (has(desc, "MSI Installer"))
    return "MSI";
  if (has(desc, "MS Windows shortcut"))
    return "LNK";
  for (size_t i = 0; mime && i < sizeof map / sizeof *map; i++)
    if (strcmp(mime, map[i].mime) == 0)
      return map[i].name;
  if (desc && strncmp(desc, "ELF ", 4) == 0)
    return "ELF";
  return "";
}

/* THOR's names from the MIME type; EXE or DLL from the PE header's
 * characteristics (IMAGE_FILE_DLL), so no second libmagic pass is needed. */
static const char *thor_name(const char *mime, const void *data, size_t len)
{
  const uint8_t *p = data;
  if (len >= 64 && p[0] == 'M' && p[1] == 'Z') {
    uint32_t pe = (uint32_t)p[60] | (uint32_t)p[61] << 8 |
                  (uint32_t)p[62] << 16 | (uint32_t)p[63] << 24;
    if (pe <= len - 24 && memcmp(p + pe, "PE\0\0", 4) == 0) {
      unsigned ch = (unsigned)p[pe + 22] | (unsigned)p[pe + 23] << 8;
      return (ch & 0x2000) ? "DLL" : "EXE";
    }
  }
  return art_yara_filetype_name(mime, NULL);
}

static int tmm_has(const art_yara_scanner *s, uint32_t idx)
{
  for (size_t i = 0; i < s->n_tmm; i++)
    if (s->tmm_rules[i] == idx)
      return 1;
  return 0;
}

static int copy_rule(art_yara_scanner *s,
                     YR_SCAN_CONTEXT *context,
                     const YR_RULE *rule,
                     int with_strings)
{
  art_yara_result *r = s->cur;
  art_yara_match *m;
  const char *tag;
  const YR_META *meta;
  const YR_STRING *str;
  size_t n = 0, k;
  char **tags;
  art_yara_meta *metas;
  art_yara_string *strs;
  if (grow((void **)&r->matches, &r->cap_matches, r->n_matches + 1,
           sizeof *r->matches))
    return -1;
  m = &r->matches[r->n_matches];
  memset(m, 0, sizeof *m);
  if (!(m->rule = arena_strdup(r, rule->identifier)) ||
      !(m->ns = arena_strdup(r, rule->ns->name)))
    return -1;
  m->incomplete =
      tmm_has(s, (uint32_t)(rule - context->rules->rules_table)) ? 1 : 0;
  yr_rule_tags_foreach(rule, tag) n++;
  tags = arena_alloc(r, (n + 1) * sizeof(char *));
  if (!tags)
    return -1;
  k = 0;
  yr_rule_tags_foreach(rule, tag)
  {
    if (!(tags[k++] = arena_strdup(r, tag)))
      return -1;
  }
  tags[k] = NULL;
  m->tags = (const char *const *)tags;
  m->n_tags = n;
  n = 0;
  yr_rule_metas_foreach(rule, meta) n++;
  metas = arena_alloc(r, (n ? n : 1) * sizeof *metas);
  if (!metas)
    return -1;
  k = 0;
  yr_rule_metas_foreach(rule, meta)
  {
    art_yara_meta *am = &metas[k++];
    memset(am, 0, sizeof *am);
    if (!(am->key = arena_strdup(r, meta->identifier)))
      return -1;
    if (meta->type == META_TYPE_STRING) {
      am->type = ART_YARA_META_STRING;
      if (!(am->string = arena_strdup(r, meta->string)))
        return -1;
    } else {
      am->type = meta->type == META_TYPE_BOOLEAN ? ART_YARA_META_BOOLEAN
                                                 : ART_YARA_META_INTEGER;
      am->integer = meta->integer;
    }
  }
  m->meta = metas;
  m->n_meta = n;
  if (with_strings) {
    size_t n_ids = 0, n_keep = 0, ki = 0;
    art_yara_ident *ids;
    /* Count first: the arrays are sized once. Only the first KEEP matches
     * of each string are walked (the count is libyara's), so a string
     * matching a million times costs no more than one matching ten. */
    yr_rule_strings_foreach(rule, str)
    {
      const YR_MATCHES *mm = &context->matches[str->idx];
      if (STRING_IS_PRIVATE(str) || mm->count <= 0)
        continue;
      n_ids++;
      n_keep += (size_t)mm->count < s->keep ? (size_t)mm->count : s->keep;
    }
    ids = arena_alloc(r, (n_ids ? n_ids : 1) * sizeof *ids);
    strs = arena_alloc(r, (n_keep ? n_keep : 1) * sizeof *strs);
    if (!ids || !strs)
      return -1;
    k = 0;
    yr_rule_strings_foreach(rule, str)
    {
      const YR_MATCHES *mm = &context->matches[str->idx];
      const YR_MATCH *p = mm->head;
      art_yara_ident *id;
      size_t first = k;
      if (STRING_IS_PRIVATE(str) || mm->count <= 0)
        continue;
      id = &ids[ki++];
      if (!(id->id = arena_strdup(r, str->identifier)))
        return -1;
      id->count = (uint64_t)mm->count;
      id->hex = STRING_IS_HEX(str) ? 1 : 0;
      /* libyara's match records are not always 8-byte aligned (they live
       * in a notebook), so each one is copied out with memcpy rather than
       * read in place as yr_string_matches_foreach() would. */
      while (p && k < n_keep && k - first < s->keep) {
        YR_MATCH ym;
        art_yara_string *as;
        size_t dl;
        uint8_t *d;
        memcpy(&ym, p, sizeof ym);
        p = ym.next;
        if (ym.is_private)
          continue;
        as = &strs[k++];
        dl = ym.data_length > 0 ? (size_t)ym.data_length : 0;
        if (dl > s->max_data)
          dl = s->max_data;
        d = arena_alloc(r, dl ? dl : 1);
        if (!d)
          return -1;
        if (dl)
          memcpy(d, ym.data, dl);
        as->id = id->id;
        as->offset = (uint64_t)(ym.base + ym.offset);
        as->length = ym.match_length > 0 ? (uint64_t)ym.match_length : 0;
        as->data = d;
        as->data_len = dl;
        as->hex = id->hex;
        as->xor_key = 0;
#if YR_MAJOR_VERSION > 4 || (YR_MAJOR_VERSION == 4 && YR_MINOR_VERSION >= 3)
        as->xor_key = ym.xor_key;
#else
        /* libyara 4.2 does not keep the key: the first byte tells it (the
         * match is the plain text, or its wide form, xored). */
        if (STRING_IS_XOR(str) && dl > 0 && str->length > 0)
          as->xor_key = (uint8_t)(d[0] ^ str->string[0]);
#endif
      }
      id->matches = &strs[first];
      id->n_matches = k - first;
    }
    m->strings = strs;
    m->n_strings = k;
    m->idents = ids;
    m->n_idents = ki;
  }
  r->n_matches++;
  return 0;
}

/* A module's object tree in the yara CLI's -D layout: one "name = value"
 * line per member, nested members indented by tabs, array items as [i] and
 * dictionary items by key. */
static void print_object(sbuf *b, const YR_OBJECT *o, int indent, int named)
{
  char tabs[32];
  int n = indent < 31 ? indent : 31;
  memset(tabs, '\t', (size_t)n);
  tabs[n] = '\0';
  if (named && o->type != OBJECT_TYPE_FUNCTION) {
    sb_str(b, tabs);
    sb_str(b, o->identifier ? o->identifier : "");
  }
  switch (o->type) {
  case OBJECT_TYPE_INTEGER:
    if ((uint64_t)o->value.i != (uint64_t)YR_UNDEFINED)
      sb_fmt(b, " = %" PRIu64, (uint64_t)o->value.i);
    else
      sb_str(b, " = UNDEFINED");
    break;
  case OBJECT_TYPE_FLOAT:
    if (o->value.d == o->value.d) /* not NaN */
      sb_fmt(b, " = %f", o->value.d);
    else
      sb_str(b, " = UNDEFINED");
    break;
  case OBJECT_TYPE_STRING:
    if (o->value.ss) {
      sb_str(b, " = \"");
      for (uint32_t i = 0; i < o->value.ss->length; i++) {
        unsigned char ch = (unsigned char)o->value.ss->c_string[i];
        if (ch >= 32 && ch <= 126)
          art__yara_sb_add(b, (const char *)&ch, 1);
        else
          sb_fmt(b, "\\x%02x", ch);
      }
      sb_str(b, "\"");
    } else {
      sb_str(b, " = UNDEFINED");
    }
    break;
  case OBJECT_TYPE_STRUCTURE:
    for (const YR_STRUCTURE_MEMBER *m = object_as_structure(o)->members; m;
         m = m->next)
      if (m->object->type != OBJECT_TYPE_FUNCTION) {
        sb_str(b, "\n");
        print_object(b, m->object, indent + 1, 1);
      }
    break;
  case OBJECT_TYPE_ARRAY: {
    const YR_ARRAY_ITEMS *it = object_as_array(o)->items;
    for (int i = 0; it && i < it->length; i++)
      if (it->objects[i]) {
        sb_fmt(b, "\n%s\t[%d]", tabs, i);
        print_object(b, it->objects[i], indent + 1, 0);
      }
    break;
  }
  case OBJECT_TYPE_DICTIONARY: {
    const YR_DICTIONARY_ITEMS *it = object_as_dictionary(o)->items;
    for (int i = 0; it && i < it->used; i++) {
      sb_str(b, "\n");
      sb_str(b, tabs);
      sb_str(b, "\t");
      sb_str(b, it->objects[i].key ? it->objects[i].key->c_string : "");
      print_object(b, it->objects[i].obj, indent + 1, 0);
    }
    break;
  }
  default:
    break;
  }
}

static int
on_scan_msg(YR_SCAN_CONTEXT *context, int message, void *data, void *ud)
{
  art_yara_scanner *s = ud;
  switch (message) {
  case CALLBACK_MSG_IMPORT_MODULE: {
    YR_MODULE_IMPORT *mi = data;
    for (size_t i = 0; i < s->n_mods; i++)
      if (strcmp(mi->module_name, s->mods[i].module) == 0) {
        mi->module_data = s->mods[i].data;
        mi->module_data_size = s->mods[i].len;
      }
    break;
  }
  case CALLBACK_MSG_MODULE_IMPORTED:
    if (s->flags & ART_YARA_SCAN_MODULE_DATA) {
      sbuf b = {0};
      if (s->cur->moddata)
        sb_str(&b, s->cur->moddata);
      print_object(&b, data, 0, 1);
      sb_str(&b, "\n");
      if (!b.oom) {
        free(s->cur->moddata);
        s->cur->moddata = b.p;
      } else {
        free(b.p);
      }
    }
    break;
  case CALLBACK_MSG_RULE_MATCHING:
    if (copy_rule(s, context, data, 1) != 0) {
      s->fatal = 1;
      return CALLBACK_ERROR;
    }
    break;
  case CALLBACK_MSG_RULE_NOT_MATCHING:
    if (copy_rule(s, context, data, 0) != 0) {
      s->fatal = 1;
      return CALLBACK_ERROR;
    }
    break;
  case CALLBACK_MSG_TOO_MANY_MATCHES: {
    /* libyara switches the string off and goes on when we continue: the
     * rule's result may be incomplete, and the record says so. */
    const YR_STRING *str = data;
    const YR_RULE *rule = &context->rules->rules_table[str->rule_idx];
    char *msg = dup_printf("too many matches for string %s in rule %s; its "
                           "matches are incomplete",
                           str->identifier, rule->identifier);
    if (!grow((void **)&s->tmm_rules, &s->cap_tmm, s->n_tmm + 1,
              sizeof *s->tmm_rules))
      s->tmm_rules[s->n_tmm++] = str->rule_idx;
    if (msg) {
      result_note(s->cur, ART_ERR_LIMIT, msg);
      free(msg);
    }
    break;
  }
  default:
    break;
  }
  return CALLBACK_CONTINUE;
}

static art_status
result_new(art_ctx *ctx, art_yara_scanner *s, art_yara_result **out)
{
  art_yara_result *r = art__calloc(ctx, 1, sizeof *r);
  if (!r)
    return ART_ERR_NOMEM;
  r->path = strdup(s->path ? s->path : "");
  r->member = s->member ? strdup(s->member) : NULL;
  r->root = s->root ? strdup(s->root) : NULL;
  r->depth = s->depth;
  if (!r->path || (s->member && !r->member) || (s->root && !r->root)) {
    art_yara_result_free(r);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  *out = r;
  return ART_OK;
}

/* ---- scan once per content ---------------------------------------------- */

/* The result of a content already scanned, kept for the same bytes met
 * again (a member found in several archives, or twice in one): the scan's
 * outcome depends only on the bytes when no external depends on the name or
 * the owner, so the copy is the very result another scan would give. */
/* Contents up to this size only: the store pays back libyara's fixed cost
 * per scan, which is most of the cost of a small member; a bigger content
 * costs its SHA-256 pass (as long as the scan's own pass, on a CPU without
 * SHA instructions) whenever it is met only once, for a fixed cost that is
 * a small part of its scan. */
#define ONCE_LEN_MAX (1u << 20)

typedef struct once_ent {
  char sha[65];
  uint64_t len;
  art_yara_result *res; /* path-less copy; NULL: slot free */
} once_ent;

/* Whether the scanner's results depend on the bytes alone. */
static int once_usable(const art_yara_scanner *s)
{
  const art_yara_rules *r = s->rules;
  if (!s->once_max || s->owner || s->filetype ||
      (s->flags & ART_YARA_SCAN_MODULE_DATA) ||
      art_yara_rules_name_dependent(r))
    return 0;
  return !((r->uses & ART__YARA_USES_OWNER) && !user_ext(r, "owner"));
}

static void once_clear(art_yara_scanner *s)
{
  for (size_t i = 0; i < s->once_cap; i++)
    art_yara_result_free(s->once[i].res);
  free(s->once);
  s->once = NULL;
  s->once_cap = s->once_n = s->once_bytes = 0;
}

static size_t
once_slot(const art_yara_scanner *s, const char *sha, uint64_t len)
{
  size_t i = 0;
  for (int k = 0; k < 16; k++) /* the digest's first 64 bits, as hex */
    i = i * 16 + (size_t)(sha[k] <= '9' ? sha[k] - '0' : sha[k] - 'a' + 10);
  i &= s->once_cap - 1;
  while (s->once[i].res &&
         (s->once[i].len != len || memcmp(s->once[i].sha, sha, 64) != 0))
    i = (i + 1) & (s->once_cap - 1);
  return i;
}

/* Copy SRC's matches (and its outcome) into D, whose own artifact fields
 * (path, member, root, depth) are kept. -1 when memory runs out. */
static int result_copy(art_yara_result *d, const art_yara_result *src)
{
  d->bytes = src->bytes;
  if (!src->n_matches)
    return 0;
  if (!(d->matches = calloc(src->n_matches, sizeof *d->matches)))
    return -1;
  d->cap_matches = src->n_matches;
  for (size_t i = 0; i < src->n_matches; i++, d->n_matches++) {
    const art_yara_match *a = &src->matches[i];
    art_yara_match *m = &d->matches[i];
    char **tags;
    art_yara_meta *metas;
    art_yara_string *strs;
    art_yara_ident *ids;
    m->incomplete = a->incomplete;
    if (!(m->rule = arena_strdup(d, a->rule)) ||
        !(m->ns = arena_strdup(d, a->ns)) ||
        !(tags = arena_alloc(d, (a->n_tags + 1) * sizeof *tags)) ||
        !(metas =
              arena_alloc(d, (a->n_meta ? a->n_meta : 1) * sizeof *metas)) ||
        !(strs = arena_alloc(d, (a->n_strings ? a->n_strings : 1) *
                                    sizeof *strs)) ||
        !(ids = arena_alloc(d, (a->n_idents ? a->n_idents : 1) * sizeof *ids)))
      return -1;
    for (size_t k = 0; k < a->n_tags; k++)
      if (!(tags[k] = arena_strdup(d, a->tags[k])))
        return -1;
    tags[a->n_tags] = NULL;
    m->tags = (const char *const *)tags;
    m->n_tags = a->n_tags;
    for (size_t k = 0; k < a->n_meta; k++) {
      metas[k] = a->meta[k];
      if (!(metas[k].key = arena_strdup(d, a->meta[k].key)) ||
          (a->meta[k].string &&
           !(metas[k].string = arena_strdup(d, a->meta[k].string))))
        return -1;
    }
    m->meta = metas;
    m->n_meta = a->n_meta;
    for (size_t k = 0; k < a->n_idents; k++) {
      ids[k] = a->idents[k];
      if (!(ids[k].id = arena_strdup(d, a->idents[k].id)))
        return -1;
      ids[k].matches = strs + (a->idents[k].matches - a->strings);
      for (size_t j = 0; j < a->idents[k].n_matches; j++) {
        const art_yara_string *as = &a->idents[k].matches[j];
        art_yara_string *ds = &strs[as - a->strings];
        uint8_t *data = arena_alloc(d, as->data_len ? as->data_len : 1);
        if (!data)
          return -1;
        *ds = *as;
        if (as->data_len)
          memcpy(data, as->data, as->data_len);
        ds->data = data;
        ds->id = ids[k].id;
      }
    }
    m->strings = strs;
    m->n_strings = a->n_strings;
    m->idents = ids;
    m->n_idents = a->n_idents;
  }
  return 0;
}

static size_t result_size(const art_yara_result *r)
{
  size_t n = sizeof *r + r->cap_matches * sizeof *r->matches;
  for (const arena_chunk *ch = r->arena; ch; ch = ch->next)
    n += sizeof *ch + ch->cap;
  return n;
}

/* A result for the bytes of SHA (LEN bytes) scanned before, made for the
 * scanner's current artifact; NULL when there is none (or no memory). */
static art_yara_result *
once_find(art_yara_scanner *s, const char *sha, uint64_t len)
{
  art_yara_result *r;
  size_t i;
  if (!s->once_n)
    return NULL;
  i = once_slot(s, sha, len);
  if (!s->once[i].res || result_new(NULL, s, &r) != ART_OK)
    return NULL;
  if (result_copy(r, s->once[i].res) != 0) {
    art_yara_result_free(r);
    return NULL;
  }
  s->once_hits++;
  return r;
}

/* Keep a copy of RES (a complete, clean scan of LEN bytes of digest SHA);
 * nothing is kept past the scanner's byte budget. */
static void once_keep(art_yara_scanner *s,
                      const char *sha,
                      uint64_t len,
                      const art_yara_result *res)
{
  art_yara_result *c;
  size_t i, size;
  if (res->status != ART_OK || res->skipped || res->moddata || res->image)
    return;
  if (s->once_n + 1 > s->once_cap / 2) {
    size_t cap = s->once_cap ? s->once_cap * 2 : 1024;
    once_ent *old = s->once, *tab = calloc(cap, sizeof *tab);
    size_t ocap = s->once_cap;
    if (!tab || cap * sizeof *tab > s->once_max / 4) {
      free(tab);
      return;
    }
    s->once = tab;
    s->once_cap = cap;
    for (size_t k = 0; k < ocap; k++)
      if (old[k].res)
        s->once[once_slot(s, old[k].sha, old[k].len)] = old[k];
    free(old);
  }
  i = once_slot(s, sha, len);
  if (s->once[i].res)
    return;
  if (!(c = calloc(1, sizeof *c)))
    return;
  c->chunk = 1024;
  if (!(c->path = strdup("")) || result_copy(c, res) != 0 ||
      s->once_bytes + (size = result_size(c)) > s->once_max) {
    art_yara_result_free(c);
    return;
  }
  memcpy(s->once[i].sha, sha, sizeof s->once[i].sha);
  s->once[i].len = len;
  s->once[i].res = c;
  s->once_n++;
  s->once_bytes += size;
}

void art_yara_scanner_set_once(art_yara_scanner *s, size_t max_bytes)
{
  if (!s)
    return;
  once_clear(s);
  s->once_max = max_bytes;
}

uint64_t art_yara_scanner_once_hits(const art_yara_scanner *s)
{
  return s ? s->once_hits : 0;
}

/* How many bytes of each match libyara copies (YR_CONFIG_MAX_MATCH_DATA,
 * 512 by default, one setting for the whole process): no more than the
 * scanners of this process keep. A string matching 1,000,000 times (the
 * most libyara holds) otherwise costs 570 MB during the scan, where text
 * output without -s keeps no data at all. Only ever raised once set, so a
 * scanner never gets less than it asked for whatever the others run. */
static pthread_mutex_t match_data_mu = PTHREAD_MUTEX_INITIALIZER;
static long match_data_set = -1;

static void match_data_need(const art_yara_scanner *s)
{
  long need = s->keep ? (long)s->max_data : 0;
  pthread_mutex_lock(&match_data_mu);
  if (match_data_set < need || match_data_set < 0) {
    match_data_set = need;
    yr_set_configuration_uint32(YR_CONFIG_MAX_MATCH_DATA, (uint32_t)need);
  }
  pthread_mutex_unlock(&match_data_mu);
}

/* Scan DATA (LEN bytes) that are the first bytes of an artifact of TOTAL
 * bytes (TOTAL > LEN when it was cut at the maximum size). */
static art_status scan_mem(art_ctx *ctx,
                           art_yara_scanner *s,
                           const void *data,
                           size_t len,
                           uint64_t total,
                           art_yara_result **out)
{
  static const uint8_t empty[1];
  art_status st;
  int rc, flags;
  char sha[65];
  int once = 0;
  *out = NULL;
  /* Bytes scanned before give the same result again, without a scan:
   * libyara's fixed cost per scan (its modules' object trees, every rule's
   * condition) is most of the cost of a small archive member. */
  if (total == len && len <= ONCE_LEN_MAX && once_usable(s) &&
      art__yara_sha256(NULL, len ? data : empty, len, sha) == ART_OK) {
    once = 1;
    if ((*out = once_find(s, sha, len)) != NULL)
      return ART_OK;
  }
  if ((st = result_new(ctx, s, &s->cur)) != ART_OK)
    return st;
  s->cur->bytes = len;
  s->n_tmm = 0;
  s->fatal = 0;
  /* libyara's SIGBUS/SIGSEGV guard is needed only for mapped files (a file
   * truncated under the scan); our own buffers never fault, and the guard's
   * process-wide handlers clash with sanitizers. */
  flags = s->trycatch ? 0 : SCAN_FLAGS_NO_TRYCATCH;
  flags |= (s->flags & ART_YARA_SCAN_NEGATE)
               ? SCAN_FLAGS_REPORT_RULES_NOT_MATCHING
               : SCAN_FLAGS_REPORT_RULES_MATCHING;
  if (s->flags & ART_YARA_SCAN_FAST)
    flags |= SCAN_FLAGS_FAST_MODE;
  yr_scanner_set_flags(s->yr, flags);
  yr_scanner_set_timeout(s->yr, (int)s->timeout);
  set_externals(s, data, len);
  match_data_need(s);
  rc = yr_scanner_scan_mem(s->yr, len ? data : empty, len);
  if (total > len) {
    /* TOTAL is LEN + 1 when the size is not known (a pipe, a device such
     * as /dev/zero): say "more than", never a made-up size. */
    char *msg = total == (uint64_t)len + 1
                    ? dup_printf("more than %zu bytes: only the first %zu "
                                 "were scanned (maximum size)",
                                 len, len)
                    : dup_printf("only the first %zu of %" PRIu64
                                 " bytes were scanned (maximum size)",
                                 len, total);
    if (msg) {
      result_note(s->cur, ART_ERR_LIMIT, msg);
      free(msg);
    }
  }
  switch (rc) {
  case ERROR_SUCCESS:
    break;
  case ERROR_SCAN_TIMEOUT: {
    char *msg =
        dup_printf("scan timed out after %u s; matches incomplete", s->timeout);
    result_note(s->cur, ART_ERR_TIMEOUT,
                msg ? msg : "scan timed out; matches incomplete");
    free(msg);
    break;
  }
  case ERROR_TOO_MANY_MATCHES:
    result_note(s->cur, ART_ERR_LIMIT, "too many matches");
    break;
  case ERROR_INSUFFICIENT_MEMORY:
    art_yara_result_free(s->cur);
    s->cur = NULL;
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                          s->path ? s->path : "");
  default:
    if (s->fatal) {
      art_yara_result_free(s->cur);
      s->cur = NULL;
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                            s->path ? s->path : "");
    } else {
      char *msg;
      YR_STRING *es = yr_scanner_last_error_string(s->yr);
      YR_RULE *er = yr_scanner_last_error_rule(s->yr);
      if (es && er)
        msg = dup_printf("yara error %d in rule %s, string %s", rc,
                         er->identifier, es->identifier);
      else
        msg = dup_printf("yara error %d", rc);
      result_note(s->cur, ART_ERR_LIMIT, msg ? msg : "yara error");
      free(msg);
    }
  }
  *out = s->cur;
  s->cur = NULL;
  st = (*out)->status;
  if (st != ART_OK)
    art__set_error(ctx, st, 0, "%s: %s", (*out)->path, (*out)->message);
  else if (once)
    once_keep(s, sha, len, *out);
  return st;
}

art_status art_yara_scan_buffer(art_ctx *ctx,
                                art_yara_scanner *s,
                                const void *data,
                                size_t len,
                                art_yara_result **out)
{
  if (!out || !s || (!data && len))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  s->trycatch = 0;
  if (len > s->max_size)
    return scan_mem(ctx, s, data, (size_t)s->max_size, len, out);
  return scan_mem(ctx, s, data, len, len, out);
}

/* The byte store shared by scan_source and the reader consumer. */
static void unmap(art_yara_scanner *s)
{
  if (s->map) {
    munmap(s->map, s->map_len);
    s->map = NULL;
    s->map_len = 0;
  }
  s->trycatch = 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define ART_YARA_MMAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ART_YARA_MMAP 0
#endif
#endif
#ifndef ART_YARA_MMAP
#define ART_YARA_MMAP 1
#endif

/* A regular file of a fair size is mapped rather than copied into the
 * buffer, as the yara CLI does: the one read is then the page faults, and
 * no copy is made. The file is opened again by path (read-only, without
 * touching its access time) and must be the very file the source opened
 * (same device, inode and size); anything else takes the read path. */
static int
map_source(art_yara_scanner *s, art_source *src, const art_source_info *info)
{
  struct stat st;
  void *p;
  int fd;
  if (!ART_YARA_MMAP || info->kind != ART_SOURCE_FILE || !info->size_known ||
      info->size < 65536 || info->size > s->max_size || info->size > SIZE_MAX)
    return 0;
  fd = open(art_source_path(src), O_RDONLY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = open(art_source_path(src), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      (uint64_t)st.st_dev != info->dev || (uint64_t)st.st_ino != info->ino ||
      (uint64_t)st.st_size != info->size) {
    close(fd);
    return 0;
  }
  p = mmap(NULL, (size_t)info->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return 0;
  s->map = p;
  s->map_len = (size_t)info->size;
  s->trycatch = 1;
  return 1;
}

static art_status buf_begin(art_yara_scanner *s, int size_known, uint64_t size)
{
  unmap(s);
  /* Do not keep a huge buffer from a previous artifact around. */
  if (s->buf_cap > 64u * 1024 * 1024) {
    free(s->buf);
    s->buf = NULL;
    s->buf_cap = 0;
  }
  s->buf_len = 0;
  s->total = 0;
  s->truncated = 0;
  if (size_known) {
    uint64_t want = size < s->max_size ? size : s->max_size;
    if (want > s->buf_cap && want <= SIZE_MAX) {
      unsigned char *p = realloc(s->buf, (size_t)want ? (size_t)want : 1);
      if (!p)
        return ART_ERR_NOMEM;
      s->buf = p;
      s->buf_cap = (size_t)want;
    }
  }
  return ART_OK;
}

static art_status
buf_append(art_yara_scanner *s, const uint8_t *data, size_t len)
{
  size_t room;
  s->total += len;
  if (s->buf_len >= s->max_size) {
    s->truncated = 1;
    return ART_ERR_LIMIT;
  }
  room = (size_t)(s->max_size - s->buf_len);
  if (len > room) {
    len = room;
    s->truncated = 1;
  }
  if (len == 0) /* BUF may still be NULL: no arithmetic on it */
    return s->truncated ? ART_ERR_LIMIT : ART_OK;
  if (s->buf_len + len > s->buf_cap) {
    size_t ncap = s->buf_cap ? s->buf_cap : 1u << 20;
    unsigned char *p;
    while (ncap < s->buf_len + len)
      ncap *= 2;
    if (ncap > s->max_size)
      ncap = (size_t)s->max_size;
    p = realloc(s->buf, ncap);
    if (!p)
      return ART_ERR_NOMEM;
    s->buf = p;
    s->buf_cap = ncap;
  }
  memcpy(s->buf + s->buf_len, data, len);
  s->buf_len += len;
  return s->truncated ? ART_ERR_LIMIT : ART_OK;
}

art_status art_yara_scan_source(art_ctx *ctx,
                                art_yara_scanner *s,
                                art_source *src,
                                art_yara_result **out)
{
  const art_source_info *info;
  art_status st;
  if (!out || !s || !src)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  info = art_source_get_info(src);
  unmap(s);
  if (map_source(s, src, info)) {
    s->buf_len = 0;
    return scan_mem(ctx, s, s->map, s->map_len, s->map_len, out);
  }
  if (buf_begin(s, info->size_known, info->size) != ART_OK)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                          art_source_path(src));
  for (;;) {
    size_t got = 0, want;
    if (s->buf_len >= s->max_size) {
      uint8_t probe;
      /* Is there more than the maximum? One byte tells. */
      st = art_source_read(ctx, src, &probe, 1, &got);
      if (st != ART_OK)
        return st;
      if (got)
        s->truncated = 1;
      break;
    }
    if (s->buf_cap - s->buf_len < 65536 && s->buf_cap < s->max_size) {
      size_t ncap = s->buf_cap ? s->buf_cap * 2 : 1u << 20;
      unsigned char *p;
      if (ncap > s->max_size)
        ncap = (size_t)s->max_size;
      p = realloc(s->buf, ncap);
      if (!p)
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                              art_source_path(src));
      s->buf = p;
      s->buf_cap = ncap;
    }
    want = (s->buf_cap < s->max_size ? s->buf_cap : (size_t)s->max_size) -
           s->buf_len;
    if (want == 0) {
      /* A known size that grew while reading: make room. */
      size_t ncap = s->buf_cap * 2 + 65536;
      unsigned char *p;
      if (ncap > s->max_size)
        ncap = (size_t)s->max_size;
      p = realloc(s->buf, ncap);
      if (!p)
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: out of memory",
                              art_source_path(src));
      s->buf = p;
      s->buf_cap = ncap;
      want = (s->buf_cap < s->max_size ? s->buf_cap : (size_t)s->max_size) -
             s->buf_len;
    }
    st = art_source_read(ctx, src, s->buf + s->buf_len, want, &got);
    if (st != ART_OK)
      return st;
    if (got == 0)
      break;
    s->buf_len += got;
  }
  s->total = s->buf_len + (s->truncated ? 1 : 0);
  if (s->truncated && info->size_known && info->size > s->total)
    s->total = info->size;
  return scan_mem(ctx, s, s->buf, s->buf_len, s->total, out);
}

static art_status cons_begin(void *state, int size_known, uint64_t size)
{
  art_yara_scanner *s = state;
  art_yara_result_free(s->pending);
  s->pending = NULL;
  free(s->pending_msg);
  s->pending_msg = NULL;
  s->pending_st = ART_OK;
  return buf_begin(s, size_known, size);
}

static art_status
cons_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  (void)offset;
  return buf_append(state, data, len);
}

static art_status cons_finish(void *state, art_status read_status)
{
  art_yara_scanner *s = state;
  art_ctx *ctx = NULL;
  if (art_ctx_new(&ctx) != ART_OK) {
    s->pending_st = ART_ERR_NOMEM;
    return ART_ERR_NOMEM;
  }
  if (read_status != ART_OK) {
    char *msg =
        dup_printf("read failed (%s), not scanned", art_strerror(read_status));
    s->pending_st = read_status;
    s->pending_msg =
        dup_printf("%s: %s", s->path ? s->path : "", msg ? msg : "read failed");
    if (art_yara_result_error(ctx, s, read_status, msg, &s->pending) != ART_OK)
      s->pending = NULL;
    free(msg);
  } else {
    s->pending_st = scan_mem(ctx, s, s->buf, s->buf_len, s->total, &s->pending);
    if (s->pending_st != ART_OK)
      s->pending_msg = strdup(art_ctx_errmsg(ctx));
  }
  art_ctx_free(ctx);
  if (s->result_cb && s->pending) {
    art_yara_result *r = s->pending;
    s->pending = NULL;
    s->result_cb(r, s->pending_st, s->result_ud);
  }
  return s->pending_st == ART_ERR_NOMEM ? ART_ERR_NOMEM : ART_OK;
}

static void consumer_init(art_yara_scanner *s)
{
  s->consumer.name = "yara";
  /* Pattern matching with a large rule set costs a few ns per byte. */
  s->consumer.cost = 4.0;
  s->consumer.begin = cons_begin;
  s->consumer.update = cons_update;
  s->consumer.finish = cons_finish;
}

const art_consumer *art_yara_consumer(art_yara_scanner *s)
{
  if (!s)
    return NULL;
  consumer_init(s);
  return &s->consumer;
}

void art_yara_scanner_set_result_cb(art_yara_scanner *s,
                                    art_yara_result_cb cb,
                                    void *userdata)
{
  if (!s)
    return;
  s->result_cb = cb;
  s->result_ud = userdata;
}

const void *art_yara_scanner_bytes(const art_yara_scanner *s, size_t *len)
{
  if (!s) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (len)
    *len = s->map ? s->map_len : s->buf_len;
  return s->map ? s->map : s->buf;
}

art_status art_yara_result_set_error(art_yara_result *r,
                                     art_status st,
                                     const char *message)
{
  char *m;
  if (!r || st == ART_OK)
    return ART_ERR_INVALID_ARG;
  if (r->status == ART_OK || r->status == ART_ERR_LIMIT ||
      st == ART_ERR_TIMEOUT)
    r->status = st;
  if (!message)
    message = art_strerror(st);
  m = r->message && *r->message ? dup_printf("%s; %s", r->message, message)
                                : strdup(message);
  if (!m)
    return ART_ERR_NOMEM;
  free(r->message);
  r->message = m;
  return ART_OK;
}

art_status
art_yara_attach(art_ctx *ctx, art_yara_scanner *s, art_reader *reader)
{
  art_status st;
  if (!s || !reader)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  consumer_init(s);
  art_yara_result_free(s->pending);
  s->pending = NULL;
  free(s->pending_msg);
  s->pending_msg = NULL;
  s->pending_st = ART_ERR_INVALID_ARG;
  st = art_reader_add(reader, &s->consumer, s);
  if (st != ART_OK)
    return art__set_error(ctx, st, 0, "yara: could not attach to the reader");
  return ART_OK;
}

art_status art_yara_scanner_take_result(art_ctx *ctx,
                                        art_yara_scanner *s,
                                        art_yara_result **out)
{
  art_status st;
  if (!s || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = s->pending;
  s->pending = NULL;
  st = s->pending_st;
  if (st != ART_OK)
    art__set_error(ctx, st, 0, "%s",
                   s->pending_msg ? s->pending_msg : "yara: nothing scanned");
  return st;
}

art_status art_yara_result_error(art_ctx *ctx,
                                 art_yara_scanner *s,
                                 art_status st,
                                 const char *message,
                                 art_yara_result **out)
{
  art_status rc;
  if (!s || !out || st == ART_OK)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  if ((rc = result_new(ctx, s, out)) != ART_OK)
    return rc;
  (*out)->status = st;
  (*out)->message = strdup(message ? message : art_strerror(st));
  if (!(*out)->message) {
    art_yara_result_free(*out);
    *out = NULL;
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  return ART_OK;
}

art_status art_yara_result_skip(art_ctx *ctx,
                                art_yara_scanner *s,
                                const char *why,
                                art_yara_result **out)
{
  art_status rc;
  if (!s || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  if ((rc = result_new(ctx, s, out)) != ART_OK)
    return rc;
  (*out)->skipped = 1;
  (*out)->message = strdup(why ? why : "skipped");
  if (!(*out)->message) {
    art_yara_result_free(*out);
    *out = NULL;
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  return ART_OK;
}

const char *art_yara_result_module_data(const art_yara_result *r)
{
  return r ? r->moddata : NULL;
}

int art_yara_result_skipped(const art_yara_result *r)
{
  return r ? r->skipped : 0;
}

/* ---- formatting --------------------------------------------------------- */

/* Printable ASCII as is, everything else as \xNN (the yara CLI's form). */
static void sb_escaped(sbuf *b, const uint8_t *d, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (d[i] >= 32 && d[i] <= 126)
      art__yara_sb_add(b, (const char *)&d[i], 1);
    else
      sb_fmt(b, "\\x%02X", d[i]);
  }
}

/* Paths: control characters are escaped as \xNN and a backslash is
 * doubled, so a name with a newline cannot forge an output line and the
 * escaping cannot be mistaken for a name (yara 4.2 prints names raw). Other
 * bytes, UTF-8 or not, are printed as they are, as yara does. */
static void sb_path(sbuf *b, const char *p)
{
  for (; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch < 32 || ch == 127)
      sb_fmt(b, "\\x%02X", ch);
    else if (ch == '\\')
      art__yara_sb_add(b, "\\\\", 2);
    else
      art__yara_sb_add(b, p, 1);
  }
}

char *art__yara_path_text(const char *path)
{
  sbuf b = {0};
  sb_path(&b, path);
  art__yara_sb_add(&b, "", 1);
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

/* Meta strings as yara -m prints them: C escapes (\\n \\t \\" \\' ...) and
 * three-digit octal for other bytes that are not printable ASCII. */
static void sb_meta_string(sbuf *b, const char *s)
{
  static const char from[] = "\a\b\f\n\r\t\v\\\"'";
  static const char to[] = "abfnrtv\\\"'";
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    const char *k = ch ? strchr(from, ch) : NULL;
    if (k) {
      char esc[2] = {'\\', to[k - from]};
      art__yara_sb_add(b, esc, 2);
    } else if (ch < 32 || ch > 126) {
      sb_fmt(b, "\\%03o", ch);
    } else {
      art__yara_sb_add(b, s, 1);
    }
  }
}

art_status art_yara_result_text(art_ctx *ctx,
                                const art_yara_result *r,
                                unsigned fmt_flags,
                                art_yara_filter_cb filter,
                                void *userdata,
                                char **out,
                                size_t *shown)
{
  sbuf b = {0};
  size_t count = 0;
  if (!r || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  art__yara_sb_add(&b, "", 0);
  for (size_t i = 0; i < r->n_matches; i++) {
    const art_yara_match *m = &r->matches[i];
    if (filter && !filter(m, userdata))
      continue;
    count++;
    if (fmt_flags & ART_YARA_FMT_NS) {
      sb_str(&b, m->ns);
      sb_str(&b, ":");
    }
    sb_str(&b, m->rule);
    sb_str(&b, " ");
    if (fmt_flags & ART_YARA_FMT_TAGS) {
      sb_str(&b, "[");
      for (size_t t = 0; t < m->n_tags; t++) {
        if (t)
          sb_str(&b, ",");
        sb_str(&b, m->tags[t]);
      }
      sb_str(&b, "] ");
    }
    if (fmt_flags & ART_YARA_FMT_META) {
      sb_str(&b, "[");
      for (size_t k = 0; k < m->n_meta; k++) {
        const art_yara_meta *mt = &m->meta[k];
        if (k)
          sb_str(&b, ",");
        sb_str(&b, mt->key);
        if (mt->type == ART_YARA_META_STRING) {
          sb_str(&b, "=\"");
          sb_meta_string(&b, mt->string);
          sb_str(&b, "\"");
        } else if (mt->type == ART_YARA_META_BOOLEAN) {
          sb_str(&b, mt->integer ? "=true" : "=false");
        } else {
          sb_fmt(&b, " =%" PRId64, mt->integer); /* yara's spacing */
        }
      }
      sb_str(&b, "] ");
    }
    sb_path(&b, r->path);
    sb_str(&b, "\n");
    if (!(fmt_flags &
          (ART_YARA_FMT_STRINGS | ART_YARA_FMT_LENGTH | ART_YARA_FMT_XOR)))
      continue;
    for (size_t k = 0; k < m->n_strings; k++) {
      const art_yara_string *s = &m->strings[k];
      sb_fmt(&b, "0x%" PRIx64, s->offset);
      /* yara prints the length of the data it keeps (at most 512). */
      if (fmt_flags & ART_YARA_FMT_LENGTH)
        sb_fmt(&b, ":%" PRIu64,
               s->length < ART_YARA_DATA_MAX ? s->length : ART_YARA_DATA_MAX);
      sb_str(&b, ":");
      sb_str(&b, s->id);
      if (fmt_flags & ART_YARA_FMT_XOR) {
        sb_fmt(&b, ":xor(0x%02x,", s->xor_key);
        for (size_t j = 0; j < s->data_len; j++) {
          uint8_t ch = (uint8_t)(s->data[j] ^ s->xor_key);
          sb_escaped(&b, &ch, 1);
        }
        sb_str(&b, ")");
      }
      if (fmt_flags & ART_YARA_FMT_STRINGS) {
        sb_str(&b, ": ");
        if (s->hex) {
          size_t n = s->data_len < 64 ? s->data_len : 64;
          for (size_t j = 0; j < n; j++)
            sb_fmt(&b, j ? " %02X" : "%02X", s->data[j]);
          if (s->data_len > 64)
            sb_str(&b, " ...");
        } else {
          sb_escaped(&b, s->data, s->data_len);
        }
      }
      sb_str(&b, "\n");
    }
  }
  if (b.oom) {
    free(b.p);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  *out = b.p;
  if (shown)
    *shown = count;
  return ART_OK;
}

static const char *status_word(const art_yara_result *r)
{
  if (r->skipped)
    return "skipped";
  switch (r->status) {
  case ART_OK:
    return "ok";
  case ART_ERR_TIMEOUT:
    return "timeout";
  case ART_ERR_LIMIT:
    return "partial";
  default:
    return "error";
  }
}

static json_t *json_bytes_text(const uint8_t *d, size_t n)
{
  sbuf b = {0};
  json_t *j;
  art__yara_sb_add(&b, "", 0);
  sb_escaped(&b, d, n);
  if (b.oom)
    return NULL;
  j = json_string(b.p);
  free(b.p);
  return j;
}

static json_t *json_hex(const uint8_t *d, size_t n)
{
  static const char hx[] = "0123456789abcdef";
  char *p = malloc(2 * n + 1);
  json_t *j;
  if (!p)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    p[2 * i] = hx[d[i] >> 4];
    p[2 * i + 1] = hx[d[i] & 15];
  }
  p[2 * n] = '\0';
  j = json_string(p);
  free(p);
  return j;
}

/* Strings that are not valid UTF-8 (paths, meta) are kept with \xNN
 * escapes rather than dropped. */
static json_t *json_text(const char *s)
{
  json_t *j = json_string(s);
  if (j)
    return j;
  return json_bytes_text((const uint8_t *)s, strlen(s));
}

/* Matched bytes as text when every byte is printable ASCII (or tab, CR,
 * LF), so the JSON string holds them exactly; else as hex. Never both. */
static int printable(const uint8_t *d, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if ((d[i] < 32 || d[i] > 126) && d[i] != '\t' && d[i] != '\r' &&
        d[i] != '\n')
      return 0;
  return 1;
}

static json_t *ident_json(const art_yara_ident *id, unsigned fmt)
{
  json_t *so = json_object(), *arr = json_array();
  if (!so || !arr) {
    json_decref(so);
    json_decref(arr);
    return NULL;
  }
  json_object_set_new(so, "identifier", json_text(id->id));
  json_object_set_new(so, "count", json_integer((json_int_t)id->count));
  for (size_t k = 0; k < id->n_matches; k++) {
    const art_yara_string *ms = &id->matches[k];
    if (!(fmt & ART_YARA_FMT_STRINGS)) {
      json_array_append_new(arr, json_integer((json_int_t)ms->offset));
      continue;
    }
    json_t *mo = json_object();
    if (!mo)
      break;
    json_object_set_new(mo, "offset", json_integer((json_int_t)ms->offset));
    json_object_set_new(mo, "length", json_integer((json_int_t)ms->length));
    if (printable(ms->data, ms->data_len))
      json_object_set_new(mo, "data",
                          json_stringn((const char *)ms->data, ms->data_len));
    else
      json_object_set_new(mo, "data_hex", json_hex(ms->data, ms->data_len));
    json_array_append_new(arr, mo);
  }
  json_object_set_new(so, (fmt & ART_YARA_FMT_STRINGS) ? "matches" : "offsets",
                      arr);
  return so;
}

static json_t *match_json(const art_yara_match *m, unsigned fmt)
{
  json_t *o = json_object(), *tags = json_array(), *meta = json_object(),
         *strs = json_array();
  if (!o || !tags || !meta || !strs)
    goto fail;
  json_object_set_new(o, "rule", json_text(m->rule));
  json_object_set_new(o, "namespace", json_text(m->ns));
  for (size_t t = 0; t < m->n_tags; t++)
    json_array_append_new(tags, json_text(m->tags[t]));
  json_object_set_new(o, "tags", tags);
  tags = NULL;
  for (size_t k = 0; k < m->n_meta; k++) {
    const art_yara_meta *mt = &m->meta[k];
    json_t *v = mt->type == ART_YARA_META_STRING ? json_text(mt->string)
                : mt->type == ART_YARA_META_BOOLEAN
                    ? json_boolean(mt->integer)
                    : json_integer((json_int_t)mt->integer);
    json_object_set_new(meta, mt->key, v);
  }
  json_object_set_new(o, "meta", meta);
  meta = NULL;
  json_object_set_new(o, "incomplete", json_boolean(m->incomplete));
  for (size_t k = 0; k < m->n_idents; k++) {
    json_t *so = ident_json(&m->idents[k], fmt);
    if (!so)
      goto fail;
    json_array_append_new(strs, so);
  }
  json_object_set_new(o, "strings", strs);
  return o;
fail:
  json_decref(o);
  json_decref(tags);
  json_decref(meta);
  json_decref(strs);
  return NULL;
}

art_status art_yara_result_json(art_ctx *ctx,
                                const art_yara_result *r,
                                art_yara_filter_cb filter,
                                void *userdata,
                                char **out,
                                size_t *shown)
{
  return art_yara_result_json_fmt(ctx, r, 0, filter, userdata, out, shown);
}

art_status art_yara_result_json_fmt(art_ctx *ctx,
                                    const art_yara_result *r,
                                    unsigned fmt_flags,
                                    art_yara_filter_cb filter,
                                    void *userdata,
                                    char **out,
                                    size_t *shown)
{
  json_t *o, *arr;
  char *text;
  size_t count = 0;
  if (!r || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  o = json_object();
  arr = json_array();
  if (!o || !arr) {
    json_decref(o);
    json_decref(arr);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  json_object_set_new(o, "schema", json_string("artifact.yara/2"));
  json_object_set_new(o, "path", json_text(r->path));
  if (r->member) {
    json_object_set_new(o, "member", json_text(r->member));
    json_object_set_new(o, "root", json_text(r->root ? r->root : ""));
    json_object_set_new(o, "depth", json_integer((json_int_t)r->depth));
  }
  json_object_set_new(o, "status", json_string(status_word(r)));
  if (r->status != ART_OK)
    json_object_set_new(o, "error",
                        json_text(r->message ? r->message : "unknown"));
  else if (r->skipped)
    json_object_set_new(o, "reason", json_text(r->message ? r->message : ""));
  json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
  if (r->image) { /* as art-surface's records say it */
    json_object_set_new(o, "via", json_string("image"));
    json_object_set(o, "image_format", json_object_get(r->image, "format"));
    json_object_set(o, "segments", json_object_get(r->image, "segments"));
  }
  for (size_t i = 0; i < r->n_matches; i++) {
    const art_yara_match *m = &r->matches[i];
    json_t *mj;
    if (filter && !filter(m, userdata))
      continue;
    mj = match_json(m, fmt_flags);
    if (!mj) {
      json_decref(o);
      json_decref(arr);
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    }
    json_array_append_new(arr, mj);
    count++;
  }
  json_object_set_new(o, "matches", arr);
  text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(o);
  if (!text)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  *out = text;
  if (shown)
    *shown = count;
  return ART_OK;
}

art_status art_yara_result_matches_json(art_ctx *ctx,
                                        const art_yara_result *r,
                                        art_yara_filter_cb filter,
                                        void *userdata,
                                        char **out,
                                        size_t *shown)
{
  json_t *arr;
  char *text;
  size_t count = 0;
  if (!r || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  arr = json_array();
  if (!arr)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  for (size_t i = 0; i < r->n_matches; i++) {
    json_t *mj;
    if (filter && !filter(&r->matches[i], userdata))
      continue;
    mj = match_json(&r->matches[i], 0);
    if (!mj || json_array_append_new(arr, mj) != 0) {
      json_decref(arr);
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    }
    count++;
  }
  text = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(arr);
  if (!text)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  *out = text;
  if (shown)
    *shown = count;
  return ART_OK;
}
