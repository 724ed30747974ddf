/* Hash-list writers: hashdeep, md5sum/sha256sum, JSON Lines, CSV, DFXML.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "text_private.h"

#include <artifact/hashlist.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define JSONL_SCHEMA "artifact.hash/1"

struct art_hashlist_writer {
  art_hashlist_format format;
  unsigned mask;
  int piecewise;
  FILE *out;
  art_hash_alg sum_alg;
};

static const char *const format_names[] = {"hashdeep", "sum", "jsonl", "csv",
                                           "dfxml"};

art_status art_hashlist_format_parse(const char *name, art_hashlist_format *out)
{
  for (int i = 0; i < 5; i++)
    if (strcasecmp(name, format_names[i]) == 0) {
      *out = (art_hashlist_format)i;
      return ART_OK;
    }
  if (strcasecmp(name, "json") == 0 || strcasecmp(name, "ndjson") == 0) {
    *out = ART_HASHLIST_JSONL;
    return ART_OK;
  }
  return ART_ERR_INVALID_ARG;
}

const char *art_hashlist_format_name(art_hashlist_format f)
{
  return (unsigned)f < 5 ? format_names[f] : "?";
}

/* hashdeep's column names (it knows md5, sha1, sha256, tiger, whirlpool;
 * other algorithms keep our names and only our reader takes them). */
static const char *hashdeep_column(art_hash_alg a)
{
  return art_hash_alg_name(a);
}

/* DFXML hashdigest types from the schema's enumeration where one exists. */
static const char *dfxml_type(art_hash_alg a)
{
  switch (a) {
  case ART_HASH_MD5:
    return "MD5";
  case ART_HASH_SHA1:
    return "SHA1";
  case ART_HASH_SHA256:
    return "SHA256";
  default:
    return art_hash_alg_name(a);
  }
}

int art_sum_name_needs_escape(const char *name)
{
  return strpbrk(name, "\\\n\r") != NULL;
}

int art_sum_write_name(FILE *out, const char *name, int escape)
{
  if (!escape) {
    fputs(name, out);
    return 0;
  }
  for (const char *p = name; *p; p++) {
    switch (*p) {
    case '\\':
      fputs("\\\\", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    default:
      fputc(*p, out);
    }
  }
  return 1;
}

void art_csv_write_field(FILE *out, const char *s)
{
  int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                s[0] == '\t' || s[0] == '\r';
  int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
  if (!quote) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  if (formula)
    fputc('\'', out);
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}

static void xml_text(FILE *out, const char *s)
{
  /* XML 1.0 cannot carry most control characters or invalid UTF-8, even as
   * references: those bytes are written as the text \xNN. */
  size_t n = strlen(s);
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t ulen = art__utf8_seq_len((const unsigned char *)s + i, n - i);
    if (c == '&')
      fputs("&amp;", out);
    else if (c == '<')
      fputs("&lt;", out);
    else if (c == '>')
      fputs("&gt;", out);
    else if (c == '\'')
      fputs("&apos;", out);
    else if (c == '"')
      fputs("&quot;", out);
    else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f ||
             ulen == 0)
      fprintf(out, "\\x%02x", c);
    else {
      fwrite(s + i, 1, ulen, out);
      i += ulen;
      continue;
    }
    i++;
  }
}

