/* Check suite for byte sources: files, stdin, split raw, E01, errors and
 * read-only behaviour.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static art_ctx *ctx;
static char *dir;

static void setup(void)
{
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  dir = tu_tmpdir();
}

static void teardown(void)
{
  tu_rmtree(dir);
  free(dir);
  art_ctx_free(ctx);
}

static unsigned char *slurp(art_source *src, size_t *n)
{
  size_t cap = 1 << 20, len = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    size_t got = 0;
    if (len + 4096 > cap)
      buf = realloc(buf, cap *= 2);
    ck_assert_int_eq(art_source_read(ctx, src, buf + len, 4096, &got), ART_OK);
    if (!got)
      break;
    len += got;
  }
  *n = len;
  return buf;
}

START_TEST(test_file)
{
  char *p = tu_path(dir, "f.bin");
  art_source *src;
  tu_write(p, "hello world", 11);
  ck_assert_int_eq(art_source_open(ctx, p, ART_SOURCE_AUTO, &src), ART_OK);
  const art_source_info *info = art_source_get_info(src);
  ck_assert_int_eq(info->kind, ART_SOURCE_FILE);
  ck_assert_int_eq(info->size_known, 1);
  ck_assert_uint_eq(info->size, 11);
  ck_assert_uint_eq(info->uid, (uint32_t)geteuid());
  ck_assert_uint_eq(info->gid, (uint32_t)getegid());
  char buf[8];
  size_t got;
  ck_assert_int_eq(art_source_pread(ctx, src, buf, 5, 6, &got), ART_OK);
  ck_assert_uint_eq(got, 5);
  ck_assert_int_eq(memcmp(buf, "world", 5), 0);
  size_t n;
  unsigned char *all = slurp(src, &n);
  ck_assert_uint_eq(n, 11);
  ck_assert_int_eq(memcmp(all, "hello world", 11), 0);
  int changed = 1;
  ck_assert_int_eq(art_source_unchanged(ctx, src, &changed), ART_OK);
  ck_assert_int_eq(changed, 0);
  ck_assert_str_eq(art_source_path(src), p);
  free(all);
  art_source_free(src);
  free(p);
}
END_TEST

START_TEST(test_changed_while_open)
{
  char *p = tu_path(dir, "grow");
  art_source *src;
  tu_write(p, "abc", 3);
  ck_assert_int_eq(art_source_open(ctx, p, ART_SOURCE_FILE, &src), ART_OK);
  FILE *f = fopen(p, "ab");
  fputs("more", f);
  fclose(f);
  int changed = 0;
  ck_assert_int_eq(art_source_unchanged(ctx, src, &changed), ART_OK);
  ck_assert_int_eq(changed, 1);
  art_source_free(src);
  free(p);
}
END_TEST

START_TEST(test_errors_name_the_input)
{
  art_source *src = (art_source *)1;
  char *p = tu_path(dir, "missing");
  ck_assert_int_eq(art_source_open(ctx, p, ART_SOURCE_AUTO, &src),
                   ART_ERR_NOT_FOUND);
  ck_assert_ptr_null(src);
  char want[4200];
  snprintf(want, sizeof want, "%s: No such file or directory", p);
  ck_assert_str_eq(art_ctx_errmsg(ctx), want);
  ck_assert_int_eq(art_source_open(ctx, dir, ART_SOURCE_AUTO, &src),
                   ART_ERR_FORMAT);
  snprintf(want, sizeof want, "%s: Is a directory", dir);
  ck_assert_str_eq(art_ctx_errmsg(ctx), want);
  free(p);
}
END_TEST

START_TEST(test_atime_untouched)
{
  char *p = tu_path(dir, "evidence");
  struct stat before, after;
  struct timespec old[2] = {{1000000, 0}, {1000000, 0}};
  art_source *src;
  size_t n;
  tu_write(p, "evidence bytes", 14);
  ck_assert_int_eq(utimensat(AT_FDCWD, p, old, 0), 0);
  ck_assert_int_eq(stat(p, &before), 0);
  ck_assert_int_eq(art_source_open(ctx, p, ART_SOURCE_AUTO, &src), ART_OK);
  free(slurp(src, &n));
  art_source_free(src);
  ck_assert_int_eq(stat(p, &after), 0);
  ck_assert_int_eq(before.st_atim.tv_sec, after.st_atim.tv_sec);
  ck_assert_int_eq(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
  ck_assert_int_eq(before.st_ctim.tv_sec, after.st_ctim.tv_sec);
  free(p);
}
END_TEST

START_TEST(test_split_raw)
{
  char name[64];
  unsigned char whole[30000];
  for (size_t i = 0; i < sizeof whole; i++)
    whole[i] = (unsigned char)(i * 7 + 3);
  /* segments of 10000, 10000, 10000 */
  for (int s = 0; s < 3; s++) {
    snprintf(name, sizeof name, "disk.%03d", s + 1);
    char *p = tu_path(dir, name);
    tu_write(p, whole + s * 10000, 10000);
    free(p);
  }
  char *first = tu_path(dir, "disk.001");
  art_source *src;
  ck_assert_int_eq(art_source_open(ctx, first, ART_SOURCE_AUTO, &src), ART_OK);
  const art_source_info *info = art_source_get_info(src);
  ck_assert_int_eq(info->kind, ART_SOURCE_SPLIT);
  ck_assert_uint_eq(info->segments, 3);
  ck_assert_uint_eq(info->size, 30000);
  unsigned char buf[5000];
  size_t got;
  /* a read that crosses a segment boundary */
  ck_assert_int_eq(art_source_pread(ctx, src, buf, 5000, 8000, &got), ART_OK);
  ck_assert_uint_eq(got, 5000);
  ck_assert_int_eq(memcmp(buf, whole + 8000, 5000), 0);
  size_t n;
  unsigned char *all = slurp(src, &n);
  ck_assert_uint_eq(n, 30000);
  ck_assert_int_eq(memcmp(all, whole, 30000), 0);
  free(all);
  art_source_free(src);
  /* as a plain file it is only the first segment */
  ck_assert_int_eq(art_source_open(ctx, first, ART_SOURCE_FILE, &src), ART_OK);
  ck_assert_uint_eq(art_source_get_info(src)->size, 10000);
  art_source_free(src);
  free(first);
}
END_TEST

