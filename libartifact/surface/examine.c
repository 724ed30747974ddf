/* Surface analysis: one read of an input through every analysis, then the
 * members of a container through the archive walker, each member's bytes
 * through the same analyses.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx_private.h"
#include "text_private.h"
#include "surface_private.h"
#include "dissect_private.h"

/* Bytes handed to the analysers at a time when a child artifact is read
 * from memory (as the archive walker does for members). */
#define CHILD_BLOCK (64u * 1024u)

/* Bytes of a top-level input looked at to decide whether it is a container
 * (tar and iso9660 signatures lie up to 32 KiB in). */
#define DECIDE_BYTES (64u * 1024u)

/* One archive walk in progress: the walker numbers its members from 1 in
 * its own walk; records are numbered in the report, where dissectors' children
 * come in between, so each walk maps its ids to record indexes. */
typedef struct walk_frame {
  art_archive *ar;
  size_t root; /* record index of the container walked */
  unsigned base_depth;
  size_t *ids; /* walker id -> record index */
  size_t n_ids, cap_ids;
} walk_frame;

/* A sub-consumer of the member composite (a module's own consumer). */
typedef struct sub {
  const art_consumer *ops;
  void *state;
  int done;
} sub;

struct art_surface {
  const art_surface_config *cfg;
  art_ctx *ctx; /* the examine call's, for the walk callbacks */
  art_reader *reader;
  art_hash *hash;
  art_ssdeep *ssd;
  art_magic *magic;
  art_entropy *ent;
  art_strings_summary *sum;
  art_yara_scanner *yara;
  art_archive *ar;
  /* header and bytes keeper: the first keep_limit bytes of an artifact
   * that is (or may be) a container, a PE or ELF file, or of every
   * artifact when YARA runs; shared by the parsers, YARA and the walk */
  uint8_t head[SURFACE_HEAD_MAX];
  size_t head_len;
  uint8_t *keep;
  size_t keep_len, keep_cap;
  int container; /* -1 undecided, 0 no, 1 yes */
  int keeping;   /* -1 undecided, 0 no, 1 yes */
  int top;       /* keeping for the input itself (containers too) */
  int keep_over; /* longer than keep_limit: the keep is cut there */
  /* what YARA is told about the artifact being read */
  const char *y_path, *y_member, *y_root;
  unsigned y_depth;
  uint64_t pw_members; /* archive members encrypted (read or not) */
  uint64_t seen;
  /* member composite */
  sub subs[4];
  size_t n_subs;
  art_status hash_st, ssd_st, ent_st, sum_st;
  /* the walk */
  art_surface_report *rep;
  const char *root;
  uint64_t input;
  size_t cur;            /* record of the member being read */
  uint64_t walk_bytes;   /* member bytes read in this walk */
  int ratio_stop;        /* the input-wide ratio stopped the walk */
  walk_frame *frame;     /* the innermost archive walk */
  int dissect_in_finish; /* archive members: dissect when read */
  uint64_t deadline_ms;  /* timeout_ms from the start of the input, or 0 */
  int timed_out;
  int walk_timeout; /* the archive walk stopped on its time limit */
  char walk_msg[512];
};

/* ---- records ------------------------------------------------------------ */

srec *art__surface_rec_add(art_surface_report *rep)
{
  static const char *const keys[] = {
      "schema",  "path",  "name",     "size",      "lineage",
      "hashes",  "type",  "entropy",  "header",    "strings",
      "pe",      "elf",   "hashsets", "yara",      "container",
      "similar", "flags", "errors",   "limits_hit"};
  srec *r;
  size_t nd = art_dissect_count();
  if (rep->n == rep->cap) {
    size_t cap = rep->cap ? rep->cap * 2 : 8;
    srec *p = realloc(rep->recs, cap * sizeof *p);
    if (!p)
      return NULL;
    rep->recs = p;
    rep->cap = cap;
  }
  r = &rep->recs[rep->n];
  memset(r, 0, sizeof *r);
  r->obj = json_object();
  if (!r->obj)
    return NULL;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    json_object_set_new(r->obj, keys[i], json_null());
    /* The dissectors' summaries come after "container". */
    if (strcmp(keys[i], "container") == 0)
      for (size_t d = 0; d < nd; d++)
        json_object_set_new(r->obj, art_dissect_at(d)->name, json_null());
  }
  json_object_set_new(r->obj, "schema", json_string(ART_SURFACE_SCHEMA));
  json_object_set_new(r->obj, "hashsets", json_array());
  json_object_set_new(r->obj, "flags", json_array());
  json_object_set_new(r->obj, "errors", json_array());
  json_object_set_new(r->obj, "limits_hit", json_array());
  rep->n++;
  return r;
}

static void push_unique(json_t *arr, const char *s)
{
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v)
  {
    if (strcmp(json_string_value(v), s) == 0)
      return;
  }
  json_array_append_new(arr, json_string(s));
}

void art__surface_rec_error(srec *r, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  json_t *arr = json_object_get(r->obj, "errors");
  /* Text from archives and file names need not be UTF-8. */
  json_t *s = json_string(buf);
  if (!s) {
    char *lossy = art__utf8_lossy(buf);
    s = json_string(lossy ? lossy : "(unprintable message)");
    free(lossy);
  }
  json_array_append_new(arr, s);
  r->pub.errors = json_array_size(arr);
}

void art__surface_rec_limit(srec *r, const char *name)
{
  json_t *arr = json_object_get(r->obj, "limits_hit");
  push_unique(arr, name);
  r->pub.limits = json_array_size(arr);
}

void art__surface_rec_flag(srec *r, const char *name)
{
  push_unique(json_object_get(r->obj, "flags"), name);
}

/* A JSON string from bytes that may not be UTF-8. */
static json_t *jstr(const char *s)
{
  json_t *v;
  char *lossy;
  if (!s)
    return json_null();
  v = json_string(s);
  if (v)
    return v;
  lossy = art__utf8_lossy(s);
  v = json_string(lossy ? lossy : "");
  free(lossy);
  return v;
}

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s && s[1] ? s + 1 : path;
}

/* ---- the analysers ------------------------------------------------------ */

static unsigned hash_mask(const art_surface_config *cfg)
{
  return ART_HASH_MASK(ART_HASH_MD5) | ART_HASH_MASK(ART_HASH_SHA1) |
         ART_HASH_MASK(ART_HASH_SHA256) | cfg->o.extra_hashes;
}

art_status
art_surface_new(art_ctx *ctx, const art_surface_config *cfg, art_surface **out)
{
  art_surface *s;
  art_status st;
  art_reader_opts ro = {0, cfg ? cfg->o.reader_threads : 0};
  if (!out || !cfg)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no config");
  *out = NULL;
  s = art__calloc(ctx, 1, sizeof *s);
  if (!s)
    return ART_ERR_NOMEM;
  s->cfg = cfg;
  st = art_reader_new(ctx, &ro, &s->reader);
  if (st == ART_OK)
    st = art_hash_new(ctx, hash_mask(cfg), &s->hash);
  if (st == ART_OK)
    st = art_ssdeep_new(ctx, &s->ssd);
  if (st == ART_OK)
    st = art_magic_new(ctx, &s->magic);
  if (st == ART_OK)
    st = art_entropy_new(ctx, cfg->o.entropy_block, &s->ent);
  if (st == ART_OK && !cfg->o.no_strings)
    st = art_strings_summary_new(ctx, &cfg->o.strings, &s->sum);
  if (st == ART_OK && cfg->rules) {
    st = art_yara_scanner_new(ctx, cfg->rules, &s->yara);
    if (st == ART_OK) {
      art_yara_scanner_set_max_size(s->yara, cfg->o.keep_limit);
      art_yara_scanner_set_timeout(s->yara, cfg->o.yara_timeout);
    }
  }
  if (st == ART_OK && !cfg->o.no_recurse) {
    st = art_archive_new(ctx, &cfg->o.archive, &s->ar);
    for (size_t i = 0; st == ART_OK && i < cfg->n_pw; i++)
      st = art_archive_add_password(ctx, s->ar, cfg->passwords[i]);
  }
  if (st != ART_OK) {
    art_surface_free(s);
    return st;
  }
  *out = s;
  return ART_OK;
}

void art_surface_free(art_surface *s)
{
  if (!s)
    return;
  art_reader_free(s->reader);
  art_hash_free(s->hash);
  art_ssdeep_free(s->ssd);
  art_magic_free(s->magic);
  art_entropy_free(s->ent);
  art_strings_summary_free(s->sum);
  art_yara_scanner_free(s->yara);
  art_archive_free(s->ar);
  free(s->keep);
  free(s);
}

