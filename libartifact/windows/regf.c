/* Windows registry hives through libregf: every key's last-written time,
 * then the values examiners read (Run/RunOnce, services, UserAssist, BAM,
 * TypedURLs/TypedPaths, RecentDocs, MountedDevices, USBSTOR).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Key events: data_type windows:registry:key_value, "Content Modification
 * Time", REG / Registry Key, key_path relative to the hive root ("\Software
 * \..."; the root key's own name, e.g. $$$PROTO.HIV, is not part of it).
 * The walk is bounded: 512 levels, 10 million keys.
 */
#include <errno.h>
#include <inttypes.h>
#include <libbfio.h>
#include <libregf.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "win_private.h"

#define REG_MAX_DEPTH 512
#define REG_MAX_KEYS  10000000u

typedef struct reg {
  art_ctx *ctx;
  const art_win_input *in;
  art_win_event_fn fn;
  void *user;
  win_rec r;
  char *path; /* current key path */
  size_t plen, pcap;
  uint64_t keys, bad;
} reg;

static art_status regf_fail(art_ctx *ctx,
                            art_status st,
                            const char *name,
                            const char *what,
                            libregf_error_t *err)
{
  char msg[512] = "";
  if (err) {
    libregf_error_sprint(err, msg, sizeof msg);
    libregf_error_free(&err);
  }
  return win_lib_fail(ctx, st, name, what, msg);
}

static char *key_name(libregf_key_t *k)
{
  size_t n = 0;
  libregf_error_t *e = NULL;
  if (libregf_key_get_utf8_name_size(k, &n, &e) != 1 || n == 0) {
    libregf_error_free(&e);
    return NULL;
  }
  char *s = malloc(n);
  if (s && libregf_key_get_utf8_name(k, (uint8_t *)s, n, &e) != 1) {
    libregf_error_free(&e);
    free(s);
    return NULL;
  }
  if (s)
    s[n - 1] = 0;
  return s;
}

static char *value_name(libregf_value_t *v)
{
  size_t n = 0;
  libregf_error_t *e = NULL;
  if (libregf_value_get_utf8_name_size(v, &n, &e) != 1 || n == 0) {
    libregf_error_free(&e);
    return strdup("");
  }
  char *s = malloc(n);
  if (s && libregf_value_get_utf8_name(v, (uint8_t *)s, n, &e) != 1) {
    libregf_error_free(&e);
    free(s);
    return strdup("");
  }
  if (s)
    s[n - 1] = 0;
  return s;
}

/* A string value's text (REG_SZ/REG_EXPAND_SZ), or NULL. */
static char *value_string(libregf_value_t *v)
{
  size_t n = 0;
  libregf_error_t *e = NULL;
  if (libregf_value_get_value_utf8_string_size(v, &n, &e) != 1 || n == 0) {
    libregf_error_free(&e);
    return NULL;
  }
  char *s = malloc(n);
  if (s && libregf_value_get_value_utf8_string(v, (uint8_t *)s, n, &e) != 1) {
    libregf_error_free(&e);
    free(s);
    return NULL;
  }
  if (s)
    s[n - 1] = 0;
  return s;
}

static int value_u32(libregf_value_t *v, uint32_t *out)
{
  libregf_error_t *e = NULL;
  if (libregf_value_get_value_32bit(v, out, &e) != 1) {
    libregf_error_free(&e);
    return -1;
  }
  return 0;
}

/* The raw data of a value (malloc'd), or NULL. */
static unsigned char *value_data(libregf_value_t *v, size_t *n)
{
  libregf_error_t *e = NULL;
  *n = 0;
  if (libregf_value_get_value_data_size(v, n, &e) != 1 || *n == 0 ||
      *n > (16u << 20)) {
    libregf_error_free(&e);
    return NULL;
  }
  unsigned char *d = malloc(*n);
  if (d && libregf_value_get_value_data(v, d, *n, &e) != 1) {
    libregf_error_free(&e);
    free(d);
    return NULL;
  }
  return d;
}

