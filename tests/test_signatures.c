/* Check suite for the project's rules (signatures/): every rule against its
 * positive and negative fixtures (tests/data/yara/fixtures.tsv), every rule
 * covered and carrying author/description/reference/date meta.
 * Run as "test_signatures --write-fixtures DIR" it writes every fixture to
 * DIR (the CLI tests scan them with art-yara and yara).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/yara.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#ifndef ART_SOURCE_DIR
#define ART_SOURCE_DIR "."
#endif

/* Fixtures are also built outside a Check run (--write-fixtures), where
 * Check's assertions cannot report. */
static int writing;
#define REQUIRE(c)                                                             \
  do {                                                                         \
    if (writing) {                                                             \
      if (!(c))                                                                \
        abort();                                                               \
    } else {                                                                   \
      ck_assert(c);                                                            \
    }                                                                          \
  } while (0)
#define REQUIRE_MSG(c, ...)                                                    \
  do {                                                                         \
    if (writing) {                                                             \
      if (!(c)) {                                                              \
        fprintf(stderr, __VA_ARGS__);                                          \
        abort();                                                               \
      }                                                                        \
    } else {                                                                   \
      ck_assert_msg(c, __VA_ARGS__);                                           \
    }                                                                          \
  } while (0)

typedef struct buf {
  unsigned char *p;
  size_t len;
} buf;

static buf buf_new(size_t len)
{
  buf b = {calloc(1, len ? len : 1), len};
  REQUIRE((b.p) != NULL);
  return b;
}

static void put16(unsigned char *p, unsigned v)
{
  p[0] = (unsigned char)(v & 0xff);
  p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static const char DOS_STUB[] = "This program cannot be run in DOS mode.\r\r\n$";

/* A small but well-formed PE32 image with the given section names. */
static buf make_pe(const char *const *sections, size_t n)
{
  size_t hdr = 0x200, size = hdr + 0x200 * n;
  buf b = buf_new(size);
  unsigned char *p = b.p, *opt, *sec;
  static const unsigned char stub[] = {0x0E, 0x1F, 0xBA, 0x0E, 0x00,
                                       0xB4, 0x09, 0xCD, 0x21, 0xB8,
                                       0x01, 0x4C, 0xCD, 0x21};
  p[0] = 'M';
  p[1] = 'Z';
  put16(p + 2, 0x90);
  put16(p + 4, 3);
  put16(p + 8, 4);
  put16(p + 0x18, 0x40);
  put32(p + 0x3C, 0x80);
  memcpy(p + 0x40, stub, sizeof stub);
  memcpy(p + 0x4E, DOS_STUB, sizeof DOS_STUB - 1);
  memcpy(p + 0x80, "PE\0\0", 4);
  put16(p + 0x84, 0x14C);
  put16(p + 0x86, (unsigned)n);
  put16(p + 0x94, 0xE0);
  put16(p + 0x96, 0x0102);
  opt = p + 0x98;
  put16(opt, 0x10B);
  opt[2] = 14;
  put32(opt + 4, 0x200);
  put32(opt + 16, 0x1000);
  put32(opt + 20, 0x1000);
  put32(opt + 24, 0x2000);
  put32(opt + 28, 0x400000);
  put32(opt + 32, 0x1000);
  put32(opt + 36, 0x200);
  put16(opt + 40, 6);
  put16(opt + 48, 6);
  put32(opt + 56, (uint32_t)(0x1000 * (n + 1)));
  put32(opt + 60, (uint32_t)hdr);
  put16(opt + 68, 2);
  put32(opt + 72, 0x100000);
  put32(opt + 76, 0x1000);
  put32(opt + 80, 0x100000);
  put32(opt + 84, 0x1000);
  put32(opt + 92, 16);
  sec = opt + 0xE0;
  for (size_t i = 0; i < n; i++, sec += 40) {
    memcpy(sec, sections[i], strlen(sections[i]) < 8 ? strlen(sections[i]) : 8);
    put32(sec + 8, 0x1000);
    put32(sec + 12, (uint32_t)(0x1000 * (i + 1)));
    put32(sec + 16, 0x200);
    put32(sec + 20, (uint32_t)(hdr + 0x200 * i));
    put32(sec + 36, 0x60000020);
    p[hdr + 0x200 * i] = 0xC3;
  }
  return b;
}

static buf make_pe2(const char *a, const char *b2)
{
  const char *s[2] = {a, b2};
  return make_pe(s, 2);
}

static buf from_text(const char *s)
{
  buf b = buf_new(strlen(s));
  memcpy(b.p, s, b.len);
  return b;
}

/* HEAD followed by PAYLOAD at offset AT (zero padding between). */
static buf concat_at(buf head, size_t at, buf payload)
{
  size_t size = (at > head.len ? at : head.len) + payload.len + 16;
  buf b = buf_new(size);
  memcpy(b.p, head.p, head.len);
  memcpy(b.p + at, payload.p, payload.len);
  free(head.p);
  free(payload.p);
  return b;
}

static buf make_zip(const char *const *names, size_t n)
{
  struct archive *a = archive_write_new();
  size_t cap = 65536, used = 0;
  buf b = buf_new(cap);
  REQUIRE((archive_write_set_format_zip(a)) == (ARCHIVE_OK));
  REQUIRE((archive_write_open_memory(a, b.p, cap, &used)) == (ARCHIVE_OK));
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    static const char body[] = "<xml>content</xml>";
    archive_entry_set_pathname(e, names[i]);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, sizeof body - 1);
    archive_entry_set_mtime(e, 1700000000, 0);
    REQUIRE((archive_write_header(a, e)) == (ARCHIVE_OK));
    REQUIRE((archive_write_data(a, body, sizeof body - 1)) ==
            ((la_ssize_t)(sizeof body - 1)));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  b.len = used;
  return b;
}