static void iso_time(int64_t sec, long nsec, char *buf, size_t len)
{
  struct tm tm;
  time_t t = (time_t)sec;
  gmtime_r(&t, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  if (nsec)
    snprintf(buf + n, len - n, ".%09ldZ", nsec);
  else
    snprintf(buf + n, len - n, "Z");
}

static void write_header(art_hashlist_writer *w, const char *command)
{
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd))
    cwd[0] = '\0';
  switch (w->format) {
  case ART_HASHLIST_HASHDEEP:
    fputs("%%%% HASHDEEP-1.0\n%%%% size,", w->out);
    for (int a = 0; a < ART_HASH_COUNT_; a++)
      if (w->mask & ART_HASH_MASK(a))
        fprintf(w->out, "%s,", hashdeep_column((art_hash_alg)a));
    fputs("filename\n", w->out);
    fprintf(w->out, "## Invoked from: %s\n", cwd);
    /* hashdeep writes the command with the shell prompt of the user. */
    fprintf(w->out, "## %s %s\n## \n", geteuid() == 0 ? "#" : "$",
            command ? command : "art-hash");
    break;
  case ART_HASHLIST_CSV:
    fputs("path,size,", w->out);
    if (w->piecewise)
      fputs("offset,length,", w->out);
    for (int a = 0; a < ART_HASH_COUNT_; a++)
      if (w->mask & ART_HASH_MASK(a))
        fprintf(w->out, "%s,", art_hash_alg_name((art_hash_alg)a));
    fputs("status,error\n", w->out);
    break;
  case ART_HASHLIST_DFXML: {
    char now[64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    iso_time((int64_t)ts.tv_sec, 0, now, sizeof now);
    fputs("<?xml version='1.0' encoding='UTF-8'?>\n"
          "<dfxml xmlns='http://www.forensicswiki.org/wiki/"
          "Category:Digital_Forensics_XML'\n"
          "  xmlns:dc='http://purl.org/dc/elements/1.1/'\n"
          "  version='1.0'>\n"
          "  <metadata>\n    <dc:type>Hash List</dc:type>\n  </metadata>\n"
          "  <creator version='1.0'>\n    <program>art-hash</program>\n",
          w->out);
    fprintf(w->out, "    <version>%s</version>\n", art_version());
    fputs("    <execution_environment>\n      <command_line>", w->out);
    xml_text(w->out, command ? command : "art-hash");
    fprintf(w->out,
            "</command_line>\n      <start_time>%s</start_time>\n"
            "    </execution_environment>\n  </creator>\n",
            now);
    fputs("  <source>\n    <image_filename>", w->out);
    xml_text(w->out, cwd);
    fputs("</image_filename>\n  </source>\n", w->out);
    break;
  }
  default:
    break;
  }
}

art_status art_hashlist_writer_new(art_ctx *ctx,
                                   art_hashlist_format format,
                                   unsigned mask,
                                   int piecewise,
                                   const char *command,
                                   FILE *out,
                                   art_hashlist_writer **out_writer)
{
  art_hashlist_writer *w;
  *out_writer = NULL;
  if (!out || !mask)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "no output or no algorithm");
  if (format == ART_HASHLIST_SUM && (mask & (mask - 1)))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "the sum format holds one algorithm per list "
                          "(as md5sum/sha256sum); choose one with -c");
  w = art__calloc(ctx, 1, sizeof *w);
  if (!w)
    return ART_ERR_NOMEM;
  w->format = format;
  w->mask = mask;
  w->piecewise = piecewise;
  w->out = out;
  for (int a = 0; a < ART_HASH_COUNT_; a++)
    if (mask & ART_HASH_MASK(a)) {
      w->sum_alg = (art_hash_alg)a;
      break;
    }
  write_header(w, command);
  *out_writer = w;
  return ART_OK;
}

static void write_hashdeep(art_hashlist_writer *w, const art_hash_record *r)
{
  if (w->piecewise) {
    size_t n = art_hash_piece_count(r->hash);
    for (size_t i = 0; i < n; i++) {
      uint64_t off = 0, len = 0;
      int first = 1;
      for (int a = 0; a < ART_HASH_COUNT_; a++) {
        const char *hex;
        if (!(w->mask & ART_HASH_MASK(a)))
          continue;
        art_hash_piece(r->hash, i, (art_hash_alg)a, &off, &len, &hex);
        if (first)
          fprintf(w->out, "%" PRIu64, len);
        fprintf(w->out, ",%s", hex);
        first = 0;
      }
      fprintf(w->out, ",%s offset %" PRIu64 "-%" PRIu64 "\n", r->path, off,
              off + len - 1);
    }
    return;
  }
  fprintf(w->out, "%" PRIu64, r->size);
  for (int a = 0; a < ART_HASH_COUNT_; a++)
    if (w->mask & ART_HASH_MASK(a))
      fprintf(w->out, ",%s", art_hash_hex(r->hash, (art_hash_alg)a));
  fprintf(w->out, ",%s\n", r->path);
}