/* libregf look-ups whose failure only means "none here": the error is
 * dropped and the caller sees -1 / NULL. */
static int sub_key_count(libregf_key_t *k)
{
  libregf_error_t *e = NULL;
  int n = 0;
  if (libregf_key_get_number_of_sub_keys(k, &n, &e) != 1) {
    libregf_error_free(&e);
    return -1;
  }
  return n;
}

static int value_count(libregf_key_t *k)
{
  libregf_error_t *e = NULL;
  int n = 0;
  if (libregf_key_get_number_of_values(k, &n, &e) != 1) {
    libregf_error_free(&e);
    return -1;
  }
  return n;
}

static libregf_key_t *sub_key_at(libregf_key_t *k, int i)
{
  libregf_error_t *e = NULL;
  libregf_key_t *s = NULL;
  if (libregf_key_get_sub_key(k, i, &s, &e) != 1) {
    libregf_error_free(&e);
    return NULL;
  }
  return s;
}

static libregf_value_t *value_at(libregf_key_t *k, int i)
{
  libregf_error_t *e = NULL;
  libregf_value_t *v = NULL;
  if (libregf_key_get_value(k, i, &v, &e) != 1) {
    libregf_error_free(&e);
    return NULL;
  }
  return v;
}

static libregf_value_t *value_named(libregf_key_t *k, const char *name)
{
  libregf_error_t *e = NULL;
  libregf_value_t *v = NULL;
  if (libregf_key_get_value_by_utf8_name(k, (const uint8_t *)name, strlen(name),
                                         &v, &e) != 1) {
    libregf_error_free(&e);
    return NULL;
  }
  return v;
}

static uint64_t key_time(libregf_key_t *k)
{
  uint64_t ft = 0;
  libregf_error_t *e = NULL;
  if (libregf_key_get_last_written_time(k, &ft, &e) != 1) {
    libregf_error_free(&e);
    return 0;
  }
  return ft;
}

static int path_push(reg *g, const char *name)
{
  size_t n = strlen(name);
  if (g->plen + n + 2 > g->pcap) {
    size_t cap = g->pcap ? g->pcap * 2 : 1024;
    while (cap < g->plen + n + 2)
      cap *= 2;
    char *p = realloc(g->path, cap);
    if (!p)
      return -1;
    g->path = p;
    g->pcap = cap;
  }
  g->path[g->plen++] = '\\';
  memcpy(g->path + g->plen, name, n + 1);
  g->plen += n;
  return 0;
}

static art_status walk(reg *g, libregf_key_t *k, int depth)
{
  int nv = value_count(k), ns = sub_key_count(k);
  if (nv < 0) {
    nv = 0;
    g->bad++;
  }
  if (ns < 0) {
    ns = 0;
    g->bad++;
  }
  g->keys++;
  win_rec_reset(&g->r);
  win_attr(&g->r, "key_path", "%s", g->plen ? g->path : "\\");
  win_attr(&g->r, "number_of_values", "%d", nv);
  win_attr(&g->r, "number_of_subkeys", "%d", ns);
  art_status st = win_emit_ft(
      &g->r, g->ctx, g->fn, g->user, key_time(k), "windows:registry:key_value",
      "Content Modification Time", "REG", "Registry Key",
      "[%s] Number of values: %d Number of subkeys: %d",
      g->plen ? g->path : "\\", nv, ns);
  if (st != ART_OK)
    return st;
  if (depth >= REG_MAX_DEPTH) {
    g->bad++;
    return ART_OK;
  }
  for (int i = 0; i < ns && st == ART_OK; i++) {
    if (g->keys >= REG_MAX_KEYS) {
      g->bad++;
      break;
    }
    libregf_key_t *sub = sub_key_at(k, i);
    if (!sub) {
      g->bad++;
      continue;
    }
    char *name = key_name(sub);
    size_t save = g->plen;
    if (path_push(g, name ? name : "(unnamed)")) {
      free(name);
      libregf_key_free(&sub, NULL);
      return art__set_error(g->ctx, ART_ERR_NOMEM, ENOMEM, "registry path");
    }
    free(name);
    st = walk(g, sub, depth + 1);
    g->plen = save;
    g->path[save] = '\0';
    libregf_key_free(&sub, NULL);
  }
  return st;
}

