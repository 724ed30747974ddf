/* Authenticode dissector: the PE attribute certificate table read from the
 * headers (nothing else of the PE), each PKCS#7 signature through OpenSSL:
 * signer, issuer, serial, validity, signing and countersignature times,
 * and whether the digest it signs is the file's own (a signature grafted
 * from another file says "digest mismatch").
 * SPDX-License-Identifier: Apache-2.0
 */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dissect_private.h"

#define MAX_SIGNATURES 16

typedef struct pe_sec {
  size_t checksum_off; /* OptionalHeader.CheckSum */
  size_t secdir_off;   /* the Security data directory entry */
  uint32_t cert_off, cert_size;
} pe_sec;

/* Where the headers say the checksum, the security directory entry and
 * the certificate table are; 0 when this is not a PE with one. */
static int pe_security(const uint8_t *d, size_t n, pe_sec *ps)
{
  if (n < 0x40 || d[0] != 'M' || d[1] != 'Z')
    return 0;
  uint32_t pe = le32(d + 0x3c);
  if (pe > n - 24 || memcmp(d + pe, "PE\0\0", 4) != 0)
    return 0;
  size_t opt = (size_t)pe + 24;
  uint16_t opt_size = le16(d + pe + 20);
  if (opt + 2 > n)
    return 0;
  uint16_t magic = le16(d + opt);
  size_t dirs, ndirs_off;
  if (magic == 0x10b) {
    ndirs_off = opt + 92;
    dirs = opt + 96;
  } else if (magic == 0x20b) {
    ndirs_off = opt + 108;
    dirs = opt + 112;
  } else {
    return 0;
  }
  if (ndirs_off + 4 > n || le32(d + ndirs_off) < 5 ||
      dirs + 5 * 8 > opt + opt_size || dirs + 5 * 8 > n)
    return 0;
  ps->checksum_off = opt + 64;
  ps->secdir_off = dirs + 4 * 8;
  ps->cert_off = le32(d + ps->secdir_off);
  ps->cert_size = le32(d + ps->secdir_off + 4);
  return ps->cert_off != 0 && ps->cert_size != 0;
}

static int ac_recognise(const uint8_t *data, size_t len)
{
  pe_sec ps;
  return pe_security(data, len, &ps);
}

/* The Authenticode digest ("PE image hash") with MD: the file up to the
 * certificate table, without the checksum and the security directory
 * entry (the layout osslsigncode and signtool hash). */
static int pe_digest(const uint8_t *d,
                     const pe_sec *ps,
                     const EVP_MD *md,
                     unsigned char *out,
                     unsigned *out_len)
{
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = c && EVP_DigestInit_ex(c, md, NULL) &&
           EVP_DigestUpdate(c, d, ps->checksum_off) &&
           EVP_DigestUpdate(c, d + ps->checksum_off + 4,
                            ps->secdir_off - ps->checksum_off - 4) &&
           EVP_DigestUpdate(c, d + ps->secdir_off + 8,
                            ps->cert_off - ps->secdir_off - 8) &&
           EVP_DigestFinal_ex(c, out, out_len);
  EVP_MD_CTX_free(c);
  return ok;
}

static char *hex(const unsigned char *p, size_t n)
{
  char *s = malloc(2 * n + 1);
  for (size_t i = 0; s && i < n; i++)
    snprintf(s + 2 * i, 3, "%02x", p[i]);
  if (s)
    s[2 * n] = '\0';
  return s;
}

