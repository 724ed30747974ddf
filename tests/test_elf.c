/* Check suite for the ELF parser: differential against readelf -h -l -d -S
 * on /usr/bin binaries and system libraries; damaged inputs.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/elf.h>

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static uint8_t *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static const char *field(const char *out, const char *key)
{
  const char *p = strstr(out, key);
  if (!p)
    return NULL;
  p += strlen(key);
  while (*p == ' ')
    p++;
  return p;
}

static int field_eq(const char *out, const char *key, const char *want)
{
  const char *v = field(out, key);
  return v && !strncmp(v, want, strlen(want)) &&
         (v[strlen(want)] == '\n' || v[strlen(want)] == ' ');
}

/* Compare one file with readelf; returns the number of differences. */
static int compare(art_ctx *ctx, const char *path)
{
  char cmd[4200], buf[512], *out, *line, *save = NULL;
  int status, diffs = 0;
  size_t len, needed = 0, sections_seen = 0;
  uint8_t *data = slurp(path, &len);
  art_elf *elf = NULL;
  const art_elf_info *info;
  if (!data)
    return 0;
  if (!art_elf_is_elf(data, len)) {
    free(data);
    return 0;
  }
  ck_assert_msg(art_elf_parse(ctx, data, len, &elf) == ART_OK, "%s: %s", path,
                art_ctx_errmsg(ctx));
  free(data);
  info = art_elf_get_info(elf);
  ck_assert_msg(!info->partial, "%s: %s", path, info->problem);
  snprintf(cmd, sizeof cmd, "LC_ALL=C readelf -h -l -d -S -W '%s' 2>&1", path);
  out = tu_run(cmd, &status);

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s: ", path);                                           \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
      diffs++;                                                                 \
    }                                                                          \
  } while (0)

  snprintf(buf, sizeof buf, "ELF%d", info->elf_class);
  CHECK(field_eq(out, "Class:", buf), "class %s", buf);
  CHECK(
      !strncmp(field(out, "  Type:"), info->type_name, strlen(info->type_name)),
      "type %s", info->type_name);
  CHECK(field_eq(out, "Machine:", info->machine_name), "machine %s",
        info->machine_name);
  snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)info->entry);
  CHECK(field_eq(out, "Entry point address:", buf), "entry %s", buf);
  snprintf(buf, sizeof buf, "%zu", info->n_segments);
  CHECK(field_eq(out, "Number of program headers:", buf), "phnum %s", buf);
  snprintf(buf, sizeof buf, "%zu", info->n_sections);
  CHECK(field_eq(out, "Number of section headers:", buf), "shnum %s", buf);
  if (info->interpreter) {
    snprintf(buf, sizeof buf, "[Requesting program interpreter: %s]",
             info->interpreter);
    CHECK(strstr(out, buf) != NULL, "interpreter %s", info->interpreter);
  } else {
    CHECK(!strstr(out, "Requesting program interpreter"), "no interpreter");
  }
  if (info->soname) {
    snprintf(buf, sizeof buf, "Library soname: [%s]", info->soname);
    CHECK(strstr(out, buf) != NULL, "soname %s", info->soname);
  }
  for (line = strtok_r(out, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    unsigned idx;
    char name[256], type[64];
    unsigned long long addr, off, size;
    const char *p;
    if ((p = strstr(line, "(NEEDED)"))) {
      const char *lib = art_elf_needed_at(elf, needed++);
      snprintf(buf, sizeof buf, "[%s]", lib ? lib : "(none)");
      CHECK(strstr(p, buf) != NULL, "needed %zu: %s vs %s", needed - 1, buf, p);
      continue;
    }
    if (sscanf(line, "  [%u] %255s %63s %llx %llx %llx", &idx, name, type,
               &addr, &off, &size) == 6 &&
        idx > 0) {
      const art_elf_section *s = art_elf_section_at(elf, idx);
      sections_seen++;
      CHECK(s != NULL, "section %u missing", idx);
      if (!s)
        continue;
      CHECK(!strcmp(s->name, name), "section %u name %s vs %s", idx, s->name,
            name);
      if (strcmp(s->type_name, "unknown"))
        CHECK(!strcmp(s->type_name, type), "section %s type %s vs %s", name,
              s->type_name, type);
      CHECK(s->addr == addr && s->offset == off && s->size == size,
            "section %s addr/off/size", name);
    }
  }
  CHECK(needed == info->n_needed, "needed count %zu vs %zu", needed,
        info->n_needed);
  CHECK(sections_seen + 1 == info->n_sections || info->n_sections == 0,
        "sections compared %zu of %zu", sections_seen, info->n_sections);
#undef CHECK
  free(out);
  art_elf_free(elf);
  return diffs;
}