/* ------------------------------------------------------ decoded values */

static libregf_key_t *open_key(libregf_file_t *f, const char *path)
{
  libregf_key_t *k = NULL;
  libregf_error_t *e = NULL;
  int r = libregf_file_get_key_by_utf8_path(f, (const uint8_t *)path,
                                            strlen(path), &k, &e);
  if (r != 1) {
    libregf_error_free(&e);
    return NULL;
  }
  return k;
}

/* Run/RunOnce, TypedURLs, TypedPaths, MountedDevices: one event at the
 * key's last-written time listing its values. */
static art_status values_event(reg *g,
                               libregf_file_t *f,
                               const char *path,
                               const char *data_type,
                               const char *label)
{
  libregf_key_t *k = open_key(f, path);
  if (!k)
    return ART_OK;
  int nv = value_count(k);
  win_rec_reset(&g->r);
  win_attr(&g->r, "key_path", "\\%s", path);
  char *list = NULL;
  size_t ll = 0;
  FILE *mf = open_memstream(&list, &ll);
  for (int i = 0; i < nv && mf; i++) {
    libregf_value_t *v = value_at(k, i);
    if (!v)
      continue;
    char *name = value_name(v);
    char *s = value_string(v);
    char shown[160] = "";
    if (!s) {
      size_t dn = 0;
      unsigned char *d = value_data(v, &dn);
      size_t k2 = 0;
      for (size_t j = 0; d && j < dn && k2 + 3 < sizeof shown && j < 48; j++)
        k2 += (size_t)snprintf(shown + k2, sizeof shown - k2, "%02x", d[j]);
      if (d && dn > 48 && k2 + 4 < sizeof shown)
        snprintf(shown + k2, sizeof shown - k2, "...");
      free(d);
    }
    win_attr_dyn(&g->r, name && *name ? name : "(default)",
                 strlen(name && *name ? name : "(default)"), s ? s : shown,
                 strlen(s ? s : shown));
    fprintf(mf, "%s%s: %s", i ? " " : "", name && *name ? name : "(default)",
            s ? s : shown);
    free(name);
    free(s);
    libregf_value_free(&v, NULL);
  }
  if (mf)
    fclose(mf);
  art_status st = win_emit_ft(&g->r, g->ctx, g->fn, g->user, key_time(k),
                              data_type, "Content Modification Time", "REG",
                              label, "[\\%s] %s", path, list ? list : "");
  free(list);
  libregf_key_free(&k, NULL);
  return st;
}

static void rot13(char *s)
{
  for (; *s; s++) {
    char c = *s;
    if (c >= 'a' && c <= 'z')
      *s = (char)('a' + (c - 'a' + 13) % 26);
    else if (c >= 'A' && c <= 'Z')
      *s = (char)('A' + (c - 'A' + 13) % 26);
  }
}

/* UserAssist: ...\UserAssist\{GUID}\Count, value names ROT13, data v5
 * (72 bytes: count @4, focus count @8, focus ms @12, last run @60) or v3
 * (16 bytes: count+5 @4, last run @8). */
