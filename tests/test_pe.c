/* Check suite for the PE parser: imphash against YARA's pe.imphash() and
 * pefile on executables built here with mingw-w64, imports by name and by
 * ordinal, exports, sections; damaged inputs.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/pe.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char *dir;
static int have_mingw;

static const char *defs[][2] = {
    {"ws.def", "LIBRARY ws2_32.dll\nEXPORTS\nart_accept @1 NONAME\n"
               "art_wsastartup @115 NONAME\nart_unknown @499 NONAME\n"},
    {"ole.def", "LIBRARY OLEAUT32.dll\nEXPORTS\nart_sysalloc @2 NONAME\n"},
    {"wsock.def", "LIBRARY WSOCK32.DLL\nEXPORTS\nart_bind @2 NONAME\n"},
    {"foo.def", "LIBRARY foo.drv\nEXPORTS\nart_foo7 @7 NONAME\nart_fooname\n"},
};

static const char prog[] =
    "#include <windows.h>\n"
    "__declspec(dllimport) int art_accept(void);\n"
    "__declspec(dllimport) int art_wsastartup(void);\n"
    "__declspec(dllimport) int art_unknown(void);\n"
    "__declspec(dllimport) int art_sysalloc(void);\n"
    "__declspec(dllimport) int art_bind(void);\n"
    "__declspec(dllimport) int art_foo7(void);\n"
    "__declspec(dllimport) int art_fooname(void);\n"
    "__declspec(dllexport) int exported_one(void) { return 1; }\n"
    "__declspec(dllexport) int exported_two(void) { return 2; }\n"
    "int main(void) { MessageBoxA(0, \"hi\", \"x\", 0);\n"
    "  return art_accept() + art_wsastartup() + art_unknown() +\n"
    "    art_sysalloc() + art_bind() + art_foo7() + art_fooname() +\n"
    "    (int)GetTickCount(); }\n";

static const char plain[] = "#include <windows.h>\n"
                            "int main(void) { MessageBoxA(0, \"a\", \"b\", 0);"
                            " return (int)GetTickCount(); }\n";

/* Build the executables once: the first test to need them builds them in
 * DIR, which outlives the forked test processes. */
static void setup(void)
{
  char *cmd;
  int status;
  char *out, *done = tu_path(dir, "built");
  if (access(done, F_OK) == 0) {
    free(done);
    have_mingw = 1;
    return;
  }
  /* A missing reference tool fails the suite: never a silent skip. */
  out = tu_run("command -v x86_64-w64-mingw32-gcc i686-w64-mingw32-gcc yara "
               "&& /usr/bin/python3 -c 'import pefile'",
               &status);
  ck_assert_msg(status == 0,
                "missing mingw-w64, yara or python3-pefile (scripts/packages)");
  free(out);
  have_mingw = 1;
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
    char *p = tu_path(dir, defs[i][0]);
    tu_write(p, defs[i][1], strlen(defs[i][1]));
    free(p);
  }
  {
    char *p = tu_path(dir, "prog.c");
    tu_write(p, prog, sizeof prog - 1);
    free(p);
    p = tu_path(dir, "plain.c");
    tu_write(p, plain, sizeof plain - 1);
    free(p);
  }
  cmd = malloc(8192);
  snprintf(cmd, 8192,
           "cd '%s' && for d in ws ole wsock foo; do "
           "x86_64-w64-mingw32-dlltool -d $d.def -l lib$d.a || exit 1; done"
           " && x86_64-w64-mingw32-gcc -O1 prog.c -o prog.exe -L. -lws -lole "
           "-lwsock -lfoo -luser32"
           " && x86_64-w64-mingw32-gcc -O1 plain.c -o plain.exe -luser32"
           " && x86_64-w64-mingw32-gcc -O1 -shared plain.c -o plain.dll "
           "-luser32"
           " && for d in ws ole wsock foo; do "
           "i686-w64-mingw32-dlltool -d $d.def -l lib32$d.a || exit 1; done"
           " && i686-w64-mingw32-gcc -O1 prog.c -o prog32.exe -L. -l32ws "
           "-l32ole -l32wsock -l32foo -luser32 2>&1",
           dir);
  out = tu_run(cmd, &status);
  ck_assert_msg(status == 0, "mingw build failed: %s", out);
  free(out);
  free(cmd);
  tu_write(done, "", 0);
  free(done);
}

static uint8_t *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static art_pe *parse_file(art_ctx *ctx, const char *name)
{
  char *p = tu_path(dir, name);
  size_t len;
  uint8_t *buf = slurp(p, &len);
  art_pe *pe = NULL;
  ck_assert_int_eq(art_pe_parse(ctx, buf, len, &pe), ART_OK);
  free(buf);
  free(p);
  return pe;
}