START_TEST(test_readelf)
{
  art_ctx *ctx;
  struct dirent **ents = NULL;
  int n = scandir("/usr/bin", &ents, NULL, alphasort);
  size_t compared = 0, step;
  int diffs = 0;
  static const char *const libs[] = {
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
      "/usr/lib/x86_64-linux-gnu/libarchive.so.13",
      "/usr/lib/x86_64-linux-gnu/libmagic.so.1"};
  ck_assert_int_gt(n, 0);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  /* About 40 ELF files of /usr/bin, evenly spaced in name order. */
  {
    char **elfs = calloc((size_t)n, sizeof *elfs);
    size_t nelf = 0;
    for (int i = 0; i < n; i++) {
      char path[4096], magic[4];
      struct stat st;
      FILE *f;
      snprintf(path, sizeof path, "/usr/bin/%s", ents[i]->d_name);
      free(ents[i]);
      if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
          !(f = fopen(path, "rb")))
        continue;
      if (fread(magic, 1, 4, f) == 4 && !memcmp(magic,
                                                "\x7f"
                                                "ELF",
                                                4))
        elfs[nelf++] = strdup(path);
      fclose(f);
    }
    free(ents);
    step = nelf / 40 + 1;
    for (size_t i = 0; i < nelf; i++) {
      if (i % step == 0) {
        diffs += compare(ctx, elfs[i]);
        compared++;
      }
      free(elfs[i]);
    }
    free(elfs);
  }
  for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
    if (access(libs[i], R_OK) == 0) {
      diffs += compare(ctx, libs[i]);
      compared++;
    }
  fprintf(stderr, "elf: %zu files compared with readelf\n", compared);
  ck_assert_uint_gt(compared, 20);
  ck_assert_int_eq(diffs, 0);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_known_binary)
{
  art_ctx *ctx;
  size_t len;
  uint8_t *data = slurp("/usr/bin/ls", &len);
  art_elf *elf;
  const art_elf_info *info;
  int libc = 0;
  ck_assert_ptr_nonnull(data);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_elf_parse(ctx, data, len, &elf), ART_OK);
  info = art_elf_get_info(elf);
  ck_assert_int_eq(info->elf_class, 64);
  ck_assert(!info->big_endian);
  ck_assert_str_eq(info->type_name, "DYN");
  ck_assert(info->pie);
  ck_assert_str_eq(info->interpreter, "/lib64/ld-linux-x86-64.so.2");
  for (size_t i = 0; i < info->n_needed; i++)
    libc |= !strcmp(art_elf_needed_at(elf, i), "libc.so.6");
  ck_assert(libc);
  ck_assert_ptr_null(art_elf_needed_at(elf, info->n_needed));
  ck_assert_ptr_nonnull(art_elf_segment_at(elf, 0));
  ck_assert_str_eq(art_elf_segment_at(elf, 0)->type_name, "PHDR");
  art_elf_free(elf);
  free(data);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_damaged)
{
  art_ctx *ctx;
  size_t len;
  uint8_t *data = slurp("/usr/bin/ls", &len);
  art_elf *elf = NULL;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_elf_parse(ctx,
                                 "\x7f"
                                 "ELF",
                                 4, &elf),
                   ART_ERR_FORMAT);
  ck_assert_ptr_null(elf);
  ck_assert_int_eq(art_elf_parse(ctx, "MZ......", 8, &elf), ART_ERR_FORMAT);
  for (size_t cut = 16; cut < len; cut += cut < 4096 ? 13 : 4093) {
    uint8_t *copy = malloc(cut);
    memcpy(copy, data, cut);
    if (art_elf_parse(ctx, copy, cut, &elf) == ART_OK)
      art_elf_free(elf);
    free(copy);
  }
  /* Header facts survive a cut; the loss is reported. */
  ck_assert_int_eq(art_elf_parse(ctx, data, 4096, &elf), ART_OK);
  ck_assert_str_eq(art_elf_get_info(elf)->type_name, "DYN");
  ck_assert(art_elf_get_info(elf)->partial);
  art_elf_free(elf);
  /* Absurd header values. */
  memset(data + 0x20, 0xff, 16);
  if (art_elf_parse(ctx, data, len, &elf) == ART_OK)
    art_elf_free(elf);
  free(data);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_collector)
{
  art_ctx *ctx;
  art_elf_collector *c;
  const art_consumer *ops = art_elf_collector_consumer();
  size_t len;
  uint8_t *data = slurp("/usr/bin/ls", &len);
  int trunc;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_elf_collector_new(ctx, 0, &c), ART_OK);
  ck_assert_int_eq(ops->begin(c, 1, len), ART_OK);
  for (size_t off = 0; off < len; off += 65536)
    ck_assert_int_eq(
        ops->update(c, data + off, len - off < 65536 ? len - off : 65536, off),
        ART_OK);
  ck_assert_int_eq(ops->finish(c, ART_OK), ART_OK);
  ck_assert_ptr_nonnull(art_elf_collector_result(c, &trunc));
  ck_assert_int_eq(trunc, 0);
  ck_assert_int_eq(ops->begin(c, 1, 3), ART_OK);
  ck_assert_int_eq(ops->update(c, (const uint8_t *)"abc", 3, 0), ART_ERR_LIMIT);
  ck_assert_int_eq(ops->finish(c, ART_OK), ART_OK);
  ck_assert_ptr_null(art_elf_collector_result(c, NULL));
  art_elf_collector_free(c);
  free(data);
  art_ctx_free(ctx);
}
END_TEST