static art_status userassist(reg *g, libregf_file_t *f)
{
  const char *base =
      "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist";
  libregf_key_t *ua = open_key(f, base);
  if (!ua)
    return ART_OK;
  libregf_error_t *e = NULL;
  int ng = sub_key_count(ua);
  art_status st = ART_OK;
  for (int i = 0; i < ng && st == ART_OK; i++) {
    libregf_key_t *gk = sub_key_at(ua, i), *ck = NULL;
    if (!gk)
      continue;
    char *guid = key_name(gk);
    if (libregf_key_get_sub_key_by_utf8_name(gk, (const uint8_t *)"Count", 5,
                                             &ck, &e) != 1) {
      libregf_error_free(&e);
      ck = NULL;
    }
    int nv = ck ? value_count(ck) : 0;
    for (int j = 0; j < nv && st == ART_OK; j++) {
      libregf_value_t *v = value_at(ck, j);
      if (!v)
        continue;
      char *name = value_name(v);
      size_t dn = 0;
      unsigned char *d = value_data(v, &dn);
      if (name && d && (dn == 72 || dn == 16)) {
        rot13(name);
        uint32_t count = win_le32(d + 4);
        uint64_t ft = dn == 72 ? win_le64(d + 60) : win_le64(d + 8);
        if (dn == 16 && count >= 5)
          count -= 5;
        win_rec_reset(&g->r);
        win_attr(&g->r, "key_path", "\\%s\\%s\\Count", base, guid ? guid : "");
        win_attr(&g->r, "value_name", "%s", name);
        win_attr(&g->r, "number_of_executions", "%" PRIu32, count);
        if (dn == 72) {
          win_attr(&g->r, "application_focus_count", "%" PRIu32,
                   win_le32(d + 8));
          win_attr(&g->r, "application_focus_duration", "%" PRIu32,
                   win_le32(d + 12));
        }
        st = win_emit_ft(&g->r, g->ctx, g->fn, g->user, ft,
                         "windows:registry:userassist", "Last Time Executed",
                         "REG", "Registry Key : UserAssist",
                         "[\\%s\\%s\\Count] UserAssist entry: %s Count: "
                         "%" PRIu32,
                         base, guid ? guid : "", name, count);
      }
      free(name);
      free(d);
      libregf_value_free(&v, NULL);
    }
    free(guid);
    libregf_key_free(&ck, NULL);
    libregf_key_free(&gk, NULL);
  }
  libregf_key_free(&ua, NULL);
  return st;
}

/* Sub-keys of ControlSet001..ControlSet009 under REL. */
typedef art_status (*cs_fn)(reg *g, libregf_key_t *k, const char *path);

static art_status
each_controlset(reg *g, libregf_file_t *f, const char *rel, cs_fn fn)
{
  art_status st = ART_OK;
  for (int cs = 1; cs <= 9 && st == ART_OK; cs++) {
    char path[256];
    snprintf(path, sizeof path, "ControlSet%03d\\%s", cs, rel);
    libregf_key_t *k = open_key(f, path);
    if (!k)
      continue;
    st = fn(g, k, path);
    libregf_key_free(&k, NULL);
  }
  return st;
}

/* services: one event per service key. */
static art_status services_fn(reg *g, libregf_key_t *k, const char *path)
{
  int ns = sub_key_count(k);
  art_status st = ART_OK;
  for (int i = 0; i < ns && st == ART_OK; i++) {
    libregf_key_t *s = sub_key_at(k, i);
    if (!s)
      continue;
    char *name = key_name(s);
    win_rec_reset(&g->r);
    win_attr(&g->r, "key_path", "\\%s\\%s", path, name ? name : "");
    win_attr(&g->r, "service_name", "%s", name ? name : "");
    static const char *const nums[] = {"Start", "Type", "ErrorControl"};
    for (int j = 0; j < 3; j++) {
      libregf_value_t *v = value_named(s, nums[j]);
      uint32_t x;
      if (v && value_u32(v, &x) == 0)
        win_attr(&g->r,
                 j == 0   ? "start_type"
                 : j == 1 ? "service_type"
                          : "error_control",
                 "%" PRIu32, x);
      libregf_value_free(&v, NULL);
    }
    static const char *const strs[] = {"ImagePath", "ObjectName", "DisplayName",
                                       "ServiceDll"};
    for (int j = 0; j < 4; j++) {
      libregf_value_t *v = value_named(s, strs[j]);
      if (v) {
        char *t = value_string(v);
        if (t)
          win_attr(&g->r,
                   j == 0   ? "image_path"
                   : j == 1 ? "object_name"
                   : j == 2 ? "display_name"
                            : "service_dll",
                   "%s", t);
        free(t);
      }
      libregf_value_free(&v, NULL);
    }
    const char *ip = win_attr_get(&g->r, "image_path");
    const char *stt = win_attr_get(&g->r, "start_type");
    st = win_emit_ft(
        &g->r, g->ctx, g->fn, g->user, key_time(s), "windows:registry:service",
        "Content Modification Time", "REG", "Registry Key",
        "[\\%s\\%s] Service: %s Start: %s Image path: %s", path,
        name ? name : "", name ? name : "", stt ? stt : "-", ip ? ip : "-");
    free(name);
    libregf_key_free(&s, NULL);
  }
  return st;
}

