/* Indicator classification: finds URLs, domains, IP addresses, e-mail
 * addresses, paths, registry keys, hashes and the like inside a string.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_ioc_find() on a string's text gives its indicators (class,
 * position, length) in order; art_ioc_class_name() names a class. Stateless
 * and thread-safe.
 *
 * Precision over recall: each class is checked strictly (a domain needs a
 * real top-level domain, a bitcoin address a valid checksum, a Unix path a
 * known top-level directory), so the noise of binary files gives few hits.
 * Overlapping candidates are resolved in favour of the more specific class
 * (a URL's host is not reported again as a domain).
 */
#ifndef ART_IOC_H
#define ART_IOC_H

#include "error.h"

ART_BEGIN_DECLS

typedef enum art_ioc_class {
  ART_IOC_NONE = 0,
  ART_IOC_URL,         /* scheme://host[:port][/path] with a known scheme */
  ART_IOC_EMAIL,       /* local@domain */
  ART_IOC_DOMAIN,      /* host name ending in a real TLD */
  ART_IOC_IPV4,        /* dotted quad */
  ART_IOC_IPV6,        /* RFC 4291 text form */
  ART_IOC_WIN_PATH,    /* C:\..., \\server\share, %VAR%\... */
  ART_IOC_UNIX_PATH,   /* /etc/..., /usr/..., /tmp/..., ~/... */
  ART_IOC_REGISTRY,    /* HKLM\..., HKEY_*\..., Software\..., \Registry\... */
  ART_IOC_PDB,         /* a path ending in .pdb (debug symbols) */
  ART_IOC_BITCOIN,     /* base58check (1..., 3...) or bech32 (bc1...) */
  ART_IOC_MD5,         /* 32 hex digits */
  ART_IOC_SHA1,        /* 40 hex digits */
  ART_IOC_SHA256,      /* 64 hex digits */
  ART_IOC_SHA512,      /* 128 hex digits */
  ART_IOC_GUID,        /* 8-4-4-4-12 hex digits, with or without braces */
  ART_IOC_BASE64,      /* a long, padded-or-long base64 blob */
  ART_IOC_USER_AGENT,  /* Mozilla/5.0 (...), curl/7.x, ... */
  ART_IOC_CVE,         /* CVE-2021-44228 */
  ART_IOC_CLASS_COUNT_ /* number of classes; not a class */
} art_ioc_class;

typedef struct art_ioc {
  art_ioc_class cls;
  size_t start; /* byte position in the text */
  size_t len;   /* bytes */
} art_ioc;

/* Find the indicators in TEXT (LEN bytes, ASCII or UTF-8; NUL bytes end
 * nothing). Up to MAX are written to OUT in order of position; the return
 * value is how many were found (more than MAX means some were left out). */
ART_API size_t art_ioc_find(const char *text,
                            size_t len,
                            art_ioc *out,
                            size_t max);

/* Snake-case name: "url", "email", "domain", "ipv4", "ipv6", "win_path",
 * "unix_path", "registry", "pdb", "bitcoin", "md5", "sha1", "sha256",
 * "sha512", "guid", "base64", "user_agent", "cve"; "none" for NONE. */
ART_API const char *art_ioc_class_name(art_ioc_class cls);
/* Parse a name as art_ioc_class_name() gives it. */
ART_API art_status art_ioc_class_parse(const char *name, art_ioc_class *cls);

/* Whether LABEL (LEN bytes, any case) is a delegated top-level domain in
 * the built-in list (all country codes and the generic TLDs in common use). */
ART_API int art_ioc_is_tld(const char *label, size_t len);

ART_END_DECLS

#endif
