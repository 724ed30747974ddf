/* Check suite for ioc: indicator classes found and not found, overlaps, and
 * the noise of random bytes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct vec {
  const char *text;
  const char *cls;   /* expected class of the only indicator; NULL: none */
  const char *value; /* expected value; NULL: the whole text */
} vec;

static void check(const vec *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    art_ioc out[8];
    size_t len = strlen(v[i].text);
    size_t k = art_ioc_find(v[i].text, len, out, 8);
    if (!v[i].cls) {
      ck_assert_msg(k == 0, "'%s': expected nothing, got %s '%.*s'", v[i].text,
                    art_ioc_class_name(out[0].cls), (int)out[0].len,
                    v[i].text + out[0].start);
      continue;
    }
    ck_assert_msg(k == 1, "'%s': expected one %s, got %zu", v[i].text, v[i].cls,
                  k);
    ck_assert_msg(strcmp(art_ioc_class_name(out[0].cls), v[i].cls) == 0,
                  "'%s': expected %s, got %s", v[i].text, v[i].cls,
                  art_ioc_class_name(out[0].cls));
    const char *want = v[i].value ? v[i].value : v[i].text;
    ck_assert_msg(out[0].len == strlen(want) &&
                      memcmp(v[i].text + out[0].start, want, out[0].len) == 0,
                  "'%s': expected value '%s', got '%.*s'", v[i].text, want,
                  (int)out[0].len, v[i].text + out[0].start);
  }
}