/* USBSTOR: Enum\USBSTOR\<device>\<serial>: one event per instance key. */
static art_status usbstor_fn(reg *g, libregf_key_t *k, const char *path)
{
  int nd = sub_key_count(k);
  art_status st = ART_OK;
  for (int i = 0; i < nd && st == ART_OK; i++) {
    libregf_key_t *d = sub_key_at(k, i);
    if (!d)
      continue;
    char *dev = key_name(d);
    int ni = sub_key_count(d);
    for (int j = 0; j < ni && st == ART_OK; j++) {
      libregf_key_t *s = sub_key_at(d, j);
      if (!s)
        continue;
      char *serial = key_name(s);
      char *fname = NULL;
      libregf_value_t *v = value_named(s, "FriendlyName");
      if (v)
        fname = value_string(v);
      libregf_value_free(&v, NULL);
      win_rec_reset(&g->r);
      win_attr(&g->r, "key_path", "\\%s\\%s\\%s", path, dev ? dev : "",
               serial ? serial : "");
      win_attr(&g->r, "device", "%s", dev ? dev : "");
      win_attr(&g->r, "serial", "%s", serial ? serial : "");
      if (fname)
        win_attr(&g->r, "friendly_name", "%s", fname);
      st = win_emit_ft(&g->r, g->ctx, g->fn, g->user, key_time(s),
                       "windows:registry:usbstor", "Content Modification Time",
                       "REG", "Registry Key : USBStor Entries",
                       "[\\%s\\%s\\%s] Device: %s Serial: %s Friendly name: %s",
                       path, dev ? dev : "", serial ? serial : "",
                       dev ? dev : "", serial ? serial : "",
                       fname ? fname : "-");
      free(serial);
      free(fname);
      libregf_key_free(&s, NULL);
    }
    free(dev);
    libregf_key_free(&d, NULL);
  }
  return st;
}

/* BAM/DAM: Services\bam[\State]\UserSettings\<SID>: value name = program,
 * data starts with the FILETIME of its last run. */
static art_status bam_fn(reg *g, libregf_key_t *k, const char *path)
{
  int ns = sub_key_count(k);
  art_status st = ART_OK;
  for (int i = 0; i < ns && st == ART_OK; i++) {
    libregf_key_t *s = sub_key_at(k, i);
    if (!s)
      continue;
    char *sid = key_name(s);
    int nv = value_count(s);
    for (int j = 0; j < nv && st == ART_OK; j++) {
      libregf_value_t *v = value_at(s, j);
      if (!v)
        continue;
      char *name = value_name(v);
      size_t dn = 0;
      unsigned char *d = value_data(v, &dn);
      if (name && d && dn >= 8 && *name) {
        win_rec_reset(&g->r);
        win_attr(&g->r, "key_path", "\\%s\\%s", path, sid ? sid : "");
        win_attr(&g->r, "user_sid", "%s", sid ? sid : "");
        win_attr(&g->r, "binary_path", "%s", name);
        st = win_emit_ft(&g->r, g->ctx, g->fn, g->user, win_le64(d),
                         "windows:registry:bam", "Last Time Executed", "REG",
                         "Registry Key : BAM",
                         "[\\%s\\%s] Program: %s User SID: %s", path,
                         sid ? sid : "", name, sid ? sid : "");
      }
      free(name);
      free(d);
      libregf_value_free(&v, NULL);
    }
    free(sid);
    libregf_key_free(&s, NULL);
  }
  return st;
}