static json_t *jtime(const ASN1_TIME *t)
{
  struct tm tm;
  char buf[32];
  if (!t || !ASN1_TIME_to_tm(t, &tm))
    return json_null();
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

static json_t *jname(const X509_NAME *nm)
{
  char buf[1024];
  if (!nm)
    return json_null();
  X509_NAME_oneline(nm, buf, sizeof buf);
  return art__dissect_jstr(buf);
}

/* DER: the tag, length and content span at *P (within END); 0 on error. */
static int der(const unsigned char **p,
               const unsigned char *end,
               int *tag,
               const unsigned char **content,
               size_t *len)
{
  const unsigned char *q = *p;
  if (end - q < 2)
    return 0;
  *tag = *q++;
  size_t l = *q++;
  if (l & 0x80) {
    unsigned nb = l & 0x7f;
    if (nb == 0 || nb > 4 || (size_t)(end - q) < nb)
      return 0;
    l = 0;
    while (nb--)
      l = (l << 8) | *q++;
  }
  if ((size_t)(end - q) < l)
    return 0;
  *content = q;
  *len = l;
  *p = q + l;
  return 1;
}

/* SpcIndirectDataContent ::= SEQUENCE { data SEQUENCE, messageDigest
 * DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } }. */
static int spc_digest(PKCS7 *p7,
                      const EVP_MD **md,
                      const unsigned char **dg,
                      size_t *dg_len)
{
  if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents)
    return 0;
  PKCS7 *ci = p7->d.sign->contents;
  char ctype[64];
  OBJ_obj2txt(ctype, sizeof ctype, ci->type, 1);
  if (strcmp(ctype, "1.3.6.1.4.1.311.2.1.4") != 0) /* SPC_INDIRECT_DATA */
    return 0;
  ASN1_TYPE *t = ci->d.other;
  if (!t || t->type != V_ASN1_SEQUENCE)
    return 0;
  const unsigned char *p = t->value.sequence->data;
  const unsigned char *end = p + t->value.sequence->length, *c, *c2, *c3;
  size_t l, l2, l3;
  int tag;
  if (!der(&p, end, &tag, &c, &l) || tag != 0x30)
    return 0;
  /* inside the SpcIndirectDataContent */
  const unsigned char *q = c, *qe = c + l;
  if (!der(&q, qe, &tag, &c2, &l2)) /* data */
    return 0;
  if (!der(&q, qe, &tag, &c2, &l2) || tag != 0x30) /* DigestInfo */
    return 0;
  const unsigned char *r = c2, *re = c2 + l2;
  if (!der(&r, re, &tag, &c3, &l3) || tag != 0x30) /* AlgorithmIdentifier */
    return 0;
  const unsigned char *oid = c3;
  ASN1_OBJECT *o = NULL;
  const unsigned char *op = oid;
  int otag;
  const unsigned char *oc;
  size_t ol;
  if (!der(&op, c3 + l3, &otag, &oc, &ol) || otag != 0x06)
    return 0;
  const unsigned char *full = oid;
  o = d2i_ASN1_OBJECT(NULL, &full, (long)(oc + ol - oid));
  *md = o ? EVP_get_digestbyobj(o) : NULL;
  ASN1_OBJECT_free(o);
  if (!der(&r, re, &tag, &c3, &l3) || tag != 0x04) /* OCTET STRING */
    return 0;
  *dg = c3;
  *dg_len = l3;
  return *md != NULL;
}

/* The countersignature's time: a PKCS#9 countersignature's signingTime,
 * or an RFC 3161 timestamp token's genTime (Microsoft's attribute). */
static json_t *countersignature(PKCS7_SIGNER_INFO *si)
{
  STACK_OF(X509_ATTRIBUTE) *ua = si->unauth_attr;
  for (int i = 0; ua && i < sk_X509_ATTRIBUTE_num(ua); i++) {
    X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);
    ASN1_OBJECT *obj = X509_ATTRIBUTE_get0_object(a);
    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, obj, 1);
    ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(a, 0);
    if (!v || v->type != V_ASN1_SEQUENCE)
      continue;
    const unsigned char *p = v->value.sequence->data;
    long len = v->value.sequence->length;
    json_t *o = json_object();
    if (strcmp(oid, "1.2.840.113549.1.9.6") == 0) {
      PKCS7_SIGNER_INFO *cs = d2i_PKCS7_SIGNER_INFO(NULL, &p, len);
      ASN1_TYPE *st =
          cs ? PKCS7_get_signed_attribute(cs, NID_pkcs9_signingTime) : NULL;
      json_object_set_new(o, "type", json_string("pkcs9"));
      json_object_set_new(o, "time",
                          st && st->type == V_ASN1_UTCTIME
                              ? jtime(st->value.utctime)
                          : st && st->type == V_ASN1_GENERALIZEDTIME
                              ? jtime(st->value.generalizedtime)
                              : json_null());
      PKCS7_SIGNER_INFO_free(cs);
      return o;
    }
    if (strcmp(oid, "1.3.6.1.4.1.311.3.3.1") == 0) {
      PKCS7 *tok = d2i_PKCS7(NULL, &p, len);
      TS_TST_INFO *tst = tok ? PKCS7_to_TS_TST_INFO(tok) : NULL;
      json_object_set_new(o, "type", json_string("rfc3161"));
      json_object_set_new(
          o, "time",
          tst ? jtime((const ASN1_TIME *)TS_TST_INFO_get_time(tst))
              : json_null());
      TS_TST_INFO_free(tst);
      PKCS7_free(tok);
      return o;
    }
    json_decref(o);
  }
  return json_null();
}