/* ---- header and container keeper (top level) ----------------------------- */

static void
take_head(art_surface *s, const uint8_t *data, size_t len, uint64_t offset)
{
  size_t want = s->cfg->o.header_bytes;
  if (offset < want && s->head_len == offset) {
    size_t n = want - (size_t)offset;
    if (n > len)
      n = len;
    memcpy(s->head + offset, data, n);
    s->head_len += n;
  }
}

static int keep_append(art_surface *s, const uint8_t *data, size_t len)
{
  if (s->keep_len + len > s->keep_cap) {
    size_t cap = s->keep_cap ? s->keep_cap : DECIDE_BYTES * 2;
    uint8_t *p;
    while (cap < s->keep_len + len)
      cap *= 2;
    p = realloc(s->keep, cap);
    if (!p)
      return -1;
    s->keep = p;
    s->keep_cap = cap;
  }
  memcpy(s->keep + s->keep_len, data, len);
  s->keep_len += len;
  return 0;
}

static void keep_begin(art_surface *s, int top)
{
  s->head_len = 0;
  s->keep_len = 0;
  s->seen = 0;
  s->keep_over = 0;
  s->top = top;
  s->container = top && s->ar ? -1 : 0;
  s->keeping = s->yara ? 1 : -1;
}

/* Whether the first bytes call for keeping the artifact. */
static int keep_wanted(art_surface *s)
{
  if (s->container < 0)
    s->container = art_archive_is_container(s->keep, s->keep_len);
  if (s->container == 1 || art_pe_is_pe(s->keep, s->keep_len) ||
      art_elf_is_elf(s->keep, s->keep_len))
    return 1;
  if (s->ar) /* dissectors run where containers are expanded */
    for (size_t i = 0; i < art_dissect_count(); i++)
      if (art_dissect_at(i)->recognise(s->keep, s->keep_len))
        return 1;
  return 0;
}

static art_status
keep_feed(art_surface *s, const uint8_t *data, size_t len, uint64_t offset)
{
  take_head(s, data, len, offset);
  s->seen = offset + len;
  if (s->keeping == 0 || s->keep_over)
    return s->head_len >= s->cfg->o.header_bytes ? ART_ERR_LIMIT : ART_OK;
  if (s->keep_len + len > s->cfg->o.keep_limit) {
    size_t room = s->cfg->o.keep_limit - s->keep_len;
    if (keep_append(s, data, room) != 0)
      return ART_ERR_NOMEM;
    s->keep_over = 1;
  } else if (keep_append(s, data, len) != 0) {
    return ART_ERR_NOMEM;
  }
  if (s->keeping < 0 && (s->keep_len >= DECIDE_BYTES || s->keep_over)) {
    s->keeping = keep_wanted(s);
    if (!s->keeping)
      s->keep_len = 0;
  }
  return ART_OK;
}

static void keep_end(art_surface *s)
{
  if (s->keeping < 0) {
    s->keeping = keep_wanted(s);
    if (!s->keeping)
      s->keep_len = 0;
  }
  if (s->container < 0)
    s->container = art_archive_is_container(s->keep, s->keep_len);
}

static art_status k_begin(void *state, int size_known, uint64_t size)
{
  (void)size_known;
  (void)size;
  keep_begin(state, 1);
  return ART_OK;
}

static art_status
k_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  return keep_feed(state, data, len, offset);
}

static art_status k_finish(void *state, art_status read_status)
{
  (void)read_status;
  keep_end(state);
  return ART_OK;
}

static const art_consumer keep_ops = {.name = "surface-keep",
                                      .cost = 0.01,
                                      .begin = k_begin,
                                      .update = k_update,
                                      .finish = k_finish};

/* ---- member composite consumer ------------------------------------------ */

static art_status c_begin(void *state, int size_known, uint64_t size)
{
  art_surface *s = state;
  (void)size_known;
  (void)size; /* declared by the archive: not trusted */
  keep_begin(s, 0);
  s->hash_st = art_hash_reset(s->ctx, s->hash);
  art_ssdeep_reset(s->ssd);
  s->ssd_st = ART_OK;
  art_entropy_reset(s->ent);
  s->ent_st = ART_OK;
  if (s->sum)
    art_strings_summary_reset(s->sum);
  s->sum_st = ART_OK;
  s->n_subs = 0;
  s->subs[s->n_subs++] = (sub){art_magic_consumer(), s->magic, 0};
  for (size_t i = 0; i < s->n_subs; i++)
    if (s->subs[i].ops->begin &&
        s->subs[i].ops->begin(s->subs[i].state, 0, 0) != ART_OK)
      s->subs[i].done = 1;
  return ART_OK;
}

static art_status
c_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  art_surface *s = state;
  if (keep_feed(s, data, len, offset) == ART_ERR_NOMEM)
    return ART_ERR_NOMEM;
  if (s->hash_st == ART_OK)
    s->hash_st = art_hash_update(s->ctx, s->hash, data, len);
  if (s->ssd_st == ART_OK)
    s->ssd_st = art_ssdeep_update(s->ctx, s->ssd, data, len);
  if (s->ent_st == ART_OK)
    s->ent_st = art_entropy_update(s->ctx, s->ent, data, len);
  if (s->sum && s->sum_st == ART_OK)
    s->sum_st = art_strings_summary_update(s->ctx, s->sum, data, len);
  for (size_t i = 0; i < s->n_subs; i++) {
    sub *c = &s->subs[i];
    if (!c->done && c->ops->update(c->state, data, len, offset) != ART_OK)
      c->done = 1;
  }
  return ART_OK;
}

static void harvest(art_surface *s, srec *r, art_status read_status);
static void name_flags(srec *r, const char *name);
static void
dissect(art_surface *s, size_t idx, const uint8_t *buf, size_t len, int cut);

static art_status c_finish(void *state, art_status read_status)
{
  art_surface *s = state;
  if (s->hash_st == ART_OK)
    s->hash_st = art_hash_final(s->ctx, s->hash);
  if (s->ssd_st == ART_OK)
    s->ssd_st = art_ssdeep_final(s->ctx, s->ssd);
  if (s->ent_st == ART_OK)
    s->ent_st = art_entropy_final(s->ctx, s->ent);
  if (s->sum && s->sum_st == ART_OK)
    s->sum_st = art_strings_summary_final(s->ctx, s->sum);
  for (size_t i = 0; i < s->n_subs; i++)
    if (s->subs[i].ops->finish)
      s->subs[i].ops->finish(s->subs[i].state, read_status);
  keep_end(s);
  s->walk_bytes += s->seen;
  if (s->cur < s->rep->n)
    harvest(s, &s->rep->recs[s->cur], read_status);
  if (s->dissect_in_finish && s->cur < s->rep->n && s->keeping == 1 &&
      s->keep_len) {
    /* An archive member: its bytes are gone once this returns, so its
     * dissectors run now, on the bytes kept; their children reuse the
     * analysers (done with this member) and the keep buffer. */
    uint8_t *buf = s->keep;
    size_t len = s->keep_len;
    int over = s->keep_over;
    s->keep = NULL;
    s->keep_len = s->keep_cap = 0;
    s->dissect_in_finish = 0;
    dissect(s, s->cur, buf, len, over);
    s->dissect_in_finish = 1;
    free(buf);
  }
  return ART_OK;
}

static const art_consumer member_ops = {.name = "surface-member",
                                        .cost = 1.0,
                                        .begin = c_begin,
                                        .update = c_update,
                                        .finish = c_finish};

/* ---- harvesting results into a record ------------------------------------ */

static json_t *jreal(double v)
{
  /* Four decimals are plenty for entropy and ratios, and keep lines short. */
  char buf[32];
  snprintf(buf, sizeof buf, "%.4f", v);
  return json_real(strtod(buf, NULL));
}

static void iso_time(uint32_t t, char *buf, size_t cap)
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (gmtime_r(&tt, &tm))
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
  else
    snprintf(buf, cap, "%u", t);
}

