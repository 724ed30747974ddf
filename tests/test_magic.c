/* Check suite for the magic module: differential against file(1).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/magic.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_FILES 1024

static char *files[MAX_FILES];
static size_t nfiles;
static char tmpdir[] = "/tmp/art_magic_XXXXXX";

static void add_file(const char *p)
{
  if (nfiles < MAX_FILES && !strchr(p, '\n'))
    files[nfiles++] = strdup(p);
}

static int
nftw_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
  (void)f;
  if (type == FTW_F && S_ISREG(st->st_mode))
    add_file(p);
  return 0;
}

static int cmpstr(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* About COUNT regular files of /usr/bin, evenly spaced in name order. */
static void add_usr_bin(size_t count)
{
  struct dirent **ents = NULL;
  int n = scandir("/usr/bin", &ents, NULL, alphasort);
  char **reg;
  size_t nreg = 0;
  char path[4096];
  struct stat st;
  if (n <= 0)
    return;
  reg = calloc((size_t)n, sizeof *reg);
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "/usr/bin/%s", ents[i]->d_name);
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0)
      reg[nreg++] = strdup(path);
    free(ents[i]);
  }
  free(ents);
  for (size_t i = 0; i < nreg; i++) {
    if (nreg <= count || (i * count) / nreg != ((i + 1) * count) / nreg)
      add_file(reg[i]);
    free(reg[i]);
  }
  free(reg);
}

static void write_archive(const char *name,
                          const char *format,
                          int filter,
                          const char *passphrase)
{
  char path[4096];
  struct archive *a = archive_write_new();
  struct archive_entry *e;
  static const char text[] = "hello from an archive member\n";
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  ck_assert_msg(archive_write_set_format_by_name(a, format) == ARCHIVE_OK,
                "%s: %s", name, archive_error_string(a));
  if (filter >= 0)
    ck_assert_int_eq(archive_write_add_filter(a, filter), ARCHIVE_OK);
  if (passphrase) {
    archive_write_set_options(a, "zip:encryption=zipcrypt");
    archive_write_set_passphrase(a, passphrase);
  }
  ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
  for (int i = 0; i < 3; i++) {
    char mname[32];
    snprintf(mname, sizeof mname, "dir/member%d.txt", i);
    e = archive_entry_new();
    archive_entry_set_pathname(e, mname);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)(sizeof text - 1));
    archive_entry_set_mtime(e, 1600000000, 0);
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    archive_write_data(a, text, sizeof text - 1);
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  add_file(path);
}

static void build_archives(void)
{
  write_archive("a.zip", "zip", -1, NULL);
  write_archive("enc.zip", "zip", -1, "infected");
  write_archive("a.7z", "7zip", -1, NULL);
  write_archive("a.tar", "paxr", -1, NULL);
  write_archive("a.tar.gz", "ustar", ARCHIVE_FILTER_GZIP, NULL);
  write_archive("a.tar.bz2", "ustar", ARCHIVE_FILTER_BZIP2, NULL);
  write_archive("a.tar.xz", "ustar", ARCHIVE_FILTER_XZ, NULL);
  write_archive("a.tar.zst", "ustar", ARCHIVE_FILTER_ZSTD, NULL);
  write_archive("a.tar.lz4", "ustar", ARCHIVE_FILTER_LZ4, NULL);
  write_archive("a.cpio", "newc", -1, NULL);
  write_archive("a.a", "arsvr4", -1, NULL);
  write_archive("a.iso", "iso9660", -1, NULL);
  write_archive("a.xar", "xar", -1, NULL);
}

/* Run file(1) with ARGS over the list file; one output line per input. */
static char **run_file(const char *listpath, int mime)
{
  char cmd[8192];
  char **out = calloc(nfiles, sizeof *out);
  char line[8192];
  FILE *p;
  size_t i = 0;
  snprintf(cmd, sizeof cmd, "file -b %s -f '%s'", mime ? "--mime-type" : "",
           listpath);
  p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  while (i < nfiles && fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = '\0';
    out[i++] = strdup(line);
  }
  pclose(p);
  ck_assert_uint_eq(i, nfiles);
  return out;
}