START_TEST(test_ewf_image)
{
  char cmd[8192];
  char *raw = tu_path(dir, "raw.dd");
  tu_write_random(raw, 2 * 1024 * 1024, 11);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && ewfacquire -u -q -t img -c none -d sha1 -C C-42 "
           "-e 'Ann Examiner' -D disk -E EV-9 -N none -f encase6 raw.dd "
           ">/dev/null 2>&1",
           dir);
  int status;
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  char *e01 = tu_path(dir, "img.E01");
  art_source *src;
  ck_assert_int_eq(art_source_open(ctx, e01, ART_SOURCE_AUTO, &src), ART_OK);
  const art_source_info *info = art_source_get_info(src);
  ck_assert_int_eq(info->kind, ART_SOURCE_EWF);
  ck_assert_uint_eq(info->size, 2 * 1024 * 1024);
  /* stored hashes equal md5sum/sha1sum of the raw image */
  snprintf(cmd, sizeof cmd, "md5sum '%s'", raw);
  char *md5 = tu_run_word(cmd);
  snprintf(cmd, sizeof cmd, "sha1sum '%s'", raw);
  char *sha1 = tu_run_word(cmd);
  int seen = 0;
  const char *alg, *hex;
  for (size_t i = 0; art_source_stored_hash(src, i, &alg, &hex) == ART_OK;
       i++) {
    if (strcmp(alg, "md5") == 0) {
      ck_assert_str_eq(hex, md5);
      seen |= 1;
    } else if (strcmp(alg, "sha1") == 0) {
      ck_assert_str_eq(hex, sha1);
      seen |= 2;
    }
  }
  ck_assert_int_eq(seen, 3);
  /* header values as given to ewfacquire */
  const char *key, *value;
  int headers = 0;
  for (size_t i = 0; art_source_header(src, i, &key, &value) == ART_OK; i++) {
    if (strcmp(key, "case_number") == 0) {
      ck_assert_str_eq(value, "C-42");
      headers |= 1;
    } else if (strcmp(key, "examiner_name") == 0) {
      ck_assert_str_eq(value, "Ann Examiner");
      headers |= 2;
    }
  }
  ck_assert_int_eq(headers, 3);
  /* media bytes equal the raw image */
  size_t n;
  unsigned char *all = slurp(src, &n);
  ck_assert_uint_eq(n, 2 * 1024 * 1024);
  FILE *f = fopen(raw, "rb");
  unsigned char *want = malloc(n);
  ck_assert_uint_eq(fread(want, 1, n, f), n);
  fclose(f);
  ck_assert_int_eq(memcmp(all, want, n), 0);
  free(want);
  free(all);
  art_source_free(src);
  /* a plain file is not an image */
  ck_assert_int_eq(art_source_open(ctx, raw, ART_SOURCE_AUTO, &src), ART_OK);
  ck_assert_int_eq(art_source_get_info(src)->kind, ART_SOURCE_FILE);
  ck_assert_int_eq(art_source_stored_hash(src, 0, &alg, &hex),
                   ART_ERR_NOT_FOUND);
  art_source_free(src);
  free(md5);
  free(sha1);
  free(e01);
  free(raw);
}
END_TEST

