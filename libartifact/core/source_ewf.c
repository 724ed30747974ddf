/* EnCase E01 (EWF) images through libewf: media bytes, stored hashes and
 * header values.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <errno.h>
#include <fcntl.h>
#include <libewf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct art__ewf {
  libewf_handle_t *handle;
  uint64_t size;
  uint32_t bps; /* bytes per sector */
  char **segs;  /* segment file names, as found beside the first */
  unsigned n_segs;
  char *missing; /* the first segment file found missing, or NULL */
  uint64_t bad_first, bad_count; /* sectors of the last damaged range met */
  art__kv *hashes;
  size_t n_hashes;
  art__kv *headers;
  size_t n_headers;
};

static const unsigned char ewf_sig[8] = {'E',  'V',  'F',  0x09,
                                         0x0d, 0x0a, 0xff, 0x00};

int art__ewf_signature(const unsigned char *buf, size_t len)
{
  return len >= sizeof ewf_sig && memcmp(buf, ewf_sig, sizeof ewf_sig) == 0;
}

/* libewf's error as text, freed. */
static void ewf_reason(libewf_error_t *err, char *buf, size_t len)
{
  buf[0] = '\0';
  if (err) {
    libewf_error_sprint(err, buf, len);
    libewf_error_free(&err);
  }
  art__libyal_last_line(buf, len, "libewf error");
}

/* Name of segment NUMBER (1-based) in the naming of FIRST (NAME.E01 or
 * NAME.s01 ...): the last two characters replaced, for numbers up to 99;
 * "segment N" past that (the letter series E0A.. is not guessed). */
static char *segment_name(art_ctx *ctx, const char *first, unsigned number)
{
  size_t n = strlen(first);
  char *out;
  if (number >= 1 && number <= 99 && n >= 4 && first[n - 4] == '.') {
    out = art__strdup(ctx, first);
    if (out) {
      out[n - 2] = (char)('0' + number / 10);
      out[n - 1] = (char)('0' + number % 10);
    }
    return out;
  }
  out = malloc(32);
  if (out)
    snprintf(out, 32, "segment %u", number);
  else
    art__set_error(ctx, ART_ERR_NOMEM, 0, "out of memory");
  return out;
}

static uint64_t le64(const unsigned char *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* Whether the last section of the segment file at PATH is "next" (another
 * segment follows) rather than "done". 1: next, 0: done or undecided. */
static int ends_with_next(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
  struct stat st;
  int next = 0;
  if (fd < 0 && errno == EPERM)
    fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return 0;
  }
  uint64_t off = 13, fsize = (uint64_t)st.st_size;
  for (unsigned k = 0; k < (1u << 22) && off + 76 <= fsize; k++) {
    unsigned char d[32];
    if (pread(fd, d, sizeof d, (off_t)off) != (ssize_t)sizeof d)
      break;
    if (memcmp(d, "done", 5) == 0)
      break;
    if (memcmp(d, "next", 5) == 0) {
      next = 1;
      break;
    }
    uint64_t nx = le64(d + 16);
    if (nx <= off)
      break;
    off = nx;
  }
  close(fd);
  return next;
}

/* A gap in the segment numbers, or a last segment that says another one
 * follows: remember the first missing segment's name. */