/* YARA agrees when the rule pe.imphash() == HASH matches FILE. */
static int yara_agrees(const char *file, const char *hash)
{
  char *rule = tu_path(dir, "imphash.yar"), *target = tu_path(dir, file);
  char text[256], cmd[4096];
  char *out;
  int status, ok;
  snprintf(text, sizeof text,
           "import \"pe\"\nrule same { condition: pe.imphash() == \"%s\" }\n",
           hash);
  tu_write(rule, text, strlen(text));
  snprintf(cmd, sizeof cmd, "yara '%s' '%s'", rule, target);
  out = tu_run(cmd, &status);
  ok = status == 0 && strncmp(out, "same ", 5) == 0;
  free(out);
  free(rule);
  free(target);
  return ok;
}

/* pefile's imphash, or NULL when pefile is not installed. */
static char *pefile_imphash(const char *file)
{
  char cmd[4096], *out;
  int status;
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import sys, pefile; "
           "print(pefile.PE(sys.argv[1]).get_imphash())' '%s/%s' 2>/dev/null",
           dir, file);
  out = tu_run(cmd, &status);
  if (status != 0) {
    free(out);
    return NULL;
  }
  out[strcspn(out, "\n")] = '\0';
  return out;
}

START_TEST(test_imphash_yara)
{
  static const char *const files[] = {"prog.exe", "plain.exe", "plain.dll",
                                      "prog32.exe"};
  art_ctx *ctx;
  setup();
  if (!have_mingw)
    return;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    art_pe *pe = parse_file(ctx, files[i]);
    const char *h = art_pe_imphash(pe);
    char *ref = pefile_imphash(files[i]);
    ck_assert_uint_eq(strlen(h), 32);
    ck_assert_msg(yara_agrees(files[i], h), "%s: yara disagrees with %s",
                  files[i], h);
    ck_assert_msg(!yara_agrees(files[i], "00000000000000000000000000000000"),
                  "yara oracle always matches");
    ck_assert_ptr_nonnull(ref);
    ck_assert_str_eq(h, ref);
    free(ref);
    art_pe_free(pe);
  }
  art_ctx_free(ctx);
}
END_TEST

static const art_pe_import *
find_import(const art_pe *pe, const char *dll, const char *name, int ordinal)
{
  for (size_t i = 0; i < art_pe_get_info(pe)->n_imports; i++) {
    const art_pe_import *im = art_pe_import_at(pe, i);
    if (strcmp(im->dll, dll))
      continue;
    if (name && im->name && !strcmp(im->name, name))
      return im;
    if (!name && im->by_ordinal && im->ordinal == ordinal)
      return im;
  }
  return NULL;
}

START_TEST(test_imports_exports)
{
  art_ctx *ctx;
  art_pe *pe;
  const art_pe_info *info;
  int found_text = 0;
  setup();
  if (!have_mingw)
    return;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  pe = parse_file(ctx, "prog.exe");
  info = art_pe_get_info(pe);
  ck_assert_uint_eq(info->machine, 0x8664);
  ck_assert_str_eq(info->machine_name, "amd64");
  ck_assert(info->is_64);
  ck_assert(!info->is_dll);
  ck_assert_str_eq(info->subsystem_name, "windows_cui");
  ck_assert(!info->partial);
  ck_assert_ptr_nonnull(find_import(pe, "USER32.dll", "MessageBoxA", 0));
  ck_assert_ptr_nonnull(find_import(pe, "KERNEL32.dll", "GetTickCount", 0));
  ck_assert_ptr_nonnull(find_import(pe, "ws2_32.dll", NULL, 1));
  ck_assert_ptr_nonnull(find_import(pe, "ws2_32.dll", NULL, 115));
  ck_assert_ptr_nonnull(find_import(pe, "ws2_32.dll", NULL, 499));
  ck_assert_ptr_nonnull(find_import(pe, "OLEAUT32.dll", NULL, 2));
  ck_assert_ptr_nonnull(find_import(pe, "WSOCK32.DLL", NULL, 2));
  ck_assert_ptr_nonnull(find_import(pe, "foo.drv", NULL, 7));
  ck_assert_ptr_nonnull(find_import(pe, "foo.drv", "art_fooname", 0));
  ck_assert_uint_ge(info->n_exports, 2);
  ck_assert_str_eq(art_pe_export_at(pe, 0)->name, "exported_one");
  ck_assert_str_eq(art_pe_export_at(pe, 1)->name, "exported_two");
  ck_assert_ptr_null(art_pe_export_at(pe, info->n_exports));
  for (size_t i = 0; i < info->n_sections; i++) {
    const art_pe_section *s = art_pe_section_at(pe, i);
    ck_assert(s->entropy >= 0 && s->entropy <= 8);
    if (!strcmp(s->name, ".text")) {
      found_text = 1;
      ck_assert(s->entropy > 3);
      ck_assert_uint_gt(s->raw_size, 0);
    }
  }
  ck_assert(found_text);
  art_pe_free(pe);

  pe = parse_file(ctx, "plain.dll");
  ck_assert(art_pe_get_info(pe)->is_dll);
  art_pe_free(pe);

  /* The PE32 build: 32-bit thunks, the same imports. */
  pe = parse_file(ctx, "prog32.exe");
  info = art_pe_get_info(pe);
  ck_assert_uint_eq(info->machine, 0x14c);
  ck_assert_str_eq(info->machine_name, "i386");
  ck_assert(!info->is_64);
  ck_assert(!info->partial);
  ck_assert_ptr_nonnull(find_import(pe, "ws2_32.dll", NULL, 115));
  ck_assert_ptr_nonnull(find_import(pe, "OLEAUT32.dll", NULL, 2));
  ck_assert_ptr_nonnull(find_import(pe, "USER32.dll", "MessageBoxA", 0));
  art_pe_free(pe);
  art_ctx_free(ctx);
}
END_TEST