static art_status identify_file(art_ctx *ctx, art_magic *m, const char *path)
{
  FILE *f = fopen(path, "rb");
  static uint8_t block[1 << 20];
  size_t n;
  art_status st = ART_OK;
  if (!f)
    return ART_ERR_IO;
  art_magic_reset(m);
  /* Feed block by block, as the reader would, past the limit. */
  while ((n = fread(block, 1, sizeof block, f)) > 0 && st == ART_OK)
    st = art_magic_update(ctx, m, block, n);
  fclose(f);
  if (st != ART_OK)
    return st;
  return art_magic_final(ctx, m);
}

START_TEST(test_differential)
{
  art_ctx *ctx;
  art_magic *m;
  char listpath[4200];
  FILE *lf;
  char **desc, **mime;
  size_t mismatches = 0, compared = 0, skipped = 0;
  const char *samples = "/usr/share/forensics-samples";

  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  build_archives();
  if (access(samples, R_OK) == 0)
    nftw(samples, nftw_cb, 16, FTW_PHYS);
  add_usr_bin(300);
  qsort(files, nfiles, sizeof files[0], cmpstr);
  ck_assert_uint_gt(nfiles, 100);

  snprintf(listpath, sizeof listpath, "%s/list", tmpdir);
  lf = fopen(listpath, "w");
  for (size_t i = 0; i < nfiles; i++)
    fprintf(lf, "%s\n", files[i]);
  fclose(lf);
  desc = run_file(listpath, 0);
  mime = run_file(listpath, 1);

  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_magic_new(ctx, &m), ART_OK);
  for (size_t i = 0; i < nfiles; i++) {
    struct stat st;
    const char *want = desc[i];
    art_status s = identify_file(ctx, m, files[i]);
    ck_assert_msg(s == ART_OK, "%s: %s", files[i], art_ctx_errmsg(ctx));
    stat(files[i], &st);
    /* Documented difference: ELF files larger than the limit. */
    if ((uint64_t)st.st_size > art_magic_limit(m) && strstr(desc[i], "ELF ")) {
      skipped++;
      continue;
    }
    compared++;
    /* Documented difference: file(1) prefixes the file's mode bits. */
    {
      static const char *const modes[] = {"setuid ", "setgid ", "sticky "};
      for (size_t k = 0; k < 3; k++)
        if (!strncmp(want, modes[k], strlen(modes[k])))
          want += strlen(modes[k]);
    }
    if (strcmp(art_magic_description(m), want) ||
        strcmp(art_magic_mime(m), mime[i])) {
      fprintf(stderr, "%s:\n  file: %s | %s\n  ours: %s | %s\n", files[i], want,
              mime[i], art_magic_description(m), art_magic_mime(m));
      mismatches++;
    }
  }
  fprintf(stderr,
          "magic: %zu files compared with file(1), %zu ELF files over the "
          "limit left out\n",
          compared, skipped);
  ck_assert_uint_gt(compared, 100);
  ck_assert_uint_eq(mismatches, 0);
  art_magic_free(m);
  art_ctx_free(ctx);
  for (size_t i = 0; i < nfiles; i++) {
    if (!strncmp(files[i], tmpdir, strlen(tmpdir)))
      unlink(files[i]);
    free(files[i]);
    free(desc[i]);
    free(mime[i]);
  }
  free(desc);
  free(mime);
  unlink(listpath);
  rmdir(tmpdir);
}
END_TEST

