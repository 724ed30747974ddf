/* Office decryption with the default password ("VelvetSweatshop", the one
 * Office itself tries): OOXML EncryptedPackage with agile and standard
 * encryption ([MS-OFFCRYPTO] 2.3.4.5-2.3.4.13), Excel 5.0-2003 workbooks
 * with a FILEPASS record (RC4 CryptoAPI 2.3.5, Office 97 RC4 2.3.6, XOR
 * obfuscation method 1 2.3.7) and Word 97-2003 documents, with
 * OpenSSL's ciphers and digests (RC4 from its legacy provider). The
 * decrypted package or Workbook stream is yielded as a child.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "dissect_private.h"

#define DEFAULT_PASSWORD "VelvetSweatshop"
#define MAX_PACKAGE      ((uint64_t)1 << 30)
#define MAX_SPIN         10000000u

static void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* The password as UTF-16LE (ASCII only: the default password). */
static size_t password_utf16(const char *pw, uint8_t *out, size_t cap)
{
  size_t n = 0;
  for (; *pw && n + 2 <= cap; pw++) {
    out[n++] = (uint8_t)*pw;
    out[n++] = 0;
  }
  return n;
}

/* H(A || B) into OUT; its length, 0 on failure. */
static unsigned hash2(const EVP_MD *md,
                      const uint8_t *a,
                      size_t al,
                      const uint8_t *b,
                      size_t bl,
                      uint8_t *out)
{
  unsigned n = 0;
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  if (!x)
    return 0;
  if (EVP_DigestInit_ex(x, md, NULL) != 1 || EVP_DigestUpdate(x, a, al) != 1 ||
      (bl && EVP_DigestUpdate(x, b, bl) != 1) ||
      EVP_DigestFinal_ex(x, out, &n) != 1)
    n = 0;
  EVP_MD_CTX_free(x);
  return n;
}

/* AES decryption without padding; LEN a multiple of the block size. */
static int aes_decrypt(const EVP_CIPHER *ci,
                       const uint8_t *key,
                       const uint8_t *iv,
                       const uint8_t *in,
                       size_t len,
                       uint8_t *out)
{
  int ok = 0, l1 = 0, l2 = 0;
  EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
  if (!x)
    return 0;
  if (EVP_DecryptInit_ex(x, ci, NULL, key, iv) == 1 &&
      EVP_CIPHER_CTX_set_padding(x, 0) == 1 && len <= 0x7fffffff &&
      EVP_DecryptUpdate(x, out, &l1, in, (int)len) == 1 &&
      EVP_DecryptFinal_ex(x, out + l1, &l2) == 1)
    ok = (size_t)(l1 + l2) == len;
  EVP_CIPHER_CTX_free(x);
  return ok;
}

static const EVP_CIPHER *aes_cbc(unsigned bits)
{
  return bits == 128   ? EVP_aes_128_cbc()
         : bits == 192 ? EVP_aes_192_cbc()
         : bits == 256 ? EVP_aes_256_cbc()
                       : NULL;
}

static const EVP_CIPHER *aes_ecb(unsigned bits)
{
  return bits == 128   ? EVP_aes_128_ecb()
         : bits == 192 ? EVP_aes_192_ecb()
         : bits == 256 ? EVP_aes_256_ecb()
                       : NULL;
}

/* ---- agile encryption: an XML descriptor ---------------------------------
 */

/* The value of attribute NAME in the element starting at TAG (up to its
 * '>'), copied into OUT; 0 when absent. */
