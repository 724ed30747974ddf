/* Windows prefetch files through libscca (versions 17, 23, 26, 30, and
 * the MAM-compressed form of Windows 10, which libscca decompresses).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Windows 11 writes version 31, which libscca 20200717 refuses by its
 * version number alone: the layout is version 30's (plaso reads both with
 * one code path). Such a file is decompressed here with libfwnt (the
 * LZXPRESS Huffman decoder libscca itself uses), its version field set to
 * 30 in the copy, and read by libscca; its events say format_version 31.
 *
 * Events: each stored last run time (up to eight) as
 * windows:prefetch:execution "Last Time Executed" (LOG / WinPrefetch), and
 * each volume's creation time as windows:volume:creation "Creation Time".
 */
#include <errno.h>
#include <inttypes.h>
#include <libbfio.h>
#include <libfwnt.h>
#include <libscca.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win_private.h"

static art_status scca_fail(art_ctx *ctx,
                            art_status st,
                            const char *name,
                            const char *what,
                            libscca_error_t *err)
{
  char msg[512] = "";
  if (err) {
    libscca_error_sprint(err, msg, sizeof msg);
    libscca_error_free(&err);
  }
  return win_lib_fail(ctx, st, name, what, msg);
}

#define MAM_MAX (64u << 20) /* prefetch files are kilobytes */

/* A version 31 file (MAM-compressed, as Windows 11 writes it, or already
 * decompressed), its version set to 30: the copy in *OUT (freed by the
 * caller), or 0 when DATA is not one. */
static int v31_as_v30(const unsigned char *data,
                      size_t n,
                      unsigned char **out,
                      size_t *out_n)
{
  if (n >= 84 && memcmp(data + 4, "SCCA", 4) == 0 && win_le32(data) == 31) {
    unsigned char *c = malloc(n);
    if (!c)
      return 0;
    memcpy(c, data, n);
    c[0] = 30;
    *out = c;
    *out_n = n;
    return 1;
  }
  if (n < 8 || memcmp(data, "MAM\x04", 4) != 0)
    return 0;
  uint32_t size = win_le32(data + 4);
  if (size < 84 || size > MAM_MAX)
    return 0;
  unsigned char *u = malloc(size);
  size_t un = size;
  libfwnt_error_t *e = NULL;
  if (!u ||
      libfwnt_lzxpress_huffman_decompress(data + 8, n - 8, u, &un, &e) != 1 ||
      un < 84 || memcmp(u + 4, "SCCA", 4) != 0 || win_le32(u) != 31) {
    libfwnt_error_free(&e);
    free(u);
    return 0;
  }
  u[0] = 30;
  *out = u;
  *out_n = un;
  return 1;
}

/* Open DATA with libscca through a memory handle: 1 open, 0 libscca
 * refused it (its error in *E), -1 out of memory (*ST set). */
static int scca_open(art_ctx *ctx,
                     const char *name,
                     unsigned char *data,
                     size_t n,
                     libbfio_handle_t **h,
                     libscca_file_t **file,
                     libscca_error_t **e,
                     art_status *st)
{
  if (win_bfio_open(libbfio_handle_initialize, data, n, h) != 1) {
    *st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", name);
    return -1;
  }
  if (libscca_file_initialize(file, e) != 1) {
    *st = scca_fail(ctx, ART_ERR_NOMEM, name, "libscca", *e);
    *e = NULL;
    return -1;
  }
  return libscca_file_open_file_io_handle(*file, *h, LIBSCCA_OPEN_READ, e) == 1;
}

