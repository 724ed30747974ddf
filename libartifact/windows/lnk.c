/* Windows shortcuts (liblnk) and jump lists: *.automaticDestinations-ms
 * (an OLE compound file of LNK streams and a DestList, via libolecf) and
 * *.customDestinations-ms (LNK records one after another).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each shortcut gives windows:lnk:link events (LNK / Windows Shortcut) for
 * the target's creation, modification and access times with its path.
 * DestList entries give olecf:dest_list:entry "Content Modification Time"
 * (JumpList).
 */
#include <errno.h>
#include <inttypes.h>
#include <libbfio.h>
#include <liblnk.h>
#include <libolecf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "win_private.h"

typedef int (*lnk_sz_fn)(liblnk_file_t *, size_t *, liblnk_error_t **);
typedef int (*lnk_str_fn)(liblnk_file_t *,
                          uint8_t *,
                          size_t,
                          liblnk_error_t **);
typedef int (*lnk_str16_fn)(liblnk_file_t *,
                            uint16_t *,
                            size_t,
                            liblnk_error_t **);
/* A string of the shortcut as UTF-8; when liblnk will not give UTF-8, its
 * UTF-16 form converted here (a lone surrogate written as "\uXXXX"). */
static char *lnk_str2(liblnk_file_t *f,
                      lnk_sz_fn szf,
                      lnk_str_fn sf,
                      lnk_sz_fn szf16,
                      lnk_str16_fn sf16)
{
  size_t n = 0;
  liblnk_error_t *e = NULL;
  if (szf(f, &n, &e) == 1 && n > 0 && n <= (1u << 20)) {
    char *s = malloc(n);
    if (s && sf(f, (uint8_t *)s, n, &e) == 1) {
      s[n - 1] = 0;
      return s;
    }
    free(s);
  }
  liblnk_error_free(&e);
  if (!szf16 || szf16(f, &n, &e) != 1 || n == 0 || n > (1u << 20)) {
    liblnk_error_free(&e);
    return NULL;
  }
  uint16_t *w = malloc(n * 2);
  char *out = NULL;
  if (w && sf16(f, w, n, &e) == 1) {
    unsigned char *b = malloc(n * 2);
    if (b) {
      for (size_t i = 0; i < n; i++) {
        b[2 * i] = (unsigned char)(w[i] & 0xff);
        b[2 * i + 1] = (unsigned char)(w[i] >> 8);
      }
      if (win_utf16(b, n, &out, NULL) != 0)
        out = NULL;
      free(b);
    }
  }
  liblnk_error_free(&e);
  free(w);
  return out;
}
#define lnk_str(f, name)                                                       \
  lnk_str2(f, liblnk_file_get_utf8_##name##_size, liblnk_file_get_utf8_##name, \
           liblnk_file_get_utf16_##name##_size, liblnk_file_get_utf16_##name)

static art_status lnk_fail(art_ctx *ctx,
                           art_status st,
                           const char *name,
                           const char *what,
                           liblnk_error_t *err)
{
  char msg[512] = "";
  if (err) {
    liblnk_error_sprint(err, msg, sizeof msg);
    liblnk_error_free(&err);
  }
  return win_lib_fail(ctx, st, name, what, msg);
}

/* liblnk allocates what a shortcut's size fields say before reading:
 * check every size against the bytes there first ([MS-SHLLINK] 2.2-2.5),
 * so a crafted size is an error, never a 4 GiB allocation. NULL when they
 * add up. */
static const char *lnk_sizes_bad(const unsigned char *d, size_t n)
{
  size_t o = 0x4c;
  if (n < o)
    return "shorter than its header";
  uint32_t flags = (uint32_t)d[0x14] | (uint32_t)d[0x15] << 8 |
                   (uint32_t)d[0x16] << 16 | (uint32_t)d[0x17] << 24;
  if (flags & 0x1) { /* HasLinkTargetIDList */
    if (n - o < 2)
      return "cut in its target ID list";
    o += 2u + (size_t)(d[o] | d[o + 1] << 8);
    if (o > n)
      return "target ID list longer than the file";
  }
  if (flags & 0x2) { /* HasLinkInfo */
    if (n - o < 4)
      return "cut in its link information";
    uint32_t sz = (uint32_t)d[o] | (uint32_t)d[o + 1] << 8 |
                  (uint32_t)d[o + 2] << 16 | (uint32_t)d[o + 3] << 24;
    if (sz > n - o)
      return "link information longer than the file";
    o += sz;
  }
  /* NAME, RELATIVE_PATH, WORKING_DIR, ARGUMENTS, ICON_LOCATION */
  for (uint32_t bit = 0x4; bit <= 0x40; bit <<= 1) {
    if (!(flags & bit))
      continue;
    if (n - o < 2)
      return "cut in its strings";
    size_t chars = (size_t)(d[o] | d[o + 1] << 8);
    o += 2 + chars * ((flags & 0x80) ? 2 : 1);
    if (o > n)
      return "a string longer than the file";
  }
  while (n - o >= 4) { /* extra data blocks, a size under 4 ends them */
    uint32_t sz = (uint32_t)d[o] | (uint32_t)d[o + 1] << 8 |
                  (uint32_t)d[o + 2] << 16 | (uint32_t)d[o + 3] << 24;
    if (sz < 4)
      break;
    if (sz > n - o)
      return "an extra data block longer than the file";
    o += sz;
  }
  return NULL;
}

void win_lnk_info_free(win_lnk_info *li)
{
  if (!li)
    return;
  free(li->local);
  free(li->net);
  free(li->rel);
  free(li->wd);
  free(li->args);
  free(li->desc);
  free(li->icon);
  free(li->env);
  free(li->mach);
  free(li->label);
  memset(li, 0, sizeof *li);
}

art_status win_lnk_read(art_ctx *ctx,
                        const unsigned char *data,
                        size_t n,
                        const char *origin,
                        win_lnk_info *li)
{
  libbfio_handle_t *h = NULL;
  liblnk_file_t *f = NULL;
  liblnk_error_t *e = NULL;
  art_status st = ART_OK;
  memset(li, 0, sizeof *li);
  const char *why = lnk_sizes_bad(data, n);
  if (why)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: not a readable shortcut: %s", origin, why);
  if (win_bfio_open(libbfio_handle_initialize, data, n, &h) != 1) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", origin);
    goto out;
  }
  if (liblnk_file_initialize(&f, &e) != 1) {
    st = lnk_fail(ctx, ART_ERR_NOMEM, origin, "liblnk", e);
    goto out;
  }
  if (liblnk_file_open_file_io_handle(f, h, LIBLNK_OPEN_READ, &e) != 1) {
    st = lnk_fail(ctx, ART_ERR_FORMAT, origin, "not a readable shortcut", e);
    goto out;
  }
  if (liblnk_file_get_file_creation_time(f, &li->ctime, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_file_modification_time(f, &li->mtime, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_file_access_time(f, &li->atime, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_file_size(f, &li->size, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_file_attribute_flags(f, &li->attrs, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_icon_index(f, &li->icon_index, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_show_window_value(f, &li->show_window, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_hot_key_value(f, &li->hot_key, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_data_flags(f, &li->data_flags, &e) != 1)
    liblnk_error_free(&e);
  if (liblnk_file_get_drive_type(f, &li->drive_type, &e) == 1)
    li->has_volume = 1;
  else
    liblnk_error_free(&e);
  if (liblnk_file_get_drive_serial_number(f, &li->drive_serial, &e) != 1)
    liblnk_error_free(&e);
  li->local = lnk_str(f, local_path);
  li->net = lnk_str(f, network_path);
  li->rel = lnk_str(f, relative_path);
  li->wd = lnk_str(f, working_directory);
  li->args = lnk_str(f, command_line_arguments);
  li->desc = lnk_str(f, description);
  li->icon = lnk_str(f, icon_location);
  li->env = lnk_str(f, environment_variables_location);
  li->label = lnk_str(f, volume_label);
  if (liblnk_file_has_distributed_link_tracking_data(f, &e) == 1) {
    li->mach = lnk_str(f, machine_identifier);
    if (liblnk_file_get_droid_file_identifier(f, li->droid_file, 16, &e) == 1)
      li->has_droid = 1;
    liblnk_error_free(&e);
    if (liblnk_file_get_birth_droid_file_identifier(f, li->birth_droid_file, 16,
                                                    &e) == 1)
      li->has_birth_droid = 1;
  }
  liblnk_error_free(&e);
  liblnk_file_close(f, NULL);
out:
  liblnk_file_free(&f, NULL);
  libbfio_handle_free(&h, NULL);
  return st;
}

/* Parse one LNK held in DATA; ORIGIN names it in messages ("file" or
 * "file: stream 1a"). */
static art_status lnk_events(art_ctx *ctx,
                             unsigned char *data,
                             size_t n,
                             const char *origin,
                             const char *stream,
                             art_win_event_fn fn,
                             void *user,
                             size_t *consumed)
{
  win_rec r = {0};
  win_lnk_info li;
  art_status st = win_lnk_read(ctx, data, n, origin, &li);
  if (st != ART_OK)
    return st;
  uint64_t size = li.size;
  uint32_t attrs = li.attrs;
  char *local = li.local, *net = li.net, *rel = li.rel, *wd = li.wd,
       *args = li.args, *desc = li.desc, *icon = li.icon, *env = li.env,
       *mach = li.mach;
  const char *target = local ? local : net ? net : rel ? rel : env;
  win_rec_reset(&r);
  if (stream)
    win_attr(&r, "stream", "%s", stream);
  win_attr(&r, "target_path", "%s", target ? target : "");
  if (local)
    win_attr(&r, "local_path", "%s", local);
  if (net)
    win_attr(&r, "network_path", "%s", net);
  if (rel)
    win_attr(&r, "relative_path", "%s", rel);
  if (wd)
    win_attr(&r, "working_directory", "%s", wd);
  if (args)
    win_attr(&r, "command_line_arguments", "%s", args);
  if (desc)
    win_attr(&r, "description", "%s", desc);
  if (icon)
    win_attr(&r, "icon_location", "%s", icon);
  if (env)
    win_attr(&r, "env_var_location", "%s", env);
  if (mach)
    win_attr(&r, "machine_identifier", "%s", mach);
  win_attr(&r, "file_size", "%" PRIu64, size);
  win_attr(&r, "file_attribute_flags", "0x%08" PRIx32, attrs);
  static const char *const descs[3] = {
      "Creation Time", "Content Modification Time", "Last Access Time"};
  uint64_t fts[3] = {li.ctime, li.mtime, li.atime};
  for (int i = 0; i < 3 && st == ART_OK; i++)
    st = win_emit_ft(&r, ctx, fn, user, fts[i], "windows:lnk:link", descs[i],
                     "LNK", "Windows Shortcut",
                     "[%s] File size: %" PRIu64
                     " File attribute flags: 0x%08" PRIx32
                     " Local path: %s Working dir: %s Command line "
                     "arguments: %s%s%s",
                     desc ? desc : "Empty description", size, attrs,
                     target ? target : "-", wd ? wd : "-", args ? args : "-",
                     stream ? " Stream: " : "", stream ? stream : "");
  if (consumed) {
    /* how far the LNK went: liblnk does not say; the caller searches for
     * the next header instead */
    *consumed = 0;
  }
  win_lnk_info_free(&li);
  win_rec_free(&r);
  return st;
}

art_status art_win_parse_lnk(art_ctx *ctx,
                             const art_win_input *in,
                             art_win_event_fn fn,
                             void *user)
{
  unsigned char *data = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &data, &n);
  if (st != ART_OK)
    return st;
  st = lnk_events(ctx, data, n, in->name, NULL, fn, user, NULL);
  free(data);
  return st;
}

/* customDestinations-ms: a header, then categories of LNK records; find
 * each LNK header (0x4C + the shell link CLSID) and parse from there. */
art_status art_win_parse_jumplist_custom(art_ctx *ctx,
                                         const art_win_input *in,
                                         art_win_event_fn fn,
                                         void *user)
{
  static const unsigned char hdr[20] = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02,
                                        0,    0, 0, 0, 0,    0xC0, 0,
                                        0,    0, 0, 0, 0,    0x46};
  unsigned char *data = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &data, &n);
  if (st != ART_OK)
    return st;
  size_t found = 0, bad = 0;
  for (size_t off = 0; off + sizeof hdr <= n && st == ART_OK;) {
    unsigned char *p = memmem(data + off, n - off, hdr, sizeof hdr);
    if (!p)
      break;
    size_t at = (size_t)(p - data);
    size_t next = at + sizeof hdr;
    unsigned char *q = memmem(data + next, n - next, hdr, sizeof hdr);
    size_t end = q ? (size_t)(q - data) : n;
    char label[64];
    snprintf(label, sizeof label, "LNK at offset %zu", at);
    st = lnk_events(ctx, p, end - at, in->name, label, fn, user, NULL);
    if (st == ART_ERR_FORMAT) {
      bad++;
      st = ART_OK;
    } else if (st == ART_OK) {
      found++;
    }
    off = end;
  }
  int v2 = n >= 4 && win_le32(data) == 2; /* header version 2 */
  free(data);
  if (st == ART_OK && found == 0 && bad == 0 && v2)
    return ART_OK; /* a jump list with no entries */
  if (st == ART_OK && found == 0)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: no shortcut in this custom jump list", in->name);
  if (st == ART_OK && bad)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: %zu shortcuts could not be read", in->name, bad);
  return st;
}

/* ------------------------------------------------------------- OLE */

static art_status ole_fail(art_ctx *ctx,
                           art_status st,
                           const char *name,
                           const char *what,
                           libolecf_error_t *err)
{
  char msg[512] = "";
  if (err) {
    libolecf_error_sprint(err, msg, sizeof msg);
    libolecf_error_free(&err);
  }
  return win_lib_fail(ctx, st, name, what, msg);
}

static unsigned char *item_data(libolecf_item_t *it, size_t *n)
{
  uint32_t sz = 0;
  libolecf_error_t *e = NULL;
  *n = 0;
  if (libolecf_item_get_size(it, &sz, &e) != 1 || sz == 0 || sz > (64u << 20)) {
    libolecf_error_free(&e);
    return NULL;
  }
  unsigned char *d = malloc(sz);
  if (!d)
    return NULL;
  ssize_t r = libolecf_stream_read_buffer(it, d, sz, &e);
  if (r != (ssize_t)sz) {
    libolecf_error_free(&e);
    free(d);
    return NULL;
  }
  *n = sz;
  return d;
}

/* DestList (format version 1 on Windows 7/8, 3 and 4 on 10): a 32-byte
 * header, then entries: droid volume/file GUIDs, birth GUIDs, a 16-byte
 * NetBIOS name, the entry number (hex = the stream name), the
 * modification FILETIME, a pin status and a UTF-16 path. */
static art_status destlist(art_ctx *ctx,
                           const unsigned char *d,
                           size_t n,
                           const char *name,
                           art_win_event_fn fn,
                           void *user)
{
  if (n < 32)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: DestList too short",
                          name);
  uint32_t ver = win_le32(d);
  uint32_t count = win_le32(d + 4);
  size_t off = 32;
  win_rec r = {0};
  art_status st = ART_OK;
  for (uint32_t i = 0; i < count && st == ART_OK; i++) {
    /* v1: 114 fixed bytes before the path length; v3/4: 130 */
    size_t fixed = ver >= 3 ? 128 : 112;
    if (off + fixed + 2 > n) {
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: DestList entry %u truncated", name, i);
      break;
    }
    const unsigned char *e = d + off;
    char host[17];
    memcpy(host, e + 72, 16);
    host[16] = 0;
    for (int k = 0; k < 16; k++)
      if ((unsigned char)host[k] < 0x20 || (unsigned char)host[k] > 0x7E)
        host[k] = host[k] ? '?' : 0;
    uint64_t entry = win_le32(e + 88);
    uint64_t ft = win_le64(e + 100);
    int32_t pin = (int32_t)win_le32(e + 108);
    size_t plen = win_le16(e + fixed);
    if (off + fixed + 2 + plen * 2 > n) {
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: DestList entry %u path truncated", name, i);
      break;
    }
    char *path = NULL;
    if (win_utf16(e + fixed + 2, plen, &path, NULL)) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", name);
      break;
    }
    win_rec_reset(&r);
    win_attr(&r, "entry_number", "%" PRIu64, entry);
    win_attr(&r, "stream", "%" PRIx64, entry);
    win_attr(&r, "hostname", "%s", host);
    win_attr(&r, "path", "%s", path);
    win_attr(&r, "pin_status", "%" PRId32, pin);
    st = win_emit_ft(&r, ctx, fn, user, ft, "olecf:dest_list:entry",
                     "Content Modification Time", "LNK", "JumpList",
                     "Entry: %" PRIu64 " Pin status: %s Hostname: %s "
                     "Path: %s",
                     entry, pin == -1 ? "Unpinned" : "Pinned", host, path);
    free(path);
    off += fixed + 2 + plen * 2 + (ver >= 3 ? 4 : 0);
  }
  win_rec_free(&r);
  return st;
}

art_status art_win_parse_jumplist_auto(art_ctx *ctx,
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
  libolecf_file_t *f = NULL;
  libolecf_error_t *e = NULL;
  libolecf_item_t *root = NULL;
  size_t bad = 0;
  if (win_bfio_open(libbfio_handle_initialize, data, n, &h) != 1) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
    goto out;
  }
  if (libolecf_file_initialize(&f, &e) != 1) {
    st = ole_fail(ctx, ART_ERR_NOMEM, in->name, "libolecf", e);
    goto out;
  }
  if (libolecf_file_open_file_io_handle(f, h, LIBOLECF_OPEN_READ, &e) != 1) {
    st = ole_fail(ctx, ART_ERR_FORMAT, in->name, "not a readable OLE file", e);
    goto out;
  }
  if (libolecf_file_get_root_item(f, &root, &e) != 1) {
    st = ole_fail(ctx, ART_ERR_CORRUPT, in->name, "no root item", e);
    goto close;
  }
  int ni = 0;
  if (libolecf_item_get_number_of_sub_items(root, &ni, &e) != 1) {
    libolecf_error_free(&e);
    ni = 0;
  }
  for (int i = 0; i < ni && st == ART_OK; i++) {
    libolecf_item_t *it = NULL;
    if (libolecf_item_get_sub_item(root, i, &it, &e) != 1) {
      libolecf_error_free(&e);
      bad++;
      continue;
    }
    char name[64] = "";
    size_t nn = 0;
    if (libolecf_item_get_utf8_name_size(it, &nn, &e) == 1 && nn &&
        nn <= sizeof name &&
        libolecf_item_get_utf8_name(it, (uint8_t *)name, nn, &e) == 1)
      name[nn - 1] = 0;
    libolecf_error_free(&e);
    size_t dn = 0;
    unsigned char *d = item_data(it, &dn);
    if (d && strcmp(name, "DestList") == 0) {
      st = destlist(ctx, d, dn, in->name, fn, user);
    } else if (d && dn >= 20 && win_le32(d) == 0x4C) {
      char label[80];
      snprintf(label, sizeof label, "%s", name);
      st = lnk_events(ctx, d, dn, in->name, label, fn, user, NULL);
      if (st == ART_ERR_FORMAT) {
        bad++;
        st = ART_OK;
      }
    }
    free(d);
    libolecf_item_free(&it, NULL);
  }
  if (st == ART_OK && bad)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: %zu streams could not be read", in->name, bad);
close:
  libolecf_item_free(&root, NULL);
  libolecf_file_close(f, NULL);
out:
  libolecf_file_free(&f, NULL);
  libbfio_handle_free(&h, NULL);
  free(data);
  return st;
}