static int
attr(const char *tag, const char *end, const char *name, char *out, size_t cap)
{
  size_t nl = strlen(name);
  const char *gt = memchr(tag, '>', (size_t)(end - tag));
  if (!gt)
    gt = end;
  for (const char *p = tag; p + nl + 2 < gt; p++) {
    if ((p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r') &&
        strncmp(p, name, nl) == 0 && p[nl] == '=' &&
        (p[nl + 1] == '"' || p[nl + 1] == '\'')) {
      char q = p[nl + 1];
      const char *v = p + nl + 2, *e = memchr(v, q, (size_t)(gt - v));
      if (!e || (size_t)(e - v) >= cap)
        return 0;
      memcpy(out, v, (size_t)(e - v));
      out[e - v] = '\0';
      return 1;
    }
  }
  return 0;
}

/* The first element named LOCAL (any namespace prefix). */
static const char *element(const char *x, const char *end, const char *local)
{
  size_t ll = strlen(local);
  for (const char *p = x; p + ll + 1 < end; p++) {
    if (*p != '<')
      continue;
    const char *q = p + 1, *colon = NULL;
    for (const char *r = q; r < end && r < q + 64; r++) {
      if (*r == ':') {
        colon = r;
        break;
      }
      if (*r == ' ' || *r == '>' || *r == '/')
        break;
    }
    if (colon)
      q = colon + 1;
    if (q + ll < end && strncmp(q, local, ll) == 0 &&
        (q[ll] == ' ' || q[ll] == '\t' || q[ll] == '\n' || q[ll] == '\r'))
      return p + 1;
  }
  return NULL;
}

static size_t b64(const char *s, uint8_t *out, size_t cap)
{
  size_t n = strlen(s), pad = 0;
  if (n == 0 || n % 4 || n / 4 * 3 > cap)
    return 0;
  int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
  if (r < 0)
    return 0;
  if (s[n - 1] == '=')
    pad++;
  if (s[n - 2] == '=')
    pad++;
  return (size_t)r - pad;
}

static const EVP_MD *digest(const char *name)
{
  if (strcasecmp(name, "SHA1") == 0 || strcasecmp(name, "SHA-1") == 0)
    return EVP_sha1();
  if (strcasecmp(name, "SHA256") == 0)
    return EVP_sha256();
  if (strcasecmp(name, "SHA384") == 0)
    return EVP_sha384();
  if (strcasecmp(name, "SHA512") == 0)
    return EVP_sha512();
  if (strcasecmp(name, "MD5") == 0)
    return EVP_md5();
  return NULL;
}

typedef struct agile_params {
  const EVP_MD *md;
  unsigned key_bits, block, salt_len;
  uint8_t salt[64];
} agile_params;

/* Key bytes from H(hash || block key), truncated or padded with 0x36. */
static void derive(const EVP_MD *md,
                   const uint8_t *h,
                   unsigned hl,
                   const uint8_t *bk,
                   uint8_t *out,
                   unsigned want)
{
  uint8_t t[EVP_MAX_MD_SIZE];
  unsigned n = hash2(md, h, hl, bk, 8, t);
  memset(out, 0x36, want);
  memcpy(out, t, n < want ? n : want);
}

typedef struct crypt_result {
  const char *method; /* "agile", "standard", or NULL: not understood */
  const char *why;    /* why it could not be decrypted */
  uint8_t key[64];
  unsigned key_len;
  agile_params data; /* agile: the package's cipher parameters */
} crypt_result;

static int
agile_key(const char *xml, size_t len, const char *pw, crypt_result *r)
{
  static const uint8_t bk_input[8] = {0xfe, 0xa7, 0xd2, 0x76,
                                      0x3b, 0x4b, 0x9e, 0x79};
  static const uint8_t bk_hash[8] = {0xd7, 0xaa, 0x0f, 0x6d,
                                     0x30, 0x61, 0x34, 0x4e};
  static const uint8_t bk_key[8] = {0x14, 0x6e, 0x0b, 0xe7,
                                    0xab, 0xac, 0xd0, 0xd6};
  const char *end = xml + len;
  char v[1024];
  const char *kd = element(xml, end, "keyData");
  const char *ek = element(xml, end, "encryptedKey");
  agile_params p;
  uint8_t ehi[256], ehv[256], ekv[256];
  size_t ehi_l, ehv_l, ekv_l;
  unsigned spin;
  if (!kd || !ek) {
    r->why = "no keyData or password key encryptor in EncryptionInfo";
    return 0;
  }
  /* keyData: the package's cipher */
  memset(&r->data, 0, sizeof r->data);
  if (!attr(kd, end, "hashAlgorithm", v, sizeof v) ||
      !(r->data.md = digest(v)) || !attr(kd, end, "keyBits", v, sizeof v) ||
      !(r->data.key_bits = (unsigned)strtoul(v, NULL, 10)) ||
      !aes_cbc(r->data.key_bits) || !attr(kd, end, "blockSize", v, sizeof v) ||
      (r->data.block = (unsigned)strtoul(v, NULL, 10)) != 16 ||
      !attr(kd, end, "saltValue", v, sizeof v) ||
      (r->data.salt_len =
           (unsigned)b64(v, r->data.salt, sizeof r->data.salt)) == 0 ||
      !attr(kd, end, "cipherAlgorithm", v, sizeof v) ||
      strcasecmp(v, "AES") != 0) {
    r->why = "keyData: an unsupported or missing cipher parameter";
    return 0;
  }
  memset(&p, 0, sizeof p);
  if (!attr(ek, end, "hashAlgorithm", v, sizeof v) || !(p.md = digest(v)) ||
      !attr(ek, end, "keyBits", v, sizeof v) ||
      !(p.key_bits = (unsigned)strtoul(v, NULL, 10)) || !aes_cbc(p.key_bits) ||
      !attr(ek, end, "saltValue", v, sizeof v) ||
      (p.salt_len = (unsigned)b64(v, p.salt, sizeof p.salt)) < 16 ||
      !attr(ek, end, "spinCount", v, sizeof v) ||
      (spin = (unsigned)strtoul(v, NULL, 10)) > MAX_SPIN ||
      !attr(ek, end, "encryptedVerifierHashInput", v, sizeof v) ||
      (ehi_l = b64(v, ehi, sizeof ehi)) == 0 || ehi_l % 16 ||
      !attr(ek, end, "encryptedVerifierHashValue", v, sizeof v) ||
      (ehv_l = b64(v, ehv, sizeof ehv)) == 0 || ehv_l % 16 ||
      !attr(ek, end, "encryptedKeyValue", v, sizeof v) ||
      (ekv_l = b64(v, ekv, sizeof ekv)) == 0 || ekv_l % 16 ||
      p.key_bits / 8 > ekv_l) {
    r->why = "encryptedKey: an unsupported or missing parameter";
    return 0;
  }
  uint8_t pw16[256], h[EVP_MAX_MD_SIZE], it[4 + EVP_MAX_MD_SIZE];
  size_t pl = password_utf16(pw, pw16, sizeof pw16);
  unsigned hl = hash2(p.md, p.salt, p.salt_len, pw16, pl, h);
  if (!hl)
    return 0;
  for (unsigned i = 0; i < spin; i++) {
    put32(it, i);
    memcpy(it + 4, h, hl);
    hash2(p.md, it, 4 + hl, NULL, 0, h);
  }
  unsigned kl = p.key_bits / 8;
  uint8_t k1[64], k2[64], k3[64], in_[256], hv[256], vh[EVP_MAX_MD_SIZE];
  derive(p.md, h, hl, bk_input, k1, kl);
  derive(p.md, h, hl, bk_hash, k2, kl);
  derive(p.md, h, hl, bk_key, k3, kl);
  const EVP_CIPHER *ci = aes_cbc(p.key_bits);
  if (!aes_decrypt(ci, k1, p.salt, ehi, ehi_l, in_) ||
      !aes_decrypt(ci, k2, p.salt, ehv, ehv_l, hv) ||
      hash2(p.md, in_, p.salt_len < ehi_l ? p.salt_len : ehi_l, NULL, 0, vh) !=
          hl ||
      ehv_l < hl || memcmp(vh, hv, hl) != 0) {
    r->why = "wrong password";
    return 0;
  }
  uint8_t kv[256];
  if (!aes_decrypt(ci, k3, p.salt, ekv, ekv_l, kv)) {
    r->why = "the key does not decrypt";
    return 0;
  }
  memcpy(r->key, kv, kl);
  OPENSSL_cleanse(kv, sizeof kv);
  r->key_len = kl;
  if (r->data.key_bits / 8 != kl) {
    r->why = "keyData and encryptedKey disagree on the key size";
    return 0;
  }
  return 1;
}

/* The EncryptedPackage stream (size, then 4096-byte segments, each with
 * its IV from the keyData salt and the segment number). */
static uint8_t *agile_package(const crypt_result *r,
                              const uint8_t *pk,
                              size_t n,
                              size_t *out_len,
                              int *cut)
{
  uint64_t size = le64(pk);
  size_t have = n - 8, o = 0;
  const EVP_CIPHER *ci = aes_cbc(r->data.key_bits);
  uint8_t *out;
  if (size > MAX_PACKAGE)
    return NULL;
  *cut = size > have;
  have -= have % 16;
  out = malloc(have ? have : 1);
  if (!out)
    return NULL;
  for (uint32_t seg = 0; o < have; seg++) {
    size_t l = have - o < 4096 ? have - o : 4096;
    uint8_t sn[4], iv[EVP_MAX_MD_SIZE], ivb[16];
    put32(sn, seg);
    unsigned hl = hash2(r->data.md, r->data.salt, r->data.salt_len, sn, 4, iv);
    memset(ivb, 0x36, 16);
    memcpy(ivb, iv, hl < 16 ? hl : 16);
    if (!aes_decrypt(ci, r->key, ivb, pk + 8 + o, l, out + o)) {
      free(out);
      return NULL;
    }
    o += l;
  }
  *out_len = size < o ? (size_t)size : o;
  return out;
}

/* ---- standard encryption: a binary header, AES-ECB ----------------------
 */

static int
standard_key(const uint8_t *ei, size_t n, const char *pw, crypt_result *r)
{
  /* version (4), flags (4), header size (4), header, verifier */
  uint32_t hs = le32(ei + 8);
  if (hs < 32 || hs > n - 12 || n - 12 - hs < 4 + 16 + 16 + 4 + 32) {
    r->why = "EncryptionInfo too short";
    return 0;
  }
  const uint8_t *h = ei + 12, *v = ei + 12 + hs;
  uint32_t alg = le32(h + 8), alg_hash = le32(h + 12), bits = le32(h + 16);
  if (alg != 0x660e && alg != 0x660f && alg != 0x6610) {
    r->why = "not AES (RC4 standard encryption is not read)";
    return 0;
  }
  if ((alg_hash != 0x8004 && alg_hash != 0) || !aes_ecb(bits) ||
      le32(v) != 16) {
    r->why = "an unsupported hash, key size or salt size";
    return 0;
  }
  const uint8_t *salt = v + 4, *ever = v + 20, *evh = v + 40;
  uint8_t pw16[256], hh[EVP_MAX_MD_SIZE], it[4 + 20], b36[64], b5c[64], x[40],
      ver[16], vh[32], sh[20];
  size_t pl = password_utf16(pw, pw16, sizeof pw16);
  const EVP_MD *md = EVP_sha1();
  hash2(md, salt, 16, pw16, pl, hh);
  for (uint32_t i = 0; i < 50000; i++) {
    put32(it, i);
    memcpy(it + 4, hh, 20);
    hash2(md, it, 24, NULL, 0, hh);
  }
  uint8_t z[4] = {0, 0, 0, 0};
  hash2(md, hh, 20, z, 4, hh);
  memset(b36, 0x36, 64);
  memset(b5c, 0x5c, 64);
  for (int i = 0; i < 20; i++) {
    b36[i] ^= hh[i];
    b5c[i] ^= hh[i];
  }
  hash2(md, b36, 64, NULL, 0, x);
  hash2(md, b5c, 64, NULL, 0, x + 20);
  memcpy(r->key, x, bits / 8);
  r->key_len = bits / 8;
  if (!aes_decrypt(aes_ecb(bits), r->key, NULL, ever, 16, ver) ||
      !aes_decrypt(aes_ecb(bits), r->key, NULL, evh, 32, vh) ||
      hash2(md, ver, 16, NULL, 0, sh) != 20 || memcmp(sh, vh, 20) != 0) {
    r->why = "wrong password";
    return 0;
  }
  r->data.key_bits = bits;
  return 1;
}

static uint8_t *standard_package(const crypt_result *r,
                                 const uint8_t *pk,
                                 size_t n,
                                 size_t *out_len,
                                 int *cut)
{
  uint64_t size = le64(pk);
  size_t have = n - 8;
  uint8_t *out;
  if (size > MAX_PACKAGE)
    return NULL;
  *cut = size > have;
  have -= have % 16;
  out = malloc(have ? have : 1);
  if (!out)
    return NULL;
  if (have && !aes_decrypt(aes_ecb(r->data.key_bits), r->key, NULL, pk + 8,
                           have, out)) {
    free(out);
    return NULL;
  }
  *out_len = size < have ? (size_t)size : have;
  return out;
}

art_status art__office_decrypt_ooxml(cfb *c,
                                     const art_dissect_input *in,
                                     art_dissect_sink *sink,
                                     json_t *sum)
{
  long ii = art__cfb_find(c, "EncryptionInfo"),
       pi = art__cfb_find(c, "EncryptedPackage");
  size_t il = 0, pl = 0, dl = 0;
  uint8_t *ei, *pk = NULL, *dec = NULL;
  crypt_result r;
  int ok = 0, cut = 0;
  art_status st = ART_OK;
  memset(&r, 0, sizeof r);
  if (ii < 0 || pi < 0)
    return ART_OK;
  ei = art__cfb_read(c, (size_t)ii, 1u << 20, &il);
  if (ei && il >= 8) {
    unsigned major = (unsigned)ei[0] | (unsigned)ei[1] << 8,
             minor = (unsigned)ei[2] | (unsigned)ei[3] << 8;
    if (major == 4 && minor == 4) {
      r.method = "agile";
      ok = agile_key((const char *)ei + 8, il - 8, DEFAULT_PASSWORD, &r);
    } else if ((major == 3 || major == 4) && minor == 2) {
      r.method = "standard";
      ok = il >= 12 && standard_key(ei, il, DEFAULT_PASSWORD, &r);
    } else if ((major == 3 || major == 4) && minor == 3) {
      r.method = "extensible";
      r.why = "extensible encryption is not read";
    } else {
      r.why = "unknown EncryptionInfo version";
    }
  } else {
    r.why = "EncryptionInfo unreadable";
  }
  free(ei);
  json_object_set_new(sum, "encryption_method",
                      r.method ? json_string(r.method) : json_null());
  if (ok) {
    pk = art__cfb_read(c, (size_t)pi, MAX_PACKAGE + 8, &pl);
    if (pk && pl >= 8)
      dec = strcmp(r.method, "agile") == 0
                ? agile_package(&r, pk, pl, &dl, &cut)
                : standard_package(&r, pk, pl, &dl, &cut);
    if (!dec) {
      ok = 0;
      r.why = "EncryptedPackage unreadable";
    }
  }
  free(pk);
  OPENSSL_cleanse(r.key, sizeof r.key);
  json_object_set_new(sum, "decrypted_with",
                      ok ? json_string(DEFAULT_PASSWORD) : json_null());
  if (!ok) {
    json_object_set_new(sum, "decryption_error", json_string(r.why));
    return ART_OK;
  }
  json_object_set_new(sum, "decryption_error", json_null());
  art_dissect_sink_flag(sink, "decrypted_default_password");
  if (cut)
    art_dissect_sink_error(sink,
                           "%s: ole: EncryptedPackage shorter than its "
                           "declared size: the decrypted package is cut",
                           in->name);
  art_dissect_child ch = {
      "office-decrypted", "EncryptedPackage", dec, dl, NULL, NULL, cut};
  st = art_dissect_sink_child(sink, &ch);
  free(dec);
  return st == ART_ERR_LIMIT ? ART_ERR_LIMIT : cut ? ART_ERR_CORRUPT : ART_OK;
}

/* ---- Excel 97-2003: the Workbook stream after FILEPASS ([MS-XLS] 2.2.10,
 * 2.4.117; [MS-OFFCRYPTO] 2.3.5, 2.3.6) ------------------------------------
 */

/* RC4 lives in OpenSSL 3's legacy provider: loaded once into a library
 * context of our own (never the default one, whose algorithms the rest of
 * the program uses), before a sandboxed worker installs its seccomp filter
 * (the provider is a shared object to open and map). */
static pthread_once_t rc4_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *rc4_libctx;
static EVP_CIPHER *rc4_cipher;

static void rc4_load(void)
{
  rc4_libctx = OSSL_LIB_CTX_new();
  if (!rc4_libctx)
    return;
  if (!OSSL_PROVIDER_load(rc4_libctx, "legacy") ||
      !(rc4_cipher = EVP_CIPHER_fetch(rc4_libctx, "RC4", NULL))) {
    OSSL_LIB_CTX_free(rc4_libctx);
    rc4_libctx = NULL;
  }
}

int art__office_crypto_init(void)
{
  pthread_once(&rc4_once, rc4_load);
  return rc4_cipher != NULL;
}

#define BIFF_BLOCK 1024u

static const char garbled[] = "FILEPASS record cut or garbled";

/* SUM's "encryption_method", "decrypted_with" and "decryption_error"
 * of an RC4/XOR attempt with the default password (OK: decrypted; CR's
 * reason otherwise, "digest failed" when none was given). */
static void rc4_summary(json_t *sum, crypt_result *cr, int ok)
{
  if (!ok && !cr->why)
    cr->why = "digest failed";
  json_object_set_new(sum, "encryption_method",
                      cr->method ? json_string(cr->method) : json_null());
  json_object_set_new(sum, "decrypted_with",
                      ok ? json_string(DEFAULT_PASSWORD) : json_null());
  json_object_set_new(sum, "decryption_error",
                      ok ? json_null() : json_string(cr->why));
}

typedef struct biff_rc4 {
  int cryptoapi;     /* SHA-1 based (2.3.5) or MD5 based (2.3.6) */
  unsigned key_len;  /* RC4 key bytes */
  unsigned trunc;    /* CryptoAPI: the hash bytes kept (5 for 40 bits) */
  uint8_t h[20];     /* the hash the block keys come from */
  unsigned hl;       /* its length */
  EVP_CIPHER_CTX *x; /* RC4 */
  uint64_t block;    /* the block ks[] is for, UINT64_MAX: none */
  unsigned bs;       /* rekeyed every BS bytes (Excel 1024, Word 512) */
  uint8_t ks[BIFF_BLOCK];
} biff_rc4;

/* The RC4 key of block B: CryptoAPI H(H0 || B) truncated (40 bits: 5
 * bytes then zeros to 16), Office 97 MD5(H1[0..5) || B). */
static int rc4_block_key(biff_rc4 *r, uint32_t b, uint8_t *key)
{
  uint8_t bb[4], t[EVP_MAX_MD_SIZE];
  put32(bb, b);
  if (r->cryptoapi) {
    if (hash2(EVP_sha1(), r->h, 20, bb, 4, t) != 20)
      return 0;
    memset(key, 0, r->key_len);
    memcpy(key, t, r->trunc);
  } else {
    if (hash2(EVP_md5(), r->h, 5, bb, 4, t) != 16)
      return 0;
    memcpy(key, t, 16);
  }
  OPENSSL_cleanse(t, sizeof t);
  return 1;
}

/* RC4 keyed for block B: N bytes of its key stream into OUT. */
static int rc4_stream(biff_rc4 *r, uint32_t b, uint8_t *out, size_t n)
{
  uint8_t key[16];
  int l = 0, ok;
  static const uint8_t zero[BIFF_BLOCK];
  if (n > sizeof zero || !rc4_block_key(r, b, key))
    return 0;
  ok = EVP_CipherInit_ex2(r->x, rc4_cipher, NULL, NULL, 1, NULL) == 1 &&
       EVP_CIPHER_CTX_set_key_length(r->x, (int)r->key_len) == 1 &&
       EVP_CipherInit_ex2(r->x, NULL, key, NULL, 1, NULL) == 1 &&
       EVP_CipherUpdate(r->x, out, &l, zero, (int)n) == 1 && (size_t)l == n;
  OPENSSL_cleanse(key, sizeof key);
  return ok;
}

/* XOR the key stream into D[A..B): the stream is rekeyed every R->bs
 * bytes, counted from its start. */
static int rc4_range(biff_rc4 *r, uint8_t *d, size_t a, size_t b)
{
  for (size_t o = a; o < b; o++) {
    uint64_t blk = o / r->bs;
    if (blk != r->block) {
      if (blk > UINT32_MAX || !rc4_stream(r, (uint32_t)blk, r->ks, r->bs))
        return 0;
      r->block = blk;
    }
    d[o] ^= r->ks[o % r->bs];
  }
  return 1;
}

/* Check the password against the FILEPASS verifier: block 0's key stream
 * decrypts the verifier then its hash. */
static int
rc4_verify(biff_rc4 *r, const uint8_t *ever, const uint8_t *evh, unsigned hl)
{
  uint8_t ks[16 + 20], v[16], h[20], vh[EVP_MAX_MD_SIZE];
  if (!rc4_stream(r, 0, ks, 16 + hl))
    return -1;
  for (unsigned i = 0; i < 16; i++)
    v[i] = ever[i] ^ ks[i];
  for (unsigned i = 0; i < hl; i++)
    h[i] = evh[i] ^ ks[16 + i];
  return hash2(r->cryptoapi ? EVP_sha1() : EVP_md5(), v, 16, NULL, 0, vh) ==
             hl &&
         memcmp(vh, h, hl) == 0;
}

/* The RC4 encryption header E (LEN bytes, from its version: a FILEPASS
 * record's after wEncryptionType, the start of Word's Table stream):
 * derive the keys for PW and check them; CR->why says why not, CUT when the
 * header is too short. */
static int rc4_header_key(const uint8_t *e,
                          size_t len,
                          const char *pw,
                          biff_rc4 *r,
                          crypt_result *cr,
                          const char *cut)
{
  uint8_t pw16[256];
  size_t pl = password_utf16(pw, pw16, sizeof pw16);
  int ok;
  if (len < 4) {
    cr->why = cut;
    return 0;
  }
  unsigned major = (unsigned)(e[0] | e[1] << 8),
           minor = (unsigned)(e[2] | e[3] << 8);
  if (major == 1 && minor == 1) {
    /* Office 97 RC4: salt, encrypted verifier, its encrypted MD5 */
    cr->method = "rc4";
    if (len < 4 + 48) {
      cr->why = cut;
      return 0;
    }
    const uint8_t *salt = e + 4;
    uint8_t h0[EVP_MAX_MD_SIZE], buf[16 * 21];
    if (hash2(EVP_md5(), pw16, pl, NULL, 0, h0) != 16)
      return 0;
    for (int i = 0; i < 16; i++) {
      memcpy(buf + 21 * i, h0, 5);
      memcpy(buf + 21 * i + 5, salt, 16);
    }
    if (hash2(EVP_md5(), buf, sizeof buf, NULL, 0, r->h) != 16)
      return 0;
    r->cryptoapi = 0;
    r->key_len = 16;
    ok = rc4_verify(r, e + 20, e + 36, 16);
  } else if ((major == 2 || major == 3 || major == 4) && minor == 2) {
    /* RC4 CryptoAPI: flags, header size, header, verifier */
    cr->method = "rc4_cryptoapi";
    if (len < 4 + 8) {
      cr->why = cut;
      return 0;
    }
    uint32_t hs = le32(e + 8);
    if (hs < 20 || hs > len - 12 || len - 12 - hs < 4 + 16 + 16 + 4 + 20) {
      cr->why = cut;
      return 0;
    }
    const uint8_t *h = e + 12, *v = e + 12 + hs;
    uint32_t alg = le32(h + 8), alg_hash = le32(h + 12), bits = le32(h + 16);
    if (bits == 0)
      bits = 40;
    if ((alg != 0x6801 && alg != 0) || (alg_hash != 0x8004 && alg_hash != 0) ||
        bits < 40 || bits > 128 || bits % 8 || le32(v) != 16 ||
        le32(v + 36) != 20) {
      cr->why = "an unsupported RC4 algorithm, key size or salt size";
      return 0;
    }
    if (hash2(EVP_sha1(), v + 4, 16, pw16, pl, r->h) != 20)
      return 0;
    r->cryptoapi = 1;
    r->trunc = bits / 8;
    r->key_len = bits == 40 ? 16 : bits / 8;
    ok = rc4_verify(r, v + 20, v + 40, 20);
  } else {
    cr->why = "unknown encryption version";
    return 0;
  }
  if (ok < 0) {
    cr->why = "RC4 is not available (OpenSSL's legacy provider did not load)";
    return 0;
  }
  if (!ok)
    cr->why = "wrong password";
  return ok;
}

/* ---- XOR obfuscation, method 1 ([MS-OFFCRYPTO] 2.3.7.1-2.3.7.3, [MS-XLS]
 * 2.2.10): a 16-byte array from the password, no cipher ------------------
 */

/* The password's bytes for method 1: each character's low byte, its high
 * byte when the low one is 0 (ASCII only here: the default password). */
static size_t xor_password(const char *pw, uint8_t *out)
{
  size_t n = 0;
  for (; *pw && n < 15; pw++)
    out[n++] = (uint8_t)*pw;
  return n;
}

/* 2.3.7.1: the 16-bit verifier FILEPASS keeps. */
static uint16_t xor_verifier(const uint8_t *pw, size_t n)
{
  unsigned v = 0;
  for (size_t i = n + 1; i-- > 0;) {
    unsigned b = i == 0 ? (unsigned)n : pw[i - 1];
    v = ((v & 0x4000) ? 1u : 0u) | ((v << 1) & 0x7fff);
    v ^= b;
  }
  return (uint16_t)(v ^ 0xce4b);
}

/* 2.3.7.2: the 16-bit key. */
static uint16_t xor_key(const uint8_t *pw, size_t n)
{
  static const uint16_t initial[15] = {0xe1f0, 0x1d0f, 0xcc9c, 0x84c0, 0x110c,
                                       0x0e10, 0xf1ce, 0x313e, 0x1872, 0xe139,
                                       0xd40f, 0x84f9, 0x280c, 0xa96a, 0x4ec3};
  static const uint16_t matrix[105] = {
      0xaefc, 0x4dd9, 0x9bb2, 0x2745, 0x4e8a, 0x9d14, 0x2a09, 0x7b61, 0xf6c2,
      0xfda5, 0xeb6b, 0xc6f7, 0x9dcf, 0x2bbf, 0x4563, 0x8ac6, 0x05ad, 0x0b5a,
      0x16b4, 0x2d68, 0x5ad0, 0x0375, 0x06ea, 0x0dd4, 0x1ba8, 0x3750, 0x6ea0,
      0xdd40, 0xd849, 0xa0b3, 0x5147, 0xa28e, 0x553d, 0xaa7a, 0x44d5, 0x6f45,
      0xde8a, 0xad35, 0x4a4b, 0x9496, 0x390d, 0x721a, 0xeb23, 0xc667, 0x9cef,
      0x29ff, 0x53fe, 0xa7fc, 0x5fd9, 0x47d3, 0x8fa6, 0x0f6d, 0x1eda, 0x3db4,
      0x7b68, 0xf6d0, 0xb861, 0x60e3, 0xc1c6, 0x93ad, 0x377b, 0x6ef6, 0xddec,
      0x45a0, 0x8b40, 0x06a1, 0x0d42, 0x1a84, 0x3508, 0x6a10, 0xaa51, 0x4483,
      0x8906, 0x022d, 0x045a, 0x08b4, 0x1168, 0x76b4, 0xed68, 0xcaf1, 0x85c3,
      0x1ba7, 0x374e, 0x6e9c, 0x3730, 0x6e60, 0xdcc0, 0xa9a1, 0x4363, 0x86c6,
      0x1dad, 0x3331, 0x6662, 0xccc4, 0x89a9, 0x0373, 0x06e6, 0x0dcc, 0x1021,
      0x2042, 0x4084, 0x8108, 0x1231, 0x2462, 0x48c4};
  unsigned key, el = 104;
  if (n == 0 || n > 15)
    return 0;
  key = initial[n - 1];
  for (size_t i = n; i-- > 0;) {
    unsigned c = pw[i];
    for (int j = 0; j < 7; j++, el--) {
      if (c & 0x40)
        key ^= matrix[el];
      c <<= 1;
    }
  }
  return (uint16_t)key;
}

static uint8_t xor_ror(uint8_t a, uint8_t b)
{
  uint8_t v = a ^ b;
  return (uint8_t)(v >> 1 | v << 7);
}

/* 2.3.7.2: the obfuscation array. */
static void xor_array(const uint8_t *pw, size_t n, uint8_t arr[16])
{
  static const uint8_t pad[15] = {0xbb, 0xff, 0xff, 0xba, 0xff,
                                  0xff, 0xb9, 0x80, 0x00, 0xbe,
                                  0x0f, 0x00, 0xbf, 0x0f, 0x00};
  uint16_t key = xor_key(pw, n);
  uint8_t hi = (uint8_t)(key >> 8), lo = (uint8_t)key;
  size_t i = n;
  memset(arr, 0, 16);
  if (n == 0)
    return;
  if (i & 1) {
    arr[i] = xor_ror(pad[0], hi);
    i--;
    arr[i] = xor_ror(pw[n - 1], lo);
  }
  while (i > 0) {
    i--;
    arr[i] = xor_ror(pw[i], hi);
    i--;
    arr[i] = xor_ror(pw[i], lo);
  }
  i = 15;
  for (size_t pi = 15 - n; pi > 0;) {
    arr[i--] = xor_ror(pad[pi--], hi);
    arr[i--] = xor_ror(pad[pi--], lo);
  }
}

/* The XOR obfuscation body (key, verificationBytes; LEN bytes): 1 when PW
 * is the password, ARR its obfuscation array. */
static int xor_check(const uint8_t *b,
                     size_t len,
                     const char *pw,
                     uint8_t arr[16],
                     crypt_result *cr)
{
  uint8_t p[16];
  size_t n = xor_password(pw, p);
  cr->method = "xor";
  if (len < 4) {
    cr->why = garbled;
    return 0;
  }
  if (le16(b + 2) != xor_verifier(p, n)) {
    cr->why = "wrong password";
    return 0;
  }
  xor_array(p, n, arr);
  return 1;
}

/* FILEPASS body FP (LEN bytes): XOR obfuscation (ARR set, *XOR 1) or RC4. */
static int filepass_key(const uint8_t *fp,
                        size_t len,
                        const char *pw,
                        biff_rc4 *r,
                        uint8_t arr[16],
                        int * xor
                        , crypt_result *cr)
{
  if (len < 2) {
    cr->why = garbled;
    return 0;
  }
  uint16_t type = (uint16_t)(fp[0] | fp[1] << 8);
  if (type == 0) {
    *xor = 1;
    return xor_check(fp + 2, len - 2, pw, arr, cr);
  }
  if (type != 1) {
    cr->why = "FILEPASS: unknown encryption type";
    return 0;
  }
  return rc4_header_key(fp + 2, len - 2, pw, r, cr, garbled);
}

/* Records that stay in clear after FILEPASS ([MS-XLS] 2.2.10): BOF,
 * FILEPASS, UsrExcl, FileLock, InterfaceHdr, RRDInfo, RRDHead; BoundSheet8
 * keeps its lbPlyPos (4 bytes) in clear. */
static size_t clear_prefix(uint16_t id, size_t rl)
{
  switch (id) {
  case 0x0809:
  case 0x002f:
  case 0x0194:
  case 0x0195:
  case 0x00e1:
  case 0x0196:
  case 0x0138:
    return rl;
  case 0x0085:
    return rl < 4 ? rl : 4;
  default:
    return 0;
  }
}

uint8_t *art__office_decrypt_biff(const uint8_t *wb,
                                  size_t n,
                                  const art_dissect_input *in,
                                  art_dissect_sink *sink,
                                  json_t *sum,
                                  size_t *out_len,
                                  art_status *st)
{
  crypt_result cr;
  biff_rc4 r;
  uint8_t *out = NULL;
  size_t i = 0, fp = 0, fpl = 0;
  int found = 0, ok = 0, cut = 0, xor = 0;
  uint8_t arr[16];
  memset(&cr, 0, sizeof cr);
  memset(&r, 0, sizeof r);
  *st = ART_OK;
  /* FILEPASS, in the globals substream before its EOF */
  for (size_t recs = 0; i + 4 <= n && recs < 4096; recs++) {
    uint16_t id = (uint16_t)(wb[i] | wb[i + 1] << 8);
    size_t rl = (size_t)(wb[i + 2] | wb[i + 3] << 8);
    if (id == 0x002f) {
      found = 1;
      fp = i;
      fpl = rl <= n - i - 4 ? rl : n - i - 4;
      break;
    }
    if (id == 0x000a && recs > 0)
      break;
    i += 4 + rl;
  }
  if (!found || fpl < (size_t)(wb[fp + 2] | wb[fp + 3] << 8)) {
    cr.why = garbled; /* absent, or running past the stream */
  } else if (n >= 6 && (wb[4] | wb[5] << 8) < 0x0600) {
    /* BIFF5 (Excel 5.0/95): FILEPASS holds an XOR key and verifier */
    xor = 1;
    ok = xor_check(wb + fp + 4, fpl, DEFAULT_PASSWORD, arr, &cr);
  } else if (fpl >= 2 && le16(wb + fp + 4) == 0) {
    /* BIFF8 XOR obfuscation: no cipher needed */
    ok = filepass_key(wb + fp + 4, fpl, DEFAULT_PASSWORD, &r, arr, &xor, &cr);
  } else if (!art__office_crypto_init()) {
    cr.why = "RC4 is not available (OpenSSL's legacy provider did not load)";
  } else if ((r.x = EVP_CIPHER_CTX_new()) != NULL &&
             filepass_key(wb + fp + 4, fpl, DEFAULT_PASSWORD, &r, arr, &xor,
                          &cr)) {
    ok = 1;
  }
  if (ok && (out = malloc(n ? n : 1)) != NULL) {
    memcpy(out, wb, n);
    /* FILEPASS blanked (record type 0, its size kept), as msoffcrypto-tool
     * writes the decrypted stream: the stream keeps its size and offsets */
    memset(out + fp, 0, 2);
    memset(out + fp + 4, 0, fpl);
    r.block = UINT64_MAX;
    r.bs = BIFF_BLOCK;
    for (i = fp + 4 + fpl; i + 4 <= n && ok;) {
      uint16_t id = (uint16_t)(out[i] | out[i + 1] << 8);
      size_t rl = (size_t)(out[i + 2] | out[i + 3] << 8);
      if (rl > n - i - 4) {
        rl = n - i - 4;
        cut = 1;
      }
      size_t clr = clear_prefix(id, rl);
      if (xor) {
        /* each byte XORed with the array at (its stream offset + the
         * record's size) mod 16, then rotated left by 3 bits */
        for (size_t o = i + 4 + clr; o < i + 4 + rl; o++) {
          uint8_t v = out[o] ^ arr[(o + rl) & 15];
          out[o] = (uint8_t)(v << 3 | v >> 5);
        }
      } else if (clr < rl) {
        ok = rc4_range(&r, out, i + 4 + clr, i + 4 + rl);
      }
      i += 4 + rl;
    }
    if (i < n)
      cut = 1;
    if (!ok) {
      free(out);
      out = NULL;
      cr.why = "RC4 failed";
    }
  } else if (ok) {
    ok = 0;
    *st = ART_ERR_NOMEM;
    cr.why = "out of memory";
  }
  EVP_CIPHER_CTX_free(r.x);
  OPENSSL_cleanse(&r, sizeof r);
  OPENSSL_cleanse(arr, sizeof arr);
  rc4_summary(sum, &cr, out != NULL);
  if (!out) {
    if (cr.why == garbled) {
      art_dissect_sink_error(sink,
                             "%s: ole: Workbook: FILEPASS record cut or "
                             "garbled: not decrypted",
                             in->name);
      *st = ART_ERR_CORRUPT;
    }
    return NULL;
  }
  art_dissect_sink_flag(sink, "decrypted_default_password");
  if (cut)
    art_dissect_sink_error(sink,
                           "%s: ole: Workbook: the last record runs past the "
                           "stream: the decrypted stream is cut",
                           in->name);
  art_dissect_child ch = {
      "office-decrypted", "Workbook", out, n, NULL, NULL, cut};
  if (art_dissect_sink_child(sink, &ch) == ART_ERR_LIMIT)
    *st = ART_ERR_LIMIT;
  else if (cut)
    *st = ART_ERR_CORRUPT;
  *out_len = n;
  return out;
}

/* ---- Word 97-2003: RC4 in the WordDocument and Table streams ([MS-DOC]
 * 2.2.6.2, [MS-OFFCRYPTO] 2.3.5, 2.3.6) ------------------------------------
 */

#define FIB_BASE 68u

art_status art__office_decrypt_word(cfb *c,
                                    const art_dissect_input *in,
                                    art_dissect_sink *sink,
                                    json_t *sum)
{
  crypt_result cr;
  biff_rc4 r;
  long wi = art__cfb_find(c, "WordDocument"), ti;
  size_t wn = 0, tn = 0;
  uint8_t *wd = NULL, *tb = NULL;
  int ok = 0;
  art_status st = ART_OK;
  static const char cut[] = "encryption header cut or garbled";
  memset(&cr, 0, sizeof cr);
  memset(&r, 0, sizeof r);
  if (wi >= 0)
    wd = art__cfb_read(c, (size_t)wi, (uint64_t)1 << 30, &wn);
  if (!wd || wn < FIB_BASE) {
    cr.why = "WordDocument stream unreadable or shorter than its FIB";
  } else {
    unsigned flags = (unsigned)(wd[10] | wd[11] << 8);
    uint32_t lkey = le32(wd + 14);
    ti = art__cfb_find(c, (flags & 0x0200) ? "1Table" : "0Table");
    if (flags & 0x8000) {
      cr.method = "xor";
      cr.why = "XOR obfuscation is not decrypted";
    } else if (ti < 0 || !(tb = art__cfb_read(c, (size_t)ti, 1u << 16, &tn))) {
      cr.why = "no Table stream";
    } else if (lkey > tn) {
      cr.why = cut;
    } else if (!art__office_crypto_init()) {
      cr.why = "RC4 is not available (OpenSSL's legacy provider did not load)";
    } else if ((r.x = EVP_CIPHER_CTX_new()) != NULL &&
               rc4_header_key(tb, lkey, DEFAULT_PASSWORD, &r, &cr, cut)) {
      /* the FIB's base in clear, fEncrypted, fObfuscation and lKey
       * cleared as msoffcrypto-tool writes it; the rest decrypted with
       * the key rekeyed every 512 bytes of the stream */
      r.block = UINT64_MAX;
      r.bs = 512;
      wd[11] &= (uint8_t) ~(0x01 | 0x80);
      memset(wd + 14, 0, 4);
      ok = rc4_range(&r, wd, FIB_BASE, wn);
      if (!ok)
        cr.why = "RC4 failed";
    }
  }
  EVP_CIPHER_CTX_free(r.x);
  OPENSSL_cleanse(&r, sizeof r);
  free(tb);
  rc4_summary(sum, &cr, ok);
  if (!ok && cr.why == cut) {
    art_dissect_sink_error(sink,
                           "%s: ole: the Table stream's encryption header "
                           "is cut or garbled: not decrypted",
                           in->name);
    st = ART_ERR_CORRUPT;
  }
  if (ok) {
    art_dissect_sink_flag(sink, "decrypted_default_password");
    art_dissect_child ch = {
        "office-decrypted", "WordDocument", wd, wn, NULL, NULL, 0};
    if (art_dissect_sink_child(sink, &ch) == ART_ERR_LIMIT)
      st = ART_ERR_LIMIT;
  }
  free(wd);
  return st;
}

/* ---- PowerPoint 97-2003: RC4 CryptoAPI persist objects ([MS-PPT] 2.3.7,
 * 2.3.3 UserEditAtom, 2.3.4 PersistDirectoryAtom; [MS-OFFCRYPTO] 2.3.5) --
 */

#define PPT_MAX_EDITS   1024
#define PPT_MAX_OBJECTS (1u << 20)

typedef struct ppt_obj {
  uint32_t id, off, seq;
} ppt_obj;

static int ppt_by_id(const void *a, const void *b)
{
  const ppt_obj *x = a, *y = b;
  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return x->seq > y->seq ? -1 : x->seq < y->seq; /* the newest first */
}

static int ppt_by_off(const void *a, const void *b)
{
  const ppt_obj *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off;
}

/* The persist object directory of stream S (N bytes) from the
 * UserEditAtom at EDIT and the ones before it, newer entries replacing
 * older ones; *CRYPT the current edit's encryptSessionPersistIdRef (0:
 * none). NULL with *WHY when it cannot be read. */
static ppt_obj *ppt_directory(const uint8_t *s,
                              size_t n,
                              uint32_t edit,
                              size_t *count,
                              uint32_t *crypt,
                              const char **why)
{
  uint32_t dirs[PPT_MAX_EDITS];
  size_t nd = 0, no = 0, cap = 0;
  ppt_obj *o = NULL;
  *count = 0;
  *crypt = 0;
  for (uint32_t e = edit; nd < PPT_MAX_EDITS;) {
    if (e > n || n - e < 8 + 28 || le16(s + e + 2) != 0x0ff5 ||
        le32(s + e + 4) < 28 || le32(s + e + 4) > n - e - 8) {
      *why = "UserEditAtom cut or garbled";
      return NULL;
    }
    if (nd == 0 && le32(s + e + 4) >= 32)
      *crypt = le32(s + e + 8 + 28);
    dirs[nd++] = le32(s + e + 8 + 12);
    uint32_t last = le32(s + e + 8 + 8);
    if (last == 0)
      break;
    if (last >= e) { /* each edit is written after the one before it */
      *why = "UserEditAtom chain loops";
      return NULL;
    }
    e = last;
  }
  for (size_t k = nd; k-- > 0;) {
    uint32_t d = dirs[k];
    if (d > n || n - d < 8 || le16(s + d + 2) != 0x1772 ||
        le32(s + d + 4) > n - d - 8) {
      *why = "PersistDirectoryAtom cut or garbled";
      free(o);
      return NULL;
    }
    const uint8_t *p = s + d + 8, *end = p + le32(s + d + 4);
    while (end - p >= 4) {
      uint32_t v = le32(p), id = v & 0xfffff, cp = v >> 20;
      p += 4;
      if ((size_t)(end - p) / 4 < cp) {
        *why = "PersistDirectoryAtom cut or garbled";
        free(o);
        return NULL;
      }
      for (uint32_t i = 0; i < cp; i++, p += 4) {
        if (no == PPT_MAX_OBJECTS) {
          *why = "more than 1048576 persist objects";
          free(o);
          return NULL;
        }
        if (no == cap) {
          size_t nc = cap ? cap * 2 : 256;
          ppt_obj *q = realloc(o, nc * sizeof *q);
          if (!q) {
            *why = "out of memory";
            free(o);
            return NULL;
          }
          o = q;
          cap = nc;
        }
        o[no].id = id + i;
        o[no].off = le32(p);
        o[no].seq = (uint32_t)(nd - k);
        no++;
      }
    }
  }
  if (no) {
    size_t w = 0;
    qsort(o, no, sizeof *o, ppt_by_id);
    for (size_t i = 0; i < no; i++)
      if (w == 0 || o[w - 1].id != o[i].id)
        o[w++] = o[i];
    no = w;
  }
  *count = no;
  return o;
}

/* RC4 keyed for persist object ID, over D[0..LEN) in place. */
static int rc4_object(biff_rc4 *r, uint32_t id, uint8_t *d, size_t len)
{
  uint8_t key[16];
  int ok;
  if (!rc4_block_key(r, id, key))
    return 0;
  ok = EVP_CipherInit_ex2(r->x, rc4_cipher, NULL, NULL, 1, NULL) == 1 &&
       EVP_CIPHER_CTX_set_key_length(r->x, (int)r->key_len) == 1 &&
       EVP_CipherInit_ex2(r->x, NULL, key, NULL, 1, NULL) == 1;
  OPENSSL_cleanse(key, sizeof key);
  for (size_t o = 0; ok && o < len;) {
    int l = 0, want = len - o > (1u << 30) ? 1 << 30 : (int)(len - o);
    ok = EVP_CipherUpdate(r->x, d + o, &l, d + o, want) == 1 && l == want;
    o += (size_t)want;
  }
  return ok;
}

uint8_t *art__office_decrypt_ppt(cfb *c,
                                 const art_dissect_input *in,
                                 art_dissect_sink *sink,
                                 json_t *sum,
                                 size_t *out_len,
                                 size_t (**objs)[2],
                                 size_t *n_objs,
                                 art_status *st)
{
  crypt_result cr;
  biff_rc4 r;
  long ui = art__cfb_find(c, "Current User"),
       di = art__cfb_find(c, "PowerPoint Document");
  size_t un = 0, n = 0, no = 0, bad = 0;
  uint8_t *cu = NULL, *s = NULL;
  ppt_obj *o = NULL;
  uint32_t crypt = 0;
  int ok = 0, damaged = 0;
  memset(&cr, 0, sizeof cr);
  memset(&r, 0, sizeof r);
  *st = ART_OK;
  *out_len = 0;
  *objs = NULL;
  *n_objs = 0;
  if (ui >= 0)
    cu = art__cfb_read(c, (size_t)ui, 1u << 16, &un);
  if (di >= 0)
    s = art__cfb_read(c, (size_t)di, (uint64_t)1 << 30, &n);
  if (!cu || un < 20 || !s) {
    cr.why = "no Current User or PowerPoint Document stream";
  } else if (!(o = ppt_directory(s, n, le32(cu + 16), &no, &crypt, &cr.why))) {
    damaged = 1;
  } else if (crypt == 0) {
    cr.why = "no CryptSession10Container (encryptSessionPersistIdRef)";
  } else {
    const ppt_obj *cs = NULL;
    for (size_t i = 0; i < no && !cs; i++)
      if (o[i].id == crypt)
        cs = &o[i];
    size_t cl =
        cs && cs->off <= n && n - cs->off >= 8 ? le32(s + cs->off + 4) : 0;
    if (!cs || cl == 0 || cl > n - cs->off - 8 ||
        le16(s + cs->off + 2) != 0x2f14) {
      cr.why = "CryptSession10Container cut or garbled";
      damaged = 1;
    } else if (!art__office_crypto_init()) {
      cr.why = "RC4 is not available (OpenSSL's legacy provider did not load)";
    } else if ((r.x = EVP_CIPHER_CTX_new()) != NULL &&
               rc4_header_key(s + cs->off + 8, cl, DEFAULT_PASSWORD, &r, &cr,
                              "CryptSession10Container cut or garbled")) {
      if (strcmp(cr.method, "rc4_cryptoapi") != 0) {
        cr.why = "not RC4 CryptoAPI";
      } else {
        /* the container stays as it is (in clear: msoffcrypto-tool blanks
         * it, which leaves no record structure there) */
        uint32_t cso = cs->off;
        /* each persist object (header and body) decrypted with the key of
         * its persist id, in stream order, never one twice */
        qsort(o, no, sizeof *o, ppt_by_off);
        size_t done = 0;
        ok = (*objs = malloc((no ? no : 1) * sizeof **objs)) != NULL;
        for (size_t i = 0; i < no && ok; i++) {
          size_t off = o[i].off;
          if (off == cso)
            continue;
          if (off < done || off > n || n - off < 8) {
            bad++;
            continue;
          }
          uint8_t h[8];
          memcpy(h, s + off, 8);
          ok = rc4_object(&r, o[i].id, h, 8);
          size_t len = 8 + (size_t)le32(h + 4);
          if (len > n - off) {
            bad++;
            len = n - off;
          }
          if (ok)
            ok = rc4_object(&r, o[i].id, s + off, len);
          (*objs)[*n_objs][0] = off;
          (*objs)[(*n_objs)++][1] = len;
          done = off + len;
        }
        if (!ok)
          cr.why = "RC4 failed";
      }
    } else if (cr.why && strstr(cr.why, "cut")) {
      damaged = 1;
    }
  }
  EVP_CIPHER_CTX_free(r.x);
  OPENSSL_cleanse(&r, sizeof r);
  free(cu);
  free(o);
  rc4_summary(sum, &cr, ok);
  if (damaged) {
    art_dissect_sink_error(sink,
                           "%s: ole: PowerPoint Document: %s: not decrypted",
                           in->name, cr.why);
    *st = ART_ERR_CORRUPT;
  }
  if (!ok) {
    free(*objs);
    *objs = NULL;
    *n_objs = 0;
    free(s);
    return NULL;
  }
  art_dissect_sink_flag(sink, "decrypted_default_password");
  if (bad) {
    art_dissect_sink_error(sink,
                           "%s: ole: PowerPoint Document: %zu persist "
                           "objects outside the stream or overlapping "
                           "another: not all decrypted",
                           in->name, bad);
    *st = ART_ERR_CORRUPT;
  }
  art_dissect_child ch = {
      "office-decrypted", "PowerPoint Document", s, n, NULL, NULL, bad != 0};
  if (art_dissect_sink_child(sink, &ch) == ART_ERR_LIMIT)
    *st = ART_ERR_LIMIT;
  *out_len = n;
  return s;
}