art_status art_win_parse_prefetch(art_ctx *ctx,
                                  const art_win_input *in,
                                  art_win_event_fn fn,
                                  void *user)
{
  unsigned char *data = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &data, &n);
  if (st != ART_OK)
    return st;
  libbfio_handle_t *h = NULL;
  libscca_file_t *file = NULL;
  libscca_error_t *e = NULL;
  win_rec r = {0};
  char *exe = NULL, *files = NULL, *vols = NULL, *hint = NULL;
  size_t fl = 0, vl = 0;
  int v31 = 0;
  int o = scca_open(ctx, in->name, data, n, &h, &file, &e, &st);
  if (o == 0) {
    unsigned char *u = NULL;
    size_t un = 0;
    if (v31_as_v30(data, n, &u, &un)) {
      libscca_error_free(&e);
      libscca_file_free(&file, NULL);
      libbfio_handle_free(&h, NULL);
      free(data);
      data = u;
      n = un;
      o = scca_open(ctx, in->name, data, n, &h, &file, &e, &st);
      if (o == 0)
        st = scca_fail(ctx, ART_ERR_FORMAT, in->name,
                       "Windows 11 prefetch (format version 31) not readable "
                       "with version 30's layout",
                       e);
      if (o <= 0)
        goto out;
      v31 = 1;
      goto opened;
    }
    /* libscca decompresses Windows 10 prefetch files (MAM\x04 +
     * LZXPRESS Huffman) itself; what it refuses is a format version it
     * does not know (20200717 reads 17, 23, 26 and 30; 31 is read above).
     * Say so rather than "unable to read from file handle". */
    char chain[1024] = "";
    if (e)
      libscca_error_backtrace_sprint(e, chain, sizeof chain);
    int mam = n >= 8 && memcmp(data, "MAM\x04", 4) == 0;
    int badver = strstr(chain, "unsupported format version") != NULL;
    uint32_t hv = n >= 8 && !mam ? win_le32(data) : 0;
    char what[160];
    if (badver && mam)
      snprintf(what, sizeof what,
               "compressed prefetch (MAM) in a format version neither "
               "libscca nor we read (17, 23, 26, 30 and 31 are read)");
    else if (badver)
      snprintf(what, sizeof what,
               "prefetch format version %" PRIu32 " that libscca does not "
               "read (17, 23, 26, 30 and 31 are read)",
               hv);
    else
      snprintf(what, sizeof what, "not a readable prefetch file");
    st = scca_fail(ctx, badver ? ART_ERR_UNSUPPORTED : ART_ERR_FORMAT, in->name,
                   what, e);
    goto out;
  }
  if (o < 0)
    goto out;