START_TEST(test_network)
{
  static const vec v[] = {
      {"http://evil.example.com/gate.php?id=1", "url", NULL},
      {"see https://www.gnu.org/licenses/.", "url",
       "https://www.gnu.org/licenses/"},
      {"hxxp://bad.site/x", "url", NULL},
      {"ftp://user:pw@10.1.2.3:2121/pub", "url", NULL},
      {"http://[2001:db8::1]:8080/", "url", NULL},
      {"http://localhost:8000/api", "url", NULL},
      {"tcp://203.0.113.9:4444", "url", NULL},
      {"http://not a url", NULL, NULL},
      {"foo://example.com", "domain", "example.com"},
      {"contact: admin@corp-mail.example.org", "email",
       "admin@corp-mail.example.org"},
      {"a@b", NULL, NULL},
      {"user@localhost", NULL, NULL},
      {"c2.badguy.ru", "domain", NULL},
      {"update.microsoft.com", "domain", NULL},
      {"WWW.EXAMPLE.COM", "domain", NULL},
      {"Microsoft.com", "domain", NULL},
      {"kernel32.dll", NULL, NULL},
      {"System.Net", NULL, NULL},
      {"System.IO", NULL, NULL},
      {"libc.so.6", NULL, NULL},
      {"README.md", NULL, NULL},
      {"setup.py", NULL, NULL},
      {"this.name", NULL, NULL},
      {"options.host", NULL, NULL},
      {".data.rel.ro", NULL, NULL},
      {"libfoo-0.21.so", NULL, NULL},
      {"b.nl", NULL, NULL},
      {"connect 192.168.1.20 now", "ipv4", "192.168.1.20"},
      {"8.8.8.8", "ipv4", NULL},
      {"1.1.1.1", "ipv4", NULL},
      {"version=1.1.0.14", NULL, NULL},
      {"OID 2.5.29.14", NULL, NULL},
      {"198.41.0.4", "ipv4", NULL},
      {"1.2.3.4", NULL, NULL},
      {"version 2.0.3.0", NULL, NULL},
      {"v10.2.33.4", NULL, NULL},
      {"256.1.1.1", NULL, NULL},
      {"01.02.03.04", NULL, NULL},
      {"255.255.255.0", NULL, NULL},
      {"1.2.3.4.5", NULL, NULL},
      {"fe80::1ff:fe23:4567:890a", "ipv6", NULL},
      {"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "ipv6", NULL},
      {"std::vector", NULL, NULL},
      {"12:30:45", NULL, NULL},
      {"00:11:22:33:44:55", NULL, NULL},
      {"a::b", NULL, NULL},
      {"3AE::4", NULL, NULL},
      {"2001:db8:Ab::1", NULL, NULL},
      {"q@RI.de", NULL, NULL},
      {"1t.lol", NULL, NULL},
      {"news.bbc.co.uk", "domain", NULL},
      {"shop.uk", NULL, NULL},
  };
  check(v, sizeof v / sizeof *v);
}
END_TEST

START_TEST(test_paths)
{
  static const vec v[] = {
      {"C:\\Windows\\System32\\drivers\\etc\\hosts", "win_path", NULL},
      {"open C:\\Program Files\\Evil Corp\\x.exe\"", "win_path",
       "C:\\Program Files\\Evil Corp\\x.exe"},
      {"%APPDATA%\\Microsoft\\svchost.exe", "win_path", NULL},
      {"\\\\fileserver\\share$\\drop", "win_path", NULL},
      {"\\\\.\\PhysicalDrive0", "win_path", NULL},
      {"D:\\a\\b\\project\\Release\\loader.pdb", "pdb", NULL},
      {"A:\\-", NULL, NULL},
      {"d:\\r\xc7\xb6"
       "2#",
       NULL, NULL},
      {"\\\\TM\\L", NULL, NULL},
      {"\\\\Xpwxyzd\\bqphkr", NULL, NULL},
      {"\\\\srv.corp.local\\pub", "win_path", NULL},
      {"\\\\%s\\ADMIN$", NULL, NULL},
      {"\\\\host\\ADMIN$", "win_path", NULL},
      {"q:\\C", NULL, NULL},
      {"/etc/passwd", "unix_path", NULL},
      {"exec /bin/sh -c", "unix_path", "/bin/sh"},
      {"/usr/lib/x86_64-linux-gnu/libc.so.6", "unix_path", NULL},
      {"~/.ssh/authorized_keys", "unix_path", NULL},
      {"/tmp/", "unix_path", NULL},
      {"/foo/bar", NULL, NULL},
      {"a/b/c", NULL, NULL},
      {"and/or", NULL, NULL},
      {"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
       "registry", NULL},
      {"HKCU\\Software\\Classes\\mscfile\\shell\\open\\command", "registry",
       NULL},
      {"Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon", "registry",
       NULL},
      {"SYSTEM\\CurrentControlSet\\Services\\evil", "registry", NULL},
      {"\\Registry\\Machine\\System", "registry", NULL},
      {"HKEY_CURRENT_USER", "registry", NULL},
      {"HKLM", NULL, NULL},
  };
  check(v, sizeof v / sizeof *v);
}
END_TEST

START_TEST(test_tokens)
{
  static const vec v[] = {
      {"d41d8cd98f00b204e9800998ecf8427e", "md5", NULL},
      {"D41D8CD98F00B204E9800998ECF8427E", "md5", NULL},
      {"D41d8cd98f00b204e9800998ecf8427e", NULL, NULL},
      {"da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1", NULL},
      {"sha256="
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "sha256",
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"00000000000000000000000000000000", NULL, NULL},
      {"FEFF004C0069006200720065004F0066006600690063006500200037002E0030", NULL,
       NULL},
      {"{6B29FC40-CA47-1067-B31D-00DD010662DA}", "guid", NULL},
      {"clsid 6b29fc40-ca47-1067-b31d-00dd010662da", "guid",
       "6b29fc40-ca47-1067-b31d-00dd010662da"},
      {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bitcoin", NULL},
      {"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "bitcoin", NULL},
      {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", NULL, NULL},
      {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bitcoin", NULL},
      {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", NULL, NULL},
      {"SGVsbG8sIHdvcmxkISBUaGlzIGlzIGEgdGVzdC4=", "base64", NULL},
      {"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
       "base64", NULL},
      {"ZN2v88internal4wasm15WasmFullDecoderINS1", NULL, NULL},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZ", NULL, NULL},
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
       "user_agent", NULL},
      {"curl/7.88.1", "user_agent", NULL},
      {"see CVE-2021-44228 now", "cve", "CVE-2021-44228"},
      {"CVE-21-44228", NULL, NULL},
  };
  check(v, sizeof v / sizeof *v);
}
END_TEST

START_TEST(test_several_and_overlap)
{
  const char *t = "GET http://a.example.com/x from 10.0.0.5 by joe@corp.example"
                  ".net, key HKLM\\Software\\X";
  art_ioc out[8];
  size_t n = art_ioc_find(t, strlen(t), out, 8);
  ck_assert_uint_eq(n, 4);
  ck_assert_int_eq(out[0].cls, ART_IOC_URL);
  ck_assert_int_eq(out[1].cls, ART_IOC_IPV4);
  ck_assert_int_eq(out[2].cls, ART_IOC_EMAIL);
  ck_assert_int_eq(out[3].cls, ART_IOC_REGISTRY);
  /* Fewer slots than indicators: the count says so. */
  ck_assert_uint_eq(art_ioc_find(t, strlen(t), out, 2), 4);
  ck_assert_uint_eq(art_ioc_find(t, 0, out, 2), 0);
  ck_assert_uint_eq(art_ioc_find(NULL, 10, out, 2), 0);
}
END_TEST

START_TEST(test_names_and_tlds)
{
  for (unsigned c = 0; c < ART_IOC_CLASS_COUNT_; c++) {
    art_ioc_class back;
    ck_assert_int_eq(
        art_ioc_class_parse(art_ioc_class_name((art_ioc_class)c), &back),
        ART_OK);
    ck_assert_int_eq(back, c);
  }
  art_ioc_class x;
  ck_assert_int_eq(art_ioc_class_parse("nope", &x), ART_ERR_INVALID_ARG);
  ck_assert(art_ioc_is_tld("com", 3));
  ck_assert(art_ioc_is_tld("DE", 2));
  ck_assert(art_ioc_is_tld("zw", 2));
  ck_assert(!art_ioc_is_tld("dll", 3));
  ck_assert(!art_ioc_is_tld("exe", 3));
  ck_assert(!art_ioc_is_tld("c", 1));
  ck_assert(!art_ioc_is_tld("", 0));
}
END_TEST

static int noise_cb(const art_string *s, void *ud)
{
  size_t *counts = ud;
  art_ioc out[16];
  counts[0]++;
  counts[1] += art_ioc_find(s->text, s->len, out, 16);
  return 0;
}

START_TEST(test_random_noise)
{
  /* 8 MiB of random bytes give about 140,000 ASCII, UTF-16 and UTF-8
   * strings; almost none may look like an indicator. */
  size_t len = 8u << 20;
  unsigned char *b = malloc(len);
  unsigned x = 2026;
  for (size_t i = 0; i < len; i++) {
    x = x * 1103515245u + 12345u;
    b[i] = (unsigned char)(x >> 23);
  }
  size_t counts[2] = {0, 0};
  art_strings_opts o = {.encodings = ART_STR_MASK(ART_STR_ASCII) |
                                     ART_STR_MASK(ART_STR_UTF16LE) |
                                     ART_STR_MASK(ART_STR_UTF8)};
  art_strings *s;
  ck_assert_int_eq(art_strings_new(NULL, &o, noise_cb, counts, &s), ART_OK);
  art_strings_update(NULL, s, b, len);
  art_strings_final(NULL, s);
  art_strings_free(s);
  free(b);
  ck_assert_uint_gt(counts[0], 50000);
  ck_assert_msg(counts[1] <= 5, "%zu indicators in %zu noise strings",
                counts[1], counts[0]);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("ioc");
  TCase *tc = tcase_create("classes");
  tcase_add_test(tc, test_network);
  tcase_add_test(tc, test_paths);
  tcase_add_test(tc, test_tokens);
  tcase_add_test(tc, test_several_and_overlap);
  tcase_add_test(tc, test_names_and_tlds);
  suite_add_tcase(s, tc);
  tc = tcase_create("noise");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_random_noise);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(suite());
}