static json_t *pe_json(const art_pe *pe)
{
  const art_pe_info *in = art_pe_get_info(pe);
  json_t *o = json_object(), *secs = json_array(), *imps = json_array(),
         *exps = json_array();
  char when[40];
  iso_time(in->timestamp, when, sizeof when);
  json_object_set_new(o, "machine", json_string(in->machine_name));
  json_object_set_new(o, "machine_id", json_integer(in->machine));
  json_object_set_new(o, "compile_time", json_string(when));
  json_object_set_new(o, "timestamp", json_integer(in->timestamp));
  json_object_set_new(o, "subsystem", jstr(in->subsystem_name));
  json_object_set_new(o, "is_dll", json_boolean(in->is_dll));
  json_object_set_new(o, "is_64", json_boolean(in->is_64));
  json_object_set_new(o, "entry_point", json_integer(in->entry_point));
  json_object_set_new(o, "image_base",
                      json_integer((json_int_t)in->image_base));
  json_object_set_new(o, "characteristics", json_integer(in->characteristics));
  json_object_set_new(o, "dll_characteristics",
                      json_integer(in->dll_characteristics));
  json_object_set_new(o, "imphash", json_string(art_pe_imphash(pe)));
  json_object_set_new(o, "dll_name", jstr(in->dll_name));
  for (size_t i = 0; i < in->n_sections; i++) {
    const art_pe_section *sc = art_pe_section_at(pe, i);
    json_t *j = json_object();
    json_object_set_new(j, "name", jstr(sc->name));
    json_object_set_new(j, "virtual_address",
                        json_integer(sc->virtual_address));
    json_object_set_new(j, "virtual_size", json_integer(sc->virtual_size));
    json_object_set_new(j, "raw_offset", json_integer(sc->raw_offset));
    json_object_set_new(j, "raw_size", json_integer(sc->raw_size));
    json_object_set_new(j, "characteristics",
                        json_integer(sc->characteristics));
    json_object_set_new(j, "entropy", jreal(sc->entropy));
    json_array_append_new(secs, j);
  }
  json_object_set_new(o, "sections", secs);
  json_t *cur = NULL;
  const char *cur_dll = NULL;
  for (size_t i = 0; i < in->n_imports; i++) {
    const art_pe_import *im = art_pe_import_at(pe, i);
    char ord[32];
    if (!cur_dll || strcmp(cur_dll, im->dll) != 0) {
      cur = json_object();
      json_object_set_new(cur, "library", jstr(im->dll));
      json_object_set_new(cur, "functions", json_array());
      json_array_append_new(imps, cur);
      cur_dll = im->dll;
    }
    snprintf(ord, sizeof ord, "ord%u", im->ordinal);
    json_array_append_new(json_object_get(cur, "functions"),
                          im->by_ordinal ? json_string(ord) : jstr(im->name));
  }
  json_object_set_new(o, "imports", imps);
  for (size_t i = 0; i < in->n_exports; i++) {
    const art_pe_export *ex = art_pe_export_at(pe, i);
    json_t *j = json_object();
    json_object_set_new(j, "name", jstr(ex->name));
    json_object_set_new(j, "ordinal", json_integer(ex->ordinal));
    json_object_set_new(j, "rva", json_integer(ex->rva));
    if (ex->forwarder)
      json_object_set_new(j, "forwarder", jstr(ex->forwarder));
    json_array_append_new(exps, j);
  }
  json_object_set_new(o, "exports", exps);
  if (in->overlay_size) {
    json_t *ov = json_object();
    json_object_set_new(ov, "offset",
                        json_integer((json_int_t)in->overlay_offset));
    json_object_set_new(ov, "size", json_integer((json_int_t)in->overlay_size));
    json_object_set_new(o, "overlay", ov);
  }
  json_object_set_new(o, "partial", json_boolean(in->partial));
  if (in->partial)
    json_object_set_new(o, "problem", jstr(in->problem));
  if (in->n_anomalies) {
    json_t *an = json_array();
    for (size_t i = 0; i < in->n_anomalies; i++)
      json_array_append_new(an, jstr(art_pe_anomaly_at(pe, i)));
    json_object_set_new(o, "anomalies", an);
  }
  return o;
}

static json_t *elf_json(const art_elf *elf)
{
  const art_elf_info *in = art_elf_get_info(elf);
  json_t *o = json_object(), *needed = json_array(), *secs = json_array();
  json_object_set_new(o, "class", json_integer(in->elf_class));
  json_object_set_new(o, "endian",
                      json_string(in->big_endian ? "big" : "little"));
  json_object_set_new(o, "osabi", json_integer(in->osabi));
  json_object_set_new(o, "type", jstr(in->type_name));
  json_object_set_new(o, "pie", json_boolean(in->pie));
  json_object_set_new(o, "machine", jstr(in->machine_name));
  json_object_set_new(o, "machine_id", json_integer(in->machine));
  json_object_set_new(o, "entry", json_integer((json_int_t)in->entry));
  json_object_set_new(o, "interpreter", jstr(in->interpreter));
  json_object_set_new(o, "soname", jstr(in->soname));
  json_object_set_new(o, "runpath", jstr(in->runpath));
  for (size_t i = 0; i < in->n_needed; i++)
    json_array_append_new(needed, jstr(art_elf_needed_at(elf, i)));
  json_object_set_new(o, "needed", needed);
  json_object_set_new(o, "segments", json_integer((json_int_t)in->n_segments));
  for (size_t i = 0; i < in->n_sections; i++) {
    const art_elf_section *sc = art_elf_section_at(elf, i);
    json_t *j = json_object();
    json_object_set_new(j, "name", jstr(sc->name));
    json_object_set_new(j, "type", jstr(sc->type_name));
    json_object_set_new(j, "offset", json_integer((json_int_t)sc->offset));
    json_object_set_new(j, "size", json_integer((json_int_t)sc->size));
    json_object_set_new(j, "flags", json_integer((json_int_t)sc->flags));
    json_object_set_new(j, "entropy", jreal(sc->entropy));
    json_array_append_new(secs, j);
  }
  json_object_set_new(o, "sections", secs);
  json_object_set_new(o, "partial", json_boolean(in->partial));
  if (in->partial)
    json_object_set_new(o, "problem", jstr(in->problem));
  return o;
}

static json_t *yara_json(const art_yara_result *yr, srec *r)
{
  json_t *o = json_object(), *ms = json_array();
  art_status st = art_yara_result_status(yr);
  size_t n = art_yara_result_count(yr);
  json_object_set_new(o, "status",
                      json_string(st == ART_OK            ? "ok"
                                  : st == ART_ERR_TIMEOUT ? "timeout"
                                  : st == ART_ERR_LIMIT   ? "partial"
                                                          : "error"));
  if (st != ART_OK)
    json_object_set_new(o, "message", jstr(art_yara_result_message(yr)));
  for (size_t i = 0; i < n; i++) {
    const art_yara_match *m = art_yara_result_match(yr, i);
    json_t *j = json_object(), *tags = json_array(), *meta = json_object();
    json_object_set_new(j, "rule", jstr(m->rule));
    json_object_set_new(j, "namespace", jstr(m->ns));
    for (size_t t = 0; t < m->n_tags; t++)
      json_array_append_new(tags, jstr(m->tags[t]));
    json_object_set_new(j, "tags", tags);
    for (size_t k = 0; k < m->n_meta; k++) {
      const art_yara_meta *mt = &m->meta[k];
      json_t *v = mt->type == ART_YARA_META_STRING ? jstr(mt->string)
                  : mt->type == ART_YARA_META_BOOLEAN
                      ? json_boolean(mt->integer)
                      : json_integer(mt->integer);
      json_object_set_new(meta, mt->key, v);
    }
    json_object_set_new(j, "meta", meta);
    json_array_append_new(ms, j);
  }
  json_object_set_new(o, "matches", ms);
  r->pub.yara_matches = n;
  if (st == ART_ERR_LIMIT)
    art__surface_rec_limit(r, "yara_limit");
  else if (st != ART_OK)
    art__surface_rec_error(r, "yara: %s", art_yara_result_message(yr));
  return o;
}