/* Sections compared with pefile's view. */
START_TEST(test_sections_pefile)
{
  art_ctx *ctx;
  art_pe *pe;
  char cmd[4096], *out, *line, *save = NULL;
  int status;
  size_t i = 0;
  setup();
  if (!have_mingw)
    return;
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import sys, pefile\n"
           "p = pefile.PE(sys.argv[1])\n"
           "print(p.FILE_HEADER.TimeDateStamp, p.OPTIONAL_HEADER.Subsystem)\n"
           "for s in p.sections: print(s.Name.rstrip(b\"\\0\").decode(), "
           "s.VirtualAddress, s.Misc_VirtualSize, s.SizeOfRawData, "
           "\"%%.4f\" %% s.get_entropy())' '%s/prog.exe' 2>/dev/null",
           dir);
  out = tu_run(cmd, &status);
  ck_assert_msg(status == 0, "pefile: %s", out);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  pe = parse_file(ctx, "prog.exe");
  line = strtok_r(out, "\n", &save);
  {
    char want[64];
    snprintf(want, sizeof want, "%u %u", art_pe_get_info(pe)->timestamp,
             art_pe_get_info(pe)->subsystem);
    ck_assert_str_eq(line, want);
  }
  while ((line = strtok_r(NULL, "\n", &save))) {
    const art_pe_section *s = art_pe_section_at(pe, i++);
    char mine[256];
    ck_assert_ptr_nonnull(s);
    snprintf(mine, sizeof mine, "%s %u %u %u %.4f", s->name, s->virtual_address,
             s->virtual_size, s->raw_size, s->entropy);
    ck_assert_str_eq(mine, line);
  }
  ck_assert_uint_eq(i, art_pe_get_info(pe)->n_sections);
  art_pe_free(pe);
  art_ctx_free(ctx);
  free(out);
}
END_TEST

START_TEST(test_damaged)
{
  art_ctx *ctx;
  art_pe *pe = NULL;
  size_t len;
  char *p;
  uint8_t *buf;
  setup();
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_pe_parse(ctx, "MZ", 2, &pe), ART_ERR_FORMAT);
  ck_assert_ptr_null(pe);
  ck_assert_int_eq(art_pe_parse(ctx, "hello world", 11, &pe), ART_ERR_FORMAT);
  ck_assert(!art_pe_is_pe("ELF", 3));
  if (have_mingw) {
    p = tu_path(dir, "prog.exe");
    buf = slurp(p, &len);
    /* Every truncation parses without reading outside the buffer (ASan
     * checks that in the sanitizer build). */
    for (size_t cut = 64; cut < len; cut += cut < 2048 ? 7 : 997) {
      uint8_t *copy = malloc(cut);
      memcpy(copy, buf, cut);
      if (art_pe_parse(ctx, copy, cut, &pe) == ART_OK)
        art_pe_free(pe);
      free(copy);
    }
    /* A truncated file keeps its header facts and says it is partial. */
    ck_assert_int_eq(art_pe_parse(ctx, buf, 1024, &pe), ART_OK);
    ck_assert_uint_eq(art_pe_get_info(pe)->machine, 0x8664);
    ck_assert(art_pe_get_info(pe)->partial);
    ck_assert_ptr_nonnull(art_pe_get_info(pe)->problem);
    art_pe_free(pe);
    free(buf);
    free(p);
  }
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_collector)
{
  art_ctx *ctx;
  art_pe_collector *c;
  const art_consumer *ops = art_pe_collector_consumer();
  int trunc = 1;
  setup();
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_pe_collector_new(ctx, 0, &c), ART_OK);
  /* Not MZ: stops at once, no result. */
  ck_assert_int_eq(ops->begin(c, 1, 5), ART_OK);
  ck_assert_int_eq(ops->update(c, (const uint8_t *)"hello", 5, 0),
                   ART_ERR_LIMIT);
  ck_assert_int_eq(ops->finish(c, ART_OK), ART_OK);
  ck_assert_ptr_null(art_pe_collector_result(c, &trunc));
  ck_assert_int_eq(trunc, 0);
  if (have_mingw) {
    char *p = tu_path(dir, "prog.exe");
    size_t len, half;
    uint8_t *buf = slurp(p, &len);
    const art_pe *pe;
    art_pe *direct;
    half = len / 2;
    ck_assert_int_eq(ops->begin(c, 1, len), ART_OK);
    ck_assert_int_eq(ops->update(c, buf, half, 0), ART_OK);
    ck_assert_int_eq(ops->update(c, buf + half, len - half, half), ART_OK);
    ck_assert_int_eq(ops->finish(c, ART_OK), ART_OK);
    pe = art_pe_collector_result(c, NULL);
    ck_assert_ptr_nonnull(pe);
    ck_assert_int_eq(art_pe_parse(ctx, buf, len, &direct), ART_OK);
    ck_assert_str_eq(art_pe_imphash(pe), art_pe_imphash(direct));
    art_pe_free(direct);
    free(buf);
    free(p);
  }
  art_pe_collector_free(c);
  art_ctx_free(ctx);
}
END_TEST