opened:;
  uint32_t ver = 0, hash = 0, runs = 0;
  if (libscca_file_get_format_version(file, &ver, &e) != 1)
    libscca_error_free(&e);
  if (v31)
    ver = 31;
  if (libscca_file_get_prefetch_hash(file, &hash, &e) != 1)
    libscca_error_free(&e);
  if (libscca_file_get_run_count(file, &runs, &e) != 1)
    libscca_error_free(&e);
  size_t xn = 0;
  if (libscca_file_get_utf8_executable_filename_size(file, &xn, &e) == 1 &&
      xn && (exe = malloc(xn)) &&
      libscca_file_get_utf8_executable_filename(file, (uint8_t *)exe, xn, &e) ==
          1)
    exe[xn - 1] = 0;
  else {
    libscca_error_free(&e);
    free(exe);
    exe = NULL;
  }
  /* files referenced and volumes: kept as attributes */
  FILE *mf = open_memstream(&files, &fl);
  int nf = 0;
  if (libscca_file_get_number_of_filenames(file, &nf, &e) != 1) {
    libscca_error_free(&e);
    nf = 0;
  }
  const char *path_hint = NULL;
  for (int i = 0; i < nf && mf; i++) {
    size_t sn = 0;
    if (libscca_file_get_utf8_filename_size(file, i, &sn, &e) != 1 || !sn) {
      libscca_error_free(&e);
      continue;
    }
    char *s = malloc(sn);
    if (s &&
        libscca_file_get_utf8_filename(file, i, (uint8_t *)s, sn, &e) == 1) {
      s[sn - 1] = 0;
      fprintf(mf, "%s%s", i ? "; " : "", s);
      /* the path of the executable itself (plaso's path_hints): its
       * name, or, when the header cut it at 29 characters, a name that
       * begins so; the volume's device path is taken off below */
      const char *base = strrchr(s, '\\');
      base = base ? base + 1 : s;
      size_t el = exe ? strlen(exe) : 0;
      if (!hint && el &&
          (strcasecmp(base, exe) == 0 ||
           (el == 29 && strncasecmp(base, exe, el) == 0)))
        hint = strdup(s);
    } else {
      libscca_error_free(&e);
    }
    free(s);
  }
  if (mf)
    fclose(mf);
  path_hint = hint;
  int nvol = 0;
  if (libscca_file_get_number_of_volumes(file, &nvol, &e) != 1) {
    libscca_error_free(&e);
    nvol = 0;
  }
  mf = open_memstream(&vols, &vl);
  for (int i = 0; i < nvol && mf && st == ART_OK; i++) {
    libscca_volume_information_t *v = NULL;
    if (libscca_file_get_volume_information(file, i, &v, &e) != 1) {
      libscca_error_free(&e);
      continue;
    }
    uint64_t ct = 0;
    uint32_t serial = 0;
    if (libscca_volume_information_get_creation_time(v, &ct, &e) != 1) {
      libscca_error_free(&e);
      ct = 0;
    }
    if (libscca_volume_information_get_serial_number(v, &serial, &e) != 1)
      libscca_error_free(&e);
    size_t dn = 0;
    char *dev = NULL;
    if (libscca_volume_information_get_utf8_device_path_size(v, &dn, &e) == 1 &&
        dn && (dev = malloc(dn)) &&
        libscca_volume_information_get_utf8_device_path(v, (uint8_t *)dev, dn,
                                                        &e) == 1)
      dev[dn - 1] = 0;
    else {
      libscca_error_free(&e);
      free(dev);
      dev = NULL;
    }
    fprintf(mf, "%sserial number: 0x%08" PRIx32 " device path: %s",
            i ? "; " : "", serial, dev ? dev : "-");
    size_t dl = dev ? strlen(dev) : 0;
    if (hint && path_hint == hint && dl && strncmp(hint, dev, dl) == 0 &&
        hint[dl] == '\\')
      path_hint = hint + dl;
    win_rec_reset(&r);
    win_attr(&r, "device_path", "%s", dev ? dev : "");
    win_attr(&r, "serial_number", "0x%08" PRIx32, serial);
    win_attr(&r, "origin", "%s", exe ? exe : "");
    st = win_emit_ft(&r, ctx, fn, user, ct, "windows:volume:creation",
                     "Creation Time", "LOG", "WinPrefetch",
                     "%s Serial number: 0x%08" PRIX32 " Origin: %s",
                     dev ? dev : "-", serial, exe ? exe : "-");
    free(dev);
    libscca_volume_information_free(&v, NULL);
  }
  if (mf)
    fclose(mf);
  for (int i = 0; i < 8 && st == ART_OK; i++) {
    uint64_t ft = 0;
    if (libscca_file_get_last_run_time(file, i, &ft, &e) != 1) {
      libscca_error_free(&e);
      break;
    }
    win_rec_reset(&r);
    win_attr(&r, "executable", "%s", exe ? exe : "");
    win_attr(&r, "prefetch_hash", "0x%08" PRIx32, hash);
    win_attr(&r, "run_count", "%" PRIu32, runs);
    win_attr(&r, "format_version", "%" PRIu32, ver);
    win_attr(&r, "run_index", "%d", i);
    if (path_hint)
      win_attr(&r, "path_hints", "%s", path_hint);
    win_attr(&r, "number_of_volumes", "%d", nvol);
    win_attr(&r, "volumes", "%s", vols ? vols : "");
    win_attr(&r, "mapped_files", "%s", files ? files : "");
    st = win_emit_ft(&r, ctx, fn, user, ft, "windows:prefetch:execution",
                     "Last Time Executed", "LOG", "WinPrefetch",
                     "Prefetch [%s] was executed - run count %" PRIu32
                     " path hints: %s hash: 0x%08" PRIX32 " %s",
                     exe ? exe : "-", runs, path_hint ? path_hint : "-", hash,
                     vols ? vols : "");
  }
  libscca_file_close(file, NULL);
out:
  libscca_file_free(&file, NULL);
  libbfio_handle_free(&h, NULL);
  win_rec_free(&r);
  free(exe);
  free(hint);
  free(files);
  free(vols);
  free(data);
  return st;
}