static void hashset_hits(art_surface *s, srec *r)
{
  static const art_hash_alg algs[] = {ART_HASH_MD5, ART_HASH_SHA1,
                                      ART_HASH_SHA256};
  json_t *arr = json_object_get(r->obj, "hashsets");
  for (size_t i = 0; i < s->cfg->n_sets; i++) {
    const art_hashset *hs = s->cfg->sets[i];
    json_t *on = json_array();
    for (size_t a = 0; a < 3; a++) {
      const char *hex = art_hash_hex(s->hash, algs[a]);
      uint8_t bin[ART_HASH_MAX_DIGEST];
      art_hash_alg alg;
      if (!hex || art_hashset_count(hs, algs[a]) == 0 ||
          art_hashset_parse_hex(hex, strlen(hex), &alg, bin) != ART_OK)
        continue;
      if (art_hashset_contains(hs, alg, bin))
        json_array_append_new(on, json_string(art_hash_alg_name(alg)));
    }
    if (json_array_size(on) == 0) {
      json_decref(on);
      continue;
    }
    json_t *hit = json_object();
    art_hashset_kind kind = art_hashset_get_kind(hs);
    json_object_set_new(hit, "set", jstr(art_hashset_name(hs)));
    json_object_set_new(hit, "kind", json_string(art_hashset_kind_name(kind)));
    json_object_set_new(hit, "matched_on", on);
    json_array_append_new(arr, hit);
    if (kind == ART_HASHSET_KNOWN)
      r->pub.known = 1;
    else
      r->pub.notable = 1;
  }
}

static void similar(art_surface *s, srec *r)
{
  const art_surface_config *cfg = s->cfg;
  json_t *arr = NULL;
  if (!cfg->n_sim || !r->ssdeep)
    return;
  arr = json_array();
  for (size_t i = 0; i < cfg->n_sim; i++) {
    int score = 0;
    if (art_ssdeep_compare(NULL, r->ssdeep, cfg->sim[i].hash, &score) !=
            ART_OK ||
        score <= cfg->o.similar_threshold)
      continue;
    sim_match *p = realloc(r->sims, (r->n_sims + 1) * sizeof *p);
    if (!p)
      break;
    r->sims = p;
    r->sims[r->n_sims].peer = strdup(cfg->sim[i].name);
    r->sims[r->n_sims].score = score;
    if (!r->sims[r->n_sims].peer)
      break;
    r->n_sims++;
    json_t *j = json_object();
    json_object_set_new(j, "peer", jstr(cfg->sim[i].name));
    json_object_set_new(j, "ssdeep", json_string(cfg->sim[i].hash));
    json_object_set_new(j, "score", json_integer(score));
    json_array_append_new(arr, j);
  }
  r->pub.similar = r->n_sims;
  json_object_set_new(r->obj, "similar", arr);
}

