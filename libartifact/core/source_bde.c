/* Encrypted volumes: BitLocker (named from its FVE metadata: volume GUID,
 * encryption method, key protectors; opened through libbde with a recovery
 * password, password or startup key) and LUKS (named; not opened).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <libbde.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t le16(const unsigned char *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
  return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* A GUID as Windows writes it: {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}. */
static void guid_text(const unsigned char *g, char *out, size_t len)
{
  snprintf(out, len, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
           le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11], g[12],
           g[13], g[14], g[15]);
}

static const char *protector_name(uint16_t t)
{
  switch (t) {
  case 0x0000:
    return "clear key";
  case 0x0100:
    return "TPM";
  case 0x0200:
    return "startup key";
  case 0x0500:
    return "TPM and PIN";
  case 0x0800:
    return "recovery password";
  case 0x2000:
    return "password";
  default:
    return NULL;
  }
}

static const char *method_name(uint32_t m)
{
  switch (m & 0xffff) {
  case 0x8000:
    return "AES-128-CBC with diffuser";
  case 0x8001:
    return "AES-256-CBC with diffuser";
  case 0x8002:
    return "AES-128-CBC";
  case 0x8003:
    return "AES-256-CBC";
  case 0x8004:
    return "AES-128-XTS";
  case 0x8005:
    return "AES-256-XTS";
  default:
    return NULL;
  }
}

/* Append to OUT at *N (truncating safely). */
static void put(char *out, size_t len, size_t *n, const char *s)
{
  size_t l = strlen(s);
  if (*n + 1 >= len)
    return;
  if (l > len - 1 - *n)
    l = len - 1 - *n;
  memcpy(out + *n, s, l);
  *n += l;
  out[*n] = '\0';
}

/* Describe the FVE metadata block at byte OFF of SRC: GUID, method and
 * protectors. 0 when it is not one. */
static int
describe_fve(art_source *src, art_ctx *ctx, uint64_t off, char *out, size_t len)
{
  unsigned char *b = malloc(65536);
  size_t got = 0, n = 0;
  int ok = 0;
  if (!b)
    return 0;
  if (art_source_pread(ctx, src, b, 65536, off, &got) != ART_OK || got < 112 ||
      memcmp(b, "-FVE-FS-", 8) != 0)
    goto out;
  /* block header (64 bytes), then the metadata header (48 bytes) */
  const unsigned char *h = b + 64;
  uint32_t msize = le32(h);
  uint32_t hsize = le32(h + 8);
  char guid[40], tmp[160];
  guid_text(h + 16, guid, sizeof guid);
  const char *m = method_name(le32(h + 36));
  snprintf(tmp, sizeof tmp, "BitLocker volume {%s}, %s", guid,
           m ? m : "unknown encryption method");
  put(out, len, &n, tmp);
  ok = 1;
  /* entries after the metadata header: VMKs (type 2, value type 8) name
   * their protector at +26 of the value */
  size_t end = (size_t)msize + 64;
  if (end > got)
    end = got;
  size_t p = 64 + (hsize >= 48 && hsize < 4096 ? hsize : 48);
  int first = 1;
  for (int k = 0; k < 256 && p + 8 <= end; k++) {
    uint16_t esize = le16(b + p), etype = le16(b + p + 2),
             vtype = le16(b + p + 4);
    if (esize < 8 || p + esize > end)
      break;
    if (etype == 0x0002 && vtype == 0x0008 && esize >= 8 + 28) {
      const unsigned char *v = b + p + 8;
      const char *pn = protector_name(le16(v + 26));
      char pg[40];
      guid_text(v, pg, sizeof pg);
      snprintf(tmp, sizeof tmp, "%s%s {%s}",
               first ? "; key protectors: " : ", ", pn ? pn : "unknown", pg);
      put(out, len, &n, tmp);
      first = 0;
    }
    p += esize;
  }
  if (first)
    put(out, len, &n, "; no key protector found");
out:
  free(b);
  return ok;
}

int art_source_encryption(art_source *src,
                          uint64_t offset,
                          char *out,
                          size_t len)
{
  unsigned char s[512];
  size_t got = 0;
  art_ctx *ctx = NULL;
  int found = 0;
  if (!len)
    return 0;
  out[0] = '\0';
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  if (art_source_pread(ctx, src, s, sizeof s, offset, &got) != ART_OK ||
      got < sizeof s)
    goto done;
  if (memcmp(s + 3, "-FVE-FS-", 8) == 0) {
    found = 1;
    /* Windows 7 and later: the BitLocker identifier at 0xa0, then three
     * FVE metadata offsets (relative to the volume) at 0xb0; Vista's
     * offset at 0x38 is not read here (the volume is still named). */
    for (int i = 0; i < 3; i++) {
      uint64_t mo = le64(s + 0xb0 + 8 * i);
      if (mo && describe_fve(src, ctx, offset + mo, out, len))
        break;
    }
    if (!out[0])
      snprintf(out, len,
               "BitLocker volume (its FVE metadata could not be "
               "read)");
    size_t n = strlen(out);
    put(out, len, &n,
        "; locked: give --recovery-password, --password or --startup-key");
  } else if (memcmp(s, "LUKS\xba\xbe", 6) == 0) {
    char uuid[41];
    size_t ul = 0;
    found = 1;
    memset(uuid, 0, sizeof uuid);
    for (ul = 0;
         ul < 40 && s[168 + ul] && s[168 + ul] >= 0x20 && s[168 + ul] < 0x7f;
         ul++)
      uuid[ul] = (char)s[168 + ul];
    snprintf(out, len,
             "LUKS%u encrypted volume (UUID %s): LUKS volumes are not "
             "decrypted; open it with cryptsetup and give the mapped device",
             (unsigned)(s[6] << 8 | s[7]), ul ? uuid : "?");
  }
done:
  art_ctx_free(ctx);
  return found;
}