START_TEST(test_truncated_ewf_is_an_error)
{
  char cmd[8192];
  char *raw = tu_path(dir, "raw.dd");
  tu_write_random(raw, 1024 * 1024, 5);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && ewfacquire -u -q -t img -c none -f encase6 raw.dd "
           ">/dev/null 2>&1 && head -c 4096 img.E01 > cut.E01",
           dir);
  int status;
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  char *cut = tu_path(dir, "cut.E01");
  art_source *src = NULL;
  art_status st = art_source_open(ctx, cut, ART_SOURCE_AUTO, &src);
  if (st == ART_OK) {
    /* libewf may open it: then reading must fail, not return zeros */
    unsigned char buf[65536];
    size_t got;
    art_status rs = ART_OK;
    while (rs == ART_OK) {
      rs = art_source_read(ctx, src, buf, sizeof buf, &got);
      if (rs == ART_OK && got == 0)
        break;
    }
    ck_assert_int_ne(rs, ART_OK);
    art_source_free(src);
  } else {
    ck_assert_ptr_null(src);
    ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "cut.E01"));
  }
  free(cut);
  free(raw);
}
END_TEST

START_TEST(test_stdin)
{
  char *p = tu_path(dir, "in");
  tu_write(p, "0123456789", 10);
  int fd = open(p, O_RDONLY);
  int saved = dup(STDIN_FILENO);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(lseek(fd, 4, SEEK_SET), 4); /* partly consumed stdin */
  dup2(fd, STDIN_FILENO);
  art_source *src;
  ck_assert_int_eq(art_source_open(ctx, "-", ART_SOURCE_AUTO, &src), ART_OK);
  ck_assert_int_eq(art_source_get_info(src)->kind, ART_SOURCE_STDIN);
  size_t n;
  unsigned char *all = slurp(src, &n);
  ck_assert_uint_eq(n, 6);
  ck_assert_int_eq(memcmp(all, "456789", 6), 0);
  char b[4];
  size_t got;
  ck_assert_int_eq(art_source_pread(ctx, src, b, 1, 0, &got),
                   ART_ERR_UNSUPPORTED);
  free(all);
  art_source_free(src);
  dup2(saved, STDIN_FILENO);
  close(saved);
  close(fd);
  free(p);
}
END_TEST

/* A split raw segment named to a file tool is the file; the segment number
 * and first segment are found for folding globbed names. */