static art_status find_missing(art_ctx *ctx, art__ewf *ewf)
{
  unsigned want = 1;
  for (unsigned i = 0; i < ewf->n_segs; i++, want++) {
    unsigned char h[13];
    int fd = open(ewf->segs[i], O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
      fd = open(ewf->segs[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue;
    ssize_t n = pread(fd, h, sizeof h, 0);
    close(fd);
    if (n != (ssize_t)sizeof h || !art__ewf_signature(h, sizeof h))
      continue;
    unsigned number = (unsigned)h[9] | (unsigned)h[10] << 8;
    if (number > want)
      break;
  }
  if (want <= ewf->n_segs ||
      (ewf->n_segs > 0 && ends_with_next(ewf->segs[ewf->n_segs - 1]))) {
    ewf->missing = segment_name(ctx, ewf->segs[0], want);
    if (!ewf->missing)
      return ART_ERR_NOMEM;
  }
  return ART_OK;
}

typedef int (*ewf_count_fn)(libewf_handle_t *, uint32_t *, libewf_error_t **);
typedef int (*ewf_idsize_fn)(libewf_handle_t *,
                             uint32_t,
                             size_t *,
                             libewf_error_t **);
typedef int (*ewf_id_fn)(
    libewf_handle_t *, uint32_t, uint8_t *, size_t, libewf_error_t **);
typedef int (*ewf_valsize_fn)(
    libewf_handle_t *, const uint8_t *, size_t, size_t *, libewf_error_t **);
typedef int (*ewf_val_fn)(libewf_handle_t *,
                          const uint8_t *,
                          size_t,
                          uint8_t *,
                          size_t,
                          libewf_error_t **);

/* Read every identifier/value pair of one kind (hashes or header values).
 * Missing values are skipped: an image need not carry them. */
static art_status read_pairs(art_ctx *ctx,
                             libewf_handle_t *h,
                             ewf_count_fn count,
                             ewf_idsize_fn idsize,
                             ewf_id_fn id,
                             ewf_valsize_fn valsize,
                             ewf_val_fn val,
                             art__kv **out,
                             size_t *n_out)
{
  uint32_t n = 0;
  art__kv *kv = NULL;
  size_t used = 0;
  *out = NULL;
  *n_out = 0;
  if (count(h, &n, NULL) != 1 || n == 0)
    return ART_OK;
  kv = art__calloc(ctx, n, sizeof *kv);
  if (!kv)
    return ART_ERR_NOMEM;
  for (uint32_t i = 0; i < n; i++) {
    size_t isz = 0, vsz = 0;
    uint8_t *ident = NULL, *value = NULL;
    if (idsize(h, i, &isz, NULL) != 1 || isz == 0)
      continue;
    ident = calloc(1, isz + 1);
    if (!ident || id(h, i, ident, isz, NULL) != 1) {
      free(ident);
      continue;
    }
    size_t ilen = strlen((char *)ident);
    if (valsize(h, ident, ilen, &vsz, NULL) != 1 || vsz == 0) {
      free(ident);
      continue;
    }
    value = calloc(1, vsz + 1);
    if (!value || val(h, ident, ilen, value, vsz, NULL) != 1 || !value[0]) {
      free(ident);
      free(value);
      continue;
    }
    kv[used].key = (char *)ident;
    kv[used].value = (char *)value;
    used++;
  }
  *out = kv;
  *n_out = used;
  return ART_OK;
}

art_status art__ewf_open(art_ctx *ctx,
                         const char *path,
                         art__ewf **out,
                         uint64_t *media_size,
                         unsigned *segments)
{
  libewf_error_t *err = NULL;
  char **names = NULL;
  int n_names = 0;
  char reason[512];
  art_status st = ART_OK;
  art__ewf *ewf = NULL;

  *out = NULL;
  ewf = art__calloc(ctx, 1, sizeof *ewf);
  if (!ewf)
    return ART_ERR_NOMEM;
  if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names, &n_names,
                  &err) != 1) {
    ewf_reason(err, reason, sizeof reason);
    st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "%s: cannot find the E01 segment files: %s", path,
                        reason);
    goto out;
  }
  if (libewf_handle_initialize(&ewf->handle, &err) != 1) {
    ewf_reason(err, reason, sizeof reason);
    st = art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: %s", path, reason);
    goto out;
  }
  if (libewf_handle_open(ewf->handle, names, n_names,
                         libewf_get_access_flags_read(), &err) != 1) {
    ewf_reason(err, reason, sizeof reason);
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: not a readable E01 image: %s", path, reason);
    goto out;
  }
  /* A damaged chunk must fail the read rather than come back as zeros, so
   * a corrupt image can never hash clean. */
  libewf_handle_set_read_zero_chunk_on_error(ewf->handle, 0, NULL);
  if (libewf_handle_get_media_size(ewf->handle, &ewf->size, &err) != 1) {
    ewf_reason(err, reason, sizeof reason);
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: %s", path, reason);
    goto out;
  }
  st = read_pairs(ctx, ewf->handle, libewf_handle_get_number_of_hash_values,
                  libewf_handle_get_hash_value_identifier_size,
                  libewf_handle_get_hash_value_identifier,
                  libewf_handle_get_utf8_hash_value_size,
                  libewf_handle_get_utf8_hash_value, &ewf->hashes,
                  &ewf->n_hashes);
  if (st != ART_OK)
    goto out;
  st = read_pairs(ctx, ewf->handle, libewf_handle_get_number_of_header_values,
                  libewf_handle_get_header_value_identifier_size,
                  libewf_handle_get_header_value_identifier,
                  libewf_handle_get_utf8_header_value_size,
                  libewf_handle_get_utf8_header_value, &ewf->headers,
                  &ewf->n_headers);
  if (st != ART_OK)
    goto out;
  /* libewf keeps hash identifiers as "MD5"/"SHA1": report lower case. */
  for (size_t i = 0; i < ewf->n_hashes; i++)
    for (char *p = ewf->hashes[i].key; *p; p++)
      if (*p >= 'A' && *p <= 'Z')
        *p = (char)(*p - 'A' + 'a');
  if (libewf_handle_get_bytes_per_sector(ewf->handle, &ewf->bps, NULL) != 1 ||
      ewf->bps == 0)
    ewf->bps = 512;
  ewf->segs = art__calloc(ctx, (size_t)n_names, sizeof *ewf->segs);
  if (!ewf->segs) {
    st = ART_ERR_NOMEM;
    goto out;
  }
  for (int i = 0; i < n_names; i++) {
    if (!(ewf->segs[i] = art__strdup(ctx, names[i]))) {
      st = ART_ERR_NOMEM;
      goto out;
    }
    ewf->n_segs++;
  }
  if ((st = find_missing(ctx, ewf)) != ART_OK)
    goto out;
  *media_size = ewf->size;
  *segments = (unsigned)n_names;
out:
  if (names)
    libewf_glob_free(names, n_names, NULL);
  if (st != ART_OK) {
    art__ewf_close(ewf);
    return st;
  }
  *out = ewf;
  return ART_OK;
}