static json_t *header_json(const uint8_t *p, size_t n)
{
  static const char hx[] = "0123456789abcdef";
  char hex[2 * SURFACE_HEAD_MAX + 1], asc[SURFACE_HEAD_MAX + 1];
  json_t *o = json_object();
  for (size_t i = 0; i < n; i++) {
    hex[2 * i] = hx[p[i] >> 4];
    hex[2 * i + 1] = hx[p[i] & 15];
    asc[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
  }
  hex[2 * n] = '\0';
  asc[n] = '\0';
  json_object_set_new(o, "hex", json_string(hex));
  json_object_set_new(o, "ascii", json_string(asc));
  return o;
}

/* Fill R from the analysers' results after a read of R's bytes. */
static void harvest(art_surface *s, srec *r, art_status read_status)
{
  json_t *o = r->obj;
  uint64_t bytes = s->seen;
  art_ctx *ctx = s->ctx;
  r->pub.size = bytes;
  json_object_set_new(o, "size", json_integer((json_int_t)bytes));
  if (read_status != ART_OK && bytes == 0)
    return; /* nothing was read: no hashes of nothing */
  /* hashes */
  json_t *h = json_object();
  if (s->hash_st == ART_OK) {
    for (int a = 0; a < ART_HASH_COUNT_; a++) {
      const char *hex = art_hash_hex(s->hash, (art_hash_alg)a);
      if (hex)
        json_object_set_new(h, art_hash_alg_name((art_hash_alg)a),
                            json_string(hex));
    }
    const char *sha = art_hash_hex(s->hash, ART_HASH_SHA256);
    r->sha256 = sha ? strdup(sha) : NULL;
    r->pub.sha256 = r->sha256;
  } else {
    art__surface_rec_error(r, "hash: %s", art_strerror(s->hash_st));
  }
  if (s->ssd_st == ART_OK && art_ssdeep_status(s->ssd) == ART_OK &&
      art_ssdeep_result(s->ssd)) {
    r->ssdeep = strdup(art_ssdeep_result(s->ssd));
    r->pub.ssdeep = r->ssdeep;
    json_object_set_new(h, "ssdeep", json_string(r->ssdeep));
  } else {
    json_object_set_new(h, "ssdeep", json_null());
    if (art_ssdeep_status(s->ssd) == ART_ERR_LIMIT)
      art__surface_rec_limit(r, "ssdeep_size");
  }
  json_object_set_new(o, "hashes", h);
  /* type */
  const char *desc = art_magic_description(s->magic);
  const char *mime = art_magic_mime(s->magic);
  if (desc || mime) {
    json_t *t = json_object();
    const char *expected = NULL;
    const char *name = json_string_value(json_object_get(o, "name"));
    int mis = mime && name ? art_magic_ext_mismatch(name, mime, &expected) : 0;
    json_object_set_new(t, "description", jstr(desc));
    json_object_set_new(t, "mime", jstr(mime));
    if (art_magic_charset(s->magic))
      json_object_set_new(t, "charset",
                          json_string(art_magic_charset(s->magic)));
    json_object_set_new(t, "extension_mismatch", json_boolean(mis));
    if (mis && expected)
      json_object_set_new(t, "expected_mime", json_string(expected));
    json_object_set_new(o, "type", t);
  } else {
    const char *why = art_magic_errmsg(s->magic);
    art__surface_rec_error(r, "magic: %s", why && *why ? why : "no result");
  }
  /* entropy */
  if (s->ent_st == ART_OK) {
    json_t *e = json_object();
    uint64_t maxo = 0, mino = 0;
    double mx = 0, mn = 0;
    json_object_set_new(e, "value", jreal(art_entropy_value(s->ent)));
    json_object_set_new(
        e, "block_size",
        json_integer((json_int_t)art_entropy_block_size(s->ent)));
    json_object_set_new(
        e, "blocks", json_integer((json_int_t)art_entropy_block_count(s->ent)));
    if (art_entropy_extremes(s->ent, &maxo, &mx, &mino, &mn) == ART_OK) {
      json_t *a = json_object(), *b = json_object();
      json_object_set_new(a, "offset", json_integer((json_int_t)maxo));
      json_object_set_new(a, "value", jreal(mx));
      json_object_set_new(b, "offset", json_integer((json_int_t)mino));
      json_object_set_new(b, "value", jreal(mn));
      json_object_set_new(e, "max", a);
      json_object_set_new(e, "min", b);
    }
    json_object_set_new(o, "entropy", e);
  }
  json_object_set_new(o, "header", header_json(s->head, s->head_len));
  /* strings */
  if (s->sum && s->sum_st == ART_OK) {
    char *txt = NULL;
    if (art_strings_summary_json(ctx, s->sum, &txt) == ART_OK) {
      json_t *j = json_loads(txt, 0, NULL);
      if (j)
        json_object_set_new(o, "strings", j);
      art_free(txt);
    }
  } else if (s->sum) {
    art__surface_rec_error(r, "strings: %s", art_strerror(s->sum_st));
  }
  /* executables, from the bytes kept */
  if (s->keeping == 1 && art_pe_is_pe(s->keep, s->keep_len)) {
    art_pe *pe = NULL;
    if (art_pe_parse(ctx, s->keep, s->keep_len, &pe) == ART_OK) {
      json_t *pj = pe_json(pe);
      json_object_set_new(pj, "truncated", json_boolean(s->keep_over));
      json_object_set_new(o, "pe", pj);
      if (s->keep_over)
        art__surface_rec_limit(r, "executable_size");
    }
    art_pe_free(pe);
  } else if (s->keeping == 1 && art_elf_is_elf(s->keep, s->keep_len)) {
    art_elf *elf = NULL;
    if (art_elf_parse(ctx, s->keep, s->keep_len, &elf) == ART_OK) {
      json_t *ej = elf_json(elf);
      json_object_set_new(ej, "truncated", json_boolean(s->keep_over));
      json_object_set_new(o, "elf", ej);
      if (s->keep_over)
        art__surface_rec_limit(r, "executable_size");
    }
    art_elf_free(elf);
  }
  hashset_hits(s, r);
  if (s->yara) {
    art_yara_result *yr = NULL;
    art_yara_artifact a = {s->y_path,  s->y_member, s->y_root,
                           s->y_depth, NULL,        mime};
    art_status yst = art_yara_scanner_set_artifact(ctx, s->yara, &a);
    if (yst == ART_OK)
      yst = art_yara_scan_buffer(ctx, s->yara, s->keep, s->keep_len, &yr);
    if (yr) {
      if (s->keep_over)
        art_yara_result_set_error(yr, ART_ERR_LIMIT,
                                  "only the first bytes were scanned");
      json_object_set_new(o, "yara", yara_json(yr, r));
      art_yara_result_free(yr);
    } else {
      art__surface_rec_error(r, "yara: %s", art_ctx_errmsg(ctx));
    }
  }
  similar(s, r);
}

/* ---- the walk ------------------------------------------------------------ */

static json_t *lineage_json(uint64_t input,
                            uint64_t id,
                            const uint64_t *parent,
                            const char *root,
                            unsigned depth,
                            const char *via)
{
  json_t *l = json_object();
  json_object_set_new(l, "input", json_integer((json_int_t)input));
  json_object_set_new(l, "id", json_integer((json_int_t)id));
  json_object_set_new(l, "parent",
                      parent ? json_integer((json_int_t)*parent) : json_null());
  json_object_set_new(l, "root", jstr(root));
  json_object_set_new(l, "depth", json_integer(depth));
  json_object_set_new(l, "via", jstr(via));
  return l;
}

void art__surface_rec_fill_root(srec *r, const char *path, uint64_t input)
{
  r->path = strdup(path);
  r->pub.path = r->path;
  r->pub.via = ART_ARCHIVE_VIA_FILE;
  json_object_set_new(r->obj, "path", jstr(path));
  json_object_set_new(r->obj, "name", jstr(base_name(path)));
  json_object_set_new(r->obj, "lineage",
                      lineage_json(input, 0, NULL, path, 0, "file"));
  r->pub.via_name = "file";
  name_flags(r, base_name(path));
}

static void set_yara_artifact(art_surface *s,
                              const char *path,
                              const char *member,
                              const char *root,
                              unsigned depth)
{
  s->y_path = path;
  s->y_member = member;
  s->y_root = root;
  s->y_depth = depth;
}

/* ---- limits shared by archive members and dissected children ------------- */

static uint64_t lim_depth(const art_surface *s)
{
  return s->cfg->o.archive.max_depth ? s->cfg->o.archive.max_depth : 10;
}

static uint64_t lim_artifacts(const art_surface *s)
{
  return s->cfg->o.archive.max_artifacts ? s->cfg->o.archive.max_artifacts
                                         : 10000;
}

static uint64_t lim_member(const art_surface *s)
{
  return s->cfg->o.archive.max_member_bytes ? s->cfg->o.archive.max_member_bytes
                                            : (uint64_t)256 << 20;
}

static uint64_t lim_total(const art_surface *s)
{
  return s->cfg->o.archive.max_total_bytes ? s->cfg->o.archive.max_total_bytes
                                           : (uint64_t)2 << 30;
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Records other than the input's own. */
static uint64_t artifacts_so_far(const art_surface *s)
{
  return s->rep->n ? s->rep->n - 1 : 0;
}

static int frame_map(walk_frame *f, uint64_t id, size_t idx)
{
  if (id >= f->cap_ids) {
    size_t cap = f->cap_ids ? f->cap_ids : 64;
    while (cap <= id)
      cap *= 2;
    size_t *p = realloc(f->ids, cap * sizeof *p);
    if (!p)
      return -1;
    for (size_t i = f->cap_ids; i < cap; i++)
      p[i] = SIZE_MAX;
    f->ids = p;
    f->cap_ids = cap;
  }
  f->ids[id] = idx;
  return 0;
}

static size_t frame_lookup(const walk_frame *f, uint64_t id)
{
  if (id == 0)
    return f->root;
  return id < f->cap_ids ? f->ids[id] : SIZE_MAX;
}

/* Flags for a name that misleads: double extension, RTL override,
 * padding. */
static void name_flags(srec *r, const char *name)
{
  json_t *arr = json_array();
  size_t i;
  json_t *v;
  art__dissect_name_flags(name, arr);
  json_array_foreach(arr, i, v) art__surface_rec_flag(r, json_string_value(v));
  json_decref(arr);
}

static art_walk_action m_begin(void *ud, const art_archive_member *m)
{
  art_surface *s = ud;
  walk_frame *f = s->frame;
  const art_archive_opts *ao = &s->cfg->o.archive;
  uint64_t in_size = s->rep->recs[0].pub.size;
  double max_ratio = ao->max_ratio > 0 ? ao->max_ratio : 200.0;
  uint64_t min_bytes = ao->ratio_min_bytes ? ao->ratio_min_bytes : 16u << 20;
  /* Nested bombs (42.zip) keep each container's own ratio in bounds until
   * it has given min_bytes; the input as a whole must stay in bounds too. */
  if (s->walk_bytes > min_bytes &&
      (double)s->walk_bytes > max_ratio * (double)(in_size ? in_size : 1)) {
    s->ratio_stop = 1;
    return ART_WALK_STOP;
  }
  /* Dissected children count against the input's artifact budget too. */
  if (artifacts_so_far(s) >= lim_artifacts(s)) {
    art__surface_rec_limit(&s->rep->recs[f->root], "artifact_limit");
    return ART_WALK_STOP;
  }
  size_t parent_idx = frame_lookup(f, m->parent);
  if (parent_idx >= s->rep->n)
    parent_idx = f->root;
  srec *r = art__surface_rec_add(s->rep);
  if (!r)
    return ART_WALK_SKIP;
  size_t idx = s->rep->n - 1;
  uint64_t parent_id = parent_idx;
  unsigned depth = f->base_depth + m->depth;
  if (frame_map(f, m->id, idx) != 0)
    return ART_WALK_STOP;
  r->path = strdup(m->lineage);
  r->pub.path = r->path;
  r->pub.id = idx;
  r->pub.parent = parent_id;
  r->pub.depth = depth;
  r->pub.via = m->via;
  r->pub.via_name = art_archive_via_name(m->via);
  json_t *o = r->obj;
  json_object_set_new(o, "path", jstr(m->lineage));
  json_object_set_new(o, "name", jstr(m->name));
  if (m->name_hex) /* stored bytes not UTF-8: converted or escaped */
    json_object_set_new(o, "name_hex", json_string(m->name_hex));
  json_object_set_new(o, "size", json_integer(0));
  name_flags(r, m->name);
  json_t *l = lineage_json(s->input, idx, &parent_id, s->root, depth,
                           art_archive_via_name(m->via));
  json_object_set_new(l, "path_in_parent", jstr(m->path));
  json_object_set_new(l, "parent_format", jstr(m->container));
  if (m->filters && *m->filters)
    json_object_set_new(l, "parent_filters", jstr(m->filters));
  json_object_set_new(l, "entry_type",
                      json_string(art_entry_type_name(m->type)));
  if (m->name_charset && strcmp(m->name_charset, "utf-8"))
    json_object_set_new(l, "name_charset", jstr(m->name_charset));
  if (m->size_known)
    json_object_set_new(l, "declared_size", json_integer((json_int_t)m->size));
  if (m->has_mtime)
    json_object_set_new(l, "mtime", json_integer(m->mtime_sec));
  if (m->link_target)
    json_object_set_new(l, "link_target", jstr(m->link_target));
  json_object_set_new(o, "lineage", l);
  if (m->type == ART_ENTRY_DIR) {
    r->pub.directory = 1;
    return ART_WALK_CONTINUE;
  }
  if (m->type != ART_ENTRY_FILE)
    return ART_WALK_CONTINUE;
  s->cur = idx;
  set_yara_artifact(s, m->lineage, m->path, s->root, depth);
  if (art_archive_add_consumer(f->ar, &member_ops, s) != ART_OK)
    art__surface_rec_error(r, "surface: cannot analyse member");
  return ART_WALK_CONTINUE;
}

static void apply_flags(srec *r, unsigned flags)
{
  for (unsigned bit = 1; bit && bit <= ART_ARCHIVE_F_LAST; bit <<= 1) {
    if (!(flags & bit))
      continue;
    const char *name = art_archive_flag_name(bit);
    if (bit &
        (ART_ARCHIVE_F_DEPTH | ART_ARCHIVE_F_ARTIFACTS |
         ART_ARCHIVE_F_MEMBER_SIZE | ART_ARCHIVE_F_TOTAL | ART_ARCHIVE_F_RATIO |
         ART_ARCHIVE_F_TIMEOUT | ART_ARCHIVE_F_MEMORY))
      art__surface_rec_limit(r, name);
    else
      art__surface_rec_flag(r, name);
  }
}

static json_t *container_json(const char *format,
                              const char *filters,
                              uint64_t entries,
                              uint64_t encrypted,
                              uint64_t compressed,
                              uint64_t uncompressed,
                              uint64_t offset)
{
  json_t *c = json_object();
  json_object_set_new(c, "format", jstr(format));
  /* where the container starts: SFX, appended ZIP, leading data */
  json_object_set_new(c, "offset", json_integer((json_int_t)offset));
  json_object_set_new(c, "filters", jstr(filters ? filters : ""));
  json_object_set_new(c, "entries", json_integer((json_int_t)entries));
  json_object_set_new(c, "encrypted_entries",
                      json_integer((json_int_t)encrypted));
  json_object_set_new(c, "compressed_bytes",
                      json_integer((json_int_t)compressed));
  json_object_set_new(c, "uncompressed_bytes",
                      json_integer((json_int_t)uncompressed));
  json_object_set_new(c, "ratio",
                      compressed
                          ? jreal((double)uncompressed / (double)compressed)
                          : json_null());
  return c;
}

/* The encryption facts of the container at record IDX, from its
 * members' records: "encrypted" (some member was), "decrypted_entries",
 * "password" (the first that opened one) and "passwords" (each that did,
 * in member order); flagged "encrypted" when a member stayed unread. */
static void container_encryption(art_surface *s, size_t idx, json_t *c)
{
  json_t *pws = json_array();
  uint64_t id = s->rep->recs[idx].pub.id, dec = 0, enc = 0;
  for (size_t i = idx + 1; s->pw_members && i < s->rep->n; i++) {
    srec *m = &s->rep->recs[i];
    json_t *l = json_object_get(m->obj, "lineage"), *f;
    const char *via = json_string_value(json_object_get(l, "via"));
    size_t k;
    if (m->pub.parent != id || !via || strcmp(via, "member") != 0)
      continue;
    json_array_foreach(json_object_get(m->obj, "flags"), k, f)
    {
      const char *v = json_string_value(f);
      if (v && (!strcmp(v, "decrypted") || !strcmp(v, "encrypted")))
        enc++;
      if (v && !strcmp(v, "decrypted"))
        dec++;
    }
    const char *pw = json_string_value(json_object_get(l, "password"));
    json_t *p;
    int seen = 0;
    if (!pw)
      continue;
    json_array_foreach(pws, k, p)
    {
      if (strcmp(json_string_value(p), pw) == 0)
        seen = 1;
    }
    if (!seen)
      json_array_append_new(pws, jstr(pw));
  }
  json_object_set_new(c, "encrypted", json_boolean(enc > 0));
  json_object_set_new(c, "decrypted_entries", json_integer((json_int_t)dec));
  json_object_set_new(c, "password",
                      json_array_size(pws) ? json_incref(json_array_get(pws, 0))
                                           : json_null());
  json_object_set_new(c, "passwords", pws);
  json_t *u = json_object_get(c, "encrypted_entries");
  if (json_integer_value(u) > 0)
    art__surface_rec_flag(&s->rep->recs[idx], "encrypted");
}

static art_walk_action
m_end(void *ud, const art_archive_member *m, const art_archive_result *res)
{
  art_surface *s = ud;
  size_t idx = frame_lookup(s->frame, m->id);
  srec *r;
  if (m->id == 0 || idx >= s->rep->n)
    return ART_WALK_CONTINUE;
  r = &s->rep->recs[idx];
  apply_flags(r, res->flags);
  if (res->status != ART_OK && res->errmsg)
    art__surface_rec_error(r, "%s", res->errmsg);
  json_t *l = json_object_get(r->obj, "lineage");
  if (res->flags & (ART_ARCHIVE_F_ENCRYPTED | ART_ARCHIVE_F_DECRYPTED))
    s->pw_members++;
  if (res->password)
    json_object_set_new(l, "password", jstr(res->password));
  if (res->extracted_path)
    json_object_set_new(l, "extracted_to", jstr(res->extracted_path));
  if (res->is_container)
    json_object_set_new(
        r->obj, "container",
        container_json(res->format, res->format_filters, res->entries,
                       res->encrypted_entries, res->compressed_bytes,
                       res->uncompressed_bytes, res->container_offset));
  if (res->is_container)
    container_encryption(s, idx, json_object_get(r->obj, "container"));
  if (res->flags & ART_ARCHIVE_F_SKIPPED_LIMIT) {
    /* Cut by a limit: the bytes read are not the member's size. */
    json_object_set_new(r->obj, "bytes_read",
                        json_integer((json_int_t)res->bytes));
    json_object_set_new(r->obj, "size",
                        m->size_known ? json_integer((json_int_t)m->size)
                                      : json_null());
    art__surface_rec_flag(r, "truncated");
  }
  return ART_WALK_CONTINUE;
}

/* Record a walk's outcome on the container's record (index IDX). */
static void walk_outcome(
    art_surface *s, art_ctx *ctx, art_archive *ar, art_status st, size_t idx)
{
  srec *root = &s->rep->recs[idx]; /* the records may have moved */
  const art_archive_walk_result *wr = art_archive_get_result(ar);
  if (st == ART_ERR_FORMAT)
    return; /* looked like one, is not: a plain file */
  if (st != ART_OK && st != ART_ERR_LIMIT && st != ART_ERR_TIMEOUT) {
    art__surface_rec_error(root, "%s", art_ctx_errmsg(ctx));
    if (wr && (wr->flags & (ART_ARCHIVE_F_TIMEOUT | ART_ARCHIVE_F_MEMORY))) {
      /* refused: an input libarchive would never finish (see archive.h) */
      apply_flags(root,
                  wr->flags & (ART_ARCHIVE_F_TIMEOUT | ART_ARCHIVE_F_MEMORY |
                               ART_ARCHIVE_F_CORRUPT));
      s->walk_timeout = 1;
      snprintf(s->walk_msg, sizeof s->walk_msg, "%s", art_ctx_errmsg(ctx));
    }
    return;
  }
  if (wr) {
    apply_flags(root,
                wr->flags & (ART_ARCHIVE_F_ARTIFACTS | ART_ARCHIVE_F_TOTAL |
                             ART_ARCHIVE_F_RATIO | ART_ARCHIVE_F_CORRUPT |
                             ART_ARCHIVE_F_TIMEOUT | ART_ARCHIVE_F_MEMORY));
    json_object_set_new(root->obj, "container",
                        container_json(wr->format, wr->filters, wr->entries,
                                       wr->encrypted, root->pub.size, wr->bytes,
                                       wr->offset));
    json_t *c = json_object_get(root->obj, "container");
    json_object_set_new(c, "artifacts",
                        json_integer((json_int_t)wr->artifacts));
    container_encryption(s, idx, c);
    if (wr->flags & (ART_ARCHIVE_F_DEPTH | ART_ARCHIVE_F_MEMBER_SIZE |
                     ART_ARCHIVE_F_ENCRYPTED))
      json_object_set_new(c, "members_flagged", json_true());
  }
  if (st == ART_ERR_TIMEOUT)
    art__surface_rec_limit(root, "timeout");
  if (st == ART_ERR_LIMIT || st == ART_ERR_TIMEOUT)
    art__surface_rec_error(root, "%s", art_ctx_errmsg(ctx));
  if (st == ART_ERR_TIMEOUT) { /* not examined whole: the input failed */
    s->walk_timeout = 1;
    snprintf(s->walk_msg, sizeof s->walk_msg, "%s", art_ctx_errmsg(ctx));
  }
}

/* Walk the archive in BUF (LEN bytes, or a second read of SRC when the input
 * was too long to keep) with AR; its members become records below IDX. */
static art_status walk_with(art_surface *s,
                            art_ctx *ctx,
                            art_archive *ar,
                            size_t idx,
                            const uint8_t *buf,
                            size_t len,
                            art_source *again)
{
  art_archive_ops ops = {m_begin, NULL, m_end};
  walk_frame f = {ar, idx, s->rep->recs[idx].pub.depth, NULL, 0, 0};
  walk_frame *up = s->frame;
  int saved = s->dissect_in_finish;
  /* The record's path may be freed if records move: walk with a copy. */
  char *name = strdup(s->rep->recs[idx].path);
  art_status st;
  if (!name)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "surface: no memory");
  s->frame = &f;
  s->dissect_in_finish = 1;
  if (again)
    st = art_archive_walk_source(ctx, ar, again, name, &ops, s);
  else
    st = art_archive_walk_buffer(ctx, ar, buf, len, name, &ops, s);
  s->dissect_in_finish = saved;
  s->frame = up;
  free(f.ids);
  free(name);
  walk_outcome(s, ctx, ar, st, idx);
  return st;
}

static void walk(art_surface *s,
                 art_ctx *ctx,
                 art_source *src,
                 const uint8_t *buf,
                 size_t len,
                 int over)
{
  art_source *again = NULL;
  const char *path = s->root;
  srec *root = &s->rep->recs[0];
  art_status st;
  if (over) {
    /* Too large to keep: a second, streaming read of the input. */
    const art_source_info *info = art_source_get_info(src);
    if (info->kind == ART_SOURCE_STDIN) {
      art__surface_rec_limit(root, "keep_limit");
      art__surface_rec_error(root,
                             "container larger than %zu bytes on standard "
                             "input: members not examined",
                             s->cfg->o.keep_limit);
      return;
    }
    st = art_source_open(ctx, art_source_path(src), info->kind, &again);
    if (st != ART_OK) {
      art__surface_rec_error(root, "%s", art_ctx_errmsg(ctx));
      return;
    }
  }
  walk_with(s, ctx, s->ar, 0, buf, len, again);
  art_source_free(again);
  root = &s->rep->recs[0];
  if (s->ratio_stop) {
    art__surface_rec_limit(root, "ratio_limit");
    art__surface_rec_error(
        root,
        "%s: walk stopped: %llu bytes decompressed from "
        "%llu (ratio over %.0f:1)",
        path, (unsigned long long)s->walk_bytes,
        (unsigned long long)root->pub.size,
        s->cfg->o.archive.max_ratio > 0 ? s->cfg->o.archive.max_ratio : 200.0);
  }
}

/* A child that is itself an archive (a zip attached to a mail): walked from
 * its bytes with an archive walker of its own (the input's may be in the
 * middle of a walk), with what is left of the input's budgets. */
static void
nested_walk(art_surface *s, size_t idx, const uint8_t *buf, size_t len)
{
  art_ctx *ctx = s->ctx;
  art_archive_opts o = s->cfg->o.archive;
  art_archive *ar = NULL;
  srec *r = &s->rep->recs[idx];
  uint64_t left = lim_artifacts(s) - artifacts_so_far(s);
  if (r->pub.depth >= lim_depth(s)) {
    art__surface_rec_limit(r, "depth_limit");
    return;
  }
  if (s->cfg->o.skip_known && r->pub.known)
    return;
  if (artifacts_so_far(s) >= lim_artifacts(s)) {
    art__surface_rec_limit(r, "artifact_limit");
    return;
  }
  o.max_depth = (unsigned)(lim_depth(s) - r->pub.depth);
  o.max_artifacts = left;
  o.max_total_bytes =
      s->walk_bytes < lim_total(s) ? lim_total(s) - s->walk_bytes : 1;
  o.extract_dir = NULL; /* extraction covers archive members only */
  if (s->deadline_ms) {
    uint64_t now = now_ms();
    o.timeout_ms = now < s->deadline_ms ? (unsigned)(s->deadline_ms - now) : 1;
  }
  if (art_archive_new(ctx, &o, &ar) != ART_OK) {
    art__surface_rec_error(r, "%s", art_ctx_errmsg(ctx));
    return;
  }
  for (size_t i = 0; i < s->cfg->n_pw; i++)
    art_archive_add_password(ctx, ar, s->cfg->passwords[i]);
  walk_with(s, ctx, ar, idx, buf, len, NULL);
  art_archive_free(ar);
}

/* ---- dissectors ------------------------------------------------------------
 */

typedef struct child_ctx {
  art_surface *s;
  size_t parent;
  const char *dissector;
  uint64_t n;
  int stopped;
} child_ctx;

static void child_stop(child_ctx *cc, const char *limit, const char *why)
{
  srec *p = &cc->s->rep->recs[cc->parent];
  art__surface_rec_limit(p, limit);
  if (!cc->stopped)
    art__surface_rec_error(p, "%s: %s: children not examined: %s", p->path,
                           cc->dissector, why);
  cc->stopped = 1;
}

static art_status on_child(void *ud, const art_dissect_child *c)
{
  child_ctx *cc = ud;
  art_surface *s = cc->s;
  srec *p = &s->rep->recs[cc->parent];
  unsigned depth = p->pub.depth + 1;
  uint64_t len = c->len;
  int cut = 0;
  char name[256];
  if (depth > lim_depth(s)) {
    child_stop(cc, "depth_limit", "deeper than the depth limit");
    return ART_ERR_LIMIT;
  }
  if (artifacts_so_far(s) >= lim_artifacts(s)) {
    child_stop(cc, "artifact_limit", "artifact limit reached");
    return ART_ERR_LIMIT;
  }
  if (s->deadline_ms && now_ms() > s->deadline_ms) {
    s->timed_out = 1;
    child_stop(cc, "timeout", "time limit reached");
    return ART_ERR_LIMIT;
  }
  if (len > lim_member(s)) {
    len = lim_member(s);
    cut = 1;
  }
  if (s->walk_bytes + len > lim_total(s)) {
    child_stop(cc, "byte_budget", "byte budget reached");
    return ART_ERR_LIMIT;
  }
  cc->n++;
  if (c->name && *c->name)
    snprintf(name, sizeof name, "%s", c->name);
  else
    snprintf(name, sizeof name, "%s-%llu", c->via, (unsigned long long)cc->n);
  size_t plen = strlen(p->path) + 1 + strlen(name) + 1;
  char *path = malloc(plen);
  srec *r = path ? art__surface_rec_add(s->rep) : NULL;
  if (!r) {
    free(path);
    return ART_ERR_NOMEM;
  }
  p = &s->rep->recs[cc->parent];
  snprintf(path, plen, "%s!%s", p->path, name);
  size_t idx = s->rep->n - 1;
  uint64_t parent_id = cc->parent;
  r->path = path;
  r->pub.path = path;
  r->pub.id = idx;
  r->pub.parent = parent_id;
  r->pub.depth = depth;
  r->pub.via = ART_ARCHIVE_VIA_MEMBER;
  r->pub.via_name = c->via;
  json_t *o = r->obj;
  json_object_set_new(o, "path", jstr(path));
  json_object_set_new(o, "name", jstr(name));
  json_object_set_new(o, "size", json_integer(0));
  json_t *l = lineage_json(s->input, idx, &parent_id, s->root, depth, c->via);
  json_object_set_new(l, "path_in_parent", jstr(name));
  json_object_set_new(l, "dissector", json_string(cc->dissector));
  if (c->declared_type)
    json_object_set_new(l, "declared_type", jstr(c->declared_type));
  json_object_set_new(l, "declared_size", json_integer((json_int_t)c->len));
  if (c->lineage_json) {
    json_t *extra = json_loads(c->lineage_json, 0, NULL);
    if (json_is_object(extra))
      json_object_update_missing(l, extra);
    json_decref(extra);
  }
  json_object_set_new(o, "lineage", l);
  /* The via string is the dissector's: keep a copy of our own. */
  r->pub.via_name = json_string_value(json_object_get(l, "via"));
  name_flags(r, c->name);
  if (c->truncated)
    art__surface_rec_flag(r, "truncated_by_dissector");

  /* The same pipeline as an archive member, from memory. */
  const uint8_t *data = c->data;
  int saved = s->dissect_in_finish;
  s->dissect_in_finish = 0;
  s->cur = idx;
  set_yara_artifact(s, path, name, s->root, depth);
  c_begin(s, 1, len);
  s->container = s->ar ? -1 : 0;
  for (uint64_t off = 0; off < len; off += CHILD_BLOCK) {
    size_t n = len - off < CHILD_BLOCK ? (size_t)(len - off) : CHILD_BLOCK;
    if (c_update(s, data + off, n, off) != ART_OK)
      break;
  }
  c_finish(s, ART_OK);
  int is_container = s->container == 1;
  s->dissect_in_finish = saved;
  r = &s->rep->recs[idx];
  if (cut) {
    art__surface_rec_limit(r, "size_limit");
    art__surface_rec_error(r, "%s: cut at %llu bytes (of %zu)", path,
                           (unsigned long long)len, c->len);
  }
  if (is_container)
    nested_walk(s, idx, data, (size_t)len);
  dissect(s, idx, data, (size_t)len, cut);
  return s->timed_out ? ART_ERR_LIMIT : ART_OK;
}

/* Run every dissector that recognises BUF (the artifact of record IDX, cut
 * when CUT) and record their summaries, flags, errors and children. */
static void
dissect(art_surface *s, size_t idx, const uint8_t *buf, size_t len, int cut)
{
  size_t head = len < DECIDE_BYTES ? len : DECIDE_BYTES;
  if (!s->ar || !buf || !len)
    return;
  if (s->cfg->o.skip_known && s->rep->recs[idx].pub.known)
    return;
  for (size_t i = 0; i < art_dissect_count(); i++) {
    const art_dissector *d = art_dissect_at(i);
    art_dissect_sink *sink = NULL;
    child_ctx cc = {s, idx, d->name, 0, 0};
    if (!d->recognise(buf, head))
      continue;
    if (art_dissect_sink_new(s->ctx, on_child, &cc, &sink) != ART_OK) {
      art__surface_rec_error(&s->rep->recs[idx], "%s", art_ctx_errmsg(s->ctx));
      return;
    }
    art_dissect_input in = {buf, len, s->rep->recs[idx].path, cut};
    art_status st = art_dissect_run(s->ctx, d, &in, sink);
    srec *r = &s->rep->recs[idx]; /* the records may have moved */
    const char *sum = art_dissect_sink_get_summary(sink);
    if (sum) {
      json_t *j = json_loads(sum, 0, NULL);
      if (j)
        json_object_set_new(r->obj, d->name, j);
    }
    for (size_t k = 0; k < art_dissect_sink_flag_count(sink); k++)
      art__surface_rec_flag(r, art_dissect_sink_flag_at(sink, k));
    for (size_t k = 0; k < art_dissect_sink_error_count(sink); k++)
      art__surface_rec_error(r, "%s", art_dissect_sink_error_at(sink, k));
    if (st != ART_OK && st != ART_ERR_LIMIT &&
        art_dissect_sink_error_count(sink) == 0)
      art__surface_rec_error(r, "%s: %s: %s", r->path, d->name,
                             art_strerror(st));
    if (cut)
      art__surface_rec_limit(r, "dissect_size");
    art_dissect_sink_free(sink);
  }
}

/* A ZIP appended to the input (to a JPEG, after leading data, a
 * self-extracting executable larger than what was kept): its end of
 * central directory lies in the last 64 KiB. */
static int appended_zip(art_ctx *ctx, art_source *src)
{
  const art_source_info *info = art_source_get_info(src);
  uint8_t tail[65557];
  size_t n, got = 0;
  if (info->kind == ART_SOURCE_STDIN || !info->size_known || info->size < 22)
    return 0;
  n = info->size > sizeof tail ? sizeof tail : (size_t)info->size;
  if (art_source_pread(ctx, src, tail, n, info->size - n, &got) != ART_OK)
    return 0;
  return art_archive_tail_is_zip(tail, got);
}

static void report_free_recs(art_surface_report *rep)
{
  for (size_t i = 0; i < rep->n; i++) {
    srec *r = &rep->recs[i];
    json_decref(r->obj);
    free(r->path);
    free(r->sha256);
    free(r->ssdeep);
    for (size_t k = 0; k < r->n_sims; k++)
      free(r->sims[k].peer);
    free(r->sims);
  }
  free(rep->recs);
}

void art_surface_report_free(art_surface_report *rep)
{
  if (!rep)
    return;
  report_free_recs(rep);
  free(rep);
}

art_status art_surface_examine(art_ctx *ctx,
                               art_surface *s,
                               art_source *src,
                               const char *path,
                               uint64_t input,
                               art_surface_report **out)
{
  art_surface_report *rep;
  art_status st, read_st;
  srec *r;
  uint64_t bytes = 0;
  char readmsg[1024] = "";
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no output");
  *out = NULL;
  if (!s || !src)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no input");
  if (!path)
    path = art_source_path(src);
  rep = art__calloc(ctx, 1, sizeof *rep);
  if (!rep)
    return ART_ERR_NOMEM;
  r = art__surface_rec_add(rep);
  if (!r) {
    free(rep);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: no memory", path);
  }
  s->ctx = ctx;
  s->rep = rep;
  s->root = path;
  s->input = input;
  art__surface_rec_fill_root(r, path, input);
  if (art_source_file(src, 0)) { /* read as an image: say so, and from what */
    json_t *segs = json_array();
    for (unsigned i = 0; art_source_file(src, i); i++)
      json_array_append_new(segs, jstr(art_source_file(src, i)));
    json_object_set_new(r->obj, "via", json_string("image"));
    json_object_set_new(r->obj, "image_format",
                        jstr(art_source_get_info(src)->format));
    json_object_set_new(r->obj, "segments", segs);
  }

  art_reader_clear(s->reader);
  set_yara_artifact(s, path, NULL, NULL, 0);
  st = art_hash_attach(ctx, s->hash, s->reader);
  if (st == ART_OK)
    st = art_ssdeep_attach(ctx, s->ssd, s->reader);
  if (st == ART_OK)
    st = art_magic_attach(ctx, s->magic, s->reader);
  if (st == ART_OK)
    st = art_entropy_attach(ctx, s->ent, s->reader);
  if (st == ART_OK && s->sum)
    st = art_strings_summary_attach(ctx, s->sum, s->reader);
  if (st == ART_OK)
    st = art_reader_add(s->reader, &keep_ops, s);
  if (st != ART_OK) {
    art_surface_report_free(rep);
    return st;
  }
  s->hash_st = s->ssd_st = s->ent_st = s->sum_st = ART_OK;
  read_st = art_reader_run(ctx, s->reader, src, &bytes);
  art_reader_clear(s->reader);
  s->seen = bytes;
  int changed = 0;
  if (read_st == ART_OK && art_source_unchanged(ctx, src, &changed) == ART_OK &&
      changed) {
    /* Grown, cut or rewritten while read: what was read is no record of
     * the file, and must not look like one. */
    read_st = art__set_error(ctx, ART_ERR_IO, 0,
                             "%s: changed while being read (size or "
                             "modification time)",
                             path);
  }
  if (read_st != ART_OK) {
    snprintf(readmsg, sizeof readmsg, "%s", art_ctx_errmsg(ctx));
    art__surface_rec_error(r, "read: %s", readmsg);
    s->hash_st = s->ssd_st = s->ent_st = s->sum_st = read_st;
  }
  harvest(s, r, read_st);
  s->walk_bytes = 0;
  s->ratio_stop = 0;
  s->timed_out = 0;
  s->walk_timeout = 0;
  /* A ZIP appended to a plain file (a JPEG, leading data, an SFX larger
   * than what was kept) is walked from the source again. */
  int appended =
      read_st == ART_OK && s->ar && s->container == 0 && appended_zip(ctx, src);
  if (appended)
    s->container = 1;
  s->deadline_ms = s->cfg->o.archive.timeout_ms
                       ? now_ms() + s->cfg->o.archive.timeout_ms
                       : 0;
  if (read_st == ART_OK && s->ar && !(s->cfg->o.skip_known && r->pub.known)) {
    /* The members' and children's bytes are kept in s->keep while they
     * are read: walk and dissect the input's bytes from a buffer of their
     * own. */
    uint8_t *buf = s->keep;
    size_t len = s->keep_len;
    int over = s->keep_over, keeping = s->keeping == 1;
    s->keep = NULL;
    s->keep_len = s->keep_cap = 0;
    if (s->container == 1)
      walk(s, ctx, src, buf, len, over || appended);
    if (keeping)
      dissect(s, 0, buf, len, over);
    free(buf);
  }
  /* Do not hold a large container's bytes until the next input. */
  if (s->keep_cap > (4u << 20)) {
    free(s->keep);
    s->keep = NULL;
    s->keep_cap = 0;
  }
  s->keep_len = 0;
  s->rep = NULL;
  *out = rep;
  if (read_st != ART_OK)
    art__set_error(ctx, read_st, 0, "%s", readmsg);
  else if (s->walk_timeout)
    read_st = art__set_error(ctx, ART_ERR_TIMEOUT, 0, "%s", s->walk_msg);
  return read_st;
}

art_status art_surface_examine_path(art_ctx *ctx,
                                    art_surface *s,
                                    const char *path,
                                    uint64_t input,
                                    art_surface_report **out)
{
  art_source *src = NULL;
  art_status st;
  if (out)
    *out = NULL;
  st = art_source_open(ctx, path, ART_SOURCE_AUTO, &src);
  if (st != ART_OK)
    return st;
  st = art_surface_examine(ctx, s, src, path, input, out);
  art_source_free(src);
  return st;
}