START_TEST(test_buffer_and_limit)
{
  art_ctx *ctx;
  art_magic *m;
  static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_magic_new(ctx, &m), ART_OK);
  ck_assert_uint_ge(art_magic_limit(m), 1024 * 1024);
  ck_assert_int_eq(art_magic_buffer(ctx, m, pdf, sizeof pdf - 1), ART_OK);
  ck_assert_str_eq(art_magic_mime(m), "application/pdf");
  {
    size_t hl = 0;
    const uint8_t *head = art_magic_head(m, &hl);
    ck_assert_uint_eq(hl, sizeof pdf - 1);
    ck_assert_mem_eq(head, pdf, hl);
  }
  ck_assert_int_eq(art_magic_buffer(ctx, m, "", 0), ART_OK);
  ck_assert_str_eq(art_magic_description(m), "empty");
  ck_assert_str_eq(art_magic_mime(m), "application/x-empty");
  /* A limit of 4 bytes keeps "%PDF" only. */
  art_magic_set_limit(m, 4);
  ck_assert_uint_eq(art_magic_limit(m), 4);
  ck_assert_int_eq(art_magic_buffer(ctx, m, pdf, sizeof pdf - 1), ART_OK);
  ck_assert_str_eq(art_magic_mime(m), "text/plain");
  art_magic_reset(m);
  ck_assert_ptr_null(art_magic_mime(m));
  art_magic_free(m);
  art_magic_free(NULL);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_consumer)
{
  const art_consumer *c = art_magic_consumer();
  art_ctx *ctx;
  art_magic *m;
  static const uint8_t pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_magic_new(ctx, &m), ART_OK);
  art_magic_set_limit(m, 4);
  ck_assert_int_eq(c->begin(m, 1, sizeof pdf), ART_OK);
  /* The consumer says it needs no more once the limit is reached. */
  ck_assert_int_eq(c->update(m, pdf, 2, 0), ART_OK);
  ck_assert_int_eq(c->update(m, pdf + 2, 6, 2), ART_ERR_LIMIT);
  ck_assert_int_eq(c->finish(m, ART_OK), ART_OK);
  ck_assert_ptr_nonnull(art_magic_description(m));
  art_magic_set_limit(m, 0);
  ck_assert_int_eq(c->begin(m, 1, sizeof pdf), ART_OK);
  ck_assert_int_eq(c->update(m, pdf, sizeof pdf, 0), ART_OK);
  ck_assert_int_eq(c->finish(m, ART_OK), ART_OK);
  ck_assert_str_eq(art_magic_mime(m), "application/pdf");
  art_magic_free(m);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_ext_mismatch)
{
  const char *exp;
  ck_assert_int_eq(
      art_magic_ext_mismatch("a/invoice.pdf", "application/x-dosexec", &exp),
      1);
  ck_assert_str_eq(exp, "application/pdf");
  ck_assert_int_eq(
      art_magic_ext_mismatch("invoice.PDF", "application/pdf", NULL), 0);
  ck_assert_int_eq(art_magic_ext_mismatch("notes.txt", "text/x-c", NULL), 0);
  ck_assert_int_eq(art_magic_ext_mismatch("photo.jpg", "text/plain", NULL), 1);
  ck_assert_int_eq(
      art_magic_ext_mismatch(
          "a.docx",
          "application/vnd.openxmlformats-officedocument.wordprocessingml."
          "document",
          NULL),
      0);
  ck_assert_int_eq(art_magic_ext_mismatch("x.unknownext", "text/plain", &exp),
                   0);
  ck_assert_ptr_null(exp);
  ck_assert_int_eq(art_magic_ext_mismatch("noext", "text/plain", NULL), 0);
  ck_assert_int_eq(art_magic_ext_mismatch(".bashrc", "text/plain", NULL), 0);
  ck_assert_int_eq(art_magic_ext_mismatch("dir.jpg/file", "text/plain", NULL),
                   0);
  ck_assert_int_eq(
      art_magic_ext_mismatch("empty.jpg", "application/x-empty", NULL), 0);
  ck_assert_int_eq(
      art_magic_ext_mismatch("a.exe", "application/x-dosexec", NULL), 0);
}
END_TEST

