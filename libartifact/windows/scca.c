/* Windows prefetch files through libscca (versions 17, 23, 26, 30, and
 * the MAM-compressed form of Windows 10, which libscca decompresses).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Windows 11 writes version 31, which libscca 20200717 refuses by its
 * version number alone: the layout is version 30's (plaso reads both with
 * one code path). Such a file is decompressed here with libfwnt (the
 * LZXPRESS Huffman decoder libscca itself uses), its version field set to
 * 30 in the copy, and read by libscca; its events say format_version 31.
 * libfwnt is loaded in a link-map namespace of its own (win_dlmopen):
 * libscca and libregf export the copies they bundle, and a linked libfwnt
 * would take their place.
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
#include <pthread.h>
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

static struct {
  __typeof__(libfwnt_lzxpress_huffman_decompress) *decompress;
  __typeof__(libfwnt_error_free) *error_free;
} fwnt;
static pthread_once_t fwnt_once = PTHREAD_ONCE_INIT;
static char fwnt_err[256];

static void fwnt_load(void)
{
  void *h, *b;
  if (win_dlmopen("libfwnt.so.1", &h, &b, fwnt_err, sizeof fwnt_err) ||
      win_dlsym(h, b, "libfwnt_lzxpress_huffman_decompress",
                (void **)&fwnt.decompress, fwnt_err, sizeof fwnt_err) ||
      win_dlsym(h, b, "libfwnt_error_free", (void **)&fwnt.error_free, fwnt_err,
                sizeof fwnt_err))
    fwnt.decompress = NULL;
}

/* *DATA as libscca is given it. A MAM file (Windows 10 and 11 compress
 * their prefetch files) is decompressed here, once, and must give the size
 * its header announces: libscca's own decoder reads a cut file to garbage
 * (half of ONEDRIVE.EXE's gives 3,453 file names, in sccainfo too). When
 * libfwnt cannot be loaded or refuses the data, libscca decompresses it
 * itself. Version 31 is then set to 30 (*V31). 0, or -1 with WHY (the
 * data was cut). *DATA and *N may be replaced (the old buffer freed). */
static int
prefetch_plain(unsigned char **data, size_t *n, int *v31, char *why, size_t wn)
{
  unsigned char *d = *data;
  if (*n >= 8 && memcmp(d, "MAM\x04", 4) == 0) {
    uint32_t size = win_le32(d + 4);
    size_t un = size;
    unsigned char *u;
    libfwnt_error_t *e = NULL;
    pthread_once(&fwnt_once, fwnt_load);
    if (!fwnt.decompress || size < 84 || size > MAM_MAX || !(u = malloc(size)))
      return 0;
    if (fwnt.decompress(d + 8, *n - 8, u, &un, &e) != 1) {
      fwnt.error_free(&e);
      free(u);
      return 0;
    }
    if (un != size) {
      snprintf(why, wn,
               "compressed prefetch (MAM) cut short: its data gives %zu of "
               "the %" PRIu32 " bytes its header announces",
               un, size);
      free(u);
      return -1;
    }
    free(d);
    *data = d = u;
    *n = un;
  }
  if (*n >= 84 && memcmp(d + 4, "SCCA", 4) == 0 && win_le32(d) == 31) {
    d[0] = 30;
    *v31 = 1;
  }
  return 0;
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
  char why[160];
  if (prefetch_plain(&data, &n, &v31, why, sizeof why) < 0) {
    char none[1] = "";
    st = win_lib_fail(ctx, ART_ERR_FORMAT, in->name, why, none);
    goto out;
  }
  int o = scca_open(ctx, in->name, data, n, &h, &file, &e, &st);
  if (o < 0)
    goto out;
  if (o == 0 && v31) {
    st = scca_fail(ctx, ART_ERR_FORMAT, in->name,
                   "Windows 11 prefetch (format version 31) not readable "
                   "with version 30's layout",
                   e);
    goto out;
  }
  if (o == 0) {
    /* What libscca refuses here is mostly a format version it does not
     * know (20200717 reads 17, 23, 26 and 30; 31 is read above), or a MAM
     * file libfwnt could not decompress (libscca then tried itself). Say
     * so rather than "unable to read from file handle". */
    char chain[1024] = "";
    if (e)
      libscca_error_backtrace_sprint(e, chain, sizeof chain);
    int mam = n >= 8 && memcmp(data, "MAM\x04", 4) == 0;
    int badver = strstr(chain, "unsupported format version") != NULL;
    uint32_t hv = n >= 8 && !mam ? win_le32(data) : 0;
    char what[384];
    if (badver && mam && fwnt_err[0])
      snprintf(what, sizeof what,
               "compressed prefetch (MAM) of a version libscca does not read, "
               "and version 31's reader is missing: %s",
               fwnt_err);
    else if (badver && mam)
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