static void write_sum(art_hashlist_writer *w, const art_hash_record *r)
{
  int esc = art_sum_name_needs_escape(r->path);
  if (w->piecewise) {
    size_t n = art_hash_piece_count(r->hash);
    for (size_t i = 0; i < n; i++) {
      uint64_t off = 0, len = 0;
      const char *hex;
      art_hash_piece(r->hash, i, w->sum_alg, &off, &len, &hex);
      fprintf(w->out, "%s%s  ", esc ? "\\" : "", hex);
      art_sum_write_name(w->out, r->path, esc);
      fprintf(w->out, " offset %" PRIu64 "-%" PRIu64 "\n", off, off + len - 1);
    }
    return;
  }
  fprintf(w->out, "%s%s  ", esc ? "\\" : "", art_hash_hex(r->hash, w->sum_alg));
  art_sum_write_name(w->out, r->path, esc);
  fputc('\n', w->out);
}

static void write_csv(art_hashlist_writer *w, const art_hash_record *r)
{
  char num[32];
  size_t n = w->piecewise && r->hash ? art_hash_piece_count(r->hash) : 1;
  for (size_t i = 0; i < n; i++) {
    art_csv_write_field(w->out, r->path);
    snprintf(num, sizeof num, ",%" PRIu64 ",", r->size);
    fputs(num, w->out);
    if (w->piecewise) {
      uint64_t off = 0, len = 0;
      if (r->hash && art_hash_piece_count(r->hash) > 0) {
        for (int a = 0; a < ART_HASH_COUNT_; a++)
          if (w->mask & ART_HASH_MASK(a)) {
            art_hash_piece(r->hash, i, (art_hash_alg)a, &off, &len, NULL);
            break;
          }
        fprintf(w->out, "%" PRIu64 ",%" PRIu64 ",", off, len);
      } else {
        fputs(",,", w->out);
      }
    }
    for (int a = 0; a < ART_HASH_COUNT_; a++) {
      if (!(w->mask & ART_HASH_MASK(a)))
        continue;
      const char *hex = NULL;
      if (r->hash && r->status == ART_OK) {
        if (w->piecewise) {
          if (art_hash_piece_count(r->hash) > 0)
            art_hash_piece(r->hash, i, (art_hash_alg)a, NULL, NULL, &hex);
        } else {
          hex = art_hash_hex(r->hash, (art_hash_alg)a);
        }
      }
      fprintf(w->out, "%s,", hex ? hex : "");
    }
    fputs(r->status != ART_OK ? "error,"
          : r->changed        ? "changed,"
                              : "ok,",
          w->out);
    art_csv_write_field(w->out, r->status != ART_OK && r->errmsg ? r->errmsg
                                : r->changed ? "changed while being read"
                                             : "");
    fputs("\r\n", w->out);
  }
}

/* A JSON string for bytes that may not be UTF-8: the valid text, and the
 * raw bytes in hex under KEY_hex when they are not. */
static void json_set_path(json_t *obj, const char *key, const char *s)
{
  json_t *v = json_string(s);
  if (v) {
    json_object_set_new(obj, key, v);
    return;
  }
  char *lossy = art__utf8_lossy(s);
  char *hex = art__hex_encode((const unsigned char *)s, strlen(s));
  char hkey[64];
  json_object_set_new(obj, key, json_string(lossy ? lossy : ""));
  snprintf(hkey, sizeof hkey, "%s_hex", key);
  json_object_set_new(obj, hkey, json_string(hex ? hex : ""));
  free(lossy);
  free(hex);
}