/* One read of a file through the core reader feeds libmagic. */
START_TEST(test_reader)
{
  art_ctx *ctx;
  art_magic *m;
  art_reader *r;
  art_source *src;
  uint64_t bytes = 0;
  art_reader_opts ro = {.block_size = 4096, .threads = 2};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_magic_new(ctx, &m), ART_OK);
  ck_assert_int_eq(art_reader_new(ctx, &ro, &r), ART_OK);
  ck_assert_int_eq(art_magic_attach(ctx, m, r), ART_OK);
  ck_assert_int_eq(art_source_open(ctx, "/usr/bin/ls", ART_SOURCE_FILE, &src),
                   ART_OK);
  ck_assert_int_eq(art_reader_run(ctx, r, src, &bytes), ART_OK);
  ck_assert_uint_gt(bytes, 0);
  ck_assert_str_eq(art_magic_mime(m), "application/x-pie-executable");
  ck_assert_ptr_nonnull(strstr(art_magic_description(m), "interpreter"));
  art_source_free(src);
  art_reader_free(r);
  art_magic_free(m);
  art_ctx_free(ctx);
}
END_TEST

/* type.charset: Japanese text encoded by iconv in each encoding is named
 * as encoded, where libmagic says "ISO-8859 text" (EUC-JP) or "Non-ISO
 * extended-ASCII text" (Shift_JIS); binary data has none. */
START_TEST(test_charset)
{
  static const char *const encs[][2] = {{"UTF-8", "UTF-8"},
                                        {"SHIFT_JIS", "SHIFT_JIS"},
                                        {"CP932", "SHIFT_JIS"},
                                        {"EUC-JP", "EUC-JP"},
                                        {"ISO-2022-JP", "ISO-2022-JP"}};
  static const char text[] =
      "お客様のアカウントが一時的に停止されました。以下のリンクから本人確認を"
      "行ってください。ご不明な点は担当者までお問い合わせください。\n"
      "【重要】三井住友カードをご利用のお客様へ：ご請求金額の確認をお願いし"
      "ます。\n";
  art_ctx *ctx;
  art_magic *m;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_magic_new(ctx, &m), ART_OK);
  for (size_t i = 0; i < sizeof encs / sizeof *encs; i++) {
    char cmd[1024], *out;
    int status;
    snprintf(cmd, sizeof cmd, "printf '%%s%%s%%s' '%s' '%s' '%s' | iconv -t %s",
             text, text, text, encs[i][0]);
    out = tu_run(cmd, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_int_eq(art_magic_buffer(ctx, m, out, strlen(out)), ART_OK);
    ck_assert_ptr_nonnull(art_magic_charset(m));
    ck_assert_msg(strcmp(art_magic_charset(m), encs[i][1]) == 0, "%s: %s (%s)",
                  encs[i][0], art_magic_charset(m), art_magic_description(m));
    free(out);
  }
  /* libmagic's view of EUC-JP, which is why charset exists. */
  ck_assert_int_eq(art_magic_buffer(ctx, m,
                                    "\x7f"
                                    "ELF\x02\x01\x01",
                                    7),
                   ART_OK);
  ck_assert_ptr_null(art_magic_charset(m));
  art_magic_free(m);
  art_ctx_free(ctx);
}
END_TEST

static Suite *magic_suite(void)
{
  Suite *s = suite_create("magic");
  TCase *tc = tcase_create("identify");
  tcase_add_test(tc, test_buffer_and_limit);
  tcase_add_test(tc, test_consumer);
  tcase_add_test(tc, test_reader);
  suite_add_tcase(s, tc);
  tc = tcase_create("differential");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_differential);
  suite_add_tcase(s, tc);
  tc = tcase_create("extension");
  tcase_add_test(tc, test_ext_mismatch);
  tcase_add_test(tc, test_charset);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(magic_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
