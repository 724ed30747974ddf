/* Shellbags: the BagMRU trees of NTUSER.DAT and UsrClass.dat, shell items
 * decoded with libfwsi.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each numbered value of a BagMRU key holds one shell item; the key's
 * sub-key of the same number holds the items below it, so paths are built
 * down the tree ("My Computer\C:\Windows\System32"). Events: one
 * windows:registry:bagmru per key at its last-written time (the paths of
 * its entries), and windows:shell_item:file_entry_event for the FAT
 * date-times a file-entry item stores (modification; creation and access
 * from its extension block). FAT date-times have no zone; they are shown
 * as stored (as plaso does).
 */
#include <errno.h>
#include <inttypes.h>
#include <libfwsi.h>
#include <libregf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "win_private.h"

#define BAG_MAX_DEPTH 64

typedef struct bags {
  art_ctx *ctx;
  art_win_event_fn fn;
  void *user;
  win_rec r;
  unsigned items;
} bags;

static const struct {
  const char *guid, *name;
} known[] = {{"20d04fe0-3aea-1069-a2d8-08002b30309d", "My Computer"},
             {"450d8fba-ad25-11d0-98a8-0800361b1103", "My Documents"},
             {"208d2c60-3aea-1069-a2d7-08002b30309d", "My Network Places"},
             {"21ec2020-3aea-1069-a2dd-08002b30309d", "Control Panel"},
             {"645ff040-5081-101b-9f08-00aa002f954e", "Recycle Bin"},
             {"59031a47-3f72-44a7-89c5-5595fe6b30ee", "Users Files"},
             {"5399e694-6ce5-4d6c-8fce-1d8870fdcba0", "Control Panel"},
             {"f02c1a0d-be21-4350-88b0-7367fc96ef3c", "Network"},
             {"031e4825-7b94-4dc3-b131-e946b44c8dd5", "Libraries"},
             {"22877a6d-37a1-461a-91b0-dbda5aaebc99", "Recent Places"},
             {"b4bfcc3a-db2c-424c-b029-7fe99a87c641", "Desktop"},
             {"374de290-123f-4565-9164-39c4925e467b", "Downloads"}};

/* FAT date-time (date in the low 16 bits) to seconds; 0: not set/bad. */
static int64_t fat_time(uint32_t v)
{
  unsigned date = v & 0xFFFF, tim = v >> 16;
  if (!date)
    return 0;
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = (int)(date >> 9) + 80;
  tm.tm_mon = (int)((date >> 5) & 15) - 1;
  tm.tm_mday = (int)(date & 31);
  tm.tm_hour = (int)(tim >> 11);
  tm.tm_min = (int)((tim >> 5) & 63);
  tm.tm_sec = (int)(tim & 31) * 2;
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 59)
    return 0;
  return (int64_t)timegm(&tm);
}