static void put_wide(unsigned char *p, const char *s)
{
  for (size_t i = 0; s[i]; i++)
    p[2 * i] = (unsigned char)s[i];
}

static buf make_ole(int vba)
{
  static const unsigned char sig[] = {0xD0, 0xCF, 0x11, 0xE0,
                                      0xA1, 0xB1, 0x1A, 0xE1};
  buf b = buf_new(2048);
  memcpy(b.p, sig, sizeof sig);
  put16(b.p + 0x1A, 3);
  put16(b.p + 0x1C, 0xFFFE);
  put16(b.p + 0x1E, 9);
  put_wide(b.p + 0x400, "Root Entry");
  put_wide(b.p + 0x480, "WordDocument");
  if (vba) {
    put_wide(b.p + 0x500, "Macros");
    put_wide(b.p + 0x580, "VBA");
    put_wide(b.p + 0x600, "_VBA_PROJECT");
  }
  return b;
}

static const char EICAR[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-"
                            "ANTIVIRUS-TEST-FILE!$H+H*";

static const char PDF_HEAD[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";

/* Fixture NAME built in memory; 0 when NAME is unknown. */
static int generate(const char *name, buf *out)
{
  static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10,
                                       'J',  'F',  'I',  'F',  0x00, 0x01};
  if (strcmp(name, "pe.exe") == 0) {
    *out = make_pe2(".text", ".data");
  } else if (strcmp(name, "mz_only.bin") == 0) {
    *out = from_text("MZ but nothing else follows in this file at all.....");
    put32(out->p + 0x30, 0x1000); /* e_lfanew beyond the end */
  } else if (strcmp(name, "elf") == 0 || strcmp(name, "upx.elf") == 0) {
    *out = buf_new(512);
    memcpy(out->p,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    put16(out->p + 16, 2);
    put16(out->p + 18, 62);
    if (name[0] == 'u')
      memcpy(out->p + 0xEC, "UPX!", 4);
  } else if (strcmp(name, "macho64") == 0) {
    *out = buf_new(64);
    put32(out->p, 0xFEEDFACF);
    put32(out->p + 4, 0x01000007);
  } else if (strcmp(name, "macho_fat") == 0) {
    static const unsigned char fat[] = {0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2};
    *out = buf_new(64);
    memcpy(out->p, fat, sizeof fat);
  } else if (strcmp(name, "java.class") == 0) {
    static const unsigned char cls[] = {0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0x34};
    *out = buf_new(64);
    memcpy(out->p, cls, sizeof cls);
  } else if (strcmp(name, "macro.doc") == 0) {
    *out = make_ole(1);
  } else if (strcmp(name, "plain.doc") == 0) {
    *out = make_ole(0);
  } else if (strcmp(name, "macro.docm") == 0) {
    static const char *const names[] = {
        "[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"};
    *out = make_zip(names, 3);
  } else if (strcmp(name, "plain.docx") == 0) {
    static const char *const names[] = {"[Content_Types].xml",
                                        "word/document.xml"};
    *out = make_zip(names, 2);
  } else if (strcmp(name, "js.pdf") == 0) {
    *out = concat_at(from_text(PDF_HEAD), strlen(PDF_HEAD),
                     from_text("1 0 obj\n<< /Type /Catalog /OpenAction 2 0 R "
                               ">>\nendobj\n2 0 obj\n<< /S /JavaScript /JS "
                               "(app.alert\\('x'\\)) >>\nendobj\n%%EOF\n"));
  } else if (strcmp(name, "launch.pdf") == 0) {
    *out = concat_at(from_text(PDF_HEAD), strlen(PDF_HEAD),
                     from_text("1 0 obj\n<< /Type /Catalog /OpenAction 2 0 R "
                               ">>\nendobj\n2 0 obj\n<< /S /Launch /F "
                               "(cmd.exe) >>\nendobj\n%%EOF\n"));
  } else if (strcmp(name, "plain.pdf") == 0) {
    *out = concat_at(from_text(PDF_HEAD), strlen(PDF_HEAD),
                     from_text("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
                               "endobj\n%%EOF\n"));
  } else if (strcmp(name, "dropper.pdf") == 0) {
    *out = concat_at(from_text(PDF_HEAD), 0x300, make_pe2(".text", ".data"));
  } else if (strcmp(name, "dropper.jpg") == 0 ||
             strcmp(name, "photo.jpg") == 0) {
    buf head = buf_new(sizeof jpeg);
    memcpy(head.p, jpeg, sizeof jpeg);
    if (name[0] == 'd')
      *out = concat_at(head, 0x1000, make_pe2(".text", ".rsrc"));
    else
      *out = concat_at(head, 0x1000, from_text("MZ not an executable"));
  } else if (strcmp(name, "shortcut.lnk") == 0 ||
             strcmp(name, "bad_clsid.lnk") == 0) {
    static const unsigned char clsid[] = {0x01, 0x14, 0x02, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0xC0, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x46};
    *out = buf_new(0x4C + 32);
    put32(out->p, 0x4C);
    memcpy(out->p + 4, clsid, sizeof clsid);
    if (name[0] == 'b')
      out->p[4] = 0x02;
  } else if (strcmp(name, "eicar.com") == 0) {
    *out = from_text(EICAR);
  } else if (strcmp(name, "eicar_crlf.com") == 0) {
    *out = concat_at(from_text(EICAR), strlen(EICAR), from_text("\r\n"));
    out->len = strlen(EICAR) + 2;
  } else if (strcmp(name, "eicar_shifted.txt") == 0) {
    *out = concat_at(from_text(" "), 1, from_text(EICAR));
    out->len = strlen(EICAR) + 1;
  } else if (strcmp(name, "eicar_long.txt") == 0) {
    *out = concat_at(from_text(EICAR), 200, from_text("tail"));
  } else if (strcmp(name, "upx.exe") == 0) {
    *out = make_pe2("UPX0", "UPX1");
  } else if (strcmp(name, "mpress.exe") == 0) {
    *out = make_pe2(".MPRESS1", ".MPRESS2");
  } else if (strcmp(name, "aspack.exe") == 0) {
    *out = make_pe2(".text", ".aspack");
  } else if (strcmp(name, "pecompact.exe") == 0) {
    *out = make_pe2("PEC2TO", "PEC2");
  } else if (strcmp(name, "nspack.exe") == 0) {
    *out = make_pe2(".nsp0", ".nsp1");
  } else if (strcmp(name, "petite.exe") == 0) {
    *out = make_pe2(".text", ".petite");
  } else if (strcmp(name, "themida.exe") == 0) {
    *out = make_pe2(".text", ".themida");
  } else {
    return 0;
  }
  return 1;
}

typedef struct fixture {
  char rule[128];
  int positive;
  char name[128];
} fixture;

static fixture fixtures[256];
static size_t n_fixtures;

static void load_manifest(void)
{
  FILE *f = fopen(ART_SOURCE_DIR "/tests/data/yara/fixtures.tsv", "r");
  char line[512];
  REQUIRE((f) != NULL);
  n_fixtures = 0;
  while (fgets(line, sizeof line, f)) {
    fixture *x = &fixtures[n_fixtures];
    char sign[8];
    if (line[0] == '#' || line[0] == '\n')
      continue;
    REQUIRE((sscanf(line, "%127s %7s %127s", x->rule, sign, x->name)) == (3));
    x->positive = sign[0] == '+';
    n_fixtures++;
    REQUIRE((n_fixtures) < (256));
  }
  fclose(f);
}

/* The fixture's bytes: generated, or read from tests/data/yara. */
static buf fixture_bytes(const char *name)
{
  buf b = {NULL, 0};
  if (strncmp(name, "gen:", 4) == 0) {
    REQUIRE_MSG(generate(name + 4, &b), "unknown generated fixture %s", name);
  } else {
    char path[1024];
    FILE *f;
    long n;
    snprintf(path, sizeof path, "%s/tests/data/yara/%s", ART_SOURCE_DIR, name);
    f = fopen(path, "rb");
    REQUIRE_MSG(f != NULL, "missing fixture %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = buf_new((size_t)n);
    REQUIRE((fread(b.p, 1, b.len, f)) == (b.len));
    fclose(f);
  }
  return b;
}

static art_yara_rules *compile_signatures(art_ctx *ctx)
{
  art_yara_compiler *c = NULL;
  art_yara_rules *r = NULL;
  ck_assert_int_eq(art_yara_compiler_new(ctx, &c), ART_OK);
  ck_assert_int_eq(
      art_yara_compiler_add_path(ctx, c, ART_SOURCE_DIR "/signatures", NULL),
      ART_OK);
  art_yara_compiler_set_flags(c, ART_YARA_FAIL_ON_WARNINGS);
  ck_assert_msg(art_yara_compiler_build(ctx, c, &r) == ART_OK, "%s",
                art_ctx_errmsg(ctx));
  art_yara_compiler_free(c);
  return r;
}

START_TEST(test_fixtures)
{
  art_ctx *ctx = NULL;
  art_yara_rules *rules;
  art_yara_scanner *s = NULL;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  load_manifest();
  rules = compile_signatures(ctx);
  ck_assert_int_eq(art_yara_scanner_new(ctx, rules, &s), ART_OK);
  for (size_t i = 0; i < n_fixtures; i++) {
    const fixture *x = &fixtures[i];
    buf b = fixture_bytes(x->name);
    art_yara_result *res = NULL;
    art_yara_artifact a = {x->name, NULL, NULL, 0, NULL, NULL};
    int found = 0;
    ck_assert_int_eq(art_yara_scanner_set_artifact(ctx, s, &a), ART_OK);
    ck_assert_int_eq(art_yara_scan_buffer(ctx, s, b.p, b.len, &res), ART_OK);
    for (size_t k = 0; k < art_yara_result_count(res); k++)
      if (strcmp(art_yara_result_match(res, k)->rule, x->rule) == 0)
        found = 1;
    ck_assert_msg(found == x->positive, "rule %s %s fixture %s", x->rule,
                  x->positive ? "does not match its positive"
                              : "matches its negative",
                  x->name);
    art_yara_result_free(res);
    free(b.p);
  }
  art_yara_scanner_free(s);
  art_yara_rules_free(rules);
  art_ctx_free(ctx);
}
END_TEST

/* Every rule in signatures/ has meta author, description, reference and date,
 * and at least one positive and one negative fixture. */
START_TEST(test_coverage_and_meta)
{
  DIR *d = opendir(ART_SOURCE_DIR "/signatures");
  struct dirent *e;
  size_t rules = 0;
  ck_assert_ptr_nonnull(d);
  load_manifest();
  while ((e = readdir(d)) != NULL) {
    char path[1024], *text, *p;
    size_t n = strlen(e->d_name);
    FILE *f;
    long len;
    if (n < 5 || strcmp(e->d_name + n - 4, ".yar") != 0)
      continue;
    snprintf(path, sizeof path, "%s/signatures/%s", ART_SOURCE_DIR, e->d_name);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)len + 1);
    ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    ck_assert_msg(strstr(text, "SPDX-License-Identifier: Apache-2.0"),
                  "%s: no SPDX line", path);
    for (p = strstr(text, "\nrule "); p; p = strstr(p + 1, "\nrule ")) {
      char name[128];
      char *next = strstr(p + 1, "\nrule ");
      size_t block = next ? (size_t)(next - p) : strlen(p);
      char *body = strndup(p, block);
      int pos = 0, neg = 0;
      static const char *const keys[] = {
          "author =", "description =", "reference =", "date ="};
      ck_assert_int_eq(sscanf(p + 6, "%127[A-Za-z0-9_]", name), 1);
      for (size_t k = 0; k < 4; k++)
        ck_assert_msg(strstr(body, keys[k]) != NULL, "%s: rule %s has no %s",
                      path, name, keys[k]);
      for (size_t i = 0; i < n_fixtures; i++)
        if (strcmp(fixtures[i].rule, name) == 0) {
          if (fixtures[i].positive)
            pos++;
          else
            neg++;
        }
      ck_assert_msg(pos > 0 && neg > 0,
                    "rule %s needs a positive and a negative fixture", name);
      free(body);
      rules++;
    }
    free(text);
  }
  closedir(d);
  ck_assert_uint_ge(rules, 25);
}
END_TEST

static int write_fixtures(const char *dir)
{
  writing = 1;
  load_manifest();
  for (size_t i = 0; i < n_fixtures; i++) {
    const char *name = fixtures[i].name;
    char path[1024];
    buf b = fixture_bytes(name);
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir,
             strncmp(name, "gen:", 4) == 0 ? name + 4 : name);
    f = fopen(path, "wb");
    if (!f || fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0) {
      perror(path);
      return 1;
    }
    free(b.p);
  }
  return 0;
}

static Suite *signatures_suite(void)
{
  Suite *s = suite_create("signatures");
  TCase *tc = tcase_create("rules");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_fixtures);
  tcase_add_test(tc, test_coverage_and_meta);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--write-fixtures") == 0)
    return write_fixtures(argv[2]);
  return tu_main(signatures_suite());
}