START_TEST(test_named_split_is_a_file)
{
  char name[64];
  unsigned char part[1000];
  memset(part, 'x', sizeof part);
  for (int s = 0; s < 3; s++) {
    snprintf(name, sizeof name, "notes.txt.%03d", s + 1);
    char *p = tu_path(dir, name);
    tu_write(p, part, sizeof part);
    free(p);
  }
  char *first = tu_path(dir, "notes.txt.001");
  char *second = tu_path(dir, "notes.txt.002");
  art_source *src;
  ck_assert_int_eq(art_source_open(ctx, first, ART_SOURCE_NAMED, &src), ART_OK);
  ck_assert_int_eq(art_source_get_info(src)->kind, ART_SOURCE_FILE);
  ck_assert_uint_eq(art_source_get_info(src)->size, 1000);
  ck_assert_ptr_null(art_source_file(src, 0));
  art_source_free(src);
  ck_assert_int_eq(art_source_open(ctx, first, ART_SOURCE_AUTO, &src), ART_OK);
  ck_assert_int_eq(art_source_get_info(src)->kind, ART_SOURCE_SPLIT);
  ck_assert_str_eq(art_source_file(src, 1), second);
  ck_assert_ptr_null(art_source_file(src, 3));
  art_source_free(src);
  char *f = NULL;
  ck_assert_uint_eq(art_source_segment_number(second, 1, &f), 2);
  ck_assert_str_eq(f, first);
  free(f);
  ck_assert_uint_eq(art_source_segment_number(second, 0, &f), 0);
  ck_assert_ptr_null(f);
  ck_assert_uint_eq(art_source_segment_number(first, 1, &f), 1);
  free(first);
  free(second);
}
END_TEST

/* One damaged chunk fails the reads that meet it, every time, and no
 * other read (issue 9.1). */
START_TEST(test_ewf_damage_belongs_to_its_read)
{
  char cmd[8192];
  char *raw = tu_path(dir, "raw.dd");
  tu_write_random(raw, 256 * 1024, 9);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && ewfacquire -u -q -t dmg -c none -f encase6 raw.dd "
           ">/dev/null 2>&1",
           dir);
  int status;
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  char *e01 = tu_path(dir, "dmg.E01");
  /* flip one byte of chunk 2 (sectors 128-191): uncompressed chunks are
   * 32 KiB of data and a 4-byte checksum after the sectors section header */
  FILE *f = fopen(e01, "r+b");
  ck_assert_ptr_nonnull(f);
  static unsigned char img[1 << 20];
  size_t n = fread(img, 1, sizeof img, f);
  size_t at = 0;
  for (size_t i = 13; i + 16 < n; i++)
    if (memcmp(img + i, "sectors\0\0\0\0\0\0\0\0\0", 16) == 0) {
      at = i + 76 + 2 * (32768 + 4) + 100;
      break;
    }
  ck_assert_uint_gt(at, 0);
  img[at] ^= 0xff;
  fseek(f, (long)at, SEEK_SET);
  fputc(img[at], f);
  fclose(f);
  FILE *rf = fopen(raw, "rb");
  static unsigned char want[256 * 1024];
  ck_assert_uint_eq(fread(want, 1, sizeof want, rf), sizeof want);
  fclose(rf);

  art_source *src;
  ck_assert_int_eq(art_source_open(ctx, e01, ART_SOURCE_AUTO, &src), ART_OK);
  static unsigned char buf[65536];
  size_t got;
  for (int round = 0; round < 2; round++) {
    ck_assert_int_eq(art_source_pread(ctx, src, buf, 32768, 2 * 32768, &got),
                     ART_ERR_CORRUPT);
    ck_assert_ptr_nonnull(
        strstr(art_ctx_errmsg(ctx), "checksum error in sectors 128-191"));
    ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "dmg.E01"));
    /* reads elsewhere, before and after, succeed with the right bytes */
    ck_assert_int_eq(art_source_pread(ctx, src, buf, 32768, 5 * 32768, &got),
                     ART_OK);
    ck_assert_uint_eq(got, 32768);
    ck_assert_int_eq(memcmp(buf, want + 5 * 32768, 32768), 0);
    ck_assert_int_eq(art_source_pread(ctx, src, buf, 32768, 0, &got), ART_OK);
    ck_assert_int_eq(memcmp(buf, want, 32768), 0);
  }
  /* a read across the damage returns the good bytes before it */
  ck_assert_int_eq(art_source_pread(ctx, src, buf, 65536, 32768, &got),
                   ART_ERR_CORRUPT);
  ck_assert_uint_eq(got, 32768);
  ck_assert_int_eq(memcmp(buf, want + 32768, 32768), 0);
  art_source_free(src);
  free(e01);
  free(raw);
}
END_TEST