/* The display name of a shell item, malloc'd; *ft_* its FAT times. */
static char *
item_name(libfwsi_item_t *it, uint32_t *mt, uint32_t *ct, uint32_t *at)
{
  libfwsi_error_t *e = NULL;
  int type = 0;
  char buf[1024] = "";
  *mt = *ct = *at = 0;
  if (libfwsi_item_get_type(it, &type, &e) != 1) {
    libfwsi_error_free(&e);
    return strdup("<unknown shell item>");
  }
  size_t n = 0;
  switch (type) {
  case LIBFWSI_ITEM_TYPE_ROOT_FOLDER: {
    uint8_t g[16];
    if (libfwsi_root_folder_get_shell_folder_identifier(it, g, 16, &e) == 1) {
      char gs[40];
      snprintf(gs, sizeof gs,
               "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", win_le32(g),
               win_le16(g + 4), win_le16(g + 6), g[8], g[9], g[10], g[11],
               g[12], g[13], g[14], g[15]);
      const char *nm = NULL;
      for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].guid, gs) == 0)
          nm = known[i].name;
      if (nm)
        snprintf(buf, sizeof buf, "%s", nm);
      else
        snprintf(buf, sizeof buf, "{%s}", gs);
    }
    break;
  }
  case LIBFWSI_ITEM_TYPE_VOLUME:
    if (libfwsi_volume_get_utf8_name_size(it, &n, &e) == 1 && n &&
        n <= sizeof buf)
      libfwsi_volume_get_utf8_name(it, (uint8_t *)buf, n, &e);
    break;
  case LIBFWSI_ITEM_TYPE_FILE_ENTRY: {
    if (libfwsi_file_entry_get_modification_time(it, mt, &e) != 1)
      *mt = 0;
    libfwsi_error_free(&e);
    if (libfwsi_file_entry_get_utf8_name_size(it, &n, &e) == 1 && n &&
        n <= sizeof buf)
      libfwsi_file_entry_get_utf8_name(it, (uint8_t *)buf, n, &e);
    libfwsi_error_free(&e);
    int nb = 0;
    if (libfwsi_item_get_number_of_extension_blocks(it, &nb, &e) != 1)
      nb = 0;
    libfwsi_error_free(&e);
    for (int i = 0; i < nb; i++) {
      libfwsi_extension_block_t *x = NULL;
      uint32_t sig = 0;
      if (libfwsi_item_get_extension_block(it, i, &x, &e) != 1) {
        libfwsi_error_free(&e);
        continue;
      }
      if (libfwsi_extension_block_get_signature(x, &sig, &e) == 1 &&
          sig == 0xbeef0004u) {
        if (libfwsi_file_entry_extension_get_creation_time(x, ct, &e) != 1)
          *ct = 0;
        libfwsi_error_free(&e);
        if (libfwsi_file_entry_extension_get_access_time(x, at, &e) != 1)
          *at = 0;
        libfwsi_error_free(&e);
        size_t ln = 0;
        if (libfwsi_file_entry_extension_get_utf8_long_name_size(x, &ln, &e) ==
                1 &&
            ln > 1 && ln <= sizeof buf)
          libfwsi_file_entry_extension_get_utf8_long_name(x, (uint8_t *)buf, ln,
                                                          &e);
      }
      libfwsi_error_free(&e);
      libfwsi_extension_block_free(&x, NULL);
    }
    break;
  }
  case LIBFWSI_ITEM_TYPE_NETWORK_LOCATION:
    if (libfwsi_network_location_get_utf8_location_size(it, &n, &e) == 1 && n &&
        n <= sizeof buf)
      libfwsi_network_location_get_utf8_location(it, (uint8_t *)buf, n, &e);
    break;
  default:
    break;
  }
  libfwsi_error_free(&e);
  if (!buf[0])
    snprintf(buf, sizeof buf, "<shell item type %d>", type);
  return strdup(buf);
}