/* RecentDocs: values 0..N hold a UTF-16 name first; one event at the key's
 * last-written time with the names in MRUListEx order. */
static art_status recentdocs(reg *g, libregf_file_t *f)
{
  const char *path =
      "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs";
  libregf_key_t *k = open_key(f, path);
  if (!k)
    return ART_OK;
  libregf_value_t *mv = value_named(k, "MRUListEx");
  size_t mn = 0;
  unsigned char *mru = mv ? value_data(mv, &mn) : NULL;
  libregf_value_free(&mv, NULL);
  win_rec_reset(&g->r);
  win_attr(&g->r, "key_path", "\\%s", path);
  char *list = NULL;
  size_t ll = 0;
  FILE *mf = open_memstream(&list, &ll);
  for (size_t i = 0; mru && mf && i + 4 <= mn && i < 4 * 64; i += 4) {
    uint32_t idx = win_le32(mru + i);
    if (idx == 0xFFFFFFFFu)
      break;
    char vn[16];
    snprintf(vn, sizeof vn, "%" PRIu32, idx);
    libregf_value_t *v = value_named(k, vn);
    if (!v)
      continue;
    size_t dn = 0;
    unsigned char *d = value_data(v, &dn);
    char *name = NULL;
    if (d && dn >= 2 && win_utf16(d, dn / 2, &name, NULL) == 0) {
      fprintf(mf, "%sIndex: %zu [MRU Value %s]: %s", i ? " " : "", i / 4 + 1,
              vn, name);
      win_attr_dyn(&g->r, vn, strlen(vn), name, strlen(name));
    }
    free(name);
    free(d);
    libregf_value_free(&v, NULL);
  }
  if (mf)
    fclose(mf);
  art_status st = win_emit_ft(
      &g->r, g->ctx, g->fn, g->user, key_time(k), "windows:registry:mrulistex",
      "Content Modification Time", "REG", "Registry Key : RecentDocs",
      "[\\%s] %s", path, list ? list : "");
  free(list);
  free(mru);
  libregf_key_free(&k, NULL);
  return st;
}

/* ShimCache: Control\Session Manager\AppCompatCache\AppCompatCache. */
static art_status shimcache_fn(reg *g, libregf_key_t *k, const char *path)
{
  libregf_value_t *v = value_named(k, "AppCompatCache");
  if (!v)
    return ART_OK;
  size_t dn = 0;
  unsigned char *d = value_data(v, &dn);
  libregf_value_free(&v, NULL);
  if (!d)
    return ART_OK;
  char kp[300];
  snprintf(kp, sizeof kp, "\\%s", path);
  unsigned n = 0;
  art_status st = win_shimcache(g->ctx, d, dn, kp, g->fn, g->user, &n);
  free(d);
  if (st == ART_ERR_FORMAT || st == ART_ERR_CORRUPT) {
    g->bad++; /* reported once for the hive, the walk goes on */
    st = ART_OK;
  }
  return st;
}

art_status
win_shellbags(art_ctx *ctx, libregf_file_t *f, art_win_event_fn fn, void *user);