static void write_jsonl(art_hashlist_writer *w, const art_hash_record *r)
{
  json_t *o = json_object();
  json_object_set_new(o, "schema", json_string(JSONL_SCHEMA));
  json_set_path(o, "path", r->path);
  json_object_set_new(o, "source", json_string(r->kind ? r->kind : "file"));
  json_object_set_new(o, "size", json_integer((json_int_t)r->size));
  if (r->has_bytes_read && r->bytes_read != r->size)
    json_object_set_new(o, "bytes_read",
                        json_integer((json_int_t)r->bytes_read));
  if (r->n_unreadable || r->more_unreadable) {
    /* ddrescue-minded: every damaged range, in bytes and 512-byte sectors */
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n_unreadable; i++) {
      const art_read_range *g = &r->unreadable[i];
      json_t *x = json_object();
      json_object_set_new(x, "offset", json_integer((json_int_t)g->offset));
      json_object_set_new(x, "length", json_integer((json_int_t)g->length));
      json_object_set_new(x, "first_sector",
                          json_integer((json_int_t)(g->offset / 512)));
      json_object_set_new(
          x, "last_sector",
          json_integer((json_int_t)((g->offset + g->length - 1) / 512)));
      json_array_append_new(arr, x);
    }
    json_object_set_new(o, "unreadable", arr);
    if (r->more_unreadable)
      json_object_set_new(o, "unreadable_more",
                          json_integer((json_int_t)r->more_unreadable));
  }
  if (r->via) {
    json_t *segs = json_array();
    json_object_set_new(o, "via", json_string(r->via));
    if (r->format)
      json_object_set_new(o, "format", json_string(r->format));
    for (size_t i = 0; i < r->n_files; i++) {
      char *lossy = art__utf8_lossy(r->files[i]);
      json_array_append_new(segs, json_string(lossy ? lossy : ""));
      free(lossy);
    }
    json_object_set_new(o, "segments", segs);
  }
  if (r->status == ART_OK && r->hash) {
    json_t *h = json_object();
    for (int a = 0; a < ART_HASH_COUNT_; a++)
      if (w->mask & ART_HASH_MASK(a)) {
        const char *hex = art_hash_hex(r->hash, (art_hash_alg)a);
        if (hex)
          json_object_set_new(h, art_hash_alg_name((art_hash_alg)a),
                              json_string(hex));
      }
    json_object_set_new(o, "hashes", h);
    if (w->piecewise) {
      json_t *arr = json_array();
      size_t n = art_hash_piece_count(r->hash);
      for (size_t i = 0; i < n; i++) {
        json_t *p = json_object();
        uint64_t off = 0, len = 0;
        for (int a = 0; a < ART_HASH_COUNT_; a++) {
          const char *hex;
          if (!(w->mask & ART_HASH_MASK(a)))
            continue;
          art_hash_piece(r->hash, i, (art_hash_alg)a, &off, &len, &hex);
          json_object_set_new(p, art_hash_alg_name((art_hash_alg)a),
                              json_string(hex));
        }
        json_object_set_new(p, "offset", json_integer((json_int_t)off));
        json_object_set_new(p, "length", json_integer((json_int_t)len));
        json_array_append_new(arr, p);
      }
      json_object_set_new(o, "pieces", arr);
    }
  }
  if (r->n_stored > 0) {
    json_t *img = json_object();
    json_t *st = json_object();
    int all = 1;
    for (size_t i = 0; i < r->n_stored; i++) {
      json_object_set_new(st, r->stored[i].alg, json_string(r->stored[i].hex));
      if (r->stored[i].verdict == 0)
        all = 0;
    }
    json_object_set_new(img, "stored_hashes", st);
    /* a media read only in part is neither verified nor refuted */
    if (r->status == ART_OK)
      json_object_set_new(img, "verified", json_boolean(all));
    json_object_set_new(o, "image", img);
  }
  if (r->changed)
    json_object_set_new(o, "changed_during_read", json_true());
  if (r->hashset_kind) {
    json_t *hs = json_object();
    json_object_set_new(hs, "kind", json_string(r->hashset_kind));
    json_object_set_new(hs, "set",
                        json_string(r->hashset_name ? r->hashset_name : ""));
    json_object_set_new(o, "hashset", hs);
  }
  json_object_set_new(o, "status",
                      json_string(r->status == ART_OK ? "ok" : "error"));
  if (r->status != ART_OK)
    json_set_path(o, "error", r->errmsg ? r->errmsg : art_strerror(r->status));
  char *line = json_dumps(o, JSON_COMPACT);
  if (line) {
    fputs(line, w->out);
    fputc('\n', w->out);
    free(line);
  }
  json_decref(o);
}