static json_t *one_signature(const uint8_t *d,
                             const pe_sec *ps,
                             const unsigned char *blob,
                             size_t len,
                             art_dissect_sink *sink,
                             const char *name,
                             int *mismatch)
{
  json_t *o = json_object();
  const unsigned char *p = blob;
  PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
  const EVP_MD *md = NULL;
  const unsigned char *dg = NULL;
  size_t dg_len = 0;
  if (!p7) {
    json_object_set_new(o, "status", json_string("unreadable PKCS#7"));
    art_dissect_sink_error(sink,
                           "%s: authenticode: the PKCS#7 signature "
                           "cannot be decoded",
                           name);
    return o;
  }
  if (!spc_digest(p7, &md, &dg, &dg_len)) {
    json_object_set_new(o, "status",
                        json_string("not an Authenticode signature"));
    PKCS7_free(p7);
    return o;
  }
  unsigned char mine[EVP_MAX_MD_SIZE];
  unsigned mine_len = 0;
  int ok = pe_digest(d, ps, md, mine, &mine_len);
  int match = ok && mine_len == dg_len && memcmp(mine, dg, dg_len) == 0;
  char *h1 = hex(dg, dg_len), *h2 = ok ? hex(mine, mine_len) : NULL;
  json_object_set_new(o, "digest_algorithm",
                      json_string(OBJ_nid2sn(EVP_MD_type(md))));
  json_object_set_new(o, "signed_digest", art__dissect_jstr(h1));
  json_object_set_new(o, "computed_digest", art__dissect_jstr(h2));
  json_object_set_new(o, "digest_match", json_boolean(match));
  json_object_set_new(o, "status",
                      json_string(match ? "digest match" : "digest mismatch"));
  if (!match)
    *mismatch = 1;
  free(h1);
  free(h2);
  STACK_OF(X509) *certs = p7->d.sign->cert;
  json_object_set_new(o, "certificates",
                      json_integer(certs ? sk_X509_num(certs) : 0));
  STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
  PKCS7_SIGNER_INFO *si = sis && sk_PKCS7_SIGNER_INFO_num(sis) > 0
                              ? sk_PKCS7_SIGNER_INFO_value(sis, 0)
                              : NULL;
  json_t *signer = json_null();
  if (si) {
    X509 *cert = certs ? X509_find_by_issuer_and_serial(
                             certs, si->issuer_and_serial->issuer,
                             si->issuer_and_serial->serial)
                       : NULL;
    BIGNUM *bn = ASN1_INTEGER_to_BN(si->issuer_and_serial->serial, NULL);
    char *sh = bn ? BN_bn2hex(bn) : NULL;
    signer = json_object();
    json_object_set_new(signer, "subject",
                        cert ? jname(X509_get_subject_name(cert))
                             : json_null());
    json_object_set_new(signer, "issuer", jname(si->issuer_and_serial->issuer));
    json_object_set_new(signer, "serial", art__dissect_jstr(sh));
    json_object_set_new(signer, "not_before",
                        cert ? jtime(X509_get0_notBefore(cert)) : json_null());
    json_object_set_new(signer, "not_after",
                        cert ? jtime(X509_get0_notAfter(cert)) : json_null());
    OPENSSL_free(sh);
    BN_free(bn);
    ASN1_TYPE *st = PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);
    json_object_set_new(o, "signing_time",
                        st && st->type == V_ASN1_UTCTIME
                            ? jtime(st->value.utctime)
                        : st && st->type == V_ASN1_GENERALIZEDTIME
                            ? jtime(st->value.generalizedtime)
                            : json_null());
    json_object_set_new(o, "countersignature", countersignature(si));
  }
  json_object_set_new(o, "signer", signer);
  PKCS7_free(p7);
  return o;
}

static art_status
ac_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  pe_sec ps;
  json_t *sum, *sigs;
  int mismatch = 0;
  (void)ctx;
  if (!pe_security(in->data, in->len, &ps))
    return ART_OK;
  sum = json_object();
  sigs = json_array();
  json_object_set_new(sum, "table_offset", json_integer(ps.cert_off));
  json_object_set_new(sum, "table_size", json_integer(ps.cert_size));
  art_status st = ART_OK;
  if ((uint64_t)ps.cert_off + ps.cert_size > in->len ||
      ps.cert_off < ps.secdir_off + 8) {
    art_dissect_sink_error(sink,
                           "%s: authenticode: the certificate table (%u "
                           "bytes at %u) is not inside the file",
                           in->name, ps.cert_size, ps.cert_off);
    json_object_set_new(sum, "signatures", sigs);
    art_dissect_sink_flag(sink, "authenticode_broken");
    art__dissect_summary(sink, sum);
    return ART_ERR_CORRUPT;
  }
  /* WIN_CERTIFICATE entries, 8-byte aligned */
  size_t off = ps.cert_off, end = (size_t)ps.cert_off + ps.cert_size;
  while (off + 8 <= end && json_array_size(sigs) < MAX_SIGNATURES) {
    uint32_t wl = le32(in->data + off);
    uint16_t rev = le16(in->data + off + 4), type = le16(in->data + off + 6);
    if (wl < 8 || wl > end - off)
      break;
    if (type == 2) /* WIN_CERT_TYPE_PKCS_SIGNED_DATA */
      json_array_append_new(sigs,
                            one_signature(in->data, &ps, in->data + off + 8,
                                          wl - 8, sink, in->name, &mismatch));
    else
      (void)rev;
    off += (wl + 7u) & ~7u;
  }
  json_object_set_new(sum, "signatures", sigs);
  if (json_array_size(sigs) == 0) {
    art_dissect_sink_error(sink,
                           "%s: authenticode: no PKCS#7 signature in "
                           "the certificate table",
                           in->name);
    st = ART_ERR_CORRUPT;
  }
  const char *status = json_array_size(sigs) == 0 ? "no signature"
                       : mismatch                 ? "digest mismatch"
                                                  : "digest match";
  json_object_set_new(sum, "status", json_string(status));
  art_dissect_sink_flag(sink, "authenticode_signed");
  if (mismatch)
    art_dissect_sink_flag(sink, "authenticode_digest_mismatch");
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_authenticode = {
    "authenticode",
    "PE Authenticode signatures: signer, validity, digest match (OpenSSL)",
    ac_recognise, ac_run};