static art_status walk_bag(bags *b,
                           libregf_key_t *k,
                           const char *key_path,
                           const char *parent,
                           int depth)
{
  libregf_error_t *e = NULL;
  int nv = 0;
  art_status st = ART_OK;
  if (libregf_key_get_number_of_values(k, &nv, &e) != 1) {
    libregf_error_free(&e);
    nv = 0;
  }
  char *list = NULL;
  size_t ll = 0;
  FILE *mf = open_memstream(&list, &ll);
  for (int i = 0; i < nv && st == ART_OK && mf; i++) {
    libregf_value_t *v = NULL;
    if (libregf_key_get_value(k, i, &v, &e) != 1) {
      libregf_error_free(&e);
      continue;
    }
    char vn[32] = "";
    size_t vns = 0;
    if (libregf_value_get_utf8_name_size(v, &vns, &e) == 1 && vns &&
        vns <= sizeof vn)
      libregf_value_get_utf8_name(v, (uint8_t *)vn, vns, &e);
    libregf_error_free(&e);
    if (!vn[0] || strspn(vn, "0123456789") != strlen(vn)) {
      libregf_value_free(&v, NULL);
      continue; /* MRUListEx, NodeSlot, ... */
    }
    size_t dn = 0;
    uint8_t *d = NULL;
    if (libregf_value_get_value_data_size(v, &dn, &e) == 1 && dn >= 2 &&
        dn < (1u << 20) && (d = malloc(dn)) &&
        libregf_value_get_value_data(v, d, dn, &e) != 1) {
      free(d);
      d = NULL;
    }
    libregf_error_free(&e);
    libregf_value_free(&v, NULL);
    if (!d)
      continue;
    libfwsi_item_t *it = NULL;
    libfwsi_error_t *fe = NULL;
    char *name = NULL;
    uint32_t mt = 0, ct = 0, at = 0;
    if (libfwsi_item_initialize(&it, &fe) == 1 &&
        libfwsi_item_copy_from_byte_stream(
            it, d, dn, LIBFWSI_CODEPAGE_WINDOWS_1252, &fe) == 1)
      name = item_name(it, &mt, &ct, &at);
    libfwsi_error_free(&fe);
    libfwsi_item_free(&it, NULL);
    free(d);
    if (!name)
      name = strdup("<unreadable shell item>");
    if (!name) {
      st = art__set_error(b->ctx, ART_ERR_NOMEM, ENOMEM, "shellbags");
      break;
    }
    b->items++;
    /* "C:\" already ends in a separator */
    size_t pl = strlen(parent);
    char *path = malloc(pl + strlen(name) + 2);
    if (!path) {
      free(name);
      st = art__set_error(b->ctx, ART_ERR_NOMEM, ENOMEM, "shellbags");
      break;
    }
    snprintf(path, pl + strlen(name) + 2, "%s%s%s", parent,
             pl && parent[pl - 1] != '\\' ? "\\" : "", name);
    fprintf(mf, "%sIndex: %s Shell item path: %s", ftell(mf) ? " " : "", vn,
            path);
    static const char *const descs[3] = {"Content Modification Time",
                                         "Creation Time", "Last Access Time"};
    uint32_t fts[3] = {mt, ct, at};
    for (int j = 0; j < 3 && st == ART_OK; j++) {
      int64_t s = fat_time(fts[j]);
      if (!s)
        continue;
      win_rec_reset(&b->r);
      win_attr(&b->r, "key_path", "%s\\%s", key_path, vn);
      win_attr(&b->r, "shell_item_path", "%s", path);
      win_attr(&b->r, "name", "%s", name);
      st = win_emit(&b->r, b->ctx, b->fn, b->user, s, 0,
                    "windows:shell_item:file_entry_event", descs[j], "REG",
                    "File entry shell item",
                    "Name: %s Shell item path: %s "
                    "Origin: %s",
                    name, path, key_path);
    }
    /* the sub-key of the same number holds the items below */
    libregf_key_t *sub = NULL;
    if (st == ART_OK && depth < BAG_MAX_DEPTH &&
        libregf_key_get_sub_key_by_utf8_name(k, (const uint8_t *)vn, strlen(vn),
                                             &sub, &e) == 1) {
      char *kp = malloc(strlen(key_path) + strlen(vn) + 2);
      if (kp) {
        snprintf(kp, strlen(key_path) + strlen(vn) + 2, "%s\\%s", key_path, vn);
        st = walk_bag(b, sub, kp, path, depth + 1);
        free(kp);
      }
      libregf_key_free(&sub, NULL);
    }
    libregf_error_free(&e);
    free(path);
    free(name);
  }
  if (mf)
    fclose(mf);
  if (st == ART_OK && list && list[0]) {
    uint64_t ft = 0;
    if (libregf_key_get_last_written_time(k, &ft, &e) != 1) {
      libregf_error_free(&e);
      ft = 0;
    }
    win_rec_reset(&b->r);
    win_attr(&b->r, "key_path", "%s", key_path);
    win_attr(&b->r, "entries", "%s", list);
    st = win_emit_ft(&b->r, b->ctx, b->fn, b->user, ft,
                     "windows:registry:bagmru", "Content Modification Time",
                     "REG", "Registry Key : BagMRU", "[%s] %s", key_path, list);
  }
  free(list);
  return st;
}

art_status
win_shellbags(art_ctx *ctx, libregf_file_t *f, art_win_event_fn fn, void *user);
art_status
win_shellbags(art_ctx *ctx, libregf_file_t *f, art_win_event_fn fn, void *user)
{
  static const char *const roots[] = {
      "Software\\Microsoft\\Windows\\Shell\\BagMRU",
      "Software\\Microsoft\\Windows\\ShellNoRoam\\BagMRU",
      "Local Settings\\Software\\Microsoft\\Windows\\Shell\\BagMRU",
      "Wow6432Node\\Local Settings\\Software\\Microsoft\\Windows\\Shell\\"
      "BagMRU"};
  bags b;
  memset(&b, 0, sizeof b);
  b.ctx = ctx;
  b.fn = fn;
  b.user = user;
  art_status st = ART_OK;
  for (size_t i = 0; i < sizeof roots / sizeof roots[0] && st == ART_OK; i++) {
    libregf_key_t *k = NULL;
    libregf_error_t *e = NULL;
    if (libregf_file_get_key_by_utf8_path(f, (const uint8_t *)roots[i],
                                          strlen(roots[i]), &k, &e) != 1) {
      libregf_error_free(&e);
      continue;
    }
    char kp[160];
    snprintf(kp, sizeof kp, "\\%s", roots[i]);
    st = walk_bag(&b, k, kp, "", 0);
    libregf_key_free(&k, NULL);
  }
  win_rec_free(&b.r);
  return st;
}