/* libbde's error as one line (the last of its chain), freed. */
static void bde_reason(libbde_error_t *err, char *buf, size_t len)
{
  buf[0] = '\0';
  if (err) {
    libbde_error_sprint(err, buf, len);
    libbde_error_free(&err);
  }
  art__libyal_last_line(buf, len, "libbde error");
}

typedef struct bde_open {
  libbde_volume_t *vol;
  libbfio_handle_t *io;
} bde_open;

static void bde_release(bde_open *b)
{
  if (b->vol) {
    libbde_volume_close(b->vol, NULL);
    libbde_volume_free(&b->vol, NULL);
  }
  art__bfio_free(&b->io);
  free(b);
}

static art_status bde_pread(art_ctx *ctx,
                            art__media *m,
                            void *buf,
                            size_t len,
                            uint64_t offset,
                            size_t *got)
{
  bde_open *b = m->h;
  libbde_error_t *err = NULL;
  char reason[512];
  ssize_t n = libbde_volume_read_buffer_at_offset(b->vol, buf, len,
                                                  (off64_t)offset, &err);
  if (n < 0) {
    bde_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: encryption layer (BitLocker): cannot read "
                          "offset %llu: %s",
                          m->path, (unsigned long long)offset, reason);
  }
  *got = (size_t)n;
  return ART_OK;
}

static void bde_close(art__media *m)
{
  if (m->h)
    bde_release(m->h);
  m->h = NULL;
}

static const art__media_ops bde_ops = {bde_pread, bde_close};

art_status art_source_open_bde(art_ctx *ctx,
                               art_source *parent,
                               uint64_t offset,
                               uint64_t size,
                               const art_volume_keys *keys,
                               art_source **out)
{
  libbde_error_t *err = NULL;
  char reason[512], desc[1024];
  const char *path = art_source_path(parent);
  art_status st;
  *out = NULL;
  if (!art_source_encryption(parent, offset, desc, sizeof desc) ||
      strncmp(desc, "BitLocker", 9) != 0)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: volume at byte %llu is no BitLocker volume",
                          path, (unsigned long long)offset);
  char *locked = strstr(desc, "; locked:");
  if (locked)
    *locked = '\0';
  bde_open *b = calloc(1, sizeof *b);
  if (!b)
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "out of memory");
  if ((st = art__bfio_range(ctx, parent, offset, size, &b->io)) != ART_OK) {
    bde_release(b);
    return st;
  }
  if (libbde_volume_initialize(&b->vol, &err) != 1) {
    bde_reason(err, reason, sizeof reason);
    bde_release(b);
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: %s", path, reason);
  }
  int keyed = 0, rc = 1;
  if (keys && keys->recovery_password) {
    keyed = 1;
    rc = libbde_volume_set_utf8_recovery_password(
        b->vol, (const uint8_t *)keys->recovery_password,
        strlen(keys->recovery_password), &err);
  }
  if (rc == 1 && keys && keys->password) {
    keyed = 1;
    rc = libbde_volume_set_utf8_password(
        b->vol, (const uint8_t *)keys->password, strlen(keys->password), &err);
  }
  if (rc == 1 && keys && keys->startup_key) {
    keyed = 1;
    rc = libbde_volume_read_startup_key(b->vol, keys->startup_key, &err);
  }
  if (rc != 1) {
    bde_reason(err, reason, sizeof reason);
    bde_release(b);
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: encryption layer (BitLocker): the key given "
                          "is not usable: %s",
                          path, reason);
  }
  if (libbde_volume_open_file_io_handle(b->vol, b->io, LIBBDE_OPEN_READ,
                                        &err) != 1) {
    bde_reason(err, reason, sizeof reason);
    bde_release(b);
    if (keyed) /* libbde reads the keys' VMKs as it opens */
      return art__set_error(ctx, ART_ERR_PERMISSION, 0,
                            "%s: encryption layer: %s: the key given does "
                            "not unlock it (libbde: %s)",
                            path, desc, reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: encryption layer: %s: libbde cannot open it: "
                          "%s",
                          path, desc, reason);
  }
  if (libbde_volume_is_locked(b->vol, NULL) != 0) {
    bde_release(b);
    return art__set_error(
        ctx, ART_ERR_PERMISSION, 0, "%s: encryption layer: %s: %s", path, desc,
        keyed ? "the key given does not unlock it" : "locked (no key given)");
  }
  art__media m;
  memset(&m, 0, sizeof m);
  m.ops = &bde_ops;
  m.h = b;
  m.format = "BitLocker";
  size64_t vsize = 0;
  libbde_volume_get_size(b->vol, &vsize, NULL);
  m.size = vsize;
  char name[4200];
  snprintf(name, sizeof name, "%s:bitlocker@%llu", path,
           (unsigned long long)offset);
  return art__source_from_media(ctx, name, ART_SOURCE_BDE, &m, out);
}