/* Virtual disks by signature, also for file tools; formats no back end
 * reads are named and read as files. */
START_TEST(test_virtual_disks)
{
  char cmd[8192];
  char *raw = tu_path(dir, "raw.dd");
  tu_write_random(raw, 1024 * 1024, 11);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && qemu-img convert -O qcow2 raw.dd d.qcow2 && "
           "qemu-img convert -O vhdx raw.dd d.vhdx && "
           "qemu-img convert -O vmdk -o subformat=streamOptimized raw.dd "
           "d.vmdk && qemu-img convert -O vdi raw.dd d.vdi",
           dir);
  int status;
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  FILE *rf = fopen(raw, "rb");
  static unsigned char want[1024 * 1024];
  ck_assert_uint_eq(fread(want, 1, sizeof want, rf), sizeof want);
  fclose(rf);
  static const struct {
    const char *name, *format;
    art_source_kind kind;
  } cases[] = {{"d.qcow2", "QCOW2", ART_SOURCE_QCOW},
               {"d.vhdx", "VHDX", ART_SOURCE_VHD},
               {"d.vmdk", "VMDK", ART_SOURCE_VMDK}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *p = tu_path(dir, cases[i].name);
    art_source *src;
    struct stat before, after;
    struct timespec old[2] = {{1000000, 0}, {1000000, 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, p, old, 0), 0);
    ck_assert_int_eq(stat(p, &before), 0);
    ck_assert_int_eq(art_source_open(ctx, p, ART_SOURCE_NAMED, &src), ART_OK);
    const art_source_info *info = art_source_get_info(src);
    ck_assert_int_eq(info->kind, cases[i].kind);
    ck_assert_str_eq(info->format, cases[i].format);
    ck_assert_uint_eq(info->size, sizeof want);
    ck_assert_str_eq(art_source_file(src, 0), p);
    size_t n;
    unsigned char *all = slurp(src, &n);
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_int_eq(memcmp(all, want, n), 0);
    free(all);
    art_source_free(src);
    /* read through art_source: the access time is not touched (libvmdk
     * opens its extent files itself, without O_NOATIME) */
    ck_assert_int_eq(stat(p, &after), 0);
    if (cases[i].kind != ART_SOURCE_VMDK)
      ck_assert_int_eq(before.st_atim.tv_sec, after.st_atim.tv_sec);
    free(p);
  }
  char *vdi = tu_path(dir, "d.vdi");
  art_source *src;
  ck_assert_int_eq(art_source_open(ctx, vdi, ART_SOURCE_AUTO, &src), ART_OK);
  ck_assert_int_eq(art_source_get_info(src)->kind, ART_SOURCE_FILE);
  ck_assert_int_eq(art_source_get_info(src)->format_unsupported, 1);
  ck_assert_str_eq(art_source_get_info(src)->format, "VDI");
  art_source_free(src);
  free(vdi);
  free(raw);
}
END_TEST

static Suite *source_suite(void)
{
  Suite *s = suite_create("source");
  TCase *tc = tcase_create("files");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_file);
  tcase_add_test(tc, test_changed_while_open);
  tcase_add_test(tc, test_errors_name_the_input);
  tcase_add_test(tc, test_atime_untouched);
  tcase_add_test(tc, test_stdin);
  suite_add_tcase(s, tc);
  tc = tcase_create("images");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_split_raw);
  tcase_add_test(tc, test_ewf_image);
  tcase_add_test(tc, test_truncated_ewf_is_an_error);
  tcase_add_test(tc, test_named_split_is_a_file);
  tcase_add_test(tc, test_ewf_damage_belongs_to_its_read);
  tcase_add_test(tc, test_virtual_disks);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(source_suite());
}