static void write_dfxml(art_hashlist_writer *w, const art_hash_record *r)
{
  char t[64];
  fputs("  <fileobject>\n    <filename>", w->out);
  xml_text(w->out, r->path);
  fputs("</filename>\n", w->out);
  if (r->status != ART_OK) {
    fputs("    <error>", w->out);
    xml_text(w->out, r->errmsg ? r->errmsg : art_strerror(r->status));
    fputs("</error>\n  </fileobject>\n", w->out);
    return;
  }
  fprintf(w->out, "    <filesize>%" PRIu64 "</filesize>\n", r->size);
  if (r->mtime_sec || r->mtime_nsec) {
    iso_time(r->mtime_sec, r->mtime_nsec, t, sizeof t);
    fprintf(w->out, "    <mtime>%s</mtime>\n", t);
  }
  if (w->piecewise) {
    size_t n = art_hash_piece_count(r->hash);
    fputs("    <byte_runs>\n", w->out);
    for (size_t i = 0; i < n; i++) {
      uint64_t off = 0, len = 0;
      int first = 1;
      for (int a = 0; a < ART_HASH_COUNT_; a++) {
        const char *hex;
        if (!(w->mask & ART_HASH_MASK(a)))
          continue;
        art_hash_piece(r->hash, i, (art_hash_alg)a, &off, &len, &hex);
        if (first)
          fprintf(w->out,
                  "      <byte_run file_offset='%" PRIu64 "' len='%" PRIu64
                  "'>\n",
                  off, len);
        first = 0;
        fprintf(w->out, "        <hashdigest type='%s'>%s</hashdigest>\n",
                dfxml_type((art_hash_alg)a), hex);
      }
      fputs("      </byte_run>\n", w->out);
    }
    fputs("    </byte_runs>\n", w->out);
  }
  for (int a = 0; a < ART_HASH_COUNT_; a++)
    if (w->mask & ART_HASH_MASK(a))
      fprintf(w->out, "    <hashdigest type='%s'>%s</hashdigest>\n",
              dfxml_type((art_hash_alg)a),
              art_hash_hex(r->hash, (art_hash_alg)a));
  fputs("  </fileobject>\n", w->out);
}

art_status art_hashlist_write(art_ctx *ctx,
                              art_hashlist_writer *w,
                              const art_hash_record *r)
{
  (void)ctx;
  switch (w->format) {
  case ART_HASHLIST_JSONL:
    write_jsonl(w, r);
    return ART_OK;
  case ART_HASHLIST_CSV:
    write_csv(w, r);
    return ART_OK;
  case ART_HASHLIST_DFXML:
    write_dfxml(w, r);
    return ART_OK;
  default:
    break;
  }
  /* hashdeep and sum lists have no place for failures: the tool reports
   * them on stderr. */
  if (r->status != ART_OK || !r->hash)
    return ART_OK;
  if (w->format == ART_HASHLIST_HASHDEEP)
    write_hashdeep(w, r);
  else
    write_sum(w, r);
  return ART_OK;
}

art_status art_hashlist_writer_finish(art_ctx *ctx, art_hashlist_writer *w)
{
  (void)ctx;
  if (w->format == ART_HASHLIST_DFXML)
    fputs("</dfxml>\n", w->out);
  return ART_OK;
}

void art_hashlist_writer_free(art_hashlist_writer *w)
{
  free(w);
}