static art_status decoded(reg *g, libregf_file_t *f)
{
  static const struct {
    const char *path, *type, *label;
  } lists[] = {
      {"Software\\Microsoft\\Windows\\CurrentVersion\\Run",
       "windows:registry:run", "Registry Key : Run Key"},
      {"Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
       "windows:registry:run", "Registry Key : Run Key"},
      {"Microsoft\\Windows\\CurrentVersion\\Run", "windows:registry:run",
       "Registry Key : Run Key"},
      {"Microsoft\\Windows\\CurrentVersion\\RunOnce", "windows:registry:run",
       "Registry Key : Run Key"},
      {"Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Run",
       "windows:registry:run", "Registry Key : Run Key"},
      {"Software\\Microsoft\\Internet Explorer\\TypedURLs",
       "windows:registry:typedurls", "Registry Key : Internet Explorer"},
      {"Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\TypedPaths",
       "windows:registry:typedurls", "Registry Key : Typed Paths"},
      {"MountedDevices", "windows:registry:mounted_devices",
       "Registry Key : Mounted Devices"}};
  art_status st = ART_OK;
  for (size_t i = 0; i < sizeof lists / sizeof lists[0] && st == ART_OK; i++)
    st = values_event(g, f, lists[i].path, lists[i].type, lists[i].label);
  if (st == ART_OK)
    st = userassist(g, f);
  if (st == ART_OK)
    st = recentdocs(g, f);
  if (st == ART_OK)
    st = win_shellbags(g->ctx, f, g->fn, g->user);
  if (st == ART_OK)
    st = each_controlset(g, f, "Services", services_fn);
  if (st == ART_OK)
    st = each_controlset(g, f, "Enum\\USBSTOR", usbstor_fn);
  if (st == ART_OK)
    st = each_controlset(g, f, "Control\\Session Manager\\AppCompatCache",
                         shimcache_fn);
  if (st == ART_OK)
    st = each_controlset(g, f, "Services\\bam\\UserSettings", bam_fn);
  if (st == ART_OK)
    st = each_controlset(g, f, "Services\\bam\\State\\UserSettings", bam_fn);
  if (st == ART_OK)
    st = each_controlset(g, f, "Services\\dam\\State\\UserSettings", bam_fn);
  return st;
}

art_status art_win_parse_registry(art_ctx *ctx,
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
  libregf_file_t *file = NULL;
  libregf_error_t *e = NULL;
  libregf_key_t *root = NULL;
  reg g;
  memset(&g, 0, sizeof g);
  g.ctx = ctx;
  g.in = in;
  g.fn = fn;
  g.user = user;
  if (win_bfio_open(libbfio_handle_initialize, data, n, &h) != 1) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
    goto out;
  }
  if (libregf_file_initialize(&file, &e) != 1) {
    st = regf_fail(ctx, ART_ERR_NOMEM, in->name, "libregf", e);
    goto out;
  }
  if (libregf_file_open_file_io_handle(file, h, LIBREGF_OPEN_READ, &e) != 1) {
    st = regf_fail(ctx, ART_ERR_FORMAT, in->name,
                   "not a readable registry hive", e);
    goto out;
  }
  int r = libregf_file_get_root_key(file, &root, &e);
  if (r != 1) {
    /* regf_fail frees the error: freeing it here too was a double free
     * (SIGSEGV on a byte-flipped NTUSER.DAT) */
    st = r == 0 ? ART_OK
                : regf_fail(ctx, ART_ERR_CORRUPT, in->name, "root key", e);
    e = NULL;
    goto close;
  }
  st = walk(&g, root, 0);
  if (st == ART_OK)
    st = decoded(&g, file);
  if (st == ART_OK && g.bad)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: %" PRIu64 " keys or values could not be read "
                        "(damaged hive or limits)",
                        in->name, g.bad);
close:
  libregf_key_free(&root, NULL);
  libregf_file_close(file, NULL);
out:
  libregf_file_free(&file, NULL);
  libbfio_handle_free(&h, NULL);
  win_rec_free(&g.r);
  free(g.path);
  free(data);
  return st;
}