/* The collector fed by the core reader, with the magic consumer beside it:
 * one read of the file. */
START_TEST(test_reader)
{
  art_ctx *ctx;
  art_elf_collector *c;
  art_reader *r;
  art_source *src;
  const art_elf *elf;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_elf_collector_new(ctx, 0, &c), ART_OK);
  ck_assert_int_eq(art_reader_new(ctx, NULL, &r), ART_OK);
  ck_assert_int_eq(art_elf_collector_attach(ctx, c, r), ART_OK);
  ck_assert_int_eq(art_source_open(ctx, "/usr/bin/ls", ART_SOURCE_FILE, &src),
                   ART_OK);
  ck_assert_int_eq(art_reader_run(ctx, r, src, NULL), ART_OK);
  elf = art_elf_collector_result(c, NULL);
  ck_assert_ptr_nonnull(elf);
  ck_assert_str_eq(art_elf_get_info(elf)->interpreter,
                   "/lib64/ld-linux-x86-64.so.2");
  art_source_free(src);
  art_reader_free(r);
  art_elf_collector_free(c);
  art_ctx_free(ctx);
}
END_TEST

static Suite *elf_suite(void)
{
  Suite *s = suite_create("elf");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, test_known_binary);
  tcase_add_test(tc, test_damaged);
  tcase_add_test(tc, test_collector);
  tcase_add_test(tc, test_reader);
  suite_add_tcase(s, tc);
  tc = tcase_create("readelf");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_readelf);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(elf_suite());
}