/* Malformed variants (tests/data/pe_variants.py derives them from the
 * executables built here, and builds section-less tiny PEs): our imphash
 * equals pefile's on each, and the oddity is an anomaly, not partial. */
START_TEST(test_malformed_pefile)
{
  art_ctx *ctx;
  char cmd[4096], *out, *line, *save = NULL;
  int status, rows = 0;
  setup();
  if (!have_mingw)
    return;
  snprintf(cmd, sizeof cmd,
           "cd '%s' && /usr/bin/python3 '%s/tests/data/pe_variants.py' . "
           "prog.exe prog32.exe plain.exe plain.dll",
           dir, ART_SOURCE_DIR);
  out = tu_run(cmd, &status);
  ck_assert_msg(status == 0, "pe_variants.py: %s", out);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  for (line = strtok_r(out, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char *name = line, *ref = strchr(line, '\t'), *kw;
    ck_assert_ptr_nonnull(ref);
    *ref++ = '\0';
    kw = strchr(ref, '\t');
    ck_assert_ptr_nonnull(kw);
    *kw++ = '\0';
    art_pe *pe = parse_file(ctx, name);
    const art_pe_info *in = art_pe_get_info(pe);
    ck_assert_msg(!strcmp(art_pe_imphash(pe), ref), "%s: imphash %s, pefile %s",
                  name, art_pe_imphash(pe), ref);
    ck_assert_msg(!in->partial, "%s: partial (%s)", name, in->problem);
    if (strcmp(kw, "-") == 0) {
      ck_assert_msg(in->n_anomalies == 0, "%s: unexpected anomaly %s", name,
                    art_pe_anomaly_at(pe, 0));
    } else {
      int found = 0;
      for (size_t i = 0; i < in->n_anomalies; i++)
        found |= strstr(art_pe_anomaly_at(pe, i), kw) != NULL;
      ck_assert_msg(found, "%s: no anomaly with '%s' (%zu anomalies, first %s)",
                    name, kw, in->n_anomalies,
                    in->n_anomalies ? art_pe_anomaly_at(pe, 0) : "-");
    }
    if (strstr(name, "_sections"))
      ck_assert_uint_eq(in->n_sections, 96);
    if (strstr(name, "v_tiny")) {
      ck_assert_uint_eq(in->n_import_dlls, 2);
      ck_assert_uint_eq(in->n_imports, 3);
      ck_assert_str_eq(art_pe_import_at(pe, 2)->name, "MessageBoxA");
    }
    art_pe_free(pe);
    rows++;
  }
  ck_assert_int_ge(rows, 30);
  art_ctx_free(ctx);
  free(out);
}
END_TEST

static Suite *pe_suite(void)
{
  Suite *s = suite_create("pe");
  TCase *tc = tcase_create("imphash");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_imphash_yara);
  tcase_add_test(tc, test_malformed_pefile);
  suite_add_tcase(s, tc);
  tc = tcase_create("structure");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_imports_exports);
  tcase_add_test(tc, test_sections_pefile);
  tcase_add_test(tc, test_damaged);
  tcase_add_test(tc, test_collector);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  int rc;
  char tmpl[] = "/tmp/art_pe_XXXXXX";
  dir = mkdtemp(tmpl);
  if (!dir)
    return 1;
  rc = tu_main(pe_suite());
  tu_rmtree(dir);
  return rc;
}