art_status art__ewf_pread(art_ctx *ctx,
                          art__ewf *ewf,
                          const char *path,
                          void *buf,
                          size_t len,
                          uint64_t offset,
                          size_t *got)
{
  libewf_error_t *err = NULL;
  char reason[512];
  ssize_t n;
  *got = 0;
  if (offset >= ewf->size)
    return ART_OK;
  if (len > ewf->size - offset)
    len = (size_t)(ewf->size - offset);
  n = libewf_handle_read_random(ewf->handle, buf, len, (off64_t)offset, &err);
  if (n < 0) {
    ewf_reason(err, reason, sizeof reason);
    if (ewf->missing)
      return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                            "%s: cannot read media offset %llu: segment file "
                            "%s is missing (%s)",
                            path, (unsigned long long)offset, ewf->missing,
                            reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: corrupt E01 data near media offset %llu: %s",
                          path, (unsigned long long)offset, reason);
  }
  /* libewf keeps every damaged range it has met on the handle: only the
   * ranges this read overlaps belong to it. The first one cuts the read. */
  uint32_t nbad = 0;
  uint64_t lo = offset / ewf->bps, hi = (offset + (uint64_t)n) / ewf->bps;
  if ((offset + (uint64_t)n) % ewf->bps)
    hi++;
  uint64_t cut_first = 0, cut_count = 0;
  int cut = 0;
  if (n > 0 && libewf_handle_get_number_of_checksum_errors(ewf->handle, &nbad,
                                                           NULL) == 1) {
    for (uint32_t i = 0; i < nbad; i++) {
      uint64_t first = 0, count = 0;
      if (libewf_handle_get_checksum_error(ewf->handle, i, &first, &count,
                                           NULL) != 1 ||
          count == 0)
        continue;
      if (first >= hi || first + count <= lo)
        continue;
      if (!cut || first < cut_first) {
        cut_first = first;
        cut_count = count;
        cut = 1;
      }
    }
  }
  if (cut) {
    uint64_t bad_off = cut_first * ewf->bps;
    *got = bad_off > offset ? (size_t)(bad_off - offset) : 0;
    ewf->bad_first = cut_first;
    ewf->bad_count = cut_count;
    if (ewf->missing)
      return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                            "%s: sectors %llu-%llu unreadable: segment file "
                            "%s is missing",
                            path, (unsigned long long)cut_first,
                            (unsigned long long)(cut_first + cut_count - 1),
                            ewf->missing);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: E01 checksum error in sectors %llu-%llu "
                          "(%llu sectors)",
                          path, (unsigned long long)cut_first,
                          (unsigned long long)(cut_first + cut_count - 1),
                          (unsigned long long)cut_count);
  }
  *got = (size_t)n;
  return ART_OK;
}

int art__ewf_last_bad(const art__ewf *ewf, uint64_t *first, uint64_t *count)
{
  *first = ewf->bad_first;
  *count = ewf->bad_count;
  return ewf->bad_count != 0;
}

unsigned art__ewf_segment_count(const art__ewf *ewf)
{
  return ewf->n_segs;
}

const char *art__ewf_segment(const art__ewf *ewf, unsigned i)
{
  return i < ewf->n_segs ? ewf->segs[i] : NULL;
}

const char *art__ewf_missing(const art__ewf *ewf)
{
  return ewf->missing;
}

size_t art__ewf_hash_count(const art__ewf *ewf)
{
  return ewf->n_hashes;
}

const art__kv *art__ewf_hash(const art__ewf *ewf, size_t i)
{
  return i < ewf->n_hashes ? &ewf->hashes[i] : NULL;
}

size_t art__ewf_header_count(const art__ewf *ewf)
{
  return ewf->n_headers;
}

const art__kv *art__ewf_header(const art__ewf *ewf, size_t i)
{
  return i < ewf->n_headers ? &ewf->headers[i] : NULL;
}

static void free_pairs(art__kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

void art__ewf_close(art__ewf *ewf)
{
  if (!ewf)
    return;
  if (ewf->handle) {
    libewf_handle_close(ewf->handle, NULL);
    libewf_handle_free(&ewf->handle, NULL);
  }
  free_pairs(ewf->hashes, ewf->n_hashes);
  free_pairs(ewf->headers, ewf->n_headers);
  for (unsigned i = 0; i < ewf->n_segs; i++)
    free(ewf->segs[i]);
  free(ewf->segs);
  free(ewf->missing);
  free(ewf);
}
